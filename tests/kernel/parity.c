// SPDX-License-Identifier: BSD-2-Clause
/*
 * Parity: for every packet of the given captures, the record the BPF
 * programs produce through BPF_PROG_TEST_RUN must be byte-identical to the
 * host parser's record. Runs both the XDP and the TC program.
 *
 * Then the same with filters[] compiled into the programs: the kernel
 * emits a record exactly for the frames the host's filter matches (the
 * kernel runs a header-only filter before it parses, on a shorter window),
 * and that record is the host's. Each filter must match some frames of the
 * captures and miss others, or it proves nothing.
 *
 * Last, the programs as flows and top load them (flow and name tables, no
 * records, the parse narrowed to what the tables read): their SNI, DNS
 * and HTTP Host tables must hold exactly the names, with the counts, that
 * the host parser's whole parse finds in the same frames, and their flow
 * table the flows, values and first names of read --flows' host table
 * (src/runtime/hostflows.c) over the same frames.
 *
 * usage: parity FILE.pcap...   (prints PASS/FAIL per file; exit 1 on any FAIL)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/packet_skel.h"
#include "filter/filter.h"
#include "filter/cbpf.h"
#include "parse/parse.h"
#include "records/record.h"
#include "records/flow_record.h"
#include "records/flow_key.h"
#include "runtime/hostflows.h"
#include "runtime/percpu.h"
#include "util/htab.h"
#include "frames.h"
#include "../unit/quic_seal.h"

/* the host's DNS matching, as read does it */
#define pl_dns_tab_find(tab, k) ((struct pl_dns_pending *)pl_htab_find((tab), (k)))
#define pl_dns_tab_put(tab, k, v) \
	memcpy(pl_htab_get((tab), (k)), (v), sizeof(struct pl_dns_pending))
#define pl_dns_tab_del(tab, k) pl_htab_del((tab), (k))
#include "records/dns_match.h"

struct got {
	int n;
	struct pl_packet_event ev;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	if (!pl_packet_event_get(&g->ev, data, size))
		g->n++;
	return 0;
}

static void describe_diff(const struct pl_pkt *a, const struct pl_pkt *b)
{
	const unsigned char *x = (const void *)a, *y = (const void *)b;
	size_t i;

	for (i = 0; i < sizeof(*a); i++) {
		if (x[i] != y[i]) {
			fprintf(stderr,
				"    first difference at byte %zu of struct pl_pkt: kernel 0x%02x "
				"host 0x%02x\n",
				i, x[i], y[i]);
			return;
		}
	}
}

/* Header-only (run before the parse), byte tests and L7 terms. */
static const char *const filters[] = {
	"tcp port 443",
	"udp and not port 53",
	"ip6",
	"vlan and tcp",
	"host 198.18.0.1 or arp",
	"greater 200",
	"src net 192.168.0.0/16 and (tcp or udp)",
	"icmp or icmp6",
	"tcp[tcpflags] & tcp-syn != 0",
	"dns.qry.name ~ \"a\" or tls.sni ~ \"e\"",
	"tcp and http.request.method == \"GET\"",
	/* tunnels: tests of the record's tunnel and inner headers */
	"vxlan 1234 or gre",
	"inner tcp port 443 or inner host 2001:db8::1",
	"mpls and inner tcp",
};
#define N_FILTERS (sizeof(filters) / sizeof(filters[0]))

/* Runs one frame; the host's verdict is `want` records (0 or 1). */
/* L3 frames run in tc as received on this ifindex, which the programs'
 * link_types table maps to the frame's framing (the XDP path is
 * Ethernet's alone: L3 devices get tcx) */
#define L3_IFINDEX 4000

static int set_l3_slot(struct packet_bpf *skel, int linktype)
{
	__u32 k = L3_IFINDEX % PL_LINK_SLOTS;
	struct pl_link_slot slot = { .ifindex = L3_IFINDEX, .linktype = (__u32)linktype };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.link_types), &k, &slot, 0);
}

static int run_one(struct ring_buffer *rb, struct got *g, int prog_fd,
		   const struct pl_filter *filter, const struct frame *f, const char *what,
		   const char *file, int pktno)
{
	struct __sk_buff ctx = { .ingress_ifindex = L3_IFINDEX };
	const uint8_t *frame = f->data;
	size_t len = f->len;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = (__u32)len,
		    .repeat = 1);
	struct pl_pkt host;
	int err, want;

	if (f->linktype != PL_LINK_ETHERNET) {
		topts.ctx_in = &ctx;
		topts.ctx_size_in = sizeof(ctx);
	}
	g->n = 0;
	err = bpf_prog_test_run_opts(prog_fd, &topts);
	if (err && errno == EINVAL && !strcmp(what, "tc")) {
		/* test_run for skbs insists on a whole L3 header (it pulls it
		 * before the program runs); the XDP run covered this frame */
		fprintf(stderr,
			"  %s #%d: tc test_run refuses a frame with a short L3 header; compared "
			"through xdp only\n",
			file, pktno);
		return 0;
	}
	if (err) {
		fprintf(stderr, "  %s #%d: %s test_run failed: %s\n", file, pktno, what,
			strerror(errno));
		return -1;
	}
	ring_buffer__consume(rb);
	want = pl_parse_frame_match(&host, filter, (enum pl_linktype)f->linktype, frame,
				    (uint32_t)len, (uint32_t)len);
	if (g->n != want) {
		fprintf(stderr, "  %s #%d: %s gave %d records, the host filter says %d\n", file,
			pktno, what, g->n, want);
		return -1;
	}
	if (want && memcmp(&host, &g->ev.pkt, sizeof(host))) {
		fprintf(stderr, "  %s #%d: %s record differs from the host parser's\n", file, pktno,
			what);
		describe_diff(&g->ev.pkt, &host);
		return -1;
	}
	return want;
}

