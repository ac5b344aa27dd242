# SPDX-License-Identifier: GPL-2.0
#
# What the container runtimes' tests read of ct_clocks' output: source
# it after tap.sh, and read the host's output into $host just before
# the container's.

# ct_get OUTPUT KEY [N]: field N (default 1) after KEY in the output.
ct_get()
{
	echo "$1" | awk -v k="$2" -v n="${3:-1}" '$1 == k { print $(n + 1); exit }'
}

# ct_shifted OUTPUT MONO BOOT: monotonic and boottime, from the vDSO
# and the system call, and /proc/uptime, are the host's (from $host)
# plus MONO and BOOT seconds, to within a minute after.
ct_shifted()
{
	local h_mono h_boot v k

	for k in monotonic boottime uptime; do
		[ -n "$(ct_get "$1" $k)" ] ||
			{ say "expected a $k line, got none"; return 1; }
	done
	h_mono=$(( $(ct_get "$host" monotonic) / 1000000000 ))
	h_boot=$(( $(ct_get "$host" boottime) / 1000000000 ))
	for v in $(( $(ct_get "$1" monotonic) / 1000000000 - $2 )) \
		 $(( $(ct_get "$1" monotonic 2) / 1000000000 - $2 )); do
		within "$v" "$h_mono" $((h_mono + 60)) ||
			{ say "expected monotonic - $2 s in [host, host + 60 s], got $v s, host $h_mono s"; return 1; }
	done
	for v in $(( $(ct_get "$1" boottime) / 1000000000 - $3 )) \
		 $(( $(ct_get "$1" boottime 2) / 1000000000 - $3 )) \
		 $(( $(ct_get "$1" uptime) - $3 )); do
		within "$v" $((h_boot - 1)) $((h_boot + 60)) ||
			{ say "expected boottime/uptime - $3 s in [host, host + 60 s], got $v s, host $h_boot s"; return 1; }
	done
}
