/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Records shared by the BPF programs and user space.
 *
 * Only fixed-width types, explicit padding, no pointers: the same bytes are
 * produced by the kernel (ring buffer) and by the host parser (pktlens read),
 * and the parity test compares them with memcmp().
 */
#ifndef PKTLENS_RECORD_H
#define PKTLENS_RECORD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Bytes of each packet the parser may look at (a power of two). */
#define PL_WIN	   2048
/* Bytes loaded first; the rest of the window only when the parser asks. */
#define PL_HDR_WIN 256

/* Bytes of each packet the kernel copies for -w. */
#define PL_CAP_MAX 4096

#define PL_MAX_VLAN	   2
#define PL_MAX_IP6_EXT	   8
#define PL_DNS_NAME_MAX	   256
#define PL_DNS_MAX_ADDRS   4 /* dns.a, dns.aaaa values kept */
#define PL_HTTP_METHOD_MAX 16
#define PL_HTTP_URI_MAX	   256
#define PL_HTTP_HOST_MAX   128
#define PL_TLS_SNI_MAX	   256
#define PL_TLS_ALPN_MAX	   128 /* raw ALPN protocol_name_list */
#define PL_TLS_VERS_MAX	   8
#define PL_MAX_MPLS	   8   /* MPLS label stack entries decoded */
#define PL_INNER_MAX	   256 /* room for a tunnel's inner headers (pl_pkt before l7) */
#define PL_QUIC_CID_MAX	   20 /* RFC 9000 17.2: a v1 connection ID is at most 20 bytes */

/* Link types the parser accepts (pcap LINKTYPE_ values, as files carry
 * them; libpcap's DLT_RAW is LINKTYPE_RAW here). */
enum pl_linktype {
	PL_LINK_NULL = 0, /* BSD loopback: 4-byte family, writer's order */
	PL_LINK_ETHERNET = 1,
	PL_LINK_RAW = 101, /* raw IPv4 or IPv6, from the version nibble */
	PL_LINK_LOOP = 108, /* BSD loopback, family in network order */
	PL_LINK_LINUX_SLL = 113,
	PL_LINK_IPV4 = 228,
	PL_LINK_IPV6 = 229,
	PL_LINK_LINUX_SLL2 = 276,
};

/* The kernel's table of interfaces whose packets start at L3 (slot
 * ifindex % PL_LINK_SLOTS), filled at attach. */
#define PL_LINK_SLOTS 4096
struct pl_link_slot {
	__u32 ifindex;
	__u32 linktype; /* enum pl_linktype */
};

/* pl_pkt.present: which layers and optional fields were decoded. */
enum pl_present {
	PL_HAS_ETH = 1u << 0,
	PL_HAS_ARP = 1u << 1,
	PL_HAS_IP4 = 1u << 2,
	PL_HAS_IP6 = 1u << 3,
	PL_HAS_TCP = 1u << 4,
	PL_HAS_UDP = 1u << 5,
	PL_HAS_ICMP = 1u << 6,
	PL_HAS_ICMP6 = 1u << 7,
	PL_HAS_SCTP = 1u << 8,
	PL_HAS_DNS = 1u << 9,
	PL_HAS_HTTP = 1u << 10,
	PL_HAS_TLS = 1u << 11,
	PL_HAS_TCP_MSS = 1u << 12,
	PL_HAS_TCP_WSCALE = 1u << 13,
	PL_HAS_TCP_SACK_PERM = 1u << 14,
	PL_HAS_TCP_TS = 1u << 15,
	PL_HAS_DNS_QRY = 1u << 16,
	PL_HAS_HTTP_HOST = 1u << 17,
	PL_HAS_TLS_SNI = 1u << 18,
	PL_HAS_TLS_ALPN = 1u << 19,
	PL_HAS_IP6_L4 = 1u << 20,	 /* pktlens.l4proto is known */
	PL_HAS_IP4_HDR_ONLY = 1u << 21,	 /* bad IHL: only version and hdr_len */
	PL_HAS_L4_PORTS_ONLY = 1u << 22, /* TCP cut after the ports */
	PL_HAS_SLL = 1u << 23,		 /* Linux cooked capture: no MACs */
	PL_HAS_ICMP_QUOTE = 1u << 24,	 /* ICMP error carries a quoted packet */
	PL_HAS_DNS_QTYPE = 1u << 25,	 /* the first question's type was read */
	PL_HAS_ARP_ADDRS = 1u << 30,	 /* ARP's IPv4 addresses (PL_HAS_ARP: the opcode) */
	PL_HAS_QUIC = 1u << 31,		 /* a QUIC long header: l7.tls.quic */
};

