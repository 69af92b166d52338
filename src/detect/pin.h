/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The drop list shared with `pktlens block`: a running `detect` (or
 * `agent`) pins its drop-list maps under PL_PIN_DIR with a note of who it
 * is, and removes them when it exits. `block` opens them only while that
 * process runs.
 */
#ifndef PKTLENS_DETECT_PIN_H
#define PKTLENS_DETECT_PIN_H

#include <stdbool.h>
#include <stdint.h>
#include "detect.h"
#include "opts.h"

#define PL_PIN_DIR "/sys/fs/bpf/pktlens"

/* Inside `ip netns exec` (a fresh /sys without a BPF filesystem), detect
 * mounts one on /sys/fs/bpf in its own mount namespace and notes its pid
 * here; `block` elsewhere then opens the pins through /proc/PID/root. */

struct packet_bpf;

/* Before load: switches the detectors (detect = true) and the drop list on
 * in a packet skeleton, with cfg, and sizes their maps (rate_limit: the
 * token buckets too). For detect and agent. */
void pl_det_prepare(struct packet_bpf *skel, const struct pl_det_config *cfg, bool detect);

/* After load: pins det_drop4, det_drop6, det_allow4, det_allow6 and
 * det_meta (naming this process and `cmd`). Returns 0 when pinned, 1 when
 * another running pktlens holds the pins (after a warning; this one's drop
 * list then stays private), -1 when pinning failed (after a warning). */
int pl_det_pin(struct packet_bpf *skel, const char *cmd);
/* Removes the pins if this process made them. */
void pl_det_unpin(struct packet_bpf *skel);

/* In src/cmd/detect.c, shared with the agent. */
struct pl_ifaces;
/* The allow list (CIDR[,CIDR...] strings) into det_allow4/6; skel NULL:
 * only checks them and counts the prefixes in *n. Returns 0 or an exit
 * status after one line. */
int pl_det_load_allow(struct packet_bpf *skel, const char *const *allow, int n_allow, __u32 *n);
/* Enforcing drops at XDP: native, else generic, never TC; ifs then
 * attaches an interface again the same way. */
int pl_det_attach_xdp(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode);

/* The pinned maps of a running pktlens. */
struct pl_pinned {
	int drop4, drop6, allow4, allow6, state;
	struct pl_det_meta meta;
};

/* Opens them. Returns 0, or PL_EXIT_RUNTIME after one line that says why
 * (nothing pinned, or its owner is gone). */
int pl_det_open_pinned(struct pl_pinned *p);
void pl_det_close_pinned(struct pl_pinned *p);

/* Deletes the drop-list entries whose time is up; returns how many. When
 * none is left, clears the state flag (struct pl_det_state). */
int pl_det_sweep(int drop4_fd, int drop6_fd, int state_fd, uint64_t now_mono_ns);
/* Sets the flag: after adding an entry, maybe = true. */
int pl_det_set_state(int state_fd, bool maybe);

#endif
