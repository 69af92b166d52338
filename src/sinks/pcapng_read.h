/* SPDX-License-Identifier: BSD-2-Clause */
/* A pcapng reader for `read`: packets of every interface, with its link
 * type, snapshot length and name (pcapng_read.c says why not libpcap). */
#ifndef PKTLENS_PCAPNG_READ_H
#define PKTLENS_PCAPNG_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pl_pcapng_if {
	uint16_t linktype;
	uint32_t snaplen;  /* 0: none */
	uint32_t key;	   /* unique in the file, over all its sections */
	uint8_t tsresol;   /* if_tsresol: 10^-n, or 2^-n with the top bit */
	int64_t tsoffset;  /* if_tsoffset, seconds */
	char name[64];	   /* if_name, or "" */
};

struct pl_pcapng_pkt {
	const struct pl_pcapng_if *iface;
	uint64_t ts_ns;
	uint32_t caplen, wire_len;
	const uint8_t *data; /* valid until the next call */
};

struct pl_pcapng_reader {
	FILE *f;
	bool swap;	/* the section's byte order is not ours */
	uint32_t n_ifs; /* in this section */
	uint32_t cap_ifs;
	uint32_t next_key;
	struct pl_pcapng_if *ifs;
	uint8_t *buf;
	size_t buf_cap;
	char err[160];
};

/* True when a file whose first byte is b is pcapng (0x0a: no pcap magic
 * starts so). */
bool pl_pcapng_first_byte(int b);
/* Reads the first section header from f (the reader does not own f).
 * Returns 0, or -1 with r->err set. */
int pl_pcapng_read_open(struct pl_pcapng_reader *r, FILE *f);
/* The next packet: 1, 0 at the end of the file, -1 with r->err set when
 * the file is cut short or damaged. */
int pl_pcapng_read_next(struct pl_pcapng_reader *r, struct pl_pcapng_pkt *out);
void pl_pcapng_read_close(struct pl_pcapng_reader *r);

#endif
