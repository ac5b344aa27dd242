// SPDX-License-Identifier: GPL-2.0
/*
 * Switch the time namespace, and with it the vDSO image, at every
 * instruction boundary of a __vdso_clock_gettime call.
 *
 * A traced child stops right before it calls the vDSO entry through its
 * address; the tracer single-steps it into the vDSO and then k more
 * instructions and injects SIGUSR1, whose handler moves the child into
 * the other time namespace with setns().  The interrupted call must give
 * either namespace's time (checked against system call readings taken
 * before and after in known namespaces) and must not crash.  This is
 * repeated with a fresh child for k = 0, 1, 2, ... until the call has
 * returned before the signal, for both directions and for MONOTONIC and
 * BOOTTIME.
 *
 * Built as a 64-bit, a 32-bit and an x32 program; and, as realtime_step,
 * for the sites of __vdso_gettimeofday and __vdso_time, in a namespace
 * with a CLOCK_REALTIME offset (CONFIG_TIME_NS_REALTIME; without it
 * realtime_step SKIPs).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include "vdso_util.h"
#include "../kselftest_harness.h"

/* Steps from the stop to the vDSO entry. */
#define MAX_PRE_STEPS		200
/* Instructions into the call; the hres paths need far fewer. */
#define MAX_STEPS		300
/* Below this the sweep proves nothing; time() is 6 instructions on the host. */
#define MIN_BOUNDARIES		20
#define MIN_BOUNDARIES_TIME	3
#define MAX_LOGGED		10
#ifdef __x86_64__
#define BUDGET_NS		(9 * NSEC_PER_SEC)
#else
#define BUDGET_NS		(6 * NSEC_PER_SEC)
#endif

enum { NS_HOST, NS_A, NR_NS };

static const char * const ns_name[NR_NS] = { "host", "A" };

/* What the traced child reports through a pipe. */
struct result {
	int setup_err;		/* errno of a failed step before the call */
	int ret;		/* of the vDSO call */
	int handler_ran;
	int handler_err;	/* errno of setns() in the handler */
	int kind_before, kind_after;
	long long v;		/* vDSO value */
	long long before;	/* host time before the call */
	long long after;	/* host time after it */
};

enum trial_end { T_INSIDE, T_RETURNED, T_ERROR };

/* What the tracee calls, besides __vdso_clock_gettime(64). */
enum call { CALL_GETTIME, CALL_GETTIMEOFDAY, CALL_TIME };

/* A's wall clock, for realtime_step. */
#define REALTIME_OFF_SEC	100000
#define REALTIME_OFF_NSEC	987654321

FIXTURE(vdso_step) {
	const char *skip;
	int ns_fd[NR_NS];
	ino_t ns_ino[NR_NS];
	long long off[NR_NS];
	char why[256];
	int crashed;	/* the T_ERROR was the tracee's fault */
	pid_t pid;	/* of the current tracee */
	int rfd;	/* its result pipe */
};

FIXTURE_VARIANT(vdso_step) {
	clockid_t clk;
	int from;
	int use64;
	enum call call;
};

#ifndef VDSO_STEP_REALTIME

FIXTURE_VARIANT_ADD(vdso_step, mono_host_to_ns) {
	.clk = CLOCK_MONOTONIC, .from = NS_HOST,
};

FIXTURE_VARIANT_ADD(vdso_step, mono_ns_to_host) {
	.clk = CLOCK_MONOTONIC, .from = NS_A,
};

FIXTURE_VARIANT_ADD(vdso_step, boot_host_to_ns) {
	.clk = CLOCK_BOOTTIME, .from = NS_HOST,
};

FIXTURE_VARIANT_ADD(vdso_step, boot_ns_to_host) {
	.clk = CLOCK_BOOTTIME, .from = NS_A,
};

#ifndef __x86_64__
FIXTURE_VARIANT_ADD(vdso_step, mono64_host_to_ns) {
	.clk = CLOCK_MONOTONIC, .from = NS_HOST, .use64 = 1,
};

