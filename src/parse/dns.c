/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS (RFC 1035): the header, the first question and the A/AAAA data
 * of the answer section; over UDP, or over TCP after the 2-byte length
 * (RFC 1035 4.2.2, packet.c).
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

/*
 * The questions after the first, then the records of every section (as
 * tshark's dns.a and dns.aaaa, which are not only answers): each owner name is
 * skipped where it is (a pointer ends a name, so none is followed), then
 * the fixed part and the data. A and AAAA data of class IN are kept, the
 * first PL_DNS_MAX_ADDRS of each. Running past the message is no error
 * here (it may go on in the next TCP segment): the walk just stops.
 */
#define DNS_RR_STEPS 128 /* labels and records in all */
struct dns_rr_walk {
	struct pl_scratch *s;
	__u32 pos;
	__u32 qleft; /* questions still to skip */
	__u32 aleft; /* records still to read */
};

#define DNS_T_A	   1
#define DNS_T_AAAA 28

static long dns_rr_step(__u32 i, void *ctx)
{
	struct dns_rr_walk *w = ctx;
	struct pl_scratch *s = w->s;
	struct pl_pkt *p;
	__u32 c, type, rdlen, n;

	(void)i;
	if (!s || (!w->qleft && !w->aleft) || !pl_have_l4(s, w->pos, 1))
		return 1;
	p = &s->ev.pkt;
	c = pl_u8(s, w->pos);
	if ((c & 0xc0) == 0xc0) {
		w->pos += 2;
	} else if (c & 0xc0) {
		return 1; /* a label type that cannot be skipped */
	} else if (c) {
		w->pos += 1 + c;
		return 0;
	} else {
		w->pos += 1;
	}
	/* the name ended: QTYPE, QCLASS; or TYPE, CLASS, TTL, RDLENGTH, RDATA */
	if (w->qleft) {
		w->qleft--;
		w->pos += 4;
		return 0;
	}
	if (!pl_have_l4(s, w->pos, 10))
		return 1;
	type = pl_be16(s, w->pos);
	rdlen = pl_be16(s, w->pos + 8);
	w->pos += 10;
	/* the class without mDNS's cache-flush bit */
	if ((pl_be16(s, w->pos - 8) & 0x7fff) == 1 && pl_have_l4(s, w->pos, rdlen)) {
		if (type == DNS_T_A && rdlen == 4 && p->l7.dns.n_a < PL_DNS_MAX_ADDRS) {
			n = p->l7.dns.n_a++;
			pl_copy_fixed(s, w->pos, p->l7.dns.a[n & (PL_DNS_MAX_ADDRS - 1)], 4);
		} else if (type == DNS_T_AAAA && rdlen == 16 &&
			   p->l7.dns.n_aaaa < PL_DNS_MAX_ADDRS) {
			n = p->l7.dns.n_aaaa++;
			pl_copy_fixed(s, w->pos, p->l7.dns.aaaa[n & (PL_DNS_MAX_ADDRS - 1)], 16);
		}
	}
	w->pos += rdlen;
	w->aleft--;
	return 0;
}
_Static_assert((PL_DNS_MAX_ADDRS & (PL_DNS_MAX_ADDRS - 1)) == 0, "the index mask holds");

PL_INLINE void dns_answers(struct pl_scratch *s, __u32 msg, __u32 pos, __u32 qleft)
{
	struct dns_rr_walk w = {};

	w.s = s;
	w.pos = pos;
	w.qleft = qleft;
	/* every section, as tshark's dns.a and dns.aaaa */
	w.aleft = s->ev.pkt.l7.dns.ancount + (__u32)pl_be16(s, msg + 8) +
		  pl_be16(s, msg + 10);
	s->ev.pkt.l7.dns.n_a = 0;
	s->ev.pkt.l7.dns.n_aaaa = 0;
	if (w.aleft)
		pl_loop(DNS_RR_STEPS, dns_rr_step, &w);
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
	__u32 qdcount;

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
	p->l7.dns.ancount = pl_be16(s, off + 6);
	p->present |= PL_HAS_DNS;
	qdcount = pl_be16(s, off + 4);
	if (qdcount == 0) {
		if (pl_parse_wants(PL_PART_L7_ALL))
			dns_answers(s, off, off + 12, 0);
		return 0;
	}

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
	/* the first name ended where qtype_pos is, in place */
	if (w.status == DNS_NAME_DONE && pl_parse_wants(PL_PART_L7_ALL))
		dns_answers(s, off, w.qtype_pos + 4, qdcount - 1);
	return 0;
}
