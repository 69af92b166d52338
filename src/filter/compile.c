// SPDX-License-Identifier: BSD-2-Clause
/*
 * Compiles a filter expression into the decision graph of filter.h.
 *
 * libpcap's compiler emits classic BPF; pktlens evaluates a small graph
 * of tests in its own BPF program (header tests at libpcap's offsets, L7
 * tests on the parsed record), so it needs its own compiler of the same
 * language. Grammar (pcap-filter(7) subset plus L7 predicates):
 *
 *   expr     := unary ( ("and" | "&&" | "or" | "||") unary )*
 *               (and and or have the same precedence and group left to
 *               right, as in pcap-filter(7): "a or b and c" is
 *               "(a or b) and c")
 *   unary    := ("not" | "!") unary | "(" expr ")" | primitive
 *   primitive:= [ether] [tcp|udp|sctp] [src|dst|src or dst|src and dst]
 *                 host ADDR | net NET[/LEN] | net NET mask MASK | port N |
 *                 portrange A-B
 *             | ether proto N | vlan [ID] | less N | greater N
 *             | ip | ip6 | arp | tcp | udp | icmp | icmp6 | sctp
 *             | PROTO "[" OFF [":" SIZE] "]" ["&" VALUE] RELOP VALUE
 *             | L7FIELD ("==" | "!=" | "~") "STRING" | L7FIELD RELOP NUMBER
 *             | ID            (a bare value repeats the last qualifiers)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"
#include "parse/cursor.h"

enum tok_kind { T_END, T_ID, T_STR, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK,
		T_COLON, T_AMP, T_OP, T_AND, T_OR, T_NOT };

struct tok {
	enum tok_kind kind;
	char text[256];
	int col;
};

/* The graph is built back to front: a node's successors exist before it. */
struct compiler {
	const char *src;
	const char *p;
	struct tok tok;
	int in_brackets;
	int depth; /* `vlan` primitives seen so far, left to right */
	struct pl_filter *f;
	int n;     /* nodes built, in reverse order */
	struct pl_fnode rev[PL_FILTER_MAX_NODES];
	int n_strs;
	char *err;
	size_t errlen;
	int err_col;
	/* last qualifiers, for bare values as in "port 80 or 443" */
	char last_kind[16];
	int last_dir;
	int last_proto_mask;
	int have_last;
};

/* A parsed sub-expression, not yet placed in the graph. */
struct ast {
	enum { A_LEAF, A_AND, A_OR, A_NOT } kind;
	struct pl_fnode leaf;
	int col; /* where the primitive starts */
	struct ast *l, *r;
};

static int fail(struct compiler *c, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct compiler *c, int col, const char *fmt, ...)
{
	va_list ap;

	if (c->err_col)
		return -1; /* keep the first error */
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	c->err_col = col;
	return -1;
}

static bool is_id_char(char ch, bool in_brackets)
{
	if (isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-' ||
	    ch == '/' || ch == '*')
		return true;
	return ch == ':' && !in_brackets;
}

/* Does the text at p start with the whole word w? */
static bool word_at(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(p, w, n) && !is_id_char(p[n], false);
}

static int next(struct compiler *c)
{
	struct tok *t = &c->tok;
	size_t n = 0;

	while (isspace((unsigned char)*c->p))
		c->p++;
	t->col = (int)(c->p - c->src) + 1;
	t->text[0] = 0;
	if (!*c->p) {
		t->kind = T_END;
		return 0;
	}
	if (*c->p == '"') {
		c->p++;
		while (*c->p && *c->p != '"') {
			if (*c->p == '\\' && c->p[1])
				c->p++;
			if (n + 1 >= sizeof(t->text))
				return fail(c, t->col, "string too long");
			t->text[n++] = *c->p++;
		}
		if (*c->p != '"')
			return fail(c, t->col, "unterminated string");
		c->p++;
		t->text[n] = 0;
		t->kind = T_STR;
		return 0;
	}
	if (!strncmp(c->p, "&&", 2) || !strncmp(c->p, "||", 2)) {
		t->kind = *c->p == '&' ? T_AND : T_OR;
		memcpy(t->text, c->p, 2);
		t->text[2] = 0;
		c->p += 2;
		return 0;
	}
	if (strchr("=!<>~", *c->p)) {
		t->text[n++] = *c->p++;
		if (*c->p == '=')
			t->text[n++] = *c->p++;
		t->text[n] = 0;
		t->kind = strcmp(t->text, "!") ? T_OP : T_NOT;
		return 0;
	}
	switch (*c->p) {
	case '(': t->kind = T_LPAREN; break;
	case ')': t->kind = T_RPAREN; break;
	case '[': t->kind = T_LBRACK; c->in_brackets++; break;
	case ']': t->kind = T_RBRACK; c->in_brackets--; break;
	case '&': t->kind = T_AMP; break;
	case '|': t->kind = T_OP; break;
	default:
		/* ':' separates offset and size in brackets, else it is part of
		 * an IPv6 address or a MAC (like "::1") */
		if (*c->p == ':' && c->in_brackets > 0) {
			t->kind = T_COLON;
			break;
		}
		if (!is_id_char(*c->p, c->in_brackets > 0))
			return fail(c, t->col, "unexpected character '%c'", *c->p);
		while (is_id_char(*c->p, c->in_brackets > 0) && n + 1 < sizeof(t->text))
			t->text[n++] = *c->p++;
		t->text[n] = 0;
		t->kind = T_ID;
		if (!strcmp(t->text, "and"))
			t->kind = T_AND;
		else if (!strcmp(t->text, "or"))
			t->kind = T_OR;
		else if (!strcmp(t->text, "not"))
			t->kind = T_NOT;
		return 0;
	}
	t->text[0] = *c->p++;
	t->text[1] = 0;
	return 0;
}

