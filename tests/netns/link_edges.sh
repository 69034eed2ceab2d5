#!/bin/bash
# Edges of a running switch, each found by trying it: a link's mtu is an IP
# MTU (a 1500-byte host's full frames pass mtu=1500), a frame a host's
# kernel refuses costs only itself (tx_error), a tap host's too (its MTU
# checked by the switch), --replace of a pulled cable gives the carrier
# back, a cable is never down one way only, a long delay holds at most a
# share of the mbuf pool (other ports keep forwarding) and a pulled cable
# drops what it held, VLAN tags cross unchanged (802.1ad outer tags,
# priority tags), control clients that connect and never send do not lock
# the CLI out, a change the CLI gave up on (a stopped switch) is not
# applied later, and a link's mtu in the file is its host interfaces' MTU.
. "$(dirname "$0")/lib.sh"
LAB=te$$
trap finish EXIT
snapshot_links "$TMP/links.before"
cat > "$TMP/lab.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.11.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
    h3: {kind: host}
    h4: {kind: host, port: tap}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
    - endpoints: [h3:eth0, sw1:p3]
    - endpoints: [h4:eth0, sw1:p4]
YAML
# every frame through the switch (no kernel fast path): these are its edges
check "up" "$RL" up -q "$TMP/lab.yaml" --kernel-fastpath no
PID=$(lab_pid "$LAB")
H2=10.0.11.2
X() { local h=$1; shift; ip netns exec "rl.$LAB.$h" "$@"; }
held() { # frames held by h1's link, direction in (what h1 sends)
	"$RL" ctl "$LAB" "{\"cmd\":\"link-show\",\"name\":\"sw1:p1\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["in"]["held"])'
}
drop_count() { # DROP: h1's link, direction in
	"$RL" ctl "$LAB" "{\"cmd\":\"link-show\",\"name\":\"sw1:p1\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["in"]["drops"][sys.argv[1]])' "$1"
}
X h1 ping -c 1 -W 2 -q $H2 >/dev/null # ARP, learning

# -- mtu: IP bytes, not frame bytes ------------------------------------------
check "mtu=1400" "$RL" link "$LAB" h1:eth0 set mtu=1400
check "a 1400-byte IP packet passes (DF)" X h1 ping -c 2 -i 0.2 -W 2 -q -M do -s 1372 $H2
check "a 1401-byte one does not" sh -c "! ip netns exec rl.$LAB.h1 ping -c 2 -i 0.2 -W 1 -q -M do -s 1373 $H2 >/dev/null"
check "and is counted as mtu" test "$(drop_count mtu)" -ge 2
check "mtu=1500" "$RL" link "$LAB" h1:eth0 set mtu=1500
check "a 1500-byte host's largest packet passes mtu=1500" X h1 ping -c 2 -i 0.2 -W 2 -q -M do -s 1472 $H2
check "mtu off" "$RL" link "$LAB" h1:eth0 set mtu=0

# -- a frame the host's kernel refuses is one tx_error, not a full queue ------
port_drop() { # PORT DROP
	"$RL" stats "$LAB" --json | python3 -c 'import json,sys
d = json.load(sys.stdin); d = d.get("result", d)
print([p for p in d["ports"] if p["name"] == sys.argv[1]][0]["drops"][sys.argv[2]])' "$1" "$2"
}
X h2 ip link set eth0 mtu 1280
e0=$(port_drop sw1:p2 tx_error); f0=$(port_drop sw1:p2 tx_full)
X h3 ping -c 20 -i 0.01 -W 1 -q -s 1400 $H2 >/dev/null
e1=$(port_drop sw1:p2 tx_error); f1=$(port_drop sw1:p2 tx_full)
echo "    20 frames over h2's MTU: tx_error +$((e1 - e0)), tx_full +$((f1 - f0))"
check "each is a tx_error of h2's port" test $((e1 - e0)) -eq 20
check "none is taken for a full queue (the frames behind it would go too)" test $((f1 - f0)) -eq 0
X h2 ip link set eth0 mtu 1500

