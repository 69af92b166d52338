/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the filter compiler (src/filter/compile.c) and evaluator
 * (src/filter/match.c, through pl_parse_frame_match on the host): what the
 * corpus differential (tests/filter/diff_tcpdump.py) cannot reach - error
 * columns, the 64-test limit, precedence, Linux cooked v2 captures, and
 * hand-made frames whose expected result was checked against tcpdump.
 *
 *   make build/san/test_filter && build/san/test_filter
 *
 * Each test prints "PASS name" or "FAIL name: detail"; the last line is
 * "test_filter: N passed, N failed"; exit status 1 if any failed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "filter/filter.h"
#include "parse/parse.h"
#include "check.h"

/* ---- frames ---- */

struct frame {
	uint8_t b[512];
	uint32_t len;
};

static void put(struct frame *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	f->len = 0;
	put(f, macs, 12);
	put16(f, type);
}

static void tag(struct frame *f, uint16_t tpid, uint16_t vid, uint16_t type)
{
	f->len -= 2; /* the EtherType just written becomes the TPID */
	put16(f, tpid);
	put16(f, vid);
	put16(f, type);
}

static void ip4(struct frame *f, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		uint16_t frag)
{
	uint8_t h[20] = { 0x45, 0, 0, 40, 0, 1, (uint8_t)(frag >> 8), (uint8_t)frag, 64, proto };

	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	put(f, h, 20);
}

static void ip6(struct frame *f, uint8_t nh, uint8_t last_src, uint8_t last_dst)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 16, nh, 64 };

	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = last_src;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[39] = last_dst;
	put(f, h, 40);
}

static void ports(struct frame *f, uint16_t sport, uint16_t dport)
{
	uint8_t rest[16] = { 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 4, 0 };

	put16(f, sport);
	put16(f, dport);
	put(f, rest, 16); /* a TCP header's rest; UDP reads only 4 of it */
}

static const uint8_t A[4] = { 198, 51, 100, 1 }, B[4] = { 198, 51, 100, 2 };

/* libpcap's link type for the parser's */
static int dlt_of(int linktype)
{
	return linktype == PL_LINK_LINUX_SLL ? 113 : linktype == PL_LINK_LINUX_SLL2 ? 276 : 1;
}

/* FILTER is refused for the link type, with libpcap's reason. */
static void refused(int line, const char *filter, int linktype, const char *why)
{
	static struct pl_filter flt;
	char err[256];
	int col;

	if (!pl_filter_compile_for(filter, dlt_of(linktype), &flt, err, sizeof(err), &col))
		failf(line, "'%s' compiles for link type %d", filter, linktype);
	else if (!strstr(err, why))
		failf(line, "'%s': \"%s\", want \"%s\"", filter, err, why);
}

/*
 * Checks that FILTER selects (want 1) or not (want 0) the first caplen
 * bytes of f, whose wire length is f->len. With TEST_FILTER_PCAPS=DIR set,
 * each case is also written as DIR/N.pcap plus a line "N linktype want
 * filter" in DIR/cases, for a cross-check with tcpdump:
 *   while read -r n lt want flt; do
 *     got=$(tcpdump -r DIR/$n.pcap "$flt" 2>/dev/null | wc -l)
 *     [ "$got" = "$want" ] || echo "$n: '$flt' tcpdump $got, want $want"
 *   done < DIR/cases
 * (cases for cooked captures where tcpdump refuses the filter show up as
 * tcpdump errors there.)
 */
