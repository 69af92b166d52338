/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP (RFC 768).
 *
 * +----------------+----------------+----------------+----------------+
 * | Source Port    | Dest Port      | Length         | Checksum       |
 */
#include "cursor.h"

/* Returns the payload offset, or 0 when there is none; narrows l4_end to
 * the UDP length. */
PL_INLINE __u32 parse_udp(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 len;

	if (!pl_need_l4(s, off, 4))
		return 0;
	p->sport = pl_be16(s, off);
	p->dport = pl_be16(s, off + 2);
	p->present |= PL_HAS_UDP | PL_HAS_L4_PORTS_ONLY;
	if (!pl_need_l4(s, off, 8))
		return 0;
	p->present &= ~(__u32)PL_HAS_L4_PORTS_ONLY;
	len = pl_be16(s, off + 4);
	p->udp_len = (__u16)len;
	if (len < 8) {
		pl_set_malformed(s, PL_MAL_UDP_LEN);
		return 0;
	}
	if (off + len < s->l4_end)
		s->l4_end = off + len;
	p->l4_payload_off = (__u16)(off + 8);
	return off + 8 < s->l4_end ? off + 8 : 0;
}
