// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: records as text or JSON, through the one record writer
 * (src/output/json.c).
 */
#include <stdio.h>
#include <string.h>
#include "cmd/tcp/tcp.h"
#include "privacy/privacy.h"

const char *const tcp_kind_names[PL_TCP__KINDS] = {
	[PL_TCP_STATE] = "state", [PL_TCP_SUMMARY] = "summary", [PL_TCP_RETRANS] = "retrans",
	[PL_TCP_RESET] = "reset", [PL_TCP_RTT] = "rtt",		[PL_TCP_DROP] = "drop",
};

/* include/net/tcp_states.h: a stable user-visible ABI (ss, /proc/net/tcp) */
static const char *const state_names[] = {
	[1] = "ESTABLISHED",	 [2] = "SYN_SENT",  [3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",	 [6] = "TIME_WAIT", [7] = "CLOSE",    [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",	 [10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

static const char *state_name(unsigned int s)
{
	if (s < ARRAY_SIZE(state_names) && state_names[s])
		return state_names[s];
	return "UNKNOWN";
}

static const char *const closer_names[] = {
	[PL_CLOSER_LOCAL] = "local",
	[PL_CLOSER_REMOTE] = "remote",
	[PL_CLOSER_RST_SENT] = "reset_sent",
	[PL_CLOSER_RST_RECV] = "reset_received",
};

static const char *const owner_names[] = {
	[PL_OWNER_CONNECT] = "connect",
	[PL_OWNER_LISTENER] = "listener",
	[PL_OWNER_CLOSE] = "close",
};

static void put_addr(struct pl_out *o, const struct pl_tcp_event *e, const __u8 *a)
{
	if (e->family == 4)
		pl_out_ip4(o, a);
	else
		pl_out_ip6(o, a);
}

static void jaddr(struct pl_out *o, const char *key, const struct pl_tcp_event *e, const __u8 *a)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	put_addr(o, e, a);
	pl_out_char(o, '"');
}

/* the kernel's name for a reason, or REASON_<n> */
static void put_reason(struct pl_out *o, const struct enum_table *t, uint32_t r)
{
	const char *n = tcp_enum_lookup(t, r);

	if (n) {
		pl_out_escaped(o, n, strlen(n));
	} else {
		pl_out_str(o, "REASON_");
		pl_out_u64(o, r);
	}
}

static void jreason(struct pl_out *o, const char *key, const struct enum_table *t, uint32_t r)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	put_reason(o, t, r);
	pl_out_char(o, '"');
}

static void print_json(struct tcp_ctx *c, const struct pl_tcp_event *e)
{
	struct pl_out *w = &c->out;
	uint64_t now = e->ts_ns + c->mono_to_epoch_ns;

	pl_json_begin(w);
	pl_json_cstr(w, "event", "tcp");
	pl_json_cstr(w, "event.action", tcp_kind_names[e->kind]);
	pl_json_iso_time(w, "@timestamp", now, 9);
	pl_json_cstr(w, "network.type", e->family == 4 ? "ipv4" : "ipv6");
	pl_json_cstr(w, "network.transport", e->proto == 17 ? "udp" : "tcp");
	jaddr(w, "source.ip", e, e->saddr);
	pl_json_uint(w, "source.port", e->sport);
	jaddr(w, "destination.ip", e, e->daddr);
	pl_json_uint(w, "destination.port", e->dport);
	if (e->flags & PL_TCPF_ACTIVE)
		pl_json_cstr(w, "network.direction", "egress");
	else if (e->flags & PL_TCPF_PASSIVE)
		pl_json_cstr(w, "network.direction", "ingress");
	if (e->flags & PL_TCPF_OWNER) {
		pl_json_uint(w, "process.pid", e->pid);
		pl_json_str(w, "process.name", e->comm, strnlen(e->comm, sizeof(e->comm)));
		if (e->owner_src < ARRAY_SIZE(owner_names) && owner_names[e->owner_src])
			pl_json_cstr(w, "pktlens.owner", owner_names[e->owner_src]);
	}
	if (e->flags & PL_TCPF_NETNS)
		pl_json_uint(w, "pktlens.netns", e->netns);
	if (e->flags & PL_TCPF_IFACE)
		pl_json_str(w, "pktlens.ifname", e->ifname, strnlen(e->ifname, sizeof(e->ifname)));

	switch (e->kind) {
	case PL_TCP_STATE:
		pl_json_cstr(w, "pktlens.old_state", state_name(e->old_state));
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		break;
	case PL_TCP_SUMMARY:
		if (e->flags & PL_TCPF_START) {
			pl_json_iso_time(w, "event.start", e->start_ns + c->mono_to_epoch_ns, 9);
			pl_json_iso_time(w, "event.end", now, 9);
			pl_json_uint(w, "event.duration", e->ts_ns - e->start_ns);
		}
		/* data bytes: sent and acked, received (SYN and FIN left out) */
		if (e->flags & PL_TCPF_DATA_SENT)
			pl_json_uint(w, "source.bytes", e->data_acked);
		pl_json_uint(w, "destination.bytes", e->data_received);
		if (e->flags & PL_TCPF_DATA_SENT)
			pl_json_uint(w, "network.bytes", e->data_acked + e->data_received);
		pl_json_uint(w, "source.packets", e->segs_out);
		pl_json_uint(w, "destination.packets", e->segs_in);
		pl_json_uint(w, "network.packets", (uint64_t)e->segs_out + e->segs_in);
		pl_json_uint(w, "pktlens.bytes_acked", e->bytes_acked);
		pl_json_uint(w, "pktlens.bytes_received", e->bytes_received);
		if (e->flags & PL_TCPF_TRACKED)
			pl_json_uint(w, "pktlens.retransmits", e->retrans);
		pl_json_uint(w, "pktlens.retrans_segs", e->total_retrans);
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		if (e->closer && e->closer < ARRAY_SIZE(closer_names))
			pl_json_cstr(w, "pktlens.closed_by", closer_names[e->closer]);
		if (e->flags & PL_TCPF_RTT) {
			pl_json_uint(w, "pktlens.rtt_min_us", e->rtt_min_us);
			pl_json_uint(w, "pktlens.rtt_avg_us", e->rtt_sum_us / e->rtt_n);
			pl_json_uint(w, "pktlens.rtt_max_us", e->rtt_max_us);
		}
		if (!(e->flags & PL_TCPF_TRACKED))
			pl_json_bool(w, "pktlens.tracked", false);
		break;
	case PL_TCP_RETRANS:
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		pl_json_uint(w, "tcp.seq_raw", e->seq);
		pl_json_uint(w, "pktlens.seq_len", e->len);
		if (e->flags & PL_TCPF_SYNACK)
			pl_json_bool(w, "pktlens.synack", true);
		if (e->flags & PL_TCPF_ERR)
			pl_json_int(w, "pktlens.error", e->err);
		break;
	case PL_TCP_RESET:
		pl_json_cstr(w, "pktlens.reset", e->flags & PL_TCPF_SENT ? "sent" : "received");
		if (e->flags & PL_TCPF_STATE)
			pl_json_cstr(w, "pktlens.state", state_name(e->state));
		if (e->flags & PL_TCPF_REASON)
			jreason(w, "pktlens.reset_reason", &c->rst_reasons, e->reason);
		break;
	case PL_TCP_RTT:
		pl_json_cstr(w, "pktlens.state", state_name(e->state));
		pl_json_uint(w, "pktlens.srtt_us", e->srtt_us);
		pl_json_uint(w, "pktlens.cwnd", e->cwnd);
		break;
	case PL_TCP_DROP:
		jreason(w, "pktlens.drop_reason", &c->drop_reasons, e->reason);
		break;
	}
	pl_json_end(w);
}

static void text_ends(struct pl_out *o, const struct pl_tcp_event *e)
{
	put_addr(o, e, e->saddr);
	pl_out_char(o, '.');
	pl_out_u64(o, e->sport);
	pl_out_str(o, " > ");
	put_addr(o, e, e->daddr);
	pl_out_char(o, '.');
	pl_out_u64(o, e->dport);
}

/* " dur 0.123ms", " dur 12.34ms", " dur 12.3s" (pl_out_decimal, not
 * printf: printf's float formatting was half of the reader's time in the
 * connection storm, one summary per connection) */
static void text_duration(struct pl_out *o, uint64_t ns)
{
	pl_out_str(o, " dur ");
	if (ns < 1000000) {
		pl_out_decimal(o, ns, 1000000, 3);
		pl_out_str(o, "ms");
	} else if (ns < 10000000000ull) {
		pl_out_decimal(o, ns, 1000000, 2);
		pl_out_str(o, "ms");
	} else {
		pl_out_decimal(o, ns, 1000000000, 1);
		pl_out_char(o, 's');
	}
}

/* " name" and a number */
static void t_uint(struct pl_out *o, const char *lit, uint64_t v)
{
	pl_out_str(o, lit);
	pl_out_u64(o, v);
}

static void print_text(struct tcp_ctx *c, const struct pl_tcp_event *e)
{
	struct pl_out *o = &c->out;
	const char *kind = tcp_kind_names[e->kind];
	size_t n = strlen(kind);

	pl_out_clock(o, e->ts_ns + c->mono_to_epoch_ns);
	pl_out_char(o, ' ');
	pl_out_str(o, kind); /* "%-7s " */
	for (; n < 7; n++)
		pl_out_char(o, ' ');
	pl_out_char(o, ' ');
	text_ends(o, e);
	switch (e->kind) {
	case PL_TCP_STATE:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->old_state));
		pl_out_str(o, " -> ");
		pl_out_str(o, state_name(e->state));
		break;
	case PL_TCP_SUMMARY:
		if (e->flags & PL_TCPF_DATA_SENT)
			t_uint(o, " tx ", e->data_acked);
		else
			pl_out_str(o, " tx ?");
		t_uint(o, " rx ", e->data_received);
		t_uint(o, " segs ", e->segs_out);
		t_uint(o, "/", e->segs_in);
		if (e->flags & PL_TCPF_TRACKED) {
			t_uint(o, " retrans ", e->retrans);
		} else {
			t_uint(o, " retrans ", e->total_retrans);
			pl_out_str(o, " segs");
		}
		if (e->flags & PL_TCPF_RTT) {
			t_uint(o, " rtt ", e->rtt_min_us);
			t_uint(o, "/", e->rtt_sum_us / e->rtt_n);
			t_uint(o, "/", e->rtt_max_us);
			pl_out_str(o, "us");
		}
		if (e->flags & PL_TCPF_START)
			text_duration(o, e->ts_ns - e->start_ns);
		pl_out_str(o, " last ");
		pl_out_str(o, state_name(e->state));
		if (e->closer && e->closer < ARRAY_SIZE(closer_names)) {
			pl_out_str(o, " closed-by ");
			pl_out_str(o, closer_names[e->closer]);
		}
		if (!(e->flags & PL_TCPF_TRACKED))
			pl_out_str(o, " (untracked)");
		break;
	case PL_TCP_RETRANS:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->state));
		if (e->flags & PL_TCPF_SYNACK)
			pl_out_str(o, " SYN-ACK");
		t_uint(o, " seq ", e->seq);
		t_uint(o, " len ", e->len);
		if (e->flags & PL_TCPF_ERR) {
			pl_out_str(o, " failed (");
			pl_out_str(o, strerror(-e->err));
			pl_out_char(o, ')');
		}
		break;
	case PL_TCP_RESET:
		pl_out_str(o, e->flags & PL_TCPF_SENT ? " sent" : " received");
		if (e->flags & PL_TCPF_STATE) {
			pl_out_str(o, " in ");
			pl_out_str(o, state_name(e->state));
		} else {
			pl_out_str(o, " (no socket)");
		}
		if (e->flags & PL_TCPF_REASON) {
			pl_out_str(o, " reason ");
			put_reason(o, &c->rst_reasons, e->reason);
		}
		break;
	case PL_TCP_RTT:
		pl_out_char(o, ' ');
		pl_out_str(o, state_name(e->state));
		t_uint(o, " srtt ", e->srtt_us);
		t_uint(o, "us cwnd ", e->cwnd);
		break;
	case PL_TCP_DROP:
		pl_out_str(o, e->proto == 17 ? " udp " : " tcp ");
		put_reason(o, &c->drop_reasons, e->reason);
		if (e->flags & PL_TCPF_IFACE) {
			pl_out_str(o, " on ");
			pl_out_escaped(o, e->ifname, strnlen(e->ifname, sizeof(e->ifname)));
		}
		break;
	}
	if (e->flags & PL_TCPF_OWNER) {
		pl_out_char(o, ' ');
		pl_out_escaped(o, e->comm, strnlen(e->comm, sizeof(e->comm)));
		t_uint(o, "[", e->pid);
		pl_out_char(o, ']');
	}
	pl_out_char(o, '\n');
	pl_out_end_record(o);
}

int tcp_on_event(void *ctx, void *data, size_t size)
{
	struct tcp_ctx *c = ctx;
	struct pl_tcp_event e;

	/* -c reached: what else is in the ring stays unread (a callback's
	 * positive return does not stop ring_buffer__poll) */
	if (size < sizeof(e) || (c->o->count && c->printed >= c->o->count))
		return 0;
	/* copy out of the ring before reading: the kernel owns that memory */
	memcpy(&e, data, sizeof(e));
	if (e.type != PL_EV_TCP || e.kind >= PL_TCP__KINDS || (e.family != 4 && e.family != 6))
		return 0;
	pl_privacy_tcp(&e);
	if (c->o->json)
		print_json(c, &e);
	else
		print_text(c, &e);
	c->printed++;
	return 0;
}
