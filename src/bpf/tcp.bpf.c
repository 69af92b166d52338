// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktlens tcp: the TCP stack's view of connections, from BTF tracepoints.
 *
 *   sock:inet_sock_set_state    states, connection table, summaries (two
 *                               programs: see pl_set_state_nested)
 *   tcp:tcp_destroy_sock        summaries of connections whose CLOSE was missed
 *   tcp:tcp_retransmit_skb      retransmits (with err on newer kernels)
 *   tcp:tcp_retransmit_synack   SYN-ACK retransmits of request sockets
 *   tcp:tcp_receive_reset       resets received
 *   tcp:tcp_send_reset          resets sent (with sk_rst_reason on newer kernels)
 *   tcp:tcp_probe               smoothed RTT and cwnd
 *   skb:kfree_skb               drops, with the kernel's skb_drop_reason
 *
 * Every socket field is read through CO-RE: BPF_CORE_READ, or a direct read
 * of a tracepoint's own argument where that runs at every call (the
 * verifier checks those against the kernel's BTF). A program whose
 * tracepoint the kernel lacks is not loaded (user space probes the BTF
 * first). Programs that exist in two variants (an argument added in later
 * kernels) are chosen the same way, since a tp_btf program may not read an
 * argument the kernel's tracepoint does not have.
 *
 * The connection table is keyed by the socket's cookie, filled when a
 * connection opens (SYN_SENT, SYN_RECV) and emptied when it reaches CLOSE
 * (or, failing that, when the socket is destroyed). It holds at most
 * max_conns connections (`live_conns` counts them exactly); a connection
 * that does not fit is counted as untracked, and still gets a summary,
 * without the parts only the table knows (start, owner, RTT). It is a
 * set-associative table in an array rather than a BPF hash map: see conns
 * for why.
 *
 * Records are built in per-CPU buffers, one per nesting level (a softirq's
 * hooks can run in the middle of a task's), filtered, and only then copied
 * to the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "filter/match.c"
#include "records/tcp_events.h"
#include "common.bpf.h"

/* BPF_PROG() names every tracepoint argument and ctx; not all are used */
#pragma clang diagnostic ignored "-Wunused-parameter"

#define AF_INET	   2
#define AF_INET6   10
#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD
#define PF_KTHREAD 0x00200000
#define S_IFMT	   00170000
#define S_IFSOCK   0140000
#define NO_HEADER  0xffff /* skb->*_header when unset */

/* Set by user space before load. */
const volatile __u32 kinds = (1u << PL_TCP_SUMMARY) | (1u << PL_TCP_RETRANS) |
			     (1u << PL_TCP_RESET) | (1u << PL_TCP_DROP);
const volatile __u32 rtt_every = 64;
const volatile __u32 filter_on = 0;
const volatile struct pl_filter filter = { .entry = PL_FILTER_ACCEPT };
const volatile __u64 drop_ignore[PL_TCP_DROP_IGNORE_MAX / 64] = {};
const volatile __u64 max_conns = 65536; /* --max-conns */
const volatile __u32 metrics_on = 0;	/* the agent's tcp: true */

/* Live entries of the connection table; user space reads it (--stats). */
__u64 live_conns = 0;

/* A connection we saw open. */
struct conn {
	__u64 start_ns;
	__u64 rtt_sum_us;
	__u32 rtt_min_us;
	__u32 rtt_max_us;
	__u32 rtt_n;   /* tcp_probe hits with an RTT, for --rtt-every too */
	__u32 netns;   /* read at the open, when its cache line is this CPU's */
	__u32 retrans; /* retransmits that went out */
	__u32 pid;
	char comm[PL_TCP_COMM_LEN];
	__u8 owner_src;	  /* enum pl_tcp_owner_src */
	__u8 closer;	  /* enum pl_tcp_closer */
	__u8 active;	  /* we connected */
	__u8 established; /* it reached ESTABLISHED */
	__u8 last_state;  /* the latest state we saw */
	__u8 _pad;
	__u16 lport; /* the local port (metrics by port: passive only) */
};

/*
 * The connection table. A socket's cookie picks a group: CONN_WAYS slots,
 * one cache line of cookies in conn_keys, whose entries are in conn_vals.
 * Finding an entry is one inlined array load and at most 8 compares; a
 * slot is taken with one compare-and-swap and given back with one store. A
 * BPF hash map did the same job with a helper call, a hash, a bucket lock
 * with interrupts off and a free list per update and delete: a third of
 * pl_set_state's time, measured. BPF_MAP_TYPE_SK_STORAGE, which needs no
 * key, was measured too and cost more still: creating a socket's storage
 * is two kzalloc()s with memory-cgroup charging, for every connection.
 *
 * The kernel hands out cookies in increasing runs, one run per CPU, so the
 * cookie's low bits as the group make each CPU's new connections walk the
 * groups in order. The cookies are apart from the entries (8 bytes a slot:
 * a megabyte for the default table, which the CPU's cache holds and its
 * prefetcher streams), and the entries are stored way by way, so that the
 * first way's of neighbouring groups are neighbours too: a group of cookies
 * next to its entries (576 bytes apart each) cost a cache miss per new
 * connection, a quarter of pl_set_state's time in the connection storm.
 *
 * User space sizes the arrays before load: 2 * max_conns slots rounded up
 * to a power of 2, so that a group is rarely full before the table is (a
 * connection whose group is full is untracked too).
 */
#define CONN_WAYS 8
const volatile __u32 conn_group_mask = 0; /* groups - 1 */

struct conn_group {
	__u64 sk[CONN_WAYS]; /* socket cookies; 0 is a free slot */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* page-aligned: groups on cache lines */
	__uint(max_entries, 1);		   /* groups, set by user space */
	__type(key, __u32);
	__type(value, struct conn_group);
} conn_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CONN_WAYS); /* slots, set by user space */
	__type(key, __u32);		/* way * groups + group */
	__type(value, struct conn);
} conn_vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pl_tcp_lkey);
	__type(value, struct pl_tcp_lval);
} listeners SEC(".maps");

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

