#!/bin/bash
# rackless run, the background parts: captures (a count asserted exactly,
# a kept pcap that tcpdump reads back), freeze and thaw (a UDP echo server
# stops answering while its host is frozen and answers after the thaw; the
# frozen host's kernel still answers ping; a command started in a frozen
# host waits for the thaw), traffic streams asserted on
# later (ping and UDP iperf), an inline topology; after a failure and after
# SIGINT the hosts' cgroups, the frozen processes and the lab are gone and
# the captures are flushed to the artifacts; bad names and a bad inline
# topology are file:line:col errors that bring nothing up; a lab that does
# not come up (already up, or SIGINT during up: 130) still gets a report
# saying so, and a report that cannot be written fails the run; a stale
# report never stays (artifacts that cannot be made, a runner killed -9).
. "$(dirname "$0")/lib.sh"
trap finish EXIT
cd "$TMP" || exit 1

CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG2" ] || { echo "SKIP: no cgroup v2 hierarchy"; exit 77; }
MARK=rlmark$$ # in the command line of every process this test starts in a host

pkt_count() { tcpdump -nr "$1" 2>/dev/null | wc -l; }
elapsed_lt() { [ $(($(date +%s) - $1)) -lt "$2" ]; }
no_marked_procs() { ! pgrep -f "$MARK" >/dev/null; }
cgroups_gone() { # cgroups_gone LAB HOST...
	local lab=$1 h; shift
	for h in "$@"; do [ ! -e "$CG2/rl.$lab.$h" ] || return 1; done
}

# A topology inline: three hosts on one switch.
TOPO='topology:
  defaults: {subnet: 10.0.9.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
    h3: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
    - endpoints: [h3:eth0, sw1:p3]'

# A UDP echo server on h1:7007, and a client that tries TRIES times with
# 0.2 s each (exit 0 on an answer).
ECHO="exec python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"\", 7007))
while True:
    d, a = s.recvfrom(64)
    s.sendto(d, a)' $MARK"
client() {
	echo "python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
for i in range($1):
    s.sendto(b\"hi\", (\"10.0.9.1\", 7007))
    try:
        print(s.recv(9)); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)'"
}
# a stale report from an earlier run that passed
PASSING='<?xml version="1.0"?><testsuites><testsuite name="old" tests="1" failures="0" errors="0"><testcase name="x"/></testsuite></testsuites>'
report_error() { # report_error FILE TEXT: one errored testcase whose message holds TEXT
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
e = s.find("testcase/error")
sys.exit(0 if s.get("errors") == "1" and sys.argv[2] in e.get("message") else 1)' "$1" "$2"
}
yq() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; } # a YAML string

# 1. everything together, passing
LAB=sm$$
cat > "$TMP/all.yaml" <<YAML
name: more
$TOPO
steps:
  - capture: {name: udp, endpoint: h1:eth0, filter: "udp port 7007", keep: true}
  - capture: {name: sw, endpoint: sw1:p2, filter: icmp}
  - run: {host: h1, cmd: $(yq "$ECHO"), background: true}
  - run: {host: h2, cmd: $(yq "$(client 25)"), expect_exit: 0}
  - traffic: {name: beat, kind: ping, from: h2, to: h1, seconds: 3, interval: 100ms}
  - traffic: {name: u, kind: iperf, from: h3, to: h2, seconds: 3, udp: true, rate: 5mbit}
  - freeze: h1
  - run: {host: h1, cmd: "echo thawed > $TMP/late", background: true}
  - run: {host: h2, cmd: $(yq "$(client 5)"), expect_exit: 1}
  - run: {host: h3, cmd: "test ! -e $TMP/late", expect_exit: 0}
  - thaw: h1
  - run: {host: h2, cmd: $(yq "$(client 5)"), expect_exit: 0, expect_output: "b'hi'"}
  - run: {host: h3, cmd: "for i in \$(seq 50); do test -e $TMP/late && exit 0; sleep 0.1; done; exit 1", expect_exit: 0}
  - expect: {traffic: beat, max_lost: 0, max_gap: 1s}
  - expect: {traffic: u, min_mbit: 4, max_mbit: 6, max_loss: 2%}
  - stop: udp
  - stop: sw
  - expect: {capture: sw, filter: "icmp[icmptype] == icmp-echo", min: 30, max: 30}
  - expect: {capture: sw, filter: "icmp[icmptype] == icmp-echoreply", max: 0}
  - expect: {capture: udp, filter: "udp dst port 7007", min: 3}
  - expect: {capture: udp, filter: "udp src port 7007", min: 2}
