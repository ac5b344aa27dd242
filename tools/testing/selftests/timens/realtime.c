// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK_REALTIME offsets (CONFIG_TIME_NS_REALTIME): a namespace whose
 * "realtime" offset is set shows the host's wall clock plus the offset
 * on every interface that shows CLOCK_REALTIME or CLOCK_TAI, and takes
 * absolute times on them in its own time. It may not set the clock.
 *
 * Each test forks a child born in the namespace (the test process stays
 * on the host, to read the host's clock around the child's reading).
 * Without the option the "realtime" line is EINVAL and the tests SKIP;
 * offsets checks that the ABI is then upstream's.
 */
#define _GNU_SOURCE
#include <mqueue.h>
#include <linux/futex.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/time.h>
#include "timens_util.h"
#include "vdso_util.h"
#include "../kselftest_harness.h"

#define YEAR_SEC	(365LL * SEC_PER_DAY)

/* settimeofday()'s limit, TIME_SETTOD_SEC_MAX: 2232-04-18. */
#define SETTOD_SEC_MAX	(9223372036LL - 30 * YEAR_SEC)

/* How far a namespace timer may fire after its time; see TIMENS_LATE_NS. */
#define WAIT_NS		(300 * NSEC_PER_MSEC)

FIXTURE(realtime) {
	const char *skip;
	long long off_ns;
};

FIXTURE_VARIANT(realtime) {
	long long sec;
	long nsec;
};

/*
 * Ten years on, into 2036 and past 2038 soon enough; the nanoseconds make
 * time() carry a second almost always.
 */
FIXTURE_VARIANT_ADD(realtime, forward) {
	.sec = 10 * YEAR_SEC,
	.nsec = 999000000,
};

FIXTURE_VARIANT_ADD(realtime, backward) {
	.sec = -10 * YEAR_SEC,
	.nsec = 500000000,
};

/* Write one "realtime" line for time_for_children: 0 or -errno. */
static int write_realtime(const char *name, long long sec, long nsec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s %lld %ld\n", name, sec, nsec);
	return write_file(TIMENS_OFFSETS, buf);
}

/* A reason to SKIP, or NULL: the option is on if the line is taken. */
static const char *no_realtime(void)
{
	int err;

	if (timens_skip_reason(true))
		return timens_skip_reason(true);
	if (unshare(CLONE_NEWTIME))
		return "unshare(CLONE_NEWTIME) failed";
	err = write_realtime("realtime", 0, 0);
	if (err == -EINVAL)
		return "CONFIG_TIME_NS_REALTIME is off: the realtime line is EINVAL";
	return err ? "writing the realtime line failed" : NULL;
}

FIXTURE_SETUP(realtime)
{
	self->skip = no_realtime();
	if (self->skip)
		return;
	ASSERT_EQ(0, write_realtime("realtime", variant->sec, variant->nsec));
	self->off_ns = variant->sec * NSEC_PER_SEC + variant->nsec;
}

FIXTURE_TEARDOWN(realtime)
{
}

/* How a child reads the wall clock. */
enum how { SYSCALL, VDSO, GETTIMEOFDAY, VDSO_GETTIMEOFDAY, TIME, VDSO_TIME,
	   ADJTIMEX, CLOCK_ADJTIME };

static long long read_clock(clockid_t clk, enum how how)
{
	struct timespec ts;
	struct timeval tv;
	struct timex tx;

	switch (how) {
	case SYSCALL:
		return sys_clock_ns(clk);
	case VDSO:
		if (vdso.gettime(clk, &ts))
			return -1;
		return ts_ns(&ts);
	case GETTIMEOFDAY:
		if (gettimeofday(&tv, NULL))
			return -1;
		return tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	case VDSO_GETTIMEOFDAY:
		if (!vdso.gettimeofday || vdso.gettimeofday(&tv, NULL))
			return -1;
		return tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000LL;
	case TIME:
		return (long long)time(NULL) * NSEC_PER_SEC;
	case VDSO_TIME:
		if (!vdso.time)
			return -1;
		return (long long)vdso.time(NULL) * NSEC_PER_SEC;
	case ADJTIMEX:
	case CLOCK_ADJTIME:
		memset(&tx, 0, sizeof(tx));
		if ((how == ADJTIMEX ? adjtimex(&tx) :
		     clock_adjtime(CLOCK_REALTIME, &tx)) < 0)
			return -1;
		return tx.time.tv_sec * NSEC_PER_SEC + tx.time.tv_usec *
		       (tx.status & STA_NANO ? 1 : 1000LL);
	}
	return -1;
}

