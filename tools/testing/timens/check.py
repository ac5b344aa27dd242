# SPDX-License-Identifier: GPL-2.0
#
# "make check": every suite, one result per test, and the closing line
#   N passed, M failed, K skipped

import glob
import os
import re
import subprocess
import sys
import tempfile

import build
import strip
import tap
import tree
import vm
from tap import PASS, FAIL, SKIP
from util import Fail, REPO, BUILD, run, note

HERE = os.path.dirname(os.path.abspath(__file__))


class Results:
	def __init__(self):
		self.items = []

	def add(self, status, name, detail=''):
		self.items.append((status, name, detail))
		line = f'{status} {name}' + (f': {detail}' if detail else '')
		print(line, flush=True)

	def extend(self, items):
		for i in items:
			self.add(*i)

	def count(self, status):
		return sum(1 for s, _, _ in self.items if s == status)


# -- the strip check -----------------------------------------------------

def built_sources(kernel):
	"""Files of @kernel's tree that its build compiled, included, linked
	or configured from: from kbuild's .cmd files and Kconfig deps."""
	src = tree.tree_dir(kernel)
	out = build.out_dir(kernel)
	files = set()
	pathrx = re.compile(r'(?:^|\s)(/?[\w./+-]+\.(?:c|h|S|lds|lds\.S|inc))\b')
	cmds = glob.glob(os.path.join(out, '**', '.*.cmd'), recursive=True)
	for cmd in cmds:
		with open(cmd, errors='replace') as f:
			for m in pathrx.finditer(f.read()):
				# kbuild runs in the object tree: relative
				# paths are relative to it.
				p = os.path.normpath(os.path.join(out, m.group(1)))
				if p.startswith(src + '/') and os.path.isfile(p):
					files.add(p[len(src) + 1:])
		rel = os.path.relpath(os.path.dirname(cmd), out)
		for mk in ('Makefile', 'Kbuild'):
			if os.path.exists(os.path.join(src, rel, mk)):
				files.add(os.path.normpath(os.path.join(rel, mk)))
	with open(os.path.join(out, 'include/config/auto.conf.cmd')) as f:
		for tok in f.read().split():
			if 'Kconfig' in tok and os.path.exists(os.path.join(src, tok)):
				files.add(tok)
	return sorted(files), len(cmds)


def vmlinux_symbols(kernel):
	r = run(['nm', os.path.join(build.out_dir(kernel), 'vmlinux')],
		capture=True)
	return [l.split()[-1] for l in r.stdout.splitlines()]


def check_strip(res):
	files, ncmd = built_sources('stripped')
	if ncmd < 1000 or len(files) < 1000:
		res.add(FAIL, 'strip: built file list', f'only {len(files)} files '
			f'from {ncmd} .cmd files; is the stripped build complete?')
		return
	left = strip.leftovers(tree.tree_dir('stripped'), files)
	if left:
		for p, n, l in left[:10]:
			print(f'  {p}:{n}: {l.strip()}')
		res.add(FAIL, 'strip: no time namespace identifier in the x86-64 build',
			f'{len(left)} mentions left')
	else:
		res.add(PASS, 'strip: no time namespace identifier in the x86-64 build',
			f'{len(files)} files scanned')
	for rel in strip.REMOVED_PATHS:
		if os.path.exists(os.path.join(tree.tree_dir('stripped'), rel)):
			res.add(FAIL, f'strip: {rel} removed')
			break
	else:
		res.add(PASS, 'strip: upstream time namespace files removed')
	syms = [s for s in vmlinux_symbols('stripped') if strip.CATCH_ALL.search(s)]
	res.add(FAIL if syms else PASS, 'strip: no time namespace symbol in vmlinux',
		', '.join(syms[:5]))
	with open(os.path.join(build.out_dir('stripped'), '.config')) as f:
		cfg = [l.strip() for l in f if re.search(r'\bCONFIG_\w*TIME_NS\b', l)]
	res.add(FAIL if cfg else PASS, 'strip: no TIME_NS symbol in .config',
		', '.join(cfg))
	# The same scan must find upstream's code in the reference build, or
	# it proves nothing.
	ufiles, _ = built_sources('upstream')
	uleft = strip.leftovers(tree.tree_dir('upstream'), ufiles)
	hit = {p for p, _, _ in uleft}
	want = {'kernel/time/namespace.c', 'lib/vdso/gettimeofday.c',
		'arch/x86/entry/vdso/vma.c', 'kernel/nsproxy.c'}
	res.add(PASS if want <= hit else FAIL,
		'strip: the same scan finds upstream time namespace in the reference build',
		f'{len(uleft)} mentions in {len(hit)} files' if want <= hit else
		f'missed {", ".join(sorted(want - hit))}')


# -- guest suites --------------------------------------------------------

def guest(kernel, command, timeout=600):
	"""Run @command in a guest of @kernel; output is kept, not streamed."""
	with open(os.devnull, 'w') as null:
		return vm.run_in_guest(build.bzimage(kernel), command,
				       timeout=timeout, out=null)


def run_suite(res, kernel, suite, directory, programs, timeout=900):
	status, output = guest(kernel, tap.guest_script(programs, directory),
			       timeout=timeout)
	log = os.path.join(BUILD, kernel, f'{suite}.log')
	with open(log, 'w') as f:
		f.write(output)
	results = tap.parse(output, programs, f'{kernel}:{suite}')
	if status in (vm.HUNG, vm.PANICKED):
		results.append((FAIL, f'{kernel}:{suite}', f'guest failed (status '
				f'{status}); console in {os.path.relpath(log, REPO)}'))
	res.extend(results)


