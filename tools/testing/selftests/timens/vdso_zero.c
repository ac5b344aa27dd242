// SPDX-License-Identifier: GPL-2.0
/*
 * A time namespace whose offsets are all zero when its first task enters
 * (the private namespace some container engines give every container)
 * shifts no clock: its tasks run the host vDSO image and execute exactly
 * the host's instructions for a clock_gettime() call. One offset that is
 * not zero, even one nanosecond of one clock, gets the twin image.
 *
 * The instructions are counted by single-stepping a child through one
 * call of __vdso_clock_gettime: every stop from its entry until the IP
 * leaves [vdso] is one instruction, and a loop counts once.
 *
 * Built as a 64-bit and as a 32-bit program.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include "vdso_util.h"
#include "../kselftest_harness.h"

/*
 * Far more than the steps of one call: a retried loop is run through
 * at full speed (see skip_loop()), so a call takes about 100 steps.
 */
#define MAX_STEPS	2000

/* Exits of one loop at most; a vDSO loop has a handful. */
#define MAX_EXITS	16

#define KIND_ARG	"--vdso-kind"

/*
 * Every clock goes through the same site, REALTIME too: one hres clock
 * of each offset and a coarse one stand for all of them.
 */
static const struct vdso_clk count_clks[] = {
	{ CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
	{ CLOCK_BOOTTIME, "BOOTTIME" },
};

#define NR_COUNT_CLKS ARRAY_SIZE(count_clks)

/*
 * The fewest of COUNT_TRIES tries: about one call in 200 runs the
 * nanosecond carry once more (the reading crossed a second since the
 * last tick), which is not a loop and adds its instructions.
 */
#define COUNT_TRIES	3

static const struct timens_off zero_off;

/* The byte of the child @pid at @addr, through aligned words; -1 on error. */
static int peek_byte(pid_t pid, unsigned long addr)
{
	unsigned long word, at = addr & ~(sizeof(long) - 1);

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)at, NULL);
	if (errno)
		return -1;
	return (word >> (8 * (addr - at))) & 0xff;
}

static int poke_byte(pid_t pid, unsigned long addr, unsigned char byte)
{
	unsigned long word, at = addr & ~(sizeof(long) - 1);
	unsigned int shift = 8 * (addr - at);

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)at, NULL);
	if (errno)
		return -1;
	word = (word & ~(0xffUL << shift)) | ((unsigned long)byte << shift);
	return ptrace(PTRACE_POKETEXT, pid, (void *)at, (void *)word) ? -1 : 0;
}

/*
 * The other way out of the conditional jump at @ip, the one not taken
 * to @next: 0 if @ip is not a jcc in one of the two forms compilers
 * emit (0x7X rel8, 0x0f 0x8X rel32).
 */
static unsigned long jcc_other(pid_t pid, unsigned long ip, unsigned long next)
{
	unsigned long target, after;
	int op = peek_byte(pid, ip), i, b;
	int32_t rel = 0;

	if (op >= 0x70 && op <= 0x7f) {
		b = peek_byte(pid, ip + 1);
		if (b < 0)
			return 0;
		after = ip + 2;
		target = after + (int8_t)b;
	} else if (op == 0x0f) {
		b = peek_byte(pid, ip + 1);
		if (b < 0x80 || b > 0x8f)
			return 0;
		for (i = 0; i < 4; i++) {
			b = peek_byte(pid, ip + 2 + i);
			if (b < 0)
				return 0;
			rel |= (uint32_t)b << (8 * i);
		}
		after = ip + 6;
		target = after + rel;
	} else {
		return 0;
	}
	return next == target ? after : target;
}

/* skip_loop()'s child has exited, and been reaped. */
#define CHILD_GONE	(-2)

/*
 * Under single-stepping a call takes long enough (about 200 us a step
 * under an emulator) for the kernel to update the clock data in the
 * middle of nearly every loop of the vDSO's seqcount, which it then
 * runs again, and a slow machine may never get through. The child @pid
 * has come back to path[@head], the head of a loop whose body,
 * path[@head..@n - 1], it has just been round: put a breakpoint on the
 * other way out of every conditional jump of the body, let the child
 * run the loop at full speed, and leave it on the exit it took. The
 * path is cut back to the jump that took it, as if the loop had been
 * run once (a jump whose both ways are in the body may then have gone
 * the other way: the count is that of the way met first).
 *
 * Only the jcc forms compilers emit are decoded (see jcc_other()); the
 * loops of today's images have no other conditional jump.
 *
 * Returns the new length; 0 if no exit is known or there are more than
 * MAX_EXITS, and the caller steps on; -1 on error, or if the exit taken
 * is shared by two jumps (which one took it is unknown); CHILD_GONE.
 */
