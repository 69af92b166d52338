// SPDX-License-Identifier: BSD-2-Clause
/* pktlens read: records from a pcap or pcapng file through the host parser. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmds.h"
#include "cmd/capture.h"
#include "util/log.h"
#include "output/output.h"
#include "parse/parse.h"
#include "filter/filter.h"
#include "sinks/pcapng.h"
#include "sinks/pcapng_read.h"
#include "detect/alert.h"
#include "detect/config.h"
#include "detect/host.h"
#include "output/flow_output.h"
#include "runtime/hostflows.h"
#include "util/htab.h"

/* dns.time: the kernel's matching (records/dns_match.h) on an LRU table */
#define pl_dns_tab_find(tab, k) ((struct pl_dns_pending *)pl_htab_find((tab), (k)))
#define pl_dns_tab_put(tab, k, v) \
	memcpy(pl_htab_get((tab), (k)), (v), sizeof(struct pl_dns_pending))
#define pl_dns_tab_del(tab, k) pl_htab_del((tab), (k))
#include "records/dns_match.h"

#define READ_LINKS_TAKEN                                                       \
	"pktlens reads Ethernet, Linux cooked (SLL, SLL2), raw IP (RAW, IPV4, " \
	"IPV6) and BSD loopback (NULL, LOOP) captures"

static const char *dlt_name(int dlt)
{
	const char *name = pcap_datalink_val_to_name(dlt);

	return name ? name : "unknown";
}

/* A filter compiled for each link type the capture has. */
#define READ_LINKS 8

struct read_filters {
	int n;
	int dlt[READ_LINKS];
	struct pl_filter *f[READ_LINKS];
};

/* The filter for packets of dlt, compiled the first time; NULL after a
 * message when it cannot be. */
static struct pl_filter *filter_for(const struct pl_opts *o, struct read_filters *fs, int dlt)
{
	int i;

	for (i = 0; i < fs->n; i++)
		if (fs->dlt[i] == dlt)
			return fs->f[i];
	if (fs->n == READ_LINKS) {
		pl_err("'%s' has more than %d link types; split it with editcap", o->file,
		       READ_LINKS);
		return NULL;
	}
	fs->f[fs->n] = calloc(1, sizeof(struct pl_filter));
	if (!fs->f[fs->n]) {
		pl_err("out of memory for a filter");
		return NULL;
	}
	fs->dlt[fs->n] = dlt;
	/* libpcap's header tests depend on the link type */
	if (pl_opts_compile_filter_for(o, dlt, fs->f[fs->n++]))
		return NULL;
	return fs->f[fs->n - 1];
}

static void free_filters(struct read_filters *fs)
{
	while (fs->n)
		free(fs->f[--fs->n]);
}

/* Link types seen that the parser does not read: each is said once. */
struct read_skips {
	int n;
	int dlt[READ_LINKS];
	uint64_t packets;
};

static void skip_packet(const char *file, struct read_skips *sk, int dlt)
{
	int i;

	sk->packets++;
	for (i = 0; i < sk->n; i++)
		if (sk->dlt[i] == dlt)
			return;
	if (sk->n < READ_LINKS)
		sk->dlt[sk->n++] = dlt;
	pl_warn("'%s' has an interface of link type %s (%d): its packets are skipped; "
		READ_LINKS_TAKEN,
		file, dlt_name(dlt), dlt);
}

/* -w: the interface blocks written, one per input interface */
struct read_wifs {
	int n;
	bool full_said;
	uint32_t key[PL_PCAPNG_IFACES];
};

static int write_packet(struct pl_pcapng *out, struct read_wifs *wi, const struct pl_cap *r,
			enum pl_linktype lt)
{
	int i, err;

	for (i = 0; i < wi->n; i++)
		if (wi->key[i] == r->if_key)
			break;
	if (i == wi->n) {
		if (wi->n == PL_PCAPNG_IFACES)
			return -ENOSPC;
		err = pl_pcapng_put_iface(out, r->if_name ? r->if_name : "read", r->if_key,
					  (uint16_t)lt);
		if (err)
			return err;
		wi->key[wi->n++] = r->if_key;
	}
	return pl_pcapng_write(out, r->if_key, r->ts_ns, r->data, r->caplen, r->wire_len);
}

/* --detect: alerts instead of packet records */
struct read_alerts {
	const struct pl_opts *o;
	struct pl_out *out;
	uint64_t n;
};

static void on_alert(void *arg, const struct pl_alert_event *a)
{
	struct read_alerts *r = arg;

	pl_write_alert(r->out, r->o->json, a, a->ts_ns, NULL, NULL);
	r->n++;
}

/* --flows: flow records instead of packet records */
struct read_flows {
	const struct pl_opts *o;
	struct pl_out *out;
	uint64_t n;
};

static void on_flow(void *arg, const struct pl_flow *f, enum pl_flow_end why)
{
	struct read_flows *r = arg;

	if (r->o->count && r->n >= r->o->count)
		return;
	/* the capture's times are epoch times already; no interface names */
	if (r->o->json)
		pl_write_flow_json(r->out, f, why, 0, NULL);
	else
		pl_write_flow_text(r->out, f, why, 0, NULL);
	r->n++;
}

