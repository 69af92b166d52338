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
#include "quic.c"

#define ETH_P_IP   0x0800
#define ETH_P_ARP  0x0806
#define ETH_P_IPV6 0x86dd

#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_	132

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
	PL_L7_DNS,
	PL_L7_QUIC
};

/* Runs the L7 parser that pl_parse() chose, from its saved start. */
PL_INLINE void pl_parse_l7(struct pl_scratch *s)
{
	if (s->l7_kind == PL_L7_TCP)
		parse_tcp_payload(s, s->l7_off);
	else if (s->l7_kind == PL_L7_DNS)
		parse_dns(s, s->l7_off);
	else if (s->l7_kind == PL_L7_QUIC)
		parse_quic(s, s->l7_off);
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

PL_INLINE void parse_l4(struct pl_scratch *s, __u32 off)
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
		if (payload && (is_dns_port(p->sport) || is_dns_port(p->dport)) &&
		    pl_parse_wants(PL_PART_L7))
			pl_start_l7(s, PL_L7_DNS, payload);
		else if (payload && pl_parse_wants(PL_PART_L7) &&
			 is_quic_long(s, payload, p->sport, p->dport))
			pl_start_l7(s, PL_L7_QUIC, payload);
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
	}
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
	default:
		return;
	}
	if (off)
		parse_l4(s, off);
}

/* Makes the record canonical before it leaves: no stale L7 bytes. */
PL_INLINE void pl_finalize(struct pl_scratch *s)
{
	if (!(s->ev.pkt.present & PL_HAS_L7))
		__builtin_memset(&s->ev.pkt.l7, 0, sizeof(s->ev.pkt.l7));
}