/* The layers that use pl_pkt.l7. */
#define PL_HAS_L7 (PL_HAS_DNS | PL_HAS_HTTP | PL_HAS_TLS | PL_HAS_QUIC)

/* The bits of the L7 hint (pl_pkt.l7). */
#define PL_L7_PRESENT                                                               \
	(PL_HAS_DNS | PL_HAS_HTTP | PL_HAS_TLS | PL_HAS_DNS_QRY | PL_HAS_HTTP_HOST | \
	 PL_HAS_TLS_SNI | PL_HAS_TLS_ALPN | PL_HAS_DNS_QTYPE | PL_HAS_QUIC)

/* pl_pkt.malformed: why the parse stopped early (0 = it did not). */
enum pl_malformed {
	PL_MAL_NONE = 0,
	PL_MAL_IP4_HDR_LEN,   /* IHL < 5 */
	PL_MAL_IP4_TOTAL_LEN, /* total length < header length */
	PL_MAL_IP6_EXT_LEN,   /* extension header runs past the payload */
	PL_MAL_IP6_EXT_DEPTH, /* more extension headers than PL_MAX_IP6_EXT */
	PL_MAL_TCP_HDR_LEN,   /* data offset < 5 */
	PL_MAL_TCP_OPT,	      /* option length < 2 or past the header */
	PL_MAL_UDP_LEN,	      /* length < 8 */
	PL_MAL_DNS_NAME,      /* bad label, pointer loop or name > 255 */
	PL_MAL_TLS_RECORD,    /* ClientHello lengths disagree */
	PL_MAL_ARP,	      /* (no longer set: ARP of other sizes is valid) */
	PL_MAL_IP_VERSION,    /* IP version field does not match EtherType */
	PL_MAL_PAST_LENGTH,   /* a header runs past the IP/UDP length */
	PL_MAL_MPLS_DEPTH,    /* no bottom of stack in PL_MAX_MPLS entries */
	PL_MAL_GRE,	      /* GRE version, flags or routing not decoded */
	PL_MAL_GENEVE,	      /* Geneve version not 0, or options past the payload */
	PL_MAL_QUIC_HDR,      /* QUIC long header: a length past the datagram */
	PL_MAL_QUIC_DECRYPT,  /* a client Initial that did not decrypt */
	PL_MAL_QUIC_CRYPTO,   /* bad frames, or no whole ClientHello, in an Initial */
	PL_MAL__COUNT,
};

/* The TCP flag bits of pl_pkt.tcp_flags (tcp.flags). */
#define PL_TCP_FIN 0x01
#define PL_TCP_SYN 0x02
#define PL_TCP_RST 0x04
#define PL_TCP_PSH 0x08
#define PL_TCP_ACK 0x10
#define PL_TCP_URG 0x20

/* The parser's output for one packet: everything SPEC.md's record holds
 * except the capture metadata (time, interface, frame number). */
struct pl_pkt {
	__u32 present;	 /* enum pl_present bits */
	__u32 frame_len; /* frame.len: length on the wire */
	__u8 malformed;	 /* enum pl_malformed */
	__u8 truncated;	 /* a header, or a name (pl_copy), was cut short */
	__u8 n_vlan;
	__u8 ip6_n_ext;

	/* Ethernet, VLAN, ARP */
	__u8 eth_src[6];
	__u8 eth_dst[6];
	__u16 eth_type; /* after any VLAN tags */
	__u16 vlan_id[PL_MAX_VLAN];
	__u16 arp_opcode;
	__u8 arp_spa[4];
	__u8 arp_tpa[4];

	/* IPv4 / IPv6 (addresses in network order) */
	__u8 ip_src[16]; /* IPv4 uses the first 4 bytes */
	__u8 ip_dst[16];
	__u8 ip_ttl;   /* TTL or hop limit */
	__u8 ip_proto; /* ip.proto or ipv6.nxt (first next header) */
	__u8 ip_dscp;
	__u8 ip_ecn;
	__u16 ip_id;
	__u16 ip_frag_offset; /* in 8-byte units */
	__u8 ip_df;
	__u8 ip_mf;
	__u8 ip_hdr_len; /* bytes */
	__u8 l4_proto;	 /* after IPv6 extension headers */
	__u16 ip_len;	 /* ip.len */
	__u16 _pad0;
	__u32 ip6_flow;
	__u8 ip6_ext[PL_MAX_IP6_EXT]; /* extension header types, in order */

