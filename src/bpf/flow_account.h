/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Flow accounting for packet.bpf.c: after the filter matched, a packet
 * updates the flow table and, as asked, the per-source, per-port, per-name
 * and per-interface tables. All but ports (an array of every port) are LRU
 * hashes, so their memory is fixed when they are created and a full table
 * forgets its least recently used entries instead of refusing new ones.
 *
 * Two ways to update, chosen by user space before load (PL_FLOW_ATOMIC):
 * shared values with atomic adds (LRU_HASH) or per-CPU values
 * (LRU_PERCPU_HASH, plain adds). bench/flowbench.c measures both: atomic
 * adds were faster (the LRU_HASH lookup is inlined by the verifier, the
 * per-CPU one is a call) and use 1/ncpu of the memory, so they are the
 * default (docs/flows.md). The map types below are the atomic ones; user
 * space changes them before load for the per-CPU variant.
 *
 * Sizes here are defaults: flows, top and agent set them before load,
 * and watch leaves them tiny (and flow_flags 0, so none of this code is in
 * its program).
 */
#ifndef PKTLENS_BPF_FLOW_ACCOUNT_H
#define PKTLENS_BPF_FLOW_ACCOUNT_H

#include "records/flow_record.h"
#include "records/flow_key.h"

const volatile __u32 flow_flags = 0; /* enum pl_flow_flags */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64); /* pl_flow_hash() */
	__type(value, struct pl_flow_entry);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64); /* pl_src_hash() */
	__type(value, struct pl_src_entry);
} sources SEC(".maps");

/* indexed by pl_port_slot(), shared and added to atomically with per-CPU
 * tables too; PL_PORT_SLOTS entries when used, mapped by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pl_port_val);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct pl_name_val);
} snis SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct pl_name_val);
} dns_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct pl_name_val);
} http_hosts SEC(".maps");

/* The first L7 name of a flow (keyed as flows); written only by packets
 * that carry one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct pl_flow_name);
} flow_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, struct pl_iface_key);
	__type(value, struct pl_iface_val);
} ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_FCNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} flow_counters SEC(".maps");

/* Scratch for a flow's name record and a new name table entry. */
struct pl_name_scratch {
	struct pl_flow_name flow;
	struct pl_name_val entry;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_name_scratch);
} name_scratch SEC(".maps");

/*
 * The per-CPU caches (PL_FLOW_CACHE). A shared entry costs a hash lookup
 * and an atomic add per counter on every packet, most of the tables' cost
 * (bench/kbench.c). A flow that keeps arriving on a CPU instead takes a
 * slot in that CPU's cache, direct-mapped by the flow's hash: its packets
 * add to the slot with plain adds, for the flow, its source and its port
 * at once (both are the flow key's), and the slot's sums go to the shared
 * entries when another flow takes the slot, or when user space drains the
 * caches (pktlens_flush, in packet.bpf.c) before it reads the tables. A
 * flow takes a slot once its entry has counted PL_CACHE_AFTER packets, so
 * that a scan's or a spoofed flood's one-packet flows never evict the ones
 * that repeat. A slot holds the entry's TCP flags and TTL range: a packet
 * that would change them (and so the handshake time) takes the shared
 * path. The names, which are not the flow key's, have a cache of their own.
 */
#define PL_CACHE_AFTER PL_FLOW_EXACT_PACKETS

/* e.val counts what the shared entries have yet to; its TCP flags, TTL
 * range and note are the entry's when the slot was taken. Laid out as the
 * entry is, so that a slot whose entry went can be inserted as it is. */
struct pl_flow_slot {
	struct pl_flow_entry e;
	__u64 hash;	 /* 0: empty */
	__u64 syns;	 /* of e.val.packets, TCP SYNs without ACK (sources) */
	__u64 jiffies;	 /* the tick e.val.last_ns is of (0: none yet) */
	__u32 port_slot; /* pl_pkt_port_slot() of the flow's packets */
	__u32 _pad;
};

struct pl_name_slot {
	__u64 hash; /* 0: empty */
	__u64 kind; /* enum pl_name_kind: which table */
	__u64 packets;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* PL_CACHE_SLOTS when on */
	__type(key, __u32);
	__type(value, struct pl_flow_slot);
} flow_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_name_slot);
} name_cache SEC(".maps");

