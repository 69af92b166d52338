/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The parser's cursor: a window of packet bytes and bounds-checked readers.
 *
 * The same code builds for the BPF target (included by src/bpf/packet.bpf.c)
 * and for the host (src/parse/parse.c). Every read goes through pl_u8() and
 * friends, which mask the offset into the window so the verifier can see it
 * is in bounds; pl_need() is the logical bounds check that every parser
 * makes before it reads.
 */
#ifndef PKTLENS_PARSE_CURSOR_H
#define PKTLENS_PARSE_CURSOR_H

#include "../record.h"

#ifdef __bpf__
/* A global BPF function is verified once, on its own; this keeps the
 * verifier's work linear in the number of protocols. */
#define PL_SUBPROG __attribute__((noinline))
#define PL_INLINE static __always_inline
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#define PL_SUBPROG static
#define PL_INLINE static inline
#endif

/* Per-packet parser state. In the kernel it lives in a per-CPU map. */
struct pl_scratch {
	__u8 buf[PL_WIN]; /* the first bytes of the frame */
	__u32 len;        /* bytes valid in buf */
	__u32 avail;      /* bytes the frame has (caplen), may exceed PL_WIN */
	__u32 need_more;  /* set when a read wanted bytes not loaded yet */
	__u32 linktype;   /* enum pl_linktype */
	__u32 l4_end;     /* end of the IP payload (or of the frame) */
	__u32 l3_off;     /* offset of the header after the link layer */
	char fpat[64];    /* filter: the string pattern under test */
	struct pl_packet_event ev; /* ev.pkt is the parser's output */
	/* -w: the packet's bytes follow the record in the ring buffer; this
	 * also leaves room for the filter's masked reads of L7 fields */
	__u32 cap_len;
	__u32 cap_pad;
	__u8 cap_data[PL_CAP_MAX];
};

PL_INLINE __u8 pl_u8(const struct pl_scratch *s, __u32 off)
{
	return s->buf[off & (PL_WIN - 1)];
}

PL_INLINE __u16 pl_be16(const struct pl_scratch *s, __u32 off)
{
	return (__u16)(pl_u8(s, off) << 8 | pl_u8(s, off + 1));
}

PL_INLINE __u32 pl_be32(const struct pl_scratch *s, __u32 off)
{
	return (__u32)pl_be16(s, off) << 16 | pl_be16(s, off + 2);
}

/*
 * Are bytes [off, off + n) in the window? When they are not, say why:
 * - the caller loaded only part of the frame: need_more (load and parse again);
 * - the frame is shorter than that: truncated;
 * - the bytes lie past PL_WIN: neither, the parse simply stops there.
 */
PL_INLINE bool pl_need(struct pl_scratch *s, __u32 off, __u32 n)
{
	__u32 end = off + n;

	if (end <= s->len)
		return true;
	if (s->len < s->avail && s->len < PL_WIN)
		s->need_more = 1;
	else if (end > s->avail)
		s->ev.pkt.truncated = 1;
	return false;
}

/* Like pl_need(), and the bytes must also lie inside the IP payload. */
PL_INLINE bool pl_need_l4(struct pl_scratch *s, __u32 off, __u32 n)
{
	if (off + n > s->l4_end) {
		s->ev.pkt.truncated = 1;
		return false;
	}
	return pl_need(s, off, n);
}

PL_INLINE void pl_set_malformed(struct pl_scratch *s, __u8 reason)
{
	if (!s->ev.pkt.malformed)
		s->ev.pkt.malformed = reason;
}

/* Copies up to max bytes at off into dst; returns how many were copied. */
PL_INLINE __u32 pl_copy(struct pl_scratch *s, __u32 off, char *dst, __u32 n,
			__u32 max)
{
	__u32 i;

	if (n > max)
		n = max;
	for (i = 0; i < max; i++) {
		if (i >= n || off + i >= s->len)
			break;
		dst[i] = (char)pl_u8(s, off + i);
	}
	return i;
}

/*
 * pl_loop(n, step, ctx) calls step(i, ctx) for i = 0..n-1 until it returns
 * nonzero. In the kernel this is bpf_loop(): the step is verified once, not
 * once per iteration, which keeps byte-wise walks (DNS names, HTTP headers)
 * within the verifier's limits.
 */
#ifdef __bpf__
#define pl_loop(n, step, ctx) bpf_loop((n), (step), (ctx), 0)
#else
PL_INLINE long pl_loop(__u32 n, long (*step)(__u32, void *), void *ctx)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (step(i, ctx))
			return i + 1;
	return n;
}
#endif

struct pl_find_byte {
	struct pl_scratch *s;
	__u32 off, end, found, byte;
};

static long pl_find_byte_step(__u32 i, void *ctx)
{
	struct pl_find_byte *f = ctx;
	struct pl_scratch *s = f->s;
	__u32 pos = f->off + i;

	if (!s || pos >= f->end || !pl_need(s, pos, 1))
		return 1;
	if (pl_u8(s, pos) != f->byte)
		return 0;
	f->found = pos;
	return 1;
}

/* Offset of the first `byte` in [off, end), or 0 when there is none in
 * the window. */
PL_SUBPROG __u32 pl_find_byte(struct pl_scratch *s, __u32 off, __u32 end,
			      __u32 byte)
{
	struct pl_find_byte f = { .s = s, .off = off, .end = end, .byte = byte };

	if (!s)
		return 0;
	pl_loop(PL_WIN, pl_find_byte_step, &f);
	return f.found;
}

#endif /* PKTLENS_PARSE_CURSOR_H */
