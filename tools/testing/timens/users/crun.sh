#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# crun, Debian 12's OCI runtime (1.8.1), on our kernel: a container in a
# time namespace with offsets sees its clocks shifted, a process that
# "crun exec" adds to it joins the same namespace, and a container in a
# time namespace without offsets (the default some engines now give every
# container) sees the host's clocks and runs the host's vDSO image.
#
# What crun 1.8.1 does, found by running it (the same on the reference
# kernel): it reads the offsets from the annotation run.oci.timens_offset
# and ignores the runtime spec's linux.timeOffsets, which it predates; it
# creates the time namespace with unshare() and a fork after the other
# namespaces, so with a PID namespace the forked child is the second
# process of a namespace whose init has just exited, and is killed
# ("write to sync socket"). The containers here have no PID namespace.
# It is built without CRIU (no "+CRIU" in crun --version), so there is
# no "crun checkpoint"; criu.sh tests CRIU itself.

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/ct_clocks.sh"

here=$(cd "$(dirname "$0")" && pwd)
MONO=86400
BOOT=172800
CRUN="crun --cgroup-manager=disabled"

plan 14

# crun wants cgroup2 at /sys/fs/cgroup even with no cgroup manager.
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup

# A rootfs of busybox and ct_clocks, both static.
b=$(mktemp -d)
mkdir -p "$b"/rootfs/{bin,proc,dev,tmp}
cp /bin/busybox "$here/ct_clocks" "$b/rootfs/bin/"
for a in sh cat sleep; do
	ln -s busybox "$b/rootfs/bin/$a"
done

