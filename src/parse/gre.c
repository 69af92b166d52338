/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * GRE (RFC 2784, with RFC 2890's key and sequence number), IP protocol 47.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 * |      Checksum (optional)      |       Reserved1 (optional)    |
 * |                         Key (optional)                        |
 * |                 Sequence Number (optional)                    |
 *
 * Only version 0 without source routing (R, s, Recur) is decoded; the
 * rest (PPTP's version 1, RFC 1701 routing) is marked malformed.
 */
#include "cursor.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
/* strict source route, recursion control, the reserved flags, version */
#define GRE_UNDECODED 0x0fff

/* Returns the offset of the inner packet (its EtherType in tun_proto), or
 * 0 to stop. */
PL_INLINE __u32 parse_gre(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 flags;

	if (!pl_need_l4(s, off, 4))
		return 0;
	flags = pl_be16(s, off);
	p->gre_flags = (__u16)flags;
	p->tun_proto = pl_be16(s, off + 2);
	off += 4;
	if (flags & (GRE_R | GRE_UNDECODED)) {
		pl_set_malformed(s, PL_MAL_GRE);
		return 0;
	}
	if (flags & GRE_C)
		off += 4;
	if (flags & GRE_K) {
		if (!pl_need_l4(s, off, 4))
			return 0;
		p->gre_key = pl_be32(s, off);
		p->tun_flags |= PL_TUNF_GRE_KEY;
		off += 4;
	}
	if (flags & GRE_S) {
		if (!pl_need_l4(s, off, 4))
			return 0;
		p->gre_seq = pl_be32(s, off);
		p->tun_flags |= PL_TUNF_GRE_SEQ;
		off += 4;
	}
	return off;
}
