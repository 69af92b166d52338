/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --attribute: the local socket a matched TCP/UDP packet goes to, looked
 * up by its 4-tuple (the packet's destination is the local end) in the
 * netns of the interface. bpf_skc_lookup_tcp() finds established, request,
 * time-wait and listening sockets, so a SYN counts for its listener; a
 * request socket stands for its listener. What it gives is the socket's
 * cookie, its file's inode and its cgroup; user space maps them to a
 * process (src/runtime/attr.c, with the iterator of attr.bpf.c).
 *
 * The socket is read through bpf_rdonly_cast(): loads the verifier turns
 * into faulting-safe reads, never writes.
 * Included by packet.bpf.c and attr.bpf.c, after vmlinux.h, bpf_helpers.h
 * and records/record.h; `attribute`, the packet program's switch, is
 * packet.bpf.c's.
 */
#ifndef PKTLENS_ATTRIBUTE_H
#define PKTLENS_ATTRIBUTE_H

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define PL_TCP_TIME_WAIT    6
#define PL_TCP_LISTEN	    10
#define PL_TCP_NEW_SYN_RECV 12

/* Fills *a for the local socket a TCP (tcp) or UDP segment with tuple t
 * (len bytes: its ipv4 or ipv6 part; t's destination is the local end)
 * goes to; a->found stays 0 when no socket takes it. Shared by the packet
 * program and the flows' lookup (attr.bpf.c, pktlens_sk_query). */
static __always_inline void pl_sock_attr(void *ctx, struct bpf_sock_tuple *t, __u32 len, bool tcp,
					 struct pl_attr *a)
{
	struct bpf_sock *bs;
	struct socket *so;
	struct sock *sk;
	__u8 state;

	if (tcp)
		bs = (struct bpf_sock *)bpf_skc_lookup_tcp(ctx, t, len, BPF_F_CURRENT_NETNS, 0);
	else
		bs = bpf_sk_lookup_udp(ctx, t, len, BPF_F_CURRENT_NETNS, 0);
	if (!bs)
		return;
	a->found = 1;
	sk = bpf_rdonly_cast(bs, bpf_core_type_id_kernel(struct sock));
	state = sk->__sk_common.skc_state;
	a->state = state;
	if (state == PL_TCP_NEW_SYN_RECV)
		/* skc_listener is in a union: the verifier sees a number */
		sk = bpf_rdonly_cast(sk->__sk_common.skc_listener, bpf_core_type_id_kernel(struct sock));
	if (sk) {
		a->cookie = sk->__sk_common.skc_cookie.counter;
		/* a time-wait socket is a struct inet_timewait_sock: no file,
		 * no cgroup */
		if (state != PL_TCP_TIME_WAIT) {
			struct cgroup *cg = sk->sk_cgrp_data.cgroup;

			if (cg)
				a->cgroup_id = cg->kn->id;
			so = sk->sk_socket;
			if (so) {
				struct socket_alloc *sa = bpf_rdonly_cast(
					so, bpf_core_type_id_kernel(struct socket_alloc));

				a->ino = sa->vfs_inode.i_ino;
			}
		}
	}
	bpf_sk_release(bs);
}

/* Fills *a for packet p; a->found stays 0 when no socket takes it. */
static __always_inline void pl_attribute(void *ctx, const struct pl_pkt *p, struct pl_attr *a)
{
	struct bpf_sock_tuple t = {};
	__u32 len;

	if (!(p->present & (PL_HAS_TCP | PL_HAS_UDP)) || p->ip_frag_offset)
		return;
	if (p->present & PL_HAS_IP4) {
		__builtin_memcpy(&t.ipv4.saddr, p->ip_src, 4);
		__builtin_memcpy(&t.ipv4.daddr, p->ip_dst, 4);
		t.ipv4.sport = bpf_htons(p->sport);
		t.ipv4.dport = bpf_htons(p->dport);
		len = sizeof(t.ipv4);
	} else if (p->present & PL_HAS_IP6) {
		__builtin_memcpy(t.ipv6.saddr, p->ip_src, 16);
		__builtin_memcpy(t.ipv6.daddr, p->ip_dst, 16);
		t.ipv6.sport = bpf_htons(p->sport);
		t.ipv6.dport = bpf_htons(p->dport);
		len = sizeof(t.ipv6);
	} else {
		return;
	}
	pl_sock_attr(ctx, &t, len, p->present & PL_HAS_TCP, a);
}

#endif /* PKTLENS_ATTRIBUTE_H */
