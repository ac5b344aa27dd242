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


# The selftest that single-steps one call in a namespace with zero
# offsets and on the host; its counts become "bench zero" lines. On the
# reference kernel (one image) the rest of the test fails, the counts
# hold.
ZERO_TEST = 'vdso_zero'
ZERO_CLOCKS = ('MONOTONIC', 'MONOTONIC_COARSE', 'BOOTTIME')
ZERO_SED = (r's/.*host_image:\([A-Z_]*\): \([0-9]*\) instructions in the '
	    r'namespace, \([0-9]*\) on the host$/bench zero \1 \3 \2/p')


def zero_lines(zero_dir, kernel):
	env = 'TIMENS_VDSO_SINGLE_IMAGE=1 ' if kernel == 'upstream' else ''
	out = []
	for prog, ctx in ((ZERO_TEST, 'zero64'), (f'{ZERO_TEST}_32', 'zero32')):
		p = shlex.quote(os.path.join(zero_dir, prog))
		out += [f'echo "context {ctx}"',
			f'{{ {env}{p} -t host_image 2>&1 || true; }} | sed -n {shlex.quote(ZERO_SED)}']
	return out


def guest_script(bench, kernel, first, zero_dir=None):
	"""What a boot of @kernel runs; every line it prints that matters
	starts with "bench" and is tagged by the "context" before it."""
	b = shlex.quote(bench)
	ns = kernel != 'stripped'
	lines = ['set -e', 'echo "context uname $(uname -r)"']
	if first and ns and zero_dir:
		lines += zero_lines(zero_dir, kernel)
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


# The real CPU: each ratio comes from processes that run two images in
# turn (bench/vdso_icount.c --hot-pair / --cold-pair), pinned to a CPU,
# with ASLR off and the images' RDTSC alternatives applied as the kernel
# applies them. Other work on a shared machine only ever adds time, in
# bursts as long as a round, so in the hot loop a process's figure for
# an image is its fastest round, and its ratio is the one of the two
# fastest rounds. A flushed call's cost moves with where its lines are
# in memory, and the TSC may tick in steps of dozens of cycles: for the
# cold cache every round puts both images in new places, calls them in
# turn, call by call, and keeps each image's interquartile mean; a
# process's figure for an image is the mean of its rounds, its ratio
# their quotient; every other round the images trade places. On an AMD
# EPYC the same image against itself gave cells of 0.998 to 1.001 this
# way, where a process that kept its pages gave 0.97 to 1.08. The cell
# is the median of CPU_PROCS[how] processes' ratios, its spread half
# their range.
CPU_HOT = 20000		# calls per round and image, hot loop
CPU_HOT_ROUNDS = 128	# two cycles of vdso_icount's 64 stack places
CPU_COLD = 40		# flushed calls per round and image
CPU_COLD_ROUNDS = 300
CPU_PROCS = {'hot': 5, 'cold': 12}	# processes per cell
CPU_RUNS = 2		# the whole measurement, twice: is it repeatable?
# The pairs measured (a, b), reported as b / a.
CPU_PAIRS = (('ours host', 'ours ns'), ('upstream host', 'upstream ns'),
	     ('stripped', 'ours host'), ('upstream ns', 'ours ns'))


def process_figures(rounds, how):
	"""(a, b, b / a) of one process's rounds [(a, b)], timed @how."""
	if how == 'hot':
		a = min(x for x, _ in rounds)
		b = min(y for _, y in rounds)
		return a, b, b / a
	a = statistics.mean(x for x, _ in rounds)
	b = statistics.mean(y for _, y in rounds)
	return a, b, b / a


def cell_figures(procs):
	"""(ratio, spread, a, b) of a cell from its processes' figures: the
	median ratio and half the range of the ratios; a and b, medians."""
	ratios = [r for _, _, r in procs]
	return (statistics.median(ratios), (max(ratios) - min(ratios)) / 2,
		statistics.median(a for a, _, _ in procs),
		statistics.median(b for _, b, _ in procs))


