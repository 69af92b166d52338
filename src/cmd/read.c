// SPDX-License-Identifier: BSD-2-Clause
/* pktlens read: records from a pcap or pcapng file through the host parser. */
#include <errno.h>
#include <stdbool.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmds.h"
#include "util/log.h"
#include "output/output.h"
#include "parse/parse.h"
#include "filter/filter.h"
#include "sinks/pcapng.h"
#include "detect/alert.h"
#include "detect/config.h"
#include "detect/host.h"
#include "output/flow_output.h"
#include "runtime/hostflows.h"

static int linktype_of(int dlt, enum pl_linktype *out)
{
	switch (dlt) {
	case DLT_EN10MB:
		*out = PL_LINK_ETHERNET;
		return 0;
	case DLT_LINUX_SLL:
		*out = PL_LINK_LINUX_SLL;
		return 0;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		*out = PL_LINK_LINUX_SLL2;
		return 0;
#endif
	}
	return -1;
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

	pl_write_alert(r->out, r->o->json, a, a->ts_ns, NULL);
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

/* libpcap opens o->file by name, or reads *f (which it then owns: *f
 * becomes NULL) */
static pcap_t *open_capture(const struct pl_opts *o, FILE **f, char *errbuf)
{
	pcap_t *pc;

	if (!*f)
		return pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO,
							       errbuf);
	pc = pcap_fopen_offline_with_tstamp_precision(*f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pc)
		*f = NULL;
	return pc;
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
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	enum pl_linktype lt;
	const u_char *data;
	uint64_t n = 0, matched = 0;
	static struct pl_filter filter;
	struct pl_pcapng out = { 0 };
	struct pl_pkt pkt, inner;
	pcap_t *pc = NULL;
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
	pc = open_capture(o, f, errbuf);
	if (!pc) {
		pl_err("cannot read '%s': %s; give a pcap or pcapng file, or - for stdin", o->file,
		       errbuf);
		ret = PL_EXIT_USAGE;
		goto out;
	}
	if (linktype_of(pcap_datalink(pc), &lt)) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(pc));

		pl_err("'%s' has link type %s (%d); pktlens reads Ethernet and Linux cooked (SLL, "
		       "SLL2) captures",
		       o->file, name ? name : "unknown", pcap_datalink(pc));
		ret = PL_EXIT_USAGE;
		goto out;
	}
	/* libpcap's header tests depend on the link type */
	ret = pl_opts_compile_filter_for(o, pcap_datalink(pc), &filter);
	if (ret)
		goto out;

	if (o->write_file) {
		const char *name = "read";
		uint32_t zero = 0;
		int err;

		if (lt != PL_LINK_ETHERNET) {
			pl_err("-w writes Ethernet captures; '%s' is a Linux cooked capture",
			       o->file);
			ret = PL_EXIT_USAGE;
			goto out;
		}
		err = pl_pcapng_open(&out, o->write_file, &name, &zero, 1, o->snaplen);
		if (err) {
			pl_err("cannot write '%s': %s", o->write_file, strerror(-err));
			ret = PL_EXIT_RUNTIME;
			goto out;
		}
	}

	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		struct pl_meta meta = {
			.ts_epoch_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ull +
				       (uint64_t)hdr->ts.tv_usec,
			.frame_number = ++n,
		};

		if (det ? !pl_det_host_frame(det, &pkt, &filter, lt, data, hdr->caplen, hdr->len,
					     meta.ts_epoch_ns)
			: !pl_parse_frame_match(&pkt, &filter, lt, data, hdr->caplen, hdr->len))
			continue;
		matched++;
		if (out.f)
			pl_pcapng_write(&out, 0, meta.ts_epoch_ns, data, hdr->caplen, hdr->len);
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
	if (rc == PCAP_ERROR) {
		pl_err("'%s' is cut short or damaged after packet %llu: %s; the records above are "
		       "complete",
		       o->file, (unsigned long long)n, pcap_geterr(pc));
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
	pl_hostflows_free(flows);
	pl_det_host_free(det);
	if (pc)
		pcap_close(pc);
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
