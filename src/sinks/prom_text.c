// SPDX-License-Identifier: BSD-2-Clause
/*
 * The Prometheus exposition text: a growing buffer and the writers of
 * families, label values and histograms. Apart from the server in prom.c,
 * so that unit tests link it alone.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "records/hist.h"
#include "prom.h"

static void grow(struct pl_text *t, size_t more)
{
	size_t cap;
	char *b;

	if (t->oom || t->len + more + 1 <= t->cap)
		return;
	cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	b = realloc(t->buf, cap);
	if (!b) {
		t->oom = 1;
		return;
	}
	t->buf = b;
	t->cap = cap;
}

void pl_text_printf(struct pl_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(t, (size_t)n);
	if (t->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void pl_text_family(struct pl_text *t, const char *name, const char *type, const char *help)
{
	pl_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void pl_text_label(struct pl_text *t, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' || c == '"')
			pl_text_printf(t, "\\%c", c);
		else if (c == '\n')
			pl_text_printf(t, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			pl_text_printf(t, "\\\\x%02x", c);
		else
			pl_text_printf(t, "%c", c);
	}
}

void pl_text_hist(struct pl_text *t, const char *name, const char *labels,
		  const struct pl_hist *h, double unit, unsigned first)
{
	const char *sep = labels && *labels ? "," : "";
	uint64_t cum = 0;
	unsigned i;

	if (!labels)
		labels = "";
	for (i = 0; i < PL_HIST_BUCKETS; i++) {
		cum += h->bucket[i];
		if (i < first || i == PL_HIST_BUCKETS - 1)
			continue;
		pl_text_printf(t, "%s_bucket{%s%sle=\"%.9g\"} %" PRIu64 "\n", name, labels, sep,
			       ldexp(1.0, (int)i) * unit, cum);
	}
	pl_text_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep, cum);
	pl_text_printf(t, "%s_sum%s%s%s %.9g\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		       (double)h->sum * unit);
	pl_text_printf(t, "%s_count%s%s%s %" PRIu64 "\n", name, *labels ? "{" : "", labels,
		       *labels ? "}" : "", (uint64_t)h->count);
}
