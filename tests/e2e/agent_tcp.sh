#!/usr/bin/env bash
# Kernel end-to-end for the agent's TCP and drop metrics (tcp: true) in the
# lab, against real clients: curl downloads counted exactly (opened, closed,
# RTT and handshake observations of the server's port), the RTT sum
# against `ss -ti` for a long-lived connection (and netem's delay where the
# kernel has netem), retransmits under nftables loss equal to `pktlens tcp`'s
# retransmit records of the same run, a reset sent for a closed port, drops
# by reason (TCP_CSUM, NO_SOCKET), promtool on the page, a real Prometheus
# server's histogram_quantile() of the RTT, and the handshake RTT of the
# flow records in the agent's log. Then: the established gauges against K
# idle connections held open (and ss), a connection that times out
# (TCP_USER_TIMEOUT under an nftables drop: end="timeout"), the page's
# TCP families against docs/agent.md's table, and a second agent whose
# SIGHUP reloads turn tcp off, on, off and on again, with metrics.top 3
# over three ports of known counts and the agent's own.
#
# Tracepoints see every namespace: the exact counts are those of the
# suite's own ports (the per-port families): its servers (an http.server
# beside the lab's, for the downloads) listen on ports the kernel picks,
# which no other lab on the machine shares, where the lab's 80 and 8080
# are every lab's; the totals are checked as lower bounds.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3 # Debian's, with scapy
CONNS=tests/e2e/tcp_conns.py
CLI=$CLI4
SRV=$SRV4
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
	kill_bg KILL
	lab_loss_del
	ip netns exec "$CLI_NS" nft delete table inet pl_stall 2>/dev/null
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
metrics: { listen: 127.0.0.1:9464, top: 100 }
log: { file: $TMP/flows.json }
EOF
# (top 100, the most: the lab's ports of one connection must not give way
# to other labs' busier ones; the second agent below tests the limit)
ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
if wait_line "$TMP/agent.err" "metrics on" 20 "$AGENT_PID" && grep -q "TCP metrics from" "$TMP/agent.err"; then
	ok "agent-tcp-start"
else
	bad "agent-tcp-start: $(tail -3 "$TMP/agent.err")"
	exit 1
fi

start_prometheus "$TMP"

# free_port: a port no socket of the server's namespace has now
free_port() {
	srv "$PY" -c "import socket; s = socket.socket(); s.bind(('$SRV', 0)); print(s.getsockname()[1])"
}
# the downloads' server: the lab's files, on a port of this suite's own
ip netns exec "$SRV_NS" timeout -k 2 300 "$PY" -u -m http.server 0 --bind "$SRV" \
	--directory "$LAB_RUN/www" >"$TMP/http.log" 2>&1 &
track_pid $!
wait_line "$TMP/http.log" "^Serving HTTP" 10 $!
HP=$(grep -oE ' port [0-9]+' "$TMP/http.log" | head -1 | awk '{ print $2 }')
if [ -z "$HP" ]; then
	bad "agent-tcp-http-server: $(head -c 300 "$TMP/http.log")"
	exit 1
fi

# ---- N downloads: exactly N accepted, closed, and observed ----
for i in $(seq "$N"); do
	cli curl -s -o /dev/null --max-time 10 "http://$SRV:$HP/100k.bin" || bad "curl $i failed"
done
P="{port=\"$HP\"}"
if wait_for 10 metric_is "pktlens_tcp_port_connections_closed_total{port=\"$HP\",end=\"normal\"}" "$N"; then
	ok "agent-tcp-closed: $N downloads, $N closed normally on port $HP"
