// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktlens tcp: the TCP stack's view of connections, from BTF tracepoints.
 *
 *   sock:inet_sock_set_state    states, connection table, summaries
 *   tcp:tcp_retransmit_skb      retransmits (with err on newer kernels)
 *   tcp:tcp_retransmit_synack   SYN-ACK retransmits of request sockets
 *   tcp:tcp_receive_reset       resets received
 *   tcp:tcp_send_reset          resets sent (with sk_rst_reason on newer kernels)
 *   tcp:tcp_probe               smoothed RTT and cwnd
 *   skb:kfree_skb               drops, with the kernel's skb_drop_reason
 *   raw_syscalls:sys_exit       who called listen() and accept()
 *
 * Every socket field is read through CO-RE. A program whose tracepoint the
 * kernel lacks is not loaded (user space probes the BTF first). Programs that
 * exist in two variants (an argument added in later kernels) are chosen the
 * same way, since a tp_btf program may not read an argument the kernel's
 * tracepoint does not have.
 *
 * The connection table is keyed by the socket's address, filled when a
 * connection opens (SYN_SENT, SYN_RECV) and emptied when it reaches CLOSE.
 * It has a fixed size; a connection that does not fit is counted as
 * untracked, and still gets a summary, without the parts only the table
 * knows (start, owner, RTT).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "../tcp_events.h"

/* BPF_PROG() names every tracepoint argument and ctx; not all are used */
#pragma clang diagnostic ignored "-Wunused-parameter"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define PF_KTHREAD 0x00200000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define NO_HEADER 0xffff /* skb->*_header when unset */

/* Set by user space before load. */
const volatile __u32 kinds = (1u << PL_TCP_SUMMARY) | (1u << PL_TCP_RETRANS) |
			     (1u << PL_TCP_RESET) | (1u << PL_TCP_DROP);
const volatile __u32 rtt_every = 64;
const volatile __u32 filter_on = 0;
const volatile __u64 drop_ignore[PL_TCP_DROP_IGNORE_MAX / 64] = {};
const volatile __s64 nr_listen = -1;
const volatile __s64 nr_accept = -1;
const volatile __s64 nr_accept4 = -1;

/* A connection we saw open. */
struct conn {
	__u64 start_ns;
	__u64 rtt_sum_us;
	__u32 rtt_min_us;
	__u32 rtt_max_us;
	__u32 rtt_n;
	__u32 probes;     /* tcp_probe hits, for --rtt-every */
	__u32 retrans;    /* retransmits that went out */
	__u32 pid;
	char comm[PL_TCP_COMM_LEN];
	__u8 owner_src;   /* enum pl_tcp_owner_src */
	__u8 closer;      /* enum pl_tcp_closer */
	__u8 active;      /* we connected */
	__u8 _pad[5];
};

/* Listening sockets' owners by (netns, port): a child socket only knows
 * its local port, not its listener. */
struct lkey {
	__u32 netns;
	__u16 port;
	__u16 _pad;
};

struct lval {
	__u32 pid;
	__u32 n;          /* listening sockets on this key we know of */
	__u8 ambiguous;   /* owned by more than one process: owner unknown */
	__u8 scanned;     /* from user space's /proc scan (socket unknown) */
	__u8 _pad[6];
	char comm[PL_TCP_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* --max-conns */
	__type(key, __u64);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct lkey);
	__type(value, struct lval);
} listeners SEC(".maps");

/* Listening sockets whose listen() we saw: socket -> key in listeners. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct lkey);
} listen_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_TCNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* The record being built (too big for the stack next to the filter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tcp_event);
} evbuf SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

static __always_inline bool wanted(__u32 kind)
{
	return kinds & (1u << kind);
}

/* A fresh record of `kind`, or NULL when that kind was not asked for. */
static __always_inline struct pl_tcp_event *new_event(__u32 kind)
{
	__u32 zero = 0;
	struct pl_tcp_event *e;

	if (!wanted(kind))
		return NULL;
	e = bpf_map_lookup_elem(&evbuf, &zero);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PL_EV_TCP;
	e->kind = kind;
	e->proto = IPPROTO_TCP;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/*
 * FILTER seam: the record's 4-tuple (source = local end for socket events,
 * the packet's source for drops) is what the filter sees.
 */
static __always_inline bool filter_match(const struct pl_tcp_event *e)
{
	if (!filter_on)
		return true;
	/* filled in when the shared filter (src/filter/) lands */
	return true;
}

/* Counts a complete record, filters it, copies it to the ring buffer. */
static __always_inline void submit(struct pl_tcp_event *e)
{
	count(PL_TCNT_SEEN);
	if (!filter_match(e))
		return;
	count(PL_TCNT_MATCHED);
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0))
		count(PL_TCNT_LOST);
	else
		count(PL_TCNT_EMITTED);
}

