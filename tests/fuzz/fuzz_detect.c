/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the host detectors (src/detect/host.c running
 * src/detect/detect.c), as `pktlens read --detect` runs them: a sequence
 * of frames through pl_det_host_frame, each alert written as text and as
 * JSON (src/detect/alert.c) into /dev/null.
 *
 *   make fuzz && build/fuzz_detect tests/fuzz/corpus/detect
 *
 * An input (seeds: tests/fuzz/make_corpora.py) is
 *   byte 0        bits 0-1: link type (Ethernet, SLL, SLL2, Ethernet);
 *                 bit 2: low thresholds from the next bytes;
 *                 bit 3: frames cut by the capture (64 bytes longer on the
 *                 wire than captured)
 *   byte 1        window: (byte + 1) * 10 ms
 *   [16 bytes]    with bit 2: threshold i = 1 + byte % 16, given to the
 *                 detectors' own parser (pl_det_config_set) as --threshold
 *   then frames   1 byte of time step (units of 1 ms), 2 bytes of length
 *                 (big-endian), the frame; the last one takes what is left
 * Every frame is copied to a buffer of its exact size, for ASan. An alert
 * must name a rule and carry a detail no longer than its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"
#include "detect/config.h"
#include "detect/host.h"
#include "output/output.h"

static struct pl_out out;
static struct pl_det_host *host; /* reset for each input */

static void on_alert(void *arg, const struct pl_alert_event *a)
{
	(void)arg;
	if (a->rule <= PL_RULE_NONE || a->rule >= PL_RULE__COUNT ||
	    !strcmp(pl_rule_name(a->rule), "unknown")) {
		fprintf(stderr, "fuzz_detect: an alert of no rule (%u)\n", a->rule);
		abort();
	}
	pl_write_alert(&out, 0, a, a->ts_ns, NULL, NULL);
	pl_write_alert(&out, 1, a, a->ts_ns, "fz0", NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pl_det_config cfg;
	FILE *devnull = fopen("/dev/null", "w");
	char *buf = malloc(PL_OUT_BUF_MIN);

	(void)argc;
	(void)argv;
	if (!devnull || !buf) {
		perror("fuzz_detect: /dev/null");
		abort();
	}
	pl_out_init_fd(&out, fileno(devnull), buf, PL_OUT_BUF_MIN);
	pl_det_config_default(&cfg);
	host = pl_det_host_new(&cfg, on_alert, NULL);
	if (!host) {
		fprintf(stderr, "fuzz_detect: out of memory\n");
		abort();
	}
	return 0;
}

static const enum pl_linktype links[] = {
	PL_LINK_ETHERNET,
	PL_LINK_LINUX_SLL,
	PL_LINK_LINUX_SLL2,
	PL_LINK_ETHERNET,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_det_config cfg;
	struct pl_det_host *h;
	struct pl_pkt pkt;
	enum pl_linktype lt;
	uint32_t cut;
	uint64_t ts = 1700000000000000000ull;
	char err[256], val[32];
	size_t pos = 2;
	unsigned i;

	if (size < 2)
		return 0;
	lt = links[data[0] & 3];
	cut = data[0] & 8 ? 64 : 0;
	pl_det_config_default(&cfg);
	snprintf(val, sizeof(val), "%u.%02u", (data[1] + 1) / 100, (data[1] + 1) % 100);
	if (pl_det_config_set(&cfg, "window", val, err, sizeof(err))) {
		fprintf(stderr, "fuzz_detect: window %s: %s\n", val, err);
		abort();
	}
	if (data[0] & 4) {
		for (i = 0; i < PL_THR__COUNT && pos < size; i++, pos++) {
			snprintf(val, sizeof(val), "%u", 1 + data[pos] % 16);
			/* a value out of a threshold's range keeps its default */
			pl_det_config_set(&cfg, pl_thrs[i].name, val, err, sizeof(err));
		}
	}
	h = host;
	pl_det_host_reset(h, &cfg);
	while (pos + 3 <= size) {
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		uint8_t *frame;

		ts += (uint64_t)data[pos] * 1000000;
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		frame = malloc(len ? len : 1);
		if (!frame)
			break;
		memcpy(frame, data + pos, len);
		pl_det_host_frame(h, &pkt, NULL, lt, frame, (uint32_t)len, (uint32_t)len + cut, ts);
		free(frame);
		pos += len;
	}
	return 0;
}
