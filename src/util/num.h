/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checked numbers: the one parser that every numeric option (seconds,
 * counts, sizes, rates), every detector threshold and every number of the
 * agent's config file goes through.
 *
 * strtod and strtoull are too lenient for a command line: they take
 * leading blanks and signs, "nan", "inf", "1e400" (as inf), "0x1" and
 * stop quietly at trailing junk ("5abc"). The grammar here is plain
 * decimal only:
 *
 *   whole number:  DIGITS
 *   decimal:       DIGITS [ "." DIGITS ]
 *
 * and the value must lie in [min, max]. Header-only so that the small
 * programs that link the detector config (tests/kernel, bench/) need no
 * extra source file.
 */
#ifndef PKTLENS_NUM_H
#define PKTLENS_NUM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* DIGITS in [min, max], without overflow. Returns 0 or -1. */
static inline int pl_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -1;
	for (p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* DIGITS [. DIGITS] in [min, max]. Returns 0 or -1. */
static inline int pl_parse_decimal(const char *s, double min, double max, double *out)
{
	const char *p = s;
	double v;

	if (!s || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	/* the text is now plain digits and at most one '.': strtod cannot
	 * meet a sign, an exponent, hex or a word; pktlens never calls
	 * setlocale, so the point is '.' */
	v = strtod(s, NULL);
	if (!(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

/* What pl_parse_uint / pl_parse_decimal accept, for messages:
 * "a whole number from 1 to 1000000", "a decimal number from 0.001 to 3600". */
static inline const char *pl_num_range_uint(char *buf, size_t n, uint64_t min, uint64_t max)
{
	snprintf(buf, n, "a whole number from %llu to %llu", (unsigned long long)min,
		 (unsigned long long)max);
	return buf;
}

static inline const char *pl_num_range_decimal(char *buf, size_t n, double min, double max)
{
	snprintf(buf, n, "a decimal number from %g to %.0f", min, max);
	return buf;
}

#endif
