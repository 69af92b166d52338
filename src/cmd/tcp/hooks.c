// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: the tracepoints, the program for each and the events that
 * need it; which of them this kernel has, attaching, missed runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "runtime/skel_common.h"
#include "cmd/tcp/tcp.h"
#include "filter/filter.h"
#include "tcp.skel.h"

/* ---- tracepoints ---- */

/*
 * Arguments of tracepoint `tp` (the BTF typedef btf_trace_<tp> is a pointer
 * to a function whose first parameter is the tracepoint's private data), or
 * -1 when this kernel lacks it.
 */
static int tp_nargs(const struct btf *btf, const char *tp)
{
	/* PKTLENS_TCP_HIDE_TP=a,b lets the tests play a kernel without them */
	const char *hide = getenv("PKTLENS_TCP_HIDE_TP");
	const struct btf_type *t;
	size_t len = strlen(tp);
	char name[128];
	int id;

	for (; hide && *hide; hide += strcspn(hide, ","), hide += *hide == ',')
		if (!strncmp(hide, tp, len) && (hide[len] == ',' || !hide[len]))
			return -1;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -1;
	return btf_vlen(t) - 1;
}

/* One program: its tracepoint, how many arguments it reads, the kinds that
 * need it, and what is missing without it. */
struct hook {
	const char *tp;
	int nargs; /* the program reads arguments 0..nargs-1 */
	int exact; /* this variant only when the kernel has nargs */
	unsigned int kinds;
	const char *without;
	struct bpf_program *(*prog)(struct tcp_bpf *s);
};

#define PROG(name)                                                \
	static struct bpf_program *prog_##name(struct tcp_bpf *s) \
	{                                                         \
		return s->progs.name;                             \
	}
PROG(pl_set_state)
PROG(pl_set_state_nested)
PROG(pl_destroy_sock)
PROG(pl_retransmit_skb_err)
PROG(pl_retransmit_skb)
PROG(pl_retransmit_synack)
PROG(pl_receive_reset)
PROG(pl_send_reset_reason)
PROG(pl_send_reset)
PROG(pl_tcp_probe)
PROG(pl_kfree_skb)

static const struct hook hooks[] = {
	{ "inet_sock_set_state", 3, 0, SOCKET_KINDS,
	  "no state records, summaries or connection table", prog_pl_set_state },
	{ "inet_sock_set_state", 3, 0, SOCKET_KINDS,
	  "no state records, summaries or connection table", prog_pl_set_state_nested },
	{ "tcp_destroy_sock", 1, 0, SOCKET_KINDS,
	  "a connection whose CLOSE the kernel skipped stays in the table until its socket's "
	  "memory is reused",
	  prog_pl_destroy_sock },
	{ "tcp_retransmit_skb", 3, 0, K(PL_TCP_RETRANS) | K(PL_TCP_SUMMARY),
	  "no retransmit records or counts", prog_pl_retransmit_skb_err },
	{ "tcp_retransmit_skb", 2, 1, K(PL_TCP_RETRANS) | K(PL_TCP_SUMMARY),
	  "no retransmit records or counts", prog_pl_retransmit_skb },
	{ "tcp_retransmit_synack", 2, 0, K(PL_TCP_RETRANS), "no SYN-ACK retransmit records",
	  prog_pl_retransmit_synack },
	{ "tcp_receive_reset", 1, 0, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY),
	  "no received-reset records", prog_pl_receive_reset },
	{ "tcp_send_reset", 3, 0, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY), "no sent-reset records",
	  prog_pl_send_reset_reason },
	{ "tcp_send_reset", 2, 1, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY), "no sent-reset records",
	  prog_pl_send_reset },
	{ "tcp_probe", 2, 0, K(PL_TCP_RTT) | K(PL_TCP_SUMMARY),
	  "no RTT records or RTT in summaries", prog_pl_tcp_probe },
	{ "kfree_skb", 3, 0, K(PL_TCP_DROP),
	  "no drop records (the kernel must have kfree_skb with a drop reason, 5.17 or later)",
	  prog_pl_kfree_skb },
};
_Static_assert(ARRAY_SIZE(hooks) == TCP_N_HOOKS, "TCP_N_HOOKS");

