/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS (RFC 1035): the header and the first question.
 *
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 * |        QDCOUNT        |        ANCOUNT        |
 * |        NSCOUNT        |        ARCOUNT        |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * | QNAME (labels / compression pointers) | QTYPE | QCLASS |
 *
 * A label is a length byte (< 64) and its bytes; 0xC0 | offset (14 bits)
 * is a pointer into the message. Pointers are followed at most
 * DNS_MAX_JUMPS times, so a loop ends as a malformed name.
 */
#include "cursor.h"

#define DNS_MAX_JUMPS  16
/* labels (at most 127 in 255 bytes) and pointer jumps bound the walk */
#define DNS_MAX_STEPS  (128 + DNS_MAX_JUMPS)
#define DNS_NAME_SHOWN 253 /* longer names print as tshark does */
_Static_assert(__builtin_offsetof(struct pl_pkt, l7.dns.name) + DNS_NAME_SHOWN + 7 <=
		       sizeof(struct pl_pkt),
	       "dns_copy_label's last store must end inside the record");

enum dns_walk_status {
	DNS_WALKING,
	DNS_NAME_DONE,
	DNS_STOP,
	DNS_BAD_NAME,
	DNS_LOOP,
	DNS_EXT_LABEL
};

struct dns_walk {
	struct pl_scratch *s;
	__u32 msg; /* offset of the DNS header */
	__u32 pos; /* next length byte of the name */
	__u32 out; /* bytes of the dotted name so far */
	__u32 jumps;
	__u32 qtype_pos; /* set at the first pointer or at the root label */
	__u32 status;
	__u32 too_long;
};

/* Copies a label of c bytes at pos after `out` name bytes (and a dot),
 * 8 at a time. A last word short of 8 is stored with zeros after the
 * label, where the name's zero padding is or the next label goes: the
 * name (with its dot) ends by DNS_NAME_SHOWN, so a store ends within the
 * L7 union. */
PL_INLINE int dns_copy_label(struct pl_scratch *s, __u32 pos, __u32 out, __u32 c)
{
	char *name;
	__u32 k;
	__u64 w;

	if (!s)
		return 0;
	name = s->ev.pkt.l7.dns.name;
	if (out)
		name[pl_mask(out++, PL_DNS_NAME_MAX - 1)] = '.';
	for (k = 0; k < 64; k += 8) {
		if (k >= c)
			break;
		w = pl_le64(s, pos + k);
		if (c - k < 8)
			w &= (1ull << (8 * (c - k))) - 1;
		pl_store64(name + pl_mask(out + k, PL_DNS_NAME_MAX - 1), w);
	}
	return 0;
}

/* One label (copied whole), a pointer, or the end of the name; nonzero
 * when the walk ends. */
PL_INLINE long dns_name_step(struct dns_walk *w, struct pl_scratch *s)
{
	__u32 c, out;

	if (!pl_need_l4(s, w->pos, 1)) {
		w->status = DNS_STOP;
		return 1;
	}
	c = pl_u8(s, w->pos);
	if (c == 0) {
		if (!w->qtype_pos)
			w->qtype_pos = w->pos + 1;
		w->status = DNS_NAME_DONE;
		return 1;
	}
	if ((c & 0xc0) == 0xc0) {
		if (!pl_need_l4(s, w->pos, 2)) {
			w->status = DNS_STOP;
			return 1;
		}
		if (!w->qtype_pos)
			w->qtype_pos = w->pos + 2;
		if (++w->jumps > DNS_MAX_JUMPS) {
			w->status = DNS_LOOP;
			return 1;
		}
		w->pos = w->msg + ((c & 0x3f) << 8 | pl_u8(s, w->pos + 1));
		return 0;
	}
	if (c & 0xc0) {
		/* 0x40: extended label (RFC 6891); 0x80: reserved */
		w->status = (c & 0xc0) == 0x40 ? DNS_EXT_LABEL : DNS_BAD_NAME;
		return 1;
	}
	if (!pl_need_l4(s, w->pos + 1, c)) {
		w->status = DNS_STOP;
		return 1;
	}
	out = w->out;
	if (out + (out ? 1 : 0) + c > DNS_NAME_SHOWN)
		w->too_long = 1;
	if (!w->too_long) {
		dns_copy_label(s, w->pos + 1, out, c);
		w->out = out + (out ? 1 : 0) + c;
	}
	w->pos += 1 + c;
	return 0;
}

/* DNS_STEPS_PER_CALL steps of the walk: a call costs more than a step,
 * and most names take one call. */
#define DNS_STEPS_PER_CALL 4
_Static_assert(DNS_MAX_STEPS % DNS_STEPS_PER_CALL == 0, "the walk keeps its bound");
static long dns_name_steps(__u32 i, void *ctx)
{
	struct dns_walk *w = ctx;
	struct pl_scratch *s = w->s;
	__u32 k;

	(void)i;
	if (!s)
		return 1;
	for (k = 0; k < DNS_STEPS_PER_CALL; k++)
		if (dns_name_step(w, s))
			return 1;
	return 0;
}

PL_INLINE void dns_set_name(struct pl_pkt *p, const char *text, __u32 len)
{
	__builtin_memset(p->l7.dns.name, 0, sizeof(p->l7.dns.name));
	__builtin_memcpy(p->l7.dns.name, text, len);
	p->l7.dns.name_len = (__u16)len;
}

#define DNS_SET_NAME(p, lit) dns_set_name((p), (lit), sizeof(lit) - 1)

PL_SUBPROG int parse_dns(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p;
	struct dns_walk w = {};

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (!pl_need_l4(s, off, 12))
		return 0;
	/* the names alone (PL_PART_L7): the bytes past the name stay as they were */
	if (pl_parse_wants(PL_PART_L7_ALL))
		__builtin_memset(&p->l7, 0, sizeof(p->l7));
	p->l7.dns.id = pl_be16(s, off);
	p->l7.dns.flags = pl_be16(s, off + 2);
	p->present |= PL_HAS_DNS;
	if (pl_be16(s, off + 4) == 0)
		return 0;

	w.s = s;
	w.msg = off;
	w.pos = off + 12;
	pl_loop(DNS_MAX_STEPS / DNS_STEPS_PER_CALL, dns_name_steps, &w);
	/* names that cannot be shown get the stand-in texts tshark prints */
	if (w.too_long) {
		DNS_SET_NAME(p, "<Name too long>");
		pl_set_malformed(s, PL_MAL_DNS_NAME);
	} else if (w.status == DNS_LOOP) {
		DNS_SET_NAME(p, "<Name contains a pointer that loops>");
		pl_set_malformed(s, PL_MAL_DNS_NAME);
	} else if (w.status == DNS_NAME_DONE) {
		if (w.out == 0)
			DNS_SET_NAME(p, "<Root>");
		else
			p->l7.dns.name_len = (__u16)w.out;
	} else {
		/* cut short (already flagged), or a label type we cannot read */
		if (pl_parse_wants(PL_PART_L7_ALL))
			__builtin_memset(p->l7.dns.name, 0, sizeof(p->l7.dns.name));
		if (w.status != DNS_STOP)
			pl_set_malformed(s, PL_MAL_DNS_NAME);
		return 0;
	}
	p->present |= PL_HAS_DNS_QRY;
	/* the type follows the name (or its first pointer) */
	if (w.qtype_pos && pl_need_l4(s, w.qtype_pos, 2)) {
		p->l7.dns.qtype = pl_be16(s, w.qtype_pos);
		p->present |= PL_HAS_DNS_QTYPE;
	}
	return 0;
}