	/* L4 */
	__u16 sport;
	__u16 dport;
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u16 tcp_flags; /* 12 bits: NS/AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN */
	__u16 tcp_window;
	__u8 tcp_hdr_len; /* bytes */
	__u8 tcp_wscale;
	__u16 tcp_mss;
	__u32 tcp_tsval;
	__u32 tcp_tsecr;
	__u16 udp_len;
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 l4_payload_off; /* offset of the L4 payload in the frame */
	__u16 _pad1;

	/* L7 hints: at most one protocol per packet */
	union {
		struct {
			__u16 id;
			__u16 flags; /* QR, opcode, AA, TC, RD, RA, Z, rcode */
			__u16 qtype;
			__u16 name_len;
			__u16 ancount; /* dns.count.answers */
			__u8 n_a;      /* dns.a kept (the first PL_DNS_MAX_ADDRS) */
			__u8 n_aaaa;
			__u32 _pad;
			/* dns.time: a response's time since its query (records/dns_match.h);
			 * 0 when it was not matched */
			__u64 time_ns;
			__u8 a[PL_DNS_MAX_ADDRS][4];
			__u8 aaaa[PL_DNS_MAX_ADDRS][16];
			char name[PL_DNS_NAME_MAX]; /* last: dns_copy_label stores past it */
		} dns;
		struct {
			__u8 method_len;
			__u8 host_len;
			__u16 uri_len;
			char method[PL_HTTP_METHOD_MAX];
			char uri[PL_HTTP_URI_MAX];
			char host[PL_HTTP_HOST_MAX];
		} http;
		struct {
			__u16 version; /* legacy_version of the hello */
			__u16 sni_len;
			__u16 alpn_len;	 /* bytes of alpn[] used */
			__u8 n_versions; /* supported_versions entries kept */
			__u8 hs_type;	 /* 1 ClientHello, 2 ServerHello */
			__u16 versions[PL_TLS_VERS_MAX];
			char sni[PL_TLS_SNI_MAX];
			__u8 alpn[PL_TLS_ALPN_MAX]; /* length-prefixed names, as on the wire */
			/* PL_HAS_QUIC: the long header; the ClientHello above, when
			 * user space decrypted a client Initial (parse/quic_initial.c) */
			struct {
				__u32 version;
				__u8 type;     /* the long packet type's two bits, as sent */
				__u8 dcid_len; /* quic.dcil */
				__u8 scid_len; /* quic.scil */
				__u8 flags;    /* enum pl_quic_flags */
				__u16 payload_off; /* packet number's offset in the frame */
				__u16 length;	   /* the Length field: pn and payload */
				__u8 dcid[PL_QUIC_CID_MAX];
				__u8 scid[PL_QUIC_CID_MAX];
			} quic;
		} tls;
	} l7;

	/* MPLS and tunnels: after l7, so that records without them keep their
	 * size; only what pl_parse() finds is written (pl_finalize clears the
	 * rest on the host; the kernel sends them only when set). */
	__u8 n_mpls;
	__u8 tun_kind;	/* enum pl_tunnel; 0: inner[] is unused */
	__u8 tun_flags; /* enum pl_tun_flags */
	__u8 _pad2;
	__u16 gre_flags; /* gre.flags_and_version */
	__u16 tun_proto; /* gre.proto / geneve.proto_type: what the tunnel carries */
	__u32 tun_vni;	 /* vxlan.vni / geneve.vni */
	__u32 gre_key;
	__u32 gre_seq;
	__u32 _pad3;
	__u32 mpls_label[PL_MAX_MPLS]; /* outer first */
	/* the inner packet's headers, laid out as the first
	 * offsetof(struct pl_pkt, l7) bytes of a struct pl_pkt; its L7 hint is
	 * the record's l7 (the innermost L7) */
	__u8 inner[PL_INNER_MAX] __attribute__((aligned(8)));
} __attribute__((aligned(8))); /* (no padding: 8-byte moves for the memsets) */

