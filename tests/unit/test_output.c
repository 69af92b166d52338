/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit test for src/output/output.c: hand-filled records, exact output lines.
 *
 *   clang -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *         -Isrc src/output/output.c src/output/json.c tests/unit/test_output.c \
 *         -o build/test_output
 *
 * Prints "PASS name" / "FAIL name" per check; exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/flow_output.h"
#include "output/output.h"
#include "check.h"

static void expect(const char *name, const char *got, const char *want)
{
	if (got && strcmp(got, want) == 0) {
		check_result(name, 1, NULL);
		return;
	}
	/* the whole outputs, on lines of their own */
	check_result(name, 0, NULL);
	printf("  got:  %s  want: %s", got ? got : "(null)\n", want);
}

static void expect_true(const char *name, int cond)
{
	check_result(name, cond, NULL);
}

static void expect_has(const char *name, const char *got, const char *needle)
{
	expect_true(name, got && strstr(got, needle) != NULL);
}

typedef void (*printer)(struct pl_out *, const struct pl_meta *, const struct pl_pkt *);

/* Runs one printer into a malloc'd string (caller frees), through a
 * writer of the smallest size, exactly allocated so ASan sees overruns. */
static char *render(printer fn, const struct pl_meta *m, const struct pl_pkt *p)
{
	char *buf = NULL, *wbuf = malloc(PL_OUT_BUF_MIN);
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pl_out o;

	if (!f || !wbuf) {
		perror("open_memstream");
		exit(2);
	}
	pl_out_init_file(&o, f, wbuf, PL_OUT_BUF_MIN);
	fn(&o, m, p);
	if (pl_out_flush(&o)) {
		fprintf(stderr, "render: the writer failed\n");
		exit(2);
	}
	fclose(f);
	free(wbuf);
	return buf;
}

static void check(const char *name, printer fn, const struct pl_meta *m, const struct pl_pkt *p,
		  const char *want)
{
	char *got = render(fn, m, p);

	expect(name, got, want);
	free(got);
}

static void set4(__u8 *dst, __u8 a, __u8 b, __u8 c, __u8 d)
{
	dst[0] = a;
	dst[1] = b;
	dst[2] = c;
	dst[3] = d;
}

/* Ethernet + IPv4 198.18.0.2 -> 198.18.1.1, TTL 64. */
static void base_ip4(struct pl_pkt *p, __u8 proto)
{
	static const __u8 src[6] = { 0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff };
	static const __u8 dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	memset(p, 0, sizeof(*p));
	p->present = PL_HAS_ETH | PL_HAS_IP4;
	p->frame_len = 74;
	memcpy(p->eth_src, src, 6);
	memcpy(p->eth_dst, dst, 6);
	p->eth_type = 0x0800;
	set4(p->ip_src, 198, 18, 0, 2);
	set4(p->ip_dst, 198, 18, 1, 1);
	p->ip_ttl = 64;
	p->ip_proto = proto;
	p->l4_proto = proto;
	p->ip_dscp = 10;
	p->ip_ecn = 2;
	p->ip_id = 0x1234;
	p->ip_df = 1;
	p->ip_hdr_len = 20;
	p->ip_len = 60;
}

#define ETH_JSON "\"eth.src\":\"aa:bb:cc:0d:ee:ff\",\"eth.dst\":\"02:00:00:00:00:02\""
#define IP4_JSON                                                      \
	"\"ip.version\":4,\"ip.src\":\"198.18.0.2\","                 \
	"\"ip.dst\":\"198.18.1.1\",\"ip.ttl\":64,\"ip.proto\":%d,"    \
	"\"ip.dsfield.dscp\":10,\"ip.dsfield.ecn\":2,\"ip.id\":4660," \
	"\"ip.flags.df\":true,\"ip.flags.mf\":false,"                 \
	"\"ip.frag_offset\":0,\"ip.hdr_len\":20,\"ip.len\":60"

static const struct pl_meta meta_live = {
	.ts_epoch_ns = 1700000000000001234ull, /* 22:13:20 UTC */
	.ifname = "veth1",
};
static const struct pl_meta meta_read = {
	.ts_epoch_ns = 1700000000000000000ull,
	.frame_number = 7,
};

static void test_tcp_tls(void)
{
	struct pl_pkt p;
	char want[2048];

	base_ip4(&p, 6);
	p.present |= PL_HAS_TCP | PL_HAS_TCP_MSS | PL_HAS_TCP_WSCALE | PL_HAS_TCP_SACK_PERM |
		     PL_HAS_TCP_TS | PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN;
	p.sport = 41234;
	p.dport = 443;
	p.tcp_seq = 1;
	p.tcp_flags = 0x002;
	p.tcp_window = 64240;
	p.tcp_hdr_len = 40;
	p.tcp_mss = 1460;
	p.tcp_wscale = 7;
	p.tcp_tsval = 123;
	p.tcp_tsecr = 456;
	p.l7.tls.version = 0x0303;
	p.l7.tls.n_versions = 2;
	p.l7.tls.versions[0] = 0x0304;
	p.l7.tls.versions[1] = 0x0303;
	memcpy(p.l7.tls.sni, "a.example", 9);
	p.l7.tls.sni_len = 9;
	memcpy(p.l7.tls.alpn, "\x02h2\x08http/1.1", 12);
	p.l7.tls.alpn_len = 12;

	snprintf(want, sizeof(want),
		 "{\"frame.time_epoch\":1700000000.000001234,\"frame.len\":74,"
		 "\"pktlens.ifname\":\"veth1\"," ETH_JSON ",\"eth.type\":2048," IP4_JSON
		 ",\"tcp.srcport\":41234,\"tcp.dstport\":443,"
		 "\"tcp.seq_raw\":1,\"tcp.ack_raw\":0,\"tcp.flags\":2,"
		 "\"tcp.window_size_value\":64240,\"tcp.hdr_len\":40,"
		 "\"tcp.options.mss_val\":1460,"
		 "\"tcp.options.wscale.shift\":7,"
		 "\"tcp.options.sack_perm\":true,"
		 "\"tcp.options.timestamp.tsval\":123,"
		 "\"tcp.options.timestamp.tsecr\":456,"
		 "\"tls.handshake.version\":771,"
		 "\"tls.handshake.extensions.supported_version\":[772,771],"
		 "\"tls.handshake.extensions_server_name\":\"a.example\","
		 "\"tls.handshake.extensions_alpn_str\":"
		 "[\"h2\",\"http/1.1\"]}\n",
		 6);
	check("json_tcp_tls", pl_write_json, &meta_live, &p, want);
	check("text_tcp_tls", pl_write_text, &meta_live, &p,
	      "22:13:20.000001 veth1 198.18.0.2.41234 > 198.18.1.1.443: "
	      "TCP [S] seq 1 win 64240 mss 1460 ws 7 sackOK ts 123 456 "
	      "ttl 64 | tls sni=a.example alpn=h2,http/1.1 ver=0x0303\n");

	/* SYN-ACK: tcpdump's "[S.]" and the ack number */
	p.present &= ~(__u32)(PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN | PL_HAS_TCP_TS |
			      PL_HAS_TCP_SACK_PERM);
	p.tcp_flags = 0x012;
	p.tcp_ack = 2;
	check("text_tcp_synack", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.41234 > 198.18.1.1.443: TCP [S.] "
	      "seq 1 ack 2 win 64240 mss 1460 ws 7 ttl 64\n");
}

