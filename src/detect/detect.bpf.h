/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel side of `pktlens detect` for src/bpf/packet.bpf.c (included
 * after its `events` ring buffer):
 *
 *  - pl_xdp_enforce(): first thing in the XDP program, the drop list (LPM
 *    tries of IPv4 and IPv6 prefixes with an expiry time, a reason and
 *    per-prefix drop counters; expired entries are ignored and deleted) and
 *    the --rate-limit token bucket per source;
 *  - pl_detect_packet(): after the parse and the filter, the detectors of
 *    src/detect/detect.c with their state in these maps.
 *
 * Both are behind .rodata switches (droplist_enabled, detect_enabled) that
 * watch and flows leave at 0: the verifier then removes the code, and they
 * pay nothing. The LRU and array maps are sized by `detect` before load
 * (a single entry otherwise); the LPM tries allocate per entry.
 */
#ifndef PKTLENS_DETECT_BPF_H
#define PKTLENS_DETECT_BPF_H

#include <bpf/bpf_core_read.h>
#include "detect.h"

/* Set by user space before load. */
const volatile __u32 detect_enabled = 0;
const volatile __u32 droplist_enabled = 0;
const volatile struct pl_det_config det_cfg = {};

#define PL_DET_DROP_MAX	 65536
#define PL_DET_ALLOW_MAX 1024

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct pl_det_addr);
	__type(value, struct pl_det_src);
} det_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_dst);
} det_dst SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_frag);
} det_frag SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_srcq);
} det_srcq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_arp);
} det_arp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct pl_det_dns_key);
	__type(value, struct pl_det_dns);
} det_dns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct pl_det_addr);
	__type(value, struct pl_det_bucket);
} det_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_ctx);
} det_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_DC__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} det_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_DET_DROP_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm4);
	__type(value, struct pl_block);
} det_drop4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_DET_DROP_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm6);
	__type(value, struct pl_block);
} det_drop6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_DET_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm4);
	__type(value, __u8);
} det_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_DET_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm6);
	__type(value, __u8);
} det_allow6 SEC(".maps");

/* Whether the drop list may hold entries (src/detect/pin.c pins it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_state);
} det_state SEC(".maps");

/* Who pinned the maps (src/detect/pin.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_meta);
} det_meta SEC(".maps");

static __always_inline void det_count(__u32 which)
{
	pl_count(&det_counters, which);
}

/*
 * Clocks. The detectors count in windows of a second or so, and read the
 * time for every packet: this CPU's tick clock (cpu_tick_ns(),
 * flow_account.h), a few ns a read, on the CLOCK_MONOTONIC scale and early
 * by less than a tick. An alert is stamped with the precise clock, and
 * det_may_alert() measures the window from the last alert's stamp to the
 * tick clock, which is never later than the next stamp: so the records of
 * a rule and key are at least a window apart. Block expiry is
 * compared with CLOCK_MONOTONIC values from user space: pl_coarse_ns().
 */
#define pl_det_alert_ns(c) bpf_ktime_get_ns()

static __always_inline void det_state_set(void)
{
	__u32 zero = 0;
	struct pl_det_state *st = bpf_map_lookup_elem(&det_state, &zero);

	if (st && !st->maybe)
		st->maybe = 1;
}

/* ---- the target's side of src/detect/detect.c ---- */

/* volatile: a plain read of a .rodata constant would be folded to its
 * initializer; the verifier knows the loaded value after freezing */
#define pl_det_cfg(c) (&det_cfg)

