// SPDX-License-Identifier: BSD-2-Clause
/*
 * A bounded storm of short TCP connections for `make bench` (pktlens tcp).
 *
 *   tcpstorm serve ADDR PORT SECONDS          accept and close at once
 *   tcpstorm connect ADDR PORT SECONDS THREADS connect, wait for the close, close
 *
 * The server closes first, as an HTTP/1.0 server does, so the client keeps
 * no TIME_WAIT sockets and its ports never run out. Both ends stop after
 * SECONDS. connect prints "CONNS SECONDS RATE".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr;
static double seconds;
static atomic_ulong conns, failures;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *client(void *arg)
{
	double end = *(double *)arg;
	char buf[16];

	while (now() < end) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			atomic_fetch_add(&failures, 1);
			close(fd);
			continue;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		atomic_fetch_add(&conns, 1);
	}
	return NULL;
}

static int serve(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 1 };
	double end = now() + seconds;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 4096)) {
		perror("tcpstorm: serve");
		return 1;
	}
	/* accept() wakes up at least once a second to see the time */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("listening\n");
	fflush(stdout);
	while (now() < end) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	double start, end;
	int i, n = 1;

	if (argc < 5 || (strcmp(argv[1], "serve") && strcmp(argv[1], "connect"))) {
		fprintf(stderr, "usage: tcpstorm serve|connect ADDR PORT SECONDS [THREADS]\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[3]));
	seconds = atof(argv[4]);
	if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1 || seconds <= 0 || seconds > 120) {
		fprintf(stderr, "tcpstorm: bad address or SECONDS (0 to 120)\n");
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return serve();
	if (argc > 5)
		n = atoi(argv[5]);
	if (n < 1 || n > 64)
		n = 1;
	start = now();
	end = start + seconds;
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, client, &end);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("%lu %.3f %.0f\n", (unsigned long)conns, now() - start,
	       (double)conns / (now() - start));
	if (failures)
		fprintf(stderr, "tcpstorm: %lu connects failed\n", (unsigned long)failures);
	return 0;
}
