/*
 * vmcs12_checks_util.h: helpers shared by the two halves of the VM-entry checks
 * (vmcs12_checks.c: controls, host state, MSR-load area; vmcs12_guest_checks.c: guest state).
 * Internal to vmx-emul; touches no hardware. The CC() wrapper names the rule that failed, as
 * KVM's nested.c does, so that a refused VMLAUNCH can say which SDM rule L1 broke.
 */
#ifndef VMX_EMUL_VMCS12_CHECKS_UTIL_H
#define VMX_EMUL_VMCS12_CHECKS_UTIL_H

#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/vmcs12_checks.h"
#include "vmx-emul/vmx_caps.h"

/* VM-entry interruption-information field (SDM Vol. 3C 25.8.3, Table 25-17). */
#define INTR_INFO_VECTOR_MASK  0x000000ffu
#define INTR_INFO_TYPE_MASK    0x00000700u
#define INTR_INFO_TYPE_SHIFT   8
#define INTR_INFO_DELIVER_CODE 0x00000800u
#define INTR_INFO_RESERVED     0x7ffff000u /* bits 30:12 */
#define INTR_INFO_VALID	       0x80000000u

enum intr_type {
	INTR_EXT_INTR = 0,
	INTR_TYPE_RESERVED = 1,
	INTR_NMI = 2,
	INTR_HW_EXCEPTION = 3,
	INTR_SW_INTR = 4,
	INTR_PRIV_SW_EXCEPTION = 5,
	INTR_SW_EXCEPTION = 6,
	INTR_OTHER_EVENT = 7, /* vector 0: pending MTF VM exit */
};

/* Segment access rights in VMCS format (SDM Vol. 3C 25.4.1, Table 25-2). */
#define AR_TYPE_MASK	   0x0000000fu
#define AR_TYPE_ACCESSED   0x1u	       /* type bit 0 */
#define AR_TYPE_READABLE   0x2u	       /* type bit 1, for code segments */
#define AR_TYPE_CONFORMING 0x4u	       /* type bit 2, for code segments */
#define AR_TYPE_CODE	   0x8u	       /* type bit 3 */
#define AR_S		   0x00000010u /* 1: code or data segment, 0: system */
#define AR_DPL_MASK	   0x00000060u
#define AR_DPL_SHIFT	   5
#define AR_P		   0x00000080u
#define AR_RSVD_11_8	   0x00000f00u
#define AR_L		   0x00002000u
#define AR_DB		   0x00004000u
#define AR_G		   0x00008000u
#define AR_UNUSABLE	   0x00010000u
#define AR_RSVD_31_17	   0xfffe0000u

/* Segment-descriptor types the checks name (SDM Vol. 3A 3.4.5.1, Tables 3-1 and 3-2). */
#define SEG_TYPE_DATA_RW_ACCESSED      3u
#define SEG_TYPE_DATA_RW_DOWN_ACCESSED 7u
#define SEG_TYPE_LDT		       2u
#define SEG_TYPE_TSS16_BUSY	       3u
#define SEG_TYPE_TSS_BUSY	       11u /* 32-bit, or 64-bit in IA-32e mode */

/* Selector fields. */
#define SEL_RPL_MASK 0x3u
#define SEL_TI	     0x4u

/* IA32_EFER (SDM Vol. 3A 2.2.1); the other bits are reserved on Intel processors. */
#define EFER_SCE 0x001ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_NXE 0x800ull

/* RFLAGS (SDM Vol. 1 3.4.3). */
#define RFLAGS_FIXED1 0x00000002ull /* bit 1 reads as 1 */
#define RFLAGS_IF     0x00000200ull
#define RFLAGS_VM     0x00020000ull
/* Reserved as 0 for VM entry: bits 63:22, 15, 5 and 3 (SDM Vol. 3C 27.3.1.4). */
#define RFLAGS_RESERVED 0xffffffffffc08028ull

/* Guest interruptibility state (SDM Vol. 3C 25.4.2, Table 25-3). */
#define INTERRUPTIBILITY_STI	0x01u
#define INTERRUPTIBILITY_MOV_SS 0x02u
#define INTERRUPTIBILITY_SMI	0x04u
#define INTERRUPTIBILITY_NMI	0x08u
/* Bit 4 (enclave interruption) is treated as reserved: L0 offers no SGX to L2. */
#define INTERRUPTIBILITY_RESERVED 0xfffffff0u

/* Guest activity state (SDM Vol. 3C 25.4.2). */
enum activity_state {
	ACTIVITY_ACTIVE = 0,
	ACTIVITY_HLT = 1,
	ACTIVITY_SHUTDOWN = 2,
	ACTIVITY_WAIT_SIPI = 3,
};