static void test_tcp_flags_text(void)
{
	static const struct {
		unsigned int flags;
		const char *want;
	} cases[] = {
		{ 0x000, "[none]" }, { 0x019, "[FP.]" }, { 0x0c2, "[SEW]" },
		{ 0x004, "[R]" },    { 0x030, "[.U]" },	 { 0x100, "[e]" },
	};
	struct pl_pkt p;
	char want[256], name[64];
	size_t i;

	base_ip4(&p, 6);
	p.present |= PL_HAS_TCP;
	p.sport = 1;
	p.dport = 2;
	p.tcp_window = 3;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.tcp_flags = (__u16)cases[i].flags;
		snprintf(want, sizeof(want),
			 "22:13:20.000000 198.18.0.2.1 > 198.18.1.1.2: TCP %s "
			 "seq 0%s win 3 ttl 64\n",
			 cases[i].want, cases[i].flags & 0x010 ? " ack 0" : "");
		snprintf(name, sizeof(name), "text_tcp_flags_%#x", cases[i].flags);
		check(name, pl_write_text, &meta_read, &p, want);
	}
}

static void test_ip6_dns(void)
{
	static const __u8 src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const __u8 dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [9] = 1, [15] = 0x53 };
	struct pl_pkt p;

	base_ip4(&p, 0);
	p.present = PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_UDP | PL_HAS_DNS |
		    PL_HAS_DNS_QRY | PL_HAS_DNS_QTYPE;
	p.frame_len = 110;
	p.eth_type = 0x86dd;
	p.n_vlan = 2;
	p.vlan_id[0] = 10;
	p.vlan_id[1] = 20;
	memcpy(p.ip_src, src, 16);
	memcpy(p.ip_dst, dst, 16);
	p.ip_proto = 0;
	p.l4_proto = 17;
	p.ip6_flow = 0x12345;
	p.ip6_n_ext = 1;
	p.ip6_ext[0] = 0;
	p.sport = 53;
	p.dport = 5353;
	p.udp_len = 40;
	p.l7.dns.id = 0xabcd;
	p.l7.dns.flags = 0x8183;
	p.l7.dns.qtype = 28;
	memcpy(p.l7.dns.name, "www.example", 11);
	p.l7.dns.name_len = 11;

	check("json_ip6_dns", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":110,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":34525,"
	      "\"vlan.id\":[10,20],\"ipv6.src\":\"2001:db8::1\","
	      "\"ipv6.dst\":\"2001:db8::1:0:0:53\",\"ipv6.hlim\":64,"
	      "\"ipv6.nxt\":0,\"ipv6.flow\":74565,\"pktlens.l4proto\":17,"
	      "\"pktlens.ip6_ext\":[0],\"udp.srcport\":53,"
	      "\"udp.dstport\":5353,\"udp.length\":40,\"dns.id\":43981,"
	      "\"dns.flags.response\":true,\"dns.flags.rcode\":3,"
	      "\"dns.qry.name\":\"www.example\",\"dns.qry.type\":28,"
	      "\"dns.count.answers\":0}\n");
	check("text_ip6_dns", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 vlan 10,20 2001:db8::1.53 > "
	      "2001:db8::1:0:0:53.5353: UDP len 40 hlim 64 | dns id=43981 "
	      "resp q=www.example type=AAAA(28) rcode=NXDOMAIN an=0\n");

	/* answers and a matched response's time */
	p.l7.dns.flags = 0x8180;
	p.l7.dns.ancount = 3;
	p.l7.dns.n_a = 2;
	set4(p.l7.dns.a[0], 198, 18, 0, 10);
	set4(p.l7.dns.a[1], 198, 18, 0, 11);
	p.l7.dns.n_aaaa = 1;
	memcpy(p.l7.dns.aaaa[0], src, 16);
	p.l7.dns.time_ns = 1234567;
	check("json_dns_answers", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":110,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":34525,"
	      "\"vlan.id\":[10,20],\"ipv6.src\":\"2001:db8::1\","
	      "\"ipv6.dst\":\"2001:db8::1:0:0:53\",\"ipv6.hlim\":64,"
	      "\"ipv6.nxt\":0,\"ipv6.flow\":74565,\"pktlens.l4proto\":17,"
	      "\"pktlens.ip6_ext\":[0],\"udp.srcport\":53,"
	      "\"udp.dstport\":5353,\"udp.length\":40,\"dns.id\":43981,"
	      "\"dns.flags.response\":true,\"dns.flags.rcode\":0,"
	      "\"dns.qry.name\":\"www.example\",\"dns.qry.type\":28,"
	      "\"dns.count.answers\":3,\"dns.a\":[\"198.18.0.10\",\"198.18.0.11\"],"
	      "\"dns.aaaa\":[\"2001:db8::1\"],\"dns.time\":0.001234567}\n");
	check("text_dns_answers", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 vlan 10,20 2001:db8::1.53 > "
	      "2001:db8::1:0:0:53.5353: UDP len 40 hlim 64 | dns id=43981 "
	      "resp q=www.example type=AAAA(28) rcode=NOERROR an=3 "
	      "a=198.18.0.10,198.18.0.11 aaaa=2001:db8::1 time=0.001235\n");
	/* counts past the arrays' size are clamped */
	p.l7.dns.n_a = 200;
	p.l7.dns.n_aaaa = 0;
	p.l7.dns.time_ns = 0;
	check("text_dns_answers_clamped", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 vlan 10,20 2001:db8::1.53 > "
	      "2001:db8::1:0:0:53.5353: UDP len 40 hlim 64 | dns id=43981 "
	      "resp q=www.example type=AAAA(28) rcode=NOERROR an=3 "
	      "a=198.18.0.10,198.18.0.11,0.0.0.0,0.0.0.0\n");
	p.l7.dns.ancount = 0;
	p.l7.dns.n_a = 0;

	/* a query for the root, NS */
	p.l7.dns.flags = 0x0100;
	p.l7.dns.qtype = 2;
	memcpy(p.l7.dns.name, "<Root>", 6);
	p.l7.dns.name_len = 6;
	p.n_vlan = 0;
	p.ip6_n_ext = 0;
	p.present &= ~(__u32)PL_HAS_IP6_L4;
	check("json_dns_root_query", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":110,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":34525,"
	      "\"ipv6.src\":\"2001:db8::1\","
	      "\"ipv6.dst\":\"2001:db8::1:0:0:53\",\"ipv6.hlim\":64,"
	      "\"ipv6.nxt\":0,\"ipv6.flow\":74565,\"udp.srcport\":53,"
	      "\"udp.dstport\":5353,\"udp.length\":40,\"dns.id\":43981,"
	      "\"dns.flags.response\":false,"
	      "\"dns.qry.name\":\"<Root>\",\"dns.qry.type\":2,\"dns.count.answers\":0}\n");
	check("text_dns_root_query", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 2001:db8::1.53 > 2001:db8::1:0:0:53.5353: "
	      "UDP len 40 hlim 64 | dns id=43981 q=<Root> type=NS(2)\n");

	/* unknown qtype and rcode; no question */
	p.l7.dns.flags = 0x800b;
	p.l7.dns.qtype = 65280;
	check("text_dns_unknown_codes", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 2001:db8::1.53 > 2001:db8::1:0:0:53.5353: "
	      "UDP len 40 hlim 64 | dns id=43981 resp q=<Root> type=65280 "
	      "rcode=11 an=0\n");
	p.present &= ~(__u32)PL_HAS_DNS_QRY | PL_HAS_DNS_QTYPE;
	check("text_dns_no_question", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 2001:db8::1.53 > 2001:db8::1:0:0:53.5353: "
	      "UDP len 40 hlim 64 | dns id=43981 resp rcode=11 an=0\n");

	/* ICMPv6 echo request */
	p.present = PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_ICMP6;
	p.ip_proto = 58;
	p.l4_proto = 58;
	p.icmp_type = 128;
	check("json_icmp6", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":110,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":34525,"
	      "\"ipv6.src\":\"2001:db8::1\","
	      "\"ipv6.dst\":\"2001:db8::1:0:0:53\",\"ipv6.hlim\":64,"
	      "\"ipv6.nxt\":58,\"ipv6.flow\":74565,\"pktlens.l4proto\":58,"
	      "\"icmpv6.type\":128,\"icmpv6.code\":0}\n");
	check("text_icmp6", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 2001:db8::1 > 2001:db8::1:0:0:53: "
	      "ICMP6 type 128 code 0 hlim 64\n");
}

