/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Crypto-PAn (Xu, Fan, Ammar, Moon, ICNP 2002): a keyed, prefix-preserving
 * one-to-one map of IP addresses. Bit i of the output is bit i of the input
 * XOR the first bit of AES_K(the input's first i bits, then the pad's
 * bits from i on), so two addresses that share an n-bit prefix map to two
 * addresses that share an n-bit prefix, and no more.
 *
 * The 32-byte key is the reference implementation's: bytes 0..15 the AES
 * key, 16..31 encrypted with it give the pad. IPv4 gives the reference
 * outputs (tests/unit/test_privacy.c checks its sample trace); IPv6 is the
 * same over 128 bits, as yacryptopan and Yawning's Go version do.
 *
 * AES is OpenSSL's (libcrypto EVP, AES-128-ECB, one block per bit).
 */
#ifndef PKTLENS_CRYPTOPAN_H
#define PKTLENS_CRYPTOPAN_H

#include <stdbool.h>
#include <stdint.h>

#define PL_CPAN_KEY_LEN 32

struct pl_cpan {
	void *evp;	 /* EVP_CIPHER_CTX, AES-128-ECB encrypting */
	uint8_t pad[16]; /* AES_K(key[16..31]) */
};

/* 0, or -1 when libcrypto cannot set up AES-128 (out of memory). */
int pl_cpan_init(struct pl_cpan *c, const uint8_t key[PL_CPAN_KEY_LEN]);
void pl_cpan_free(struct pl_cpan *c);
/* out = the mapped address: 16 bytes when ip6, else 4; out may be in. */
void pl_cpan_anon(const struct pl_cpan *c, bool ip6, const uint8_t *in, uint8_t *out);

#endif
