#!/bin/bash
# The quickstart lab, with the given port backend (afpacket or tap): up, every
# pair of hosts pings through the switch, the switch's counters show it, TCP
# crosses it, down leaves nothing.
. "$(dirname "$0")/lib.sh"
BACKEND=${1:-afpacket}
LAB=tq${BACKEND:0:1}$$
trap finish EXIT

topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
if [ "$BACKEND" = tap ]; then
	sed -i '/^  defaults:$/a\    port: tap' "$TMP/lab.yaml"
	grep -q "port: tap" "$TMP/lab.yaml" || { fail "could not switch the lab to tap ports"; exit 1; }
fi
snapshot_links "$TMP/links.before"

check "up" "$RL" up "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
check "switch is running (pid $PID)" proc_running "$PID"
check "ip netns exec works on a host" ip netns exec "rl.$LAB.h1" ip -o link show eth0
check "up of a lab that is up refuses" sh -c "! '$RL' up '$TMP/lab.yaml' 2>'$TMP/err'"
check "and says why" grep -q "already up" "$TMP/err"

HOSTS=$(lab_hosts "$LAB")
N=$(echo $HOSTS | wc -w)
check "three hosts with addresses" test "$N" -eq 3
ping_all "$LAB" $HOSTS

# hosts know each other by name, in rackless exec and in ip netns exec
# (the hosts file alone, -s files: `getent hosts` asks IPv6 first, which an
# IPv4 lab's file lacks, and then the machine's DNS, unreachable from a
# host, for 6 s a name; ping by name below goes through the whole lookup)
for hp in $HOSTS; do
	check "h1 resolves ${hp%%=*} to ${hp#*=}" sh -c \
		"'$RL' exec '$LAB' h1 -- getent -s files hosts ${hp%%=*} | grep -qx '${hp#*=} *${hp%%=*}'"
done
check "ping h3 by name from h2" "$RL" exec "$LAB" h2 -- ping -c 1 -W 2 -q h3
IP1=$(echo $HOSTS | tr ' ' '\n' | sed -n 's/^h1=//p')
check "ip netns exec sees the names too" sh -c \
	"ip netns exec rl.$LAB.h3 getent -s files hosts h1 | grep -q '^$IP1 '"
check "the machine's own names still resolve inside" \
	"$RL" exec "$LAB" h1 -- getent -s files hosts localhost
# a name outside the lab: the file names no name server (defaults.dns), so a
# host's resolv.conf names none, and the lookup fails at once instead of
# waiting seconds for the machine's servers, out of the lab's reach
check "h1's resolv.conf names no server" sh -c \
	"! '$RL' exec '$LAB' h1 -- grep -q '^nameserver' /etc/resolv.conf"
T0=$(date +%s%N)
"$RL" exec "$LAB" h1 -- getent hosts no-such-name.example > /dev/null
rc=$?
MS=$((($(date +%s%N) - T0) / 1000000))
check "a name outside the lab is not found ($rc)" test "$rc" -eq 2
check "without waiting for a server ($MS ms; a resolver timeout is 5 s)" test "$MS" -lt 3000

# each host sent 2 requests to and answered 2 from each other host: its
# switch port received at least 4*(N-1) frames, and sent as many
"$RL" stats "$LAB" --json > "$TMP/stats.json"
check "every port received and sent the pings" python3 - "$TMP/stats.json" "$N" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
ports = d["ports"]
ok = len(ports) == n and all(p["rx_packets"] >= 4 * (n - 1) and p["tx_packets"] >= 4 * (n - 1) for p in ports)
ok = ok and d["fdb"]["entries"] >= n
for p in ports: print("   ", p["name"], p["type"], "rx", p["rx_packets"], "tx", p["tx_packets"])
sys.exit(0 if ok else 1)
PY
check "ports are of the $BACKEND backend" python3 -c "import json,sys; sys.exit(0 if all(p['type']=='$BACKEND' for p in json.load(open('$TMP/stats.json'))['ports']) else 1)"

# TCP through the switch: a short iperf3 run between two hosts
IP2=$(echo $HOSTS | tr ' ' '\n' | sed -n 2p); IP2=${IP2#*=}
"$RL" exec "$LAB" h2 -- iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
check "iperf3 TCP h1 -> h2" sh -c "'$RL' exec '$LAB' h1 -- iperf3 -c $IP2 -p 5201 -t 2 -J > '$TMP/iperf.json'"
wait $SRV 2>/dev/null
check "iperf3 moved data" python3 -c "import json,sys; d=json.load(open('$TMP/iperf.json')); r=d['end']['sum_received']; print('    %.2f Gbit/s' % (r['bits_per_second']/1e9)); sys.exit(0 if r['bytes'] > 0 else 1)"

if [ "$BACKEND" = tap ]; then
	# a host whose interface is down: frames flooded to it are not the
	# switch's errors (the kernel refuses a write to a tap that is down)
	ip netns exec "rl.$LAB.h3" ip link set eth0 down
	"$RL" exec "$LAB" h1 -- ping -c 2 -i 0.2 -W 1 -q 10.0.0.99 >/dev/null 2>&1
	ip netns exec "rl.$LAB.h3" ip link set eth0 up
	"$RL" stats "$LAB" --json > "$TMP/stats2.json"
	check "h3 down: its flooded frames count as tx_not_connected, not tx_error" \
		python3 -c "import json,sys
p=[p for p in json.load(open('$TMP/stats2.json'))['ports'] if p['name']=='sw1:p3'][0]
print('    sw1:p3 drops', {k:v for k,v in p['drops'].items() if v})
sys.exit(0 if p['drops']['tx_not_connected'] >= 1 and p['drops']['tx_error'] == 0 else 1)"
	check "h1 reaches h3 once it is up again" "$RL" exec "$LAB" h1 -- ping -c 1 -W 3 -q h3
fi

check "status shows the lab" sh -c "'$RL' status '$LAB' | grep -q 'h1'"
# without a lab, a line a lab (it printed every lab's tables)
"$RL" status > "$TMP/all.status"
check "status: a line for the lab, its counts, switch pid and file" \
	grep -qE "^$LAB +up +3 +1 +3 +$PID +$TMP/lab.yaml\$" "$TMP/all.status"
check "and no lab's node or port table" sh -c "! grep -qE '^ +(NODE|PORT) ' '$TMP/all.status'"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
check "down of a lab that is gone fails" sh -c "! '$RL' down '$LAB' 2>/dev/null"
