/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TIMENS_OFFSETS_H
#define _LINUX_TIMENS_OFFSETS_H

#include <linux/types.h>

/*
 * The clock offsets of one time namespace as the vDSO reads them. Each
 * namespace has a page of its own holding this structure; it is mapped
 * into the VVAR area of every task in the namespace. The offsets are
 * indexed by clock id so that the vDSO can add them without a branch on
 * the clock: the clocks a namespace does not shift (REALTIME, TAI, ...)
 * keep a zero offset. The page is written once, when the first task
 * enters the namespace, and never changes after that.
 */
#define TIMENS_NR_CLOCKS	16

struct timens_clock_offset {
	s64	sec;
	u64	nsec;
};

struct timens_offsets {
	/* Non-zero for every namespace but the initial one. */
	u32				in_namespace;
	u32				__unused;
	struct timens_clock_offset	clock[TIMENS_NR_CLOCKS];
};

#endif /* _LINUX_TIMENS_OFFSETS_H */
