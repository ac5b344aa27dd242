// SPDX-License-Identifier: GPL-2.0
/*
 * A program started by execve() after unshare(CLONE_NEWTIME) runs in the
 * time_for_children namespace, whether it was started from a fork() child,
 * from the unsharing process itself, from vfork() or from posix_spawn().
 *
 * The program re-executes itself with CHILD_ARG to report what it sees.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <linux/sched.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define CHILD_ARG	"--timens-report"

/* What the re-executed program reports through its stdout. */
struct report {
	unsigned long long ino;
	long long mono_sys, mono_libc;
	long long boot_sys, boot_libc;
};

static int report_main(void)
{
	struct report r;

	r.ino = ns_ino(TIMENS_SELF);
	r.mono_sys = sys_clock_ns(CLOCK_MONOTONIC);
	r.mono_libc = libc_clock_ns(CLOCK_MONOTONIC);
	r.boot_sys = sys_clock_ns(CLOCK_BOOTTIME);
	r.boot_libc = libc_clock_ns(CLOCK_BOOTTIME);
	return write_all(STDOUT_FILENO, &r, sizeof(r)) ? 1 : 0;
}

static char *const child_argv[] = { "/proc/self/exe", CHILD_ARG, NULL };

/* Used by the vfork() child, which shares our memory until it execs. */
static long long vfork_mono;
static unsigned long long vfork_ino;

/* Host clock values around the child's run, to bracket its report. */
struct host_window {
	long long mono0, boot0, mono1, boot1;
};

static void check_report(struct __test_metadata *_metadata,
			 const struct report *r, const struct host_window *w,
			 const struct timens_off *o, ino_t want_ino)
{
	long long mo = off_mono_ns(o), bo = off_boot_ns(o);

	EXPECT_EQ(want_ino, r->ino);
	EXPECT_LE(w->mono0 + mo - TIMENS_SLACK_NS, r->mono_sys);
	EXPECT_GE(w->mono1 + mo + TIMENS_SLACK_NS, r->mono_sys);
	EXPECT_LE(w->mono0 + mo - TIMENS_SLACK_NS, r->mono_libc);
	EXPECT_GE(w->mono1 + mo + TIMENS_SLACK_NS, r->mono_libc);
	EXPECT_LE(w->boot0 + bo - TIMENS_SLACK_NS, r->boot_sys);
	EXPECT_GE(w->boot1 + bo + TIMENS_SLACK_NS, r->boot_sys);
	EXPECT_LE(w->boot0 + bo - TIMENS_SLACK_NS, r->boot_libc);
	EXPECT_GE(w->boot1 + bo + TIMENS_SLACK_NS, r->boot_libc);
}

static void window_open(struct host_window *w)
{
	w->mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	w->boot0 = sys_clock_ns(CLOCK_BOOTTIME);
}

static void window_close(struct host_window *w)
{
	w->mono1 = sys_clock_ns(CLOCK_MONOTONIC);
	w->boot1 = sys_clock_ns(CLOCK_BOOTTIME);
}

FIXTURE(exec) {
	struct timens_off off;
	ino_t host_ino;
	int pfd[2];
	struct report r;
	struct host_window w;
};

/* The tests SKIP by themselves, see timens_skip(). */
FIXTURE_SETUP(exec)
{
	if (timens_skip_reason(false))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&self->off, 0));
	self->host_ino = ns_ino(TIMENS_SELF);
	ASSERT_NE(0, self->host_ino);
	ASSERT_EQ(0, pipe(self->pfd));
	alarm(TIMENS_HANG_SEC);
}

FIXTURE_TEARDOWN(exec)
{
	alarm(0);
}

/* exec in a child that fork() already put into the namespace. */
TEST_F(exec, fork_then_exec)
{
	ino_t ns;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	ns = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(self->host_ino, ns);

	window_open(&self->w);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(child_argv[0], child_argv);
		_exit(127);
	}
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);
	check_report(_metadata, &self->r, &self->w, &self->off, ns);
}

/* The unsharing process itself moves on exec. */
TEST_F(exec, unshare_then_exec)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	window_open(&self->w);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (timens_unshare(&self->off))
			_exit(126);
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(child_argv[0], child_argv);
		_exit(127);
	}
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);
	EXPECT_NE(self->host_ino, self->r.ino);
	check_report(_metadata, &self->r, &self->w, &self->off, self->r.ino);
}

/*
 * vfork() must work after unshare(); the child stays in our namespace
 * until it execs.
 */
