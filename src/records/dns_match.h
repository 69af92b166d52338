/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS response times (dns.time): a query's time is kept under its 5-tuple
 * and id until its response comes. One implementation for the kernel
 * (src/bpf/packet.bpf.c, an LRU hash map) and the host (read, an LRU
 * util/htab.c table), so live records and read's agree. The types come
 * with any include; pl_dns_match() with an include after the includer
 * defined the table's three operations:
 *   pl_dns_tab_find(tab, key)      the struct pl_dns_pending *, or NULL
 *   pl_dns_tab_put(tab, key, val)  insert or replace
 *   pl_dns_tab_del(tab, key)
 * Only port 53 is matched: mDNS (5353) answers to a multicast group.
 */
#ifndef PKTLENS_DNS_MATCH_H
#define PKTLENS_DNS_MATCH_H

#include "records/record.h"

#define PL_DNS_PENDING_ENTRIES 16384 /* queries waiting for their response */
#define PL_DNS_RCODES	       16    /* the header's 4-bit rcode */

/* A query's conversation seen from the client; no padding (a map key). */
struct pl_dns_key {
	__u8 client[16]; /* network order; IPv4 uses the first 4 bytes */
	__u8 server[16];
	__u16 cport;
	__u16 sport;
	__u16 id;
	__u8 proto; /* 6 or 17 */
	__u8 ip_ver;
};

struct pl_dns_pending {
	__u64 ts_ns; /* when the query was seen */
};

enum pl_dns_kind {
	PL_DNS_OTHER = 0,
	PL_DNS_QUERY,
	PL_DNS_RESPONSE,
};

/* Fills k for a DNS query or response to or from port 53. */
static __always_inline enum pl_dns_kind pl_dns_key_of(const struct pl_pkt *p,
						      struct pl_dns_key *k)
{
	int resp;

	if (!(p->present & PL_HAS_DNS) || !(p->present & (PL_HAS_IP4 | PL_HAS_IP6)))
		return PL_DNS_OTHER;
	resp = p->l7.dns.flags >> 15;
	if ((resp ? p->sport : p->dport) != 53)
		return PL_DNS_OTHER;
	__builtin_memcpy(k->client, resp ? p->ip_dst : p->ip_src, 16);
	__builtin_memcpy(k->server, resp ? p->ip_src : p->ip_dst, 16);
	k->cport = resp ? p->dport : p->sport;
	k->sport = 53;
	k->id = p->l7.dns.id;
	k->proto = p->l4_proto;
	k->ip_ver = (p->present & PL_HAS_IP4) ? 4 : 6;
	return resp ? PL_DNS_RESPONSE : PL_DNS_QUERY;
}

#endif /* PKTLENS_DNS_MATCH_H */

#if defined(pl_dns_tab_find) && !defined(PKTLENS_DNS_MATCH_FN)
#define PKTLENS_DNS_MATCH_FN
/* A query is remembered (a retransmission restarts its clock); a
 * response takes its query's entry and gets its time in p (at least 1 ns,
 * so 0 stays "not matched"). Returns the kind; *dt_ns is the time of a
 * matched response, else 0. */
static __always_inline enum pl_dns_kind pl_dns_match(void *tab, struct pl_pkt *p, __u64 now_ns,
						     __u64 *dt_ns)
{
	struct pl_dns_key k;
	struct pl_dns_pending v, *q;
	enum pl_dns_kind kind = pl_dns_key_of(p, &k);

	*dt_ns = 0;
	if (kind != PL_DNS_OTHER)
		p->l7.dns.time_ns = 0;
	if (kind == PL_DNS_QUERY) {
		v.ts_ns = now_ns;
		pl_dns_tab_put(tab, &k, &v);
	} else if (kind == PL_DNS_RESPONSE) {
		q = pl_dns_tab_find(tab, &k);
		if (q && now_ns >= q->ts_ns) {
			*dt_ns = now_ns - q->ts_ns ? now_ns - q->ts_ns : 1;
			p->l7.dns.time_ns = *dt_ns;
			pl_dns_tab_del(tab, &k);
		}
	}
	return kind;
}

#endif
