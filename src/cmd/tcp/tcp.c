// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: TCP lifecycle events from the kernel's tracepoints (see
 * src/bpf/tcp.bpf.c): state changes, connection summaries, retransmits,
 * resets, RTT samples and drops with the kernel's drop reason.
 *
 * Start-up: probe the kernel's BTF for each tracepoint (and the variant of
 * its arguments), read the drop and reset reason names from the BTF enums,
 * load, attach each program on its own, then record the owners of the
 * listening sockets that were there before us (from /proc).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmd/cmds.h"
#include "util/log.h"
#include "runtime/ringloop.h"
#include "output/output.h"
#include "filter/cbpf.h"
#include "filter/filter.h"
#include "records/tcp_events.h"
#include "tcp.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define K(kind) (1u << (kind))
#define SOCKET_KINDS                                                      \
	(K(PL_TCP_STATE) | K(PL_TCP_SUMMARY) | K(PL_TCP_RETRANS) |        \
	 K(PL_TCP_RESET) | K(PL_TCP_RTT))
#define DEFAULT_KINDS                                                     \
	(K(PL_TCP_SUMMARY) | K(PL_TCP_RETRANS) | K(PL_TCP_RESET) | K(PL_TCP_DROP))


static const char *const kind_names[PL_TCP__KINDS] = {
	[PL_TCP_STATE] = "state",   [PL_TCP_SUMMARY] = "summary",
	[PL_TCP_RETRANS] = "retrans", [PL_TCP_RESET] = "reset",
	[PL_TCP_RTT] = "rtt",       [PL_TCP_DROP] = "drop",
};

/* include/net/tcp_states.h: a stable user-visible ABI (ss, /proc/net/tcp) */
static const char *const state_names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",   [3] = "SYN_RECV",
	[4] = "FIN_WAIT1",   [5] = "FIN_WAIT2",  [6] = "TIME_WAIT",
	[7] = "CLOSE",       [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
	[10] = "LISTEN",     [11] = "CLOSING",   [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

static const char *state_name(unsigned int s)
{
	if (s < ARRAY_SIZE(state_names) && state_names[s])
		return state_names[s];
	return "UNKNOWN";
}

static const char *const closer_names[] = {
	[PL_CLOSER_LOCAL] = "local",
	[PL_CLOSER_REMOTE] = "remote",
	[PL_CLOSER_RST_SENT] = "reset_sent",
	[PL_CLOSER_RST_RECV] = "reset_received",
};

static const char *const owner_names[] = {
	[PL_OWNER_CONNECT] = "connect",
	[PL_OWNER_LISTENER] = "listener",
	[PL_OWNER_CLOSE] = "close",
};

/* ---- names from the kernel's BTF enums ---- */

struct enum_name {
	uint32_t value;
	char name[64];
};

struct enum_table {
	struct enum_name *v;
	size_t n;
};

/*
 * Reads enum `type` from the BTF, names without `prefix` (the other
 * prefixes in `also_strip` too). Names in `skip` are not reasons.
 */
static int load_enum(const struct btf *btf, const char *type, const char *prefix,
		     const char *also_strip, struct enum_table *t)
{
	const struct btf_type *bt;
	int id, i, vlen;

	t->v = NULL;
	t->n = 0;
	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	if (id < 0)
		return -1;
	bt = btf__type_by_id(btf, id);
	vlen = btf_vlen(bt);
	t->v = calloc(vlen ? vlen : 1, sizeof(*t->v));
	if (!t->v)
		return -1;
	for (i = 0; i < vlen; i++) {
		const struct btf_enum *e = btf_enum(bt) + i;
		const char *name = btf__name_by_offset(btf, e->name_off);
		size_t lp = strlen(prefix), la = also_strip ? strlen(also_strip) : 0;

		if (!name)
			continue;
		if (!strncmp(name, prefix, lp))
			name += lp;
		else if (la && !strncmp(name, also_strip, la))
			name += la;
		/* bounds of the enum, not reasons */
		if (!strcmp(name, "MAX") || !strcmp(name, "SUBSYS_MASK"))
			continue;
		t->v[t->n].value = (uint32_t)e->val;
		snprintf(t->v[t->n].name, sizeof(t->v[t->n].name), "%s", name);
		t->n++;
	}
	return 0;
}

static const char *enum_lookup(const struct enum_table *t, uint32_t v)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].value == v)
			return t->v[i].name;
	return NULL;
}

/* ---- tracepoints ---- */

/*
 * Arguments of tracepoint `tp` (the BTF typedef btf_trace_<tp> is a pointer
 * to a function whose first parameter is the tracepoint's private data), or
 * -1 when this kernel lacks it.
 */
static int tp_nargs(const struct btf *btf, const char *tp)
{
	/* PKTLENS_TCP_HIDE_TP=a,b lets the tests play a kernel without them */
	const char *hide = getenv("PKTLENS_TCP_HIDE_TP");
	const struct btf_type *t;
	size_t len = strlen(tp);
	char name[128];
	int id;

	for (; hide && *hide; hide += strcspn(hide, ","), hide += *hide == ',')
		if (!strncmp(hide, tp, len) && (hide[len] == ',' || !hide[len]))
			return -1;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -1;
	return btf_vlen(t) - 1;
}