/*
 * Per-CPU buffers, one per nesting level: a hook running in a task can be
 * interrupted by a softirq whose hooks run to completion before the task's
 * resumes (tracepoints run with preemption off), so levels nest strictly
 * and each level needs its own buffers. `nest` is this CPU's depth.
 */
#define MAX_NEST 4

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nest SEC(".maps");

/* The filter's view of a record: a packet with only its 4-tuple. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_NEST);
	__type(key, __u32);
	__type(value, struct pl_scratch);
} scratch SEC(".maps");

/* The record being built (too big for the stack next to the filter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_NEST);
	__type(key, __u32);
	__type(value, struct pl_tcp_event);
} evbuf SEC(".maps");

/* The ring's backlog this CPU saw last (the wake-up rule, common.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rb_last SEC(".maps");

/* Nonzero while pl_set_state runs on this CPU (see pl_set_state_nested). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} busy SEC(".maps");

/* ---- the agent's metrics (metrics_on), see records/tcp_events.h ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tcp_metrics);
} tcp_metrics SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PL_TCP_PORTS_MAX);
	__type(key, __u32); /* the port */
	__type(value, struct pl_tcp_metrics);
} tcp_port_metrics SEC(".maps");

/* A zeroed value to insert a port with (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tcp_metrics);
} tcp_metrics_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_TCP_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drop_counts SEC(".maps");

static __always_inline struct pl_tcp_metrics *metrics(void)
{
	__u32 zero = 0;

	return metrics_on ? bpf_map_lookup_elem(&tcp_metrics, &zero) : NULL;
}

/* The metrics of local port `port`, made on first use; NULL for port 0. */
static __always_inline struct pl_tcp_metrics *port_metrics(__u32 port)
{
	struct pl_tcp_metrics *m;
	__u32 zero = 0;
	void *z;

	if (!metrics_on || !port)
		return NULL;
	m = bpf_map_lookup_elem(&tcp_port_metrics, &port);
	if (m)
		return m;
	z = bpf_map_lookup_elem(&tcp_metrics_zero, &zero);
	if (!z)
		return NULL;
	bpf_map_update_elem(&tcp_port_metrics, &port, z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tcp_port_metrics, &port);
}

/* The totals and a port's metrics (NULL: none), each looked up once for
 * all a hook run adds: the port's is an LRU hash lookup, not inlined. */
struct mset {
	struct pl_tcp_metrics *tot, *port;
};

static __always_inline struct mset mset_of(__u32 port)
{
	struct mset ms = { metrics(), NULL };

	if (ms.tot)
		ms.port = port_metrics(port);
	return ms;
}

/* Adds 1 to metric `which` in the totals and in the port's. */
static __always_inline void mset_count(const struct mset *ms, __u32 which)
{
	if (which >= PL_TM__COUNT)
		return;
	if (ms->tot)
		ms->tot->n[which]++;
	if (ms->port)
		ms->port->n[which]++;
}

/* Adds 1 to metric `which` in the totals and in port's (0: no port). */
static __always_inline void mcount(__u32 which, __u32 port)
{
	struct mset ms = mset_of(port);

	mset_count(&ms, which);
}

static __always_inline void count(__u32 which)
{
	pl_count(&counters, which);
}

static __always_inline bool wanted(__u32 kind)
{
	return kinds & (1u << kind);
}

/* Enters a nesting level; false when too deep (the record is lost). */
static __always_inline bool enter(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&nest, &zero);

	if (!n || *n >= MAX_NEST) {
		count(PL_TCNT_LOST);
		return false;
	}
	*n += 1;
	return true;
}

static __always_inline void leave(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&nest, &zero);

	if (n && *n)
		*n -= 1;
}

/* This CPU's current level, between enter() and leave(). */
static __always_inline __u32 level(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&nest, &zero);

	return n && *n ? (*n - 1) & (MAX_NEST - 1) : 0;
}

