/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 (RFC 8200) and its extension headers.
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                 Source Address (16)                           |
 * |              Destination Address (16)                         |
 *
 * Extension headers: Next Header (1), Hdr Ext Len (1), data. The length is
 * in 8-byte units not counting the first 8 (hop-by-hop, routing, destination
 * options), in 4-byte units not counting the first 2 (AH, RFC 4302), or
 * fixed at 8 bytes (fragment, whose offset sits in bits 16..28).
 */
#include "cursor.h"

#define IP6_HOPOPTS  0
#define IP6_ROUTING  43
#define IP6_FRAGMENT 44
#define IP6_AH	     51
#define IP6_DSTOPTS  60

/* Walks the extension headers from `off`; sets l4_proto and returns the L4
 * offset, or 0 when there is no L4 header to parse. */
PL_SUBPROG __u32 parse_ipv6_ext(struct pl_scratch *s, __u32 off, __u32 nxt)
{
	struct pl_pkt *p;
	__u32 len, i;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	for (i = 0; i <= PL_MAX_IP6_EXT; i++) {
		if (nxt != IP6_HOPOPTS && nxt != IP6_ROUTING && nxt != IP6_FRAGMENT &&
		    nxt != IP6_AH && nxt != IP6_DSTOPTS) {
			p->l4_proto = (__u8)nxt;
			p->present |= PL_HAS_IP6_L4;
			return off;
		}
		if (i == PL_MAX_IP6_EXT) {
			pl_set_malformed(s, PL_MAL_IP6_EXT_DEPTH);
			return 0;
		}
		if (!pl_need_l4(s, off, nxt == IP6_FRAGMENT ? 8 : 2))
			return 0;
		if (nxt == IP6_FRAGMENT)
			len = 8;
		else if (nxt == IP6_AH)
			len = (pl_u8(s, off + 1) + 2u) * 4;
		else
			len = (pl_u8(s, off + 1) + 1u) * 8;
		if (off + len > s->l4_end) {
			if (s->avail >= s->l4_end)
				pl_set_malformed(s, PL_MAL_IP6_EXT_LEN);
			else
				s->ev.pkt.truncated = 1;
			return 0;
		}
		p->ip6_ext[i & (PL_MAX_IP6_EXT - 1)] = (__u8)nxt;
		p->ip6_n_ext = (__u8)(i + 1);
		if (nxt == IP6_FRAGMENT && (pl_be16(s, off + 2) >> 3) != 0) {
			/* a later fragment: no L4 header in it */
			p->l4_proto = pl_u8(s, off);
			p->present |= PL_HAS_IP6_L4;
			return 0;
		}
		nxt = pl_u8(s, off);
		off += len;
	}
	return 0;
}

PL_INLINE __u32 parse_ipv6(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 w, plen;

	if (!pl_need(s, off, 40))
		return 0;
	w = pl_be32(s, off);
	if (w >> 28 != 6) {
		pl_set_malformed(s, PL_MAL_IP_VERSION);
		return 0;
	}
	p->ip6_flow = w & 0xfffff;
	plen = pl_be16(s, off + 4);
	p->ip_proto = pl_u8(s, off + 6);
	p->ip_ttl = pl_u8(s, off + 7);
	pl_copy_fixed(s, off + 8, p->ip_src, 16);
	pl_copy_fixed(s, off + 24, p->ip_dst, 16);
	p->present |= PL_HAS_IP6;
	/* payload length 0 with a jumbo option: bounded by the frame */
	s->l4_end = plen ? off + 40 + plen : s->avail;
	return parse_ipv6_ext(s, off + 40, p->ip_proto);
}