/* pl_pkt.tun_kind */
enum pl_tunnel {
	PL_TUN_NONE = 0,
	PL_TUN_VXLAN,  /* UDP 4789, Ethernet inside */
	PL_TUN_GENEVE, /* UDP 6081 */
	PL_TUN_GRE,    /* IP protocol 47 */
	PL_TUN_IP,     /* IPv4/IPv6 in IPv4/IPv6 (IP protocols 4 and 41) */
};

/* pl_pkt.tun_flags */
enum pl_tun_flags {
	PL_TUNF_GRE_KEY = 1u << 0,
	PL_TUNF_GRE_SEQ = 1u << 1,
	PL_TUNF_INNER = 1u << 2, /* inner[] holds the inner headers */
};

#define PL_PKT_HDRS_LEN	 __builtin_offsetof(struct pl_pkt, l7)
#define PL_PKT_TAIL	 __builtin_offsetof(struct pl_pkt, n_mpls)
/* Does the record use the MPLS/tunnel tail? */
#define pl_pkt_has_tail(p) ((p)->n_mpls || (p)->tun_kind)
_Static_assert(PL_PKT_HDRS_LEN <= PL_INNER_MAX, "pl_pkt.inner must hold the headers");
_Static_assert(PL_PKT_TAIL % 8 == 0, "the MPLS/tunnel tail starts 8-aligned");

/* l7.tls.quic.flags */
enum pl_quic_flags {
	PL_QUIC_CLIENT_INITIAL = 1u << 0, /* an Initial to be decrypted with the client keys */
	PL_QUIC_DECRYPTED = 1u << 1,	  /* user space decrypted it: tls.* hold its hello */
};

/* Ring-buffer record kinds. */
enum pl_event_type {
	PL_EV_PACKET = 1,      /* struct pl_packet_event */
	PL_EV_PACKET_DATA = 2, /* struct pl_packet_event, then struct pl_capture */
	PL_EV_FRAME = 3,       /* struct pl_frame_event: a whole frame, unparsed */
	PL_EV_QUIC_FRAME = 4,  /* the same for a QUIC client Initial the filter may take */
	PL_EV_FRAME_BATCH = 5, /* struct pl_frame_batch_hdr, then PL_EV_FRAME records */
};

/* One packet as it leaves the kernel; `pkt` is the parser's bytes. */
struct pl_packet_event {
	__u16 type;  /* PL_EV_PACKET */
	__u16 flags; /* enum pl_event_flags */
	__u32 ifindex;
	__u64 ts_mono_ns; /* bpf_ktime_get_ns(); user space adds the epoch */
	struct pl_pkt pkt;
};

/* pl_packet_event.flags */
enum pl_event_flags {
	PL_EVF_ATTR = 1u << 0, /* a struct pl_attr ends the record (--attribute) */
};

/*
 * --attribute: the socket that receives the packet, looked up in the
 * kernel. It goes after the record, not in struct pl_pkt, so the parser's
 * bytes (and the kernel/host parity) stay as they are; a PL_EV_PACKET
 * record ends with it when PL_EVF_ATTR is set. Zero: not known.
 */
struct pl_attr {
	__u64 cookie;	 /* socket cookie (0: the socket never had one made) */
	__u64 ino;	 /* sockfs inode of the owning socket file */
	__u64 cgroup_id; /* cgroup v2 id of the socket (kernfs id) */
	__u32 found;	 /* a socket was found */
	__u32 state;	 /* its TCP state (TCP_LISTEN, ...), UDP: 7 */
};

/* attr_cgroups (packet.bpf.c): the cgroup ids the kernel's filter on
 * proc.* and container.id terms lets through, and the key that lets all. */
#define PL_ATTR_CGROUPS_MAX 1024
#define PL_ATTR_CGROUPS_ALL 0xffffffffffffffffull

/*
 * A PL_EV_PACKET record without L7 hints stops before pkt.l7 (which is all
 * zero then): the ring carries a quarter of the bytes. pl_packet_event_get()
 * gives the whole record back in user space.
 */
#define PL_PACKET_EVENT_SHORT __builtin_offsetof(struct pl_packet_event, pkt.l7)
/* One with L7 hints but no MPLS or tunnel stops before pkt.n_mpls. */
#define PL_PACKET_EVENT_L7 __builtin_offsetof(struct pl_packet_event, pkt.n_mpls)

#ifndef __bpf__
#include <stdbool.h>
#include <string.h>
/* Copies a PL_EV_PACKET(_DATA) record of `size` bytes out of the ring into
 * *ev, zero-filling what a short record left out; -1 if it is too short. */
