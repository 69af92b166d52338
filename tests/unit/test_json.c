/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit test for src/output/json.c, the record writer: escaping of every
 * byte, integers at their limits, addresses against inet_ntop(), times
 * against gmtime_r()/localtime_r(), records that span the buffer, and
 * write errors. Built under ASan/UBSan (make build/san/test_json).
 *
 * Prints "PASS name" / "FAIL name: detail" per check (tests/unit/check.h);
 * exits 1 if any failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/json.h"
#include "check.h"

/* A writer into a memory stream: what it wrote, as a string. */
struct mem {
	FILE *f;
	char *data;
	size_t len;
	char *buf;
	struct pl_out o;
};

static void mem_open(struct mem *m, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->data, &m->len);
	m->buf = malloc(cap); /* exactly cap: ASan sees a write past it */
	if (!m->f || !m->buf) {
		perror("test_json");
		exit(2);
	}
	pl_out_init_file(&m->o, m->f, m->buf, cap);
}

/* Flushes and returns what was written (valid until mem_close). */
static const char *mem_text(struct mem *m)
{
	pl_out_flush(&m->o);
	fflush(m->f);
	return m->data ? m->data : "";
}

static void mem_close(struct mem *m)
{
	fclose(m->f);
	free(m->data);
	free(m->buf);
}

/* ---- escaping ---- */

/* The rule as the record contract states it, written independently. */
static size_t ref_escape(char *dst, const unsigned char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			dst[k++] = '\\';
			dst[k++] = (char)s[i];
		} else if (s[i] < 0x20 || s[i] >= 0x7f) {
			k += (size_t)sprintf(dst + k, "\\u%04x", s[i]);
		} else {
			dst[k++] = (char)s[i];
		}
	}
	dst[k] = 0;
	return k;
}

static void test_escape_every_byte(void)
{
	char want[16], detail[96];
	int c, bad = -1;

	for (c = 0; c < 256 && bad < 0; c++) {
		unsigned char b = (unsigned char)c;
		struct mem m;

		mem_open(&m, PL_OUT_BUF_MIN);
		pl_out_escaped(&m.o, &b, 1);
		ref_escape(want, &b, 1);
		if (strcmp(mem_text(&m), want))
			bad = c;
		mem_close(&m);
	}
	snprintf(detail, sizeof(detail), "byte 0x%02x", bad);
	check_result("escape_every_byte", bad < 0, detail);

	/* spot checks of the rule itself */
	{
		struct mem m;

		mem_open(&m, PL_OUT_BUF_MIN);
		pl_out_escaped(&m.o, "a\"b\\c\n\x7f\xc3\xa9/\0z", 12);
		check_result("escape_examples",
			     !strcmp(mem_text(&m), "a\\\"b\\\\c\\u000a\\u007f\\u00c3\\u00a9/"
						   "\\u0000z"),
			     mem_text(&m));
		mem_close(&m);
	}
}

/* A long string of every byte, escaped through a small buffer: the runs
 * and escapes cross its end many times. */
static void test_escape_long(void)
{
	size_t n = 50000, i;
	unsigned char *s = malloc(n);
	char *want = malloc(6 * n + 3);
	struct mem m;

	for (i = 0; i < n; i++)
		s[i] = (unsigned char)(i * 7919 % 251 < 120 ? 'a' + i % 26 : i * 31 % 256);
	want[0] = '"';
	i = 1 + ref_escape(want + 1, s, n);
	want[i] = '"';
	want[i + 1] = 0;
	mem_open(&m, PL_OUT_BUF_MIN);
	pl_out_char(&m.o, '"');
	pl_out_escaped(&m.o, s, n);
	pl_out_char(&m.o, '"');
	check_result("escape_long_across_buffer", !strcmp(mem_text(&m), want), NULL);
	mem_close(&m);
	free(s);
	free(want);
}

/* ---- numbers ---- */

