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

#endif
