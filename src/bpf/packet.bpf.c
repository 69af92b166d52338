// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * XDP and TC ingress programs: parse each packet with the shared parser,
 * run the filter, count, and stream a record (and with -w the packet's
 * bytes) only for what matched and was asked for.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "records/hist.h"

/* Set by user space before load. */
const volatile __u32 emit_records = 1;	 /* records to the ring buffer */
const volatile __u32 capture_len = 0;	 /* -w: bytes of each packet to send */
/* watch: a matched frame of at most this many bytes goes up whole and
 * unparsed, and user space parses it (capture_whole()); 0: none */
const volatile __u32 whole_frame_max = 0;
/* watch: whole frames go up in batches under a flood (batch_frame()); set
 * only with pktlens_flush loaded, which user space runs on each CPU to
 * send what a batch holds (pl_drain_percpu()) */
const volatile __u32 frame_batches = 0;
const volatile __u32 sample_every = 0;	 /* --sample N: keep 1 of N */
const volatile __u64 rate_pps = 0;	 /* --rate PPS, per CPU */
const volatile __u32 quic_initials = 0;	 /* QUIC client Initials go up whole (quic_up()) */
/* enum pl_parse_part: the parts of the parse something reads; user space
 * narrows it (pl_narrow_parse()). A record holds every part. */
const volatile __u32 parse_parts = ~0u;
/* --dns (agent: dns: true): DNS responses matched to their queries; off,
 * the verifier drops it all and the maps keep one entry. */
const volatile __u32 dns_latency = 0;
/* --attribute: the receiving socket follows each record (attribute.h) */
const volatile __u32 attribute = 0;
/* --attribute with proc.* and container.id terms: only packets to a socket of
 * one of attr_cgroups' cgroups go up (user space fills the map) */
const volatile __u32 attr_cgroup_filter = 0;
/* the parity test: libpcap's blocks at TC always on the copied window, as
 * for a tagged or nonlinear skb (tc_direct()), so that both ways are
 * proved */
const volatile __u32 tc_blocks_on_copy = 0;
#define pl_parse_wants(part) (emit_records || (parse_parts & (part)))

#include "parse/packet.c"
#include "filter/match.c"
#include "flow_account.h"
#include "attribute.h"

/* The cgroup ids whose sockets' packets go up under attr_cgroup_filter;
 * the key PL_ATTR_CGROUPS_ALL lets every packet through (more cgroups
 * matched than the map holds). User space keeps it current. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_ATTR_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} attr_cgroups SEC(".maps");

/* tcx: TCX_NEXT, so programs after pktlens on the interface still run
 * (TCX_PASS, 0, would end the chain); on legacy clsact, TC_ACT_UNSPEC: the
 * default, pass. pktlens never changes a packet's fate at TC. */
#define PL_TC_NEXT   -1
#define NSEC_PER_SEC 1000000000ull

const volatile struct pl_filter filter = { .entry = PL_FILTER_ACCEPT };

struct pl_cpu_state {
	__u64 wake_checks;  /* records since the ring's backlog was last read */
	__u64 last_backlog; /* what it was then (common.bpf.h's wake-up rule) */
	__u64 sample_count;
	__u64 tokens_ns; /* token bucket, in ns of budget (1 token = 1e9/rate) */
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_cpu_state);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* L3 interfaces (tun, ipip, WireGuard): the link type of their packets,
 * by ifindex; TC only, as these devices give XDP no L2 header either */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_LINK_SLOTS);
	__type(key, __u32);
	__type(value, struct pl_link_slot);
} link_types SEC(".maps");

static __always_inline __u32 tc_linktype(__u32 ifindex)
{
	__u32 k = ifindex % PL_LINK_SLOTS;
	struct pl_link_slot *l = bpf_map_lookup_elem(&link_types, &k);

	return l && l->ifindex && l->ifindex == ifindex ? l->linktype : PL_LINK_ETHERNET;
}

/* -w: a whole frame and its header, as they go to the ring buffer */
struct pl_frame_buf {
	struct pl_frame_event hdr;
	__u8 data[PL_CAP_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_frame_buf);
} frame_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* a CPU's batch of whole frames (records/record.h): the record is hdr and
 * the first hdr.bytes of data, which has room for one frame past
 * PL_BATCH_BYTES */