/* One program: its tracepoint, how many arguments it reads, the kinds that
 * need it, and what is missing without it. */
struct hook {
	const char *tp;
	int nargs;            /* the program reads arguments 0..nargs-1 */
	int exact;            /* this variant only when the kernel has nargs */
	unsigned int kinds;
	const char *without;
	struct bpf_program *(*prog)(struct tcp_bpf *s);
};

#define PROG(name)                                                  \
	static struct bpf_program *prog_##name(struct tcp_bpf *s)   \
	{                                                           \
		return s->progs.name;                               \
	}
PROG(pl_set_state)
PROG(pl_set_state_nested)
PROG(pl_destroy_sock)
PROG(pl_retransmit_skb_err)
PROG(pl_retransmit_skb)
PROG(pl_retransmit_synack)
PROG(pl_receive_reset)
PROG(pl_send_reset_reason)
PROG(pl_send_reset)
PROG(pl_tcp_probe)
PROG(pl_kfree_skb)

static const struct hook hooks[] = {
	{ "inet_sock_set_state", 3, 0, SOCKET_KINDS,
	  "no state records, summaries or connection table", prog_pl_set_state },
	{ "inet_sock_set_state", 3, 0, SOCKET_KINDS,
	  "no state records, summaries or connection table", prog_pl_set_state_nested },
	{ "tcp_destroy_sock", 1, 0, SOCKET_KINDS,
	  "a connection whose CLOSE the kernel skipped stays in the table until its socket's memory is reused",
	  prog_pl_destroy_sock },
	{ "tcp_retransmit_skb", 3, 0, K(PL_TCP_RETRANS) | K(PL_TCP_SUMMARY),
	  "no retransmit records or counts", prog_pl_retransmit_skb_err },
	{ "tcp_retransmit_skb", 2, 1, K(PL_TCP_RETRANS) | K(PL_TCP_SUMMARY),
	  "no retransmit records or counts", prog_pl_retransmit_skb },
	{ "tcp_retransmit_synack", 2, 0, K(PL_TCP_RETRANS),
	  "no SYN-ACK retransmit records", prog_pl_retransmit_synack },
	{ "tcp_receive_reset", 1, 0, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY),
	  "no received-reset records", prog_pl_receive_reset },
	{ "tcp_send_reset", 3, 0, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY),
	  "no sent-reset records", prog_pl_send_reset_reason },
	{ "tcp_send_reset", 2, 1, K(PL_TCP_RESET) | K(PL_TCP_SUMMARY),
	  "no sent-reset records", prog_pl_send_reset },
	{ "tcp_probe", 2, 0, K(PL_TCP_RTT) | K(PL_TCP_SUMMARY),
	  "no RTT records or RTT in summaries", prog_pl_tcp_probe },
	{ "kfree_skb", 3, 0, K(PL_TCP_DROP),
	  "no drop records (the kernel must have kfree_skb with a drop reason, 5.17 or later)",
	  prog_pl_kfree_skb },
};

/* ---- the command's state ---- */

struct tcp_ctx {
	struct pl_opts *o;
	unsigned int kinds;
	uint64_t mono_to_epoch_ns;
	uint64_t printed;
	struct enum_table drop_reasons;
	struct enum_table rst_reasons;
	struct pl_out out; /* records, to stdout */
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_kinds(const char *list, unsigned int *out)
{
	char *copy, *tok, *save = NULL;
	unsigned int k;
	int ret = 0;

	if (!list) {
		*out = DEFAULT_KINDS;
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return PL_EXIT_RUNTIME;
	*out = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*out |= K(PL_TCP__KINDS) - 1;
			continue;
		}
		for (k = 0; k < PL_TCP__KINDS; k++)
			if (!strcmp(tok, kind_names[k]))
				break;
		if (k == PL_TCP__KINDS) {
			pl_err("--events: '%s' is not one of state, summary, retrans, reset, rtt, drop, all",
			       tok);
			ret = PL_EXIT_USAGE;
			break;
		}
		*out |= K(k);
	}
	if (!ret && !*out) {
		pl_err("--events: name at least one of state, summary, retrans, reset, rtt, drop");
		ret = PL_EXIT_USAGE;
	}
	free(copy);
	return ret;
}

/* pktlens tcp filters on addresses and ports only: the records carry no
 * packet bytes, link layer or L7 fields. Its filter runs on a made-up
 * frame of the 4-tuple (src/bpf/tcp.bpf.c), so libpcap's code may read
 * only the bytes that frame sets: the EtherType, the IP version, protocol
 * and addresses, the fragment field and the ports. */
static bool tuple_load(const struct pl_cbpf_insn *i)
{
	__u32 size = BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1;
	__u32 end = i->k + size;

	if (BPF_CLASS(i->code) == BPF_LDX)
		return BPF_MODE(i->code) != BPF_MSH || i->k == 14; /* IPv4 header length */
	switch (BPF_MODE(i->code)) {
	case BPF_ABS:
		/* EtherType and version; fragment field or next header;
		 * IPv4 protocol and addresses, IPv6 addresses and ports */
		return (i->k >= 12 && end <= 15) || (i->k >= 20 && end <= 58);
	case BPF_IND:
		return i->k >= 14 && end <= 18; /* ports, after the IPv4 header */
	case BPF_LEN:
		return false;
	default:
		return true;
	}
}

