#!/usr/bin/env bash
# Benchmark of `pktlens tcp` (docs/tcp.md) and of the agent's tcp: true
# (docs/agent.md, "TCP and drops"): figures, not pass/fail.
#
#  1. Connections per second of a bounded storm of short TCP connections in
#     the lab (build/tcpstorm: the server closes first, as HTTP/1.0 does),
#     with nothing attached, with `pktlens tcp` (default events, text to
#     /dev/null), with `pktlens agent` and tcp: true in its configuration
#     (the TCP metrics, counted in the kernel; its packet programs on an
#     idle veth of a namespace of its own, so that only the tracepoints
#     weigh on the storm) and with bcc's tcplife where it runs, in
#     alternating rounds of the same run, and one more round with nothing
#     at the end; medians of the rates and of each round's own ratio to
#     the mean of the nothing rounds before and after it.
#  2. ns per hook run from the kernel's run-time statistics
#     (kernel.bpf_stats_enabled: run_time_ns / run_cnt of each tracing
#     program the tracer's own process holds, so that other pktlens
#     processes on the machine do not count), during one more round of
#     pktlens tcp and one of the agent, and per connection; and the
#     reader's own CPU time per connection (user and system, from /proc),
#     the two parts of what pktlens costs the storm.
#
# Prints a Markdown table. Attaches nothing to any interface; uses only a
# lab's namespaces, which it creates and removes: the private lab of
# PL_LAB_CLIENT, PL_LAB_SERVER, PL_LAB_RUN, PL_LAB_SRV4 (and the other
# PL_LAB_ addresses, tests/lib.sh), or without them one of its own
# (pl-tcpbench-c/-s, 198.18.97.0/24), so that it never shares the default
# lab with a test suite. Bounded: every storm, server and tracer runs
# under timeout; at most ROUNDS x (4 storms of SECS + start-up) + 3 more.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PL_LAB_CLIENT:-}" ] || [ -z "${PL_LAB_SERVER:-}" ]; then
	export PL_LAB_CLIENT=pl-tcpbench-c PL_LAB_SERVER=pl-tcpbench-s PL_LAB_RUN=/run/pktlens-lab-tcpbench
	export PL_LAB_CLI4=198.18.97.2 PL_LAB_SRV4=198.18.97.1 PL_LAB_CLI6=2001:db8:97::2 PL_LAB_SRV6=2001:db8:97::1
fi
BUILD=${BUILD:-build}
PKTLENS_BIN=${PKTLENS:-}
. tests/lib.sh # CLI_NS, SRV_NS, SRV4, LAB, pid_prog_ids
PKTLENS=$PKTLENS_BIN
STORM=${TCPSTORM:-$BUILD/tcpstorm}
ROUNDS=${TCP_BENCH_ROUNDS:-8}
SECS=${TCP_BENCH_SECONDS:-4}
THREADS=2
SRV=$SRV4
PORT=9100
TMP=$(mktemp -d /tmp/pktlens-tcpbench.XXXXXX)
TRACER_PID=
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
# a lab that was up before stays up
LAB_WAS_UP=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qx "$SRV_NS" && echo 1 || echo 0)

IDLE_NS=$SRV_NS-idle
# a tracer never outlives its rounds by much
TRACER_SECS=$((SECS + 60))

cleanup() {
	[ -n "$TRACER_PID" ] && kill -INT "$TRACER_PID" 2>/dev/null && wait "$TRACER_PID" 2>/dev/null
	ip netns del "$IDLE_NS" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" 2>/dev/null
	[ "$LAB_WAS_UP" = 1 ] || $LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ -z "$PKTLENS" ]; then
	PKTLENS=$BUILD/pktlens
	make -s BUILD="$BUILD" "$PKTLENS" "$STORM" || exit 1
fi
$LAB up >/dev/null || exit 1
# the agent's interface: one end of a veth pair nothing sends on
ip netns add "$IDLE_NS" && ip -n "$IDLE_NS" link add pli0 type veth peer name pli1 &&
	ip -n "$IDLE_NS" link set pli0 up && ip -n "$IDLE_NS" link set pli1 up || exit 1
cat >"$TMP/agent.yaml" <<EOF
interfaces: [pli0]
tcp: true
metrics: { listen: 127.0.0.1:9464 }
EOF
AGENT=(ip netns exec "$IDLE_NS" "$PKTLENS" agent -c "$TMP/agent.yaml" --duration "$TRACER_SECS")
TCP=("$PKTLENS" tcp --stats --duration "$TRACER_SECS")

