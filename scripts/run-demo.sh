#!/usr/bin/env bash
# Body of `make run`: bring the lab up, run bounded client traffic in the
# background and watch it live with pktlens on the server's veth until Ctrl-C.
# Extra arguments go to `pktlens watch` (e.g. --json, a FILTER).
# The lab is brought down and the traffic stopped on any exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$ROOT/scripts/lab.sh
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
ROUNDS=${ROUNDS:-600} # about 1 round a second, so at most ~15 minutes
LOG=/run/pktlens-lab/traffic.log # removed by lab.sh down

[ "$(id -u)" -eq 0 ] || {
	echo "run-demo: must run as root (sudo make run)" >&2
	exit 1
}
[ -x "$PKTLENS" ] || {
	echo "run-demo: $PKTLENS not found; build it first (make)" >&2
	exit 1
}

traffic_pid=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$traffic_pid" ]; then
		kill "$traffic_pid" 2>/dev/null || true
		wait "$traffic_pid" 2>/dev/null || true
	fi
	# Also ends any client command the loop left running in pl-client.
	"$LAB" down >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$LAB" up
"$LAB" traffic "$ROUNDS" >"$LOG" 2>&1 &
traffic_pid=$!

echo "pktlens demo: watching pls0 in netns pl-server while dig, curl, openssl s_client and ping in pl-client talk to dnsmasq, http.server and s_server (DNS, HTTP, TLS, ICMP); traffic log $LOG; Ctrl-C stops and removes the lab."
ip netns exec pl-server "$PKTLENS" watch -i pls0 "$@"
