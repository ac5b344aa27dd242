// SPDX-License-Identifier: GPL-2.0
/*
 * Twin vDSO images: a task in the initial time namespace has the host
 * image (NOPs at the time namespace sites), a task in any other time
 * namespace has the time namespace image (calls to the offset helper).
 * Check which image is mapped after fork(), setns() and execve(), that
 * [vdso] keeps its place and size, and that calling __vdso_clock_gettime
 * directly gives the same time as the system call, shifted or not.
 *
 * Built as a 64-bit and as a 32-bit program.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>

#include "vdso_util.h"
#include "../kselftest_harness.h"

#define REPORT_ARG	"--vdso-report"

struct clk_desc {
	clockid_t id;
	const char *name;
	int shifted;	/* 0: REALTIME, 1: by the monotonic or boottime offset */
};

static const struct clk_desc clks[] = {
	{ CLOCK_MONOTONIC, "MONOTONIC", 1 },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW", 1 },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", 1 },
	{ CLOCK_BOOTTIME, "BOOTTIME", 1 },
	{ CLOCK_REALTIME, "REALTIME", 0 },
};

#define NR_CLKS ARRAY_SIZE(clks)

static long long clk_slack(clockid_t clk)
{
	return clk == CLOCK_MONOTONIC_COARSE ? VDSO_COARSE_SLACK_NS :
					       VDSO_SLACK_NS;
}

/*
 * Readings of all clocks through both paths: sys0 and sys1 bracket the
 * vDSO readings (vdso64 only on 32-bit, -1 when there is no such entry).
 */
struct readings {
	long long sys0[NR_CLKS];
	long long vdso[NR_CLKS];
	long long vdso64[NR_CLKS];
	long long sys1[NR_CLKS];
};

static void take_readings(struct readings *r)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		r->sys0[i] = sys_clock_ns(clks[i].id);
		r->vdso[i] = vdso_clock_ns(clks[i].id);
		r->vdso64[i] = vdso_clock64_ns(clks[i].id);
		r->sys1[i] = sys_clock_ns(clks[i].id);
	}
}

/* What the re-executed program reports through its stdout. */
struct report {
	int init_ok;
	int kind;
	int map_ok;
	int has64;
	struct readings r;
	char desc[256];
};

static int report_main(void)
{
	struct report rep;

	memset(&rep, 0, sizeof(rep));
	rep.init_ok = !vdso_init();
	rep.kind = -1;
	if (rep.init_ok) {
		rep.kind = vdso_image_kind();
		rep.map_ok = vdso_map_unchanged();
		rep.has64 = !!vdso.gettime64;
		take_readings(&rep.r);
	}
	vdso_kind_str(rep.desc, sizeof(rep.desc));
	return write_all(STDOUT_FILENO, &rep, sizeof(rep)) ? 1 : 0;
}

/*
 * The vDSO readings agree with the system call readings around them, and
 * once the offsets of the namespace (@o, NULL for the host) are taken
 * away, they lie between the host readings @h0 and @h1.
 */
static void check_readings(struct __test_metadata *_metadata,
			   const struct readings *r, const struct timens_off *o,
			   const struct readings *h0, const struct readings *h1)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		long long slack = clk_slack(clks[i].id);
		long long off = o && clks[i].shifted ?
				off_clock_ns(o, clks[i].id) : 0;

		ASSERT_LT(0, r->sys0[i]);
		EXPECT_LT(0, r->vdso[i]) TH_LOG("%s: vDSO call failed",
						clks[i].name);
		EXPECT_LE(r->sys0[i] - slack, r->vdso[i])
			TH_LOG("%s: vDSO %lld < syscall %lld", clks[i].name,
			       r->vdso[i], r->sys0[i]);
		EXPECT_GE(r->sys1[i] + slack, r->vdso[i])
			TH_LOG("%s: vDSO %lld > syscall %lld", clks[i].name,
			       r->vdso[i], r->sys1[i]);
		if (vdso.gettime64) {
			EXPECT_LE(r->sys0[i] - slack, r->vdso64[i])
				TH_LOG("%s: vDSO64 %lld < syscall %lld",
				       clks[i].name, r->vdso64[i],
				       r->sys0[i]);
			EXPECT_GE(r->sys1[i] + slack, r->vdso64[i])
				TH_LOG("%s: vDSO64 %lld > syscall %lld",
				       clks[i].name, r->vdso64[i],
				       r->sys1[i]);
		}
		if (!h0)
			continue;
		/* REALTIME may be stepped, don't compare it over time. */
		if (!clks[i].shifted)
			continue;
		EXPECT_LE(h0->sys0[i] - slack, r->vdso[i] - off)
			TH_LOG("%s: vDSO %lld - offset %lld before host %lld",
			       clks[i].name, r->vdso[i], off, h0->sys0[i]);
		EXPECT_GE(h1->sys1[i] + slack, r->vdso[i] - off)
			TH_LOG("%s: vDSO %lld - offset %lld after host %lld",
			       clks[i].name, r->vdso[i], off, h1->sys1[i]);
	}
}

