#!/usr/bin/env bash
# Kernel end-to-end for the agent's TCP and drop metrics (tcp: true) in the
# lab, against real clients: curl downloads counted exactly (opened, closed,
# RTT and handshake observations of the server's port 8080), the RTT sum
# against `ss -ti` for a long-lived connection (and netem's delay where the
# kernel has netem), retransmits under nftables loss equal to `pktlens tcp`'s
# retransmit records of the same run, a reset sent for a closed port, drops
# by reason (TCP_CSUM, NO_SOCKET), promtool on the page, a real Prometheus
# server's histogram_quantile() of the RTT, and the handshake RTT of the
# flow records in the agent's log.
#
# Tracepoints see every namespace: the exact counts are those of the lab's
# own ports (the per-port families); run under the lab lock.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3 # Debian's, with scapy
CLI=198.18.0.2
SRV=198.18.0.1
N=5
TMP=$(mktemp -d)
chmod 755 "$TMP"
AGENT_PID=
PROM_PID=
TCP_PID=
LONG_PID=

cleanup() {
	local p
	for p in $AGENT_PID $PROM_PID $TCP_PID $LONG_PID; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	lab_loss_del
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

cli() { ip netns exec "$CLI_NS" timeout -k 2 30 "$@"; }

scrape() { srv curl -s --max-time 2 http://127.0.0.1:9464/metrics >"$TMP/m.txt"; }
# metric SAMPLE: its value in a fresh scrape (empty when absent)
metric() {
	scrape
	awk -v s="$1" '$1 == s { print $2 }' "$TMP/m.txt"
}
# metric_is SAMPLE VALUE
metric_is() { [ "$(metric "$1")" = "$2" ]; }
# within A B PCT: A is within PCT % of B
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= b * p / 100) }'; }

prom_value() {
	srv curl -s --max-time 2 -G 'http://127.0.0.1:9090/api/v1/query' \
		--data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "agent-tcp-lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi

cat >"$TMP/agent.yaml" <<EOF
interfaces: [pls0]
tcp: true
metrics: { listen: 127.0.0.1:9464, top: 10 }
log: { file: $TMP/flows.json }
EOF
ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
if wait_line "$TMP/agent.err" "metrics on" 20 "$AGENT_PID" && grep -q "TCP metrics from" "$TMP/agent.err"; then
	ok "agent-tcp-start"
else
	bad "agent-tcp-start: $(tail -3 "$TMP/agent.err")"
	exit 1
fi

start_prometheus "$TMP"

# ---- N downloads: exactly N accepted, closed, and observed ----
for i in $(seq "$N"); do
	cli curl -s -o /dev/null --max-time 10 "http://$SRV:8080/100k.bin" || bad "curl $i failed"
done
P='{port="8080"}'
if wait_for 10 metric_is "pktlens_tcp_port_connections_closed_total{port=\"8080\",end=\"normal\"}" "$N"; then
	ok "agent-tcp-closed: $N downloads, $N closed normally on port 8080"
else
	bad "agent-tcp-closed: $(grep 'port_connections_closed_total{port="8080"' "$TMP/m.txt" | tr '\n' ' ')"
fi
opened=$(metric "pktlens_tcp_port_connections_opened_total$P")
rtt_n=$(awk -v s="pktlens_tcp_port_rtt_seconds_count$P" '$1 == s { print $2 }' "$TMP/m.txt")
hs_n=$(awk -v s="pktlens_tcp_port_handshake_seconds_count$P" '$1 == s { print $2 }' "$TMP/m.txt")
dur_n=$(awk -v s="pktlens_tcp_port_connection_duration_seconds_count$P" '$1 == s { print $2 }' "$TMP/m.txt")
if [ "$opened" = "$N" ] && [ "$rtt_n" = "$N" ] && [ "$hs_n" = "$N" ] && [ "$dur_n" = "$N" ]; then
	ok "agent-tcp-opened-and-observed: $N opened (passive), $N RTT, handshake and duration observations"
else
	bad "agent-tcp-opened-and-observed: opened '$opened' rtt '$rtt_n' handshake '$hs_n' duration '$dur_n', want $N"
fi
# the +Inf bucket of a histogram is its count
inf=$(awk -v s="pktlens_tcp_port_rtt_seconds_bucket{port=\"8080\",le=\"+Inf\"}" '$1 == s { print $2 }' "$TMP/m.txt")
[ "$inf" = "$N" ] && ok "agent-tcp-rtt-buckets-cumulative: +Inf = $N" || bad "agent-tcp-rtt-buckets-cumulative: +Inf '$inf'"
# both ends of each download are on this machine: the totals count both
act=$(awk '$1 == "pktlens_tcp_connections_opened_total{direction=\"active\"}" { print $2 }' "$TMP/m.txt")
pas=$(awk '$1 == "pktlens_tcp_connections_opened_total{direction=\"passive\"}" { print $2 }' "$TMP/m.txt")
if [ "${act:-0}" -ge "$N" ] && [ "${pas:-0}" -ge "$N" ]; then
	ok "agent-tcp-totals: opened active $act, passive $pas (>= $N each: the curls and the scrapes)"
else
	bad "agent-tcp-totals: opened active '$act' passive '$pas'"
fi

# ---- a long-lived connection: the RTT at close against ss -ti ----
# The server (port 8081) sends for a while, goes quiet, says so, and when
# told closes with a reset (SO_LINGER 0): no RTT sample comes after ss's
# reading, as a FIN's would (the peer's answer to it includes its process
# waking up).
cat >"$TMP/long.py" <<'EOF'
import os, socket, struct, sys, time
tmp = sys.argv[1]
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("198.18.0.1", 8081))
l.listen(1)
print("listening", file=sys.stderr, flush=True)
c, _ = l.accept()
end = time.time() + 1.0
while time.time() < end:
    c.sendall(b"x" * 65536)
