/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TLS ClientHello and ServerHello (RFC 8446 4.1.2, 4.1.3) in the first
 * record of a TCP payload.
 *
 * record:    type 0x16 (1) | version (2) | length (2)
 * handshake: type 0x01 (1) | length (3) | legacy_version (2) | random (32)
 *            | session_id <0..32> | cipher_suites <2..2^16-2>
 *            | compression_methods <1..2^8-1> | extensions <8..2^16-1>
 * extension: type (2) | length (2) | data
 *   server_name (0, RFC 6066): list len (2) | type 0 (1) | len (2) | name
 *   ALPN (16, RFC 7301):       list len (2) | (len (1) | name)*
 *   supported_versions (43):   len (1) | version (2)*  (ServerHello: version (2))
 *
 * A ServerHello has one cipher suite (2) and one compression method (1)
 * where a ClientHello has the two lists.
 */
#include "cursor.h"

#define TLS_EXT_SERVER_NAME	   0
#define TLS_EXT_ALPN		   16
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_MAX_EXTENSIONS	   32

#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2

PL_INLINE bool is_tls_hello(struct pl_scratch *s, __u32 off)
{
	return pl_u8(s, off) == 0x16 && pl_u8(s, off + 1) == 3 && pl_u8(s, off + 2) <= 4 &&
	       (pl_u8(s, off + 5) == TLS_CLIENT_HELLO || pl_u8(s, off + 5) == TLS_SERVER_HELLO);
}

PL_INLINE int tls_server_name(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 len;

	if (!pl_have_l4(s, off, 5) || pl_u8(s, off + 2) != 0)
		return 0;
	len = pl_be16(s, off + 3);
	if (!pl_have_l4(s, off + 5, len))
		return 0;
	p->l7.tls.sni_len = (__u16)pl_copy(s, off + 5, p->l7.tls.sni, len, PL_TLS_SNI_MAX);
	p->present |= PL_HAS_TLS_SNI;
	return 0;
}

PL_SUBPROG int tls_alpn(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p;
	__u32 len;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (!pl_have_l4(s, off, 2))
		return 0;
	len = pl_be16(s, off);
	if (!pl_have_l4(s, off + 2, len))
		return 0;
	p->l7.tls.alpn_len =
		(__u16)pl_copy(s, off + 2, (char *)p->l7.tls.alpn, len, PL_TLS_ALPN_MAX);
	p->present |= PL_HAS_TLS_ALPN;
	return 0;
}

PL_SUBPROG int tls_supported_versions(struct pl_scratch *s, __u32 off, __u32 server)
{
	struct pl_pkt *p;
	__u32 len, i;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (server) { /* the selected version */
		if (pl_have_l4(s, off, 2)) {
			p->l7.tls.versions[0] = pl_be16(s, off);
			p->l7.tls.n_versions = 1;
		}
		return 0;
	}
	if (!pl_have_l4(s, off, 1))
		return 0;
	len = pl_u8(s, off);
	for (i = 0; i < PL_TLS_VERS_MAX && 2 * i + 2 <= len; i++) {
		if (!pl_have_l4(s, off + 1 + 2 * i, 2))
			break;
		p->l7.tls.versions[i] = pl_be16(s, off + 1 + 2 * i);
		p->l7.tls.n_versions = (__u8)(i + 1);
	}
	return 0;
}

/* off: start of a TLS record that is_tls_hello() accepted. */
PL_SUBPROG int parse_tls(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p;
	__u32 pos, ext_end, type, len, i, server, sni = 0;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (pl_parse_wants(PL_PART_L7_ALL))
		__builtin_memset(&p->l7, 0, sizeof(p->l7));
	p->present |= PL_HAS_TLS;
	pos = off + 5; /* handshake header */
	server = pl_u8(s, pos) == TLS_SERVER_HELLO;
	p->l7.tls.hs_type = pl_u8(s, pos);
	if (!pl_have_l4(s, pos + 4, 2))
		return 0;
	p->l7.tls.version = pl_be16(s, pos + 4);
	/* the names alone (PL_PART_L7): a ServerHello has none */
	if (server && !pl_parse_wants(PL_PART_L7_ALL))
		return 0;
	pos += 4 + 2 + 32;
	if (!pl_have_l4(s, pos, 1))
		return 0;
	pos += 1 + pl_u8(s, pos); /* session_id */
	if (server) {
		pos += 2 + 1; /* cipher_suite, compression_method */
	} else {
		if (!pl_have_l4(s, pos, 2))
			return 0;
		pos += 2 + pl_be16(s, pos); /* cipher_suites */
		if (!pl_have_l4(s, pos, 1))
			return 0;
		pos += 1 + pl_u8(s, pos); /* compression_methods */
	}
	if (!pl_have_l4(s, pos, 2))
		return 0;
	ext_end = pos + 2 + pl_be16(s, pos);
	pos += 2;

	for (i = 0; i < TLS_MAX_EXTENSIONS; i++) {
		if (pos + 4 > ext_end || !pl_have_l4(s, pos, 4))
			break;
		type = pl_be16(s, pos);
		len = pl_be16(s, pos + 2);
		pos += 4;
		if (pos + len > ext_end) {
			pl_set_malformed(s, PL_MAL_TLS_RECORD);
			break;
		}
		/* each reader stays inside its extension's length; the first
		 * server_name extension counts, as the first TCP option of a
		 * kind does (read after the walk) */
		if (type == TLS_EXT_SERVER_NAME && len >= 5 && !server) {
			if (!sni)
				sni = pos;
			/* the names alone: nothing after it is read */
			if (!pl_parse_wants(PL_PART_L7_ALL))
				break;
		} else if (type == TLS_EXT_ALPN && len >= 2 && pl_parse_wants(PL_PART_L7_ALL)) {
			tls_alpn(s, pos);
		} else if (type == TLS_EXT_SUPPORTED_VERSIONS && len >= (server ? 2 : 1) &&
			   pl_parse_wants(PL_PART_L7_ALL)) {
			tls_supported_versions(s, pos, server);
		}
		pos += len;
	}
	if (sni)
		tls_server_name(s, sni);
	return 0;
}
