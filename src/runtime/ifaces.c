// SPDX-License-Identifier: BSD-2-Clause
/*
 * Interfaces that change (issue 14 item 12). The kernel tells of every
 * link change on an rtnetlink socket (the RTMGRP_LINK group, read with
 * libmnl as iproute2's `ip monitor link` does); the main loops wait on it
 * beside their ring buffer or timer, so a change is seen at once and no
 * interface is looked up by polling. When the socket overflowed (ENOBUFS:
 * events were dropped) the slots are checked against the kernel again.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if_arp.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "util/log.h"
#include "ifaces.h"
#include "records/record.h"

/* newer than glibc's net/if_arp.h */
#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif
#ifndef ARPHRD_IP6GRE
#define ARPHRD_IP6GRE 823
#endif

static bool was_watched(const struct pl_ifaces *known, const char *name)
{
	int i;

	for (i = 0; known && i < known->n; i++)
		if (!strcmp(known->asked[i], name))
			return true;
	return false;
}

static int no_such_iface(const char *name)
{
	pl_err("no interface named '%s' here (see 'ip -br link'; in a namespace, "
	       "run pktlens inside it with 'ip netns exec')",
	       name);
	return PL_EXIT_USAGE;
}

int pl_check_names(const char *const *names, int n, const struct pl_ifaces *known)
{
	int i;

	for (i = 0; i < n; i++)
		if (!if_nametoindex(names[i]) && !was_watched(known, names[i]))
			return no_such_iface(names[i]);
	return 0;
}

int pl_resolve_names(const char *const *names, int n, const char *cmd, struct pl_ifaces *ifs,
		     const struct pl_ifaces *known)
{
	int i;

	if (!n) {
		pl_err("%s needs -i IFACE (see 'ip -br link' for the names)", cmd);
		return PL_EXIT_USAGE;
	}
	ifs->n = 0;
	ifs->n_past = 0;
	ifs->status = 0;
	for (i = 0; i < n; i++) {
		ifs->indexes[i] = (int)if_nametoindex(names[i]);
		if (!ifs->indexes[i] && was_watched(known, names[i])) {
			pl_warn("interface %s is still away; attaching when it appears", names[i]);
		} else if (!ifs->indexes[i]) {
			return no_such_iface(names[i]);
		}
		ifs->linktype[i] = PL_LINK_ETHERNET;
		if (ifs->indexes[i] && pl_iface_linktype(names[i], &ifs->linktype[i]))
			return PL_EXIT_USAGE;
		snprintf(ifs->names[i], IF_NAMESIZE, "%s", names[i]);
		snprintf(ifs->asked[i], IF_NAMESIZE, "%s", names[i]);
		ifs->att[i].link_fd = -1;
		ifs->n++;
	}
	return 0;
}

int pl_resolve_ifaces(const struct pl_opts *o, const char *cmd, struct pl_ifaces *ifs)
{
	return pl_resolve_names(o->ifaces, o->n_ifaces, cmd, ifs, NULL);
}

/* SIOCGIFHWADDR gives the ARPHRD type of the device in pktlens's own
 * network namespace (/sys/class/net shows the one sysfs was mounted in). */
int pl_iface_linktype(const char *name, __u16 *linktype)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0) {
		pl_err("cannot ask for the link type of %s: %s", name, strerror(errno));
		return PL_EXIT_USAGE;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (err) {
		pl_err("cannot ask for the link type of %s: %s; check the name with 'ip -br link'",
		       name, strerror(errno));
		return PL_EXIT_USAGE;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK: /* lo's frames carry an Ethernet header of zeros */
		*linktype = PL_LINK_ETHERNET;
		return 0;
	case ARPHRD_NONE:     /* tun, WireGuard */
	case ARPHRD_TUNNEL:   /* ipip */
	case ARPHRD_TUNNEL6:  /* ip6tnl */
	case ARPHRD_SIT:      /* 6in4 */
	case ARPHRD_IPGRE:    /* gre */
	case ARPHRD_IP6GRE:
	case ARPHRD_PPP:
	case ARPHRD_RAWIP:
		*linktype = PL_LINK_RAW;
		return 0;
	}
	pl_err("%s has link type ARPHRD %u; pktlens watches Ethernet interfaces and those that "
	       "carry bare IP (tun, ipip, sit, gre, WireGuard, PPP)",
	       name, ifr.ifr_hwaddr.sa_family);
	return PL_EXIT_USAGE;
}

