/*
 * vmx_entry.S: where L0's C code meets VM exits (SDM Vol. 3C 28) and its own exceptions:
 *  - l0_vmexit_entry: HOST_RIP; saves the guest's general registers as struct l0_guest_regs,
 *    calls l0_handle_vmexit, restores them and enters the current VMCS again: VMRESUME, or
 *    VMLAUNCH when l0_handle_vmexit returned non-zero (a VMCS02 never launched);
 *  - l0_host_exception_stubs: L0's own IDT entries; an exception in L0 is fatal.
 */
	.text

	/* struct l0_guest_regs: rax rcx rdx rbx rsp(slot unused) rbp rsi rdi r8..r15 */
	.globl l0_vmexit_entry
l0_vmexit_entry:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rdi
	pushq %rsi
	pushq %rbp
	pushq $0
	pushq %rbx
	pushq %rdx
	pushq %rcx
	pushq %rax
	movq %rsp, %rdi		/* 16 slots: the stack stays 16-byte aligned for the call */
	call l0_handle_vmexit
	testl %eax, %eax	/* POP leaves the flags alone: they choose the entry below */
	popq %rax
	popq %rcx
	popq %rdx
	popq %rbx
	leaq 8(%rsp), %rsp	/* not ADD: the flags of the TESTL above must survive */
	popq %rbp
	popq %rsi
	popq %rdi
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	jnz 1f
	vmresume
	jmp 2f
1:	vmlaunch
2:	andq $-16, %rsp
	call l0_vmentry_failed
	ud2

.macro EXC vec, has_error
l0_exc_\vec:
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	jmp l0_exc_common
.endm

	EXC 0, 0
	EXC 1, 0
	EXC 2, 0
	EXC 3, 0
	EXC 4, 0
	EXC 5, 0
	EXC 6, 0
	EXC 7, 0
	EXC 8, 1
	EXC 9, 0
	EXC 10, 1
	EXC 11, 1
	EXC 12, 1
	EXC 13, 1
	EXC 14, 1
	EXC 15, 0
	EXC 16, 0
	EXC 17, 1
	EXC 18, 0
	EXC 19, 0
	EXC 20, 0
	EXC 21, 1
	EXC 22, 0
	EXC 23, 0
	EXC 24, 0
	EXC 25, 0
	EXC 26, 0
	EXC 27, 0
	EXC 28, 0
	EXC 29, 1
	EXC 30, 1
	EXC 31, 0

l0_exc_common:
	movq %rsp, %rdi		/* vector, error code, then the CPU's frame: rip cs rflags rsp ss */
	andq $-16, %rsp
	call l0_host_exception
	ud2

	.section .data
	.globl l0_host_exception_stubs
	.balign 8
l0_host_exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad l0_exc_\v
	.endr

	.section .note.GNU-stack, "", @progbits
