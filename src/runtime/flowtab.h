/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's flow and top-talker tables, from user space: sizing them
 * before load, reading them (summing per-CPU values), exporting flows on
 * idle and active timeouts, and counting what the LRU tables evicted.
 * Shared by flows, top and agent.
 */
#ifndef PKTLENS_FLOWTAB_H
#define PKTLENS_FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "records/flow_record.h"
#include "output/output.h"

struct packet_bpf;
struct pl_ifaces;
struct pl_htab;
struct ring_buffer;

#define PL_FLOW_ENTRIES_DEFAULT	  65536
#define PL_TABLE_ENTRIES_DEFAULT  16384
#define PL_IDLE_TIMEOUT_DEFAULT	  15.0 /* seconds, as NetFlow meters use */
#define PL_ACTIVE_TIMEOUT_DEFAULT 120.0

struct pl_flowtab_cfg {
	uint32_t flow_entries;	/* flows (and flow_names) */
	uint32_t table_entries; /* sources, ports, snis, dns_names, http_hosts */
	uint32_t flags;		/* enum pl_flow_flags, without PL_FLOW_ATOMIC */
	bool atomic;		/* shared values with atomic adds */
	/* per-CPU caches in front of the tables (PL_FLOW_CACHE), drained
	 * before each read: unless PKTLENS_FLOW_CACHE=0, or some CPU cannot
	 * be drained */
	bool cache;
	/* with PL_FLOW_NAMES: the kernel sends QUIC client Initials up whole
	 * and their SNIs are counted here (the QUIC names, below) */
	bool quic;
	/* the interfaces watched: the link type of a QUIC Initial's frame */
	const struct pl_ifaces *ifs;
};

/* Shared values with atomic adds unless PKTLENS_FLOW_PERCPU=1
 * (bench/flowbench.c: atomic adds are the faster ones here), and the
 * per-CPU caches unless PKTLENS_FLOW_CACHE=0. */
void pl_flowtab_cfg_defaults(struct pl_flowtab_cfg *cfg);

struct pl_opts;
/* The defaults with these flags, and a command's --flow-entries and
 * --table-entries where given. */
void pl_flowtab_cfg_opts(struct pl_flowtab_cfg *cfg, const struct pl_opts *o, uint32_t flags);

/* Sets flow_flags, the map types and sizes on an opened skeleton (before
 * load). Tables that cfg->flags leave out keep their small default size. */
int pl_flowtab_configure(struct packet_bpf *skel, const struct pl_flowtab_cfg *cfg);

/* Why a flow record was exported. */
enum pl_flow_end {
	PL_END_IDLE = 1, /* no packet for the idle timeout */
	PL_END_ACTIVE,	 /* open longer than the active timeout */
	PL_END_EXIT,	 /* pktlens stopped (end of observation) */
};
const char *pl_flow_end_name(enum pl_flow_end why);

/* Why a flow whose value is v leaves the table at `now` (the clock of its
 * first_ns/last_ns), or 0 while it stays. */
static inline enum pl_flow_end pl_flow_end_reason(uint64_t now, uint64_t idle_ns,
						  uint64_t active_ns, const struct pl_flow_val *v)
{
	if (now >= v->last_ns && now - v->last_ns >= idle_ns)
		return PL_END_IDLE;
	if (now >= v->first_ns && now - v->first_ns >= active_ns)
		return PL_END_ACTIVE;
	return (enum pl_flow_end)0;
}

/* A flow as user space sees it: values summed over CPUs. */
struct pl_flow {
	struct pl_flow_key key;
	struct pl_flow_val val;
	struct pl_flow_name name; /* kind 0: no L7 name seen */
	struct pl_proc proc;	  /* --attribute: its owner; zero: none known */
};

typedef void (*pl_flow_fn)(void *ctx, const struct pl_flow *f, enum pl_flow_end why);

/* A flow record on its way out, and why it leaves. */
struct pl_flow_ended {
	struct pl_flow f;
	enum pl_flow_end why;
};
static inline int pl_flow_ended_cmp(const void *a, const void *b)
{
	const struct pl_flow_ended *x = a, *y = b;

	return x->f.val.first_ns < y->f.val.first_ns ? -1 : x->f.val.first_ns > y->f.val.first_ns;
}

/* A scan's records in order of their first packet, as flows prints them. */
static inline void pl_flow_sort_by_start(struct pl_flow_ended *e, size_t n)
{
	qsort(e, n, sizeof(*e), pl_flow_ended_cmp);
}

/* How often a flow table is scanned for timeouts: often enough that a flow
 * leaves within a quarter of the idle timeout of its last packet, between
 * 50 ms and 1 s. */
static inline uint64_t pl_flow_scan_interval_ns(uint64_t idle_ns)
{
	uint64_t s = idle_ns / 4;

	if (s > 1000000000ull)
		s = 1000000000ull;
	if (s < 50000000ull)
		s = 50000000ull;
	return s;
}
/* A table entry: key and value (summed over CPUs). Nonzero stops. */
typedef int (*pl_entry_fn)(void *ctx, const void *key, const void *val);

/* The tables besides flows. */
enum pl_table {
	PL_TBL_SOURCES = 0,
	PL_TBL_PORTS,
	PL_TBL_SNIS,
	PL_TBL_DNS,
	PL_TBL_HTTP,
	PL_TBL_IFACES,
	/* TLS SNIs of QUIC client Initials, which user space decrypts: a
	 * table of user space's (cfg.quic), walked as the kernel's are */
	PL_TBL_QUIC_SNIS,
	PL_TBL__COUNT,
};

