#!/usr/bin/env bash
# contrib/bash-completion/pktlens driven as bash-completion drives it: the
# library sourced, COMP_WORDS and COMP_CWORD set for a command line, the
# function called, COMPREPLY checked. The options come from build/pktlens's
# own --help, so a renamed option shows here.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { bad "completion: $BC missing (bash-completion, scripts/deps.sh)"; exit 1; }
. "$BC"
. contrib/bash-completion/pktlens
shopt -s extglob
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# comp LINE: COMPREPLY for the cursor at the end of LINE (a trailing space
# starts a new, empty word), one a line, sorted
comp() {
	local line=$1
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_WORDS[0]=$PKTLENS
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_pktlens 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect NAME LINE WORD...: the completions of LINE are exactly WORD...
expect() {
	local name=$1 line=$2 got want
	shift 2
	got=$(comp "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] && ok "completion-$name" || bad "completion-$name: '$line' gave '$got', want '$want'"
}
# has NAME LINE WORD...: the completions include each WORD (and not more
# than MAX when set)
has() {
	local name=$1 line=$2 got w
	shift 2
	got=$(comp "$line")
	for w in "$@"; do
		grep -qx -- "$w" <<<"$got" || { bad "completion-$name: '$line' lacks '$w' (got $(echo $got))"; return; }
	done
	ok "completion-$name"
}

expect commands "pktlens " agent block detect flows read tcp top watch --help
expect command-prefix "pktlens w" watch
expect agent-kafka "pktlens agent --ka" --kafka
expect agent-options-k "pktlens agent --i" --idle-timeout --inner --ipfix --interface
has watch-options "pktlens watch --" --interface --mode --json --write --snaplen --help
expect mode "pktlens watch -i lo --mode x" xdp xdp-generic
has interface "pktlens watch -i l" lo
expect interface-list "pktlens flows --interface lo,l" lo,lo
has interfaces "pktlens top -i " lo "$(ls /sys/class/net | head -1)"
expect events "pktlens tcp --events state,re" state,reset state,retrans
expect block "pktlens block " add del list
expect filter-l7 "pktlens watch -i lo tcp port 443 and tls." tls.sni tls.handshake.version
expect filter-after-value-option "pktlens detect -i lo -D 5 dns." dns.qry.name dns.qry.type dns.flags.rcode dns.id
# after an option that takes a number, nothing is offered
expect option-value "pktlens watch --count " 
touch "$TMP/a.pcap" "$TMP/b.pcapng" "$TMP/c.txt"
expect read-file "pktlens read $TMP/" "$TMP/a.pcap" "$TMP/b.pcapng"
expect read-filter "pktlens read $TMP/a.pcap -j ud" udp
