# SPDX-License-Identifier: GPL-2.0
#
# Parse the TAP that kselftests print into per-test results.
#
# A suite runs in the guest as a list of programs; each one's output is
# framed by markers so that a crash, a missing plan or a bad exit status
# is charged to the right program and never counted as a pass.

import re
import shlex

PASS, FAIL, SKIP = 'PASS', 'FAIL', 'SKIP'
BEGIN = '<<<timens-test-begin {}>>>'
END = '<<<timens-test-end {} {}>>>'
BEGIN_RX = re.compile(r'<<<timens-test-begin (\S+)>>>')
END_RX = re.compile(r'<<<timens-test-end (\S+) (\d+)>>>')
POINT_RX = re.compile(r'^(not )?ok (\d+)\b(?: -)? ?(.*?)(?:\s*#\s*(SKIP|TODO)\b\s*(.*))?$')
PLAN_RX = re.compile(r'^1\.\.(\d+)')

# kselftest exit codes
KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4


def guest_script(programs, directory):
	"""Shell commands that run each program framed by markers."""
	lines = [f'cd {shlex.quote(directory)} || exit 1']
	for p in programs:
		q = shlex.quote(p)
		lines.append(f'echo "{BEGIN.format(p)}"; ./{q} 2>&1; '
			     f'echo "{END.format(p, "$?")}"')
	return '\n'.join(lines)


# What kselftest_harness prints around every test: no news of a failure.
HARNESS_RX = re.compile(r'^(RUN|OK|FAIL|SKIP|PASSED|FAILED)\b|'
			r': Test (failed|terminated)')


def failure_detail(said, lines=3, width=400):
	"""What a failed test said of its failure, on one line: the
	harness's "Expected" lines first, else the last @lines comment
	lines it printed before its result."""
	said = [line for line in said if line and not HARNESS_RX.search(line)]
	expected = [line for line in said if ':Expected ' in line]
	text = ' | '.join((expected or said)[-lines:])
	return text if len(text) <= width else text[:width - 3] + '...'


def parse(output, programs, suite):
	"""[(status, name, detail)] for every test point of every program."""
	results = []
	chunks = {}
	current = None
	for line in output.splitlines():
		m = BEGIN_RX.search(line)
		if m:
			current = m.group(1)
			chunks[current] = {'lines': [], 'status': None}
			continue
		m = END_RX.search(line)
		if m and current == m.group(1):
			chunks[current]['status'] = int(m.group(2))
			current = None
			continue
		if current:
			chunks[current]['lines'].append(line)
	for prog in programs:
		name = f'{suite}:{prog}'
		chunk = chunks.get(prog)
		if chunk is None or chunk['status'] is None:
			results.append((FAIL, name, 'did not run to completion '
					'(guest died or hung)'))
			continue
		plan, points, said = None, [], []
		for line in chunk['lines']:
			m = PLAN_RX.match(line)
			if m and plan is None:
				plan = int(m.group(1))
				continue
			m = POINT_RX.match(line)
			if not m:
				if line.startswith('#'):
					said.append(line.lstrip('# ').strip())
				continue
			why, said = failure_detail(said), []
			failed, num, desc, directive, reason = m.groups()
			desc = desc.strip() or f'test {num}'
			if directive == 'SKIP':
				results.append((SKIP, f'{name}: {desc}', reason or ''))
			elif failed and directive != 'TODO':
				results.append((FAIL, f'{name}: {desc}', why))
			else:
				results.append((PASS, f'{name}: {desc}', ''))
			points.append(num)
		status = chunk['status']
		if plan is not None and plan != len(points):
			results.append((FAIL, name, f'planned {plan} tests, reported '
					f'{len(points)}'))
		if not points:
			results.append((FAIL, name, f'printed no TAP results '
					f'(exit status {status})'))
		elif status not in (KSFT_PASS, KSFT_SKIP) and \
		     not any(r[0] == FAIL and r[1].startswith(name) for r in results):
			results.append((FAIL, name, f'exit status {status} although '
					'no test point failed'))
	return results