static int check_filter(const struct pl_opts *o, const struct pl_filter *f)
{
	__u32 i, n = f->n_blocks ? f->block_start[f->n_blocks] : 0;
	bool ok = !f->needs_l7;

	for (i = 0; ok && i < n && i < PL_FILTER_MAX_CBPF; i++)
		if (BPF_CLASS(f->cbpf[i].code) == BPF_LD || BPF_CLASS(f->cbpf[i].code) == BPF_LDX)
			ok = tuple_load(&f->cbpf[i]);
	if (ok)
		return 0;
	pl_err("bad filter for tcp: '%s' tests more than addresses and ports; pktlens tcp takes host, net, port, portrange, src, dst, ip, ip6, proto, tcp, udp with and/or/not",
	       o->filter);
	return PL_EXIT_USAGE;
}

/* ---- listeners that were there before us: /proc ---- */

struct listen_sock {
	uint64_t inode;
	uint32_t netns;
	uint16_t port;
};

struct scan {
	struct listen_sock *socks;
	size_t n_socks, cap_socks;
	uint32_t *netns_done;
	size_t n_netns, cap_netns;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, (*cap ? *cap * 2 : 16) * size);
	if (!p)
		return -1;
	*v = p;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

static uint32_t netns_of(int pid)
{
	char path[64], link[64];
	unsigned int ino = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = 0;
	if (sscanf(link, "net:[%u]", &ino) != 1)
		return 0;
	return ino;
}

/*
 * The listening TCP sockets of the current network namespace, from
 * sock_diag: the kernel walks only its listening hash, where reading
 * /proc/net/tcp would walk every connection.
 */
static void diag_listeners(struct scan *sc, int family, uint32_t netns)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q = {
		.nlh = { .nlmsg_len = sizeof(q), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (__u8)family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = 1u << 10 /* TCP_LISTEN */ },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	long buf[8192 / sizeof(long)];
	bool done = false;

	if (fd < 0)
		return;
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		close(fd);
		return;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || !m->idiag_inode)
				continue;
			if (grow((void **)&sc->socks, &sc->cap_socks, sc->n_socks,
				 sizeof(*sc->socks))) {
				done = true;
				break;
			}
			sc->socks[sc->n_socks++] = (struct listen_sock){
				.inode = m->idiag_inode,
				.netns = netns,
				.port = ntohs(m->id.idiag_sport),
			};
		}
	}
	close(fd);
}

/* The listening sockets of pid's network namespace: enter it, ask, and
 * come back to ours (self). */
static void scan_table(struct scan *sc, int pid, uint32_t netns, int self)
{
	char path[64];
	int fd;

	if (netns == netns_of(getpid())) {
		diag_listeners(sc, AF_INET, netns);
		diag_listeners(sc, AF_INET6, netns);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!setns(fd, CLONE_NEWNET)) {
		diag_listeners(sc, AF_INET, netns);
		diag_listeners(sc, AF_INET6, netns);
		if (setns(self, CLONE_NEWNET))
			pl_warn("cannot return to our network namespace: %s", strerror(errno));
	}
	close(fd);
}

static void scan_netns(struct scan *sc, int pid, int self)
{
	uint32_t ns = netns_of(pid);
	size_t i;

	if (!ns)
		return;
	for (i = 0; i < sc->n_netns; i++)
		if (sc->netns_done[i] == ns)
			return;
	if (grow((void **)&sc->netns_done, &sc->cap_netns, sc->n_netns, sizeof(uint32_t)))
		return;
	sc->netns_done[sc->n_netns++] = ns;
	scan_table(sc, pid, ns, self);
}

static void read_comm(int pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	memset(comm, 0, len);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(comm, 1, len - 1, f);
	fclose(f);
	if (n && comm[n - 1] == '\n')
		comm[n - 1] = 0;
}

/* Records pid as the owner of every listening socket it holds. */
static void scan_fds(struct scan *sc, int pid, int map_fd, int *n_owners)
{
	char path[64], link[64], comm[PL_TCP_COMM_LEN];
	unsigned long inode;
	struct dirent *de;
	bool have_comm = false;
	DIR *d;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);

		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < sc->n_socks; i++) {
			struct pl_tcp_lkey k = { .netns = sc->socks[i].netns,
						 .port = sc->socks[i].port };
			struct pl_tcp_lval v = { 0 }, old;

			if (sc->socks[i].inode != inode)
				continue;
			if (!have_comm) {
				read_comm(pid, comm, sizeof(comm));
				have_comm = true;
			}
			v.pid = (uint32_t)pid;
			memcpy(v.comm, comm, sizeof(v.comm));
			if (!bpf_map_lookup_elem(map_fd, &k, &old)) {
				/* a second process on the same key (a shared or
				 * SO_REUSEPORT socket) makes the owner unknown */
				if (old.pid != v.pid && !old.ambiguous) {
					old.ambiguous = 1;
					bpf_map_update_elem(map_fd, &k, &old, BPF_EXIST);
				}
				continue;
			}
			if (!bpf_map_update_elem(map_fd, &k, &v, BPF_NOEXIST))
				(*n_owners)++;
		}
	}
	closedir(d);
}