static long skip_loop(pid_t pid, const unsigned long *path, long head, long n)
{
	unsigned long exit_at[MAX_EXITS], other, ip = 0;
	long from[MAX_EXITS], i, j, k, nr = 0;
	int saved[MAX_EXITS], status, hit = -1;
	bool unsure = false;

	for (i = head; i < n; i++) {
		other = jcc_other(pid, path[i], i + 1 < n ? path[i + 1] : path[head]);
		for (j = head; other && j < n && path[j] != other; j++)
			;
		if (!other || j < n || other < vdso.start || other >= vdso.end)
			continue;
		for (k = 0; k < nr && exit_at[k] != other; k++)
			;
		if (k < nr) {
			/* Two ways to one exit: which was taken is unknown. */
			from[k] = -1;
			continue;
		}
		if (nr == MAX_EXITS) {
			unsure = true;
			goto restore;
		}
		exit_at[nr] = other;
		from[nr] = i;
		saved[nr] = peek_byte(pid, other);
		if (saved[nr] < 0 || poke_byte(pid, other, 0xcc))
			goto restore;
		nr++;
	}
	if (!nr)
		return 0;
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) ||
	    waitpid(pid, &status, 0) != pid)
		goto restore;
	if (WIFEXITED(status) || WIFSIGNALED(status))
		return CHILD_GONE;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		goto restore;
	if (vdso_tracee_ip(pid, &ip))
		goto restore;
	ip--;	/* back over the int3 */
	for (i = 0; i < nr; i++)
		if (exit_at[i] == ip)
			hit = i;
restore:
	for (i = nr - 1; i >= 0; i--)
		if (poke_byte(pid, exit_at[i], saved[i]))
			return -1;
	if (unsure)
		return 0;
	if (hit < 0 || vdso_set_tracee_ip(pid, ip))
		return -1;
	return from[hit] < 0 ? -1 : from[hit] + 1;
}

/*
 * The instructions on the path of one __vdso_clock_gettime(@clk) call
 * made by a new child, in the caller's time_ns_for_children; -1 on
 * error. An instruction met a second time closes a loop, which is
 * dropped from the path (see skip_loop()), so that the count does not
 * depend on how often the call was retried.
 */
static long count_call(clockid_t clk)
{
	unsigned long ip, entry = (unsigned long)vdso.gettime;
	static unsigned long path[MAX_STEPS];
	long n = 0, i, steps, cut;
	int status, in_call = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct timespec ts;

		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		_exit(vdso.gettime(clk, &ts) ? 3 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		goto fail;
	for (steps = 0; steps < MAX_STEPS; steps++) {
		if (vdso_tracee_ip(pid, &ip))
			goto fail;
		if (ip == entry)
			in_call = 1;
		if (in_call && (ip < vdso.start || ip >= vdso.end))
			break;
		if (in_call) {
			for (i = 0; i < n && path[i] != ip; i++)
				;
			cut = i < n ? skip_loop(pid, path, i, n) : 0;
			if (cut == CHILD_GONE)
				return -1;
			if (cut < 0)
				goto fail;
			if (cut > 0) {
				n = cut;
				continue;
			}
			path[i] = ip;
			n = i + 1;
		}
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) ||
		    waitpid(pid, &status, 0) != pid)
			goto fail;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -1;
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
			goto fail;
	}
	if (!in_call || steps == MAX_STEPS)
		goto fail;
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) ||
	    waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return n;
fail:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* The instructions of a call of each clock, see COUNT_TRIES; -1 if none. */
static void count_calls(long counts[NR_COUNT_CLKS])
{
	unsigned int i, try;
	long n;

	for (i = 0; i < NR_COUNT_CLKS; i++) {
		counts[i] = -1;
		for (try = 0; try < COUNT_TRIES; try++) {
			n = count_call(count_clks[i].id);
			if (n > 0 && (counts[i] < 0 || n < counts[i]))
				counts[i] = n;
		}
	}
}

/* Counted once by main() for all the tests, on the host. */
static long host_count[NR_COUNT_CLKS];

/*
 * A call made by a child born in the caller's time_ns_for_children takes
 * more instructions than on the host if the namespace is @shifted, and
 * exactly as many if not.
 */
static void expect_counts(struct __test_metadata *_metadata, int shifted)
{
	long counts[NR_COUNT_CLKS];
	unsigned int i;

	if (vdso_no_fast_clock())
		SKIP(return, "%s", vdso_no_fast_clock());
	count_calls(counts);
	for (i = 0; i < NR_COUNT_CLKS; i++) {
		ASSERT_LT(0, host_count[i])
			TH_LOG("%s: single-stepping a call on the host failed",
			       count_clks[i].name);
		ASSERT_LT(0, counts[i])
			TH_LOG("%s: single-stepping a call failed",
			       count_clks[i].name);
		EXPECT_EQ(shifted, counts[i] != host_count[i]);
		EXPECT_LE(host_count[i], counts[i]);
		TH_LOG("%s: %ld instructions in the namespace, %ld on the host",
		       count_clks[i].name, counts[i], host_count[i]);
	}
}

