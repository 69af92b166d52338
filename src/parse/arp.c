/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARP (RFC 826).
 *
 * +----------------+----------------+-------+-------+----------------+
 * | hw type (2)    | proto type (2) | hlen  | plen  | opcode (2)     |
 * +----------------+----------------+-------+-------+----------------+
 * | sender hw (hlen) | sender proto (plen) | target hw | target proto |
 */
#include "cursor.h"

/* The opcode whenever the fixed part is there, as tshark does; the
 * protocol addresses only for IPv4 (4 bytes), after hardware addresses of
 * any size. Other sizes are valid ARP, not malformed. */
PL_INLINE void parse_arp(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 hlen, plen;

	if (!pl_need(s, off, 8))
		return;
	hlen = pl_u8(s, off + 4);
	plen = pl_u8(s, off + 5);
	p->arp_opcode = pl_be16(s, off + 6);
	p->present |= PL_HAS_ARP;
	if (pl_be16(s, off + 2) != 0x0800 || plen != 4)
		return;
	if (!pl_need(s, off, 8 + 2 * hlen + 2 * plen))
		return;
	pl_copy_fixed(s, off + 8 + hlen, p->arp_spa, 4);
	pl_copy_fixed(s, off + 8 + 2 * hlen + plen, p->arp_tpa, 4);
	p->present |= PL_HAS_ARP_ADDRS;
}
