# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU with the host's root file system (read-only,
# 9p) and run one shell command as root in it. The command's output is
# streamed; its exit status comes back as ours.
#
# TCG is the default: KVM guests hang on the machines this project runs
# on. The TSC is the clocksource so that the vDSO stays on its fast path;
# ACPI and the CMOS RTC give CLOCK_BOOTTIME_ALARM a wakeup source.

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from util import Fail, BUILD

HERE = os.path.dirname(os.path.abspath(__file__))
INIT = os.path.join(HERE, 'vm', 'init')
EXIT_RX = re.compile(r'<<<timens-vm-exit (\d+)>>>')
# The guest's own power-off, printed by the kernel whatever the loglevel:
# not the command's output.
POWER_OFF_RX = re.compile(r'^(\[\s*[\d.]+\]\s*)?sysrq: Power Off\s*$')
PANIC_RX = re.compile(r'Kernel panic - not syncing.*')

# Exit statuses of the runner itself (as timeout(1) and the shell do).
HUNG = 124
PANICKED = 125


def qemu_cmd(bzimage, job, kvm, verbose, memory='1G', cpus=2):
	append = ['console=ttyS0', 'root=hostroot', 'rootfstype=9p',
		  'rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose',
		  'ro', f'init={INIT}', 'panic=-1', 'oops=panic',
		  'tsc=reliable', 'clocksource=tsc', 'no_timer_check']
	append += ['loglevel=7'] if verbose else ['quiet', 'loglevel=1']
	append += ['--', job]
	cmd = ['qemu-system-x86_64', '-nodefaults', '-no-reboot',
	       '-display', 'none', '-m', memory, '-smp', str(cpus),
	       '-chardev', 'stdio,id=console,signal=off',
	       '-serial', 'chardev:console',
	       '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
	       '-device', 'virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot',
	       '-kernel', bzimage, '-append', ' '.join(append)]
	if kvm:
		cmd += ['-accel', 'kvm', '-cpu', 'host']
	else:
		cmd += ['-accel', 'tcg,thread=multi', '-cpu', 'max']
	return cmd


def run_in_guest(bzimage, command, kvm=False, timeout=600, verbose=False,
		 out=None):
	"""Run @command in a guest booted from @bzimage.

	Returns (status, output). Output lines are written to @out (a file
	object, default stdout) as they arrive.
	"""
	if not shutil.which('qemu-system-x86_64'):
		raise Fail('qemu-system-x86_64 not found: run "make deps" '
			   '(apt-get install qemu-system-x86)')
	if not os.path.exists(bzimage):
		raise Fail(f'{bzimage} does not exist: build it first')
	out = out or sys.stdout
	os.makedirs(BUILD, exist_ok=True)
	with tempfile.TemporaryDirectory(prefix='vm-', dir=BUILD) as job:
		with open(os.path.join(job, 'cmd'), 'w') as f:
			f.write(command + '\n')
		with open(os.path.join(job, 'cwd'), 'w') as f:
			f.write(os.getcwd())
		proc = subprocess.Popen(qemu_cmd(bzimage, job, kvm, verbose),
					stdin=subprocess.DEVNULL,
					stdout=subprocess.PIPE,
					stderr=subprocess.STDOUT)
		timer = threading.Timer(timeout, proc.kill)
		timer.start()
		status, panic, lines = None, None, []
		try:
			for raw in proc.stdout:
				line = raw.decode('utf-8', 'replace').replace('\r', '')
				m = EXIT_RX.search(line)
				if m:
					status = int(m.group(1))
					# Output with no final newline ends
					# on the marker's line.
					line = line[:m.start()]
					if not line:
						continue
				elif status is not None and not verbose:
					continue	# the power-off chatter
				elif not verbose and POWER_OFF_RX.match(line):
					continue
				p = PANIC_RX.search(line)
				if p and not panic:
					panic = p.group(0).strip()
				lines.append(line)
				out.write(line)
				out.flush()
			proc.wait()
		finally:
			timed_out = not timer.is_alive() and status is None
			timer.cancel()
			if proc.poll() is None:
				proc.kill()
				proc.wait()
	output = ''.join(lines)
	if panic:
		print(f'timens: guest kernel panicked: {panic}', file=sys.stderr)
		return PANICKED, output
	if status is None:
		if timed_out:
			print(f'timens: guest did not finish within {timeout} s '
			      '(hung?); rerun with V=1 to see its console',
			      file=sys.stderr)
			return HUNG, output
		tail = output.strip().splitlines()[-1:] or ['no output']
		print(f'timens: guest stopped without reporting a status '
		      f'(qemu exited {proc.returncode}; last line: {tail[0]})',
		      file=sys.stderr)
		return PANICKED, output
	return status, output
