// SPDX-License-Identifier: BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "escape.h"
#include "log.h"

enum pl_log_level pl_log_level = PL_LOG_INFO;

/* Messages echo what users, files and packets gave (a filter, a name, a
 * value of the config): escaped, so no control byte reaches the terminal. */
void pl_log(enum pl_log_level level, const char *fmt, ...)
{
	char raw[2048], out[4096];
	va_list ap;
	int n;

	if (level > pl_log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	fprintf(stderr, "pktlens: %s\n", pl_escape(out, sizeof(out), raw, (size_t)n, 0));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	/* libbpf's warnings are turned into pktlens's own messages; its
	 * output shows only with -v */
	if (pl_log_level < PL_LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pl_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
