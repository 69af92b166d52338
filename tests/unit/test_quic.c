/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for QUIC (src/parse/quic.c, src/parse/quic_initial.c): RFC
 * 9001 Appendix A's client Initial (keys, header protection, the
 * ClientHello it carries), Initials sealed here with OpenSSL (CRYPTO frames
 * out of order, PING, PADDING) and bad ones, which must be marked and
 * never crash.
 *
 *   make build/san/test_quic && build/san/test_quic
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "check.h"
#include "quic_seal.h"

/* RFC 9001 A.2: the protected client Initial, 1200 bytes */
static const char rfc_initial_hex[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934"	;

static const uint8_t RFC_DCID[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned int v;

	for (; h[0] && h[1]; h += 2) {
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Parses a malloc'ed copy of exactly caplen bytes, so ASan sees over-reads. */
static void parse(struct pl_pkt *p, const uint8_t *f, size_t caplen, size_t wire)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);

	memcpy(copy, f, caplen);
	pl_parse_frame(p, PL_LINK_ETHERNET, copy, (uint32_t)caplen, (uint32_t)wire);
	free(copy);
}

/* A ClientHello with server_name and ALPN (RFC 8446 4.1.2). */
static size_t client_hello(uint8_t *b, const char *sni, const char *alpn)
{
	size_t n = 0, sl = strlen(sni), al = strlen(alpn), ext;

	b[n++] = 1, n += 3;
	b[n++] = 3, b[n++] = 3;
	memset(b + n, 0x11, 32), n += 32;
	b[n++] = 0;				  /* session id */
	b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01; /* TLS_AES_128_GCM_SHA256 */
	b[n++] = 1, b[n++] = 0;
	ext = n, n += 2;
	b[n++] = 0, b[n++] = 0, b[n++] = 0, b[n++] = (uint8_t)(sl + 5);
	b[n++] = 0, b[n++] = (uint8_t)(sl + 3), b[n++] = 0, b[n++] = 0, b[n++] = (uint8_t)sl;
	memcpy(b + n, sni, sl), n += sl;
	b[n++] = 0, b[n++] = 16, b[n++] = 0, b[n++] = (uint8_t)(al + 3);
	b[n++] = 0, b[n++] = (uint8_t)(al + 1), b[n++] = (uint8_t)al;
	memcpy(b + n, alpn, al), n += al;
	b[n++] = 0, b[n++] = 43, b[n++] = 0, b[n++] = 3, b[n++] = 2, b[n++] = 3, b[n++] = 4;
	b[ext] = (uint8_t)((n - ext - 2) >> 8), b[ext + 1] = (uint8_t)(n - ext - 2);
	b[1] = 0, b[2] = (uint8_t)((n - 4) >> 8), b[3] = (uint8_t)(n - 4);
	return n;
}

/* ---- tests ---- */

static void test_rfc_keys(void)
{
	static const uint8_t key[16] = { 0x1f, 0x36, 0x96, 0x13, 0xdd, 0x76, 0xd5, 0x46,
					 0x77, 0x30, 0xef, 0xcb, 0xe3, 0xb1, 0xa2, 0x2d };
	static const uint8_t iv[12] = { 0xfa, 0x04, 0x4b, 0x2f, 0x42, 0xa3,
					0xfd, 0x3b, 0x46, 0xfb, 0x25, 0x5c };
	static const uint8_t hp[16] = { 0x9f, 0x50, 0x44, 0x9e, 0x04, 0xa0, 0xe8, 0x10,
					0x28, 0x3a, 0x1e, 0x99, 0x33, 0xad, 0xed, 0xd2 };
	struct pl_quic_keys k;

	EQ(pl_quic_client_keys(1, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	MEM(k.key, key, 16);
	MEM(k.iv, iv, 12);
	MEM(k.hp, hp, 16);
}

static void test_rfc_decrypt(void)
{
	static uint8_t pkt[1200], hdr[64], out[1200], want_hdr[22], want_body[128];
	struct pl_quic_keys k;
	size_t n = 0, i, wn;

	EQ(unhex(rfc_initial_hex, pkt), 1200);
	unhex("c300000001088394c8f03e5157080000449e00000002", want_hdr);
	wn = unhex("060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f0"
		   "6a2b69484c00000413011302010000c000000010000e00000b6578616d706c652e636f6d",
		   want_body);
	EQ(pl_quic_client_keys(1, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	/* packet number at 18: 1+4+1+8+1+1 (token) +2 (length) */
	EQ(pl_quic_decrypt(&k, pkt, 18, 0x49e, hdr, out, &n), 0);
	MEM(hdr, want_hdr, 22);
	EQ(n, 1162);
	MEM(out, want_body, wn);
	for (i = 245; i < n; i++) /* the CRYPTO frame is 245 bytes, then PADDING */
		if (out[i])
			break;
	EQ(i, n);
	/* one bit off anywhere in the ciphertext: the tag fails */
	pkt[600] ^= 1;
	TRUE(pl_quic_decrypt(&k, pkt, 18, 0x49e, hdr, out, &n) != 0);
}

static void test_rfc_record(void)
{
	static uint8_t pkt[1200], f[1400];
	struct pl_pkt p;
	size_t n;

	unhex(rfc_initial_hex, pkt);
	n = wrap_udp(f, pkt, 1200, 50000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, 0);
	EQ(p.truncated, 0);
	TRUE(p.present & PL_HAS_QUIC);
	TRUE(p.present & PL_HAS_TLS);
	EQ(p.l7.tls.quic.version, 1);
	EQ(p.l7.tls.quic.type, 0);
	EQ(p.l7.tls.quic.dcid_len, 8);
	MEM(p.l7.tls.quic.dcid, RFC_DCID, 8);
	EQ(p.l7.tls.quic.scid_len, 0);
	EQ(p.l7.tls.quic.length, 0x49e);
	EQ(p.l7.tls.quic.flags, PL_QUIC_CLIENT_INITIAL | PL_QUIC_DECRYPTED);
	EQ(p.l7.tls.hs_type, 1);
	EQ(p.l7.tls.version, 0x0303);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, "example.com");
	EQ(p.l7.tls.alpn_len, 5);
	MEM(p.l7.tls.alpn, "\x04" "alpn", 5);
	EQ(p.l7.tls.n_versions, 1);
	EQ(p.l7.tls.versions[0], 0x0304);

	/* the kernel's record (no decryption) keeps the header alone */
	pl_parse_set_quic_decrypt(false);
	parse(&p, f, n, n);
	pl_parse_set_quic_decrypt(true);
	TRUE(p.present & PL_HAS_QUIC);
	TRUE(!(p.present & PL_HAS_TLS));
	EQ(p.l7.tls.quic.flags, PL_QUIC_CLIENT_INITIAL);

	/* a server's Initial (from 443) is not opened with client keys */
	n = wrap_udp(f, pkt, 1200, 443, 50000);
	parse(&p, f, n, n);
	TRUE(p.present & PL_HAS_QUIC);
	TRUE(!(p.present & PL_HAS_TLS));
	EQ(p.malformed, 0);
}

/* The hello in three CRYPTO frames sent last-first, with PING and PADDING
 * between them. */
static void test_crypto_out_of_order(void)
{
	static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static uint8_t hello[512], payload[1200], dgram[1400], f[1500];
	struct pl_pkt p;
	size_t h = client_hello(hello, "quic-ooo.test", "h3"), n = 0, a = h / 3, b = 2 * h / 3;

	n += crypto_frame(payload + n, b, hello + b, h - b);
	payload[n++] = 0x01; /* PING */
	payload[n++] = 0x00; /* PADDING */
	n += crypto_frame(payload + n, 0, hello, a);
	payload[n++] = 0x00;
	n += crypto_frame(payload + n, a, hello + a, b - a);
	n = seal_initial(dgram, dcid, sizeof(dcid), payload, n);
	TRUE(n == 1200);
	n = wrap_udp(f, dgram, n, 40000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, 0);
	TRUE(p.present & PL_HAS_TLS_ALPN);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, "quic-ooo.test");
	MEM(p.l7.tls.alpn, "\x02h3", 3);
	EQ(p.l7.tls.versions[0], 0x0304);
}

/* On a port other than 443, a padded Initial of v1 is QUIC too. */
static void test_other_port(void)
{
	static const uint8_t dcid[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	static uint8_t hello[512], payload[600], dgram[1400], f[1500];
	struct pl_pkt p;
	size_t n = crypto_frame(payload, 0, hello, client_hello(hello, "p4433.test", "h3"));

	n = seal_initial(dgram, dcid, sizeof(dcid), payload, n);
	n = wrap_udp(f, dgram, n, 40000, 4433);
	parse(&p, f, n, n);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, "p4433.test");
	/* cut below 1200 bytes it is not taken for QUIC there */
	f[ETH_IP_UDP - 4] = 0x04, f[ETH_IP_UDP - 3] = 0x00;
	f[16] = 0x04, f[17] = 0x14;
	parse(&p, f, 42 + 1016, 42 + 1016);
	TRUE(!(p.present & PL_HAS_QUIC));
}

static void test_bad(void)
{
	static const uint8_t dcid[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	static uint8_t hello[512], payload[600], dgram[1400], f[1500], rfc[1200];
	struct pl_pkt p;
	size_t n, d;

	/* the tag fails: marked, the header is still reported */
	unhex(rfc_initial_hex, rfc);
	rfc[700] ^= 0x80;
	n = wrap_udp(f, rfc, 1200, 50000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_DECRYPT);
	TRUE(p.present & PL_HAS_QUIC);
	TRUE(!(p.present & PL_HAS_TLS));
	MEM(p.l7.tls.quic.dcid, RFC_DCID, 8);

	/* a length past the datagram */
	unhex(rfc_initial_hex, rfc);
	rfc[16] = 0x4f, rfc[17] = 0xff;
	n = wrap_udp(f, rfc, 1200, 50000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_HDR);
	EQ(p.l7.tls.quic.length, 0);

	/* a token length past the datagram */
	unhex(rfc_initial_hex, rfc);
	rfc[15] = 0x7f;
	n = wrap_udp(f, rfc, 1200, 50000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_HDR);

	/* a connection ID longer than 20 bytes */
	unhex(rfc_initial_hex, rfc);
	rfc[5] = 21;
	n = wrap_udp(f, rfc, 1200, 50000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_HDR);

	/* the capture cut inside the packet: truncated, nothing decrypted */
	unhex(rfc_initial_hex, rfc);
	n = wrap_udp(f, rfc, 1200, 50000, 443);
	parse(&p, f, 300, n);
	EQ(p.malformed, 0);
	EQ(p.truncated, 1);
	TRUE(!(p.present & PL_HAS_TLS));

	/* a frame an Initial may not carry (STREAM) */
	n = crypto_frame(payload, 0, hello, client_hello(hello, "bad.test", "h3"));
	payload[n++] = 0x08;
	d = seal_initial(dgram, dcid, sizeof(dcid), payload, n);
	n = wrap_udp(f, dgram, d, 40000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_CRYPTO);

	/* a CRYPTO length past the payload */
	n = crypto_frame(payload, 0, hello, client_hello(hello, "bad.test", "h3"));
	payload[3] = 0x7f;
	d = seal_initial(dgram, dcid, sizeof(dcid), payload, n);
	n = wrap_udp(f, dgram, d, 40000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_CRYPTO);

	/* CRYPTO data that is no ClientHello */
	n = crypto_frame(payload, 0, (const uint8_t *)"\x02\x00\x00\x01\x00", 5);
	d = seal_initial(dgram, dcid, sizeof(dcid), payload, n);
	n = wrap_udp(f, dgram, d, 40000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, PL_MAL_QUIC_CRYPTO);

	/* ACKs and PADDING alone: no hello, and nothing wrong */
	memcpy(payload, "\x02\x05\x00\x01\x00\x00\x00\x01", 8);
	d = seal_initial(dgram, dcid, sizeof(dcid), payload, 8);
	n = wrap_udp(f, dgram, d, 40000, 443);
	parse(&p, f, n, n);
	EQ(p.malformed, 0);
	TRUE(!(p.present & PL_HAS_TLS));
	EQ(p.l7.tls.quic.flags, PL_QUIC_CLIENT_INITIAL);
}

/* Version negotiation and other long headers on 443: the header only. */
static void test_long_headers(void)
{
	static const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 4, 1, 2, 3, 4, 2, 5, 6, 0, 0, 0, 1 };
	static const uint8_t hs[] = { 0xe0, 0, 0, 0, 1, 1, 0xaa, 1, 0xbb, 0x40, 0x20, 0, 0,
				      0,    0, 0, 0, 0, 0, 0,    0, 0,    0,    0,    0, 0, 0 };
	uint8_t f[128];
	struct pl_pkt p;
	size_t n = wrap_udp(f, vn, sizeof(vn), 443, 50000);

	parse(&p, f, n, n);
	TRUE(p.present & PL_HAS_QUIC);
	EQ(p.l7.tls.quic.version, 0);
	EQ(p.l7.tls.quic.dcid_len, 4);
	EQ(p.l7.tls.quic.scid_len, 2);
	EQ(p.malformed, 0);
	n = wrap_udp(f, hs, sizeof(hs), 443, 50000);
	parse(&p, f, n, n);
	EQ(p.l7.tls.quic.type, 2);
	EQ(p.l7.tls.quic.flags, 0);
	EQ(p.l7.tls.quic.scid[0], 0xbb);
	/* short header, or a long one to another port: not QUIC here */
	f[ETH_IP_UDP] = 0x40;
	parse(&p, f, n, n);
	TRUE(!(p.present & PL_HAS_QUIC));
	n = wrap_udp(f, hs, sizeof(hs), 4000, 5000);
	parse(&p, f, n, n);
	TRUE(!(p.present & PL_HAS_QUIC));
}

int main(void)
{
	run("rfc9001_keys", test_rfc_keys);
	run("rfc9001_decrypt", test_rfc_decrypt);
	run("rfc9001_record", test_rfc_record);
	run("crypto_out_of_order", test_crypto_out_of_order);
	run("other_port", test_other_port);
	run("bad_initials", test_bad);
	run("long_headers", test_long_headers);
	return check_summary("test_quic");
}
