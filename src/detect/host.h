/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host target of the detectors, for `pktlens read --detect`: the same
 * code as the kernel's (src/detect/detect.c), with its per-key state in
 * host hash tables of the kernel maps' sizes, and the packets' timestamps
 * as the clock.
 */
#ifndef PKTLENS_DETECT_HOST_H
#define PKTLENS_DETECT_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include "records/record.h"
#include "detect.h"

struct pl_filter;
struct pl_det_host;

/* Called for each alert; `a` is valid during the call. */
typedef void (*pl_det_alert_fn)(void *arg, const struct pl_alert_event *a);

/* Table sizes: the kernel maps' max_entries (detect sets the same). */
#define PL_DET_SRC_ENTRIES 16384
#define PL_DET_ARP_ENTRIES 4096
#define PL_DET_DNS_ENTRIES 4096
#define PL_DET_RL_ENTRIES  65536

struct pl_det_host *pl_det_host_new(const struct pl_det_config *cfg, pl_det_alert_fn fn, void *arg);
void pl_det_host_free(struct pl_det_host *h);
/* As pl_det_host_new(cfg, ...) would leave it, without reallocating: the
 * fuzzer's fresh host per input (tests/fuzz/fuzz_detect.c). */
void pl_det_host_reset(struct pl_det_host *h, const struct pl_det_config *cfg);

/* Parses one frame as the kernel does, runs `filter` (NULL: all) and, when
 * it matches, the detectors at time ts_ns. Fills *out with the record;
 * returns whether the filter matched. */
bool pl_det_host_frame(struct pl_det_host *h, struct pl_pkt *out, const struct pl_filter *filter,
		       enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
		       uint32_t wire_len, uint64_t ts_ns);

#endif
