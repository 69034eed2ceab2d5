#!/bin/bash
# Every scenario of the library passes here (those scenario.sh does not
# already run): exit 0, a clean JUnit report, nothing left behind. Each is a
# real experiment (a link flap under TCP, TCP over loss, fairness under a
# rate limit, ...) with bounds measured on a 2-core machine.
. "$(dirname "$0")/lib.sh"
trap finish EXIT
cd "$TMP" || exit 1

for f in "$SRC"/scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	case $name in quickstart | partition-heal) continue ;; esac # scenario.sh
	LAB=sl$$
	t0=$(date +%s)
	"$RL" run "$f" --lab "$LAB" --junit "$TMP/$name.xml" > "$TMP/$name.log" 2>&1
	rc=$?
	sed 's/^/    /' "$TMP/$name.log"
	check "$name passes (exit 0, got $rc, $(($(date +%s) - t0)) s)" test "$rc" -eq 0
	check "$name: JUnit without failures" grep -q 'failures="0" errors="0"' "$TMP/$name.xml"
	assert_gone "$LAB"
	rm -rf "$TMP/rackless-artifacts"
done
