/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Records of `pktlens tcp`, shared by src/bpf/tcp.bpf.c and src/cmd/tcp/tcp.c.
 *
 * Only fixed-width types and explicit padding. Addresses are in network
 * order, ports in host order. One flat record for every kind of event; the
 * kind says which fields mean something, `flags` says which optional ones
 * are known (absent ones are left out of the output, never printed as 0).
 */
#ifndef PKTLENS_TCP_EVENTS_H
#define PKTLENS_TCP_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include "records/hist.h"

#define PL_TCP_COMM_LEN	  16
#define PL_TCP_IFNAME_LEN 16

/* Ring-buffer record type; tcp records have a ring buffer of their own. */
#define PL_EV_TCP 0x7463 /* "tc" */

/* What happened; also the bit (1 << kind) in --events. */
enum pl_tcp_kind {
	PL_TCP_STATE = 0,   /* a state transition */
	PL_TCP_SUMMARY = 1, /* a connection closed */
	PL_TCP_RETRANS = 2, /* a segment (or SYN-ACK) was retransmitted */
	PL_TCP_RESET = 3,   /* a reset was sent or received */
	PL_TCP_RTT = 4,	    /* a smoothed-RTT sample from tcp_probe */
	PL_TCP_DROP = 5,    /* kfree_skb dropped a TCP or UDP packet */
	PL_TCP__KINDS,
};

/* pl_tcp_event.flags */
enum pl_tcp_flag {
	PL_TCPF_OWNER = 1u << 0,      /* pid and comm are the socket's owner */
	PL_TCPF_START = 1u << 1,      /* start_ns: we saw the connection open */
	PL_TCPF_NETNS = 1u << 2,      /* netns is known */
	PL_TCPF_ACTIVE = 1u << 3,     /* we connected (direction egress) */
	PL_TCPF_PASSIVE = 1u << 4,    /* they connected (direction ingress) */
	PL_TCPF_STATE = 1u << 5,      /* state is known */
	PL_TCPF_SENT = 1u << 6,	      /* reset: sent (else received) */
	PL_TCPF_REASON = 1u << 7,     /* reason is known (drop, sent reset) */
	PL_TCPF_IFACE = 1u << 8,      /* ifindex and ifname are known */
	PL_TCPF_SYNACK = 1u << 9,     /* retrans: a SYN-ACK of a request socket */
	PL_TCPF_ERR = 1u << 10,	      /* retrans: err is the kernel's error */
	PL_TCPF_RTT = 1u << 11,	      /* summary: rtt_* hold samples */
	PL_TCPF_TRACKED = 1u << 12,   /* the connection is in the table */
	PL_TCPF_DATA_SENT = 1u << 13, /* summary: data_acked is known */
};

/* Who closed first (summary). */
enum pl_tcp_closer {
	PL_CLOSER_UNKNOWN = 0,
	PL_CLOSER_LOCAL,    /* we sent the first FIN */
	PL_CLOSER_REMOTE,   /* they sent the first FIN */
	PL_CLOSER_RST_SENT, /* we reset it */
	PL_CLOSER_RST_RECV, /* they reset it */
};

/* Owner of a socket, where we learned it. */
enum pl_tcp_owner_src {
	PL_OWNER_NONE = 0,
	PL_OWNER_CONNECT,  /* the task that called connect() */
	PL_OWNER_LISTENER, /* the owner of the listening socket */
	PL_OWNER_CLOSE,	   /* the task that closed (or shut down) the socket */
};

