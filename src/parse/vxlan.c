/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VXLAN (RFC 7348), UDP port 4789; an Ethernet frame follows.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 */
#include "cursor.h"

/* Returns the offset of the inner Ethernet header, or 0 to stop. */
PL_INLINE __u32 parse_vxlan(struct pl_scratch *s, __u32 off)
{
	if (!pl_need_l4(s, off, 8))
		return 0;
	s->ev.pkt.tun_vni = pl_be32(s, off + 4) >> 8;
	return off + 8;
}
