/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * QUIC long header (RFC 8999 5.1, RFC 9000 17.2, RFC 9369 3.2).
 *
 * 1 | fixed (1) | type (2) | type-specific (4) | version (4)
 * | DCID len (1) | DCID (0..20) | SCID len (1) | SCID (0..20)
 * Initial: token length (varint) | token | then as 0-RTT and Handshake:
 *          length (varint) | packet number (1..4, protected) | payload
 * Retry and version negotiation (version 0) have neither.
 *
 * Only the header is read here, in the kernel and on the host alike; the
 * Initial's payload is decrypted in user space (parse/quic_initial.c).
 */
#include "cursor.h"

#define QUIC_V1		   0x00000001u
#define QUIC_V2		   0x6b3343cfu
#define QUIC_PORT	   443
#define QUIC_MIN_INITIAL   1200 /* RFC 9000 14.1: a client pads Initials to this */
#define QUIC_INITIAL_V1	   0
#define QUIC_INITIAL_V2	   1

PL_INLINE bool quic_known_version(__u32 v)
{
	return v == QUIC_V1 || v == QUIC_V2;
}

/* The first byte and version at off say QUIC: on port 443 any long header
 * of a version we know (a version negotiation too), the fixed bit set or
 * not (a peer may grease it, RFC 9287); elsewhere only a client Initial of
 * a version we know in a padded datagram, which leaves little to chance. */
PL_INLINE bool is_quic_long(struct pl_scratch *s, __u32 off, __u16 sport, __u16 dport)
{
	__u8 b0;
	__u32 v;

	if (off + 7 > s->l4_end || !pl_need(s, off, 7))
		return false;
	b0 = pl_u8(s, off);
	if (!(b0 & 0x80))
		return false;
	v = pl_be32(s, off + 1);
	if (sport == QUIC_PORT || dport == QUIC_PORT)
		return v == 0 || quic_known_version(v);
	return (b0 & 0x40) && quic_known_version(v) && s->l4_end - off >= QUIC_MIN_INITIAL &&
	       ((b0 >> 4) & 3) == (v == QUIC_V2 ? QUIC_INITIAL_V2 : QUIC_INITIAL_V1);
}

/* A variable-length integer (RFC 9000 16) at *off; false past the datagram. */
PL_INLINE bool quic_varint(struct pl_scratch *s, __u32 *off, __u64 *v)
{
	__u32 n, i;
	__u64 x;

	if (!pl_need_l4(s, *off, 1))
		return false;
	n = 1u << (pl_u8(s, *off) >> 6);
	if (!pl_need_l4(s, *off, n))
		return false;
	x = pl_u8(s, *off) & 0x3f;
	for (i = 1; i < 8; i++) {
		if (i >= n)
			break;
		x = x << 8 | pl_u8(s, *off + i);
	}
	*off += n;
	*v = x;
	return true;
}

/* A connection ID of at most PL_QUIC_CID_MAX bytes at off: its length. */
PL_INLINE __u32 quic_cid(struct pl_scratch *s, __u32 off, __u8 *dst)
{
	__u32 len, i;

	if (!pl_need_l4(s, off, 1))
		return ~0u;
	len = pl_u8(s, off);
	if (len > PL_QUIC_CID_MAX) {
		pl_set_malformed(s, PL_MAL_QUIC_HDR);
		return ~0u;
	}
	if (!pl_need_l4(s, off + 1, len))
		return ~0u;
	for (i = 0; i < PL_QUIC_CID_MAX; i++) {
		if (i >= len)
			break;
		dst[i] = pl_u8(s, off + 1 + i);
	}
	return len;
}

/* off: a long header that is_quic_long() accepted. */
PL_SUBPROG int parse_quic(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p;
	__u32 pos, len, initial;
	__u64 token, length;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (pl_parse_wants(PL_PART_L7_ALL))
		__builtin_memset(&p->l7, 0, sizeof(p->l7));
	p->present |= PL_HAS_QUIC;
	p->l7.tls.quic.version = pl_be32(s, off + 1);
	p->l7.tls.quic.type = (pl_u8(s, off) >> 4) & 3;
	pos = off + 5;
	len = quic_cid(s, pos, p->l7.tls.quic.dcid);
	if (len == ~0u)
		return 0;
	p->l7.tls.quic.dcid_len = (__u8)len;
	pos += 1 + len;
	len = quic_cid(s, pos, p->l7.tls.quic.scid);
	if (len == ~0u)
		return 0;
	p->l7.tls.quic.scid_len = (__u8)len;
	pos += 1 + len;
	/* Retry (v1 3, v2 0) has no Length; other versions, nothing known */
	initial = p->l7.tls.quic.version == QUIC_V2 ? QUIC_INITIAL_V2 : QUIC_INITIAL_V1;
	if (!quic_known_version(p->l7.tls.quic.version) ||
	    p->l7.tls.quic.type == ((initial + 3) & 3))
		return 0;
	initial = p->l7.tls.quic.type == initial;
	if (initial) {
		if (!quic_varint(s, &pos, &token))
			return 0;
		if (token > s->l4_end - pos) {
			pl_set_malformed(s, PL_MAL_QUIC_HDR);
			return 0;
		}
		pos += (__u32)token;
	}
	if (!quic_varint(s, &pos, &length))
		return 0;
	/* the packet number (1..4 bytes) and a 16-byte tag at least */
	if (length > s->l4_end - pos || length < 20) {
		pl_set_malformed(s, PL_MAL_QUIC_HDR);
		return 0;
	}
	p->l7.tls.quic.payload_off = (__u16)pos;
	p->l7.tls.quic.length = (__u16)length;
	/* a client's Initial: to the server's port, or padded as a client's
	 * must be when neither port is 443 (a server's goes out from 443) */
	if (initial &&
	    (p->dport == QUIC_PORT || (p->sport != QUIC_PORT && s->l4_end - off >= QUIC_MIN_INITIAL)))
		p->l7.tls.quic.flags |= PL_QUIC_CLIENT_INITIAL;
	return 0;
}
