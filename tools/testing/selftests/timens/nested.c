// SPDX-License-Identifier: GPL-2.0
/*
 * Nested time namespaces: a namespace created from inside another one
 * starts with the offsets of its parent and can then be given its own.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <linux/sched.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#ifndef __NR_clone3
#define __NR_clone3		435
#endif

static const struct timens_off outer = {
	.mono_sec = 10 * SEC_PER_DAY,
	.mono_nsec = 250000000,
	.boot_sec = 20 * SEC_PER_DAY,
	.boot_nsec = 125000000,
};

static const struct timens_off inner = {
	.mono_sec = 3 * SEC_PER_DAY,
	.boot_sec = 40 * SEC_PER_DAY,
	.boot_nsec = 500000000,
};

/*
 * Clocks seen by a child forked now, checked against host values; @cur
 * are the offsets of the namespace we are in ourselves.
 */
static void check_child(struct __test_metadata *_metadata,
			const struct timens_off *cur,
			const struct timens_off *o, ino_t want_ino)
{
	long long host[2], seen[3];
	int pfd[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		seen[0] = libc_clock_ns(CLOCK_MONOTONIC);
		seen[1] = sys_clock_ns(CLOCK_BOOTTIME);
		seen[2] = ns_ino(TIMENS_SELF);
		_exit(write_all(pfd[1], seen, sizeof(seen)) ? 1 : 0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_all(pfd[0], seen, sizeof(seen)));
	ASSERT_EQ(0, wait_child(pid));
	close(pfd[0]);
	host[0] = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(cur);
	host[1] = sys_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(cur);

	EXPECT_EQ(want_ino, seen[2]);
	EXPECT_LE(0, host[0] + off_mono_ns(o) - seen[0]);
	EXPECT_GT(TIMENS_SLACK_NS, host[0] + off_mono_ns(o) - seen[0]);
	EXPECT_LE(0, host[1] + off_boot_ns(o) - seen[1]);
	EXPECT_GT(TIMENS_SLACK_NS, host[1] + off_boot_ns(o) - seen[1]);
}

FIXTURE(nested) {
	ino_t host_ino, outer_ino;
};

/*
 * The test process moves into the outer namespace.  Unless the tests are
 * to SKIP, see timens_skip_unprivileged().
 */
FIXTURE_SETUP(nested)
{
	if (timens_skip_reason(true))
		return;
	self->host_ino = ns_ino(TIMENS_SELF);
	ASSERT_NE(0, self->host_ino);
	ASSERT_EQ(0, timens_enter(&outer)) TH_LOG("%m");
	self->outer_ino = ns_ino(TIMENS_SELF);
	ASSERT_NE(self->host_ino, self->outer_ino);
}

FIXTURE_TEARDOWN(nested)
{
}

TEST_F(nested, inherits_offsets)
{
	char want[128], buf[128];
	ino_t inner_ino;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	inner_ino = ns_ino(TIMENS_CHILDREN);
	EXPECT_NE(self->outer_ino, inner_ino);
	EXPECT_NE(self->host_ino, inner_ino);

	snprintf(want, sizeof(want), "%-10s %10lld %9ld\n%-10s %10lld %9ld\n",
		 "monotonic", outer.mono_sec, outer.mono_nsec,
		 "boottime", outer.boot_sec, outer.boot_nsec);
	ASSERT_LT(0, read_file(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	check_child(_metadata, &outer, &outer, inner_ino);
}

/* Offsets of the inner namespace are relative to the host again. */
TEST_F(nested, own_offsets)
{
	ino_t inner_ino;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&inner));
	inner_ino = ns_ino(TIMENS_CHILDREN);
	check_child(_metadata, &outer, &inner, inner_ino);

	/* Entering it ourselves gives the same picture. */
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	EXPECT_EQ(inner_ino, ns_ino(TIMENS_SELF));
	check_child(_metadata, &inner, &inner, inner_ino);
}

/* The outer namespace keeps its offsets while an inner one exists. */
TEST_F(nested, outer_unchanged)
{
	int fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, timens_enter(&inner));
	check_child(_metadata, &inner, &inner, ns_ino(TIMENS_SELF));
	ASSERT_EQ(0, setns(fd, CLONE_NEWTIME)) TH_LOG("%m");
	close(fd);
	check_child(_metadata, &outer, &outer, self->outer_ino);
}

/* clone3(CLONE_NEWTIME) from inside also starts from the parent's offsets. */
TEST_F(nested, clone3_inherits)
{
	struct clone_args args = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
	};
	long long mono0, mono1, seen[2];
	int pfd[2];
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pipe(pfd));
	mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	pid = syscall(__NR_clone3, &args, sizeof(args));
	ASSERT_LE(0, pid) TH_LOG("clone3: %m");
	if (pid == 0) {
		seen[0] = ns_ino(TIMENS_SELF);
		seen[1] = libc_clock_ns(CLOCK_MONOTONIC);
		_exit(write_all(pfd[1], seen, sizeof(seen)) ? 1 : 0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_all(pfd[0], seen, sizeof(seen)));
	ASSERT_EQ(0, wait_child(pid));
	mono1 = sys_clock_ns(CLOCK_MONOTONIC);
	close(pfd[0]);

	EXPECT_NE(self->outer_ino, seen[0]);
	EXPECT_NE(self->host_ino, seen[0]);
	EXPECT_LE(mono0, seen[1]);
	EXPECT_GE(mono1, seen[1]);
}

TEST_HARNESS_MAIN
