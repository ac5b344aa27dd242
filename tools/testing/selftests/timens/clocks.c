// SPDX-License-Identifier: GPL-2.0
/*
 * Clock values seen inside a time namespace, read both with the raw
 * clock_gettime() system call and through the C library (vDSO).
 */
#define _GNU_SOURCE
#include "timens_util.h"
#include "../kselftest_harness.h"

struct clk_desc {
	clockid_t id;
	const char *name;
};

static const struct clk_desc clks[] = {
	{ CLOCK_REALTIME, "REALTIME" },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
	{ CLOCK_TAI, "TAI" },
	{ CLOCK_REALTIME_ALARM, "REALTIME_ALARM" },
	{ CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
	{ CLOCK_BOOTTIME, "BOOTTIME" },
	{ CLOCK_BOOTTIME_ALARM, "BOOTTIME_ALARM" },
};

#define NR_CLKS ARRAY_SIZE(clks)

struct clk_sample {
	long long sys[NR_CLKS];
	long long libc[NR_CLKS];
};

static int sample_clocks(struct clk_sample *s)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		s->sys[i] = sys_clock_ns(clks[i].id);
		s->libc[i] = libc_clock_ns(clks[i].id);
		if (s->sys[i] < 0 || s->libc[i] < 0) {
			fprintf(stderr, "# clock_gettime(%s): %m\n",
				clks[i].name);
			return -1;
		}
	}
	return 0;
}

FIXTURE(timens) {
	struct timens_off off;
};

FIXTURE_VARIANT(timens) {
	int negative;
};

FIXTURE_VARIANT_ADD(timens, positive) {
	.negative = 0,
};

FIXTURE_VARIANT_ADD(timens, negative) {
	.negative = 1,
};

FIXTURE_SETUP(timens)
{
	ASSERT_EQ(0, timens_pick_offsets(&self->off, variant->negative));
}

FIXTURE_TEARDOWN(timens)
{
}

/* Check that @v lies in [lo, hi] widened by the usual slack. */
static void bracket(struct __test_metadata *_metadata, long long lo,
		    long long v, long long hi, const char *what,
		    const char *name)
{
	EXPECT_LE(lo - TIMENS_SLACK_NS, v)
		TH_LOG("%s %s: %lld below %lld", what, name, v, lo);
	EXPECT_GE(hi + TIMENS_SLACK_NS, v)
		TH_LOG("%s %s: %lld above %lld", what, name, v, hi);
}

TEST(ns_files)
{
	ino_t self_ino, child_ino;

	if (timens_skip_unprivileged(_metadata))
		return;
	self_ino = ns_ino(TIMENS_SELF);
	child_ino = ns_ino(TIMENS_CHILDREN);
	ASSERT_NE(0, self_ino) TH_LOG("%s is missing", TIMENS_SELF);
	ASSERT_NE(0, child_ino) TH_LOG("%s is missing", TIMENS_CHILDREN);
	ASSERT_EQ(self_ino, child_ino);

	ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %m");
	/* Only the children go to the new namespace. */
	EXPECT_EQ(self_ino, ns_ino(TIMENS_SELF));
	EXPECT_NE(child_ino, ns_ino(TIMENS_CHILDREN));
	EXPECT_NE(0, ns_ino(TIMENS_CHILDREN));
}

/* A child forked after unshare() sees shifted clocks, the parent does not. */
TEST_F(timens, fork_child)
{
	struct clk_sample before, child, after;
	unsigned int i;
	int pfd[2];
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, timens_unshare(&self->off));
	ASSERT_EQ(0, sample_clocks(&before));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pfd[0]);
		ASSERT_EQ(0, sample_clocks(&child));
		ASSERT_EQ(0, write_all(pfd[1], &child, sizeof(child)));
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_all(pfd[0], &child, sizeof(child)));
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, sample_clocks(&after));
	close(pfd[0]);

	for (i = 0; i < NR_CLKS; i++) {
		long long off = off_clock_ns(&self->off, clks[i].id);

		bracket(_metadata, before.sys[i] + off, child.sys[i],
			after.sys[i] + off, "syscall", clks[i].name);
		bracket(_metadata, before.sys[i] + off, child.libc[i],
			after.sys[i] + off, "vdso", clks[i].name);
	}
}

