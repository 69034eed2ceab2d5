#!/bin/bash
# Forwarding benchmark: rackless beside the Linux bridge, a direct veth pair
# and (when installed) OVS-DPDK, in one run. Two namespaces joined by
#   direct         a veth pair (the upper bound), default offloads
#   bridge         a Linux bridge in a namespace of its own, default offloads
#   bridge-txoff   the same with TX checksum offload (and so TSO) off on the
#                  hosts, as `rackless up` sets it for afpacket and tap hosts
#   <backend>      rackless-switch, one case per port backend that comes up
#                  (`port: <backend>` in the lab file; a backend that fails to
#                  come up is skipped with a note); afpacket flows go through
#                  the kernel fast path (dataplane/kfast.h) once learned
#   <backend>-user the same with the kernel fast path off (`rackless up
#                  --kernel-fastpath no`): every frame through the switch
#   <backend>-2sw  h2 on a second switch, a trunk (patch ports) between
#                  (and -2sw-user)
#   ovs-*          OVS-DPDK through ../shared/peers/bench_forwarding.sh, when
#                  openvswitch-switch-dpdk is installed (never installed here)
# Per case and round:
#   pps    64-byte UDP frames from trafgen (netsniff-ng) on 1 generator core
#          (CPU0) and on 2 (CPU0-1, sharing CPU1 with the switch's worker):
#          frames received per second by the receiving interface's rx
#          counter over BENCH_PPS_SECS after 1 s of warm-up; for rackless
#          also what the switch itself sent (tx counter of the receiving port)
#   tcp    iperf3 TCP Gbit/s, 1 stream and 8 (-P 8), BENCH_TCP_SECS each
#   ping   RTT p50/p99 of 1000 pings at -i 0.001 (1000/s; the figure the
#          issue and ../shared/peers quote); "busy" the same at -i 0.0001,
#          where rackless' ports stay on the busy-poll list; "parked" 50
#          pings at -i 0.1, where every ping finds its port parked on epoll
#          and the worker asleep (parking takes 2048 empty loops, well under
#          1 ms). For rackless, the worker's sleeps per ping prove which.
# Once per available backend (not per round): the switch's CPU use with
# BENCH_IDLE_HOSTS (1000) idle hosts (ipv6 off: no autoconfiguration storm;
# 3 s to settle, then 10 s of utime+stime from /proc/PID/stat and of run time
# from /proc/PID/task/*/schedstat, as % of one core), and its RSS and PSS with
# BENCH_RSS_HOSTS (4096) ports.
#
# Figures are medians of BENCH_ROUNDS rounds (default 3; cases interleave
# within a round). Prints tables, ratios against the Linux bridge from the
# same run, and writes JSON to $OUT (default: bench-forwarding.json in the
# build directory when run by meson, else /tmp/rackless-bench-forwarding.json).
#
# Knobs (environment): BENCH_ROUNDS=3 BENCH_PPS_SECS=2 BENCH_TCP_SECS=2
#   BENCH_BACKENDS="afpacket afpacket-user afpacket-2sw afpacket-2sw-user tap
#   afxdp" BENCH_SCALE=1 (0: skip idle/RSS)
#   BENCH_IDLE_HOSTS=1000 BENCH_RSS_HOSTS=4096 BENCH_OVS=1 (0: skip OVS-DPDK)
# A quick run: BENCH_ROUNDS=1 BENCH_SCALE=0.
#
# Everything it creates is named rbf<PID>... (namespaces, labs) and removed
# on exit, also on Ctrl-C; it kills only processes it started.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
RL=${RACKLESS:?RACKLESS must point to the rackless binary}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${RL_SOURCE_ROOT:-$HERE/..}
PEERS=${PEERS:-$SRC/../shared/peers}
ROUNDS=${BENCH_ROUNDS:-3}
PPS_SECS=${BENCH_PPS_SECS:-2}
TCP_SECS=${BENCH_TCP_SECS:-2}
BACKENDS=${BENCH_BACKENDS:-afpacket afpacket-user afpacket-2sw afpacket-2sw-user tap afxdp}
SCALE=${BENCH_SCALE:-1}
IDLE_HOSTS=${BENCH_IDLE_HOSTS:-1000}
RSS_HOSTS=${BENCH_RSS_HOSTS:-4096}
USE_OVS=${BENCH_OVS:-1}
if [ -n "${RL_BUILD_ROOT:-}" ]; then OUT=${OUT:-$RL_BUILD_ROOT/bench-forwarding.json}; fi
OUT=${OUT:-/tmp/rackless-bench-forwarding.json}
P=rbf$$
IP1=10.250.0.1 IP2=10.250.0.2
TMP=$(mktemp -d /tmp/rackless-bench-XXXXXX)
RES=$TMP/results.tsv # round case metric value
NOTES=$TMP/notes
: > "$RES"
: > "$NOTES"