#define ASSERT_KIND(want) do {						\
	char __buf[256];						\
									\
	ASSERT_EQ(want, vdso_image_kind())				\
		TH_LOG("%s", vdso_kind_str(__buf, sizeof(__buf)));	\
} while (0)

FIXTURE(vdso) {
	struct timens_off off;
	int host_fd;
	int pfd[2];
	pid_t holder;
	int holder_pipe;
	struct readings h0, h1, r;
};

FIXTURE_SETUP(vdso)
{
	char buf[256];

	self->holder = -1;
	self->holder_pipe = -1;
	/* The tests SKIP by themselves, see timens_skip(). */
	if (timens_skip_reason(false))
		return;
	memset(&self->off, 0, sizeof(self->off));
	self->off.mono_sec = 7 * SEC_PER_DAY;
	self->off.mono_nsec = 123456789;
	self->off.boot_sec = 9 * SEC_PER_DAY;
	self->off.boot_nsec = 987654321;
	self->host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->host_fd) TH_LOG("%s: %m", TIMENS_SELF);
	ASSERT_EQ(0, pipe(self->pfd));
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	TH_LOG("vDSO at %#lx-%#lx, %u sites, clock_gettime at +%#lx%s",
	       vdso.start, vdso.end, vdso.nr_sites,
	       (unsigned long)vdso.gettime - vdso.start,
	       vdso.gettime64 ? ", clock_gettime64 too" : "");
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("host image expected: %s",
		       vdso_kind_str(buf, sizeof(buf)));
	alarm(TIMENS_HANG_SEC * 2);
}

FIXTURE_TEARDOWN(vdso)
{
	if (self->holder_pipe >= 0)
		close(self->holder_pipe);
	if (self->holder > 0)
		wait_child(self->holder);
	alarm(0);
}

/* unshare(CLONE_NEWTIME), set the offsets and park a child in the ns. */
static void make_ns(struct __test_metadata *_metadata,
		    struct _test_data_vdso *self)
{
	int pfd[2];
	char c;

	ASSERT_EQ(0, timens_unshare(&self->off));
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
}

/* make_ns(), and a descriptor of the namespace it made, to setns() to. */
static int open_made_ns(struct __test_metadata *_metadata,
			struct _test_data_vdso *self)
{
	char path[64];
	int fd;

	make_ns(_metadata, self);
	snprintf(path, sizeof(path), "/proc/%d/ns/time", self->holder);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %m", path);
	return fd;
}

/* Host process: host image, vDSO and system call agree. */
TEST_F(vdso, host)
{
	if (timens_skip_unsupported(_metadata))
		return;
	take_readings(&self->h0);
	take_readings(&self->r);
	take_readings(&self->h1);
	check_readings(_metadata, &self->r, NULL, &self->h0, &self->h1);
	EXPECT_TRUE(vdso_map_unchanged());
	ASSERT_KIND(0);
}

/*
 * The offsets page lies at a fixed distance from the vDSO code: no part of
 * [vvar] may be unmapped or moved on its own, and the vDSO keeps working.
 */
