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

#include "records/record.h"

#ifdef __bpf__
/* A global BPF function is verified once, on its own; this keeps the
 * verifier's work linear in the number of protocols. */
#define PL_SUBPROG __attribute__((noinline))
#define PL_INLINE  static __always_inline
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#define PL_SUBPROG static inline /* one per protocol; unused in some users */
#define PL_INLINE  static inline
#endif

/*
 * Parts of the parse that a kernel program leaves out when nothing it runs
 * reads them. Records and the detectors read all; the flow tables read the
 * headers (the 5-tuple, TCP flags, TTL, length) and, with name tables, the
 * L7 names; an L7 filter the fields it tests (pl_filter_parse_parts()).
 * packet.bpf.c defines pl_parse_wants(part) from load-time constants before
 * it includes the parser, so the verifier drops what is left out; anywhere
 * else (the host parser) every part is wanted.
 */
enum pl_parse_part {
	PL_PART_TCP_OPTS = 1u << 0, /* MSS, window scale, SACK permitted, timestamps */
	PL_PART_L7 = 1u << 1,	    /* TLS SNI, DNS query name, HTTP Host, the L7 header fields */
	PL_PART_L7_ALL = 1u << 2, /* the rest of L7: method, URI, ALPN, versions, a zeroed union */
	PL_PARTS_ALL = PL_PART_TCP_OPTS | PL_PART_L7 | PL_PART_L7_ALL,
};
#ifndef pl_parse_wants
#define pl_parse_wants(part) true
#endif

/* Per-packet parser state. In the kernel it lives in a per-CPU map. */
struct pl_scratch {
	__u8 buf[PL_WIN]; /* the first bytes of the frame */
	/* (the fields below also give masked reads near the end of buf room) */
	__u32 len;	 /* bytes valid in buf */
	__u32 avail;	 /* bytes the frame has (caplen), may exceed PL_WIN */
	__u32 need_more; /* set when a read wanted bytes not loaded yet */
	__u32 linktype;	 /* enum pl_linktype */
	__u32 l4_end;	 /* end of the IP payload (or of the frame) */
	__u32 l3_off;	 /* offset of the header after the link layer */
	/* where the L7 parse started, so the kernel can resume it there once
	 * it has loaded the rest of the window (see pl_parse_l7) */
	__u32 l7_kind; /* enum pl_l7_kind */
	__u32 l7_off;
	__u32 l7_present; /* pkt.present before the L7 parse */
	__u8 l7_truncated, l7_malformed, _pad7[2];
	/* a tunnel seen in the outer headers: its kind and where it starts
	 * (pl_parse_tunnel); the outer headers wait in tun_save meanwhile */
	__u32 tun_next; /* enum pl_tunnel */
	__u32 tun_off;
	__u32 tun_l3_off, tun_l4_end;
	__u8 tun_save[PL_INNER_MAX] __attribute__((aligned(8)));
	char fpat[64];		   /* filter: the string pattern under test */
	char fstr[PL_TLS_SNI_MAX]; /* filter: the string field under test */
	__u32 cbpf_mem[18];	   /* filter: libpcap's M[] and BPF_LEN (struct pl_cbpf_mem) */
	__u32 cbpf_bits;	   /* filter: the libpcap blocks' result bits */
	__u32 _pad_cbpf;
	struct pl_packet_event ev; /* ev.pkt is the parser's output */
	/* -w: the packet's bytes follow the record in the ring buffer; this
	 * also leaves room for the filter's masked reads of L7 fields */
	__u32 cap_len;
	__u32 cap_pad;
	__u8 cap_data[PL_CAP_MAX];
	/* -w --attribute: the struct pl_attr that follows the bytes */
	__u8 cap_attr[32];
};

/* v & m, with the mask kept in the code: clang drops masks it can prove
 * redundant, and then the verifier cannot see the bound. */
PL_INLINE __u32 pl_mask(__u32 v, __u32 m)
{
#ifdef __bpf__
	asm volatile("" : "+r"(v));
#endif
	return v & m;
}

/*
 * Unaligned loads and stores of 8, 4 and 2 bytes, one instruction each.
 * The BPF backend turns a memcpy of unknown alignment into byte moves
 * (64 loads and 64 stores for 64 bytes); plain loads are fine there, since
 * the verifier allows misaligned packet and map-value access where the CPU
 * handles it (x86, arm64), and so do the JITs. Callers have checked the
 * bounds. Never for the stack, where the verifier wants alignment.
 */
