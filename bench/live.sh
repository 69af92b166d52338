#!/usr/bin/env bash
# The live part of `make bench`, run by bench/run.sh: the lab's veth pair
# (pl-client/plc0 -> pl-server/pls0) under bounded floods of 64-byte frames
# from trafgen, with nothing attached to pls0 and then with each capture
# tool, one after another; ROUNDS rounds, medians. Markdown on stdout,
# progress on stderr.
#
#   bench/live.sh PKTLENS XDP_PASS_OBJ
#
# Touches only the lab's namespaces: it brings the lab up when it is down
# (and down again at the end), waits while anything else runs in it, and
# stops when the lab changes under it. PL_LAB_CLIENT, PL_LAB_SERVER and
# PL_LAB_RUN (see scripts/lab.sh) select a private lab instead, e.g. to
# measure while tests use the usual one. Figures, not pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."

PKTLENS=$(realpath "${1:-build/pktlens}")
XDP_PASS_OBJ=$(realpath "${2:-build/xdp_pass.bpf.o}")
SECONDS_PER_FLOOD=${BENCH_FLOOD_SECONDS:-2}
MAX_FRAMES=10000000 # a flood stops at this many frames even if time is left
ROUNDS=3
LAB="bash scripts/lab.sh"
NS_CLI=${PL_LAB_CLIENT:-pl-client}
NS_SRV=${PL_LAB_SERVER:-pl-server}
# The flood cycles UDP source ports 10000-10099: this matches 1 frame in 100.
FILTER_1PCT='udp src port 10000'

TMP=$(mktemp -d /tmp/pktlens-live.XXXXXX)
TOOL_PID=
LAB_OURS=0

log() { echo "bench: $*" >&2; }

cleanup() {
	stop_tool
	ip -n "$NS_SRV" link set dev pls0 xdp off 2>/dev/null || true
	[ "$LAB_OURS" = 1 ] && $LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

srv() { ip netns exec "$NS_SRV" "$@"; }
rx_packets() { srv cat /sys/class/net/pls0/statistics/rx_packets; }

# What else uses the lab: processes in its namespaces other than its own
# servers, and programs on pls0. Prints nothing when the lab is free.
lab_users() {
	local ns p cmd
	for ns in "$NS_SRV" "$NS_CLI"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
			case $cmd in
			dnsmasq* | *http.server* | *s_server*) ;;
			*) echo "pid $p in $ns: ${cmd:0:60}" ;;
			esac
		done
	done
	ip -n "$NS_SRV" link show pls0 2>/dev/null | grep -o 'prog/xdp id [0-9]*' || true
	if [ -n "$(tc -n "$NS_SRV" filter show dev pls0 ingress 2>/dev/null)" ]; then
		echo "a tc filter on pls0"
	fi
}

# Identity of the lab: changes when something tears it down or rebuilds it.
lab_identity() {
	echo "$(stat -c %i "/run/netns/$NS_SRV" 2>/dev/null) $(srv cat /sys/class/net/pls0/ifindex 2>/dev/null)"
}

# not_measured REASON: the section says why there are no figures; exit 0
# (the rest of the benchmark stands).
not_measured() {
	log "live: $1"
	echo "Not measured in this run: $1."
	exit 0
}

# ---- the lab ----
if ! ip netns list | awk '{ print $1 }' | grep -qx -- "$NS_SRV"; then
	LAB_OURS=1
	$LAB up >"$TMP/lab.log" 2>&1 || not_measured "the lab did not come up: $(tail -1 "$TMP/lab.log")"
	[ -e "/run/netns/$NS_SRV" ] || not_measured "scripts/lab.sh did not create the namespace $NS_SRV"
fi
for i in $(seq 60); do
	users=$(lab_users)
	[ -z "$users" ] && break
	[ "$i" -eq 1 ] && log "live: the lab is in use; waiting up to 2 minutes: $users"
	sleep 2
done
[ -z "$users" ] || not_measured "the lab was in use by something else ($(echo "$users" | head -1))"
LAB_ID=$(lab_identity)

# 60-byte frames (64 on the wire with the FCS): Ethernet, IPv4, UDP to the
# discard port, 18 bytes of payload.
cat >"$TMP/flood.cfg" <<EOF
{ eth(da=$(srv cat /sys/class/net/pls0/address), sa=$(ip netns exec "$NS_CLI" cat /sys/class/net/plc0/address)),
  ipv4(saddr=198.18.0.2, daddr=198.18.0.1, ttl=64),
  udp(sp=dinc(10000, 10099), dp=9), fill(0x41, 18) }
EOF

