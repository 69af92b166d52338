/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The detectors: floods, scans, spoofing, tunnelling hints, malformed and
 * suspicious packets. Plain C over the parser's output (struct pl_scratch),
 * built for the BPF target (src/detect/detect.bpf.h) and for the host
 * (src/detect/host.c), like the parser.
 *
 * The target defines, before including this file (c is a struct
 * pl_det_ctx *, detect.h):
 *   pl_det_cfg(c)                      const volatile struct pl_det_config *
 *   pl_det_src_get(c, key)             per-source LRU state, created zeroed
 *   pl_det_arp_get(c, ip)              per-IPv4 ARP state, created zeroed
 *   pl_det_dns_get(c, key)             per-(source, domain) DNS state
 *   pl_det_dst_slot(c, i)              slot i of the destination table
 *   pl_det_srcq_slot(c, i)             slot i of the per-source rate table
 *   pl_det_frag_slot(c, i)             slot i of the fragment table
 *   pl_det_alert_ns(c)                 the time an alert is stamped with:
 *                                      never earlier than c->now
 *   pl_det_send(c)                     sends c->alert (ring buffer, callback)
 *   pl_det_block(c)                    --enforce: block c->alert's source;
 *                                      returns the TTL in s, or 0
 * The per-key state lives in LRU hash maps in the kernel and in a host hash
 * table in `read --detect`; the slot tables are arrays indexed by a hash in
 * both. Nothing here keeps a timer: counts are kept in half-windows (see
 * detect.h) and every alert is rate-limited to one per key and rule per
 * window.
 *
 * Cost: every IP packet the filter passes is classified; an ACK with data
 * stops there, the common packets touch one or two slots (one inlined
 * array lookup each), and only the rare or suspicious ones reach an LRU
 * entry or the alert path (global functions, verified once each).
 */
#include "parse/cursor.h"
#include "detect.h"
#include "entropy.h"

/* ACKs sampled for "handshakes completed": ACKs without data whose ack
 * number is a multiple of PL_DET_ACK_WEIGHT, each counting for that many
 * (a handshake's ack number is random: a fair sample) */
#define PL_DET_ACK_WEIGHT 4

#define PL_DNS_QTYPE_NULL 10
#define PL_DNS_QTYPE_TXT  16

/* What a packet means to the per-source detectors. */
enum {
	PL_DS_SYN = 1u << 0,
	PL_DS_PROBE = 1u << 1, /* a connection attempt: feeds the scan sketches */
	PL_DS_ICMP = 1u << 2,
	PL_DS_UDP = 1u << 3,
	PL_DS_MALFORMED = 1u << 4,
	PL_DS_LAND = 1u << 5,
	PL_DS_STEALTH = 1u << 6, /* kind in bits 8..9 */
	/* set by the rate tier for the LRU tier: a rate crossed its threshold
	 * (its count in c->rate[]) */
	PL_DS_SYN_HIT = 1u << 10,
	PL_DS_ICMP_HIT = 1u << 11,
	PL_DS_UDP_HIT = 1u << 12,
	PL_DS_MALFORMED_HIT = 1u << 13,
};
#define PL_DS_STEALTH_SHIFT 8
/* what the rate tier counts */
#define PL_DS_RATES	    (PL_DS_SYN | PL_DS_PROBE | PL_DS_ICMP | PL_DS_UDP | PL_DS_MALFORMED)
/* what needs the source's LRU entry */
#define PL_DS_LRU                                                                    \
	(PL_DS_PROBE | PL_DS_LAND | PL_DS_STEALTH | PL_DS_SYN_HIT | PL_DS_ICMP_HIT | \
	 PL_DS_UDP_HIT | PL_DS_MALFORMED_HIT | 3u << PL_DS_STEALTH_SHIFT)

/* ... and to the per-destination ones. */
enum {
	PL_DD_SYN = 1u << 0,
	PL_DD_ACK = 1u << 1,
	PL_DD_ICMP = 1u << 2,
	PL_DD_UDP = 1u << 3,
};

#define PL_DET_CLASS_OTHER 38

/* slot index from the top bits of det_fold() */
#define PL_DET_DST_SHIFT  52 /* 4096 slots */
#define PL_DET_SRCQ_SHIFT 50 /* 16384 slots */
_Static_assert(PL_DET_DST_SLOTS == 1u << (64 - PL_DET_DST_SHIFT), "dst slots");
_Static_assert(PL_DET_SRCQ_SLOTS == 1u << (64 - PL_DET_SRCQ_SHIFT), "srcq slots");

/* ---- small helpers ---- */

PL_INLINE void det_addr(const struct pl_pkt *p, const __u8 *ip, struct pl_det_addr *k)
{
	__u64 *w = (__u64 *)k->a;
	__u32 v4;

	if (p->present & PL_HAS_IP6) {
		w[0] = pl_load64(ip);
		w[1] = pl_load64(ip + 8);
		return;
	}
#ifdef __bpf__
	v4 = *(const __u32 *)ip;
#else
	__builtin_memcpy(&v4, ip, 4);
#endif
	w[0] = 0;
	w[1] = (__u64)v4 << 32 | 0xffff0000ull; /* ::ffff:a.b.c.d */
}

PL_INLINE bool det_addr_eq(const struct pl_det_addr *x, const struct pl_det_addr *y)
{
	return pl_load64(x->a) == pl_load64(y->a) && pl_load64(x->a + 8) == pl_load64(y->a + 8);
}

PL_INLINE __u32 det_mix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (__u32)h;
}

/* A well-mixed hash for the LRU tier's sketches and the fragment table. */
PL_INLINE __u32 det_hash_addr(const struct pl_det_addr *k, __u64 seed)
{
	return det_mix(pl_load64(k->a) * 0x9e3779b97f4a7c15ull ^ pl_load64(k->a + 8) ^ seed);
}