else
	bad "agent-tcp-closed: $(grep "port_connections_closed_total{port=\"$HP\"" "$TMP/m.txt" | tr '\n' ' ')"
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
inf=$(awk -v s="pktlens_tcp_port_rtt_seconds_bucket{port=\"$HP\",le=\"+Inf\"}" '$1 == s { print $2 }' "$TMP/m.txt")
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
# The server (a port of its own, LP) sends for a while, goes quiet, says so, and when
# told closes with a reset (SO_LINGER 0): no RTT sample comes after ss's
# reading, as a FIN's would (the peer's answer to it includes its process
# waking up).
cat >"$TMP/long.py" <<'EOF'
import os, socket, struct, sys, time
tmp, addr = sys.argv[1], sys.argv[2]
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((addr, 0))
l.listen(1)
print("listening", l.getsockname()[1], file=sys.stderr, flush=True)
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
ip netns exec "$SRV_NS" timeout 30 "$PY" "$TMP/long.py" "$TMP" "$SRV" >/dev/null 2>"$TMP/long.err" &
LONG_PID=$!
wait_line "$TMP/long.err" "listening" 10 "$LONG_PID" || bad "agent-tcp-ss: the server did not start"
LP=$(awk '$1 == "listening" { print $2 }' "$TMP/long.err")
cli "$PY" -c "
import socket
s = socket.create_connection(('$SRV', ${LP:-1}))
try:
    while s.recv(65536): pass
except ConnectionResetError:
    pass
" &
cpid=$!
wait_line "$TMP/long.err" "sent" 15 "$LONG_PID"
srv ss -tin state established "( sport = :$LP )" >"$TMP/ss.txt"
touch "$TMP/go"
wait "$cpid"
wait "$LONG_PID"
LONG_PID=
ss_ms=$(grep -oE ' rtt:[0-9.]+' "$TMP/ss.txt" | head -1 | cut -d: -f2)
wait_for 10 metric_is "pktlens_tcp_port_rtt_seconds_count{port=\"$LP\"}" 1
sum=$(metric "pktlens_tcp_port_rtt_seconds_sum{port=\"$LP\"}")
if [ -n "$ss_ms" ] && [ -n "$sum" ] && within "$sum" "$(awk -v m="$ss_ms" 'BEGIN { print m / 1000 }')" 20; then
	ok "agent-tcp-rtt-vs-ss: RTT at close ${sum}s, ss -ti ${ss_ms}ms (within 20%)"
else
	bad "agent-tcp-rtt-vs-ss: RTT at close '${sum}'s, ss -ti '${ss_ms}'ms: $(head -c 300 "$TMP/ss.txt")"
fi
# the server's abort (SO_LINGER 0): a reset sent, and a close by reset,
# on its port (the kernel sends the reset after the socket is CLOSE)
lp_sent="pktlens_tcp_port_resets_total{port=\"$LP\",direction=\"sent\"}"
lp_reset="pktlens_tcp_port_connections_closed_total{port=\"$LP\",end=\"reset\"}"
if [ "$(awk -v s="$lp_sent" '$1 == s { print $2 }' "$TMP/m.txt")" = 1 ] &&
	[ "$(awk -v s="$lp_reset" '$1 == s { print $2 }' "$TMP/m.txt")" = 1 ]; then
	ok "agent-tcp-reset-sent: port $LP's SO_LINGER 0 close: 1 reset sent, 1 closed by reset"
else
	bad "agent-tcp-reset-sent: $(grep "port=\"$LP\"" "$TMP/m.txt" | grep -E 'resets|closed' | tr '\n' ' ')"
fi

