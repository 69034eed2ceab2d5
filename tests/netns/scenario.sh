#!/bin/bash
# rackless run: the library's quickstart passes with a clean JUnit report; a
# failing assertion exits 1, is reported once and keeps the artifacts (with
# the switch's stats); a command that times out ends the run quickly; SIGINT
# tears down and exits 130, and so does SIGHUP; a bad file exits 2 and brings nothing up. After
# every case nothing of the lab remains.
. "$(dirname "$0")/lib.sh"
trap finish EXIT
QS=$SRC/topo/examples/quickstart.yaml
cd "$TMP" || exit 1

count() { grep -o "$1" "$2" | wc -l; }
# in the command line of what this test starts in a host (other tests on
# the machine run their own sleeps)
MARK=rlscen$$
SLEEP="exec python3 -c 'import sys, time; time.sleep(int(sys.argv[1]))'"
no_marked_procs() { ! pgrep -f "$MARK" >/dev/null; }
elapsed_lt() { [ $(($(date +%s) - $1)) -lt "$2" ]; }

# 1. the library's quickstart
LAB=sq$$
"$RL" run "$SRC/scenarios/quickstart.yaml" --lab "$LAB" --junit "$TMP/qs.xml" > "$TMP/qs.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/qs.log"
check "quickstart scenario passes (exit 0, got $rc)" test "$rc" -eq 0
check "its JUnit report has 0 failures" grep -q 'failures="0" errors="0"' "$TMP/qs.xml"
check "its JUnit report has test cases" grep -q '<testcase ' "$TMP/qs.xml"
check "no artifacts kept after a pass" test ! -e "$TMP/rackless-artifacts"
check "the scenario's seed is printed" grep -qx 'seed 1 (from the scenario): rerun with --seed 1' "$TMP/qs.log"
check "and is in the report" grep -q '<property name="seed" value="1"/>' "$TMP/qs.xml"
assert_gone "$LAB"

# 1b. partition and heal, across the trunks of a tree of switches
LAB=sp$$
"$RL" run "$SRC/scenarios/partition-heal.yaml" --lab "$LAB" --junit "$TMP/ph.xml" > "$TMP/ph.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/ph.log"
check "partition-heal scenario passes (exit 0, got $rc)" test "$rc" -eq 0
check "its JUnit report has 5 passing assertions" grep -q 'tests="5" failures="0" errors="0"' "$TMP/ph.xml"
assert_gone "$LAB"

# 1c. reach pings its pairs at once: 36 pairs that must not answer cost
# about one 2 s timeout, not 72 s; the results stay exact per pair
LAB=sr$$
cat > "$TMP/many.yaml" <<YAML
name: many-pairs
topology: {generate: "star,12"}
steps:
  - partition: [[h1, h2, h3, h4, h5, h6], [h7, h8, h9, h10, h11, h12]]
  - reach: {from: [h1, h2, h3, h4, h5, h6], to: [h7, h8, h9, h10, h11, h12], expect: false}
  - reach: {from: [h1, h2, h3, h4, h5, h6], to: [h1, h2, h3, h4, h5, h6]}
  - reach: {from: [h1, h7], to: [h2, h8]}
YAML
"$RL" run "$TMP/many.yaml" --lab "$LAB" --junit "$TMP/many.xml" > "$TMP/many.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/many.log"
check "exit 1: one reach fails (got $rc)" test "$rc" -eq 1
check "36 pairs that must not answer: ok" grep -q '\[ *2/4\] .* ok (36 pairs)' "$TMP/many.log"
check "and took less than 8 s" /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
c = [t for t in E.parse(sys.argv[1]).iter("testcase") if t.get("name").startswith("[2]")]
sys.exit(0 if c and float(c[0].get("time")) < 8 else 1)' "$TMP/many.xml"
check "30 pairs within a group answer" grep -q '\[ *3/4\] .* ok (30 pairs)' "$TMP/many.log"
check "exactly the pairs across the partition fail" \
	grep -q '\[ *4/4\] .* FAIL (2 of 4 pairs got no reply: h1->h8 h7->h2)' "$TMP/many.log"
ART=$(sed -n 's/^artifacts kept in //p' "$TMP/many.log")
check "every pair's ping output is in the step's output" \
	test "$(grep -c '^== ' "$TMP/$ART/step-2.out")" -eq 36
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 2. an assertion that must fail: reported once, the run goes on, artifacts kept
LAB=sf$$
cat > "$TMP/fail.yaml" <<YAML
name: must-fail
topology: $QS
steps:
  - reach: {from: h1, to: h2, expect: false}
  - reach: {from: h1, to: h3}
  - run: {host: h1, cmd: "echo '<&>' marker", expect_output: "<&> marker"}
