// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX timers and timerfds inside a time namespace: absolute expiry
 * times are namespace times, reported remaining times are relative.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/timerfd.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define TIMER_NS	(200 * NSEC_PER_MSEC)
#define TIMER_SIG	SIGRTMIN

static const clockid_t timer_clks[] = {
	CLOCK_MONOTONIC,
	CLOCK_BOOTTIME,
	CLOCK_BOOTTIME_ALARM,
	CLOCK_REALTIME,
};

#include "timens_fixture.h"

static int block_timer_sig(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Wait up to @sec seconds for the timer signal; 0 when it arrived. */
static int wait_timer_sig(int sec)
{
	struct timespec ts = { .tv_sec = sec };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, TIMER_SIG);
	return sigtimedwait(&set, NULL, &ts) == TIMER_SIG ? 0 : -1;
}

static int make_timer(clockid_t clk, timer_t *t)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = TIMER_SIG,
	};

	return timer_create(clk, &sev, t);
}

/*
 * A POSIX timer armed with an absolute namespace time fires at that time;
 * timer_gettime() reports the time left, not the absolute value.
 */
TEST_F(timens, posix_absolute)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, block_timer_sig());
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {}, cur;
		long long now, target, left, after;
		timer_t t;

		ASSERT_EQ(0, make_timer(clk, &t)) TH_LOG("clock %d: %m", clk);
		now = sys_clock_ns(clk);
		target = now + TIMER_NS;
		its.it_value = ns_ts(target);
		ASSERT_EQ(0, timer_settime(t, TIMER_ABSTIME, &its, NULL));

		ASSERT_EQ(0, timer_gettime(t, &cur));
		after = sys_clock_ns(clk);
		left = ts_ns(&cur.it_value);
		EXPECT_LE(left, TIMER_NS) TH_LOG("clock %d left %lld",
						 clk, left);
		/* Zero only if the deadline really has passed already. */
		if (left == 0)
			EXPECT_LE(target, after) TH_LOG("clock %d", clk);
		EXPECT_EQ(0, ts_ns(&cur.it_interval));

		EXPECT_EQ(0, wait_timer_sig(TIMENS_HANG_SEC))
			TH_LOG("clock %d: no expiry", clk);
		after = sys_clock_ns(clk);
		EXPECT_LE(target, after) TH_LOG("clock %d fired %lld early",
						clk, target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("clock %d fired %lld late", clk,
			       after - target);
		ASSERT_EQ(0, timer_delete(t));
	}
}

TEST_F(timens, posix_relative)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, block_timer_sig());
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {}, cur;
		long long before, after;
		timer_t t;

		ASSERT_EQ(0, make_timer(clk, &t)) TH_LOG("clock %d: %m", clk);
		its.it_value = ns_ts(TIMER_NS);
		before = sys_clock_ns(clk);
		ASSERT_EQ(0, timer_settime(t, 0, &its, NULL));
		ASSERT_EQ(0, timer_gettime(t, &cur));
		EXPECT_GE(TIMER_NS, ts_ns(&cur.it_value));

		EXPECT_EQ(0, wait_timer_sig(TIMENS_HANG_SEC))
			TH_LOG("clock %d: no expiry", clk);
		after = sys_clock_ns(clk);
		EXPECT_LE(TIMER_NS, after - before) TH_LOG("clock %d", clk);
		EXPECT_GT(TIMER_NS + TIMENS_LATE_NS, after - before)
			TH_LOG("clock %d", clk);
		ASSERT_EQ(0, timer_delete(t));
	}
}

