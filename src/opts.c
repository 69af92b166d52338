// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "opts.h"
#include "filter/filter.h"

struct pl_opt_def {
	unsigned bit;
	struct option lopt;
	const char *arg;
	const char *help;
};

static const struct pl_opt_def opt_defs[] = {
	{ PL_OPT_IFACE, { "interface", required_argument, NULL, 'i' }, "IFACE[,IFACE...]",
	  "interfaces to watch (ingress)" },
	{ PL_OPT_JSON, { "json", no_argument, NULL, 'j' }, NULL,
	  "one JSON object per record (SPEC.md keys)" },
	{ PL_OPT_COUNT, { "count", required_argument, NULL, 'c' }, "COUNT",
	  "stop after COUNT records" },
	{ PL_OPT_DURATION, { "duration", required_argument, NULL, 'D' }, "SECONDS",
	  "stop after SECONDS" },
	{ PL_OPT_STATS, { "stats", no_argument, NULL, 'S' }, NULL,
	  "print packets seen, matched, emitted and lost on exit" },
	{ PL_OPT_MODE, { "mode", required_argument, NULL, 'm' }, "xdp|xdp-generic|tc|auto",
	  "how to attach (default auto: the hook that costs least on the device: native XDP, then generic XDP, then TC; TC first on veth)" },
	{ PL_OPT_WRITE, { "write", required_argument, NULL, 'w' }, "FILE",
	  "write matching packets to FILE as pcapng (- for stdout)" },
	{ PL_OPT_SNAPLEN, { "snaplen", required_argument, NULL, 's' }, "N",
	  "bytes of each packet to write with -w (default 262144; the kernel sends at most 4096)" },
	{ PL_OPT_SAMPLE, { "sample", required_argument, NULL, 'N' }, "N",
	  "keep 1 of every N matching packets (counted in the kernel)" },
	{ PL_OPT_RATE, { "rate", required_argument, NULL, 'R' }, "PPS",
	  "at most PPS records per second per CPU, enforced in the kernel" },
	{ PL_OPT_EVENTS, { "events", required_argument, NULL, 'e' }, "LIST",
	  "state,summary,retrans,reset,rtt,drop or all (default summary,retrans,reset,drop)" },
	{ PL_OPT_RTT_EVERY, { "rtt-every", required_argument, NULL, 'r' }, "N",
	  "rtt: one record per N tcp_probe samples of a connection (default 64)" },
	{ PL_OPT_MAX_CONNS, { "max-conns", required_argument, NULL, 'M' }, "N",
	  "size of the kernel's connection table (default 65536); more are counted as untracked" },
	{ PL_OPT_ALL_DROPS, { "all-drops", no_argument, NULL, 'a' }, NULL,
	  "drop: also NOT_SPECIFIED and normal consumption" },
	{ PL_OPT_IDLE_TIMEOUT, { "idle-timeout", required_argument, NULL, 'I' }, "SECONDS",
	  "export a flow after SECONDS without a packet (default 15)" },
	{ PL_OPT_ACTIVE_TIMEOUT, { "active-timeout", required_argument, NULL, 'A' }, "SECONDS",
	  "export a long flow every SECONDS and count it afresh (default 120)" },
	{ PL_OPT_FLOW_ENTRIES, { "flow-entries", required_argument, NULL, 'F' }, "N",
	  "size of the kernel's flow table (default 65536); a full table evicts the least recently used" },
	{ PL_OPT_TABLE_ENTRIES, { "table-entries", required_argument, NULL, 'T' }, "N",
	  "size of the source, port and name tables (default 16384)" },
	{ PL_OPT_CONFIG, { "config", required_argument, NULL, 'c' }, "FILE",
	  "YAML configuration (docs/agent.md); options given here override it" },
	{ PL_OPT_METRICS, { "metrics", required_argument, NULL, PL_LOPT_METRICS }, "ADDR:PORT",
	  "serve Prometheus /metrics there (default 127.0.0.1:9464)" },
	{ PL_OPT_IPFIX, { "ipfix", required_argument, NULL, PL_LOPT_IPFIX }, "HOST:PORT",
	  "export flows as IPFIX over UDP to this collector" },
	{ PL_OPT_LOG, { "log", required_argument, NULL, PL_LOPT_LOG }, "FILE",
	  "flow records as JSON lines to FILE (- for stdout)" },
	{ PL_OPT_DETECT, { "detect", no_argument, NULL, PL_LOPT_DETECT }, NULL,
	  "run the detectors (as pktlens detect): read prints their alerts, not the packets; agent logs and counts them" },
	{ PL_OPT_DETECTORS, { "threshold", required_argument, NULL, PL_LOPT_THRESHOLD },
	  "NAME=VALUE[,...]", "a detector threshold, or RULE=off (docs/detect.md lists them)" },
	{ PL_OPT_DETECTORS, { "window", required_argument, NULL, PL_LOPT_WINDOW }, "SECONDS",
	  "the detectors' counting window (default 1)" },
	{ PL_OPT_ENFORCE, { "enforce", no_argument, NULL, PL_LOPT_ENFORCE }, NULL,
	  "an alert blocks its source at XDP for --block-ttl (needs XDP)" },
	{ PL_OPT_ENFORCE, { "block-ttl", required_argument, NULL, PL_LOPT_BLOCK_TTL }, "SECONDS",
	  "how long --enforce blocks a source (default 60)" },
	{ PL_OPT_ENFORCE, { "allow", required_argument, NULL, PL_LOPT_ALLOW }, "CIDR[,CIDR...]",
	  "never block or rate-limit these sources" },
	{ PL_OPT_ENFORCE, { "rate-limit", required_argument, NULL, PL_LOPT_RATE_LIMIT }, "PPS",
	  "drop at XDP what a source sends above PPS packets per second" },
	{ PL_OPT_TTL, { "ttl", required_argument, NULL, PL_LOPT_TTL }, "SECONDS",
	  "block add: remove the entry after SECONDS (default: until deleted)" },
	{ PL_OPT_VERBOSE, { "verbose", no_argument, NULL, 'v' }, NULL,
	  "debug messages, including libbpf's" },
};