def check_no_timens(res, kernel):
	"""The stripped kernel boots and has no time namespace."""
	src = tree.tree_dir(kernel)
	outdir = os.path.join(BUILD, kernel, 'probe')
	os.makedirs(outdir, exist_ok=True)
	exe = os.path.join(outdir, 'no_timens')
	run(build.make_cmd(kernel, 'headers'), env=build.make_env())
	run(['gcc', '-O2', '-Wall', '-Werror', '-o', exe,
	     '-I', os.path.join(src, 'tools/testing/selftests'),
	     '-isystem', os.path.join(build.out_dir(kernel), 'usr/include'),
	     os.path.join(HERE, 'tests', 'no_timens.c')])
	run_suite(res, kernel, 'boot', outdir, ['no_timens'], timeout=300)


def check_runner(res):
	"""The VM runner gives back output and exit status, on a TSC."""
	status, out = guest('ours', 'uname -r; cat /proc/uptime; '
			    'cat /sys/devices/system/clocksource/clocksource0/'
			    'current_clocksource; exit 3', timeout=300)
	lines = out.split()
	ok = status == 3 and len(lines) >= 4 and lines[0].startswith('6.1.') and \
	     re.match(r'^\d+\.\d+$', lines[1])
	res.add(PASS if ok else FAIL, 'vm: command output and exit status come back',
		f'status {status}, output {" ".join(lines[:4])!r}')
	res.add(PASS if 'tsc' in lines[3:4] else FAIL,
		'vm: guest clocksource is the TSC (vDSO fast path)',
		' '.join(lines[3:4]))


def upstream_selftests(kernel):
	"""Build the base package's timens selftests against @kernel."""
	src = tree.tree_dir('upstream')
	with open(os.path.join(src, 'tools/testing/selftests/timens/Makefile')) as f:
		mk = f.read()
	progs = re.search(r'^TEST_GEN_PROGS\s*:?=\s*(.*)$', mk, re.M).group(1).split()
	run(build.make_cmd(kernel, "headers"), env=build.make_env())
	dest = os.path.join(BUILD, kernel, 'kselftest', 'timens-upstream')
	os.makedirs(dest, exist_ok=True)
	run(['make', '-s', '-C', os.path.join(src, 'tools/testing/selftests/timens'),
	     f'OUTPUT={dest}',
	     f'KHDR_INCLUDES=-isystem {build.out_dir(kernel)}/usr/include'],
	    env=build.make_env())
	return dest, progs


def check_style(res):
	"""checkpatch.pl --strict from the base tree: every patch, every new
	C file, header and script of the series and of the harness tests."""
	checkpatch = os.path.join(tree.tree_dir('stripped'), 'scripts/checkpatch.pl')
	files = [f for f in tree.overlay_files() if f.endswith(('.c', '.h', '.S'))]
	files += [os.path.relpath(f, REPO) for f in
		  sorted(glob.glob(os.path.join(HERE, 'tests', '*.[ch]')))]
	# Run outside any git checkout: in one, checkpatch checks a tracked
	# .patch file as if it were source, and leaves a cache file behind.
	with tempfile.TemporaryDirectory() as tmp:
		for f in files:
			r = run([checkpatch, '--strict', '--no-tree', '--quiet',
				 '--no-summary', '-f', os.path.join(REPO, f)],
				cwd=tmp, check=False, capture=True)
			res.add(PASS if r.returncode == 0 else FAIL,
				f'checkpatch: {f}',
				r.stdout.strip().splitlines()[0] if r.returncode else '')
		for p in tree.series():
			r = run([checkpatch, '--strict', '--no-tree', '--quiet',
				 '--no-summary', p], cwd=tmp, check=False, capture=True)
			res.add(PASS if r.returncode == 0 else FAIL,
				f'checkpatch: patches/{os.path.basename(p)}',
				r.stdout.strip().splitlines()[0] if r.returncode else '')


def has_time_ns(kernel):
	with open(os.path.join(build.out_dir(kernel), '.config')) as f:
		return 'CONFIG_TIME_NS=y\n' in f.read()


def our_selftests(res):
	"""tools/testing/selftests/timens of the series, on our kernel."""
	mk = os.path.join(REPO, 'tools/testing/selftests/timens/Makefile')
	if not os.path.exists(mk):
		res.add(FAIL, 'ours:selftests', 'tools/testing/selftests/timens is missing')
		return
	with open(mk) as f:
		progs = re.search(r'^TEST_GEN_PROGS\s*:?=\s*((?:.*\\\n)*.*)$', f.read(),
				  re.M).group(1).replace('\\\n', ' ').split()
	d = build.selftests('ours', 'timens')
	run_suite(res, 'ours', 'selftests', d, progs)


def main(args):
	res = Results()
	for k in ('stripped', 'upstream', 'ours', 'ours-notime'):
		build.build(k)
	check_style(res)
	check_strip(res)
	check_no_timens(res, 'stripped')
	check_runner(res)
	d, progs = upstream_selftests('upstream')
	run_suite(res, 'upstream', 'upstream-selftests', d, progs)
	if has_time_ns('ours'):
		our_selftests(res)
		d, progs = upstream_selftests('ours')
		run_suite(res, 'ours', 'upstream-selftests', d, progs)
	else:
		res.add(FAIL, 'ours: CONFIG_TIME_NS', 'our kernel has no time namespace')
	# Configured out, the series must leave the stripped base's behaviour.
	check_no_timens(res, 'ours-notime')
	print(f'{res.count(PASS)} passed, {res.count(FAIL)} failed, '
	      f'{res.count(SKIP)} skipped')
	return 1 if res.count(FAIL) or res.count(SKIP) else 0