/* The programs with `filter` (NULL: none) over every frame of every file;
 * the number of frames the filter matched in *matched (-1 on failure). */
static int run_files(struct packet_bpf *skel, const struct pl_filter *filter, int nfiles,
		     char **files, const char *label, long *matched, long *total)
{
	struct ring_buffer *rb;
	struct got g = { 0 };
	int i, k, r, failed = 0;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &g, NULL);
	if (!rb)
		return -1;
	*matched = *total = 0;
	for (i = 0; i < nfiles; i++) {
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		struct frame *frames = NULL;
		/* a filter's header tests are libpcap's for Ethernet: L3
		 * framings run without a filter only */
		int n = filter ? read_frames(files[i], &frames) : read_frames_l3(files[i], &frames);
		int bad = 0, l3 = 0;

		for (k = 0; k < n; k++) {
			if (frames[k].linktype != PL_LINK_ETHERNET) {
				l3++;
				bad += set_l3_slot(skel, frames[k].linktype) != 0;
				r = run_one(rb, &g, bpf_program__fd(skel->progs.pktlens_tc), filter,
					    &frames[k], "tc", base, k + 1);
				bad += r < 0;
				*matched += r > 0;
				continue;
			}
			r = run_one(rb, &g, bpf_program__fd(skel->progs.pktlens_xdp), filter,
				    &frames[k], "xdp", base, k + 1);
			bad += r < 0;
			*matched += r > 0;
			r = run_one(rb, &g, bpf_program__fd(skel->progs.pktlens_tc), filter,
				    &frames[k], "tc", base, k + 1);
			bad += r < 0;
		}
		free(frames);
		*total += n > 0 ? n : 0;
		if (n < 0)
			bad++;
		if (!filter && l3)
			printf("%s parity %s (%d packets starting at L3, tc from its link type)\n",
			       bad ? "FAIL" : "PASS", base, n);
		else if (!filter)
			printf("%s parity %s (%d packets, xdp and tc)\n", bad ? "FAIL" : "PASS",
			       base, n);
		else if (bad)
			fprintf(stderr, "  filter '%s': %d differences in %s\n", label, bad, base);
		failed += bad != 0;
	}
	ring_buffer__free(rb);
	return failed;
}

/* The packet programs with f spliced in, loaded; NULL if the kernel or
 * the splice refuses them (the reason printed). on_copy: TC runs the
 * filter's libpcap blocks on the copied window, not on the skb. */
static struct packet_bpf *load_with(const struct pl_filter *f, const char *expr, bool on_copy)
{
	struct packet_bpf *skel = packet_bpf__open();
	char err[256];

	if (!skel)
		return NULL;
	memcpy((void *)&skel->rodata->filter, f, sizeof(*f));
	skel->rodata->tc_blocks_on_copy = on_copy;
	if (pl_filter_splice(skel->obj, f, err, sizeof(err))) {
		printf("parity: filter '%s': %s\n", expr, err);
		packet_bpf__destroy(skel);
		return NULL;
	}
	if (packet_bpf__load(skel)) {
		printf("parity: filter '%s': the kernel refuses it: %s\n", expr, strerror(errno));
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* QUIC: what the kernel sends up of RFC 9001's client Initial as watch
 * loads it (quic_initials): the whole frame when the filter may take it
 * once decrypted, and then user space decides, as watch does. */
struct quic_got {
	int frames, records;
};

static int on_quic(void *ctx, void *data, size_t size)
{
	struct quic_got *q = ctx;
	__u16 type;

	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type));
	q->frames += type == PL_EV_QUIC_FRAME;
	q->records += type == PL_EV_PACKET;
	return 0;
}