/* The pid a /proc entry names, or 0. */
static int proc_pid(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);

	return *name && !*end && v > 0 && v <= 0x3fffffff ? (int)v : 0;
}

/* Records the owners of the listening sockets /proc shows; returns how
 * many it added. */
static int scan_listeners(struct tcp_bpf *skel)
{
	int map_fd = bpf_map__fd(skel->maps.listeners), n_owners = 0, self;
	struct scan sc = { 0 };
	struct dirent *de;
	DIR *d;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	d = self < 0 ? NULL : opendir("/proc");
	if (!d) {
		if (self >= 0)
			close(self);
		pl_warn("cannot read /proc (%s): owners of passive opens stay unknown until the socket is closed",
			strerror(errno));
		return 0;
	}
	while ((de = readdir(d)))
		if (proc_pid(de->d_name) > 0)
			scan_netns(&sc, proc_pid(de->d_name), self);
	if (sc.n_socks) {
		rewinddir(d);
		while ((de = readdir(d)))
			if (proc_pid(de->d_name) > 0)
				scan_fds(&sc, proc_pid(de->d_name), map_fd, &n_owners);
	}
	closedir(d);
	close(self);
	pl_debug("/proc: %zu listening sockets in %zu network namespaces, %d new owners",
		 sc.n_socks, sc.n_netns, n_owners);
	free(sc.socks);
	free(sc.netns_done);
	return n_owners;
}

/* ---- output: through the one record writer, src/output/json.c ---- */

static void put_addr(struct pl_out *o, const struct pl_tcp_event *e, const __u8 *a)
{
	if (e->family == 4)
		pl_out_ip4(o, a);
	else
		pl_out_ip6(o, a);
}

static size_t strnlen_(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static void jaddr(struct pl_out *o, const char *key, const struct pl_tcp_event *e,
		  const __u8 *a)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	put_addr(o, e, a);
	pl_out_char(o, '"');
}

/* the kernel's name for a reason, or REASON_<n> */
static void put_reason(struct pl_out *o, const struct enum_table *t, uint32_t r)
{
	const char *n = enum_lookup(t, r);

	if (n) {
		pl_out_escaped(o, n, strlen(n));
	} else {
		pl_out_str(o, "REASON_");
		pl_out_u64(o, r);
	}
}

static void jreason(struct pl_out *o, const char *key, const struct enum_table *t, uint32_t r)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	put_reason(o, t, r);
	pl_out_char(o, '"');
}

static void print_json(struct tcp_ctx *c, const struct pl_tcp_event *e)
{
	struct pl_out *w = &c->out;
	uint64_t now = e->ts_ns + c->mono_to_epoch_ns;

	pl_json_begin(w);
	pl_json_cstr(w, "event", "tcp");
	pl_json_cstr(w, "event.action", kind_names[e->kind]);
	pl_json_iso_time(w, "@timestamp", now, 9);
	pl_json_cstr(w, "network.type", e->family == 4 ? "ipv4" : "ipv6");
	pl_json_cstr(w, "network.transport", e->proto == 17 ? "udp" : "tcp");
	jaddr(w, "source.ip", e, e->saddr);
	pl_json_uint(w, "source.port", e->sport);
	jaddr(w, "destination.ip", e, e->daddr);
	pl_json_uint(w, "destination.port", e->dport);
	if (e->flags & PL_TCPF_ACTIVE)
		pl_json_cstr(w, "network.direction", "egress");
	else if (e->flags & PL_TCPF_PASSIVE)
		pl_json_cstr(w, "network.direction", "ingress");
	if (e->flags & PL_TCPF_OWNER) {
		pl_json_uint(w, "process.pid", e->pid);
		pl_json_str(w, "process.name", e->comm, strnlen_(e->comm, sizeof(e->comm)));
		if (e->owner_src < ARRAY_SIZE(owner_names) && owner_names[e->owner_src])
			pl_json_cstr(w, "pktlens.owner", owner_names[e->owner_src]);
	}
	if (e->flags & PL_TCPF_NETNS)
		pl_json_uint(w, "pktlens.netns", e->netns);
	if (e->flags & PL_TCPF_IFACE)
		pl_json_str(w, "pktlens.ifname", e->ifname, strnlen_(e->ifname, sizeof(e->ifname)));

	switch (e->kind) {
	case PL_TCP_STATE:
		pl_json_cstr(w, "pktlens.old_state", state_name(e->old_state));
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		break;
	case PL_TCP_SUMMARY:
		if (e->flags & PL_TCPF_START) {
			pl_json_iso_time(w, "event.start", e->start_ns + c->mono_to_epoch_ns, 9);
			pl_json_iso_time(w, "event.end", now, 9);
			pl_json_uint(w, "event.duration", e->ts_ns - e->start_ns);
		}
		/* data bytes: sent and acked, received (SYN and FIN left out) */
		if (e->flags & PL_TCPF_DATA_SENT)
			pl_json_uint(w, "source.bytes", e->data_acked);
		pl_json_uint(w, "destination.bytes", e->data_received);
		if (e->flags & PL_TCPF_DATA_SENT)
			pl_json_uint(w, "network.bytes", e->data_acked + e->data_received);
		pl_json_uint(w, "source.packets", e->segs_out);
		pl_json_uint(w, "destination.packets", e->segs_in);
		pl_json_uint(w, "network.packets", (uint64_t)e->segs_out + e->segs_in);
		pl_json_uint(w, "pktlens.bytes_acked", e->bytes_acked);
		pl_json_uint(w, "pktlens.bytes_received", e->bytes_received);
		if (e->flags & PL_TCPF_TRACKED)
			pl_json_uint(w, "pktlens.retransmits", e->retrans);
		pl_json_uint(w, "pktlens.retrans_segs", e->total_retrans);
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		if (e->closer && e->closer < ARRAY_SIZE(closer_names))
			pl_json_cstr(w, "pktlens.closed_by", closer_names[e->closer]);
		if (e->flags & PL_TCPF_RTT) {
			pl_json_uint(w, "pktlens.rtt_min_us", e->rtt_min_us);
			pl_json_uint(w, "pktlens.rtt_avg_us", e->rtt_sum_us / e->rtt_n);
			pl_json_uint(w, "pktlens.rtt_max_us", e->rtt_max_us);
		}
		if (!(e->flags & PL_TCPF_TRACKED))
			pl_json_bool(w, "pktlens.tracked", false);
		break;
	case PL_TCP_RETRANS:
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		pl_json_uint(w, "tcp.seq_raw", e->seq);
		pl_json_uint(w, "pktlens.seq_len", e->len);
		if (e->flags & PL_TCPF_SYNACK)
			pl_json_bool(w, "pktlens.synack", true);
		if (e->flags & PL_TCPF_ERR)
			pl_json_int(w, "pktlens.error", e->err);
		break;
	case PL_TCP_RESET:
		pl_json_cstr(w, "pktlens.reset", e->flags & PL_TCPF_SENT ? "sent" : "received");
		if (e->flags & PL_TCPF_STATE)
			pl_json_cstr(w, "pktlens.state", state_name(e->state));
		if (e->flags & PL_TCPF_REASON)
			jreason(w, "pktlens.reset_reason", &c->rst_reasons, e->reason);
		break;
	case PL_TCP_RTT:
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		pl_json_uint(w, "pktlens.srtt_us", e->srtt_us);
		pl_json_uint(w, "pktlens.cwnd", e->cwnd);
		break;
	case PL_TCP_DROP:
		jreason(w, "pktlens.drop_reason", &c->drop_reasons, e->reason);
		break;
	}
	pl_json_end(w);
}

