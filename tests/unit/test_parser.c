/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the shared packet parser (host build, src/parse/parse.c):
 * hand-crafted frames, exact record fields.
 *
 *   make build/san/test_parser && build/san/test_parser
 *
 * Each test prints "PASS name" or "FAIL name: detail"; the last line is
 * "test_parser: N passed, N failed" and the exit status is 1 if any failed.
 *
 * Frames are assembled with the small builders below (eth/vlan/ipv4/ipv6/
 * tcp/udp, DNS names, a TLS ClientHello); finish() fills in the IPv4 total
 * length, the IPv6 payload length and the UDP length from the frame size,
 * and a test that wants a bad length patches it afterwards. Every parse gets
 * a malloc'ed copy of exactly caplen bytes, so ASan sees any over-read.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "check.h"

/* ---- test bookkeeping: check.h, and the parser's own check ---- */

/* Exact set of present bits. */
#define PRESENT(p, bits)                                                                        \
	do {                                                                                    \
		unsigned g_ = (p).present, w_ = (bits);                                         \
		if (g_ != w_)                                                                   \
			failf(__LINE__, "present = 0x%x, want 0x%x (extra 0x%x, missing 0x%x)", \
			      g_, w_, g_ & ~w_, w_ & ~g_);                                      \
	} while (0)

/* ---- frame builders ---- */

#define FRAME_MAX 4096

struct frame {
	uint8_t b[FRAME_MAX];
	size_t n;
	int ip4, ip6, udp; /* header offsets for finish(), -1 when absent */
};

static const uint8_t MAC_DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t MAC_SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t IP4_SRC[4] = { 198, 18, 0, 2 };
static const uint8_t IP4_DST[4] = { 198, 18, 1, 1 };
static const uint8_t IP6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t IP6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, [13] = 0x01, [15] = 0x01 };
static const uint8_t ZERO16[16];

static void f_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->ip4 = f->ip6 = f->udp = -1;
}

static void put(struct frame *f, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (f->n + n > FRAME_MAX) {
		fprintf(stderr, "test frame too long\n");
		exit(2);
	}
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(f, &b, 1);
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void putstr(struct frame *f, const char *s)
{
	put(f, s, strlen(s));
}

static void putfill(struct frame *f, unsigned byte, size_t n)
{
	while (n--)
		put8(f, byte);
}

static void set16(struct frame *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void eth(struct frame *f, unsigned type)
{
	put(f, MAC_DST, 6);
	put(f, MAC_SRC, 6);
	put16(f, type);
}

/* A VLAN tag body (the TPID is the previous type field): TCI, next type. */
static void vlan(struct frame *f, unsigned tci, unsigned type)
{
	put16(f, tci);
	put16(f, type);
}

/* IPv4 with IHL 5 + optlen/4, TOS 0xb9 (DSCP 46, ECN 1), id 0x1234, DF,
 * TTL 64; the total length is set by finish(). */
static void ip4_opts(struct frame *f, unsigned proto, const void *opts, size_t optlen)
{
	f->ip4 = (int)f->n;
	put8(f, 0x40 | (unsigned)(5 + optlen / 4));
	put8(f, 0xb9);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, 0x4000);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, IP4_SRC, 4);
	put(f, IP4_DST, 4);
	put(f, opts, optlen);
}

static void ip4(struct frame *f, unsigned proto)
{
	ip4_opts(f, proto, NULL, 0);
}

/* IPv6, traffic class 0x2e, flow 0x12345, hop limit 64. */
static void ip6(struct frame *f, unsigned nxt)
{
	f->ip6 = (int)f->n;
	put32(f, 6u << 28 | 0x2eu << 20 | 0x12345u);
	put16(f, 0);
	put8(f, nxt);
	put8(f, 64);
	put(f, IP6_SRC, 16);
	put(f, IP6_DST, 16);
}

/* Hop-by-hop / routing / destination options header of len bytes
 * (a multiple of 8, at least 8), padded with PadN-ish zeros. */
static void ip6_ext(struct frame *f, unsigned nh, size_t len)
{
	put8(f, nh);
	put8(f, (unsigned)(len / 8 - 1));
	putfill(f, 0, len - 2);
}

/* Fragment header: offset in 8-byte units, M flag. */
static void ip6_frag(struct frame *f, unsigned nh, unsigned offset, int more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, offset << 3 | (more ? 1 : 0));
	put32(f, 0xcafe);
}

/* TCP with optlen (a multiple of 4) bytes of options. */
static void tcp_opts(struct frame *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack,
		     unsigned flags, unsigned win, const void *opts, size_t optlen)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, ack);
	put16(f, (unsigned)((20 + optlen) / 4) << 12 | flags);
	put16(f, win);
	put16(f, 0);
	put16(f, 0);
	put(f, opts, optlen);
}

static void tcp(struct frame *f, unsigned sport, unsigned dport, unsigned flags)
{
	tcp_opts(f, sport, dport, 1000, 2000, flags, 502, NULL, 0);
}

static void udp(struct frame *f, unsigned sport, unsigned dport)
{
	f->udp = (int)f->n;
	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
}

/* Sets the length fields from the frame's size. */
static void finish(struct frame *f)
{
	if (f->ip4 >= 0)
		set16(f, (size_t)f->ip4 + 2, (unsigned)(f->n - (size_t)f->ip4));
	if (f->ip6 >= 0)
		set16(f, (size_t)f->ip6 + 4, (unsigned)(f->n - (size_t)f->ip6 - 40));
	if (f->udp >= 0)
		set16(f, (size_t)f->udp + 4, (unsigned)(f->n - (size_t)f->udp));
}

/* DNS header: id, flags, qdcount, then 0 for the other counts. */
static void dns_hdr(struct frame *f, unsigned id, unsigned flags, unsigned qd)
{
	put16(f, id);
	put16(f, flags);
	put16(f, qd);
	put16(f, 0);
	put16(f, 0);
	put16(f, 0);
}

/* A dotted name as labels, with the root label unless no_root. */
static void dns_labels(struct frame *f, const char *name, int no_root)
{
	const char *p = name, *dot;

	while (*p) {
		dot = strchr(p, '.');
		if (!dot)
			dot = p + strlen(p);
		put8(f, (unsigned)(dot - p));
		put(f, p, (size_t)(dot - p));
		p = *dot ? dot + 1 : dot;
	}
	if (!no_root)
		put8(f, 0);
}

/* The name of n_labels labels of label_len 'a'..'z' characters each. */
static char *long_name(int n_labels, int label_len)
{
	char *s = malloc((size_t)(n_labels * (label_len + 1)) + 1);
	int i, j, k = 0;

	for (i = 0; i < n_labels; i++) {
		if (i)
			s[k++] = '.';
		for (j = 0; j < label_len; j++)
			s[k++] = (char)('a' + (i + j) % 26);
	}
	s[k] = 0;
	return s;
}

/* A TLS 1.3-style ClientHello record: legacy version 0x0303, a 32-byte
 * session id, three cipher suites, a supported_groups extension before
 * server_name, then ALPN (h2, http/1.1) and supported_versions. */
static void tls_client_hello(struct frame *f, const char *sni)
{
	size_t rec = f->n, hs, ext;
	size_t sni_len = strlen(sni);

	put8(f, 0x16);
	put16(f, 0x0301);
	put16(f, 0); /* record length, below */
	hs = f->n;
	put8(f, 0x01);
	put8(f, 0);
	put16(f, 0); /* handshake length, below */
	put16(f, 0x0303);
	putfill(f, 0x5a, 32); /* random */
	put8(f, 32);
	putfill(f, 0x33, 32); /* session id */
	put16(f, 6);
	put16(f, 0x1301);
	put16(f, 0x1302);
	put16(f, 0x1303);
	put8(f, 1);
	put8(f, 0);  /* null compression */
	put16(f, 0); /* extensions length, below */
	ext = f->n;
	/* supported_groups: x25519, secp256r1 */
	put16(f, 10);
	put16(f, 6);
	put16(f, 4);
	put16(f, 0x001d);
	put16(f, 0x0017);
	/* server_name */
	put16(f, 0);
	put16(f, (unsigned)(sni_len + 5));
	put16(f, (unsigned)(sni_len + 3));
	put8(f, 0);
	put16(f, (unsigned)sni_len);
	putstr(f, sni);
	/* ALPN */
	put16(f, 16);
	put16(f, 14);
	put16(f, 12);
	put8(f, 2);
	putstr(f, "h2");
	put8(f, 8);
	putstr(f, "http/1.1");
	/* supported_versions: TLS 1.3, TLS 1.2 */
	put16(f, 43);
	put16(f, 5);
	put8(f, 4);
	put16(f, 0x0304);
	put16(f, 0x0303);

	set16(f, ext - 2, (unsigned)(f->n - ext));
	set16(f, hs + 2, (unsigned)(f->n - hs - 4));
	set16(f, rec + 3, (unsigned)(f->n - rec - 5));
}

/* ---- parsing helpers ---- */

static struct pl_pkt parse_cut(const struct frame *f, enum pl_linktype lt, size_t caplen,
			       size_t wire_len)
{
	struct pl_pkt p;
	uint8_t *copy = malloc(caplen ? caplen : 1);

	memcpy(copy, f->b, caplen);
	memset(&p, 0xa5, sizeof(p));
	pl_parse_frame(&p, lt, copy, (uint32_t)caplen, (uint32_t)wire_len);
	free(copy);
	return p;
}

static struct pl_pkt parse(const struct frame *f)
{
	return parse_cut(f, PL_LINK_ETHERNET, f->n, f->n);
}

