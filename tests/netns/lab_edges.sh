#!/bin/bash
# Edges of a lab's life, each found by trying it: a down while up is still
# creating the lab waits for it (nothing orphaned, up does not claim a lab
# that was removed), switch ports whose SWITCH-PORT names would be the same
# get names of their own, host interface names the kernel keeps are refused
# at load, a host without links still gets lo and ipv6: off, a host with
# gateway: none gets no default route, exec without a command is a shell in
# the host, one file runs as two labs (--name), pingall completes with a
# host's namespace deleted, graph wants a file name, and a switch binary
# that cannot run is named, and neither the switch nor an exec daemon keeps
# the caller's descriptors.
. "$(dirname "$0")/lib.sh"
LAB=tb$$
trap finish_labs EXIT
LABS=$LAB
snapshot_links "$TMP/links.before"

# -- down during up ----------------------------------------------------------
"$RL" up -q --topo star,60 --name "$LAB" > "$TMP/up.out" 2>&1 &
UP=$!
for i in $(seq 100); do [ -e "/run/rackless/$LAB" ] && break; sleep 0.02; done
sleep 0.3
check "down while up runs: waits, then takes the lab down" "$RL" down "$LAB"
wait "$UP"
echo "    up exited $?"
assert_gone "$LAB"
check "a second down: no such lab" sh -c "! '$RL' down '$LAB' 2>/dev/null"

# -- switch-side names that would collide; a host without links ---------------
cat > "$TMP/names.yaml" <<YAML
name: $LAB
topology:
  defaults:
    subnet: 10.0.12.0/24
    ipv6: off
    dns: {servers: [10.0.12.53, "fd00::53"], search: [lab.example], options: [timeout:1, rotate]}
  nodes:
    a: {kind: switch}
    a-b: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
    h3: {kind: host, gateway: none}
    lonely: {kind: host}
  links:
    - endpoints: [h1:eth0, a:b-c]
    - endpoints: [h2:eth0, a-b:c]
    - endpoints: [h3:eth0, a:p3]
    - endpoints: [a:t1, a-b:t1]
YAML
check "a:b-c and a-b:c come up side by side" "$RL" up -q "$TMP/names.yaml"
PID=$(lab_pid "$LAB")
check "h1 reaches h2 across both switches" "$RL" exec "$LAB" h1 -- ping -c 2 -i 0.2 -W 2 -q 10.0.12.2
check "h3 reaches h1" "$RL" exec "$LAB" h3 -- ping -c 2 -i 0.2 -W 2 -q 10.0.12.1
check "h1 has a default route" sh -c "'$RL' exec '$LAB' h1 -- ip route show default | grep -q 'dev eth0'"
check "h3 (gateway: none) has none" test -z "$("$RL" exec "$LAB" h3 -- ip route show default)"
# exec without a command: a shell in the host ($SHELL, else bash, else sh)
check "exec LAB h1: a shell in h1" sh -c \
	"echo 'ip -o -4 addr show dev eth0' | '$RL' exec '$LAB' h1 | grep -q ' 10\.0\.12\.1/24 '"
check "the shell is \$SHELL" \
	test "$(echo 'echo $0' | SHELL=/bin/sh "$RL" exec "$LAB" h1 --)" = /bin/sh
check "else bash" test "$(echo 'echo $0' | env -u SHELL "$RL" exec "$LAB" h1)" = /bin/bash
# defaults.dns is every host's resolv.conf, in rackless exec and ip netns exec
"$RL" exec "$LAB" h1 -- cat /etc/resolv.conf > "$TMP/resolv.h1"
check "h1's resolv.conf names the file's servers" sh -c \
	"grep -x 'nameserver 10.0.12.53' '$TMP/resolv.h1' && grep -x 'nameserver fd00::53' '$TMP/resolv.h1'"
check "its search and options" sh -c \
	"grep -x 'search lab.example' '$TMP/resolv.h1' && grep -x 'options timeout:1 rotate' '$TMP/resolv.h1'"
check "ip netns exec reads it too" ip netns exec "rl.$LAB.lonely" grep -qx "search lab.example" /etc/resolv.conf
check "a host without links has lo up" "$RL" exec "$LAB" lonely -- ping -c 1 -W 1 -q 127.0.0.1
check "and ipv6: off" test "$("$RL" exec "$LAB" lonely -- cat /proc/sys/net/ipv6/conf/all/disable_ipv6)" = 1
# a daemon in a host outlives whatever started it: down stops it, as
# it stops everything still running inside the lab's namespaces
"$RL" exec "$LAB" h1 -- iperf3 -s -D -p 5301 -I "$TMP/iperf3.pid"
"$RL" exec "$LAB" lonely -- sh -c 'trap "" TERM; sleep 300; :' &
SLP=$! # exec replaces the CLI: the shell has its PID
sleep 0.5
D1=$(cat "$TMP/iperf3.pid" 2>/dev/null)
check "a daemon runs in h1" proc_running "${D1:-0}"
check "down" "$RL" down "$LAB"
check "down stopped the daemon" eval "! proc_running ${D1:-0}"
check "and killed a process that ignores SIGTERM" eval "! proc_running $SLP"
wait "$SLP" 2>/dev/null
assert_gone "$LAB" "$PID"

