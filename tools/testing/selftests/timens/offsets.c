// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/PID/timens_offsets interface: format, accepted input, error
 * codes, atomicity and permissions.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define ZERO_OFFSETS	"monotonic           0         0\n" \
			"boottime            0         0\n"

static int read_offsets(const char *path, char *buf, size_t size)
{
	return read_file(path, buf, size) < 0 ? -1 : 0;
}

static void expect_offsets(struct __test_metadata *_metadata,
			   const char *path, long long msec, long mnsec,
			   long long bsec, long bnsec)
{
	char want[128], got[256];

	snprintf(want, sizeof(want), "%-10s %10lld %9ld\n%-10s %10lld %9ld\n",
		 "monotonic", msec, mnsec, "boottime", bsec, bnsec);
	ASSERT_EQ(0, read_offsets(path, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Numbers the kernel's sscanf() cuts to their low 64 bits without an
 * error. HUGE_SEC keeps 3794284975826136536, past KTIME_SEC_MAX still;
 * HUGE_NSEC (2^65 - 1) keeps all ones, -1 in a long.
 */
#define HUGE_SEC	"839994732425413968522712"
#define HUGE_NSEC	"36893488147419103231"

/* One write() of all of @buf to @fd; 0 or -errno. */
static int write_fd(int fd, const char *buf)
{
	ssize_t len = strlen(buf);
	ssize_t ret = write(fd, buf, len);

	if (ret < 0)
		return -errno;
	return ret == len ? 0 : -EIO;
}

static void expect_write(struct __test_metadata *_metadata, int fd,
			 const char *buf, int err)
{
	EXPECT_EQ(err, write_fd(fd, buf))
		TH_LOG("write \"%s\"", buf);
}

static void expect_write_path(struct __test_metadata *_metadata,
			      const char *path, const char *buf, int err)
{
	EXPECT_EQ(err, write_file(path, buf))
		TH_LOG("write \"%s\" to %s", buf, path);
}

/* A child that waits, in the initial time namespace, until released. */
struct sleeper {
	pid_t pid;
	int release;	/* closing it lets the child exit */
};

static int sleeper_start(struct sleeper *s)
{
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	s->pid = fork();
	if (s->pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) < 0);
	}
	close(p[0]);
	if (s->pid < 0) {
		close(p[1]);
		return -1;
	}
	s->release = p[1];
	return 0;
}

static int sleeper_open(const struct sleeper *s, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", s->pid);
	return open(path, flags | O_CLOEXEC);
}

/*
 * Let the sleeper exit and wait until it is a zombie (@reap false; the
 * caller reaps it later) or reaped.
 */
static int sleeper_end(struct sleeper *s, int reap)
{
	siginfo_t si;

	close(s->release);
	return waitid(P_PID, s->pid, &si, WEXITED | (reap ? 0 : WNOWAIT));
}

/*
 * Open the timens_offsets of a sleeper with @flags, then let it exit: a
 * zombie (@reap false; the caller reaps it) or reaped. The open file, or
 * -1.
 */
static int sleeper_gone(struct sleeper *s, int flags, int reap)
{
	int fd;

	if (sleeper_start(s))
		return -1;
	fd = sleeper_open(s, flags);
	if (fd < 0 || sleeper_end(s, reap)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The initial namespace has zero offsets and they cannot change. */
TEST(initial_namespace)
{
	char buf[256];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, read_offsets(TIMENS_OFFSETS, buf, sizeof(buf)))
		TH_LOG("%s: %m", TIMENS_OFFSETS);
	EXPECT_STREQ(ZERO_OFFSETS, buf);
	EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS, "monotonic 1 0\n"));
	EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS, "boottime 1 0\n"));
	ASSERT_EQ(0, read_offsets(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_STREQ(ZERO_OFFSETS, buf);
}

TEST(read_format)
{
	char buf[256];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	ASSERT_EQ(0, read_offsets(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_STREQ(ZERO_OFFSETS, buf);

	ASSERT_EQ(0, write_file(TIMENS_OFFSETS,
				"monotonic 864000 250000000\n"
				"boottime 1728000 999999999\n"));
	ASSERT_EQ(0, read_offsets(TIMENS_OFFSETS, buf, sizeof(buf)));
	EXPECT_STREQ("monotonic      864000 250000000\n"
		     "boottime      1728000 999999999\n", buf);
}

/* Clock ids may be given by number; one line changes one clock. */
TEST(numeric_and_single)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	EXPECT_EQ(0, write_file(TIMENS_OFFSETS, "1 7 5\n7 -1 6\n"));
	expect_offsets(_metadata, TIMENS_OFFSETS, 7, 5, -1, 6);

	EXPECT_EQ(0, write_file(TIMENS_OFFSETS, "boottime 3000 0\n"));
	expect_offsets(_metadata, TIMENS_OFFSETS, 7, 5, 3000, 0);
	EXPECT_EQ(0, write_file(TIMENS_OFFSETS, "1 -2 999999999"));
	expect_offsets(_metadata, TIMENS_OFFSETS, -2, 999999999, 3000, 0);
	/* A later line for the same clock wins. */
	EXPECT_EQ(0, write_file(TIMENS_OFFSETS, "7 1 0\nboottime 2 0\n"));
	expect_offsets(_metadata, TIMENS_OFFSETS, -2, 999999999, 2, 0);
}

TEST(einval)
{
	static const char bad[][32] = {
		"monotonic\n",
		"monotonic 1\n",
		"monotonic x 0\n",
		"monotonic 1 x\n",
		"monotonic 1 -1\n",
		"monotonic 1 1000000000\n",
		"boottime 1 4000000000\n",
		"realtime 1 0\n",
		"tai 1 0\n",
		"foo 1 0\n",
		"0 1 0\n",
		"2 1 0\n",
		"4 1 0\n",
		"9 1 0\n",
		"11 1 0\n",
		"\n",
	};
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, write_file(TIMENS_OFFSETS, bad[i]))
			TH_LOG("input \"%s\"", bad[i]);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
}

TEST(erange)
{
	long long ktime_sec_max = INT64_MAX / NSEC_PER_SEC;
	long long mono = sys_clock_ns(CLOCK_MONOTONIC) / NSEC_PER_SEC;
	long long boot = sys_clock_ns(CLOCK_BOOTTIME) / NSEC_PER_SEC;
	char buf[128];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));

	snprintf(buf, sizeof(buf), "monotonic %lld 0\n", ktime_sec_max + 1);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	snprintf(buf, sizeof(buf), "boottime %lld 0\n", -ktime_sec_max - 1);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	/* Past half of the range. */
	snprintf(buf, sizeof(buf), "monotonic %lld 0\n", ktime_sec_max / 2);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	snprintf(buf, sizeof(buf), "boottime %lld 0\n",
		 ktime_sec_max / 2 - boot + 10);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	/* Below zero. */
	snprintf(buf, sizeof(buf), "monotonic %lld 0\n", -mono - 10);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	snprintf(buf, sizeof(buf), "boottime %lld 0\n", -boot - 10);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);

	/* Big but fine. */
	snprintf(buf, sizeof(buf), "monotonic %lld 0\nboottime %lld 0\n",
		 ktime_sec_max / 2 - mono - 1000, -(boot / 2));
	EXPECT_EQ(0, write_file(TIMENS_OFFSETS, buf));
	expect_offsets(_metadata, TIMENS_OFFSETS,
		       ktime_sec_max / 2 - mono - 1000, 0, -(boot / 2), 0);
}

