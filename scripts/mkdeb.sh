#!/usr/bin/env bash
# make deb: build/pktlens_VERSION_ARCH.deb with dpkg-deb, from build/pktlens:
#   /usr/bin/pktlens, its man page, the bash completion, the agent's systemd
#   unit (/lib/systemd/system/pktlens-agent.service, pointed at /usr/bin) and
#   the example configuration as a conffile (/etc/pktlens/agent.yaml).
# Depends: computed by dpkg-shlibdeps from the binary's libraries, so apt
# pulls in libbpf, libpcap, librdkafka, ... on a clean machine.
# VERSION: 0.1.0+git<commits>.<hash> of the tree it is built from. The .deb
# is a build product: never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/pktlens
[ -x "$BIN" ] || { echo "mkdeb: $BIN is missing; run make first" >&2; exit 1; }
for t in dpkg-deb dpkg-shlibdeps; do
	command -v "$t" >/dev/null || {
		echo "mkdeb: $t is missing; run scripts/deps.sh (dpkg-dev)" >&2
		exit 1
	}
done
ARCH=$(dpkg --print-architecture)
VERSION="0.1.0+git$(git rev-list --count HEAD 2>/dev/null || echo 0).$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
OUT=build/pktlens_${VERSION}_${ARCH}.deb
ROOT=build/deb/root
rm -rf build/deb
mkdir -p "$ROOT/DEBIAN"

make -s install DESTDIR="$PWD/$ROOT" PREFIX=/usr
# Debian policy: man pages compressed, binaries stripped
gzip -9n "$ROOT/usr/share/man/man8/pktlens.8"
strip --strip-unneeded "$ROOT/usr/bin/pktlens"
install -D -m 0644 contrib/agent.yaml "$ROOT/etc/pktlens/agent.yaml"
install -d "$ROOT/lib/systemd/system"
sed -e 's|/usr/local/bin/pktlens|/usr/bin/pktlens|' \
	-e 's|file:///usr/local/share/doc/pktlens/agent.md|file:///usr/share/doc/pktlens/agent.md|' \
	contrib/pktlens-agent.service >"$ROOT/lib/systemd/system/pktlens-agent.service"
install -D -m 0644 docs/agent.md "$ROOT/usr/share/doc/pktlens/agent.md"
install -m 0644 README.md "$ROOT/usr/share/doc/pktlens/README.md"

# dpkg-shlibdeps wants a debian/control beside it
mkdir -p build/deb/src/debian
printf 'Source: pktlens\n\nPackage: pktlens\nArchitecture: any\n' >build/deb/src/debian/control
DEPENDS=$(cd build/deb/src && dpkg-shlibdeps -O -e"../../../$ROOT/usr/bin/pktlens" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies for $BIN" >&2; exit 1; }

cat >"$ROOT/DEBIAN/control" <<EOF
Package: pktlens
Version: $VERSION
Architecture: $ARCH
Maintainer: pktlens developers <pktlens@example.org>
Section: net
Priority: optional
Depends: $DEPENDS
Installed-Size: $(du -sk "$ROOT" | cut -f1)
Homepage: https://example.org/pktlens
Description: eBPF packet observer: records parsed in the kernel at XDP or TC
 pktlens parses incoming packets in the kernel (Ethernet, VLAN, ARP, IPv4,
 IPv6, TCP, UDP, ICMP, SCTP, and TLS, DNS and HTTP hints), filters them
 with tcpdump's language, and sends user space only the records asked for.
 Flow accounting, detectors, a TCP lifecycle view and an agent with
 Prometheus, IPFIX, Kafka and JSON exports.
EOF
echo /etc/pktlens/agent.yaml >"$ROOT/DEBIAN/conffiles"
# files owned by root in the package, whoever built it
dpkg-deb --root-owner-group --build -Zxz "$ROOT" "$OUT" >/dev/null
echo "$OUT"