#define N_OPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void pl_print_cmd_help(const char *cmd, const char *synopsis, unsigned allowed)
{
	size_t i;

	printf("usage: pktlens %s %s\n\noptions:\n", cmd, synopsis);
	for (i = 0; i < N_OPT_DEFS; i++) {
		const struct pl_opt_def *d = &opt_defs[i];
		char left[64];

		if (!(allowed & d->bit))
			continue;
		if (d->lopt.val >= 256) /* long only */
			snprintf(left, sizeof(left), "    --%s%s%s", d->lopt.name,
				 d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->lopt.val, d->lopt.name,
				 d->arg ? " " : "", d->arg ? d->arg : "");
		printf("  %-40s %s\n", left, d->help);
	}
	printf("  %-40s %s\n", "-h, --help", "this help");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || !*s || *end || s[0] == '-' ? -1 : 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || !*s || *end || !(*out > 0) || *out > 86400 * 365 ? -1 : 0;
}

static int split_ifaces(struct pl_opts *o, const char *arg)
{
	char *tok, *save = NULL;

	free(o->iface_arg);
	o->iface_arg = strdup(arg);
	if (!o->iface_arg)
		return -1;
	o->n_ifaces = 0;
	for (tok = strtok_r(o->iface_arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
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

int pl_parse_opts(const char *cmd, unsigned allowed, int positional, int argc,
		  char **argv, struct pl_opts *o)
{
	struct option lopts[N_OPT_DEFS + 2];
	char sopts[3 * N_OPT_DEFS + 4];
	size_t i, n = 0, k = 0;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->snaplen = 262144;
	o->rtt_every = 64;
	o->max_conns = 65536;
	/* GNU getopt moves options before the words: FILE and FILTER may come
	 * anywhere, as with tcpdump */
	for (i = 0; i < N_OPT_DEFS; i++) {
		if (!(opt_defs[i].bit & allowed))
			continue;
		lopts[n++] = opt_defs[i].lopt;
		if (opt_defs[i].lopt.val >= 256)
			continue; /* long only */
		sopts[k++] = (char)opt_defs[i].lopt.val;
		if (opt_defs[i].lopt.has_arg)
			sopts[k++] = ':';
	}
	lopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n] = (struct option){ 0 };
	sopts[k++] = 'h';
	sopts[k] = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (split_ifaces(o, optarg))
				return PL_EXIT_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'c':
			if (allowed & PL_OPT_CONFIG) { /* agent -c FILE */
				o->config = optarg;
				break;
			}
			if (parse_u64(optarg, &o->count) || !o->count) {
				pl_err("-c: '%s' is not a positive count", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'D':
			o->duration = strtod(optarg, NULL);
			if (o->duration <= 0) {
				pl_err("--duration: '%s' is not a positive number of seconds",
				       optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'S':
			o->stats = true;
			break;
		case 'm':
			if (!strcmp(optarg, "auto"))
				o->mode = PL_MODE_AUTO;
			else if (!strcmp(optarg, "xdp"))
				o->mode = PL_MODE_XDP;
			else if (!strcmp(optarg, "xdp-generic"))
				o->mode = PL_MODE_XDP_GENERIC;
			else if (!strcmp(optarg, "tc"))
				o->mode = PL_MODE_TC;
			else {
				pl_err("--mode: '%s' is not one of xdp, xdp-generic, tc, auto",
				       optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'v':
			pl_log_level = PL_LOG_DEBUG;
			break;
		case 'w':
			o->write_file = optarg;
			break;
		case 's':
		case 'N':
			if (parse_u64(optarg, &v) || !v || v > 0xffffffffu) {
				pl_err("--%s: '%s' is not a positive number",
				       c == 's' ? "snaplen" : "sample", optarg);
				return PL_EXIT_USAGE;
			}
			if (c == 's')
				o->snaplen = (uint32_t)v;
			else
				o->sample = (uint32_t)v;
			break;
		case 'R':
			if (parse_u64(optarg, &o->rate) || !o->rate || o->rate > 1000000000) {
				pl_err("--rate: '%s' is not a packet rate from 1 to 1000000000", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'r':
		case 'M':
			if (parse_u64(optarg, &v) || !v || v > (c == 'r' ? 1000000u : 16777216u)) {
				pl_err("--%s: '%s' is not a number from 1 to %u",
				       c == 'r' ? "rtt-every" : "max-conns", optarg,
				       c == 'r' ? 1000000u : 16777216u);
				return PL_EXIT_USAGE;
			}
			if (c == 'r')
				o->rtt_every = (uint32_t)v;
			else
				o->max_conns = (uint32_t)v;
			break;
		case 'a':
			o->all_drops = true;
			break;
		case 'I':
		case 'A':
			if (parse_seconds(optarg, c == 'I' ? &o->idle_timeout : &o->active_timeout)) {
				pl_err("--%s: '%s' is not a positive number of seconds",
				       c == 'I' ? "idle-timeout" : "active-timeout", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'F':
		case 'T':
			if (parse_u64(optarg, &v) || v < 64 || v > 1u << 26) {
				pl_err("--%s: '%s' is not a number from 64 to %u",
				       c == 'F' ? "flow-entries" : "table-entries", optarg, 1u << 26);
				return PL_EXIT_USAGE;
			}
			if (c == 'F')
				o->flow_entries = (uint32_t)v;
			else
				o->table_entries = (uint32_t)v;
			break;
		case PL_LOPT_METRICS:
			o->metrics = optarg;
			break;
		case PL_LOPT_IPFIX:
			o->ipfix = optarg;
			break;
		case PL_LOPT_LOG:
			o->log_file = optarg;
			break;
		case PL_LOPT_DETECT:
			o->detect = true;
			break;
		case PL_LOPT_ENFORCE:
			o->enforce = true;
			break;
		case PL_LOPT_THRESHOLD:
		case PL_LOPT_ALLOW:
			if ((c == PL_LOPT_THRESHOLD ? o->n_thresholds : o->n_allow) == PL_MAX_IFACES) {
				pl_err("--%s: at most %d times", c == PL_LOPT_THRESHOLD ? "threshold" : "allow",
				       PL_MAX_IFACES);
				return PL_EXIT_USAGE;
			}
			if (c == PL_LOPT_THRESHOLD)
				o->thresholds[o->n_thresholds++] = optarg;
			else
				o->allow[o->n_allow++] = optarg;
			break;
		case PL_LOPT_WINDOW:
			o->window = optarg;
			break;
		case PL_LOPT_BLOCK_TTL:
		case PL_LOPT_TTL:
			if (parse_seconds(optarg, c == PL_LOPT_TTL ? &o->ttl : &o->block_ttl)) {
				pl_err("--%s: '%s' is not a positive number of seconds",
				       c == PL_LOPT_TTL ? "ttl" : "block-ttl", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case PL_LOPT_RATE_LIMIT:
			if (parse_u64(optarg, &o->rate_limit) || !o->rate_limit ||
			    o->rate_limit > 1000000000) {
				pl_err("--rate-limit: '%s' is not a packet rate from 1 to 1000000000",
				       optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'h':
			return -1;
		default:
			if (optopt && optopt != '?' && optopt < 256)
				pl_err("%s: option -%c %s; see 'pktlens %s --help'", cmd,
				       optopt, strchr(sopts, optopt) ? "needs a value" : "is unknown",
				       cmd);
			else if (optopt >= 256)
				pl_err("%s: option '%s' needs a value; see 'pktlens %s --help'", cmd,
				       argv[optind - 1], cmd);
			else
				pl_err("%s: unknown option '%s'; see 'pktlens %s --help'", cmd,
				       argv[optind - 1], cmd);
			return PL_EXIT_USAGE;
		}
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

int pl_opts_compile_filter(const struct pl_opts *o, struct pl_filter *f)
{
	char err[256];
	int col;

	if (!pl_filter_compile(o->filter, f, err, sizeof(err), &col))
		return 0;
	pl_err("bad filter: %s (column %d)", err, col);
	fprintf(stderr, "  %s\n  %*s^\n", o->filter, col - 1, "");
	return PL_EXIT_USAGE;
}
