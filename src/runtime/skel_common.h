/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the commands built on the packet programs share (watch, flows, top,
 * agent): interface names, the BTF check, loading with one helpful
 * message, attaching to every interface, and per-CPU counter sums.
 */
#ifndef PKTLENS_SKEL_COMMON_H
#define PKTLENS_SKEL_COMMON_H

#include <net/if.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>
#include "attach.h"
#include "util/btf.h"
#include "util/clock.h"
#include "ifaces.h"
#include "opts.h"

struct packet_bpf;

struct pl_filter;
/* The common start of a packet command: compiles o->filter, resolves the
 * interfaces, checks for BTF and quiets libbpf. Returns 0 or an exit
 * status after a message. */
int pl_prepare_packet_cmd(const struct pl_opts *o, const char *cmd, struct pl_filter *filter,
			  struct pl_ifaces *ifs);

struct pl_proc_terms;
/* proc.name, proc.pid, container.id: out of o->filter (the kernel's
 * filter gets the rest) into *pt, for user space; they need --attribute,
 * and imply it. Returns 0 or PL_EXIT_USAGE after a message. */
int pl_take_proc_terms(struct pl_opts *o, struct pl_proc_terms *pt);

/* Opens the packet programs with `filter` and emit_records in .rodata;
 * NULL after a message when that fails. */
struct packet_bpf *pl_open_packet(const struct pl_filter *filter, int emit_records);

/* Leaves out of the kernel's parse what nothing of the program reads
 * (.rodata parse_parts, parse/cursor.h): with no records and no detectors,
 * only the headers, plus the L7 names for the name tables and the fields
 * of an L7 filter. Set the rest of .rodata first. */
void pl_narrow_parse(struct packet_bpf *skel);

/* pl_narrow_parse(), then packet_bpf__load() with one message that says
 * what to do. Returns 0 or PL_EXIT_RUNTIME. */
int pl_load_packet(struct packet_bpf *skel);
/* The one message for a skeleton's load() that returned err; tables names
 * the options that size its maps. Returns PL_EXIT_RUNTIME. */
int pl_load_failed(int err, const char *tables);
/* Attaches the packet programs to every interface (ifs->att), and tells
 * ifs how to attach one again; on failure detaches what was attached.
 * Returns 0 or PL_EXIT_RUNTIME. */
int pl_attach_all(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode);
/* The same with another way to attach one slot (detect's XDP-only). */
int pl_attach_each(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode,
		   int (*attach)(struct pl_ifaces *ifs, int i));

/* --dns (dns: true): the kernel matches DNS responses to their queries
 * (records/dns_match.h) in a table of PL_DNS_PENDING_ENTRIES; off, the
 * code is pruned and the table keeps one entry. Before load. */
void pl_dns_prepare(struct packet_bpf *skel, bool on);


#endif