/* A write with one bad line changes nothing at all. */
TEST(atomic)
{
	char buf[128];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	ASSERT_EQ(0, write_file(TIMENS_OFFSETS, "monotonic 11 1\nboottime 12 2\n"));

	EXPECT_EQ(-EINVAL, write_file(TIMENS_OFFSETS,
				      "monotonic 5 0\nboottime 1 1000000000\n"));
	EXPECT_EQ(-EINVAL, write_file(TIMENS_OFFSETS,
				      "boottime 5 0\nbogus 1 0\n"));
	snprintf(buf, sizeof(buf), "monotonic 5 0\nboottime %lld 0\n",
		 INT64_MAX / NSEC_PER_SEC + 1);
	EXPECT_EQ(-ERANGE, write_file(TIMENS_OFFSETS, buf));
	expect_offsets(_metadata, TIMENS_OFFSETS, 11, 1, 12, 2);
}

/*
 * Writes must start at offset 0 and be shorter than a page.  seq_file
 * based files have no pwrite(), so position the file with lseek().
 */
TEST(position_and_size)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *line = "monotonic 21 0\n";
	char *big;
	int fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_LT(0, page);
	ASSERT_EQ(0, timens_unshare(NULL));
	fd = open(TIMENS_OFFSETS, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, lseek(fd, 1, SEEK_SET));
	EXPECT_EQ(-1, write(fd, line, strlen(line)));
	EXPECT_EQ(EINVAL, errno);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(strlen(line), write(fd, line, strlen(line)));
	expect_offsets(_metadata, TIMENS_OFFSETS, 21, 0, 0, 0);

	big = malloc(page + 1);
	ASSERT_NE(NULL, big);
	memset(big, ' ', page);
	memcpy(big, "boottime 22 0", 13);
	big[page] = '\0';
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, write(fd, big, page));
	EXPECT_EQ(EINVAL, errno);
	/* One byte less is fine: trailing blanks end the line. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(page - 1, write(fd, big, page - 1));
	expect_offsets(_metadata, TIMENS_OFFSETS, 21, 0, 22, 0);
	free(big);
	close(fd);
}

/* Once a task is born in the namespace the offsets are frozen. */
TEST(eacces_after_fork)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	ASSERT_EQ(0, write_file(TIMENS_OFFSETS, "monotonic 31 0\n"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, wait_child(pid));
	/* Even after that task is gone. */
	EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS, "monotonic 32 0\n"));
	EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS, "boottime 32 0\n"));
	expect_offsets(_metadata, TIMENS_OFFSETS, 31, 0, 0, 0);
}