/* The slots' hash: two multiplies; use its top bits. */
PL_INLINE __u64 det_fold(const struct pl_det_addr *k)
{
	return (pl_load64(k->a) * 0x9e3779b97f4a7c15ull ^ pl_load64(k->a + 8)) *
	       0xbf58476d1ce4e5b9ull;
}

PL_INLINE __u32 det_popcount(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (__u32)((x * 0x0101010101010101ull) >> 56);
}

PL_INLINE __u64 det_window(const volatile struct pl_det_config *cfg)
{
	return cfg->half_ns * 2;
}

/* May a rule alert again? Once per window per key: `last` is the time of
 * its last alert's record. The allowed alert's record gets c->alert_ns,
 * which is not earlier than c->now, so records of one key and rule are a
 * window apart. A capture whose time goes backwards is judged by the
 * distance. */
PL_INLINE bool det_may_alert(struct pl_det_ctx *c, __u64 *last)
{
	__s64 window = (__s64)det_window(pl_det_cfg(c));
	__u64 prev = *last;
	__s64 d = (__s64)(c->now - prev);

	if (prev && d < window && d > -window)
		return false;
	c->alert_ns = pl_det_alert_ns(c);
	/* the kernel's tables are shared by the CPUs: of two that judge the
	 * same key at once, only the one that swaps `last` first alerts */
	return __sync_val_compare_and_swap(last, prev, c->alert_ns) == prev;
}

/* Rules whose subject is the packet's source: --enforce may block it. */
PL_INLINE bool det_rule_blocks_source(__u32 rule)
{
	switch (rule) {
	case PL_RULE_SYN_FLOOD_DST:
	case PL_RULE_ICMP_FLOOD_DST:
	case PL_RULE_UDP_FLOOD_DST:
	case PL_RULE_ARP_MAC_CHANGE:
	case PL_RULE_ARP_UNSOLICITED:
		return false;
	}
	return true;
}

/* The addresses and ports an alert of `rule` names (enum pl_alert_flags). */
PL_INLINE __u32 det_what(__u32 rule)
{
	switch (rule) {
	case PL_RULE_SYN_FLOOD_DST:
	case PL_RULE_SYN_RATE_SRC:
	case PL_RULE_UDP_FLOOD_SRC:
	case PL_RULE_UDP_FLOOD_DST:
	case PL_RULE_LAND:
		return PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_PORTS;
	case PL_RULE_PORT_SCAN_HORIZONTAL: /* one port, many hosts */
		return PL_ALERT_SRC | PL_ALERT_PORTS;
	}
	return PL_ALERT_SRC | PL_ALERT_DST;
}

/* Starts c->alert for `rule` with the packet's addresses (as `what` asks). */
PL_INLINE struct pl_alert_event *det_alert(struct pl_det_ctx *c, const struct pl_pkt *p, __u32 rule,
					   __u64 count, __u64 thr, __u32 what)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);
	struct pl_alert_event *a = &c->alert;

	__builtin_memset(a, 0, sizeof(*a));
	a->type = PL_EV_ALERT;
	a->rule = (__u8)rule;
	a->ifindex = c->ifindex;
	a->ts_ns = c->alert_ns;
	a->count = count;
	a->threshold = thr;
	a->window_ms = (__u32)(det_window(cfg) / 1000000);
	a->l4_proto = p->l4_proto;
	if (p->present & PL_HAS_IP6)
		a->flags |= PL_ALERT_IP6;
	if (what & PL_ALERT_SRC)
		__builtin_memcpy(a->src, p->ip_src, 16);
	if (what & PL_ALERT_DST)
		__builtin_memcpy(a->dst, p->ip_dst, 16);
	if ((what & PL_ALERT_PORTS) && (p->present & (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_SCTP))) {
		a->sport = p->sport;
		a->dport = p->dport;
	} else {
		what &= ~PL_ALERT_PORTS;
	}
	a->flags |= (__u8)(what & (PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_PORTS));
	return a;
}

/* Sends c->alert; with --enforce first blocks its source when the rule is
 * about the source. */
PL_INLINE void det_fire(struct pl_det_ctx *c)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);
	struct pl_alert_event *a = &c->alert;
	__u32 ttl;

	if (cfg->enforce_ttl_ns && (a->flags & PL_ALERT_SRC) && det_rule_blocks_source(a->rule)) {
		ttl = pl_det_block(c);
		if (ttl) {
			a->flags |= PL_ALERT_BLOCKED;
			a->block_ttl_s = ttl;
		}
	}
	pl_det_send(c);
}

/* An alert about the packet in s: built and sent out of line, as alerts
 * are rare and their code is long. */
PL_SUBPROG int pl_det_raise(struct pl_scratch *s, struct pl_det_ctx *c, __u32 rule, __u64 count,
			    __u64 thr)
{
	if (!s || !c)
		return 0;
	det_alert(c, &s->ev.pkt, rule, count, thr, det_what(rule));
	det_fire(c);
	return 0;
}

/* ---- per-destination slots: SYN flood, ICMP and UDP floods ---- */

