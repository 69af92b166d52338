#!/usr/bin/env bash
# Kernel end-to-end for `pktlens tcp`: real clients and servers in the lab,
# and what the kernel's TCP stack did, checked against what the clients say
# (curl's byte counts, pids) and what tcpdump saw on the wire.
#
# Tracepoints are global: pktlens runs in the host's namespace and sees the
# whole machine, so every check picks records by the lab's addresses.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3 # Debian's, with scapy
RUN=$LAB_RUN
CLI=$CLI4
SRV=$SRV4
TMP=$(mktemp -d)
TCP_PID=
BG_PID=

cleanup() {
	[ -n "$TCP_PID" ] && kill -9 "$TCP_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null
	lab_loss_del
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_tcp OUT ARGS...: `pktlens tcp --json ARGS` in the background, until
# it says it is tracing.
start_tcp() {
	local out=$1
	shift
	"$PKTLENS" tcp --json --duration 100 "$@" >"$out" 2>"$out.err" &
	TCP_PID=$!
	wait_line "$out.err" "tracing TCP" 10 "$TCP_PID" && return 0
	bad "pktlens tcp $*: did not start: $(head -c 300 "$out.err")"
	return 1
}

# stop_tcp: SIGINT, as a user would; returns pktlens's status.
stop_tcp() {
	local rc
	sleep 0.3 # let the last records reach the ring buffer
	kill -INT "$TCP_PID" 2>/dev/null
	wait "$TCP_PID"
	rc=$?
	TCP_PID=
	return $rc
}

# jcheck NAME FILE JQ-ARGS... EXPR: EXPR over all records (slurped) is true.
jcheck() {
	local name=$1 file=$2
	shift 2
	if jq -e -s "$@" "$file" >/dev/null 2>"$TMP/jq.err"; then
		ok "$name"
	else
		bad "$name: $(head -c 300 "$TMP/jq.err")"
	fi
}

# stat_field FILE WORD: the number before WORD in the --stats line.
stat_field() {
	grep -oE "[0-9]+ $2" "$1" | tail -1 | cut -d' ' -f1
}

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
ok lab-up
SRV_PID=$(cat "$RUN/http-8080.pid")

# ---- downloads of known sizes: bytes, owners, states ----
if start_tcp "$TMP/http.json" --events state,summary; then
	for f in 1k 100k 1m; do
		# ip netns exec and sh -c both exec: $$ is curl's pid
		# shellcheck disable=SC2016
		ip netns exec "$CLI_NS" sh -c 'echo $$ >"$0"; exec curl -s -o /dev/null --max-time 10 -w "%{size_download} %{size_header} %{size_request} %{local_port}" "$1"' \
			"$TMP/$f.pid" "http://$SRV:8080/$f.bin" >"$TMP/$f.curl"
	done
	stop_tcp || bad "pktlens tcp exit status $?"
	for f in 1k 100k 1m; do
		read -r dl hdr req lport <"$TMP/$f.curl"
		cpid=$(cat "$TMP/$f.pid")
		args=(--argjson lp "$lport" --argjson got "$((dl + hdr))" --argjson req "$req"
			--argjson cpid "$cpid" --argjson spid "$SRV_PID" --arg cli "$CLI" --arg srv "$SRV")
		jcheck "http $f: client summary: bytes = curl's, curl's pid" "$TMP/http.json" "${args[@]}" \
			'[.[] | select(.["event.action"] == "summary" and .["source.ip"] == $cli and
			  .["source.port"] == $lp and .["destination.port"] == 8080)] |
			 length == 1 and (.[0] | .["source.bytes"] == $req and .["destination.bytes"] == $got and
			  .["network.bytes"] == $req + $got and .["process.pid"] == $cpid and
			  .["process.name"] == "curl" and .["network.direction"] == "egress" and
			  .["event.duration"] > 0)'
		jcheck "http $f: server summary: bytes = curl's, http.server's pid" "$TMP/http.json" "${args[@]}" \
			'[.[] | select(.["event.action"] == "summary" and .["source.ip"] == $srv and
			  .["source.port"] == 8080 and .["destination.port"] == $lp)] |
			 length == 1 and (.[0] | .["source.bytes"] == $got and .["destination.bytes"] == $req and
			  .["process.pid"] == $spid and .["process.name"] == "python3" and
			  .["network.direction"] == "ingress")'
		# the port is not chosen yet at SYN_SENT: the client's socket by pid
		jcheck "http $f: client states SYN_SENT -> ESTABLISHED -> ... -> CLOSE" "$TMP/http.json" "${args[@]}" \
			'[.[] | select(.["event.action"] == "state" and .["process.pid"] == $cpid and
			  .["destination.port"] == 8080)] as $s |
			 ($s | length) >= 4 and $s[0]["pktlens.old_state"] == "CLOSE" and
			 $s[0]["pktlens.state"] == "SYN_SENT" and $s[1]["pktlens.state"] == "ESTABLISHED" and
			 $s[-1]["pktlens.state"] == "CLOSE" and
			 all(range(1; $s | length); $s[.]["pktlens.old_state"] == $s[. - 1]["pktlens.state"])'
		jcheck "http $f: server states LISTEN -> SYN_RECV -> ESTABLISHED -> ... -> CLOSE" "$TMP/http.json" "${args[@]}" \
			'[.[] | select(.["event.action"] == "state" and .["source.ip"] == $srv and
			  .["source.port"] == 8080 and .["destination.port"] == $lp)] as $s |
			 ($s | length) >= 4 and $s[0]["pktlens.old_state"] == "LISTEN" and
			 $s[0]["pktlens.state"] == "SYN_RECV" and $s[1]["pktlens.state"] == "ESTABLISHED" and
			 $s[-1]["pktlens.state"] == "CLOSE" and
			 all(range(1; $s | length); $s[.]["pktlens.old_state"] == $s[. - 1]["pktlens.state"])'
	done