static int check_quic(int *passed)
{
	static const struct {
		const char *filter;
		uint16_t sport;
		int frames, kept; /* sent up whole; kept by user space */
	} cases[] = {
		{ "tls.sni == \"example.com\"", 50000, 1, 1 },
		{ "tls.sni == \"other.example\"", 50000, 1, 0 },
		{ "not tls.sni == \"example.com\" and udp", 50000, 1, 0 },
		{ "tls.sni == \"example.com\" and udp port 53", 50000, 0, 0 },
		{ "tls.handshake.version >= 0x0303 or tcp", 50000, 1, 1 },
		{ "udp port 443", 50000, 1, 1 },
		/* from 443: a server's Initial, a record as any other packet */
		{ "tls.sni == \"example.com\"", 443, 0, 0 },
	};
	static uint8_t dgram[1200], frame[1300];
	int failed = 0;
	size_t i, n;

	unhex(rfc_initial_hex, dgram);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct packet_bpf *skel = packet_bpf__open();
		struct quic_got q = { 0 };
		struct ring_buffer *rb = NULL;
		struct pl_filter f = { 0 };
		struct pl_pkt host;
		char err[256];
		int col, kept = 0;

		n = wrap_udp(frame, dgram, sizeof(dgram), cases[i].sport,
			     cases[i].sport == 443 ? 50000 : 443);
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = (__u32)n,
			    .repeat = 1);
		if (!skel || pl_filter_compile(cases[i].filter, &f, err, sizeof(err), &col)) {
			printf("FAIL parity quic '%s': %s\n", cases[i].filter, skel ? err : "open");
			failed++;
			packet_bpf__destroy(skel);
			continue;
		}
		skel->rodata->quic_initials = 1;
		memcpy((void *)&skel->rodata->filter, &f, sizeof(f));
		if (pl_filter_splice(skel->obj, &f, err, sizeof(err)) || packet_bpf__load(skel) ||
		    !(rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_quic, &q, NULL)) ||
		    bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pktlens_xdp), &topts)) {
			printf("FAIL parity quic '%s': cannot load or run: %s\n", cases[i].filter,
			       strerror(errno));
			failed++;
			ring_buffer__free(rb);
			packet_bpf__destroy(skel);
			continue;
		}
		ring_buffer__consume(rb);
		/* user space: the decrypting parse and the whole filter */
		pl_parse_set_quic_decrypt(true);
		if (q.frames)
			kept = pl_parse_frame_match(&host, &f, PL_LINK_ETHERNET, frame, (uint32_t)n,
						    (uint32_t)n);
		pl_parse_set_quic_decrypt(false);
		if (q.frames != cases[i].frames || kept != cases[i].kept || q.records) {
			printf("FAIL parity quic '%s' from port %u: %d frames up (want %d), %d kept "
			       "(want %d), %d records\n",
			       cases[i].filter, cases[i].sport, q.frames, cases[i].frames, kept,
			       cases[i].kept, q.records);
			failed++;
		} else {
			printf("PASS parity quic '%s' from port %u: %d sent up whole, %d kept\n",
			       cases[i].filter, cases[i].sport, q.frames, kept);
			(*passed)++;
		}
		ring_buffer__free(rb);
		packet_bpf__destroy(skel);
	}
	return failed;
}

/* What one process of parity --filters found in its share. */
struct filter_counts {
	long loaded, some, bad;
};

/* The expressions of list that the compiler takes, every `every`-th of
 * those, and of these the job-th of each `jobs`: loaded and run on files. */
static void filters_share(const char *list, long every, int job, int jobs, int nfiles,
			  char **files, struct filter_counts *c)
{
	static struct pl_filter f;
	FILE *in = fopen(list, "r");
	char line[1024], err[256];
	long matched, total, n_taken = 0, k = 0;
	int col;

	if (!in) {
		printf("    cannot open %s\n", list);
		c->bad++;
		return;
	}
	while (fgets(line, sizeof(line), in)) {
		struct packet_bpf *skel;

		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#' ||
		    pl_filter_compile(line, &f, err, sizeof(err), &col))
			continue; /* refused: tests/filter/accept.sh checks why */
		if (every > 1 && n_taken++ % every)
			continue;
		if (k++ % jobs != job)
			continue;
		/* TC's two ways to run the blocks, on alternate expressions */
		skel = load_with(&f, line, c->loaded % 2);
		if (!skel) {
			c->bad++;
			continue;
		}
		c->loaded++;
		if (run_files(skel, &f, nfiles, files, line, &matched, &total)) {
			printf("    filter '%s': the kernel and the host differ\n", line);
			c->bad++;
		}
		c->some += matched > 0 && matched < total;
		packet_bpf__destroy(skel);
	}
	fclose(in);
}

/*
 * parity --filters FILE CAPTURE...: every expression of FILE that the
 * compiler takes (tests/filter/expressions.txt) loads into the kernel, in
 * XDP and TC, and selects there what the host selects on every frame.
 * The verifier's time is most of the cost: PARITY_JOBS processes (2 by
 * default, the machine's cores) share the expressions.
 */
static int filters_from(const char *list, int nfiles, char **files)
{
	/* PARITY_EVERY=N: every Nth accepted expression (make test takes a
	 * slice) */
	long every = getenv("PARITY_EVERY") ? atol(getenv("PARITY_EVERY")) : 1;
	int jobs = getenv("PARITY_JOBS") ? atoi(getenv("PARITY_JOBS")) : 2;
	struct filter_counts total = { 0 }, c;
	pid_t pid[16];
	int fd[16], j, status;

	if (jobs < 1 || jobs > 16)
		jobs = 1;
	fflush(stdout);
	fflush(stderr);
	for (j = 1; j < jobs; j++) {
		int p[2];

		if (pipe(p) || (pid[j] = fork()) < 0) {
			printf("FAIL parity filters: cannot start process %d: %s\n", j,
			       strerror(errno));
			return 1;
		}
		if (!pid[j]) {
			close(p[0]);
			memset(&c, 0, sizeof(c));
			filters_share(list, every, j, jobs, nfiles, files, &c);
			fflush(stdout);
			fflush(stderr);
			_exit(write(p[1], &c, sizeof(c)) == sizeof(c) ? 0 : 1);
		}
		close(p[1]);
		fd[j] = p[0];
	}
	filters_share(list, every, 0, jobs, nfiles, files, &total);
	fflush(stdout);
	for (j = 1; j < jobs; j++) {
		memset(&c, 0, sizeof(c));
		if (read(fd[j], &c, sizeof(c)) != sizeof(c) || waitpid(pid[j], &status, 0) != pid[j] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("    process %d of %d did not finish its share\n", j, jobs);
			c.bad++;
		}
		close(fd[j]);
		total.loaded += c.loaded;
		total.some += c.some;
		total.bad += c.bad;
	}
	printf("%s parity filters from %s (%ld loaded, every %ld of those it takes; %ld selecting "
	       "some but not all frames, %ld refused by the kernel or different)\n",
	       total.bad || !total.some ? "FAIL" : "PASS", list, total.loaded, every, total.some,
	       total.bad);
	return total.bad || !total.some;
}

