#!/usr/bin/env bash
# Installs every Debian package pktlens needs to build, test, run the lab and
# benchmark. Idempotent: packages already present are not fetched again.
set -euo pipefail

PKGS=(
	# build
	make clang llvm gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libpcap-dev libclang-rt-14-dev
	# rtnetlink link events: interfaces that go, come back or are renamed
	libmnl-dev
	# lab and tests: real peers and packet tools
	iproute2 iputils-ping tshark tcpdump dnsmasq-base dnsutils curl openssl
	python3 python3-scapy xdp-tools netsniff-ng tcpreplay procps psmisc
	# pktlens tcp tests: random drops for retransmits
	nftables
	# pktlens detect tests: real scanners and flooders
	nmap hping3
	# pktlens top (ncurses), agent (Prometheus /metrics, YAML config, IPFIX)
	libncurses-dev libmicrohttpd-dev libyaml-dev libfixbuf-dev
	# flows/top/agent tests: real collectors and a terminal
	prometheus nfdump tmux
	# pktlens read --json output is checked with jq in the shell tests
	jq
	# filters: libpcap resolves service and protocol names (port domain,
	# ip proto tcp) from /etc/services and /etc/protocols
	netbase
	# QUIC: Initial packets are decrypted with OpenSSL (RFC 9001 keys); the
	# lab runs ngtcp2's GnuTLS client and server against each other
	libssl-dev ngtcp2-client ngtcp2-server
	# the agent's Kafka sink (librdkafka's mock cluster in tests, kcat reads)
	librdkafka-dev kcat
	# --anonymize (Crypto-PAn on AES: libcrypto, in libssl-dev above) and
	# --redact l7:keep-suffix (the public suffix list)
	libpsl-dev
	# make install / make deb: bash completion, the Debian package
	bash-completion dpkg-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (sudo make ...) so they can be installed" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq -o DPkg::Lock::Timeout=600
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
