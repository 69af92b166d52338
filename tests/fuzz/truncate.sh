#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The truncation sweep of `pktlens read` (tests/fuzz/truncate.c) over every
# capture: ../shared/pcaps ($PCAP_DIR) and the project's own
# (tests/golden/pcaps).
#
#   tests/fuzz/truncate.sh [EVERY]     (default 1: every case)
#
# Prints the driver's "PASS truncate FILE: ..." / "FAIL truncate FILE: ..."
# line per capture (two drivers side by side, each on half the captures),
# then "truncate: N cases in S s"; exits non-zero on any
# failure or crash.
set -u
cd "$(dirname "$0")/../.." || exit 1
every=${1:-1}
build=${BUILD:-build}
if ! make -s -j2 "$build/san/truncate" BUILD="$build"; then
	echo "FAIL truncate: build failed"
	exit 1
fi
files=()
for dir in "${PCAP_DIR:-../shared/pcaps}" tests/golden/pcaps; do
	for f in "$dir"/*.pcap "$dir"/*.pcapng; do
		[ -f "$f" ] && files+=("$f")
	done
done
if [ "${#files[@]}" -eq 0 ]; then
	echo "FAIL truncate: no captures"
	exit 1
fi
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
# two processes, one per core: the captures in two runs of about the same
# cost (a case costs about a byte: the first 4 KB cut at every offset, each
# packet at every length), the first run's captures before the second's,
# so that their reports follow the captures' order
total=0
for f in "${files[@]}"; do
	sz=$(stat -c %s "$f")
	total=$((total + sz + (sz < 4096 ? sz : 4096)))
done
half=0 split=0
while [ "$split" -lt "${#files[@]}" ] && [ $((2 * half)) -lt "$total" ]; do
	sz=$(stat -c %s "${files[$split]}")
	half=$((half + sz + (sz < 4096 ? sz : 4096)))
	split=$((split + 1))
done
start=$(date +%s%N)
"$build/san/truncate" --every "$every" "${files[@]:0:split}" >"$build/truncate.1.out" &
pid=$!
rc=0
if [ "$split" -lt "${#files[@]}" ]; then
	"$build/san/truncate" --every "$every" "${files[@]:split}" >"$build/truncate.2.out" || rc=1
else
	: >"$build/truncate.2.out"
fi
wait "$pid" || rc=1
cat "$build/truncate.1.out" "$build/truncate.2.out" | tee "$build/truncate.out"
ms=$((($(date +%s%N) - start) / 1000000))
awk -v s="$ms" '/^PASS truncate/ { p += $4; c += $8; n++ }
	END { printf "truncate: %d captures, %d prefixes, %d packet cuts in %.1f s\n", n, p, c, s / 1000 }' \
	"$build/truncate.out"
exit "$rc"