TEST_F(exec, vfork_exec)
{
	long long before, after;
	ino_t ns;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	ns = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(self->host_ino, ns);
	__atomic_store_n(&vfork_mono, -1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vfork_ino, 0, __ATOMIC_SEQ_CST);

	window_open(&self->w);
	before = sys_clock_ns(CLOCK_MONOTONIC);
	pid = vfork();
	if (pid == 0) {
		struct stat st;

		__atomic_store_n(&vfork_mono, sys_clock_ns(CLOCK_MONOTONIC),
				 __ATOMIC_SEQ_CST);
		if (!stat(TIMENS_SELF, &st))
			__atomic_store_n(&vfork_ino, st.st_ino,
					 __ATOMIC_SEQ_CST);
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(child_argv[0], child_argv);
		_exit(127);
	}
	after = sys_clock_ns(CLOCK_MONOTONIC);
	ASSERT_LT(0, pid) TH_LOG("vfork after unshare: %m");
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);

	/* Before exec: our namespace, our clocks. */
	EXPECT_EQ(self->host_ino,
		  __atomic_load_n(&vfork_ino, __ATOMIC_SEQ_CST));
	EXPECT_LE(before, __atomic_load_n(&vfork_mono, __ATOMIC_SEQ_CST));
	EXPECT_GE(after, __atomic_load_n(&vfork_mono, __ATOMIC_SEQ_CST));
	/* After exec: the new namespace. */
	check_report(_metadata, &self->r, &self->w, &self->off, ns);
}

TEST_F(exec, posix_spawn)
{
	posix_spawn_file_actions_t fa;
	ino_t ns;
	pid_t pid;
	int ret;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	ns = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(self->host_ino, ns);

	ASSERT_EQ(0, posix_spawn_file_actions_init(&fa));
	ASSERT_EQ(0, posix_spawn_file_actions_adddup2(&fa, self->pfd[1],
						      STDOUT_FILENO));
	window_open(&self->w);
	ret = posix_spawn(&pid, child_argv[0], &fa, NULL, child_argv,
			  environ);
	ASSERT_EQ(0, ret) TH_LOG("posix_spawn: %s", strerror(ret));
	posix_spawn_file_actions_destroy(&fa);
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);
	check_report(_metadata, &self->r, &self->w, &self->off, ns);
}

/* Once a program was exec'ed into the namespace its offsets are fixed. */
TEST_F(exec, offsets_frozen_after_exec)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(child_argv[0], child_argv);
		_exit(127);
	}
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	EXPECT_EQ(-EACCES, timens_write_offsets(TIMENS_OFFSETS, &self->off));
}

#ifdef __x86_64__
/*
 * clone3() of a CLONE_VM child on a stack of its own, which execs
 * @argv[0] with @argv at once: in asm, as it may not return anywhere.
 */
static long clone3_vm_exec(struct clone_args *args, char *const argv[])
{
	register long path asm("r12") = (long)argv[0];
	register long av asm("r13") = (long)argv;
	long ret;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "mov %%r12, %%rdi\n\t"
		     "mov %%r13, %%rsi\n\t"
		     "xor %%edx, %%edx\n\t"
		     "mov %[execve], %%eax\n\t"
		     "syscall\n\t"
		     "mov $127, %%edi\n\t"
		     "mov %[exit], %%eax\n\t"
		     "syscall\n"
		     "1:"
		     : "=a" (ret)
		     : "0" ((long)__NR_clone3), "D" (args), "S" (sizeof(*args)),
		       "r" (path), "r" (av), [execve] "i" (__NR_execve),
		       [exit] "i" (__NR_exit)
		     : "rcx", "rdx", "r11", "memory");
	return ret;
}

/*
 * clone3(CLONE_VM | CLONE_NEWTIME) without CLONE_THREAD, as since Linux
 * 6.2: the child shares our memory and so stays in our namespace; its
 * exec moves it into the new one, made with our time_for_children's
 * offsets.
 */
TEST_F(exec, clone3_vm_newtime)
{
	/* The child makes system calls only: no alignment to keep. */
	static unsigned long stack[8192];
	struct clone_args args = {
		.flags = CLONE_VM | CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.stack = (unsigned long)stack,
		.stack_size = sizeof(stack),
	};
	int out;
	ino_t ns;
	long pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	ns = ns_ino(TIMENS_CHILDREN);
	/* The child takes a copy of our files, with the pipe as stdout. */
	out = dup(STDOUT_FILENO);
	ASSERT_LE(0, out);
	ASSERT_LE(0, dup2(self->pfd[1], STDOUT_FILENO));
	window_open(&self->w);
	pid = clone3_vm_exec(&args, child_argv);
	ASSERT_LE(0, dup2(out, STDOUT_FILENO));
	close(out);
	ASSERT_LT(0, pid) TH_LOG("clone3(CLONE_VM | CLONE_NEWTIME): %s",
				 strerror(-pid));
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);
	EXPECT_NE(self->host_ino, self->r.ino);
	EXPECT_NE(ns, self->r.ino);
	check_report(_metadata, &self->r, &self->w, &self->off, self->r.ino);
}
#endif

/* Without unshare(), exec changes nothing. */
TEST_F(exec, host_exec)
{
	struct timens_off zero = {};
	pid_t pid;

	if (timens_skip_unsupported(_metadata))
		return;
	window_open(&self->w);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(child_argv[0], child_argv);
		_exit(127);
	}
	close(self->pfd[1]);
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	window_close(&self->w);
	check_report(_metadata, &self->r, &self->w, &zero, self->host_ino);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], CHILD_ARG))
		return report_main();
	return test_harness_run(argc, argv);
}
