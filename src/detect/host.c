// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host target of the detectors (`pktlens read --detect`).
 *
 * The per-key state the kernel keeps in LRU hash maps lives here in
 * pl_htab: a chained hash table of fixed capacity whose least recently
 * used entry makes room for a new one, as the kernel's LRU maps do (theirs
 * is approximate, per CPU; with fewer keys than entries both keep all).
 * The destination and fragment tables are arrays of slots in both.
 */
#include <stdlib.h>
#include <string.h>
#include "parse/cursor.h"
#include "parse/parse.h"
#include "host.h"

/* ---- an LRU hash table of fixed-size keys and values ---- */

struct pl_htab {
	uint32_t ksz, vsz, cap, nbuckets, n;
	uint32_t *bucket;	 /* first entry + 1, 0 = empty */
	uint32_t *chain;	 /* next entry in the bucket + 1 */
	uint32_t *newer, *older; /* LRU list (+ 1); head = most recent */
	uint32_t head, tail;
	uint8_t *keys, *vals;
};

static int htab_init(struct pl_htab *t, uint32_t ksz, uint32_t vsz, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->ksz = ksz;
	t->vsz = vsz;
	t->cap = cap;
	for (t->nbuckets = 1; t->nbuckets < cap; t->nbuckets <<= 1)
		;
	t->bucket = calloc(t->nbuckets, sizeof(uint32_t));
	t->chain = calloc(cap, sizeof(uint32_t));
	t->newer = calloc(cap, sizeof(uint32_t));
	t->older = calloc(cap, sizeof(uint32_t));
	t->keys = calloc(cap, ksz);
	t->vals = calloc(cap, vsz);
	return t->bucket && t->chain && t->newer && t->older && t->keys && t->vals ? 0 : -1;
}

static void htab_free(struct pl_htab *t)
{
	free(t->bucket);
	free(t->chain);
	free(t->newer);
	free(t->older);
	free(t->keys);
	free(t->vals);
}

static uint32_t htab_hash(const struct pl_htab *t, const void *key)
{
	const uint8_t *k = key;
	uint64_t h = 1469598103934665603ull;
	uint32_t i;

	for (i = 0; i < t->ksz; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32)) & (t->nbuckets - 1);
}

/* Empty again, as htab_init leaves it; only the used entries are cleared. */
static void htab_reset(struct pl_htab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		t->bucket[htab_hash(t, t->keys + (size_t)i * t->ksz)] = 0;
	memset(t->chain, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->newer, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->older, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->keys, 0, (size_t)t->n * t->ksz);
	memset(t->vals, 0, (size_t)t->n * t->vsz);
	t->n = t->head = t->tail = 0;
}

static void lru_unlink(struct pl_htab *t, uint32_t i)
{
	uint32_t nw = t->newer[i], od = t->older[i];

	if (nw)
		t->older[nw - 1] = od;
	else
		t->head = od;
	if (od)
		t->newer[od - 1] = nw;
	else
		t->tail = nw;
	t->newer[i] = t->older[i] = 0;
}

static void lru_push(struct pl_htab *t, uint32_t i)
{
	t->older[i] = t->head;
	t->newer[i] = 0;
	if (t->head)
		t->newer[t->head - 1] = i + 1;
	t->head = i + 1;
	if (!t->tail)
		t->tail = i + 1;
}

static void chain_unlink(struct pl_htab *t, uint32_t i)
{
	uint32_t *p = &t->bucket[htab_hash(t, t->keys + (size_t)i * t->ksz)];

	while (*p && *p != i + 1)
		p = &t->chain[*p - 1];
	if (*p)
		*p = t->chain[i];
	t->chain[i] = 0;
}

/* The value for key, created zeroed when absent (evicting the least
 * recently used entry when full). */
static void *htab_get(struct pl_htab *t, const void *key)
{
	uint32_t b = htab_hash(t, key), e, i;

	for (e = t->bucket[b]; e; e = t->chain[e - 1]) {
		i = e - 1;
		if (!memcmp(t->keys + (size_t)i * t->ksz, key, t->ksz)) {
			if (t->head != e) {
				lru_unlink(t, i);
				lru_push(t, i);
			}
			return t->vals + (size_t)i * t->vsz;
		}
	}
	if (t->n < t->cap) {
		i = t->n++;
	} else {
		i = t->tail - 1;
		lru_unlink(t, i);
		chain_unlink(t, i);
	}
	memcpy(t->keys + (size_t)i * t->ksz, key, t->ksz);
	memset(t->vals + (size_t)i * t->vsz, 0, t->vsz);
	t->chain[i] = t->bucket[b];
	t->bucket[b] = i + 1;
	lru_push(t, i);
	return t->vals + (size_t)i * t->vsz;
}