static bool is(struct compiler *c, const char *word)
{
	return c->tok.kind == T_ID && !strcmp(c->tok.text, word);
}

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > 0xffffffffUL || s[0] == '-')
		return -1;
	*out = (__u32)v;
	return 0;
}

static struct ast *new_ast(struct compiler *c, int kind)
{
	struct ast *a = calloc(1, sizeof(*a));

	if (!a)
		fail(c, c->tok.col, "out of memory");
	else
		a->kind = kind;
	return a;
}

static void free_ast(struct ast *a)
{
	if (!a)
		return;
	free_ast(a->l);
	free_ast(a->r);
	free(a);
}

static struct ast *leaf(struct compiler *c, int test)
{
	struct ast *a = new_ast(c, A_LEAF);

	if (a) {
		a->leaf.test = (__u8)test;
		a->leaf.depth = (__u8)c->depth;
		a->leaf.dir = PL_FD_EITHER;
	}
	return a;
}

static struct ast *join(struct compiler *c, int kind, struct ast *l, struct ast *r)
{
	struct ast *a;

	if (!l || !r) {
		free_ast(l);
		free_ast(r);
		return NULL;
	}
	a = new_ast(c, kind);
	if (!a) {
		free_ast(l);
		free_ast(r);
		return NULL;
	}
	a->l = l;
	a->r = r;
	return a;
}

static struct ast *parse_expr(struct compiler *c);

/* host / net values: IPv4 (possibly partial, as pcap allows for net),
 * IPv6, with /LEN or "mask M". */
static struct ast *addr_leaf(struct compiler *c, const char *kind, int dir,
			     const char *text, int col)
{
	char buf[256], *slash;
	struct ast *a;
	__u32 prefix = 0, parts = 0, v;
	struct in6_addr a6;
	struct in_addr a4;
	bool is_net = !strcmp(kind, "net");

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (slash && !is_net) {
		fail(c, col, "'host %s': a host has no /length; use 'net %s'", text, text);
		return NULL;
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		a = leaf(c, PL_FT_HOST6);
		if (!a)
			return NULL;
		memcpy(a->leaf.addr, &a6, 16);
		prefix = 128;
	} else {
		/* dotted quad, or 1 to 3 parts for a network, as pcap-filter(7) */
		char *q = buf, *dot;
		__u8 bytes[4] = { 0 };

		if (inet_pton(AF_INET, buf, &a4) == 1) {
			memcpy(bytes, &a4, 4);
			parts = 4;
		} else {
			while (q && *q && parts < 4) {
				dot = strchr(q, '.');
				if (dot)
					*dot = 0;
				if (parse_u32(q, &v) || v > 255 || !isdigit((unsigned char)*q))
					break;
				bytes[parts++] = (__u8)v;
				q = dot ? dot + 1 : NULL;
			}
			if (q || !parts || !is_net) {
				fail(c, col, "'%s' is not an IPv4 or IPv6 address (names are not resolved)",
				     text);
				return NULL;
			}
		}
		a = leaf(c, PL_FT_HOST4);
		if (!a)
			return NULL;
		memcpy(a->leaf.addr, bytes, 4);
		prefix = parts * 8;
		a->leaf.arg8b = 1; /* host/net also match ARP, as in pcap */
	}
	if (slash) {
		if (parse_u32(slash, &v) || v > (a->leaf.test == PL_FT_HOST6 ? 128u : 32u)) {
			free_ast(a);
			fail(c, col, "'/%s' is not a valid prefix length", slash);
			return NULL;
		}
		prefix = v;
	} else if (is_net && is(c, "mask")) {
		if (next(c) || c->tok.kind != T_ID ||
		    inet_pton(AF_INET, c->tok.text, &a4) != 1 || a->leaf.test != PL_FT_HOST4) {
			free_ast(a);
			fail(c, c->tok.col, "'mask' needs an IPv4 netmask");
			return NULL;
		}
		v = ntohl(a4.s_addr);
		prefix = (__u32)__builtin_popcount(v);
		if (v && (v << prefix) != 0) {
			free_ast(a);
			fail(c, c->tok.col, "netmask %s is not contiguous", c->tok.text);
			return NULL;
		}
		if (next(c)) {
			free_ast(a);
			return NULL;
		}
	}
	/* as in libpcap, "net 10.1.2.3/8" is a mistake, not 10.0.0.0/8 */
	for (v = 0; v < 16; v++) {
		__u32 bits = prefix > v * 8 ? prefix - v * 8 : 0;

		if (bits < 8 && (a->leaf.addr[v] & (0xffu >> bits))) {
			free_ast(a);
			fail(c, col, "'%s' has bits set past the network's length", text);
			return NULL;
		}
	}
	a->leaf.arg8 = (__u8)prefix;
	a->leaf.dir = (__u8)dir;
	return a;
}