static __always_inline bool cache_on(void)
{
	return flow_flags & PL_FLOW_CACHE;
}

/* The slot of hash h in a cache, or NULL (no cache). */
static __always_inline void *cache_slot(void *map, __u64 h)
{
	__u32 i = (__u32)h & (PL_CACHE_SLOTS - 1);

	return cache_on() ? bpf_map_lookup_elem(map, &i) : NULL;
}

static __always_inline void flow_count(__u32 which)
{
	pl_count(&flow_counters, which);
}

static __always_inline bool flow_atomic(void)
{
	return flow_flags & PL_FLOW_ATOMIC;
}

/* *p += n: atomic on shared values, plain on per-CPU ones. */
#define FLOW_ADD(p, n)                                  \
	do {                                            \
		if (flow_atomic())                      \
			__sync_fetch_and_add((p), (n)); \
		else                                    \
			*(p) += (n);                    \
	} while (0)

/* A table's first entry for a key (BPF_ANY: a racing insert from another
 * CPU costs one packet); counts the new entry, or the failure. */
static __always_inline void table_insert(void *map, const void *key, const void *val,
					 __u32 new_counter)
{
	if (bpf_map_update_elem(map, key, val, BPF_ANY))
		flow_count(PL_FCNT_TABLE_FAIL);
	else
		flow_count(new_counter);
}

/* One more packet of len bytes in a table of {packets, bytes} values
 * (ifaces). */
static __always_inline void count_packet(void *map, const void *key, __u32 len, __u32 new_counter)
{
	struct pl_iface_val *v = bpf_map_lookup_elem(map, key), nv = {};

	if (v) {
		FLOW_ADD(&v->packets, 1);
		FLOW_ADD(&v->bytes, len);
		return;
	}
	nv.packets = 1;
	nv.bytes = len;
	table_insert(map, key, &nv, new_counter);
}

/* This CPU's tick clock (common.bpf.h), for the flows' and the
 * detectors' times. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_tick_clock);
} cpu_tick SEC(".maps");

/* CLOCK_MONOTONIC, early by less than a tick: this CPU's tick clock. */
static __always_inline __u64 cpu_tick_ns(void)
{
	__u32 zero = 0;
	struct pl_tick_clock *c = bpf_map_lookup_elem(&cpu_tick, &zero);

	return c ? pl_tick_ns(c) : bpf_ktime_get_ns();
}

/*
 * The time of a packet of the flow whose value is v (NULL: a new flow).
 * Exact (bpf_ktime_get_ns) for a flow's first PL_FLOW_EXACT_PACKETS
 * packets, so a short flow (a DNS exchange, a handshake, a scan's probe)
 * has its start, end and duration to the ns; after that the tick clock,
 * about 45 ns cheaper per packet, which is early by less than a tick
 * (4 ms at HZ=250). docs/flows.md says so.
 */
#define PL_FLOW_EXACT_PACKETS 4
static __always_inline __u64 flow_clock(const struct pl_flow_val *v)
{
	if (!v || v->packets < PL_FLOW_EXACT_PACKETS)
		return bpf_ktime_get_ns();
	return cpu_tick_ns();
}

/* Does the table entry whose key is at ekey (and whose value counted
 * `packets`) hold the key k of `size` bytes? Another key with the same
 * hash does not, and is counted in `fail`. A per-CPU entry another CPU
 * created starts all zero here: it takes the key. */
static __always_inline bool entry_holds(void *ekey, __u64 packets, const void *k, __u32 size,
					__u32 fail)
{
	if (!flow_atomic() && !packets) {
		pl_move(ekey, k, size);
		return true;
	}
	if (pl_key_eq(ekey, k, size / 8))
		return true;
	flow_count(fail);
	return false;
}

static __always_inline void add_source(__u8 ip_ver, const __u8 *addr, __u64 packets,
					__u64 bytes, __u64 syns);
static __always_inline void add_port(__u32 slot, __u64 packets, __u64 bytes);

/* Adds a flow slot's counts to its entries: the flow's (or the slot as the
 * entry when that went: evicted, or expired by user space, and the flow
 * goes on), its source's and its port's; and empties the slot. */