/*
 * A child born in the caller's time_ns_for_children, whose offsets are
 * @off, is in a namespace of its own, has the image of kind @want_kind
 * (the host's own bytes if 0) and shows the clocks shifted by @off. The
 * caller's own namespace has the offsets @mine.
 */
static void check_child(struct __test_metadata *_metadata,
			const struct timens_off *mine,
			const struct timens_off *off, int want_kind,
			ino_t host_ino, const void *host_image)
{
	long long sys0, v, sys1, slack, before[ARRAY_SIZE(shifted_clks)];
	unsigned int i;
	char buf[256];
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(shifted_clks); i++)
		before[i] = sys_clock_ns(shifted_clks[i].id) -
			    off_clock_ns(mine, shifted_clks[i].id);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_NE(host_ino, ns_ino(TIMENS_SELF));
		EXPECT_EQ(want_kind, vdso_image_kind())
			TH_LOG("%s", vdso_kind_str(buf, sizeof(buf)));
		if (!want_kind && host_image)
			EXPECT_EQ(0, memcmp((void *)vdso.start, host_image,
					    vdso.end - vdso.start))
				TH_LOG("[vdso] differs from the host's image");
		for (i = 0; i < ARRAY_SIZE(shifted_clks); i++) {
			clockid_t clk = shifted_clks[i].id;

			slack = VDSO_SLACK_NS;
			sys0 = sys_clock_ns(clk);
			v = vdso_clock_ns(clk);
			sys1 = sys_clock_ns(clk);
			EXPECT_LE(sys0, v + slack);
			EXPECT_GE(sys1 + slack, v);
			/* Less the offset, host time after the parent's. */
			v = sys1 - off_clock_ns(off, clk);
			EXPECT_LE(before[i], v)
				TH_LOG("%s: %lld, before the parent's %lld",
				       shifted_clks[i].name, v, before[i]);
			EXPECT_GE(before[i] + TIMENS_LATE_NS, v)
				TH_LOG("%s: %lld, long after the parent's %lld",
				       shifted_clks[i].name, v, before[i]);
		}
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* The host's image and namespace. */
struct host_ref {
	ino_t ino;
	void *image;
};

static void host_ref_init(struct __test_metadata *_metadata,
			  struct host_ref *h)
{
	char buf[256];

	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("host image expected: %s",
		       vdso_kind_str(buf, sizeof(buf)));
	h->ino = ns_ino(TIMENS_SELF);
	ASSERT_NE(0, h->ino);
	h->image = malloc(vdso.end - vdso.start);
	ASSERT_TRUE(!!h->image);
	memcpy(h->image, (void *)vdso.start, vdso.end - vdso.start);
}

FIXTURE(zero) {
	struct host_ref host;
};

FIXTURE_SETUP(zero)
{
	self->host.image = NULL;
	/* The tests SKIP by themselves, see timens_skip(). */
	if (!timens_skip_reason(true))
		host_ref_init(_metadata, &self->host);
}

FIXTURE_TEARDOWN(zero)
{
	free(self->host.image);
}

/* unshare() alone: the offsets stay zero, the children run the host's. */
TEST_F_TIMEOUT(zero, host_image, 120)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	/* Counted first: "make bench" reads the counts on the reference too. */
	expect_counts(_metadata, 0);
	check_child(_metadata, &zero_off, &zero_off, 0,
		    self->host.ino, self->host.image);
}

/* Zero offsets written explicitly are the same. */
TEST_F_TIMEOUT(zero, written_zero, 120)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&zero_off));
	check_child(_metadata, &zero_off, &zero_off, 0,
		    self->host.ino, self->host.image);
	expect_counts(_metadata, 0);
}

FIXTURE(shift_one) {
	struct host_ref host;
};

FIXTURE_SETUP(shift_one)
{
	self->host.image = NULL;
	if (!timens_skip_reason(true))
		host_ref_init(_metadata, &self->host);
}

FIXTURE_TEARDOWN(shift_one)
{
	free(self->host.image);
}

/* One offset of one clock is enough for the twin. */
FIXTURE_VARIANT(shift_one) {
	struct timens_off off;
};

FIXTURE_VARIANT_ADD(shift_one, monotonic_sec) {
	.off = { .mono_sec = SEC_PER_DAY },
};

FIXTURE_VARIANT_ADD(shift_one, monotonic_nsec) {
	.off = { .mono_nsec = 1 },
};

FIXTURE_VARIANT_ADD(shift_one, boottime_nsec) {
	.off = { .boot_nsec = 1 },
};

