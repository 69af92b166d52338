/* SPDX-License-Identifier: BSD-2-Clause */
/* Host target of the shared parser and filter: the same code as the
 * kernel's. */
#include "parse.h"
#include "packet.c"
#include "quic_initial.c"
#include "filter/match.c"
#include "records/flow_record.h"

static bool quic_decrypt = true;

void pl_parse_set_quic_decrypt(bool on)
{
	quic_decrypt = on;
}

uint32_t pl_parse_parts(bool whole, uint32_t flow_flags, const struct pl_filter *filter)
{
	uint32_t parts = filter ? pl_filter_parse_parts(filter) : 0;

	if (whole)
		return PL_PARTS_ALL;
	if (flow_flags & PL_FLOW_NAMES)
		parts |= PL_PART_L7;
	return parts;
}

bool pl_parse_scratch(struct pl_scratch *s, const struct pl_filter *filter,
		      enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
		      uint32_t wire_len)
{
	uint32_t n = caplen < PL_WIN ? caplen : PL_WIN;
	bool match = true;

	memcpy(s->buf, data, n);
	s->len = n;
	s->avail = caplen;
	s->linktype = linktype;
	s->cbpf_bits = filter && filter->n_blocks ? pl_cbpf_run_host(filter, data, caplen, wire_len)
						  : 0;
	/* as in the kernel: a header-only filter runs on the bytes, first */
	if (filter && !filter->needs_l7) {
		s->ev.pkt.frame_len = wire_len;
		match = pl_filter_match(filter, s);
	}
	pl_reset(s, wire_len);
	pl_parse(s);
	if (quic_decrypt && (s->ev.pkt.present & PL_HAS_QUIC) &&
	    (s->ev.pkt.l7.tls.quic.flags & PL_QUIC_CLIENT_INITIAL))
		pl_quic_initial(s, data, caplen);
	if (filter && filter->needs_l7)
		match = pl_filter_match(filter, s);
	return match;
}

void pl_parse_finish(struct pl_scratch *s)
{
	pl_finalize(s);
}

bool pl_parse_frame_match(struct pl_pkt *out, const struct pl_filter *filter,
			  enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
			  uint32_t wire_len)
{
	static __thread struct pl_scratch s;
	bool match = pl_parse_scratch(&s, filter, linktype, data, caplen, wire_len);

	pl_finalize(&s);
	*out = s.ev.pkt;
	return match;
}

void pl_parse_frame(struct pl_pkt *out, enum pl_linktype linktype, const uint8_t *data,
		    uint32_t caplen, uint32_t wire_len)
{
	pl_parse_frame_match(out, NULL, linktype, data, caplen, wire_len);
}
