// SPDX-License-Identifier: GPL-2.0
/*
 * Joining time namespaces: setns() by /proc path and by pidfd, EUSERS for
 * multi-threaded callers, the way back to the initial namespace, threads
 * after unshare() and clone3(CLONE_NEWTIME).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <linux/sched.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_clone3
#define __NR_clone3		435
#endif

FIXTURE(setns) {
	struct timens_off off;
	ino_t host_ino, ns_ino;
	pid_t holder;		/* lives in the new namespace */
	int holder_pipe;
};

/*
 * Create a namespace with offsets and park a child in it.  The test
 * process itself stays in the host namespace.  Unless the tests are to
 * SKIP, see timens_skip_unprivileged().
 */
FIXTURE_SETUP(setns)
{
	int pfd[2];
	char c;

	if (timens_skip_reason(true))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&self->off, 0));
	self->host_ino = ns_ino(TIMENS_SELF);
	ASSERT_NE(0, self->host_ino) TH_LOG("no %s", TIMENS_SELF);
	ASSERT_EQ(0, timens_unshare(&self->off));
	self->ns_ino = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(self->host_ino, self->ns_ino);
	ASSERT_EQ(0, pipe(pfd));

	self->holder = fork();
	ASSERT_LE(0, self->holder);
	if (self->holder == 0) {
		close(pfd[1]);
		while (read(pfd[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(pfd[0]);
	self->holder_pipe = pfd[1];
	alarm(TIMENS_HANG_SEC);
}

FIXTURE_TEARDOWN(setns)
{
	if (!self->holder)
		return;
	close(self->holder_pipe);
	wait_child(self->holder);
	alarm(0);
}

/* Our clocks are shifted by @o compared to host values read before. */
static void check_shift(struct __test_metadata *_metadata,
			const struct timens_off *o, long long mono0,
			long long boot0)
{
	long long v;

	v = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(o) - mono0;
	EXPECT_LE(0, v);
	EXPECT_GT(TIMENS_SLACK_NS, v);
	v = libc_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(o) - mono0;
	EXPECT_LE(0, v);
	EXPECT_GT(TIMENS_SLACK_NS, v);
	v = sys_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(o) - boot0;
	EXPECT_LE(0, v);
	EXPECT_GT(TIMENS_SLACK_NS, v);
	v = libc_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(o) - boot0;
	EXPECT_LE(0, v);
	EXPECT_GT(TIMENS_SLACK_NS, v);
}

static const struct timens_off no_off;

/* setns() on /proc/PID/ns/time, then back to the initial namespace. */
TEST_F(setns, by_path)
{
	long long mono0, boot0;
	char path[64];
	int host_fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, host_fd);
	snprintf(path, sizeof(path), "/proc/%d/ns/time", self->holder);
	EXPECT_EQ(self->ns_ino, ns_ino(path));

	mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	boot0 = sys_clock_ns(CLOCK_BOOTTIME);
	ASSERT_EQ(0, timens_setns_path(path)) TH_LOG("setns: %s",
						     strerror(errno));
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_SELF));
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_CHILDREN));
	check_shift(_metadata, &self->off, mono0, boot0);

	mono0 = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(&self->off);
	boot0 = sys_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(&self->off);
	ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME)) TH_LOG("%m");
	close(host_fd);
	EXPECT_EQ(self->host_ino, ns_ino(TIMENS_SELF));
	EXPECT_EQ(self->host_ino, ns_ino(TIMENS_CHILDREN));
	check_shift(_metadata, &no_off, mono0, boot0);
}

/* setns() with a pidfd and CLONE_NEWTIME joins that task's namespace. */
TEST_F(setns, by_pidfd)
{
	long long mono0, boot0;
	int pidfd;

	if (timens_skip_unprivileged(_metadata))
		return;
	pidfd = syscall(__NR_pidfd_open, self->holder, 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %m");

	mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	boot0 = sys_clock_ns(CLOCK_BOOTTIME);
	ASSERT_EQ(0, setns(pidfd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	close(pidfd);
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_SELF));
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_CHILDREN));
	check_shift(_metadata, &self->off, mono0, boot0);
}

