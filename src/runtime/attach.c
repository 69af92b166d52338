// SPDX-License-Identifier: BSD-2-Clause
/*
 * Every attachment is a bpf_link held by a file descriptor: when pktlens
 * exits, even by kill -9, the kernel closes the link and the program is
 * gone from the interface.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include "attach.h"
#include "util/log.h"

/* tcx (Linux 6.6) links; libbpf 1.1's headers predate the name. */
#ifndef BPF_TCX_INGRESS
#define PL_BPF_TCX_INGRESS 46
#else
#define PL_BPF_TCX_INGRESS BPF_TCX_INGRESS
#endif

const char *pl_mode_name(enum pl_attach_mode mode)
{
	switch (mode) {
	case PL_MODE_XDP:
		return "native XDP";
	case PL_MODE_XDP_GENERIC:
		return "generic XDP";
	case PL_MODE_TC:
		return "TC ingress (tcx)";
	default:
		return "auto";
	}
}

static int link_xdp(struct bpf_program *prog, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static int link_tcx(struct bpf_program *prog, int ifindex)
{
	int fd = bpf_link_create(bpf_program__fd(prog), ifindex,
				 (enum bpf_attach_type)PL_BPF_TCX_INGRESS, NULL);

	return fd < 0 ? -errno : fd;
}

static int try_mode(enum pl_attach_mode mode, int ifindex, struct bpf_program *xdp_prog,
		    struct bpf_program *tc_prog)
{
	switch (mode) {
	case PL_MODE_XDP:
		return link_xdp(xdp_prog, ifindex, XDP_FLAGS_DRV_MODE);
	case PL_MODE_XDP_GENERIC:
		return link_xdp(xdp_prog, ifindex, XDP_FLAGS_SKB_MODE);
	case PL_MODE_TC:
		return link_tcx(tc_prog, ifindex);
	default:
		return -EINVAL;
	}
}

/*
 * Why auto mode puts tcx before XDP on this interface, or NULL. On veth the
 * sender's stack has built the skb before the receiver's XDP runs, so
 * native XDP there only adds work (turning the skb into an XDP buffer and
 * back); tcx runs on the skb that exists. bench/live.sh measures both.
 * On a NIC whose driver runs XDP, XDP comes before the skb and is cheaper.
 */
static const char *tcx_is_cheaper(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return NULL;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (err)
		return NULL;
	if (!strcmp(info.driver, "veth"))
		return "on veth the skb exists before XDP runs, so tcx costs less";
	return NULL;
}

int pl_attach(struct pl_attachment *a, const char *ifname, int ifindex, enum pl_attach_mode mode,
	      bool needs_xdp, struct bpf_program *xdp_prog, struct bpf_program *tc_prog)
{
	static const enum pl_attach_mode xdp_first[] = { PL_MODE_XDP, PL_MODE_XDP_GENERIC,
							 PL_MODE_TC };
	static const enum pl_attach_mode tcx_first[] = { PL_MODE_TC, PL_MODE_XDP,
							 PL_MODE_XDP_GENERIC };
	const enum pl_attach_mode *order = xdp_first;
	const char *why = NULL;
	int fd = -EINVAL, first_err = 0;
	size_t i;

	a->link_fd = -1;
	a->ifindex = ifindex;
	if (mode == PL_MODE_AUTO && !needs_xdp && (why = tcx_is_cheaper(ifname)))
		order = tcx_first;
	for (i = 0; i < sizeof(xdp_first) / sizeof(xdp_first[0]); i++) {
		if (mode != PL_MODE_AUTO && mode != order[i])
			continue;
		fd = try_mode(order[i], ifindex, xdp_prog, tc_prog);
		if (fd >= 0) {
			a->link_fd = fd;
			a->mode = order[i];
			if (mode != PL_MODE_AUTO)
				pl_info("watching %s with %s", ifname, pl_mode_name(order[i]));
			else if (i > 0)
				pl_info("watching %s with %s (faster modes unavailable)", ifname,
					pl_mode_name(order[i]));
			else if (why)
				pl_info("watching %s with %s: %s (auto mode; --mode xdp forces "
					"XDP)",
					ifname, pl_mode_name(order[i]), why);
			else
				pl_info("watching %s with %s: the driver runs it before the kernel "
					"builds an skb (auto mode)",
					ifname, pl_mode_name(order[i]));
			return 0;
		}
		if (!first_err)
			first_err = fd;
		pl_debug("%s on %s: %s", pl_mode_name(order[i]), ifname, strerror(-fd));
	}
	if (fd == -EBUSY || fd == -EEXIST)
		pl_err("cannot attach to %s: another XDP/TC program holds it (%s); detach it (ip "
		       "link set dev %s xdp off) or use --mode tc",
		       ifname, strerror(-fd), ifname);
	else if (fd == -EPERM || fd == -EACCES)
		pl_err("cannot attach to %s: permission denied; run as root or grant CAP_BPF, "
		       "CAP_NET_ADMIN and CAP_PERFMON",
		       ifname);
	else
		pl_err("cannot attach to %s with %s: %s; try another --mode", ifname,
		       pl_mode_name(mode), strerror(-(mode == PL_MODE_AUTO ? first_err : fd)));
	return fd;
}

void pl_detach(struct pl_attachment *a)
{
	if (a->link_fd >= 0)
		close(a->link_fd);
	a->link_fd = -1;
}
