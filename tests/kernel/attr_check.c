// SPDX-License-Identifier: BSD-2-Clause
/*
 * --attribute in the kernel, through BPF_PROG_TEST_RUN (no lab): the
 * packet programs loaded with `attribute` set find this process's own
 * sockets on 127.0.0.1 and ::1 by a frame's 4-tuple (test_run runs in the
 * caller's netns), in XDP and in TC: a SYN to a TCP listener, a segment of
 * an established connection, a UDP datagram; each record's struct pl_attr
 * carries the socket's cookie (SO_COOKIE), its file's inode (fstat) and
 * its cgroup (this process's cgroup v2 id); the socket iterator maps it
 * to this pid and comm; a frame to a closed port finds nothing.
 * Then, with nothing per packet: the flows' lookup from user space
 * (pl_attrib_tuple) on the same sockets, a time-wait socket standing for
 * its listener; -w's records (the socket after the frame's bytes); and
 * the kernel's cgroup filter of proc.* terms (attr_cgroups).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "filter/procterms.h"
#include "records/attr.h"
#include "runtime/attr.h"
#include "runtime/packet_skel.h"

static int failed;

struct got {
	int n;
	struct pl_attr a;
	int has_attr;
	__u16 type;
	__u32 cap_len;
	size_t size;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;
	struct pl_capture cap;

	g->n++;
	g->has_attr = !pl_packet_event_attr(&g->a, data, size);
	memcpy(&g->type, data, sizeof(g->type));
	g->size = size;
	if (g->type == PL_EV_PACKET_DATA && size >= sizeof(struct pl_packet_event) + sizeof(cap)) {
		memcpy(&cap, (const char *)data + sizeof(struct pl_packet_event), sizeof(cap));
		g->cap_len = cap.cap_len;
	}
	return 0;
}

static void result(int ok, const char *what)
{
	printf("%s attribute: %s\n", ok ? "PASS" : "FAIL", what);
	failed += !ok;
}

/* An Ethernet frame: IPv4 or IPv6, TCP (flags) or UDP, from sport to
 * dport on the loopback address. */
static size_t frame(uint8_t *f, int v6, int tcp, uint16_t sport, uint16_t dport, uint8_t flags)
{
	size_t l3 = v6 ? 40 : 20, l4 = tcp ? 20 : 8;
	uint8_t *ip = f + 14, *th = ip + l3;

	memset(f, 0, 14 + l3 + l4);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = 0;
		ip[5] = (uint8_t)l4;
		ip[6] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip[7] = 64;
		ip[23] = 1; /* ::1 */
		ip[39] = 1;
	} else {
		ip[0] = 0x45;
		ip[3] = (uint8_t)(l3 + l4);
		ip[8] = 64;
		ip[9] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip[12] = 127, ip[15] = 1;
		ip[16] = 127, ip[19] = 1;
	}
	th[0] = (uint8_t)(sport >> 8), th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8), th[3] = (uint8_t)dport;
	if (tcp) {
		th[12] = 0x50;
		th[13] = flags;
		th[14] = 0xff;
	} else {
		th[5] = 8;
	}
	return 14 + l3 + l4;
}

/* Runs the frame through prog; the record's pl_attr in g. */
static int run(struct ring_buffer *rb, struct got *g, int prog, const uint8_t *f, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (__u32)len, .repeat = 1);

	memset(g, 0, sizeof(*g));
	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "  test_run: %s\n", strerror(errno));
		return -1;
	}
	ring_buffer__consume(rb);
	return g->n == 1 && g->has_attr ? 0 : -1;
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l);
	return c;
}

static uint64_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &l);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

/* A socket of type on 127.0.0.1 (or ::1), any port; listening for TCP. */
static int sock_on(int v6, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0);

	if (fd < 0 || (v6 ? bind(fd, (void *)&a6, sizeof(a6)) : bind(fd, (void *)&a, sizeof(a))) ||
	    (type == SOCK_STREAM && listen(fd, 4))) {
		perror("attr_check: socket");
		exit(1);
	}
	return fd;
}

/* The cgroup v2 id of this process: the inode of its cgroup's directory
 * under the cgroup2 mount (0 when there is none). */
static uint64_t my_cgroup_id(void)
{
	char line[512], mnt[256] = "", path[1024], cg[512] = "";
	FILE *f = fopen("/proc/self/mounts", "r");
	struct stat st;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s cgroup2", mnt) == 1 && strstr(line, " cgroup2 "))
			break;
		else
			mnt[0] = '\0';
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			sscanf(line + 3, "%511s", cg);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s%s", mnt, cg);
	return mnt[0] && !stat(path, &st) ? st.st_ino : 0;
}

static const uint8_t lo4[4] = { 127, 0, 0, 1 };

/* The flows' lookup, from user space: the owner of the socket a flow
 * goes to, found by its 4-tuple with nothing per packet. */
