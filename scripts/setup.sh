#!/bin/sh
# Install exactly the Debian packages rackless needs to build, test and run its demo.
# Idempotent: packages already present are skipped, and apt is not touched at all then.
#   sh scripts/setup.sh            what the build, the tests and the demo need
#   sh scripts/setup.sh --peers    and the systems the benchmarks put beside
#                                  rackless (OVS-DPDK 3.1), for side-by-side runs
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
clang
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
# clang: compiles the switch's own BPF programs (the kernel fast path,
# dataplane/bpf/kfast.bpf.c) for the BPF target at build time.
# qemu-system-x86, linux-image-amd64, busybox-static and cpio: the vm-qemu
# test boots a real guest (Debian's kernel, a busybox initramfs built by
# tests/tools/mkguest.sh) on a vhost port. The kernel is only a file for
# QEMU under /boot; the machine keeps booting its own.
if [ "${1:-}" = --peers ]; then
	# bench/forwarding.sh runs ../shared/peers/bench_forwarding.sh when
	# OVS-DPDK is installed; its services are not started (the peers'
	# script starts its own ovsdb-server and vswitchd, and stops them)
	PKGS="$PKGS openvswitch-switch-dpdk"
fi

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