struct pl_flowtab {
	struct packet_bpf *skel;
	struct pl_flowtab_cfg cfg;
	int ncpu;
	void *keys, *vals; /* batch buffers */
	void *one;	   /* one entry's values */
	struct pl_port_val *ports; /* the ports array, mapped (NULL: not used) */
	size_t buf_keys, buf_vals;
	bool no_batch;		 /* the kernel lacks batch lookups */
	bool drain_failed;	 /* drain_caches() failed once: said */
	uint64_t flows_deleted;	 /* exported and removed by user space */
	uint64_t flow_entries;	 /* at the last scan */
	uint64_t flow_evictions; /* estimated at each scan, never decreasing */
	uint64_t exported[PL_END_EXIT + 1];
	uint64_t tbl_entries[PL_TBL__COUNT];
	uint64_t tbl_evictions[PL_TBL__COUNT];
	__u64 counters[PL_FCNT__COUNT]; /* flow_counters at the last read */
	/* cfg.quic: the ring buffer of the packet programs, where the kernel
	 * sends QUIC client Initials (PL_EV_QUIC_FRAME); other records go to
	 * `other` (the agent's alerts) */
	struct ring_buffer *rb;
	int (*other)(void *ctx, void *data, size_t size);
	void *other_ctx;
	const struct pl_filter *l7_filter; /* a filter the kernel could not judge them by */
	struct pl_htab *quic_snis;	   /* struct pl_name_key -> __u64 packets */
	uint64_t quic_created;		   /* entries made in quic_snis */
	uint64_t quic_initials, quic_named; /* read; of those, with an SNI that matched */
	/* --attribute (src/runtime/attr.c, pl_attrib_flow_hook): called at
	 * each scan with every flow that stays (out NULL: seen), and with
	 * every flow that leaves (out: its owner, for the record), with the
	 * key as the kernel keeps it, before --anonymize. NULL: off. */
	void (*attribute)(void *ctx, const struct pl_flow_key *k, struct pl_proc *out);
	void *attribute_ctx;
};

/* After load. Returns 0 or -ENOMEM. */
int pl_flowtab_open(struct pl_flowtab *t, struct packet_bpf *skel,
		    const struct pl_flowtab_cfg *cfg);
void pl_flowtab_close(struct pl_flowtab *t);

struct pl_filter;
/* The start of flows, top and agent: opens the packet programs with
 * `filter` (no records), sizes the tables (pl_flowtab_configure), calls
 * before_load (may be NULL) on the opened skeleton, loads them and opens t.
 * Returns 0 with *skel set, or an exit status after a message, with
 * nothing left open. */
int pl_flowtab_load(const struct pl_filter *filter, const struct pl_flowtab_cfg *cfg,
		    void (*before_load)(struct packet_bpf *skel, void *ctx), void *ctx,
		    struct packet_bpf **skel, struct pl_flowtab *t);

/* cfg.quic: reads the QUIC Initials the kernel sent up, as pl_flowtab_expire()
 * and pl_flowtab_walk() do first. Returns 0 or a negative errno. */
int pl_flowtab_poll(struct pl_flowtab *t);
/* The ring buffer's epoll fd, to wait on (-1: none). */
int pl_flowtab_ring_fd(const struct pl_flowtab *t);
/* The agent's alerts: records of the ring other than QUIC Initials go to
 * fn. Makes the ring when cfg.quic did not. NULL after a message. */
struct ring_buffer *pl_flowtab_ring(struct pl_flowtab *t, int (*fn)(void *, void *, size_t),
				    void *ctx);

/* Exports and removes the flows idle for idle_ns or open for active_ns
 * (all of them when `all`), calling fn for each. Also updates the flow
 * entries and evictions. Returns the number exported, or a negative errno. */
long pl_flowtab_expire(struct pl_flowtab *t, uint64_t now_mono_ns, uint64_t idle_ns,
		       uint64_t active_ns, bool all, pl_flow_fn fn, void *ctx);

/* Calls fn for every live flow (not removed). Returns entries or -errno. */
long pl_flowtab_walk_flows(struct pl_flowtab *t, pl_entry_fn fn, void *ctx);

/* Calls fn(ctx, key, value) for every entry of a table; the value is a
 * struct pl_src_val, pl_port_val, pl_iface_val or a __u64 count. Updates
 * the table's entries and evictions. Returns entries or -errno. */
long pl_flowtab_walk(struct pl_flowtab *t, enum pl_table which, pl_entry_fn fn, void *ctx);

/* Reads flow_counters into t->counters. */
void pl_flowtab_read_counters(struct pl_flowtab *t);

/* Max entries of a table (what the kernel was asked for). */
uint32_t pl_flowtab_max_entries(const struct pl_flowtab *t, int which /* -1: flows */);

/* Formatting shared by flows, top and agent. */
const char *pl_proto_name(uint8_t proto, char *buf, size_t len);
/* An address of a flow key (ip_ver 4 or 6), RFC 5952 for IPv6. */
const char *pl_addr_str(uint8_t ip_ver, const uint8_t *addr, char *buf, size_t len);

#endif
