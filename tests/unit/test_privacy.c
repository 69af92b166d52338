// SPDX-License-Identifier: BSD-2-Clause
/*
 * src/privacy/: Crypto-PAn against the reference implementation's sample
 * trace, prefix preservation on random IPv4 and IPv6 pairs, one key's map
 * against another's, the key file's checks, the names' redaction, and the
 * -w rewrite's checksums recomputed from scratch.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "privacy/cryptopan.h"
#include "privacy/privacy.h"

/* The sample key of the Crypto-PAn distribution (sample_trace_raw.dat and
 * sample_trace_sanitized.dat), as its ports reproduce it. */
static const uint8_t ref_key[32] = { 21,  34,  23,  141, 51,  164, 207, 128, 19, 10, 91,
				     22,  73,  144, 125, 16,  216, 152, 143, 131, 121, 121,
				     101, 39,  98,  87,  76,  45,  42,  132, 34, 2 };

static const char *const ref_v4[][2] = {
	{ "128.11.68.132", "135.242.180.132" }, { "129.118.74.4", "134.136.186.123" },
	{ "130.132.252.244", "133.68.164.234" }, { "141.223.7.43", "141.167.8.160" },
	{ "141.233.145.108", "141.129.237.235" }, { "152.163.225.39", "151.140.114.167" },
	{ "156.29.3.236", "147.225.12.42" },	 { "165.247.96.84", "162.9.99.234" },
	{ "166.107.77.190", "160.132.178.185" }, { "192.102.249.13", "252.138.62.131" },
	{ "192.215.32.125", "252.43.47.189" },	 { "192.233.80.103", "252.25.108.8" },
	{ "192.41.57.43", "252.222.221.184" },	 { "193.150.244.223", "253.169.52.216" },
	{ "195.205.63.100", "255.186.223.5" },	 { "198.200.171.101", "249.199.68.213" },
	{ "198.26.132.101", "249.36.123.202" },	 { "198.36.213.5", "249.7.21.132" },
	{ "198.51.77.238", "249.18.186.254" },	 { "199.217.79.101", "248.38.184.213" },
	{ "202.49.198.20", "245.206.7.234" },	 { "203.12.160.252", "244.248.163.4" },
	{ "204.184.162.189", "243.192.77.90" },	 { "24.0.250.221", "100.15.198.226" },
	{ "38.15.67.68", "64.3.66.187" },	 { "4.3.88.225", "124.60.155.63" },
	{ "63.14.55.111", "95.9.215.7" },	 { "64.14.118.196", "0.255.183.58" },
	{ "64.39.15.238", "0.219.7.41" },
};

/* IPv6 under the same key, as the Go and Rust ports of Crypto-PAn give it */
static const char *const ref_v6[][2] = {
	{ "::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed" },
	{ "::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef" },
	{ "::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838" },
	{ "2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e" },
	{ "2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c" },
};

static void test_reference(void)
{
	struct pl_cpan c;
	uint8_t a[16];
	char txt[64];
	size_t i;

	TRUE(pl_cpan_init(&c, ref_key) == 0);
	for (i = 0; i < sizeof(ref_v4) / sizeof(ref_v4[0]); i++) {
		inet_pton(AF_INET, ref_v4[i][0], a);
		pl_cpan_anon(&c, false, a, a);
		inet_ntop(AF_INET, a, txt, sizeof(txt));
		if (strcmp(txt, ref_v4[i][1]))
			failf(__LINE__, "%s -> %s, want %s", ref_v4[i][0], txt, ref_v4[i][1]);
	}
	for (i = 0; i < sizeof(ref_v6) / sizeof(ref_v6[0]); i++) {
		inet_pton(AF_INET6, ref_v6[i][0], a);
		pl_cpan_anon(&c, true, a, a);
		inet_ntop(AF_INET6, a, txt, sizeof(txt));
		if (strcmp(txt, ref_v6[i][1]))
			failf(__LINE__, "%s -> %s, want %s", ref_v6[i][0], txt, ref_v6[i][1]);
	}
	pl_cpan_free(&c);
}

/* the number of leading bits a and b share */
static unsigned int common_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits; i++)
		if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
			break;
	return i;
}

static void random_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)(random() >> 7);
}

