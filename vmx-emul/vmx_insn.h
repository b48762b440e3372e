/*
 * vmx_insn.h: L0's emulation of the VMX instructions that L1 executes (each one exits to L0):
 * VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, INVEPT, INVVPID,
 * as a state machine over struct vmxe_nested, L1's virtual VMX state. Touches no hardware: L1's
 * memory through struct vmxe_gmem, its registers in struct vmxe_insn_ctx, L1's VMX capabilities
 * from struct vmxe_vcaps.
 *
 * Implements the instruction pages of SDM Vol. 3C 31.3 (the checks in their order: #UD, #GP(0),
 * memory-operand faults, then VMfail), the conventions of 31.2 (VMsucceed, VMfailInvalid,
 * VMfailValid and their RFLAGS), the error numbers of 31.4, and the VMCS launch states of 25.1.
 * L0 keeps the current VMCS12 in a cache (the page L1 loaded with VMPTRLD, in L0's layout of
 * struct vmcs12) and writes it back when L1 leaves it (VMPTRLD of another, VMCLEAR, VMXOFF).
 *
 * Choices where the SDM leaves L0 free, or where L1 names memory that is not its RAM:
 *  - VMCLEAR writes the launch state (clear) and the layout tag into the page and keeps the rest,
 *    after writing back the cache if the page is current: the field values survive a VMCLEAR, so
 *    L1 can VMCLEAR a VMCS on one CPU and VMPTRLD it on another.
 *  - VMPTRLD of a page without L0's layout tag (never VMCLEARed: undefined in the SDM) loads it
 *    as it is, with the launch state clear.
 *  - A VMXON or VMPTRLD pointer whose page is not L1 RAM (gmem refuses it) fails as a revision-
 *    identifier mismatch (VMfailInvalid, VMfailValid 11), because the page reads as zeros (L0's
 *    decoy) or all ones (a hole), and neither is a revision identifier; KVM does the same. VMCLEAR
 *    of such a page succeeds, its write dropped, as the SDM only rejects misaligned or too wide
 *    pointers. A memory operand that translates to such a page reads zeros and is not written.
 *    Each case sets refused/refused_gpa, for L0's trace.
 *  - INVVPID checks canonicality with L1's current linear-address width (CR4.LA57).
 */
#ifndef VMX_EMUL_VMX_INSN_H
#define VMX_EMUL_VMX_INSN_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx-emul/guest_mem.h"
#include "vmx-emul/l1_paging.h"
#include "vmx-emul/operand.h"
#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_errors.h"

/* "No current VMCS" (SDM Vol. 3C 31.3 VMXON: current-VMCS pointer := FFFFFFFF_FFFFFFFFH). */
#define VMXE_VMPTR_NONE UINT64_MAX

/* Exceptions an emulated VMX instruction raises (SDM Vol. 3A 6.15). */
#define VMXE_VEC_UD 6
#define VMXE_VEC_SS 12
#define VMXE_VEC_GP 13
#define VMXE_VEC_PF 14

/* RFLAGS status flags written by VMsucceed and VMfail (SDM Vol. 3C 31.2). */
#define VMXE_RFLAGS_CF (1ull << 0)
#define VMXE_RFLAGS_PF (1ull << 2)
#define VMXE_RFLAGS_AF (1ull << 4)
#define VMXE_RFLAGS_ZF (1ull << 6)
#define VMXE_RFLAGS_SF (1ull << 7)
#define VMXE_RFLAGS_OF (1ull << 11)
#define VMXE_RFLAGS_VMX_STATUS                                                                     \
	(VMXE_RFLAGS_CF | VMXE_RFLAGS_PF | VMXE_RFLAGS_AF | VMXE_RFLAGS_ZF | VMXE_RFLAGS_SF |      \
	 VMXE_RFLAGS_OF)

/* IA32_FEATURE_CONTROL bits that VMXON outside SMX needs (SDM Vol. 3C 24.7). */
#define VMXE_FEATURE_CONTROL_LOCK	     (1ull << 0)
#define VMXE_FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* Guest interruptibility state, bit 1: blocking by MOV SS (SDM Vol. 3C 25.4.2, Table 25-3). */
#define VMXE_INTR_BLOCK_MOV_SS (1u << 1)

/* INVVPID and INVEPT types, the register operand (SDM Vol. 3C 31.3). */
enum vmxe_invvpid_type {
	VMXE_INVVPID_ADDR = 0,
	VMXE_INVVPID_SINGLE = 1,
	VMXE_INVVPID_ALL = 2,
	VMXE_INVVPID_SINGLE_NONGLOBAL = 3,
};

enum vmxe_invept_type {
	VMXE_INVEPT_SINGLE = 1,
	VMXE_INVEPT_ALL = 2,
};

/* L1's virtual VMX state (one per L1 vCPU). */
struct vmxe_nested {
	bool vmxon;		/* L1 is in VMX operation */
	uint64_t vmxon_ptr;	/* VMXON region, or VMXE_VMPTR_NONE */
	uint64_t current_vmptr; /* current VMCS, or VMXE_VMPTR_NONE */
	struct vmcs12 *vmcs12;	/* L0's copy of the current VMCS12, owned by the caller */
	bool vmcs12_dirty;	/* the copy differs from the page: write it back on leaving */
};

/* Out of VMX operation, no current VMCS, @cache as the VMCS12 copy. */
void vmxe_nested_init(struct vmxe_nested *n, struct vmcs12 *cache);

