#!/usr/bin/env bash
# pktlens detect end to end, in the lab, with real attack tools (each under
# `timeout` and with a packet count):
#  - benign traffic raises nothing: the lab's real clients, 200 parallel
#    curl connections to one server, every capture in ../shared/pcaps;
#  - nmap -sS/-sF/-sX/-sN and hping3 SYN and ICMP floods each raise their
#    alert within 1 s of starting, once per source and window; scapy ARP
#    spoofing and a gratuitous reply, dig with long random labels and a
#    burst of TXT queries are flagged;
#  - read --detect on a capture of those attacks gives the same alerts;
#  - --enforce: the scanner's datagrams stop reaching the server's socket
#    while another source is served, and the block expires after its TTL;
#    --allow and --rate-limit;
#  - block add/del/list round trip; bad input gives one line and SPEC.md's
#    exit status.
# Only 198.18.0.0/15 addresses, only the lab's interfaces.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
PY=/usr/bin/python3
SRV=198.18.0.1
CLI=198.18.0.2
CLI2=198.18.0.3 # a second source on the client side, added for the enforce tests
TMP=$(mktemp -d)
DET_PID=
DUMP_PID=
LAB_WAS_UP=0

cleanup() {
	[ -n "$DET_PID" ] && kill -INT "$DET_PID" 2>/dev/null && wait "$DET_PID" 2>/dev/null
	[ -n "$DUMP_PID" ] && kill -INT "$DUMP_PID" 2>/dev/null && wait "$DUMP_PID" 2>/dev/null
	ip -n "$CLI_NS" addr del "$CLI2/24" dev plc0 2>/dev/null
	ip -n "$SRV_NS" neigh del 198.18.0.77 dev pls0 2>/dev/null
	ip -n "$SRV_NS" neigh del 198.18.0.78 dev pls0 2>/dev/null
	# the lab is shared: take it down only if this script brought it up
	[ "$LAB_WAS_UP" -eq 0 ] && $LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

lab_up() {
	local i
	for i in 1 2 3; do
		$LAB up >"$TMP/lab.log" 2>&1 && ip netns exec "$SRV_NS" true 2>/dev/null &&
			ip netns exec "$CLI_NS" true 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# start_detect OUT ARGS...: detect on pls0 (JSON), waits until it is attached.
start_detect() {
	local out=$1
	shift
	start_bg "$out" "watching pls0" 5 ip netns exec "$SRV_NS" "$PKTLENS" detect -i pls0 \
		--json --stats --duration 120 "$@"
	local rc=$?
	DET_PID=$BG_PID
	return $rc
}

stop_detect() {
	local rc
	[ -n "$DET_PID" ] || return 0
	kill -INT "$DET_PID" 2>/dev/null
	wait "$DET_PID"
	rc=$?
	DET_PID=
	return $rc
}

now() { date +%s.%N; }

# alerts FILE JQ-FILTER: the alerts in FILE that match (one JSON per line).
alerts() { jq -c "select(.event==\"alert\") | select($2)" "$1" 2>/dev/null; }

# expect_alert NAME FILE RULE SOURCE START: an alert RULE from SOURCE came
# within 1 s of START, and alerts of that rule and source are at least a
# window (1 s) apart: one per window.
expect_alert() {
	local name=$1 file=$2 rule=$3 src=$4 start=$5 sel first n gaps
	sel=".\"rule.name\"==\"$rule\" and .\"source.ip\"==\"$src\""
	first=$(alerts "$file" "$sel" | head -1 | jq -r '."pktlens.time_epoch"')
	n=$(alerts "$file" "$sel" | wc -l)
	if [ -z "$first" ] || [ "$n" -eq 0 ]; then
		bad "$name: no $rule alert from $src; got: $(alerts "$file" true | jq -r '."rule.name"' | sort | uniq -c | tr '\n' ' ')"
		return
	fi
	if awk -v a="$first" -v s="$start" 'BEGIN { exit !(a - s <= 1.0 && a >= s - 0.05) }'; then
		ok "$name: $rule from $src $(awk -v a="$first" -v s="$start" 'BEGIN { printf "%.0f ms", (a - s) * 1000 }') after the start"
	else
		bad "$name: $rule from $src at $first, start $start (more than 1 s)"
	fi
	gaps=$(alerts "$file" "$sel" | jq -r '."pktlens.time_epoch"' |
		awk 'NR > 1 && $1 - p < 0.999 { n++ } { p = $1 } END { print n + 0 }')
	if [ "$gaps" -eq 0 ]; then
		ok "$name: one $rule alert per source and window ($n in all)"
	else
		bad "$name: $gaps $rule alerts from $src less than a window after the previous"
	fi
}

if ! lab_up; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
ok lab-up
SMAC=$(ip -n "$SRV_NS" link show pls0 | awk '/link\/ether/ { print $2 }')

# ---- benign traffic: no alerts ----
if start_detect "$TMP/benign.json"; then
	$LAB traffic 2 >"$TMP/traffic.log" 2>&1 || bad "lab traffic: $(tail -3 "$TMP/traffic.log")"
	# 200 parallel connections to one server: many SYNs, all completing
	in_cli bash -c 'for i in $(seq 200); do
			curl -s -o /dev/null -w "%{http_code}\n" --max-time 20 http://'"$SRV"'/1k.bin &
		done; wait' >"$TMP/curl.log" 2>&1
	sleep 1.2
	stop_detect
	n=$(grep -c '^200$' "$TMP/curl.log")
	[ "$n" -ge 195 ] && ok "200 parallel curl: $n answered" || bad "200 parallel curl: only $n answered"
	n=$(alerts "$TMP/benign.json" true | wc -l)
	if [ "$n" -eq 0 ]; then
		ok "benign: no alert on the lab's clients and 200 parallel curl"
	else
		bad "benign: $n alerts: $(alerts "$TMP/benign.json" true | head -3)"
	fi
else
	bad "detect did not start: $(cat "$TMP/benign.json.err")"
fi

# ---- every shared capture: no alerts ----
nf=0
nread=0
for f in "$PCAP_DIR"/*.pcap "$PCAP_DIR"/*.pcapng; do
	[ -e "$f" ] || continue
	nread=$((nread + 1))
	out=$("$PKTLENS" read "$f" --detect --json 2>&1)
	if [ -n "$out" ]; then
		bad "read --detect $(basename "$f"): $(echo "$out" | head -2)"
		nf=$((nf + 1))
	fi
done
# an empty or missing folder proves nothing
if [ "$nread" -eq 0 ]; then
	bad "read --detect: no capture in $PCAP_DIR to read"
elif [ "$nf" -eq 0 ]; then
	ok "read --detect: no alert on any of the $nread captures in $(basename "$PCAP_DIR")"
fi

# ---- attacks: each raises its alert; capture them for read --detect ----
declare -A START
if start_detect "$TMP/attack.json"; then
	TD_SECONDS=90 start_tcpdump "$SRV_NS" "$TMP/attack.pcap" -i pls0 -Q in -nn -B 32768 ||
		bad "tcpdump did not start: $(cat "$TMP/attack.pcap.err")"
	DUMP_PID=$TD_PID
	for scan in sS sF sX sN; do
		START[$scan]=$(now)
		in_cli nmap -"$scan" -p 1-1000 -T4 --max-retries 0 -n -Pn "$SRV" >"$TMP/nmap-$scan.log" 2>&1 ||
			bad "nmap -$scan: $(tail -2 "$TMP/nmap-$scan.log")"
		sleep 2 # the windows of the next attack start empty
	done
	START[syn]=$(now)
	in_cli hping3 -S -p 80 -c 3000 -i u200 "$SRV" >"$TMP/hping-syn.log" 2>&1
	sleep 2
	START[icmp]=$(now)
	in_cli hping3 --icmp -c 2000 -i u200 "$SRV" >"$TMP/hping-icmp.log" 2>&1
	sleep 2
	START[arp]=$(now)
	in_cli "$PY" tests/e2e/detect_arp.py plc0 "$SMAC" >"$TMP/arp.log" 2>&1 ||
		bad "scapy: $(tail -2 "$TMP/arp.log")"
	sleep 2
	rnd() { head -c 600 /dev/urandom | tr -dc 'a-z0-9' | head -c "$1"; }
	START[dns]=$(now)
	in_cli dig @"$SRV" +time=1 +tries=1 +short "$(rnd 60).$(rnd 60).t.lab.test" A >/dev/null 2>&1
	sleep 2
	for i in $(seq 30); do echo "@$SRV +time=1 +tries=1 +short q$i.tun.lab.test TXT"; done >"$TMP/txt.batch"
	START[txt]=$(now)
	in_cli dig -f "$TMP/txt.batch" >/dev/null 2>&1
	sleep 1.5
	kill -INT "$DUMP_PID" 2>/dev/null
	wait "$DUMP_PID"
	DUMP_PID=
	stop_detect || bad "detect exit status: $(cat "$TMP/attack.json.err")"

	A=$TMP/attack.json
	expect_alert "nmap -sS" "$A" port_scan_vertical "$CLI" "${START[sS]}"
	expect_alert "nmap -sF" "$A" fin_scan "$CLI" "${START[sF]}"
	expect_alert "nmap -sX" "$A" xmas_scan "$CLI" "${START[sX]}"
	expect_alert "nmap -sN" "$A" null_scan "$CLI" "${START[sN]}"
	expect_alert "hping3 SYN flood" "$A" syn_rate_src "$CLI" "${START[syn]}"
	expect_alert "hping3 SYN flood" "$A" syn_flood_dst "$CLI" "${START[syn]}"
	expect_alert "hping3 ICMP flood" "$A" icmp_flood_src "$CLI" "${START[icmp]}"
	expect_alert "hping3 ICMP flood" "$A" icmp_flood_dst "$CLI" "${START[icmp]}"
	expect_alert "scapy ARP spoofing" "$A" arp_mac_change 198.18.0.77 "${START[arp]}"
	expect_alert "scapy gratuitous reply" "$A" arp_unsolicited_reply 198.18.0.78 "${START[arp]}"
	expect_alert "dig long random labels" "$A" dns_long_name "$CLI" "${START[dns]}"
	expect_alert "dig long random labels" "$A" dns_high_entropy "$CLI" "${START[dns]}"
	expect_alert "dig TXT burst" "$A" dns_txt_rate "$CLI" "${START[txt]}"
	# a scan is reported as a scan, not also as a SYN flood
	n=$(alerts "$A" '."rule.name"=="syn_flood_dst" or ."rule.name"=="syn_rate_src"' |
		jq -r '."pktlens.time_epoch"' | awk -v s="${START[syn]}" '$1 < s' | wc -l)
	[ "$n" -eq 0 ] && ok "nmap scans raise no SYN-flood alert" || bad "nmap scans raised $n SYN-flood alerts"
	jq -e -s 'all(.[]; ."pktlens.count" >= ."pktlens.threshold" and ."pktlens.window" == 1 and
		."observer.ingress.interface.name" == "pls0" and ."@timestamp" != null)' "$A" >/dev/null &&
		ok "alerts carry count >= threshold, window, interface, @timestamp" ||
		bad "alert fields: $(head -2 "$A")"

	# ---- read --detect on the capture: the same alerts ----
	grep -q "^0 packets dropped by kernel" "$TMP/attack.pcap.err" ||
		echo "note: tcpdump: $(grep dropped "$TMP/attack.pcap.err")"
	key='[."rule.name", ."source.ip", (."destination.ip" // "-")] | join(" ")'
	jq -r "select(.event==\"alert\") | $key" "$A" | sort >"$TMP/live.keys"
	"$PKTLENS" read "$TMP/attack.pcap" --detect --json 2>"$TMP/read.err" |
		jq -r "$key" | sort >"$TMP/read.keys"
	if [ -s "$TMP/live.keys" ] && cmp -s "$TMP/live.keys" "$TMP/read.keys"; then
		ok "read --detect on the attack capture: the same $(wc -l <"$TMP/live.keys") alerts as live"
	else
		bad "read --detect differs from live: $(diff "$TMP/live.keys" "$TMP/read.keys" | head -6 | tr '\n' ' ')"
	fi
else
	bad "detect did not start: $(cat "$TMP/attack.json.err")"
fi
ip -n "$SRV_NS" neigh del 198.18.0.77 dev pls0 2>/dev/null
ip -n "$SRV_NS" neigh del 198.18.0.78 dev pls0 2>/dev/null

# ---- --enforce: the scanner is blocked at XDP, others are served ----
ip -n "$CLI_NS" addr add "$CLI2/24" dev plc0 2>/dev/null
# udp_round SECONDS: both sources send 50 datagrams; prints the receiver's counts
udp_round() {
	in_srv "$PY" tests/e2e/detect_udp.py recv 9999 "$1" >"$TMP/udp.json" &
	local rp=$! sp
	sleep 0.3
	in_cli "$PY" tests/e2e/detect_udp.py send "$CLI" "$SRV" 9999 50 2 &
	sp=$!
	in_cli "$PY" tests/e2e/detect_udp.py send "$CLI2" "$SRV" 9999 50 2
	wait "$sp" "$rp"
	cat "$TMP/udp.json"
}
got() { jq -r --arg s "$2" '.[$s] // 0' <<<"$1"; }

if start_detect "$TMP/enforce.json" --enforce --block-ttl 4; then
	in_cli nmap -sS -p 1-1000 -T4 --max-retries 0 -n -Pn "$SRV" >/dev/null 2>&1
	r=$(udp_round 1.2)
	if [ "$(got "$r" "$CLI")" -eq 0 ] && [ "$(got "$r" "$CLI2")" -eq 50 ]; then
		ok "--enforce: the scanner's datagrams stop at XDP (0 of 50 reach the socket), $CLI2 still served (50 of 50)"
	else
		bad "--enforce: received $r (want $CLI: 0, $CLI2: 50)"
	fi
	alerts "$TMP/enforce.json" '."rule.name"=="port_scan_vertical" and ."event.action"=="blocked" and ."pktlens.block.ttl"==4' |
		grep -q . && ok "--enforce: the alert says blocked, ttl 4" ||
		bad "--enforce: no blocked alert: $(head -2 "$TMP/enforce.json")"
	"$PKTLENS" block list --json >"$TMP/list.json" 2>&1
	jq -e -s 'any(.[]; ."pktlens.block.prefix"=="'"$CLI"'" and ."rule.name"=="port_scan_vertical" and ."pktlens.block.drops" >= 50)' \
		"$TMP/list.json" >/dev/null && ok "block list: the scanner, why, and its drops" ||
		bad "block list: $(cat "$TMP/list.json")"
	sleep 4 # the TTL
	r=$(udp_round 1.2)
	if [ "$(got "$r" "$CLI")" -eq 50 ]; then
		ok "--enforce: the block expires after its TTL (50 of 50 arrive again)"
	else
		bad "--enforce: after the TTL received $r"
	fi
	"$PKTLENS" block list --json >"$TMP/list2.json" 2>&1
	grep -q "$CLI\"" "$TMP/list2.json" && bad "block list after the TTL: $(cat "$TMP/list2.json")" ||
		ok "block list after the TTL: gone"
	stop_detect
	grep -q "sources blocked" "$TMP/enforce.json.err" && ok "--enforce --stats" || bad "--stats: $(cat "$TMP/enforce.json.err")"
else
	bad "detect --enforce did not start: $(cat "$TMP/enforce.json.err")"
fi

# --allow: an allowed scanner raises the alert and is not blocked
if start_detect "$TMP/allow.json" --enforce --allow "$CLI,2001:db8::/32"; then
	in_cli nmap -sS -p 1-1000 -T4 --max-retries 0 -n -Pn "$SRV" >/dev/null 2>&1
	r=$(udp_round 1.2)
	stop_detect
	if alerts "$TMP/allow.json" '."rule.name"=="port_scan_vertical"' | grep -q . &&
		! grep -q '"event.action":"blocked"' "$TMP/allow.json" && [ "$(got "$r" "$CLI")" -eq 50 ]; then
		ok "--allow: the allowed scanner is reported, not blocked"
	else
		bad "--allow: $r; $(head -2 "$TMP/allow.json")"
	fi
else
	bad "detect --allow did not start: $(cat "$TMP/allow.json.err")"
fi

# --rate-limit: a source over its rate loses the excess at XDP
if start_detect "$TMP/rl.json" --rate-limit 100 --threshold udp_flood_src=off,udp_flood_dst=off; then
	in_srv "$PY" tests/e2e/detect_udp.py recv 9999 2.5 >"$TMP/udp.json" &
	rp=$!
	sleep 0.3
	in_cli "$PY" tests/e2e/detect_udp.py send "$CLI" "$SRV" 9999 1000 0 &
	sp=$!
	in_cli "$PY" tests/e2e/detect_udp.py send "$CLI2" "$SRV" 9999 50 20
	wait "$sp" "$rp"
	stop_detect
	r=$(cat "$TMP/udp.json")
	a=$(got "$r" "$CLI")
	b=$(got "$r" "$CLI2")
	if [ "$a" -ge 50 ] && [ "$a" -le 300 ] && [ "$b" -eq 50 ]; then
		ok "--rate-limit 100: $a of 1000 from the burst arrive, 50 of 50 from the paced source"
	else
		bad "--rate-limit 100: received $r"
	fi
else
	bad "detect --rate-limit did not start: $(cat "$TMP/rl.json.err")"
fi

# ---- block add/del/list round trip against a running detect ----
if start_detect "$TMP/block.json"; then
	"$PKTLENS" block add "$CLI2" --ttl 30 >"$TMP/b.out" 2>&1 && grep -q "blocked $CLI2 until" "$TMP/b.out" &&
		ok "block add $CLI2 --ttl 30" || bad "block add: $(cat "$TMP/b.out")"
	"$PKTLENS" block add 2001:db8:77::/48 >"$TMP/b6.out" 2>&1 && ok "block add 2001:db8:77::/48" ||
		bad "block add ipv6: $(cat "$TMP/b6.out")"
	"$PKTLENS" block list >"$TMP/blist.txt" 2>&1
	grep -q "^$CLI2 .*manual" "$TMP/blist.txt" && grep -q "^2001:db8:77::/48 .*manual .*no expiry" "$TMP/blist.txt" &&
		ok "block list shows both, why and until when" || bad "block list: $(cat "$TMP/blist.txt")"
	r=$(udp_round 1.2)
	[ "$(got "$r" "$CLI2")" -eq 0 ] && [ "$(got "$r" "$CLI")" -eq 50 ] &&
		ok "block add: $CLI2 dropped at XDP, $CLI served" || bad "block add: received $r"
	"$PKTLENS" block list --json | jq -e -s 'any(.[]; ."pktlens.block.prefix"=="'"$CLI2"'" and ."pktlens.block.drops" == 50)' >/dev/null &&
		ok "block list counts the prefix's drops" || bad "block list drops: $("$PKTLENS" block list --json)"
	"$PKTLENS" block del "$CLI2" >/dev/null 2>&1 && "$PKTLENS" block del 2001:db8:77::/48 >/dev/null 2>&1 &&
		ok "block del" || bad "block del failed"
	r=$(udp_round 1.2)
	[ "$(got "$r" "$CLI2")" -eq 50 ] && ok "block del: $CLI2 served again" || bad "block del: received $r"
	"$PKTLENS" block list 2>&1 | grep -q "is empty" && ok "block list: empty again" ||
		bad "block list: $("$PKTLENS" block list 2>&1)"
	"$PKTLENS" block del "$CLI2" >"$TMP/del2" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "not on the drop list" "$TMP/del2" && ok "block del of an absent prefix: exit 1, says so" ||
		bad "block del absent: rc $rc $(cat "$TMP/del2")"
	stop_detect
else
	bad "detect did not start: $(cat "$TMP/block.json.err")"
fi

# ---- bad input: one clear line, SPEC.md's exit status ----
# check_bad NAME WANT-RC GREP CMD...
check_bad() {
	local name=$1 want=$2 pat=$3 rc lines
	shift 3
	"$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$TMP/bad.err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/bad.err"; then
		ok "bad input: $name (exit $rc)"
	else
		bad "bad input: $name: exit $rc (want $want), $lines lines: $(cat "$TMP/bad.err")"
	fi
}
check_bad "block without a running detect" 1 "no running" "$PKTLENS" block list
check_bad "block add bad CIDR" 2 "not an IPv4 or IPv6" "$PKTLENS" block add 198.18.0.300/24
check_bad "block add prefix too long" 2 "not an IPv4 or IPv6" "$PKTLENS" block add 198.18.0.0/33
check_bad "block add without CIDR" 2 "needs a CIDR" "$PKTLENS" block add
check_bad "block frobnicate" 2 "give add CIDR" "$PKTLENS" block frobnicate
check_bad "threshold zero" 2 "above zero" "$PKTLENS" detect -i pls0 --threshold port_scan_ports=0
check_bad "threshold negative" 2 "above zero" "$PKTLENS" read "$PCAP_DIR/ssh.pcap" --detect --threshold syn_rate_src=-5
check_bad "threshold unknown" 2 "not a threshold or rule" "$PKTLENS" read "$PCAP_DIR/ssh.pcap" --detect --threshold nope=3
check_bad "window zero" 2 "window" "$PKTLENS" read "$PCAP_DIR/ssh.pcap" --detect --window 0
check_bad "--allow bad CIDR" 2 "not an IPv4 or IPv6" "$PKTLENS" detect -i pls0 --enforce --allow 10.0.0.0/99
check_bad "--enforce --mode tc" 2 "XDP" "$PKTLENS" detect -i pls0 --enforce --mode tc
check_bad "--rate-limit 0" 2 "rate-limit" "$PKTLENS" detect -i pls0 --rate-limit 0
# --enforce where XDP cannot attach: a watch already holds pls0's XDP hook
ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 --mode xdp --duration 30 >/dev/null 2>"$TMP/hold.err" &
HOLD=$!
wait_line "$TMP/hold.err" "watching pls0" 5
check_bad "--enforce where XDP cannot attach" 1 "XDP cannot attach to pls0" \
	ip netns exec "$SRV_NS" "$PKTLENS" detect -i pls0 --enforce --duration 1
kill -INT "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null
[ -e /sys/fs/bpf/pktlens/meta ] && bad "pins left behind in /sys/fs/bpf/pktlens" || ok "no pins left behind"
exit 0
