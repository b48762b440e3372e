/*
 * The L1-native workloads: the operation loops of l2guest.S (the same ops.h macros), run directly
 * in L1 user space by `l2run --level l1`. They measure what one operation costs L1 itself, which
 * is what matters when L0 runs L1 as a guest and L1's KVM has no VMX to run L2 with.
 *
 * Each is `void l1native_NAME(struct l2_mailbox *mb)` (SysV ABI): it reads mb->iterations, times
 * the loop with RDTSC exactly as the L2 blobs do, and writes the done count and both timestamps
 * back. %r8 holds the mailbox, %edi/%esi the counts (ops.h's convention); %rbx is callee-saved
 * and CPUID clobbers it, so it is saved.
 */
#include "l2guest.h"
#include "ops.h"

/* Save %rbx, read the request and take the start timestamp. */
.macro l1_prologue
	pushq	%rbx
	movq	%rdi, %r8			/* r8 = mailbox */
	movl	L2_MB_ITERATIONS(%r8), %edi	/* edi = iterations requested */
	xorl	%esi, %esi			/* esi = iterations done */
	rdtsc					/* edx:eax = TSC */
	movl	%eax, L2_MB_TSC_START(%r8)
	movl	%edx, L2_MB_TSC_START + 4(%r8)
.endm

/*
 * Take the end timestamp, publish the count, restore %rbx and return. An operation's failed check
 * enters at 8 (ops.h: %eax read, %ecx expected) and ends the loop there.
 */
.macro l1_epilogue
	jmp	7f
8:	movl	$1, L2_MB_FAILED(%r8)
	movl	%eax, L2_MB_GOT(%r8)
	movl	%ecx, L2_MB_WANT(%r8)
7:	rdtsc
	movl	%eax, L2_MB_TSC_END(%r8)
	movl	%edx, L2_MB_TSC_END + 4(%r8)
	movl	%esi, L2_MB_DONE_COUNT(%r8)
	popq	%rbx
	ret
.endm

	.text

/* cpuid: CPUID leaf 0; under L0 each one exits to L0 (none without L0). */
	.globl	l1native_cpuid
	.type	l1native_cpuid, @function
l1native_cpuid:
	l1_prologue
1:	op_cpuid
	op_next	1b
	l1_epilogue
	.size	l1native_cpuid, . - l1native_cpuid

/* pf: one fresh page of the caller's mapping (mb->region) per iteration; each first touch is a
 * page fault that L1's kernel serves. */
	.globl	l1native_pf
	.type	l1native_pf, @function
l1native_pf:
	l1_prologue
1:	op_pf	region=L2_MB_REGION(%r8), ptr=%rbx, tmp=%rax, fail=8f
	op_next	1b
	l1_epilogue
	.size	l1native_pf, . - l1native_pf

/* memtouch: the two passes of the L2 blob over the caller's fresh pages (mb->region): fill each
 * page (its first store an ordinary page fault in L1), then compare every word. */
	.globl	l1native_memtouch
	.type	l1native_memtouch, @function
l1native_memtouch:
	l1_prologue
1:	op_memtouch_fill region=L2_MB_REGION(%r8), dst=%rdi, tmp=%rax
	op_next	1b
	rdtsc
	movl	%eax, L2_MB_TSC_MID(%r8)
	movl	%edx, L2_MB_TSC_MID + 4(%r8)
	xorl	%esi, %esi
2:	op_memtouch_verify region=L2_MB_REGION(%r8), dst=%rdi, tmp=%rax, fail=8f
	op_next	2b
	l1_epilogue
	.size	l1native_memtouch, . - l1native_memtouch

	.section .note.GNU-stack, "", @progbits
