#!/usr/bin/env bash
# Kernel end-to-end: real clients' traffic in the lab shows up in
# `pktlens watch --json` with the right L7 hints and TCP options, crafted
# VLAN and IPv6-extension-header frames come out right in every attach mode,
# and kill -9 leaves no program attached.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
# the lab's server address, as scripts/lab.sh gives it (PL_LAB_SRV6 for a private lab)
SRV6=${PL_LAB_SRV6:-2001:db8::1}
TMP=$(mktemp -d)
WATCH_PID=

cleanup() {
	[ -n "$WATCH_PID" ] && kill -9 "$WATCH_PID" 2>/dev/null
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

# check NAME JQ-EXPR FILE: some record in FILE satisfies the jq expression.
check() {
	local name=$1 expr=$2 file=$3
	if jq -e -s "any(.[]; $expr)" "$file" >/dev/null 2>&1; then
		ok "$name"
	else
		bad "$name: no record with $expr"
	fi
}

# start_watch MODE OUT [ARGS...]: runs pktlens in the server namespace;
# waits for it to say it is attached.
start_watch() {
	local mode=$1 out=$2
	shift 2
	start_bg "$out" "watching pls0" 5 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
		--mode "$mode" --json --stats --duration 60 "$@"
	local rc=$?
	WATCH_PID=$BG_PID
	return $rc
}

stop_watch() {
	kill -INT "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	local rc=$?
	WATCH_PID=
	return $rc
}

# attached: does pls0 carry an XDP program, or is a pktlens TC program
# linked anywhere? (bpftool 7.1 lists tcx links only as "type 11".)
attached() {
	ip -n "$SRV_NS" link show pls0 | grep -qE 'xdp|prog/xdp' && return 0
	local id
	local links
	links=$(bpftool -j link show 2>/dev/null | jq -r '.[].prog_id')
	for id in $(prog_ids pktlens_tc); do
		grep -qx "$id" <<<"$links" && return 0
	done
	return 1
}

if ! $LAB up >"$TMP/lab.log" 2>&1; then
	bad "lab-up: $(tail -5 "$TMP/lab.log")"
	exit 1
fi
ok lab-up

declare -A MODE_NAME=([xdp]="native XDP" [xdp-generic]="generic XDP" [tc]="TC ingress")
# The kernel parses every record here (PKTLENS_KERNEL_PARSE=1); the filter
# and -w runs below send small frames up whole, parsed in user space.
for mode in xdp xdp-generic tc; do
	out=$TMP/$mode.json
	if ! PKTLENS_KERNEL_PARSE=1 start_watch "$mode" "$out"; then
		bad "$mode attach: $(cat "$out.err")"
		continue
	fi
	grep -q "watching pls0 with ${MODE_NAME[$mode]}" "$out.err" &&
		ok "$mode says which mode it used" || bad "$mode mode line: $(cat "$out.err")"
	$LAB traffic 1 >"$TMP/traffic.log" 2>&1
	ip netns exec "$CLI_NS" /usr/bin/python3 tests/e2e/craft.py plc0 >"$TMP/craft.log" 2>&1 ||
		bad "$mode craft: $(tail -3 "$TMP/craft.log")"
	sleep 1
	stop_watch || bad "$mode watch exit status $?: $(cat "$out.err")"
	grep -q "packets seen" "$out.err" && ok "$mode --stats on exit" || bad "$mode --stats missing"

	check "$mode tls sni+alpn on 443" '."tcp.dstport"==443 and ."tls.handshake.extensions_server_name"=="www.lab.test" and ."tls.handshake.extensions_alpn_str"==["h2","http/1.1"] and ."tls.handshake.version"==771' "$out"
	check "$mode tls sni on 8443" '."tcp.dstport"==8443 and ."tls.handshake.extensions_server_name"=="www.lab.test"' "$out"
	check "$mode dns A query" '."dns.qry.name"=="www.lab.test" and ."dns.qry.type"==1 and ."dns.flags.response"==false' "$out"
	check "$mode dns AAAA over ipv6" '."ipv6.dst"=="'"$SRV6"'" and ."dns.qry.name"=="www.lab.test" and ."dns.qry.type"==28' "$out"
	check "$mode http request" '."http.request.method"=="GET" and ."http.request.uri"=="/1k.bin" and ."http.host"=="www.lab.test" and ."tcp.dstport"==80' "$out"
	check "$mode http on 8080" '."http.request.method"!=null and ."tcp.dstport"==8080' "$out"
	check "$mode tcp syn options" '."tcp.flags"==2 and ."tcp.options.mss_val"==1460 and ."tcp.options.wscale.shift"!=null and ."tcp.options.sack_perm"==true and ."tcp.options.timestamp.tsval">0' "$out"
	check "$mode icmp echo" '."icmp.type"==8 and ."ip.dst"=="198.18.0.1"' "$out"
	check "$mode icmpv6 echo" '."icmpv6.type"==128 and ."ipv6.dst"=="'"$SRV6"'"' "$out"
	check "$mode 802.1Q vlan" '."vlan.id"==[100] and ."ip.src"=="198.18.7.1" and ."ip.dsfield.dscp"==46 and ."udp.dstport"==9' "$out"
	check "$mode QinQ vlan" '."vlan.id"==[200,300] and ."ip.src"=="198.18.7.2" and ."icmp.type"==8' "$out"
	check "$mode ipv6 extension headers" '."ipv6.src"=="2001:db8::7" and ."ipv6.nxt"==0 and ."pktlens.ip6_ext"==[0,60,43] and ."pktlens.l4proto"==17 and ."udp.dstport"==9 and ."ipv6.flow"==74565' "$out"
	check "$mode pktlens.ifname" '."pktlens.ifname"=="pls0"' "$out"
done

# A header filter: at TC it runs on the skb's own bytes, or on the copied
# window with the tag put back when the stack has moved a VLAN tag into the
# skb's metadata (as it does on veth). Both must select what XDP selects:
# the IPv6 datagram (untagged) and the 802.1Q one of craft.py, and nothing
# else.
FILT='ip6 src host 2001:db8::7 or (vlan 100 and udp dst port 9)'
for mode in xdp tc; do
	out=$TMP/filter-$mode.json
	if ! start_watch "$mode" "$out" "$FILT"; then
		bad "$mode filter attach: $(cat "$out.err")"
		continue
	fi
	ip netns exec "$CLI_NS" /usr/bin/python3 tests/e2e/craft.py plc0 >"$TMP/craft.log" 2>&1 ||
		bad "$mode filter craft: $(tail -3 "$TMP/craft.log")"
	wait_for 5 jq -e -s 'any(.[]; ."vlan.id"==[100]) and any(.[]; ."ipv6.src"=="2001:db8::7")' "$out"
	stop_watch || bad "$mode filter watch exit status $?: $(cat "$out.err")"
	check "$mode filter: the tagged frame" '."vlan.id"==[100] and ."ip.src"=="198.18.7.1" and ."udp.dstport"==9' "$out"
	check "$mode filter: the untagged frame" '."ipv6.src"=="2001:db8::7" and ."udp.dstport"==9' "$out"
	if jq -e -s 'length > 0 and all(.[]; ."ipv6.src"=="2001:db8::7" or ."vlan.id"==[100])' "$out" >/dev/null; then
		ok "$mode filter: nothing else ($(jq -s length "$out") records)"
	else
		bad "$mode filter: records the filter does not select: $(jq -c -s '[.[] | select(."ipv6.src"!="2001:db8::7" and ."vlan.id"!=[100])] | .[0]' "$out")"
	fi
done

# auto mode on veth: tcx first, and the line says why.
if start_watch auto "$TMP/auto.json"; then
	grep -q "watching pls0 with TC ingress (tcx): on veth the skb exists before XDP runs" "$TMP/auto.json.err" &&
		ok "auto mode picks tcx on veth and says why" ||
		bad "auto mode line: $(cat "$TMP/auto.json.err")"
	stop_watch || bad "auto watch exit status $?"
else
	bad "auto attach: $(cat "$TMP/auto.json.err")"
fi

# -w: frames captured whole reach user space unparsed and are parsed there;
# the records must be those `read` gives for the written capture, and the
# kernel-parsed ones (the mode loop above) for the same kind of traffic.
for mode in xdp tc; do
	out=$TMP/cap-$mode.json
	if ! start_watch "$mode" "$out" -w "$TMP/cap-$mode.pcapng"; then
		bad "$mode -w attach: $(cat "$out.err")"
		continue
	fi
	$LAB traffic 1 >"$TMP/traffic.log" 2>&1
	ip netns exec "$CLI_NS" /usr/bin/python3 tests/e2e/craft.py plc0 >"$TMP/craft.log" 2>&1
	sleep 1
	stop_watch || bad "$mode -w watch exit status $?: $(cat "$out.err")"
	# the capture names each packet's interface: read's
	# frame.interface_name must be the live record's pktlens.ifname
	jq -cS 'del(."frame.number") | ."frame.interface_name" = ."pktlens.ifname" |
		del(."pktlens.ifname")' "$out" | sort >"$TMP/live-$mode.norm"
	"$PKTLENS" read "$TMP/cap-$mode.pcapng" --json | jq -cS 'del(."frame.number")' |
		sort >"$TMP/read-$mode.norm"
	n=$(wc -l <"$TMP/live-$mode.norm")
	if [ "$n" -gt 20 ] && cmp -s "$TMP/live-$mode.norm" "$TMP/read-$mode.norm"; then
		ok "$mode -w: $n records parsed in user space equal read's of the capture"
	else
		bad "$mode -w: $n live records differ from read's: $(diff "$TMP/live-$mode.norm" "$TMP/read-$mode.norm" | head -4)"
	fi
	check "$mode -w tls sni" '."tls.handshake.extensions_server_name"=="www.lab.test"' "$out"
	check "$mode -w dns query" '."dns.qry.name"=="www.lab.test"' "$out"
	check "$mode -w QinQ vlan" '."vlan.id"==[200,300]' "$out"
done

# kill -9 leaves nothing attached: the links die with the process.
for mode in xdp tc; do
	if ! start_watch "$mode" "$TMP/kill.json"; then
		bad "kill -9 ($mode): could not attach"
		continue
	fi
	wait_for 5 attached && ok "kill -9 ($mode): attached while running" ||
		bad "kill -9 ($mode): nothing attached while running"
	kill -9 "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
	# links are released after an RCU grace period
	if ! wait_for 15 eval '! attached'; then
		bad "kill -9 ($mode): a program is still attached: $(ip netns exec "$SRV_NS" bpftool net show dev pls0)"
	else
		ok "kill -9 ($mode): nothing left attached"
	fi
done