static void sel(int line, const char *filter, const struct frame *f, int linktype, uint32_t caplen,
		int want)
{
	static struct pl_filter flt;
	static int n_cases;
	const char *dump = getenv("TEST_FILTER_PCAPS");
	struct pl_pkt pkt;
	char err[256];
	uint8_t *copy;
	int col, r;

	if (dump) {
		char path[4096];
		uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, (uint32_t)linktype };
		uint32_t rec[4] = { 1, 0, caplen, f->len };
		FILE *out;

		snprintf(path, sizeof(path), "%s/%d.pcap", dump, ++n_cases);
		out = fopen(path, "wb");
		if (out) {
			fwrite(hdr, sizeof(hdr), 1, out);
			fwrite(rec, sizeof(rec), 1, out);
			fwrite(f->b, caplen, 1, out);
			fclose(out);
		}
		snprintf(path, sizeof(path), "%s/cases", dump);
		out = fopen(path, "a");
		if (out) {
			fprintf(out, "%d %d %d %s\n", n_cases, linktype, want, filter);
			fclose(out);
		}
	}
	if (pl_filter_compile_for(filter, dlt_of(linktype), &flt, err, sizeof(err), &col)) {
		failf(line, "'%s' does not compile: %s (column %d)", filter, err, col);
		return;
	}
	copy = malloc(caplen ? caplen : 1); /* exactly caplen: ASan sees over-reads */
	memcpy(copy, f->b, caplen);
	r = pl_parse_frame_match(&pkt, &flt, (enum pl_linktype)linktype, copy, caplen, f->len);
	free(copy);
	if (r != want)
		failf(line, "'%s' %s the frame", filter, r ? "selects" : "does not select");
}

#define SEL(filter, f, want)		 sel(__LINE__, filter, f, PL_LINK_ETHERNET, (f)->len, want)
#define SEL_CUT(filter, f, caplen, want) sel(__LINE__, filter, f, PL_LINK_ETHERNET, caplen, want)
#define SEL_LT(filter, f, lt, want)	 sel(__LINE__, filter, f, lt, (f)->len, want)

/* ---- compile-time tests ---- */

static void test_compile_errors(void)
{
	static const struct {
		const char *filter, *msg;
		int col;
	} cases[] = {
		/* libpcap's reasons, the caret on the token it names */
		{ "tcp and bogus", "syntax error", 9 },
		{ "host 1.2.3.999", "invalid IPv4 address '1.2.3.999'", 6 },
		{ "net 10.1.2.3/8", "non-network bits set in \"10.1.2.3/8\"", 5 },
		{ "port 65536", "illegal port number 65536 > 65535", 6 },
		{ "tcp port 80 and port 99999", "illegal port number 99999", 22 },
		{ "vlan 4096", "VLAN tag 4096 greater than maximum 4095", 6 },
		{ "tcp udp", "syntax error", 5 },
		{ "tcp host 1.2.3.4", "'tcp' modifier applied to host", 1 },
		{ "tcp[13:3] = 1", "data size must be 1, 2, or 4", 1 },
		{ "host 1.2.3.4 and tls.sni == \"x\" or port 99999", "illegal port number", 41 },
		/* pktlens's own */
		{ "(tcp or udp", "this '(' is never closed", 1 },
		{ "tcp or (udp and (port 1)", "this '(' is never closed", 8 },
		{ "tcp or udp)", "no '(' for this ')'", 11 },
		{ "tcp[4000] = 1", "past the 2048 bytes", 1 },
		{ "tcp and", "ends too early", 8 },
		{ "tls.bogus == \"x\"", "unknown field 'tls.bogus'", 1 },
		{ "tls.sni > \"x\"", "takes ==, != or ~", 9 },
		{ "http.host ~", "expected a \"string\"", 12 },
		{ "tls.sni == \"a*b\"", "'*' may stand only at the start or the end", 12 },
		{ "tls.sni != \"*.x\"", "'*' may stand only at the start or the end", 12 },
		{ "dns.qry.type == \"x\"", "expected a number", 17 },
	};
	static const char *const l7[] = {
		"tls.sni",
		"dns.qry.name",
		"http.host",
		"http.request.method",
		"http.request.uri",
		"dns.qry.type",
		"dns.flags.rcode",
		"dns.id",
		"tls.handshake.version",
	};
	static struct pl_filter f;
	char err[256];
	size_t i;
	int col;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!pl_filter_compile(cases[i].filter, &f, err, sizeof(err), &col)) {
			failf(__LINE__, "'%s' compiles", cases[i].filter);
			return;
		}
		if (!strstr(err, cases[i].msg) || col != cases[i].col) {
			failf(__LINE__, "'%s': \"%s\" at column %d, want \"%s\" at column %d",
			      cases[i].filter, err, col, cases[i].msg, cases[i].col);
			return;
		}
	}
	/* the unknown-field message names every L7 field the compiler takes */
	pl_filter_compile("dns.bogus == 1", &f, err, sizeof(err), &col);
	for (i = 0; i < sizeof(l7) / sizeof(l7[0]); i++)
		if (!strstr(err, l7[i])) {
			failf(__LINE__, "the message \"%s\" does not name %s", err, l7[i]);
			return;
		}
}

