#!/bin/bash
# A lab whose switch was killed (kill -9) is removed by `cleanup`, from the
# journal alone; so is a lab whose `up` was interrupted.
. "$(dirname "$0")/lib.sh"
LAB=tc$$
trap finish EXIT
snapshot_links "$TMP/links.before"
topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB" "$TMP/lab.yaml"

check "up" "$RL" up -q "$TMP/lab.yaml"
PID=$(lab_pid "$LAB")
kill -9 "$PID"
for _ in $(seq 50); do proc_running "$PID" || break; sleep 0.1; done
check "switch is dead" eval "! proc_running $PID"
check "status reports the dead switch" sh -c "'$RL' status '$LAB' | grep -q 'not running'"
check "cleanup" "$RL" cleanup "$LAB"
assert_gone "$LAB" "$PID" "$TMP/links.before"
check "socket file removed" test ! -e "/run/rackless/$LAB/switch.sock"

# SIGINT in the middle of up: it rolls back by itself
"$RL" up -q "$TMP/lab.yaml" >/dev/null 2>&1 &
UP=$!
sleep 0.3
kill -INT "$UP"
wait "$UP"
rc=$?
if [ -e "/run/rackless/$LAB" ]; then
	# up had already finished before the signal: that is a complete lab
	check "interrupted up finished first; down" "$RL" down "$LAB"
else
	check "interrupted up exits 130 (as a shell reports SIGINT)" test "$rc" -eq 130
fi
assert_gone "$LAB" "" "$TMP/links.before"
