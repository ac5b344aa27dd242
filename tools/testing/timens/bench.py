# SPDX-License-Identifier: GPL-2.0
#
# "make bench": the stripped base, ours and the unmodified 6.1 reference,
# built with the same configuration and booted in the same VM, measured
# side by side. Writes bench/results/README.md (tables, kernels, commands,
# targets) and bench/results/chart.png.
#
# Under TCG a guest's wall-clock figures are only comparable as ratios,
# so each boot measures its host and namespace cells interleaved, and the
# boots of the three kernels take turns. Instruction counts come from
# check.py's single-stepper and do not depend on the emulator's speed.

import json
import os
import shlex
import statistics
import subprocess
import time

import build
import check
import vm
from util import Fail, REPO, BUILD, run, note

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, 'bench', 'results')
KERNELS = ('stripped', 'ours', 'upstream')
CLOCKS = ('MONOTONIC', 'MONOTONIC_RAW', 'MONOTONIC_COARSE', 'BOOTTIME', 'REALTIME')
MONO, BOOT = 86400, 172800
IN_NS = f'unshare --time --monotonic {MONO} --boottime {BOOT} --fork'

# Sizes: the whole run stays well under 30 minutes on 2 cores under TCG.
BOOTS = 3		# boots of each kernel for the hot loop
ROUNDS = 3		# hot loop rounds per boot, host and namespace interleaved
HOT_MS = 300		# per clock and round
COLD_RUNS = 1000	# fresh processes per cold-cache cell
FORKS = 1000		# per round, host and namespace interleaved
UNSHARE_FORKS = 1000
SETNS = 2000
SCALE = 10000


def guest_script(bench, kernel, first):
	"""What a boot of @kernel runs; every line it prints that matters
	starts with "bench" and is tagged by the "context" before it."""
	b = shlex.quote(bench)
	ns = kernel != 'stripped'
	lines = ['set -e', 'echo "context uname $(uname -r)"']
	for _ in range(ROUNDS):
		lines += ['echo "context host"', f'{b} hot {HOT_MS}', f'{b} fork {FORKS}']
		if ns:
			lines += ['echo "context ns"', f'{IN_NS} {b} hot {HOT_MS}',
				  f'{IN_NS} {b} fork {FORKS}']
	if not first:
		return '\n'.join(lines)
	for c in CLOCKS:
		lines += ['echo "context host"', f'{b} cold {c} {COLD_RUNS}']
		if ns:
			lines += ['echo "context ns"', f'{IN_NS} {b} cold {c} {COLD_RUNS}']
	if ns:
		lines += ['echo "context host"', f'{b} unshare-fork {UNSHARE_FORKS}',
			  f'{b} setns {SETNS}', f'{b} scale {SCALE}']
	return '\n'.join(lines)


def parse(output):
	"""{(context, what, key): [values]} from a boot's output."""
	got = {}
	context = 'host'
	for line in output.splitlines():
		f = line.split()
		if len(f) >= 2 and f[0] == 'context':
			context = f[1]
			if f[1] == 'uname':
				got[('uname',)] = f[2]
		elif len(f) >= 3 and f[0] == 'bench':
			key = (context, f[1]) + ((f[2],) if len(f) > 3 else ())
			vals = [float(v) for v in f[3 if len(f) > 3 else 2:]]
			got.setdefault(key, []).append(vals)
	return got


def boot(kernel, script, log, args):
	log.write(f'\n==== {kernel} ====\n')
	log.flush()
	status, output = vm.run_in_guest(build.bzimage(kernel), script,
					 kvm=args.kvm, timeout=max(args.timeout, 1500),
					 out=log)
	if status:
		raise Fail(f'bench on {kernel} failed in the guest (status '
			   f'{status}); see {os.path.relpath(log.name, REPO)}')
	return parse(output)


def median(xs):
	return statistics.median(xs) if xs else None