FIXTURE_VARIANT_ADD(vdso_step, mono64_ns_to_host) {
	.clk = CLOCK_MONOTONIC, .from = NS_A, .use64 = 1,
};

FIXTURE_VARIANT_ADD(vdso_step, boot64_host_to_ns) {
	.clk = CLOCK_BOOTTIME, .from = NS_HOST, .use64 = 1,
};

FIXTURE_VARIANT_ADD(vdso_step, boot64_ns_to_host) {
	.clk = CLOCK_BOOTTIME, .from = NS_A, .use64 = 1,
};
#endif
#else /* VDSO_STEP_REALTIME */
FIXTURE_VARIANT_ADD(vdso_step, gettimeofday_host_to_ns) {
	.clk = CLOCK_REALTIME, .from = NS_HOST, .call = CALL_GETTIMEOFDAY,
};

FIXTURE_VARIANT_ADD(vdso_step, gettimeofday_ns_to_host) {
	.clk = CLOCK_REALTIME, .from = NS_A, .call = CALL_GETTIMEOFDAY,
};

FIXTURE_VARIANT_ADD(vdso_step, time_host_to_ns) {
	.clk = CLOCK_REALTIME_COARSE, .from = NS_HOST, .call = CALL_TIME,
};

FIXTURE_VARIANT_ADD(vdso_step, time_ns_to_host) {
	.clk = CLOCK_REALTIME_COARSE, .from = NS_A, .call = CALL_TIME,
};
#endif /* VDSO_STEP_REALTIME */

FIXTURE_SETUP(vdso_step)
{
	struct timens_off off = {
		.mono_sec = 100000,
		.mono_nsec = 123456789,
		.boot_sec = 200000,
		.boot_nsec = 987654321,
	};
	char buf[256];

	/* The test SKIPs by itself, see timens_skip_unprivileged(). */
	if (timens_skip_reason(true))
		return;
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("host image expected: %s",
		       vdso_kind_str(buf, sizeof(buf)));
	/* And so without __vdso_clock_gettime64. */
	if (variant->use64 && !vdso.gettime64)
		return;

	self->off[NS_HOST] = 0;
	self->off[NS_A] = off_clock_ns(&off, variant->clk);
	self->ns_fd[NS_HOST] = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_fd[NS_HOST]) TH_LOG("%s: %m", TIMENS_SELF);
	/* Our children are born in A, the tracee moves where it must. */
	ASSERT_EQ(0, timens_unshare(&off)) TH_LOG("unshare: %m");
	if (variant->call != CALL_GETTIME) {
		snprintf(buf, sizeof(buf), "realtime %d %d\n",
			 REALTIME_OFF_SEC, REALTIME_OFF_NSEC);
		if (write_file(TIMENS_OFFSETS, buf) == -EINVAL) {
			self->skip = "CONFIG_TIME_NS_REALTIME is off";
			return;
		}
		self->off[NS_A] = REALTIME_OFF_SEC * NSEC_PER_SEC +
				  REALTIME_OFF_NSEC;
	}
	self->ns_fd[NS_A] = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_fd[NS_A]) TH_LOG("%s: %m", TIMENS_CHILDREN);
	self->ns_ino[NS_HOST] = ns_ino(TIMENS_SELF);
	self->ns_ino[NS_A] = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(self->ns_ino[NS_HOST], self->ns_ino[NS_A]);
}

FIXTURE_TEARDOWN(vdso_step)
{
}

/* The tracee's handler: move to the other namespace. */
static int handler_fd;
static int handler_ran, handler_err;

static void on_usr1(int sig)
{
	int saved_errno = errno;

	if (setns(handler_fd, CLONE_NEWTIME))
		__atomic_store_n(&handler_err, errno, __ATOMIC_SEQ_CST);
	__atomic_store_n(&handler_ran, 1, __ATOMIC_SEQ_CST);
	errno = saved_errno;
}