# ---- netem's delay, where the kernel has it ----
NETEM_CONNS=0
if cli tc qdisc add dev plc0 root netem delay 20ms 2>"$TMP/netem.err"; then
	before=$(metric "pktlens_tcp_port_handshake_seconds_sum$P")
	before_rtt=$(awk -v s="pktlens_tcp_port_rtt_seconds_sum$P" '$1 == s { print $2 }' "$TMP/m.txt")
	for i in 1 2 3; do cli curl -s -o /dev/null --max-time 10 "http://$SRV:$HP/1k.bin"; done
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
if lab_loss_add "$HP"; then
	r0=$(metric "pktlens_tcp_port_retransmits_total$P")
	"$PKTLENS" tcp --json --stats --events retrans --duration 60 "port $HP" >"$TMP/rt.json" 2>"$TMP/rt.err" &
	TCP_PID=$!
	if wait_line "$TMP/rt.err" "tracing TCP" 10 "$TCP_PID"; then
		for i in 1 2 3; do cli curl -s -o /dev/null --max-time 20 "http://$SRV:$HP/1m.bin"; done
		lab_loss_del
		wait_for 10 metric_is "pktlens_tcp_port_connections_closed_total{port=\"$HP\",end=\"normal\"}" $((N + NETEM_CONNS + 3))
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
CP=$(free_port)
cli curl -s -o /dev/null --max-time 3 "http://$SRV:${CP:-1}/"
if wait_for 10 metric_is "pktlens_tcp_port_resets_total{port=\"$CP\",direction=\"sent\"}" 1; then
	ok "agent-tcp-reset-closed-port: one reset sent for the closed port $CP"
else
	bad "agent-tcp-reset-closed-port: $(grep "port=\"$CP\"" "$TMP/m.txt" | tr '\n' ' ')"
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

# ---- the established gauges: K idle connections held open ----
# bg_conns NS LOG ARGS...: tcp_conns.py ARGS in NS, in the background
# (tracked for cleanup; BG_PID), its output in LOG
bg_conns() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" timeout -k 2 60 "$PY" "$CONNS" "$@" >"$log" 2>&1 &
	BG_PID=$!
	track_pid "$BG_PID"
}
# listening_port LOG: the port a tcp_conns.py server printed
listening_port() { awk '$1 == "listening" { print $2 }' "$1"; }
K=8
bg_conns "$SRV_NS" "$TMP/keep.log" keep "$SRV" 0 "$K"
KEEP_PID=$BG_PID
wait_line "$TMP/keep.log" "^listening" 10 "$KEEP_PID"
KP=$(listening_port "$TMP/keep.log")
t_start=$(date +%s.%N)
bg_conns "$CLI_NS" "$TMP/idle.log" idle "$SRV" "${KP:-1}" "$K" "$TMP/idle.go"
IDLE_PID=$BG_PID
PE="pktlens_tcp_port_established{port=\"$KP\"}"
if wait_line "$TMP/idle.log" "^open $K\$" 10 "$IDLE_PID" && wait_line "$TMP/keep.log" "^accepted $K\$" 10 "$KEEP_PID" &&
	t_open=$(date +%s.%N) && wait_for 10 metric_is "$PE" "$K"; then
	# the server's sockets by ss at the same moment, and the gauge again
	ss_n=$(srv ss -Htn state established "( sport = :$KP )" | wc -l)
	again=$(metric "$PE")
	total=$(awk '$1 == "pktlens_tcp_established" { print $2 }' "$TMP/m.txt")
	# both ends of each are on this machine: the total has 2 K at least
	if [ "$ss_n" = "$K" ] && [ "$again" = "$K" ] && [ "${total:-0}" -ge $((2 * K)) ]; then
		ok "agent-tcp-established: $K idle connections to port $KP: gauge $K = ss's $ss_n; pktlens_tcp_established $total (>= $((2 * K)): both ends)"
	else
		bad "agent-tcp-established: port $KP gauge '$again', ss $ss_n, total '$total', want $K, $K, >= $((2 * K))"
	fi
else
	bad "agent-tcp-established: port '$KP' gauge '$(metric "$PE")' for $K connections: $(cat "$TMP/idle.log" "$TMP/keep.log" | tr '\n' ' ')"
fi
t_go=$(date +%s.%N)
touch "$TMP/idle.go"
closed_k() { metric_is "pktlens_tcp_port_connections_closed_total{port=\"$KP\",end=\"normal\"}" "$K"; }
if wait_line "$TMP/keep.log" "^closed $K\$" 10 "$KEEP_PID" && wait_for 10 closed_k &&
	[ "$(awk -v s="$PE" '$1 == s { print $2 }' "$TMP/m.txt")" = 0 ]; then
	ok "agent-tcp-established-closed: after they close, port $KP: gauge 0, $K closed normally"
