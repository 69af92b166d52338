// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attr.h"
#include "filter/procterms.h"
#include "records/attr.h"
#include "records/flow_record.h"
#include "records/record.h"
#include "attr.skel.h" /* its .bss has the records' structs */
#include "util/cgroup.h"
#include "util/clock.h"
#include "util/log.h"

#define PL_ATTR_SOCKETS 65536 /* sockets kept per table */
#define PL_ATTR_PROCS	8192

/* A flow's owner as first looked up: its process (pid 0: none) in
 * owners, and its socket's cgroup. */
struct pl_flow_owner {
	uint64_t cgroup_id;
	uint32_t pid;
	uint32_t _pad;
};

int pl_attrib_open(struct pl_attrib *t)
{
	memset(t, 0, sizeof(*t));
	t->cgroups_fd = -1;
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
	pl_htab_free(&t->flows);
	pl_htab_free(&t->owners);
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

/* The cgroups of a scan whose sockets' processes satisfy the filter's
 * terms: a set of at most PL_ATTR_CGROUPS_MAX (more: all pass). */
struct cgroup_set {
	uint64_t id[PL_ATTR_CGROUPS_MAX];
	uint32_t n;
	bool all;
};

static bool set_has(const struct cgroup_set *c, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return true;
	return false;
}

static void set_add(struct cgroup_set *c, uint64_t id)
{
	if (!id || c->all || set_has(c, id))
		return;
	if (c->n == PL_ATTR_CGROUPS_MAX)
		c->all = true;
	else
		c->id[c->n++] = id;
}

static bool keeps(const struct cgroup_set *c, uint64_t key)
{
	return c->all ? key == PL_ATTR_CGROUPS_ALL : set_has(c, key);
}

/* attr_cgroups becomes the set c: what is new goes in before what left
 * goes out, so that no packet of a kept cgroup is dropped meanwhile. */
static int sync_cgroups(struct pl_attrib *t, const struct cgroup_set *c)
{
	uint64_t key = 0, next, all = PL_ATTR_CGROUPS_ALL;
	uint8_t one = 1;
	uint32_t i;
	bool first = true;

	if (c->all) {
		if (bpf_map_update_elem(t->cgroups_fd, &all, &one, BPF_ANY))
			return -1;
	} else {
		for (i = 0; i < c->n; i++)
			if (bpf_map_update_elem(t->cgroups_fd, &c->id[i], &one, BPF_ANY))
				return -1;
	}
	/* a key is deleted once the next one is known: deleting the current
	 * key would make get_next_key start over */
	while (!bpf_map_get_next_key(t->cgroups_fd, first ? NULL : &key, &next)) {
		if (!first && !keeps(c, key))
			bpf_map_delete_elem(t->cgroups_fd, &key);
		first = false;
		key = next;
	}
	if (!first && !keeps(c, key))
		bpf_map_delete_elem(t->cgroups_fd, &key);
	t->cgroups_set = c->all ? PL_ATTR_CGROUPS_MAX + 1 : c->n;
	return 0;
}

int pl_attrib_scan(struct pl_attrib *t)
{
	static struct cgroup_set cs;
	struct pl_sock_owner r;
	struct pl_proc *p, *v, cand;
	int fd = bpf_iter_create(bpf_link__fd(t->link));
	ssize_t n;

	if (fd < 0) {
		pl_warn("--attribute: cannot run the socket iterator: %s", strerror(errno));
		return -1;
	}
	pl_htab_reset(&t->by_cookie);
	pl_htab_reset(&t->by_ino);
	pl_htab_reset(&t->procs);
	memset(&cs, 0, sizeof(cs));
	while ((n = read(fd, &r, sizeof(r))) == (ssize_t)sizeof(r)) {
		p = pl_htab_find(&t->procs, &r.tgid);
		if (!p) {
			p = pl_htab_get(&t->procs, &r.tgid);
			fill_proc(p, &r);
		}
		if (t->terms) {
			cand = *p;
			cand.cgroup_id = r.cgroup_id;
			if (pl_proc_terms_match(t->terms, &cand))
				set_add(&cs, r.cgroup_id);
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
	if (t->terms && t->cgroups_fd >= 0 && sync_cgroups(t, &cs))
		pl_warn("--attribute: cannot update the kernel's cgroup filter: %s", strerror(errno));
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

/* ---- flow and alert records: a lookup by 4-tuple, from user space ---- */

static int query(struct pl_attrib *t, const struct pl_sk_query *q, struct pl_attr *a)
{
	uint8_t frame[64] = { 0 }; /* test_run wants an Ethernet header; unread */
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	t->skel->bss->query = *q;
	memset(&t->skel->bss->query_res, 0, sizeof(t->skel->bss->query_res));
	t->lookups++;
	if (bpf_prog_test_run_opts(bpf_program__fd(t->skel->progs.pktlens_sk_query), &o))
		return -1;
	*a = t->skel->bss->query_res;
	return 0;
}

int pl_attrib_tuple(struct pl_attrib *t, uint8_t ip_ver, uint8_t proto, const uint8_t *src,
		    uint16_t sport, const uint8_t *dst, uint16_t dport, struct pl_proc *out)
{
	struct pl_sk_query q = { .ip_ver = ip_ver, .proto = proto };
	const struct pl_proc *p;
	struct pl_attr a;

	memset(out, 0, sizeof(*out));
	if ((proto != 6 && proto != 17) || (ip_ver != 4 && ip_ver != 6))
		return 0;
	memcpy(q.src, src, ip_ver == 6 ? 16 : 4);
	memcpy(q.dst, dst, ip_ver == 6 ? 16 : 4);
	q.sport = htons(sport);
	q.dport = htons(dport);
	if (query(t, &q, &a) || !a.found)
		return 0;
	p = pl_attrib_find(t, &a);
	if (p)
		*out = *p;
	if (out->pid || proto != 6)
		return 1;
	/* no file: the listener of that address and port, if any (remote
	 * port 0 matches no connection, so the lookup goes to the
	 * listeners) */
	q.sport = 0;
	if (!query(t, &q, &a) && a.found && a.state == 10 && (p = pl_attrib_find(t, &a)) && p->pid)
		*out = *p;
	return 1;
}

int pl_attrib_alert(struct pl_attrib *t, const struct pl_alert_event *a, struct pl_proc *out)
{
	const uint8_t need = PL_ALERT_SRC | PL_ALERT_DST | PL_ALERT_PORTS;

	memset(out, 0, sizeof(*out));
	if ((a->flags & need) != need || !a->dport)
		return 0;
	return pl_attrib_tuple(t, a->flags & PL_ALERT_IP6 ? 6 : 4, a->l4_proto, a->src, a->sport,
			       a->dst, a->dport, out);
}

int pl_attrib_flows(struct pl_attrib *t, uint32_t entries)
{
	if (pl_htab_init(&t->flows, sizeof(struct pl_flow_key), sizeof(struct pl_flow_owner),
			 entries) ||
	    pl_htab_init(&t->owners, sizeof(uint32_t), sizeof(struct pl_proc), PL_ATTR_PROCS)) {
		pl_err("--attribute: out of memory for %u flows' owners", entries);
		return -1;
	}
	return 0;
}

static struct pl_flow_owner *flow_owner(struct pl_attrib *t, const struct pl_flow_key *k)
{
	struct pl_flow_owner *o = pl_htab_find(&t->flows, k);
	struct pl_proc p;
	struct pl_proc *kept;

	if (o)
		return o;
	pl_attrib_tuple(t, k->ip_ver, k->proto, k->src, k->sport, k->dst, k->dport, &p);
	o = pl_htab_get(&t->flows, k);
	o->pid = p.pid;
	o->cgroup_id = p.cgroup_id;
	if (p.pid && (kept = pl_htab_get(&t->owners, &p.pid)))
		*kept = p;
	return o;
}

void pl_attrib_flow_seen(struct pl_attrib *t, const struct pl_flow_key *k)
{
	flow_owner(t, k);
}

void pl_attrib_flow_take(struct pl_attrib *t, const struct pl_flow_key *k, struct pl_proc *out)
{
	struct pl_flow_owner *o = flow_owner(t, k);
	const struct pl_proc *p;

	memset(out, 0, sizeof(*out));
	if (o->pid && (p = pl_htab_find(&t->owners, &o->pid)))
		*out = *p;
	out->pid = o->pid;
	out->cgroup_id = o->cgroup_id;
	pl_htab_del(&t->flows, k);
}

void pl_attrib_flow_hook(void *ctx, const struct pl_flow_key *k, struct pl_proc *out)
{
	if (out)
		pl_attrib_flow_take(ctx, k, out);
	else
		pl_attrib_flow_seen(ctx, k);
}

int pl_attrib_cgroups(struct pl_attrib *t, int map_fd, const struct pl_proc_terms *terms)
{
	t->cgroups_fd = map_fd;
	t->terms = terms;
	return pl_attrib_scan(t);
}

void pl_attrib_refresh(struct pl_attrib *t)
{
	if (pl_clock_ns(CLOCK_MONOTONIC) - t->last_scan_ns >= PL_ATTR_REFRESH_MS * 1000000ull)
		pl_attrib_scan(t);
}
