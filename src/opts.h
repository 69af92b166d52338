/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line options: one declarative table shared by all commands. */
#ifndef PKTLENS_OPTS_H
#define PKTLENS_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#define PL_MAX_IFACES 16

enum pl_attach_mode { PL_MODE_AUTO, PL_MODE_XDP, PL_MODE_XDP_GENERIC, PL_MODE_TC };

struct pl_opts {
	bool json;
	bool stats;
	uint64_t count;       /* -c: stop after this many records (0 = no limit) */
	double duration;      /* --duration seconds (0 = no limit) */
	enum pl_attach_mode mode;
	int n_ifaces;
	const char *ifaces[PL_MAX_IFACES];
	char *iface_arg;      /* -i value, split into ifaces[] */
	const char *file;     /* read: the capture */
	const char *filter;   /* the FILTER words joined by spaces */
	char *filter_buf;
	const char *write_file; /* -w FILE (pcapng) */
	uint32_t snaplen;     /* --snaplen, default 262144 */
	uint32_t sample;      /* --sample N: 1 of N matching packets */
	uint64_t rate;        /* --rate PPS per CPU */
};

/* Option bits: which options a command takes. */
enum {
	PL_OPT_JSON = 1 << 0,
	PL_OPT_COUNT = 1 << 1,
	PL_OPT_DURATION = 1 << 2,
	PL_OPT_STATS = 1 << 3,
	PL_OPT_MODE = 1 << 4,
	PL_OPT_IFACE = 1 << 5,
	PL_OPT_VERBOSE = 1 << 6,
	PL_OPT_WRITE = 1 << 7,
	PL_OPT_SNAPLEN = 1 << 8,
	PL_OPT_SAMPLE = 1 << 9,
	PL_OPT_RATE = 1 << 10,
};

/* Records go to stdout unless -w - sends the capture there. */
static inline bool pl_opts_records_to_stdout(const struct pl_opts *o)
{
	return !o->write_file || o->write_file[0] != '-' || o->write_file[1];
}

struct pl_filter;
/* Compiles o->filter into f; on error prints it with a caret under the
 * column and returns PL_EXIT_USAGE. */
int pl_opts_compile_filter(const struct pl_opts *o, struct pl_filter *f);

/* Parses argv for a command that accepts `allowed` options and, after
 * them, `positional` leading words (read's FILE) and then the FILTER.
 * Returns 0, or PL_EXIT_USAGE after printing the problem. */
int pl_parse_opts(const char *cmd, unsigned allowed, int positional, int argc,
		  char **argv, struct pl_opts *o);
void pl_print_cmd_help(const char *cmd, const char *synopsis, unsigned allowed);
void pl_free_opts(struct pl_opts *o);

#endif