/* pairs that share a random n-bit prefix map to pairs sharing exactly n */
static void prefix_pairs(bool ip6)
{
	unsigned int bits = ip6 ? 128 : 32, n, i, k;
	uint8_t key[32], a[16], b[16], ma[16], mb[16];
	struct pl_cpan c;

	random_bytes(key, sizeof(key));
	TRUE(pl_cpan_init(&c, key) == 0);
	for (k = 0; k < 2000; k++) {
		random_bytes(a, 16);
		memcpy(b, a, 16);
		n = (unsigned int)random() % (bits + 1);
		/* b: a's first n bits, then bit n flipped, then random */
		if (n < bits) {
			b[n / 8] ^= (uint8_t)(0x80 >> (n % 8));
			for (i = n + 1; i < bits; i++)
				if (random() & 1)
					b[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
		}
		TRUE(common_prefix(a, b, bits) == n);
		pl_cpan_anon(&c, ip6, a, ma);
		pl_cpan_anon(&c, ip6, b, mb);
		if (common_prefix(ma, mb, bits) != n) {
			failf(__LINE__, "pair %u: inputs share %u bits, outputs %u", k, n,
			      common_prefix(ma, mb, bits));
			break;
		}
	}
	pl_cpan_free(&c);
}

static void test_prefix_v4(void)
{
	prefix_pairs(false);
}

static void test_prefix_v6(void)
{
	prefix_pairs(true);
}

/* one key: the same map from two contexts (two hosts); another key: another map */
static void test_keys(void)
{
	uint8_t k2[32], a[16], m1[16], m2[16], m3[16];
	struct pl_cpan c1, c2, c3;
	int k, differ = 0;

	memcpy(k2, ref_key, 32);
	k2[31] ^= 1; /* only the pad's last bit */
	TRUE(pl_cpan_init(&c1, ref_key) == 0);
	TRUE(pl_cpan_init(&c2, ref_key) == 0);
	TRUE(pl_cpan_init(&c3, k2) == 0);
	for (k = 0; k < 200; k++) {
		bool ip6 = k & 1;

		random_bytes(a, 16);
		pl_cpan_anon(&c1, ip6, a, m1);
		pl_cpan_anon(&c2, ip6, a, m2);
		pl_cpan_anon(&c3, ip6, a, m3);
		MEM(m1, m2, ip6 ? 16 : 4);
		differ += memcmp(m1, m3, ip6 ? 16 : 4) != 0;
		TRUE(memcmp(m1, a, ip6 ? 16 : 4) != 0);
	}
	/* a different pad: a different map for (nearly) every address */
	TRUE(differ >= 195);
	pl_cpan_free(&c1);
	pl_cpan_free(&c2);
	pl_cpan_free(&c3);
}

static char keypath[64];

static void write_key(const char *text, mode_t mode)
{
	FILE *f = fopen(keypath, "w");

	fputs(text, f);
	fclose(f);
	chmod(keypath, mode);
}

#define HEXKEY "15221 78d33a4cf80130a5b16499 07d10d8988f83797965276257 4c2d2a842202"

static void test_key_file(void)
{
	uint8_t key[32];
	char msg[512];

	write_key("15221 78d", 0600);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) < 0);
	TRUE(strstr(msg, "holds no key") != NULL);
	write_key("15221778d33a4cf80130a5b1649907d10d8988f83797965276257 4c2d2a842202\n", 0600);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) < 0);
	write_key("15221 78d33a4cf80130a5b16499", 0600);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) < 0);
	/* the reference key as hex, with a newline: accepted */
	write_key("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n", 0600);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) == 0);
	MEM(key, ref_key, 32);
	/* group- or world-readable: refused, naming the file, its mode and the fix */
	chmod(keypath, 0640);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) < 0);
	TRUE(strstr(msg, keypath) && strstr(msg, "0640") && strstr(msg, "chmod 600"));
	chmod(keypath, 0604);
	TRUE(pl_privacy_check_key(keypath, key, msg, sizeof(msg)) < 0);
	TRUE(pl_privacy_start(keypath, PL_REDACT_NONE, false, "test") != 0);
	TRUE(pl_privacy == NULL);
	chmod(keypath, 0600);
	/* --redact without a key: refused */
	TRUE(pl_privacy_start(NULL, PL_REDACT_L7, false, "test") != 0);
}

static size_t name(char *buf, const char *s, int kind)
{
	size_t n = strlen(s);

	memset(buf, 0, 256);
	memcpy(buf, s, n);
	return pl_privacy_name(buf, n, 256, kind);
}

static bool all_hex(const char *s, size_t n)
{
	while (n--)
		if (!strchr("0123456789abcdef", *s++))
			return false;
	return true;
}

