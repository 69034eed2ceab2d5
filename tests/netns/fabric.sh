#!/bin/bash
# Labs of several switches: the spanning tree blocks exactly the redundant
# trunks, every host reaches every host, cutting a link on the active path
# fails over (and restoring it blocks the loop again, also when two trunks
# come back at once from two `rackless link`), trunks take link
# parameters, and a generated fat-tree (k=4) pings every pair.
. "$(dirname "$0")/lib.sh"
LAB=tf$$
trap finish EXIT
snapshot_links "$TMP/links.before"

blocked() { "$RL" stats "$1" --json | python3 -c 'import json,sys
print(" ".join(sorted(p["name"] for p in json.load(sys.stdin)["ports"] if p.get("blocked"))))'; }
all_pairs() { # every host pings every address of lab $1; prints the failures
	local ips hosts h
	ips=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(n["ip"].split("/")[0] for n in d["nodes"] if n["kind"]=="host"))' "/run/rackless/$1/lab.json")
	hosts=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(n["name"] for n in d["nodes"] if n["kind"]=="host"))' "/run/rackless/$1/lab.json")
	for h in $hosts; do
		"$RL" exec "$1" "$h" -- sh -c "f=0; for ip in $ips; do ping -c1 -W2 -q \$ip >/dev/null || f=\$((f+1)); done; echo \$f"
	done | awk '{s+=$1} END {print s+0}'
}

# --- a ring of four switches, one host each ---
topo_as "$SRC/topo/examples/ring.yaml" "$LAB" "$TMP/ring.yaml"
check "ring up" "$RL" up -q "$TMP/ring.yaml"
PID=$(lab_pid "$LAB")
B=$(blocked "$LAB")
echo "    blocked: $B"
check "the spanning tree blocks one trunk (both its ends)" test "$(echo $B | wc -w)" -eq 2
check "every host reaches every host" test "$(all_pairs "$LAB")" -eq 0
B1=${B%% *}
check "link show says $B1 is blocked by the spanning tree" sh -c \
	"'$RL' link '$LAB' '$B1' show | grep -q '^  spanning tree: blocked'"
check "status shows it blocked" sh -c "'$RL' status '$LAB' | grep -qE '^  $B1 .* blocked\$'"
check "and s1:p2, in the tree, forwarding" sh -c \
	"'$RL' link '$LAB' s1:p2 show | grep -q '^  spanning tree: forwarding'"
check "graph" "$RL" graph "$LAB" --out "$TMP/g1"
check "the graph shows the blocked trunk in grey" test "$(grep -c 'color=grey' "$TMP/g1.dot")" -eq 1
check "and is drawn as SVG" grep -q "<svg" "$TMP/g1.svg"

