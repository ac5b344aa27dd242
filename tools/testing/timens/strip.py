# SPDX-License-Identifier: GPL-2.0
#
# Remove the upstream time namespace from an unpacked linux-source-6.1 tree.
#
# The series is written against a 6.1 tree that has never had time
# namespaces. Debian's 6.1 carries upstream's implementation, so this
# module takes it out again. It describes *what* to remove (files, config
# symbols, the statements that call a hook, the operands that name a
# flag) rather than carrying upstream's code: nothing here is a copy of
# the lines it deletes. Every edit must match exactly where it expects to,
# so a different base version fails loudly instead of stripping half.
#
# Scope: everything built for x86-64 plus the generic code (lib/vdso,
# kernel/, fs/, include/). Other architectures' vDSO glue still refers to
# the removed generic pieces; they are not built here.

import os
import re
import shutil

# Identifiers that name a piece of the time namespace. After stripping,
# none of them may occur in any file that a kernel built for x86-64
# compiles or includes (see check.py).
IDENTIFIERS = [
	'CONFIG_TIME_NS', 'TIME_NS', 'GENERIC_VDSO_TIME_NS',
	'CONFIG_GENERIC_VDSO_TIME_NS', 'CLONE_NEWTIME',
	'time_namespace', 'init_time_ns', 'time_ns_for_children',
	'timens_operations', 'timens_for_children_operations',
	'PROC_TIME_INIT_INO', 'UCOUNT_TIME_NAMESPACES', 'max_time_namespaces',
	'VDSO_CLOCKMODE_TIMENS', 'timens_offset', 'timens_offsets',
	'timens_page', 'sym_timens_page', 'TIMENS', '__timens_vdso_data',
	'_timens_data', '__arch_get_timens_vdso_data', 'do_hres_timens',
	'do_coarse_timens', 'find_timens_vvar_page', 'vdso_join_timens',
	'timens_add_monotonic', 'timens_add_boottime',
	'timens_add_boottime_ns', 'timens_sub_boottime',
	'timens_ktime_to_host', 'timens_on_fork', 'timens_commit',
	'copy_time_ns', 'get_time_ns', 'put_time_ns',
	'proc_timens_set_offset', 'proc_timens_show_offsets',
	'proc_timens_offset', 'proc_timens_offsets_operations',
	'common_nsleep_timens',
]

# Catch-all for anything the list above does not name: a word that starts
# with "timens" (not "utimensat") or contains "_timens", and the flag, the
# config symbols and the namespace type in any spelling. (A bare "time_ns"
# is a cpuidle field; the nsproxy members are caught by their type.)
CATCH_ALL = re.compile(r'(?<![A-Za-z0-9])_*timens|_timens|TIMENS|'
		       r'\bTIME_NS\b|CONFIG_TIME_NS|VDSO_TIME_NS|NEWTIME\b|'
		       r'\btime_namespace|TIME_NAMESPACES|\btime_namespaces\b|'
		       r'time_ns_for_children')

# Files that exist only for the upstream time namespace.
REMOVED_PATHS = [
	'kernel/time/namespace.c',
	'include/linux/time_namespace.h',
	'tools/testing/selftests/timens',
]

# Files whose hooks are removed below. A file not in this list that still
# mentions an identifier fails the strip check.
HOOKED_FILES = [
	'MAINTAINERS',
	'arch/x86/Kconfig',
	'arch/x86/entry/vdso/vdso-layout.lds.S',
	'arch/x86/entry/vdso/vdso2c.c',
	'arch/x86/entry/vdso/vma.c',
	'arch/x86/include/asm/vdso.h',
	'arch/x86/include/asm/vdso/gettimeofday.h',
	'arch/x86/include/asm/vvar.h',
	'fs/proc/array.c',
	'fs/proc/base.c',
	'fs/proc/namespaces.c',
	'fs/proc/stat.c',
	'fs/proc/uptime.c',
	'fs/timerfd.c',
	'include/linux/nsproxy.h',
	'include/linux/proc_ns.h',
	'include/linux/user_namespace.h',
	'include/uapi/linux/sched.h',
	'include/vdso/clocksource.h',
	'include/vdso/datapage.h',
	'include/vdso/time.h',
	'init/Kconfig',
	'kernel/fork.c',
	'kernel/futex/syscalls.c',
	'kernel/nsproxy.c',
	'kernel/sys.c',
	'kernel/time/Makefile',
	'kernel/time/alarmtimer.c',
	'kernel/time/posix-stubs.c',
	'kernel/time/posix-timers.c',
	'kernel/ucount.c',
	'lib/vdso/Kconfig',
	'lib/vdso/gettimeofday.c',
	'tools/testing/selftests/Makefile',
]


