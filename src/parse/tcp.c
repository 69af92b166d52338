/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP (RFC 9293) with the options of RFC 7323 (window scale, timestamps),
 * RFC 2018 (SACK permitted) and the MSS option.
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * | Offset| Rsrvd |C|E|U|A|P|R|S|F|            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * |                    Options (Offset > 5)                       |
 */
#include "cursor.h"

#define TCPOPT_EOL	 0
#define TCPOPT_NOP	 1
#define TCPOPT_MSS	 2
#define TCPOPT_WSCALE	 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8

/* Options occupy [off, end); the first of each kind wins, as in tshark's
 * first occurrence. */
PL_SUBPROG int parse_tcp_options(struct pl_scratch *s, __u32 off, __u32 end)
{
	struct pl_pkt *p;
	__u32 kind, len, i;

	/* the call stays when the options are not wanted: skipping it
	 * multiplies the verifier's states in the caller */
	if (!s || !pl_parse_wants(PL_PART_TCP_OPTS))
		return 0;
	p = &s->ev.pkt;
	for (i = 0; i < 40; i++) {
		if (off >= end || !pl_need(s, off, 1))
			break;
		kind = pl_u8(s, off);
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 2 > end) {
			pl_set_malformed(s, PL_MAL_TCP_OPT);
			break;
		}
		if (!pl_need(s, off, 2))
			break;
		len = pl_u8(s, off + 1);
		if (len < 2 || off + len > end) {
			pl_set_malformed(s, PL_MAL_TCP_OPT);
			break;
		}
		if (!pl_need(s, off, len))
			break;
		if (kind == TCPOPT_MSS && len == 4 && !(p->present & PL_HAS_TCP_MSS)) {
			p->tcp_mss = pl_be16(s, off + 2);
			p->present |= PL_HAS_TCP_MSS;
		} else if (kind == TCPOPT_WSCALE && len == 3 && !(p->present & PL_HAS_TCP_WSCALE)) {
			p->tcp_wscale = pl_u8(s, off + 2);
			p->present |= PL_HAS_TCP_WSCALE;
		} else if (kind == TCPOPT_SACK_PERM && len == 2) {
			p->present |= PL_HAS_TCP_SACK_PERM;
		} else if (kind == TCPOPT_TIMESTAMP && len == 10 && !(p->present & PL_HAS_TCP_TS)) {
			p->tcp_tsval = pl_be32(s, off + 2);
			p->tcp_tsecr = pl_be32(s, off + 6);
			p->present |= PL_HAS_TCP_TS;
		}
		off += len;
	}
	return 0;
}

/* Returns the payload offset, or 0 when there is no payload to look at. */
PL_INLINE __u32 parse_tcp(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 hlen;

	if (!pl_need_l4(s, off, 4))
		return 0;
	p->sport = pl_be16(s, off);
	p->dport = pl_be16(s, off + 2);
	p->present |= PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY;
	if (!pl_need_l4(s, off, 20))
		return 0;
	p->present &= ~(__u32)PL_HAS_L4_PORTS_ONLY;
	p->tcp_seq = pl_be32(s, off + 4);
	p->tcp_ack = pl_be32(s, off + 8);
	hlen = (pl_u8(s, off + 12) >> 4) * 4u;
	p->tcp_hdr_len = (__u8)hlen;
	p->tcp_flags = pl_be16(s, off + 12) & 0x0fff;
	p->tcp_window = pl_be16(s, off + 14);
	if (hlen < 20) {
		pl_set_malformed(s, PL_MAL_TCP_HDR_LEN);
		return 0;
	}
	if (!pl_need_l4(s, off, hlen))
		return 0;
	if (hlen > 20)
		parse_tcp_options(s, off + 20, off + hlen);
	off += hlen;
	p->l4_payload_off = (__u16)off;
	return off < s->l4_end ? off : 0;
}
