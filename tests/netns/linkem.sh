#!/bin/bash
# Emulated links against real traffic: delay from the file shows in ping's
# RTT, a live change takes effect without restarting anything, loss drops
# and is counted, a rate shapes TCP, carrier down is seen by the host.
. "$(dirname "$0")/lib.sh"
LAB=tl$$
trap finish EXIT
snapshot_links "$TMP/links.before"
cat > "$TMP/lab.yaml" <<YAML
name: $LAB
seed: 7
topology:
  defaults: {subnet: 10.0.9.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
      params: {delay: 10ms}
    - endpoints: [h2:eth0, sw1:p2]
YAML
check "up" "$RL" up -q "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")

rtt() { # min and median RTT in ms of N pings h1 -> h2
	"$RL" exec "$LAB" h1 -- ping -c "$1" -i 0.05 -W 2 10.0.9.2 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{a[NR]=$1} END {if (NR) print a[1], a[int((NR+1)/2)], NR; else print "nan nan 0"}'
}
within() { python3 -c "import sys; v=float('$1'); sys.exit(0 if $2 <= v <= $3 else 1)"; }

"$RL" exec "$LAB" h1 -- ping -c 1 -W 2 10.0.9.2 >/dev/null  # ARP, learning
read -r min med n <<< "$(rtt 20)"
echo "    10ms each way: min $min ms, median $med ms over $n pings"
check "delay from the file: RTT is 20 ms (+1 ms of switch and stack)" within "$med" 20 21

check "live change" "$RL" link "$LAB" h1:eth0 set delay=25ms jitter=0ms
read -r min med n <<< "$(rtt 20)"
echo "    25ms each way: min $min ms, median $med ms"
check "RTT follows the change to 50 ms" within "$med" 50 51
check "egress only: 25 ms out of h1, 5 ms back" "$RL" link "$LAB" h1:eth0 set delay=5ms --ingress
read -r min med n <<< "$(rtt 20)"
echo "    25 + 5 ms: median $med ms"
check "RTT is 30 ms" within "$med" 30 31
check "switch was not restarted" proc_running "$PID"

check "loss 100%" "$RL" link "$LAB" h1:eth0 set loss=100% delay=0ms --replace
check "nothing gets through" sh -c "! '$RL' exec '$LAB' h1 -- ping -c 3 -i 0.1 -W 1 -q 10.0.9.2 >/dev/null"
"$RL" link "$LAB" h1:eth0 show > "$TMP/show"
sed 's/^/    /' "$TMP/show"
check "losses are counted" grep -qE "loss=[1-9]" "$TMP/show"
check "loss 0%" "$RL" link "$LAB" h1:eth0 set loss=0% --replace
check "traffic flows again" "$RL" exec "$LAB" h1 -- ping -c 2 -i 0.1 -W 2 -q 10.0.9.2

# 20 Mbit/s both ways: TCP goodput is the rate less header overhead
check "rate 20mbit" "$RL" link "$LAB" h1:eth0 set rate=20mbit queue=64kb
"$RL" exec "$LAB" h2 -- iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
"$RL" exec "$LAB" h1 -- iperf3 -c 10.0.9.2 -p 5202 -t 4 -O 1 -J > "$TMP/iperf.json" 2>/dev/null
wait $SRV 2>/dev/null
MBIT=$(python3 -c "import json; print('%.2f' % (json.load(open('$TMP/iperf.json'))['end']['sum_received']['bits_per_second']/1e6))" 2>/dev/null || echo nan)
echo "    TCP through a 20 Mbit/s link: $MBIT Mbit/s"
check "TCP goodput is 90-100% of 20 Mbit/s" within "$MBIT" 18 20
check "rate off" "$RL" link "$LAB" h1:eth0 set --replace

check "cable pulled" "$RL" link "$LAB" h1:eth0 down
check "the host sees no carrier" sh -c "'$RL' exec '$LAB' h1 -- ip link show eth0 | grep -q NO-CARRIER"
check "and cannot reach h2" sh -c "! '$RL' exec '$LAB' h1 -- ping -c 1 -W 1 -q 10.0.9.2 >/dev/null"
check "cable back" "$RL" link "$LAB" h1:eth0 up
check "carrier is back" sh -c "! '$RL' exec '$LAB' h1 -- ip link show eth0 | grep -q NO-CARRIER"
# the host's neighbour entry stays FAILED for a moment after a flap, as
# with a real cable: a reply within a few seconds is the test
# (ping -c 1 -w 5 would stop at the first "host unreachable": retry instead)
check "h2 reachable again within 5 s" "$RL" exec "$LAB" h1 -- sh -c \
	'for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 -q 10.0.9.2 >/dev/null && exit 0; sleep 0.4; done; exit 1'

check "bad parameter is refused and named" sh -c "! '$RL' link '$LAB' h1:eth0 set delay=5parsecs 2>'$TMP/err' && grep -q delay '$TMP/err'"
check "unknown endpoint is refused" sh -c "! '$RL' link '$LAB' h9:eth0 show 2>/dev/null"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
