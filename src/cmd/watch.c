// SPDX-License-Identifier: BSD-2-Clause
/* pktlens watch: live records from the XDP/TC programs via a ring buffer. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/attach.h"
#include "cmds.h"
#include "util/log.h"
#include "output/output.h"
#include "runtime/packet_skel.h"
#include "records/record.h"
#include "filter/filter.h"
#include "parse/parse.h"
#include "sinks/pcapng.h"
#include "runtime/percpu.h"
#include "runtime/ringloop.h"
#include "runtime/skel_common.h"
#include "runtime/attr.h"
#include "filter/procterms.h"

struct watch_ctx {
	struct pl_opts *o;
	const struct pl_filter *filter;
	struct pl_pcapng pcap;
	int write_failed; /* 1: -w failed; 2: and said so */
	int write_errno;
	uint64_t mono_to_epoch_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t printed;
	struct pl_ifaces ifs;
	struct packet_bpf *skel;
	__u64 last_lost;
	struct pl_out out; /* records, to stdout */
	struct pl_attrib *attrib; /* --attribute, or NULL */
	struct pl_proc_terms terms; /* the filter's proc terms (user space) */
	bool drain_failed;	    /* drain_batches() failed once: said */
};

/* -w: a whole frame, unparsed: written as it is, parsed here for the
 * record (the same parser and bytes as the kernel's). A QUIC client
 * Initial (PL_EV_QUIC_FRAME) is decrypted by that parse, and kept only if
 * the filter, which may test its hello, takes it. */
static int on_frame(struct watch_ctx *w, const void *data, size_t size)
{
	struct pl_frame_event hdr;
	const uint8_t *frame = (const uint8_t *)data + sizeof(hdr);
	struct pl_meta meta = { 0 };
	struct pl_pkt pkt;
	bool parsed = false;

	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.frame_len > size - sizeof(hdr))
		return 0;
	/* a whole frame (a QUIC client Initial) comes without its socket:
	 * no process, so no proc term holds */
	if (w->terms.n)
		return 0;
	if (hdr.type == PL_EV_QUIC_FRAME) {
		if (!pl_parse_frame_match(&pkt, w->filter, pl_ifaces_linktype(&w->ifs, hdr.ifindex),
					  frame, hdr.frame_len, hdr.frame_len))
			return 0;
		parsed = true;
	}
	meta.ts_epoch_ns = hdr.ts_mono_ns + w->mono_to_epoch_ns;
	meta.ifname = pl_ifname(&w->ifs, hdr.ifindex);
	if (w->pcap.f && pl_pcapng_write(&w->pcap, hdr.ifindex, meta.ts_epoch_ns, frame,
					 hdr.frame_len, hdr.frame_len)) {
		if (!w->write_failed)
			w->write_errno = errno ? errno : EIO;
		w->write_failed = 1;
	}
	if (pl_opts_records_to_stdout(w->o)) {
		if (!parsed)
			pl_parse_frame(&pkt, pl_ifaces_linktype(&w->ifs, hdr.ifindex), frame,
				       hdr.frame_len, hdr.frame_len);
		pl_write_record(&w->out, w->o->json, &meta, &pkt);
	}
	w->printed++;
	return 0;
}

