#!/bin/bash
# Scale: time to bring N hosts up and down, and memory, in one run, next to
# plain iproute2 doing the same kernel work (namespaces, veth pairs,
# addresses, a Linux bridge): ../shared/peers/topo_bash.sh in its "batch"
# (ip -batch) and "nsenter" modes, when that directory is there.
#
# usage: scale.sh [N...]   (default: 100 1000 4096)
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
RL=${RACKLESS:?}
SRC=${RL_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
PEERS=${PEERS:-$SRC/../shared/peers}
OUT=${OUT:-/tmp/rackless-bench-scale.json}
SIZES=${*:-100 1000 4096}
TMP=$(mktemp -d /tmp/rackless-bench-XXXXXX)
LAB=""
trap '[ -n "$LAB" ] && "$RL" down "$LAB" >/dev/null 2>&1; rm -rf "$TMP"' EXIT INT TERM

row() { printf '| %-22s | %6s | %8s | %8s | %10s | %10s |\n' "$@"; }
echo "# $(date -Is) $(uname -r) cpus=$(nproc) mem=$(free -g | awk '/Mem:/{print $2}')G"
row case hosts "up s" "down s" "CLI RSS MB" "sw RSS MB"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------ -------- ---------- ---------- ------------ ------------
: > "$TMP/rows"
for n in $SIZES; do
	LAB=rbs$$n$n
	/usr/bin/time -f "%e %M" -o "$TMP/up.t" "$RL" up -q --topo "star,hosts=$n" --name "$LAB" \
		> "$TMP/up.log" 2>&1 || { echo "up of $n hosts failed:"; tail -5 "$TMP/up.log"; exit 1; }
	pid=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r.get("op")=="switch": print(r["pid"])' "/run/rackless/$LAB/journal")
	swrss=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$pid/status")
	/usr/bin/time -f "%e" -o "$TMP/down.t" "$RL" down "$LAB" >/dev/null
	LAB=""
	read -r up cli <<< "$(cat "$TMP/up.t")"
	down=$(cat "$TMP/down.t")
	row "rackless (star)" "$n" "$up" "$down" "$((cli / 1024))" "$swrss"
	echo "{\"case\":\"rackless\",\"hosts\":$n,\"up_s\":$up,\"down_s\":$down,\"cli_rss_mb\":$((cli / 1024)),\"switch_rss_mb\":$swrss}" >> "$TMP/rows"
	left=$(ip netns list | grep -c "^rl\.rbs$$n$n" || true)
	[ "$left" -eq 0 ] || echo "  !! $left namespaces left behind"
	if [ -x "$PEERS/topo_bash.sh" ] || [ -f "$PEERS/topo_bash.sh" ]; then
		for mode in batch nsenter; do
			res=$(cd "$PEERS" && timeout 900 bash ./topo_bash.sh "$n" "$mode" 2>/dev/null | grep '^RESULT')
			b=$(echo "$res" | sed -n 's/.*build_s=\([0-9.]*\).*/\1/p')
			t=$(echo "$res" | sed -n 's/.*links_gone_after_teardown_s=\([0-9.]*\).*/\1/p')
			row "iproute2 $mode" "$n" "${b:-?}" "${t:-?}" "-" "-"
			echo "{\"case\":\"iproute2-$mode\",\"hosts\":$n,\"up_s\":\"${b:-}\",\"down_s\":\"${t:-}\"}" >> "$TMP/rows"
		done
	fi
done
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' "$TMP/rows" > "$OUT"
echo "JSON: $OUT"
