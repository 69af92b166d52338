/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Flow accounting: the keys and values of the kernel's flow and top-talker
 * tables (src/bpf/packet.bpf.c), read by `flows`, `top` and `agent`.
 *
 * Only fixed-width types, explicit padding, no pointers: user space reads
 * these bytes straight out of the maps.
 */
#ifndef PKTLENS_FLOW_RECORD_H
#define PKTLENS_FLOW_RECORD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Bytes of an L7 name in the name tables (SNI and DNS names are at most
 * this long in struct pl_pkt; HTTP hosts are shorter). */
#define PL_NAME_MAX 256

/* .rodata flow_flags: which tables the program updates. 0 (watch) leaves
 * the accounting out of the verified program altogether. */
enum pl_flow_flags {
	PL_FLOW_TABLE = 1u << 0,   /* flows: per 5-tuple + VLAN */
	PL_FLOW_SOURCES = 1u << 1, /* sources: per source address */
	PL_FLOW_PORTS = 1u << 2,   /* ports: per destination port */
	PL_FLOW_NAMES = 1u << 3,   /* snis, dns_names, http_hosts, flow_names */
	PL_FLOW_IFACES = 1u << 4,  /* ifaces: per interface and protocol */
	/* the tables are LRU_HASH with atomic updates, not LRU_PERCPU_HASH
	 * (user space sets the map types to match before load) */
	PL_FLOW_ATOMIC = 1u << 5,
	/* --inner: a tunnelled packet counts in its inner packet's flow,
	 * source and port (pl_pkt.inner) */
	PL_FLOW_INNER = 1u << 6,
	/* per-CPU caches in front of flows (with their sources and ports)
	 * and the name tables (flow_account.h); user space drains them
	 * before it reads the tables (pl_drain_percpu()) */
	PL_FLOW_CACHE = 1u << 7,
};

/* Slots of each per-CPU cache: direct-mapped by the table's hash. */
#define PL_CACHE_SLOTS 256

/* A flow: one direction of a conversation on one interface. The kernel's
 * table is keyed by pl_flow_hash() of it (flow_key.h) and keeps it in the
 * value (struct pl_flow_entry). */
struct pl_flow_key {
	__u32 ifindex;
	__u16 vlan_id; /* outer VLAN id; 0 without a tag */
	__u8 n_vlan;   /* VLAN tags: the link header is 14 + 4 * n_vlan bytes */
	__u8 ip_ver;   /* 4 or 6 */
	__u8 proto;    /* IP protocol (IPv6: after the extension headers) */
	__u8 _pad[3];
	__u8 src[16]; /* network order; IPv4 uses the first 4 bytes */
	__u8 dst[16];
	__u16 sport; /* TCP, UDP, SCTP; 0 otherwise */
	__u16 dport; /* ICMP/ICMPv6: type << 8 | code, as NetFlow does */
} __attribute__((aligned(8)));

/* flows value. Per-CPU tables: one per CPU, summed by user space (a CPU
 * that never saw the flow has packets == 0). */
struct pl_flow_val {
	__u64 packets;
	__u64 bytes;	/* frame bytes, link header included (frame.len) */
	__u64 first_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 last_ns;
	__u32 tcp_flags; /* OR of the TCP flags seen (12 bits); 8-byte aligned */
	__u8 ttl_min;	 /* TTL or hop limit */
	__u8 ttl_max;
	__u16 named; /* the kernel's note: flow_names holds this flow's name */
	/* a flow that began with a SYN: from it to the flow's first ACK (the
	 * handshake's third segment), in microseconds, at least 1; 0: not seen
	 * (flow_key.h, pl_flow_handshake) */
	__u32 handshake_us;
	__u32 _pad;
};

/*
 * flows value, keyed by pl_flow_hash(&key): htab hashes its key with
 * jhash, and the 48-byte key cost about 25 ns more per packet than a
 * 64-bit one (bench/kbench). The key is kept here and checked on every
 * lookup; another flow with the same 64 bits (about 2^-64 a pair) is not
 * counted in it but in PL_FCNT_FLOW_FAIL. flow_names has the same keys.
 */
struct pl_flow_entry {
	struct pl_flow_val val;
	struct pl_flow_key key;
};

/* sources key: a source address. */
struct pl_src_key {
	__u8 ip_ver;
	__u8 _pad[3];
	__u8 addr[16];
	__u8 _tail[4]; /* whole words, for pl_src_hash() */
} __attribute__((aligned(8)));

