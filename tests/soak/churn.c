// SPDX-License-Identifier: BSD-2-Clause
/*
 * The soak's flow churn: RATE new UDP flows a second, sent as raw frames on
 * IFACE (AF_PACKET) until SIGTERM/SIGINT or --count flows. Flow i is one
 * 5-tuple nobody else sends, so the soak can tell from an exported record
 * which flow it is (tests/soak/check_flows.py decodes it the same way):
 *
 *   family   i & 1: 0 IPv4 from 198.19.0.0/16, 1 IPv6 from 2001:db8:5a1::/48
 *   j        i >> 1
 *   source   address number j / 60000 + 1, port 1024 + j % 60000
 *   dest     DST4 or DST6 (the server), UDP port 9
 *   packets  1 + i % 3, back to back (the record must count them all)
 *
 * The payload carries "plsoak" and i. At exit one line on stdout:
 *   flows N packets P send_errors E seconds S
 * A frame that cannot be sent (ENOBUFS) is retried; one that still fails
 * after 1000 tries counts in E, and its flow index goes to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORTS_PER_SOURCE 60000
#define DST_PORT	 9

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	return 0;
}

static uint32_t sum16(const void *p, size_t n, uint32_t s)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

struct payload {
	char magic[6];
	uint64_t index; /* big endian */
} __attribute__((packed));

/* The frame of flow i into buf; returns its length. */
static size_t build(unsigned char *buf, uint64_t i, const unsigned char src_mac[6],
		    const unsigned char dst_mac[6], struct in_addr dst4, struct in6_addr dst6)
{
	struct ether_header *eth = (void *)buf;
	uint64_t j = i >> 1;
	uint32_t src_no = (uint32_t)(j / PORTS_PER_SOURCE) + 1;
	uint16_t sport = (uint16_t)(1024 + j % PORTS_PER_SOURCE);
	struct payload pl = { .magic = "plsoak" };
	struct udphdr *udp;
	size_t l3, ulen = sizeof(*udp) + sizeof(pl);
	uint32_t s;
	int k;

	for (k = 0; k < 8; k++)
		((unsigned char *)&pl.index)[k] = (unsigned char)(i >> (56 - 8 * k));
	memcpy(eth->ether_dhost, dst_mac, 6);
	memcpy(eth->ether_shost, src_mac, 6);
	if (!(i & 1)) {
		struct iphdr *ip = (void *)(buf + sizeof(*eth));

		eth->ether_type = htons(ETHERTYPE_IP);
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons((uint16_t)(sizeof(*ip) + ulen));
		ip->id = htons((uint16_t)i);
		ip->saddr = htonl(0xc6130000u | (src_no & 0xffff)); /* 198.19.x.y */
		ip->daddr = dst4.s_addr;
		ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
		udp = (void *)(ip + 1);
		l3 = sizeof(*ip);
		udp->source = htons(sport);
		udp->dest = htons(DST_PORT);
		udp->len = htons((uint16_t)ulen);
		udp->check = 0; /* optional over IPv4 */
		memcpy(udp + 1, &pl, sizeof(pl));
	} else {
		struct ip6_hdr *ip6 = (void *)(buf + sizeof(*eth));

		eth->ether_type = htons(ETHERTYPE_IPV6);
		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons((uint16_t)ulen);
		ip6->ip6_nxt = IPPROTO_UDP;
		ip6->ip6_hlim = 64;
		inet_pton(AF_INET6, "2001:db8:5a1::", &ip6->ip6_src);
		ip6->ip6_src.s6_addr[12] = (unsigned char)(src_no >> 24);
		ip6->ip6_src.s6_addr[13] = (unsigned char)(src_no >> 16);
		ip6->ip6_src.s6_addr[14] = (unsigned char)(src_no >> 8);
		ip6->ip6_src.s6_addr[15] = (unsigned char)src_no;
		ip6->ip6_dst = dst6;
		udp = (void *)(ip6 + 1);
		l3 = sizeof(*ip6);
		udp->source = htons(sport);
		udp->dest = htons(DST_PORT);
		udp->len = htons((uint16_t)ulen);
		udp->check = 0;
		memcpy(udp + 1, &pl, sizeof(pl));
		/* mandatory over IPv6: the pseudo-header, then the datagram */
		s = sum16(&ip6->ip6_src, 32, 0);
		s += (uint32_t)ulen + IPPROTO_UDP;
		s = fold(sum16(udp, ulen, s));
		udp->check = htons(s ? (uint16_t)s : 0xffff);
	}
	return sizeof(*eth) + l3 + ulen;
}

static int send_frame(int fd, const struct sockaddr_ll *to, const unsigned char *buf, size_t n)
{
	struct timespec pause = { 0, 100000 };
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		if (sendto(fd, buf, n, 0, (const struct sockaddr *)to, sizeof(*to)) == (ssize_t)n)
			return 0;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			break;
		nanosleep(&pause, NULL);
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned char src_mac[6], dst_mac[6], buf[128];
	struct sockaddr_ll to = { 0 };
	struct sigaction sa = { 0 };
	struct in_addr dst4;
	struct in6_addr dst6;
	struct timespec t0, tick;
	uint64_t i = 0, packets = 0, errors = 0, count = 0, due;
	double rate;
	int fd;

	if (argc < 7 || argc > 8 || parse_mac(argv[2], src_mac) || parse_mac(argv[3], dst_mac) ||
	    inet_pton(AF_INET, argv[4], &dst4) != 1 || inet_pton(AF_INET6, argv[5], &dst6) != 1 ||
	    (rate = atof(argv[6])) <= 0 || rate > 100000) {
		fprintf(stderr, "usage: %s IFACE SRC_MAC DST_MAC DST4 DST6 FLOWS_PER_S [COUNT]\n",
			argv[0]);
		return 2;
	}
	if (argc == 8)
		count = strtoull(argv[7], NULL, 10);
	to.sll_family = AF_PACKET;
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	to.sll_halen = 6;
	memcpy(to.sll_addr, dst_mac, 6);
	if (!to.sll_ifindex) {
		fprintf(stderr, "churn: no interface %s\n", argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, receive nothing */
	if (fd < 0) {
		perror("churn: socket(AF_PACKET)");
		return 1;
	}
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tick = t0;
	fprintf(stderr, "churn: sending %.0f flows/s on %s\n", rate, argv[1]);
	while (!stop && (!count || i < count)) {
		/* every 10 ms, the flows due by now */
		tick.tv_nsec += 10000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_nsec -= 1000000000;
			tick.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
		due = (uint64_t)(((double)(tick.tv_sec - t0.tv_sec) +
				  (double)(tick.tv_nsec - t0.tv_nsec) / 1e9) *
				 rate);
		for (; i < due && !stop && (!count || i < count); i++) {
			size_t n = build(buf, i, src_mac, dst_mac, dst4, dst6);
			unsigned k, lost = 0;

			for (k = 0; k < 1 + i % 3; k++) {
				if (send_frame(fd, &to, buf, n))
					lost++;
				else
					packets++;
			}
			if (lost) {
				errors += lost;
				fprintf(stderr,
					"churn: flow %llu: %u of %llu frames not sent: %s\n",
					(unsigned long long)i, lost,
					(unsigned long long)(1 + i % 3), strerror(errno));
			}
		}
	}
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &tick);
	printf("flows %llu packets %llu send_errors %llu seconds %.3f\n", (unsigned long long)i,
	       (unsigned long long)packets, (unsigned long long)errors,
	       (double)(tick.tv_sec - t0.tv_sec) + (double)(tick.tv_nsec - t0.tv_nsec) / 1e9);
	return errors ? 1 : 0;
}