# -- jumbo frames between hosts that raised their MTU --------------------------
X h1 ip link set eth0 mtu 9000
X h2 ip link set eth0 mtu 9000
check "9000-byte IP packets between two hosts of MTU 9000 (DF)" X h1 ping -c 3 -i 0.2 -W 2 -q -M do -s 8972 $H2
e0=$(port_drop sw1:p3 tx_error)
X h1 ping -c 3 -i 0.2 -W 1 -q -M do -s 8972 10.0.11.3 >/dev/null
check "to a host of MTU 1500: dropped and counted on its port" test $(($(port_drop sw1:p3 tx_error) - e0)) -eq 3
# a tap delivers whatever it is given: the port checks its host's MTU
e0=$(port_drop sw1:p4 tx_error)
X h1 ping -c 3 -i 0.2 -W 1 -q -M do -s 8972 10.0.11.4 >/dev/null
check "to a tap host of MTU 1500: dropped and counted on its port too" \
	test $(($(port_drop sw1:p4 tx_error) - e0)) -eq 3
X h4 ip link set eth0 mtu 9000
sleep 0.3 # the port reads its host's MTU again within 0.1 s
check "to a tap host that raised its MTU to 9000: delivered" \
	X h1 ping -c 3 -i 0.2 -W 2 -q -M do -s 8972 10.0.11.4
X h4 ip link set eth0 mtu 1500
X h1 ip link set eth0 mtu 1500
X h2 ip link set eth0 mtu 1500

# -- --replace of a pulled cable ---------------------------------------------
check "cable pulled" "$RL" link "$LAB" h1:eth0 down
check "the host sees no carrier" sh -c "ip netns exec rl.$LAB.h1 ip link show eth0 | grep -q NO-CARRIER"
# the down switch end's socket reports ENETDOWN: left unread it woke the
# worker's epoll at once, forever (a core spent while the cable is out)
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
t0=$(ticks); sleep 2; t1=$(ticks)
echo "    switch CPU with the cable out: $((t1 - t0)) ticks in 2 s ($(getconf CLK_TCK)/s a core)"
check "a pulled cable costs the switch no CPU (under 10% of a core)" test $((t1 - t0)) -lt $(($(getconf CLK_TCK) / 5))
check "--replace without state" "$RL" link "$LAB" h1:eth0 set delay=1ms --replace
check "gives the carrier back" sh -c "! ip netns exec rl.$LAB.h1 ip link show eth0 | grep -q NO-CARRIER"
check "and h2 is reachable again" X h1 sh -c \
	"for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 -q $H2 >/dev/null && exit 0; sleep 0.4; done; exit 1"
check "replace back to nothing" "$RL" link "$LAB" h1:eth0 set --replace

# -- state is the cable's: never one direction (a half-down link) -----------
for d in --egress --ingress; do
	"$RL" link "$LAB" h1:eth0 set state=down $d > "$TMP/half.out" 2>&1
	rc=$?
	check "set state=down $d: usage error ($rc)" test "$rc" -eq 2
	check "and nothing changed" sh -c "! '$RL' link '$LAB' h1:eth0 show | grep -q state=down"
done
# both directions named is no direction: the last flag won, silently
"$RL" link "$LAB" h1:eth0 set delay=10ms --egress --ingress > "$TMP/both.out" 2>&1
rc=$?
check "set --egress --ingress: usage error ($rc)" test "$rc" -eq 2
check "that says one direction or the other" grep -q "one direction or the other" "$TMP/both.out"
check "and nothing changed" sh -c "! '$RL' link '$LAB' h1:eth0 show | grep -q delay=10ms"

