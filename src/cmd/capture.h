/* SPDX-License-Identifier: BSD-2-Clause */
/* The packets of a capture file as `pktlens read` takes them: libpcap for
 * pcap files, the pcapng reader (sinks/pcapng_read.c) for pcapng, whose
 * interfaces may differ in link type and snapshot length. Shared with the
 * filter differential's batch matcher (tests/filter/batch.c), so that both
 * see the same frames. */
#ifndef PKTLENS_CAPTURE_H
#define PKTLENS_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include "records/record.h"
#include "sinks/pcapng_read.h"

struct pl_cap {
	pcap_t *pc;
	struct pl_pcapng_reader ng;
	bool is_ng;
	int dlt; /* pcap: the file's */
	/* the packet read last */
	int pkt_dlt;
	uint64_t ts_ns;
	uint32_t caplen, wire_len, if_key;
	const uint8_t *data;
	const char *if_name; /* frame.interface_name, or NULL */
};

/* A DLT_ value (libpcap's) or a LINKTYPE_ value (a pcapng block's) to the
 * parser's link type; -1 for one it does not parse. */
int pl_cap_linktype(int dlt, enum pl_linktype *out);
/* The parser's link type to the DLT_ value libpcap compiles filters for. */
int pl_cap_dlt(enum pl_linktype lt);
/* Opens the capture: *f, or file ("-": stdin), named `file` in messages.
 * pcapng goes to the pcapng reader, pcap to libpcap (which then owns the
 * stream: *f becomes NULL). Returns 0, or -1 after a message. */
int pl_cap_open(const char *file, FILE **f, struct pl_cap *r);
/* 1: a packet; 0: the end; -1: cut short or damaged (pl_cap_error()). */
int pl_cap_next(struct pl_cap *r);
const char *pl_cap_error(struct pl_cap *r);
void pl_cap_close(struct pl_cap *r);

#endif