PL_INLINE void det_dst_count(struct pl_scratch *s, struct pl_det_ctx *c, __u32 ev)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);
	struct pl_pkt *p = &s->ev.pkt;
	struct pl_det_dst *d;
	__u64 n = c->half, sum, other;
	__u32 cur, prev;

	d = pl_det_dst_slot(c, (__u32)(c->hdst >> PL_DET_DST_SHIFT));
	if (!d)
		return;
	if (n != d->half_n) {
		if (!det_addr_eq(&d->addr, &c->kdst) && d->half_n + 1 < n) {
			/* a stale slot: this destination takes it over */
			__builtin_memset(d, 0, sizeof(*d));
			d->addr = c->kdst;
		}
		if (n == d->half_n + 1)
			__builtin_memset(&d->h[n & 1], 0, sizeof(d->h[0]));
		else if (n > d->half_n)
			__builtin_memset(d->h, 0, sizeof(d->h));
		if (n > d->half_n)
			d->half_n = n;
	}
	cur = d->half_n & 1;
	prev = cur ^ 1;
	if (ev & PL_DD_ACK) {
		d->h[cur].ack += PL_DET_ACK_WEIGHT;
		return;
	}
	if ((ev & PL_DD_SYN) && PL_DET_RULE_ON(cfg, PL_RULE_SYN_FLOOD_DST)) {
		d->h[cur].syn++;
		d->h[cur].ports |= 1ull << ((p->dport * 0x9e3779b97f4a7c15ull) >> 58);
		sum = (__u64)d->h[cur].syn + d->h[prev].syn;
		other = (__u64)d->h[cur].ack + d->h[prev].ack;
		/* a flood aims at a service; SYNs spread over many ports (16 of
		 * the sketch's 64 bits: about 18 ports) are a scan */
		if (sum >= cfg->thr[PL_THR_SYN_FLOOD_DST] &&
		    other * 100 < sum * cfg->thr[PL_THR_SYN_FLOOD_PCT] &&
		    det_popcount(d->h[0].ports | d->h[1].ports) < 16 &&
		    det_may_alert(c, &d->last_alert[0]))
			pl_det_raise(s, c, PL_RULE_SYN_FLOOD_DST, sum,
				     cfg->thr[PL_THR_SYN_FLOOD_DST]);
	}
	if ((ev & PL_DD_ICMP) && PL_DET_RULE_ON(cfg, PL_RULE_ICMP_FLOOD_DST)) {
		sum = (__u64)++d->h[cur].icmp + d->h[prev].icmp;
		if (sum >= cfg->thr[PL_THR_ICMP_DST] &&
		    det_may_alert(c, &d->last_alert[1]))
			pl_det_raise(s, c, PL_RULE_ICMP_FLOOD_DST, sum, cfg->thr[PL_THR_ICMP_DST]);
	}
	if ((ev & PL_DD_UDP) && PL_DET_RULE_ON(cfg, PL_RULE_UDP_FLOOD_DST)) {
		sum = (__u64)++d->h[cur].udp + d->h[prev].udp;
		if (sum >= cfg->thr[PL_THR_UDP_DST] &&
		    det_may_alert(c, &d->last_alert[2]))
			pl_det_raise(s, c, PL_RULE_UDP_FLOOD_DST, sum, cfg->thr[PL_THR_UDP_DST]);
	}
}

/* ---- per-source rate slots, the cheap tier ---- */

/* One rate: counts it, and asks the LRU tier (returns hit) when it crossed
 * its threshold. The LRU tier alerts at most once a window, so the slot
 * does not ask again for two halves: a flood's packets stay in this tier. */
#define DET_RATE(idx, field, thr_i, rule, hit)                               \
	do {                                                                 \
		c->rate[idx] = (__u64)++q->h[cur].field + q->h[prev].field;  \
		if (c->rate[idx] >= cfg->thr[thr_i] && n >= q->quiet[idx] && \
		    PL_DET_RULE_ON(cfg, rule)) {                             \
			ev |= (hit);                                         \
			q->quiet[idx] = n + 2;                               \
		}                                                            \
	} while (0)

/* Returns ev with what needs the LRU tier: the _HIT bits, and PL_DS_PROBE
 * only for a probe other than the source's previous one. */
PL_INLINE __u32 det_srcq_count(struct pl_scratch *s, struct pl_det_ctx *c, __u32 ev)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);
	struct pl_pkt *p = &s->ev.pkt;
	struct pl_det_srcq *q;
	__u64 n = c->half, probe;
	__u32 cur, prev;

	q = pl_det_srcq_slot(c, (__u32)(c->hsrc >> PL_DET_SRCQ_SHIFT));
	if (!q)
		return ev & PL_DS_LRU;
	if (n != q->half_n) {
		if (!det_addr_eq(&q->addr, &c->ksrc) && q->half_n + 1 < n) {
			__builtin_memset(q, 0, sizeof(*q));
			q->addr = c->ksrc;
		}
		if (n > q->half_n) {
			if (n == q->half_n + 1)
				__builtin_memset(&q->h[n & 1], 0, sizeof(q->h[0]));
			else
				__builtin_memset(q->h, 0, sizeof(q->h));
			q->half_n = n;
			q->last_probe = 0; /* each half's sketches see it again */
		}
	}
	cur = q->half_n & 1;
	prev = cur ^ 1;
	if (ev & PL_DS_PROBE) {
		probe = (c->hdst ^ p->dport * 0xd6e8feb86659fd93ull) | 1;
		if (probe == q->last_probe)
			ev &= ~(__u32)PL_DS_PROBE; /* nothing new for the sketches */
		q->last_probe = probe;
	}
	if (ev & PL_DS_SYN)
		DET_RATE(0, syn, PL_THR_SYN_RATE_SRC, PL_RULE_SYN_RATE_SRC, PL_DS_SYN_HIT);
	if (ev & PL_DS_ICMP)
		DET_RATE(1, icmp, PL_THR_ICMP_SRC, PL_RULE_ICMP_FLOOD_SRC, PL_DS_ICMP_HIT);
	if (ev & PL_DS_UDP)
		DET_RATE(2, udp, PL_THR_UDP_SRC, PL_RULE_UDP_FLOOD_SRC, PL_DS_UDP_HIT);
	if (ev & PL_DS_MALFORMED)
		DET_RATE(3, malformed, PL_THR_MALFORMED, PL_RULE_MALFORMED, PL_DS_MALFORMED_HIT);
	return ev & PL_DS_LRU;
}

/* ---- per-source LRU tier: scans, stealth, land, rate alerts ---- */

