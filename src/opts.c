// SPDX-License-Identifier: BSD-2-Clause
/* Command-line options: one declarative table for every command. */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "util/escape.h"
#include "util/num.h"
#include "opts.h"
#include "filter/filter.h"

static int split_ifaces(struct pl_opts *o, const char *arg)
{
	char *tok, *save = NULL;

	free(o->iface_arg);
	o->iface_arg = strdup(arg);
	if (!o->iface_arg)
		return -1;
	o->n_ifaces = 0;
	for (tok = strtok_r(o->iface_arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_ifaces == PL_MAX_IFACES) {
			pl_err("-i: at most %d interfaces", PL_MAX_IFACES);
			return -1;
		}
		o->ifaces[o->n_ifaces++] = tok;
	}
	if (!o->n_ifaces) {
		pl_err("-i needs an interface name (see 'ip -br link')");
		return -1;
	}
	return 0;
}

static int join_filter(struct pl_opts *o, int argc, char **argv)
{
	size_t len = 0;
	int i;

	if (argc <= 0)
		return 0;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	o->filter_buf = calloc(1, len + 1);
	if (!o->filter_buf)
		return -1;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(o->filter_buf, " ");
		strcat(o->filter_buf, argv[i]);
	}
	o->filter = o->filter_buf;
	return 0;
}

static int set_verbose(struct pl_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	pl_log_level = PL_LOG_DEBUG;
	return 0;
}

/*
 * The options table, in the spirit of xdp-tools' lib/util/params.h: each
 * option says its spelling, its type and range, where its value goes and
 * which commands take it. Parsing, checking, --help and the error
 * messages all come from here; no command parses its own options.
 */
enum pl_opt_type {
	PL_T_FLAG,	   /* bool = true */
	PL_T_U32,	   /* uint32_t, a whole number in [umin, umax] */
	PL_T_U64,	   /* uint64_t, a whole number in [umin, umax] */
	PL_T_SECONDS,	   /* double, a decimal number in [dmin, dmax] */
	PL_T_SECONDS_TEXT, /* const char *, checked as PL_T_SECONDS */
	PL_T_STR,	   /* const char * */
	PL_T_LIST,	   /* const char *[PL_MAX_IFACES], count at count_off */
	PL_T_WORD,	   /* int, one of words[] */
	PL_T_FUNC,	   /* fn(o, arg) */
};

/* How --help groups the options of a command, in this order. */
enum pl_opt_group {
	G_CAPTURE,
	G_OUTPUT,
	G_TCP,
	G_FLOWS,
	G_DETECT,
	G_ENFORCE,
	G_AGENT,
	G_BLOCK,
	G_GENERAL,
	G__COUNT
};
static const char *const group_title[G__COUNT] = {
	[G_CAPTURE] = "attaching", [G_OUTPUT] = "records",
	[G_TCP] = "tcp events",	   [G_FLOWS] = "flow table",
	[G_DETECT] = "detectors",  [G_ENFORCE] = "enforcement (XDP drop list)",
	[G_AGENT] = "agent",	   [G_BLOCK] = "block",
	[G_GENERAL] = "general",
};

struct pl_opt_word {
	const char *word;
	int value;
};

struct pl_opt_def {
	const char *name; /* --name */
	char short_name;  /* -x, or 0: long only */
	bool old_short;	  /* -x is an old spelling: accepted, not shown as -x */
	enum pl_opt_type type;
	uint64_t umin, umax, def;		       /* PL_T_U32, PL_T_U64 (def: the default) */
	double dmin, dmax;			       /* PL_T_SECONDS, PL_T_SECONDS_TEXT */
	size_t off;				       /* destination in struct pl_opts */
	size_t count_off;			       /* PL_T_LIST: its int counter */
	const struct pl_opt_word *words;	       /* PL_T_WORD, ending with { NULL } */
	int (*fn)(struct pl_opts *o, const char *arg); /* PL_T_FUNC */
	unsigned cmds;				       /* PL_CMD_* that take it */
	enum pl_opt_group group;
	const char *arg;  /* its value in --help, or NULL for none */
	const char *what; /* numbers: "a positive count", for messages */
	const char *help;
};

