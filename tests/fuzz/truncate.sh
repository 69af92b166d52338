#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The truncation sweep of `pktlens read` (tests/fuzz/truncate.c) over every
# capture: ../shared/pcaps ($PCAP_DIR) and the project's own
# (tests/golden/pcaps).
#
#   tests/fuzz/truncate.sh [EVERY]     (default 1: every case)
#
# Prints the driver's "PASS truncate FILE: ..." / "FAIL truncate FILE: ..."
# line per capture, then "truncate: N cases in S s"; exits non-zero on any
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
start=$(date +%s%N)
"$build/san/truncate" --every "$every" "${files[@]}" | tee "$build/truncate.out"
rc=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - start) / 1000000))
awk -v s="$ms" '/^PASS truncate/ { p += $4; c += $8; n++ }
	END { printf "truncate: %d captures, %d prefixes, %d packet cuts in %.1f s\n", n, p, c, s / 1000 }' \
	"$build/truncate.out"
exit "$rc"