TEST(eacces_after_setns)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	ASSERT_EQ(0, write_file(TIMENS_OFFSETS, "boottime 41 0\n"));
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	EXPECT_EQ(-EACCES, write_file(TIMENS_OFFSETS, "boottime 42 0\n"));
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 41, 0);
}

/* /proc/PID/timens_offsets acts on PID's time_for_children. */
TEST(other_task)
{
	int go[2], ready[2];
	char path[64], c;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long long m0, m1;
		pid_t gc;
		int pfd[2];

		close(go[1]);
		close(ready[0]);
		ASSERT_EQ(0, timens_unshare(NULL));
		ASSERT_EQ(1, write(ready[1], "r", 1));
		ASSERT_EQ(1, read(go[0], &c, 1));
		ASSERT_EQ(0, pipe(pfd));

		m0 = sys_clock_ns(CLOCK_MONOTONIC);
		gc = fork();
		ASSERT_LE(0, gc);
		if (gc == 0) {
			m1 = libc_clock_ns(CLOCK_MONOTONIC);
			_exit(write_all(pfd[1], &m1, sizeof(m1)));
		}
		ASSERT_EQ(0, read_all(pfd[0], &m1, sizeof(m1)));
		ASSERT_EQ(0, wait_child(gc));
		EXPECT_LE(m0 + 51 * NSEC_PER_SEC, m1);
		EXPECT_GT(m0 + 51 * NSEC_PER_SEC + TIMENS_SLACK_NS, m1);
		TIMENS_CHILD_EXIT();
	}
	close(go[0]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid);
	EXPECT_EQ(0, write_file(path, "monotonic 51 0\n"));
	expect_offsets(_metadata, path, 51, 0, 0, 0);
	/* Our own view is unaffected. */
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);

	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, wait_child(pid));
}

/* Without CAP_SYS_TIME the write fails with EPERM. */
TEST(eperm_without_cap)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(NULL));
		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		EXPECT_EQ(-EPERM, write_file(TIMENS_OFFSETS,
					     "monotonic 61 0\n"));
		expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* What counts are the credentials of whoever opened the file. */
TEST(opener_credentials)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const char *line = "monotonic 71 0\n";
		int fd;

		ASSERT_EQ(0, timens_unshare(NULL));
		fd = open(TIMENS_OFFSETS, O_WRONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		EXPECT_EQ(strlen(line), write(fd, line, strlen(line)));
		close(fd);
		expect_offsets(_metadata, TIMENS_OFFSETS, 71, 0, 0, 0);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* An unprivileged user cannot set offsets of a root-owned namespace. */
TEST(eperm_nobody)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(NULL));
		ASSERT_EQ(0, setgroups(0, NULL));
		ASSERT_EQ(0, setresgid(65534, 65534, 65534));
		ASSERT_EQ(0, setresuid(65534, 65534, 65534));
		/* Keep /proc/self owned by us. */
		ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
		EXPECT_EQ(-EPERM, write_file(TIMENS_OFFSETS,
					     "monotonic 81 0\n"));
		expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/*
 * A number past 64 bits is not a parse error: its low 64 bits are kept
 * and checked like any other value.
 */
TEST(huge_number_erange)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "boottime " HUGE_SEC " 400716050", -ERANGE);
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "monotonic " HUGE_SEC " 0\n", -ERANGE);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
}

/* Low 64 bits that are a fine offset are taken as that offset. */
TEST(huge_number_wraps)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	/* 2^64 + 5 */
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "monotonic 18446744073709551621 7\n", 0);
	expect_offsets(_metadata, TIMENS_OFFSETS, 5, 7, 0, 0);
}