static __always_inline void *det_get(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#define pl_det_src_get(c, k) ((struct pl_det_src *)det_get(&det_src, (k), &(c)->zero))
#define pl_det_dns_get(c, k) ((struct pl_det_dns *)det_get(&det_dns, (k), &(c)->zero))

static __always_inline struct pl_det_arp *pl_det_arp_get(struct pl_det_ctx *c, __u32 ip)
{
	return det_get(&det_arp, &ip, &c->zero);
}

static __always_inline struct pl_det_dst *pl_det_dst_slot(struct pl_det_ctx *c, __u32 i)
{
	(void)c;
	return bpf_map_lookup_elem(&det_dst, &i);
}

static __always_inline struct pl_det_srcq *pl_det_srcq_slot(struct pl_det_ctx *c, __u32 i)
{
	(void)c;
	return bpf_map_lookup_elem(&det_srcq, &i);
}

static __always_inline struct pl_det_frag *pl_det_frag_slot(struct pl_det_ctx *c, __u32 i)
{
	(void)c;
	return bpf_map_lookup_elem(&det_frag, &i);
}

static __always_inline void pl_det_send(struct pl_det_ctx *c)
{
	/* alerts are rare: the ring's own adaptive wake-up (flags 0) */
	if (bpf_ringbuf_output(&events, &c->alert, sizeof(c->alert), 0))
		det_count(PL_DC_ALERTS_LOST);
	else
		det_count(PL_DC_ALERTS);
}

/* Is addr on the allow list? k: room for the key (the stack is short on
 * the alert path). */
static __always_inline bool det_allowed(const __u8 *addr, bool ip6, struct pl_lpm6 *k)
{
	if (!det_cfg.allow_n)
		return false;
	k->prefixlen = ip6 ? 128 : 32;
	if (ip6)
		__builtin_memcpy(k->addr, addr, 16);
	else
		__builtin_memcpy(k->addr, addr, 4);
	/* the IPv4 trie's key is the first 8 bytes of this one */
	return bpf_map_lookup_elem(ip6 ? (void *)&det_allow6 : (void *)&det_allow4, k) != NULL;
}

/* --enforce: the alert's source goes on the drop list for the block TTL,
 * unless it is on the allow list. Returns the TTL in seconds, or 0. */
static __always_inline __u32 pl_det_block(struct pl_det_ctx *c)
{
	struct pl_alert_event *a = &c->alert;
	bool ip6 = a->flags & PL_ALERT_IP6;
	struct pl_block *b = &c->blk;
	long err;

	if (det_allowed(a->src, ip6, &c->lpm))
		return 0;
	__builtin_memset(b, 0, sizeof(*b));
	b->added_ns = pl_coarse_ns();
	b->expires_ns = b->added_ns + det_cfg.enforce_ttl_ns;
	b->reason = a->rule;
	b->ip6 = ip6;
	b->prefixlen = ip6 ? 128 : 32;
	__builtin_memcpy(b->addr, a->src, 16);
	c->lpm.prefixlen = b->prefixlen;
	__builtin_memcpy(c->lpm.addr, a->src, 16);
	if (ip6)
		err = bpf_map_update_elem(&det_drop6, &c->lpm, b, BPF_ANY);
	else
		err = bpf_map_update_elem(&det_drop4, &c->lpm, b, BPF_ANY);
	if (err)
		return 0;
	det_state_set();
	det_count(PL_DC_BLOCKS);
	return (__u32)(det_cfg.enforce_ttl_ns / 1000000000ull);
}

#include "detect.c"

/* After the parse and the filter: run the detectors on this packet. */
static __always_inline void pl_detect_packet(struct pl_scratch *s, __u32 ifindex)
{
	__u32 zero = 0;
	struct pl_det_ctx *c;

	if (!pl_det_wants(s))
		return;
	c = bpf_map_lookup_elem(&det_scratch, &zero);
	if (!c)
		return;
	c->now = cpu_tick_ns();
	c->ifindex = ifindex;
	pl_detect(s, c);
}

/* ---- XDP enforcement: the drop list and --rate-limit ---- */

/* Is this drop-list entry live? An expired one is deleted (the lazy half
 * of expiry; detect also sweeps once a second). */
static __always_inline bool det_live(void *map, struct pl_block *b, __u64 *now)
{
	struct pl_lpm6 k = {};

	if (!b->expires_ns)
		return true;
	if (!*now)
		*now = pl_coarse_ns();
	if (*now < b->expires_ns)
		return true;
	k.prefixlen = b->prefixlen;
	__builtin_memcpy(k.addr, b->addr, 16);
	/* the IPv4 trie's key is the first 8 bytes of this one */
	if (!bpf_map_delete_elem(map, &k))
		det_count(PL_DC_EXPIRED);
	return false;
}

/* Plain adds: the IPv4 trie keeps its values 4 bytes off an 8-byte
 * boundary (after a 4-byte key), where a locked add of a u64 would be a
 * split lock costing a microsecond. Two CPUs dropping for one prefix at
 * the same instant may lose a count. */
static __always_inline bool det_drop_hit(struct pl_block *b, __u32 bytes)
{
	b->drops += 1;
	b->bytes += bytes;
	det_count(PL_DC_DROPPED);
	return true;
}

/* The token bucket of --rate-limit: true when this packet is over. */
static __always_inline bool det_over_rate(const __u8 *addr16, bool ip6, __u64 *now)
{
	struct pl_det_addr k;
	struct pl_lpm6 kl;
	struct pl_det_bucket *b, fresh = {};
	__u64 cost = 1000000000ull / det_cfg.rate_limit_pps, cap = 1000000000ull;

	__builtin_memcpy(k.a, addr16, 16);
	if (det_allowed(ip6 ? addr16 : addr16 + 12, ip6, &kl))
		return false;
	if (!*now)
		*now = pl_coarse_ns();
	b = bpf_map_lookup_elem(&det_rl, &k);
	if (!b) {
		fresh.tokens_ns = cap - cost; /* a new source starts with a full bucket */
		fresh.last_ns = *now;
		bpf_map_update_elem(&det_rl, &k, &fresh, BPF_ANY);
		return false;
	}
	b->tokens_ns += *now - b->last_ns;
	b->last_ns = *now;
	if (b->tokens_ns > cap)
		b->tokens_ns = cap;
	if (b->tokens_ns < cost) {
		det_count(PL_DC_RATE_LIMITED);
		return true;
	}
	b->tokens_ns -= cost;
	return false;
}

/* First in the XDP program: true when the packet is to be dropped. Reads
 * the source address straight from the frame (Ethernet, up to two VLAN
 * tags, IPv4 or IPv6); anything else passes. */
static __always_inline bool pl_xdp_enforce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 bytes = (__u32)(end - data), off = 14;
	struct pl_lpm4 k4 = { .prefixlen = 32 };
	struct pl_lpm6 k6 = { .prefixlen = 128 };
	struct ethhdr *eth = data;
	__u8 a16[16] = { [10] = 0xff, [11] = 0xff };
	struct pl_det_state *st;
	struct pl_block *b = NULL;
	__u32 zero = 0;
	__u64 now = 0;
	__u16 proto;
	bool listed;
	int i;

	st = bpf_map_lookup_elem(&det_state, &zero);
	listed = st && st->maybe;
	if (!listed && !det_cfg.rate_limit_pps)
		return false;
	if ((void *)(eth + 1) > end)
		return false;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(0x8100) && proto != bpf_htons(0x88a8) &&
		    proto != bpf_htons(0x9100))
			break;
		if (data + off + 4 > end)
			return false;
		proto = *(__be16 *)(data + off + 2);
		off += 4;
	}
	if (proto == bpf_htons(0x0800)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end)
			return false;
		__builtin_memcpy(k4.addr, &ip->saddr, 4);
		if (listed)
			b = bpf_map_lookup_elem(&det_drop4, &k4);
		if (b && !det_live(&det_drop4, b, &now))
			b = bpf_map_lookup_elem(&det_drop4, &k4); /* a shorter prefix */
		if (b && det_live(&det_drop4, b, &now))
			return det_drop_hit(b, bytes);
		if (!det_cfg.rate_limit_pps)
			return false;
		__builtin_memcpy(a16 + 12, &ip->saddr, 4);
		return det_over_rate(a16, false, &now);
	}
	if (proto == bpf_htons(0x86dd)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return false;
		__builtin_memcpy(k6.addr, &ip6->saddr, 16);
		if (listed)
			b = bpf_map_lookup_elem(&det_drop6, &k6);
		if (b && !det_live(&det_drop6, b, &now))
			b = bpf_map_lookup_elem(&det_drop6, &k6);
		if (b && det_live(&det_drop6, b, &now))
			return det_drop_hit(b, bytes);
		if (!det_cfg.rate_limit_pps)
			return false;
		return det_over_rate(k6.addr, true, &now);
	}
	return false;
}

#endif /* PKTLENS_DETECT_BPF_H */