static void flows_lookup(struct pl_attrib *t, int lst, int acc, uint16_t cport, int udp)
{
	struct pl_proc p;
	uint64_t before;
	int cli2, acc2, r;
	uint16_t port2;

	r = pl_attrib_tuple(t, 4, 6, lo4, 40000, lo4, port_of(lst), &p);
	result(r == 1 && p.pid == (uint32_t)getpid() && !strcmp(p.name, "attr_check"),
	       "flows: a flow to a listener names its process");
	r = pl_attrib_tuple(t, 4, 6, lo4, cport, lo4, port_of(lst), &p);
	(void)acc;
	result(r == 1 && p.pid == (uint32_t)getpid(), "flows: a flow of a connection names its process");
	r = pl_attrib_tuple(t, 4, 17, lo4, 40000, lo4, port_of(udp), &p);
	result(r == 1 && p.pid == (uint32_t)getpid(), "flows: a UDP flow names its process");
	/* a connection the server closed first: its socket is in time-wait
	 * (no file, no process): the listener stands for it */
	cli2 = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					 .sin_port = htons(port_of(lst)) };
		char c;

		if (connect(cli2, (void *)&a, sizeof(a)) || (acc2 = accept(lst, NULL, NULL)) < 0) {
			perror("attr_check: connect");
			exit(1);
		}
		port2 = port_of(cli2);
		close(acc2);
		(void)!read(cli2, &c, 1); /* the server's FIN */
		close(cli2);
	}
	before = t->lookups;
	r = pl_attrib_tuple(t, 4, 6, lo4, port2, lo4, port_of(lst), &p);
	result(r == 1 && p.pid == (uint32_t)getpid() && t->lookups == before + 2,
	       "flows: a time-wait connection's flow names its listener's process");
	r = pl_attrib_tuple(t, 4, 17, lo4, 40000, lo4, 9, &p);
	result(r == 0 && !p.pid && !p.cgroup_id, "flows: a flow to a closed port names nothing");
}

/* A packet program loaded with attribute set and, for -w, capture_len;
 * filter: attr_cgroup_filter. */
static struct packet_bpf *load_with(int capture, int filter)
{
	struct packet_bpf *skel = packet_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->attribute = 1;
	skel->rodata->capture_len = capture ? 256 : 0;
	skel->rodata->attr_cgroup_filter = filter;
	if (packet_bpf__load(skel)) {
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static __u64 counter(struct packet_bpf *skel, __u32 which)
{
	int n = libbpf_num_possible_cpus(), i;
	__u64 v[512] = { 0 }, sum = 0;

	if (n > 512 || bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &which, v))
		return 0;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* -w: the socket after the frame's bytes; the kernel's cgroup filter:
 * only packets to a socket of a cgroup in attr_cgroups go up. */
static void write_and_filter(struct pl_attrib *t, int lst)
{
	struct packet_bpf *skel = load_with(1, 0);
	struct pl_proc_terms terms;
	struct ring_buffer *rb;
	char expr[64], rest[64], err[256];
	struct got g;
	uint8_t f[128];
	size_t n = frame(f, 0, 1, 40000, port_of(lst), 0x02);

	result(skel != NULL, "-w: the packet programs load with attribute and capture_len set");
	if (!skel)
		return;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &g, NULL);
	result(!run(rb, &g, bpf_program__fd(skel->progs.pktlens_tc), f, n) &&
		       g.type == PL_EV_PACKET_DATA && g.cap_len == n && g.a.found &&
		       g.a.ino == ino_of(lst) &&
		       g.size == sizeof(struct pl_packet_event) + sizeof(struct pl_capture) + n +
					 sizeof(struct pl_attr),
	       "-w: the frame's bytes, then the listener's socket");
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);

	skel = load_with(0, 1);
	result(skel != NULL, "filter: the packet programs load with attr_cgroup_filter set");
	if (!skel)
		return;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &g, NULL);
	/* no cgroup in the map yet: nothing goes up, and it is counted */
	run(rb, &g, bpf_program__fd(skel->progs.pktlens_xdp), f, n);
	result(g.n == 0 && counter(skel, PL_CNT_NOT_OWNED) == 1,
	       "filter: a packet to a socket of no allowed cgroup is not sent up (counted)");
	snprintf(expr, sizeof(expr), "proc.pid == %d", (int)getpid());
	if (pl_proc_terms_split(expr, &terms, rest, sizeof(rest), err, sizeof(err)) ||
	    pl_attrib_cgroups(t, bpf_map__fd(skel->maps.attr_cgroups), &terms)) {
		result(0, "filter: proc.pid == this pid fills attr_cgroups");
	} else {
		result(terms.n == 1 && t->cgroups_set >= 1,
		       "filter: proc.pid == this pid fills attr_cgroups");
		result(!run(rb, &g, bpf_program__fd(skel->progs.pktlens_xdp), f, n) &&
			       g.a.ino == ino_of(lst),
		       "filter: a packet to this process's socket goes up");
	}
	/* a pid no process has */
	snprintf(expr, sizeof(expr), "proc.pid == %d", 0x7ffffffe);
	if (!pl_proc_terms_split(expr, &terms, rest, sizeof(rest), err, sizeof(err)) &&
	    !pl_attrib_cgroups(t, bpf_map__fd(skel->maps.attr_cgroups), &terms)) {
		run(rb, &g, bpf_program__fd(skel->progs.pktlens_xdp), f, n);
		result(terms.n == 1 && t->cgroups_set == 0 && g.n == 0,
		       "filter: another pid's terms empty attr_cgroups again");
	}
	t->terms = NULL;
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
}

