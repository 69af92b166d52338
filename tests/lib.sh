# shellcheck shell=bash
# What the shell suites share; each sources it after cd to the repository:
#   . tests/lib.sh
#
# Results: ok NAME..., bad NAME..., skip NAME WHY... print the PASS, FAIL and
# SKIP lines tests/run.sh counts.
#
# The lab: the namespaces and state dir of scripts/lab.sh, so that a suite
# runs on a private lab beside another when PL_LAB_CLIENT, PL_LAB_SERVER
# and PL_LAB_RUN are set (they pass on to lab.sh):
#   CLI_NS, SRV_NS, LAB_RUN; in_cli/in_srv CMD... (bounded to 30 s);
#   LAB (the lab script); the lab's addresses CLI4, SRV4, CLI6, SRV6 (from
#   PL_LAB_CLI4, PL_LAB_SRV4, PL_LAB_CLI6, PL_LAB_SRV6, as lab.sh takes them).
#
# Waiting, never a fixed sleep for readiness:
#   wait_for SECONDS CMD...        until CMD succeeds
#   wait_line FILE TEXT SECONDS [PID]
#                                  until FILE has a line with TEXT (an
#                                  extended regex, grep -E); fails at once
#                                  when PID dies
#   start_bg OUT TEXT SECONDS CMD...
#                                  CMD in the background, stdout in OUT,
#                                  stderr in OUT.err, until OUT.err says
#                                  TEXT; BG_PID is its pid, kept for cleanup
#   start_tcpdump NS OUT ARGS...   tcpdump -w OUT ARGS... in NS (stderr in
#                                  OUT.err), bounded to TD_SECONDS (120),
#                                  until its "listening on" line (packets
#                                  before it are missed); TD_PID is its pid
#                                  (SIGINT flushes the file)
#
# Peers:
#   start_prometheus DIR           Prometheus in SRV_NS scraping the agent
#                                  (127.0.0.1:9464) every second, its API on
#                                  127.0.0.1:9090 there, data and log in DIR;
#                                  PROM_PID is its pid (wait for /-/ready)
#   quic_server DIR                Debian's ngtcp2 server (gtlsserver) on
#                                  the server's UDP 443, bounded to 90 s,
#                                  until it binds; log in DIR
#   quic_client DIR NAME [ARGS...] one HTTP/3 request of its client
#                                  (gtlsclient) to NAME, which is its SNI
#                                  (NAME resolves to the server in a private
#                                  /etc/hosts: gtlsclient 0.12 ignores --sni
#                                  for a numeric host); ARGS go before its
#                                  host, e.g. -v 6b3343cf; log in DIR
#   lab_loss_add [PORT] / lab_loss_del
#                                  drop 1 in 10 of the server's segments
#                                  from PORT (8080) where they arrive, in
#                                  CLI_NS (nftables table inet pl_loss)
#
# BPF programs:
#   prog_ids NAME                  ids of the loaded programs called NAME;
#                                  never `bpftool prog show name`, which
#                                  fails outright when any program is
#                                  being freed while it walks the list
#   pid_prog_ids PID [TYPE]        ids of the programs process PID holds
#                                  (its fds; TYPE: a prog_type number, 26
#                                  for tracing), for a count that other
#                                  pktlens processes on the machine (with
#                                  the same program names) cannot change
#
# Cleanup: every pid start_bg/start_tcpdump started (and any passed to
# track_pid) is in BG_PIDS; kill_bg [SIGNAL] signals and reaps them all.
# Each suite's EXIT trap calls kill_bg with what else it must undo;
# lab_cleanup is the whole trap of a suite that only started background
# pids, the lab and $TMP (trap lab_cleanup EXIT), and the start of the
# others' (lab_cleanup after their own steps).

PKTLENS=${PKTLENS:-$PWD/build/pktlens}
PCAP_DIR=${PCAP_DIR:-$PWD/../shared/pcaps}
LAB="bash scripts/lab.sh"
CLI_NS=${PL_LAB_CLIENT:-pl-client}
SRV_NS=${PL_LAB_SERVER:-pl-server}
LAB_RUN=${PL_LAB_RUN:-/run/pktlens-lab}
CLI4=${PL_LAB_CLI4:-198.18.0.2}
SRV4=${PL_LAB_SRV4:-198.18.0.1}
CLI6=${PL_LAB_CLI6:-2001:db8::2}
SRV6=${PL_LAB_SRV6:-2001:db8::1}
BG_PIDS=()

ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; }
skip() {
	local name=$1
	shift
	echo "SKIP $name ($*)"
}

