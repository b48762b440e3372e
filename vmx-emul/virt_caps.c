/*
 * virt_caps.c: the VMX capability MSRs that L1 reads (IA32_VMX_BASIC 0x480 .. 0x493), computed
 * from the hardware's values and from what L0 can honour for L2. Touches no hardware: L0 passes
 * the values it read. Implements the layouts of SDM Vol. 3C Appendix A (A.1 basic information,
 * A.3-A.5 control pairs and their TRUE forms, A.6 miscellaneous data, A.7-A.8 CR0/CR4 fixed bits,
 * A.9 VMCS enumeration, A.10 EPT/VPID capabilities, A.11 VM functions).
 *
 * Rule of thumb: a control is offered to L1 only if the hardware has it AND L0 knows how to give
 * its effect to L2 through vmcs02. Unknown (unnamed) control bits are never offered, except the
 * reserved "default1" bits that A.2 requires to be allowed to be 1.
 */
#include "vmx-emul/virt_caps.h"

#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_caps.h"

#define IDX(msr)    ((msr)-VMXE_VCAPS_FIRST_MSR)
#define BIT32(name) ((uint32_t)VMX_MASK(name))

/* Pin-based controls L0 honours: interrupt and NMI exiting, virtual NMIs. No preemption timer
 * (L0 would have to virtualize its rate and save it), no posted interrupts (no APICv for L2). */
#define OFFER_PIN                                                                                  \
	(BIT32(VMX_PIN_EXT_INTR_EXITING) | BIT32(VMX_PIN_NMI_EXITING) |                            \
	 BIT32(VMX_PIN_VIRTUAL_NMIS) | VMX_PIN_DEFAULT1)

/* Primary processor-based controls: every named exiting control, bitmaps, MTF and TSC offsetting;
 * not "use TPR shadow" (no virtual-APIC page handling yet) nor "activate tertiary controls".
 * "activate secondary controls" is removed again when no secondary control is left. */
#define OFFER_PROC                                                                                 \
	(BIT32(VMX_PROC_INTR_WINDOW_EXITING) | BIT32(VMX_PROC_USE_TSC_OFFSETTING) |                \
	 BIT32(VMX_PROC_HLT_EXITING) | BIT32(VMX_PROC_INVLPG_EXITING) |                            \
	 BIT32(VMX_PROC_MWAIT_EXITING) | BIT32(VMX_PROC_RDPMC_EXITING) |                           \
	 BIT32(VMX_PROC_RDTSC_EXITING) | BIT32(VMX_PROC_CR3_LOAD_EXITING) |                        \
	 BIT32(VMX_PROC_CR3_STORE_EXITING) | BIT32(VMX_PROC_CR8_LOAD_EXITING) |                    \
	 BIT32(VMX_PROC_CR8_STORE_EXITING) | BIT32(VMX_PROC_NMI_WINDOW_EXITING) |                  \
	 BIT32(VMX_PROC_MOV_DR_EXITING) | BIT32(VMX_PROC_UNCOND_IO_EXITING) |                      \
	 BIT32(VMX_PROC_USE_IO_BITMAPS) | BIT32(VMX_PROC_MONITOR_TRAP_FLAG) |                      \
	 BIT32(VMX_PROC_USE_MSR_BITMAPS) | BIT32(VMX_PROC_MONITOR_EXITING) |                       \
	 BIT32(VMX_PROC_PAUSE_EXITING) | BIT32(VMX_PROC_SECONDARY_CONTROLS) | VMX_PROC_DEFAULT1)

/* Secondary controls that need nothing from L0 but passing them to vmcs02 (and reflecting the
 * exits they cause). No APIC virtualization, no PML, no VM functions, no TSC scaling, no PT. */
#define OFFER_PROC2_BASE                                                                           \
	(BIT32(VMX_PROC2_DESC_TABLE_EXITING) | BIT32(VMX_PROC2_ENABLE_RDTSCP) |                    \
	 BIT32(VMX_PROC2_WBINVD_EXITING) | BIT32(VMX_PROC2_PAUSE_LOOP_EXITING) |                   \
	 BIT32(VMX_PROC2_RDRAND_EXITING) | BIT32(VMX_PROC2_ENABLE_INVPCID) |                       \
	 BIT32(VMX_PROC2_RDSEED_EXITING) | BIT32(VMX_PROC2_ENABLE_XSAVES))
