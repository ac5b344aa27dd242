// SPDX-License-Identifier: GPL-2.0
/*
 * Switch the vDSO image under the feet of clock_gettime().
 *
 * A timer signal arrives every ~100us; its handler toggles the process
 * between the initial time namespace and a namespace A with large offsets
 * with setns(), which swaps the mapped vDSO image, possibly while the main
 * loop is inside __vdso_clock_gettime.  Optionally every Nth signal also
 * forks: the child returns from the handler, finishes the interrupted call
 * in the image of the namespace it was born in (a fresh one with the
 * offsets of A when the parent is in the host namespace), checks a few
 * more readings and exits.
 *
 * Every vDSO reading must be the time of one of the two namespaces: take
 * away the offsets of the host or of A and the result must lie between
 * two system call readings taken right before and right after it, each
 * converted to host time with the offsets of the namespace the task was
 * in when it made that system call.
 *
 * Built as a 64-bit and as a 32-bit program.
 */
#define _GNU_SOURCE
#include <ucontext.h>
#include <sys/time.h>
#include "vdso_util.h"
#include "../kselftest_harness.h"

#define SWITCH_PERIOD_US	100
#define RUN_NS			(6 * NSEC_PER_SEC)
#define MAX_SAMPLES		4000000
#define SAMPLE_RETRIES		100000
#define MAX_BAD			8
/* Below these the run proves nothing. */
#define MIN_SWITCHES		1000
#define MIN_MATCHED		100
#define MIN_STRADDLED		20
#define MIN_FORKS		10
/* Samples a forked child checks before it exits. */
#define CHILD_SAMPLES		3

/*
 * State shared with the signal handler: the handler runs on this very
 * thread, so atomics (never reordered around each other or around
 * calls) are all it takes.
 */
#define shared_get(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define shared_set(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define shared_inc(x)		__atomic_fetch_add(&(x), 1, __ATOMIC_SEQ_CST)

enum { NS_HOST, NS_A, NR_NS };

static const struct vdso_clk clks[] = {
	{ CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_BOOTTIME, "BOOTTIME" },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
};

#define NR_CLKS ARRAY_SIZE(clks)

/* Set up before the timer starts, read-only afterwards. */
static int ns_fd[NR_NS] = { -1, -1 };
static long long ns_off[NR_NS][NR_CLKS];
static int offsets_fd = -1;
static char offsets_buf[128];
static int offsets_len;
static int fork_every;
static const struct itimerval one_shot = {
	.it_value = { .tv_usec = SWITCH_PERIOD_US },
};

/* Shared between the main loop and the signal handler. */
static int cur_ns;		/* namespace the task is in */
static int gen;			/* bumped on every change of it */
static int in_child;		/* forked by the handler */
static int nr_signals, nr_switches, nr_setns_err, setns_errno;
static int nr_forks, nr_fork_err, nr_unshare_err;

/*
 * From the host namespace the child is born into a fresh namespace with
 * the offsets of A, so fork() switches its image; from A it stays in A.
 */
static void fork_in_handler(void)
{
	int child_ns = cur_ns;
	long pid;

	if (cur_ns == NS_HOST) {
		if (unshare(CLONE_NEWTIME) ||
		    write(offsets_fd, offsets_buf, offsets_len) != offsets_len) {
			nr_unshare_err++;
			return;
		}
		child_ns = NS_A;
	}
	/* Not the C library's fork(): no atfork handlers in a handler. */
	pid = syscall(SYS_fork);
	if (pid == 0) {
		shared_set(in_child, 1);
		shared_set(cur_ns, child_ns);
		shared_inc(gen);
		return;
	}
	if (pid < 0)
		nr_fork_err++;
	else
		nr_forks++;
}

static void on_alarm(int sig)
{
	int saved_errno = errno;
	int to = !cur_ns;

	nr_signals++;
	if (setns(ns_fd[to], CLONE_NEWTIME)) {
		nr_setns_err++;
		setns_errno = errno;
	} else {
		shared_set(cur_ns, to);
		shared_inc(gen);
		nr_switches++;
	}
	if (fork_every && !(nr_signals % fork_every))
		fork_in_handler();
	/* One shot, re-armed here: the main loop always gets to run. */
	if (!in_child)
		setitimer(ITIMER_REAL, &one_shot, NULL);
	errno = saved_errno;
}

/* Print from a signal handler or a child forked by one. */
static void say(const char *buf, int len)
{
	if (len > 0 && write(STDERR_FILENO, buf, len) != len)
		return;
}

