// SPDX-License-Identifier: GPL-2.0
/*
 * Privately written vDSO pages across a switch of vDSO image.
 *
 * A debugger writes into a task's [vdso] with ptrace(POKETEXT) or through
 * /proc/PID/mem, which gives the task a private (copy-on-write) copy of
 * the page: a breakpoint, or any other patched byte.  When the task
 * changes time namespace, and with it vDSO image, the kernel must keep
 * those pages, with only the time namespace sites in them rewritten to
 * the new image's bytes.  And when the debugger later writes back its
 * saved copy of a site, taken in the other image (the bytes under its
 * int3), the kernel must turn them into this image's bytes: otherwise the
 * task runs the wrong image's code at the site, which reads the wrong
 * namespace's time or crashes.  exec() still gives a pristine vDSO.
 *
 * The tests write to their own vDSO through /proc/self/mem, which goes
 * the same way as a debugger's writes (access_remote_vm() with
 * FOLL_FORCE), and do the writing and the switching in forked children:
 * a crash is a failure with the signal that killed the child.
 *
 * With one vDSO image for all namespaces (TIMENS_VDSO_SINGLE_IMAGE=1,
 * the reference kernel), the first byte of __vdso_clock_gettime stands
 * in for the sites and only the clock readings are checked.
 *
 * Built as a 64-bit and as a 32-bit program.
 */
#define _GNU_SOURCE
#include "vdso_util.h"
#include "../kselftest_harness.h"

#define EXEC_ARG	"--vdso-poke-exec"
/* e_ident[9]: ELF header padding, which nothing ever reads. */
#define POKE_OFFSET	9
#define POKE_XOR	0x5a
#define INT3		0xcc
/* What a POKETEXT-style restore writes back over a site. */
#define SAVE_LEN	8
/* Longer than any test runs: a reading a day off can't fit in it. */
#define TEST_SPAN_NS	(60 * NSEC_PER_SEC)
/* Far more than the vDSO has. */
#define MAX_SITES	64

static const struct timens_off off = {
	.mono_sec = SEC_PER_DAY,
	.mono_nsec = 250000000,
	.boot_sec = 2 * SEC_PER_DAY,
	.boot_nsec = 500000000,
};

#define clks		shifted_clks
#define NR_CLKS		ARRAY_SIZE(shifted_clks)

/* A site, with its bytes in the host (0) and time namespace (1) images. */
struct site {
	unsigned long addr;
	unsigned char img[2][VDSO_SITE_LEN];
};

static struct site sites[MAX_SITES];
static unsigned int nr_sites;

/* What a debugger saved of a site before it put its int3 there. */
struct saved_site {
	unsigned char b[SAVE_LEN];
};

enum switch_how {
	SETNS_IN,	/* host image, setns() into a namespace */
	FORK_IN,	/* host image, a child born in a namespace */
	SETNS_OUT,	/* namespace image, setns() back to the host */
};

/* Plain reads: the writes are system calls, opaque to the compiler. */
static unsigned char peek(unsigned long addr)
{
	return *(const unsigned char *)addr;
}

static void peek_bytes(unsigned long addr, unsigned char *buf, size_t len)
{
	memcpy(buf, (const void *)addr, len);
}

static char *hex(char *buf, const unsigned char *p, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < len; i++)
		sprintf(buf + 3 * i, "%02x%s", p[i], i + 1 < len ? " " : "");
	return buf;
}