YAML
"$RL" run "$TMP/fail.yaml" --lab "$LAB" --junit "$TMP/fail.xml" > "$TMP/fail.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/fail.log"
check "failing scenario exits 1 (got $rc)" test "$rc" -eq 1
check "JUnit has exactly one <failure>" test "$(count '<failure' "$TMP/fail.xml")" -eq 1
check "JUnit counts 3 tests, 1 failure" grep -q 'tests="3" failures="1" errors="0" skipped="0"' "$TMP/fail.xml"
check "the steps after the failure ran" grep -q '\[ 3/3\].* ok' "$TMP/fail.log"
ART=$(sed -n 's/^artifacts kept in //p' "$TMP/fail.log")
check "artifacts directory kept ($ART)" test -n "$ART" -a -d "$TMP/$ART"
check "it holds the switch's stats" grep -q '"ports"' "$TMP/$ART/stats.json"
check "it holds the command's output" grep -q marker "$TMP/$ART/step-3.out"
SEED=$(sed -n 's/^seed \([0-9]*\) (drawn): rerun with --seed \1$/\1/p' "$TMP/fail.log")
check "a scenario without seed prints the one it drew ($SEED)" test -n "$SEED"
check "its report holds it" grep -q "<property name=\"seed\" value=\"$SEED\"/>" "$TMP/fail.xml"
check "and so do the artifacts" grep -qx "$SEED" "$TMP/$ART/seed"
"$RL" run "$TMP/fail.yaml" --lab "$LAB" --seed 77 > "$TMP/seed.log" 2>&1
check "--seed is said as given" grep -qx 'seed 77 (--seed): rerun with --seed 77' "$TMP/seed.log"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 2b. --keep-on-fail keeps the lab
LAB=sk$$
"$RL" run "$TMP/fail.yaml" --lab "$LAB" --keep-on-fail > "$TMP/keep.log" 2>&1
rc=$?
check "kept run exits 1 (got $rc)" test "$rc" -eq 1
check "it says how to remove the lab" grep -q "lab $LAB kept: rackless down $LAB" "$TMP/keep.log"
check "the lab is still up" test -e "/run/rackless/$LAB/lab.json"
check "rackless down removes it" "$RL" down "$LAB"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 3. a command that times out: the run stops quickly, the lab is torn down
LAB=st$$
cat > "$TMP/timeout.yaml" <<YAML
name: times-out
topology: $QS
steps:
  - run: {host: h1, cmd: "$SLEEP 30 $MARK", timeout: 1s}
  - reach: {from: h1, to: h2}
YAML
t0=$(date +%s)
"$RL" run "$TMP/timeout.yaml" --lab "$LAB" --junit "$TMP/to.xml" > "$TMP/to.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/to.log"
check "timed-out run exits 1 (got $rc)" test "$rc" -eq 1
check "it took less than 10 s" elapsed_lt "$t0" 10
check "the step is reported as timed out" grep -q 'timed out' "$TMP/to.log"
check "the next step was skipped" grep -q 'skipped="1"' "$TMP/to.xml"
check "no sleep left running" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 4. SIGINT during a long wait: teardown, exit 130
LAB=si$$
cat > "$TMP/int.yaml" <<YAML
name: interrupted
topology: $QS
steps:
  - run: {host: h2, cmd: "$SLEEP 60 $MARK", background: true}
  - wait: 30s
YAML
t0=$(date +%s)
"$RL" run "$TMP/int.yaml" --lab "$LAB" > "$TMP/int.log" 2>&1 &
RUN=$!
for _ in $(seq 100); do grep -q '\[ 2/2\]' "$TMP/int.log" && break; sleep 0.1; done
check "the wait step started" grep -q '\[ 2/2\] wait' "$TMP/int.log"
kill -INT "$RUN"
wait "$RUN"
rc=$?
sed 's/^/    /' "$TMP/int.log"
check "interrupted run exits 130 (got $rc)" test "$rc" -eq 130
check "it stopped within 15 s" elapsed_lt "$t0" 15
check "the background command was killed" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 4b. SIGHUP (a closed terminal) during a long wait: the same teardown
LAB=sh$$
"$RL" run "$TMP/int.yaml" --lab "$LAB" > "$TMP/hup.log" 2>&1 &
RUN=$!
for _ in $(seq 100); do grep -q '\[ 2/2\]' "$TMP/hup.log" && break; sleep 0.1; done
check "the wait step started (SIGHUP case)" grep -q '\[ 2/2\] wait' "$TMP/hup.log"
SWPID=$(lab_pid "$LAB")
kill -HUP "$RUN"
wait "$RUN"
rc=$?
sed 's/^/    /' "$TMP/hup.log"
check "a run hung up on exits 130 (got $rc)" test "$rc" -eq 130
check "the background command was killed (SIGHUP)" no_marked_procs
assert_gone "$LAB" "$SWPID"
rm -rf "$TMP/rackless-artifacts"

# 5. a YAML error: exit 2, nothing brought up
LAB=sy$$
printf 'name: broken\ntopology: %s\nsteps:\n  - wait: [1s\n' "$QS" > "$TMP/bad.yaml"
"$RL" run "$TMP/bad.yaml" --lab "$LAB" > "$TMP/bad.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/bad.log"
check "bad file exits 2 (got $rc)" test "$rc" -eq 2
check "error is file:line:col" grep -qE "bad.yaml:[0-9]+:[0-9]+: error: yaml:" "$TMP/bad.log"
printf 'name: broken\ntopology: %s\nsteps:\n  - reach: {from: h1, to: h9}\n' "$QS" > "$TMP/bad2.yaml"
"$RL" run "$TMP/bad2.yaml" --lab "$LAB" > "$TMP/bad2.log" 2>&1
rc=$?
check "unknown host exits 2 (got $rc)" test "$rc" -eq 2
check "unknown host is named at its position" grep -q "bad2.yaml:4:27: error: unknown host 'h9'" "$TMP/bad2.log"
check "nothing was brought up" test ! -e "/run/rackless/$LAB"
check "no artifacts for a bad file" test ! -e "$TMP/rackless-artifacts"
assert_gone "$LAB"
