/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP/1.x request line and Host header (RFC 9112), from the first segment.
 *
 *   METHOD SP request-target SP HTTP/1.x CRLF
 *   *( field-name ":" OWS field-value OWS CRLF )
 *   CRLF
 */
#include "cursor.h"

#define HTTP_MAX_HEADER_LINES 64

PL_INLINE __u8 ascii_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

PL_INLINE bool is_http_ows(__u8 c)
{
	return c == ' ' || c == '\t';
}

/* Skips optional whitespace forward from off; returns the new offset. */
PL_INLINE __u32 http_skip_ows(struct pl_scratch *s, __u32 off, __u32 end)
{
	__u32 i;

	if (!s)
		return off;
	for (i = 0; i < 16 && off < end && pl_need(s, off, 1); i++) {
		if (!is_http_ows(pl_u8(s, off)))
			break;
		off++;
	}
	return off;
}

/* Drops CR and optional whitespace before stop; returns the new stop. */
PL_INLINE __u32 http_trim_end(struct pl_scratch *s, __u32 start, __u32 stop)
{
	__u32 i;
	__u8 c;

	if (!s)
		return stop;
	for (i = 0; i < 16 && stop > start && pl_need(s, stop - 1, 1); i++) {
		c = pl_u8(s, stop - 1);
		if (c != '\r' && !is_http_ows(c))
			break;
		stop--;
	}
	return stop;
}

/* Copies the Host value at off (just after "Host:"). */
PL_INLINE void http_host_value(struct pl_scratch *s, __u32 off, __u32 end)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 eol, stop;

	off = http_skip_ows(s, off, end);
	eol = pl_find_byte(s, off, end, '\n');
	if (!eol)
		return;
	stop = http_trim_end(s, off, eol);
	if (stop < off)
		return;
	p->l7.http.host_len = (__u8)pl_copy(s, off, p->l7.http.host, stop - off, PL_HTTP_HOST_MAX);
	p->present |= PL_HAS_HTTP_HOST;
}

/* Looks for "Host:" at the start of each header line from off. */
PL_INLINE int parse_http_host(struct pl_scratch *s, __u32 off, __u32 end)
{
	__u32 line;
	__u8 c;

	if (!s)
		return 0;
	for (line = 0; line < HTTP_MAX_HEADER_LINES; line++) {
		if (off + 5 > end || !pl_need(s, off, 5))
			return 0;
		c = pl_u8(s, off);
		if (c == '\r' || c == '\n')
			return 0; /* end of the header section */
		if (ascii_lower(c) == 'h' && ascii_lower(pl_u8(s, off + 1)) == 'o' &&
		    ascii_lower(pl_u8(s, off + 2)) == 's' &&
		    ascii_lower(pl_u8(s, off + 3)) == 't' && pl_u8(s, off + 4) == ':') {
			http_host_value(s, off + 5, end);
			return 0;
		}
		off = pl_find_byte(s, off, end, '\n');
		if (!off)
			return 0;
		off++;
	}
	return 0;
}

/* Parses a request line at off; returns nonzero when it was one. */
PL_SUBPROG int parse_http(struct pl_scratch *s, __u32 off, __u32 end)
{
	struct pl_pkt *p;
	__u32 mlen, uri, sp, eol;
	__u8 c;

	if (!s)
		return 0;
	p = &s->ev.pkt;
	for (mlen = 0; mlen < PL_HTTP_METHOD_MAX; mlen++) {
		if (off + mlen >= end || !pl_need(s, off + mlen, 1))
			return 0;
		c = pl_u8(s, off + mlen);
		if (c == ' ')
			break;
		if (c < 'A' || c > 'Z')
			return 0;
	}
	if (mlen < 3 || mlen >= PL_HTTP_METHOD_MAX)
		return 0;
	uri = off + mlen + 1;
	eol = pl_find_byte(s, uri, end, '\n');
	if (!eol)
		return 0;
	sp = pl_find_byte(s, uri, eol, ' ');
	if (!sp || sp == uri)
		return 0;
	/* "HTTP/" follows the request-target */
	if (sp + 6 > eol || !pl_need(s, sp + 1, 5))
		return 0;
	if (pl_u8(s, sp + 1) != 'H' || pl_u8(s, sp + 2) != 'T' || pl_u8(s, sp + 3) != 'T' ||
	    pl_u8(s, sp + 4) != 'P' || pl_u8(s, sp + 5) != '/')
		return 0;

	/* the names alone (PL_PART_L7): only the Host is written */
	if (pl_parse_wants(PL_PART_L7_ALL)) {
		__builtin_memset(&p->l7, 0, sizeof(p->l7));
		p->l7.http.method_len =
			(__u8)pl_copy(s, off, p->l7.http.method, mlen, PL_HTTP_METHOD_MAX);
		p->l7.http.uri_len =
			(__u16)pl_copy(s, uri, p->l7.http.uri, sp - uri, PL_HTTP_URI_MAX);
	}
	p->present |= PL_HAS_HTTP;
	parse_http_host(s, eol + 1, end);
	return 1;
}