struct pl_frame_batch {
	__u64 first_ns; /* the batch's first frame's time */
	__u64 last_ns;	/* this CPU's last whole frame's time */
	__u64 run;	/* whole frames in a row, each within PL_BATCH_GAP_NS */
	struct pl_frame_batch_hdr hdr;
	__u8 data[PL_BATCH_BYTES + sizeof(struct pl_frame_event) + PL_CAP_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_frame_batch);
} frame_batch SEC(".maps");

/* detect: drop list, rate limit, detectors (all off unless detect sets them) */
#include "detect/detect.bpf.h"

/* the maps of --dns (dns_latency, above) */

#include "records/dns_match.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1); /* PL_DNS_PENDING_ENTRIES when on */
	__type(key, struct pl_dns_key);
	__type(value, struct pl_dns_pending);
} dns_pending SEC(".maps");

/* response times, ns (records/hist.h) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_hist);
} dns_hist SEC(".maps");

/* responses seen, by rcode (4 bits) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_DNS_RCODES);
	__type(key, __u32);
	__type(value, __u64);
} dns_rcodes SEC(".maps");

#define pl_dns_tab_find(tab, k)	  ((void)(tab), (struct pl_dns_pending *)bpf_map_lookup_elem(&dns_pending, (k)))
#define pl_dns_tab_put(tab, k, v) bpf_map_update_elem(&dns_pending, (k), (v), BPF_ANY)
#define pl_dns_tab_del(tab, k)	  bpf_map_delete_elem(&dns_pending, (k))
#include "records/dns_match.h"

static __always_inline void dns_account(struct pl_pkt *p)
{
	__u32 zero = 0, rcode;
	struct pl_hist *h;
	__u64 dt, *n;

	if (pl_dns_match(NULL, p, bpf_ktime_get_ns(), &dt) != PL_DNS_RESPONSE)
		return;
	rcode = p->l7.dns.flags & (PL_DNS_RCODES - 1);
	n = bpf_map_lookup_elem(&dns_rcodes, &rcode);
	if (n)
		(*n)++;
	if (!dt)
		return;
	h = bpf_map_lookup_elem(&dns_hist, &zero);
	if (h)
		pl_hist_add(h, dt);
}

static __always_inline void count(__u32 which)
{
	pl_count(&counters, which);
}

static __always_inline __u64 clamp_to(__u64 n, __u64 max)
{
	/* hide what clang knows of n, so the clamp below stays in the code
	 * and the verifier sees it */
	asm volatile("" : "+r"(n));
	if (n > max)
		n = max;
	asm volatile("" : "+r"(n));
	return n;
}

/* One step of copy_head(): B bytes if the frame has them. The barrier keeps
 * clang from turning the packet-pointer test into integer arithmetic the
 * verifier cannot follow. */
#define COPY_STEP(B)                                   \
	do {                                           \
		asm volatile("" : "+r"(cur));          \
		if (cur + (B) <= end) {                \
			pl_move(dst + done, cur, (B)); \
			cur += (B);                    \
			done += (B);                   \
		}                                      \
	} while (0)

/* Copies the first min(frame, PL_HDR_WIN) bytes of a frame at [cur, end)
 * (XDP's, or a linear skb's) to dst by direct packet access, in word
 * moves: this costs a fraction of bpf_xdp_load_bytes() or
 * bpf_skb_load_bytes() for the few hundred bytes most packets need. */
static __always_inline __u32 copy_head_from(void *cur, void *end, __u8 *dst)
{
	__u32 done = 0;

	asm volatile("" : "+r"(cur));
	if (cur + PL_HDR_WIN <= end) {
		pl_move(dst, cur, PL_HDR_WIN);
		return PL_HDR_WIN;
	}
	COPY_STEP(128);
	COPY_STEP(64);
	COPY_STEP(32);
	COPY_STEP(16);
	COPY_STEP(8);
	COPY_STEP(4);
	COPY_STEP(2);
	COPY_STEP(1);
	return done;
}

static __always_inline __u32 copy_head(struct xdp_md *ctx, __u8 *dst)
{
	return copy_head_from((void *)(long)ctx->data, (void *)(long)ctx->data_end, dst);
}

/* TC: are the skb's own bytes the frame? When its head holds all of it
 * and no VLAN tag waits in its metadata (load_tc() puts one back). */
static __always_inline bool tc_whole_frame(struct __sk_buff *skb)
{
	return !skb->vlan_present && skb->data_end - skb->data == skb->len;
}

