/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --attribute: what the socket iterator (src/bpf/attr.bpf.c) writes to
 * its seq file, one per TCP/UDP socket file of each process.
 */
#ifndef PKTLENS_RECORDS_ATTR_H
#define PKTLENS_RECORDS_ATTR_H

#ifndef __bpf__
#include <linux/types.h>
#endif

struct pl_sock_owner {
	__u64 cookie;	 /* 0 when the socket never had one made */
	__u64 ino;	 /* the socket file's inode */
	__u64 cgroup_id; /* the socket's cgroup v2 id */
	__u32 tgid;
	__u32 _pad;
	char comm[16];
};

/*
 * The flows' lookup (attr.bpf.c's pktlens_sk_query, run by user space
 * through BPF_PROG_TEST_RUN): the 4-tuple of a flow, its destination the
 * local end, ports in network order, as a packet of it would carry it.
 */
struct pl_sk_query {
	__u8 src[16]; /* IPv4: the first 4 bytes */
	__u8 dst[16];
	__u16 sport; /* network order */
	__u16 dport;
	__u8 ip_ver; /* 4 or 6 */
	__u8 proto;  /* 6 (TCP) or 17 (UDP) */
	__u8 _pad[2];
};

#endif
