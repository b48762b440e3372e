/*
 * l1_trampoline.S: L1's first instructions. l0_takeover copies this block into a page of L1's
 * own memory (L1 cannot execute l0.efi, which EPT01 hides) and fills its two data slots; the
 * firmware, now running as L1, then starts the L1 image with BS->StartImage(handle, NULL, NULL)
 * (Microsoft x64 calling convention: RCX, RDX, R8, 32 bytes of shadow space, RSP 16-byte aligned
 * at the call). Should the image return, it tells L0 with a VMCALL from this page, status in RBX.
 * Position-independent: only RIP-relative references inside the block.
 */
	.text
	.balign 16
	.globl l0_l1_trampoline
l0_l1_trampoline:
	subq $40, %rsp			/* shadow space; entered with RSP = 8 mod 16 */
	movq handle(%rip), %rcx
	xorl %edx, %edx
	xorl %r8d, %r8d
	call *start_image(%rip)
	movq %rax, %rbx
	xorl %eax, %eax
	vmcall
1:	hlt
	jmp 1b

	.balign 8
	.globl l0_l1_trampoline_data
l0_l1_trampoline_data:
handle:
	.quad 0
start_image:
	.quad 0
	.globl l0_l1_trampoline_end
l0_l1_trampoline_end:

	.section .note.GNU-stack, "", @progbits
