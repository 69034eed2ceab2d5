#!/bin/bash
# vhost ports: a virtio-user "guest" (rl_vuclient, DPDK's net_virtio_user in
# a process of its own) on a vhost-user socket of the lab's switch. A host
# pings it through the switch, the counters show it, bad socket paths are
# refused, the guest disconnects and reconnects (killed, or stopped), a
# second guest on the same socket is refused (and one retrying in a loop
# does not flood the switch's log), the port is deleted while a
# guest is connected, and the lab goes down with one connected. Then two
# guests exchange a UDP flood through a switch that runs without hugepages.
# Prints ping RTT p50 host <-> guest and UDP rates.
. "$(dirname "$0")/lib.sh"
VU=${RL_VUCLIENT:?RL_VUCLIENT must point to rl_vuclient}
RLSW=${RACKLESS_SWITCH:?RACKLESS_SWITCH must point to rackless-switch}
LAB=tv$$
CLIENTS="" # PIDs of the rl_vuclient processes this test started
SWPID=""   # the standalone switch of the last part

cleanup() {
	local p
	for p in $CLIENTS $SWPID; do
		proc_running "$p" && kill -9 "$p" 2>/dev/null
	done
	finish
}
trap cleanup EXIT

ctl() { "$RL" ctl "$LAB" "$1"; }
swctl() { # one request to the standalone switch of the last part
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())' "$TMP/sw.sock" "$1"
}
ok_reply() { grep -q '"ok":true' <<<"$1"; }
err_reply() { grep -q '"ok":false' <<<"$1"; }

# start_client OUTFILE ARGS...: start rl_vuclient, record its PID in $CPID
start_client() {
	local out=$1
	shift
	"$VU" "$@" >"$out" 2>&1 &
	CPID=$!
	CLIENTS="$CLIENTS $CPID"
}

wait_up() { # wait_up OUTFILE PID: the client says it is up
	wait_line "$1" "rl_vuclient: up on" "$2"
}


port_json() { # port_json NAME KEY: a counter of a switch port
	ctl '{"cmd":"ports"}' | python3 -c 'import json,sys
for p in json.load(sys.stdin)["result"]:
    if p["name"] == sys.argv[1]:
        v = p
        for k in sys.argv[2].split("."): v = v[k]
        print(v)' "$1" "$2"
}

rtt_p50() { # rtt_p50 FILE: median of ping's time= values, in microseconds
	python3 -c 'import re,sys,statistics
t=[float(x) for x in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read())]
print(int(statistics.median(t)*1000) if t else -1)' "$1"
}

topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
snapshot_links "$TMP/links.before"
check "up" "$RL" up "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
RUN=/run/rackless/$LAB
SOCK="$RUN/sw1:vm1.sock"
H1="rl.$LAB.h1"

# ---- bad paths: error replies, nothing created, nothing deleted
touch "$TMP/plain"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"vhost","bridge":"sw1","path":"relative.sock"}')
check "a relative socket path is refused" err_reply "$r"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"vhost","bridge":"sw1","path":"'"$TMP/plain"'"}')
check "an existing file is refused" err_reply "$r"
check "  and says why" grep -q "is not a socket" <<<"$r"
check "  and is left alone" test -f "$TMP/plain"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"vhost","bridge":"sw1","path":"'"$TMP/no/such/dir.sock"'"}')
check "a socket in a missing directory is refused" err_reply "$r"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"vhost","bridge":"sw1","path":"/'"$(printf 'x%.0s' $(seq 120))"'"}')
check "a path longer than sun_path is refused" err_reply "$r"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"vhost","bridge":"sw1","path":7}')
check "a path that is not a string is refused" err_reply "$r"
r=$(ctl '{"cmd":"add-port","name":"sw1:bad","type":"tap","bridge":"sw1","ifname":"x","path":"/tmp/x.sock"}')
check "a path on a non-vhost port is refused" err_reply "$r"
check "the switch survived bad requests" ok_reply "$(ctl '{"cmd":"ping"}')"
check "no port was added" test "$(ctl '{"cmd":"ping"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["ports"])')" = 3

# ---- the port, on its default path in the lab's run directory
r=$(ctl '{"cmd":"add-port","name":"sw1:vm1","type":"vhost","bridge":"sw1"}')
check "add-port vhost" ok_reply "$r"
check "its socket is $SOCK" test -S "$SOCK"
check "the port lists its path" test "$(port_json sw1:vm1 path)" = "$SOCK"
r=$(ctl '{"cmd":"add-port","name":"sw1:vm2","type":"vhost","bridge":"sw1","path":"'"$SOCK"'"}')
check "a second port on the same socket is refused" err_reply "$r"
check "  and the socket stays" test -S "$SOCK"

