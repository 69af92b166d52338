/* SPDX-License-Identifier: BSD-2-Clause */
/* The read loop shared by the commands that stream records from a BPF ring
 * buffer (watch, tcp, detect). */
#ifndef PKTLENS_RINGLOOP_H
#define PKTLENS_RINGLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "opts.h"

struct ring_buffer;
struct pl_ifaces;

struct pl_ring_loop {
	struct ring_buffer *rb;
	/* the watched interfaces, followed (pl_ifaces_follow) as they change;
	 * NULL: none (tcp) */
	struct pl_ifaces *ifs;
	const struct pl_opts *o; /* -c and --duration */
	const uint64_t *printed; /* records printed so far, for -c */
	/* called about once a second; a nonzero return stops the loop and
	 * becomes its exit status */
	int (*each_second)(void *ctx, uint64_t now_ns);
	/* called before a read at most every 100 ms and before the last one:
	 * what the kernel keeps per CPU goes to the ring (NULL: nothing) */
	void (*drain)(void *ctx);
	void *ctx;
};

/* SIGINT, SIGTERM and SIGPIPE end the loop instead of the process. The
 * handlers are installed without SA_RESTART, so they also end a write
 * blocked on stdout (see ringloop.c). */
void pl_catch_stop_signals(void);
/* SIGHUP too, for the commands that have nothing to reload. */
void pl_catch_hangup(void);
/* A stop signal came, or the loop's deadline passed or its tick said stop. */
bool pl_stop_requested(void);
/* The signal that asked to stop, or 0. */
int pl_stop_signal(void);

/* The loop of a command: --duration (0: none) and its once-a-second work,
 * which goes on while stdout is blocked. Arms a 200 ms interval timer. */
void pl_loop_begin(double duration, int (*tick)(void *ctx, uint64_t now_ns), void *ctx);
/* Runs tick when a second has passed; true when the loop must stop. */
bool pl_loop_check(uint64_t now_mono_ns);
/* The nonzero status tick returned to stop the loop, or 0. */
int pl_loop_status(void);

/* main(): stdout (unless a terminal) through a write that a stop signal or
 * the loop's deadline can end while it is blocked, and that keeps the
 * loop's per-second work going meanwhile. */
void pl_guard_stdout(void);
/* At the end of a command: flushes stdout; when records could not be
 * written (a full disk, a closed stdout), says "cannot write the records:
 * REASON" and returns 1 (else ret). A reader that went away (EPIPE) and
 * output dropped because the command was told to stop are not errors. */
int pl_stdout_status(int ret);

/* Polls and drains rb until a signal, -c, --duration, an error, no
 * interface left or each_second says stop; then drains what is left.
 * Returns an exit status. */
int pl_run_ring_loop(const struct pl_ring_loop *l);

#endif
