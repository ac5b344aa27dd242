# SPDX-License-Identifier: GPL-2.0
#
# The source trees: fetch Debian's linux-source-6.1, unpack it, strip it,
# and keep the work tree where the series is developed.
#
#   build/upstream/linux   pristine 6.1 (the reference kernel)
#   build/stripped/linux   6.1 with the upstream time namespace removed
#   build/ours/linux       git work tree: commit 1 is the stripped base,
#                          then our new files, then patches/series
#
# All three sit at the same depth so that ccache, with CCACHE_BASEDIR at
# build/, shares objects between them.

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

import strip
from util import Fail, REPO, BUILD, VARIANTS, run, note  # noqa: F401

# The one place the base version is pinned.
BASE_PACKAGE = 'linux-source-6.1'
BASE_VERSION = '6.1.192-2'

CACHE = os.path.join(os.environ.get('XDG_CACHE_HOME') or
		     os.path.expanduser('~/.cache'), 'timens-series')

# Repository files that are not part of the kernel tree overlay.
NOT_OVERLAY = ('README.md', 'Makefile', 'MAINTAINERS', 'COPYING',
	       '.gitignore', '.ci/', 'patches/', 'tools/testing/timens/', 'docs/')

GIT_ID = ['-c', 'core.autocrlf=false', '-c', 'gc.auto=0']
# The developer's identity signs the series; a bare machine (CI) gets one.
if subprocess.run(['git', 'config', 'user.email'], stdout=subprocess.DEVNULL,
		  stderr=subprocess.DEVNULL).returncode:
	GIT_ID += ['-c', 'user.name=timens series', '-c',
		   'user.email=timens@localhost']


def git(tree, *args, **kw):
	return run(['git', '-C', tree] + GIT_ID + list(args), **kw)


def tree_dir(kernel):
	return os.path.join(BUILD, VARIANTS.get(kernel, kernel), 'linux')


def fetch_deb(package, version, pin):
	"""The .deb of @package at @version (the pin, in file @pin),
	downloaded once into the cache."""
	deb = os.path.join(CACHE, f'{package}_{version}_all.deb')
	if os.path.exists(deb):
		return deb
	os.makedirs(CACHE, exist_ok=True)
	note(f'fetching {package} {version} with apt-get download')
	cmd = ['apt-get', 'download', f'{package}={version}']
	r = run(cmd, cwd=CACHE, check=False, capture=True)
	if r.returncode and os.geteuid() == 0:
		# Perhaps only the package lists are old.
		run(['apt-get', 'update', '-qq'], check=False, capture=True)
		r = run(cmd, cwd=CACHE, check=False, capture=True)
	if r.returncode or not os.path.exists(deb):
		raise Fail(f'{package} {version} is not available from apt '
			   f'(run "apt-get update"; "apt-cache policy {package}" '
			   f'lists the versions offered; the pin is in {pin})')
	return deb


def fetch_base():
	"""The .deb of the pinned base."""
	return fetch_deb(BASE_PACKAGE, BASE_VERSION,
			 'tools/testing/timens/tree.py, BASE_VERSION')
	os.makedirs(CACHE, exist_ok=True)
	note(f'fetching {BASE_PACKAGE} {BASE_VERSION} with apt-get download')
	r = run(['apt-get', 'download', f'{BASE_PACKAGE}={BASE_VERSION}'],
		cwd=CACHE, check=False, capture=True)
	if r.returncode and os.geteuid() == 0:
		# Perhaps only the package lists are old.
		run(['apt-get', 'update', '-qq'], check=False, capture=True)
		r = run(['apt-get', 'download', f'{BASE_PACKAGE}={BASE_VERSION}'],
			cwd=CACHE, check=False, capture=True)
	if r.returncode or not os.path.exists(deb):
		raise Fail(f'{BASE_PACKAGE} {BASE_VERSION} is not available from apt '
			   f'(run "apt-get update"; "apt-cache policy {BASE_PACKAGE}" '
			   f'lists the versions offered; the pin is BASE_VERSION in '
			   f'tools/testing/timens/tree.py)')
	return deb


