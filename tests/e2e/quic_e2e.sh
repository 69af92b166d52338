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

# quic_client NAME: one HTTP/3 request to NAME (resolved to the server).
quic_client() {
	printf '%s %s\n' "$SRV4" "$1" >"$TMP/hosts.$1"
	ip netns exec "$CLI_NS" timeout -k 2 10 unshare -m sh -c \
		'mount --bind "$1" /etc/hosts && exec gtlsclient -q --exit-on-all-streams-close "$2" 443 "https://$2/"' \
		sh "$TMP/hosts.$1" "$1" >"$TMP/client.$1.log" 2>&1
}

udp443_bound() { ip netns exec "$SRV_NS" ss -Hlnu "sport = :443" | grep -q .; }

ip netns exec "$SRV_NS" timeout -k 2 60 gtlsserver -q "$SRV4" 443 "$LAB_RUN/key.pem" \
	"$LAB_RUN/cert.pem" >"$TMP/server.log" 2>&1 &
track_pid $!
wait_for 10 udp443_bound || { bad "quic gtlsserver did not bind UDP 443: $(tail -3 "$TMP/server.log")"; exit 1; }

SNI1="q$RANDOM$RANDOM.lab.test"
SNI2="r$RANDOM$RANDOM.lab.test"

# 1. filtered in the kernel and, after decryption, in user space
start_tcpdump "$SRV_NS" "$TMP/quic.pcap" -i pls0 -nn -U --immediate-mode -Q in udp port 443 ||
	bad "quic tcpdump did not start: $(cat "$TMP/quic.pcap.err")"
TPID=$TD_PID
start_bg "$TMP/w1" "watching pls0" 10 ip netns exec "$SRV_NS" "$PKTLENS" watch -i pls0 --json \
	--stats --duration 30 "tls.sni == \"$SNI1\"" || bad "quic watch did not start: $(cat "$TMP/w1.err")"
W1=$BG_PID
quic_client "$SNI1" || bad "quic gtlsclient $SNI1 failed: $(tail -3 "$TMP/client.$SNI1.log")"
quic_client "$SNI2" || bad "quic gtlsclient $SNI2 failed: $(tail -3 "$TMP/client.$SNI2.log")"
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
quic_client "$SNI2" || bad "quic gtlsclient $SNI2 failed (2nd)"
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