TEST_F(vdso, vvar_not_split)
{
	unsigned long start, end, start2, end2, page = getpagesize();
	void *p;

	if (timens_skip_unsupported(_metadata))
		return;
	ASSERT_EQ(0, maps_range("[vvar]", &start, &end));
	ASSERT_LE(4 * page, end - start);

	EXPECT_EQ(-1, munmap((void *)(end - page), page));
	EXPECT_EQ(EINVAL, errno);
	/* A move to a place of our choosing, which would split it. */
	p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_TRUE(mremap((void *)(end - page), page, page,
			   MREMAP_MAYMOVE | MREMAP_FIXED, p) == MAP_FAILED);
	EXPECT_EQ(EINVAL, errno);
	munmap(p, page);
	EXPECT_EQ(-1, mprotect((void *)(end - page), page, PROT_NONE));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, maps_range("[vvar]", &start2, &end2));
	EXPECT_EQ(start, start2);
	EXPECT_EQ(end, end2);
	EXPECT_TRUE(vdso_map_unchanged());
	take_readings(&self->h0);
	take_readings(&self->r);
	take_readings(&self->h1);
	check_readings(_metadata, &self->r, NULL, &self->h0, &self->h1);
}

/* After unshare() we keep the host image, a child gets the twin. */
TEST_F(vdso, fork_child)
{
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	ASSERT_KIND(0);
	take_readings(&self->r);
	check_readings(_metadata, &self->r, NULL, NULL, NULL);

	take_readings(&self->h0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_TRUE(vdso_map_unchanged());
		ASSERT_KIND(1);
		take_readings(&self->r);
		EXPECT_EQ(0, write_all(self->pfd[1], &self->r,
				       sizeof(self->r)));
		TIMENS_CHILD_EXIT();
	}
	close(self->pfd[1]);
	self->pfd[1] = -1;
	ASSERT_EQ(0, read_all(self->pfd[0], &self->r, sizeof(self->r)));
	ASSERT_EQ(0, wait_child(pid));
	take_readings(&self->h1);
	check_readings(_metadata, &self->r, &self->off, &self->h0, &self->h1);

	/* A child of the host process in the host namespace: host image. */
	ASSERT_EQ(0, setns(self->host_fd, CLONE_NEWTIME));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_KIND(0);
		take_readings(&self->r);
		check_readings(_metadata, &self->r, NULL, NULL, NULL);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
}

/* setns() in and out switches the image in place. */
TEST_F(vdso, setns)
{
	int fd, i;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	fd = open_made_ns(_metadata, self);

	for (i = 0; i < 3; i++) {
		take_readings(&self->h0);
		ASSERT_EQ(0, setns(fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
		ASSERT_KIND(1);
		EXPECT_TRUE(vdso_map_unchanged());
		take_readings(&self->r);
		ASSERT_EQ(0, setns(self->host_fd, CLONE_NEWTIME))
			TH_LOG("setns: %m");
		take_readings(&self->h1);
		check_readings(_metadata, &self->r, &self->off, &self->h0,
			       &self->h1);

		ASSERT_KIND(0);
		EXPECT_TRUE(vdso_map_unchanged());
		/* Between two host system calls: not shifted. */
		take_readings(&self->r);
		check_readings(_metadata, &self->r, NULL, NULL, NULL);
	}

	/* Children inherit the image of the namespace they are born in. */
	ASSERT_EQ(0, setns(fd, CLONE_NEWTIME));
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ASSERT_KIND(1);
		take_readings(&self->r);
		check_readings(_metadata, &self->r, &self->off, NULL, NULL);
		TIMENS_CHILD_EXIT();
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_KIND(1);
	ASSERT_EQ(0, setns(self->host_fd, CLONE_NEWTIME));
	ASSERT_KIND(0);
}

/* Many switches in a row must always leave a clean image. */
TEST_F(vdso, setns_loop)
{
	int fd, i;

	if (timens_skip_unprivileged(_metadata))
		return;
	fd = open_made_ns(_metadata, self);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, setns(i & 1 ? self->host_fd : fd, CLONE_NEWTIME));
		ASSERT_KIND(!(i & 1));
	}
	EXPECT_TRUE(vdso_map_unchanged());
	close(fd);
}

/*
 * The page faults of a vDSO call just after a switch of namespace, which
 * drops the vDSO's pages, with its text and the VVAR page read in first:
 * none, on the host and in a time namespace, whose offsets page comes
 * with the VVAR page. -1 if the call fails.
 */