/* Copies the first n bytes of the frame to dst (room for max bytes). */
static __always_inline int load_xdp(struct xdp_md *ctx, __u8 *dst, __u64 n, __u64 max)
{
	n = clamp_to(n, max);
	if (n == 0)
		return -1;
	return bpf_xdp_load_bytes(ctx, 0, dst, n) ? -1 : 0;
}

/*
 * TC sees the outer VLAN tag in skb metadata, not in the data (the stack
 * strips it before ingress). Put it back so the parser sees the frame as
 * it was on the wire, as XDP does.
 */
static __always_inline int load_tc(struct __sk_buff *skb, __u8 *dst, __u64 n, __u64 max)
{
	__u64 tci, rest;

	n = clamp_to(n, max);
	if (n <= 16 || !skb->vlan_present) {
		if (n == 0 || bpf_skb_load_bytes(skb, 0, dst, n))
			return -1;
		return 0;
	}
	if (bpf_skb_load_bytes(skb, 0, dst, 12))
		return -1;
	dst[12] = (__u8)(bpf_ntohs(skb->vlan_proto) >> 8);
	dst[13] = (__u8)bpf_ntohs(skb->vlan_proto);
	tci = skb->vlan_tci;
	dst[14] = (__u8)(tci >> 8);
	dst[15] = (__u8)tci;
	rest = clamp_to(n - 16, max - 16);
	if (rest == 0 || bpf_skb_load_bytes(skb, 12, dst + 16, rest))
		return -1;
	return 0;
}

static __always_inline int load_window(void *ctx, bool xdp, struct pl_scratch *s, __u64 n)
{
	n = clamp_to(n, PL_WIN);
	if (xdp ? load_xdp(ctx, s->buf, n, PL_WIN) : load_tc(ctx, s->buf, n, PL_WIN))
		return -1;
	s->len = n;
	return 0;
}

/* Extends a PL_HDR_WIN window to n bytes, copying only what is new. */
static __always_inline int extend_window(void *ctx, bool xdp, struct pl_scratch *s, __u64 n)
{
	struct __sk_buff *skb = ctx;
	__u64 rest;
	__u32 from = PL_HDR_WIN;

	if (s->len != PL_HDR_WIN)
		return load_window(ctx, xdp, s, n);
	n = clamp_to(n, PL_WIN);
	rest = clamp_to(n - PL_HDR_WIN, PL_WIN - PL_HDR_WIN);
	if (n <= PL_HDR_WIN || rest == 0)
		return -1;
	if (xdp) {
		if (bpf_xdp_load_bytes(ctx, from, s->buf + PL_HDR_WIN, rest))
			return -1;
	} else {
		/* the window holds a re-inserted VLAN tag the data lacks */
		if (skb->vlan_present)
			from -= 4;
		if (bpf_skb_load_bytes(skb, from, s->buf + PL_HDR_WIN, rest))
			return -1;
	}
	s->len = n;
	return 0;
}

/* --sample and --rate: true when this matched packet may be emitted. */
static __always_inline bool admit(void)
{
	__u32 zero = 0;
	struct pl_cpu_state *st;
	__u64 now, cost, cap;

	if (sample_every <= 1 && !rate_pps)
		return true;
	st = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!st)
		return true;
	if (sample_every > 1 && st->sample_count++ % sample_every) {
		count(PL_CNT_SAMPLED_OUT);
		return false;
	}
	if (rate_pps) {
		cost = NSEC_PER_SEC / rate_pps;
		cap = NSEC_PER_SEC; /* a burst of one second's worth */
		now = bpf_ktime_get_ns();
		st->tokens_ns += now - st->last_ns;
		st->last_ns = now;
		if (st->tokens_ns > cap)
			st->tokens_ns = cap;
		if (st->tokens_ns < cost) {
			count(PL_CNT_RATE_LIMITED);
			return false;
		}
		st->tokens_ns -= cost;
	}
	return true;
}

/* The wake-up rule is common.bpf.h's; reading the backlog touches the
 * consumer's cache line, so each CPU looks only every RB_WAKE_EVERY
 * records. Returns the per-CPU `last` for pl_emit(), or NULL: no look. */
#define RB_WAKE_EVERY 32
static __always_inline __u64 *ring_look(void)
{
	__u32 zero = 0;
	struct pl_cpu_state *st = bpf_map_lookup_elem(&cpu_state, &zero);

	if (!st || st->wake_checks++ % RB_WAKE_EVERY)
		return NULL;
	return &st->last_backlog;
}

