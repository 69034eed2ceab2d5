#!/bin/bash
# Bad input never half-applies: topology errors create nothing and name
# file:line:col, bad numbers on the command line are usage errors; a failure
# halfway through up rolls back everything the lab made and nothing else; the switch answers malformed requests with errors
# and keeps running; a command for a lab that is not up says so. Every
# command's --help is its usage (exit 0); pingall -6 without IPv6 hosts is
# an error, not 0/0.
. "$(dirname "$0")/lib.sh"
LAB=tb$$
trap finish EXIT
snapshot_links "$TMP/links.before"

# 1. topology errors: exit non-zero, file:line:col, nothing created
cat > "$TMP/dup.yaml" <<YAML
name: $LAB
topology:
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h1: {kind: host}
YAML
cat > "$TMP/unknown.yaml" <<YAML
name: $LAB
topology:
  defaults: {subnet: 10.0.0.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
  links:
    - endpoints: [h1:eth0, sw9:p1]
YAML
cat > "$TMP/cidr.yaml" <<YAML
name: $LAB
topology:
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, ip: 10.0.0.300/24}
  links:
    - endpoints: [h1:eth0, sw1:p1]
YAML
printf 'name: %s\ntopology: {nodes: [unclosed\n' "$LAB" > "$TMP/syntax.yaml"
for f in dup:6 unknown:8 cidr:5 syntax:; do
	file=$TMP/${f%%:*}.yaml line=${f#*:}
	check "${f%%:*}: up fails" sh -c "! '$RL' up '$file' 2>'$TMP/err'"
	check "${f%%:*}: error names file:line:col" grep -qE "^$file:${line:-[0-9]+}:[0-9]+: " "$TMP/err"
	sed 's/^/    /' "$TMP/err"
	assert_gone "$LAB" "" "$TMP/links.before"
done

# 1b. numbers on the command line are whole numbers in range, words one of
# theirs, or a usage error that says which: nothing is brought up
for opt in "--workers abc" "--workers 0" "--workers 17" "--workers 2x" "--mem xyz" \
	"--mem -1" "--mem 63" "--kernel-fastpath maybe" "--seed abc" "--seed -1" \
	"--seed 18446744073709551616"; do
	"$RL" up -q --topo star,2 --name "$LAB" $opt > "$TMP/err" 2>&1
	rc=$?
	check "up $opt: usage error ($rc)" sh -c "[ $rc -eq 2 ] && grep -q -- '^rackless: up: ${opt%% *} ' '$TMP/err'"
	[ -e "/run/rackless/$LAB" ] && "$RL" down "$LAB" > /dev/null
done
assert_gone "$LAB" "" "$TMP/links.before"
"$RL" run "$TMP/dup.yaml" --seed abc > "$TMP/err" 2>&1
rc=$?
check "run --seed abc: usage error that says so ($rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q -- \"^rackless: run: --seed 'abc'\" '$TMP/err'"

# 1c. a generated lab has no file to write its seed in: up --seed replays it
"$RL" up --topo star,2 --name "$LAB" > "$TMP/seed.out" 2>&1
check "a drawn seed: the hint is up --seed" grep -qE "seed ([0-9]+), drawn: up --seed \1 to replay" "$TMP/seed.out"
[ -e "/run/rackless/$LAB" ] && "$RL" down "$LAB" > /dev/null
"$RL" up --topo star,2 --name "$LAB" --seed 5 > "$TMP/seed.out" 2>&1
check "up --seed 5: the lab's seed" sh -c "grep -q 'seed 5)' '$TMP/seed.out' &&
	grep -q '\"seed\": \"5\"' '/run/rackless/$LAB/lab.json'"
[ -e "/run/rackless/$LAB" ] && "$RL" down "$LAB" > /dev/null
assert_gone "$LAB" "" "$TMP/links.before"

# 1d. every command's --help and -h: its usage on stdout, exit 0 (never
# "bad lab name '--help'"); `rackless help CMD` the same
for cmd in up down cleanup status exec pingall stats ctl link graph run; do
	for h in --help -h; do
		"$RL" $cmd $h > "$TMP/out" 2> "$TMP/err"
		rc=$?
		check "$cmd $h: usage on stdout, exit 0 ($rc)" \
			sh -c "[ $rc -eq 0 ] && grep -q '^usage: rackless $cmd ' '$TMP/out' && ! test -s '$TMP/err'"
	done
done
"$RL" help run > "$TMP/out" 2>&1
check "help run: run's usage" grep -q '^usage: rackless run SCENARIO' "$TMP/out"
"$RL" down "$LAB" --help > "$TMP/out" 2>&1
check "down LAB --help: usage too" grep -q '^usage: rackless down ' "$TMP/out"
"$RL" help nosuch > /dev/null 2>&1
check "help of an unknown command: exit 2" test $? -eq 2

# 2. a failure halfway through up rolls back, and spares what is not ours:
# the test makes h2's namespace name first, so up fails on it
topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"
ip netns add "rl.$LAB.h2" && OWN_NETNS="rl.$LAB.h2"
check "up fails on an existing namespace" sh -c "! '$RL' up '$TMP/lab.yaml' 2>'$TMP/err'"
sed 's/^/    /' "$TMP/err"
check "rolled back: no lab directory" test ! -e "/run/rackless/$LAB"
check "rolled back: h1 and the switch namespace are gone" sh -c "! ip netns list | grep -qE '^rl\\.$LAB(\\.h1)?( |\$)'"
check "the namespace that was not the lab's survives" test -e "/run/netns/rl.$LAB.h2"
check "rolled back: no switch process" eval "! switch_running $LAB"
ip netns del "rl.$LAB.h2"; OWN_NETNS=""
assert_gone "$LAB" "" "$TMP/links.before"

# 3. the switch answers malformed control requests and keeps running
check "up" "$RL" up -q "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
for req in 'garbage' '{"cmd":' '[]' '{"cmd":"nope"}' '{"cmd":"add-port","name":7}' \
	'{"cmd":"del-port","name":"nope"}'; do
	out=$("$RL" ctl "$LAB" "$req" 2>&1)
	check "malformed request '$req' gets an error reply" sh -c "echo '$out' | grep -q '\"ok\":false'"
done
check "switch still answers" "$RL" ctl "$LAB" '{"cmd":"ping"}'
check "stats --json LAB, as well as stats LAB --json" \
	sh -c "'$RL' stats --json '$LAB' | python3 -c 'import json, sys; json.load(sys.stdin)'"
"$RL" pingall "$LAB" -6 > "$TMP/out" 2> "$TMP/err"
rc=$?
sed 's/^/    /' "$TMP/err"
check "pingall -6 on a lab without IPv6: exit 2 ($rc)" test "$rc" -eq 2
check "and says why, not '0% dropped (0/0)'" \
	sh -c "grep -q 'has 0 hosts with an IPv6 address' '$TMP/err' && ! grep -q dropped '$TMP/out'"
check "and still forwards" "$RL" exec "$LAB" h1 -- ping -c 1 -W 2 -q 10.0.0.20
check "down" "$RL" down "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"

# 4. a lab that is not up is named as such, not as an errno of its socket
for cmd in stats ctl link; do
	case $cmd in
	stats) args=("$LAB") ;;
	ctl) args=("$LAB" '{"cmd":"ping"}') ;;
	link) args=("$LAB" h1:eth0 down) ;;
	esac
	out=$("$RL" "$cmd" "${args[@]}" 2>&1)
	echo "    $cmd: $out"
	check "$cmd of a lab that is not up says so" grep -q "no lab named $LAB is up" <<< "$out"
done
