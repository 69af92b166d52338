#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs each libFuzzer target for a bounded time (make test's slice; the
# long runs are tests/fuzz/long.sh, figures in docs/fuzzing.md).
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]   (default 25 s each, every target)
#
# Targets: parser (the packet parser and the record formatter), filter
# (the filter compiler and the host matcher), read (libpcap's readers and
# read's loop), config (the agent's YAML), detect (the host detectors),
# quic (QUIC Initials sealed with their keys, so the decryptor opens them).
# Builds them (make fuzz). The parser's seeds are the frames of
# ../shared/pcaps and tests/golden/pcaps (written into its working corpus);
# the others' are tests/fuzz/corpus/TARGET/, which libFuzzer runs first,
# regression inputs included. Each run has -max_len=4096 -timeout=5 and
# prints "PASS fuzz_TARGET (N runs)" or "FAIL fuzz_TARGET", two targets at
# a time (FUZZ_JOBS) and their lines in target order; a crash leaves
# its input as build/fuzz-crash-TARGET-* and the log as
# build/fuzz_TARGET.log. Exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=${1:-25}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser filter read config detect quic)
build=${BUILD:-build}

if ! make -s -j2 fuzz BUILD="$build"; then
	echo "FAIL fuzz: build failed"
	exit 1
fi

# make fuzz builds UBSan recoverable: make any report fatal.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
# one target: its PASS/FAIL line (after the log's tail on a failure) on
# stdout; exit 1 on a failure
run_target() {
	local t=$1 corpus=$build/fuzz-corpus/$1 log=$build/fuzz_$1.log seeds=tests/fuzz/corpus/$1 dir frc runs
	mkdir -p "$corpus"
	if [ "$t" = parser ]; then
		seeds=
		for dir in "${PCAP_DIR:-../shared/pcaps}" tests/golden/pcaps; do
			compgen -G "$dir/*.pcap*" >/dev/null || continue
			python3 tests/fuzz/make_seeds.py "$corpus" "$dir"
		done
	fi
	if [ -z "$(ls -A "$corpus" ${seeds:+"$seeds"} 2>/dev/null)" ]; then
		echo "FAIL fuzz_$t: no seeds"
		return 1
	fi
	# -close_fd_mask=2: the targets' own messages (bad filters, bad
	# files) go nowhere; libFuzzer's and the sanitizers' still reach the log
	# shellcheck disable=SC2086
	"$build/fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=5 -close_fd_mask=2 \
		-print_final_stats=1 -artifact_prefix="$build/fuzz-crash-$t-" \
		"$corpus" $seeds >"$log" 2>&1
	frc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$frc" -eq 0 ] && ! grep -q 'runtime error' "$log"; then
		echo "PASS fuzz_$t (${runs:-?} runs)"
		return 0
	fi
	tail -n 40 "$log"
	echo "FAIL fuzz_$t (exit $frc; log $log)"
	return 1
}

# FUZZ_JOBS targets at a time (default 2, the machine's cores; each
# target is one process on one core for SECONDS), their lines in order
jobs=${FUZZ_JOBS:-2}
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	rm -f "$build/fuzz_$t.rc"
	{
		run_target "$t" >"$build/fuzz_$t.out"
		echo $? >"$build/fuzz_$t.rc"
	} &
done
wait
rc=0
for t in "${targets[@]}"; do
	cat "$build/fuzz_$t.out"
	[ "$(cat "$build/fuzz_$t.rc" 2>/dev/null)" = 0 ] || rc=1
done
exit $rc
