// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * XDP and TC ingress programs: parse each packet with the shared parser,
 * count it, and stream its record when user space asked for records.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../parse/packet.c"

#define TC_ACT_OK 0

/* Set by user space before load. */
const volatile __u32 emit_records = 1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

static __always_inline __u64 clamp_win(__u64 n)
{
	/* hide what clang knows of n, so the clamp below stays in the code
	 * and the verifier sees it */
	asm volatile("" : "+r"(n));
	if (n > PL_WIN)
		n = PL_WIN;
	/* keep clang from handing the helper the unclamped register */
	asm volatile("" : "+r"(n));
	return n;
}

/* Copies the first n bytes of the frame into the window. */
static __always_inline int load_xdp(struct xdp_md *ctx, struct pl_scratch *s,
				    __u64 n)
{
	n = clamp_win(n);
	if (n == 0)
		return -1;
	if (bpf_xdp_load_bytes(ctx, 0, s->buf, n))
		return -1;
	s->len = n;
	return 0;
}

/*
 * TC sees the outer VLAN tag in skb metadata, not in the data (the stack
 * strips it before ingress). Put it back so the parser sees the frame as
 * it was on the wire, as XDP does.
 */
static __always_inline int load_tc(struct __sk_buff *skb, struct pl_scratch *s,
				   __u64 n)
{
	__u64 tci, rest;

	n = clamp_win(n);
	if (n <= 16 || !skb->vlan_present) {
		if (n == 0 || bpf_skb_load_bytes(skb, 0, s->buf, n))
			return -1;
		s->len = n;
		return 0;
	}
	if (bpf_skb_load_bytes(skb, 0, s->buf, 12))
		return -1;
	s->buf[12] = (__u8)(bpf_ntohs(skb->vlan_proto) >> 8);
	s->buf[13] = (__u8)bpf_ntohs(skb->vlan_proto);
	tci = skb->vlan_tci;
	s->buf[14] = (__u8)(tci >> 8);
	s->buf[15] = (__u8)tci;
	rest = n - 16;
	if (rest > PL_WIN - 16)
		rest = PL_WIN - 16;
	asm volatile("" : "+r"(rest));
	if (rest == 0 || bpf_skb_load_bytes(skb, 12, s->buf + 16, rest))
		return -1;
	s->len = n;
	return 0;
}

static __always_inline void emit(struct pl_scratch *s, __u32 ifindex)
{
	count(PL_CNT_MATCHED);
	if (!emit_records)
		return;
	pl_finalize(s);
	s->ev.type = PL_EV_PACKET;
	s->ev.ifindex = ifindex;
	s->ev.ts_mono_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev), 0))
		count(PL_CNT_LOST);
	else
		count(PL_CNT_EMITTED);
}

SEC("xdp")
int pktlens_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0, frame_len = bpf_xdp_get_buff_len(ctx);
	struct pl_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return XDP_PASS;
	count(PL_CNT_SEEN);
	s->avail = frame_len;
	s->linktype = PL_LINK_ETHERNET;
	if (load_xdp(ctx, s, frame_len < PL_HDR_WIN ? frame_len : PL_HDR_WIN))
		return XDP_PASS;
	pl_reset(s, frame_len);
	pl_parse(s);
	if (s->need_more) {
		if (load_xdp(ctx, s, frame_len))
			return XDP_PASS;
		pl_reset(s, frame_len);
		pl_parse(s);
	}
	emit(s, ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int pktlens_tc(struct __sk_buff *skb)
{
	__u32 zero = 0, frame_len = skb->len + (skb->vlan_present ? 4 : 0);
	struct pl_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return TC_ACT_OK;
	count(PL_CNT_SEEN);
	s->avail = frame_len;
	s->linktype = PL_LINK_ETHERNET;
	if (load_tc(skb, s, frame_len < PL_HDR_WIN ? frame_len : PL_HDR_WIN))
		return TC_ACT_OK;
	pl_reset(s, frame_len);
	pl_parse(s);
	if (s->need_more) {
		if (load_tc(skb, s, frame_len))
			return TC_ACT_OK;
		pl_reset(s, frame_len);
		pl_parse(s);
	}
	emit(s, skb->ingress_ifindex);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
