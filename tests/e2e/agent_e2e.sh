#!/usr/bin/env bash
# Kernel end-to-end for `pktlens agent` in the lab, with real peers from
# Debian: Prometheus scrapes /metrics and a counter read back through
# Prometheus's HTTP API matches the traffic sent; promtool checks the page;
# nfcapd receives the IPFIX export and nfdump shows the packets and bytes
# sent; the JSON lines log has the flows; SIGHUP reloads (a bad file is
# refused, the old configuration stays); SIGTERM detaches and flushes.
#
# Everything runs inside the lab's server namespace, on 127.0.0.1 there.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3
TMP=$(mktemp -d)
chmod 755 "$TMP"
AGENT_PID=
PROM_PID=
NFCAPD_PID=

cleanup() {
	local p
	for p in $AGENT_PID $PROM_PID $NFCAPD_PID; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

gen() { ip netns exec "$CLI_NS" timeout 60 "$PY" tests/e2e/flowgen.py "$1" plc0 "$MAC" "${@:2}"; }

# prom_value QUERY: the value of the first sample of an instant query
prom_value() {
	srv curl -s --max-time 2 -G 'http://127.0.0.1:9090/api/v1/query' \
		--data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}

# prom_is QUERY VALUE: Prometheus says QUERY is VALUE (it scrapes every second)
prom_is() { [ "$(prom_value "$1")" = "$2" ]; }

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
MAC=$(srv cat /sys/class/net/pls0/address)

# ---- configuration errors are usage errors that name the line ----
printf 'interfaces: [pls0]\nflows:\n  idle_timout: 3\n' >"$TMP/typo.yaml"
srv "$PKTLENS" agent -c "$TMP/typo.yaml" >/dev/null 2>"$TMP/typo.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "typo.yaml:3: flows.idle_timout: unknown setting" "$TMP/typo.err"; then
	ok "agent-config-unknown-key-exit-2"
else
	bad "agent-config-unknown-key-exit-2: rc $rc: $(cat "$TMP/typo.err")"
fi
printf 'interfaces: [pls0\n' >"$TMP/broken.yaml"
srv "$PKTLENS" agent -c "$TMP/broken.yaml" >/dev/null 2>"$TMP/broken.err"
rc=$?
[ $rc -eq 2 ] && grep -q "not valid YAML" "$TMP/broken.err" && ok "agent-config-bad-yaml-exit-2" ||
	bad "agent-config-bad-yaml-exit-2: rc $rc: $(cat "$TMP/broken.err")"
"$PKTLENS" agent -c /nonexistent.yaml >/dev/null 2>&1
[ $? -eq 2 ] && ok "agent-config-missing-exit-2" || bad "agent-config-missing-exit-2"

# ---- collectors: nfcapd and Prometheus, in the server namespace ----
mkdir -p "$TMP/nf" "$TMP/prom"
# (background processes started with ip netns exec directly, so that $! is
# theirs: ip netns exec execs them, a shell function would not)
ip netns exec "$SRV_NS" nfcapd -w "$TMP/nf" -b 127.0.0.1 -p 4739 -t 3600 >"$TMP/nfcapd.log" 2>&1 &
NFCAPD_PID=$!
start_prometheus "$TMP"
if wait_for 30 srv curl -sf http://127.0.0.1:9090/-/ready; then
	ok "prometheus-ready"
else
	bad "prometheus-ready: $(tail -5 "$TMP/prometheus.log")"
fi

# ---- the agent, from a configuration file ----
cat >"$TMP/agent.yaml" <<EOF
# pktlens agent test configuration
interfaces: [pls0]
filter: "udp and dst portrange 7001-7010"
flows:
  entries: 4096
  table_entries: 1024
  idle_timeout: 2
  active_timeout: 60
metrics:
  listen: 127.0.0.1:9464
  top: 5
ipfix:
  collector: 127.0.0.1:4739
  observation_domain: 7
  template_refresh: 10
log:
  file: $TMP/flows1.json
EOF
ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
if wait_for 20 grep -q "IPFIX to 127.0.0.1:4739" "$TMP/agent.err"; then
	ok "agent-start"
else
	bad "agent-start: $(cat "$TMP/agent.err")"
	exit 1
fi

gen exact >"$TMP/exact.json" || bad "flowgen exact failed"
# the UDP flows without a VLAN tag match the filter
jq -c 'select(.proto == "udp" and .vlan == 0)' "$TMP/exact.json" >"$TMP/exact-udp.json"
sleep 4 # idle timeout 2 s, then a scan

# Prometheus, through its own HTTP API
if wait_for 20 prom_is 'pktlens_packets_total{family="ipv4",protocol="udp"}' 35; then
	ok "prometheus-counter: pktlens_packets_total{ipv4,udp} = 35 = 10 + 25 packets sent"
else
	bad "prometheus-counter: pktlens_packets_total{ipv4,udp} = '$(prom_value 'pktlens_packets_total{family="ipv4",protocol="udp"}')', want 35"
fi
if prom_is 'pktlens_bytes_total{family="ipv4",protocol="udp"}' 9325 &&
	prom_is 'pktlens_packets_total{family="ipv6",protocol="udp"}' 12; then
	ok "prometheus-bytes: ipv4/udp 9325 bytes, ipv6/udp 12 packets"
else
	bad "prometheus-bytes: $(prom_value 'pktlens_bytes_total{family="ipv4",protocol="udp"}') bytes, $(prom_value 'pktlens_packets_total{family="ipv6",protocol="udp"}') ipv6 packets"
fi
if prom_is 'pktlens_flows_exported_total{reason="idle"}' 3 &&
	prom_is 'pktlens_top_destination_port_packets{transport="udp",port="7002"}' 25; then
	ok "prometheus-flows-and-top: 3 idle exports, port 7002 = 25"
else
	bad "prometheus-flows-and-top: exported $(prom_value 'pktlens_flows_exported_total{reason="idle"}'), port 7002 $(prom_value 'pktlens_top_destination_port_packets{port="7002"}')"
fi

srv curl -s http://127.0.0.1:9464/metrics >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
	ok "promtool-check-metrics ($(grep -c '^# TYPE' "$TMP/metrics.txt") families)"
else
	bad "promtool-check-metrics: $(head -5 "$TMP/promtool.out")"
fi
for m in pktlens_lost_total pktlens_evictions_total pktlens_table_fill_ratio \
	pktlens_top_source_packets process_resident_memory_bytes; do
	grep -q "^$m" "$TMP/metrics.txt" || bad "metrics: no $m"
done
srv curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/nope | grep -q 404 &&
	ok "metrics-404-elsewhere" || bad "metrics-404-elsewhere"

# the JSON lines log
python3 tests/e2e/flows_check.py exact "$TMP/exact-udp.json" "$TMP/flows1.json" - "idle timeout" |
	sed 's/^\(PASS\|FAIL\) flows-/\1 agent-log-/'

# ---- SIGHUP: a bad file is refused, the agent keeps running ----
cp "$TMP/agent.yaml" "$TMP/agent.good"
printf 'interfaces: [pls0]\nflows: {entries: 12}\n' >"$TMP/agent.yaml"
kill -HUP "$AGENT_PID"
if wait_for 10 grep -q "reload failed; still running" "$TMP/agent.err" && kill -0 "$AGENT_PID" &&
	wait_for 10 prom_is 'pktlens_agent_reloads_total{result="failed"}' 1; then
	ok "agent-sighup-bad-config-kept-running"
else
	bad "agent-sighup-bad-config-kept-running: $(tail -3 "$TMP/agent.err")"
fi

# ---- SIGHUP: new filter (kernel side rebuilt), new log file ----
sed -e 's/^filter: .*/filter: "tcp and dst portrange 7001-7010"/' \
	-e "s|flows1.json|flows2.json|" "$TMP/agent.good" >"$TMP/agent.yaml"
kill -HUP "$AGENT_PID"
if wait_for 10 grep -q "rebuilding the kernel side" "$TMP/agent.err" &&
	wait_for 10 prom_is 'pktlens_agent_reloads_total{result="ok"}' 1; then
	ok "agent-sighup-reload"
else
	bad "agent-sighup-reload: $(tail -3 "$TMP/agent.err")"
fi
gen exact >/dev/null || bad "flowgen exact failed"
sleep 4
jq -c 'select(.proto == "tcp")' "$TMP/exact.json" >"$TMP/exact-tcp.json"
python3 tests/e2e/flows_check.py exact "$TMP/exact-tcp.json" "$TMP/flows2.json" - "idle timeout" |
	sed 's/^\(PASS\|FAIL\) flows-/\1 agent-reloaded-/'
# counters carried over the rebuild: UDP as before, plus the new TCP
if wait_for 10 prom_is 'pktlens_packets_total{family="ipv4",protocol="udp"}' 35 &&
	wait_for 10 prom_is 'pktlens_packets_total{family="ipv4",protocol="tcp"}' 7; then
	ok "prometheus-counters-survive-reload"
else
	bad "prometheus-counters-survive-reload: udp $(prom_value 'pktlens_packets_total{family="ipv4",protocol="udp"}') tcp $(prom_value 'pktlens_packets_total{family="ipv4",protocol="tcp"}')"
fi
[ "$(grep -c . "$TMP/flows2.json")" -eq 2 ] && ! grep -q '"udp"' "$TMP/flows2.json" &&
	ok "agent-log-reopened" || bad "agent-log-reopened: $(head -c 300 "$TMP/flows2.json")"

# ---- SIGTERM: detach and flush the flows still open ----
sed -i 's/idle_timeout: 2/idle_timeout: 300/' "$TMP/agent.yaml"
kill -HUP "$AGENT_PID"
wait_for 10 prom_is 'pktlens_agent_reloads_total{result="ok"}' 2 || bad "third reload"
gen exact >/dev/null || bad "flowgen exact failed"
sleep 0.5
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
n=$(grep -c '"event.reason":"forced end"' "$TMP/flows2.json")
if [ $rc -eq 0 ] && [ "$n" -eq 2 ]; then
	ok "agent-sigterm-flush: exit 0, the 2 open TCP flows exported"
else
	bad "agent-sigterm-flush: exit $rc, $n forced-end records"
fi
if srv bash -c 'ip link show pls0 | grep -q xdp'; then
	bad "agent-sigterm-detached: pls0 still has an XDP program"
else
	ok "agent-sigterm-detached"
fi

# ---- IPFIX: what nfcapd stored ----
kill -TERM "$NFCAPD_PID"
wait "$NFCAPD_PID" 2>/dev/null
NFCAPD_PID=
f=$(ls "$TMP"/nf/nfcapd.2* 2>/dev/null | head -1)
if [ -n "$f" ] && nfdump -r "$f" -q -o csv >"$TMP/nfdump.csv" 2>"$TMP/nfdump.err"; then
	ok "nfcapd-file: $(grep -c . "$TMP/nfdump.csv") records"
	python3 tests/e2e/flows_check.py nfdump "$TMP/exact-udp.json" "$TMP/nfdump.csv"
	grep -q "Sequence Errors: 0" "$TMP/nfcapd.log" && ok "nfcapd-no-sequence-errors" ||
		bad "nfcapd-no-sequence-errors: $(grep Sequence "$TMP/nfcapd.log")"
	# the flows flushed at SIGTERM may land in a later nfcapd file
	for nf in "$TMP"/nf/nfcapd.2*; do nfdump -r "$nf" -o raw 2>/dev/null; done >"$TMP/nfdump.raw"
	if grep -q "end reason *= *0x01 idle timeout" "$TMP/nfdump.raw" &&
		grep -q "end reason *= *0x04 forced end" "$TMP/nfdump.raw"; then
		ok "ipfix-flow-end-reason: idle timeout and forced end"
	else
		bad "ipfix-flow-end-reason: $(grep 'end reason' "$TMP/nfdump.raw" | sort | uniq -c)"
	fi
else
	bad "nfcapd-file: $(cat "$TMP/nfcapd.log" "$TMP/nfdump.err" 2>/dev/null | tail -5)"
fi

# ---- the L7 names as enterprise elements, as Wireshark decodes them ----
start_tcpdump "$SRV_NS" "$TMP/ipfix.pcap" -i lo -nn -U --immediate-mode udp port 4740 ||
	bad "tcpdump on lo did not start: $(cat "$TMP/ipfix.pcap.err")"
ip netns exec "$SRV_NS" "$PKTLENS" agent -i pls0 --metrics off --ipfix 127.0.0.1:4740 \
	--duration 4 --idle-timeout 1 'tcp port 443 or udp port 53' >/dev/null 2>"$TMP/l7.err" &
L7_PID=$!
wait_for 10 grep -q "IPFIX to" "$TMP/l7.err"
bash scripts/lab.sh traffic 1 >/dev/null 2>&1
wait "$L7_PID"
sleep 0.3
kill "$TD_PID" 2>/dev/null
wait "$TD_PID" 2>/dev/null
tshark -r "$TMP/ipfix.pcap" -d udp.port==4740,cflow -V >"$TMP/ipfix.txt" 2>/dev/null
# www.lab.test = 77 77 77 2e 6c 61 62 2e 74 65 73 74
www="77 77 77 2e 6c 61 62 2e 74 65 73 74"
if grep -q "(32473) Type 1: Value (hex bytes): $www" "$TMP/ipfix.txt" ||
	grep -q "Documentation Use) Type 1: Value (hex bytes): $www" "$TMP/ipfix.txt"; then
	ok "ipfix-enterprise-sni: tshark decodes PEN 32473 element 1 = www.lab.test"
else
	bad "ipfix-enterprise-sni: $(grep -m3 'Enterprise Private' "$TMP/ipfix.txt")"
fi
grep -q "Documentation Use) Type 2: Value (hex bytes): $www" "$TMP/ipfix.txt" &&
	ok "ipfix-enterprise-dns" || bad "ipfix-enterprise-dns: $(grep -m3 'Type 2' "$TMP/ipfix.txt")"

# ---- flags alone, no file; metrics off ----
srv "$PKTLENS" agent -i pls0 --metrics off --log - --duration 1.5 >"$TMP/flags.json" 2>"$TMP/flags.err"
rc=$?
[ $rc -eq 0 ] && ! grep -q "metrics on" "$TMP/flags.err" && ok "agent-flags-only" ||
	bad "agent-flags-only: rc $rc $(cat "$TMP/flags.err")"

# the unit file, pointed at this build (verify wants ExecStart to exist)
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/bin/pktlens|$PKTLENS|" contrib/pktlens-agent.service >"$TMP/pktlens-agent.service"
	if systemd-analyze verify "$TMP/pktlens-agent.service" >"$TMP/sd.out" 2>&1; then
		ok "systemd-unit-verifies"
	else
		bad "systemd-unit-verifies: $(head -3 "$TMP/sd.out")"
	fi
fi
exit 0
