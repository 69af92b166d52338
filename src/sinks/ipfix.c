// SPDX-License-Identifier: BSD-2-Clause
/*
 * IPFIX export through libfixbuf (Debian's libfixbuf-dev 2.4).
 *
 * One internal template describes struct rec below; two external templates
 * take the IPv4 or the IPv6 part of it (the spec flags pick the elements),
 * so each data record carries only its own address family. Over UDP a
 * collector learns templates only from the template sets the exporter
 * repeats (RFC 7011, section 8.4): the agent resends them every
 * template_refresh seconds and at start.
 *
 * libfixbuf encodes; pktlens sends. The exporter is a buffer exporter in
 * manual mode, and each message goes out through an unconnected UDP socket
 * of ours: libfixbuf's own UDP exporter uses a connected socket, and after
 * the collector was down once (an ICMP port unreachable) it stops sending
 * for good. With sendto() a collector that starts later gets the messages
 * as soon as it listens, and the templates with the next refresh.
 *
 * The L7 names are enterprise-specific elements (pktlensTlsServerName 1,
 * pktlensDnsQueryName 2, pktlensHttpHost 3, strings) under a configurable
 * Private Enterprise Number, by default 32473, the number RFC 5612 sets
 * aside for documentation: pktlens has no PEN of its own.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fixbuf/public.h>
#include "util/num.h"
#include "ipfix.h"
#include "util/log.h"

#define F_V4	0x1
#define F_V6	0x2
#define F_PAD	0x4
#define TID_INT 0x9000
#define TID_V4	0x0400
#define TID_V6	0x0600
#define MSG_MAX 1400 /* bytes per message: one UDP datagram under a 1500 MTU */

/* The internal record: the elements of spec[], in order, no gaps. */
struct rec {
	uint64_t start_ms, end_ms;
	uint64_t octets, packets, l2_octets;
	fbVarfield_t sni, dns, http;
	uint8_t src6[16], dst6[16];
	uint32_t src4, dst4; /* host order, as libfixbuf takes IPv4 addresses */
	uint32_t ingress;
	uint16_t sport, dport, tcp_flags, vlan, icmp4, icmp6;
	uint8_t proto, ttl_min, ttl_max, end_reason;
	uint8_t pad[4];
};

static fbInfoElementSpec_t spec[] = { { "flowStartMilliseconds", 8, 0 },
				      { "flowEndMilliseconds", 8, 0 },
				      { "octetDeltaCount", 8, 0 },
				      { "packetDeltaCount", 8, 0 },
				      { "layer2OctetDeltaCount", 8, 0 },
				      { "pktlensTlsServerName", FB_IE_VARLEN, 0 },
				      { "pktlensDnsQueryName", FB_IE_VARLEN, 0 },
				      { "pktlensHttpHost", FB_IE_VARLEN, 0 },
				      { "sourceIPv6Address", 16, F_V6 },
				      { "destinationIPv6Address", 16, F_V6 },
				      { "sourceIPv4Address", 4, F_V4 },
				      { "destinationIPv4Address", 4, F_V4 },
				      { "ingressInterface", 4, 0 },
				      { "sourceTransportPort", 2, 0 },
				      { "destinationTransportPort", 2, 0 },
				      { "tcpControlBits", 2, 0 },
				      { "vlanId", 2, 0 },
				      { "icmpTypeCodeIPv4", 2, F_V4 },
				      { "icmpTypeCodeIPv6", 2, F_V6 },
				      { "protocolIdentifier", 1, 0 },
				      { "minimumTTL", 1, 0 },
				      { "maximumTTL", 1, 0 },
				      { "flowEndReason", 1, 0 },
				      { "paddingOctets", 4, F_PAD },
				      FB_IESPEC_NULL };

_Static_assert(sizeof(struct rec) == 152, "struct rec must match spec[] without gaps");

struct pl_ipfix {
	fbInfoModel_t *model;
	fbSession_t *session;
	fbExporter_t *exporter;
	fBuf_t *buf;
	char *host, *port;
	uint32_t domain;
	int sock;
	struct sockaddr_storage to;
	socklen_t to_len;
	uint8_t msg[MSG_MAX];
	struct pl_ipfix_stats st;
	int pending; /* records since the last emit */
};