YAML
"$RL" run "$TMP/all.yaml" --lab "$LAB" --junit "$TMP/all.xml" > "$TMP/all.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/all.log"
check "the scenario passes (exit 0, got $rc)" test "$rc" -eq 0
check "JUnit: 11 assertions, none failed" grep -q 'tests="11" failures="0" errors="0"' "$TMP/all.xml"
check "the frozen host did not answer" grep -q '\[ 9/21\] .* ok (exit 1)' "$TMP/all.log"
check "a command started in it ran only after the thaw" grep -q '\[13/21\] .* ok (exit 0)' "$TMP/all.log"
check "its kernel still answered every ping" grep -q '\[14/21\] expect beat .* ok (30 of 30 replies' "$TMP/all.log"
KEPT=$(sed -n 's/^captures kept in //p' "$TMP/all.log")
check "the kept capture is named ($KEPT)" test -n "$KEPT" -a -f "$TMP/$KEPT/capture-udp.pcap"
check "the other capture and the outputs went with the pass" \
	test "$(ls "$TMP/$KEPT" 2>/dev/null)" = capture-udp.pcap
N=$(sed -n 's/.*stop udp .* ok (\([0-9]*\) frames.*/\1/p' "$TMP/all.log")
check "tcpdump reads back the $N frames the runner wrote" test "$(pkt_count "$TMP/$KEPT/capture-udp.pcap")" = "$N"
check "no cgroup left" cgroups_gone "$LAB" h1
check "no process of the run left" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 2. a failure with a host frozen: the cgroup, its processes and the lab
# go; the capture is in the artifacts
LAB=sn$$
cat > "$TMP/fail.yaml" <<YAML
name: more-fail
$TOPO
steps:
  - capture: {name: c, endpoint: h2:eth0, filter: icmp}
  - run: {host: h1, cmd: "exec python3 -c 'import time; time.sleep(60)' $MARK", background: true}
  - freeze: h1
  - reach: {from: h2, to: h1, expect: false}
YAML
"$RL" run "$TMP/fail.yaml" --lab "$LAB" --junit "$TMP/fail.xml" > "$TMP/fail.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/fail.log"
check "the failing run exits 1 (got $rc)" test "$rc" -eq 1
check "JUnit has its failure" grep -q 'tests="1" failures="1"' "$TMP/fail.xml"
ART=$(sed -n 's/^artifacts kept in //p' "$TMP/fail.log")
check "the capture is kept with the artifacts and holds the ping" \
	test "$(pkt_count "$TMP/$ART/capture-c.pcap")" -ge 2
check "no cgroup left after the failure" cgroups_gone "$LAB" h1
check "the frozen process was killed" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 3. SIGINT while a host is frozen
LAB=so$$
cat > "$TMP/int.yaml" <<YAML
name: more-int
$TOPO
steps:
  - capture: {name: c, endpoint: h1:eth0}
  - run: {host: h1, cmd: "exec python3 -c 'import time; time.sleep(60)' $MARK", background: true}
  - traffic: {name: t, kind: ping, from: h3, to: h1, seconds: 60, interval: 50ms}
  - reach: {from: h2, to: h1}
  - freeze: [h1, h3]
  - wait: 30s