/* Host time from a system call made in a known namespace. */
static long long host_now(struct _test_data_vdso_step *self, clockid_t clk,
			  int from)
{
	long long t;
	int ran;

	do {
		ran = __atomic_load_n(&handler_ran, __ATOMIC_SEQ_CST);
		t = sys_clock_ns(clk);
	} while (ran != __atomic_load_n(&handler_ran, __ATOMIC_SEQ_CST));
	return t - self->off[ran ? !from : from];
}

/* Runs in the forked child and never returns. */
static void tracee(struct _test_data_vdso_step *self,
		   const struct _fixture_variant_vdso_step *variant, int wfd)
{
	struct result r;
	struct sigaction sa;
	struct timespec ts;
	struct timeval tv;
	struct vdso_ts64 ts64;
	int from = variant->from;

	memset(&r, 0, sizeof(r));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	handler_fd = self->ns_fd[!from];
	if (sigaction(SIGUSR1, &sa, NULL))
		r.setup_err = errno;
	if (ns_ino(TIMENS_SELF) != self->ns_ino[from] &&
	    setns(self->ns_fd[from], CLONE_NEWTIME))
		r.setup_err = errno;
	r.kind_before = vdso_image_kind();
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		r.setup_err = errno;
	if (r.setup_err)
		goto out;

	r.before = host_now(self, variant->clk, from);
	kill(getpid(), SIGSTOP);
	/* The tracer steps from here into the vDSO. */
	if (variant->call == CALL_GETTIMEOFDAY) {
		r.ret = vdso.gettimeofday(&tv, NULL);
		r.v = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	} else if (variant->call == CALL_TIME) {
		r.v = vdso.time(NULL) * NSEC_PER_SEC;
	} else if (variant->use64) {
		r.ret = vdso.gettime64(variant->clk, &ts64);
		r.v = ts64.tv_sec * NSEC_PER_SEC + ts64.tv_nsec;
	} else {
		r.ret = vdso.gettime(variant->clk, &ts);
		r.v = ts_ns(&ts);
	}
	r.after = host_now(self, variant->clk, from);
	r.kind_after = vdso_image_kind();
	r.handler_ran = __atomic_load_n(&handler_ran, __ATOMIC_SEQ_CST);
	r.handler_err = __atomic_load_n(&handler_err, __ATOMIC_SEQ_CST);
out:
	_exit(write_all(wfd, &r, sizeof(r)) ? 3 : 0);
}

/* Single-step; 0 if the tracee stopped again with SIGTRAP. */
static int step(pid_t pid, int *status)
{
	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL))
		return -1;
	if (waitpid(pid, status, 0) != pid)
		return -1;
	return WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGTRAP ? 0 : -1;
}

static const char *status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else if (WIFSTOPPED(status))
		snprintf(buf, len, "stopped by signal %d (%s)",
			 WSTOPSIG(status), strsignal(WSTOPSIG(status)));
	else
		snprintf(buf, len, "status %#x", status);
	return buf;
}

/* Give up on a trial: note why, kill the tracee. */
static enum trial_end trial_fail(struct _test_data_vdso_step *self,
				 const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(self->why, sizeof(self->why), fmt, ap);
	va_end(ap);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, &status, 0);
	}
	close(self->rfd);
	return T_ERROR;
}

/*
 * Run one tracee: stop it k instructions into the vDSO call (or at the
 * first instruction after it, if it returns earlier), send it SIGUSR1
 * there and collect its result.
 */