PL_INLINE void det_src_advance(struct pl_det_src *st, __u64 n)
{
	if (n == st->half_n || n < st->half_n)
		return;
	if (n == st->half_n + 1) {
		__builtin_memset(&st->h[n & 1], 0, sizeof(st->h[0]));
		st->ports_union = st->h[(n - 1) & 1].ports;
		st->hosts_union = st->h[(n - 1) & 1].hosts;
	} else {
		__builtin_memset(st->h, 0, sizeof(st->h));
		st->ports_union = 0;
		st->hosts_union = 0;
	}
	st->half_n = n;
}

/* A source rule crossed its threshold: alert once per window. */
PL_INLINE void det_src_alert(struct pl_scratch *s, struct pl_det_ctx *c, struct pl_det_src *st,
			     __u32 rule, __u64 count, __u64 thr)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);

	if (!PL_DET_RULE_ON(cfg, rule) ||
	    !det_may_alert(c, &st->last_alert[rule % PL_RULE__COUNT]))
		return;
	pl_det_raise(s, c, rule, count, thr);
}

/* Sets the sketch bit for v; returns 1 when it was new to the window. */
PL_INLINE __u32 det_sketch_add(__u64 *cur_bm, const __u64 *prev_bm, __u32 words_mask,
			       __u32 bits_shift, __u64 v, __u16 *cur_n)
{
	__u32 b = det_mix(v * 0x9e3779b97f4a7c15ull) >> (32 - bits_shift);
	__u32 w = (b >> 6) & words_mask;
	__u64 bit = 1ull << (b & 63);

	if (cur_bm[w] & bit)
		return 0;
	cur_bm[w] |= bit;
	(*cur_n)++;
	return (prev_bm[w] & bit) ? 0 : 1;
}

PL_SUBPROG int pl_det_src(struct pl_scratch *s, struct pl_det_ctx *c, __u32 ev)
{
	const volatile struct pl_det_config *cfg;
	struct pl_det_src_half *cur, *prev;
	struct pl_det_src *st;
	struct pl_pkt *p;
	__u32 kind, i, n;

	if (!s || !c)
		return 0;
	p = &s->ev.pkt;
	cfg = pl_det_cfg(c);
	st = pl_det_src_get(c, &c->ksrc);
	if (!st)
		return 0;
	det_src_advance(st, c->half);
	i = st->half_n & 1;
	cur = &st->h[i];
	prev = &st->h[i ^ 1];

	if (ev & PL_DS_PROBE) {
		if (det_sketch_add(cur->port_bm, prev->port_bm, PL_DET_PORT_BITS / 64 - 1, 9,
				   p->dport, &cur->ports))
			st->ports_union++;
		if (det_sketch_add(cur->host_bm, prev->host_bm, PL_DET_HOST_BITS / 64 - 1, 8,
				   c->hdst, &cur->hosts))
			st->hosts_union++;
		if (st->ports_union >= cfg->thr[PL_THR_SCAN_PORTS])
			det_src_alert(s, c, st, PL_RULE_PORT_SCAN_VERTICAL, st->ports_union,
				      cfg->thr[PL_THR_SCAN_PORTS]);
		if (st->hosts_union >= cfg->thr[PL_THR_SCAN_HOSTS])
			det_src_alert(s, c, st, PL_RULE_PORT_SCAN_HORIZONTAL, st->hosts_union,
				      cfg->thr[PL_THR_SCAN_HOSTS]);
	}
	/* SYNs to many ports are a scan, and reported as one */
	if ((ev & PL_DS_SYN_HIT) && st->ports_union < cfg->thr[PL_THR_SCAN_PORTS])
		det_src_alert(s, c, st, PL_RULE_SYN_RATE_SRC, c->rate[0],
			      cfg->thr[PL_THR_SYN_RATE_SRC]);
	if (ev & PL_DS_STEALTH) {
		kind = (ev >> PL_DS_STEALTH_SHIFT) & 3;
		n = ++cur->stealth[kind] + prev->stealth[kind];
		if (n >= cfg->thr[PL_THR_STEALTH])
			det_src_alert(s, c, st, PL_RULE_NULL_SCAN + kind, n,
				      cfg->thr[PL_THR_STEALTH]);
	}
	if (ev & PL_DS_ICMP_HIT)
		det_src_alert(s, c, st, PL_RULE_ICMP_FLOOD_SRC, c->rate[1],
			      cfg->thr[PL_THR_ICMP_SRC]);
	if (ev & PL_DS_UDP_HIT)
		det_src_alert(s, c, st, PL_RULE_UDP_FLOOD_SRC, c->rate[2],
			      cfg->thr[PL_THR_UDP_SRC]);
	if (ev & PL_DS_MALFORMED_HIT)
		det_src_alert(s, c, st, PL_RULE_MALFORMED, c->rate[3], cfg->thr[PL_THR_MALFORMED]);
	if (ev & PL_DS_LAND)
		det_src_alert(s, c, st, PL_RULE_LAND, 1, 1);
	return 0;
}

/* ---- fragments: tiny first fragments, overlaps ---- */

/* The fragment's place in its datagram, in bytes: [lo, hi); more = MF. */
struct det_frag_info {
	__u32 tag;
	__u32 lo;
	__u32 hi;
	__u32 more;
};

/* IPv6: walks the extension headers again to the fragment header (the
 * parser records their types, not their offsets). Returns 0 when found. */