fi

# ---- a listener started after pktlens: its owner is found in /proc ----
if start_tcp "$TMP/late.json" --events state,summary "port 9002"; then
	# shellcheck disable=SC2016
	ip netns exec "$SRV_NS" sh -c 'echo $$ >"$0"; exec "$1" tests/e2e/tcp_conns.py serve "$2" 9002 3' \
		"$TMP/late.pid" "$PY" "$SRV" >"$TMP/late.log" 2>&1 &
	BG_PID=$!
	wait_line "$TMP/late.log" "listening" 5
	ip netns exec "$CLI_NS" "$PY" tests/e2e/tcp_conns.py connect "$SRV" 9002 1 >/dev/null
	sleep 1.5 # pktlens looks in /proc again within a second of an unknown listener
	ip netns exec "$CLI_NS" "$PY" tests/e2e/tcp_conns.py connect "$SRV" 9002 2 >/dev/null
	wait "$BG_PID"
	BG_PID=
	stop_tcp || bad "pktlens tcp exit status $?"
	jcheck "late listener: its owner from /proc at SYN_RECV, the closer in every summary" "$TMP/late.json" \
		--argjson spid "$(cat "$TMP/late.pid")" --arg srv "$SRV" \
		'[.[] | select(.["source.ip"] == $srv and .["source.port"] == 9002)] as $r |
		 ([$r[] | select(.["pktlens.state"] == "SYN_RECV")] | .[-1] |
		   .["process.pid"] == $spid and .["pktlens.owner"] == "listener") and
		 ([$r[] | select(.["event.action"] == "summary")] | length == 3 and
		   all(.[]; .["process.pid"] == $spid and .["process.name"] == "python3"))'
fi

# ---- -c stops after COUNT records ----
"$PKTLENS" tcp --json --events state -c 3 --duration 20 "host $SRV" >"$TMP/count.json" 2>"$TMP/count.err" &
BG_PID=$!
wait_line "$TMP/count.err" "tracing TCP" 10
ip netns exec "$CLI_NS" curl -s -o /dev/null --max-time 5 "http://$SRV:8080/1k.bin"
for i in $(seq 50); do kill -0 "$BG_PID" 2>/dev/null || break; sleep 0.1; done
if ! kill -0 "$BG_PID" 2>/dev/null && [ "$(wc -l <"$TMP/count.json")" -eq 3 ]; then
	ok "-c 3 stops after 3 records"
else
	bad "-c 3: $(wc -l <"$TMP/count.json") records, still running: $(kill -0 "$BG_PID" 2>/dev/null && echo yes || echo no)"
fi
kill -9 "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
BG_PID=