/* Header text joined by and/or is one block of libpcap's code, however
 * long; each L7 test is one node: 64 fit, the 65th is reported where it
 * is; at most PL_FILTER_MAX_BLOCKS header parts stand between them. */
static void test_node_limit(void)
{
	static struct pl_filter f;
	char expr[4096] = "", err[256];
	int i, col, col65 = 0;

	for (i = 1; i <= 64; i++)
		snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr), "%sport %d",
			 i > 1 ? " or " : "", i);
	if (pl_filter_compile(expr, &f, err, sizeof(err), &col))
		failf(__LINE__, "64 ports do not compile: %s", err);
	else if (f.n_nodes != 1 || f.n_blocks != 1)
		failf(__LINE__, "64 ports give %u nodes, %u blocks", f.n_nodes, f.n_blocks);
	expr[0] = 0;
	for (i = 1; i <= 65; i++) {
		if (i == 65)
			col65 = (int)strlen(expr) + 5; /* after " or " */
		snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr), "%sdns.id == %d",
			 i > 1 ? " or " : "", i);
		if (i == 64) {
			if (pl_filter_compile(expr, &f, err, sizeof(err), &col))
				failf(__LINE__, "64 tests do not compile: %s", err);
			else if (f.n_nodes != 64)
				failf(__LINE__, "64 tests give %u nodes", f.n_nodes);
		}
	}
	if (!pl_filter_compile(expr, &f, err, sizeof(err), &col))
		failf(__LINE__, "65 tests compile");
	else if (!strstr(err, "more than 64 tests") || col != col65)
		failf(__LINE__, "65 tests: \"%s\" at column %d, want column %d", err, col, col65);
	if (f.entry != PL_FILTER_ACCEPT && f.n_nodes)
		failf(__LINE__, "a failed compile leaves nodes behind");
	expr[0] = 0;
	for (i = 1; i <= PL_FILTER_MAX_BLOCKS + 1; i++)
		snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr),
			 "%sport %d and dns.id == %d", i > 1 ? " or " : "", i, i);
	if (!pl_filter_compile(expr, &f, err, sizeof(err), &col))
		failf(__LINE__, "%d header parts compile", PL_FILTER_MAX_BLOCKS + 1);
	else if (!strstr(err, "header parts"))
		failf(__LINE__, "%d header parts: \"%s\"", PL_FILTER_MAX_BLOCKS + 1, err);
}

static void test_compile_ok(void)
{
	static const char *const ok[] = {
		"host ::",
		"host ::1",
		"net ::/0",
		"src or dst net ::ffff:0:0/96",
		"ether host 2:0:0:0:0:1",
		"ether src 02-00-00-00-00-01",
		"port 80 or 443",
		"tcp src port 53 or 54",
		"src 10.0.0.1",
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn|tcp-ack",
		"icmp[icmptype] != icmp-echo && icmp[icmptype] != icmp-echoreply",
		"ether[12:2] = 0x0800",
		"ip[2:2] > 576",
		"udp[8:4] & 0xff00 = 0x100",
		"less 64 || greater 1500",
		"! vlan",
		"vlan 1 and vlan 2 and ip6",
		"tls.sni == \"*.example.org\"",
		"dns.qry.name ~ example",
		"http.request.method == \"POST\" and http.request.uri ~ \"/api\"",
		"dns.qry.type >= 28",
		"",
	};
	static struct pl_filter f;
	char err[256];
	size_t i;
	int col;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (pl_filter_compile(ok[i], &f, err, sizeof(err), &col))
			failf(__LINE__, "'%s': %s (column %d)", ok[i], err, col);
	if (!pl_filter_compile("", &f, err, sizeof(err), &col) && f.entry != PL_FILTER_ACCEPT)
		failf(__LINE__, "an empty filter does not accept everything");
}