/* Absolute times before the namespace offset are already expired. */
TEST_F(timens, posix_expired)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, block_timer_sig());
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {};
		long long before, after;
		timer_t t;

		ASSERT_EQ(0, make_timer(clk, &t)) TH_LOG("clock %d: %m", clk);
		its.it_value = ns_ts(NSEC_PER_SEC);
		before = sys_clock_ns(CLOCK_MONOTONIC);
		ASSERT_EQ(0, timer_settime(t, TIMER_ABSTIME, &its, NULL));
		EXPECT_EQ(0, wait_timer_sig(TIMENS_HANG_SEC))
			TH_LOG("clock %d: no expiry", clk);
		after = sys_clock_ns(CLOCK_MONOTONIC);
		EXPECT_GT(TIMENS_SLACK_NS, after - before)
			TH_LOG("clock %d took %lld ns", clk, after - before);
		ASSERT_EQ(0, timer_delete(t));
	}
}

/* Wait for a timerfd expiry; returns the expiration count or -1. */
static long long timerfd_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long long n;

	if (poll(&pfd, 1, TIMENS_HANG_SEC * 1000) != 1)
		return -1;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return n;
}

TEST_F(timens, timerfd_absolute)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {}, cur;
		long long now, target, left, after;
		int fd;

		fd = timerfd_create(clk, TFD_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("clock %d: %m", clk);
		now = sys_clock_ns(clk);
		target = now + TIMER_NS;
		its.it_value = ns_ts(target);
		ASSERT_EQ(0, timerfd_settime(fd, TFD_TIMER_ABSTIME, &its,
					     NULL));

		ASSERT_EQ(0, timerfd_gettime(fd, &cur));
		after = sys_clock_ns(clk);
		left = ts_ns(&cur.it_value);
		EXPECT_LE(left, TIMER_NS) TH_LOG("clock %d left %lld",
						 clk, left);
		if (left == 0)
			EXPECT_LE(target, after) TH_LOG("clock %d", clk);

		EXPECT_LE(1, timerfd_wait(fd)) TH_LOG("clock %d", clk);
		after = sys_clock_ns(clk);
		EXPECT_LE(target, after) TH_LOG("clock %d fired %lld early",
						clk, target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("clock %d fired %lld late", clk,
			       after - target);
		close(fd);
	}
}

TEST_F(timens, timerfd_relative)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {}, cur;
		long long before, after;
		int fd;

		fd = timerfd_create(clk, TFD_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("clock %d: %m", clk);
		its.it_value = ns_ts(TIMER_NS);
		its.it_interval = ns_ts(TIMER_NS);
		before = sys_clock_ns(clk);
		ASSERT_EQ(0, timerfd_settime(fd, 0, &its, NULL));
		ASSERT_EQ(0, timerfd_gettime(fd, &cur));
		EXPECT_GE(TIMER_NS, ts_ns(&cur.it_value));
		EXPECT_EQ(TIMER_NS, ts_ns(&cur.it_interval));

		EXPECT_LE(1, timerfd_wait(fd)) TH_LOG("clock %d", clk);
		after = sys_clock_ns(clk);
		EXPECT_LE(TIMER_NS, after - before) TH_LOG("clock %d", clk);
		EXPECT_GT(TIMER_NS + TIMENS_LATE_NS, after - before)
			TH_LOG("clock %d", clk);
		close(fd);
	}
}

TEST_F(timens, timerfd_expired)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(timer_clks); i++) {
		clockid_t clk = timer_clks[i];
		struct itimerspec its = {};
		long long before, after;
		int fd;

		fd = timerfd_create(clk, TFD_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("clock %d: %m", clk);
		its.it_value = ns_ts(NSEC_PER_SEC);
		before = sys_clock_ns(CLOCK_MONOTONIC);
		ASSERT_EQ(0, timerfd_settime(fd, TFD_TIMER_ABSTIME, &its,
					     NULL));
		EXPECT_LE(1, timerfd_wait(fd)) TH_LOG("clock %d", clk);
		after = sys_clock_ns(CLOCK_MONOTONIC);
		EXPECT_GT(TIMENS_SLACK_NS, after - before)
			TH_LOG("clock %d took %lld ns", clk, after - before);
		close(fd);
	}
}

TEST_HARNESS_MAIN