start_client "$TMP/vu1.out" --sock "$SOCK" --ip 10.0.0.99 --mac 02:76:75:00:00:01
VU1=$CPID
check "the guest connects" wait_up "$TMP/vu1.out" "$VU1"
check "h1 pings the guest" ip netns exec "$H1" ping -c 5 -i 0.2 -W 2 -q 10.0.0.99
check "the vhost port received and sent the pings" \
	test "$(port_json sw1:vm1 rx_packets)" -ge 5 -a "$(port_json sw1:vm1 tx_packets)" -ge 5
start_client "$TMP/vu-second.out" --sock "$SOCK" --ip 10.0.0.98 --wait 3
check "a second guest on the socket is refused (exit 1)" exited "$CPID" 15 1
check "the first guest still answers" ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.99
# a second QEMU retries at once, without end: the switch's log (on tmpfs)
# must not take every refusal (rte_vhost logs each: MBs in seconds)
LOGF=/run/rackless/$LAB/switch.log
log0=$(stat -c %s "$LOGF")
refused() { # refused SECONDS: connect to the socket in use again and again
	python3 - "$SOCK" "$1" <<'PY'
import socket, sys, time
end, n = time.time() + float(sys.argv[2]), 0
while n == 0 or time.time() < end:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(sys.argv[1]); s.recv(1)
    except OSError:
        pass
    s.close()
    n += 1
print(n)
PY
}
n=$(refused 2)
log1=$(stat -c %s "$LOGF")
echo "    $n connections refused in 2 s: the log grew $((log1 - log0)) bytes"
check "a guest retrying in a loop was refused over 500 times" test "$n" -gt 500
check "  and the log grew under 16 KB" test $((log1 - log0)) -lt 16384
sleep 1.1
refused 0 >/dev/null
check "  saying how many messages it left out" wait_line "$LOGF" "log messages suppressed" "$PID" 2

# ---- idle: the port is parked, the switch sleeps
sleep 1
check "idle with a guest connected: no port busy-polled" \
	test "$("$RL" ctl "$LAB" '{"cmd":"stats"}' | python3 -c 'import json,sys; print(sum(w["active"] for w in json.load(sys.stdin)["result"]["workers"]))')" = 0
t0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
sleep 3
t1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
echo "    switch CPU while idle: $((t1 - t0)) ticks in 3 s"
check "idle switch uses under 3% of a core" test $((t1 - t0)) -lt 10

# ---- latency: paced pings (the port parks between them) and a busy ping
ip netns exec "$H1" ping -c 200 -i 0.01 -W 1 10.0.0.99 >"$TMP/ping-paced.txt"
ip netns exec "$H1" ping -c 2000 -A -W 1 10.0.0.99 >"$TMP/ping-busy.txt" 2>&1
P_PACED=$(rtt_p50 "$TMP/ping-paced.txt")
P_BUSY=$(rtt_p50 "$TMP/ping-busy.txt")
echo "    ping RTT p50 h1 <-> guest: ${P_PACED} us at 100/s (parked port), ${P_BUSY} us back to back"
check "paced pings were answered" test "$P_PACED" -gt 0
check "back-to-back pings were answered" test "$P_BUSY" -gt 0

# ---- disconnect and reconnect
kill -9 "$VU1"
exited "$VU1" 5 137
rmdir "/var/run/dpdk/rlvu-$VU1" # EAL's runtime dir: a killed guest cannot remove it
check "no answer with the guest killed" sh -c "! ip netns exec $H1 ping -c 1 -W 1 -q 10.0.0.99 >/dev/null"
check "the switch survived the guest's death" ok_reply "$(ctl '{"cmd":"ping"}')"
start_client "$TMP/vu2.out" --sock "$SOCK" --ip 10.0.0.99 --mac 02:76:75:00:00:01
VU2=$CPID
check "a new guest connects" wait_up "$TMP/vu2.out" "$VU2"
check "h1 pings the new guest" ip netns exec "$H1" ping -c 3 -i 0.2 -W 2 -q 10.0.0.99
kill -TERM "$VU2"
check "a guest stopped with SIGTERM exits 0" exited "$VU2" 10 0
check "  after answering" grep -q "icmp [1-9]" "$TMP/vu2.out"

# ---- UDP flood guest -> h1 (vhost to afpacket)
H1MAC=$(ip netns exec "$H1" cat /sys/class/net/eth0/address)
N=200000
r0=$(ip netns exec "$H1" cat /sys/class/net/eth0/statistics/rx_packets)
start_client "$TMP/flood.out" --sock "$SOCK" --ip 10.0.0.99 --mac 02:76:75:00:00:01 \
	--flood "10.0.0.1,$H1MAC,$N,60"
check "the flood was sent (exit 0)" exited "$CPID" 60 0
sleep 0.5
r1=$(ip netns exec "$H1" cat /sys/class/net/eth0/statistics/rx_packets)
grep "sent" "$TMP/flood.out" | sed 's/^/    /'
echo "    h1 received $((r1 - r0)) of $N frames"
check "h1 received at least 90% of the flood" test $((r1 - r0)) -ge $((N * 9 / 10))

