/* SPDX-License-Identifier: BSD-2-Clause */
/* The host build of the packet parser (the kernel's is in packet.bpf.c). */
#ifndef PKTLENS_PARSE_H
#define PKTLENS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "records/record.h"

struct pl_filter;
struct pl_scratch;

/* Parses one frame: `data` holds `caplen` captured bytes of a frame that
 * was `wire_len` bytes long. Only the first PL_WIN bytes are looked at, as
 * in the kernel. */
void pl_parse_frame(struct pl_pkt *out, enum pl_linktype linktype, const uint8_t *data,
		    uint32_t caplen, uint32_t wire_len);

/* The same, then runs `filter` (NULL: match all) as the kernel does. */
bool pl_parse_frame_match(struct pl_pkt *out, const struct pl_filter *filter,
			  enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
			  uint32_t wire_len);

/* The same into the caller's parser state (parse/cursor.h), left as the
 * kernel has it before it emits, for the detectors (read --detect);
 * pl_parse_finish() then makes s->ev.pkt the record. */
bool pl_parse_scratch(struct pl_scratch *s, const struct pl_filter *filter,
		      enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
		      uint32_t wire_len);
void pl_parse_finish(struct pl_scratch *s);

/* The parts of the kernel's parse (enum pl_parse_part) that a program
 * reads: all of them when it sends records or runs the detectors
 * (`whole`), else the L7 names for the name tables of flow_flags and what
 * the filter's L7 tests read (NULL: no filter). */
uint32_t pl_parse_parts(bool whole, uint32_t flow_flags, const struct pl_filter *filter);

/* QUIC client Initials (parse/quic_initial.c): the host parse decrypts
 * them and fills tls.* from their ClientHello, which the kernel cannot;
 * off (false) gives the kernel's record, for the parity test. */
void pl_parse_set_quic_decrypt(bool on);

/* RFC 9001 5: the client's Initial keys of a version and DCID. */
struct pl_quic_keys {
	uint8_t key[16], iv[12], hp[16];
};
int pl_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct pl_quic_keys *k);
/* Removes header protection and opens the packet at pkt: its packet number
 * at pn_off, `length` bytes of number and payload. hdr gets the clear
 * header (pn_off + 4 bytes), out the payload (length bytes at most,
 * *out_len of them). 0 on success. */
int pl_quic_decrypt(const struct pl_quic_keys *k, const uint8_t *pkt, size_t pn_off,
		    size_t length, uint8_t *hdr, uint8_t *out, size_t *out_len);
/* Puts an Initial's CRYPTO frames back in order into data (cap bytes):
 * *have bytes from offset 0 arrived. -1 on a bad or unexpected frame. */
int pl_quic_crypto(const uint8_t *b, size_t len, uint8_t *data, size_t cap, size_t *have);

#endif