/* A CPU's batch of whole frames (PL_EV_FRAME_BATCH): each as on its own. */
static int on_batch(struct watch_ctx *w, const uint8_t *data, size_t size)
{
	struct pl_frame_batch_hdr bh;
	struct pl_frame_event fe;
	size_t off = sizeof(bh), end;
	uint32_t i;

	memcpy(&bh, data, sizeof(bh));
	end = sizeof(bh) + (size_t)bh.bytes < size ? sizeof(bh) + (size_t)bh.bytes : size;
	for (i = 0; i < bh.frames && off + sizeof(fe) <= end; i++) {
		if (w->o->count && w->printed >= w->o->count)
			break;
		memcpy(&fe, data + off, sizeof(fe));
		if (fe.frame_len > end - off - sizeof(fe))
			break;
		on_frame(w, data + off, sizeof(fe) + fe.frame_len);
		off += sizeof(fe) + (((size_t)fe.frame_len + 7) & ~(size_t)7);
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct watch_ctx *w = ctx;
	struct pl_packet_event ev;
	struct pl_capture cap;
	struct pl_meta meta = { 0 };
	__u16 type;

	if (size < sizeof(type) || (w->o->count && w->printed >= w->o->count))
		return 0; /* libbpf ignores a positive return: skip the rest */
	/* copy out of the ring before reading: the kernel owns that memory */
	memcpy(&type, data, sizeof(type));
	if ((type == PL_EV_FRAME || type == PL_EV_QUIC_FRAME) &&
	    size >= sizeof(struct pl_frame_event))
		return on_frame(w, data, size);
	if (type == PL_EV_FRAME_BATCH && size >= sizeof(struct pl_frame_batch_hdr))
		return on_batch(w, data, size);
	if (pl_packet_event_get(&ev, data, size))
		return 0;
	if (ev.type != PL_EV_PACKET && ev.type != PL_EV_PACKET_DATA)
		return 0;
	meta.ts_epoch_ns = ev.ts_mono_ns + w->mono_to_epoch_ns;
	meta.ifname = pl_ifname(&w->ifs, ev.ifindex);
	if (w->attrib) {
		struct pl_attr a;

		if (!pl_packet_event_attr(&a, data, size))
			meta.proc = pl_attrib_find(w->attrib, &a);
		if (!pl_proc_terms_match(&w->terms, meta.proc))
			return 0;
	}
	if (ev.type == PL_EV_PACKET_DATA && w->pcap.f && size >= sizeof(ev) + sizeof(cap)) {
		char comment[PL_PROC_COMMENT_MAX];

		memcpy(&cap, (const char *)data + sizeof(ev), sizeof(cap));
		if (cap.cap_len > size - sizeof(ev) - sizeof(cap))
			cap.cap_len = (__u32)(size - sizeof(ev) - sizeof(cap));
		/* --attribute: the process as the packet's comment (frame.comment) */
		if (meta.proc)
			pl_proc_comment(meta.proc, comment, sizeof(comment));
		if (pl_pcapng_write_comment(&w->pcap, ev.ifindex, meta.ts_epoch_ns,
					    (const uint8_t *)data + sizeof(ev) + sizeof(cap),
					    cap.cap_len, ev.pkt.frame_len,
					    meta.proc ? comment : NULL)) {
			if (!w->write_failed)
				w->write_errno = errno ? errno : EIO;
			w->write_failed = 1;
		}
	}
	if (pl_opts_records_to_stdout(w->o))
		pl_write_record(&w->out, w->o->json, &meta, &ev.pkt);
	w->printed++;
	return 0;
}

static void read_counters(struct packet_bpf *skel, __u64 out[PL_CNT__COUNT])
{
	pl_sum_percpu(bpf_map__fd(skel->maps.counters), PL_CNT__COUNT, out);
}

static void print_counters(const char *prefix, const __u64 c[PL_CNT__COUNT]);

/* Once a second: report loss, a failed -w. */
static int watch_each_second(void *ctx, uint64_t now)
{
	struct watch_ctx *w = ctx;
	__u64 c[PL_CNT__COUNT];

	(void)now;
	/* new processes and sockets: the kernel's cgroup filter follows */
	if (w->attrib && w->terms.n)
		pl_attrib_refresh(w->attrib);
	read_counters(w->skel, c);
	if (c[PL_CNT_LOST] != w->last_lost) {
		pl_warn("%llu records lost in the ring buffer in the last second: the reader is "
			"too slow; narrow the filter, or use --sample/--rate",
			(unsigned long long)(c[PL_CNT_LOST] - w->last_lost));
		print_counters("so far: ", c);
		w->last_lost = c[PL_CNT_LOST];
	}
	if (w->write_failed) {
		pl_err("cannot write '%s': %s; stopping", w->o->write_file,
		       strerror(w->write_errno));
		w->write_failed = 2; /* said */
		return PL_EXIT_RUNTIME;
	}
	return 0;
}

/* -w: a watched interface renamed, or back with another ifindex. */
static void iface_changed(void *ctx, struct pl_ifaces *ifs, int i, const char *old_name)
{
	struct watch_ctx *w = ctx;
	int err = pl_pcapng_add_iface(&w->pcap, ifs->names[i], (uint32_t)ifs->indexes[i],
				      ifs->linktype[i]);

	(void)old_name;
	if (err == -ENOSPC)
		pl_warn("-w: no room for another interface block; packets of %s go under the first "
			"interface",
			ifs->names[i]);
	else if (err && !w->write_failed) {
		w->write_errno = -err;
		w->write_failed = 1;
	}
}

/* The frame batches the CPUs hold, to the ring (the ring loop's drain). */
static void drain_batches(void *ctx)
{
	struct watch_ctx *w = ctx;

	pl_drain_percpu_said(w->skel, &w->drain_failed,
			     "batched frames reach the ring only when a batch fills or ages");
}

static void print_counters(const char *prefix, const __u64 c[PL_CNT__COUNT])
{
	fprintf(stderr,
		"pktlens: %s%llu packets seen, %llu matched, %llu sampled out, %llu rate-limited, "
		"%llu emitted, %llu lost in the ring buffer, %llu QUIC Initials decrypted here, "
		"%llu to no socket of the proc terms' cgroups\n",
		prefix, (unsigned long long)c[PL_CNT_SEEN], (unsigned long long)c[PL_CNT_MATCHED],
		(unsigned long long)c[PL_CNT_SAMPLED_OUT],
		(unsigned long long)c[PL_CNT_RATE_LIMITED], (unsigned long long)c[PL_CNT_EMITTED],
		(unsigned long long)c[PL_CNT_LOST], (unsigned long long)c[PL_CNT_QUIC_INITIAL],
		(unsigned long long)c[PL_CNT_NOT_OWNED]);
}

int cmd_watch(struct pl_opts *o)
{
	static char outbuf[PL_OUT_BUF_MIN * 4];
	struct watch_ctx w = { .o = o };
	struct packet_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	__u64 c[PL_CNT__COUNT];
	int i, err, ret = PL_EXIT_OK;
	static struct pl_filter filter;
	static struct pl_attrib attrib;
	const char *kernel_parse;

	pl_out_init_file(&w.out, stdout, outbuf, sizeof(outbuf));
	ret = pl_take_proc_terms(o, &w.terms);
	if (ret)
		return ret;
	ret = pl_prepare_packet_cmd(o, "watch", &filter, &w.ifs);
	if (ret)
		return ret;

	skel = pl_open_packet(&filter, 1);
	if (!skel)
		return PL_EXIT_RUNTIME;
	skel->rodata->sample_every = o->sample;
	skel->rodata->rate_pps = o->rate;
	pl_dns_prepare(skel, o->dns);
	skel->rodata->quic_initials = 1;
	w.filter = filter.entry == PL_FILTER_ACCEPT ? NULL : &filter;
	if (o->attribute) {
		ret = pl_attrib_open(&attrib);
		if (ret)
			goto cleanup;
		w.attrib = &attrib;
		skel->rodata->attribute = 1;
		/* the terms' cgroups, in the kernel: packets to a socket of no
		 * cgroup of a matching process are not sent up */
		skel->rodata->attr_cgroup_filter = w.terms.n > 0;
	}
	/* Frames that fit go up whole and user space parses them with the same
	 * parser: the kernel then skips its parse, the receiver's largest cost
	 * per packet. With -w, every frame the snapshot holds; else those of
	 * up to PL_HDR_WIN bytes, which take no more of the ring than their
	 * record would (152 bytes without L7 hints, 616 with them) or little
	 * more. PKTLENS_KERNEL_PARSE=1 keeps every record the kernel's without
	 * -w, for the live tests of the kernel's parse. */
	kernel_parse = getenv("PKTLENS_KERNEL_PARSE");
	if (!kernel_parse || strcmp(kernel_parse, "1"))
		skel->rodata->whole_frame_max = PL_HDR_WIN;
	/* under a flood, whole frames go up in batches, which the ring loop
	 * drains every 100 ms and at exit: when this thread can run on every
	 * CPU, as the drain does */
	if (pl_drain_possible()) {
		pl_frame_batches_on(skel);
	} else {
		pl_info("frame batches off: this process may not run on every CPU (taskset or a "
			"cpuset), so it could not drain them; under a flood each frame takes the "
			"ring on its own");
	}
	if (o->write_file) {
		skel->rodata->capture_len = o->snaplen < PL_CAP_MAX ? o->snaplen : PL_CAP_MAX;
		skel->rodata->whole_frame_max = skel->rodata->capture_len;
		/* one interface block each, of its link type */
		err = pl_pcapng_open(&w.pcap, o->write_file, NULL, NULL, 0, o->snaplen);
		for (i = 0; !err && i < w.ifs.n; i++)
			err = pl_pcapng_put_iface(&w.pcap, w.ifs.names[i],
						  (uint32_t)w.ifs.indexes[i], w.ifs.linktype[i]);
		if (err) {
			pl_err("cannot write '%s': %s", o->write_file, strerror(-err));
			ret = PL_EXIT_RUNTIME;
			goto cleanup;
		}
	}
	ret = pl_load_packet(skel);
	if (ret)
		goto cleanup;
	if (w.attrib && w.terms.n &&
	    pl_attrib_cgroups(w.attrib, bpf_map__fd(skel->maps.attr_cgroups), &w.terms)) {
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &w, NULL);
	if (!rb) {
		pl_err("cannot set up the ring buffer: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	ret = pl_attach_all(skel, &w.ifs, o->mode);
	if (ret)
		goto cleanup;
	w.ifs.changed = iface_changed;
	w.ifs.changed_ctx = &w;
	ret = pl_ifaces_follow(&w.ifs, o->reattach);
	if (ret)
		goto cleanup;

	pl_catch_stop_signals();
	w.mono_to_epoch_ns = pl_mono_to_epoch_ns();
	w.skel = skel;
	ret = pl_run_ring_loop(&(struct pl_ring_loop){ .rb = rb,
						       .ifs = &w.ifs,
						       .o = o,
						       .printed = &w.printed,
						       .each_second = watch_each_second,
						       .drain = skel->rodata->frame_batches
								? drain_batches
								: NULL,
						       .ctx = &w });
	if (o->stats) {
		read_counters(skel, c);
		print_counters("", c);
	}

cleanup:
	if (w.pcap.f) {
		err = pl_pcapng_close(&w.pcap);
		if (err && !w.write_failed)
			w.write_errno = -err;
		if ((err || w.write_failed) && w.write_failed != 2)
			pl_err("cannot write '%s': %s", o->write_file, strerror(w.write_errno));
		if (err || w.write_failed)
			ret = PL_EXIT_RUNTIME;
	}
	/* records that could not be written are an error, as in read */
	if (pl_opts_records_to_stdout(o))
		ret = pl_stdout_status(ret);
	pl_ifaces_close(&w.ifs);
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	if (w.attrib)
		pl_attrib_close(w.attrib);
	return ret;
}
