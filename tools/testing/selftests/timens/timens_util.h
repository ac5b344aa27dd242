/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the time namespace selftests.
 */
#ifndef __TIMENS_UTIL_H
#define __TIMENS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include "../kselftest_harness.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME		0x00000080
#endif

#ifndef CLOCK_BOOTTIME_ALARM
#define CLOCK_BOOTTIME_ALARM	9
#endif

#define NSEC_PER_MSEC		1000000LL
#define NSEC_PER_SEC		1000000000LL
#define SEC_PER_DAY		(24LL * 3600)

/* The machine is emulated and slow: be generous about time deltas. */
#define TIMENS_SLACK_NS		(500 * NSEC_PER_MSEC)
/* How late a wakeup may be before it counts as broken. */
#define TIMENS_LATE_NS		(3 * NSEC_PER_SEC)
/* Seconds after which a blocking wait is considered hung. */
#define TIMENS_HANG_SEC		10

#define TIMENS_OFFSETS		"/proc/self/timens_offsets"
#define TIMENS_SELF		"/proc/self/ns/time"
#define TIMENS_CHILDREN		"/proc/self/ns/time_for_children"

/* Offsets used by most tests: large enough to never be mistaken. */
struct timens_off {
	long long mono_sec;
	long mono_nsec;
	long long boot_sec;
	long boot_nsec;
};

static inline long long ts_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline struct timespec ns_ts(long long ns)
{
	struct timespec ts;

	ts.tv_sec = ns / NSEC_PER_SEC;
	ts.tv_nsec = ns % NSEC_PER_SEC;
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += NSEC_PER_SEC;
	}
	return ts;
}

static inline long long off_mono_ns(const struct timens_off *o)
{
	return o->mono_sec * NSEC_PER_SEC + o->mono_nsec;
}

static inline long long off_boot_ns(const struct timens_off *o)
{
	return o->boot_sec * NSEC_PER_SEC + o->boot_nsec;
}

/* Offset of @clk in a namespace with offsets @o (0 for unshifted clocks). */
static inline long long off_clock_ns(const struct timens_off *o, clockid_t clk)
{
	switch (clk) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
		return off_mono_ns(o);
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return off_boot_ns(o);
	default:
		return 0;
	}
}

/* Read a clock with the raw system call, bypassing the vDSO. */
static inline long long sys_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/* Read a clock through the C library, which uses the vDSO if it can. */
static inline long long libc_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/*
 * Offsets for a test: either large positive ones (monotonic +10 days,
 * boottime +20 days, with sub-second parts) or negative ones that move
 * the namespace clocks back to roughly half of the host values, which
 * keeps them positive.
 */
static inline int timens_pick_offsets(struct timens_off *o, int negative)
{
	long long mono, boot;

	memset(o, 0, sizeof(*o));
	if (!negative) {
		o->mono_sec = 10 * SEC_PER_DAY;
		o->mono_nsec = 250000000;
		o->boot_sec = 20 * SEC_PER_DAY;
		o->boot_nsec = 125000000;
		return 0;
	}

	mono = sys_clock_ns(CLOCK_MONOTONIC);
	if (mono < 0)
		return -1;
	/* Make sure there is something to subtract. */
	if (mono < 4 * NSEC_PER_SEC) {
		usleep((4 * NSEC_PER_SEC - mono) / 1000 + 1000);
		mono = sys_clock_ns(CLOCK_MONOTONIC);
	}
	boot = sys_clock_ns(CLOCK_BOOTTIME);
	if (boot < 0)
		return -1;
	o->mono_sec = -(mono / NSEC_PER_SEC / 2);
	o->boot_sec = -(boot / NSEC_PER_SEC / 2) - 1;
	return 0;
}

/* Write @buf to @path in a single write(); return 0 or -errno. */
static inline int write_file(const char *path, const char *buf)
{
	ssize_t len = strlen(buf), ret;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len);
	if (ret < 0)
		err = -errno;
	else if (ret != len)
		err = -EIO;
	close(fd);
	return err;
}

