#!/bin/bash
# A real QEMU guest on a vhost node: Debian's kernel and busybox
# (tests/tools/mkguest.sh), under TCG (this machine's KVM hangs guests),
# virtio-net over vhost-user to the lab's switch, beside a namespace host.
#  1. the guest pings the host through the switch, and the host the guest;
#  2. the guest downloads a file over HTTP from the host: the host's TCP
#     super-frames reach the guest whole (it takes GUEST_TSO4 and
#     GUEST_CSUM, as a Linux guest does): far fewer frames than segments;
#     MD5 compared;
#  3. the guest uploads random bytes to the host over TCP: the guest's
#     virtio-net sends partial checksums and TSO super-frames through the
#     vhost port; MD5 compared;
#  4. no frame dropped for a bad offload header on the vhost port;
#  5. the guest killed, then the lab down: nothing left, QEMU's socket
#     included.
# Prints the transfer times (TCG makes them slow; they are not asserted).
. "$(dirname "$0")/lib.sh"
LAB=tq$$
QEMU=qemu-system-x86_64
MINE="" # PIDs this test started (QEMU, the host's servers)
stop_mine() {
	local p
	for p in $MINE; do
		proc_running "$p" && kill -9 "$p" 2>/dev/null
	done
}
trap 'stop_mine; finish' EXIT
command -v "$QEMU" >/dev/null || { fail "no $QEMU (Debian's qemu-system-x86: scripts/setup.sh)"; exit 1; }
bash "$SRC/tests/tools/mkguest.sh" "$TMP/guest" >"$TMP/mkguest.out" 2>&1 ||
	{ sed 's/^/    /' "$TMP/mkguest.out"; fail "mkguest.sh built no guest"; exit 1; }

HOST=10.0.0.1
GUEST=10.0.0.50
BYTES=$((4 * 1024 * 1024))
cat >"$TMP/lab.yaml" <<EOF
name: $LAB
topology:
  defaults: {subnet: 10.0.0.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, ip: $HOST/24}
    vm1: {kind: vhost}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [vm1:eth0, sw1:p2]
EOF
snapshot_links "$TMP/links.before"
"$RL" up "$TMP/lab.yaml" >"$TMP/up.out" 2>&1 || { sed 's/^/    /' "$TMP/up.out"; fail "up"; exit 1; }
SWPID=$(lab_pid "$LAB")
SOCK=$("$RL" status "$LAB" | awk '$1 == "vm1" { for (i = 1; i < NF; i++) if ($i == "socket") print $(i + 1) }')
check "status names vm1's socket, and it is there" test -S "$SOCK"
NS=rl.$LAB.h1

# the host: a file to serve, and a sink that writes the MD5 of what it got
mkdir "$TMP/www"
head -c "$BYTES" /dev/urandom >"$TMP/www/blob"
WANT=$(md5sum <"$TMP/www/blob" | cut -d' ' -f1)
ip netns exec "$NS" python3 -m http.server 8000 --bind "$HOST" --directory "$TMP/www" \
	>"$TMP/http.log" 2>&1 &
MINE="$MINE $!"
disown $! # killed at the end: no job report
ip netns exec "$NS" python3 - "$HOST" 5001 "$BYTES" "$TMP/sink.md5" <<'PY' &
import hashlib, socket, sys
host, port, want, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(1)
s.settimeout(180)
c, _ = s.accept()
c.settimeout(60)
h, n = hashlib.md5(), 0
while n < want:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
open(out, "w").write("%s %d\n" % (h.hexdigest(), n))
PY
MINE="$MINE $!"
disown $!

# the guest: TCG, MSI-X off (QEMU 7.2 under TCG crashes setting up vhost
# MSI-X vector notifiers), memory shared with the switch (memfd)
T0=$(date +%s)
"$QEMU" -accel tcg -m 256 -smp 1 -nodefaults -no-reboot -display none \
	-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
	-kernel "$TMP/guest/vmlinuz" -initrd "$TMP/guest/initrd" \
	-append "console=ttyS0 quiet panic=-1 rl.ip=$GUEST/24 rl.ping=$HOST rl.wget=http://$HOST:8000/blob rl.send=$HOST:5001:$BYTES rl.tick=2" \
	-serial "file:$TMP/console.log" \
	-chardev "socket,id=c,path=$SOCK" \
	-netdev vhost-user,id=n,chardev=c -device virtio-net-pci,netdev=n,vectors=0 \
	>"$TMP/qemu.out" 2>&1 &