def cpu_ratios():
	"""{(run, how, image, clock, a, b): (ratio, spread, a, b)} for
	CPU_PAIRS on this machine's CPU, CPU_RUNS times over."""
	tools = check.icount_tools()
	got = {}
	for run_no in range(1, CPU_RUNS + 1):
		note(f'real CPU: run {run_no} of {CPU_RUNS}')
		for how, n, rounds in (('hot', CPU_HOT, CPU_HOT_ROUNDS),
				       ('cold', CPU_COLD, CPU_COLD_ROUNDS)):
			for image, bits, entry in check.ICOUNT_IMAGES:
				if not check.runs_here(tools[bits]):
					continue	# see untimed_images()
				for clock, name in check.ICOUNT_CLOCKS.items():
					for a, b in CPU_PAIRS:
						procs = []
						for _ in range(CPU_PROCS[how]):
							pairs, err = check.icount_pair(
								tools, a, b, bits,
								clock, entry, how, n, rounds)
							if pairs is None:
								raise Fail(f'vdso_icount --{how}-pair: {err}')
							procs.append(process_figures(pairs, how))
						got[(run_no, how, image, name, a, b)] = \
							cell_figures(procs)
	return got


def icounts():
	"""{(image, clock, column): instructions per call} from
	bench/vdso_icount.c for every built image, single-stepped."""
	tools = check.icount_tools()
	got = {}
	for image, bits, entry in check.ICOUNT_IMAGES:
		for clock, name in check.ICOUNT_CLOCKS.items():
			for col in check.ICOUNT_CELLS:
				got[(image, name, col)], _ = check.icount_cell(
					tools, col, bits, clock, entry)
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
	ic = check.in_guest_where_needed(icounts)
	cpu = cpu_ratios()
	if args.cpu_only:
		print('\n'.join(cpu_report(cpu) + [''] + cpu_targets(cpu)))
		return 0
	# Ours' selftests, run on ours and on the reference.
	zero_dir = build.selftests('ours', 'timens')
	runs = {k: [] for k in KERNELS}
	with open(os.path.join(outdir, 'guest.log'), 'w') as log:
		for i in range(BOOTS):
			for k in KERNELS:
				note(f'boot {i + 1}/{BOOTS} of {k}')
				runs[k].append(boot(k, guest_script(bench, k, i == 0,
								    zero_dir),
						    log, args))
	# Kept, so that the report can be rewritten without the guests.
	with open(os.path.join(outdir, 'runs.json'), 'w') as f:
		json.dump({'runs': {k: [{' '.join(key): v for key, v in r.items()}
				       for r in runs[k]] for k in KERNELS},
			   'icount': {' '.join(key): v for key, v in ic.items()},
			   'cpu': {' '.join(map(str, key)): v for key, v in cpu.items()}},
			  f, indent=1)
	report(runs, ic, cpu, time.time() - t0, head)
	return 0


def report(runs, ic, cpu, seconds, head=None):
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
	       'so the count is exact and independent of the emulator (on a host '
	       'that runs no 32-bit program, the 32-bit images in a guest of ours, '
	       'where they run as built). The same counter is asserted by '
	       '`make check`.', '',
	       '| image | clock | stripped | ours host | ours ns | upstream host | upstream ns |',
	       '| --- | --- | --- | --- | --- | --- | --- |']
	for image, _, _ in check.ICOUNT_IMAGES:
		for c in check.ICOUNT_CLOCKS.values():
			md.append(f'| {image} | {c} | ' + ' | '.join(
				fmt(ic.get((image, c, col))) for col in check.ICOUNT_CELLS) + ' |')
	zero = {(k, ctx, c, i): first(k, ctx, 'zero', c, index=i)
		for k in ('ours', 'upstream') for ctx in ('zero64', 'zero32')
		for c in ZERO_CLOCKS for i in (0, 1)}
	md += ['', '## A namespace with zero offsets', '',
	       f'`{ZERO_TEST} -t host_image` in the guest: `unshare(CLONE_NEWTIME)` '
	       'without offsets, then the instructions of one clock_gettime() '
	       'call of a child, single-stepped (loops of the seqcount retry '
	       'counted once, the fewest of 3 calls), and of a child on the host. '
	       'Ours gives such a namespace the host image; the reference runs '
	       'its namespace path.', '',
	       '| ABI | clock | ours host | ours zero-offset ns | upstream host '
	       '| upstream zero-offset ns |', '| --- | --- | --- | --- | --- | --- |']
	for ctx, abi in (('zero64', '64-bit'), ('zero32', '32-bit')):
		for c in ZERO_CLOCKS:
			md.append(f'| {abi} | {c} | ' + ' | '.join(
				fmt(zero[(k, ctx, c, i)]) for k in ('ours', 'upstream')
				for i in (0, 1)) + ' |')
	md += cpu_report(cpu)
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
	md += targets(hot, ic, cpu, cold, ops, zero)
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