/*
 * A child born in the namespace reads @clk the way @how says; the host's
 * reading before and after brackets it, shifted by the offset. time()
 * shows the seconds of the coarse clock so shifted, carry included.
 */
static void expect_shifted(struct __test_metadata *_metadata,
			   long long off, clockid_t clk, enum how how,
			   const char *what)
{
	long long before, after, got, lo, hi;
	int fds[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	before = sys_clock_ns(clk);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		got = read_clock(clk, how);
		_exit(write_all(fds[1], &got, sizeof(got)) ? 1 : 0);
	}
	ASSERT_EQ(0, wait_child(pid));
	after = sys_clock_ns(clk);
	ASSERT_EQ(0, read_all(fds[0], &got, sizeof(got)));
	close(fds[0]);
	close(fds[1]);
	lo = before + off - 50 * NSEC_PER_MSEC;
	hi = after + off + 50 * NSEC_PER_MSEC;
	if (how == TIME || how == VDSO_TIME) {
		lo = (before + off) / NSEC_PER_SEC * NSEC_PER_SEC;
		hi = (after + off) / NSEC_PER_SEC * NSEC_PER_SEC;
	}
	EXPECT_LE(lo, got)
		TH_LOG("%s: %lld ns, host %lld + offset %lld", what, got,
		       before, off);
	EXPECT_GE(hi, got)
		TH_LOG("%s: %lld ns, host %lld + offset %lld", what, got,
		       after, off);
}

TEST_F(realtime, clocks)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, vdso_init());
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME, SYSCALL,
		       "REALTIME, system call");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME, VDSO,
		       "REALTIME, vDSO");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME_COARSE, SYSCALL,
		       "REALTIME_COARSE, system call");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME_COARSE, VDSO,
		       "REALTIME_COARSE, vDSO");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME_ALARM, SYSCALL,
		       "REALTIME_ALARM, system call");
	expect_shifted(_metadata, self->off_ns, CLOCK_TAI, SYSCALL,
		       "TAI, system call");
	expect_shifted(_metadata, self->off_ns, CLOCK_TAI, VDSO, "TAI, vDSO");
	/* The clocks it does not shift. */
	expect_shifted(_metadata, 0, CLOCK_MONOTONIC, VDSO, "MONOTONIC, vDSO");
	expect_shifted(_metadata, 0, CLOCK_BOOTTIME, SYSCALL,
		       "BOOTTIME, system call");
}

TEST_F(realtime, time_gettimeofday_adjtimex)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, vdso_init());
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME, GETTIMEOFDAY,
		       "gettimeofday()");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME,
		       VDSO_GETTIMEOFDAY, "__vdso_gettimeofday()");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME_COARSE, TIME,
		       "time()");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME_COARSE,
		       VDSO_TIME, "__vdso_time()");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME, ADJTIMEX,
		       "adjtimex() query");
	expect_shifted(_metadata, self->off_ns, CLOCK_REALTIME, CLOCK_ADJTIME,
		       "clock_adjtime(CLOCK_REALTIME) query");
}