int main(void)
{
	struct packet_bpf *skel = packet_bpf__open();
	struct ring_buffer *rb;
	struct pl_attrib t;
	const struct pl_proc *p;
	struct got g;
	uint8_t f[128];
	size_t n;
	int progs[2], i, lst, lst6, udp, cli, acc, closed;
	uint64_t cg = my_cgroup_id(), udp_ino;
	uint16_t cport;
	static const char *names[2] = { "xdp", "tc" };
	char what[160];

	libbpf_set_print(NULL);
	if (!skel)
		return 1;
	skel->rodata->attribute = 1;
	if (packet_bpf__load(skel)) {
		result(0, "the packet programs load with attribute set (run with the verifier's log: "
			  "bpftool prog load build/packet.bpf.o)");
		return 1;
	}
	result(1, "the packet programs load with attribute set");
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &g, NULL);
	progs[0] = bpf_program__fd(skel->progs.pktlens_xdp);
	progs[1] = bpf_program__fd(skel->progs.pktlens_tc);

	lst = sock_on(0, SOCK_STREAM);
	lst6 = sock_on(1, SOCK_STREAM);
	udp = sock_on(0, SOCK_DGRAM); /* no SO_COOKIE asked: found by inode */
	udp_ino = ino_of(udp);
	closed = sock_on(0, SOCK_DGRAM);
	close(closed); /* its port is free again: nothing listens there */
	cli = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					 .sin_port = htons(port_of(lst)) };

		if (connect(cli, (void *)&a, sizeof(a)) || (acc = accept(lst, NULL, NULL)) < 0) {
			perror("attr_check: connect");
			return 1;
		}
	}
	cport = port_of(cli);
	/* the listener's and the accepted socket's cookies made now, before
	 * the iterator looks (the UDP socket's stays unmade: found by inode) */
	cookie_of(lst);
	cookie_of(acc);
	if (pl_attrib_open(&t))
		return 1;

	for (i = 0; i < 2; i++) {
		n = frame(f, 0, 1, 40000, port_of(lst), 0x02);
		snprintf(what, sizeof(what), "%s: a SYN finds its listener (cookie, inode, cgroup)",
			 names[i]);
		result(!run(rb, &g, progs[i], f, n) && g.a.found && g.a.state == 10 &&
			       g.a.cookie == cookie_of(lst) && g.a.ino == ino_of(lst) &&
			       g.a.cgroup_id == cg,
		       what);
		{
			struct pl_attr by_cookie = g.a;

			by_cookie.ino = 0; /* found by the cookie alone */
			p = pl_attrib_find(&t, &by_cookie);
		}
		snprintf(what, sizeof(what), "%s: the listener's owner (by cookie) is this pid and comm",
			 names[i]);
		result(p && p->pid == (uint32_t)getpid() && !strcmp(p->name, "attr_check") &&
			       strstr(p->exe, "attr_check") && p->cgroup_id == cg,
		       what);

		n = frame(f, 1, 1, 40000, port_of(lst6), 0x02);
		snprintf(what, sizeof(what), "%s: an IPv6 SYN finds its listener", names[i]);
		result(!run(rb, &g, progs[i], f, n) && g.a.found && g.a.ino == ino_of(lst6), what);

		n = frame(f, 0, 1, cport, port_of(lst), 0x10);
		snprintf(what, sizeof(what), "%s: an ACK finds the accepted socket, not the listener",
			 names[i]);
		result(!run(rb, &g, progs[i], f, n) && g.a.found && g.a.state == 1 &&
			       g.a.ino == ino_of(acc) && g.a.cookie == cookie_of(acc),
		       what);

		n = frame(f, 0, 0, 40000, port_of(udp), 0);
		snprintf(what, sizeof(what),
			 "%s: a UDP datagram finds its socket (no cookie made: by inode)", names[i]);
		if (!run(rb, &g, progs[i], f, n))
			g.a.cookie = 0; /* (in case something else made one): by inode alone */
		result(g.a.found && g.a.ino == udp_ino && (p = pl_attrib_find(&t, &g.a)) &&
			       p->pid == (uint32_t)getpid(),
		       what);

		n = frame(f, 0, 0, 40000, port_of(closed), 0);
		snprintf(what, sizeof(what), "%s: a datagram to a closed port finds no socket",
			 names[i]);
		result(!run(rb, &g, progs[i], f, n) && !g.a.found && !g.a.cookie && !g.a.ino &&
			       !pl_attrib_find(&t, &g.a),
		       what);
	}
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);

	flows_lookup(&t, lst, acc, cport, udp);
	write_and_filter(&t, lst);
	pl_attrib_close(&t);
	return failed ? 1 : 0;
}