static void test_names(void)
{
	char a[256], b[256];
	size_t n, m;

	write_key("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n", 0600);
	TRUE(pl_privacy_start(keypath, PL_REDACT_L7, false, "test") == 0);
	/* names: PL_REDACT_HEX hex digits, the same for the same name */
	n = name(a, "www.example.com", 0);
	EQ(n, PL_REDACT_HEX);
	TRUE(all_hex(a, n));
	m = name(b, "www.example.com", 0);
	TRUE(m == n && !memcmp(a, b, n));
	m = name(b, "www.example.org", 0);
	TRUE(m == n && memcmp(a, b, n));
	/* a path keeps its '/' */
	n = name(a, "/secret/path?q=1", 1);
	EQ(n, PL_REDACT_HEX + 1);
	TRUE(a[0] == '/' && all_hex(a + 1, n - 1));
	/* addresses written as names are mapped as addresses */
	n = name(a, "128.11.68.132", 0);
	STR(n, a, "135.242.180.132");
	n = name(a, "128.11.68.132:8080", 0);
	STR(n, a, "135.242.180.132:8080");
	n = name(a, "[2001:db8::1]:443", 0);
	STR(n, a, "[4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e]:443");
	n = name(a, "132.68.11.128.in-addr.arpa", 0);
	STR(n, a, "132.180.242.135.in-addr.arpa");
	n = name(a, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 0);
	STR(n, a, "e.1.c.d.1.f.6.e.e.8.f.f.f.7.2.0.d.1.9.d.f.3.0.6.c.b.2.0.1.0.4.4.ip6.arpa");
	/* not quite an address: hashed */
	n = name(a, "1.2.3.in-addr.arpa", 0);
	EQ(n, PL_REDACT_HEX);
	pl_privacy_stop();

	TRUE(pl_privacy_start(keypath, PL_REDACT_L7_SUFFIX, false, "test") == 0);
	n = name(a, "www.example.co.uk", 0);
	EQ(n, PL_REDACT_HEX + 6);
	TRUE(all_hex(a, PL_REDACT_HEX) && !memcmp(a + PL_REDACT_HEX, ".co.uk", 6));
	n = name(a, "Mail.Example.COM", 0);
	EQ(n, PL_REDACT_HEX + 4);
	TRUE(!memcmp(a + PL_REDACT_HEX, ".COM", 4));
	/* a public suffix alone says nothing of a host: it stays */
	n = name(a, "com", 0);
	STR(n, a, "com");
	pl_privacy_stop();

	/* anonymisation alone leaves names as they are */
	TRUE(pl_privacy_start(keypath, PL_REDACT_NONE, false, "test") == 0);
	n = name(a, "www.example.com", 0);
	STR(n, a, "www.example.com");
	pl_privacy_stop();
}

/* ---- the -w rewrite ---- */

static uint32_t sum_bytes(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The checksum of n bytes at l4 (field at l4 + at), with the pseudo-header
 * of the IP header at ip when pseudo; *fix sets it, else it is checked:
 * true when it verifies. */
static bool l4_sum(uint8_t *ip, uint8_t *l4, size_t n, size_t at, bool pseudo, bool fix)
{
	bool v6 = ip[0] >> 4 == 6;
	uint32_t s = 0;
	uint8_t ph[4] = { 0, 0, 0, 0 };

	if (pseudo) {
		s = v6 ? sum_bytes(ip + 8, 32, 0) : sum_bytes(ip + 12, 8, 0);
		ph[3] = v6 ? ip[6] : ip[9];
		s += ph[3] + (uint32_t)n;
	}
	if (fix) {
		put16(l4 + at, 0);
		put16(l4 + at, (uint16_t)~fold(sum_bytes(l4, n, s)));
		return true;
	}
	return fold(sum_bytes(l4, n, s)) == 0xffff;
}

static bool ip4_sum(uint8_t *ip, bool fix)
{
	size_t ihl = (ip[0] & 0xf) * 4u;

	if (fix) {
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~fold(sum_bytes(ip, ihl, 0)));
	}
	return fold(sum_bytes(ip, ihl, 0)) == 0xffff;
}

/* Fills an IPv4 header at p: proto, payload length n */
static void ip4(uint8_t *p, uint8_t proto, size_t n, const char *src, const char *dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	ip4_sum(p, true);
}

static void ip6(uint8_t *p, uint8_t nxt, size_t n, const char *src, const char *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)n);
	p[6] = nxt;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
}

static size_t eth(uint8_t *f, uint16_t type, bool vlan)
{
	memset(f, 0, 18);
	f[0] = 2, f[6] = 2, f[11] = 1;
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, 7);
		put16(f + 16, type);
		return 18;
	}
	put16(f + 12, type);
	return 14;
}

