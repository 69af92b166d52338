#!/usr/bin/env bash
# Runs the pktlens tests and ends with one line "N passed, N failed, N skipped".
#
#   tests/run.sh               every suite (make test)
#   tests/run.sh NAME...       the named suites alone (make test T=NAME);
#                              filter_live and filter-live are the same name
#   tests/run.sh --host        the host-only suites, no root needed (make check)
#   tests/run.sh --list        the suites, one a line: name, kind, needs
#
# Each suite prints one "PASS name" / "FAIL name" (or "SKIP name (why)") line
# per test; this script counts them. A suite that exits non-zero without
# printing a FAIL line counts as one failure, so nothing fails silently.
#
# Host suites (unit, golden, filter, fuzz, truncate) need no root; one whose tool or
# captures are missing prints "SKIP name (why)". Kernel suites (BPF
# programs, namespaces, the lab) need root: as root they always run and are
# never skipped; without root each prints "SKIP name (needs root)".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PKTLENS=$ROOT/build/pktlens
export PCAP_DIR=${PCAP_DIR:-$ROOT/../shared/pcaps}
LOG=$ROOT/build/test-logs
FUZZ_SECONDS=${FUZZ_SECONDS:-10} # each fuzz target; FUZZ_SECONDS=N for a longer run
passed=0
failed=0
skipped=0

# name kind needs (comma-separated commands; "captures": $PCAP_DIR holds
# captures; "lab": the suite brings up the lab of scripts/lab.sh). The
# order is the order of a full run.
SUITES="
unit-output    host   -
unit-json      host   -
unit-parser    host   -
unit-filter    host   -
unit-htab      host   -
unit-hist      host   -
unit-community-id host -
unit-quic      host   -
unit-privacy   host   -
privacy-host   host   tshark
unit-cgroup    host   -
unit-procterms host   -
golden         host   tshark,captures
golden-own     host   tshark
golden-list    host   -
golden-flows   host   tshark
parity         kernel -
attr-check     kernel -
filter         host   tcpdump
cli            kernel -
completion     host   -
e2e            kernel lab
filter-live    kernel lab
tunnels        kernel lab
quic           kernel  lab
tcp            kernel lab
flows          kernel lab
top            kernel lab
agent          kernel lab
agent-detect   kernel lab
agent-tcp      kernel lab,prometheus,promtool
kafka          kernel lab
dns            kernel lab
flows-scale    kernel lab
detect-parity  kernel -
detect         kernel lab
privacy        kernel lab
attribute      kernel lab
hardening      kernel -
ifaces         kernel tshark
deb            kernel dpkg-deb
tun            kernel tshark
fuzz           host   -
truncate       host   -
"

