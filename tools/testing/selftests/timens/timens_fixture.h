/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the tests that run inside one time namespace, once with
 * positive offsets and once with negative ones.  Its tests start with
 * timens_skip_unprivileged().
 */
#ifndef __TIMENS_FIXTURE_H
#define __TIMENS_FIXTURE_H

#include "timens_util.h"

FIXTURE(timens) {
	struct timens_off off;
};

FIXTURE_VARIANT(timens) {
	int negative;
};

FIXTURE_VARIANT_ADD(timens, positive) {
	.negative = 0,
};

FIXTURE_VARIANT_ADD(timens, negative) {
	.negative = 1,
};

/* Each test starts with timens_skip_unprivileged(). */
FIXTURE_SETUP(timens)
{
	if (timens_skip_reason(true))
		return;
	ASSERT_EQ(0, timens_pick_offsets(&self->off, variant->negative));
	/* The test process itself moves in; the harness forked it for us. */
	ASSERT_EQ(0, timens_enter(&self->off)) TH_LOG("enter timens: %m");
}

FIXTURE_TEARDOWN(timens)
{
	alarm(0);
}

#endif /* __TIMENS_FIXTURE_H */