static const struct {
	const char *name;
	__u32 value;
} named_values[] = {
	{ "tcpflags", 13 }, { "icmptype", 0 }, { "icmpcode", 1 },
	{ "tcp-fin", 0x01 }, { "tcp-syn", 0x02 }, { "tcp-rst", 0x04 },
	{ "tcp-push", 0x08 }, { "tcp-ack", 0x10 }, { "tcp-urg", 0x20 },
	{ "tcp-ece", 0x40 }, { "tcp-cwr", 0x80 },
	{ "icmp-echoreply", 0 }, { "icmp-unreach", 3 }, { "icmp-sourcequench", 4 },
	{ "icmp-redirect", 5 }, { "icmp-echo", 8 }, { "icmp-routeradvert", 9 },
	{ "icmp-routersolicit", 10 }, { "icmp-timxceed", 11 }, { "icmp-paramprob", 12 },
	{ "icmp-tstamp", 13 }, { "icmp-tstampreply", 14 }, { "icmp-ireq", 15 },
	{ "icmp-ireqreply", 16 }, { "icmp-maskreq", 17 }, { "icmp-maskreply", 18 },
};

/* VALUE := NUMBER | NAME | "(" VALUE ")", joined by '|'. */
static int parse_value(struct compiler *c, __u32 *out)
{
	size_t i;
	__u32 v;

	*out = 0;
	for (;;) {
		if (c->tok.kind == T_LPAREN) {
			int col = c->tok.col;

			if (next(c) || parse_value(c, &v))
				return -1;
			if (c->tok.kind != T_RPAREN)
				return fail(c, col, "unbalanced parenthesis in a value");
			*out |= v;
			if (next(c))
				return -1;
			if (c->tok.kind != T_OP || strcmp(c->tok.text, "|"))
				break;
			if (next(c))
				return -1;
			continue;
		}
		if (c->tok.kind != T_ID)
			return fail(c, c->tok.col, "expected a number or a name like tcp-syn");
		if (parse_u32(c->tok.text, &v)) {
			for (i = 0; i < sizeof(named_values) / sizeof(named_values[0]); i++)
				if (!strcmp(c->tok.text, named_values[i].name))
					break;
			if (i == sizeof(named_values) / sizeof(named_values[0]))
				return fail(c, c->tok.col, "'%s' is not a number or a known name",
					    c->tok.text);
			v = named_values[i].value;
		}
		*out |= v;
		if (next(c))
			return -1;
		if (c->tok.kind != T_OP || strcmp(c->tok.text, "|"))
			break;
		if (next(c))
			return -1;
	}
	return 0;
}

static int parse_relop(struct compiler *c, __u8 *cmp)
{
	static const char *const ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	static const __u8 codes[] = { PL_FC_EQ, PL_FC_NE, PL_FC_LT, PL_FC_LE, PL_FC_GT,
				      PL_FC_GE };
	size_t i;

	if (c->tok.kind == T_OP && !strcmp(c->tok.text, "=="))
		strcpy(c->tok.text, "=");
	for (i = 0; c->tok.kind == T_OP && i < 6; i++) {
		if (!strcmp(c->tok.text, ops[i])) {
			*cmp = codes[i];
			return next(c);
		}
	}
	return fail(c, c->tok.col, "expected a comparison (=, !=, <, <=, >, >=)");
}

/* PROTO [ OFF [: SIZE] ] [& MASK] RELOP VALUE */
static struct ast *bytes_leaf(struct compiler *c, const char *proto, int col)
{
	struct ast *a = leaf(c, PL_FT_BYTES);
	__u32 off, size = 1, mask = 0xffffffff, value;
	__u8 cmp, l4 = 0, base;

