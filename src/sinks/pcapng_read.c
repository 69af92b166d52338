// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcapng input (draft-ietf-opsawg-pcapng): section headers (SHB, either
 * byte order), interface descriptions (IDB: link type, snapshot length,
 * if_name, if_tsresol, if_tsoffset), enhanced and simple packet blocks
 * (EPB, SPB) and the obsolete packet block; interface statistics (ISB)
 * and every other block are skipped by their length.
 *
 * Written by hand because libpcap 1.10 (Debian 12) takes one link type
 * and one snapshot length per file: it stops with an error at the first
 * interface that differs, and its API does not say which interface a
 * packet came on, which frame.interface_name needs. pcap files still go
 * through libpcap.
 *
 * Every length is checked against the block before it is used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pcapng_read.h"

#define BT_SHB 0x0A0D0D0A
#define BT_IDB 0x00000001
#define BT_OPB 0x00000002 /* obsolete packet block */
#define BT_SPB 0x00000003
#define BT_EPB 0x00000006
#define BOM    0x1A2B3C4D
/* libpcap's limit too: bigger blocks are damage, not packets */
#define BLOCK_MAX (16u << 20)
#define IFS_MAX	  65536u

#define OPT_END		0
#define OPT_IF_NAME	2
#define OPT_IF_TSRESOL	9
#define OPT_IF_TSOFFSET 14

