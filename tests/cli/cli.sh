#!/usr/bin/env bash
# Bad input gets one clear line and SPEC.md's exit status, never a crash.
# Each test prints PASS/FAIL. Interfaces used here live in a namespace this
# script creates and removes.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
NS=pl-cli-test${PL_LAB_SERVER:+-$PL_LAB_SERVER} # private beside a private lab
TMP=$(mktemp -d)

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# expect NAME STATUS REGEX CMD...: CMD exits with STATUS and stderr matches REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$re" "$TMP/err"; then
		ok "$name"
	else
		bad "$name: exit $rc (want $want), stderr: $(head -c 300 "$TMP/err")"
	fi
}

ip netns add "$NS"
ip -n "$NS" link add plt0 type veth peer name plt1
ip -n "$NS" link set plt0 up
ip -n "$NS" link set plt1 up

expect unknown-command 2 "unknown command 'frobnicate'" "$PKTLENS" frobnicate
expect unknown-option 2 "unknown option|is unknown" "$PKTLENS" read "$PCAP_DIR/whois.pcap" --bogus
expect watch-needs-iface 2 "needs -i IFACE" ip netns exec "$NS" "$PKTLENS" watch
expect unknown-iface 2 "no interface named 'nosuch0'" ip netns exec "$NS" "$PKTLENS" watch -i nosuch0
expect bad-mode 2 "--mode: 'warp'" ip netns exec "$NS" "$PKTLENS" watch -i plt0 --mode warp
expect bad-count 2 "-c: 'x' is not a positive count" "$PKTLENS" read "$PCAP_DIR/whois.pcap" -c x
# -v and --verbose take no value: the word after them is the next argument
for v in -v --verbose; do
	n=$("$PKTLENS" read "$v" -c 2 "$PCAP_DIR/whois.pcap" 2>"$TMP/err" | wc -l)
	if [ "$n" -eq 2 ]; then
		ok "verbose-takes-no-value: read $v -c 2 FILE printed 2 records"
	else
		bad "verbose-takes-no-value: read $v -c 2 FILE printed $n records, stderr: $(head -c 300 "$TMP/err")"
	fi
done
# tunnel primitives (compile.c): what was expected, and where
TUN=tests/golden/pcaps/crafted-tunnels.pcap
expect filter-inner-bad 2 "inner: expected ip, ip6, tcp.*\(column 7\)" "$PKTLENS" read "$TUN" 'inner foo'
expect filter-inner-name 2 "inner host: expected an IPv4 or IPv6 address \(no names\) \(column 12\)" \
	"$PKTLENS" read "$TUN" 'inner host www.lab.test'
expect filter-inner-port 2 "inner port: expected a port number \(0 to 65535\)" \
	"$PKTLENS" read "$TUN" 'inner tcp port 70000'
expect filter-vxlan-vni 2 "vxlan: a VNI is 24 bits" "$PKTLENS" read "$TUN" 'vxlan 16777216'
expect no-btf 1 "no BTF .*CONFIG_DEBUG_INFO_BTF" \
	env PKTLENS_SYSFS_BTF=/nonexistent ip netns exec "$NS" "$PKTLENS" watch -i plt0
expect no-privileges 1 "CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" \
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PKTLENS" watch -i plt0 --duration 1
expect flows-options-alone 2 "set the flow table; add --flows" "$PKTLENS" read "$PCAP_DIR/whois.pcap" --idle-timeout 3
expect flows-and-detect 2 "--detect and --flows each replace" "$PKTLENS" read "$PCAP_DIR/whois.pcap" --flows --detect
expect missing-file 2 "cannot read '$TMP/none.pcap'" "$PKTLENS" read "$TMP/none.pcap"
printf 'this is not a capture' >"$TMP/junk.pcap"
expect not-a-capture 2 "cannot read .*junk.pcap" "$PKTLENS" read "$TMP/junk.pcap"

# A capture cut in the middle of a packet: the packets before it are printed.
head -c 1000 "$PCAP_DIR/whois.pcap" >"$TMP/cut.pcap"
expect truncated-capture 2 "cut short or damaged after packet" "$PKTLENS" read "$TMP/cut.pcap" --json
n=$(wc -l <"$TMP/out")
if [ "$n" -ge 3 ]; then ok "truncated-capture-keeps-records ($n records)"; else bad "truncated-capture-keeps-records: $n records"; fi

# On one stream, the records come before the message about the damage.
"$PKTLENS" read "$TMP/cut.pcap" >"$TMP/both" 2>&1
if [ "$(wc -l <"$TMP/both")" -ge 4 ] && tail -n 1 "$TMP/both" | grep -q "cut short"; then
	ok "truncated-capture-records-first"