static void report(const char *what, GError **err)
{
	pl_warn("ipfix: %s: %s", what, *err ? (*err)->message : "?");
	g_clear_error(err);
}

static fbTemplate_t *make_template(fbInfoModel_t *m, uint32_t flags, GError **err)
{
	fbTemplate_t *t = fbTemplateAlloc(m);

	if (!fbTemplateAppendSpecArray(t, spec, flags, err)) {
		fbTemplateFreeUnused(t);
		return NULL;
	}
	return t;
}

/* libfixbuf and glib warn through g_log: route that to our log */
static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain, (void)data;
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
		pl_warn("ipfix: %s", msg);
	else
		pl_debug("ipfix: %s", msg);
}

/* Frees the buffer, session and exporter (not the model). */
static void teardown(struct pl_ipfix *x)
{
	if (x->buf)
		fBufFree(x->buf); /* frees the session and the exporter too */
	else if (x->session)
		fbSessionFree(x->session);
	x->buf = NULL;
	x->session = NULL;
	x->exporter = NULL;
	x->pending = 0;
}

/* Ends the message being built and sends it. */
static int emit(struct pl_ipfix *x)
{
	GError *err = NULL;
	size_t len;

	/* the buffer exporter reports the last message's length even when
	 * fBufEmit() had no new message: a new one rewrites the version */
	x->msg[0] = x->msg[1] = 0;
	if (!fBufEmit(x->buf, &err)) {
		x->st.errors++;
		report("cannot end a message", &err);
		return -1;
	}
	len = fbExporterGetMsgLen(x->exporter);
	x->pending = 0;
	if (!len || x->msg[0] != 0 || x->msg[1] != 10)
		return 0;
	if (sendto(x->sock, x->msg, len, 0, (struct sockaddr *)&x->to, x->to_len) < 0) {
		x->st.errors++;
		pl_debug("ipfix: sendto %s:%s: %s", x->host, x->port, strerror(errno));
		return -1;
	}
	x->st.messages++;
	return 0;
}

/* A session with the templates, a buffer exporter, a buffer in manual mode.
 * 0 or -1 (after a message). */
static int build(struct pl_ipfix *x)
{
	fbTemplate_t *t_int = NULL, *t4 = NULL, *t6 = NULL;
	GError *err = NULL;

	x->session = fbSessionAlloc(x->model);
	fbSessionSetDomain(x->session, x->domain);
	t_int = make_template(x->model, UINT32_MAX, &err);
	t4 = t_int ? make_template(x->model, F_V4, &err) : NULL;
	t6 = t4 ? make_template(x->model, F_V6, &err) : NULL;
	if (!t6) {
		report("cannot build the templates", &err);
		goto fail;
	}
	if (!fbSessionAddTemplate(x->session, TRUE, TID_INT, t_int, &err)) {
		report("cannot add the internal template", &err);
		goto fail;
	}
	t_int = NULL; /* the session owns it now */
	if (!fbSessionAddTemplate(x->session, FALSE, TID_V4, t4, &err)) {
		report("cannot add the IPv4 template", &err);
		goto fail;
	}
	t4 = NULL;
	if (!fbSessionAddTemplate(x->session, FALSE, TID_V6, t6, &err)) {
		report("cannot add the IPv6 template", &err);
		goto fail;
	}
	t6 = NULL;
	x->exporter = fbExporterAllocBuffer(x->msg, sizeof(x->msg));
	x->buf = fBufAllocForExport(x->session, x->exporter);
	fBufSetAutomaticMode(x->buf, FALSE);
	if (!fBufSetInternalTemplate(x->buf, TID_INT, &err)) {
		report("cannot use the internal template", &err);
		goto fail;
	}
	return 0;

fail:
	if (t_int)
		fbTemplateFreeUnused(t_int);
	if (t4)
		fbTemplateFreeUnused(t4);
	if (t6)
		fbTemplateFreeUnused(t6);
	teardown(x);
	return -1;
}