static void test_unsigned(void)
{
	uint64_t v[80];
	size_t n = 0, i;
	uint64_t p = 1;
	char want[32], got[32], detail[96] = "";
	int ok = 1;

	v[n++] = 0;
	v[n++] = UINT32_MAX;
	v[n++] = (uint64_t)UINT32_MAX + 1;
	v[n++] = UINT64_MAX;
	v[n++] = UINT64_MAX - 1;
	for (i = 0; i < 19; i++, p *= 10) {
		v[n++] = p;
		v[n++] = p - 1;
		v[n++] = p + 1;
	}
	v[n++] = p; /* 10^19 */
	v[n++] = p - 1;
	for (i = 0; i < n && ok; i++) {
		got[pl_fmt_u64(got, v[i])] = 0;
		snprintf(want, sizeof(want), "%" PRIu64, v[i]);
		if (strcmp(got, want)) {
			ok = 0;
			snprintf(detail, sizeof(detail), "got %s want %s", got, want);
		}
	}
	check_result("u64_limits", ok, detail);

	/* and a million pseudo-random values of every length */
	{
		uint64_t x = 0x9e3779b97f4a7c15ull;

		for (i = 0; i < 1000000 && ok; i++) {
			uint64_t val;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			val = x >> (x % 64);
			got[pl_fmt_u64(got, val)] = 0;
			snprintf(want, sizeof(want), "%" PRIu64, val);
			if (strcmp(got, want)) {
				ok = 0;
				snprintf(detail, sizeof(detail), "got %s want %s", got, want);
			}
		}
		check_result("u64_random", ok, detail);
	}
}

static void test_signed(void)
{
	int64_t v[] = { 0,
			1,
			-1,
			9,
			-9,
			10,
			-10,
			INT32_MAX,
			INT32_MIN,
			(int64_t)INT32_MIN - 1,
			INT64_MAX,
			INT64_MIN,
			INT64_MIN + 1,
			-1000000000000000000ll };
	char want[32], got[32], detail[96] = "";
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(v) / sizeof(v[0]) && ok; i++) {
		got[pl_fmt_i64(got, v[i])] = 0;
		snprintf(want, sizeof(want), "%" PRId64, v[i]);
		if (strcmp(got, want)) {
			ok = 0;
			snprintf(detail, sizeof(detail), "got %s want %s", got, want);
		}
	}
	check_result("i64_limits", ok, detail);
}

static void test_fixed_and_hex(void)
{
	char got[32];

	pl_fmt_u64_fixed(got, 0, 9);
	got[9] = 0;
	check_result("fixed_zero_9", !strcmp(got, "000000000"), got);
	pl_fmt_u64_fixed(got, 999999999, 9);
	got[9] = 0;
	check_result("fixed_max_9", !strcmp(got, "999999999"), got);
	pl_fmt_u64_fixed(got, 42, 6);
	got[6] = 0;
	check_result("fixed_6", !strcmp(got, "000042"), got);
	pl_fmt_u64_fixed(got, 7, 3);
	got[3] = 0;
	check_result("fixed_3", !strcmp(got, "007"), got);
	pl_fmt_u64_fixed(got, 5, 1);
	got[1] = 0;
	check_result("fixed_1", !strcmp(got, "5"), got);

	got[pl_fmt_hex(got, 0, 4)] = 0;
	check_result("hex_zero", !strcmp(got, "0000"), got);
	got[pl_fmt_hex(got, 0x303, 4)] = 0;
	check_result("hex_0303", !strcmp(got, "0303"), got);
	got[pl_fmt_hex(got, 0xffff, 4)] = 0;
	check_result("hex_ffff", !strcmp(got, "ffff"), got);
	got[pl_fmt_hex(got, 0x1abcd, 4)] = 0;
	check_result("hex_wider_than_width", !strcmp(got, "1abcd"), got);
	got[pl_fmt_hex(got, UINT64_MAX, 4)] = 0;
	check_result("hex_u64_max", !strcmp(got, "ffffffffffffffff"), got);
}

/* pl_out_decimal against printf's "%.*f" of the double: around every
 * rounding boundary, at the ties, and at random over the whole range. */
