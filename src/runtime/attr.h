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
struct pl_flow_key;
struct pl_proc_terms;

struct pl_attrib {
	struct attr_bpf *skel;
	struct bpf_link *link;
	struct pl_htab by_cookie, by_ino; /* -> struct pl_proc */
	struct pl_htab procs;		  /* tgid -> struct pl_proc, during a scan */
	uint64_t last_scan_ns;
	uint64_t scans, misses;
	struct pl_proc cur; /* what pl_attrib_find() returns */
	/* flows (pl_attrib_flows()): each flow's owner as first looked up,
	 * by flow key, and the owners' processes by pid */
	struct pl_htab flows;  /* struct pl_flow_key -> struct pl_flow_owner */
	struct pl_htab owners; /* pid -> struct pl_proc */
	uint64_t lookups;      /* pl_attrib_tuple() runs */
	/* the kernel's cgroup filter (pl_attrib_cgroups()): attr_cgroups */
	int cgroups_fd;
	const struct pl_proc_terms *terms;
	uint32_t cgroups_set; /* cgroup ids in it at the last fill */
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

/*
 * Who owns the local socket a TCP or UDP segment from src:sport to
 * dst:dport (ip_ver 4 or 6) would go to, looked up now, in this
 * process's netns, by the packet programs' own lookup (attribute.h, run
 * through BPF_PROG_TEST_RUN): *out gets the process and the cgroup, and
 * 1 is returned; 0 (and *out zeroed) when no socket would take it. A TCP
 * socket with no process (time-wait, orphaned, not accept()ed yet) stands
 * for the listener of its local address and port, if one is there.
 */
int pl_attrib_tuple(struct pl_attrib *t, uint8_t ip_ver, uint8_t proto, const uint8_t *src,
		    uint16_t sport, const uint8_t *dst, uint16_t dport, struct pl_proc *out);

struct pl_alert_event;
/* Alert records: the owner of the local socket an alert's packet went to
 * (its destination and port), when it names them and is TCP or UDP:
 * pl_attrib_tuple(), 1 with *out; else 0 and *out zeroed. */
int pl_attrib_alert(struct pl_attrib *t, const struct pl_alert_event *a, struct pl_proc *out);

/* Flow records: room for `entries` flows' owners. 0, or -1 (said why). */
int pl_attrib_flows(struct pl_attrib *t, uint32_t entries);
/* A flow the table holds (key as the kernel keeps it: before
 * --anonymize): looked up the first time it is seen, then remembered. */
void pl_attrib_flow_seen(struct pl_attrib *t, const struct pl_flow_key *k);
/* A flow that leaves the table: its owner into *out (zero: none), and
 * forgotten. */
void pl_attrib_flow_take(struct pl_attrib *t, const struct pl_flow_key *k, struct pl_proc *out);
/* The flow table's hook for pl_flowtab.attribute (ctx: a pl_attrib). */
void pl_attrib_flow_hook(void *ctx, const struct pl_flow_key *k, struct pl_proc *out);

/*
 * The kernel's cgroup filter: fills the packet program's attr_cgroups
 * (map_fd) with the cgroup id of every socket whose process satisfies
 * `terms`, from the last scan, so that packets to any other socket are
 * not sent up (user space still runs the terms on what comes). Call
 * again after each scan (pl_attrib_refresh()). 0, or -1.
 */
int pl_attrib_cgroups(struct pl_attrib *t, int map_fd, const struct pl_proc_terms *terms);
/* Runs the iterator again when it last ran PL_ATTR_REFRESH_MS ago or
 * more (new processes and sockets), and refills attr_cgroups. */
#define PL_ATTR_REFRESH_MS 1000
void pl_attrib_refresh(struct pl_attrib *t);

#endif