/* Checks the Ethernet + IPv4 fields every ip4() frame has. */
static void check_eth_ip4(const struct pl_pkt *p, unsigned proto)
{
	MEM(p->eth_src, MAC_SRC, 6);
	MEM(p->eth_dst, MAC_DST, 6);
	EQ(p->eth_type, 0x0800);
	MEM(p->ip_src, IP4_SRC, 4);
	MEM(p->ip_dst, IP4_DST, 4);
	MEM(p->ip_src + 4, ZERO16, 12);
	MEM(p->ip_dst + 4, ZERO16, 12);
	EQ(p->ip_ttl, 64);
	EQ(p->ip_proto, proto);
	EQ(p->ip_dscp, 46);
	EQ(p->ip_ecn, 1);
	EQ(p->ip_id, 0x1234);
	EQ(p->ip_df, 1);
	EQ(p->ip_mf, 0);
	EQ(p->ip_frag_offset, 0);
}

static void check_ip6(const struct pl_pkt *p, unsigned nxt)
{
	MEM(p->ip_src, IP6_SRC, 16);
	MEM(p->ip_dst, IP6_DST, 16);
	EQ(p->ip_ttl, 64);
	EQ(p->ip_proto, nxt);
	EQ(p->ip6_flow, 0x12345);
}

static void check_clean(const struct pl_pkt *p)
{
	EQ(p->malformed, PL_MAL_NONE);
	EQ(p->truncated, 0);
}

/* ================= Ethernet, VLAN, ARP ================= */

/* Linux's SYN option layout: MSS, SACK-perm, TS, NOP, WS. */
static void test_tcp_syn_options(void)
{
	static const uint8_t opts[] = {
		2, 4,  0x05, 0xb4,			   /* MSS 1460 */
		4, 2,					   /* SACK permitted */
		8, 10, 0,    0,	   0x30, 0x39, 0, 0, 0, 0, /* TS 12345 0 */
		1,					   /* NOP */
		3, 3,  7,				   /* WS 7 */
	};
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp_opts(&f, 41234, 443, 0x01020304, 0, 0x002, 64240, opts, sizeof(opts));
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TCP_MSS | PL_HAS_TCP_WSCALE |
			   PL_HAS_TCP_SACK_PERM | PL_HAS_TCP_TS);
	check_clean(&p);
	check_eth_ip4(&p, 6);
	EQ(p.frame_len, 74);
	EQ(p.n_vlan, 0);
	EQ(p.ip_hdr_len, 20);
	EQ(p.ip_len, 60);
	EQ(p.l4_proto, 6);
	EQ(p.sport, 41234);
	EQ(p.dport, 443);
	EQ(p.tcp_seq, 0x01020304);
	EQ(p.tcp_ack, 0);
	EQ(p.tcp_flags, 0x002);
	EQ(p.tcp_window, 64240);
	EQ(p.tcp_hdr_len, 40);
	EQ(p.tcp_mss, 1460);
	EQ(p.tcp_wscale, 7);
	EQ(p.tcp_tsval, 12345);
	EQ(p.tcp_tsecr, 0);
	EQ(p.l4_payload_off, 74);
}

/* Options in another order, NOP-padded; a second MSS/WS/TS is ignored. */
static void test_tcp_options_odd_order_dup(void)
{
	static const uint8_t opts[] = {
		1, 1,  8,    10,   0, 0, 0, 7, 0, 0, 0, 9, /* TS 7 9 */
		1, 3,  3,    14,			   /* WS 14 */
		2, 4,  0x05, 0x78,			   /* MSS 1400 */
		2, 4,  0x02, 0x18,			   /* MSS 536: dup */
		3, 3,  2,				   /* WS 2: dup */
		8, 10, 0,    0,	   0, 1, 0, 0, 0, 2,	   /* TS: dup */
		4, 2,					   /* SACK permitted */
		0,					   /* EOL */
	};
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp_opts(&f, 1, 2, 3, 4, 0x012, 100, opts, sizeof(opts));
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TCP_MSS | PL_HAS_TCP_WSCALE |
			   PL_HAS_TCP_SACK_PERM | PL_HAS_TCP_TS);
	check_clean(&p);
	EQ(p.tcp_hdr_len, 60);
	EQ(p.tcp_flags, 0x012);
	EQ(p.tcp_mss, 1400);
	EQ(p.tcp_wscale, 14);
	EQ(p.tcp_tsval, 7);
	EQ(p.tcp_tsecr, 9);
}

/* Nothing after End of Option List is read. */
static void test_tcp_options_after_eol(void)
{
	static const uint8_t opts[] = { 0, 2, 4, 0x05, 0xb4, 0, 0, 0 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp_opts(&f, 1, 2, 3, 4, 0x002, 100, opts, sizeof(opts));
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	check_clean(&p);
	EQ(p.tcp_hdr_len, 28);
	EQ(p.tcp_mss, 0);
}

static void test_vlan_8021q(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 0xe000 | 100, 0x0800); /* PCP 7, VID 100 */
	ip4(&f, 17);
	udp(&f, 1000, 2000);
	putstr(&f, "x");
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP);
	check_clean(&p);
	check_eth_ip4(&p, 17);
	EQ(p.n_vlan, 1);
	EQ(p.vlan_id[0], 100);
	EQ(p.vlan_id[1], 0);
	EQ(p.sport, 1000);
	EQ(p.udp_len, 9);
	EQ(p.l4_payload_off, 18 + 20 + 8);
}

/* 802.1ad outer tag 0x88a8, 802.1Q inner tag, then IPv6. */
static void test_vlan_qinq(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x88a8);
	vlan(&f, 200, 0x8100);
	vlan(&f, 0x1000 | 300, 0x86dd); /* DEI set, VID 300 */
	ip6(&f, 17);
	udp(&f, 1000, 2000);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	check_clean(&p);
	check_ip6(&p, 17);
	EQ(p.eth_type, 0x86dd);
	EQ(p.n_vlan, 2);
	EQ(p.vlan_id[0], 200);
	EQ(p.vlan_id[1], 300);
	EQ(p.udp_len, 8);
}

/* 0x9100 is also a QinQ TPID. */
static void test_vlan_9100(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x9100);
	vlan(&f, 4095, 0x0806);
	putfill(&f, 0, 28);
	p = parse(&f);

	EQ(p.n_vlan, 1);
	EQ(p.vlan_id[0], 4095);
	EQ(p.eth_type, 0x0806);
}

/* Only PL_MAX_VLAN tags are taken; the third TPID is the EtherType. */
static void test_vlan_three_tags(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x88a8);
	vlan(&f, 1, 0x8100);
	vlan(&f, 2, 0x8100);
	vlan(&f, 3, 0x0800);
	ip4(&f, 17);
	udp(&f, 1, 2);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	check_clean(&p);
	EQ(p.n_vlan, 2);
	EQ(p.vlan_id[0], 1);
	EQ(p.vlan_id[1], 2);
	EQ(p.eth_type, 0x8100);
}

/* A VLAN tag cut short: Ethernet only, truncated. */
static void test_vlan_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x8100);
	put16(&f, 100);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.n_vlan, 0);
}

static void test_arp_request(void)
{
	static const uint8_t spa[4] = { 198, 18, 0, 2 };
	static const uint8_t tpa[4] = { 198, 18, 0, 1 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0806);
	put16(&f, 1);	   /* Ethernet */
	put16(&f, 0x0800); /* IPv4 */
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1); /* request */
	put(&f, MAC_SRC, 6);
	put(&f, spa, 4);
	putfill(&f, 0, 6);
	put(&f, tpa, 4);
	putfill(&f, 0, 18); /* Ethernet padding */
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_ARP | PL_HAS_ARP_ADDRS);
	check_clean(&p);
	EQ(p.eth_type, 0x0806);
	EQ(p.arp_opcode, 1);
	MEM(p.arp_spa, spa, 4);
	MEM(p.arp_tpa, tpa, 4);
	EQ(p.frame_len, 60);
}

static void test_arp_bad_sizes(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x86dd); /* not IPv4 */
	put8(&f, 6);
	put8(&f, 16);
	put16(&f, 1);
	putfill(&f, 0, 44);
	p = parse(&f);

	/* the opcode, as tshark shows it; no addresses of these sizes */
	PRESENT(p, PL_HAS_ETH | PL_HAS_ARP);
	EQ(p.malformed, 0);
	EQ(p.arp_opcode, 1);
	EQ(p.arp_spa[0], 0);
}

/* IPv4 addresses after hardware addresses of another size (20 bytes) */
static void test_arp_long_hw(void)
{
	static const __u8 spa[4] = { 198, 18, 0, 7 }, tpa[4] = { 198, 18, 0, 8 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0806);
	put16(&f, 32); /* InfiniBand */
	put16(&f, 0x0800);
	put8(&f, 20);
	put8(&f, 4);
	put16(&f, 2);
	putfill(&f, 0xaa, 20);
	put(&f, spa, 4);
	putfill(&f, 0xbb, 20);
	put(&f, tpa, 4);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_ARP | PL_HAS_ARP_ADDRS);
	EQ(p.arp_opcode, 2);
	MEM(p.arp_spa, spa, 4);
	MEM(p.arp_tpa, tpa, 4);
}

/* the opcode needs the 8-byte fixed part */
static void test_arp_short(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6); /* 6 bytes of ARP: no opcode */
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	EQ(p.arp_opcode, 0);
	EQ(p.truncated, 1);
}

/* ================= IPv4 ================= */

