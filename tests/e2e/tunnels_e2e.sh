#!/usr/bin/env bash
# Tunnels live (issue 12): a VXLAN device between the lab's namespaces with
# real curl, dig and openssl inside it; `watch` on the underlay veth shows
# the inner HTTP Host, DNS name and SNI under pktlens.inner, an `inner`
# filter selects in the kernel, and `flows --inner` (the agent's
# flows.inner) keys on the inner
# 5-tuple. This kernel has no gre, ipip, sit, ip6tnl or geneve devices:
# those tunnels (and MPLS) come as crafted frames (crafted-tunnels.pcap)
# replayed onto the lab veth, and watch must give the records read gives.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
TMP=$(mktemp -d)
VX4_CLI=198.19.10.2
VX4_SRV=198.19.10.1
VNI=4242

cleanup() {
	ip netns exec "$CLI_NS" ip link del vx0 2>/dev/null
	ip netns exec "$SRV_NS" ip link del vx0 2>/dev/null
	lab_cleanup
}
trap cleanup EXIT

$LAB up >"$TMP/lab.log" 2>&1 || { bad "tunnels lab-up: $(tail -3 "$TMP/lab.log")"; exit 1; }
SRV4=$(ip netns exec "$SRV_NS" ip -4 -o addr show pls0 | awk '{sub("/.*", "", $4); print $4}')
CLI4=$(ip netns exec "$CLI_NS" ip -4 -o addr show plc0 | awk '{sub("/.*", "", $4); print $4}')
# vx0 in each namespace over the veth; the well-known port 4789, which is
# the one tshark and pktlens decode (Linux's own default is 8472)
vx() { # NS LOCAL REMOTE VETH ADDR
	ip netns exec "$1" ip link add vx0 type vxlan id "$VNI" local "$2" remote "$3" \
		dstport 4789 dev "$4" &&
		ip netns exec "$1" ip addr add "$5/24" dev vx0 &&
		ip netns exec "$1" ip link set vx0 up
}
if ! vx "$CLI_NS" "$CLI4" "$SRV4" plc0 "$VX4_CLI" 2>"$TMP/vx.err" ||
	! vx "$SRV_NS" "$SRV4" "$CLI4" pls0 "$VX4_SRV" 2>>"$TMP/vx.err"; then
	bad "tunnels: cannot create the VXLAN devices: $(cat "$TMP/vx.err")"
	exit 1
fi
wait_for 5 in_cli ping -c 1 -W 1 "$VX4_SRV" || bad "tunnels: no ping over vx0"