/* Hook runs the kernel skipped: a program already running on that CPU
 * (interrupted by the same tracepoint) is not run again. */
uint64_t tcp_kernel_misses(struct tcp_bpf *skel)
{
	__u64 c[PL_TCNT__COUNT];
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		struct bpf_program *p = hooks[i].prog(skel);
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p) || bpf_program__fd(p) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			n += info.recursion_misses;
	}
	/* those of pl_set_state that its twin took over are not missed */
	tcp_read_counters(skel, c);
	return n > c[PL_TCNT_TAKEN_OVER] ? n - c[PL_TCNT_TAKEN_OVER] : 0;
}

/*
 * Chooses the programs: those the asked-for kinds need, in the variant the
 * kernel's tracepoint arguments allow. Reports each missing tracepoint once.
 * Returns the number of programs that will load.
 */
int tcp_choose_programs(struct tcp_bpf *skel, const struct btf *btf, unsigned int kinds,
			bool *has_reset_reason)
{
	const char *reported[ARRAY_SIZE(hooks)];
	size_t i, j, n_reported = 0;
	int n = 0;

	*has_reset_reason = false;
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct hook *h = &hooks[i];
		int have = tp_nargs(btf, h->tp);
		bool ok = have >= 0 && (h->exact ? have == h->nargs : have >= h->nargs);
		bool need = kinds & h->kinds;

		bpf_program__set_autoload(h->prog(skel), need && ok);
		if (!need || ok) {
			if (need && ok) {
				n++;
				if (h->prog(skel) == skel->progs.pl_send_reset_reason)
					*has_reset_reason = true;
			}
			continue;
		}
		/* a variant that does not fit is fine when another one does */
		for (j = 0; j < ARRAY_SIZE(hooks); j++) {
			int hj = tp_nargs(btf, hooks[j].tp);

			if (j != i && !strcmp(hooks[j].tp, h->tp) && hj >= 0 &&
			    (hooks[j].exact ? hj == hooks[j].nargs : hj >= hooks[j].nargs))
				break;
		}
		if (j < ARRAY_SIZE(hooks))
			continue;
		for (j = 0; j < n_reported; j++)
			if (!strcmp(reported[j], h->tp))
				break;
		if (j < n_reported)
			continue;
		reported[n_reported++] = h->tp;
		if (have < 0)
			pl_warn("this kernel has no tracepoint %s: %s; the rest goes on", h->tp,
				h->without);
		else
			pl_warn("this kernel's tracepoint %s has %d arguments where pktlens reads "
				"%d: %s; the rest goes on",
				h->tp, have, h->nargs, h->without);
	}
	return n;
}

int tcp_attach_programs(struct tcp_bpf *skel, struct bpf_link **links, int *n_links)
{
	size_t i;
	int n_failed = 0;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		struct bpf_program *p = hooks[i].prog(skel);
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			pl_warn("cannot attach to tracepoint %s (%s): %s; the rest goes on",
				hooks[i].tp, strerror(errno), hooks[i].without);
			n_failed++;
			continue;
		}
		links[(*n_links)++] = l;
	}
	return n_failed;
}

/* Sizes the connection table (tcp.bpf.c's conn_keys and conn_vals:
 * max_conns entries in 2 * max_conns slots, in groups of 8) and loads,
 * with one message on failure. */
int tcp_load(struct tcp_bpf *skel, uint64_t max_conns)
{
	uint64_t slots = 64;
	int err;

	while (slots < 2ull * max_conns)
		slots *= 2;
	skel->rodata->max_conns = max_conns;
	skel->rodata->conn_group_mask = (__u32)(slots / 8 - 1);
	bpf_map__set_max_entries(skel->maps.conn_keys, (__u32)(slots / 8));
	bpf_map__set_max_entries(skel->maps.conn_vals, (__u32)slots);
	err = tcp_bpf__load(skel);
	return err ? pl_load_failed(err, "(--max-conns)") : 0;
}
