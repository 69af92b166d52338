// SPDX-License-Identifier: BSD-2-Clause
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"
#include "records/record.h"

/* an L3 framing the parser takes, as its enum pl_linktype; 0 if none */
static int l3_linktype(int dlt)
{
	switch (dlt) {
	case DLT_RAW:
		return PL_LINK_RAW;
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LOOP:
		return dlt;
	case DLT_NULL:
		return -1; /* PL_LINK_NULL is 0 */
	}
	return 0;
}

static int to_ethernet(int dlt, const u_char *in, size_t len, struct frame *f, int keep_l3)
{
	size_t hdr = 0, proto_off = 0, room = MAX_TEST_FRAME;
	uint8_t *dst = f->data;
	int l3 = keep_l3 ? l3_linktype(dlt) : 0;

	f->linktype = PL_LINK_ETHERNET;
	if (l3) {
		f->linktype = l3 < 0 ? PL_LINK_NULL : l3;
		f->len = len < room ? len : room;
		memcpy(dst, in, f->len);
		/* tc's test_run wants an Ethernet header's length */
		return f->len < 14 ? -1 : 0;
	}

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

static int read_all(const char *path, struct frame **out, int keep_l3)
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
		if (to_ethernet(pcap_datalink(pc), data, hdr->caplen, &v[n], keep_l3) == 0)
			n++;
	}
	pcap_close(pc);
	*out = v;
	return n;
}

int read_frames(const char *path, struct frame **out)
{
	return read_all(path, out, 0);
}

int read_frames_l3(const char *path, struct frame **out)
{
	return read_all(path, out, 1);
}