/* a map that only flips bits, and counts its calls */
static int n_mapped;
static void test_map(void *ctx, bool v6, uint8_t *a)
{
	(void)ctx;
	n_mapped++;
	a[v6 ? 15 : 3] ^= 0x5a;
	a[1] ^= 0x33;
	a[0] ^= 0x80;
}

static void fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* An ICMP port unreachable (ICMPv6 destination unreachable) quoting a
 * UDP header: the quoted addresses, the quoted header's checksums and the
 * ICMP checksum over all of them verify after the rewrite */
static void icmp_error_case(bool v6)
{
	uint8_t f[256], *ip, *l4, *in, *inl4, want[16];
	size_t hl = v6 ? 40 : 20, n = 8 + hl + 8 + 6, o = eth(f, v6 ? 0x86dd : 0x0800, false);

	ip = f + o, l4 = ip + hl, in = l4 + 8, inl4 = in + hl;
	if (v6) {
		ip6(ip, 58, n, "2001:db8::2", "2001:db8::1");
		ip6(in, 17, 8 + 6, "2001:db8::1", "2001:db8::2");
	} else {
		ip4(ip, 1, n, "198.18.0.2", "198.18.0.1");
		ip4(in, 17, 8 + 6, "198.18.0.1", "198.18.0.2");
	}
	memset(l4, 0, 8);
	l4[0] = v6 ? 1 : 3, l4[1] = v6 ? 4 : 3;
	memset(inl4, 0, 8);
	put16(inl4 + 4, 14);
	fill(inl4 + 8, 6);
	l4_sum(in, inl4, 14, 6, true, true);
	l4_sum(ip, l4, n, 2, v6, true);
	n_mapped = 0;
	pl_rewrite_frame(f, (uint32_t)(o + hl + n), false, test_map, NULL);
	EQ(n_mapped, 4);
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "2001:db8::1" : "198.18.0.1", want);
	test_map(NULL, v6, want);
	MEM(in + (v6 ? 8 : 12), want, v6 ? 16 : 4);
	TRUE(v6 || (ip4_sum(ip, false) && ip4_sum(in, false)));
	TRUE(l4_sum(in, inl4, 14, 6, true, false));
	TRUE(l4_sum(ip, l4, n, 2, v6, false));
	EQ(pl_rewrite_frame(f, (uint32_t)(o + hl + n), true, NULL, NULL), o + hl + 8);
}

static void test_rewrite_v4(void)
{
	uint8_t f[256], *ip, *l4, want[4];
	size_t o;
	uint32_t n;

	/* TCP over a VLAN: the pseudo-header's addresses */
	o = eth(f, 0x0800, true);
	ip = f + o, l4 = ip + 20;
	ip4(ip, 6, 20 + 30, "198.18.0.1", "198.18.0.2");
	memset(l4, 0, 20);
	l4[12] = 0x50;
	fill(l4 + 20, 30);
	l4_sum(ip, l4, 50, 16, true, true);
	n_mapped = 0;
	n = pl_rewrite_frame(f, (uint32_t)(o + 70), false, test_map, NULL);
	EQ(n, o + 70);
	EQ(n_mapped, 2);
	inet_pton(AF_INET, "198.18.0.1", want);
	test_map(NULL, false, want);
	MEM(ip + 12, want, 4);
	TRUE(ip4_sum(ip, false));
	TRUE(l4_sum(ip, l4, 50, 16, true, false));
	/* --no-payload: the frame ends with the TCP header */
	EQ(pl_rewrite_frame(f, (uint32_t)(o + 70), true, NULL, NULL), o + 40);
	/* a capture cut in the payload: the incremental update is still
	 * right for the whole segment */
	n = pl_rewrite_frame(f, (uint32_t)(o + 45), false, test_map, NULL);
	EQ(n, o + 45);
	TRUE(l4_sum(ip, l4, 50, 16, true, false));
	inet_pton(AF_INET, "198.18.0.1", want);
	MEM(ip + 12, want, 4); /* mapped twice: back */

	/* UDP, and UDP without a checksum (stays 0) */
	o = eth(f, 0x0800, false);
	ip = f + o, l4 = ip + 20;
	ip4(ip, 17, 8 + 11, "198.18.5.1", "198.18.0.53");
	put16(l4 + 4, 19);
	fill(l4 + 8, 11);
	l4_sum(ip, l4, 19, 6, true, true);
	pl_rewrite_frame(f, (uint32_t)(o + 39), false, test_map, NULL);
	TRUE(ip4_sum(ip, false));
	TRUE(l4_sum(ip, l4, 19, 6, true, false));
	put16(l4 + 6, 0);
	pl_rewrite_frame(f, (uint32_t)(o + 39), false, test_map, NULL);
	EQ(l4[6] | l4[7], 0);
	EQ(pl_rewrite_frame(f, (uint32_t)(o + 39), true, NULL, NULL), o + 28);

	icmp_error_case(false);

	/* ARP: both addresses */
	o = eth(f, 0x0806, false);
	memset(f + o, 0, 28);
	put16(f + o, 1), put16(f + o + 2, 0x0800), f[o + 4] = 6, f[o + 5] = 4;
	inet_pton(AF_INET, "198.18.0.1", f + o + 14);
	inet_pton(AF_INET, "198.18.0.2", f + o + 24);
	n_mapped = 0;
	EQ(pl_rewrite_frame(f, (uint32_t)(o + 28), true, test_map, NULL), o + 28);
	EQ(n_mapped, 2);
	inet_pton(AF_INET, "198.18.0.2", want);
	test_map(NULL, false, want);
	MEM(f + o + 24, want, 4);
}