/* An empty record of this level's buffer. */
static __always_inline struct pl_tcp_event *blank_event(void)
{
	__u32 lvl = level();
	struct pl_tcp_event *e = bpf_map_lookup_elem(&evbuf, &lvl);

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PL_EV_TCP;
	e->proto = IPPROTO_TCP;
	return e;
}

/* A fresh record of `kind`, or NULL when that kind was not asked for. */
static __always_inline struct pl_tcp_event *new_event(__u32 kind)
{
	struct pl_tcp_event *e;

	if (!wanted(kind))
		return NULL;
	e = blank_event();
	if (!e)
		return NULL;
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/*
 * The filter sees a record as the headers of a packet that carries its
 * 4-tuple (source = the local end for socket events, the packet's source
 * for drops): Ethernet, IPv4 or IPv6 without options, and the ports at the
 * start of a TCP or UDP header; the filter reads headers at libpcap's
 * offsets. Inlined: libpcap's code goes into a region of each program
 * (filter/match.c), which user space reaches only in a program's own
 * instructions.
 */
#define F_L3 14
static __always_inline int pl_tcp_filter(const struct pl_tcp_event *e)
{
	__u32 lvl = level(), l4;
	struct pl_scratch *s = bpf_map_lookup_elem(&scratch, &lvl);
	__u8 *b;

	if (!s || !e)
		return 0;
	b = s->buf;
	__builtin_memset(b, 0, 14 + 40 + 20);
	if (e->family == 4) {
		b[12] = ETH_P_IP >> 8;
		b[13] = ETH_P_IP & 0xff;
		b[F_L3] = 0x45;
		b[F_L3 + 3] = e->proto == IPPROTO_TCP ? 40 : 28; /* total length */
		b[F_L3 + 8] = 64;
		b[F_L3 + 9] = e->proto;
		__builtin_memcpy(b + F_L3 + 12, e->saddr, 4);
		__builtin_memcpy(b + F_L3 + 16, e->daddr, 4);
		l4 = F_L3 + 20;
	} else {
		b[12] = ETH_P_IPV6 >> 8;
		b[13] = ETH_P_IPV6 & 0xff;
		b[F_L3] = 0x60;
		b[F_L3 + 5] = e->proto == IPPROTO_TCP ? 20 : 8; /* payload length */
		b[F_L3 + 6] = e->proto;
		b[F_L3 + 7] = 64;
		__builtin_memcpy(b + F_L3 + 8, e->saddr, 16);
		__builtin_memcpy(b + F_L3 + 24, e->daddr, 16);
		l4 = F_L3 + 40;
	}
	b[l4 & 0x7f] = e->sport >> 8;
	b[(l4 + 1) & 0x7f] = e->sport & 0xff;
	b[(l4 + 2) & 0x7f] = e->dport >> 8;
	b[(l4 + 3) & 0x7f] = e->dport & 0xff;
	if (e->proto == IPPROTO_TCP)
		b[(l4 + 12) & 0x7f] = 0x50; /* data offset: 20 bytes */
	else
		b[(l4 + 5) & 0x7f] = 8; /* UDP length */
	s->len = l4 + (e->proto == IPPROTO_TCP ? 20 : 8);
	s->avail = s->len;
	s->linktype = PL_LINK_ETHERNET;
	s->l3_off = F_L3;
	s->ev.pkt.present = 0; /* no L7 fields */
	s->ev.pkt.frame_len = s->len;
	s->cbpf_mem[16] = s->len;
	s->cbpf_bits = filter.n_blocks ? pl_cbpf_region(s->buf, s->len, s->cbpf_mem) : 0;
	return pl_filter_match(&filter, s);
}

static __always_inline bool filter_match(const struct pl_tcp_event *e)
{
	return !filter_on || pl_tcp_filter(e);
}

/* Counts a complete record, filters it, copies it to the ring buffer. */
static __always_inline void submit(struct pl_tcp_event *e)
{
	__u32 zero = 0;

	count(PL_TCNT_SEEN);
	if (!filter_match(e))
		return;
	count(PL_TCNT_MATCHED);
	pl_emit(&events, &counters, bpf_map_lookup_elem(&rb_last, &zero), e, sizeof(*e),
		PL_TCNT_EMITTED, PL_TCNT_LOST);
}

/* ---- sockets ---- */

static __always_inline bool v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* The socket's ends, from sock_common (valid for full, request and
 * time-wait sockets alike). Returns false for families other than IP. */
static __always_inline bool sk_tuple(const struct sock *sk, struct pl_tcp_event *e)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family == AF_INET) {
		e->family = 4;
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		e->family = 6;
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
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
	/* a full socket gives up its port (skc_num) on the way to CLOSE but
	 * keeps inet_sport; request and time-wait sockets are no inet_sock */
	if (!e->sport && e->state != TCP_TIME_WAIT && e->state != TCP_NEW_SYN_RECV)
		e->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->flags |= PL_TCPF_STATE;
	return true;
}

/* A full TCP socket? For sockets reached through probe reads. */
/*
 * The same for a full socket that is a tracepoint's argument, read
 * directly: the verifier knows the pointer's BTF type and the loads are
 * CO-RE relocated, without a helper call per field. Used where it runs at
 * every state change.
 */
