#!/usr/bin/env bash
# Interfaces that change while watched (issue 14 item 12): one of several
# goes away (the others stay watched, one line says which went and what
# next), it comes back with the same name (--reattach, the agent's default:
# records resume), and one is renamed (records, flow records, -w interface
# blocks and metrics labels carry the new name). Each test prints PASS/FAIL.
#
# Runs under the lab lock (it attaches TC/XDP): everything happens in two
# network namespaces of its own, $NS (where pktlens runs) and $NS2 (the
# peers, which ping), joined by veth pairs this script makes and remakes.
# Readiness is always pktlens's own lines ("watching ...", "disappeared",
# "is back", "is now named"), never a sleep.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
NS=pl-ifc-test
NS2=pl-ifc-peer
TMP=$(mktemp -d)
chmod 755 "$TMP"

cleanup() {
	kill_bg KILL
	[ -n "${KEEP_TMP:-}" ] && rm -rf /tmp/ifaces-keep && cp -r "$TMP" /tmp/ifaces-keep
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns del "$NS" 2>/dev/null
ip netns del "$NS2" 2>/dev/null
ip netns add "$NS"
ip netns add "$NS2"
ip -n "$NS" link set lo up

# link NAME NET: NAME in $NS (198.18.NET.1/24) <-> NAMEp in $NS2 (.2)
link() {
	ip -n "$NS" link add "$1" type veth peer name "$1p" netns "$NS2" &&
		ip -n "$NS" addr add "198.18.$2.1/24" dev "$1" &&
		ip -n "$NS2" addr add "198.18.$2.2/24" dev "$1p" &&
		ip -n "$NS" link set "$1" up &&
		ip -n "$NS2" link set "$1p" up
}
# fresh: ifa0 (198.18.210.0/24) and ifb0 (198.18.211.0/24), nothing else
fresh() {
	local l
	for l in $(ip -n "$NS" -o link show type veth | awk -F'[ :@]+' '{ print $2 }'); do
		ip -n "$NS" link del "$l" 2>/dev/null
	done
	link ifa0 210 && link ifb0 211
}
# rename OLD NEW (a veth must be down to be renamed)
rename() {
	ip -n "$NS" link set "$1" down &&
		ip -n "$NS" link set "$1" name "$2" &&
		ip -n "$NS" link set "$2" up
}
# ping_net NET: two echo requests from the peer to 198.18.NET.1 (bounded)
ping_net() { ip netns exec "$NS2" ping -q -c 2 -i 0.2 -w 5 "198.18.$1.1" >/dev/null 2>&1; }
# pktlens CMD ARGS... in $NS, for start_bg: exec, so that BG_PID is
# pktlens itself, bounded by its own --duration; in TC mode (what is tested
# here is the same for every mode, and auto mode's choice is another test's)
pl() {
	local cmd=$1
	shift
	exec ip netns exec "$NS" "$PKTLENS" "$cmd" -D 80 --mode "${MODE:-tc}" "$@"
}
count() { grep -c -- "$2" "$1" 2>/dev/null; }
# wait_count FILE TEXT N SECONDS: until FILE has at least N lines with TEXT
wait_count() {
	local i
	for ((i = 0; i < $4 * 20; i++)); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}
# stop PID: SIGTERM, and its exit status in $rc
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	rc=$?
}
err_of() { head -c 600 "$1.err" | tr '\n' '|'; }
ICMP_B=" ifb0 198.18.211.2 > 198.18.211.1: ICMP"
ICMP_A=" ifa0 198.18.210.2 > 198.18.210.1: ICMP"

