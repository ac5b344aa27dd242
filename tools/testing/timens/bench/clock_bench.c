// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of "make bench". Each mode prints result lines
 *
 *	bench <what> <value> [<value>...]
 *
 * for tools/testing/timens/bench.py to collect. It runs wherever it is
 * started: bench.py starts it on the host and, through
 * "unshare --time --monotonic ... --fork", inside a time namespace.
 *
 *	hot MS			clock_gettime() calls per second, each clock,
 *				for MS milliseconds each
 *	cold CLOCK RUNS		TSC ticks around one call in a fresh process
 *				(fork + exec of "once"), mode and median
 *	once CLOCK		one call between two rdtsc, for "cold"
 *	fork N			fork() + _exit() + waitpid(), ns each
 *	unshare-fork N		unshare(CLONE_NEWTIME) then fork() as above
 *	setns N			setns() into a time namespace and back
 *	scale N			create N time namespaces held by descriptors:
 *				rate, memory, and what is left once freed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "stats.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

static const struct {
	const char *name;
	clockid_t id;
} clocks[] = {
	{ "MONOTONIC", CLOCK_MONOTONIC },
	{ "MONOTONIC_RAW", CLOCK_MONOTONIC_RAW },
	{ "MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE },
	{ "BOOTTIME", CLOCK_BOOTTIME },
	{ "REALTIME", CLOCK_REALTIME },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void die(const char *what)
{
	fprintf(stderr, "clock_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static clockid_t clock_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(clocks); i++)
		if (!strcmp(clocks[i].name, name))
			return clocks[i].id;
	fprintf(stderr, "clock_bench: unknown clock %s\n", name);
	exit(2);
}

/* Elapsed time is taken from the raw clock: no slewing. */
static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void bench_hot(long ms)
{
	struct timespec ts;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(clocks); i++) {
		long long start = now_ns(), end, calls = 0;
		int k;

		do {
			for (k = 0; k < 1000; k++)
				clock_gettime(clocks[i].id, &ts);
			calls += 1000;
			end = now_ns();
		} while (end - start < ms * 1000000LL);
		printf("bench hot %s %.0f\n", clocks[i].name,
		       calls * 1e9 / (end - start));
	}
}

static void once(clockid_t clock)
{
	struct timespec ts;
	unsigned long long t0, t1;

	_mm_lfence();
	t0 = __rdtsc();
	_mm_lfence();
	clock_gettime(clock, &ts);
	_mm_lfence();
	t1 = __rdtsc();
	printf("%llu\n", t1 - t0);
}

static void bench_cold(const char *clock, int runs)
{
	unsigned long long *v = calloc(runs, sizeof(*v)), mode;
	int i, n;

	if (!v)
		die("calloc");
	for (i = 0; i < runs; i++) {
		int fd[2], status;
		char buf[32];
		pid_t pid;

		if (pipe(fd))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			dup2(fd[1], STDOUT_FILENO);
			execl("/proc/self/exe", "clock_bench", "once", clock,
			      (char *)NULL);
			_exit(127);
		}
		close(fd[1]);
		n = read(fd[0], buf, sizeof(buf) - 1);
		close(fd[0]);
		if (waitpid(pid, &status, 0) != pid || status || n <= 0) {
			fprintf(stderr, "clock_bench: once %s failed (status %#x)\n",
				clock, status);
			exit(1);
		}
		buf[n] = 0;
		v[i] = strtoull(buf, NULL, 10);
	}
	mode = mode_of(v, runs);
	printf("bench cold %s %llu %llu\n", clock, mode, v[runs / 2]);
	free(v);
}

static void fork_exit(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(0);
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid");
}

static void forks(const char *what, int n, int new_ns)
{
	long long start = now_ns();
	int i;

	for (i = 0; i < n; i++) {
		if (new_ns && unshare(CLONE_NEWTIME))
			die("unshare(CLONE_NEWTIME)");
		fork_exit();
	}
	printf("bench %s %.0f\n", what, (now_ns() - start) / (double)n);
}

static void setns_loop(int n)
{
	int host = open("/proc/self/ns/time", O_RDONLY), ns, i;
	long long start;

	if (host < 0)
		die("/proc/self/ns/time");
	if (unshare(CLONE_NEWTIME))
		die("unshare(CLONE_NEWTIME)");
	ns = open("/proc/self/ns/time_for_children", O_RDONLY);
	if (ns < 0)
		die("/proc/self/ns/time_for_children");
	start = now_ns();
	for (i = 0; i < n; i++) {
		if (setns(ns, CLONE_NEWTIME) || setns(host, CLONE_NEWTIME))
			die("setns");
	}
	printf("bench setns %.0f\n", (now_ns() - start) / (double)n);
}

/* MemFree and Slab from /proc/meminfo, in bytes. */
static void read_meminfo(long long *memfree, long long *slab)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long kb;

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			*memfree = kb * 1024;
		else if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			*slab = kb * 1024;
	}
	fclose(f);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/*
 * Let RCU and deferred frees finish, drop the caches and have every
 * slab cache give back its empty slabs: memory comes back settled.
 */
