/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the shared packet parser and the record formatter.
 *
 *   make fuzz && build/fuzz_parser -max_len=4096 CORPUS   (or tests/fuzz/run.sh)
 *
 * Every input is parsed as a frame of each link type (Ethernet, Linux SLL,
 * Linux SLL2, raw IP, IPv4, IPv6, BSD NULL and LOOP), so seeds are plain
 * frames. For each record:
 *  - invariants the formatter and the kernel parity test rely on are
 *    checked (counts within their arrays, one L4 and one L7 layer at most,
 *    a zeroed L7 union when no L7 bit is set, ...);
 *  - the frame is parsed again after a "poison" frame that fills the
 *    parser's window with other bytes and its L7 union with a DNS name;
 *    the two records must be memcmp-identical (no read of stale bytes);
 *  - the record is printed as JSON and as text into /dev/null.
 * Inputs at least as large as a record are also printed as a raw record,
 * so the formatter sees hostile counts and lengths too. The -w rewrite of
 * --anonymize (src/privacy/rewrite.c) runs on the frame as Ethernet: it
 * stays inside it, and the rewritten frame parses to the same layers.
 * A broken invariant aborts with a message on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "parse/parse.h"
#include "privacy/privacy.h"

/* the record writer, into /dev/null through its smallest buffer, exactly
 * allocated: ASan sees any write past it */
static struct pl_out out;
static uint8_t poison[PL_WIN + 64];

static const enum pl_linktype links[] = {
	PL_LINK_ETHERNET,
	PL_LINK_LINUX_SLL,
	PL_LINK_LINUX_SLL2,
	PL_LINK_RAW,
	PL_LINK_IPV4,
	PL_LINK_IPV6,
	PL_LINK_NULL,
	PL_LINK_LOOP,
};

#define L4_BITS (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_ICMP | PL_HAS_ICMP6 | PL_HAS_SCTP)
#define L7_BITS (PL_HAS_DNS | PL_HAS_HTTP | PL_HAS_TLS)

static void broken(const char *what, int linktype, size_t size)
{
	fprintf(stderr, "fuzz_parser: invariant broken: %s (linktype %d, %zu bytes)\n", what,
		linktype, size);
	abort();
}