/* IHL 6 (router alert option): L4 is found after the options. */
static void test_ipv4_options_ihl6(void)
{
	static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4_opts(&f, 6, ra, sizeof(ra));
	tcp(&f, 5555, 80, 0x010);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	check_clean(&p);
	check_eth_ip4(&p, 6);
	EQ(p.ip_hdr_len, 24);
	EQ(p.ip_len, 44);
	EQ(p.sport, 5555);
	EQ(p.dport, 80);
	EQ(p.tcp_seq, 1000);
	EQ(p.tcp_ack, 2000);
	EQ(p.tcp_hdr_len, 20);
	EQ(p.l4_payload_off, 14 + 24 + 20);
}

/* IHL 15: 40 bytes of options (timestamp option + NOPs). */
static void test_ipv4_options_ihl15(void)
{
	uint8_t opts[40];
	struct frame f;
	struct pl_pkt p;

	memset(opts, 1, sizeof(opts)); /* NOP */
	opts[0] = 0x44;		       /* timestamp */
	opts[1] = 36;
	opts[2] = 5;
	opts[3] = 0;
	memset(opts + 4, 0, 32);
	f_init(&f);
	eth(&f, 0x0800);
	ip4_opts(&f, 17, opts, sizeof(opts));
	udp(&f, 4000, 4001);
	putstr(&f, "hi");
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP);
	check_clean(&p);
	EQ(p.ip_hdr_len, 60);
	EQ(p.sport, 4000);
	EQ(p.dport, 4001);
	EQ(p.udp_len, 10);
	EQ(p.l4_payload_off, 14 + 60 + 8);
}

/* Options cut by the end of the capture. */
static void test_ipv4_options_cut(void)
{
	uint8_t opts[20];
	struct frame f;
	struct pl_pkt p;

	memset(opts, 1, sizeof(opts));
	f_init(&f);
	eth(&f, 0x0800);
	ip4_opts(&f, 6, opts, sizeof(opts));
	tcp(&f, 1, 2, 0x002);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 30, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.ip_hdr_len, 40);
	EQ(p.frame_len, f.n);
}

/* First fragment: MF set, offset 0, L4 parsed. */
static void test_ipv4_first_fragment(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 53000, 53);
	dns_hdr(&f, 7, 0x0100, 1);
	dns_labels(&f, "a.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	set16(&f, 14 + 6, 0x2000);    /* MF, offset 0 */
	set16(&f, 14 + 20 + 4, 1480); /* the datagram continues */
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	EQ(p.ip_mf, 1);
	EQ(p.ip_df, 0);
	EQ(p.ip_frag_offset, 0);
	EQ(p.l4_proto, 17);
	EQ(p.udp_len, 1480);
	STR(p.l7.dns.name_len, p.l7.dns.name, "a.test");
}

/* Later fragment: no L4 even though its bytes look like a UDP header. */
static void test_ipv4_later_fragment(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 53, 53);
	dns_hdr(&f, 7, 0x0100, 1);
	dns_labels(&f, "a.test", 0);
	finish(&f);
	set16(&f, 14 + 6, 185); /* offset 1480 bytes = 185 units, last */
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
	check_clean(&p);
	EQ(p.ip_frag_offset, 185);
	EQ(p.ip_mf, 0);
	EQ(p.ip_df, 0);
	EQ(p.ip_proto, 17);
	EQ(p.l4_proto, 0);
	EQ(p.sport, 0);
	EQ(p.dport, 0);
	EQ(p.l4_payload_off, 0);
}

/* Offset field uses 13 bits; a middle fragment with MF. */
static void test_ipv4_fragment_offset_max(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	putfill(&f, 0xee, 16);
	finish(&f);
	set16(&f, 14 + 6, 0x2000 | 0x1fff);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
	EQ(p.ip_frag_offset, 0x1fff);
	EQ(p.ip_mf, 1);
	EQ(p.ip_df, 0);
}

static void test_ipv4_ihl_below_5(void)
{
	unsigned ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		struct frame f;
		struct pl_pkt p;

		f_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 6);
		tcp(&f, 1, 2, 0x002);
		finish(&f);
		f.b[14] = (uint8_t)(0x40 | ihl);
		p = parse(&f);

		PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_IP4_HDR_ONLY);
		EQ(p.malformed, PL_MAL_IP4_HDR_LEN);
		EQ(p.truncated, 0);
		EQ(p.ip_hdr_len, ihl * 4);
		/* the fixed fields may be filled (filters read them); the
		 * output shows only version and hdr_len. No L4: */
		EQ(p.l4_proto, 0);
		EQ(p.sport, 0);
		EQ(p.l4_payload_off, 0);
	}
}

static void test_ipv4_total_below_ihl(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 1, 2, 0x002);
	finish(&f);
	set16(&f, 14 + 2, 19);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
	EQ(p.malformed, PL_MAL_IP4_TOTAL_LEN);
	EQ(p.truncated, 0);
	check_eth_ip4(&p, 6);
	EQ(p.ip_len, 19);
	EQ(p.ip_hdr_len, 20);
	EQ(p.sport, 0);
}

/* EtherType IPv4 carrying a version-6 header. */
static void test_ipv4_version_mismatch(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip6(&f, 59);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	EQ(p.malformed, PL_MAL_IP_VERSION);
}

/* Ethernet padding after ip.len is not parsed as payload. */
static void test_ipv4_trailing_padding_ignored(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 80, 0x018);
	finish(&f); /* ip.len = 40 */
	putstr(&f, "GET / HTTP/1.1\r\nHost: pad.test\r\n\r\n");
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	check_clean(&p);
	EQ(p.ip_len, 40);
	EQ(p.l4_payload_off, 54);
	EQ(p.frame_len, f.n);
}

/* ================= IPv6 ================= */

static void test_ipv6_ext_chain(void)
{
	static const uint8_t want_ext[4] = { 0, 43, 44, 60 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0);
	ip6_ext(&f, 43, 8);	/* hop-by-hop */
	ip6_ext(&f, 44, 24);	/* routing */
	ip6_frag(&f, 60, 0, 1); /* fragment: first, more follow */
	ip6_ext(&f, 6, 16);	/* destination options */
	tcp(&f, 443, 50000, 0x011);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_TCP);
	check_clean(&p);
	check_ip6(&p, 0);
	EQ(p.eth_type, 0x86dd);
	EQ(p.ip6_n_ext, 4);
	MEM(p.ip6_ext, want_ext, 4);
	EQ(p.ip6_ext[4], 0);
	EQ(p.l4_proto, 6);
	EQ(p.sport, 443);
	EQ(p.dport, 50000);
	EQ(p.tcp_flags, 0x011);
	EQ(p.l4_payload_off, 14 + 40 + 8 + 24 + 8 + 16 + 20);
}

/* AH's length is in 4-byte units, minus 2. */
static void test_ipv6_ah(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 51);
	put8(&f, 17);
	put8(&f, 4); /* (4 + 2) * 4 = 24 bytes */
	putfill(&f, 0, 22);
	udp(&f, 500, 500);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	check_clean(&p);
	EQ(p.ip6_n_ext, 1);
	EQ(p.ip6_ext[0], 51);
	EQ(p.l4_proto, 17);
	EQ(p.sport, 500);
	EQ(p.l4_payload_off, 14 + 40 + 24 + 8);
}

static void build_ext_n(struct frame *f, int n)
{
	int i;

	f_init(f);
	eth(f, 0x86dd);
	ip6(f, 60);
	for (i = 0; i < n; i++)
		ip6_ext(f, i == n - 1 ? 17 : 60, 8);
	udp(f, 1, 2);
	finish(f);
}

/* PL_MAX_IP6_EXT (8) headers are fine ... */
static void test_ipv6_ext_depth_8(void)
{
	struct frame f;
	struct pl_pkt p;

	build_ext_n(&f, 8);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	check_clean(&p);
	EQ(p.ip6_n_ext, 8);
	EQ(p.ip6_ext[7], 60);
	EQ(p.l4_proto, 17);
}

/* ... 9 are malformed. */
static void test_ipv6_ext_depth_9(void)
{
	struct frame f;
	struct pl_pkt p;

	build_ext_n(&f, 9);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6);
	EQ(p.malformed, PL_MAL_IP6_EXT_DEPTH);
	EQ(p.truncated, 0);
	EQ(p.ip6_n_ext, 8);
	EQ(p.l4_proto, 0);
	EQ(p.sport, 0);
}

/* A hop-by-hop header longer than the payload length. */
static void test_ipv6_ext_past_payload(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0);
	put8(&f, 17);
	put8(&f, 10); /* 88 bytes */
	putfill(&f, 0, 14);
	finish(&f);	     /* payload length 16 */
	putfill(&f, 0, 100); /* bytes past the payload do not count */
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6);
	EQ(p.malformed, PL_MAL_IP6_EXT_LEN);
	EQ(p.ip6_n_ext, 0);
	EQ(p.l4_proto, 0);
}

/*
 * Regression: an extension header that fits in the IPv6 payload length but
 * is cut by the end of the capture (snaplen) is truncated, not malformed.
 */
static void test_ipv6_ext_cut_by_capture(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0);
	ip6_ext(&f, 17, 48);
	udp(&f, 1, 2);
	putfill(&f, 0x41, 100);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 40 + 20, f.n);

	EQ(p.truncated, 1);
	EQ(p.malformed, PL_MAL_NONE);
}

/* A later fragment: its next header is known, there is no L4 header. */
static void test_ipv6_later_fragment(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 44);
	ip6_frag(&f, 17, 100, 0);
	udp(&f, 53, 53); /* looks like UDP but is mid-datagram */
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4);
	check_clean(&p);
	EQ(p.ip_proto, 44);
	EQ(p.ip6_n_ext, 1);
	EQ(p.ip6_ext[0], 44);
	EQ(p.l4_proto, 17);
	EQ(p.sport, 0);
	EQ(p.l4_payload_off, 0);
}