	if (!a)
		return NULL;
	if (!strcmp(proto, "ether"))
		base = PL_FB_ETHER;
	else if (!strcmp(proto, "ip"))
		base = PL_FB_IP;
	else if (!strcmp(proto, "tcp") || !strcmp(proto, "udp") || !strcmp(proto, "icmp")) {
		base = PL_FB_L4;
		l4 = !strcmp(proto, "tcp") ? 6 : !strcmp(proto, "udp") ? 17 : 1;
	} else {
		free_ast(a);
		fail(c, col, "'%s[...]' is not supported; use ether, ip, tcp, udp or icmp", proto);
		return NULL;
	}
	if (next(c) || parse_value(c, &off))
		goto bad;
	if (c->tok.kind == T_COLON) {
		int scol;

		if (next(c))
			goto bad;
		scol = c->tok.col;
		if (parse_value(c, &size))
			goto bad;
		if (size != 1 && size != 2 && size != 4) {
			fail(c, scol, "a byte load is 1, 2 or 4 bytes");
			goto bad;
		}
	}
	if (c->tok.kind != T_RBRACK) {
		fail(c, c->tok.col, "expected ']'");
		goto bad;
	}
	if (next(c))
		goto bad;
	if (c->tok.kind == T_AMP) {
		if (next(c) || parse_value(c, &mask))
			goto bad;
	}
	if (parse_relop(c, &cmp) || parse_value(c, &value))
		goto bad;
	/* the kernel has the first PL_WIN bytes of each frame */
	if (off + size + (base == PL_FB_ETHER ? 0 : 60 + 60) > PL_WIN) {
		fail(c, col, "offset %u is past the %d bytes pktlens reads of a packet", off,
		     PL_WIN);
		goto bad;
	}
	a->leaf.lo = off;
	a->leaf.arg8 = (__u8)size;
	a->leaf.arg8b = base;
	a->leaf.addr[0] = l4;
	a->leaf.mask = mask;
	a->leaf.cmp = cmp;
	a->leaf.hi = value;
	c->f->needs_bytes = 1;
	return a;
bad:
	free_ast(a);
	return NULL;
}

static const struct {
	const char *name;
	__u8 field;
	bool string;
} l7_fields[] = {
	{ "tls.sni", PL_FF_TLS_SNI, true },
	{ "tls.handshake.extensions_server_name", PL_FF_TLS_SNI, true },
	{ "dns.qry.name", PL_FF_DNS_QNAME, true },
	{ "http.host", PL_FF_HTTP_HOST, true },
	{ "http.request.method", PL_FF_HTTP_METHOD, true },
	{ "http.request.uri", PL_FF_HTTP_URI, true },
	{ "dns.qry.type", PL_FF_DNS_QTYPE, false },
	{ "dns.flags.rcode", PL_FF_DNS_RCODE, false },
	{ "dns.id", PL_FF_DNS_ID, false },
	{ "tls.handshake.version", PL_FF_TLS_VERSION, false },
};

static struct ast *l7_leaf(struct compiler *c, size_t which, int col)
{
	struct ast *a;
	const char *pat;
	size_t len;
	__u8 cmp;
	__u32 v;

