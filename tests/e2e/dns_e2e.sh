#!/usr/bin/env bash
# Kernel end-to-end for DNS (issue 12 part 3, issue 15 part 3), with dig
# against the lab's dnsmasq, all inside the lab's server namespace on its
# own lo (both directions are ingress there, so the kernel sees each query
# and its response):
#   - a capture of dig, dig +tcp and dig AAAA agrees with tshark
#     (compare.py: DNS over TCP, dns.count.answers, dns.a/aaaa, dns.time);
#   - watch --dns: dns.time on every response, none on queries; flows
#     --dns: on the response's flow;
#   - agent with dns: true: N queries give N observations in
#     pktlens_dns_response_seconds and their rcodes; a query to an address
#     where nothing listens counts as unanswered once dns_timeout passed;
#     promtool check metrics passes on the scrape.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
TMP=$(mktemp -d)
chmod 755 "$TMP"
# SRV4: the lab server's address (tests/lib.sh)
NOBODY=198.19.53.53 # on lo, where nothing listens on port 53

trap lab_cleanup EXIT

# (background commands run under ip netns exec directly, not through srv:
# ip netns exec execs them, so BG_PID is theirs and a signal reaches them)
# dig bounded in time and tries: one query each
qdig() { srv timeout 10 dig +tries=1 +time=2 "$@"; }

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "dns-lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
srv ip link set lo up
srv ip addr add "$NOBODY/32" dev lo

# ---- a lab capture against tshark ----
start_tcpdump "$SRV_NS" "$TMP/dns-lab.pcap" -i lo --immediate-mode -U port 53 ||
	bad "dns-tcpdump-start"
qdig @"$SRV4" www.lab.test A >/dev/null
qdig +tcp @"$SRV4" www.lab.test A >/dev/null
qdig +tcp @"$SRV4" www.lab.test AAAA >/dev/null
qdig @"$SRV4" nx.lab.test A >/dev/null
# the last response is in the file when read shows it
wait_for 10 sh -c "'$PKTLENS' read '$TMP/dns-lab.pcap' --json 2>/dev/null |
	jq -e 'select(.\"dns.flags.rcode\" == 3)'" || bad "dns-capture: no NXDOMAIN response"
kill -INT "$TD_PID"
wait "$TD_PID" 2>/dev/null
"$PKTLENS" read "$TMP/dns-lab.pcap" --json >"$TMP/lab.json"
tcp_resp=$(jq -c 'select(."tcp.srcport" == 53 and ."dns.flags.response" == true and
	(."dns.a" | length) == 1 and ."dns.time" > 0)' "$TMP/lab.json" | wc -l)
tcp_aaaa=$(jq -c 'select(."tcp.srcport" == 53 and (."dns.aaaa" | length) == 1)' "$TMP/lab.json" | wc -l)
if [ "$tcp_resp" -eq 1 ] && [ "$tcp_aaaa" -eq 1 ]; then
	ok "dns-tcp-dig-decoded: dig +tcp's A and AAAA answers with dns.time"
else
	bad "dns-tcp-dig-decoded: $tcp_resp A and $tcp_aaaa AAAA responses over TCP"
fi
out=$(python3 tests/golden/compare.py "$PKTLENS" "$TMP" tests/golden/EXCEPTIONS dns-lab.pcap 2>&1)
if echo "$out" | grep -q "^PASS dns-lab.pcap"; then
	ok "dns-lab-golden: $(echo "$out" | grep -o '([0-9]* packets, [0-9]* fields compared')"
else
	bad "dns-lab-golden: $(echo "$out" | tail -6)"
fi

# ---- watch --dns: the kernel's dns.time ----
if start_bg "$TMP/watch.json" "watching lo" 20 ip netns exec "$SRV_NS" "$PKTLENS" watch -i lo --mode tc --dns --json \
	-w "$TMP/watch.pcapng" port 53; then
	qdig @"$SRV4" www.lab.test A >/dev/null
	qdig +tcp @"$SRV4" www.lab.test A >/dev/null
	wait_line "$TMP/watch.json" '"tcp.srcport":53,.*"dns.time"' 10 "$BG_PID"
	kill -INT "$BG_PID"
	wait "$BG_PID" 2>/dev/null
	resp=$(jq -c 'select(."dns.flags.response" == true)' "$TMP/watch.json" | wc -l)
	timed=$(jq -c 'select(."dns.flags.response" == true and ."dns.time" > 0 and
		."dns.time" < 2)' "$TMP/watch.json" | wc -l)
	untimed_q=$(jq -c 'select(."dns.flags.response" == false and has("dns.time"))' \
		"$TMP/watch.json" | wc -l)
	if [ "$resp" -eq 2 ] && [ "$timed" -eq 2 ] && [ "$untimed_q" -eq 0 ]; then
		ok "dns-watch-time: 2 responses (UDP, TCP) with dns.time, queries without"
	else
		bad "dns-watch-time: $resp responses, $timed with dns.time, $untimed_q queries with it"
	fi
	# read's matching on the same packets: the same responses timed
	live=$(jq -r 'select(has("dns.time")) | ."dns.id"' "$TMP/watch.json" | sort | tr '\n' ' ')
	host=$("$PKTLENS" read "$TMP/watch.pcapng" --json |
		jq -r 'select(has("dns.time")) | ."dns.id"' | sort | tr '\n' ' ')
	if [ -n "$live" ] && [ "$live" = "$host" ]; then
		ok "dns-live-read-agree: responses $live timed live and by read"
	else
		bad "dns-live-read-agree: live '$live', read '$host'"
	fi
