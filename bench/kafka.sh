#!/usr/bin/env bash
# Benchmark of the agent's Kafka sink (docs/agent.md, "Kafka"): figures, not
# pass/fail. The agent exports FLOWS (default 100,000) one-packet flows,
# once to the JSON log file and once to Kafka (librdkafka's mock cluster,
# build/kafka_mock, 3 brokers, in the lab's server namespace), and for each
# prints the agent's CPU time per record (user + system, /proc) and the
# records per second from the first record out to the last one written
# (file) or acknowledged (Kafka); then Kafka over file as ratios.
#
# On a private lab (its own namespaces, addresses in 198.18.0.0/15) that
# it creates and removes; attaches only to its pls0. Prints a Markdown
# table.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PKTLENS=${PKTLENS:-$BUILD/pktlens}
MOCK=$BUILD/kafka_mock
FLOWS=${KAFKA_BENCH_FLOWS:-100000}
export PL_LAB_CLIENT=plkb-client PL_LAB_SERVER=plkb-server PL_LAB_RUN=/run/pktlens-lab-kafkabench
. tests/lib.sh
TMP=$(mktemp -d /tmp/pktlens-kafkabench.XXXXXX)
chmod 755 "$TMP"
PORT=9467
METRICS_PORT=$PORT

trap lab_cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now() { date +%s.%N; }

make -s BUILD="$BUILD" all "$MOCK" || exit 1
$LAB up >"$TMP/lab.log" 2>&1 || { echo "kafka bench: lab-up failed: $(tail -3 "$TMP/lab.log")" >&2; exit 1; }
MAC=$(in_srv cat /sys/class/net/pls0/address)
start_bg "$TMP/mock" "^bootstrap " 10 ip netns exec "$SRV_NS" "$MOCK" 3 4 pktlens.flows pktlens.alerts ||
	{ echo "kafka bench: mock cluster: $(cat "$TMP/mock.err")" >&2; exit 1; }
BOOT=$(awk '/^bootstrap /{ print $2 }' "$TMP/mock.err")

# FLOWS distinct flows: three counters of coprime periods (256, 251, 7),
# so the (source address, port) of the first 449,792 frames never repeat
mac_bytes=$(sed 's/^/0x/; s/:/, 0x/g' <<<"$MAC")
cat >"$TMP/flows.cfg" <<CFG
{
  $mac_bytes, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
  c16(0x0800),
  0x45, 0x00, c16(46), c16(0), c16(0x4000), 64, 17, csumip(14, 33),
  198, 19, dinc(0, 6), dinc(0, 250),
  198, 18, 0, 1,
  0x80, dinc(0, 255), c16(9), c16(26), c16(0),
  fill(0x41, 18),
}
CFG

# run SINK: one round; prints "records seconds cpu_seconds dropped"
run() {
	local sink=$1 extra done_metric pid t0 t1 c0 c1 n first tfirst
	if [ "$sink" = file ]; then
		extra="--log $TMP/log.json"
		done_metric=pktlens_log_records_total
	else
		extra="--kafka $BOOT --log off"
		done_metric=pktlens_kafka_records_delivered_total
	fi
	rm -f "$TMP/log.json"
	# shellcheck disable=SC2086
	start_bg "$TMP/agent.$sink" "metrics on" 20 ip netns exec "$SRV_NS" "$PKTLENS" agent -i pls0 \
		--flow-entries 262144 --idle-timeout 1 --metrics "127.0.0.1:$PORT" $extra 'udp dst port 9' ||
		{ echo "kafka bench: agent: $(cat "$TMP/agent.$sink.err")" >&2; return 1; }
	pid=$BG_PID # ip netns exec execs pktlens
	c0=$(cpu_ticks "$pid")
	ip netns exec "$CLI_NS" timeout 120 trafgen --dev plc0 --conf "$TMP/flows.cfg" -n "$FLOWS" \
		--cpus 1 -b 200000pps -q >"$TMP/trafgen.log" 2>&1
	# samples "time count" every 20 ms: the log's size (file) or the
	# delivered counter (Kafka, which the agent updates once a scan)
	: >"$TMP/samples"
	for i in $(seq 6000); do # at most 120 s
		if [ "$sink" = file ]; then
			n=$(stat -c %s "$TMP/log.json" 2>/dev/null || echo 0)
		else
			n=$(metric "$done_metric")
		fi
		echo "$(now) ${n:-0}" >>"$TMP/samples"
		if [ $((i % 10)) = 0 ] && [ "$(metric "$done_metric")" -ge "$FLOWS" ] 2>/dev/null; then
			echo "$(now) $([ "$sink" = file ] && stat -c %s "$TMP/log.json" || metric "$done_metric")" >>"$TMP/samples"
			break
		fi
		sleep 0.02
	done
	c1=$(cpu_ticks "$pid")
	n=$(metric "$done_metric")
	# the first sample with something out, the first with everything
	read -r tfirst t1 < <(awk 'NR == FNR { last = $2; next }
		$2 > 0 && !a { a = $1 } $2 == last && !b { b = $1 } END { print a, b }' \
		"$TMP/samples" "$TMP/samples")
	first=0
	echo "$n $first $tfirst $t1 $(((c1 - c0))) $(metric 'pktlens_export_dropped_total{sink="kafka"}') $(metric pktlens_flows_created_total)"
	kill -TERM "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
}

HZ=$(getconf CLK_TCK)
declare -A R S C D
for sink in file kafka; do
	run "$sink" >"$TMP/result.$sink" || exit 1
	read -r n first tfirst t1 ticks dropped created <"$TMP/result.$sink"
	R[$sink]=$n
	# everything within one 20 ms sample: at least n / 0.02
	S[$sink]=$(awk -v n="$n" -v a="$tfirst" -v b="$t1" 'BEGIN { d = b - a; printf "%s%.0f", (d > 0.02 ? "" : ">= "), n / (d > 0.02 ? d : 0.02) }')
	C[$sink]=$(awk -v t="$ticks" -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", n ? t / hz * 1e6 / n : 0 }')
	D[$sink]=${dropped:-0}
	echo "info: $sink: $n of $FLOWS records ($created flows created), ${S[$sink]} records/s, ${C[$sink]} us CPU per record, $ticks ticks" >&2
done
echo "| sink | records out | records/s | agent CPU per record | dropped |"
echo "|---|---:|---:|---:|---:|"
echo "| JSON log file | ${R[file]} | ${S[file]} | ${C[file]} µs | 0 |"
echo "| Kafka (mock cluster, 3 brokers, acks=all) | ${R[kafka]} | ${S[kafka]} | ${C[kafka]} µs | ${D[kafka]} |"
awk -v sk="${S[kafka]}" -v sf="${S[file]}" -v ck="${C[kafka]}" -v cf="${C[file]}" 'BEGIN {
	sub(/^>= /, "", sk); sub(/^>= /, "", sf)
	printf "| **Kafka / file** | | %.2fx | %.2fx | |\n", (sf ? sk / sf : 0), (cf ? ck / cf : 0) }'
echo
echo "$FLOWS one-packet UDP flows (trafgen, 200,000 frames/s) exported on a 1 s idle timeout;"
echo "records/s from the first record out to the last one written (file: the log's size, sampled"
echo "every 20 ms) or acknowledged (Kafka: pktlens_kafka_records_delivered_total, which the agent"
echo "updates once a scan, every 250 ms). CPU: the agent process's user + system time (librdkafka's"
echo "threads included) from before the flows are sent until the last record is out. The mock"
echo "cluster runs on the same 2 CPUs."
