# SPDX-License-Identifier: GPL-2.0
#
# Debian's arm64 cross compiler, for building the selftests for arm64.
# It cannot be installed next to gcc-multilib (the packages conflict, and
# the 32-bit vDSO tests need multilib), so its packages are downloaded
# with apt-get download and unpacked under build/cross-arm64; GCC finds
# its own parts relative to where it is.
#
#   build/cross-arm64/root   the unpacked packages
#   build/cross-arm64/bin    aarch64-linux-gnu-gcc (with the root as its
#                            sysroot) and friends; their shared libraries
#                            come from the root too (environ())

import glob
import os
import shutil

import tree
from util import Fail, BUILD, run, note

TRIPLET = 'aarch64-linux-gnu'
# The one place the cross toolchain is pinned (Debian 12).
PACKAGES = {
	'gcc-12-aarch64-linux-gnu': '12.2.0-14cross1',
	'gcc-12-aarch64-linux-gnu-base': '12.2.0-14cross1',
	'cpp-12-aarch64-linux-gnu': '12.2.0-14cross1',
	'binutils-aarch64-linux-gnu': '2.40-2',
	'libgcc-12-dev-arm64-cross': '12.2.0-14cross1',
	'libgcc-s1-arm64-cross': '12.2.0-14cross1',
	'libc6-arm64-cross': '2.36-8cross1',
	'libc6-dev-arm64-cross': '2.36-8cross1',
	'linux-libc-dev-arm64-cross': '6.1.4-1cross1',
}

TOP = os.path.join(BUILD, 'cross-arm64')
ROOT = os.path.join(TOP, 'root')
BIN = os.path.join(TOP, 'bin')


def download(package, version):
	debs = os.path.join(tree.CACHE, 'cross-arm64')
	os.makedirs(debs, exist_ok=True)
	found = glob.glob(os.path.join(debs, f'{package}_{version}_*.deb'))
	if found:
		return found[0]
	cmd = ['apt-get', 'download', f'{package}={version}']
	r = run(cmd, cwd=debs, check=False, capture=True)
	if r.returncode and os.geteuid() == 0:
		run(['apt-get', 'update', '-qq'], check=False, capture=True)
		r = run(cmd, cwd=debs, check=False, capture=True)
	found = glob.glob(os.path.join(debs, f'{package}_{version}_*.deb'))
	if r.returncode or not found:
		raise Fail(f'{package} {version} is not available from apt (run '
			   '"apt-get update"; the pin is in tools/testing/timens/cross.py)')
	return found[0]


def environ():
	"""os.environ for running the cross compiler: its bin directory on
	PATH, and its binutils' shared libraries (libopcodes, libbfd for
	arm64, unpacked beside it, not installed) on LD_LIBRARY_PATH."""
	env = dict(os.environ)
	env['PATH'] = f'{fetch()}:{env["PATH"]}'
	libs = os.path.join(ROOT, 'usr/lib/x86_64-linux-gnu')
	env['LD_LIBRARY_PATH'] = ':'.join(
		[libs] + [p for p in env.get('LD_LIBRARY_PATH', '').split(':') if p])
	return env


def fetch():
	"""The cross compiler's bin directory, unpacked once."""
	stamp = tree.load_stamp('cross-arm64')
	if stamp == {'packages': PACKAGES, 'sysroot': ROOT} and \
	   os.path.exists(os.path.join(BIN, f'{TRIPLET}-gcc')):
		return BIN
	debs = [download(p, v) for p, v in sorted(PACKAGES.items())]
	note(f'unpacking the {TRIPLET} cross compiler into {TOP}')
	if os.path.exists(TOP):
		shutil.rmtree(TOP)
	os.makedirs(BIN)
	for deb in debs:
		run(['dpkg-deb', '-x', deb, ROOT])
	# The tools as the kernel's CROSS_COMPILE expects them: no version.
	# GCC gets the unpacked root as its sysroot: the C library's linker
	# scripts name /usr/aarch64-linux-gnu/lib/..., which the linker then
	# finds under it, where nothing is installed on the host.
	for tool in glob.glob(os.path.join(ROOT, 'usr/bin', f'{TRIPLET}-*')):
		name = os.path.basename(tool)
		if name.endswith('-12'):
			name = name[:-3]
		link = os.path.join(BIN, name)
		if os.path.exists(link):
			continue
		if name == f'{TRIPLET}-gcc':
			with open(link, 'w') as f:
				f.write(f'#!/bin/sh\nexec {tool} --sysroot={ROOT} "$@"\n')
			os.chmod(link, 0o755)
		else:
			os.symlink(tool, link)
	tree.save_stamp('cross-arm64', {'packages': PACKAGES, 'sysroot': ROOT})
	return BIN
