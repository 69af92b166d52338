// SPDX-License-Identifier: BSD-2-Clause
/*
 * -w with --anonymize: a frame's addresses mapped in place, and every
 * checksum over them updated incrementally (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')), so a frame cut by the snapshot length keeps
 * checksums that are right for the whole packet.
 *
 * Rewritten: Ethernet (two VLAN tags at most), ARP's sender and target
 * IPv4 addresses, the IPv4 and IPv6 source and destination, and the IP
 * header quoted in an ICMP or ICMPv6 error. Updated: the IPv4 header
 * checksum, TCP, UDP (a zero IPv4 UDP checksum stays zero) and ICMPv6,
 * whose pseudo-headers hold the addresses, and the ICMP or ICMPv6
 * checksum over a quoted header that changed. Not rewritten: addresses
 * inside options (IPv4 record route, IPv6 routing headers) or payloads;
 * --no-payload cuts the frame at the end of its L4 header.
 *
 * Written by hand: libpcap and Debian's packet libraries read and write
 * frames but have no incremental checksum fix-up over nested headers.
 */
#include <string.h>
#include "privacy/privacy.h"

#define ETH_HLEN 14
#define MAX_SUMS 6
#define MAX_EXT	 8

/* A checksum field and the bytes it covers: [lo, hi) of the packet and
 * [alo, ahi) of the IP header's addresses (the pseudo-header). */
struct sum {
	uint8_t *field;
	const uint8_t *lo, *hi, *alo, *ahi;
	bool udp; /* a result of 0 is written 0xffff (RFC 768) */
};