/* ---- sockets ---- */

static __always_inline bool v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* The socket's ends, from sock_common (valid for full, request and
 * time-wait sockets alike). Returns false for families other than IP. */
static __always_inline bool sk_tuple(const struct sock *sk,
				     struct pl_tcp_event *e)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family == AF_INET) {
		e->family = 4;
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		e->family = 6;
		BPF_CORE_READ_INTO(&e->saddr, sk,
				   __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk,
				   __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		/* an IPv4 connection on a dual-stack socket is IPv4 on the wire */
		if (v4mapped(e->daddr)) {
			e->family = 4;
			__builtin_memcpy(e->saddr, e->saddr + 12, 4);
			__builtin_memcpy(e->daddr, e->daddr + 12, 4);
			__builtin_memset(e->saddr + 4, 0, 12);
			__builtin_memset(e->daddr + 4, 0, 12);
		}
	} else {
		return false;
	}
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (e->netns)
		e->flags |= PL_TCPF_NETNS;
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->flags |= PL_TCPF_STATE;
	return true;
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP &&
	       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type) == 1 /* SOCK_STREAM */;
}

static __always_inline void owner_to_event(const struct conn *c,
					   struct pl_tcp_event *e)
{
	e->flags |= PL_TCPF_TRACKED;
	if (c->active)
		e->flags |= PL_TCPF_ACTIVE;
	else
		e->flags |= PL_TCPF_PASSIVE;
	if (c->owner_src == PL_OWNER_NONE)
		return;
	e->flags |= PL_TCPF_OWNER;
	e->owner_src = c->owner_src;
	e->pid = c->pid;
	__builtin_memcpy(e->comm, c->comm, sizeof(e->comm));
}

/*
 * The calling task as owner, only where it is one: a user-space task that
 * holds the socket through a file. Kernel sockets (no file) and kernel
 * threads get no owner.
 */
static __always_inline bool current_owner(const struct sock *sk, __u32 *pid,
					  char *comm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct socket *so;

	if (BPF_CORE_READ(t, flags) & PF_KTHREAD)
		return false;
	so = BPF_CORE_READ(sk, sk_socket);
	if (!so || !BPF_CORE_READ(so, file))
		return false;
	*pid = bpf_get_current_pid_tgid() >> 32;
	BPF_CORE_READ_STR_INTO((char(*)[PL_TCP_COMM_LEN])comm, t, group_leader, comm);
	return true;
}

static __always_inline void listener_key(const struct sock *sk, struct lkey *k)
{
	k->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->_pad = 0;
}

/* A connection opens: add it to the table (or count it as untracked). */
static __always_inline void track(const struct sock *sk, bool active)
{
	__u64 key = (__u64)sk;
	struct conn c = {};

	c.start_ns = bpf_ktime_get_ns();
	c.rtt_min_us = 0xffffffff;
	c.active = active;
	if (active) {
		if (current_owner(sk, &c.pid, c.comm))
			c.owner_src = PL_OWNER_CONNECT;
	} else {
		struct lkey k;
		struct lval *l;

		listener_key(sk, &k);
		l = bpf_map_lookup_elem(&listeners, &k);
		if (l && !l->ambiguous) {
			c.owner_src = PL_OWNER_LISTENER;
			c.pid = l->pid;
			__builtin_memcpy(c.comm, l->comm, sizeof(c.comm));
		}
	}
	if (bpf_map_update_elem(&conns, &key, &c, BPF_ANY))
		count(PL_TCNT_UNTRACKED);
}

/* A listening socket closes: forget its owner. */
static __always_inline void listener_closed(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct lkey *k = bpf_map_lookup_elem(&listen_socks, &key);
	struct lkey k2;
	struct lval *l;

	if (k) {
		k2 = *k;
		bpf_map_delete_elem(&listen_socks, &key);
		l = bpf_map_lookup_elem(&listeners, &k2);
		if (l && l->n > 1) {
			__sync_fetch_and_add(&l->n, -1);
			return;
		}
		bpf_map_delete_elem(&listeners, &k2);
		return;
	}
	/* one we only know from the scan: its key no longer names an owner */
	listener_key(sk, &k2);
	l = bpf_map_lookup_elem(&listeners, &k2);
	if (l && l->scanned)
		bpf_map_delete_elem(&listeners, &k2);
}

