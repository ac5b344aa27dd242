// SPDX-License-Identifier: GPL-2.0
/*
 * Time namespaces owned by user namespaces: an unprivileged user creates
 * both and controls the offsets; NS_GET_USERNS reports the owner.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/nsfs.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define NOBODY		65534

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	/* Keep /proc/self files owned by us rather than root. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* Map root in the new user namespace to our own ids outside. */
static int map_self(unsigned int uid, unsigned int gid)
{
	char buf[64];

	if (write_file("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", buf))
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", buf) ? -1 : 0;
}

static ino_t fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* Without a user namespace an unprivileged user gets nowhere. */
TEST(unprivileged_needs_userns)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, become_nobody());
		EXPECT_EQ(-1, unshare(CLONE_NEWTIME));
		EXPECT_EQ(EPERM, errno);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* ...with one, it has CAP_SYS_TIME over its own time namespace. */
TEST(unprivileged_offsets)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct timens_off off;
		long long mono0, boot0, v;
		char buf[128];

		ASSERT_EQ(0, timens_pick_offsets(&off, 0));
		ASSERT_EQ(0, become_nobody());
		ASSERT_EQ(0, unshare(CLONE_NEWUSER | CLONE_NEWTIME))
			TH_LOG("%m");
		ASSERT_EQ(0, map_self(NOBODY, NOBODY)) TH_LOG("%m");
		ASSERT_EQ(0, timens_write_offsets(TIMENS_OFFSETS, &off));
		ASSERT_LT(0, read_file(TIMENS_OFFSETS, buf, sizeof(buf)));
		EXPECT_STREQ("monotonic      864000 250000000\n"
			     "boottime      1728000 125000000\n", buf);

		mono0 = sys_clock_ns(CLOCK_MONOTONIC);
		boot0 = sys_clock_ns(CLOCK_BOOTTIME);
		ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN)) TH_LOG("%m");
		v = libc_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(&off) - mono0;
		EXPECT_LE(0, v);
		EXPECT_GT(TIMENS_SLACK_NS, v);
		v = sys_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(&off) - boot0;
		EXPECT_LE(0, v);
		EXPECT_GT(TIMENS_SLACK_NS, v);
		EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS,
					      "monotonic 1 0\n"));
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* The user cannot move into a time namespace owned by someone else. */
TEST(unprivileged_setns_host)
{
	int fd;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, become_nobody());
		ASSERT_EQ(0, unshare(CLONE_NEWUSER)) TH_LOG("%m");
		EXPECT_EQ(-1, setns(fd, CLONE_NEWTIME));
		EXPECT_EQ(EPERM, errno);
		TIMENS_CHILD_EXIT();
	}
	close(fd);
	ASSERT_EQ(0, wait_child(pid));
}

TEST(ns_get_userns)
{
	int fd, ufd;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	/* The initial time namespace belongs to our (initial) user ns. */
	fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %m", TIMENS_SELF);
	EXPECT_EQ(CLONE_NEWTIME, ioctl(fd, NS_GET_NSTYPE));
	ufd = ioctl(fd, NS_GET_USERNS);
	ASSERT_LE(0, ufd) TH_LOG("NS_GET_USERNS: %m");
	EXPECT_EQ(ns_ino("/proc/self/ns/user"), fd_ino(ufd));
	close(ufd);
	close(fd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ino_t parent_user = ns_ino("/proc/self/ns/user");

		/* Both in one go: the new user ns owns the new time ns. */
		ASSERT_EQ(0, become_nobody());
		ASSERT_EQ(0, unshare(CLONE_NEWUSER | CLONE_NEWTIME));
		EXPECT_NE(parent_user, ns_ino("/proc/self/ns/user"));
		fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(CLONE_NEWTIME, ioctl(fd, NS_GET_NSTYPE));
		ufd = ioctl(fd, NS_GET_USERNS);
		ASSERT_LE(0, ufd) TH_LOG("NS_GET_USERNS: %m");
		EXPECT_EQ(ns_ino("/proc/self/ns/user"), fd_ino(ufd));
		close(ufd);
		close(fd);

		/* A time ns created later in the same user ns: same owner. */
		ASSERT_EQ(0, unshare(CLONE_NEWTIME));
		fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ufd = ioctl(fd, NS_GET_USERNS);
		ASSERT_LE(0, ufd) TH_LOG("NS_GET_USERNS: %m");
		EXPECT_EQ(ns_ino("/proc/self/ns/user"), fd_ino(ufd));
		close(ufd);
		close(fd);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));

	/* A time ns created by root here is owned by the initial user ns. */
	ASSERT_EQ(0, timens_unshare(NULL));
	fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ufd = ioctl(fd, NS_GET_USERNS);
	ASSERT_LE(0, ufd) TH_LOG("NS_GET_USERNS: %m");
	EXPECT_EQ(ns_ino("/proc/self/ns/user"), fd_ino(ufd));
	close(ufd);
	close(fd);
}

TEST_HARNESS_MAIN