/*
 * Writes the VMCS12 copy back to the current VMCS page if it is dirty; the copy is clean after,
 * even if the write failed (the page is not L1 RAM: there is nothing to retry). VMXE_GMEM_OK, or
 * the error of the write.
 */
int vmxe_nested_flush(struct vmxe_nested *n, const struct vmxe_gmem *mem);

/* One VMX-instruction exit, decoded once, and what L1 looked like at it. */
struct vmxe_insn_ctx {
	uint32_t reason;	/* basic exit reason, VMX_EXIT_VMXON .. VMX_EXIT_INVVPID */
	uint64_t qualification; /* the memory operand's displacement (SDM Vol. 3C 28.2.1) */
	uint32_t insn_info;	/* VM-exit instruction-information field */
	struct vmxe_l1_cpu cpu; /* L1's registers; VMREAD to a register writes cpu.gpr */
	uint64_t cr3;		/* the rest of what L1's page walks need (l1_paging.h) */
	uint32_t pkru, pkrs;
	uint8_t maxphyaddr; /* L1's MAXPHYADDR: also the width of VMX pointers */
	bool page1gb;
	uint32_t interruptibility; /* L1's guest interruptibility state (VMCS01) */
	uint64_t feature_control;  /* L1's virtual IA32_FEATURE_CONTROL */
	const struct vmxe_gmem *mem;
	const struct vmxe_vcaps *caps;
};

/* What L1's page walks depend on, from @c: the walks of the instruction's memory operand, and
 * L0's reads of L1's code at the instruction (bt=on). */
struct vmxe_l1_paging vmxe_insn_paging(const struct vmxe_insn_ctx *c);

enum vmxe_insn_kind {
	VMXE_INSN_SUCCEED,	/* VMsucceed: the caller updates RFLAGS and skips the instruction */
	VMXE_INSN_FAIL_INVALID, /* VMfailInvalid: as SUCCEED, with other flags */
	VMXE_INSN_FAIL_VALID,	/* VMfailValid: error stored in the VMCS12 copy; as SUCCEED */
	VMXE_INSN_EXCEPTION,	/* inject vector (error_code, cr2); RIP and RFLAGS unchanged */
	VMXE_INSN_VMENTRY,	/* VMLAUNCH/VMRESUME passed the instruction's checks: the caller
				 * checks VMCS12 (SDM Vol. 3C 27.1-27.3) and enters L2, or fails
				 * with vmxe_insn_fail() */
	VMXE_INSN_UNHANDLED,	/* the exit reason is not one of the instructions above */
};

/* What INVEPT or INVVPID asks the caller to invalidate (on VMXE_INSN_SUCCEED). */
enum vmxe_inv_kind {
	VMXE_INV_NONE,
	VMXE_INV_VPID_ADDR,		/* mappings of linear address addr tagged with vpid */
	VMXE_INV_VPID_SINGLE,		/* mappings tagged with vpid */
	VMXE_INV_VPID_ALL,		/* mappings tagged with any VPID but 0 */
	VMXE_INV_VPID_SINGLE_NONGLOBAL, /* as SINGLE, global translations kept */
	VMXE_INV_EPT_SINGLE,		/* mappings derived from eptp */
	VMXE_INV_EPT_ALL,		/* mappings derived from any EPTP */
};

struct vmxe_invalidation {
	enum vmxe_inv_kind kind;
	uint16_t vpid;
	uint64_t addr;
	uint64_t eptp;
};

struct vmxe_insn_result {
	enum vmxe_insn_kind kind;
	enum vmxe_insn_error error; /* FAIL_VALID: the number; FAIL_INVALID: VMXE_FAIL_INVALID */
	uint8_t vector;		    /* EXCEPTION */
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;		      /* EXCEPTION with vector 14: the faulting linear address */
	bool launch;		      /* VMENTRY: VMLAUNCH rather than VMRESUME */
	struct vmxe_invalidation inv; /* SUCCEED of INVEPT/INVVPID */
	bool refused;		      /* L1 named memory that is not its RAM (see the top) */
	uint64_t refused_gpa;
};

/* Emulates the instruction of @ctx against @n. */
struct vmxe_insn_result vmxe_insn_emulate(struct vmxe_nested *n, struct vmxe_insn_ctx *ctx);

/*
 * The one rule for failures (SDM Vol. 3C 31.2): VMfailValid(@err) when there is a current VMCS,
 * storing @err in its VM-instruction error field, else VMfailInvalid; VMXE_FAIL_INVALID asks for
 * VMfailInvalid outright. Sets r->kind and r->error, leaves the rest of @r.
 */
void vmxe_insn_fail(struct vmxe_nested *n, enum vmxe_insn_error err, struct vmxe_insn_result *r);

/* RFLAGS after @r (SDM Vol. 3C 31.2): VMsucceed clears CF, PF, AF, ZF, SF, OF; VMfailInvalid
 * sets CF and clears the others; VMfailValid sets ZF and clears the others; else unchanged. */
uint64_t vmxe_rflags_after(uint64_t rflags, const struct vmxe_insn_result *r);

/*
 * Whether VM entry with "enable EPT" would accept @eptp (SDM Vol. 3C 27.2.1.1): a memory type and
 * a walk length that L1's IA32_VMX_EPT_VPID_CAP offers, A/D and supervisor-shadow-stack bits only
 * if offered, bits 11:8 and those beyond @maxphyaddr clear. INVEPT single-context uses it.
 */
bool vmxe_eptp_valid(const struct vmxe_vcaps *caps, uint64_t eptp, unsigned int maxphyaddr);

#endif /* VMX_EMUL_VMX_INSN_H */
