/*
 * vcpu.h: L0's state for the one CPU it virtualizes, passed explicitly to every handler, and
 * the entry points between the take-over (takeover.c), VMCS01 (vmcs01.c) and the exit handlers
 * (exits.c).
 */
#ifndef L0_VCPU_H
#define L0_VCPU_H

#include <efi.h>
#include <stdint.h>

#include "l0/bt.h"
#include "l0/ept01.h"
#include "l0/exit_table.h"
#include "l0/host.h"
#include "l0/l1_policy.h"
#include "l0/nested.h"
#include "l0/shadow.h"
#include "l0/options.h"
#include "l0/trace.h"

/* The guest's general registers, as l0_vmexit_entry saves them (vmx_entry.S); RSP lives in
 * the VMCS, its slot here is unused. */
struct l0_guest_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct l0_guest_regs) == 16 * 8, "layout shared with vmx_entry.S");

/* The capability MSRs L0 builds VMCS01 from (read once at take-over). */
struct l0_vmx_caps {
	uint64_t basic, pin, proc, proc2, exit, entry, ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

struct l0_vcpu {
	struct l0_host host;
	struct l0_ept01 ept01;
	struct l0_trace trace;
	struct l0_vmx_caps caps;
	struct vmxe_vcaps hw_caps; /* every capability MSR, as the CPU has them */
	struct l0_cr_policy cr0, cr4;
	struct l0_guest_regs *regs; /* valid during an exit */
	uint64_t vmxon_pa, vmcs01_pa;
	uint8_t *msr_bitmap;
	uint64_t msr_bitmap_pa;
	uint64_t decoy_pa;       /* the zero page L1 gets where it reaches for L0's memory */
	uint64_t trampoline_pa;  /* the page in L1 memory where L1 starts (l1_trampoline.S) */
	uint64_t xcr0_supported; /* CPUID.(EAX=0DH,ECX=0):EDX:EAX */
	uint32_t proc2;          /* the secondary controls in force */
	uint64_t arch_cap_l1;    /* L1's IA32_ARCH_CAPABILITIES */
	bool flush_l1d;          /* the CPU has IA32_FLUSH_CMD: L0 flushes L1D entering L2 */
	struct l0_nested nested;
	struct l0_shadow shadow;
	struct l0_bt bt;
	bool enter_with_launch;  /* the exit path enters the now current VMCS with VMLAUNCH */
};

/* Enters VMX operation and turns the CPU's current firmware context into L1, which starts
 * the loaded L1 image; returns only on failure (the reason is logged), with the firmware's
 * context as it was and VMX left on. */
EFI_STATUS l0_takeover(const struct l0_options *opts, EFI_HANDLE l1_image, EFI_LOADED_IMAGE *self);

/* What L1 starts with that the CPU no longer shows once L0 runs on its own page tables. */
struct l0_firmware_context {
	uint64_t cr3, rflags; /* the firmware's */
	uint64_t rip, rsp;    /* the trampoline, and the stack it starts on */
};

/* Writes VMCS01 (current and clear): controls, host state, and as guest state the firmware's
 * context: @fw, and the registers the CPU still holds. False (logged) on a VMWRITE failure. */
bool l0_vmcs01_setup(struct l0_vcpu *v, const struct l0_firmware_context *fw);

/* The exit path, called from l0_vmexit_entry (vmx_entry.S) with the saved registers; returns
 * non-zero when the VMCS now current must be entered with VMLAUNCH rather than VMRESUME. */
int l0_handle_vmexit(struct l0_guest_regs *regs);

/* VMWRITE to the current VMCS on the exit path: a failure there is an L0 bug, so it stops L0
 * with a diagnostic rather than run a guest wrongly. */
void l0_vmwrite_checked(uint32_t field, uint64_t value);

/* Queues a hardware exception for the next VM entry of the current VMCS; the instruction is not
 * skipped (a fault). Returns L0_ACTION_RESUME. */
enum l0_action l0_inject_exception(unsigned int vector, bool has_error_code, uint32_t error_code);

/* Prints the diagnostic (the exit, the ring of the last exits) and stops the CPU for good. */
__attribute__((noreturn)) void l0_fatal_stop(struct l0_vcpu *v, const char *why);

/* The one vCPU: the exit path reaches it through this pointer, set before VMLAUNCH. */
extern struct l0_vcpu *l0_current_vcpu;

#endif