def targets(hot, ic, cpu, cold, ops, zero):
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
	for ctx, abi in (('zero64', '64-bit'), ('zero32', '32-bit')):
		pairs = [(zero[('ours', ctx, c, 0)], zero[('ours', ctx, c, 1)])
			 for c in ZERO_CLOCKS]
		line(all(None not in p and p[0] == p[1] for p in pairs),
		     f'{abi}: a namespace with zero offsets executes exactly the '
		     'host\'s instructions (' + ', '.join(
			     f'{c} {fmt(h)} vs {fmt(n)}' for c, (h, n) in
			     zip(ZERO_CLOCKS, pairs)) + ')')
	out += cpu_targets(cpu)
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


def cpu_name():
	"""This machine's CPU, as /proc/cpuinfo names it, and the ordered
	RDTSC vdso_icount applies on it: RDTSCP where the CPU shows it, else
	LFENCE; RDTSC (a hypervisor may hide RDTSCP)."""
	info = {}
	with open('/proc/cpuinfo') as f:
		for l in f:
			k, _, v = l.partition(':')
			info.setdefault(k.strip(), v.strip())
	rdtsc = 'RDTSCP' if 'rdtscp' in info.get('flags', '').split() \
		else 'LFENCE; RDTSC'
	return (f'{info.get("model name", "unknown")}, family '
		f'{info.get("cpu family", "?")}, model {info.get("model", "?")}; '
		f'the ordered RDTSC applied: {rdtsc}')


def untimed_images():
	"""The images this machine cannot time: the 32-bit ones, where it
	runs no 32-bit program (their counts are taken in a guest)."""
	tools = check.icount_tools()
	return [image for image, bits, _ in check.ICOUNT_IMAGES
		if not check.runs_here(tools[bits])]


def cpu_cell(cpu, run_no, how, image, clock, a, b):
	return cpu.get((run_no, how, image, clock, a, b))


def cpu_report(cpu):
	"""The real CPU's tables: each ratio with its spread, from run 1 and
	run 2, and how far the runs differ."""
	md = []
	for how, title, unit, stat in (
			('hot', 'Hot loop on this machine\'s CPU',
			 f'{CPU_HOT:,} calls of one image, then {CPU_HOT:,} of the other, '
			 f'{CPU_HOT_ROUNDS} rounds; nanoseconds per call',
			 'A process\'s figure for an image is its fastest round, '
			 'its ratio the one of the two fastest rounds.'),
			('cold', 'Cold cache on this machine\'s CPU',
			 f'{CPU_COLD} calls of each image, in the order A B B A A '
			 'B ..., each after a clflush of its image and VVAR area, '
			 f'{CPU_COLD_ROUNDS} rounds, each with both images copied to '
			 'two places drawn at random from 256; TSC ticks of a call, '
			 'the interquartile mean of a round',
			 'Every other round the two trade places (which is copied, '
			 'called first, and from which copy of the calling code). '
			 'A process\'s figure for an image is the mean of its '
			 'rounds, its ratio the quotient of the two, so a cell\'s '
			 'figures, medians of their own, need not divide to its '
			 'ratio.')):
		md += ['', f'## {title}', '',
		       f'CPU: {cpu_name()}.', '',
		       'The built vDSO images, run in a host process by '
		       f'`vdso_icount --{how}-pair` on a synthetic VVAR: the real '
		       'processor, not the emulator, runs the code each kernel maps, '
		       'with its RDTSC alternatives applied as the kernel applies '
		       'them on this CPU. Two images per process, timed in turn '
		       f'({unit}), pinned to one CPU with ASLR off. {stat} '
		       f'A ratio is the median of {CPU_PROCS[how]} processes\' '
		       'ratios, '
		       '± half their range. The whole measurement ran '
		       f'{CPU_RUNS} times in a row: each cell is "run 1 ± '
		       'spread, run 2 (run 2\'s difference from run 1)".', '',
		       '| image | clock | ours host | ours ns | ours ns / ours host '
		       '| upstream ns / upstream host | ours host / stripped '
		       '| ours ns / upstream ns |',
		       '| --- | --- | --- | --- | --- | --- | --- | --- |']
		for image, _, _ in check.ICOUNT_IMAGES:
			for c in check.ICOUNT_CLOCKS.values():
				def cell(a, b):
					v1 = cpu_cell(cpu, 1, how, image, c, a, b)
					v2 = cpu_cell(cpu, CPU_RUNS, how, image, c, a, b)
					if v1 is None or v2 is None:
						return '-'
					return (f'{v1[0]:.3f} ± {v1[1]:.3f}, '
						f'{v2[0]:.3f} '
						f'({100 * (v2[0] - v1[0]) / v1[0]:+.2f}%)')
				own = cpu_cell(cpu, 1, how, image, c, 'ours host', 'ours ns')
				md.append(f'| {image} | {c} | '
					  f'{fmt(own[2] if own else None, 2)} | '
					  f'{fmt(own[3] if own else None, 2)} | '
					  f'{cell("ours host", "ours ns")} | '
					  f'{cell("upstream host", "upstream ns")} | '
					  f'{cell("stripped", "ours host")} | '
					  f'{cell("upstream ns", "ours ns")} |')
		if untimed_images():
			md += ['', f'Not timed: {", ".join(untimed_images())}, as '
			       f'{check.NO_IA32}.']
		diffs = run_diffs(cpu, how)
		if diffs:
			md += ['', f'Run 2 against run 1, over these {len(diffs)} '
			       f'ratios: the median differs by {100 * statistics.median(diffs):.2f}%, '
			       f'the largest by {100 * max(diffs):.2f}%; '
			       f'{sum(d < 0.01 for d in diffs)} of {len(diffs)} within 1%.']
	return md