static __always_inline bool sk_tuple_full(const struct sock *sk, const struct tcp_sock *tp,
					  const struct conn *c, struct pl_tcp_event *e)
{
	__u16 family = sk->__sk_common.skc_family;
	__u32 *s32 = (__u32 *)e->saddr, *d32 = (__u32 *)e->daddr;
	int i;

	if (family == AF_INET) {
		e->family = 4;
		s32[0] = sk->__sk_common.skc_rcv_saddr;
		d32[0] = sk->__sk_common.skc_daddr;
	} else if (family == AF_INET6) {
		e->family = 6;
		for (i = 0; i < 4; i++) {
			s32[i] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			d32[i] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i];
		}
		if (v4mapped(e->daddr)) {
			e->family = 4;
			s32[0] = s32[3];
			d32[0] = d32[3];
			s32[1] = s32[2] = s32[3] = 0;
			d32[1] = d32[2] = d32[3] = 0;
		}
	} else {
		return false;
	}
	e->sport = sk->__sk_common.skc_num;
	e->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	/* the namespace's line is written by every socket made or freed in
	 * it, on any CPU: the table's copy, where there is one */
	if (c) {
		e->netns = c->netns;
		/* two loads: the verifier refuses one of a map value or a socket */
		asm volatile("" ::: "memory");
	} else {
		e->netns = sk->__sk_common.skc_net.net->ns.inum;
	}
	if (e->netns)
		e->flags |= PL_TCPF_NETNS;
	e->state = sk->__sk_common.skc_state;
	e->flags |= PL_TCPF_STATE;
	/* the port is given up (skc_num) on the way to CLOSE, not inet_sport */
	if (!e->sport && tp)
		e->sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	return true;
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP &&
	       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type) == 1 /* SOCK_STREAM */;
}

/*
 * The same for a full socket that is a tracepoint's argument: the verifier
 * knows its BTF type, so the CO-RE relocated fields are read directly,
 * without a helper call. Runs at every state change.
 */
static __always_inline bool is_tcp_arg(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD(sk, sk_protocol) == IPPROTO_TCP &&
	       BPF_CORE_READ_BITFIELD(sk, sk_type) == 1 /* SOCK_STREAM */;
}

static __always_inline void owner_to_event(const struct conn *c, struct pl_tcp_event *e)
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
 * threads get no owner. sk is a tracepoint's argument and the task is the
 * kernel's own pointer: both are read directly (CO-RE relocated).
 */
static __always_inline bool current_owner(const struct sock *sk, __u32 *pid, char *comm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct socket *so;

	if (t->flags & PF_KTHREAD)
		return false;
	so = sk->sk_socket;
	if (!so || !so->file)
		return false;
	*pid = bpf_get_current_pid_tgid() >> 32;
	/* the kernel pads comm with NULs (strscpy_pad): a plain copy of its
	 * 16 bytes is the string, without a helper call */
	__builtin_memcpy(comm, t->group_leader->comm, PL_TCP_COMM_LEN);
	return true;
}

/* sk is a tracepoint's argument: read directly (CO-RE relocated). */
static __always_inline void listener_key(const struct sock *sk, struct pl_tcp_lkey *k)
{
	k->netns = sk->__sk_common.skc_net.net->ns.inum;
	k->port = sk->__sk_common.skc_num;
	k->_pad = 0;
}

/*
 * The table's key: the socket's cookie, a number the kernel gives a socket
 * once and never to another (never 0). The verifier allows no arithmetic on
 * a socket pointer, so its address cannot be hashed; and unlike an address
 * a cookie is not reused by the next socket allocated there.
 */
static __always_inline __u64 sk_key(const struct sock *sk)
{
	return bpf_get_socket_cookie((void *)sk);
}

/* The group of slots where key's entry is, if anywhere; *g its number. */
static __always_inline struct conn_group *conn_group_of(__u64 key, __u32 *g)
{
	*g = (__u32)key & conn_group_mask;
	if (!key)
		return NULL;
	return bpf_map_lookup_elem(&conn_keys, g);
}

/* The entry of way i of group g. */
static __always_inline struct conn *conn_at(__u32 g, __u32 i)
{
	__u32 slot = i * (conn_group_mask + 1) + g;

	return bpf_map_lookup_elem(&conn_vals, &slot);
}

/* The entry of the socket whose key this is, or NULL. */
static __always_inline struct conn *conn_of(__u64 key)
{
	__u32 g, i;
	struct conn_group *grp = conn_group_of(key, &g);

	if (!grp)
		return NULL;
	for (i = 0; i < CONN_WAYS; i++)
		if (grp->sk[i] == key)
			return conn_at(g, i);
	return NULL;
}

/* The socket leaves the table. */
static __always_inline void untrack(__u64 key)
{
	__u32 g, i;
	struct conn_group *grp = conn_group_of(key, &g);

	if (!grp)
		return;
	for (i = 0; i < CONN_WAYS; i++) {
		if (grp->sk[i] == key) {
			grp->sk[i] = 0;
			__sync_fetch_and_add(&live_conns, -1);
			return;
		}
	}
}

