#!/usr/bin/env bash
# Runs every pktlens test and ends with "N passed, N failed".
#
# Each suite prints one "PASS name" / "FAIL name" line per test; this script
# counts them. A suite that exits non-zero without printing a FAIL line
# counts as one failure, so nothing fails silently. Kernel suites need root
# and are never skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PKTLENS=$ROOT/build/pktlens
export PCAP_DIR=${PCAP_DIR:-$ROOT/../shared/pcaps}
LOG=$ROOT/build/test-logs
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
passed=0
failed=0

run_suite() {
	local name=$1
	shift
	local out=$LOG/$name.log rc p f
	echo "== $name"
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL) ' "$out"
	p=$(grep -cE '^PASS ' "$out")
	f=$(grep -cE '^FAIL ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name (exit $rc, no test reported the failure; see $out)"
		tail -20 "$out" | sed 's/^/    /'
		f=1
	elif [ "$f" -ne 0 ]; then
		echo "   (details in $out)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

if [ "$(id -u)" -ne 0 ]; then
	echo "tests: the kernel tests need root (BPF programs, namespaces); run: sudo make test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

mkdir -p "$LOG"
echo "== build"
if ! make -s all build/san/test_output build/san/test_parser build/san/test_filter build/parity bench-build >"$LOG/build.log" 2>&1; then
	cat "$LOG/build.log"
	echo "FAIL build"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "PASS build"
passed=1

# Nothing of an earlier, interrupted run may stay around.
bash scripts/lab.sh down >/dev/null 2>&1

run_suite unit-output build/san/test_output
run_suite unit-parser build/san/test_parser
run_suite unit-filter build/san/test_filter
run_suite golden python3 tests/golden/compare.py "$PKTLENS" "$PCAP_DIR" tests/golden/EXCEPTIONS
run_suite parity bash -c 'build/parity "$PCAP_DIR"/*.pcap "$PCAP_DIR"/*.pcapng'
run_suite filter bash tests/filter/run.sh
run_suite cli bash tests/cli/cli.sh
run_suite e2e bash tests/e2e/lab_e2e.sh
run_suite filter-live bash tests/e2e/filter_live.sh
run_suite tcp bash tests/e2e/tcp_e2e.sh
run_suite flows bash tests/e2e/flows_e2e.sh
run_suite top bash tests/e2e/top_tmux.sh
run_suite agent bash tests/e2e/agent_e2e.sh
run_suite agent-detect bash tests/e2e/agent_detect.sh
run_suite flows-scale bash tests/e2e/flows_scale.sh
# detect: kernel/host detector parity on crafted frames, then the lab
run_suite detect-parity bash -c 'make -s build/detect_parity &&
	/usr/bin/python3 tests/kernel/detect_frames.py "$0/detect_frames.pcap" >/dev/null &&
	build/detect_parity "$0/detect_frames.pcap"' "$LOG"
run_suite detect bash tests/e2e/detect_e2e.sh
run_suite fuzz bash tests/fuzz/run.sh "$FUZZ_SECONDS"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
