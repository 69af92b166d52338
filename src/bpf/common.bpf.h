/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every pktlens BPF program does the same way: bump a per-CPU
 * counter, decide when to wake the ring buffer's reader, and put a record
 * in the ring while counting it as emitted or lost.
 *
 *   pl_count(counters, i)        counters[i] += 1 on this CPU (pl_count_n: += n)
 *   pl_rb_wake_flags(last, backlog)
 *                                the one wake-up rule, as ringbuf flags
 *   pl_emit(rb, counters, last, rec, size, emitted, lost)
 *                                copies a built record into the ring
 *                                (pl_emit_n: a record of n packets)
 *   pl_coarse_ns()               CLOCK_MONOTONIC as of the last tick
 *   pl_tick_ns(clock)            CLOCK_MONOTONIC as this CPU first read it
 *                                in the current tick, from a per-CPU
 *                                struct pl_tick_clock of the includer's
 *
 * `counters` is a BPF_MAP_TYPE_PERCPU_ARRAY of __u64 and `emitted`/`lost`
 * are the includer's indexes in it, so each program keeps its own enum.
 * `last` is a per-CPU __u64 of the includer's, the backlog this CPU saw
 * when it last looked; NULL for a record that does not look (no wake-up,
 * no bpf_ringbuf_query), for a program that looks only every Nth record.
 * Include after vmlinux.h and bpf_helpers.h.
 */
#ifndef PKTLENS_COMMON_BPF_H
#define PKTLENS_COMMON_BPF_H

#include <bpf/bpf_core_read.h>

/* Wake the reader when more than this is waiting in the ring (a power
 * of 2). */
#define PL_RB_WAKE_SHIFT 18
#define PL_RB_WAKE_BYTES (1u << PL_RB_WAKE_SHIFT) /* 256 KiB */

/* counters[i] += n on this CPU. */
static __always_inline void pl_count_n(void *counters, __u32 which, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(counters, &which);

	if (c)
		*c += n;
}

static __always_inline void pl_count(void *counters, __u32 which)
{
	pl_count_n(counters, which, 1);
}

/*
 * The wake-up rule: wake the reader when the backlog it has not consumed
 * is above PL_RB_WAKE_BYTES and has grown past the threshold, or past a
 * further multiple of it, since this CPU last looked (`*last`, updated
 * here). Below the threshold nothing wakes the reader; the readers poll
 * every 100 ms, so a trickle is read within that without any wake-up.
 * The caller may look at the backlog only every few records (reading it
 * touches the consumer's cache line): the rule holds for any spacing.
 *
 * Not for every record above the threshold: a forced wake-up queues
 * irq_work, which raises a self-interrupt whenever none is pending, so
 * while the woken reader waits for a CPU every record paid for one (in a
 * VM an exit to the hypervisor: 85 % of bpf_ringbuf_output's time in the
 * TCP connection storm, measured). One wake-up is enough, since the reader
 * reads all there is, and none is lost to a reader that was busy: the
 * readers' epoll is level-triggered. The further multiples are the safety
 * net for a reader that slept through the first.
 */
static __always_inline __u64 pl_rb_wake_flags(__u64 *last, __u64 backlog)
{
	__u64 prev;

	if (!last)
		return BPF_RB_NO_WAKEUP;
	prev = *last;
	*last = backlog;
	return (backlog >> PL_RB_WAKE_SHIFT) > (prev >> PL_RB_WAKE_SHIFT) ? BPF_RB_FORCE_WAKEUP
									  : BPF_RB_NO_WAKEUP;
}

/* Copies `size` bytes of a record built elsewhere, which holds n packets,
 * into the ring; counts them as emitted or, when the ring is full, lost.
 * Returns 0 when emitted. */
static __always_inline int pl_emit_n(void *rb, void *counters, __u64 *last, const void *rec,
				     __u64 size, __u64 n, __u32 emitted, __u32 lost)
{
	__u64 flags = last ? pl_rb_wake_flags(last, bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA))
			   : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(rb, (void *)rec, size, flags)) {
		pl_count_n(counters, lost, n);
		return -1;
	}
	pl_count_n(counters, emitted, n);
	return 0;
}

/* The same for a record of one packet. */
#define pl_emit(rb, counters, last, rec, size, emitted, lost) \
	pl_emit_n((rb), (counters), (last), (rec), (size), 1, (emitted), (lost))

/* The coarse monotonic clock: the time of the last tick (1/CONFIG_HZ),
 * 10 to 30 ns cheaper per read than bpf_ktime_get_ns(), on the same
 * CLOCK_MONOTONIC scale; the precise clock where the kernel lacks it. */
static __always_inline __u64 pl_coarse_ns(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ktime_get_coarse_ns))
		return bpf_ktime_get_coarse_ns();
	return bpf_ktime_get_ns();
}

/*
 * A per-CPU clock that reads the exact clock once per timer tick: the
 * first read in a tick takes bpf_ktime_get_ns() and every later read in
 * the same tick (bpf_jiffies64(), which the verifier inlines into a load)
 * gives that time again. So it is on the CLOCK_MONOTONIC scale, never
 * decreases on a CPU, and is early by less than one tick (4 ms at HZ=250).
 * Measured here with BPF_PROG_TEST_RUN: bpf_ktime_get_ns() costs about
 * 47 ns a call and bpf_ktime_get_coarse_ns() about 23; this costs a few.
 */
struct pl_tick_clock {
	__u64 jiffies; /* the tick of the last exact read */
	__u64 ns;      /* the exact time read then */
};

static __always_inline __u64 pl_tick_ns(struct pl_tick_clock *c)
{
	__u64 j = bpf_jiffies64();

	if (j != c->jiffies) {
		c->jiffies = j;
		c->ns = bpf_ktime_get_ns();
	}
	return c->ns;
}

#endif /* PKTLENS_COMMON_BPF_H */