static __always_inline void summary(const struct sock *sk, struct conn *c,
				    int oldstate)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	struct pl_tcp_event *e = new_event(PL_TCP_SUMMARY);

	if (!e)
		return;
	if (!sk_tuple(sk, e))
		return;
	e->state = oldstate; /* the last state before CLOSE */
	e->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	e->segs_out = BPF_CORE_READ(tp, segs_out);
	e->segs_in = BPF_CORE_READ(tp, segs_in);
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
	if (c) {
		owner_to_event(c, e);
		e->flags |= PL_TCPF_START;
		e->start_ns = c->start_ns;
		e->retrans = c->retrans;
		e->closer = c->closer;
		if (c->rtt_n) {
			e->flags |= PL_TCPF_RTT;
			e->rtt_min_us = c->rtt_min_us;
			e->rtt_max_us = c->rtt_max_us;
			e->rtt_sum_us = c->rtt_sum_us;
			e->rtt_n = c->rtt_n;
		}
	}
	submit(e);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	__u64 key = (__u64)sk;
	struct pl_tcp_event *e;
	struct conn *c;

	if (!is_tcp(sk))
		return 0;
	if (newstate == TCP_SYN_SENT && oldstate == TCP_CLOSE)
		track(sk, true);
	else if (newstate == TCP_SYN_RECV && oldstate == TCP_LISTEN)
		track(sk, false);

	c = bpf_map_lookup_elem(&conns, &key);
	if (c && c->closer == PL_CLOSER_UNKNOWN) {
		if (newstate == TCP_FIN_WAIT1)
			c->closer = PL_CLOSER_LOCAL;
		else if (newstate == TCP_CLOSE_WAIT)
			c->closer = PL_CLOSER_REMOTE;
	}

	e = new_event(PL_TCP_STATE);
	if (e && sk_tuple(sk, e)) {
		e->old_state = oldstate;
		e->state = newstate;
		if (c)
			owner_to_event(c, e);
		submit(e);
	}

	if (newstate == TCP_CLOSE) {
		if (oldstate == TCP_LISTEN) {
			listener_closed(sk);
		} else {
			summary(sk, c, oldstate);
			if (c)
				bpf_map_delete_elem(&conns, &key);
		}
	} else if (newstate == TCP_ESTABLISHED && c && filter_on) {
		/* the 4-tuple is complete now: a connection the filter does not
		 * want needs no room in the table */
		struct pl_tcp_event *t = bpf_map_lookup_elem(&evbuf, &(__u32){ 0 });

		if (t && sk_tuple(sk, t) && !filter_match(t))
			bpf_map_delete_elem(&conns, &key);
	}
	return 0;
}

/* ---- listen() and accept(): who owns a socket ---- */

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* The TCP socket behind the calling task's file descriptor, or NULL. */
static __always_inline struct sock *fd_sock(long fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds;
	struct file *f = NULL;
	struct socket *so;
	struct sock *sk;
	unsigned int mode;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk || !is_tcp(sk))
		return NULL;
	return sk;
}

static __always_inline void saw_listen(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct lval v = {}, *l;
	struct lkey k;

	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN)
		return;
	if (bpf_map_lookup_elem(&listen_socks, &key))
		return; /* listen() again, to change the backlog */
	if (!current_owner(sk, &v.pid, v.comm))
		return;
	listener_key(sk, &k);
	l = bpf_map_lookup_elem(&listeners, &k);
	if (l && !l->scanned) {
		if (l->pid != v.pid)
			l->ambiguous = 1;
		__sync_fetch_and_add(&l->n, 1);
	} else {
		v.n = 1;
		if (bpf_map_update_elem(&listeners, &k, &v, BPF_ANY))
			return;
	}
	bpf_map_update_elem(&listen_socks, &key, &k, BPF_ANY);
}

static __always_inline void saw_accept(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	__u32 pid;
	char comm[PL_TCP_COMM_LEN];

	if (!c || c->active || c->owner_src == PL_OWNER_ACCEPT)
		return;
	if (!current_owner(sk, &pid, comm))
		return;
	c->pid = pid;
	__builtin_memcpy(c->comm, comm, sizeof(c->comm));
	c->owner_src = PL_OWNER_ACCEPT;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pl_sys_exit, struct pt_regs *regs, long ret)
{
	long nr, fd;
	struct sock *sk;

	if (ret < 0)
		return 0;
	nr = syscall_nr(regs);
	if (nr == nr_listen) {
		fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		sk = fd_sock(fd);
		if (sk)
			saw_listen(sk);
	} else if (nr == nr_accept || nr == nr_accept4) {
		sk = fd_sock(ret);
		if (sk)
			saw_accept(sk);
	}
	return 0;
}