QPID=$!
MINE="$MINE $QPID"

wait_console() { # wait_console PATTERN SECONDS
	local i
	for i in $(seq "$2"); do
		grep -q "$1" "$TMP/console.log" 2>/dev/null && return 0
		proc_running "$QPID" || return 1
		sleep 1
	done
	return 1
}
port_tx() { # port_tx NAME: frames the switch sent on a port
	"$RL" ctl "$LAB" '{"cmd":"ports"}' | python3 -c 'import json,sys
for p in json.load(sys.stdin)["result"]:
    if p["name"] == sys.argv[1]: print(p["tx_packets"])' "$1"
}
console() { sed -n "s/^rl-guest: $1 //p" "$TMP/console.log" | tr -d '\r' | tail -1; }

check "the guest boots and brings eth0 up" wait_console "rl-guest: up" 120
echo "    guest up after $(($(date +%s) - T0)) s"
check "1. the guest pings the host through the switch" wait_console "rl-guest: ping ok" 60
check "1. the host pings the guest" ip netns exec "$NS" ping -c 5 -i 0.2 -W 2 -q "$GUEST"
T1=$(date +%s)
check "2. the guest's download completes" wait_console "rl-guest: wget" 180
TXF=$(port_tx sw1:p2)
GOT=$(console wget)
echo "    download: $GOT ($(($(date +%s) - T1)) s)"
check "2. the guest got the host's bytes, exactly" test "$GOT" = "$WANT $BYTES"
echo "    frames sent to the guest: $TXF, for $((BYTES / 1448)) segments of data"
check "2. the host's super-frames reached the guest whole" \
	test "$GOT" = "$WANT $BYTES" -a "${TXF:-999999}" -lt $((BYTES / 1448 / 2))
T2=$(date +%s)
if wait_console "rl-guest: sent rc" 60; then
	pass "3. the guest's upload completes"
else
	fail "3. the guest's upload completes"
	# what the host's stack made of it
	ip netns exec "$NS" nstat -az 2>/dev/null | awk '$2 != 0' |
		grep -iE 'csum|discard|drop|prune|collapse|inerrors|ofo|retrans|backlog' | sed 's/^/    /'
	ip netns exec "$NS" ss -tin 2>/dev/null | sed 's/^/    /'
	"$RL" stats "$LAB" 2>&1 | sed 's/^/    /'
	# does a frame to the guest (an interrupt, a worker wake-up) unstick it?
	ip netns exec "$NS" ping -c 3 -i 0.5 -q "$GUEST" | sed 's/^/    /'
	wait_console "rl-guest: sent rc" 10
	echo "    after pinging the guest: the host has $(cat "$TMP/sink.md5" 2>/dev/null)"
fi
SENT=$(console send)
for i in $(seq 50); do [ -s "$TMP/sink.md5" ] && break; sleep 0.2; done
echo "    upload: sent $SENT, host got $(cat "$TMP/sink.md5" 2>/dev/null) ($(($(date +%s) - T2)) s)"
check "3. the host got the guest's bytes, exactly" test -n "$SENT" -a "$(cat "$TMP/sink.md5" 2>/dev/null)" = "$SENT"
"$RL" ctl "$LAB" '{"cmd":"ports"}' >"$TMP/ports.json"
check "4. no frame of the guest dropped as a bad offload" python3 -c 'import json,sys
bad = 1
for p in json.load(open(sys.argv[1]))["result"]:
    d = p["drops"]
    print("   ", p["name"], "rx", p["rx_packets"], "tx", p["tx_packets"], "drops", {k: v for k, v in d.items() if v})
    if p["name"] == "sw1:p2":
        bad = d.get("rx_bad_offload", 0) != 0 or p["rx_packets"] == 0
sys.exit(bad)' "$TMP/ports.json"
[ "$FAILS" -gt 0 ] && sed 's/^/    console: /' "$TMP/console.log" | tail -20

kill -9 "$QPID" 2>/dev/null
wait "$QPID" 2>/dev/null
check "5. the switch outlives its guest" switch_running "$LAB"
check "5. down" "$RL" down "$LAB"
check "5. vm1's socket is gone" test ! -e "$SOCK"
assert_gone "$LAB" "$SWPID" "$TMP/links.before"
