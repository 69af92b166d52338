/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every pktlens BPF program does the same way: bump a per-CPU
 * counter, decide when to wake the ring buffer's reader, and put a record
 * in the ring while counting it as emitted or lost.
 *
 *   pl_count(counters, i)        counters[i] += 1 on this CPU
 *   pl_rb_wake_flags(rb)         the one wake-up rule, as ringbuf flags
 *   pl_emit(rb, counters, rec, size, emitted, lost)
 *                                copies a built record into the ring
 *   pl_reserve(rb, counters, size, lost)
 *   pl_commit(rb, counters, rec, emitted) / pl_discard(rb, rec)
 *                                builds a record in the ring itself
 *
 * `counters` is a BPF_MAP_TYPE_PERCPU_ARRAY of __u64 and `emitted`/`lost`
 * are the includer's indexes in it, so each program keeps its own enum.
 * Include after vmlinux.h and bpf_helpers.h.
 */
#ifndef PKTLENS_COMMON_BPF_H
#define PKTLENS_COMMON_BPF_H

/* Wake the reader when more than this is waiting in the ring. */
#define PL_RB_WAKE_BYTES (256 << 10)

static __always_inline void pl_count(void *counters, __u32 which)
{
	__u64 *c = bpf_map_lookup_elem(counters, &which);

	if (c)
		*c += 1;
}

/*
 * The wake-up rule: wake the reader only when the backlog it has not yet
 * consumed is above PL_RB_WAKE_BYTES. A wake-up is an interrupt on this
 * CPU and costs more than a record; the readers also poll every 100 ms, so
 * a trickle is read within that without any wake-up.
 */
static __always_inline __u64 pl_rb_wake_flags(void *rb)
{
	return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) > PL_RB_WAKE_BYTES ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* Copies `size` bytes of a record built elsewhere into the ring; counts
 * it as emitted or, when the ring is full, lost. Returns 0 when emitted. */
static __always_inline int pl_emit(void *rb, void *counters, const void *rec,
				   __u64 size, __u32 emitted, __u32 lost)
{
	if (bpf_ringbuf_output(rb, (void *)rec, size, pl_rb_wake_flags(rb))) {
		pl_count(counters, lost);
		return -1;
	}
	pl_count(counters, emitted);
	return 0;
}

/*
 * Room for a record of constant `size` in the ring, to build it in place
 * (no copy); NULL, counted as lost, when the ring is full. Every pointer
 * it returns must reach pl_commit() or pl_discard() (the verifier checks).
 */
static __always_inline void *pl_reserve(void *rb, void *counters, __u64 size,
					__u32 lost)
{
	void *rec = bpf_ringbuf_reserve(rb, size, 0);

	if (!rec)
		pl_count(counters, lost);
	return rec;
}

/* Hands a reserved record to the reader, counted as emitted. */
static __always_inline void pl_commit(void *rb, void *counters, void *rec,
				      __u32 emitted)
{
	bpf_ringbuf_submit(rec, pl_rb_wake_flags(rb));
	pl_count(counters, emitted);
}

/* Gives a reserved record back unread: it was not wanted after all. */
static __always_inline void pl_discard(void *rb, void *rec)
{
	(void)rb;
	bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
}

#endif /* PKTLENS_COMMON_BPF_H */