# ---- what this run made, removed by record -------------------------------
MADE_NS="" LABS="" PIDS=""
cleanup() {
	local p l n
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for l in $LABS; do
		[ -e "/run/rackless/$l" ] || continue
		"$RL" down "$l" >/dev/null 2>&1 || "$RL" cleanup "$l" >/dev/null 2>&1
	done
	for n in $MADE_NS; do ip netns del "$n" 2>/dev/null; done
	PIDS="" LABS="" MADE_NS=""
}
trap 'cleanup; rm -rf "$TMP"' EXIT
trap 'echo "interrupted: cleaning up" >&2; exit 130' INT TERM

spawn() { "$@" & PIDS="$PIDS $!"; LAST=$!; } # start a recorded background process
reap() { # reap PID: wait for it and forget it
	local p=$1 keep=""
	wait "$p" 2>/dev/null
	for q in $PIDS; do [ "$q" = "$p" ] || keep="$keep $q"; done
	PIDS=$keep
}
note() { echo "$*" >> "$NOTES"; echo "  note: $*" >&2; }
res() { echo "$ROUND $CASE $1 $2" >> "$RES"; } # res METRIC VALUE
log() { echo "[$(date +%T)] $*" >&2; }

mkns() { ip netns add "$1" && MADE_NS="$MADE_NS $1" && ip -n "$1" link set lo up; }
delns() { # delete the namespaces this run made
	for n in $MADE_NS; do ip netns del "$n" 2>/dev/null; done
	MADE_NS=""
}

# `rackless up -q FILE`, errors in $TMP/up.err. Once more after a pause when
# the switch found too little memory: other labs on a shared machine may
# have held the free hugepages for a moment.
rl_up() { # FILE [up options]
	"$RL" up -q "$@" > "$TMP/up.err" 2>&1 && return 0
	grep -q "Cannot init memory" "$TMP/up.err" || return 1
	sleep 5
	"$RL" up -q "$@" > "$TMP/up.err" 2>&1
}

lab_pid() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r.get("op")=="switch": print(r["pid"])' "/run/rackless/$1/journal"
}

# ---- cases: each sets NS1 NS2 (the two hosts, interface eth0) and SWLAB ---
setup_kernel() { # direct | bridge | bridge-txoff
	local h
	mkns ${P}a && mkns ${P}b || return 1
	if [ "$1" = direct ]; then
		ip link add eth0 netns ${P}a type veth peer name eth0 netns ${P}b || return 1
	else
		mkns ${P}s || return 1
		ip -n ${P}s link add br0 type bridge stp_state 0 forward_delay 0 || return 1
		for h in a b; do
			ip link add eth0 netns ${P}$h type veth peer name port$h netns ${P}s || return 1
			ip -n ${P}s link set dev port$h master br0 up || return 1
		done
		ip -n ${P}s link set br0 up
	fi
	ip -n ${P}a addr add $IP1/24 dev eth0 && ip -n ${P}a link set eth0 up || return 1
	ip -n ${P}b addr add $IP2/24 dev eth0 && ip -n ${P}b link set eth0 up || return 1
	if [ "$1" = bridge-txoff ]; then
		ip netns exec ${P}a ethtool -K eth0 tx off >/dev/null 2>&1
		ip netns exec ${P}b ethtool -K eth0 tx off >/dev/null 2>&1
	fi
	NS1=${P}a NS2=${P}b SWLAB=""
}

