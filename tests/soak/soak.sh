#!/usr/bin/env bash
# make soak: `pktlens agent` for SOAK_MINUTES (default 30) in a private lab
# (namespaces pl-soak-cli / pl-soak-srv, scripts/lab.sh), while
#   - tests/soak/churn.c sends SOAK_FLOWS_PER_S (default 1000) new UDP flows
#     a second, each a 5-tuple of its own with 1-3 packets;
#   - lab traffic (DNS, HTTP, TLS, ping) runs round after round, and a slow
#     HTTP download keeps a long TCP flow open (active timeouts);
#   - SIGHUP comes every 10 s, alternating a good configuration (metrics.top
#     5 or 10, which the next page must show) and a bad one (a cycle of
#     kinds); after a bad one the agent must say it keeps the previous
#     configuration, and the page must still show it;
#   - tests/soak/scrape.py scrapes /metrics every second (each scrape must
#     succeed and pass `promtool check metrics`) and samples the agent's RSS.
# Then the traffic stops, the flow table empties, and
# tests/soak/check_flows.py checks that every churn flow was exported
# exactly once, in the JSON log and over IPFIX (nfcapd), and that the log
# agrees with the agent's counters; tests/soak/rss.py fits the RSS slope.
#
# The agent runs in a mount namespace of its own (unshare -m) with a fresh
# BPF filesystem on /sys/fs/bpf and a tmpfs on /run/pktlens, so its pins and
# owner note never meet those of another pktlens on the machine; with its
# own namespace names it needs no lab lock. Only 198.18.0.0/15 and
# 2001:db8::/32 inside those namespaces are used.
#
# SOAK_MINUTES (1-600), SOAK_FLOWS_PER_S, SOAK_OUT (build/soak: the logs),
# SOAK_DOC=1 writes the figures into docs/soak.md (always for >= 30 min).
set -uo pipefail
cd "$(dirname "$0")/../.."
# a lab of its own: names, state dir and addresses (other suites' lab is
# 198.18.0.0/24 and 2001:db8::/64; pktlens tcp sees every namespace)
export PL_LAB_CLIENT=pl-soak-cli PL_LAB_SERVER=pl-soak-srv PL_LAB_RUN=/run/pktlens-soak
export PL_LAB_CLI4=198.18.99.2 PL_LAB_SRV4=198.18.99.1 PL_LAB_CLI6=2001:db8:99::2 PL_LAB_SRV6=2001:db8:99::1
. tests/lib.sh
PY=/usr/bin/python3
MINUTES=${SOAK_MINUTES:-30}
RATE=${SOAK_FLOWS_PER_S:-1000}
OUT=${SOAK_OUT:-$PWD/build/soak}
HUP_EVERY=10
IDLE=5
RSS_LIMIT=4 # KiB/min; see docs/soak.md
SRV4=$PL_LAB_SRV4
SRV6=$PL_LAB_SRV6