# -- host interface names the kernel keeps ------------------------------------
for ifn in lo all default; do
	cat > "$TMP/bad.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.12.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [sw1:p2, h2:$ifn]
YAML
	"$RL" up -q "$TMP/bad.yaml" > "$TMP/bad.out" 2>&1
	rc=$?
	check "h2:$ifn refused at load with file:line:col" sh -c \
		"[ $rc -ne 0 ] && grep -q 'bad.yaml:10:[0-9]*: error: interface name .$ifn. of host h2' '$TMP/bad.out'"
	check "and nothing created" test ! -e "/run/rackless/$LAB"
done

# -- two labs raise the shared neighbour limits; any order of down restores --
gc() { cat /proc/sys/net/ipv4/neigh/default/gc_thresh2 /proc/sys/net/ipv4/neigh/default/gc_thresh3 \
	/proc/sys/net/ipv6/neigh/default/gc_thresh2 /proc/sys/net/ipv6/neigh/default/gc_thresh3 | tr '\n' ' '; }
G0=$(gc)
ETC0=$(test -d /etc/netns && echo yes || echo no)
LAB2=tc$$
LABS="$LAB $LAB2"
for order in "$LAB $LAB2" "$LAB2 $LAB"; do
	"$RL" up -q --topo star,30 --name "$LAB" && "$RL" up -q --topo star,45 --name "$LAB2"
	G1=$(gc)
	echo "    limits: $G0-> $G1(two labs up; down in the order $order)"
	check "two labs raised the neighbour limits" test "$G1" != "$G0"
	for l in $order; do "$RL" down "$l" >/dev/null; done
	check "both down (in the order $order): the machine's limits are back" test "$(gc)" = "$G0"
	check "and /etc/netns is as it was ($ETC0)" \
		test "$(test -d /etc/netns && echo yes || echo no)" = "$ETC0"
done
# the smaller lab second: it registers its needs all the same, though the
# first raised the limit past them (it went unregistered, and lost its
# raised limit, and pings, when the first lab went)
"$RL" up -q --topo star,45 --name "$LAB2" && "$RL" up -q --topo star,30 --name "$LAB"
"$RL" down "$LAB2" >/dev/null
check "the first lab down: the limit still holds the second's needs (30 x 29 + 1024)" \
	test "$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3)" -ge 1894
"$RL" down "$LAB" >/dev/null
check "the second down: the machine's limits are back" test "$(gc)" = "$G0"
assert_gone "$LAB2"

# -- status while up still runs a host's exec commands: coming up, not up ------
cat > "$TMP/slow.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.33.0.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, exec: [sleep 3]}
  links:
    - endpoints: [h1:eth0, sw1:p1]
YAML
"$RL" up -q "$TMP/slow.yaml" > /dev/null 2>&1 &
UPP=$!
for i in $(seq 50); do [ -e "/run/rackless/$LAB/lab.json" ] && break; sleep 0.1; done
check "status while exec runs: coming up" sh -c "'$RL' status '$LAB' | grep -q '^lab $LAB: coming up or going down'"
check "up finishes" exited "$UPP" 20 0
check "then: up" sh -c "'$RL' status '$LAB' | grep -q '^lab $LAB: up'"
check "down" "$RL" down "$LAB"

# -- a journal something else wrote into: down still takes the lab down --------
check "a lab to damage" "$RL" up -q --topo star,3 --name "$LAB"
echo garbage >> "/run/rackless/$LAB/journal"
"$RL" down "$LAB" > "$TMP/dmg.out" 2>&1
check "down of a damaged journal exits 1" test $? -eq 1
check "and says what it skipped" grep -q "1 line(s) that are not records skipped" "$TMP/dmg.out"
assert_gone "$LAB"