#define OFF(f)	  offsetof(struct pl_opts, f)
#define C_LIVE	  (PL_CMD_WATCH | PL_CMD_FLOWS | PL_CMD_TOP | PL_CMD_AGENT | PL_CMD_DETECT)
#define C_RECORDS (PL_CMD_WATCH | PL_CMD_READ | PL_CMD_FLOWS | PL_CMD_TCP | PL_CMD_DETECT)
#define C_ALL	  0xffffffffu
#define PPS_MAX	  1000000000u

static const struct pl_opt_word mode_words[] = {
	{ "xdp", PL_MODE_XDP },
	{ "xdp-generic", PL_MODE_XDP_GENERIC },
	{ "tc", PL_MODE_TC },
	{ "auto", PL_MODE_AUTO },
	{ NULL, 0 },
};

/* enum pl_redact (privacy/privacy.h) */
static const struct pl_opt_word redact_words[] = {
	{ "l7", 1 },
	{ "l7:keep-suffix", 2 },
	{ NULL, 0 },
};

static const struct pl_opt_def opt_defs[] = {
	/* where and how to attach */
	{ .name = "interface",
	  .short_name = 'i',
	  .type = PL_T_FUNC,
	  .fn = split_ifaces,
	  .cmds = C_LIVE,
	  .group = G_CAPTURE,
	  .arg = "IFACE[,IFACE...]",
	  .help = "interfaces to watch (ingress)" },
	{ .name = "mode",
	  .short_name = 'm',
	  .type = PL_T_WORD,
	  .words = mode_words,
	  .off = OFF(mode),
	  .cmds = C_LIVE,
	  .group = G_CAPTURE,
	  .arg = "xdp|xdp-generic|tc|auto",
	  .help = "how to attach (default auto: the hook that costs least on the device: native "
		  "XDP, then generic XDP, then TC; TC first on veth)" },
	{ .name = "reattach",
	  .type = PL_T_FLAG,
	  .off = OFF(reattach),
	  .cmds = C_LIVE & ~PL_CMD_AGENT,
	  .group = G_CAPTURE,
	  .help = "when an interface goes away, wait for one of its -i name and attach again "
		  "(without it the others stay watched, and the command stops when none is left)" },
	{ .name = "no-reattach",
	  .type = PL_T_FLAG,
	  .off = OFF(no_reattach),
	  .cmds = PL_CMD_AGENT,
	  .group = G_CAPTURE,
	  .help = "do not attach again to an interface of a -i name that comes back (reattach: "
		  "false in the file; the agent re-attaches by default); stop when none is left" },
	{ .name = "duration",
	  .short_name = 'D',
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(duration),
	  .cmds = C_LIVE | PL_CMD_TCP,
	  .group = G_CAPTURE,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "stop after SECONDS" },
	{ .name = "sample",
	  .short_name = 'N',
	  .type = PL_T_U32,
	  .umin = 1,
	  .umax = UINT32_MAX,
	  .off = OFF(sample),
	  .cmds = PL_CMD_WATCH,
	  .group = G_CAPTURE,
	  .arg = "N",
	  .what = "a sampling rate",
	  .help = "keep 1 of every N matching packets (counted in the kernel)" },
	{ .name = "rate",
	  .short_name = 'R',
	  .type = PL_T_U64,
	  .umin = 1,
	  .umax = PPS_MAX,
	  .off = OFF(rate),
	  .cmds = PL_CMD_WATCH,
	  .group = G_CAPTURE,
	  .arg = "PPS",
	  .what = "a packet rate",
	  .help = "at most PPS records per second per CPU, enforced in the kernel" },
	/* records */
	{ .name = "json",
	  .short_name = 'j',
	  .type = PL_T_FLAG,
	  .off = OFF(json),
	  .cmds = C_RECORDS | PL_CMD_BLOCK,
	  .group = G_OUTPUT,
	  .help = "one JSON object per record (SPEC.md keys)" },
	{ .name = "count",
	  .short_name = 'c',
	  .type = PL_T_U64,
	  .umin = 1,
	  .umax = UINT64_MAX,
	  .off = OFF(count),
	  .cmds = C_RECORDS,
	  .group = G_OUTPUT,
	  .arg = "COUNT",
	  .what = "a positive count",
	  .help = "stop after COUNT records" },
	{ .name = "attribute",
	  .type = PL_T_FLAG,
	  .off = OFF(attribute),
	  .cmds = PL_CMD_WATCH | PL_CMD_FLOWS | PL_CMD_DETECT | PL_CMD_AGENT,
	  .group = G_OUTPUT,
	  .help = "name the process and container of the local socket each TCP/UDP packet, flow "
		  "or alert goes to (process.pid, process.name, process.executable, container.id, "
		  "pktlens.cgroup_id); with -w, as each packet's comment" },
	{ .name = "stats",
	  .short_name = 'S',
	  .type = PL_T_FLAG,
	  .off = OFF(stats),
	  .cmds = C_RECORDS,
	  .group = G_OUTPUT,
	  .help = "print packets seen, matched, emitted and lost on exit" },
	{ .name = "write",
	  .short_name = 'w',
	  .type = PL_T_STR,
	  .off = OFF(write_file),
	  .cmds = PL_CMD_WATCH | PL_CMD_READ,
	  .group = G_OUTPUT,
	  .arg = "FILE",
	  .help = "write matching packets to FILE as pcapng (- for stdout)" },
	{ .name = "dns",
	  .type = PL_T_FLAG,
	  .off = OFF(dns),
	  .cmds = PL_CMD_WATCH | PL_CMD_FLOWS | PL_CMD_AGENT,
	  .group = G_OUTPUT,
	  .help = "match DNS responses to their queries in the kernel: dns.time in records "
		  "and flows; the agent's DNS metrics (dns: true)" },
	{ .name = "dns-timeout",
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(dns_timeout),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "a DNS query with no response after SECONDS counts as unanswered (default 5)" },
	{ .name = "snaplen",
	  .short_name = 's',
	  .type = PL_T_U32,
	  .umin = 1,
	  .umax = UINT32_MAX,
	  .def = 262144,
	  .off = OFF(snaplen),
	  .cmds = PL_CMD_WATCH | PL_CMD_READ,
	  .group = G_OUTPUT,
	  .arg = "N",
	  .what = "a number of bytes",
	  .help = "bytes of each packet to write with -w (default 262144; the kernel sends at most "
		  "4096)" },
	/* privacy (src/privacy/, docs/privacy.md) */
	{ .name = "anonymize",
	  .type = PL_T_STR,
	  .off = OFF(anonymize),
	  .cmds = C_RECORDS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_OUTPUT,
	  .arg = "KEYFILE",
	  .help = "map every IPv4 and IPv6 address in the records, -w's packets, flows, alerts, "
		  "IPFIX and /metrics with Crypto-PAn under the key in KEYFILE (64 hex digits, "
		  "mode 0600; the same key gives the same map on every host)" },
	{ .name = "redact",
	  .type = PL_T_WORD,
	  .words = redact_words,
	  .off = OFF(redact),
	  .cmds = C_RECORDS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_OUTPUT,
	  .arg = "l7|l7:keep-suffix",
	  .help = "replace SNI, DNS names, HTTP host and path with a keyed hash (the key of "
		  "--anonymize); keep-suffix keeps the public suffix of names" },
	{ .name = "no-payload",
	  .type = PL_T_FLAG,
	  .off = OFF(no_payload),
	  .cmds = PL_CMD_WATCH | PL_CMD_READ,
	  .group = G_OUTPUT,
	  .help = "-w writes each packet up to the end of its L4 header only" },
	/* tcp */
	{ .name = "events",
	  .short_name = 'e',
	  .type = PL_T_STR,
	  .off = OFF(events),
	  .cmds = PL_CMD_TCP,
	  .group = G_TCP,
	  .arg = "LIST",
	  .help = "state,summary,retrans,reset,rtt,drop or all (default "
		  "summary,retrans,reset,drop)" },
	{ .name = "rtt-every",
	  .short_name = 'r',
	  .type = PL_T_U32,
	  .umin = 1,
	  .umax = 1000000,
	  .def = 64,
	  .off = OFF(rtt_every),
	  .cmds = PL_CMD_TCP,
	  .group = G_TCP,
	  .arg = "N",
	  .what = "a sample count",
	  .help = "rtt: one record per N tcp_probe samples of a connection (default 64)" },
	{ .name = "max-conns",
	  .short_name = 'M',
	  .type = PL_T_U32,
	  .umin = 1,
	  .umax = 16777216,
	  .def = 65536,
	  .off = OFF(max_conns),
	  .cmds = PL_CMD_TCP,
	  .group = G_TCP,
	  .arg = "N",
	  .what = "a table size",
	  .help = "size of the kernel's connection table (default 65536); more are counted as "
		  "untracked" },
	{ .name = "all-drops",
	  .short_name = 'a',
	  .type = PL_T_FLAG,
	  .off = OFF(all_drops),
	  .cmds = PL_CMD_TCP,
	  .group = G_TCP,
	  .help = "drop: also NOT_SPECIFIED and normal consumption" },
	/* flow table */
	{ .name = "flows",
	  .type = PL_T_FLAG,
	  .off = OFF(flows),
	  .cmds = PL_CMD_READ,
	  .group = G_FLOWS,
	  .help = "flow records (as pktlens flows) instead of packet records, with the timeouts "
		  "run on the capture's clock" },
	{ .name = "inner",
	  .type = PL_T_FLAG,
	  .off = OFF(inner),
	  .cmds = PL_CMD_READ | PL_CMD_FLOWS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_FLOWS,
	  .help = "key a tunnelled packet (VXLAN, Geneve, GRE, IP in IP) on its inner packet's "
		  "5-tuple, not the tunnel's" },
	{ .name = "idle-timeout",
	  .short_name = 'I',
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(idle_timeout),
	  .cmds = PL_CMD_READ | PL_CMD_FLOWS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_FLOWS,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "export a flow after SECONDS without a packet (default 15)" },
	{ .name = "active-timeout",
	  .short_name = 'A',
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(active_timeout),
	  .cmds = PL_CMD_READ | PL_CMD_FLOWS | PL_CMD_AGENT,
	  .group = G_FLOWS,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "export a long flow every SECONDS and count it afresh (default 120)" },
	{ .name = "flow-entries",
	  .short_name = 'F',
	  .type = PL_T_U32,
	  .umin = 64,
	  .umax = 1u << 26,
	  .off = OFF(flow_entries),
	  .cmds = PL_CMD_READ | PL_CMD_FLOWS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_FLOWS,
	  .arg = "N",
	  .what = "a table size",
	  .help = "size of the flow table (default 65536); a full table evicts the least "
		  "recently used" },
	{ .name = "table-entries",
	  .short_name = 'T',
	  .type = PL_T_U32,
	  .umin = 64,
	  .umax = 1u << 26,
	  .off = OFF(table_entries),
	  .cmds = PL_CMD_FLOWS | PL_CMD_TOP | PL_CMD_AGENT,
	  .group = G_FLOWS,
	  .arg = "N",
	  .what = "a table size",
	  .help = "size of the source, port and name tables (default 16384)" },
	/* detectors */
	{ .name = "detect",
	  .type = PL_T_FLAG,
	  .off = OFF(detect),
	  .cmds = PL_CMD_READ | PL_CMD_AGENT,
	  .group = G_DETECT,
	  .help = "run the detectors (as pktlens detect): read prints their alerts, not the "
		  "packets; agent logs and counts them" },
	{ .name = "threshold",
	  .type = PL_T_LIST,
	  .off = OFF(thresholds),
	  .count_off = OFF(n_thresholds),
	  .cmds = PL_CMD_READ | PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_DETECT,
	  .arg = "NAME=VALUE[,...]",
	  .help = "a detector threshold, or RULE=off (docs/detect.md lists them)" },
	{ .name = "window",
	  .type = PL_T_SECONDS_TEXT,
	  .dmin = 0.01,
	  .dmax = 3600,
	  .off = OFF(window),
	  .cmds = PL_CMD_READ | PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_DETECT,
	  .arg = "SECONDS",
	  .what = "a window in seconds",
	  .help = "the detectors' counting window (default 1)" },
	/* enforcement */
	{ .name = "enforce",
	  .type = PL_T_FLAG,
	  .off = OFF(enforce),
	  .cmds = PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_ENFORCE,
	  .help = "an alert blocks its source at XDP for --block-ttl (needs XDP)" },
	{ .name = "block-ttl",
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(block_ttl),
	  .cmds = PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_ENFORCE,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "how long --enforce blocks a source (default 60)" },
	{ .name = "allow",
	  .type = PL_T_LIST,
	  .off = OFF(allow),
	  .count_off = OFF(n_allow),
	  .cmds = PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_ENFORCE,
	  .arg = "CIDR[,CIDR...]",
	  .help = "never block or rate-limit these sources" },
	{ .name = "rate-limit",
	  .type = PL_T_U64,
	  .umin = 1,
	  .umax = PPS_MAX,
	  .off = OFF(rate_limit),
	  .cmds = PL_CMD_AGENT | PL_CMD_DETECT,
	  .group = G_ENFORCE,
	  .arg = "PPS",
	  .what = "a packet rate",
	  .help = "drop at XDP what a source sends above PPS packets per second" },
	/* agent */
	{ .name = "config",
	  .short_name = 'c',
	  .old_short = true,
	  .type = PL_T_STR,
	  .off = OFF(config),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "FILE",
	  .help = "YAML configuration (docs/agent.md); options given here override it. "
		  "-c FILE, the old spelling, still works" },
	{ .name = "tcp",
	  .type = PL_T_FLAG,
	  .off = OFF(tcp),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .help = "TCP and drop metrics from the kernel's tracepoints (as pktlens tcp), "
		  "counted in the kernel" },
	{ .name = "metrics",
	  .type = PL_T_STR,
	  .off = OFF(metrics),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "ADDR:PORT",
	  .help = "serve Prometheus /metrics there (default 127.0.0.1:9464)" },
	{ .name = "ipfix",
	  .type = PL_T_STR,
	  .off = OFF(ipfix),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "HOST:PORT",
	  .help = "export flows as IPFIX over UDP to this collector" },
	{ .name = "kafka",
	  .type = PL_T_STR,
	  .off = OFF(kafka),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "BROKERS",
	  .help = "export flows and alerts to Kafka: HOST:PORT[,HOST:PORT...] (off: not)" },
	{ .name = "log",
	  .type = PL_T_STR,
	  .off = OFF(log_file),
	  .cmds = PL_CMD_AGENT,
	  .group = G_AGENT,
	  .arg = "FILE",
	  .help = "flow records as JSON lines to FILE (- for stdout)" },
	/* block */
	{ .name = "ttl",
	  .type = PL_T_SECONDS,
	  .dmin = 0.001,
	  .dmax = 86400.0 * 365,
	  .off = OFF(ttl),
	  .cmds = PL_CMD_BLOCK,
	  .group = G_BLOCK,
	  .arg = "SECONDS",
	  .what = "a number of seconds",
	  .help = "block add: remove the entry after SECONDS (default: until deleted)" },
	{ .name = "force",
	  .type = PL_T_FLAG,
	  .off = OFF(force),
	  .cmds = PL_CMD_BLOCK,
	  .group = G_BLOCK,
	  .help = "block add: block a prefix even when it holds sources on the --allow list" },
	/* general */
	{ .name = "verbose",
	  .short_name = 'v',
	  .type = PL_T_FUNC,
	  .fn = set_verbose,
	  .cmds = C_ALL,
	  .group = G_GENERAL,
	  .help = "debug messages, including libbpf's" },
};