/* A first fragment (offset 0, M=1) goes on to L4. */
static void test_ipv6_first_fragment(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 44);
	ip6_frag(&f, 17, 0, 1);
	udp(&f, 53, 53);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	EQ(p.l4_proto, 17);
	EQ(p.sport, 53);
}

static void test_ipv6_version_mismatch(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip4(&f, 6);
	putfill(&f, 0, 40);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	EQ(p.malformed, PL_MAL_IP_VERSION);
}

/* An IPv6 header cut short: Ethernet only, truncated. */
static void test_ipv6_header_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 1, 2, 0x002);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 39, f.n);

	PRESENT(p, PL_HAS_ETH);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
}

/* ================= UDP ================= */

static void test_udp_len_below_8(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 53, 53);
	dns_hdr(&f, 1, 0x0100, 1);
	finish(&f);
	set16(&f, 14 + 20 + 4, 7);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP);
	EQ(p.malformed, PL_MAL_UDP_LEN);
	EQ(p.truncated, 0);
	EQ(p.sport, 53);
	EQ(p.dport, 53);
	EQ(p.udp_len, 7);
}

static void test_udp_ports_only(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 1234, 5678);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 20 + 4, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_L4_PORTS_ONLY);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.sport, 1234);
	EQ(p.dport, 5678);
	EQ(p.udp_len, 0);
}

/* A UDP payload on other ports is not DNS, even when it looks like it. */
static void test_udp_not_dns_port(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 40000, 5300);
	dns_hdr(&f, 1, 0x0100, 1);
	dns_labels(&f, "a.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP);
	check_clean(&p);
	EQ(p.l4_payload_off, 42);
}

/* ================= DNS ================= */

/* Ethernet + IPv4 + UDP 40000 -> 53, DNS header, nothing after it yet. */
static void dns_start(struct frame *f, unsigned sport, unsigned dport, unsigned qd)
{
	f_init(f);
	eth(f, 0x0800);
	ip4(f, 17);
	udp(f, sport, dport);
	dns_hdr(f, 0xbeef, 0x0120, qd);
}

#define DNS_OFF (14 + 20 + 8)

static void test_dns_query(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, "www.example.org", 0);
	put16(&f, 28);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	EQ(p.l4_payload_off, DNS_OFF);
	EQ(p.l7.dns.id, 0xbeef);
	EQ(p.l7.dns.flags, 0x0120);
	EQ(p.l7.dns.qtype, 28);
	STR(p.l7.dns.name_len, p.l7.dns.name, "www.example.org");
	EQ(p.l7.dns.name[15], 0);
}

/* A response (from port 53) with rcode NXDOMAIN. */
static void test_dns_response(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 53, 40000);
	dns_hdr(&f, 0x0102, 0x8183, 1);
	dns_labels(&f, "nx.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	EQ(p.l7.dns.flags, 0x8183);
	STR(p.l7.dns.name_len, p.l7.dns.name, "nx.test");
}

/* An answer record: a pointer to the question's name (offset 12), TYPE,
 * class IN, TTL 60, RDATA of n bytes. */
static void dns_rr(struct frame *f, unsigned type, const void *rdata, size_t n)
{
	put16(f, 0xc00c);
	put16(f, type);
	put16(f, 1);
	put32(f, 60);
	put16(f, (unsigned)n);
	put(f, rdata, n);
}

/* A response with a CNAME, five A and one AAAA: the first four A kept,
 * the count from the header. */
static void test_dns_answers(void)
{
	static const uint8_t cname[] = { 1, 'x', 0xc0, 0x0c }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8,
										[15] = 9 };
	uint8_t a[4] = { 198, 18, 0, 0 };
	struct frame f;
	struct pl_pkt p;
	unsigned i;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 53, 40000);
	dns_hdr(&f, 0x0102, 0x8180, 1);
	set16(&f, DNS_OFF + 6, 7);
	dns_labels(&f, "a.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	dns_rr(&f, 5, cname, sizeof(cname));
	for (i = 1; i <= 5; i++) {
		a[3] = (uint8_t)i;
		dns_rr(&f, 1, a, 4);
	}
	dns_rr(&f, 28, a6, 16);
	finish(&f);
	p = parse(&f);

	check_clean(&p);
	EQ(p.l7.dns.ancount, 7);
	EQ(p.l7.dns.n_a, 4);
	EQ(p.l7.dns.a[0][3], 1);
	EQ(p.l7.dns.a[3][3], 4);
	EQ(p.l7.dns.n_aaaa, 1);
	MEM(p.l7.dns.aaaa[0], a6, 16);
	EQ(p.l7.dns.time_ns, 0);
	STR(p.l7.dns.name_len, p.l7.dns.name, "a.test");
}

/* DNS over TCP: the 2-byte length, then the message; the message ends at
 * that length even when the segment goes on. */
static void test_dns_tcp(void)
{
	static const uint8_t a[4] = { 198, 18, 0, 5 };
	struct frame f;
	struct pl_pkt p;
	size_t len_at;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 53, 40000, 0x18);
	len_at = f.n;
	put16(&f, 0);
	dns_hdr(&f, 0x0bad, 0x8180, 1);
	set16(&f, len_at + 2 + 6, 2); /* ANCOUNT 2, one of them past the length */
	dns_labels(&f, "t.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	dns_rr(&f, 1, a, 4);
	set16(&f, len_at, (unsigned)(f.n - len_at - 2));
	dns_rr(&f, 1, a, 4); /* the next message's bytes */
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE);
	check_clean(&p);
	EQ(p.l7.dns.id, 0x0bad);
	EQ(p.l7.dns.ancount, 2);
	EQ(p.l7.dns.n_a, 1);
	MEM(p.l7.dns.a[0], a, 4);
	STR(p.l7.dns.name_len, p.l7.dns.name, "t.test");
}

/* TCP on port 53 with a length below a DNS header is no DNS, nor is TCP
 * on another port. */
static void test_dns_tcp_not(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 53, 0x18);
	put16(&f, 11);
	dns_hdr(&f, 1, 0x0100, 1);
	finish(&f);
	p = parse(&f);
	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 5353, 0x18);
	put16(&f, 12 + 12);
	dns_hdr(&f, 1, 0x0100, 1);
	dns_labels(&f, "a.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);
	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
}

static void test_dns_root(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	put8(&f, 0);
	put16(&f, 2); /* NS */
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	STR(p.l7.dns.name_len, p.l7.dns.name, "<Root>");
	EQ(p.l7.dns.qtype, 2);
}

/* "www" then a pointer to "example.org" later in the message; the type
 * follows the pointer. */
static void test_dns_pointer(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, "www", 1);
	put16(&f, 0xc000 | (12 + 4 + 2 + 4)); /* -> just after the question */
	put16(&f, 15);			      /* MX */
	put16(&f, 1);
	dns_labels(&f, "example.org", 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	STR(p.l7.dns.name_len, p.l7.dns.name, "www.example.org");
	EQ(p.l7.dns.qtype, 15);
}

/* A pointer to itself. */
static void test_dns_pointer_loop_self(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	put16(&f, 0xc000 | 12);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE);
	/* tshark's placeholder */
	TRUE(!memcmp(p.l7.dns.name, "<Name contains a pointer that loops>", 36));
	EQ(p.malformed, PL_MAL_DNS_NAME);
	EQ(p.truncated, 0);
	EQ(p.l7.dns.name_len, 36);
	EQ(p.l7.dns.id, 0xbeef);
}

/* A label then a pointer back to the label: the name grows each round. */
static void test_dns_pointer_loop_label(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, "ab", 1);
	put16(&f, 0xc000 | 12);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE);
	/* tshark's placeholder */
	TRUE(!memcmp(p.l7.dns.name, "<Name contains a pointer that loops>", 36));
	EQ(p.malformed, PL_MAL_DNS_NAME);
}

/* Two pointers pointing at each other. */
static void test_dns_pointer_loop_pair(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	put16(&f, 0xc000 | 18); /* -> the second pointer */
	put16(&f, 1);
	put16(&f, 1);
	put16(&f, 0xc000 | 12); /* -> the first one */
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE);
	/* tshark's placeholder */
	TRUE(!memcmp(p.l7.dns.name, "<Name contains a pointer that loops>", 36));
	EQ(p.malformed, PL_MAL_DNS_NAME);
}

/*
 * Regression: a compression pointer, or a label, that runs past the end of
 * a DNS message whose frame was captured whole is malformed, not truncated
 * (tshark: "[Malformed Packet: DNS]").
 */
static void test_dns_name_past_message(void)
{
	int c;

	for (c = 0; c < 2; c++) {
		struct frame f;
		struct pl_pkt p;

		dns_start(&f, 40000, 53, 1);
		if (c == 0) {
			put16(&f, 0xc000 | 0x3fff); /* pointer far past the end */
			put16(&f, 1);
			put16(&f, 1);
		} else {
			put8(&f, 63); /* a 63-byte label with 5 bytes left */
			putstr(&f, "abcde");
		}
		finish(&f);
		p = parse(&f);

		TRUE(p.present & PL_HAS_DNS);
		TRUE(!(p.present & PL_HAS_DNS_QRY));
		TRUE(p.malformed == PL_MAL_DNS_NAME || p.malformed == PL_MAL_PAST_LENGTH);
		EQ(p.truncated, 0);
	}
}

