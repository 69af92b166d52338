/* SPDX-License-Identifier: BSD-2-Clause */
/* What the files of `pktlens tcp` share (src/cmd/tcp/). */
#ifndef PKTLENS_CMD_TCP_H
#define PKTLENS_CMD_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "opts.h"
#include "output/json.h"
#include "records/tcp_events.h"

struct btf;
struct bpf_link;
struct tcp_bpf;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define K(kind)	      (1u << (kind))
#define SOCKET_KINDS \
	(K(PL_TCP_STATE) | K(PL_TCP_SUMMARY) | K(PL_TCP_RETRANS) | K(PL_TCP_RESET) | K(PL_TCP_RTT))
#define DEFAULT_KINDS (K(PL_TCP_SUMMARY) | K(PL_TCP_RETRANS) | K(PL_TCP_RESET) | K(PL_TCP_DROP))

/* the programs of hooks.c */
#define TCP_N_HOOKS 11

extern const char *const tcp_kind_names[PL_TCP__KINDS];

struct enum_name {
	uint32_t value;
	char name[64];
};

struct enum_table {
	struct enum_name *v;
	size_t n;
};

struct tcp_ctx {
	struct pl_opts *o;
	unsigned int kinds;
	uint64_t mono_to_epoch_ns;
	uint64_t printed;
	struct enum_table drop_reasons;
	struct enum_table rst_reasons;
	struct pl_out out; /* records, to stdout */
};

/* btf_enums.c */
int tcp_load_enum(const struct btf *btf, const char *type, const char *prefix,
		  const char *also_strip, struct enum_table *t);
const char *tcp_enum_lookup(const struct enum_table *t, uint32_t v);
bool tcp_drop_is_normal(const char *name);
/* Reasons that are not drops are not counted or shown (but --all-drops). */
void tcp_set_drop_ignore(struct tcp_bpf *skel, const struct enum_table *reasons);

/* hooks.c */
int tcp_choose_programs(struct tcp_bpf *skel, const struct btf *btf, unsigned int kinds,
			bool *has_reset_reason);
int tcp_attach_programs(struct tcp_bpf *skel, struct bpf_link **links, int *n_links);
uint64_t tcp_kernel_misses(struct tcp_bpf *skel);
int tcp_load(struct tcp_bpf *skel, uint64_t max_conns);

/* listeners.c */
int tcp_scan_listeners(struct tcp_bpf *skel);

/* print.c: the ring buffer's callback (ctx is a struct tcp_ctx) */
int tcp_on_event(void *ctx, void *data, size_t size);

/* tcp.c */
void tcp_read_counters(struct tcp_bpf *skel, __u64 out[PL_TCNT__COUNT]);

#endif