#define N_OPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

/* The option as the user spelled it: "-c" or "--count". */
static const char *spelling(const struct pl_opt_def *d, bool as_short, char *buf, size_t n)
{
	if (as_short)
		snprintf(buf, n, "-%c", d->short_name);
	else
		snprintf(buf, n, "--%s", d->name);
	return buf;
}

/* Stores arg at d's destination, checked against d's type and range.
 * Returns 0, or PL_EXIT_USAGE after one line naming the option and what
 * it allows. */
static int set_opt(struct pl_opts *o, const struct pl_opt_def *d, const char *arg, bool as_short)
{
	char *dst = (char *)o + d->off, name[40], allowed[96];
	const struct pl_opt_word *w;
	uint64_t u;
	double s;
	int *n;

	spelling(d, as_short, name, sizeof(name));
	switch (d->type) {
	case PL_T_FLAG:
		*(bool *)dst = true;
		return 0;
	case PL_T_U32:
	case PL_T_U64:
		if (pl_parse_uint(arg, d->umin, d->umax, &u)) {
			pl_err("%s: '%s' is not %s: %s", name, arg, d->what,
			       pl_num_range_uint(allowed, sizeof(allowed), d->umin, d->umax));
			return PL_EXIT_USAGE;
		}
		if (d->type == PL_T_U32)
			*(uint32_t *)dst = (uint32_t)u;
		else
			*(uint64_t *)dst = u;
		return 0;
	case PL_T_SECONDS:
	case PL_T_SECONDS_TEXT:
		if (pl_parse_decimal(arg, d->dmin, d->dmax, &s)) {
			pl_err("%s: '%s' is not %s: %s", name, arg, d->what,
			       pl_num_range_decimal(allowed, sizeof(allowed), d->dmin, d->dmax));
			return PL_EXIT_USAGE;
		}
		if (d->type == PL_T_SECONDS)
			*(double *)dst = s;
		else
			*(const char **)dst = arg;
		return 0;
	case PL_T_STR:
		*(const char **)dst = arg;
		return 0;
	case PL_T_LIST:
		n = (int *)((char *)o + d->count_off);
		if (*n == PL_MAX_IFACES) {
			pl_err("%s: at most %d times", name, PL_MAX_IFACES);
			return PL_EXIT_USAGE;
		}
		((const char **)dst)[(*n)++] = arg;
		return 0;
	case PL_T_WORD:
		for (w = d->words; w->word; w++) {
			if (!strcmp(arg, w->word)) {
				*(int *)dst = w->value;
				return 0;
			}
		}
		allowed[0] = 0;
		for (w = d->words; w->word; w++)
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
				 "%s%s", w == d->words ? "" : ", ", w->word);
		pl_err("%s: '%s' is not one of %s", name, arg, allowed);
		return PL_EXIT_USAGE;
	case PL_T_FUNC:
		return d->fn(o, arg) ? PL_EXIT_USAGE : 0;
	}
	return PL_EXIT_USAGE;
}

