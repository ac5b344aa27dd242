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

# ct_offsets OUTPUT: the monotonic and boottime offsets' seconds, as
# MONO/BOOT, from the offsets line (timens_offsets on one line).
ct_offsets()
{
	echo "$(ct_get "$1" offsets 2)/$(ct_get "$1" offsets 5)"
}

# ct_num OUTPUT KEY N WHO: the field, if it is an integer; else say
# what is missing and fail.
ct_num()
{
	local v

	v=$(ct_get "$1" "$2" "$3")
	case $v in
	''|-|*[!0-9-]*)
		# Said on stderr: the caller reads stdout into a variable.
		say "expected a number in field $3 of the $2 line of $4, got '$v'" >&2
		return 1;;
	esac
	echo "$v"
}

# ct_shifted OUTPUT MONO BOOT: monotonic and boottime, from the vDSO
# and the system call, and /proc/uptime, are the host's (from $host)
# plus MONO and BOOT seconds, to within a minute after.
ct_shifted()
{
	local h_mono h_boot m1 m2 b1 b2 up v

	h_mono=$(ct_num "$host" monotonic 1 "the host") &&
	h_boot=$(ct_num "$host" boottime 1 "the host") &&
	m1=$(ct_num "$1" monotonic 1 "the container") &&
	m2=$(ct_num "$1" monotonic 2 "the container") &&
	b1=$(ct_num "$1" boottime 1 "the container") &&
	b2=$(ct_num "$1" boottime 2 "the container") &&
	up=$(ct_num "$1" uptime 1 "the container") || return 1
	h_mono=$((h_mono / 1000000000))
	h_boot=$((h_boot / 1000000000))
	for v in $((m1 / 1000000000 - $2)) $((m2 / 1000000000 - $2)); do
		within "$v" "$h_mono" $((h_mono + 60)) ||
			{ say "expected monotonic - $2 s in [host, host + 60 s], got $v s, host $h_mono s"; return 1; }
	done
	for v in $((b1 / 1000000000 - $3)) $((b2 / 1000000000 - $3)) \
		 $((up - $3)); do
		within "$v" $((h_boot - 1)) $((h_boot + 60)) ||
			{ say "expected boottime/uptime - $3 s in [host, host + 60 s], got $v s, host $h_boot s"; return 1; }
	done
}