#define CHECK(cond, lt, size)                        \
	do {                                         \
		if (!(cond))                         \
			broken(#cond, (lt), (size)); \
	} while (0)

static int one_bit_at_most(uint32_t v)
{
	return (v & (v - 1)) == 0;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_record(const struct pl_pkt *p, int lt, size_t size)
{
	/* a tunnel's inner headers: laid out as the start of a struct pl_pkt */
	const struct pl_pkt *in =
		p->tun_flags & PL_TUNF_INNER ? (const struct pl_pkt *)(const void *)p->inner : NULL;

	CHECK(p->frame_len == size, lt, size);
	CHECK(p->malformed < PL_MAL__COUNT, lt, size);
	CHECK(p->truncated <= 1, lt, size);
	CHECK(p->n_vlan <= PL_MAX_VLAN, lt, size);
	CHECK(p->ip6_n_ext <= PL_MAX_IP6_EXT, lt, size);
	CHECK(p->l4_payload_off <= size, lt, size);
	CHECK(one_bit_at_most(p->present & L4_BITS), lt, size);
	CHECK(one_bit_at_most(p->present & L7_BITS), lt, size);
	CHECK(one_bit_at_most(p->present & (PL_HAS_ETH | PL_HAS_SLL)), lt, size);
	CHECK(one_bit_at_most(p->present & (PL_HAS_IP4 | PL_HAS_IP6 | PL_HAS_ARP)), lt, size);
	CHECK(!(p->present & PL_HAS_ETH) || lt == PL_LINK_ETHERNET, lt, size);
	CHECK(!(p->present & PL_HAS_SLL) || lt == PL_LINK_LINUX_SLL || lt == PL_LINK_LINUX_SLL2, lt,
	      size);
	CHECK(!(p->present & L4_BITS) || (p->present & (PL_HAS_IP4 | PL_HAS_IP6)), lt, size);
	/* the L7 hint is the inner packet's when there is one */
	CHECK(!(p->present & L7_BITS) || (p->present & (PL_HAS_TCP | PL_HAS_UDP)) ||
		      (in && (in->present & (PL_HAS_TCP | PL_HAS_UDP))),
	      lt, size);
	CHECK(p->n_mpls <= PL_MAX_MPLS && p->tun_kind <= PL_TUN_IP, lt, size);
	CHECK(!(p->tun_flags & PL_TUNF_INNER) || p->tun_kind, lt, size);
	if (in) {
		CHECK(one_bit_at_most(in->present & L4_BITS), lt, size);
		CHECK(!(in->present & L4_BITS) || (in->present & (PL_HAS_IP4 | PL_HAS_IP6)), lt,
		      size);
		CHECK(in->n_vlan <= PL_MAX_VLAN && in->ip6_n_ext <= PL_MAX_IP6_EXT, lt, size);
		CHECK((in->present & L7_BITS) == (p->present & L7_BITS), lt, size);
	}
	CHECK(!(p->present & PL_HAS_IP4_HDR_ONLY) || p->malformed, lt, size);
	if (!(p->present & PL_HAS_L7))
		CHECK(all_zero(&p->l7, sizeof(p->l7)), lt, size);
	if (p->present & PL_HAS_DNS)
		CHECK(p->l7.dns.name_len < PL_DNS_NAME_MAX, lt, size);
	if (p->present & PL_HAS_HTTP) {
		CHECK(p->l7.http.method_len >= 3 && p->l7.http.method_len < PL_HTTP_METHOD_MAX, lt,
		      size);
		CHECK(p->l7.http.uri_len >= 1 && p->l7.http.uri_len <= PL_HTTP_URI_MAX, lt, size);
		CHECK(p->l7.http.host_len <= PL_HTTP_HOST_MAX, lt, size);
	}
	if (p->present & PL_HAS_TLS) {
		CHECK(p->l7.tls.sni_len <= PL_TLS_SNI_MAX, lt, size);
		CHECK(p->l7.tls.alpn_len <= PL_TLS_ALPN_MAX, lt, size);
		CHECK(p->l7.tls.n_versions <= PL_TLS_VERS_MAX, lt, size);
	}
}

/* An Ethernet + IPv4 + UDP/53 DNS query with a long name, then bytes that
 * fill the rest of the parser's window. */
static void make_poison(void)
{
	static const uint8_t head[] = {
		0,    1,    2,	  3,	4, 5, 6,    7,	  8,  9,  10, 11, 0x08, 0x00,
		0x45, 0,    0,	  0,	0, 0, 0,    0,	  64, 17, 0,  0,  10,	0,
		0,    1,    10,	  0,	0, 2, 0x30, 0x39, 0,  53, 0,  0,  0,	0,
		0x77, 0x77, 0x01, 0x00, 0, 1, 0,    0,	  0,  0,  0,  0,
	};
	size_t n = sizeof(head), i, j;

	memset(poison, 0xc7, sizeof(poison));
	memcpy(poison, head, n);
	for (i = 0; i < 3; i++) { /* 3 labels of 63 bytes */
		poison[n++] = 63;
		for (j = 0; j < 63; j++)
			poison[n++] = (uint8_t)('A' + j % 26);
	}
	poison[n++] = 0;
	poison[n++] = 0;
	poison[n++] = 1;
	poison[n++] = 0;
	poison[n++] = 1;
	poison[16] = (uint8_t)((n - 14) >> 8);
	poison[17] = (uint8_t)(n - 14);
	poison[38] = (uint8_t)((n - 34) >> 8);
	poison[39] = (uint8_t)(n - 34);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	char *buf = malloc(PL_OUT_BUF_MIN);

	(void)argc;
	(void)argv;
	if (!devnull || !buf) {
		perror("/dev/null");
		abort();
	}
	pl_out_init_fd(&out, fileno(devnull), buf, PL_OUT_BUF_MIN);
	make_poison();
	return 0;
}

/* an address map for the rewrite: a bijection that changes every byte */
static void flip(void *ctx, bool ip6, uint8_t *a)
{
	unsigned int i;

	(void)ctx;
	for (i = 0; i < (ip6 ? 16u : 4u); i++)
		a[i] ^= 0xa5;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_meta meta = {
		.ts_epoch_ns = 1700000000123456789ull,
		.ifname = "fuzz0",
		.frame_number = 1,
	};
	struct pl_pkt a, b, poisoned;
	uint8_t *copy;
	size_t i;

	/* an exact-size copy so ASan catches any read past size */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		memset(&a, 0x11, sizeof(a));
		pl_parse_frame(&a, links[i], copy, (uint32_t)size, (uint32_t)size);
		check_record(&a, links[i], size);

		pl_parse_frame(&poisoned, PL_LINK_ETHERNET, poison, sizeof(poison), sizeof(poison));
		memset(&b, 0xee, sizeof(b));
		pl_parse_frame(&b, links[i], copy, (uint32_t)size, (uint32_t)size);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			broken("same frame, same record after another frame", links[i], size);

		pl_write_json(&out, &meta, &a);
		pl_write_text(&out, &meta, &a);
		meta.ifname = NULL;
		meta.frame_number = 0;
	}

	/* the -w rewrite: addresses and checksums change, nothing else */
	if (size) {
		uint32_t n = pl_rewrite_frame(copy, (uint32_t)size, false, flip, NULL);

		CHECK(n == size, PL_LINK_ETHERNET, size);
		memset(&b, 0x22, sizeof(b));
		pl_parse_frame(&b, PL_LINK_ETHERNET, copy, (uint32_t)size, (uint32_t)size);
		pl_parse_frame(&a, PL_LINK_ETHERNET, data, (uint32_t)size, (uint32_t)size);
		CHECK(a.present == b.present && a.sport == b.sport && a.dport == b.dport &&
			      a.l4_payload_off == b.l4_payload_off && a.malformed == b.malformed,
		      PL_LINK_ETHERNET, size);
		CHECK(pl_rewrite_frame(copy, (uint32_t)size, true, NULL, NULL) <= size,
		      PL_LINK_ETHERNET, size);
		memcpy(copy, data, size);
	}

	/* the formatter on a record made of arbitrary bytes */
	if (size >= sizeof(struct pl_pkt)) {
		struct pl_pkt raw;

		memcpy(&raw, copy, sizeof(raw));
		memcpy(&meta.ts_epoch_ns, copy + size - sizeof(meta.ts_epoch_ns),
		       sizeof(meta.ts_epoch_ns));
		pl_write_json(&out, &meta, &raw);
		pl_write_text(&out, &meta, &raw);
	}
	free(copy);
	return 0;
}
