// SPDX-License-Identifier: GPL-2.0
/*
 * clock_nanosleep() inside a time namespace: absolute deadlines are in
 * namespace time, relative ones are not affected.
 */
#define _GNU_SOURCE
#include "timens_util.h"
#include "../kselftest_harness.h"

#define SLEEP_NS	(150 * NSEC_PER_MSEC)

static const clockid_t sleep_clks[] = {
	CLOCK_MONOTONIC,
	CLOCK_BOOTTIME,
	CLOCK_BOOTTIME_ALARM,
	CLOCK_REALTIME,
};

#include "timens_fixture.h"

/* Absolute deadline a little in the future of the namespace clock. */
TEST_F(timens, absolute)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(sleep_clks); i++) {
		clockid_t clk = sleep_clks[i];
		long long now, target, after;
		struct timespec ts;

		now = sys_clock_ns(clk);
		ASSERT_LE(0, now) TH_LOG("clock %d: %m", clk);
		target = now + SLEEP_NS;
		ts = ns_ts(target);

		alarm(TIMENS_HANG_SEC);
		ASSERT_EQ(0, clock_nanosleep(clk, TIMER_ABSTIME, &ts, NULL))
			TH_LOG("clock %d", clk);
		alarm(0);

		after = sys_clock_ns(clk);
		EXPECT_LE(target, after)
			TH_LOG("clock %d woke %lld ns early", clk,
			       target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("clock %d woke %lld ns late", clk,
			       after - target);
	}
}

/* Relative sleeps are plain durations. */
TEST_F(timens, relative)
{
	struct timespec ts = ns_ts(SLEEP_NS);
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(sleep_clks); i++) {
		clockid_t clk = sleep_clks[i];
		long long before, after;

		before = sys_clock_ns(clk);
		alarm(TIMENS_HANG_SEC);
		ASSERT_EQ(0, clock_nanosleep(clk, 0, &ts, NULL))
			TH_LOG("clock %d", clk);
		alarm(0);
		after = sys_clock_ns(clk);

		EXPECT_LE(SLEEP_NS, after - before) TH_LOG("clock %d", clk);
		EXPECT_GT(SLEEP_NS + TIMENS_LATE_NS, after - before)
			TH_LOG("clock %d", clk);
	}
}

/*
 * Deadlines in the namespace past, including ones below the namespace
 * offset (before the host's zero), expire at once.
 */
TEST_F(timens, expired)
{
	unsigned int i, j;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(sleep_clks); i++) {
		clockid_t clk = sleep_clks[i];
		long long off = off_clock_ns(&self->off, clk);
		long long targets[4];

		targets[0] = 0;
		targets[1] = NSEC_PER_SEC;
		targets[2] = off > 0 ? off / 2 : 2 * NSEC_PER_SEC;
		targets[3] = sys_clock_ns(clk) - NSEC_PER_SEC;

		for (j = 0; j < ARRAY_SIZE(targets); j++) {
			struct timespec ts = ns_ts(targets[j]);
			long long before, after;

			before = sys_clock_ns(CLOCK_MONOTONIC);
			alarm(TIMENS_HANG_SEC);
			ASSERT_EQ(0, clock_nanosleep(clk, TIMER_ABSTIME,
						     &ts, NULL))
				TH_LOG("clock %d target %lld", clk,
				       targets[j]);
			alarm(0);
			after = sys_clock_ns(CLOCK_MONOTONIC);
			EXPECT_GT(TIMENS_SLACK_NS, after - before)
				TH_LOG("clock %d target %lld slept %lld ns",
				       clk, targets[j], after - before);
		}
	}
}

/* A sleeper in a child forked after unshare() uses the child's time. */
TEST(fork_child_absolute)
{
	struct timens_off off;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&off, 0));
	ASSERT_EQ(0, timens_unshare(&off));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long long target, after;
		struct timespec ts;

		target = sys_clock_ns(CLOCK_BOOTTIME) + SLEEP_NS;
		EXPECT_LT(off_boot_ns(&off), target);
		ts = ns_ts(target);
		alarm(TIMENS_HANG_SEC);
		ASSERT_EQ(0, clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME,
					     &ts, NULL));
		after = sys_clock_ns(CLOCK_BOOTTIME);
		EXPECT_LE(target, after);
		EXPECT_GT(target + TIMENS_LATE_NS, after);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

TEST_HARNESS_MAIN