YAML
t0=$(date +%s)
"$RL" run "$TMP/int.yaml" --lab "$LAB" > "$TMP/int.log" 2>&1 &
RUN=$!
for _ in $(seq 300); do grep -q "\[ 6/6\]" "$TMP/int.log" && break; sleep 0.1; done
check "the wait started" grep -q "\[ 6/6\] wait" "$TMP/int.log"
check "h1's cgroup is frozen" grep -qx 'frozen 1' "$CG2/rl.$LAB.h1/cgroup.events"
check "the background command is in it" \
	grep -qx "$(pgrep -f "time.sleep.60.* $MARK")" "$CG2/rl.$LAB.h1/cgroup.procs"
kill -INT "$RUN"
wait "$RUN"
rc=$?
sed 's/^/    /' "$TMP/int.log"
check "interrupted run exits 130 (got $rc)" test "$rc" -eq 130
check "it stopped within 15 s" elapsed_lt "$t0" 15
ART=$(sed -n 's/^artifacts kept in //p' "$TMP/int.log")
check "the capture was flushed and closed (it saw the reach)" \
	test "$(pkt_count "$TMP/$ART/capture-c.pcap")" -ge 2
check "no cgroup left after SIGINT" cgroups_gone "$LAB" h1 h3
check "the frozen processes were killed" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 3b. the runner killed outright (kill -9) while a host is frozen:
# `rackless cleanup` removes the cgroup (journaled) with the rest
LAB=sk$$
echo "$PASSING" > "$TMP/kill.xml"
"$RL" run "$TMP/int.yaml" --lab "$LAB" --junit "$TMP/kill.xml" > "$TMP/kill.log" 2>&1 &
RUN=$!
for _ in $(seq 300); do grep -q "\[ 6/6\]" "$TMP/kill.log" && break; sleep 0.1; done
check "the wait started (kill -9 case)" grep -q "\[ 6/6\] wait" "$TMP/kill.log"
kill -9 "$RUN"
wait "$RUN" 2>/dev/null
check "the report left by a runner killed with -9 is an error, not the old pass" \
	report_error "$TMP/kill.xml" "did not complete"
check "and no half-written report beside it" sh -c "! ls $TMP/kill.xml.tmp.* 2>/dev/null"
check "the frozen cgroup outlived the runner" test -e "$CG2/rl.$LAB.h1"
check "cleanup after kill -9" "$RL" cleanup "$LAB"
check "no cgroup left after cleanup" cgroups_gone "$LAB" h1 h3
for _ in $(seq 50); do no_marked_procs && break; sleep 0.1; done
check "the frozen processes were killed" no_marked_procs
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 4. bad names and a bad inline topology: exit 2, nothing brought up
LAB=sq$$
printf 'name: bad\n%s\nsteps:\n  - stop: nosuch\n' "$TOPO" > "$TMP/bad1.yaml"
"$RL" run "$TMP/bad1.yaml" --lab "$LAB" > "$TMP/bad1.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/bad1.log"
check "an unknown capture exits 2 (got $rc)" test "$rc" -eq 2
check "it is named at its place" \
	grep -q "bad1.yaml:14:11: error: no capture or traffic named 'nosuch'" "$TMP/bad1.log"
printf 'name: bad\n%s\n    - endpoints: [h4:eth0, sw1:p4]\nsteps:\n  - freeze: h1\n' "$TOPO" \
	> "$TMP/bad2.yaml"
"$RL" run "$TMP/bad2.yaml" --lab "$LAB" > "$TMP/bad2.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/bad2.log"
check "a bad inline topology exits 2 (got $rc)" test "$rc" -eq 2
check "its error is at the scenario's line and column" \
	grep -qE "bad2.yaml:13:[0-9]+: error: .*h4" "$TMP/bad2.log"
check "nothing was brought up" test ! -e "/run/rackless/$LAB"
check "no cgroup either" cgroups_gone "$LAB" h1
assert_gone "$LAB"