# -- a long delay holds a share of the pool, not all of it ------------------
check "delay=120s on what h1 sends" "$RL" link "$LAB" h1:eth0 set delay=120s --egress
X h1 python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(30000):
    s.sendto(b"x" * 100, ("'$H2'", 9))
    if i % 500 == 0:
        time.sleep(0.01)'
n=$(held)
echo "    frames held by h1's link: $n; held_queue_full: $(drop_count held_queue_full)"
check "h1's link holds frames" test "$n" -gt 1000
check "and stopped at its share of the pool (held_queue_full counted)" test "$(drop_count held_queue_full)" -gt 0
# unlearn everything (and the kernel fast path's flows with it): h3's ARP
# and pings need the switch's mbufs
"$RL" ctl "$LAB" '{"cmd":"fdb-flush"}' >/dev/null
X h3 ip neigh flush all
check "h3 still reaches h2 through the switch" X h3 ping -c 3 -i 0.2 -W 2 -q $H2
check "cable pulled" "$RL" link "$LAB" h1:eth0 down
gone() { for i in $(seq 20); do [ "$(held)" -eq 0 ] && return 0; sleep 0.05; done; return 1; }
check "the frames on the wire are lost" gone
check "cable back" "$RL" link "$LAB" h1:eth0 up
check "delay off" "$RL" link "$LAB" h1:eth0 set --replace

# -- VLAN tags cross unchanged ------------------------------------------------
MAC2=$(X h2 cat /sys/class/net/eth0/address)
X h2 tcpdump -i eth0 -nn -U -w "$TMP/vlan.pcap" 2>/dev/null &
TD=$!
sleep 1
X h1 /usr/bin/python3 - "$MAC2" <<'PY'
import sys
from scapy.all import Ether, Dot1Q, Dot1AD, IP, UDP, Raw, sendp, conf
conf.verb = 0
d = sys.argv[1]
sendp([Ether(dst=d) / Dot1AD(vlan=7) / Dot1Q(vlan=9) / IP(dst="10.0.11.2") / UDP(sport=5555, dport=5555) / Raw(b"qinq"),
       Ether(dst=d) / Dot1Q(vlan=0, prio=5) / IP(dst="10.0.11.2") / UDP(sport=5555, dport=5555) / Raw(b"prio"),
       Ether(dst=d) / Dot1Q(vlan=12) / IP(dst="10.0.11.2") / UDP(sport=5555, dport=5555) / Raw(b"dot1q")],
      iface="eth0")
