/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Truncation sweep of `pktlens read` (ASan/UBSan build, in process):
 *
 *   build/san/truncate [--every N] FILE...
 *
 * For each capture:
 *  - prefixes: the file cut at every byte offset of its first 4 KB (and
 *    whole); read must return 0 and print nothing on stderr, or return 2
 *    and print one line (why it stopped);
 *  - packet cuts: each packet cut to every length below its captured
 *    length (as a smaller snaplen cuts it: the wire length stays), in a
 *    file of the capture's headers (pcap's file header; pcapng's blocks
 *    other than packets, up to the packet), the cut packet, and the packet
 *    after it whole. That file is well formed, so read must return what it
 *    returns for the same file with the packet uncut, and print no more
 *    lines than for it (at most one).
 * --every N runs every Nth case of each kind only (make test's slice).
 *
 * Each case goes through pl_read_stream (src/cmd/read.c) on a memory
 * stream, the code path of `pktlens read FILE`; records go to /dev/null,
 * stderr into a memory file that is counted after each case. A crash is
 * reported by the sanitizers on the real stderr, then a line naming the
 * case. Prints "PASS truncate FILE: ..." or "FAIL truncate FILE: ..." per
 * capture; exits 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>

#include "cmd/cmds.h"
#include "opts.h"

#define PREFIX_MAX 4096
#define SHOWN	   5 /* failures shown per capture */

static struct pl_opts opts;
static int real_stderr, captured;
static FILE *report;	  /* the real stdout: PASS and FAIL lines */
static char current[512]; /* the case running, for a crash report */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("truncate");
			exit(1);
		}
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void on_death(void)
{
	dprintf(real_stderr, "FAIL truncate %s: crashed (the sanitizer's report is above)\n",
		current);
}

/* read on n bytes of p: its return and its lines on stderr */
static int run(const uint8_t *p, size_t n, int *lines)
{
	static uint8_t empty[1];
	char out[4096];
	ssize_t got, i;
	FILE *f;
	int ret;

	if (ftruncate(captured, 0) || lseek(captured, 0, SEEK_SET)) {
		perror("truncate: memfd");
		exit(1);
	}
	/* fmemopen takes no empty buffer: a 1-byte one at EOF is the same */
	f = fmemopen(n ? (void *)p : empty, n ? n : 1, "r");
	if (!f) {
		perror("truncate: fmemopen");
		exit(1);
	}
	if (!n)
		fgetc(f);
	ret = pl_read_stream(&opts, f);
	fflush(stderr);
	*lines = 0;
	lseek(captured, 0, SEEK_SET);
	while ((got = read(captured, out, sizeof(out))) > 0)
		for (i = 0; i < got; i++)
			*lines += out[i] == '\n';
	if (lseek(captured, 0, SEEK_END) > 0 &&
	    (lseek(captured, -1, SEEK_END), read(captured, out, 1) == 1) && out[0] != '\n')
		(*lines)++;
	return ret;
}

/* ---- the packets of a capture: where each one's length and bytes are ---- */

struct pkt {
	size_t start, end; /* the record or block */
	size_t data;	   /* its first byte of packet data */
	uint32_t caplen;
	int kind;	/* 0 pcap, 6 EPB, 3 SPB, 2 PB */
	size_t hdr_end; /* pcapng: end of the headers before it */
};

struct capture {
	const uint8_t *p;
	size_t n;
	int big_endian;
	struct pkt *pkts;
	size_t n_pkts, cap_pkts;
	struct buf headers; /* pcapng: the non-packet blocks, in order */
	size_t *hdr_ends;   /* per packet: headers.n before it */
};

static uint32_t u32(const struct capture *c, size_t off)
{
	const uint8_t *b = c->p + off;

	return c->big_endian ? (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
			     : (uint32_t)b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0];
}