static void text_ends(struct pl_out *o, const struct pl_tcp_event *e)
{
	put_addr(o, e, e->saddr);
	pl_out_char(o, '.');
	pl_out_u64(o, e->sport);
	pl_out_str(o, " > ");
	put_addr(o, e, e->daddr);
	pl_out_char(o, '.');
	pl_out_u64(o, e->dport);
}

static void text_duration(struct pl_out *o, uint64_t ns)
{
	if (ns < 1000000)
		pl_out_printf(o, " dur %.3fms", (double)ns / 1e6);
	else if (ns < 10000000000ull)
		pl_out_printf(o, " dur %.2fms", (double)ns / 1e6);
	else
		pl_out_printf(o, " dur %.1fs", (double)ns / 1e9);
}

/* " name" and a number */
static void t_uint(struct pl_out *o, const char *lit, uint64_t v)
{
	pl_out_str(o, lit);
	pl_out_u64(o, v);
}

static void print_text(struct tcp_ctx *c, const struct pl_tcp_event *e)
{
	struct pl_out *o = &c->out;
	const char *kind = kind_names[e->kind];
	size_t n = strlen(kind);

	pl_out_clock(o, e->ts_ns + c->mono_to_epoch_ns);
	pl_out_char(o, ' ');
	pl_out_str(o, kind); /* "%-7s " */
	for (; n < 7; n++)
		pl_out_char(o, ' ');
	pl_out_char(o, ' ');
	text_ends(o, e);
	switch (e->kind) {
	case PL_TCP_STATE:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->old_state));
		pl_out_str(o, " -> ");
		pl_out_str(o, state_name(e->state));
		break;
	case PL_TCP_SUMMARY:
		if (e->flags & PL_TCPF_DATA_SENT)
			t_uint(o, " tx ", e->data_acked);
		else
			pl_out_str(o, " tx ?");
		t_uint(o, " rx ", e->data_received);
		t_uint(o, " segs ", e->segs_out);
		t_uint(o, "/", e->segs_in);
		if (e->flags & PL_TCPF_TRACKED) {
			t_uint(o, " retrans ", e->retrans);
		} else {
			t_uint(o, " retrans ", e->total_retrans);
			pl_out_str(o, " segs");
		}
		if (e->flags & PL_TCPF_RTT) {
			t_uint(o, " rtt ", e->rtt_min_us);
			t_uint(o, "/", e->rtt_sum_us / e->rtt_n);
			t_uint(o, "/", e->rtt_max_us);
			pl_out_str(o, "us");
		}
		if (e->flags & PL_TCPF_START)
			text_duration(o, e->ts_ns - e->start_ns);
		pl_out_str(o, " last ");
		pl_out_str(o, state_name(e->state));
		if (e->closer && e->closer < ARRAY_SIZE(closer_names)) {
			pl_out_str(o, " closed-by ");
			pl_out_str(o, closer_names[e->closer]);
		}
		if (!(e->flags & PL_TCPF_TRACKED))
			pl_out_str(o, " (untracked)");
		break;
	case PL_TCP_RETRANS:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->state));
		if (e->flags & PL_TCPF_SYNACK)
			pl_out_str(o, " SYN-ACK");
		t_uint(o, " seq ", e->seq);
		t_uint(o, " len ", e->len);
		if (e->flags & PL_TCPF_ERR) {
			pl_out_str(o, " failed (");
			pl_out_str(o, strerror(-e->err));
			pl_out_char(o, ')');
		}
		break;
	case PL_TCP_RESET:
		pl_out_str(o, e->flags & PL_TCPF_SENT ? " sent" : " received");
		if (e->flags & PL_TCPF_STATE) {
			pl_out_str(o, " in ");
			pl_out_str(o, state_name(e->state));
		} else {
			pl_out_str(o, " (no socket)");
		}
		if (e->flags & PL_TCPF_REASON) {
			pl_out_str(o, " reason ");
			put_reason(o, &c->rst_reasons, e->reason);
		}
		break;
	case PL_TCP_RTT:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->state));
		t_uint(o, " srtt ", e->srtt_us);
		t_uint(o, "us cwnd ", e->cwnd);
		break;
	case PL_TCP_DROP:
		pl_out_str(o, e->proto == 17 ? " udp " : " tcp ");
		put_reason(o, &c->drop_reasons, e->reason);
		if (e->flags & PL_TCPF_IFACE) {
			pl_out_str(o, " on ");
			pl_out_text(o, e->ifname, strnlen_(e->ifname, sizeof(e->ifname)),
				    PL_ESC_FIELD);
		}
		break;
	}
	if (e->flags & PL_TCPF_OWNER) {
		pl_out_char(o, ' ');
		pl_out_text(o, e->comm, strnlen_(e->comm, sizeof(e->comm)), PL_ESC_FIELD);
		t_uint(o, "[", e->pid);
		pl_out_char(o, ']');
	}
	pl_out_char(o, '\n');
	pl_out_end_record(o);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tcp_ctx *c = ctx;
	struct pl_tcp_event e;

	/* -c reached: what else is in the ring stays unread (a callback's
	 * positive return does not stop ring_buffer__poll) */
	if (size < sizeof(e) || (c->o->count && c->printed >= c->o->count))
		return 0;
	/* copy out of the ring before reading: the kernel owns that memory */
	memcpy(&e, data, sizeof(e));
	if (e.type != PL_EV_TCP || e.kind >= PL_TCP__KINDS || (e.family != 4 && e.family != 6))
		return 0;
	if (c->o->json)
		print_json(c, &e);
	else
		print_text(c, &e);
	c->printed++;
	return 0;
}