/* The namespace may not set the host's clock, root or not. */
TEST_F(realtime, settime_refused)
{
	struct timespec ts = { 0 };
	struct timeval tv = { 0 };
	struct timezone tz = { 0 };
	struct timex tx;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		EXPECT_EQ(-1, clock_settime(CLOCK_REALTIME, &ts));
		EXPECT_EQ(EPERM, errno);
		tv.tv_sec = ts.tv_sec;
		EXPECT_EQ(-1, settimeofday(&tv, NULL));
		EXPECT_EQ(EPERM, errno);
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_SETOFFSET | ADJ_NANO;
		EXPECT_EQ(-1, adjtimex(&tx));
		EXPECT_EQ(EPERM, errno);
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_FREQUENCY;
		EXPECT_EQ(-1, adjtimex(&tx));
		EXPECT_EQ(EPERM, errno);
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_OFFSET_SINGLESHOT;
		EXPECT_EQ(-1, adjtimex(&tx));
		EXPECT_EQ(EPERM, errno);
		/* The timezone too: its first setting may warp the clock. */
		EXPECT_EQ(-1, settimeofday(NULL, &tz));
		EXPECT_EQ(EPERM, errno);
#ifdef __NR_stime
		EXPECT_EQ(-1, syscall(__NR_stime, &tv.tv_sec));
		EXPECT_EQ(EPERM, errno);
#endif
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* The btime line of /proc/stat, -1 if none. */
static long long proc_stat_btime(void)
{
	char buf[8192], *p;

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nbtime ");
	return p ? atoll(p + 7) : -1;
}

/* The boot instant moves with the wall clock. */
TEST_F(realtime, proc_stat_btime)
{
	long long host, ns;
	int fds[2];
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	host = proc_stat_btime();
	ASSERT_LT(0, host);
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ns = proc_stat_btime();
		_exit(write_all(fds[1], &ns, sizeof(ns)) ? 1 : 0);
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, read_all(fds[0], &ns, sizeof(ns)));
	EXPECT_GE(1, llabs(ns - host - self->off_ns / NSEC_PER_SEC))
		TH_LOG("btime %lld in the namespace, %lld on the host", ns,
		       host);
}

/* Ways a child waits until an absolute REALTIME time of the namespace. */
enum wait_how { NANOSLEEP, NANOSLEEP_ALARM, NANOSLEEP_TAI, TIMERFD,
		TIMERFD_ALARM, POSIX_TIMER, POSIX_TIMER_ALARM, FUTEX, FUTEX_PI,
		MQ_RECEIVE, MQ_SEND, NR_WAITS };

static const char * const wait_names[NR_WAITS] = {
	"clock_nanosleep(REALTIME, TIMER_ABSTIME)",
	"clock_nanosleep(REALTIME_ALARM, TIMER_ABSTIME)",
	"clock_nanosleep(TAI, TIMER_ABSTIME)",
	"timerfd_settime(REALTIME, TFD_TIMER_ABSTIME)",
	"timerfd_settime(REALTIME_ALARM, TFD_TIMER_ABSTIME)",
	"timer_settime(REALTIME, TIMER_ABSTIME)",
	"timer_settime(REALTIME_ALARM, TIMER_ABSTIME)",
	"futex(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME)",
	"futex(FUTEX_LOCK_PI) of a futex its parent holds",
	"mq_timedreceive()",
	"mq_timedsend() to a full queue",
};

