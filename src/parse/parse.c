/* SPDX-License-Identifier: BSD-2-Clause */
/* Host target of the shared parser: the same code as the kernel's. */
#include "parse.h"
#include "packet.c"

void pl_parse_frame(struct pl_pkt *out, enum pl_linktype linktype,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len)
{
	static __thread struct pl_scratch s;
	uint32_t n = caplen < PL_WIN ? caplen : PL_WIN;

	memcpy(s.buf, data, n);
	s.len = n;
	s.avail = caplen;
	s.linktype = linktype;
	pl_reset(&s, wire_len);
	pl_parse(&s);
	pl_finalize(&s);
	*out = s.ev.pkt;
}