time.sleep(0.2)
print("sent", file=sys.stderr, flush=True)
for _ in range(200):
    if os.path.exists(tmp + "/go"):
        break
    time.sleep(0.05)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
EOF
ip netns exec "$SRV_NS" timeout 30 "$PY" "$TMP/long.py" "$TMP" >/dev/null 2>"$TMP/long.err" &
LONG_PID=$!
wait_line "$TMP/long.err" "listening" 10 "$LONG_PID" || bad "agent-tcp-ss: the server did not start"
cli "$PY" -c "
import socket
s = socket.create_connection(('$SRV', 8081))
try:
    while s.recv(65536): pass
except ConnectionResetError:
    pass
" &
cpid=$!
wait_line "$TMP/long.err" "sent" 15 "$LONG_PID"
srv ss -tin state established '( sport = :8081 )' >"$TMP/ss.txt"
touch "$TMP/go"
wait "$cpid"
wait "$LONG_PID"
LONG_PID=
ss_ms=$(grep -oE ' rtt:[0-9.]+' "$TMP/ss.txt" | head -1 | cut -d: -f2)
wait_for 10 metric_is 'pktlens_tcp_port_rtt_seconds_count{port="8081"}' 1
sum=$(metric 'pktlens_tcp_port_rtt_seconds_sum{port="8081"}')
if [ -n "$ss_ms" ] && [ -n "$sum" ] && within "$sum" "$(awk -v m="$ss_ms" 'BEGIN { print m / 1000 }')" 20; then
	ok "agent-tcp-rtt-vs-ss: RTT at close ${sum}s, ss -ti ${ss_ms}ms (within 20%)"
else
	bad "agent-tcp-rtt-vs-ss: RTT at close '${sum}'s, ss -ti '${ss_ms}'ms: $(head -c 300 "$TMP/ss.txt")"
fi

