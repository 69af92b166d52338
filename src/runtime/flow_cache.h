/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PKTLENS_FLOW_CACHE_H
#define PKTLENS_FLOW_CACHE_H

#include <stdbool.h>

struct packet_bpf;

/* May this thread run on every CPU the packet programs may run on? The
 * drain below needs it; without it the caches stay off. */
bool pl_flow_cache_drainable(void);

/* Adds what the per-CPU caches hold to the shared tables, running the
 * drain on each CPU in turn: a read of the tables then finds all that
 * arrived before. Nothing without PL_FLOW_CACHE. Returns 0 or a negative
 * errno. */
int pl_flow_cache_drain(struct packet_bpf *skel);

#endif