static void test_dns_label_63(void)
{
	char *l63 = long_name(1, 63), want[80];
	struct frame f;
	struct pl_pkt p;

	snprintf(want, sizeof(want), "%s.com", l63);
	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, want, 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	STR(p.l7.dns.name_len, p.l7.dns.name, want);
	free(l63);
}

/* Length bytes 0x40 and 0x80 are extended/reserved label types. */
static void test_dns_label_type_bits(void)
{
	unsigned lenbyte[2] = { 0x40, 0x80 };
	int i;

	for (i = 0; i < 2; i++) {
		struct frame f;
		struct pl_pkt p;

		dns_start(&f, 40000, 53, 1);
		put8(&f, lenbyte[i]);
		putfill(&f, 'a', 70);
		put8(&f, 0);
		put16(&f, 1);
		put16(&f, 1);
		finish(&f);
		p = parse(&f);

		TRUE(!(p.present & PL_HAS_DNS_QRY));
		EQ(p.malformed, PL_MAL_DNS_NAME);
	}
}

/* The longest legal name: 253 characters (255 octets on the wire). */
static void test_dns_name_253(void)
{
	char name[300];
	char *a = long_name(3, 63), *b = long_name(1, 61);
	struct frame f;
	struct pl_pkt p;

	snprintf(name, sizeof(name), "%s.%s", a, b);
	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, name, 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	EQ(strlen(name), 253);
	STR(p.l7.dns.name_len, p.l7.dns.name, name);
	free(a);
	free(b);
}

/* Longer than 255 characters: malformed. */
static void test_dns_name_too_long(void)
{
	char *name = long_name(5, 63); /* 319 characters */
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, name, 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE);
	EQ(p.malformed, PL_MAL_DNS_NAME);
	EQ(p.truncated, 0);
	EQ(p.l7.dns.name_len, 15); /* "<Name too long>", as tshark */
	free(name);
}

/* 256 characters in 128 one-byte labels: over the buffer, malformed. */
static void test_dns_name_256_short_labels(void)
{
	char name[400];
	int i, k = 0;
	struct frame f;
	struct pl_pkt p;

	for (i = 0; i < 128; i++) {
		if (i)
			name[k++] = '.';
		name[k++] = 'x';
	}
	name[k++] = 'y'; /* last label "xy": 256 characters */
	name[k] = 0;
	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, name, 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse(&f);

	EQ(strlen(name), 256);
	TRUE(p.present & PL_HAS_DNS_QRY); /* shown as "<Name too long>" */
	EQ(p.l7.dns.name_len, 15);
	EQ(p.malformed, PL_MAL_DNS_NAME);
}

/* The capture ends inside a label: truncated, not malformed. */
static void test_dns_name_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, "www.example.org", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, DNS_OFF + 12 + 7, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.frame_len, f.n);
	EQ(p.l7.dns.id, 0xbeef);
	EQ(p.l7.dns.name_len, 0);
}

/* The capture ends between the name and the type. */
static void test_dns_qtype_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	dns_labels(&f, "a.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, DNS_OFF + 12 + 8 + 1, f.n);

	TRUE(p.present & PL_HAS_DNS_QRY); /* the name is whole */
	TRUE(!(p.present & PL_HAS_DNS_QTYPE));
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
}

static void test_dns_mdns_5353(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 17);
	udp(&f, 5353, 5353);
	dns_hdr(&f, 0, 0, 1);
	dns_labels(&f, "_services._dns-sd._udp.local", 0);
	put16(&f, 12);
	put16(&f, 0x8001); /* QU bit */
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP | PL_HAS_DNS |
			   PL_HAS_DNS_QRY | PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	STR(p.l7.dns.name_len, p.l7.dns.name, "_services._dns-sd._udp.local");
	EQ(p.l7.dns.qtype, 12);
}

static void test_dns_no_question(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS);
	check_clean(&p);
	EQ(p.l7.dns.id, 0xbeef);
	EQ(p.l7.dns.name_len, 0);
}

/* A DNS header cut short: no DNS at all. */
static void test_dns_header_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	dns_start(&f, 40000, 53, 1);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, DNS_OFF + 11, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP);
	EQ(p.truncated, 1);
}

/* ================= HTTP ================= */

static struct pl_pkt http_parse(const char *payload)
{
	struct frame f;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 80, 0x018);
	putstr(&f, payload);
	finish(&f);
	return parse(&f);
}

static void test_http_get_host_case(void)
{
	struct pl_pkt p = http_parse("GET /index.html?q=1 HTTP/1.1\r\n"
				     "User-Agent: curl/7.88.1\r\n"
				     "hOsT: a.test\r\n"
				     "Accept: */*\r\n\r\n");

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP | PL_HAS_HTTP_HOST);
	check_clean(&p);
	EQ(p.l4_payload_off, 54);
	STR(p.l7.http.method_len, p.l7.http.method, "GET");
	STR(p.l7.http.uri_len, p.l7.http.uri, "/index.html?q=1");
	STR(p.l7.http.host_len, p.l7.http.host, "a.test");
}

static void test_http_host_ows(void)
{
	struct pl_pkt p = http_parse("GET / HTTP/1.1\r\n"
				     "Host: \t a.test:8080 \t \r\n\r\n");

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP | PL_HAS_HTTP_HOST);
	STR(p.l7.http.host_len, p.l7.http.host, "a.test:8080");
	STR(p.l7.http.uri_len, p.l7.http.uri, "/");
}

/* Bare LF line ends are accepted too. */
static void test_http_host_lf_only(void)
{
	struct pl_pkt p = http_parse("GET /x HTTP/1.1\nAccept: */*\nHost:b.test\n\n");

	TRUE(p.present & PL_HAS_HTTP_HOST);
	STR(p.l7.http.host_len, p.l7.http.host, "b.test");
}

static void test_http_post(void)
{
	struct pl_pkt p = http_parse("POST /api/v1 HTTP/1.1\r\n"
				     "Host: b.test\r\n"
				     "Content-Length: 2\r\n\r\n{}");

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP | PL_HAS_HTTP_HOST);
	STR(p.l7.http.method_len, p.l7.http.method, "POST");
	STR(p.l7.http.uri_len, p.l7.http.uri, "/api/v1");
	STR(p.l7.http.host_len, p.l7.http.host, "b.test");
}

static void test_http_10_no_host(void)
{
	struct pl_pkt p = http_parse("GET /old HTTP/1.0\r\n"
				     "User-Agent: x\r\n\r\n");

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP);
	check_clean(&p);
	STR(p.l7.http.method_len, p.l7.http.method, "GET");
	STR(p.l7.http.uri_len, p.l7.http.uri, "/old");
	EQ(p.l7.http.host_len, 0);
}

/* A "Host:" after the blank line is body, not a header. */
static void test_http_host_in_body(void)
{
	struct pl_pkt p = http_parse("POST / HTTP/1.1\r\n"
				     "Content-Length: 14\r\n\r\n"
				     "Host: evil\r\n\r\n");

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP);
}

/* A header whose name only starts with "host" is not Host. */
static void test_http_host_prefix_header(void)
{
	struct pl_pkt p = http_parse("GET / HTTP/1.1\r\n"
				     "Hostname: no\r\n"
				     "X-Host: no\r\n"
				     "Host: yes.test\r\n\r\n");

	STR(p.l7.http.host_len, p.l7.http.host, "yes.test");
}

static void test_http_no_version(void)
{
	static const char *const bad[] = {
		"GET /foo\r\n\r\n", /* HTTP/0.9 style */
		"GET /foo FTP/1.0\r\n\r\n",
		"GET /foo http/1.1\r\n\r\n", /* HTTP-name is case-sensitive */
		"GET  HTTP/1.1\r\n\r\n",     /* empty target */
		"GET /foo HTTP/1.1",	     /* no line end in the segment */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_pkt p = http_parse(bad[i]);

		if (p.present & PL_HAS_HTTP)
			failf(__LINE__, "HTTP found in \"%s\"", bad[i]);
		EQ(p.malformed, 0);
	}
}