/* Say where a fatal signal hit, then die from it. */
static void on_fatal(int sig, siginfo_t *si, void *ctx_void)
{
	ucontext_t *ctx = ctx_void;
	char buf[256];
	unsigned long ip;
	int len;

#ifdef __x86_64__
	ip = ctx->uc_mcontext.gregs[REG_RIP];
#else
	ip = ctx->uc_mcontext.gregs[REG_EIP];
#endif
	len = snprintf(buf, sizeof(buf),
		       "# %s: signal %d (%s) at ip %#lx (%s+%#lx), addr %p, in namespace %s after %d switches\n",
		       in_child ? "forked child" : "test process", sig,
		       strsignal(sig), ip,
		       vdso_inside(ip, 1) ? "vdso" : "not in vdso",
		       vdso_inside(ip, 1) ? ip - vdso.start : 0, si->si_addr,
		       cur_ns ? "A" : "host", nr_switches);
	say(buf, len < (int)sizeof(buf) ? len : (int)sizeof(buf) - 1);
	signal(sig, SIG_DFL);
	kill(syscall(SYS_getpid), sig);
}

/* One vDSO reading with the host times around it. */
struct sample {
	long long v;		/* vDSO value */
	long long before;	/* host time before, from the syscall */
	long long after;	/* host time after */
	int clk;		/* index in clks[] */
	int use64;		/* __vdso_clock_gettime64 */
	int ns_before, ns_after;
	int gen_before, gen_after;
};

/*
 * Read clks[@idx] with the system call in a known namespace and convert
 * it to host time.  Retry if a switch may have happened around the call.
 */
static int host_now(int idx, long long *t, int *ns, int *g)
{
	int i;

	for (i = 0; i < SAMPLE_RETRIES; i++) {
		*g = shared_get(gen);
		*ns = shared_get(cur_ns);
		*t = sys_clock_ns(clks[idx].id);
		if (*g != shared_get(gen))
			continue;
		if (*t < 0)
			return -1;
		*t -= ns_off[*ns][idx];
		return 0;
	}
	return -1;
}

static int take_sample(struct sample *s, int idx, int use64)
{
	s->clk = idx;
	s->use64 = use64;
	if (host_now(idx, &s->before, &s->ns_before, &s->gen_before))
		return -1;
	if (use64)
		s->v = vdso_clock64_ns(clks[idx].id);
	else
		s->v = vdso_clock_ns(clks[idx].id);
	if (host_now(idx, &s->after, &s->ns_after, &s->gen_after))
		return -1;
	return 0;
}

/* Which namespace's time is s->v?  -1 for neither. */
static int classify(const struct sample *s)
{
	int ns;

	if (s->v < 0)
		return -1;
	for (ns = 0; ns < NR_NS; ns++) {
		long long h = s->v - ns_off[ns][s->clk];

		if (h >= s->before - VDSO_SLACK_NS &&
		    h <= s->after + VDSO_SLACK_NS)
			return ns;
	}
	return -1;
}

static int format_sample(char *buf, size_t len, const char *who,
			 const struct sample *s)
{
	long long win = s->after - s->before;

	return snprintf(buf, len,
			"# %s: bad %s%s reading %lld: as host time it is %+lld ns, as A time %+lld ns from the window start (window %lld ns, syscalls in %s/%s, %d switches inside)\n",
			who, clks[s->clk].name, s->use64 ? " (64)" : "",
			s->v, s->v - s->before,
			s->v - ns_off[NS_A][s->clk] - s->before, win,
			s->ns_before ? "A" : "host",
			s->ns_after ? "A" : "host",
			s->gen_after - s->gen_before);
}

/*
 * A child forked by the handler: the sample in progress may have been
 * interrupted by the fork; check it and a few more, then exit.
 */
static void child_finish(const struct sample *first, int first_bad)
{
	int bad = first_bad, fails = 0, i, kind, want;
	struct sample s;
	char buf[512];

	if (first_bad) {
		say(buf, format_sample(buf, sizeof(buf), "forked child",
				       first));
	}
	for (i = 0; i < CHILD_SAMPLES; i++) {
		if (take_sample(&s, i % NR_CLKS, i & !!vdso.gettime64)) {
			fails++;
			continue;
		}
		if (classify(&s) < 0) {
			say(buf, format_sample(buf, sizeof(buf),
					       "forked child", &s));
			bad++;
		}
	}
	want = shared_get(cur_ns) == NS_HOST ? 0 : 1;
	kind = vdso_image_kind();
	if (kind != want) {
		say(buf, snprintf(buf, sizeof(buf),
				  "# forked child: vDSO image %d, expected %d\n",
				  kind, want));
	}
	_exit((bad ? 1 : 0) | (kind != want ? 2 : 0) | (fails ? 4 : 0));
}

