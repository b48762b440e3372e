/*
 * bt_exec_harness.c: see bt_exec_harness.h. The register shuttle is a few lines of assembly at
 * file scope (host test code only); the SIGILL handler is the reference semantics of VMREAD and
 * VMWRITE (SDM Vol. 3C 31.3, flags 31.2) written with vmx-emul's pieces, as L0 emulates them.
 */
#define _GNU_SOURCE
#include "bt_exec_harness.h"

#include <asm/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "vmcs-shadow/bt_decode.h"
#include "vmx-emul/vmx_insn.h"

/* Shared with the assembly below. */
struct bt_cpu *bt_harness_cpu;
uint64_t bt_harness_entry;
uint8_t bt_harness_path;

void bt_run_asm(struct bt_cpu *cpu, uint64_t entry);
void bt_exit_ok_asm(void);
void bt_exit_fail_asm(void);

/* struct bt_cpu offsets: gpr[r] at 8 * r, rflags at 128, host_rsp at 136. */
_Static_assert(offsetof(struct bt_cpu, rflags) == 128, "asm offsets");
_Static_assert(offsetof(struct bt_cpu, host_rsp) == 136, "asm offsets");

__asm__(
    "	.text\n"
    "	.globl bt_run_asm\n"
    "	.type bt_run_asm, @function\n"
    "bt_run_asm:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
    "	mov %rsp, 136(%rdi)\n"
    "	mov %rdi, bt_harness_cpu(%rip)\n"
    "	mov %rsi, bt_harness_entry(%rip)\n"
    "	pushq 128(%rdi)\n"
    "	popfq\n"
    "	mov 0(%rdi), %rax\n	mov 8(%rdi), %rcx\n	mov 16(%rdi), %rdx\n"
    "	mov 24(%rdi), %rbx\n	mov 40(%rdi), %rbp\n	mov 48(%rdi), %rsi\n"
    "	mov 64(%rdi), %r8\n	mov 72(%rdi), %r9\n	mov 80(%rdi), %r10\n"
    "	mov 88(%rdi), %r11\n	mov 96(%rdi), %r12\n	mov 104(%rdi), %r13\n"
    "	mov 112(%rdi), %r14\n	mov 120(%rdi), %r15\n"
    "	mov 32(%rdi), %rsp\n"
    "	mov 56(%rdi), %rdi\n"
    "	jmp *bt_harness_entry(%rip)\n"
    "	.globl bt_exit_ok_asm\n"
    "	.type bt_exit_ok_asm, @function\n"
    "bt_exit_ok_asm:\n"
    "	movb $1, bt_harness_path(%rip)\n"
    "	jmp 1f\n"
    "	.globl bt_exit_fail_asm\n"
    "	.type bt_exit_fail_asm, @function\n"
    "bt_exit_fail_asm:\n"
    "	movb $2, bt_harness_path(%rip)\n"
    "1:	pushfq\n"
    "	push %rdi\n"
    "	mov bt_harness_cpu(%rip), %rdi\n"
    "	popq 56(%rdi)\n"
    "	popq 128(%rdi)\n"
    "	mov %rax, 0(%rdi)\n	mov %rcx, 8(%rdi)\n	mov %rdx, 16(%rdi)\n"
    "	mov %rbx, 24(%rdi)\n	mov %rbp, 40(%rdi)\n	mov %rsi, 48(%rdi)\n"
    "	mov %r8, 64(%rdi)\n	mov %r9, 72(%rdi)\n	mov %r10, 80(%rdi)\n"
    "	mov %r11, 88(%rdi)\n	mov %r12, 96(%rdi)\n	mov %r13, 104(%rdi)\n"
    "	mov %r14, 112(%rdi)\n	mov %r15, 120(%rdi)\n"
    "	mov %rsp, 32(%rdi)\n"
    "	mov 136(%rdi), %rsp\n"
    "	cld\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
    "	ret\n");

static uint8_t *arena;
static struct vbt_decoder decoder;
static struct bt_exits exits;
static uint8_t altstack[1 << 16];

/* ucontext's register slots for enum vmxe_gpr. */
static const int greg_of[VMXE_GPR_COUNT] = {
    [VMXE_RAX] = REG_RAX, [VMXE_RCX] = REG_RCX, [VMXE_RDX] = REG_RDX, [VMXE_RBX] = REG_RBX,
    [VMXE_RSP] = REG_RSP, [VMXE_RBP] = REG_RBP, [VMXE_RSI] = REG_RSI, [VMXE_RDI] = REG_RDI,
    [VMXE_R8] = REG_R8,	  [VMXE_R9] = REG_R9,	[VMXE_R10] = REG_R10, [VMXE_R11] = REG_R11,
    [VMXE_R12] = REG_R12, [VMXE_R13] = REG_R13, [VMXE_R14] = REG_R14, [VMXE_R15] = REG_R15,
};

uint8_t *bt_arena(void)
{
	return arena;
}

struct vbt_layout bt_layout(void)
{
	struct vbt_layout l = {
	    .stub_la = (uint64_t)(uintptr_t)(arena + BT_STUBS_OFF),
	    .stub_size = BT_STUBS_SIZE,
	    .shared_la = (uint64_t)(uintptr_t)(arena + BT_SHARED_OFF),
	};
	return l;
}