/* ---- counters ---- */

static void read_counters(struct tcp_bpf *skel, __u64 out[PL_TCNT__COUNT])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.counters);
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;
	int i;

	for (k = 0; k < PL_TCNT__COUNT; k++) {
		out[k] = 0;
		if (ncpu <= 0 || bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (i = 0; i < ncpu; i++)
			out[k] += vals[i];
	}
}

/* Hook runs the kernel skipped: a program already running on that CPU
 * (interrupted by the same tracepoint) is not run again. */
static uint64_t kernel_misses(struct tcp_bpf *skel)
{
	__u64 c[PL_TCNT__COUNT];
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		struct bpf_program *p = hooks[i].prog(skel);
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p) || bpf_program__fd(p) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			n += info.recursion_misses;
	}
	/* those of pl_set_state that its twin took over are not missed */
	read_counters(skel, c);
	return n > c[PL_TCNT_TAKEN_OVER] ? n - c[PL_TCNT_TAKEN_OVER] : 0;
}

/* The kernel counts the table's entries. */
static uint64_t count_conns(struct tcp_bpf *skel)
{
	return __atomic_load_n(&skel->bss->live_conns, __ATOMIC_RELAXED);
}

static void print_stats(struct tcp_bpf *skel)
{
	__u64 c[PL_TCNT__COUNT];

	read_counters(skel, c);
	fprintf(stderr,
		"pktlens: %llu events seen, %llu matched, %llu emitted, %llu lost in the ring buffer, %llu hook runs missed by the kernel; %llu connections in the table, %llu untracked (table full)\n",
		(unsigned long long)c[PL_TCNT_SEEN], (unsigned long long)c[PL_TCNT_MATCHED],
		(unsigned long long)c[PL_TCNT_EMITTED], (unsigned long long)c[PL_TCNT_LOST],
		(unsigned long long)kernel_misses(skel),
		(unsigned long long)count_conns(skel),
		(unsigned long long)c[PL_TCNT_UNTRACKED]);
}

/* ---- start-up ---- */

static struct btf *open_kernel_btf(void)
{
	/* PKTLENS_SYSFS_BTF lets the tests play a kernel without BTF */
	const char *path = getenv("PKTLENS_SYSFS_BTF");
	struct btf *btf;

