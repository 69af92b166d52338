// SPDX-License-Identifier: BSD-2-Clause
/*
 * Detector parity: the same frames through the kernel's detectors
 * (BPF_PROG_TEST_RUN of pktlens_xdp and of pktlens_tc, each on freshly
 * loaded maps) and through the host's (`read --detect`'s code) must raise
 * the same alerts, byte for byte but for the time and the interface. Run
 * on tests/kernel/detect_frames.py's capture, it also checks that every
 * rule fired at least once. Then a SYN flood of a few seconds through the
 * kernel checks that the alerts of one rule are at least a window apart
 * by their records' times, the property `pktlens detect` promises.
 *
 * usage: detect_parity FILE.pcap   (PASS/FAIL lines; exit 1 on any FAIL)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/packet_skel.h"
#include "records/record.h"
#include "detect/config.h"
#include "detect/host.h"
#include "detect/pin.h"
#include "frames.h"

/* low thresholds, so that a few frames trip each rule */
#define THRESHOLDS                                                                \
	"syn_flood_dst=30,syn_rate_src=30,port_scan_ports=10,port_scan_hosts=10," \
	"stealth_scan=3,icmp_flood_src=20,icmp_flood_dst=40,udp_flood_src=20,"    \
	"udp_flood_dst=40,malformed=3,dns_txt_rate=5,dns_long_name=80,"           \
	"dns_entropy_min_len=40"

#define MAX_ALERTS 256

struct alerts {
	int n;
	struct pl_alert_event a[MAX_ALERTS];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct alerts *al = ctx;
	struct pl_alert_event a;

	if (size < sizeof(a))
		return 0;
	memcpy(&a, data, sizeof(a));
	if (a.type == PL_EV_ALERT && al->n < MAX_ALERTS)
		al->a[al->n++] = a;
	return 0;
}

static void on_host_alert(void *arg, const struct pl_alert_event *a)
{
	struct alerts *al = arg;

	if (al->n < MAX_ALERTS)
		al->a[al->n++] = *a;
}

/* what may differ: when, and on which interface */
static void normalize(struct pl_alert_event *a)
{
	a->ts_ns = 0;
	a->ifindex = 0;
}

static void describe(const struct pl_alert_event *a)
{
	char s[64], d[64];

	snprintf(s, sizeof(s), "%u.%u.%u.%u", a->src[0], a->src[1], a->src[2], a->src[3]);
	snprintf(d, sizeof(d), "%u.%u.%u.%u", a->dst[0], a->dst[1], a->dst[2], a->dst[3]);
	fprintf(stderr, "    %s %s%s > %s count %llu thr %llu\n", pl_rule_name(a->rule),
		a->flags & PL_ALERT_IP6 ? "(v6) " : "", s, d, (unsigned long long)a->count,
		(unsigned long long)a->threshold);
}

static int kernel_run(const char *prog_name, const struct pl_det_config *cfg, struct frame *frames,
		      int n, struct alerts *out)
{
	struct packet_bpf *skel = packet_bpf__open();
	struct ring_buffer *rb = NULL;
	struct bpf_program *prog;
	int k, ret = -1;

	if (!skel)
		return -1;
	skel->rodata->emit_records = 0;
	pl_det_prepare(skel, cfg, true);
	if (packet_bpf__load(skel)) {
		fprintf(stderr, "detect_parity: cannot load the BPF programs (run as root): %s\n",
			strerror(errno));
		goto out;
	}
	prog = !strcmp(prog_name, "xdp") ? skel->progs.pktlens_xdp : skel->progs.pktlens_tc;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, out, NULL);
	if (!rb)
		goto out;
	for (k = 0; k < n; k++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frames[k].data,
			    .data_size_in = (__u32)frames[k].len, .repeat = 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &topts) && errno != EINVAL) {
			fprintf(stderr, "  %s test_run of frame %d failed: %s\n", prog_name, k + 1,
				strerror(errno));
			goto out;
		}
		ring_buffer__consume(rb);
	}
	ret = 0;
out:
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	return ret;
}