setup_rackless() { # BACKEND[-2sw][-user] -> 0, or 1 with the reason in $TMP/up.err
	local lab=$P-$1 kf=yes be=${1%-user} sw2="" trunk=""
	case $1 in *-user) kf=no ;; esac
	RXPORT=sw1:p2
	case $be in *-2sw) # h2 on a second switch, one trunk between
		be=${be%-2sw} RXPORT=sw2:p2
		sw2="sw2: {kind: switch}" trunk="- endpoints: [sw1:t1, sw2:t1]" ;;
	esac
	cat > "$TMP/lab.yaml" <<YAML
name: $lab
topology:
  defaults: {subnet: 10.250.0.0/24, port: $be}
  nodes:
    sw1: {kind: switch}
    $sw2
    h1: {kind: host, ip: $IP1/24}
    h2: {kind: host, ip: $IP2/24}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, $RXPORT]
    $trunk
YAML
	LABS="$LABS $lab"
	rl_up "$TMP/lab.yaml" --kernel-fastpath $kf || return 1
	NS1=rl.$lab.h1 NS2=rl.$lab.h2 SWLAB=$lab
}

teardown_case() {
	if [ -n "$SWLAB" ]; then
		"$RL" down "$SWLAB" >/dev/null 2>&1 || "$RL" cleanup "$SWLAB" >/dev/null 2>&1
	fi
	delns
	SWLAB=""
}

# ---- measurements ----------------------------------------------------------
X1() { ip netns exec "$NS1" "$@"; }
X2() { ip netns exec "$NS2" "$@"; }
ctr() { ip netns exec "$1" cat "/sys/class/net/eth0/statistics/$2"; }
now() { date +%s.%N; }

# One snapshot of the switch, on its own clock: its workers' sleeps, the
# packets its workers sent to p2, all port drops, the time (ns), the
# workers' CPU time in their own code and in the kernel (ns), and the
# packets the kernel fast path forwarded to p2.
sw_counters() { # -> "sleeps p2_tx drops time_ns user_ns sys_ns p2_kernel_tx"
	"$RL" ctl "$SWLAB" '{"cmd":"stats"}' 2>/dev/null | python3 -c 'import json,sys
d = json.load(sys.stdin); d = d.get("result", d)
p2 = [p for p in d["ports"] if p["name"] == sys.argv[1]][0]
kf = p2.get("kernel_fastpath", {}).get("tx_packets", 0)
dr = sum(sum(p["drops"].values()) for p in d["ports"])
w = d["workers"]
print(sum(x["sleeps"] for x in w), p2["tx_packets"] - kf, dr, d["time_ns"],
      sum(x["user_ns"] for x in w), sum(x["sys_ns"] for x in w), kf)' "$RXPORT" 2>/dev/null ||
	echo "nan nan nan nan nan nan nan"
}