# ---- 1. one of two goes, no --reattach: the other stays watched ----
fresh
O=$TMP/two
if start_bg "$O" "watching ifb0" 20 pl watch -i ifa0,ifb0; then
	pid=$BG_PID
	ping_net 211
	wait_count "$O" "$ICMP_B" 2 10
	before=$(count "$O" "$ICMP_B")
	ip -n "$NS" link del ifb0
	if wait_line "$O.err" "interface ifb0 disappeared; still watching ifa0 [(]with --reattach" 10 "$pid" &&
		ping_net 210 && wait_line "$O" "$ICMP_A" 10 "$pid" && kill -0 "$pid" 2>/dev/null; then
		ok "watch-one-of-two-goes-others-watched ($before ifb0 records before, ifa0 records after)"
	else
		bad "watch-one-of-two-goes-others-watched: alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no), $(count "$O" "$ICMP_A") ifa0 records; stderr: $(err_of "$O")"
	fi
	# back with the same name: without --reattach it stays detached
	link ifb0 211
	ping_net 211
	n_a=$(count "$O" "$ICMP_A")
	ping_net 210
	wait_count "$O" "$ICMP_A" $((n_a + 1)) 10
	if [ "$(count "$O" "$ICMP_B")" -eq "$before" ] && ! grep -q "interface ifb0 is back (" "$O.err"; then
		ok "watch-no-reattach-stays-detached"
	else
		bad "watch-no-reattach-stays-detached: $(count "$O" "$ICMP_B") ifb0 records (had $before); stderr: $(err_of "$O")"
	fi
	stop "$pid"
	[ "$rc" -eq 0 ] && ok "watch-one-of-two-exit-0" || bad "watch-one-of-two-exit-0: exit $rc"
else
	bad "watch-one-of-two-goes-others-watched: watch did not attach: $(err_of "$O")"
fi