# ---- a connect to a closed port ----
if start_tcp "$TMP/rst.json" --events reset,drop,summary; then
	# shellcheck disable=SC2016
	ip netns exec "$CLI_NS" sh -c 'echo $$ >"$0"; exec curl -s -o /dev/null --max-time 3 "$1"' \
		"$TMP/rst.pid" "http://$SRV:9/"
	stop_tcp || bad "pktlens tcp exit status $?"
	cpid=$(cat "$TMP/rst.pid")
	args=(--argjson cpid "$cpid" --arg cli "$CLI" --arg srv "$SRV")
	jcheck "closed port: server sends a reset (no socket, NO_SOCKET)" "$TMP/rst.json" "${args[@]}" \
		'any(.[]; .["event.action"] == "reset" and .["pktlens.reset"] == "sent" and
		 .["source.ip"] == $srv and .["source.port"] == 9 and .["destination.ip"] == $cli and
		 (has("pktlens.state") | not) and (has("process.pid") | not) and
		 (.["pktlens.reset_reason"] // "NO_SOCKET") == "NO_SOCKET")'
	jcheck "closed port: client receives the reset in SYN_SENT, curl's pid" "$TMP/rst.json" "${args[@]}" \
		'any(.[]; .["event.action"] == "reset" and .["pktlens.reset"] == "received" and
		 .["source.ip"] == $cli and .["destination.port"] == 9 and
		 .["pktlens.state"] == "SYN_SENT" and .["process.pid"] == $cpid and .["process.name"] == "curl")'
	jcheck "closed port: the SYN is dropped with NO_SOCKET on pls0" "$TMP/rst.json" "${args[@]}" \
		'any(.[]; .["event.action"] == "drop" and .["pktlens.drop_reason"] == "NO_SOCKET" and
		 .["source.ip"] == $cli and .["destination.ip"] == $srv and .["destination.port"] == 9 and
		 .["pktlens.ifname"] == "pls0")'
	jcheck "closed port: summary says closed by a received reset" "$TMP/rst.json" "${args[@]}" \
		'any(.[]; .["event.action"] == "summary" and .["process.pid"] == $cpid and
		 .["destination.port"] == 9 and .["pktlens.closed_by"] == "reset_received" and
		 .["pktlens.state"] == "SYN_SENT" and .["source.bytes"] == 0)'
fi

# ---- an abortive close (SO_LINGER 0): closed by a reset sent ----
# The kernel moves the socket to CLOSE before it sends that reset; the
# client's summary still says who ended it, and the server's that it was
# reset by its peer.
if start_tcp "$TMP/abort.json" --events summary "host $SRV"; then
	ip netns exec "$SRV_NS" timeout -k 2 30 "$PY" tests/e2e/tcp_conns.py keep "$SRV" 0 1 >"$TMP/abort.log" 2>&1 &
	BG_PID=$!
	wait_line "$TMP/abort.log" "^listening" 10 "$BG_PID"
	AP=$(awk '$1 == "listening" { print $2 }' "$TMP/abort.log")
	touch "$TMP/abort.go"
	ip netns exec "$CLI_NS" timeout -k 2 30 "$PY" tests/e2e/tcp_conns.py idle "$SRV" "${AP:-1}" 1 "$TMP/abort.go" rst >/dev/null
	wait_line "$TMP/abort.log" "^closed 1" 10 "$BG_PID"
	wait "$BG_PID"
	BG_PID=
	stop_tcp || bad "pktlens tcp exit status $?"
	jcheck "abortive close: the client's summary says reset_sent, the server's reset_received" "$TMP/abort.json" \
		--argjson p "${AP:-0}" --arg srv "$SRV" \
		'any(.[]; .["event.action"] == "summary" and .["destination.ip"] == $srv and .["destination.port"] == $p and
		 .["pktlens.closed_by"] == "reset_sent" and .["pktlens.state"] == "ESTABLISHED") and
		 any(.[]; .["event.action"] == "summary" and .["source.ip"] == $srv and .["source.port"] == $p and
		 .["pktlens.closed_by"] == "reset_received")'
fi

# True when no socket on port $1 in either namespace is still closing (a
# TIME-WAIT socket has left the table already; a listener stays): the last
# closes finish in the kernel after both test programs exit.
port_closed() {
	local ns
	for ns in "$CLI_NS" "$SRV_NS"; do
		ip netns exec "$ns" ss -Htan "( sport = :$1 or dport = :$1 )" |
			grep -v -e TIME-WAIT -e LISTEN | grep -q . && return 1
	done
	return 0
}