/* Write to our own memory the way a debugger does; 0 or -errno. */
static int mem_write(unsigned long addr, const void *buf, size_t len)
{
	ssize_t ret;
	int fd, err = 0;

	/* /proc/self/mem stands for the mm of whoever opens it: open it here. */
	fd = open("/proc/self/mem", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = pwrite64(fd, buf, len, (off64_t)addr);
	if (ret < 0)
		err = -errno;
	else if ((size_t)ret != len)
		err = -EIO;
	close(fd);
	return err;
}

static void poke(struct __test_metadata *_metadata, unsigned long addr,
		 const void *buf, size_t len)
{
	int err = mem_write(addr, buf, len);

	ASSERT_EQ(0, err)
		TH_LOG("write of %zu bytes at vdso+%#lx through /proc/self/mem: %s",
		       len, addr - vdso.start, strerror(-err));
}

static int exec_main(char **argv);

/*
 * Skip without root or time namespaces, find the vDSO and the sites.
 * Nonzero if the test is to end here.
 */
static int prepare(struct __test_metadata *_metadata)
{
	char buf[256];
	unsigned int i;

	if (timens_skip_unprivileged(_metadata))
		return -1;
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("host image expected: %s",
		       vdso_kind_str(buf, sizeof(buf)));

	nr_sites = vdso.nr_sites ? vdso.nr_sites : 1;
	ASSERT_GE(MAX_SITES, nr_sites);
	if (!vdso.nr_sites) {
		sites[0].addr = (unsigned long)vdso.gettime;
		ASSERT_TRUE(vdso_inside(sites[0].addr, SAVE_LEN));
		return 0;
	}
	for (i = 0; i < nr_sites; i++) {
		unsigned long site, target;
		unsigned char opcode;
		int32_t rel;

		ASSERT_EQ(0, vdso_site(i, &site, &target, &opcode))
			TH_LOG("site %u or its target is not inside [vdso]",
			       i);
		ASSERT_TRUE(vdso_inside(site, SAVE_LEN))
			TH_LOG("site %u at %#lx is not inside [vdso]", i, site);
		rel = target - (site + VDSO_SITE_LEN);
		sites[i].addr = site;
		memcpy(sites[i].img[0], vdso_nop5, VDSO_SITE_LEN);
		sites[i].img[1][0] = opcode;
		memcpy(&sites[i].img[1][1], &rel, sizeof(rel));
	}
	return 0;
}

static pid_t fork_child(struct __test_metadata *_metadata)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %m");
	return pid;
}

/*
 * Reap a child that ran harness checks: it exits with 0 if they passed,
 * with 1 if an EXPECT failed, is killed by SIGABRT if an ASSERT failed,
 * and by another signal if it crashed.
 */
static void reap_child(struct __test_metadata *_metadata, pid_t pid,
		       const char *who)
{
	int status, sig;

	ASSERT_EQ(pid, waitpid(pid, &status, 0)) TH_LOG("waitpid: %m");
	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		EXPECT_EQ(0, sig)
			TH_LOG("%s was killed by signal %d (%s)%s", who, sig,
			       strsignal(sig),
			       sig == SIGABRT ? ": a failed assertion" : "");
		return;
	}
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s failed", who);
}

/* The mapped image is that of @kind (0 host, 1 time namespace). */
static void check_image(struct __test_metadata *_metadata, int kind,
			const char *when)
{
	char buf[256];

	ASSERT_EQ(kind, vdso_image_kind())
		TH_LOG("%s: %s", when, vdso_kind_str(buf, sizeof(buf)));
}

static void host_now(long long *h0)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++)
		h0[i] = sys_clock_ns(clks[i].id);
}

/*
 * The vDSO reads the time of the namespace we are in: its reading lies
 * between two system call readings, whose namespace is the one with the
 * offsets @o (NULL for the host): less those offsets, they are between
 * the host readings @h0, taken before any switch, and TEST_SPAN_NS later.
 */