struct rw {
	struct sum s[MAX_SUMS];
	int n;
	const uint8_t *end; /* of the captured bytes */
	pl_addr_map_fn map;
	void *ctx;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool covers(const struct sum *s, const uint8_t *q)
{
	if (q == s->field)
		return false; /* a checksum does not sum itself */
	return (q >= s->lo && q + 2 <= s->hi) || (q >= s->alo && q + 2 <= s->ahi);
}

static void set_word(struct rw *r, uint8_t *q, uint16_t v);

/* RFC 1624 eqn. 3 for one 16-bit word of s's data going from m to m1 */
static void update(struct rw *r, const struct sum *s, uint16_t m, uint16_t m1)
{
	uint32_t x = (uint32_t)(uint16_t)~get16(s->field) + (uint16_t)~m + m1;
	uint16_t hc;

	x = (x & 0xffff) + (x >> 16);
	x = (x & 0xffff) + (x >> 16);
	hc = (uint16_t)~x;
	if (s->udp && hc == 0)
		hc = 0xffff;
	/* the field may lie in another checksum's data (a quoted header's
	 * checksum in an ICMP message): that one follows it */
	set_word(r, s->field, hc);
}

static void set_word(struct rw *r, uint8_t *q, uint16_t v)
{
	uint16_t old = get16(q);
	int i;

	if (old == v)
		return;
	for (i = 0; i < r->n; i++)
		if (covers(&r->s[i], q))
			update(r, &r->s[i], old, v);
	put16(q, v);
}

/* Registers the checksum at field over [lo, hi) (and the addresses at
 * [alo, ahi)), when the field was captured. */
static void add_sum(struct rw *r, uint8_t *field, const uint8_t *lo, const uint8_t *hi,
		    const uint8_t *alo, const uint8_t *ahi, bool udp)
{
	if (r->n == MAX_SUMS || field + 2 > r->end)
		return;
	if (udp && get16(field) == 0)
		return; /* IPv4 UDP without a checksum (IPv6: a bad one, left so) */
	r->s[r->n++] = (struct sum){ field, lo, hi > r->end ? r->end : hi, alo, ahi, udp };
}

static void map_addr(struct rw *r, bool ip6, uint8_t *a)
{
	uint8_t v[16];
	unsigned int i, n = ip6 ? 16 : 4;

	if (!r->map)
		return;
	memcpy(v, a, n);
	r->map(r->ctx, ip6, v);
	for (i = 0; i < n; i += 2)
		set_word(r, a + i, get16(v + i));
}

static uint8_t *rewrite_ip(struct rw *r, uint8_t *ip, const uint8_t *seg_end, int depth);

/* The L4 header at l4 (protocol proto) of a packet whose data ends at
 * seg_end: its checksum registered (pseudo-header [alo, ahi)), and an
 * ICMP error's quoted header rewritten. Returns the end of the header. */
static uint8_t *rewrite_l4(struct rw *r, uint8_t *l4, unsigned int proto, const uint8_t *seg_end,
			   const uint8_t *alo, const uint8_t *ahi, bool ip6, int depth)
{
	uint8_t *hdr_end = l4;

	if (seg_end > r->end)
		seg_end = r->end;
	switch (proto) {
	case 6:
		add_sum(r, l4 + 16, l4, seg_end, alo, ahi, false);
		if (l4 + 13 <= r->end)
			hdr_end = l4 + (l4[12] >> 4) * 4;
		break;
	case 17:
		add_sum(r, l4 + 6, l4, seg_end, alo, ahi, true);
		hdr_end = l4 + 8;
		break;
	case 1:
	case 58:
		if (proto == 58)
			add_sum(r, l4 + 2, l4, seg_end, alo, ahi, false);
		else
			add_sum(r, l4 + 2, l4, seg_end, NULL, NULL, false);
		hdr_end = l4 + 8;
		break;
	}
	/* the addresses now, while the checksums over them are known */
	map_addr(r, ip6, (uint8_t *)alo);
	map_addr(r, ip6, (uint8_t *)alo + (ip6 ? 16 : 4));
	/* ICMP destination unreachable, source quench, redirect, time
	 * exceeded, parameter problem; ICMPv6 1 to 4: a quoted header */
	if (depth == 0 && l4 + 8 < r->end &&
	    ((proto == 1 && (l4[0] == 3 || l4[0] == 4 || l4[0] == 5 || l4[0] == 11 || l4[0] == 12)) ||
	     (proto == 58 && l4[0] >= 1 && l4[0] <= 4)))
		rewrite_ip(r, l4 + 8, seg_end, 1);
	return hdr_end;
}

/* An IPv4 or IPv6 header at ip; returns the end of its L4 header (or of
 * the IP headers when there is none), NULL when it is no IP header. */
static uint8_t *rewrite_ip(struct rw *r, uint8_t *ip, const uint8_t *seg_end, int depth)
{
	unsigned int nxt, i, hlen;
	uint8_t *q, *pseudo_end;

	if (ip + 1 > r->end)
		return NULL;
	if (ip[0] >> 4 == 4) {
		unsigned int ihl = (ip[0] & 0xf) * 4u, total;

		if (ip + 20 > r->end || ihl < 20)
			return NULL;
		total = get16(ip + 2);
		add_sum(r, ip + 10, ip, ip + ihl, NULL, NULL, false);
		if (total >= ihl && ip + total < seg_end)
			seg_end = ip + total;
		if (get16(ip + 6) & 0x1fff) { /* a later fragment: no L4 header */
			map_addr(r, false, ip + 12);
			map_addr(r, false, ip + 16);
			return ip + ihl;
		}
		return rewrite_l4(r, ip + ihl, ip[9], seg_end, ip + 12, ip + 20, false, depth);
	}
	if (ip[0] >> 4 != 6 || ip + 40 > r->end)
		return NULL;
	if (get16(ip + 4) && ip + 40 + get16(ip + 4) < seg_end)
		seg_end = ip + 40 + get16(ip + 4);
	nxt = ip[6];
	q = ip + 40;
	pseudo_end = ip + 40;
	for (i = 0; i < MAX_EXT; i++) {
		if (nxt != 0 && nxt != 43 && nxt != 60 && nxt != 44 && nxt != 51)
			break;
		if (q + 8 > r->end)
			break;
		if (nxt == 44 && (get16(q + 2) & 0xfff8)) { /* a later fragment */
			map_addr(r, true, ip + 8);
			map_addr(r, true, ip + 24);
			return q + 8;
		}
		/* a routing header with segments left: the pseudo-header's
		 * destination is its last address, which is not rewritten */
		if (nxt == 43 && q[3])
			pseudo_end = ip + 24;
		hlen = nxt == 44 ? 8u : nxt == 51 ? (q[1] + 2u) * 4 : (q[1] + 1u) * 8;
		nxt = q[0];
		q += hlen;
	}
	return rewrite_l4(r, q, nxt, seg_end, ip + 8, pseudo_end, true, depth);
}

uint32_t pl_rewrite_frame(uint8_t *data, uint32_t caplen, bool no_payload, pl_addr_map_fn map,
			  void *ctx)
{
	struct rw r = { .end = data + caplen, .map = map, .ctx = ctx };
	uint8_t *hdr_end, *p = data + ETH_HLEN;
	unsigned int type, i;

	if (caplen < ETH_HLEN)
		return caplen;
	type = get16(data + 12);
	for (i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && p + 4 <= r.end; i++) {
		type = get16(p + 2);
		p += 4;
	}
	hdr_end = p;
	if (type == 0x0806 && p + 28 <= r.end && get16(p) == 1 && get16(p + 2) == 0x0800 &&
	    p[4] == 6 && p[5] == 4) {
		map_addr(&r, false, p + 14);
		map_addr(&r, false, p + 24);
		hdr_end = p + 28;
	} else if (type == 0x0800 || type == 0x86dd) {
		uint8_t *e = rewrite_ip(&r, p, r.end, 0);

		if (e)
			hdr_end = e;
	}
	if (no_payload && hdr_end < r.end)
		return (uint32_t)(hdr_end - data);
	return caplen;
}