class StripError(Exception):
	pass


class Source:
	"""One file being edited; every edit states how often it must apply."""

	def __init__(self, tree, path):
		self.path = path
		self.file = os.path.join(tree, path)
		with open(self.file) as f:
			self.lines = f.read().split('\n')

	def save(self):
		with open(self.file, 'w') as f:
			f.write('\n'.join(self.lines))

	def fail(self, what):
		raise StripError(f'{self.path}: {what}')

	def expect(self, n, want, what):
		if want is not None and n != want:
			self.fail(f'{what}: {n} matches, expected {want}')
		if n == 0:
			self.fail(f'{what}: no match')

	def drop_lines(self, pattern, count=None):
		"""Delete whole lines matching a regular expression."""
		rx = re.compile(pattern)
		keep = [l for l in self.lines if not rx.search(l)]
		self.expect(len(self.lines) - len(keep), count, f'lines /{pattern}/')
		self.lines = keep

	def sub(self, pattern, repl, count=None):
		"""Regex substitution over the whole text (for operands)."""
		text, n = re.subn(pattern, repl, '\n'.join(self.lines))
		self.expect(n, count, f'substitute /{pattern}/')
		self.lines = text.split('\n')

	def drop_conditionals(self, symbol):
		"""Delete every #if block on @symbol, all of its branches.

		Both the code for "enabled" and the stubs for "disabled" exist
		only for the time namespace, so neither survives.
		"""
		rx = re.compile(r'^\s*#\s*if(n?def\s+|\s+.*\b)%s\b' % symbol)
		n = 0
		i = 0
		while i < len(self.lines):
			if not rx.match(self.lines[i]):
				i += 1
				continue
			depth, j = 0, i
			while j < len(self.lines):
				l = self.lines[j].strip()
				if re.match(r'#\s*if', l):
					depth += 1
				elif re.match(r'#\s*endif', l):
					depth -= 1
					if depth == 0:
						break
				j += 1
			else:
				self.fail(f'unterminated #if {symbol}')
			end = j + 1
			# Do not leave two blank lines where the block was.
			if (i > 0 and end < len(self.lines) and
			    not self.lines[i - 1].strip() and
			    not self.lines[end].strip()):
				end += 1
			del self.lines[i:end]
			n += 1
		self.expect(n, None, f'#if {symbol}')

	def _tidy(self, i):
		"""After a deletion at @i, do not leave a doubled blank line or a
		blank line just inside an opening brace."""
		if 0 < i < len(self.lines) and not self.lines[i].strip():
			above = self.lines[i - 1].rstrip()
			if not above or above.endswith('{'):
				del self.lines[i]

	def _header_start(self, i):
		"""First line of an if/else-if header that ends at line @i (the
		line just above a statement), or None if line @i ends none."""
		if not self.lines[i].rstrip().endswith(')'):
			return None
		text = ''
		for k in range(i, max(i - 4, -1), -1):
			line = self.lines[k].strip()
			if k < i and line.endswith((';', '{', '}')):
				return None
			text = line + ' ' + text
			if text.count('(') == text.count(')') and \
			   re.match(r'(\}\s*)?(else\s+)?if\s*\(', text):
				return k
		return None

	def drop_statements(self, pattern, count=None):
		"""Delete each statement line matching @pattern.

		A statement that was the only body of an unbraced if (or else
		if) takes its header with it; one that was the only statement
		of a braced else block takes the else with it.
		"""
		rx = re.compile(pattern)
		n = 0
		i = 0
		while i < len(self.lines):
			if not rx.search(self.lines[i]):
				i += 1
				continue
			if not self.lines[i].rstrip().endswith(';'):
				self.fail(f'/{pattern}/ matches a non-statement line {i + 1}')
			n += 1
			first, last = i, i
			h = self._header_start(i - 1)
			prev = self.lines[i - 1].strip()
			if h is not None and not prev.endswith('{'):
				if self.lines[h].strip().startswith('}'):
					self.fail(f'line {i + 1}: "}} else if" body')
				first = h
			elif prev == '} else {' and self.lines[i + 1].strip() == '}':
				indent = self.lines[i - 1][:len(self.lines[i - 1]) -
							   len(self.lines[i - 1].lstrip())]
				self.lines[i - 1] = indent + '}'
				last = i + 1
			del self.lines[first:last + 1]
			self._tidy(first)
			i = first
		self.expect(n, count, f'statements /{pattern}/')

	def _block_end(self, i):
		"""Index of the line closing the brace block opened at/after @i."""
		depth, seen = 0, False
		for j in range(i, len(self.lines)):
			depth += self.lines[j].count('{') - self.lines[j].count('}')
			seen = seen or '{' in self.lines[j]
			if seen and depth == 0:
				return j
		self.fail(f'unbalanced braces from line {i + 1}')

	def drop_function(self, name, count=1):
		"""Delete the definition of function @name and its comment."""
		rx = re.compile(r'^[A-Za-z_].*\b%s\(' % re.escape(name))
		n = 0
		i = 0
		while i < len(self.lines):
			if not rx.match(self.lines[i]) or \
			   self.lines[i].rstrip().endswith(';'):
				i += 1
				continue
			end = self._block_end(i)
			start = i
			while start > 0 and re.match(r'^(static|const|struct|'
						     r'[a-z_]+ \*?$)', self.lines[start - 1]):
				start -= 1
			start = self._comment_start(start)
			if end + 1 < len(self.lines) and not self.lines[end + 1].strip():
				end += 1
			del self.lines[start:end + 1]
			n += 1
		self.expect(n, count, f'function {name}')

	def _comment_start(self, i):
		"""Extend @i upwards over a block comment that ends just above."""
		if i > 0 and self.lines[i - 1].strip().endswith('*/'):
			k = i - 1
			while k >= 0 and '/*' not in self.lines[k]:
				k -= 1
			return k
		return i

	def drop_comment(self, pattern, count=1):
		"""Delete each comment (one-line or block) matching @pattern."""
		rx = re.compile(pattern)
		n = 0
		i = 0
		while i < len(self.lines):
			if '/*' not in self.lines[i] or \
			   self.lines[i].split('/*')[0].strip():
				i += 1
				continue
			j = i
			while '*/' not in self.lines[j]:
				j += 1
			if rx.search('\n'.join(self.lines[i:j + 1])):
				del self.lines[i:j + 1]
				self._tidy(i)
				n += 1
			else:
				i = j + 1
		self.expect(n, count, f'comment /{pattern}/')

	def drop_else_if(self, pattern, count=1):
		"""Delete an "} else if (...) {...}" branch whose header matches."""
		rx = re.compile(r'^(\s*)\} else if \(.*%s.*\{$' % pattern)
		n = 0
		i = 0
		while i < len(self.lines):
			m = rx.match(self.lines[i])
			if not m:
				i += 1
				continue
			depth, end = 1, i + 1
			while depth:
				depth += self.lines[end].count('{')
				depth -= self.lines[end].count('}')
				end += 1
			# The branch's closing brace now closes the branch before.
			self.lines[i] = m.group(1) + '}'
			del self.lines[i + 1:end]
			n += 1
		self.expect(n, count, f'else-if branch /{pattern}/')

	def drop_kconfig(self, symbol):
		"""Delete a "config SYMBOL" entry up to the next entry."""
		start = None
		for i, l in enumerate(self.lines):
			if l == f'config {symbol}':
				start = i
				break
		if start is None:
			self.fail(f'no config {symbol}')
		end = start + 1
		while end < len(self.lines) and \
		      not re.match(r'(config|menuconfig|endif|endmenu|if|menu|'
				   r'choice|source|comment)\b', self.lines[end]):
			end += 1
		del self.lines[start:end]


