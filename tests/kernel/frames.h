/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames of a capture, read with libpcap and converted to Ethernet. Kept
 * apart from libbpf code: pcap's and libbpf's headers both define
 * struct bpf_program and struct bpf_insn. */
#ifndef PKTLENS_TEST_FRAMES_H
#define PKTLENS_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* test_run takes at most about a page of packet data */
#define MAX_TEST_FRAME 3000

struct frame {
	uint8_t data[MAX_TEST_FRAME];
	size_t len;
	int linktype; /* enum pl_linktype: Ethernet, or an L3 framing as read */
};

/* Reads every frame of path; Linux cooked headers become Ethernet headers
 * with zero MACs, and frames are cut at MAX_TEST_FRAME. Returns the count,
 * or -1 with a message on stderr. *out is malloc'ed. */
int read_frames(const char *path, struct frame **out);
/* The same, and frames of the framings that start at L3 (raw IP, IPv4,
 * IPv6, NULL, LOOP) kept as they are, with their link type. */
int read_frames_l3(const char *path, struct frame **out);

#endif