/* Nanoseconds that end up negative are EINVAL, from the range checks. */
TEST(huge_nsec_einval)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "monotonic 0 " HUGE_NSEC "\n", -EINVAL);
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "7 1 18446744073709551615\n", -EINVAL);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
}

/* The seconds of a line are checked before the sign of its nanoseconds. */
TEST(huge_sec_before_nsec)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "boottime " HUGE_SEC " " HUGE_NSEC "\n", -ERANGE);
}

/*
 * Lines are checked in order, each one fully: the first bad line decides.
 * A line that cannot be parsed beats any line that is out of range.
 */
TEST(line_order)
{
	long long ktime_sec_max = INT64_MAX / NSEC_PER_SEC;
	char buf[128];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	snprintf(buf, sizeof(buf), "monotonic %lld 0\nboottime 0 %s\n",
		 ktime_sec_max + 1, HUGE_NSEC);
	expect_write_path(_metadata, TIMENS_OFFSETS, buf, -ERANGE);
	snprintf(buf, sizeof(buf), "boottime 0 %s\nmonotonic %lld 0\n",
		 HUGE_NSEC, ktime_sec_max + 1);
	expect_write_path(_metadata, TIMENS_OFFSETS, buf, -EINVAL);
	snprintf(buf, sizeof(buf), "monotonic %lld 0\nbogus 1 0\n",
		 ktime_sec_max + 1);
	expect_write_path(_metadata, TIMENS_OFFSETS, buf, -EINVAL);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
}

/* A write takes two lines: the rest is not even parsed, nor counted. */
TEST(third_line_left)
{
	const char *two = "monotonic 1 0\nboottime 2 0\n";
	char buf[128];
	int fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	snprintf(buf, sizeof(buf), "%sbogus\n", two);
	fd = open(TIMENS_OFFSETS, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(strlen(two), write(fd, buf, strlen(buf)))
		TH_LOG("write \"%s\": %m", buf);
	close(fd);
	expect_offsets(_metadata, TIMENS_OFFSETS, 1, 0, 2, 0);
}

/* Without CAP_SYS_TIME a number past 64 bits is EPERM, not a parse error. */
TEST(huge_number_eperm_without_cap)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(NULL));
		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		expect_write_path(_metadata, TIMENS_OFFSETS,
				  "boottime " HUGE_SEC " 400716050", -EPERM);
		expect_write_path(_metadata, TIMENS_OFFSETS,
				  "monotonic 0 " HUGE_NSEC "\n", -EPERM);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* Without CAP_SYS_TIME input that cannot be parsed is still EINVAL. */
TEST(einval_without_cap)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(NULL));
		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		expect_write_path(_metadata, TIMENS_OFFSETS, "", -EINVAL);
		expect_write_path(_metadata, TIMENS_OFFSETS,
				  "1 0  1000000000", -EINVAL);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* Input is parsed before the task is looked up. */
TEST(reaped_einval)
{
	struct sleeper s;
	int fd;

	if (timens_skip_unsupported(_metadata))
		return;
	fd = sleeper_gone(&s, O_WRONLY, 1);
	ASSERT_LE(0, fd) TH_LOG("sleeper: %m");
	expect_write(_metadata, fd, "", -EINVAL);
	expect_write(_metadata, fd, "1 0  1000000000", -EINVAL);
	expect_write(_metadata, fd, "monotonic 1 0\nbogus 1 0\n", -EINVAL);
	close(fd);
}

/* Good input to a task that is gone: ESRCH, before any other check. */
TEST(reaped_esrch)
{
	struct sleeper s;
	int fd;

	if (timens_skip_unsupported(_metadata))
		return;
	fd = sleeper_gone(&s, O_WRONLY, 1);
	ASSERT_LE(0, fd) TH_LOG("sleeper: %m");
	expect_write(_metadata, fd, "monotonic 1 0\n", -ESRCH);
	expect_write(_metadata, fd, "boottime " HUGE_SEC " 0\n", -ESRCH);
	expect_write(_metadata, fd, "monotonic 0 " HUGE_NSEC "\n", -ESRCH);
	close(fd);
}

