// SPDX-License-Identifier: GPL-2.0
/*
 * futex() timeouts inside a time namespace: absolute CLOCK_MONOTONIC
 * timeouts of FUTEX_WAIT_BITSET are namespace times, CLOCK_REALTIME and
 * relative ones are unaffected.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <linux/futex.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define WAIT_NS		(150 * NSEC_PER_MSEC)

static int futex_word;

static long futex_wait(int op, const struct timespec *ts)
{
	return syscall(SYS_futex, &futex_word, op, 0, ts, NULL,
		       FUTEX_BITSET_MATCH_ANY);
}

#include "timens_fixture.h"

static const int bitset_ops[] = {
	FUTEX_WAIT_BITSET,
	FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
};

/* Absolute monotonic deadline a bit after the namespace "now". */
TEST_F(timens, bitset_monotonic)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(bitset_ops); i++) {
		long long target, after;
		struct timespec ts;

		target = sys_clock_ns(CLOCK_MONOTONIC) + WAIT_NS;
		ts = ns_ts(target);
		alarm(TIMENS_HANG_SEC);
		EXPECT_EQ(-1, futex_wait(bitset_ops[i], &ts));
		EXPECT_EQ(ETIMEDOUT, errno);
		alarm(0);
		after = sys_clock_ns(CLOCK_MONOTONIC);
		EXPECT_LE(target, after) TH_LOG("op %d woke %lld ns early",
						bitset_ops[i], target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("op %d woke %lld ns late", bitset_ops[i],
			       after - target);
	}
}

/* FUTEX_CLOCK_REALTIME deadlines are wall-clock times, not shifted. */
TEST_F(timens, bitset_realtime)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(bitset_ops); i++) {
		int op = bitset_ops[i] | FUTEX_CLOCK_REALTIME;
		long long target, after;
		struct timespec ts;

		target = sys_clock_ns(CLOCK_REALTIME) + WAIT_NS;
		ts = ns_ts(target);
		alarm(TIMENS_HANG_SEC);
		EXPECT_EQ(-1, futex_wait(op, &ts));
		EXPECT_EQ(ETIMEDOUT, errno);
		alarm(0);
		after = sys_clock_ns(CLOCK_REALTIME);
		EXPECT_LE(target, after) TH_LOG("woke %lld ns early",
						target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("woke %lld ns late", after - target);
	}
}

/* Deadlines in the past, even before the host's zero, time out at once. */
TEST_F(timens, bitset_expired)
{
	long long targets[3], before, after;
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	targets[0] = NSEC_PER_SEC;
	targets[1] = off_mono_ns(&self->off) > 0 ?
		     off_mono_ns(&self->off) / 2 : 2 * NSEC_PER_SEC;
	targets[2] = sys_clock_ns(CLOCK_MONOTONIC) - NSEC_PER_SEC;

	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		struct timespec ts = ns_ts(targets[i]);

		before = sys_clock_ns(CLOCK_MONOTONIC);
		alarm(TIMENS_HANG_SEC);
		EXPECT_EQ(-1, futex_wait(FUTEX_WAIT_BITSET, &ts));
		EXPECT_EQ(ETIMEDOUT, errno);
		alarm(0);
		after = sys_clock_ns(CLOCK_MONOTONIC);
		EXPECT_GT(TIMENS_SLACK_NS, after - before)
			TH_LOG("target %lld waited %lld ns", targets[i],
			       after - before);
	}
}

/* FUTEX_WAIT takes a relative timeout: nothing to convert. */
TEST_F(timens, wait_relative)
{
	struct timespec ts = ns_ts(WAIT_NS);
	long long before, after;

	if (timens_skip_unprivileged(_metadata))
		return;
	before = sys_clock_ns(CLOCK_MONOTONIC);
	alarm(TIMENS_HANG_SEC);
	EXPECT_EQ(-1, syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, &ts,
			      NULL, 0));
	EXPECT_EQ(ETIMEDOUT, errno);
	alarm(0);
	after = sys_clock_ns(CLOCK_MONOTONIC);
	EXPECT_LE(WAIT_NS, after - before);
	EXPECT_GT(WAIT_NS + TIMENS_LATE_NS, after - before);
}

/* A value mismatch still wins over the (converted) timeout. */
TEST_F(timens, bitset_mismatch)
{
	struct timespec ts;

	if (timens_skip_unprivileged(_metadata))
		return;
	ts = ns_ts(sys_clock_ns(CLOCK_MONOTONIC) + NSEC_PER_SEC);
	futex_word = 1;
	EXPECT_EQ(-1, futex_wait(FUTEX_WAIT_BITSET, &ts));
	EXPECT_EQ(EAGAIN, errno);
	futex_word = 0;
}

TEST_HARNESS_MAIN