PL_INLINE int det_frag6(struct pl_scratch *s, struct det_frag_info *f)
{
	struct pl_pkt *p = &s->ev.pkt;
	__u32 ext0 = s->l3_off + 40, off = ext0, nxt = p->ip_proto, next, i, fo, plen;

	plen = pl_be16(s, s->l3_off + 4);
	for (i = 0; i < PL_MAX_IP6_EXT; i++) {
		if (off + 8 > s->len || off + 8 > ext0 + plen)
			return -1;
		if (nxt == 44) {
			fo = pl_be16(s, off + 2);
			f->lo = (fo >> 3) * 8;
			f->hi = f->lo + (ext0 + plen - (off + 8));
			f->more = fo & 1;
			f->tag = pl_be32(s, off + 4);
			return 0;
		}
		next = pl_u8(s, off);
		if (nxt == 0 || nxt == 43 || nxt == 60)
			off += (pl_u8(s, off + 1) + 1u) * 8;
		else if (nxt == 51)
			off += (pl_u8(s, off + 1) + 2u) * 4;
		else
			return -1;
		nxt = next;
	}
	return -1;
}

PL_SUBPROG int pl_det_frag(struct pl_scratch *s, struct pl_det_ctx *c)
{
	const volatile struct pl_det_config *cfg;
	struct det_frag_info f = {};
	struct pl_det_addr ks, kd;
	struct pl_det_frag *slot;
	struct pl_det_src *st;
	struct pl_pkt *p;
	__u32 i, h, tag;
	bool overlap = false, merged = false;

	if (!s || !c)
		return 0;
	p = &s->ev.pkt;
	cfg = pl_det_cfg(c);
	if (p->present & PL_HAS_IP4) {
		if (p->ip_hdr_len < 20 || p->ip_len < p->ip_hdr_len)
			return 0;
		f.lo = p->ip_frag_offset * 8u;
		f.hi = f.lo + p->ip_len - p->ip_hdr_len;
		f.more = p->ip_mf;
		f.tag = p->ip_id | (__u32)p->ip_proto << 16;
	} else if (det_frag6(s, &f)) {
		return 0;
	}
	ks = c->ksrc;
	kd = c->kdst;

	/* a first fragment too small to hold the transport header */
	if (f.lo == 0 && f.more && f.hi < cfg->thr[PL_THR_TINY_FRAG] &&
	    PL_DET_RULE_ON(cfg, PL_RULE_TINY_FRAGMENT)) {
		st = pl_det_src_get(c, &ks);
		if (st &&
		    det_may_alert(c, &st->last_alert[PL_RULE_TINY_FRAGMENT]))
			pl_det_raise(s, c, PL_RULE_TINY_FRAGMENT, f.hi, cfg->thr[PL_THR_TINY_FRAG]);
	}
	if (!PL_DET_RULE_ON(cfg, PL_RULE_FRAGMENT_OVERLAP))
		return 0;

	h = det_hash_addr(&ks, pl_load64(kd.a + 8) ^ f.tag);
	tag = h | 1;
	slot = pl_det_frag_slot(c, (h >> 20) & (PL_DET_FRAG_SLOTS - 1));
	if (!slot)
		return 0;
	if (slot->tag != tag || c->now - slot->seen_ns > PL_DET_FRAG_TIMEOUT_NS) {
		__builtin_memset(slot, 0, sizeof(*slot));
		slot->tag = tag;
	}
	slot->seen_ns = c->now;
	for (i = 0; i < PL_DET_FRAG_RANGES; i++) {
		if (i >= slot->n)
			break;
		if (f.lo < slot->hi[i] && slot->lo[i] < f.hi)
			overlap = true;
	}
	if (overlap) {
		st = pl_det_src_get(c, &ks);
		if (st && det_may_alert(c, &st->last_alert[PL_RULE_FRAGMENT_OVERLAP]))
			pl_det_raise(s, c, PL_RULE_FRAGMENT_OVERLAP, 1, 1);
		return 0;
	}
	/* remember the range: merged into an adjacent one, or a new one */
	for (i = 0; i < PL_DET_FRAG_RANGES; i++) {
		if (i >= slot->n)
			break;
		if (slot->hi[i] == f.lo) {
			slot->hi[i] = f.hi;
			merged = true;
			break;
		}
		if (slot->lo[i] == f.hi) {
			slot->lo[i] = f.lo;
			merged = true;
			break;
		}
	}
	if (!merged && slot->n < PL_DET_FRAG_RANGES) {
		slot->lo[slot->n & (PL_DET_FRAG_RANGES - 1)] = f.lo;
		slot->hi[slot->n & (PL_DET_FRAG_RANGES - 1)] = f.hi;
		slot->n++;
	}
	return 0;
}

/* ---- ARP: an address whose MAC changes; replies nobody asked for ---- */

