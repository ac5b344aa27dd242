/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Add a time namespace's offset to a clock reading (64-bit vDSO).
 *
 * Only the vDSO image of tasks in a time namespace calls this, from its
 * time namespace sites; the host image carries it but never runs it.
 *
 * In:  %edi = clock id (checked, below 16)
 *      %rsi = struct __kernel_timespec *, the normalised reading
 * Out: the reading with the offset added; %rdi, %rax, %xmm0 clobbered.
 *
 * The offsets page (struct timens_vdso_offsets) holds the offset of
 * each clock, seconds and nanoseconds, in 16 aligned bytes. PADDQ reads
 * them in one instruction: a task can be moved to another namespace at
 * any instruction boundary, but never between the two halves.
 *
 * The reading was just stored as two 8-byte halves: it is loaded as two
 * halves too, which the store buffer forwards, where one 16-byte load
 * would wait for both stores to retire (about 5 ns a call).
 */
#include <linux/linkage.h>

#define NSEC_PER_SEC	1000000000

	.text
SYM_FUNC_START(__vdso_time_ns_add)
	shl	$4, %edi
	lea	time_ns_offsets(%rip), %rax
	movq	(%rsi), %xmm0
	movhps	8(%rsi), %xmm0
	paddq	(%rax, %rdi), %xmm0
	movdqu	%xmm0, (%rsi)
	cmpq	$(NSEC_PER_SEC - 1), 8(%rsi)
	jbe	1f
	subq	$NSEC_PER_SEC, 8(%rsi)
	incq	(%rsi)
1:	ret
SYM_FUNC_END(__vdso_time_ns_add)