# ---- netem's delay, where the kernel has it ----
NETEM_CONNS=0
if cli tc qdisc add dev plc0 root netem delay 20ms 2>"$TMP/netem.err"; then
	before=$(metric "pktlens_tcp_port_handshake_seconds_sum$P")
	before_rtt=$(awk -v s="pktlens_tcp_port_rtt_seconds_sum$P" '$1 == s { print $2 }' "$TMP/m.txt")
	for i in 1 2 3; do cli curl -s -o /dev/null --max-time 10 "http://$SRV:8080/1k.bin"; done
	cli tc qdisc del dev plc0 root
	NETEM_CONNS=3
	wait_for 10 metric_is "pktlens_tcp_port_handshake_seconds_count$P" $((N + 3))
	hs=$(awk -v s="pktlens_tcp_port_handshake_seconds_sum$P" -v b="$before" '$1 == s { print ($2 - b) / 3 }' "$TMP/m.txt")
	rt=$(awk -v s="pktlens_tcp_port_rtt_seconds_sum$P" -v b="$before_rtt" '$1 == s { print ($2 - b) / 3 }' "$TMP/m.txt")
	if within "$hs" 0.020 20 && within "$rt" 0.020 20; then
		ok "agent-tcp-netem: handshake ${hs}s, RTT ${rt}s for 20 ms of delay (within 20%)"
	else
		bad "agent-tcp-netem: handshake '${hs}'s, RTT '${rt}'s for 20 ms of delay"
	fi
else
	echo "INFO: this kernel has no netem ($(head -c 100 "$TMP/netem.err")): the RTT is checked against ss -ti only"
fi

# ---- retransmits under 10% loss: the same count as pktlens tcp's ----
if lab_loss_add; then
	r0=$(metric "pktlens_tcp_port_retransmits_total$P")
	"$PKTLENS" tcp --json --stats --events retrans --duration 60 "port 8080" >"$TMP/rt.json" 2>"$TMP/rt.err" &
	TCP_PID=$!
	if wait_line "$TMP/rt.err" "tracing TCP" 10 "$TCP_PID"; then
		for i in 1 2 3; do cli curl -s -o /dev/null --max-time 20 "http://$SRV:8080/1m.bin"; done
		lab_loss_del
		wait_for 10 metric_is "pktlens_tcp_port_connections_closed_total{port=\"8080\",end=\"normal\"}" $((N + NETEM_CONNS + 3))
		sleep 0.3 # let pktlens tcp's last records through its ring buffer
		kill -INT "$TCP_PID"
		wait "$TCP_PID"
		TCP_PID=
		r1=$(metric "pktlens_tcp_port_retransmits_total$P")
		traced=$(jq -s --arg srv "$SRV" '[.[] | select(.["event.action"] == "retrans" and
			.["source.ip"] == $srv and (has("pktlens.error") | not))] | length' "$TMP/rt.json")
		missed=$(grep -oE '[0-9]+ hook runs missed' "$TMP/rt.err" | cut -d' ' -f1)
		if [ "$((r1 - r0))" -gt 0 ] && [ "$((r1 - r0))" -eq "$traced" ]; then
			ok "agent-tcp-retransmits: $((r1 - r0)) counted = $traced pktlens tcp records"
		else
			bad "agent-tcp-retransmits: agent $((r1 - r0)), pktlens tcp $traced (missed ${missed:-?})"
		fi
	else
		bad "agent-tcp-retransmits: pktlens tcp did not start: $(head -c 300 "$TMP/rt.err")"
	fi
else
	bad "agent-tcp-retransmits: nft could not add the drop rule"
fi

# ---- a closed port: one reset sent ----
cli curl -s -o /dev/null --max-time 3 "http://$SRV:8999/"
if wait_for 10 metric_is 'pktlens_tcp_port_resets_total{port="8999",direction="sent"}' 1; then
	ok "agent-tcp-reset-closed-port: one reset sent for port 8999"
else
	bad "agent-tcp-reset-closed-port: $(grep 'port="8999"' "$TMP/m.txt" | tr '\n' ' ')"
fi

