#!/usr/bin/env bash
# The agent's Kafka sink against librdkafka's mock cluster (build/kafka_mock,
# a process of its own in the lab's server namespace), read back with kcat:
# - every flow of a known round (flowgen.py exact) arrives exactly once, as
#   the very JSON line the log has, keyed by its network.community_id;
# - an alert goes to the alerts topic, the same as the log's;
# - when the brokers vanish (the mock cluster is killed) the bounded queue
#   fills, and every record after that is counted as dropped: delivered,
#   dropped and failed add up to the records the log got;
# - configuration errors name the setting.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3
TMP=$(mktemp -d)
chmod 755 "$TMP"
PORT=9466
METRICS_PORT=$PORT
MOCK=build/kafka_mock
AGENT_PID=
MOCK_PID=

trap lab_cleanup EXIT

gen() { ip netns exec "$CLI_NS" timeout 60 "$PY" tests/e2e/flowgen.py "$1" plc0 "$MAC" "${@:2}"; }
lines() {
	local n
	n=$(grep -c . "$1" 2>/dev/null)
	echo "${n:-0}"
}
lines_are() { [ "$(lines "$1")" -eq "$2" ]; }
# consume TOPIC from the beginning to its end: kcat's JSON envelope a line
consume() { in_srv kcat -C -b "$BOOT" -t "$1" -o beginning -e -q -J; }

[ -x "$MOCK" ] || make -s "$MOCK" || { bad "kafka-build: $MOCK"; exit 1; }
command -v kcat >/dev/null || { bad "kafka: kcat is not installed (scripts/deps.sh)"; exit 1; }

# ---- configuration errors: usage errors naming the setting ----
# conf_err NAME YAML PATTERN: agent --config with YAML exits 2, saying PATTERN
conf_err() {
	local rc
	printf '%b' "$2" >"$TMP/$1.yaml"
	"$PKTLENS" agent -c "$TMP/$1.yaml" >/dev/null 2>"$TMP/$1.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -- "$3" "$TMP/$1.err" && ok "kafka-config-$1-exit-2" ||
		bad "kafka-config-$1-exit-2: rc $rc: $(cat "$TMP/$1.err")"
}
conf_err bad-compression 'interfaces: [lo]\nkafka: { brokers: "127.0.0.1:9", compression: brotli }\n' \
	"bad-compression.yaml:2: kafka.compression: expected one of none, gzip"
conf_err bad-topic-kind 'interfaces: [lo]\nkafka: { topics: { packets: x } }\n' \
	"kafka.topics: unknown record kind: flows or alerts"
conf_err bad-key 'interfaces: [lo]\nkafka: { key: five_tuple }\n' \
	"kafka.key: expected community_id or none"

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
MAC=$(srv cat /sys/class/net/pls0/address)

# a librdkafka setting it does not know: the agent names it and stops
printf 'interfaces: [pls0]\nkafka: { brokers: "127.0.0.1:9", properties: { no.such.thing: 1 } }\n' \
	>"$TMP/bad3.yaml"
in_srv "$PKTLENS" agent -c "$TMP/bad3.yaml" --metrics off >/dev/null 2>"$TMP/bad3.err"
rc=$?
[ $rc -eq 1 ] && grep -q "kafka: no.such.thing: No such configuration property" "$TMP/bad3.err" &&
	ok "kafka-config-unknown-property-named" ||
	bad "kafka-config-unknown-property-named: rc $rc: $(cat "$TMP/bad3.err")"

# ---- the mock cluster: 3 brokers, 4 partitions a topic ----
if start_bg "$TMP/mock" "^bootstrap " 10 ip netns exec "$SRV_NS" "$MOCK" 3 4 pktlens.flows pktlens.alerts; then
	MOCK_PID=$BG_PID
	BOOT=$(awk '/^bootstrap /{ print $2 }' "$TMP/mock.err")
	ok "kafka-mock-cluster at $BOOT"
else
	bad "kafka-mock-cluster: $(cat "$TMP/mock.err")"
	exit 1
fi

# A small queue (50 records) so that the brokers' absence fills it soon;
# failed deliveries after 3 s.
cat >"$TMP/agent.yaml" <<EOF
interfaces: [pls0]
filter: "(udp or tcp) and dst portrange 7001-7300 or icmp"
flows: { idle_timeout: 1 }
metrics: { listen: "127.0.0.1:$PORT" }
log: { file: $TMP/log.json }
detect: { enabled: true }
kafka:
  brokers: "$BOOT"
  topics: { flows: pktlens.flows, alerts: pktlens.alerts }
  compression: lz4
  queue: 50
  properties: { message.timeout.ms: 3000, linger.ms: 5 }
