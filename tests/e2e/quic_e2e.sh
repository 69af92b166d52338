#!/usr/bin/env bash
# QUIC live in the lab: Debian's ngtcp2 GnuTLS client (gtlsclient) against
# its server (gtlsserver) on UDP 443, each round with a random SNI.
#  1. watch with a tls.sni filter: the kernel sends the client Initials up
#     whole, user space decrypts them and keeps only the one whose hello
#     names that SNI (with ALPN h3 and the QUIC header), and counts them;
#  2. watch without a filter, in text, shows the other round's SNI;
#  3. tshark, which decrypts Initials itself, agrees with `read` on a
#     tcpdump capture of what the client sent (tests/golden/compare.py).
# gtlsclient sends the name of HOST as SNI (its --sni is ignored for a
# numeric HOST in ngtcp2 0.12), so the name is put in a private /etc/hosts
# of its own mount namespace. Its ALPN is always h3.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
TMP=$(mktemp -d)
SRV4=${PL_LAB_SRV4:-198.18.0.1}

trap lab_cleanup EXIT

for t in gtlsclient gtlsserver tshark jq; do
	command -v "$t" >/dev/null || { skip quic "$t is not installed (scripts/deps.sh)"; exit 0; }
done
$LAB up >"$TMP/lab.log" 2>&1 || { bad "lab-up: $(tail -3 "$TMP/lab.log")"; exit 1; }

quic_server "$TMP" || { bad "quic gtlsserver did not bind UDP 443: $(tail -3 "$TMP/quic-server.log")"; exit 1; }

SNI1="q$RANDOM$RANDOM.lab.test"
SNI2="r$RANDOM$RANDOM.lab.test"

# 1. filtered in the kernel and, after decryption, in user space
start_tcpdump "$SRV_NS" "$TMP/quic.pcap" -i pls0 -nn -U --immediate-mode -Q in udp port 443 ||
	bad "quic tcpdump did not start: $(cat "$TMP/quic.pcap.err")"
TPID=$TD_PID
start_bg "$TMP/w1" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 --json \
	--stats --duration 30 "tls.sni == \"$SNI1\"" || bad "quic watch did not start: $(cat "$TMP/w1.err")"
W1=$BG_PID
quic_client "$TMP" "$SNI1" || bad "quic gtlsclient $SNI1 failed: $(tail -3 "$TMP/client.$SNI1.log")"
quic_client "$TMP" "$SNI2" || bad "quic gtlsclient $SNI2 failed: $(tail -3 "$TMP/client.$SNI2.log")"
wait_line "$TMP/w1" "$SNI1" 5 "$W1"
kill -INT "$W1" "$TPID" 2>/dev/null
wait "$W1" "$TPID" 2>/dev/null

n1=$(jq -s --arg s "$SNI1" '[.[] | select(.["tls.handshake.extensions_server_name"] == $s
	and .["tls.handshake.extensions_alpn_str"] == ["h3"] and .["quic.version"] == 1
	and .["quic.long.packet_type"] == 0 and (.["quic.dcid"] | length) >= 16
	and .["udp.dstport"] == 443 and (.["tls.handshake.extensions.supported_version"] | index(772)))]
	| length' "$TMP/w1")
others=$(jq -s --arg s "$SNI1" '[.[] | select(.["tls.handshake.extensions_server_name"] != $s)] | length' "$TMP/w1")
if [ "${n1:-0}" -ge 1 ] && [ "$others" = 0 ]; then
	ok "quic watch 'tls.sni == $SNI1': $n1 decrypted Initial(s) with ALPN h3, none of $SNI2"
else
	bad "quic watch 'tls.sni == $SNI1': $n1 matching, $others others: $(head -c 600 "$TMP/w1")"
fi
sent=$(grep -oE '[0-9]+ QUIC Initials decrypted here' "$TMP/w1.err" | grep -oE '^[0-9]+')
# both clients' Initials go up (the kernel cannot read their SNI), one record stays
if [ "${sent:-0}" -ge 2 ]; then
	ok "quic the kernel counted $sent client Initials sent up whole"
else
	bad "quic Initials sent up: '${sent:-none}': $(tail -2 "$TMP/w1.err")"
fi

# 2. no filter, text: the tcpdump-like line names the SNI
start_bg "$TMP/w2" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 \
	--duration 30 udp port 443 || bad "quic watch did not start: $(cat "$TMP/w2.err")"
W2=$BG_PID
quic_client "$TMP" "$SNI2" || bad "quic gtlsclient $SNI2 failed (2nd)"
wait_line "$TMP/w2" "sni=$SNI2" 5 "$W2"
kill -INT "$W2" 2>/dev/null
wait "$W2" 2>/dev/null
if grep -qE "> $SRV4\.443: UDP len [0-9]+ ttl 64 \| quic Initial v1 dcid=[0-9a-f]{16,} scid=[0-9a-f]* sni=$SNI2 alpn=h3 ver=0x0303$" "$TMP/w2"; then
	ok "quic watch text line: quic Initial v1 ... sni=$SNI2 alpn=h3"
else
	bad "quic watch text line for $SNI2: $(head -c 600 "$TMP/w2")"
fi

