#!/bin/bash
# afxdp ports (AF_XDP on the switch end of each veth).
#
#   afxdp.sh         the quickstart lab with 'port: afxdp': XDP programs
#                    attached in native mode, every pair pings, TCP crosses
#                    the switch, the counters show it; a host's frames over
#                    the port's MTU are counted (rx_truncated), frames over the
#                    host's own MTU (lowered) as tx_error; down, and a switch
#                    killed with SIGKILL, leave no BPF program, map, link or
#                    BTF object behind
#   afxdp.sh scale   200 hosts on afxdp and then on afpacket ports: up, a
#                    few pairs ping, down; up/down times and switch RSS
. "$(dirname "$0")/lib.sh"
MODE=${1:-basic}
LAB=""
LABS="" # every lab this run made: a failed check may leave one up
trap finish_labs EXIT

# The BPF objects process $1 holds (links and their programs, the
# programs' maps and BTF), one "kind id" a line, into $2.
bpf_ids() {
	python3 - "$1" > "$2" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
NR_BPF, PROG_BY_ID, INFO_BY_FD = 321, 13, 15
def bpf(cmd, attr):
    return libc.syscall(NR_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
pid = sys.argv[1]
progs, links = set(), set()
for fd in os.listdir("/proc/%s/fdinfo" % pid):
    try:
        info = open("/proc/%s/fdinfo/%s" % (pid, fd)).read()
    except OSError:
        continue
    kv = dict(l.split(":", 1) for l in info.splitlines() if ":" in l)
    if "link_id" in kv:
        links.add(int(kv["link_id"]))
    if "prog_id" in kv:
        progs.add(int(kv["prog_id"]))
for p in sorted(progs):
    print("prog", p)
    attr = (ctypes.c_uint32 * 4)(p, 0, 0, 0)
    fd = bpf(PROG_BY_ID, attr)
    if fd < 0:
        continue
    maps = (ctypes.c_uint32 * 16)()
    info = (ctypes.c_uint8 * 256)()          # struct bpf_prog_info
    ctypes.c_uint32.from_buffer(info, 52).value = 16               # nr_map_ids
    ctypes.c_uint64.from_buffer(info, 56).value = ctypes.addressof(maps)
    q = (ctypes.c_uint32 * 4)(fd, 256, 0, 0)
    ctypes.c_uint64.from_buffer(q, 8).value = ctypes.addressof(info)
    if bpf(INFO_BY_FD, q) == 0:
        if ctypes.c_uint32.from_buffer(info, 0).value == 6: # BPF_PROG_TYPE_XDP
            print("xdp", p)
        for i in range(ctypes.c_uint32.from_buffer(info, 52).value):
            print("map", maps[i])
        btf = ctypes.c_uint32.from_buffer(info, 128).value
        if btf:
            print("btf", btf)
    os.close(fd)
for l in sorted(links):
    print("link", l)
PY
}

# Every object listed in $1 is gone from the kernel (waits up to 5 s: the
# kernel frees programs and maps after an RCU grace period).
bpf_gone() {
	python3 - "$1" <<'PY'
import ctypes, errno, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
BY_ID = {"prog": 13, "map": 14, "btf": 19, "link": 30}
objs = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in BY_ID]
left = objs
for _ in range(50):
    still = []
    for kind, i in left:
        attr = (ctypes.c_uint32 * 4)(int(i), 0, 0, 0)
        fd = libc.syscall(321, BY_ID[kind], ctypes.byref(attr), ctypes.sizeof(attr))
        if fd >= 0:
            os.close(fd)
            still.append((kind, i))
        elif ctypes.get_errno() != errno.ENOENT:
            still.append((kind, i))
    left = still
    if not left:
        break
    time.sleep(0.1)
for kind, i in left:
    print("    still there: %s %s" % (kind, i))
sys.exit(1 if left or not objs else 0)
PY
}

p2_tx() { # tx_error and tx_bytes of sw1:p2 (h2's port)
	"$RL" stats "$LAB" --json | python3 -c 'import json,sys
p = [p for p in json.load(sys.stdin)["ports"] if p["name"] == "sw1:p2"][0]
print(p["drops"]["tx_error"], p["tx_bytes"])'
}
count() { # count KIND FILE
	grep -c "^$1 " "$2"
}