# ---- retransmits against the wire ----
# 1 in 10 of the server's packets is dropped where they arrive, in the
# client's namespace: tcpdump on the server's end (pls0) then sees both the
# lost segment and its retransmission. (A drop on the server's own way out
# happens before any capture point, and the kernel reports it to TCP as a
# send error rather than a loss, so nothing is retransmitted.)
if lab_loss_add; then
	TD_SECONDS=30 start_tcpdump "$SRV_NS" "$TMP/rt.pcap" -i pls0 -n -s 96 --immediate-mode "tcp port 8080" ||
		bad "tcpdump did not start: $(cat "$TMP/rt.pcap.err")"
	BG_PID=$TD_PID
	if start_tcp "$TMP/rt.json" --stats --events retrans,summary "port 8080"; then
		for i in 1 2 3; do
			ip netns exec "$CLI_NS" curl -s -o /dev/null --max-time 20 "http://$SRV:8080/1m.bin"
		done
		# curl exits once it has the body; a lost FIN from the server is
		# retransmitted after that, and its close comes later still
		wait_for 15 port_closed 8080 || echo "info: port 8080 still has closing sockets"
		stop_tcp || bad "pktlens tcp exit status $?"
		sleep 0.5
		kill -INT "$BG_PID" 2>/dev/null
		wait "$BG_PID" 2>/dev/null
		BG_PID=
		lab_loss_del
		"$PY" tests/e2e/tcp_wire_retrans.py "$TMP/rt.pcap" 8080 | sort >"$TMP/wire.txt"
		jq -r --arg srv "$SRV" 'select(.["event.action"] == "retrans" and .["source.ip"] == $srv and
			(has("pktlens.error") | not)) | "\(.["destination.port"]) \(.["tcp.seq_raw"])"' \
			"$TMP/rt.json" | sort >"$TMP/traced.txt"
		n_wire=$(wc -l <"$TMP/wire.txt")
		n_traced=$(wc -l <"$TMP/traced.txt")
		# what pktlens could not trace it must count: lost records, or hook
		# runs the kernel skipped (a tracepoint firing inside another)
		unseen=$(sed -nE 's/.* ([0-9]+) lost in the ring buffer, ([0-9]+) hook runs missed.*/\1 \2/p' \
			"$TMP/rt.json.err" | awk '{print $1 + $2}')
		if [ "$n_wire" -gt 0 ] && cmp -s "$TMP/wire.txt" "$TMP/traced.txt"; then
			ok "retransmits: the $n_wire tcpdump saw are the $n_traced traced (port and sequence number)"
		elif [ "$n_wire" -gt 0 ] && [ -z "$(comm -13 "$TMP/wire.txt" "$TMP/traced.txt")" ] &&
			[ "$((n_wire - n_traced))" -le "${unseen:-0}" ]; then
			ok "retransmits: $n_traced of the $n_wire tcpdump saw traced, the other $((n_wire - n_traced)) counted as missed (${unseen})"
		else
			bad "retransmits: tcpdump saw $n_wire, pktlens $n_traced: $(diff "$TMP/wire.txt" "$TMP/traced.txt" | head -5 | tr '\n' ' ')"
		fi
		# with traced events missed, a summary may count more than were traced
		cmp_op='=='
		[ "${unseen:-0}" -gt 0 ] && cmp_op='>='
		jcheck "retransmits: each summary counts its connection's retransmits" "$TMP/rt.json" --arg srv "$SRV" \
			'[.[] | select(.["source.ip"] == $srv)] as $r |
			 [$r[] | select(.["event.action"] == "summary")] as $s | ($s | length) == 3 and
			 all($s[]; . as $x | $x["pktlens.retransmits"] '"$cmp_op"'
			   ([$r[] | select(.["event.action"] == "retrans" and (has("pktlens.error") | not) and
			     (has("pktlens.synack") | not) and
			     .["destination.port"] == $x["destination.port"])] | length))'
	fi
else
	bad "retransmits: nft could not add the drop rule"
fi

# ---- a segment with a bad checksum ----
if start_tcp "$TMP/csum.json" --events drop; then
	ip netns exec "$CLI_NS" "$PY" -c "
