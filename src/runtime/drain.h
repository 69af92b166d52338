/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PKTLENS_DRAIN_H
#define PKTLENS_DRAIN_H

#include <stdbool.h>

struct packet_bpf;

/* May this thread run on every CPU the packet programs may run on? The
 * drain below needs it: without it, nothing may be kept per CPU (the flow
 * caches and watch's frame batches stay off). */
bool pl_drain_possible(void);

/* Runs pktlens_flush on each CPU in turn: what the CPUs keep (the flow
 * caches, the frame batches) goes to the shared tables and the ring, so
 * that a read then finds all that arrived before. Nothing when the
 * program is not loaded. Returns 0 or a negative errno. */
int pl_drain_percpu(struct packet_bpf *skel);

/* pl_drain_percpu(), a failure said once (*said set), with what it means
 * for the reader (`meaning`). */
void pl_drain_percpu_said(struct packet_bpf *skel, bool *said, const char *meaning);

#endif
