// SPDX-License-Identifier: GPL-2.0
/*
 * exec() of a task that unshared its time namespace allocates a new
 * nsproxy after the point of no return, with exec_update_lock held for
 * write.  A failure there must still drop the lock: a task that dies with
 * it held blocks everything that calls mm_access() on it, such as a read
 * of its /proc/PID/environ or maps, forever.
 *
 * Make each slab allocation of such an exec() fail in turn with
 * /proc/thread-self/fail-nth, and read the dead task's environ and maps
 * before reaping it.  The exec'ed program is this one with MARKER_ARG,
 * which exits with MARKER_EXIT.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "timens_util.h"
#include "../kselftest_harness.h"

#define MARKER_ARG	"--exec-fault-marker"
#define MARKER_EXIT	42
/* The child's name until exec() gives it the new one, "exe". */
#define CHILD_COMM	"timens-ef"
/* Exit codes of the child that did not get to execve(). */
#define CHILD_NO_SETUP	125
#define CHILD_NO_UNSHARE 126
/* An execve() that returned exits with this plus its errno (below 64). */
#define CHILD_EXEC_ERR	64

#define NTH_MAX		400
/* Stop after this many exec()s in a row got through the kernel. */
#define NTH_DONE	10
/* Seconds after which a child or a read of its files counts as hung. */
#define HANG_SEC	5

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug"
#define FAILSLAB	DEBUGFS "/failslab"
#define FAILSLAB_GFP	FAILSLAB "/ignore-gfp-wait"
#define FAILSLAB_VERBOSE FAILSLAB "/verbose"

#define LEAKED		"the dead task still holds exec_update_lock: exec's error path leaked it"

/* The new program: stop the fault injection and say it ran. */
static int marker_main(void)
{
	write_file(FAIL_NTH, "0");
	return MARKER_EXIT;
}

/* The child: fail the @nth slab allocation from the execve() on. */
static void exec_child(int nth)
{
	char *const argv[] = { "/proc/self/exe", MARKER_ARG, NULL };
	struct rlimit no_core = { 0, 0 };
	char buf[16];
	int fd, len;

	/* Keep the new program's loader quiet when its allocations fail. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 ||
	    dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(CHILD_NO_SETUP);
	/* It is killed by SIGSEGV after the point of no return. */
	if (setrlimit(RLIMIT_CORE, &no_core))
		_exit(CHILD_NO_SETUP);
	if (unshare(CLONE_NEWTIME))
		_exit(CHILD_NO_UNSHARE);
	if (prctl(PR_SET_NAME, CHILD_COMM, 0, 0, 0))
		_exit(CHILD_NO_SETUP);
	len = snprintf(buf, sizeof(buf), "%d", nth);
	fd = open(FAIL_NTH, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != len)
		_exit(CHILD_NO_SETUP);
	/* No allocation may happen between the write and the execve(). */
	execv(argv[0], argv);
	_exit(CHILD_EXEC_ERR + (errno < 64 ? errno : 63));
}

/* Sleep for a few milliseconds; 0 once @deadline (ns) has passed. */
static int poll_wait(long long deadline)
{
	if (sys_clock_ns(CLOCK_MONOTONIC) > deadline)
		return 0;
	usleep(2000);
	return 1;
}

/* Wait until @pid has exited, but leave it unreaped; 0 or -1 on timeout. */
static int wait_zombie(pid_t pid, siginfo_t *info)
{
	long long deadline = sys_clock_ns(CLOCK_MONOTONIC) +
			     HANG_SEC * NSEC_PER_SEC;

	do {
		memset(info, 0, sizeof(*info));
		if (waitid(P_PID, pid, info, WEXITED | WNOWAIT | WNOHANG))
			return -1;
		if (info->si_pid == pid)
			return 0;
	} while (poll_wait(deadline));
	return -1;
}

/* The files of a dead task that take its exec_update_lock to read. */
static const char * const mm_files[] = { "environ", "maps" };

