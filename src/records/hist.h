/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Log2 histograms kept in BPF maps and read by the agent: bucket i counts
 * values v (in the unit the map's owner chose, e.g. nanoseconds) with
 * 2^(i-1) < v <= 2^i; bucket 0 counts v <= 1 and the last one everything
 * above. The kernel adds with pl_hist_add (per-CPU array values, so no
 * atomics); sinks/prom.c's pl_text_hist writes one as Prometheus
 * cumulative buckets.
 */
#ifndef PKTLENS_HIST_H
#define PKTLENS_HIST_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PL_HIST_BUCKETS 40 /* 2^39 ns is about 9 minutes */

struct pl_hist {
	__u64 bucket[PL_HIST_BUCKETS];
	__u64 sum;   /* of the values added */
	__u64 count; /* values added */
};

/* The bucket of v: the smallest i with v <= 2^i, capped at the last. */
static __always_inline __u32 pl_hist_bucket(__u64 v)
{
	__u32 i = 0;

	if (v <= 1)
		return 0;
	v--;
	/* floor(log2(v)) + 1 by halving, branch-bounded for the verifier */
	if (v >> 32) { v >>= 32; i += 32; }
	if (v >> 16) { v >>= 16; i += 16; }
	if (v >> 8) { v >>= 8; i += 8; }
	if (v >> 4) { v >>= 4; i += 4; }
	if (v >> 2) { v >>= 2; i += 2; }
	if (v >> 1) { i += 1; }
	i += 1;
	return i < PL_HIST_BUCKETS ? i : PL_HIST_BUCKETS - 1;
}

static __always_inline void pl_hist_add(struct pl_hist *h, __u64 v)
{
	__u32 b = pl_hist_bucket(v);

	if (b < PL_HIST_BUCKETS)
		h->bucket[b]++;
	h->sum += v;
	h->count++;
}

/* Sums per-CPU copies (or any several) into out. */
static inline void pl_hist_merge(struct pl_hist *out, const struct pl_hist *in)
{
	for (int i = 0; i < PL_HIST_BUCKETS; i++)
		out->bucket[i] += in->bucket[i];
	out->sum += in->sum;
	out->count += in->count;
}

#endif
