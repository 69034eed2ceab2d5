#!/bin/bash
# A lab whose switch was killed (kill -9) is removed by `cleanup`, from the
# journal alone; so is a lab whose `up` was interrupted; a `down` that fails
# halfway and the `cleanup` after it give the lab's hugepages back once, not
# again out of another lab's reservation; Ctrl-C ends up's wait for the
# machine's hugepage lock.
. "$(dirname "$0")/lib.sh"
LAB=tc$$
LAB2=td$$
MOUNTED=""
trap 'for m in $MOUNTED; do umount "$m" 2>/dev/null; done; LABS="$LAB2"; finish_labs' EXIT
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

# -- a down that fails halfway, then cleanup: hugepages given back once -------
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
topo_as "$SRC/topo/examples/quickstart.yaml" "$LAB2" "$TMP/lab2.yaml"
check "a lab that holds hugepages too" "$RL" up -q "$TMP/lab2.yaml"
check "up" "$RL" up -q "$TMP/lab.yaml"
hp1=$(cat $HP)
added=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("op") == "hugepages": print(r["added"])' "/run/rackless/$LAB/journal")
if [ -z "$added" ]; then
	echo "    the lab took no hugepages of its own here (free ones were there): not tested"
else
	# a namespace still mounted elsewhere cannot be deleted: down fails there
	mount --bind "/run/netns/rl.$LAB.h2" "/run/netns/rl.$LAB.h2" && MOUNTED="/run/netns/rl.$LAB.h2"
	! "$RL" down "$LAB" > "$TMP/down.out" 2>&1
	rc=$?
	sed 's/^/    /' "$TMP/down.out"
	check "down fails halfway (a namespace is busy)" test "$rc" -eq 0
	check "having given back the lab's $added pages" test "$(cat $HP)" -eq $((hp1 - added))
	umount "/run/netns/rl.$LAB.h2" && MOUNTED=""
	check "cleanup finishes it" "$RL" cleanup "$LAB"
	check "without giving them back again (the other lab's stay: $((hp1 - added)))" \
		test "$(cat $HP)" -eq $((hp1 - added))
fi
[ -e "/run/rackless/$LAB" ] && "$RL" cleanup "$LAB" >/dev/null
assert_gone "$LAB" "" "$TMP/links.before"
check "the other lab down" "$RL" down "$LAB2"
assert_gone "$LAB2"

# -- Ctrl-C while up waits for the machine's hugepage lock ---------------------
# (held here; a starting switch stopped while holding it kept every up
# waiting, deaf to Ctrl-C, until it was let go)
flock -o "$HP" sleep 5 &
HOLD=$!
sleep 0.3
"$RL" up -q "$TMP/lab.yaml" >/dev/null 2>&1 &
UP=$!
sleep 1
T0=$(date +%s%N)
kill -INT "$UP"
wait "$UP"
rc=$?
MS=$((($(date +%s%N) - T0) / 1000000))
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null
if [ -e "/run/rackless/$LAB" ]; then
	echo "    up took no hugepage lock here (free pages were there): not tested"
	"$RL" down "$LAB" >/dev/null
else
	check "up waiting for the hugepage lock: Ctrl-C ends it (exit $rc, 130)" test "$rc" -eq 130
	check "at once ($MS ms), not when the lock is let go" test "$MS" -lt 2500
fi
assert_gone "$LAB" "" "$TMP/links.before"
