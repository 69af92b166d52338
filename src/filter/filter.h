/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiled filter: a small decision graph evaluated after parsing, in
 * the kernel (src/bpf/packet.bpf.c, from .rodata) and on the host (read),
 * by the same C code.
 *
 * Each node is one test; the result picks the next node (jt or jf), as in
 * classic BPF, so and/or short-circuit and a test that needs bytes the
 * packet lacks rejects the packet, as libpcap does. Jumps only go forward,
 * so evaluation ends within PL_FILTER_MAX_NODES steps.
 *
 * From another .bpf.c: include "filter/match.c" (it brings the parser's
 * cursor.h), keep a `const volatile struct pl_filter` in .rodata that user
 * space fills with pl_filter_compile() before load, fill a struct
 * pl_scratch (the frame's first bytes in buf, at least its first
 * PL_HDR_WIN, or all of the window when needs_bytes; len, avail, linktype;
 * ev.pkt parsed for L7 tests) and call pl_filter_match(&filter, s).
 * Header tests read buf at libpcap's offsets; L7 tests read ev.pkt.
 */
#ifndef PKTLENS_FILTER_H
#define PKTLENS_FILTER_H

#include "records/record.h"

#define PL_FILTER_MAX_NODES 64 /* a power of two */
#define PL_FILTER_MAX_STRS 8
#define PL_FILTER_MAX_VLAN 8   /* `vlan` primitives in one filter */
#define PL_FILTER_STR_MAX 64   /* a power of two */
/* Header tests (all but PL_FT_BYTES and L7) read no further than
 * 14 + 4 * PL_FILTER_MAX_VLAN + a 60-byte IPv4 header + 4 bytes of ports,
 * inside the PL_HDR_WIN bytes the kernel loads first. */
_Static_assert(14 + 4 * PL_FILTER_MAX_VLAN + 60 + 4 <= PL_HDR_WIN,
	       "header tests must fit the kernel's first window");
#define PL_FILTER_ACCEPT 0xff
#define PL_FILTER_REJECT 0xfe

/* What a node tests. */
enum pl_ftest {
	PL_FT_LINK_PROTO = 1, /* ip, ip6, arp, ether proto: EtherType at a VLAN depth */
	PL_FT_IP_PROTO,       /* tcp, udp, icmp, icmp6, sctp */
	PL_FT_HOST4,          /* [src|dst] host/net, IPv4 (and ARP) */
	PL_FT_HOST6,          /* [src|dst] host/net, IPv6 */
	PL_FT_PORT,           /* [tcp|udp|sctp] [src|dst] port/portrange */
	PL_FT_ETHER,          /* ether [src|dst] host */
	PL_FT_VLAN,           /* vlan [id] */
	PL_FT_LEN,            /* less / greater */
	PL_FT_BYTES,          /* proto[off:size] & mask OP value */
	PL_FT_STR,            /* L7 string field OP "pattern" */
	PL_FT_NUM,            /* L7 number field OP value */
};

/* Direction qualifiers. */
enum pl_fdir { PL_FD_SRC = 1, PL_FD_DST = 2, PL_FD_EITHER = 3, PL_FD_BOTH = 4 };

/* Comparisons. */
enum pl_fcmp {
	PL_FC_EQ = 0, PL_FC_NE, PL_FC_LT, PL_FC_LE, PL_FC_GT, PL_FC_GE,
	PL_FC_PREFIX, PL_FC_SUFFIX, PL_FC_SUBSTR, /* strings */
};

/* Protocol bits for PL_FT_IP_PROTO / PL_FT_PORT. */
enum { PL_FP_V4 = 1, PL_FP_V6 = 2 };

/* Transport bits of a port test (struct pl_fnode.mask). */
enum { PL_PORT_TCP = 1, PL_PORT_UDP = 2, PL_PORT_SCTP = 4 };

/* Byte-load bases for PL_FT_BYTES. */
enum pl_fbase { PL_FB_ETHER = 0, PL_FB_IP, PL_FB_L4 };

/* L7 fields for PL_FT_STR / PL_FT_NUM. */
enum pl_ffield {
	PL_FF_TLS_SNI = 1,
	PL_FF_DNS_QNAME,
	PL_FF_HTTP_HOST,
	PL_FF_HTTP_METHOD,
	PL_FF_HTTP_URI,
	PL_FF_DNS_QTYPE,
	PL_FF_DNS_RCODE,
	PL_FF_DNS_ID,
	PL_FF_TLS_VERSION,
};

struct pl_fnode {
	__u8 test;    /* enum pl_ftest */
	__u8 jt, jf;  /* next node, or PL_FILTER_ACCEPT / PL_FILTER_REJECT */
	__u8 depth;   /* VLAN tags in front of the headers this test reads */
	__u8 dir;     /* enum pl_fdir */
	__u8 cmp;     /* enum pl_fcmp */
	__u8 arg8;    /* IP protocol, address prefix, byte size, field, str slot */
	__u8 arg8b;   /* protocol family bits, byte base, str length */
	__u32 lo, hi; /* values, ports, EtherType, frame length, byte offset */
	__u32 mask;   /* bytes mask; IP protocol set for ports (bit per proto) */
	__u8 addr[16]; /* address; PL_FB_L4 bytes: addr[0] is the IP protocol */
};

struct pl_filter {
	__u32 n_nodes;
	__u32 entry;       /* first node, or PL_FILTER_ACCEPT for "no filter" */
	__u32 needs_bytes; /* a PL_FT_BYTES node: load the whole window first */
	__u32 needs_l7;    /* a PL_FT_STR/NUM node: run after the L7 parse */
	struct pl_fnode nodes[PL_FILTER_MAX_NODES];
	char strs[PL_FILTER_MAX_STRS][PL_FILTER_STR_MAX];
};

#ifndef __bpf__
#include <stddef.h>
/* Compiles a pcap-filter expression (plus L7 predicates). Returns 0, or -1
 * with a message in err and the 1-based column of the problem in *col. */
int pl_filter_compile(const char *expr, struct pl_filter *out, char *err,
		      size_t errlen, int *col);
/* The parts of the parse its L7 tests read (enum pl_parse_part): none for
 * a filter on headers alone, which reads the frame's bytes. */
__u32 pl_filter_parse_parts(const struct pl_filter *f);
#endif

#endif /* PKTLENS_FILTER_H */