FIXTURE(vdso_switch) {
	struct sample bad[MAX_BAD];
	long nr_samples, nr_bad, nr_sample_err, nr_straddled;
	long matched[NR_NS];
	long kind_checks[NR_NS], kind_bad, nr_reaped, child_fail;
	int first_child_status;
	char kind_desc[256];
};

FIXTURE_VARIANT(vdso_switch) {
	int fork_every;
};

FIXTURE_VARIANT_ADD(vdso_switch, setns) {
	.fork_every = 0,
};

/* Odd, so that it forks both from the host namespace and from A. */
FIXTURE_VARIANT_ADD(vdso_switch, setns_fork) {
	.fork_every = 7,
};

FIXTURE_SETUP(vdso_switch)
{
	struct sigaction sa;
	unsigned int i;
	struct timens_off off = {
		.mono_sec = 100000,
		.mono_nsec = 123456789,
		.boot_sec = 200000,
		.boot_nsec = 987654321,
	};
	char buf[256];

	memset(self, 0, sizeof(*self));
	/* The test SKIPs by itself, see timens_skip_unprivileged(). */
	if (timens_skip_reason(true))
		return;
	fork_every = variant->fork_every;
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("host image expected: %s",
		       vdso_kind_str(buf, sizeof(buf)));

	for (i = 0; i < NR_CLKS; i++) {
		ns_off[NS_HOST][i] = 0;
		ns_off[NS_A][i] = off_clock_ns(&off, clks[i].id);
	}
	offsets_len = snprintf(offsets_buf, sizeof(offsets_buf),
			       "%d %lld %ld\n%d %lld %ld\n",
			       CLOCK_MONOTONIC, off.mono_sec, off.mono_nsec,
			       CLOCK_BOOTTIME, off.boot_sec, off.boot_nsec);

	ns_fd[NS_HOST] = open(TIMENS_SELF, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns_fd[NS_HOST]) TH_LOG("%s: %m", TIMENS_SELF);
	offsets_fd = open(TIMENS_OFFSETS, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, offsets_fd) TH_LOG("%s: %m", TIMENS_OFFSETS);
	ASSERT_EQ(0, unshare(CLONE_NEWTIME)) TH_LOG("unshare: %m");
	ASSERT_EQ(offsets_len, write(offsets_fd, offsets_buf, offsets_len))
		TH_LOG("%s: %m", TIMENS_OFFSETS);
	ns_fd[NS_A] = open(TIMENS_CHILDREN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ns_fd[NS_A]) TH_LOG("%s: %m", TIMENS_CHILDREN);

	/* The switch works at all, outside of any signal handler. */
	ASSERT_EQ(0, setns(ns_fd[NS_A], CLONE_NEWTIME)) TH_LOG("%m");
	ASSERT_EQ(1, vdso_image_kind())
		TH_LOG("after setns to A: %s",
		       vdso_kind_str(buf, sizeof(buf)));
	ASSERT_EQ(0, setns(ns_fd[NS_HOST], CLONE_NEWTIME)) TH_LOG("%m");
	ASSERT_EQ(0, vdso_image_kind())
		TH_LOG("after setns back: %s",
		       vdso_kind_str(buf, sizeof(buf)));
	shared_set(cur_ns, NS_HOST);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGILL, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGTRAP, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGFPE, &sa, NULL));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
}

FIXTURE_TEARDOWN(vdso_switch)
{
	static const struct itimerval off;

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_IGN);
}

static void reap(struct _test_data_vdso_switch *self, int flags)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, flags)) > 0) {
		self->nr_reaped++;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		if (!self->child_fail++)
			self->first_child_status = status;
	}
}