/* ---- the name tables of a narrowed parse ---- */

#define MAX_NAMES 4096

struct name_count {
	int kind; /* enum pl_name_kind */
	char name[PL_NAME_MAX];
	unsigned long long packets;
};

struct names {
	int n;
	struct name_count e[MAX_NAMES];
};

/* Adds `times` packets for the name of that kind (len bytes). */
static int add_name(struct names *t, int kind, const char *name, size_t len,
		    unsigned long long times)
{
	char key[PL_NAME_MAX] = { 0 };
	int i;

	memcpy(key, name, len < PL_NAME_MAX ? len : PL_NAME_MAX);
	for (i = 0; i < t->n; i++)
		if (t->e[i].kind == kind && !memcmp(t->e[i].name, key, sizeof(key))) {
			t->e[i].packets += times;
			return 0;
		}
	if (t->n == MAX_NAMES)
		return -1;
	t->e[t->n].kind = kind;
	memcpy(t->e[t->n].name, key, sizeof(key));
	t->e[t->n++].packets = times;
	return 0;
}

/* The name the tables count for a record (flow_key.h, as the kernel picks it). */
static int host_name(const struct pl_pkt *p, const char **name, size_t *len)
{
	__u32 n;
	int kind = (int)pl_flow_name_of(p, name, &n);

	*len = n;
	return n ? kind : 0;
}

static int kernel_names(struct names *t, struct bpf_map *map, int kind)
{
	__u64 key, next, *prev = NULL;
	struct pl_name_val v;
	int fd = bpf_map__fd(map);

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) ||
		    add_name(t, kind, v.name, strnlen(v.name, PL_NAME_MAX), v.packets))
			return -1;
	}
	return 0;
}

/* The flows program, with its per-CPU caches when `cache`, as flowtab.c
 * turns them on. */
static struct packet_bpf *load_as_flows(bool cache)
{
	struct packet_bpf *skel = packet_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->emit_records = 0;
	skel->rodata->flow_flags =
		PL_FLOW_TABLE | PL_FLOW_SOURCES | PL_FLOW_NAMES | PL_FLOW_PORTS | PL_FLOW_ATOMIC;
	bpf_map__set_max_entries(skel->maps.sources, 65536);
	if (cache)
		pl_flow_caches_on(skel);
	bpf_map__set_max_entries(skel->maps.ports, PL_PORT_SLOTS);
	/* what pl_load_packet() sets for flows and top */
	skel->rodata->parse_parts = pl_parse_parts(false, skel->rodata->flow_flags, NULL);
	bpf_map__set_max_entries(skel->maps.flows, 65536);
	bpf_map__set_max_entries(skel->maps.flow_names, MAX_NAMES);
	bpf_map__set_max_entries(skel->maps.snis, MAX_NAMES);
	bpf_map__set_max_entries(skel->maps.dns_names, MAX_NAMES);
	bpf_map__set_max_entries(skel->maps.http_hosts, MAX_NAMES);
	if (packet_bpf__load(skel)) {
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* A flow as both tables should hold it: no times (the kernel's clock is
 * not the frames'), the interface left out (xdp and tc runs see different
 * ones; the host counts each frame once per run). */
struct flow_cmp {
	__u64 packets, bytes;
	__u32 tcp_flags;
	__u8 ttl_min, ttl_max, has_name, has_handshake;
	struct pl_flow_name name;
};

static void add_flow(struct pl_htab *t, struct pl_flow_key k, const struct pl_flow_val *v,
		     const struct pl_flow_name *name)
{
	struct flow_cmp *c;
	bool fresh;

	k.ifindex = 0;
	fresh = !pl_htab_find(t, &k);
	c = pl_htab_get(t, &k);
	if (fresh || v->ttl_min < c->ttl_min)
		c->ttl_min = v->ttl_min;
	if (v->ttl_max > c->ttl_max)
		c->ttl_max = v->ttl_max;
	c->packets += v->packets;
	c->bytes += v->bytes;
	c->tcp_flags |= v->tcp_flags;
	c->has_handshake |= v->handshake_us != 0;
	if (name && name->kind && !c->has_name) {
		c->name = *name;
		c->has_name = 1;
	}
}

static void on_host_flow(void *ctx, const struct pl_flow *f, enum pl_flow_end why)
{
	(void)why;
	add_flow(ctx, f->key, &f->val, &f->name);
}

static int kernel_flows(struct pl_htab *t, struct packet_bpf *skel)
{
	__u64 key, next, *prev = NULL;
	struct pl_flow_entry e;
	struct pl_flow_name name;
	int fd = bpf_map__fd(skel->maps.flows), nfd = bpf_map__fd(skel->maps.flow_names);

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e))
			return -1;
		/* the table's key is the hash of the flow it holds */
		if (pl_flow_hash(&e.key) != key)
			return -1;
		if (bpf_map_lookup_elem(nfd, &key, &name))
			memset(&name, 0, sizeof(name));
		add_flow(t, e.key, &e.val, &name);
	}
	return 0;
}