/*
 * Read /proc/@pid/@name from a helper that the alarm kills if the read
 * blocks.  Returns 0 if it finished, 1 if it hung, -1 on other errors.
 */
static int read_hangs(pid_t pid, const char *name)
{
	char path[64], buf[4096];
	int fd, status;
	pid_t helper;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	helper = fork();
	if (helper < 0)
		return -1;
	if (helper == 0) {
		/* A fatal signal also ends a killable wait for a lock. */
		signal(SIGALRM, SIG_DFL);
		alarm(HANG_SEC);
		/* mm_access() is in the open() for both files. */
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(0);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	if (waitpid(helper, &status, 0) != helper)
		return -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Whether the dead @pid still has the name it had before the exec(). */
static int has_old_comm(pid_t pid)
{
	char path[64], comm[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_file(path, comm, sizeof(comm)) <= 0)
		return -1;
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, CHILD_COMM);
}

/* Open /dev/kmsg at its end, to see only what the test makes printed. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Log the kernel's complaints since kmsg_open(); returns their number. */
static int kmsg_complaints(struct __test_metadata *_metadata, int fd)
{
	static const char * const bad[] = {
		"BUG:", "WARNING:", "lock held", "Oops", "INFO: task",
		"general protection fault",
	};
	char rec[8192], *msg;
	unsigned int i;
	int found = 0;
	ssize_t len;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (strstr(msg, bad[i])) {
				TH_LOG("kernel: %s", msg);
				found++;
				break;
			}
		}
	}
	return found;
}

/* What became of the exec() of one nth. */
enum outcome {
	EXEC_ERR,	/* execve() returned an error */
	DIED_EARLY,	/* killed before exec() gave the new name */
	DIED_LATE,	/* killed after it */
	RAN,		/* the new program ran */
	NO_START,	/* exited otherwise after exec(): its loader failed */
	OTHER,		/* an exit code the child does not use */
	NR_OUTCOMES,
};

/* From the child's exit as waitid() saw it, and its name then. */
static enum outcome classify(const siginfo_t *info, int old_comm)
{
	if (info->si_code != CLD_EXITED)
		return old_comm ? DIED_EARLY : DIED_LATE;
	if (!old_comm)
		return info->si_status == MARKER_EXIT ? RAN : NO_START;
	if (info->si_status >= CHILD_EXEC_ERR &&
	    info->si_status < CHILD_NO_SETUP)
		return EXEC_ERR;
	return OTHER;
}

FIXTURE(exec_fault) {
	char old_gfp[8], old_verbose[8];
	int mounted, kmsg;
};

FIXTURE_SETUP(exec_fault)
{
	self->kmsg = -1;
}

