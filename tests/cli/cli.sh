#!/usr/bin/env bash
# Bad input gets one clear line and SPEC.md's exit status, never a crash.
# Each test prints PASS/FAIL. Interfaces used here live in a namespace this
# script creates and removes.
set -uo pipefail
cd "$(dirname "$0")/../.."
PKTLENS=${PKTLENS:-$PWD/build/pktlens}
PCAP_DIR=${PCAP_DIR:-$PWD/../shared/pcaps}
NS=pl-cli-test${PL_LAB_SERVER:+-$PL_LAB_SERVER} # private beside a private lab
TMP=$(mktemp -d)

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# expect NAME STATUS REGEX CMD...: CMD exits with STATUS and stderr matches REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$re" "$TMP/err"; then
		echo "PASS $name"
	else
		echo "FAIL $name: exit $rc (want $want), stderr: $(head -c 300 "$TMP/err")"
	fi
}

ip netns add "$NS"
ip -n "$NS" link add plt0 type veth peer name plt1
ip -n "$NS" link set plt0 up
ip -n "$NS" link set plt1 up

expect unknown-command 2 "unknown command 'frobnicate'" "$PKTLENS" frobnicate
expect unknown-option 2 "unknown option|is unknown" "$PKTLENS" read "$PCAP_DIR/whois.pcap" --bogus
expect watch-needs-iface 2 "needs -i IFACE" ip netns exec "$NS" "$PKTLENS" watch
expect unknown-iface 2 "no interface named 'nosuch0'" ip netns exec "$NS" "$PKTLENS" watch -i nosuch0
expect bad-mode 2 "--mode: 'warp'" ip netns exec "$NS" "$PKTLENS" watch -i plt0 --mode warp
expect bad-count 2 "-c: 'x' is not a positive count" "$PKTLENS" read "$PCAP_DIR/whois.pcap" -c x
expect no-btf 1 "no BTF .*CONFIG_DEBUG_INFO_BTF" \
	env PKTLENS_SYSFS_BTF=/nonexistent ip netns exec "$NS" "$PKTLENS" watch -i plt0
expect no-privileges 1 "CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" \
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PKTLENS" watch -i plt0 --duration 1
expect missing-file 2 "cannot read '$TMP/none.pcap'" "$PKTLENS" read "$TMP/none.pcap"
printf 'this is not a capture' >"$TMP/junk.pcap"
expect not-a-capture 2 "cannot read .*junk.pcap" "$PKTLENS" read "$TMP/junk.pcap"

# A capture cut in the middle of a packet: the packets before it are printed.
head -c 1000 "$PCAP_DIR/whois.pcap" >"$TMP/cut.pcap"
expect truncated-capture 2 "cut short or damaged after packet" "$PKTLENS" read "$TMP/cut.pcap" --json
n=$(wc -l <"$TMP/out")
if [ "$n" -ge 3 ]; then echo "PASS truncated-capture-keeps-records ($n records)"; else echo "FAIL truncated-capture-keeps-records: $n records"; fi

# On one stream, the records come before the message about the damage.
"$PKTLENS" read "$TMP/cut.pcap" >"$TMP/both" 2>&1
if [ "$(wc -l <"$TMP/both")" -ge 4 ] && tail -n 1 "$TMP/both" | grep -q "cut short"; then
	echo "PASS truncated-capture-records-first"
else
	echo "FAIL truncated-capture-records-first: $(tail -n 2 "$TMP/both")"
fi

# Records that cannot be written: one line naming the cause, exit 1.
for fmt in text json; do
	args=()
	[ "$fmt" = json ] && args=(--json)
	"$PKTLENS" read "$PCAP_DIR/pktlens-lab-real-clients.pcap" "${args[@]}" >/dev/full 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "cannot write the records: No space left on device" "$TMP/err" &&
		[ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		echo "PASS read-write-error-$fmt"
	else
		echo "FAIL read-write-error-$fmt: exit $rc, stderr: $(head -c 300 "$TMP/err")"
	fi
done

# The same records whether they leave in big writes (a file) or record by
# record (a stdin that is a pipe).
"$PKTLENS" read "$PCAP_DIR/pktlens-lab-real-clients.pcap" --json >"$TMP/file.json"
cat "$PCAP_DIR/pktlens-lab-real-clients.pcap" | "$PKTLENS" read - --json | cat >"$TMP/pipe.json"
if [ -s "$TMP/file.json" ] && cmp -s "$TMP/file.json" "$TMP/pipe.json"; then
	echo "PASS read-batched-same-as-streamed"
else
	echo "FAIL read-batched-same-as-streamed"
fi

# Raw IP link type (DLT_RAW = 101): a clear refusal.
python3 - "$TMP/raw.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    pkt = bytes.fromhex("450000140000400040000000c6120001c6120002")
    f.write(struct.pack("<IIII", 0, 0, len(pkt), len(pkt)) + pkt)
PY
expect unsupported-linktype 2 "link type RAW .*Ethernet and Linux cooked" "$PKTLENS" read "$TMP/raw.pcap"

# stdin works as a file
if "$PKTLENS" read - --json <"$PCAP_DIR/whois.pcap" >"$TMP/stdin.json" &&
	grep -q '"tcp.srcport"' "$TMP/stdin.json"; then
	echo "PASS read-stdin"
else
	echo "FAIL read-stdin"
fi

# The interface vanishes while watching: a clear message and exit 1.
ip netns exec "$NS" "$PKTLENS" watch -i plt0 --duration 20 >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 1.5
ip -n "$NS" link del plt0
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "interface plt0 disappeared" "$TMP/err"; then
	echo "PASS iface-vanishes"
else
	echo "FAIL iface-vanishes: exit $rc, stderr: $(cat "$TMP/err")"
fi
