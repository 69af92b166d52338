/* SPDX-License-Identifier: BSD-2-Clause */
/* The host build of the packet parser (the kernel's is in packet.bpf.c). */
#ifndef PKTLENS_PARSE_H
#define PKTLENS_PARSE_H

#include <stdbool.h>
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

#endif
