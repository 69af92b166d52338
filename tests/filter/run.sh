#!/usr/bin/env bash
# Filter tests: bad filters on the command line (exit status 2, message,
# column and caret), and the differential test against tcpdump plus the L7
# predicates (diff_tcpdump.py). The compiler/evaluator unit test is its own
# suite (unit-filter in tests/run.sh, make unit), so its PASS lines count once.
# Prints one "PASS name" / "FAIL name" line per test; exits 1 if any failed.
# SKIP_DIFF=1 leaves out the tcpdump differential (about 15 s).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
export PKTLENS PCAP_DIR
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

# bad_filter NAME REGEX COLUMN FILTER: `pktlens read` exits 2 and says
#   pktlens: bad filter: <text matching REGEX> (column COLUMN)
#     FILTER
#     <COLUMN - 1 spaces>^
bad_filter() {
	local name=$1 re=$2 col=$3 filter=$4 rc l1 l2 l3 want
	"$PKTLENS" read tests/golden/pcaps/crafted-mix.pcap "$filter" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	l1=$(sed -n 1p "$TMP/err")
	l2=$(sed -n 2p "$TMP/err")
	l3=$(sed -n 3p "$TMP/err")
	want=$(printf '  %*s^' "$((col - 1))" '')
	if [ "$rc" -ne 2 ]; then
		bad "bad-filter-$name: exit $rc, want 2 ('$filter')"
	elif ! [[ $l1 =~ ^pktlens:\ bad\ filter:\ .*$re.*\ \(column\ $col\)$ ]]; then
		bad "bad-filter-$name: message '$l1', want /$re/ at column $col"
	elif [ "$l2" != "  $filter" ] || [ "$l3" != "$want" ]; then
		bad "bad-filter-$name: the caret is not under column $col:"
		sed 's/^/    /' "$TMP/err"
	elif [ -s "$TMP/out" ]; then
		bad "bad-filter-$name: records on stdout"
	else
		ok "bad-filter-$name"
		return 0
	fi
	failed=1
}

# libpcap's reasons, the caret on the token they name (or, for a syntax
# error, on the first word after the longest part libpcap takes)
bad_filter syntax-error "syntax error" 9 'tcp and bogus 80'
bad_filter bad-address-ipv4 "invalid IPv4 address '10.0.0.256'" 10 'src host 10.0.0.256'
bad_filter bad-address-mac "bogus ethernet address" 12 'ether host aa:bb:cc'
bad_filter bad-address-net 'non-network bits set in "10.1.2.3/8"' 5 'net 10.1.2.3/8'
bad_filter bad-port "illegal port number 99999 > 65535" 22 'tcp port 80 and port 99999'
bad_filter mixed "illegal port number" 41 'host 1.2.3.4 and tls.sni == "x" or port 99999'
# pktlens's own
bad_filter unbalanced-open "unbalanced parenthesis: this '\(' is never closed" 9 'tcp and (port 80 or (port 443)'
bad_filter unbalanced-close "unbalanced parenthesis: no '\(' for this '\)'" 21 'tcp and port 80 or 8)'
bad_filter l7-field "unknown field 'tls.server'" 9 'tcp and tls.server == "a.test"'
bad_filter l7-operator 'http.host takes ==, != or ~ and a "string"' 11 'http.host < "a.test"'
bad_filter l7-value 'expected a number' 17 'dns.qry.type == "AAAA"'
long=$(for i in $(seq 1 65); do printf 'dns.id == %d or ' "$i"; done)
long=${long% or }
first=${long%%dns.id == 65*} # the caret points at the 65th test
bad_filter too-many-tests "more than 64 tests, more than the kernel form holds" $((${#first} + 1)) "$long"
pat=$(printf 'a%.0s' $(seq 1 64))
bad_filter pattern-too-long "pattern longer than 63 bytes" 12 "tls.sni == \"$pat\""
bad_filter pattern-star "'\*' may stand only at the start or the end of a pattern" 17 'dns.qry.name == "a*b"'

# every expression of tests/filter/expressions.txt: accepted or refused
# as Debian's libpcap does, for each link type
bash tests/filter/accept.sh || failed=1

# the differential reads the corpus of ../shared/pcaps
if [ -n "${SKIP_DIFF:-}" ]; then
	:
elif ! compgen -G "$PCAP_DIR/*.pcap*" >/dev/null; then
	skip filter-diff "no captures in $PCAP_DIR"
else
	python3 tests/filter/diff_tcpdump.py --pktlens "$PKTLENS" --pcap-dir "$PCAP_DIR" || failed=1
fi
exit "$failed"
