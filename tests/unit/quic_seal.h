/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sealing QUIC v1 client Initials with OpenSSL, for the tests and the
 * fuzz target of parse/quic_initial.c (test_quic.c, fuzz_quic.c): what
 * RFC 9001's one sample does not cover needs Initials of our own making.
 */
#ifndef PL_TESTS_QUIC_SEAL_H
#define PL_TESTS_QUIC_SEAL_H

#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>

#include "parse/parse.h"

static inline int gcm_seal(const struct pl_quic_keys *k, const uint8_t nonce[12], const uint8_t *aad,
		    size_t aad_len, const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l = 0, ok;

	ok = EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &l, aad, (int)aad_len) == 1 &&
	     EVP_EncryptUpdate(c, out, &l, in, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(c, out + l, &l) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* A v1 client Initial with a 2-byte packet number 0 around payload (padded
 * to a 1200-byte datagram): header protection as RFC 9001 5.4. out holds
 * max(n, 1200) + 80 bytes; 0 when payload is longer than QS_MAX. */
#define QS_MAX 4000
static inline size_t seal_initial(uint8_t *out, const uint8_t *dcid, size_t dcid_len,
			   const uint8_t *payload, size_t n)
{
	struct pl_quic_keys k;
	static uint8_t plain[QS_MAX + 1200];
	uint8_t mask[16];
	size_t h = 0, len, i, pn_off;
	EVP_CIPHER_CTX *c;
	int l;

	if (n > QS_MAX || dcid_len > 20)
		return 0;
	memset(plain, 0, sizeof(plain));
	len = 1200 - (1 + 4 + 1 + dcid_len + 1 + 1 + 2) - 2 - 16; /* plaintext to fill 1200 */
	if (n > len)
		len = n;
	memcpy(plain, payload, n);
	out[h++] = 0xc1; /* Initial, pn length 2 */
	out[h++] = 0, out[h++] = 0, out[h++] = 0, out[h++] = 1;
	out[h++] = (uint8_t)dcid_len;
	memcpy(out + h, dcid, dcid_len);
	h += dcid_len;
	out[h++] = 0;			      /* SCID */
	out[h++] = 0;			      /* token */
	out[h++] = (uint8_t)(0x40 | ((len + 18) >> 8)); /* length, 2-byte varint */
	out[h++] = (uint8_t)(len + 18);
	pn_off = h;
	out[h++] = 0, out[h++] = 0; /* packet number 0 */
	if (pl_quic_client_keys(1, dcid, dcid_len, &k) || gcm_seal(&k, k.iv, out, h, plain, len, out + h))
		return 0;
	c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL);
	EVP_EncryptUpdate(c, mask, &l, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < 2; i++)
		out[pn_off + i] ^= mask[1 + i];
	return h + len + 16;
}

/* A CRYPTO frame (RFC 9000 19.6) with 2-byte varints. */
static inline size_t crypto_frame(uint8_t *b, size_t off, const uint8_t *data, size_t n)
{
	b[0] = 6;
	b[1] = (uint8_t)(0x40 | off >> 8), b[2] = (uint8_t)off;
	b[3] = (uint8_t)(0x40 | n >> 8), b[4] = (uint8_t)n;
	memcpy(b + 5, data, n);
	return 5 + n;
}

/* Ethernet, IPv4 and UDP around a datagram of n bytes, into f. */
#define ETH_IP_UDP 42

static inline size_t wrap_udp(uint8_t *f, const uint8_t *dgram, size_t n, uint16_t sport, uint16_t dport)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	size_t ip_len = 20 + 8 + n, udp_len = 8 + n;

	memcpy(f, eth, 14);
	memset(f + 14, 0, 28);
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 17;
	f[26] = 198, f[27] = 18, f[28] = 0, f[29] = 2;
	f[30] = 198, f[31] = 18, f[32] = 0, f[33] = 1;
	f[34] = (uint8_t)(sport >> 8), f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8), f[37] = (uint8_t)dport;
	f[38] = (uint8_t)(udp_len >> 8), f[39] = (uint8_t)udp_len;
	memcpy(f + ETH_IP_UDP, dgram, n);
	return ETH_IP_UDP + n;
}

#endif
