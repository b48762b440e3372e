/*
 * vmx_errors.h: the VM-instruction error numbers of SDM Vol. 3C 31.4 ("VM Instruction Error
 * Numbers", Table 31-1) as one X-macro list, and the enum generated from it. Touches no hardware.
 * These are the values L1 sees: every emulated VMX instruction that fails with VMfailValid stores
 * one of them, unchanged, in VMCS12's VM-instruction error field (SDM 31.2). VMXE_FAIL_INVALID is
 * not an SDM number: it marks a failure that must be reported as VMfailInvalid (no current VMCS, so
 * no error number is stored); the routine that completes a VMX instruction chooses between the two.
 */
#ifndef VMX_EMUL_VMX_ERRORS_H
#define VMX_EMUL_VMX_ERRORS_H

#include <stdbool.h>

/* X(NAME, NUMBER, "description from Table 31-1"); numbers 14, 21 and 27 are reserved. */
#define VMXE_INSN_ERROR_LIST(X)                                                                   \
	X(VMCALL_IN_VMX_ROOT, 1, "VMCALL executed in VMX root operation")                         \
	X(VMCLEAR_INVALID_ADDR, 2, "VMCLEAR with invalid physical address")                       \
	X(VMCLEAR_VMXON_PTR, 3, "VMCLEAR with VMXON pointer")                                     \
	X(VMLAUNCH_NONCLEAR_VMCS, 4, "VMLAUNCH with non-clear VMCS")                              \
	X(VMRESUME_NONLAUNCHED_VMCS, 5, "VMRESUME with non-launched VMCS")                        \
	X(VMRESUME_AFTER_VMXOFF, 6, "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH "   \
				    "and VMRESUME)")                                              \
	X(ENTRY_INVALID_CONTROL_FIELD, 7, "VM entry with invalid control field(s)")               \
	X(ENTRY_INVALID_HOST_STATE_FIELD, 8, "VM entry with invalid host-state field(s)")         \
	X(VMPTRLD_INVALID_ADDR, 9, "VMPTRLD with invalid physical address")                       \
	X(VMPTRLD_VMXON_PTR, 10, "VMPTRLD with VMXON pointer")                                    \
	X(VMPTRLD_INCORRECT_REVISION, 11, "VMPTRLD with incorrect VMCS revision identifier")      \
	X(UNSUPPORTED_VMCS_COMPONENT, 12, "VMREAD/VMWRITE from/to unsupported VMCS component")    \
	X(VMWRITE_READ_ONLY_COMPONENT, 13, "VMWRITE to read-only VMCS component")                 \
	X(VMXON_IN_VMX_ROOT, 15, "VMXON executed in VMX root operation")                          \
	X(ENTRY_INVALID_EXECUTIVE_VMCS_PTR, 16, "VM entry with invalid executive-VMCS pointer")   \
	X(ENTRY_NONLAUNCHED_EXECUTIVE_VMCS, 17, "VM entry with non-launched executive VMCS")      \
	X(ENTRY_EXECUTIVE_VMCS_PTR_NOT_VMXON, 18, "VM entry with executive-VMCS pointer not "     \
						  "VMXON pointer")                                \
	X(VMCALL_NONCLEAR_VMCS, 19, "VMCALL with non-clear VMCS")                                 \
	X(VMCALL_INVALID_EXIT_CONTROLS, 20, "VMCALL with invalid VM-exit control fields")         \
	X(VMCALL_INCORRECT_MSEG_REVISION, 22, "VMCALL with incorrect MSEG revision identifier")   \
	X(VMXOFF_UNDER_DUAL_MONITOR, 23, "VMXOFF under dual-monitor treatment of SMIs and SMM")   \
	X(VMCALL_INVALID_SMM_MONITOR_FEATURES, 24, "VMCALL with invalid SMM-monitor features")    \
	X(ENTRY_INVALID_EXECUTIVE_CONTROLS, 25, "VM entry with invalid VM-execution control "     \
						"fields in executive VMCS")                       \
	X(ENTRY_EVENTS_BLOCKED_BY_MOV_SS, 26, "VM entry with events blocked by MOV SS")           \
	X(INVALID_INVEPT_INVVPID_OPERAND, 28, "Invalid operand to INVEPT/INVVPID")

enum vmxe_insn_error {
	VMXE_OK = 0, /* VMsucceed */
#define VMXE_X(name, num, text) VMXE_ERR_##name = (num),
	VMXE_INSN_ERROR_LIST(VMXE_X)
#undef VMXE_X
	/* Not an SDM number: report VMfailInvalid (SDM 31.2), store nothing. */
	VMXE_FAIL_INVALID = 0x100,
};

/* Highest number of Table 31-1; sizes lookup tables indexed by error number. */
#define VMXE_INSN_ERROR_MAX 28

/* True for the numbers that Table 31-1 defines (1..28 less the reserved 14, 21, 27). */
bool vmxe_insn_error_is_sdm(enum vmxe_insn_error err);

/* Table 31-1's description; "VMsucceed" for VMXE_OK, "VMfailInvalid" for VMXE_FAIL_INVALID,
 * NULL for anything else (a reserved or unknown number). */
const char *vmxe_insn_error_text(enum vmxe_insn_error err);

/* The enumerator's name without prefix, e.g. "UNSUPPORTED_VMCS_COMPONENT"; NULL if unknown. */
const char *vmxe_insn_error_name(enum vmxe_insn_error err);

#endif /* VMX_EMUL_VMX_ERRORS_H */