/* ---- the target's side of detect.c ---- */

struct pl_det_host {
	struct pl_det_config cfg;
	struct pl_htab src, arp, dns;
	struct pl_det_dst dst[PL_DET_DST_SLOTS];
	struct pl_det_srcq srcq[PL_DET_SRCQ_SLOTS];
	struct pl_det_frag frag[PL_DET_FRAG_SLOTS];
	struct pl_det_ctx c;
	struct pl_scratch s;
	pl_det_alert_fn fn;
	void *arg;
};

static inline struct pl_det_host *host_of(const struct pl_det_ctx *c)
{
	return (struct pl_det_host *)(uintptr_t)c->target;
}

static inline const struct pl_det_config *pl_det_cfg(const struct pl_det_ctx *c)
{
	return &host_of(c)->cfg;
}

static inline struct pl_det_src *pl_det_src_get(struct pl_det_ctx *c, const struct pl_det_addr *k)
{
	return htab_get(&host_of(c)->src, k);
}

static inline struct pl_det_arp *pl_det_arp_get(struct pl_det_ctx *c, __u32 ip)
{
	return htab_get(&host_of(c)->arp, &ip);
}

static inline struct pl_det_dns *pl_det_dns_get(struct pl_det_ctx *c,
						const struct pl_det_dns_key *k)
{
	return htab_get(&host_of(c)->dns, k);
}

static inline struct pl_det_dst *pl_det_dst_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_DST_SLOTS ? &host_of(c)->dst[i] : NULL;
}

static inline struct pl_det_srcq *pl_det_srcq_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_SRCQ_SLOTS ? &host_of(c)->srcq[i] : NULL;
}

static inline struct pl_det_frag *pl_det_frag_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_FRAG_SLOTS ? &host_of(c)->frag[i] : NULL;
}

static inline void pl_det_send(struct pl_det_ctx *c)
{
	struct pl_det_host *h = host_of(c);

	if (h->fn)
		h->fn(h->arg, &c->alert);
}

/* A capture is only read: nothing to block. */
static inline __u32 pl_det_block(struct pl_det_ctx *c)
{
	(void)c;
	return 0;
}

#include "detect.c"

struct pl_det_host *pl_det_host_new(const struct pl_det_config *cfg, pl_det_alert_fn fn, void *arg)
{
	struct pl_det_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fn = fn;
	h->arg = arg;
	if (htab_init(&h->src, sizeof(struct pl_det_addr), sizeof(struct pl_det_src),
		      PL_DET_SRC_ENTRIES) ||
	    htab_init(&h->arp, sizeof(__u32), sizeof(struct pl_det_arp), PL_DET_ARP_ENTRIES) ||
	    htab_init(&h->dns, sizeof(struct pl_det_dns_key), sizeof(struct pl_det_dns),
		      PL_DET_DNS_ENTRIES)) {
		pl_det_host_free(h);
		return NULL;
	}
	pl_det_host_reset(h, cfg);
	return h;
}

void pl_det_host_reset(struct pl_det_host *h, const struct pl_det_config *cfg)
{
	htab_reset(&h->src);
	htab_reset(&h->arp);
	htab_reset(&h->dns);
	memset(h->dst, 0, sizeof(h->dst));
	memset(h->srcq, 0, sizeof(h->srcq));
	memset(h->frag, 0, sizeof(h->frag));
	memset(&h->c, 0, sizeof(h->c));
	memset(&h->s, 0, sizeof(h->s));
	h->cfg = *cfg;
	h->cfg.enforce_ttl_ns = 0;
	h->c.target = (uint64_t)(uintptr_t)h;
}

void pl_det_host_free(struct pl_det_host *h)
{
	if (!h)
		return;
	htab_free(&h->src);
	htab_free(&h->arp);
	htab_free(&h->dns);
	free(h);
}

bool pl_det_host_frame(struct pl_det_host *h, struct pl_pkt *out, const struct pl_filter *filter,
		       enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
		       uint32_t wire_len, uint64_t ts_ns)
{
	struct pl_scratch *s = &h->s;
	bool match = pl_parse_scratch(s, filter, linktype, data, caplen, wire_len);

	if (match && pl_det_wants(s)) {
		h->c.now = ts_ns;
		h->c.ifindex = 0;
		pl_detect(s, &h->c);
	}
	pl_parse_finish(s);
	*out = s->ev.pkt;
	return match;
}
