// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: TCP lifecycle events from the kernel's tracepoints (see
 * src/bpf/tcp.bpf.c): state changes, connection summaries, retransmits,
 * resets, RTT samples and drops with the kernel's drop reason.
 *
 * Start-up: probe the kernel's BTF for each tracepoint (and the variant of
 * its arguments), read the drop and reset reason names from the BTF enums,
 * load, attach each program on its own, then record the owners of the
 * listening sockets that were there before us (from /proc).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmd/cmds.h"
#include "util/log.h"
#include "runtime/ringloop.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "output/output.h"
#include "filter/cbpf.h"
#include "filter/filter.h"
#include "cmd/tcp/tcp.h"
#include "tcp.skel.h"

static int parse_kinds(const char *list, unsigned int *out)
{
	char *copy, *tok, *save = NULL;
	unsigned int k;
	int ret = 0;

	if (!list) {
		*out = DEFAULT_KINDS;
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return PL_EXIT_RUNTIME;
	*out = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*out |= K(PL_TCP__KINDS) - 1;
			continue;
		}
		for (k = 0; k < PL_TCP__KINDS; k++)
			if (!strcmp(tok, tcp_kind_names[k]))
				break;
		if (k == PL_TCP__KINDS) {
			pl_err("--events: '%s' is not one of state, summary, retrans, reset, rtt, "
			       "drop, all",
			       tok);
			ret = PL_EXIT_USAGE;
			break;
		}
		*out |= K(k);
	}
	if (!ret && !*out) {
		pl_err("--events: name at least one of state, summary, retrans, reset, rtt, drop");
		ret = PL_EXIT_USAGE;
	}
	free(copy);
	return ret;
}

/* pktlens tcp filters on addresses and ports only: the records carry no
 * packet bytes, link layer or L7 fields. Its filter runs on a made-up
 * frame of the 4-tuple (src/bpf/tcp.bpf.c), so libpcap's code may read
 * only the bytes that frame sets: the EtherType, the IP version, protocol
 * and addresses, the fragment field and the ports. */
static bool tuple_load(const struct pl_cbpf_insn *i)
{
	__u32 size = pl_cbpf_load_size(i->code);
	__u32 end = i->k + size;

	if (BPF_CLASS(i->code) == BPF_LDX)
		return BPF_MODE(i->code) != BPF_MSH || i->k == 14; /* IPv4 header length */
	switch (BPF_MODE(i->code)) {
	case BPF_ABS:
		/* EtherType and version; fragment field or next header;
		 * IPv4 protocol and addresses, IPv6 addresses and ports */
		return (i->k >= 12 && end <= 15) || (i->k >= 20 && end <= 58);
	case BPF_IND:
		return i->k >= 14 && end <= 18; /* ports, after the IPv4 header */
	case BPF_LEN:
		return false;
	default:
		return true;
	}
}

static int check_filter(const struct pl_opts *o, const struct pl_filter *f)
{
	__u32 i, n = f->n_blocks ? f->block_start[f->n_blocks] : 0;
	bool ok = !f->needs_l7;

	for (i = 0; ok && i < n && i < PL_FILTER_MAX_CBPF; i++)
		if (BPF_CLASS(f->cbpf[i].code) == BPF_LD || BPF_CLASS(f->cbpf[i].code) == BPF_LDX)
			ok = tuple_load(&f->cbpf[i]);
	if (ok)
		return 0;
	pl_err("bad filter for tcp: '%s' tests more than addresses and ports; pktlens tcp takes "
	       "host, net, port, portrange, src, dst, ip, ip6, proto, tcp, udp with and/or/not",
	       o->filter);
	return PL_EXIT_USAGE;
}

/* ---- counters ---- */

/* The sums over CPUs of the kernel's counters. */
void tcp_read_counters(struct tcp_bpf *skel, __u64 out[PL_TCNT__COUNT])
{
	pl_sum_percpu(bpf_map__fd(skel->maps.counters), PL_TCNT__COUNT, out);
}

/* The kernel counts the table's entries. */
static uint64_t count_conns(struct tcp_bpf *skel)
{
	return __atomic_load_n(&skel->bss->live_conns, __ATOMIC_RELAXED);
}

static void print_stats(struct tcp_bpf *skel)
{
	__u64 c[PL_TCNT__COUNT];

	tcp_read_counters(skel, c);
	fprintf(stderr,
		"pktlens: %llu events seen, %llu matched, %llu emitted, %llu lost in the ring "
		"buffer, %llu hook runs missed by the kernel; %llu connections in the table, %llu "
		"untracked (table full)\n",
		(unsigned long long)c[PL_TCNT_SEEN], (unsigned long long)c[PL_TCNT_MATCHED],
		(unsigned long long)c[PL_TCNT_EMITTED], (unsigned long long)c[PL_TCNT_LOST],
		(unsigned long long)tcp_kernel_misses(skel), (unsigned long long)count_conns(skel),
		(unsigned long long)c[PL_TCNT_UNTRACKED]);
}

/* ---- start-up ---- */

static void kinds_list(unsigned int kinds, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int k;

	buf[0] = 0;
	for (k = 0; k < PL_TCP__KINDS; k++)
		if (kinds & K(k))
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						off ? "," : "", tcp_kind_names[k]);
}

/* State of the once-a-second checks. */
struct tcp_tick {
	struct tcp_bpf *skel;
	struct tcp_ctx *c;
	__u64 last_lost, last_missed, last_no_listener;
	uint64_t next_scan, scan_gap; /* seconds between /proc scans */
};