/* The pidfd of a task in the initial namespace brings us back. */
TEST_F(setns, pidfd_back_home)
{
	long long mono0, boot0;
	int pidfd;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_SELF));

	pidfd = syscall(__NR_pidfd_open, getppid(), 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %m");
	mono0 = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(&self->off);
	boot0 = sys_clock_ns(CLOCK_BOOTTIME) - off_boot_ns(&self->off);
	ASSERT_EQ(0, setns(pidfd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	close(pidfd);
	EXPECT_EQ(self->host_ino, ns_ino(TIMENS_SELF));
	check_shift(_metadata, &no_off, mono0, boot0);
}

static void *idle_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (read(fd, &c, 1) > 0)
		;
	return NULL;
}

/* A multi-threaded process may not switch time namespaces. */
TEST_F(setns, eusers)
{
	int pfd[2], fd;
	pthread_t th;
	char path[64];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pipe(pfd));
	snprintf(path, sizeof(path), "/proc/%d/ns/time", self->holder);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, pthread_create(&th, NULL, idle_thread, &pfd[0]));
	EXPECT_EQ(-1, setns(fd, CLONE_NEWTIME));
	EXPECT_EQ(EUSERS, errno);
	EXPECT_EQ(self->host_ino, ns_ino(TIMENS_SELF));
	close(pfd[1]);
	ASSERT_EQ(0, pthread_join(th, NULL));
	close(pfd[0]);

	/* Single-threaded again: now it works. */
	EXPECT_EQ(0, setns(fd, CLONE_NEWTIME)) TH_LOG("%m");
	EXPECT_EQ(self->ns_ino, ns_ino(TIMENS_SELF));
	close(fd);
}

static void *thread_time_ns(void *arg)
{
	*(ino_t *)arg = ns_ino("/proc/thread-self/ns/time");
	return NULL;
}

/*
 * As since Linux 6.2: while time != time_for_children a process may
 * still create threads; they share its address space and vDSO, so they
 * stay in its namespace, and its exec moves it into time_for_children.
 */
TEST_F(setns, threads_after_unshare)
{
	pthread_t th;
	ino_t seen = 0;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_time_ns, &seen));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(self->host_ino, seen);
	EXPECT_EQ(self->host_ino, ns_ino(TIMENS_SELF));

	/* And after joining time_for_children, in that one. */
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_time_ns, &seen));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(self->ns_ino, seen);
}

/* clone3(CLONE_NEWTIME) puts the child into a namespace of its own. */
TEST(clone3_newtime)
{
	struct clone_args args = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
	};
	long long mono0, mono1, seen[3];
	int pfd[2];
	ino_t host;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	host = ns_ino(TIMENS_SELF);
	ASSERT_NE(0, host);
	ASSERT_EQ(0, pipe(pfd));
	mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	pid = syscall(__NR_clone3, &args, sizeof(args));
	ASSERT_LE(0, pid) TH_LOG("clone3: %m");
	if (pid == 0) {
		seen[0] = ns_ino(TIMENS_SELF);
		seen[1] = ns_ino(TIMENS_CHILDREN);
		seen[2] = libc_clock_ns(CLOCK_MONOTONIC);
		if (write_all(pfd[1], seen, sizeof(seen)))
			_exit(1);
		/* We are in it: the offsets are fixed already. */
		_exit(timens_write_offsets(TIMENS_OFFSETS, &no_off) ==
		      -EACCES ? 0 : 2);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_all(pfd[0], seen, sizeof(seen)));
	EXPECT_EQ(0, wait_child(pid));
	mono1 = sys_clock_ns(CLOCK_MONOTONIC);
	close(pfd[0]);

	EXPECT_NE(0, seen[0]);
	EXPECT_NE(host, seen[0]);
	EXPECT_EQ(seen[0], seen[1]);
	/* A fresh namespace made from the host: zero offsets. */
	EXPECT_LE(mono0, seen[2]);
	EXPECT_GE(mono1, seen[2]);
}

TEST_HARNESS_MAIN