/* Does the option take a value? A flag does not, nor a function without
 * an .arg to name one (--verbose). */
static bool takes_value(const struct pl_opt_def *d)
{
	return d->type != PL_T_FLAG && !(d->type == PL_T_FUNC && !d->arg);
}

static void opt_left(const struct pl_opt_def *d, char *buf, size_t n)
{
	if (d->short_name && !d->old_short)
		snprintf(buf, n, "-%c, --%s%s%s", d->short_name, d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
	else
		snprintf(buf, n, "    --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
}

void pl_print_cmd_help(const char *cmd, const char *synopsis, const char *extra, unsigned cmd_bit)
{
	char left[64];
	size_t i;
	int g;

	printf("usage: pktlens %s %s\n", cmd, synopsis);
	for (g = 0; g < G__COUNT; g++) {
		bool title = false;

		for (i = 0; i < N_OPT_DEFS; i++) {
			const struct pl_opt_def *d = &opt_defs[i];

			if (!(d->cmds & cmd_bit) || d->group != (enum pl_opt_group)g)
				continue;
			if (!title)
				printf("\n%s:\n", group_title[g]);
			title = true;
			opt_left(d, left, sizeof(left));
			printf("  %-40s %s\n", left, d->help);
		}
		if (g == G_GENERAL)
			printf("  %-40s %s\n", "-h, --help", "this help");
	}
	if (extra)
		printf("\n%s\n", extra);
}

void pl_print_cmd_opts(FILE *f, unsigned cmd_bit, int indent)
{
	int col = indent;
	char word[40];
	size_t i;

	fprintf(f, "%*s", indent, "");
	for (i = 0; i < N_OPT_DEFS; i++) {
		const struct pl_opt_def *d = &opt_defs[i];
		int len;

		if (!(d->cmds & cmd_bit))
			continue;
		if (d->short_name && !d->old_short)
			len = snprintf(word, sizeof(word), "-%c", d->short_name);
		else
			len = snprintf(word, sizeof(word), "--%s", d->name);
		if (col > indent && col + 1 + len > 78) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		fprintf(f, "%s%s", col > indent ? " " : "", word);
		col += (col > indent) + len;
	}
	fprintf(f, "\n");
}

int pl_parse_opts(const char *cmd, unsigned cmd_bit, int positional, int argc, char **argv,
		  struct pl_opts *o)
{
	struct option lopts[N_OPT_DEFS + 2];
	const struct pl_opt_def *by_short[128] = { 0 };
	char sopts[2 * N_OPT_DEFS + 2], name[48];
	size_t i, n = 0, k = 0;
	int c, ret;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < N_OPT_DEFS; i++) {
		const struct pl_opt_def *d = &opt_defs[i];

		if (d->def && d->type == PL_T_U32)
			*(uint32_t *)((char *)o + d->off) = (uint32_t)d->def;
		if (!(d->cmds & cmd_bit))
			continue;
		lopts[n++] =
			(struct option){ d->name,
					 takes_value(d) ? required_argument : no_argument,
					 NULL, 256 + (int)i };
		if (!d->short_name)
			continue;
		if (by_short[(unsigned char)d->short_name]) { /* a mistake in the table */
			pl_err("%s: -%c means two options", cmd, d->short_name);
			return PL_EXIT_RUNTIME;
		}
		by_short[(unsigned char)d->short_name] = d;
		sopts[k++] = d->short_name;
		if (takes_value(d))
			sopts[k++] = ':';
	}
	lopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n] = (struct option){ 0 };
	sopts[k++] = 'h';
	sopts[k] = 0;

	/* GNU getopt moves options before the words: FILE and FILTER may come
	 * anywhere, as with tcpdump */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		if (c == 'h')
			return -1;
		if (c >= 256) {
			ret = set_opt(o, &opt_defs[c - 256], optarg, false);
		} else if (c > 0 && c < 128 && by_short[c]) {
			ret = set_opt(o, by_short[c], optarg, true);
		} else if (optopt >= 256) {
			pl_err("%s: option %s needs a value; see 'pktlens %s --help'", cmd,
			       spelling(&opt_defs[optopt - 256], false, name, sizeof(name)), cmd);
			ret = PL_EXIT_USAGE;
		} else if (optopt > 0 && optopt < 128) {
			pl_err("%s: option -%c %s; see 'pktlens %s --help'", cmd, optopt,
			       by_short[optopt] ? "needs a value" : "is unknown", cmd);
			ret = PL_EXIT_USAGE;
		} else {
			pl_err("%s: unknown option '%s'; see 'pktlens %s --help'", cmd,
			       argv[optind - 1], cmd);
			ret = PL_EXIT_USAGE;
		}
		if (ret)
			return ret;
	}
	if (positional) {
		if (optind >= argc) {
			pl_err("%s: missing FILE; see 'pktlens %s --help'", cmd, cmd);
			return PL_EXIT_USAGE;
		}
		o->file = argv[optind++];
	}
	if (join_filter(o, argc - optind, argv + optind))
		return PL_EXIT_RUNTIME;
	return 0;
}

