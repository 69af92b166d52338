#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Fuzzes the packet parser and the record formatter for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS]     (default 60)
#
# Builds build/fuzz_parser (make fuzz), seeds build/fuzz-corpus from
# ../shared/pcaps and tests/golden/pcaps, runs libFuzzer with
# -max_len=4096 -timeout=5 and prints
# "PASS fuzz_parser (N runs)" or "FAIL fuzz_parser"; exits non-zero on a
# crash, leaving the crashing input as build/fuzz-crash-* and the log as
# build/fuzz_parser.log.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

secs=${1:-60}
build=${BUILD:-build}
corpus=$build/fuzz-corpus
log=$build/fuzz_parser.log

if ! make -s fuzz BUILD="$build"; then
	bad "fuzz_parser: build failed"
	exit 1
fi
mkdir -p "$corpus"
# seeds: the frames of ../shared/pcaps ($PCAP_DIR) and of the captures the
# project makes (tests/golden/pcaps), so a fresh clone fuzzes too
seeded=0
for dir in "$PCAP_DIR" tests/golden/pcaps; do
	compgen -G "$dir/*.pcap*" >/dev/null || continue
	python3 tests/fuzz/make_seeds.py "$corpus" "$dir" && seeded=1
done
if [ "$seeded" -eq 0 ]; then
	bad "fuzz_parser: no seeds"
	exit 1
fi

# make fuzz builds UBSan recoverable: make any report fatal.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
"$build/fuzz_parser" -max_total_time="$secs" -max_len=4096 -timeout=5 \
	-print_final_stats=1 -artifact_prefix="$build/fuzz-crash-" \
	"$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)

if [ "$rc" -eq 0 ] && ! grep -q 'runtime error' "$log"; then
	ok "fuzz_parser (${runs:-?} runs)"
	exit 0
fi
tail -n 40 "$log"
bad "fuzz_parser (exit $rc; log $log)"
exit 1