static inline int pl_packet_event_get(struct pl_packet_event *ev, const void *data, size_t size)
{
	__u16 flags;

	if (size < PL_PACKET_EVENT_SHORT)
		return -1;
	memcpy(&flags, (const char *)data + 2, sizeof(flags));
	if (flags & PL_EVF_ATTR) {
		if (size < PL_PACKET_EVENT_SHORT + sizeof(struct pl_attr))
			return -1;
		size -= sizeof(struct pl_attr);
	}
	if (size > sizeof(*ev))
		size = sizeof(*ev);
	memcpy(ev, data, size);
	memset((char *)ev + size, 0, sizeof(*ev) - size);
	return 0;
}

/* The inner packet of a tunnelled record as a record of its own (its
 * headers, the record's L7 hint); false when there is none. */
static inline bool pl_pkt_inner(const struct pl_pkt *p, struct pl_pkt *in)
{
	if (!(p->tun_flags & PL_TUNF_INNER))
		return false;
	memset(in, 0, sizeof(*in));
	memcpy(in, p->inner, PL_PKT_HDRS_LEN);
	memcpy(&in->l7, &p->l7, sizeof(p->l7));
	return true;
}

/* The struct pl_attr at the end of a record with PL_EVF_ATTR: 0, or -1
 * (and *a zeroed) when it has none. */
static inline int pl_packet_event_attr(struct pl_attr *a, const void *data, size_t size)
{
	__u16 flags;

	memset(a, 0, sizeof(*a));
	if (size < PL_PACKET_EVENT_SHORT + sizeof(*a))
		return -1;
	memcpy(&flags, (const char *)data + 2, sizeof(flags));
	if (!(flags & PL_EVF_ATTR))
		return -1;
	memcpy(a, (const char *)data + size - sizeof(*a), sizeof(*a));
	return 0;
}
#endif

/* After a PL_EV_PACKET_DATA record: the first cap_len bytes of the frame. */
struct pl_capture {
	__u32 cap_len;
	__u32 _pad;
	__u8 data[]; /* cap_len bytes */
};

/*
 * -w: a frame the kernel copies whole goes to user space unparsed, and user
 * space runs the same parser on it (pl_parse_frame), which gives the record
 * the kernel would have (the parity test proves it). Frames cut by the
 * snapshot length, or filters on L7 fields, go as PL_EV_PACKET_DATA.
 */
struct pl_frame_event {
	__u16 type; /* PL_EV_FRAME, PL_EV_QUIC_FRAME */
	__u16 _pad0;
	__u32 ifindex;
	__u64 ts_mono_ns;
	__u32 frame_len; /* frame.len: this many bytes of frame follow */
	__u32 _pad1;
};

/*
 * watch under a flood: once a CPU has taken PL_BATCH_AFTER whole frames
 * in a row, each less than PL_BATCH_GAP_NS after the last, the next ones
 * go up together, in one ring record, as the ring's lock and commit cost
 * more than the copy of a small frame (packet.bpf.c, batch_frame()).
 * Below that rate frames go up one by one, in the order they came. The
 * header, then `frames` PL_EV_FRAME records, each padded to 8 bytes,
 * `bytes` in all.
 */
#define PL_BATCH_BYTES	 16384	  /* a batch goes up once it holds this many */
#define PL_BATCH_GAP_NS	 50000	  /* a flood: above 20,000 frames/s on a CPU */
#define PL_BATCH_AFTER	 256	  /* for this many frames in a row */
#define PL_BATCH_AGE_NS	 10000000 /* a batch waits at most this long, under traffic */
struct pl_frame_batch_hdr {
	__u16 type; /* PL_EV_FRAME_BATCH */
	__u16 _pad0;
	__u32 frames;
	__u32 bytes;
	__u32 _pad1;
};

/* Per-CPU counters, index = enum pl_counter. Every matched packet ends in
 * exactly one of emitted, lost, sampled out, rate limited or not owned. */
enum pl_counter {
	PL_CNT_SEEN = 0,
	PL_CNT_MATCHED,
	PL_CNT_EMITTED,
	PL_CNT_LOST,	     /* the ring buffer was full */
	PL_CNT_SAMPLED_OUT,  /* --sample N skipped it */
	PL_CNT_RATE_LIMITED, /* --rate PPS skipped it */
	PL_CNT_QUIC_INITIAL, /* client Initials sent whole for user space to decrypt */
	/* --attribute with proc.* and container.id terms: the socket's cgroup is
	 * none of the kernel's attr_cgroups (no process there can match) */
	PL_CNT_NOT_OWNED,
	PL_CNT__COUNT,
};

