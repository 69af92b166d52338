/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one streaming writer behind every record pktlens prints: packet,
 * flow, tcp and alert records, as JSON lines and as text lines.
 *
 * A record is formatted straight into a large buffer: integers, addresses
 * and times by the functions below (no printf on the common paths), and
 * strings escaped on the way in. The buffer goes out in big write(2)s
 * (`read`), or at the end of each record into a stdio stream (the live
 * commands, whose ring loop flushes stdout after each batch), so one
 * record costs a few hundred bytes of stores, not dozens of stdio calls.
 *
 * Written by hand because no Debian library streams JSON this way:
 * jansson and json-c build a tree of values in memory (an allocation per
 * value) and serialise it afterwards, and neither writes the bytes the
 * record contract fixes (\u00XX for every byte outside printable ASCII,
 * "1795487259.110105000" for a time, addresses as RFC 5952 text).
 *
 * Errors: the first failed write is kept in `err` (an errno value) and
 * everything after it is dropped, so a command checks once, at the end or
 * per record, and says "cannot write the records: <strerror>".
 */
#ifndef PKTLENS_OUTPUT_JSON_H
#define PKTLENS_OUTPUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/escape.h"

/* Room a caller may ask pl_out_room() for at once. */
#define PL_OUT_ROOM_MAX 256
/* The smallest buffer pl_out_init_*() accept (a smaller one aborts). */
#define PL_OUT_BUF_MIN	4096
/* A batched writer writes out once less than this is free after a record,
 * so that a record normally leaves in one piece. */
#define PL_OUT_SLACK	16384

struct pl_out {
	char *buf;
	size_t len; /* bytes waiting in buf */
	size_t cap;
	int fd;		   /* write(2) to this when >= 0 ... */
	FILE *f;	   /* ... else fwrite() to this stream */
	bool per_record;   /* hand on every record at its end */
	bool first;	   /* JSON: the current object has no key yet */
	int err;	   /* errno of the first failed write, 0 while none */
	int64_t clock_sec; /* the second clock[] shows (local time) */
	int64_t iso_sec;   /* the second iso[] shows (UTC) */
	char clock[8];	   /* "HH:MM:SS" */
	char iso[19];	   /* "YYYY-MM-DDTHH:MM:SS" */
};

/* A writer to file descriptor fd through buf[cap], written out in big
 * pieces (when nearly full, and by pl_out_flush()). */
void pl_out_init_fd(struct pl_out *o, int fd, char *buf, size_t cap);
/* A writer to stream f through buf[cap]: each record is handed to f with
 * one fwrite() at its end, so f's own buffering decides when it leaves. */
void pl_out_init_file(struct pl_out *o, FILE *f, char *buf, size_t cap);
/* Writes out what is buffered (and fflush()es a stream). 0, or -errno of
 * the first failure so far. */
int pl_out_flush(struct pl_out *o);
/* Writes out buf[0..len) now, whatever the mode (used by pl_out_room). */
void pl_out_drain(struct pl_out *o);

/* The errno of the first failed write since the last call, 0 if none; a
 * writer that keeps going after a failure (the agent's log) calls it per
 * record, and the records after the failure are written again. */
static inline int pl_out_take_error(struct pl_out *o)
{
	int err = o->err;

	o->err = 0;
	return err;
}

/* The end of one record (after its newline). */
static inline void pl_out_end_record(struct pl_out *o)
{
	if (o->per_record || o->cap - o->len < PL_OUT_SLACK)
		pl_out_drain(o);
}

/* n (<= PL_OUT_ROOM_MAX) free bytes at the end of the buffer; the caller
 * writes there and adds what it wrote to o->len. */
static inline char *pl_out_room(struct pl_out *o, size_t n)
{
	if (__builtin_expect(o->cap - o->len < n, 0))
		pl_out_drain(o);
	return o->buf + o->len;
}

void pl_out_mem_slow(struct pl_out *o, const void *s, size_t n);

