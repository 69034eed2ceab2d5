#!/bin/bash
# mkguest.sh OUTDIR: a QEMU guest for the vhost tests, built from Debian's
# own packages (linux-image-amd64, busybox-static; scripts/setup.sh installs
# them): OUTDIR/vmlinuz (the installed kernel) and OUTDIR/initrd (busybox,
# the kernel's virtio-net modules and an init).
#
# The guest's init reads from the kernel command line:
#   rl.ip=A.B.C.D/N     eth0's address (eth0 is the first virtio-net device)
#   rl.ping=A.B.C.D     ping this address 5 times once eth0 is up
#   rl.wget=URL         then download URL (busybox wget)
#   rl.send=IP:PORT:N   then send N random bytes to a TCP server (busybox nc)
#   rl.tick=SECS        print eth0's counters and interrupts every SECS
# and prints on the console (ttyS0):
#   rl-guest: up IP mac MAC
#   rl-guest: ping ok|fail  (and busybox ping's lines)
#   rl-guest: wget MD5 BYTES   (MD5 of what arrived; "wget fail" if it failed)
#   rl-guest: send MD5 N       (MD5 of what it sent, before sending)
#   rl-guest: sent rc RC
# then stays up, answering ping, until QEMU is killed.
set -eu
OUT=${1:?usage: mkguest.sh OUTDIR}
KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
KVER=${KERNEL#/boot/vmlinuz-}
BUSYBOX=/bin/busybox
[ -r "$KERNEL" ] || { echo "mkguest: no kernel $KERNEL (install linux-image-amd64)" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "mkguest: no $BUSYBOX (install busybox-static)" >&2; exit 1; }
ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "mkguest: $BUSYBOX is not static (install busybox-static)" >&2; exit 1; }

mkdir -p "$OUT"
ROOT=$(mktemp -d "$OUT/root.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$BUSYBOX" "$ROOT/bin/busybox"
# modules in load order (modinfo -F depends)
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net"
for m in $MODS; do
	f=$(find "/lib/modules/$KVER/kernel" -name "$m.ko" | head -1)
	[ -n "$f" ] || { echo "mkguest: module $m not found for $KVER" >&2; exit 1; }
	cp "$f" "$ROOT/lib/modules/"
done
cat > "$ROOT/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $MODS; do insmod /lib/modules/\$m.ko || echo "rl-guest: insmod \$m failed"; done
arg() { sed -n "s/.*\$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
IP=\$(arg rl.ip)
PEER=\$(arg rl.ping)
for i in \$(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set lo up
ip link set eth0 up
ip addr add "\$IP" dev eth0
echo "rl-guest: up \$IP mac \$(cat /sys/class/net/eth0/address)"
if [ -n "\$PEER" ]; then
	if ping -c 5 -W 2 "\$PEER"; then echo "rl-guest: ping ok"; else echo "rl-guest: ping fail"; fi
fi
TICK=\$(arg rl.tick)
if [ -n "\$TICK" ]; then
	# a heartbeat: is the guest alive, do its interrupts and queues move?
	while :; do
		sleep "\$TICK"
		echo "rl-guest: tick rx \$(cat /sys/class/net/eth0/statistics/rx_packets) tx \$(cat /sys/class/net/eth0/statistics/tx_packets) irq \$(grep -E 'virtio|eth0' /proc/interrupts | tr -s ' ' | tr '\\n' ';')"
	done &
fi
URL=\$(arg rl.wget)
if [ -n "\$URL" ]; then
	if wget -q -O /tmp/got "\$URL"; then
		echo "rl-guest: wget \$(md5sum < /tmp/got | cut -d' ' -f1) \$(wc -c < /tmp/got)"
	else
		echo "rl-guest: wget fail"
	fi
	rm -f /tmp/got
fi
SEND=\$(arg rl.send)
if [ -n "\$SEND" ]; then
	N=\${SEND##*:}
	DST=\${SEND%:*}
	head -c "\$N" /dev/urandom > /tmp/out
	echo "rl-guest: send \$(md5sum < /tmp/out | cut -d' ' -f1) \$N"
	nc -w 10 "\${DST%:*}" "\${DST##*:}" < /tmp/out
	echo "rl-guest: sent rc \$?"
	rm -f /tmp/out
fi
while :; do sleep 3600; done
EOF
chmod 755 "$ROOT/init"
cp "$KERNEL" "$OUT/vmlinuz"
(cd "$ROOT" && find . | cpio -o -H newc --quiet) | gzip -1 > "$OUT/initrd"
echo "mkguest: $OUT/vmlinuz $OUT/initrd ($KVER)"
