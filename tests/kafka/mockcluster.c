// SPDX-License-Identifier: BSD-2-Clause
/*
 * librdkafka's mock cluster in a process of its own, for the Kafka tests
 * and bench/kafka.sh: the agent and kcat reach it as they would a real
 * cluster, and killing this process is brokers that vanish.
 *
 * usage: mockcluster BROKERS PARTITIONS TOPIC...
 * Prints "bootstrap HOST:PORT,..." on stderr (where tests/lib.sh's start_bg
 * waits) once the topics exist, then runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256];
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	int i, brokers, parts;

	if (argc < 4) {
		fprintf(stderr, "usage: mockcluster BROKERS PARTITIONS TOPIC...\n");
		return 2;
	}
	brokers = atoi(argv[1]);
	parts = atoi(argv[2]);
	/* this handle only hosts the cluster: nothing to connect to, nothing to say */
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "mockcluster: rd_kafka_new: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "mockcluster: cannot create the mock cluster\n");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (rd_kafka_mock_topic_create(mc, argv[i], parts, brokers < 3 ? brokers : 3)) {
			fprintf(stderr, "mockcluster: cannot create topic %s\n", argv[i]);
			return 1;
		}
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	fprintf(stderr, "bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	while (!stop)
		pause();
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