static enum trial_end trial(struct _test_data_vdso_step *self,
			    const struct _fixture_variant_vdso_step *variant,
			    int k, unsigned long *ip, struct result *r)
{
	unsigned long entry = variant->call == CALL_GETTIMEOFDAY ?
			      (unsigned long)vdso.gettimeofday :
			      variant->call == CALL_TIME ?
			      (unsigned long)vdso.time :
			      variant->use64 ? (unsigned long)vdso.gettime64 :
			      (unsigned long)vdso.gettime;
	enum trial_end end = T_INSIDE;
	int pfd[2], status, n, sig;
	unsigned long fault;
	char buf[64];
	pid_t pid;

	*ip = 0;
	self->crashed = 0;
	self->pid = -1;
	if (pipe(pfd)) {
		snprintf(self->why, sizeof(self->why), "pipe: %m");
		return T_ERROR;
	}
	self->rfd = pfd[0];
	pid = fork();
	if (pid < 0) {
		close(pfd[1]);
		return trial_fail(self, "fork: %m");
	}
	if (pid == 0) {
		close(pfd[0]);
		tracee(self, variant, pfd[1]);
	}
	self->pid = pid;
	close(pfd[1]);

	if (waitpid(pid, &status, 0) != pid)
		return trial_fail(self, "waitpid: %m");
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		return trial_fail(self, "tracee did not stop: %s",
				  status_str(status, buf, sizeof(buf)));

	/*
	 * Step to the first instruction of the vDSO function (on 32-bit
	 * the tracee stopped in __kernel_vsyscall, also in the vDSO).
	 */
	for (n = 0; ; n++) {
		if (n > MAX_PRE_STEPS)
			return trial_fail(self, "no vDSO entry after %d steps",
					  n);
		if (step(pid, &status))
			return trial_fail(self, "step %d before the vDSO: %s",
					  n, status_str(status, buf,
							sizeof(buf)));
		if (vdso_tracee_ip(pid, ip))
			return trial_fail(self, "PTRACE_GETREGS: %m");
		if (*ip == entry)
			break;
	}
	/* And k instructions further, unless the call returns first. */
	for (n = 0; n < k; n++) {
		if (step(pid, &status))
			return trial_fail(self, "step %d in the vDSO (+%#lx): %s",
					  n, *ip - vdso.start,
					  status_str(status, buf,
						     sizeof(buf)));
		if (vdso_tracee_ip(pid, ip))
			return trial_fail(self, "PTRACE_GETREGS: %m");
		if (!vdso_inside(*ip, 1)) {
			end = T_RETURNED;
			break;
		}
	}

	sig = SIGUSR1;
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig))
			return trial_fail(self, "PTRACE_CONT: %m");
		if (waitpid(pid, &status, 0) != pid)
			return trial_fail(self, "waitpid: %m");
		if (!WIFSTOPPED(status))
			break;
		sig = WSTOPSIG(status);
		if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL &&
		    sig != SIGFPE && sig != SIGTRAP)
			continue;
		self->crashed = 1;
		if (vdso_tracee_ip(pid, &fault))
			fault = 0;
		if (vdso_inside(fault, 1))
			return trial_fail(self, "signal %d (%s) at vdso+%#lx",
					  sig, strsignal(sig),
					  fault - vdso.start);
		return trial_fail(self, "signal %d (%s) at ip %#lx",
				  sig, strsignal(sig), fault);
	}
	self->pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		self->crashed = 1;
		return trial_fail(self, "tracee %s",
				  status_str(status, buf, sizeof(buf)));
	}
	if (read_all(pfd[0], r, sizeof(*r)))
		return trial_fail(self, "no result from the tracee");
	close(pfd[0]);
	return end;
}

/*
 * Whose time is r->v: NS_HOST, NS_A or -1 for neither. time() drops the
 * nanoseconds: its reading may lie up to a second before the window.
 */
static int classify(struct _test_data_vdso_step *self,
		    const struct _fixture_variant_vdso_step *variant,
		    const struct result *r)
{
	long long early = variant->call == CALL_TIME ? NSEC_PER_SEC : 0;
	int ns;

	for (ns = 0; ns < NR_NS; ns++) {
		long long h = r->v - self->off[ns];

		if (h >= r->before - VDSO_SLACK_NS - early &&
		    h <= r->after + VDSO_SLACK_NS)
			return ns;
	}
	return -1;
}

