/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The watched interfaces: the one owner of the ifindex -> name mapping,
 * and what follows the interfaces as they change (issue 14 item 12).
 * rtnetlink (libmnl) tells the main loop of RTM_NEWLINK/RTM_DELLINK: a
 * renamed interface is reported under its new name, one that went away is
 * detached while the others stay watched, and with --reattach an
 * interface of the -i name that appears is attached again.
 */
#ifndef PKTLENS_IFACES_H
#define PKTLENS_IFACES_H

#include <net/if.h>
#include <stdbool.h>
#include <linux/types.h>
#include "attach.h"
#include "opts.h"

/* ifindexes of interfaces gone or replaced, kept for the records and
 * flows of theirs still to be printed */
#define PL_IFACES_PAST 64

struct mnl_socket;
struct packet_bpf;

struct pl_ifaces {
	int n;
	char names[PL_MAX_IFACES][IF_NAMESIZE];	 /* the name each has now */
	int indexes[PL_MAX_IFACES];		 /* 0 while it is gone */
	__u16 linktype[PL_MAX_IFACES];		 /* enum pl_linktype: ETHERNET or RAW */
	char asked[PL_MAX_IFACES][IF_NAMESIZE];	 /* as -i named it: --reattach looks for it */
	struct pl_attachment att[PL_MAX_IFACES]; /* link_fd -1: not attached */
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} past[PL_IFACES_PAST];
	int n_past;
	/* how to attach slot i again (pl_attach_all, pl_det_attach_xdp) */
	int (*attach)(struct pl_ifaces *ifs, int i);
	struct packet_bpf *skel;
	enum pl_attach_mode mode;
	/* pl_ifaces_follow() */
	struct mnl_socket *nl;
	bool reattach;
	int status; /* nonzero: nothing is left to watch; the exit status */
	/* after slot i was renamed or attached again (watch's -w) */
	void (*changed)(void *ctx, struct pl_ifaces *ifs, int i, const char *old_name);
	void *changed_ctx;
};

/* Resolves the -i names; PL_EXIT_USAGE with a message when one is missing
 * or none was given. A missing name that `known` (NULL: none) watched
 * already is not an error but waits to be attached when it appears (the
 * agent's reload while an interface is away). */
int pl_resolve_names(const char *const *names, int n, const char *cmd, struct pl_ifaces *ifs,
		     const struct pl_ifaces *known);
int pl_resolve_ifaces(const struct pl_opts *o, const char *cmd, struct pl_ifaces *ifs);
/* The framing of an interface's packets from its ARPHRD type: Ethernet
 * (also loopback), or PL_LINK_RAW for L3 devices (tun, ipip, sit, gre,
 * WireGuard, PPP). Returns 0, or PL_EXIT_USAGE after a message. */
int pl_iface_linktype(const char *name, __u16 *linktype);
/* The link type of the interface an ifindex is (Ethernet when unknown). */
__u16 pl_ifaces_linktype(const struct pl_ifaces *ifs, __u32 ifindex);
/* pl_resolve_names()'s check alone, with no change and no warning: each
 * name is here or one `known` (NULL: none) watches; else PL_EXIT_USAGE
 * after the same message. */
int pl_check_names(const char *const *names, int n, const struct pl_ifaces *known);
/* The name interface ifindex has now (or had when it went); "?" if it
 * was never watched. */
const char *pl_ifname(const struct pl_ifaces *ifs, __u32 ifindex);

/* Starts following link changes (after attaching). reattach: attach an
 * interface of a gone one's -i name when one appears; without it, the
 * command stops when no interface is left. Returns 0 or PL_EXIT_RUNTIME
 * after a message. */
int pl_ifaces_follow(struct pl_ifaces *ifs, bool reattach);
/* Waits up to timeout_ms for fd (-1: none) to be readable or a link
 * event, and acts on the link events that came. Returns >0 when fd is
 * readable. */
int pl_ifaces_wait(struct pl_ifaces *ifs, int fd, int timeout_ms);
/* Nonzero (the exit status, said already) when no interface is left and
 * none will come back. */
static inline int pl_ifaces_status(const struct pl_ifaces *ifs)
{
	return ifs->status;
}
/* How many are attached now. */
int pl_ifaces_attached(const struct pl_ifaces *ifs);
/* Detaches every slot. */
void pl_detach_all(struct pl_ifaces *ifs);
/* Stops following and detaches. */
void pl_ifaces_close(struct pl_ifaces *ifs);

#endif