/* The kernel's flow table (summed in `got`) against the host's (`want`). */
static int compare_flows(struct pl_htab *want, struct pl_htab *got, const char *how)
{
	uint32_t i, named = 0, handshakes = 0;

	for (i = 0; i < want->n; i++) {
		const struct pl_flow_key *k = pl_htab_key(want, i);
		const struct flow_cmp *w = pl_htab_val(want, i), *g = pl_htab_find(got, k);

		named += w->has_name;
		handshakes += w->has_handshake;
		if (!g || memcmp(w, g, sizeof(*w))) {
			printf("FAIL parity flows: flow %u (proto %u, ports %u > %u): the host "
			       "counts %llu packets, %llu bytes, flags 0x%x, ttl %u-%u, handshake "
			       "%u, name '%.*s'; "
			       "the kernel %s%llu, %llu, 0x%x, %u-%u, %u, '%.*s'\n",
			       i, k->proto, k->sport, k->dport, (unsigned long long)w->packets,
			       (unsigned long long)w->bytes, w->tcp_flags, w->ttl_min, w->ttl_max,
			       w->has_handshake, 40, w->name.name, g ? "" : "has no such flow: ",
			       g ? (unsigned long long)g->packets : 0ull,
			       g ? (unsigned long long)g->bytes : 0ull, g ? g->tcp_flags : 0,
			       g ? g->ttl_min : 0, g ? g->ttl_max : 0, g ? g->has_handshake : 0,
			       40, g ? g->name.name : "");
			return 1;
		}
	}
	if (got->n != want->n || want->n == 0 || named == 0 || handshakes == 0) {
		printf("FAIL parity flows: the kernel's table holds %u flows, the host's %u (%u "
		       "named, %u with a handshake)\n",
		       got->n, want->n, named, handshakes);
		return 1;
	}
	printf("PASS parity flows (%s): the flows program's flow table holds read --flows' %u "
	       "flows (%u named, %u with a handshake), packet for packet\n",
	       how, want->n, named, handshakes);
	return 0;
}

/* One more packet of the host's parse in its ports array, as the kernel's
 * add_port() counts it. */
static void host_port(struct pl_port_val *ports, const struct pl_pkt *p, unsigned ran)
{
	__u32 slot = pl_pkt_port_slot(p);

	if (!(p->present & (PL_HAS_IP4 | PL_HAS_IP6)) || slot >= PL_PORT_SLOTS)
		return;
	ports[slot].packets += ran;
	ports[slot].bytes += (__u64)ran * p->frame_len;
}

/* One more packet of the host's parse in its sources table, as the
 * kernel's add_source() counts it. */
static void host_source(struct pl_htab *t, const struct pl_pkt *p, unsigned ran)
{
	struct pl_src_key k;
	struct pl_src_val *v;

	if (!(p->present & (PL_HAS_IP4 | PL_HAS_IP6)))
		return;
	memset(&k, 0, sizeof(k));
	pl_src_key_of((p->present & PL_HAS_IP6) ? 6 : 4, p->ip_src, &k);
	v = pl_htab_get(t, &k);
	v->packets += ran;
	v->bytes += (__u64)ran * p->frame_len;
	v->syns += ran * pl_pkt_syn(p);
}

/* The kernel's sources table against the host's. */
static int compare_sources(struct pl_htab *want, struct packet_bpf *skel, const char *how)
{
	int fd = bpf_map__fd(skel->maps.sources);
	__u64 key, next, *prev = NULL;
	struct pl_src_entry e;
	uint32_t got = 0, i;
	__u64 syns = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const struct pl_src_val *w;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e) || pl_src_hash(&e.key) != key)
			return 1;
		w = pl_htab_find(want, &e.key);
		if (!w || memcmp(w, &e.val, sizeof(*w))) {
			printf("FAIL parity sources (%s): a source (IPv%u): the host counts %llu "
			       "packets, %llu bytes, %llu SYNs; the kernel %llu, %llu, %llu\n",
			       how, e.key.ip_ver, w ? (unsigned long long)w->packets : 0ull,
			       w ? (unsigned long long)w->bytes : 0ull,
			       w ? (unsigned long long)w->syns : 0ull,
			       (unsigned long long)e.val.packets, (unsigned long long)e.val.bytes,
			       (unsigned long long)e.val.syns);
			return 1;
		}
		got++;
	}
	for (i = 0; i < want->n; i++)
		syns += ((const struct pl_src_val *)pl_htab_val(want, i))->syns;
	if (got != want->n || got < 2 || !syns) {
		printf("FAIL parity sources (%s): the kernel's table holds %u sources, the host's "
		       "%u (%llu SYNs)\n",
		       how, got, want->n, (unsigned long long)syns);
		return 1;
	}
	printf("PASS parity sources (%s): the sources table holds the host's %u sources, packet, "
	       "byte and SYN for each\n",
	       how, got);
	return 0;
}