static inline void pl_out_mem(struct pl_out *o, const void *s, size_t n)
{
	if (__builtin_expect(n <= PL_OUT_ROOM_MAX, 1)) {
		memcpy(pl_out_room(o, n), s, n);
		o->len += n;
	} else {
		pl_out_mem_slow(o, s, n);
	}
}

static inline void pl_out_str(struct pl_out *o, const char *s)
{
	pl_out_mem(o, s, strlen(s));
}

static inline void pl_out_char(struct pl_out *o, char c)
{
	*pl_out_room(o, 1) = c;
	o->len++;
}

/* ---- numbers, addresses, times: into dst, returning the length ---- */

/* decimal; dst has room for 20 bytes */
size_t pl_fmt_u64(char *dst, uint64_t v);
/* decimal with a '-' when negative; room for 20 */
size_t pl_fmt_i64(char *dst, int64_t v);
/* exactly `width` (<= 20) decimal digits, zero-padded: the fraction of a
 * time ("%09u"); v must be below 10^width */
void pl_fmt_u64_fixed(char *dst, uint64_t v, unsigned int width);
/* lowercase hex, at least `width` digits ("%04x"); room for 16 */
size_t pl_fmt_hex(char *dst, uint64_t v, unsigned int width);
/* "198.18.0.1"; room for 15 */
size_t pl_fmt_ip4(char *dst, const uint8_t a[4]);
/* RFC 5952 text exactly as glibc's inet_ntop() writes it ("2001:db8::1",
 * "::ffff:198.18.0.1"); room for 45 */
size_t pl_fmt_ip6(char *dst, const uint8_t a[16]);
/* "02:00:00:00:00:01"; room for 17 */
size_t pl_fmt_mac(char *dst, const uint8_t m[6]);

static inline void pl_out_u64(struct pl_out *o, uint64_t v)
{
	o->len += pl_fmt_u64(pl_out_room(o, 20), v);
}

static inline void pl_out_i64(struct pl_out *o, int64_t v)
{
	o->len += pl_fmt_i64(pl_out_room(o, 20), v);
}

static inline void pl_out_u64_fixed(struct pl_out *o, uint64_t v, unsigned int width)
{
	pl_fmt_u64_fixed(pl_out_room(o, width), v, width);
	o->len += width;
}

static inline void pl_out_hex(struct pl_out *o, uint64_t v, unsigned int width)
{
	o->len += pl_fmt_hex(pl_out_room(o, 16 + width), v, width);
}

static inline void pl_out_ip4(struct pl_out *o, const uint8_t a[4])
{
	o->len += pl_fmt_ip4(pl_out_room(o, 15), a);
}

static inline void pl_out_ip6(struct pl_out *o, const uint8_t a[16])
{
	o->len += pl_fmt_ip6(pl_out_room(o, 46), a);
}

/* an IPv6 address when ip6, else an IPv4 one */
static inline void pl_out_ip(struct pl_out *o, bool ip6, const uint8_t *a)
{
	if (ip6)
		pl_out_ip6(o, a);
	else
		pl_out_ip4(o, a);
}

static inline void pl_out_mac(struct pl_out *o, const uint8_t m[6])
{
	o->len += pl_fmt_mac(pl_out_room(o, 17), m);
}

/* Bytes as the body of a JSON string: " and \ after a backslash, every
 * byte below 0x20 or from 0x7f up as \u00xx, the rest as they are. */
void pl_out_escaped(struct pl_out *o, const void *s, size_t n);
/* A value of a text line, escaped and quoted by util/escape.h's rule
 * (flags: PL_ESC_FIELD, PL_ESC_ITEM; 0 escapes only). */