/* The first n bytes of the frame (n <= PL_CAP_MAX) to dst: a small frame
 * by direct packet access (no helper call), else by the load helper. */
static __always_inline bool copy_frame(void *ctx, bool xdp, __u8 *dst, __u64 n)
{
	struct xdp_md *x = ctx;
	struct __sk_buff *skb = ctx;

	if (n <= PL_HDR_WIN && (xdp || tc_whole_frame(skb)))
		return copy_head_from(xdp ? (void *)(long)x->data : (void *)(long)skb->data,
				      xdp ? (void *)(long)x->data_end : (void *)(long)skb->data_end,
				      dst) == n;
	return !(xdp ? load_xdp(x, dst, n, PL_CAP_MAX) : load_tc(skb, dst, n, PL_CAP_MAX));
}

/* The header of a whole frame's record (n bytes of frame follow). */
static __always_inline void set_frame_hdr(struct pl_frame_event *h, __u16 type, __u32 ifindex,
					  __u64 ts, __u64 n)
{
	h->type = type;
	h->_pad0 = 0;
	h->ifindex = ifindex;
	h->ts_mono_ns = ts;
	h->frame_len = (__u32)n;
	h->_pad1 = 0;
}

/* -w with a frame no longer than the snapshot: the frame as it is, for
 * user space to parse. */
static __always_inline void emit_frame(void *ctx, bool xdp, __u32 ifindex, __u32 frame_len,
				       __u16 type, __u64 ts)
{
	__u32 zero = 0;
	struct pl_frame_buf *f = bpf_map_lookup_elem(&frame_scratch, &zero);
	__u64 n = clamp_to(frame_len, PL_CAP_MAX);

	if (!f || !copy_frame(ctx, xdp, f->data, n)) {
		count(PL_CNT_LOST);
		return;
	}
	set_frame_hdr(&f->hdr, type, ifindex, ts, n);
	pl_emit(&events, &counters, ring_look(), f, clamp_to(sizeof(f->hdr) + n, sizeof(*f)),
		PL_CNT_EMITTED, PL_CNT_LOST);
}

/* A CPU's batch to the ring, as one record of all its frames. */
static __always_inline void batch_out(struct pl_frame_batch *b)
{
	if (!b->hdr.frames)
		return;
	b->hdr.type = PL_EV_FRAME_BATCH;
	pl_emit_n(&events, &counters, ring_look(), &b->hdr,
		  clamp_to(sizeof(b->hdr) + b->hdr.bytes, sizeof(b->hdr) + sizeof(b->data)),
		  b->hdr.frames, PL_CNT_EMITTED, PL_CNT_LOST);
	b->hdr.frames = 0;
	b->hdr.bytes = 0;
}

/*
 * watch: a whole frame, in this CPU's batch during a flood (records/
 * record.h), else on its own (after the batch: a CPU's frames stay in
 * order). A flood's frames so share the ring's lock and commit, its
 * largest cost per frame; a batch goes up when full, after
 * PL_BATCH_AGE_NS, or when user space drains it (every 100 ms and at
 * exit), and its frames count as emitted (or lost) then.
 */
static __always_inline void batch_frame(void *ctx, bool xdp, __u32 ifindex, __u32 frame_len)
{
	__u32 zero = 0;
	struct pl_frame_batch *b = bpf_map_lookup_elem(&frame_batch, &zero);
	__u64 now = bpf_ktime_get_ns(), n = clamp_to(frame_len, PL_CAP_MAX), off;
	struct pl_frame_event *h;

	if (!b) {
		count(PL_CNT_LOST);
		return;
	}
	b->run = now - b->last_ns > PL_BATCH_GAP_NS ? 0 : b->run + 1;
	b->last_ns = now;
	if (b->run < PL_BATCH_AFTER) {
		batch_out(b);
		emit_frame(ctx, xdp, ifindex, frame_len, PL_EV_FRAME, now);
		return;
	}
	if (!b->hdr.frames)
		b->first_ns = now;
	/* below PL_BATCH_BYTES: a fuller batch went up after its last frame */
	off = clamp_to(b->hdr.bytes, PL_BATCH_BYTES - 1);
	h = (struct pl_frame_event *)(b->data + off);
	if (!copy_frame(ctx, xdp, b->data + off + sizeof(*h), n)) {
		count(PL_CNT_LOST);
		return;
	}
	set_frame_hdr(h, PL_EV_FRAME, ifindex, now, n);
	b->hdr.bytes = (__u32)(off + sizeof(*h) + ((n + 7) & ~7ull));
	b->hdr.frames++;
	if (b->hdr.bytes >= PL_BATCH_BYTES || now - b->first_ns > PL_BATCH_AGE_NS)
		batch_out(b);
}