static void test_http_non_method(void)
{
	static const char *const bad[] = {
		"Hello world, HTTP/1.1\r\n",
		"SSH-2.0-OpenSSH_9.2p1 Debian\r\n",
		"get / HTTP/1.1\r\n\r\n",		/* lowercase method */
		"GE / HTTP/1.1\r\n\r\n",		/* too short */
		"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", /* too long */
		"HTTP/1.1 200 OK\r\n\r\n",		/* a response */
		"\x01\x02\x03\x04\x05\x06\x07\x08",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_pkt p = http_parse(bad[i]);

		if (p.present & PL_HAS_HTTP)
			failf(__LINE__, "HTTP found in payload %zu", i);
		EQ(p.present, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
		EQ(p.malformed, 0);
	}
}

/* An unusual but valid method, and a URI longer than the record keeps. */
static void test_http_long_uri(void)
{
	char payload[700];
	char uri[400];

	memset(uri, 'u', sizeof(uri));
	uri[0] = '/';
	snprintf(payload, sizeof(payload), "PROPFIND %.*s HTTP/1.1\r\nHost: dav.test\r\n\r\n",
		 (int)sizeof(uri), uri);
	{
		struct pl_pkt p = http_parse(payload);

		TRUE(p.present & PL_HAS_HTTP);
		STR(p.l7.http.method_len, p.l7.http.method, "PROPFIND");
		EQ(p.l7.http.uri_len, PL_HTTP_URI_MAX);
		MEM(p.l7.http.uri, uri, PL_HTTP_URI_MAX);
		STR(p.l7.http.host_len, p.l7.http.host, "dav.test");
		EQ(p.truncated, 1); /* the cut is marked (issue 14, item 9) */
		EQ(p.malformed, 0);
	}
}

/* A URI and a Host of exactly what the record holds are whole, unmarked;
 * a Host one byte longer is cut and marked. */
static void test_http_names_at_bounds(void)
{
	char payload[900], uri[PL_HTTP_URI_MAX + 1], host[PL_HTTP_HOST_MAX + 2];
	struct pl_pkt p;

	memset(uri, 'u', PL_HTTP_URI_MAX);
	uri[0] = '/';
	uri[PL_HTTP_URI_MAX] = 0;
	memset(host, 'h', PL_HTTP_HOST_MAX);
	host[PL_HTTP_HOST_MAX] = 0;
	snprintf(payload, sizeof(payload), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", uri, host);
	p = http_parse(payload);
	STR(p.l7.http.uri_len, p.l7.http.uri, uri);
	STR(p.l7.http.host_len, p.l7.http.host, host);
	EQ(p.truncated, 0);

	host[PL_HTTP_HOST_MAX] = 'x';
	host[PL_HTTP_HOST_MAX + 1] = 0;
	snprintf(payload, sizeof(payload), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	p = http_parse(payload);
	EQ(p.l7.http.host_len, PL_HTTP_HOST_MAX);
	MEM(p.l7.http.host, host, PL_HTTP_HOST_MAX);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
}

/* ================= TLS ================= */

static void tls_frame(struct frame *f, const char *sni)
{
	f_init(f);
	eth(f, 0x0800);
	ip4(f, 6);
	tcp(f, 40000, 443, 0x018);
	tls_client_hello(f, sni);
	finish(f);
}

static void test_tls_client_hello(void)
{
	static const uint8_t alpn[] = "\x02h2\x08http/1.1";
	struct frame f;
	struct pl_pkt p;

	tls_frame(&f, "a.example");
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TLS | PL_HAS_TLS_SNI |
			   PL_HAS_TLS_ALPN);
	check_clean(&p);
	EQ(p.l7.tls.version, 0x0303);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, "a.example");
	EQ(p.l7.tls.alpn_len, 12);
	MEM(p.l7.tls.alpn, alpn, 12);
	EQ(p.l7.tls.n_versions, 2);
	EQ(p.l7.tls.versions[0], 0x0304);
	EQ(p.l7.tls.versions[1], 0x0303);
	EQ(p.l7.tls.versions[2], 0);
}

/* An SNI of 300 bytes keeps the first 256 and marks the cut; one of
 * exactly 256 is whole and unmarked (issue 14, item 9). */
static void test_tls_sni_past_record(void)
{
	char sni[301];
	struct frame f;
	struct pl_pkt p;

	memset(sni, 's', 300);
	sni[300] = 0;
	tls_frame(&f, sni);
	p = parse(&f);
	TRUE(p.present & PL_HAS_TLS_SNI);
	TRUE(p.present & PL_HAS_TLS_ALPN); /* the extensions after it are read */
	EQ(p.l7.tls.sni_len, PL_TLS_SNI_MAX);
	MEM(p.l7.tls.sni, sni, PL_TLS_SNI_MAX);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);

	sni[PL_TLS_SNI_MAX] = 0;
	tls_frame(&f, sni);
	p = parse(&f);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, sni);
	EQ(p.truncated, 0);
}

/* Cut after legacy_version and part of the random. */
static void test_tls_client_hello_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	tls_frame(&f, "a.example");
	p = parse_cut(&f, PL_LINK_ETHERNET, 54 + 5 + 4 + 2 + 10, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TLS);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.l7.tls.version, 0x0303);
	EQ(p.l7.tls.sni_len, 0);
}

/* Cut inside the SNI extension: no SNI, version kept. */
static void test_tls_client_hello_cut_in_sni(void)
{
	struct frame f;
	struct pl_pkt p;
	/* record 5 + hs 4 + ver 2 + random 32 + sid 33 + cs 8 + comp 2
	 * + ext len 2 + groups 10 + sni hdr 4 + 5 + 3 bytes of name */
	size_t cut = 54 + 5 + 4 + 2 + 32 + 33 + 8 + 2 + 2 + 10 + 4 + 5 + 3;

	tls_frame(&f, "a.example");
	p = parse_cut(&f, PL_LINK_ETHERNET, cut, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TLS);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.l7.tls.version, 0x0303);
}

/* An extension longer than the extensions block. */
static void test_tls_bad_ext_len(void)
{
	struct frame f;
	struct pl_pkt p;
	size_t groups = 54 + 5 + 4 + 2 + 32 + 33 + 8 + 2 + 2;

	tls_frame(&f, "a.example");
	set16(&f, groups + 2, 0x4000);
	p = parse(&f);

	TRUE(p.present & PL_HAS_TLS);
	TRUE(!(p.present & PL_HAS_TLS_SNI));
	EQ(p.malformed, PL_MAL_TLS_RECORD);
	EQ(p.l7.tls.version, 0x0303);
}

/* A TLS record that is not a handshake (application data) is not TLS. */
static void test_tls_not_client_hello(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 443, 0x018);
	put8(&f, 0x17);
	put16(&f, 0x0303);
	put16(&f, 4);
	put32(&f, 0x01020304);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	check_clean(&p);
}

/* ================= TCP errors ================= */

static void test_tcp_ports_only(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 33333, 22, 0x002);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 20 + 4, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.sport, 33333);
	EQ(p.dport, 22);
	EQ(p.tcp_seq, 0);
	EQ(p.tcp_hdr_len, 0);
	EQ(p.frame_len, 54);
}

/* Also when the IP total length, not the capture, ends after the ports:
 * the header runs past the length the IP header gives, which is malformed
 * (as tshark says), not truncated (the capture holds every byte). */
static void test_tcp_ports_only_by_ip_len(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 33333, 22, 0x002);
	finish(&f);
	set16(&f, 14 + 2, 24);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY);
	EQ(p.truncated, 0);
	EQ(p.malformed, PL_MAL_PAST_LENGTH);
	EQ(p.sport, 33333);
	EQ(p.dport, 22);
}

/* Fewer than 4 bytes of TCP: no TCP at all. */
static void test_tcp_three_bytes(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 1, 2, 0x002);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 20 + 3, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
	EQ(p.truncated, 1);
}

static void test_tcp_doff_below_5(void)
{
	unsigned doff;

	for (doff = 0; doff < 5; doff++) {
		struct frame f;
		struct pl_pkt p;

		f_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 6);
		tcp(&f, 1, 2, 0x002);
		putstr(&f, "GET / HTTP/1.1\r\n\r\n");
		finish(&f);
		f.b[14 + 20 + 12] = (uint8_t)(doff << 4);
		p = parse(&f);

		PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
		EQ(p.malformed, PL_MAL_TCP_HDR_LEN);
		EQ(p.tcp_hdr_len, doff * 4);
		EQ(p.tcp_flags, 0x002);
		EQ(p.l4_payload_off, 0);
	}
}

static void test_tcp_bad_option_len(void)
{
	static const uint8_t bad[][8] = {
		{ 2, 1, 0, 0, 0, 0, 0, 0 },  /* length 1 */
		{ 2, 0, 0, 0, 0, 0, 0, 0 },  /* length 0 */
		{ 1, 1, 1, 1, 8, 10, 0, 0 }, /* TS past the header */
		{ 1, 1, 1, 1, 1, 1, 1, 2 },  /* kind in the last byte */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame f;
		struct pl_pkt p;

		f_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 6);
		tcp_opts(&f, 1, 2, 3, 4, 0x002, 5, bad[i], 8);
		finish(&f);
		p = parse(&f);

		TRUE(p.present & PL_HAS_TCP);
		if (p.malformed != PL_MAL_TCP_OPT)
			failf(__LINE__, "case %zu: malformed = %u", i, p.malformed);
		EQ(p.truncated, 0);
		EQ(p.tcp_hdr_len, 28);
	}
}

/* A TCP header whose options are cut by the capture. */
static void test_tcp_options_cut(void)
{
	static const uint8_t opts[] = { 2, 4, 5, 0xb4, 1, 1, 1, 1 };
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp_opts(&f, 1, 2, 3, 4, 0x002, 5, opts, sizeof(opts));
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 14 + 20 + 22, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	EQ(p.truncated, 1);
	EQ(p.malformed, 0);
	EQ(p.tcp_hdr_len, 28);
	EQ(p.tcp_seq, 3);
}

/* All 12 flag bits (AE/NS through FIN). */
static void test_tcp_all_flags(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 1, 2, 0xfff);
	finish(&f);
	p = parse(&f);

	EQ(p.tcp_flags, 0xfff);
	EQ(p.tcp_hdr_len, 20);
}

/* ================= ICMP, ICMPv6, SCTP ================= */

static void test_icmp(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 1);
	put8(&f, 3); /* destination unreachable */
	put8(&f, 3); /* port unreachable */
	put16(&f, 0);
	put32(&f, 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_ICMP);
	check_clean(&p);
	EQ(p.icmp_type, 3);
	EQ(p.icmp_code, 3);
	EQ(p.l4_proto, 1);
}

static void test_icmp_echo(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 1);
	put8(&f, 8);
	put8(&f, 0);
	put16(&f, 0);
	put32(&f, 0x00010001);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_ICMP);
	EQ(p.icmp_type, 8);
	EQ(p.icmp_code, 0);
}

static void test_icmpv6(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58);
	put8(&f, 1); /* destination unreachable */
	put8(&f, 4); /* port unreachable */
	put16(&f, 0);
	put32(&f, 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_ICMP6);
	check_clean(&p);
	check_ip6(&p, 58);
	EQ(p.icmp_type, 1);
	EQ(p.icmp_code, 4);
	EQ(p.l4_proto, 58);
}

