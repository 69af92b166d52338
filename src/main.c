// SPDX-License-Identifier: BSD-2-Clause
/* pktlens: what arrives on a Linux host's interfaces, parsed in the kernel. */
#include <stdio.h>
#include <string.h>
#include "cmd/cmds.h"
#include "runtime/ringloop.h"
#include "util/log.h"
#include "opts.h"
#include "privacy/privacy.h"

struct pl_cmd {
	const char *name;
	int (*run)(struct pl_opts *o);
	unsigned bit;	/* PL_CMD_*: the options table (opts.c) says what it takes */
	int positional; /* leading words before FILTER (read's FILE) */
	const char *synopsis;
	const char *summary;
	const char *notes; /* the end of its --help, or NULL */
};

static const struct pl_cmd cmds[] = {
	{ "watch", cmd_watch, PL_CMD_WATCH, 0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "live records of incoming packets, parsed in the kernel (XDP or TC)", NULL },
	{ "read", cmd_read, PL_CMD_READ, 1, "FILE|- [OPTIONS] [FILTER]",
	  "the same records from a pcap or pcapng file, with the same parser", NULL },
	{ "flows", cmd_flows, PL_CMD_FLOWS, 0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "flow records from the kernel's flow table, on idle and active timeouts and at exit",
	  "signals: SIGINT, SIGTERM and SIGHUP end it (there is nothing to reload); the flows\n"
	  "still in the table are exported first, as at the end of --duration." },
	{ "top", cmd_top, PL_CMD_TOP, 0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "live terminal view: top flows, sources, ports, SNIs, DNS names, HTTP hosts", NULL },
	{ "agent", cmd_agent, PL_CMD_AGENT, 0,
	  "[--config FILE] [-i IFACE[,IFACE...]] [--metrics ADDR:PORT] [--ipfix HOST:PORT] [--kafka "
	  "BROKERS] [--log FILE] [OPTIONS] [FILTER]",
	  "long-running mode: flows to JSON lines, IPFIX and Kafka, Prometheus /metrics, --detect "
	  "alerts; "
	  "SIGHUP reloads",
	  "signals: SIGHUP rereads the configuration (docs/agent.md); SIGINT and SIGTERM end it." },
	{ "tcp", cmd_tcp, PL_CMD_TCP, 0, "[OPTIONS] [FILTER]",
	  "TCP lifecycle from kernel tracepoints: states, summaries, retransmits, resets, RTT, "
	  "drops",
	  NULL },
	{ "detect", cmd_detect, PL_CMD_DETECT, 0, "-i IFACE[,IFACE...] [OPTIONS] [FILTER]",
	  "alerts from the in-kernel detectors: floods, scans, spoofing, tunnelling; --enforce "
	  "blocks at XDP",
	  "signals: SIGINT, SIGTERM and SIGHUP end it (there is nothing to reload); its pins\n"
	  "in /sys/fs/bpf/pktlens and the note /run/pktlens/pin-owner are removed." },
	{ "block", cmd_block, PL_CMD_BLOCK, 0,
	  "add CIDR [--ttl SECONDS] [--force] | del CIDR | list",
	  "the XDP drop list of a running detect or agent", NULL },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pktlens COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\noptions, by command:\n");
	for (i = 0; i < N_CMDS; i++) {
		fprintf(f, "  %s\n", cmds[i].name);
		pl_print_cmd_opts(f, cmds[i].bit, 4);
	}
	fprintf(f, "\n'pktlens COMMAND --help' describes a command's options.\n");
}

/* --anonymize, --redact, --no-payload (the agent: with its privacy:
 * section, in cmd/agent/agent.c) */
static int start_privacy(const struct pl_opts *o, unsigned int bit)
{
	if (bit == PL_CMD_AGENT)
		return 0;
	if (o->no_payload && !o->write_file) {
		pl_err("--no-payload cuts the packets -w writes; add -w FILE");
		return PL_EXIT_USAGE;
	}
	if (o->redact && o->write_file && !o->no_payload) {
		pl_err("--redact cannot rewrite the names inside the packets -w writes; add "
		       "--no-payload to write their headers only");
		return PL_EXIT_USAGE;
	}
	return pl_privacy_start(o->anonymize, (enum pl_redact)o->redact, o->no_payload,
				"--anonymize");
}

int main(int argc, char **argv)
{
	struct pl_opts o;
	size_t i;
	int ret;

	pl_guard_stdout();
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PL_EXIT_USAGE : PL_EXIT_OK;
	}
	for (i = 0; i < N_CMDS; i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		ret = pl_parse_opts(cmds[i].name, cmds[i].bit, cmds[i].positional, argc - 1,
				    argv + 1, &o);
		if (ret < 0) {
			pl_print_cmd_help(cmds[i].name, cmds[i].synopsis, cmds[i].notes,
					  cmds[i].bit);
			ret = PL_EXIT_OK;
		} else if (ret == 0) {
			ret = start_privacy(&o, cmds[i].bit);
			if (ret == 0)
				ret = cmds[i].run(&o);
			pl_privacy_stop();
		}
		pl_free_opts(&o);
		return ret;
	}
	pl_err("unknown command '%s'; run 'pktlens --help' for the list", argv[1]);
	return PL_EXIT_USAGE;
}