PL_SUBPROG int pl_det_arp(struct pl_scratch *s, struct pl_det_ctx *c)
{
	static const __u8 bcast[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const volatile struct pl_det_config *cfg;
	struct pl_alert_event *a;
	struct pl_det_arp *e;
	struct pl_pkt *p;
	__u8 sha[8] = {};
	__u32 off, spa, tpa;
	bool unsolicited, changed;

	if (!s || !c)
		return 0;
	p = &s->ev.pkt;
	cfg = pl_det_cfg(c);
	off = s->l3_off;
	/* Ethernet/IPv4 ARP: sender MAC at 8, sender IP at 14 */
	if (off + 28 > s->len || pl_u8(s, off + 4) != 6)
		return 0;
	pl_copy_fixed(s, off + 8, sha, 6);
	__builtin_memcpy(&spa, p->arp_spa, 4);
	__builtin_memcpy(&tpa, p->arp_tpa, 4);
	if (!spa)
		return 0; /* an address probe (RFC 5227) claims nothing */
	/* A reply answers one asker, unicast, about the sender's address. A
	 * reply to everyone, or about the address it is sent to, is news that
	 * nobody asked for. (Only one direction is seen at ingress, so the
	 * requests it would answer cannot be matched.) */
	unsolicited = p->arp_opcode == 2 &&
		      (spa == tpa || ((p->present & PL_HAS_ETH) &&
				      pl_load64(p->eth_dst) << 16 == pl_load64(bcast) << 16));
	e = pl_det_arp_get(c, spa);
	if (!e)
		return 0;
	changed = e->seen_ns && (pl_load64(e->mac) ^ pl_load64(sha)) << 16;
	if (changed && PL_DET_RULE_ON(cfg, PL_RULE_ARP_MAC_CHANGE) &&
	    det_may_alert(c, &e->last_alert[0])) {
		a = det_alert(c, p, PL_RULE_ARP_MAC_CHANGE, 1, 1, 0);
		__builtin_memcpy(a->src, &spa, 4);
		__builtin_memcpy(a->dst, &tpa, 4);
		__builtin_memcpy(a->mac, sha, 6);
		__builtin_memcpy(a->mac_prev, e->mac, 6);
		a->flags |= PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_MAC;
		det_fire(c);
	}
	__builtin_memcpy(e->mac, sha, 6);
	e->seen_ns = c->now;
	if (unsolicited && PL_DET_RULE_ON(cfg, PL_RULE_ARP_UNSOLICITED) &&
	    det_may_alert(c, &e->last_alert[1])) {
		a = det_alert(c, p, PL_RULE_ARP_UNSOLICITED, 1, 1, 0);
		__builtin_memcpy(a->src, &spa, 4);
		__builtin_memcpy(a->dst, &tpa, 4);
		__builtin_memcpy(a->mac, sha, 6);
		a->flags |= PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_MAC;
		det_fire(c);
	}
	return 0;
}

/* ---- DNS tunnelling hints: long or random names, TXT/NULL rates ---- */

/* Character classes for the entropy count: letters (case folded),
 * digits, '-', '_', anything else. */
PL_INLINE __u32 det_class(__u32 ch)
{
	if (ch >= 'A' && ch <= 'Z')
		ch += 'a' - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= '0' && ch <= '9')
		return 26 + ch - '0';
	if (ch == '-')
		return 36;
	if (ch == '_')
		return 37;
	return PL_DET_CLASS_OTHER;
}

struct det_dns_walk {
	struct pl_det_ctx *c;
	struct pl_scratch *s;
	__u32 len;    /* name bytes */
	__u32 last;   /* 1 + the offset of the last dot, 0 = none */
	__u32 prev;   /* the same for the dot before it */
	__u32 chars;  /* non-dot characters counted */
	__u32 from;   /* second pass: where the registered domain starts */
	__u32 dchars; /* its non-dot characters */
	__u32 hash;   /* FNV-1a of the registered domain, case folded */
};

/* First pass: count every character, note the last two dots. */
static long det_dns_count(__u32 i, void *ctx)
{
	struct det_dns_walk *w = ctx;
	struct pl_det_ctx *c = w->c;
	struct pl_scratch *s = w->s;
	__u32 ch;

	if (!c || !s || i >= w->len)
		return 1;
	ch = (__u8)s->ev.pkt.l7.dns.name[i & (PL_DNS_NAME_MAX - 1)];
	if (ch == '.') {
		w->prev = w->last;
		w->last = i + 1;
		return 0;
	}
	c->hist[pl_mask(det_class(ch), PL_DET_HIST - 1)]++;
	w->chars++;
	return 0;
}

/* Second pass over the registered domain (the last two labels): take its
 * characters out of the counts, and hash it. */
static long det_dns_domain(__u32 i, void *ctx)
{
	struct det_dns_walk *w = ctx;
	struct pl_det_ctx *c = w->c;
	struct pl_scratch *s = w->s;
	__u32 ch, pos = w->from + i;

	if (!c || !s || pos >= w->len)
		return 1;
	ch = (__u8)s->ev.pkt.l7.dns.name[pos & (PL_DNS_NAME_MAX - 1)];
	if (ch >= 'A' && ch <= 'Z')
		ch += 'a' - 'A';
	w->hash = (w->hash ^ ch) * 16777619u;
	if (ch != '.') {
		c->hist[pl_mask(det_class(ch), PL_DET_HIST - 1)]--;
		w->dchars++;
	}
	return 0;
}

/* Entropy of the counted characters, in millibits per character. */
PL_INLINE __u32 det_entropy_mbits(struct pl_det_ctx *c, __u32 n)
{
	__u64 sum = 0, all;
	__u32 k;

	if (n < 2 || n > 255)
		return 0;
	for (k = 0; k <= PL_DET_CLASS_OTHER; k++)
		sum += pl_nlog2n[c->hist[k & (PL_DET_HIST - 1)]];
	all = pl_nlog2n[n & 255];
	if (all <= sum) /* one repeated character (or rounding) */
		return 0;
	return (__u32)(((all - sum) * 1000 / n) >> PL_NLOG2N_SHIFT);
}

PL_INLINE void det_dns_alert(struct pl_det_ctx *c, const struct pl_pkt *p, __u32 rule, __u64 count,
			     __u64 thr)
{
	struct pl_alert_event *a =
		det_alert(c, p, rule, count, thr, PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_PORTS);
	__u32 n = p->l7.dns.name_len, off = 0;

	/* a long name keeps its end: the domain it tunnels through */
	if (n > sizeof(a->detail))
		off = n - sizeof(a->detail);
	__builtin_memcpy(a->detail, p->l7.dns.name + pl_mask(off, 127), sizeof(a->detail));
	a->detail_len = (__u16)n;
	a->dns_qtype = p->l7.dns.qtype;
	a->flags |= PL_ALERT_DNS;
	det_fire(c);
}

/* A query pl_det_dns() has anything to say about: a long name, or a TXT
 * or NULL query. */
