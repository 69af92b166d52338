/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The agent's Prometheus endpoint: libmicrohttpd serves GET /metrics from
 * its own thread; the agent's loop builds the exposition text once per scan
 * and hands it over (pl_prom_publish), so a scrape never touches the maps.
 */
#ifndef PKTLENS_PROM_H
#define PKTLENS_PROM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct pl_prom;

/* 0 when listen is ADDR:PORT as pl_prom_start takes it, else -1; for
 * checking a configuration before anything changes. */
int pl_prom_check_listen(const char *listen);
#define PL_PROM_LISTEN_FORMAT "ADDR:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)"
/* Limits against slow clients (docs/agent.md, "Limits"): connections in
 * all and from one address, the time from a connection's accept to its
 * whole request, and libmicrohttpd's timeout between two reads or writes. */
#define PROM_MAX_CONNS	      64
#define PROM_PER_IP_CONNS     8
#define PROM_REQUEST_SECONDS  5
#define PROM_IDLE_SECONDS     10
/* Listens on ADDR:PORT (IPv4, or [IPv6]:PORT). NULL after a message. */
struct pl_prom *pl_prom_start(const char *listen);
void pl_prom_stop(struct pl_prom *p);
/* Replaces the page served on /metrics; takes ownership of text. */
void pl_prom_publish(struct pl_prom *p, char *text, size_t len);
struct pl_prom_stats {
	uint64_t scrapes;      /* requests for /metrics served */
	uint64_t cut_deadline; /* requests not whole within PROM_REQUEST_SECONDS */
	uint64_t cut_room;     /* unfinished requests shut to keep connections free */
};
void pl_prom_stats(struct pl_prom *p, struct pl_prom_stats *s);

/* Building the text: a growing buffer. */
struct pl_text {
	char *buf;
	size_t len, cap;
	int oom;
};

void pl_text_printf(struct pl_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* # HELP and # TYPE lines of a metric family. */
void pl_text_family(struct pl_text *t, const char *name, const char *type, const char *help);
/* A label value, escaped as the exposition format asks (\\, \", \n);
 * bytes that are not printable ASCII become \xNN, so the text stays UTF-8. */
void pl_text_label(struct pl_text *t, const char *s, size_t n);

/* One series of a histogram family from a log2 histogram (records/hist.h),
 * as cumulative _bucket{le=...}, _sum and _count lines. labels is NULL or
 * the series' own labels without braces (`end="reset"`); unit is the
 * seconds one histogram unit is (1e-9 for nanoseconds). Buckets below
 * first are counted in first's, so short families stay readable. */
struct pl_hist;
void pl_text_hist(struct pl_text *t, const char *name, const char *labels,
		  const struct pl_hist *h, double unit, unsigned first);

#endif
