/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The unit tests' bookkeeping, shared by tests/unit/test_*.c: each test is
 * a function that run() calls; its checks (EQ, TRUE, MEM, STR) record the
 * first failure with its line, and run() prints one "PASS name" or
 * "FAIL name: line N: detail" line. check_summary() prints
 * "PROG: N passed, N failed" and gives the exit status (1 if any failed).
 * A test that compares whole outputs calls check_result() directly.
 *
 * Everything is static inline: a test file that uses only part of it
 * compiles without unused-function warnings.
 */
#ifndef PL_TESTS_CHECK_H
#define PL_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int n_passed, n_failed;
static int cur_failed;
static char cur_detail[512];

static inline void __attribute__((format(printf, 2, 3))) failf(int line, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (cur_failed++)
		return; /* report the first failed check of a test */
	snprintf(cur_detail, sizeof(cur_detail), "line %d: ", line);
	used = strlen(cur_detail);
	va_start(ap, fmt);
	vsnprintf(cur_detail + used, sizeof(cur_detail) - used, fmt, ap);
	va_end(ap);
}

/* One PASS or FAIL line for NAME; DETAIL (may be NULL) follows a FAIL. */
static inline void check_result(const char *name, int ok, const char *detail)
{
	if (ok) {
		printf("PASS %s\n", name);
		n_passed++;
	} else {
		printf("FAIL %s%s%s\n", name, detail ? ": " : "", detail ? detail : "");
		n_failed++;
	}
}

static inline void run(const char *name, void (*fn)(void))
{
	cur_failed = 0;
	cur_detail[0] = 0;
	fn();
	check_result(name, !cur_failed, cur_detail);
}

static inline int check_summary(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, n_passed, n_failed);
	return n_failed ? 1 : 0;
}

#define EQ(got, want)                                                                           \
	do {                                                                                    \
		unsigned long long g_ = (unsigned long long)(got);                              \
		unsigned long long w_ = (unsigned long long)(want);                             \
		if (g_ != w_)                                                                   \
			failf(__LINE__, "%s = %llu (0x%llx), want %llu (0x%llx)", #got, g_, g_, \
			      w_, w_);                                                          \
	} while (0)

#define TRUE(cond)                                             \
	do {                                                   \
		if (!(cond))                                   \
			failf(__LINE__, "expected %s", #cond); \
	} while (0)

/* Bytes at got equal the n bytes of want. */
#define MEM(got, want, n)                                                           \
	do {                                                                        \
		if (memcmp((got), (want), (n)) != 0)                                \
			failf(__LINE__, "%s differs: got \"%.*s\"", #got, (int)(n), \
			      (const char *)(got));                                 \
	} while (0)

/* A length field and a string buffer equal a C string. */
static inline void str_eq(int line, const char *what, unsigned len, const char *buf,
			  const char *want)
{
	size_t wl = strlen(want);

	if (len != wl || memcmp(buf, want, wl) != 0)
		failf(line, "%s = \"%.*s\" (len %u), want \"%s\"", what,
		      (int)(len < 300 ? len : 300), buf, len, want);
}

#define STR(len, buf, want) str_eq(__LINE__, #buf, (len), (buf), (want))

#endif