/* ---- evaluation ---- */

/* pcap-filter(7): and and or have the same precedence, left to right. */
static void test_precedence(void)
{
	struct frame f;

	eth(&f, 0x0800);
	ip4(&f, A, B, 6, 0);
	ports(&f, 1234, 80);
	SEL("udp or tcp and port 53", &f, 0); /* (udp or tcp) and port 53 */
	SEL("udp or (tcp and port 80)", &f, 1);
	SEL("tcp and port 53 or udp", &f, 0);
	SEL("tcp and port 53 or port 80", &f, 1); /* (tcp and port 53) or port 80 */
	SEL("port 53 or tcp and port 80", &f, 1);
	SEL("port 53 or tcp and port 81", &f, 0);
	SEL("not tcp or udp", &f, 0); /* (not tcp) or udp */
	SEL("! udp && tcp", &f, 1);
	SEL("port 53 or 80", &f, 1); /* the bare value repeats "port" */
	SEL("tcp dst port 81 or 80", &f, 1);
	SEL("tcp src port 81 or 80", &f, 0);
}

static void test_directions(void)
{
	struct frame f;

	eth(&f, 0x0800);
	ip4(&f, A, A, 17, 0);
	ports(&f, 53, 53);
	SEL("src and dst host 198.51.100.1", &f, 1);
	SEL("src and dst port 53", &f, 1);
	SEL("src or dst host 198.51.100.1", &f, 1);
	eth(&f, 0x0800);
	ip4(&f, A, B, 17, 0);
	ports(&f, 53, 1053);
	SEL("src and dst host 198.51.100.1", &f, 0);
	SEL("src and dst net 198.51.100.0/24", &f, 1);
	SEL("src and dst port 53", &f, 0);
	SEL("dst port 1053 and src port 53", &f, 1);
	SEL("dst 198.51.100.2", &f, 1);
	SEL("ether src 02:00:00:00:00:01 and ether dst 02:00:00:00:00:02", &f, 1);
	SEL("ether src 02:00:00:00:00:02", &f, 0);
	SEL("net 198.51.100.0 mask 255.255.255.0", &f, 1);
	SEL("net 198.51", &f, 1);
	SEL("net 198.52", &f, 0);
}

/* libpcap reads the headers at fixed offsets: `vlan` moves them by 4
 * bytes per tag, in text order, even across `or` and under `not`. */
static void test_vlan_shift(void)
{
	struct frame f;

	eth(&f, 0x0800);
	tag(&f, 0x8100, 1, 0x8100);
	tag(&f, 0x8100, 2, 0x8100);
	tag(&f, 0x8100, 3, 0x0800);
	ip4(&f, A, B, 17, 0);
	ports(&f, 5000, 53);
	SEL("ip", &f, 0);
	SEL("ether proto 0x8100", &f, 1);
	SEL("vlan and ether proto 0x8100", &f, 1);
	SEL("vlan 1 and vlan 2 and vlan 3 and udp dst port 53", &f, 1);
	SEL("vlan 1 and vlan 2 and vlan 3 and host 198.51.100.2", &f, 1);
	SEL("vlan and vlan and udp", &f, 0);
	SEL("vlan 2", &f, 0);
	SEL("vlan and vlan 2 and vlan 3", &f, 1);
	SEL("not vlan 7 and vlan 2 and vlan 3 and ip", &f, 1);

	/* untagged ARP: after `vlan`, the "EtherType" read is ARP's protocol
	 * type 0x0800, as tcpdump sees it too */
	eth(&f, 0x0806);
	{
		uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };

		memcpy(arp + 14, A, 4);
		memcpy(arp + 24, B, 4);
		put(&f, arp, 28);
	}
	SEL("host 198.51.100.2", &f, 1);
	SEL("src host 198.51.100.2", &f, 0);
	SEL("arp and dst net 198.51.100.0/30", &f, 1);
	SEL("vlan or ip", &f, 1);
	SEL("ip", &f, 0);
}

