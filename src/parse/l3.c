/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Framings that start at L3 (no Ethernet header): raw IP (LINKTYPE_RAW,
 * LINKTYPE_IPV4, LINKTYPE_IPV6; tun, ipip, WireGuard devices) and BSD
 * loopback (DLT_NULL: a 4-byte address family in the writer's byte order;
 * DLT_LOOP: the same in network order).
 *
 * +-------------------------------+-----------------------------
 * | [family (4), NULL/LOOP only]  | IPv4 or IPv6 header ...
 * +-------------------------------+-----------------------------
 *
 * The EtherType the rest of the parser switches on is guessed from the
 * family, or for raw IP from the version nibble, as tcpdump does.
 */
#include "cursor.h"

/* AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28
 * (FreeBSD), 30 (macOS) or 10 (Linux). */
PL_INLINE __u16 l3_family_type(__u32 family)
{
	if (family == 2)
		return 0x0800;
	if (family == 24 || family == 28 || family == 30 || family == 10)
		return 0x86dd;
	return 0;
}

PL_INLINE bool pl_link_is_l3(__u32 linktype)
{
	return linktype == PL_LINK_RAW || linktype == PL_LINK_IPV4 || linktype == PL_LINK_IPV6 ||
	       linktype == PL_LINK_NULL || linktype == PL_LINK_LOOP;
}

/* Sets pkt.eth_type to the guessed EtherType and returns the offset of
 * the IP header; eth_type 0 (not IP, or cut short) stops the parse. */
PL_INLINE __u32 parse_l3_framing(struct pl_scratch *s)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 family;
	__u8 v;

	if (s->linktype == PL_LINK_NULL || s->linktype == PL_LINK_LOOP) {
		if (!pl_need(s, 0, 4))
			return 0;
		family = pl_be32(s, 0);
		/* DLT_NULL is in the writer's order: a family is < 65536 */
		if (s->linktype == PL_LINK_NULL && family > 0xffff)
			family = __builtin_bswap32(family);
		p->eth_type = l3_family_type(family);
		return 4;
	}
	if (s->linktype == PL_LINK_IPV4) {
		p->eth_type = 0x0800;
	} else if (s->linktype == PL_LINK_IPV6) {
		p->eth_type = 0x86dd;
	} else if (pl_need(s, 0, 1)) {
		v = pl_u8(s, 0) >> 4;
		p->eth_type = v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0;
	}
	return 0;
}