# flood: trafgen in the client namespace for SECONDS_PER_FLOOD seconds, one
# process (on CPU 0). -b selects trafgen's sendto() path, which waits when
# the socket's buffer is full; its TX_RING path gives up with EAGAIN as soon
# as an XDP program is on pls0 (veth then holds frames in a ring for its
# NAPI poll). The rate given is far above what the veth takes, so it limits
# nothing. Prints "SECONDS FRAMES_SENT FRAMES_RECEIVED_AT_PLS0".
flood() {
	local rx0 rx1 rc=0 out
	rx0=$(rx_packets)
	ip netns exec "$NS_CLI" timeout -s INT "$SECONDS_PER_FLOOD" trafgen --dev plc0 \
		--conf "$TMP/flood.cfg" -n "$MAX_FRAMES" -P 1 -b 100000000pps --no-sock-mem -Q \
		>"$TMP/trafgen.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
		log "live: trafgen failed: $(tail -2 "$TMP/trafgen.log" | tr '\n' ' ')"
		return 1
	fi
	sleep 0.3 # frames still in veth's ring
	rx1=$(rx_packets)
	# trafgen's own timing of its send loop: "\r  2 sec, 4242 usec on CPU0 (N packets)"
	out=$(tr -d '\r' <"$TMP/trafgen.log" | awk -v rx=$((rx1 - rx0)) '/ sec, .* usec on CPU/ {
		printf "%.6f %d %d\n", $1 + $3 / 1e6, substr($7, 2), rx }')
	if [ -z "$out" ]; then
		log "live: no timing in trafgen's output: $(tail -2 "$TMP/trafgen.log" | tr '\r\n' '  ')"
		return 1
	fi
	echo "$out"
}

# start_tool READY CMD...: runs CMD in the server namespace in the
# background, stderr to $TMP/tool.err, and waits (up to 10 s) until stderr
# shows READY.
start_tool() {
	local ready=$1 i
	shift
	: >"$TMP/tool.err"
	# not through srv(): $! must be the tool itself (ip netns exec execs it)
	ip netns exec "$NS_SRV" "$@" >"${TOOL_OUT:-/dev/null}" 2>"$TMP/tool.err" &
	TOOL_PID=$!
	for i in $(seq 100); do
		grep -q -- "$ready" "$TMP/tool.err" && return 0
		kill -0 "$TOOL_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "live: '$*' did not start: $(tail -2 "$TMP/tool.err" | tr '\n' ' ')"
	stop_tool
	return 1
}

# stop_tool: SIGINT (each tool then prints its summary), SIGKILL after 10 s.
stop_tool() {
	local i
	[ -n "$TOOL_PID" ] || return 0
	kill -INT "$TOOL_PID" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$TOOL_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TOOL_PID" 2>/dev/null || true
	wait "$TOOL_PID" 2>/dev/null || true
	TOOL_PID=
}

# What each tool says it delivered to user space and lost, from its summary:
# "CAPTURED LOST".
summary_pktlens() {
	sed -nE 's/.* ([0-9]+) emitted, ([0-9]+) lost in the ring buffer.*/\1 \2/p' "$TMP/tool.err" | tail -1
}
summary_tcpdump() {
	awk '/packets captured/ { c = $1 } /packets dropped by kernel/ { d = $1 }
		END { if (c != "") print c, d }' "$TMP/tool.err"
}
summary_xdpdump() {
	awk '/packets captured/ { c = $1 } /packets dropped by perf ring/ { d = $1 }
		END { if (c != "") print c, d }' "$TMP/tool.err"
}

# record NAME ROUND FIGURES...: one line of $TMP/results, "NAME ROUND
# SECONDS SENT RECEIVED CAPTURED LOST" ("-" where it does not apply, "fail"
# when the scenario could not run); also on stderr.
record() {
	echo "$*" >>"$TMP/results"
	log "live: $*"
}

# scenario: a flood with a capture tool on pls0.
scenario() { # NAME ROUND READY SUMMARY CMD...
	local name=$1 round=$2 ready=$3 summary=$4 f s
	shift 4
	start_tool "$ready" "$@" || { record "$name" "$round" fail; return 0; }
	f=$(flood) || { stop_tool; record "$name" "$round" fail; return 0; }
	sleep 0.7 # the tool drains what it has queued
	stop_tool
	s=$("summary_$summary")
	[ "$name" = pktlens ] && grep -m1 'watching pls0 with' "$TMP/tool.err" >"$TMP/auto_mode"
	record "$name" "$round" "$f" "${s:-- -}"
}