/* A SYN from 198.18.1.3:42000 to 198.18.0.9:80 (Ethernet, IPv4, TCP). */
static const uint8_t flood_syn[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
	198,  18,   1,    3,    198,  18,   0,    9,
	0xa4, 0x10, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One CPU's share of window_check()'s flood: test runs on that CPU until
 * `end`; err gets errno of a failed one. */
struct flooder {
	pthread_t t;
	int cpu, prog_fd, err;
	double end;
};

static void *flood_on_cpu(void *arg)
{
	struct flooder *f = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(f->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		f->err = errno;
		return NULL;
	}
	while (!f->err && mono_s() < f->end) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = flood_syn,
			    .data_size_in = sizeof(flood_syn), .repeat = 2000);

		if (bpf_prog_test_run_opts(f->prog_fd, &topts))
			f->err = errno;
	}
	return NULL;
}

static int by_time(const void *a, const void *b)
{
	const struct pl_alert_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/*
 * Floods pktlens_xdp with flood_syn for `seconds` on every CPU at once
 * (MAX_FLOODERS at most); every rule that alerted more than once must have
 * done so at most once a window by the alerts' own times: the kernel
 * decides on a coarser clock than it stamps with, and CPUs that judge the
 * same key at the same moment must not both alert.
 */
#define MAX_FLOODERS 8
static int window_check(const struct pl_det_config *cfg, double seconds)
{
	static struct alerts got;
	struct packet_bpf *skel = packet_bpf__open();
	struct ring_buffer *rb = NULL;
	__u64 window = cfg->half_ns * 2, last[PL_RULE__COUNT] = { 0 }, gap;
	struct flooder fl[MAX_FLOODERS] = { { 0 } };
	int i, n_flood = 0, failed = 0, n_cpus = libbpf_num_possible_cpus(), started = 0;
	cpu_set_t online;
	double end;

	memset(&got, 0, sizeof(got));
	if (!skel)
		return 1;
	skel->rodata->emit_records = 0;
	pl_det_prepare(skel, cfg, true);
	if (packet_bpf__load(skel) ||
	    !(rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &got, NULL)) ||
	    sched_getaffinity(0, sizeof(online), &online)) {
		printf("FAIL detect window: cannot load the programs: %s\n", strerror(errno));
		failed = 1;
		goto out;
	}
	end = mono_s() + seconds;
	for (i = 0; i < n_cpus && started < MAX_FLOODERS; i++) {
		struct flooder *f = &fl[started];

		if (!CPU_ISSET(i, &online))
			continue;
		f->cpu = i;
		f->prog_fd = bpf_program__fd(skel->progs.pktlens_xdp);
		f->end = end;
		if (pthread_create(&f->t, NULL, flood_on_cpu, f)) {
			printf("FAIL detect window: cannot start a thread for CPU %d\n", i);
			failed = 1;
			break;
		}
		started++;
	}
	while (mono_s() < end)
		ring_buffer__poll(rb, 50);
	for (i = 0; i < started; i++) {
		pthread_join(fl[i].t, NULL);
		if (fl[i].err) {
			printf("FAIL detect window: test_run on CPU %d: %s\n", fl[i].cpu,
			       strerror(fl[i].err));
			failed = 1;
		}
	}
	ring_buffer__consume(rb);
	/* the ring holds them in commit order, which CPUs may interleave */
	qsort(got.a, (size_t)got.n, sizeof(got.a[0]), by_time);
	for (i = 0; i < got.n; i++) {
		struct pl_alert_event *a = &got.a[i];

		if (a->rule >= PL_RULE__COUNT)
			continue;
		n_flood += a->rule == PL_RULE_SYN_FLOOD_DST;
		if (last[a->rule] && (gap = a->ts_ns - last[a->rule]) < window) {
			printf("FAIL detect window: %s alerts %.6f s apart, less than the %.3f s "
			       "window\n",
			       pl_rule_name(a->rule), gap / 1e9, window / 1e9);
			failed = 1;
		}
		last[a->rule] = a->ts_ns;
	}
	/* a flood of `seconds` windows raises one alert in each */
	if (n_flood < (int)seconds) {
		printf("FAIL detect window: %d syn_flood_dst alerts in a %.1f s flood\n", n_flood,
		       seconds);
		failed = 1;
	} else if (!failed) {
		printf("PASS detect window: %d alerts in a %.1f s SYN flood on %d CPUs at once, "
		       "each rule's a window apart\n",
		       got.n, seconds, started);
	}
out:
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	return failed;
}

