#!/bin/bash
# Router hosts, the way Mininet's LinuxRouter and containerlab's linux
# nodes build them: a host whose 'exec' commands add its second address and
# turn on forwarding joins two subnets on two switches, and hosts of each
# reach the other through it (TTL one lower; the switch saw the frames).
# A gateway may be another host's address. A command that fails rolls the
# lab back with its output shown; a daemon a command started is stopped by
# `down`; the machine's own forwarding setting is untouched. Two routers
# joined by a link between hosts (a wire, containerlab's usual link) route
# across it with its delay, and cutting it from either end takes both
# hosts' carrier. pingall answers every pair of a 300-host star. A
# scenario reads a wire's counters from either end; one whose exec fails
# reports the command's output in its JUnit report. SIGINT and SIGHUP
# during a long exec command roll the lab back.
. "$(dirname "$0")/lib.sh"
LAB=tr$$
trap finish EXIT
snapshot_links "$TMP/links.before"
fwd0=$(cat /proc/sys/net/ipv4/ip_forward)
cat > "$TMP/lab.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.31.1.0/24, gateway: 10.31.1.1}
  nodes:
    lan1: {kind: switch}
    lan2: {kind: switch}
    r1:
      kind: host
      ip: 10.31.1.1/24
      exec:
        - ip addr add 10.31.2.1/24 dev eth1
        - sysctl -qw net.ipv4.ip_forward=1
        - echo "\$RACKLESS_NODE of \$RACKLESS_LAB has \$(ls /sys/class/net | tr '\n' ' ')"
    a1: {kind: host}
    a2: {kind: host}
    b1:
      kind: host
      ip: 10.31.2.10/24
      gateway: 10.31.2.1
      exec: "iperf3 -s -D -p 5301 --logfile /dev/null"
  links:
    - endpoints: [r1:eth0, lan1:p1]
    - endpoints: [a1:eth0, lan1:p2]
    - endpoints: [a2:eth0, lan1:p3]
    - endpoints: [r1:eth1, lan2:p1]
    - endpoints: [b1:eth0, lan2:p2]
YAML
check "up" "$RL" up -q "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
check "exec output logged, run in the host (its interfaces in /sys)" \
	grep -q "^r1 of $LAB has eth0 eth1 lo" "/run/rackless/$LAB/exec.log"
check "the gateway host has no default route of its own" \
	sh -c "! '$RL' exec '$LAB' r1 -- ip route show default | grep -q ."
check "a1's default route is via r1" sh -c "'$RL' exec '$LAB' a1 -- ip route show default | grep -q 'via 10.31.1.1'"
for h in a1 a2; do
	check "$h reaches b1 across the router" "$RL" exec "$LAB" "$h" -- ping -c 2 -i 0.2 -W 2 -q 10.31.2.10
done
check "b1 reaches a2 across the router" "$RL" exec "$LAB" b1 -- ping -c 2 -i 0.2 -W 2 -q 10.31.1.3
"$RL" pingall "$LAB" > "$TMP/pingall.out" 2>&1
check "pingall: every host reaches every other across the router" \
	grep -q "Results: 0% dropped (12/12 received)" "$TMP/pingall.out"
"$RL" exec "$LAB" a1 -- ping -c 1 -W 2 10.31.2.10 > "$TMP/ttl.out" 2>&1
check "one hop: TTL 63" grep -q "ttl=63" "$TMP/ttl.out"
check "TCP across the router to a daemon b1's exec started" \
	"$RL" exec "$LAB" a1 -- iperf3 -c 10.31.2.10 -p 5301 -t 1 -J --connect-timeout 3000
"$RL" stats "$LAB" > "$TMP/stats" 2>&1
check "the frames crossed both switches" sh -c "grep -q 'lan1:p1' '$TMP/stats' && grep -q 'lan2:p2' '$TMP/stats'"
check "the machine's own ip_forward is unchanged ($fwd0)" test "$(cat /proc/sys/net/ipv4/ip_forward)" -eq "$fwd0"
MAC1=$(ip netns exec "rl.$LAB.r1" cat /sys/class/net/eth1/address)
DAEMON=$(ip netns pids "rl.$LAB.b1")
check "the daemon runs in b1" test -n "$DAEMON"
check "down" "$RL" down "$LAB"
for p in $DAEMON; do check "down stopped the daemon ($p)" eval "! proc_running $p"; done
# every interface's MAC is derived (lab, host, name), not only eth0's
check "up again" "$RL" up -q "$TMP/lab.yaml"
check "r1's eth1 has the same MAC as before ($MAC1)" \
	test "$(ip netns exec "rl.$LAB.r1" cat /sys/class/net/eth1/address)" = "$MAC1"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# A command that fails: up fails, names it, shows its output, rolls back.