PL_INLINE bool det_dns_wanted(struct pl_det_ctx *c, const struct pl_pkt *p)
{
	const volatile struct pl_det_config *cfg = pl_det_cfg(c);
	__u32 len = p->l7.dns.name_len, q = p->l7.dns.qtype;

	(void)c; /* the kernel's config is global */
	return len >= cfg->thr[PL_THR_DNS_NAME_LEN] || len >= cfg->thr[PL_THR_DNS_ENTROPY_MIN] ||
	       ((p->present & PL_HAS_DNS_QTYPE) &&
		(q == PL_DNS_QTYPE_TXT || q == PL_DNS_QTYPE_NULL));
}

PL_SUBPROG int pl_det_dns(struct pl_scratch *s, struct pl_det_ctx *c)
{
	const volatile struct pl_det_config *cfg;
	struct det_dns_walk w = {};
	struct pl_det_dns_key dk = {};
	struct pl_det_src *st;
	struct pl_det_dns *e;
	struct pl_pkt *p;
	__u32 len, n, mbits, qtype;
	__u64 half;
	bool txt, judge;

	if (!s || !c)
		return 0;
	p = &s->ev.pkt;
	cfg = pl_det_cfg(c);
	len = p->l7.dns.name_len;
	if (len > 253)
		return 0;
	qtype = (p->present & PL_HAS_DNS_QTYPE) ? p->l7.dns.qtype : 0;
	txt = (qtype == PL_DNS_QTYPE_TXT || qtype == PL_DNS_QTYPE_NULL) &&
	      PL_DET_RULE_ON(cfg, PL_RULE_DNS_TXT_RATE);
	judge = len >= cfg->thr[PL_THR_DNS_ENTROPY_MIN] &&
		PL_DET_RULE_ON(cfg, PL_RULE_DNS_HIGH_ENTROPY);
	dk.src = c->ksrc;

	if (len >= cfg->thr[PL_THR_DNS_NAME_LEN] && PL_DET_RULE_ON(cfg, PL_RULE_DNS_LONG_NAME)) {
		st = pl_det_src_get(c, &dk.src);
		if (st &&
		    det_may_alert(c, &st->last_alert[PL_RULE_DNS_LONG_NAME]))
			det_dns_alert(c, p, PL_RULE_DNS_LONG_NAME, len,
				      cfg->thr[PL_THR_DNS_NAME_LEN]);
	}
	if (!txt && !judge)
		return 0;

	__builtin_memset(c->hist, 0, sizeof(c->hist));
	w.c = c;
	w.s = s;
	w.len = len;
	w.hash = 2166136261u;
	pl_loop(len, det_dns_count, &w);
	/* the registered domain: the last two labels (all of a shorter name) */
	w.from = w.prev;
	pl_loop(len - w.from, det_dns_domain, &w);
	n = w.chars - w.dchars;

	if (judge && n >= cfg->thr[PL_THR_DNS_ENTROPY_MIN]) {
		mbits = det_entropy_mbits(c, n);
		if (mbits >= cfg->thr[PL_THR_DNS_ENTROPY]) {
			st = pl_det_src_get(c, &dk.src);
			if (st && det_may_alert(c, &st->last_alert[PL_RULE_DNS_HIGH_ENTROPY]))
				det_dns_alert(c, p, PL_RULE_DNS_HIGH_ENTROPY, mbits,
					      cfg->thr[PL_THR_DNS_ENTROPY]);
		}
	}
	if (!txt)
		return 0;
	dk.domain_hash = w.hash;
	e = pl_det_dns_get(c, &dk);
	if (!e)
		return 0;
	half = c->half;
	if (half == e->half_n + 1) {
		e->n[half & 1] = 0;
		e->half_n = half;
	} else if (half > e->half_n) {
		e->n[0] = 0;
		e->n[1] = 0;
		e->half_n = half;
	}
	e->n[e->half_n & 1]++;
	if ((__u64)e->n[0] + e->n[1] >= cfg->thr[PL_THR_DNS_TXT] &&
	    det_may_alert(c, &e->last_alert))
		det_dns_alert(c, p, PL_RULE_DNS_TXT_RATE, (__u64)e->n[0] + e->n[1],
			      cfg->thr[PL_THR_DNS_TXT]);
	return 0;
}

/* ---- the entry point: one call per parsed packet ---- */

PL_INLINE bool det_is_loopback(const struct pl_pkt *p)
{
	static const __u8 lo6[16] = { [15] = 1 };

	if (p->present & PL_HAS_IP6)
		return pl_load64(p->ip_src) == pl_load64(lo6) &&
		       pl_load64(p->ip_src + 8) == pl_load64(lo6 + 8);
	return p->ip_src[0] == 127;
}

/* Land: a packet from the address it is sent to (and, for TCP and UDP,
 * from the port it is sent to), as no real stack sends on a wire. For TCP
 * it is the classic SYN, read whole: a header cut after the ports is the
 * malformed rule's business. */
PL_INLINE bool det_is_land(const struct pl_pkt *p)
{
	__u32 n = (p->present & PL_HAS_IP6) ? 16 : 4;

	if (pl_load64(p->ip_src) != pl_load64(p->ip_dst))
		return false;
	if (n == 16 && pl_load64(p->ip_src + 8) != pl_load64(p->ip_dst + 8))
		return false;
	if (n == 4 && (pl_load64(p->ip_src) & 0xffffffffull) == 0)
		return false; /* 0.0.0.0 (DHCP) */
	if ((p->present & (PL_HAS_TCP | PL_HAS_UDP)) && p->sport != p->dport)
		return false;
	if ((p->present & PL_HAS_TCP) &&
	    ((p->present & PL_HAS_L4_PORTS_ONLY) || !(p->tcp_flags & PL_TCP_SYN)))
		return false;
	return !det_is_loopback(p);
}

/* Can a rule use this packet? false for what pl_detect() would classify
 * as nothing: TCP ACKs with data, and pure ACKs not in the sample. Most
 * traffic stops here, before the kernel target even reads the clock. */