static void test_rewrite_v6(void)
{
	uint8_t f[256], *ip, *l4, want[16];
	size_t o;

	/* TCP after a hop-by-hop header */
	o = eth(f, 0x86dd, false);
	ip = f + o;
	ip6(ip, 0, 8 + 20 + 9, "2001:db8::1", "2001:db8::2");
	memset(ip + 40, 0, 8);
	ip[40] = 6;
	l4 = ip + 48;
	memset(l4, 0, 20);
	l4[12] = 0x50;
	fill(l4 + 20, 9);
	{
		/* the pseudo-header's next header is TCP's, not hop-by-hop's */
		uint8_t save = ip[6];

		ip[6] = 6;
		l4_sum(ip, l4, 29, 16, true, true);
		ip[6] = save;
	}
	pl_rewrite_frame(f, (uint32_t)(o + 77), false, test_map, NULL);
	inet_pton(AF_INET6, "2001:db8::2", want);
	test_map(NULL, true, want);
	MEM(ip + 24, want, 16);
	ip[6] = 6;
	TRUE(l4_sum(ip, l4, 29, 16, true, false));
	ip[6] = 0;
	EQ(pl_rewrite_frame(f, (uint32_t)(o + 77), true, NULL, NULL), o + 68);

	icmp_error_case(true);
}

/* every cut of a frame and random bytes: nothing read or written past
 * the capture (ASan) */
static void test_rewrite_short(void)
{
	uint8_t f[128], *buf;
	uint32_t n, cut;
	int k;

	for (k = 0; k < 3000; k++) {
		random_bytes(f, sizeof(f));
		eth(f, k % 3 == 0 ? 0x0800 : k % 3 == 1 ? 0x86dd : 0x0806, k & 4);
		f[(k & 4) ? 18 : 14] = (uint8_t)((k % 3 == 1 ? 0x60 : 0x45) | (f[20] & 0x0f));
		cut = (uint32_t)random() % (sizeof(f) + 1);
		buf = malloc(cut ? cut : 1);
		memcpy(buf, f, cut);
		n = pl_rewrite_frame(buf, cut, k & 8, test_map, NULL);
		TRUE(n <= cut);
		free(buf);
	}
}

int main(void)
{
	char dir[] = "/tmp/pl_privacy.XXXXXX";

	srandom(16);
	if (!mkdtemp(dir))
		return 1;
	snprintf(keypath, sizeof(keypath), "%s/key", dir);
	run("cryptopan: the reference implementation's sample trace (IPv4) and IPv6 vectors",
	    test_reference);
	run("cryptopan: random IPv4 pairs keep exactly their common prefix", test_prefix_v4);
	run("cryptopan: random IPv6 pairs keep exactly their common prefix", test_prefix_v6);
	run("cryptopan: one key maps alike from two contexts, another key differently", test_keys);
	run("privacy: the key file (hex, mode 0600; group or world readable refused)",
	    test_key_file);
	run("privacy: names hashed, suffixes kept, addresses in names mapped", test_names);
	run("rewrite: IPv4 TCP, UDP, ICMP error and ARP, checksums recomputed", test_rewrite_v4);
	run("rewrite: IPv6 TCP after an extension header, ICMPv6 error", test_rewrite_v6);
	run("rewrite: cut and random frames stay inside the capture", test_rewrite_short);
	unlink(keypath);
	rmdir(dir);
	return check_summary("test_privacy");
}