# storm: one round; prints connections per second.
storm() {
	local srv
	ip netns exec "$SRV_NS" timeout -k 2 $((SECS + 10)) "$STORM" serve "$SRV" "$PORT" $((SECS + 2)) >"$TMP/serve.log" &
	srv=$!
	wait_line "$TMP/serve.log" listening 5 "$srv"
	ip netns exec "$CLI_NS" timeout -k 2 $((SECS + 10)) "$STORM" connect "$SRV" "$PORT" "$SECS" "$THREADS" |
		awk '{ print $3 }'
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

# start_tracer NAME CMD...: runs CMD in the background until it is ready.
start_tracer() {
	local name=$1 i
	shift
	"$@" >/dev/null 2>"$TMP/$name.err" &
	TRACER_PID=$!
	for i in $(seq 100); do
		case $name in
		pktlens) grep -q "tracing TCP" "$TMP/$name.err" && return 0 ;;
		agent) grep -q "metrics on" "$TMP/$name.err" && return 0 ;;
		*) [ "$i" -ge 40 ] && return 0 ;; # bcc compiles for a few seconds
		esac
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$TRACER_PID" 2>/dev/null && return 0
	TRACER_PID=
	return 1
}

stop_tracer() {
	kill -INT "$TRACER_PID" 2>/dev/null
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=
}

# cpu_ticks PID: user + system clock ticks of PID so far
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'
}

TCPLIFE=$(command -v tcplife-bpfcc || command -v tcplife || true)
echo "== pktlens tcp: $ROUNDS rounds of ${SECS}s, $THREADS client threads, $(nproc) CPUs, kernel $(uname -r)"
for r in $(seq "$ROUNDS"); do
	b=$(storm)
	echo "$b" >>"$TMP/base"
	if start_tracer pktlens "${TCP[@]}"; then
		t0=$(cpu_ticks "$TRACER_PID")
		p=$(storm)
		t1=$(cpu_ticks "$TRACER_PID")
		stop_tracer
		awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$p" -v s="$SECS" \
			'BEGIN { if (r > 0) printf "%.2f\n", t * 1e6 / hz / (r * s) }' >>"$TMP/reader_us"
		echo "$p" >>"$TMP/pktlens"
		tail -1 "$TMP/pktlens.err" >>"$TMP/pktlens.stats"
	else
		p="failed: $(head -c 200 "$TMP/pktlens.err")"
	fi
	a="failed: $(head -c 200 "$TMP/agent.err" 2>/dev/null)"
	if start_tracer agent "${AGENT[@]}"; then
		a=$(storm)
		stop_tracer
		echo "$a" >>"$TMP/agent"
		echo "$a" >>"$TMP/agent_rounds"
	else
		echo - >>"$TMP/agent_rounds"
	fi
	l=n/a
	if [ -n "$TCPLIFE" ] && start_tracer tcplife timeout "$TRACER_SECS" "$TCPLIFE"; then
		l=$(storm)
		stop_tracer
		echo "$l" >>"$TMP/tcplife"
	fi
	echo "round $r: nothing $b/s, pktlens tcp $p/s, agent tcp: true $a/s, tcplife $l/s"
	case $p in failed*) echo - ;; *) echo "$p" ;; esac >>"$TMP/pktlens_rounds"
done
# one more round with nothing, so that every round's tracers have a
# nothing round on either side
b=$(storm)
echo "$b" >>"$TMP/base"
echo "closing round: nothing $b/s"
# each round's own ratio, against the mean of the nothing rounds before
# and after it: the machine's load drifts between rounds, and the mean
# of its two neighbours takes out a steady drift. bracketed NAME: the
# ratios (%) of $TMP/NAME_rounds' rounds; a round beside a failed storm
# has none
bracketed() {
	paste "$TMP/$1_rounds" <(head -n "$ROUNDS" "$TMP/base") <(tail -n +2 "$TMP/base") |
		awk '$1 != "-" && $2 > 0 && $3 > 0 { m = ($2 + $3) / 2; printf "%.2f\n", ($1 - m) * 100 / m }'
}
bracketed pktlens >"$TMP/ratio"
bracketed agent >"$TMP/agent_ratio"
B=$(median <"$TMP/base")
P=$(median <"$TMP/pktlens" 2>/dev/null)
A=$(median <"$TMP/agent" 2>/dev/null)
L=$( [ -s "$TMP/tcplife" ] && median <"$TMP/tcplife" || echo n/a)
pct() { [ "$2" = n/a ] && echo n/a || awk -v b="$1" -v x="$2" 'BEGIN { printf "%+.1f%%", (x - b) * 100 / b }'; }

