// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens top: a live terminal view of the kernel's flow and top-talker
 * tables, refreshed every second: top flows, sources, destination ports,
 * TLS SNIs (over TCP or QUIC), DNS names and HTTP hosts, with rates. Fits
 * 80x24.
 *
 * Keys: 1-6 or Tab / Shift-Tab / arrows switch the view; p, b, r sort by
 * packets, bytes, rate; q quits.
 */
#include <errno.h>
#include <inttypes.h>
#include <ncurses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmds.h"
#include "output/flow_output.h"
#include "runtime/flowtab.h"
#include "util/escape.h"
#include "util/log.h"
#include "runtime/packet_skel.h"
#include "runtime/skel_common.h"

#define ROWS_MAX 64

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

enum view {
	V_FLOWS,
	V_SOURCES,
	V_PORTS,
	V_SNIS,
	V_DNS,
	V_HTTP,
	V__COUNT
};
enum sort {
	S_PACKETS,
	S_BYTES,
	S_RATE
};

static const char *const view_tabs[V__COUNT] = {
	"flows", "sources", "ports", "SNIs", "DNS", "HTTP"
};
static const char *const sort_names[] = { "packets", "bytes", "rate" };

/* One entry of a table, keys kept in an arena beside. */
struct row {
	uint64_t packets, bytes, syns;
	double pps, bps;
	size_t key; /* offset in the arena */
};

struct snap {
	size_t n, cap, ksz;
	struct row *rows;
	unsigned char *keys;
};

struct view_state {
	struct snap cur, prev;
	uint64_t prev_ns;
	long entries;
};

struct top {
	struct pl_flowtab t;
	struct pl_ifaces ifs;
	struct view_state v[V__COUNT];
	enum view view;
	enum sort sort;
	uint64_t now_ns, last_ns, total_pkts, total_bytes, prev_pkts, prev_bytes;
	double pps, bps;
	const char *err;
};

static int snap_add(struct snap *s, const void *key, uint64_t packets, uint64_t bytes,
		    uint64_t syns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct row *r = realloc(s->rows, cap * sizeof(*r));
		unsigned char *k = r ? realloc(s->keys, cap * s->ksz) : NULL;

		if (!r || !k) {
			if (r)
				s->rows = r;
			return -1;
		}
		s->rows = r;
		s->keys = k;
		s->cap = cap;
	}
	memcpy(s->keys + s->n * s->ksz, key, s->ksz);
	s->rows[s->n] = (struct row){
		.packets = packets, .bytes = bytes, .syns = syns, .key = s->n * s->ksz
	};
	s->n++;
	return 0;
}

static void snap_free(struct snap *s)
{
	free(s->rows);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct snap *s = ctx;

	return memcmp(s->keys + ((const struct row *)a)->key,
		      s->keys + ((const struct row *)b)->key, s->ksz);
}

