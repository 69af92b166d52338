/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the packet programs keep per CPU, from user space: counters summed,
 * and the state that waits on a CPU for a while (the flow caches, watch's
 * frame batches) turned on before load and drained after it.
 */
#ifndef PKTLENS_PERCPU_H
#define PKTLENS_PERCPU_H

#include <stdbool.h>
#include <linux/types.h>

struct packet_bpf;

/* out[k] = the sum over CPUs of entry k of a per-CPU array of __u64. */
void pl_sum_percpu(int map_fd, __u32 n, __u64 *out);

/* May this thread run on every CPU the packet programs may run on? The
 * drain below needs it: without it, nothing may be kept per CPU (the flow
 * caches and watch's frame batches stay off). */
bool pl_drain_possible(void);

/* Before load: the flow caches (PL_FLOW_CACHE, src/bpf/flow_account.h),
 * their maps sized; watch's frame batches (packet.bpf.c). Each also loads
 * pktlens_flush, the drain. Return 0 or a negative errno. */
int pl_flow_caches_on(struct packet_bpf *skel);
int pl_frame_batches_on(struct packet_bpf *skel);

/* Runs pktlens_flush on each CPU in turn: what the CPUs keep (the flow
 * caches, the frame batches) goes to the shared tables and the ring, so
 * that a read then finds all that arrived before. Nothing when the
 * program is not loaded. Returns 0 or a negative errno. */
int pl_drain_percpu(struct packet_bpf *skel);

/* pl_drain_percpu(), a failure said once (*said set), with what it means
 * for the reader (`meaning`). */
void pl_drain_percpu_said(struct packet_bpf *skel, bool *said, const char *meaning);

#endif
