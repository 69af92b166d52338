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
# prints "PASS fuzz_TARGET (N runs)" or "FAIL fuzz_TARGET"; a crash leaves
# its input as build/fuzz-crash-TARGET-* and the log as
# build/fuzz_TARGET.log. Exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1

secs=${1:-25}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser filter read config detect quic)
build=${BUILD:-build}

if ! make -s fuzz BUILD="$build"; then
	echo "FAIL fuzz: build failed"
	exit 1
fi

# make fuzz builds UBSan recoverable: make any report fatal.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
rc=0
for t in "${targets[@]}"; do
	corpus=$build/fuzz-corpus/$t
	log=$build/fuzz_$t.log
	mkdir -p "$corpus"
	seeds=tests/fuzz/corpus/$t
	if [ "$t" = parser ]; then
		seeds=
		for dir in "${PCAP_DIR:-../shared/pcaps}" tests/golden/pcaps; do
			compgen -G "$dir/*.pcap*" >/dev/null || continue
			python3 tests/fuzz/make_seeds.py "$corpus" "$dir"
		done
	fi
	if [ -z "$(ls -A "$corpus" ${seeds:+"$seeds"} 2>/dev/null)" ]; then
		echo "FAIL fuzz_$t: no seeds"
		rc=1
		continue
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
		continue
	fi
	tail -n 40 "$log"
	echo "FAIL fuzz_$t (exit $frc; log $log)"
	rc=1
done
exit $rc