# watch ARGS...: pktlens watch on the underlay veth, in the background,
# until it is attached
watch_bg() {
	local out=$1
	shift
	start_bg "$out" "watching pls0" 5 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
		--duration 60 "$@"
	WPID=$BG_PID
}
stop() {
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
traffic() {
	in_cli curl -s -o /dev/null --max-time 5 --resolve "vx.lab.test:80:$VX4_SRV" \
		http://vx.lab.test/1k.bin
	# dnsmasq listens on the veth's addresses only: the query is what counts
	in_cli dig +time=1 +tries=1 "@$VX4_SRV" vxdns.lab.test >/dev/null
	in_cli openssl s_client -connect "$VX4_SRV:443" -servername vxtls.lab.test </dev/null \
		>/dev/null 2>&1
}
count() { jq -s "[.[] | select($1)] | length" "$2"; }

# 1. the inner packet's L7 hints, from records of the underlay
watch_bg "$TMP/vx.json" --json vxlan || bad "tunnels watch attach: $(cat "$TMP/vx.json.err")"
traffic
wait_line "$TMP/vx.json" vxtls.lab.test 5
stop "$WPID"
I='."vxlan.vni" == '$VNI' and ."udp.dstport" == 4789 and ."pktlens.inner"'
for want in 'http.host == "vx.lab.test"' 'dns.qry.name == "vxdns.lab.test"' \
	'tls.handshake.extensions_server_name == "vxtls.lab.test"'; do
	n=$(count "$I and .\"pktlens.inner\".\"${want%% *}\" ${want#* }" "$TMP/vx.json")
	[ "$n" -ge 1 ] && ok "tunnels: watch on the underlay shows the inner $want ($n records)" ||
		bad "tunnels: no VXLAN record with inner $want in $(wc -l <"$TMP/vx.json") records"
done
n=$(count '."pktlens.inner" | not' "$TMP/vx.json")
[ "$n" -eq 0 ] && ok "tunnels: every vxlan record has its inner packet" ||
	bad "tunnels: $n vxlan records without pktlens.inner"

# 2. an inner filter in the kernel: only the ClientHello's segment
watch_bg "$TMP/f.json" --json 'inner tcp dst port 443 and tls.sni == "vxtls.lab.test"' ||
	bad "tunnels filter attach: $(cat "$TMP/f.json.err")"
traffic
wait_line "$TMP/f.json" vxtls.lab.test 5
stop "$WPID"
all=$(wc -l <"$TMP/f.json")
n=$(count '."pktlens.inner"."tcp.dstport" == 443 and ."vxlan.vni" == '$VNI "$TMP/f.json")
[ "$all" -ge 1 ] && [ "$n" -eq "$all" ] &&
	ok "tunnels: the kernel's inner filter keeps the inner ClientHello only ($all records)" ||
	bad "tunnels: inner filter: $n of $all records are the inner ClientHello"

# 3. flows --inner: the inner TLS connection is a flow of its own; the
# agent's flows.inner does the same for its log, and without it the agent
# sees only the tunnel's flows
start_bg "$TMP/flows.json" "watching pls0" 5 ip netns exec "$SRV_NS" "$PKTLENS" flows -i pls0 \
	--inner --json --duration 30
FPID=$BG_PID
printf 'interfaces: [pls0]\nflows:\n  inner: true\nmetrics:\n  listen: off\nlog:\n  file: %s\n' \
	"$TMP/agent-inner.log" >"$TMP/agent-inner.yaml"
start_bg "$TMP/ai" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" agent \
	-c "$TMP/agent-inner.yaml" --duration 30
APID=$BG_PID
start_bg "$TMP/ao" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" agent -i pls0 \
	--metrics off --log "$TMP/agent-outer.log" --duration 30
OPID=$BG_PID
traffic
stop "$FPID"
kill -TERM "$APID" "$OPID" 2>/dev/null
wait "$APID" "$OPID" 2>/dev/null
TLS_IN='."destination.ip" == "'$VX4_SRV'" and ."destination.port" == 443'
n=$(count "$TLS_IN" "$TMP/flows.json")
[ "$n" -ge 1 ] && ok "tunnels: flows --inner has the inner TLS flow to $VX4_SRV:443" ||
	bad "tunnels: flows --inner: no flow to $VX4_SRV:443 in $(head -c 300 "$TMP/flows.json")"
n=$(count "$TLS_IN and .\"tls.client.server_name\" == \"vxtls.lab.test\"" "$TMP/agent-inner.log")
o=$(count "$TLS_IN" "$TMP/agent-outer.log")
v=$(count '."destination.port" == 4789' "$TMP/agent-outer.log")
if [ "$n" -ge 1 ] && [ "$o" = 0 ] && [ "$v" -ge 1 ]; then
	ok "tunnels: agent flows.inner logs the inner TLS flow to $VX4_SRV:443 (named vxtls.lab.test); without it, only VXLAN flows ($v)"
else
	bad "tunnels: agent flows.inner: $n inner TLS flows; without it $o inner, $v VXLAN: $(head -c 300 "$TMP/agent-inner.log") $(cat "$TMP/ai.err")"
fi

# 4. GRE, Geneve, IP in IP, 6in4, 4in6 and MPLS: crafted frames replayed
# onto the veth; watch must print what read prints of the same frames
cap=tests/golden/pcaps/crafted-tunnels.pcap
sel='ether src 02:00:00:00:00:02' # the crafted frames' source MAC
watch_bg "$TMP/rp.json" --json "$sel" || bad "tunnels replay attach: $(cat "$TMP/rp.json.err")"
in_cli tcpreplay -q -i plc0 "$cap" >"$TMP/tcpreplay.log" 2>&1 || bad "tcpreplay: $(tail -2 "$TMP/tcpreplay.log")"
want=$("$PKTLENS" read "$cap" "$sel" | wc -l)
wait_for 5 test "$(grep -c '' "$TMP/rp.json")" -ge "$want"
stop "$WPID"
strip='del(."frame.time_epoch", ."pktlens.ifname", ."frame.number")'
jq -c "$strip" "$TMP/rp.json" | sort >"$TMP/rp.got"
# frame 20 is cut by the capture: replayed, it is a whole (shorter) frame
"$PKTLENS" read "$cap" --json "$sel" | jq -c "select(.\"frame.number\" != 20) | $strip" |
	sort >"$TMP/rp.want"
missing=$(comm -13 "$TMP/rp.got" "$TMP/rp.want" | wc -l)
[ "$missing" -eq 0 ] && [ "$(wc -l <"$TMP/rp.want")" -ge 20 ] &&
	ok "tunnels: $(wc -l <"$TMP/rp.want") replayed tunnel and MPLS frames: the live records are read's" ||
	bad "tunnels: $missing of $want replayed frames differ live: $(comm -13 "$TMP/rp.got" "$TMP/rp.want" | head -2)"
