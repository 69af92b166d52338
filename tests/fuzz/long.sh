#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# One long libFuzzer run of a target, for the figures in docs/fuzzing.md.
#
#   tests/fuzz/long.sh TARGET [RUNS]     (default 10000000)
#
# TARGET is parser, filter, read, config or detect. Runs build/fuzz_TARGET
# in one process (no -jobs) on a working corpus build/fuzz-long/TARGET/
# grown from the seeds (tests/fuzz/corpus/TARGET/; the parser's from the captures, as
# run.sh seeds it), and prints the line docs/fuzzing.md keeps:
#   | fuzz_TARGET | RUNS | SECONDS s | DATE | no crash / CRASH: FILE |
# A crashing input is left as build/fuzz-long/TARGET-crash-*; the log is
# build/fuzz-long/TARGET.log.
set -u
cd "$(dirname "$0")/../.." || exit 1
t=${1:?usage: tests/fuzz/long.sh TARGET [RUNS]}
runs=${2:-10000000}
build=${BUILD:-build}
dir=$build/fuzz-long
corpus=$dir/$t
make -s fuzz BUILD="$build" || exit 1
mkdir -p "$corpus"
if [ "$t" = parser ]; then
	for d in "${PCAP_DIR:-../shared/pcaps}" tests/golden/pcaps; do
		compgen -G "$d/*.pcap*" >/dev/null && python3 tests/fuzz/make_seeds.py "$corpus" "$d"
	done
	seeds=
else
	seeds=tests/fuzz/corpus/$t
fi
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
start=$(date +%s)
# shellcheck disable=SC2086
"$build/fuzz_$t" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$dir/$t-crash-" \
	"$corpus" $seeds >"$dir/$t.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log" | tail -n 1)
if [ "$rc" -eq 0 ]; then
	result="no crash"
else
	result="CRASH (exit $rc): $(ls "$dir/$t"-crash-* 2>/dev/null | head -n 1)"
fi
echo "| fuzz_$t | ${done_runs:-?} | $secs s | $(date -u +%Y-%m-%d) | $result |"
[ "$rc" -eq 0 ]