/* A connection opens: add it to the table (or count it as untracked). */
static __always_inline void track(const struct sock *sk, __u64 key, bool active)
{
	__u32 g, i;
	struct conn_group *grp = conn_group_of(key, &g);
	struct conn *c = NULL;

	if (!grp)
		goto untracked;
	/* an entry here already is one whose CLOSE went unseen (the socket
	 * connects again): reuse it */
	for (i = 0; i < CONN_WAYS; i++)
		if (grp->sk[i] == key)
			break;
	if (i == CONN_WAYS) {
		/* take a place first, so that two CPUs cannot both take the last */
		if (__sync_fetch_and_add(&live_conns, 1) >= max_conns)
			goto full;
		for (i = 0; i < CONN_WAYS; i++)
			if (!grp->sk[i] && !__sync_val_compare_and_swap(&grp->sk[i], 0, key))
				break;
		if (i == CONN_WAYS)
			goto full; /* the group is full */
	}
	c = conn_at(g, i);
	if (!c)
		return; /* cannot be: both arrays have every group */
	__builtin_memset(c, 0, sizeof(*c));
	c->start_ns = bpf_ktime_get_ns();
	c->rtt_min_us = 0xffffffff;
	c->last_state = active ? TCP_SYN_SENT : TCP_SYN_RECV;
	c->active = active;
	c->lport = active ? 0 : sk->__sk_common.skc_num;
	c->netns = sk->__sk_common.skc_net.net->ns.inum;
	if (active) {
		if (current_owner(sk, &c->pid, c->comm))
			c->owner_src = PL_OWNER_CONNECT;
	} else {
		struct pl_tcp_lkey k;
		struct pl_tcp_lval *l;

		listener_key(sk, &k);
		l = bpf_map_lookup_elem(&listeners, &k);
		if (l && !l->ambiguous) {
			c->owner_src = PL_OWNER_LISTENER;
			c->pid = l->pid;
			__builtin_memcpy(c->comm, l->comm, sizeof(c->comm));
		} else if (!l) {
			count(PL_TCNT_NO_LISTENER); /* user space scans /proc again */
		}
	}
	return;
full:
	__sync_fetch_and_add(&live_conns, -1);
untracked:
	count(PL_TCNT_UNTRACKED);
}

/*
 * A listening socket closes: its port no longer names an owner (the next
 * /proc scan finds any other listener on it).
 */
static __always_inline void listener_closed(const struct sock *sk)
{
	struct pl_tcp_lkey k;

	listener_key(sk, &k);
	bpf_map_delete_elem(&listeners, &k);
}

static __always_inline void summary(const struct sock *sk, const struct tcp_sock *tp,
				    struct conn *c, int oldstate)
{
	struct pl_tcp_event *e = new_event(PL_TCP_SUMMARY);

