// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that a kernel has no time namespace at all: the stripped base
 * must refuse CLONE_NEWTIME everywhere and show no procfs entries for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

/* The flag's value in kernels that have time namespaces. */
#define TIME_NS_FLAG 0x80

TEST(unshare_refuses_the_flag)
{
	ASSERT_EQ(-1, unshare(TIME_NS_FLAG));
	ASSERT_EQ(EINVAL, errno);
}

TEST(clone3_refuses_the_flag)
{
	struct clone_args args = {
		.flags = TIME_NS_FLAG,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(__NR_clone3, &args, sizeof(args));

	if (pid == 0)
		_exit(0);
	ASSERT_EQ(-1, pid);
	ASSERT_EQ(EINVAL, errno);
}

TEST(setns_refuses_the_flag)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, setns(fd, TIME_NS_FLAG));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(no_procfs_entries)
{
	static const char * const gone[] = {
		"/proc/self/ns/time",
		"/proc/self/ns/time_for_children",
		"/proc/self/timens_offsets",
	};
	struct stat st;
	unsigned int i;

	/* The other namespaces are there, so procfs itself works. */
	ASSERT_EQ(0, stat("/proc/self/ns/uts", &st));
	for (i = 0; i < ARRAY_SIZE(gone); i++) {
		EXPECT_EQ(-1, stat(gone[i], &st)) {
			TH_LOG("%s exists", gone[i]);
		}
		EXPECT_EQ(ENOENT, errno);
	}
}

/*
 * Upstream keeps the max_time_namespaces limit without CONFIG_TIME_NS, and
 * so does our series (TIMENS_UCOUNT_KEPT=1); the stripped base has no
 * trace of time namespaces at all.
 */
TEST(max_time_namespaces)
{
	const char *kept = getenv("TIMENS_UCOUNT_KEPT");
	struct stat st;
	int ret;

	ret = stat("/proc/sys/user/max_time_namespaces", &st);
	if (kept && !strcmp(kept, "1")) {
		EXPECT_EQ(0, ret) TH_LOG("no max_time_namespaces: %m");
	} else {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(ENOENT, errno);
	}
}

TEST_HARNESS_MAIN