struct pl_tcp_event {
	__u16 type;	/* PL_EV_TCP */
	__u8 kind;	/* enum pl_tcp_kind */
	__u8 family;	/* 4 or 6 (IPv4-mapped IPv6 sockets are 4) */
	__u16 flags;	/* enum pl_tcp_flag */
	__u8 state;	/* TCP state (kernel numbering) */
	__u8 old_state; /* state: the state before */
	__u8 proto;	/* 6 (TCP) or 17 (UDP, drops only) */
	__u8 closer;	/* summary: enum pl_tcp_closer */
	__u8 owner_src; /* enum pl_tcp_owner_src */
	__u8 _pad0;
	__u16 sport; /* source: the local end for socket events, */
	__u16 dport; /* the packet's source for drops */
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 netns;		    /* network namespace inode */
	__u32 pid;		    /* process (thread group) id */
	char comm[PL_TCP_COMM_LEN]; /* process name */
	__u64 ts_ns;		    /* bpf_ktime_get_ns(); user space adds the epoch */
	__u64 start_ns;		    /* summary: when the connection opened */
	__u64 bytes_acked;	    /* summary: tcp_sock.bytes_acked (we sent) */
	__u64 bytes_received;	    /* summary: tcp_sock.bytes_received */
	__u64 data_acked;	    /* summary: bytes_acked less the SYN and FIN */
	__u64 data_received;	    /* summary: bytes_received less the FIN */
	__u32 segs_out;		    /* summary */
	__u32 segs_in;
	__u32 retrans;	     /* summary: retransmits seen; retrans: 1 */
	__u32 total_retrans; /* summary: tcp_sock.total_retrans (segments) */
	__u32 srtt_us;	     /* rtt: smoothed RTT */
	__u32 cwnd;	     /* rtt: congestion window, in segments */
	__u32 rtt_min_us;    /* summary: over every tcp_probe sample */
	__u32 rtt_max_us;
	__u64 rtt_sum_us;
	__u32 rtt_n;
	__u32 seq;     /* retrans: first sequence number */
	__u32 len;     /* retrans: sequence space (data, SYN, FIN) */
	__s32 err;     /* retrans: the kernel's error, when nonzero */
	__u32 reason;  /* drop: skb_drop_reason; reset: sk_rst_reason */
	__u32 ifindex; /* drop: the device */
	char ifname[PL_TCP_IFNAME_LEN];
};

/* Per-CPU counters, index = enum pl_tcp_counter. */
enum pl_tcp_counter {
	PL_TCNT_SEEN = 0,    /* events the hooks saw (TCP sockets, TCP/UDP drops) */
	PL_TCNT_MATCHED,     /* of those, asked for by --events and FILTER */
	PL_TCNT_EMITTED,     /* written to the ring buffer */
	PL_TCNT_LOST,	     /* ring buffer full */
	PL_TCNT_UNTRACKED,   /* connections not tracked: the table was full */
	PL_TCNT_TAKEN_OVER,  /* pl_set_state runs the kernel skipped, done by its twin */
	PL_TCNT_NO_LISTENER, /* passive opens on a port with no known listener */
	PL_TCNT__COUNT,
};

/*
 * Owners of listening sockets by (netns, port), map `listeners`: a child
 * socket knows its local port, not its listener. Filled by user space from
 * /proc (the process holding the listening socket), at start-up and again
 * when the kernel counts a passive open on a port it does not know;
 * emptied by the kernel when the listening socket closes.
 */
struct pl_tcp_lkey {
	__u32 netns;
	__u16 port;
	__u16 _pad;
};

struct pl_tcp_lval {
	__u32 pid;
	__u32 _pad0;
	__u8 ambiguous; /* held by more than one process: owner unknown */
	__u8 _pad[7];
	char comm[PL_TCP_COMM_LEN];
};

/* Drop reasons below this are looked up in the ignore bitmap. */
#define PL_TCP_DROP_IGNORE_MAX 256

/*
 * The agent's TCP metrics (tcp: true), counted in the kernel: one per-CPU
 * copy in map tcp_metrics, and one per local port of passive connections
 * (the server's port) in map tcp_port_metrics. Histograms in microseconds.
 */
enum pl_tcp_metric {
	PL_TM_OPEN_ACTIVE = 0,
	PL_TM_OPEN_PASSIVE,
	PL_TM_CLOSE_NORMAL, /* ended by FINs (or closed before it was set up) */
	PL_TM_CLOSE_RESET,  /* a reset was sent or received */
	PL_TM_CLOSE_TIMEOUT, /* retransmits or keepalives ran out (ETIMEDOUT) */
	PL_TM_RETRANS,	    /* segments and SYN-ACKs retransmitted */
	PL_TM_RST_SENT,
	PL_TM_RST_RECV,
	PL_TM_ESTAB_IN,	 /* connections we saw open entering ESTABLISHED */
	PL_TM_ESTAB_OUT, /* ... and leaving it */
	PL_TM__COUNT,
};

struct pl_tcp_metrics {
	__u64 n[PL_TM__COUNT];
	struct pl_hist rtt;	  /* smoothed RTT at close */
	struct pl_hist handshake; /* SYN to ESTABLISHED */
	struct pl_hist duration;  /* open to CLOSE */
};

/* Per-port metrics: at most this many ports (an LRU table). */
#define PL_TCP_PORTS_MAX 1024

/* Drops by reason (map drop_counts): reasons below PL_TCP_DROP_IGNORE_MAX,
 * and one slot for any other value. */
#define PL_TCP_DROP_SLOTS (PL_TCP_DROP_IGNORE_MAX + 1)

#endif /* PKTLENS_TCP_EVENTS_H */
