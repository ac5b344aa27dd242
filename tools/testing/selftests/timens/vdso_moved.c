// SPDX-License-Identifier: GPL-2.0
/*
 * [vvar] and [vdso] can be moved with mremap(): CRIU does it on restore,
 * to put them where the dumped task had them.  A switch of time
 * namespace must still find them both: the new image goes into the moved
 * [vdso], and the moved [vvar] must fault in the new namespace's offsets
 * page, not keep the old one.
 *
 * moved_together: both move by the same distance, as CRIU moves them.
 * After setns() into a namespace with offsets, the moved vDSO agrees
 * with the system call.
 *
 * vvar_moved_alone: only [vvar] moves, so it is no longer where the
 * kernel expects it below [vdso].  Its offsets page, read before setns()
 * (the initial namespace's zeros), must hold the namespace's offsets
 * after it.
 *
 * Once [vvar] is away from where the vDSO expects it, libc's
 * clock_gettime() would fault: nothing below calls it after the move.
 * The harness runs each test in a process of its own.
 *
 * 64-bit only.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "vdso_util.h"
#include "../kselftest_harness.h"

/* VVAR page, pvclock page, hvclock page, time namespace offsets page. */
#define VVAR_OFFSETS_PAGE	3
/* The offsets page starts with 32 slots of { s64 sec; u64 nsec; }. */
#define OFFSET_SLOTS		32

static const struct timens_off off = {
	.mono_sec = SEC_PER_DAY,
	.boot_sec = 2 * SEC_PER_DAY,
};

/* Make a namespace with @off for our children, but do not enter it. */
static void make_ns(struct __test_metadata *_metadata)
{
	int ret = timens_unshare(&off);

	ASSERT_EQ(0, ret) TH_LOG("unshare and offsets: %s", strerror(-ret));
}

/* Free room for @len bytes, reserved so that nothing else lands there. */
static unsigned long reserve(unsigned long len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? 0 : (unsigned long)p;
}

static int move(unsigned long from, unsigned long len, unsigned long to)
{
	void *p = mremap((void *)from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			 (void *)to);

	return p == (void *)to ? 0 : -1;
}

/* Which slots of the offsets page at @page hold @sec seconds. */
static int slots_with(unsigned long page, long long sec)
{
	const long long *slot = (const long long *)page;
	int i, n = 0;

	for (i = 0; i < OFFSET_SLOTS; i++)
		n += slot[2 * i] == sec;
	return n;
}

static int slots_nonzero(unsigned long page)
{
	const long long *slot = (const long long *)page;
	int i, n = 0;

	for (i = 0; i < OFFSET_SLOTS; i++)
		n += slot[2 * i] || slot[2 * i + 1];
	return n;
}

/* The vDSO at @gettime agrees with the system call for MONOTONIC. */
static void check_agrees(struct __test_metadata *_metadata, const char *when,
			 typeof(vdso.gettime) gettime)
{
	struct timespec ts;
	long long sys0, sys1, v;

	sys0 = sys_clock_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, gettime(CLOCK_MONOTONIC, &ts));
	sys1 = sys_clock_ns(CLOCK_MONOTONIC);
	v = ts_ns(&ts);
	EXPECT_TRUE(v >= sys0 - TIMENS_SLACK_NS && v <= sys1 + TIMENS_SLACK_NS)
		TH_LOG("%s: moved vDSO %lld, system call %lld..%lld: %lld s apart",
		       when, v, sys0, sys1, (v - sys0) / NSEC_PER_SEC);
}

TEST(moved_together)
{
	unsigned long vvar, vvar_end, text, text_end, to, delta;
	typeof(vdso.gettime) gettime;

	if (timens_skip_unprivileged(_metadata))
		return;
	make_ns(_metadata);
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	ASSERT_EQ(0, maps_range("[vvar]", &vvar, &vvar_end));
	ASSERT_EQ(0, maps_range("[vdso]", &text, &text_end));
	ASSERT_EQ(vvar_end, text) TH_LOG("[vvar] is not right below [vdso]");

	to = reserve(text_end - vvar);
	ASSERT_NE(0, to) TH_LOG("mmap: %m");
	ASSERT_EQ(0, move(vvar, vvar_end - vvar, to))
		TH_LOG("mremap of [vvar]: %m");
	ASSERT_EQ(0, move(text, text_end - text, to + (text - vvar)))
		TH_LOG("mremap of [vdso]: %m");
	delta = to - vvar;
	gettime = (void *)((unsigned long)vdso.gettime + delta);

	check_agrees(_metadata, "moved, in the initial namespace", gettime);
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	check_agrees(_metadata, "moved, then setns() into the namespace",
		     gettime);
}

TEST(vvar_moved_alone)
{
	unsigned long vvar, vvar_end, to, page = sysconf(_SC_PAGESIZE);
	unsigned long offsets;
	int n;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (vdso_single_image())
		SKIP(return,
		     "TIMENS_VDSO_SINGLE_IMAGE=1: the reference kernel has no offsets page");
	make_ns(_metadata);
	ASSERT_EQ(0, maps_range("[vvar]", &vvar, &vvar_end));
	ASSERT_LT(VVAR_OFFSETS_PAGE * page, vvar_end - vvar)
		TH_LOG("[vvar] has no time namespace offsets page");

	to = reserve(vvar_end - vvar);
	ASSERT_NE(0, to) TH_LOG("mmap: %m");
	ASSERT_EQ(0, move(vvar, vvar_end - vvar, to))
		TH_LOG("mremap of [vvar]: %m");
	offsets = to + VVAR_OFFSETS_PAGE * page;

	/* Fault in the initial namespace's page, which must not stay. */
	n = slots_nonzero(offsets);
	ASSERT_EQ(0, n) TH_LOG("%d offset slots set in the initial namespace", n);
	ASSERT_EQ(0, timens_setns_path(TIMENS_CHILDREN));
	n = slots_with(offsets, off.mono_sec);
	EXPECT_LT(0, n)
		TH_LOG("moved [vvar]: no %lld s offset after setns(), %d slots set: old page kept",
		       off.mono_sec, slots_nonzero(offsets));
	n = slots_with(offsets, off.boot_sec);
	EXPECT_LT(0, n)
		TH_LOG("after setns() the moved [vvar] shows no offset of %lld s",
		       off.boot_sec);
}

TEST_HARNESS_MAIN