/* The kernel's ports array, mapped as top maps it, against the host's. */
static int compare_ports(const struct pl_port_val *want, struct packet_bpf *skel,
			 const char *how)
{
	size_t size = (size_t)PL_PORT_SLOTS * sizeof(*want);
	const struct pl_port_val *got =
		mmap(NULL, size, PROT_READ, MAP_SHARED, bpf_map__fd(skel->maps.ports), 0);
	__u32 i, used = 0;
	int bad = 0;

	if (got == MAP_FAILED) {
		printf("FAIL parity ports: cannot map the ports array: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < PL_PORT_SLOTS && !bad; i++) {
		struct pl_port_key k = pl_port_key_of_slot(i);

		used += want[i].packets != 0;
		if (got[i].packets != want[i].packets || got[i].bytes != want[i].bytes) {
			printf("FAIL parity ports: proto %u port %u: the host counts %llu packets, "
			       "%llu bytes; the kernel %llu, %llu\n",
			       k.proto, k.port, (unsigned long long)want[i].packets,
			       (unsigned long long)want[i].bytes, (unsigned long long)got[i].packets,
			       (unsigned long long)got[i].bytes);
			bad = 1;
		}
	}
	munmap((void *)got, size);
	if (!bad && used < 2) {
		printf("FAIL parity ports: the frames reach only %u ports\n", used);
		bad = 1;
	}
	if (!bad)
		printf("PASS parity ports (%s): the ports array holds the host's %u destination "
		       "ports, packet for packet and byte for byte\n",
		       how, used);
	return bad;
}

/* Every frame through xdp and tc of the flows program; then its name
 * tables against the host's whole parse of the frames that ran, and its
 * flow table and ports array against the host's. */
static int check_names(int nfiles, char **files, bool cache)
{
	static struct names want, got;
	struct packet_bpf *skel = load_as_flows(cache);
	const char *how = cache ? "per-CPU caches, drained" : "no caches";
	struct pl_hostflows *hf = NULL;
	struct pl_htab host_flows, kern_flows, host_sources;
	struct pl_port_val *host_ports = calloc(PL_PORT_SLOTS, sizeof(*host_ports));
	int i, k, j, err = 0, ran, r;
	const char *name;
	size_t len;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	if (!skel) {
		printf("FAIL parity names (%s): cannot load the flows program: %s\n", how,
		       strerror(errno));
		return 1;
	}
	if (pl_htab_init(&host_flows, sizeof(struct pl_flow_key), sizeof(struct flow_cmp), 65536) ||
	    pl_htab_init(&kern_flows, sizeof(struct pl_flow_key), sizeof(struct flow_cmp), 65536) ||
	    pl_htab_init(&host_sources, sizeof(struct pl_src_key), sizeof(struct pl_src_val), 65536))
		err = 1;
	/* no timeout ends a flow: the frames carry no times */
	hf = pl_hostflows_new(65536, ~0ull, ~0ull, on_host_flow, &host_flows);
	err = err || !hf || !host_ports;
	for (i = 0; i < nfiles && !err; i++) {
		struct frame *frames = NULL;
		int n = read_frames(files[i], &frames);

		for (k = 0; k < n && !err; k++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[k].data,
				    .data_size_in = (__u32)frames[k].len, .repeat = 1);
			struct pl_pkt host;
			int kind;

			ran = !bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pktlens_xdp), &o);
			/* tc's test_run refuses frames with a short L3 header */
			ran += !bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pktlens_tc), &o);
			pl_parse_frame(&host, PL_LINK_ETHERNET, frames[k].data,
				       (uint32_t)frames[k].len, (uint32_t)frames[k].len);
			kind = host_name(&host, &name, &len);
			if (kind && ran)
				err = add_name(&want, kind, name, len, (unsigned long long)ran);
			for (r = 0; r < ran; r++)
				pl_hostflows_packet(hf, &host, 1);
			if (ran) {
				host_port(host_ports, &host, (unsigned)ran);
				host_source(&host_sources, &host, (unsigned)ran);
			}
		}
		free(frames);
		err = err || n < 0;
	}
	/* the caches' counts into the tables, as flows and top do first */
	if (!err && pl_drain_percpu(skel)) {
		printf("FAIL parity names (%s): cannot drain the caches\n", how);
		err = 1;
	}
	err = err || kernel_names(&got, skel->maps.snis, PL_NAME_SNI) ||
	      kernel_names(&got, skel->maps.dns_names, PL_NAME_DNS) ||
	      kernel_names(&got, skel->maps.http_hosts, PL_NAME_HTTP) ||
	      kernel_flows(&kern_flows, skel) || compare_ports(host_ports, skel, how) ||
	      compare_sources(&host_sources, skel, how);
	packet_bpf__destroy(skel);
	free(host_ports);
	if (!err) {
		pl_hostflows_finish(hf);
		err = compare_flows(&host_flows, &kern_flows, how);
	}
	pl_hostflows_free(hf);
	pl_htab_free(&host_flows);
	pl_htab_free(&kern_flows);
	pl_htab_free(&host_sources);
	if (err) {
		printf("FAIL parity names (%s): could not run the frames or read the tables, or "
		       "the flows differ\n",
		       how);
		return 1;
	}
	for (j = 0; j < want.n; j++) {
		for (k = 0; k < got.n; k++)
			if (got.e[k].kind == want.e[j].kind &&
			    !memcmp(got.e[k].name, want.e[j].name, PL_NAME_MAX))
				break;
		if (k == got.n || got.e[k].packets != want.e[j].packets) {
			printf("FAIL parity names (%s): '%.*s' (kind %d): the host counts %llu "
			       "packets, the kernel's table %llu\n",
			       how, PL_NAME_MAX, want.e[j].name, want.e[j].kind, want.e[j].packets,
			       k == got.n ? 0 : got.e[k].packets);
			return 1;
		}
	}
	/* no names at all would prove nothing */
	if (got.n != want.n || want.n == 0) {
		printf("FAIL parity names (%s): the kernel's tables hold %d names, the host found "
		       "%d\n",
		       how, got.n, want.n);
		return 1;
	}
	printf("PASS parity names (%s): the flows program's name tables (a narrowed parse) hold "
	       "the host's %d names\n",
	       how, want.n);
	return 0;
}

/*
 * --dns: the XDP program with the kernel's DNS matching, over every frame
 * of the files in order (its LRU map keeps the queries across runs), and
 * read's host matching over the same frames: the same responses are
 * matched, and apart from dns.time the records are the host parser's.
 */
