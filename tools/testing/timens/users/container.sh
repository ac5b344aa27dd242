#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Container-style use: an unprivileged user creates a user namespace and a
# time namespace together, sets the offsets with the CAP_SYS_TIME it holds
# in its own user namespace, starts a shell in it, and a program in that
# shell starts others with posix_spawn().

. "$(dirname "$0")/tap.sh"

here=$(cd "$(dirname "$0")" && pwd)
MONO=86400
BOOT=172800
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"

plan 9

bin=$(mktemp -d)
cp "$here/spawn_clocks" "$bin/"
chmod 755 "$bin" "$bin/spawn_clocks"

out=$($NOBODY unshare --time 2>&1 true)
say "unshare --time as nobody, without a user namespace: $out"
check "unprivileged: a time namespace alone needs CAP_SYS_TIME (EPERM)" \
	eval '[[ "$out" == *"Operation not permitted"* ]]'

host_up=$(uptime_s)
out=$($NOBODY unshare --user --map-root-user --time \
	--monotonic $MONO --boottime $BOOT --fork bash -c '
	echo "uid $(id -u)"
	echo "userns $(stat -L -c %i /proc/self/ns/user)"
	echo "timens $(stat -L -c %i /proc/self/ns/time)"
	echo "uptime $(cut -d. -f1 /proc/uptime)"
	sed "s/^/offsets /" /proc/self/timens_offsets
	echo "monotonic 1 0" 2>/dev/null > /proc/self/timens_offsets
	echo "rewrite $?"
	spawned=$('"$bin"'/spawn_clocks 2>&1)
	echo "spawn $spawned status $?"
' 2>&1)
status=$?
echo "$out" | sed 's/^/# shell: /'
field()
{
	echo "$out" | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'
}
check "unprivileged: unshare --user --map-root-user --time with offsets runs a shell" \
	[ "$status" = 0 -a "$(field uid)" = 0 ]
check "unprivileged: the shell has a user and a time namespace of its own" \
	[ "$(field userns)" != "$(stat -L -c %i /proc/self/ns/user)" -a \
	  "$(field timens)" != "$(ns_inode self)" ]
check "unprivileged: the offsets were set" \
	[ "$(echo "$out" | awk '$1 == "offsets" { printf "%s %s %s ", $2, $3, $4 }')" = \
	  "monotonic $MONO 0 boottime $BOOT 0 " ]
check "unprivileged: /proc/uptime in the shell is shifted by the boottime offset" \
	within "$(($(field uptime) - host_up))" $((BOOT - 1)) $((BOOT + 5))
check "unprivileged: offsets cannot change once the shell is in" \
	[ "$(field rewrite)" != 0 ]
spawn=$(field spawn)
check "posix_spawn: the spawned program runs in the shell's time namespace" \
	eval '[[ "$spawn" == "parent ns $(field timens), child ns $(field timens);"*" status 0" ]]'
mono=$(echo "$spawn" | sed -n 's/.*monotonic \([0-9]*\) <=.*/\1/p')
check "posix_spawn: it reads the namespace's clock (monotonic >= ${MONO}s)" \
	within "$((mono / 1000000000))" $MONO $((MONO + host_up + 60))

# The same, with the shell's programs started the way a runtime's init
# does it: spawned from a process that has already exec'ed in the ns.
out=$($NOBODY unshare --user --map-root-user --time --boottime $BOOT --fork \
	bash -c "exec $bin/spawn_clocks" 2>&1)
say "exec, then posix_spawn: $out"
check "posix_spawn after exec in the namespace: same namespace, same clock" \
	eval '[[ "$out" == "parent ns "*", child ns "*"; monotonic "* ]]'

rm -rf "$bin"
finish