die() {
	echo "FAIL soak-setup: $*"
	exit 1
}
[[ $MINUTES =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 600 ] ||
	die "SOAK_MINUTES must be a whole number of minutes from 1 to 600, not '$MINUTES'"
[[ $RATE =~ ^[0-9]+$ ]] && [ "$RATE" -ge 1 ] && [ "$RATE" -le 5000 ] ||
	die "SOAK_FLOWS_PER_S must be from 1 to 5000, not '$RATE'"
[ "$(id -u)" -eq 0 ] || die "needs root (network and mount namespaces, BPF); run: sudo make soak"
for c in promtool nfcapd nfdump unshare curl "$PY"; do
	command -v "$c" >/dev/null || die "$c not found; run scripts/deps.sh"
done
[ -x "$PKTLENS" ] && [ -x build/soak_churn ] || die "build first: make soak"

rm -rf "$OUT"
mkdir -p "$OUT/nf"
chmod 755 "$OUT"
# every PASS/FAIL line goes into RESULTS too, which the verdict counts
RESULTS=$OUT/results.txt
: >"$RESULTS"
ok() { echo "PASS $*" | tee -a "$RESULTS"; }
bad() { echo "FAIL $*" | tee -a "$RESULTS"; }
AGENT_PID= SCRAPE_PID= CHURN_PID= TRAFFIC_PID= SLOW_PID= NFCAPD_PID=
cleanup() {
	local p
	for p in $CHURN_PID $TRAFFIC_PID $SLOW_PID $SCRAPE_PID $AGENT_PID $NFCAPD_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $CHURN_PID $TRAFFIC_PID $SLOW_PID $SCRAPE_PID $AGENT_PID $NFCAPD_PID; do
		wait "$p" 2>/dev/null
	done
	$LAB down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

srv() { ip netns exec "$SRV_NS" "$@"; }
page() { srv curl -sf --max-time 2 http://127.0.0.1:9464/metrics; }

# ---- the lab, the collector ----
$LAB down >/dev/null 2>&1
$LAB up >"$OUT/lab.log" 2>&1 || die "lab up: $(tail -3 "$OUT/lab.log")"
CLI_MAC=$(ip netns exec "$CLI_NS" cat /sys/class/net/plc0/address)
SRV_MAC=$(srv cat /sys/class/net/pls0/address)
ip netns exec "$SRV_NS" nfcapd -w "$OUT/nf" -b 127.0.0.1 -p 4739 -t 3600 >"$OUT/nfcapd.log" 2>&1 &
NFCAPD_PID=$!
wait_for 10 srv ss -Hlnu "sport = :4739" || die "nfcapd does not listen: $(tail -3 "$OUT/nfcapd.log")"

# ---- the configurations ----
CONF=$OUT/agent.yaml
# good TOP: what the soak runs with; only metrics.top differs between the
# two good ones, so a good reload changes nothing in the kernel
good() {
	cat <<EOF
interfaces: [pls0]
flows:
  entries: 65536
  table_entries: 16384
  idle_timeout: $IDLE
  active_timeout: 60
metrics:
  listen: 127.0.0.1:9464
  top: $1
ipfix:
  collector: 127.0.0.1:4739
  template_refresh: 30
log:
  file: $OUT/flows.json
detect:
  enabled: true
EOF
}
# bad K: the K-th kind of broken file; each must be refused as a whole
BAD_KINDS=8
bad_conf() {
	case $1 in
	0) good 10 | sed 's/^interfaces: \[pls0\]/interfaces: [pls0/' ;;     # not YAML
	1) good 10 | sed 's/idle_timeout:/idle_timout:/' ;;                   # unknown key
	2) good 10 | sed 's/listen: 127.0.0.1:9464/listen: bogus/' ;;         # exporter address
	3) good 10 | sed 's/collector: 127.0.0.1:4739/collector: "127.0.0.1:99999"/' ;;
	4) good 10 | sed "s/idle_timeout: $IDLE/idle_timeout: -3/" ;;         # bad number
	5) good 10 | sed 's/^interfaces:.*/&\nfilter: "udp and"/' ;;          # bad filter
	6) good 10 | sed 's/^interfaces: \[pls0\]/interfaces: [pls0, nosuch0]/' ;; # no such interface
	7) good 10 | sed 's/enabled: true/enabled: true\n  thresholds: { no_such_rule: 5 }/' ;;
	esac
}
put_conf() { # atomically, so that a reload never reads half a file
	cat >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}
good 10 | put_conf

# ---- the agent, in its own mount namespace ----
# unshare, sh, ip netns exec and sh all exec, so $! is the agent's pid.
# shellcheck disable=SC2016 # the inner shells expand their own arguments
unshare -m --propagation private -- sh -c '
	mkdir -p /run/pktlens &&
	mount -t tmpfs -o mode=0755,size=1m pl-soak-run /run/pktlens &&
	exec ip netns exec "$0" sh -c "mount -t bpf -o mode=0700 pl-soak-bpf /sys/fs/bpf && exec \"\$@\"" sh "$@"' \
	"$SRV_NS" "$PKTLENS" agent --config "$CONF" >"$OUT/agent.out" 2>"$OUT/agent.err" &
AGENT_PID=$!
wait_line "$OUT/agent.err" "metrics on http://" 30 "$AGENT_PID" ||
	die "the agent did not start: $(head -c 600 "$OUT/agent.err")"
