#!/bin/bash
# rackless run over IPv6: an IPv6-only lab runs reach, ping, both kinds of
# traffic and iperf with no key (each names the IPv6 address it sent to,
# in its line and in the JUnit report); on a dual-stack lab `family: 6`
# sends over IPv6 (captures on the target count IPv6 echo requests and TCP,
# and no IPv4) while a step without it still sends over IPv4; a target
# without an address of the family, and an address given as a host, are
# file:line:col errors that bring nothing up.
. "$(dirname "$0")/lib.sh"
trap finish EXIT
cd "$TMP" || exit 1

junit_out() { # junit_out FILE CASE TEXT: the passing testcase CASE's system-out holds TEXT
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
for c in E.parse(sys.argv[1]).getroot().iter("testcase"):
    if c.get("name") == sys.argv[2]:
        o = c.find("system-out")
        sys.exit(0 if c.find("failure") is None and o is not None and sys.argv[3] in o.text else 1)
sys.exit(1)' "$@"
}

# 1. IPv6 only (subnet6 alone): the tester's repro, with no key
LAB=s6a$$
cat > "$TMP/v6only.yaml" <<'YAML'
name: v6only
topology:
  defaults: {subnet6: "fd57::/64"}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
    h3: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
      params: {delay: 10ms}
    - endpoints: [h2:eth0, sw1:p2]
    - endpoints: [h3:eth0, sw1:p3]
      params: {reverse: {rate: 20mbit}}
steps:
  - reach: {from: [h1, h2, h3], to: [h1, h2, h3], expect: true}
  - ping: {from: h1, to: h2, count: 10, interval: 50ms, max_loss: 0%, max_rtt_p50: 30ms}
  - traffic: {name: t, kind: iperf, from: h2, to: h3, seconds: 3}
  - traffic: {name: p, kind: ping, from: h2, to: h1, seconds: 2, interval: 100ms}
  - expect: {traffic: t, min_mbit: 10, max_mbit: 25}
  - expect: {traffic: p, max_loss: 0%, max_rtt_p50: 40ms}
  - iperf: {client: h1, server: h2, seconds: 2, min_mbit: 1}
  - link: {endpoint: h2:eth0, down: true}
  - reach: {from: h1, to: h2, expect: false}
  - link: {endpoint: h2:eth0, up: true}
  - reach: {from: h1, to: h2, expect: true}
YAML
"$RL" run "$TMP/v6only.yaml" --lab "$LAB" --junit "$TMP/v6only.xml" > "$TMP/v6only.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/v6only.log"
check "the IPv6-only scenario passes (exit 0, got $rc)" test "$rc" -eq 0
check "JUnit: 7 assertions, none failed" grep -q 'tests="7" failures="0" errors="0"' "$TMP/v6only.xml"
check "reach says IPv6" grep -q '\[ 1/11\] reach h1,h2,h3 -> h1,h2,h3 (IPv6) .* ok (6 pairs)' "$TMP/v6only.log"
check "ping names h2's IPv6 address" grep -q '\[ 2/11\] ping h1 -> h2 (IPv6) .* ok (loss 0%, .*, to fd57::2)' "$TMP/v6only.log"
check "the iperf stream went to h3's" grep -q '\[ 3/11\] .* ok (iperf3 to \[fd57::3\]:[0-9]*)' "$TMP/v6only.log"
check "the ping stream to h1's" grep -q '\[ 4/11\] .* ok (ping fd57::1 every' "$TMP/v6only.log"
check "iperf names h2's" grep -q '\[ 7/11\] iperf h1 -> h2 (IPv6) .* ok (.* Mbit/s, to fd57::2)' "$TMP/v6only.log"
check "the cut cable stops IPv6 too" grep -q '\[ 9/11\] reach h1 -> h2 (IPv6) (must not) .* ok' "$TMP/v6only.log"
check "JUnit has the address of a passing ping" \
	junit_out "$TMP/v6only.xml" "[2] ping h1 -> h2 (IPv6)" "to fd57::2"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 2. dual stack: family: 6 sends over IPv6, no key over IPv4; the target's