static __always_inline void flush_flow_slot(struct pl_flow_slot *c)
{
	struct pl_flow_entry *e;
	struct pl_flow_val *v;

	if (!c->hash || !c->e.val.packets) {
		c->hash = 0;
		return;
	}
	e = bpf_map_lookup_elem(&flows, &c->hash);
	if (!e) {
		c->e.val.first_ns = c->e.val.last_ns;
		c->e.val.handshake_us = 0;
		table_insert(&flows, &c->hash, &c->e, PL_FCNT_FLOW_NEW);
	} else if (entry_holds(&e->key, e->val.packets, &c->e.key, sizeof(c->e.key),
			       PL_FCNT_FLOW_FAIL)) {
		v = &e->val;
		FLOW_ADD(&v->packets, c->e.val.packets);
		FLOW_ADD(&v->bytes, c->e.val.bytes);
		/* a per-CPU value another CPU created starts all zero here */
		if (!v->first_ns) {
			v->first_ns = c->e.val.last_ns;
			v->ttl_min = c->e.val.ttl_min;
			v->ttl_max = c->e.val.ttl_max;
			if (!flow_atomic())
				v->tcp_flags |= c->e.val.tcp_flags;
		}
		if (c->e.val.last_ns > v->last_ns)
			v->last_ns = c->e.val.last_ns;
		if (c->e.val.named)
			v->named = 1;
	}
	if (flow_flags & PL_FLOW_SOURCES)
		add_source(c->e.key.ip_ver, c->e.key.src, c->e.val.packets, c->e.val.bytes, c->syns);
	if (flow_flags & PL_FLOW_PORTS)
		add_port(c->port_slot, c->e.val.packets, c->e.val.bytes);
	c->hash = 0;
}

/* The flow of key k (its hash h) takes its cache slot c, whose flow (if
 * another) goes to the shared tables first; v is the flow's entry. */
static __always_inline void take_flow_slot(struct pl_flow_slot *c, const struct pl_flow_key *k,
					   __u64 h, const struct pl_flow_val *v, __u32 port_slot)
{
	flush_flow_slot(c);
	pl_move(&c->e.key, k, sizeof(*k));
	c->e.val.packets = 0;
	c->e.val.bytes = 0;
	c->syns = 0;
	c->jiffies = 0;
	c->port_slot = port_slot;
	c->e.val.last_ns = v->last_ns;
	c->e.val.tcp_flags = v->tcp_flags;
	c->e.val.ttl_min = v->ttl_min;
	c->e.val.ttl_max = v->ttl_max;
	c->e.val.named = v->named;
	c->hash = h;
}

/* Does the packet (its flow key k, hash h, TCP flags, TTL and port slot)
 * count in its cache slot c alone? Not when it would change the entry's TCP
 * flags or TTL range, nor when its port is not the slot's (a TCP header
 * missing from one packet of the flow). */
static __always_inline bool flow_slot_takes(const struct pl_flow_slot *c,
					    const struct pl_flow_key *k, __u64 h, __u32 flags,
					    __u8 ttl, __u32 port_slot)
{
	return c && c->hash == h && pl_key_eq(&c->e.key, k, sizeof(*k) / 8) &&
	       (c->e.val.tcp_flags | flags) == c->e.val.tcp_flags && ttl >= c->e.val.ttl_min &&
	       ttl <= c->e.val.ttl_max && c->port_slot == port_slot;
}

/* The packet in the flow table. True when it counted in the flow's cache
 * slot, which counts its source and port (port_slot) too. *named gets the
 * flow's note that flow_names holds its name (in its entry or its slot),
 * or NULL for a new flow (or none); *hash the flow's key in the table. */