	if (!path)
		path = "/sys/kernel/btf/vmlinux";
	if (access(path, R_OK)) {
		pl_err("this kernel has no BTF (%s); pktlens needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		       path);
		return NULL;
	}
	btf = btf__parse(path, NULL);
	if (!btf)
		pl_err("cannot read the kernel's BTF from %s: %s", path, strerror(errno));
	return btf;
}

/*
 * Chooses the programs: those the asked-for kinds need, in the variant the
 * kernel's tracepoint arguments allow. Reports each missing tracepoint once.
 * Returns the number of programs that will load.
 */
static int choose_programs(struct tcp_bpf *skel, const struct btf *btf,
			   unsigned int kinds, bool *has_reset_reason)
{
	const char *reported[ARRAY_SIZE(hooks)];
	size_t i, j, n_reported = 0;
	int n = 0;

	*has_reset_reason = false;
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct hook *h = &hooks[i];
		int have = tp_nargs(btf, h->tp);
		bool ok = have >= 0 && (h->exact ? have == h->nargs : have >= h->nargs);
		bool need = kinds & h->kinds;

		bpf_program__set_autoload(h->prog(skel), need && ok);
		if (!need || ok) {
			if (need && ok) {
				n++;
				if (h->prog(skel) == skel->progs.pl_send_reset_reason)
					*has_reset_reason = true;
			}
			continue;
		}
		/* a variant that does not fit is fine when another one does */
		for (j = 0; j < ARRAY_SIZE(hooks); j++) {
			int hj = tp_nargs(btf, hooks[j].tp);

			if (j != i && !strcmp(hooks[j].tp, h->tp) && hj >= 0 &&
			    (hooks[j].exact ? hj == hooks[j].nargs : hj >= hooks[j].nargs))
				break;
		}
		if (j < ARRAY_SIZE(hooks))
			continue;
		for (j = 0; j < n_reported; j++)
			if (!strcmp(reported[j], h->tp))
				break;
		if (j < n_reported)
			continue;
		reported[n_reported++] = h->tp;
		if (have < 0)
			pl_warn("this kernel has no tracepoint %s: %s; the rest goes on", h->tp,
				h->without);
		else
			pl_warn("this kernel's tracepoint %s has %d arguments where pktlens reads %d: %s; the rest goes on",
				h->tp, have, h->nargs, h->without);
	}
	return n;
}

static void set_drop_ignore(struct tcp_bpf *skel, const struct tcp_ctx *c)
{
	/* not drops: freed after use, unspecified, or queues emptied when a
	 * socket is torn down */
	static const char *const normal[] = { "NOT_DROPPED_YET", "CONSUMED", "NOT_SPECIFIED",
					      "QUEUE_PURGE" };
	size_t i, j;

	if (c->o->all_drops)
		return;
	for (i = 0; i < c->drop_reasons.n; i++) {
		uint32_t v = c->drop_reasons.v[i].value;

		for (j = 0; j < ARRAY_SIZE(normal); j++)
			if (!strcmp(c->drop_reasons.v[i].name, normal[j]) &&
			    v < PL_TCP_DROP_IGNORE_MAX)
				((__u64 *)skel->rodata->drop_ignore)[v / 64] |= 1ull << (v % 64);
	}
}

static int attach_programs(struct tcp_bpf *skel, struct bpf_link **links, int *n_links)
{
	size_t i;
	int n_failed = 0;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		struct bpf_program *p = hooks[i].prog(skel);
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			pl_warn("cannot attach to tracepoint %s (%s): %s; the rest goes on",
				hooks[i].tp, strerror(errno), hooks[i].without);
			n_failed++;
			continue;
		}
		links[(*n_links)++] = l;
	}
	return n_failed;
}

static void kinds_list(unsigned int kinds, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int k;

	buf[0] = 0;
	for (k = 0; k < PL_TCP__KINDS; k++)
		if (kinds & K(k))
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						off ? "," : "", kind_names[k]);
}

/* State of the once-a-second checks. */
struct tcp_tick {
	struct tcp_bpf *skel;
	struct tcp_ctx *c;
	__u64 last_lost, last_missed, last_no_listener;
	uint64_t next_scan, scan_gap; /* seconds between /proc scans */
};

/* Once a second: report loss and missed hook runs; look for listeners. */
static int tcp_each_second(void *ctx, uint64_t now)
{
	struct tcp_tick *t = ctx;
	__u64 cnt[PL_TCNT__COUNT], missed;

	read_counters(t->skel, cnt);
	if (cnt[PL_TCNT_LOST] != t->last_lost) {
		pl_warn("%llu records lost in the ring buffer in the last second (%llu in all): the reader is too slow; narrow the filter or --events, or use --json to a file",
			(unsigned long long)(cnt[PL_TCNT_LOST] - t->last_lost),
			(unsigned long long)cnt[PL_TCNT_LOST]);
		t->last_lost = cnt[PL_TCNT_LOST];
	}
	/* a passive open on a port whose listener we do not know: look in
	 * /proc again, less often while that finds nothing */
	if (cnt[PL_TCNT_NO_LISTENER] != t->last_no_listener && now >= t->next_scan &&
	    (t->c->kinds & SOCKET_KINDS)) {
		t->last_no_listener = cnt[PL_TCNT_NO_LISTENER];
		t->scan_gap = scan_listeners(t->skel) ? 1 : (t->scan_gap < 64 ? t->scan_gap * 2 : 64);
		t->next_scan = now + t->scan_gap * 1000000000ull;
	}
	missed = kernel_misses(t->skel);
	if (missed != t->last_missed) {
		pl_warn("%llu hook runs missed by the kernel in the last second (%llu in all): a tracepoint fired while its program was already running on that CPU",
			(unsigned long long)(missed - t->last_missed), (unsigned long long)missed);
		t->last_missed = missed;
	}
	return 0;
}

