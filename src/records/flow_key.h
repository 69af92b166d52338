/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A packet's flow key, for the kernel's flow table (src/bpf/flow_account.h)
 * and the host's (src/runtime/hostflows.c, read --flows) alike.
 */
#ifndef PKTLENS_FLOW_KEY_H
#define PKTLENS_FLOW_KEY_H

#include "records/record.h"
#include "records/flow_record.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* a word of a key, read through any type */
typedef __u64 __attribute__((may_alias)) pl_key_word;

/* The words of a key are built in registers and stored whole: the hash
 * reads them back as words at once, and a word assembled in memory from
 * narrower stores would stall that load (store forwarding fails when the
 * sizes differ), about 5% of the flow tables' cost each, measured. The
 * shifts lay the fields out as the struct does on a little-endian CPU,
 * which BPF on x86 and arm64 is. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "flow_key.h builds its keys' words for a little-endian CPU"
#endif

static __always_inline __u64 pl_word32_at(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static __always_inline __u64 pl_word64_at(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The flow key of a packet with an IP header. */
static __always_inline void pl_flow_key_of(const struct pl_pkt *p, __u32 ifindex,
					   struct pl_flow_key *k)
{
	pl_key_word *w = (pl_key_word *)k;
	__u64 vlan = p->n_vlan ? p->vlan_id[0] : 0, ver = 4, proto = p->ip_proto;
	__u64 dport = p->dport;

	if (p->present & PL_HAS_IP6) {
		ver = 6;
		if (p->present & PL_HAS_IP6_L4)
			proto = p->l4_proto;
	}
	if (p->present & (PL_HAS_ICMP | PL_HAS_ICMP6))
		dport = (__u16)(p->icmp_type << 8 | p->icmp_code);
	/* ifindex, vlan_id, n_vlan, ip_ver | proto, _pad, src ... | dst ...
	 * | sport, dport */
	w[0] = ifindex | vlan << 32 | (__u64)p->n_vlan << 48 | ver << 56;
	w[1] = proto | pl_word32_at(p->ip_src) << 32;
	/* IPv4: the addresses' other 12 bytes are zero (pl_reset()); not
	 * loading them saves loads that span the parser's narrower stores */
	if (ver == 4) {
		w[2] = 0;
		w[3] = pl_word32_at(p->ip_dst) << 32;
		w[4] = 0;
		w[5] = (__u64)p->sport << 32 | dport << 48;
		return;
	}
	w[2] = pl_word64_at(p->ip_src + 4);
	w[3] = pl_word32_at(p->ip_src + 12) | pl_word32_at(p->ip_dst) << 32;
	w[4] = pl_word64_at(p->ip_dst + 4);
	w[5] = pl_word32_at(p->ip_dst + 12) | (__u64)p->sport << 32 | dport << 48;
}

/* The sources key of an address (16 bytes, IPv4 in the first 4). */
static __always_inline void pl_src_key_of(__u8 ip_ver, const __u8 *addr, struct pl_src_key *k)
{
	pl_key_word *w = (pl_key_word *)k;

	w[0] = ip_ver | pl_word32_at(addr) << 32;
	/* IPv4: the other 12 bytes are zero, as in pl_flow_key_of() */
	w[1] = ip_ver == 4 ? 0 : pl_word64_at(addr + 4);
	w[2] = ip_ver == 4 ? 0 : pl_word32_at(addr + 12);
}

/* The ports slot of a packet's transport and destination port, or
 * PL_PORT_SLOTS (no slot) when it has none of TCP, UDP and SCTP. */
static __always_inline __u32 pl_pkt_port_slot(const struct pl_pkt *p)
{
	__u8 proto = p->present & PL_HAS_TCP	? 6
		     : p->present & PL_HAS_UDP	? 17
		     : p->present & PL_HAS_SCTP ? 132
						: 0;

	return pl_port_slot(proto, p->dport);
}

/* Is the packet a TCP SYN without ACK, a connection attempt (the sources
 * table's SYNs)? */
static __always_inline __u64 pl_pkt_syn(const struct pl_pkt *p)
{
	return (p->present & PL_HAS_TCP) &&
	       (p->tcp_flags & (PL_TCP_SYN | PL_TCP_ACK)) == PL_TCP_SYN;
}