# ns per run of each program, from the kernel's statistics: the tracing
# programs (prog_type 26) of the tracer's own process, read while it runs
sysctl -qw kernel.bpf_stats_enabled=1
# stats_round NAME CMD...: one storm under CMD; its programs' stats in
# $TMP/NAME_progs.json, the storm's rate printed
stats_round() {
	local name=$1 rate= ids
	shift
	if start_tracer "$name" "$@"; then
		rate=$(storm)
		ids=$(pid_prog_ids "$TRACER_PID" 26 | jq -R 'tonumber' | jq -s -c .)
		bpftool -j prog show | jq --argjson ids "$ids" '[.[] | select(.id as $i | $ids | index($i))]' \
			>"$TMP/${name}_progs.json"
		stop_tracer
	fi
	echo "$rate"
}
SR=$(stats_round pktlens "${TCP[@]}")
SA=$(stats_round agent "${AGENT[@]}")
STATS_NOW=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"

echo
echo "| connections/s (median of the rounds: $((ROUNDS + 1)) with nothing, $ROUNDS of each tracer) | | vs nothing |"
echo "|---|---:|---:|"
echo "| nothing attached | $B | |"
echo "| pktlens tcp | $P | $(pct "$B" "$P") (median of the rounds' own ratios, each against the nothing rounds on either side: $(median <"$TMP/ratio" 2>/dev/null)%) |"
echo "| pktlens agent, tcp: true | $A | $(pct "$B" "$A") (median of the rounds' own ratios, each against the nothing rounds on either side: $(median <"$TMP/agent_ratio" 2>/dev/null)%) |"
if [ "$L" = n/a ]; then
	echo "| bcc tcplife | n/a | $( [ -n "$TCPLIFE" ] && echo "did not start: $(head -c 100 "$TMP/tcplife.err" | tr '\n|' '  ')" || echo "not installed") |"
else
	echo "| bcc tcplife | $L | $(pct "$B" "$L") |"
fi
echo
echo "pktlens --stats of the last round: $(tail -1 "$TMP/pktlens.stats" 2>/dev/null | sed 's/^pktlens: //')"
echo
echo "pktlens's reader: $(median <"$TMP/reader_us" 2>/dev/null) us of CPU per connection (median of the rounds; user and system time)"
echo
# prog_table FILE RATE: ns per run of each program in FILE (bpftool -j),
# and per connection of a storm at RATE for SECS
prog_table() {
	echo "| program | runs | ns per run | ns per connection |"
	echo "|---|---:|---:|---:|"
	jq -r --argjson conns "$(awk -v r="${2:-0}" -v s="$SECS" 'BEGIN { printf "%d", r * s }')" \
		'[.[] | select(.run_cnt > 0)] as $p |
		($p[] | "| \(.name) | \(.run_cnt) | \(.run_time_ns / .run_cnt | floor) | \(if $conns > 0 then (.run_time_ns / $conns | floor) else "n/a" end) |"),
		"| all | \([$p[].run_cnt] | add) | \(([$p[].run_time_ns] | add) / ([$p[].run_cnt] | add) | floor) | \(if $conns > 0 then (([$p[].run_time_ns] | add) / $conns | floor) else "n/a" end) |"' \
		"$1" 2>/dev/null || echo "| (no figures: the tracer did not start) | | | |"
}
echo "ns per hook run (kernel.bpf_stats_enabled; $( [ "$STATS_NOW" = 1 ] && echo "still on at the end" ||
	echo "turned off by something else meanwhile: the runs are partial"))"
echo
echo "pktlens tcp ($SR connections/s in that round):"
echo
prog_table "$TMP/pktlens_progs.json" "${SR:-0}"
echo
echo "pktlens agent, tcp: true ($SA connections/s in that round; counting in the kernel: the histogram and counter updates):"
echo
prog_table "$TMP/agent_progs.json" "${SA:-0}"