[ "$(cat /proc/$AGENT_PID/comm 2>/dev/null)" = pktlens ] || die "pid $AGENT_PID is not the agent"
wait_for 10 page || die "no /metrics page"
# isolation: the pins are in the agent's own BPF filesystem, not the host's
if nsenter -t "$AGENT_PID" -m test -e /sys/fs/bpf/pktlens/meta &&
	! grep -qx "$AGENT_PID" /run/pktlens/pin-owner 2>/dev/null; then
	ok "soak-isolated: pins in the agent's own bpffs, owner note in its own /run/pktlens"
else
	bad "soak-isolated: pins or owner note not where expected"
fi

# ---- load ----
ip netns exec "$SRV_NS" "$PY" tests/soak/scrape.py http://127.0.0.1:9464/metrics "$AGENT_PID" "$OUT" \
	>"$OUT/scrape.out" 2>"$OUT/scrape.err" &
SCRAPE_PID=$!
ip netns exec "$CLI_NS" build/soak_churn plc0 "$CLI_MAC" "$SRV_MAC" "$SRV4" "$SRV6" "$RATE" \
	>"$OUT/churn.out" 2>"$OUT/churn.err" &
CHURN_PID=$!
wait_line "$OUT/churn.err" "churn: sending" 10 "$CHURN_PID" || die "churn: $(cat "$OUT/churn.err")"
# lab rounds, one after the other, until the stop file appears
(
	n=0 f=0
	while [ ! -e "$OUT/stop" ]; do
		n=$((n + 1))
		$LAB traffic 1 >>"$OUT/traffic.log" 2>&1 || f=$((f + 1))
		echo "$n $f" >"$OUT/traffic.count"
	done
) &
TRAFFIC_PID=$!
# a long TCP flow: a download at 8 KiB/s, again and again
(
	while [ ! -e "$OUT/stop" ]; do
		ip netns exec "$CLI_NS" timeout 300 curl -s -o /dev/null --limit-rate 8k \
			--resolve "www.lab.test:8080:$SRV4" http://www.lab.test:8080/1m.bin
	done
) &
SLOW_PID=$!

# ---- SIGHUP every 10 s, good and bad in turn ----
START=$(date +%s)
END=$((START + MINUTES * 60))
hups=0 good_n=0 bad_n=0 hup_fail=0 top=10
: >"$OUT/hups.log"
count_lines() { grep -c -- "$1" "$OUT/agent.err"; }
until [ "$(date +%s)" -ge "$END" ]; do
	next=$((START + (hups + 1) * HUP_EVERY))
	[ "$next" -ge "$END" ] && break
	while [ "$(date +%s)" -lt "$next" ]; do sleep 0.2; done
	kill -0 "$AGENT_PID" 2>/dev/null || {
		bad "soak-agent-alive: the agent died after $hups reloads: $(tail -c 400 "$OUT/agent.err")"
		break
	}
	reloads=$(count_lines "SIGHUP: reloading")
	kept=$(count_lines "reload failed; still running with the previous configuration")
	failed=$(count_lines "reload failed")
	if [ $((hups % 2)) -eq 0 ]; then
		top=$((top == 10 ? 5 : 10))
		good "$top" | put_conf
		kind=good
	else
		kind=$((bad_n % BAD_KINDS))
		bad_conf "$kind" | put_conf
		kind=bad$kind
	fi
	kill -HUP "$AGENT_PID"
	hups=$((hups + 1))
	# the outcome, and the page must show the configuration in force
	result=FAIL
	for ((i = 0; i < 100; i++)); do
		if [ "$(count_lines "SIGHUP: reloading")" -gt "$reloads" ]; then
			if [ "$kind" = good ]; then
				[ "$(count_lines "reload failed")" -eq "$failed" ] &&
					page 2>/dev/null | grep -q "(the top $top by packets)" && result=ok && break
			else
				[ "$(count_lines "reload failed; still running with the previous configuration")" -gt "$kept" ] &&
					page 2>/dev/null | grep -q "(the top $top by packets)" && result=ok && break
			fi
		fi
		sleep 0.1
	done
	if [ "$kind" = good ]; then good_n=$((good_n + 1)); else bad_n=$((bad_n + 1)); fi
	echo "$(($(date +%s) - START)) $kind top=$top $result" >>"$OUT/hups.log"
	if [ "$result" != ok ]; then
		hup_fail=$((hup_fail + 1))
		echo "info: SIGHUP $hups ($kind) at $(($(date +%s) - START)) s: no outcome seen; stderr: $(tail -n 3 "$OUT/agent.err" | tr '\n' '|')"
	fi