static uint32_t u32(const struct pl_pcapng_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const struct pl_pcapng_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

bool pl_pcapng_first_byte(int b)
{
	return b == (BT_SHB & 0xff);
}

static int fail(struct pl_pcapng_reader *r, const char *why)
{
	snprintf(r->err, sizeof(r->err), "%s", why);
	return -1;
}

/* Reads n bytes: 1, 0 at a clean end of file (none read, when eof_ok),
 * else -1. */
static int get(struct pl_pcapng_reader *r, void *p, size_t n, bool eof_ok)
{
	size_t got = fread(p, 1, n, r->f);

	if (got == n)
		return 1;
	if (got == 0 && eof_ok && feof(r->f))
		return 0;
	return fail(r, ferror(r->f) ? strerror(errno) : "a block is cut short");
}

static int grow(struct pl_pcapng_reader *r, size_t n)
{
	uint8_t *b;

	if (n <= r->buf_cap)
		return 0;
	b = realloc(r->buf, n);
	if (!b)
		return fail(r, "out of memory for a block");
	r->buf = b;
	r->buf_cap = n;
	return 0;
}

/*
 * One block into r->buf: its type, and its body (between the length
 * fields) in body[0, *len). An SHB sets the byte order first. Returns 1,
 * 0 at the end of the file, -1 on damage.
 */
static int read_block(struct pl_pcapng_reader *r, uint32_t *type, uint32_t *len)
{
	uint8_t hdr[12];
	uint32_t total, bom;
	int rc = get(r, hdr, 8, true);

	if (rc <= 0)
		return rc;
	memcpy(type, hdr, 4);
	if (*type == BT_SHB) {
		if (get(r, hdr + 8, 4, false) < 0)
			return -1;
		memcpy(&bom, hdr + 8, 4);
		if (bom != BOM && bom != __builtin_bswap32(BOM))
			return fail(r, "a section header has no byte-order magic");
		r->swap = bom != BOM;
	}
	*type = u32(r, hdr);
	total = u32(r, hdr + 4);
	if (total < 12 + (*type == BT_SHB ? 16u : 0u) || total % 4 || total > BLOCK_MAX)
		return fail(r, "a block has a bad length");
	*len = total - 12;
	if (grow(r, total))
		return -1;
	if (*type == BT_SHB) {
		memcpy(r->buf, hdr + 8, 4);
		if (get(r, r->buf + 4, *len - 4 + 4, false) < 0)
			return -1;
	} else if (get(r, r->buf, *len + 4, false) < 0) {
		return -1;
	}
	if (u32(r, r->buf + *len) != total)
		return fail(r, "a block's two lengths differ");
	return 1;
}

/* The options of an IDB, from its 8th body byte. */
static void idb_options(struct pl_pcapng_reader *r, struct pl_pcapng_if *ifc, const uint8_t *p,
			uint32_t n)
{
	uint32_t off = 8;

	while (off + 4 <= n) {
		uint16_t code = u16(r, p + off), olen = u16(r, p + off + 2);
		const uint8_t *v = p + off + 4;

		if (code == OPT_END || olen > n - off - 4)
			break;
		if (code == OPT_IF_NAME) {
			size_t k = olen < sizeof(ifc->name) - 1 ? olen : sizeof(ifc->name) - 1;

			memcpy(ifc->name, v, k);
			ifc->name[k] = 0;
		} else if (code == OPT_IF_TSRESOL && olen >= 1) {
			ifc->tsresol = v[0];
		} else if (code == OPT_IF_TSOFFSET && olen >= 8) {
			uint64_t hi = u32(r, v + (r->swap ? 0 : 4)), lo = u32(r, v + (r->swap ? 4 : 0));

			ifc->tsoffset = (int64_t)(hi << 32 | lo);
		}
		off += 4 + ((olen + 3u) & ~3u);
	}
}

static int add_iface(struct pl_pcapng_reader *r, const uint8_t *p, uint32_t n)
{
	struct pl_pcapng_if *ifc;

	if (n < 8)
		return fail(r, "an interface block is too short");
	if (r->n_ifs == IFS_MAX)
		return fail(r, "more than 65536 interfaces in a section");
	if (r->n_ifs == r->cap_ifs) {
		uint32_t cap = r->cap_ifs ? r->cap_ifs * 2 : 8;
		struct pl_pcapng_if *ifs = realloc(r->ifs, cap * sizeof(*ifs));

		if (!ifs)
			return fail(r, "out of memory for the interfaces");
		r->ifs = ifs;
		r->cap_ifs = cap;
	}
	ifc = &r->ifs[r->n_ifs++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = u16(r, p);
	ifc->snaplen = u32(r, p + 4);
	ifc->tsresol = 6;
	ifc->key = r->next_key++;
	idb_options(r, ifc, p, n);
	return 0;
}

/* A timestamp in the interface's units to ns since the epoch. */
static uint64_t to_ns(const struct pl_pcapng_if *ifc, uint64_t ts)
{
	unsigned int e = ifc->tsresol & 0x7f;
	unsigned __int128 v;
	uint64_t ns;

	if (ifc->tsresol & 0x80) {
		v = (unsigned __int128)ts * 1000000000u;
		ns = e < 64 ? (uint64_t)(v >> e) : 0;
	} else if (e <= 9) {
		for (ns = ts; e < 9; e++)
			ns *= 10;
	} else {
		for (ns = ts; e > 9 && ns; e--)
			ns /= 10;
	}
	return ns + (uint64_t)ifc->tsoffset * 1000000000u;
}

int pl_pcapng_read_open(struct pl_pcapng_reader *r, FILE *f)
{
	uint32_t type, len;
	int rc;

	memset(r, 0, sizeof(*r));
	r->f = f;
	rc = read_block(r, &type, &len);
	if (rc == 0)
		return fail(r, "the file is empty");
	if (rc < 0)
		return -1;
	if (type != BT_SHB)
		return fail(r, "it does not start with a section header");
	if (u16(r, r->buf + 4) != 1)
		return fail(r, "its pcapng major version is not 1");
	return 0;
}

int pl_pcapng_read_next(struct pl_pcapng_reader *r, struct pl_pcapng_pkt *out)
{
	uint32_t type, len, id, off;
	int rc;

	for (;;) {
		rc = read_block(r, &type, &len);
		if (rc <= 0)
			return rc;
		switch (type) {
		case BT_SHB:
			r->n_ifs = 0; /* a new section: its own interfaces */
			continue;
		case BT_IDB:
			if (add_iface(r, r->buf, len))
				return -1;
			continue;
		case BT_EPB:
		case BT_OPB:
			if (len < 20)
				return fail(r, "a packet block is too short");
			id = type == BT_EPB ? u32(r, r->buf) : u16(r, r->buf);
			out->caplen = u32(r, r->buf + 12);
			out->wire_len = u32(r, r->buf + 16);
			off = 20;
			if (out->caplen > len - off)
				return fail(r, "a packet runs past its block");
			if (id >= r->n_ifs)
				return fail(r, "a packet names an interface not described before it");
			out->iface = &r->ifs[id];
			out->ts_ns = to_ns(out->iface, (uint64_t)u32(r, r->buf + 4) << 32 |
							       u32(r, r->buf + 8));
			break;
		case BT_SPB:
			if (len < 4)
				return fail(r, "a packet block is too short");
			if (!r->n_ifs)
				return fail(r, "a packet names an interface not described before it");
			out->iface = &r->ifs[0];
			out->wire_len = u32(r, r->buf);
			out->caplen = out->wire_len;
			if (out->iface->snaplen && out->caplen > out->iface->snaplen)
				out->caplen = out->iface->snaplen;
			if (out->caplen > len - 4)
				out->caplen = len - 4;
			out->ts_ns = 0; /* an SPB has no time */
			off = 4;
			break;
		default:
			continue; /* ISB, NRB, DSB, custom: nothing for records */
		}
		out->data = r->buf + off;
		return 1;
	}
}

void pl_pcapng_read_close(struct pl_pcapng_reader *r)
{
	free(r->buf);
	free(r->ifs);
	r->buf = NULL;
	r->ifs = NULL;
}