EOF
if start_bg "$TMP/agent" "Kafka to " 20 ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/agent.yaml"; then
	AGENT_PID=$BG_PID
	ok "kafka-agent-start"
else
	bad "kafka-agent-start: $(cat "$TMP/agent.err")"
	exit 1
fi
wait_for 10 metric_is pktlens_kafka_queue_max 50 ||
	bad "kafka-queue-max: pktlens_kafka_queue_max is '$(metric pktlens_kafka_queue_max)', want 50"

# ---- a known round: every flow exactly once ----
gen exact >"$TMP/exact.json" || bad "flowgen exact failed"
# the flows without a VLAN tag match the filter: 6
jq -c 'select(.vlan == 0)' "$TMP/exact.json" >"$TMP/exact6.json"
want=$(lines "$TMP/exact6.json")
if wait_for 20 lines_are "$TMP/log.json" "$want" &&
	wait_for 20 metric_is pktlens_kafka_records_delivered_total "$want"; then
	ok "kafka-delivered: $want records acknowledged, as many as the log has"
else
	bad "kafka-delivered: log $(lines "$TMP/log.json"), delivered '$(metric pktlens_kafka_records_delivered_total)', want $want"
fi
consume pktlens.flows >"$TMP/flows.kcat" 2>"$TMP/kcat.err"
jq -r .payload "$TMP/flows.kcat" >"$TMP/flows.kafka"
python3 tests/e2e/flows_check.py exact "$TMP/exact6.json" "$TMP/flows.kafka" - "idle timeout" |
	sed 's/^\(PASS\|FAIL\) flows-/\1 kafka-/'
if [ "$(lines "$TMP/flows.kafka")" -eq "$want" ] &&
	[ "$(jq -r '[."source.ip", ."source.port", ."destination.ip", ."destination.port", ."network.transport"] | @tsv' \
		"$TMP/flows.kafka" | sort -u | wc -l)" -eq "$want" ]; then
	ok "kafka-exactly-once: $want messages, one per flow"
else
	bad "kafka-exactly-once: $(lines "$TMP/flows.kafka") messages for $want flows: $(head -c 300 "$TMP/kcat.err")"
fi
if cmp -s <(sort "$TMP/flows.kafka") <(sort "$TMP/log.json"); then
	ok "kafka-same-json-as-log"
else
	bad "kafka-same-json-as-log: $(diff <(sort "$TMP/flows.kafka") <(sort "$TMP/log.json") | head -c 400)"
fi
# the key is the record's Community ID
if jq -e -s 'length > 0 and all(.[]; .key != null and .key == (.payload | fromjson | ."network.community_id"))' \
	"$TMP/flows.kcat" >/dev/null; then
	ok "kafka-key-is-community-id ($(jq -r .partition "$TMP/flows.kcat" | sort -u | wc -l) partitions used)"
else
	bad "kafka-key-is-community-id: $(head -c 300 "$TMP/flows.kcat")"
fi

# ---- an alert: a land attack (source = destination) ----
ip netns exec "$CLI_NS" timeout 30 "$PY" -c "
from scapy.all import Ether, IP, TCP, sendp
sendp(Ether(dst='$MAC') / IP(src='198.18.0.1', dst='198.18.0.1') / TCP(sport=7050, dport=7050, flags='S'),
      iface='plc0', verbose=False)" || bad "land frame not sent"
has_alert() { grep -q '"event":"alert"' "$TMP/log.json"; }
# the alert and the land frame's own flow
if wait_for 10 has_alert && wait_for 10 metric_is pktlens_kafka_records_delivered_total $((want + 2)) &&
	wait_for 10 lines_are "$TMP/log.json" $((want + 2)); then
	consume pktlens.alerts >"$TMP/alerts.kcat" 2>/dev/null
	if [ "$(jq -r .payload "$TMP/alerts.kcat")" = "$(grep '"event":"alert"' "$TMP/log.json")" ] &&
		[ -n "$(jq -r '.key // empty' "$TMP/alerts.kcat")" ]; then
		ok "kafka-alert: $(jq -r '.payload | fromjson | ."rule.name"' "$TMP/alerts.kcat"), keyed, as in the log"
	else
		bad "kafka-alert: kafka $(head -c 300 "$TMP/alerts.kcat"), log $(grep '"event":"alert"' "$TMP/log.json" | head -c 300)"
	fi