void pl_out_text(struct pl_out *o, const void *s, size_t n, unsigned int flags);
/* printf, for the rare formats the functions above do not cover. */
void pl_out_printf(struct pl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* num / unit with `digits` decimals, exactly as "%.*f" of (double)num /
 * unit prints it, without the floating-point formatting; unit is a
 * multiple of 10^digits. */
void pl_out_decimal(struct pl_out *o, uint64_t num, uint64_t unit, unsigned int digits);

/* "SEC.NNNNNNNNN" (frame.time_epoch) */
void pl_out_epoch(struct pl_out *o, uint64_t epoch_ns);
/* "HH:MM:SS.uuuuuu" in local time, as text records begin; the local time
 * of the second is kept, so localtime_r() runs once per second */
void pl_out_clock(struct pl_out *o, uint64_t epoch_ns);
/* "2024-01-02T03:04:05.123456789Z" with `digits` (0 to 9) of the second's
 * fraction, truncated; 0 digits: "2024-01-02T03:04:05Z" */
void pl_out_iso_time(struct pl_out *o, uint64_t epoch_ns, unsigned int digits);

/* ---- JSON objects ---- */

static inline void pl_json_begin(struct pl_out *o)
{
	pl_out_char(o, '{');
	o->first = true;
}

/* "}" and the newline, and the end of the record. */
static inline void pl_json_end(struct pl_out *o)
{
	pl_out_mem(o, "}\n", 2);
	pl_out_end_record(o);
}

/* `,"key":{` and `}`: an object inside the record. */
static inline void pl_json_key(struct pl_out *o, const char *key);
static inline void pl_json_object_begin(struct pl_out *o, const char *key)
{
	pl_json_key(o, key);
	pl_out_char(o, '{');
	o->first = true;
}

static inline void pl_json_object_end(struct pl_out *o)
{
	pl_out_char(o, '}');
	o->first = false;
}

/* `,"key":` (no comma before the first key). Keys are the writer's own
 * literals and are written as they are. */
static inline void pl_json_key(struct pl_out *o, const char *key)
{
	size_t n = strlen(key);
	char *p = pl_out_room(o, n + 4), *q = p;

	if (!o->first)
		*q++ = ',';
	o->first = false;
	*q++ = '"';
	memcpy(q, key, n);
	q += n;
	*q++ = '"';
	*q++ = ':';
	o->len += (size_t)(q - p);
}

static inline void pl_json_uint(struct pl_out *o, const char *key, uint64_t v)
{
	pl_json_key(o, key);
	pl_out_u64(o, v);
}

static inline void pl_json_int(struct pl_out *o, const char *key, int64_t v)
{
	pl_json_key(o, key);
	pl_out_i64(o, v);
}

static inline void pl_json_bool(struct pl_out *o, const char *key, bool v)
{
	pl_json_key(o, key);
	if (v)
		pl_out_mem(o, "true", 4);
	else
		pl_out_mem(o, "false", 5);
}

/* "key":"escaped bytes" */
static inline void pl_json_str(struct pl_out *o, const char *key, const void *s, size_t n)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_escaped(o, s, n);
	pl_out_char(o, '"');
}

/* "key":"escaped C string" */
static inline void pl_json_cstr(struct pl_out *o, const char *key, const char *s)
{
	pl_json_str(o, key, s, strlen(s));
}

static inline void pl_json_ip4(struct pl_out *o, const char *key, const uint8_t a[4])
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_ip4(o, a);
	pl_out_char(o, '"');
}

static inline void pl_json_ip6(struct pl_out *o, const char *key, const uint8_t a[16])
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_ip6(o, a);
	pl_out_char(o, '"');
}

/* "key":"ADDR", IPv6 when ip6, else IPv4 */
static inline void pl_json_ip(struct pl_out *o, const char *key, bool ip6, const uint8_t *a)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_ip(o, ip6, a);
	pl_out_char(o, '"');
}

static inline void pl_json_mac(struct pl_out *o, const char *key, const uint8_t m[6])
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_mac(o, m);
	pl_out_char(o, '"');
}

/* "key":"2024-01-02T03:04:05.123456789Z" */
static inline void pl_json_iso_time(struct pl_out *o, const char *key, uint64_t epoch_ns,
				    unsigned int digits)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_iso_time(o, epoch_ns, digits);
	pl_out_char(o, '"');
}

#endif