PY
sleep 1
kill "$TD" 2>/dev/null
wait "$TD" 2>/dev/null
/usr/bin/python3 - "$TMP/vlan.pcap" > "$TMP/vlan.txt" <<'PY'
import sys
from scapy.all import rdpcap, Raw
for p in rdpcap(sys.argv[1]):
    e = bytes(p)
    if Raw not in p or p[Raw].load not in (b"qinq", b"prio", b"dot1q"):
        continue
    # every tag as it is on the wire: TPID, VLAN id, priority
    tags, off = [], 12
    while e[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
        tci = int.from_bytes(e[off + 2:off + 4], "big")
        tags.append("%s/%d/%d" % (e[off:off + 2].hex(), tci & 0xfff, tci >> 13))
        off += 4
    print(p[Raw].load.decode(), " ".join(tags))
PY
sed 's/^/    received: /' "$TMP/vlan.txt"
check "802.1ad outer tag and inner tag kept" grep -qx "qinq 88a8/7/0 8100/9/0" "$TMP/vlan.txt"
check "priority tag (VLAN 0) kept" grep -qx "prio 8100/0/5" "$TMP/vlan.txt"
check "802.1Q tag kept" grep -qx "dot1q 8100/12/0" "$TMP/vlan.txt"

# -- control clients that never send ------------------------------------------
python3 - "/run/rackless/$LAB/switch.sock" "$TMP/idle.ready" <<'PY' &
import socket, sys, time
held = []
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
open(sys.argv[2], "w").close()
time.sleep(30)
PY
IDLE=$!
for i in $(seq 50); do [ -e "$TMP/idle.ready" ] && break; sleep 0.1; done
sleep 1.2
check "300 idle control clients: stats still answers" "$RL" stats "$LAB" >/dev/null
check "and so does link set" "$RL" link "$LAB" h1:eth0 set delay=0ms
kill "$IDLE" 2>/dev/null
wait "$IDLE" 2>/dev/null

# -- a change the CLI gave up on is never applied --------------------------------
# The switch is stopped (SIGSTOP): `link set` times out and says it failed.
# When the switch resumes it reads the request, past its deadline, and
# refuses it: the link must be as it was, not changed behind the CLI's back.
kill -STOP "$PID"
if "$RL" link "$LAB" h2:eth0 set delay=40ms > "$TMP/late.out" 2>&1; then
	fail "link set on a stopped switch reported success"
else
	pass "link set on a stopped switch fails ($(tail -1 "$TMP/late.out"))"
fi
kill -CONT "$PID"
sleep 0.5
"$RL" link "$LAB" h2:eth0 show > "$TMP/late.show" 2>&1
check "the late request was not applied" eval "! grep -q '40ms\|40 ms\|delay=40' '$TMP/late.show'"
check "and the switch answers again" sh -c "'$RL' stats '$LAB' >/dev/null"

check "switch was not restarted" proc_running "$PID"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# -- a link's mtu in the file is its host interfaces' MTU: jumbo frames ------
# (afpacket, tap and both ends of a wire), none on an afxdp link
cat > "$TMP/jumbo.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.12.0/24}
  nodes:
    sw1: {kind: switch}
    j1: {kind: host}
    j2: {kind: host, port: tap}
    j3: {kind: host}
    w1: {kind: host, ip: 10.0.13.1/24, gateway: 10.0.13.2}
    w2: {kind: host, ip: 10.0.13.2/24, gateway: 10.0.13.1}
  links:
    - {endpoints: [j1:eth0, sw1:p1], params: {mtu: 9000}}
    - {endpoints: [j2:eth0, sw1:p2], params: {mtu: 9000}}
    - {endpoints: [j3:eth0, sw1:p3]}
    - {endpoints: [w1:eth0, w2:eth0], params: {mtu: 4000}}
YAML
check "a lab with jumbo links" "$RL" up -q "$TMP/jumbo.yaml"
# at once: the tap port was made at 1500 and learns the MTU up set when a
# frame is over it (the first one was dropped as tx_error)
check "the first 9000-byte packet right after up, afpacket to tap" \
	X j1 ping -c 1 -W 2 -q -M do -s 8972 10.0.12.2
mtus=$(for h in j1 j2 j3 w1 w2; do X $h cat /sys/class/net/eth0/mtu; done | tr '\n' ' ')
check "host MTUs follow the links' mtu ($mtus)" test "$mtus" = "9000 9000 1500 4000 4000 "
check "a 9000-byte packet, unfragmented, afpacket to tap" \
	X j1 ping -c 2 -i 0.2 -W 2 -q -M do -s 8972 10.0.12.2
check "a 4000-byte packet across the wire" X w1 ping -c 2 -i 0.2 -W 2 -q -M do -s 3972 10.0.13.2
check "down" "$RL" down "$LAB"
sed -e 's/^    j1: {kind: host}/    j1: {kind: host, port: afxdp}/' "$TMP/jumbo.yaml" > "$TMP/jx.yaml"
"$RL" up -q "$TMP/jx.yaml" > "$TMP/jx.out" 2>&1
check "mtu 9000 on an afxdp link is refused with file:line:col" \
	grep -qE "^$TMP/jx.yaml:1[0-9]:[0-9]+: error: mtu 9000 on an afxdp link" "$TMP/jx.out"
assert_gone "$LAB" "" "$TMP/links.before"
