#!/usr/bin/env bash
# --attribute in the lab: curl to a python3 http.server, and datagrams to
# a python3 UDP server, each started in a cgroup of its own (a directory
# made here under the cgroup2 mount, named as docker names its scopes), show
# the server's pid, name, executable, container.id and cgroup id on their
# packets, the SYN to the listener included; a SYN to a closed port has no
# process. The same servers' flows (pktlens flows --attribute) and alerts
# (detect --attribute) name them too, looked up in user space when first
# seen; -w --attribute writes the process as each packet's pcapng comment,
# read back by tshark (frame.comment); a filter's proc.pid/container.id
# terms leave the other servers' packets in the kernel (their cgroups are
# not in attr_cgroups).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
TMP=$(mktemp -d)
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
ID=5e2d0c7b9a8f6e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d
CG=
WATCH_PID=
SRV4=${PL_LAB_SRV4:-198.18.0.1}
HTTP_PORT=18080
UDP_PORT=15353
CLOSED_PORT=18081

cleanup() {
	[ -n "$WATCH_PID" ] && kill -9 "$WATCH_PID" 2>/dev/null
	kill_bg KILL
	[ -n "$CG" ] && rmdir "$CG/http" "$CG/docker-$ID.scope" "$CG" 2>/dev/null
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ -z "$CG2" ]; then
	bad "attribute: no cgroup2 mount to make the servers' cgroups in (mount -t cgroup2 none /sys/fs/cgroup)"
	exit 1
fi
CG=$CG2/pktlens-attr-$$
mkdir -p "$CG/http" "$CG/docker-$ID.scope" || {
	bad "attribute: cannot make cgroups under $CG2"
	exit 1
}
$LAB up >/dev/null || {
	bad "attribute: lab up failed"
	exit 1
}

# in_cgroup DIR: the command line to run the rest in DIR's cgroup, in the
# server namespace, as one pid: sh moves itself into DIR (outside the
# netns: ip netns exec remounts /sys, the cgroup2 mount with it), then
# becomes ip netns exec, which becomes the command. Killed by the trap.
# shellcheck disable=SC2016 # $$ and $@ are for the inner sh
IN_CGROUP='echo $$ >"$0/cgroup.procs" && exec ip netns exec "$1" "${@:2}"'

listens() { ip netns exec "$SRV_NS" ss -Hln "$1" "sport = :$2" | grep -q .; }

bash -c "$IN_CGROUP" "$CG/http" "$SRV_NS" /usr/bin/python3 -m http.server "$HTTP_PORT" --bind "$SRV4" \
	--directory "$TMP" >"$TMP/http.log" 2>&1 &
HTTP_PID=$!
track_pid "$HTTP_PID"
bash -c "$IN_CGROUP" "$CG/docker-$ID.scope" "$SRV_NS" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' "$SRV4" "$UDP_PORT" >"$TMP/udp.log" 2>&1 &
UDP_PID=$!
track_pid "$UDP_PID"
if ! wait_for 10 listens -t "$HTTP_PORT" || ! wait_for 10 listens -u "$UDP_PORT"; then
	bad "attribute: the servers did not start: $(cat "$TMP/http.log" "$TMP/udp.log")"
	exit 1
fi
HTTP_CG=$(stat -c %i "$CG/http")
UDP_CG=$(stat -c %i "$CG/docker-$ID.scope")

start_bg "$TMP/w.json" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
	--attribute --json --duration 60 \
	"port $HTTP_PORT or port $UDP_PORT or port $CLOSED_PORT"
WATCH_PID=$BG_PID
if [ -z "$WATCH_PID" ] || ! kill -0 "$WATCH_PID" 2>/dev/null; then
	bad "attribute: watch --attribute did not start: $(cat "$TMP/w.json.err")"
	exit 1
fi
# beside it, the filter's proc terms (they imply --attribute; the kernel
# drops what goes to no socket of their cgroups, user space runs them)
start_bg "$TMP/f.json" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
	--json --duration 60 --stats \
	"proc.pid == $UDP_PID and (port $HTTP_PORT or port $UDP_PORT) and container.id ~ \"${ID:0:12}\""