# ---- delete the port while a guest is connected
start_client "$TMP/vu3.out" --sock "$SOCK" --ip 10.0.0.99 --mac 02:76:75:00:00:01
VU3=$CPID
check "a guest connects again" wait_up "$TMP/vu3.out" "$VU3"
check "h1 pings it" ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.99
check "del-port with the guest connected" ok_reply "$(ctl '{"cmd":"del-port","name":"sw1:vm1"}')"
check "the socket is gone" test ! -e "$SOCK"
check "the guest sees its backend go (exit 3)" exited "$VU3" 10 3
check "the switch is alive, with its 3 ports" \
	test "$(ctl '{"cmd":"ping"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["ports"])')" = 3
check "the others still forward (h1 -> h2)" ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.20

# ---- again on the same path, then down with a guest connected
check "the port can be added again" ok_reply "$(ctl '{"cmd":"add-port","name":"sw1:vm1","type":"vhost","bridge":"sw1"}')"
start_client "$TMP/vu4.out" --sock "$SOCK" --ip 10.0.0.99 --mac 02:76:75:00:00:01
VU4=$CPID
check "a guest connects to it" wait_up "$TMP/vu4.out" "$VU4"
check "h1 pings it" ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.99
check "down with a guest connected" "$RL" down "$LAB"
check "the guest sees its backend go (exit 3)" exited "$VU4" 10 3
assert_gone "$LAB" "$PID" "$TMP/links.before"

# ---- guest to guest through a switch without hugepages
SWLAB=tvn$$
"$RLSW" --lab "$SWLAB" --socket "$TMP/sw.sock" --huge no --mem 128 >"$TMP/sw.log" 2>&1 &
SWPID=$!
for i in $(seq 100); do [ -S "$TMP/sw.sock" ] && break; sleep 0.1; done
check "a switch without hugepages" grep -q "no hugepages" "$TMP/sw.log"
check "  takes vhost port a" ok_reply "$(swctl '{"cmd":"add-port","name":"a","type":"vhost","bridge":"br"}')"
check "  and vhost port b" ok_reply "$(swctl '{"cmd":"add-port","name":"b","type":"vhost","bridge":"br"}')"
start_client "$TMP/b.out" --sock "$TMP/b.sock" --ip 10.9.0.2 --mac 02:76:75:00:00:0b
VUB=$CPID
check "guest b connects" wait_up "$TMP/b.out" "$VUB"
start_client "$TMP/a.out" --sock "$TMP/a.sock" --ip 10.9.0.1 --mac 02:76:75:00:00:0a \
	--flood "10.9.0.2,02:76:75:00:00:0b,$N,60"
check "guest a floods guest b (exit 0)" exited "$CPID" 60 0
sleep 0.5
swctl '{"cmd":"ports"}' >"$TMP/swports.json"
kill -TERM "$VUB"
check "guest b stops (exit 0)" exited "$VUB" 10 0
GOT=$(sed -n 's/.* udp \([0-9]*\) .*/\1/p' "$TMP/b.out")
grep "sent" "$TMP/a.out" | sed 's/^/    /'
echo "    guest b received ${GOT:-0} of $N frames"
# nothing is lost unaccounted: port a took all N from guest a; what port b
# did not deliver (guest b's ring full: both guests and the switch share 2
# cores) is counted as tx_full; guest b got all that port b sent
check "every frame is delivered or counted" python3 - "$TMP/swports.json" "$N" "${GOT:-0}" <<'PY'
import json, sys
ports = {p["name"]: p for p in json.load(open(sys.argv[1]))["result"]}
n, got = int(sys.argv[2]), int(sys.argv[3])
a, b = ports["a"], ports["b"]
print("    port a rx %d, port b tx %d, tx_full %d" % (a["rx_packets"], b["tx_packets"], b["drops"]["tx_full"]))
sys.exit(0 if a["rx_packets"] == n and b["tx_packets"] == got and
         b["tx_packets"] + b["drops"]["tx_full"] == n and got > 0 else 1)
PY
kill -TERM "$SWPID"
check "the standalone switch exits 0" exited "$SWPID" 10 0
check "its sockets are gone" test ! -e "$TMP/a.sock" -a ! -e "$TMP/b.sock" -a ! -e "$TMP/sw.sock"
check "its DPDK runtime dir is gone" test ! -e "/var/run/dpdk/rackless-$SWLAB"
for p in $CLIENTS; do
	check "guest process $p is gone" eval "! proc_running $p"
done
for p in $CLIENTS; do
	check "no DPDK runtime dir of guest $p left" test ! -e "/var/run/dpdk/rlvu-$p"
done
