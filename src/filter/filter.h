/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiled filter: a small decision graph evaluated in the kernel
 * (src/bpf/packet.bpf.c and tcp.bpf.c, from .rodata) and on the host
 * (read), by the same C code (filter/match.c).
 *
 * Each node is one test; the result picks the next node (jt or jf), as in
 * classic BPF, so and/or short-circuit, and a test that needs bytes the
 * packet lacks rejects the packet, as libpcap does. Jumps only go forward,
 * so evaluation ends within PL_FILTER_MAX_NODES steps. A node tests the
 * result of a block of libpcap's code (the header parts, compiled by
 * pcap_compile(); filter/cbpf.h) or an L7 field of the parsed record.
 *
 * From another .bpf.c: include "filter/match.c" (it brings the parser's
 * cursor.h), keep a `const volatile struct pl_filter` in .rodata that user
 * space fills with pl_filter_compile() and pl_filter_splice() before load,
 * run pl_cbpf_region() on the frame when filter.n_blocks, and call
 * pl_filter_match(&filter, s) (ev.pkt parsed for L7 tests).
 */
#ifndef PKTLENS_FILTER_H
#define PKTLENS_FILTER_H

#include "records/record.h"

#define PL_FILTER_MAX_NODES 64 /* a power of two */
#define PL_FILTER_MAX_STRS  8
#define PL_FILTER_STR_MAX   64 /* a power of two */
#define PL_FILTER_ACCEPT    0xff
#define PL_FILTER_REJECT    0xfe

/* What a node tests. */
enum pl_ftest {
	PL_FT_CBPF = 1, /* a block of libpcap's code (arg8: its number) */
	PL_FT_STR,	/* L7 string field OP "pattern" */
	PL_FT_NUM,	/* L7 number field OP value */
	PL_FT_TUN,	/* tunnel or inner-packet field (enum pl_ftun) OP value */
};

/* Comparisons. */
enum pl_fcmp {
	PL_FC_EQ = 0,
	PL_FC_NE,
	PL_FC_LT,
	PL_FC_LE,
	PL_FC_GT,
	PL_FC_GE,
	PL_FC_PREFIX,
	PL_FC_SUFFIX,
	PL_FC_SUBSTR, /* strings */
};

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

/* What a PL_FT_TUN node tests (lo); the number is hi, an address the
 * string slot arg8 (arg8b bytes: 4 or 16). */
enum pl_ftun {
	PL_FTUN_KIND = 1,  /* pl_pkt.tun_kind == hi: `vxlan`, `gre` */
	PL_FTUN_VXLAN_VNI, /* `vxlan VNI` */
	PL_FTUN_PROTO,	   /* `inner tcp`: the inner packet's L4 protocol */
	PL_FTUN_IPVER,	   /* `inner ip`, `inner ip6` */
	PL_FTUN_PORT,	   /* `inner port N`: either port */
	PL_FTUN_SPORT,
	PL_FTUN_DPORT,
	PL_FTUN_HOST, /* `inner host ADDR`: either address */
	PL_FTUN_SRC,
	PL_FTUN_DST,
};

struct pl_fnode {
	__u8 test;   /* enum pl_ftest */
	__u8 jt, jf; /* next node, or PL_FILTER_ACCEPT / PL_FILTER_REJECT */
	__u8 cmp;    /* enum pl_fcmp */
	__u8 arg8;   /* block number, str slot */
	__u8 arg8b;  /* str length */
	__u8 _pad[2];
	__u32 lo, hi; /* L7: the field (lo) and the number it is compared with */
};

/* A classic BPF instruction, as libpcap emits it (struct bpf_insn). */
struct pl_cbpf_insn {
	__u16 code;
	__u8 jt, jf;
	__u32 k;
};

/* Bytes a classic load of this code reads: BPF_W 4, BPF_H 2, BPF_B 1
 * (BPF_SIZE is bits 3-4 of the code). The one helper for it: the
 * translator, the host's run, the compiler and pktlens tcp use it. */
static inline __u32 pl_cbpf_load_size(__u16 code)
{
	return (code & 0x18) == 0x00 ? 4 : (code & 0x18) == 0x08 ? 2 : 1;
}

#define PL_FILTER_MAX_BLOCKS 8	 /* header-only parts compiled by libpcap */
#define PL_FILTER_MAX_CBPF   512 /* their classic instructions, all blocks */
/* The kernel's region for their translation (filter/cbpf.h): the marker
 * `rA = PL_CBPF_MAGIC` (or _PACKET), `rX = rBase`, `rT = rBound`, `rRes = rMem`, then
 * PL_CBPF_REGION_LEN `goto +0`. The moves name the registers the compiler
 * chose. */
#define PL_CBPF_MAGIC	     0x5ca1ab1e /* on a copy: PL_CBPF_WINDOW */
#define PL_CBPF_MAGIC_PACKET 0x5ca1ab1f /* in packet memory: PL_CBPF_PACKET */
#define PL_CBPF_REGION_LEN   1536
#define PL_CBPF_ABORT_BIT    16
/* protochain's walk: turns of its loop before the block fails (cbpf.c) */
#define PL_CBPF_TURNS	     8 /* result bit 16 + b: block b read past the frame */

/* What a block may use besides the frame: libpcap's scratch memory M[]
 * and the frame's length on the wire (BPF_LEN). The kernel keeps it in
 * its per-CPU parser state. */
struct pl_cbpf_mem {
	__u32 m[16];
	__u32 wire_len;
	__u32 _pad;
};

struct pl_filter {
	__u32 n_nodes;
	__u32 entry;	   /* first node, or PL_FILTER_ACCEPT for "no filter" */
	__u32 needs_bytes; /* TC: a block may read past PL_HDR_WIN; load the window */
	__u32 needs_l7;	   /* a PL_FT_STR/NUM node: run after the L7 parse */
	struct pl_fnode nodes[PL_FILTER_MAX_NODES];
	char strs[PL_FILTER_MAX_STRS][PL_FILTER_STR_MAX];
	/* libpcap's blocks: block b is cbpf[block_start[b], block_start[b+1]);
	 * read by user space only (the kernel runs their translation) */
	__u32 n_blocks;
	__u16 block_start[PL_FILTER_MAX_BLOCKS + 1];
	struct pl_cbpf_insn cbpf[PL_FILTER_MAX_CBPF];
};

#ifndef __bpf__
#include <stddef.h>
/* Compiles a pcap-filter expression (plus L7 predicates). Returns 0, or -1
 * with a message in err and the 1-based column of the problem in *col. */
int pl_filter_compile(const char *expr, struct pl_filter *out, char *err, size_t errlen, int *col);
/* The same for frames of another link type (a DLT_* value), for read. */
int pl_filter_compile_for(const char *expr, int linktype, struct pl_filter *out, char *err,
			  size_t errlen, int *col);

/* The result bits of f's libpcap blocks on a frame, as the kernel's
 * region gives them (filter/cbpf.h): bit b block b's verdict, bit
 * PL_CBPF_ABORT_BIT + b when it read past the frame. */
__u32 pl_cbpf_run_host(const struct pl_filter *f, const __u8 *data, __u32 caplen, __u32 wire_len);
/* The parts of the parse its L7 tests read (enum pl_parse_part): none for
 * a filter on headers alone, which reads the frame's bytes. */
__u32 pl_filter_parse_parts(const struct pl_filter *f);
#endif

#endif /* PKTLENS_FILTER_H */