F_PID=$BG_PID
# flow records: each flow's owner looked up when the flow is first seen
start_bg "$TMP/fl.json" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" flows -i pls0 \
	--attribute --json --duration 60 --idle-timeout 1 \
	"port $HTTP_PORT or port $UDP_PORT or port $CLOSED_PORT"
FL_PID=$BG_PID
# -w: the process as each packet's comment
start_bg "$TMP/w.pcapng.out" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
	--attribute -w "$TMP/w.pcapng" --duration 60 \
	"port $HTTP_PORT or port $UDP_PORT or port $CLOSED_PORT"
PW_PID=$BG_PID
# alerts: a UDP flood to the UDP server names it
start_bg "$TMP/d.json" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" detect -i pls0 \
	--attribute --json --duration 60 --threshold udp_flood_dst=20,udp_flood_src=off \
	"port $UDP_PORT"
D_PID=$BG_PID
# the agent: attribute: true, on its flow log and its alerts
cat >"$TMP/agent.yaml" <<EOF
interfaces: [pls0]
filter: "port $HTTP_PORT or port $UDP_PORT or port $CLOSED_PORT"
attribute: true
flows: { idle_timeout: 1 }
metrics: { listen: off }
log: { file: $TMP/agent.json }
detect: { enabled: true, thresholds: { udp_flood_dst: 20, udp_flood_src: off } }
EOF
start_bg "$TMP/agent.out" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml"
A_PID=$BG_PID

in_cli curl -s -o /dev/null --max-time 5 "http://$SRV4:$HTTP_PORT/" ||
	bad "attribute: curl to the http.server failed"
in_cli /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(b"pktlens", (sys.argv[1], int(sys.argv[2])))
    s.recvfrom(64)' "$SRV4" "$UDP_PORT" || bad "attribute: the UDP server did not answer"
in_cli curl -s -o /dev/null --max-time 2 "http://$SRV4:$CLOSED_PORT/" # refused
# a burst to the UDP server, past udp_flood_dst's 20 a second
in_cli /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(60):
    s.sendto(b"flood", (sys.argv[1], int(sys.argv[2])))' "$SRV4" "$UDP_PORT"
wait_line "$TMP/w.json" "\"tcp.dstport\":$CLOSED_PORT" 5 "$WATCH_PID"
wait_line "$TMP/d.json" "udp_flood_dst" 5 "$D_PID"
# flows idle for a second are exported; they were seen (and attributed)
# by the scans before, every 250 ms
for port in "$HTTP_PORT" "$CLOSED_PORT" "$UDP_PORT"; do
	wait_line "$TMP/fl.json" "\"destination.port\":$port" 10 "$FL_PID"
	wait_line "$TMP/agent.json" "\"destination.port\":$port" 10 "$A_PID"
done
kill -INT "$WATCH_PID" "$F_PID" "$FL_PID" "$PW_PID" "$D_PID" "$A_PID"
wait "$WATCH_PID"
wait "$F_PID"
wait "$FL_PID"
wait "$PW_PID"
wait "$D_PID"
wait "$A_PID"
WATCH_PID=

# check NAME JQ-FILTER: some record satisfies it (and the records are not empty)
check() {
	if jq -e -s "length > 0 and any(.[]; $2)" "$TMP/w.json" >/dev/null 2>&1; then
		ok "attribute: $1"
	else
		bad "attribute: $1 (no record with $2; $(wc -l <"$TMP/w.json") records)"
	fi
}
# all_in FILE NAME SELECT JQ-FILTER: there are records SELECT picks in
# FILE, and all satisfy it; all: the same in watch's records
all_in() {
	if jq -e -s "[.[] | select($3)] | length > 0 and all(.[]; $4)" "$1" >/dev/null 2>&1; then
		ok "attribute: $2"
	else
		bad "attribute: $2 ($(jq -c -s "[.[] | select($3)] | .[0]" "$1" 2>&1 | head -c 600))"
	fi
}
all() { all_in "$TMP/w.json" "$@"; }

