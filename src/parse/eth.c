/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II (IEEE 802.3), 802.1Q / 802.1ad VLAN tags, Linux cooked captures.
 *
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |          destination MAC (6)          |   source MAC (6) ...  |
 * +-------------------------------+-------------------------------+
 * |  ... source MAC   |  EtherType or TPID (2) | [TCI (2) | type] |
 *
 * Each VLAN tag is TPID 0x8100 (802.1Q) or 0x88a8 / 0x9100 (802.1ad, QinQ)
 * followed by the TCI, whose low 12 bits are the VLAN id.
 */
#include "cursor.h"

#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ1  0x9100

PL_INLINE bool is_vlan_tpid(__u16 type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1;
}

/* Returns the offset of the L3 header, or 0 to stop. */
PL_INLINE __u32 parse_eth(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u16 type;
	int i;

	if (!pl_need(s, off, 14))
		return 0;
	pl_copy_fixed(s, off, p->eth_dst, 6);
	pl_copy_fixed(s, off + 6, p->eth_src, 6);
	type = pl_be16(s, off + 12);
	off += 14;
	p->present |= PL_HAS_ETH;

	for (i = 0; i < PL_MAX_VLAN; i++) {
		if (!is_vlan_tpid(type))
			break;
		if (!pl_need(s, off, 4))
			return 0;
		p->vlan_id[i] = pl_be16(s, off) & 0x0fff;
		p->n_vlan = (__u8)(i + 1);
		type = pl_be16(s, off + 2);
		off += 4;
	}
	p->eth_type = type;
	return off;
}

/*
 * Linux cooked capture v1 (16 bytes) and v2 (20 bytes):
 *   v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
 *   v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) type(1) len(1) addr(8)
 */
PL_INLINE __u32 parse_sll(struct pl_scratch *s, __u32 off, bool v2)
{
	struct pl_pkt *p = &s->ev.pkt;

	if (!pl_need(s, off, v2 ? 20 : 16))
		return 0;
	p->eth_type = pl_be16(s, v2 ? off : off + 14);
	p->present |= PL_HAS_SLL;
	return off + (v2 ? 20 : 16);
}
