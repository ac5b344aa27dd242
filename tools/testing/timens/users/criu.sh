#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CRIU on our kernel: the kernel passes "criu check" and CRIU sees time
# namespaces; a process in a time namespace with offsets, and one on the
# host, are checkpointed, left dumped for a few seconds and restored, and
# neither CLOCK_MONOTONIC nor CLOCK_BOOTTIME goes backward across it.

. "$(dirname "$0")/tap.sh"

here=$(cd "$(dirname "$0")" && pwd)
MONO=86400
BOOT=172800
DOWN=3		# seconds between dump and restore

plan 12

out=$(criu check 2>&1)
status=$?
echo "$out" | sed 's/^/# criu check: /'
check "criu check: the kernel has everything CRIU needs" \
	[ $status = 0 -a "$(echo "$out" | tail -1)" = "Looks good." ]
out=$(criu check --feature timens 2>&1)
status=$?
echo "$out" | sed 's/^/# criu check --feature timens: /'
check "criu check --feature timens: supported" \
	[ $status = 0 -a "$(echo "$out" | tail -1)" = "timens is supported" ]

# Images, logs and the program on the guest's tmpfs: CRIU restores what
# it dumped by path, and the root file system is read-only.
work=$(mktemp -d /run/criu.XXXXXX)
cp "$here/clock_loop" "$here/spawn_clocks" "$work/"
cd "$work" || exit 1

host_monotonic()
{
	"$work/spawn_clocks" --child | awk '{ print $2 }'
}

wait_lines()	# FILE N: until FILE has at least N lines
{
	for _ in $(seq 200); do
		[ "$(wc -l < "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# checkpoint NAME COMMAND...: start COMMAND (it runs clock_loop), dump it,
# wait, restore it; leaves the readings in NAME.log, its pid in $pid.
checkpoint()
{
	local name=$1 lines

	shift
	# Readings only in the log: what else is said (unshare reports its
	# child's death at the dump) goes to NAME.err.
	"$@" "$work/$name.pid" >> "$work/$name.log" 2>> "$work/$name.err" \
		< /dev/null &
	wait_lines "$work/$name.log" 10 || { say "$name: no readings"; return 1; }
	pid=$(cat "$work/$name.pid")
	say "$name: pid $pid, time namespace $(ns_inode "$pid")" \
		"(host $(ns_inode self)), offsets:" $(cat "/proc/$pid/timens_offsets")
	mkdir "$work/$name.img"
	if ! criu dump -t "$pid" -D "$work/$name.img" -o dump.log -v4; then
		say "$name: criu dump failed:"
		tail -20 "$work/$name.img/dump.log" | sed 's/^/#   /'
		return 1
	fi
	wait
	lines=$(wc -l < "$work/$name.log")
	before=$(tail -1 "$work/$name.log")
	say "$name: dumped; last reading before the dump: $before"
	sleep $DOWN
	if ! criu restore -D "$work/$name.img" -o restore.log -v4 -d; then
		say "$name: criu restore failed:"
		tail -20 "$work/$name.img/restore.log" | sed 's/^/#   /'
		return 1
	fi
	wait_lines "$work/$name.log" $((lines + 10)) ||
		{ say "$name: no readings after restore"; return 1; }
	after=$(sed -n "$((lines + 1))p" "$work/$name.log")
	say "$name: restored; first reading after: $after"
	say "$name: restored into time namespace $(ns_inode "$pid"), offsets:" \
		$(cat "/proc/$pid/timens_offsets")
}

# continuity NAME: the readings go on from where the dump left them.
continuity()
{
	local name=$1 s0 m0 b0 s1 m1 b1

	read -r s0 m0 b0 <<< "$before"
	read -r s1 m1 b1 <<< "$after"
	check "$name: the restored process goes on with the next reading" \
		[ "$s1" = "$((s0 + 1))" ]
	check "$name: CLOCK_MONOTONIC did not go backward ($m0 -> $m1)" \
		[ "$m1" -ge "$m0" ]
	check "$name: CLOCK_BOOTTIME did not go backward ($b0 -> $b1)" \
		[ "$b1" -ge "$b0" ]
}

# offsets_in_force NAME: the restored process runs in a time namespace of
# its own, with the offsets CRIU wrote, and its clock is host + offset.
offsets_in_force()
{
	local name=$1 mono_off host mono off_s off_ns

	check "$name: restored into a time namespace, not the host's" \
		[ "$(ns_inode "$pid")" != "$(ns_inode self)" ]
	read -r _ off_s off_ns <<< "$(grep "^monotonic" "/proc/$pid/timens_offsets")"
	mono_off=$((off_s * 1000000000 + off_ns))
	mono=$(tail -1 "$work/$name.log" | awk '{ print $2 }')
	host=$(host_monotonic)
	say "$name: last reading $mono, host $host afterwards, monotonic" \
		"offset ${mono_off} ns"
	# The reading is older than the host's by at most a tick or two.
	check "$name: its CLOCK_MONOTONIC is the host's plus the offset CRIU wrote" \
		within "$(((mono - host - mono_off) / 1000000))" -2000 100
}

pid=
if checkpoint in-ns unshare --time --monotonic $MONO --boottime $BOOT \
		--fork "$work/clock_loop"; then
	continuity in-ns
	offsets_in_force in-ns
else
	for _ in $(seq 5); do fail "in-ns: checkpoint and restore"; done
fi
[ -n "$pid" ] && kill "$pid" 2>/dev/null

pid=
if checkpoint host "$work/clock_loop"; then
	continuity host
	offsets_in_force host
else
	for _ in $(seq 5); do fail "host: checkpoint and restore"; done
fi
[ -n "$pid" ] && kill "$pid" 2>/dev/null

cd /
rm -rf "$work"
finish
