#!/usr/bin/env bash
# pktlens lab: two network namespaces joined by a veth pair, with real Debian
# servers in pl-server and real clients in pl-client.
#
#   lab.sh up               create the lab (idempotent)
#   lab.sh traffic [ROUNDS] one bounded round of client traffic per ROUND
#   lab.sh down             remove everything (idempotent)
#   lab.sh status           show what is up
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used, only inside the namespaces;
# the host's own interfaces are never touched.
set -euo pipefail

# PL_LAB_CLIENT, PL_LAB_SERVER and PL_LAB_RUN give a second, private lab
# (other namespace names and state dir), e.g. for a test run beside another.
NS_CLI=${PL_LAB_CLIENT:-pl-client}
NS_SRV=${PL_LAB_SERVER:-pl-server}
IF_CLI=plc0
IF_SRV=pls0
# PL_LAB_CLI4/SRV4/CLI6/SRV6 give that lab addresses of its own too, so
# that tools which see every namespace (pktlens tcp) never confuse them.
CLI4=${PL_LAB_CLI4:-198.18.0.2}
SRV4=${PL_LAB_SRV4:-198.18.0.1}
CLI6=${PL_LAB_CLI6:-2001:db8::2}
SRV6=${PL_LAB_SRV6:-2001:db8::1}
NAME=www.lab.test
RUN=${PL_LAB_RUN:-/run/pktlens-lab}
WWW=$RUN/www
PY=/usr/bin/python3
T=10 # seconds: upper bound for any single client command

die() {
	echo "lab: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
}

ns_exists() {
	ip netns list | awk '{print $1}' | grep -qx "$1"
}

