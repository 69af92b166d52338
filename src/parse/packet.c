/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The packet parser: link layer to L7 hints, one protocol at a time.
 * Built for the BPF target (src/bpf/packet.bpf.c) and for the host
 * (src/parse/parse.c); both fill the same struct pl_pkt.
 */
#include "cursor.h"
#include "eth.c"
#include "arp.c"
#include "ipv4.c"
#include "ipv6.c"
#include "tcp.c"
#include "udp.c"
#include "icmp.c"
#include "sctp.c"
#include "dns.c"
#include "http.c"
#include "tls.c"
#include "mpls.c"
#include "vxlan.c"
#include "geneve.c"
#include "gre.c"

#define ETH_P_IP   0x0800
#define ETH_P_ARP  0x0806
#define ETH_P_IPV6 0x86dd
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define ETH_P_TEB     0x6558 /* transparent Ethernet bridging: GRE, Geneve */

#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_	132
#define IPPROTO_IPIP_	4
#define IPPROTO_IPV6_	41
#define IPPROTO_GRE_	47

#define VXLAN_PORT  4789
#define GENEVE_PORT 6081

PL_INLINE bool is_dns_port(__u16 port)
{
	return port == 53 || port == 5353;
}

/* L7 hints in a TCP payload: a TLS hello or an HTTP request. */
PL_INLINE void parse_tcp_payload(struct pl_scratch *s, __u32 off)
{
	__u8 c;

	/* a peek, not a header: a short or cut payload is no error */
	if (off + 6 > s->l4_end || off + 6 > s->avail || !pl_need(s, off, 6))
		return;
	if (is_tls_hello(s, off)) {
		/* a hello runs past the first bytes the kernel loads: ask for
		 * the rest before walking it, not after; for the SNI alone, walk
		 * first, as it is often in the first bytes */
		if (pl_parse_wants(PL_PART_L7_ALL) && s->len < s->l4_end && s->len < s->avail &&
		    s->len < PL_WIN) {
			s->need_more = 1;
			return;
		}
		parse_tls(s, off);
		return;
	}
	c = pl_u8(s, off);
	if (c >= 'A' && c <= 'Z')
		parse_http(s, off, s->l4_end);
}

enum pl_l7_kind {
	PL_L7_NONE,
	PL_L7_TCP,
	PL_L7_DNS
};

/* Runs the L7 parser that pl_parse() chose, from its saved start. */
PL_INLINE void pl_parse_l7(struct pl_scratch *s)
{
	if (s->l7_kind == PL_L7_TCP)
		parse_tcp_payload(s, s->l7_off);
	else if (s->l7_kind == PL_L7_DNS)
		parse_dns(s, s->l7_off);
}

PL_INLINE void pl_start_l7(struct pl_scratch *s, __u32 kind, __u32 off)
{
	s->l7_kind = kind;
	s->l7_off = off;
	s->l7_present = s->ev.pkt.present;
	s->l7_truncated = s->ev.pkt.truncated;
	s->l7_malformed = s->ev.pkt.malformed;
	pl_parse_l7(s);
}

/*
 * When only the L7 parse wanted more bytes, the headers before it are
 * final: undo what the L7 attempt recorded and run it again on the
 * longer window, instead of parsing the whole packet again. Returns false
 * when the whole packet must be parsed again.
 */
PL_INLINE bool pl_resume_l7(struct pl_scratch *s)
{
	if (!s->l7_kind)
		return false;
	s->ev.pkt.present = s->l7_present;
	s->ev.pkt.truncated = s->l7_truncated;
	s->ev.pkt.malformed = s->l7_malformed;
	s->need_more = 0;
	pl_parse_l7(s);
	return true;
}

/* The MPLS/tunnel tail past the bytes pl_reset() clears: zeroed by the
 * first layer that uses it, so that the record the kernel sends whole
 * holds no bytes of an earlier packet. */
PL_INLINE void pl_clear_tail(struct pl_pkt *p)
{
	__builtin_memset(&p->gre_flags, 0, sizeof(*p) - __builtin_offsetof(struct pl_pkt, gre_flags));
}