/* ---- retransmits ---- */

static __always_inline void retrans(const struct sock *sk,
				    const struct sk_buff *skb, int err,
				    bool has_err)
{
	__u64 key = (__u64)sk;
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	struct pl_tcp_event *e;
	const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)skb->cb;
	__u32 seq, end_seq;

	if (!is_tcp(sk))
		return;
	if (c && err == 0)
		c->retrans++;
	e = new_event(PL_TCP_RETRANS);
	if (!e || !sk_tuple(sk, e))
		return;
	seq = BPF_CORE_READ(cb, seq);
	end_seq = BPF_CORE_READ(cb, end_seq);
	e->seq = seq;
	e->len = end_seq - seq;
	e->retrans = 1;
	if (has_err && err) {
		e->flags |= PL_TCPF_ERR;
		e->err = err;
	}
	if (c)
		owner_to_event(c, e);
	submit(e);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(pl_retransmit_skb_err, const struct sock *sk,
	     const struct sk_buff *skb, int err)
{
	retrans(sk, skb, err, true);
	return 0;
}

/* Kernels before the err argument: the tracepoint fired on success only. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(pl_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	retrans(sk, skb, 0, false);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(pl_retransmit_synack, const struct sock *sk,
	     const struct request_sock *req)
{
	const struct sock *rsk = (const struct sock *)req;
	struct pl_tcp_event *e;
	struct lkey k;
	struct lval *l;

	if (!is_tcp(sk))
		return 0;
	e = new_event(PL_TCP_RETRANS);
	if (!e || !sk_tuple(rsk, e))
		return 0;
	e->flags |= PL_TCPF_SYNACK | PL_TCPF_PASSIVE;
	e->seq = BPF_CORE_READ((const struct tcp_request_sock *)req, snt_isn);
	e->len = 1;
	e->retrans = 1;
	listener_key(sk, &k);
	l = bpf_map_lookup_elem(&listeners, &k);
	if (l && !l->ambiguous) {
		e->flags |= PL_TCPF_OWNER;
		e->owner_src = PL_OWNER_LISTENER;
		e->pid = l->pid;
		__builtin_memcpy(e->comm, l->comm, sizeof(e->comm));
	}
	submit(e);
	return 0;
}

/* ---- packets: the ends of an skb's IP/TCP or IP/UDP headers ---- */

/*
 * Reads the addresses and ports of a TCP or UDP packet from its headers.
 * With `reverse`, source and destination swap (the reply's view).
 * Returns false when the packet is neither, or its headers are not set.
 */
static __always_inline bool skb_tuple(const struct sk_buff *skb,
				      struct pl_tcp_event *e, bool reverse)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u8 *src = reverse ? e->daddr : e->saddr;
	__u8 *dst = reverse ? e->saddr : e->daddr;
	__u16 ports[2];
	__u8 l4;

	if (!head || nh == NO_HEADER)
		return false;
	if (proto == ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return false;
		if (ip.version != 4 || ip.ihl < 5)
			return false;
		/* a fragment past the first has no ports */
		if (ip.frag_off & bpf_htons(0x1fff))
			return false;
		l4 = ip.protocol;
		e->family = 4;
		__builtin_memcpy(src, &ip.saddr, 4);
		__builtin_memcpy(dst, &ip.daddr, 4);
		if (th == NO_HEADER || th <= nh)
			th = nh + ip.ihl * 4;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return false;
		if (ip6.version != 6)
			return false;
		/* without extension headers only; the transport header tells
		 * where L4 starts when the stack got that far */
		l4 = ip6.nexthdr;
		e->family = 6;
		__builtin_memcpy(src, &ip6.saddr, 16);
		__builtin_memcpy(dst, &ip6.daddr, 16);
		if (th == NO_HEADER || th <= nh)
			th = nh + sizeof(ip6);
	} else {
		return false;
	}
	if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
		return false;
	if (bpf_probe_read_kernel(ports, sizeof(ports), head + th))
		return false;
	e->proto = l4;
	e->sport = bpf_ntohs(reverse ? ports[1] : ports[0]);
	e->dport = bpf_ntohs(reverse ? ports[0] : ports[1]);
	return true;
}

