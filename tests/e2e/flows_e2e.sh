#!/usr/bin/env bash
# Kernel end-to-end for `pktlens flows`: known flows (N packets of B bytes,
# sent by scapy from the lab client) come out of the flow table with
# exactly N and B, agree with tshark's conversation statistics of a capture
# of the same traffic, leave on the idle timeout, on the active timeout and
# at exit, obey the FILTER, and a full table counts its evictions.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
PY=/usr/bin/python3 # Debian's, with scapy
TMP=$(mktemp -d)
FLOWS_PID=
DUMP_PID=

cleanup() {
	[ -n "$FLOWS_PID" ] && kill -9 "$FLOWS_PID" 2>/dev/null
	[ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_flows OUT ARGS...: pktlens flows in the server namespace, until it
# says it is attached.
start_flows() {
	local out=$1
	shift
	start_bg "$out" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" flows -i pls0 \
		--duration 120 "$@"
	local rc=$?
	FLOWS_PID=$BG_PID
	[ $rc -eq 0 ] && return 0
	bad "flows $*: did not start: $(head -c 300 "$out.err")"
	return 1
}

stop_flows() {
	local rc
	kill -INT "$FLOWS_PID" 2>/dev/null
	wait "$FLOWS_PID"
	rc=$?
	FLOWS_PID=
	return $rc
}

start_dump() {
	start_tcpdump "$SRV_NS" "$1" -i pls0 -Q in -nn -U --immediate-mode
	local rc=$?
	DUMP_PID=$TD_PID
	return $rc
}

stop_dump() {
	sleep 0.3
	kill "$DUMP_PID" 2>/dev/null
	wait "$DUMP_PID" 2>/dev/null
	DUMP_PID=
}

gen() { ip netns exec "$CLI_NS" timeout 60 "$PY" tests/e2e/flowgen.py "$1" plc0 "$MAC" "${@:2}"; }

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
MAC=$(ip netns exec "$SRV_NS" cat /sys/class/net/pls0/address)

# ---- exact counts, idle timeout, tshark ----
if start_flows "$TMP/idle.json" --json --stats --idle-timeout 2 && start_dump "$TMP/idle.pcap"; then
	gen exact >"$TMP/exact.json" || bad "flowgen exact failed"
	sleep 4 # > idle timeout + one scan
	stop_dump
	n_before=$(wc -l <"$TMP/idle.json")
	stop_flows || bad "flows exit status $?"
	tshark -r "$TMP/idle.pcap" -q -z conv,udp -z conv,tcp >"$TMP/conv.txt" 2>/dev/null
	# all of them left on the idle timeout, before the exit
	head -n "$n_before" "$TMP/idle.json" >"$TMP/idle-before-exit.json"
	python3 tests/e2e/flows_check.py exact "$TMP/exact.json" "$TMP/idle-before-exit.json" \
		"$TMP/conv.txt" "idle timeout"
	grep -q "flows created" "$TMP/idle.json.err" && ok "flows-stats: $(grep 'flows created' "$TMP/idle.json.err" | sed 's/^pktlens: //')" ||
		bad "flows-stats: no --stats line"
fi

# ---- the same exact counts with per-CPU values (PKTLENS_FLOW_PERCPU=1:
# LRU_PERCPU_HASH tables, summed over the CPUs by flowtab.c), at exit ----
if PKTLENS_FLOW_PERCPU=1 start_flows "$TMP/percpu.json" --json; then
	gen exact >"$TMP/exact-percpu.json" || bad "flowgen exact failed"
	stop_flows || bad "flows exit status $?"
	python3 tests/e2e/flows_check.py exact "$TMP/exact-percpu.json" "$TMP/percpu.json" - \
		"forced end" "per-CPU values"
fi

# ---- at exit, text mode, FILTER ----
if start_flows "$TMP/exit.txt" 'udp or (vlan and udp)'; then
	gen exact >/dev/null || bad "flowgen exact failed"
	sleep 0.5
	stop_flows || bad "flows exit status $?"
	# the 4 UDP flows (one of them in VLAN 100) and nothing else
	n=$(grep -c ' udp ' "$TMP/exit.txt")
	t=$(grep -c ' tcp \| icmp ' "$TMP/exit.txt")
	if [ "$n" -eq 4 ] && [ "$t" -eq 0 ] && grep -q 'forced end' "$TMP/exit.txt"; then
		ok "flows-filter-and-exit: $n UDP flows flushed at exit, no TCP/ICMP"
	else
		bad "flows-filter-and-exit: $n udp, $t tcp/icmp lines: $(head -c 600 "$TMP/exit.txt")"
	fi
	if grep -q '^[0-9:.]* pls0 vlan 100 udp 198.18.0.2.40006 > 198.18.0.1.7006: 4 packets, 600 bytes, ' "$TMP/exit.txt"; then
		ok "flows-text-vlan"
	else
		bad "flows-text-vlan: $(grep 40006 "$TMP/exit.txt")"
	fi
fi

# ---- active timeout: one flow, 10 packets over ~4.5 s, active 1.5 s ----
if start_flows "$TMP/active.json" --json --active-timeout 1.5 --idle-timeout 30 'udp port 7100'; then
	gen slow 10 0.5 >"$TMP/slow.json" || bad "flowgen slow failed"
	sleep 0.3
	stop_flows || bad "flows exit status $?"
	python3 tests/e2e/flows_check.py active "$TMP/slow.json" "$TMP/active.json" 3
fi

# ---- a full table evicts and says so ----
if start_flows "$TMP/evict.json" --json --stats --flow-entries 256 'udp port 7200'; then
	gen many 3000 >/dev/null || bad "flowgen many failed"
	sleep 0.5
	stop_flows || bad "flows exit status $?"
	line=$(grep "flows created" "$TMP/evict.json.err")
	created=$(sed -n 's/.* \([0-9]*\) flows created.*/\1/p' <<<"$line")
	exported=$(sed -n 's/.* \([0-9]*\) exported (.*/\1/p' <<<"$line")
	evicted=$(sed -n 's/.* \([0-9]*\) evicted from a full table.*/\1/p' <<<"$line")
	records=$(wc -l <"$TMP/evict.json")
	if [ "${created:-0}" -eq 3000 ] && [ "${evicted:-0}" -gt 0 ] &&
		[ $((exported + evicted)) -eq "$created" ] && [ "$records" -eq "$exported" ] &&
		[ "$records" -le 256 ]; then
		ok "flows-evictions: 3000 flows into 256 entries: $exported exported, $evicted evicted"
	else
		bad "flows-evictions: $line; $records records"
	fi
	grep -q "evicted from the full flow table" "$TMP/evict.json.err" ||
		bad "flows-evictions-warning: no warning"
fi

# ---- usage errors ----
"$PKTLENS" flows -i pls0 --idle-timeout 0 >/dev/null 2>&1
[ $? -eq 2 ] && ok "flows-bad-timeout-exit-2" || bad "flows-bad-timeout-exit-2"
"$PKTLENS" flows -i pls0 'tcp port' >/dev/null 2>&1
[ $? -eq 2 ] && ok "flows-bad-filter-exit-2" || bad "flows-bad-filter-exit-2"
"$PKTLENS" flows >/dev/null 2>&1
[ $? -eq 2 ] && ok "flows-no-iface-exit-2" || bad "flows-no-iface-exit-2"
exit 0