# captures tell them apart (ping's echo requests: ICMPv6 type 128 or ICMP
# echo; iperf3's TCP over ip6 or ip)
LAB=s6b$$
cat > "$TMP/dual.yaml" <<'YAML'
name: dual
topology:
  defaults: {subnet: 10.0.58.0/24, subnet6: "fd58::/64"}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
      params: {rate: 50mbit} # iperf3 at full speed would be all the capture sees
    - endpoints: [h2:eth0, sw1:p2]
steps:
  - capture: {name: echo6, endpoint: h2:eth0, filter: "icmp6 and ip6[40] == 128"}
  - capture: {name: echo4, endpoint: h2:eth0, filter: "icmp[icmptype] == icmp-echo"}
  - capture: {name: tcp6, endpoint: h2:eth0, filter: "ip6 and tcp"}
  - capture: {name: tcp4, endpoint: h2:eth0, filter: "ip and tcp"}
  - ping: {from: h1, to: h2, count: 5, interval: 50ms, max_loss: 0%, family: 6}
  - reach: {from: h1, to: h2, family: 6}
  - iperf: {client: h1, server: h2, seconds: 1, min_mbit: 1, family: 6}
  - traffic: {name: t, kind: iperf, from: h1, to: h2, seconds: 1, family: 6}
  - expect: {traffic: t, min_mbit: 1}
  - stop: tcp6
  - stop: tcp4
  - ping: {from: h1, to: h2, count: 3, interval: 50ms, max_loss: 0%}
  - stop: echo6
  - stop: echo4
  - expect: {capture: echo6, min: 6, max: 6}
  - expect: {capture: echo4, min: 3, max: 3}
  - expect: {capture: tcp6, min: 20}
  - expect: {capture: tcp4, max: 0}
YAML
"$RL" run "$TMP/dual.yaml" --lab "$LAB" --junit "$TMP/dual.xml" > "$TMP/dual.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/dual.log"
check "the dual-stack scenario passes (exit 0, got $rc)" test "$rc" -eq 0
check "JUnit: 9 assertions, none failed" grep -q 'tests="9" failures="0" errors="0"' "$TMP/dual.xml"
check "family: 6 pinged h2's IPv6 address" grep -q '\[ 5/18\] ping h1 -> h2 (IPv6) .* ok (.*, to fd58::2)' "$TMP/dual.log"
check "iperf with family: 6 too" grep -q '\[ 7/18\] iperf h1 -> h2 (IPv6) .* ok (.*, to fd58::2)' "$TMP/dual.log"
check "a ping without it pinged h2's IPv4 address" grep -q '\[12/18\] ping h1 -> h2 \.* ok (.*, to 10.0.58.2)' "$TMP/dual.log"
check "JUnit has the IPv6 address of the family: 6 ping" \
	junit_out "$TMP/dual.xml" "[5] ping h1 -> h2 (IPv6)" "to fd58::2"
assert_gone "$LAB"
rm -rf "$TMP/rackless-artifacts"

# 3. a target without an address of the step's family, an address where a
# host goes: exit 2 at file:line:col, nothing brought up
LAB=s6c$$
cat > "$TMP/bad.yaml" <<'YAML'
name: bad
topology:
  defaults: {subnet: 10.0.59.0/24}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    h2: {kind: host}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [h2:eth0, sw1:p2]
steps:
  - ping: {from: h1, to: h2, family: 6}
YAML
"$RL" run "$TMP/bad.yaml" --lab "$LAB" > "$TMP/bad.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/bad.log"
check "family: 6 to an IPv4-only host: exit 2 (got $rc)" test "$rc" -eq 2
check "at the target, with the reason" \
	grep -qF "$TMP/bad.yaml:12:26: error: host 'h2' has no IPv6 address to send to (family: 6)" "$TMP/bad.log"
check "nothing brought up" test ! -e "/run/rackless/$LAB"
sed -i 's/to: h2, family: 6/to: "fd59::2"/' "$TMP/bad.yaml"
"$RL" run "$TMP/bad.yaml" --lab "$LAB" > "$TMP/bad.log" 2>&1
rc=$?
sed 's/^/    /' "$TMP/bad.log"
check "an address as the target: exit 2 (got $rc)" test "$rc" -eq 2
check "says to name the host" grep -qF "$TMP/bad.yaml:12:26: error: bad host name 'fd59::2' for to: steps name hosts" "$TMP/bad.log"
assert_gone "$LAB"
