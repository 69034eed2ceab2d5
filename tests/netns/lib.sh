# Helpers for the namespace integration tests (sourced by bash).
#
# Every test works on a lab of its own, named after the test and its PID;
# it records what it creates and removes exactly that, never by pattern.
# A test that leaves anything of its lab behind fails.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }

RL=${RACKLESS:?RACKLESS must point to the rackless binary}
SRC=${RL_SOURCE_ROOT:?RL_SOURCE_ROOT must point to the source tree}
TMP=$(mktemp -d /tmp/rltest-XXXXXX)
FAILS=0
OWN_NETNS=""   # namespaces the test itself made (not the lab)
OWN_DIRS=""    # directories the test itself made, removed at the end (last first)

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check "what" command...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# A copy of a topology file with the lab renamed to $LAB.
topo_as() { # topo_as SRCFILE LAB OUT
	sed "s/^name: .*/name: $2/" "$1" > "$3"
}

lab_pid() { # the switch's PID from the lab's journal
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r.get("op")=="switch": print(r["pid"])' "/run/rackless/$1/journal"
}

ping_all() { # ping_all LAB NAME=IP...: every ordered pair, 2 pings each
	local lab=$1 a b; shift
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			check "ping ${a%%=*} -> ${b%%=*}" "$RL" exec "$lab" "${a%%=*}" -- \
				ping -c 2 -i 0.2 -W 2 -q "${b#*=}"
		done
	done
}

lab_hosts() { # "name=ip" for every host with an address
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(n["name"]+"="+n["ip"].split("/")[0] for n in d["nodes"] if n["kind"]=="host" and "ip" in n))' "/run/rackless/$1/lab.json"
}

# Nothing of lab $1 remains: namespaces, run dir, DPDK runtime dir, switch
# process ($2: its PID, if known), root-namespace links (compared with $3,
# a file holding `ip -o link` names from before).
assert_gone() {
	local lab=$1 pid=${2:-} before=${3:-}
	check "no namespace of $lab left" sh -c "! ip netns list | awk '{print \$1}' | grep -qxE 'rl\\.$lab(\\..*)?'"
	check "no run directory of $lab left" test ! -e "/run/rackless/$lab"
	check "no DPDK runtime dir of $lab left" test ! -e "/var/run/dpdk/rackless-$lab"
	check "no /etc/netns hosts file of $lab left" \
		sh -c "! ls -d /etc/netns/rl.$lab.* 2>/dev/null | grep -q ."
	if [ -n "$pid" ]; then
		check "switch process $pid is gone" eval "! proc_running $pid"
	fi
	if [ -n "$before" ]; then
		ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort > "$TMP/links.after"
		check "root namespace links unchanged" cmp -s "$before" "$TMP/links.after"
	fi
}

proc_running() { # is PID $1 a live (not exited, not zombie) process?
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

switch_running() { # is a rackless-switch of lab $1 running?
	local p
	for p in $(pgrep -x rackless-switch); do
		proc_running "$p" || continue
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "--lab $1 " && return 0
	done
	return 1
}

exited() { # exited PID SECONDS CODE: PID (our child) exits within SECONDS with CODE
	local i rc
	for i in $(seq $((10 * $2))); do
		proc_running "$1" || break
		sleep 0.1
	done
	proc_running "$1" && { echo "    $1 still running"; return 1; }
	wait "$1"
	rc=$?
	[ "$rc" = "$3" ] || { echo "    $1 exited $rc"; return 1; }
}

scapy_python() { # a python3 that has scapy: Debian's (python3-scapy); one
	# found first in PATH may not have it
	local p
	for p in /usr/bin/python3 python3; do
		"$p" -c 'import scapy.all' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

wait_line() { # wait_line FILE PATTERN PID [SECONDS]: PID (alive) writes PATTERN to FILE
	local i
	for i in $(seq $((10 * ${4:-10}))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		proc_running "$3" || return 1
		sleep 0.1
	done
	return 1
}

snapshot_links() { # snapshot_links FILE
	ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort > "$1"
}

# finish, after cleaning up every lab named in $LABS that a failed check
# left up (tests that make several labs: trap finish_labs EXIT)
finish_labs() {
	local l
	for l in ${LABS:-}; do
		[ -e "/run/rackless/$l" ] && "$RL" cleanup "$l" >/dev/null 2>&1
	done
	finish
}

finish() {
	local ns
	# the lab, if a failed assertion left it up (recorded by name: ours)
	[ -n "${LAB:-}" ] && [ -e "/run/rackless/$LAB" ] && "$RL" cleanup "$LAB" >/dev/null 2>&1
	for ns in $OWN_NETNS; do ip netns del "$ns" 2>/dev/null; done
	for ns in $OWN_DIRS; do rm -rf -- "$ns"; done
	rm -rf "$TMP"
	if [ "$FAILS" -gt 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
