/*
 * exit_reasons.h: the basic VM-exit reasons (SDM Vol. 3C Appendix C, generated from
 * exit_reasons.def), the layout of the 32-bit exit-reason VMCS field (SDM Vol. 3C 25.9.1,
 * "Basic VM-Exit Information") as named masks, and the names used by the trace and diagnostics.
 * Touches no hardware.
 */
#ifndef VMX_EMUL_EXIT_REASONS_H
#define VMX_EMUL_EXIT_REASONS_H

#include <stdbool.h>
#include <stdint.h>

/* Basic exit reasons, e.g. VMX_EXIT_CPUID = 10, VMX_EXIT_EPT_VIOLATION = 48. */
enum vmx_exit_reason {
#define EXIT_REASON(name, num, text) VMX_EXIT_##name = (num),
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
};

/* The highest basic reason listed (TDCALL); sizes tables indexed by basic reason. */
#define VMX_EXIT_REASON_MAX 77u

/* How many reasons are listed, and the sum of the lengths of their identifiers (without NUL):
 * lets a writer of names bound its output at compile time. */
enum {
	VMX_EXIT_REASON_COUNT = 0
#define EXIT_REASON(name, num, text) +1
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
	,
	VMX_EXIT_REASON_NAMES_LEN = 0
#define EXIT_REASON(name, num, text) + (int)(sizeof(#name) - 1)
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
};

/*
 * The exit-reason field (SDM Vol. 3C 25.9.1, Table 25-17 in recent editions). Bits 26:17 other
 * than 26, and bit 30, are not defined and read as 0.
 */
#define VMX_EXIT_REASON_BASIC_MASK 0x0000ffffu       /* bits 15:0: basic exit reason */
#define VMX_EXIT_REASON_ZERO16 0x00010000u           /* bit 16: always cleared to 0 */
#define VMX_EXIT_REASON_BUS_LOCK_DETECTED 0x04000000u /* bit 26: a bus lock was asserted */
#define VMX_EXIT_REASON_ENCLAVE_MODE 0x08000000u     /* bit 27: exit incident to enclave mode */
#define VMX_EXIT_REASON_PENDING_MTF 0x10000000u      /* bit 28: pending MTF exit (SMM only) */
#define VMX_EXIT_REASON_FROM_VMX_ROOT 0x20000000u    /* bit 29: exit from VMX root (SMM only) */
#define VMX_EXIT_REASON_ENTRY_FAILURE 0x80000000u    /* bit 31: VM-entry failure, not an exit */

static inline uint16_t vmx_exit_basic(uint32_t reason_field)
{
	return (uint16_t)(reason_field & VMX_EXIT_REASON_BASIC_MASK);
}

static inline bool vmx_exit_is_entry_failure(uint32_t reason_field)
{
	return (reason_field & VMX_EXIT_REASON_ENTRY_FAILURE) != 0;
}

/*
 * The identifier of basic reason @basic_reason ("CPUID", "EPT_VIOLATION"), as used for JSON keys
 * in trace records. NULL for a number the SDM does not assign (35, 38, 42, 71) or that is beyond
 * the table: NULL rather than a placeholder so that no caller can mistake an unknown exit for a
 * known one; printers show the number instead.
 */
const char *vmxe_exit_reason_name(uint32_t basic_reason);

/* The SDM's wording ("EPT violation"), or NULL as for vmxe_exit_reason_name(). */
const char *vmxe_exit_reason_text(uint32_t basic_reason);

#endif /* VMX_EMUL_EXIT_REASONS_H */
