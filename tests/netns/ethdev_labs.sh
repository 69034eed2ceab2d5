#!/bin/bash
# ethdev nodes of topology files, and what one lab's devices must not do
# to another's or to the machine:
#  1. a memif client node connects to a socket another lab serves (and
#     neither journals nor removes it); without its server, up says so;
#  2. a memif server node without socket= serves a socket of its lab's
#     (not DPDK's /run/memif.sock, shared by every lab): two labs side by
#     side, and cleanup after kill -9 of a switch removes it;
#  3. a tx_pcap recorder is its lab's alone: the same file up a second time
#     (--name) is refused, creating nothing, and the first lab's capture
#     stays whole;
#  4. a socket that is the lab's switch control socket is refused at load
#     (any socket under /run/rackless is), not "already exists";
#  5. sockets `rackless ctl` adds (a vhost port's path, a memif server's
#     socket=) are journaled: cleanup after kill -9 of the switch removes
#     them, but not a path a refused or deleted port named;
#  6. a capture replayed into the lab reaches a recorder written after it
#     in the file (the replay started as its port was added, before the
#     recorder's: 3 of 10 frames recorded);
# (each lab is named $LAB plus a letter)
. "$(dirname "$0")/lib.sh"
LAB=tdl$$
LABS=""
trap finish_labs EXIT

# lab NAME DEVARGS IP: a file of one host and one ethdev node on a switch
lab() {
	cat > "$TMP/$1.yaml" <<YAML
name: $1
topology:
  defaults: {subnet: 10.0.0.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host, ip: $3/24}
    d: {kind: ethdev, devargs: "$2"}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [d:eth0, sw1:p2]
YAML
	LABS="$LABS $1"
}
up_fails() { # up_fails FILE TEXT: up fails, says TEXT, leaves nothing
	local l
	l=$(sed -n 's/^name: //p' "$1")
	! "$RL" up "$1" > "$TMP/up.out" 2>&1 || { cat "$TMP/up.out"; return 1; }
	sed 's/^/    /' "$TMP/up.out"
	grep -qF -- "$2" "$TMP/up.out" && test ! -e "/run/rackless/$l"
}

# 1. memif client ---------------------------------------------------------------
SOCK=$TMP/ms.sock
lab "${LAB}s" "net_memif_${LAB}s,role=server,socket=$SOCK,socket-abstract=no" 10.0.0.1
lab "${LAB}c" "net_memif_${LAB}c,role=client,socket=$SOCK,socket-abstract=no" 10.0.0.2
check "1: a client without its server: up fails, saying the socket is not there" \
	up_fails "$TMP/${LAB}c.yaml" "memif server's socket $SOCK is not there"
check "1: up the server's lab" "$RL" up "$TMP/${LAB}s.yaml"
check "1: up the client's lab" "$RL" up "$TMP/${LAB}c.yaml"
check "1: the client's lab journals no socket of memif" \
	sh -c "! grep -q '\"path\": *\"$SOCK\"' /run/rackless/${LAB}c/journal"
check "1: a host of one lab pings the other's through memif" \
	"$RL" exec "${LAB}c" h1 -- ping -c 3 -i 0.3 -W 3 -q 10.0.0.1
check "1: down the client's lab" "$RL" down "${LAB}c"
check "1: the server's socket is still there" test -S "$SOCK"
check "1: a client by ctl without a server says why" sh -c "'$RL' ctl '${LAB}s' \
'{\"cmd\":\"add-port\",\"name\":\"sw1:c\",\"type\":\"ethdev\",\"bridge\":\"sw1\",\"devargs\":\"net_memif_${LAB}x,role=client,socket=$TMP/none.sock,socket-abstract=no\"}' 2>&1 | grep -q 'is not there'"
check "1: down the server's lab" "$RL" down "${LAB}s"
check "1: which removes its socket" test ! -e "$SOCK"
assert_gone "${LAB}s"
assert_gone "${LAB}c"