done
while [ "$(date +%s)" -lt "$END" ]; do sleep 0.5; done

# ---- stop the load, let the table empty ----
kill -TERM "$CHURN_PID"
wait "$CHURN_PID"
churn_rc=$?
CHURN_PID=
touch "$OUT/stop"
kill -TERM "$SLOW_PID" 2>/dev/null
wait "$TRAFFIC_PID" "$SLOW_PID" 2>/dev/null
TRAFFIC_PID= SLOW_PID=
ip netns pids "$CLI_NS" | xargs -r kill -TERM 2>/dev/null # a curl left by the loop
read -r _ flows _ packets _ send_errors _ churn_s <"$OUT/churn.out"
flows=${flows:-0}
# quiet: no flow in the table, and two pages around the log's line count agree
quiet=no
for ((i = 0; i < 120; i++)); do
	if page >"$OUT/quiet1.prom" && grep -q '^pktlens_table_entries{table="flows"} 0$' "$OUT/quiet1.prom"; then
		lines=$(wc -l <"$OUT/flows.json")
		page >"$OUT/quiet.prom"
		if [ "$(grep '^pktlens_flows_exported_total' "$OUT/quiet1.prom")" = \
			"$(grep '^pktlens_flows_exported_total' "$OUT/quiet.prom")" ]; then
			quiet=yes
			break
		fi
	fi
	sleep 0.5
done
[ "$quiet" = yes ] || bad "soak-quiet: the flow table did not empty within 60 s after the traffic stopped"
kill -TERM "$SCRAPE_PID"
wait "$SCRAPE_PID"
SCRAPE_PID=
read -r _ scrapes _ scrape_failed <"$OUT/scrape.out"

# ---- SIGTERM: detach, export what is left, exit 0 ----
t0=$(date +%s.%N)
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
agent_rc=$?
AGENT_PID=
agent_exit_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
kill -TERM "$NFCAPD_PID"
wait "$NFCAPD_PID"
NFCAPD_PID=
nfdump -R "$OUT/nf" -o csv >"$OUT/ipfix.csv" 2>"$OUT/nfdump.err" ||
	bad "soak-nfdump: $(head -c 300 "$OUT/nfdump.err")"

