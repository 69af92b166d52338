/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for QUIC (src/parse/quic.c, src/parse/quic_initial.c): RFC
 * 9001 Appendix A's client Initial and RFC 9369 Appendix A's QUIC v2 one
 * (keys, header protection, the ClientHello they carry), Initials sealed here with OpenSSL (CRYPTO frames
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

static const uint8_t RFC_DCID[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

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

/* The Initial keys of version v for RFC_DCID against the RFC's (hex). */
static void check_keys(uint32_t v, const char *key, const char *iv, const char *hp)
{
	uint8_t want[16];
	struct pl_quic_keys k;

	EQ(pl_quic_client_keys(v, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	MEM(k.key, want, unhex(key, want));
	MEM(k.iv, want, unhex(iv, want));
	MEM(k.hp, want, unhex(hp, want));
}

/* An RFC's protected client Initial of version v: header protection off
 * (its unprotected header in hex), the tag checks, and the plaintext is
 * the CRYPTO frame of RFC 9001's hello (both RFCs carry the same), then
 * PADDING; one bit off, or the other version's keys, and it fails. */
static void check_decrypt(const char *pkt_hex, uint32_t v, uint32_t other, const char *hdr_hex)
{
	static uint8_t pkt[1200], hdr[64], out[1200], want_hdr[22], want_body[128];
	struct pl_quic_keys k;
	size_t n = 0, i, wn;

	EQ(unhex(pkt_hex, pkt), 1200);
	unhex(hdr_hex, want_hdr);
	wn = unhex("060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f0"
		   "6a2b69484c00000413011302010000c000000010000e00000b6578616d706c652e636f6d",
		   want_body);
	EQ(pl_quic_client_keys(v, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	/* packet number at 18: 1+4+1+8+1+1 (token) +2 (length) */
	EQ(pl_quic_decrypt(&k, pkt, 18, 0x49e, hdr, out, &n), 0);
	MEM(hdr, want_hdr, 22);
	EQ(n, 1162);
	MEM(out, want_body, wn);
	for (i = 245; i < n; i++) /* the CRYPTO frame is 245 bytes, then PADDING */
		if (out[i])
			break;
	EQ(i, n);
	EQ(pl_quic_client_keys(other, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	TRUE(pl_quic_decrypt(&k, pkt, 18, 0x49e, hdr, out, &n) != 0);
	/* one bit off anywhere in the ciphertext: the tag fails */
	EQ(pl_quic_client_keys(v, RFC_DCID, sizeof(RFC_DCID), &k), 0);
	pkt[600] ^= 1;
	TRUE(pl_quic_decrypt(&k, pkt, 18, 0x49e, hdr, out, &n) != 0);
}

static void test_rfc_keys(void)
{
	check_keys(1, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
		   "9f50449e04a0e810283a1e9933adedd2");
}

static void test_rfc_decrypt(void)
{
	check_decrypt(rfc_initial_hex, 1, 0x6b3343cf,
		      "c300000001088394c8f03e5157080000449e00000002");
}

/* An RFC's client Initial to 443, its record: the header of version v
 * and type, and RFC 9001's hello decrypted. pkt and f: the packet and
 * the frame (*n bytes), for more. */
static void check_record(const char *pkt_hex, uint32_t v, unsigned type, uint8_t *pkt,
			 uint8_t *f, size_t *n)
{
	struct pl_pkt p;

	unhex(pkt_hex, pkt);
	*n = wrap_udp(f, pkt, 1200, 50000, 443);
	parse(&p, f, *n, *n);
	EQ(p.malformed, 0);
	EQ(p.truncated, 0);
	TRUE(p.present & PL_HAS_QUIC);
	TRUE(p.present & PL_HAS_TLS);
	EQ(p.l7.tls.quic.version, v);
	EQ(p.l7.tls.quic.type, type);
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
}

static void test_rfc_record(void)
{
	static uint8_t pkt[1200], f[1400];
	struct pl_pkt p;
	size_t n;

	check_record(rfc_initial_hex, 1, 0, pkt, f, &n);

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

/* RFC 9369 A.1: the v2 Initial keys of the same DCID (salt
 * 0x0dede3de..., labels "quicv2 key", "quicv2 iv", "quicv2 hp"). */
static void test_rfc9369_keys(void)
{
	check_keys(0x6b3343cf, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
		   "45b95e15235d6f45a6b19cbcb0294ba9");
}

/* RFC 9369 A.2: type bits 01 are v2's Initial */
static void test_rfc9369_decrypt(void)
{
	check_decrypt(rfc9369_initial_hex, 0x6b3343cf, 1,
		      "d36b3343cf088394c8f03e5157080000449e00000002");
}

/* The record of the v2 sample: quic.long.packet_type 1 is its Initial, the
 * hello's SNI decoded, to 443 and padded to another port alike. */
static void test_rfc9369_record(void)
{
	static uint8_t pkt[1200], f[1400];
	struct pl_pkt p;
	size_t n;

	check_record(rfc9369_initial_hex, 0x6b3343cf, 1, pkt, f, &n);
	n = wrap_udp(f, pkt, 1200, 50000, 4433);
	parse(&p, f, n, n);
	STR(p.l7.tls.sni_len, p.l7.tls.sni, "example.com");
	/* type bits 00 are v2's Retry: no Length, nothing to decrypt */
	unhex(rfc9369_initial_hex, pkt);
	pkt[0] &= 0xcf;
	n = wrap_udp(f, pkt, 1200, 50000, 443);
	parse(&p, f, n, n);
	TRUE(p.present & PL_HAS_QUIC);
	EQ(p.l7.tls.quic.type, 0);
	EQ(p.l7.tls.quic.flags, 0);
	TRUE(!(p.present & PL_HAS_TLS));
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
	/* the fixed bit greased (RFC 9287), as ngtcp2 does once allowed */
	f[ETH_IP_UDP] = 0xa0;
	parse(&p, f, n, n);
	TRUE(p.present & PL_HAS_QUIC);
	EQ(p.l7.tls.quic.type, 2);
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
	run("rfc9369_keys", test_rfc9369_keys);
	run("rfc9369_decrypt", test_rfc9369_decrypt);
	run("rfc9369_record", test_rfc9369_record);
	run("crypto_out_of_order", test_crypto_out_of_order);
	run("other_port", test_other_port);
	run("bad_initials", test_bad);
	run("long_headers", test_long_headers);
	return check_summary("test_quic");
}