	if (next(c))
		return NULL;
	if (!l7_fields[which].string) {
		if (parse_relop(c, &cmp) || parse_value(c, &v))
			return NULL;
		a = leaf(c, PL_FT_NUM);
		c->f->needs_l7 = 1;
		if (a) {
			a->leaf.lo = l7_fields[which].field;
			a->leaf.cmp = cmp;
			a->leaf.hi = v;
		}
		return a;
	}
	if (c->tok.kind != T_OP ||
	    (strcmp(c->tok.text, "==") && strcmp(c->tok.text, "!=") &&
	     strcmp(c->tok.text, "~") && strcmp(c->tok.text, "="))) {
		fail(c, c->tok.col, "%s takes ==, != or ~ and a \"string\"", l7_fields[which].name);
		return NULL;
	}
	cmp = !strcmp(c->tok.text, "!=") ? PL_FC_NE :
	      !strcmp(c->tok.text, "~") ? PL_FC_SUBSTR : PL_FC_EQ;
	if (next(c))
		return NULL;
	if (c->tok.kind != T_STR && c->tok.kind != T_ID) {
		fail(c, c->tok.col, "%s: expected a \"string\"", l7_fields[which].name);
		return NULL;
	}
	pat = c->tok.text;
	len = strlen(pat);
	/* "*.x" suffix, "x*" prefix, "*x*" substring */
	if (cmp == PL_FC_EQ && len >= 2 && pat[0] == '*' && pat[len - 1] == '*') {
		cmp = PL_FC_SUBSTR;
		pat++;
		len -= 2;
	} else if (cmp == PL_FC_EQ && len >= 1 && pat[0] == '*') {
		cmp = PL_FC_SUFFIX;
		pat++;
		len--;
	} else if (cmp == PL_FC_EQ && len >= 1 && pat[len - 1] == '*') {
		cmp = PL_FC_PREFIX;
		len--;
	}
	if (len >= PL_FILTER_STR_MAX) {
		fail(c, c->tok.col, "pattern longer than %d bytes", PL_FILTER_STR_MAX - 1);
		return NULL;
	}
	if (memchr(pat, '*', len)) {
		fail(c, c->tok.col, "'*' may stand only at the start or the end of a pattern");
		return NULL;
	}
	if (c->n_strs == PL_FILTER_MAX_STRS) {
		fail(c, col, "at most %d string patterns in one filter", PL_FILTER_MAX_STRS);
		return NULL;
	}
	a = leaf(c, PL_FT_STR);
	c->f->needs_l7 = 1;
	if (!a)
		return NULL;
	memcpy(c->f->strs[c->n_strs], pat, len);
	a->leaf.lo = l7_fields[which].field;
	a->leaf.cmp = cmp;
	a->leaf.arg8 = (__u8)c->n_strs++;
	a->leaf.arg8b = (__u8)len;
	if (next(c)) {
		free_ast(a);
		return NULL;
	}
	return a;
}

static struct ast *proto_leaf(struct compiler *c, const char *name)
{
	static const struct {
		const char *name;
		int test;
		__u32 value;
		__u8 af;
	} protos[] = {
		{ "ip", PL_FT_LINK_PROTO, 0x0800, 0 },
		{ "ip6", PL_FT_LINK_PROTO, 0x86dd, 0 },
		{ "arp", PL_FT_LINK_PROTO, 0x0806, 0 },
		{ "rarp", PL_FT_LINK_PROTO, 0x8035, 0 },
		{ "tcp", PL_FT_IP_PROTO, 6, PL_FP_V4 | PL_FP_V6 },
		{ "udp", PL_FT_IP_PROTO, 17, PL_FP_V4 | PL_FP_V6 },
		{ "sctp", PL_FT_IP_PROTO, 132, PL_FP_V4 | PL_FP_V6 },
		{ "icmp", PL_FT_IP_PROTO, 1, PL_FP_V4 },
		{ "icmp6", PL_FT_IP_PROTO, 58, PL_FP_V6 },
		{ "igmp", PL_FT_IP_PROTO, 2, PL_FP_V4 },
	};
	struct ast *a;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(name, protos[i].name))
			continue;
		a = leaf(c, protos[i].test);
		if (!a)
			return NULL;
		if (protos[i].test == PL_FT_LINK_PROTO) {
			a->leaf.lo = protos[i].value;
		} else {
			a->leaf.arg8 = (__u8)protos[i].value;
			a->leaf.arg8b = protos[i].af;
		}
		return a;
	}
	return NULL;
}

static int port_mask_of(const char *proto)
{
	if (!proto)
		return PL_PORT_TCP | PL_PORT_UDP | PL_PORT_SCTP;
	return !strcmp(proto, "tcp") ? PL_PORT_TCP : !strcmp(proto, "udp") ? PL_PORT_UDP :
									   PL_PORT_SCTP;
}

/* The value after host/net/port/portrange/ether host, with qualifiers. */
static struct ast *qualified_value(struct compiler *c, const char *kind, int dir,
				   int proto_mask, bool ether)
{
	struct ast *a = NULL;
	char text[256];
	int col = c->tok.col;
	__u32 lo, hi;
	char *dash;

	if (c->tok.kind != T_ID) {
		fail(c, c->tok.col, "'%s' needs a value", kind);
		return NULL;
	}
	snprintf(text, sizeof(text), "%s", c->tok.text);
	if (next(c))
		return NULL;
	if (ether) {
		unsigned m[6];
		int k;

		a = leaf(c, PL_FT_ETHER);
		if (!a)
			return NULL;
		if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6 &&
		    sscanf(text, "%x-%x-%x-%x-%x-%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
			free_ast(a);
			fail(c, col, "'%s' is not a MAC address like aa:bb:cc:dd:ee:ff", text);
			return NULL;
		}
		for (k = 0; k < 6; k++)
			a->leaf.addr[k] = (__u8)m[k];
		a->leaf.dir = (__u8)dir;
	} else if (!strcmp(kind, "host") || !strcmp(kind, "net")) {
		a = addr_leaf(c, kind, dir, text, col);
	} else {
		dash = strchr(text, '-');
		if (!strcmp(kind, "portrange") && dash) {
			*dash = 0;
			if (parse_u32(text, &lo) || parse_u32(dash + 1, &hi) || lo > 65535 ||
			    hi > 65535) {
				fail(c, col, "'%s-%s' is not a port range like 1024-2047", text, dash + 1);
				return NULL;
			}
			if (lo > hi) {
				__u32 t = lo;
				lo = hi;
				hi = t;
			}
		} else if (!strcmp(kind, "port") && !parse_u32(text, &lo) && lo <= 65535) {
			hi = lo;
		} else {
			fail(c, col, "'%s' is not a %s number%s", text, kind,
			     !strcmp(kind, "portrange") ? " range like 1024-2047" : " (0-65535)");
			return NULL;
		}
		a = leaf(c, PL_FT_PORT);
		if (!a)
			return NULL;
		a->leaf.lo = lo;
		a->leaf.hi = hi;
		a->leaf.mask = (__u32)proto_mask;
		a->leaf.dir = (__u8)dir;
	}
	if (a) {
		snprintf(c->last_kind, sizeof(c->last_kind), "%s", ether ? "ether" : kind);
		c->last_dir = dir;
		c->last_proto_mask = proto_mask;
		c->have_last = 1;
	}
	return a;
}

