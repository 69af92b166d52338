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
# one link type: its PASS/FAIL line (and the differences under a FAIL)
# in $TMP/NAME.out; the messages are read with builtins, not a process
# each, as there are two runs a line already
check_linktype() {
	local dlt=$1 name=$2 dir=$TMP/$2 acc=0 ref=0 bad=() e td pl tderr plerr
	mkdir -p "$dir"
	empty_pcap "$dlt" >"$dir/empty.pcap"
	for e in "${exprs[@]}"; do
		tcpdump -r "$dir/empty.pcap" -d -- "$e" >/dev/null 2>"$dir/td.err"
		td=$?
		mapfile -t tderr <"$dir/td.err"
		# libpcap's optimizer refuses what it proves never true; pktlens
		# takes it and matches nothing (README, Filters)
		[[ "${tderr[*]}" == *"expression rejects all packets"* ]] && td=0
		"$PKTLENS" read "$dir/empty.pcap" -- "$e" >"$dir/out" 2>"$dir/err"
		pl=$?
		mapfile -t plerr <"$dir/err"
		if [ "$td" -eq 0 ] && [ "$pl" -eq 0 ]; then
			acc=$((acc + 1))
		elif [ "$td" -ne 0 ] && [ "$pl" -eq 2 ] && [ "${#plerr[@]}" -eq 3 ] &&
			[[ ${plerr[0]} =~ ^pktlens:\ bad\ filter:\ .*\ \(column\ [0-9]*\)$ ]] &&
			[[ ${plerr[2]} =~ ^\ *\^$ ]]; then
			ref=$((ref + 1))
		else
			bad+=("'$e': tcpdump exit $td, pktlens exit $pl: ${plerr[0]:-}")
		fi
	done
	if [ "${#bad[@]}" -eq 0 ] && [ "$acc" -gt 0 ] && [ "$ref" -gt 0 ]; then
		echo "PASS filter-accept-$name (${#exprs[@]} expressions: $acc accepted, $ref refused, as libpcap does)"
	else
		echo "FAIL filter-accept-$name (${#bad[@]} differ from libpcap; $acc accepted, $ref refused)"
		printf '    %s\n' "${bad[@]:0:10}"
		return 1
	fi
}

# the link types side by side (each is two short processes an expression)
pids=()
for lt in 1:ethernet 113:linux-sll 276:linux-sll2; do
	check_linktype "${lt%%:*}" "${lt#*:}" >"$TMP/${lt#*:}.out" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || failed=1
done
for lt in ethernet linux-sll linux-sll2; do
	cat "$TMP/$lt.out"
done
exit "$failed"