# 3. tshark's own decryption of the capture against read
if out=$(python3 tests/golden/compare.py "$PKTLENS" "$TMP" tests/golden/EXCEPTIONS quic.pcap 2>&1) &&
	[ "$("$PKTLENS" read "$TMP/quic.pcap" "tls.sni == \"$SNI1\" or tls.sni == \"$SNI2\"" | wc -l)" -ge 2 ]; then
	ok "quic golden: $(echo "$out" | grep -m1 '^PASS')"
else
	bad "quic golden: $(echo "$out" | tail -12)"
fi

# 4. flows, the agent and read --flows name the QUIC flow, marked as QUIC:
#    the kernel counts the Initial and sends it up, user space decrypts it
#    (runtime/flowtab.c); with a tls.sni filter, which the kernel cannot
#    judge, user space counts the one Initial the filter takes
SNI3="f$RANDOM$RANDOM.lab.test"
SNI4="g$RANDOM$RANDOM.lab.test"
start_bg "$TMP/fl" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" flows -i pls0 --json \
	--duration 30 udp port 443 || bad "quic flows did not start: $(cat "$TMP/fl.err")"
FL=$BG_PID
start_bg "$TMP/fs" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" flows -i pls0 \
	--duration 30 "tls.sni == \"$SNI3\"" || bad "quic flows did not start: $(cat "$TMP/fs.err")"
FS=$BG_PID
start_bg "$TMP/ag" "metrics on" 10 ip netns exec "$SRV_NS" "$PKTLENS" agent -i pls0 \
	--metrics 127.0.0.1:9464 --log "$TMP/agent.log" --duration 30 ||
	bad "quic agent did not start: $(cat "$TMP/ag.err")"
AG=$BG_PID
quic_client "$TMP" "$SNI3" || bad "quic gtlsclient $SNI3 failed: $(tail -3 "$TMP/client.$SNI3.log")"
quic_client "$TMP" "$SNI4" || bad "quic gtlsclient $SNI4 failed: $(tail -3 "$TMP/client.$SNI4.log")"
Q3="pktlens_top_tls_sni_packets{sni=\"$SNI3\",transport=\"quic\"}"
# (a table's entries are those of the scan before)
agent_quic() {
	metric_is "$Q3" 1 && metric_is "pktlens_top_tls_sni_packets{sni=\"$SNI4\",transport=\"quic\"}" 1 &&
		metric_is 'pktlens_table_entries{table="quic_snis"}' 2
}
if wait_for 5 agent_quic; then
	ok "quic agent /metrics: $Q3 1, and $SNI4's"
else
	bad "quic agent /metrics: $(in_srv curl -s http://127.0.0.1:9464/metrics | grep -E 'sni|quic')"
fi
kill -INT "$FL" "$FS" 2>/dev/null
kill -TERM "$AG" 2>/dev/null
wait "$FL" "$FS" "$AG" 2>/dev/null
# quic_flow FILE SNI: the client's flow records named SNI as QUIC
quic_flow() {
	jq -s --arg s "$2" --arg c "${PL_LAB_CLI4:-198.18.0.2}" '[.[] | select(.event == "flow"
		and .["tls.client.server_name"] == $s and .["network.protocol"] == "quic"
		and .["network.transport"] == "udp" and .["destination.port"] == 443
		and .["source.ip"] == $c and .["network.packets"] >= 2)] | length' "$1"
}
n3=$(quic_flow "$TMP/fl" "$SNI3")
n4=$(quic_flow "$TMP/fl" "$SNI4")
if [ "$n3" = 1 ] && [ "$n4" = 1 ]; then
	ok "quic flows: each connection's flow named $SNI3 / $SNI4, network.protocol quic"
else
	bad "quic flows: $n3 and $n4 records: $(head -c 900 "$TMP/fl")"
fi
if [ "$(wc -l <"$TMP/fs")" = 1 ] &&
	grep -qE "^[0-9:.]+ pls0 udp [0-9.]+ > $SRV4\.443: 1 packet, [0-9]+ bytes, .* \| quic sni=$SNI3$" "$TMP/fs"; then
	ok "quic flows 'tls.sni == $SNI3': its one Initial, none of $SNI4: $(cut -d' ' -f3- "$TMP/fs")"
else
	bad "quic flows 'tls.sni == $SNI3': $(cat "$TMP/fs")"
fi
[ "$(quic_flow "$TMP/agent.log" "$SNI3")" = 1 ] && ok "quic agent log: the flow named $SNI3, as QUIC" ||
	bad "quic agent log: $(grep -c . "$TMP/agent.log") records, none for $SNI3 as QUIC"
# read --flows on the first round's capture, which the host decrypts alike
"$PKTLENS" read "$TMP/quic.pcap" --flows --json >"$TMP/rf" 2>"$TMP/rf.err"
if [ "$(jq -s --arg s "$SNI1" '[.[] | select(.["tls.client.server_name"] == $s and .["network.protocol"] == "quic")] | length' "$TMP/rf")" = 1 ]; then
	ok "quic read --flows: $SNI1's flow as QUIC"
else
	bad "quic read --flows: $(head -c 600 "$TMP/rf") $(cat "$TMP/rf.err")"
fi