/* A task that is gone is ESRCH even to an opener without CAP_SYS_TIME. */
TEST(reaped_esrch_before_eperm)
{
	pid_t pid;

	if (timens_skip_unsupported(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sleeper s;
		int fd;

		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		ASSERT_EQ(0, sleeper_start(&s));
		fd = sleeper_open(&s, O_WRONLY);
		ASSERT_LE(0, fd) TH_LOG("open: %m");
		ASSERT_EQ(-EPERM, write_fd(fd, "monotonic 1 0\n"));
		ASSERT_EQ(0, sleeper_end(&s, 1));
		expect_write(_metadata, fd, "monotonic 1 0\n", -ESRCH);
		expect_write(_metadata, fd, "1 0  1000000000", -EINVAL);
		close(fd);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* A zombie has no namespaces: the same errors as a reaped task. */
TEST(zombie_write)
{
	struct sleeper s;
	int fd;

	if (timens_skip_unsupported(_metadata))
		return;
	fd = sleeper_gone(&s, O_WRONLY, 0);
	ASSERT_LE(0, fd) TH_LOG("sleeper: %m");
	expect_write(_metadata, fd, "", -EINVAL);
	expect_write(_metadata, fd, "1 0  1000000000", -EINVAL);
	expect_write(_metadata, fd, "monotonic 1 0\n", -ESRCH);
	close(fd);
	EXPECT_EQ(0, wait_child(s.pid));
}

/* A zombie's offsets read as an empty file. */
TEST(zombie_read_empty)
{
	struct sleeper s;
	char buf[256];
	ssize_t ret;
	int fd;

	if (timens_skip_unsupported(_metadata))
		return;
	fd = sleeper_gone(&s, O_RDONLY, 0);
	ASSERT_LE(0, fd) TH_LOG("sleeper: %m");
	ret = read(fd, buf, sizeof(buf) - 1);
	EXPECT_EQ(0, ret) {
		buf[ret > 0 ? ret : 0] = '\0';
		TH_LOG("read: %m, \"%s\"", buf);
	}
	close(fd);
	EXPECT_EQ(0, wait_child(s.pid));
}

/* Once the task is reaped, a read is ESRCH. */
TEST(reaped_read_esrch)
{
	struct sleeper s;
	char buf[256];
	int fd;

	if (timens_skip_unsupported(_metadata))
		return;
	fd = sleeper_gone(&s, O_RDONLY, 1);
	ASSERT_LE(0, fd) TH_LOG("sleeper: %m");
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

/* Frozen offsets: input that cannot be parsed is EINVAL, not EACCES. */
TEST(frozen_einval)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_enter(NULL));
	expect_write_path(_metadata, TIMENS_OFFSETS, "", -EINVAL);
	expect_write_path(_metadata, TIMENS_OFFSETS, "1 0  1000000000",
			  -EINVAL);
	expect_write_path(_metadata, TIMENS_OFFSETS, "realtime 1 0\n",
			  -EINVAL);
	/* Refused by the range checks, which come first. */
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "monotonic 0 " HUGE_NSEC "\n", -EINVAL);
}

/* Frozen offsets: a value out of range is ERANGE, not EACCES. */
TEST(frozen_erange)
{
	long long ktime_sec_max = INT64_MAX / NSEC_PER_SEC;
	long long mono = sys_clock_ns(CLOCK_MONOTONIC) / NSEC_PER_SEC;
	char buf[128];

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_enter(NULL));
	snprintf(buf, sizeof(buf), "monotonic %lld 0\n", ktime_sec_max + 1);
	expect_write_path(_metadata, TIMENS_OFFSETS, buf, -ERANGE);
	snprintf(buf, sizeof(buf), "monotonic %lld 0\n", -mono - 10);
	expect_write_path(_metadata, TIMENS_OFFSETS, buf, -ERANGE);
	expect_write_path(_metadata, TIMENS_OFFSETS,
			  "boottime " HUGE_SEC " 400716050", -ERANGE);
}

/* Frozen offsets: a value that would be accepted is EACCES. */
TEST(frozen_eacces)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_enter(NULL));
	expect_write_path(_metadata, TIMENS_OFFSETS, "monotonic 1 0\n",
			  -EACCES);
	expect_write_path(_metadata, TIMENS_OFFSETS, "1 1 0\n7 2 0\n",
			  -EACCES);
	expect_offsets(_metadata, TIMENS_OFFSETS, 0, 0, 0, 0);
}

/* Frozen offsets: without CAP_SYS_TIME it is EPERM, not EACCES. */
TEST(frozen_eperm_before_eacces)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_enter(NULL));
		ASSERT_EQ(0, drop_cap(CAP_SYS_TIME)) TH_LOG("capset: %m");
		expect_write_path(_metadata, TIMENS_OFFSETS,
				  "monotonic 1 0\n", -EPERM);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

TEST_HARNESS_MAIN
