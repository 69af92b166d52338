// SPDX-License-Identifier: GPL-2.0
/*
 * --attribute: a task_file iterator that writes, for every TCP or UDP
 * socket file of every process, its cookie, inode, cgroup and owner
 * (struct pl_sock_owner) to the seq file user space reads
 * (src/runtime/attr.c). The packet program finds the same socket by its
 * 4-tuple and reports its cookie and inode; user space joins the two.
 *
 * The cookie is read as it is: bpf_get_socket_cookie(), which would make
 * one, refuses the socket pointer reached from a file ("R1
 * type=untrusted_ptr_ expected=sock_common, ..."), so a socket that never
 * had a cookie made is joined by its inode.
 * pktlens_sk_query is the packet program's socket lookup (attribute.h)
 * for one 4-tuple that user space writes to `query` and runs through
 * BPF_PROG_TEST_RUN (in its own netns, as the packet programs look up in
 * their interface's): flow and alert records are attributed this way,
 * once, with nothing added to the per-packet path.
 * (GPL: bpf_seq_write and the iterators are GPL-only.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "records/record.h"
#include "records/attr.h"
#include "attribute.h"

SEC("iter/task_file")
int pktlens_socks(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pl_sock_owner r = {};
	struct socket *so;
	struct cgroup *cg;
	struct sock *sk;

	if (!task || !file)
		return 0;
	so = bpf_sock_from_file(file);
	if (!so)
		return 0;
	sk = so->sk;
	if (!sk || (sk->sk_protocol != IPPROTO_TCP && sk->sk_protocol != IPPROTO_UDP))
		return 0;
	r.cookie = sk->__sk_common.skc_cookie.counter;
	r.ino = file->f_inode->i_ino;
	cg = sk->sk_cgrp_data.cgroup;
	if (cg)
		r.cgroup_id = cg->kn->id;
	r.tgid = task->tgid;
	__builtin_memcpy(r.comm, task->comm, sizeof(r.comm));
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

struct pl_sk_query query;
struct pl_attr query_res;

SEC("tc")
int pktlens_sk_query(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct pl_attr a = {};
	__u32 len;

	if (query.ip_ver == 4) {
		__builtin_memcpy(&t.ipv4.saddr, query.src, 4);
		__builtin_memcpy(&t.ipv4.daddr, query.dst, 4);
		t.ipv4.sport = query.sport;
		t.ipv4.dport = query.dport;
		len = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, query.src, 16);
		__builtin_memcpy(t.ipv6.daddr, query.dst, 16);
		t.ipv6.sport = query.sport;
		t.ipv6.dport = query.dport;
		len = sizeof(t.ipv6);
	}
	pl_sock_attr(skb, &t, len, query.proto == IPPROTO_TCP, &a);
	query_res = a;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
