/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The detectors' shared definitions: settings, per-key state, drop-list
 * entries. Built for the BPF target (src/detect/detect.bpf.h, included by
 * src/bpf/packet.bpf.c) and for the host (src/detect/host.c, used by
 * `pktlens read --detect`), like the parser.
 *
 * Time is counted in half-windows: a window of W nanoseconds is two halves
 * of W/2, numbered n = now / (W/2). A count "in the window" is the sum of
 * the current and the previous half, so it covers between W/2 and W of the
 * most recent traffic, with no timer: the first packet of a new half clears
 * the half that is two behind. In the kernel `now` is the monotonic clock; in
 * `read --detect` it is the packet's timestamp.
 */
#ifndef PKTLENS_DETECT_H
#define PKTLENS_DETECT_H

#include "records/record.h"

/* Thresholds (struct pl_det_config.thr), named in src/detect/config.c. */
enum pl_thr {
	PL_THR_SYN_FLOOD_DST = 0, /* SYNs per window to one destination */
	PL_THR_SYN_FLOOD_PCT,	  /* ... while completed < this % of the SYNs */
	PL_THR_SYN_RATE_SRC,	  /* SYNs per window from one source */
	PL_THR_SCAN_PORTS,	  /* distinct destination ports per window */
	PL_THR_SCAN_HOSTS,	  /* distinct destination hosts per window */
	PL_THR_STEALTH,		  /* NULL/FIN/XMAS/SYN+FIN packets per window */
	PL_THR_ICMP_SRC,
	PL_THR_ICMP_DST,
	PL_THR_UDP_SRC,
	PL_THR_UDP_DST,
	PL_THR_MALFORMED,	/* malformed packets per window from one source */
	PL_THR_TINY_FRAG,	/* a first fragment with fewer payload bytes */
	PL_THR_DNS_NAME_LEN,	/* query name length */
	PL_THR_DNS_ENTROPY,	/* millibits per character */
	PL_THR_DNS_ENTROPY_MIN, /* characters before entropy is judged */
	PL_THR_DNS_TXT,		/* TXT/NULL queries per window, source+domain */
	PL_THR__COUNT,
};

struct pl_det_config {
	__u64 half_ns;	      /* half of the window */
	__u64 enforce_ttl_ns; /* --enforce: block for this long; 0 = off */
	__u64 rate_limit_pps; /* --rate-limit PPS per source; 0 = off */
	__u32 rules;	      /* bit (1 << enum pl_rule) per enabled rule */
	__u32 allow_n;	      /* entries on the allow list */
	__u32 thr[PL_THR__COUNT];
};

#define PL_DET_RULE_ON(cfg, r) ((cfg)->rules & (1u << (r)))

/* Addresses are keyed as 16 bytes: IPv4 as ::ffff:a.b.c.d. Aligned, so
 * that the BPF target copies and compares them a word at a time. */
struct pl_det_addr {
	__u8 a[16];
} __attribute__((aligned(8)));

#define PL_DET_PORT_BITS 512 /* port sketch: distinct destination ports */
#define PL_DET_HOST_BITS 256 /* host sketch: distinct destination hosts */

/*
 * Per-source state comes in two tiers, so that ordinary packets stay cheap:
 *  - struct pl_det_srcq, the rates (SYN, ICMP, UDP, malformed): a table of
 *    PL_DET_SRCQ_SLOTS slots indexed by a hash of the address (an array in
 *    the kernel: one inlined lookup), read by every counted packet;
 *  - struct pl_det_src, everything else (scan sketches, stealth counts,
 *    when each rule last alerted): an LRU hash entry per source, read only
 *    for a probe to a (destination, port) other than the source's previous
 *    one, for the rare packets (stealth flags, land, fragments, DNS hints),
 *    and when a rate crosses its threshold.
 * Two busy sources in one slot share its counts; a stale slot is taken over.
 */
#define PL_DET_SRCQ_SLOTS 16384
struct pl_det_srcq {
	struct pl_det_addr addr;
	__u64 half_n;
	struct {
		__u32 syn;
		__u32 icmp;
		__u32 udp;
		__u32 malformed;
	} h[2];
	__u64 last_probe; /* hash of the last probe's destination and port */
	__u64 quiet[4];	  /* per rate: no threshold check before this half */
};

/* One half-window of a source's LRU state. */
struct pl_det_src_half {
	__u32 stealth[4]; /* NULL, FIN, XMAS, SYN+FIN */
	__u16 ports;	  /* bits set in port_bm */
	__u16 hosts;	  /* bits set in host_bm */
	__u32 _pad;
	__u64 port_bm[PL_DET_PORT_BITS / 64];
	__u64 host_bm[PL_DET_HOST_BITS / 64];
};

/* Per-source state (LRU hash in the kernel, host table in read). */
struct pl_det_src {
	__u64 half_n;	   /* the half-window h[half_n & 1] counts */
	__u16 ports_union; /* bits set in port_bm of both halves */
	__u16 hosts_union;
	__u32 _pad;
	struct pl_det_src_half h[2];
	__u64 last_alert[PL_RULE__COUNT]; /* per rule: when it last alerted */
};

/* Per-destination state: a table of PL_DET_DST_SLOTS slots indexed by a
 * hash of the address (an array in the kernel: one cheap lookup for every
 * TCP ACK). Two busy destinations in one slot share its counts. */