/* 0 once the wait for @abs has ended as it should, else -1. */
static int wait_until(enum wait_how how, const struct timespec *abs)
{
	struct itimerspec its = { .it_value = *abs };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	char msg[8], name[32];
	int fd, futex_word = 0;
	uint64_t ticks;
	timer_t timer;
	sigset_t set;
	mqd_t mq;

	switch (how) {
	case NANOSLEEP:
		return clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, abs, NULL);
	case NANOSLEEP_ALARM:
		return clock_nanosleep(CLOCK_REALTIME_ALARM, TIMER_ABSTIME, abs,
				       NULL);
	case NANOSLEEP_TAI:
		return clock_nanosleep(CLOCK_TAI, TIMER_ABSTIME, abs, NULL);
	case TIMERFD:
	case TIMERFD_ALARM:
		fd = timerfd_create(how == TIMERFD ? CLOCK_REALTIME :
				    CLOCK_REALTIME_ALARM, 0);
		if (fd < 0 || timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
			return -1;
		return read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) ? 0 : -1;
	case POSIX_TIMER:
	case POSIX_TIMER_ALARM:
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (timer_create(how == POSIX_TIMER ? CLOCK_REALTIME :
				 CLOCK_REALTIME_ALARM, &sev, &timer) ||
		    timer_settime(timer, TIMER_ABSTIME, &its, NULL))
			return -1;
		return sigwaitinfo(&set, NULL) == SIGUSR1 ? 0 : -1;
	case FUTEX:
		if (syscall(SYS_futex, &futex_word,
			    FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, abs,
			    NULL, FUTEX_BITSET_MATCH_ANY) != -1)
			return -1;
		return errno == ETIMEDOUT ? 0 : -1;
	case FUTEX_PI:
		/* Held by the parent, alive: the lock waits, until @abs. */
		futex_word = getppid();
		if (syscall(SYS_futex, &futex_word, FUTEX_LOCK_PI, 0, abs,
			    NULL, 0) != -1)
			return -1;
		return errno == ETIMEDOUT ? 0 : -1;
	case MQ_RECEIVE:
	case MQ_SEND:
		snprintf(name, sizeof(name), "/timens-rt-%d", getpid());
		mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
		if (mq == (mqd_t)-1)
			return -1;
		mq_unlink(name);
		memset(msg, 0, sizeof(msg));
		if (how == MQ_SEND) {
			/* Fill the one-message queue: the next send waits. */
			if (mq_send(mq, msg, sizeof(msg), 0) ||
			    mq_timedsend(mq, msg, sizeof(msg), 0, abs) != -1)
				return -1;
		} else if (mq_timedreceive(mq, msg, sizeof(msg), NULL,
					   abs) != -1) {
			return -1;
		}
		return errno == ETIMEDOUT ? 0 : -1;
	default:
		return -1;
	}
}

/*
 * An absolute time WAIT_NS ahead of the namespace's wall clock ends the
 * wait WAIT_NS later: not at once (converted the wrong way, it lies ten
 * years in the past) and not ten years on.
 */
TEST_F(realtime, absolute_waits)
{
	long long start, end;
	struct timespec abs;
	int how, status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	for (how = 0; how < NR_WAITS; how++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			alarm(TIMENS_HANG_SEC);
			start = sys_clock_ns(CLOCK_MONOTONIC);
			abs = ns_ts(sys_clock_ns(how == NANOSLEEP_TAI ?
						 CLOCK_TAI : CLOCK_REALTIME) +
				    WAIT_NS);
			if (wait_until(how, &abs))
				_exit(2);
			end = sys_clock_ns(CLOCK_MONOTONIC);
			if (end - start < WAIT_NS - 10 * NSEC_PER_MSEC)
				_exit(3);
			_exit(end - start > WAIT_NS + TIMENS_LATE_NS ? 4 : 0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("%s: %s", wait_names[how],
			       !WIFEXITED(status) ? "killed (hung?)" :
			       WEXITSTATUS(status) == 2 ? "failed" :
			       WEXITSTATUS(status) == 3 ? "ended early" :
			       "ended late");
	}
}

/* How far the host steps its clock in host_settime. */
#define STEP_NS		(2 * NSEC_PER_SEC)

/*
 * The host steps its wall clock forward while a namespace's timers wait
 * for an absolute time of the namespace's wall clock, which moves with
 * the host's: the timer fires when the namespace's clock reaches its
 * time, STEP_NS sooner, and a TFD_TIMER_CANCEL_ON_SET timer in the
 * namespace is cancelled, as on the host.
 */
TEST_F(realtime, host_settime)
{
	struct itimerspec its = { 0 };
	long long got[3], start, target;
	int ready[2], fds[2], abs_fd, cancel_fd;
	struct timespec ts;
	uint64_t ticks;
	pid_t pid;
	char c;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(TIMENS_HANG_SEC);
		abs_fd = timerfd_create(CLOCK_REALTIME, 0);
		cancel_fd = timerfd_create(CLOCK_REALTIME, 0);
		target = sys_clock_ns(CLOCK_REALTIME) + 2 * STEP_NS;
		its.it_value = ns_ts(target);
		if (abs_fd < 0 || cancel_fd < 0 ||
		    timerfd_settime(abs_fd, TFD_TIMER_ABSTIME, &its, NULL) ||
		    timerfd_settime(cancel_fd, TFD_TIMER_ABSTIME |
				    TFD_TIMER_CANCEL_ON_SET, &its, NULL))
			_exit(2);
		start = sys_clock_ns(CLOCK_MONOTONIC);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* [0]: cancelled, [1]: waited, [2]: late by. */
		got[0] = read(cancel_fd, &ticks, sizeof(ticks)) < 0 &&
			 errno == ECANCELED;
		if (read(abs_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
			_exit(2);
		got[1] = sys_clock_ns(CLOCK_MONOTONIC) - start;
		got[2] = sys_clock_ns(CLOCK_REALTIME) - target;
		_exit(write_all(fds[1], got, sizeof(got)) ? 1 : 0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts));
	ts.tv_sec += STEP_NS / NSEC_PER_SEC;
	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts));
	EXPECT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts));
	ts.tv_sec -= STEP_NS / NSEC_PER_SEC;
	ASSERT_EQ(0, clock_settime(CLOCK_REALTIME, &ts));
	ASSERT_EQ(0, read_all(fds[0], got, sizeof(got)));
	EXPECT_EQ(1, got[0]) TH_LOG("CANCEL_ON_SET timer not cancelled");
	EXPECT_GT(2 * STEP_NS - STEP_NS / 2, got[1])
		TH_LOG("waited %lld ns: the step did not bring it closer",
		       got[1]);
	EXPECT_LE(0, got[2]) TH_LOG("fired %lld ns early", -got[2]);
	EXPECT_GT(TIMENS_LATE_NS, got[2]) TH_LOG("fired %lld ns late", got[2]);
}

