#!/usr/bin/env bash
# The SYN-flood part of `make bench` for pktlens detect, run by
# bench/run.sh: a bounded hping3 SYN flood from the lab's client address
# (198.18.0.2) at the server's port 80 while a legitimate client on a
# second address (198.18.0.3) fetches a page again and again, with
#   none      no defence,
#   nftables  a drop rule for the flooding source in a netdev ingress chain
#             of pls0 (nftables' earliest hook),
#   pktlens   pktlens detect --enforce on pls0 (native XDP, then generic
#             XDP): the flood's first SYNs raise syn_rate_src and its source
#             is dropped at XDP.
# The flood is paced (hping3 -i u20) so that the sender does not take both
# CPUs of a small machine, which would hide the receiver's costs.
# Reports the legitimate requests answered per second (and as a share of
# the rate without a flood), and the CPU time the kernel spent in softirq
# (where veth receive processing, XDP, nftables and the TCP stack run) and
# in all, per second of flood, over both CPUs; the sender's own cost is the
# same in every row. Markdown on stdout, progress on stderr.
#
#   bench/detect_flood.sh PKTLENS
#
# Only the lab's namespaces and 198.18.0.0/15; every generator is bounded in
# time and in count. Figures, not pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."

PKTLENS=$(realpath "${1:-build/pktlens}")
SECS=${BENCH_FLOOD_SECONDS:-4}
FLOOD_MAX=2000000 # SYNs; the flood also stops after SECS
ROUNDS=${BENCH_FLOOD_ROUNDS:-3}
LAB="bash scripts/lab.sh"
PY=/usr/bin/python3
SRV=198.18.0.1
LEGIT=198.18.0.3
TMP=$(mktemp -d /tmp/pktlens-flood.XXXXXX)
DET_PID=
LAB_OURS=0

log() { echo "bench: $*" >&2; }

cleanup() {
	[ -n "$DET_PID" ] && kill -INT "$DET_PID" 2>/dev/null && wait "$DET_PID" 2>/dev/null
	ip netns exec pl-server nft delete table netdev pldetect 2>/dev/null || true
	ip -n pl-client addr del "$LEGIT/24" dev plc0 2>/dev/null || true
	[ "$LAB_OURS" = 1 ] && $LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns exec pl-server true 2>/dev/null; then
	LAB_OURS=1
fi
$LAB up >/dev/null
ip -n pl-client addr add "$LEGIT/24" dev plc0 2>/dev/null || true
for c in hping3 nft; do
	command -v "$c" >/dev/null || { log "$c not found; run scripts/deps.sh"; exit 1; }
done

# cpu: "busy softirq" jiffies summed over all CPUs (from /proc/stat)
cpu() { awk '/^cpu / { print $2 + $3 + $4 + $6 + $7 + $8, $8 }' /proc/stat; }
HZ_USER=$(getconf CLK_TCK)

# one CONFIG FLOOD: prints "legit_per_s softirq_ms_per_s busy_ms_per_s"
measure() {
	local conf=$1 flood=$2 c0 c1 legit fp=
	case $conf in
	nftables)
		ip netns exec pl-server nft -f - <<NFT
table netdev pldetect {
	chain ingress {
		type filter hook ingress device pls0 priority 0; policy accept;
		ip saddr 198.18.0.2 drop
	}
}
NFT
		;;
	pktlens | pktlens-generic)
		local mode=xdp
		[ "$conf" = pktlens-generic ] && mode=xdp-generic
		ip netns exec pl-server "$PKTLENS" detect -i pls0 --mode "$mode" --enforce \
			--block-ttl 60 --allow "$LEGIT" --duration 60 >"$TMP/det.out" 2>"$TMP/det.err" &
		DET_PID=$!
		for _ in $(seq 50); do grep -q "watching pls0" "$TMP/det.err" && break; sleep 0.1; done
		;;
	esac
	sleep 0.5
	read -r c0 _ < <(cpu)
	local s0 r0 r1
	s0=$(awk '/^cpu / { print $8 }' /proc/stat)
	r0=$(ip netns exec pl-server cat /sys/class/net/pls0/statistics/rx_packets)
	if [ "$flood" = 1 ]; then
		ip netns exec pl-client timeout -k 1 "$SECS" hping3 -q -S -p 80 -i u20 -c "$FLOOD_MAX" \
			"$SRV" >/dev/null 2>&1 &
		fp=$!
	fi
	legit=$(ip netns exec pl-client timeout -k 1 $((SECS + 5)) "$PY" bench/detect_legit.py \
		"$LEGIT" "$SRV" 80 "$SECS")
	if [ -n "$fp" ]; then wait "$fp" 2>/dev/null || true; fi
	read -r c1 _ < <(cpu)
	local s1
	s1=$(awk '/^cpu / { print $8 }' /proc/stat)
	r1=$(ip netns exec pl-server cat /sys/class/net/pls0/statistics/rx_packets)
	case $conf in
	nftables) ip netns exec pl-server nft delete table netdev pldetect ;;
	pktlens | pktlens-generic)
		kill -INT "$DET_PID" 2>/dev/null || true
		wait "$DET_PID" 2>/dev/null || true
		DET_PID=
		;;
	esac
	awk -v l="$legit" -v s="$SECS" -v c="$((c1 - c0))" -v q="$((s1 - s0))" -v hz="$HZ_USER" \
		-v r="$((r1 - r0))" \
		'BEGIN { printf "%.1f %.0f %.0f %.0f\n", l / s, q * 1000 / hz / s, c * 1000 / hz / s, r / s }'
	sleep 1 # let the server's queues drain
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

CONFS="baseline none nftables pktlens pktlens-generic"
declare -A L S B R
for r in $(seq "$ROUNDS"); do
	for conf in $CONFS; do
		flood=1
		[ "$conf" = baseline ] && flood=0
		log "round $r: $conf"
		read -r l s b p < <(measure "${conf/baseline/none}" "$flood")
		L[$conf]+="$l "
		S[$conf]+="$s "
		B[$conf]+="$b "
		R[$conf]+="$p "
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
base=$(med "${L[baseline]}")
echo "| defence | packets/s into pls0 | legitimate requests/s | share of the rate without a flood | softirq ms/s (2 CPUs) | busy ms/s (2 CPUs) |"
echo "|---|---:|---:|---:|---:|---:|"
for conf in $CONFS; do
	l=$(med "${L[$conf]}")
	label=$conf
	[ "$conf" = baseline ] && label="no flood"
	[ "$conf" = none ] && label="flood, no defence"
	[ "$conf" = nftables ] && label="flood, nftables drop (netdev ingress)"
	[ "$conf" = pktlens ] && label="flood, pktlens detect --enforce (native XDP)"
	[ "$conf" = pktlens-generic ] && label="flood, pktlens detect --enforce (generic XDP)"
	awk -v n="$label" -v l="$l" -v b="$base" -v s="$(med "${S[$conf]}")" -v c="$(med "${B[$conf]}")" \
		-v p="$(med "${R[$conf]}")" \
		'BEGIN { printf "| %s | %.0f | %.1f | %.0f%% | %.0f | %.0f |\n", n, p, l, (b > 0 ? 100 * l / b : 0), s, c }'
done
echo
echo "hping3 -S -p 80 -i u20 for ${SECS} s (at most $FLOOD_MAX SYNs) from 198.18.0.2; the legitimate client is bench/detect_legit.py on $LEGIT; median of $ROUNDS rounds."
