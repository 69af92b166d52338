/* SPDX-License-Identifier: BSD-2-Clause */
/* Leveled messages on stderr; every error says what to do about it. */
#ifndef PKTLENS_LOG_H
#define PKTLENS_LOG_H

enum pl_log_level {
	PL_LOG_ERROR,
	PL_LOG_WARN,
	PL_LOG_INFO,
	PL_LOG_DEBUG
};

extern enum pl_log_level pl_log_level;

void pl_log(enum pl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pl_err(...)   pl_log(PL_LOG_ERROR, __VA_ARGS__)
#define pl_warn(...)  pl_log(PL_LOG_WARN, __VA_ARGS__)
#define pl_info(...)  pl_log(PL_LOG_INFO, __VA_ARGS__)
#define pl_debug(...) pl_log(PL_LOG_DEBUG, __VA_ARGS__)

/* Routes libbpf's messages through pl_log (debug level only). */
void pl_log_setup_libbpf(void);

/* Exit statuses (SPEC.md). */
enum {
	PL_EXIT_OK = 0,
	PL_EXIT_RUNTIME = 1,
	PL_EXIT_USAGE = 2
};

#endif