static long switch_call_faults(void)
{
	struct rusage before, after;
	unsigned long start, end, p;
	struct timespec ts;
	char c = 0;

	if (maps_range("[vvar]", &start, &end))
		return -1;
	for (p = vdso.start; p < vdso.end; p += 4096)
		c ^= *(const char *)p;
	c ^= *(const char *)start;
	asm volatile("" : : "r" (c));
	getrusage(RUSAGE_SELF, &before);
	if (vdso.gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	getrusage(RUSAGE_SELF, &after);
	return after.ru_minflt - before.ru_minflt;
}

TEST_F(vdso, first_call_faults)
{
	long in_ns, on_host;
	int fd;

	if (timens_skip_unprivileged(_metadata))
		return;
	fd = open_made_ns(_metadata, self);
	ASSERT_EQ(0, setns(fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	in_ns = switch_call_faults();
	ASSERT_EQ(0, setns(self->host_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
	on_host = switch_call_faults();
	close(fd);
	EXPECT_EQ(0, in_ns) TH_LOG("page faults of a call in the namespace");
	EXPECT_EQ(0, on_host) TH_LOG("page faults of a call on the host");
}

static char *const report_argv[] = { "/proc/self/exe", REPORT_ARG, NULL };

/* Run the report program in a child prepared by @how. */
enum exec_how { EXEC_HOST, EXEC_CHILD_OF_NS, EXEC_UNSHARE, EXEC_SETNS };

static void exec_report(struct __test_metadata *_metadata,
			struct _test_data_vdso *self, enum exec_how how,
			struct report *rep)
{
	char path[64];
	pid_t pid;

	take_readings(&self->h0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (how == EXEC_UNSHARE && timens_unshare(&self->off))
			_exit(126);
		if (how == EXEC_SETNS) {
			snprintf(path, sizeof(path), "/proc/%d/ns/time",
				 self->holder);
			if (timens_setns_path(path))
				_exit(125);
		}
		dup2(self->pfd[1], STDOUT_FILENO);
		execv(report_argv[0], report_argv);
		_exit(127);
	}
	close(self->pfd[1]);
	self->pfd[1] = -1;
	ASSERT_EQ(0, read_all(self->pfd[0], rep, sizeof(*rep)));
	ASSERT_EQ(0, wait_child(pid));
	take_readings(&self->h1);
	rep->desc[sizeof(rep->desc) - 1] = '\0';
	ASSERT_TRUE(rep->init_ok) TH_LOG("exec'ed program: %s", rep->desc);
	EXPECT_TRUE(rep->map_ok);
	EXPECT_EQ(!!vdso.gettime64, rep->has64);
}

TEST_F(vdso, exec_host)
{
	struct report rep;

	if (timens_skip_unsupported(_metadata))
		return;
	exec_report(_metadata, self, EXEC_HOST, &rep);
	ASSERT_EQ(0, rep.kind) TH_LOG("%s", rep.desc);
	check_readings(_metadata, &rep.r, NULL, &self->h0, &self->h1);
}

TEST_F(vdso, exec_child_of_ns)
{
	struct report rep;

	if (timens_skip_unprivileged(_metadata))
		return;
	ASSERT_EQ(0, timens_unshare(&self->off));
	exec_report(_metadata, self, EXEC_CHILD_OF_NS, &rep);
	ASSERT_EQ(1, rep.kind) TH_LOG("%s", rep.desc);
	check_readings(_metadata, &rep.r, &self->off, &self->h0, &self->h1);
}

TEST_F(vdso, exec_after_unshare)
{
	struct report rep;

	if (timens_skip_unprivileged(_metadata))
		return;
	exec_report(_metadata, self, EXEC_UNSHARE, &rep);
	ASSERT_EQ(1, rep.kind) TH_LOG("%s", rep.desc);
	check_readings(_metadata, &rep.r, &self->off, &self->h0, &self->h1);
}

TEST_F(vdso, exec_after_setns)
{
	struct report rep;

	if (timens_skip_unprivileged(_metadata))
		return;
	make_ns(_metadata, self);
	exec_report(_metadata, self, EXEC_SETNS, &rep);
	ASSERT_EQ(1, rep.kind) TH_LOG("%s", rep.desc);
	check_readings(_metadata, &rep.r, &self->off, &self->h0, &self->h1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], REPORT_ARG))
		return report_main();
	return test_harness_run(argc, argv);
}
