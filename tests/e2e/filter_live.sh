#!/usr/bin/env bash
# Live checks of the in-kernel filter, -w capture and loss accounting in the
# lab: L7 predicates select the right packets in the kernel, the kernel and
# `read` select the same packets, -w holds the bytes tcpdump sees, and under
# a flood every matched packet is emitted, lost, sampled out or rate-limited.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
TMP=$(mktemp -d)

trap lab_cleanup EXIT

# watch_bg OUT ARGS...: pktlens watch in the server namespace, in the
# background; waits until it is attached.
watch_bg() {
	local out=$1
	shift
	start_bg "$out" "watching pls0" 5 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 --duration 60 "$@"
	local rc=$?
	WPID=$BG_PID
	return $rc
}

# tcpdump_bg OUT ARGS...: tcpdump -w OUT on pls0 in the server namespace, in
# the background, from its "listening on" line on (starting the traffic
# before it made the first comparison fail now and then: "3 vs 2 records").
# --immediate-mode: without it the last packets can still wait in the
# kernel's capture block when SIGINT comes, and are never written ("3 vs 0").
tcpdump_bg() {
	local out=$1
	shift
	start_tcpdump "$SRV_NS" "$out" -i pls0 -nn -U --immediate-mode -Q in "$@" ||
		bad "tcpdump did not start: $(cat "$out.err")"
	TPID=$TD_PID
}

