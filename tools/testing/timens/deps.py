# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages the harness needs, installed when we are root.

import os
import subprocess

from util import Fail, note, run

PACKAGES = [
	'git', 'python3', 'make', 'gcc', 'build-essential', 'flex', 'bison',
	'bc', 'libelf-dev', 'libssl-dev', 'cpio', 'xz-utils', 'rsync',
	'ccache', 'qemu-system-x86', 'gcc-multilib', 'util-linux', 'criu',
	'iproute2', 'gnuplot-nox',
	# Container runtimes on our kernel (users/crun.sh, users/lxc.sh),
	# and the static busybox their containers' rootfs holds.
	'crun', 'lxc', 'busybox-static',
	# The vDSO is also built with clang (LLVM=1) in make check.
	'clang', 'lld', 'llvm',
	# Real programs in a namespace with a CLOCK_REALTIME offset
	# (users/realtime.sh): a certificate's expiry, a static Go program.
	'openssl', 'golang-go',
]


def missing():
	r = subprocess.run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n']
			   + PACKAGES, stdout=subprocess.PIPE,
			   stderr=subprocess.DEVNULL, text=True)
	ok = {l.split()[0] for l in r.stdout.splitlines()
	      if len(l.split()) > 1 and l.split()[1].startswith('ii')}
	return [p for p in PACKAGES if p not in ok]


def ensure():
	need = missing()
	if not need:
		return
	line = 'apt-get update && apt-get install -y ' + ' '.join(need)
	if os.geteuid() != 0:
		raise Fail(f'missing packages; as root run: {line}')
	note(f'installing {" ".join(need)}')
	env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
	run(['apt-get', 'update', '-qq'], env=env)
	run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends'] + need,
	    env=env)
	if missing():
		raise Fail(f'apt-get could not install {" ".join(missing())}; try: {line}')
