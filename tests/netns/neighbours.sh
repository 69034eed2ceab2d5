#!/bin/bash
# All pairs of 60 hosts reach each other: 3540 neighbour entries, past the
# kernel's shared default limit (gc_thresh3 = 1024), so up raises the limits
# for the lab and down restores them; and the same with arp: static (and
# ipv6: off), where every host gets permanent entries and sends no ARP.
. "$(dirname "$0")/lib.sh"
LAB=tn$$
trap finish EXIT
snapshot_links "$TMP/links.before"
T3=/proc/sys/net/ipv4/neigh/default/gc_thresh3
t3=$(cat $T3)

mklab() { # mklab FILE ARP IPV6
	{
		echo "name: $LAB"
		echo "topology:"
		echo "  defaults: {subnet: 10.0.32.0/24, arp: $2, ipv6: $3}"
		echo "  nodes:"
		echo "    sw1: {kind: switch}"
		for i in $(seq 60); do echo "    h$i: {kind: host}"; done
		echo "  links:"
		for i in $(seq 60); do echo "    - endpoints: [h$i:eth0, sw1:p$i]"; done
	} > "$1"
}
all_pairs() { # failures of every host pinging every other host
	local ips h
	ips=$(seq -f "10.0.32.%g" 1 60 | tr '\n' ' ')
	for h in $(seq 60); do
		"$RL" exec "$LAB" "h$h" -- sh -c "f=0; for ip in $ips; do ping -c1 -W2 -q \$ip >/dev/null || f=\$((f+1)); done; echo \$f"
	done | awk '{s+=$1} END {print s+0}'
}

for mode in dynamic static; do
	mklab "$TMP/lab.yaml" $mode $([ $mode = static ] && echo off || echo on)
	check "$mode: up" sh -c "'$RL' up '$TMP/lab.yaml' > '$TMP/up.out'"
	grep -i "raised\|static ARP" "$TMP/up.out" | sed 's/^/    /'
	check "$mode: the limit was raised past the lab's needs" test "$(cat $T3)" -gt 3540
	start=$(date +%s.%N)
	F=$(all_pairs)
	echo "    $mode ARP: 3600 pings, $F failed, $(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))") s"
	check "$mode: all 3540 pairs reach each other" test "$F" -eq 0
	if [ $mode = static ]; then
		check "static: 59 permanent entries per host" test \
			"$("$RL" exec "$LAB" h7 -- ip neigh show nud permanent | wc -l)" -eq 59
		check "ipv6 off on the hosts" test \
			"$("$RL" exec "$LAB" h7 -- cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" -eq 1
	fi
	check "$mode: down" "$RL" down "$LAB"
	check "$mode: the limit is back to $t3" test "$(cat $T3)" -eq "$t3"
	assert_gone "$LAB" "" "$TMP/links.before"
done
