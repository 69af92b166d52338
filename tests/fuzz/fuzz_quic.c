/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for QUIC client Initials (parse/quic.c, quic_initial.c).
 *
 *   make fuzz && build/fuzz_quic -max_len=4096 tests/fuzz/corpus/quic
 *
 * Random bytes never pass an AEAD tag, so each input is used three ways:
 *  - as the plaintext of an Initial sealed here with the RFC 9001 keys
 *    (tests/unit/quic_seal.h): the parse decrypts it, so the frame walk,
 *    the CRYPTO reassembly and the ClientHello parse see hostile bytes;
 *  - as those frames handed to pl_quic_crypto() directly;
 *  - as a UDP/443 datagram as it is (a long header of any lengths).
 * The records must keep their counts within their arrays, and are
 * printed as JSON and text into /dev/null.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "parse/parse.h"
#include "../unit/quic_seal.h"

static struct pl_out out;

static void check(const struct pl_pkt *p)
{
	if (p->malformed >= PL_MAL__COUNT || p->l7.tls.sni_len > PL_TLS_SNI_MAX ||
	    p->l7.tls.alpn_len > PL_TLS_ALPN_MAX || p->l7.tls.n_versions > PL_TLS_VERS_MAX ||
	    p->l7.tls.quic.dcid_len > PL_QUIC_CID_MAX || p->l7.tls.quic.scid_len > PL_QUIC_CID_MAX ||
	    ((p->present & PL_HAS_TLS) && !(p->present & PL_HAS_QUIC) &&
	     (p->present & PL_HAS_UDP))) {
		fprintf(stderr, "fuzz_quic: invariant broken (present 0x%x)\n", p->present);
		abort();
	}
}

static void parse_print(const uint8_t *frame, size_t n)
{
	static const struct pl_meta meta = { .ts_epoch_ns = 1700000000123456789ull };
	uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
	struct pl_pkt p;

	if (!copy)
		return;
	memcpy(copy, frame, n);
	pl_parse_frame(&p, PL_LINK_ETHERNET, copy, (uint32_t)n, (uint32_t)n);
	check(&p);
	pl_write_json(&out, &meta, &p);
	pl_write_text(&out, &meta, &p);
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	char *buf = malloc(PL_OUT_BUF_MIN);

	(void)argc;
	(void)argv;
	if (!devnull || !buf)
		abort();
	pl_out_init_fd(&out, fileno(devnull), buf, PL_OUT_BUF_MIN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	static uint8_t dgram[QS_MAX + 1300], frame[QS_MAX + 1400], hello[2048];
	size_t n, have;

	n = seal_initial(dgram, dcid, sizeof(dcid), data, size);
	if (n)
		parse_print(frame, wrap_udp(frame, dgram, n, 40000, 443));
	if (!pl_quic_crypto(data, size, hello, sizeof(hello), &have) && have > sizeof(hello))
		abort();
	if (size <= QS_MAX)
		parse_print(frame, wrap_udp(frame, data, size, 40000, 443));
	return 0;
}
