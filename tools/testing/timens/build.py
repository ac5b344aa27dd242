# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a kernel (and its kselftests) out of tree:
# build/<kernel>/out holds the objects of build/<kernel>/linux.

import glob
import os
import re
import shutil

import tree
from util import Fail, REPO, BUILD, run, note

HERE = os.path.dirname(os.path.abspath(__file__))
FRAGMENTS = sorted(glob.glob(os.path.join(HERE, 'configs', '*.config')))
# Extra fragments of a variant, applied last.
NOTIME = os.path.join(HERE, 'configs', 'variants', 'notime.config')
REALTIME = os.path.join(HERE, 'configs', 'variants', 'realtime.config')
VARIANT_FRAGMENTS = {
	'ours-notime': [NOTIME],
	'ours-realtime': [REALTIME],
	'mail-notime': [NOTIME],
	'mail-realtime': [REALTIME],
}
SELFTEST_CONFIG = os.path.join(REPO, 'tools/testing/selftests/timens/config')


def out_dir(kernel):
	return os.path.join(BUILD, kernel, 'out')


def bzimage(kernel):
	return os.path.join(out_dir(kernel), 'arch/x86/boot/bzImage')


def make_cmd(kernel, *targets):
	cmd = ['make', '-s', '-C', tree.tree_dir(kernel), f'O={out_dir(kernel)}',
	       f'-j{os.cpu_count() or 1}']
	if shutil.which('ccache'):
		cmd.append('CC=ccache gcc')
		cmd.append('HOSTCC=ccache gcc')
	return cmd + list(targets)


def make_env():
	env = dict(os.environ)
	# Same relative paths in all three trees: ccache shares their objects.
	env.setdefault('CCACHE_BASEDIR', BUILD)
	env.setdefault('CCACHE_NOHASHDIR', '1')
	env['KBUILD_BUILD_TIMESTAMP'] = '@0'
	env['KBUILD_BUILD_USER'] = 'timens'
	env['KBUILD_BUILD_HOST'] = 'timens'
	return env


def fragments(kernel):
	frags = list(FRAGMENTS)
	if os.path.exists(SELFTEST_CONFIG):
		frags.append(SELFTEST_CONFIG)
	return frags + VARIANT_FRAGMENTS.get(kernel, [])


def symbol_exists(kernel, sym):
	r = run(['grep', '-rqE', f'^(menu)?config {sym}$', '--include=Kconfig*',
		 tree.tree_dir(kernel)], check=False)
	return r.returncode == 0


def configure(kernel, extra=()):
	"""allnoconfig plus our fragments; re-run only when they change."""
	out = out_dir(kernel)
	frags = fragments(kernel) + list(extra)
	stamp = os.path.join(out, '.timens-config')
	# Redo it when the fragments or the tree (its Kconfig) change.
	digest = tree.file_digest(frags) + str(tree.load_stamp(
		tree.VARIANTS.get(kernel, kernel)))
	if os.path.exists(os.path.join(out, '.config')) and os.path.exists(stamp):
		with open(stamp) as f:
			if f.read() == digest:
				return
	os.makedirs(out, exist_ok=True)
	env = make_env()
	run(make_cmd(kernel, 'allnoconfig'), env=env, capture=True)
	run([os.path.join(tree.tree_dir(kernel), 'scripts/kconfig/merge_config.sh'),
	     '-m', '-O', out, os.path.join(out, '.config')] + frags,
	    env=env, capture=True)
	run(make_cmd(kernel, 'olddefconfig'), env=env, capture=True)
	with open(os.path.join(out, '.config')) as f:
		have = set(l.strip() for l in f)
	want = {}
	for frag in frags:
		with open(frag) as f:
			for l in f:
				l = l.strip()
				m = re.match(r'(?:# )?CONFIG_(\w+)[= ]', l)
				if m:
					want[m.group(1)] = (l, frag)
	for sym, (l, frag) in want.items():
		if l.startswith('CONFIG_') and l not in have or \
		   l.startswith('#') and f'CONFIG_{sym}=y' in have:
			if symbol_exists(kernel, sym):
				raise Fail(f'{kernel}: {l} from {os.path.basename(frag)} '
					   'did not survive olddefconfig (a dependency '
					   'is missing from the fragment)')
	with open(stamp, 'w') as f:
		f.write(digest)


def step_fragment(kernel):
	"""For a step of the series in @kernel's tree: CONFIG_TIME_NS=y where
	the symbol exists, with COMPILE_TEST=y while x86 does not yet select
	ARCH_HAS_VDSO_TIME_NS. Returns the fragment's path, or None."""
	if not symbol_exists(kernel, 'TIME_NS'):
		return None
	with open(os.path.join(tree.tree_dir(kernel), 'arch/x86/Kconfig')) as f:
		arch = 'select ARCH_HAS_VDSO_TIME_NS' in f.read()
	path = os.path.join(BUILD, kernel, 'step.config')
	with open(path, 'w') as f:
		f.write('CONFIG_TIME_NS=y\n' + ('' if arch else 'CONFIG_COMPILE_TEST=y\n'))
	return path


def build_step(kernel, targets=('bzImage',), capture=False):
	"""Configure @kernel's tree afresh for the step it is at (a variant
	keeps its own fragments, so 'mail-notime' stays TIME_NS=n) and make
	@targets. Returns whether TIME_NS is on."""
	stamp = os.path.join(out_dir(kernel), '.timens-config')
	if os.path.exists(stamp):
		os.remove(stamp)
	frag = None if kernel in VARIANT_FRAGMENTS else step_fragment(kernel)
	configure(kernel, [frag] if frag else [])
	run(make_cmd(kernel, *targets), env=make_env(), capture=capture)
	# What the configuration has, not what was asked: a variant's own
	# fragments may turn it on (mail-realtime).
	with open(os.path.join(out_dir(kernel), '.config')) as f:
		return 'CONFIG_TIME_NS=y\n' in f.read()


def build(kernel, extra_config=()):
	tree.prepare(kernel)
	return compile_tree(kernel, extra_config)


def compile_tree(kernel, extra_config=(), sync=False):
	"""Build @kernel's tree as it is, without preparing it. @sync takes
	the defaults of Kconfig symbols new to the tree instead of asking."""
	configure(kernel, extra_config)
	if sync:
		run(make_cmd(kernel, 'olddefconfig'), env=make_env(), capture=True)
	note(f'building the {kernel} kernel')
	run(make_cmd(kernel, 'bzImage'), env=make_env())
	return bzimage(kernel)


def selftests(kernel, target):
	"""Build tools/testing/selftests/@target of @kernel's tree against its
	exported headers; return the directory holding the binaries."""
	env = make_env()
	run(make_cmd(kernel, 'headers'), env=env)
	dest = os.path.join(BUILD, kernel, 'kselftest')
	os.makedirs(os.path.join(dest, target), exist_ok=True)
	run(['make', '-s', '-C', os.path.join(tree.tree_dir(kernel),
					      'tools/testing/selftests', target),
	     f'OUTPUT={dest}/{target}',
	     f'KHDR_INCLUDES=-isystem {out_dir(kernel)}/usr/include'], env=env)
	return os.path.join(dest, target)