# ---- results ----
# (the block's output goes into RESULTS through tee)
ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; }
{
	echo "info: $MINUTES min, churn $RATE flows/s: $flows flows, $packets packets, $send_errors not sent (exit $churn_rc)"
	read -r rounds round_fail <"$OUT/traffic.count" 2>/dev/null || rounds=0 round_fail=0
	echo "figure lab_rounds $rounds"
	echo "figure lab_rounds_with_a_failed_client $round_fail"
	echo "figure churn_flows $flows"
	echo "figure churn_packets $packets"
	[ "${send_errors:-1}" = 0 ] && ok "soak-churn-sent: $flows flows, every frame sent" ||
		bad "soak-churn-sent: $send_errors frames could not be sent: $(tail -3 "$OUT/churn.err")"
	rate=$(awk -v n="$flows" -v s="${churn_s:-0}" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
	echo "figure churn_flows_per_s $rate"
	awk -v r="$rate" -v want="$RATE" 'BEGIN { exit !(r >= 0.99 * want) }' &&
		ok "soak-churn-rate: $flows flows in $churn_s s, $rate/s" ||
		bad "soak-churn-rate: $flows flows in $churn_s s, $rate/s: under 99% of $RATE/s"
	echo "figure scrapes $scrapes"
	echo "figure scrape_failures $scrape_failed"
	[ "$scrape_failed" = 0 ] && [ "$scrapes" -ge $((MINUTES * 60 * 95 / 100)) ] &&
		ok "soak-scrapes: $scrapes scrapes, every one HTTP 200 and accepted by promtool" ||
		bad "soak-scrapes: $scrape_failed of $scrapes failed: $(grep -m3 FAIL "$OUT/scrapes.log" | tr '\n' '|')"
	echo "figure sighups $hups"
	echo "figure sighups_good $good_n"
	echo "figure sighups_bad $bad_n"
	echo "figure sighups_without_expected_outcome $hup_fail"
	okr=$(grep -o '^pktlens_agent_reloads_total{result="ok"} [0-9]*' "$OUT/quiet.prom" | awk '{print $2}')
	failr=$(grep -o '^pktlens_agent_reloads_total{result="failed"} [0-9]*' "$OUT/quiet.prom" | awk '{print $2}')
	rebuilt=$(count_lines "rebuilding the kernel side")
	if [ "$hup_fail" -eq 0 ] && [ "$okr" = "$good_n" ] && [ "$failr" = "$bad_n" ] && [ "$rebuilt" -eq 0 ]; then
		ok "soak-reloads: $good_n good reloads applied, $bad_n bad ones refused with the previous configuration kept"
	else
		bad "soak-reloads: $hup_fail SIGHUPs without the expected outcome; counters ok=$okr failed=$failr (sent $good_n good, $bad_n bad); kernel side rebuilt $rebuilt times"
	fi
	[ "$agent_rc" -eq 0 ] && ok "soak-agent-exit: exit 0 after SIGTERM in $agent_exit_s s" ||
		bad "soak-agent-exit: exit $agent_rc after SIGTERM: $(tail -c 300 "$OUT/agent.err")"
	"$PY" tests/soak/rss.py "$OUT/rss.csv" "$(((MINUTES * 60) / 6 < 300 ? (MINUTES * 60) / 6 : 300))" "$RSS_LIMIT"
	"$PY" tests/soak/check_flows.py "$flows" "$OUT/flows.json" "${lines:-0}" "$OUT/quiet.prom" "$OUT/ipfix.csv"
	# nfcapd prints one statistics line per file it closes
	awk '/Sequence Errors:/ { n++; for (i = 1; i < NF; i++) {
			if ($i == "Flows:") f += $(i + 1); if ($i == "Errors:") e += $(i + 1) } }
		END { printf "info: nfcapd: %d flows in %d files, %d sequence errors\n", f, n, e }' "$OUT/nfcapd.log"
} 2>&1 | tee -a "$RESULTS"

pass=$(grep -c '^PASS' "$RESULTS")
fail=$(grep -c '^FAIL' "$RESULTS")
fig() { awk -v k="$1" '$1 == "figure" && $2 == k {print $3}' "$RESULTS"; }
verdict=$([ "$fail" -eq 0 ] && echo PASS || echo FAIL)
echo "summary: $verdict: $pass passed, $fail failed; $MINUTES min; RSS slope $(fig rss_slope_kib_per_min) KiB/min" \
	"($(fig rss_min_kib)-$(fig rss_max_kib) KiB); scrapes $(fig scrape_failures) failed of $(fig scrapes);" \
	"SIGHUPs $hups ($good_n good, $bad_n bad); churn flows $(fig churn_flows), missing $(fig log_churn_flows_missing)," \
	"duplicated $(fig log_churn_flows_duplicated) (IPFIX: missing $(fig ipfix_churn_flows_missing), duplicated $(fig ipfix_churn_flows_duplicated))"

if [ "$MINUTES" -ge 30 ] || [ "${SOAK_DOC:-0}" = 1 ]; then
	"$PY" tests/soak/write_doc.py docs/soak.md "$RESULTS" "$MINUTES" "$RATE" "$verdict" "$RSS_LIMIT" &&
		echo "info: figures written into docs/soak.md"
else
	echo "info: a short run: docs/soak.md not updated (SOAK_DOC=1 writes it)"
fi
[ "$fail" -eq 0 ]
