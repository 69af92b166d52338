/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --attribute in user space: the socket iterator (attr.bpf.c) maps each
 * TCP/UDP socket to its process, by cookie and by inode; a packet's
 * struct pl_attr (from the kernel's lookup) finds it here. A socket the
 * table lacks runs the iterator again, at most every PL_ATTR_RESCAN_MS.
 */
#ifndef PKTLENS_ATTR_H
#define PKTLENS_ATTR_H

#include <stdint.h>
#include "output/output.h"
#include "records/record.h"
#include "util/htab.h"

#define PL_ATTR_RESCAN_MS 200

struct attr_bpf;
struct bpf_link;

struct pl_attrib {
	struct attr_bpf *skel;
	struct bpf_link *link;
	struct pl_htab by_cookie, by_ino; /* -> struct pl_proc */
	struct pl_htab procs;		  /* tgid -> struct pl_proc, during a scan */
	uint64_t last_scan_ns;
	uint64_t scans, misses;
	struct pl_proc cur; /* what pl_attrib_find() returns */
};

/* Loads the iterator and runs it once: 0, or PL_EXIT_RUNTIME after
 * saying why. */
int pl_attrib_open(struct pl_attrib *t);
void pl_attrib_close(struct pl_attrib *t);
/* Runs the iterator and rebuilds the tables: 0, or -1. */
int pl_attrib_scan(struct pl_attrib *t);
/* Who received a packet with *a: the process (pid 0 when none is known)
 * and the socket's cgroup; NULL when no socket took the packet. */
const struct pl_proc *pl_attrib_find(struct pl_attrib *t, const struct pl_attr *a);

#endif