basic() {
	local hosts n a b ip2 srv pid
	LAB=ax$$
	LABS="$LABS $LAB"
	topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
	sed -i '/^  defaults:$/a\    port: afxdp' "$TMP/lab.yaml"
	snapshot_links "$TMP/links.before"

	check "up with afxdp ports" "$RL" up "$TMP/lab.yaml"
	pid=$(lab_pid "$LAB")
	check "switch is running (pid $pid)" proc_running "$pid"
	ip netns exec "rl.$LAB" ip -d link show > "$TMP/links.sw"
	check "an XDP program on each switch-side veth" \
		test "$(grep -c 'prog/xdp id' "$TMP/links.sw")" -eq 3
	check "attached in native (driver) mode" sh -c \
		"test \$(grep -c ' xdp ' '$TMP/links.sw') -eq 3 && ! grep -q xdpgeneric '$TMP/links.sw'"

	hosts=$(lab_hosts "$LAB")
	n=$(echo $hosts | wc -w)
	ping_all "$LAB" $hosts
	"$RL" stats "$LAB" --json > "$TMP/stats.json"
	check "every afxdp port received and sent the pings" python3 - "$TMP/stats.json" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
ports = d["ports"]
for p in ports: print("   ", p["name"], p["type"], "rx", p["rx_packets"], "tx", p["tx_packets"])
sys.exit(0 if len(ports) == n and all(p["type"] == "afxdp" and p["rx_packets"] >= 4 * (n - 1)
                                      and p["tx_packets"] >= 4 * (n - 1) for p in ports) else 1)
PY

	ip2=$(echo $hosts | tr ' ' '\n' | sed -n 2p); ip2=${ip2#*=}
	"$RL" exec "$LAB" h2 -- iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	srv=$!
	sleep 0.5
	check "iperf3 TCP h1 -> h2" sh -c "'$RL' exec '$LAB' h1 -- iperf3 -c $ip2 -p 5201 -t 3 -J > '$TMP/iperf.json'"
	wait $srv 2>/dev/null
	check "iperf3 moved data through afxdp ports" python3 -c "import json,sys; d=json.load(open('$TMP/iperf.json')); r=d['end']['sum_received']; print('    %.2f Gbit/s, %d retransmits' % (r['bits_per_second']/1e9, d['end']['sum_sent'].get('retransmits', 0))); sys.exit(0 if r['bytes'] > 0 else 1)"
	"$RL" stats "$LAB" --json > "$TMP/stats2.json"
	check "the TCP bytes crossed the switch" python3 -c "import json,sys; p={x['name']:x for x in json.load(open('$TMP/stats2.json'))['ports']}; b=json.load(open('$TMP/iperf.json'))['end']['sum_received']['bytes']; sys.exit(0 if p['sw1:p1']['rx_bytes'] >= b and p['sw1:p2']['tx_bytes'] >= b else 1)"

	# del-port and add-port again, port after port, on the same veths: a
	# port comes back into its UMEM group even when the socket that group
	# was made with is gone, and nothing grows
	local fds0 fds1 r p
	fds0=$(ls "/proc/$pid/fd" | wc -l)
	for r in $(seq 10); do
		for p in 1 2 3; do
			"$RL" ctl "$LAB" "{\"cmd\":\"del-port\",\"name\":\"sw1:p$p\"}" >/dev/null ||
				fail "round $r: del-port sw1:p$p"
			"$RL" ctl "$LAB" "{\"cmd\":\"add-port\",\"name\":\"sw1:p$p\",\"type\":\"afxdp\",\"bridge\":\"sw1\",\"ifname\":\"sw1-p$p\",\"ring\":512}" >/dev/null ||
				fail "round $r: add-port sw1:p$p"
		done
		[ "$r" -eq 1 ] && fds0=$(ls "/proc/$pid/fd" | wc -l) # a group's UMEM fd may part from its first socket's once
	done
	fds1=$(ls "/proc/$pid/fd" | wc -l)
	check "30 del-port/add-port: fds stay at $fds0 (now $fds1)" test "$fds1" -eq "$fds0"
	for a in $hosts; do
		for b in $hosts; do
			[ "$a" = "$b" ] && continue
			check "after re-adding: ping ${a%%=*} -> ${b%%=*}" "$RL" exec "$LAB" "${a%%=*}" -- \
				ping -c 1 -W 2 -q "${b#*=}"
		done
	done

	# a host that raised its MTU (as far as XDP lets it) on a port of MTU
	# 1500: what it sends over 1500 is dropped, and counted
	local t0 t1 r1
	ip netns exec "rl.$LAB.h1" ip link set eth0 mtu 3000
	t0=$("$RL" stats "$LAB" --json | python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["ports"] if p["name"] == "sw1:p1"][0]["drops"]["rx_truncated"])')
	r1=$("$RL" exec "$LAB" h1 -- ping -c 3 -i 0.2 -W 1 -q -s 1600 -M do "$ip2" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	r=$("$RL" exec "$LAB" h1 -- ping -c 3 -i 0.2 -W 1 -q -s 2500 -M do "$ip2" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	t1=$("$RL" stats "$LAB" --json | python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["ports"] if p["name"] == "sw1:p1"][0]["drops"]["rx_truncated"])')
	check "h1 at MTU 3000: 1600- and 2500-byte pings get no reply (got $r1, $r)" test "$r1$r" = 00
	check "and each is counted as rx_truncated of h1's port (+$((t1 - t0)))" test $((t1 - t0)) -eq 6
	ip netns exec "rl.$LAB.h1" ip link set eth0 mtu 1500

	# the other way: a host that lowered its MTU below the port's; the veth
	# would drop what exceeds it after the switch sent it, so the port
	# checks (the MTU is read at most every 0.5 s) and counts tx_error
	local e0 e1 s0 s1
	ip netns exec "rl.$LAB.h2" ip link set eth0 mtu 1000
	sleep 0.7
	read -r e0 s0 <<< "$(p2_tx)"
	r=$("$RL" exec "$LAB" h1 -- ping -c 3 -i 0.2 -W 1 -q -s 1200 "$ip2" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	read -r e1 s1 <<< "$(p2_tx)"
	check "h2 at MTU 1000: 1200-byte pings from h1 get no reply (got $r)" test "$r" = 0
	check "each is counted as tx_error of h2's port (+$((e1 - e0))), none as sent (+$((s1 - s0)) bytes)" \
		test $((e1 - e0)) -eq 3 -a $((s1 - s0)) -lt 1200
	ip netns exec "rl.$LAB.h2" ip link set eth0 mtu 1500
	sleep 0.7
	check "h2 back at 1500: the 1200-byte pings cross" "$RL" exec "$LAB" h1 -- ping -c 2 -i 0.2 -W 1 -q -s 1200 "$ip2"

	# frames larger than an mbuf: ports with a 3000-byte MTU take 4096-byte
	# UMEM frames, receive into chained mbufs and transmit them
	for p in 1 2; do
		ip netns exec "rl.$LAB.h$p" ip link set eth0 mtu 3000
		ip netns exec "rl.$LAB" ip link set "sw1-p$p" mtu 3000
		"$RL" ctl "$LAB" "{\"cmd\":\"del-port\",\"name\":\"sw1:p$p\"}" >/dev/null
		check "add-port sw1:p$p with a 3000-byte MTU" sh -c "'$RL' ctl '$LAB' '{\"cmd\":\"add-port\",\"name\":\"sw1:p$p\",\"type\":\"afxdp\",\"bridge\":\"sw1\",\"ifname\":\"sw1-p$p\",\"mtu\":3000}' >/dev/null"
	done
	check "2900-byte pings h1 -> h2, not fragmented" "$RL" exec "$LAB" h1 -- \
		ping -c 3 -i 0.2 -W 2 -q -s 2900 -M do "$ip2"
	"$RL" stats "$LAB" --json > "$TMP/stats3.json"
	check "they crossed the switch whole" python3 -c "import json,sys; p={x['name']:x for x in json.load(open('$TMP/stats3.json'))['ports']}; print('    p1 rx', p['sw1:p1']['rx_packets'], p['sw1:p1']['rx_bytes'], 'p2 tx', p['sw1:p2']['tx_packets'], p['sw1:p2']['tx_bytes']); sys.exit(0 if p['sw1:p1']['rx_bytes'] >= 3 * 2942 and p['sw1:p2']['tx_bytes'] >= 3 * 2942 else 1)"

	bpf_ids "$pid" "$TMP/bpf.up"
	# (its other programs are the kernel fast path's, dataplane/kfast.h)
	check "the switch holds 3 XDP links and their programs" sh -c \
		"test \$(grep -c '^link ' '$TMP/bpf.up') -eq 3 && test \$(grep -c '^xdp ' '$TMP/bpf.up') -eq 3"
	check "down" "$RL" down "$LAB"
	assert_gone "$LAB" "$pid" "$TMP/links.before"
	check "no BPF program, map, link or BTF of the switch left" bpf_gone "$TMP/bpf.up"

	# a switch killed with SIGKILL: its links close with it, and with
	# them the programs go (libxdp's pinned dispatcher would stay)
	LAB=ak$$
	LABS="$LABS $LAB"
	topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab2.yaml"
	sed -i '/^  defaults:$/a\    port: afxdp' "$TMP/lab2.yaml"
	check "up (to be killed)" "$RL" up "$TMP/lab2.yaml"
	pid=$(lab_pid "$LAB")
	bpf_ids "$pid" "$TMP/bpf.kill"
	check "ping through it" "$RL" exec "$LAB" h1 -- ping -c 1 -W 2 -q 10.0.0.20
	kill -9 "$pid"
	check "the killed switch left no BPF object" bpf_gone "$TMP/bpf.kill"
	check "cleanup" "$RL" cleanup "$LAB"
	assert_gone "$LAB" "$pid" "$TMP/links.before"
}

# One backend at scale: $1 backend, $2 lab. Prints "backend up down rss".
scale_one() {
	local be=$1 pid t0 t1 t2 rss ok=1
	LAB=$2
	LABS="$LABS $LAB"
	cat > "$TMP/$LAB.yaml" <<EOF
name: $LAB
topology:
  defaults: {subnet: 10.1.0.0/16, port: $be, ipv6: off}
  generate: {type: star, hosts: 200}
EOF
	t0=$(date +%s%N)
	check "$be: 200 hosts up" sh -c "'$RL' up '$TMP/$LAB.yaml' > '$TMP/$LAB.up'"
	t1=$(date +%s%N)
	pid=$(lab_pid "$LAB")
	rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
	"$RL" stats "$LAB" --json > "$TMP/$LAB.stats"
	check "$be: 200 ports of the $be backend" python3 -c "import json,sys; p=json.load(open('$TMP/$LAB.stats'))['ports']; sys.exit(0 if len(p) == 200 and all(x['type'] == '$be' for x in p) else 1)"
	for pair in "h1 10.1.0.200" "h200 10.1.0.1" "h57 10.1.0.143" "h100 10.1.0.2"; do
		check "$be: ping ${pair% *} -> ${pair#* }" "$RL" exec "$LAB" ${pair% *} -- \
			ping -c 2 -i 0.2 -W 2 -q ${pair#* }
	done
	t2=$(date +%s%N)
	check "$be: down" "$RL" down "$LAB"
	t0=$(( (t1 - t0) / 1000000 )); t2=$(( ($(date +%s%N) - t2) / 1000000 ))
	assert_gone "$LAB" "$pid"
	echo "$be $t0 $t2 $rss" >> "$TMP/scale"
}

scale() {
	scale_one afxdp as$$
	scale_one afpacket ap$$
	echo "    200 hosts, one switch:   up (ms)  down (ms)  switch RSS (MB)"
	while read -r be up down rss; do
		printf '    %-22s %8s %10s %16s\n' "$be" "$up" "$down" "$rss"
	done < "$TMP/scale"
}

case "$MODE" in
basic) basic ;;
scale) scale ;;
*) fail "unknown mode $MODE" ;;
esac
