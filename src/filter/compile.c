// SPDX-License-Identifier: BSD-2-Clause
/*
 * Compiles a filter expression into the decision graph of filter.h.
 *
 * The header part of the language is libpcap's: each maximal part of the
 * expression without an L7 predicate is handed to pcap_compile() whole,
 * and its classic BPF becomes one block (PL_FT_CBPF node), which the
 * kernel runs translated (filter/cbpf.c) and the host interprets. So a
 * header filter means in pktlens exactly what it means in tcpdump.
 * pktlens adds the L7 predicates and combines both kinds:
 *
 *   expr     := unary ( ("and" | "&&" | "or" | "||") unary )*
 *               (and and or have the same precedence and group left to
 *               right, as in pcap-filter(7): "a or b and c" is
 *               "(a or b) and c")
 *   unary    := ("not" | "!") unary | "(" expr ")" | l7 | header
 *   l7       := L7FIELD ("==" | "!=" | "~") "STRING" | L7FIELD RELOP NUMBER
 *   header   := text up to the next and/or/closing parenthesis outside
 *               brackets and parentheses: libpcap's to judge
 *
 * A parenthesis opens a group of this grammar only when an L7 field
 * stands inside it; otherwise it belongs to the header text (libpcap's
 * arithmetic has parentheses too).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include "filter.h"

enum tok_kind {
	T_END,
	T_ID,
	T_STR,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COLON,
	T_AMP,
	T_OP,
	T_AND,
	T_OR,
	T_NOT
};

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
	struct pl_filter *f;
	int linktype; /* DLT_* the header parts are compiled for */
	int n;	      /* nodes built, in reverse order */
	struct pl_fnode rev[PL_FILTER_MAX_NODES];
	int n_strs;
	char *err;
	size_t errlen;
	int err_col;
};

/* A parsed sub-expression, not yet placed in the graph. A_HDR is text
 * that libpcap compiles: [from, to) of the source. */
struct ast {
	enum {
		A_LEAF,
		A_HDR,
		A_AND,
		A_OR,
		A_NOT
	} kind;
	struct pl_fnode leaf;
	int col; /* where the primitive starts */
	int from, to;
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
	if (isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-' || ch == '/' ||
	    ch == '*')
		return true;
	return ch == ':' && !in_brackets;
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
	case '(':
		t->kind = T_LPAREN;
		break;
	case ')':
		t->kind = T_RPAREN;
		break;
	case '[':
		t->kind = T_LBRACK;
		c->in_brackets++;
		break;
	case ']':
		t->kind = T_RBRACK;
		c->in_brackets--;
		break;
	case '&':
		t->kind = T_AMP;
		break;
	case '|':
		t->kind = T_OP;
		break;
	default:
		/* ':' separates offset and size in brackets, else it is part of
		 * an IPv6 address or a MAC (like "::1") */
		if (*c->p == ':' && c->in_brackets > 0) {
			t->kind = T_COLON;
			break;
		}
		if (!is_id_char(*c->p, c->in_brackets > 0)) {
			/* libpcap's to judge, in header text */
			t->kind = T_OP;
			break;
		}
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

	if (a)
		a->leaf.test = (__u8)test;
	return a;
}

/* l OP r; two header texts become one, so libpcap sees them together
 * (qualifiers carry over, as in "port 80 or 443"). */
static struct ast *join(struct compiler *c, int kind, struct ast *l, struct ast *r)
{
	struct ast *a;

