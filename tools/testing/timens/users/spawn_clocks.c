// SPDX-License-Identifier: GPL-2.0
/*
 * posix_spawn() from inside a time namespace, the way a container's init
 * or shell starts its programs (glibc spawns with CLONE_VM | CLONE_VFORK):
 * the child must run in the same time namespace and read the same clock.
 *
 *	spawn_clocks		spawn a copy of ourselves and compare
 *	spawn_clocks --child	print "<time ns inode> <CLOCK_MONOTONIC ns>"
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned long time_ns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/time", &st)) {
		perror("/proc/self/ns/time");
		exit(1);
	}
	return st.st_ino;
}

int main(int argc, char **argv)
{
	static char * const child_argv[] = { "spawn_clocks", "--child", NULL };
	posix_spawn_file_actions_t actions;
	unsigned long child_ns;
	long long before, after, child_mono;
	int pipefd[2], status, err;
	FILE *f;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "--child")) {
		printf("%lu %lld\n", time_ns(), monotonic());
		return 0;
	}
	if (pipe(pipefd)) {
		perror("pipe");
		return 1;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&actions, pipefd[0]);
	before = monotonic();
	err = posix_spawn(&pid, "/proc/self/exe", &actions, NULL, child_argv,
			  environ);
	if (err) {
		fprintf(stderr, "posix_spawn: %s\n", strerror(err));
		return 1;
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f || fscanf(f, "%lu %lld", &child_ns, &child_mono) != 2) {
		fprintf(stderr, "no reading from the spawned child\n");
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "the spawned child failed (status %#x)\n", status);
		return 1;
	}
	after = monotonic();
	printf("parent ns %lu, child ns %lu; monotonic %lld <= %lld <= %lld\n",
	       time_ns(), child_ns, before, child_mono, after);
	if (child_ns != time_ns()) {
		fprintf(stderr, "the spawned child is in another time namespace\n");
		return 1;
	}
	if (child_mono < before || child_mono > after) {
		fprintf(stderr, "the spawned child reads another clock\n");
		return 1;
	}
	return 0;
}
