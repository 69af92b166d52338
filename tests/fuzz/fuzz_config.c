/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the agent's YAML configuration
 * (src/cmd/agent/config.c, through pl_agent_config_load_stream), read
 * from memory (fmemopen) as `agent --config FILE` reads a file.
 *
 *   make fuzz && build/fuzz_config tests/fuzz/corpus/config
 *
 * An input is a configuration file. It is loaded twice: with no flags,
 * and with `-i fz0 --detect` on top, as the agent's start and a SIGHUP
 * reload load it. Each load must return 0 or 2 (bad usage); one that
 * succeeds must give the same configuration again (kernel_differs and
 * kafka_differs are false against a second load of the same bytes), and its filter is
 * compiled as the agent compiles it. Every load is freed as the agent
 * frees it, so LeakSanitizer sees a leak on any error path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/agent/config.h"
#include "filter/filter.h"
#include "no_dns.h"

static struct pl_opts bare, flags;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *flag_argv[] = { "agent", "-i", "fz0", "--detect", NULL };

	(void)argc;
	(void)argv;
	if (pl_parse_opts("agent", PL_CMD_AGENT, 0, 1, flag_argv, &bare) ||
	    pl_parse_opts("agent", PL_CMD_AGENT, 0, 4, flag_argv, &flags)) {
		fprintf(stderr, "fuzz_config: cannot parse agent's options\n");
		abort();
	}
	return 0;
}

static int load(struct pl_agent_config *c, const uint8_t *data, size_t size,
		const struct pl_opts *o)
{
	FILE *f = fmemopen((void *)data, size, "r");
	int ret;

	if (!f) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	ret = pl_agent_config_load_stream(c, "fuzz.yaml", f, o);
	fclose(f);
	if (ret != 0 && ret != 2) {
		fprintf(stderr, "fuzz_config: load returned %d, not 0 or 2\n", ret);
		abort();
	}
	return ret;
}

static void check(const uint8_t *data, size_t size, const struct pl_opts *o)
{
	struct pl_agent_config a, b;
	static struct pl_filter filter;
	char err[256];
	int col;

	if (load(&a, data, size, o)) {
		pl_agent_config_free(&a);
		return;
	}
	if (load(&b, data, size, o) || pl_agent_config_kernel_differs(&a, &b) ||
	    pl_agent_kafka_differs(&a, &b)) {
		fprintf(stderr, "fuzz_config: the same file loads differently\n");
		abort();
	}
	pl_filter_compile(a.filter, &filter, err, sizeof(err), &col);
	pl_agent_config_free(&a);
	pl_agent_config_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size) /* fmemopen takes no empty buffer */
		return 0;
	check(data, size, &bare);
	check(data, size, &flags);
	return 0;
}