static void check_clocks(struct __test_metadata *_metadata,
			 const struct timens_off *o, const long long *h0,
			 const char *when)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		const char *name = clks[i].name;
		long long shift = o ? off_clock_ns(o, clks[i].id) : 0;
		long long s0, v, v64, s1;

		s0 = sys_clock_ns(clks[i].id);
		v = vdso_clock_ns(clks[i].id);
		v64 = vdso_clock64_ns(clks[i].id);
		s1 = sys_clock_ns(clks[i].id);

		ASSERT_LT(0, h0[i]);
		ASSERT_LT(0, s0);
		EXPECT_LE(0, v) TH_LOG("%s: %s: vDSO call failed", when, name);
		EXPECT_LE(s0 - VDSO_SLACK_NS, v)
			TH_LOG("%s: %s: vDSO %lld < syscall %lld", when, name,
			       v, s0);
		EXPECT_GE(s1 + VDSO_SLACK_NS, v)
			TH_LOG("%s: %s: vDSO %lld > syscall %lld", when, name,
			       v, s1);
		if (vdso.gettime64) {
			EXPECT_LE(s0 - VDSO_SLACK_NS, v64)
				TH_LOG("%s: %s: vDSO64 %lld < syscall %lld",
				       when, name, v64, s0);
			EXPECT_GE(s1 + VDSO_SLACK_NS, v64)
				TH_LOG("%s: %s: vDSO64 %lld > syscall %lld",
				       when, name, v64, s1);
		}
		EXPECT_LE(h0[i], s0 - shift)
			TH_LOG("%s: %s: syscall %lld - offset %lld < host %lld",
			       when, name, s0, shift, h0[i]);
		EXPECT_GE(h0[i] + TEST_SPAN_NS, s0 - shift)
			TH_LOG("%s: %s: syscall %lld - offset %lld >> host %lld",
			       when, name, s0, shift, h0[i]);
	}
}

/* The byte poked at POKE_OFFSET is still there. */
static void check_poked(struct __test_metadata *_metadata,
			unsigned char poked, const char *when)
{
	unsigned char now = peek(vdso.base + POKE_OFFSET);

	EXPECT_EQ(poked, now)
		TH_LOG("%s: the byte written at vdso+%#x was lost",
		       when, POKE_OFFSET);
}

/* Save each site as a debugger does, then put an int3 on its first byte. */
static void break_sites(struct __test_metadata *_metadata,
			struct saved_site *saved)
{
	static const unsigned char int3 = INT3;
	unsigned int i;

	for (i = 0; i < nr_sites; i++) {
		peek_bytes(sites[i].addr, saved[i].b, SAVE_LEN);
		poke(_metadata, sites[i].addr, &int3, 1);
		ASSERT_EQ(INT3, peek(sites[i].addr))
			TH_LOG("no int3 at vdso+%#lx after writing it",
			       sites[i].addr - vdso.start);
	}
}

/*
 * Write back the first @len saved bytes of every site, in the image of
 * @kind: the sites must be that image's and the bytes after them what
 * was saved, and the vDSO must read the clocks of the namespace.
 */
static void restore_sites(struct __test_metadata *_metadata,
			  const struct saved_site *saved, size_t len, int kind,
			  const long long *h0, const char *when)
{
	unsigned char now[SAVE_LEN];
	char b0[32], b1[32], b2[32];
	unsigned int i;

	for (i = 0; i < nr_sites; i++)
		poke(_metadata, sites[i].addr, saved[i].b, len);
	/* Single image: the sites are whatever was written back. */
	for (i = 0; vdso.nr_sites && i < nr_sites; i++) {
		peek_bytes(sites[i].addr, now, SAVE_LEN);
		/* Don't run the wrong code: stop at the first bad site. */
		ASSERT_EQ(0, memcmp(now, sites[i].img[kind], VDSO_SITE_LEN))
			TH_LOG("%s: site %u at vdso+%#lx: %s after writing %zu bytes %s, want %s",
			       when, i, sites[i].addr - vdso.start,
			       hex(b0, now, VDSO_SITE_LEN), len,
			       hex(b1, saved[i].b, len),
			       hex(b2, sites[i].img[kind], VDSO_SITE_LEN));
		ASSERT_EQ(0, memcmp(now + VDSO_SITE_LEN,
				    saved[i].b + VDSO_SITE_LEN,
				    SAVE_LEN - VDSO_SITE_LEN))
			TH_LOG("%s: the bytes after site %u at vdso+%#lx are %s, saved %s",
			       when, i, sites[i].addr - vdso.start,
			       hex(b0, now + VDSO_SITE_LEN,
				   SAVE_LEN - VDSO_SITE_LEN),
			       hex(b1, saved[i].b + VDSO_SITE_LEN,
				   SAVE_LEN - VDSO_SITE_LEN));
	}
	check_image(_metadata, kind, when);
	check_clocks(_metadata, kind ? &off : NULL, h0, when);
}

