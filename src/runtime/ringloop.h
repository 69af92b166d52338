/* SPDX-License-Identifier: BSD-2-Clause */
/* The read loop shared by the commands that stream records from a BPF ring
 * buffer (watch, tcp, detect). */
#ifndef PKTLENS_RINGLOOP_H
#define PKTLENS_RINGLOOP_H

#include <stdint.h>
#include "opts.h"

struct ring_buffer;

struct pl_ring_loop {
	struct ring_buffer *rb;
	const struct pl_opts *o;  /* -c and --duration */
	const uint64_t *printed;  /* records printed so far, for -c */
	/* called about once a second; a nonzero return stops the loop and
	 * becomes its exit status */
	int (*each_second)(void *ctx, uint64_t now_ns);
	void *ctx;
};

/* SIGINT, SIGTERM and SIGPIPE end the loop instead of the process. */
void pl_catch_stop_signals(void);
/* Polls and drains rb until a signal, -c, --duration, an error or
 * each_second says stop; then drains what is left. Returns an exit status. */
int pl_run_ring_loop(const struct pl_ring_loop *l);

#endif