/* ---- Alerts (pktlens detect, read --detect): src/detect/ ----
 *
 * An alert leaves the kernel through the same ring buffer as the packet
 * records, as its own record kind; `pktlens read --detect` fills the same
 * struct on the host. The value is far from the packet kinds above so that
 * other record kinds can be added next to them. */
#define PL_EV_ALERT 16

/* The detectors' rules; rule.name is src/detect/config.c's name table. */
enum pl_rule {
	PL_RULE_NONE = 0,
	PL_RULE_SYN_FLOOD_DST,	      /* SYNs to one destination, few completed */
	PL_RULE_SYN_RATE_SRC,	      /* SYNs from one source */
	PL_RULE_PORT_SCAN_VERTICAL,   /* distinct destination ports of one source */
	PL_RULE_PORT_SCAN_HORIZONTAL, /* distinct destination hosts of one source */
	PL_RULE_NULL_SCAN,	      /* TCP without flags */
	PL_RULE_FIN_SCAN,	      /* TCP FIN alone */
	PL_RULE_XMAS_SCAN,	      /* TCP FIN+PSH+URG */
	PL_RULE_SYN_FIN_SCAN,	      /* TCP SYN+FIN */
	PL_RULE_ICMP_FLOOD_SRC,
	PL_RULE_ICMP_FLOOD_DST,
	PL_RULE_UDP_FLOOD_SRC,
	PL_RULE_UDP_FLOOD_DST,
	PL_RULE_LAND,		  /* source address = destination address */
	PL_RULE_TINY_FRAGMENT,	  /* a first fragment too small for headers */
	PL_RULE_FRAGMENT_OVERLAP, /* a fragment overlaps an earlier one */
	PL_RULE_MALFORMED,	  /* the parser set pl_pkt.malformed */
	PL_RULE_ARP_MAC_CHANGE,	  /* an IPv4 address moved to another MAC */
	PL_RULE_ARP_UNSOLICITED,  /* a gratuitous or broadcast ARP reply */
	PL_RULE_DNS_LONG_NAME,
	PL_RULE_DNS_HIGH_ENTROPY,
	PL_RULE_DNS_TXT_RATE, /* TXT/NULL queries of one source to one domain */
	PL_RULE__COUNT,
	PL_RULE_MANUAL = 0xff, /* a drop-list entry from `pktlens block add` */
};

/* pl_alert_event.flags */
enum pl_alert_flags {
	PL_ALERT_SRC = 1u << 0,	    /* src is set */
	PL_ALERT_DST = 1u << 1,	    /* dst is set */
	PL_ALERT_PORTS = 1u << 2,   /* sport/dport are set */
	PL_ALERT_MAC = 1u << 3,	    /* mac (and mac_prev for a change) */
	PL_ALERT_DNS = 1u << 4,	    /* detail holds the query name */
	PL_ALERT_BLOCKED = 1u << 5, /* --enforce put the source on the drop list */
	PL_ALERT_IP6 = 1u << 6,	    /* src/dst are IPv6 (else IPv4 in the first 4 bytes) */
};

struct pl_alert_event {
	__u16 type;    /* PL_EV_ALERT */
	__u8 rule;     /* enum pl_rule */
	__u8 flags;    /* enum pl_alert_flags */
	__u32 ifindex; /* 0 in read */
	__u64 ts_ns;   /* kernel: bpf_ktime_get_ns(); read: the packet's epoch ns */
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 l4_proto; /* IP protocol of the packet that raised it, 0 for ARP */
	__u8 _pad0;
	__u16 dns_qtype;
	__u32 window_ms;   /* the window the count is over */
	__u32 block_ttl_s; /* PL_ALERT_BLOCKED: seconds until the block expires */
	__u64 count;	   /* what the rule counted (see docs/detect.md) */
	__u64 threshold;   /* the limit it crossed */
	__u8 mac[6];
	__u8 mac_prev[6];
	__u16 detail_len; /* the whole name's length; detail holds its last 128 bytes */
	__u16 _pad1;
	char detail[128]; /* PL_ALERT_DNS: the query name (its end, when longer) */
};

#endif /* PKTLENS_RECORD_H */