#ifdef __bpf__
#define PL_LOADSTORE(bits)                                  \
	PL_INLINE __u##bits pl_load##bits(const void *p)    \
	{                                                   \
		return *(const __u##bits *)p;               \
	}                                                   \
	PL_INLINE void pl_store##bits(void *p, __u##bits v) \
	{                                                   \
		*(__u##bits *)p = v;                        \
	}
#else
#define PL_LOADSTORE(bits)                                  \
	PL_INLINE __u##bits pl_load##bits(const void *p)    \
	{                                                   \
		__u##bits v;                                \
		memcpy(&v, p, sizeof(v));                   \
		return v;                                   \
	}                                                   \
	PL_INLINE void pl_store##bits(void *p, __u##bits v) \
	{                                                   \
		memcpy(p, &v, sizeof(v));                   \
	}
#endif
PL_LOADSTORE(64)
PL_LOADSTORE(32)
PL_LOADSTORE(16)

/* Copies n bytes, a constant, in the fewest moves. */
PL_INLINE void pl_move(void *dst, const void *src, __u32 n)
{
	__u8 *d = dst;
	const __u8 *p = src;
	__u32 i = 0;

	for (; i + 8 <= n; i += 8)
		pl_store64(d + i, pl_load64(p + i));
	if (n - i >= 4) {
		pl_store32(d + i, pl_load32(p + i));
		i += 4;
	}
	if (n - i >= 2) {
		pl_store16(d + i, pl_load16(p + i));
		i += 2;
	}
	if (n - i)
		d[i] = p[i];
}

PL_INLINE __u8 pl_u8(const struct pl_scratch *s, __u32 off)
{
	return s->buf[off & (PL_WIN - 1)];
}

/*
 * Multi-byte reads load the bytes in one go: the caller has checked they
 * are in the window, and a masked offset near its end still reads inside
 * struct pl_scratch, which is what the verifier checks.
 */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pl_be16/pl_be32 assume a little-endian target"
#endif
PL_INLINE __u16 pl_be16(const struct pl_scratch *s, __u32 off)
{
	return __builtin_bswap16(pl_load16(s->buf + (off & (PL_WIN - 1))));
}

PL_INLINE __u32 pl_be32(const struct pl_scratch *s, __u32 off)
{
	return __builtin_bswap32(pl_load32(s->buf + (off & (PL_WIN - 1))));
}

/* Copies a fixed number of bytes (addresses); the caller checked bounds. */
#define pl_copy_fixed(s, off, dst, n) pl_move((dst), (s)->buf + ((off) & (PL_WIN - 1)), (n))

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

PL_INLINE void pl_set_malformed(struct pl_scratch *s, __u8 reason);

/*
 * Like pl_need(), and the bytes must also lie inside the payload that the
 * IP (or UDP) length declares. Past it is malformed when the capture holds
 * the whole declared payload, and truncated when the capture ended first.
 */
PL_INLINE bool pl_need_l4(struct pl_scratch *s, __u32 off, __u32 n)
{
	if (off + n > s->l4_end) {
		if (s->avail >= s->l4_end)
			pl_set_malformed(s, PL_MAL_PAST_LENGTH);
		else
			s->ev.pkt.truncated = 1;
		return false;
	}
	return pl_need(s, off, n);
}

/* Like pl_need_l4() for data that may go on in the next segment (a TLS
 * handshake): running past the payload is no error. */
PL_INLINE bool pl_have_l4(struct pl_scratch *s, __u32 off, __u32 n)
{
	if (off + n > s->l4_end) {
		if (s->avail < s->l4_end && off + n > s->avail)
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

PL_INLINE __u64 pl_le64(const struct pl_scratch *s, __u32 off)
{
	return pl_load64(s->buf + (off & (PL_WIN - 1)));
}

/* Copies up to max bytes at off into dst, 8 at a time; returns how many
 * were copied, and zeroes the rest of the last word it wrote. max is a
 * constant multiple of 8. A name longer than the
 * record holds is cut at max and the record says so (pktlens.truncated). */
PL_INLINE __u32 pl_copy(struct pl_scratch *s, __u32 off, char *dst, __u32 n, __u32 max)
{
	__u32 i, cut;
	__u64 w;

	if (n > max) {
		n = max;
		s->ev.pkt.truncated = 1;
	}
	if (off + n > s->len)
		n = off < s->len ? s->len - off : 0;
	for (i = 0; i < max / 8; i++) {
		if (i * 8 + 8 > n)
			break;
		w = pl_le64(s, off + i * 8);
		pl_store64(dst + i * 8, w);
	}
	/* the last 1-7 bytes in one word store, the word's rest zeroed: it
	 * lies inside dst, as max is a multiple of 8 */
	if (i < max / 8 && i * 8 < n) {
		cut = i * 8 + 8 - n;
		w = pl_le64(s, off + i * 8) & (~0ull >> (8 * cut));
		pl_store64(dst + i * 8, w);
	}
	return n;
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

#define PL_ONES	 0x0101010101010101ull
#define PL_HIGHS 0x8080808080808080ull

/* Offset of the first `byte` in [off, end), or 0 when there is none in
 * the window. Looks at 8 bytes per step: a byte equal to `byte` is a zero
 * byte of w ^ pattern, found with the classic haszero() bit trick. */
PL_SUBPROG __u32 pl_find_byte(struct pl_scratch *s, __u32 off, __u32 end, __u32 byte)
{
	__u64 pat = PL_ONES * (byte & 0xff), x, hit;
	__u32 limit, pos, i, k;

	if (!s)
		return 0;
	limit = end < s->len ? end : s->len;
	for (i = 0; i < PL_WIN / 8; i++) {
		pos = off + i * 8;
		if (pos >= limit)
			break;
		x = pl_le64(s, pos) ^ pat;
		hit = (x - PL_ONES) & ~x & PL_HIGHS;
		if (!hit)
			continue;
		/* the lowest flagged byte is a true match (little-endian):
		 * its index by halving, as BPF has no count-trailing-zeros */
		k = 0;
		if (!(hit & 0xffffffffull)) {
			k += 4;
			hit >>= 32;
		}
		if (!(hit & 0xffff)) {
			k += 2;
			hit >>= 16;
		}
		if (!(hit & 0xff))
			k += 1;
		if (pos + k < limit)
			return pos + k;
		break;
	}
	if (limit < end)
		pl_need(s, limit, 1); /* more to load, or past the window */
	return 0;
}

#endif /* PKTLENS_PARSE_CURSOR_H */