static __always_inline bool account_flow(struct pl_pkt *p, __u32 ifindex, __u32 port_slot,
					 __u64 *hash, __u16 **named)
{
	struct pl_flow_entry *e, ne = {};
	struct pl_flow_val *v;
	struct pl_flow_slot *c;
	__u32 flags = (p->present & PL_HAS_TCP) ? p->tcp_flags : 0;
	__u8 ttl = p->ip_ttl;
	__u64 now;

	*named = NULL;
	pl_flow_key_of(p, ifindex, &ne.key);
	*hash = pl_flow_hash(&ne.key);
	c = cache_slot(&flow_cache, *hash);
	if (flow_slot_takes(c, &ne.key, *hash, flags, ttl, port_slot)) {
		c->e.val.packets++;
		c->e.val.bytes += p->frame_len;
		c->syns += pl_pkt_syn(p);
		/* the tick clock gives one time per tick: read it once a tick */
		now = bpf_jiffies64();
		if (now != c->jiffies) {
			c->jiffies = now;
			now = cpu_tick_ns();
			if (now > c->e.val.last_ns)
				c->e.val.last_ns = now;
		}
		*named = &c->e.val.named;
		return true;
	}
	e = bpf_map_lookup_elem(&flows, hash);
	if (!e) {
		now = flow_clock(NULL);
		ne.val.packets = 1;
		ne.val.bytes = p->frame_len;
		ne.val.first_ns = now;
		ne.val.last_ns = now;
		ne.val.tcp_flags = flags;
		ne.val.ttl_min = ttl;
		ne.val.ttl_max = ttl;
		if (!bpf_map_update_elem(&flows, hash, &ne, BPF_NOEXIST)) {
			flow_count(PL_FCNT_FLOW_NEW);
			return false;
		}
		/* another CPU inserted it first */
		e = bpf_map_lookup_elem(&flows, hash);
		if (!e) {
			flow_count(PL_FCNT_FLOW_FAIL);
			return false;
		}
	}
	if (!entry_holds(&e->key, e->val.packets, &ne.key, sizeof(ne.key), PL_FCNT_FLOW_FAIL))
		return false;
	v = &e->val;
	now = flow_clock(v);
	FLOW_ADD(&v->packets, 1);
	FLOW_ADD(&v->bytes, p->frame_len);
	if (flags && v->tcp_flags == PL_TCP_SYN) {
		__u32 hs = pl_flow_handshake(v, v->tcp_flags, flags, now);

		if (hs)
			v->handshake_us = hs;
	}
	if ((v->tcp_flags | flags) != v->tcp_flags) {
		/* BPF has 64-bit atomic OR only without alu32: OR into the
		 * aligned 8 bytes that start with tcp_flags (little-endian, so
		 * flags land in tcp_flags and the TTL bytes stay as they are) */
		if (flow_atomic())
			__sync_fetch_and_or((__u64 *)&v->tcp_flags, (__u64)flags);
		else
			v->tcp_flags |= flags;
	}
	/* a per-CPU value another CPU created starts all zero here */
	if (!v->first_ns) {
		v->first_ns = now;
		v->ttl_min = ttl;
	}
	/* the coarse clock may read before the last exact time */
	if (now > v->last_ns)
		v->last_ns = now;
	if (ttl < v->ttl_min)
		v->ttl_min = ttl;
	if (ttl > v->ttl_max)
		v->ttl_max = ttl;
	if (c && *hash && v->packets >= PL_CACHE_AFTER)
		take_flow_slot(c, &ne.key, *hash, v, port_slot);
	*named = &v->named;
	return false;
}

/* packets of bytes bytes, syns of them SYNs, from the address addr. */
static __always_inline void add_source(__u8 ip_ver, const __u8 *addr, __u64 packets,
					__u64 bytes, __u64 syns)
{
	struct pl_src_entry *e, ne = {};
	struct pl_src_val *v;
	__u64 hash;

	pl_src_key_of(ip_ver, addr, &ne.key);
	hash = pl_src_hash(&ne.key);
	e = bpf_map_lookup_elem(&sources, &hash);
	if (!e) {
		ne.val.packets = packets;
		ne.val.bytes = bytes;
		ne.val.syns = syns;
		table_insert(&sources, &hash, &ne, PL_FCNT_SRC_NEW);
		return;
	}
	if (!entry_holds(&e->key, e->val.packets, &ne.key, sizeof(ne.key), PL_FCNT_TABLE_FAIL))
		return;
	v = &e->val;
	FLOW_ADD(&v->packets, packets);
	FLOW_ADD(&v->bytes, bytes);
	if (syns)
		FLOW_ADD(&v->syns, syns);
}

/* packets of bytes bytes to a ports slot (pl_port_slot()). */
static __always_inline void add_port(__u32 slot, __u64 packets, __u64 bytes)
{
	/* no slot (PL_PORT_SLOTS) is past the array: NULL */
	struct pl_port_val *v = bpf_map_lookup_elem(&ports, &slot);

	if (!v)
		return;
	__sync_fetch_and_add(&v->packets, packets);
	__sync_fetch_and_add(&v->bytes, bytes);
}

