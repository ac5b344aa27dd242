// SPDX-License-Identifier: GPL-2.0
/*
 * procfs and sysinfo() values that depend on the reader's boottime
 * offset: /proc/uptime, sysinfo().uptime, /proc/stat btime and the
 * starttime field of /proc/PID/stat.
 */
#define _GNU_SOURCE
#include <sys/sysinfo.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

/* Everything a reader collects in one go. */
struct view {
	long long uptime_ns;	/* /proc/uptime, first field */
	long long sysinfo_up;	/* sysinfo().uptime, seconds */
	long long btime;	/* /proc/stat btime, seconds */
	long long start_other;	/* starttime of a host task, ticks */
	long long start_self;	/* own starttime, ticks */
};

static long long read_uptime_ns(void)
{
	long long sec, frac;
	char buf[128];

	if (read_file("/proc/uptime", buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf, "%lld.%2lld", &sec, &frac) != 2)
		return -1;
	return sec * NSEC_PER_SEC + frac * 10 * NSEC_PER_MSEC;
}

static long long read_btime(void)
{
	static char buf[65536];
	long long btime;
	char *p;

	if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nbtime ");
	if (!p || sscanf(p, "\nbtime %lld", &btime) != 1)
		return -1;
	return btime;
}

/* Field 22 of /proc/PID/stat. */
static long long read_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* The command name may contain anything, skip past its end. */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	return strtoll(p + 1, NULL, 10);
}

static int collect(struct view *v, pid_t other)
{
	struct sysinfo si;

	v->uptime_ns = read_uptime_ns();
	v->btime = read_btime();
	v->start_other = read_starttime(other);
	v->start_self = read_starttime(getpid());
	if (sysinfo(&si))
		return -1;
	v->sysinfo_up = si.uptime;
	if (v->uptime_ns < 0 || v->btime < 0 || v->start_other < 0 ||
	    v->start_self < 0)
		return -1;
	return 0;
}

FIXTURE(timens) {
	struct timens_off off;
	long hz;
	pid_t other;		/* a task living in the host namespace */
	int other_pipe;
	struct view before, ns, after;
	long long child_start_host;	/* ns child's starttime, host view */
};

FIXTURE_VARIANT(timens) {
	int negative;
};

FIXTURE_VARIANT_ADD(timens, positive) {
	.negative = 0,
};

FIXTURE_VARIANT_ADD(timens, negative) {
	.negative = 1,
};

/*
 * Start a host task, then let a child born in a new time namespace collect
 * its view while the test process collects the host view around it.
 * Unless the tests are to SKIP, see timens_skip_unprivileged().
 */
