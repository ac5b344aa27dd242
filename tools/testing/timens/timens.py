#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# One entry point for the time namespace series' harness; the top-level
# Makefile calls it. Each job lives in its own module:
#   deps.py   Debian packages      tree.py   base, strip, work tree, export
#   build.py  config and kernel    vm.py     QEMU runner
#   tap.py    TAP parsing          check.py  the test suites
#   each.py   make series BUILD_EACH/BOOT_EACH
#   bench.py  make bench           users/    util-linux, CRIU, containers

import argparse
import fcntl
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
import build  # noqa: E402
import check  # noqa: E402
import deps  # noqa: E402
import each  # noqa: E402
import tree  # noqa: E402
import vm  # noqa: E402
from util import Fail, KERNELS, BUILD  # noqa: E402

DEMO = r'''
echo "kernel: $(uname -r)"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "uptime: $(cut -d' ' -f1 /proc/uptime) s"
if [ -e /proc/self/ns/time ]; then
	echo "time namespace: $(readlink /proc/self/ns/time)"
	unshare --time --fork --boottime 86400 cat /proc/uptime | \
		sed 's/^\([^ ]*\).*/uptime in a time namespace 1 day ahead: \1 s/'
else
	echo "time namespace: none in this kernel"
fi
'''


def lock_checkout(job):
	"""One job at a time per checkout: two would share build/ and can
	wipe each other's work tree. Held until the process exits."""
	os.makedirs(BUILD, exist_ok=True)
	path = os.path.join(BUILD, '.lock')
	fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
	try:
		fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
	except BlockingIOError:
		holder = os.pread(fd, 200, 0).decode(errors='replace').strip()
		raise Fail(f'another job ({holder or "unknown"}) is running in '
			   'this checkout; wait for it to end, or stop it, and retry')
	os.ftruncate(fd, 0)
	os.pwrite(fd, f'make {job}, pid {os.getpid()}\n'.encode(), 0)
	return fd


def main():
	ap = argparse.ArgumentParser(prog='timens.py')
	ap.add_argument('job', choices=['deps', 'prepare', 'build', 'run', 'check',
					'bench', 'export', 'reset-tree', 'series'])
	ap.add_argument('--kernel', default='ours', choices=KERNELS)
	ap.add_argument('--cmd', default='')
	ap.add_argument('--kvm', action='store_true')
	ap.add_argument('--timeout', type=int, default=600)
	ap.add_argument('--verbose', action='store_true')
	ap.add_argument('--cpu-only', action='store_true',
			help='bench: only the real-CPU figures, printed, no guests')
	ap.add_argument('--build-each', action='store_true',
			help='series: build the kernel at every patch')
	ap.add_argument('--boot-each', action='store_true',
			help='series: with --build-each, boot every step too')
	ap.add_argument('--from', dest='first', type=int, default=1,
			help='series: with --build-each, start at this patch')
	a = ap.parse_args()
	try:
		if a.job != 'deps':
			lock_checkout('run' if a.job == 'run' else a.job)
		if a.job != 'export':
			deps.ensure()
		if a.job == 'deps':
			return 0
		if a.job == 'prepare':
			tree.prepare(a.kernel)
		elif a.job == 'build':
			build.build(a.kernel)
		elif a.job == 'run':
			image = build.build(a.kernel)
			status, _ = vm.run_in_guest(image, a.cmd or DEMO, kvm=a.kvm,
						    timeout=a.timeout,
						    verbose=a.verbose)
			return status
		elif a.job == 'check':
			return check.main(a)
		elif a.job == 'bench':
			return bench.main(a)
		elif a.job == 'export':
			tree.export()
		elif a.job == 'reset-tree':
			tree.reset_ours()
		elif a.job == 'series':
			scratch, _ = tree.format_series(os.path.join(tree.BUILD, 'series'))
			if a.build_each:
				each.build_each(scratch, boot=a.boot_each,
						first=a.first, timeout=a.timeout)
			elif a.boot_each:
				raise Fail('BOOT_EACH=1 goes with BUILD_EACH=1')
	except Fail as e:
		print(f'timens: error: {e}', file=sys.stderr)
		return 2
	return 0


if __name__ == '__main__':
	sys.exit(main())
