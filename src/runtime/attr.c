// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attr.h"
#include "attr.skel.h"
#include "records/attr.h"
#include "util/cgroup.h"
#include "util/clock.h"
#include "util/log.h"

#define PL_ATTR_SOCKETS 65536 /* sockets kept per table */
#define PL_ATTR_PROCS	8192

int pl_attrib_open(struct pl_attrib *t)
{
	memset(t, 0, sizeof(*t));
	if (pl_htab_init(&t->by_cookie, sizeof(uint64_t), sizeof(struct pl_proc), PL_ATTR_SOCKETS) ||
	    pl_htab_init(&t->by_ino, sizeof(uint64_t), sizeof(struct pl_proc), PL_ATTR_SOCKETS) ||
	    pl_htab_init(&t->procs, sizeof(uint32_t), sizeof(struct pl_proc), PL_ATTR_PROCS)) {
		pl_err("--attribute: out of memory for the socket tables");
		pl_attrib_close(t);
		return PL_EXIT_RUNTIME;
	}
	t->skel = attr_bpf__open_and_load();
	if (!t->skel) {
		pl_err("--attribute: the kernel refused the socket iterator (%s); it needs BPF "
		       "iterators (Linux 5.10 or later) and root; run with -v for the verifier's log",
		       strerror(errno));
		pl_attrib_close(t);
		return PL_EXIT_RUNTIME;
	}
	t->link = bpf_program__attach_iter(t->skel->progs.pktlens_socks, NULL);
	if (!t->link) {
		pl_err("--attribute: cannot attach the socket iterator: %s", strerror(errno));
		pl_attrib_close(t);
		return PL_EXIT_RUNTIME;
	}
	if (pl_attrib_scan(t)) {
		pl_attrib_close(t);
		return PL_EXIT_RUNTIME;
	}
	return 0;
}

void pl_attrib_close(struct pl_attrib *t)
{
	bpf_link__destroy(t->link);
	attr_bpf__destroy(t->skel);
	pl_htab_free(&t->by_cookie);
	pl_htab_free(&t->by_ino);
	pl_htab_free(&t->procs);
	t->link = NULL;
	t->skel = NULL;
}

/* What /proc tells of a process the iterator named: its executable and
 * its container (from its cgroup paths). */
static void fill_proc(struct pl_proc *p, const struct pl_sock_owner *r)
{
	char path[64], text[4096];
	ssize_t n;
	int fd;

	p->pid = r->tgid;
	memcpy(p->name, r->comm, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/exe", r->tgid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cgroup", r->tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	if (!pl_container_id_of_proc(text, p->container, sizeof(p->container)))
		p->container[0] = '\0';
}

int pl_attrib_scan(struct pl_attrib *t)
{
	struct pl_sock_owner r;
	struct pl_proc *p, *v;
	int fd = bpf_iter_create(bpf_link__fd(t->link));
	ssize_t n;

	if (fd < 0) {
		pl_warn("--attribute: cannot run the socket iterator: %s", strerror(errno));
		return -1;
	}
	pl_htab_reset(&t->by_cookie);
	pl_htab_reset(&t->by_ino);
	pl_htab_reset(&t->procs);
	while ((n = read(fd, &r, sizeof(r))) == (ssize_t)sizeof(r)) {
		p = pl_htab_find(&t->procs, &r.tgid);
		if (!p) {
			p = pl_htab_get(&t->procs, &r.tgid);
			fill_proc(p, &r);
		}
		if (r.cookie && (v = pl_htab_get(&t->by_cookie, &r.cookie))) {
			*v = *p;
			v->cgroup_id = r.cgroup_id;
		}
		if (r.ino && (v = pl_htab_get(&t->by_ino, &r.ino))) {
			*v = *p;
			v->cgroup_id = r.cgroup_id;
		}
	}
	if (n < 0)
		pl_warn("--attribute: reading the socket iterator failed: %s", strerror(errno));
	close(fd);
	t->last_scan_ns = pl_clock_ns(CLOCK_MONOTONIC);
	t->scans++;
	return 0;
}

static const struct pl_proc *lookup(struct pl_attrib *t, const struct pl_attr *a)
{
	const struct pl_proc *p = NULL;

	if (a->cookie)
		p = pl_htab_find(&t->by_cookie, &a->cookie);
	if (!p && a->ino)
		p = pl_htab_find(&t->by_ino, &a->ino);
	return p;
}

const struct pl_proc *pl_attrib_find(struct pl_attrib *t, const struct pl_attr *a)
{
	const struct pl_proc *p;

	if (!a->found)
		return NULL;
	p = lookup(t, a);
	/* a socket made since the last scan: scan again, rate-limited (a
	 * time-wait socket has no file to find) */
	if (!p && (a->cookie || a->ino)) {
		t->misses++;
		if (pl_clock_ns(CLOCK_MONOTONIC) - t->last_scan_ns >= PL_ATTR_RESCAN_MS * 1000000ull &&
		    !pl_attrib_scan(t))
			p = lookup(t, a);
	}
	if (p)
		t->cur = *p;
	else
		memset(&t->cur, 0, sizeof(t->cur));
	/* the kernel's cgroup is the socket's, known even without a process */
	if (a->cgroup_id)
		t->cur.cgroup_id = a->cgroup_id;
	return &t->cur;
}