void pl_free_opts(struct pl_opts *o)
{
	free(o->iface_arg);
	free(o->filter_buf);
}

int pl_opts_compile_filter_for(const struct pl_opts *o, int linktype, struct pl_filter *f)
{
	char err[256], *shown, *before;
	size_t at, room;
	int col;

	if (!pl_filter_compile_for(o->filter, linktype, f, err, sizeof(err), &col))
		return 0;
	pl_err("bad filter: %s (column %d)", err, col);
	/* the filter escaped as messages are (a byte takes at most 4), the
	 * caret under the same byte; a filter has no length limit */
	at = strlen(o->filter);
	room = 4 * at + 1;
	shown = malloc(room);
	before = malloc(room);
	if (shown && before) {
		if (col >= 1 && (size_t)col - 1 < at)
			at = (size_t)col - 1;
		pl_escape(before, room, o->filter, at, 0);
		fprintf(stderr, "  %s\n  %*s^\n", pl_escape_str(shown, room, o->filter),
			(int)strlen(before), "");
	}
	free(shown);
	free(before);
	return PL_EXIT_USAGE;
}

int pl_opts_compile_filter(const struct pl_opts *o, struct pl_filter *f)
{
	return pl_opts_compile_filter_for(o, DLT_EN10MB, f);
}