else
	bad "kafka-alert: no alert delivered (log: $(grep -c alert "$TMP/log.json"), delivered $(metric pktlens_kafka_records_delivered_total))"
fi

# ---- the brokers vanish: the queue fills, the rest is dropped and counted ----
kill -9 "$MOCK_PID"
wait "$MOCK_PID" 2>/dev/null
before=$(lines "$TMP/log.json")
delivered=$(metric pktlens_kafka_records_delivered_total)
gen many 300 >/dev/null || bad "flowgen many failed"
total=$((before + 300))
if wait_for 30 lines_are "$TMP/log.json" "$total"; then
	ok "kafka-log-unaffected: the log has all $total records"
else
	bad "kafka-log-unaffected: $(lines "$TMP/log.json") of $total"
fi
dropped=$(metric 'pktlens_export_dropped_total{sink="kafka"}')
if [ -n "$dropped" ] && [ "$dropped" -ge 250 ] && [ "$(metric pktlens_kafka_queue_depth)" -le 50 ]; then
	ok "kafka-loss-counted: $dropped of 300 dropped with the queue full (50)"
else
	bad "kafka-loss-counted: dropped '$dropped', depth '$(metric pktlens_kafka_queue_depth)'"
fi
# after message.timeout.ms what waited fails; nothing is unaccounted for
accounted() {
	local d e x
	d=$(metric pktlens_kafka_records_delivered_total)
	e=$(metric pktlens_kafka_delivery_errors_total)
	x=$(metric 'pktlens_export_dropped_total{sink="kafka"}')
	[ "$(metric pktlens_kafka_queue_depth)" = 0 ] && [ $((d + e + x)) -eq "$total" ]
}
if wait_for 20 accounted && [ "$(metric pktlens_kafka_records_delivered_total)" = "$delivered" ]; then
	ok "kafka-accounted: delivered $delivered + failed $(metric pktlens_kafka_delivery_errors_total) + dropped $(metric 'pktlens_export_dropped_total{sink="kafka"}') = $total records"
else
	bad "kafka-accounted: delivered $(metric pktlens_kafka_records_delivered_total) errors $(metric pktlens_kafka_delivery_errors_total) dropped $(metric 'pktlens_export_dropped_total{sink="kafka"}') depth $(metric pktlens_kafka_queue_depth), want a sum of $total"
fi
grep -q "every broker is unreachable" "$TMP/agent.err" && ok "kafka-brokers-down-said" ||
	bad "kafka-brokers-down-said: $(tail -3 "$TMP/agent.err")"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
[ $rc -eq 0 ] && ok "kafka-agent-sigterm-exit-0" || bad "kafka-agent-sigterm-exit-0: rc $rc: $(tail -3 "$TMP/agent.err")"

# librdkafka's mock cluster inside the agent (test.mock.num.brokers, no
# brokers): the agent says where it listens, and a flow arrives there
printf 'interfaces: [pls0]\nfilter: "udp and dst port 7001"\nflows: { idle_timeout: 1 }\nmetrics: { listen: off }\nkafka: { properties: { test.mock.num.brokers: 1 } }\n' \
	>"$TMP/inner.yaml"
if start_bg "$TMP/inner" "mock cluster at " 20 ip netns exec "$SRV_NS" "$PKTLENS" agent -c "$TMP/inner.yaml"; then
	INNER=$(sed -n "s/.*librdkafka's mock cluster at \([^ ]*\).*/\1/p" "$TMP/inner.err" | head -1)
	gen exact >/dev/null || bad "flowgen exact failed"
	got_one() { [ "$(in_srv kcat -C -b "$INNER" -t pktlens.flows -o beginning -e -q -c 1 2>/dev/null | jq -r '."destination.port"')" = 7001 ]; }
	wait_for 20 got_one && ok "kafka-mock-property: a flow in the agent's own mock cluster at $INNER" ||
		bad "kafka-mock-property: nothing at '$INNER': $(tail -3 "$TMP/inner.err")"
else
	bad "kafka-mock-property: $(tail -3 "$TMP/inner.err")"
fi