def fmt(v, digits=0):
	if v is None:
		return '-'
	return f'{v:,.{digits}f}'


def ratio(a, b):
	return a / b if a is not None and b else None


CPU_HOT = 1000000	# calls per round of the in-process hot loop
# Processes per hot figure, the fastest taken: one process's figure is
# bimodal here (10.4 or 15 ns a call for the same image), by where ASLR
# put its stack and the image.
CPU_HOT_PROCS = 7
CPU_COLD = 2000		# flushed calls of the in-process cold measurement


def icounts():
	"""{(image, clock, column): figure} from bench/vdso_icount.c for every
	built image: instructions per call (single-stepped), and, on this
	machine's CPU, nanoseconds per call in a hot loop ('hot') and TSC
	ticks of one call after a cache flush ('cold')."""
	tools = check.icount_tools()
	got = {}
	for image, bits, entry in check.ICOUNT_IMAGES:
		for clock, name in check.ICOUNT_CLOCKS.items():
			for col in check.ICOUNT_CELLS:
				got[(image, name, col)], _ = check.icount_cell(
					tools, col, bits, clock, entry)
				hot = [check.icount_cell(tools, col, bits, clock, entry,
							 ('--hot', str(CPU_HOT)))[0]
				       for _ in range(CPU_HOT_PROCS)]
				got[('hot', image, name, col)] = None if None in hot \
					else min(hot)
				got[('cold', image, name, col)], _ = check.icount_cell(
					tools, col, bits, clock, entry,
					('--cold', str(CPU_COLD)))
	return got


def chart(hot, path):
	"""Hot-loop speed relative to the stripped base, per clock."""
	data = os.path.join(BUILD, 'bench', 'chart.dat')
	with open(data, 'w') as f:
		f.write('clock "ours host" "ours ns" "upstream host" "upstream ns"\n')
		for c in CLOCKS:
			base = hot[('stripped', 'host', c)]
			row = [ratio(hot.get((k, ctx, c)), base) or 0
			       for k in ('ours', 'upstream') for ctx in ('host', 'ns')]
			f.write(c + ' ' +
				' '.join(f'{v:.4f}' for v in row) + '\n')
	script = f'''
set terminal pngcairo size 900,480 font "sans,10" noenhanced
set output "{path}"
set title "clock_gettime() calls per second, relative to the stripped base (hot loop, median)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set yrange [0:1.2]
set ytics 0.1
set grid ytics
set key top right horizontal
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot "{data}" using 2:xtic(1) title columnhead lc rgb "#1f77b4", \\
     "" using 3 title columnhead lc rgb "#aec7e8", \\
     "" using 4 title columnhead lc rgb "#d62728", \\
     "" using 5 title columnhead lc rgb "#ff9896"
'''
	run(['gnuplot'], input=script, text=True)


