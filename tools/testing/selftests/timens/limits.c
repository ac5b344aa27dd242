// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/user/max_time_namespaces.  Everything happens inside a fresh
 * user namespace, whose own limit is the one changed: the host's limit is
 * only read.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <linux/sched.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#ifndef __NR_clone3
#define __NR_clone3		435
#endif

#define MAX_TIMENS	"/proc/sys/user/max_time_namespaces"

static long read_limit(void)
{
	char buf[32];

	if (read_file(MAX_TIMENS, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int set_limit(long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", val);
	return write_file(MAX_TIMENS, buf);
}

static pid_t clone3_newtime(void)
{
	struct clone_args args = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
	};

	return syscall(__NR_clone3, &args, sizeof(args));
}

FIXTURE(limits) {
	pid_t child;
};

/*
 * Run each test in a child that owns a new user namespace.  No child
 * (-1) if the tests are to SKIP, see timens_skip_unprivileged().
 */
FIXTURE_SETUP(limits)
{
	long host;

	self->child = -1;
	if (timens_skip_reason(true))
		return;
	host = read_limit();
	ASSERT_LT(0, host) TH_LOG("%s: %m", MAX_TIMENS);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		ASSERT_EQ(0, unshare(CLONE_NEWUSER)) TH_LOG("%m");
		/* Map root to root, so that user namespaces can nest. */
		ASSERT_EQ(0, write_file("/proc/self/setgroups", "deny"));
		ASSERT_EQ(0, write_file("/proc/self/uid_map", "0 0 1"));
		ASSERT_EQ(0, write_file("/proc/self/gid_map", "0 0 1"));
		/* The limit seen now is the new user namespace's own. */
		EXPECT_EQ(INT32_MAX, read_limit());
	}
}

FIXTURE_TEARDOWN(limits)
{
	if (self->child < 0)
		return;
	if (self->child == 0)
		TIMENS_CHILD_EXIT();
	EXPECT_EQ(0, wait_child(self->child));
}

TEST_F(limits, zero)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	if (self->child) {
		ASSERT_NE(0, read_limit());
		return;
	}
	ASSERT_EQ(0, set_limit(0)) TH_LOG("%m");
	EXPECT_EQ(0, read_limit());
	EXPECT_EQ(-1, unshare(CLONE_NEWTIME));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, clone3_newtime());
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(limits, count)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (self->child)
		return;
	ASSERT_EQ(0, set_limit(1)) TH_LOG("%m");
	ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("%m");
	/* The first one still exists as our time_for_children. */
	EXPECT_EQ(-1, unshare(CLONE_NEWTIME));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, clone3_newtime());
	EXPECT_EQ(ENOSPC, errno);

	/* Raising the limit lets one more through, and no more. */
	ASSERT_EQ(0, set_limit(2));
	ASSERT_EQ(0, pipe(pfd));
	pid = clone3_newtime();
	ASSERT_LE(0, pid) TH_LOG("clone3: %m");
	if (pid == 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[0]);
	EXPECT_EQ(-1, unshare(CLONE_NEWTIME));
	EXPECT_EQ(ENOSPC, errno);
	close(pfd[1]);
	EXPECT_EQ(0, wait_child(pid));
	/* That child's namespace died with it: there is room again. */
	EXPECT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("%m");
}

/* Namespaces counted in a child user namespace count for the parent. */
TEST_F(limits, nested_userns)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (self->child)
		return;
	ASSERT_EQ(0, set_limit(1)) TH_LOG("%m");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, unshare(CLONE_NEWUSER)) TH_LOG("%m");
		EXPECT_EQ(INT32_MAX, read_limit());
		ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("%m");
		EXPECT_EQ(-1, unshare(CLONE_NEWTIME));
		EXPECT_EQ(ENOSPC, errno);
		TIMENS_CHILD_EXIT();
	}
	EXPECT_EQ(0, wait_child(pid));
}

TEST_HARNESS_MAIN