static int parse_dir(struct compiler *c, int *dir)
{
	*dir = PL_FD_EITHER;
	if (!is(c, "src") && !is(c, "dst"))
		return 0;
	*dir = is(c, "src") ? PL_FD_SRC : PL_FD_DST;
	if (next(c))
		return -1;
	/* "src or dst" / "src and dst" before host/net/port */
	if ((c->tok.kind == T_OR || c->tok.kind == T_AND) &&
	    (!strncmp(c->p, " dst", 4) || !strncmp(c->p, " src", 4) ||
	     !strncmp(c->p, "dst", 3) || !strncmp(c->p, "src", 3))) {
		int both = c->tok.kind == T_AND;

		if (next(c) || next(c))
			return -1;
		*dir = both ? PL_FD_BOTH : PL_FD_EITHER;
	}
	return 0;
}

static struct ast *parse_primitive(struct compiler *c)
{
	char word[256], proto_buf[16];
	const char *proto = NULL;
	int col = c->tok.col, dir;
	struct ast *a;
	size_t i;
	__u32 v;

	if (c->tok.kind != T_ID) {
		fail(c, c->tok.col, c->tok.kind == T_END ? "the filter ends too early" :
							   "expected a primitive, found '%s'",
		     c->tok.text);
		return NULL;
	}
	snprintf(word, sizeof(word), "%s", c->tok.text);

