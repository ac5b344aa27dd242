#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real programs, unmodified, in a time namespace with a CLOCK_REALTIME
# offset (CONFIG_TIME_NS_REALTIME): date, openssl's certificate checks
# and a static Go program, the case LD_PRELOAD tricks cannot reach. The
# namespace is made as util-linux's unshare --time makes one, its offset
# written to /proc/self/timens_offsets before the first task enters it.

. "$(dirname "$0")/tap.sh"

YEAR=$((365 * 86400))
dir=$(dirname "$0")

plan 12

# in_ns SEC CMD...: run CMD in a new time namespace whose wall clock is
# the host's plus SEC seconds. util-linux's unshare --time has no
# option for the realtime offset, and after unshare(CLONE_NEWTIME) it
# execs, which enters the namespace and fixes its offsets: the helper
# writes the line in between.
in_ns()
{
	"$dir/realtime_exec" "$@"
}

# has TEXT PATTERN: TEXT holds PATTERN.
has()
{
	echo "$1" | grep -q "$2"
}

host=$(date +%s)
out=$(in_ns $YEAR cat /proc/self/timens_offsets 2>&1)
say "timens_offsets of a namespace a year ahead:" $out
check "timens_offsets: the realtime line is taken and shown" \
	[ "$(echo "$out" | awk '$1 == "realtime" { print $2, $3 }')" = "$YEAR 0" ]

ns=$(in_ns $YEAR date +%s)
say "date +%s: $ns in the namespace, $host on the host"
check "date: a year ahead in the namespace" \
	within "$((ns - host - YEAR))" 0 10
after=$(date +%s)
check "date: the host's clock is untouched" within "$((after - host))" 0 30
sib=$(unshare --time --fork date +%s)
check "date: a sibling namespace without the offset shows the host's" \
	within "$((sib - host))" 0 30

ns=$(in_ns $((-YEAR)) date +%s)
say "date +%s a year back: $ns"
check "date: a year back in the namespace" \
	within "$((host - YEAR - ns))" -10 0

# 2040, past the 32-bit time_t's end.
y2040=2208988800
year=$(in_ns $((y2040 - $(date +%s))) date -u +%Y)
check "date: 2040 in a namespace past 2038 (got $year)" [ "$year" = 2040 ]

out=$(in_ns $YEAR date -s @0 2>&1)
say "date -s in the namespace: $out"
check "date -s: setting the clock is refused in the namespace" \
	has "$out" "Operation not permitted"

# A certificate valid for 30 days from now: it expires between the
# host's time and the namespace's a year ahead, and is not yet valid a
# year back.
work=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=timens \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
checkend="openssl x509 -noout -checkend 0 -in $work/cert.pem"
out=$($checkend)
check "openssl x509 -checkend: valid on the host ($out)" $checkend
out=$(in_ns $YEAR $checkend)
say "a year ahead: $out"
check "openssl x509 -checkend: expired a year ahead" \
	[ "$out" = "Certificate will expire" ]
out=$(in_ns $((-YEAR)) openssl verify -CAfile "$work/cert.pem" \
	"$work/cert.pem" 2>&1)
say "openssl verify a year back: $(echo $out)"
check "openssl verify: not yet valid a year back" \
	has "$out" "not yet valid"
rm -rf "$work"

# time.Now() of a static Go program, from the vDSO.
host=$(date +%s)
ns=$(in_ns $YEAR "$dir/go_now")
say "static Go time.Now(): $ns in the namespace, $host on the host"
check "go: time.Now() a year ahead in the namespace" \
	within "$((ns - host - YEAR))" 0 10
ns=$(in_ns $((y2040 - host)) "$dir/go_now")
check "go: time.Now() past 2038 ($ns)" within "$((ns - y2040))" 0 10

finish