# -- one file, two labs side by side: --name renames the file's lab ----------
topo_as "$SRC/topo/examples/quickstart.yaml" "${LAB}f" "$TMP/qs.yaml"
LABS="$LAB $LAB2 ${LAB}f"
check "up FILE --name $LAB" "$RL" up -q "$TMP/qs.yaml" --name "$LAB"
check "the same file again as $LAB2" "$RL" up -q "$TMP/qs.yaml" --name "$LAB2"
check "both labs have their h1" test -e "/run/netns/rl.$LAB.h1" -a -e "/run/netns/rl.$LAB2.h1"
check "no lab has the file's name" test ! -e "/run/rackless/${LAB}f"
check "h1 reaches h2 in $LAB2" "$RL" exec "$LAB2" h1 -- ping -c 1 -W 2 -q 10.0.0.20
check "down $LAB" "$RL" down "$LAB"
check "down $LAB2" "$RL" down "$LAB2"
"$RL" up -q "$TMP/qs.yaml" --name bad.name > "$TMP/name.out" 2>&1
rc=$?
check "a bad --name is a usage error ($rc)" sh -c "[ $rc -eq 2 ] && grep -q 'bad lab name' '$TMP/name.out'"
"$RL" up -q "$TMP/qs.yaml" --name "$LAB" --name "$LAB2" > "$TMP/name.out" 2>&1
rc=$?
check "--name twice is a usage error ($rc)" test $rc -eq 2
assert_gone "$LAB"
assert_gone "$LAB2"
assert_gone "${LAB}f"
LABS="$LAB $LAB2"

# -- host names: a host's own /etc/netns hosts file is left alone ------------
[ -d /etc/netns ] || { mkdir /etc/netns && OWN_DIRS="/etc/netns"; }
mkdir "/etc/netns/rl.$LAB.h2" && OWN_DIRS="/etc/netns/rl.$LAB.h2 $OWN_DIRS"
echo "192.0.2.9 h1" > "/etc/netns/rl.$LAB.h2/hosts"
check "a lab whose h2 has a hosts file of its own" sh -c "'$RL' up --topo star,3 --name '$LAB' > '$TMP/own.out'"
check "up says it kept it" grep -q "1 host file(s) already in /etc/netns/NETNS/ are kept" "$TMP/own.out"
check "h2 reads its own" sh -c "'$RL' exec '$LAB' h2 -- getent -s files hosts h1 | grep -q '^192.0.2.9 '"
check "h3 the lab's" sh -c "'$RL' exec '$LAB' h3 -- getent -s files hosts h1 | grep -q '^10\.'"
# pingall with a host gone (its namespace deleted by hand): Mininet's matrix,
# that host's row and the others' pings to it X, counted, exit 1
ip netns del "rl.$LAB.h3"
"$RL" pingall "$LAB" > "$TMP/pa.out" 2> "$TMP/pa.err"
rc=$?
sed 's/^/    /' "$TMP/pa.out" "$TMP/pa.err"
check "pingall with h3 gone exits 1 ($rc)" test "$rc" -eq 1
check "h3's row is all X" grep -qx "h3 -> X X" "$TMP/pa.out"
check "h1 reaches h2, not h3" grep -qx "h1 -> h2 X" "$TMP/pa.out"
check "the results count h3's pairs" grep -q "Results: 67% dropped (2/6 received)" "$TMP/pa.out"
# graph --out with no file name would write hidden .dot and .svg files
mkdir "$TMP/g"
for out in "" "$TMP/g/"; do
	(cd "$TMP/g" && "$RL" graph "$LAB" --out "$out") > /dev/null 2>&1
	rc=$?
	check "graph --out '$out': usage error ($rc)" test "$rc" -eq 2
done
check "and nothing written" test -z "$(ls -A "$TMP/g")"
check "down" "$RL" down "$LAB"
check "h2's own file is still there" grep -qx "192.0.2.9 h1" "/etc/netns/rl.$LAB.h2/hosts"
for d in $OWN_DIRS; do rm -rf -- "$d"; done
OWN_DIRS=""
assert_gone "$LAB"

# -- graph of a bigger lab: drawn (sfdp), not minutes of neato ---------------
check "a lab of 300 hosts" "$RL" up -q --topo star,300 --name "$LAB"
check "graph draws it" timeout 60 "$RL" graph "$LAB" --out "$TMP/big"
check "as SVG" grep -q "<svg" "$TMP/big.svg"
check "down" "$RL" down "$LAB"

# -- a switch binary that cannot run ------------------------------------------
"$RL" up -q --switch "$TMP/no-such-switch" --topo star,2 --name "$LAB" > "$TMP/sw.out" 2>&1
check "a missing switch binary is named" grep -q "cannot run $TMP/no-such-switch" "$TMP/sw.out"
assert_gone "$LAB" "" "$TMP/links.before"

# -- the caller's descriptors stay with the caller ----------------------------
# a pipe on fd 3 around up (a CI runner's, a script's) ends when up does:
# neither the switch nor a daemon an exec command starts keeps it
cat > "$TMP/fds.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.13.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, exec: ["sleep 600 &"]}
  links:
    - endpoints: [h1:eth0, sw1:p1]
YAML
timeout 60 bash -c "'$RL' up -q '$TMP/fds.yaml' 3>&1 >/dev/null | cat >/dev/null"
check "up with a pipe on fd 3 ends, the lab up (exit $?)" test $? -eq 0 -a -e "/run/rackless/$LAB"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "" "$TMP/links.before"