static uint32_t flow_entries(const struct pl_opts *o)
{
	return o->flow_entries ? o->flow_entries : PL_FLOW_ENTRIES_DEFAULT;
}

static struct pl_hostflows *new_flow_table(const struct pl_opts *o, struct read_flows *rf)
{
	double idle = o->idle_timeout ? o->idle_timeout : PL_IDLE_TIMEOUT_DEFAULT;
	double active = o->active_timeout ? o->active_timeout : PL_ACTIVE_TIMEOUT_DEFAULT;

	return pl_hostflows_new(flow_entries(o), (uint64_t)(idle * 1e9), (uint64_t)(active * 1e9),
				on_flow, rf);
}

static void print_flow_stats(const struct pl_hostflows *hf, uint64_t n, uint64_t matched)
{
	const struct pl_hostflows_stats *st = pl_hostflows_stats(hf);

	fprintf(stderr,
		"pktlens: %llu packets read, %llu matched; %llu flows created, %llu exported "
		"(%llu idle, %llu active, %llu at the end), %llu evicted from a full table, %llu "
		"packets not IP\n",
		(unsigned long long)n, (unsigned long long)matched, (unsigned long long)st->created,
		(unsigned long long)(st->exported[PL_END_IDLE] + st->exported[PL_END_ACTIVE] +
				     st->exported[PL_END_EXIT]),
		(unsigned long long)st->exported[PL_END_IDLE],
		(unsigned long long)st->exported[PL_END_ACTIVE],
		(unsigned long long)st->exported[PL_END_EXIT], (unsigned long long)st->evicted,
		(unsigned long long)st->not_ip);
}

/* Records leave in writes of about this size: a whole file is formatted
 * into it and written out with one write(2) per megabyte. */
#define READ_OUT_BUF (1u << 20)

/*
 * Records go straight to fd 1 in big writes, except where a reader waits
 * for them as they come: on a terminal (line by line), from a stdin that is
 * not a file (tcpdump -w - | pktlens read -) and with -w -, where the
 * capture shares stdout. There they go through stdout's stream, as the
 * live commands' records do.
 */
static bool batch_output(const struct pl_opts *o)
{
	struct stat st;

	if (isatty(STDOUT_FILENO) || (o->write_file && !strcmp(o->write_file, "-")))
		return false;
	if (!strcmp(o->file, "-") && (fstat(STDIN_FILENO, &st) || !S_ISREG(st.st_mode)))
		return false;
	return true;
}