void pl_ipfix_close(struct pl_ipfix *x)
{
	if (!x)
		return;
	teardown(x);
	if (x->model)
		fbInfoModelFree(x->model);
	if (x->sock >= 0)
		close(x->sock);
	free(x->host);
	free(x->port);
	free(x);
}

/* The collector's address, and a socket of its family. */
static int resolve(struct pl_ipfix *x)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(x->host, x->port, &hints, &res);

	if (rc || !res) {
		pl_err("ipfix: cannot resolve %s port %s: %s", x->host, x->port, gai_strerror(rc));
		return -1;
	}
	memcpy(&x->to, res->ai_addr, res->ai_addrlen);
	x->to_len = res->ai_addrlen;
	x->sock = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	freeaddrinfo(res);
	if (x->sock < 0) {
		pl_err("ipfix: cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pl_ipfix_check_collector(const char *collector)
{
	const char *colon = strrchr(collector, ':'), *p;
	char host[256];
	uint8_t a[16];
	uint64_t port;
	size_t hl;

	if (!colon || colon == collector || pl_parse_uint(colon + 1, 1, 65535, &port))
		return -1;
	hl = (size_t)(colon - collector);
	if (hl >= sizeof(host))
		return -1;
	if (collector[0] == '[') { /* [IPv6]:PORT */
		if (hl < 3 || collector[hl - 1] != ']')
			return -1;
		memcpy(host, collector + 1, hl - 2);
		host[hl - 2] = 0;
		return inet_pton(AF_INET6, host, a) == 1 ? 0 : -1;
	}
	memcpy(host, collector, hl);
	host[hl] = 0;
	if (inet_pton(AF_INET, host, a) == 1)
		return 0;
	/* a host name (resolved when the exporter opens): letters, digits,
	 * '-' and '.', not an address of some other shape */
	for (p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return -1;
	return host[0] == '-' || host[0] == '.' ? -1 : 0;
}

struct pl_ipfix *pl_ipfix_open(const char *collector, uint32_t observation_domain,
			       uint32_t enterprise)
{
	fbInfoElement_t names[] = {
		FB_IE_INIT_FULL("pktlensTlsServerName", enterprise, 1, FB_IE_VARLEN, FB_IE_DEFAULT,
				0, 0, FB_STRING, "TLS server_name (SNI) of the flow's ClientHello"),
		FB_IE_INIT_FULL("pktlensDnsQueryName", enterprise, 2, FB_IE_VARLEN, FB_IE_DEFAULT,
				0, 0, FB_STRING, "DNS query name first seen in the flow"),
		FB_IE_INIT_FULL("pktlensHttpHost", enterprise, 3, FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0,
				FB_STRING, "HTTP Host header of the flow's request"),
		FB_IE_NULL
	};
	struct pl_ipfix *x = calloc(1, sizeof(*x));
	const char *colon = strrchr(collector, ':');
	const char *host = collector;
	size_t hl;

	if (!x)
		return NULL;
	x->sock = -1;
	g_log_set_default_handler(glib_log, NULL);
	if (!colon || colon == collector || !colon[1]) {
		pl_err("ipfix: '%s' is not HOST:PORT (e.g. 192.0.2.10:4739 or [2001:db8::10]:4739)",
		       collector);
		goto fail;
	}
	hl = (size_t)(colon - collector);
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		host++;
		hl -= 2;
	}
	x->host = strndup(host, hl);
	x->port = strdup(colon + 1);
	if (!x->host || !x->port)
		goto fail;
	x->domain = observation_domain;
	if (resolve(x))
		goto fail;
	x->model = fbInfoModelAlloc();
	fbInfoModelAddElementArray(x->model, names);
	if (build(x) || pl_ipfix_flush(x, 1)) {
		pl_err("ipfix: cannot export to %s", collector);
		goto fail;
	}
	return x;

fail:
	pl_ipfix_close(x);
	return NULL;
}

int pl_ipfix_add(struct pl_ipfix *x, const struct pl_flow *f, enum pl_flow_end why,
		 uint64_t mono_to_epoch_ns)
{
	const struct pl_flow_key *k = &f->key;
	const struct pl_flow_val *v = &f->val;
	uint64_t l2 = 14 + 4ull * k->n_vlan;
	struct rec r;
	GError *err = NULL;
	bool v6 = k->ip_ver == 6;
	fbVarfield_t *name = NULL;
	int try;

	memset(&r, 0, sizeof(r));
	r.start_ms = (v->first_ns + mono_to_epoch_ns) / 1000000;
	r.end_ms = (v->last_ns + mono_to_epoch_ns) / 1000000;
	r.packets = v->packets;
	r.l2_octets = v->bytes;
	/* octetDeltaCount counts IP bytes: the frames less their link header */
	r.octets = v->bytes > v->packets * l2 ? v->bytes - v->packets * l2 : 0;
	switch (f->name.kind) {
	case PL_NAME_SNI:
		name = &r.sni;
		break;
	case PL_NAME_DNS:
		name = &r.dns;
		break;
	case PL_NAME_HTTP:
		name = &r.http;
		break;
	}
	if (name) {
		size_t n = 0;

		while (n < PL_NAME_MAX && f->name.name[n])
			n++;
		name->len = n;
		name->buf = (uint8_t *)f->name.name;
	}
	if (v6) {
		memcpy(r.src6, k->src, 16);
		memcpy(r.dst6, k->dst, 16);
	} else {
		r.src4 = (uint32_t)k->src[0] << 24 | (uint32_t)k->src[1] << 16 |
			 (uint32_t)k->src[2] << 8 | k->src[3];
		r.dst4 = (uint32_t)k->dst[0] << 24 | (uint32_t)k->dst[1] << 16 |
			 (uint32_t)k->dst[2] << 8 | k->dst[3];
	}
	r.ingress = k->ifindex;
	r.proto = k->proto;
	if ((!v6 && k->proto == 1) || (v6 && k->proto == 58)) {
		if (v6)
			r.icmp6 = k->dport;
		else
			r.icmp4 = k->dport;
		r.dport = k->dport; /* as NetFlow v5 did; nfdump reads it there too */
	} else {
		r.sport = k->sport;
		r.dport = k->dport;
	}
	r.tcp_flags = (uint16_t)v->tcp_flags;
	r.vlan = k->n_vlan ? k->vlan_id : 0;
	r.ttl_min = v->ttl_min;
	r.ttl_max = v->ttl_max;
	/* flowEndReason: 1 idle timeout, 2 active timeout, 4 forced end */
	r.end_reason = why == PL_END_IDLE ? 1 : why == PL_END_ACTIVE ? 2 : 4;
	for (try = 0;; try++) {
		if (fBufSetExportTemplate(x->buf, v6 ? TID_V6 : TID_V4, &err) &&
		    fBufAppend(x->buf, (uint8_t *)&r, sizeof(r), &err))
			break;
		/* the message is full: send it, start the next with this record */
		if (try || !g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			goto fail;
		g_clear_error(&err);
		emit(x);
	}
	x->st.records++;
	x->pending++;
	return 0;

fail:
	x->st.errors++;
	report("cannot add a record", &err);
	return -1;
}

int pl_ipfix_flush(struct pl_ipfix *x, int templates)
{
	GError *err = NULL;
	int try;

	if (x->pending && emit(x))
		return -1;
	if (!templates)
		return 0;
	/* the template set in a message of its own; libfixbuf answers the
	 * first attempt after data records with "end of message" */
	for (try = 0;; try++) {
		if (fbSessionExportTemplates(x->session, &err))
			break;
		if (try || !g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM)) {
			x->st.errors++;
			report("cannot write the templates", &err);
			return -1;
		}
		g_clear_error(&err);
	}
	x->pending++;
	return emit(x);
}

void pl_ipfix_stats(const struct pl_ipfix *x, struct pl_ipfix_stats *s)
{
	*s = x->st;
}