static __always_inline void skb_dev(const struct sk_buff *skb,
				    struct pl_tcp_event *e)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	if (!dev)
		return;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	BPF_CORE_READ_STR_INTO(&e->ifname, dev, name);
	e->flags |= PL_TCPF_IFACE;
	e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (e->netns)
		e->flags |= PL_TCPF_NETNS;
}

/* ---- resets ---- */

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(pl_receive_reset, struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct conn *c;
	struct pl_tcp_event *e;

	if (!is_tcp(sk))
		return 0;
	c = bpf_map_lookup_elem(&conns, &key);
	if (c && c->closer == PL_CLOSER_UNKNOWN)
		c->closer = PL_CLOSER_RST_RECV;
	e = new_event(PL_TCP_RESET);
	if (!e || !sk_tuple(sk, e))
		return 0;
	if (c)
		owner_to_event(c, e);
	submit(e);
	return 0;
}

/*
 * sk is the socket the reset is about: a full, request or time-wait socket,
 * or NULL when none matched; then skb, the packet answered, gives the ends.
 * skb is NULL for resets a socket sends on its own (tcp_send_active_reset).
 */
static __always_inline void send_reset(const struct sock *sk,
				       const struct sk_buff *skb, __u32 reason,
				       bool has_reason)
{
	struct pl_tcp_event *e;
	struct conn *c = NULL;
	__u64 key = (__u64)sk;

	if (sk) {
		if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_TIME_WAIT &&
		    BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_NEW_SYN_RECV)
			c = bpf_map_lookup_elem(&conns, &key);
		if (c && c->closer == PL_CLOSER_UNKNOWN)
			c->closer = PL_CLOSER_RST_SENT;
	}
	e = new_event(PL_TCP_RESET);
	if (!e)
		return;
	if (sk) {
		if (!sk_tuple(sk, e))
			return;
	} else {
		if (!skb || !skb_tuple(skb, e, true) || e->proto != IPPROTO_TCP)
			return;
		skb_dev(skb, e);
	}
	e->flags |= PL_TCPF_SENT;
	if (has_reason) {
		e->flags |= PL_TCPF_REASON;
		e->reason = reason;
	}
	if (c)
		owner_to_event(c, e);
	submit(e);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(pl_send_reset_reason, const struct sock *sk,
	     const struct sk_buff *skb, const enum sk_rst_reason reason)
{
	if (sk && !is_tcp(sk))
		return 0;
	send_reset(sk, skb, reason, true);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(pl_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	if (sk && !is_tcp(sk))
		return 0;
	send_reset(sk, skb, 0, false);
	return 0;
}

/* ---- RTT ---- */

SEC("tp_btf/tcp_probe")
int BPF_PROG(pl_tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u64 key = (__u64)sk;
	struct pl_tcp_event *e;
	struct conn *c;
	__u32 srtt, n;

	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0; /* not a connection we follow */
	srtt = BPF_CORE_READ(tp, srtt_us) >> 3;
	if (!srtt)
		return 0;
	c->rtt_n++;
	c->rtt_sum_us += srtt;
	if (srtt < c->rtt_min_us)
		c->rtt_min_us = srtt;
	if (srtt > c->rtt_max_us)
		c->rtt_max_us = srtt;
	n = c->probes++;
	if (rtt_every > 1 && n % rtt_every)
		return 0;
	e = new_event(PL_TCP_RTT);
	if (!e || !sk_tuple(sk, e))
		return 0;
	e->srtt_us = srtt;
	e->cwnd = BPF_CORE_READ(tp, snd_cwnd);
	owner_to_event(c, e);
	submit(e);
	return 0;
}

/* ---- drops ---- */

SEC("tp_btf/kfree_skb")
int BPF_PROG(pl_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	struct pl_tcp_event *e;
	__u32 r = reason;

	if (r < PL_TCP_DROP_IGNORE_MAX &&
	    (drop_ignore[(r / 64) & (PL_TCP_DROP_IGNORE_MAX / 64 - 1)] >> (r % 64)) & 1)
		return 0;
	e = new_event(PL_TCP_DROP);
	if (!e)
		return 0;
	if (!skb_tuple(skb, e, false))
		return 0; /* neither TCP nor UDP */
	e->flags |= PL_TCPF_REASON;
	e->reason = r;
	skb_dev(skb, e);
	submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
