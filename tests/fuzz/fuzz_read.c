/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for `pktlens read`: libpcap's pcap reader and pktlens's
 * pcapng reader (src/sinks/pcapng_read.c),
 * then read's own loop (src/cmd/read.c, through pl_read_stream), the
 * parser and the record writer, on a capture held in memory (fmemopen).
 *
 *   make fuzz && build/fuzz_read tests/fuzz/corpus/read
 *
 * An input is a whole capture file. By its length modulo 4 it is read as
 * `read --json` (1, 3), `read` (0) or `read -w /dev/null` (2: the pcapng
 * writer gets the packets too); the records go to /dev/null. `read` must return 0 (read to the end) or 2 (a file it
 * cannot read, or one cut short or damaged); anything else, or a crash,
 * is a finding. (tests/fuzz/truncate.c checks its one line of stderr.)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "opts.h"

static struct pl_opts text_opts, json_opts, write_opts;

static void parse_or_die(struct pl_opts *o, int argc, char **argv)
{
	if (pl_parse_opts("read", PL_CMD_READ, 1, argc, argv, o)) {
		fprintf(stderr, "fuzz_read: cannot parse read's options\n");
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *text_argv[] = { "read", "fuzz.pcap", NULL };
	static char *json_argv[] = { "read", "--json", "fuzz.pcap", NULL };
	static char *write_argv[] = { "read", "-w", "/dev/null", "fuzz.pcap", NULL };
	int devnull = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* the records: into /dev/null, in read's big writes */
	if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
		perror("fuzz_read: /dev/null");
		abort();
	}
	close(devnull);
	parse_or_die(&text_opts, 2, text_argv);
	parse_or_die(&json_opts, 3, json_argv);
	parse_or_die(&write_opts, 4, write_argv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_opts o = size & 1 ? json_opts : size & 2 ? write_opts : text_opts;
	FILE *f;
	int ret;

	if (!size) /* fmemopen takes no empty buffer */
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	ret = pl_read_stream(&o, f);
	if (ret != 0 && ret != 2) {
		fprintf(stderr, "fuzz_read: read returned %d, not 0 or 2\n", ret);
		abort();
	}
	return 0;
}
