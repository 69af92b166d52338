/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * MPLS label stack (RFC 3032), EtherTypes 0x8847 and 0x8848.
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Label                  | TC  |S|       TTL     |
 *
 * S marks the bottom of the stack. What follows carries no type: as
 * tshark does, a first nibble of 4 is IPv4 and 6 is IPv6.
 */
#include "cursor.h"

/* Returns the offset after the stack and sets *type to the EtherType of
 * what follows (0: not IP), or 0 to stop. */
PL_INLINE __u32 parse_mpls(struct pl_scratch *s, __u32 off, __u32 *type)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 w, i, v;

	*type = 0;
	for (i = 0; i < PL_MAX_MPLS; i++) {
		if (!pl_need(s, off, 4))
			return 0;
		w = pl_be32(s, off);
		p->mpls_label[i & (PL_MAX_MPLS - 1)] = w >> 12;
		p->n_mpls = (__u8)(i + 1);
		off += 4;
		if (w & 0x100)
			break;
	}
	if (i == PL_MAX_MPLS) {
		pl_set_malformed(s, PL_MAL_MPLS_DEPTH);
		return 0;
	}
	if (!pl_need(s, off, 1))
		return 0;
	v = pl_u8(s, off) >> 4;
	if (v == 4)
		*type = 0x0800;
	else if (v == 6)
		*type = 0x86dd;
	return off;
}