	if (!l || !r) {
		free_ast(l);
		free_ast(r);
		return NULL;
	}
	if (l->kind == A_HDR && r->kind == A_HDR) {
		l->to = r->to;
		free_ast(r);
		return l;
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

static int parse_relop(struct compiler *c, __u8 *cmp)
{
	static const char *const ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	static const __u8 codes[] = { PL_FC_EQ, PL_FC_NE, PL_FC_LT, PL_FC_LE, PL_FC_GT, PL_FC_GE };
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

/* Puts len bytes (a pattern, an address) in the next string slot for leaf
 * a, then takes the next token; the caller checked a slot is free. */
static struct ast *with_slot(struct compiler *c, struct ast *a, const void *bytes, size_t len)
{
	memcpy(c->f->strs[c->n_strs], bytes, len);
	a->leaf.arg8 = (__u8)c->n_strs++;
	a->leaf.arg8b = (__u8)len;
	if (next(c)) {
		free_ast(a);
		return NULL;
	}
	return a;
}

static struct ast *l7_leaf(struct compiler *c, size_t which, int col)
{
	struct ast *a;
	const char *pat;
	size_t len;
	__u8 cmp = PL_FC_EQ;
	__u32 v;

	if (next(c))
		return NULL;
	if (!l7_fields[which].string) {
		if (parse_relop(c, &cmp))
			return NULL;
		if (c->tok.kind != T_ID || parse_u32(c->tok.text, &v)) {
			fail(c, c->tok.col, "%s: expected a number", l7_fields[which].name);
			return NULL;
		}
		if (next(c))
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
	if (c->tok.kind != T_OP || (strcmp(c->tok.text, "==") && strcmp(c->tok.text, "!=") &&
				    strcmp(c->tok.text, "~") && strcmp(c->tok.text, "="))) {
		fail(c, c->tok.col, "%s takes ==, != or ~ and a \"string\"", l7_fields[which].name);
		return NULL;
	}
	cmp = !strcmp(c->tok.text, "!=")  ? PL_FC_NE
	      : !strcmp(c->tok.text, "~") ? PL_FC_SUBSTR
					  : PL_FC_EQ;
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
	a->leaf.lo = l7_fields[which].field;
	a->leaf.cmp = cmp;
	return with_slot(c, a, pat, len);
}

static int l7_field(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(l7_fields) / sizeof(l7_fields[0]); i++)
		if (!strcmp(word, l7_fields[i].name))
			return (int)i;
	return -1;
}

/* A word that names an L7 protocol's field we do not have. */
static bool looks_like_l7(const char *word)
{
	return !strncmp(word, "tls.", 4) || !strncmp(word, "dns.", 4) ||
	       !strncmp(word, "http.", 5) || !strncmp(word, "quic.", 5);
}

static int unknown_field(struct compiler *c, const char *word, int col)
{
	char names[512];
	size_t at = 0, i;

	/* every field the table knows, so the message stays true */
	for (i = 0; i < sizeof(l7_fields) / sizeof(l7_fields[0]) && at < sizeof(names); i++)
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? ", " : "",
				       l7_fields[i].name);
	return fail(c, col, "unknown field '%s'; L7 fields: %s", word, names);
}

/* ---- tunnels: tests of the parsed record (PL_FT_TUN) ----
 *
 *   tunnel := "vxlan" [VNI] | "gre" | "inner" iprim
 *   iprim  := [PROTO] [["src" | "dst"] ("host" ADDR | "port" N)]
 *   PROTO  := "ip" | "ip6" | "tcp" | "udp" | "sctp" | "icmp" | "icmp6"
 *
 * libpcap 1.10 has no vxlan or gre primitive (and its `geneve` and `mpls`
 * stay libpcap's); `inner` tests the first inner packet of a tunnel that
 * pktlens decodes, so it runs on the record, after the parse. */
static bool is_tunnel_word(const char *w)
{
	return !strcmp(w, "vxlan") || !strcmp(w, "gre") || !strcmp(w, "inner");
}

static struct ast *tun_leaf(struct compiler *c, __u32 what, __u32 v, int col)
{
	struct ast *a = leaf(c, PL_FT_TUN);

	c->f->needs_l7 = 1;
	if (a) {
		a->leaf.lo = what;
		a->leaf.hi = v;
		a->col = col;
	}
	return a;
}

static const struct {
	const char *name;
	__u32 what, v;
} inner_protos[] = {
	{ "ip", PL_FTUN_IPVER, 4 },	 { "ip6", PL_FTUN_IPVER, 6 },  { "tcp", PL_FTUN_PROTO, 6 },
	{ "udp", PL_FTUN_PROTO, 17 },	 { "sctp", PL_FTUN_PROTO, 132 }, { "icmp", PL_FTUN_PROTO, 1 },
	{ "icmp6", PL_FTUN_PROTO, 58 },
};

/* "host ADDR" or "port N" after `inner` [src|dst]; dir: 0, 1 src, 2 dst */
static struct ast *inner_addr_port(struct compiler *c, int dir, int col)
{
	struct ast *a;
	__u8 addr[16];
	__u32 v;
	int len;

	if (c->tok.kind == T_ID && !strcmp(c->tok.text, "port")) {
		if (next(c))
			return NULL;
		if (c->tok.kind != T_ID || parse_u32(c->tok.text, &v) || v > 65535) {
			fail(c, c->tok.col, "inner port: expected a port number (0 to 65535)");
			return NULL;
		}
		a = tun_leaf(c, dir == 1 ? PL_FTUN_SPORT : dir == 2 ? PL_FTUN_DPORT : PL_FTUN_PORT,
			     v, col);
		if (a && next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}
	if (c->tok.kind != T_ID || strcmp(c->tok.text, "host")) {
		fail(c, c->tok.col, "inner %s: expected host ADDR or port N",
		     dir == 1 ? "src" : "dst");
		return NULL;
	}
	if (next(c))
		return NULL;
	if (c->tok.kind == T_ID && inet_pton(AF_INET, c->tok.text, addr) == 1)
		len = 4;
	else if (c->tok.kind == T_ID && inet_pton(AF_INET6, c->tok.text, addr) == 1)
		len = 16;
	else {
		fail(c, c->tok.col, "inner host: expected an IPv4 or IPv6 address (no names)");
		return NULL;
	}
	if (c->n_strs == PL_FILTER_MAX_STRS) {
		fail(c, col, "at most %d string patterns and addresses in one filter",
		     PL_FILTER_MAX_STRS);
		return NULL;
	}
	a = tun_leaf(c, dir == 1 ? PL_FTUN_SRC : dir == 2 ? PL_FTUN_DST : PL_FTUN_HOST, 0, col);
	return a ? with_slot(c, a, addr, (size_t)len) : NULL;
}

static struct ast *tunnel_leaf(struct compiler *c, int col)
{
	struct ast *a = NULL, *b;
	__u32 v;
	size_t i;
	int dir = 0;

	if (!strcmp(c->tok.text, "vxlan")) {
		if (next(c))
			return NULL;
		if (c->tok.kind == T_ID && !parse_u32(c->tok.text, &v)) {
			if (v > 0xffffff) {
				fail(c, c->tok.col, "vxlan: a VNI is 24 bits (0 to 16777215)");
				return NULL;
			}
			a = tun_leaf(c, PL_FTUN_VXLAN_VNI, v, col);
			if (a && next(c)) {
				free_ast(a);
				return NULL;
			}
			return a;
		}
		return tun_leaf(c, PL_FTUN_KIND, PL_TUN_VXLAN, col);
	}
	if (!strcmp(c->tok.text, "gre")) {
		a = tun_leaf(c, PL_FTUN_KIND, PL_TUN_GRE, col);
		if (a && next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}
	/* inner */
	if (next(c))
		return NULL;
	for (i = 0; c->tok.kind == T_ID && i < sizeof(inner_protos) / sizeof(inner_protos[0]); i++) {
		if (strcmp(c->tok.text, inner_protos[i].name))
			continue;
		a = tun_leaf(c, inner_protos[i].what, inner_protos[i].v, col);
		if (!a || next(c)) {
			free_ast(a);
			return NULL;
		}
		break;
	}
	if (c->tok.kind == T_ID && (!strcmp(c->tok.text, "src") || !strcmp(c->tok.text, "dst"))) {
		dir = c->tok.text[0] == 's' ? 1 : 2;
		if (next(c)) {
			free_ast(a);
			return NULL;
		}
	}
	if (dir || (c->tok.kind == T_ID &&
		    (!strcmp(c->tok.text, "host") || !strcmp(c->tok.text, "port")))) {
		b = inner_addr_port(c, dir, col);
		return a ? join(c, A_AND, a, b) : b;
	}
	if (!a)
		fail(c, c->tok.col,
		     "inner: expected ip, ip6, tcp, udp, sctp, icmp, icmp6, [src|dst] host ADDR "
		     "or [src|dst] port N");
	return a;
}

/* Does an L7 field stand in the text from the '(' at p to its match? */
static bool group_has_l7(const char *p)
{
	int depth = 0;
	char word[64], prev = '(';
	size_t n;

	for (; *p; prev = *p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth <= 0)
			return false;
		if (!isalpha((unsigned char)*p) || isalnum((unsigned char)prev) || prev == '.' ||
		    prev == '_' || prev == '-')
			continue;
		for (n = 0; (isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '_') &&
			    n + 1 < sizeof(word);
		     n++)
			word[n] = p[n];
		word[n] = 0;
		if (l7_field(word) >= 0 || looks_like_l7(word) || is_tunnel_word(word))
			return true;
	}
	return false;
}

/* Is the word w at p (a whole word)? */
static bool word_is(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(p, w, n) && !isalnum((unsigned char)p[n]) && p[n] != '_' && p[n] != '-' &&
	       p[n] != '.';
}

/* Header text from the current token: up to an and/or or an unmatched ')'
 * outside brackets and parentheses, or the end. */
static struct ast *header_text(struct compiler *c)
{
	const char *start = c->src + c->tok.col - 1, *p = start;
	int depth = 0, brackets = 0;
	struct ast *a;

	for (; *p; p++) {
		bool word_start = p == c->src || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
						   p[-1] == '-' || p[-1] == '.');

		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			break;
		else if (*p == '[')
			brackets++;
		else if (*p == ']')
			brackets--;
		if (depth > 0 || brackets > 0)
			continue;
		if (!strncmp(p, "&&", 2) || !strncmp(p, "||", 2))
			break;
		if (word_start && (word_is(p, "and") || word_is(p, "or")))
			break;
	}
	while (p > start && isspace((unsigned char)p[-1]))
		p--;
	a = new_ast(c, A_HDR);
	if (!a)
		return NULL;
	a->col = c->tok.col;
	a->from = (int)(start - c->src);
	a->to = (int)(p - c->src);
	c->p = p;
	if (next(c)) {
		free_ast(a);
		return NULL;
	}
	return a;
}

static struct ast *parse_unary(struct compiler *c)
{
	struct ast *a, *inner;
	int col = c->tok.col, from = col - 1, which;

	if (c->tok.kind == T_NOT) {
		if (next(c))
			return NULL;
		inner = parse_unary(c);
		if (!inner)
			return NULL;
		if (inner->kind == A_HDR) {
			inner->from = from; /* "not" is libpcap's too */
			inner->col = col;
			return inner;
		}
		a = new_ast(c, A_NOT);
		if (!a) {
			free_ast(inner);
			return NULL;
		}
		a->l = inner;
		return a;
	}
	if (c->tok.kind == T_LPAREN && group_has_l7(c->src + from)) {
		if (next(c))
			return NULL;
		a = parse_expr(c);
		if (!a)
			return NULL;
		if (c->tok.kind != T_RPAREN) {
			free_ast(a);
			fail(c, c->tok.kind == T_END ? col : c->tok.col,
			     c->tok.kind == T_END ? "unbalanced parenthesis: this '(' is never "
						    "closed"
						  : "expected ')'");
			return NULL;
		}
		if (a->kind == A_HDR) {
			a->from = from; /* keep the parentheses with the text */
			a->to = (int)(c->src + c->tok.col - c->src);
		}
		if (next(c)) {
			free_ast(a);
			return NULL;
		}
		return a;
	}
	if (c->tok.kind == T_ID) {
		which = l7_field(c->tok.text);
		if (which >= 0) {
			a = l7_leaf(c, (size_t)which, col);
			if (a)
				a->col = col;
			return a;
		}
		if (looks_like_l7(c->tok.text)) {
			unknown_field(c, c->tok.text, col);
			return NULL;
		}
		if (is_tunnel_word(c->tok.text))
			return tunnel_leaf(c, col);
	}
	if (c->tok.kind == T_END || c->tok.kind == T_RPAREN || c->tok.kind == T_AND ||
	    c->tok.kind == T_OR) {
		fail(c, c->tok.col,
		     c->tok.kind == T_END ? "the filter ends too early"
					  : "expected a primitive, found '%s'",
		     c->tok.text);
		return NULL;
	}
	return header_text(c);
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

/* ---- libpcap's part ---- */

/* The netmask `ip broadcast` tests against: 0, as tcpdump -r has it
 * (with 0 it matches 255.255.255.255 and 0.0.0.0). Live, tcpdump takes the
 * interface's; pktlens keeps 0, so a filter means the same everywhere. */
#define PL_FILTER_NETMASK 0

/* Does libpcap take the text? */
static bool pcap_takes(int linktype, const char *text)
{
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(linktype, 262144);
	bool ok;

	if (!p)
		return false;
	ok = !pcap_compile(p, &prog, text, 1, PL_FILTER_NETMASK);
	if (ok)
		pcap_freecode(&prog);
	pcap_close(p);
	return ok;
}

static bool is_connector(const char *w, size_t n)
{
	static const char *const words[] = { "and", "or", "not", "&&", "||", "!", "(" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncmp(w, words[i], n))
			return true;
	return false;
}

/*
 * The column of libpcap's complaint in text, a's header text. libpcap
 * quotes the token it refuses ('x' or "x"); a syntax error names none, so
 * the caret goes to the first word after the longest prefix libpcap takes
 * (and, or, not and '(' passed over): where the text stops making sense.
 */
static int pcap_error_col(const struct compiler *c, const struct ast *a, const char *text,
			  const char *msg)
{
	const char *q = strpbrk(msg, "'\""), *hit, *w;
	char tok[128], *prefix;
	size_t n, cut, good = 0, len = strlen(text);

	if (q) {
		n = strcspn(q + 1, q[0] == '\'' ? "'" : "\"");
		if (n && n < sizeof(tok) && q[1 + n]) {
			memcpy(tok, q + 1, n);
			tok[n] = 0;
			hit = strstr(text, tok);
			if (hit)
				return a->from + (int)(hit - text) + 1;
		}
	}
	/* a number or word of the message that stands in the text: the
	 * last one there ("illegal port number 65536 > 65535") */
	hit = NULL;
	for (q = msg; *q; q += n ? n : 1) {
		const char *at;

		n = strspn(q, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:/"
			      "_-");
		if (n < 2 || n >= sizeof(tok))
			continue;
		memcpy(tok, q, n);
		tok[n] = 0;
		/* a whole word, or the start of one for a cut-off address
		 * ("bogus ethernet address aa:bb:") */
		for (at = strstr(text, tok); at; at = strstr(at + 1, tok))
			if (at > text && isspace((unsigned char)at[-1]) &&
			    (!at[n] || isspace((unsigned char)at[n]) || strpbrk(tok, ":.")) &&
			    (!hit || at > hit))
				hit = at;
	}
	if (hit)
		return a->from + (int)(hit - text) + 1;
	/* a control byte: libpcap's scanner takes none */
	for (w = text; *w; w++)
		if ((unsigned char)*w < 0x20 || *w == 0x7f)
			return a->from + (int)(w - text) + 1;
	prefix = strdup(text);
	if (!prefix)
		return a->from + 1;
	for (cut = 1; cut <= len; cut++) {
		if (cut < len && !isspace((unsigned char)text[cut]))
			continue;
		memcpy(prefix, text, cut);
		prefix[cut] = 0;
		if (pcap_takes(c->linktype, prefix))
			good = cut;
	}
	free(prefix);
	for (w = text + good;;) {
		while (isspace((unsigned char)*w))
			w++;
		n = *w == '(' ? 1 : strcspn(w, " \t\n(");
		if (!*w || !is_connector(w, n))
			break;
		w += n;
	}
	if (!*w)
		w = text + good;
	return a->from + (int)(w - text) + 1;
}

/* Highest byte offset a block may read, for the TC window; X is tracked
 * as the IP header length (MSH) or a constant, else unbounded. */
static __u32 block_reach(const struct pl_cbpf_insn *c, int len)
{
	__u32 xin[PL_FILTER_MAX_CBPF], reach = 0, xout, end, sz;
	bool seen[PL_FILTER_MAX_CBPF] = { false };
	int i, s, succ[2], n_succ;

	seen[0] = true;
	xin[0] = 0;
	for (i = 0; i < len; i++) {
		__u16 code = c[i].code;

		if (!seen[i])
			continue;
		xout = xin[i];
		sz = pl_cbpf_load_size(code);
		if (BPF_CLASS(code) == BPF_LD && BPF_MODE(code) == BPF_ABS)
			end = c[i].k + sz;
		else if (BPF_CLASS(code) == BPF_LD && BPF_MODE(code) == BPF_IND)
			end = xin[i] == 0xffffffff ? 0xffffffff : xin[i] + c[i].k + sz;
		else if (BPF_CLASS(code) == BPF_LDX && BPF_MODE(code) == BPF_MSH)
			end = c[i].k + 1;
		else
			end = 0;
		if (end > reach)
			reach = end;
		if (BPF_CLASS(code) == BPF_LDX)
			xout = BPF_MODE(code) == BPF_MSH   ? 60
			       : BPF_MODE(code) == BPF_IMM ? c[i].k
							   : 0xffffffff;
		else if (BPF_CLASS(code) == BPF_MISC && BPF_MISCOP(code) == BPF_TAX)
			xout = 0xffffffff;
		n_succ = 0;
		if (BPF_CLASS(code) == BPF_RET)
			continue;
		if (BPF_CLASS(code) != BPF_JMP) {
			succ[n_succ++] = i + 1;
		} else if (BPF_OP(code) == BPF_JA) {
			succ[n_succ++] = i + 1 + (int)c[i].k;
		} else {
			succ[n_succ++] = i + 1 + c[i].jt;
			succ[n_succ++] = i + 1 + c[i].jf;
		}
		for (s = 0; s < n_succ; s++) {
			if (succ[s] >= len)
				continue;
			if (!seen[succ[s]] || xout > xin[succ[s]])
				xin[succ[s]] = xout;
			seen[succ[s]] = true;
		}
	}
	return reach;
}

/* The offset of a '(' in a's header text that is never closed, or -1. */
static int unclosed_paren(const char *src, const struct ast *a)
{
	int open[64], depth = 0, i;

	for (i = a->from; i < a->to; i++) {
		if (src[i] == '(' && depth < 64)
			open[depth++] = i;
		else if (src[i] == ')' && depth > 0)
			depth--;
	}
	return depth ? open[depth - 1] : -1;
}

/* Compiles the header text of a to a block of libpcap's code. */
static int compile_block(struct compiler *c, struct ast *a)
{
	struct pl_filter *f = c->f;
	struct bpf_program prog;
	pcap_t *p;
	char *text;
	__u32 at = f->n_blocks ? f->block_start[f->n_blocks] : 0, i;
	int ret = -1;

	if (f->n_blocks == PL_FILTER_MAX_BLOCKS)
		return fail(c, a->col, "more than %d header parts between L7 predicates",
			    PL_FILTER_MAX_BLOCKS);
	if (unclosed_paren(c->src, a) >= 0)
		return fail(c, unclosed_paren(c->src, a) + 1,
			    "unbalanced parenthesis: this '(' is never closed");
	text = strndup(c->src + a->from, (size_t)(a->to - a->from));
	p = pcap_open_dead(c->linktype, 262144);
	if (!text || !p) {
		free(text);
		if (p)
			pcap_close(p);
		return fail(c, a->col, "out of memory");
	}
	/* libpcap's optimizer refuses a part it proves never true ("expression
	 * rejects all packets", as `ip and arp`); pktlens takes it, unoptimized,
	 * and it matches nothing, as the differential expects of tcpdump */
	if (pcap_compile(p, &prog, text, 1, PL_FILTER_NETMASK) &&
	    (!strstr(pcap_geterr(p), "rejects all packets") ||
	     pcap_compile(p, &prog, text, 0, PL_FILTER_NETMASK))) {
		const char *msg = pcap_geterr(p);

		fail(c, pcap_error_col(c, a, text, msg), "%s", msg);
		goto out;
	}
	if (at + prog.bf_len > PL_FILTER_MAX_CBPF) {
		fail(c, a->col, "the header tests compile to more than %d instructions",
		     PL_FILTER_MAX_CBPF);
		pcap_freecode(&prog);
		goto out;
	}
	for (i = 0; i < prog.bf_len; i++) {
		f->cbpf[at + i].code = prog.bf_insns[i].code;
		f->cbpf[at + i].jt = prog.bf_insns[i].jt;
		f->cbpf[at + i].jf = prog.bf_insns[i].jf;
		f->cbpf[at + i].k = prog.bf_insns[i].k;
	}
	for (i = 0; i < prog.bf_len; i++) {
		const struct pl_cbpf_insn *in = &f->cbpf[at + i];
		__u32 sz = pl_cbpf_load_size(in->code);

		/* Linux's ancillary loads (SKF_AD_OFF and up): libpcap emits
		 * them for what the frame does not say (inbound, outbound on
		 * Ethernet); tcpdump -r refuses those, and so does pktlens */
		if (BPF_CLASS(in->code) == BPF_LD && BPF_MODE(in->code) == BPF_ABS &&
		    in->k >= 0xfffff000u) {
			fail(c, a->col,
			     "this test needs the kernel's socket metadata, which a capture and "
			     "pktlens's hooks do not have");
			pcap_freecode(&prog);
			goto out;
		}
		/* a load past the window, whatever X holds: never true */
		if (BPF_CLASS(in->code) == BPF_LD &&
		    (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND) &&
		    in->k + sz > PL_WIN) {
			fail(c, a->col,
			     "a test reads past the %d bytes of a frame pktlens looks at", PL_WIN);
			pcap_freecode(&prog);
			goto out;
		}
	}
	if (block_reach(&f->cbpf[at], (int)prog.bf_len) > PL_HDR_WIN)
		f->needs_bytes = 1;
	a->kind = A_LEAF;
	a->leaf.test = PL_FT_CBPF;
	a->leaf.arg8 = (__u8)f->n_blocks;
	f->n_blocks++;
	f->block_start[f->n_blocks] = (__u16)(at + prog.bf_len);
	pcap_freecode(&prog);
	ret = 0;
out:
	pcap_close(p);
	free(text);
	return ret;
}

/* Every header text of the tree to a block, left to right. */
static int compile_blocks(struct compiler *c, struct ast *a)
{
	if (!a)
		return 0;
	if (a->kind == A_HDR)
		return compile_block(c, a);
	if (compile_blocks(c, a->l))
		return -1;
	return compile_blocks(c, a->r);
}

/* Each primitive is one node: the column of the first one past the limit,
 * in text order, or 0 when they all fit. */
static int past_limit(const struct ast *a, int *count)
{
	int col;

	if (!a)
		return 0;
	if (a->kind == A_LEAF || a->kind == A_HDR)
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
			return fail(c, 1,
				    "the filter has more than %d tests, more than the kernel form "
				    "holds",
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

int pl_filter_compile_for(const char *expr, int linktype, struct pl_filter *out, char *err,
			  size_t errlen, int *col)
{
	struct compiler c = {
		.src = expr, .p = expr, .f = out, .err = err, .errlen = errlen, .linktype = linktype
	};
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
		fail(&c, over,
		     "more than %d tests, more than the kernel form holds; this is test %d",
		     PL_FILTER_MAX_NODES, PL_FILTER_MAX_NODES + 1);
		free_ast(a);
		goto fail;
	}
	if (compile_blocks(&c, a)) {
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

int pl_filter_compile(const char *expr, struct pl_filter *out, char *err, size_t errlen, int *col)
{
	return pl_filter_compile_for(expr, DLT_EN10MB, out, err, errlen, col);
}
