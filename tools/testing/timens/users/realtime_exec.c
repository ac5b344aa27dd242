// SPDX-License-Identifier: GPL-2.0
/*
 * realtime_exec SEC COMMAND [ARG...]: run COMMAND in a new time namespace
 * whose wall clock is the host's plus SEC seconds. This is the step
 * util-linux's unshare has no option for (it has --monotonic and
 * --boottime): unshare(CLONE_NEWTIME), write the "realtime" line to
 * /proc/self/timens_offsets while no task is inside, and exec, which
 * moves the caller in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

int main(int argc, char **argv)
{
	char line[64];
	int fd, len;

	if (argc < 3) {
		fprintf(stderr, "usage: realtime_exec SEC COMMAND [ARG...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWTIME)) {
		fprintf(stderr, "realtime_exec: unshare(CLONE_NEWTIME): %s\n",
			strerror(errno));
		return 1;
	}
	len = snprintf(line, sizeof(line), "realtime %s 0\n", argv[1]);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, len) != len) {
		fprintf(stderr, "realtime_exec: timens_offsets: realtime %s 0: %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "realtime_exec: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