static int compare(const char *what, struct alerts *kern, struct alerts *host)
{
	int i;

	if (kern->n != host->n) {
		printf("FAIL detect parity %s: %d alerts in the kernel, %d on the host\n", what,
		       kern->n, host->n);
		fprintf(stderr, "  kernel:\n");
		for (i = 0; i < kern->n; i++)
			describe(&kern->a[i]);
		fprintf(stderr, "  host:\n");
		for (i = 0; i < host->n; i++)
			describe(&host->a[i]);
		return 1;
	}
	for (i = 0; i < kern->n; i++) {
		normalize(&kern->a[i]);
		normalize(&host->a[i]);
		if (memcmp(&kern->a[i], &host->a[i], sizeof(kern->a[i]))) {
			printf("FAIL detect parity %s: alert %d differs\n", what, i + 1);
			describe(&kern->a[i]);
			describe(&host->a[i]);
			return 1;
		}
	}
	printf("PASS detect parity %s: the same %d alerts in the kernel and on the host\n", what,
	       kern->n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct alerts kern, host;
	struct pl_det_config cfg;
	struct pl_det_host *h;
	struct frame *frames = NULL;
	struct pl_pkt pkt;
	const char *progs[] = { "xdp", "tc" };
	uint32_t seen = 0;
	char err[256];
	int n, k, p, failed = 0;
	unsigned r;

	if (argc != 2) {
		fprintf(stderr, "usage: detect_parity FILE.pcap\n");
		return 2;
	}
	n = read_frames(argv[1], &frames);
	if (n <= 0)
		return 1;
	pl_det_config_default(&cfg);
	if (pl_det_config_set_list(&cfg, THRESHOLDS, err, sizeof(err))) {
		fprintf(stderr, "detect_parity: %s\n", err);
		return 1;
	}
	for (p = 0; p < 2; p++) {
		memset(&kern, 0, sizeof(kern));
		memset(&host, 0, sizeof(host));
		if (kernel_run(progs[p], &cfg, frames, n, &kern)) {
			printf("FAIL detect parity %s: the kernel run failed\n", progs[p]);
			failed++;
			continue;
		}
		h = pl_det_host_new(&cfg, on_host_alert, &host);
		if (!h)
			return 1;
		for (k = 0; k < n; k++)
			pl_det_host_frame(h, &pkt, NULL, PL_LINK_ETHERNET, frames[k].data,
					  (uint32_t)frames[k].len, (uint32_t)frames[k].len,
					  1000000000ull * 1000);
		pl_det_host_free(h);
		failed += compare(progs[p], &kern, &host);
		for (k = 0; k < kern.n; k++)
			seen |= 1u << kern.a[k].rule;
	}
	/* the largest program: --enforce, --rate-limit and an allow list on */
	{
		struct packet_bpf *big = packet_bpf__open();
		struct pl_det_config ecfg = cfg;

		ecfg.enforce_ttl_ns = 60ull * 1000000000ull;
		ecfg.rate_limit_pps = 1000;
		ecfg.allow_n = 1;
		if (big)
			pl_det_prepare(big, &ecfg, true);
		if (big && !packet_bpf__load(big)) {
			printf("PASS detect program with --enforce, --rate-limit and --allow "
			       "loads\n");
		} else {
			printf("FAIL detect program with --enforce, --rate-limit and --allow: %s\n",
			       strerror(errno));
			failed++;
		}
		packet_bpf__destroy(big);
	}
	failed += window_check(&cfg, 3.5);
	for (r = PL_RULE_NONE + 1; r < PL_RULE__COUNT; r++) {
		if (!(seen & (1u << r))) {
			printf("FAIL detect parity: rule %s never fired\n", pl_rule_name(r));
			failed++;
		}
	}
	if (!failed)
		printf("PASS detect parity: all %d rules fired\n", PL_RULE__COUNT - 1);
	free(frames);
	return failed ? 1 : 0;
}
