/* SPDX-License-Identifier: BSD-2-Clause */
/* Attaching the packet programs to an interface through bpf_link. */
#ifndef PKTLENS_ATTACH_H
#define PKTLENS_ATTACH_H

#include <stdbool.h>
#include "opts.h"

struct bpf_program;

struct pl_attachment {
	int link_fd; /* -1 when not attached */
	int ifindex;
	enum pl_attach_mode mode; /* the mode that worked */
};

/* Attaches xdp_prog or tc_prog to ifindex. PL_MODE_AUTO tries the hook
 * that costs least first: native XDP, generic XDP, then TC ingress; on veth
 * TC ingress first, unless needs_xdp (the drop list acts only at XDP).
 * Prints one line that says which was used and why. Returns 0 or a
 * negative errno. */
int pl_attach(struct pl_attachment *a, const char *ifname, int ifindex, enum pl_attach_mode mode,
	      bool needs_xdp, struct bpf_program *xdp_prog, struct bpf_program *tc_prog);
void pl_detach(struct pl_attachment *a);
const char *pl_mode_name(enum pl_attach_mode mode);

#endif
