#!/usr/bin/env bash
# Accept/reject: every expression of tests/filter/expressions.txt is
# compiled by `pktlens read` and by tcpdump -d (Debian's libpcap) on an
# empty capture of each link type pktlens reads; both accept it or both
# refuse it, and pktlens refuses with one message line and a caret. (What
# libpcap's optimizer proves never true, tcpdump refuses and pktlens
# takes, matching nothing: counted as accepted by both.)
# Prints one PASS/FAIL line per link type; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
PKTLENS=${PKTLENS:-$PWD/build/pktlens}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

# an empty pcap file (a file header, no packets) of link type $1
empty_pcap() {
	python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, int(sys.argv[1])))' "$1"
}

mapfile -t exprs < <(grep -v '^#' tests/filter/expressions.txt | grep -v '^$')
if [ "${#exprs[@]}" -lt 300 ]; then
	echo "FAIL filter-accept: only ${#exprs[@]} expressions in tests/filter/expressions.txt"
	exit 1
fi
for lt in 1:ethernet 113:linux-sll 276:linux-sll2; do
	dlt=${lt%%:*} name=${lt#*:}
	empty_pcap "$dlt" >"$TMP/empty.pcap"
	acc=0 ref=0 bad=()
	for e in "${exprs[@]}"; do
		tcpdump -r "$TMP/empty.pcap" -d -- "$e" >/dev/null 2>"$TMP/td.err"
		td=$?
		# libpcap's optimizer refuses what it proves never true; pktlens
		# takes it and matches nothing (README, Filters)
		grep -q "expression rejects all packets" "$TMP/td.err" && td=0
		"$PKTLENS" read "$TMP/empty.pcap" -- "$e" >"$TMP/out" 2>"$TMP/err"
		pl=$?
		if [ "$td" -eq 0 ] && [ "$pl" -eq 0 ]; then
			acc=$((acc + 1))
		elif [ "$td" -ne 0 ] && [ "$pl" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 3 ] &&
			grep -q '^pktlens: bad filter: .* (column [0-9]*)$' "$TMP/err" &&
			grep -q '^ *\^$' "$TMP/err"; then
			ref=$((ref + 1))
		else
			bad+=("'$e': tcpdump exit $td, pktlens exit $pl: $(head -1 "$TMP/err")")
		fi
	done
	if [ "${#bad[@]}" -eq 0 ] && [ "$acc" -gt 0 ] && [ "$ref" -gt 0 ]; then
		echo "PASS filter-accept-$name (${#exprs[@]} expressions: $acc accepted, $ref refused, as libpcap does)"
	else
		echo "FAIL filter-accept-$name (${#bad[@]} differ from libpcap; $acc accepted, $ref refused)"
		printf '    %s\n' "${bad[@]:0:10}"
		failed=1
	fi
done
exit "$failed"
