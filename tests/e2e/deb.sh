#!/usr/bin/env bash
# make deb, then the package on this machine: dpkg -i installs it and
# /usr/bin/pktlens --help runs; its completion completes; dpkg -r removes
# every file but the conffile, dpkg -P that too. Root (dpkg); nothing is left
# installed, even when a check fails. Skipped when a pktlens package is
# installed already: this suite does not remove what it did not install.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
FILES="/usr/bin/pktlens /usr/share/man/man8/pktlens.8.gz
/usr/share/bash-completion/completions/pktlens /lib/systemd/system/pktlens-agent.service
/usr/share/doc/pktlens/agent.md"
CONF=/etc/pktlens/agent.yaml
INSTALLED=0

if dpkg-query -W -f='${Status}' pktlens 2>/dev/null | grep -q "ok installed"; then
	skip deb "a pktlens package is installed already; this suite would remove it"
	exit 0
fi
cleanup() { [ "$INSTALLED" -eq 1 ] && dpkg -P pktlens >/dev/null 2>&1; }
trap cleanup EXIT

DEB=$(make -s deb 2>"${TMPDIR:-/tmp}/mkdeb.$$.err" | tail -1)
if [ -f "$DEB" ]; then
	ok "deb-built: $(basename "$DEB")"
else
	bad "deb-built: $(cat "${TMPDIR:-/tmp}/mkdeb.$$.err")"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/mkdeb.$$.err"
listing=$(dpkg-deb -c "$DEB" | awk '{ print substr($6, 2) }')
missing=
for f in $FILES $CONF; do
	grep -qx "$f" <<<"$listing" || missing="$missing $f"
done
[ -z "$missing" ] && ok "deb-contents: binary, man page, completion, unit, example config" ||
	bad "deb-contents: missing$missing"
dpkg-deb -f "$DEB" Depends | grep -q librdkafka1 && ok "deb-depends: $(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | wc -l) libraries, from dpkg-shlibdeps" ||
	bad "deb-depends: $(dpkg-deb -f "$DEB" Depends)"

if dpkg -i "$DEB" >/tmp/deb-install.$$ 2>&1; then
	INSTALLED=1
	ok "deb-install"
else
	bad "deb-install: $(tail -3 /tmp/deb-install.$$)"
	rm -f /tmp/deb-install.$$
	exit 1
fi
rm -f /tmp/deb-install.$$
out=$(/usr/bin/pktlens --help 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "^usage: pktlens COMMAND" <<<"$out" && grep -q -- "--kafka" <<<"$out" &&
	ok "deb-pktlens-help" || bad "deb-pktlens-help: rc $rc: $(head -3 <<<"$out")"
grep -q '^ExecStart=/usr/bin/pktlens agent --config /etc/pktlens/agent.yaml' \
	/lib/systemd/system/pktlens-agent.service && ok "deb-unit-points-at-usr-bin" ||
	bad "deb-unit-points-at-usr-bin: $(grep ExecStart /lib/systemd/system/pktlens-agent.service)"
# the installed completion, with the installed binary
got=$(bash -c '. /usr/share/bash-completion/bash_completion
	. /usr/share/bash-completion/completions/pktlens
	COMP_WORDS=(/usr/bin/pktlens agent --kaf); COMP_CWORD=2; _pktlens 2>/dev/null; echo "${COMPREPLY[*]}"')
[ "$got" = "--kafka" ] && ok "deb-completion" || bad "deb-completion: got '$got'"
zcat /usr/share/man/man8/pktlens.8.gz | grep -q '^\.TH PKTLENS' && ok "deb-man-page" || bad "deb-man-page"

if dpkg -r pktlens >/dev/null 2>&1; then
	left=
	for f in $FILES; do [ -e "$f" ] && left="$left $f"; done
	[ -z "$left" ] && [ -f "$CONF" ] && ok "deb-remove: files gone, the conffile kept" ||
		bad "deb-remove: left$left; conffile $( [ -f "$CONF" ] && echo kept || echo gone)"
else
	bad "deb-remove: dpkg -r failed"
fi
if dpkg -P pktlens >/dev/null 2>&1 && [ ! -e "$CONF" ] && ! dpkg-query -W pktlens >/dev/null 2>&1; then
	INSTALLED=0
	ok "deb-purge: the conffile gone, dpkg knows no pktlens"
else
	bad "deb-purge: $(dpkg-query -W -f='${Status}' pktlens 2>&1), conffile $( [ -e "$CONF" ] && echo kept)"
fi