static void put32(const struct capture *c, uint8_t *b, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		b[c->big_endian ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void add_pkt(struct capture *c, struct pkt k)
{
	if (c->n_pkts == c->cap_pkts) {
		c->cap_pkts = c->cap_pkts ? 2 * c->cap_pkts : 64;
		c->pkts = realloc(c->pkts, c->cap_pkts * sizeof(*c->pkts));
		if (!c->pkts) {
			perror("truncate");
			exit(1);
		}
	}
	k.hdr_end = c->headers.n;
	c->pkts[c->n_pkts++] = k;
}

/* Finds the packets; 0, or -1 for a format this sweep does not take apart
 * (the prefixes still run). Stops at the first record that is damaged. */
static int scan(struct capture *c)
{
	static const uint8_t le[] = { 0xd4, 0xc3, 0xb2, 0xa1 },
			     le_ns[] = { 0x4d, 0x3c, 0xb2, 0xa1 };
	static const uint8_t be[] = { 0xa1, 0xb2, 0xc3, 0xd4 },
			     be_ns[] = { 0xa1, 0xb2, 0x3c, 0x4d };
	size_t off;

	if (c->n < 24)
		return -1;
	if (!memcmp(c->p, le, 4) || !memcmp(c->p, le_ns, 4) || !memcmp(c->p, be, 4) ||
	    !memcmp(c->p, be_ns, 4)) {
		c->big_endian = c->p[0] == 0xa1;
		put(&c->headers, c->p, 24);
		for (off = 24; off + 16 <= c->n;) {
			uint32_t incl = u32(c, off + 8);

			if (incl > c->n - off - 16)
				break;
			add_pkt(c, (struct pkt){ off, off + 16 + incl, off + 16, incl, 0, 0 });
			off += 16 + incl;
		}
		return 0;
	}
	if (memcmp(c->p, "\x0a\x0d\x0d\x0a", 4))
		return -1;
	for (off = 0; off + 12 <= c->n;) {
		uint32_t type, len, caplen;

		if (!memcmp(c->p + off, "\x0a\x0d\x0d\x0a", 4))
			c->big_endian = c->p[off + 8] == 0x1a;
		type = u32(c, off);
		len = u32(c, off + 4);
		if (len < 12 || len % 4 || len > c->n - off)
			break;
		if ((type == 6 || type == 2) && len >= 32) {
			caplen = u32(c, off + 20);
			if (caplen > len - 32 || ((caplen + 3) & ~3u) > len - 32)
				break;
			add_pkt(c, (struct pkt){ off, off + len, off + 28, caplen, (int)type, 0 });
		} else if (type == 3 && len >= 16) {
			caplen = u32(c, off + 8);
			if (caplen > len - 16)
				caplen = len - 16;
			add_pkt(c, (struct pkt){ off, off + len, off + 12, caplen, 3, 0 });
		} else {
			put(&c->headers, c->p + off, len);
		}
		off += len;
	}
	return 0;
}

/* The packet k cut to len bytes, as a record or block of its format. */
static void put_cut(struct buf *b, const struct capture *c, const struct pkt *k, uint32_t len)
{
	static const uint8_t pad[4];
	uint8_t hdr[32];
	size_t hl = k->data - k->start;

	memcpy(hdr, c->p + k->start, hl);
	if (k->kind == 0) {
		put32(c, hdr + 8, len);
		put(b, hdr, hl);
		put(b, c->p + k->data, len);
		return;
	}
	{
		/* options after the data (EPB, PB): kept */
		size_t padded = ((size_t)k->caplen + 3) & ~(size_t)3;
		size_t opt = k->kind == 3 ? 0 : k->end - 4 - (k->data + padded);
		size_t npad = (4 - len % 4) % 4;
		uint32_t total = (uint32_t)(hl + len + npad + opt + 4);

		put32(c, hdr + 4, total);
		if (k->kind != 3)
			put32(c, hdr + 20, len);
		put(b, hdr, hl);
		put(b, c->p + k->data, len);
		put(b, pad, npad);
		if (opt)
			put(b, c->p + k->end - 4 - opt, opt);
		put32(c, hdr, total);
		put(b, hdr, 4);
	}
}

/* The headers before packet i, packet i cut to len, packet i + 1 whole. */
static void build(struct buf *b, const struct capture *c, size_t i, uint32_t len)
{
	const struct pkt *k = &c->pkts[i];

	b->n = 0;
	put(b, c->headers.p, k->hdr_end);
	put_cut(b, c, k, len);
	if (i + 1 < c->n_pkts)
		put(b, c->p + c->pkts[i + 1].start, c->pkts[i + 1].end - c->pkts[i + 1].start);
}

static int sweep(const char *path, size_t every)
{
	struct capture c = { 0 };
	struct buf b = { 0 };
	size_t off, i, n_prefix = 0, n_cuts = 0, n_fail = 0, limit;
	uint8_t *data;
	long size;
	FILE *f = fopen(path, "rb");
	int ret, lines, whole_ret, whole_lines;
	uint32_t len;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(report, "FAIL truncate %s: cannot read it: %s\n", path, strerror(errno));
		return 1;
	}
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(report, "FAIL truncate %s: cannot read it\n", path);
		return 1;
	}
	fclose(f);
	c.p = data;
	c.n = (size_t)size;
	opts.file = path;

#define FAILED(...)                                            \
	do {                                                   \
		if (n_fail++ < SHOWN)                          \
			fprintf(report, "  %s: " __VA_ARGS__); \
	} while (0)

	limit = c.n < PREFIX_MAX ? c.n : PREFIX_MAX;
	for (off = 0;; off += every) {
		if (off > limit)
			off = limit;
		snprintf(current, sizeof(current), "%s: the first %zu bytes", path, off);
		ret = run(data, off, &lines);
		n_prefix++;
		if (!(ret == 0 && lines == 0) && !(ret == 2 && lines == 1))
			FAILED("the first %zu bytes: exit %d, %d lines on stderr\n", path, off, ret,
			       lines);
		if (off == limit)
			break;
	}

	if (!scan(&c)) {
		for (i = 0; i < c.n_pkts; i++) {
			build(&b, &c, i, c.pkts[i].caplen);
			snprintf(current, sizeof(current), "%s: packet %zu whole", path, i + 1);
			whole_ret = run(b.p, b.n, &whole_lines);
			for (len = 0; len < c.pkts[i].caplen; len++) {
				/* every Nth cut over the whole capture, so a slice
				 * reaches every packet's lengths */
				if (++n_cuts % every)
					continue;
				build(&b, &c, i, len);
				snprintf(current, sizeof(current),
					 "%s: packet %zu cut to %u of %u bytes", path, i + 1, len,
					 c.pkts[i].caplen);
				ret = run(b.p, b.n, &lines);
				if (ret != whole_ret || lines > whole_lines || lines > 1)
					FAILED("packet %zu cut to %u of %u bytes: exit %d, %d "
					       "lines on stderr (uncut: exit %d, %d lines)\n",
					       path, i + 1, len, c.pkts[i].caplen, ret, lines,
					       whole_ret, whole_lines);
			}
		}
	}
	n_cuts /= every;
	if (n_fail)
		fprintf(report,
			"FAIL truncate %s: %zu of %zu cases (%zu prefixes, %zu packets, %zu "
			"cuts)\n",
			path, n_fail, n_prefix + n_cuts, n_prefix, c.n_pkts, n_cuts);
	else
		fprintf(report, "PASS truncate %s: %zu prefixes, %zu packets, %zu cuts\n", path,
			n_prefix, c.n_pkts, n_cuts);
	fflush(report);
	free(b.p);
	free(c.pkts);
	free(c.headers.p);
	free(data);
	return n_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	static char *read_argv[] = { "read", "capture", NULL };
	size_t every = 1;
	int i = 1, rc = 0, devnull;

	if (argc > 2 && !strcmp(argv[1], "--every")) {
		every = strtoul(argv[2], NULL, 10);
		i = 3;
	}
	if (i >= argc || !every) {
		fprintf(stderr, "usage: truncate [--every N] FILE...\n");
		return 2;
	}
	if (pl_parse_opts("read", PL_CMD_READ, 1, 2, read_argv, &opts)) {
		fprintf(stderr, "truncate: cannot parse read's options\n");
		return 1;
	}
	/* records into /dev/null, stderr counted in a memory file; the report
	 * and the sanitizers' findings to the real stdout and stderr */
	real_stderr = dup(STDERR_FILENO);
	report = fdopen(dup(STDOUT_FILENO), "w");
	captured = memfd_create("stderr", 0);
	devnull = open("/dev/null", O_WRONLY);
	if (real_stderr < 0 || !report || captured < 0 || devnull < 0 ||
	    dup2(devnull, STDOUT_FILENO) < 0 || dup2(captured, STDERR_FILENO) < 0) {
		perror("truncate");
		return 1;
	}
	__sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
	__sanitizer_set_death_callback(on_death);
	for (; i < argc; i++)
		rc |= sweep(argv[i], every);
	return rc;
}