static void test_decimal(void)
{
	static const struct {
		uint64_t unit;
		unsigned int digits;
	} f[] = {
		{ 1000000, 3 }, { 1000000, 2 }, { 1000000000, 1 }, { 1000, 0 }, { 1, 0 },
	};
	uint64_t seed = 0x9e3779b97f4a7c15ull, v, step, n_checked = 0;
	char want[64], bad[160] = "";
	struct pl_out o;
	char buf[PL_OUT_BUF_MIN];
	size_t i;
	int k;

	pl_out_init_file(&o, stdout, buf, sizeof(buf)); /* never flushed */
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		step = f[i].unit;
		for (k = 0; k < (int)f[i].digits; k++)
			step /= 10;
		for (k = 0; k < 100000; k++) {
			if (k < 4000) /* around the boundaries of small numbers */
				v = (uint64_t)(k / 8) * step + step / 2 + (uint64_t)(k % 8) - 4;
			else if (k < 8000)
				v = (uint64_t)k * 7919;
			else {
				seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
				v = seed >> (seed % 60);
			}
			o.len = 0;
			pl_out_decimal(&o, v, f[i].unit, f[i].digits);
			snprintf(want, sizeof(want), "%.*f", (int)f[i].digits,
				 (double)v / (double)f[i].unit);
			if ((o.len != strlen(want) || memcmp(o.buf, want, o.len)) && !bad[0])
				snprintf(bad, sizeof(bad),
					 "%" PRIu64 "/%" PRIu64 ": got %.*s, printf %s", v,
					 f[i].unit, (int)o.len, o.buf, want);
			n_checked++;
		}
	}
	o.len = 0;
	check_result("decimal_as_printf", !bad[0] && n_checked == 500000, bad);
}

/* ---- addresses ---- */

static void test_ip4(void)
{
	uint8_t a[4];
	char want[INET_ADDRSTRLEN], got[32], detail[96] = "";
	uint32_t i;
	int ok = 1;

	/* every value of each octet in every position, the others varied */
	for (i = 0; i < 4 * 256 && ok; i++) {
		memset(a, (int)(i * 37 % 256), sizeof(a));
		a[i / 256] = (uint8_t)i;
		a[(i / 256 + 1) % 4] = (uint8_t)(255 - i);
		got[pl_fmt_ip4(got, a)] = 0;
		inet_ntop(AF_INET, a, want, sizeof(want));
		if (strcmp(got, want)) {
			ok = 0;
			snprintf(detail, sizeof(detail), "got %s want %s", got, want);
		}
	}
	check_result("ip4_vs_inet_ntop", ok, detail);
}

/*
 * IPv6 against glibc's inet_ntop(): every pattern of zero and nonzero
 * words (2^8), each with small, large and 0xffff values, so every run of
 * zeros, every tie between runs, and the mapped and compatible IPv4 forms
 * come up; then random addresses.
 */
static void test_ip6(void)
{
	static const unsigned int vals[] = { 1, 0xf, 0x10, 0xabc, 0xffff, 0x1000, 0xdb8 };
	char want[INET6_ADDRSTRLEN], got[64], detail[160] = "";
	uint8_t a[16];
	unsigned int pat, v, w, k;
	uint64_t x = 12345;
	int ok = 1, i;

	for (pat = 0; pat < 256 && ok; pat++) {
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]) && ok; v++) {
			for (w = 0; w < 8; w++) {
				unsigned int val = pat >> w & 1 ? vals[(v + w) % 7] : 0;

				a[2 * w] = (uint8_t)(val >> 8);
				a[2 * w + 1] = (uint8_t)val;
			}
			got[pl_fmt_ip6(got, a)] = 0;
			inet_ntop(AF_INET6, a, want, sizeof(want));
			if (strcmp(got, want)) {
				ok = 0;
				snprintf(detail, sizeof(detail), "got %s want %s", got, want);
			}
		}
	}
	check_result("ip6_zero_runs_vs_inet_ntop", ok, detail);

	/* ::ffff:a.b.c.d, ::a.b.c.d, and their near misses */
	{
		static const uint8_t cases[][16] = {
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 198, 18, 0, 1 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4 },
			{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 1, 2, 3, 4 },
			{ 0 },
			{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
			{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 },
			{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 },
			{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			  0xff, 0xff, 0xff, 0xff },
		};

		for (k = 0; k < sizeof(cases) / sizeof(cases[0]) && ok; k++) {
			got[pl_fmt_ip6(got, cases[k])] = 0;
			inet_ntop(AF_INET6, cases[k], want, sizeof(want));
			if (strcmp(got, want)) {
				ok = 0;
				snprintf(detail, sizeof(detail), "got %s want %s", got, want);
			}
		}
		check_result("ip6_embedded_ipv4_vs_inet_ntop", ok, detail);
	}

	for (k = 0; k < 200000 && ok; k++) {
		for (i = 0; i < 16; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			a[i] = x % 3 ? 0 : (uint8_t)(x >> 8);
		}
		got[pl_fmt_ip6(got, a)] = 0;
		inet_ntop(AF_INET6, a, want, sizeof(want));
		if (strcmp(got, want)) {
			ok = 0;
			snprintf(detail, sizeof(detail), "got %s want %s", got, want);
		}
	}
	check_result("ip6_random_vs_inet_ntop", ok, detail);
}