from scapy.all import IP, TCP, conf, send
conf.verb = 0
send(IP(src='$CLI', dst='$SRV') / TCP(sport=40404, dport=80, flags='S', seq=1000, chksum=0xdead), iface='plc0')
"
	# and a UDP datagram to a port nobody listens on
	ip netns exec "$CLI_NS" "$PY" -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$SRV', 9))
"
	stop_tcp || bad "pktlens tcp exit status $?"
	jcheck "bad checksum: TCP_CSUM drop" "$TMP/csum.json" --arg cli "$CLI" \
		'any(.[]; .["event.action"] == "drop" and .["pktlens.drop_reason"] == "TCP_CSUM" and
		 .["source.ip"] == $cli and .["source.port"] == 40404 and .["destination.port"] == 80)'
	jcheck "closed UDP port: NO_SOCKET drop of a udp packet" "$TMP/csum.json" --arg cli "$CLI" \
		'any(.[]; .["event.action"] == "drop" and .["pktlens.drop_reason"] == "NO_SOCKET" and
		 .["network.transport"] == "udp" and .["source.ip"] == $cli and .["destination.port"] == 9)'
fi

# ---- the filter: port 8080 only, in the kernel ----
if start_tcp "$TMP/filter.json" --events all --stats "port 8080"; then
	ip netns exec "$CLI_NS" curl -s -o /dev/null --max-time 5 "http://$SRV/1k.bin"
	ip netns exec "$CLI_NS" curl -s -o /dev/null --max-time 5 "http://$SRV/100k.bin"
	ip netns exec "$CLI_NS" timeout 5 openssl s_client -connect "$SRV:443" </dev/null >/dev/null 2>&1
	ip netns exec "$CLI_NS" curl -s -o /dev/null --max-time 5 "http://$SRV:8080/1k.bin"
	stop_tcp || bad "pktlens tcp exit status $?"
	jcheck "filter port 8080: only port 8080 records, summaries of both ends" "$TMP/filter.json" \
		'length > 0 and all(.[]; .["source.port"] == 8080 or .["destination.port"] == 8080) and
		 ([.[] | select(.["event.action"] == "summary")] | length) >= 2'
	seen=$(stat_field "$TMP/filter.json.err" "events seen")
	matched=$(stat_field "$TMP/filter.json.err" matched)
	emitted=$(stat_field "$TMP/filter.json.err" emitted)
	lines=$(wc -l <"$TMP/filter.json")
	if [ -n "$seen" ] && [ "$seen" -gt "$matched" ] && [ "$matched" -eq "$emitted" ] &&
		[ "$emitted" -eq "$lines" ]; then
		ok "filter port 8080: --stats: $seen seen, $matched matched, $emitted emitted = $lines records"
	else
		bad "filter port 8080: --stats: $(tail -1 "$TMP/filter.json.err"), $lines records"
	fi
fi

# ---- 10,000 short connections: the table empties ----
if start_tcp "$TMP/many.json" --events summary --stats "port 9000"; then
	ip netns exec "$SRV_NS" "$PY" tests/e2e/tcp_conns.py serve "$SRV" 9000 10000 >"$TMP/serve.log" 2>&1 &
	BG_PID=$!
	wait_line "$TMP/serve.log" "listening" 5
	t0=$(date +%s.%N)
	ip netns exec "$CLI_NS" timeout 100 "$PY" tests/e2e/tcp_conns.py connect "$SRV" 9000 10000 >"$TMP/connect.log" 2>&1
	wait "$BG_PID"
	BG_PID=
	t1=$(date +%s.%N)
	wait_for 15 port_closed 9000 || echo "info: port 9000 still has closing sockets"
	stop_tcp || bad "pktlens tcp exit status $?"
	n=$(jq -s '[.[] | select(.["event.action"] == "summary")] | length' "$TMP/many.json")
	lost=$(stat_field "$TMP/many.json.err" lost)
	missed=$(stat_field "$TMP/many.json.err" "hook runs missed")
	lost=$((lost + missed))
	left=$(stat_field "$TMP/many.json.err" "connections in the table")
	untracked=$(stat_field "$TMP/many.json.err" untracked)
	secs=$(printf '%.2f' "$(echo "$t1 - $t0" | bc)")
	if grep -q "connected 10000" "$TMP/connect.log" && [ "$left" = 0 ] && [ "$untracked" = 0 ] &&
		[ $((n + lost)) -ge 20000 ] && [ "$n" -le 20000 ]; then
		ok "10000 connections in ${secs}s: $n summaries, $lost lost or missed, table empty afterwards"
	else
		bad "10000 connections: $(cat "$TMP/connect.log"), $n summaries, stats: $(tail -1 "$TMP/many.json.err")"
	fi