else
	bad "agent-tcp-established-closed: $(grep "port=\"$KP\"" "$TMP/m.txt" | grep -v _bucket | tr '\n' ' ')"
fi
# each lasted from before "accepted" to after the go, and from after the
# client started to before "closed": the duration histogram's sum is
# between K times the one and K times the other
t_end=$(date +%s.%N)
dur=$(awk -v s="pktlens_tcp_port_connection_duration_seconds_sum{port=\"$KP\"}" '$1 == s { print $2 }' "$TMP/m.txt")
if awk -v d="$dur" -v k="$K" -v o="${t_open:-$t_go}" -v g="$t_go" -v a="$t_start" -v e="$t_end" \
	'BEGIN { exit !(d != "" && g > o && d >= k * (g - o) && d <= k * (e - a)) }'; then
	ok "agent-tcp-duration: $K connections held: duration sum ${dur}s, between $K x $(awk -v a="$t_open" -v b="$t_go" 'BEGIN { printf "%.3f", b - a }') and $K x $(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.3f", b - a }') s"
else
	bad "agent-tcp-duration: sum '${dur}'s, held $t_start $t_open $t_go $t_end"
fi

# ---- a reset received: the client aborts (SO_LINGER 0) ----
bg_conns "$SRV_NS" "$TMP/rkeep.log" keep "$SRV" 0 1
wait_line "$TMP/rkeep.log" "^listening" 10 "$BG_PID"
RKP=$(listening_port "$TMP/rkeep.log")
touch "$TMP/rst.go" # closes as soon as it is open
in_cli "$PY" "$CONNS" idle "$SRV" "${RKP:-1}" 1 "$TMP/rst.go" rst >/dev/null
rst_recv() { metric_is "pktlens_tcp_port_resets_total{port=\"$RKP\",direction=\"received\"}" 1; }
if wait_line "$TMP/rkeep.log" "^closed 1" 10 "$BG_PID" && wait_for 10 rst_recv &&
	[ "$(awk -v s="pktlens_tcp_port_connections_closed_total{port=\"$RKP\",end=\"reset\"}" '$1 == s { print $2 }' "$TMP/m.txt")" = 1 ]; then
	ok "agent-tcp-reset-received: the client's abort: port $RKP: 1 reset received, 1 closed by reset"
else
	bad "agent-tcp-reset-received: $(grep "port=\"$RKP\"" "$TMP/m.txt" | grep -E 'resets|closed' | tr '\n' ' ')"
fi

# ---- the totals beside the ports' counts ----
# (the totals are the machine's: at least what the lab's ports counted)
tot() { awk -v s="$1" '$1 == s { print $2 }' "$TMP/m.txt"; }
scrape
t_rs=$(tot 'pktlens_tcp_resets_total{direction="sent"}')
t_rr=$(tot 'pktlens_tcp_resets_total{direction="received"}')
t_rt=$(tot pktlens_tcp_retransmits_total)
t_cr=$(tot 'pktlens_tcp_connections_closed_total{end="reset"}')
p_rt=$(tot "pktlens_tcp_port_retransmits_total$P")
# sent: CP's and LP's; received: LP's client, RKP's server;
# closed by reset: LP's two ends, RKP's two ends
if [ "${t_rs:-0}" -ge 2 ] && [ "${t_rr:-0}" -ge 2 ] && [ "${t_cr:-0}" -ge 4 ] && [ "${t_rt:-0}" -ge "${p_rt:-1}" ]; then
	ok "agent-tcp-totals-resets: resets sent $t_rs (>= 2), received $t_rr (>= 2), closed by reset $t_cr (>= 4), retransmits $t_rt (>= port $HP's $p_rt)"
else
	bad "agent-tcp-totals-resets: sent '$t_rs' received '$t_rr' closed by reset '$t_cr' retransmits '$t_rt' (port $HP '$p_rt')"
