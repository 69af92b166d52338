#!/usr/bin/env bash
# `make bench`: figures, not pass/fail.
#  1. build/kbench: ns/packet of pktlens_xdp per packet class (BPF_PROG_TEST_RUN)
#  2. `pktlens read --json` vs `tcpdump -nn -r` on one large capture
# Prints the machine and every table, and rewrites docs/BENCHMARKS.md.
# Attaches nothing to any interface. Needs root (BPF), python3, tcpdump;
# uses hyperfine when it is installed, else date +%s%N.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PCAPS=${PCAPS:-../shared/pcaps}      # Ethernet captures to repeat
PACKETS=${BENCH_PACKETS:-1000000}    # packets in the large capture
RUNS=3                               # timed runs per command; median kept
DOC=docs/BENCHMARKS.md

TMP=$(mktemp -d /tmp/pktlens-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CAP=$TMP/large.pcap

# ---- machine ----
KERNEL=$(uname -r)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
CPUS=$(nproc)
MEM=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- src 2>/dev/null)" ] && REV="$REV (src/ modified)"
TOOLS="$(clang --version | head -1); $(tcpdump --version 2>&1 | head -2 |
	awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $0 }')"

echo "== machine"
echo "kernel $KERNEL; CPU $CPU; $CPUS CPUs; $MEM RAM"
echo "pktlens $REV; $TOOLS"
echo

# ---- 1. kernel: ns per packet ----
make -s BUILD="$BUILD" "$BUILD/kbench"
echo "== pktlens_xdp, ns per packet (BPF_PROG_TEST_RUN)"
"$BUILD/kbench" | tee "$TMP/kbench.md"
echo

# ---- 2. pktlens read vs tcpdump ----
python3 bench/mkcapture.py "$PCAPS" "$CAP" "$PACKETS"
CAP_MB=$(( $(stat -c %s "$CAP") / 1000000 ))

if command -v hyperfine >/dev/null; then
	TIMER="hyperfine $(hyperfine --version | cut -d' ' -f2) (1 warm-up run, $RUNS timed, median)"
else
	TIMER="date +%s%N around each run (1 warm-up run, $RUNS timed, median)"
fi

# Median wall-clock seconds of "$@", its output to /dev/null.
median_secs() {
	"$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
	if command -v hyperfine >/dev/null; then
		hyperfine --shell bash --style none --runs "$RUNS" --export-json "$TMP/h.json" \
			"$(printf '%q ' "$@") >/dev/null 2>&1" >/dev/null
		python3 -c 'import json, sys
print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$TMP/h.json"
		return
	fi
	local i t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $((t1 - t0))
	done | sort -n | sed -n "$(((RUNS + 1) / 2))p" | awk '{ printf "%.3f\n", $1 / 1e9 }'
}

echo "== pktlens read --json vs tcpdump -nn -r: $PACKETS packets, $CAP_MB MB"
echo "timed with $TIMER"
T_PL=$(median_secs "$BUILD/pktlens" read --json "$CAP")
T_TD=$(median_secs tcpdump -nn -r "$CAP")
# glibc's localtime() stats /etc/localtime once per packet when TZ is unset
T_TZ=$(median_secs env TZ=UTC tcpdump -nn -r "$CAP")

row() { # label seconds
	awk -v l="$1" -v t="$2" -v n="$PACKETS" -v p="$T_PL" \
		'BEGIN { printf "| %s | %.3f | %.2f | %.2f |\n", l, t, n / t / 1e6, t / p }'
}
# shellcheck disable=SC2016 # backticks are Markdown
{
	echo "| command | median s | Mpackets/s | time / pktlens time |"
	echo "|---|---:|---:|---:|"
	row '`pktlens read --json`' "$T_PL"
	row '`tcpdump -nn -r`' "$T_TD"
	row '`TZ=UTC tcpdump -nn -r`' "$T_TZ"
	echo
	awk -v p="$T_PL" -v t="$T_TD" -v z="$T_TZ" 'BEGIN {
		if (p < t)
			printf "Goal: pktlens read faster than tcpdump -nn -r: **met**, %.2fx faster.", t / p
		else
			printf "Goal: pktlens read faster than tcpdump -nn -r: **not met**, tcpdump is %.2fx faster.", p / t
		if (z < p)
			printf " With TZ=UTC tcpdump is %.2fx faster than pktlens.\n", p / z
		else
			printf " With TZ=UTC pktlens is still %.2fx faster.\n", z / p
	}'
} | tee "$TMP/read.md"
echo

# ---- docs/BENCHMARKS.md ----
cat >"$DOC" <<EOF
# Benchmarks

Written by \`make bench\` (bench/run.sh) on $DATE. Figures, not pass/fail:
they vary from run to run by a few percent, and from machine to machine
by much more.

Machine: Linux $KERNEL, $CPU, $CPUS CPUs, $MEM RAM.
pktlens $REV; $TOOLS.

Goals: at most 40 ns per packet on average over the packet mix in the
kernel, and \`pktlens read\` faster than \`tcpdump -nn -r\`.

## pktlens_xdp in the kernel, ns per packet

$(cat "$TMP/kbench.md")

## pktlens read --json vs tcpdump -nn -r

$PACKETS packets, $CAP_MB MB: the Ethernet captures of ../shared/pcaps
repeated. Timed with $TIMER; output to /dev/null.

$(cat "$TMP/read.md")

## How measured

**Kernel.** bench/kbench.c builds one frame per packet class by hand (the
host parser and the kernel must both decode it as that class, or kbench
stops) and hands it to \`BPF_PROG_TEST_RUN\` with repeat = 1,000,000: the
kernel runs the program that many times on the same frame and returns the
mean time of one run, in whole nanoseconds. pktlens_xdp is loaded from the
same skeleton as \`pktlens watch\`, with \`emit_records = 0\` (parse and count,
no ring buffer). The baseline is bench/xdp_pass.bpf.c, an XDP program that
only returns XDP_PASS, run on the same frame in the same process: it is the
test harness's own cost per run (its loop and the call into the program),
so "pktlens - baseline" is what pktlens adds. Each figure is the median of
3 measurements, and the mix mean weights the 7 classes equally. The
emit_records = 1 lines use a second copy of the program: with 1,000,000 runs
and nobody draining the 8 MiB ring, it is full after the first records and
every later output fails (counted as lost), so that line is the cost of
pl_finalize() and a failed bpf_ringbuf_output(); the second line runs only
as many times as the ring holds, so every record is written. Nothing is
attached to any interface.

**Read.** bench/mkcapture.py concatenates the packets of every Ethernet
pcap in ../shared/pcaps (malformed test cases included) and repeats them,
with timestamps rewritten 1 us apart, into one pcap under /tmp, deleted at
the end. Both commands read it from the page cache (a warm-up run first) and
write to /dev/null; wall-clock time is the median of 3 runs. The
\`TZ=UTC\` row is there because tcpdump formats each timestamp with
localtime(), and glibc stats /etc/localtime for every call when TZ is
unset; pktlens prints epoch seconds and does not depend on TZ.
EOF
echo "bench: wrote $DOC"