fi

# ---- a full table: counted as untracked, still summarised ----
if start_tcp "$TMP/full.json" --events summary --stats --max-conns 64 "port 9001"; then
	ip netns exec "$SRV_NS" "$PY" tests/e2e/tcp_conns.py serve "$SRV" 9001 300 >"$TMP/serve.log" 2>&1 &
	BG_PID=$!
	wait_line "$TMP/serve.log" "listening" 5
	ip netns exec "$CLI_NS" timeout 30 "$PY" tests/e2e/tcp_conns.py hold "$SRV" 9001 300 >"$TMP/hold.log" 2>&1
	wait "$BG_PID"
	BG_PID=
	wait_for 15 port_closed 9001 || echo "info: port 9001 still has closing sockets"
	stop_tcp || bad "pktlens tcp exit status $?"
	n=$(jq -s '[.[] | select(.["event.action"] == "summary")] | length' "$TMP/full.json")
	nu=$(jq -s '[.[] | select(.["event.action"] == "summary" and .["pktlens.tracked"] == false)] | length' "$TMP/full.json")
	untracked=$(stat_field "$TMP/full.json.err" untracked)
	left=$(stat_field "$TMP/full.json.err" "connections in the table")
	lost=$(stat_field "$TMP/full.json.err" lost)
	if [ "$nu" -gt 0 ] && [ "$nu" -le "$untracked" ] && [ $((n + lost)) -ge 600 ] && [ "$left" = 0 ]; then
		ok "--max-conns 64 with 600 sockets: $untracked untracked, $n summaries ($nu untracked)"
	else
		bad "--max-conns 64: $n summaries, $nu untracked ones, stats: $(tail -1 "$TMP/full.json.err")"
	fi
fi

# ---- a kernel without one of the tracepoints ----
PKTLENS_TCP_HIDE_TP=tcp_probe "$PKTLENS" tcp --events all --duration 1 >/dev/null 2>"$TMP/hide.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c "no tracepoint tcp_probe" "$TMP/hide.err")" -eq 1 ] &&
	grep -q "tracing TCP" "$TMP/hide.err"; then
	ok "missing tracepoint: reported once, the rest runs"
else
	bad "missing tracepoint: exit $rc: $(head -c 300 "$TMP/hide.err")"
fi

# ---- bad input ----
# expect NAME STATUS REGEX CMD...: CMD exits with STATUS, stderr matches REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$re" "$TMP/err"; then
		ok "$name"
	else
		bad "$name: exit $rc (want $want), stderr: $(head -c 300 "$TMP/err")"
	fi
}
expect "bad --events" 2 "--events: 'bogus'" "$PKTLENS" tcp --events bogus
expect "bad filter syntax" 2 "bad filter" "$PKTLENS" tcp "port"
expect "filter on what tcp records lack" 2 "tests more than addresses and ports" "$PKTLENS" tcp 'tls.sni == "a.test"'
expect "filter on bytes tcp records lack" 2 "tests more than addresses and ports" "$PKTLENS" tcp 'tcp[13] & 2 != 0'
expect "no BTF" 1 "no BTF .*CONFIG_DEBUG_INFO_BTF" env PKTLENS_SYSFS_BTF=/nonexistent "$PKTLENS" tcp
expect "no privileges" 1 "CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$PKTLENS" tcp --duration 1

# ---- kill -9 leaves nothing attached ----
if start_tcp "$TMP/kill.json"; then
	kill -9 "$TCP_PID"
	wait "$TCP_PID" 2>/dev/null
	TCP_PID=
	# tracepoint links are released after an RCU grace period, which
	# takes seconds on a busy machine
	if ! wait_for 15 eval '[ -z "$(prog_ids pl_set_state)" ]'; then
		bad "kill -9: pl_set_state is still loaded"
	else
		ok "kill -9: nothing left attached"
	fi
fi
