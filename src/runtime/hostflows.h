/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The flow table on the host, for `pktlens read --flows`: the kernel's flow
 * accounting (src/bpf/flow_account.h: the same key, values and first L7
 * name) over a capture's packets, with the idle and active timeouts of
 * `pktlens flows` run on the capture's clock.
 */
#ifndef PKTLENS_HOSTFLOWS_H
#define PKTLENS_HOSTFLOWS_H

#include <stdint.h>
#include "records/record.h"
#include "runtime/flowtab.h"

struct pl_hostflows;

struct pl_hostflows_stats {
	uint64_t created;
	uint64_t evicted; /* dropped by the full table, as the kernel's LRU does */
	uint64_t not_ip;  /* matched packets without an IP header */
	uint64_t exported[PL_END_EXIT + 1];
};

/* A table of `entries` flows; fn gets each record as it leaves, in order
 * of first packet within each scan. NULL when out of memory. */
struct pl_hostflows *pl_hostflows_new(uint32_t entries, uint64_t idle_ns, uint64_t active_ns,
				      pl_flow_fn fn, void *ctx);
/* One packet that the filter matched, at ts_ns (the capture's epoch ns). */
void pl_hostflows_packet(struct pl_hostflows *h, const struct pl_pkt *p, uint64_t ts_ns);
/* The end of the capture: every flow left goes out (PL_END_EXIT). */
void pl_hostflows_finish(struct pl_hostflows *h);
const struct pl_hostflows_stats *pl_hostflows_stats(const struct pl_hostflows *h);
void pl_hostflows_free(struct pl_hostflows *h);

#endif
