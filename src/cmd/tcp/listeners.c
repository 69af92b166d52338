// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: the owners of the listening sockets that were there before
 * us, from sock_diag and /proc, into the kernel's listeners map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "cmd/tcp/tcp.h"
#include "filter/filter.h"
#include "tcp.skel.h"

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
		.nlh = { .nlmsg_len = sizeof(q),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (__u8)family,
			 .sdiag_protocol = IPPROTO_TCP,
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
int tcp_scan_listeners(struct tcp_bpf *skel)
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
		pl_warn("cannot read /proc (%s): owners of passive opens stay unknown until the "
			"socket is closed",
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