static void test_arp(void)
{
	struct pl_pkt p;

	base_ip4(&p, 0);
	p.present = PL_HAS_ETH | PL_HAS_ARP | PL_HAS_ARP_ADDRS;
	p.frame_len = 42;
	p.eth_type = 0x0806;
	p.arp_opcode = 1;
	set4(p.arp_spa, 198, 18, 0, 1);
	set4(p.arp_tpa, 198, 18, 0, 2);
	check("json_arp", pl_write_json, &meta_live, &p,
	      "{\"frame.time_epoch\":1700000000.000001234,\"frame.len\":42,"
	      "\"pktlens.ifname\":\"veth1\"," ETH_JSON ",\"eth.type\":2054,"
	      "\"arp.opcode\":1,\"arp.src.proto_ipv4\":\"198.18.0.1\","
	      "\"arp.dst.proto_ipv4\":\"198.18.0.2\"}\n");
	check("text_arp_request", pl_write_text, &meta_live, &p,
	      "22:13:20.000001 veth1 ARP request who-has 198.18.0.2 tell "
	      "198.18.0.1\n");
	p.arp_opcode = 2;
	check("text_arp_reply", pl_write_text, &meta_live, &p,
	      "22:13:20.000001 veth1 ARP reply 198.18.0.1\n");
	p.arp_opcode = 3;
	check("text_arp_other", pl_write_text, &meta_live, &p,
	      "22:13:20.000001 veth1 ARP opcode 3 198.18.0.1 > 198.18.0.2\n");
	/* other sizes: the opcode alone */
	p.present &= ~(__u32)PL_HAS_ARP_ADDRS;
	check("json_arp_opcode_only", pl_write_json, &meta_live, &p,
	      "{\"frame.time_epoch\":1700000000.000001234,\"frame.len\":42,"
	      "\"pktlens.ifname\":\"veth1\"," ETH_JSON ",\"eth.type\":2054,"
	      "\"arp.opcode\":3}\n");
	check("text_arp_opcode_only", pl_write_text, &meta_live, &p,
	      "22:13:20.000001 veth1 ARP opcode 3\n");
}