FIXTURE_TEARDOWN(exec_fault)
{
	if (self->old_verbose[0])
		write_file(FAILSLAB_VERBOSE, self->old_verbose);
	if (self->old_gfp[0])
		write_file(FAILSLAB_GFP, self->old_gfp);
	if (self->mounted)
		umount(DEBUGFS);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* Save @path's value into @old (for the teardown) and write @val. */
static int failslab_set(const char *path, char *old, size_t size,
			const char *val)
{
	int ret = read_file(path, old, size);

	if (ret <= 0) {
		old[0] = '\0';
		return ret ? ret : -EIO;
	}
	old[strcspn(old, "\n")] = '\0';
	return write_file(path, val);
}

TEST_F_TIMEOUT(exec_fault, exec_update_lock_released, 300)
{
	int n[NR_OUTCOMES] = { 0 };
	int nth, ret, in_a_row = 0;
	unsigned int f;
	enum outcome o;
	siginfo_t info;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (access(FAIL_NTH, F_OK))
		SKIP(return, "CONFIG_FAULT_INJECTION is off: no %s", FAIL_NTH);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unshare(CLONE_NEWTIME) ? errno : 0);
	ret = wait_child(pid);
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWTIME): %s", strerror(ret));

	if (access(FAILSLAB, F_OK) &&
	    !mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
		self->mounted = 1;
	if (access(FAILSLAB, F_OK))
		SKIP(return, "no %s: CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS is off",
		     FAILSLAB);
	/* By default failslab only fails allocations that cannot sleep. */
	ret = failslab_set(FAILSLAB_GFP, self->old_gfp,
			   sizeof(self->old_gfp), "N");
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", FAILSLAB_GFP, strerror(-ret));
	ret = failslab_set(FAILSLAB_VERBOSE, self->old_verbose,
			   sizeof(self->old_verbose), "0");
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", FAILSLAB_VERBOSE, strerror(-ret));

	self->kmsg = kmsg_open();
	if (self->kmsg < 0)
		TH_LOG("no /dev/kmsg (%m): the kernel log is not checked");

	for (nth = 1; nth <= NTH_MAX && in_a_row < NTH_DONE; nth++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			exec_child(nth);

		ASSERT_EQ(0, wait_zombie(pid, &info)) {
			TH_LOG("nth=%d: the child did not exit in %ds", nth,
			       HANG_SEC);
			kill(pid, SIGKILL);
		}
		/* The dead child is still there, with its signal struct. */
		for (f = 0; f < ARRAY_SIZE(mm_files); f++) {
			ret = read_hangs(pid, mm_files[f]);
			ASSERT_EQ(0, ret) {
				TH_LOG("nth=%d: %s /proc/%d/%s", nth,
				       ret > 0 ? "hung reading" : "could not read",
				       pid, mm_files[f]);
				if (ret > 0)
					TH_LOG(LEAKED);
			}
		}
		ret = has_old_comm(pid);
		ASSERT_LE(0, ret) TH_LOG("nth=%d: no /proc/%d/comm", nth, pid);
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));

		if (info.si_code == CLD_EXITED) {
			ASSERT_NE(CHILD_NO_UNSHARE, info.si_status) {
				TH_LOG("nth=%d: unshare(CLONE_NEWTIME) failed",
				       nth);
			}
			ASSERT_NE(CHILD_NO_SETUP, info.si_status) {
				TH_LOG("nth=%d: could not set up fail-nth",
				       nth);
			}
		}
		o = classify(&info, ret);
		n[o]++;
		if (o == OTHER)
			TH_LOG("nth=%d: exited with %d before exec's new name",
			       nth, info.si_status);
		/* Whether exec() got through: failures now hit the loader. */
		in_a_row = o == RAN || o == NO_START ? in_a_row + 1 : 0;
	}

	TH_LOG("nth 1..%d: %d execve() errors, %d deaths before exec's new name",
	       nth - 1, n[EXEC_ERR], n[DIED_EARLY]);
	TH_LOG("%d deaths after it, %d new programs ran, %d did not start, %d other exits",
	       n[DIED_LATE], n[RAN], n[NO_START], n[OTHER]);
	if (self->kmsg >= 0)
		EXPECT_EQ(0, kmsg_complaints(_metadata, self->kmsg));
	EXPECT_LT(0, n[EXEC_ERR]) TH_LOG("no execve() returned an error");
	/*
	 * Our exec allocates the nsproxy after the point of no return and
	 * before the new name: failing it must have killed a child there.
	 * (Where that allocation happens elsewhere, as on the reference
	 * kernel, TIMENS_EXEC_FAULT_ANYWHERE=1 asks for no hang only.)
	 */
	if (!getenv("TIMENS_EXEC_FAULT_ANYWHERE"))
		EXPECT_LT(0, n[DIED_EARLY]) {
			TH_LOG("no exec() died after the point of no return");
			TH_LOG("the time namespace switch was not reached");
		}
	EXPECT_EQ(NTH_DONE, in_a_row) {
		TH_LOG("exec() did not get through %d times in a row by nth=%d",
		       NTH_DONE, NTH_MAX);
	}
	EXPECT_LT(0, n[RAN]) TH_LOG("the new program never ran");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], MARKER_ARG))
		return marker_main();
	return test_harness_run(argc, argv);
}