# ---- 2. --reattach: records of the interface resume, -w names it ----
fresh
O=$TMP/re
if start_bg "$O" "watching ifb0" 20 pl watch --reattach -i ifa0,ifb0 -w "$TMP/re.pcapng"; then
	pid=$BG_PID
	ping_net 211
	wait_count "$O" "$ICMP_B" 2 10
	before=$(count "$O" "$ICMP_B")
	ip -n "$NS" link del ifb0
	if wait_line "$O.err" "interface ifb0 disappeared; still watching ifa0; attaching again when an interface named ifb0 appears" 10 "$pid"; then
		ok "watch-reattach-says-which-went"
	else
		bad "watch-reattach-says-which-went: stderr: $(err_of "$O")"
	fi
	link ifb0 211
	if wait_line "$O.err" "interface ifb0 is back" 10 "$pid" &&
		wait_count "$O.err" "watching ifb0 with" 2 10 &&
		ping_net 211 && wait_count "$O" "$ICMP_B" $((before + 1)) 10; then
		ok "watch-reattach-records-resume ($before ifb0 records before, $(count "$O" "$ICMP_B") after)"
	else
		bad "watch-reattach-records-resume: $(count "$O" "$ICMP_B") ifb0 records (had $before); stderr: $(err_of "$O")"
	fi
	stop "$pid"
	# the packets after the re-attach (another ifindex) are ifb0's in the capture
	n=$(tshark -r "$TMP/re.pcapng" -Y 'icmp && ip.src == 198.18.211.2' -T fields \
		-e frame.interface_name 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')
	if [ "$rc" -eq 0 ] && [[ "$n" =~ ^\ ?([0-9]+)\ ifb0\ ?$ ]] &&
		[ "${BASH_REMATCH[1]}" -gt "$before" ]; then
		ok "watch-reattach-pcapng-names-it ($n)"
	else
		bad "watch-reattach-pcapng-names-it: exit $rc, interface names of ifb0's echo requests: '$n' (want only ifb0, more than $before)"
	fi
else
	bad "watch-reattach-records-resume: watch did not attach: $(err_of "$O")"
fi

# ---- 3. --reattach with a single interface: it waits for it (XDP here) ----
fresh
O=$TMP/one
if MODE=xdp-generic start_bg "$O" "watching ifb0" 20 pl watch --reattach -i ifb0; then
	pid=$BG_PID
	ip -n "$NS" link del ifb0
	if wait_line "$O.err" "interface ifb0 disappeared; nothing left to watch: waiting for an interface named ifb0" 10 "$pid" &&
		link ifb0 211 && wait_count "$O.err" "watching ifb0 with" 2 10 &&
		ping_net 211 && wait_line "$O" "$ICMP_B" 10 "$pid"; then
		ok "watch-reattach-single-waits"
	else
		bad "watch-reattach-single-waits: alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no); stderr: $(err_of "$O")"
	fi
	stop "$pid"
else
	bad "watch-reattach-single-waits: watch did not attach: $(err_of "$O")"
fi

# ---- 4. a rename while watched: records and -w carry the new name ----
fresh
O=$TMP/ren
if start_bg "$O" "watching ifb0" 20 pl watch --json -i ifa0,ifb0 -w "$TMP/ren.pcapng" icmp; then
	pid=$BG_PID
	ping_net 211
	wait_line "$O" '"pktlens.ifname":"ifb0"' 10
	rename ifb0 ifb1
	if wait_line "$O.err" "interface ifb0 is now named ifb1" 10 "$pid" &&
		ping_net 211 && wait_line "$O" '"pktlens.ifname":"ifb1"' 10 "$pid"; then
		ok "watch-rename-records-carry-new-name"
	else
		bad "watch-rename-records-carry-new-name: $(count "$O" '"pktlens.ifname":"ifb1"') records of ifb1; stderr: $(err_of "$O")"
	fi
	stop "$pid"
	names=$(tshark -r "$TMP/ren.pcapng" -Y 'ip.src == 198.18.211.2' -T fields \
		-e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
	if [ "$names" = "ifb0 ifb1 " ]; then
		ok "watch-rename-pcapng-new-block"
	else
		bad "watch-rename-pcapng-new-block: interface names '$names' (want ifb0 then ifb1)"
	fi
else
	bad "watch-rename-records-carry-new-name: watch did not attach: $(err_of "$O")"
fi

# ---- 5. flows: a rename and a deletion; the flow records follow ----
fresh
O=$TMP/flows
if start_bg "$O" "watching ifb0" 20 pl flows --json -I 1 -i ifa0,ifb0 icmp; then
	pid=$BG_PID
	rename ifa0 ifa1
	wait_line "$O.err" "interface ifa0 is now named ifa1" 10 "$pid"
	ip -n "$NS" link del ifb0
	wait_line "$O.err" "interface ifb0 disappeared; still watching ifa1" 10 "$pid"
	ping_net 210
	if wait_line "$O" '"observer.ingress.interface.name":"ifa1"' 15 "$pid" &&
		kill -0 "$pid" 2>/dev/null; then
		ok "flows-follow-rename-and-deletion"
	else
		bad "flows-follow-rename-and-deletion: $(head -c 300 "$O"); stderr: $(err_of "$O")"
	fi
	stop "$pid"
	[ "$rc" -eq 0 ] || bad "flows-follow-rename-and-deletion: exit $rc"
else
	bad "flows-follow-rename-and-deletion: flows did not attach: $(err_of "$O")"
fi

# ---- 6. the agent re-attaches by default; metrics labels follow a rename ----
fresh
O=$TMP/agent
metrics() { ip netns exec "$NS" curl -sf --max-time 2 http://127.0.0.1:19464/metrics; }
# metric_has REGEX: the page has a sample line matching REGEX
metric_has() { metrics | grep -qE -- "$1"; }
if start_bg "$O" "metrics on http://" 30 pl agent -i ifb0 --metrics 127.0.0.1:19464 --log - \
	--idle-timeout 1 && wait_for 10 metric_has '^pktlens_attached\{interface="ifb0"'; then
	pid=$BG_PID
	ip -n "$NS" link del ifb0
	if wait_line "$O.err" "interface ifb0 disappeared; nothing left to watch: waiting for an interface named ifb0" 10 "$pid" &&
		wait_for 10 eval '! metric_has "^pktlens_attached\{interface=\"ifb0\""'; then
		ok "agent-iface-gone-keeps-running"
	else
		bad "agent-iface-gone-keeps-running: alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no); stderr: $(err_of "$O")"
	fi
	link ifb0 211
	if wait_line "$O.err" "interface ifb0 is back" 10 "$pid" &&
		wait_for 10 metric_has '^pktlens_attached\{interface="ifb0"' &&
		ping_net 211 &&
		wait_line "$O" '"observer.ingress.interface.name":"ifb0","network.type":"ipv4","network.transport":"icmp"' 15 "$pid"; then
		ok "agent-reattach-by-default"
	else
		bad "agent-reattach-by-default: stderr: $(err_of "$O"); log: $(head -c 300 "$O")"
	fi
	rename ifb0 ifb1
	# the echo requests since the re-attach (2 before the rename, 2 after)
	# count under the new name; none under the old one
	why=
	if ! wait_line "$O.err" "interface ifb0 is now named ifb1" 10 "$pid" || ! ping_net 211; then
		why="no rename line, or no ping"
	elif ! wait_for 15 metric_has '^pktlens_packets_total\{interface="ifb1",family="ipv4",protocol="icmp"\} ([4-9]|[1-9][0-9]+)$'; then
		why="not 4 icmp packets under ifb1"
	elif ! wait_for 10 metric_has '^pktlens_attached\{interface="ifb1"'; then
		# (the page is written at each scan: its attachment and its
		# counters may change names one scan apart)
		why="not attached under ifb1"
	elif metric_has '^pktlens_packets_total\{interface="ifb0",family="ipv4",protocol="icmp"\}'; then
		why="icmp packets still under ifb0"
	elif ! wait_line "$O" '"observer.ingress.interface.name":"ifb1","network.type":"ipv4","network.transport":"icmp"' 15 "$pid"; then
		why="no icmp flow record of ifb1"
	fi
	if [ -z "$why" ]; then
		ok "agent-rename-metrics-labels"
	else
		bad "agent-rename-metrics-labels: $why: $(metrics | grep -E '^pktlens_(packets_total|attached)' | tr '\n' '|'); stderr: $(err_of "$O")"
	fi
	stop "$pid"
	[ "$rc" -eq 0 ] || bad "agent-reattach-by-default: exit $rc"
else
	bad "agent-reattach-by-default: the agent did not start: $(err_of "$O")"
fi

# ---- 7. the agent with --no-reattach stops as tcpdump does ----
fresh
O=$TMP/agent-no
if start_bg "$O" "metrics on http://" 30 pl agent -i ifb0 --no-reattach --metrics 127.0.0.1:19465; then
	pid=$BG_PID
	ip -n "$NS" link del ifb0
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "interface ifb0 disappeared; stopping (start pktlens again once it is back, or use --reattach)" "$O.err"; then
		ok "agent-no-reattach-stops"
	else
		bad "agent-no-reattach-stops: exit $rc; stderr: $(err_of "$O")"
	fi
else
	bad "agent-no-reattach-stops: the agent did not start: $(err_of "$O")"
fi
# ---- 8. an agent reload that rebuilds the kernel side while its interface
# is away waits for it, instead of failing back to a configuration that
# cannot load either ----
fresh
O=$TMP/agent-reload
printf 'interfaces: [ifa0, ifb0]\nmetrics: { listen: "127.0.0.1:19466" }\n' >"$TMP/reload.yaml"
if start_bg "$O" "metrics on http://" 30 pl agent --config "$TMP/reload.yaml"; then
	pid=$BG_PID
	ip -n "$NS" link del ifb0
	wait_line "$O.err" "interface ifb0 disappeared; still watching ifa0" 10 "$pid"
	# a new filter: the kernel side is rebuilt
	printf 'interfaces: [ifa0, ifb0]\nfilter: "icmp"\nmetrics: { listen: "127.0.0.1:19466" }\n' >"$TMP/reload.yaml"
	kill -HUP "$pid"
	if wait_line "$O.err" "interface ifb0 is still away; attaching when it appears" 10 "$pid" &&
		link ifb0 211 && wait_line "$O.err" "interface ifb0 is back" 10 "$pid" &&
		wait_count "$O.err" "watching ifb0 with" 2 10 && kill -0 "$pid" 2>/dev/null &&
		! grep -q "reload failed\|does not load" "$O.err"; then
		ok "agent-reload-while-away-waits"
	else
		bad "agent-reload-while-away-waits: alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no); stderr: $(err_of "$O")"
	fi
	stop "$pid"
else
	bad "agent-reload-while-away-waits: the agent did not start: $(err_of "$O")"
fi

# (a single interface without --reattach ending with status 1 and one line
# is tests/cli/cli.sh's iface-vanishes)

# ---- 9. --help says so ----
if "$PKTLENS" watch --help | grep -qE '^      --reattach ' &&
	"$PKTLENS" agent --help | grep -qE '^      --no-reattach ' &&
	! "$PKTLENS" agent --help | grep -qE '^      --reattach '; then
	ok "help-reattach"
else
	bad "help-reattach: watch/agent --help do not show --reattach/--no-reattach"
fi