def unpack_base(dest):
	"""Unpack the pristine source into @dest (replacing it)."""
	deb = fetch_base()
	if os.path.exists(dest):
		shutil.rmtree(dest)
	os.makedirs(dest)
	run(['sh', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - '
	     './usr/src/linux-source-6.1.tar.xz | tar -xJf - -C "$2" '
	     '--strip-components=1', 'unpack', deb, dest])
	# Debian's packaging makes git ignore the whole tree; a work tree
	# must see new files.
	gi = os.path.join(dest, '.gitignore')
	with open(gi) as f:
		text = f.read()
	text = re.sub(r'\n#\n# Debian packaging: ignore everything.*', '\n', text,
		      flags=re.S)
	with open(gi, 'w') as f:
		f.write(text.rstrip('\n') + '\n')


def file_digest(paths):
	h = hashlib.sha256()
	for p in sorted(paths):
		h.update(p.encode() + b'\0')
		with open(p, 'rb') as f:
			h.update(f.read())
	return h.hexdigest()


def strip_inputs():
	here = os.path.dirname(os.path.abspath(__file__))
	return BASE_VERSION + file_digest([os.path.join(here, 'strip.py')])


def load_stamp(kernel):
	try:
		with open(os.path.join(BUILD, kernel, 'tree.json')) as f:
			return json.load(f)
	except (OSError, ValueError):
		return {}


def save_stamp(kernel, stamp):
	with open(os.path.join(BUILD, kernel, 'tree.json'), 'w') as f:
		json.dump(stamp, f)


def prepare_upstream():
	stamp = load_stamp('upstream')
	if stamp.get('base') == BASE_VERSION:
		return
	note('unpacking the reference tree (unmodified 6.1)')
	unpack_base(tree_dir('upstream'))
	save_stamp('upstream', {'base': BASE_VERSION})


def prepare_stripped():
	stamp = load_stamp('stripped')
	if stamp.get('strip') == strip_inputs():
		return
	note('unpacking and stripping the base tree')
	dest = tree_dir('stripped')
	unpack_base(dest)
	try:
		strip.strip_tree(dest)
	except strip.StripError as e:
		raise Fail(f'strip: {e}')
	save_stamp('stripped', {'strip': strip_inputs()})


# -- the work tree -------------------------------------------------------

def repo_files():
	out = run(['git', '-C', REPO, 'ls-files', '-z', '--cached', '--others',
		   '--exclude-standard'], capture=True).stdout
	return sorted(f for f in out.split('\0') if f and
		      os.path.isfile(os.path.join(REPO, f)))


def overlay_files():
	return [f for f in repo_files() if not f.startswith(NOT_OVERLAY)]


def series():
	path = os.path.join(REPO, 'patches', 'series')
	if not os.path.exists(path):
		return []
	with open(path) as f:
		names = [l.split('#')[0].strip() for l in f]
	return [os.path.join(REPO, 'patches', n) for n in names if n]


def series_inputs():
	files = [os.path.join(REPO, f) for f in overlay_files()]
	files += series()
	m = os.path.join(REPO, 'MAINTAINERS')
	if os.path.exists(m):
		files.append(m)
	return strip_inputs() + file_digest(files) + ' '.join(overlay_files())


def worktree_state(tree):
	"""A hash of everything in the work tree, committed or not."""
	with tempfile.TemporaryDirectory() as tmp:
		index = os.path.join(tmp, 'index')
		shutil.copy(os.path.join(tree, '.git', 'index'), index)
		env = dict(os.environ, GIT_INDEX_FILE=index)
		run(['git', '-C', tree, 'add', '-A'], env=env)
		return run(['git', '-C', tree, 'write-tree'], env=env,
			   capture=True).stdout.strip()