/* Once a second: report loss and missed hook runs; look for listeners. */
static int tcp_each_second(void *ctx, uint64_t now)
{
	struct tcp_tick *t = ctx;
	__u64 cnt[PL_TCNT__COUNT], missed;

	tcp_read_counters(t->skel, cnt);
	if (cnt[PL_TCNT_LOST] != t->last_lost) {
		pl_warn("%llu records lost in the ring buffer in the last second (%llu in all): "
			"the reader is too slow; narrow the filter or --events, or use --json to a "
			"file",
			(unsigned long long)(cnt[PL_TCNT_LOST] - t->last_lost),
			(unsigned long long)cnt[PL_TCNT_LOST]);
		t->last_lost = cnt[PL_TCNT_LOST];
	}
	/* a passive open on a port whose listener we do not know: look in
	 * /proc again, less often while that finds nothing */
	if (cnt[PL_TCNT_NO_LISTENER] != t->last_no_listener && now >= t->next_scan &&
	    (t->c->kinds & SOCKET_KINDS)) {
		t->last_no_listener = cnt[PL_TCNT_NO_LISTENER];
		t->scan_gap =
			tcp_scan_listeners(t->skel) ? 1 : (t->scan_gap < 64 ? t->scan_gap * 2 : 64);
		t->next_scan = now + t->scan_gap * 1000000000ull;
	}
	missed = tcp_kernel_misses(t->skel);
	if (missed != t->last_missed) {
		pl_warn("%llu hook runs missed by the kernel in the last second (%llu in all): a "
			"tracepoint fired while its program was already running on that CPU",
			(unsigned long long)(missed - t->last_missed), (unsigned long long)missed);
		t->last_missed = missed;
	}
	return 0;
}

int cmd_tcp(struct pl_opts *o)
{
	static struct pl_filter filter;
	struct bpf_link *links[TCP_N_HOOKS];
	static char outbuf[PL_OUT_BUF_MIN * 4];
	struct tcp_ctx c = { .o = o };
	struct tcp_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct btf *btf = NULL;
	struct tcp_tick tick = { .scan_gap = 1 };
	int i, n_links = 0, n_progs, ret;
	bool has_rst_reason;
	char kl[128];

	ret = parse_kinds(o->events, &c.kinds);
	if (ret)
		return ret;
	ret = pl_opts_compile_filter(o, &filter);
	if (ret)
		return ret;
	if (o->filter) {
		ret = check_filter(o, &filter);
		if (ret)
			return ret;
	}
	btf = pl_open_kernel_btf();
	if (!btf)
		return PL_EXIT_RUNTIME;
	pl_log_setup_libbpf();

	skel = tcp_bpf__open();
	if (!skel) {
		pl_err("cannot open the BPF programs: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	n_progs = tcp_choose_programs(skel, btf, c.kinds, &has_rst_reason);
	if (!n_progs) {
		pl_err("this kernel has none of the tracepoints pktlens tcp needs for --events %s",
		       o->events ? o->events : "summary,retrans,reset,drop");
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	if (c.kinds & K(PL_TCP_DROP) &&
	    tcp_load_enum(btf, "skb_drop_reason", "SKB_DROP_REASON_", "SKB_", &c.drop_reasons))
		pl_warn("this kernel's BTF has no enum skb_drop_reason: drops show reason numbers");
	if (has_rst_reason)
		tcp_load_enum(btf, "sk_rst_reason", "SK_RST_REASON_", NULL, &c.rst_reasons);
	btf__free(btf);
	btf = NULL;

	skel->rodata->kinds = c.kinds;
	skel->rodata->rtt_every = o->rtt_every;
	skel->rodata->filter_on = o->filter != NULL;
	memcpy((void *)&skel->rodata->filter, &filter, sizeof(filter));
	{
		char err_msg[256];

		if (pl_filter_splice(skel->obj, &filter, err_msg, sizeof(err_msg))) {
			pl_err("cannot put the filter into the BPF programs: %s", err_msg);
			ret = PL_EXIT_RUNTIME;
			goto cleanup;
		}
	}
	if (!o->all_drops)
		tcp_set_drop_ignore(skel, &c.drop_reasons);
	if (tcp_load(skel, o->max_conns)) {
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), tcp_on_event, &c, NULL);
	if (!rb) {
		pl_err("cannot set up the ring buffer: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	if (tcp_attach_programs(skel, links, &n_links) && !n_links) {
		pl_err("could not attach any tracepoint; run with -v for libbpf's messages");
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	/* after attaching: a listener that appears meanwhile is seen by the
	 * kernel, and the kernel's record wins over the scan's */
	if (c.kinds & SOCKET_KINDS)
		tcp_scan_listeners(skel);

	pl_catch_stop_signals();
	kinds_list(c.kinds, kl, sizeof(kl));
	pl_info("tracing TCP: %s (%d hooks)%s%s", kl, n_links, o->filter ? ", filter: " : "",
		o->filter ? o->filter : "");
	c.mono_to_epoch_ns = pl_mono_to_epoch_ns();
	pl_out_init_file(&c.out, stdout, outbuf, sizeof(outbuf));
	tick.skel = skel;
	tick.c = &c;
	ret = pl_run_ring_loop(&(struct pl_ring_loop){ .rb = rb,
						       .o = o,
						       .printed = &c.printed,
						       .each_second = tcp_each_second,
						       .ctx = &tick });
	ret = pl_stdout_status(ret); /* records that could not be written are an error */
	if (o->stats)
		print_stats(skel);

cleanup:
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links[i]);
	ring_buffer__free(rb);
	tcp_bpf__destroy(skel);
	btf__free(btf);
	free(c.drop_reasons.v);
	free(c.rst_reasons.v);
	return ret;
}