/* A tunnel in the headers just parsed: the outer parse notes it for
 * pl_parse_tunnel(); inside the inner packet, a further one is not
 * decoded (the record says it was cut short). */
PL_INLINE void pl_tunnel_seen(struct pl_scratch *s, __u32 kind, __u32 off, bool inner)
{
	if (inner) {
		s->ev.pkt.truncated = 1;
		return;
	}
	s->tun_next = kind;
	s->tun_off = off;
}

PL_INLINE void parse_l4(struct pl_scratch *s, __u32 off, bool inner)
{
	struct pl_pkt *p = &s->ev.pkt;
	bool v6 = p->present & PL_HAS_IP6;
	__u32 payload;

	switch (p->l4_proto) {
	case IPPROTO_TCP_:
		payload = parse_tcp(s, off);
		if (payload && pl_parse_wants(PL_PART_L7))
			pl_start_l7(s, PL_L7_TCP, payload);
		break;
	case IPPROTO_UDP_:
		payload = parse_udp(s, off);
		if (!payload)
			break;
		if (is_dns_port(p->sport) || is_dns_port(p->dport)) {
			if (pl_parse_wants(PL_PART_L7))
				pl_start_l7(s, PL_L7_DNS, payload);
		} else if (p->dport == VXLAN_PORT) {
			pl_tunnel_seen(s, PL_TUN_VXLAN, payload, inner);
		} else if (p->dport == GENEVE_PORT) {
			pl_tunnel_seen(s, PL_TUN_GENEVE, payload, inner);
		}
		break;
	case IPPROTO_ICMP_:
		if (!v6)
			parse_icmp(s, off, false);
		break;
	case IPPROTO_ICMPV6_:
		if (v6)
			parse_icmp(s, off, true);
		break;
	case IPPROTO_SCTP_:
		parse_sctp(s, off);
		break;
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
	case IPPROTO_GRE_:
		pl_tunnel_seen(s, p->l4_proto == IPPROTO_GRE_ ? PL_TUN_GRE : PL_TUN_IP, off, inner);
		break;
	}
}

/* IPv4 or IPv6 and what it carries, from `off`. */
PL_INLINE void parse_ip_l4(struct pl_scratch *s, __u32 off, __u32 type, bool inner)
{
	if (type == ETH_P_IP)
		off = parse_ipv4(s, off);
	else if (type == ETH_P_IPV6)
		off = parse_ipv6(s, off);
	else
		return;
	if (off)
		parse_l4(s, off, inner);
}

/*
 * The tunnel that the outer parse found (s->tun_next at s->tun_off): its
 * header, then the inner packet, parsed into the record's headers by the
 * same code while the outer ones wait in s->tun_save; then the inner
 * headers move to pkt.inner and the outer ones back. Only tunnelled
 * packets pay for any of it. The L7 hint is the inner packet's.
 */
PL_SUBPROG int pl_parse_tunnel(struct pl_scratch *s)
{
	struct pl_pkt *p;
	__u32 off, type, kind, l7;
	__u8 trunc, mal;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	kind = s->tun_next;
	off = s->tun_off;
	s->tun_next = 0;
	/* after MPLS, pl_parse_mpls() cleared the tail already */
	if (!p->n_mpls)
		pl_clear_tail(p);
	p->tun_kind = (__u8)kind;
	p->tun_flags = 0;
	if (kind == PL_TUN_VXLAN) {
		off = parse_vxlan(s, off);
		type = ETH_P_TEB;
	} else if (kind == PL_TUN_GENEVE) {
		off = parse_geneve(s, off);
		type = p->tun_proto;
	} else if (kind == PL_TUN_GRE) {
		off = parse_gre(s, off);
		type = p->tun_proto;
	} else {
		type = p->l4_proto == IPPROTO_IPIP_ ? ETH_P_IP : ETH_P_IPV6;
	}
	if (!off || s->need_more ||
	    (type != ETH_P_TEB && type != ETH_P_IP && type != ETH_P_IPV6))
		return 0;

	pl_move(s->tun_save, p, PL_PKT_HDRS_LEN);
	s->tun_l3_off = s->l3_off;
	s->tun_l4_end = s->l4_end;
	__builtin_memset(p, 0, PL_PKT_HDRS_LEN);
	/* the frame's length: what an inner flow counts (flows --inner) */
	p->frame_len = pl_load32(s->tun_save + __builtin_offsetof(struct pl_pkt, frame_len));
	if (type == ETH_P_TEB) {
		off = parse_eth(s, off);
		type = p->eth_type;
		if (off && type == ETH_P_ARP)
			parse_arp(s, off);
	}
	if (off)
		parse_ip_l4(s, off, type, true);
	if (s->need_more) {
		/* the kernel parses the whole packet again on more bytes */
		s->l7_kind = PL_L7_NONE;
		return 0;
	}
	trunc = p->truncated;
	mal = p->malformed;
	l7 = p->present & PL_L7_PRESENT;
	p->truncated = 0;
	p->malformed = 0;
	pl_move(p->inner, p, PL_PKT_HDRS_LEN);
	pl_move(p, s->tun_save, PL_PKT_HDRS_LEN);
	/* the record's L7 hint is the inner one: filters, name tables and
	 * the detectors read it where they read any other */
	p->present |= l7;
	p->truncated |= trunc;
	pl_set_malformed(s, mal);
	p->tun_flags |= PL_TUNF_INNER;
	s->l3_off = s->tun_l3_off;
	s->l4_end = s->tun_l4_end;
	return 0;
}

