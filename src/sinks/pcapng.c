// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcapng output (draft-ietf-opsawg-pcapng): SHB, one IDB per interface
 * with its name and nanosecond resolution, then an EPB per packet.
 *
 * Written by hand because libpcap, which pktlens uses to read captures,
 * can only write the older pcap format, and pcap cannot name the
 * interface each packet came from when several are watched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pcapng.h"
#include "privacy/privacy.h"

#define BT_SHB		  0x0A0D0D0A
#define BT_IDB		  0x00000001
#define BT_EPB		  0x00000006
#define LINKTYPE_ETHERNET 1
#define OPT_END		  0
#define OPT_COMMENT	  1
#define OPT_SHB_USERAPPL  4
#define OPT_IF_NAME	  2
#define OPT_IF_TSRESOL	  9

static int put(struct pl_pcapng *w, const void *p, size_t n)
{
	return fwrite(p, 1, n, w->f) == n ? 0 : -EIO;
}

static int put32(struct pl_pcapng *w, uint32_t v)
{
	return put(w, &v, 4);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* An option: code, length, value padded to 4 bytes. */
static int put_opt(struct pl_pcapng *w, uint16_t code, const void *val, uint16_t len)
{
	static const uint8_t zeros[4];
	uint16_t hdr[2] = { code, len };

	if (put(w, hdr, 4) || put(w, val, len))
		return -EIO;
	return put(w, zeros, pad4(len) - len);
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

/* An interface description block: its name, nanosecond timestamps. */
static int put_idb(struct pl_pcapng *w, const char *ifname, uint32_t ifindex, uint16_t linktype)
{
	uint8_t tsresol = 9; /* 10^-9 s */
	size_t nlen = strnlen(ifname, sizeof(w->names[0]) - 1);
	uint32_t len = 20 + (uint32_t)(opt_size(nlen) + opt_size(1)) + 4;
	int err = 0;

	w->ifindex[w->n_ifaces] = ifindex;
	w->linktype[w->n_ifaces] = linktype;
	memcpy(w->names[w->n_ifaces], ifname, nlen);
	w->names[w->n_ifaces][nlen] = 0;
	w->n_ifaces++;
	err |= put32(w, BT_IDB) | put32(w, len);
	err |= put32(w, linktype); /* link type, reserved */
	err |= put32(w, w->snaplen);
	err |= put_opt(w, OPT_IF_NAME, ifname, (uint16_t)nlen);
	err |= put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	err |= put32(w, OPT_END) | put32(w, len);
	return err;
}

int pl_pcapng_put_iface(struct pl_pcapng *w, const char *ifname, uint32_t ifindex,
			uint16_t linktype)
{
	if (w->n_ifaces == PL_PCAPNG_IFACES)
		return -ENOSPC;
	return put_idb(w, ifname, ifindex, linktype) ? -EIO : 0;
}

int pl_pcapng_add_iface(struct pl_pcapng *w, const char *ifname, uint32_t ifindex,
			uint16_t linktype)
{
	int i;

	if (!w->f)
		return 0;
	for (i = 0; i < w->n_ifaces; i++) {
		if (!strncmp(w->names[i], ifname, sizeof(w->names[i])) &&
		    w->linktype[i] == linktype) {
			w->ifindex[i] = ifindex;
			return 0;
		}
	}
	return pl_pcapng_put_iface(w, ifname, ifindex, linktype);
}

int pl_pcapng_open(struct pl_pcapng *w, const char *path, const char *const *ifnames,
		   const uint32_t *ifindexes, int n_ifaces, uint32_t snaplen)
{
	static const char appl[] = "pktlens";
	uint32_t len;
	int i, err = 0;

	memset(w, 0, sizeof(*w));
	w->f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!w->f)
		return -errno;
	w->snaplen = snaplen;
	if (pl_privacy_rewrites()) {
		/* libpcap's largest snapshot (MAXIMUM_SNAPLEN) */
		w->rw_cap = snaplen < 262144 ? snaplen : 262144;
		w->rw = malloc(w->rw_cap);
		if (!w->rw) {
			if (w->f != stdout)
				fclose(w->f);
			w->f = NULL;
			return -ENOMEM;
		}
	}

	len = 28 + (uint32_t)opt_size(sizeof(appl) - 1) + 4;
	err |= put32(w, BT_SHB) | put32(w, len) | put32(w, 0x1A2B3C4D);
	err |= put32(w, 0x00000001);			    /* version 1.0 */
	err |= put32(w, 0xffffffff) | put32(w, 0xffffffff); /* section length unknown */
	err |= put_opt(w, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	err |= put32(w, OPT_END) | put32(w, len);

	for (i = 0; i < n_ifaces && i < PL_PCAPNG_IFACES; i++)
		err |= put_idb(w, ifnames[i], ifindexes[i], LINKTYPE_ETHERNET);
	return err ? -EIO : 0;
}

int pl_pcapng_write(struct pl_pcapng *w, uint32_t ifindex, uint64_t ts_epoch_ns,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len)
{
	return pl_pcapng_write_comment(w, ifindex, ts_epoch_ns, data, caplen, wire_len, NULL);
}

int pl_pcapng_write_comment(struct pl_pcapng *w, uint32_t ifindex, uint64_t ts_epoch_ns,
			    const uint8_t *data, uint32_t caplen, uint32_t wire_len,
			    const char *comment)
{
	static const uint8_t zeros[4];
	uint32_t id = 0, len, clen = comment ? (uint32_t)strnlen(comment, 0xfff0) : 0;
	int i, err = 0;

	for (i = 0; i < w->n_ifaces; i++)
		if (w->ifindex[i] == ifindex)
			id = (uint32_t)i;
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (w->rw) {
		/* --anonymize, --no-payload: the copy is rewritten, not the ring's */
		if (caplen > w->rw_cap)
			caplen = w->rw_cap;
		memcpy(w->rw, data, caplen);
		caplen = pl_privacy_frame(w->rw, caplen,
					  w->n_ifaces ? w->linktype[id] : LINKTYPE_ETHERNET);
		data = w->rw;
	}
	len = 32 + (uint32_t)pad4(caplen);
	/* opt_comment (1), then opt_endofopt */
	if (clen)
		len += (uint32_t)opt_size(clen) + 4;
	err |= put32(w, BT_EPB) | put32(w, len) | put32(w, id);
	err |= put32(w, (uint32_t)(ts_epoch_ns >> 32)) | put32(w, (uint32_t)ts_epoch_ns);
	err |= put32(w, caplen) | put32(w, wire_len);
	err |= put(w, data, caplen) | put(w, zeros, pad4(caplen) - caplen);
	if (clen)
		err |= put_opt(w, OPT_COMMENT, comment, (uint16_t)clen) | put32(w, OPT_END);
	err |= put32(w, len);
	return err ? -EIO : 0;
}

int pl_pcapng_close(struct pl_pcapng *w)
{
	int err = 0;

	free(w->rw);
	w->rw = NULL;
	if (!w->f)
		return 0;
	if (fflush(w->f))
		err = -errno;
	if (w->f != stdout && fclose(w->f) && !err)
		err = -errno;
	w->f = NULL;
	return err;
}
