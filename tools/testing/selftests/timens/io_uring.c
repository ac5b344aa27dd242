// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring IORING_OP_TIMEOUT inside a time namespace.  Absolute timeouts
 * on the monotonic and boottime clocks are namespace times.  The ring is
 * driven with the raw system calls.
 *
 * With IORING_SETUP_SQPOLL the kernel's SQ thread prepares the requests,
 * and cannot know which task wrote them: the namespace of its absolute
 * timeouts is that of the task that made the ring.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <linux/io_uring.h>
#include <linux/time_types.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter	426
#endif

#define WAIT_NS		(150 * NSEC_PER_MSEC)
#define RING_ENTRIES	4

struct ring {
	int fd;
	/*
	 * The timespec an SQE points to, in memory shared across fork():
	 * an SQPOLL ring's thread reads it in the mm of the ring's maker.
	 */
	struct __kernel_timespec *ts;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r, unsigned int flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.flags = flags;
	r->ts = mmap(NULL, sizeof(*r->ts), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->ts == MAP_FAILED)
		return -1;
	r->fd = syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
	if (r->fd < 0)
		return -1;

	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(*r->cqes);
	r->sqes_len = p.sq_entries * sizeof(*r->sqes);

	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, IORING_OFF_SQ_RING);
	r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       r->fd, IORING_OFF_SQES);
	if (r->sq_map == MAP_FAILED || r->cq_map == MAP_FAILED ||
	    r->sqes == MAP_FAILED)
		return -1;

	r->sq_tail = r->sq_map + p.sq_off.tail;
	r->sq_mask = r->sq_map + p.sq_off.ring_mask;
	r->sq_array = r->sq_map + p.sq_off.array;
	r->cq_head = r->cq_map + p.cq_off.head;
	r->cq_tail = r->cq_map + p.cq_off.tail;
	r->cq_mask = r->cq_map + p.cq_off.ring_mask;
	r->cqes = r->cq_map + p.cq_off.cqes;
	return 0;
}

static void ring_exit(struct ring *r)
{
	munmap(r->sqes, r->sqes_len);
	munmap(r->cq_map, r->cq_len);
	munmap(r->sq_map, r->sq_len);
	munmap(r->ts, sizeof(*r->ts));
	close(r->fd);
}

/*
 * Submit one pure timeout and wait for its completion.  Returns the
 * completion result (-ETIME when the timeout expired) or 1 on a
 * submission or wait failure.
 */
static int ring_timeout(struct ring *r, long long ns, unsigned int flags)
{
	unsigned int tail, idx, head;
	struct io_uring_sqe *sqe;
	int res;

	r->ts->tv_sec = ns / NSEC_PER_SEC;
	r->ts->tv_nsec = ns % NSEC_PER_SEC;
	tail = *r->sq_tail;
	idx = tail & *r->sq_mask;
	sqe = &r->sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_TIMEOUT;
	sqe->fd = -1;
	sqe->addr = (uintptr_t)r->ts;
	sqe->len = 1;
	sqe->off = 0;
	sqe->timeout_flags = flags;
	sqe->user_data = 0x7153;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);

	/* SQ_WAKEUP: an SQPOLL ring's thread may have gone to sleep. */
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1,
		    IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP,
		    NULL, 0) != 1)
		return 1;

	head = *r->cq_head;
	while (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
		if (syscall(__NR_io_uring_enter, r->fd, 0, 1,
			    IORING_ENTER_GETEVENTS, NULL, 0) < 0 &&
		    errno != EINTR)
			return 1;
	}
	if (r->cqes[head & *r->cq_mask].user_data != 0x7153)
		return 1;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

FIXTURE(timens) {
	struct ring ring;
	struct timens_off off;
};

FIXTURE_VARIANT(timens) {
	int negative;
	unsigned int ring_flags;
};

FIXTURE_VARIANT_ADD(timens, positive) {
	.negative = 0,
};

FIXTURE_VARIANT_ADD(timens, negative) {
	.negative = 1,
};

/* A ring made in the namespace: its SQ thread is in it too. */
FIXTURE_VARIANT_ADD(timens, positive_sqpoll) {
	.negative = 0,
	.ring_flags = IORING_SETUP_SQPOLL,
};

FIXTURE_VARIANT_ADD(timens, negative_sqpoll) {
	.negative = 1,
	.ring_flags = IORING_SETUP_SQPOLL,
};

