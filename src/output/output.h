/* SPDX-License-Identifier: BSD-2-Clause */
/* Formatting of packet records: JSON lines (SPEC.md keys) and text lines. */
#ifndef PKTLENS_OUTPUT_H
#define PKTLENS_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include "records/record.h"
#include "output/json.h"
#include "privacy/privacy.h"

/* --attribute: who received the packet (src/runtime/attr.c); empty
 * strings and zeros are left out of the record. */
struct pl_proc {
	uint32_t pid;	    /* process.pid (0: no process known) */
	char name[16];	    /* process.name (comm) */
	char exe[256];	    /* process.executable */
	char container[72]; /* container.id */
	uint64_t cgroup_id; /* pktlens.cgroup_id */
};

/* Capture metadata that is not part of the parser's record. */
struct pl_meta {
	uint64_t ts_epoch_ns;	     /* frame.time_epoch in ns */
	const char *ifname;	     /* pktlens.ifname (live), or NULL */
	uint64_t frame_number;	     /* frame.number (read), or 0 when live */
	const char *if_name;	     /* frame.interface_name (read), or NULL */
	const struct pl_proc *proc; /* --attribute, or NULL */
};

/* The process.*, container.id and pktlens.cgroup_id keys of p. */
void pl_json_proc(struct pl_out *o, const struct pl_proc *p);
/* The same as one line of "key=value" joined by "; ", for a pcapng
 * packet's comment (-w --attribute): "" when p names nothing; control
 * bytes become '?'. */
#define PL_PROC_COMMENT_MAX 512
void pl_proc_comment(const struct pl_proc *p, char *out, size_t n);
/* --attribute on a text line: " | proc NAME[PID] container ID" (nothing
 * without a process). */
void pl_text_proc(struct pl_out *o, const struct pl_proc *p);

/* One JSON object and a newline. */
void pl_write_json(struct pl_out *o, const struct pl_meta *meta, const struct pl_pkt *pkt);
/* One tcpdump-like line and a newline. */
void pl_write_text(struct pl_out *o, const struct pl_meta *meta, const struct pl_pkt *pkt);

/* TCP flags as tcpdump writes them, e.g. "[S.]" ("[none]" for 0). */
void pl_out_tcp_flags(struct pl_out *o, unsigned int flags);

/* IANA names ("tcp", "ipv6-icmp", ...) and DNS type names ("AAAA"), or
 * NULL for a code without one. */
const char *pl_ip_proto_name(unsigned int proto);
const char *pl_dns_qtype_name(unsigned int qtype);
/* NOERROR, NXDOMAIN, ... (RFC 6895), or NULL */
const char *pl_dns_rcode_name(unsigned int rcode);

/* JSON or text, as asked: every packet record goes through here, and
 * through --anonymize and --redact (src/privacy/) on its way. */
static inline void pl_write_record(struct pl_out *o, int json, const struct pl_meta *meta,
				   const struct pl_pkt *pkt)
{
	struct pl_pkt tmp;

	pkt = pl_privacy_pkt(pkt, &tmp);
	if (json)
		pl_write_json(o, meta, pkt);
	else
		pl_write_text(o, meta, pkt);
}

#endif