fi
# the handshake of an accepted connection is the SYN-ACK's round trip:
# on a veth pair, more than 0 and less than 10 ms on average
hs_sum=$(tot "pktlens_tcp_port_handshake_seconds_sum$P")
hs_cnt=$(tot "pktlens_tcp_port_handshake_seconds_count$P")
if awk -v s="$hs_sum" -v n="$hs_cnt" 'BEGIN { exit !(n > 0 && s > 0 && s / n < 0.01) }'; then
	ok "agent-tcp-handshake-mean: port $HP: $hs_cnt handshakes, $(awk -v s="$hs_sum" -v n="$hs_cnt" 'BEGIN { printf "%.6f", s / n }') s on average"
else
	bad "agent-tcp-handshake-mean: port $HP: sum '$hs_sum' over '$hs_cnt'"
fi

# ---- a connection that times out: end="timeout" ----
# The server sends on it with TCP_USER_TIMEOUT 500 ms while nftables in
# the client's namespace drops all it sends: its retransmits go
# unanswered and the kernel closes it with ETIMEDOUT.
bg_conns "$SRV_NS" "$TMP/stall.log" stall "$SRV" 0 1 "$TMP/stall.go"
STALL_PID=$BG_PID
wait_line "$TMP/stall.log" "^listening" 10 "$STALL_PID"
SP=$(listening_port "$TMP/stall.log")
bg_conns "$CLI_NS" "$TMP/stallc.log" idle "$SRV" "${SP:-1}" 1 "$TMP/stallc.go"
STALLC_PID=$BG_PID
tmo0=$(metric 'pktlens_tcp_connections_closed_total{end="timeout"}')
stall_drop() {
	ip netns exec "$CLI_NS" nft -f - <<-NFT
		table inet pl_stall {
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				ip saddr $SRV tcp sport $SP drop
			}
		}
	NFT
}
tmo_port() { metric_is "pktlens_tcp_port_connections_closed_total{port=\"$SP\",end=\"timeout\"}" 1; }
if wait_line "$TMP/stall.log" "^accepted 1" 10 "$STALL_PID" && wait_line "$TMP/stallc.log" "^open 1" 10 "$STALLC_PID" &&
	stall_drop; then
	touch "$TMP/stall.go"
	wait_line "$TMP/stall.log" "^closed 1" 15 "$STALL_PID"
	if grep -q "^error 110" "$TMP/stall.log" && wait_for 10 tmo_port; then
		tmo1=$(awk '$1 == "pktlens_tcp_connections_closed_total{end=\"timeout\"}" { print $2 }' "$TMP/m.txt")
		normal=$(awk -v s="pktlens_tcp_port_connections_closed_total{port=\"$SP\",end=\"normal\"}" '$1 == s { print $2 }' "$TMP/m.txt")
		if [ "${tmo1:-0}" -gt "${tmo0:-0}" ] && [ "$normal" = 0 ]; then
			ok "agent-tcp-closed-timeout: ETIMEDOUT on port $SP: end=\"timeout\" 1, not normal (total $tmo0 -> $tmo1)"
		else
			bad "agent-tcp-closed-timeout: total timeout $tmo0 -> $tmo1, port $SP normal '$normal'"
		fi
	else
		bad "agent-tcp-closed-timeout: $(tr '\n' ' ' <"$TMP/stall.log"), port $SP: $(grep "port=\"$SP\"" "$TMP/m.txt" | grep closed | tr '\n' ' ')"
	fi
else
	bad "agent-tcp-closed-timeout: the connection or the drop rule did not come up: $(cat "$TMP/stall.log" "$TMP/stallc.log" | tr '\n' ' ')"
fi
ip netns exec "$CLI_NS" nft delete table inet pl_stall 2>/dev/null
touch "$TMP/stallc.go"

