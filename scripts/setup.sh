#!/bin/sh
# Install exactly the Debian packages rackless needs to build, test and run its demo.
# Idempotent: packages already present are skipped, and apt is not touched at all then.
set -eu

PKGS="
build-essential
meson
ninja-build
pkg-config
libdpdk-dev
libmnl-dev
libjansson-dev
libyaml-dev
libcmocka-dev
libpcap-dev
libbpf-dev
libxdp-dev
xdp-tools
iproute2
iputils-ping
iperf3
ethtool
graphviz
procps
python3
python3-scapy
tcpdump
netsniff-ng
qemu-system-x86
linux-image-amd64
busybox-static
cpio
"
# qemu-system-x86, linux-image-amd64, busybox-static and cpio: the vm-qemu
# test boots a real guest (Debian's kernel, a busybox initramfs built by
# tests/tools/mkguest.sh) on a vhost port. The kernel is only a file for
# QEMU under /boot; the machine keeps booting its own.

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
echo "setup: all packages present"