int cmd_tcp(struct pl_opts *o)
{
	static struct pl_filter filter;
	struct bpf_link *links[ARRAY_SIZE(hooks)];
	static char outbuf[PL_OUT_BUF_MIN * 4];
	struct tcp_ctx c = { .o = o };
	struct tcp_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct btf *btf = NULL;
	struct tcp_tick tick = { .scan_gap = 1 };
	int i, err, n_links = 0, n_progs, ret;
	uint64_t slots;
	bool has_rst_reason;
	char kl[128];

	ret = parse_kinds(o->events, &c.kinds);
	if (ret)
		return ret;
	ret = pl_opts_compile_filter(o, &filter);
	if (ret)
		return ret;
	if (o->filter) {
		ret = check_filter(o, &filter);
		if (ret)
			return ret;
	}
	btf = open_kernel_btf();
	if (!btf)
		return PL_EXIT_RUNTIME;
	pl_log_setup_libbpf();

	skel = tcp_bpf__open();
	if (!skel) {
		pl_err("cannot open the BPF programs: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	n_progs = choose_programs(skel, btf, c.kinds, &has_rst_reason);
	if (!n_progs) {
		pl_err("this kernel has none of the tracepoints pktlens tcp needs for --events %s",
		       o->events ? o->events : "summary,retrans,reset,drop");
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	if (c.kinds & K(PL_TCP_DROP) &&
	    load_enum(btf, "skb_drop_reason", "SKB_DROP_REASON_", "SKB_", &c.drop_reasons))
		pl_warn("this kernel's BTF has no enum skb_drop_reason: drops show reason numbers");
	if (has_rst_reason)
		load_enum(btf, "sk_rst_reason", "SK_RST_REASON_", NULL, &c.rst_reasons);
	btf__free(btf);
	btf = NULL;

	skel->rodata->kinds = c.kinds;
	skel->rodata->rtt_every = o->rtt_every;
	skel->rodata->filter_on = o->filter != NULL;
	memcpy((void *)&skel->rodata->filter, &filter, sizeof(filter));
	{
		char err_msg[256];

		if (pl_filter_splice(skel->obj, &filter, err_msg, sizeof(err_msg))) {
			pl_err("cannot put the filter into the BPF programs: %s", err_msg);
			ret = PL_EXIT_RUNTIME;
			goto cleanup;
		}
	}
	set_drop_ignore(skel, &c);
	/* the connection table (tcp.bpf.c): max_conns entries in 2 * max_conns
	 * slots, in groups of 8 */
	slots = 64;
	while (slots < 2ull * o->max_conns)
		slots *= 2;
	skel->rodata->max_conns = o->max_conns;
	skel->rodata->conn_group_mask = (__u32)(slots / 8 - 1);
	bpf_map__set_max_entries(skel->maps.conns, (__u32)(slots / 8));

	err = tcp_bpf__load(skel);
	if (err) {
		/* the verifier also says EACCES; only without root is it ours */
		if (err == -EPERM || (err == -EACCES && geteuid() != 0))
			pl_err("not allowed to load BPF programs: run as root or grant CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON");
		else
			pl_err("the kernel refused the BPF programs (%s); run with -v to see the verifier's log",
			       strerror(-err));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &c, NULL);
	if (!rb) {
		pl_err("cannot set up the ring buffer: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	if (attach_programs(skel, links, &n_links) && !n_links) {
		pl_err("could not attach any tracepoint; run with -v for libbpf's messages");
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	/* after attaching: a listener that appears meanwhile is seen by the
	 * kernel, and the kernel's record wins over the scan's */
	if (c.kinds & SOCKET_KINDS)
		scan_listeners(skel);

	pl_catch_stop_signals();
	kinds_list(c.kinds, kl, sizeof(kl));
	pl_info("tracing TCP: %s (%d hooks)%s%s", kl, n_links, o->filter ? ", filter: " : "",
		o->filter ? o->filter : "");
	c.mono_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	pl_out_init_file(&c.out, stdout, outbuf, sizeof(outbuf));
	tick.skel = skel;
	tick.c = &c;
	ret = pl_run_ring_loop(&(struct pl_ring_loop){ .rb = rb, .o = o, .printed = &c.printed,
						      .each_second = tcp_each_second, .ctx = &tick });
	ret = pl_stdout_status(ret); /* records that could not be written are an error */
	if (o->stats)
		print_stats(skel);

cleanup:
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links[i]);
	ring_buffer__free(rb);
	tcp_bpf__destroy(skel);
	btf__free(btf);
	free(c.drop_reasons.v);
	free(c.rst_reasons.v);
	return ret;
}
