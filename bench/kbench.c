// SPDX-License-Identifier: BSD-2-Clause
/*
 * kbench: nanoseconds per packet of pktlens_xdp, through BPF_PROG_TEST_RUN.
 *
 * Each packet class is one hand-built frame. It runs REPEAT times through
 * each program of configs[] (pktlens_xdp loaded as watch, flows or top
 * load it, filters compiled with pl_filter_compile() into .rodata before
 * load), and through a bare XDP_PASS program (the harness's own cost); the
 * kernel reports the mean time of one run. Every figure is the median of
 * ROUNDS such measurements. Output is Markdown.
 *
 * usage: kbench   (as root; attaches nothing, only test runs)
 *        kbench profile CONFIG CLASS [SECONDS]: one program on one frame, for perf
 *        kbench filter EXPR...: watch's mean over the mix with each filter,
 *          pktlens_xdp and pktlens_tc
 *        kbench tables FLAGS...: the flow program's mean with each flow_flags
 *
 * --attribute's cost is measured last, in a network namespace of kbench's
 * own (test runs look sockets up in the caller's): watch's program with
 * and without `attribute`, first with no socket on the frames' ports (the
 * lookup misses), then with listeners on them (it finds one).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/packet_skel.h"
#include "xdp_pass.skel.h"
#include "filter/filter.h"
#include "filter/cbpf.h"
#include "parse/parse.h"
#include "records/record.h"
#include "records/flow_record.h"
#include "runtime/flowtab.h"
#include "frame.h"
#include "runtime/skel_common.h"

#define REPEAT	      1000000
#define ROUNDS	      3
#define GOAL_NS	      40.0 /* watch, non-matching filter */
#define GOAL_FLOWS_NS 55.0 /* parse + flow, source, port and name tables */

/* ---- frame building, with the writers of frame.h ---- */

static void fill(struct frame *f, uint8_t v, size_t n)
{
	while (n--)
		put8(f, v);
}

/* A length field of `bytes` bytes, filled in by end_len() once the data
 * after it is written (TLS nests these). */
static size_t begin_len(struct frame *f, int bytes)
{
	fill(f, 0, (size_t)bytes);
	return f->n;
}

static void end_len(struct frame *f, size_t start, int bytes)
{
	size_t len = f->n - start;
	int i;

	for (i = 1; i <= bytes; i++, len >>= 8)
		f->b[start - (size_t)i] = (uint8_t)len;
}

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void eth(struct frame *f, uint16_t type, int vlan_id)
{
	put(f, mac_dst, 6);
	put(f, mac_src, 6);
	if (vlan_id) {
		put16(f, 0x8100);
		put16(f, (uint16_t)vlan_id);
	}
	put16(f, type);
}

/* IPv4 198.18.0.1 -> 198.18.0.2 carrying l4, with a valid header checksum. */
static void ipv4(struct frame *f, uint8_t proto, const struct frame *l4)
{
	size_t h = f->n, i;
	uint32_t sum = 0;

	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + l4->n));
	put16(f, 0x1234); /* id */
	put16(f, 0x4000); /* DF */
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xc6120001);
	put32(f, 0xc6120002);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(f->b[h + i] << 8 | f->b[h + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[h + 10] = (uint8_t)(~sum >> 8);
	f->b[h + 11] = (uint8_t)~sum;
	put(f, l4->b, l4->n);
}

/* IPv6 2001:db8::1 -> 2001:db8::2; rest = extension headers and L4. */
static void ipv6(struct frame *f, uint8_t nxt, const struct frame *rest)
{
	put32(f, 0x60000000);
	put16(f, (uint16_t)rest->n);
	put8(f, nxt);
	put8(f, 64);
	put32(f, 0x20010db8), put32(f, 0), put32(f, 0), put32(f, 1);
	put32(f, 0x20010db8), put32(f, 0), put32(f, 0), put32(f, 2);
	put(f, rest->b, rest->n);
}

#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* NOP NOP timestamps: what Linux puts on every segment after the SYN. */
static const uint8_t opt_ts[12] = { 1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0 };

/* TCP header (checksum left 0: nothing on the path checks it) + payload. */
static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags, const uint8_t *opt,
		size_t optlen, const struct frame *payload)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 0x01000000);
	put32(f, flags & TCP_ACK ? 0x02000000 : 0);
	put8(f, (uint8_t)((20 + optlen) / 4 << 4));
	put8(f, flags);
	put16(f, 502);
	put16(f, 0);
	put16(f, 0);
	put(f, opt, optlen);
	if (payload)
		put(f, payload->b, payload->n);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, const struct frame *payload)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload->n));
	put16(f, 0);
	put(f, payload->b, payload->n);
}

/* ---- the packet classes ---- */

static void tcp4_frame(struct frame *f, int vlan_id, uint16_t dport, uint8_t flags,
		       const uint8_t *opt, size_t optlen, const struct frame *payload)
{
	struct frame l4 = { .n = 0 };

	tcp(&l4, 40000, dport, flags, opt, optlen, payload);
	eth(f, 0x0800, vlan_id);
	ipv4(f, 6, &l4);
}