else
	bad "truncated-capture-records-first: $(tail -n 2 "$TMP/both")"
fi

# Records that cannot be written: one line naming the cause, exit 1.
for fmt in text json; do
	args=()
	[ "$fmt" = json ] && args=(--json)
	"$PKTLENS" read "$PCAP_DIR/pktlens-lab-real-clients.pcap" "${args[@]}" >/dev/full 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "cannot write the records: No space left on device" "$TMP/err" &&
		[ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		ok "read-write-error-$fmt"
	else
		bad "read-write-error-$fmt: exit $rc, stderr: $(head -c 300 "$TMP/err")"
	fi
done

# The same records whether they leave in big writes (a file) or record by
# record (a stdin that is a pipe).
"$PKTLENS" read "$PCAP_DIR/pktlens-lab-real-clients.pcap" --json >"$TMP/file.json"
cat "$PCAP_DIR/pktlens-lab-real-clients.pcap" | "$PKTLENS" read - --json | cat >"$TMP/pipe.json"
if [ -s "$TMP/file.json" ] && cmp -s "$TMP/file.json" "$TMP/pipe.json"; then
	ok "read-batched-same-as-streamed"
else
	bad "read-batched-same-as-streamed"
fi

# A link type the parser does not read (802.11, 105): one clear line. In a
# pcapng beside an Ethernet interface: its packets are skipped with one
# line for the link type, however many packets it has; the rest are read.
python3 - "$TMP/wlan.pcap" "$TMP/mixed.pcapng" <<'PY'
import struct, sys
eth = bytes.fromhex("020000000001020000000002080045000014000040004000" "0000c6120001c6120002")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    f.write(struct.pack("<IIII", 0, 0, 24, 24) + bytes(24))
def blk(t, body):
    body += bytes(-len(body) % 4)
    return struct.pack("<II", t, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
def epb(i, d):
    return blk(6, struct.pack("<IIIII", i, 0, 0, len(d), len(d)) + d)
out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
out += blk(1, struct.pack("<HHI", 1, 0, 0)) + blk(1, struct.pack("<HHI", 105, 0, 0))
out += epb(1, bytes(24)) + epb(0, eth) + epb(1, bytes(24)) + epb(0, eth)
open(sys.argv[2], "wb").write(out)
PY
expect unsupported-linktype 2 "link type IEEE802_11 \(105\); pktlens reads Ethernet, Linux cooked .*raw IP" \
	"$PKTLENS" read "$TMP/wlan.pcap"
"$PKTLENS" read --json "$TMP/mixed.pcapng" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
	grep -q "interface of link type IEEE802_11 (105): its packets are skipped" "$TMP/err" &&
	[ "$(jq -s '[.[] | .["frame.number"]] | @csv' "$TMP/out")" = '"2,4"' ]; then
	ok "unsupported-linktype-one-line-per-type"
else
	bad "unsupported-linktype-one-line-per-type: exit $rc, $(wc -l <"$TMP/out") records, stderr: $(head -c 300 "$TMP/err")"
fi

# -w keeps a packet's link type: a Linux cooked capture is written as one
# (tshark says so) and reads back to the same records
cooked=$PCAP_DIR/tcp-handshake-nano.pcap
if "$PKTLENS" read "$cooked" -w "$TMP/sll.pcapng" >/dev/null 2>"$TMP/err" &&
	[ "$(tshark -r "$TMP/sll.pcapng" -T fields -e frame.encap_type 2>/dev/null | sort -u)" = 25 ] &&
	"$PKTLENS" read --json "$cooked" >"$TMP/a" &&
	"$PKTLENS" read --json "$TMP/sll.pcapng" | jq -c 'del(.["frame.interface_name"])' >"$TMP/b" &&
	jq -c . "$TMP/a" | cmp -s - "$TMP/b" && [ -s "$TMP/a" ]; then
	ok "read-w-keeps-linux-cooked"
else
	bad "read-w-keeps-linux-cooked: $(head -c 300 "$TMP/err")"
fi

# -w of a pcapng of three link types: one interface block each, with its
# name and link type (tshark: Ethernet 1, raw IP 7, Linux cooked 25)
multi=tests/golden/pcaps/crafted-multi.pcapng
if "$PKTLENS" read "$multi" -w "$TMP/multi.pcapng" >/dev/null 2>"$TMP/err" &&
	[ "$(tshark -r "$TMP/multi.pcapng" -T fields -e frame.interface_name -e frame.encap_type 2>/dev/null |
		sort -u | tr '\t\n' ':,')" = "any:25,tun-golden:7,veth-golden:1," ] &&
	"$PKTLENS" read --json "$multi" >"$TMP/a" && "$PKTLENS" read --json "$TMP/multi.pcapng" >"$TMP/b" &&
	cmp -s "$TMP/a" "$TMP/b" && [ "$(wc -l <"$TMP/a")" -eq 6 ]; then
	ok "read-w-one-block-per-link-type"
else
	bad "read-w-one-block-per-link-type: $(head -c 300 "$TMP/err")"
fi

# stdin works as a file
if "$PKTLENS" read - --json <"$PCAP_DIR/whois.pcap" >"$TMP/stdin.json" &&
	grep -q '"tcp.srcport"' "$TMP/stdin.json"; then
	ok "read-stdin"
else
	bad "read-stdin"
fi

# Every number goes through one checked parser (src/util/num.h): plain
# decimal only, in range. None of these may reach the interface lookup (the
# interface does not exist, so nothing is ever attached here).
for v in nan inf 1e400 5abc 0x1 -1 0 ' 5' 5. 99999999999999999999999999; do
	expect "duration-rejects-'$v'" 2 "^pktlens: --duration: '$v' is not a number of seconds: a decimal number from 0.001 to" \
		ip netns exec "$NS" "$PKTLENS" watch -i nosuch0 --duration "$v"
done
expect duration-short-spelling 2 "^pktlens: -D: '5abc' is not a number of seconds" \
	ip netns exec "$NS" "$PKTLENS" watch -i nosuch0 -D 5abc
# a good value passes the parser and gets as far as the interface
expect duration-fraction-accepted 2 "no interface named 'nosuch0'" \
	ip netns exec "$NS" "$PKTLENS" watch -i nosuch0 --duration 0.5
for v in 5abc 0x1 -1 1e3 18446744073709551616 ' 5'; do
	expect "count-rejects-'$v'" 2 "^pktlens: -c: '$v' is not a positive count: a whole number from 1 to 18446744073709551615" \
		"$PKTLENS" read "$PCAP_DIR/whois.pcap" -c "$v"
done
if "$PKTLENS" read "$PCAP_DIR/whois.pcap" -c 18446744073709551615 >/dev/null 2>&1; then
	ok "count-max-accepted"
else
	bad "count-max-accepted"
fi
# --attribute: watch (with -w too), flows, detect and agent take it (the
# option parses: the missing interface is what stops them), not read or top
for cmd in "watch -w $TMP/x.pcapng" flows detect; do
	# shellcheck disable=SC2086 # $cmd: the command and its options
	expect "attribute-${cmd%% *}" 2 "^pktlens: no interface named 'nosuch0'" \
		ip netns exec "$NS" "$PKTLENS" $cmd -i nosuch0 --attribute
done
expect attribute-not-for-top 2 "attribute" "$PKTLENS" top -i lo --attribute
expect attribute-not-for-read 2 "attribute" "$PKTLENS" read "$PCAP_DIR/whois.pcap" --attribute
expect idle-timeout-rejects-exponent 2 "^pktlens: --idle-timeout: '1e3' is not a number of seconds" \
	ip netns exec "$NS" "$PKTLENS" flows -i nosuch0 --idle-timeout 1e3
expect rate-rejects-overflow 2 "^pktlens: --rate: '1000000001' is not a packet rate: a whole number from 1 to 1000000000" \
	ip netns exec "$NS" "$PKTLENS" watch -i nosuch0 --rate 1000000001
expect sample-rejects-junk 2 "^pktlens: --sample: '2x' is not" \
	ip netns exec "$NS" "$PKTLENS" watch -i nosuch0 --sample 2x
expect snaplen-rejects-hex 2 "^pktlens: --snaplen: '0x100' is not" \
	"$PKTLENS" read "$PCAP_DIR/whois.pcap" --snaplen 0x100
expect flow-entries-range 2 "^pktlens: --flow-entries: '63' is not a table size: a whole number from 64 to" \
	ip netns exec "$NS" "$PKTLENS" flows -i nosuch0 --flow-entries 63
expect block-ttl-rejects-inf 2 "^pktlens: --ttl: 'inf' is not a number of seconds" \
	"$PKTLENS" block add 198.18.100.2 --ttl inf
expect window-rejects-nan 2 "^pktlens: --window: 'nan' is not a window in seconds: a decimal number from 0.01 to 3600" \
	"$PKTLENS" read "$PCAP_DIR/whois.pcap" --detect --window nan
for v in 1e3 0x10 ' 7' 7abc; do
	expect "threshold-rejects-'$v'" 2 "port_scan_ports: '$v' is not a whole number above zero" \
		"$PKTLENS" read "$PCAP_DIR/whois.pcap" --detect --threshold "port_scan_ports=$v"
done
expect threshold-entropy-nan 2 "dns_entropy: 'nan' is not a number above zero" \
	"$PKTLENS" read "$PCAP_DIR/whois.pcap" --detect --threshold dns_entropy=nan
if "$PKTLENS" read "$PCAP_DIR/whois.pcap" --detect --threshold dns_entropy=4.2,port_scan_ports=20 >/dev/null 2>&1; then
	ok "threshold-good-values-accepted"
else
	bad "threshold-good-values-accepted"
fi
# the agent's config file goes through the same parser
printf 'flows: { idle_timeout: 1e3 }\n' >"$TMP/exp.yaml"
expect agent-config-seconds-exponent 2 "exp.yaml:1: flows.idle_timeout: expected a positive number of seconds" \
	"$PKTLENS" agent --config "$TMP/exp.yaml"
printf 'flows: { entries: 0x10000 }\n' >"$TMP/hex.yaml"
expect agent-config-count-hex 2 "hex.yaml:1: flows.entries: '0x10000' is not a number" \
	"$PKTLENS" agent --config "$TMP/hex.yaml"

# Exporter addresses are checked while parsing, before anything is
# attached or changed (issue 14 item 3): the config's with file:line.
printf 'interfaces: [nosuch0]\nmetrics:\n  listen: bogus\n' >"$TMP/listen.yaml"
expect agent-config-bad-listen 2 "listen.yaml:3: metrics.listen: 'bogus' is not ADDR:PORT" \
	"$PKTLENS" agent --config "$TMP/listen.yaml"
# ... and so is the filter, so that a reload with one that does not compile
# is refused before the kernel side is torn down (the soak found it)
printf 'interfaces: [nosuch0]\nfilter: "udp and"\n' >"$TMP/filter.yaml"
expect agent-config-bad-filter 2 "filter.yaml:2: filter: bad filter: .*column" \
	"$PKTLENS" agent --config "$TMP/filter.yaml"
printf 'interfaces: [nosuch0]\nipfix: { collector: "192.0.2.10:99999" }\n' >"$TMP/collector.yaml"
expect agent-config-bad-collector 2 "collector.yaml:2: ipfix.collector: '192.0.2.10:99999' is not HOST:PORT" \
	"$PKTLENS" agent --config "$TMP/collector.yaml"
# The config is one document, every key once, no NUL byte (issue 14 item
# 11): what would go unread or be cut is refused with the file's line.
printf 'interfaces: [nosuch0]\nflows:\n  entries: 4096\n  entries: 65536\n' >"$TMP/dupkey.yaml"
expect agent-config-duplicate-key 2 "^pktlens: .*dupkey.yaml:4: flows.entries: given twice \(first at line 3\); keep one$" \
	"$PKTLENS" agent --config "$TMP/dupkey.yaml"
printf 'interfaces: [nosuch0]\ninterface: nosuch1\n' >"$TMP/dupalias.yaml"
expect agent-config-duplicate-alias 2 "dupalias.yaml:2: interface: the same setting as 'interfaces' \(line 1\); keep one" \
	"$PKTLENS" agent --config "$TMP/dupalias.yaml"
printf 'interfaces: [nosuch0]\ndetect: { enabled: true, thresholds: { port_scan_ports: 20, port_scan_ports: 30 } }\n' >"$TMP/dupthr.yaml"
expect agent-config-duplicate-threshold 2 "dupthr.yaml:2: detect.thresholds.port_scan_ports: given twice" \
	"$PKTLENS" agent --config "$TMP/dupthr.yaml"
printf 'interfaces: [nosuch0]\n---\nfilter: "not port 22"\n' >"$TMP/twodocs.yaml"
expect agent-config-second-document 2 "twodocs.yaml:2: a second YAML document: the configuration is one" \
	"$PKTLENS" agent --config "$TMP/twodocs.yaml"
printf 'interfaces: [nosuch0]\nfilter: "ip\\0"\n' >"$TMP/nul.yaml"
expect agent-config-nul-byte 2 "nul.yaml:2: filter: the value holds a NUL byte \(\\\\0\); remove it" \
	"$PKTLENS" agent --config "$TMP/nul.yaml"
# markers of one document are fine: the file is read, the interface is next
printf -- '---\ninterfaces: [nosuch0]\nfilter: "ip"\n...\n' >"$TMP/onedoc.yaml"
expect agent-config-one-document-markers 2 "no interface named 'nosuch0'" \
	ip netns exec "$NS" "$PKTLENS" agent --config "$TMP/onedoc.yaml"

# Messages escape what they echo (issue 14 item 8): no control byte reaches
# the terminal, and the caret stays under the byte it points at.
"$PKTLENS" read tests/golden/pcaps/crafted-mix.pcap $'host \e[2J and port 80' >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f-\xff]' "$TMP/err" &&
	grep -qF "bad filter: can't parse filter expression: syntax error (column 6)" "$TMP/err" &&
	[ "$(sed -n 2p "$TMP/err")" = '  host \x1b[2J and port 80' ] &&
	[ "$(sed -n 3p "$TMP/err")" = '       ^' ]; then
	echo "PASS filter-error-escaped"
else
	echo "FAIL filter-error-escaped: exit $rc, stderr: $(cat -v "$TMP/err" | head -c 300)"
fi
# an escaped byte before the token libpcap names moves the caret with it
"$PKTLENS" read tests/golden/pcaps/crafted-mix.pcap $'tls.sni == "\e" and port 99999' >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -qF "illegal port number 99999 > 65535 (column 25)" "$TMP/err" &&
	[ "$(sed -n 2p "$TMP/err")" = '  tls.sni == "\x1b" and port 99999' ] &&
	[ "$(sed -n 3p "$TMP/err")" = "$(printf '  %27s^' '')" ]; then
	echo "PASS filter-error-escaped-caret"
else
	echo "FAIL filter-error-escaped-caret: exit $rc, stderr: $(cat -v "$TMP/err" | head -c 300)"
fi
ip netns exec "$NS" "$PKTLENS" watch -i $'\e]0;x\a' >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f-\xff]' "$TMP/err" &&
	grep -qF "no interface named '\x1b]0;x\x07'" "$TMP/err"; then
	echo "PASS iface-error-escaped"
