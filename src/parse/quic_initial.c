/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A QUIC client Initial's ClientHello (RFC 9001 5), host only: included
 * by parse/parse.c after the shared parser.
 *
 * Not in BPF: the Initial keys come from HKDF over SHA-256 and the payload
 * is AES-128-GCM, and BPF programs have no helper or kfunc for either at
 * XDP/TC (bpf_crypto_* is skcipher only, and is for sleepable or TC
 * programs with a kernel key); a hand-written AES in a 1200-byte loop would
 * be far past the verifier's limits. The kernel sends the frame up whole
 * (packet.bpf.c) and this runs on it, with OpenSSL.
 *
 * Steps: keys from the DCID (5.2), header protection off (5.4, AES-ECB
 * mask), AEAD open (5.3), then CRYPTO frames (RFC 9000 19.6) put back
 * in order into the ClientHello, which tls.c parses into tls.handshake.*.
 */
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#define QI_SECRET   32
#define QI_KEY	    16
#define QI_IV	    12
#define QI_TAG	    16
#define QI_SAMPLE   16
#define QI_HELLO    (PL_WIN - 5) /* what fits tls.c's window after a record header */
#define QI_MAX_FRMS 64		 /* frames walked in one Initial */

static const __u8 qi_salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const __u8 qi_salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };

/* HKDF (RFC 5869) through OpenSSL's KDF: extract when salt, else expand. */
static int qi_hkdf(const __u8 *salt, size_t salt_len, const __u8 *key, size_t key_len,
		   const __u8 *info, size_t info_len, __u8 *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int mode = salt ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5], *p = params;
	int ok;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (salt)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	else
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*p = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int qi_expand_label(const __u8 secret[QI_SECRET], const char *label, __u8 *out,
			   size_t len)
{
	__u8 info[2 + 1 + 6 + 32 + 1];
	size_t n = strlen(label);

	if (n > 32)
		return -1;
	info[0] = (__u8)(len >> 8);
	info[1] = (__u8)len;
	info[2] = (__u8)(6 + n);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, n);
	info[9 + n] = 0;
	return qi_hkdf(NULL, 0, secret, QI_SECRET, info, 10 + n, out, len);
}

int pl_quic_client_keys(__u32 version, const __u8 *dcid, size_t dcid_len, struct pl_quic_keys *k)
{
	__u8 initial[QI_SECRET], client[QI_SECRET];
	bool v2 = version == QUIC_V2;
	const __u8 *salt = v2 ? qi_salt_v2 : qi_salt_v1;

	if (qi_hkdf(salt, sizeof(qi_salt_v1), dcid, dcid_len, NULL, 0, initial, QI_SECRET) ||
	    qi_expand_label(initial, "client in", client, QI_SECRET) ||
	    qi_expand_label(client, v2 ? "quicv2 key" : "quic key", k->key, QI_KEY) ||
	    qi_expand_label(client, v2 ? "quicv2 iv" : "quic iv", k->iv, QI_IV) ||
	    qi_expand_label(client, v2 ? "quicv2 hp" : "quic hp", k->hp, QI_KEY))
		return -1;
	return 0;
}