ping_run() { # NAME COUNT INTERVAL: p50/p99 in us, worker sleeps per ping
	local name=$1 n=$2 iv=$3 s0 s1 pct
	[ -n "$SWLAB" ] && read -r s0 _ _ <<< "$(sw_counters)"
	pct=$(X1 timeout 60 ping -n -c "$n" -i "$iv" -W 1 $IP2 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g | awk '{v[NR] = $1 * 1000}
		END { if (NR == 0) { print "nan nan"; exit }
		      i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
		      printf "%.1f %.1f\n", v[int(NR * 0.5 + 0.5)], v[i] }')
	res ${name}_p50_us "${pct% *}"
	res ${name}_p99_us "${pct#* }"
	if [ -n "$SWLAB" ]; then
		read -r s1 _ _ <<< "$(sw_counters)"
		res ${name}_sleeps_per_ping "$(python3 -c "print('%.2f' % (($s1 - $s0) / $n))" 2>/dev/null || echo nan)"
	fi
}

pps_run() { # CORES
	local c=$1 mac1 mac2 a b x y t0 t1 s0 s1 d0 d1 u0 k0 u1 k1 ts0 ts1
	mac1=$(X1 cat /sys/class/net/eth0/address)
	mac2=$(X2 cat /sys/class/net/eth0/address)
	# 60 bytes + FCS = 64 on the wire; UDP to the discard port, which is
	# closed: the receiver takes it through IP and UDP and drops it
	cat > "$TMP/tg.cfg" <<EOF
{ eth(da=$mac2, sa=$mac1, type=0x0800),
  ipv4(saddr=$IP1, daddr=$IP2, ttl=64, proto=17),
  udp(sport=9000, dport=9), fill(0x00, 18) }
EOF
	spawn ip netns exec "$NS1" timeout $((PPS_SECS + 10)) trafgen --no-sock-mem -Q -P "$c" \
		-o eth0 -i "$TMP/tg.cfg" > "$TMP/tg.log" 2>&1
	local tg=$LAST
	sleep 1
	# the switch's counters come with its own clock and CPU times: under
	# load the helpers that read them take a good part of a second
	if [ -n "$SWLAB" ]; then
		read -r _ s0 d0 ts0 u0 k0 f0 <<< "$(sw_counters)"
	fi
	a=$(ctr "$NS2" rx_packets); x=$(ctr "$NS1" tx_packets); t0=$(now)
	sleep "$PPS_SECS"
	b=$(ctr "$NS2" rx_packets); y=$(ctr "$NS1" tx_packets); t1=$(now)
	if [ -n "$SWLAB" ]; then
		read -r _ s1 d1 ts1 u1 k1 f1 <<< "$(sw_counters)"
	fi
	kill "$tg" 2>/dev/null
	reap "$tg"
	if [ "$b" -gt "$a" ] 2>/dev/null; then
		res pps_${c}core "$(python3 -c "print('%.0f' % (($b - $a) / ($t1 - $t0)))")"
		res gen_pps_${c}core "$(python3 -c "print('%.0f' % (($y - $x) / ($t1 - $t0)))")"
		if [ -n "$SWLAB" ]; then
			res sw_pps_${c}core "$(python3 -c "print('%.0f' % (($s1 - $s0) * 1e9 / ($ts1 - $ts0)))" 2>/dev/null || echo nan)"
			res sw_drops_${c}core "$(python3 -c "print('%.0f' % (($d1 - $d0) * 1e9 / ($ts1 - $ts0)))" 2>/dev/null || echo nan)"
			res kf_pps_${c}core "$(python3 -c "print('%.0f' % (($f1 - $f0) * 1e9 / ($ts1 - $ts0)))" 2>/dev/null || echo nan)"
			# where the worker's core went, per frame the switch sent:
			# its own code (user) and the kernel's (system: sending,
			# and the receiving host's stack, which runs in the send);
			# only where the worker carried the frames, not the kernel
			if [ "$((s1 - s0))" -gt "$((f1 - f0))" ] 2>/dev/null; then
				res sw_user_ns_${c}core "$(python3 -c "print('%.0f' % (($u1 - $u0) / ($s1 - $s0)))" 2>/dev/null || echo nan)"
				res sw_sys_ns_${c}core "$(python3 -c "print('%.0f' % (($k1 - $k0) / ($s1 - $s0)))" 2>/dev/null || echo nan)"
			fi
		fi
	else
		note "$CASE round $ROUND: trafgen on $c core(s) delivered nothing ($(tail -1 "$TMP/tg.log"))"
	fi
}

tcp_run() { # STREAMS
	local n=$1 g
	spawn ip netns exec "$NS2" timeout $((TCP_SECS + 20)) iperf3 -s -1 -p 5299 > /dev/null 2>&1
	local srv=$LAST
	sleep 0.3
	g=$(X1 timeout $((TCP_SECS + 15)) iperf3 -c $IP2 -p 5299 -t "$TCP_SECS" -O 1 -P "$n" -J 2>/dev/null |
		python3 -c 'import json,sys
try: print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: print("nan")')
	reap "$srv"
	res tcp_${n}_gbps "$g"
}

measure() {
	X1 ping -c 3 -i 0.2 -W 1 -q $IP2 >/dev/null 2>&1 # ARP, learning
	ping_run busy 1000 0.0001
	ping_run ping 1000 0.001
	ping_run parked 50 0.1
	pps_run 1
	pps_run 2
	tcp_run 1
	tcp_run 8
}

# ---- scale: idle CPU with many idle hosts, RSS with many ports ------------
scale_lab() { # BACKEND HOSTS -> lab up, SCALE_PID set
	local lab=$P-s$2
	cat > "$TMP/scale.yaml" <<YAML
name: $lab
topology:
  defaults: {subnet: 10.252.0.0/16, port: $1, ipv6: off}
  generate: {type: star, hosts: $2}
YAML
	LABS="$LABS $lab"
	SCALE_LAB=$lab
	rl_up "$TMP/scale.yaml" || return 1
	SCALE_PID=$(lab_pid "$lab")
}

task_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }

scale_run() { # BACKEND
	local be=$1 t0 t1 k0 k1 n0 n1 hz
	CASE=$be ROUND=0
	hz=$(getconf CLK_TCK)
	t0=$(now)
	if scale_lab "$be" "$IDLE_HOSTS"; then
		res idle_up_s "$(python3 -c "print('%.1f' % ($(now) - $t0))")"
		sleep 3 # settle: the hosts' own start-up traffic
		k0=$(ticks "$SCALE_PID"); n0=$(task_ns "$SCALE_PID"); t0=$(now)
		sleep 10
		k1=$(ticks "$SCALE_PID"); n1=$(task_ns "$SCALE_PID"); t1=$(now)
		res idle_cpu_pct "$(python3 -c "print('%.3f' % (100 * ($n1 - $n0) / 1e9 / ($t1 - $t0)))")"
		res idle_cpu_pct_ticks "$(python3 -c "print('%.2f' % (100 * ($k1 - $k0) / $hz / ($t1 - $t0)))")"
	else
		note "$be: $IDLE_HOSTS idle hosts did not come up: $(head -c 300 "$TMP/up.err" | tr '\n' ' ')"
	fi
	"$RL" down "$SCALE_LAB" >/dev/null 2>&1 || "$RL" cleanup "$SCALE_LAB" >/dev/null 2>&1
	t0=$(now)
	if scale_lab "$be" "$RSS_HOSTS"; then
		res rss_up_s "$(python3 -c "print('%.1f' % ($(now) - $t0))")"
		res rss_mb "$(awk '/^VmRSS/ {printf "%.0f\n", $2 / 1024}' /proc/"$SCALE_PID"/status)"
		res pss_mb "$(awk '/^Pss:/ {printf "%.0f\n", $2 / 1024}' /proc/"$SCALE_PID"/smaps_rollup)"
		res rss_ports "$("$RL" ctl "$SCALE_LAB" '{"cmd":"ping"}' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("result", d)["ports"])')"
	else
		note "$be: $RSS_HOSTS hosts did not come up: $(head -c 300 "$TMP/up.err" | tr '\n' ' ')"
	fi
	"$RL" down "$SCALE_LAB" >/dev/null 2>&1 || "$RL" cleanup "$SCALE_LAB" >/dev/null 2>&1
}

# ---- OVS-DPDK, through the peers' script ----------------------------------
ovs_run() {
	local ovsd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
	if [ "$USE_OVS" = 0 ]; then
		note "OVS-DPDK: skipped (BENCH_OVS=0)"
		return
	fi
	if [ ! -x "$ovsd" ] || ! command -v ovs-vsctl >/dev/null; then
		note "OVS-DPDK: not installed (Debian's openvswitch-switch-dpdk): no OVS cases in this run"
		return
	fi
	if [ ! -f "$PEERS/bench_forwarding.sh" ]; then
		note "OVS-DPDK: installed, but $PEERS/bench_forwarding.sh is missing (set PEERS): no OVS cases"
		return
	fi
	log "OVS-DPDK via $PEERS/bench_forwarding.sh"
	mkdir -p "$TMP/pz"
	PZ_OUT=$TMP/pz bash "$PEERS/bench_forwarding.sh" "$ROUNDS" "$PPS_SECS" "$TCP_SECS" \
		ovs-afxdp ovs-dpdk-afpkt > "$TMP/pz/stdout" 2>&1 || note "OVS-DPDK: the peers' script failed (see its log)"
	# RESULT r<round> <case> <metric> key=value...
	cat "$TMP"/pz/forwarding_*.log 2>/dev/null | python3 -c 'import re, sys
want = {("ping_rtt_us", "p50"): "ping_p50_us", ("ping_rtt_us", "p99"): "ping_p99_us",
        ("pps64_gen1cpu", "sink_rx_pps"): "pps_1core", ("pps64_gen2cpu", "sink_rx_pps"): "pps_2core",
        ("tcp_1stream", "recv_Gbit/s"): "tcp_1_gbps"}
for line in sys.stdin:
    f = line.split()
    if len(f) < 5 or f[0] != "RESULT" or not f[1].startswith("r"):
        continue
    for kv in f[4:]:
        k, _, v = kv.partition("=")
        if (f[3], k) in want and re.fullmatch(r"[-0-9.]+", v):
            print(f[1][1:], f[2], want[(f[3], k)], v)' >> "$RES"
	grep -q ' ovs-' "$RES" || note "OVS-DPDK: no results parsed from the peers' log"
}

# ---- the run ---------------------------------------------------------------
echo "# $(date -Is) $(uname -r) cpus=$(nproc) rounds=$ROUNDS pps=${PPS_SECS}s tcp=${TCP_SECS}s" \
	"rackless $(cd "$SRC" && git describe --always --dirty 2>/dev/null || echo '?')"
AVAIL=""
for be in $BACKENDS; do # a backend is available when a lab with it comes up
	CASE=$be ROUND=0
	if setup_rackless "$be"; then
		AVAIL="$AVAIL $be"
	else
		note "backend $be: skipped, a lab with it did not come up: $(head -c 300 "$TMP/up.err" | tr '\n' ' ')"
	fi
	teardown_case
done
CASES="direct bridge bridge-txoff$AVAIL"
for ROUND in $(seq "$ROUNDS"); do
	for CASE in $CASES; do
		log "round $ROUND/$ROUNDS: $CASE"
		case $CASE in
		direct | bridge | bridge-txoff) setup_kernel "$CASE" 2> "$TMP/up.err" ;;
		*) setup_rackless "$CASE" ;;
		esac
		if [ $? -eq 0 ]; then
			measure
		else
			note "$CASE round $ROUND: set-up failed: $(head -c 300 "$TMP/up.err" 2>/dev/null | tr '\n' ' ')"
		fi
		teardown_case
	done
done
if [ "$SCALE" != 0 ]; then
	for be in $AVAIL; do
		case $be in *-*) continue ;; esac # the same ports and switch
		log "scale: $be, $IDLE_HOSTS idle hosts, then $RSS_HOSTS"
		scale_run "$be"
	done
fi
ovs_run

python3 "$HERE/forwarding_report.py" "$RES" "$NOTES" "$OUT" \
	"rounds=$ROUNDS pps_secs=$PPS_SECS tcp_secs=$TCP_SECS idle_hosts=$IDLE_HOSTS rss_hosts=$RSS_HOSTS cpus=$(nproc) kernel=$(uname -r)" ||
	exit 1
echo "JSON: $OUT"
