// SPDX-License-Identifier: BSD-2-Clause
/*
 * The agent's TCP side (tcp: true, --tcp): pktlens tcp's programs
 * (src/bpf/tcp.bpf.c) with metrics_on and no record kinds, so they count
 * in per-CPU maps and write nothing to the ring buffer. tcp_probe is left
 * out: the RTT histogram takes srtt at close from the socket itself.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmd/tcp/tcp.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "util/log.h"
#include "metrics.h"
#include "tcp_side.h"
#include "filter/filter.h"
#include "tcp.skel.h"

/* The connection table's size (pktlens tcp's --max-conns default). */
#define AGENT_MAX_CONNS 65536

struct pl_agent_tcp {
	struct tcp_bpf *skel;
	struct bpf_link *links[TCP_N_HOOKS];
	int n_links;
	struct enum_table drop_reasons;
	int ncpu;
	struct pl_tcp_metrics *vals; /* ncpu values of one per-CPU lookup */
};

void pl_agent_tcp_stop(struct pl_agent_tcp *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n_links; i++)
		bpf_link__destroy(t->links[i]);
	tcp_bpf__destroy(t->skel);
	free(t->drop_reasons.v);
	free(t->vals);
	free(t);
}

struct pl_agent_tcp *pl_agent_tcp_start(void)
{
	struct pl_agent_tcp *t = calloc(1, sizeof(*t));
	struct btf *btf = NULL;
	bool has_rst_reason;

	if (!t)
		return NULL;
	t->ncpu = libbpf_num_possible_cpus();
	if (t->ncpu <= 0 || !(t->vals = calloc((size_t)t->ncpu, sizeof(*t->vals)))) {
		pl_err("tcp: cannot count the CPUs or allocate their metrics");
		goto fail;
	}
	btf = pl_open_kernel_btf();
	if (!btf)
		goto fail;
	t->skel = tcp_bpf__open();
	if (!t->skel) {
		pl_err("tcp: cannot open the BPF programs: %s", strerror(errno));
		goto fail;
	}
	if (!tcp_choose_programs(t->skel, btf, K(PL_TCP_SUMMARY) | K(PL_TCP_RETRANS) |
						      K(PL_TCP_RESET) | K(PL_TCP_DROP),
				 &has_rst_reason)) {
		pl_err("tcp: this kernel has none of the tracepoints the TCP metrics need "
		       "(docs/agent.md); set tcp: false");
		goto fail;
	}
	bpf_program__set_autoload(t->skel->progs.pl_tcp_probe, false);
	if (tcp_load_enum(btf, "skb_drop_reason", "SKB_DROP_REASON_", "SKB_", &t->drop_reasons))
		pl_warn("tcp: this kernel's BTF has no enum skb_drop_reason: no drops by reason");
	btf__free(btf);
	btf = NULL;
	t->skel->rodata->kinds = 0; /* no records: counting only */
	t->skel->rodata->metrics_on = 1;
	tcp_set_drop_ignore(t->skel, &t->drop_reasons);
	if (tcp_load(t->skel, AGENT_MAX_CONNS))
		goto fail;
	if (tcp_attach_programs(t->skel, t->links, &t->n_links) && !t->n_links) {
		pl_err("tcp: could not attach any tracepoint; run with -v for libbpf's messages");
		goto fail;
	}
	pl_info("TCP metrics from %d tracepoint programs", t->n_links);
	return t;
fail:
	btf__free(btf);
	pl_agent_tcp_stop(t);
	return NULL;
}

/* The sum over CPUs of one per-CPU value of map fd; false when absent. */
static bool sum_metrics(struct pl_agent_tcp *t, int fd, const void *key, struct pl_tcp_metrics *out)
{
	int c, i;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, key, t->vals))
		return false;
	for (c = 0; c < t->ncpu; c++) {
		for (i = 0; i < PL_TM__COUNT; i++)
			out->n[i] += t->vals[c].n[i];
		pl_hist_merge(&out->rtt, &t->vals[c].rtt);
		pl_hist_merge(&out->handshake, &t->vals[c].handshake);
		pl_hist_merge(&out->duration, &t->vals[c].duration);
	}
	return true;
}

/* How a port ranks for the top-N: connections and resets sent. */
static uint64_t port_rank(const struct pl_tcp_metrics *m)
{
	return m->n[PL_TM_OPEN_PASSIVE] + m->n[PL_TM_RST_SENT];
}

static void add_port(struct pl_metrics *m, size_t max, __u32 port, const struct pl_tcp_metrics *v)
{
	size_t i, at, n = m->n_tcp_ports;
	uint64_t r = port_rank(v);

	if (n == max && r <= port_rank(&m->tcp_ports[n - 1].m))
		return;
	at = n < max ? n : max - 1;
	for (i = at; i > 0 && port_rank(&m->tcp_ports[i - 1].m) < r; i--)
		m->tcp_ports[i] = m->tcp_ports[i - 1];
	m->tcp_ports[i].port = port;
	m->tcp_ports[i].m = *v;
	if (n < max)
		m->n_tcp_ports++;
}

void pl_agent_tcp_read(struct pl_agent_tcp *t, struct pl_metrics *m, unsigned top_n)
{
	static struct pl_tcp_metrics v;
	__u64 drops[PL_TCP_DROP_SLOTS];
	__u32 key, next, zero = 0, *prev = NULL;
	int fd = bpf_map__fd(t->skel->maps.tcp_port_metrics);
	size_t i, max = top_n < PL_TOP_MAX ? top_n : PL_TOP_MAX;

	m->tcp = true;
	sum_metrics(t, bpf_map__fd(t->skel->maps.tcp_metrics), &zero, &m->tcp_total);
	m->n_tcp_ports = 0;
	/* a port the LRU drops meanwhile only ends the walk early */
	while (max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (sum_metrics(t, fd, &key, &v))
			add_port(m, max, key, &v);
	}
	pl_sum_percpu(bpf_map__fd(t->skel->maps.drop_counts), PL_TCP_DROP_SLOTS, drops);
	m->n_drops = 0;
	for (i = 0; i < t->drop_reasons.n && m->n_drops < PL_TCP_DROP_SLOTS; i++) {
		const struct enum_name *e = &t->drop_reasons.v[i];

		if (e->value >= PL_TCP_DROP_IGNORE_MAX || tcp_drop_is_normal(e->name))
			continue;
		m->drops[m->n_drops].reason = e->name;
		m->drops[m->n_drops++].n = drops[e->value];
	}
	/* values the enum does not name (other subsystems' reasons) */
	m->drops_other = drops[PL_TCP_DROP_IGNORE_MAX];
}
