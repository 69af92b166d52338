#!/usr/bin/env bash
# watch on an interface without an Ethernet header (issue 12 part 5): a tun
# device in a namespace of its own, IP packets written into it by
# tests/e2e/tunwrite.py (that is the device's ingress). pktlens must pick
# tcx, parse from the IP header in the kernel (IPv4 and IPv6, TCP, UDP,
# the DNS and HTTP hints), compile header filters for raw IP, write -w
# with the raw-IP link type, and refuse XDP on it with one line.
#
# Runs under the lab lock (it attaches tcx). Readiness is pktlens's
# "watching" line, never a sleep.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
NS=pl-tun-test
TUN=pltun0
TMP=$(mktemp -d)

cleanup() {
	kill_bg KILL
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ ! -c /dev/net/tun ]; then
	bad "tun: /dev/net/tun is missing (modprobe tun)"
	exit 1
fi
ip netns del "$NS" 2>/dev/null
ip netns add "$NS"
ip -n "$NS" tuntap add dev "$TUN" mode tun &&
	ip -n "$NS" addr add 198.18.220.1/24 dev "$TUN" &&
	ip -n "$NS" addr add 2001:db8:220::1/64 dev "$TUN" nodad &&
	ip -n "$NS" link set "$TUN" up || {
	bad "tun: cannot create $TUN in $NS"
	exit 1
}

# watch_tun OUT ARGS...: watch on the tun device in the background until
# it is attached, then the packets, then until it has printed what -c asks
watch_tun() {
	local out=$1
	shift
	if ! start_bg "$out" "watching $TUN" 15 ip netns exec "$NS" "$PKTLENS" watch -i "$TUN" \
		-D 30 "$@"; then
		return 1
	fi
	local pid=$BG_PID
	ip netns exec "$NS" timeout 20 /usr/bin/python3 tests/e2e/tunwrite.py "$TUN" || return 1
	wait "$pid"
}

# records: all four packets, in JSON (parsed in the kernel)
if watch_tun "$TMP/json" --json -c 4; then
	j=$TMP/json
	n=$(jq -s 'length' "$j")
	if [ "$n" = 4 ] && ! grep -q '"eth\.' "$j" &&
		jq -e -s '.[0]["ip.src"] == "198.18.220.2" and .[0]["tcp.dstport"] == 443 and
			.[0]["tcp.flags"] == 2 and .[0]["tcp.options.mss_val"] == 1400' "$j" >/dev/null &&
		jq -e -s '.[1]["dns.qry.name"] == "tun4.lab.test" and .[1]["udp.dstport"] == 53' "$j" >/dev/null &&
		jq -e -s '.[2]["ipv6.src"] == "2001:db8:220::2" and .[2]["dns.qry.name"] == "tun6.lab.test" and
			.[2]["dns.qry.type"] == 28' "$j" >/dev/null &&
		jq -e -s '.[3]["http.host"] == "tun.lab.test" and .[3]["tcp.dstport"] == 80' "$j" >/dev/null &&
		grep -q "TC ingress" "$j.err"; then
		ok "tun: records from the IP header at TC ingress (IPv4/IPv6, TCP, UDP, DNS, HTTP)"
	else
		bad "tun: records ($n of 4):"
		head -c 1500 "$j" "$j.err"
	fi
else
	bad "tun: watch --json did not attach or end"
	cat "$TMP/json.err"
fi

# the text line, tcpdump-like, with no link-layer part
if watch_tun "$TMP/text" -c 4 &&
	grep -qE "^[0-9:.]+ $TUN 198\.18\.220\.2\.41000 > 198\.18\.220\.1\.443: TCP \[S\] seq 7 .*mss 1400" "$TMP/text" &&
	grep -qE "2001:db8:220::2\.41002 > 2001:db8:220::1\.53: UDP .*\| dns .*q=tun6\.lab\.test" "$TMP/text"; then
	ok "tun: text lines"
else
	bad "tun: text lines:"
	cat "$TMP/text" "$TMP/text.err"
fi

# a header filter, compiled by libpcap for raw IP, in the kernel
if watch_tun "$TMP/filt" --json -c 2 -w "$TMP/tun.pcapng" 'udp port 53' &&
	[ "$(jq -s '[.[] | select(.["udp.dstport"] == 53)] | length' "$TMP/filt")" = 2 ] &&
	[ "$(jq -s 'length' "$TMP/filt")" = 2 ]; then
	ok "tun: header filter 'udp port 53' for raw IP"
else
	bad "tun: header filter:"
	cat "$TMP/filt" "$TMP/filt.err"
fi

# -w (in the filter's run): a pcapng whose interface block says raw IP;
# read gives the same records back
if [ "$(tshark -r "$TMP/tun.pcapng" -T fields -e frame.interface_name -e frame.encap_type 2>/dev/null |
		sort -u)" = "$(printf '%s\t7' "$TUN")" ] &&
	"$PKTLENS" read --json "$TMP/tun.pcapng" | jq -c 'del(.["frame.time_epoch"], .["frame.number"],
		.["frame.interface_name"])' >"$TMP/back" &&
	jq -c 'del(.["frame.time_epoch"], .["pktlens.ifname"])' "$TMP/filt" | cmp -s - "$TMP/back"; then
	ok "tun: -w writes raw IP (one interface block), read gives the same records"
else
	bad "tun: -w:"
	tshark -r "$TMP/tun.pcapng" -T fields -e frame.interface_name -e frame.encap_type 2>&1 | head -5
	diff <(jq -c 'del(.["frame.time_epoch"], .["pktlens.ifname"])' "$TMP/filt") "$TMP/back" | head
fi

# XDP cannot see an L2 header there: refused before anything is loaded,
# with one line saying what to do
out=$(ip netns exec "$NS" timeout 10 "$PKTLENS" watch -i "$TUN" --mode xdp -D 1 2>&1 >/dev/null)
rc=$?
if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c "use --mode tc")" = 1 ]; then
	ok "tun: --mode xdp refused with one line (exit $rc)"
else
	bad "tun: --mode xdp (exit $rc): $out"
fi