# spec OFFSETS ARGS...: config.json for a container in a time namespace
# (and mount, ipc, uts), with OFFSETS ("none" or "MONO BOOT") given both
# ways, annotation and spec field.
spec()
{
	local off=$1

	shift
	python3 - "$b/config.json" "$off" "$@" <<'EOF'
import json
import os
import sys

path, off, args = sys.argv[1], sys.argv[2], sys.argv[3:]
spec = {
	'ociVersion': '1.0.0',
	'process': {'terminal': False, 'user': {'uid': 0, 'gid': 0},
		    'args': args, 'env': ['PATH=/bin'], 'cwd': '/'},
	'root': {'path': 'rootfs', 'readonly': True},
	'hostname': 'timens',
	'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},
		   {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs'}],
	'linux': {'namespaces': [{'type': t} for t in
				 ('mount', 'ipc', 'uts', 'time')]},
}
uid = os.environ.get('ROOTLESS_UID')
if uid:
	spec['linux']['namespaces'].append({'type': 'user'})
	spec['linux']['uidMappings'] = [{'containerID': 0, 'hostID': int(uid), 'size': 1}]
	spec['linux']['gidMappings'] = [{'containerID': 0, 'hostID': int(uid), 'size': 1}]
	# Without a PID namespace of its own (see the top), a user
	# namespace may not mount a new proc: bind the host's.
	spec['mounts'][0] = {'destination': '/proc', 'type': 'bind',
			     'source': '/proc', 'options': ['rbind']}
if off != 'none':
	mono, boot = off.split()
	spec['linux']['timeOffsets'] = {
		'monotonic': {'secs': int(mono), 'nanosecs': 0},
		'boottime': {'secs': int(boot), 'nanosecs': 0}}
	spec['annotations'] = {
		'run.oci.timens_offset': f'monotonic {mono} 0\nboottime {boot} 0\n'}
with open(path, 'w') as f:
	json.dump(spec, f, indent=1)
EOF
}

host=$("$here/ct_clocks")
host_vdso=$(ct_get "$host" vdso)
say "host: $(echo $host)"

spec "$MONO $BOOT" /bin/ct_clocks
host=$("$here/ct_clocks")
out=$($CRUN run -b "$b" ct-offsets 2>&1)
status=$?
echo "$out" | sed 's/^/# crun run (offsets): /'
check "crun run: a container with a time namespace and offsets runs" \
	[ $status = 0 -a -n "$(ct_get "$out" ns)" ]
check "crun run: it is in a time namespace of its own" \
	[ -n "$(ct_get "$out" ns)" -a "$(ct_get "$out" ns)" != "$(ns_inode self)" ]
check "crun run: its offsets are the configured ones" \
	[ "$(ct_offsets "$out")" = "$MONO/$BOOT" ]
check "crun run: vDSO and system call clocks and /proc/uptime are shifted" \
	ct_shifted "$out" $MONO $BOOT
check "crun run: the container runs the time namespace vDSO image" \
	[ -n "$(ct_get "$out" vdso)" -a "$(ct_get "$out" vdso)" != "$host_vdso" ]

# A long-running container and a process added with "crun exec".
spec "$MONO $BOOT" /bin/sleep 120
$CRUN run -d -b "$b" ct-exec > /dev/null 2>&1
status=$?
pid=$($CRUN state ct-exec 2>/dev/null | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
say "crun run -d: status $status, pid ${pid:-none}"
check "crun run -d: a detached container with offsets starts" \
	[ $status = 0 -a -n "$pid" ]
host=$("$here/ct_clocks")
out=$($CRUN exec ct-exec /bin/ct_clocks 2>&1)
status=$?
echo "$out" | sed 's/^/# crun exec: /'
check "crun exec: runs in the container's time namespace" \
	[ $status = 0 -a -n "$pid" -a "$(ct_get "$out" ns)" = "$(ns_inode "$pid")" ]
check "crun exec: it sees the container's shifted clocks" \
	ct_shifted "$out" $MONO $BOOT
out2=$($CRUN exec ct-exec /bin/ct_clocks 2>&1)
status=$?
check "crun exec: a second exec joins the same namespace (no EACCES)" \
	[ $status = 0 -a -n "$(ct_get "$out2" ns)" -a "$(ct_get "$out2" ns)" = "$(ct_get "$out" ns)" ]
$CRUN kill ct-exec KILL > /dev/null 2>&1
sleep 1
$CRUN delete -f ct-exec > /dev/null 2>&1

# The private namespace without offsets that engines now default to.
spec none /bin/ct_clocks
host=$("$here/ct_clocks")
out=$($CRUN run -b "$b" ct-zero 2>&1)
status=$?
echo "$out" | sed 's/^/# crun run (no offsets): /'
check "crun run, no offsets: a time namespace of its own, offsets zero" \
	[ $status = 0 -a -n "$(ct_get "$out" ns)" -a "$(ct_get "$out" ns)" != "$(ns_inode self)" -a \
	  "$(ct_offsets "$out")" = "0/0" ]
check "crun run, no offsets: its clocks are the host's" \
	ct_shifted "$out" 0 0
check "crun run, no offsets: it runs the host's vDSO image, byte for byte" \
	[ "$(ct_get "$out" vdso)" = "$host_vdso" ]

# Rootless: the same container started by an unprivileged user, crun
# making a user namespace that maps that user to root, with its own
# state directory. Without a PID namespace (see the top) it may not
# mount a proc of its own, so it binds the host's.
chmod 755 "$b"
mkdir -p /tmp/crun-rootless
chown 65534:65534 /tmp/crun-rootless
ROOTLESS_UID=65534 spec "$MONO $BOOT" /bin/ct_clocks
chmod 644 "$b/config.json"
host=$("$here/ct_clocks")
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	env XDG_RUNTIME_DIR=/tmp/crun-rootless \
	crun --cgroup-manager=disabled --root /tmp/crun-rootless/crun \
	run -b "$b" ct-rootless 2>&1)
status=$?
echo "$out" | sed 's/^/# crun run (rootless): /'
check "crun run, rootless: an unprivileged user's container with offsets runs" \
	[ $status = 0 -a -n "$(ct_get "$out" ns)" -a "$(ct_get "$out" ns)" != "$(ns_inode self)" -a \
	  "$(ct_offsets "$out")" = "$MONO/$BOOT" ]
check "crun run, rootless: its clocks are shifted" \
	ct_shifted "$out" $MONO $BOOT

rm -rf "$b" /tmp/crun-rootless
finish
