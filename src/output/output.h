/* SPDX-License-Identifier: BSD-2-Clause */
/* Formatting of packet records: JSON lines (SPEC.md keys) and text lines. */
#ifndef PKTLENS_OUTPUT_H
#define PKTLENS_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include "records/record.h"

/* Capture metadata that is not part of the parser's record. */
struct pl_meta {
	uint64_t ts_epoch_ns;  /* frame.time_epoch in ns */
	const char *ifname;    /* pktlens.ifname (live), or NULL */
	uint64_t frame_number; /* frame.number (read), or 0 when live */
};

/* One JSON object and a newline. */
void pl_print_json(FILE *out, const struct pl_meta *meta, const struct pl_pkt *pkt);
/* One tcpdump-like line and a newline. */
void pl_print_text(FILE *out, const struct pl_meta *meta, const struct pl_pkt *pkt);

/* Bytes as the body of a JSON string: ", \ and bytes that are not
 * printable ASCII escaped (also safe for a terminal). */
void pl_put_escaped(FILE *f, const void *buf, size_t n);
/* "HH:MM:SS.uuuuuu" in local time, as text records begin. */
void pl_put_clock(FILE *f, uint64_t epoch_ns);

/* TCP flags as tcpdump writes them, e.g. "[S.]" ("[none]" for 0). */
void pl_put_tcp_flags(FILE *f, unsigned int flags);

/* IANA names ("tcp", "ipv6-icmp", ...) and DNS type names ("AAAA"), or
 * NULL for a code without one. */
const char *pl_ip_proto_name(unsigned int proto);
const char *pl_dns_qtype_name(unsigned int qtype);

/* JSON or text, as asked. */
static inline void pl_print_record(FILE *out, int json, const struct pl_meta *meta,
				   const struct pl_pkt *pkt)
{
	if (json)
		pl_print_json(out, meta, pkt);
	else
		pl_print_text(out, meta, pkt);
}

#endif