/* The header protection mask: AES-128-ECB of the sample (RFC 9001 5.4.3). */
static int qi_hp_mask(const __u8 hp[QI_KEY], const __u8 *sample, __u8 mask[QI_SAMPLE])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	     EVP_EncryptUpdate(c, mask, &n, sample, QI_SAMPLE) == 1 && n == QI_SAMPLE;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* AES-128-GCM open; 0 when the tag checks. */
static int qi_open(const struct pl_quic_keys *k, const __u8 nonce[QI_IV], const __u8 *aad,
		   size_t aad_len, const __u8 *in, size_t len, __u8 *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = c && EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, QI_IV, NULL) == 1 &&
	     EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
	     EVP_DecryptUpdate(c, out, &n, in, (int)(len - QI_TAG)) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, QI_TAG, (void *)(in + len - QI_TAG)) == 1 &&
	     EVP_DecryptFinal_ex(c, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int pl_quic_decrypt(const struct pl_quic_keys *k, const __u8 *pkt, size_t pn_off, size_t length,
		    __u8 *hdr, __u8 *out, size_t *out_len)
{
	__u8 mask[QI_SAMPLE], nonce[QI_IV];
	size_t pn_len, i;
	__u64 pn = 0;

	/* the sample starts 4 bytes after the packet number's start */
	if (length < 4 + QI_SAMPLE || qi_hp_mask(k->hp, pkt + pn_off + 4, mask))
		return -1;
	memcpy(hdr, pkt, pn_off + 4);
	hdr[0] ^= mask[0] & 0x0f;
	pn_len = (hdr[0] & 3) + 1u;
	if (length < pn_len + QI_TAG)
		return -1;
	for (i = 0; i < pn_len; i++) {
		hdr[pn_off + i] ^= mask[1 + i];
		pn = pn << 8 | hdr[pn_off + i];
	}
	memcpy(nonce, k->iv, QI_IV);
	for (i = 0; i < 8; i++)
		nonce[QI_IV - 1 - i] ^= (__u8)(pn >> (8 * i));
	*out_len = length - pn_len - QI_TAG;
	return qi_open(k, nonce, hdr, pn_off + pn_len, pkt + pn_off + pn_len, length - pn_len,
		       out);
}

/* A varint (RFC 9000 16) of b[*pos, end); -1 past the end. */
static int qi_varint(const __u8 *b, size_t end, size_t *pos, __u64 *v)
{
	size_t n, i;

	if (*pos >= end)
		return -1;
	n = (size_t)1 << (b[*pos] >> 6);
	if (n > end - *pos)
		return -1;
	*v = b[*pos] & 0x3f;
	for (i = 1; i < n; i++)
		*v = *v << 8 | b[*pos + i];
	*pos += n;
	return 0;
}

/* The CRYPTO data of one Initial's frames, in order: data[0, *have) is
 * the contiguous run from offset 0. The frames an Initial may hold are
 * PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (RFC 9000 12.4). */
int pl_quic_crypto(const __u8 *b, size_t len, __u8 *data, size_t cap, size_t *have)
{
	static __thread __u8 got[QI_HELLO];
	size_t pos = 0, n, i;
	__u64 type, off, flen, cnt, x;
	int frames = 0;

	if (cap > sizeof(got))
		cap = sizeof(got);
	memset(got, 0, cap);
	while (pos < len) {
		if (b[pos] == 0x00) { /* PADDING */
			pos++;
			continue;
		}
		if (++frames > QI_MAX_FRMS || qi_varint(b, len, &pos, &type))
			return -1;
		switch (type) {
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK: largest, delay, count, first range, ranges */
		case 0x03: /* with ECN counts */
			if (qi_varint(b, len, &pos, &x) || qi_varint(b, len, &pos, &x) ||
			    qi_varint(b, len, &pos, &cnt) || qi_varint(b, len, &pos, &x) ||
			    cnt > len)
				return -1;
			for (i = 0; i < 2 * cnt + (type == 0x03 ? 3 : 0); i++)
				if (qi_varint(b, len, &pos, &x))
					return -1;
			break;
		case 0x06: /* CRYPTO: offset, length, data */
			if (qi_varint(b, len, &pos, &off) || qi_varint(b, len, &pos, &flen) ||
			    flen > len - pos)
				return -1;
			/* the part that fits the hello buffer */
			for (i = 0; off < cap && i < flen; i++, off++) {
				data[off] = b[pos + i];
				got[off] = 1;
			}
			pos += flen;
			break;
		case 0x1c: /* CONNECTION_CLOSE: code, frame type, reason */
			if (qi_varint(b, len, &pos, &x) || qi_varint(b, len, &pos, &x) ||
			    qi_varint(b, len, &pos, &flen) || flen > len - pos)
				return -1;
			pos += flen;
			break;
		default:
			return -1;
		}
	}
	for (n = 0; n < cap && got[n]; n++)
		;
	*have = n;
	return 0;
}

/* parse_tls() on the hello: it reads a TLS record, so one is put before
 * it in a scratch of its own; the record gets the tls.* fields. */
static void qi_hello(struct pl_scratch *s, const __u8 *hello, size_t n)
{
	static __thread struct pl_scratch t;
	struct pl_pkt *p = &s->ev.pkt;
	__u32 keep = PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN;
	__typeof__(p->l7.tls.quic) quic = p->l7.tls.quic;

	/* an Initial with ACKs alone, or the hello's later part, has none */
	if (!n)
		return;
	if (hello[0] != TLS_CLIENT_HELLO) {
		pl_set_malformed(s, PL_MAL_QUIC_CRYPTO);
		return;
	}
	t.buf[0] = 0x16;
	t.buf[1] = 3;
	t.buf[2] = 1;
	t.buf[3] = (__u8)(n >> 8);
	t.buf[4] = (__u8)n;
	memcpy(t.buf + 5, hello, n);
	t.len = t.avail = t.l4_end = (__u32)(5 + n);
	memset(&t.ev.pkt, 0, sizeof(t.ev.pkt));
	parse_tls(&t, 0);
	p->l7 = t.ev.pkt.l7;
	p->l7.tls.quic = quic;
	p->l7.tls.quic.flags |= PL_QUIC_DECRYPTED;
	p->present |= t.ev.pkt.present & keep;
	p->truncated |= t.ev.pkt.truncated;
	if (t.ev.pkt.malformed)
		pl_set_malformed(s, t.ev.pkt.malformed);
}

/* A client Initial in s (parse_quic() set PL_QUIC_CLIENT_INITIAL): data is
 * the whole frame, caplen bytes of it. */
static void pl_quic_initial(struct pl_scratch *s, const __u8 *data, __u32 caplen)
{
	static __thread __u8 plain[PL_CAP_MAX], hdr[PL_WIN], hello[QI_HELLO];
	struct pl_pkt *p = &s->ev.pkt;
	struct pl_quic_keys k;
	size_t pn_off = p->l7.tls.quic.payload_off, length = p->l7.tls.quic.length, n, have;

	/* parse_quic() checked the lengths against the datagram; the capture
	 * may hold less of it */
	if (pn_off + length > caplen || length > sizeof(plain) || pn_off + 4 > sizeof(hdr)) {
		p->truncated = 1;
		return;
	}
	if (pl_quic_client_keys(p->l7.tls.quic.version, p->l7.tls.quic.dcid,
				p->l7.tls.quic.dcid_len, &k) ||
	    pl_quic_decrypt(&k, data + s->l7_off, pn_off - s->l7_off, length, hdr, plain, &n)) {
		pl_set_malformed(s, PL_MAL_QUIC_DECRYPT);
		return;
	}
	if (pl_quic_crypto(plain, n, hello, sizeof(hello), &have)) {
		pl_set_malformed(s, PL_MAL_QUIC_CRYPTO);
		return;
	}
	qi_hello(s, hello, have);
}
