#!/bin/bash
# ethdev ports (DPDK virtual devices by devargs) in a real lab:
#  a. a pcap file replayed through net_pcap arrives at a namespace host, the
#     port counts it, and the switch idles once the file is exhausted;
#  b. a port with tx_pcap records what a host floods, the file complete at
#     port removal and at switch shutdown;
#  c. a memif peer in a second process (rl_memifpeer) answers pings through
#     the switch, and frames for it are counted once it has gone;
#  d. 200 add/del cycles leave no fd, mbuf or memory behind, and the switch
#     still forwards;
#  e. bad devargs get an error reply that says why, attach nothing, and the
#     switch keeps running;
#  f. a net_tap port parks on its receive interrupt, not on a timer: pings
#     from its kernel side to h1, far enough apart that its port parks
#     between them, all come back at once (a wake-up spent before net_tap
#     counted the frame once stranded a ping in ten: see ethdev.c).
# (net_ring, a loopback, is covered by the unit test "ethdev".)
. "$(dirname "$0")/lib.sh"
LAB=te$$
PEER=${RL_MEMIFPEER:?RL_MEMIFPEER must point to rl_memifpeer}
MINE="" # PIDs of the helpers this test starts
stop_mine() {
	local p
	for p in $MINE; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap 'stop_mine; finish' EXIT

PY=$(scapy_python) || { fail "no python3 with scapy (Debian's python3-scapy)"; exit 1; }

snapshot_links "$TMP/links.before"
topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
check "up" "$RL" up "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
H2_MAC=$(ip netns exec "rl.$LAB.h2" cat /sys/class/net/eth0/address)

ctl() { "$RL" ctl "$LAB" "$1"; }
add_ethdev() { # add_ethdev NAME DEVARGS
	ctl "{\"cmd\":\"add-port\",\"name\":\"$1\",\"type\":\"ethdev\",\"bridge\":\"sw1\",\"devargs\":\"$2\"}"
}
del_port() { ctl "{\"cmd\":\"del-port\",\"name\":\"$1\"}"; }
port_val() { # port_val NAME KEY [DROP]: a counter of the port (-1: no such port)
	"$RL" ctl "$LAB" '{"cmd":"ports"}' | python3 -c '
import json, sys
ps = [p for p in json.load(sys.stdin)["result"] if p["name"] == sys.argv[1]]
v = -1 if not ps else ps[0][sys.argv[2]]
print(v[sys.argv[3]] if len(sys.argv) > 3 and ps else v)' "$@"
}
wait_val() { # wait_val NAME KEY MIN: until the counter reaches MIN (5 s)
	for _ in $(seq 50); do
		[ "$(port_val "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# marked frames in a capture: count_marked FILE PREFIX
count_marked() {
	"$PY" - "$1" "$2" <<'PY'
import sys
from scapy.all import rdpcap, Raw
print(sum(1 for p in rdpcap(sys.argv[1]) if Raw in p and bytes(p[Raw]).startswith(sys.argv[2].encode())))
PY
}
# h1 floods COUNT broadcast UDP frames marked PREFIX-NN
flood_from_h1() {
	ip netns exec "rl.$LAB.h1" "$PY" - "$1" "$2" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp
sendp([Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="10.0.0.1", dst="10.0.0.255") /
       UDP(sport=40001, dport=9998) / Raw(b"%s-%02d" % (sys.argv[2].encode(), i))
       for i in range(int(sys.argv[1]))], iface="eth0", verbose=False)
PY
}

# a. replay -----------------------------------------------------------------
N=64
"$PY" - "$TMP/replay.pcap" "$H2_MAC" "$N" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
out, mac, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
wrpcap(out, [Ether(src="02:00:00:ee:00:01", dst=mac) / IP(src="10.0.0.250", dst="10.0.0.20") /
             UDP(sport=40000, dport=9999) / Raw(b"rackless-replay-%04d" % i) for i in range(n)])
PY
ip netns exec "rl.$LAB.h2" python3 - "$N" > "$TMP/listener.out" <<'PY' &
import socket, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
s.settimeout(10)
got = set()
try:
    while len(got) < n:
        d = s.recv(2048)
        if d.startswith(b"rackless-replay-"):
            got.add(d)
except socket.timeout:
    pass
print(len(got))
PY
LST=$!
MINE="$MINE $LST"
for _ in $(seq 50); do
	ip netns exec "rl.$LAB.h2" ss -uln | grep -q ':9999 ' && break
	sleep 0.1
done
check "a: add a net_pcap port replaying $N frames" add_ethdev sw1:replay \
	"net_pcap_${LAB}a,rx_pcap=$TMP/replay.pcap"
wait "$LST"
check "a: h2 received all $N replayed datagrams (got $(cat "$TMP/listener.out"))" \
	test "$(cat "$TMP/listener.out")" -eq "$N"
check "a: the port counted $N frames received" test "$(port_val sw1:replay rx_packets)" -eq "$N"
check "a: the port lists its devargs" sh -c "'$RL' ctl '$LAB' '{\"cmd\":\"ports\"}' | grep -q 'rx_pcap=$TMP/replay.pcap'"
# the file is exhausted: its port must not keep a core busy
sleep 0.5
t0=$(cpu_ticks "$PID")
sleep 3
t1=$(cpu_ticks "$PID")
echo "    switch CPU in 3 s after the replay: $((t1 - t0)) ticks of 10 ms"
check "a: the switch idles after the replay (< 2% of a core)" test $((t1 - t0)) -le 6
check "a: nothing more was replayed" test "$(port_val sw1:replay rx_packets)" -eq "$N"

# b. record -------------------------------------------------------------------
check "b: add a net_pcap port recording to a file" add_ethdev sw1:rec \
	"net_pcap_${LAB}b,tx_pcap=$TMP/rec.pcap"
check "b: add a second recorder, kept until shutdown" add_ethdev sw1:rec2 \
	"net_pcap_${LAB}c,tx_pcap=$TMP/rec2.pcap"
flood_from_h1 20 rackless-record
"$RL" exec "$LAB" h1 -- ping -c 2 -W 1 -q 10.0.0.99 >/dev/null 2>&1 # ARP for nobody
check "b: the recorder sent 22 frames or more" wait_val sw1:rec tx_packets 22
check "b: del the recorder" del_port sw1:rec
check "b: the capture has the 20 flooded frames" test "$(count_marked "$TMP/rec.pcap" rackless-record)" -eq 20
check "b: and h1's ARP requests for 10.0.0.99" "$PY" - "$TMP/rec.pcap" <<'PY'
import sys
from scapy.all import rdpcap, ARP
sys.exit(0 if any(ARP in p and p[ARP].op == 1 and p[ARP].pdst == "10.0.0.99" for p in rdpcap(sys.argv[1])) else 1)
PY
flood_from_h1 5 rackless-shutdown
check "b: the second recorder sent the 5 frames" wait_val sw1:rec2 tx_packets 5

# c. memif --------------------------------------------------------------------
SOCK=$TMP/memif.sock
check "c: add a memif server port" add_ethdev sw1:memif \
	"net_memif_${LAB},role=server,socket=$SOCK,socket-abstract=no"
check "c: its socket is there" test -S "$SOCK"
"$PEER" --sock "$SOCK" --ip 10.0.0.77 --mac 02:6d:65:6d:00:77 > "$TMP/peer.out" 2>&1 &
PEER_PID=$!
MINE="$MINE $PEER_PID"
check "c: the peer connected" wait_line "$TMP/peer.out" "up on" "$PEER_PID" 5
check "c: h1 pings the memif peer through the switch" \
	"$RL" exec "$LAB" h1 -- ping -c 5 -i 0.2 -W 2 -q 10.0.0.77
check "c: the port received the 5 replies" test "$(port_val sw1:memif rx_packets)" -ge 5
check "c: and sent the 5 requests" test "$(port_val sw1:memif tx_packets)" -ge 5
kill -TERM "$PEER_PID"
wait "$PEER_PID"
rc=$?
MINE=${MINE/ $PEER_PID/}
sed 's/^/    /' "$TMP/peer.out"
check "c: the peer exited cleanly" test "$rc" -eq 0
check "c: the peer answered the echo requests" grep -qE "icmp ([5-9]|[1-9][0-9]+) " "$TMP/peer.out"
check "c: the peer's DPDK runtime dir is gone" test ! -e "/var/run/dpdk/rlmemif-$PEER_PID"
sleep 0.5
"$RL" exec "$LAB" h1 -- ping -c 2 -W 1 -q 10.0.0.77 >/dev/null 2>&1
check "c: frames for the gone peer are counted as not connected" \
	test "$(port_val sw1:memif drops tx_not_connected)" -ge 1
check "c: del the memif port" del_port sw1:memif
check "c: its socket is removed" test ! -e "$SOCK"

# d. cycles ---------------------------------------------------------------------
"$PY" -c "
from scapy.all import Ether, IP, UDP, wrpcap
wrpcap('$TMP/small.pcap', [Ether(src='02:00:00:ee:00:02', dst='$H2_MAC') / IP(src='10.0.0.251', dst='10.0.0.20') / UDP(dport=9) for i in range(4)])"
cycle() { # one add/del of a pcap port (replaying 4 frames), one of a loopback
	add_ethdev sw1:cyc "net_pcap_${LAB}d,rx_pcap=$TMP/small.pcap,tx_pcap=$TMP/cyc.pcap" >/dev/null &&
		del_port sw1:cyc >/dev/null &&
		add_ethdev sw1:cyc "net_ring_${LAB}d" >/dev/null &&
		del_port sw1:cyc >/dev/null
}
fds() { ls "/proc/$PID/fd" | wc -l; }
rss() { awk '/^VmRSS/{print $2}' "/proc/$PID/status"; }
mbufs() { "$RL" ctl "$LAB" '{"cmd":"stats"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["mbufs"]["in_use"])'; }
for _ in $(seq 5); do cycle || break; done # warm-up: first use allocates
fd0=$(fds) rss0=$(rss) mb0=$(mbufs)
ok=1
for i in $(seq 100); do
	cycle || { ok=0; fail "d: cycle $i failed"; break; }
done
fd1=$(fds) rss1=$(rss) mb1=$(mbufs)
echo "    200 add/del cycles: fds $fd0 -> $fd1, RSS $rss0 -> $rss1 KB, mbufs in use $mb0 -> $mb1"
check "d: 200 add/del cycles done" test "$ok" -eq 1
check "d: no fd left behind" test "$fd1" -eq "$fd0"
if ldd "${RACKLESS_SWITCH:-}" 2>/dev/null | grep -q libasan; then
	echo "    (ASan build: freed memory waits in quarantine, RSS says nothing; LeakSanitizer checks at exit)"
else
	check "d: RSS grew less than 1 MB" test $((rss1 - rss0)) -lt 1024
fi
check "d: no mbuf left behind" test "$mb1" -le "$mb0"
check "d: no DPDK device left attached" test "$(port_val sw1:cyc rx_packets)" -eq -1
check "d: the switch still forwards (h1 -> h2)" "$RL" exec "$LAB" h1 -- ping -c 2 -i 0.2 -W 2 -q 10.0.0.20

# e. bad devargs ------------------------------------------------------------------
nports=$("$RL" ctl "$LAB" '{"cmd":"ports"}' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["result"]))')
bad() { # bad WHAT REQUEST EXPECTED-TEXT
	local out
	out=$("$RL" ctl "$LAB" "$2" 2>&1)
	check "e: $1: error reply" grep -q '"ok":false' <<< "$out"
	check "e: $1: says \"$3\"" grep -qF -- "$3" <<< "$out"
	echo "    $out"
}
P='{"cmd":"add-port","name":"sw1:bad","type":"ethdev","bridge":"sw1"'
bad "eth0" "$P,\"devargs\":\"eth0\"}" "not a virtual network device"
bad "a PCI address" "$P,\"devargs\":\"0000:00:03.0\"}" "never attached"
bad "pcap on eth0" "$P,\"devargs\":\"net_pcap_${LAB}x,iface=eth0\"}" "eth0"
bad "unknown driver" "$P,\"devargs\":\"net_nosuch0\"}" "no DPDK driver"
bad "missing capture" "$P,\"devargs\":\"net_pcap_${LAB}x,rx_pcap=$TMP/none.pcap\"}" "cannot read"
bad "no devargs" "$P}" "need 'devargs'"
bad "devargs on afpacket" '{"cmd":"add-port","name":"sw1:bad","type":"afpacket","bridge":"sw1","ifname":"x","devargs":"net_ring0"}' "is for ethdev ports"
bad "memif server on an abstract socket" "$P,\"devargs\":\"net_memif_${LAB}x,role=server\"}" "socket-abstract=no"
bad "an argument the PMD refuses" "$P,\"devargs\":\"net_pcap_${LAB}x,bogus=1\"}" "add-port sw1:bad"
bad "a batch with one bad port" "{\"cmd\":\"add-ports\",\"ports\":[{\"name\":\"sw1:good\",\"type\":\"ethdev\",\"bridge\":\"sw1\",\"devargs\":\"net_pcap_${LAB}y,tx_pcap=$TMP/y.pcap\"},{\"name\":\"sw1:bad\",\"type\":\"ethdev\",\"bridge\":\"sw1\",\"devargs\":\"eth0\"}]}" "sw1:bad"
check "e: the switch still answers" "$RL" ctl "$LAB" '{"cmd":"ping"}'
check "e: no port was added" test "$("$RL" ctl "$LAB" '{"cmd":"ports"}' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["result"]))')" -eq "$nports"
check "e: the good port of the batch can be added alone (nothing half-made)" \
	add_ethdev sw1:good "net_pcap_${LAB}y,tx_pcap=$TMP/y.pcap"
check "e: and removed" del_port sw1:good

# f. receive interrupts -------------------------------------------------------------
TAP=rlt$$
check "f: add a net_tap port (a tap in the switch's namespace)" add_ethdev sw1:tap \
	"net_tap_${LAB},iface=$TAP"
ip netns exec "rl.$LAB" ip addr add 10.0.0.88/24 dev "$TAP"
ip netns exec "rl.$LAB" ip link set "$TAP" up
# how the switch watches the tap's queue: in an epoll set, and never
# edge-triggered (EPOLLET, 0x80000000), which lost frames (ethdev.c)
tun_watch() {
	python3 - "$PID" <<'PY'
import os, sys
pid = sys.argv[1]
fds = "/proc/%s/fd" % pid
found = []
for fd in os.listdir(fds):
    try:
        if os.readlink("%s/%s" % (fds, fd)) != "anon_inode:[eventpoll]":
            continue
        info = open("/proc/%s/fdinfo/%s" % (pid, fd)).read().split("\n")
    except OSError:
        continue
    for line in info:
        w = line.split()
        if len(w) >= 4 and w[0] == "tfd:" and w[2] == "events:":
            try:
                target = os.readlink("%s/%s" % (fds, w[1]))
            except OSError:
                continue
            if target == "/dev/net/tun":
                found.append(int(w[3], 16))
print(" ".join("%#x" % e for e in found) or "none")
sys.exit(0 if found and all(not e & 0x80000000 for e in found) else 1)
PY
}
check "f: the tap's queue is watched level-triggered ($(tun_watch))" tun_watch
sleeps() { "$RL" ctl "$LAB" '{"cmd":"stats"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["workers"][0]["sleeps"])'; }
s0=$(sleeps)
ip netns exec "rl.$LAB" ping -c 12 -i 0.25 -W 2 10.0.0.1 > "$TMP/tap-ping.out"
s1=$(sleeps)
p50=$(python3 -c '
import re, sys
r = sorted(float(m.group(1)) for m in re.finditer(r"time=([0-9.]+)", open(sys.argv[1]).read()))
print(r[len(r) // 2] if len(r) == 12 else 999)' "$TMP/tap-ping.out")
echo "    tap -> h1, 0.25 s apart: RTT p50 $p50 ms; the worker slept $((s1 - s0)) times"
[ "$p50" = 999 ] && sed 's/^/    /' "$TMP/tap-ping.out"
check "f: all 12 pings answered, p50 under 5 ms" python3 -c "import sys; sys.exit(0 if $p50 < 5 else 1)"
check "f: the worker slept between them" test $((s1 - s0)) -ge 10
check "f: del the tap port" del_port sw1:tap
check "f: its tap is gone" sh -c "! ip netns exec 'rl.$LAB' ip link show '$TAP' 2>/dev/null"

# shutdown closes the capture files of the ports still there
check "down" "$RL" down "$LAB"
check "b: the capture recorded until shutdown has its 5 frames" \
	test "$(count_marked "$TMP/rec2.pcap" rackless-shutdown)" -eq 5
assert_gone "$LAB" "$PID" "$TMP/links.before"