sed 's/- sysctl -qw net.ipv4.ip_forward=1/- ip link set eth7 up/' "$TMP/lab.yaml" > "$TMP/bad.yaml"
if "$RL" up -q "$TMP/bad.yaml" > "$TMP/bad.out" 2>&1; then
	fail "up with a failing exec command succeeded"
	"$RL" down "$LAB" >/dev/null 2>&1
else
	pass "up with a failing exec command fails"
fi
check "the error names the host and the command" grep -q "exec on r1: 'ip link set eth7 up' exited with 1" "$TMP/bad.out"
check "and shows the command's output" grep -q 'Cannot find device "eth7"' "$TMP/bad.out"
check "and rolls back" grep -q "rolling back lab $LAB" "$TMP/bad.out"
assert_gone "$LAB" "" "$TMP/links.before"

# Gateway rules: a host's gateway may not be its own address; a host outside
# the subnet without a gateway of its own is a typo.
sed 's/gateway: 10.31.2.1$/gateway: 10.31.2.10/' "$TMP/lab.yaml" > "$TMP/own.yaml"
check "a gateway equal to the host's own address is refused" \
	sh -c "'$RL' up -q '$TMP/own.yaml' 2>&1 | grep -q 'gateway 10.31.2.10 of b1 is its own address'"
sed '/gateway: 10.31.2.1$/d; /exec: "iperf3/d' "$TMP/lab.yaml" > "$TMP/typo.yaml"
check "an address outside the subnet with no gateway of its own is refused" \
	sh -c "'$RL' up -q '$TMP/typo.yaml' 2>&1 | grep -q 'address 10.31.2.10/24 of b1 is outside subnet'"
assert_gone "$LAB" "" "$TMP/links.before"

# -- IPv6: addresses from subnet6, gateway6, a router host, names --------------
cat > "$TMP/v6.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet6: "fd00:31::/64", gateway6: "fd00:31::1"}
  nodes:
    lan1: {kind: switch}
    lan2: {kind: switch}
    r1: {kind: host, ip6: "fd00:31::1",
         exec: [ip -6 addr add fd00:32::1/64 dev eth1 nodad, sysctl -qw net.ipv6.conf.all.forwarding=1]}
    a1: {kind: host}
    b1: {kind: host, ip6: "fd00:32::10/64", gateway6: "fd00:32::1"}
  links:
    - endpoints: [r1:eth0, lan1:p1]
    - endpoints: [a1:eth0, lan1:p2]
    - endpoints: [r1:eth1, lan2:p1]
    - endpoints: [b1:eth0, lan2:p2]
YAML
check "an IPv6 lab" "$RL" up -q "$TMP/v6.yaml"
# no duplicate address detection: link-local addresses too are usable at
# once (a tentative router's answered no neighbour solicitation for a
# second or two, and the first pingall -6 lost the routed pairs)
check "no address is tentative right after up" test -z \
	"$("$RL" exec "$LAB" r1 -- ip -6 addr show tentative)$("$RL" exec "$LAB" b1 -- ip -6 addr show tentative)"
"$RL" pingall "$LAB" -6 > "$TMP/pa6.out" 2>&1
check "pingall -6 right after up: every pair, across the router too" grep -q "0% dropped (6/6 received)" "$TMP/pa6.out"
check "a1 got the subnet's first free address" sh -c \
	"'$RL' exec '$LAB' a1 -- ip -6 addr show dev eth0 | grep -q 'inet6 fd00:31::2/64'"
check "a1's default route is via the gateway6" sh -c \
	"'$RL' exec '$LAB' a1 -- ip -6 route show default | grep -q 'via fd00:31::1'"
