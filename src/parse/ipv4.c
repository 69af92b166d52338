/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 (RFC 791).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  | DSCP      |ECN|          Total Length         |
 * |         Identification        |Flags|     Fragment Offset     |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options (IHL > 5)                          |
 */
#include "cursor.h"

/* Returns the offset of the L4 header, or 0 when there is none to parse
 * (malformed, truncated, or a fragment other than the first). */
PL_INLINE __u32 parse_ipv4(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 ihl, total, frag;
	__u8 b;

	if (!pl_need(s, off, 1))
		return 0;
	b = pl_u8(s, off);
	if (b >> 4 != 4) {
		pl_set_malformed(s, PL_MAL_IP_VERSION);
		return 0;
	}
	ihl = (b & 0x0f) * 4u;
	p->ip_hdr_len = (__u8)ihl;
	if (ihl < 20) {
		/* the fixed fields are still read, for filters, as libpcap does;
		 * the record shows only version and hdr_len */
		p->present |= PL_HAS_IP4 | PL_HAS_IP4_HDR_ONLY;
		pl_set_malformed(s, PL_MAL_IP4_HDR_LEN);
	}
	if (!pl_need(s, off, 20))
		return 0;
	b = pl_u8(s, off + 1);
	p->ip_dscp = b >> 2;
	p->ip_ecn = b & 3;
	total = pl_be16(s, off + 2);
	p->ip_len = (__u16)total;
	p->ip_id = pl_be16(s, off + 4);
	frag = pl_be16(s, off + 6);
	p->ip_df = (frag >> 14) & 1;
	p->ip_mf = (frag >> 13) & 1;
	p->ip_frag_offset = frag & 0x1fff;
	p->ip_ttl = pl_u8(s, off + 8);
	p->ip_proto = pl_u8(s, off + 9);
	pl_copy_fixed(s, off + 12, p->ip_src, 4);
	pl_copy_fixed(s, off + 16, p->ip_dst, 4);
	p->present |= PL_HAS_IP4;
	if (ihl < 20)
		return 0;

	if (total && total < ihl) {
		pl_set_malformed(s, PL_MAL_IP4_TOTAL_LEN);
		return 0;
	}
	if (!pl_need(s, off, ihl))
		return 0;
	/* total length 0 on a frame that has a payload: TSO, as tshark and
	 * tcpdump take it; the frame bounds the payload */
	s->l4_end = total ? off + total : s->avail;
	if (p->ip_frag_offset)
		return 0;
	p->l4_proto = p->ip_proto;
	return off + ihl;
}