#define PL_DET_DST_SLOTS 4096
struct pl_det_dst {
	struct pl_det_addr addr;
	__u64 half_n;
	struct {
		__u32 syn;
		__u32 ack; /* ACKs without SYN: handshakes completed (about) */
		__u32 icmp;
		__u32 udp;
		__u64 ports; /* sketch of the SYNs' destination ports */
	} h[2];
	__u64 last_alert[3]; /* syn flood, ICMP flood, UDP flood */
};

/* ARP: what each IPv4 address was last seen to be at. */
struct pl_det_arp {
	__u8 mac[6];
	__u16 _pad;
	__u32 _pad2;
	__u64 seen_ns;
	__u64 last_alert[2]; /* MAC change, unsolicited reply */
};

/* TXT/NULL queries of one source to one domain. */
struct pl_det_dns_key {
	struct pl_det_addr src;
	__u32 domain_hash;
	__u32 _pad;
};

struct pl_det_dns {
	__u64 half_n;
	__u32 n[2];
	__u64 last_alert;
};

/* IPv4/IPv6 fragments of one datagram: a table of PL_DET_FRAG_SLOTS slots
 * indexed by a hash of (source, destination, id); up to PL_DET_FRAG_RANGES
 * byte ranges, merged when adjacent. */
#define PL_DET_FRAG_SLOTS      1024
#define PL_DET_FRAG_RANGES     4
#define PL_DET_FRAG_TIMEOUT_NS (30ull * 1000000000ull)
struct pl_det_frag {
	__u32 tag; /* hash of the datagram's identity */
	__u32 n;   /* ranges in use */
	__u64 seen_ns;
	__u32 lo[PL_DET_FRAG_RANGES];
	__u32 hi[PL_DET_FRAG_RANGES];
};

/* --rate-limit: a token bucket per source. */
struct pl_det_bucket {
	__u64 tokens_ns; /* budget, in ns (one packet costs 1e9 / pps) */
	__u64 last_ns;
};

/* ---- the drop list (LPM tries pinned under /sys/fs/bpf/pktlens/) ---- */

struct pl_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct pl_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* A drop-list entry. The kernel counts drops into it; an entry whose
 * expires_ns has passed is ignored and deleted by the next packet it
 * matches (and by the detect process once a second). */
struct pl_block {
	__u64 expires_ns; /* CLOCK_MONOTONIC ns; 0 = until deleted */
	__u64 added_ns;	  /* CLOCK_MONOTONIC ns */
	__u64 drops;	  /* packets dropped */
	__u64 bytes;	  /* their bytes */
	__u32 prefixlen;  /* the entry's own key, for the lazy delete */
	__u8 reason;	  /* enum pl_rule, or PL_RULE_MANUAL */
	__u8 ip6;
	__u16 _pad;
	__u8 addr[16];
};

/* Per-CPU counters of the detect part (index = enum pl_det_counter). */
enum pl_det_counter {
	PL_DC_ALERTS = 0,   /* alerts sent */
	PL_DC_ALERTS_LOST,  /* the ring buffer was full */
	PL_DC_BLOCKS,	    /* --enforce added a drop-list entry */
	PL_DC_DROPPED,	    /* dropped by the drop list */
	PL_DC_RATE_LIMITED, /* dropped by --rate-limit */
	PL_DC_EXPIRED,	    /* expired drop-list entries deleted */
	PL_DC__COUNT,
};

/* The drop list's state (/sys/fs/bpf/pktlens/state, an array of one):
 * XDP looks the source up only while `maybe` is set. Whoever adds an entry
 * sets it after the insert; detect's sweep clears it only when both tries
 * are empty, and sets it again if an entry appeared meanwhile. */
struct pl_det_state {
	__u32 maybe;
	__u32 _pad;
};

/* Who owns the pinned maps (/sys/fs/bpf/pktlens/meta, an array of one). */
struct pl_det_meta {
	__u32 pid;
	__u32 _pad;
	__u64 start_ticks; /* /proc/PID/stat starttime: tells pid reuse apart */
	char cmd[16];	   /* "detect", "agent" */
};

/* The detectors' working memory for one packet (a per-CPU map value in
 * the kernel). */
#define PL_DET_HIST 64
struct pl_det_ctx {
	__u64 now;     /* ns: the tick clock (monotonic), or the packet's time */
	__u64 half;    /* now / half_ns: the current half-window's number */
	__u64 half_lo; /* ... which holds for now in [half_lo, half_hi): */
	__u64 half_hi; /* one division per half-window, not per packet */
	__u32 ifindex;
	__u32 _pad;
	struct pl_alert_event alert; /* built here, then sent */
	__u8 hist[PL_DET_HIST];	     /* DNS: characters per class */
	struct pl_det_src zero;	     /* all zeros: the value of a new entry */
	struct pl_det_addr ksrc;     /* the packet's addresses as keys */
	struct pl_det_addr kdst;
	__u64 hsrc; /* ... and their hashes */
	__u64 hdst;
	__u64 rate[4];	     /* rate tier -> LRU tier: SYN, ICMP, UDP, malformed */
	__u64 alert_ns;	     /* the time det_may_alert() gave the alert it allowed */
	struct pl_block blk; /* kernel: --enforce builds its entry here */
	struct pl_lpm6 lpm;  /* ... and its key (stack is short there) */
	__u32 _pad2;
	__u64 target; /* host: its tables (src/detect/host.c) */
};

#endif /* PKTLENS_DETECT_H */
