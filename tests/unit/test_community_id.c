// SPDX-License-Identifier: BSD-2-Clause
/*
 * util/community_id.c against the spec's published baseline
 * (corelight/community-id-spec, baseline/README.md's tables and
 * baseline/baseline_deflt.json): every tuple there, both directions where
 * the spec gives both, with seed 0 and seed 1.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include "check.h"
#include "output/flow_output.h"
#include "util/community_id.h"

struct vec {
	uint16_t seed;
	uint8_t proto;
	const char *src, *dst;
	int sport, dport; /* -1: no ports (RSVP) */
	const char *want;
};

#define V6A "fe80:0001:0203:0405:0607:0809:0A0B:0C0D"
#define V6B "fe80:1011:1213:1415:1617:1819:1A1B:1C1D"

static const struct vec vecs[] = {
	/* baseline/README.md, default settings */
	{ 0, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 0, 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 0, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 0, 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 0, 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
	{ 0, 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
	{ 0, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
	{ 0, 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
	{ 0, 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=" },
	{ 0, 58, V6A, V6B, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
	{ 0, 58, V6B, V6A, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
	{ 0, 58, V6A, V6B, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=" },
	{ 0, 46, "1.2.3.4", "5.6.7.8", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768=" },
	{ 0, 46, "5.6.7.8", "1.2.3.4", -1, -1, "1:ikv3kmf89luf73WPz1jOs49S768=" },
	{ 0, 46, V6A, V6B, -1, -1, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=" },
	{ 0, 46, V6B, V6A, -1, -1, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=" },
	/* baseline/README.md, seed=1 */
	{ 1, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 1, 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 1, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 1, 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
	{ 1, 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
	{ 1, 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:1DD7cWGC/Yg91YGsQeni8du3pIA=" },
	{ 1, 58, V6B, V6A, 129, 0, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
	{ 1, 58, V6A, V6B, 146, 0, "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=" },
	{ 1, 46, V6B, V6A, -1, -1, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
	/* baseline/baseline_deflt.json (community-id-pcap on pcaps/combined.pcap) */
	{ 0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 0, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
	  "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
	{ 0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
	  "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
	{ 0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 0, 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 0, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
	{ 0, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
	{ 0, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 0, 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 0, 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
	{ 0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 0, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 0, 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 0, 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 0, 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 0, 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 0, 46, "10.1.12.1", "10.1.12.2", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	{ 0, 46, "10.1.12.2", "10.1.12.1", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
};

static bool addr(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	return inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, a) == 1;
}

static void test_baseline(void)
{
	size_t i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		char got[PL_COMMUNITY_ID_LEN];
		uint8_t s[16], d[16];
		bool ip6 = strchr(v->src, ':') != NULL;
		size_t n;

		if (!addr(v->src, s) || !addr(v->dst, d)) {
			failf(__LINE__, "vector %zu: bad address", i);
			return;
		}
		n = pl_community_id(got, v->seed, ip6, s, d, v->proto,
				    (uint16_t)(v->sport < 0 ? 0 : v->sport),
				    (uint16_t)(v->dport < 0 ? 0 : v->dport));
		if (n != strlen(v->want) || strcmp(got, v->want)) {
			failf(__LINE__, "vector %zu (%s > %s proto %u seed %u): got '%s', want '%s'", i,
			      v->src, v->dst, v->proto, v->seed, got, v->want);
			return;
		}
	}
}

/* the ID depends on every field: a changed port, address, protocol or
 * seed gives another one (a hash that ignored a field would pass the
 * symmetric vectors) */
static void test_fields_matter(void)
{
	uint8_t s[16], d[16];
	char a[PL_COMMUNITY_ID_LEN], b[PL_COMMUNITY_ID_LEN];

	addr("198.18.0.2", s);
	addr("198.18.0.1", d);
	pl_community_id(a, 0, false, s, d, 17, 40001, 7001);
	pl_community_id(b, 0, false, s, d, 17, 40001, 7002);
	TRUE(strcmp(a, b) != 0);
	pl_community_id(b, 0, false, s, d, 6, 40001, 7001);
	TRUE(strcmp(a, b) != 0);
	pl_community_id(b, 2, false, s, d, 17, 40001, 7001);
	TRUE(strcmp(a, b) != 0);
	s[3] = 3;
	pl_community_id(b, 0, false, s, d, 17, 40001, 7001);
	TRUE(strcmp(a, b) != 0);
}

/* a flow record's ID: the flow key holds ICMP's type and code in dport */
static void test_flow_key(void)
{
	struct pl_flow_key k = { .ip_ver = 4, .proto = 1, .dport = 8 << 8 };
	char id[PL_COMMUNITY_ID_LEN];

	addr("1.2.3.4", k.src);
	addr("5.6.7.8", k.dst);
	EQ(pl_flow_community_id(&k, id), 30);
	TRUE(!strcmp(id, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="));
	k.proto = 6, k.sport = 1122, k.dport = 3344;
	pl_flow_community_id(&k, id);
	TRUE(!strcmp(id, "1:wCb3OG7yAFWelaUydu0D+125CLM="));
}

int main(void)
{
	run("community-id-flow-key", test_flow_key);
	run("community-id-spec-baseline", test_baseline);
	run("community-id-every-field-counts", test_fields_matter);
	return check_summary("test_community_id");
}
