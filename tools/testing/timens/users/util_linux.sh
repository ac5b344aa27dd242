#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# util-linux's time namespace commands on our kernel: unshare --time with
# offsets, nsenter --time into a running process, lsns --type time.

. "$(dirname "$0")/tap.sh"

MONO=86400	# one day
BOOT=172800	# two days

plan 9

host_up=$(uptime_s)
out=$(unshare --time --monotonic $MONO --boottime $BOOT --fork \
	sh -c 'cat /proc/self/timens_offsets; cat /proc/uptime')
say "unshare --time --monotonic $MONO --boottime $BOOT --fork:" $out
ns_up=$(echo "$out" | awk 'NR == 3 { sub(/\..*/, "", $1); print $1 }')
check "unshare: /proc/uptime shifted by the boottime offset" \
	within "$((ns_up - host_up))" $((BOOT - 1)) $((BOOT + 5))
check "unshare: timens_offsets holds both offsets" \
	[ "$(echo "$out" | head -2 | tr -s ' \n' ' ')" = "monotonic $MONO 0 boottime $BOOT 0 " ]

mono=$(unshare --time --monotonic $MONO --fork \
	awk '{ print int($1) }' /proc/uptime)
say "unshare --monotonic alone: uptime $mono, host $host_up"
check "unshare: a monotonic offset leaves uptime (boottime) alone" \
	within "$((mono - host_up))" -1 5

work=$(mktemp -d)
chmod 777 "$work"

# hold NAME COMMAND...: start COMMAND (an unshare) in the background with
# a sleep inside its namespaces; $holder is the unshare, $target the sleep.
hold()
{
	local name=$1

	shift
	"$@" sh -c "echo \$\$ > $work/$name; exec sleep 600" &
	holder=$!
	for _ in $(seq 100); do
		[ -s "$work/$name" ] && break
		sleep 0.1
	done
	target=$(cat "$work/$name")
}

# A process that lives in a namespace, for nsenter and lsns.
hold pid unshare --time --boottime $BOOT --fork --kill-child
say "holder: pid $target in time namespace $(ns_inode "$target")," \
	"host's is $(ns_inode self)"
check "holder: runs in a time namespace of its own" \
	[ "$(ns_inode "$target")" != "$(ns_inode self)" ]

out=$(nsenter --time --target "$target" \
	sh -c 'stat -L -c %i /proc/self/ns/time; cat /proc/uptime')
say "nsenter --time --target $target:" $out
check "nsenter: joined the target's time namespace" \
	[ "$(echo "$out" | head -1)" = "$(ns_inode "$target")" ]
ns_up=$(echo "$out" | awk 'NR == 2 { sub(/\..*/, "", $1); print $1 }')
check "nsenter: /proc/uptime is the target's" \
	within "$((ns_up - $(uptime_s)))" $((BOOT - 1)) $((BOOT + 5))

out=$(lsns --type time --noheadings --raw --output NS,TYPE,NPROCS,PID,USER,COMMAND)
say "lsns --type time:"
echo "$out" | sed 's/^/#   /'
line=$(echo "$out" | awk -v ns="$(ns_inode "$target")" '$1 == ns')
check "lsns: lists the holder's namespace, type time, owned by root" \
	[ "$(echo "$line" | awk '{ print $2, $4, $5 }')" = "time $target root" ]
check "lsns: lists the initial time namespace" \
	[ -n "$(echo "$out" | awk -v ns="$(ns_inode 1)" '$1 == ns && $2 == "time"')" ]

# Owned by a user namespace an unprivileged user made: lsns names the
# owner namespace's creator.
rholder=$holder rtarget=$target
hold upid setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	unshare --user --map-root-user --time --fork --kill-child
uholder=$holder utarget=$target
out=$(lsns --type time --noheadings --raw --output NS,PID,USER)
line=$(echo "$out" | awk -v ns="$(ns_inode "$utarget")" '$1 == ns')
say "lsns line for the unprivileged namespace: $line"
check "lsns: the unprivileged user's namespace is listed as nobody's" \
	[ "$(echo "$line" | awk '{ print $2, $3 }')" = "$utarget nobody" ]

# unshare --fork blocks SIGTERM for its child's sake: end the sleeps,
# and their unshares exit with them.
kill "$rtarget" "$utarget" 2>/dev/null
wait "$rholder" "$uholder" 2>/dev/null
rm -rf "$work"
finish