/*
 * A namespace made inside one with a realtime offset inherits it, as it
 * does the others: its file shows the line, its tasks the same date.
 */
TEST_F(realtime, nested)
{
	long long before, after, got;
	char buf[256], want[64];
	int fds[2];
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	snprintf(want, sizeof(want), "realtime   %10lld %9ld\n",
		 variant->sec, variant->nsec);
	ASSERT_EQ(0, pipe(fds));
	before = sys_clock_ns(CLOCK_REALTIME);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Born in the namespace; its children in a nested one. */
		if (unshare(CLONE_NEWTIME) ||
		    read_file(TIMENS_OFFSETS, buf, sizeof(buf)) <= 0 ||
		    !strstr(buf, want))
			_exit(2);
		pid = fork();
		if (pid == 0) {
			got = vdso_init() ? -1 : read_clock(CLOCK_REALTIME, VDSO);
			_exit(write_all(fds[1], &got, sizeof(got)) ? 1 : 0);
		}
		_exit(wait_child(pid) ? 3 : 0);
	}
	ASSERT_EQ(0, wait_child(pid)) TH_LOG("2: the nested file lacks \"%s\"",
					     want);
	after = sys_clock_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, read_all(fds[0], &got, sizeof(got)));
	EXPECT_LE(before + self->off_ns - 50 * NSEC_PER_MSEC, got);
	EXPECT_GE(after + self->off_ns + 50 * NSEC_PER_MSEC, got);
}

/* struct itimerspec with 64-bit times, for every ABI's timerfd calls. */
struct itimerspec64 {
	long long interval_sec, interval_nsec, value_sec, value_nsec;
};

#ifdef __NR_timerfd_settime64
#define NR_TIMERFD_SETTIME	__NR_timerfd_settime64
#define NR_TIMERFD_GETTIME	__NR_timerfd_gettime64
#else
#define NR_TIMERFD_SETTIME	__NR_timerfd_settime
#define NR_TIMERFD_GETTIME	__NR_timerfd_gettime
#endif

/* KTIME_SEC_MAX: from here on, an absolute time means "never". */
#define NEVER_SEC	9223372036LL

/*
 * An absolute REALTIME time past 2262 is "never" to the kernel, in the
 * namespace too: the offset does not bring it within the host's reach
 * (the timer's remaining time stays that to the end of ktime_t).
 */