run_round() {
	local r=$1 f
	f=$(flood) || return 1
	record none "$r" "$f" - -

	if srv ip link set dev pls0 xdp obj "$XDP_PASS_OBJ" sec xdp 2>"$TMP/ip.err"; then
		f=$(flood) || f=
		srv ip link set dev pls0 xdp off
		[ -n "$f" ] || return 1
		record xdp_pass "$r" "$f" - -
	else
		log "live: cannot attach $XDP_PASS_OBJ: $(head -1 "$TMP/ip.err")"
		record xdp_pass "$r" fail
	fi

	# the TC hook's own cost: a bare program on clsact (bpftool 7.1 cannot
	# attach tcx; the hook runs the same way)
	if srv tc qdisc add dev pls0 clsact 2>"$TMP/tc.err" &&
		srv tc filter add dev pls0 ingress bpf da obj "$XDP_PASS_OBJ" sec tc 2>>"$TMP/tc.err"; then
		f=$(flood) || f=
		srv tc qdisc del dev pls0 clsact
		[ -n "$f" ] || return 1
		record tc_pass "$r" "$f" - -
	else
		srv tc qdisc del dev pls0 clsact 2>/dev/null || true
		log "live: cannot attach $XDP_PASS_OBJ at TC: $(head -1 "$TMP/tc.err")"
		record tc_pass "$r" fail
	fi

	scenario pktlens "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 -w /dev/null --stats --duration 120
	scenario pktlens_xdp "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 --mode xdp -w /dev/null --stats --duration 120
	TOOL_OUT=$TMP/records.json scenario pktlens_json "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 --json --stats --duration 120
	scenario tcpdump "$r" "listening on pls0" tcpdump \
		tcpdump -i pls0 -nn -Q in -w /dev/null
	scenario xdpdump "$r" "listening on pls0" xdpdump \
		xdpdump -i pls0 -w /dev/null --load-xdp-program
	scenario pktlens_1pct "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 -w /dev/null --stats --duration 120 "$FILTER_1PCT"
	scenario pktlens_1pct_xdp "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 --mode xdp -w /dev/null --stats --duration 120 "$FILTER_1PCT"
	scenario pktlens_1pct_tc "$r" "watching pls0" pktlens \
		"$PKTLENS" watch -i pls0 --mode tc -w /dev/null --stats --duration 120 "$FILTER_1PCT"
}

START=$(date +%s)
for r in $(seq "$ROUNDS"); do
	log "live: round $r of $ROUNDS"
	run_round "$r" || not_measured "a flood failed (see above)"
	[ "$(lab_identity)" = "$LAB_ID" ] ||
		not_measured "the lab was torn down or rebuilt by something else during the run"
	users=$(lab_users)
	[ -z "$users" ] ||
		not_measured "something else started using the lab during the run ($(echo "$users" | head -1))"
done
ELAPSED=$(($(date +%s) - START))

# ---- the table: per scenario, the median of each column over the rounds ----
python3 - "$TMP/results" "$ROUNDS" "$SECONDS_PER_FLOOD" "$ELAPSED" "$FILTER_1PCT" \
	"$NS_CLI" "$NS_SRV" "$(sed 's/^pktlens: //' "$TMP/auto_mode" 2>/dev/null)" <<'EOF'
import statistics, sys

path, rounds, secs, elapsed, filt, ns_cli, ns_srv, auto_line = sys.argv[1:9]
rows = {}
for line in open(path):
    f = line.split()
    rows.setdefault(f[0], []).append(f[2:] if f[2] != "fail" else None)

LABELS = [
    ("none", "nothing attached"),
    ("xdp_pass", "a bare XDP_PASS program (`ip link set pls0 xdp`)"),
    ("tc_pass", "a bare TC program (`tc filter add ... ingress bpf da`)"),
    ("pktlens", "`pktlens watch -w /dev/null` (everything, auto mode)"),
    ("pktlens_xdp", "`pktlens watch --mode xdp -w /dev/null` (everything)"),
    ("pktlens_json", "`pktlens watch --json > file` (everything, records only)"),
    ("tcpdump", "`tcpdump -Q in -w /dev/null`"),
    ("xdpdump", "`xdpdump --load-xdp-program -w /dev/null`"),
    ("pktlens_1pct", f"`pktlens watch -w /dev/null '{filt}'` (1%, auto mode)"),
    ("pktlens_1pct_xdp", f"`pktlens watch --mode xdp -w /dev/null '{filt}'` (1%)"),
    ("pktlens_1pct_tc", f"`pktlens watch --mode tc -w /dev/null '{filt}'` (1%)"),
]

def med(runs, i):
    vals = [float(r[i]) for r in runs if r[i] != "-"]
    return statistics.median(vals) if vals else None