	if (!e)
		return;
	if (!sk_tuple_full(sk, tp, c, e))
		return;
	e->state = oldstate; /* the last state before CLOSE */
	e->bytes_acked = tp->bytes_acked;
	e->bytes_received = tp->bytes_received;
	/*
	 * The kernel counts sequence space (RFC 4898): the SYN when an active
	 * open's SYN is acked, our FIN once acked, their FIN once received
	 * (tcp_fin() sets SOCK_DONE). Take them out to get the data bytes.
	 */
	e->data_received = e->bytes_received;
	if ((sk->__sk_common.skc_flags >> bpf_core_enum_value(enum sock_flags, SOCK_DONE)) & 1 &&
	    e->data_received)
		e->data_received--;
	e->data_acked = e->bytes_acked;
	if ((oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING ||
	     oldstate == TCP_LAST_ACK) &&
	    tp->snd_una == tp->write_seq && e->data_acked)
		e->data_acked--;
	if (c) {
		/* only the table knows whether the SYN was ours */
		if (c->active && c->established && e->data_acked)
			e->data_acked--;
		e->flags |= PL_TCPF_DATA_SENT;
	}
	e->segs_out = tp->segs_out;
	e->segs_in = tp->segs_in;
	e->total_retrans = tp->total_retrans;
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

/* A histogram of the totals and of the port's. */
#define HIST_RTT	0
#define HIST_HANDSHAKE	1
#define HIST_DURATION	2
static __always_inline struct pl_hist *hist_of(struct pl_tcp_metrics *m, __u32 which)
{
	return which == HIST_RTT ? &m->rtt : which == HIST_HANDSHAKE ? &m->handshake : &m->duration;
}

static __always_inline void mset_hist(const struct mset *ms, __u32 which, __u64 us)
{
	if (ms->tot)
		pl_hist_add(hist_of(ms->tot, which), us);
	if (ms->port)
		pl_hist_add(hist_of(ms->port, which), us);
}

/*
 * The metrics of a state change (metrics_on). c is NULL for connections
 * we did not see open (or that did not fit the table): they count as
 * closed, without histograms or port. abort: an abortive close (see
 * set_state), whose reset the kernel sends once the socket is CLOSE and
 * out of the table: the port's count of resets sent takes it here (the
 * totals when the reset hook runs).
 */
static __always_inline void state_metrics(const struct sock *sk, const struct tcp_sock *tp,
					  const struct conn *c, int oldstate, int newstate,
					  bool abort)
{
	struct mset ms;
	__u64 now;

	if (!metrics_on)
		return;
	/* only these changes count anything */
	if (!(newstate == TCP_ESTABLISHED && c) && !(oldstate == TCP_ESTABLISHED && c && c->established) &&
	    (newstate != TCP_CLOSE || oldstate == TCP_LISTEN))
		return;
	ms = mset_of(c ? c->lport : 0);
	if (newstate == TCP_ESTABLISHED && c) {
		mset_count(&ms, PL_TM_ESTAB_IN);
		/*
		 * Active: from our SYN. Passive: the child socket is made when
		 * the handshake's last ACK comes, so its age says nothing; the
		 * kernel has just taken the SYN-ACK's round trip as its first
		 * RTT sample (tcp_synack_rtt_meas), which is the time from the
		 * SYN to ESTABLISHED less the time to answer the SYN.
		 */
		now = bpf_ktime_get_ns();
		if (c->active)
			mset_hist(&ms, HIST_HANDSHAKE, (now - c->start_ns) / 1000);
		else if (tp->srtt_us >> 3)
			mset_hist(&ms, HIST_HANDSHAKE, tp->srtt_us >> 3);
		else
			mset_hist(&ms, HIST_HANDSHAKE, (now - c->start_ns) / 1000);
	} else if (oldstate == TCP_ESTABLISHED && c && c->established) {
		mset_count(&ms, PL_TM_ESTAB_OUT);
	}
	if (newstate != TCP_CLOSE || oldstate == TCP_LISTEN)
		return;
	if (abort && ms.port)
		ms.port->n[PL_TM_RST_SENT]++;
	if (c && (c->closer == PL_CLOSER_RST_SENT || c->closer == PL_CLOSER_RST_RECV))
		mset_count(&ms, PL_TM_CLOSE_RESET);
	else if (sk->sk_err == 104 /* ECONNRESET */ || sk->sk_err == 111 /* ECONNREFUSED */ ||
		 sk->sk_err == 32 /* EPIPE: a reset in CLOSE_WAIT */)
		mset_count(&ms, PL_TM_CLOSE_RESET);
	else if (sk->sk_err)
		/* ETIMEDOUT, or the soft error the retransmits ended on
		 * (EHOSTUNREACH from an ICMP error, say): tcp_write_err() */
		mset_count(&ms, PL_TM_CLOSE_TIMEOUT);
	else
		mset_count(&ms, PL_TM_CLOSE_NORMAL);
	if (tp->srtt_us >> 3)
		mset_hist(&ms, HIST_RTT, tp->srtt_us >> 3);
	if (c)
		mset_hist(&ms, HIST_DURATION, (bpf_ktime_get_ns() - c->start_ns) / 1000);
}

static __always_inline void set_state(const struct sock *sk, const struct tcp_sock *tp,
				      int oldstate, int newstate)
{
	__u64 key = sk_key(sk);
	struct pl_tcp_event *e;
	struct conn *c;
	bool abort;

	if (newstate == TCP_SYN_SENT && oldstate == TCP_CLOSE) {
		track(sk, key, true);
		mcount(PL_TM_OPEN_ACTIVE, 0);
	} else if (newstate == TCP_SYN_RECV && oldstate == TCP_LISTEN) {
		track(sk, key, false);
		mcount(PL_TM_OPEN_PASSIVE, sk->__sk_common.skc_num);
	}

	c = conn_of(key);
	/*
	 * Abortive closes (SO_LINGER 0: tcp_disconnect(); close() with
	 * unread data) go from ESTABLISHED or CLOSE_WAIT to CLOSE with no
	 * error yet and only then send their reset, when the connection is
	 * out of the table. No other way leaves those states for CLOSE
	 * without an error (a reset received or a timeout set sk_err first).
	 */
	abort = newstate == TCP_CLOSE && !sk->sk_err &&
		(oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT);
	if (abort && c && c->closer == PL_CLOSER_UNKNOWN)
		c->closer = PL_CLOSER_RST_SENT;
	state_metrics(sk, tp, c, oldstate, newstate, abort);
	if (c) {
		/*
		 * Only a close() or shutdown() of the socket moves it to
		 * FIN_WAIT1 or LAST_ACK: the task doing it holds the socket.
		 * For a passive open that names the process that accepted it.
		 */
		if (!c->active && c->owner_src != PL_OWNER_CLOSE &&
		    (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK) &&
		    current_owner(sk, &c->pid, c->comm))
			c->owner_src = PL_OWNER_CLOSE;
		c->last_state = newstate;
		if (newstate == TCP_ESTABLISHED)
			c->established = 1;
		if (c->closer == PL_CLOSER_UNKNOWN && newstate == TCP_FIN_WAIT1)
			c->closer = PL_CLOSER_LOCAL;
		else if (c->closer == PL_CLOSER_UNKNOWN && newstate == TCP_CLOSE_WAIT)
			c->closer = PL_CLOSER_REMOTE;
	}

	e = new_event(PL_TCP_STATE);
	if (e && sk_tuple_full(sk, tp, c, e)) {
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
			summary(sk, tp, c, oldstate);
			if (c)
				untrack(key);
		}
	} else if (newstate == TCP_ESTABLISHED && c && filter_on) {
		/* the 4-tuple is complete now: a connection the filter does not
		 * want needs no room in the table */
		e = blank_event();
		if (e && sk_tuple_full(sk, tp, c, e) && !filter_match(e))
			untrack(key);
	}
}