TEST_F(realtime, never)
{
	long long host_sec, left[2];
	struct itimerspec64 its = { .value_sec = NEVER_SEC + 1 };
	int fds[2], fd;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, pipe(fds));
	host_sec = sys_clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		left[0] = -1;
		left[1] = -1;
		fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
		if (fd >= 0 && !syscall(NR_TIMERFD_SETTIME, fd,
					TFD_TIMER_ABSTIME, &its, NULL) &&
		    !syscall(NR_TIMERFD_GETTIME, fd, &its)) {
			left[0] = its.value_sec;
			left[1] = its.value_nsec;
		}
		_exit(write_all(fds[1], left, sizeof(left)) ? 1 : 0);
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, read_all(fds[0], left, sizeof(left)));
	close(fds[0]);
	close(fds[1]);
	EXPECT_LE(NEVER_SEC - host_sec - 10, left[0])
		TH_LOG("a timer for never has %lld s left", left[0]);
}

/*
 * The namespace's wall clock stays within settimeofday()'s range: from
 * 1970 to SETTOD_SEC_MAX, both edges taken, one step past refused.
 */
TEST(range)
{
	char buf[256];
	const char *skip;
	long long now;

	skip = no_realtime();
	if (skip)
		SKIP(return, "%s", skip);
	now = sys_clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC;
	EXPECT_EQ(-ERANGE, write_realtime("realtime", -now - 10, 0));
	EXPECT_EQ(0, write_realtime("realtime", -now + 10, 0));
	EXPECT_EQ(-ERANGE, write_realtime("realtime",
					  SETTOD_SEC_MAX - now + 10, 0));
	EXPECT_EQ(0, write_realtime("realtime", SETTOD_SEC_MAX - now - 10, 0));
	/* Zero, the line is not shown: upstream's parsers know two. */
	EXPECT_EQ(0, write_realtime("realtime", 0, 0));
	ASSERT_LT(0, read_file(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_FALSE(!!strstr(buf, "realtime")) TH_LOG("%s", buf);
	EXPECT_EQ(0, write_realtime("0", 1, 999999999));
	ASSERT_LT(0, read_file(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_TRUE(!!strstr(buf, "\nrealtime            1 999999999\n"))
		TH_LOG("%s", buf);
	EXPECT_EQ(-EINVAL, write_realtime("realtime", 1, 1000000000));
	EXPECT_EQ(-EINVAL, write_realtime("realtim", 1, 0));
}

/*
 * Past 2038: 2040-01-01 00:00:00 UTC from the time() system call, the C
 * library's time() and the vDSO's. Where the result is 32 bits wide (a
 * long on ia32 and x32, time_t on ia32) it is the low 32 bits, as the
 * system call has always returned them (the C library's 32-bit time()
 * fails with EOVERFLOW then, and is not asked).
 */
TEST(past_2038)
{
	const long long want = 2208988800LL;
	long long now, got[3];
	const char *skip;
	int fds[2];
	pid_t pid;

	skip = no_realtime();
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, vdso_init());
	ASSERT_TRUE(!!vdso.time);
	now = sys_clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC;
	ASSERT_EQ(0, write_realtime("realtime", want - now, 0));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		got[0] = (long)syscall(SYS_time, NULL);
		got[1] = sizeof(time_t) == 8 ? (long long)time(NULL) : want;
		got[2] = vdso.time(NULL);
		_exit(write_all(fds[1], got, sizeof(got)) ? 1 : 0);
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, read_all(fds[0], got, sizeof(got)));
	EXPECT_GE(2, llabs(got[0] - (sizeof(long) == 4 ? (int32_t)want : want)))
		TH_LOG("time() system call: %lld", got[0]);
	EXPECT_GE(2, llabs(got[1] - want))
		TH_LOG("the C library's time(): %lld", got[1]);
	EXPECT_GE(2, llabs(got[2] - (sizeof(time_t) == 4 ? (int32_t)want :
				     want)))
		TH_LOG("time() in the vDSO: %lld", got[2]);
}

TEST_HARNESS_MAIN
