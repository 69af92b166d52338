#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Offline: pktlens read beside tcpdump on one large capture, for bench/run.sh
# (section 2). Prints a Markdown table and the two goals as ratios:
#   pktlens read --json  vs  tcpdump -nn -v -r   (goal: <= 0.5x the time)
#   pktlens read (text)  vs  tcpdump -nn -r      (goal: <= 0.5x the time)
# each with the output to /dev/null and to a file, tcpdump as a user runs it
# (TZ unset) and with TZ=UTC.
#
#   bench/read.sh PKTLENS CAPTURE PACKETS [ROUNDS]
#
# Timing: wall clock (date +%s%N) of each command; one warm-up round, then
# ROUNDS (default 5) rounds that each run every command once, one after
# another, so that the machine's drift hits them alike; medians.
set -euo pipefail

PKTLENS=$1
CAP=$2
PACKETS=$3
ROUNDS=${4:-5}
TMP=$(mktemp -d /tmp/pktlens-read-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# label|command (run by bash, its stdout redirected by the caller)
CMDS=(
	"pl_json|$(printf '%q' "$PKTLENS") read --json $(printf '%q' "$CAP")"
	"td_v|tcpdump -nn -v -r $(printf '%q' "$CAP")"
	"td_v_utc|TZ=UTC tcpdump -nn -v -r $(printf '%q' "$CAP")"
	"pl_text|$(printf '%q' "$PKTLENS") read $(printf '%q' "$CAP")"
	"td|tcpdump -nn -r $(printf '%q' "$CAP")"
	"td_utc|TZ=UTC tcpdump -nn -r $(printf '%q' "$CAP")"
)
OUTS=(null file)

# run LABEL CMD OUT [WARM]: one timed run; appends nanoseconds to
# $TMP/LABEL.OUT unless WARM is set
run() {
	local label=$1 cmd=$2 out=$3 dst=/dev/null t0 t1
	[ "$out" = file ] && dst=$TMP/out
	t0=$(date +%s%N)
	if ! bash -c "$cmd" >"$dst" 2>/dev/null; then
		echo "bench: '$cmd' failed" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	rm -f "$TMP/out"
	[ -n "${4:-}" ] || echo $((t1 - t0)) >>"$TMP/$label.$out"
}

for ((r = 0; r <= ROUNDS; r++)); do
	warm=
	[ "$r" -eq 0 ] && warm=warmup
	for out in "${OUTS[@]}"; do
		for c in "${CMDS[@]}"; do
			run "${c%%|*}" "${c#*|}" "$out" "$warm"
		done
	done
done

# median seconds of LABEL.OUT
med() {
	sort -n "$TMP/$1.$2" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f\n", m / 1e9 }'
}

row() { # job out pktlens-label tcpdump-label tcpdump-utc-label
	local p t z
	p=$(med "$3" "$2")
	t=$(med "$4" "$2")
	z=$(med "$5" "$2")
	awk -v j="$1" -v o="$2" -v p="$p" -v t="$t" -v z="$z" -v n="$PACKETS" 'BEGIN {
		printf "| %s | %s | %.3f (%.2f Mpkt/s) | %.3f | %.3f | **%.2fx** | %.2fx |\n",
			j, (o == "null" ? "/dev/null" : "a file"), p, n / p / 1e6, t, z, p / t, p / z }'
}

goal() { # name out pktlens-label tcpdump-label tcpdump-utc-label
	awk -v g="$1" -v p="$(med "$3" "$2")" -v t="$(med "$4" "$2")" -v z="$(med "$5" "$2")" \
		-v o="$2" 'BEGIN {
		printf "Goal: %s in <= 0.5x its time, output to %s: **%s**, %.2fx (%.2fx against TZ=UTC tcpdump).\n",
			g, (o == "null" ? "/dev/null" : "a file"), (p <= 0.5 * t ? "met" : "not met"), p / t, p / z }'
}

# shellcheck disable=SC2016 # backticks are Markdown
{
	echo '| job | output | pktlens s | tcpdump s | TZ=UTC tcpdump s | pktlens / tcpdump | pktlens / TZ=UTC tcpdump |'
	echo '|---|---|---:|---:|---:|---:|---:|'
	for out in "${OUTS[@]}"; do
		row '`read --json` vs `tcpdump -nn -v -r`' "$out" pl_json td_v td_v_utc
	done
	for out in "${OUTS[@]}"; do
		row '`read` (text) vs `tcpdump -nn -r`' "$out" pl_text td td_utc
	done
	echo
	for out in "${OUTS[@]}"; do
		goal '`pktlens read --json` beside `tcpdump -nn -v -r`' "$out" pl_json td_v td_v_utc
		echo
	done
	for out in "${OUTS[@]}"; do
		goal '`pktlens read` (text) beside `tcpdump -nn -r`' "$out" pl_text td td_utc
		echo
	done
	echo "Medians of $ROUNDS rounds after a warm-up round."
}
