/* SPDX-License-Identifier: BSD-2-Clause */
/* A pcapng writer for -w (one interface block per watched interface). */
#ifndef PKTLENS_PCAPNG_H
#define PKTLENS_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#define PL_PCAPNG_IFACES 64

struct pl_pcapng {
	FILE *f;
	int n_ifaces;
	uint32_t ifindex[PL_PCAPNG_IFACES]; /* of each interface block */
	char names[PL_PCAPNG_IFACES][64];
	uint16_t linktype[PL_PCAPNG_IFACES];
	uint32_t snaplen;
	uint8_t *rw; /* a frame rewritten by --anonymize (src/privacy/) */
	uint32_t rw_cap;
};

/* Opens path ("-" = stdout) and writes the section header and one
 * interface description (Ethernet) per name. Returns 0 or -errno. */
int pl_pcapng_open(struct pl_pcapng *w, const char *path, const char *const *ifnames,
		   const uint32_t *ifindexes, int n_ifaces, uint32_t snaplen);
/* A watched interface renamed or back with another ifindex: the block of
 * that name and link type takes the ifindex, else a new block is appended (pcapng
 * allows one anywhere before the packets that use it). Returns 0 or
 * -errno. */
int pl_pcapng_add_iface(struct pl_pcapng *w, const char *ifname, uint32_t ifindex,
			uint16_t linktype);
/* Appends an interface block of that link type (a LINKTYPE_ value) whose
 * packets pl_pcapng_write() gets by `ifindex` (any key unique to it).
 * Returns 0 or -errno (-ENOSPC past PL_PCAPNG_IFACES). */
int pl_pcapng_put_iface(struct pl_pcapng *w, const char *ifname, uint32_t ifindex,
			uint16_t linktype);
/* Appends one packet; ifindex picks the interface block (the last one
 * given that ifindex). */
int pl_pcapng_write(struct pl_pcapng *w, uint32_t ifindex, uint64_t ts_epoch_ns,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len);
/* The same with an opt_comment (Wireshark's frame.comment) when comment
 * is not NULL nor empty (--attribute: the receiving process). */
int pl_pcapng_write_comment(struct pl_pcapng *w, uint32_t ifindex, uint64_t ts_epoch_ns,
			    const uint8_t *data, uint32_t caplen, uint32_t wire_len,
			    const char *comment);
int pl_pcapng_close(struct pl_pcapng *w);

#endif