/* 64 bits of a key of `words` 8-byte words: the kernel's flows and
 * sources tables are keyed by it. The even and the odd words go through
 * two chains of name_hash()'s mix (flow_account.h), which run side by
 * side on the CPU, and a last round joins them: a key's hash takes half
 * the serial multiplies of one chain. */
static __always_inline __u64 pl_key_hash(const void *key, __u32 words)
{
	const pl_key_word *w = (const pl_key_word *)key;
	__u64 a = 0x9e3779b97f4a7c15ull, b = 0x6a09e667f3bcc909ull ^ words;
	__u32 i;

	for (i = 0; i < words; i++) {
		if (i & 1) {
			b = (b ^ w[i]) * 0x94d049bb133111ebull;
			b ^= b >> 29;
		} else {
			a = (a ^ w[i]) * 0xbf58476d1ce4e5b9ull;
			a ^= a >> 31;
		}
	}
	a = (a ^ b) * 0xbf58476d1ce4e5b9ull;
	return a ^ (a >> 31);
}

_Static_assert(sizeof(struct pl_flow_key) == 48, "pl_flow_key_of() writes 6 words");
_Static_assert(__builtin_offsetof(struct pl_flow_key, src) == 12 &&
		       __builtin_offsetof(struct pl_flow_key, sport) == 44,
	       "pl_flow_key_of()'s layout");
_Static_assert(sizeof(struct pl_src_key) == 24 && __builtin_offsetof(struct pl_src_key, addr) == 4,
	       "pl_src_key_of() writes 3 words");
#define pl_flow_hash(k) pl_key_hash((k), sizeof(struct pl_flow_key) / 8)
#define pl_src_hash(k)	pl_key_hash((k), sizeof(struct pl_src_key) / 8)

/* Do two keys of `words` words hold the same? Word by word, as BPF has
 * no memcmp. */
static __always_inline bool pl_key_eq(const void *a, const void *b, __u32 words)
{
	const pl_key_word *x = (const pl_key_word *)a, *y = (const pl_key_word *)b;
	__u64 d = 0;
	__u32 i;

	for (i = 0; i < words; i++)
		d |= x[i] ^ y[i];
	return !d;
}

/*
 * The handshake of a flow (one direction) that began with a SYN ends with
 * its first ACK without SYN, RST or FIN: the client acknowledging the
 * SYN-ACK (a flow sees one direction, so the SYN-ACK itself is not seen).
 * `before` is the OR of the flags of the flow's packets before this one,
 * `flags` this packet's. Returns the value of handshake_us for a packet at
 * now_ns, or 0 when this packet does not end a handshake.
 */
static __always_inline __u32 pl_flow_handshake(const struct pl_flow_val *v, __u32 before,
					       __u32 flags, __u64 now_ns)
{
	__u64 us;

	if (v->handshake_us || before != PL_TCP_SYN ||
	    (flags & (PL_TCP_FIN | PL_TCP_SYN | PL_TCP_RST | PL_TCP_ACK)) != PL_TCP_ACK ||
	    now_ns < v->first_ns)
		return 0;
	us = (now_ns - v->first_ns) / 1000;
	return us > 0xffffffffull ? 0xffffffffu : us ? (__u32)us : 1;
}

/* The L7 name the name tables count for a packet and a flow keeps as its
 * first name: its TLS SNI, else its DNS query name, else its HTTP host.
 * Returns its enum pl_name_kind with *name and *len set, or 0. */
static __always_inline __u32 pl_flow_name_of(const struct pl_pkt *p, const char **name, __u32 *len)
{
	if (p->present & PL_HAS_TLS_SNI) {
		*name = p->l7.tls.sni, *len = p->l7.tls.sni_len;
		return PL_NAME_SNI;
	}
	if (p->present & PL_HAS_DNS_QRY) {
		*name = p->l7.dns.name, *len = p->l7.dns.name_len;
		return PL_NAME_DNS;
	}
	if (p->present & PL_HAS_HTTP_HOST) {
		*name = p->l7.http.host, *len = p->l7.http.host_len;
		return PL_NAME_HTTP;
	}
	return 0;
}

#endif
