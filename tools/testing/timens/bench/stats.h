/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Order statistics of TSC samples, for clock_bench.c and vdso_icount.c:
 * the median, the interquartile mean, and the mode in buckets of 1% of
 * the median (fixed-width buckets of a few ticks would hold one or two
 * samples each and make the mode a random pick).
 */
#ifndef TIMENS_BENCH_STATS_H
#define TIMENS_BENCH_STATS_H

#include <stdlib.h>

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
static unsigned long long median(unsigned long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_ull);
	return v[n / 2];
}

/* The mean of the middle half of @v: sorts @v. */
static inline double interquartile_mean(unsigned long long *v, int n)
{
	int k, lo = n / 4, hi = n - n / 4;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_ull);
	for (k = lo; k < hi; k++)
		sum += v[k];
	return sum / (hi - lo);
}

/* Sorts @v. */
static unsigned long long mode_of(unsigned long long *v, int n)
{
	unsigned long long width = median(v, n) / 100, mode = 0;
	int i, j, best = 0;

	if (!width)
		width = 1;
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j] / width == v[i] / width; j++)
			;
		if (j - i > best) {
			best = j - i;
			mode = v[i] / width * width + width / 2;
		}
	}
	return mode;
}

#endif /* TIMENS_BENCH_STATS_H */
