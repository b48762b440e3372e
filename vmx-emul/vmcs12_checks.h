/*
 * vmcs12_checks.h: the checks that L1's VMLAUNCH/VMRESUME perform on VMCS12 before L0 builds
 * vmcs02, as pure functions of VMCS12, L1's view of the VMX capabilities and a little L1 state.
 * Touches no hardware; reads L1 memory only through struct vmxe_gmem. Implements SDM Vol. 3C
 * 27.2 ("Checks on VMX Controls and Host-State Area": 27.2.1 controls, 27.2.2-27.2.4 host
 * state), 27.3.1 ("Checks on the Guest State Area") with 27.3.1.6 (PDPTEs), the entry-by-entry
 * checks of 27.4 ("Loading MSRs") and the outcomes of 27.8 ("VM-Entry Failures During or After
 * Loading Guest State"). In older editions these are 26.2, 26.3, 26.4 and 26.7.
 *
 * Not here: the checks of 27.1 (VMX root, CPL, current VMCS, launch state, MOV-SS blocking:
 * errors 4, 5 and 26 belong to the instruction); executing the WRMSRs of the MSR-load area (the
 * loader reports a #GP of entry i as reason 34, qualification i + 1); the SMM-only rules; two
 * rules that need state L0 does not model, left to the hardware's checks of vmcs02: TPR
 * threshold against VTPR on the virtual-APIC page, and the BS bit of pending debug exceptions
 * against RFLAGS.TF and IA32_DEBUGCTL.BTF.
 *
 * Split: vmcs12_checks.c (controls, host state, MSR-load area, the order of the stages) and
 * vmcs12_guest_checks.c (guest state), sharing vmcs12_checks_util.h.
 */
#ifndef VMX_EMUL_VMCS12_CHECKS_H
#define VMX_EMUL_VMCS12_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx-emul/guest_mem.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmx_errors.h"

/* The one MSR-load/store area entry format (SDM Vol. 3C 25.7.2, Table 25-15): 16 bytes. */
struct vmxe_msr_entry {
	uint32_t index;
	uint32_t reserved; /* must be 0 */
	uint64_t value;
};
_Static_assert(sizeof(struct vmxe_msr_entry) == 16, "SDM 25.7.2: MSR-area entries are 16 bytes");

/* Exit qualifications of a VM-entry failure with reason 33 (SDM Vol. 3C 27.8). */
#define VMXE_ENTRY_QUAL_DEFAULT	      0u
#define VMXE_ENTRY_QUAL_PDPTE	      2u /* loading the PDPTEs failed (27.3.1.6) */
#define VMXE_ENTRY_QUAL_VMCS_LINK_PTR 4u /* invalid VMCS link pointer (27.3.1.5) */

/* What L1 would see. */
enum vmxe_check_kind {
	VMXE_CHECK_OK = 0,
	VMXE_CHECK_VMFAIL,     /* VMfailValid with .error (7 or 8); L2 is not entered */
	VMXE_CHECK_ENTRY_FAIL, /* a VM exit to L1 with .exit_reason and .qualification */
};

struct vmxe_check_result {
	enum vmxe_check_kind kind;
	enum vmxe_insn_error error; /* VMFAIL: VMXE_ERR_ENTRY_INVALID_{CONTROL,HOST_STATE}_FIELD */
	/* ENTRY_FAIL: the value of VMCS12's exit-reason field: VMX_EXIT_REASON_ENTRY_FAILURE
	 * | VMX_EXIT_ENTRY_FAIL_GUEST_STATE (33) or VMX_EXIT_ENTRY_FAIL_MSR_LOADING (34). */
	uint32_t exit_reason;
	uint64_t qualification; /* reason 33: VMXE_ENTRY_QUAL_*; reason 34: failing entry + 1 */
	const char *check; /* the rule that failed ("guest_cs_type"), for the trace; NULL if OK */
};

/* The L1 state the checks depend on, as L1 has it when it executes VMLAUNCH/VMRESUME. */
struct vmxe_check_l1 {
	uint64_t efer;		 /* L1's IA32_EFER: LMA decides the address-space rules (27.2.4) */
	uint64_t vmcs12_gpa;	 /* L1's current-VMCS pointer (the VMCS link pointer must differ) */
	uint64_t debugctl_valid; /* IA32_DEBUGCTL bits L1's CPU accepts; the rest are reserved */
	uint8_t maxphyaddr;	 /* L1 physical-address width, 36..52 (CPUID.80000008H:EAX[7:0]) */
	uint8_t linear_bits;	 /* 48, or 57 when L1's CPU has 5-level paging */
};

/*
 * All the checks of a VM entry, in the SDM's order: controls (VMfailValid 7), host state
 * (VMfailValid 8), guest state (entry failure 33), VM-entry MSR-load area (entry failure 34).
 * The first failing rule decides; @res is always filled. Returns res->kind.
 */
enum vmxe_check_kind vmxe_check_vmentry(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					const struct vmxe_check_l1 *cpu,
					const struct vmxe_gmem *mem, struct vmxe_check_result *res);

/* The stages, each filling @res and returning res->kind as above. */
/* SDM 27.2.1: VM-execution, VM-exit and VM-entry control fields; a control L1 was not offered
 * in @caps is a reserved bit. */
enum vmxe_check_kind vmxe_check_controls(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					 const struct vmxe_check_l1 *cpu,
					 struct vmxe_check_result *res);
/* SDM 27.2.2-27.2.4: host control registers, MSRs, segments, address-space size. */
enum vmxe_check_kind vmxe_check_host_state(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					   const struct vmxe_check_l1 *cpu,
					   struct vmxe_check_result *res);
/* SDM 27.3.1: guest registers, non-register state, VMCS link pointer, PDPTEs. Reads the VMCS
 * link pointer's first 4 bytes and, without EPT, PAE paging's PDPTEs from L1 memory. */
enum vmxe_check_kind vmxe_check_guest_state(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					    const struct vmxe_check_l1 *cpu,
					    const struct vmxe_gmem *mem,
					    struct vmxe_check_result *res);
/* SDM 27.4: each entry of the VM-entry MSR-load area, read from L1 memory. A count above
 * IA32_VMX_MISC's recommended maximum (where the SDM promises nothing) fails at the first
 * entry beyond it. Whether WRMSR accepts each value is the loader's to find out. */
enum vmxe_check_kind vmxe_check_entry_msr_load(const struct vmcs12 *v,
					       const struct vmxe_vcaps *caps,
					       const struct vmxe_gmem *mem,
					       struct vmxe_check_result *res);

#endif /* VMX_EMUL_VMCS12_CHECKS_H */