/* With VMXE_VCAPS_EPT (ept-merge composes EPT12 with EPT01). Unrestricted guest needs EPT
 * (SDM 27.2.1.1). EPT-violation #VE, mode-based execute control and sub-page permissions are
 * not offered even then: ept-merge does not compose them. */
#define OFFER_PROC2_EPT                                                                            \
	(BIT32(VMX_PROC2_ENABLE_EPT) | BIT32(VMX_PROC2_ENABLE_VPID) |                              \
	 BIT32(VMX_PROC2_UNRESTRICTED_GUEST))

/* VM-exit controls: the state L0 loads into L1 on a reflected exit. Not PERF_GLOBAL_CTRL,
 * BNDCFGS, RTIT, LBR, UINV, CET, PKRS, nor the preemption timer or secondary exit controls. */
#define OFFER_EXIT                                                                                 \
	(BIT32(VMX_EXIT_SAVE_DEBUG_CONTROLS) | BIT32(VMX_EXIT_HOST_ADDR_SPACE_SIZE) |              \
	 BIT32(VMX_EXIT_ACK_INTR_ON_EXIT) | BIT32(VMX_EXIT_SAVE_PAT) | BIT32(VMX_EXIT_LOAD_PAT) |  \
	 BIT32(VMX_EXIT_SAVE_EFER) | BIT32(VMX_EXIT_LOAD_EFER) | VMX_EXIT_DEFAULT1)

/* VM-entry controls: the same state on the way in. No SMM, no dual-monitor treatment. */
#define OFFER_ENTRY                                                                                \
	(BIT32(VMX_ENTRY_LOAD_DEBUG_CONTROLS) | BIT32(VMX_ENTRY_IA32E_MODE_GUEST) |                \
	 BIT32(VMX_ENTRY_LOAD_PAT) | BIT32(VMX_ENTRY_LOAD_EFER) | VMX_ENTRY_DEFAULT1)

/* IA32_VMX_MISC bits kept from the hardware (SDM A.6). The CR3-target count: L0 passes the
 * targets to vmcs02. Activity state HLT only: shutdown and wait-for-SIPI would need L0 to
 * emulate them for L2. "EFER.LMA saved in IA-32e mode guest" and zero-length software
 * injection: L0 takes both from vmcs02, where the hardware already does them. Dropped: the
 * preemption-timer rate, wait-for-SIPI, PT, SMM and MSEG, VMWRITE to read-only fields (bit 29:
 * L0 would have to accept such writes). MAX_MSR_LIST stays 0, which A.6 reads as 512 entries
 * (512 * (N + 1)): the smallest value, the one the MSR-load checks enforce. */
#define KEEP_MISC                                                                                  \
	(VMX_MASK(VMX_MISC_STORE_LMA) | VMX_MASK(VMX_MISC_ACT_HLT) |                               \
	 VMX_MASK(VMX_MISC_CR3_TARGETS) | VMX_MASK(VMX_MISC_ZERO_LEN_INJECT))

/* IA32_VMX_EPT_VPID_CAP bits kept from the hardware with VMXE_VCAPS_EPT (SDM A.10): 4-level
 * walks with WB paging structures, the large pages the hardware has, A/D flags, and INVEPT /
 * INVVPID in every type. Not execute-only, UC structures, 5-level walks or shadow-stack bits. */
#define KEEP_EPT_VPID                                                                              \
	(VMX_MASK(VMX_EPT_VPID_WALK_4) | VMX_MASK(VMX_EPT_VPID_MEMTYPE_WB) |                       \
	 VMX_MASK(VMX_EPT_VPID_PDE_2MB) | VMX_MASK(VMX_EPT_VPID_PDPTE_1GB) |                       \
	 VMX_MASK(VMX_EPT_VPID_INVEPT) | VMX_MASK(VMX_EPT_VPID_AD_FLAGS) |                         \
	 VMX_MASK(VMX_EPT_VPID_INVEPT_SINGLE) | VMX_MASK(VMX_EPT_VPID_INVEPT_ALL) |                \
	 VMX_MASK(VMX_EPT_VPID_INVVPID) | VMX_MASK(VMX_EPT_VPID_INVVPID_ADDR) |                    \
	 VMX_MASK(VMX_EPT_VPID_INVVPID_SINGLE) | VMX_MASK(VMX_EPT_VPID_INVVPID_ALL) |              \
	 VMX_MASK(VMX_EPT_VPID_INVVPID_SINGLE_GLOBALS))