stop() {
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# jq over JSON lines: count the records that satisfy EXPR.
count() { jq -s "[.[] | select($1)] | length" "$2"; }

$LAB up >"$TMP/lab.log" 2>&1 || { bad "lab-up: $(tail -3 "$TMP/lab.log")"; exit 1; }

# 1. L7 predicates in the kernel, and the same filter through read of a
# tcpdump capture of the same traffic. One watcher at a time: XDP takes
# one program per interface.
declare -A F=(
	[sni]='tls.sni == "*.lab.test"'
	[dns]='dns.qry.name ~ "LAB" and dns.qry.type == 28'
	[post]='http.request.method == "POST"'
	[notsni]='tcp and tls.sni != "www.lab.test"'
	# libpcap's primitives, in the kernel: a service name, broadcast,
	# arithmetic, and ip6 proto beside an L7 term
	[portname]='port domain'
	[bcast]='port http and not broadcast'
	[arith]='ip[2:2] - ((ip[0] & 0xf) << 2) > 100'
	[ip6l7]='ip6 proto 17 and dns.qry.name ~ "lab"'
)
key='[."ip.src" // ."ipv6.src", ."tcp.srcport" // ."udp.srcport", ."tcp.seq_raw" // ."dns.id"] | tostring'
for k in sni dns post notsni portname bcast arith ip6l7; do
	tcpdump_bg "$TMP/all-$k.pcap"
	watch_bg "$TMP/l7-$k.json" --json "${F[$k]}" || bad "l7 $k attach: $(cat "$TMP/l7-$k.json.err")"
	$LAB traffic 1 >/dev/null 2>&1
	sleep 0.5
	stop "$WPID"
	stop "$TPID"
	"$PKTLENS" read "$TMP/all-$k.pcap" --json "${F[$k]}" >"$TMP/read-$k.json" 2>"$TMP/read-$k.err"
	jq -r "$key" "$TMP/l7-$k.json" | sort >"$TMP/l7-$k.keys"
	jq -r "$key" "$TMP/read-$k.json" | sort >"$TMP/read-$k.keys"
	cmp -s "$TMP/l7-$k.keys" "$TMP/read-$k.keys" && ok "kernel and read select the same packets: ${F[$k]}" ||
		bad "kernel vs read differ for ${F[$k]}: $(wc -l <"$TMP/l7-$k.json") vs $(wc -l <"$TMP/read-$k.json") records: $(diff "$TMP/l7-$k.keys" "$TMP/read-$k.keys" | grep '^[<>]' | head -3 | tr '\n' ' ')"
done

for k in portname bcast arith ip6l7; do
	n=$(count 'true' "$TMP/l7-$k.json")
	[ "$n" -ge 1 ] && ok "kernel filter '${F[$k]}' selects $n packets" ||
		bad "kernel filter '${F[$k]}' selects nothing"
done
n=$(count '."dns.qry.name" != null and ."ipv6.src" != null' "$TMP/l7-ip6l7.json")
[ "$n" -ge 1 ] && [ "$n" -eq "$(count 'true' "$TMP/l7-ip6l7.json")" ] &&
	ok "kernel filter ip6 proto 17 with dns.qry.name: $n IPv6 DNS queries, nothing else" ||
	bad "kernel filter ip6 proto 17 with dns.qry.name: $n of $(count 'true' "$TMP/l7-ip6l7.json")"
n=$(count '."tls.handshake.extensions_server_name"=="www.lab.test"' "$TMP/l7-sni.json")
all=$(count 'true' "$TMP/l7-sni.json")
[ "$n" -ge 3 ] && [ "$n" -eq "$all" ] && ok "kernel filter tls.sni wildcard ($n ClientHellos, nothing else)" ||
	bad "kernel filter tls.sni: $n of $all records"
n=$(count '."dns.qry.type"==28' "$TMP/l7-dns.json"); all=$(count 'true' "$TMP/l7-dns.json")
[ "$n" -ge 1 ] && [ "$n" -eq "$all" ] && ok "kernel filter dns.qry.name ~ and dns.qry.type ($n)" ||
	bad "kernel filter dns: $n of $all"
n=$(count '."http.request.method"=="POST"' "$TMP/l7-post.json"); all=$(count 'true' "$TMP/l7-post.json")
[ "$n" -ge 1 ] && [ "$n" -eq "$all" ] && ok "kernel filter http.request.method ($n)" ||
	bad "kernel filter http method: $n of $all"
all=$(count 'true' "$TMP/l7-notsni.json")
[ "$all" -eq 0 ] && ok "kernel filter != on an absent field matches nothing" ||
	bad "kernel filter !=: $all records"

# 2. -w holds the bytes tcpdump captures at the same time.
tcpdump_bg "$TMP/td.pcap" 'tcp port 80'
watch_bg "$TMP/w.txt" -w "$TMP/pl.pcapng" 'tcp port 80' || bad "-w attach: $(cat "$TMP/w.txt.err")"
$LAB traffic 1 >/dev/null 2>&1
sleep 1
stop "$WPID"
stop "$TPID"
python3 tests/e2e/pcaprw.py frames "$TMP/pl.pcapng" >"$TMP/pl.frames"
python3 tests/e2e/pcaprw.py frames "$TMP/td.pcap" >"$TMP/td.frames"
n=$(wc -l <"$TMP/pl.frames")
if [ "$n" -ge 10 ] && diff -q "$TMP/pl.frames" "$TMP/td.frames" >/dev/null; then
	ok "-w pcapng is byte-identical to tcpdump's capture ($n packets)"
else
	bad "-w differs from tcpdump: $n vs $(wc -l <"$TMP/td.frames") packets; $(diff "$TMP/pl.frames" "$TMP/td.frames" | head -4 | tr '\n' ' ')"
fi
tshark -r "$TMP/pl.pcapng" -T fields -e frame.interface_name 2>/dev/null | head -1 | grep -qx pls0 &&
	ok "-w names the interface for tshark" || bad "-w interface name"

# 3. Loss accounting under a flood the reader cannot keep up with.
mac=$(ip netns exec "$SRV_NS" cat /sys/class/net/pls0/address)
cat >"$TMP/flood.cfg" <<CFG
{ eth(da=$mac, sa=02:00:00:00:00:02), ipv4(saddr=198.18.0.2, daddr=198.18.0.1, ttl=64), udp(sp=9999, dp=9), fill(0x41, 18) }
CFG
flood() { ip netns exec "$CLI_NS" timeout 20 trafgen --dev plc0 --conf "$TMP/flood.cfg" -n "$1" -q >/dev/null 2>&1; }
invariant() { # FILE.err: matched = emitted + lost + sampled out + rate-limited
	sed -nE 's/.* ([0-9]+) packets seen, ([0-9]+) matched, ([0-9]+) sampled out, ([0-9]+) rate-limited, ([0-9]+) emitted, ([0-9]+) lost.*/\2 \3 \4 \5 \6/p' "$1" | tail -1
}
# a reader that stalls: pktlens blocks on stdout while the flood runs
ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 --json --stats --duration 8 'udp port 9' \
	2>"$TMP/flood.err" | (sleep 4; cat >/dev/null) &
FPID=$!
track_pid "$FPID"
wait_line "$TMP/flood.err" "watching pls0" 5 || bad "flood watcher attach: $(cat "$TMP/flood.err")"
flood 300000
wait "$FPID" 2>/dev/null
read -r m s r e l <<<"$(invariant "$TMP/flood.err")"
if [ -n "${m:-}" ] && [ "$l" -gt 0 ] && [ "$m" -eq $((e + l + s + r)) ] && [ "$m" -ge 20000 ]; then
	ok "loss is counted: matched $m = emitted $e + lost $l + sampled $s + rate-limited $r"
else
	bad "loss invariant: '${m:-}' '${s:-}' '${r:-}' '${e:-}' '${l:-}' ($(tail -2 "$TMP/flood.err" | tr '\n' ' '))"
fi
grep -q "records lost in the ring buffer in the last second" "$TMP/flood.err" &&
	ok "loss is reported on stderr while it happens" || bad "no loss line on stderr"

for opt in "--sample 10" "--rate 1000"; do
	watch_bg "$TMP/s.json" --json --stats $opt 'udp port 9' || bad "$opt attach"
	flood 50000
	sleep 1
	stop "$WPID"
	read -r m s r e l <<<"$(invariant "$TMP/s.json.err")"
	printed=$(wc -l <"$TMP/s.json")
	if [ -n "${m:-}" ] && [ "$m" -eq $((e + l + s + r)) ] && [ "$((s + r))" -gt 0 ] && [ "$printed" -eq "$e" ]; then
		ok "$opt: matched $m = emitted $e + lost $l + sampled $s + rate-limited $r; $printed printed"
	else
		bad "$opt: '${m:-}' '${s:-}' '${r:-}' '${e:-}' '${l:-}' printed $printed"
	fi
done

# 4. A flood into a capture: once a CPU takes frames this fast, they go up
# in per-CPU batches (README, "Under a flood those frames go up in
# batches"), drained at exit. Every frame counted as emitted must be in the
# file, and every matched one emitted or counted as lost.
rx() { ip netns exec "$SRV_NS" cat /sys/class/net/pls0/statistics/rx_packets; }
rx_past() { [ "$(rx)" -ge "$1" ]; }
watch_bg "$TMP/flood.pcapng" --stats -w - 'udp port 9' || bad "flood -w attach: $(cat "$TMP/flood.pcapng.err")"
rx0=$(rx)
flood 200000
# the receiver has taken the flood (a frame veth dropped never comes:
# then the wait ends at its bound and the counts below still add up)
wait_for 5 rx_past $((rx0 + 200000)) || true
stop "$WPID"
read -r m s r e l <<<"$(invariant "$TMP/flood.pcapng.err")"
n=$(capinfos -M -c "$TMP/flood.pcapng" 2>/dev/null | sed -nE 's/^Number of packets: *([0-9]+)$/\1/p')
if [ -n "${m:-}" ] && [ "$m" -ge 100000 ] && [ "$m" -eq $((e + l + s + r)) ] && [ "${n:-0}" -eq "$e" ]; then
	ok "flood into -w: all $e emitted frames of $m matched are in the capture ($l lost)"
else
	bad "flood into -w: matched '${m:-}', emitted '${e:-}', lost '${l:-}', the capture has '${n:-}' frames ($(tail -2 "$TMP/flood.pcapng.err" | tr '\n' ' '))"
fi