/* A load past the end of the captured bytes rejects the whole packet. */
static void test_truncated(void)
{
	struct frame f;

	eth(&f, 0x0800);
	ip4(&f, A, B, 6, 0);
	ports(&f, 1234, 80);
	SEL_CUT("host 198.51.100.1", &f, 14 + 18, 1); /* the source is there */
	SEL_CUT("host 198.51.100.2", &f, 14 + 18, 0);
	SEL_CUT("not host 198.51.100.2", &f, 14 + 18, 0);
	SEL_CUT("not src host 198.51.100.2", &f, 14 + 18, 1);
	SEL_CUT("tcp", &f, 14 + 10, 1);
	SEL_CUT("not port 80", &f, 14 + 20 + 2, 0);
	SEL_CUT("src port 1234", &f, 14 + 20 + 2, 1);
	SEL_CUT("not tcp[13] & 2 != 0", &f, 14 + 20 + 12, 0);
	SEL_CUT("greater 60", &f, 20, 0); /* frame.len is the wire length */
	SEL_CUT("less 100", &f, 20, 1);
	SEL_CUT("not ip", &f, 10, 0);
	SEL_CUT("ether dst 02:00:00:00:00:02", &f, 6, 1);
	SEL_CUT("not ether src 02:00:00:00:00:02", &f, 11, 0);

	/* a bad header length is used as it stands, as libpcap does */
	eth(&f, 0x0800);
	ip4(&f, A, B, 17, 0);
	f.b[14] = 0x44;		      /* IHL 16 bytes: the "ports" are the destination */
	SEL("src port 50739", &f, 1); /* 198.51 */
	SEL("dst port 25602", &f, 1); /* 100.2 */
	f.b[14] = 0x65;		      /* version 6 in an IPv4 EtherType */
	SEL("host 198.51.100.1", &f, 1);
}

static void test_fragments(void)
{
	struct frame f;
	uint8_t frag[8] = { 17, 0, 0, 1, 0, 0, 0, 7 };

	eth(&f, 0x86dd);
	ip6(&f, 44, 1, 2);
	put(&f, frag, 8);
	ports(&f, 4000, 53);
	SEL("udp", &f, 1); /* libpcap looks behind one fragment header */
	SEL("ip6 and tcp", &f, 0);
	SEL("udp port 53", &f, 0); /* but not for ports */
	SEL("host 2001:db8::2", &f, 1);
	SEL("net 2001:db8::/32", &f, 1);
	SEL("src net 2001:db8::/127", &f, 1);
	SEL("src net 2001:db8::/128", &f, 0);

	eth(&f, 0x0800);
	ip4(&f, A, B, 17, 0x0010); /* a later fragment */
	ports(&f, 53, 53);
	SEL("udp", &f, 1);
	SEL("port 53", &f, 0);
	SEL("udp[0:2] = 53", &f, 0);
	SEL("ip[6:2] & 0x1fff != 0", &f, 1);
	eth(&f, 0x0800);
	ip4(&f, A, B, 17, 0x2000); /* the first, with more to come */
	ports(&f, 53, 53);
	SEL("port 53", &f, 1);
	SEL("udp[2:2] = 53", &f, 1);
}

