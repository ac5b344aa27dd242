// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall user dispatch in a 32-bit task that has no vDSO.
 *
 * With syscall user dispatch on, every system call first asks
 * arch_syscall_is_vdso_sigreturn() whether it comes from the vDSO's
 * sigreturn landing pads.  On x86-64 with IA32_EMULATION that looked into
 * the task's vDSO image even when the task had none, as a 32-bit program
 * started with abi.vsyscall32=0 has: its first dispatched system call
 * oopsed the kernel, and any user could do it.
 *
 * Build with -m32 -static and run with abi.vsyscall32=0; started as root
 * the tests drop to nobody themselves.  The system calls are made in a
 * child, so that an oops, which kills the task, shows up as a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH	59
#define PR_SYS_DISPATCH_OFF		0
#define PR_SYS_DISPATCH_ON		1
#define SYSCALL_DISPATCH_FILTER_ALLOW	0
#define SYSCALL_DISPATCH_FILTER_BLOCK	1
#endif

#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH		2
#endif

#define AUDIT_ARCH_I386_VALUE		0x40000003u
#define NR_GETPID_32			20
#define NOBODY				65534
/* What the SIGSYS handler makes the dispatched system call return. */
#define EMULATED_RET			0x5a5a5a5

/* What the child saw, sent to the parent through a pipe. */
struct sud_report {
	int step;		/* 0 if it got through, or where it failed */
	int err;		/* errno of that step */
	int sigsys;		/* SIGSYS signals handled */
	int nr;			/* their si_syscall */
	int code;		/* their si_code */
	unsigned int arch;	/* their si_arch */
	long ret;		/* what int $0x80 returned */
	long pid;		/* getpid() through libc, SUD off */
};

enum {
	STEP_SIGACTION = 1,
	STEP_PRCTL_ON,
	STEP_PRCTL_OFF,
};

/*
 * Shared with the SIGSYS handler, and the selector with the kernel too:
 * all accesses are atomic.
 */
static char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static int sigsys_count, sigsys_nr, sigsys_code;
static unsigned int sigsys_arch;

static void set_selector(char val)
{
	__atomic_store_n(&selector, val, __ATOMIC_SEQ_CST);
}

static void sigsys_handler(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	__atomic_add_fetch(&sigsys_count, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sigsys_nr, info->si_syscall, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sigsys_code, info->si_code, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sigsys_arch, info->si_arch, __ATOMIC_SEQ_CST);
	/* Let the rt_sigreturn through, and emulate the call. */
	set_selector(SYSCALL_DISPATCH_FILTER_ALLOW);
#ifdef __x86_64__
	(void)uc;
#else
	uc->uc_mcontext.gregs[REG_EAX] = EMULATED_RET;
#endif
}

/* getpid() through int $0x80, the 32-bit system call gate. */
static long int80_getpid(void)
{
#ifdef __x86_64__
	return -1;
#else
	long ret;

	asm volatile ("int $0x80" : "=a" (ret) : "a" (NR_GETPID_32) : "memory");
	return ret;
#endif
}

/* In the child: dispatch on, one int $0x80 with @block, dispatch off. */
static void sud_child(int fd, char block)
{
	struct sud_report r = { 0 };
	struct sigaction sa = {
		.sa_sigaction = sigsys_handler,
		.sa_flags = SA_SIGINFO,
	};

	if (sigaction(SIGSYS, &sa, NULL)) {
		r.step = STEP_SIGACTION;
		goto out;
	}
	set_selector(block);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
		  &selector)) {
		r.step = STEP_PRCTL_ON;
		goto out;
	}
	/* From here on every system call goes through the dispatch check. */
	r.ret = int80_getpid();
	set_selector(SYSCALL_DISPATCH_FILTER_ALLOW);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0)) {
		r.step = STEP_PRCTL_OFF;
		goto out;
	}
	r.pid = getpid();
out:
	r.err = r.step ? errno : 0;
	r.sigsys = __atomic_load_n(&sigsys_count, __ATOMIC_SEQ_CST);
	r.nr = __atomic_load_n(&sigsys_nr, __ATOMIC_SEQ_CST);
	r.code = __atomic_load_n(&sigsys_code, __ATOMIC_SEQ_CST);
	r.arch = __atomic_load_n(&sigsys_arch, __ATOMIC_SEQ_CST);
	_exit(write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1);
}

/* Whether a [vdso] is mapped in this process: 1, 0 or -errno. */
static int vdso_mapped(void)
{
	char line[512];
	FILE *f;
	int found = 0;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]"))
			found = 1;
	fclose(f);
	return found;
}

/*
 * What the bug needs: a 32-bit task without a vDSO, and no privilege,
 * since the point is that anybody could oops the kernel.
 */
static void check_setup(struct __test_metadata *_metadata)
{
	int ret;

#ifdef __x86_64__
	ASSERT_TRUE(0) TH_LOG("not a 32-bit program: build it with -m32 -static");
#endif
	ret = vdso_mapped();
	ASSERT_LE(0, ret) TH_LOG("reading /proc/self/maps: %s", strerror(-ret));
	ASSERT_EQ(0, ret) {
		TH_LOG("a [vdso] is mapped: run with sysctl abi.vsyscall32=0");
	}
	if (geteuid() == 0) {
		ASSERT_EQ(0, setgroups(0, NULL)) TH_LOG("setgroups: %m");
		ASSERT_EQ(0, setgid(NOBODY)) TH_LOG("setgid: %m");
		ASSERT_EQ(0, setuid(NOBODY)) TH_LOG("setuid: %m");
	}
	ASSERT_NE(0, geteuid());
	ASSERT_NE(0, getuid());
}

/* Run sud_child() in a child; it must exit and report. */
static void run_child(struct __test_metadata *_metadata, char block,
		      struct sud_report *r)
{
	int pfd[2], status;
	ssize_t len;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pfd[0]);
		sud_child(pfd[1], block);
	}
	close(pfd[1]);
	len = read(pfd[0], r, sizeof(*r));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_FALSE(WIFSIGNALED(status)) {
		TH_LOG("child killed by signal %d (%s): kernel oops?",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(*r), len);
	ASSERT_EQ(0, r->step) {
		TH_LOG("the child failed at step %d: %s", r->step,
		       strerror(r->err));
	}
	EXPECT_EQ(pid, r->pid);
}

/* A blocked int $0x80 raises SIGSYS, the handler runs, the child goes on. */
TEST(blocked_int80_raises_sigsys)
{
	struct sud_report r;

	check_setup(_metadata);
	run_child(_metadata, SYSCALL_DISPATCH_FILTER_BLOCK, &r);
	ASSERT_EQ(1, r.sigsys) TH_LOG("SIGSYS was not delivered once");
	EXPECT_EQ(NR_GETPID_32, r.nr);
	EXPECT_EQ(SYS_USER_DISPATCH, r.code);
	EXPECT_EQ(AUDIT_ARCH_I386_VALUE, r.arch);
	/* The call was not made: the handler's value came back. */
	EXPECT_EQ(EMULATED_RET, r.ret);
}

/* An allowed int $0x80 still goes through the check, and is made. */
TEST(allowed_int80_runs)
{
	struct sud_report r;

	check_setup(_metadata);
	run_child(_metadata, SYSCALL_DISPATCH_FILTER_ALLOW, &r);
	EXPECT_EQ(0, r.sigsys);
	EXPECT_EQ(r.pid, r.ret);
}

TEST_HARNESS_MAIN