	for (i = 0; i < sizeof(l7_fields) / sizeof(l7_fields[0]); i++)
		if (!strcmp(word, l7_fields[i].name))
			return l7_leaf(c, i, col);
	if (strchr(word, '.') && strncmp(word, "ip", 2) && !isdigit((unsigned char)word[0]) &&
	    !strchr(word, ':')) {
		char names[512];
		size_t at = 0;

		/* every field the table knows, so the message stays true */
		for (i = 0; i < sizeof(l7_fields) / sizeof(l7_fields[0]) && at < sizeof(names); i++)
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? ", " : "",
					       l7_fields[i].name);
		fail(c, col, "unknown field '%s'; L7 fields: %s", word, names);
		return NULL;
	}

	if (!strcmp(word, "vlan")) {
		if (c->depth == PL_FILTER_MAX_VLAN) {
			fail(c, col, "more than %d 'vlan' in one filter", PL_FILTER_MAX_VLAN);
			return NULL;
		}
		a = leaf(c, PL_FT_VLAN);
		if (!a || next(c)) {
			free_ast(a);
			return NULL;
		}
		if (c->tok.kind == T_ID && !parse_u32(c->tok.text, &v)) {
			if (v > 4095) {
				free_ast(a);
				fail(c, c->tok.col, "VLAN id %u is over 4095", v);
				return NULL;
			}
			a->leaf.lo = v;
			a->leaf.arg8b = 1;
			if (next(c)) {
				free_ast(a);
				return NULL;
			}
		}
		c->depth++; /* what follows looks past one more tag, as in pcap */
		return a;
	}
	if (!strcmp(word, "less") || !strcmp(word, "greater")) {
		if (next(c))
			return NULL;
		if (c->tok.kind != T_ID || parse_u32(c->tok.text, &v)) {
			fail(c, c->tok.col, "'%s' needs a length", word);
			return NULL;
		}
		a = leaf(c, PL_FT_LEN);
		if (!a || next(c)) {
			free_ast(a);
			return NULL;
		}
		a->leaf.cmp = word[0] == 'l' ? PL_FC_LE : PL_FC_GE;
		a->leaf.lo = v;
		return a;
	}
	if (!strcmp(word, "ether")) {
		if (next(c))
			return NULL;
		if (c->tok.kind == T_LBRACK)
			return bytes_leaf(c, "ether", col);
		if (is(c, "proto")) {
			int vcol;

			if (next(c))
				return NULL;
			vcol = c->tok.col;
			if (parse_value(c, &v))
				return NULL;
			/* libpcap reads values up to 1500 as 802.2 LLC SAPs */
			if (v <= 1500 || v > 0xffff) {
				fail(c, vcol, "'ether proto %u': give an EtherType from 0x05dd to 0xffff (802.2 LLC SAPs are not supported)",
				     v);
				return NULL;
			}
			a = leaf(c, PL_FT_LINK_PROTO);
			if (a)
				a->leaf.lo = v;
			return a;
		}
		if (parse_dir(c, &dir))
			return NULL;
		if (is(c, "host"))
			if (next(c))
				return NULL;
		return qualified_value(c, "host", dir, 0, true);
	}
	if (!strcmp(word, "tcp") || !strcmp(word, "udp") || !strcmp(word, "sctp") ||
	    !strcmp(word, "ip") || !strcmp(word, "ip6") || !strcmp(word, "icmp") ||
	    !strcmp(word, "icmp6") || !strcmp(word, "arp")) {
		const char *p = c->p;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '[') {
			if (next(c))
				return NULL;
			return bytes_leaf(c, word, col);
		}
		/* "tcp port 80", "udp src port 53" */
		if (!strcmp(word, "tcp") || !strcmp(word, "udp") || !strcmp(word, "sctp")) {
			if (word_at(p, "port") || word_at(p, "portrange") || word_at(p, "src") ||
			    word_at(p, "dst") || word_at(p, "host") || word_at(p, "net")) {
				snprintf(proto_buf, sizeof(proto_buf), "%.7s", word);
				proto = proto_buf;
				if (next(c))
					return NULL;
				goto qualifiers;
			}
		}
		a = proto_leaf(c, word);
		if (a && next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}
	if (!strcmp(word, "igmp") || !strcmp(word, "rarp")) {
		a = proto_leaf(c, word);
		if (a && next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}

qualifiers:
	col = c->tok.col;
	if (parse_dir(c, &dir))
		return NULL;
	if (is(c, "host") || is(c, "net") || is(c, "port") || is(c, "portrange")) {
		snprintf(word, sizeof(word), "%s", c->tok.text);
		if (proto && (!strcmp(word, "host") || !strcmp(word, "net"))) {
			fail(c, c->tok.col, "'%s %s' is not supported; use '%s and %s ...'", proto,
			     word, proto, word);
			return NULL;
		}
		if (next(c))
			return NULL;
		return qualified_value(c, word, dir, port_mask_of(proto), false);
	}
	/* "src 1.2.3.4" is "src host 1.2.3.4", as in pcap */
	if (dir != PL_FD_EITHER && !proto && c->tok.kind == T_ID &&
	    (isdigit((unsigned char)c->tok.text[0]) || strchr(c->tok.text, ':')))
		return qualified_value(c, "host", dir, 0, false);
	if (dir != PL_FD_EITHER || proto) {
		fail(c, c->tok.col, "expected host, net, port or portrange after the qualifiers");
		return NULL;
	}
	/* a bare value repeats the last qualifiers: "port 80 or 443" */
	if (c->have_last && (isdigit((unsigned char)word[0]) || strchr(word, ':'))) {
		if (!strcmp(c->last_kind, "ether"))
			return qualified_value(c, "host", c->last_dir, 0, true);
		return qualified_value(c, c->last_kind, c->last_dir, c->last_proto_mask, false);
	}
	fail(c, col, "unknown primitive '%s'", word);
	return NULL;
}

static struct ast *parse_unary(struct compiler *c)
{
	struct ast *a, *inner;
	int col;

	if (c->tok.kind == T_NOT) {
		if (next(c))
			return NULL;
		inner = parse_unary(c);
		if (!inner)
			return NULL;
		a = new_ast(c, A_NOT);
		if (!a) {
			free_ast(inner);
			return NULL;
		}
		a->l = inner;
		return a;
	}
	if (c->tok.kind == T_LPAREN) {
		col = c->tok.col;
		if (next(c))
			return NULL;
		a = parse_expr(c);
		if (!a)
			return NULL;
		if (c->tok.kind != T_RPAREN) {
			free_ast(a);
			fail(c, c->tok.kind == T_END ? col : c->tok.col,
			     c->tok.kind == T_END ? "unbalanced parenthesis: this '(' is never closed" :
						    "expected ')'");
			return NULL;
		}
		if (next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}
	col = c->tok.col;
	a = parse_primitive(c);
	if (a)
		a->col = col;
	return a;
}

static struct ast *parse_expr(struct compiler *c)
{
	struct ast *a = parse_unary(c);
	int kind;