static int read_capture(struct pl_opts *o, FILE **f)
{
	static char outbuf[READ_OUT_BUF];
	struct pl_out w;
	struct read_alerts ra = { .o = o, .out = &w };
	struct read_flows rf = { .o = o, .out = &w };
	struct pl_hostflows *flows = NULL;
	struct pl_det_host *det = NULL;
	struct pl_det_config cfg;
	struct pl_cap src = { 0 };
	struct read_filters filters = { 0 };
	struct read_skips skips = { 0 };
	struct read_wifs wifs = { 0 };
	struct pl_filter *filter;
	enum pl_linktype lt;
	uint64_t n = 0, matched = 0;
	struct pl_pcapng out = { 0 };
	struct pl_pkt pkt, inner;
	struct pl_htab dns = { 0 };
	__u64 dns_dt;
	int rc, ret = PL_EXIT_OK;

	if (batch_output(o))
		pl_out_init_fd(&w, STDOUT_FILENO, outbuf, sizeof(outbuf));
	else
		pl_out_init_file(&w, stdout, outbuf, sizeof(outbuf));
	if (!o->detect && (o->n_thresholds || o->window)) {
		pl_err("--threshold and --window set the detectors; add --detect");
		return PL_EXIT_USAGE;
	}
	if (o->detect && o->flows) {
		pl_err("--detect and --flows each replace the packet records; give one of them");
		return PL_EXIT_USAGE;
	}
	if (!o->flows && (o->idle_timeout || o->active_timeout || o->flow_entries)) {
		pl_err("--idle-timeout, --active-timeout and --flow-entries set the flow table; "
		       "add --flows");
		return PL_EXIT_USAGE;
	}
	if (o->flows) {
		flows = new_flow_table(o, &rf);
		if (!flows) {
			pl_err("out of memory for a flow table of %u entries; lower --flow-entries",
			       flow_entries(o));
			return PL_EXIT_RUNTIME;
		}
	}
	if (o->detect) {
		ret = pl_det_opts_config(o, &cfg);
		if (ret)
			goto out;
		det = pl_det_host_new(&cfg, on_alert, &ra);
		if (!det) {
			pl_err("out of memory for the detectors' tables");
			ret = PL_EXIT_RUNTIME;
			goto out;
		}
	}
	if (pl_htab_init(&dns, sizeof(struct pl_dns_key), sizeof(struct pl_dns_pending),
			 PL_DNS_PENDING_ENTRIES)) {
		pl_err("out of memory for the table of DNS queries");
		ret = PL_EXIT_RUNTIME;
		goto out;
	}
	if (pl_cap_open(o->file, f, &src)) {
		ret = PL_EXIT_USAGE;
		goto out;
	}
	/* a pcap file has one link type: one it cannot parse is an error;
	 * a pcapng interface's is said once and its packets skipped */
	if (!src.is_ng) {
		if (pl_cap_linktype(src.dlt, &lt)) {
			pl_err("'%s' has link type %s (%d); " READ_LINKS_TAKEN, o->file,
			       dlt_name(src.dlt), src.dlt);
			ret = PL_EXIT_USAGE;
			goto out;
		}
		if (!filter_for(o, &filters, pl_cap_dlt(lt))) {
			ret = PL_EXIT_USAGE;
			goto out;
		}
	}
	if (o->write_file) {
		int err = pl_pcapng_open(&out, o->write_file, NULL, NULL, 0, o->snaplen);

		if (err) {
			pl_err("cannot write '%s': %s", o->write_file, strerror(-err));
			ret = PL_EXIT_RUNTIME;
			goto out;
		}
	}

	while ((rc = pl_cap_next(&src)) == 1) {
		struct pl_meta meta = {
			.ts_epoch_ns = src.ts_ns,
			.frame_number = ++n,
			.if_name = src.if_name,
		};

		if (pl_cap_linktype(src.pkt_dlt, &lt)) {
			skip_packet(o->file, &skips, src.pkt_dlt);
			continue;
		}
		filter = filter_for(o, &filters, pl_cap_dlt(lt));
		if (!filter) {
			ret = PL_EXIT_USAGE;
			goto out;
		}
		if (det ? !pl_det_host_frame(det, &pkt, filter, lt, src.data, src.caplen,
					     src.wire_len, meta.ts_epoch_ns)
			: !pl_parse_frame_match(&pkt, filter, lt, src.data, src.caplen,
						src.wire_len))
			continue;
		matched++;
		pl_dns_match(&dns, &pkt, meta.ts_epoch_ns, &dns_dt);
		if (out.f && write_packet(&out, &wifs, &src, lt) == -ENOSPC && !wifs.full_said) {
			pl_warn("'%s' has more than %d interfaces; -w writes the packets of the first "
				"%d",
				o->file, PL_PCAPNG_IFACES, PL_PCAPNG_IFACES);
			wifs.full_said = true;
		}
		if (flows)
			pl_hostflows_packet(flows,
					    o->inner && pl_pkt_inner(&pkt, &inner) ? &inner : &pkt,
					    meta.ts_epoch_ns);
		else if (!det && pl_opts_records_to_stdout(o))
			pl_write_record(&w, o->json, &meta, &pkt);
		if (o->count && (det ? ra.n : flows ? rf.n : matched) >= o->count)
			break;
		if (w.err)
			break; /* nothing more can be written */
	}
	if (flows && !(o->count && rf.n >= o->count))
		pl_hostflows_finish(flows);
	pl_out_flush(&w); /* the records, before any message about them */
	if (rc < 0) {
		pl_err("'%s' is cut short or damaged after packet %llu: %s; the records above are "
		       "complete",
		       o->file, (unsigned long long)n, pl_cap_error(&src));
		ret = PL_EXIT_USAGE;
	}
	if (w.err && w.err != EPIPE) {
		pl_err("cannot write the records: %s", strerror(w.err));
		ret = PL_EXIT_RUNTIME;
	}
	if (out.f && pl_pcapng_close(&out)) {
		pl_err("writing '%s' failed: %s", o->write_file, strerror(errno));
		ret = PL_EXIT_RUNTIME;
	}
	if (flows && pl_hostflows_stats(flows)->evicted)
		pl_warn("%llu flows were evicted from the full flow table (it holds %u); raise "
			"--flow-entries or lower --idle-timeout",
			(unsigned long long)pl_hostflows_stats(flows)->evicted, flow_entries(o));
	if (o->stats && flows)
		print_flow_stats(flows, n, matched);
	else if (o->stats && det)
		fprintf(stderr, "pktlens: %llu packets read, %llu matched, %llu alerts\n",
			(unsigned long long)n, (unsigned long long)matched,
			(unsigned long long)ra.n);
	else if (o->stats)
		fprintf(stderr, "pktlens: %llu packets read, %llu matched\n", (unsigned long long)n,
			(unsigned long long)matched);
out:
	pl_htab_free(&dns);
	pl_hostflows_free(flows);
	pl_det_host_free(det);
	free_filters(&filters);
	pl_cap_close(&src);
	return ret;
}

int pl_read_stream(struct pl_opts *o, FILE *f)
{
	int ret = read_capture(o, &f);

	if (f)
		fclose(f);
	return ret;
}

int cmd_read(struct pl_opts *o)
{
	return pl_read_stream(o, NULL);
}