# alive PIDFILE WORD: the pid in PIDFILE runs and its command line has WORD.
alive() {
	local pid
	[ -r "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

# listening tcp|udp PORT: something in pl-server listens on PORT.
listening() {
	local flag=-t
	[ "$1" = udp ] && flag=-u
	ip netns exec "$NS_SRV" ss -Hln "$flag" "sport = :$2" | grep -q .
}

# start_daemon NAME CMD...: run CMD in pl-server in its own session, pid in
# $RUN/NAME.pid, output in $RUN/NAME.log; skipped when it already runs.
start_daemon() {
	local name=$1
	shift
	if alive "$RUN/$name.pid" "$1"; then
		return 0
	fi
	# sh records its own pid (after any fork by setsid), then becomes CMD.
	# shellcheck disable=SC2016 # $$ and $@ are for the inner sh
	ip netns exec "$NS_SRV" setsid sh -c 'echo $$ >"$0"; exec "$@"' \
		"$RUN/$name.pid" "$@" </dev/null >>"$RUN/$name.log" 2>&1 &
}

# wait_listen PROTO PORT NAME: up to 5 s for the server to listen.
wait_listen() {
	local i
	for i in $(seq 50); do
		listening "$1" "$2" && return 0
		sleep 0.1
	done
	echo "lab: $3 does not listen on $1/$2; its log:" >&2
	tail -n 20 "$RUN/$3.log" >&2 || true
	return 1
}

setup_net() {
	local ns
	for ns in "$NS_CLI" "$NS_SRV"; do
		ns_exists "$ns" || ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# Both ends are created directly inside their namespaces, never in the host's.
	if ! ip -n "$NS_SRV" link show "$IF_SRV" >/dev/null 2>&1; then
		ip -n "$NS_CLI" link del "$IF_CLI" 2>/dev/null || true
		ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name "$IF_SRV" netns "$NS_SRV"
	fi
	ip -n "$NS_CLI" addr replace "$CLI4/24" dev "$IF_CLI"
	ip -n "$NS_CLI" addr replace "$CLI6/64" dev "$IF_CLI" nodad
	ip -n "$NS_SRV" addr replace "$SRV4/24" dev "$IF_SRV"
	ip -n "$NS_SRV" addr replace "$SRV6/64" dev "$IF_SRV" nodad
	ip -n "$NS_CLI" link set "$IF_CLI" up
	ip -n "$NS_SRV" link set "$IF_SRV" up
	# Wait (up to 2 s) until both ends report carrier.
	local i
	for i in $(seq 20); do
		ip -n "$NS_CLI" -br link show "$IF_CLI" | grep -q ' UP ' &&
			ip -n "$NS_SRV" -br link show "$IF_SRV" | grep -q ' UP ' && return 0
		sleep 0.1
	done
	die "veth $IF_CLI/$IF_SRV did not come up"
}

setup_files() {
	mkdir -p "$WWW"
	chmod 755 "$RUN"
	# Files of known sizes for HTTP downloads.
	[ -s "$WWW/1k.bin" ] || head -c 1024 /dev/zero >"$WWW/1k.bin"
	[ -s "$WWW/100k.bin" ] || head -c 102400 /dev/zero >"$WWW/100k.bin"
	[ -s "$WWW/1m.bin" ] || head -c 1048576 /dev/zero >"$WWW/1m.bin"
	[ -s "$WWW/index.html" ] ||
		printf '<html><body>pktlens lab: %s</body></html>\n' "$NAME" >"$WWW/index.html"
	# Self-signed certificate for www.lab.test.
	if [ ! -s "$RUN/cert.pem" ] || [ ! -s "$RUN/key.pem" ]; then
		(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -days 30 -subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" \
			-keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>"$RUN/openssl-req.log") ||
			die "openssl req failed: $(cat "$RUN/openssl-req.log")"
	fi
}

setup_servers() {
	# DNS: authoritative-only answers for the lab, no upstream, no DHCP.
	if ! alive "$RUN/dnsmasq.pid" dnsmasq; then
		ip netns exec "$NS_SRV" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts \
			--no-poll --bind-dynamic --listen-address="$SRV4" --listen-address="$SRV6" \
			--port=53 --local=/lab.test/ --host-record="$NAME,$SRV4,$SRV6" \
			--txt-record="$NAME,pktlens lab" --user=root --log-queries \
			--log-facility="$RUN/dnsmasq.log" --pid-file="$RUN/dnsmasq.pid" ||
			die "dnsmasq failed to start (see $RUN/dnsmasq.log)"
	fi
	# HTTP on 80 and 8080; --bind :: is dual-stack (IPv4 and IPv6).
	local port
	for port in 80 8080; do
		start_daemon "http-$port" "$PY" -u -m http.server "$port" --bind :: --directory "$WWW"
	done
	# TLS on 443 and 8443; -www answers a GET with a status page.
	for port in 443 8443; do
		start_daemon "tls-$port" openssl s_server -accept "$port" -cert "$RUN/cert.pem" \
			-key "$RUN/key.pem" -alpn h2,http/1.1 -www
	done
	wait_listen udp 53 dnsmasq
	wait_listen tcp 53 dnsmasq
	for port in 80 8080; do wait_listen tcp "$port" "http-$port"; done
	for port in 443 8443; do wait_listen tcp "$port" "tls-$port"; done
}

cmd_up() {
	need_root
	for c in ip dnsmasq openssl "$PY" ss setsid; do
		command -v "$c" >/dev/null || die "$c not found; run scripts/deps.sh"
	done
	# Namespaces without our state dir: servers we can't track; start afresh.
	if [ ! -d "$RUN" ] && { ns_exists "$NS_CLI" || ns_exists "$NS_SRV"; }; then
		echo "lab: $RUN is missing; recreating the lab" >&2
		cmd_down >/dev/null
	fi
	setup_net
	setup_files
	setup_servers
	echo "lab: up ($NS_CLI/$IF_CLI $CLI4 $CLI6 <-> $NS_SRV/$IF_SRV $SRV4 $SRV6)"
}

# c CMD...: run one client command in pl-client, bounded in time; count failures.
FAILS=0
c() {
	if ! ip netns exec "$NS_CLI" timeout -k 2 "$T" "$@" >/dev/null 2>&1; then
		echo "lab: traffic: failed: $*" >&2
		FAILS=$((FAILS + 1))
	fi
}

one_round() {
	local dig=(dig +time=2 +tries=1 +short)
	local curl=(curl -s -o /dev/null --max-time 5)
	# DNS over IPv4 and IPv6.
	c "${dig[@]}" @"$SRV4" "$NAME" A
	c "${dig[@]}" @"$SRV6" "$NAME" AAAA
	c "${dig[@]}" @"$SRV4" "$NAME" TXT
	# HTTP with Host: www.lab.test, over IPv4 and IPv6.
	c "${curl[@]}" --resolve "$NAME:80:$SRV4" "http://$NAME/1k.bin"
	c "${curl[@]}" --resolve "$NAME:8080:$SRV4" "http://$NAME:8080/1k.bin"
	c "${curl[@]}" --resolve "$NAME:80:[$SRV6]" "http://$NAME/1k.bin"
	c "${curl[@]}" --resolve "$NAME:8080:[$SRV6]" "http://$NAME:8080/100k.bin"
	# POST (http.server answers 501; the request is what matters).
	c "${curl[@]}" --resolve "$NAME:80:$SRV4" -d 'user=lab&msg=hello' "http://$NAME/form"
	# TLS ClientHello with SNI and ALPN.
	local ep
	for ep in "$SRV4:443" "$SRV4:8443" "[$SRV6]:443"; do
		c openssl s_client -connect "$ep" -servername "$NAME" -alpn h2,http/1.1 </dev/null
	done
	# ICMP and ICMPv6 echo.
	c ping -c 2 -i 0.2 -W 2 "$SRV4"
	c ping -6 -c 2 -i 0.2 -W 2 "$SRV6"
}

cmd_traffic() {
	local rounds=${1:-1} i
	if ! [[ $rounds =~ ^[0-9]+$ ]] || [ "$rounds" -lt 1 ] || [ "$rounds" -gt 100000 ]; then
		echo "lab: traffic: ROUNDS must be a number from 1 to 100000" >&2
		exit 2
	fi
	need_root
	if ! ns_exists "$NS_CLI" || ! ns_exists "$NS_SRV"; then
		die "lab is not up; run: $0 up"
	fi
	for i in $(seq "$rounds"); do
		[ "$i" -gt 1 ] && sleep 1
		one_round
	done
	[ "$FAILS" -eq 0 ] || die "traffic: $FAILS command(s) failed"
}

# kill_pids SIG PID...: send SIG to those pids that still exist.
kill_pids() {
	local sig=$1 p
	shift
	for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
}

cmd_down() {
	need_root
	local f ns pids i
	# Daemons by pid file (checked against their name).
	if [ -d "$RUN" ]; then
		for f in "$RUN"/*.pid; do
			[ -e "$f" ] || continue
			case $(basename "$f") in
			dnsmasq.pid) alive "$f" dnsmasq && kill_pids TERM "$(cat "$f")" ;;
			http-*.pid) alive "$f" http.server && kill_pids TERM "$(cat "$f")" ;;
			tls-*.pid) alive "$f" s_server && kill_pids TERM "$(cat "$f")" ;;
			esac
		done
	fi
	# Whatever else still runs inside the lab's namespaces (clients, strays).
	for ns in "$NS_CLI" "$NS_SRV"; do
		ns_exists "$ns" || continue
		for i in $(seq 30); do
			mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
			[ "${#pids[@]}" -eq 0 ] && break
			if [ "$i" -lt 20 ]; then kill_pids TERM "${pids[@]}"; else kill_pids KILL "${pids[@]}"; fi
			sleep 0.1
		done
		# Removing the namespace removes the veth end in it (and its peer).
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$RUN"
	echo "lab: down"
}

cmd_status() {
	local ns f name w any=0
	for ns in "$NS_CLI" "$NS_SRV"; do
		if ns_exists "$ns"; then
			any=1
			echo "netns $ns: up"
			ip -n "$ns" -brief addr show | sed 's/^/  /'
		else
			echo "netns $ns: absent"
		fi
	done
	if [ -d "$RUN" ]; then
		for f in "$RUN"/*.pid; do
			[ -e "$f" ] || continue
			name=$(basename "$f" .pid)
			case $name in
			dnsmasq) w=dnsmasq ;; http-*) w=http.server ;; *) w=s_server ;;
			esac
			if alive "$f" "$w"; then
				echo "$name: running (pid $(cat "$f"))"
			else
				echo "$name: not running"
			fi
		done
	fi
	if ns_exists "$NS_SRV"; then
		echo "listening in $NS_SRV:"
		ip netns exec "$NS_SRV" ss -Hlntu | awk '{print "  " $1 " " $5}'
	fi
	[ "$any" -eq 1 ] || echo "lab: down"
}

case ${1:-} in
up) cmd_up ;;
traffic) cmd_traffic "${2:-1}" ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: $0 up|traffic [ROUNDS]|down|status" >&2
	exit 2
	;;
esac