/* pktlens_flush: this CPU's batch to the ring. */
static __always_inline void flush_frame_batch(void)
{
	__u32 zero = 0;
	struct pl_frame_batch *b;

	if (!frame_batches)
		return;
	b = bpf_map_lookup_elem(&frame_batch, &zero);
	if (b)
		batch_out(b);
}

/* --attribute: may the packet whose socket is *a go up? */
static __always_inline bool attr_admit(const struct pl_attr *a)
{
	__u64 all = PL_ATTR_CGROUPS_ALL;

	if (!attr_cgroup_filter)
		return true;
	if (a->cgroup_id && bpf_map_lookup_elem(&attr_cgroups, &a->cgroup_id))
		return true;
	if (bpf_map_lookup_elem(&attr_cgroups, &all))
		return true;
	count(PL_CNT_NOT_OWNED);
	return false;
}

/* --attribute: the receiving socket *a, after the record's bytes in the
 * scratch (in the zeroed L7 union of a short record, else where -w's
 * bytes would go), so that one copy sends both. */
static __always_inline __u64 emit_attr(struct pl_scratch *s, const struct pl_attr *a, __u64 size)
{
	s->ev.flags = PL_EVF_ATTR;
	if (size == PL_PACKET_EVENT_SHORT) {
		__builtin_memcpy(&s->ev.pkt.l7, a, sizeof(*a));
		return PL_PACKET_EVENT_SHORT + sizeof(*a);
	}
	__builtin_memcpy(&s->cap_len, a, sizeof(*a));
	return sizeof(s->ev) + sizeof(*a);
}

static __always_inline void emit(void *ctx, bool xdp, struct pl_scratch *s, __u32 ifindex,
				 const struct pl_attr *a)
{
	__u64 size = sizeof(s->ev), cap;

	pl_finalize(s);
	if (pl_pkt_has_tail(&s->ev.pkt))
		size = sizeof(s->ev);
	else if (s->ev.pkt.present & PL_HAS_L7)
		size = PL_PACKET_EVENT_L7;
	else
		size = PL_PACKET_EVENT_SHORT;
	/* a constant 0 without --attribute, pruned by the verifier; with -w
	 * the frame's bytes follow the record, and the socket them */
	if (attribute && !capture_len) {
		size = emit_attr(s, a, size);
		s->ev.type = PL_EV_PACKET;
		s->ev.ifindex = ifindex;
		s->ev.ts_mono_ns = bpf_ktime_get_ns();
		pl_emit(&events, &counters, ring_look(), &s->ev,
			clamp_to(size, sizeof(s->ev) + sizeof(struct pl_attr)), PL_CNT_EMITTED,
			PL_CNT_LOST);
		/* the L7 union is all zero again for the next short record */
		__builtin_memset(&s->ev.pkt.l7, 0, sizeof(struct pl_attr));
		s->ev.flags = 0;
		return;
	}
	s->ev.type = PL_EV_PACKET;
	s->ev.ifindex = ifindex;
	s->ev.ts_mono_ns = bpf_ktime_get_ns();
	if (capture_len) {
		cap = clamp_to(s->avail < capture_len ? s->avail : capture_len, PL_CAP_MAX);
		if (xdp ? load_xdp(ctx, s->cap_data, cap, PL_CAP_MAX)
			: load_tc(ctx, s->cap_data, cap, PL_CAP_MAX))
			cap = 0;
		s->cap_len = (__u32)cap;
		/* the capture follows the whole record: no stale tail in it */
		if (!pl_pkt_has_tail(&s->ev.pkt))
			/* 8-aligned (record.h), so word stores, not bytes */
			__builtin_memset((__u64 *)((char *)&s->ev.pkt + PL_PKT_TAIL), 0,
					 sizeof(s->ev.pkt) - PL_PKT_TAIL);
		s->ev.type = PL_EV_PACKET_DATA;
		size = sizeof(s->ev) + sizeof(struct pl_capture) + cap;
		if (attribute) { /* -w --attribute: the socket after the bytes */
			cap = clamp_to(cap, PL_CAP_MAX);
			__builtin_memcpy(s->cap_data + cap, a, sizeof(*a));
			s->ev.flags = PL_EVF_ATTR;
			size += sizeof(*a);
		}
	}
	size = clamp_to(size, sizeof(s->ev) + sizeof(struct pl_capture) + PL_CAP_MAX +
				      sizeof(struct pl_attr));
	pl_emit(&events, &counters, ring_look(), &s->ev, size, PL_CNT_EMITTED, PL_CNT_LOST);
	if (attribute)
		s->ev.flags = 0;
}

