# SPDX-License-Identifier: GPL-2.0
#
# "make check": every suite, one result per test, and the closing line
#   N passed, M failed, K skipped

import contextlib
import errno
import fnmatch
import functools
import glob
import io
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile

import build
import cross
import strip
import upstream612
import tap
import tree
import vm
from tap import PASS, FAIL, SKIP
from util import Fail, REPO, BUILD, run, note, makefile_programs, is_realtime

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
	record_suite(res, kernel, suite, programs, status, output)


def record_suite(res, kernel, suite, programs, status, output):
	"""Keep a suite's console and add its results."""
	log = os.path.join(BUILD, kernel, f'{suite}.log')
	with open(log, 'w') as f:
		f.write(output)
	results = tap.parse(output, programs, f'{kernel}:{suite}')
	if status in (vm.HUNG, vm.PANICKED):
		results.append((FAIL, f'{kernel}:{suite}', f'guest failed (status '
				f'{status}); console in {os.path.relpath(log, REPO)}'))
	res.extend(results)


# sud_int80 needs a 32-bit task with no vDSO: abi.vsyscall32=0 while it
# runs (it drops to an unprivileged user by itself).
SUD_WRAPPER = """#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
old=$(cat /proc/sys/abi/vsyscall32)
echo 0 > /proc/sys/abi/vsyscall32
"$(dirname "$0")/sud_int80"
rc=$?
echo "$old" > /proc/sys/abi/vsyscall32
dmesg | grep -E 'Oops|BUG:|general protection' && rc=1
exit $rc
"""


def build_probes(kernel, names):
	"""Build tools/testing/timens/tests/@names for @kernel: the programs
	to run, in build/<kernel>/probe."""
	src = tree.tree_dir(kernel)
	outdir = os.path.join(BUILD, kernel, 'probe')
	os.makedirs(outdir, exist_ok=True)
	run(build.make_cmd(kernel, 'headers'), env=build.make_env())
	progs = []
	for name in names:
		flags = ['-m32', '-static'] if name == 'sud_int80' else []
		run(['gcc', '-O2', '-Wall', '-Werror', *flags, '-o',
		     os.path.join(outdir, name),
		     '-I', os.path.join(src, 'tools/testing/selftests'),
		     '-isystem', os.path.join(build.out_dir(kernel), 'usr/include'),
		     os.path.join(HERE, 'tests', f'{name}.c')])
		if name == 'sud_int80':
			wrapper = os.path.join(outdir, 'sud_int80.sh')
			with open(wrapper, 'w') as f:
				f.write(SUD_WRAPPER)
			os.chmod(wrapper, 0o755)
			name = 'sud_int80.sh'
		progs.append(name)
	return outdir, progs


def check_no_timens(res, kernel):
	"""The stripped kernel boots and has no time namespace; an
	unprivileged 32-bit task with no vDSO cannot oops it."""
	outdir, progs = build_probes(kernel, ['no_timens', 'sud_int80'])
	script = tap.guest_script(progs, outdir)
	if kernel == 'ours-notime':
		script = f'export TIMENS_UCOUNT_KEPT=1\n{script}'
	status, output = guest(kernel, script, timeout=300)
	record_suite(res, kernel, 'boot', progs, status, output)


def check_probes(res, kernel):
	"""The harness's own probes of a kernel with time namespaces."""
	outdir, progs = build_probes(kernel, ['sud_int80'])
	run_suite(res, kernel, 'probe', outdir, progs, timeout=300)


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
	# Its Makefile drops KHDR_INCLUDES; lib.mk adds USERCFLAGS.
	hdr = f'-isystem {build.out_dir(kernel)}/usr/include'
	run(['make', '-s', '-B', '-C',
	     os.path.join(src, 'tools/testing/selftests/timens'),
	     f'OUTPUT={dest}', f'KHDR_INCLUDES={hdr}', f'USERCFLAGS={hdr}'],
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
				 '--no-summary', *maintained_new_files(p), p],
				cwd=tmp, check=False, capture=True)
			res.add(PASS if r.returncode == 0 else FAIL,
				f'checkpatch: patches/{os.path.basename(p)}',
				r.stdout.strip().splitlines()[0] if r.returncode else '')
		# A new file outside our entry keeps checkpatch's question.
		forged = os.path.join(tmp, 'forged.patch')
		with open(forged, 'w') as f:
			f.write('diff --git a/drivers/foo.c b/drivers/foo.c\n'
				'new file mode 100644\n')
		res.add(PASS if not maintained_new_files(forged) else FAIL,
			'checkpatch: a new file outside our MAINTAINERS entry is '
			'still asked about')
		with open(forged, 'w') as f:
			f.write('diff --git a/kernel/time_namespace.c '
				'b/kernel/time_namespace.c\ndeleted file mode 100644\n'
				'diff --git a/tools/testing/selftests/timens/x.c '
				'b/tools/testing/selftests/timens/x.c\n'
				'new file mode 100644\n')
		res.add(PASS if not maintained_new_files(forged) else FAIL,
			'checkpatch: a patch that also deletes a file is still '
			'asked about')
		# The series as mailed: it applies with git am, and is clean.
		try:
			scratch, mail = tree.format_series(os.path.join(BUILD, 'series'))
		except Fail as e:
			res.add(FAIL, 'series: make series applies with git am', str(e))
			return
		res.add(PASS, 'series: make series applies with git am',
			f'{len(mail)} patches')
		for p in mail:
			r = run([checkpatch, '--strict', '--no-tree', '--quiet',
				 '--no-summary', *maintained_new_files(p), p],
				cwd=tmp, check=False, capture=True)
			res.add(PASS if r.returncode == 0 else FAIL,
				f'checkpatch: series/{os.path.basename(p)}',
				r.stdout.strip().splitlines()[0] if r.returncode else '')
	check_maintainers(res, mail)
	check_series_steps(res, scratch)


VDSO_SOURCES = ('arch/x86/entry/vdso/', 'arch/x86/include/asm/vdso', 'lib/vdso/',
		'include/vdso/')
VDSO_IMAGES = ('arch/x86/entry/vdso/vdso-image-64.o',
	       'arch/x86/entry/vdso/vdso-image-32.o')


def check_series_steps(res, scratch):
	"""Every step of the mailed series compiles, with CONFIG_TIME_NS=y
	wherever the symbol exists: the C files of the kernel each patch
	touches (those our full build compiles), at that patch."""
	built = build.out_dir('ours')
	bad, compiled, header_only = [], 0, []
	steps = list(tree.series_steps(scratch))
	for n, c, subject in steps:
		tree.git(scratch, 'checkout', '-q', '--detach', c)
		touched = tree.git(scratch, 'diff-tree', '--no-commit-id', '--name-only',
				   '-r', c, capture=True).stdout.split()
		objs = [f[:-2] + '.o' for f in touched if f.endswith(('.c', '.S')) and
			os.path.exists(os.path.join(built, f[:-2] + '.o'))]
		# The vDSO's headers and vdso2c show in the vDSO images.
		if any(f.startswith(VDSO_SOURCES) for f in touched):
			objs += [o for o in VDSO_IMAGES if o not in objs and
				 os.path.exists(os.path.join(built, o))]
		if not objs:
			header_only.append(str(n))
			continue
		try:
			build.build_step('mail', objs, capture=True)
		except Fail as e:
			bad.append(f'{n} ({subject[:40]}): {str(e)[-160:]}')
			continue
		compiled += 1
	tree.git(scratch, 'checkout', '-q', 'mail')
	res.add(FAIL if bad else PASS,
		'series: each patch\'s C files compile at its step, CONFIG_TIME_NS=y where it exists',
		'; '.join(bad[:2]) if bad else
		f'{compiled} of {len(steps)} patches compiled; '
		f'{", ".join(header_only) or "none"} touch no C file of the build')