/* Check the image matches the namespace, with the handler kept out. */
static void check_kind(struct _test_data_vdso_switch *self)
{
	sigset_t set, old;
	int kind, ns;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	ns = shared_get(cur_ns);
	kind = vdso_image_kind();
	if (kind == ns)
		self->kind_checks[ns]++;
	else if (!self->kind_bad++)
		vdso_kind_str(self->kind_desc, sizeof(self->kind_desc));
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void run(struct _test_data_vdso_switch *self)
{
	static const struct itimerval stop;
	long long start = -1, now;
	sigset_t set;
	struct sample s;
	int ns, g, bad;
	long n;

	host_now(0, &start, &ns, &g);
	setitimer(ITIMER_REAL, &one_shot, NULL);
	for (n = 0; n < MAX_SAMPLES; n++) {
		bad = 0;
		if (take_sample(&s, n % NR_CLKS,
				(n / NR_CLKS) & !!vdso.gettime64)) {
			self->nr_sample_err++;
		} else {
			ns = classify(&s);
			if (ns >= 0)
				self->matched[ns]++;
			else
				bad = 1;
			if (s.gen_before != s.gen_after)
				self->nr_straddled++;
		}
		if (shared_get(in_child))
			child_finish(&s, bad);
		if (bad && self->nr_bad++ < MAX_BAD)
			self->bad[self->nr_bad - 1] = s;

		if (!(n % 256))
			reap(self, WNOHANG);
		if (!(n % 4096))
			check_kind(self);
		if (!(n % 1024)) {
			if (host_now(0, &now, &ns, &g) || now - start > RUN_NS)
				break;
		}
	}
	self->nr_samples = n;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setitimer(ITIMER_REAL, &stop, NULL);
	/* Forked after the last check of the loop. */
	if (shared_get(in_child))
		child_finish(&s, 0);
}

TEST_F_TIMEOUT(vdso_switch, toggle, 60)
{
	char buf[512];
	long i;

	if (timens_skip_unprivileged(_metadata))
		return;
	run(self);
	reap(self, 0);

	snprintf(buf, sizeof(buf),
		 "%ld samples: %ld host, %ld A, %ld bad, %ld failed; %ld with a switch around the vDSO call",
		 self->nr_samples, self->matched[NS_HOST], self->matched[NS_A],
		 self->nr_bad, self->nr_sample_err, self->nr_straddled);
	TH_LOG("%s", buf);
	snprintf(buf, sizeof(buf),
		 "%d signals, %d switches, %d setns errors (%s), image checks %ld host / %ld A / %ld wrong",
		 nr_signals, nr_switches, nr_setns_err, strerror(setns_errno),
		 self->kind_checks[NS_HOST], self->kind_checks[NS_A],
		 self->kind_bad);
	TH_LOG("%s", buf);
	if (fork_every) {
		snprintf(buf, sizeof(buf),
			 "%d forks, %ld reaped, %ld failed (first status %#x), %d fork errors, %d unshare errors",
			 nr_forks, self->nr_reaped, self->child_fail,
			 self->first_child_status, nr_fork_err,
			 nr_unshare_err);
		TH_LOG("%s", buf);
	}
	for (i = 0; i < self->nr_bad && i < MAX_BAD; i++) {
		format_sample(buf, sizeof(buf), "test process", &self->bad[i]);
		fputs(buf, stderr);
	}

	/* Correctness. */
	EXPECT_EQ(0, self->nr_bad);
	EXPECT_EQ(0, self->kind_bad) TH_LOG("wrong image: %s",
					    self->kind_desc);
	EXPECT_EQ(0, self->child_fail);
	EXPECT_EQ(0, nr_setns_err);
	EXPECT_EQ(0, nr_fork_err);
	EXPECT_EQ(0, nr_unshare_err);
	EXPECT_EQ(0, self->nr_sample_err);
	EXPECT_EQ(nr_forks, self->nr_reaped);

	/* The run was meaningful. */
	EXPECT_LT(MIN_SWITCHES, nr_switches)
		TH_LOG("too few namespace switches");
	EXPECT_LT(MIN_MATCHED, self->matched[NS_HOST]);
	EXPECT_LT(MIN_MATCHED, self->matched[NS_A]);
	EXPECT_LT(MIN_STRADDLED, self->nr_straddled)
		TH_LOG("too few switches while in the vDSO");
	EXPECT_LT(0, self->kind_checks[NS_HOST]);
	EXPECT_LT(0, self->kind_checks[NS_A]);
	if (fork_every)
		EXPECT_LT(MIN_FORKS, nr_forks);

	/* And we can still go home. */
	ASSERT_EQ(0, setns(ns_fd[NS_HOST], CLONE_NEWTIME));
	EXPECT_EQ(0, vdso_image_kind());
	EXPECT_TRUE(vdso_map_unchanged());
}

TEST_HARNESS_MAIN