static void settle(void)
{
	glob_t caches;
	size_t i;

	sync();
	sleep(2);
	write_file("/proc/sys/vm/drop_caches", "3");
	if (!glob("/sys/kernel/slab/*/shrink", 0, NULL, &caches)) {
		for (i = 0; i < caches.gl_pathc; i++)
			write_file(caches.gl_pathv[i], "1");
		globfree(&caches);
	}
	sleep(1);
}

static void bench_scale(int n)
{
	struct rlimit rl = { n + 64, n + 64 };
	long long free0, slab0, free1, slab1, free2, slab2, start, end;
	char limit[32];
	int *fds = calloc(n, sizeof(*fds)), host, i;

	if (!fds)
		die("calloc");
	/* Touch what the loop will use, so it is not counted as its cost. */
	memset(fds, 0, n * sizeof(*fds));
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
	if (dup2(0, n + 63) < 0)
		die("dup2");
	close(n + 63);
	host = open("/proc/self/ns/time", O_RDONLY);
	if (host < 0)
		die("/proc/self/ns/time");
	/* The default limit scales with memory; the test wants N. */
	snprintf(limit, sizeof(limit), "%d", n + 16);
	write_file("/proc/sys/user/max_time_namespaces", limit);
	settle();
	read_meminfo(&free0, &slab0);
	start = now_ns();
	for (i = 0; i < n; i++) {
		if (unshare(CLONE_NEWTIME))
			die("unshare(CLONE_NEWTIME)");
		fds[i] = open("/proc/self/ns/time_for_children", O_RDONLY);
		if (fds[i] < 0)
			die("/proc/self/ns/time_for_children");
	}
	end = now_ns();
	settle();
	read_meminfo(&free1, &slab1);
	/* The last namespace is also our time_for_children: let it go. */
	if (setns(host, CLONE_NEWTIME))
		die("setns");
	for (i = 0; i < n; i++)
		close(fds[i]);
	settle();
	read_meminfo(&free2, &slab2);
	printf("bench scale-rate %.0f\n", n * 1e9 / (end - start));
	printf("bench scale-memory %lld\n", (free0 - free1) / n);
	printf("bench scale-slab %lld\n", (slab1 - slab0) / n);
	printf("bench scale-left-memory %lld\n", free0 - free2);
	printf("bench scale-left-slab %lld\n", slab2 - slab0);
	free(fds);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "hot") && argc == 3) {
		bench_hot(atol(argv[2]));
	} else if (!strcmp(mode, "once") && argc == 3) {
		once(clock_named(argv[2]));
	} else if (!strcmp(mode, "cold") && argc == 4) {
		bench_cold(argv[2], atoi(argv[3]));
	} else if (!strcmp(mode, "fork") && argc == 3) {
		forks("fork", atoi(argv[2]), 0);
	} else if (!strcmp(mode, "unshare-fork") && argc == 3) {
		forks("unshare-fork", atoi(argv[2]), 1);
	} else if (!strcmp(mode, "setns") && argc == 3) {
		setns_loop(atoi(argv[2]));
	} else if (!strcmp(mode, "scale") && argc == 3) {
		bench_scale(atoi(argv[2]));
	} else {
		fprintf(stderr, "usage: clock_bench hot MS | cold CLOCK RUNS | once CLOCK |\n"
			"       fork N | unshare-fork N | setns N | scale N\n");
		return 2;
	}
	return 0;
}
