/*
 * The L2 guests: 32-bit flat protected-mode code (no paging; pf and memtouch with l2run's
 * one-to-one page tables) that L1 userspace copies to L2_CODE_GPA and runs under KVM. Each blob
 * times ITERATIONS operations of one exit kind with RDTSC and reports through the mailbox
 * (l2guest.h), then signals completion with an OUT to L2_DONE_PORT. Assembled into the 64-bit
 * l2run binary as data; it never runs there.
 *
 * The operations themselves are the macros of ops.h, shared with the L1-native loops (l1native.S);
 * its register convention holds here: %edi = iterations requested, %esi = iterations done.
 */
#include "l2guest.h"
#include "ops.h"

#define MB(field) (L2_MAILBOX_GPA + (field))

/* Read the request and take the start timestamp. */
.macro l2_prologue
	movl	MB(L2_MB_ITERATIONS), %edi	/* edi = iterations requested */
	xorl	%esi, %esi			/* esi = iterations done */
	rdtsc					/* edx:eax = TSC */
	movl	%eax, MB(L2_MB_TSC_START)
	movl	%edx, MB(L2_MB_TSC_START) + 4
.endm

/*
 * Take the end timestamp, publish the count, and tell L1 userspace we are done. An operation's
 * failed check enters at 8 (ops.h: %eax read, %ecx expected) and ends the loop there.
 */
.macro l2_epilogue
	jmp	7f
8:	movl	$1, MB(L2_MB_FAILED)
	movl	%eax, MB(L2_MB_GOT)
	movl	%ecx, MB(L2_MB_WANT)
7:	rdtsc
	movl	%eax, MB(L2_MB_TSC_END)
	movl	%edx, MB(L2_MB_TSC_END) + 4
	movl	%esi, MB(L2_MB_DONE_COUNT)
	movw	$L2_DONE_PORT, %dx
	outb	%al, %dx			/* exits to L1 userspace: KVM_EXIT_IO */
9:	hlt					/* not reached unless userspace resumes us */
	jmp	9b
.endm

	.section .rodata.l2guest, "a"
	.code32

/* cpuid: CPUID leaf 0, which L1's KVM handles in the kernel (one L2 exit each). */
	.globl	l2guest_cpuid_start, l2guest_cpuid_end
l2guest_cpuid_start:
	l2_prologue
1:	op_cpuid
	op_next	1b
	l2_epilogue
l2guest_cpuid_end:

/* io: OUT and IN on l2run's echo port (two exits to L1 user space). */
	.globl	l2guest_io_start, l2guest_io_end
l2guest_io_start:
	l2_prologue
1:	op_io	fail=8f
	op_next	1b
	l2_epilogue
l2guest_io_end:

/* hlt: HLT with interrupts off, which KVM hands to L1 user space (no in-kernel irqchip). */
	.globl	l2guest_hlt_start, l2guest_hlt_end
l2guest_hlt_start:
	l2_prologue
1:	op_hlt	served=MB(L2_MB_SERVED), fail=8f
	op_next	1b
	l2_epilogue
l2guest_hlt_end:

/* vmcall: a hypercall that L1's KVM answers in the kernel. */
	.globl	l2guest_vmcall_start, l2guest_vmcall_end
l2guest_vmcall_start:
	l2_prologue
1:	op_vmcall fail=8f
	op_next	1b
	l2_epilogue
l2guest_vmcall_end:

/* mmio: a write and a read at l2run's echo address (two exits to L1 user space). */
	.globl	l2guest_mmio_start, l2guest_mmio_end
l2guest_mmio_start:
	l2_prologue
1:	op_mmio	fail=8f
	op_next	1b
	l2_epilogue
l2guest_mmio_end:

/* pf: one fresh page per iteration, through l2run's page tables (CR0.PG set by l2run). */
	.globl	l2guest_pf_start, l2guest_pf_end
l2guest_pf_start:
	l2_prologue
1:	op_pf	region=MB(L2_MB_REGION), ptr=%ebx, tmp=%eax, fail=8f
	op_next	1b
	l2_epilogue
l2guest_pf_end:

/*
 * memtouch: two passes over ITERATIONS fresh pages (CR0.PG set by l2run, as for pf): the first
 * fills each page with its pattern (its first store faults), the second compares every word. The
 * TSC between the passes goes to the mailbox; done_count counts the pages verified.
 */
	.globl	l2guest_memtouch_start, l2guest_memtouch_end
l2guest_memtouch_start:
	l2_prologue
1:	op_memtouch_fill region=MB(L2_MB_REGION), dst=%edi, tmp=%eax
	op_next	1b
	rdtsc
	movl	%eax, MB(L2_MB_TSC_MID)
	movl	%edx, MB(L2_MB_TSC_MID) + 4
	xorl	%esi, %esi
2:	op_memtouch_verify region=MB(L2_MB_REGION), dst=%edi, tmp=%eax, fail=8f
	op_next	2b
	l2_epilogue
l2guest_memtouch_end:

/*
 * vmlife: what each incarnation of a short-lived VM runs: ITERATIONS (L2_VMLIFE_CPUIDS) CPUIDs,
 * each folded into the mailbox's value, which l2run seeded for this incarnation and checks.
 */
	.globl	l2guest_vmlife_start, l2guest_vmlife_end
l2guest_vmlife_start:
	l2_prologue
1:	op_cpuid_fold value=MB(L2_MB_VALUE)
	op_next	1b
	l2_epilogue
l2guest_vmlife_end:

	.code64
	.section .note.GNU-stack, "", @progbits