fig = {}
for key, _ in LABELS:
    runs = [r for r in rows.get(key, []) if r]
    if not runs:
        continue
    # r: seconds, sent, received at pls0, captured, lost
    caps = [float(r[3]) / float(r[0]) for r in runs if r[3] != "-"]
    rx = [float(r[2]) / float(r[0]) for r in runs]
    fig[key] = {
        "rx": statistics.median(rx),
        "rx_range": (min(rx), max(rx)),
        "cap": statistics.median(caps) if caps else None,
        "captured": med(runs, 3),
        "lost": med(runs, 4),
        "n": len(runs),
    }

base = fig.get("none", {}).get("rx")
print(f"{ns_cli}/plc0 -> {ns_srv}/pls0; floods of {secs} s each, {rounds} rounds, each row "
      f"the median over the rounds; the live part took {elapsed} s.\n")
print("| attached to pls0 | receiver, kpackets/s (lowest-highest) | vs nothing attached "
      "| to user space, kpackets/s | captured (per flood) | lost / dropped (tool's count) |")
print("|---|---:|---:|---:|---:|---:|")
for key, label in LABELS:
    if key not in fig:
        print(f"| {label} | did not run | | | | |")
        continue
    f = fig[key]
    ratio = f"{f['rx'] / base:.2f}" if base else "-"
    cap = f"{f['cap'] / 1e3:.1f}" if f["cap"] is not None else "-"
    captured = f"{f['captured']:.0f}" if f["captured"] is not None else "-"
    lost = f"{f['lost']:.0f}" if f["lost"] is not None else "-"
    note = "" if f["n"] == int(rounds) else f" ({f['n']} of {rounds} rounds)"
    lo, hi = f["rx_range"]
    print(f"| {label}{note} | {f['rx'] / 1e3:.1f} ({lo / 1e3:.0f}-{hi / 1e3:.0f}) | {ratio} "
          f"| {cap} | {captured} | {lost} |")
print()

def goal(text, ok, detail):
    print(f"- Goal: {text}: **{'met' if ok else 'not met'}**; {detail}.")

def keeps(key):
    return fig[key]["rx"] / base if base and key in fig else None

if auto_line:
    print(f"- Auto mode said: `{auto_line}`.")
if keeps("pktlens_1pct") is not None:
    extra = "".join(f"; {label} keeps {keeps(k):.2f}" for k, label in
                    (("pktlens_1pct_xdp", "--mode xdp"), ("pktlens_1pct_tc", "--mode tc"),
                     ("xdp_pass", "a bare XDP_PASS program"),
                     ("tc_pass", "a bare TC program")) if keeps(k) is not None)
    goal("with a 1% filter in auto mode, the receiver keeps >= 0.95x its rate with nothing attached",
         keeps("pktlens_1pct") >= 0.95, f"it keeps {keeps('pktlens_1pct'):.2f}{extra}")
if keeps("pktlens") is not None and fig["pktlens"]["cap"] is not None:
    lost = fig["pktlens"]["lost"] or 0
    tcpd = fig.get("tcpdump", {}).get("cap")
    vs = f"; {fig['pktlens']['cap'] / tcpd:.2f}x tcpdump's packets/s to user space" if tcpd else ""
    goal("capturing everything in auto mode, the receiver keeps >= 0.95x its rate and nothing is lost",
         keeps("pktlens") >= 0.95 and lost == 0,
         f"it keeps {keeps('pktlens'):.2f}, {lost:.0f} lost (median per flood){vs}")
    others = [(k, fig[k]["cap"]) for k in ("tcpdump", "xdpdump")
              if k in fig and fig[k]["cap"] is not None]
    if others:
        ok = all(fig["pktlens"]["cap"] >= c for _, c in others)
        goal("with everything captured, pktlens delivers at least as much as tcpdump and xdpdump",
             ok, f"pktlens {fig['pktlens']['cap'] / 1e3:.1f} kpackets/s to user space, " +
             ", ".join(f"{k} {c / 1e3:.1f}" for k, c in others))
if "pktlens_json" in fig and fig["pktlens_json"]["cap"] and fig.get("tcpdump", {}).get("cap"):
    j, t = fig["pktlens_json"]["cap"], fig["tcpdump"]["cap"]
    goal("`--json` to a file delivers at least tcpdump's `-w` rate", j >= t,
         f"pktlens --json {j / 1e3:.1f} kpackets/s, tcpdump -w {t / 1e3:.1f} ({j / t:.2f}x), "
         f"{fig['pktlens_json']['lost'] or 0:.0f} lost")
EOF
