// SPDX-License-Identifier: BSD-2-Clause
/*
 * The filter differential's matcher (tests/filter/diff_tcpdump.py): many
 * filters over one capture in one process, with `pktlens read`'s code for
 * each step: the capture read by src/cmd/capture.c, each filter compiled
 * with pl_filter_compile_for() for the link type of each frame, each frame
 * matched by pl_parse_frame_match(). What `pktlens read CAPTURE --json
 * FILTER` would select, without a process per filter (diff_tcpdump.py
 * checks a sample against pktlens read itself).
 *
 * usage: filter_batch CAPTURE FILTERS
 *
 * FILTERS holds one filter a line. For each, in order, one line:
 *   M N...                   the numbers (1-based, as frame.number) of the
 *                            frames it matches, ascending
 *   R bad filter: ERR (column N)   read would refuse it (exit 2)
 * Exit 0; 1 with a message when the capture or FILTERS cannot be read
 * (read would fail on every filter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/capture.h"
#include "filter/filter.h"
#include "parse/parse.h"

/* read's limit on the link types of one capture (src/cmd/read.c) */
#define READ_LINKS 8

struct frame {
	int lt; /* enum pl_linktype; -1: a link type read skips */
	uint32_t caplen, wire_len;
	uint8_t *data;
};

struct capture {
	int n, cap;
	struct frame *f;
	/* the DLT_ values filters are compiled for, as read meets them */
	int n_dlts, dlt[READ_LINKS];
	enum pl_linktype lt_of[READ_LINKS];
};

static int add_dlt(struct capture *c, enum pl_linktype lt)
{
	int i, dlt = pl_cap_dlt(lt);

	for (i = 0; i < c->n_dlts; i++)
		if (c->dlt[i] == dlt)
			return 0;
	if (c->n_dlts == READ_LINKS)
		return -1;
	c->lt_of[c->n_dlts] = lt;
	c->dlt[c->n_dlts++] = dlt;
	return 0;
}

/* Every frame of file, as read takes them. 0, or -1 after a message. */
static int load(const char *file, struct capture *c)
{
	struct pl_cap src = { 0 };
	enum pl_linktype lt;
	FILE *f = NULL;
	int rc, ret = -1;

	if (pl_cap_open(file, &f, &src))
		goto out;
	/* a pcap file's link type is compiled for before any packet */
	if (!src.is_ng) {
		if (pl_cap_linktype(src.dlt, &lt)) {
			fprintf(stderr, "filter_batch: '%s' has link type %d, which read refuses\n",
				file, src.dlt);
			goto out;
		}
		add_dlt(c, lt);
	}
	while ((rc = pl_cap_next(&src)) == 1) {
		struct frame *fr;

		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 256;
			c->f = realloc(c->f, (size_t)c->cap * sizeof(*c->f));
			if (!c->f)
				goto oom;
		}
		fr = &c->f[c->n++];
		fr->lt = -1;
		fr->caplen = src.caplen;
		fr->wire_len = src.wire_len;
		fr->data = malloc(src.caplen ? src.caplen : 1);
		if (!fr->data)
			goto oom;
		memcpy(fr->data, src.data, src.caplen);
		if (pl_cap_linktype(src.pkt_dlt, &lt))
			continue;
		fr->lt = (int)lt;
		if (add_dlt(c, lt)) {
			fprintf(stderr, "filter_batch: '%s' has more than %d link types\n", file,
				READ_LINKS);
			goto out;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "filter_batch: '%s' is cut short or damaged: %s\n", file,
			pl_cap_error(&src));
		goto out;
	}
	ret = 0;
	goto out;
oom:
	fprintf(stderr, "filter_batch: out of memory\n");
out:
	pl_cap_close(&src);
	if (f)
		fclose(f);
	return ret;
}

static void run(const struct capture *c, const char *expr, struct pl_filter *filters)
{
	char err[256];
	struct pl_pkt pkt;
	int i, col;

	for (i = 0; i < c->n_dlts; i++) {
		if (pl_filter_compile_for(expr, c->dlt[i], &filters[i], err, sizeof(err), &col)) {
			printf("R bad filter: %s (column %d)\n", err, col);
			return;
		}
	}
	putchar('M');
	for (i = 0; i < c->n; i++) {
		const struct frame *fr = &c->f[i];
		int k;

		if (fr->lt < 0)
			continue;
		for (k = 0; c->lt_of[k] != (enum pl_linktype)fr->lt; k++)
			;
		if (pl_parse_frame_match(&pkt, &filters[k], (enum pl_linktype)fr->lt, fr->data,
					 fr->caplen, fr->wire_len))
			printf(" %d", i + 1);
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct capture c = { 0 };
	struct pl_filter *filters;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *list;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: filter_batch CAPTURE FILTERS\n");
		return 1;
	}
	if (load(argv[1], &c))
		return 1;
	list = fopen(argv[2], "r");
	filters = calloc(READ_LINKS, sizeof(*filters));
	if (!list || !filters) {
		fprintf(stderr, "filter_batch: cannot read '%s'\n", argv[2]);
		return 1;
	}
	while ((len = getline(&line, &cap, list)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		run(&c, line, filters);
	}
	fclose(list);
	free(line);
	free(filters);
	for (i = 0; i < c.n; i++)
		free(c.f[i].data);
	free(c.f);
	return fflush(stdout) ? 1 : 0;
}
