/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one escaping rule for text meant for a person: text records (packet
 * names, interface and process names), `top`, and every message that
 * echoes what a user, a file or a packet gave (README "Output").
 *
 *   - a byte that is not printable ASCII (below 0x20, 0x7f and up) is
 *     \xNN (lowercase hex), as Zeek's logs write it;
 *   - PL_ESC_FIELD, a value in a line of fields: a backslash is \\ (so
 *     "\x1b" in a name cannot pass for an escape), and a value that is
 *     empty or holds a space, '|' or '"' is written in double quotes, a
 *     '"' in it as \"; PL_ESC_ITEM, a value in a comma-separated list
 *     (ALPN), is also quoted when it holds a ','.
 *
 * So nothing reaches a terminal raw, and a line's fields can always be
 * told apart: a value either starts with '"' and ends at the next '"'
 * that is not escaped, or runs to the next space; a bare '|' is always
 * the line's own. Ordinary names (printable, no space) print as they are.
 * Messages (flags 0) keep their backslashes, so that what a user typed
 * reads back as typed.
 *
 * Header-only, like num.h: the small programs that link util/log.c need
 * no extra source file.
 */
#ifndef PKTLENS_ESCAPE_H
#define PKTLENS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum pl_esc_flags {
	PL_ESC_FIELD = 1u << 0, /* quote a value that needs it */
	PL_ESC_ITEM = 1u << 1,	/* with FIELD: a ',' needs quotes too */
};

/* The most bytes pl_esc_body() writes for n bytes. */
#define PL_ESC_ROOM(n) (4 * (size_t)(n))

static inline bool pl_esc_is_printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Does s[0, n) need quotes to stay one field under `flags`? */
static inline bool pl_esc_needs_quotes(const void *s, size_t n, unsigned int flags)
{
	const unsigned char *p = s;
	size_t i;

	if (!(flags & PL_ESC_FIELD))
		return false;
	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (p[i] == ' ' || p[i] == '|' || p[i] == '"' ||
		    (p[i] == ',' && (flags & PL_ESC_ITEM)))
			return true;
	return false;
}

/* The bytes of s[0, n) escaped under `flags` (a '"' too when `quoted`)
 * into dst (room for PL_ESC_ROOM(n)); returns the length written, no NUL. */
static inline size_t pl_esc_body(char *dst, const void *s, size_t n, unsigned int flags,
				 bool quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = s;
	char *q = dst;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if ((c == '\\' && (flags & PL_ESC_FIELD)) || (c == '"' && quoted)) {
			*q++ = '\\';
			*q++ = (char)c;
		} else if (pl_esc_is_printable(c)) {
			*q++ = (char)c;
		} else {
			*q++ = '\\';
			*q++ = 'x';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 0xf];
		}
	}
	return (size_t)(q - dst);
}

/*
 * s[0, n) escaped under `flags` into dst[cap] as a C string (quotes
 * included). What does not fit is left out and "..." ends the text
 * (cap >= 8). Returns dst, for printf.
 */
static inline const char *pl_escape(char *dst, size_t cap, const void *s, size_t n,
				    unsigned int flags)
{
	const unsigned char *p = s;
	bool quoted = pl_esc_needs_quotes(s, n, flags);
	size_t len = 0, i, k;
	char tmp[4];

	if (quoted)
		dst[len++] = '"';
	for (i = 0; i < n; i++) {
		k = pl_esc_body(tmp, p + i, 1, flags, quoted);
		/* room for this byte, a closing quote, "..." and the NUL */
		if (len + k + (quoted ? 1 : 0) + 4 > cap) {
			memcpy(dst + len, "...", 3);
			len += 3;
			break;
		}
		memcpy(dst + len, tmp, k);
		len += k;
	}
	if (quoted)
		dst[len++] = '"';
	dst[len] = '\0';
	return dst;
}

/* A C string escaped for a message (no quotes), as pl_escape(). */
static inline const char *pl_escape_str(char *dst, size_t cap, const char *s)
{
	return pl_escape(dst, cap, s, strlen(s), 0);
}

#endif
