// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "ringloop.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void pl_catch_stop_signals(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, on_signal);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int count_reached(const struct pl_ring_loop *l)
{
	return l->o->count && l->printed && *l->printed >= l->o->count;
}

int pl_run_ring_loop(const struct pl_ring_loop *l)
{
	uint64_t start = mono_ns(), last_tick = start, now;
	int err, ret = PL_EXIT_OK;

	while (!stop_requested) {
		err = ring_buffer__poll(l->rb, 100);
		/* the kernel wakes us only for a backlog: read the rest now */
		if (err >= 0)
			err = ring_buffer__consume(l->rb);
		fflush(stdout);
		if (err < 0 && err != -EINTR) {
			pl_err("reading the ring buffer failed: %s", strerror(-err));
			return PL_EXIT_RUNTIME;
		}
		if (count_reached(l))
			return ret;
		now = mono_ns();
		if (l->o->duration && (double)(now - start) / 1e9 >= l->o->duration)
			break;
		if (now - last_tick >= 1000000000ull) {
			last_tick = now;
			if (l->each_second) {
				ret = l->each_second(l->ctx, now);
				if (ret)
					return ret;
			}
		}
	}
	/* what is still in the ring was emitted: print it too */
	ring_buffer__consume(l->rb);
	fflush(stdout);
	return ret;
}