/* Effective address of a memory operand (GS base is 0 in this process: bt_harness_init). */
static uint64_t effective(const struct vbt_insn *in, const uint64_t *regs)
{
	const struct vbt_mem *m = &in->mem;
	uint64_t ea = (uint64_t)(int64_t)m->disp;

	if (m->base == VBT_REG_RIP)
		ea += in->la + in->len;
	else if (m->base != VBT_REG_NONE)
		ea += regs[m->base];
	if (m->index != VBT_REG_NONE)
		ea += regs[m->index] * m->scale;
	return ea;
}

/* VMREAD/VMWRITE as L0 emulates them (vmx-emul/vmx_insn.c), for a CPL-0, 64-bit L1. */
static void emulate(const struct vbt_insn *in, uint64_t *regs, uint64_t *rflags)
{
	const struct vbt_shared *sh = (const void *)(arena + BT_SHARED_OFF);
	struct vmcs12 *v = (struct vmcs12 *)(uintptr_t)sh->vmcs12;
	struct vmxe_nested n = {.vmxon = true, .current_vmptr = VMXE_VMPTR_NONE, .vmcs12 = v};
	struct vmxe_insn_result r = {.kind = VMXE_INSN_SUCCEED};
	enum vmxe_insn_error err = VMXE_FAIL_INVALID;
	uint64_t value = 0;
	uint32_t enc;

	if (v) {
		n.current_vmptr = (uint64_t)(uintptr_t)v;
		err = vmxe_encoding_from_operand(regs[in->field_reg], &enc);
	}
	if (err == VMXE_OK && in->kind == VBT_INSN_VMWRITE) {
		if (in->rm_is_reg)
			value = regs[in->rm_reg];
		else
			memcpy(&value, (const void *)(uintptr_t)effective(in, regs), sizeof(value));
		err = vmxe_vmcs12_write(v, enc, value, VMXE_WR_L1);
	} else if (err == VMXE_OK) {
		err = vmxe_vmcs12_read(v, enc, &value);
		if (err == VMXE_OK && in->rm_is_reg)
			regs[in->rm_reg] = value;
		else if (err == VMXE_OK)
			memcpy((void *)(uintptr_t)effective(in, regs), &value, sizeof(value));
	}
	if (err != VMXE_OK)
		vmxe_insn_fail(&n, err, &r);
	*rflags = vmxe_rflags_after(*rflags, &r);
}

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP], rflags = (uint64_t)g[REG_EFL];
	uint64_t regs[VMXE_GPR_COUNT];
	struct vbt_insn in;

	(void)sig;
	(void)si;
	if (!vbt_decode_insn(&decoder, (const uint8_t *)(uintptr_t)rip, VBT_INSN_MAX, rip, &in) ||
	    (in.kind != VBT_INSN_VMREAD && in.kind != VBT_INSN_VMWRITE)) {
		fprintf(stderr, "bt harness: SIGILL at %#llx is no VMREAD/VMWRITE\n",
			(unsigned long long)rip);
		abort();
	}
	for (int r = 0; r < VMXE_GPR_COUNT; r++)
		regs[r] = (uint64_t)g[greg_of[r]];
	emulate(&in, regs, &rflags);
	for (int r = 0; r < VMXE_GPR_COUNT; r++)
		g[greg_of[r]] = (greg_t)regs[r];
	g[REG_EFL] = (greg_t)rflags;
	g[REG_RIP] = (greg_t)(rip + in.len);
	exits.count++;
	exits.last_rip = rip;
}

void bt_harness_init(void)
{
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	unsigned long gs_base = 1;

	if (arena)
		return;
	arena = mmap(NULL, BT_ARENA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || !vbt_decoder_open(&decoder) ||
	    syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base) != 0 || gs_base != 0 ||
	    sigaltstack(&ss, NULL) != 0) {
		fprintf(stderr,
			"bt harness: no RWX arena, decoder or signal stack, or GS base != 0\n");
		abort();
	}
}

static void put_exit(uint8_t *at, void (*target)(void))
{
	static const uint8_t jmp_rip_indirect[] = {0xff, 0x25, 0, 0, 0, 0}; /* jmp *0(%rip) */
	uint64_t addr = (uint64_t)(uintptr_t)target;

	memcpy(at, jmp_rip_indirect, sizeof(jmp_rip_indirect));
	memcpy(at + sizeof(jmp_rip_indirect), &addr, sizeof(addr));
}

void bt_put_exit_ok(uint8_t *at)
{
	put_exit(at, bt_exit_ok_asm);
}

void bt_put_exit_fail(uint8_t *at)
{
	put_exit(at, bt_exit_fail_asm);
}

/* CMocka installs its own SIGILL handler around each test: ours goes in only for the run. */
enum bt_path bt_run(struct bt_cpu *cpu, uint64_t entry)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGILL, &sa, &old) != 0)
		abort();
	bt_harness_path = BT_PATH_NONE;
	bt_run_asm(cpu, entry);
	sigaction(SIGILL, &old, NULL);
	return (enum bt_path)bt_harness_path;
}

void bt_reset_exits(void)
{
	memset(&exits, 0, sizeof(exits));
}

struct bt_exits bt_get_exits(void)
{
	return exits;
}