/* The unsharing process itself keeps reading host clocks. */
TEST_F(timens, parent_untouched)
{
	long long mono0, boot0, rt0, mono1, boot1, rt1, lmono, lboot;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	mono0 = sys_clock_ns(CLOCK_MONOTONIC);
	boot0 = sys_clock_ns(CLOCK_BOOTTIME);
	rt0 = sys_clock_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, timens_unshare(&self->off));

	/* A child entering the namespace freezes and activates offsets. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(libc_clock_ns(CLOCK_MONOTONIC) > 0 ? 0 : 1);
	ASSERT_EQ(0, wait_child(pid));

	lmono = libc_clock_ns(CLOCK_MONOTONIC);
	lboot = libc_clock_ns(CLOCK_BOOTTIME);
	mono1 = sys_clock_ns(CLOCK_MONOTONIC);
	boot1 = sys_clock_ns(CLOCK_BOOTTIME);
	rt1 = sys_clock_ns(CLOCK_REALTIME);

	/* The clocks advanced as much as the wall clock, no jump. */
	EXPECT_GT(TIMENS_SLACK_NS, llabs((mono1 - mono0) - (rt1 - rt0)));
	EXPECT_GT(TIMENS_SLACK_NS, llabs((boot1 - boot0) - (rt1 - rt0)));
	EXPECT_LE(mono0, lmono);
	EXPECT_GE(mono1, lmono);
	EXPECT_LE(boot0, lboot);
	EXPECT_GE(boot1, lboot);
}

/* setns() moves the caller itself, and the vDSO follows it. */
TEST_F(timens, setns_self)
{
	struct clk_sample before, in, back;
	unsigned int i;
	int host_fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, host_fd) TH_LOG("%s: %m", TIMENS_SELF);

	ASSERT_EQ(0, sample_clocks(&before));
	ASSERT_EQ(0, timens_enter(&self->off)) TH_LOG("enter: %m");
	ASSERT_EQ(0, sample_clocks(&in));
	ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	ASSERT_EQ(0, sample_clocks(&back));
	close(host_fd);

	for (i = 0; i < NR_CLKS; i++) {
		long long off = off_clock_ns(&self->off, clks[i].id);

		bracket(_metadata, before.sys[i] + off, in.sys[i],
			back.sys[i] + off, "syscall", clks[i].name);
		bracket(_metadata, before.sys[i] + off, in.libc[i],
			back.sys[i] + off, "vdso", clks[i].name);
		/* Back home: the host values again. */
		bracket(_metadata, before.sys[i], back.libc[i], back.sys[i],
			"host vdso", clks[i].name);
	}
}

/*
 * vDSO and system call agree on every clock, many times over, for more
 * than a second, so that the readings' nanoseconds take every value the
 * offsets' carry depends on; the vDSO's nanoseconds are always below a
 * second.
 */
TEST_F(timens, vdso_vs_syscall)
{
	struct timespec ts;
	long long end;
	unsigned int i, n;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_enter(&self->off));

	end = sys_clock_ns(CLOCK_MONOTONIC) + NSEC_PER_SEC + NSEC_PER_SEC / 10;
	for (n = 0; n < 1000 || sys_clock_ns(CLOCK_MONOTONIC) < end; n++) {
		for (i = 0; i < NR_CLKS; i++) {
			long long s1, l, s2;

			s1 = sys_clock_ns(clks[i].id);
			ASSERT_EQ(0, clock_gettime(clks[i].id, &ts));
			s2 = sys_clock_ns(clks[i].id);
			ASSERT_LE(0, ts.tv_nsec);
			ASSERT_GT(NSEC_PER_SEC, ts.tv_nsec)
				TH_LOG("%s: vdso tv_nsec %ld", clks[i].name,
				       ts.tv_nsec);
			l = ts_ns(&ts);
			ASSERT_LE(0, s1);
			ASSERT_LE(0, l);
			ASSERT_LE(s1 - TIMENS_SLACK_NS, l)
				TH_LOG("%s: vdso %lld syscall %lld",
				       clks[i].name, l, s1);
			ASSERT_GE(s2 + TIMENS_SLACK_NS, l)
				TH_LOG("%s: vdso %lld syscall %lld",
				       clks[i].name, l, s2);
		}
	}
}

/* A grandchild forked inside the namespace stays there. */
TEST_F(timens, grandchild)
{
	long long before, after, seen;
	int pfd[2];
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, timens_unshare(&self->off));
	before = sys_clock_ns(CLOCK_BOOTTIME);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t gc = fork();

		ASSERT_LE(0, gc);
		if (gc == 0) {
			seen = libc_clock_ns(CLOCK_BOOTTIME);
			ASSERT_EQ(0, write_all(pfd[1], &seen, sizeof(seen)));
			_exit(0);
		}
		ASSERT_EQ(0, wait_child(gc));
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, read_all(pfd[0], &seen, sizeof(seen)));
	ASSERT_EQ(0, wait_child(pid));
	after = sys_clock_ns(CLOCK_BOOTTIME);
	close(pfd[0]);

	bracket(_metadata, before + off_boot_ns(&self->off), seen,
		after + off_boot_ns(&self->off), "vdso", "BOOTTIME");
}

TEST_HARNESS_MAIN
