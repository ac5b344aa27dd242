// SPDX-License-Identifier: GPL-2.0
/*
 * A backtrace taken inside a time namespace helper of the vDSO reaches
 * the code that called clock_gettime(): each helper carries unwind
 * information of its own, so a debugger, perf or a signal handler that
 * stops there can see who called. So does one taken on the path a branch
 * site jumps to, a function of its own entered as by a tail call.
 *
 * A child in a namespace stops itself at the first instruction of every
 * helper and path with an int3 written through /proc/self/mem, reaching
 * each through clock_gettime(), gettimeofday() or time() (with
 * CONFIG_TIME_NS_REALTIME the last two have helpers of their own), and
 * takes the backtrace in its SIGTRAP handler. (The ia32 vDSO has no unwind
 * information for its C functions at all, so this is 64-bit only.)
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <ucontext.h>
#include "vdso_util.h"
#include "../kselftest_harness.h"

#define INT3		0xcc
#define MAX_FRAMES	32
/* read_clock() is much shorter than this; main() is elsewhere. */
#define CALLER_SPAN	256

static const struct timens_off off = {
	.mono_sec = SEC_PER_DAY,
	.boot_sec = 2 * SEC_PER_DAY,
};

static int mem_fd = -1;
static unsigned long trap_addr;
static unsigned char trap_saved;
/* Set by the handler: read with __atomic_load_n(). */
static int traps, reached_caller;

/*
 * The readers, each through one vDSO entry: the frame of the one called
 * is the one to reach, and what it read is checked against the syscall.
 * No tail calls: the frame stays on the stack.
 */
static long long read_clock(void)
{
	struct timespec ts;
	long long ns;

	if (vdso.gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	ns = ts_ns(&ts);
	asm volatile("" : "+r" (ns));
	return ns;
}

static long long read_timeofday(void)
{
	struct timeval tv;
	long long ns;

	if (!vdso.gettimeofday || vdso.gettimeofday(&tv, NULL))
		return -1;
	ns = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	asm volatile("" : "+r" (ns));
	return ns;
}

static long long read_time(void)
{
	long long ns;

	if (!vdso.time)
		return -1;
	ns = vdso.time(NULL) * NSEC_PER_SEC;
	asm volatile("" : "+r" (ns));
	return ns;
}

/* Called through the table with an atomic load: never inlined. */
static struct reader {
	long long (*read)(void);
	clockid_t clock;
	long long resolution;
} readers[] = {
	{ read_clock, CLOCK_MONOTONIC, 0 },
	{ read_timeofday, CLOCK_REALTIME, 1000 },
	{ read_time, CLOCK_REALTIME, NSEC_PER_SEC },
};

/* The reader called now, read by the handler. */
static struct reader *reading;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned long at = uc->uc_mcontext.gregs[REG_RIP] - 1;
	void *frames[MAX_FRAMES];
	int i, n;

	/*
	 * Stopped where the int3 is, as a debugger sees it: the unwinder
	 * must not take the instruction it replaced for done (a path's
	 * first instruction is a 1-byte PUSH).
	 */
	if (at == trap_addr)
		uc->uc_mcontext.gregs[REG_RIP] = at;
	n = backtrace(frames, MAX_FRAMES);
	/* The caller's frame is one the unwinder found past [vdso]. */
	for (i = 0; i < n; i++) {
		unsigned long f = (unsigned long)frames[i];

		if (f >= vdso.start && f < vdso.end)
			break;
	}
	for (; i < n; i++) {
		unsigned long f = (unsigned long)frames[i];

		if (f > (unsigned long)reading->read &&
		    f < (unsigned long)reading->read + CALLER_SPAN)
			__atomic_store_n(&reached_caller, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_add_fetch(&traps, 1, __ATOMIC_SEQ_CST);
	/* Put the helper's byte back and run it, or give up. */
	if (at == trap_addr &&
	    pwrite(mem_fd, &trap_saved, 1, trap_addr) != 1)
		_exit(2);
}

/* Where site @i goes: its helper, or for a branch its path; 0 if bad. */
static unsigned long helper_of(unsigned int i)
{
	unsigned long site, target;
	unsigned char opcode;

	return vdso_site(i, &site, &target, &opcode) ? 0 : target;
}

/*
 * Stops at site @i's helper or path, through whichever reader reaches
 * it: 0, or a bit per thing that went wrong.
 */
static int stop_in_site(unsigned int i)
{
	static const unsigned char int3 = INT3;
	unsigned int r;
	long long ns, sys;

	trap_addr = helper_of(i);
	if (!trap_addr)
		return 2;
	trap_saved = *(unsigned char *)trap_addr;
	if (pwrite(mem_fd, &int3, 1, trap_addr) != 1)
		return 2;
	for (r = 0; r < ARRAY_SIZE(readers); r++) {
		__atomic_store_n(&traps, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&reached_caller, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&reading, &readers[r], __ATOMIC_SEQ_CST);
		ns = __atomic_load_n(&readers[r].read, __ATOMIC_RELAXED)();
		sys = sys_clock_ns(readers[r].clock);
		if (__atomic_load_n(&traps, __ATOMIC_SEQ_CST) != 1)
			continue;
		if (!__atomic_load_n(&reached_caller, __ATOMIC_SEQ_CST))
			return 4;
		if (ns < 0 || ns > sys ||
		    sys - ns > TIMENS_SLACK_NS + readers[r].resolution)
			return 8;
		return 0;
	}
	/* No reader here reaches it (an entry this test does not call). */
	if (pwrite(mem_fd, &trap_saved, 1, trap_addr) != 1)
		return 2;
	fprintf(stderr, "# site %u's helper or path, at %#lx, reached by no reader\n",
		i, trap_addr);
	return 16;
}

/* In the child: 0, or a bit per thing that went wrong. */
static int child(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_trap,
		.sa_flags = SA_SIGINFO,
	};
	unsigned int i, hit = 0;
	void *warm[1];
	int ret;

	if (vdso_init() || vdso_image_kind() != 1)
		return 1;
	/* backtrace() loads the unwinder on first use: not in a handler. */
	backtrace(warm, 1);
	if (sigaction(SIGTRAP, &sa, NULL))
		return 2;
	mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (mem_fd < 0)
		return 2;
	for (i = 0; i < vdso.nr_sites; i++) {
		ret = stop_in_site(i);
		if (ret && ret != 16)
			return ret;
		hit += !ret;
	}
	/* Every site is one of clock_gettime(), gettimeofday(), time(). */
	return hit == vdso.nr_sites ? 0 : 16;
}

TEST(backtrace_from_helper_reaches_caller)
{
	int status;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	/* Helpers after the clock's read are reached on its fast path only. */
	if (vdso_no_fast_clock())
		SKIP(return, "%s", vdso_no_fast_clock());
	ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %m");
	ASSERT_EQ(0, timens_write_offsets(TIMENS_OFFSETS, &off));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("the child died of signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1: not the namespace image, 2: setup, 4: the backtrace %s",
		       "stopped in the helper, 8: wrong time, 16: a site not hit");
}

TEST_HARNESS_MAIN
