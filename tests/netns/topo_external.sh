#!/bin/bash
# vhost and ethdev nodes in a topology file: a lab with a namespace host, a
# vhost node on a socket of its own (relative to the file), one on the
# switch's default socket and a net_pcap ethdev replaying a capture.
#  1. a virtio-user guest (rl_vuclient) on the vhost node's socket answers
#     the host's pings through the switch;
#  2. the capture replayed by the ethdev node arrives at the host;
#  3. status, graph, exec and a scenario naming the vhost node as a host;
#  4. down, and cleanup after kill -9 of the switch, remove every socket;
#  5. a bad devargs fails up, which rolls everything back;
#  6. a topology error names file:line:col and creates nothing.
. "$(dirname "$0")/lib.sh"
VU=${RL_VUCLIENT:?RL_VUCLIENT must point to rl_vuclient}
LAB=tx$$
MINE="" # PIDs of the rl_vuclient processes this test started
stop_mine() {
	local p
	for p in $MINE; do
		proc_running "$p" && kill -9 "$p" 2>/dev/null && rmdir "/var/run/dpdk/rlvu-$p" 2>/dev/null
	done
}
trap 'stop_mine; finish' EXIT

PY=$(scapy_python) || { fail "no python3 with scapy (Debian's python3-scapy)"; exit 1; }

port_val() { # port_val NAME KEY: a counter of a switch port
	"$RL" ctl "$LAB" '{"cmd":"ports"}' | python3 -c 'import json,sys
for p in json.load(sys.stdin)["result"]:
    if p["name"] == sys.argv[1]: print(p[sys.argv[2]])' "$1" "$2"
}
up_lab() { # up_lab FILE: up, its output shown if it fails
	"$RL" up "$1" >"$TMP/up.out" 2>&1 || { sed 's/^/    /' "$TMP/up.out"; return 1; }
}
h1_rx() { ip netns exec "rl.$LAB.h1" cat /sys/class/net/eth0/statistics/rx_packets; }

# the lab: the file's own directory holds vm1's socket
N=40
H1MAC=02:00:00:00:aa:01
"$PY" - "$TMP/replay.pcap" "$H1MAC" "$N" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
out, mac, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
wrpcap(out, [Ether(src="02:00:00:ee:00:01", dst=mac) / IP(src="10.0.0.250", dst="10.0.0.1") /
             UDP(sport=40000, dport=9) / Raw(b"rackless-replay-%04d" % i) for i in range(n)])
PY
write_lab() { # write_lab FILE DEVARGS
	cat >"$1" <<EOF
name: $LAB
topology:
  defaults: {subnet: 10.0.0.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, mac: "$H1MAC"}
    vm1: {kind: vhost, socket: vm1.sock}
    vm2: {kind: vhost}
    replay: {kind: ethdev, devargs: "$2"}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [vm1:eth0, sw1:p2]
    - endpoints: [sw1:p3, vm2:eth0]
    - endpoints: [replay:eth0, sw1:p4]
EOF
}
mkdir "$TMP/lab"
write_lab "$TMP/lab/lab.yaml" "net_pcap_$LAB,rx_pcap=$TMP/replay.pcap"
SOCK1=$TMP/lab/vm1.sock
SOCK2=/run/rackless/$LAB/sw1:p3.sock
snapshot_links "$TMP/links.before"
check "up" up_lab "$TMP/lab/lab.yaml"
PID=$(lab_pid "$LAB")
check "vm1's socket is beside the file" test -S "$SOCK1"
check "vm2's socket is the switch's default" test -S "$SOCK2"
check "the ports are vhost, vhost, ethdev" test "$(port_val sw1:p2 type) $(port_val sw1:p3 type) $(port_val sw1:p4 type)" = "vhost vhost ethdev"
check "the vhost node has no namespace" sh -c "! ip netns list | grep -q 'rl\\.$LAB\\.vm1'"

# 1. a guest on vm1's socket ----------------------------------------------------
"$VU" --sock "$SOCK1" --ip 10.0.0.99 --mac 02:76:75:00:00:01 >"$TMP/vu.out" 2>&1 &
VUPID=$!
MINE="$MINE $VUPID"
check "1: the guest connects to vm1's socket" wait_line "$TMP/vu.out" "rl_vuclient: up on" "$VUPID"
check "1: h1 pings the guest through the switch" \
	"$RL" exec "$LAB" h1 -- ping -c 5 -i 0.2 -W 2 -q 10.0.0.99
check "1: vm1's port carried the pings both ways" \
	test "$(port_val sw1:p2 rx_packets)" -ge 5 -a "$(port_val sw1:p2 tx_packets)" -ge 5
kill -TERM "$VUPID"
check "1: the guest stops cleanly (exit 0)" exited "$VUPID" 10 0
check "1: after answering the pings" grep -qE "icmp [1-9]" "$TMP/vu.out"