static uint64_t hw_msr(const struct vmxe_vcaps *hw, uint32_t msr)
{
	return hw->present[IDX(msr)] ? hw->msr[IDX(msr)] : 0;
}

static void offer(struct vmxe_vcaps *out, uint32_t msr, uint64_t value)
{
	out->msr[IDX(msr)] = value;
	out->present[IDX(msr)] = true;
}

/*
 * L1's TRUE_* form of a control pair: the hardware's allowed settings (its TRUE form when it has
 * one, SDM A.3.1) narrowed to @offered. A control the hardware requires but L0 does not offer
 * loses its must-be-1 status: L0 sets it in vmcs02 itself.
 */
static uint64_t true_ctls(const struct vmxe_vcaps *hw, uint32_t msr, uint32_t true_msr,
			  uint32_t offered)
{
	bool hw_true =
	    VMX_GET(VMX_BASIC_TRUE_CTLS, hw_msr(hw, VMXE_MSR_BASIC)) && hw->present[IDX(true_msr)];
	uint64_t base = hw_msr(hw, hw_true ? true_msr : msr);
	uint32_t allowed1 = vmxe_ctl_allowed1(base) & offered;

	return vmxe_ctl_msr_make(vmxe_ctl_allowed0(base) & allowed1, allowed1);
}

/* Offers a control pair in both forms: the non-TRUE one reports the default1 bits as must-be-1
 * (SDM A.3.1, A.4, A.5), the TRUE one says which of them may be 0. */
static void offer_pair(struct vmxe_vcaps *out, uint32_t msr, uint32_t true_msr, uint64_t tru,
		       uint32_t default1)
{
	offer(out, true_msr, tru);
	offer(out, msr,
	      vmxe_ctl_msr_make(vmxe_ctl_allowed0(tru) | default1, vmxe_ctl_allowed1(tru)));
}

/* Secondary controls for L1 (allowed 1-settings only, SDM A.3.3); 0 when there are none. */
static uint32_t proc2_allowed1(const struct vmxe_vcaps *hw, unsigned int flags)
{
	uint32_t offered = OFFER_PROC2_BASE;
	uint32_t allowed1;

	if (!hw->present[IDX(VMXE_MSR_PROCBASED_CTLS2)])
		return 0;
	if (flags & VMXE_VCAPS_EPT)
		offered |= OFFER_PROC2_EPT;
	if (flags & VMXE_VCAPS_SHADOW)
		offered |= BIT32(VMX_PROC2_VMCS_SHADOWING);
	allowed1 = vmxe_ctl_allowed1(hw_msr(hw, VMXE_MSR_PROCBASED_CTLS2)) & offered;
	if (!(allowed1 & BIT32(VMX_PROC2_ENABLE_EPT)))
		allowed1 &= ~BIT32(VMX_PROC2_UNRESTRICTED_GUEST);
	return allowed1;
}

/* IA32_VMX_BASIC (SDM A.1): the hardware's revision identifier (VMCS12 pages carry it), one
 * 4 KiB VMCS12 page, WB, TRUE controls always; INS/OUTS information and the relaxed error-code
 * rule of bit 56 as the hardware has them, since L0 passes both through vmcs02. */
static uint64_t basic(const struct vmxe_vcaps *hw)
{
	uint64_t b = hw_msr(hw, VMXE_MSR_BASIC);

	return (b & (VMX_MASK(VMX_BASIC_REVISION_ID) | VMX_MASK(VMX_BASIC_INSOUTS_INFO) |
		     VMX_MASK(VMX_BASIC_NO_ERRCODE_OK))) |
	       ((uint64_t)VMCS12_PAGE_SIZE << VMX_BASIC_VMCS_SIZE_SHIFT) |
	       ((uint64_t)VMX_BASIC_MEMTYPE_WB << VMX_BASIC_MEMTYPE_SHIFT) |
	       VMX_MASK(VMX_BASIC_TRUE_CTLS);
}

