#!/usr/bin/env bash
# Hostile and unlucky surroundings (issue 14): a squatted pin directory, a
# swapped pin, a hostile owner note. Each test prints PASS/FAIL.
#
# Runs under the lab lock (it attaches XDP): everything happens in a network
# namespace this script creates, on a veth pair of its own, and in that
# namespace's own mount namespace (a BPF filesystem mounted there without
# mode=, world-writable as on many hosts, and a private /run).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
NS=pl-hard-test
NS2=pl-hard-peer
TMP=$(mktemp -d)
chmod 755 "$TMP"
bg=

cleanup() {
	[ -n "${KEEP_TMP:-}" ] && cp -r "$TMP" /tmp/hardening-keep
	[ -n "$bg" ] && kill $bg 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link add hd0 type veth peer name hd1
ip -n "$NS" link set hd0 up
ip -n "$NS" link set hd1 up

# ---- pins (src/detect/pin.c) ----
# One `ip netns exec` for all of them, so that detect, block and the
# squatter share one mount namespace.
cat >"$TMP/pins.sh" <<'EOF'
set -uo pipefail
. tests/lib.sh
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
D=/sys/fs/bpf/pktlens
mount -t bpf bpf /sys/fs/bpf || { bad "pins: cannot mount a BPF filesystem"; exit 0; }
mount -t tmpfs -o mode=0755 tmpfs /run

# wait_path PATH SECONDS: until PATH exists (the pins are made after attaching)
wait_path() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# 1. An unprivileged user made the directory first.
nobody mkdir "$D" || bad "pins: user 65534 cannot mkdir in a world-writable /sys/fs/bpf"
"$PKTLENS" detect -i hd0 --duration 1 >/dev/null 2>"$TMP/squat.err"
if grep -qF "$D is owned by uid 65534, not root: pktlens will not use it; remove it (rm -r $D)" "$TMP/squat.err" &&
	[ -z "$(ls -A "$D" 2>/dev/null)" ]; then
	ok "pin-dir-squatted-refused"
else
	bad "pin-dir-squatted-refused: $(ls -A "$D" 2>/dev/null | tr '\n' ' ') stderr: $(head -c 400 "$TMP/squat.err")"
fi
"$PKTLENS" block list >/dev/null 2>"$TMP/squat-block.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "$D is owned by uid 65534" "$TMP/squat-block.err"; then
	ok "block-refuses-squatted-dir"
else
	bad "block-refuses-squatted-dir: exit $rc, stderr: $(head -c 300 "$TMP/squat-block.err")"
fi
rmdir "$D" 2>/dev/null

# 2. ... or a symbolic link to a directory of its choosing.
mkdir "$TMP/victim"
: >"$TMP/victim/drop4"
nobody ln -s "$TMP/victim" "$D"
"$PKTLENS" detect -i hd0 --duration 1 >/dev/null 2>"$TMP/link.err"
if grep -qF "$D is a symbolic link, not a directory: pktlens will not use it; remove it (rm -r $D)" "$TMP/link.err" &&
	[ -e "$TMP/victim/drop4" ]; then
	ok "pin-dir-symlink-refused"
else
	bad "pin-dir-symlink-refused: stderr: $(head -c 400 "$TMP/link.err")"
fi
rm "$D"

# 3. Made by pktlens: root's, 0700, and nobody else can put a pin in it.
"$PKTLENS" detect -i hd0 --duration 60 >/dev/null 2>"$TMP/detect.err" &
det=$!
if wait_path "$D/meta" 20; then
	st=$(stat -c '%U %a %F' "$D")
	[ "$st" = "root 700 directory" ] && ok "pin-dir-made-0700 ($st)" || bad "pin-dir-made-0700: $st"
	if nobody ln -s drop6 "$D/x" 2>/dev/null; then
		bad "pin-dir-closed-to-others: user 65534 made a link in it"
	else
		ok "pin-dir-closed-to-others"
	fi
	"$PKTLENS" block add 198.18.100.2 >/dev/null 2>"$TMP/b0.err" && ok "block-add-through-checked-pins" ||
		bad "block-add-through-checked-pins: $(cat "$TMP/b0.err")"
	# 4. A pin swapped for another map (as in the issue: drop4 -> drop6).
	rm "$D/drop4"
	bpftool map pin pinned "$D/drop6" "$D/drop4"
	"$PKTLENS" block add 198.18.100.3 >/dev/null 2>"$TMP/b1.err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "$D/drop4 is map 'det_drop6'" "$TMP/b1.err" &&
		grep -qF "remove $D" "$TMP/b1.err"; then
		ok "block-refuses-swapped-pin"
	else
		bad "block-refuses-swapped-pin: exit $rc, stderr: $(head -c 300 "$TMP/b1.err")"
	fi
	# 5. ... or for a symbolic link to it.
	rm "$D/drop4"
	ln -s "$D/drop6" "$D/drop4"
	"$PKTLENS" block add 198.18.100.4 >/dev/null 2>"$TMP/b2.err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "$D/drop4 is a symbolic link" "$TMP/b2.err"; then
		ok "block-refuses-symlinked-pin"
	else
		bad "block-refuses-symlinked-pin: exit $rc, stderr: $(head -c 300 "$TMP/b2.err")"
	fi
	if bpftool map dump pinned "$D/drop6" | grep -q '198\|c6 12 64'; then
		bad "block-refuses-swapped-pin: an IPv4 key went into drop6"
	fi
else
	bad "pins: detect did not pin within 20 s: $(head -c 300 "$TMP/detect.err")"
fi
kill -TERM "$det" 2>/dev/null
wait "$det"
rm -rf "$D"

# 6. The owner note: a /run/pktlens someone else owns, with the note a link
# to a file of theirs choosing. Root must not write through it.
mkdir -p /run/pktlens
chown 65534:65534 /run/pktlens
echo keep >"$TMP/victim.txt"
nobody ln -s "$TMP/victim.txt" /run/pktlens/pin-owner
"$PKTLENS" detect -i hd0 --duration 1 >/dev/null 2>"$TMP/note.err"
if [ "$(cat "$TMP/victim.txt")" = keep ] &&
	grep -qF "/run/pktlens is owned by uid 65534, not root: pktlens will not use it; remove it (rm -r /run/pktlens)" "$TMP/note.err"; then
	ok "owner-note-squatted-refused"
else
	bad "owner-note-squatted-refused: victim now '$(cat "$TMP/victim.txt")', stderr: $(head -c 300 "$TMP/note.err")"
fi
rm -rf /run/pktlens

# 7. SIGHUP ends detect as SIGTERM does: pins and owner note removed.
"$PKTLENS" detect -i hd0 >/dev/null 2>"$TMP/hup.err" &
det=$!
if wait_path "$D/meta" 20 && wait_path /run/pktlens/pin-owner 5; then
	kill -HUP "$det"
	wait "$det"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -e "$D/meta" ] && [ ! -e /run/pktlens/pin-owner ]; then
		ok "detect-sighup-cleans-up"
	else
		bad "detect-sighup-cleans-up: exit $rc, left: $(ls "$D" /run/pktlens 2>&1 | tr '\n' ' ')"
	fi