def merge_maintainers(tree):
	"""Insert our MAINTAINERS entry in its sorted place, or replace the
	entry there."""
	ours = os.path.join(REPO, 'MAINTAINERS')
	if not os.path.exists(ours):
		return
	with open(ours) as f:
		entry = [l for l in f.read().split('\n') if l.strip()]
	path = os.path.join(tree, 'MAINTAINERS')
	with open(path) as f:
		lines = f.read().split('\n')
	if entry[0] in lines:
		start = lines.index(entry[0])
		end = lines.index('', start)
		lines[start:end] = entry
		with open(path, 'w') as f:
			f.write('\n'.join(lines))
		return
	title = entry[0]
	start = next(i for i, l in enumerate(lines) if l.startswith('3C59X'))
	i = start
	while i < len(lines):
		if (i == start or not lines[i - 1].strip()) and \
		   re.match(r'[A-Z0-9]', lines[i]) and lines[i].upper() > title.upper():
			break
		i += 1
	lines[i:i] = entry + ['']
	with open(path, 'w') as f:
		f.write('\n'.join(lines))


def build_ours():
	"""(Re)create the work tree: the stripped base and the series, then
	any edit made to the repo's copy of a new file, as a commit of its own
	(REPO_EDITS) to be folded into the patch it belongs to."""
	tree = tree_dir('ours')
	if not os.path.isdir(os.path.join(tree, '.git')):
		note('creating the work tree (stripped base + series)')
		prepare_stripped()
		if os.path.exists(tree):
			shutil.rmtree(tree)
		os.makedirs(os.path.dirname(tree), exist_ok=True)
		run(['cp', '-a', tree_dir('stripped'), tree])
		git(tree, 'init', '-q')
		# Everything, even what the kernel's .gitignore hides (dotfiles,
		# "tags"): the base must hold every file of the stripped tree.
		git(tree, 'add', '-Af')
		git(tree, 'commit', '-q', '-m', f'Stripped base: {BASE_PACKAGE} '
		    f'{BASE_VERSION} without the upstream time namespace')
		git(tree, 'tag', 'base')
	else:
		note('refreshing the work tree from the repo')
		git(tree, 'checkout', '-q', '-f', '--detach', 'base')
		git(tree, 'clean', '-q', '-fdx')
		git(tree, 'branch', '-q', '-D', 'series', check=False, capture=True)
	git(tree, 'checkout', '-q', '-b', 'series')
	for p in series():
		r = git(tree, 'am', '-q', '--keep-cr', p, check=False, capture=True)
		if r.returncode:
			git(tree, 'am', '--abort', check=False, capture=True)
			raise Fail(f'patches/{os.path.basename(p)} does not apply: '
				   f'{r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""}')
	changed, gone, entry = overlay_drift(tree)
	if changed or gone or entry:
		for f in changed:
			dst = os.path.join(tree, f)
			os.makedirs(os.path.dirname(dst), exist_ok=True)
			shutil.copy2(os.path.join(REPO, f), dst)
		for f in gone:
			os.remove(os.path.join(tree, f))
		merge_maintainers(tree)
		git(tree, 'add', '-Af', '--', *changed, *gone, 'MAINTAINERS',
		    capture=True)
		git(tree, 'commit', '-q', '-m', REPO_EDITS)


# The subject of the commit that carries edits made to the repo's copy of
# new files: "make check" fails while it exists, "make export" refuses.
REPO_EDITS = 'timens: edits of the repo\'s new files, not yet in a patch'


def new_files(tree, rev='HEAD'):
	"""The files @rev has that the base does not."""
	def files(r):
		return set(git(tree, 'ls-tree', '-r', '--name-only', '-z', r,
			       capture=True).stdout.split('\0')) - {''}
	return sorted(files(rev) - files('base'))


def overlay_drift(tree):
	"""How the repo's copy of the new files and of our MAINTAINERS entry
	differs from what the series makes in @tree: (new files the repo has
	otherwise or only, files the repo no longer has, whether the entry
	differs)."""
	made = set(new_files(tree))
	repo = set(overlay_files())
	changed = [f for f in sorted(repo) if f not in made or
		   git(tree, 'hash-object', f, capture=True).stdout.strip() !=
		   run(['git', 'hash-object', os.path.join(REPO, f)],
		       capture=True).stdout.strip()]
	gone = sorted(made - repo)
	path = os.path.join(tree, 'MAINTAINERS')
	with open(path) as f:
		before = f.read()
	merge_maintainers(tree)
	with open(path) as f:
		entry = f.read() != before
	with open(path, 'w') as f:
		f.write(before)
	return changed, gone, entry