__u16 pl_ifaces_linktype(const struct pl_ifaces *ifs, __u32 ifindex)
{
	int i;

	for (i = 0; i < ifs->n; i++)
		if (ifs->indexes[i] == (int)ifindex)
			return ifs->linktype[i];
	return PL_LINK_ETHERNET;
}

const char *pl_ifname(const struct pl_ifaces *ifs, __u32 ifindex)
{
	int i;

	for (i = 0; i < ifs->n; i++)
		if (ifs->indexes[i] && ifs->indexes[i] == (int)ifindex)
			return ifs->names[i];
	for (i = ifs->n_past - 1; i >= 0; i--)
		if (ifs->past[i].ifindex == (int)ifindex)
			return ifs->past[i].name;
	return "?";
}

/* Keeps slot i's ifindex and name once it is gone; the oldest goes when
 * full. */
static void remember(struct pl_ifaces *ifs, int i)
{
	if (ifs->n_past == PL_IFACES_PAST) {
		memmove(&ifs->past[0], &ifs->past[1], sizeof(ifs->past[0]) * (PL_IFACES_PAST - 1));
		ifs->n_past--;
	}
	ifs->past[ifs->n_past].ifindex = ifs->indexes[i];
	memcpy(ifs->past[ifs->n_past].name, ifs->names[i], IF_NAMESIZE);
	ifs->n_past++;
}

int pl_ifaces_attached(const struct pl_ifaces *ifs)
{
	int i, n = 0;

	for (i = 0; i < ifs->n; i++)
		n += ifs->att[i].link_fd >= 0;
	return n;
}

/* "a, b": the interfaces still watched. */
static void watched_list(const struct pl_ifaces *ifs, char *buf, size_t len)
{
	size_t at = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < ifs->n && at < len; i++)
		if (ifs->att[i].link_fd >= 0)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
					       ifs->names[i]);
}

static void slot_gone(struct pl_ifaces *ifs, int i)
{
	char others[PL_MAX_IFACES * (IF_NAMESIZE + 2)];

	remember(ifs, i);
	pl_detach(&ifs->att[i]);
	ifs->indexes[i] = 0;
	watched_list(ifs, others, sizeof(others));
	if (others[0] && ifs->reattach)
		pl_warn("interface %s disappeared; still watching %s; attaching again when an "
			"interface named %s appears",
			ifs->names[i], others, ifs->asked[i]);
	else if (others[0])
		pl_warn("interface %s disappeared; still watching %s (with --reattach pktlens "
			"would attach again when it is back)",
			ifs->names[i], others);
	else if (ifs->reattach)
		pl_warn("interface %s disappeared; nothing left to watch: waiting for an interface "
			"named %s to attach again",
			ifs->names[i], ifs->asked[i]);
	else {
		pl_err("interface %s disappeared; stopping (start pktlens again once it is back, "
		       "or use --reattach)",
		       ifs->names[i]);
		ifs->status = PL_EXIT_RUNTIME;
	}
}

static void slot_renamed(struct pl_ifaces *ifs, int i, const char *name)
{
	char old[IF_NAMESIZE];

	memcpy(old, ifs->names[i], IF_NAMESIZE);
	snprintf(ifs->names[i], IF_NAMESIZE, "%s", name);
	pl_info("interface %s is now named %s; its records carry the new name", old, name);
	if (ifs->changed)
		ifs->changed(ifs->changed_ctx, ifs, i, old);
}

static void slot_back(struct pl_ifaces *ifs, int i, int ifindex, const char *name)
{
	char old[IF_NAMESIZE];

	memcpy(old, ifs->names[i], IF_NAMESIZE);
	ifs->indexes[i] = ifindex;
	snprintf(ifs->names[i], IF_NAMESIZE, "%s", name);
	pl_info("interface %s is back (ifindex %d); attaching again", name, ifindex);
	if (!ifs->attach || ifs->attach(ifs, i)) {
		ifs->indexes[i] = 0;
		pl_warn("still waiting for an interface named %s that pktlens can attach to",
			ifs->asked[i]);
		return;
	}
	if (ifs->changed)
		ifs->changed(ifs->changed_ctx, ifs, i, old);
}