/* ICMPv6 after a hop-by-hop header (MLD). */
static void test_icmpv6_after_hbh(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0);
	ip6_ext(&f, 58, 8);
	put8(&f, 143); /* MLDv2 report */
	put8(&f, 0);
	put16(&f, 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_ICMP6);
	EQ(p.icmp_type, 143);
	EQ(p.ip_proto, 0);
}

/* Protocol 1 inside IPv6 and 58 inside IPv4 are not ICMP. */
static void test_icmp_wrong_family(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 1);
	put32(&f, 0x08000000);
	finish(&f);
	p = parse(&f);
	PRESENT(p, PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4);

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 58);
	put32(&f, 0x80000000);
	finish(&f);
	p = parse(&f);
	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4);
}

static void test_sctp(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 132);
	put16(&f, 36412);
	put16(&f, 2905);
	put32(&f, 0xdeadbeef);
	put32(&f, 0);
	finish(&f);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_SCTP);
	check_clean(&p);
	EQ(p.sport, 36412);
	EQ(p.dport, 2905);
}

/* ================= Linux cooked captures ================= */

static void test_sll_v1(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	put16(&f, 0); /* to us */
	put16(&f, 1); /* ARPHRD_ETHER */
	put16(&f, 6);
	put(&f, MAC_SRC, 6);
	put16(&f, 0);
	put16(&f, 0x0800);
	ip4(&f, 17);
	udp(&f, 40000, 53);
	dns_hdr(&f, 9, 0x0100, 1);
	dns_labels(&f, "sll.test", 0);
	put16(&f, 1);
	put16(&f, 1);
	finish(&f);
	p = parse_cut(&f, PL_LINK_LINUX_SLL, f.n, f.n);

	PRESENT(p, PL_HAS_SLL | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
			   PL_HAS_DNS_QTYPE | PL_HAS_DNS_QTYPE);
	check_clean(&p);
	EQ(p.eth_type, 0x0800);
	MEM(p.eth_src, ZERO16, 6);
	MEM(p.eth_dst, ZERO16, 6);
	MEM(p.ip_src, IP4_SRC, 4);
	EQ(p.sport, 40000);
	EQ(p.l4_payload_off, 16 + 20 + 8);
	STR(p.l7.dns.name_len, p.l7.dns.name, "sll.test");
}

static void test_sll_v2(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	put16(&f, 0x86dd);
	put16(&f, 0);
	put32(&f, 3); /* ifindex */
	put16(&f, 1);
	put8(&f, 0);
	put8(&f, 6);
	put(&f, MAC_SRC, 6);
	put16(&f, 0);
	ip6(&f, 6);
	tcp(&f, 1, 443, 0x002);
	finish(&f);
	p = parse_cut(&f, PL_LINK_LINUX_SLL2, f.n, f.n);

	PRESENT(p, PL_HAS_SLL | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_TCP);
	check_clean(&p);
	EQ(p.eth_type, 0x86dd);
	check_ip6(&p, 6);
	EQ(p.dport, 443);
	EQ(p.l4_payload_off, 20 + 40 + 20);
}

/* ================= lengths ================= */

/* 0..13 bytes: nothing decoded; 14: Ethernet only. Likewise for SLL
 * (16 bytes) and SLL2 (20). */
static void test_short_frames(void)
{
	static const struct {
		enum pl_linktype lt;
		size_t hdr;
		uint32_t bit;
	} links[] = {
		{ PL_LINK_ETHERNET, 14, PL_HAS_ETH },
		{ PL_LINK_LINUX_SLL, 16, PL_HAS_SLL },
		{ PL_LINK_LINUX_SLL2, 20, PL_HAS_SLL },
	};
	struct frame f;
	size_t i, n;

	f_init(&f);
	put16(&f, 0x0800); /* SLL2's protocol */
	putfill(&f, 0x08, 10);
	put16(&f, 0x0800); /* Ethernet's type */
	put16(&f, 0x0800);
	put16(&f, 0x0800);
	put16(&f, 0x0800);
	for (i = 0; i < 3; i++) {
		for (n = 0; n <= links[i].hdr; n++) {
			struct pl_pkt p = parse_cut(&f, links[i].lt, n, n);

			if (n < links[i].hdr) {
				if (p.present)
					failf(__LINE__, "link %d len %zu: present 0x%x",
					      links[i].lt, n, p.present);
				EQ(p.truncated, 1);
			} else {
				if (p.present != links[i].bit)
					failf(__LINE__, "link %d len %zu: present 0x%x",
					      links[i].lt, n, p.present);
				EQ(p.eth_type, 0x0800);
				/* the IP header is missing altogether */
				EQ(p.truncated, 1);
			}
			EQ(p.frame_len, n);
			EQ(p.malformed, 0);
		}
	}
}

/* The frame was longer on the wire than captured: frame.len is the wire
 * length, headers that were captured are decoded, nothing is truncated. */
static void test_wire_len_gt_caplen(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 80, 0x010);
	putfill(&f, 'z', 1446);
	finish(&f);
	p = parse_cut(&f, PL_LINK_ETHERNET, 54, f.n);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP);
	EQ(p.frame_len, 1500);
	EQ(p.ip_len, 1486);
	EQ(p.truncated, 0);
	EQ(p.malformed, 0);
	EQ(p.l4_payload_off, 54);
}

/* caplen > PL_WIN: only the first PL_WIN bytes are looked at; a Host
 * header past them is not found and nothing is flagged. */
static void test_caplen_gt_window(void)
{
	struct frame f;
	struct pl_pkt p;
	char filler[2200];

	memset(filler, 'a', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = 0;
	f_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6);
	tcp(&f, 40000, 80, 0x018);
	putstr(&f, "GET /big HTTP/1.1\r\nX-Pad: ");
	putstr(&f, filler);
	putstr(&f, "\r\nHost: far.test\r\n\r\n");
	finish(&f);
	TRUE(f.n > PL_WIN);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP);
	check_clean(&p);
	EQ(p.frame_len, f.n);
	STR(p.l7.http.uri_len, p.l7.http.uri, "/big");
}

/* Unknown EtherTypes stop after Ethernet. */
static void test_unknown_ethertype(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	eth(&f, 0x88cc); /* LLDP */
	putfill(&f, 0, 46);
	p = parse(&f);

	PRESENT(p, PL_HAS_ETH);
	check_clean(&p);
	EQ(p.eth_type, 0x88cc);
}

/* ================= framings that start at L3 ================= */

/* [family in 4 bytes, order `be`, unless family < 0] + IPv4 or IPv6 + UDP */
static struct pl_pkt parse_l3(enum pl_linktype lt, long family, int be, int v6)
{
	struct frame f;

	f_init(&f);
	if (family >= 0) {
		uint32_t v = (uint32_t)family;

		if (!be)
			v = __builtin_bswap32(v);
		put32(&f, v);
	}
	if (v6)
		ip6(&f, 17);
	else
		ip4(&f, 17);
	udp(&f, 4000, 9);
	putfill(&f, 0x61, 8);
	finish(&f);
	return parse_cut(&f, lt, f.n, f.n);
}