/* The tests SKIP by themselves, see timens_skip_unprivileged(). */
FIXTURE_SETUP(timens)
{
	int err;

	if (timens_skip_reason(true))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&self->off, variant->negative));
	ASSERT_EQ(0, timens_unshare(&self->off)) TH_LOG("unshare: %m");
	/*
	 * With CONFIG_TIME_NS_REALTIME, a wall clock ten years off too, so
	 * that IORING_TIMEOUT_REALTIME is converted as well; without it the
	 * line is EINVAL and the wall clock is the host's.
	 */
	err = write_file(TIMENS_OFFSETS, variant->negative ?
			 "realtime -315360000 0\n" : "realtime 315360000 0\n");
	ASSERT_TRUE(err == 0 || err == -EINVAL) TH_LOG("realtime: %d", err);
	/* The test process itself moves in; the harness forked it for us. */
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN))
		TH_LOG("enter timens: %m");
	ASSERT_EQ(0, ring_init(&self->ring, variant->ring_flags))
		TH_LOG("io_uring: %m");
}

FIXTURE_TEARDOWN(timens)
{
	alarm(0);
	if (self->ring.ts)
		ring_exit(&self->ring);
}

static const struct {
	clockid_t clk;
	unsigned int flags;
} abs_cases[] = {
	{ CLOCK_MONOTONIC, IORING_TIMEOUT_ABS },
	{ CLOCK_BOOTTIME, IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME },
	{ CLOCK_REALTIME, IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME },
};

TEST_F(timens, absolute)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(abs_cases); i++) {
		clockid_t clk = abs_cases[i].clk;
		long long target, after;

		target = sys_clock_ns(clk) + WAIT_NS;
		alarm(TIMENS_HANG_SEC);
		EXPECT_EQ(-ETIME, ring_timeout(&self->ring, target,
					       abs_cases[i].flags))
			TH_LOG("clock %d", clk);
		alarm(0);
		after = sys_clock_ns(clk);
		EXPECT_LE(target, after) TH_LOG("clock %d: %lld ns early",
						clk, target - after);
		EXPECT_GT(target + TIMENS_LATE_NS, after)
			TH_LOG("clock %d: %lld ns late", clk, after - target);
	}
}

TEST_F(timens, relative)
{
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(abs_cases); i++) {
		unsigned int flags = abs_cases[i].flags & ~IORING_TIMEOUT_ABS;
		clockid_t clk = abs_cases[i].clk;
		long long before, after;

		before = sys_clock_ns(clk);
		alarm(TIMENS_HANG_SEC);
		EXPECT_EQ(-ETIME, ring_timeout(&self->ring, WAIT_NS, flags))
			TH_LOG("clock %d", clk);
		alarm(0);
		after = sys_clock_ns(clk);
		EXPECT_LE(WAIT_NS, after - before) TH_LOG("clock %d", clk);
		EXPECT_GT(WAIT_NS + TIMENS_LATE_NS, after - before)
			TH_LOG("clock %d", clk);
	}
}

/*
 * An SQPOLL ring made on the host and used from a namespace: the SQ
 * thread is the host's, and so are the ring's absolute timeouts.
 */
TEST(sqpoll_ring_of_the_host)
{
	struct timens_off off;
	struct ring ring;
	long long target, after;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&off, 0));
	ASSERT_EQ(0, ring_init(&ring, IORING_SETUP_SQPOLL))
		TH_LOG("io_uring: %m");
	ASSERT_EQ(0, timens_unshare(&off)) TH_LOG("unshare: %m");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Host time, from the namespace: the offset taken off. */
		target = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(&off) +
			 WAIT_NS;
		alarm(TIMENS_HANG_SEC);
		if (ring_timeout(&ring, target, IORING_TIMEOUT_ABS) != -ETIME)
			_exit(1);
		after = sys_clock_ns(CLOCK_MONOTONIC) - off_mono_ns(&off);
		_exit(after < target ? 2 :
		      after > target + TIMENS_LATE_NS ? 3 : 0);
	}
	EXPECT_EQ(0, wait_child(pid))
		TH_LOG("1: no expiry, 2: early, 3: late");
	ring_exit(&ring);
}

/* Deadlines in the past, even before the host's zero, expire at once. */
TEST_F(timens, expired)
{
	unsigned int i, j;

	if (timens_skip_unprivileged(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(abs_cases); i++) {
		clockid_t clk = abs_cases[i].clk;
		long long off = off_clock_ns(&self->off, clk);
		long long targets[3], before, after;

		targets[0] = NSEC_PER_SEC;
		targets[1] = off > 0 ? off / 2 : 2 * NSEC_PER_SEC;
		targets[2] = sys_clock_ns(clk) - NSEC_PER_SEC;

		for (j = 0; j < ARRAY_SIZE(targets); j++) {
			before = sys_clock_ns(CLOCK_MONOTONIC);
			alarm(TIMENS_HANG_SEC);
			EXPECT_EQ(-ETIME,
				  ring_timeout(&self->ring, targets[j],
					       abs_cases[i].flags))
				TH_LOG("clock %d", clk);
			alarm(0);
			after = sys_clock_ns(CLOCK_MONOTONIC);
			EXPECT_GT(TIMENS_SLACK_NS, after - before)
				TH_LOG("clock %d target %lld: %lld ns", clk,
				       targets[j], after - before);
		}
	}
}

TEST_HARNESS_MAIN
