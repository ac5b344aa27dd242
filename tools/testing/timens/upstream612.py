# SPDX-License-Identifier: GPL-2.0
#
# A second upstream ABI suite: the timens selftests of Debian's
# linux-source-6.12, built against one of our kernels' exported headers.
# Only the few files they need are taken out of the package:
#
#   build/upstream-6.12/linux      tools/testing/selftests/timens/ and the
#                                  kselftest files its Makefile uses
#   build/upstream-6.12/tree.json  what was extracted (done once)

import os
import re
import shutil

import tree
from util import Fail, REPO, BUILD, run, note

# The one place the 6.12 suite is pinned.
PACKAGE = 'linux-source-6.12'
VERSION = '6.12.117-1~deb12u1'

# What the timens tests need of the 6.12 tree: lib.mk includes nothing
# else, and lists both kselftest headers as prerequisites of every test.
# Their sources only include libc headers, <linux/*.h> (from the kernel
# headers given to build()), kselftest.h and their own log.h/timens.h;
# nothing from tools/include or scripts/.
PATHS = ('tools/testing/selftests/timens',
	 'tools/testing/selftests/lib.mk',
	 'tools/testing/selftests/kselftest.h',
	 'tools/testing/selftests/kselftest_harness.h')

TOP = os.path.join(BUILD, 'upstream-6.12')
SRC = os.path.join(TOP, 'linux')
TESTS = os.path.join(SRC, 'tools/testing/selftests/timens')


def download():
	"""The .deb of the pinned 6.12 source."""
	return tree.fetch_deb(PACKAGE, VERSION,
			      'tools/testing/timens/upstream612.py, VERSION')


def extract(deb):
	"""Take PATHS out of the package's source tarball into SRC (replacing
	it), without unpacking the rest of the tree."""
	if os.path.exists(SRC):
		shutil.rmtree(SRC)
	os.makedirs(SRC)
	members = [f'{PACKAGE}/{p}' for p in PATHS]
	r = run(['sh', '-c', 'deb="$1" dest="$2"; shift 2; '
		 'dpkg-deb --fsys-tarfile "$deb" | tar -xOf - '
		 f'./usr/src/{PACKAGE}.tar.xz | tar -xJf - -C "$dest" '
		 '--strip-components=1 --wildcards "$@"',
		 'extract', deb, SRC] + members, check=False, capture=True)
	if r.returncode:
		detail = r.stderr.strip().splitlines()
		raise Fail(f'cannot extract the timens selftests from {deb}'
			   f'{": " + detail[0] if detail else ""}')


def fetch():
	"""The 6.12 timens selftests and their kselftest files, fetched and
	extracted once; returns the (partial) 6.12 tree."""
	stamp = tree.load_stamp('upstream-6.12')
	if stamp.get('version') == VERSION and stamp.get('paths') == list(PATHS) \
	   and os.path.isdir(TESTS):
		return SRC
	deb = download()
	os.makedirs(TOP, exist_ok=True)
	tree.save_stamp('upstream-6.12', {})
	note(f'extracting the 6.12 timens selftests into '
	     f'{os.path.relpath(SRC, REPO)}')
	extract(deb)
	tree.save_stamp('upstream-6.12', {'version': VERSION, 'paths': list(PATHS)})
	return SRC


def programs():
	"""TEST_GEN_PROGS of the 6.12 timens Makefile: the tests to run."""
	with open(os.path.join(TESTS, 'Makefile')) as f:
		mk = f.read().replace('\\\n', ' ')
	progs = []
	for op, names in re.findall(r'^TEST_GEN_PROGS\s*([:+]?)=(.*)$', mk, re.M):
		if op != '+':
			progs = []
		progs += names.split()
	return progs


def build(kernel_headers_dir, dest):
	"""Build the 6.12 timens selftests against the exported kernel headers
	in @kernel_headers_dir (an out/usr/include) into @dest; returns
	(dest, programs) like check.upstream_selftests()."""
	if not os.path.isdir(os.path.join(kernel_headers_dir, 'linux')):
		raise Fail(f'{kernel_headers_dir} holds no exported kernel headers '
			   '(run "make headers" in that kernel\'s build)')
	fetch()
	os.makedirs(dest, exist_ok=True)
	khdr = f'-isystem {os.path.abspath(kernel_headers_dir)}'
	# The timens Makefile sets "CFLAGS :=" without $(KHDR_INCLUDES) (6.1's
	# does the same), so KHDR_INCLUDES alone never reaches the compiler
	# and the tests would see the host's linux-libc-dev instead; lib.mk
	# appends USERCFLAGS to CFLAGS, which carries the headers in.  -B: the
	# programs do not depend on the headers in make's eyes, and another
	# kernel's headers must rebuild them (it takes a second).  V=1 with -s:
	# 6.12's lib.mk prints "CC prog" lines unless V=1, -s then hides the
	# commands, so nothing lands in the TAP stream.
	run(['make', '-s', '-B', 'V=1', '-C', TESTS,
	     f'OUTPUT={os.path.abspath(dest)}',
	     f'KHDR_INCLUDES={khdr}', f'USERCFLAGS={khdr}'])
	progs = programs()
	missing = [p for p in progs if not os.path.exists(os.path.join(dest, p))]
	if missing:
		raise Fail(f'the 6.12 timens selftests did not build {", ".join(missing)}')
	return dest, progs
