#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LXC, Debian 12's (5.0.2), on our kernel: lxc.time.offset.monotonic and
# lxc.time.offset.boot put a container in a time namespace with those
# offsets, for lxc-execute and lxc-start alike, and lxc-attach lands in
# the container's namespace. The containers have LXC's usual namespaces,
# PID namespace included, and no network. A container's stdout is not
# ours, so ct_clocks writes to a file in its rootfs.

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/ct_clocks.sh"

here=$(cd "$(dirname "$0")" && pwd)
MONO=86400
BOOT=172800

plan 8

mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup

b=$(mktemp -d)
mkdir -p "$b"/rootfs/{bin,proc,dev,sys,tmp} "$b/lxc"
cp /bin/busybox "$here/ct_clocks" "$b/rootfs/bin/"
for a in sh cat sleep; do
	ln -s busybox "$b/rootfs/bin/$a"
done
cat > "$b/ct.conf" <<EOF
lxc.uts.name = timens
lxc.rootfs.path = dir:$b/rootfs
lxc.mount.auto = proc:rw
lxc.net.0.type = empty
lxc.time.offset.monotonic = ${MONO}s
lxc.time.offset.boot = ${BOOT}s
lxc.init.cmd = /bin/sleep 900
EOF
LXC="-P $b/lxc -f $b/ct.conf"

host=$("$here/ct_clocks")
lxc-execute $LXC -n ct-exec -o "$b/execute.log" -- \
	/bin/sh -c '/bin/ct_clocks > /tmp/execute.out 2>&1'
status=$?
out=$(cat "$b/rootfs/tmp/execute.out" 2>/dev/null)
echo "$out" | sed 's/^/# lxc-execute: /'
check "lxc-execute: a container with lxc.time.offset.* runs" \
	[ $status = 0 -a -n "$(ct_get "$out" ns)" ]
check "lxc-execute: it is in a time namespace of its own, with the offsets" \
	[ "$(ct_get "$out" ns)" != "$(ns_inode self)" -a \
	  "$(ct_offsets "$out")" = "$MONO/$BOOT" ]
check "lxc-execute: vDSO and system call clocks and /proc/uptime are shifted" \
	ct_shifted "$out" $MONO $BOOT

lxc-start $LXC -n ct-start -o "$b/start.log" -d
status=$?
lxc-wait -P "$b/lxc" -n ct-start -s RUNNING -t 30 || say "lxc-wait: not RUNNING"
pid=$(lxc-info -P "$b/lxc" -n ct-start -p -H 2>/dev/null)
say "lxc-start: status $status, init ${pid:-none}"
check "lxc-start: a container with lxc.time.offset.* starts" \
	[ $status = 0 -a -n "$pid" ]
offsets=$(awk '{ printf "%s/", $2 }' "/proc/${pid:-0}/timens_offsets" 2>/dev/null)
check "lxc-start: its init has the offsets" \
	[ -n "$pid" -a "$offsets" = "$MONO/$BOOT/" ]
# RUNNING comes before the init has its rootfs: until then an attached
# program does not see the container's /tmp. Try for a while.
# With a terminal on any of its standard files, lxc-attach gives the
# program a pseudo terminal of its own, and the program may be hung up
# (status 129) when the terminal goes: none here, and try again anyway.
for try in $(seq 20); do
	rm -f "$b/rootfs/tmp/attach.out"
	host=$("$here/ct_clocks")
	lxc-attach -P "$b/lxc" -n ct-start -o "$b/attach.log" -- \
		/bin/sh -c '/bin/ct_clocks > /tmp/attach.out 2>&1' \
		< /dev/null > "$b/attach.std" 2>&1
	status=$?
	[ $status = 0 -a -s "$b/rootfs/tmp/attach.out" ] && break
	sleep 1
done
[ $status = 0 -a -s "$b/rootfs/tmp/attach.out" ] ||
	sed 's/^/# lxc-attach log: /' "$b/attach.log" "$b/attach.std"
out=$(cat "$b/rootfs/tmp/attach.out" 2>/dev/null)
echo "$out" | sed 's/^/# lxc-attach: /'
say "lxc-attach: status $status, try $try, $(echo "$out" | grep -c .) lines of output"
check "lxc-attach: runs in the container's time namespace" \
	[ $status = 0 -a -n "$pid" -a "$(ct_get "$out" ns)" = "$(ns_inode "$pid")" ]
check "lxc-attach: it sees the container's shifted clocks" \
	ct_shifted "$out" $MONO $BOOT
check "lxc-attach: the container runs the time namespace vDSO image" \
	[ -n "$(ct_get "$out" vdso)" -a "$(ct_get "$out" vdso)" != "$(ct_get "$host" vdso)" ]
lxc-stop -P "$b/lxc" -n ct-start -k > /dev/null 2>&1

rm -rf "$b"
finish
