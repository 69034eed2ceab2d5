#!/bin/bash
# Forwarding benchmark, one run, side by side: two namespaces joined by
#   direct    a veth pair (upper bound)
#   bridge    a Linux bridge (two veth pairs)
#   afpacket  rackless-switch, afpacket ports
#   tap       rackless-switch, tap ports
# Figures: ping RTT p50/p99 (over N pings), iperf3 TCP (1 stream) Gbit/s.
# Every case runs with TX checksum offload off on the host interfaces (what
# rackless' afpacket ports need today), and, for the kernel cases, also
# with default offloads. Prints a table and writes JSON to $OUT.
#
# usage: forwarding.sh [pings=500] [iperf_secs=5]
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
RL=${RACKLESS:?}
PINGS=${1:-500}
SECS=${2:-5}
OUT=${OUT:-/tmp/rackless-bench-forwarding.json}
P=rb$$                     # everything this run creates starts with this
TMP=$(mktemp -d /tmp/rackless-bench-XXXXXX)
MADE_NS=""; MADE_LINKS=""; LAB=""

cleanup() {
	[ -n "$LAB" ] && "$RL" down "$LAB" >/dev/null 2>&1
	for l in $MADE_LINKS; do ip link del "$l" 2>/dev/null; done
	for n in $MADE_NS; do ip netns del "$n" 2>/dev/null; done
	MADE_NS=""; MADE_LINKS=""; LAB=""
}
trap 'cleanup; rm -rf "$TMP"' EXIT INT TERM

mkns() { ip netns add "$1"; MADE_NS="$MADE_NS $1"; ip -n "$1" link set lo up; }

setup_direct() {
	mkns ${P}a; mkns ${P}b
	ip link add eth0 netns ${P}a type veth peer name eth0 netns ${P}b
	ip -n ${P}a addr add 10.250.0.1/24 dev eth0; ip -n ${P}a link set eth0 up
	ip -n ${P}b addr add 10.250.0.2/24 dev eth0; ip -n ${P}b link set eth0 up
	NS1="ip netns exec ${P}a"; NS2="ip netns exec ${P}b"; IP2=10.250.0.2
}

setup_bridge() {
	mkns ${P}a; mkns ${P}b
	ip link add ${P}br type bridge; MADE_LINKS="$MADE_LINKS ${P}br"
	ip link set ${P}br type bridge stp_state 0 forward_delay 0
	for h in a b; do
		ip link add eth0 netns ${P}$h type veth peer name ${P}$h; MADE_LINKS="$MADE_LINKS ${P}$h"
		ip link set ${P}$h master ${P}br up
	done
	ip link set ${P}br up
	ip -n ${P}a addr add 10.250.0.1/24 dev eth0; ip -n ${P}a link set eth0 up
	ip -n ${P}b addr add 10.250.0.2/24 dev eth0; ip -n ${P}b link set eth0 up
	NS1="ip netns exec ${P}a"; NS2="ip netns exec ${P}b"; IP2=10.250.0.2
}

setup_rackless() { # $1 = afpacket | tap
	LAB=${P}$1
	cat > "$TMP/lab.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.250.0.0/24, port: $1}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
YAML
	"$RL" up -q "$TMP/lab.yaml" || return 1
	NS1="ip netns exec rl.$LAB.h1"; NS2="ip netns exec rl.$LAB.h2"; IP2=10.250.0.2
}

txoff() { $NS1 ethtool -K eth0 tx off >/dev/null 2>&1; $NS2 ethtool -K eth0 tx off >/dev/null 2>&1; }

measure() { # $1 = label
	local label=$1 rtts p50 p99 gbps
	$NS1 ping -c 3 -W 1 -q $IP2 >/dev/null 2>&1
	rtts=$($NS1 ping -c "$PINGS" -i 0.002 -W 1 $IP2 2>/dev/null | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n)
	p50=$(echo "$rtts" | awk '{a[NR]=$1} END{if(NR) print a[int(NR*0.5+0.5)]*1000; else print "nan"}')
	p99=$(echo "$rtts" | awk '{a[NR]=$1} END{if(NR) print a[int(NR*0.99+0.5)]*1000; else print "nan"}')
	$NS2 iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	gbps=$($NS1 iperf3 -c $IP2 -p 5299 -t "$SECS" -J 2>/dev/null | python3 -c 'import json,sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))
except Exception: print("nan")')
	wait $srv 2>/dev/null
	printf '| %-22s | %8s | %8s | %9s |\n' "$label" "$p50" "$p99" "$gbps"
	echo "{\"case\":\"$label\",\"ping_p50_us\":\"$p50\",\"ping_p99_us\":\"$p99\",\"tcp_gbps\":\"$gbps\"}" >> "$TMP/results.jsonl"
}

echo "# $(date -Is) $(uname -r) cpus=$(nproc) pings=$PINGS iperf=${SECS}s"
printf '| %-22s | %8s | %8s | %9s |\n' case "p50 us" "p99 us" "TCP Gb/s"
printf '|%s|%s|%s|%s|\n' ------------------------ ---------- ---------- -----------
setup_direct;  measure "direct veth";             txoff; measure "direct veth, tx off"; cleanup
setup_bridge;  measure "linux bridge";            txoff; measure "linux bridge, tx off"; cleanup
setup_rackless afpacket && measure "rackless afpacket"; cleanup
setup_rackless tap && measure "rackless tap"; cleanup
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' "$TMP/results.jsonl" > "$OUT"
echo "JSON: $OUT"