# Targets on the real CPU (issue 14): a namespace's call at most this
# much slower than the host's.
CPU_HOT_TARGET = 1.03
CPU_COLD_TARGET = 1.05


def cpu_targets(cpu):
	"""Met or missed, from run 1 (run 2 shows whether it holds)."""
	out = []

	def line(ok, text):
		out.append(f'- {"met" if ok else "**missed**"}: {text}')

	for how, target in (('hot', CPU_HOT_TARGET), ('cold', CPU_COLD_TARGET)):
		for image, _, _ in check.ICOUNT_IMAGES:
			if image in untimed_images():
				out.append(f'- **not measured**: on this CPU, {how}, '
					   f'{image}: {check.NO_IA32}')
				continue
			names = list(check.ICOUNT_CLOCKS.values())
			own = [cpu_cell(cpu, 1, how, image, c, 'ours host', 'ours ns')
			       for c in names]
			line(all(v and v[0] <= target for v in own),
			     f'on this CPU, {how}, {image}: ours ns / ours host <= '
			     f'{target} for every clock (' + ', '.join(
				     f'{c} {v[0]:.3f}' if v else f'{c} -'
				     for c, v in zip(names, own)) + ')')
			vs = [cpu_cell(cpu, 1, how, image, c, 'upstream ns', 'ours ns')
			      for c in names]
			line(all(v and v[0] < 1 for v in vs),
			     f'on this CPU, {how}, {image}: ours ns faster than upstream '
			     'ns (' + ', '.join(f'{c} {v[0]:.3f}' if v else f'{c} -'
						 for c, v in zip(names, vs)) + ')')
			base = [cpu_cell(cpu, 1, how, image, c, 'stripped', 'ours host')
				for c in names]
			line(all(v and abs(v[0] - 1) <= max(v[1], 0.005) for v in base),
			     f'on this CPU, {how}, {image}: ours host == stripped within '
			     'the spread (' + ', '.join(
				     f'{c} {v[0]:.3f} ± {v[1]:.3f}' if v else f'{c} -'
				     for c, v in zip(names, base)) + ')')
	for how in ('hot', 'cold'):
		d = run_diffs(cpu, how)
		line(bool(d) and max(d) < 0.01, f'on this CPU, {how}: every ratio '
		     f'of run 2 within 1% of run 1 (largest difference '
		     f'{100 * max(d) if d else 0:.2f}%, {len(d)} ratios)')
	return out


def run_diffs(cpu, how):
	"""|run 2 - run 1| / run 1 of every real-CPU ratio timed @how."""
	out = []
	for (run_no, h, image, c, a, b), v1 in cpu.items():
		v2 = cpu.get((CPU_RUNS, h, image, c, a, b))
		if run_no == 1 and h == how and v2:
			out.append(abs(v2[0] - v1[0]) / v1[0])
	return out