static void offer_controls(const struct vmxe_vcaps *hw, unsigned int flags, struct vmxe_vcaps *out)
{
	uint32_t proc = OFFER_PROC;
	uint32_t allowed2 = proc2_allowed1(hw, flags);

	if (allowed2 == 0)
		proc &= ~BIT32(VMX_PROC_SECONDARY_CONTROLS);
	offer_pair(out, VMXE_MSR_PINBASED_CTLS, VMXE_MSR_TRUE_PINBASED_CTLS,
		   true_ctls(hw, VMXE_MSR_PINBASED_CTLS, VMXE_MSR_TRUE_PINBASED_CTLS, OFFER_PIN),
		   VMX_PIN_DEFAULT1);
	offer_pair(out, VMXE_MSR_PROCBASED_CTLS, VMXE_MSR_TRUE_PROCBASED_CTLS,
		   true_ctls(hw, VMXE_MSR_PROCBASED_CTLS, VMXE_MSR_TRUE_PROCBASED_CTLS, proc),
		   VMX_PROC_DEFAULT1);
	offer_pair(out, VMXE_MSR_EXIT_CTLS, VMXE_MSR_TRUE_EXIT_CTLS,
		   true_ctls(hw, VMXE_MSR_EXIT_CTLS, VMXE_MSR_TRUE_EXIT_CTLS, OFFER_EXIT),
		   VMX_EXIT_DEFAULT1);
	offer_pair(out, VMXE_MSR_ENTRY_CTLS, VMXE_MSR_TRUE_ENTRY_CTLS,
		   true_ctls(hw, VMXE_MSR_ENTRY_CTLS, VMXE_MSR_TRUE_ENTRY_CTLS, OFFER_ENTRY),
		   VMX_ENTRY_DEFAULT1);
	/* Present only when "activate secondary controls" may be 1 (SDM A.3.3). */
	if (vmxe_ctl_allowed1(out->msr[IDX(VMXE_MSR_PROCBASED_CTLS)]) &
	    BIT32(VMX_PROC_SECONDARY_CONTROLS))
		offer(out, VMXE_MSR_PROCBASED_CTLS2, vmxe_ctl_msr_make(0, allowed2));
}

void vmxe_vcaps_compute(const struct vmxe_vcaps *hw, unsigned int flags, struct vmxe_vcaps *out)
{
	uint32_t allowed2;

	*out = (struct vmxe_vcaps){0};
	offer(out, VMXE_MSR_BASIC, basic(hw));
	offer_controls(hw, flags, out);
	offer(out, VMXE_MSR_MISC, hw_msr(hw, VMXE_MSR_MISC) & KEEP_MISC);
	/* VMXON and VM entry need the hardware's fixed bits: L1's values reach the hardware. */
	offer(out, VMXE_MSR_CR0_FIXED0, hw_msr(hw, VMXE_MSR_CR0_FIXED0));
	offer(out, VMXE_MSR_CR0_FIXED1, hw_msr(hw, VMXE_MSR_CR0_FIXED1));
	offer(out, VMXE_MSR_CR4_FIXED0, hw_msr(hw, VMXE_MSR_CR4_FIXED0));
	offer(out, VMXE_MSR_CR4_FIXED1, hw_msr(hw, VMXE_MSR_CR4_FIXED1));
	/* VMCS12 has every field of vmcs_fields.def (SDM A.9: bits 9:1 hold the highest index). */
	offer(out, VMXE_MSR_VMCS_ENUM,
	      (uint64_t)vmxe_field_highest_index() << VMX_VMCS_ENUM_HIGHEST_INDEX_SHIFT);
	/* Present only if EPT or VPID may be 1 (SDM A.10). VMFUNC (A.11) and the tertiary and
	 * secondary-exit MSRs stay absent: their activating controls are never offered. */
	allowed2 = vmxe_ctl_allowed1(out->msr[IDX(VMXE_MSR_PROCBASED_CTLS2)]);
	if (allowed2 & (BIT32(VMX_PROC2_ENABLE_EPT) | BIT32(VMX_PROC2_ENABLE_VPID)))
		offer(out, VMXE_MSR_EPT_VPID_CAP,
		      hw_msr(hw, VMXE_MSR_EPT_VPID_CAP) & KEEP_EPT_VPID);
}

bool vmxe_vcaps_read(const struct vmxe_vcaps *c, uint32_t msr, uint64_t *value)
{
	if (msr < VMXE_VCAPS_FIRST_MSR || msr > VMXE_VCAPS_LAST_MSR || !c->present[IDX(msr)])
		return false;
	*value = c->msr[IDX(msr)];
	return true;
}