static void build_syn(struct frame *f)
{
	/* Linux's SYN: MSS, SACK permitted, timestamps, NOP, window scale */
	static const uint8_t opt[20] = { 2,    4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0x10, 0, 0,	0,    0, 0, 1, 3,  3, 7 };

	tcp4_frame(f, 0, 443, TCP_SYN, opt, sizeof(opt), NULL);
}

static void build_data(struct frame *f)
{
	struct frame pay = { .n = 0 };

	fill(&pay, 0xa5, 1448); /* neither TLS nor an HTTP method */
	tcp4_frame(f, 0, 5001, TCP_ACK | TCP_PSH, opt_ts, sizeof(opt_ts), &pay);
}

static void build_http(struct frame *f)
{
	struct frame pay = { .n = 0 };

	puts_(&pay, "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
	tcp4_frame(f, 0, 80, TCP_ACK | TCP_PSH, opt_ts, sizeof(opt_ts), &pay);
}

static void build_dns(struct frame *f)
{
	struct frame dns = { .n = 0 }, l4 = { .n = 0 };

	put16(&dns, 0x4a1f); /* id */
	put16(&dns, 0x0120); /* RD, AD */
	put16(&dns, 1), put16(&dns, 0), put16(&dns, 0), put16(&dns, 1);
	puts_(&dns, "\3www\7example\3com");
	put8(&dns, 0);
	put16(&dns, 1), put16(&dns, 1); /* A, IN */
	put8(&dns, 0);			/* EDNS0 OPT record, as dig sends */
	put16(&dns, 41), put16(&dns, 1232), put32(&dns, 0), put16(&dns, 0);
	udp(&l4, 40000, 53, &dns);
	eth(f, 0x0800, 0);
	ipv4(f, 17, &l4);
}

/* A TLS 1.3 ClientHello much like OpenSSL 3's, without padding. */
static void build_tls(struct frame *f)
{
	static const uint16_t suites[] = {
		0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8,
		0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023,
		0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033,
		0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff,
	};
	static const uint16_t sigalgs[] = {
		0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
		0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
	};
	struct frame p = { .n = 0 };
	size_t rec, hs, l, e, x, n;
	unsigned i;

	put8(&p, 0x16), put16(&p, 0x0301);
	rec = begin_len(&p, 2);
	put8(&p, 1);
	hs = begin_len(&p, 3);
	put16(&p, 0x0303);
	fill(&p, 0x42, 32);		  /* random */
	put8(&p, 32), fill(&p, 0x17, 32); /* session id */
	l = begin_len(&p, 2);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		put16(&p, suites[i]);
	end_len(&p, l, 2);
	put8(&p, 1), put8(&p, 0); /* null compression */
	e = begin_len(&p, 2);
	put16(&p, 0); /* server_name */
	x = begin_len(&p, 2), l = begin_len(&p, 2);
	put8(&p, 0);
	n = begin_len(&p, 2);
	puts_(&p, "www.example.com");
	end_len(&p, n, 2), end_len(&p, l, 2), end_len(&p, x, 2);
	put16(&p, 11), put16(&p, 4), put8(&p, 3), put8(&p, 0), put16(&p, 0x0102);
	put16(&p, 10), put16(&p, 12), put16(&p, 10); /* supported_groups */
	put16(&p, 0x001d), put16(&p, 0x0017), put16(&p, 0x001e);
	put16(&p, 0x0019), put16(&p, 0x0018);
	put16(&p, 35), put16(&p, 0); /* session_ticket */
	put16(&p, 16);		     /* ALPN: h2, http/1.1 */
	x = begin_len(&p, 2), l = begin_len(&p, 2);
	put8(&p, 2), puts_(&p, "h2"), put8(&p, 8), puts_(&p, "http/1.1");
	end_len(&p, l, 2), end_len(&p, x, 2);
	put16(&p, 22), put16(&p, 0), put16(&p, 23), put16(&p, 0);
	put16(&p, 13); /* signature_algorithms */
	x = begin_len(&p, 2), l = begin_len(&p, 2);
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		put16(&p, sigalgs[i]);
	end_len(&p, l, 2), end_len(&p, x, 2);
	put16(&p, 43), put16(&p, 5), put8(&p, 4); /* supported_versions */
	put16(&p, 0x0304), put16(&p, 0x0303);
	put16(&p, 45), put16(&p, 2), put8(&p, 1), put8(&p, 1);
	put16(&p, 51), put16(&p, 38), put16(&p, 36); /* key_share x25519 */
	put16(&p, 0x001d), put16(&p, 32), fill(&p, 0x99, 32);
	end_len(&p, e, 2), end_len(&p, hs, 3), end_len(&p, rec, 2);
	tcp4_frame(f, 0, 443, TCP_ACK | TCP_PSH, opt_ts, sizeof(opt_ts), &p);
}

static void build_ipv6_ext(struct frame *f)
{
	struct frame rest = { .n = 0 };

	/* hop-by-hop and destination options, each one PadN of 4 bytes */
	put8(&rest, 60), put8(&rest, 0), put8(&rest, 1), put8(&rest, 4), put32(&rest, 0);
	put8(&rest, 43), put8(&rest, 0), put8(&rest, 1), put8(&rest, 4), put32(&rest, 0);
	/* routing: segment routing (type 4), one segment */
	put8(&rest, 6), put8(&rest, 2), put8(&rest, 4), put8(&rest, 0);
	put8(&rest, 0), put8(&rest, 0), put16(&rest, 0);
	put32(&rest, 0x20010db8), put32(&rest, 0), put32(&rest, 0), put32(&rest, 2);
	tcp(&rest, 40000, 443, TCP_ACK, opt_ts, sizeof(opt_ts), NULL);
	eth(f, 0x86dd, 0);
	ipv6(f, 0, &rest);
}

/* A QUIC v1 client Initial as Chrome sends it: 8-byte DCID, no SCID, no
 * token, a 1200-byte datagram; the kernel reads the header only (the
 * payload is opaque to it: user space decrypts). */
static void build_quic(struct frame *f)
{
	struct frame q = { .n = 0 }, l4 = { .n = 0 };

	put8(&q, 0xc3), put32(&q, 1);
	put8(&q, 8), put32(&q, 0x8394c8f0), put32(&q, 0x3e515708);
	put8(&q, 0), put8(&q, 0); /* SCID, token */
	put16(&q, 0x4000 | (1200 - 18)); /* length: the rest of the datagram */
	fill(&q, 0x5a, 1200 - q.n);
	udp(&l4, 40000, 443, &q);
	eth(f, 0x0800, 0);
	ipv4(f, 17, &l4);
}

static void build_vlan(struct frame *f)
{
	tcp4_frame(f, 100, 443, TCP_ACK, opt_ts, sizeof(opt_ts), NULL);
}

/* The SYN of build_syn() in VXLAN (VNI 1234) over UDP 4789, IPv4. */
static void build_vxlan_syn(struct frame *f)
{
	struct frame in = { .n = 0 }, vx = { .n = 0 }, l4 = { .n = 0 };

	build_syn(&in);
	put32(&vx, 0x08000000);
	put32(&vx, 1234 << 8);
	put(&vx, in.b, in.n);
	udp(&l4, 49152, 4789, &vx);
	eth(f, 0x0800, 0);
	ipv4(f, 17, &l4);
}

struct klass {
	const char *name;
	void (*build)(struct frame *f);
	uint32_t want; /* present bits the host parser must set */
	uint32_t tun;  /* and its tunnel (enum pl_tunnel), with the inner headers */
	struct frame f;
	double base, emit_full, emit_room;
};

#define TCP_OPTS (PL_HAS_TCP_MSS | PL_HAS_TCP_WSCALE | PL_HAS_TCP_SACK_PERM | PL_HAS_TCP_TS)

static struct klass classes[] = {
	{ .name = "TCP SYN (MSS, WS, SACK, TS)", .build = build_syn, .want = PL_HAS_IP4 | TCP_OPTS },
	{ .name = "TCP data, 1448 B payload",
	  .build = build_data,
	  .want = PL_HAS_IP4 | PL_HAS_TCP_TS },
	{ .name = "HTTP GET with Host",
	  .build = build_http,
	  .want = PL_HAS_HTTP | PL_HAS_HTTP_HOST },
	{ .name = "DNS query (UDP 53)", .build = build_dns, .want = PL_HAS_DNS | PL_HAS_DNS_QRY },
	{ .name = "TLS ClientHello, SNI + ALPN",
	  .build = build_tls,
	  .want = PL_HAS_TLS | PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN },
	{ .name = "IPv6 + HBH, dstopts, routing; TCP",
	  .build = build_ipv6_ext,
	  .want = PL_HAS_IP6 | PL_HAS_IP6_L4 | PL_HAS_TCP },
	{ .name = "802.1Q VLAN, IPv4 TCP", .build = build_vlan, .want = PL_HAS_IP4 | PL_HAS_TCP },
	{ .name = "VXLAN, inner TCP SYN",
	  .build = build_vxlan_syn,
	  .want = PL_HAS_IP4 | PL_HAS_UDP,
	  .tun = PL_TUN_VXLAN },
	{ .name = "QUIC client Initial (UDP 443)", .build = build_quic, .want = PL_HAS_QUIC },
};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))
/* The goals and every mean are over the first seven classes, the mix of
 * issue 11; the classes after them (tunnels, QUIC) are shown per row
 * beside it, so that adding a class never moves a goal's figure. */