/*
 * A debugger's breakpoint across a switch of image: save every site and
 * put an int3 on its first byte in one image, switch (@how) to the other,
 * then write back @len saved bytes a site, as a debugger removing its
 * breakpoints does.  All in a child, which may crash.
 */
static void int3_restore(struct __test_metadata *_metadata,
			 enum switch_how how, size_t len)
{
	struct saved_site saved[MAX_SITES];
	long long h0[NR_CLKS];
	int host_fd, ns_fd, err;
	unsigned int i;
	pid_t pid;

	if (prepare(_metadata))
		return;

	pid = fork_child(_metadata);
	if (pid) {
		reap_child(_metadata, pid, "the debugged child");
		return;
	}

	host_now(h0);
	host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, host_fd) TH_LOG("%s: %m", TIMENS_SELF);
	err = timens_unshare(&off);
	ASSERT_EQ(0, err) TH_LOG("new time namespace: %s", strerror(-err));
	ns_fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns_fd) TH_LOG("%s: %m", TIMENS_CHILDREN);
	if (how == SETNS_OUT) {
		ASSERT_EQ(0, setns(ns_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
		check_image(_metadata, 1, "in the namespace");
		check_clocks(_metadata, &off, h0, "in the namespace");
	}

	/* No vDSO call from here until the saved bytes are back. */
	break_sites(_metadata, saved);
	switch (how) {
	case SETNS_IN:
		ASSERT_EQ(0, setns(ns_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
		restore_sites(_metadata, saved, len, 1, h0,
			      "after setns() into the namespace");
		break;
	case SETNS_OUT:
		ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME))
			TH_LOG("setns: %m");
		restore_sites(_metadata, saved, len, 0, h0,
			      "after setns() back to the host");
		break;
	case FORK_IN:
		pid = fork_child(_metadata);
		if (!pid) {
			restore_sites(_metadata, saved, len, 1, h0,
				      "in a child born in the namespace");
			TIMENS_CHILD_EXIT();
		}
		reap_child(_metadata, pid, "the child born in the namespace");
		/* Its writes went to its own copies of the pages. */
		for (i = 0; i < nr_sites; i++) {
			ASSERT_EQ(INT3, peek(sites[i].addr))
				TH_LOG("the parent lost its int3 at vdso+%#lx",
				       sites[i].addr - vdso.start);
		}
		restore_sites(_metadata, saved, len, 0, h0,
			      "in the parent, on the host");
		break;
	}
	TIMENS_CHILD_EXIT();
}

/*
 * A byte written into the vDSO outside any site survives the birth of a
 * child in a new time namespace, whose image the child runs.
 */
TEST(poke_survives_fork_into_ns)
{
	unsigned char poked;
	long long h0[NR_CLKS];
	pid_t pid;
	int err;

	if (prepare(_metadata))
		return;
	poked = peek(vdso.base + POKE_OFFSET) ^ POKE_XOR;

	pid = fork_child(_metadata);
	if (!pid) {
		host_now(h0);
		err = timens_unshare(&off);
		ASSERT_EQ(0, err)
			TH_LOG("new time namespace: %s", strerror(-err));
		poke(_metadata, vdso.base + POKE_OFFSET, &poked, 1);
		check_poked(_metadata, poked, "after the write");

		pid = fork_child(_metadata);
		if (!pid) {
			check_poked(_metadata, poked,
				    "in a child born in the namespace");
			check_image(_metadata, 1,
				    "in a child born in the namespace");
			check_clocks(_metadata, &off, h0,
				     "in a child born in the namespace");
			TIMENS_CHILD_EXIT();
		}
		reap_child(_metadata, pid, "the child born in the namespace");

		check_poked(_metadata, poked, "in the parent, after the fork");
		check_image(_metadata, 0, "in the parent, after the fork");
		check_clocks(_metadata, NULL, h0,
			     "in the parent, after the fork");
		TIMENS_CHILD_EXIT();
	}
	reap_child(_metadata, pid, "the writing child");
}

/*
 * A byte written into the vDSO outside any site survives setns() into a
 * time namespace and setns() back to the initial one.
 */
TEST(poke_survives_setns_in_and_out)
{
	int host_fd, ns_fd, err, i;
	unsigned char poked;
	long long h0[NR_CLKS];
	pid_t pid;

	if (prepare(_metadata))
		return;
	poked = peek(vdso.base + POKE_OFFSET) ^ POKE_XOR;

	pid = fork_child(_metadata);
	if (!pid) {
		host_now(h0);
		host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, host_fd) TH_LOG("%s: %m", TIMENS_SELF);
		err = timens_unshare(&off);
		ASSERT_EQ(0, err)
			TH_LOG("new time namespace: %s", strerror(-err));
		ns_fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, ns_fd) TH_LOG("%s: %m", TIMENS_CHILDREN);
		poke(_metadata, vdso.base + POKE_OFFSET, &poked, 1);
		check_poked(_metadata, poked, "after the write");

		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, setns(ns_fd, CLONE_NEWTIME))
				TH_LOG("setns: %m");
			check_poked(_metadata, poked, "after setns() in");
			check_image(_metadata, 1, "after setns() in");
			check_clocks(_metadata, &off, h0, "after setns() in");

			ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME))
				TH_LOG("setns: %m");
			check_poked(_metadata, poked, "after setns() out");
			check_image(_metadata, 0, "after setns() out");
			check_clocks(_metadata, NULL, h0, "after setns() out");
		}
		TIMENS_CHILD_EXIT();
	}
	reap_child(_metadata, pid, "the writing child");
}

