/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TIMENS_OFFSETS_H
#define _LINUX_TIMENS_OFFSETS_H

#include <linux/time64.h>

/*
 * The offsets of a time namespace: what its tasks see of CLOCK_MONOTONIC
 * (and _RAW, _COARSE) and of CLOCK_BOOTTIME (and _ALARM) is the host's
 * reading plus these, and with CONFIG_TIME_NS_REALTIME the same of
 * CLOCK_REALTIME (and _COARSE, _ALARM) and CLOCK_TAI. They are
 * normalised (0 <= tv_nsec < NSEC_PER_SEC).
 */
struct timens_offsets {
	struct timespec64	monotonic;
	struct timespec64	boottime;
	struct timespec64	realtime;	/* zero without TIME_NS_REALTIME */
};

/*
 * The same offsets as the vDSO reads them, on a page of the namespace's
 * own mapped into the VVAR area. Each fits in 16 aligned bytes, to be
 * read in one instruction. Written when the first task enters, never
 * changed after.
 */
struct timens_vdso_offset {
	s64	sec;
	u64	nsec;
} __aligned(16);

/*
 * The same for the ia32 vDSO's struct old_timespec32: seconds (modulo
 * 2^32, as the struct keeps them) and nanoseconds next to each other, so
 * that one PADDD adds both; 16 bytes, as the slots of data[] are.
 */
struct timens_vdso_offset32 {
	u32	sec;
	u32	nsec;
	u32	unused[2];
} __aligned(16);

#define TIMENS_VDSO_DATA_SLOTS	32

/*
 * data[] is laid out as the VVAR page's array of struct vdso_data, so
 * the vDSO finds the offset of a clock at a fixed distance from where it
 * read the clock: that of clock c read through vdso_data[b] in the slot
 * at b * sizeof(struct vdso_data) + 16 * c. Each base has every clock's
 * offset (those a namespace does not shift stay zero).
 *
 * data32[] has the same offsets packed for the ia32 struct
 * old_timespec32, in the same slots: at a fixed distance from the
 * clock's struct vdso_timestamp too, which is all the ia32 helper needs
 * in a register, where the clock itself is not in one.
 */
struct timens_vdso_offsets {
	struct timens_vdso_offset	data[TIMENS_VDSO_DATA_SLOTS];
	struct timens_vdso_offset32	data32[TIMENS_VDSO_DATA_SLOTS];
};

#endif /* _LINUX_TIMENS_OFFSETS_H */