/* Linux cooked v1 and v2: the protocol field and the header after it. */
static void test_cooked(void)
{
	static const uint8_t sll1[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
	static const uint8_t sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1,
					  0,	6,    2, 0, 0, 0, 0, 1, 0, 0 };
	struct frame f;
	int k;

	for (k = 0; k < 2; k++) {
		int lt = k ? PL_LINK_LINUX_SLL2 : PL_LINK_LINUX_SLL;

		f.len = 0;
		put(&f, k ? sll2 : sll1, k ? 20 : 16);
		ip4(&f, A, B, 6, 0);
		ports(&f, 1234, 443);
		SEL_LT("ip and tcp dst port 443", &f, lt, 1);
		SEL_LT("host 198.51.100.2 and src port 1234", &f, lt, 1);
		SEL_LT("ether proto 0x0800", &f, lt, 1);
		SEL_LT("ip6 or udp", &f, lt, 0);
		SEL_LT("tcp[tcpflags] & tcp-syn != 0", &f, lt, 1);
		SEL_LT("ip[9] = 6", &f, lt, 1);
		/* refused on cooked captures, as tcpdump refuses them */
		refused(__LINE__, "vlan", lt, "no VLAN support for Linux cooked");
		refused(__LINE__, "ether host 02:00:00:00:00:01", lt,
			"ethernet addresses supported only");
	}
}

/* L7 tests on a hand-made HTTP request: absent fields are false, even for
 * !=; Host compares without case, method and URI with. */
static void test_l7(void)
{
	static const char req[] = "POST /Api/v1?x=1 HTTP/1.1\r\nHost: WWW.Example.ORG\r\n\r\n";
	struct frame f;

	eth(&f, 0x0800);
	ip4(&f, A, B, 6, 0);
	ports(&f, 40000, 80);
	f.b[14 + 20 + 12] = 0x50;
	f.b[14 + 20 + 13] = 0x18;
	put(&f, req, sizeof(req) - 1);
	f.b[14 + 3] = (uint8_t)(f.len - 14); /* IPv4 total length */
	SEL("http.host == \"www.example.org\"", &f, 1);
	SEL("http.host == \"*.example.org\"", &f, 1);
	SEL("http.host == \"*example.org\"", &f, 1);
	SEL("http.host == \"*.org.example\"", &f, 0);
	SEL("http.host == \"www*\"", &f, 1);
	SEL("http.host ~ \"EXAMPLE\"", &f, 1);
	SEL("http.host != \"www.example.org\"", &f, 0);
	SEL("http.host != \"other\"", &f, 1);
	SEL("http.request.method == \"POST\"", &f, 1);
	SEL("http.request.method == \"post\"", &f, 0);
	SEL("http.request.uri ~ \"/Api/\"", &f, 1);
	SEL("http.request.uri ~ \"/api/\"", &f, 0);
	SEL("http.request.uri == \"/Api*\"", &f, 1);
	SEL("http.request.uri == \"*x=1\"", &f, 1);
	SEL("tls.sni != \"x\"", &f, 0); /* absent: false, even != */
	SEL("not tls.sni == \"x\"", &f, 1);
	SEL("dns.qry.type != 1", &f, 0);
	SEL("tcp dst port 80 and http.host ~ \"example\"", &f, 1);
}

/* The host's run of libpcap's blocks (pl_cbpf_run_host, which the
 * kernel's translation mirrors) gives libpcap's own bpf_filter() verdict
 * on every frame: random frames from the builders above, their bytes
 * changed and cut at random. */