/*
 * The pages holding the sites, made private by writing the sites' own
 * bytes back, follow every switch: the sites in them are rewritten to the
 * image of the new namespace.
 */
TEST(written_sites_follow_the_namespace)
{
	int host_fd, ns_fd, err;
	long long h0[NR_CLKS];
	unsigned char now[VDSO_SITE_LEN];
	unsigned int i;
	pid_t pid;

	if (prepare(_metadata))
		return;

	pid = fork_child(_metadata);
	if (!pid) {
		host_now(h0);
		host_fd = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, host_fd) TH_LOG("%s: %m", TIMENS_SELF);
		err = timens_unshare(&off);
		ASSERT_EQ(0, err)
			TH_LOG("new time namespace: %s", strerror(-err));
		ns_fd = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, ns_fd) TH_LOG("%s: %m", TIMENS_CHILDREN);
		for (i = 0; i < nr_sites; i++) {
			peek_bytes(sites[i].addr, now, VDSO_SITE_LEN);
			poke(_metadata, sites[i].addr, now, VDSO_SITE_LEN);
		}
		check_image(_metadata, 0, "after writing the sites");
		check_clocks(_metadata, NULL, h0, "after writing the sites");

		pid = fork_child(_metadata);
		if (!pid) {
			check_image(_metadata, 1,
				    "in a child born in the namespace");
			check_clocks(_metadata, &off, h0,
				     "in a child born in the namespace");
			TIMENS_CHILD_EXIT();
		}
		reap_child(_metadata, pid, "the child born in the namespace");

		ASSERT_EQ(0, setns(ns_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
		check_image(_metadata, 1, "after setns() in");
		check_clocks(_metadata, &off, h0, "after setns() in");
		ASSERT_EQ(0, setns(host_fd, CLONE_NEWTIME)) TH_LOG("setns: %m");
		check_image(_metadata, 0, "after setns() out");
		check_clocks(_metadata, NULL, h0, "after setns() out");
		TIMENS_CHILD_EXIT();
	}
	reap_child(_metadata, pid, "the writing child");
}

/*
 * The program exec'ed by a process that wrote into its vDSO starts with
 * a pristine vDSO, on the host or in the time namespace it enters.
 */
