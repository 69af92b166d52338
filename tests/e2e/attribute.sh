#!/usr/bin/env bash
# --attribute in the lab: curl to a python3 http.server, and datagrams to
# a python3 UDP server, each started in a cgroup of its own (a directory
# made here under the cgroup2 mount, named as docker names its scopes), show
# the server's pid, name, executable, container.id and cgroup id on their
# packets, the SYN to the listener included; a SYN to a closed port has no
# process.
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
# beside it, the filter's proc terms (user space; they imply --attribute)
start_bg "$TMP/f.json" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
	--json --duration 60 \
	"proc.pid == $UDP_PID and (port $HTTP_PORT or port $UDP_PORT) and container.id ~ \"${ID:0:12}\""
F_PID=$BG_PID

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
wait_line "$TMP/w.json" "\"tcp.dstport\":$CLOSED_PORT" 5 "$WATCH_PID"
kill -INT "$WATCH_PID" "$F_PID"
wait "$WATCH_PID"
wait "$F_PID"
WATCH_PID=

# check NAME JQ-FILTER: some record satisfies it (and the records are not empty)
check() {
	if jq -e -s "length > 0 and any(.[]; $2)" "$TMP/w.json" >/dev/null 2>&1; then
		ok "attribute: $1"
	else
		bad "attribute: $1 (no record with $2; $(wc -l <"$TMP/w.json") records)"
	fi
}
# all NAME SELECT JQ-FILTER: there are records SELECT picks, and all satisfy it
all() {
	if jq -e -s "[.[] | select($2)] | length > 0 and all(.[]; $3)" "$TMP/w.json" \
		>/dev/null 2>&1; then
		ok "attribute: $1"
	else
		bad "attribute: $1 ($(jq -c -s "[.[] | select($2)] | .[0]" "$TMP/w.json" 2>&1))"
	fi
}

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
