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
	const char *events;   /* tcp --events LIST (NULL = the default set) */
	uint32_t rtt_every;   /* tcp --rtt-every N, default 64 */
	uint32_t max_conns;   /* tcp --max-conns N, default 65536 */
	bool all_drops;       /* tcp --all-drops */
	/* flows, top, agent (0 / NULL: not given) */
	double idle_timeout;    /* --idle-timeout SECONDS */
	double active_timeout;  /* --active-timeout SECONDS */
	uint32_t flow_entries;  /* --flow-entries N */
	uint32_t table_entries; /* --table-entries N */
	const char *config;     /* agent -c FILE */
	const char *metrics;    /* agent --metrics ADDR:PORT */
	const char *ipfix;      /* agent --ipfix HOST:PORT */
	const char *log_file;   /* agent --log FILE */
	/* detect, block, read --detect (docs/detect.md) */
	bool detect;            /* read --detect */
	bool enforce;           /* detect --enforce */
	int n_thresholds;
	const char *thresholds[PL_MAX_IFACES]; /* --threshold NAME=VALUE[,...] */
	const char *window;     /* --window SECONDS (checked by the command) */
	double block_ttl;       /* --block-ttl SECONDS (0: not given) */
	int n_allow;
	const char *allow[PL_MAX_IFACES]; /* --allow CIDR[,CIDR...] */
	uint64_t rate_limit;    /* --rate-limit PPS */
	double ttl;             /* block add --ttl SECONDS (0: until deleted) */
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
	PL_OPT_EVENTS = 1 << 11,
	PL_OPT_RTT_EVERY = 1 << 12,
	PL_OPT_MAX_CONNS = 1 << 13,
	PL_OPT_ALL_DROPS = 1 << 14,
};

/* Options of flows, top and agent; numbered from the top so that they
 * stay clear of the bits above. */
#define PL_OPT_IDLE_TIMEOUT (1u << 31)
#define PL_OPT_ACTIVE_TIMEOUT (1u << 30)
#define PL_OPT_FLOW_ENTRIES (1u << 29)
#define PL_OPT_TABLE_ENTRIES (1u << 28)
#define PL_OPT_CONFIG (1u << 27) /* -c FILE: only for commands without -c COUNT */
#define PL_OPT_METRICS (1u << 26)
#define PL_OPT_IPFIX (1u << 25)
#define PL_OPT_LOG (1u << 24)

/* Options of detect, block and read --detect. */
#define PL_OPT_DETECT (1u << 20)     /* read --detect */
#define PL_OPT_DETECTORS (1u << 21)  /* --threshold, --window */
#define PL_OPT_ENFORCE (1u << 22)    /* --enforce, --block-ttl, --allow, --rate-limit */
#define PL_OPT_TTL (1u << 23)        /* block --ttl */

/* getopt values of detect's long-only options */
enum {
	PL_LOPT_DETECT = 512, PL_LOPT_THRESHOLD, PL_LOPT_WINDOW, PL_LOPT_ENFORCE,
	PL_LOPT_BLOCK_TTL, PL_LOPT_ALLOW, PL_LOPT_RATE_LIMIT, PL_LOPT_TTL,
};

/* getopt values of long-only options (no short letter) */
enum { PL_LOPT_METRICS = 256, PL_LOPT_IPFIX, PL_LOPT_LOG };

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