FIXTURE_VARIANT_ADD(shift_one, boottime_sec) {
	.off = { .boot_sec = 2 * SEC_PER_DAY },
};

TEST_F_TIMEOUT(shift_one, twin, 120)
{
	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&variant->off));
	check_child(_metadata, &zero_off, &variant->off, 1,
		    self->host.ino, NULL);
	expect_counts(_metadata, 1);
}

/*
 * Nesting: a namespace made inside a zero one can shift the clocks, and
 * one made inside a shifted one can shift them back to zero.
 */
TEST_F_TIMEOUT(zero, nested, 120)
{
	struct timens_off off = {
		.mono_sec = 3 * SEC_PER_DAY, .boot_sec = 4 * SEC_PER_DAY,
	};
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(&off));
		check_child(_metadata, &zero_off, &off, 1, self->host.ino,
			    NULL);
		expect_counts(_metadata, 1);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));

	ASSERT_EQ(0, timens_unshare(&off));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_EQ(0, timens_unshare(&zero_off));
		check_child(_metadata, &off, &zero_off, 0, self->host.ino,
			    self->host.image);
		expect_counts(_metadata, 0);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* setns() between a shifted and a zero namespace switches the image. */
TEST_F_TIMEOUT(zero, setns, 120)
{
	struct timens_off off = { .boot_sec = SEC_PER_DAY };
	int zero_fd, shifted_fd, host_fd;
	char buf[256];

	if (timens_skip_unprivileged(_metadata))
		return;
	host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, host_fd);
	ASSERT_EQ(0, timens_unshare(NULL));
	zero_fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, zero_fd);
	ASSERT_EQ(0, timens_unshare(&off));
	shifted_fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, shifted_fd);

	ASSERT_EQ(0, setns(shifted_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	EXPECT_EQ(1, vdso_image_kind())
		TH_LOG("%s", vdso_kind_str(buf, sizeof(buf)));
	ASSERT_EQ(0, setns(zero_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	EXPECT_EQ(0, vdso_image_kind())
		TH_LOG("%s", vdso_kind_str(buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp((void *)vdso.start, self->host.image,
			    vdso.end - vdso.start));
	expect_counts(_metadata, 0);
	ASSERT_EQ(0, setns(shifted_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	EXPECT_EQ(1, vdso_image_kind())
		TH_LOG("%s", vdso_kind_str(buf, sizeof(buf)));
	ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	EXPECT_EQ(0, vdso_image_kind())
		TH_LOG("%s", vdso_kind_str(buf, sizeof(buf)));
	close(zero_fd);
	close(shifted_fd);
	close(host_fd);
}

static char *const kind_argv[] = { "/proc/self/exe", KIND_ARG, NULL };

/*
 * The kind of image exec gives a child (its exit code): one born in the
 * namespace the caller made, or, with @enter_at_exec, one that makes a
 * namespace itself, sets each of @offs in turn (NULL ends them) and
 * enters it by exec.
 */
static int exec_kind(int enter_at_exec, const struct timens_off *const *offs)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (enter_at_exec) {
			if (timens_unshare(NULL))
				_exit(125);
			for (; *offs; offs++)
				if (timens_write_offsets(TIMENS_OFFSETS, *offs))
					_exit(126);
		}
		execv(kind_argv[0], kind_argv);
		_exit(127);
	}
	return wait_child(pid);
}

/* exec in a zero namespace, born there or entering it by exec. */
TEST_F_TIMEOUT(zero, exec, 120)
{
	static const struct timens_off one_ns = { .boot_nsec = 1 };
	const struct timens_off *zero[] = { &zero_off, NULL };
	const struct timens_off *shifted[] = { &one_ns, NULL };
	const struct timens_off *back_to_zero[] = { &one_ns, &zero_off, NULL };

	if (timens_skip_unprivileged(_metadata))
		return;
	/* The exit code is the kind of the image exec gave. */
	EXPECT_EQ(0, exec_kind(1, zero)) TH_LOG("entered by exec, zero");
	EXPECT_EQ(1, exec_kind(1, shifted)) TH_LOG("entered by exec, 1 ns");
	EXPECT_EQ(0, exec_kind(1, back_to_zero))
		TH_LOG("entered by exec, 1 ns then zero again");
	ASSERT_EQ(0, timens_unshare(NULL));
	EXPECT_EQ(0, exec_kind(0, NULL)) TH_LOG("born in a zero namespace");
}

/* The exec'ed program: exit with the kind of its image, 2 if unknown. */
static int kind_main(void)
{
	if (vdso_init())
		return 2;
	return vdso_image_kind() < 0 ? 2 : vdso_image_kind();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], KIND_ARG))
		return kind_main();
	/* The tests check it; without a vDSO nothing is counted. */
	if (!vdso_init())
		count_calls(host_count);
	return test_harness_run(argc, argv);
}
