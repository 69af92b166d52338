// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procterms.h"

static const struct {
	const char *name;
	enum pl_proc_field field;
} fields[] = {
	{ "proc.name", PL_PF_NAME },
	{ "proc.pid", PL_PF_PID },
	{ "container.id", PL_PF_CONTAINER },
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Is the word at s (n bytes) the top-level conjunction? */
static bool is_and(const char *s, size_t n)
{
	return (n == 3 && !strncmp(s, "and", 3)) || (n == 2 && !strncmp(s, "&&", 2));
}

/* Does [s, s + n) mention a proc field? */
static bool mentions(const char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		k = strlen(fields[i].name);
		if (k <= n && memmem(s, n, fields[i].name, k))
			return true;
	}
	return false;
}

static int top_level(const char *term, char *err, size_t err_n)
{
	snprintf(err, err_n, "'%s': proc.name, proc.pid and container.id are joined to the rest of "
		 "the filter by a top-level 'and' (they run in user space, on what the kernel's "
		 "filter kept), not under or, not or parentheses",
		 term);
	return -1;
}

/* One term "FIELD OP VALUE" in [s, s + n): into *pt, 1; not a proc term:
 * 0; a proc term that is wrong: -1 and err. */
static int parse_term(const char *s, size_t n, struct pl_proc_terms *pt, char *err, size_t err_n)
{
	char buf[160], field[32], op[4], *v, *end;
	size_t i, len;
	int k = -1;

	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (!mentions(s, n))
		return 0;
	if (n >= sizeof(buf)) {
		snprintf(err, err_n, "a proc.*/container.id term is too long");
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "%31[a-z.] %3[^ \t\"0-9]", field, op) == 2)
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(field, fields[i].name))
				k = (int)i;
	if (k < 0)
		return top_level(buf, err, err_n);
	if (strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "~")) {
		snprintf(err, err_n, "'%s': use proc.name, proc.pid or container.id with ==, != or ~",
			 buf);
		return -1;
	}
	v = strstr(buf, op) + strlen(op);
	while (is_space(*v))
		v++;
	if (pt->n == PL_PROC_TERMS_MAX) {
		snprintf(err, err_n, "at most %d proc.*/container.id terms", PL_PROC_TERMS_MAX);
		return -1;
	}
	pt->t[pt->n].field = fields[k].field;
	pt->t[pt->n].op = !strcmp(op, "==") ? PL_PO_EQ : !strcmp(op, "!=") ? PL_PO_NE : PL_PO_SUBSTR;
	if (fields[k].field == PL_PF_PID) {
		unsigned long pid;

		pid = strtoul(v, &end, 10);
		if (is_space(*end))
			return top_level(buf, err, err_n);
		if (v[0] < '0' || v[0] > '9' || *end || pid == 0 || pid > 0x7fffffffu ||
		    pt->t[pt->n].op == PL_PO_SUBSTR) {
			snprintf(err, err_n, "'%s': proc.pid takes == or != and a pid (1 to 2147483647)",
				 buf);
			return -1;
		}
		pt->t[pt->n].pid = (uint32_t)pid;
	} else {
		len = strlen(v);
		end = v[0] == '"' ? strchr(v + 1, '"') : NULL;
		if (end && end[1])
			return top_level(buf, err, err_n);
		if (len < 2 || v[0] != '"' || v[len - 1] != '"' || memchr(v + 1, '"', len - 2) ||
		    len - 2 >= sizeof(pt->t[0].str)) {
			snprintf(err, err_n, "'%s': %s takes a quoted string (at most %zu bytes)", buf,
				 fields[k].name, sizeof(pt->t[0].str) - 1);
			return -1;
		}
		memcpy(pt->t[pt->n].str, v + 1, len - 2);
		pt->t[pt->n].str[len - 2] = '\0';
	}
	pt->n++;
	return 1;
}

/* Appends [s, s + n) to rest, joined by " and ". */
static int append(char *rest, size_t rest_n, const char *s, size_t n)
{
	size_t used = strlen(rest);

	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (!n)
		return 0;
	if (used + n + 6 > rest_n)
		return -1;
	if (used)
		memcpy(rest + used, " and ", 5), used += 5;
	memcpy(rest + used, s, n);
	rest[used + n] = '\0';
	return 0;
}

/* One part of the expression between top-level ands: a proc term into
 * *pt, anything else onto rest. */
static int take_part(const char *s, size_t n, struct pl_proc_terms *pt, char *rest, size_t rest_n,
		     char *err, size_t err_n)
{
	int r = parse_term(s, n, pt, err, err_n);

	if (r < 0)
		return -1;
	if (!r && append(rest, rest_n, s, n)) {
		snprintf(err, err_n, "the filter is too long");
		return -1;
	}
	return 0;
}

int pl_proc_terms_split(const char *expr, struct pl_proc_terms *pt, char *rest, size_t rest_n,
			char *err, size_t err_n)
{
	const char *seg = expr, *p;
	int depth = 0, quoted = 0;
	size_t k;

	memset(pt, 0, sizeof(*pt));
	if (!rest_n)
		return -1;
	rest[0] = '\0';
	for (p = expr; *p; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = 0;
			continue;
		}
		if (*p == '"')
			quoted = 1;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (depth || (p > expr && !is_space(p[-1])))
			continue;
		/* a word at the top level: a cut when it is "and" */
		k = strcspn(p, " \t\n");
		if (!is_and(p, k) || !is_space(p[k]))
			continue;
		if (take_part(seg, (size_t)(p - seg), pt, rest, rest_n, err, err_n))
			return -1;
		p += k;
		seg = p;
	}
	if (take_part(seg, strlen(seg), pt, rest, rest_n, err, err_n))
		return -1;
	/* a proc term left in the rest is under or, not or parentheses */
	if (mentions(rest, strlen(rest))) {
		snprintf(err, err_n, "proc.name, proc.pid and container.id are joined to the rest of "
			 "the filter by a top-level 'and' (they run in user space, on what the "
			 "kernel's filter kept), not under or, not or parentheses");
		return -1;
	}
	return 0;
}

static bool str_match(enum pl_proc_op op, const char *have, const char *want)
{
	if (op == PL_PO_SUBSTR)
		return strstr(have, want) != NULL;
	return (strcmp(have, want) == 0) == (op == PL_PO_EQ);
}

bool pl_proc_terms_match(const struct pl_proc_terms *pt, const struct pl_proc *p)
{
	int i;

	for (i = 0; i < pt->n; i++) {
		bool ok;

		if (!p || !p->pid) /* no process: no term holds */
			return false;
		switch (pt->t[i].field) {
		case PL_PF_PID:
			ok = (p->pid == pt->t[i].pid) == (pt->t[i].op == PL_PO_EQ);
			break;
		case PL_PF_NAME:
			ok = str_match(pt->t[i].op, p->name, pt->t[i].str);
			break;
		default:
			ok = str_match(pt->t[i].op, p->container, pt->t[i].str);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}