# 2. memif server's default socket ------------------------------------------------
lab "${LAB}m" "net_memif_${LAB}m,role=server,socket-abstract=no" 10.0.0.1
lab "${LAB}n" "net_memif_${LAB}n,role=server,socket-abstract=no" 10.0.0.1
check "2: up a memif server without socket=" "$RL" up "$TMP/${LAB}m.yaml"
check "2: and a second one, in another lab" "$RL" up "$TMP/${LAB}n.yaml"
check "2: each serves a socket in its lab's directory" \
	test -S "/run/rackless/${LAB}m/sw1:p2.sock" -a -S "/run/rackless/${LAB}n/sw1:p2.sock"
check "2: journaled" grep -q "sw1:p2.sock" "/run/rackless/${LAB}m/journal"
check "2: down the first" "$RL" down "${LAB}m"
PID=$(lab_pid "${LAB}n")
kill -9 "$PID"
for _ in $(seq 50); do proc_running "$PID" || break; sleep 0.1; done
check "2: cleanup after kill -9 of the second's switch" "$RL" cleanup "${LAB}n"
assert_gone "${LAB}m"
assert_gone "${LAB}n" "$PID"

# 3. one recording, one lab ---------------------------------------------------------
lab "${LAB}r" "net_pcap_${LAB}r,tx_pcap=$TMP/rec.pcap" 10.0.0.1
LABS="$LABS ${LAB}q"
check "3: up a lab recording to a file" "$RL" up "$TMP/${LAB}r.yaml"
"$RL" exec "${LAB}r" h1 -- ping -c 2 -W 1 -q 10.0.0.99 >/dev/null 2>&1 # ARP: recorded
! "$RL" up "$TMP/${LAB}r.yaml" --name "${LAB}q" > "$TMP/up.out" 2>&1
rc=$?
sed 's/^/    /' "$TMP/up.out"
check "3: the same file as a second lab: refused" test "$rc" -eq 0
check "3: saying the file is being recorded" grep -q "rec.pcap' is being recorded" "$TMP/up.out"
check "3: creating nothing" test ! -e "/run/rackless/${LAB}q"
"$RL" exec "${LAB}r" h1 -- ping -c 2 -W 1 -q 10.0.0.98 >/dev/null 2>&1
check "3: down the first" "$RL" down "${LAB}r"
check "3: its capture is whole (every frame an ARP request of h1)" python3 - "$TMP/rec.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d), "not a capture"
off, n = 24, 0
while off < len(d):
    _, _, cap, _ = struct.unpack("<IIII", d[off:off + 16])
    frame = d[off + 16:off + 16 + cap]
    assert len(frame) == cap and frame[12:14] == b"\x08\x06", "frame %d is broken" % n
    off += 16 + cap
    n += 1
print("    %d frames" % n)
sys.exit(0 if n >= 2 else 1)
PY
assert_gone "${LAB}r"
assert_gone "${LAB}q"