# h1 (on s1) to h3 (on s3) goes s1-s2-s3; cut s1-s2 under a 100 pps ping
"$RL" exec "$LAB" h1 -- ping -i 0.01 -c 300 -W 1 10.2.0.3 > "$TMP/ping.txt" 2>&1 &
PING=$!
sleep 1
check "cut s1-s2" "$RL" link "$LAB" s1:p2 down
wait $PING
LOST=$(python3 -c 'import re,sys
s=[int(x) for x in re.findall(r"icmp_seq=(\d+)", open(sys.argv[1]).read())]
print(300 - len(set(s)))' "$TMP/ping.txt")
echo "    frames lost while failing over at 100 pps: $LOST"
check "failover: traffic goes on (at most 10 of 300 pings lost)" test "$LOST" -le 10
check "the blocked trunk was opened" test -z "$(blocked "$LAB")"
# a pulled cable forwards nothing: it said "forwarding"
check "link show says the cut trunk is down, from either end" sh -c \
	"'$RL' link '$LAB' s1:p2 show | grep -q '^  spanning tree: down' &&
	 '$RL' link '$LAB' s2:p2 show | grep -q '^  spanning tree: down'"
check "as status's STATE does" sh -c "'$RL' status '$LAB' | grep -qE '^  s1:p2 .* down\$'"
"$RL" graph "$LAB" --out "$TMP/g2" >/dev/null
check "the graph shows the cut link dashed, nothing grey" sh -c \
	"grep -q 'style=dashed' '$TMP/g2.dot' && ! grep -q 'color=grey' '$TMP/g2.dot'"
check "every host still reaches every host" test "$(all_pairs "$LAB")" -eq 0
check "restore s1-s2" "$RL" link "$LAB" s1:p2 up
check "the loop is blocked again" test "$(blocked "$LAB" | wc -w)" -eq 2
check "and every host reaches every host" test "$(all_pairs "$LAB")" -eq 0

# the same cut as a parameter (state=down, as scenario link steps and
# --replace can write it) recomputes the tree too
check "cut s1-s2 with set state=down" "$RL" link "$LAB" s1:p2 set state=down
check "the blocked trunk was opened" test -z "$(blocked "$LAB")"
check "every host reaches every host" test "$(all_pairs "$LAB")" -eq 0
check "set state=up" "$RL" link "$LAB" s1:p2 set state=up
check "the loop is blocked again" test "$(blocked "$LAB" | wc -w)" -eq 2

# two trunks restored at once by two `rackless link`: each plans the tree
# with the other's change (they take turns), so the loop stays blocked
open=0
for i in $(seq 15); do
	"$RL" link "$LAB" s1:p2 down >/dev/null
	"$RL" link "$LAB" "$B1" down >/dev/null
	"$RL" link "$LAB" s1:p2 up >/dev/null &
	"$RL" link "$LAB" "$B1" up >/dev/null &
	wait
	[ "$(blocked "$LAB" | wc -w)" -eq 2 ] || open=$((open + 1))
done
check "two trunks restored at once, 15 times: the loop blocked every time ($open open)" test "$open" -eq 0

# trunks take link parameters: 10 ms each way on s1-s2 shows in h1 -> h2
check "delay on a trunk" "$RL" link "$LAB" s1:p2 set delay=10ms
RTT=$("$RL" exec "$LAB" h1 -- ping -c 5 -i 0.2 -W 2 10.2.0.2 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | sed -n 3p)
echo "    h1 -> h2 across the trunk: median RTT $RTT ms"
check "RTT across the trunk is 20-22 ms (10 ms each way, +2 ms of stacks on a busy machine)" python3 -c "import sys; sys.exit(0 if 20 <= float('${RTT:-0}') <= 22 else 1)"
check "ring down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# --- a generated fat-tree, k=4: 20 switches, 16 hosts, 32 trunks ---
LAB=tg$$
check "fat-tree up (--topo fat-tree,k=4)" "$RL" up -q --topo fat-tree,k=4 --name "$LAB"
PID=$(lab_pid "$LAB")
check "13 redundant trunks blocked (32 trunks, 20 switches)" test "$(blocked "$LAB" | wc -w)" -eq 26
check "all 256 pairs ping" test "$(all_pairs "$LAB")" -eq 0
# an edge switch cut off (both uplinks down), its hosts' MACs learned all
# over the fabric toward the dead trunks; one uplink back, with no other
# trunk's state changing: every pair answers at once (the FDB is flushed)
check "cut e1_1's first uplink" "$RL" link "$LAB" e1_1:p3 down
check "pingall after failover" "$RL" pingall "$LAB"
check "cut its second uplink" "$RL" link "$LAB" e1_1:p4 down
check "pingall now misses e1_1's hosts" sh -c "! '$RL' pingall '$LAB' --timeout 300 >/dev/null"
check "first uplink back" "$RL" link "$LAB" e1_1:p3 up
"$RL" pingall "$LAB" > "$TMP/pa.out" 2>&1
check "every pair answers at once ($(tail -1 "$TMP/pa.out"))" grep -q "Results: 0% dropped" "$TMP/pa.out"
check "fat-tree down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
