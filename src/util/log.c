// SPDX-License-Identifier: BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

enum pl_log_level pl_log_level = PL_LOG_INFO;

void pl_log(enum pl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > pl_log_level)
		return;
	fputs("pktlens: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
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