	while (a && (c->tok.kind == T_AND || c->tok.kind == T_OR)) {
		kind = c->tok.kind == T_AND ? A_AND : A_OR;
		if (next(c)) {
			free_ast(a);
			return NULL;
		}
		a = join(c, kind, a, parse_unary(c));
	}
	return a;
}

/* Each primitive is one node: the column of the first one past the limit,
 * in text order, or 0 when they all fit. */
static int past_limit(const struct ast *a, int *count)
{
	int col;

	if (!a)
		return 0;
	if (a->kind == A_LEAF)
		return ++*count > PL_FILTER_MAX_NODES ? a->col : 0;
	col = past_limit(a->l, count);
	return col ? col : past_limit(a->r, count);
}

/* Places `a` in the graph so that it continues at t when true and at f
 * when false; returns its entry node. Nodes are numbered in reverse. */
static int place(struct compiler *c, struct ast *a, int t, int f)
{
	int rhs;

	switch (a->kind) {
	case A_NOT:
		return place(c, a->l, f, t);
	case A_AND:
		rhs = place(c, a->r, t, f);
		return rhs < 0 ? -1 : place(c, a->l, rhs, f);
	case A_OR:
		rhs = place(c, a->r, t, f);
		return rhs < 0 ? -1 : place(c, a->l, t, rhs);
	default:
		if (c->n == PL_FILTER_MAX_NODES)
			return fail(c, 1, "the filter has more than %d tests, more than the kernel form holds",
				    PL_FILTER_MAX_NODES);
		c->rev[c->n] = a->leaf;
		c->rev[c->n].jt = (__u8)t;
		c->rev[c->n].jf = (__u8)f;
		return c->n++;
	}
}

/* Reverse numbering to forward: node i becomes n - 1 - i. */
static __u8 forward(int n, int id)
{
	return id >= PL_FILTER_MAX_NODES ? (__u8)id : (__u8)(n - 1 - id);
}

int pl_filter_compile(const char *expr, struct pl_filter *out, char *err,
		      size_t errlen, int *col)
{
	struct compiler c = { .src = expr, .p = expr, .f = out, .err = err,
			      .errlen = errlen };
	struct ast *a;
	int entry, i, n_leaves = 0, over;

	memset(out, 0, sizeof(*out));
	out->entry = PL_FILTER_ACCEPT;
	*col = 0;
	if (!expr)
		return 0;
	if (next(&c))
		goto fail;
	if (c.tok.kind == T_END)
		return 0;
	a = parse_expr(&c);
	if (a && c.tok.kind != T_END) {
		if (c.tok.kind == T_RPAREN)
			fail(&c, c.tok.col, "unbalanced parenthesis: no '(' for this ')'");
		else
			fail(&c, c.tok.col, "expected and, or or the end, found '%s'", c.tok.text);
		free_ast(a);
		goto fail;
	}
	if (!a)
		goto fail;
	over = past_limit(a, &n_leaves);
	if (over) {
		fail(&c, over, "more than %d tests, more than the kernel form holds; this is test %d",
		     PL_FILTER_MAX_NODES, PL_FILTER_MAX_NODES + 1);
		free_ast(a);
		goto fail;
	}
	entry = place(&c, a, PL_FILTER_ACCEPT, PL_FILTER_REJECT);
	free_ast(a);
	if (entry < 0)
		goto fail;
	out->n_nodes = (__u32)c.n;
	out->entry = forward(c.n, entry);
	for (i = 0; i < c.n; i++) {
		struct pl_fnode *n = &out->nodes[forward(c.n, i)];

		*n = c.rev[i];
		n->jt = forward(c.n, c.rev[i].jt);
		n->jf = forward(c.n, c.rev[i].jf);
	}
	return 0;
fail:
	if (!c.err_col)
		fail(&c, 1, "invalid filter");
	*col = c.err_col;
	memset(out, 0, sizeof(*out));
	return -1;
}

__u32 pl_filter_parse_parts(const struct pl_filter *f)
{
	__u32 parts = 0, i;

	for (i = 0; i < f->n_nodes && i < PL_FILTER_MAX_NODES; i++) {
		const struct pl_fnode *n = &f->nodes[i];

		if (n->test != PL_FT_STR && n->test != PL_FT_NUM)
			continue;
		parts |= PL_PART_L7;
		if (n->lo == PL_FF_HTTP_METHOD || n->lo == PL_FF_HTTP_URI)
			parts |= PL_PART_L7_ALL;
	}
	return parts;
}
