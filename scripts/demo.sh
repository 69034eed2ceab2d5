#!/bin/sh
# The demo: install what is needed, build, bring the bundled quickstart lab
# up, ping every pair of hosts through rackless-switch, show the switch's
# counters (the proof the pings crossed it), tear down. Exits 0 only if
# every ping got through the switch and nothing of the lab is left.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, veths, the switch)" >&2; exit 1; }
sh scripts/setup.sh
sh scripts/build.sh build

RL=./build/control/rackless
TOPO=topo/examples/quickstart.yaml
LAB=quickstart

cleanup() { $RL down "$LAB" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

$RL up "$TOPO"
echo
hosts=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(n["name"]+"="+n["ip"].split("/")[0] for n in d["nodes"] if n["kind"]=="host" and "ip" in n))' "/run/rackless/$LAB/lab.json")
fail=0
for a in $hosts; do
	for b in $hosts; do
		[ "$a" = "$b" ] && continue
		if $RL exec "$LAB" "${a%%=*}" -- ping -c 2 -i 0.2 -W 2 -q "${b#*=}" >/dev/null; then
			echo "ping ${a%%=*} -> ${b%%=*} (${b#*=}): ok"
		else
			echo "ping ${a%%=*} -> ${b%%=*} (${b#*=}): FAILED"; fail=1
		fi
	done
done
echo
$RL stats "$LAB"
# every host port must have received its echo requests and replies
quiet=$($RL stats "$LAB" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(p["name"] for p in d["ports"] if p["rx_packets"] < 4))')
if [ -n "$quiet" ]; then echo "demo: no traffic crossed the switch on: $quiet"; fail=1; fi
echo
trap - EXIT INT TERM
$RL down "$LAB"
if ip netns list | grep -q "^rl\.$LAB"; then echo "demo: namespaces left behind"; fail=1; fi
[ -e "/run/rackless/$LAB" ] && { echo "demo: /run/rackless/$LAB left behind"; fail=1; }
[ $fail -eq 0 ] && echo "demo: all pings crossed rackless-switch; lab removed" || echo "demo: FAILED"
exit $fail