def prepare_ours():
	"""Bring build/ours/linux up to date, never losing unexported edits."""
	tree = tree_dir('ours')
	stamp = load_stamp('ours')
	if os.path.isdir(os.path.join(tree, '.git')) and stamp.get('tree'):
		if worktree_state(tree) != stamp['tree']:
			raise Fail('build/ours/linux holds edits that are not exported: '
				   'run "make export" (or "make reset-tree" to drop them)')
		if stamp.get('inputs') == series_inputs() and \
		   stamp.get('strip') == strip_inputs():
			return
	if stamp.get('strip') != strip_inputs() and os.path.exists(tree):
		shutil.rmtree(tree)
	build_ours()
	save_stamp('ours', {'inputs': series_inputs(), 'strip': strip_inputs(),
			    'tree': worktree_state(tree)})


def prepare(kernel):
	kernel = VARIANTS.get(kernel, kernel)
	if kernel == 'upstream':
		prepare_upstream()
	elif kernel == 'stripped':
		prepare_stripped()
	else:
		prepare_ours()


def reset_ours():
	tree = tree_dir('ours')
	if os.path.exists(tree):
		save_stamp('ours', {})
		shutil.rmtree(tree)
	prepare_ours()


def export():
	"""Write the work tree's series back into the repo: one patch per
	commit, new files included, and the new files as the series leaves
	them (with our MAINTAINERS entry) as the repo's copy."""
	tree = tree_dir('ours')
	if not os.path.isdir(os.path.join(tree, '.git')):
		raise Fail('no work tree: run "make prepare" first')
	status = git(tree, 'status', '--porcelain', '--untracked-files=all',
		     capture=True).stdout.splitlines()
	junk = re.compile(r'(~|\.swp|\.orig|\.rej|\.o|\.cmd)$')
	dirty = [l[3:] for l in status if not junk.search(l[3:])]
	if dirty:
		raise Fail('uncommitted changes in build/ours/linux '
			   f'({", ".join(dirty[:3])}): commit them into the patch they '
			   'belong to (git commit --fixup, git rebase --autosquash) '
			   'or as a new patch, then export again')
	commits = git(tree, 'rev-list', '--reverse', 'base..HEAD',
		      capture=True).stdout.split()
	subjects = [git(tree, 'log', '-1', '--format=%s', c,
			capture=True).stdout.strip() for c in commits]
	if REPO_EDITS in subjects:
		raise Fail(f'build/ours/linux has the commit "{REPO_EDITS}": fold '
			   'it into the patches it belongs to (git rebase -i base), '
			   'then export again')
	# New files: the repo's copy is the series' last word.
	made = new_files(tree)
	for f in overlay_files():
		if f not in made:
			os.remove(os.path.join(REPO, f))
	exported = 0
	for f in made:
		dst = os.path.join(REPO, f)
		src = os.path.join(tree, f)
		if os.path.exists(dst) and git(tree, 'hash-object', f, capture=True).stdout \
		   == run(['git', 'hash-object', dst], capture=True).stdout:
			continue
		os.makedirs(os.path.dirname(dst), exist_ok=True)
		shutil.copy2(src, dst)
		exported += 1
	export_maintainers(tree)
	pdir = os.path.join(REPO, 'patches')
	os.makedirs(pdir, exist_ok=True)
	for p in series():
		if os.path.exists(p):
			os.remove(p)
	names = []
	for n, c in enumerate(commits, 1):
		name = git(tree, 'format-patch', '-1', '--no-signature', '--zero-commit',
			   '--full-index', f'--start-number={n}', '-o', pdir, c,
			   capture=True).stdout.strip()
		names.append(os.path.basename(name))
	with open(os.path.join(pdir, 'series'), 'w') as f:
		f.write('# SPDX-License-Identifier: GPL-2.0\n')
		f.write('# Applied in order on top of the stripped base; '
			'written by "make export".\n')
		f.write(''.join(n + '\n' for n in names))
	save_stamp('ours', {'inputs': series_inputs(), 'strip': strip_inputs(),
			    'tree': worktree_state(tree)})
	note(f'exported {exported} changed new files and {len(names)} patches')