/* watch: a matched frame of at most whole_frame_max bytes goes to user
 * space whole and unparsed (PL_EV_FRAME). True when it took the frame. */
static __always_inline bool capture_whole(void *ctx, bool xdp, __u32 frame_len, __u32 ifindex)
{
	if (frame_len > whole_frame_max || frame_len > PL_CAP_MAX || flow_flags ||
	    detect_enabled || dns_latency || attribute)
		return false;
	count(PL_CNT_MATCHED);
	if (!emit_records || !admit())
		return true;
	if (frame_batches)
		batch_frame(ctx, xdp, ifindex, frame_len);
	else
		emit_frame(ctx, xdp, ifindex, frame_len, PL_EV_FRAME, bpf_ktime_get_ns());
	return true;
}

/* A QUIC client Initial that goes up whole, for user space to decrypt:
 * watch's records, the QUIC names of flows, top and agent (quic_initials
 * set by both). */
static __always_inline bool quic_up(struct pl_scratch *s)
{
	/* the length the record holds (pl_reset()), not handle()'s register:
	 * bounds learnt on that would split the verifier's states before the
	 * flow accounting (TC's program grew by 200k instructions) */
	return quic_initials && (s->ev.pkt.present & PL_HAS_QUIC) &&
	       (s->ev.pkt.l7.tls.quic.flags & PL_QUIC_CLIENT_INITIAL) &&
	       s->ev.pkt.frame_len <= PL_CAP_MAX;
}

/* TC: may libpcap's blocks run on the skb's own bytes? When they are the
 * frame's (tc_whole_frame()), except in the parity test's other run. */
static __always_inline bool tc_direct(struct __sk_buff *skb)
{
	return !tc_blocks_on_copy && tc_whole_frame(skb);
}

