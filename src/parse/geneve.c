/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Geneve (RFC 8926), UDP port 6081.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 * |        Virtual Network Identifier (VNI)       |    Reserved   |
 * |                    Variable-Length Options                    |
 *
 * Opt Len counts 4-byte words; the options are skipped by it.
 */
#include "cursor.h"

/* Returns the offset of the inner packet (its EtherType in tun_proto), or
 * 0 to stop. */
PL_INLINE __u32 parse_geneve(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 b0, hlen;

	if (!pl_need_l4(s, off, 8))
		return 0;
	b0 = pl_u8(s, off);
	p->tun_proto = pl_be16(s, off + 2);
	p->tun_vni = pl_be32(s, off + 4) >> 8;
	if (b0 >> 6) {
		pl_set_malformed(s, PL_MAL_GENEVE);
		return 0;
	}
	hlen = 8 + (b0 & 0x3f) * 4u;
	if (off + hlen > s->l4_end) {
		pl_set_malformed(s, PL_MAL_GENEVE);
		return 0;
	}
	return off + hlen;
}
