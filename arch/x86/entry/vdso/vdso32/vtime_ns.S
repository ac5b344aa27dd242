/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Add a time namespace's offset to a clock reading (32-bit vDSO); see
 * ../vtime_ns.S.
 *
 * In:  %ecx = clock id (checked, below 16)
 *      %esi = struct __kernel_timespec *, the normalised reading
 * Out: the reading with the offset added; %eax, %ecx, %xmm0 clobbered.
 */
#include <linux/linkage.h>

#define NSEC_PER_SEC	1000000000

	.text
SYM_FUNC_START(__vdso_time_ns_add)
	call	1f
1:	pop	%eax
	shl	$4, %ecx
	movdqu	(%esi), %xmm0
	paddq	(time_ns_offsets - 1b)(%eax, %ecx), %xmm0
	movdqu	%xmm0, (%esi)
	/* Below two seconds, the nanoseconds fit in their low half. */
	cmpl	$(NSEC_PER_SEC - 1), 8(%esi)
	jbe	2f
	subl	$NSEC_PER_SEC, 8(%esi)
	addl	$1, (%esi)
	adcl	$0, 4(%esi)
2:	ret
SYM_FUNC_END(__vdso_time_ns_add)
