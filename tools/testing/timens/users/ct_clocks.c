// SPDX-License-Identifier: GPL-2.0
/*
 * What a container sees of time, for the runtime tests: built static,
 * so that it runs in a rootfs that holds nothing else but busybox.
 * Prints, one per line:
 *
 *	ns <inode of /proc/self/ns/time>
 *	monotonic <vDSO ns> <system call ns>
 *	boottime <vDSO ns> <system call ns>
 *	uptime <whole seconds of /proc/uptime>
 *	vdso <FNV-1a hash of the bytes of [vdso]> (no line without one)
 *	offsets <the lines of /proc/self/timens_offsets, joined>
 *
 * Equal [vdso] hashes in two processes mean the same image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long vdso_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long syscall_ns(clockid_t clock)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, clock, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 0 if there is no [vdso] to hash. */
static unsigned long long vdso_hash(void)
{
	unsigned long long h = 14695981039346656037ULL;
	unsigned long start = 0, end = 0, a, b;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			start = a;
			end = b;
		}
	fclose(f);
	if (start == end)
		return 0;
	for (a = start; a < end; a++) {
		h ^= *(const unsigned char *)a;
		h *= 1099511628211ULL;
	}
	return h;
}

int main(void)
{
	char line[128], offsets[256] = "";
	struct stat st;
	double up = -1;
	FILE *f;

	if (stat("/proc/self/ns/time", &st))
		st.st_ino = 0;
	printf("ns %lu\n", (unsigned long)st.st_ino);
	printf("monotonic %lld %lld\n", vdso_ns(CLOCK_MONOTONIC),
	       syscall_ns(CLOCK_MONOTONIC));
	printf("boottime %lld %lld\n", vdso_ns(CLOCK_BOOTTIME),
	       syscall_ns(CLOCK_BOOTTIME));
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = -1;
		fclose(f);
	}
	printf("uptime %lld\n", (long long)up);
	if (vdso_hash())
		printf("vdso %016llx\n", vdso_hash());
	f = fopen("/proc/self/timens_offsets", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = ' ';
			strncat(offsets, line, sizeof(offsets) - strlen(offsets) - 1);
		}
		fclose(f);
	}
	printf("offsets %s\n", offsets);
	return 0;
}