static __always_inline void handle(void *ctx, bool xdp, __u32 frame_len, __u32 ifindex)
{
	__u32 zero = 0;
	struct pl_scratch *s;
	/* a filter on headers alone reads the frame's bytes, not the record:
	 * it runs first, so only what it keeps is copied and parsed */
	bool prefilter = filter.entry != PL_FILTER_ACCEPT && !filter.needs_l7;
	/* the blocks run on packet memory: always in XDP, at TC when
	 * tc_direct(); else on the loaded window, below */
	bool on_packet = filter.n_blocks && (xdp || tc_direct(ctx));

	count(PL_CNT_SEEN);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	/* a filter with libpcap's blocks sets them below; none reads them
	 * otherwise, so no store per packet. On packet memory they run
	 * before anything is copied. */
	if (on_packet) {
		struct xdp_md *x = ctx;
		struct __sk_buff *skb = ctx;
		void *data = xdp ? (void *)(long)x->data : (void *)(long)skb->data;
		void *data_end = xdp ? (void *)(long)x->data_end : (void *)(long)skb->data_end;

		s->cbpf_mem[16] = frame_len;
		s->cbpf_bits = pl_cbpf_packet(data, data_end, s->cbpf_mem);
		if (prefilter && !pl_filter_run(&filter, s->cbpf_bits, NULL))
			return;
	}
	/* no filter, or one that passed already: the frame may go out whole */
	if ((filter.entry == PL_FILTER_ACCEPT || (on_packet && prefilter)) &&
	    capture_whole(ctx, xdp, frame_len, ifindex))
		return;
	s->avail = frame_len;
	s->linktype = xdp ? PL_LINK_ETHERNET : tc_linktype(ifindex);
	/* TC: libpcap's code reads past the first PL_HDR_WIN bytes: load
	 * them all now */
	if (xdp) {
		s->len = copy_head(ctx, s->buf);
		/* the parser reads the length back from the scratch, not from
		 * copy_head's register: one value per copy step there would
		 * make the verifier walk the whole parse once per frame length
		 * (past its 1M-instruction limit with the tunnel, QUIC and
		 * attribution code) */
		asm volatile("" ::: "memory");
	} else if (load_window(ctx, xdp, s,
			       filter.needs_bytes || frame_len < PL_HDR_WIN ? frame_len
									    : PL_HDR_WIN)) {
		return;
	}
	/* TC, the skb not tc_direct(): the blocks run on the loaded window,
	 * the tag put back */
	if (filter.n_blocks && !on_packet) {
		s->cbpf_mem[16] = frame_len;
		s->cbpf_bits = pl_cbpf_region(s->buf, s->len, s->cbpf_mem);
		if (prefilter) {
			s->ev.pkt.frame_len = frame_len;
			if (!pl_filter_match(&filter, s))
				return;
			if (capture_whole(ctx, xdp, frame_len, ifindex))
				return;
		}
	}
	pl_reset(s, frame_len);
	pl_parse(s);
	if (s->need_more) {
		if (extend_window(ctx, xdp, s, frame_len))
			return;
		if (!pl_resume_l7(s)) {
			pl_reset(s, frame_len);
			pl_parse(s);
		}
	}
	/* a QUIC client Initial: its hello is encrypted (parse/quic_initial.c
	 * says why the kernel leaves it be); it goes up whole when the filter
	 * may take it, and user space decrypts it and runs the filter */
	if (quic_up(s)) {
		if (filter.needs_l7 && !pl_filter_may_match(&filter, s))
			return;
		count(PL_CNT_QUIC_INITIAL);
		if (admit())
			emit_frame(ctx, xdp, ifindex, frame_len, PL_EV_QUIC_FRAME, bpf_ktime_get_ns());
	} else if (filter.needs_l7 && !pl_filter_match(&filter, s)) {
		return;
	}
	count(PL_CNT_MATCHED);
	/* --dns: before the flows, which keep a response's time */
	if (dns_latency)
		dns_account(&s->ev.pkt);
	/* flows, top, agent; a constant 0 for watch, pruned by the verifier.
	 * An Initial that an L7 filter has yet to judge is counted by user
	 * space once it matched (runtime/flowtab.c, quic_account()) */
	if (flow_flags && !(filter.needs_l7 && quic_up(s)))
		flow_account(&s->ev.pkt, ifindex);
	/* detect: the detectors; a constant 0 elsewhere, pruned by the verifier */
	if (detect_enabled)
		pl_detect_packet(s, ifindex);
	/* the condition again, not a flag kept across the accounting: the
	 * verifier then walks that code once, not once per value (and the
	 * frame went up above, where few of its states reach) */
	if (quic_up(s))
		return;
	if (!emit_records)
		return;
	/* --attribute: the socket is looked up once, for the kernel's
	 * cgroup filter and the record; a constant 0 without it */
	if (attribute) {
		struct pl_attr a = {};

		pl_attribute(ctx, &s->ev.pkt, &a);
		if (!attr_admit(&a) || !admit())
			return;
		emit(ctx, xdp, s, ifindex, &a);
		return;
	}
	if (!admit())
		return;
	emit(ctx, xdp, s, ifindex, NULL);
}

SEC("xdp")
int pktlens_xdp(struct xdp_md *ctx)
{
	/* detect/agent: the drop list and --rate-limit come first */
	if (droplist_enabled && pl_xdp_enforce(ctx))
		return XDP_DROP;
	/* a program without xdp.frags sees only linear frames */
	handle(ctx, true, (__u32)(ctx->data_end - ctx->data), ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int pktlens_tc(struct __sk_buff *skb)
{
	handle(skb, false, skb->len + (skb->vlan_present ? 4 : 0), skb->ingress_ifindex);
	return PL_TC_NEXT;
}

/* What this CPU keeps for a while: the flow caches (flows, top, agent) to
 * the shared tables, watch's frame batch to the ring. User space runs it
 * on each CPU in turn (pl_drain_percpu()); loaded only with PL_FLOW_CACHE
 * or frame_batches. BPF_PROG_TEST_RUN runs an XDP program with softirqs
 * off, so no packet's program on this CPU runs in the middle of it. */
SEC("?xdp")
int pktlens_flush(struct xdp_md *ctx)
{
	(void)ctx;
	flush_caches();
	flush_frame_batch();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
