// SPDX-License-Identifier: BSD-2-Clause
/*
 * read --flows (runtime/hostflows.h). The accounting follows
 * src/bpf/flow_account.h's account_flow() and account_names() for the
 * flow table; the table is util/htab.c's LRU table, of the size the
 * kernel's would have. The kernel's exact clock is the packet's time here.
 */
#include <stdlib.h>
#include <string.h>
#include "privacy/privacy.h"
#include "records/flow_key.h"
#include "runtime/hostflows.h"
#include "util/htab.h"

struct host_flow {
	struct pl_flow_val val;
	struct pl_flow_name name;
};

struct pl_hostflows {
	struct pl_htab tab; /* pl_flow_key -> struct host_flow */
	uint64_t idle_ns, active_ns, interval_ns, next_scan;
	pl_flow_fn fn;
	void *ctx;
	struct pl_flow_ended *batch; /* one scan's records, sorted before they go */
	size_t n_batch, cap_batch;
	struct pl_hostflows_stats st;
};

struct pl_hostflows *pl_hostflows_new(uint32_t entries, uint64_t idle_ns, uint64_t active_ns,
				      pl_flow_fn fn, void *ctx)
{
	struct pl_hostflows *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (pl_htab_init(&h->tab, sizeof(struct pl_flow_key), sizeof(struct host_flow), entries)) {
		pl_htab_free(&h->tab);
		free(h);
		return NULL;
	}
	h->idle_ns = idle_ns;
	h->active_ns = active_ns;
	h->interval_ns = pl_flow_scan_interval_ns(idle_ns);
	h->fn = fn;
	h->ctx = ctx;
	return h;
}

/* Entry i leaves the table into the batch (the last entry takes its
 * place). False when the batch cannot grow: the entry stays. */
static bool take(struct pl_hostflows *h, uint32_t i, enum pl_flow_end why)
{
	const struct host_flow *hf = pl_htab_val(&h->tab, i);
	struct pl_flow_ended *e;

	if (h->n_batch == h->cap_batch) {
		size_t cap = h->cap_batch ? h->cap_batch * 2 : 1024;
		struct pl_flow_ended *b = realloc(h->batch, cap * sizeof(*b));

		if (!b)
			return false;
		h->batch = b;
		h->cap_batch = cap;
	}
	e = &h->batch[h->n_batch++];
	memcpy(&e->f.key, pl_htab_key(&h->tab, i), sizeof(e->f.key));
	e->f.val = hf->val;
	e->f.name = hf->name;
	memset(&e->f.proc, 0, sizeof(e->f.proc)); /* no socket on the host */
	e->why = why;
	h->st.exported[why]++;
	pl_htab_del(&h->tab, &e->f.key);
	return true;
}

/* Sends the batch in order of first packet. */
static void send_batch(struct pl_hostflows *h)
{
	size_t i;

	pl_flow_sort_by_start(h->batch, h->n_batch);
	for (i = 0; i < h->n_batch; i++) {
		pl_privacy_flow(&h->batch[i].f); /* the key is out of the table already */
		h->fn(h->ctx, &h->batch[i].f, h->batch[i].why);
	}
	h->n_batch = 0;
}

/* Exports the flows that `now` ends (all of them when `all`). */
static void expire(struct pl_hostflows *h, uint64_t now, bool all)
{
	uint32_t i = 0;

	while (i < h->tab.n) {
		const struct host_flow *hf = pl_htab_val(&h->tab, i);
		enum pl_flow_end why =
			all ? PL_END_EXIT
			    : pl_flow_end_reason(now, h->idle_ns, h->active_ns, &hf->val);

		if (!why) {
			i++;
			continue;
		}
		if (!take(h, i, why))
			i++; /* out of memory: it goes at the next scan */
			     /* else entry i is now the table's former last entry */
	}
	send_batch(h);
}

/* account_flow(): packets, bytes, time, TCP flags and TTL range. */
static void account(struct host_flow *hf, bool fresh, const struct pl_pkt *p, uint64_t ts_ns)
{
	struct pl_flow_val *v = &hf->val;
	__u32 flags = (p->present & PL_HAS_TCP) ? p->tcp_flags : 0;

	if (fresh) {
		v->first_ns = v->last_ns = ts_ns;
		v->ttl_min = v->ttl_max = p->ip_ttl;
	}
	v->packets++;
	v->bytes += p->frame_len;
	if (!fresh) {
		__u32 hs = pl_flow_handshake(v, v->tcp_flags, flags, ts_ns);

		if (hs)
			v->handshake_us = hs;
	}
	v->tcp_flags |= flags;
	if (ts_ns > v->last_ns)
		v->last_ns = ts_ns;
	if (p->ip_ttl < v->ttl_min)
		v->ttl_min = p->ip_ttl;
	if (p->ip_ttl > v->ttl_max)
		v->ttl_max = p->ip_ttl;
}

/* account_names(): the flow's first TLS SNI, DNS query name or HTTP host. */
static void note_name(struct host_flow *hf, const struct pl_pkt *p)
{
	const char *name;
	__u32 len, kind;

	if (hf->name.kind)
		return;
	kind = pl_flow_name_of(p, &name, &len);
	if (!kind || !len)
		return;
	if (len > PL_NAME_MAX)
		len = PL_NAME_MAX;
	hf->name.kind = kind;
	/* an SNI the parse decrypted from a QUIC Initial, as live */
	if (kind == PL_NAME_SNI && (p->present & PL_HAS_QUIC))
		hf->name.flags = PL_NAMEF_QUIC;
	hf->name.dns_time_ns = kind == PL_NAME_DNS ? p->l7.dns.time_ns : 0;
	memcpy(hf->name.name, name, len);
}

void pl_hostflows_packet(struct pl_hostflows *h, const struct pl_pkt *p, uint64_t ts_ns)
{
	struct pl_flow_key k;
	struct host_flow *hf;
	bool fresh;

	if (!h->next_scan)
		h->next_scan = ts_ns + h->interval_ns;
	if (ts_ns >= h->next_scan) {
		expire(h, ts_ns, false);
		h->next_scan = ts_ns + h->interval_ns;
	}
	if (!(p->present & (PL_HAS_IP4 | PL_HAS_IP6))) {
		h->st.not_ip++;
		return;
	}
	memset(&k, 0, sizeof(k));
	pl_flow_key_of(p, 0, &k);
	hf = pl_htab_find(&h->tab, &k);
	fresh = !hf;
	if (fresh) {
		if (h->tab.n == h->tab.cap)
			h->st.evicted++;
		hf = pl_htab_get(&h->tab, &k);
		h->st.created++;
	}
	account(hf, fresh, p, ts_ns);
	note_name(hf, p);
}

void pl_hostflows_finish(struct pl_hostflows *h)
{
	expire(h, 0, true);
}

const struct pl_hostflows_stats *pl_hostflows_stats(const struct pl_hostflows *h)
{
	return &h->st;
}

void pl_hostflows_free(struct pl_hostflows *h)
{
	if (!h)
		return;
	pl_htab_free(&h->tab);
	free(h->batch);
	free(h);
}