/* An MPLS label stack and the IP packet after it (at the top level, as
 * tshark shows it). */
PL_SUBPROG int pl_parse_mpls(struct pl_scratch *s, __u32 off)
{
	__u32 type;

	if (!s)
		return 0;
	pl_clear_tail(&s->ev.pkt);
	off = parse_mpls(s, off, &type);
	if (!off)
		return 0;
	s->l3_off = off;
	parse_ip_l4(s, off, type, false);
	if (s->tun_next && !s->need_more)
		pl_parse_tunnel(s);
	return 0;
}

/* Clears the parts of the record that every parse writes. The L7 union is
 * cleared by the L7 parser that fills it, and by pl_finalize(). */
PL_INLINE void pl_reset(struct pl_scratch *s, __u32 frame_len)
{
	__builtin_memset(&s->ev.pkt, 0, __builtin_offsetof(struct pl_pkt, l7));
	s->ev.pkt.frame_len = frame_len;
	s->need_more = 0;
	s->l4_end = s->avail;
	s->l3_off = 0;
	s->l7_kind = PL_L7_NONE;
	s->tun_next = 0;
	pl_store32(&s->ev.pkt.n_mpls, 0); /* n_mpls, tun_kind, tun_flags */
}

/* Parses s->buf[0, s->len); s->need_more asks for more bytes. */
PL_INLINE void pl_parse(struct pl_scratch *s)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 off;

	if (s->linktype == PL_LINK_ETHERNET)
		off = parse_eth(s, 0);
	else
		off = parse_sll(s, 0, s->linktype == PL_LINK_LINUX_SLL2);
	if (!off)
		return;
	s->l3_off = off;

	switch (p->eth_type) {
	case ETH_P_ARP:
		parse_arp(s, off);
		return;
	case ETH_P_IP:
		off = parse_ipv4(s, off);
		break;
	case ETH_P_IPV6:
		off = parse_ipv6(s, off);
		break;
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
		pl_parse_mpls(s, off);
		return;
	default:
		return;
	}
	if (off)
		parse_l4(s, off, false);
	if (s->tun_next && !s->need_more)
		pl_parse_tunnel(s);
}
/* Makes the record canonical before it leaves: no stale L7 bytes. */
PL_INLINE void pl_finalize(struct pl_scratch *s)
{
	if (!(s->ev.pkt.present & (PL_HAS_DNS | PL_HAS_HTTP | PL_HAS_TLS)))
		__builtin_memset(&s->ev.pkt.l7, 0, sizeof(s->ev.pkt.l7));
#ifndef __bpf__
	/* the kernel sends the MPLS/tunnel tail only when it is set */
	if (!pl_pkt_has_tail(&s->ev.pkt))
		memset((char *)&s->ev.pkt + PL_PKT_TAIL, 0, sizeof(s->ev.pkt) - PL_PKT_TAIL);
#endif
}
