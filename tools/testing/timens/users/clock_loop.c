// SPDX-License-Identifier: GPL-2.0
/*
 * A process for CRIU to checkpoint: it writes its pid to argv[1], then
 * prints CLOCK_MONOTONIC and CLOCK_BOOTTIME, in nanoseconds, every 20 ms:
 *
 *	<sequence> <monotonic> <boottime>
 *
 * It leads a session of its own, so that CRIU can dump it alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts)) {
		perror("clock_gettime");
		exit(1);
	}
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned long long seq;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PIDFILE\n", argv[0]);
		return 2;
	}
	setsid();
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	for (seq = 0;; seq++) {
		long long mono = now(CLOCK_MONOTONIC);
		long long boot = now(CLOCK_BOOTTIME);

		/* One write a line: a dump never sees half of one. */
		dprintf(STDOUT_FILENO, "%llu %lld %lld\n", seq, mono, boot);
		nanosleep(&tick, NULL);
	}
}