def maintained_new_files(patch):
	"""checkpatch asks "does MAINTAINERS need updating?" of a patch that
	adds files and leaves MAINTAINERS alone. Answer it: if every file the
	patch adds is under an F: line of our entry already, the arguments
	that drop the question, else none (it stays a warning)."""
	with open(os.path.join(REPO, 'MAINTAINERS')) as f:
		ours = [l[3:].strip() for l in f if l.startswith('F:\t')]
	with open(patch) as f:
		text = f.read()
	new = re.findall(r'^diff --git a/\S+ b/(\S+)\nnew file mode', text, re.M)
	# A rename or deletion is a question of its own: keep it asked.
	moved = re.search(r'^(deleted file mode|rename (from|to)) ', text, re.M)
	covered = all(any(n == o or n.startswith(o.rstrip('/') + '/')
			  for o in ours) for n in new)
	return ['--ignore', 'FILE_PATH_CHANGES'] \
		if new and covered and not moved else []


def our_maintainer():
	"""The M: line of our MAINTAINERS entry, as get_maintainer prints it."""
	with open(os.path.join(REPO, 'MAINTAINERS')) as f:
		m = [l[3:].strip() for l in f if l.startswith('M:\t')]
	return m[0]


def check_maintainers(res, mail):
	"""In the tree the series makes, get_maintainer.pl names our entry for
	every mailed patch, and every file of ours has our entry as its one
	maintainer: the base's own lines for the upstream files are gone."""
	scratch = tree.tree_dir('mail')
	gm = ['perl', 'scripts/get_maintainer.pl', '--no-git', '--no-git-fallback',
	      '--no-rolestats', '--no-l', '--no-r', '--no-s']
	me = our_maintainer()
	missed = []
	for p in mail:
		r = run(gm + [p], cwd=scratch, check=False, capture=True)
		if r.returncode or me not in r.stdout.splitlines():
			missed.append(os.path.basename(p)[:40])
	res.add(FAIL if missed else PASS,
		'maintainers: get_maintainer.pl names our entry for every patch',
		', '.join(missed[:4]))
	with open(os.path.join(REPO, 'MAINTAINERS')) as f:
		ours = [l[3:].strip() for l in f if l.startswith('F:\t')]
	others = []
	# Every selftest has the kselftest framework's maintainer too.
	for f in (f for f in ours if not f.startswith('tools/testing/selftests/')):
		r = run(gm + ['-f', f], cwd=scratch, check=False, capture=True)
		names = [l for l in r.stdout.splitlines() if l.strip()]
		if r.returncode or names != [me]:
			others.append(f'{f}: {", ".join(names) or r.stderr.strip()[:80]}')
	res.add(FAIL if others else PASS,
		'maintainers: our files have our entry as their one maintainer',
		'; '.join(others[:3]))


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


# The kinds of time namespace site: the section that lists them and the
# opcode of the 5-byte instruction the twin has in place of the NOP.
SITE_KINDS = (('.time_ns_sites', 0xe8, 'call'),	# call rel32 to a helper
	      ('.time_ns_branches', 0xe9, 'branch'))	# jmp rel32 to a path


