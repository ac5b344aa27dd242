# SPDX-License-Identifier: GPL-2.0
#
# "make check": every suite, one result per test, and the closing line
#   N passed, M failed, K skipped

import glob
import os
import re
import shutil
import struct
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
		  sorted(glob.glob(os.path.join(HERE, 'tests', '*.[ch]')) +
			 glob.glob(os.path.join(HERE, 'bench', '*.[ch]')) +
			 glob.glob(os.path.join(HERE, 'users', '*.[ch]')) +
			 glob.glob(os.path.join(HERE, 'make', '*.[ch]')))]
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
		# The series as mailed: it applies with git am, and is clean.
		try:
			_, mail = tree.format_series(os.path.join(BUILD, 'series'))
		except Fail as e:
			res.add(FAIL, 'series: make series applies with git am', str(e))
			return
		res.add(PASS, 'series: make series applies with git am',
			f'{len(mail)} patches')
		for p in mail:
			r = run([checkpatch, '--strict', '--no-tree', '--quiet',
				 '--no-summary', p], cwd=tmp, check=False, capture=True)
			res.add(PASS if r.returncode == 0 else FAIL,
				f'checkpatch: series/{os.path.basename(p)}',
				r.stdout.strip().splitlines()[0] if r.returncode else '')


# -- the twin vDSO images -------------------------------------------------

def elf_sections(data):
	"""{name: (addr, offset, size)} of an ELF file's sections."""
	is64 = data[4] == 2
	shoff, = struct.unpack_from('<Q' if is64 else '<I', data, 0x28 if is64 else 0x20)
	shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data,
						       0x3a if is64 else 0x2e)

	def header(i):
		o = shoff + i * shentsize
		name, = struct.unpack_from('<I', data, o)
		if is64:
			addr, off, size = struct.unpack_from('<QQQ', data, o + 16)
		else:
			addr, off, size = struct.unpack_from('<III', data, o + 12)
		return name, addr, off, size
	_, _, stroff, _ = header(shstrndx)
	out = {}
	for i in range(shnum):
		name, addr, off, size = header(i)
		end = data.index(b'\0', stroff + name)
		out[data[stroff + name:end].decode()] = (addr, off, size)
	return out


def insn_starts(path):
	"""Addresses where objdump finds an instruction, executable sections."""
	r = run(['objdump', '-d', '-z', path], capture=True)
	return {int(m.group(1), 16) for m in
		re.finditer(r'^\s*([0-9a-f]+):\t', r.stdout, re.M)}