static __always_inline void set_busy(__u32 v)
{
	__u32 zero = 0, *b = bpf_map_lookup_elem(&busy, &zero);

	if (b)
		*b = v;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	/* NULL unless a full TCP socket */
	const struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

	if (!tp || !enter())
		return 0;
	set_busy(1);
	set_state(sk, tp, oldstate, newstate);
	set_busy(0);
	leave();
	return 0;
}

/*
 * The kernel does not run a program that is already running on this CPU:
 * a state change in a softirq that interrupts pl_set_state in a task would
 * be missed (the program's recursion_misses). This twin, attached to the
 * same tracepoint, handles exactly those: it acts only while pl_set_state
 * is busy on this CPU, which outside such an interruption it never is when
 * the twin runs.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_set_state_nested, const struct sock *sk, const int oldstate, const int newstate)
{
	__u32 zero = 0, *b = bpf_map_lookup_elem(&busy, &zero);
	const struct tcp_sock *tp;

	if (!b || !*b)
		return 0;
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp || !enter())
		return 0;
	count(PL_TCNT_TAKEN_OVER);
	set_state(sk, tp, oldstate, newstate);
	leave();
	return 0;
}

/*
 * A socket is destroyed after its CLOSE. Still in the table means that
 * CLOSE went by unseen (both programs were busy on that CPU): summarise
 * the connection now with what the table knows, and free its entry, so
 * the table cannot fill with the dead.
 */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(pl_destroy_sock, struct sock *sk)
{
	__u64 key = sk_key(sk);
	struct conn *c = conn_of(key);
	const struct tcp_sock *tp;

	if (!c)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (tp && enter()) {
		state_metrics(sk, tp, c, c->last_state, TCP_CLOSE, false);
		summary(sk, tp, c, c->last_state);
		leave();
	}
	untrack(key);
	return 0;
}

/* ---- retransmits ---- */

static __always_inline void retrans(const struct sock *sk, const struct sk_buff *skb, int err,
				    bool has_err)
{
	struct pl_tcp_event *e;
	const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)skb->cb;
	__u32 seq, end_seq;
	struct conn *c;

	if (!is_tcp_arg(sk))
		return;
	c = conn_of(sk_key(sk));
	if (c && err == 0)
		c->retrans++;
	if (err == 0)
		mcount(PL_TM_RETRANS, c ? c->lport : 0);
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
int BPF_PROG(pl_retransmit_skb_err, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (enter()) {
		retrans(sk, skb, err, true);
		leave();
	}
	return 0;
}

/* Kernels before the err argument: the tracepoint fired on success only. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(pl_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	if (enter()) {
		retrans(sk, skb, 0, false);
		leave();
	}
	return 0;
}

static __always_inline void retrans_synack(const struct sock *sk, const struct request_sock *req)
{
	const struct sock *rsk = (const struct sock *)req;
	struct pl_tcp_event *e;
	struct pl_tcp_lkey k;
	struct pl_tcp_lval *l;

	if (!is_tcp_arg(sk))
		return;
	mcount(PL_TM_RETRANS, sk->__sk_common.skc_num); /* sk: the listener */
	e = new_event(PL_TCP_RETRANS);
	if (!e || !sk_tuple(rsk, e))
		return;
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
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(pl_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	if (enter()) {
		retrans_synack(sk, req);
		leave();
	}
	return 0;
}

/* ---- packets: the ends of an skb's IP/TCP or IP/UDP headers ---- */

/*
 * Reads the addresses and ports of a TCP or UDP packet from its headers.
 * With `reverse`, source and destination swap (the reply's view).
 * Returns false when the packet is neither, or its headers are not set.
 */
static __always_inline bool skb_tuple(const struct sk_buff *skb, struct pl_tcp_event *e,
				      bool reverse)
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

static __always_inline void skb_dev(const struct sk_buff *skb, struct pl_tcp_event *e)
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

