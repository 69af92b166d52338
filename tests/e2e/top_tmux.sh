#!/usr/bin/env bash
# `pktlens top` under tmux at 80x24: after bounded lab traffic the screen
# shows the expected top source and SNIs (over TCP and QUIC), rates move while a flow runs, keys
# switch the view and the sort, q quits and gives the terminal back.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3
TMP=$(mktemp -d)
SOCK=pktlens-test-$$ # a tmux server of our own
TMUX_CMD=(tmux -L "$SOCK")

cleanup() {
	kill_bg
	"${TMUX_CMD[@]}" kill-server 2>/dev/null
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

screen() { "${TMUX_CMD[@]}" capture-pane -p -t top; }
gen() { ip netns exec "$CLI_NS" timeout 60 "$PY" tests/e2e/flowgen.py "$1" plc0 "$MAC" "${@:2}"; }

# wait_screen SECONDS REGEX: until the screen matches
wait_screen() {
	local n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		screen >"$TMP/screen.txt" 2>/dev/null
		grep -qE "$2" "$TMP/screen.txt" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
MAC=$(ip netns exec "$SRV_NS" cat /sys/class/net/pls0/address)

# not a terminal: a usage error that points to flows
ip netns exec "$SRV_NS" "$PKTLENS" top -i pls0 </dev/null >"$TMP/notty.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "needs a terminal" "$TMP/notty.out" && ok "top-needs-a-terminal" ||
	bad "top-needs-a-terminal: rc $rc $(cat "$TMP/notty.out")"

"${TMUX_CMD[@]}" -f /dev/null new-session -d -s top -x 80 -y 24 \
	"TERM=xterm ip netns exec $SRV_NS $PKTLENS top -i pls0 --duration 120 2>$TMP/top.err; echo \$? >$TMP/top.rc"
if wait_screen 20 'pktlens top'; then
	ok "top-starts"
else
	bad "top-starts: $(cat "$TMP/top.err" 2>/dev/null)"
	exit 1
fi

# bounded traffic: one round of real clients, the known flows, and a slow
# flow that is still running while we look at the rates
bash scripts/lab.sh traffic 1 >"$TMP/traffic.log" 2>&1 || bad "lab traffic: $(tail -3 "$TMP/traffic.log")"
gen exact >/dev/null || bad "flowgen exact failed"
gen slow 12 0.4 >/dev/null &
GEN=$!

# flows view, sorted by packets: the known 25-packet flow is on top
if wait_screen 10 '^udp +198\.18\.0\.2\.40002 +198\.18\.0\.1\.7002 +25 '; then
	ok "top-flows-view: $(grep -m1 40002 "$TMP/screen.txt" | tr -s ' ')"
else
	bad "top-flows-view: $(cat "$TMP/screen.txt")"
fi
# a running flow has a rate
if wait_screen 5 '198\.18\.0\.2\.40100 +198\.18\.0\.1\.7100 +[0-9]+ +[0-9]+ +[1-9][0-9.]*k? +[1-9]'; then
	ok "top-rates: $(grep -m1 40100 "$TMP/screen.txt" | tr -s ' ')"
else
	bad "top-rates: $(grep 40100 "$TMP/screen.txt")"
fi
wait "$GEN"
screen >"$TMP/before.txt"

# 80x24: every line fits, the key help is on the last line
lines=$(wc -l <"$TMP/before.txt")
long=$(awk 'length > 80' "$TMP/before.txt" | wc -l)
if [ "$lines" -eq 24 ] && [ "$long" -eq 0 ] && tail -1 "$TMP/before.txt" | grep -q 'q quit'; then
	ok "top-fits-80x24"
else
	bad "top-fits-80x24: $lines lines, $long longer than 80"
fi

# a key press changes the view: 2 = sources; the top source is the client
"${TMUX_CMD[@]}" send-keys -t top 2
if wait_screen 5 '^SOURCE +PACKETS +BYTES +SYNS' && ! cmp -s "$TMP/before.txt" "$TMP/screen.txt"; then
	ok "top-key-changes-view"
else
	bad "top-key-changes-view: $(head -4 "$TMP/screen.txt")"
fi
first=$(sed -n 4p "$TMP/screen.txt" | awk '{print $1}')
[ "$first" = "198.18.0.2" ] && ok "top-top-source: $(sed -n 4p "$TMP/screen.txt" | tr -s ' ')" ||
	bad "top-top-source: first row '$first': $(sed -n 3,6p "$TMP/screen.txt")"

# 4 = TLS SNIs: the lab's name over TCP, and a QUIC connection's random
# one, which user space decrypted from its Initial
"${TMUX_CMD[@]}" send-keys -t top 4
if wait_screen 5 '^www\.lab\.test +tcp +[0-9]+'; then
	ok "top-sni: $(grep -m1 '^www.lab.test' "$TMP/screen.txt" | tr -s ' ')"
else
	bad "top-sni: $(sed -n 1,6p "$TMP/screen.txt")"
fi
if ! command -v gtlsclient >/dev/null || ! command -v gtlsserver >/dev/null; then
	skip top-sni-quic "gtlsclient/gtlsserver are not installed (scripts/deps.sh)"
elif ! quic_server "$TMP"; then
	bad "top-sni-quic: gtlsserver did not bind UDP 443: $(tail -3 "$TMP/quic-server.log")"
else
	QSNI="t$RANDOM$RANDOM.lab.test"
	quic_client "$TMP" "$QSNI" || bad "top-sni-quic: gtlsclient failed: $(tail -3 "$TMP/client.$QSNI.log")"
	if wait_screen 5 "^${QSNI//./\\.} +quic +1 "; then
		ok "top-sni-quic: $(grep -m1 "^$QSNI" "$TMP/screen.txt" | tr -s ' ')"
	else
		bad "top-sni-quic: $(sed -n 1,8p "$TMP/screen.txt")"
	fi
	kill_bg
fi
# Tab moves on (DNS), b sorts by bytes
"${TMUX_CMD[@]}" send-keys -t top Tab
wait_screen 5 '^DNS QUERY NAME' && ok "top-tab-next-view" || bad "top-tab-next-view: $(sed -n 3p "$TMP/screen.txt")"
"${TMUX_CMD[@]}" send-keys -t top 3 b
wait_screen 5 'sort: bytes' && ok "top-sort-key" || bad "top-sort-key: $(sed -n 2p "$TMP/screen.txt")"
if wait_screen 5 '^udp +7002 +25 +8325'; then
	ok "top-ports-by-bytes: $(grep -m1 '^udp *7002' "$TMP/screen.txt" | tr -s ' ')"
else
	bad "top-ports-by-bytes: $(sed -n 3,5p "$TMP/screen.txt")"
fi

# q quits with status 0 and detaches
"${TMUX_CMD[@]}" send-keys -t top q
for _ in $(seq 50); do
	[ -s "$TMP/top.rc" ] && break
	sleep 0.1
done
if [ "$(cat "$TMP/top.rc" 2>/dev/null)" = 0 ]; then
	ok "top-q-quits"
else
	bad "top-q-quits: status '$(cat "$TMP/top.rc" 2>/dev/null)' $(cat "$TMP/top.err")"
fi
ip netns exec "$SRV_NS" ip link show pls0 | grep -q xdp && bad "top-detached: XDP still on pls0" ||
	ok "top-detached"
exit 0