# 2. the replay ------------------------------------------------------------------
check "2: the ethdev node replayed the $N frames" test "$(port_val sw1:p4 rx_packets)" -eq "$N"
check "2: h1's port sent them on" test "$(port_val sw1:p1 tx_packets)" -ge "$N"
check "2: h1 received them ($(h1_rx) frames on eth0)" test "$(h1_rx)" -ge "$N"

# 3. status, graph, exec, scenarios ----------------------------------------------
"$RL" status "$LAB" >"$TMP/status.out"
check "3: status shows vm1 with its socket" grep -qE "vm1 +vhost +socket $SOCK1\$" "$TMP/status.out"
check "3: status shows vm2 with the default socket" grep -qE "vm2 +vhost +socket $SOCK2\$" "$TMP/status.out"
check "3: status shows the ethdev node with its devargs" \
	grep -qE "replay +ethdev +devargs net_pcap_$LAB,rx_pcap=$TMP/replay.pcap\$" "$TMP/status.out"
check "3: graph" "$RL" graph "$LAB" --out "$TMP/g"
check "3: graph draws vm1 as a component" grep -q '"vm1" \[shape=component' "$TMP/g.dot"
check "3: graph draws the ethdev node as a cylinder" grep -q '"replay" \[shape=cylinder' "$TMP/g.dot"
"$RL" exec "$LAB" vm1 -- true 2>"$TMP/exec.err"
check "3: exec on a vhost node fails (exit 1)" test $? -eq 1
check "3: and says it has no namespace" grep -q "vm1 of lab $LAB is a vhost node, not a host" "$TMP/exec.err"
cat >"$TMP/lab/scen.yaml" <<'EOF'
name: ext
topology: lab.yaml
steps:
  - ping: {from: h1, to: vm1}
EOF
"$RL" run "$TMP/lab/scen.yaml" --lab "${LAB}s" >"$TMP/scen.out" 2>&1
check "3: a scenario pinging a vhost node fails (exit 2)" test $? -eq 2
check "3: at its file:line:col" grep -q "scen.yaml:4:26: error: unknown host 'vm1': it is a vhost node" "$TMP/scen.out"
check "3: and made no lab" test ! -e "/run/rackless/${LAB}s"

# 4. down, then cleanup after kill -9 ------------------------------------------------
check "4: down" "$RL" down "$LAB"
check "4: vm1's socket is gone" test ! -e "$SOCK1"
assert_gone "$LAB" "$PID" "$TMP/links.before"
check "4: up again" up_lab "$TMP/lab/lab.yaml"
PID=$(lab_pid "$LAB")
check "4: vm1's socket is back" test -S "$SOCK1"
kill -9 "$PID"
for _ in $(seq 50); do proc_running "$PID" || break; sleep 0.1; done
check "4: the killed switch left its socket behind" test -S "$SOCK1"
check "4: cleanup" "$RL" cleanup "$LAB"
check "4: cleanup removed vm1's socket" test ! -e "$SOCK1"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# 5. bad devargs ---------------------------------------------------------------------
write_lab "$TMP/lab/bad.yaml" "net_nosuch_$LAB"
"$RL" up "$TMP/lab/bad.yaml" >"$TMP/bad.out" 2>&1
check "5: up with a bad devargs fails" test $? -ne 0
check "5: naming the node and the reason" grep -q "ethdev node replay: add-port sw1:p4: devargs:" "$TMP/bad.out"
sed 's/^/    /' "$TMP/bad.out"
check "5: and rolls back" grep -q "rolling back lab $LAB" "$TMP/bad.out"
check "5: vm1's socket is gone" test ! -e "$SOCK1"
assert_gone "$LAB" "" "$TMP/links.before"
# a socket that is not the lab's is refused, and left alone by the rollback
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK1"
"$RL" up "$TMP/lab/lab.yaml" >"$TMP/taken.out" 2>&1
check "5: up with vm1's socket taken fails" test $? -ne 0
check "5: saying so" grep -q "vm1: $SOCK1 already exists" "$TMP/taken.out"
sed 's/^/    /' "$TMP/taken.out"
check "5: and leaves the socket that is not its own" test -S "$SOCK1"
rm -f "$SOCK1"
assert_gone "$LAB" "" "$TMP/links.before"

# 6. a topology error ----------------------------------------------------------------
cat >"$TMP/lab/err.yaml" <<EOF
name: $LAB
topology:
  nodes:
    sw1: {kind: switch}
    vm1: {kind: vhost, ip: 10.0.0.9/24}
  links:
    - endpoints: [vm1:eth0, sw1:p1]
EOF
"$RL" up "$TMP/lab/err.yaml" >"$TMP/err.out" 2>&1
check "6: up with a topology error fails (exit 1)" test $? -eq 1
check "6: naming file:line:col" grep -q "err.yaml:5:24: error: key 'ip' is not valid for vhost node 'vm1'" "$TMP/err.out"
sed 's/^/    /' "$TMP/err.out"
check "6: nothing was created" test ! -e "/run/rackless/$LAB"
assert_gone "$LAB" "" "$TMP/links.before"
