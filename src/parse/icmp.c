/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): type (1), code (1), checksum (2).
 * Errors quote the offending packet; pktlens reports only the outer one.
 */
#include "cursor.h"

PL_INLINE void parse_icmp(struct pl_scratch *s, __u32 off, bool v6)
{
	struct pl_pkt *p = &s->ev.pkt;

	if (!pl_need_l4(s, off, 2))
		return;
	p->icmp_type = pl_u8(s, off);
	p->icmp_code = pl_u8(s, off + 1);
	p->present |= v6 ? PL_HAS_ICMP6 : PL_HAS_ICMP;
}