check "the router has none" sh -c "[ -z \"\$('$RL' exec '$LAB' r1 -- ip -6 route show default)\" ]"
"$RL" exec "$LAB" a1 -- ping -6 -c 2 -i 0.2 -W 2 b1 > "$TMP/v6ping.out" 2>&1
check "a1 pings b1 by name across the router (hop limit 63)" grep -q "from b1 (fd00:32::10).*ttl=63" "$TMP/v6ping.out"
check "status shows the IPv6 addresses" sh -c "'$RL' status '$LAB' | grep -qE '^  b1 .* fd00:32::10/64\$'"
"$RL" pingall "$LAB" -6 > "$TMP/pa6.out" 2>&1
check "pingall -6: every pair over IPv6" grep -q "0% dropped (6/6 received)" "$TMP/pa6.out"
ip netns exec "rl.$LAB.b1" ip link set eth0 down
"$RL" pingall "$LAB" -6 --timeout 300 > "$TMP/pa6.out" 2>&1
check "pingall -6 counts b1 cut off (exit $?)" grep -q "^a1 -> r1 X$" "$TMP/pa6.out"
check "down" "$RL" down "$LAB"

# -- arp: static in a dual-stack lab: permanent entries for both families -----
cat > "$TMP/st6.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.33.0/24, subnet6: "fd00:33::/64", arp: static}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
    h3: {kind: host}
    o1: {kind: host, ip6: "fd00:34::9/64", gateway6: none}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
    - endpoints: [h3:eth0, sw1:p3]
    - endpoints: [o1:eth0, sw1:p4]
YAML
check "arp: static with IPv6: up" "$RL" up -q "$TMP/st6.yaml"
check "h1: 3 permanent IPv4 entries (h2, h3, o1)" test \
	"$("$RL" exec "$LAB" h1 -- ip -4 neigh show nud permanent dev eth0 | wc -l)" -eq 3
check "h1: 2 permanent IPv6 entries (h2, h3: o1 is on another prefix)" test \
	"$("$RL" exec "$LAB" h1 -- ip -6 neigh show nud permanent dev eth0 | grep -c '^fd00:33::')" -eq 2
check "h1's entry for h2 is h2's MAC" test \
	"$("$RL" exec "$LAB" h1 -- ip -6 neigh show fd00:33::2 dev eth0 | awk '{print $3}')" = \
	"$("$RL" exec "$LAB" h2 -- cat /sys/class/net/eth0/address)"
check "h1 pings h2 and h3 over IPv6" "$RL" exec "$LAB" h1 -- sh -c \
	"ping -6 -c 1 -W 2 fd00:33::2 && ping -6 -c 1 -W 2 fd00:33::3"
check "no neighbour solicitation was needed: only permanent global entries" sh -c \
	"! '$RL' exec '$LAB' h1 -- ip -6 neigh show dev eth0 | grep '^fd00:' | grep -qv PERMANENT"
check "down" "$RL" down "$LAB"

# -- two routers on a wire ------------------------------------------------------
cat > "$TMP/wire.yaml" <<YAML
name: $LAB
topology:
  nodes:
    lan1: {kind: switch}
    lan2: {kind: switch}
    r1: {kind: host, ip: 10.32.1.1/24,
         exec: [ip addr add 10.32.0.1/30 dev eth1, ip route add 10.32.2.0/24 via 10.32.0.2,
                sysctl -qw net.ipv4.ip_forward=1]}
    r2: {kind: host, ip: 10.32.2.1/24,
         exec: [ip addr add 10.32.0.2/30 dev eth1, ip route add 10.32.1.0/24 via 10.32.0.1,
                sysctl -qw net.ipv4.ip_forward=1]}
    a: {kind: host, ip: 10.32.1.10/24, gateway: 10.32.1.1}
    b: {kind: host, ip: 10.32.2.10/24, gateway: 10.32.2.1}
  links:
    - endpoints: [a:eth0, lan1:p1]
    - endpoints: [r1:eth0, lan1:p2]
    - endpoints: [r1:eth1, r2:eth1]
      params: {delay: 15ms}
    - endpoints: [r2:eth0, lan2:p1]
    - endpoints: [b:eth0, lan2:p2]