static int check_dns(int nfiles, char **files)
{
	struct packet_bpf *skel = packet_bpf__open();
	struct pl_htab tab = { 0 };
	struct ring_buffer *rb = NULL;
	struct got g = { 0 };
	struct pl_pkt host;
	int i, k, n, bad = 0, matched = 0;
	__u64 dt, seq = 0;

	if (!skel)
		return 1;
	/* as pl_dns_prepare() does (runtime/skel_common.c is not linked here) */
	skel->rodata->dns_latency = 1;
	bpf_map__set_max_entries(skel->maps.dns_pending, PL_DNS_PENDING_ENTRIES);
	if (packet_bpf__load(skel) ||
	    pl_htab_init(&tab, sizeof(struct pl_dns_key), sizeof(struct pl_dns_pending),
			 PL_DNS_PENDING_ENTRIES) ||
	    !(rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &g, NULL))) {
		printf("FAIL parity dns: cannot load the programs with --dns: %s\n",
		       strerror(errno));
		packet_bpf__destroy(skel);
		pl_htab_free(&tab);
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		struct frame *frames = NULL;

		n = read_frames(files[i], &frames);
		for (k = 0; k < n; k++) {
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frames[k].data,
				    .data_size_in = (__u32)frames[k].len, .repeat = 1);

			g.n = 0;
			if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pktlens_xdp), &topts))
				continue;
			ring_buffer__consume(rb);
			pl_parse_frame(&host, PL_LINK_ETHERNET, frames[k].data,
				       (uint32_t)frames[k].len, (uint32_t)frames[k].len);
			pl_dns_match(&tab, &host, ++seq, &dt);
			if (g.n != 1 || !host.l7.dns.time_ns != !g.ev.pkt.l7.dns.time_ns) {
				fprintf(stderr, "  %s #%d: dns.time kernel %llu, host %llu\n",
					files[i], k + 1, (unsigned long long)g.ev.pkt.l7.dns.time_ns,
					(unsigned long long)host.l7.dns.time_ns);
				bad++;
				continue;
			}
			matched += host.l7.dns.time_ns != 0;
			if (host.present & PL_HAS_DNS)
				host.l7.dns.time_ns = g.ev.pkt.l7.dns.time_ns;
			if (memcmp(&host, &g.ev.pkt, sizeof(host))) {
				fprintf(stderr, "  %s #%d: --dns record differs\n", files[i], k + 1);
				describe_diff(&g.ev.pkt, &host);
				bad++;
			}
		}
		free(frames);
	}
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	pl_htab_free(&tab);
	if (bad || !matched) {
		printf("FAIL parity dns: %d frames differ, %d responses matched\n", bad, matched);
		return 1;
	}
	printf("PASS parity dns: the kernel's matching times the %d responses read's does\n",
	       matched);
	return 0;
}

/*
 * watch's frame batches: one 64-byte frame run REPEAT times through the
 * XDP program with frame_batches (runs of a test run come well under
 * PL_BATCH_GAP_NS apart), then once more after a pause, then the drain.
 * Every run must reach the ring once, in order, byte for byte, the first
 * PL_BATCH_AFTER on their own and most of the rest in batches; the
 * counters must say emitted for each, and the frame after the pause must
 * go up on its own.
 */
#define BATCH_REPEAT 2000
struct batch_got {
	const unsigned char *frame;
	__u32 len;
	unsigned frames, alone, batches, bad;
	__u64 last_ts;
};

static void batch_frame_got(struct batch_got *g, const unsigned char *rec, size_t size)
{
	struct pl_frame_event fe;

	memcpy(&fe, rec, sizeof(fe));
	if (fe.type != PL_EV_FRAME || fe.frame_len != g->len || size < sizeof(fe) + g->len ||
	    memcmp(rec + sizeof(fe), g->frame, g->len) || fe.ts_mono_ns < g->last_ts)
		g->bad++;
	g->last_ts = fe.ts_mono_ns;
	g->frames++;
}

static int on_batch_record(void *ctx, void *data, size_t size)
{
	struct batch_got *g = ctx;
	const unsigned char *rec = data;
	struct pl_frame_batch_hdr bh;
	size_t off = sizeof(bh);
	__u16 type;
	__u32 i;

	memcpy(&type, rec, sizeof(type));
	if (type == PL_EV_FRAME) {
		g->alone++;
		batch_frame_got(g, rec, size);
		return 0;
	}
	if (type != PL_EV_FRAME_BATCH || size < sizeof(bh)) {
		g->bad++;
		return 0;
	}
	memcpy(&bh, rec, sizeof(bh));
	g->batches++;
	for (i = 0; i < bh.frames; i++) {
		if (off + sizeof(struct pl_frame_event) + g->len > size) {
			g->bad++;
			return 0;
		}
		batch_frame_got(g, rec + off, size - off);
		off += sizeof(struct pl_frame_event) + ((g->len + 7) & ~7u);
	}
	if (off != sizeof(bh) + bh.bytes)
		g->bad++;
	return 0;
}