else
	echo "FAIL iface-error-escaped: exit $rc, stderr: $(cat -v "$TMP/err" | head -c 300)"
fi
expect agent-flag-bad-metrics 2 "^pktlens: --metrics: 'bogus' is not ADDR:PORT" \
	ip netns exec "$NS" "$PKTLENS" agent -i nosuch0 --metrics bogus
expect agent-flag-bad-ipfix 2 "^pktlens: --ipfix: 'a b:4739' is not HOST:PORT" \
	ip netns exec "$NS" "$PKTLENS" agent -i nosuch0 --ipfix 'a b:4739'
expect agent-flag-bad-port 2 "^pktlens: --metrics: '127.0.0.1:[+]80' is not ADDR:PORT" \
	ip netns exec "$NS" "$PKTLENS" agent -i nosuch0 --metrics 127.0.0.1:+80

# -c is a count everywhere; the agent's file is --config, and the old
# spelling -c FILE still reaches the same place.
expect agent-config-long 2 "cannot read the configuration '$TMP/none.yaml'" \
	"$PKTLENS" agent --config "$TMP/none.yaml"
expect agent-config-old-c 2 "cannot read the configuration '$TMP/none.yaml'" \
	"$PKTLENS" agent -c "$TMP/none.yaml"
help_has() { # NAME CMD-WORDS... -- REGEX: the --help output matches REGEX
	local name=$1 re
	shift
	re=${*: -1}
	if "$PKTLENS" "${@:1:$#-1}" 2>&1 | grep -qE -- "$re"; then
		ok "$name"
	else
		bad "$name: no /$re/ in: $("$PKTLENS" "${@:1:$#-1}" 2>&1 | head -c 300)"
	fi
}
help_has help-agent-config agent --help '^      --config FILE .*-c FILE, the old spelling, still works'
help_has help-watch-count watch --help '^  -c, --count COUNT '
help_has help-grouped-by-use watch --help '^records:$'
help_has help-options-by-command --help '^options, by command:$'
if "$PKTLENS" agent --help | grep -qE -- '^  -c, '; then
	bad "help-agent-no-c-count: agent --help shows -c as its own option"
else
	ok "help-agent-no-c-count"
fi

# The interface vanishes while watching: a clear message and exit 1.
ip netns exec "$NS" "$PKTLENS" watch -i plt0 --duration 20 >"$TMP/out" 2>"$TMP/err" &
pid=$!
# delete it once watch is attached (deleting it earlier tests the attach)
for _ in $(seq 200); do
	grep -q "watching plt0" "$TMP/err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
ip -n "$NS" link del plt0
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "interface plt0 disappeared" "$TMP/err"; then
	ok "iface-vanishes"
else
	bad "iface-vanishes: exit $rc, stderr: $(cat "$TMP/err")"
fi