static __always_inline void receive_reset(struct sock *sk)
{
	struct conn *c;
	struct pl_tcp_event *e;

	if (!is_tcp_arg(sk))
		return;
	c = conn_of(sk_key(sk));
	if (c && c->closer == PL_CLOSER_UNKNOWN)
		c->closer = PL_CLOSER_RST_RECV;
	mcount(PL_TM_RST_RECV, c ? c->lport : 0);
	e = new_event(PL_TCP_RESET);
	if (!e || !sk_tuple(sk, e))
		return;
	if (c)
		owner_to_event(c, e);
	submit(e);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(pl_receive_reset, struct sock *sk)
{
	if (enter()) {
		receive_reset(sk);
		leave();
	}
	return 0;
}

/* Time-wait and request sockets are TCP's alone (and have no
 * sk_protocol); a full socket is asked. */
static __always_inline bool reset_sock_is_tcp(const struct sock *sk)
{
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	return state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV || is_tcp_arg(sk);
}

/*
 * A reset sent, counted by the local port of a passive connection, a
 * request socket (the listener's port), or, without a socket, of the
 * packet answered (a port with no socket, or a segment no socket wanted).
 */
static __always_inline void reset_sent_metrics(const struct sock *sk, const struct sk_buff *skb,
					       const struct conn *c)
{
	struct pl_tcp_event *e;
	__u32 port = 0;

	if (c)
		port = c->lport;
	else if (sk && BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_NEW_SYN_RECV)
		port = BPF_CORE_READ(sk, __sk_common.skc_num);
	else if (!sk && skb && (e = blank_event()) && skb_tuple(skb, e, true) &&
		 e->proto == IPPROTO_TCP)
		port = e->sport;
	mcount(PL_TM_RST_SENT, port);
}

/*
 * sk is the socket the reset is about: a full, request or time-wait socket,
 * or NULL when none matched; then skb, the packet answered, gives the ends.
 * skb is NULL for resets a socket sends on its own (tcp_send_active_reset).
 */
static __always_inline void send_reset(const struct sock *sk, const struct sk_buff *skb,
				       __u32 reason, bool has_reason)
{
	struct pl_tcp_event *e;
	struct conn *c = NULL;

	if (sk) {
		if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_TIME_WAIT &&
		    BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_NEW_SYN_RECV)
			c = conn_of(sk_key(sk));
		if (c && c->closer == PL_CLOSER_UNKNOWN)
			c->closer = PL_CLOSER_RST_SENT;
	}
	if (metrics_on)
		reset_sent_metrics(sk, skb, c);
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
int BPF_PROG(pl_send_reset_reason, const struct sock *sk, const struct sk_buff *skb,
	     const enum sk_rst_reason reason)
{
	if (sk && !reset_sock_is_tcp(sk))
		return 0;
	if (enter()) {
		send_reset(sk, skb, reason, true);
		leave();
	}
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(pl_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	if (sk && !reset_sock_is_tcp(sk))
		return 0;
	if (enter()) {
		send_reset(sk, skb, 0, false);
		leave();
	}
	return 0;
}

/* ---- RTT ---- */

SEC("tp_btf/tcp_probe")
int BPF_PROG(pl_tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp;
	struct pl_tcp_event *e;
	struct conn *c;
	__u32 srtt, n;

	c = conn_of(sk_key(sk));
	if (!c)
		return 0; /* not a connection we follow */
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	srtt = tp->srtt_us >> 3;
	if (!srtt)
		return 0;
	c->rtt_n++;
	c->rtt_sum_us += srtt;
	if (srtt < c->rtt_min_us)
		c->rtt_min_us = srtt;
	if (srtt > c->rtt_max_us)
		c->rtt_max_us = srtt;
	n = c->rtt_n - 1;
	if (!wanted(PL_TCP_RTT) || (rtt_every > 1 && n % rtt_every) || !enter())
		return 0;
	e = new_event(PL_TCP_RTT);
	if (e && sk_tuple_full(sk, tp, c, e)) {
		e->srtt_us = srtt;
		e->cwnd = tp->snd_cwnd;
		owner_to_event(c, e);
		submit(e);
	}
	leave();
	return 0;
}

/* ---- drops ---- */

SEC("tp_btf/kfree_skb")
int BPF_PROG(pl_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct pl_tcp_event *e;
	__u32 r = reason;

	if (r < PL_TCP_DROP_IGNORE_MAX) {
		__u32 i = r / 64;

		barrier_var(i); /* keep the bound check on the index itself */
		if (i < PL_TCP_DROP_IGNORE_MAX / 64 && (drop_ignore[i] >> (r % 64)) & 1)
			return 0;
	}
	if (metrics_on) {
		/* every drop, of any protocol, by reason */
		__u32 slot = r < PL_TCP_DROP_IGNORE_MAX ? r : PL_TCP_DROP_IGNORE_MAX;
		__u64 *n = bpf_map_lookup_elem(&drop_counts, &slot);

		if (n)
			*n += 1;
	}
	if (!wanted(PL_TCP_DROP) || !enter())
		return 0;
	e = new_event(PL_TCP_DROP);
	/* neither TCP nor UDP: no record */
	if (e && skb_tuple(skb, e, false)) {
		e->flags |= PL_TCPF_REASON;
		e->reason = r;
		skb_dev(skb, e);
		submit(e);
	}
	leave();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