struct pl_src_val {
	__u64 packets;
	__u64 bytes;
	__u64 syns; /* TCP SYN without ACK: connection attempts */
};

/* sources value, keyed by pl_src_hash(&key), for the reason (and with
 * the check) of struct pl_flow_entry. */
struct pl_src_entry {
	struct pl_src_val val;
	struct pl_src_key key;
};

/* ports key: a destination port of a transport. */
struct pl_port_key {
	__u8 proto; /* 6, 17 or 132 */
	__u8 _pad;
	__u16 port;
};

/* The ports table is an array with a slot for every port of each
 * transport, indexed without a hash: its lookup is a few instructions
 * where a hash table's was a call, a hash and a key compare, and it never
 * fills or evicts. */
enum { PL_PORT_PROTOS = 3, PL_PORT_SLOTS = PL_PORT_PROTOS * 65536 };

/* The slot of a transport's port, or PL_PORT_SLOTS for another transport. */
static inline __u32 pl_port_slot(__u8 proto, __u16 port)
{
	__u32 t = proto == 6 ? 0 : proto == 17 ? 1 : proto == 132 ? 2 : PL_PORT_PROTOS;

	return t < PL_PORT_PROTOS ? t << 16 | port : PL_PORT_SLOTS;
}

/* The key of slot i (< PL_PORT_SLOTS). */
static inline struct pl_port_key pl_port_key_of_slot(__u32 i)
{
	__u32 t = i >> 16;
	struct pl_port_key k = { .proto = t == 0 ? 6 : t == 1 ? 17 : 132, .port = (__u16)i };

	return k;
}

struct pl_port_val {
	__u64 packets;
	__u64 bytes;
};

/* A name, zero-padded: how user space sees the name tables' entries
 * (pl_flowtab_walk() hands out the name and its packets). */
struct pl_name_key {
	char name[PL_NAME_MAX];
};

/* snis, dns_names, http_hosts: key a 64-bit hash of the name (hashing a
 * 256-byte key per packet cost more than the rest of the accounting), the
 * value its packets (ClientHellos, DNS messages, HTTP requests) and the
 * name itself, written when the entry is made. */
struct pl_name_val {
	__u64 packets;
	char name[PL_NAME_MAX];
};

/* flow_names value: the first L7 name seen on a flow (key pl_flow_key). */
enum pl_name_kind {
	PL_NAME_SNI = 1,
	PL_NAME_DNS = 2,
	PL_NAME_HTTP = 3
};

/* pl_flow_name.flags. The kernel never writes them (its scratch keeps
 * them 0): user space sets them for the names it adds. */
enum pl_name_flags {
	/* a TLS SNI from a QUIC client Initial, which user space decrypted
	 * (runtime/flowtab.c): the kernel cannot */
	PL_NAMEF_QUIC = 1u << 0,
};

struct pl_flow_name {
	__u32 kind;  /* enum pl_name_kind */
	__u32 flags; /* enum pl_name_flags */
	__u64 dns_time_ns; /* PL_NAME_DNS: the first response's dns.time, 0 if none */
	char name[PL_NAME_MAX];
};

/* ifaces key: an interface and an IP protocol (0: not IP). */
struct pl_iface_key {
	__u32 ifindex;
	__u8 ip_ver; /* 4, 6 or 0 */
	__u8 proto;
	__u16 _pad;
};

struct pl_iface_val {
	__u64 packets;
	__u64 bytes;
};

/* flow_counters (per-CPU array): what the tables could and could not do.
 * Evictions are not seen by the program: user space works them out from
 * the inserts, its own deletions and the entries left. */
enum pl_flow_counter {
	PL_FCNT_FLOW_NEW = 0, /* flows inserted */
	PL_FCNT_FLOW_FAIL,    /* a flow could be neither found nor inserted, or its hash
			       * was another's (pl_flow_entry) */
	PL_FCNT_SRC_NEW,
	PL_FCNT_SNI_NEW,
	PL_FCNT_DNS_NEW,
	PL_FCNT_HTTP_NEW,
	PL_FCNT_FLOWNAME_NEW,
	PL_FCNT_IFACE_NEW,
	PL_FCNT_TABLE_FAIL, /* an insert into the other tables failed, or a
			     * source's hash was another's (pl_src_entry) */
	PL_FCNT_NOT_IP,	    /* matched packets without an IP header */
	PL_FCNT__COUNT,
};

#endif /* PKTLENS_FLOW_RECORD_H */