static int cmp_sort(const void *a, const void *b, void *ctx)
{
	const struct row *x = a, *y = b;
	enum sort by = *(const enum sort *)ctx;
	double dx, dy;

	switch (by) {
	case S_BYTES:
		dx = (double)x->bytes, dy = (double)y->bytes;
		break;
	case S_RATE:
		dx = x->pps, dy = y->pps;
		if (dx == dy)
			dx = (double)x->packets, dy = (double)y->packets;
		break;
	default:
		dx = (double)x->packets, dy = (double)y->packets;
	}
	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* Rates from the previous snapshot (sorted by key). */
static void rates(struct view_state *v, uint64_t now)
{
	double dt = v->prev_ns ? (double)(now - v->prev_ns) / 1e9 : 0;
	size_t i, lo, hi, mid;
	int c;

	for (i = 0; i < v->cur.n && dt > 0; i++) {
		struct row *r = &v->cur.rows[i];
		const unsigned char *k = v->cur.keys + r->key;
		uint64_t pp = 0, pb = 0;

		lo = 0, hi = v->prev.n;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			c = memcmp(v->prev.keys + v->prev.rows[mid].key, k, v->cur.ksz);
			if (!c) {
				pp = v->prev.rows[mid].packets;
				pb = v->prev.rows[mid].bytes;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* a new entry (or one that started afresh) counts from zero */
		if (pp > r->packets)
			pp = pb = 0;
		r->pps = (double)(r->packets - pp) / dt;
		r->bps = (double)(r->bytes - pb) * 8 / dt;
	}
}

struct collect {
	struct snap *s;
	enum view view;
	bool quic; /* the SNIs of the QUIC names table (flowtab.h) */
	int err;
};

/* An SNI view's key: the name, then 1 for QUIC (0: TLS over TCP). */
struct sni_key {
	struct pl_name_key name;
	unsigned char quic;
};

static int on_entry(void *ctx, const void *key, const void *val)
{
	struct collect *c = ctx;
	uint64_t p = 0, b = 0, syn = 0;

	switch (c->view) {
	case V_FLOWS:
		p = ((const struct pl_flow_val *)val)->packets;
		b = ((const struct pl_flow_val *)val)->bytes;
		break;
	case V_SOURCES:
		p = ((const struct pl_src_val *)val)->packets;
		b = ((const struct pl_src_val *)val)->bytes;
		syn = ((const struct pl_src_val *)val)->syns;
		break;
	case V_PORTS:
		p = ((const struct pl_port_val *)val)->packets;
		b = ((const struct pl_port_val *)val)->bytes;
		break;
	case V_SNIS: {
		struct sni_key k;

		memcpy(&k.name, key, sizeof(k.name));
		k.quic = c->quic;
		p = *(const __u64 *)val;
		if (snap_add(c->s, &k, p, 0, 0)) {
			c->err = -ENOMEM;
			return 1;
		}
		return 0;
	}
	default:
		p = *(const __u64 *)val;
	}
	if (snap_add(c->s, key, p, b, syn)) {
		c->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static void noop_flow(void *ctx, const struct pl_flow *f, enum pl_flow_end why)
{
	(void)ctx, (void)f, (void)why;
}

static int ifaces_total(void *ctx, const void *key, const void *val)
{
	struct top *tp = ctx;
	const struct pl_iface_val *v = val;

	(void)key;
	tp->total_pkts += v->packets;
	tp->total_bytes += v->bytes;
	return 0;
}

/* Reads every table and works out the rates. */
static int read_tables(struct top *tp, uint64_t idle_ns)
{
	static const enum pl_table tables[V__COUNT] = {
		[V_SOURCES] = PL_TBL_SOURCES, [V_PORTS] = PL_TBL_PORTS, [V_SNIS] = PL_TBL_SNIS,
		[V_DNS] = PL_TBL_DNS,	      [V_HTTP] = PL_TBL_HTTP,
	};
	int i;
	double dt;

	tp->now_ns = pl_clock_ns(CLOCK_MONOTONIC);
	/* flows idle longer than the idle timeout leave the view */
	if (pl_flowtab_expire(&tp->t, tp->now_ns, idle_ns, UINT64_MAX, false, noop_flow, NULL) < 0)
		return -1;
	for (i = 0; i < V__COUNT; i++) {
		struct view_state *v = &tp->v[i];
		struct collect c = { .s = &v->cur, .view = (enum view)i };
		struct snap tmp;

		/* the last snapshot becomes prev, sorted by key for the rates */
		tmp = v->prev;
		v->prev = v->cur;
		v->cur = tmp;
		v->cur.n = 0;
		qsort_r(v->prev.rows, v->prev.n, sizeof(struct row), cmp_key, &v->prev);
		v->entries = i == V_FLOWS ? pl_flowtab_walk_flows(&tp->t, on_entry, &c)
					  : pl_flowtab_walk(&tp->t, tables[i], on_entry, &c);
		if (i == V_SNIS && v->entries >= 0) {
			long q;

			c.quic = true;
			q = pl_flowtab_walk(&tp->t, PL_TBL_QUIC_SNIS, on_entry, &c);
			v->entries = q < 0 ? q : v->entries + q;
		}
		if (v->entries < 0 || c.err)
			return -1;
		rates(v, tp->now_ns);
		v->prev_ns = tp->now_ns;
	}
	tp->total_pkts = tp->total_bytes = 0;
	pl_flowtab_walk(&tp->t, PL_TBL_IFACES, ifaces_total, tp);
	dt = tp->last_ns ? (double)(tp->now_ns - tp->last_ns) / 1e9 : 0;
	if (dt > 0 && tp->total_pkts >= tp->prev_pkts) {
		tp->pps = (double)(tp->total_pkts - tp->prev_pkts) / dt;
		tp->bps = (double)(tp->total_bytes - tp->prev_bytes) * 8 / dt;
	}
	tp->prev_pkts = tp->total_pkts;
	tp->prev_bytes = tp->total_bytes;
	tp->last_ns = tp->now_ns;
	return 0;
}

/* ---- drawing ---- */

/* n in at most 6 characters: 999999, 1.23k ... 999.9G */
static const char *human(double n, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (n < 999999.5) {
		snprintf(buf, len, "%.0f", n);
		return buf;
	}
	while (n >= 999.95 && u < 5) {
		n /= 1000;
		u++;
	}
	snprintf(buf, len, n < 9.995 ? "%.2f%c" : n < 99.95 ? "%.1f%c" : "%.0f%c", n, units[u]);
	return buf;
}

/* s, cut to w columns (keeping its end, which differs most) */
static void put_cut(int y, int x, const char *s, int w)
{
	int n = (int)strlen(s);

	if (n <= w) {
		mvprintw(y, x, "%-*s", w, s);
		return;
	}
	mvprintw(y, x, "~%s", s + n - w + 1);
}

static void flow_end(char *buf, size_t len, const struct pl_flow_key *k, const __u8 *a, __u16 port)
{
	char addr[64];

	pl_addr_str(k->ip_ver, a, addr, sizeof(addr));
	if (k->proto == 6 || k->proto == 17 || k->proto == 132)
		snprintf(buf, len, "%s.%u", addr, port);
	else
		snprintf(buf, len, "%s", addr);
}

static void draw_row(struct top *tp, int y, const struct snap *s, const struct row *r)
{
	const void *key = s->keys + r->key;
	char a[300], b[80], n1[16], n2[16], n3[16], n4[16], pb[8];

	human((double)r->packets, n1, sizeof(n1));
	human((double)r->bytes, n2, sizeof(n2));
	human(r->pps, n3, sizeof(n3));
	human(r->bps, n4, sizeof(n4));
	switch (tp->view) {
	case V_FLOWS: {
		const struct pl_flow_key *k = key;
		const char *p = pl_proto_name(k->proto, pb, sizeof(pb));

		mvprintw(y, 0, "%-5.5s", strcmp(p, "ipv6-icmp") ? p : "icmp6");
		flow_end(a, sizeof(a), k, k->src, k->sport);
		put_cut(y, 6, a, 22);
		flow_end(b, sizeof(b), k, k->dst, k->dport);
		put_cut(y, 29, b, 22);
		mvprintw(y, 52, "%6s %6s %6s %6s", n1, n2, n3, n4);
		break;
	}
	case V_SOURCES: {
		const struct pl_src_key *k = key;

		put_cut(y, 0, pl_addr_str(k->ip_ver, k->addr, a, sizeof(a)), 39);
		human((double)r->syns, a, sizeof(a));
		mvprintw(y, 40, "%6s %6s %6s %6s %6s", n1, n2, a, n3, n4);
		break;
	}
	case V_PORTS: {
		const struct pl_port_key *k = key;

		mvprintw(y, 0, "%-5s %5u", pl_proto_name(k->proto, pb, sizeof(pb)), k->port);
		mvprintw(y, 40, "%6s %6s %6s %6s", n1, n2, n3, n4);
		break;
	}
	case V_SNIS: {
		const struct sni_key *k = key;
		char shown[PL_ESC_ROOM(PL_NAME_MAX) + 8];

		put_cut(y, 0,
			pl_escape(shown, sizeof(shown), k->name.name, pl_name_len(k->name.name), 0),
			52);
		mvprintw(y, 53, "%-5s %6s %6s", k->quic ? "quic" : "tcp", n1, n3);
		break;
	}
	default: {
		const struct pl_name_key *k = key;
		char shown[PL_ESC_ROOM(PL_NAME_MAX) + 8];

		/* names are data: escaped as in the text records */
		put_cut(y, 0, pl_escape(shown, sizeof(shown), k->name, pl_name_len(k->name), 0),
			58);
		mvprintw(y, 59, "%6s %6s", n1, n3);
	}
	}
}

static void draw(struct top *tp)
{
	static const char *const heads[V__COUNT] = {
		[V_FLOWS] = "PROTO SOURCE                 DESTINATION            PACKETS  BYTES  "
			    "PKT/S  BIT/S",
		[V_SOURCES] = "SOURCE                                  PACKETS  BYTES   SYNS  "
			      "PKT/S  BIT/S",
		[V_PORTS] = "PROTO  PORT                             PACKETS  BYTES  PKT/S  BIT/S",
		[V_SNIS] = "TLS SERVER NAME (ClientHellos)                       OVER  PACKETS  "
			   "PKT/S",
		[V_DNS] = "DNS QUERY NAME (messages)                                  PACKETS  "
			  "PKT/S",
		[V_HTTP] = "HTTP HOST (requests)                                       PACKETS  "
			   "PKT/S",
	};
	struct view_state *v = &tp->v[tp->view];
	int rows = LINES - 4, i, x;
	char n1[16], n2[16], clock[16];
	time_t now = time(NULL);
	struct tm tm;
	uint32_t max;

	if (rows > ROWS_MAX)
		rows = ROWS_MAX;
	erase();
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	attron(A_REVERSE);
	mvprintw(0, 0, "%-*s", COLS, "");
	mvprintw(0, 0, " pktlens top  %s  %s pkt/s  %s bit/s  %s", tp->ifs.names[0],
		 human(tp->pps, n1, sizeof(n1)), human(tp->bps, n2, sizeof(n2)), clock);
	attroff(A_REVERSE);
	for (i = 0, x = 0; i < V__COUNT; i++) {
		if (i == (int)tp->view)
			attron(A_REVERSE | A_BOLD);
		mvprintw(1, x, " %d %s ", i + 1, view_tabs[i]);
		if (i == (int)tp->view)
			attroff(A_REVERSE | A_BOLD);
		x += (int)strlen(view_tabs[i]) + 4;
	}
	mvprintw(1, x + 1, "sort: %s", sort_names[tp->sort]);
	attron(A_BOLD);
	mvprintw(2, 0, "%s", heads[tp->view]);
	attroff(A_BOLD);
	for (i = 0; i < rows && (size_t)i < v->cur.n; i++)
		draw_row(tp, 3 + i, &v->cur, &v->cur.rows[i]);
	if (!v->cur.n)
		mvprintw(3, 0, "(nothing yet)");
	max = tp->view == V_SNIS ? pl_flowtab_max_entries(&tp->t, PL_TBL_QUIC_SNIS) : 0;
	max += pl_flowtab_max_entries(&tp->t, tp->view == V_FLOWS     ? -1
					     : tp->view == V_SOURCES ? PL_TBL_SOURCES
					     : tp->view == V_PORTS   ? PL_TBL_PORTS
					     : tp->view == V_SNIS    ? PL_TBL_SNIS
					     : tp->view == V_DNS     ? PL_TBL_DNS
								     : PL_TBL_HTTP);
	attron(A_REVERSE);
	mvprintw(LINES - 1, 0, "%-*s", COLS, "");
	mvprintw(LINES - 1, 0, " %ld/%u entries  %s  1-6 Tab view  p b r sort  q quit", v->entries,
		 max, tp->err ? tp->err : "");
	attroff(A_REVERSE);
	refresh();
}

static void sort_view(struct top *tp)
{
	struct view_state *v = &tp->v[tp->view];

	qsort_r(v->cur.rows, v->cur.n, sizeof(struct row), cmp_sort, &tp->sort);
}

/* Returns false to quit. */
static bool key(struct top *tp, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case '\t':
	case KEY_RIGHT:
		tp->view = (tp->view + 1) % V__COUNT;
		break;
	case KEY_BTAB:
	case KEY_LEFT:
		tp->view = (tp->view + V__COUNT - 1) % V__COUNT;
		break;
	case 'p':
		tp->sort = S_PACKETS;
		break;
	case 'b':
		tp->sort = S_BYTES;
		break;
	case 'r':
		tp->sort = S_RATE;
		break;
	default:
		if (ch >= '1' && ch < '1' + V__COUNT)
			tp->view = (enum view)(ch - '1');
	}
	return true;
}

int cmd_top(struct pl_opts *o)
{
	static struct top tp;
	static struct pl_filter filter;
	struct pl_flowtab_cfg cfg;
	struct packet_bpf *skel = NULL;
	SCREEN *scr = NULL;
	uint64_t idle_ns, start, next;
	int ret, i, ch;
	bool opened = false, run = true;

	ret = pl_opts_compile_filter(o, &filter);
	if (ret)
		return ret;
	ret = pl_resolve_ifaces(o, "top", &tp.ifs);
	if (ret)
		return ret;
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		pl_err("top needs a terminal; for records to a pipe or file use 'pktlens flows'");
		return PL_EXIT_USAGE;
	}
	ret = pl_check_btf();
	if (ret)
		return ret;
	pl_log_setup_libbpf();

	pl_flowtab_cfg_opts(&cfg, o,
			    PL_FLOW_TABLE | PL_FLOW_SOURCES | PL_FLOW_PORTS | PL_FLOW_NAMES |
				    PL_FLOW_IFACES);
	cfg.quic = true; /* the SNIs of QUIC connections too */
	cfg.ifs = &tp.ifs;
	idle_ns = (uint64_t)((o->idle_timeout ? o->idle_timeout : PL_IDLE_TIMEOUT_DEFAULT) * 1e9);

	ret = pl_flowtab_load(&filter, &cfg, NULL, NULL, &skel, &tp.t);
	if (ret)
		return ret;
	opened = true;
	for (i = 0; i < V__COUNT; i++) {
		size_t ksz = i == V_FLOWS     ? sizeof(struct pl_flow_key)
			     : i == V_SOURCES ? sizeof(struct pl_src_key)
			     : i == V_PORTS   ? sizeof(struct pl_port_key)
			     : i == V_SNIS    ? sizeof(struct sni_key)
					      : sizeof(struct pl_name_key);

		tp.v[i].cur.ksz = tp.v[i].prev.ksz = ksz;
	}
	ret = pl_attach_all(skel, &tp.ifs, o->mode);
	if (!ret)
		ret = pl_ifaces_follow(&tp.ifs, o->reattach);
	if (ret)
		goto cleanup;

	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		pl_err("cannot use this terminal (TERM=%s); set TERM, e.g. TERM=xterm",
		       getenv("TERM") ? getenv("TERM") : "");
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	start = next = pl_clock_ns(CLOCK_MONOTONIC);
	while (run && !stop_requested) {
		uint64_t now = pl_clock_ns(CLOCK_MONOTONIC);

		if (o->duration && (double)(now - start) / 1e9 >= o->duration)
			break;
		if (now >= next) {
			next = now + 1000000000ull;
			if (read_tables(&tp, idle_ns)) {
				tp.err = "(reading the tables failed)";
			} else {
				tp.err = NULL;
			}
			sort_view(&tp);
			draw(&tp);
		}
		/* link changes that came (getch below waits for keys), the QUIC
		 * Initials (read at least every 100 ms, getch's timeout) */
		pl_ifaces_wait(&tp.ifs, -1, 0);
		if (pl_flowtab_poll(&tp.t) < 0)
			tp.err = "(reading the ring buffer failed)";
		if (pl_ifaces_status(&tp.ifs)) {
			ret = pl_ifaces_status(&tp.ifs);
			break;
		}
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			draw(&tp);
			continue;
		}
		run = key(&tp, ch);
		sort_view(&tp);
		draw(&tp);
	}

cleanup:
	if (scr) {
		endwin();
		delscreen(scr);
	}
	pl_ifaces_close(&tp.ifs);
	for (i = 0; i < V__COUNT; i++) {
		snap_free(&tp.v[i].cur);
		snap_free(&tp.v[i].prev);
	}
	if (opened)
		pl_flowtab_close(&tp.t);
	packet_bpf__destroy(skel);
	return ret;
}