def check_twin_images(res):
	"""Prove, independently of vdso2c, that each vDSO image and its time
	namespace twin differ only inside registered 5-byte sites, and have
	the same instruction boundaries."""
	vdir = os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	for bits in ('64', '32'):
		host = os.path.join(vdir, f'vdso{bits}.so')
		twin = os.path.join(vdir, f'vdso{bits}-time-ns.so')
		name = f'vdso: {bits}-bit twin images differ only at their sites'
		if not os.path.exists(twin):
			res.add(FAIL, name, f'{os.path.basename(twin)} was not built')
			continue
		with open(host, 'rb') as f:
			a = f.read()
		with open(twin, 'rb') as f:
			b = f.read()
		secs = elf_sections(a)
		if len(a) != len(b) or '.time_ns_sites' not in secs:
			res.add(FAIL, name, 'sizes differ or no .time_ns_sites')
			continue
		addr, off, size = secs['.time_ns_sites']
		sites = set()
		bad = []
		for i in range(size // 8):
			rs, rh = struct.unpack_from('<ii', a, off + 8 * i)
			site = addr + 8 * i + rs
			helper = addr + 8 * i + 4 + rh
			rel, = struct.unpack_from('<i', b, site + 1)
			if a[site:site + 5] != b'\x0f\x1f\x44\x00\x00' or \
			   b[site] != 0xe8 or site + 5 + rel != helper:
				bad.append(f'site {site:#x}')
			sites.update(range(site, site + 5))
		diff = [i for i in range(len(a)) if a[i] != b[i] and i not in sites]
		same = insn_starts(host) == insn_starts(twin)
		ok = sites and not bad and not diff and same
		res.add(PASS if ok else FAIL, name,
			f'{size // 8} sites, {sum(a[i] != b[i] for i in range(len(a)))} '
			f'bytes differ, instruction boundaries '
			f'{"identical" if same else "DIFFER"}'
			+ (f'; bad: {bad[:3]}' if bad else '')
			+ (f'; outside sites: {diff[:3]}' if diff else ''))


# -- instructions per clock_gettime() -------------------------------------

ICOUNT_CLOCKS = {0: 'REALTIME', 1: 'MONOTONIC', 4: 'MONOTONIC_RAW',
		 6: 'MONOTONIC_COARSE', 7: 'BOOTTIME'}


def vdso_symbols(dbg):
	r = run(['nm', dbg], capture=True)
	return {l.split()[2]: int(l.split()[0], 16) for l in r.stdout.splitlines()
		if len(l.split()) == 3}


# The images counted: (name, bits, entry point; None for the default).
ICOUNT_IMAGES = [('64-bit', '64', None), ('32-bit', '32', None),
		 ('32-bit old_timespec32', '32', '__vdso_clock_gettime')]

# What a call in a time namespace may cost over the host's: the 8
# instructions the twin vDSO issue asks for, on every ABI.
NS_BUDGET = 8


def icount(tool, kernel, bits, image, mode, clock, entry=None, timing=()):
	"""(instructions, reading) of one call, see bench/vdso_icount.c; with
	@timing ('--hot', N) or ('--cold', N), (figure, None) instead."""
	vdir = os.path.join(build.out_dir(kernel), 'arch/x86/entry/vdso')
	syms = vdso_symbols(os.path.join(vdir, f'vdso{bits}.so.dbg'))
	mask = (1 << int(bits)) - 1

	def signed(name):
		v = syms.get(name, 0) & mask
		return v - (1 << int(bits)) if v >> (int(bits) - 1) else v
	offsets = signed('time_ns_offsets') or signed('timens_page')
	r = run([tool, *timing, os.path.join(vdir, image), str(signed('vvar_start')),
		 str(signed('vvar__vdso_data')), str(offsets), mode, str(clock)]
		+ ([entry] if entry else []), capture=True, check=False)
	if r.returncode:
		return None, r.stderr.strip()
	if timing:
		return float(r.stdout), None
	n, reading = r.stdout.split()
	return int(n), reading


# The columns of the instruction table: (kernel, its namespace twin image
# or the plain one, the VVAR vdso_icount sets up).
ICOUNT_CELLS = {
	'stripped': ('stripped', False, 'host'),
	'ours host': ('ours', False, 'host'),
	'ours ns': ('ours', True, 'ours'),
	'upstream host': ('upstream', False, 'host'),
	'upstream ns': ('upstream', False, 'upstream'),
}


def icount_tools():
	"""Build bench/vdso_icount.c for both ABIs: {bits: path}."""
	outdir = os.path.join(BUILD, 'icount')
	os.makedirs(outdir, exist_ok=True)
	src = os.path.join(HERE, 'bench', 'vdso_icount.c')
	tools = {}
	for bits in ('64', '32'):
		tools[bits] = os.path.join(outdir, f'vdso_icount{bits}')
		run(['gcc', f'-m{bits}', '-O2', '-Wall', '-Werror', '-o',
		     tools[bits], src])
	return tools


def icount_cell(tools, column, bits, clock, entry, timing=()):
	"""icount() of one column of ICOUNT_CELLS."""
	kernel, twin, mode = ICOUNT_CELLS[column]
	image = f'vdso{bits}-time-ns.so' if twin else f'vdso{bits}.so'
	return icount(tools[bits], kernel, bits, image, mode, clock, entry, timing)


def check_icount(res):
	"""The host pays at most a NOP, a namespace at most NS_BUDGET
	instructions: count them, deterministically, by single-stepping each
	built vDSO image on a synthetic VVAR (bench/vdso_icount.c)."""
	tools = icount_tools()
	table = ['| image | clock | ' + ' | '.join(ICOUNT_CELLS) + ' |',
		 '| --- | --- |' + ' --- |' * len(ICOUNT_CELLS)]
	for image, bits, entry in ICOUNT_IMAGES:
		for clock, name in ICOUNT_CLOCKS.items():
			got = {col: icount_cell(tools, col, bits, clock, entry)
			       for col in ICOUNT_CELLS}
			table.append(f'| {image} | {name} | ' + ' | '.join(
				str(got[col][0]) for col in ICOUNT_CELLS) + ' |')
			host_ok = all(got[k][1] == '1000.500000000'
				      for k in ('stripped', 'ours host', 'upstream host'))
			ns_ok = all(got[k][1] == '87400.600000000'
				    for k in ('ours ns', 'upstream ns'))
			res.add(PASS if host_ok and ns_ok else FAIL,
				f'vdso: {image} {name} reads the right time in every image',
				'' if host_ok and ns_ok else str(got))
			base, host, ns = (got[k][0] for k in ('stripped', 'ours host',
							      'ours ns'))
			if None in (base, host, ns):
				res.add(FAIL, f'vdso: {image} {name} instruction counts',
					str(got))
				continue
			res.add(PASS if host - base <= 1 else FAIL,
				f'vdso: {image} {name} host cost at most one NOP',
				f'{base} stripped, {host} ours')
			res.add(PASS if ns - host <= NS_BUDGET else FAIL,
				f'vdso: {image} {name} namespace cost at most '
				f'{NS_BUDGET} instructions',
				f'{host} host, {ns} in a namespace')
	with open(os.path.join(BUILD, 'vdso-icount.md'), 'w') as f:
		f.write('\n'.join(table) + '\n')
	print('\n'.join(table), flush=True)


# Switch tests that must catch the reference kernel's unsafe switch.
SWITCH_TESTS = ['vdso_step', 'vdso_step_32', 'vdso_switch', 'vdso_switch_32']


def check_reference_switch(res):
	"""Our switch tests on the unmodified 6.1 kernel must fail: upstream
	swaps the VVAR page under a task inside the vDSO."""
	d = os.path.join(BUILD, 'ours', 'kselftest', 'timens')
	status, output = guest('upstream', tap.guest_script(
		SWITCH_TESTS, d).replace(f'cd {d}', f'export TIMENS_VDSO_SINGLE_IMAGE=1; cd {d}', 1),
		timeout=900)
	with open(os.path.join(BUILD, 'upstream', 'switch.log'), 'w') as f:
		f.write(output)
	for prog in SWITCH_TESTS:
		items = tap.parse(output, [prog], 'upstream')
		failed = [n for st, n, _ in items if st == FAIL]
		passed = [n for st, n, _ in items if st == PASS]
		crash = re.search(rf'<<<timens-test-begin {prog}>>>(.*?)<<<timens-test-end',
				  output, re.S)
		why = ''
		if crash:
			m = re.search(r'signal \d+ \(.*', crash.group(1)) or \
			    re.search(r'(neither.*|[1-9]\d* bad.*)', crash.group(1))
			why = m.group(0)[:120] if m else ''
		res.add(PASS if failed else FAIL,
			f'reference kernel: {prog} catches the unsafe vDSO switch',
			f'{len(failed)} failed, {len(passed)} passed on upstream'
			+ (f'; {why}' if why else ''))


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
		text = f.read().replace('\\\n', ' ')
	progs = []
	for m in re.finditer(r'^TEST_GEN_PROGS\s*(?::?=|\+=)(.*)$', text, re.M):
		progs += m.group(1).split()
	d = build.selftests('ours', 'timens')
	run_suite(res, 'ours', 'selftests', d, progs)


USER_TESTS = ['util_linux.sh', 'container.sh', 'criu.sh']


def real_users(res):
	"""util-linux, CRIU and a container-style setup on our kernel
	(tools/testing/timens/users)."""
	src = os.path.join(HERE, 'users')
	d = os.path.join(BUILD, 'ours', 'users')
	os.makedirs(d, exist_ok=True)
	for c in sorted(glob.glob(os.path.join(src, '*.c'))):
		exe = os.path.join(d, os.path.basename(c)[:-2])
		run(['gcc', '-O2', '-Wall', '-Werror', '-o', exe, c])
	for sh in sorted(glob.glob(os.path.join(src, '*.sh'))):
		shutil.copy(sh, d)
	run_suite(res, 'ours', 'users', d, USER_TESTS)


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
		check_twin_images(res)
		check_icount(res)
		our_selftests(res)
		check_reference_switch(res)
		d, progs = upstream_selftests('ours')
		run_suite(res, 'ours', 'upstream-selftests', d, progs)
		real_users(res)
	else:
		res.add(FAIL, 'ours: CONFIG_TIME_NS', 'our kernel has no time namespace')
	# Configured out, the series must leave the stripped base's behaviour
	# and build the very same vDSO.
	check_no_timens(res, 'ours-notime')
	for bits in ('64', '32'):
		images = [os.path.join(build.out_dir(k), 'arch/x86/entry/vdso',
				       f'vdso{bits}.so') for k in ('ours-notime', 'stripped')]
		data = []
		for i in images:
			with open(i, 'rb') as f:
				data.append(f.read())
		res.add(PASS if data[0] == data[1] else FAIL,
			f'vdso: without CONFIG_TIME_NS the {bits}-bit image is the stripped base\'s')
	print(f'{res.count(PASS)} passed, {res.count(FAIL)} failed, '
	      f'{res.count(SKIP)} skipped')
	return 1 if res.count(FAIL) or res.count(SKIP) else 0