static void test_mac(void)
{
	static const uint8_t m1[6] = { 0, 0, 0, 0, 0, 0 },
			     m2[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
			     m3[6] = { 0x02, 0x00, 0x0a, 0xbc, 0x7f, 0x80 };
	char got[32];

	got[pl_fmt_mac(got, m1)] = 0;
	check_result("mac_zero", !strcmp(got, "00:00:00:00:00:00"), got);
	got[pl_fmt_mac(got, m2)] = 0;
	check_result("mac_broadcast", !strcmp(got, "ff:ff:ff:ff:ff:ff"), got);
	got[pl_fmt_mac(got, m3)] = 0;
	check_result("mac_lowercase", !strcmp(got, "02:00:0a:bc:7f:80"), got);
}

/* ---- times ---- */

static void test_times(void)
{
	char want[64], detail[160] = "";
	struct mem m;
	int ok = 1, i;

	mem_open(&m, PL_OUT_BUF_MIN);
	pl_out_epoch(&m.o, 0);
	pl_out_char(&m.o, ' ');
	pl_out_epoch(&m.o, 1795487259110105000ull);
	pl_out_char(&m.o, ' ');
	pl_out_epoch(&m.o, UINT64_MAX);
	check_result("epoch",
		     !strcmp(mem_text(&m), "0.000000000 1795487259.110105000 "
					   "18446744073.709551615"),
		     mem_text(&m));
	mem_close(&m);

	/* ISO times against gmtime_r + strftime, the cached second changing
	 * (or not) between calls */
	for (i = 0; i < 2000 && ok; i++) {
		uint64_t ns = 1700000000000000000ull +
			      (uint64_t)i * 987654321123ull % 9000000000000000ull;
		time_t t = (time_t)(ns / 1000000000);
		struct tm tm;
		char s[32];
		int digits = i % 4 == 0 ? 0 : i % 4 == 1 ? 3 : i % 4 == 2 ? 6 : 9;

		gmtime_r(&t, &tm);
		strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
		if (digits == 9)
			snprintf(want, sizeof(want), "%s.%09" PRIu64 "Z", s, ns % 1000000000);
		else if (digits == 6)
			snprintf(want, sizeof(want), "%s.%06" PRIu64 "Z", s,
				 ns % 1000000000 / 1000);
		else if (digits == 3)
			snprintf(want, sizeof(want), "%s.%03" PRIu64 "Z", s,
				 ns % 1000000000 / 1000000);
		else
			snprintf(want, sizeof(want), "%sZ", s);
		mem_open(&m, PL_OUT_BUF_MIN);
		pl_out_iso_time(&m.o, ns - 1000000000, (unsigned int)digits); /* another second */
		pl_out_iso_time(&m.o, ns, (unsigned int)digits);
		if (strcmp(mem_text(&m) + strlen(want), want)) {
			ok = 0;
			snprintf(detail, sizeof(detail), "got %s want %s", mem_text(&m), want);
		}
		mem_close(&m);
	}
	check_result("iso_time_vs_gmtime", ok, detail);

	/* local clock across a DST change, second by second, against
	 * localtime_r: the cache must follow every second */
	setenv("TZ", "America/New_York", 1);
	tzset();
	mem_open(&m, 1 << 20);
	{
		/* 2024-03-10 06:59:00 UTC .. 07:01:00 (02:00 EST -> 03:00 EDT) */
		uint64_t base = 1710053940ull * 1000000000ull + 123456789;
		char *exp = malloc(200 * 16 + 1);
		size_t k = 0;

		for (i = 0; i < 200; i++) {
			uint64_t ns = base + (uint64_t)i * 500000000ull; /* two per second */
			time_t t = (time_t)(ns / 1000000000);
			struct tm tm;

			localtime_r(&t, &tm);
			k += (size_t)sprintf(exp + k, "%02d:%02d:%02d.%06u\n", tm.tm_hour,
					     tm.tm_min, tm.tm_sec,
					     (unsigned int)(ns % 1000000000 / 1000));
			pl_out_clock(&m.o, ns);
			pl_out_char(&m.o, '\n');
		}
		ok = !strcmp(mem_text(&m), exp);
		check_result("clock_vs_localtime_across_dst", ok, ok ? NULL : "differs");
		free(exp);
	}
	mem_close(&m);
	unsetenv("TZ");
	tzset();
}

/* ---- JSON objects ---- */

static void test_object(void)
{
	static const uint8_t ip4[4] = { 198, 18, 0, 1 }, mac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct mem m;

	mem_open(&m, PL_OUT_BUF_MIN);
	pl_json_begin(&m.o);
	pl_json_cstr(&m.o, "event", "x");
	pl_json_uint(&m.o, "u", UINT64_MAX);
	pl_json_int(&m.o, "i", -5);
	pl_json_bool(&m.o, "t", true);
	pl_json_bool(&m.o, "f", false);
	pl_json_str(&m.o, "s", "a\"\x01", 3);
	pl_json_ip4(&m.o, "ip", ip4);
	pl_json_ip6(&m.o, "ip6", ip6);
	pl_json_mac(&m.o, "mac", mac);
	pl_json_iso_time(&m.o, "@timestamp", 0, 9);
	pl_json_end(&m.o);
	pl_json_begin(&m.o);
	pl_json_end(&m.o);
	check_result("json_object",
		     !strcmp(mem_text(&m), "{\"event\":\"x\",\"u\":18446744073709551615,\"i\":-5,"
					   "\"t\":true,\"f\":false,"
					   "\"s\":\"a\\\"\\u0001\",\"ip\":\"198.18.0.1\",\"ip6\":"
					   "\"2001:db8::1\","
					   "\"mac\":\"02:00:00:00:00:01\",\"@timestamp\":\"1970-01-"
					   "01T00:00:00.000000000Z\"}\n"
					   "{}\n"),
		     mem_text(&m));
	mem_close(&m);
}

/* ---- the buffer: records across its end, fd and stream mode ---- */

static void test_many_records_fd(void)
{
	char path[] = "/tmp/test_json.XXXXXX", *want, *got;
	int fd = mkstemp(path), i, n = 100000;
	char *buf = malloc(PL_OUT_BUF_MIN);
	size_t k = 0, len;
	struct pl_out o;
	FILE *f;

	want = malloc((size_t)n * 64);
	pl_out_init_fd(&o, fd, buf, PL_OUT_BUF_MIN);
	for (i = 0; i < n; i++) {
		pl_json_begin(&o);
		pl_json_uint(&o, "n", (uint64_t)i * 1000003u);
		pl_json_int(&o, "neg", -i);
		pl_json_str(&o, "s", "\\", 1);
		pl_json_end(&o);
		k += (size_t)snprintf(want + k, 64, "{\"n\":%llu,\"neg\":%d,\"s\":\"\\\\\"}\n",
				      (unsigned long long)i * 1000003u, -i);
	}
	pl_out_printf(&o, "%s %d\n", "printf", 42);
	k += (size_t)snprintf(want + k, 64, "printf 42\n");
	check_result("fd_flush_ok", pl_out_flush(&o) == 0, NULL);
	close(fd);
	f = fopen(path, "r");
	got = malloc(k + 1);
	len = fread(got, 1, k + 1, f);
	fclose(f);
	unlink(path);
	check_result("fd_records_across_buffer", len == k && !memcmp(got, want, k), NULL);
	free(got);
	free(want);
	free(buf);
}

/* a writer to a function (the Kafka sink): each record handed on whole,
 * one call a record, even when many records pass through a small buffer */
struct calls {
	int n, bad;
	size_t total;
};

static void on_rec(void *ctx, const char *rec, size_t len)
{
	struct calls *c = ctx;
	char want[64];
	int n = snprintf(want, sizeof(want), "{\"n\":%d,\"s\":\"x\\u0001\"}\n", c->n);

	if ((size_t)n != len || memcmp(rec, want, len))
		c->bad++;
	c->n++;
	c->total += len;
}

static void test_records_to_fn(void)
{
	char *buf = malloc(PL_OUT_BUF_MIN);
	struct calls c = { 0 };
	struct pl_out o;
	int i;

	pl_out_init_fn(&o, on_rec, &c, buf, PL_OUT_BUF_MIN);
	for (i = 0; i < 1000; i++) {
		pl_json_begin(&o);
		pl_json_uint(&o, "n", (uint64_t)i);
		pl_json_str(&o, "s", "x\x01", 2);
		pl_json_end(&o);
	}
	check_result("fn_one_call_per_record", c.n == 1000 && !c.bad && pl_out_flush(&o) == 0,
		     NULL);
	free(buf);
}

/* printf into a nearly full buffer: written out, then formatted again */
static void test_printf_at_end(void)
{
	struct mem m;
	size_t i;
	int ok;

	mem_open(&m, PL_OUT_BUF_MIN);
	m.o.per_record = false; /* keep it all in the buffer */
	for (i = 0; i < PL_OUT_BUF_MIN - 3; i++)
		pl_out_char(&m.o, 'x');
	pl_out_printf(&m.o, "%.2f|%s", 4.875, "end");
	ok = strlen(mem_text(&m)) == PL_OUT_BUF_MIN - 3 + 8 &&
	     !strcmp(mem_text(&m) + PL_OUT_BUF_MIN - 3, "4.88|end");
	check_result("printf_at_buffer_end", ok, NULL);
	mem_close(&m);
}

/* ---- write errors ---- */

static void test_errors(void)
{
	char *buf = malloc(PL_OUT_BUF_MIN);
	struct pl_out o;
	int fd, p[2], i;
	FILE *f;

	/* a full disk: the error is kept, later output dropped */
	fd = open("/dev/full", O_WRONLY);
	pl_out_init_fd(&o, fd, buf, PL_OUT_BUF_MIN);
	for (i = 0; i < 10000; i++)
		pl_out_str(&o, "a line that will never be written\n");
	check_result("fd_enospc_kept", o.err == ENOSPC, strerror(o.err));
	check_result("fd_enospc_flush", pl_out_flush(&o) == -ENOSPC, NULL);
	check_result("fd_dropped_after_error", o.len == 0, NULL);
	close(fd);

	/* a closed pipe (SIGPIPE ignored): EPIPE */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) == 0) {
		close(p[0]);
		pl_out_init_fd(&o, p[1], buf, PL_OUT_BUF_MIN);
		pl_out_str(&o, "x\n");
		check_result("fd_epipe", pl_out_flush(&o) == -EPIPE, strerror(o.err));
		close(p[1]);
	}
	signal(SIGPIPE, SIG_DFL);

	/* a descriptor that is not open */
	pl_out_init_fd(&o, 1000, buf, PL_OUT_BUF_MIN);
	pl_out_str(&o, "x\n");
	check_result("fd_ebadf", pl_out_flush(&o) == -EBADF, strerror(o.err));

	/* a stream on a full disk, unbuffered so fwrite itself fails */
	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		pl_out_init_file(&o, f, buf, PL_OUT_BUF_MIN);
		pl_json_begin(&o);
		pl_json_uint(&o, "a", 1);
		pl_json_end(&o);
		check_result("file_enospc", o.err == ENOSPC, strerror(o.err));
		check_result("take_error", pl_out_take_error(&o) == ENOSPC && o.err == 0, NULL);
		pl_out_str(&o, "again\n");
		check_result("file_error_again_after_take", pl_out_flush(&o) == -ENOSPC, NULL);
		fclose(f);
	}
	free(buf);
}

int main(void)
{
	test_escape_every_byte();
	test_escape_long();
	test_unsigned();
	test_signed();
	test_fixed_and_hex();
	test_decimal();
	test_ip4();
	test_ip6();
	test_mac();
	test_times();
	test_object();
	test_many_records_fd();
	test_records_to_fn();
	test_printf_at_end();
	test_errors();
	return check_summary("test_json");
}