/* Guest pending debug exceptions (SDM Vol. 3C 25.4.2, Table 25-4). */
#define PENDING_DBG_B0_3       0x0000000full
#define PENDING_DBG_ENABLED_BP 0x00001000ull /* bit 12 */
#define PENDING_DBG_BS	       0x00004000ull /* bit 14 */
#define PENDING_DBG_RTM	       0x00010000ull /* bit 16 */
/* Bits 11:4, 13, 15 and 63:17 (SDM Vol. 3C 27.3.1.5). */
#define PENDING_DBG_RESERVED 0xfffffffffffeaff0ull

/* Everything one run of the checks reads, and where it records the verdict. */
struct vmxe_chk {
	const struct vmcs12 *v;
	const struct vmxe_vcaps *caps;
	const struct vmxe_check_l1 *cpu;
	const struct vmxe_gmem *mem;
	struct vmxe_check_result *res;
};

/* Records @rule as the failed check when @bad; returns @bad. Checks are chained with ||, so
 * the first failing rule is the one recorded. */
static inline bool vmxe_chk_fail(const struct vmxe_chk *c, bool bad, const char *rule)
{
	if (bad)
		c->res->check = rule;
	return bad;
}

#define CC(bad, rule) vmxe_chk_fail(c, (bad), (rule))

/* Whether control word @ctl has the named control bit set, e.g. HAS(pin, VMX_PIN_NMI_EXITING). */
#define HAS(ctl, name) (((ctl)&VMX_MASK(name)) != 0)

#define PAGE_OFFSET_MASK 0xfffull

/* L1's value of capability MSR @msr; 0 when L1 does not have it (every control then not
 * allowed, every feature absent). */
static inline uint64_t vmxe_chk_cap(const struct vmxe_chk *c, uint32_t msr)
{
	uint32_t i = msr - VMXE_VCAPS_FIRST_MSR;

	return c->caps->present[i] ? c->caps->msr[i] : 0;
}

/* The capability MSR a control word is checked against: its TRUE form when IA32_VMX_BASIC[55]
 * says there is one (SDM Vol. 3C A.2). */
static inline uint64_t vmxe_chk_ctls(const struct vmxe_chk *c, uint32_t msr, uint32_t true_msr)
{
	bool tru = VMX_GET(VMX_BASIC_TRUE_CTLS, vmxe_chk_cap(c, VMXE_MSR_BASIC));

	return vmxe_chk_cap(c, tru ? true_msr : msr);
}

/* The secondary controls in effect: all 0 unless "activate secondary controls" (27.2.1.1). */
static inline uint32_t vmxe_chk_proc2(const struct vmcs12 *v)
{
	return HAS(v->CPU_BASED_VM_EXEC_CONTROL, VMX_PROC_SECONDARY_CONTROLS)
		   ? v->SECONDARY_VM_EXEC_CONTROL
		   : 0;
}

/* No bit at or above L1's physical-address width. */
static inline bool vmxe_chk_pa_ok(const struct vmxe_chk *c, uint64_t pa)
{
	return (pa >> c->cpu->maxphyaddr) == 0;
}

/* 4 KiB aligned and within the physical-address width: the rule for every page pointer. */
static inline bool vmxe_chk_page_bad(const struct vmxe_chk *c, uint64_t pa)
{
	return (pa & PAGE_OFFSET_MASK) != 0 || !vmxe_chk_pa_ok(c, pa);
}

/* Bits 63:@bits-1 all equal (SDM Vol. 1 3.3.7.1). */
static inline bool vmxe_chk_canonical(uint64_t la, unsigned int bits)
{
	uint64_t upper = la >> (bits - 1);

	return upper == 0 || upper == (UINT64_MAX >> (bits - 1));
}

/* Canonical for L1's linear-address width: bases and MSR-like address fields. */
static inline bool vmxe_chk_noncanonical(const struct vmxe_chk *c, uint64_t la)
{
	return !vmxe_chk_canonical(la, c->cpu->linear_bits);
}

/* Every byte of IA32_PAT a memory type (0, 1, 4, 5, 6, 7; SDM Vol. 3A 12.12.2). */
static inline bool vmxe_chk_pat_valid(uint64_t pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(pat >> (8 * i));

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

/* Fills @res with a stage's verdict (the failed rule is already in res->check); returns it. */
static inline enum vmxe_check_kind vmxe_chk_verdict(struct vmxe_check_result *res, bool failed,
						    enum vmxe_check_kind kind,
						    enum vmxe_insn_error error,
						    uint32_t basic_reason)
{
	if (!failed) {
		*res = (struct vmxe_check_result){.kind = VMXE_CHECK_OK};
		return VMXE_CHECK_OK;
	}
	res->kind = kind;
	res->error = error;
	if (kind == VMXE_CHECK_ENTRY_FAIL)
		res->exit_reason = VMX_EXIT_REASON_ENTRY_FAILURE | basic_reason;
	return kind;
}

/* IA32_EFER bits that are not reserved (SDM Vol. 3A 2.2.1). */
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

#endif /* VMX_EMUL_VMCS12_CHECKS_UTIL_H */