static void exec_pristine(struct __test_metadata *_metadata, int into_ns)
{
	static char byte[16], kind[16];
	static char *const argv[] = {
		"/proc/self/exe", EXEC_ARG, byte, kind, NULL
	};
	unsigned char pristine, poked;
	pid_t pid;
	int err;

	if (prepare(_metadata))
		return;
	pristine = peek(vdso.base + POKE_OFFSET);
	poked = pristine ^ POKE_XOR;
	snprintf(byte, sizeof(byte), "%u", pristine);
	snprintf(kind, sizeof(kind), "%d", into_ns);

	pid = fork_child(_metadata);
	if (!pid) {
		if (into_ns) {
			err = timens_unshare(&off);
			ASSERT_EQ(0, err)
				TH_LOG("new time namespace: %s",
				       strerror(-err));
		}
		poke(_metadata, vdso.base + POKE_OFFSET, &poked, 1);
		check_poked(_metadata, poked, "after the write");
		fflush(stderr);
		execv(argv[0], argv);
		TH_LOG("execv %s: %m", argv[0]);
		_exit(127);
	}
	reap_child(_metadata, pid, "the exec'ed program");
}

/* exec() on the host throws the written page away. */
TEST(exec_gives_a_pristine_vdso)
{
	exec_pristine(_metadata, 0);
}

/* So does exec() into the time namespace made for the children. */
TEST(exec_into_ns_gives_a_pristine_vdso)
{
	exec_pristine(_metadata, 1);
}

/* Host bytes written back POKETEXT-style after setns() in: calls again. */
TEST(int3_setns_in_restore8)
{
	int3_restore(_metadata, SETNS_IN, SAVE_LEN);
}

/* The host byte written back gdb-style after setns() in: a call again. */
TEST(int3_setns_in_restore1)
{
	int3_restore(_metadata, SETNS_IN, 1);
}

/* Host bytes written back by a child born in a namespace: calls again. */
TEST(int3_fork_into_ns_restore8)
{
	int3_restore(_metadata, FORK_IN, SAVE_LEN);
}

/* The host byte written back by a child born in a namespace: a call. */
TEST(int3_fork_into_ns_restore1)
{
	int3_restore(_metadata, FORK_IN, 1);
}

/* Namespace bytes written back after setns() to the host: NOPs again. */
TEST(int3_setns_out_restore8)
{
	int3_restore(_metadata, SETNS_OUT, SAVE_LEN);
}

/* The namespace byte written back after setns() to the host: a NOP. */
TEST(int3_setns_out_restore1)
{
	int3_restore(_metadata, SETNS_OUT, 1);
}

/*
 * The exec'ed program: argv[2] is the pristine byte at POKE_OFFSET,
 * argv[3] the image expected.  Exits with a mask of what was wrong.
 */
static int exec_main(char **argv)
{
	unsigned long want = strtoul(argv[2], NULL, 0);
	int kind = atoi(argv[3]), ret = 0;
	long long s0, v, s1;
	unsigned char now;
	char buf[256];

	if (vdso_init()) {
		fprintf(stderr, "# exec'ed: %s\n", vdso.err);
		return 2;
	}
	now = peek(vdso.base + POKE_OFFSET);
	if (now != want) {
		fprintf(stderr,
			"# exec'ed: vdso+%#x is %#x, pristine is %#lx: written before exec\n",
			POKE_OFFSET, now, want);
		ret |= 1;
	}
	/* One image for all: nothing to tell the namespace's apart by. */
	if (!vdso_single_image() && vdso_image_kind() != kind) {
		fprintf(stderr, "# exec'ed: image %d expected, %s\n", kind,
			vdso_kind_str(buf, sizeof(buf)));
		return ret | 4;
	}
	s0 = sys_clock_ns(CLOCK_MONOTONIC);
	v = vdso_clock_ns(CLOCK_MONOTONIC);
	s1 = sys_clock_ns(CLOCK_MONOTONIC);
	if (v < s0 - VDSO_SLACK_NS || v > s1 + VDSO_SLACK_NS) {
		fprintf(stderr,
			"# exec'ed: vDSO MONOTONIC %lld outside syscalls %lld..%lld\n",
			v, s0, s1);
		ret |= 8;
	}
	return ret;
}

int main(int argc, char **argv)
{
	if (argc > 3 && !strcmp(argv[1], EXEC_ARG))
		return exec_main(argv);
	return test_harness_run(argc, argv);
}