static void test_l3_raw(void)
{
	struct pl_pkt p = parse_l3(PL_LINK_RAW, -1, 0, 0);

	PRESENT(p, PL_HAS_IP4 | PL_HAS_UDP);
	EQ(p.eth_type, 0x0800);
	MEM(p.ip_src, IP4_SRC, 4);
	EQ(p.dport, 9);
	check_clean(&p);
	p = parse_l3(PL_LINK_RAW, -1, 0, 1);
	PRESENT(p, PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	EQ(p.eth_type, 0x86dd);
	MEM(p.ip_dst, IP6_DST, 16);
	p = parse_l3(PL_LINK_IPV6, -1, 0, 1);
	PRESENT(p, PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	/* LINKTYPE_IPV4 holding IPv6: the version does not match */
	p = parse_l3(PL_LINK_IPV4, -1, 0, 1);
	EQ(p.malformed, PL_MAL_IP_VERSION);
}

static void test_l3_raw_not_ip(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	put8(&f, 0x50); /* version 5 */
	putfill(&f, 0, 19);
	p = parse_cut(&f, PL_LINK_RAW, f.n, f.n);
	PRESENT(p, 0);
	EQ(p.eth_type, 0);
	check_clean(&p);
	/* nothing captured: cut short */
	p = parse_cut(&f, PL_LINK_RAW, 0, 20);
	PRESENT(p, 0);
	EQ(p.truncated, 1);
}

static void test_l3_null_loop(void)
{
	struct pl_pkt p;

	/* DLT_NULL in either byte order, AF_INET6 as each system numbers it */
	p = parse_l3(PL_LINK_NULL, 2, 0, 0);
	PRESENT(p, PL_HAS_IP4 | PL_HAS_UDP);
	EQ(p.l4_payload_off, 4 + 20 + 8);
	p = parse_l3(PL_LINK_NULL, 2, 1, 0);
	PRESENT(p, PL_HAS_IP4 | PL_HAS_UDP);
	p = parse_l3(PL_LINK_NULL, 30, 0, 1);
	PRESENT(p, PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	p = parse_l3(PL_LINK_NULL, 24, 1, 1);
	PRESENT(p, PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	/* DLT_LOOP is network order: a little-endian 2 is no family */
	p = parse_l3(PL_LINK_LOOP, 28, 1, 1);
	PRESENT(p, PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP);
	p = parse_l3(PL_LINK_LOOP, 2, 0, 0);
	PRESENT(p, 0);
	/* an unknown family (AF_APPLETALK) stops the parse, without damage */
	p = parse_l3(PL_LINK_NULL, 16, 0, 0);
	PRESENT(p, 0);
	EQ(p.truncated, 0);
	EQ(p.malformed, 0);
	check_clean(&p);
}

static void test_l3_null_cut(void)
{
	struct frame f;
	struct pl_pkt p;

	f_init(&f);
	put32(&f, 0x02000000);
	p = parse_cut(&f, PL_LINK_NULL, 3, 40);
	PRESENT(p, 0);
	EQ(p.truncated, 1);
}

/* ================= determinism ================= */

/* Two parses of the same frame give memcmp-identical records, whatever
 * the previous packet left in the parser's scratch space (its L7 union,
 * its window bytes) and whatever the output buffer held before. */
static void test_determinism(void)
{
	struct frame frames[8];
	struct frame big;
	int nf = 0, i, j;

	tls_frame(&frames[nf++], "determinism.example");
	dns_start(&frames[nf], 40000, 53, 1);
	dns_labels(&frames[nf], "det.example.org", 0);
	put16(&frames[nf], 1);
	put16(&frames[nf], 1);
	finish(&frames[nf++]);
	f_init(&frames[nf]);
	eth(&frames[nf], 0x0800);
	ip4(&frames[nf], 6);
	tcp(&frames[nf], 1, 80, 0x018);
	putstr(&frames[nf], "GET /det HTTP/1.1\r\nHost: det.test\r\n\r\n");
	finish(&frames[nf++]);
	f_init(&frames[nf]); /* no L7 */
	eth(&frames[nf], 0x0800);
	ip4(&frames[nf], 6);
	tcp(&frames[nf], 1, 2, 0x010);
	finish(&frames[nf++]);
	f_init(&frames[nf]); /* DNS name cut: partial name bytes */
	dns_start(&frames[nf], 40000, 53, 1);
	dns_labels(&frames[nf], "partial.example", 0);
	finish(&frames[nf]);
	frames[nf].n -= 5;
	nf++;
	f_init(&frames[nf]); /* ARP */
	eth(&frames[nf], 0x0806);
	putfill(&frames[nf], 0, 28);
	nf++;
	f_init(&frames[nf]); /* 3 bytes */
	putfill(&frames[nf], 0xff, 3);
	nf++;

	/* a big frame of 0xff bytes fills the whole window */
	f_init(&big);
	eth(&big, 0x0800);
	putfill(&big, 0xff, 2200);

	for (i = 0; i < nf; i++) {
		struct pl_pkt want, got;
		uint8_t *copy;

		/* the reference: after a 0-byte frame, output zero-filled */
		parse_cut(&frames[i], PL_LINK_ETHERNET, 0, 0);
		copy = malloc(frames[i].n);
		memcpy(copy, frames[i].b, frames[i].n);
		memset(&want, 0, sizeof(want));
		pl_parse_frame(&want, PL_LINK_ETHERNET, copy, (uint32_t)frames[i].n,
			       (uint32_t)frames[i].n);

		for (j = -1; j < nf; j++) {
			if (j < 0)
				parse(&big);
			else
				parse(&frames[j]);
			memset(&got, 0x5a, sizeof(got));
			pl_parse_frame(&got, PL_LINK_ETHERNET, copy, (uint32_t)frames[i].n,
				       (uint32_t)frames[i].n);
			if (memcmp(&want, &got, sizeof(want)) != 0) {
				size_t k;

				for (k = 0; k < sizeof(want); k++)
					if (((uint8_t *)&want)[k] != ((uint8_t *)&got)[k])
						break;
				failf(__LINE__,
				      "frame %d after frame %d: records differ at byte %zu", i, j,
				      k);
			}
		}
		free(copy);
	}
}

int main(void)
{
	run("tcp_syn_options", test_tcp_syn_options);
	run("tcp_options_odd_order_dup", test_tcp_options_odd_order_dup);
	run("tcp_options_after_eol", test_tcp_options_after_eol);
	run("vlan_8021q", test_vlan_8021q);
	run("vlan_qinq", test_vlan_qinq);
	run("vlan_9100", test_vlan_9100);
	run("vlan_three_tags", test_vlan_three_tags);
	run("vlan_cut", test_vlan_cut);
	run("arp_request", test_arp_request);
	run("arp_bad_sizes", test_arp_bad_sizes);
	run("arp_long_hw", test_arp_long_hw);
	run("arp_short", test_arp_short);
	run("ipv4_options_ihl6", test_ipv4_options_ihl6);
	run("ipv4_options_ihl15", test_ipv4_options_ihl15);
	run("ipv4_options_cut", test_ipv4_options_cut);
	run("ipv4_first_fragment", test_ipv4_first_fragment);
	run("ipv4_later_fragment", test_ipv4_later_fragment);
	run("ipv4_fragment_offset_max", test_ipv4_fragment_offset_max);
	run("ipv4_ihl_below_5", test_ipv4_ihl_below_5);
	run("ipv4_total_below_ihl", test_ipv4_total_below_ihl);
	run("ipv4_version_mismatch", test_ipv4_version_mismatch);
	run("ipv4_trailing_padding_ignored", test_ipv4_trailing_padding_ignored);
	run("ipv6_ext_chain", test_ipv6_ext_chain);
	run("ipv6_ah", test_ipv6_ah);
	run("ipv6_ext_depth_8", test_ipv6_ext_depth_8);
	run("ipv6_ext_depth_9", test_ipv6_ext_depth_9);
	run("ipv6_ext_past_payload", test_ipv6_ext_past_payload);
	run("ipv6_ext_cut_by_capture", test_ipv6_ext_cut_by_capture);
	run("ipv6_later_fragment", test_ipv6_later_fragment);
	run("ipv6_first_fragment", test_ipv6_first_fragment);
	run("ipv6_version_mismatch", test_ipv6_version_mismatch);
	run("ipv6_header_cut", test_ipv6_header_cut);
	run("udp_len_below_8", test_udp_len_below_8);
	run("udp_ports_only", test_udp_ports_only);
	run("udp_not_dns_port", test_udp_not_dns_port);
	run("dns_query", test_dns_query);
	run("dns_answers", test_dns_answers);
	run("dns_tcp", test_dns_tcp);
	run("dns_tcp_not", test_dns_tcp_not);
	run("dns_response", test_dns_response);
	run("dns_root", test_dns_root);
	run("dns_pointer", test_dns_pointer);
	run("dns_pointer_loop_self", test_dns_pointer_loop_self);
	run("dns_pointer_loop_label", test_dns_pointer_loop_label);
	run("dns_pointer_loop_pair", test_dns_pointer_loop_pair);
	run("dns_name_past_message", test_dns_name_past_message);
	run("dns_label_63", test_dns_label_63);
	run("dns_label_type_bits", test_dns_label_type_bits);
	run("dns_name_253", test_dns_name_253);
	run("dns_name_too_long", test_dns_name_too_long);
	run("dns_name_256_short_labels", test_dns_name_256_short_labels);
	run("dns_name_cut", test_dns_name_cut);
	run("dns_qtype_cut", test_dns_qtype_cut);
	run("dns_mdns_5353", test_dns_mdns_5353);
	run("dns_no_question", test_dns_no_question);
	run("dns_header_cut", test_dns_header_cut);
	run("http_get_host_case", test_http_get_host_case);
	run("http_host_ows", test_http_host_ows);
	run("http_host_lf_only", test_http_host_lf_only);
	run("http_post", test_http_post);
	run("http_10_no_host", test_http_10_no_host);
	run("http_host_in_body", test_http_host_in_body);
	run("http_host_prefix_header", test_http_host_prefix_header);
	run("http_no_version", test_http_no_version);
	run("http_non_method", test_http_non_method);
	run("http_long_uri", test_http_long_uri);
	run("http_names_at_bounds", test_http_names_at_bounds);
	run("tls_sni_past_record", test_tls_sni_past_record);
	run("tls_client_hello", test_tls_client_hello);
	run("tls_client_hello_cut", test_tls_client_hello_cut);
	run("tls_client_hello_cut_in_sni", test_tls_client_hello_cut_in_sni);
	run("tls_bad_ext_len", test_tls_bad_ext_len);
	run("tls_not_client_hello", test_tls_not_client_hello);
	run("tcp_ports_only", test_tcp_ports_only);
	run("tcp_ports_only_by_ip_len", test_tcp_ports_only_by_ip_len);
	run("tcp_three_bytes", test_tcp_three_bytes);
	run("tcp_doff_below_5", test_tcp_doff_below_5);
	run("tcp_bad_option_len", test_tcp_bad_option_len);
	run("tcp_options_cut", test_tcp_options_cut);
	run("tcp_all_flags", test_tcp_all_flags);
	run("icmp", test_icmp);
	run("icmp_echo", test_icmp_echo);
	run("icmpv6", test_icmpv6);
	run("icmpv6_after_hbh", test_icmpv6_after_hbh);
	run("icmp_wrong_family", test_icmp_wrong_family);
	run("sctp", test_sctp);
	run("sll_v1", test_sll_v1);
	run("sll_v2", test_sll_v2);
	run("short_frames", test_short_frames);
	run("wire_len_gt_caplen", test_wire_len_gt_caplen);
	run("caplen_gt_window", test_caplen_gt_window);
	run("unknown_ethertype", test_unknown_ethertype);
	run("l3_raw", test_l3_raw);
	run("l3_raw_not_ip", test_l3_raw_not_ip);
	run("l3_null_loop", test_l3_null_loop);
	run("l3_null_cut", test_l3_null_cut);
	run("determinism", test_determinism);

	return check_summary("test_parser");
}
