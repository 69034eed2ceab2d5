#!/bin/bash
# Link emulation accuracy, configured against measured, in one run:
#   delay    ping p50/p99 one-way error at 1, 10, 100 ms (RTT minus the
#            same lab's RTT without delay, halved, minus the delay)
#   rate     iperf3 TCP and UDP goodput at 10 Mbit/s, 100 Mbit/s, 1 Gbit/s
#            (goodput/rate; TCP over 1500-byte frames can reach 95.6%)
#   loss     observed over 100k UDP datagrams against the configured rate,
#            with the 3-sigma band
#   tcp-bdp  TCP over a 10 ms (each way), 1 Gbit/s link with a one-BDP
#            queue, against the rate
# Prints a table; writes JSON to $OUT.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
RL=${RACKLESS:?}
OUT=${OUT:-/tmp/rackless-bench-linkem.json}
LAB=rbl$$
TMP=$(mktemp -d /tmp/rackless-bench-XXXXXX)
trap '"$RL" down "$LAB" >/dev/null 2>&1; rm -rf "$TMP"' EXIT INT TERM

cat > "$TMP/lab.yaml" <<YAML
name: $LAB
seed: 1
topology:
  defaults: {subnet: 10.251.0.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
YAML
"$RL" up -q "$TMP/lab.yaml" || exit 1
X() { "$RL" exec "$LAB" "$@"; }
set_link() { "$RL" link "$LAB" h1:eth0 set --replace "$@" >/dev/null; }
X h1 ping -c 3 -W 1 -q 10.251.0.2 >/dev/null
: > "$TMP/rows"
row() { printf '| %-34s | %14s | %14s | %-24s |\n' "$1" "$2" "$3" "$4"; echo "{\"case\":\"$1\",\"configured\":\"$2\",\"measured\":\"$3\",\"note\":\"$4\"}" >> "$TMP/rows"; }

pct() { # N pings at interval I -> "p50 p99" RTT in us
	X h1 ping -c "$1" -i "$2" -W 2 10.251.0.2 2>/dev/null | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' |
		sort -n | awk '{a[NR]=$1*1000} END {if (NR) printf "%.0f %.0f\n", a[int(NR*0.5+0.5)], a[int(NR*0.99+0.5)]; else print "nan nan"}'
}

echo "# $(date -Is) $(uname -r) cpus=$(nproc)"
printf '| %-34s | %14s | %14s | %-24s |\n' case configured measured note
printf '|%s|%s|%s|%s|\n' ------------------------------------ ---------------- ---------------- --------------------------
read -r b50 b99 <<< "$(pct 300 0.01)"
row "RTT without delay (baseline)" "0" "${b50}us p50" "p99 ${b99}us"
for d in 1 10 100; do
	set_link delay=${d}ms
	n=$((d == 100 ? 60 : 300))
	read -r p50 p99 <<< "$(pct $n 0.01)"
	e50=$(python3 -c "print('%+.0f' % ((($p50 - $b50) / 2) - $d * 1000))")
	e99=$(python3 -c "print('%+.0f' % ((($p99 - $b99) / 2) - $d * 1000))")
	row "delay ${d}ms (one-way error)" "${d}ms" "${e50}us p50" "p99 ${e99}us"
done

tcp() { # seconds -> Mbit/s received
	X h2 iperf3 -s -1 -p 5301 >/dev/null 2>&1 & local s=$!; sleep 0.4
	X h1 iperf3 -c 10.251.0.2 -p 5301 -t "$1" -O 1 -J 2>/dev/null | python3 -c 'import json,sys
try: print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))
except Exception: print("nan")'
	wait $s 2>/dev/null
}
udp() { # offered rate -> "Mbit/s-received lost% total"
	X h2 iperf3 -s -1 -p 5302 >/dev/null 2>&1 & local s=$!; sleep 0.4
	X h1 iperf3 -u -c 10.251.0.2 -p 5302 -b "$1" -l 1400 -t 3 -J 2>/dev/null | python3 -c 'import json,sys
try:
    e = json.load(sys.stdin)["end"]["sum"]
    print("%.1f %.3f %d" % (e["bits_per_second"] * (1 - e["lost_percent"] / 100) / 1e6, e["lost_percent"], e["packets"]))
except Exception: print("nan nan 0")'
	wait $s 2>/dev/null
}
for r in 10 100 1000; do
	set_link rate=${r}mbit queue=$((r * 1000000 / 8 / 100))b   # 10 ms of queue
	m=$(tcp 4)
	row "rate ${r}mbit, TCP goodput" "${r}mbit" "${m}mbit" "$(python3 -c "print('%.1f%% of rate' % (100 * $m / $r))" 2>/dev/null)"
	read -r u lost n <<< "$(udp $((r * 12 / 10))M)"   # offered: 1.2 x rate
	row "rate ${r}mbit, UDP goodput" "${r}mbit" "${u}mbit" "$(python3 -c "print('%.1f%% of rate' % (100 * $u / $r))" 2>/dev/null)"
done

set_link loss=1%
LK0=$("$RL" ctl "$LAB" '{"cmd":"link-show","name":"sw1:p1"}')
X h2 iperf3 -s -1 -p 5303 >/dev/null 2>&1 & s=$!; sleep 0.4
# ~12k datagrams/s: well under what the switch carries, so every loss is the link's
X h1 iperf3 -u -c 10.251.0.2 -p 5303 -b 6M -l 64 -n 6400000 -J 2>/dev/null > "$TMP/loss.json"
wait $s 2>/dev/null
read -r lp tot <<< "$(python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["end"]["sum"]; print(e["lost_percent"], e["packets"])' "$TMP/loss.json" 2>/dev/null || echo "nan 0")"
band=$(python3 -c "import math; n=$tot; print('3sigma %.3f..%.3f%%' % (100*(0.01-3*math.sqrt(0.01*0.99/n)), 100*(0.01+3*math.sqrt(0.01*0.99/n))))" 2>/dev/null)
row "loss 1% over $tot datagrams" "1%" "${lp}%" "$band"
lk() { "$RL" ctl "$LAB" '{"cmd":"link-show","name":"sw1:p1"}'; }
model=$(python3 -c 'import json,sys
a = json.loads(sys.argv[1])["result"]["in"]; b = json.loads(sys.argv[2])["result"]["in"]
off = b["offered"] - a["offered"]; lost = b["drops"]["loss"] - a["drops"]["loss"]
print("%.3f%% of %d" % (100.0 * lost / off, off))' "$LK0" "$(lk)" 2>/dev/null)
row "loss 1%, switch counters" "1%" "$model" "frames the link dropped"

bdp=$((1000000000 / 8 * 20 / 1000))   # 1 Gbit/s x 20 ms RTT
set_link rate=1gbit delay=10ms queue=${bdp}b
m=$(tcp 8)
row "TCP, 10ms each way, 1gbit, 1 BDP q" "1000mbit" "${m}mbit" "$(python3 -c "print('%.1f%% of rate' % (100 * $m / 1000))" 2>/dev/null)"
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' "$TMP/rows" > "$OUT"
echo "JSON: $OUT"
