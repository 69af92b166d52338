// SPDX-License-Identifier: BSD-2-Clause
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"

static int to_ethernet(int dlt, const u_char *in, size_t len, struct frame *f)
{
	size_t hdr = 0, proto_off = 0, room = MAX_TEST_FRAME;
	uint8_t *dst = f->data;

	if (dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2) {
		hdr = dlt == DLT_LINUX_SLL ? 16 : 20;
		proto_off = dlt == DLT_LINUX_SLL ? 14 : 0;
		if (len < hdr)
			return -1;
		memset(dst, 0, 12);
		memcpy(dst + 12, in + proto_off, 2);
		dst += 14;
		room -= 14;
		len -= hdr;
		in += hdr;
	} else if (dlt != DLT_EN10MB) {
		return -1;
	}
	if (len > room)
		len = room;
	memcpy(dst, in, len);
	f->len = (size_t)(dst - f->data) + len;
	return f->len < 14 ? -1 : 0;
}

int read_frames(const char *path, struct frame **out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct frame *v = NULL;
	int n = 0, cap = 0;
	pcap_t *pc = pcap_open_offline(path, errbuf);

	if (!pc) {
		fprintf(stderr, "  %s: %s\n", path, errbuf);
		return -1;
	}
	while (pcap_next_ex(pc, &hdr, &data) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v)
				return -1;
		}
		if (to_ethernet(pcap_datalink(pc), data, hdr->caplen, &v[n]) == 0)
			n++;
	}
	pcap_close(pc);
	*out = v;
	return n;
}