static void test_sll_icmp(void)
{
	struct pl_pkt p;
	char want[1024];

	base_ip4(&p, 1);
	p.present = PL_HAS_SLL | PL_HAS_IP4 | PL_HAS_ICMP;
	p.icmp_type = 8;
	snprintf(want, sizeof(want),
		 "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":74,"
		 "\"frame.number\":7,\"sll.etype\":2048," IP4_JSON ",\"icmp.type\":8,\"icmp.code\":"
								   "0}\n",
		 1);
	check("json_sll_icmp", pl_write_json, &meta_read, &p, want);
	check("text_sll_icmp", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2 > 198.18.1.1: ICMP type 8 code 0 "
	      "ttl 64\n");
}

static void test_ports_only_and_flags(void)
{
	struct pl_pkt p;

	base_ip4(&p, 6);
	p.present |= PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY;
	p.sport = 1000;
	p.dport = 80;
	p.tcp_seq = 99; /* must not be printed */
	p.truncated = 1;
	check("json_tcp_ports_only", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":74,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":2048,"
	      "\"ip.version\":4,\"ip.src\":\"198.18.0.2\","
	      "\"ip.dst\":\"198.18.1.1\",\"ip.ttl\":64,\"ip.proto\":6,"
	      "\"ip.dsfield.dscp\":10,\"ip.dsfield.ecn\":2,\"ip.id\":4660,"
	      "\"ip.flags.df\":true,\"ip.flags.mf\":false,"
	      "\"ip.frag_offset\":0,\"ip.hdr_len\":20,\"ip.len\":60,"
	      "\"tcp.srcport\":1000,\"tcp.dstport\":80,"
	      "\"pktlens.truncated\":true}\n");
	check("text_tcp_ports_only", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.1000 > 198.18.1.1.80: TCP ttl 64 "
	      "[truncated]\n");

	p.present = PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_UDP | PL_HAS_L4_PORTS_ONLY;
	p.ip_proto = 17;
	p.udp_len = 77;
	check("text_udp_ports_only", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.1000 > 198.18.1.1.80: UDP ttl 64 "
	      "[truncated]\n");

	/* UDP length < 8: both flags */
	p.present &= ~(__u32)PL_HAS_L4_PORTS_ONLY;
	p.udp_len = 4;
	p.malformed = PL_MAL_UDP_LEN;
	check("text_udp_malformed", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.1000 > 198.18.1.1.80: UDP len 4 "
	      "ttl 64 [truncated] [malformed: udp.length < 8]\n");

	/* SCTP */
	p.present = PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_SCTP;
	p.truncated = 0;
	p.malformed = 0;
	check("text_sctp", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.1000 > 198.18.1.1.80: SCTP ttl 64\n");
}

static void test_ip4_special(void)
{
	struct pl_pkt p;

	/* IHL < 5: only version and header length */
	base_ip4(&p, 6);
	p.present |= PL_HAS_IP4_HDR_ONLY;
	p.ip_hdr_len = 8;
	p.malformed = PL_MAL_IP4_HDR_LEN;
	check("json_ip4_hdr_only", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":74,"
	      "\"frame.number\":7," ETH_JSON ",\"eth.type\":2048,"
	      "\"ip.version\":4,\"ip.hdr_len\":8,"
	      "\"pktlens.malformed\":\"ip.hdr_len < 20\"}\n");
	check("text_ip4_hdr_only", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 IP hdr_len 8 [malformed: ip.hdr_len < 20]\n");

	/* a later fragment: no L4 */
	base_ip4(&p, 17);
	p.ip_frag_offset = 185;
	p.ip_mf = 1;
	check("text_ip4_fragment", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2 > 198.18.1.1: proto 17 frag 1480+ "
	      "ttl 64\n");

	/* version mismatch: Ethernet only */
	base_ip4(&p, 0);
	p.present = PL_HAS_ETH;
	p.malformed = PL_MAL_IP_VERSION;
	check("text_ip_version", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 ethertype 0x0800 [malformed: ip version does "
	      "not match ethertype]\n");

	/* non-IP EtherType; nothing decoded at all */
	p.malformed = 0;
	p.eth_type = 0x88cc;
	check("text_ethertype", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 ethertype 0x88cc\n");
	p.present = 0;
	p.truncated = 1;
	check("json_nothing", pl_write_json, &meta_read, &p,
	      "{\"frame.time_epoch\":1700000000.000000000,\"frame.len\":74,"
	      "\"frame.number\":7,\"pktlens.truncated\":true}\n");
	check("text_nothing", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 len 74 [truncated]\n");
}

/* A decrypted QUIC client Initial: its header, then the hello's keys; an
 * overlong CID length is clamped. */
static void test_quic(void)
{
	struct pl_pkt p;
	char *got;

	base_ip4(&p, 17);
	p.present |= PL_HAS_UDP | PL_HAS_QUIC | PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN;
	p.sport = 41234;
	p.dport = 443;
	p.udp_len = 1208;
	p.l7.tls.quic.version = 1;
	p.l7.tls.quic.dcid_len = 4;
	memcpy(p.l7.tls.quic.dcid, "\x83\x94\xc8\xf0", 4);
	p.l7.tls.quic.scid_len = 1;
	p.l7.tls.quic.scid[0] = 0x0a;
	p.l7.tls.quic.length = 1182;
	p.l4_payload_off = 42;
	p.l7.tls.quic.payload_off = 42 + 18;
	p.l7.tls.hs_type = 1;
	p.l7.tls.version = 0x0303;
	memcpy(p.l7.tls.sni, "q.example", 9);
	p.l7.tls.sni_len = 9;
	memcpy(p.l7.tls.alpn, "\x02h3", 3);
	p.l7.tls.alpn_len = 3;
	got = render(pl_write_json, &meta_live, &p);
	expect_has("json_quic", got,
		   "\"quic.version\":1,\"quic.long.packet_type\":0,\"quic.dcid\":\"8394c8f0\","
		   "\"quic.scid\":\"0a\",\"quic.packet_length\":1200,\"tls.handshake.type\":1,"
		   "\"tls.handshake.version\":771,"
		   "\"tls.handshake.extensions_server_name\":\"q.example\","
		   "\"tls.handshake.extensions_alpn_str\":[\"h3\"]}\n");
	free(got);
	got = render(pl_write_text, &meta_live, &p);
	expect_has("text_quic", got,
		   " | quic Initial v1 dcid=8394c8f0 scid=0a sni=q.example alpn=h3 ver=0x0303\n");
	free(got);
	p.present &= ~(__u32)(PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN);
	p.l7.tls.quic.version = 0x6b3343cf;
	p.l7.tls.quic.type = 1;
	p.l7.tls.quic.dcid_len = 200;
	got = render(pl_write_json, &meta_live, &p);
	expect_has("json_quic_v2", got, "\"quic.long.packet_type_v2\":1,");
	expect_has("json_quic_cid_clamp", got, "\"quic.dcid\":\"8394c8f0000000000000000000000000"
					       "00000000\",");
	free(got);
	got = render(pl_write_text, &meta_live, &p);
	expect_has("text_quic_v2", got, " | quic Initial v2 dcid=8394c8f0");
	free(got);
}

static void test_malformed_names(void)
{
	static const char *const reasons[PL_MAL__COUNT] = {
		[PL_MAL_IP4_HDR_LEN] = "ip.hdr_len < 20",
		[PL_MAL_IP4_TOTAL_LEN] = "ip.len < ip.hdr_len",
		[PL_MAL_IP6_EXT_LEN] = "ipv6 extension header past payload",
		[PL_MAL_IP6_EXT_DEPTH] = "too many ipv6 extension headers",
		[PL_MAL_TCP_HDR_LEN] = "tcp.hdr_len < 20",
		[PL_MAL_TCP_OPT] = "bad tcp option length",
		[PL_MAL_UDP_LEN] = "udp.length < 8",
		[PL_MAL_DNS_NAME] = "bad dns name",
		[PL_MAL_TLS_RECORD] = "bad tls clienthello lengths",
		[PL_MAL_ARP] = "unsupported arp sizes",
		[PL_MAL_IP_VERSION] = "ip version does not match ethertype",
		[PL_MAL_PAST_LENGTH] = "header past the ip/udp length",
		[PL_MAL_MPLS_DEPTH] = "mpls stack deeper than 8",
		[PL_MAL_GRE] = "gre version or flags not decoded",
		[PL_MAL_GENEVE] = "bad geneve version or options length",
		[PL_MAL_QUIC_HDR] = "bad quic long header lengths",
		[PL_MAL_QUIC_DECRYPT] = "quic initial decryption failed",
		[PL_MAL_QUIC_CRYPTO] = "bad quic initial frames",
	};
	struct pl_pkt p;
	char want[256], name[64];
	int m;

	memset(&p, 0, sizeof(p));
	p.frame_len = 1;
	for (m = 1; m <= PL_MAL__COUNT; m++) {
		p.malformed = (__u8)m;
		snprintf(want, sizeof(want),
			 "{\"frame.time_epoch\":1700000000.000000000,"
			 "\"frame.len\":1,\"frame.number\":7,"
			 "\"pktlens.malformed\":\"%s\"}\n",
			 m < PL_MAL__COUNT ? reasons[m] : "unknown");
		snprintf(name, sizeof(name), "json_malformed_%d", m);
		check(name, pl_write_json, &meta_read, &p, want);
	}
}

/* A GET of uri[0, ulen) with Host host[0, hlen), 198.18.0.2.5 > .80 */
static void http_get(struct pl_pkt *p, const char *uri, size_t ulen, const char *host, size_t hlen)
{
	base_ip4(p, 6);
	p->present |= PL_HAS_TCP | PL_HAS_HTTP | PL_HAS_HTTP_HOST;
	p->sport = 5;
	p->dport = 80;
	memcpy(p->l7.http.method, "GET", 3);
	p->l7.http.method_len = 3;
	memcpy(p->l7.http.uri, uri, ulen);
	p->l7.http.uri_len = (__u16)ulen;
	memcpy(p->l7.http.host, host, hlen);
	p->l7.http.host_len = (__u8)hlen;
}

static void test_escaping(void)
{
	static const struct pl_meta meta = {
		.ts_epoch_ns = 5,
		.ifname = "e\x1b\"",
	};
	struct pl_pkt p;
	char *got;

	http_get(&p, "/a\"b\\c\x01\xff~\x7f", 10, "h\n", 2);
	p.tcp_flags = 0x018;
	/* text: \xNN for unprintables, \\ for a backslash, and quotes
	 * (with \" inside) around a value holding a '"' */
	check("text_http_escaped", pl_write_text, &meta, &p,
	      "00:00:00.000000 \"e\\x1b\\\"\" 198.18.0.2.5 > 198.18.1.1.80: TCP "
	      "[P.] seq 0 ack 0 win 0 ttl 64 | http GET "
	      "\"/a\\\"b\\\\c\\x01\\xff~\\x7f\" host=h\\x0a\n");

	got = render(pl_write_json, &meta, &p);
	expect_has("json_time_small", got, "{\"frame.time_epoch\":0.000000005,\"frame.len\":74,");
	expect_has("json_ifname_escaped", got, "\"pktlens.ifname\":\"e\\u001b\\\"\"");
	expect_has("json_http_escaped", got,
		   ",\"http.request.method\":\"GET\",\"http.request.uri\":"
		   "\"/a\\\"b\\\\c\\u0001\\u00ff~\\u007f\","
		   "\"http.host\":\"h\\u000a\"}\n");
	free(got);

	/* a NUL inside a counted string is data, not a terminator */
	memcpy(p.l7.http.uri, "/\0x", 3);
	p.l7.http.uri_len = 3;
	p.present &= ~(__u32)PL_HAS_HTTP_HOST;
	got = render(pl_write_json, &meta, &p);
	expect_has("json_http_nul", got, "\"http.request.uri\":\"/\\u0000x\"}\n");
	free(got);
}

/* A TLS ClientHello record with `sni` and the raw ALPN list alpn[0, alen). */
static void tls_names(struct pl_pkt *p, const char *sni, const char *alpn, size_t alen)
{
	base_ip4(p, 6);
	p->present |= PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY | PL_HAS_TLS | PL_HAS_TLS_SNI;
	p->sport = 5;
	p->dport = 443;
	p->l7.tls.version = 0x0303;
	p->l7.tls.sni_len = (__u16)strlen(sni);
	memcpy(p->l7.tls.sni, sni, p->l7.tls.sni_len);
	if (alen) {
		p->present |= PL_HAS_TLS_ALPN;
		memcpy(p->l7.tls.alpn, alpn, alen);
		p->l7.tls.alpn_len = (__u16)alen;
	}
}

#define TLS_LINE "22:13:20.000000 198.18.0.2.5 > 198.18.1.1.443: TCP ttl 64 | tls "

/* Names from a packet cannot forge fields of the text line (issue 14,
 * item 8): a value with a space, '|' or '"' is quoted, an ALPN name with
 * a ',' too; ordinary names, '=' and ',' included, print as they are. */
static void test_text_spoof(void)
{
	static const struct pl_meta odd_if = { .ts_epoch_ns = 5, .ifname = "a|b" };
	struct pl_pkt p;

	tls_names(&p, "x alpn=h2 | http GET /admin host=bank.example", "\x02h2", 3);
	check("text_sni_spoof_quoted", pl_write_text, &meta_read, &p,
	      TLS_LINE "sni=\"x alpn=h2 | http GET /admin host=bank.example\" alpn=h2 "
		       "ver=0x0303\n");
	tls_names(&p, "a|b\"c",
		  "\x05h2,h3\x03"
		  "a b\x00\x02h2",
		  14);
	check("text_alpn_items_quoted", pl_write_text, &meta_read, &p,
	      TLS_LINE "sni=\"a|b\\\"c\" alpn=\"h2,h3\",\"a b\",\"\",h2 ver=0x0303\n");
	tls_names(&p, "", "", 0);
	check("text_sni_empty_quoted", pl_write_text, &meta_read, &p,
	      TLS_LINE "sni=\"\" ver=0x0303\n");
	tls_names(&p, "esc\\x1b\x1b\xc3\xa9", "", 0);
	check("text_sni_backslash_and_bytes", pl_write_text, &meta_read, &p,
	      TLS_LINE "sni=esc\\\\x1b\\x1b\\xc3\\xa9 ver=0x0303\n");
	tls_names(&p, "www.golden.test", "\x02h2\x08http/1.1", 12);
	check("text_sni_ordinary", pl_write_text, &meta_read, &p,
	      TLS_LINE "sni=www.golden.test alpn=h2,http/1.1 ver=0x0303\n");

	/* DNS and HTTP */
	base_ip4(&p, 17);
	p.present |= PL_HAS_UDP | PL_HAS_L4_PORTS_ONLY | PL_HAS_DNS | PL_HAS_DNS_QRY;
	p.sport = 5;
	p.dport = 53;
	memcpy(p.l7.dns.name, "a b.type=AAAA(28)", 17);
	p.l7.dns.name_len = 17;
	check("text_dns_name_quoted", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.5 > 198.18.1.1.53: UDP ttl 64 | dns id=0 "
	      "q=\"a b.type=AAAA(28)\"\n");
	http_get(&p, "/q?a=1,2&b", 10, "h.test | tls sni=x", 18);
	p.present |= PL_HAS_L4_PORTS_ONLY;
	check("text_http_host_quoted_uri_bare", pl_write_text, &odd_if, &p,
	      "00:00:00.000000 \"a|b\" 198.18.0.2.5 > 198.18.1.1.80: TCP ttl 64 | http GET "
	      "/q?a=1,2&b host=\"h.test | tls sni=x\"\n");
}

/* An IPv4 flow from 198.18.0.2 to 198.18.d3.d4, TTL 64. */
static void flow_of(struct pl_flow *fl, uint8_t proto, uint16_t sport, uint8_t d3, uint8_t d4,
		    uint16_t dport, uint64_t packets, uint64_t bytes)
{
	memset(fl, 0, sizeof(*fl));
	fl->key.ip_ver = 4;
	fl->key.proto = proto;
	set4(fl->key.src, 198, 18, 0, 2);
	set4(fl->key.dst, 198, 18, d3, d4);
	fl->key.sport = sport;
	fl->key.dport = dport;
	fl->val.packets = packets;
	fl->val.bytes = bytes;
	fl->val.ttl_min = fl->val.ttl_max = 64;
}

/* A flow's text line: the interface and the L7 name by the same rule. */
static void test_flow_text_spoof(void)
{
	char *buf = NULL, wbuf[PL_OUT_BUF_MIN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pl_flow fl;
	struct pl_out o;

	flow_of(&fl, 17, 5, 1, 1, 53, 1, 80);
	fl.name.kind = PL_NAME_DNS;
	strcpy(fl.name.name, "x | tls sni=bank.example");
	pl_out_init_file(&o, f, wbuf, sizeof(wbuf));
	pl_write_flow_text(&o, &fl, PL_END_IDLE, 0, "e\x1b[0m");
	pl_out_flush(&o);
	fclose(f);
	expect("text_flow_name_quoted", buf,
	       "00:00:00.000000 e\\x1b[0m udp 198.18.0.2.5 > 198.18.1.1.53: 1 packet, 80 bytes, "
	       "0.000000 s, ttl 64, idle timeout | dns qry=\"x | tls sni=bank.example\"\n");
	free(buf);
}

/* --attribute: a flow's owner on its text line and in JSON; the pcapng
 * comment of a packet's, control bytes made '?'; nothing for no owner. */
static void test_flow_proc(void)
{
	char *buf = NULL, wbuf[PL_OUT_BUF_MIN], c[PL_PROC_COMMENT_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pl_flow fl;
	struct pl_out o;

	flow_of(&fl, 6, 40000, 0, 1, 8080, 2, 120);
	fl.proc.pid = 4242;
	strcpy(fl.proc.name, "python3");
	strcpy(fl.proc.exe, "/usr/bin/python3");
	strcpy(fl.proc.container, "5e2d");
	fl.proc.cgroup_id = 77;
	pl_out_init_file(&o, f, wbuf, sizeof(wbuf));
	pl_write_flow_text(&o, &fl, PL_END_IDLE, 0, NULL);
	pl_write_flow_json(&o, &fl, PL_END_IDLE, 0, NULL);
	pl_out_flush(&o);
	fclose(f);
	expect("flow_proc_text", strtok(buf, "\n"),
	       "00:00:00.000000 tcp 198.18.0.2.40000 > 198.18.0.1.8080: 2 packets, 120 bytes, "
	       "0.000000 s, flags [none], ttl 64, idle timeout | proc python3[4242] container 5e2d");
	expect("flow_proc_json", strstr(strtok(NULL, "\n"), "\"process.pid\""),
	       "\"process.pid\":4242,\"process.name\":\"python3\",\"process.executable\":"
	       "\"/usr/bin/python3\",\"container.id\":\"5e2d\",\"pktlens.cgroup_id\":77}");
	free(buf);

	strcpy(fl.proc.name, "a\nb");
	pl_proc_comment(&fl.proc, c, sizeof(c));
	expect("proc_comment", c,
	       "process.pid=4242; process.name=a?b; process.executable=/usr/bin/python3; "
	       "container.id=5e2d; pktlens.cgroup_id=77");
	memset(&fl.proc, 0, sizeof(fl.proc));
	fl.proc.cgroup_id = 9;
	pl_proc_comment(&fl.proc, c, sizeof(c));
	expect("proc_comment_cgroup_only", c, "pktlens.cgroup_id=9");
	fl.proc.cgroup_id = 0;
	pl_proc_comment(&fl.proc, c, sizeof(c));
	expect("proc_comment_none", c, "");
}

/* util/escape.h for messages: no quotes, cut with "..." to the buffer. */
static void test_escape_message(void)
{
	char buf[16], big[64];

	expect("escape_message_control", pl_escape_str(big, sizeof(big), "ip \x1b[2J\\ \xff\n"),
	       "ip \\x1b[2J\\ \\xff\\x0a");
	expect("escape_message_cut", pl_escape_str(buf, sizeof(buf), "0123456789abcdefgh"),
	       "0123456789ab...");
	expect_true("escape_message_cut_len", strlen(buf) == sizeof(buf) - 1);
	expect("escape_field_quoted", pl_escape(big, sizeof(big), "a \"b", 4, PL_ESC_FIELD),
	       "\"a \\\"b\"");
	expect("escape_field_bare", pl_escape(big, sizeof(big), "a=b,c", 5, PL_ESC_FIELD), "a=b,c");
}

static void test_alpn_bad(void)
{
	struct pl_pkt p;
	char *got;

	base_ip4(&p, 6);
	p.present |= PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY | PL_HAS_TLS | PL_HAS_TLS_ALPN;
	p.sport = 5;
	p.dport = 443;
	p.l7.tls.version = 0x0301;
	/* the second entry claims 9 bytes, 8 are left */
	memcpy(p.l7.tls.alpn, "\x02h2\x09http/1.1", 12);
	p.l7.tls.alpn_len = 12;
	got = render(pl_write_json, &meta_read, &p);
	expect_has("json_alpn_overlong", got,
		   ",\"tls.handshake.version\":769,"
		   "\"tls.handshake.extensions_alpn_str\":[\"h2\"]}\n");
	free(got);
	check("text_alpn_overlong", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.5 > 198.18.1.1.443: TCP ttl 64 | "
	      "tls alpn=h2 ver=0x0301\n");

	/* an empty entry is listed, as tshark does */
	memcpy(p.l7.tls.alpn, "\x00\x02h2", 4);
	p.l7.tls.alpn_len = 4;
	got = render(pl_write_json, &meta_read, &p);
	expect_has("json_alpn_zero", got, "\"tls.handshake.extensions_alpn_str\":[\"\",\"h2\"]}\n");
	free(got);

	/* no SNI, no ALPN */
	p.present &= ~(__u32)PL_HAS_TLS_ALPN;
	check("text_tls_bare", pl_write_text, &meta_read, &p,
	      "22:13:20.000000 198.18.0.2.5 > 198.18.1.1.443: TCP ttl 64 | "
	      "tls ver=0x0301\n");
}

/* n copies of c in buf (room for n + 1), returned for printf. */
static const char *fill(char *buf, int c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Counts and lengths far past their arrays, in an exactly-sized heap
 * block so ASan sees any read past the record. */
static void test_clamping(void)
{
	struct pl_pkt *p = malloc(sizeof(*p));
	char xs[PL_DNS_NAME_MAX + 1], want[PL_DNS_NAME_MAX + 64];
	char *got;
	size_t i;

	if (!p)
		exit(2);
	base_ip4(p, 17);
	p->present = PL_HAS_ETH | PL_HAS_IP6 | PL_HAS_UDP | PL_HAS_DNS | PL_HAS_DNS_QRY |
		     PL_HAS_DNS_QTYPE;
	p->n_vlan = 200;
	p->vlan_id[0] = 1;
	p->vlan_id[1] = 2;
	p->arp_opcode = 3; /* right after vlan_id[]: must not show */
	p->ip6_n_ext = 255;
	for (i = 0; i < PL_MAX_IP6_EXT; i++)
		p->ip6_ext[i] = 60;
	p->l7.dns.name_len = 60000;
	memset(p->l7.dns.name, 'x', PL_DNS_NAME_MAX);
	p->malformed = 200;

	got = render(pl_write_json, &meta_read, p);
	expect_has("json_clamp_vlan", got, "\"vlan.id\":[1,2],");
	expect_has("json_clamp_ip6_ext", got, "\"pktlens.ip6_ext\":[60,60,60,60,60,60,60,60],");
	snprintf(want, sizeof(want), "\"dns.qry.name\":\"%s\",", fill(xs, 'x', PL_DNS_NAME_MAX));
	expect_has("json_clamp_dns_name", got, want);
	expect_has("json_malformed_unknown", got, "\"pktlens.malformed\":\"unknown\"}\n");
	free(got);
	got = render(pl_write_text, &meta_read, p);
	expect_true("text_clamp_vlan", strncmp(got, "22:13:20.000000 vlan 1,2 ", 25) == 0);
	snprintf(want, sizeof(want), " q=%s type=0 [malformed: unknown]\n", xs);
	expect_has("text_clamp_dns_name", got, want);
	free(got);

	/* TLS: every length at its maximum, ALPN filling the whole array */
	p->present = PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_TLS | PL_HAS_TLS_SNI |
		     PL_HAS_TLS_ALPN;
	p->malformed = 0;
	p->l7.tls.sni_len = 60000;
	p->l7.tls.version = 0x0303;
	p->l7.tls.n_versions = 255;
	for (i = 0; i < PL_TLS_VERS_MAX; i++)
		p->l7.tls.versions[i] = 0x0304;
	p->l7.tls.alpn_len = 60000;
	memset(p->l7.tls.sni, 'y', PL_TLS_SNI_MAX);
	memset(p->l7.tls.alpn, 126, PL_TLS_ALPN_MAX); /* 127 + 1 = 128 */
	got = render(pl_write_json, &meta_read, p);
	expect_has("json_clamp_tls_versions", got,
		   "\"tls.handshake.extensions.supported_version\":"
		   "[772,772,772,772,772,772,772,772],");
	/* 256 SNI bytes; one ALPN name of 126 '~', the next runs past */
	snprintf(want, sizeof(want), "\"tls.handshake.extensions_server_name\":\"%s\",",
		 fill(xs, 'y', PL_TLS_SNI_MAX));
	expect_has("json_clamp_tls_sni", got, want);
	snprintf(want, sizeof(want), "\"tls.handshake.extensions_alpn_str\":[\"%s\"]}\n",
		 fill(xs, '~', 126));
	expect_has("json_clamp_tls_alpn", got, want);
	free(got);
	got = render(pl_write_text, &meta_read, p);
	snprintf(want, sizeof(want), " alpn=%s ver=0x0303\n", fill(xs, '~', 126));
	expect_has("text_clamp_tls", got, want);
	free(got);

	/* HTTP */
	p->present = PL_HAS_ETH | PL_HAS_IP4 | PL_HAS_TCP | PL_HAS_HTTP | PL_HAS_HTTP_HOST;
	p->l7.http.method_len = 255;
	p->l7.http.uri_len = 60000;
	p->l7.http.host_len = 255;
	memset(p->l7.http.method, 'M', PL_HTTP_METHOD_MAX);
	memset(p->l7.http.uri, 'u', PL_HTTP_URI_MAX);
	memset(p->l7.http.host, 'h', PL_HTTP_HOST_MAX);
	got = render(pl_write_json, &meta_read, p);
	snprintf(want, sizeof(want), "\"http.request.method\":\"%s\",",
		 fill(xs, 'M', PL_HTTP_METHOD_MAX));
	expect_has("json_clamp_http_method", got, want);
	snprintf(want, sizeof(want), "\"http.request.uri\":\"%s\",",
		 fill(xs, 'u', PL_HTTP_URI_MAX));
	expect_has("json_clamp_http_uri", got, want);
	snprintf(want, sizeof(want), "\"http.host\":\"%s\"}\n", fill(xs, 'h', PL_HTTP_HOST_MAX));
	expect_has("json_clamp_http_host", got, want);
	free(got);
	got = render(pl_write_text, &meta_read, p);
	snprintf(want, sizeof(want), " host=%s\n", xs);
	expect_has("text_clamp_http", got, want);
	free(got);
	free(p);
}

int main(void)
{
	/* text mode prints local time */
	setenv("TZ", "UTC", 1);
	tzset();

	test_tcp_tls();
	test_quic();
	test_tcp_flags_text();
	test_ip6_dns();
	test_arp();
	test_sll_icmp();
	test_ports_only_and_flags();
	test_ip4_special();
	test_malformed_names();
	test_escaping();
	test_text_spoof();
	test_escape_message();
	test_flow_text_spoof();
	test_flow_proc();
	test_alpn_bad();
	test_clamping();

	return check_summary("test_output");
}