PL_INLINE bool pl_det_wants(const struct pl_scratch *s)
{
	const struct pl_pkt *p = &s->ev.pkt;
	__u32 f;

	if ((p->present & (PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY)) != PL_HAS_TCP || p->malformed ||
	    p->ip_mf || p->ip6_n_ext)
		return true;
	f = p->tcp_flags & (PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST | PL_TCP_FIN);
	return f != PL_TCP_ACK ||
	       (s->l4_end <= p->l4_payload_off && !(p->tcp_ack % PL_DET_ACK_WEIGHT));
}

/* Does the IPv6 header chain hold a fragment header (44)? The parser
 * keeps the chain's types: test all 8 bytes at once for 44, as
 * pl_find_byte() does, in the first ip6_n_ext of them. */
PL_INLINE bool det_ip6_frag(const struct pl_pkt *p)
{
	__u64 x = pl_load64(p->ip6_ext) ^ 0x2c2c2c2c2c2c2c2cull, n = p->ip6_n_ext;
	__u64 hit = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;

	if (!n)
		return false;
	return n >= 8 ? hit != 0 : (hit & ((1ull << (8 * n)) - 1)) != 0;
}

PL_SUBPROG int pl_detect(struct pl_scratch *s, struct pl_det_ctx *c)
{
	struct pl_pkt *p;
	__u32 sev = 0, dev = 0, f;
	bool frag, dns;

	if (!s || !c)
		return 0;
	p = &s->ev.pkt;
	if (c->now >= c->half_hi || c->now < c->half_lo) {
		c->half = c->now / pl_det_cfg(c)->half_ns;
		c->half_lo = c->half * pl_det_cfg(c)->half_ns;
		c->half_hi = c->half_lo + pl_det_cfg(c)->half_ns;
	}
	if (p->present & PL_HAS_ARP)
		return (p->present & PL_HAS_ARP_ADDRS) ? pl_det_arp(s, c) : 0;
	if (!(p->present & (PL_HAS_IP4 | PL_HAS_IP6)))
		return 0;

	if ((p->present & (PL_HAS_TCP | PL_HAS_L4_PORTS_ONLY)) == PL_HAS_TCP) {
		f = p->tcp_flags & 0x3f;
		if ((f & (PL_TCP_SYN | PL_TCP_FIN)) == (PL_TCP_SYN | PL_TCP_FIN)) {
			sev |= PL_DS_STEALTH | PL_DS_PROBE | 3u << PL_DS_STEALTH_SHIFT;
		} else if ((f & (PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST)) == PL_TCP_SYN) {
			sev |= PL_DS_SYN | PL_DS_PROBE;
			dev |= PL_DD_SYN;
		} else if (f == 0) {
			sev |= PL_DS_STEALTH | PL_DS_PROBE | 0u << PL_DS_STEALTH_SHIFT;
		} else if (f == PL_TCP_FIN) {
			sev |= PL_DS_STEALTH | PL_DS_PROBE | 1u << PL_DS_STEALTH_SHIFT;
		} else if (f == (PL_TCP_FIN | PL_TCP_PSH | PL_TCP_URG)) {
			sev |= PL_DS_STEALTH | PL_DS_PROBE | 2u << PL_DS_STEALTH_SHIFT;
		} else if ((f & (PL_TCP_SYN | PL_TCP_ACK | PL_TCP_RST | PL_TCP_FIN)) ==
				   PL_TCP_ACK &&
			   s->l4_end <= p->l4_payload_off && !(p->tcp_ack % PL_DET_ACK_WEIGHT)) {
			/* a handshake's last packet is an ACK without data; count
			 * 1 in PL_DET_ACK_WEIGHT of those (by their random ack
			 * number), each for PL_DET_ACK_WEIGHT, to spare the rest
			 * of the traffic the lookup */
			dev |= PL_DD_ACK;
		}
	} else if (p->present & PL_HAS_UDP) {
		sev |= PL_DS_UDP;
		dev |= PL_DD_UDP;
		/* a datagram to a lower port than it comes from: a request (or
		 * a probe), not a server's answer to an ephemeral port */
		if (p->dport < p->sport)
			sev |= PL_DS_PROBE;
	} else if (p->present & PL_HAS_ICMP) {
		sev |= PL_DS_ICMP;
		dev |= PL_DD_ICMP;
	} else if (p->present & PL_HAS_ICMP6) {
		/* neighbour discovery, MLD and router messages are the link's
		 * housekeeping, not traffic */
		if (p->icmp_type < 130 || p->icmp_type > 143) {
			sev |= PL_DS_ICMP;
			dev |= PL_DD_ICMP;
		}
	}
	if (p->malformed)
		sev |= PL_DS_MALFORMED;
	if (det_is_land(p))
		sev |= PL_DS_LAND;

	frag = ((p->present & PL_HAS_IP4) && (p->ip_mf || p->ip_frag_offset)) ||
	       ((p->present & PL_HAS_IP6) && det_ip6_frag(p));
	dns = (p->present & PL_HAS_DNS_QRY) && !(p->l7.dns.flags & 0x8000) && !p->malformed &&
	      det_dns_wanted(c, p);
	if (!dev && !sev && !frag && !dns)
		return 0; /* most of the traffic: an ACK with data, a reply */

	det_addr(p, p->ip_src, &c->ksrc);
	det_addr(p, p->ip_dst, &c->kdst);
	c->hsrc = det_fold(&c->ksrc);
	c->hdst = det_fold(&c->kdst);
	if (dev)
		det_dst_count(s, c, dev);
	if (sev & PL_DS_RATES)
		sev = det_srcq_count(s, c, sev);
	if (sev & PL_DS_LRU)
		pl_det_src(s, c, sev);
	if (frag)
		pl_det_frag(s, c);
	if (dns)
		pl_det_dns(s, c);
	return 0;
}