static void test_host_run_vs_libpcap(void)
{
	static const char *const filters[] = {
		"tcp port 80",
		"udp and not port 53",
		"ip6 and tcp",
		"vlan and ip",
		"vlan 5 or ip6 proto 17",
		"host 198.51.100.2",
		"net 2001:db8::/32",
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
		"len > 100",
		"greater 60",
		"ip[2:2] - ((ip[0] & 0xf) << 2) > 20",
		"tcp[12] >> 4 > 5",
		"udp[4:2] / 2 > 10",
		"ip[8] % 3 = 1",
		"ip[1] * 300 > 1000",
		"icmp6[icmp6type] == icmp6-echo",
		"ip6[6] == 17",
		"broadcast or multicast",
		"ether host 02:00:00:00:00:01",
		"port domain or port http",
		"ip proto 6 and not tcp port 22",
		"portrange 1-1023",
		"arp or rarp",
		"ip protochain 6",
		"ip6 protochain 17",
		"mpls 100 or mpls",
		"ip[0] & 0xf != 5",
		"tcp[13] << (ip[8] & 0x3f) != 0",
		"ip[0] / (ip[8] & 1) > 0",
		"tcp[13] >> (ip[0] & 0x3f) = 0",
		"udp[0:4] ^ 1 > 7",
	};
	static struct pl_filter f;
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct frame fr;
	char err[256];
	size_t i, k, n_yes = 0, n_abort = 0, runs = 0;
	int col;

	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		if (pl_filter_compile(filters[i], &f, err, sizeof(err), &col) || f.n_blocks != 1 ||
		    pcap_compile(p, &prog, filters[i], 1, 0)) {
			failf(__LINE__, "'%s' does not compile to one block: %s", filters[i], err);
			continue;
		}
		for (k = 0; k < 3000; k++, runs++) {
			uint32_t caplen, bits, j;
			int ours, theirs;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			switch (rng % 5) {
			case 0:
				eth(&fr, 0x0800),
					ip4(&fr, A, B, (uint8_t)(rng >> 8 & 1 ? 6 : 17), 0);
				break;
			case 1:
				eth(&fr, 0x86dd), ip6(&fr, (uint8_t)(rng >> 8 & 1 ? 6 : 17), 1, 2);
				break;
			case 2:
				eth(&fr, 0x8100), tag(&fr, 0x8100, 5, 0x0800), ip4(&fr, A, B, 6, 0);
				break;
			case 3:
				eth(&fr, 0x0800), ip4(&fr, B, A, 1, (uint16_t)(rng >> 20));
				break;
			default:
				eth(&fr, 0x0806), put(&fr, "\0\1\x08\0\6\4\0\1", 8);
			}
			ports(&fr, (uint16_t)(rng >> 24), (uint16_t)(rng >> 40));
			for (j = 0; j < 3; j++) /* a few bytes changed */
				fr.b[(rng >> (8 * j)) % fr.len] ^= (uint8_t)(rng >> (32 + 8 * j));
			caplen = (uint32_t)(rng >> 48) % (fr.len + 1);
			bits = pl_cbpf_run_host(&f, fr.b, caplen, fr.len);
			ours = (bits & 1) && !(bits >> PL_CBPF_ABORT_BIT & 1);
			theirs = bpf_filter(prog.bf_insns, fr.b, fr.len, caplen) != 0;
			n_yes += (size_t)ours;
			n_abort += bits >> PL_CBPF_ABORT_BIT & 1;
			if (ours != theirs) {
				failf(__LINE__,
				      "'%s' on a %u-byte cut of a %u-byte frame: pktlens %d, "
				      "libpcap %d",
				      filters[i], caplen, fr.len, ours, theirs);
				break;
			}
		}
		pcap_freecode(&prog);
	}
	pcap_close(p);
	/* a run that matched nothing, or never read past the end, proves little */
	if (!n_yes || !n_abort || n_yes == runs)
		failf(__LINE__, "%zu runs: %zu matched, %zu read past the end", runs, n_yes,
		      n_abort);
}

int main(void)
{
	run("filter_compile_errors", test_compile_errors);
	run("filter_node_limit", test_node_limit);
	run("filter_compile_ok", test_compile_ok);
	run("filter_precedence", test_precedence);
	run("filter_directions", test_directions);
	run("filter_vlan_shift", test_vlan_shift);
	run("filter_truncated", test_truncated);
	run("filter_fragments", test_fragments);
	run("filter_cooked", test_cooked);
	run("filter_l7", test_l7);
	run("filter_host_run_vs_libpcap", test_host_run_vs_libpcap);
	return check_summary("test_filter");
}