# ---- every family of docs/agent.md's TCP table is on the page, as typed ----
# "name type" of each family in the table of "## TCP and drops", and of
# each `# TYPE` line of the page for pktlens_tcp_* and pktlens_drops_total
awk '/^## / { in_t = ($0 == "## TCP and drops") } in_t && /^\| `pktlens_/ {
	split($0, c, "|"); t = c[3]; gsub(/ /, "", t); n = split(c[2], f, "`")
	for (i = 2; i <= n; i += 2) print f[i], t }' docs/agent.md | sort >"$TMP/doc_families.txt"
scrape
awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^pktlens_(tcp_|drops_total$)/ { print $3, $4 }' "$TMP/m.txt" | sort >"$TMP/page_families.txt"
if [ -s "$TMP/doc_families.txt" ] && diff "$TMP/doc_families.txt" "$TMP/page_families.txt" >"$TMP/families.diff"; then
	ok "agent-tcp-families-documented: the $(wc -l <"$TMP/page_families.txt") TCP and drop families of the page = docs/agent.md's table, with their types"
else
	bad "agent-tcp-families-documented: docs (<) and page (>) differ: $(tr '\n' ' ' <"$TMP/families.diff")"
fi

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
	cli curl -s -o /dev/null --max-time 5 "http://$SRV:$HP/1k.bin"
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
jq -s --arg cli "$CLI" --argjson hp "$HP" '[.[] | select(.["source.ip"] == $cli and .["destination.port"] == $hp and
	(.["pktlens.tcp_flags"] % 4 >= 2))] | [length, ([.[] | select(.["pktlens.tcp.handshake_rtt"] // 0 |
	. > 0 and . < 5)] | length)] | "\(.[0]) \(.[1])"' -r "$TMP/flows.json" >"$TMP/hs.txt" 2>&1
read -r n_syn n_hs <"$TMP/hs.txt"
if [ "${n_syn:-0}" -ge "$N" ] && [ "$n_syn" = "$n_hs" ]; then
	ok "agent-flows-handshake-rtt: all $n_syn flows to port $HP that began with a SYN carry pktlens.tcp.handshake_rtt"
else
	bad "agent-flows-handshake-rtt: $(cat "$TMP/hs.txt")"
fi

# ---- SIGHUP turns tcp: on and off ----
# A second agent, started with tcp: false and metrics.top 3. On: the
# tracing programs load, the families appear and count connections to
# three ports of 1, 3 and 6 connections, of which the page shows the two
# busier beside the agent's own port 9464 (the scrapes of this test are
# connections to it); off: the programs unload and the families go; on
# again: from zero.
reload_cfg() {
	cat >"$TMP/reload.yaml" <<-EOF
		interfaces: [pls0]
		tcp: $1
		metrics: { listen: 127.0.0.1:9464, top: 3 }
	EOF
}
# tcp_families: how many TCP and drop families the page has
tcp_families() {
	scrape
	awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^pktlens_(tcp_|drops_total$)/' "$TMP/m.txt" | wc -l
}
# hup N: a SIGHUP, until the page counts N good reloads
hup() {
	kill -HUP "$AGENT_PID"
	wait_for 20 metric_is 'pktlens_agent_reloads_total{result="ok"}' "$1"
}
n_doc=$(wc -l <"$TMP/doc_families.txt")
reload_cfg false
ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/reload.yaml" >"$TMP/reload.out" 2>"$TMP/reload.err" &
AGENT_PID=$!
if wait_line "$TMP/reload.err" "metrics on" 20 "$AGENT_PID" && [ "$(tcp_families)" = 0 ] &&
	[ -z "$(pid_prog_ids "$AGENT_PID" 26)" ]; then
	ok "agent-tcp-reload-starts-off: tcp: false: no TCP families, no tracing programs"
else
	bad "agent-tcp-reload-starts-off: $(tcp_families) families, programs '$(pid_prog_ids "$AGENT_PID" 26 | tr '\n' ' ')': $(tail -3 "$TMP/reload.err")"
fi

