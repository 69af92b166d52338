// SPDX-License-Identifier: BSD-2-Clause
/*
 * records/hist.h and sinks/prom.c's pl_text_hist: every value lands in the
 * bucket whose bound is the smallest power of two at or above it, and the
 * exposition is cumulative, ends in +Inf and carries the sum and count.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "records/hist.h"
#include "sinks/prom.h"

/* the definition, by search rather than by halving */
static unsigned slow_bucket(uint64_t v)
{
	unsigned i;

	for (i = 0; i < PL_HIST_BUCKETS - 1; i++)
		if (i < 64 && v <= (1ULL << i))
			return i;
	return PL_HIST_BUCKETS - 1;
}

static void test_buckets(void)
{
	static const uint64_t edges[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 1023, 1024, 1025, 1ULL << 38,
					  (1ULL << 38) + 1, 1ULL << 39, (1ULL << 39) + 1, UINT64_MAX };
	uint64_t v = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		EQ(pl_hist_bucket(edges[i]), slow_bucket(edges[i]));
	for (i = 0; i < 100000; i++) {
		v ^= v << 13, v ^= v >> 7, v ^= v << 17;
		uint64_t x = v >> (v & 63);

		if (pl_hist_bucket(x) != slow_bucket(x)) {
			EQ(pl_hist_bucket(x), slow_bucket(x));
			break;
		}
	}
	EQ(pl_hist_bucket(5), 3); /* 4 < 5 <= 8 */
}

static void test_prometheus_text(void)
{
	struct pl_hist h = { 0 }, more = { 0 };
	struct pl_text t = { 0 };

	pl_hist_add(&h, 1000);	    /* bucket 10: le 1024 ns */
	pl_hist_add(&h, 3000);	    /* bucket 12 */
	pl_hist_add(&more, 3000);   /* bucket 12 */
	pl_hist_add(&more, 5 << 20); /* bucket 23 */
	pl_hist_merge(&h, &more);
	EQ(h.count, 4);
	EQ(h.sum, 1000 + 3000 + 3000 + (5 << 20));
	pl_text_hist(&t, "x_seconds", "end=\"reset\"", &h, 1e-9, 10);
	TRUE(!t.oom && t.buf);
	TRUE(strstr(t.buf, "x_seconds_bucket{end=\"reset\",le=\"1.024e-06\"} 1\n") != NULL);
	TRUE(strstr(t.buf, "x_seconds_bucket{end=\"reset\",le=\"2.048e-06\"} 1\n") != NULL);
	TRUE(strstr(t.buf, "x_seconds_bucket{end=\"reset\",le=\"4.096e-06\"} 3\n") != NULL);
	TRUE(strstr(t.buf, "x_seconds_bucket{end=\"reset\",le=\"0.008388608\"} 4\n") != NULL);
	TRUE(strstr(t.buf, "x_seconds_bucket{end=\"reset\",le=\"+Inf\"} 4\n") != NULL);
	TRUE(strstr(t.buf, "x_seconds_sum{end=\"reset\"} 0.005249") != NULL);
	TRUE(strstr(t.buf, "x_seconds_count{end=\"reset\"} 4\n") != NULL);
	TRUE(strstr(t.buf, "le=\"5.12e-07\"") == NULL); /* below first */
	free(t.buf);
	t = (struct pl_text){ 0 };
	pl_text_hist(&t, "y", NULL, &h, 1e-9, 38);
	TRUE(strstr(t.buf, "y_bucket{le=\"+Inf\"} 4\ny_sum 0.005249") != NULL);
	TRUE(strstr(t.buf, "y_count 4\n") != NULL);
	free(t.buf);
}

int main(void)
{
	run("hist: log2 buckets agree with their definition", test_buckets);
	run("hist: Prometheus buckets are cumulative, with +Inf, sum and count", test_prometheus_text);
	return check_summary("test_hist");
}
