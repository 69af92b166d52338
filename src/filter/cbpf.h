/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libpcap's classic BPF, translated to eBPF for the kernel programs.
 *
 * pl_filter_compile() has libpcap compile each header-only part of a
 * filter (a "block") to classic BPF; the blocks' instructions are kept in
 * struct pl_filter. Before the packet program is loaded, the runtime
 * translates them with pl_cbpf_translate() and writes the result over a
 * reserved region of the program (PL_CBPF_REGION in src/bpf/packet.bpf.c):
 * the region runs every block on the frame and leaves one result bit per
 * block, which the decision graph's PL_FT_CBPF nodes test. On the host
 * (read), libpcap's own bpf_filter() computes the same bits
 * (pl_cbpf_run_host), so both agree with tcpdump by construction.
 *
 * Both read at most the first PL_WIN bytes of the frame: a load past them
 * fails, and a failed load makes libpcap's program return 0 (no match).
 */
#ifndef PKTLENS_FILTER_CBPF_H
#define PKTLENS_FILTER_CBPF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/filter.h> /* struct sock_filter: a classic BPF instruction */
#include "filter.h"

enum pl_cbpf_flavor {
	/* base: the frame in packet memory, bound: data_end (XDP; TC on a
	 * linear skb) */
	PL_CBPF_PACKET,
	/* base: a copy of the frame in a map value of at least PL_WIN bytes,
	 * bound: a scalar, the bytes in it (TC, tcp) */
	PL_CBPF_WINDOW,
};

/* The registers of the region, as the marker names them, and its flavor,
 * as the marker's magic does. mem points to struct pl_cbpf_mem. */
struct pl_cbpf_regs {
	uint8_t a, x, t, res, base, bound, mem;
	enum pl_cbpf_flavor flavor;
};

/* Finds the first region in a program's instructions: its index (the
 * marker), and the registers. -1 when there is none. */
int pl_cbpf_find_region(const struct bpf_insn *insns, size_t n, struct pl_cbpf_regs *regs);

/* Translates the blocks of f into out[PL_CBPF_REGION_LEN + 4] (the whole
 * region, padded with `goto +0`). Returns 0, or -1 with a message. */
int pl_cbpf_translate(const struct pl_filter *f, enum pl_cbpf_flavor flavor,
		      const struct pl_cbpf_regs *regs, struct bpf_insn *out, char *err,
		      size_t errlen);

/* Writes f's blocks over the region of each program of obj (XDP
 * programs: the packet flavour; the others: the window), before load.
 * Returns 0, or -1 with a message. */
struct bpf_object;
int pl_filter_splice(struct bpf_object *obj, const struct pl_filter *f, char *err, size_t errlen);

#endif