def git_head():
	r = subprocess.run(['git', '-C', REPO, 'describe', '--always', '--dirty'],
			   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
	return r.stdout.strip() or 'unknown'


def main(args):
	t0 = time.time()
	# Before the report and chart are rewritten, which would make it -dirty.
	head = git_head()
	for k in KERNELS:
		build.build(k)
	outdir = os.path.join(BUILD, 'bench')
	os.makedirs(outdir, exist_ok=True)
	bench = os.path.join(outdir, 'clock_bench')
	# Bound at load: a lazy binding would put the dynamic linker inside
	# the cold-cache measurement of the first call.
	run(['gcc', '-O2', '-Wall', '-Werror', '-Wl,-z,now', '-o', bench,
	     os.path.join(HERE, 'bench', 'clock_bench.c')])
	note('counting instructions per call')
	ic = icounts()
	runs = {k: [] for k in KERNELS}
	with open(os.path.join(outdir, 'guest.log'), 'w') as log:
		for i in range(BOOTS):
			for k in KERNELS:
				note(f'boot {i + 1}/{BOOTS} of {k}')
				runs[k].append(boot(k, guest_script(bench, k, i == 0),
						    log, args))
	# Kept, so that the report can be rewritten without the guests.
	with open(os.path.join(outdir, 'runs.json'), 'w') as f:
		json.dump({'runs': {k: [{' '.join(key): v for key, v in r.items()}
				       for r in runs[k]] for k in KERNELS},
			   'icount': {' '.join(key): v for key, v in ic.items()}},
			  f, indent=1)
	report(runs, ic, time.time() - t0, head)
	return 0


def report(runs, ic, seconds, head=None):
	def values(k, *key):
		out = []
		for r in runs[k]:
			out += [v for vals in r.get(key, []) for v in vals[:1]]
		return out

	def first(k, *key, index=0):
		v = runs[k][0].get(key)
		return v[0][index] if v else None

	hot = {}
	for k in KERNELS:
		for ctx in ('host', 'ns'):
			for c in CLOCKS:
				hot[(k, ctx, c)] = median(values(k, ctx, 'hot', c))
	os.makedirs(RESULTS, exist_ok=True)
	chart(hot, os.path.join(RESULTS, 'chart.png'))

	unames = {k: runs[k][0].get(('uname',), '?') for k in KERNELS}
	md = ['# Time namespace benchmarks: stripped base, ours, upstream', '',
	      f'Written by `make bench` ({fmt(seconds / 60, 1)} minutes), '
	      f'series at `{head or git_head()}`.', '',
	      '![hot loop, relative to the stripped base](chart.png)', '',
	      '## Kernels', '',
	      '| kernel | what | uname -r |', '| --- | --- | --- |',
	      f'| stripped | Debian linux-source-6.1 with the time namespace code removed | {unames["stripped"]} |',
	      f'| ours | the stripped base plus patches/series | {unames["ours"]} |',
	      f'| upstream | Debian linux-source-6.1 unmodified | {unames["upstream"]} |', '',
	      'All three: the same configuration (allnoconfig + '
	      '`tools/testing/timens/configs/vm.config` + the selftests\' config), '
	      'QEMU TCG, 2 vCPUs, 1 GiB, TSC clocksource (`tsc=reliable`), the host\'s root '
	      'read-only over 9p. "ns" cells run inside '
	      f'`{IN_NS}`.', '',
	      '## Hot loop: clock_gettime() calls per second', '',
	      f'`clock_bench hot {HOT_MS}`: each clock called in a loop for {HOT_MS} ms; '
	      f'median of {BOOTS} boots x {ROUNDS} rounds, host and namespace '
	      'rounds interleaved in each boot. TCG wall-clock figures: compare the '
	      'ratios, not the absolute rates.', '',
	      '| clock | stripped | ours host | ours ns | upstream host | upstream ns '
	      '| ours host / stripped | ours ns / stripped | upstream host / stripped '
	      '| upstream ns / stripped | ours ns / ours host | upstream ns / upstream host |',
	      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
	for c in CLOCKS:
		s = hot[('stripped', 'host', c)]
		oh, on = hot[('ours', 'host', c)], hot[('ours', 'ns', c)]
		uh, un = hot[('upstream', 'host', c)], hot[('upstream', 'ns', c)]
		md.append(f'| {c} | {fmt(s)} | {fmt(oh)} | {fmt(on)} | {fmt(uh)} | '
			  f'{fmt(un)} | {fmt(ratio(oh, s), 3)} | {fmt(ratio(on, s), 3)} | '
			  f'{fmt(ratio(uh, s), 3)} | {fmt(ratio(un, s), 3)} | '
			  f'{fmt(ratio(on, oh), 3)} | {fmt(ratio(un, uh), 3)} |')
	md += ['', '## Instructions per call', '',
	       'Each built vDSO image single-stepped (ptrace) in a host process on a '
	       'synthetic VVAR page set (`tools/testing/timens/bench/vdso_icount.c`), '
	       'so the count is exact and independent of the emulator. The same '
	       'counter is asserted by `make check`.', '',
	       '| image | clock | stripped | ours host | ours ns | upstream host | upstream ns |',
	       '| --- | --- | --- | --- | --- | --- | --- |']
	for image, _, _ in check.ICOUNT_IMAGES:
		for c in check.ICOUNT_CLOCKS.values():
			md.append(f'| {image} | {c} | ' + ' | '.join(
				fmt(ic.get((image, c, col))) for col in check.ICOUNT_CELLS) + ' |')
	cols = tuple(check.ICOUNT_CELLS)
	for how, title, unit, digits in (
			('hot', 'Hot loop on this machine\'s CPU', 'nanoseconds per call, '
			 f'the fastest of {CPU_HOT_PROCS} processes, each the fastest '
			 f'of 15 rounds of {CPU_HOT:,} calls', 2),
			('cold', 'Cold cache on this machine\'s CPU', 'TSC ticks of one call '
			 'with the image and its VVAR area flushed from the caches '
			 f'(clflush), the mode of {CPU_COLD:,}', 0)):
		md += ['', f'## {title}', '',
		       f'The same built images, run in a host process by '
		       f'`vdso_icount --{how}` on a synthetic VVAR: the real '
		       'processor, not the emulator, runs the vDSO code each kernel '
		       f'maps ({unit}). The kernel\'s alternatives are not applied '
		       '(the same in every image). Lower is better.', '',
		       '| image | clock | stripped | ours host | ours ns | upstream host '
		       '| upstream ns | ours ns / ours host | upstream ns / upstream host |',
		       '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
		for image, _, _ in check.ICOUNT_IMAGES:
			for c in check.ICOUNT_CLOCKS.values():
				v = [ic.get((how, image, c, col)) for col in cols]
				md.append(f'| {image} | {c} | ' + ' | '.join(
					fmt(x, digits) for x in v) +
					f' | {fmt(ratio(v[2], v[1]), 3)} | {fmt(ratio(v[4], v[3]), 3)} |')
	md += ['', '## Cold cache: TSC ticks around one call in a fresh process', '',
	       f'`clock_bench cold CLOCK {COLD_RUNS}`: the cover letter\'s method, '
	       f'rdtsc / clock_gettime() / rdtsc in a freshly exec\'ed process, '
	       f'{COLD_RUNS} processes, the mode (buckets of 1% of the median). The '
	       'first call of a process also faults in the VVAR pages it reads '
	       '(in a namespace one more: the offsets page, or upstream\'s '
	       'namespace page). Under TCG the '
	       'guest has no caches of its own to be cold: this measures the '
	       'emulated path, not the hardware\'s misses.', '',
	       '| clock | stripped | ours host | ours ns | upstream host | upstream ns '
	       '| ours ns / ours host | upstream ns / upstream host |',
	       '| --- | --- | --- | --- | --- | --- | --- | --- |']
	cold = {}
	for c in CLOCKS:
		for k in KERNELS:
			for ctx in ('host', 'ns'):
				cold[(k, ctx, c)] = first(k, ctx, 'cold', c)
		md.append(f'| {c} | ' + ' | '.join(fmt(cold[key]) for key in (
			('stripped', 'host', c), ('ours', 'host', c), ('ours', 'ns', c),
			('upstream', 'host', c), ('upstream', 'ns', c))) +
			f' | {fmt(ratio(cold[("ours", "ns", c)], cold[("ours", "host", c)]), 3)}'
			f' | {fmt(ratio(cold[("upstream", "ns", c)], cold[("upstream", "host", c)]), 3)} |')
	ops = {(k, w): first(k, *w) for k in KERNELS for w in (
		('host', 'unshare-fork'),
		('host', 'setns'), ('host', 'scale-rate'), ('host', 'scale-memory'),
		('host', 'scale-slab'), ('host', 'scale-left-memory'),
		('host', 'scale-left-slab'))}
	for k in KERNELS:
		for ctx in ('host', 'ns'):
			ops[(k, (ctx, 'fork'))] = median(values(k, ctx, 'fork'))
	md += ['', '## Namespace operations (ns per operation)', '',
	       f'`clock_bench fork {FORKS}` (fork, _exit, waitpid) on the host and '
	       f'in a namespace, median of {BOOTS} boots x {ROUNDS} rounds, host and '
	       f'namespace rounds interleaved; `unshare-fork {UNSHARE_FORKS}` (a new namespace '
	       f'for every child); `setns {SETNS}` (into a namespace and back, one '
	       'pair per operation).', '',
	       '| operation | stripped | ours | upstream |', '| --- | --- | --- | --- |']
	for label, w in (('fork, host', ('host', 'fork')),
			 ('fork, in a namespace', ('ns', 'fork')),
			 ('unshare(CLONE_NEWTIME) + fork', ('host', 'unshare-fork')),
			 ('setns in and out', ('host', 'setns'))):
		md.append(f'| {label} | ' + ' | '.join(fmt(ops[(k, w)]) for k in KERNELS) + ' |')
	md += ['', f'## Scale: {SCALE:,} time namespaces held by descriptors', '',
	       f'`clock_bench scale {SCALE}`: unshare(CLONE_NEWTIME) and open '
	       '/proc/self/ns/time_for_children, 10,000 times; memory from '
	       '/proc/meminfo (MemFree: slab, pages and the descriptors\' files '
	       'and nsfs inodes; Slab: slab alone) after caches are dropped; then '
	       'every descriptor closed and the same figures read again.', '',
	       '| | ours | upstream |', '| --- | --- | --- |']
	for label, key, d in (('namespaces created per second', 'scale-rate', 0),
			      ('memory per namespace (bytes)', 'scale-memory', 0),
			      ('of which slab (bytes)', 'scale-slab', 0),
			      ('memory not back after freeing all (bytes)', 'scale-left-memory', 0),
			      ('slab not back after freeing all (bytes)', 'scale-left-slab', 0)):
		md.append(f'| {label} | ' + ' | '.join(
			fmt(ops[(k, ('host', key))], d) for k in ('ours', 'upstream')) + ' |')

	md += ['', '## Targets', '']
	md += targets(hot, ic, cold, ops)
	md += ['', '## Reproduce', '',
	       '    make bench', '',
	       'builds (or reuses) the three kernels and rewrites this file and '
	       'chart.png; the guests\' raw output is in build/bench/guest.log.',
	       f'Sizes: {BOOTS} boots per kernel, {ROUNDS} hot rounds per boot of '
	       f'{HOT_MS} ms per clock, {COLD_RUNS} cold processes per cell, '
	       f'{FORKS} forks, {UNSHARE_FORKS} unshare+fork, {SETNS} setns pairs, '
	       f'{SCALE} namespaces (`tools/testing/timens/bench.py`).', '']
	with open(os.path.join(RESULTS, 'README.md'), 'w') as f:
		f.write('\n'.join(md))
	print('\n'.join(md))


def targets(hot, ic, cold, ops):
	"""The issue's targets, each with its figure: met or missed. A figure
	that could not be measured misses its target."""
	out = []

	def line(ok, text):
		out.append(f'- {"met" if ok else "**missed**"}: {text}')

	def ok_all(xs, test):
		return bool(xs) and all(x is not None and test(x) for x in xs)

	def diff(a, b):
		return a - b if a is not None and b is not None else None

	for bits, _, _ in check.ICOUNT_IMAGES:
		names = check.ICOUNT_CLOCKS.values()
		extra = [diff(ic.get((bits, c, 'ours host')), ic.get((bits, c, 'stripped')))
			 for c in names]
		line(ok_all(extra, lambda e: e <= 1), f'{bits}: host instructions '
		     'equal the stripped base\'s but for the site\'s NOP (ours - stripped: '
		     + ', '.join('-' if e is None else f'{e:+d}' for e in extra) + ')')
		more = [diff(ic.get((bits, c, 'ours ns')), ic.get((bits, c, 'ours host')))
			for c in names]
		line(ok_all(more, lambda e: e <= check.NS_BUDGET),
		     f'{bits}, in a namespace: at most {check.NS_BUDGET} '
		     'instructions over the host (ours ns - ours host: '
		     + ', '.join('-' if e is None else f'{e:+d}' for e in more) + ')')
		fewer = [(ic.get((bits, c, 'ours ns')), ic.get((bits, c, 'upstream ns')))
			 for c in names]
		line(ok_all(fewer, lambda p: None not in p and p[0] < p[1]),
		     f'{bits}: fewer instructions than upstream inside a namespace ('
		     + ', '.join(f'{fmt(a)} vs {fmt(b)}' for a, b in fewer) + ')')
	shifted = ('MONOTONIC', 'MONOTONIC_RAW', 'MONOTONIC_COARSE', 'BOOTTIME')
	r = [ratio(ic.get(('hot', '64-bit', c, 'ours host')), ic.get(('hot', '64-bit', c, 'ours ns')))
	     for c in shifted]
	line(ok_all(r, lambda x: x >= 0.97), 'on this CPU, 64-bit: ours ns speed / ours '
	     'host speed >= 0.97 (' + ', '.join(fmt(x, 3) for x in r) + ')')
	r = [ratio(ic.get(('cold', '64-bit', c, 'ours ns')), ic.get(('cold', '64-bit', c, 'ours host')))
	     for c in shifted]
	line(ok_all(r, lambda x: x <= 1.05), 'on this CPU, 64-bit: ours ns cold ticks / '
	     'ours host <= 1.05 (' + ', '.join(fmt(x, 3) for x in r) + ')')
	r = [ratio(hot[('ours', 'host', c)], hot[('stripped', 'host', c)]) for c in CLOCKS]
	line(ok_all(r, lambda x: x >= 0.99), 'hot loop, ours host / stripped >= 0.99 ('
	     + ', '.join(fmt(x, 3) for x in r) + ')')
	r = [ratio(hot[('ours', 'ns', c)], hot[('ours', 'host', c)]) for c in CLOCKS[:4]]
	line(ok_all(r, lambda x: x >= 0.97), 'hot loop, ours ns / ours host >= 0.97 '
	     'for the shifted clocks (' + ', '.join(fmt(x, 3) for x in r) + ')')
	r = [ratio(cold[('ours', 'ns', c)], cold[('ours', 'host', c)]) for c in CLOCKS[:4]]
	line(ok_all(r, lambda x: x <= 1.05), 'cold cache, ours ns / ours host <= 1.05 '
	     'for the shifted clocks (' + ', '.join(fmt(x, 3) for x in r) + ')')
	f = ratio(ops[('ours', ('ns', 'fork'))], ops[('ours', ('host', 'fork'))])
	line(f is not None and f <= 1.05, 'fork in a namespace within 5% of the '
	     f'host\'s (ours: {fmt(f, 3)})')
	m = (ops[('ours', ('host', 'scale-memory'))],
	     ops[('upstream', ('host', 'scale-memory'))])
	line(None not in m and m[0] <= m[1], 'memory per namespace no more than '
	     f'upstream\'s ({fmt(m[0])} vs {fmt(m[1])} bytes)')
	for k in ('ours', 'upstream'):
		left = ops[(k, ('host', 'scale-left-slab'))]
		line(left is not None and left < 64 * 1024,
		     f'{k}: slab back after freeing {SCALE:,} namespaces '
		     f'({fmt(left)} bytes left, under 64 KiB)')
	return out