# 5. a run whose lab does not come up says so in its report; a report that
# cannot be written fails the run; SIGINT while the lab comes up exits 130
LAB=sv$$
printf 'name: %s\n%s\n' "$LAB" "$TOPO" > "$TMP/lab5.yaml"
printf 'name: five\n%s\nsteps:\n  - reach: {from: h1, to: h2}\n' "$TOPO" > "$TMP/five.yaml"
check "the lab is up beforehand" "$RL" up -q "$TMP/lab5.yaml"
echo stale > "$TMP/five.xml"
"$RL" run "$TMP/five.yaml" --lab "$LAB" --junit "$TMP/five.xml" > "$TMP/five.log" 2>&1
rc=$?
check "a lab already up: exit 1 (got $rc)" test "$rc" -eq 1
check "says the lab is already up" grep -q "lab $LAB is already up" "$TMP/five.log"
check "and names no artifacts directory (it made none)" sh -c "! grep -q artifacts '$TMP/five.log'"
check "the report says the lab did not come up, not the stale pass" \
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
e = s.find("testcase/error")
sys.exit(0 if s.get("errors") == "1" and "already up" in e.get("message") else 1)' "$TMP/five.xml"
check "the lab that was up is left alone" test -e "/run/rackless/$LAB"
check "down" "$RL" down "$LAB"
"$RL" run "$TMP/five.yaml" --lab "$LAB" --junit "$TMP/no/such/dir/five.xml" > "$TMP/five.log" 2>&1
rc=$?
check "a passing run whose report cannot be written exits 1 (got $rc)" test "$rc" -eq 1
check "and names it" grep -q "JUnit report $TMP/no/such/dir/five.xml" "$TMP/five.log"
check "and never says it passed" sh -c "! grep -q passed $TMP/five.log"
check "nothing was brought up for it" test ! -e "/run/rackless/$LAB"
assert_gone "$LAB"
# the artifacts directory cannot be created (a file in its place): a
# failing report replaces the stale pass
mkdir "$TMP/noart" && touch "$TMP/noart/rackless-artifacts"
echo "$PASSING" > "$TMP/noart.xml"
(cd "$TMP/noart" && "$RL" run "$TMP/five.yaml" --lab "$LAB" --junit "$TMP/noart.xml") \
	> "$TMP/noart.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/noart.log"
check "no artifacts directory: exit 1 (got $rc)" test "$rc" -eq 1
check "the report says why, not the stale pass" report_error "$TMP/noart.xml" "artifacts"
assert_gone "$LAB"
printf 'name: big\ntopology: {generate: "star,80"}\nsteps:\n  - wait: 1s\n' > "$TMP/big.yaml"
"$RL" run "$TMP/big.yaml" --lab "$LAB" --junit "$TMP/big.xml" > "$TMP/big.log" 2>&1 &
RUN=$!
for _ in $(seq 100); do [ -e "/run/rackless/$LAB" ] && break; sleep 0.02; done
sleep 0.3
kill -INT "$RUN"
wait "$RUN"
rc=$?
sed 's/^/    /' "$TMP/big.log"
check "SIGINT while the lab comes up exits 130 (got $rc)" test "$rc" -eq 130
check "and the report says so" grep -q "interrupted" "$TMP/big.xml"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 6. expect_output looks at all of a command's output, however long; a
# foreground command must exit 0 unless expect_exit says otherwise; a ping
# stream with no reply has no median to show
LAB=sw$$
printf 'name: long\n%s\nsteps:\n  - run: {host: h1, cmd: "seq 1 400000; echo MARK-END", expect_output: MARK-END}\n  - run: {host: h1, cmd: "seq 1 400000", expect_output: MARK-END, expect_exit: 0}\n' "$TOPO" > "$TMP/long.yaml"
cat >> "$TMP/long.yaml" <<YAML
  - run: {host: h1, cmd: nonexistentcmd$MARK}
  - run: {host: h1, cmd: "exit 3", expect_exit: 3}
  - link: {endpoint: h2:eth0, down: true}
  - traffic: {name: p, kind: ping, from: h1, to: h2, seconds: 1, interval: 100ms}
  - expect: {traffic: p, max_lost: 100}
  - expect: {traffic: p, max_lost: 0, max_gap: 100ms}
  - link: {endpoint: h1:eth0, set: "delay=60ms", direction: egress}
  - ping: {from: h1, to: h3, count: 5, interval: 20ms, max_rtt_p50: 100ms}
