#!/bin/bash
# Offloads across the switch (dataplane/offload.h), for a port backend
# (afpacket or tap): TCP super-frames cross whole between two hosts; a
# link that counts frames (rate) or a smaller link MTU gets real frames cut
# by the switch, and TCP still flows with valid checksums; IPv6 TCP (which
# hosts segment themselves) and UDP work; nothing is dropped for offloads.
. "$(dirname "$0")/lib.sh"
BACKEND=${1:-afpacket}
LAB=to${BACKEND:0:1}$$
trap finish EXIT

topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
sed -i "/^  defaults:\$/a\\    port: $BACKEND" "$TMP/lab.yaml"
grep -q "port: $BACKEND" "$TMP/lab.yaml" || { fail "could not set the port backend"; exit 1; }
snapshot_links "$TMP/links.before"

check "up" "$RL" up "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
IP2=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h2=' | cut -d= -f2)

# port counters of h2's port: "tx_packets tx_bytes", and offload drops
port_tx() {
	"$RL" stats "$LAB" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [p for p in d["ports"] if p["name"] == "sw1:p2"][0]
print(p["tx_packets"], p["tx_bytes"])'
}
offload_drops() {
	"$RL" stats "$LAB" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = d["drops"].get("offload", 0) + sum(p["drops"].get("rx_bad_offload", 0) for p in d["ports"])
print(n)'
}
# iperf3 h1 -> h2 (extra iperf3 client args in $@); prints Mbit/s
tcp_run() {
	"$RL" exec "$LAB" h2 -- iperf3 -s -1 -p 5301 >/dev/null 2>&1 &
	local srv=$! out
	sleep 0.4
	out=$(timeout 20 "$RL" exec "$LAB" h1 -- iperf3 -p 5301 -t 2 --connect-timeout 3000 -J "$@" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null)
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	echo "${out:-0}"
}
# average bytes per frame sent to h2 during a TCP run
avg_frame() { # avg_frame iperf3-args...
	local a b mbit
	a=$(port_tx)
	mbit=$(tcp_run "$@")
	b=$(port_tx)
	echo "$mbit $(( (${b#* } - ${a#* }) / ( ${b% *} - ${a% *} + 1) ))"
}
csum_errors() { # TCP checksum errors seen by h2
	ip netns exec "rl.$LAB.h2" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}'
}

r=$(avg_frame -c "$IP2"); set -- $r
echo "    plain: $1 Mbit/s, $2 bytes per frame to h2"
check "TCP through the switch" test "$1" -gt 0
check "super-frames crossed whole (frames of more than 1514 bytes on average)" test "$2" -gt 1514

"$RL" link "$LAB" h2:eth0 set rate=300mbit >/dev/null
r=$(avg_frame -c "$IP2"); set -- $r
echo "    rate=300mbit: $1 Mbit/s, $2 bytes per frame to h2"
check "TCP over a rate-limited link" test "$1" -gt 100
check "the switch cut super-frames into real frames for it" test "$2" -le 1514
check "no TCP checksum errors at the receiver" test "$(csum_errors)" -eq 0

# IPv6 TCP: hosts segment it themselves; link-local addresses
LL2=$(ip netns exec "rl.$LAB.h2" ip -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1)
r=$(tcp_run -6 -c "$LL2%eth0")
echo "    IPv6: $r Mbit/s"
check "IPv6 TCP through the switch" test "$r" -gt 0
"$RL" link "$LAB" h2:eth0 set rate=300mbit >/dev/null
r=$(tcp_run -6 -c "$LL2%eth0")
echo "    IPv6 rate=300mbit: $r Mbit/s"
check "IPv6 TCP over a rate-limited link" test "$r" -gt 100
"$RL" link "$LAB" h2:eth0 set rate=0 >/dev/null
r=$(tcp_run -u -b 200M -l 1400 -c "$IP2")
check "UDP through the switch" test "$r" -gt 0
# a host with a smaller MTU: its super-frames are cut at its own segment
# size, and fit a link of the same (IP) MTU (last: IPv6 needs 1280 and
# would restart its addresses after a change)
ip netns exec "rl.$LAB.h1" ip link set eth0 mtu 1280
"$RL" link "$LAB" h2:eth0 set rate=0 mtu=1280 >/dev/null
r=$(avg_frame -c "$IP2"); set -- $r
echo "    h1 mtu 1280, link mtu=1280: $1 Mbit/s, $2 bytes per frame to h2"
check "TCP from a host with a smaller MTU over a link of that MTU" test "$1" -gt 0
check "frames cut at the host's segment size" test "$2" -le 1294
"$RL" link "$LAB" h2:eth0 show > "$TMP/link.txt"
check "no frame was too big for the link" sh -c "! grep dropped '$TMP/link.txt' | grep -q ' mtu=[1-9]'"
"$RL" link "$LAB" h2:eth0 set mtu=0 >/dev/null
check "nothing was dropped for offloads" test "$(offload_drops)" -eq 0

# a VLAN-tagged super-frame (a host's VLAN interface with TSO; this kernel
# has no 8021q, so h1 writes one with a virtio-net header) cut for a link
# that counts frames: three tagged segments with valid TCP checksums (the
# afpacket port counted the tag twice in its offsets: the checksum landed
# in the payload, and the super-frame was dropped)
if [ "$BACKEND" = afpacket ] && PY=$(scapy_python); then
	M2=$(ip -n "rl.$LAB.h2" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	"$RL" link "$LAB" h2:eth0 set rate=1gbit >/dev/null
	ip netns exec "rl.$LAB.h2" timeout 10 tcpdump -i eth0 -U -w "$TMP/vlan.pcap" \
		"vlan and tcp port 5555" >/dev/null 2>&1 &
	TD=$!
	sleep 1
	ip netns exec "rl.$LAB.h1" "$PY" - "$M2" <<'PY'
import socket, struct, sys
from scapy.all import Ether, Dot1Q, IP, TCP, get_if_hwaddr
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
s.bind(("eth0", 0))
f = bytes(Ether(src=get_if_hwaddr("eth0"), dst=sys.argv[1]) / Dot1Q(vlan=7) /
          IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=5555, dport=5555, seq=1) / (b"v" * 3000))
# NEEDS_CSUM, TCPv4, header 58, segments of 1448, checksum at 38 + 16
s.send(struct.pack("<BBHHHH", 1, 1, 58, 1448, 38, 16) + f)
PY
	sleep 1
	kill "$TD" 2>/dev/null
	wait "$TD" 2>/dev/null
	check "a tagged super-frame: three tagged segments, checksums valid" "$PY" - "$TMP/vlan.pcap" <<'PY'
import sys
from scapy.all import rdpcap, Ether, Dot1Q, TCP
n = 0
for p in rdpcap(sys.argv[1]):
    q = p.copy()
    del q[TCP].chksum
    ok = Ether(bytes(q))[TCP].chksum == p[TCP].chksum and set(bytes(p[TCP].payload)) == {ord("v")}
    print("    %d bytes, vlan %d, checksum %s" % (len(p), p[Dot1Q].vlan, "valid" if ok else "WRONG"))
    n += ok
sys.exit(0 if n == 3 else 1)
PY
	"$RL" link "$LAB" h2:eth0 set rate=0 >/dev/null
fi

check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
