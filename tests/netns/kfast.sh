#!/bin/bash
# The kernel fast path (dataplane/kfast.h) between afpacket ports: learned
# unicast flows are installed in the kernel and carry ping and TCP (counted
# in the ports' counters, no duplicates); a link that starts emulating
# (loss, carrier down) is off the fast path before `rackless link` returns
# and back on when it stops; a MAC that moves to another port is not sent
# to its old port by a stale flow; a host whose MTU changes loses its
# flows, and frames over its MTU are counted as its port's tx_error; the
# ingress programs go with their port (del-port); flows cross trunks
# between two switches, counted on the trunk's ports, and leave the kernel
# when the trunk starts emulating; a MAC a host stopped using ages out, and
# its flows with it, while the MAC it uses stays learned; a lab up with
# --kernel-fastpath no installs nothing.
. "$(dirname "$0")/lib.sh"
LAB=tkf$$
LAB2=tkg$$
LABS="$LAB $LAB2"
trap finish_labs EXIT

topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
sed -i "/^  defaults:\$/a\\    port: afpacket" "$TMP/lab.yaml"
snapshot_links "$TMP/links.before"

check "up" "$RL" up -q "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
IP2=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h2=' | cut -d= -f2)
IP3=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h3=' | cut -d= -f2)

# "flows installed removed" of the switch, and "eligible rx tx" of a port's
# kernel fast path
kf() {
	"$RL" stats "$LAB" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
k = d["kernel_fastpath"]
print(k["flows"], k["installed"], k["removed"], k["errors"])'
}
kfport() { # PORT
	"$RL" stats "$LAB" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [p for p in d["ports"] if p["name"] == sys.argv[1]][0]
k = p["kernel_fastpath"]
print(int(k["eligible"]), k["rx_packets"], k["tx_packets"], p["tx_packets"], p["tx_bytes"], k["tx_bytes"])' "$1"
}
tcp_h1_h2() { # iperf3 h1 -> h2 ($IP2) for 2 s: Mbit/s, 0 if it failed
	local srv out
	"$RL" exec "$LAB" h2 -- iperf3 -s -1 -p 5302 >/dev/null 2>&1 &
	srv=$!
	sleep 0.4
	out=$(timeout 20 "$RL" exec "$LAB" h1 -- iperf3 -p 5302 -t 2 --connect-timeout 3000 -J -c "$IP2" 2>/dev/null |
		python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null)
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	echo "${out:-0}"
}
pings() { # FROM IP COUNT: replies, and "dup" if any came twice
	local out
	out=$("$RL" exec "$LAB" "$1" -- ping -n -c "$3" -i 0.05 -W 1 "$2" 2>&1)
	echo "$out" | grep -q 'DUP!' && echo dup && return
	echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# 1 ms apart from the first: the flows go in while these pings fly, and
# none may be lost or come twice (attaching TC to a busy veth lost one)
out=$("$RL" exec "$LAB" h1 -- ping -n -c 100 -i 0.001 -W 1 "$IP2" 2>&1)
r=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "100 pings 1 ms apart while the flows are installed: all replied (got $r)" test "$r" = 100
check "none came twice" sh -c "! echo '$out' | grep -q 'DUP!'"
r=$(pings h1 "$IP2" 20)
check "ping h1 -> h2 through the fast path: 20 replies, none twice (got $r)" test "$r" = 20
read -r flows inst rem err <<< "$(kf)"
echo "    flows $flows, installed $inst, removed $rem, errors $err"
check "flows installed both ways (h1 -> h2, h2 -> h1)" test "$flows" -ge 2
check "no fast path errors" test "$err" -eq 0
read -r el rx tx _ <<< "$(kfport sw1:p1)"
check "the kernel carried h1's pings (p1 kernel rx $rx)" test "$rx" -ge 10

# TCP: super-frames stay whole through the kernel, most bytes by the kernel
read -r _ _ _ _ b0 k0 <<< "$(kfport sw1:p2)"
mbit=$(tcp_h1_h2)
read -r _ _ _ _ b1 k1 <<< "$(kfport sw1:p2)"
echo "    TCP ${mbit:-0} Mbit/s; to h2: $((b1 - b0)) bytes, $((k1 - k0)) by the kernel"
check "TCP through the fast path" test "${mbit:-0}" -gt 0
check "the kernel carried most of the TCP bytes to h2" test $(( (k1 - k0) * 10 )) -ge $(( (b1 - b0) * 9 ))

# an emulated link leaves the fast path at once, and comes back
"$RL" link "$LAB" h2:eth0 set loss=100% >/dev/null
read -r el _ <<< "$(kfport sw1:p2)"
check "p2 not eligible while its link drops everything" test "$el" = 0
r=$(pings h1 "$IP2" 5)
check "loss=100% on h2's link: no reply through a stale flow (got $r)" test "$r" = 0
"$RL" link "$LAB" h2:eth0 set loss=0% --replace >/dev/null
r=$(pings h1 "$IP2" 10)
check "loss back to 0: pings again (got $r of 10)" test "$r" = 10
read -r el _ <<< "$(kfport sw1:p2)"
check "p2 eligible again" test "$el" = 1
read -r flows inst rem _ <<< "$(kf)"
check "flows re-installed (installed $inst, removed $rem)" test "$rem" -ge 2 -a "$flows" -ge 2

"$RL" link "$LAB" h2:eth0 set state=down >/dev/null
r=$(pings h1 "$IP2" 5)
check "h2's link down: no reply (got $r)" test "$r" = 0
"$RL" link "$LAB" h2:eth0 set state=up >/dev/null
sleep 0.5
r=$(pings h1 "$IP2" 10)
check "h2's link up again: pings (got $r of 10)" test "$r" -ge 9

# h2 takes its own interface down: the kernel would drop the flow's frames
# yet count them forwarded; the flows go (within the once-a-second check)
# and the frames are the switch's again, counted as its drops
ip -n "rl.$LAB.h2" link set eth0 down
sleep 1.5
read -r _ _ k0 _ <<< "$(kfport sw1:p2)"
r=$(pings h1 "$IP2" 10)
read -r _ _ k1 _ <<< "$(kfport sw1:p2)"
check "h2's eth0 down: no reply (got $r)" test "$r" = 0
check "and the kernel fast path counts nothing sent to it (+$((k1 - k0)))" test "$k1" -eq "$k0"
ip -n "rl.$LAB.h2" link set eth0 up
sleep 0.5
r=$(pings h1 "$IP2" 10)
check "h2's eth0 up again: pings (got $r of 10)" test "$r" -ge 9
r=$(pings h1 "$IP2" 10)
read -r _ _ k2 _ <<< "$(kfport sw1:p2)"
check "and through the kernel again (+$((k2 - k1)))" test "$k2" -gt "$k1"

# hosts of MTU 9000 share flows; h2 back at 1500 loses them (within the
# once-a-second check), and frames over its MTU are the switch's again,
# counted as its port's tx_error, as without the fast path
port_drop() { # PORT DROP
	"$RL" stats "$LAB" --json | python3 -c 'import json,sys
d = json.load(sys.stdin)
print([p for p in d["ports"] if p["name"] == sys.argv[1]][0]["drops"][sys.argv[2]])' "$1" "$2"
}
ip -n "rl.$LAB.h1" link set eth0 mtu 9000
ip -n "rl.$LAB.h2" link set eth0 mtu 9000
sleep 1.2
"$RL" exec "$LAB" h1 -- ping -n -c 3 -i 0.05 -W 1 -M do -s 8972 "$IP2" >/dev/null 2>&1
read -r _ _ k0 _ <<< "$(kfport sw1:p2)"
r=$("$RL" exec "$LAB" h1 -- ping -n -c 10 -i 0.05 -W 1 -M do -s 8972 "$IP2" 2>&1 |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
read -r _ _ k1 _ <<< "$(kfport sw1:p2)"
check "h1 and h2 at MTU 9000: 9000-byte packets (got $r of 10)" test "${r:-0}" = 10
check "and the kernel carries them (+$((k1 - k0)))" test $((k1 - k0)) -ge 10
ip -n "rl.$LAB.h2" link set eth0 mtu 1500
sleep 1.5
read -r flows _ <<< "$(kf)"
e0=$(port_drop sw1:p2 tx_error)
r=$("$RL" exec "$LAB" h1 -- ping -n -c 5 -i 0.05 -W 1 -s 4000 "$IP2" 2>&1 |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
read -r _ _ k2 _ <<< "$(kfport sw1:p2)"
e1=$(port_drop sw1:p2 tx_error)
echo "    h2 back at MTU 1500: flows $flows, tx_error +$((e1 - e0)), kernel tx +$((k2 - k1))"
check "4000-byte packets to h2 at MTU 1500: no reply (got $r)" test "${r:-0}" = 0
check "each counted as a tx_error of h2's port (+$((e1 - e0)))" test $((e1 - e0)) -eq 5
check "none as sent by the kernel (+$((k2 - k1)))" test "$k2" -eq "$k1"
ip -n "rl.$LAB.h1" link set eth0 mtu 1500
sleep 1.2
r=$(pings h1 "$IP2" 10)
read -r _ _ k3 _ <<< "$(kfport sw1:p2)"
r=$(pings h1 "$IP2" 10)
read -r _ _ k4 _ <<< "$(kfport sw1:p2)"
check "both at 1500 again: pings through the kernel (got $r of 10, +$((k4 - k3)))" \
	test "$r" = 10 -a $((k4 - k3)) -ge 10

# h2's MAC and address move to h3: the flow h1 -> (that MAC on p2) must go
MAC2=$(ip netns exec "rl.$LAB.h2" cat /sys/class/net/eth0/address)
r=$(pings h1 "$IP2" 5)
check "before the move: h1 -> h2 fast ($r)" test "$r" = 5
ip -n "rl.$LAB.h2" link set eth0 down
ip -n "rl.$LAB.h3" link set eth0 down
ip -n "rl.$LAB.h3" link set eth0 address "$MAC2"
ip -n "rl.$LAB.h3" addr add "$IP2/24" dev eth0
ip -n "rl.$LAB.h3" link set eth0 up
# h3 announces the MAC with one broadcast (a gratuitous ARP): the switch
# learns it on p3, and h1's frames to it, which only the kernel sees, must
# follow at once (the revalidation of the next second would be too late
# for most of these pings)
ip netns exec "rl.$LAB.h3" python3 -c 'import sys
from scapy.all import ARP, Ether, sendp
mac, ip = sys.argv[1], sys.argv[2]
sendp(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=mac, pdst=ip),
      iface="eth0", verbose=False)' "$MAC2" "$IP2"
r=$(pings h1 "$IP2" 5)
check "h1 -> the moved MAC reaches its new port at once (got $r of 5)" test "${r:-0}" -ge 4
IP1=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h1=' | cut -d= -f2)
r=$("$RL" exec "$LAB" h3 -- ping -n -c 6 -i 0.04 -W 1 -I "$IP2" "$IP1" 2>&1 |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "h3 (with the moved MAC) -> h1 (got $r of 6)" test "${r:-0}" -ge 5
read -r _ rx3 _ <<< "$(kfport sw1:p3)"
check "and the kernel carries it there (p3 kernel rx $rx3)" test "$rx3" -gt 0

# del-port takes the port's ingress program with it
IF3=sw1-p3
check "p3's switch end has the fast path's TC program" sh -c \
	"ip netns exec rl.$LAB tc filter show dev $IF3 ingress | grep -q kf_ingress"
check "del-port p3" "$RL" ctl "$LAB" '{"cmd":"del-port","name":"sw1:p3"}'
check "p3's TC program is gone with the port" sh -c \
	"! ip netns exec rl.$LAB tc filter show dev $IF3 ingress 2>/dev/null | grep -q kf_ingress"

check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# two switches joined by a trunk: the kernel forwards from h1's port on
# sw1 to h2's on sw2, and counts the frames on the trunk's ports too
cat > "$TMP/two.yaml" <<YAML
name: $LAB2
topology:
  defaults: {subnet: 10.0.0.0/24, port: afpacket}
  nodes:
    sw1: {kind: switch}
    sw2: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [sw1:t1, sw2:t1]
    - endpoints: [h2:eth0, sw2:p1]
YAML
LAB_ONE=$LAB
LAB=$LAB2
check "up: two switches" "$RL" up -q "$TMP/two.yaml"
PID2=$(lab_pid "$LAB")
IP2=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h2=' | cut -d= -f2)
r=$(pings h1 "$IP2" 20)
check "ping h1 (sw1) -> h2 (sw2): 20 replies, none twice (got $r)" test "$r" = 20
read -r flows _ _ err <<< "$(kf)"
check "flows across the trunk installed ($flows), no errors ($err)" test "$flows" -ge 2 -a "$err" -eq 0
# counted from here on: the flows on the two switches went in at
# different pings, so only frames sent after both are in cross the whole
# path in the kernel
path_counts() { # from one stats snapshot: a frame passing between four
	# reads (an ARP probe) was counted at some ports and not others
	"$RL" stats "$LAB" --json | python3 -c '
import json, sys
k = {p["name"]: p["kernel_fastpath"] for p in json.load(sys.stdin)["ports"]}
print(k["sw1:p1"]["rx_packets"], k["sw1:t1"]["tx_packets"], k["sw2:t1"]["rx_packets"],
      k["sw2:p1"]["tx_packets"])'
}
read -r rx1 ttx trx tx2 <<< "$(path_counts)"
r=$(pings h1 "$IP2" 20)
read -r a b c d <<< "$(path_counts)"
rx1=$((a - rx1)) ttx=$((b - ttx)) trx=$((c - trx)) tx2=$((d - tx2))
echo "    kernel, 20 more pings: sw1:p1 rx $rx1, sw1:t1 tx $ttx, sw2:t1 rx $trx, sw2:p1 tx $tx2"
check "the kernel counted h1's pings at each port on the way (replies $r)" \
	test "$r" = 20 -a "$rx1" -ge 20 -a "$ttx" -eq "$rx1" -a "$trx" -eq "$rx1" -a "$tx2" -eq "$rx1"
mbit=$(tcp_h1_h2)
echo "    TCP across the trunk: ${mbit:-0} Mbit/s"
check "TCP across the trunk" test "${mbit:-0}" -gt 0
"$RL" link "$LAB" sw1:t1 set loss=100% >/dev/null
r=$(pings h1 "$IP2" 5)
check "loss=100% on the trunk: no reply through a stale flow (got $r)" test "$r" = 0
"$RL" link "$LAB" sw1:t1 set loss=0% --replace >/dev/null
r=$(pings h1 "$IP2" 10)
check "trunk clean again: pings (got $r of 10)" test "$r" = 10
read -r flows _ _ _ <<< "$(kf)"
check "and the flows are back ($flows)" test "$flows" -ge 2
check "down: two switches" "$RL" down "$LAB"
assert_gone "$LAB" "$PID2" "$TMP/links.before"
LAB=$LAB_ONE

# a MAC its host no longer uses ages out of the FDB, and its flows go with
# it, though the host's port still carries the new MAC's frames (a switch
# whose FDB ages in 2 s: the CLI starts it through a wrapper)
printf '#!/bin/sh\nexec "%s" "$@" --fdb-age 2\n' "$RACKLESS_SWITCH" > "$TMP/switch-age2"
chmod +x "$TMP/switch-age2"
check "up: FDB aging 2 s" "$RL" up -q "$TMP/lab.yaml" --switch "$TMP/switch-age2"
PID=$(lab_pid "$LAB")
IP1=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h1=' | cut -d= -f2)
IP2=$(lab_hosts "$LAB" | tr ' ' '\n' | grep '^h2=' | cut -d= -f2)
fdb_macs() { # MACs the switch has learned, with their age: "mac age_ms" lines
	"$RL" ctl "$LAB" '{"cmd":"fdb"}' | python3 -c '
import json, sys
for e in json.load(sys.stdin)["result"]:
    print(e["mac"].lower(), e["age_ms"])'
}
for n in 1 2 3; do
	ip -n "rl.$LAB.h2" link set eth0 address "02:00:00:00:12:3$n"
	ip -n "rl.$LAB.h1" neigh flush all
	r=$(pings h1 "$IP2" 5)
	check "h1 -> h2 from its MAC number $n (got $r of 5)" test "${r:-0}" -ge 4
done
r=$("$RL" exec "$LAB" h2 -- ping -n -c 60 -i 0.1 -W 1 "$IP1" 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "h2 (MAC number 3) -> h1 for 6 s (got $r of 60)" test "${r:-0}" -ge 55
fdb_macs > "$TMP/fdb.txt"
read -r flows _ <<< "$(kf)"
sed 's/^/    fdb: /' "$TMP/fdb.txt"
echo "    flows $flows"
check "h2's old MACs aged out of the FDB" sh -c "! grep -q '^02:00:00:00:12:3[12] ' '$TMP/fdb.txt'"
check "the MAC h2 uses stays learned (only the kernel carries it)" grep -q '^02:00:00:00:12:33 ' "$TMP/fdb.txt"
check "only the flows of the MACs in use are left (h1 <-> h2: $flows)" test "$flows" -le 2
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# the same lab with the fast path off: everything through the switch
check "up --kernel-fastpath no" "$RL" up -q "$TMP/lab.yaml" --kernel-fastpath no
PID=$(lab_pid "$LAB")
r=$(pings h1 "$IP2" 10)
check "ping through the switch alone (got $r of 10)" test "$r" = 10
check "no fast path in its stats" sh -c "! '$RL' stats '$LAB' --json | grep -q kernel_fastpath"
check "no TC program on its ports" sh -c \
	"! ip netns exec rl.$LAB tc filter show dev sw1-p1 ingress | grep -q kf_ingress"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
