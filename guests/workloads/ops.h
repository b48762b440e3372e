/*
 * The workloads' operations, as assembler macros shared by the L2 guest blobs (l2guest.S, 32-bit)
 * and the L1-native loops (l1native.S, 64-bit), so that a workload runs the same instructions at
 * either level and the two levels' cycles per iteration compare like with like.
 *
 * Register convention in both files: %edi = iterations requested, %esi = iterations done; an
 * operation may clobber %eax, %ebx, %ecx and %edx only.
 */
#ifndef TURTLE_GUESTS_OPS_H
#define TURTLE_GUESTS_OPS_H

#ifndef __ASSEMBLER__
#error "ops.h holds assembler macros; include it from .S files only"
#endif

/* cpuid: CPUID leaf 0 (clobbers eax, ebx, ecx, edx). It always exits from VMX non-root
 * operation: in L2 to L1's KVM, in L1 to L0 when L0 runs L1 as a guest. */
.macro op_cpuid
	xorl	%eax, %eax
	cpuid
.endm

/* Count one iteration and loop back to \label until all are done. */
.macro op_next label
	incl	%esi
	cmpl	%edi, %esi
	jb	\label
.endm

#endif
