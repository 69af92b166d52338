// SPDX-License-Identifier: BSD-2-Clause
/* Community ID v1: the spec's ordering and ICMP port mapping, SHA1 and
 * base64 from OpenSSL. */
#include <string.h>
#include <openssl/evp.h>
#include "community_id.h"

/* The ICMP type that answers `type` (Zeek's ICMP4_counterpart and
 * ICMP6_counterpart, as the spec's reference takes them), or -1 for a
 * one-way type. */
static int icmp_counterpart(bool ip6, uint8_t type)
{
	static const uint8_t v4[][2] = { { 8, 0 },   { 0, 8 },	 { 13, 14 }, { 14, 13 }, { 15, 16 },
					 { 16, 15 }, { 10, 9 },	 { 17, 18 }, { 18, 17 } };
	static const uint8_t v6[][2] = { { 128, 129 }, { 129, 128 }, { 133, 134 }, { 134, 133 },
					 { 135, 136 }, { 136, 135 }, { 130, 131 }, { 131, 130 },
					 { 139, 140 }, { 140, 139 }, { 144, 145 }, { 145, 144 } };
	const uint8_t(*m)[2] = ip6 ? v6 : v4;
	size_t i, n = ip6 ? sizeof(v6) / sizeof(v6[0]) : sizeof(v4) / sizeof(v4[0]);

	for (i = 0; i < n; i++)
		if (m[i][0] == type)
			return m[i][1];
	return -1;
}

size_t pl_community_id(char out[PL_COMMUNITY_ID_LEN], uint16_t seed, bool ip6,
		       const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t sport,
		       uint16_t dport)
{
	size_t alen = ip6 ? 16 : 4, n = 0;
	bool ports = proto == 6 || proto == 17 || proto == 132;
	bool one_way = false;
	uint8_t buf[2 + 16 + 16 + 4 + 4], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int cmp;

	if ((!ip6 && proto == 1) || (ip6 && proto == 58)) {
		int peer = icmp_counterpart(ip6, (uint8_t)sport);

		ports = true;
		if (peer < 0)
			one_way = true; /* the code stays the "destination port" */
		else
			dport = (uint16_t)peer;
	}
	/* the smaller endpoint first: address, then port */
	cmp = memcmp(src, dst, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport))) {
		const uint8_t *a = src;
		uint16_t p = sport;

		src = dst, dst = a;
		sport = dport, dport = p;
	}
	buf[n++] = (uint8_t)(seed >> 8), buf[n++] = (uint8_t)seed;
	memcpy(buf + n, src, alen), n += alen;
	memcpy(buf + n, dst, alen), n += alen;
	buf[n++] = proto, buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(sport >> 8), buf[n++] = (uint8_t)sport;
		buf[n++] = (uint8_t)(dport >> 8), buf[n++] = (uint8_t)dport;
	}
	if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20) {
		out[0] = 0; /* OpenSSL without SHA1 (a FIPS provider): no ID */
		return 0;
	}
	out[0] = '1', out[1] = ':';
	return 2 + (size_t)EVP_EncodeBlock((unsigned char *)out + 2, md, 20);
}
