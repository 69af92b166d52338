/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line options: one declarative table shared by all commands. */
#ifndef PKTLENS_OPTS_H
#define PKTLENS_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PL_MAX_IFACES 16

enum pl_attach_mode {
	PL_MODE_AUTO,
	PL_MODE_XDP,
	PL_MODE_XDP_GENERIC,
	PL_MODE_TC
};

struct pl_opts {
	bool json;
	bool stats;
	bool attribute; /* --attribute: who receives each packet */
	uint64_t count;	 /* -c: stop after this many records (0 = no limit) */
	double duration; /* --duration seconds (0 = no limit) */
	enum pl_attach_mode mode;
	bool reattach;	  /* --reattach: attach again to an interface that comes back */
	bool no_reattach; /* agent --no-reattach (the agent re-attaches by default) */
	int n_ifaces;
	const char *ifaces[PL_MAX_IFACES];
	char *iface_arg;    /* -i value, split into ifaces[] */
	const char *file;   /* read: the capture */
	const char *filter; /* the FILTER words joined by spaces */
	char *filter_buf;
	const char *write_file; /* -w FILE (pcapng) */
	uint32_t snaplen;	/* --snaplen, default 262144 */
	bool dns;		/* watch, agent --dns: DNS response times */
	double dns_timeout;	/* agent --dns-timeout SECONDS (0: not given) */
	uint32_t sample;	/* --sample N: 1 of N matching packets */
	uint64_t rate;		/* --rate PPS per CPU */
	const char *events;	/* tcp --events LIST (NULL = the default set) */
	uint32_t rtt_every;	/* tcp --rtt-every N, default 64 */
	uint32_t max_conns;	/* tcp --max-conns N, default 65536 */
	bool all_drops;		/* tcp --all-drops */
	/* flows, top, agent, read --flows (0 / NULL: not given) */
	bool flows;		/* read --flows */
	bool inner;		/* --inner: flows of the tunnels' inner packets */
	double idle_timeout;	/* --idle-timeout SECONDS */
	double active_timeout;	/* --active-timeout SECONDS */
	uint32_t flow_entries;	/* --flow-entries N */
	uint32_t table_entries; /* --table-entries N */
	const char *config;	/* agent --config FILE (also the old -c FILE) */
	const char *metrics;	/* agent --metrics ADDR:PORT */
	const char *ipfix;	/* agent --ipfix HOST:PORT */
	const char *log_file;	/* agent --log FILE */
	const char *kafka;	/* agent --kafka BROKERS */
	/* detect, block, read --detect (docs/detect.md) */
	bool detect;  /* read --detect */
	bool tcp;     /* agent --tcp */
	bool enforce; /* detect --enforce */
	int n_thresholds;
	const char *thresholds[PL_MAX_IFACES]; /* --threshold NAME=VALUE[,...] */
	const char *window;		       /* --window SECONDS (checked; kept as text for the
				 * detectors' config, which parses it again) */
	double block_ttl;		       /* --block-ttl SECONDS (0: not given) */
	int n_allow;
	const char *allow[PL_MAX_IFACES]; /* --allow CIDR[,CIDR...] */
	uint64_t rate_limit;		  /* --rate-limit PPS */
	double ttl;			  /* block add --ttl SECONDS (0: until deleted) */
	bool force;			  /* block add --force: even sources on the allow list */
	/* privacy (docs/privacy.md) */
	const char *anonymize; /* --anonymize KEYFILE */
	int redact;	       /* --redact: enum pl_redact */
	bool no_payload;       /* --no-payload: -w keeps the headers only */
};

/* The commands, as the options table (opts.c) names the ones that take an
 * option. */
enum {
	PL_CMD_WATCH = 1 << 0,
	PL_CMD_READ = 1 << 1,
	PL_CMD_FLOWS = 1 << 2,
	PL_CMD_TOP = 1 << 3,
	PL_CMD_AGENT = 1 << 4,
	PL_CMD_TCP = 1 << 5,
	PL_CMD_DETECT = 1 << 6,
	PL_CMD_BLOCK = 1 << 7,
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
/* The same for another link type (DLT_*): read compiles for its capture. */
int pl_opts_compile_filter_for(const struct pl_opts *o, int linktype, struct pl_filter *f);

/* Parses argv for command `cmd_bit` (PL_CMD_*): its options, then
 * `positional` leading words (read's FILE), then the FILTER. Returns 0,
 * -1 for --help, or PL_EXIT_USAGE after printing the problem. */
int pl_parse_opts(const char *cmd, unsigned cmd_bit, int positional, int argc, char **argv,
		  struct pl_opts *o);
/* `pktlens CMD --help`: the command's options, grouped by what they are for. */
void pl_print_cmd_help(const char *cmd, const char *synopsis, const char *extra, unsigned cmd_bit);
/* One line of `pktlens --help`: the options command `cmd_bit` takes. */
void pl_print_cmd_opts(FILE *f, unsigned cmd_bit, int indent);
void pl_free_opts(struct pl_opts *o);

#endif
