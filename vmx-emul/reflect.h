/*
 * reflect.h: who handles a VM exit that happened while L2 ran on VMCS02, L0 or L1 (the "reflect
 * or not" decision of nested VMX), and the VMCS12 exit-information fields L1 then reads. Pure:
 * the caller decodes the exit from VMCS02 once (struct vmxe_exit) and L1's bitmaps are read
 * through struct vmxe_gmem. Touches no hardware.
 *
 * Implements SDM Vol. 3C 26.1-26.2 (instructions and events that exit unconditionally or under
 * a control, the exception bitmap with the #PF error-code filter, the I/O and MSR bitmaps),
 * 27.8 (VM-entry failures) and 28.2 (the exit-information fields), read as "would VMCS12's
 * controls have made this exit happen", which is also the question KVM's nested.c asks.
 *
 * Rules of this stage, beyond the SDM:
 *  - EPT violations and misconfigurations (and SPP events) are L0's: L2 runs on EPT01 and L1 has
 *    no EPT. They depend on VMCS12's "enable EPT" so that the EPT12 walk slots in later; until
 *    then an EPT exit with L1's EPT on is VMXE_ROUTE_UNKNOWN (vmxe_vmcs02_build() refuses it).
 *  - The preemption timer and a machine check during VM entry are L0's.
 *  - An L1 bitmap byte that cannot be read (the bitmap lies outside L1 RAM) counts as 1: the
 *    access exits to L1. L0 cannot know what L1 meant, and exiting keeps L1 in control of it
 *    (KVM decides the same); vmxe_read_l1_bitmap() fills VMCS02's copies the same way.
 *  - Exits this configuration cannot produce (SMIs, RSM: no dual-monitor SMM), reasons the SDM
 *    does not assign, and malformed exits (an exception exit without valid interruption
 *    information, MOV from CR0) are VMXE_ROUTE_UNKNOWN, never a guess.
 */
#ifndef VMX_EMUL_REFLECT_H
#define VMX_EMUL_REFLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx-emul/guest_mem.h"
#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmcs12.h"

/* An exit from L2, as the caller decoded it from VMCS02 and L2's registers. */
struct vmxe_exit {
	uint32_t reason;	     /* the whole exit-reason field (SDM 25.9.1), bit 31 included */
	uint64_t qualification;	     /* exit qualification (28.2.1) */
	uint32_t intr_info;	     /* VM-exit interruption information (25.9.2) */
	uint32_t intr_error_code;    /* VM-exit interruption error code */
	uint32_t idt_vectoring_info; /* IDT-vectoring information (25.9.3) */
	uint32_t idt_vectoring_error_code;
	uint32_t instruction_len;
	uint32_t instruction_info;
	uint64_t guest_linear_address;
	uint64_t guest_physical_address;
	/* L2's registers that some rules read: RCX (ECX: the MSR of RDMSR/WRMSR), RAX (EAX: the
	 * leaf of ENCLS/ENCLV/PCONFIG), RDX:RAX with IA32_XSS (the components XSAVES/XRSTORS
	 * touch), and the source of a MOV to CR (the register qualification bits 11:8 name). */
	uint64_t l2_rax, l2_rcx, l2_rdx, l2_xss;
	uint64_t cr_source;
};

/* Control-register access qualification (SDM Vol. 3C 28.2.1, Table 28-3). */
#define VMXE_CRQ_CR_MASK	 0xfu
#define VMXE_CRQ_TYPE_MASK	 0x30u
#define VMXE_CRQ_TYPE_SHIFT	 4
#define VMXE_CRQ_GPR_MASK	 0xf00u
#define VMXE_CRQ_GPR_SHIFT	 8
#define VMXE_CRQ_LMSW_DATA_SHIFT 16 /* bits 31:16: LMSW's source operand */
enum vmxe_cr_access {
	VMXE_CR_MOV_TO = 0,
	VMXE_CR_MOV_FROM = 1,
	VMXE_CR_CLTS = 2,
	VMXE_CR_LMSW = 3,
};

/* I/O instruction qualification (Table 28-5). */
#define VMXE_IOQ_SIZE_MASK  0x7u /* access size - 1: 0, 1 or 3 */
#define VMXE_IOQ_IN	    (1u << 3)
#define VMXE_IOQ_STRING	    (1u << 4)
#define VMXE_IOQ_REP	    (1u << 5)
#define VMXE_IOQ_IMM	    (1u << 6)
#define VMXE_IOQ_PORT_SHIFT 16

enum vmxe_exit_route {
	VMXE_ROUTE_L0,		  /* L0 handles it and resumes L2; L1 never knows */
	VMXE_ROUTE_L1,		  /* reflect: vmxe_vmcs02_to_vmcs12(), vmxe_exit_for_l1(),
				   * vmxe_load_l1_host_state() */
	VMXE_ROUTE_L1_ENTRY_FAIL, /* L1's VMLAUNCH/VMRESUME fails late (SDM 27.8): no guest
				   * state saved; vmxe_exit_for_l1() and the host-state load */
	VMXE_ROUTE_UNKNOWN,	  /* no rule for it: the caller stops with a diagnostic */
};

/*
 * Where the exit @exit from L2 goes, under L1's VMCS12 @vmcs12, reading L1's I/O and MSR bitmaps
 * through @mem. (Named after the question it answers; an enum rather than a bool because a
 * VM-entry failure and an exit no rule covers are answers too.)
 */
enum vmxe_exit_route vmxe_l1_wants_exit(const struct vmcs12 *vmcs12, const struct vmxe_exit *exit,
					const struct vmxe_gmem *mem);

/* Whether L1's controls make an RDMSR (@write false) or WRMSR of @msr exit (SDM 26.1.3):
 * always without MSR bitmaps or outside the bitmap's two ranges, else its bit. */
bool vmxe_l1_msr_exits(const struct vmcs12 *vmcs12, uint32_t msr, bool write,
		       const struct vmxe_gmem *mem);

/* Whether L1's controls make an I/O access of @size bytes (1, 2 or 4) at @port exit: with I/O
 * bitmaps, when the bit of any port it touches is 1 or it wraps past 0xffff; else when
 * unconditional I/O exiting is on. */
bool vmxe_l1_io_exits(const struct vmcs12 *vmcs12, uint16_t port, unsigned int size,
		      const struct vmxe_gmem *mem);

/*
 * Writes the exit-information fields of VMCS12 that L1 reads after the exit (SDM 28.2): for an
 * exit, reason, qualification, guest-linear and guest-physical address, interruption and
 * IDT-vectoring information with their error codes, instruction length and information; for a
 * VM-entry failure (reason bit 31) only the reason and the qualification (27.8). Pairs with
 * vmxe_vmcs02_to_vmcs12(), which saves the guest state. The launch state is the caller's: VMCS12
 * becomes "launched" once VMCS02's entry succeeded, whoever handles the exit.
 */
void vmxe_exit_for_l1(const struct vmxe_exit *exit, struct vmcs12 *vmcs12);

#endif /* VMX_EMUL_REFLECT_H */