/* Read up to @size - 1 bytes of @path into @buf; return length or -errno. */
static inline int read_file(const char *path, char *buf, size_t size)
{
	ssize_t ret, len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1) {
		ret = read(fd, buf + len, size - 1 - len);
		if (ret < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
		if (ret == 0)
			break;
		len += ret;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

/* Set both offsets of the time_for_children namespace of @path's owner. */
static inline int timens_write_offsets(const char *path,
				       const struct timens_off *o)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%d %lld %ld\n%d %lld %ld\n",
		 CLOCK_MONOTONIC, o->mono_sec, o->mono_nsec,
		 CLOCK_BOOTTIME, o->boot_sec, o->boot_nsec);
	return write_file(path, buf);
}

/*
 * Create a new time namespace for the children of the caller and set its
 * offsets (when @o is not NULL).  Returns 0 or -errno.
 */
static inline int timens_unshare(const struct timens_off *o)
{
	if (unshare(CLONE_NEWTIME))
		return -errno;
	if (o)
		return timens_write_offsets(TIMENS_OFFSETS, o);
	return 0;
}

/* Join the namespace behind the ns file @path.  Returns 0 or -errno. */
static inline int timens_setns_path(const char *path)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWTIME))
		err = -errno;
	close(fd);
	return err;
}

/* unshare + set offsets + join: the caller itself ends up in a new ns. */
static inline int timens_enter(const struct timens_off *o)
{
	int err = timens_unshare(o);

	if (err)
		return err;
	return timens_setns_path(TIMENS_CHILDREN);
}

/* Inode number of a namespace file, 0 on error. */
static inline ino_t ns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

/*
 * Reap @pid.  Returns its exit code, 128 + signal if it was killed, or -1
 * if waitpid() failed.
 */
static inline int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Write/read exactly @len bytes to/from a pipe; 0 on success. */
static inline int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t ret = write(fd, p, len);

		if (ret <= 0)
			return -1;
		p += ret;
		len -= ret;
	}
	return 0;
}

static inline int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t ret = read(fd, p, len);

		if (ret <= 0)
			return -1;
		p += ret;
		len -= ret;
	}
	return 0;
}

/* Is @cap in the caller's effective set? */
static inline bool timens_capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/*
 * Why a test cannot run here, or NULL.  Only two reasons count, anything
 * else is for the tests to report: a kernel without time namespaces
 * (CONFIG_TIME_NS off, so no TIMENS_SELF although /proc is there) and,
 * when @need_root, a caller that is not root, or lacks CAP_SYS_ADMIN (for
 * unshare() and setns()) or CAP_SYS_TIME (for the offsets).
 */
static inline const char *timens_skip_reason(bool need_root)
{
	if (access(TIMENS_SELF, F_OK) && errno == ENOENT &&
	    !access("/proc/self/ns", F_OK))
		return "no time namespaces: " TIMENS_SELF " is missing, CONFIG_TIME_NS is off";
	if (!need_root)
		return NULL;
	if (geteuid())
		return "needs root";
	if (!timens_capable(CAP_SYS_ADMIN) || !timens_capable(CAP_SYS_TIME))
		return "needs CAP_SYS_ADMIN and CAP_SYS_TIME";
	return NULL;
}

/*
 * SKIP the running test if timens_skip_reason(@need_root) gives a reason:
 * true if it did, and the caller returns then.  Call it at the top of each
 * TEST() and TEST_F(): in this harness a SKIP() in FIXTURE_SETUP() does
 * not keep the test from running, so a fixture's setup that needs what is
 * missing just returns early and leaves the SKIP to its tests.
 */
static inline bool timens_skip(struct __test_metadata *_metadata,
			       bool need_root)
{
	const char *why = timens_skip_reason(need_root);

	if (why)
		SKIP(return true, "%s", why);
	return false;
}

/* Tests that need time namespaces and nothing else. */
static inline bool timens_skip_unsupported(struct __test_metadata *_metadata)
{
	return timens_skip(_metadata, false);
}

/* Tests that need time namespaces and root, most of them. */
static inline bool timens_skip_unprivileged(struct __test_metadata *_metadata)
{
	return timens_skip(_metadata, true);
}

/*
 * End a forked helper that used the harness assertions: a failed ASSERT_*
 * aborts it, a failed EXPECT_* makes it exit with 1.
 */
#define TIMENS_CHILD_EXIT() _exit(_metadata->passed ? 0 : 1)

#endif /* __TIMENS_UTIL_H */