def strip_tree(tree):
	"""Apply the whole transformation to the tree at @tree, in place."""
	for p in REMOVED_PATHS:
		full = os.path.join(tree, p)
		if os.path.isdir(full):
			shutil.rmtree(full)
		elif os.path.exists(full):
			os.remove(full)
		else:
			raise StripError(f'{p}: missing, not a 6.1 tree?')

	src = {p: Source(tree, p) for p in HOOKED_FILES}

	def edit(path):
		return src[path]

	# No MAINTAINERS entry may name a file that is gone (POSIX CLOCKS and
	# TIMERS names both): the series' own entry owns the new ones.
	edit('MAINTAINERS').drop_lines(
		r'^F:\t(%s)/?$' % '|'.join(re.escape(p) for p in REMOVED_PATHS), 2)

	# Configuration, build and uapi.
	edit('init/Kconfig').drop_kconfig('TIME_NS')
	edit('lib/vdso/Kconfig').drop_kconfig('GENERIC_VDSO_TIME_NS')
	edit('arch/x86/Kconfig').drop_lines(r'^\s*select GENERIC_VDSO_TIME_NS$', 1)
	edit('kernel/time/Makefile').drop_lines(r'CONFIG_TIME_NS', 1)
	edit('tools/testing/selftests/Makefile').drop_lines(r'^TARGETS \+= timens$', 1)
	edit('include/uapi/linux/sched.h').drop_lines(r'#define CLONE_NEWTIME\b', 1)

	for s in src.values():
		if any('linux/time_namespace.h' in l for l in s.lines):
			s.drop_lines(r'^#include <linux/time_namespace\.h>$', 1)
		if any(re.search(r'#\s*if.*\bCONFIG_TIME_NS\b', l) for l in s.lines):
			s.drop_conditionals('CONFIG_TIME_NS')

	# nsproxy, fork, unshare, setns, procfs and ucounts.
	edit('include/linux/nsproxy.h').drop_lines(r'struct time_namespace \*', 2)
	edit('include/linux/proc_ns.h').drop_lines(r'\btimens(_for_children)?_operations;', 2)
	edit('include/linux/proc_ns.h').drop_lines(r'\bPROC_TIME_INIT_INO\b', 1)
	edit('include/linux/user_namespace.h').drop_lines(r'^\s*UCOUNT_TIME_NAMESPACES,$', 1)
	edit('kernel/ucount.c').drop_lines(r'"max_time_namespaces"', 1)
	for f in ('kernel/fork.c', 'kernel/nsproxy.c'):
		# "A | CLONE_NEWTIME" and "CLONE_NEWTIME | B" operands.
		edit(f).sub(r'\s*\|\s*CLONE_NEWTIME\b|\bCLONE_NEWTIME\s*\|\s*', '')
	edit('kernel/fork.c').sub(r'\(CSIGNAL & \(~CLONE_NEWTIME\)\)', 'CSIGNAL', 1)
	edit('kernel/fork.c').drop_comment(r'different time namespace', 1)
	edit('kernel/fork.c').sub(r'\n\tif \(clone_flags & \(CLONE_THREAD \| CLONE_VM\)\) \{\n'
				  r'\t\tif \(nsp->time_ns [^\n]*\n[^\n]*\n\t\}\n', '', 1)
	nsproxy = edit('kernel/nsproxy.c')
	nsproxy.sub(r'\n\tnew_nsp->time_ns_for_children = copy_time_ns\((.|\n)*?'
		    r'get_time_ns\(tsk->nsproxy->time_ns\);\n', '', 1)
	nsproxy.sub(r'\nout_time:\n\tput_net\(new_nsp->net_ns\);\n', '\n', 1)
	nsproxy.drop_statements(r'put_time_ns\(', 2)
	nsproxy.drop_statements(r'^\s*timens_on_fork\(', 1)
	# The fast path no longer needs the time/time_for_children test.
	nsproxy.sub(r'\t\tif \(likely\(old_ns->time_ns_for_children == '
		    r'old_ns->time_ns\)\) \{\n\t\t\t(get_nsproxy\(old_ns\);)\n'
		    r'\t\t\t(return 0;)\n\t\t\}\n', r'\t\t\1\n\t\t\2\n', 1)

	# Clocks, timers and everything that reports uptime.
	for f in ('fs/proc/uptime.c', 'kernel/sys.c', 'kernel/time/alarmtimer.c',
		  'kernel/time/posix-stubs.c', 'kernel/time/posix-timers.c',
		  'fs/proc/stat.c'):
		s = edit(f)
		if any(re.search(r'^\s*timens_(add|sub)_', l) for l in s.lines):
			s.drop_statements(r'^\s*timens_(add|sub)_\w+\(')
	edit('fs/proc/stat.c').drop_comment(r'timens offset', 1)
	edit('fs/proc/array.c').sub(r'/\* apply timens offset for boottime and ', '/* ', 1)
	edit('fs/proc/array.c').sub(r'start_time =\n\t\tnsec_to_clock_t\(timens_add_boottime_ns'
				    r'\(([^()]*)\)\);', r'start_time = nsec_to_clock_t(\1);', 1)
	for f, n in (('fs/timerfd.c', 1), ('kernel/futex/syscalls.c', 1),
		     ('kernel/time/alarmtimer.c', 1), ('kernel/time/posix-stubs.c', 2),
		     ('kernel/time/posix-timers.c', 2)):
		edit(f).drop_statements(r'= timens_ktime_to_host\(', n)
	posix = edit('kernel/time/posix-timers.c')
	posix.drop_function('common_nsleep_timens')
	posix.sub(r'\bcommon_nsleep_timens\b', 'common_nsleep', 2)

	# The vDSO: the fourth VVAR page and the namespace slow paths.
	lds = edit('arch/x86/entry/vdso/vdso-layout.lds.S')
	lds.sub(r'vvar_start = \. - 4 \* PAGE_SIZE;', 'vvar_start = . - 3 * PAGE_SIZE;', 1)
	lds.drop_lines(r'^\ttimens_page\s*=', 1)
	lds.sub(r'\n#undef _ASM_X86_VVAR_H\n[^\n]*timens too[^\n]*\n'
		r'#define EMIT_VVAR\(name, offset\) timens_[^\n]*\n'
		r'#include <asm/vvar.h>\n#undef EMIT_VVAR\n', '', 1)
	edit('arch/x86/entry/vdso/vdso2c.c').drop_lines(r'\bsym_timens_page\b', 3)
	edit('arch/x86/include/asm/vdso.h').drop_lines(r'\bsym_timens_page;', 1)
	vvar = edit('arch/x86/include/asm/vvar.h')
	vvar.sub(r'\n\textern type timens_ ## name\[CS_BASES\]\s*\\\n'
		 r'\t__attribute__\(\(visibility\("hidden"\)\)\);\s*\\\n', '\n', 1)
	vvar.sub(r'\t__attribute__\(\(visibility\("hidden"\)\)\);\t+\t\\\n\n',
		 '\t__attribute__((visibility("hidden")));\n\n', 1)
	vvar.drop_lines(r'^#define TIMENS\(name\)', 1)
	edit('arch/x86/include/asm/vdso/gettimeofday.h').drop_lines(r'^#define __timens_vdso_data', 1)
	vma = edit('arch/x86/entry/vdso/vma.c')
	vma.drop_else_if(r'sym_timens_page', 1)
	vma.drop_comment(r'specific VVAR is mapped', 1)
	vma.sub(r'\t\tstruct page \*timens_page = find_timens_vvar_page\(vma\);\n\n', '', 1)
	vma.sub(r'\n\n\t\tif \(timens_page\) \{\n(.|\n)*?\n\t\t\}\n\n', '\n', 1)

	clocksource = edit('include/vdso/clocksource.h')
	clocksource.sub(r',\n\n\t/\* Indicator for time namespace VDSO \*/\n'
			r'\tVDSO_CLOCKMODE_TIMENS = INT_MAX\n', ',\n', 1)
	datapage = edit('include/vdso/datapage.h')
	datapage.sub(r'\n \*\n \* @offset is used by the special time namespace'
		     r'(.|\n)*?offset must be zero\.\n', '\n', 1)
	datapage.sub(r'\tunion \{\n\t\t(struct vdso_timestamp\s+basetime\[VDSO_BASES\];)\n'
		     r'\t\tstruct timens_offset\s+offset\[VDSO_BASES\];\n\t\};\n',
		     r'\t\1\n', 1)
	datapage.drop_lines(r'\b_timens_data\b', 1)
	edit('include/vdso/time.h').sub(r'\nstruct timens_offset \{\n[^}]*\};\n', '', 1)
	gtod = edit('lib/vdso/gettimeofday.c')
	gtod.drop_comment(r'Open coded to handle VDSO_CLOCK(MODE)?_TIMENS', 2)
	gtod.drop_statements(r'return do_(hres|coarse)_timens\(', 2)
	gtod.drop_statements(r'vd = __arch_get_timens_vdso_data\(vd\);', 3)

	for s in src.values():
		s.save()


def leftovers(tree, paths):
	"""(path, line number, line) for every mention that survived."""
	ids = re.compile(r'\b(%s)\b' % '|'.join(map(re.escape, IDENTIFIERS)))
	found = []
	for p in paths:
		try:
			with open(os.path.join(tree, p), errors='replace') as f:
				for n, l in enumerate(f, 1):
					if ids.search(l) or CATCH_ALL.search(l):
						found.append((p, n, l.rstrip()))
		except FileNotFoundError:
			pass
	return found