def export_maintainers(tree):
	"""Our entry, as the series leaves it in the tree's MAINTAINERS."""
	ours = os.path.join(REPO, 'MAINTAINERS')
	with open(ours) as f:
		title = f.readline().rstrip('\n')
	with open(os.path.join(tree, 'MAINTAINERS')) as f:
		lines = f.read().split('\n')
	if title not in lines:
		raise Fail(f'the series does not add the MAINTAINERS entry "{title}"')
	start = lines.index(title)
	end = lines.index('', start)
	with open(ours, 'w') as f:
		f.write('\n'.join(lines[start:end]) + '\n')


# -- the series for the mailing list -------------------------------------

def read_text(path):
	"""A message kept in the repo, without its SPDX comment line."""
	with open(path) as f:
		lines = f.read().split('\n')
	while lines and lines[0].startswith('#'):
		lines.pop(0)
	return '\n'.join(lines)


def format_series(dest):
	"""git format-patch series against the stripped base, with a cover
	letter: patches/ as they are, each with the new files of its step.

	It is rebuilt in a scratch clone of the work tree, with git am on the
	stripped base as a maintainer applies it, checked to reproduce the
	work tree, and written to @dest.
	"""
	tree = tree_dir('ours')
	prepare_ours()
	scratch = tree_dir('mail')
	if os.path.exists(scratch):
		shutil.rmtree(scratch)
	os.makedirs(os.path.dirname(scratch), exist_ok=True)
	run(['git', 'clone', '-q', '--no-checkout', tree, scratch])
	git(scratch, 'checkout', '-q', '-B', 'mail', 'base')
	for p in series():
		r = git(scratch, 'am', '-q', '--keep-cr', p, check=False, capture=True)
		if r.returncode:
			raise Fail(f'the series does not apply with git am: '
				   f'{os.path.basename(p)}: {r.stderr.strip()[:200]}')
	edits = git(tree, 'log', '--format=%H', '--fixed-strings',
		    f'--grep={REPO_EDITS}', 'base..series', capture=True).stdout.split()
	if edits:
		files = git(tree, 'diff-tree', '--no-commit-id', '--name-only', '-r',
			    edits[0], capture=True).stdout.split()
		raise Fail('the repo\'s copy of new files differs from what '
			   f'patches/ make ({", ".join(files[:3])}): fold the commit '
			   f'"{REPO_EDITS}" in build/ours/linux into the patches it '
			   'belongs to, then "make export"')
	if git(scratch, 'diff', '--stat', 'mail', 'origin/series', capture=True).stdout:
		raise Fail('the series applied with git am differs from the work '
			   'tree (run "make export")')

	if os.path.exists(dest):
		shutil.rmtree(dest)
	git(scratch, 'format-patch', '-q', '--cover-letter', '--no-signature',
	    '--full-index', '--zero-commit', '-o', dest, 'base..mail')
	cover = sorted(glob.glob(os.path.join(dest, '0000-*')))[0]
	text = read_text(os.path.join(REPO, 'patches', 'cover-letter'))
	subject, _, blurb = text.partition('\n\n')
	with open(cover) as f:
		text = f.read()
	text = text.replace('*** SUBJECT HERE ***', subject.strip())
	text = text.replace('*** BLURB HERE ***', blurb.strip())
	with open(cover, 'w') as f:
		f.write(text)
	patches = sorted(glob.glob(os.path.join(dest, '0*.patch')))[1:]
	note(f'wrote {len(patches)} patches and a cover letter to '
	     f'{os.path.relpath(dest, REPO)}')
	return scratch, patches


def series_steps(scratch):
	"""(number, commit, subject) of each patch of the mailed series."""
	commits = git(scratch, 'rev-list', '--reverse', 'base..mail',
		      capture=True).stdout.split()
	for n, c in enumerate(commits, 1):
		subject = git(scratch, 'log', '-1', '--format=%s', c,
			      capture=True).stdout.strip()
		yield n, c, subject
