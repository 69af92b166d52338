/* SPDX-License-Identifier: BSD-2-Clause */
/* The host build of the packet parser (the kernel's is in packet.bpf.c). */
#ifndef PKTLENS_PARSE_H
#define PKTLENS_PARSE_H

#include <stdint.h>
#include "../record.h"

/* Parses one frame: `data` holds `caplen` captured bytes of a frame that
 * was `wire_len` bytes long. Only the first PL_WIN bytes are looked at, as
 * in the kernel. */
void pl_parse_frame(struct pl_pkt *out, enum pl_linktype linktype,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len);

#endif