YAML
"$RL" up "$TMP/wire.yaml" > "$TMP/wire.up" 2>&1
check "up with a wire between two routers" grep -q "is up: 6 nodes, 5 links" "$TMP/wire.up"
check "the wire is listed with its two ends" grep -q "~r1.eth1 *wire *r1:eth1 <-> r2:eth1" "$TMP/wire.up"
PID=$(lab_pid "$LAB")
"$RL" exec "$LAB" a -- ping -c 3 -i 0.2 -W 2 10.32.2.10 > "$TMP/wping.out" 2>&1
check "a reaches b across two routers (TTL 62)" grep -q "ttl=62" "$TMP/wping.out"
rtt=$(awk -F/ '/^rtt/ {print int($5)}' "$TMP/wping.out")
check "the wire's 15 ms each way is in the RTT ($rtt ms avg)" test "${rtt:-0}" -ge 30 -a "${rtt:-0}" -lt 60
# LLDP (01:80:C2:00:00:0E): a wire is a cable and carries it; a switch,
# like any 802.1D bridge, does not forward it
lldp_recv() { # lldp_recv HOST IF OUT: LLDP frames HOST sees on IF within 2 s
	# of OUT.ready appearing (the socket is bound then)
	ip netns exec "rl.$LAB.$1" timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88cc))
s.bind((sys.argv[1], 0)); s.settimeout(0.1)
open(sys.argv[2] + ".ready", "w").close()
n, end = 0, time.time() + 2
while time.time() < end:
    try: n += s.recv(2048)[12:14] == b"\x88\xcc"
    except socket.timeout: pass
print(n)' "$2" "$3" > "$3" &
}
lldp_send() { # lldp_send HOST IF: three LLDP frames
	ip netns exec "rl.$LAB.$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0))
for i in range(3): s.send(bytes.fromhex("0180c200000e" "020000000099" "88cc") + bytes(46))' "$2"
}
lldp_recv r2 eth1 "$TMP/lldp.wire"; W1=$!
lldp_recv r1 eth0 "$TMP/lldp.sw"; W2=$!
for i in $(seq 100); do [ -e "$TMP/lldp.wire.ready" ] && [ -e "$TMP/lldp.sw.ready" ] && break; sleep 0.1; done
lldp_send r1 eth1
lldp_send a eth0
wait $W1 $W2
check "LLDP crosses the wire ($(cat "$TMP/lldp.wire") of 3)" test "$(cat "$TMP/lldp.wire")" = 3
check "LLDP does not cross a switch ($(cat "$TMP/lldp.sw") of 3)" test "$(cat "$TMP/lldp.sw")" = 0
check "the switch counts it dropped as link_local_multicast" sh -c \
	"'$RL' stats '$LAB' --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"drops\"][\"link_local_multicast\"] == 3 else 1)'"
check "link down, named from r2's end" "$RL" link "$LAB" r2:eth1 down
for h in r1 r2; do
	check "$h's end has no carrier" sh -c "'$RL' exec '$LAB' $h -- ip link show eth1 | grep -q NO-CARRIER"
done
check "a no longer reaches b" sh -c "! '$RL' exec '$LAB' a -- ping -c 1 -W 1 -q 10.32.2.10"
"$RL" pingall "$LAB" --timeout 300 > "$TMP/pingall.out" 2>&1
check "pingall exits 1 with the wire cut" test $? -eq 1
check "and marks what was lost (a reaches r1 only)" grep -q "^a -> r1 X X$" "$TMP/pingall.out"
check "link up, from r1's end" "$RL" link "$LAB" r1:eth1 up
check "both carriers back" sh -c "! '$RL' exec '$LAB' r2 -- ip link show eth1 | grep -q NO-CARRIER"
# r1's ARP entry for r2 failed while the wire was down: the first packets
# after it may still be refused (ICMP unreachable) until it resolves again
reached=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	"$RL" exec "$LAB" a -- ping -c 1 -W 1 -q 10.32.2.10 >/dev/null 2>&1 && { reached=1; break; }
	sleep 0.5
done
check "a reaches b again (within 15 s)" test "$reached" -eq 1
"$RL" link "$LAB" r2:eth1 show > "$TMP/wshow" 2>&1
check "link show names the wire from either end" grep -q "link r1:eth1 <-> r2:eth1 (a wire between two hosts)" "$TMP/wshow"
check "the wire's own switch port is not an endpoint" sh -c "! '$RL' link '$LAB' '~r1.eth1:r1' show 2>/dev/null"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# hosts joined only by a wire have no eth0: status shows no MAC for them
# (the derived eth0 MAC is no interface's)
cat > "$TMP/w2.yaml" <<YAML
name: $LAB
topology:
  nodes: {p: {kind: host}, q: {kind: host}}
  links: [{endpoints: [p:e1, q:e1]}]
