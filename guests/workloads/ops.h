/*
 * The workloads' operations, as assembler macros shared by the L2 guest blobs (l2guest.S, 32-bit)
 * and the L1-native loops (l1native.S, 64-bit), so that a workload runs the same instructions at
 * either level and the two levels' cycles per iteration compare like with like. The constants
 * they use (ports, addresses, patterns) are in l2guest.h.
 *
 * Register convention in both files: %edi = iterations requested, %esi = iterations done; an
 * operation may clobber %eax, %ebx, %ecx and %edx only. An operation that checks what it read
 * jumps to \fail on a wrong value with %eax = the value read and %ecx = the value expected; the
 * epilogues store both in the mailbox and end the loop there.
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

/* %ecx = the echo device's answer to this iteration's write (the iteration number). */
.macro echo_expect
	movl	%esi, %ecx
	xorl	$L2_ECHO_XOR, %ecx
.endm

/* io (L2 only): OUT the iteration number to the echo port, IN the answer. KVM hands both to
 * l2run, which checks the write and answers it (devices.c): two exits to L1 user space. */
.macro op_io fail
	movw	$L2_ECHO_PORT, %dx
	movl	%esi, %eax
	outl	%eax, %dx
	inl	%dx, %eax
	echo_expect
	cmpl	%ecx, %eax
	jne	\fail
.endm

/* mmio (L2 only): the same echo at a guest-physical address in no memory slot. KVM emulates each
 * MOV and hands the access to l2run as KVM_EXIT_MMIO. */
.macro op_mmio fail
	movl	$L2_ECHO_MMIO_GPA, %ebx
	movl	%esi, (%ebx)
	movl	(%ebx), %eax
	echo_expect
	cmpl	%ecx, %eax
	jne	\fail
.endm

/* hlt (L2 only): with interrupts off and no in-kernel irqchip, KVM skips the HLT and exits to
 * l2run, which counts it in the mailbox (\served); the guest checks that each HLT got there. */
.macro op_hlt served, fail
	hlt
	movl	\served, %eax
	leal	1(%esi), %ecx
	cmpl	%ecx, %eax
	jne	\fail
.endm

/* vmcall (L2 only): a hypercall L1's KVM answers in the kernel: an unknown number, so EAX comes
 * back as -KVM_ENOSYS. Without KVM's answer EAX would still hold the number. */
.macro op_vmcall fail
	movl	$L2_VMCALL_NR, %eax
	vmcall
	movl	$L2_VMCALL_ENOSYS, %ecx
	cmpl	%ecx, %eax
	jne	\fail
.endm

/* \ptr = \region + iteration * 4 KiB: this iteration's page (pf, memtouch). \ptr and \tmp are
 * pointer-sized registers, as in op_pf; clobbers %eax. */
.macro page_of_iteration region, ptr, tmp
	mov	\region, \ptr
	movl	%esi, %eax
	shl	$L2_PAGE_SHIFT, \tmp
	add	\tmp, \ptr
.endm

/* pf: write page i's pattern (i ^ L2_PF_PATTERN) to the first 32 bits of the next fresh page, at
 * \region + i * 4 KiB, and read it back. \region is the mailbox field's operand; \ptr and \tmp
 * are pointer-sized registers: %ebx and %eax in L2, %rbx and %rax in L1 (where the MOVL below
 * zero-extends into %rax). The first touch faults: in L2 to L1's KVM, in L1 to L1's kernel. */
.macro op_pf region, ptr, tmp, fail
	page_of_iteration \region, \ptr, \tmp
	movl	%esi, %ecx
	xorl	$L2_PF_PATTERN, %ecx
	movl	%ecx, (\ptr)
	movl	(\ptr), %eax
	cmpl	%ecx, %eax
	jne	\fail
.endm

/* memtouch, first pass: fill this iteration's page, every 32-bit word, with its pattern
 * (i ^ L2_MEMTOUCH_PATTERN). The first store to a fresh page faults, as in op_pf; the other 1023
 * do not. REP STOSL writes at %edi/%rdi, so \dst must be that register (its pointer-sized name);
 * the requested count it holds is kept in %ebx meanwhile. */
.macro op_memtouch_fill region, dst, tmp
	movl	%edi, %ebx
	page_of_iteration \region, \dst, \tmp
	movl	%esi, %eax
	xorl	$L2_MEMTOUCH_PATTERN, %eax
	movl	$L2_PAGE_WORDS, %ecx
	cld
	rep stosl
	movl	%ebx, %edi
.endm

/* memtouch, second pass: compare every word of this iteration's page with its pattern (REPE
 * SCASL, \dst as in op_memtouch_fill). On the first word that differs, jump to \fail with %eax =
 * the word read and %ecx = the pattern. */
.macro op_memtouch_verify region, dst, tmp, fail
	movl	%edi, %ebx
	page_of_iteration \region, \dst, \tmp
	movl	%esi, %eax
	xorl	$L2_MEMTOUCH_PATTERN, %eax
	movl	$L2_PAGE_WORDS, %ecx
	cld
	repe scasl
	je	.Lmemtouch_ok\@
	movl	%eax, %ecx
	movl	-4(\dst), %eax		/* SCAS stepped past the word that differed */
	movl	%ebx, %edi
	jmp	\fail
.Lmemtouch_ok\@:
	movl	%ebx, %edi
.endm

/* vmlife: CPUID leaf 0, its EBX folded into the 32-bit word at \value:
 * value = (value ^ EBX) * L2_FOLD_MUL + L2_FOLD_ADD. */
.macro op_cpuid_fold value
	xorl	%eax, %eax
	cpuid
	xorl	\value, %ebx
	imull	$L2_FOLD_MUL, %ebx, %ebx
	addl	$L2_FOLD_ADD, %ebx
	movl	%ebx, \value
.endm

/* Count one iteration and loop back to \label until all are done. */
.macro op_next label
	incl	%esi
	cmpl	%edi, %esi
	jb	\label
.endm

#endif
