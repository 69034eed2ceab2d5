#!/bin/bash
# Attach/detach churn under traffic: while h1 pings h2 at 100 pings a second
# through the switch, a third port is attached and detached 1000 times (after
# 50 warm-up cycles), alternating an afpacket port on a veth pair the test
# makes in the switch's namespace (a generator sends it broadcast frames, so
# each incarnation is learned in the FDB and flushed at detach) and a tap
# port. One persistent control connection: the CLI would cost a process per
# request, and the kernel already costs an RCU grace period per close.
# Asserts: no ping lost, p99 RTT under MAX_P99_MS and no reply held
# longer than MAX_GAP_MS;
# the switch's open fds equal and its RSS within 8 MB after the cycles; no
# mbuf leaked; the lab goes down leaving nothing.
. "$(dirname "$0")/lib.sh"
LAB=tch$$
CYCLES=${CHURN_CYCLES:-1000}
WARMUP=50
# A data path that stalled while the control thread attaches or detaches
# (each close here waits for a kernel RCU grace period, 15-35 ms) would put
# a large share of the pings above MAX_P99_MS: the p99 catches a pause of
# the other ports, and no single frame may be held over MAX_GAP_MS. Pings
# are 10 ms apart; on this shared 2-core machine the scheduler alone delays
# ping's sender by tens of ms now and then (a gap, not a held frame), so
# gaps are only printed; losses are not tolerated.
MAX_P99_MS=10
MAX_GAP_MS=100
BG=""
stop_bg() {
	local p
	for p in $BG; do kill -INT "$p" 2>/dev/null; done
	for p in $BG; do wait "$p" 2>/dev/null; done
	BG=""
}
trap 'stop_bg; finish' EXIT
snapshot_links "$TMP/links.before"

cat > "$TMP/lab.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.7.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, ip: 10.0.7.1/24}
    h2: {kind: host, ip: 10.0.7.2/24}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
YAML
if ! "$RL" up -q "$TMP/lab.yaml" > "$TMP/up.log" 2>&1; then
	fail "up: $(cat "$TMP/up.log")"
	exit 1
fi
PID=$(lab_pid "$LAB")
SWNS=rl.$LAB
check "h1 reaches h2" ip netns exec "rl.$LAB.h1" ping -c 2 -i 0.2 -W 2 -q 10.0.7.2

# the afpacket port's cable: a veth pair in the switch's namespace (deleted
# by the test below, or with the namespace by `cleanup` if it fails early)
check "veth pair for the churned port" sh -c "ip -n $SWNS link add chA type veth peer name chB &&
	ip -n $SWNS link set chA up && ip -n $SWNS link set chB up"
cat > "$TMP/tg.cfg" <<'EOF'
{ eth(da=ff:ff:ff:ff:ff:ff, sa=02:00:00:00:07:77, type=0x88b5), fill(0x5a, 46) }
EOF
# (timeout: trafgen forks its sender; timeout signals the whole group)
ip netns exec "$SWNS" timeout 300 trafgen --no-sock-mem -Q -P 1 -t 1ms -o chB -i "$TMP/tg.cfg" \
	> "$TMP/tg.log" 2>&1 &
BG="$BG $!"
ip netns exec "rl.$LAB.h1" ping -D -n -i 0.01 -W 1 10.0.7.2 > "$TMP/ping.log" 2>&1 &
PING=$!
BG="$BG $PING"
sleep 1

python3 - "/run/rackless/$LAB/switch.sock" "$PID" "$WARMUP" "$CYCLES" > "$TMP/churn.json" <<'PY'
import json, os, socket, sys, time

path, pid, warmup, cycles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_UNIX)
s.connect(path)
f = s.makefile("rw")
errors = []

def call(req):
    f.write(json.dumps(req) + "\n")
    f.flush()
    r = json.loads(f.readline())
    if not r.get("ok") and len(errors) < 5:
        errors.append("%s: %s" % (req["cmd"], r.get("error")))
    return r

ports = [{"cmd": "add-port", "name": "sw1:churn", "type": "afpacket", "bridge": "sw1",
          "ifname": "chA", "ring": 64},
         {"cmd": "add-port", "name": "sw1:churn", "type": "tap", "bridge": "sw1",
          "ifname": "chT"}]

def cycle(i):
    call(ports[i % 2])
    if i % 2 == 0:
        time.sleep(0.003)  # the afpacket port gets ~3 generator frames
    call({"cmd": "del-port", "name": "sw1:churn"})