static __always_inline void account_iface(struct pl_pkt *p, __u32 ifindex)
{
	struct pl_iface_key k = {};

	k.ifindex = ifindex;
	if (p->present & PL_HAS_IP6) {
		k.ip_ver = 6;
		k.proto = (p->present & PL_HAS_IP6_L4) ? p->l4_proto : p->ip_proto;
	} else if (p->present & PL_HAS_IP4) {
		k.ip_ver = 4;
		k.proto = p->ip_proto;
	}
	count_packet(&ifaces, &k, p->frame_len, PL_FCNT_IFACE_NEW);
}

/* A name of len bytes into a PL_NAME_MAX buffer, 8 bytes at a time, its
 * last word zero-padded: the bytes after a name in the record are not
 * always zero (a parse of the names alone leaves them as they were). The
 * words after the name are left as they were: name_hash() reads none of
 * them, and zero_name_tail() clears them for a table's new entry only
 * (a memset of the whole buffer here was 256 byte stores per packet). */
static __always_inline void copy_name(char *dst, const char *name, __u32 len)
{
	__u32 i;
	__s64 cut;

	for (i = 0; i < PL_NAME_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		/* 8 - the bytes left, if above 0, without a branch: the
		 * verifier's paths stay one per exit of the loop */
		cut = 8 - (__s64)(len - i * 8);
		cut &= ~(cut >> 63);
		pl_store64(dst + i * 8, pl_load64(name + i * 8) & (~0ull >> (8 * cut)));
	}
}

/* Zeroes the words of a copy_name() buffer after its name's last one. */
static __always_inline void zero_name_tail(char *dst, __u32 len)
{
	__u32 i;

	for (i = 0; i < PL_NAME_MAX / 8; i++)
		if (i * 8 >= len)
			pl_store64(dst + i * 8, 0);
}

/* 64 bits of the first len bytes of a zero-padded name, 8 at a time. */
static __always_inline __u64 name_hash(const char *name, __u32 len)
{
	__u64 h = 0x9e3779b97f4a7c15ull ^ len;
	__u32 i;

	for (i = 0; i < PL_NAME_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		h = (h ^ pl_load64(name + i * 8)) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	return h;
}

/* One more packet for the name in `map` (its hash h); e is the new entry,
 * the name already in it. Returns the entry's packets before this one (0:
 * new, or none). */
static __always_inline __u64 count_name(void *map, __u64 h, struct pl_name_val *e, __u32 len,
					__u32 new_counter)
{
	__u64 *v = bpf_map_lookup_elem(map, &h);

	if (v) {
		FLOW_ADD(v, 1); /* pl_name_val.packets */
		return *v;
	}
	e->packets = 1;
	zero_name_tail(e->name, len);
	table_insert(map, &h, e, new_counter);
	return 0;
}

/* A names slot's count to its entry (none when the entry went: the slot
 * has no name to insert, and the loss is counted), and empties it. */
static __always_inline void flush_name_slot(struct pl_name_slot *c)
{
	__u64 *v = NULL;

	if (c->hash && c->packets) {
		if (c->kind == PL_NAME_SNI)
			v = bpf_map_lookup_elem(&snis, &c->hash);
		else if (c->kind == PL_NAME_DNS)
			v = bpf_map_lookup_elem(&dns_names, &c->hash);
		else
			v = bpf_map_lookup_elem(&http_hosts, &c->hash);
		if (v)
			FLOW_ADD(v, c->packets);
		else
			flow_count(PL_FCNT_TABLE_FAIL);
	}
	c->hash = 0;
}

/* The TLS SNI, DNS query name or HTTP host of the packet, if any: counted
 * in its table and remembered as the flow's name (the first one seen).
 * `named` is the flow's note (NULL for a new flow): it saves the
 * flow_names lookup once the flow has a name; flow_hash its key. */
static __always_inline void account_names(struct pl_pkt *p, __u64 flow_hash, __u16 *named)
{
	struct pl_name_scratch *n;
	struct pl_name_slot *c;
	const char *name;
	__u32 zero = 0, len, kind;
	__u64 h, before;

	kind = pl_flow_name_of(p, &name, &len);
	if (!kind || !len)
		return;
	n = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!n)
		return;
	copy_name(n->entry.name, name, len);
	h = name_hash(n->entry.name, len);
	c = cache_slot(&name_cache, h);
	if (c && c->hash == h && c->kind == kind) {
		c->packets++;
	} else {
		if (kind == PL_NAME_SNI)
			before = count_name(&snis, h, &n->entry, len, PL_FCNT_SNI_NEW);
		else if (kind == PL_NAME_DNS)
			before = count_name(&dns_names, h, &n->entry, len, PL_FCNT_DNS_NEW);
		else
			before = count_name(&http_hosts, h, &n->entry, len, PL_FCNT_HTTP_NEW);
		if (c && h && before >= PL_CACHE_AFTER) {
			flush_name_slot(c);
			c->kind = kind;
			c->packets = 0;
			c->hash = h;
		}
	}
	if (!(flow_flags & PL_FLOW_TABLE) || (named && *named))
		return;
	/* the first name of a flow stays: a lookup is much cheaper than
	 * replacing a 264-byte value */
	if (!bpf_map_lookup_elem(&flow_names, &flow_hash)) {
		n->flow.kind = kind;
		/* set by dns_account(), only with --dns (else stale) */
		n->flow.dns_time_ns = dns_latency && kind == PL_NAME_DNS ? p->l7.dns.time_ns : 0;
		zero_name_tail(n->entry.name, len);
		pl_move(n->flow.name, n->entry.name, PL_NAME_MAX);
		if (bpf_map_update_elem(&flow_names, &flow_hash, &n->flow, BPF_NOEXIST) == 0)
			flow_count(PL_FCNT_FLOWNAME_NEW);
	}
	if (named)
		*named = 1;
}