prog_ids() {
	bpftool -j prog show 2>/dev/null | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'
}

pid_prog_ids() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk -v t="${2:-}" '$1 == "prog_type:" { ty = $2 } $1 == "prog_id:" { id = $2 }
			$1 == "link_type:" { link = 1 }
			END { if (id != "" && !link && (t == "" || ty == t)) print id }' "$f" 2>/dev/null
	done | sort -n
}

lab_cleanup() {
	kill_bg KILL
	$LAB down >/dev/null 2>&1
	rm -rf "$TMP"
}

# metric SAMPLE: its value on the agent's /metrics in the server's
# namespace, port METRICS_PORT (9464); metric_is SAMPLE VALUE
metric() {
	in_srv curl -s --max-time 2 "http://127.0.0.1:${METRICS_PORT:-9464}/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# srv CMD...: CMD in the server's namespace, unbounded (in_srv bounds it)
srv() { ip netns exec "$SRV_NS" "$@"; }

in_cli() { ip netns exec "$CLI_NS" timeout -k 2 30 "$@"; }
in_srv() { ip netns exec "$SRV_NS" timeout -k 2 30 "$@"; }

wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

wait_line() {
	local file=$1 text=$2 n=$(($3 * 20)) pid=${4:-}
	while [ "$n" -gt 0 ]; do
		grep -qE -- "$text" "$file" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			grep -qE -- "$text" "$file" 2>/dev/null
			return
		fi
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

track_pid() { BG_PIDS+=("$@"); }

quic_server() {
	ip netns exec "$SRV_NS" timeout -k 2 90 gtlsserver -q "${PL_LAB_SRV4:-198.18.0.1}" 443 \
		"$LAB_RUN/key.pem" "$LAB_RUN/cert.pem" >"$1/quic-server.log" 2>&1 &
	track_pid $!
	wait_for 10 quic_bound
}
quic_bound() { ip netns exec "$SRV_NS" ss -Hlnu "sport = :443" | grep -q .; }

quic_client() {
	local dir=$1 name=$2
	shift 2
	printf '%s %s\n' "${PL_LAB_SRV4:-198.18.0.1}" "$name" >"$dir/hosts.$name"
	ip netns exec "$CLI_NS" timeout -k 2 10 unshare -m sh -c \
		'h=$1 n=$2; shift 2; mount --bind "$h" /etc/hosts && exec gtlsclient -q --exit-on-all-streams-close "$@" "$n" 443 "https://$n/"' \
		sh "$dir/hosts.$name" "$name" "$@" >"$dir/client.$name.log" 2>&1
}

start_prometheus() {
	local dir=$1
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pktlens
    static_configs:
      - targets: ['127.0.0.1:9464']
EOF
	# ip netns exec execs it: $! is prometheus's own pid
	ip netns exec "$SRV_NS" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom" \
		--web.listen-address=127.0.0.1:9090 --log.level=warn >"$dir/prometheus.log" 2>&1 &
	PROM_PID=$!
}

lab_loss_add() {
	ip netns exec "$CLI_NS" nft -f - <<EOF
table inet pl_loss {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr $SRV4 tcp sport ${1:-8080} numgen random mod 10 == 0 drop
	}
}
EOF
}

lab_loss_del() { ip netns exec "$CLI_NS" nft delete table inet pl_loss 2>/dev/null; }

start_bg() {
	local out=$1 text=$2 secs=$3
	shift 3
	"$@" >"$out" 2>"$out.err" &
	BG_PID=$!
	track_pid "$BG_PID"
	wait_line "$out.err" "$text" "$secs" "$BG_PID"
}

# Tests that compare tcpdump's capture with pktlens pass --immediate-mode:
# without it the last packets can still wait in the kernel's capture block
# when SIGINT comes, and are never written.
start_tcpdump() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" timeout -k 2 "${TD_SECONDS:-120}" tcpdump -w "$out" "$@" \
		>/dev/null 2>"$out.err" &
	TD_PID=$!
	track_pid "$TD_PID"
	wait_line "$out.err" "listening on" 10 "$TD_PID"
}

kill_bg() {
	local sig=${1:-KILL} p
	for p in "${BG_PIDS[@]}"; do
		kill -"$sig" "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}
