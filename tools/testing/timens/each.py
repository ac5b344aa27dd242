# SPDX-License-Identifier: GPL-2.0
#
# make series BUILD_EACH=1 [BOOT_EACH=1] [FROM=N]: every step of the
# mailed series (build/mail/linux) built twice, with CONFIG_TIME_NS=y
# wherever the symbol exists (COMPILE_TEST=y before x86 selects
# ARCH_HAS_VDSO_TIME_NS) into build/mail/out and with it off into
# build/mail-notime/out; with BOOT_EACH each of the two is booted and
# runs the timens selftests present at that step, or, before the
# selftests patch, a smoke test of the namespace's system calls.

import os

import build
import tap
import tree
import vm
from tap import PASS
from util import Fail, note, makefile_programs, is_realtime

# Before the selftests exist: the guest boots, and with TIME_NS a task
# can make a time namespace and be born in it.
SMOKE = r'''
uname -r
if [ "$TIMENS_EXPECT" = on ]; then
	unshare --time --fork true || { echo "unshare --time failed"; exit 1; }
	echo "unshare --time: ok"
else
	if unshare --time --fork true 2>/dev/null; then
		echo "unshare --time works without CONFIG_TIME_NS"; exit 1
	fi
	echo "unshare --time: refused, as it must be"
fi
'''


# With CONFIG_TIME_NS_REALTIME, before its selftests exist: a namespace
# with a realtime offset a year ahead shows that date.
REALTIME_SMOKE = r'''
uname -r
host=$(date +%s)
ns=$(python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x80):
	raise SystemExit("unshare: " + os.strerror(ctypes.get_errno()))
with open("/proc/self/timens_offsets", "w") as f:
	f.write("realtime 31536000 0\n")
os.execvp("date", ["date", "+%s"])
') || exit 1
echo "date: $ns in a namespace a year ahead, $host on the host"
d=$((ns - host - 31536000))
[ "$d" -ge 0 ] && [ "$d" -le 10 ]
'''


def boot_step(kernel, time_ns, timeout):
	"""Boot @kernel at the step its tree is at; returns (what ran, what
	failed)."""
	tests = os.path.join(tree.tree_dir(kernel), 'tools/testing/selftests/timens')
	# CONFIG_TIME_NS_REALTIME's own tests on the kernel with it, the
	# others on the kernel without (where those SKIP).
	progs = []
	if time_ns and os.path.isdir(tests):
		progs = [p for p in makefile_programs(os.path.join(tests, 'Makefile'))
			 if is_realtime(p) == kernel.endswith('-realtime')]
	if progs:
		d = build.selftests(kernel, 'timens')
		status, output = vm.run_in_guest(build.bzimage(kernel),
						 tap.guest_script(progs, d),
						 timeout=timeout, out=open(os.devnull, 'w'))
		bad = [f'{name}{": " + detail if detail else ""}'
		       for st, name, detail in tap.parse(output, progs, kernel)
		       if st != PASS]
		if status in (vm.HUNG, vm.PANICKED):
			bad.append(f'guest status {status}')
		return f'{len(progs)} selftest programs', bad
	script = f'export TIMENS_EXPECT={"on" if time_ns else "off"}\n{SMOKE}'
	if kernel.endswith('-realtime'):
		script = REALTIME_SMOKE
	status, output = vm.run_in_guest(build.bzimage(kernel), script,
					 timeout=timeout, out=open(os.devnull, 'w'))
	return 'the smoke test', [] if status == 0 else \
		[f'smoke test: status {status}: {output.strip().splitlines()[-1:]}']


def build_each(scratch, boot=False, first=1, timeout=600):
	"""Build (and boot) every step of the series from patch @first on."""
	steps = list(tree.series_steps(scratch))
	if not 1 <= first <= len(steps):
		raise Fail(f'FROM={first}: the series has patches 1 to {len(steps)}')
	failed = []
	try:
		for n, c, subject in steps[first - 1:]:
			tree.git(scratch, 'checkout', '-q', '--detach', c)
			note(f'patch {n}/{len(steps)}: {subject}')
			# With the opt-in realtime offsets once the option exists.
			kernels = ['mail', 'mail-notime']
			if build.symbol_exists('mail', 'TIME_NS_REALTIME'):
				kernels.append('mail-realtime')
			for kernel in kernels:
				try:
					on = build.build_step(kernel)
				except Fail as e:
					failed.append(f'{n} {kernel}: build: {e}')
					continue
				if not boot:
					continue
				what, bad = boot_step(kernel, on, timeout)
				failed += [f'{n} {kernel}: {b}' for b in bad]
				note(f'patch {n} {kernel} (TIME_NS={"y" if on else "n"}): '
				     f'{what}: {"passed" if not bad else "FAILED"}')
	finally:
		tree.git(scratch, 'checkout', '-q', 'mail')
	if failed:
		raise Fail(f'{len(failed)} failures: ' + '; '.join(failed[:5]))
	note(f'patches {first} to {len(steps)} built'
	     f'{" and booted" if boot else ""}, with TIME_NS=y and without '
	     '(and with TIME_NS_REALTIME=y where it exists)')