def sample():
    st = call({"cmd": "stats"}).get("result", {})
    rss = next(int(l.split()[1]) for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS"))
    return {"fds": len(os.listdir("/proc/%d/fd" % pid)), "rss_kb": rss,
            "flushed": st.get("fdb", {}).get("flushed"),
            "mbufs_in_use": st.get("mbufs", {}).get("in_use")}

for i in range(warmup):
    cycle(i)
before = sample()
t0 = time.time()
for i in range(cycles):
    cycle(i)
secs = time.time() - t0
time.sleep(0.2)  # frames in flight come back to the pool
after = sample()
print(json.dumps({"before": before, "after": after, "cycles": cycles, "seconds": secs,
                  "errors": errors}))
PY
sleep 0.5
kill -INT "$PING" 2>/dev/null
wait "$PING" 2>/dev/null
stop_bg

check "every add-port and del-port succeeded" python3 - "$TMP/churn.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("    %d cycles in %.1f s (%.1f ms each); before %s; after %s" % (
    d["cycles"], d["seconds"], 1000 * d["seconds"] / d["cycles"], d["before"], d["after"]))
for e in d["errors"]:
    print("    " + e)
sys.exit(1 if d["errors"] else 0)
PY
val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]][sys.argv[3]])' "$TMP/churn.json" "$@"; }
check "open fds of the switch unchanged ($(val before fds) -> $(val after fds))" \
	test "$(val before fds)" -eq "$(val after fds)"
if grep -q libasan "/proc/$PID/maps" 2>/dev/null; then
	# ASan's quarantine holds freed memory back (that is how it catches use
	# after free), so RSS grows without a leak; LeakSanitizer checks the
	# switch at its exit instead
	echo "    RSS $(val before rss_kb) -> $(val after rss_kb) KB: not checked under ASan"
else
	check "switch RSS grew by less than 8 MB ($(val before rss_kb) -> $(val after rss_kb) KB)" \
		test $(($(val after rss_kb) - $(val before rss_kb))) -lt 8192
fi
# ping's frames and the generator's may be in flight: a leak of one mbuf a
# cycle would be 1000
check "no mbuf leaked ($(val before mbufs_in_use) -> $(val after mbufs_in_use) in use)" \
	test $(($(val after mbufs_in_use) - $(val before mbufs_in_use))) -lt 64
# every afpacket incarnation got the generator's frames (1 per ms, for the
# 10+ ms it lives), learned the source and had it flushed at detach
check "the churned port carried frames: the FDB flushed its MAC (>= $((CYCLES / 4)) times)" \
	test $(($(val after flushed) - $(val before flushed))) -ge $((CYCLES / 4))

# A pause of the data path holds the pings sent during it: it shows as
# their RTT (the largest is checked against MAX_GAP_MS) or as losses. A gap
# between replies whose RTTs stayed small is ping itself descheduled (one
# of 116 ms once under ASan, with the largest RTT 1.4 ms): printed, not
# asserted.
check "no ping lost, p99 RTT < $MAX_P99_MS ms, no reply held over $MAX_GAP_MS ms" \
	python3 - "$TMP/ping.log" "$MAX_P99_MS" "$MAX_GAP_MS" <<'PY'
import re, sys
seqs, stamps, rtts = [], [], []
for line in open(sys.argv[1]):
    m = re.match(r"\[([0-9.]+)\].*icmp_seq=(\d+).*time=([0-9.]+) ms", line)
    if m:
        stamps.append(float(m.group(1)))
        seqs.append(int(m.group(2)))
        rtts.append(float(m.group(3)))
if len(seqs) < 100:
    print("    only %d replies" % len(seqs))
    sys.exit(1)
missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
gap = max(b - a for a, b in zip(stamps, stamps[1:])) * 1000
rtts.sort()
p99 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]
print("    %d replies, %d missing, RTT p99 %.2f ms, largest %.2f ms, largest gap %.1f ms" %
      (len(seqs), len(missing), p99, rtts[-1], gap))
sys.exit(0 if not missing and p99 < float(sys.argv[2]) and rtts[-1] <= float(sys.argv[3]) else 1)
PY

check "the veth pair is deleted" ip -n "$SWNS" link del chA
check "no tap of the churned port is left" sh -c "! ip -n $SWNS link show chT >/dev/null 2>&1"
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
