#!/usr/bin/env bash
# Kernel end-to-end for the agent's detections (docs/agent.md,
# "Detections"), in the lab's server namespace:
#  - a bounded `nmap -sS` from pl-client raises port_scan_vertical, which
#    the agent writes to its JSON log as the `detect --json` record and
#    counts in pktlens_alerts_total{rule="port_scan_vertical"} on /metrics;
#  - `promtool check metrics` passes on the page;
#  - `pktlens block add/list/del` round-trip against the running agent,
#    and a blocked source's packets count in
#    pktlens_droplist_dropped_packets_total;
#  - SIGTERM exits 0 and removes the pins (`block list` then says so).
# Only 198.18.0.0/15 addresses, only the lab's interfaces; nmap and ping
# are bounded in ports, count and time.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SRV=198.18.0.1
CLI=198.18.0.2
NET=198.18.7.0/24
PORT=9465
TMP=$(mktemp -d)
chmod 755 "$TMP"
AGENT_PID=
LAB_WAS_UP=0

cleanup() {
	if [ -n "$AGENT_PID" ]; then
		kill -TERM "$AGENT_PID" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	[ "$LAB_WAS_UP" -eq 0 ] && $LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

metrics() { in_srv curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics"; }
# metric NAME_AND_LABELS: its value on the page (empty when absent)
metric() { metrics | awk -v m="$1" '$1 == m { print $2 }'; }

if ip netns exec "$SRV_NS" true 2>/dev/null && ip netns exec "$CLI_NS" true 2>/dev/null; then
	LAB_WAS_UP=1
elif ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi

cat >"$TMP/agent.yaml" <<EOF
interfaces: [pls0]
flows: { idle_timeout: 2 }
metrics: { listen: "127.0.0.1:$PORT" }
log: { file: $TMP/agent.json }
detect:
  enabled: true
  window: 1
  thresholds: { port_scan_ports: 20, dns_entropy: 4.2 }
  enforce: false
  block_ttl: 30
  allow: [198.18.0.250]
  rate_limit: off
EOF

ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" --duration 120 \
	>"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
if ! wait_for 10 in_srv curl -sf --max-time 1 "http://127.0.0.1:$PORT/metrics"; then
	bad "agent-detect-start: $(cat "$TMP/agent.err")"
	exit 1
fi
ok "agent with detect enabled started"

# ---- an alert: the log and the counter ----
in_cli nmap -sS -p 1-200 -T4 --max-retries 0 -n -Pn "$SRV" >"$TMP/nmap.log" 2>&1 ||
	bad "nmap -sS: $(tail -2 "$TMP/nmap.log")"
has_alert() {
	jq -e -s 'any(.[]; .event == "alert" and ."rule.name" == "port_scan_vertical" and
		."rule.category" == "scan" and ."source.ip" == "'"$CLI"'" and
		."observer.ingress.interface.name" == "pls0" and ."pktlens.threshold" == 20)' \
		"$TMP/agent.json"
}
if wait_for 3 has_alert; then
	ok "nmap -sS: port_scan_vertical in the agent's JSON log"
else
	bad "nmap -sS: no alert in the log: $(grep alert "$TMP/agent.json" | head -3) $(tail -3 "$TMP/agent.err")"
fi
counted() { [ "$(metric 'pktlens_alerts_total{rule="port_scan_vertical"}')" -ge 1 ] 2>/dev/null; }
if wait_for 3 counted; then
	ok "pktlens_alerts_total{rule=\"port_scan_vertical\"} $(metric 'pktlens_alerts_total{rule="port_scan_vertical"}')"
else
	bad "pktlens_alerts_total: $(metrics | grep pktlens_alerts_total)"
fi
n=$(jq -s '[.[] | select(.event == "alert")] | length' "$TMP/agent.json")
c=$(metrics | awk '/^pktlens_alerts_total\{/ { s += $2 } END { print s + 0 }')
[ "$n" = "$c" ] && ok "the log's alerts ($n) = the sum of pktlens_alerts_total" ||
	bad "log alerts $n, pktlens_alerts_total sums to $c"
# one series per rule of docs/detect.md's rule table, each rule once
want=$(awk '/^\| rule \|/ { t = 1; next } t && !/^\|/ { exit } t && /^\| `/' docs/detect.md |
	cut -d'|' -f2 | grep -o '`[a-z0-9_]*`' | tr -d '`' | sort)
got=$(metrics | sed -n 's/^pktlens_alerts_total{rule="\([^"]*\)"}.*/\1/p' | sort)
r=$(echo "$got" | grep -c .)
if [ -z "$want" ]; then
	bad "pktlens_alerts_total: no rule table in docs/detect.md to compare with"
elif [ "$got" = "$want" ]; then
	ok "pktlens_alerts_total: one series per rule ($r)"
else
	bad "pktlens_alerts_total: $r series, not one per rule of docs/detect.md: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
fi
metrics >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
	ok "promtool-check-metrics with detections ($(grep -c '^# TYPE' "$TMP/metrics.txt") families)"
else
	bad "promtool-check-metrics: $(head -5 "$TMP/promtool.out")"
fi

# ---- block add/list/del against the running agent ----
"$PKTLENS" block add "$NET" --ttl 30 >"$TMP/b.out" 2>&1 && grep -q "blocked $NET until" "$TMP/b.out" &&
	ok "block add $NET --ttl 30" || bad "block add: $(cat "$TMP/b.out")"
"$PKTLENS" block list >"$TMP/list.txt" 2>&1
grep -q "$NET" "$TMP/list.txt" && ok "block list shows $NET" || bad "block list: $(cat "$TMP/list.txt")"
"$PKTLENS" block list --json | jq -e -s 'any(.[]; ."pktlens.block.prefix" == "'"$NET"'")' >/dev/null &&
	ok "block list --json shows $NET" || bad "block list --json: $("$PKTLENS" block list --json 2>&1)"
entries() { [ "$(metric pktlens_droplist_entries)" = "$1" ]; }
wait_for 3 entries 1 && ok "pktlens_droplist_entries 1" ||
	bad "pktlens_droplist_entries: $(metric pktlens_droplist_entries)"
"$PKTLENS" block del "$NET" >"$TMP/d.out" 2>&1 && ok "block del $NET" || bad "block del: $(cat "$TMP/d.out")"
"$PKTLENS" block list >"$TMP/list2.txt" 2>&1
grep -q "$NET" "$TMP/list2.txt" && bad "block list after del: $(cat "$TMP/list2.txt")" ||
	ok "block list: $NET gone"

# ---- the drop counter: block the client, 5 pings are dropped at ingress ----
d0=$(metric 'pktlens_droplist_dropped_packets_total{reason="drop_list"}')
"$PKTLENS" block add "$CLI" --ttl 10 >/dev/null 2>&1
in_cli ping -c 5 -i 0.2 -W 1 "$SRV" >/dev/null 2>&1
"$PKTLENS" block del "$CLI" >/dev/null 2>&1
dropped() { [ "$(metric 'pktlens_droplist_dropped_packets_total{reason="drop_list"}')" -ge $((d0 + 5)) ] 2>/dev/null; }
wait_for 3 dropped && ok "pktlens_droplist_dropped_packets_total{reason=\"drop_list\"} counts the blocked pings" ||
	bad "dropped: was $d0, now $(metric 'pktlens_droplist_dropped_packets_total{reason="drop_list"}')"
in_cli ping -c 2 -i 0.2 -W 1 "$SRV" >/dev/null 2>&1 && ok "after block del the client is answered again" ||
	bad "after block del: no answer to ping"

# ---- SIGTERM: exit 0, pins removed ----
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" -eq 0 ] && ok "SIGTERM: agent exits 0" || bad "SIGTERM: rc $rc: $(tail -3 "$TMP/agent.err")"
"$PKTLENS" block list >"$TMP/after.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "no running" "$TMP/after.txt" && ok "after exit: block list says no running agent" ||
	bad "after exit: block list rc $rc: $(cat "$TMP/after.txt")"
exit 0
