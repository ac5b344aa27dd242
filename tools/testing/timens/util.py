# SPDX-License-Identifier: GPL-2.0
#
# What every part of the harness shares: paths, running commands, errors.

import os
import re
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
BUILD = os.environ.get('TIMENS_BUILD') or os.path.join(REPO, 'build')
KERNELS = ('ours', 'stripped', 'upstream', 'ours-notime', 'ours-realtime')

# A variant is another configuration of a tree: its own objects, the
# tree's sources.
VARIANTS = {'ours-notime': 'ours', 'ours-realtime': 'ours',
	    'mail-notime': 'mail', 'mail-realtime': 'mail'}


class Fail(Exception):
	"""An error the user can act on; printed as one line."""


def note(msg):
	print(f'timens: {msg}', file=sys.stderr, flush=True)


def run(cmd, check=True, capture=False, **kw):
	if capture:
		kw.setdefault('stdout', subprocess.PIPE)
		kw.setdefault('stderr', subprocess.PIPE)
		kw.setdefault('text', True)
	try:
		r = subprocess.run(cmd, **kw)
	except FileNotFoundError:
		raise Fail(f'{cmd[0]} not found: run "make deps" to install what '
			   'the harness needs')
	if check and r.returncode:
		detail = ''
		if capture and r.stderr:
			detail = ': ' + r.stderr.strip().splitlines()[-1]
		raise Fail(f'{" ".join(cmd[:4])} failed with status {r.returncode}{detail}')
	return r


def is_realtime(prog):
	"""The selftests of CONFIG_TIME_NS_REALTIME, which SKIP without it."""
	return prog.split('_')[0] == 'realtime'


def makefile_programs(makefile, added=True):
	"""TEST_GEN_PROGS of a kselftest Makefile: every list, or with
	@added false only those set with := (built on every architecture)."""
	with open(makefile) as f:
		text = f.read().replace('\\\n', ' ')
	op = r'(?::?=|\+=)' if added else r':='
	progs = []
	for m in re.finditer(r'^TEST_GEN_PROGS\s*%s(.*)$' % op, text, re.M):
		progs += m.group(1).split()
	return progs
