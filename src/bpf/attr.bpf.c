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
 * (GPL: bpf_seq_write and the iterators are GPL-only.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "records/attr.h"

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

char LICENSE[] SEC("license") = "GPL";