/* One slot of each cache to the shared tables (bpf_loop()'s callback). */
static long flush_cache_slot(__u32 i, void *ctx)
{
	struct pl_flow_slot *f = bpf_map_lookup_elem(&flow_cache, &i);
	struct pl_name_slot *n = bpf_map_lookup_elem(&name_cache, &i);

	(void)ctx;
	if (f && (flow_flags & PL_FLOW_TABLE))
		flush_flow_slot(f);
	if (n && (flow_flags & PL_FLOW_NAMES))
		flush_name_slot(n);
	return 0;
}

/* This CPU's caches, all to the shared tables. */
static __always_inline void flush_caches(void)
{
	if (cache_on())
		bpf_loop(PL_CACHE_SLOTS, flush_cache_slot, NULL, 0);
}

/* Everything flow_flags asks for, for one matched packet. With
 * PL_FLOW_INNER a tunnelled packet's flow is its inner packet's (fp); the
 * names are the record's, which are the inner packet's. */
static __always_inline void flow_account(struct pl_pkt *p, __u32 ifindex)
{
	__u16 *named = NULL;
	struct pl_pkt *fp = p;
	__u64 flow_hash = 0;
	__u32 port_slot;
	bool cached = false;

	if (flow_flags & PL_FLOW_IFACES)
		account_iface(p, ifindex);
	if ((flow_flags & PL_FLOW_INNER) && (p->tun_flags & PL_TUNF_INNER))
		fp = (struct pl_pkt *)p->inner;
	if (!(fp->present & (PL_HAS_IP4 | PL_HAS_IP6))) {
		flow_count(PL_FCNT_NOT_IP);
		return;
	}
	/* 0 without the ports table: a constant for the slot's check */
	port_slot = (flow_flags & PL_FLOW_PORTS) ? pl_pkt_port_slot(fp) : 0;
	if (flow_flags & PL_FLOW_TABLE)
		cached = account_flow(fp, ifindex, port_slot, &flow_hash, &named);
	/* a packet its flow's cache slot took counts there for both */
	if ((flow_flags & PL_FLOW_SOURCES) && !cached)
		add_source((fp->present & PL_HAS_IP6) ? 6 : 4, fp->ip_src, 1, fp->frame_len,
			   pl_pkt_syn(fp));
	if ((flow_flags & PL_FLOW_PORTS) && !cached)
		add_port(port_slot, 1, fp->frame_len);
	if (flow_flags & PL_FLOW_NAMES)
		account_names(p, flow_hash, named);
}

#endif /* PKTLENS_BPF_FLOW_ACCOUNT_H */
