# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell tests of real users: source it, call "plan N", then
# "pass"/"fail" with a description once per test, and "finish" last.
# Whatever a test checked is printed as a "#" line before its result.

tap_count=0
tap_failed=0

plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

say()
{
	echo "# $*"
}

pass()
{
	tap_count=$((tap_count + 1))
	echo "ok $tap_count $*"
}

fail()
{
	tap_count=$((tap_count + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count $*"
}

# check DESCRIPTION COMMAND...: the command's status is the result.
check()
{
	local what=$1

	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
	fi
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH, integers.
within()
{
	[ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# The first field of /proc/uptime, in whole seconds.
uptime_s()
{
	local up

	read -r up _ < /proc/uptime
	echo "${up%.*}"
}

ns_inode()
{
	stat -L -c %i "/proc/$1/ns/time"
}

finish()
{
	[ "$tap_failed" -eq 0 ]
	exit $?
}
