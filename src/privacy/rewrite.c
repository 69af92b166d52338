// SPDX-License-Identifier: BSD-2-Clause
/*
 * -w with --anonymize: a frame's addresses mapped in place, and every
 * checksum over them updated incrementally (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')), so a frame cut by the snapshot length keeps
 * checksums that are right for the whole packet.
 *
 * Rewritten, in frames of every link type read and -w take (Ethernet with
 * two VLAN tags at most and an MPLS stack, Linux cooked, raw IP, BSD
 * loopback): ARP's sender and target IPv4 addresses, the IPv4 and IPv6
 * source and destination, the IP header quoted in an ICMP or ICMPv6
 * error, and one level of tunnel as the parser decodes it (IP in IP,
 * GRE, VXLAN, Geneve), whose outer checksums follow the inner changes. Updated: the IPv4 header
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
#include "records/record.h"

#define ETH_HLEN 14
#define MAX_SUMS 10
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
static uint8_t *rewrite_eth(struct rw *r, uint8_t *frame, int depth);
static uint8_t *rewrite_type(struct rw *r, uint8_t *p, unsigned int type, int depth);

/* A tunnel's inner packet at in, of ether type `type` (0x6558: Ethernet):
 * its end of headers, or NULL. */
static uint8_t *rewrite_inner(struct rw *r, uint8_t *in, unsigned int type)
{
	if (in >= r->end)
		return NULL;
	return type == 0x6558 ? rewrite_eth(r, in, 1) : rewrite_type(r, in, type, 1);
}

/* The tunnel whose outer L4 header (protocol proto) is at l4, if the
 * parser would decode one there: the inner packet rewritten. */
static uint8_t *rewrite_tunnel(struct rw *r, uint8_t *l4, unsigned int proto)
{
	unsigned int flags, hlen;

	switch (proto) {
	case 4:
	case 41:
		return rewrite_ip(r, l4, r->end, 1);
	case 47: /* GRE version 0: checksum, key, sequence number words */
		if (l4 + 4 > r->end)
			return NULL;
		flags = get16(l4);
		if (flags & 0x4007) /* routing, or another version */
			return NULL;
		hlen = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) +
		       (flags & 0x1000 ? 4 : 0);
		return rewrite_inner(r, l4 + hlen, get16(l4 + 2));
	case 17:
		if (l4 + 16 > r->end)
			return NULL;
		if (get16(l4 + 2) == 4789) /* VXLAN: Ethernet after 8 bytes */
			return rewrite_eth(r, l4 + 16, 1);
		if (get16(l4 + 2) == 6081 && (l4[8] >> 6) == 0) /* Geneve, version 0 */
			return rewrite_inner(r, l4 + 16 + (l4[8] & 0x3f) * 4u, get16(l4 + 10));
		return NULL;
	}
	return NULL;
}

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
	if (depth == 0) {
		uint8_t *inner = rewrite_tunnel(r, l4, proto);

		if (inner)
			return inner;
	}
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

/* The packet after a link header, of ether type `type`: ARP, an MPLS
 * stack (the IP after its bottom, by the version nibble), IPv4, IPv6.
 * Returns the end of its headers, or NULL. */
static uint8_t *rewrite_type(struct rw *r, uint8_t *p, unsigned int type, int depth)
{
	unsigned int i;
	bool bottom = false;

	if (type == 0x8847 || type == 0x8848) {
		for (i = 0; i < PL_MAX_MPLS && !bottom && p + 4 <= r->end; i++) {
			bottom = p[2] & 1;
			p += 4;
		}
		if (!bottom || p >= r->end)
			return NULL;
		type = p[0] >> 4 == 4 ? 0x0800 : p[0] >> 4 == 6 ? 0x86dd : 0;
	}
	if (type == 0x0806 && p + 28 <= r->end && get16(p) == 1 && get16(p + 2) == 0x0800 &&
	    p[4] == 6 && p[5] == 4) {
		map_addr(r, false, p + 14);
		map_addr(r, false, p + 24);
		return p + 28;
	}
	if (type == 0x0800 || type == 0x86dd)
		return rewrite_ip(r, p, r->end, depth);
	return NULL;
}

/* An Ethernet frame (two VLAN tags at most). */
static uint8_t *rewrite_eth(struct rw *r, uint8_t *frame, int depth)
{
	uint8_t *p = frame + ETH_HLEN, *e;
	unsigned int type, i;

	if (p > r->end)
		return NULL;
	type = get16(frame + 12);
	for (i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && p + 4 <= r->end; i++) {
		type = get16(p + 2);
		p += 4;
	}
	e = rewrite_type(r, p, type, depth);
	return e ? e : p;
}

uint32_t pl_rewrite_frame_of(uint8_t *data, uint32_t caplen, uint32_t linktype, bool no_payload,
			     pl_addr_map_fn map, void *ctx)
{
	struct rw r = { .end = data + caplen, .map = map, .ctx = ctx };
	uint8_t *hdr_end = NULL, *ip = NULL;
	unsigned int link = 0;

	switch (linktype) {
	case PL_LINK_ETHERNET:
		if (caplen < ETH_HLEN)
			return caplen;
		hdr_end = rewrite_eth(&r, data, 0);
		break;
	case PL_LINK_LINUX_SLL: /* the protocol at 14, 16 bytes */
		if (caplen >= 16)
			hdr_end = rewrite_type(&r, data + 16, get16(data + 14), 0), link = 16;
		break;
	case PL_LINK_LINUX_SLL2: /* the protocol first, 20 bytes */
		if (caplen >= 20)
			hdr_end = rewrite_type(&r, data + 20, get16(data), 0), link = 20;
		break;
	case PL_LINK_NULL:
	case PL_LINK_LOOP: /* a 4-byte family, then IP */
		ip = data + 4, link = 4;
		break;
	case PL_LINK_RAW:
	case PL_LINK_IPV4:
	case PL_LINK_IPV6:
		ip = data;
		break;
	}
	if (ip && ip < r.end)
		hdr_end = rewrite_type(&r, ip, ip[0] >> 4 == 6 ? 0x86dd : 0x0800, 0);
	if (!hdr_end)
		hdr_end = data + (link < caplen ? link : caplen);
	if (no_payload && hdr_end < r.end)
		return (uint32_t)(hdr_end - data);
	return caplen;
}

uint32_t pl_rewrite_frame(uint8_t *data, uint32_t caplen, bool no_payload, pl_addr_map_fn map,
			  void *ctx)
{
	return pl_rewrite_frame_of(data, caplen, PL_LINK_ETHERNET, no_payload, map, ctx);
}
