#!/usr/bin/env bash
# Bounded memory: more than a million distinct flows (random sources in
# 198.18.0.0/16 and random source ports, sent by trafgen from the lab
# client, a fixed number of frames) through the agent with small tables.
# The kernel maps keep their configured sizes, the agent's RSS stays small,
# the eviction counters move, and the agent exits cleanly on SIGTERM.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
FRAMES=${SCALE_FRAMES:-1200000}
FLOW_ENTRIES=65536
TABLE_ENTRIES=16384
RSS_LIMIT_KB=$((64 * 1024))      # the agent's own memory
MAPS_LIMIT_B=$((96 * 1024 * 1024)) # all of its kernel maps
TMP=$(mktemp -d)
AGENT_PID=

cleanup() {
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

metric() { # NAME{LABELS}: its value on /metrics
	ip netns exec "$SRV_NS" curl -s --max-time 2 http://127.0.0.1:9464/metrics |
		awk -v m="$1" '$1 == m { print $2 }'
}

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
MAC=$(ip netns exec "$SRV_NS" cat /sys/class/net/pls0/address)

ip netns exec "$SRV_NS" "$PKTLENS" agent -i pls0 --flow-entries $FLOW_ENTRIES \
	--table-entries $TABLE_ENTRIES --idle-timeout 5 --metrics 127.0.0.1:9464 \
	'udp dst port 9' >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_line "$TMP/agent.err" "metrics on" 10 "$AGENT_PID" || { bad "agent-start: $(cat "$TMP/agent.err")"; exit 1; }

# 60-byte UDP frames 198.18.R.R:R -> 198.18.0.1:9, R random per frame
mac_bytes=$(sed 's/^/0x/; s/:/, 0x/g' <<<"$MAC")
cat >"$TMP/flows.cfg" <<CFG
{
  $mac_bytes, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
  c16(0x0800),
  0x45, 0x00, c16(46), c16(0), c16(0x4000), 64, 17, csumip(14, 33),
  198, 18, drnd(), drnd(),
  198, 18, 0, 1,
  drnd(), drnd(), c16(9), c16(26), c16(0),
  fill(0x41, 18),
}
CFG
# send N: N frames, at a bounded rate (a receiver that falls behind drops
# frames before XDP sees them); trafgen's complaints about the global
# socket-memory sysctls, read-only in a namespace, are not errors here
send() {
	ip netns exec "$CLI_NS" timeout 120 trafgen --dev plc0 --conf "$TMP/flows.cfg" -n "$1" \
		--cpus 1 -b 250000pps -q >>"$TMP/trafgen.log" 2>&1
	grep -v "Cannot set system socket memory" "$TMP/trafgen.log" | grep -qiE "error|fail|cannot" &&
		echo "info: trafgen: $(tail -2 "$TMP/trafgen.log")"
	: >"$TMP/trafgen.log"
}
t0=$(date +%s.%N)
send "$FRAMES"
# a busy machine may still drop some: top up, at most twice (bounded)
for _ in 1 2; do
	sleep 1.5
	created=$(metric pktlens_flows_created_total)
	[ "${created:-0}" -ge 1000000 ] && break
	echo "info: $created flows so far; 400000 more frames"
	send 400000
done
t1=$(date +%s.%N)
sleep 3 # a few scans

# sample while the tables are full
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$AGENT_PID/status")
seen=$(metric pktlens_packets_matched_total)
created=$(metric pktlens_flows_created_total)
evicted=$(metric 'pktlens_evictions_total{table="flows"}')
src_evicted=$(metric 'pktlens_evictions_total{table="sources"}')
entries=$(metric 'pktlens_table_entries{table="flows"}')
src_entries=$(metric 'pktlens_table_entries{table="sources"}')
echo "info: $FRAMES+ frames in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; matched $seen; flows created $created, evicted $evicted, in the table $entries; sources $src_entries (evicted $src_evicted); agent RSS ${rss} kB (peak ${hwm} kB)"

if [ "${created:-0}" -ge 1000000 ]; then
	ok "scale-distinct-flows: $created flows created from $seen packets"
else
	bad "scale-distinct-flows: only ${created:-?} flows created ($seen packets matched)"
fi
if [ "${entries:-999999999}" -le $FLOW_ENTRIES ] && [ "${src_entries:-999999999}" -le $TABLE_ENTRIES ]; then
	ok "scale-tables-bounded: flows $entries <= $FLOW_ENTRIES, sources $src_entries <= $TABLE_ENTRIES"
else
	bad "scale-tables-bounded: flows $entries, sources $src_entries"
fi
if [ "${evicted:-0}" -gt 0 ] && [ "${src_evicted:-0}" -gt 0 ]; then
	ok "scale-evictions-move: flows $evicted, sources $src_evicted"
else
	bad "scale-evictions-move: flows ${evicted:-?}, sources ${src_evicted:-?}"
fi
if [ "${hwm:-999999999}" -le $RSS_LIMIT_KB ]; then
	ok "scale-agent-rss: peak ${hwm} kB <= $RSS_LIMIT_KB kB"
else
	bad "scale-agent-rss: peak ${hwm} kB > $RSS_LIMIT_KB kB"
fi

# the kernel side: the program's maps, at their configured sizes (the
# agent's own program: other pktlens programs may be loaded). Its bpf_link's
# fdinfo names it in any mode (auto attaches with tcx on veth, where
# `ip link` shows no XDP program); else the XDP program on pls0.
pid=$(for f in /proc/"$AGENT_PID"/fdinfo/*; do
	awk '/^link_type:/ { l = 1 } /^prog_id:/ { p = $2 } END { if (l && p) print p }' "$f" 2>/dev/null
done | head -1)
[ -n "$pid" ] || pid=$(ip -n "$SRV_NS" -j link show pls0 | jq -r '.[0].xdp.prog.id // empty')
prog=$(bpftool prog show id "${pid:-0}" -j 2>/dev/null | jq -r '.map_ids | join(" ")' 2>/dev/null)
total=0
sizes_ok=1
for id in $prog; do
	bpftool map show id "$id" -j >"$TMP/map.json" 2>/dev/null || continue
	name=$(jq -r .name "$TMP/map.json")
	max=$(jq -r .max_entries "$TMP/map.json")
	mem=$(jq -r '.bytes_memlock // 0' "$TMP/map.json")
	total=$((total + mem))
	case $name in
	flows) [ "$max" -eq $FLOW_ENTRIES ] || sizes_ok=0 ;;
	sources | snis | dns_names | http_hosts | flow_names) [ "$max" -eq $TABLE_ENTRIES ] || sizes_ok=0 ;;
	ports) [ "$max" -eq $((3 * 65536)) ] || sizes_ok=0 ;; # every TCP, UDP and SCTP port
	esac
	echo "info: map $name max_entries $max memlock $mem"
done
if [ -n "$prog" ] && [ "$sizes_ok" -eq 1 ] && [ "$total" -le $MAPS_LIMIT_B ]; then
	ok "scale-maps-bounded: $((total / 1024)) KiB of maps at their configured sizes"
else
	bad "scale-maps-bounded: maps '$prog', sizes ok $sizes_ok, $total bytes"
fi

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ $rc -eq 0 ] && grep -q "stopped;" "$TMP/agent.err" && ok "scale-agent-exits-cleanly" ||
	bad "scale-agent-exits-cleanly: exit $rc: $(tail -3 "$TMP/agent.err")"
exit 0