else
	bad "dns-watch-start: $(cat "$TMP/watch.json.err")"
fi

# ---- flows --dns: the response's flow keeps its dns.time ----
if start_bg "$TMP/flows.json" "watching lo" 20 ip netns exec "$SRV_NS" "$PKTLENS" flows -i lo --mode tc --dns --json \
	--idle-timeout 0.5 port 53; then
	qdig @"$SRV4" www.lab.test A >/dev/null
	wait_line "$TMP/flows.json" '"source.port":53,.*"dns.time"' 10 "$BG_PID"
	kill -INT "$BG_PID"
	wait "$BG_PID" 2>/dev/null
	n=$(jq -c 'select(."source.port" == 53 and ."dns.question.name" == "www.lab.test" and
		."dns.time" > 0)' "$TMP/flows.json" | wc -l)
	q=$(jq -c 'select(."destination.port" == 53 and has("dns.time"))' "$TMP/flows.json" | wc -l)
	if [ "$n" -eq 1 ] && [ "$q" -eq 0 ]; then
		ok "dns-flows-time: the response's flow has dns.time, the query's none"
	else
		bad "dns-flows-time: $n response flows with dns.time, $q query flows with it"
	fi
else
	bad "dns-flows-start: $(cat "$TMP/flows.json.err")"
fi

# ---- the agent: histogram, rcodes, unanswered, promtool ----
cat >"$TMP/agent.yaml" <<EOF
interfaces: [lo]
mode: tc
filter: "port 53"
dns: true
dns_timeout: 1
flows:
  idle_timeout: 2
metrics:
  listen: 127.0.0.1:9464
EOF
metric_has() { [ -n "$(metric "$1")" ]; }
if start_bg "$TMP/agent.out" "watching lo" 20 ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" &&
	wait_for 10 metric_is pktlens_dns_unanswered_total 0; then
	AGENT_PID=$BG_PID
	N=6
	for _ in 1 2; do qdig @"$SRV4" www.lab.test A >/dev/null; done
	for _ in 1 2; do qdig +tcp @"$SRV4" www.lab.test AAAA >/dev/null; done
	qdig @"$SRV4" www.lab.test TXT >/dev/null
	qdig +tcp @"$SRV4" nx.lab.test A >/dev/null
	if wait_for 10 metric_is pktlens_dns_response_seconds_count "$N" &&
		metric_is 'pktlens_dns_response_seconds_bucket{le="+Inf"}' "$N" &&
		metric_is 'pktlens_dns_responses_total{rcode="NOERROR"}' 5 &&
		metric_is 'pktlens_dns_responses_total{rcode="NXDOMAIN"}' 1; then
		ok "dns-agent-histogram: $N queries, $N observations (5 NOERROR, 1 NXDOMAIN)"
	else
		bad "dns-agent-histogram: count '$(metric pktlens_dns_response_seconds_count)', NOERROR '$(metric 'pktlens_dns_responses_total{rcode="NOERROR"}')', want $N and 5"
	fi
	sum=$(metric pktlens_dns_response_seconds_sum)
	if awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 10) }'; then
		ok "dns-agent-histogram-sum: $sum s over $N responses"
	else
		bad "dns-agent-histogram-sum: '$sum'"
	fi
	metric_is pktlens_dns_unanswered_total 0 || bad "dns-agent-unanswered-before: $(metric pktlens_dns_unanswered_total)"
	qdig @"$NOBODY" lost.lab.test A >/dev/null
	if wait_for 10 metric_is pktlens_dns_unanswered_total 1 &&
		metric_is pktlens_dns_response_seconds_count "$N"; then
		ok "dns-agent-unanswered: the query to $NOBODY counted after dns_timeout"
	else
		bad "dns-agent-unanswered: '$(metric pktlens_dns_unanswered_total)', want 1"
	fi
	srv curl -s http://127.0.0.1:9464/metrics >"$TMP/metrics.txt"
	if grep -q '^# TYPE pktlens_dns_response_seconds histogram' "$TMP/metrics.txt" &&
		promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
		ok "dns-agent-promtool: $(grep -c '^pktlens_dns_' "$TMP/metrics.txt") DNS samples"
	else
		bad "dns-agent-promtool: $(head -5 "$TMP/promtool.out")"
	fi
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
else
	bad "dns-agent-start: $(tail -3 "$TMP/agent.out.err")"
fi

# ---- without dns: true the families are absent ----
sed -i '/^dns/d' "$TMP/agent.yaml"
if start_bg "$TMP/agent2.out" "watching lo" 20 ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" &&
	wait_for 10 metric_has pktlens_packets_seen_total; then
	srv curl -s http://127.0.0.1:9464/metrics >"$TMP/metrics2.txt"
	if grep -q '^pktlens_packets_seen_total' "$TMP/metrics2.txt" &&
		! grep -q '^pktlens_dns_' "$TMP/metrics2.txt"; then
		ok "dns-agent-off: no DNS families without dns: true"
	else
		bad "dns-agent-off: $(grep -c '^pktlens_dns_' "$TMP/metrics2.txt") DNS samples"
	fi
else
	bad "dns-agent-off-start: $(tail -3 "$TMP/agent2.out.err")"
fi