static void log_bad(struct __test_metadata *_metadata, int k,
		    unsigned long ip, struct _test_data_vdso_step *self,
		    const struct result *r)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "k=%d ip=vdso+%#lx: %lld is neither namespace's time: %+lld ns as host, %+lld ns as A time from the window start (window %lld ns)",
		 k, ip - vdso.start, r->v, r->v - r->before,
		 r->v - self->off[NS_A] - r->before, r->after - r->before);
	TH_LOG("%s", buf);
}

TEST_F_TIMEOUT(vdso_step, every_instruction, 60)
{
	int from = variant->from, to = !from;
	int k, ns, last = -1, tested = 0, bad = 0, logged = 0;
	int got[NR_NS] = { 0, 0 };
	long long start = sys_clock_ns(CLOCK_MONOTONIC);
	enum trial_end end = T_ERROR;
	unsigned long ip;
	struct result r;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (variant->use64 && !vdso.gettime64)
		SKIP(return, "no __vdso_clock_gettime64");
	if (self->skip)
		SKIP(return, "%s", self->skip);
	for (k = 0; k < MAX_STEPS; k++) {
		if (sys_clock_ns(CLOCK_MONOTONIC) - start > BUDGET_NS) {
			TH_LOG("time budget used up after %d boundaries", k);
			break;
		}
		memset(&r, 0, sizeof(r));
		end = trial(self, variant, k, &ip, &r);
		if (end == T_ERROR && self->crashed) {
			/* Count it and go on: report every bad boundary. */
			bad++;
			tested++;
			if (logged++ < MAX_LOGGED)
				TH_LOG("k=%d ip=vdso+%#lx: %s", k,
				       ip - vdso.start, self->why);
			last = -1;
			continue;
		}
		ASSERT_NE(T_ERROR, end)
			TH_LOG("k=%d, %s -> %s: %s", k, ns_name[from],
			       ns_name[to], self->why);
		ASSERT_EQ(0, r.setup_err) TH_LOG("tracee setup: %s",
						 strerror(r.setup_err));
		ASSERT_EQ(from, r.kind_before);
		EXPECT_EQ(0, r.ret) TH_LOG("k=%d: vDSO call failed", k);
		EXPECT_TRUE(r.handler_ran) TH_LOG("k=%d: no SIGUSR1", k);
		EXPECT_EQ(0, r.handler_err)
			TH_LOG("k=%d: setns in the handler: %s", k,
			       strerror(r.handler_err));
		EXPECT_EQ(to, r.kind_after)
			TH_LOG("k=%d: vDSO image after the switch", k);

		ns = classify(self, variant, &r);
		if (ns < 0) {
			bad++;
			if (logged++ < MAX_LOGGED)
				log_bad(_metadata, k, ip, self, &r);
		} else {
			got[ns]++;
			if (ns != last)
				TH_LOG("from k=%d (ip=vdso+%#lx%s): %s time",
				       k, end == T_RETURNED ? 0 :
				       ip - vdso.start,
				       end == T_RETURNED ? ", returned" : "",
				       ns_name[ns]);
			last = ns;
		}
		if (end == T_RETURNED)
			break;
		tested++;
	}
	TH_LOG("%s -> %s: %d instruction boundaries tested, %d bad, call %s",
	       ns_name[from], ns_name[to], tested, bad,
	       end == T_RETURNED ? "completed" : "not completed");

	EXPECT_EQ(0, bad);
	EXPECT_LT(variant->call == CALL_TIME ? MIN_BOUNDARIES_TIME :
		  MIN_BOUNDARIES, tested)
		TH_LOG("too few instruction boundaries tested");
	/* Signalled before the first instruction: the whole call is new. */
	EXPECT_LT(0, got[to]) TH_LOG("never saw the new namespace's time");
	if (end == T_RETURNED)
		EXPECT_LT(0, got[from])
			TH_LOG("never saw the old namespace's time");
}

TEST_HARNESS_MAIN