# ---- drops by reason ----
csum0=$(metric 'pktlens_drops_total{reason="TCP_CSUM"}')
nosock0=$(awk '$1 == "pktlens_drops_total{reason=\"NO_SOCKET\"}" { print $2 }' "$TMP/m.txt")
cli "$PY" -c "
from scapy.all import IP, TCP, conf, send
conf.verb = 0
send(IP(src='$CLI', dst='$SRV') / TCP(sport=40404, dport=80, flags='S', seq=1000, chksum=0xdead), iface='plc0')
"
if wait_for 10 metric_is 'pktlens_drops_total{reason="TCP_CSUM"}' $((${csum0:-0} + 1)); then
	ok "agent-drops-tcp-csum: a bad checksum counts under TCP_CSUM"
else
	bad "agent-drops-tcp-csum: TCP_CSUM '$csum0' -> '$(metric 'pktlens_drops_total{reason="TCP_CSUM"}')'"
fi
cli "$PY" -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$SRV', 9))
"
# (NO_SOCKET is machine-wide: other namespaces' packets may add to it)
nosock_grew() { [ "$(metric 'pktlens_drops_total{reason="NO_SOCKET"}')" -gt "${nosock0:-0}" ]; }
if wait_for 10 nosock_grew; then
	ok "agent-drops-no-socket: a UDP datagram to a closed port counts under NO_SOCKET"
else
	bad "agent-drops-no-socket: NO_SOCKET stayed at '${nosock0}'"
fi
n_reasons=$(grep -c '^pktlens_drops_total{' "$TMP/m.txt")
[ "$n_reasons" -gt 10 ] && ! grep -q 'reason="CONSUMED"' "$TMP/m.txt" &&
	ok "agent-drops-reasons: $n_reasons reasons from the kernel's BTF, not CONSUMED" ||
	bad "agent-drops-reasons: $n_reasons"

# ---- promtool and Prometheus ----
scrape
if promtool check metrics <"$TMP/m.txt" >"$TMP/promtool.out" 2>&1; then
	ok "agent-tcp-promtool: $(grep -c '^# TYPE' "$TMP/m.txt") families"
else
	bad "agent-tcp-promtool: $(head -5 "$TMP/promtool.out")"
fi
wait_for 30 srv curl -sf http://127.0.0.1:9090/-/ready || bad "prometheus-ready: $(tail -3 "$TMP/prometheus.log")"
# rate() needs two scrapes with observations in between
q='histogram_quantile(0.5, rate(pktlens_tcp_rtt_seconds_bucket[1m]))'
in_range() {
	local v
	cli curl -s -o /dev/null --max-time 5 "http://$SRV:8080/1k.bin"
	v=$(prom_value "$q")
	awk -v v="$v" 'BEGIN { exit !(v != "" && v + 0 > 0.000001 && v + 0 < 0.1) }'
}
if wait_for 20 in_range; then
	ok "agent-tcp-prometheus-quantile: median RTT $(prom_value "$q") s"
else
	bad "agent-tcp-prometheus-quantile: '$(prom_value "$q")'"
fi

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ $rc -eq 0 ] && ok "agent-tcp-sigterm-exit-0" || bad "agent-tcp-sigterm-exit-0: rc $rc"

# the flows (pls0's ingress: the clients' side) that began with a SYN carry
# the handshake, SYN to the client's ACK of the SYN-ACK (exported at exit)
jq -s --arg cli "$CLI" '[.[] | select(.["source.ip"] == $cli and .["destination.port"] == 8080 and
	(.["pktlens.tcp_flags"] % 4 >= 2))] | [length, ([.[] | select(.["pktlens.tcp.handshake_rtt"] // 0 |
	. > 0 and . < 5)] | length)] | "\(.[0]) \(.[1])"' -r "$TMP/flows.json" >"$TMP/hs.txt" 2>&1
read -r n_syn n_hs <"$TMP/hs.txt"
if [ "${n_syn:-0}" -ge "$N" ] && [ "$n_syn" = "$n_hs" ]; then
	ok "agent-flows-handshake-rtt: all $n_syn flows to port 8080 that began with a SYN carry pktlens.tcp.handshake_rtt"
else
	bad "agent-flows-handshake-rtt: $(cat "$TMP/hs.txt")"
fi