else
	bad "detect-sighup-cleans-up: detect did not pin: $(head -c 300 "$TMP/hup.err")"
	kill "$det" 2>/dev/null
	wait "$det"
fi
EOF
[ -n "${SKIP_PINS:-}" ] || PKTLENS=$PKTLENS TMP=$TMP ip netns exec "$NS" bash "$TMP/pins.sh"

# ---- a blocked stdout (issue 14 item 4) ----
# hd2 (here) <-> hd3 (in $NS2): a bounded ping flood from $NS2 for watch on
# hd2, whose stdout is a pipe that nobody reads.
ip netns add "$NS2"
ip -n "$NS" link add hd2 type veth peer name hd3 netns "$NS2"
ip -n "$NS" addr add 198.18.200.1/24 dev hd2
ip -n "$NS2" addr add 198.18.200.2/24 dev hd3
ip -n "$NS" link set hd2 up
ip -n "$NS2" link set hd3 up

flood() { # bounded: at most 200000 packets or 15 s
	ip netns exec "$NS2" ping -q -f -c 200000 -w 15 -s 200 198.18.200.1 >/dev/null 2>&1 &
	bg="$bg $!"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# blocked NAME SIGNAL ARGS...: watch ARGS into a pipe nobody reads, under
# the flood; SIGNAL (or "none": --duration ends it) once the loss line
# shows that output is blocked. Sets $secs (from the loss line to the exit)
# and $rc.
blocked() {
	local name=$1 sig=$2 fifo=$TMP/$1.fifo pid sleeper t0 t1
	shift 2
	mkfifo "$fifo"
	sleep 20 <"$fifo" &
	sleeper=$!
	bg="$bg $sleeper"
	ip netns exec "$NS" "$PKTLENS" watch -i hd2 "$@" >"$fifo" 2>"$TMP/$name.err" &
	pid=$!
	t0=$(now)
	if wait_line "$TMP/$name.err" "watching hd2" 20; then
		t0=$(now)
		flood
		if wait_line "$TMP/$name.err" "records lost in the ring buffer in the last second" 10; then
			[ "$sig" != none ] && { t0=$(now); kill -"$sig" "$pid"; }
		fi
	fi
	wait "$pid"
	rc=$?
	t1=$(now)
	secs=$(elapsed "$t0" "$t1")
	kill "$sleeper" 2>/dev/null
}

blocked duration none -D 3
n=$(grep -c "records lost in the ring buffer in the last second" "$TMP/duration.err")
if [ "$rc" -eq 0 ] && awk -v s="$secs" 'BEGIN { exit !(s < 10) }' && [ "$n" -ge 2 ]; then
	ok "blocked-stdout-duration: -D 3 ended ${secs}s after attaching, $n loss lines"
else
	bad "blocked-stdout-duration: exit $rc after ${secs}s (want < 10 s, -D 3), $n loss lines; stderr: $(head -c 300 "$TMP/duration.err")"
fi
for sig in TERM INT; do
	blocked "sig$sig" "$sig"
	if grep -q "records lost" "$TMP/sig$sig.err" && [ "$rc" -eq 0 ] &&
		awk -v s="$secs" 'BEGIN { exit !(s < 3) }'; then
		ok "blocked-stdout-sig$sig: exit $rc ${secs}s after SIG$sig"
	else
		bad "blocked-stdout-sig$sig: exit $rc ${secs}s after SIG$sig (want < 3 s); stderr: $(head -c 300 "$TMP/sig$sig.err")"
	fi
done

# ---- no silent loss of output (issue 14 item 5) ----
# lost NAME REGEX CMD-ARGS... (with the redirection in $redir): pktlens in
# $NS under a short flood must exit 1 with REGEX on stderr.
lost() {
	local name=$1 re=$2 pid
	shift 2
	case $redir in
	full) ip netns exec "$NS" "$PKTLENS" "$@" >/dev/full 2>"$TMP/$name.err" & ;;
	closed) ip netns exec "$NS" "$PKTLENS" "$@" >&- 2>"$TMP/$name.err" & ;;
	*) ip netns exec "$NS" "$PKTLENS" "$@" >/dev/null 2>"$TMP/$name.err" & ;;
	esac
	pid=$!
	wait_line "$TMP/$name.err" "watching hd2|flows on hd2|hd2" 20
	ip netns exec "$NS2" ping -q -f -c 20000 -w 5 -s 200 198.18.200.1 >/dev/null 2>&1
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qE -- "$re" "$TMP/$name.err"; then
		ok "$name"
	else
		bad "$name: exit $rc (want 1), stderr: $(head -c 300 "$TMP/$name.err")"
	fi
}
redir=full lost watch-json-to-dev-full "^pktlens: cannot write the records: No space left on device$" \
	watch -i hd2 --json -D 8