static int check_batches(bool tc)
{
	static unsigned char frame[64];
	struct packet_bpf *skel = packet_bpf__open();
	struct ring_buffer *rb = NULL;
	struct batch_got g = { .frame = frame, .len = sizeof(frame) };
	struct timespec pause = { 0, 2000000 }; /* past PL_BATCH_GAP_NS, on purpose */
	__u64 c[PL_CNT__COUNT] = { 0 };
	unsigned alone_before;
	cpu_set_t old, one;
	int i, err = 0;

	/* an Ethernet + IPv4 + UDP frame, the rest zero */
	memcpy(frame, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00\x45\0\0\x32\0\0\0\0\x40\x11\0\0"
		      "\xc6\x12\0\x02\xc6\x12\0\x01\x27\x10\0\x09\0\x1e\0\0",
	       42);
	if (!skel)
		return 1;
	skel->rodata->emit_records = 1;
	skel->rodata->whole_frame_max = PL_HDR_WIN;
	pl_frame_batches_on(skel);
	/* the runs on one CPU, so that one batch holds them in order */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (packet_bpf__load(skel) || sched_getaffinity(0, sizeof(old), &old) ||
	    sched_setaffinity(0, sizeof(one), &one) ||
	    !(rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_batch_record, &g, NULL))) {
		printf("FAIL parity batches (%s): cannot load or set up: %s\n", tc ? "tc" : "xdp",
		       strerror(errno));
		packet_bpf__destroy(skel);
		return 1;
	}
	for (i = 0; i < 2 && !err; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .repeat = i ? 1 : BATCH_REPEAT);

		if (i)
			nanosleep(&pause, NULL);
		ring_buffer__consume(rb);
		alone_before = g.alone;
		err = bpf_prog_test_run_opts(tc ? bpf_program__fd(skel->progs.pktlens_tc)
						: bpf_program__fd(skel->progs.pktlens_xdp),
					     &o);
		ring_buffer__consume(rb);
	}
	sched_setaffinity(0, sizeof(old), &old);
	err = err || pl_drain_percpu(skel);
	ring_buffer__consume(rb);
	pl_sum_percpu(bpf_map__fd(skel->maps.counters), PL_CNT__COUNT, c);
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	if (err || g.bad || g.frames != BATCH_REPEAT + 1 || g.batches == 0 ||
	    g.alone == alone_before || g.alone < PL_BATCH_AFTER ||
	    c[PL_CNT_EMITTED] != BATCH_REPEAT + 1 || c[PL_CNT_MATCHED] != BATCH_REPEAT + 1 ||
	    c[PL_CNT_LOST]) {
		printf("FAIL parity batches (%s): %u of %d frames reached the ring (%u bad, %u in "
		       "%u batches, %u alone, the last alone: %s); counters: %llu matched, %llu "
		       "emitted, %llu lost\n",
		       tc ? "tc" : "xdp", g.frames, BATCH_REPEAT + 1, g.bad, g.frames - g.alone,
		       g.batches, g.alone, g.alone == alone_before ? "no" : "yes",
		       (unsigned long long)c[PL_CNT_MATCHED], (unsigned long long)c[PL_CNT_EMITTED],
		       (unsigned long long)c[PL_CNT_LOST]);
		return 1;
	}
	printf("PASS parity batches (%s): %d runs reached the ring once each, in order and byte "
	       "for byte, %u of them in %u batches; a frame after a pause went up alone\n",
	       tc ? "tc" : "xdp", BATCH_REPEAT + 1, g.frames - g.alone, g.batches);
	return 0;
}

int main(int argc, char **argv)
{
	struct packet_bpf *skel;
	struct pl_filter filter;
	char err[256];
	int col, bad, failed = 0, passed = 0;
	long matched, total;
	size_t j;

	/* the kernel leaves QUIC Initials encrypted: compare its record with
	 * the host's before decryption */
	pl_parse_set_quic_decrypt(false);
	if (argc > 2 && !strcmp(argv[1], "--filters"))
		return filters_from(argv[2], argc - 3, argv + 3);
	skel = packet_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "parity: cannot load the BPF programs (run as root): %s\n",
			strerror(errno));
		return 1;
	}
	bad = run_files(skel, NULL, argc - 1, argv + 1, "", &matched, &total);
	failed += bad > 0 ? bad : bad < 0;
	passed += argc - 1 - (bad > 0 ? bad : 0);
	packet_bpf__destroy(skel);

	/* each twice: TC runs the blocks on the skb, then on the copied window */
	for (j = 0; j < 2 * N_FILTERS; j++) {
		const char *expr = filters[j / 2], *tc = j % 2 ? "tc on the copy" : "tc on the skb";

		memset(&filter, 0, sizeof(filter));
		if (pl_filter_compile(expr, &filter, err, sizeof(err), &col)) {
			printf("FAIL parity filter '%s': column %d: %s\n", expr, col, err);
			failed++;
			continue;
		}
		skel = load_with(&filter, expr, j % 2);
		if (!skel) {
			printf("FAIL parity filter '%s' (%s): cannot load\n", expr, tc);
			failed++;
			continue;
		}
		bad = run_files(skel, &filter, argc - 1, argv + 1, expr, &matched, &total);
		packet_bpf__destroy(skel);
		/* a filter that matches all or nothing of the corpus proves nothing */
		if (bad || matched == 0 || matched == total) {
			printf("FAIL parity filter '%s' (%s: %ld of %ld packets matched, %d files "
			       "differ)\n",
			       expr, tc, matched, total, bad);
			failed++;
		} else {
			printf("PASS parity filter '%s' (%ld of %ld packets matched, xdp and %s)\n",
			       expr, matched, total, tc);
			passed++;
		}
	}
	if (check_names(argc - 1, argv + 1, false))
		failed++;
	else
		passed++;
	if (check_names(argc - 1, argv + 1, true))
		failed++;
	else
		passed++;
	if (check_dns(argc - 1, argv + 1))
		failed++;
	else
		passed++;
	failed += check_quic(&passed);
	for (j = 0; j < 2; j++) {
		if (check_batches(j))
			failed++;
		else
			passed++;
	}
	printf("parity: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