YAML
check "up: two hosts and a wire" "$RL" up -q "$TMP/w2.yaml"
"$RL" status "$LAB" > "$TMP/w2.status" 2>&1
check "status: no MAC for a host without eth0" grep -qE "^  p +host +rl\.$LAB\.p +- +- *$" "$TMP/w2.status"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "" "$TMP/links.before"

# -- scenarios on a wire: counters from either end --------------------------------
cd "$TMP" || exit 1
cat > "$TMP/ws.yaml" <<YAML
name: wire-counters
seed: 5
topology:
  defaults: {subnet: 10.33.0.0/24}
  nodes: {h1: {kind: host}, h2: {kind: host}}
  links: [{endpoints: [h1:eth0, h2:eth0], params: {forward: {loss: 30%}}}]
steps:
  - ping: {from: h1, to: h2, count: 100, interval: 10ms, max_loss: 70%}
  - counter: {endpoint: h1:eth0, dir: in, drop: loss, min: 1}
  - counter: {endpoint: h1:eth0, dir: out, drop: loss, max: 0}
  - counter: {endpoint: h2:eth0, dir: in, drop: loss, max: 0}
  - counter: {endpoint: h2:eth0, dir: out, drop: loss, min: 1}
YAML
"$RL" run "$TMP/ws.yaml" --lab "$LAB" --junit "$TMP/ws.xml" > "$TMP/ws.log" 2>&1
rc=$?
check "a wire's loss is counted where it happens, from either end (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/    /' "$TMP/ws.log"
assert_gone "$LAB"

cat > "$TMP/wf.yaml" <<YAML
name: exec-fails
topology:
  defaults: {subnet: 10.34.0.0/24}
  nodes:
    sw: {kind: switch}
    h1: {kind: host, exec: ["echo first-line-of-output", "echo why-it-failed >&2; exit 3"]}
    h2: {kind: host}
  links: [{endpoints: [h1:eth0, sw:p1]}, {endpoints: [h2:eth0, sw:p2]}]
steps:
  - reach: {from: h1, to: h2}
YAML
"$RL" run "$TMP/wf.yaml" --lab "$LAB" --junit "$TMP/wf.xml" > "$TMP/wf.log" 2>&1
rc=$?
check "a scenario whose exec fails exits 1 (got $rc)" test "$rc" -eq 1
check "its report names the command" grep -q "exec on h1: .*exited with 3" "$TMP/wf.xml"
check "and holds its output" grep -q "why-it-failed" "$TMP/wf.xml"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# -- SIGINT, SIGHUP and SIGTERM during a long exec command roll back; up exits
# 128 + the signal, as a shell reports it
cat > "$TMP/slow.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.35.0.0/24}
  nodes:
    sw: {kind: switch}
    h1: {kind: host, exec: ["echo started; sleep 60"]}
  links: [{endpoints: [h1:eth0, sw:p1]}]
YAML
for sig in INT HUP TERM; do
	"$RL" up -q "$TMP/slow.yaml" > "$TMP/slow.out" 2>&1 &
	UP=$!
	for _ in $(seq 100); do grep -q started "/run/rackless/$LAB/exec.log" 2>/dev/null && break; sleep 0.1; done
	kill -$sig "$UP"
	wait "$UP"
	rc=$?
	check "SIG$sig during exec: up exits non-zero ($rc)" test "$rc" -ne 0
	check "SIG$sig: exit 128 + $(kill -l "$sig") ($rc)" test "$rc" -eq $((128 + $(kill -l "$sig")))
	check "SIG$sig during exec: rolled back" grep -q "rolling back lab $LAB" "$TMP/slow.out"
	assert_gone "$LAB" "" "$TMP/links.before"
done

# -- pingall at a size where sending to everyone at once would overflow a
# port's ring in the switch (128 frames a port at 300 ports): none dropped
# (static ARP: the test is the echoes, not 300 hosts' ARP broadcasts)
cat > "$TMP/star.yaml" <<YAML
name: $LAB
topology:
  defaults: {arp: static, ipv6: off}
  generate: {type: star, hosts: 300}
YAML
check "up: a star of 300 hosts" "$RL" up -q "$TMP/star.yaml"
"$RL" pingall "$LAB" > "$TMP/pa300.out" 2>&1
check "pingall: all 89700 pairs answered ($(tail -1 "$TMP/pa300.out"))" \
	grep -q "Results: 0% dropped (89700/89700 received)" "$TMP/pa300.out"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "" "$TMP/links.before"