YAML
"$RL" run "$TMP/long.yaml" --lab "$LAB" > "$TMP/long.log" 2>&1
sed 's/^/    /' "$TMP/long.log"
check "a marker after 2.6 MB of output is found" grep -q "\[ *1/10\] run.* ok" "$TMP/long.log"
check "and a missing one is not" grep -q "\[ *2/10\] run.* FAIL" "$TMP/long.log"
check "a command not found fails the step, saying why" \
	grep -q "\[ *3/10\] run.* FAIL (exit 127, expected 0: .*not found" "$TMP/long.log"
check "a command that exits as expect_exit says passes" grep -q "\[ *4/10\] run.* ok (exit 3)" "$TMP/long.log"
check "a ping stream without replies says so" grep -q "\[ *7/10\] expect p .* ok (0 of [0-9]* replies" "$TMP/long.log"
check "and shows no -1 ms median" sh -c "! grep -q -- '-1.00' '$TMP/long.log'"
check "a failure names every bound that did not hold" \
	grep -q "\[ *8/10\] expect p .* FAIL (.* lost > max 0 .*; max gap .* > 0.100 s)" "$TMP/long.log"
check "a link step with direction: egress delays one way only (60 ms, not 120)" \
	grep -q "\[ *9/10\] link h1:eth0 set delay=60ms (egress) .* ok" "$TMP/long.log"
check "the ping after it holds to 100 ms (both ways would be 120)" grep -q "\[10/10\] ping .* ok (loss 0%" "$TMP/long.log"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 7. the report never reads as a pass when the run did not pass: a scenario
# file that does not load, a run cut by SIGINT; and a reader that goes away
# (`| head -1`) does not keep the runner from tearing down
LAB=sx$$
echo stale > "$TMP/bad.xml"
printf 'name: bad\n%s\nsteps:\n  - stop: nosuch\n' "$TOPO" > "$TMP/bad3.yaml"
"$RL" run "$TMP/bad3.yaml" --lab "$LAB" --junit "$TMP/bad.xml" > /dev/null 2>&1
rc=$?
check "a bad scenario exits 2 (got $rc)" test "$rc" -eq 2
check "and its report is an error naming the place, not the stale file" \
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
m = s.find("testcase/error").get("message")
sys.exit(0 if s.get("errors") == "1" and "bad3.yaml:14:11" in m else 1)' "$TMP/bad.xml"
printf 'name: cut\n%s\nsteps:\n  - reach: {from: h1, to: h2}\n  - wait: 30s\n  - reach: {from: h2, to: h1}\n' "$TOPO" > "$TMP/cut.yaml"
"$RL" run "$TMP/cut.yaml" --lab "$LAB" --junit "$TMP/cut.xml" > "$TMP/cut.log" 2>&1 &
RUN=$!
for _ in $(seq 300); do grep -q "\[ *2/3\]" "$TMP/cut.log" && break; sleep 0.1; done
kill -INT "$RUN"
wait "$RUN"
rc=$?
check "SIGINT in a wait: exit 130 (got $rc)" test "$rc" -eq 130
check "the report has an error for the cut" grep -q 'errors="1"' "$TMP/cut.xml"
assert_gone "$LAB"
"$RL" run "$TMP/five.yaml" --lab "$LAB" --junit "$TMP/pipe.xml" 2>/dev/null | head -1 > /dev/null
check "a runner whose reader went away still tears down" test ! -e "/run/rackless/$LAB"
check "and writes its report" grep -q 'tests="1" failures="0" errors="0"' "$TMP/pipe.xml"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"