reload_cfg true
if hup 1; then
	n_tp=$(grep -oE 'TCP metrics from [0-9]+' "$TMP/reload.err" | tail -1 | awk '{ print $4 }')
	n_prog=$(pid_prog_ids "$AGENT_PID" 26 | wc -l)
	n_fam=$(tcp_families)
	if [ "${n_tp:-0}" -gt 0 ] && [ "$n_prog" = "$n_tp" ] && [ "$n_fam" = "$n_doc" ]; then
		ok "agent-tcp-reload-on: SIGHUP with tcp: true: $n_prog tracing programs, the $n_fam families"
	else
		bad "agent-tcp-reload-on: '$n_tp' attached, $n_prog programs, $n_fam families (want $n_doc)"
	fi
else
	bad "agent-tcp-reload-on: no good reload counted: $(tail -3 "$TMP/reload.err")"
fi
# three servers of 1, 3 and 6 connections, one after another: a page with
# the last port's 6 is of a scan after all of them
declare -A RP
for n in 1 3 6; do
	bg_conns "$SRV_NS" "$TMP/serve$n.log" serve "$SRV" 0 "$n"
	wait_line "$TMP/serve$n.log" "^listening" 10 "$BG_PID"
	RP[$n]=$(listening_port "$TMP/serve$n.log")
	in_cli "$PY" "$CONNS" connect "$SRV" "${RP[$n]:-1}" "$n" >/dev/null
	wait_line "$TMP/serve$n.log" "^accepted $n\$" 10 "$BG_PID"
done
wait_for 10 metric_is "pktlens_tcp_port_connections_opened_total{port=\"${RP[6]}\"}" 6
port_opened() { awk -v s="pktlens_tcp_port_connections_opened_total{port=\"$1\"}" '$1 == s { print $2 }' "$TMP/m.txt"; }
shown=$(grep -c '^pktlens_tcp_port_connections_opened_total{' "$TMP/m.txt")
o6=$(port_opened "${RP[6]}")
o3=$(port_opened "${RP[3]}")
o1=$(port_opened "${RP[1]}")
# another lab's busier port may take the place of the 3, never the 1's
if [ "$shown" = 3 ] && [ "$o6" = 6 ] && { [ "$o3" = 3 ] || [ -z "$o3" ]; } && [ -z "$o1" ]; then
	ok "agent-tcp-reload-counts-top-n: ports of 6, 3, 1 connections: opened ${o6}, ${o3:-(pushed out)}, not shown; the top 3 ports on the page"
else
	bad "agent-tcp-reload-counts-top-n: $shown ports shown; 6 -> '$o6', 3 -> '$o3', 1 -> '$o1': $(grep '^pktlens_tcp_port_connections_opened_total{' "$TMP/m.txt" | tr '\n' ' ')"
fi

reload_cfg false
if hup 2 && [ "$(tcp_families)" = 0 ] && [ -z "$(pid_prog_ids "$AGENT_PID" 26)" ]; then
	ok "agent-tcp-reload-off: SIGHUP with tcp: false: the families are gone, the tracing programs unloaded"
else
	bad "agent-tcp-reload-off: $(tcp_families) families, programs '$(pid_prog_ids "$AGENT_PID" 26 | tr '\n' ' ')': $(tail -3 "$TMP/reload.err")"
fi

reload_cfg true
if hup 3 && [ "$(tcp_families)" = "$n_doc" ] && [ -z "$(port_opened "${RP[6]}")" ] &&
	metric_is 'pktlens_agent_reloads_total{result="failed"}' 0; then
	ok "agent-tcp-reload-on-again: the families are back, from zero (port ${RP[6]}'s 6 are gone); 3 reloads ok, 0 failed"
else
	bad "agent-tcp-reload-on-again: $(tcp_families) families, port ${RP[6]} '$(port_opened "${RP[6]}")': $(grep '^pktlens_agent_reloads_total' "$TMP/m.txt" | tr '\n' ' ')"
fi
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ $rc -eq 0 ] && ok "agent-tcp-reload-sigterm-exit-0" || bad "agent-tcp-reload-sigterm-exit-0: rc $rc"
