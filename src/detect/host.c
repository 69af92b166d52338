// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host target of the detectors (`pktlens read --detect`).
 *
 * The per-key state the kernel keeps in LRU hash maps lives here in
 * util/htab.c's tables. The destination and fragment tables are arrays of
 * slots in both.
 */
#include <stdlib.h>
#include <string.h>
#include "parse/cursor.h"
#include "parse/parse.h"
#include "host.h"
#include "util/htab.h"

/* ---- the target's side of detect.c ---- */

struct pl_det_host {
	struct pl_det_config cfg;
	struct pl_htab src, arp, dns;
	struct pl_det_dst dst[PL_DET_DST_SLOTS];
	struct pl_det_srcq srcq[PL_DET_SRCQ_SLOTS];
	struct pl_det_frag frag[PL_DET_FRAG_SLOTS];
	struct pl_det_ctx c;
	struct pl_scratch s;
	pl_det_alert_fn fn;
	void *arg;
};

static inline struct pl_det_host *host_of(const struct pl_det_ctx *c)
{
	return (struct pl_det_host *)(uintptr_t)c->target;
}

static inline const struct pl_det_config *pl_det_cfg(const struct pl_det_ctx *c)
{
	return &host_of(c)->cfg;
}

static inline struct pl_det_src *pl_det_src_get(struct pl_det_ctx *c, const struct pl_det_addr *k)
{
	return pl_htab_get(&host_of(c)->src, k);
}

static inline struct pl_det_arp *pl_det_arp_get(struct pl_det_ctx *c, __u32 ip)
{
	return pl_htab_get(&host_of(c)->arp, &ip);
}

static inline struct pl_det_dns *pl_det_dns_get(struct pl_det_ctx *c,
						const struct pl_det_dns_key *k)
{
	return pl_htab_get(&host_of(c)->dns, k);
}

static inline struct pl_det_dst *pl_det_dst_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_DST_SLOTS ? &host_of(c)->dst[i] : NULL;
}

static inline struct pl_det_srcq *pl_det_srcq_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_SRCQ_SLOTS ? &host_of(c)->srcq[i] : NULL;
}

static inline struct pl_det_frag *pl_det_frag_slot(struct pl_det_ctx *c, __u32 i)
{
	return i < PL_DET_FRAG_SLOTS ? &host_of(c)->frag[i] : NULL;
}

/* A capture's alerts are stamped with the packet's time. */
#define pl_det_alert_ns(c) ((c)->now)

static inline void pl_det_send(struct pl_det_ctx *c)
{
	struct pl_det_host *h = host_of(c);

	if (h->fn)
		h->fn(h->arg, &c->alert);
}

/* A capture is only read: nothing to block. */
static inline __u32 pl_det_block(struct pl_det_ctx *c)
{
	(void)c;
	return 0;
}

#include "detect.c"

struct pl_det_host *pl_det_host_new(const struct pl_det_config *cfg, pl_det_alert_fn fn, void *arg)
{
	struct pl_det_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fn = fn;
	h->arg = arg;
	if (pl_htab_init(&h->src, sizeof(struct pl_det_addr), sizeof(struct pl_det_src),
		      PL_DET_SRC_ENTRIES) ||
	    pl_htab_init(&h->arp, sizeof(__u32), sizeof(struct pl_det_arp), PL_DET_ARP_ENTRIES) ||
	    pl_htab_init(&h->dns, sizeof(struct pl_det_dns_key), sizeof(struct pl_det_dns),
		      PL_DET_DNS_ENTRIES)) {
		pl_det_host_free(h);
		return NULL;
	}
	pl_det_host_reset(h, cfg);
	return h;
}

void pl_det_host_reset(struct pl_det_host *h, const struct pl_det_config *cfg)
{
	pl_htab_reset(&h->src);
	pl_htab_reset(&h->arp);
	pl_htab_reset(&h->dns);
	memset(h->dst, 0, sizeof(h->dst));
	memset(h->srcq, 0, sizeof(h->srcq));
	memset(h->frag, 0, sizeof(h->frag));
	memset(&h->c, 0, sizeof(h->c));
	memset(&h->s, 0, sizeof(h->s));
	h->cfg = *cfg;
	h->cfg.enforce_ttl_ns = 0;
	h->c.target = (uint64_t)(uintptr_t)h;
}

void pl_det_host_free(struct pl_det_host *h)
{
	if (!h)
		return;
	pl_htab_free(&h->src);
	pl_htab_free(&h->arp);
	pl_htab_free(&h->dns);
	free(h);
}

bool pl_det_host_frame(struct pl_det_host *h, struct pl_pkt *out, const struct pl_filter *filter,
		       enum pl_linktype linktype, const uint8_t *data, uint32_t caplen,
		       uint32_t wire_len, uint64_t ts_ns)
{
	struct pl_scratch *s = &h->s;
	bool match = pl_parse_scratch(s, filter, linktype, data, caplen, wire_len);

	if (match && pl_det_wants(s)) {
		h->c.now = ts_ns;
		h->c.ifindex = 0;
		pl_detect(s, &h->c);
	}
	pl_parse_finish(s);
	*out = s->ev.pkt;
	return match;
}
