// SPDX-License-Identifier: BSD-2-Clause
/* The packets of a capture file, for `pktlens read` (capture.h). */
#include <errno.h>
#include <string.h>
#include "cmd/capture.h"
#include "util/log.h"

int pl_cap_linktype(int dlt, enum pl_linktype *out)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_IPV4:
	case DLT_IPV6:
		*out = (enum pl_linktype)dlt;
		return 0;
	case DLT_RAW:
	case 14:  /* DLT_RAW on OpenBSD */
	case 101: /* LINKTYPE_RAW */
		*out = PL_LINK_RAW;
		return 0;
	}
	return -1;
}

int pl_cap_dlt(enum pl_linktype lt)
{
	return lt == PL_LINK_RAW ? DLT_RAW : (int)lt;
}

int pl_cap_next(struct pl_cap *r)
{
	struct pcap_pkthdr *hdr;
	struct pl_pcapng_pkt p;
	const u_char *data;
	int rc;

	if (r->is_ng) {
		rc = pl_pcapng_read_next(&r->ng, &p);
		if (rc != 1)
			return rc;
		r->pkt_dlt = p.iface->linktype;
		r->ts_ns = p.ts_ns;
		r->caplen = p.caplen;
		r->wire_len = p.wire_len;
		r->data = p.data;
		r->if_key = p.iface->key;
		r->if_name = p.iface->name[0] ? p.iface->name : NULL;
		return 1;
	}
	rc = pcap_next_ex(r->pc, &hdr, &data);
	if (rc != 1)
		return rc == PCAP_ERROR ? -1 : 0;
	r->pkt_dlt = r->dlt;
	r->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ull + (uint64_t)hdr->ts.tv_usec;
	r->caplen = hdr->caplen;
	r->wire_len = hdr->len;
	r->data = data;
	return 1;
}

const char *pl_cap_error(struct pl_cap *r)
{
	return r->is_ng ? r->ng.err : pcap_geterr(r->pc);
}

int pl_cap_open(const char *file, FILE **f, struct pl_cap *r)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int c;

	if (!*f)
		*f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	if (!*f) {
		pl_err("cannot read '%s': %s; give a pcap or pcapng file, or - for stdin", file,
		       strerror(errno));
		return -1;
	}
	/* one byte tells them apart (0x0a starts pcapng only); a pipe takes
	 * one back */
	c = getc(*f);
	if (c != EOF)
		ungetc(c, *f);
	if (pl_pcapng_first_byte(c)) {
		r->is_ng = true;
		if (!pl_pcapng_read_open(&r->ng, *f))
			return 0;
		pl_err("cannot read '%s': %s; give a pcap or pcapng file, or - for stdin", file,
		       r->ng.err);
		return -1;
	}
	r->pc = pcap_fopen_offline_with_tstamp_precision(*f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->pc) {
		pl_err("cannot read '%s': %s; give a pcap or pcapng file, or - for stdin", file,
		       errbuf);
		return -1;
	}
	*f = NULL;
	r->dlt = pcap_datalink(r->pc);
	return 0;
}

void pl_cap_close(struct pl_cap *r)
{
	if (r->pc)
		pcap_close(r->pc);
	r->pc = NULL;
	pl_pcapng_read_close(&r->ng);
}