#define N_MIX 7
_Static_assert(N_MIX <= N_CLASSES, "the mix is the first classes");

/*
 * The programs measured, each loaded from the skeleton as the command
 * loads it. The goals (issue 11) are on the mean over the mix of watch
 * with a filter nothing in the mix matches (as under the live bench's 1%
 * filter) and of the flow, source, port and name tables (top, agent).
 */
#define TOP_TABLES (PL_FLOW_TABLE | PL_FLOW_SOURCES | PL_FLOW_PORTS | PL_FLOW_NAMES)
static struct config {
	const char *name;
	const char *filter; /* NULL: none */
	__u32 emit;	    /* emit_records */
	__u32 flow_flags;   /* 0: watch */
	bool cache_off;	    /* the flow tables without their per-CPU caches */
	double goal;	    /* ns/packet mean over the mix; 0: none */
	double filter_goal; /* ns/packet over no filter (issue 13); 0: none */
	struct packet_bpf *skel;
	int fd;
	double ns[N_CLASSES], sum;
	int match[N_CLASSES]; /* did the frame reach the matched counter? */
} configs[] = {
	{ .name = "watch, non-matching filter",
	  .filter = "udp src port 10000",
	  .emit = 1,
	  .goal = GOAL_NS },
	{ .name = "watch, no filter (emit_records = 0)" },
	{ .name = "flows (flow table + names)", .flow_flags = PL_FLOW_TABLE | PL_FLOW_NAMES },
	{ .name = "flow, source, port and name tables",
	  .flow_flags = TOP_TABLES,
	  .goal = GOAL_FLOWS_NS },
	/* the cost of a key without a cache slot, on every packet: a flow's
	 * first packets, a scan's probes (flow_account.h) */
	{ .name = "the same, caches off (PKTLENS_FLOW_CACHE=0)",
	  .flow_flags = TOP_TABLES,
	  .cache_off = true },
	{ .name = "5-term header filter",
	  .filter_goal = 10,
	  .filter = "ip and tcp and dst port 443 and src net 198.18.0.0/15 and tcp[tcpflags] & "
		    "tcp-syn != 0" },
	{ .name = "20-term header filter",
	  .filter_goal = 25,
	  .filter = "ip and tcp and (dst port 443 or dst port 8443 or dst port 80 or dst port 8080)"
		    " and src net 198.18.0.0/15 and not src host 198.18.0.99"
		    " and not src host 198.18.0.98 and not dst host 198.18.0.97"
		    " and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-rst == 0"
		    " and len > 54 and len < 1600 and ip[8] > 1 and ip[6:2] & 0x1fff == 0"
		    " and not ether broadcast and not ip multicast and tcp[12] >> 4 >= 5"
		    " and src portrange 1024-65535" },
	{ .name = "L7 filter", .filter = "tls.sni == \"*.example.com\"" },
};
#define N_CONFIGS    (sizeof(configs) / sizeof(configs[0]))
#define FIRST_FILTER 5 /* configs from here on are printed in the filter table */