to_http=".\"tcp.dstport\" == $HTTP_PORT"
all "the SYN to the http.server's listener names its pid, name and cgroup" \
	"$to_http and .\"tcp.flags\" == 2" \
	".\"process.pid\" == $HTTP_PID and .\"process.name\" == \"python3\" and
	 .\"pktlens.cgroup_id\" == $HTTP_CG and (.\"process.executable\" | test(\"python\"))"
# the handshake's ACK goes to the request socket (its listener stands for
# it). The GET goes to the accepted socket, which has a file (and so a
# process) only once the server has called accept(): until then, and after
# the server closed it (orphaned, time-wait), only the cgroup is known
all "the GET to the http.server names its cgroup (and its pid once accepted)" \
	"$to_http and has(\"http.request.method\")" \
	".\"pktlens.cgroup_id\" == $HTTP_CG and ((has(\"process.pid\") | not) or .\"process.pid\" == $HTTP_PID)"
if jq -e -s "[.[] | select($to_http and .\"tcp.flags\" == 16)][0] |
	.\"process.pid\" == $HTTP_PID and .\"pktlens.cgroup_id\" == $HTTP_CG" "$TMP/w.json" >/dev/null 2>&1; then
	ok "attribute: the handshake's ACK (to the request socket) names the http.server"
