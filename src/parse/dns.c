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

#define DNS_MAX_JUMPS 16
/* label bytes + length bytes + jumps bound the walk */
#define DNS_MAX_STEPS (PL_DNS_NAME_MAX + 128 + DNS_MAX_JUMPS)

enum dns_walk_status { DNS_WALKING, DNS_NAME_DONE, DNS_STOP, DNS_BAD_NAME };

struct dns_walk {
	struct pl_scratch *s;
	__u32 msg;        /* offset of the DNS header */
	__u32 pos;        /* next byte of the name */
	__u32 out;        /* bytes written to l7.dns.name */
	__u32 label_left; /* bytes left in the current label */
	__u32 jumps;
	__u32 qtype_pos;  /* set at the first pointer or at the root label */
	__u32 status;
};

/* One byte of the name: a label byte, a length, a pointer or the end. */
static long dns_name_step(__u32 i, void *ctx)
{
	struct dns_walk *w = ctx;
	struct pl_scratch *s = w->s;
	char *name;
	__u32 c;

	(void)i;
	if (!s)
		return 1;
	name = s->ev.pkt.l7.dns.name;
	if (!pl_need_l4(s, w->pos, 1)) {
		w->status = DNS_STOP;
		return 1;
	}
	c = pl_u8(s, w->pos);
	if (w->label_left) {
		if (w->out >= PL_DNS_NAME_MAX - 1)
			goto bad_name;
		name[w->out & (PL_DNS_NAME_MAX - 1)] = (char)c;
		w->out++;
		w->label_left--;
		w->pos++;
		return 0;
	}
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
		if (++w->jumps > DNS_MAX_JUMPS)
			goto bad_name;
		w->pos = w->msg + ((c & 0x3f) << 8 | pl_u8(s, w->pos + 1));
		return 0;
	}
	if (c & 0xc0)
		goto bad_name; /* extended label types (RFC 6891) */
	if (w->out) {
		if (w->out >= PL_DNS_NAME_MAX - 1)
			goto bad_name;
		name[w->out & (PL_DNS_NAME_MAX - 1)] = '.';
		w->out++;
	}
	w->label_left = c;
	w->pos++;
	return 0;

bad_name:
	w->status = DNS_BAD_NAME;
	return 1;
}

PL_SUBPROG int parse_dns(struct pl_scratch *s, __u32 off)
{
	struct pl_pkt *p;
	struct dns_walk w = {};

	if (!s)
		return 0;
	p = &s->ev.pkt;
	if (!pl_need_l4(s, off, 12))
		return 0;
	__builtin_memset(&p->l7, 0, sizeof(p->l7));
	p->l7.dns.id = pl_be16(s, off);
	p->l7.dns.flags = pl_be16(s, off + 2);
	p->present |= PL_HAS_DNS;
	if (pl_be16(s, off + 4) == 0)
		return 0;

	w.s = s;
	w.msg = off;
	w.pos = off + 12;
	pl_loop(DNS_MAX_STEPS, dns_name_step, &w);
	if (w.status == DNS_STOP)
		return 0;
	if (w.status != DNS_NAME_DONE) {
		pl_set_malformed(s, PL_MAL_DNS_NAME);
		return 0;
	}
	if (w.out == 0) {
		__builtin_memcpy(p->l7.dns.name, "<Root>", 6);
		w.out = 6;
	}
	p->l7.dns.name_len = (__u16)w.out;
	if (!pl_need_l4(s, w.qtype_pos, 2))
		return 0;
	p->l7.dns.qtype = pl_be16(s, w.qtype_pos);
	p->present |= PL_HAS_DNS_QRY;
	return 0;
}
