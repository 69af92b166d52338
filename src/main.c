// SPDX-License-Identifier: BSD-2-Clause
/* pktlens: what arrives on a Linux host's interfaces, parsed in the kernel. */
#include <stdio.h>
#include <string.h>
#include "cmd/cmds.h"
#include "util/log.h"
#include "opts.h"

struct pl_cmd {
	const char *name;
	int (*run)(struct pl_opts *o);
	unsigned opts;
	int positional; /* leading words before FILTER (read's FILE) */
	const char *synopsis;
	const char *summary;
};

static const struct pl_cmd cmds[] = {
	{ "watch", cmd_watch,
	  PL_OPT_IFACE | PL_OPT_JSON | PL_OPT_COUNT | PL_OPT_DURATION | PL_OPT_STATS |
		  PL_OPT_MODE | PL_OPT_VERBOSE | PL_OPT_WRITE | PL_OPT_SNAPLEN |
		  PL_OPT_SAMPLE | PL_OPT_RATE,
	  0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "live records of incoming packets, parsed in the kernel (XDP or TC)" },
	{ "read", cmd_read,
	  PL_OPT_JSON | PL_OPT_COUNT | PL_OPT_STATS | PL_OPT_VERBOSE | PL_OPT_WRITE |
		  PL_OPT_SNAPLEN | PL_OPT_DETECT | PL_OPT_DETECTORS,
	  1, "FILE|- [OPTIONS] [FILTER]",
	  "the same records from a pcap or pcapng file, with the same parser" },
	{ "flows", cmd_flows,
	  PL_OPT_IFACE | PL_OPT_JSON | PL_OPT_COUNT | PL_OPT_DURATION | PL_OPT_STATS |
		  PL_OPT_MODE | PL_OPT_VERBOSE | PL_OPT_IDLE_TIMEOUT | PL_OPT_ACTIVE_TIMEOUT |
		  PL_OPT_FLOW_ENTRIES | PL_OPT_TABLE_ENTRIES,
	  0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "flow records from the kernel's flow table, on idle and active timeouts and at exit" },
	{ "top", cmd_top,
	  PL_OPT_IFACE | PL_OPT_DURATION | PL_OPT_MODE | PL_OPT_VERBOSE | PL_OPT_IDLE_TIMEOUT |
		  PL_OPT_FLOW_ENTRIES | PL_OPT_TABLE_ENTRIES,
	  0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "live terminal view: top flows, sources, ports, SNIs, DNS names, HTTP hosts" },
	{ "agent", cmd_agent,
	  PL_OPT_CONFIG | PL_OPT_IFACE | PL_OPT_METRICS | PL_OPT_IPFIX | PL_OPT_LOG |
		  PL_OPT_MODE | PL_OPT_DURATION | PL_OPT_VERBOSE | PL_OPT_IDLE_TIMEOUT |
		  PL_OPT_ACTIVE_TIMEOUT | PL_OPT_FLOW_ENTRIES | PL_OPT_TABLE_ENTRIES |
		  PL_OPT_DETECT | PL_OPT_DETECTORS | PL_OPT_ENFORCE,
	  0, "[-c CONFIG] [-i IFACE[,IFACE...]] [--metrics ADDR:PORT] [--ipfix HOST:PORT] [--log FILE] [OPTIONS] [FILTER]",
	  "long-running mode: flows to JSON lines and IPFIX, Prometheus /metrics, --detect alerts; SIGHUP reloads" },
	{ "tcp", cmd_tcp,
	  PL_OPT_JSON | PL_OPT_COUNT | PL_OPT_DURATION | PL_OPT_STATS | PL_OPT_VERBOSE |
		  PL_OPT_EVENTS | PL_OPT_RTT_EVERY | PL_OPT_MAX_CONNS | PL_OPT_ALL_DROPS,
	  0, "[OPTIONS] [FILTER]",
	  "TCP lifecycle from kernel tracepoints: states, summaries, retransmits, resets, RTT, drops" },
	{ "detect", cmd_detect,
	  PL_OPT_IFACE | PL_OPT_JSON | PL_OPT_COUNT | PL_OPT_DURATION | PL_OPT_STATS |
		  PL_OPT_MODE | PL_OPT_VERBOSE | PL_OPT_DETECTORS | PL_OPT_ENFORCE,
	  0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "alerts from the in-kernel detectors: floods, scans, spoofing, tunnelling; --enforce blocks at XDP" },
	{ "block", cmd_block, PL_OPT_JSON | PL_OPT_VERBOSE | PL_OPT_TTL,
	  0, "add CIDR [--ttl SECONDS] | del CIDR | list",
	  "the XDP drop list of a running detect or agent" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pktlens COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'pktlens COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	struct pl_opts o;
	size_t i;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PL_EXIT_USAGE : PL_EXIT_OK;
	}
	for (i = 0; i < N_CMDS; i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		ret = pl_parse_opts(cmds[i].name, cmds[i].opts, cmds[i].positional,
				    argc - 1, argv + 1, &o);
		if (ret < 0) {
			pl_print_cmd_help(cmds[i].name, cmds[i].synopsis, cmds[i].opts);
			ret = PL_EXIT_OK;
		} else if (ret == 0) {
			ret = cmds[i].run(&o);
		}
		pl_free_opts(&o);
		return ret;
	}
	pl_err("unknown command '%s'; run 'pktlens --help' for the list", argv[1]);
	return PL_EXIT_USAGE;
}
