// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "ifaces.h"
#include "ringloop.h"

/*
 * Stopping, and a stdout that blocks (issue 14 item 4).
 *
 * The handlers are installed with sigaction and without SA_RESTART, so a
 * write(2) blocked on a full pipe returns EINTR on SIGINT, SIGTERM or
 * SIGHUP. While a loop runs, an interval timer (SIGALRM, every 200 ms)
 * does the same for --duration and for the loop's once-a-second work. The
 * writes to stdout go through guarded_write(), which retries an
 * interrupted write unless the command is to stop, and meanwhile keeps
 * doing the loop's per-second work (the loss line on stderr): stdio never
 * sees a spurious EINTR, so no record is torn by it.
 */
static volatile sig_atomic_t stop_signal; /* the signal that asked to stop */

static struct {
	bool active;
	uint64_t deadline_ns; /* 0: none */
	int (*tick)(void *ctx, uint64_t now_ns);
	void *ctx;
	uint64_t last_tick;
	bool in_tick;
	bool over; /* the deadline passed, or tick said stop ... */
	int ret;   /* ... with this exit status */
} loop;

static int out_errno;	  /* the first error writing stdout (guarded) */
static bool out_given_up; /* output dropped because the command stops */

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts a blocked write */
}

static void catch (int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked write returns */
	sigaction(sig, &sa, NULL);
}

void pl_catch_stop_signals(void)
{
	catch (SIGINT, on_stop);
	catch (SIGTERM, on_stop);
	catch (SIGPIPE, on_stop);
}

void pl_catch_hangup(void)
{
	catch (SIGHUP, on_stop);
}

int pl_stop_signal(void)
{
	return stop_signal;
}

bool pl_stop_requested(void)
{
	return stop_signal || loop.over;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void pl_loop_begin(double duration, int (*tick)(void *ctx, uint64_t now_ns), void *ctx)
{
	struct itimerval it = { .it_interval = { 0, 200000 }, .it_value = { 0, 200000 } };
	uint64_t now = mono_ns();

	loop.deadline_ns = duration ? now + (uint64_t)(duration * 1e9) : 0;
	loop.tick = tick;
	loop.ctx = ctx;
	loop.last_tick = now;
	loop.over = false;
	loop.ret = 0;
	loop.active = true;
	catch (SIGALRM, on_alarm);
	/* never disarmed: a final flush into a blocked stdout must end too */
	setitimer(ITIMER_REAL, &it, NULL);
}

bool pl_loop_check(uint64_t now)
{
	int r;

	if (!loop.active || loop.over || loop.in_tick)
		return pl_stop_requested();
	if (out_errno && out_errno != EPIPE) { /* records cannot be written: stop */
		loop.over = true;
		loop.ret = PL_EXIT_RUNTIME;
	} else if (loop.deadline_ns && now >= loop.deadline_ns)
		loop.over = true;
	else if (loop.tick && now - loop.last_tick >= 1000000000ull) {
		loop.last_tick = now;
		loop.in_tick = true;
		r = loop.tick(loop.ctx, now);
		loop.in_tick = false;
		if (r) {
			loop.ret = r;
			loop.over = true;
		}
	}
	return pl_stop_requested();
}

int pl_loop_status(void)
{
	return loop.ret;
}

/* fopencookie's write: all of buf, or -1 with errno (see above). */
static ssize_t guarded_write(void *cookie, const char *buf, size_t n)
{
	ssize_t w;

	(void)cookie;
	/* once blocked output was given up, the rest goes too: each write
	 * would block until the next timer tick */
	if (out_given_up) {
		errno = EINTR;
		return -1;
	}
	for (;;) {
		w = write(STDOUT_FILENO, buf, n);
		if (w >= 0)
			return w;
		if (errno != EINTR)
			break;
		if (pl_loop_check(mono_ns())) {
			out_given_up = true;
			errno = EINTR;
			return -1;
		}
	}
	if (!out_errno)
		out_errno = errno;
	return -1;
}

static int guarded_close(void *cookie)
{
	(void)cookie;
	if (close(STDOUT_FILENO) && errno != EBADF && !out_errno) {
		out_errno = errno;
		return -1;
	}
	return 0;
}

void pl_guard_stdout(void)
{
	cookie_io_functions_t io = { .write = guarded_write, .close = guarded_close };
	FILE *f;

	/* a closed stdout (>&-): hold fd 1 with a file that cannot be
	 * written, so that no map or -w file takes its number and the
	 * records' writes fail with EBADF, to be reported */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0 && fd != STDOUT_FILENO) {
			dup3(fd, STDOUT_FILENO, O_CLOEXEC);
			close(fd);
		}
	}
	if (isatty(STDOUT_FILENO)) /* a terminal: line-buffered, as it was (top needs it) */
		return;
	f = fopencookie(NULL, "w", io);
	if (f)
		stdout = f;
}

int pl_stdout_status(int ret)
{
	bool failed;
	int err;

	errno = 0;
	failed = fflush(stdout) == EOF || ferror(stdout);
	err = out_errno;
	/* unguarded (a terminal), or a failure the guard did not see */
	if (!err && failed && !out_given_up)
		err = errno ? errno : EIO;
	/* a reader that went away (| head), or stopped while blocked */
	if (!err || err == EPIPE || (err == EINTR && pl_stop_requested()))
		return ret;
	pl_err("cannot write the records: %s", strerror(err));
	return ret ? ret : PL_EXIT_RUNTIME;
}

static int count_reached(const struct pl_ring_loop *l)
{
	return l->o->count && l->printed && *l->printed >= l->o->count;
}

/* l->drain, when DRAIN_NS went by since the last (or `now` is 0: at
 * once). */
#define DRAIN_NS 100000000ull
static void drain_due(const struct pl_ring_loop *l, uint64_t *last, uint64_t now)
{
	if (!l->drain || (now && now - *last < DRAIN_NS))
		return;
	l->drain(l->ctx);
	*last = now;
}

int pl_run_ring_loop(const struct pl_ring_loop *l)
{
	uint64_t last_drain = 0;
	int err;

	pl_loop_begin(l->o->duration, l->each_second, l->ctx);
	while (!pl_stop_requested()) {
		drain_due(l, &last_drain, mono_ns());
		if (l->ifs) { /* the ring, and link changes on the same wait */
			pl_ifaces_wait(l->ifs, ring_buffer__epoll_fd(l->rb), 100);
			err = ring_buffer__consume(l->rb);
		} else {
			err = ring_buffer__poll(l->rb, 100);
			/* the kernel wakes us only for a backlog: read the rest now */
			if (err >= 0)
				err = ring_buffer__consume(l->rb);
		}
		fflush(stdout);
		if (err < 0 && err != -EINTR) {
			pl_err("reading the ring buffer failed: %s", strerror(-err));
			return PL_EXIT_RUNTIME;
		}
		if (count_reached(l))
			return pl_loop_status();
		if (l->ifs && pl_ifaces_status(l->ifs))
			break;
		pl_loop_check(mono_ns());
	}
	if (pl_loop_status())
		return pl_loop_status();
	/* what is still in the ring, or kept per CPU, was emitted: print it
	 * too */
	drain_due(l, &last_drain, 0);
	ring_buffer__consume(l->rb);
	fflush(stdout);
	return l->ifs ? pl_ifaces_status(l->ifs) : 0;
}