# The command of each suite.
suite_cmd() {
	case $1 in
	unit-output) build/san/test_output ;;
	unit-json) build/san/test_json ;;
	unit-parser) build/san/test_parser ;;
	unit-filter) build/san/test_filter ;;
	unit-htab) build/san/test_htab ;;
	unit-hist) build/san/test_hist ;;
	unit-community-id) build/san/test_community_id ;;
	unit-quic) build/san/test_quic ;;
	unit-privacy) build/san/test_privacy ;;
	# --anonymize, --redact, --no-payload through read, against tshark, on
	# frames made here (tests/privacy/mkframes.py), the project's captures
	# and a few of the corpus
	privacy-host) /usr/bin/python3 tests/privacy/mkframes.py "$LOG/privacy.pcap" &&
		python3 tests/privacy/host.py "$PKTLENS" "$LOG" "$LOG/privacy.pcap" tests/golden/pcaps/*.pcap \
		$(printf "$PCAP_DIR/%s " icmpv6.pcap ipv6-routing-header.pcap pktlens-crafted-edge-cases.pcap \
		pktlens-lab-real-clients.pcap 802.1ad_QinQ.pcap dns_tcp_8053.pcap) ;;
	unit-cgroup) build/san/test_cgroup ;;
	unit-procterms) build/san/test_procterms ;;
	golden) python3 tests/golden/compare.py "$PKTLENS" "$PCAP_DIR" tests/golden/EXCEPTIONS ;;
	# the captures the project makes (tests/golden/pcaps) against tshark
	golden-own) python3 tests/golden/compare.py "$PKTLENS" tests/golden/pcaps tests/golden/EXCEPTIONS ;;
	# stored outputs (tests/golden/TESTLIST)
	golden-list) python3 tests/golden/testlist.py "$PKTLENS" "$PCAP_DIR" ;;
	# read --flows against tshark's packets summed per flow (captures
	# without tunnels or malformed headers)
	golden-flows) python3 tests/golden/flows_tshark.py "$PKTLENS" tests/golden/pcaps/crafted-flows.pcap \
		tests/golden/pcaps/crafted-hostile.pcap $(printf "$PCAP_DIR/%s " pktlens-lab-real-clients.pcap \
		pktlens-crafted-edge-cases.pcap whois.pcap tcp-handshake-nano.pcap ssh.pcap print-flags.pcap \
		mptcp-v1.pcap tfo-5c1fa7f9ae91.pcap icmpv6.pcap accecn_handshake.pcap IGMP_V2.pcap forces1.pcap \
		isup.pcap ipv6-routing-header.pcap dnssec.pcap dns_tcp_8053.pcap) ;;
	# the shared corpus and the project's own captures (tests/golden/pcaps),
	# and a slice of tests/filter/expressions.txt into the kernel, each
	# compared with the host on the corpus (PARITY_EVERY=1: all of them)
	# the two halves side by side (the verifier's time is most of it;
	# --filters shares its expressions between two processes), their
	# outputs in this order
	parity) parity_suite ;;
	# --attribute's socket lookup and iterator on this process's sockets
	attr-check) build/attr_check ;;
	filter) bash tests/filter/run.sh ;;
	cli) bash tests/cli/cli.sh ;;
	# contrib/bash-completion/pktlens, driven as bash-completion does
	completion) bash tests/cli/completion.sh ;;
	e2e) bash tests/e2e/lab_e2e.sh ;;
	filter-live) bash tests/e2e/filter_live.sh ;;
	quic) bash tests/e2e/quic_e2e.sh ;;
	tcp) bash tests/e2e/tcp_e2e.sh ;;
	flows) bash tests/e2e/flows_e2e.sh ;;
	top) bash tests/e2e/top_tmux.sh ;;
	agent) bash tests/e2e/agent_e2e.sh ;;
	# dig against dnsmasq: DNS over TCP vs tshark, dns.time, the agent's DNS metrics
	dns) bash tests/e2e/dns_e2e.sh ;;
	agent-detect) bash tests/e2e/agent_detect.sh ;;
	agent-tcp) bash tests/e2e/agent_tcp.sh ;;
	# the Kafka sink against librdkafka's mock cluster, read back with kcat
	kafka) bash tests/e2e/kafka_e2e.sh ;;
	flows-scale) bash tests/e2e/flows_scale.sh ;;
	# kernel/host detector parity on crafted frames
	detect-parity) make -s -j2 build/detect_parity &&
		/usr/bin/python3 tests/kernel/detect_frames.py "$LOG/detect_frames.pcap" >/dev/null &&
		build/detect_parity "$LOG/detect_frames.pcap" ;;
	detect) bash tests/e2e/detect_e2e.sh ;;
	# --anonymize, --redact in watch, flows and the agent, on the lab
	privacy) bash tests/e2e/privacy_e2e.sh ;;
	# VXLAN live with real clients; the other tunnels replayed (tcpreplay)
	tunnels) bash tests/e2e/tunnels_e2e.sh ;;
	attribute) bash tests/e2e/attribute.sh ;;
	# squatted pins, a blocked or failing stdout, SIGHUP, a bad reload
	hardening) bash tests/e2e/hardening.sh ;;
	# interfaces that go, come back (--reattach) or are renamed while watched
	ifaces) bash tests/e2e/ifaces.sh ;;
	# make deb, installed with dpkg, run, removed and purged
	deb) bash tests/e2e/deb.sh ;;
	# watch on an L3 device (tun): parsed from the IP header
	tun) bash tests/e2e/tun_l3.sh ;;
	fuzz) bash tests/fuzz/run.sh "$FUZZ_SECONDS" ;;
	# read on every capture cut at every offset, every packet at every length
	# every third prefix here; make truncate cuts at every byte
	truncate) bash tests/fuzz/truncate.sh 3 ;;
	esac
}

parity_suite() {
	local pid r1 r2
	build/parity "$PCAP_DIR"/*.pcap "$PCAP_DIR"/*.pcapng tests/golden/pcaps/*.pcap \
		>"$LOG/parity-records.out" 2>&1 &
	pid=$!
	PARITY_EVERY=${PARITY_EVERY:-6} build/parity --filters tests/filter/expressions.txt \
		"$PCAP_DIR"/*.pcap tests/golden/pcaps/*.pcap >"$LOG/parity-filters.out" 2>&1
	r2=$?
	wait "$pid"
	r1=$?
	cat "$LOG/parity-records.out" "$LOG/parity-filters.out"
	[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]
}

# missing NEEDS: why a host suite cannot run here, or nothing.
missing() {
	local need
	for need in ${1//,/ }; do
		case $need in
		- | lab) ;;
		captures)
			compgen -G "$PCAP_DIR/*.pcap*" >/dev/null ||
				{ echo "no captures in $PCAP_DIR"; return; } ;;
		*)
			command -v "$need" >/dev/null || { echo "$need is not installed"; return; } ;;
		esac
	done
}

closing() {
	echo "$passed passed, $failed failed, $skipped skipped"
}

run_suite() {
	local name=$1 kind=$2 needs=$3 out=$LOG/$1.log rc p f s why
	echo "== $name"
	if [ "$kind" = kernel ] && [ "$(id -u)" -ne 0 ]; then
		echo "SKIP $name (needs root)"
		skipped=$((skipped + 1))
		return
	fi
	why=$(missing "$needs")
	if [ -n "$why" ]; then
		echo "SKIP $name ($why)"
		skipped=$((skipped + 1))
		return
	fi
	local t0=$SECONDS
	suite_cmd "$name" </dev/null >"$out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$out"
	# the budget of make test is 15 minutes: each suite says what it took
	echo "   ($name: $((SECONDS - t0)) s)"
	p=$(grep -cE '^PASS ' "$out")
	f=$(grep -cE '^FAIL ' "$out")
	s=$(grep -cE '^SKIP ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name (exit $rc, no test reported the failure; see $out)"
		tail -20 "$out" | sed 's/^/    /'
		f=1
	elif [ "$f" -ne 0 ]; then
		echo "   (details in $out)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

host_only=
names=()
for arg in "$@"; do
	case $arg in
	--host) host_only=1 ;;
	--list)
		echo "$SUITES" | awk 'NF { printf "%-14s %-7s %s\n", $1, $2, $3 }'
		exit 0 ;;
	-*)
		echo "usage: tests/run.sh [--host | --list | NAME...]" >&2
		exit 2 ;;
	*) names+=("${arg//_/-}") ;;
	esac
done
for n in "${names[@]}"; do
	if ! echo "$SUITES" | awk -v n="$n" '$1 == n { found = 1 } END { exit !found }'; then
		echo "tests: no suite named '$n'; tests/run.sh --list names them" >&2
		echo "0 passed, 1 failed, 0 skipped"
		exit 2
	fi
done

selected=$(echo "$SUITES" | while read -r name kind needs; do
	[ -n "$name" ] || continue
	[ -z "$host_only" ] || [ "$kind" = host ] || continue
	if [ ${#names[@]} -gt 0 ]; then
		printf '%s\n' "${names[@]}" | grep -qx -- "$name" || continue
	fi
	echo "$name $kind $needs"
done)

mkdir -p "$LOG"
echo "== build"
# Every benchmark is built too (never run: timings belong in make bench),
# and what the selected suites build for themselves (fuzz, truncate,
# detect-parity), all in one make on both cores.
extra=()
while read -r name _; do
	case $name in
	fuzz) extra+=(fuzz) ;;
	truncate) extra+=(build/san/truncate) ;;
	detect-parity) extra+=(build/detect_parity) ;;
	esac
done <<<"$selected"
if ! make -s -j2 test-build "${extra[@]}" >"$LOG/build.log" 2>&1; then
	cat "$LOG/build.log"
	echo "FAIL build"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
echo "PASS build"
passed=1

# Nothing of an earlier, interrupted run may stay around. Only a run with a
# lab suite takes the lab down: `make test T=parity` (BPF_PROG_TEST_RUN
# only) must not pull the lab from under a lab suite running beside it.
if [ "$(id -u)" -eq 0 ] && echo "$selected" | awk '$3 ~ /(^|,)lab(,|$)/ { f = 1 } END { exit !f }'; then
	bash scripts/lab.sh down >/dev/null 2>&1
fi

while read -r name kind needs; do
	[ -n "$name" ] && run_suite "$name" "$kind" "$needs"
done <<<"$selected"

closing
[ "$failed" -eq 0 ]