# 4. the switch's own socket ----------------------------------------------------------
W=${LAB}w
LABS="$LABS $W"
cat > "$TMP/$W.yaml" <<YAML
name: $W
topology:
  defaults: {subnet: 10.0.0.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    vm1: {kind: vhost, socket: /run/rackless/$W/switch.sock}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [vm1:eth0, sw1:p2]
YAML
check "4: a vhost socket on the switch's control socket: refused at load, saying why" \
	up_fails "$TMP/$W.yaml" "switch.sock of vm1 is in /run/rackless, where labs keep their state"
assert_gone "$W"

# 5. ctl's sockets --------------------------------------------------------------------
K=${LAB}k
lab "$K" "net_ring_k" 10.0.0.1
"$RL" up -q "$TMP/$K.yaml" > "$TMP/up.out" 2>&1; rc=$?; sed "s/^/    /" "$TMP/up.out"
check "5: up" test "$rc" -eq 0
kctl() { "$RL" ctl "$K" "$1" >/dev/null; }
check "5: ctl adds a vhost port on a path of its own" \
	kctl '{"cmd":"add-port","name":"sw1:v","type":"vhost","bridge":"sw1","path":"'"$TMP/v.sock"'"}'
check "5: and a memif server" kctl '{"cmd":"add-port","name":"sw1:m","type":"ethdev","bridge":"sw1","devargs":"net_memif_'"$K"',role=server,socket='"$TMP/m.sock"',socket-abstract=no"}'
echo keep > "$TMP/taken.sock"
check "5: a port on a path that is there is refused" \
	sh -c "! '$RL' ctl '$K' '{\"cmd\":\"add-port\",\"name\":\"sw1:t\",\"type\":\"vhost\",\"bridge\":\"sw1\",\"path\":\"$TMP/taken.sock\"}' >/dev/null"
check "5: a vhost port added and deleted" sh -c "'$RL' ctl '$K' '{\"cmd\":\"add-port\",\"name\":\"sw1:d\",\"type\":\"vhost\",\"bridge\":\"sw1\",\"path\":\"$TMP/d.sock\"}' >/dev/null && '$RL' ctl '$K' '{\"cmd\":\"del-port\",\"name\":\"sw1:d\"}' >/dev/null"
# someone else's socket on the deleted port's path, alive until told
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); time.sleep(60)' "$TMP/d.sock" &
OTHER=$!
for _ in $(seq 50); do [ -S "$TMP/d.sock" ] && break; sleep 0.1; done
PID=$(lab_pid "$K")
kill -9 "$PID"
for _ in $(seq 50); do proc_running "$PID" || break; sleep 0.1; done
check "5: cleanup after kill -9 of the switch" "$RL" cleanup "$K"
check "5: removed the vhost port's socket" test ! -e "$TMP/v.sock"
check "5: and the memif server's" test ! -e "$TMP/m.sock"
check "5: not the file the refused port named" grep -q keep "$TMP/taken.sock"
check "5: nor the socket on the deleted port's path" test -S "$TMP/d.sock"
kill "$OTHER"; wait "$OTHER" 2>/dev/null
assert_gone "$K" "$PID"

# 6. a replay reaches a recorder written after it ---------------------------------
Y=${LAB}y
LABS="$LABS $Y"
python3 - "$TMP/in10.pcap" <<'PY'
import struct, sys
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x77" + b"\x88\xb5" + bytes(46)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(10):
        f.write(struct.pack("<IIII", 1, i, len(frame), len(frame)) + frame)
PY
cat > "$TMP/$Y.yaml" <<YAML
name: $Y
topology:
  defaults: {subnet: 10.0.0.0/24, ipv6: off}
  nodes:
    sw1: {kind: switch}
    h1: {kind: host}
    replay: {kind: ethdev, devargs: "net_pcap_${Y}a,rx_pcap=$TMP/in10.pcap"}
    rec: {kind: ethdev, devargs: "net_pcap_${Y}b,tx_pcap=$TMP/out10.pcap"}
  links:
    - endpoints: [h1:eth0, sw1:p1]
    - endpoints: [replay:eth0, sw1:p2]
    - endpoints: [rec:eth0, sw1:p3]
YAML
check "6: up a lab replaying into a recorder written after it" "$RL" up -q "$TMP/$Y.yaml"
sleep 1
check "6: down" "$RL" down "$Y"
check "6: the recorder has the 10 replayed frames" python3 - "$TMP/out10.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off < len(d):
    cap = struct.unpack("<IIII", d[off:off + 16])[2]
    n += d[off + 16 + 12:off + 16 + 14] == b"\x88\xb5"
    off += 16 + cap
print("    %d of them recorded" % n)
sys.exit(0 if n == 10 else 1)
PY
assert_gone "$Y"
