// SPDX-License-Identifier: BSD-2-Clause
/* The streaming record writer (json.h says what and why). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

static void init(struct pl_out *o, char *buf, size_t cap)
{
	if (cap < PL_OUT_BUF_MIN) { /* a caller's mistake: pl_out_room() needs the room */
		fprintf(stderr, "pktlens: record writer buffer of %zu bytes; at least %d needed\n",
			cap, PL_OUT_BUF_MIN);
		abort();
	}
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->cap = cap;
	o->fd = -1;
	o->clock_sec = INT64_MIN;
	o->iso_sec = INT64_MIN;
	o->first = true;
}

void pl_out_init_fd(struct pl_out *o, int fd, char *buf, size_t cap)
{
	init(o, buf, cap);
	o->fd = fd;
}

void pl_out_init_file(struct pl_out *o, FILE *f, char *buf, size_t cap)
{
	init(o, buf, cap);
	o->f = f;
	o->per_record = true;
}

void pl_out_init_fn(struct pl_out *o, pl_out_fn fn, void *ctx, char *buf, size_t cap)
{
	init(o, buf, cap);
	o->fn = fn;
	o->fn_ctx = ctx;
	o->per_record = true;
}

void pl_out_drain(struct pl_out *o)
{
	const char *p = o->buf;
	size_t n = o->len;
	ssize_t w;

	o->len = 0;
	if (o->err || !n)
		return; /* after a failure everything is dropped */
	if (o->fn) {
		o->fn(o->fn_ctx, p, n);
		return;
	}
	if (o->fd < 0) {
		if (fwrite(p, 1, n, o->f) != n)
			o->err = errno ? errno : EIO;
		return;
	}
	while (n) {
		w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->err = w < 0 ? errno : EIO;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

int pl_out_flush(struct pl_out *o)
{
	pl_out_drain(o);
	if (o->fd < 0 && o->f && fflush(o->f) == EOF && !o->err)
		o->err = errno ? errno : EIO;
	return -o->err;
}

void pl_out_mem_slow(struct pl_out *o, const void *s, size_t n)
{
	const char *p = s;
	size_t k;

	while (n) {
		if (o->len == o->cap)
			pl_out_drain(o);
		k = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
	}
}

/* ---- numbers ---- */

static const char digits2[201] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

size_t pl_fmt_u64(char *dst, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digits2 + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(dst, p, n);
	return n;
}

size_t pl_fmt_i64(char *dst, int64_t v)
{
	if (v >= 0)
		return pl_fmt_u64(dst, (uint64_t)v);
	*dst = '-';
	/* the magnitude of INT64_MIN does not fit an int64_t */
	return 1 + pl_fmt_u64(dst + 1, 0 - (uint64_t)v);
}

void pl_fmt_u64_fixed(char *dst, uint64_t v, unsigned int width)
{
	char *p = dst + width;

	while (p - dst >= 2) {
		p -= 2;
		memcpy(p, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (p > dst)
		*--p = (char)('0' + v % 10);
}

size_t pl_fmt_hex(char *dst, uint64_t v, unsigned int width)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int n = 1, i;

	while (n < 16 && v >> (4 * n))
		n++;
	if (n < width)
		n = width;
	for (i = n; i-- > 0; v >>= 4)
		dst[i] = hex[v & 0xf]; /* 0 once v is used up: the padding */
	return n;
}

/* ---- addresses ---- */

/* 0..255 as inet_ntop() writes it, no leading zeros */
static char *put_octet(char *p, unsigned int b)
{
	if (b >= 100) {
		*p++ = (char)('0' + b / 100);
		memcpy(p, digits2 + 2 * (b % 100), 2);
		return p + 2;
	}
	if (b >= 10) {
		memcpy(p, digits2 + 2 * b, 2);
		return p + 2;
	}
	*p++ = (char)('0' + b);
	return p;
}

size_t pl_fmt_ip4(char *dst, const uint8_t a[4])
{
	char *p = dst;

	p = put_octet(p, a[0]);
	*p++ = '.';
	p = put_octet(p, a[1]);
	*p++ = '.';
	p = put_octet(p, a[2]);
	*p++ = '.';
	p = put_octet(p, a[3]);
	return (size_t)(p - dst);
}

/*
 * RFC 5952 (section 4): lowercase hex without leading zeros, the longest
 * run of two or more zero groups as "::" (the first such run on a tie),
 * as glibc's inet_ntop() does; like it, ::ffff:a.b.c.d (mapped) and
 * ::a.b.c.d (the deprecated compatible form, when words 0-5 are zero and
 * word 6 is not) end in dotted IPv4.
 */
size_t pl_fmt_ip6(char *dst, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	char *p = dst;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
			if (cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return (size_t)(p - dst) + pl_fmt_ip4(p, a + 12);
		if (w[i] >> 12)
			*p++ = hex[w[i] >> 12];
		if (w[i] >> 8)
			*p++ = hex[w[i] >> 8 & 0xf];
		if (w[i] >> 4)
			*p++ = hex[w[i] >> 4 & 0xf];
		*p++ = hex[w[i] & 0xf];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return (size_t)(p - dst);
}

size_t pl_fmt_mac(char *dst, const uint8_t m[6])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 6; i++) {
		dst[3 * i] = hex[m[i] >> 4];
		dst[3 * i + 1] = hex[m[i] & 0xf];
		if (i < 5)
			dst[3 * i + 2] = ':';
	}
	return 17;
}

/* ---- strings ---- */

/* 0: as it is; 1: after a backslash; 2: \u00xx */
static const unsigned char esc_class[256] = {
	[0x00 ... 0x1f] = 2,
	['"'] = 1,
	['\\'] = 1,
	[0x7f ... 0xff] = 2,
};

void pl_out_escaped(struct pl_out *o, const void *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = buf, *end = s + n, *run;
	char *p;

	while (s < end) {
		run = s;
		while (s < end && !esc_class[*s])
			s++;
		if (s > run)
			pl_out_mem(o, run, (size_t)(s - run));
		if (s == end)
			break;
		p = pl_out_room(o, 6);
		if (esc_class[*s] == 1) {
			p[0] = '\\';
			p[1] = (char)*s;
			o->len += 2;
		} else {
			memcpy(p, "\\u00", 4);
			p[4] = hex[*s >> 4];
			p[5] = hex[*s & 0xf];
			o->len += 6;
		}
		s++;
	}
}

void pl_out_text(struct pl_out *o, const void *s, size_t n, unsigned int flags)
{
	const unsigned char *p = s;
	bool quoted = pl_esc_needs_quotes(s, n, flags);
	size_t k;

	if (quoted)
		pl_out_char(o, '"');
	while (n) {
		k = n < PL_OUT_ROOM_MAX / 4 ? n : PL_OUT_ROOM_MAX / 4;
		o->len += pl_esc_body(pl_out_room(o, PL_ESC_ROOM(k)), p, k, flags, quoted);
		p += k;
		n -= k;
	}
	if (quoted)
		pl_out_char(o, '"');
}

void pl_out_printf(struct pl_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->cap - o->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		o->len += (size_t)n;
		return;
	}
	/* did not fit: write out what is there and format again */
	pl_out_drain(o);
	va_start(ap, fmt);
	n = vsnprintf(o->buf, o->cap, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = (size_t)n < o->cap ? (size_t)n : o->cap - 1;
}

/*
 * printf's "%.*f" of (double)num / unit, in integers: for num < 10^15 the
 * double lies much closer to the exact quotient than the exact quotient
 * to a rounding boundary (at least 1 / unit away), so both round alike.
 * An exact tie, which the double never is, and larger numbers go to
 * printf itself.
 */
void pl_out_decimal(struct pl_out *o, uint64_t num, uint64_t unit, unsigned int digits)
{
	uint64_t scale = 1, step, q, r;
	unsigned int i;

	for (i = 0; i < digits; i++)
		scale *= 10;
	step = unit / scale;
	if (!step || step * scale != unit || num >= 1000000000000000ull)
		goto slow;
	q = num / step;
	r = num % step;
	if (2 * r == step)
		goto slow;
	q += 2 * r > step;
	pl_out_u64(o, q / scale);
	if (digits) {
		pl_out_char(o, '.');
		pl_out_u64_fixed(o, q % scale, digits);
	}
	return;
slow:
	pl_out_printf(o, "%.*f", (int)digits, (double)num / (double)unit);
}

/* ---- times ---- */

void pl_out_epoch(struct pl_out *o, uint64_t epoch_ns)
{
	char *p = pl_out_room(o, 30);
	size_t n = pl_fmt_u64(p, epoch_ns / 1000000000);

	p[n] = '.';
	pl_fmt_u64_fixed(p + n + 1, epoch_ns % 1000000000, 9);
	o->len += n + 10;
}

void pl_out_clock(struct pl_out *o, uint64_t epoch_ns)
{
	int64_t sec = (int64_t)(epoch_ns / 1000000000);
	char *p;

	if (sec != o->clock_sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (localtime_r(&t, &tm)) {
			pl_fmt_u64_fixed(o->clock, (unsigned int)tm.tm_hour % 100, 2);
			pl_fmt_u64_fixed(o->clock + 3, (unsigned int)tm.tm_min % 100, 2);
			pl_fmt_u64_fixed(o->clock + 6, (unsigned int)tm.tm_sec % 100, 2);
			o->clock[2] = o->clock[5] = ':';
		} else {
			memcpy(o->clock, "??:??:??", 8);
		}
		o->clock_sec = sec;
	}
	p = pl_out_room(o, 15);
	memcpy(p, o->clock, 8);
	p[8] = '.';
	pl_fmt_u64_fixed(p + 9, epoch_ns % 1000000000 / 1000, 6);
	o->len += 15;
}

void pl_out_iso_time(struct pl_out *o, uint64_t epoch_ns, unsigned int digits)
{
	int64_t sec = (int64_t)(epoch_ns / 1000000000);
	uint64_t frac = epoch_ns % 1000000000;
	unsigned int i;
	char *p;

	if (sec != o->iso_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		char buf[32];

		if (!gmtime_r(&t, &tm) ||
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) != 19)
			memcpy(buf, "1970-01-01T00:00:00", 19);
		memcpy(o->iso, buf, 19);
		o->iso_sec = sec;
	}
	p = pl_out_room(o, 30);
	memcpy(p, o->iso, 19);
	if (!digits) {
		p[19] = 'Z';
		o->len += 20;
		return;
	}
	if (digits > 9)
		digits = 9;
	for (i = digits; i < 9; i++)
		frac /= 10;
	p[19] = '.';
	pl_fmt_u64_fixed(p + 20, frac, digits);
	p[20 + digits] = 'Z';
	o->len += 21 + digits;
}