/* ---- measuring ---- */

/* Mean ns of one run over `repeat` runs, as the kernel measured it, of an
 * XDP program (its verdict must be XDP_PASS) or, when tc, a TC one
 * (TCX_NEXT, or TC_ACT_OK for the bare program: not checked). */
static unsigned hook_test_run(int prog_fd, const struct frame *f, int repeat, bool tc)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->n,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o) || (!tc && o.retval != XDP_PASS)) {
		fprintf(stderr, "kbench: test run failed: %s (retval %u)\n", strerror(errno),
			o.retval);
		exit(1);
	}
	return o.duration;
}

/* The same for pktlens_xdp and XDP_PASS. */
static unsigned test_run(int prog_fd, const struct frame *f, int repeat)
{
	return hook_test_run(prog_fd, f, repeat, false);
}

static double median3(const unsigned v[ROUNDS])
{
	unsigned lo = v[0] < v[1] ? v[0] : v[1], hi = v[0] < v[1] ? v[1] : v[0];

	return v[2] < lo ? lo : v[2] > hi ? hi : v[2];
}

static int drop_record(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

/* Sum of one per-CPU counter. */
static unsigned long long counter(struct packet_bpf *skel, __u32 which)
{
	int i, n = libbpf_num_possible_cpus();
	unsigned long long sum = 0;
	__u64 *v = calloc((size_t)n, sizeof(*v));

	if (v && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &which, v))
		for (i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

static __u32 load_attribute; /* the next load_pktlens() sets `attribute` */
static bool load_cache_off;  /* the next load_pktlens() has no flow caches */

/* pktlens_xdp with emit_records = emit, the filter expr (NULL: none) and
 * the flow tables of flow_flags (0: none, as watch loads it). */
static struct packet_bpf *load_pktlens(__u32 emit, const char *expr, __u32 flow_flags)
{
	static struct pl_filter f;
	struct pl_flowtab_cfg fc;
	struct packet_bpf *skel;
	char err[256];
	int col;

	if (expr && pl_filter_compile(expr, &f, err, sizeof(err), &col)) {
		fprintf(stderr, "kbench: filter '%s', column %d: %s\n", expr, col, err);
		exit(1);
	}
	skel = packet_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->emit_records = emit;
	skel->rodata->attribute = load_attribute;
	if (expr) {
		memcpy((void *)&skel->rodata->filter, &f, sizeof(f));
		if (pl_filter_splice(skel->obj, &f, err, sizeof(err))) {
			fprintf(stderr, "kbench: filter '%s': %s\n", expr, err);
			exit(1);
		}
	}
	if (flow_flags) {
		pl_flowtab_cfg_defaults(&fc);
		fc.flags = flow_flags;
		if (load_cache_off)
			fc.cache = false;
		if (pl_flowtab_configure(skel, &fc)) {
			packet_bpf__destroy(skel);
			return NULL;
		}
		/* as flows and top load it; the watch columns keep the whole
		 * parse that watch's records need */
		pl_narrow_parse(skel);
	}
	if (packet_bpf__load(skel)) {
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Is each frame the class it claims to be, in the host parser and in the
 * kernel? One emitted record per class, compared byte for byte. */
static int check_frames(struct packet_bpf *emit, struct ring_buffer *rb,
			struct pl_packet_event *got)
{
	int prog = bpf_program__fd(emit->progs.pktlens_xdp);
	struct pl_pkt host;
	size_t i;

	for (i = 0; i < N_CLASSES; i++) {
		struct klass *k = &classes[i];

		pl_parse_frame(&host, PL_LINK_ETHERNET, k->f.b, (uint32_t)k->f.n, (uint32_t)k->f.n);
		if ((host.present & k->want) != k->want || host.malformed || host.truncated ||
		    host.tun_kind != k->tun ||
		    (k->tun && !(host.tun_flags & PL_TUNF_INNER))) {
			fprintf(stderr,
				"kbench: frame '%s' parses as present=0x%x malformed=%u "
				"truncated=%u\n",
				k->name, host.present, host.malformed, host.truncated);
			return -1;
		}
		memset(got, 0, sizeof(*got));
		test_run(prog, &k->f, 1);
		ring_buffer__consume(rb);
		if (memcmp(&got->pkt, &host, sizeof(host))) {
			fprintf(stderr,
				"kbench: frame '%s': kernel record differs from the host "
				"parser's\n",
				k->name);
			return -1;
		}
	}
	return 0;
}

/* Does the filter program accept frame f? One run, the matched counter. */
static int filter_matches(struct packet_bpf *skel, const struct frame *f)
{
	unsigned long long before = counter(skel, PL_CNT_MATCHED);

	test_run(bpf_program__fd(skel->progs.pktlens_xdp), f, 1);
	return counter(skel, PL_CNT_MATCHED) != before;
}

static int keep_record(void *ctx, void *data, size_t size)
{
	pl_packet_event_get(ctx, data, size);
	return 0;
}

static void print_goal(const struct config *c, double mean_base)
{
	double mean = c->sum / N_MIX;

	printf("- Goal for %s: <= %.0f ns/packet mean over the mix: **%s**: %.1f ns/pkt "
	       "as measured, %.2fx the XDP_PASS baseline (%.1f ns/pkt net of it).\n",
	       c->name, c->goal, mean <= c->goal ? "met" : "not met", mean, mean / mean_base,
	       mean - mean_base);
}

/* The main table: per class, the baseline and each program up to the
 * filters; then the mean over the mix and its ratio to the baseline. */
static void print_programs(double mean_base)
{
	size_t i, j;

	printf("| class | frame bytes | XDP_PASS baseline |");
	for (j = 0; j < FIRST_FILTER; j++)
		printf(" %s |", configs[j].name);
	printf("\n|---|---:|---:|");
	for (j = 0; j < FIRST_FILTER; j++)
		printf("---:|");
	printf("\n");
	for (i = 0; i < N_CLASSES; i++) {
		printf("| %s%s | %zu | %.0f |", classes[i].name, i < N_MIX ? "" : " (not in the mix)",
		       classes[i].f.n, classes[i].base);
		for (j = 0; j < FIRST_FILTER; j++)
			printf(" %.0f |", configs[j].ns[i]);
		printf("\n");
	}
	printf("| **mean over the mix** (the first %d classes) | | %.1f |", N_MIX, mean_base);
	for (j = 0; j < FIRST_FILTER; j++)
		printf(" **%.1f** |", configs[j].sum / N_MIX);
	printf("\n| ratio to XDP_PASS | | 1.00 |");
	for (j = 0; j < FIRST_FILTER; j++)
		printf(" %.2f |", configs[j].sum / N_MIX / mean_base);
	printf("\n\n");
}

/* The filter table: ns/packet per class, the baseline and "no filter"
 * beside each filter, and the filter's cost over "no filter". */
static void print_filters(double mean_base)
{
	const struct config *none = &configs[1];
	size_t i, j;

	printf("### Filters\n\n");
	printf("The same frames through pktlens_xdp (emit_records = 0) loaded with a filter "
	       "(one program per filter, measured interleaved with the columns before):\n\n");
	for (j = FIRST_FILTER; j < N_CONFIGS; j++)
		printf("- %s: `%s`\n", configs[j].name, configs[j].filter);
	printf("\nEach filter cell: ns/pkt, its cost over \"no filter\" in parentheses, and "
	       "\"match\" when the filter accepts the frame.\n\n");
	printf("| class | XDP_PASS baseline | no filter |");
	for (j = FIRST_FILTER; j < N_CONFIGS; j++)
		printf(" %s |", configs[j].name);
	printf("\n|---|---:|---:|");
	for (j = FIRST_FILTER; j < N_CONFIGS; j++)
		printf("---:|");
	printf("\n");
	for (i = 0; i < N_CLASSES; i++) {
		printf("| %s | %.0f | %.0f |", classes[i].name, classes[i].base, none->ns[i]);
		for (j = FIRST_FILTER; j < N_CONFIGS; j++)
			printf(" %.0f (%+.0f)%s |", configs[j].ns[i],
			       configs[j].ns[i] - none->ns[i], configs[j].match[i] ? " match" : "");
		printf("\n");
	}
	printf("| **mean over the mix** | %.1f | **%.1f** |", mean_base, none->sum / N_MIX);
	for (j = FIRST_FILTER; j < N_CONFIGS; j++)
		printf(" **%.1f** (%+.1f) |", configs[j].sum / N_MIX,
		       (configs[j].sum - none->sum) / N_MIX);
	printf("\n\n");
	/* issue 13: what a header filter costs over no filter */
	for (j = FIRST_FILTER; j < N_CONFIGS; j++) {
		double over = (configs[j].sum - none->sum) / N_MIX;

		if (!configs[j].filter_goal)
			continue;
		printf("- Goal for the %s: at most %+.0f ns/packet over no filter, mean over the "
		       "mix: "
		       "**%s**: %+.1f ns/pkt (%.1f against %.1f)\n",
		       configs[j].name, configs[j].filter_goal,
		       over <= configs[j].filter_goal ? "met" : "not met", over,
		       configs[j].sum / N_MIX, none->sum / N_MIX);
	}
}

/* Listeners (TCP) and bound sockets (UDP), dual-stack, on every port the
 * classes' frames go to. */
static void listen_on_frame_ports(void)
{
	static const uint16_t tcp_ports[] = { 80, 443, 5001 }, udp_ports[] = { 53 };
	size_t i;

	for (i = 0; i < sizeof(tcp_ports) / sizeof(tcp_ports[0]) + 1; i++) {
		int udp = i == sizeof(tcp_ports) / sizeof(tcp_ports[0]);
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(udp ? udp_ports[0] : tcp_ports[i]) };
		int fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || (!udp && listen(fd, 1))) {
			fprintf(stderr, "kbench: cannot listen in its own netns: %s\n",
				strerror(errno));
			exit(1);
		}
	}
}

/* --attribute: watch's program (emit_records = 1, no filter) with and
 * without `attribute`, interleaved; the ring is full in both (nothing
 * drains it), so the difference is the lookup. `found`: with sockets on
 * the frames' ports. */
static void measure_attribute(int fd_pass)
{
	struct packet_bpf *plain = load_pktlens(1, NULL, 0), *attr;
	double sum[2][3] = { { 0 } }, ns[N_CLASSES][2][3];
	unsigned a[3][ROUNDS];
	size_t i;
	int r, found;

	load_attribute = 1;
	attr = load_pktlens(1, NULL, 0);
	load_attribute = 0;
	if (!plain || !attr) {
		fprintf(stderr, "kbench: cannot load the programs with attribute set\n");
		exit(1);
	}
	for (found = 0; found < 2; found++) {
		if (found)
			listen_on_frame_ports();
		for (i = 0; i < N_CLASSES; i++) {
			for (r = 0; r < ROUNDS; r++) {
				a[0][r] = test_run(fd_pass, &classes[i].f, REPEAT);
				a[1][r] = test_run(bpf_program__fd(plain->progs.pktlens_xdp),
						   &classes[i].f, REPEAT);
				a[2][r] = test_run(bpf_program__fd(attr->progs.pktlens_xdp),
						   &classes[i].f, REPEAT);
			}
			for (r = 0; r < 3; r++) {
				ns[i][found][r] = median3(a[r]);
				sum[found][r] += ns[i][found][r];
			}
		}
	}
	printf("### --attribute\n\n");
	printf("watch's program (emit_records = 1, no filter, the ring full so every output "
	       "fails alike) without and with `attribute` (the socket lookup and its 32 bytes "
	       "after the record), in kbench's own netns: with no socket on the frames' ports "
	       "(the lookup misses), then with a dual-stack listener (TCP) or bound socket "
	       "(UDP) on each (it finds one, reads cookie, inode and cgroup, releases it). "
	       "Each cell: ns/pkt, the cost of `attribute` in parentheses.\n\n");
	printf("| class | XDP_PASS baseline | watch | --attribute, no socket | watch | "
	       "--attribute, socket found |\n|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < N_CLASSES; i++)
		printf("| %s | %.0f | %.0f | %.0f (%+.0f) | %.0f | %.0f (%+.0f) |\n", classes[i].name,
		       ns[i][0][0], ns[i][0][1], ns[i][0][2], ns[i][0][2] - ns[i][0][1], ns[i][1][1],
		       ns[i][1][2], ns[i][1][2] - ns[i][1][1]);
	printf("| **mean over the mix** | %.1f | %.1f | **%.1f (%+.1f)** | %.1f | **%.1f (%+.1f)** "
	       "|\n\n",
	       sum[0][0] / N_CLASSES, sum[0][1] / N_CLASSES, sum[0][2] / N_CLASSES,
	       (sum[0][2] - sum[0][1]) / N_CLASSES, sum[1][1] / N_CLASSES, sum[1][2] / N_CLASSES,
	       (sum[1][2] - sum[1][1]) / N_CLASSES);
	packet_bpf__destroy(plain);
	packet_bpf__destroy(attr);
}

/* kbench profile CONFIG CLASS SECONDS: only run one program on one frame,
 * for `perf record -a` (or bpftool prog profile) to look at. */
static int profile(int argc, char **argv)
{
	size_t c = (size_t)atoi(argv[2]), k = (size_t)atoi(argv[3]);
	time_t end = time(NULL) + (argc > 4 ? atoi(argv[4]) : 5);
	struct config *cfg = &configs[c];

	if (c >= N_CONFIGS || k >= N_CLASSES)
		return 2;
	load_cache_off = cfg->cache_off;
	cfg->skel = load_pktlens(cfg->emit, cfg->filter, cfg->flow_flags);
	if (!cfg->skel)
		return 1;
	classes[k].build(&classes[k].f);
	fprintf(stderr, "kbench: %s on %s\n", cfg->name, classes[k].name);
	while (time(NULL) < end)
		test_run(bpf_program__fd(cfg->skel->progs.pktlens_xdp), &classes[k].f, REPEAT);
	packet_bpf__destroy(cfg->skel);
	return 0;
}

/* Median ns/packet of the program (XDP, or TC when tc) on each class into
 * ns[], and their mean over the mix. */
static double mix_mean(int fd, bool tc, double ns[N_CLASSES])
{
	unsigned x[ROUNDS];
	double sum = 0;
	size_t i;
	int r;

	for (i = 0; i < N_CLASSES; i++) {
		for (r = 0; r < ROUNDS; r++)
			x[r] = hook_test_run(fd, &classes[i].f, REPEAT, tc);
		ns[i] = median3(x);
		if (i < N_MIX)
			sum += ns[i];
	}
	return sum / N_MIX;
}

/* kbench filter EXPR...: watch's program with each filter (emit_records =
 * 1), XDP and TC, means over the mix beside a bare program of each hook,
 * for quick comparisons. kbench tables FLAGS...: the program of flows and
 * top with each flow_flags value (enum pl_flow_flags), every class. */
static int quick_means(int argc, char **argv, struct xdp_pass_bpf *pass, bool tables)
{
	int fd_pass = bpf_program__fd(pass->progs.xdp_pass), a;
	int fd_tc = bpf_program__fd(pass->progs.tc_pass);
	double ns[N_CLASSES], base_xdp, base_tc = 0;
	size_t i;

	for (i = 0; i < N_CLASSES; i++)
		classes[i].build(&classes[i].f);
	base_xdp = mix_mean(fd_pass, false, ns);
	if (!tables)
		base_tc = mix_mean(fd_tc, true, ns);
	for (a = 2; a < argc; a++) {
		struct packet_bpf *skel = tables
			? load_pktlens(0, NULL, (__u32)strtoul(argv[a], NULL, 0))
			: load_pktlens(1, argv[a], 0);
		double xdp;

		if (!skel)
			return 1;
		xdp = mix_mean(bpf_program__fd(skel->progs.pktlens_xdp), false, ns);
		if (tables) {
			printf("flow_flags %s: %.1f ns/packet (XDP_PASS %.1f); by class:", argv[a],
			       xdp, base_xdp);
			for (i = 0; i < N_CLASSES; i++)
				printf(" %.0f", ns[i]);
			printf("\n");
		} else {
			printf("%.1f ns/packet (XDP_PASS %.1f), TC %.1f (bare TC %.1f): %s\n", xdp,
			       base_xdp, mix_mean(bpf_program__fd(skel->progs.pktlens_tc), true, ns),
			       base_tc, argv[a]);
		}
		packet_bpf__destroy(skel);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct packet_bpf *emit;
	struct xdp_pass_bpf *pass = xdp_pass_bpf__open_and_load();
	int fd_emit, fd_pass, room, r;
	double sum_base = 0, sum_full = 0, sum_room = 0, mean_base, mean_none;
	unsigned long long emitted, lost, lost_room;
	struct pl_packet_event got;
	struct ring_buffer *rb, *check;
	size_t i, j;
	int loaded;

	if (argc > 3 && !strcmp(argv[1], "profile"))
		return profile(argc, argv);
	if (argc > 2 && (!strcmp(argv[1], "filter") || !strcmp(argv[1], "tables")) && pass)
		return quick_means(argc, argv, pass, !strcmp(argv[1], "tables"));
	emit = load_pktlens(1, NULL, 0);
	loaded = emit && pass;

	for (j = 0; j < N_CONFIGS; j++) {
		struct config *c = &configs[j];

		load_cache_off = c->cache_off;
		c->skel = load_pktlens(c->emit, c->filter, c->flow_flags);
		loaded = loaded && c->skel;
		if (c->skel)
			c->fd = bpf_program__fd(c->skel->progs.pktlens_xdp);
	}
	if (!loaded) {
		fprintf(stderr, "kbench: cannot load the BPF programs (run as root): %s\n",
			strerror(errno));
		return 1;
	}
	fd_emit = bpf_program__fd(emit->progs.pktlens_xdp);
	fd_pass = bpf_program__fd(pass->progs.xdp_pass);
	check = ring_buffer__new(bpf_map__fd(emit->maps.events), keep_record, &got, NULL);
	rb = ring_buffer__new(bpf_map__fd(emit->maps.events), drop_record, NULL, NULL);
	if (!check || !rb)
		return 1;
	for (i = 0; i < N_CLASSES; i++)
		classes[i].build(&classes[i].f);
	/* the kernel's record of a QUIC Initial: the host would decrypt it */
	pl_parse_set_quic_decrypt(false);
	if (check_frames(emit, check, &got))
		return 1;
	for (i = 0; i < N_CLASSES; i++)
		for (j = 0; j < N_CONFIGS; j++)
			configs[j].match[i] = filter_matches(configs[j].skel, &classes[i].f);
	/* the non-matching filter must match nothing of the mix, or it
	 * measures something else */
	for (i = 0; i < N_CLASSES; i++)
		if (configs[0].match[i]) {
			fprintf(stderr, "kbench: '%s' matches '%s'\n", configs[0].filter,
				classes[i].name);
			return 1;
		}

	/* every program and the baseline, interleaved per class */
	for (i = 0; i < N_CLASSES; i++) {
		struct klass *k = &classes[i];
		unsigned b[ROUNDS], c[N_CONFIGS][ROUNDS];

		for (r = 0; r < ROUNDS; r++) {
			b[r] = test_run(fd_pass, &k->f, REPEAT);
			for (j = 0; j < N_CONFIGS; j++)
				c[j][r] = test_run(configs[j].fd, &k->f, REPEAT);
		}
		k->base = median3(b);
		if (i < N_MIX)
			sum_base += k->base;
		for (j = 0; j < N_CONFIGS; j++) {
			configs[j].ns[i] = median3(c[j]);
			if (i < N_MIX)
				configs[j].sum += configs[j].ns[i];
		}
	}
	mean_base = sum_base / N_MIX;
	mean_none = configs[1].sum / N_MIX;

	/* emit_records = 1, ring never drained: after the first ~12k records
	 * of a measurement the ring is full and each output fails (lost) */
	ring_buffer__consume(rb);
	for (i = 0; i < N_CLASSES; i++) {
		unsigned a[ROUNDS];

		for (r = 0; r < ROUNDS; r++) {
			ring_buffer__consume(rb); /* start each one empty */
			a[r] = test_run(fd_emit, &classes[i].f, REPEAT);
		}
		classes[i].emit_full = median3(a);
		if (i < N_MIX)
			sum_full += classes[i].emit_full;
	}
	emitted = counter(emit, PL_CNT_EMITTED);
	lost = counter(emit, PL_CNT_LOST);

	/* emit_records = 1, as many runs as the ring holds: every output
	 * succeeds (ring emptied between measurements, outside the timing) */
	room = (int)(bpf_map__max_entries(emit->maps.events) /
		     ((sizeof(struct pl_packet_event) + 8 + 7) / 8 * 8));
	for (i = 0; i < N_CLASSES; i++) {
		unsigned a[ROUNDS];

		for (r = 0; r < ROUNDS; r++) {
			ring_buffer__consume(rb);
			a[r] = test_run(fd_emit, &classes[i].f, room);
		}
		classes[i].emit_room = median3(a);
		if (i < N_MIX)
			sum_room += classes[i].emit_room;
	}
	lost_room = counter(emit, PL_CNT_LOST) - lost;

	printf("BPF_PROG_TEST_RUN on pktlens_xdp, loaded as each command loads it, and on a "
	       "bare XDP_PASS program, same frame; %d runs per measurement, median of %d, "
	       "all programs interleaved.\n\n",
	       REPEAT, ROUNDS);
	print_programs(mean_base);
	for (j = 0; j < N_CONFIGS; j++)
		if (configs[j].goal)
			print_goal(&configs[j], mean_base);
	printf("\n");

	printf("With emit_records = 1 and no filter (every packet: pl_finalize + "
	       "bpf_ringbuf_output; nothing drains the ring while it runs):\n\n");
	printf("- %d runs, the ring full after its first %d records: mean %.1f ns/pkt over "
	       "the mix (+%.1f vs emit_records = 0); over these %d measurements "
	       "%llu records emitted, %llu lost\n",
	       REPEAT, room, sum_full / N_MIX, sum_full / N_MIX - mean_none,
	       (int)N_CLASSES * ROUNDS, emitted - N_CLASSES, lost);
	printf("- %d runs, as many as the %u-byte ring holds (%zu-byte records), emptied "
	       "between measurements: mean %.1f ns/pkt over the mix (+%.1f vs emit_records = 0); "
	       "%llu lost\n\n",
	       room, bpf_map__max_entries(emit->maps.events), sizeof(struct pl_packet_event),
	       sum_room / N_MIX, sum_room / N_MIX - mean_none, lost_room);
	print_filters(mean_base);
	/* the lookups are in the caller's netns: one of kbench's own */
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "kbench: cannot make a network namespace for --attribute: %s\n",
			strerror(errno));
		return 1;
	}
	measure_attribute(fd_pass);

	ring_buffer__free(rb);
	ring_buffer__free(check);
	for (j = 0; j < N_CONFIGS; j++)
		packet_bpf__destroy(configs[j].skel);
	xdp_pass_bpf__destroy(pass);
	packet_bpf__destroy(emit);
	return 0;
}