FIXTURE_SETUP(timens)
{
	int keep[2], data[2], hold[2];
	pid_t pid;
	char c;

	if (timens_skip_reason(true))
		return;
	self->hz = sysconf(_SC_CLK_TCK);
	ASSERT_LT(0, self->hz);
	ASSERT_EQ(0, timens_pick_offsets(&self->off, variant->negative));
	ASSERT_EQ(0, pipe(keep));

	self->other = fork();
	ASSERT_LE(0, self->other);
	if (self->other == 0) {
		close(keep[1]);
		/* Live until the test closes the pipe. */
		while (read(keep[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(keep[0]);
	self->other_pipe = keep[1];
	ASSERT_EQ(0, pipe(data));
	ASSERT_EQ(0, pipe(hold));

	ASSERT_EQ(0, collect(&self->before, self->other));
	ASSERT_EQ(0, timens_unshare(&self->off));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct view v;

		close(data[0]);
		close(hold[1]);
		close(self->other_pipe);
		if (collect(&v, self->other))
			_exit(1);
		if (write_all(data[1], &v, sizeof(v)))
			_exit(2);
		/* Stay alive until the parent looked at our stat file. */
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(data[1]);
	close(hold[0]);
	ASSERT_EQ(0, read_all(data[0], &self->ns, sizeof(self->ns)));
	self->child_start_host = read_starttime(pid);
	close(hold[1]);
	close(data[0]);
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, collect(&self->after, self->other));
}

FIXTURE_TEARDOWN(timens)
{
	if (!self->other)
		return;
	close(self->other_pipe);
	wait_child(self->other);
}

TEST_F(timens, uptime)
{
	long long off = off_boot_ns(&self->off);
	/* /proc/uptime has a resolution of 10ms. */
	long long res = 10 * NSEC_PER_MSEC;

	if (timens_skip_unprivileged(_metadata))
		return;
	EXPECT_LE(self->before.uptime_ns + off - res - TIMENS_SLACK_NS,
		  self->ns.uptime_ns);
	EXPECT_GE(self->after.uptime_ns + off + res + TIMENS_SLACK_NS,
		  self->ns.uptime_ns);
	/* And the host's view is unchanged. */
	EXPECT_GT(TIMENS_SLACK_NS + res,
		  self->after.uptime_ns - self->before.uptime_ns);
}

TEST_F(timens, sysinfo)
{
	long long off = self->off.boot_sec;

	if (timens_skip_unprivileged(_metadata))
		return;
	/* Whole seconds, rounded up: allow two seconds either way. */
	EXPECT_LE(self->before.sysinfo_up + off - 2, self->ns.sysinfo_up);
	EXPECT_GE(self->after.sysinfo_up + off + 2, self->ns.sysinfo_up);
	EXPECT_GE(2, self->after.sysinfo_up - self->before.sysinfo_up);
}

TEST_F(timens, btime)
{
	long long off = self->off.boot_sec;

	if (timens_skip_unprivileged(_metadata))
		return;
	/* Later boottime means an earlier boot. */
	EXPECT_LE(self->before.btime - off - 2, self->ns.btime);
	EXPECT_GE(self->before.btime - off + 2, self->ns.btime);
	EXPECT_GE(1, llabs(self->after.btime - self->before.btime));
}

/* A task's starttime is shown in the reader's boottime. */
TEST_F(timens, starttime_other)
{
	long long off_ticks = off_boot_ns(&self->off) / NSEC_PER_MSEC *
			      self->hz / 1000;

	if (timens_skip_unprivileged(_metadata))
		return;
	EXPECT_EQ(self->before.start_other, self->after.start_other);
	EXPECT_GE(1, llabs(self->ns.start_other -
			   (self->before.start_other + off_ticks)))
		TH_LOG("host %lld ns %lld offset %lld ticks",
		       self->before.start_other, self->ns.start_other,
		       off_ticks);
}

/* The child's own starttime agrees with its /proc/uptime... */
TEST_F(timens, starttime_self)
{
	long long start_ns = self->ns.start_self * NSEC_PER_SEC / self->hz;
	long long tick = NSEC_PER_SEC / self->hz;

	if (timens_skip_unprivileged(_metadata))
		return;
	EXPECT_LE(start_ns - tick - 10 * NSEC_PER_MSEC, self->ns.uptime_ns)
		TH_LOG("start %lld uptime %lld", start_ns, self->ns.uptime_ns);
	EXPECT_GT(start_ns + tick + TIMENS_SLACK_NS, self->ns.uptime_ns)
		TH_LOG("start %lld uptime %lld", start_ns, self->ns.uptime_ns);
}

/* ...while the host sees it without the offset. */
TEST_F(timens, starttime_host_view)
{
	long long start_ns = self->child_start_host * NSEC_PER_SEC / self->hz;
	long long tick = NSEC_PER_SEC / self->hz;

	if (timens_skip_unprivileged(_metadata))
		return;
	EXPECT_LE(self->before.uptime_ns - tick - 10 * NSEC_PER_MSEC,
		  start_ns);
	EXPECT_GE(self->after.uptime_ns + tick + 10 * NSEC_PER_MSEC,
		  start_ns);
}

TEST_HARNESS_MAIN