redir=closed lost watch-stdout-closed "^pktlens: cannot write the records: Bad file descriptor$" \
	watch -i hd2 -D 8
redir=full lost flows-to-dev-full "^pktlens: cannot write the records: No space left on device$" \
	flows -i hd2 -D 3
redir=null lost watch-w-dev-full "^pktlens: cannot write '/dev/full': No space left on device" \
	watch -i hd2 -D 3 -w /dev/full

# ---- SIGHUP on flows (issue 14 item 6): the at-exit export still happens ----
ip netns exec "$NS" "$PKTLENS" flows -i hd2 --json >"$TMP/hup-flows.json" 2>"$TMP/hup-flows.err" &
pid=$!
if wait_line "$TMP/hup-flows.err" "hd2" 20; then
	ip netns exec "$NS2" ping -q -c 3 -i 0.2 198.18.200.1 >/dev/null 2>&1
	kill -HUP "$pid"
fi
wait "$pid"
rc=$?
n=$(grep -c '"network.transport":"icmp"' "$TMP/hup-flows.json")
if [ "$rc" -eq 0 ] && [ "$n" -ge 1 ]; then
	ok "flows-sighup-exports ($n icmp flow records)"
else
	bad "flows-sighup-exports: exit $rc, $n icmp flow records; stderr: $(head -c 300 "$TMP/hup-flows.err")"
fi
help_note() { # CMD: its --help says what SIGHUP does
	if "$PKTLENS" "$1" --help | grep -qE "SIGHUP"; then ok "help-$1-sighup"; else bad "help-$1-sighup"; fi
}
help_note detect
help_note flows

# ---- a bad reload keeps /metrics (issue 14 item 3) ----
printf 'interfaces: [hd2]\nmetrics: { listen: "198.18.200.1:9464" }\n' >"$TMP/agent.yaml"
ip netns exec "$NS" "$PKTLENS" agent --config "$TMP/agent.yaml" -D 60 >/dev/null 2>"$TMP/agent.err" &
pid=$!
if wait_line "$TMP/agent.err" "metrics on http://" 30; then
	printf 'interfaces: [hd2]\nmetrics: { listen: bogus }\n' >"$TMP/agent.yaml"
	kill -HUP "$pid"
	wait_line "$TMP/agent.err" "reload failed" 10
	scraped=no
	for ((i = 0; i < 50; i++)); do # the first page comes with the first scan
		if ip netns exec "$NS2" curl -sf --max-time 2 -o "$TMP/metrics.txt" http://198.18.200.1:9464/metrics &&
			grep -q '^pktlens_' "$TMP/metrics.txt"; then
			scraped=yes
			break
		fi
		sleep 0.1
	done
	if grep -qF "agent.yaml:2: metrics.listen: 'bogus' is not ADDR:PORT" "$TMP/agent.err" &&
		[ "$scraped" = yes ]; then
		ok "agent-bad-reload-keeps-metrics"
	else
		bad "agent-bad-reload-keeps-metrics: stderr: $(tail -c 400 "$TMP/agent.err")"
	fi
else
	bad "agent-bad-reload-keeps-metrics: agent did not start: $(head -c 300 "$TMP/agent.err")"
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid"