else
	bad "attribute: the handshake's ACK: $(jq -c -s "[.[] | select($to_http and .\"tcp.flags\" == 16)][0]" "$TMP/w.json" 2>&1 | head -c 400)"
fi
check "the http.server's cgroup holds no container id" \
	"$to_http and (has(\"container.id\") | not) and .\"tcp.flags\" == 16"
all "datagrams to the UDP server name its pid, cgroup and container id" \
	".\"udp.dstport\" == $UDP_PORT" \
	".\"process.pid\" == $UDP_PID and .\"process.name\" == \"python3\" and
	 .\"pktlens.cgroup_id\" == $UDP_CG and .\"container.id\" == \"$ID\""
all "a SYN to a closed port has no process" ".\"tcp.dstport\" == $CLOSED_PORT" \
	"(has(\"process.pid\") or has(\"pktlens.cgroup_id\")) | not"

# the filter on proc.pid and container.id kept the UDP server's datagrams
# and nothing of the http.server's
if jq -e -s "length > 0 and all(.[]; .\"udp.dstport\" == $UDP_PORT and .\"process.pid\" == $UDP_PID)" \
	"$TMP/f.json" >/dev/null 2>&1 &&
	[ "$(jq -s "[.[] | select(.\"udp.dstport\" == $UDP_PORT)] | length" "$TMP/f.json")" = \
		"$(jq -s "[.[] | select(.\"udp.dstport\" == $UDP_PORT)] | length" "$TMP/w.json")" ]; then
	ok "attribute: filter proc.pid == N and container.id ~ \"...\" keeps that server's packets only"
else
	bad "attribute: proc filter: $(wc -l <"$TMP/f.json") records, $(head -c 300 "$TMP/f.json.err")"
fi

# kernel side of the proc terms: the http.server's packets (its cgroup has
# no socket of the UDP server) stayed in the kernel, counted
not_owned=$(grep -oE "[0-9]+ to no socket of the proc terms' cgroups" "$TMP/f.json.err" | grep -oE '^[0-9]+')
if [ "${not_owned:-0}" -gt 0 ] &&
	! jq -e -s "any(.[]; .\"tcp.dstport\" == $HTTP_PORT)" "$TMP/f.json" >/dev/null 2>&1; then
	ok "attribute: the proc terms' cgroups filter in the kernel ($not_owned packets not sent up)"
else
	bad "attribute: kernel cgroup filter: not owned '${not_owned:-}' ($(tail -c 300 "$TMP/f.json.err"))"
fi

# flow records
fl_all() { all_in "$TMP/fl.json" "$@"; }
fl_all "flows to the http.server name its pid, name, executable and cgroup" \
	".\"destination.port\" == $HTTP_PORT" \
	".\"process.pid\" == $HTTP_PID and .\"process.name\" == \"python3\" and
	 .\"pktlens.cgroup_id\" == $HTTP_CG and (.\"process.executable\" | test(\"python\")) and
	 (has(\"container.id\") | not)"
fl_all "flows to the UDP server name its pid, cgroup and container id" \
	".\"destination.port\" == $UDP_PORT" \
	".\"process.pid\" == $UDP_PID and .\"pktlens.cgroup_id\" == $UDP_CG and .\"container.id\" == \"$ID\""
fl_all "a flow to a closed port names no process" ".\"destination.port\" == $CLOSED_PORT" \
	"(has(\"process.pid\") or has(\"pktlens.cgroup_id\") or has(\"container.id\")) | not"

# the agent's log: flows and the alert
jq -c 'select(.event == "flow")' "$TMP/agent.json" >"$TMP/agent-flows.json"
all_in "$TMP/agent-flows.json" "agent (attribute: true): flows to the http.server name its pid and cgroup" \
	".\"destination.port\" == $HTTP_PORT" \
	".\"process.pid\" == $HTTP_PID and .\"process.name\" == \"python3\" and .\"pktlens.cgroup_id\" == $HTTP_CG"
all_in "$TMP/agent-flows.json" "agent: a flow to a closed port names no process" \
	".\"destination.port\" == $CLOSED_PORT" "has(\"process.pid\") | not"
all_in "$TMP/agent.json" "agent: its UDP flood alert names the UDP server and its container" \
	".\"rule.name\" == \"udp_flood_dst\"" \
	".\"process.pid\" == $UDP_PID and .\"container.id\" == \"$ID\""

# alerts
if jq -e -s "any(.[]; .\"rule.name\" == \"udp_flood_dst\" and .\"destination.port\" == $UDP_PORT and
	.\"process.pid\" == $UDP_PID and .\"container.id\" == \"$ID\" and .\"pktlens.cgroup_id\" == $UDP_CG)" \
	"$TMP/d.json" >/dev/null 2>&1; then
	ok "attribute: a UDP flood alert names the UDP server's pid, container and cgroup"
else
	bad "attribute: detect --attribute: $(head -c 600 "$TMP/d.json") $(tail -c 300 "$TMP/d.json.err")"
fi

# -w: tshark reads each packet's comment
if ! command -v tshark >/dev/null; then
	skip "attribute: -w comments (tshark is not installed)"
else
	tshark -r "$TMP/w.pcapng" -T fields -e tcp.dstport -e udp.dstport -e tcp.flags.str \
		-e frame.comment >"$TMP/w.txt" 2>"$TMP/w.tshark.err"
	# the SYN to the http.server's listener
	if awk -F'\t' -v p="$HTTP_PORT" -v pid="$HTTP_PID" -v cg="$HTTP_CG" \
		'$1 == p && $3 ~ /S/ && $3 !~ /A/ { n++; if (index($4, "process.pid=" pid "; process.name=python3") != 1 ||
		 index($4, "pktlens.cgroup_id=" cg) == 0) bad++ } END { exit !(n > 0 && !bad) }' "$TMP/w.txt"; then
		ok "attribute: -w: tshark reads the http.server's pid, name and cgroup in the SYN's frame.comment"
	else
		bad "attribute: -w SYN comment: $(head -c 400 "$TMP/w.txt") $(head -c 200 "$TMP/w.tshark.err")"
	fi
	if awk -F'\t' -v p="$UDP_PORT" -v pid="$UDP_PID" -v id="$ID" \
		'$2 == p { n++; if (index($4, "process.pid=" pid) != 1 || index($4, "container.id=" id) == 0) bad++ }
		 END { exit !(n > 0 && !bad) }' "$TMP/w.txt"; then
		ok "attribute: -w: every datagram to the UDP server has its pid and container id as comment"
	else
		bad "attribute: -w UDP comments: $(grep -m3 "$UDP_PORT" "$TMP/w.txt")"
	fi
	if awk -F'\t' -v p="$CLOSED_PORT" '$1 == p { n++; if ($4 != "") bad++ } END { exit !(n > 0 && !bad) }' \
		"$TMP/w.txt"; then
		ok "attribute: -w: a packet to a closed port has no comment"
	else
		bad "attribute: -w closed port: $(grep -m3 "$CLOSED_PORT" "$TMP/w.txt")"
	fi
fi