static int slot_of(const struct pl_ifaces *ifs, int ifindex)
{
	int i;

	for (i = 0; i < ifs->n; i++)
		if (ifs->indexes[i] == ifindex)
			return i;
	return -1;
}

/* A link of this name and ifindex exists (RTM_NEWLINK, or found again). */
static void link_is(struct pl_ifaces *ifs, int ifindex, const char *name)
{
	int i = slot_of(ifs, ifindex);

	if (i >= 0) {
		if (strcmp(ifs->names[i], name))
			slot_renamed(ifs, i, name);
		return;
	}
	if (!ifs->reattach)
		return;
	for (i = 0; i < ifs->n; i++)
		if (!ifs->indexes[i] && !strcmp(ifs->asked[i], name)) {
			slot_back(ifs, i, ifindex, name);
			return;
		}
}

static void link_gone(struct pl_ifaces *ifs, int ifindex)
{
	int i = slot_of(ifs, ifindex);

	if (ifindex && i >= 0)
		slot_gone(ifs, i);
}

/* After lost events, or before the first: each slot against the kernel. */
static void resync(struct pl_ifaces *ifs)
{
	char name[IF_NAMESIZE];
	int i, idx;

	for (i = 0; i < ifs->n; i++) {
		if (!ifs->indexes[i])
			continue;
		if (if_indextoname((unsigned)ifs->indexes[i], name))
			link_is(ifs, ifs->indexes[i], name);
		else if (errno == ENXIO || errno == ENODEV)
			link_gone(ifs, ifs->indexes[i]);
	}
	for (i = 0; i < ifs->n && ifs->reattach; i++) {
		if (ifs->indexes[i])
			continue;
		idx = (int)if_nametoindex(ifs->asked[i]);
		if (idx && slot_of(ifs, idx) < 0)
			link_is(ifs, idx, ifs->asked[i]);
	}
}

static int attr_name(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		*name = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int on_link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct pl_ifaces *ifs = data;
	const struct ifinfomsg *ifm;
	const char *name = NULL;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_OK;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		link_gone(ifs, ifm->ifi_index);
		return MNL_CB_OK;
	}
	mnl_attr_parse(nlh, sizeof(*ifm), attr_name, &name);
	if (name && ifm->ifi_index > 0)
		link_is(ifs, ifm->ifi_index, name);
	return MNL_CB_OK;
}

static void read_link_events(struct pl_ifaces *ifs)
{
	/* as iproute2's: one RTM_NEWLINK of a device with many VFs is large */
	static char buf[32768];
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(ifs->nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) { /* the kernel dropped events */
				resync(ifs);
				continue;
			}
			return; /* EAGAIN: none left */
		}
		/* notifications: no sequence number or port to check */
		mnl_cb_run(buf, (size_t)n, 0, 0, on_link_msg, ifs);
	}
}

int pl_ifaces_follow(struct pl_ifaces *ifs, bool reattach)
{
	ifs->reattach = reattach;
	if (!ifs->nl) {
		ifs->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (!ifs->nl || mnl_socket_bind(ifs->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
			pl_err("cannot follow interface changes (rtnetlink): %s", strerror(errno));
			if (ifs->nl)
				mnl_socket_close(ifs->nl);
			ifs->nl = NULL;
			return PL_EXIT_RUNTIME;
		}
	}
	/* what changed between resolving the names and subscribing */
	resync(ifs);
	return 0;
}

int pl_ifaces_wait(struct pl_ifaces *ifs, int fd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			       { .fd = ifs->nl ? mnl_socket_get_fd(ifs->nl) : -1,
				 .events = POLLIN } };

	if (poll(p, 2, timeout_ms) <= 0)
		return 0;
	if (p[1].revents & POLLIN)
		read_link_events(ifs);
	return fd >= 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP));
}

void pl_detach_all(struct pl_ifaces *ifs)
{
	int i;

	for (i = 0; i < ifs->n; i++)
		pl_detach(&ifs->att[i]);
}

void pl_ifaces_close(struct pl_ifaces *ifs)
{
	pl_detach_all(ifs);
	if (ifs->nl)
		mnl_socket_close(ifs->nl);
	ifs->nl = NULL;
}
