/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SCTP common header (RFC 9260): source port (2), destination port (2),
 * verification tag (4), checksum (4).
 */
#include "cursor.h"

PL_INLINE void parse_sctp(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;

	if (!pl_need_l4(s, off, 4))
		return;
	p->sport = pl_be16(s, off);
	p->dport = pl_be16(s, off + 2);
	p->present |= PL_HAS_SCTP;
}
