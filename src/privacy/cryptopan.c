// SPDX-License-Identifier: BSD-2-Clause
/* Crypto-PAn on OpenSSL's AES (cryptopan.h). */
#include <string.h>
#include <openssl/evp.h>
#include "privacy/cryptopan.h"

static void aes_block(const struct pl_cpan *c, const uint8_t in[16], uint8_t out[16])
{
	int n = 0;

	/* ECB without padding: one block in, one block out, never fails */
	EVP_EncryptUpdate(c->evp, out, &n, in, 16);
}

int pl_cpan_init(struct pl_cpan *c, const uint8_t key[PL_CPAN_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	memset(c, 0, sizeof(*c));
	if (!ctx)
		return -1;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return -1;
	}
	c->evp = ctx;
	aes_block(c, key + 16, c->pad);
	return 0;
}

void pl_cpan_free(struct pl_cpan *c)
{
	EVP_CIPHER_CTX_free(c->evp);
	c->evp = NULL;
}

void pl_cpan_anon(const struct pl_cpan *c, bool ip6, const uint8_t *in, uint8_t *out)
{
	unsigned int bits = ip6 ? 128 : 32, nbytes = bits / 8, i, byte;
	uint8_t block[16], enc[16], flip[16] = { 0 };

	memcpy(block, c->pad, 16);
	for (i = 0; i < bits; i++) {
		byte = i / 8;
		/* block: the first i bits of the input, the pad's after them
		 * (the bits before byte i/8 are the input's already) */
		if (i % 8) {
			uint8_t keep = (uint8_t)(0xff << (8 - i % 8));

			block[byte] = (uint8_t)((in[byte] & keep) | (c->pad[byte] & ~keep));
		} else if (i) {
			block[byte - 1] = in[byte - 1];
			block[byte] = c->pad[byte];
		}
		aes_block(c, block, enc);
		flip[byte] |= (uint8_t)((enc[0] >> 7) << (7 - i % 8));
	}
	for (i = 0; i < nbytes; i++)
		out[i] = in[i] ^ flip[i];
}