def alternatives(a, sections):
	"""[(original, length)] of ELF image @a's .altinstructions entries
	(12 bytes each: the original's and the replacement's offsets, the
	feature, their lengths): bytes the kernel may replace at boot."""
	addr, off, size = sections.get('.altinstructions', (0, 0, 0))
	return [(addr + 12 * i + struct.unpack_from('<i', a, off + 12 * i)[0],
		 a[off + 12 * i + 10]) for i in range(size // 12)]


def site_list(a):
	"""[(site, target, opcode)] of the sites of ELF image @a, every kind.
	A branch whose target is itself a jump (an asm goto label before a
	tail call) targets the jump's destination, as vdso2c makes it, but
	not where alternatives may patch that jump at boot."""
	sections = elf_sections(a)
	patched = {at for orig, n in alternatives(a, sections)
		   for at in range(orig, orig + n)}
	out = []
	for name, opcode, _ in SITE_KINDS:
		if name not in sections:
			continue
		addr, off, size = sections[name]
		for i in range(size // 8):
			rs, rt = struct.unpack_from('<ii', a, off + 8 * i)
			site, target = addr + 8 * i + rs, addr + 8 * i + 4 + rt
			if opcode == 0xe9 and target in patched:
				pass
			elif opcode == 0xe9 and a[target] == 0xe9:
				target += 5 + struct.unpack_from('<i', a, target + 1)[0]
			elif opcode == 0xe9 and a[target] == 0xeb:
				target += 2 + struct.unpack_from('<b', a, target + 1)[0]
			out.append((site, target, opcode))
	return out


def build_id_range(a):
	"""range() of the bytes of ELF image @a's GNU build ID."""
	is64 = a[4] == 2
	phoff, = struct.unpack_from('<Q' if is64 else '<I', a, 0x20 if is64 else 0x1c)
	phentsize, phnum = struct.unpack_from('<HH', a, 0x36 if is64 else 0x2a)
	for i in range(phnum):
		o = phoff + i * phentsize
		ptype, = struct.unpack_from('<I', a, o)
		if ptype != 4:		# PT_NOTE
			continue
		if is64:
			off, = struct.unpack_from('<Q', a, o + 8)
			size, = struct.unpack_from('<Q', a, o + 32)
		else:
			off, size = struct.unpack_from('<I', a, o + 4)[0], \
				struct.unpack_from('<I', a, o + 16)[0]
		end = off + size
		while off + 12 <= end:
			namesz, descsz, ntype = struct.unpack_from('<III', a, off)
			desc = off + 12 + (namesz + 3) // 4 * 4
			if ntype == 3 and a[off + 12:off + 16] == b'GNU\0':
				return range(desc, desc + descsz)
			off = desc + (descsz + 3) // 4 * 4
	return range(0)


def twin_proof(host, twin):
	"""(ok, detail): the images at @host and @twin differ only inside
	registered 5-byte sites, a NOP in one and a call to the site's helper
	in the other, and have the same instruction boundaries; the twin's
	build ID is its own (the host's, bits flipped)."""
	with open(host, 'rb') as f:
		a = f.read()
	with open(twin, 'rb') as f:
		b = f.read()
	pairs = site_list(a)
	if len(a) != len(b) or not pairs:
		return False, 'sizes differ or no time namespace sites'
	ids = build_id_range(a)
	if not ids or any(a[i] ^ b[i] != 0xff for i in ids):
		return False, 'the twin has no build ID of its own'
	sites = set(ids)
	bad = []
	for site, target, opcode in pairs:
		rel, = struct.unpack_from('<i', b, site + 1)
		if a[site:site + 5] != b'\x0f\x1f\x44\x00\x00' or \
		   b[site] != opcode or site + 5 + rel != target:
			bad.append(f'site {site:#x}')
		sites.update(range(site, site + 5))
	diff = [i for i in range(len(a)) if a[i] != b[i] and i not in sites]
	same = insn_starts(host) == insn_starts(twin)
	ok = bool(pairs) and not bad and not diff and same
	return ok, (f'{len(pairs)} sites '
		    f'({sum(o == 0xe9 for _, _, o in pairs)} branches), '
		    f'{sum(a[i] != b[i] for i in range(len(a)) if i not in ids)} '
		    f'bytes differ besides the build ID, instruction boundaries '
		    f'{"identical" if same else "DIFFER"}'
		    + (f'; bad: {bad[:3]}' if bad else '')
		    + (f'; outside sites: {[hex(d) for d in diff[:3]]}' if diff else ''))


def forged_twin_proof(host, twin, at, bits):
	"""twin_proof() of the twin image @twin (bytes) with the byte at @at
	flipped by @bits."""
	b = bytearray(twin)
	b[at] ^= bits
	with tempfile.TemporaryDirectory() as tmp:
		forged = os.path.join(tmp, 'forged.so')
		with open(forged, 'wb') as f:
			f.write(b)
		return twin_proof(host, forged)


def check_twin_images(res):
	"""Prove, independently of vdso2c, that each vDSO image and its time
	namespace twin differ only inside registered 5-byte sites, and have
	the same instruction boundaries; and that the proof fails on a
	forged twin."""
	vdir = os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	for bits in VDSO_BITS:
		host = os.path.join(vdir, f'vdso{bits}.so')
		twin = os.path.join(vdir, f'vdso{bits}-time-ns.so')
		name = f'vdso: {abi(bits)} twin images differ only at their sites'
		if not os.path.exists(twin):
			res.add(FAIL, name, f'{os.path.basename(twin)} was not built')
			continue
		ok, detail = twin_proof(host, twin)
		res.add(PASS if ok else FAIL, name, detail)
		if not ok:
			continue
		# One byte changed outside the sites, in the code: caught.
		with open(twin, 'rb') as f:
			good = f.read()
		listed = site_list(good)
		text_addr, text_off, _ = elf_sections(good)['.text']
		sites = {s + i for s, _, _ in listed for i in range(5)}
		sites |= set(build_id_range(good))
		at = next(o for o in range(text_off, len(good))
			  if o not in sites and o + 1 not in sites)
		ok, detail = forged_twin_proof(host, good, at, 0x01)
		res.add(FAIL if ok else PASS,
			f'vdso: the {abi(bits)} twin proof fails on a forged one-byte difference',
			f'byte {at:#x} flipped: {detail}')
		# A site whose call or jump lands elsewhere: caught.
		for _, opcode, kind in SITE_KINDS:
			site = next((st for st, _, o in listed if o == opcode), None)
			if site is None:
				continue
			ok, detail = forged_twin_proof(host, good, site + 1, 0x10)
			res.add(FAIL if ok else PASS,
				f'vdso: the {abi(bits)} twin proof fails on a '
				f'{kind} site aimed elsewhere',
				f'site {site:#x}: {detail}')


def xmm_handoff_faults(listing):
	"""What breaks the %xmm0 handoff in @listing, objdump's disassembly
	of the namespace's clock_gettime() path and of what it calls: no SSE
	register but %xmm0, which may only be loaded from memory (MOVDQA) and
	read into general registers (MOVQ, MOVHLPS), and no call but a
	direct one (which the listing then covers)."""
	faults = []
	for line in listing.splitlines():
		m = re.match(r'^\s*([0-9a-f]+):\t(.*)$', line)
		if not m:
			continue
		insn = re.sub(r'\s+#.*$', '', m.group(2)).strip()
		if re.match(r'(call|lcall)\b', insn) and \
		   not re.match(r'call\s+[0-9a-f]+ <[\w.]+>$', insn):
			faults.append(f'{m.group(1)}: {insn}')
		if '%xmm' not in insn and '%ymm' not in insn:
			continue
		ok = (re.match(r'movdqa\s+\S*\(.*\),%xmm0$', insn) or
		      re.match(r'movq\s+%xmm0,%r\w+$', insn) or
		      insn == 'movhlps %xmm0,%xmm0')
		if not ok:
			faults.append(f'{m.group(1)}: {insn}')
	return faults


def check_branch_path(res, vdir=None, name='vdso:', bits_list=('64', 'x32'),
		      entry_first=True):
	"""The 64-bit and x32 namespace path: the branch site is
	clock_gettime()'s first instruction, and nothing on the path but the
	offset's read and add touches %xmm0 (the handoff between them is an
	asm contract no compiler checks); the check fails on a forged
	listing. Of the images in @vdir, the default build's if None; with
	@entry_first False, the site's place is not asserted (clang puts it
	after the prologue: the label then unwinds the frame and jumps)."""
	vdir = vdir or os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	for bits in bits_list:
		dbg = os.path.join(vdir, f'vdso{bits}.so.dbg')
		if not os.path.exists(dbg):
			res.add(FAIL, f'{name} {abi(bits)} namespace path',
				f'{os.path.basename(dbg)} was not built')
			continue
		with open(dbg, 'rb') as f:
			a = f.read()
		syms = vdso_symbols(dbg)
		branches = [st for st, _, o in site_list(a) if o == 0xe9]
		entry = syms.get('__vdso_clock_gettime')
		if entry_first:
			res.add(PASS if branches == [entry] else FAIL,
				f'{name} {abi(bits)} clock_gettime()\'s first '
				'instruction is its branch site',
				f'branch sites {[hex(b) for b in branches]}, '
				f'__vdso_clock_gettime at {entry and hex(entry)}')
		# The path and every function it calls, each once.
		listing, todo, seen = '', ['__cvdso_clock_gettime_ns'], set()
		while todo:
			fn = todo.pop()
			seen.add(fn)
			text = run(['objdump', '-d', '--no-show-raw-insn',
				    f'--disassemble={fn}', dbg], capture=True).stdout
			listing += text
			todo += [c for c in re.findall(r'\tcall\s+[0-9a-f]+ <([\w.]+)>',
						       text) if c not in seen]
		moves = len(re.findall(r'\tmovdqa\s', listing))
		faults = xmm_handoff_faults(listing)
		res.add(PASS if moves and not faults else FAIL,
			f'{name} {abi(bits)} namespace path: only the offset\'s '
			'read and add touch %xmm0',
			f'{moves} MOVDQA; faults: {faults[:3]}')
		forged = listing.replace('\tmovhlps %xmm0,%xmm0',
					 '\tpxor   %xmm0,%xmm0', 1)
		res.add(FAIL if forged == listing or
			not xmm_handoff_faults(forged) else PASS,
			f'{name} {abi(bits)} the %xmm0 check fails on a forged path',
			'a PXOR of %xmm0 in place of the MOVHLPS')


def check_vdso2c_refuses(res):
	"""vdso2c refuses to make a twin from forged input: a site that is not
	a NOP, and an image with no sites at all when a twin is asked for."""
	vdir = os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	vdso2c = os.path.join(vdir, 'vdso2c')
	dbg = os.path.join(vdir, 'vdso64.so.dbg')
	so = os.path.join(vdir, 'vdso64.so')
	with tempfile.TemporaryDirectory() as tmp:
		def go(raw, stripped):
			return run([vdso2c, raw, stripped,
				    os.path.join(tmp, 'vdso-image-64.c'),
				    os.path.join(tmp, 'twin.so')],
				   check=False, capture=True)
		r = go(dbg, so)
		res.add(PASS if r.returncode == 0 else FAIL,
			'vdso2c: makes the twin from the built image',
			(r.stdout + r.stderr).strip()[:200])
		# A site of each kind, in the first image that has one (the
		# 64-bit image's calls are CLOCK_REALTIME's, in some configs).
		for _, opcode, kind in SITE_KINDS:
			found = None
			for bits in ('64', '32'):
				with open(os.path.join(vdir, f'vdso{bits}.so'), 'rb') as f:
					b = bytearray(f.read())
				site = next((st for st, _, o in site_list(bytes(b))
					     if o == opcode), None)
				if site is not None:
					found = bits
					break
			if not found:
				res.add(FAIL, f'vdso2c: refuses a {kind} site that is not a NOP',
					f'no image has a {kind} site to forge')
				continue
			b[site + 2] ^= 0x01
			forged = os.path.join(tmp, 'forged.so')
			with open(forged, 'wb') as f:
				f.write(b)
			r = go(os.path.join(vdir, f'vdso{found}.so.dbg'), forged)
			out = (r.stdout + r.stderr).strip()
			res.add(PASS if r.returncode and 'not a 5-byte NOP' in out
				else FAIL,
				f'vdso2c: refuses a {kind} site that is not a NOP',
				out[:200])
		nosites = os.path.join(tmp, 'nosites.dbg')
		run(['objcopy', '--remove-section', '.time_ns_sites',
		     '--remove-section', '.time_ns_branches', dbg, nosites])
		r = go(nosites, so)
		out = (r.stdout + r.stderr).strip()
		res.add(PASS if r.returncode and 'no .time_ns_sites' in out else FAIL,
			'vdso2c: refuses to make a twin from an image without sites',
			out[:200])


def retarget_site(raw, section, i, target):
	"""The image @raw (bytes) with entry @i of site table @section made to
	name @target as its site's target."""
	addr, off, _ = elf_sections(raw)[section]
	b = bytearray(raw)
	struct.pack_into('<i', b, off + 8 * i + 4, target - (addr + 8 * i + 4))
	return bytes(b)


def check_vdso2c_forged_targets(res):
	"""vdso2c's checks of a site's target, each on a forged input: a
	target inside another site is refused (the twin would jump into the
	middle of an instruction), and a branch whose target is a jump in an
	alternative's original bytes goes to the target itself, not where
	that jump went, as the kernel may patch it at boot."""
	vdir = os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	vdso2c = os.path.join(vdir, 'vdso2c')
	with tempfile.TemporaryDirectory() as tmp:
		def go(raw, stripped):
			paths = []
			for name, data in (('raw.dbg', raw), ('stripped.so', stripped)):
				paths.append(os.path.join(tmp, name))
				with open(paths[-1], 'wb') as f:
					f.write(data)
			twin = os.path.join(tmp, 'twin.so')
			r = run([vdso2c, *paths, os.path.join(tmp, 'image.c'), twin],
				check=False, capture=True)
			out = (r.stdout + r.stderr).strip()
			if r.returncode:
				return None, out
			with open(twin, 'rb') as f:
				return f.read(), out

		def image(bits, suffix):
			with open(os.path.join(vdir, f'vdso{bits}.{suffix}'), 'rb') as f:
				return f.read()

		# The ia32 image has several call sites: the first made to
		# call into the second's NOP.
		raw, so = image('32', 'so.dbg'), image('32', 'so')
		calls = [st for st, _, o in site_list(so) if o == 0xe8]
		name = 'vdso2c: refuses a site whose target is inside another site'
		if len(calls) < 2:
			res.add(FAIL, name, f'{len(calls)} call sites in the ia32 image')
		else:
			twin, out = go(retarget_site(raw, '.time_ns_sites', 0,
						     calls[1] + 2), so)
			res.add(PASS if twin is None and 'goes into another' in out
				else FAIL, name, out[:200])
		# The 64-bit branch aimed at an alternative's original bytes,
		# made a jump in the forged image: not followed.
		raw, so = image('64', 'so.dbg'), image('64', 'so')
		name = ('vdso2c: a branch to a jump in an alternative\'s original '
			'bytes goes to that jump')
		secs = elf_sections(raw)
		origs = [orig for orig, n in alternatives(raw, secs) if n >= 5]
		if not origs or '.time_ns_branches' not in secs:
			res.add(FAIL, name, 'no 5-byte alternative or no branch site')
		else:
			at = origs[0]
			forged = bytearray(so)
			forged[at:at + 5] = b'\xe9' + struct.pack('<i', 16)
			twin, out = go(retarget_site(raw, '.time_ns_branches', 0, at),
				       bytes(forged))
			site = next(st for st, _, o in site_list(so) if o == 0xe9)
			dest = twin and site + 5 + struct.unpack_from(
				'<i', twin, site + 1)[0]
			res.add(PASS if twin and twin[site] == 0xe9 and dest == at
				else FAIL, name,
				f'jump at {at:#x}: the twin\'s site jumps to '
				f'{dest:#x}' if twin else out[:200])


def check_clean_files(res):
	"""make clean removes every twin image vdso2c writes."""
	vdir = os.path.join(build.out_dir('ours'), 'arch/x86/entry/vdso')
	with open(os.path.join(tree.tree_dir('ours'),
			       'arch/x86/entry/vdso/Makefile')) as f:
		text = f.read()
	pats = []
	for m in re.finditer(r'^clean-files\s*:?\+?=(.*)$', text, re.M):
		pats += m.group(1).split()
	twins = [os.path.basename(p) for p in
		 glob.glob(os.path.join(vdir, '*-time-ns.so'))]
	left = [t for t in twins if not any(fnmatch.fnmatch(t, p) for p in pats)]
	res.add(PASS if twins and not left else FAIL,
		'vdso: make clean removes the twin images',
		f'left behind: {left}' if left else f'{len(twins)} twins covered')


def check_sse2_kconfig(res):
	"""The twin's helpers use SSE2: an i386 kernel for a CPU without it
	cannot enable TIME_NS, one for a CPU with it can."""
	src = tree.tree_dir('ours')
	for cpu, want in (('M686', False), ('MPENTIUMIII', False),
			  ('MPENTIUM4', True), ('MCORE2', True)):
		with tempfile.TemporaryDirectory() as tmp:
			frag = os.path.join(tmp, 'cpu.config')
			with open(frag, 'w') as f:
				f.write(f'# CONFIG_64BIT is not set\nCONFIG_{cpu}=y\n'
					'CONFIG_NAMESPACES=y\nCONFIG_TIME_NS=y\n')
			cmd = ['make', '-s', '-C', src, f'O={tmp}', 'ARCH=i386']
			run(cmd + ['allnoconfig'], capture=True)
			run([os.path.join(src, 'scripts/kconfig/merge_config.sh'),
			     '-m', '-O', tmp, os.path.join(tmp, '.config'), frag],
			    capture=True, env=dict(os.environ, ARCH='i386'))
			run(cmd + ['olddefconfig'], capture=True)
			with open(os.path.join(tmp, '.config')) as f:
				cfg = f.read()
		have_cpu = f'CONFIG_{cpu}=y\n' in cfg
		got = 'CONFIG_TIME_NS=y\n' in cfg
		res.add(PASS if have_cpu and got == want else FAIL,
			f'Kconfig: i386 for {cpu} {"can" if want else "cannot"} '
			'enable TIME_NS',
			f'{cpu} {"set" if have_cpu else "NOT set"}, TIME_NS '
			f'{"on" if got else "off"}')


def check_other_arch_kconfig(res):
	"""arm64 keeps vDSO code written for upstream's time namespaces, which
	does not build with ours: its allyesconfig (COMPILE_TEST on) must
	leave TIME_NS off, while x86's turns it on."""
	src = tree.tree_dir('ours')
	env = cross.environ()
	for arch, extra, want in (('arm64', [f'CROSS_COMPILE={cross.TRIPLET}-'], False),
				  ('x86_64', [], True)):
		with tempfile.TemporaryDirectory() as tmp:
			run(['make', '-s', '-C', src, f'O={tmp}', f'ARCH={arch}']
			    + extra + ['allyesconfig'], capture=True, env=env)
			with open(os.path.join(tmp, '.config')) as f:
				cfg = f.read()
		test = 'CONFIG_COMPILE_TEST=y\n' in cfg
		got = 'CONFIG_TIME_NS=y\n' in cfg
		res.add(PASS if test and got == want else FAIL,
			f'Kconfig: {arch} allyesconfig {"enables" if want else "leaves off"} TIME_NS',
			f'COMPILE_TEST {"on" if test else "OFF"}, TIME_NS {"on" if got else "off"}')


# -- instructions per clock_gettime() -------------------------------------

ICOUNT_CLOCKS = {0: 'REALTIME', 1: 'MONOTONIC', 4: 'MONOTONIC_RAW',
		 6: 'MONOTONIC_COARSE', 7: 'BOOTTIME'}


def vdso_symbols(dbg):
	r = run(['nm', dbg], capture=True)
	return {l.split()[2]: int(l.split()[0], 16) for l in r.stdout.splitlines()
		if len(l.split()) == 3}


# The images counted: (name, bits, entry point; None for the default).
ICOUNT_IMAGES = [('64-bit', '64', None), ('32-bit', '32', None),
		 ('32-bit old_timespec32', '32', '__vdso_clock_gettime'),
		 ('x32', 'x32', None)]

# The vDSO images the kernel builds: vdso{64,32,x32}.so (x32 with
# CONFIG_X86_X32_ABI, which configs/vm.config sets).
VDSO_BITS = ('64', '32', 'x32')


def addr_bits(bits):
	"""The address width of image @bits: x32 is x86-64 code in a
	32-bit ELF file."""
	return 64 if bits == '64' else 32


def abi(bits):
	return 'x32' if bits == 'x32' else f'{bits}-bit'

# What a call in a time namespace may cost over the host's: the 8
# instructions the twin vDSO issue asks for, on one ABI of the four. The
# ia32 clock_gettime64() helper takes 10: it builds the reading from the
# registers it was stored from, where loading it back over four 4-byte
# stores stalls until they retire (patch 13: 28% slower than the host's
# call, against 9%, on the real CPU). The 64-bit path (x32's too) takes
# 9: a prefetch of the offset before the clock is read, and the index it
# shares with the read, take a cold call from 1.38 times the host's to
# 1.03 (patch 30).
NS_BUDGET = 8
NS_BUDGET_IMAGE = {'32-bit': 10, '64-bit': 9, 'x32': 9}


def ns_budget(image):
	return NS_BUDGET_IMAGE.get(image, NS_BUDGET)


def icount_spec(kernel, bits, image, mode, vdir=None):
	"""The IMAGE VVAR_START VDSO_DATA OFFSETS MODE arguments of
	bench/vdso_icount.c for @kernel's @image (or the one in @vdir)."""
	vdir = vdir or os.path.join(build.out_dir(kernel), 'arch/x86/entry/vdso')
	syms = vdso_symbols(os.path.join(vdir, f'vdso{bits}.so.dbg'))
	width = addr_bits(bits)
	mask = (1 << width) - 1

	def signed(name):
		v = syms.get(name, 0) & mask
		return v - (1 << width) if v >> (width - 1) else v
	offsets = signed('time_ns_offsets') or signed('timens_page')
	return [os.path.join(vdir, image), str(signed('vvar_start')),
		str(signed('vvar__vdso_data')), str(offsets), mode]


@functools.lru_cache(maxsize=None)
def runs_here(tool):
	"""Whether this machine runs the program @tool: one whose kernel has
	ia32 emulation off (ia32_emulation=off, or a hypervisor without
	compatibility mode) runs no 32-bit program."""
	try:
		subprocess.run([tool], capture_output=True)
	except OSError as e:
		if e.errno == errno.ENOEXEC:
			return False
		raise
	return True


# The counts taken in a guest where this machine runs no 32-bit program
# (see in_guest_where_needed()): their command lines, and the results.
GUEST_ICOUNT = {'recording': None, 'results': {}}

NO_IA32 = ('this machine runs no 32-bit program (its kernel has ia32 '
	   'emulation off)')


def run_icount(cmd):
	"""subprocess.run() of the vdso_icount command line @cmd, here or,
	for a tool this machine cannot run, from the guest's results."""
	if runs_here(cmd[0]):
		return run(cmd, capture=True, check=False)
	key = tuple(cmd)
	if key in GUEST_ICOUNT['results']:
		return GUEST_ICOUNT['results'][key]
	if GUEST_ICOUNT['recording'] is not None and \
	   not cmd[1].startswith('--'):
		GUEST_ICOUNT['recording'].append(key)
		why = 'counted in a guest'
	elif cmd[1].startswith('--'):
		why = f'{NO_IA32}: no real-CPU timing of a 32-bit image here'
	else:
		why = f'{NO_IA32}, and no guest counted this'
	return subprocess.CompletedProcess(cmd, 1, '', why)


GUEST_ICOUNT_RX = re.compile(r'<<<icount (\d+) (\d+)>>> ([^|\n]*)\|(.*)$', re.M)


def count_in_guest(cmds):
	"""Run the vdso_icount command lines @cmds in one guest of ours,
	which runs 32-bit programs whatever the host does: an instruction
	count is the same there (the images run as built, single-stepped).
	Their results go to GUEST_ICOUNT; the guest's console to
	build/icount-guest.log."""
	if not cmds:
		return
	# Two at a time, one per guest CPU; each result is one line, the
	# command's output joined on it, its errors after a "|".
	script = ['cd /tmp']
	for part in range(2):
		mine = list(enumerate(cmds))[part::2]
		if not mine:
			continue
		o, e = f'/tmp/icount{part}.out', f'/tmp/icount{part}.err'
		script.append('(')
		for i, cmd in mine:
			script.append(f'{" ".join(shlex.quote(c) for c in cmd)} '
				      f'>{o} 2>{e}; rc=$?')
			script.append(f'printf \'<<<icount %s %s>>> %s|%s\\n\' {i} '
				      f'"$rc" "$(tr \'\\n|\' \'  \' <{o})" '
				      f'"$(tr \'\\n\' \' \' <{e})"')
		script.append(') &')
	script.append('wait')
	status, output = guest('ours', '\n'.join(script) + '\n', timeout=1800)
	with open(os.path.join(BUILD, 'icount-guest.log'), 'w') as f:
		f.write(output)
	got = {int(m.group(1)): (int(m.group(2)), m.group(3), m.group(4))
	       for m in GUEST_ICOUNT_RX.finditer(output)}
	for i, cmd in enumerate(cmds):
		rc, out, err = got.get(i, (1, '', 'the guest gave no result '
					  f'(status {status}), see build/icount-guest.log'))
		GUEST_ICOUNT['results'][cmd] = subprocess.CompletedProcess(
			cmd, rc, out.strip(), err.strip())


def in_guest_where_needed(check, res=None):
	"""Run @check(@res), or @check() without @res, and return what it
	returns. Where this machine cannot run the 32-bit vdso_icount,
	@check runs twice: once quietly, its results thrown away, to collect
	the 32-bit counts it asks for, which one guest then takes; then for
	real, with them."""
	args = () if res is None else (res,)
	if runs_here(icount_tools()['32']):
		return check(*args)
	# This check's counts are taken afresh, a failed one too.
	GUEST_ICOUNT['results'] = {}
	GUEST_ICOUNT['recording'] = []
	try:
		with contextlib.redirect_stdout(io.StringIO()):
			check(*(() if res is None else (Results(),)))
		wanted = list(dict.fromkeys(GUEST_ICOUNT['recording']))
	finally:
		GUEST_ICOUNT['recording'] = None
	note(f'{NO_IA32}: {len(wanted)} counts of 32-bit images run in a guest')
	count_in_guest(wanted)
	return check(*args)


def icount(tool, kernel, bits, image, mode, clock, entry=None, timing=(),
	   vdir=None):
	"""(instructions, reading) of one call, see bench/vdso_icount.c; with
	@timing ('--hot', N) or ('--cold', N), (figure, None) instead. The
	images are @kernel's, or those in @vdir."""
	r = run_icount([tool, *timing,
			*icount_spec(kernel, bits, image, mode, vdir),
			str(clock)] + ([entry] if entry else []))
	if r.returncode:
		return None, r.stderr.strip()
	if timing:
		return float(r.stdout), None
	try:
		n, reading = r.stdout.split()
		return int(n), reading
	except ValueError:
		return None, f'not "count reading": {r.stdout.strip()[:100]}'


# The columns of the instruction table: (kernel, its namespace twin image
# or the plain one, the VVAR vdso_icount sets up).
ICOUNT_CELLS = {
	'stripped': ('stripped', False, 'host'),
	'ours host': ('ours', False, 'host'),
	'ours ns': ('ours', True, 'ours'),
	'upstream host': ('upstream', False, 'host'),
	'upstream ns': ('upstream', False, 'upstream'),
}


@functools.lru_cache(maxsize=None)
def icount_tools():
	"""Build bench/vdso_icount.c for both ABIs, once: {bits: path}."""
	outdir = os.path.join(BUILD, 'icount')
	os.makedirs(outdir, exist_ok=True)
	src = os.path.join(HERE, 'bench', 'vdso_icount.c')
	tools = {}
	for bits in ('64', '32'):
		tools[bits] = os.path.join(outdir, f'vdso_icount{bits}')
		run(['gcc', f'-m{bits}', '-O2', '-Wall', '-Werror', '-o',
		     tools[bits], src])
	# The x32 image is x86-64 code: the 64-bit tool runs it, where the
	# host kernel may not run x32 programs at all.
	tools['x32'] = tools['64']
	return tools


def icount_cell(tools, column, bits, clock, entry, timing=()):
	"""icount() of one column of ICOUNT_CELLS."""
	kernel, twin, mode = ICOUNT_CELLS[column]
	image = f'vdso{bits}-time-ns.so' if twin else f'vdso{bits}.so'
	return icount(tools[bits], kernel, bits, image, mode, clock, entry, timing)


def icount_pair(tools, a, b, bits, clock, entry, how, n, rounds):
	"""Columns @a and @b of ICOUNT_CELLS timed in turn in one process,
	@how 'hot' or 'cold' (see bench/vdso_icount.c): [(a, b)] per round,
	or None and the error."""
	spec = []
	for column in (a, b):
		kernel, twin, mode = ICOUNT_CELLS[column]
		image = f'vdso{bits}-time-ns.so' if twin else f'vdso{bits}.so'
		spec += icount_spec(kernel, bits, image, mode)
	r = run_icount([tools[bits], f'--{how}-pair', str(n), str(rounds),
			*spec, str(clock)] + ([entry] if entry else []))
	if r.returncode:
		return None, r.stderr.strip()
	return [tuple(float(x) for x in l.split()) for l in r.stdout.splitlines()], None


def check_icount(res):
	"""The host pays at most a NOP, a namespace at most ns_budget()
	instructions and fewer than upstream's: count them, deterministically, by single-stepping each
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
			base, host, ns, up_host, up_ns = (got[k][0] for k in (
				'stripped', 'ours host', 'ours ns', 'upstream host',
				'upstream ns'))
			if None in (base, host, ns, up_host, up_ns):
				res.add(FAIL, f'vdso: {image} {name} instruction counts',
					str(got))
				continue
			res.add(PASS if host - base <= 1 else FAIL,
				f'vdso: {image} {name} host cost at most one NOP',
				f'{base} stripped, {host} ours')
			res.add(PASS if ns - host <= ns_budget(image) else FAIL,
				f'vdso: {image} {name} namespace cost at most '
				f'{ns_budget(image)} instructions',
				f'{host} host, {ns} in a namespace')
			res.add(PASS if ns - host < up_ns - up_host else FAIL,
				f'vdso: {image} {name} a namespace pays less than '
				'upstream\'s',
				f'ours +{ns - host}, upstream +{up_ns - up_host}')
	with open(os.path.join(BUILD, 'vdso-icount.md'), 'w') as f:
		f.write('\n'.join(table) + '\n')
	print('\n'.join(table), flush=True)


# The vDSO alone, built the other ways the kernel may be: scripts/config
# options and make arguments. The default build (gcc -O2) is ours itself.
VDSO_MATRIX = {
	'gcc -Os': (['-e', 'CC_OPTIMIZE_FOR_SIZE'], []),
	'gcc DEBUG_SECTION_MISMATCH': (['-e', 'DEBUG_SECTION_MISMATCH'], []),
	'clang': ([], ['LLVM=1']),
}


def check_vdso_matrix(res):
	"""Every way of building the vDSO gives twins that differ only at
	their sites and read the right time in every image and entry point;
	the instruction budgets are asserted for the default build."""
	src = tree.tree_dir('ours')
	tools = icount_tools()
	for name, (opts, args) in VDSO_MATRIX.items():
		out = os.path.join(BUILD, 'vdso-matrix', re.sub(r'\W+', '-', name))
		os.makedirs(out, exist_ok=True)
		shutil.copy(os.path.join(build.out_dir('ours'), '.config'),
			    os.path.join(out, '.config'))
		if opts:
			run([os.path.join(src, 'scripts/config'), '--file',
			     os.path.join(out, '.config')] + opts)
		cmd = ['make', '-s', '-C', src, f'O={out}',
		       f'-j{os.cpu_count() or 1}'] + args
		if not args and shutil.which('ccache'):
			cmd += ['CC=ccache gcc', 'HOSTCC=ccache gcc']
		r = run(cmd + ['olddefconfig'], check=False, capture=True,
			env=build.make_env())
		if not r.returncode:
			r = run(cmd + ['arch/x86/entry/vdso/'], check=False,
				capture=True, env=build.make_env())
		if r.returncode:
			err = (r.stderr or r.stdout).strip().splitlines()
			res.add(FAIL, f'vdso matrix: {name} builds the vDSO',
				err[-1] if err else f'status {r.returncode}')
			continue
		res.add(PASS, f'vdso matrix: {name} builds the vDSO')
		vdir = os.path.join(out, 'arch/x86/entry/vdso')
		with open(os.path.join(out, '.config')) as f:
			x32 = 'CONFIG_X86_X32_ABI=y\n' in f.read()
		if not x32:
			# Kconfig: X86_X32_ABI depends on GNU objcopy.
			res.add(PASS if 'LLVM=1' in args else FAIL,
				f'vdso matrix: {name} has no x32 vDSO only where '
				'Kconfig forbids it (llvm-objcopy)')
		built = [b for b in VDSO_BITS if x32 or b != 'x32']
		for bits in built:
			ok, detail = twin_proof(os.path.join(vdir, f'vdso{bits}.so'),
						os.path.join(vdir, f'vdso{bits}-time-ns.so'))
			res.add(PASS if ok else FAIL,
				f'vdso matrix: {name} {abi(bits)} twins differ only at their sites',
				detail)
		check_branch_path(res, vdir, f'vdso matrix: {name}',
				  [b for b in ('64', 'x32') if b in built],
				  entry_first='LLVM=1' not in args)
		bad = []
		for image, bits, entry in ICOUNT_IMAGES:
			if bits not in built:
				continue
			for clock, cname in ICOUNT_CLOCKS.items():
				for twin, mode, want in ((False, 'host', '1000.500000000'),
							 (True, 'ours', '87400.600000000')):
					img = f'vdso{bits}-time-ns.so' if twin else f'vdso{bits}.so'
					_, reading = icount(tools[bits], 'ours', bits, img,
							    mode, clock, entry, vdir=vdir)
					if reading != want:
						bad.append(f'{image} {cname} {mode}: {reading}')
		res.add(FAIL if bad else PASS,
			f'vdso matrix: {name} images read the right time',
			'; '.join(bad[:3]))


# Tests that must catch a bug of the reference kernel, and what they
# catch: upstream swaps the VVAR page under a task inside the vDSO, its
# VVAR fault maps the page of current's namespace, so a kernel thread
# that borrows the mm (vhost) maps the initial namespace's page, and its
# tasks in a namespace with zero offsets take the namespace's slow path.
UNSAFE_SWITCH = 'the unsafe vDSO switch'
REFERENCE_FAILS = {
	'vdso_step': UNSAFE_SWITCH,
	'vdso_step_32': UNSAFE_SWITCH,
	'vdso_switch': UNSAFE_SWITCH,
	'vdso_switch_32': UNSAFE_SWITCH,
	'vdso_kthread': 'a kernel thread mapping the initial namespace\'s VVAR page',
	'vdso_zero': 'a namespace with zero offsets taking the namespace path',
	'vdso_zero_32': 'a namespace with zero offsets taking the namespace path',
	'vdso_step_x32': UNSAFE_SWITCH,
	'vdso_switch_x32': UNSAFE_SWITCH,
	'vdso_zero_x32': 'a namespace with zero offsets taking the namespace path',
}
# Hardening tests that the reference kernel passes too (it zaps only
# [vvar], and its exec releases exec_update_lock on error): run there
# with its single image, they show the tests ask only what upstream does.
REFERENCE_PASSES = ['vdso_poke', 'vdso_poke_32', 'exec_fault']


def check_reference_hardening(res):
	d = os.path.join(BUILD, 'ours', 'kselftest', 'timens')
	status, output = guest('upstream', tap.guest_script(
		REFERENCE_PASSES, d).replace(f'cd {d}', 'export TIMENS_VDSO_SINGLE_IMAGE=1 '
		f'TIMENS_EXEC_FAULT_ANYWHERE=1; cd {d}', 1),
		timeout=900)
	with open(os.path.join(BUILD, 'upstream', 'hardening.log'), 'w') as f:
		f.write(output)
	for st, name, detail in tap.parse(output, REFERENCE_PASSES, 'reference kernel'):
		res.add(st, name, detail)


def check_reference_fails(res):
	"""REFERENCE_FAILS on the unmodified 6.1 kernel must fail."""
	d = os.path.join(BUILD, 'ours', 'kselftest', 'timens')
	status, output = guest('upstream', tap.guest_script(
		list(REFERENCE_FAILS), d).replace(f'cd {d}', f'export TIMENS_VDSO_SINGLE_IMAGE=1; cd {d}', 1),
		timeout=900)
	with open(os.path.join(BUILD, 'upstream', 'switch.log'), 'w') as f:
		f.write(output)
	for prog, what in REFERENCE_FAILS.items():
		items = tap.parse(output, [prog], 'upstream')
		failed = [n for st, n, _ in items if st == FAIL]
		passed = [n for st, n, _ in items if st == PASS]
		crash = re.search(rf'<<<timens-test-begin {prog}>>>(.*?)<<<timens-test-end',
				  output, re.S)
		why = ''
		if crash:
			m = re.search(r'signal \d+ \(.*', crash.group(1)) or \
			    re.search(r'(neither.*|[1-9]\d* bad.*|\S+: vDSO .* s apart.*)',
				      crash.group(1))
			why = m.group(0)[:120] if m else ''
		res.add(PASS if failed else FAIL,
			f'reference kernel: {prog} catches {what}',
			f'{len(failed)} failed, {len(passed)} passed on upstream'
			+ (f'; {why}' if why else ''))


def has_time_ns(kernel):
	with open(os.path.join(build.out_dir(kernel), '.config')) as f:
		return 'CONFIG_TIME_NS=y\n' in f.read()


# The C compiler of an x86 host without gcc-multilib: -m32 cannot link.
NO_MULTILIB_CC = """#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
for a; do
	if [ "$a" = -m32 ] || [ "$a" = -mx32 ]; then
		echo "cc: $a: gcc-multilib is not installed" >&2
		exit 1
	fi
done
exec gcc "$@"
"""

EM_AARCH64 = 183


def elf_machine(path):
	with open(path, 'rb') as f:
		head = f.read(20)
	if head[:4] != b'\x7fELF':
		return None
	return struct.unpack_from('<H', head, 18)[0]


def kselftest_install(name, args, env=None):
	"""make -C tools/testing/selftests TARGETS=timens install, the way a
	kernel developer builds it, out of our work tree into
	build/kselftest-@name. Returns (make's result, the timens directory)."""
	out = os.path.join(BUILD, f'kselftest-{name}')
	if os.path.exists(out):
		shutil.rmtree(out)
	os.makedirs(out)
	r = run(['make', '-s', '-C',
		 os.path.join(tree.tree_dir('ours'), 'tools/testing/selftests'),
		 'TARGETS=timens', f'O={out}/build', f'INSTALL_PATH={out}/install',
		 *args, 'install'], env=env, check=False, capture=True)
	return r, os.path.join(out, 'install', 'timens')


def check_kselftest_builds(res):
	"""The kselftest build of timens on an x86 host without multilib
	(the 32-bit programs are left out, with a message) and for arm64 (the
	x86-only vDSO tests are left out)."""
	common = makefile_programs(os.path.join(
		REPO, 'tools/testing/selftests/timens/Makefile'), added=False)

	cc = os.path.join(BUILD, 'no-multilib-cc')
	with open(cc, 'w') as f:
		f.write(NO_MULTILIB_CC)
	os.chmod(cc, 0o755)
	r, d = kselftest_install('x86-no-multilib', [f'CC={cc}'])
	built = sorted(os.listdir(d)) if os.path.isdir(d) else []
	bad = [] if not r.returncode else [f'make failed: {r.stderr.strip()[-200:]}']
	bad += [f'{p} missing' for p in common + ['vdso_image'] if p not in built]
	bad += [f'{p} built' for p in built if p.endswith(('_32', '_x32'))]
	for what in ('-m32', '-mx32'):
		if f'{what} (install gcc-multilib)' not in r.stderr:
			bad.append(f'no message about the {what} programs')
	res.add(FAIL if bad else PASS,
		'kselftest: timens builds on x86 without multilib, 32-bit and x32 tests left out',
		'; '.join(bad[:3]))

	env = cross.environ()
	r, d = kselftest_install('arm64', ['ARCH=arm64',
					   f'CROSS_COMPILE={cross.TRIPLET}-'], env)
	built = sorted(os.listdir(d)) if os.path.isdir(d) else []
	bad = [] if not r.returncode else [f'make failed: {r.stderr.strip()[-200:]}']
	bad += [f'{p} missing' for p in common if p not in built]
	bad += [f'{p} built' for p in built if p.startswith('vdso_')]
	bad += [f'{p} is not arm64' for p in common if p in built and
		elf_machine(os.path.join(d, p)) != EM_AARCH64]
	res.add(FAIL if bad else PASS,
		f'kselftest: timens cross-builds for arm64 ({cross.TRIPLET}-gcc from Debian)',
		'; '.join(bad[:3]))


def our_selftests(res):
	"""tools/testing/selftests/timens of the series, on our kernel; those
	of CONFIG_TIME_NS_REALTIME on the kernel that has it (check_realtime),
	as offsets here checks the ABI without it (a realtime line is
	EINVAL)."""
	mk = os.path.join(REPO, 'tools/testing/selftests/timens/Makefile')
	if not os.path.exists(mk):
		res.add(FAIL, 'ours:selftests', 'tools/testing/selftests/timens is missing')
		return
	progs = [p for p in makefile_programs(mk) if not is_realtime(p)]
	d = build.selftests('ours', 'timens')
	run_suite(res, 'ours', 'selftests', d, progs)


# With CONFIG_TIME_NS_REALTIME, the selftests whose behaviour it may touch
# (a namespace without a realtime offset behaves as without the option),
# and vdso_unwind, which then stops in the helpers it gives time() and
# gettimeofday() too.
REALTIME_ALSO = ['clocks', 'sleep', 'timers', 'futex', 'io_uring', 'procfs',
		 'nested', 'vdso_image', 'vdso_image_32', 'vdso_image_x32',
		 'vdso_zero', 'vdso_unwind']


# With CONFIG_TIME_NS_REALTIME: what the host image's gettimeofday() and
# time() may pay over the same calls without it (the site's NOP, and the
# register moves GCC adds around gettimeofday()'s), and what a namespace
# pays over the host, per ABI; (entry, clock whose data and offset the
# synthetic VVAR holds).
REALTIME_ENTRIES = {
	'gettimeofday': ('__vdso_gettimeofday', 0, {'64': 2, '32': 3}, 9),
	'time': ('__vdso_time', 5, {'64': 1, '32': 1}, 20),
}


def check_realtime_icount(res):
	"""The host's cost of the option, in instructions: clock_gettime()
	the same, gettimeofday() and time() within REALTIME_ENTRIES; and the
	namespace's readings right."""
	tools = icount_tools()
	for bits in ('64', '32'):
		image = '64-bit' if bits == '64' else '32-bit'
		for clock, name in ICOUNT_CLOCKS.items():
			got = {}
			for k in ('ours', 'ours-realtime'):
				for twin, mode in ((False, 'host'), (True, 'ours')):
					img = f'vdso{bits}-time-ns.so' if twin else f'vdso{bits}.so'
					got[(k, mode)] = icount(tools[bits], k, bits, img,
								mode, clock)
			same = all(got[('ours', m)] == got[('ours-realtime', m)]
				   for m in ('host', 'ours'))
			res.add(PASS if same else FAIL,
				f'realtime: {image} clock_gettime {name} costs the '
				'same with the option, host and namespace',
				'' if same else str(got))
		for what, (entry, clock, host_budget, ns_budget_) in \
				REALTIME_ENTRIES.items():
			base = icount(tools[bits], 'ours', bits, f'vdso{bits}.so',
				      'host', clock, entry)
			host = icount(tools[bits], 'ours-realtime', bits,
				      f'vdso{bits}.so', 'host', clock, entry)
			ns = icount(tools[bits], 'ours-realtime', bits,
				    f'vdso{bits}-time-ns.so', 'ours', clock, entry)
			if None in (base[0], host[0], ns[0]):
				res.add(FAIL, f'realtime: {image} {what} instruction '
					'counts', f'{base} {host} {ns}')
				continue
			want = '87400.600000000' if what == 'gettimeofday' else \
			       '87400.000000000'
			res.add(PASS if ns[1] == want and host[1] == base[1] else FAIL,
				f'realtime: {image} {what} reads the namespace\'s '
				'wall clock in its image, the host\'s in the host\'s',
				f'{host[1]} host, {ns[1]} namespace')
			res.add(PASS if host[0] - base[0] <= host_budget[bits] else FAIL,
				f'realtime: {image} {what} costs the host at most '
				f'{host_budget[bits]} with the option',
				f'{base[0]} without, {host[0]} with')
			res.add(PASS if ns[0] - host[0] <= ns_budget_ else FAIL,
				f'realtime: {image} {what} costs a namespace at most '
				f'{ns_budget_}', f'{host[0]} host, {ns[0]} namespace')


def check_realtime(res):
	"""The opt-in CLOCK_REALTIME offsets: their selftests, the others
	they might disturb, and real programs, on ours-realtime."""
	mk = os.path.join(REPO, 'tools/testing/selftests/timens/Makefile')
	progs = [p for p in makefile_programs(mk) if is_realtime(p)]
	progs += [p for p in REALTIME_ALSO if p in makefile_programs(mk)]
	in_guest_where_needed(check_realtime_icount, res)
	d = build.selftests('ours-realtime', 'timens')
	run_suite(res, 'ours-realtime', 'selftests', d, progs)
	# CRIU and util-linux read timens_offsets: unchanged with the option.
	run_suite(res, 'ours-realtime', 'users', build_users(),
		  ['realtime.sh', 'util_linux.sh', 'criu.sh'])


USER_TESTS = ['util_linux.sh', 'container.sh', 'criu.sh', 'crun.sh', 'lxc.sh']
# The container runtimes' tests, also run on the reference kernel.
RUNTIME_TESTS = ['crun.sh', 'lxc.sh']
# Programs that run inside a container's rootfs of busybox alone.
STATIC_USERS = ['ct_clocks']


def build_users():
	"""tools/testing/timens/users, built and copied: the directory."""
	src = os.path.join(HERE, 'users')
	d = os.path.join(BUILD, 'ours', 'users')
	os.makedirs(d, exist_ok=True)
	for c in sorted(glob.glob(os.path.join(src, '*.c'))):
		name = os.path.basename(c)[:-2]
		run(['gcc', '-O2', '-Wall', '-Werror', '-o', os.path.join(d, name), c]
		    + (['-static'] if name in STATIC_USERS else []))
	# Static, without cgo, as Go programs in containers usually are.
	gocache = os.path.join(BUILD, 'go-cache')
	for g in sorted(glob.glob(os.path.join(src, '*.go'))):
		run(['go', 'build', '-o', os.path.join(d, os.path.basename(g)[:-3]),
		     g], env=dict(os.environ, CGO_ENABLED='0', GOCACHE=gocache,
				  GOPATH=os.path.join(gocache, 'path'),
				  GOFLAGS='-trimpath'))
	for sh in sorted(glob.glob(os.path.join(src, '*.sh'))):
		shutil.copy(sh, d)
	return d


def real_users(res):
	"""util-linux, CRIU, crun, LXC and a container-style setup on our
	kernel (tools/testing/timens/users)."""
	run_suite(res, 'ours', 'users', build_users(), USER_TESTS)


def reference_runtimes(res):
	"""The runtimes' tests on the reference kernel, recorded: it runs one
	vDSO image, so the checks of which image a container runs fail
	there, and nothing else may."""
	d = build_users()
	status, output = guest('upstream', tap.guest_script(RUNTIME_TESTS, d),
			       timeout=900)
	with open(os.path.join(BUILD, 'upstream', 'runtimes.log'), 'w') as f:
		f.write(output)
	for prog in RUNTIME_TESTS:
		items = tap.parse(output, [prog], 'upstream')
		failed = [n for st, n, _ in items if st == FAIL]
		other = [n for n in failed if 'vDSO image' not in n]
		res.add(PASS if items and not other else FAIL,
			f'reference kernel: {prog} passes but for the vDSO image checks',
			f'{len(items) - len(failed)} passed, {len(failed)} failed'
			+ (f': {"; ".join(failed)[:200]}' if failed else '')
			+ (', see build/upstream/runtimes.log' if other else ''))


def main(args):
	res = Results()
	for k in ('stripped', 'upstream', 'ours', 'ours-notime', 'ours-realtime'):
		build.build(k)
	check_style(res)
	check_strip(res)
	check_no_timens(res, 'stripped')
	check_runner(res)
	d, progs = upstream_selftests('upstream')
	run_suite(res, 'upstream', 'upstream-selftests', d, progs)
	if has_time_ns('ours'):
		check_twin_images(res)
		check_branch_path(res)
		check_vdso2c_refuses(res)
		check_vdso2c_forged_targets(res)
		check_clean_files(res)
		check_sse2_kconfig(res)
		check_other_arch_kconfig(res)
		in_guest_where_needed(check_icount, res)
		in_guest_where_needed(check_vdso_matrix, res)
		our_selftests(res)
		check_kselftest_builds(res)
		check_reference_fails(res)
		check_reference_hardening(res)
		check_probes(res, 'upstream')
		check_probes(res, 'ours')
		d, progs = upstream_selftests('ours')
		run_suite(res, 'ours', 'upstream-selftests', d, progs)
		# The same ABI as of Linux 6.12 (threads and vfork after
		# unshare), from Debian's linux-source-6.12.
		upstream612.fetch()
		d, progs = upstream612.build(
			os.path.join(build.out_dir('ours'), 'usr/include'),
			os.path.join(BUILD, 'ours', 'kselftest', 'timens-6.12'))
		run_suite(res, 'ours', 'upstream-6.12-selftests', d, progs)
		real_users(res)
		reference_runtimes(res)
		check_realtime(res)
	else:
		res.add(FAIL, 'ours: CONFIG_TIME_NS', 'our kernel has no time namespace')
	# Configured out, the series must leave the stripped base's behaviour
	# and build the very same vDSO.
	check_no_timens(res, 'ours-notime')
	for bits in VDSO_BITS:
		images = [os.path.join(build.out_dir(k), 'arch/x86/entry/vdso',
				       f'vdso{bits}.so') for k in ('ours-notime', 'stripped')]
		data = []
		for i in images:
			with open(i, 'rb') as f:
				data.append(f.read())
		res.add(PASS if data[0] == data[1] else FAIL,
			f'vdso: without CONFIG_TIME_NS the {abi(bits)} image is the stripped base\'s')
	print(f'{res.count(PASS)} passed, {res.count(FAIL)} failed, '
	      f'{res.count(SKIP)} skipped')
	return 1 if res.count(FAIL) or res.count(SKIP) else 0
