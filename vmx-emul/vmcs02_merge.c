/*
 * vmcs02_merge.c: VMCS02 from VMCS01 and VMCS12, L2's state back into VMCS12 and L1's host state
 * into VMCS01 (see vmcs02_merge.h). Pure; touches no hardware. SDM Vol. 3C 25.6 (what the
 * execution controls make exit), 26.3.2 (what VM entry loads), 28.2-28.3 (what an exit records
 * and saves) and 28.5 (loading host state).
 */
#include "vmx-emul/vmcs02_merge.h"

#include <stdbool.h>
#include <string.h>

#include "vmx-emul/vmx_caps.h"

/* Register bits the rules need (SDM Vol. 3A 2.5 control registers, 2.2.1 IA32_EFER). */
#define CR0_ET		(1ull << 4)
#define CR0_NW		(1ull << 29)
#define CR0_CD		(1ull << 30)
#define CR0_PE		(1ull << 0)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_PCIDE	(1ull << 17)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_LONG_MODE	(EFER_LME | EFER_LMA)
#define RFLAGS_FIXED1	0x2ull	      /* RFLAGS after an exit: only the always-1 bit 1 (28.5.3) */
#define DR7_AFTER_EXIT	0x400ull      /* 28.5.1 */
#define PAE_PDPT_MASK	0xffffffe0ull /* CR3 bits 31:5 locate the PDPT with PAE paging */
#define PAE_PDPTE_COUNT 4
#define PF_BIT		(1u << 14) /* #PF in the exception bitmap */
#define ACTIVITY_ACTIVE 0u	   /* activity state (25.4.2) */

/* CR0's reserved bits 63:32, 28:19, 17 and 15:6; an exit leaves them alone, and ET, NW, CD
 * (28.5.1). */
#define CR0_RESERVED	 (0xffffffff00000000ull | 0x1ff80000ull | 0x20000ull | 0xffc0ull)
#define CR0_KEPT_ON_EXIT (CR0_RESERVED | CR0_ET | CR0_NW | CR0_CD)

/* Segment access rights as the VMCS holds them (SDM Vol. 3C 25.4.1, Table 25-2). */
#define AR_TYPE_CODE_XR_ACCESSED 0xbu /* also "busy TSS" for TR */
#define AR_TYPE_DATA_RW_ACCESSED 0x3u
#define AR_S			 (1u << 4)
#define AR_P			 (1u << 7)
#define AR_L			 (1u << 13)
#define AR_DB			 (1u << 14)
#define AR_G			 (1u << 15)
#define AR_UNUSABLE		 (1u << 16)
#define SEG_LIMIT_4G		 0xffffffffu
#define TR_LIMIT_AFTER_EXIT	 0x67u
#define DTR_LIMIT_AFTER_EXIT	 0xffffu
#define AR_DATA_AFTER_EXIT	 (AR_TYPE_DATA_RW_ACCESSED | AR_S | AR_P | AR_DB | AR_G)

#define CTL(name) ((uint32_t)VMX_MASK(VMX_##name))

/* L1's controls VMCS02 can honour (vmcs02_merge.h lists why the others are refused). */
#define PIN_FROM_L1 (CTL(PIN_EXT_INTR_EXITING) | CTL(PIN_NMI_EXITING) | CTL(PIN_VIRTUAL_NMIS))
#define PROC_IO	    (CTL(PROC_UNCOND_IO_EXITING) | CTL(PROC_USE_IO_BITMAPS))
/* Primary controls that only add exits (or TSC offsetting, which adds up): OR'ed with L0's. */
#define PROC_OR_L1                                                                                 \
	(CTL(PROC_INTR_WINDOW_EXITING) | CTL(PROC_USE_TSC_OFFSETTING) | CTL(PROC_HLT_EXITING) |    \
	 CTL(PROC_INVLPG_EXITING) | CTL(PROC_MWAIT_EXITING) | CTL(PROC_RDPMC_EXITING) |            \
	 CTL(PROC_RDTSC_EXITING) | CTL(PROC_CR3_LOAD_EXITING) | CTL(PROC_CR3_STORE_EXITING) |      \
	 CTL(PROC_CR8_LOAD_EXITING) | CTL(PROC_CR8_STORE_EXITING) | CTL(PROC_NMI_WINDOW_EXITING) | \
	 CTL(PROC_MOV_DR_EXITING) | CTL(PROC_MONITOR_TRAP_FLAG) | CTL(PROC_MONITOR_EXITING) |      \
	 CTL(PROC_PAUSE_EXITING))
#define PROC_FROM_L1                                                                               \
	(PROC_OR_L1 | PROC_IO | CTL(PROC_USE_MSR_BITMAPS) | CTL(PROC_SECONDARY_CONTROLS))
/* Secondary controls that only add exits: OR'ed with L0's. */
#define SEC_OR_L1                                                                                  \
	(CTL(PROC2_DESC_TABLE_EXITING) | CTL(PROC2_WBINVD_EXITING) |                               \
	 CTL(PROC2_PAUSE_LOOP_EXITING) | CTL(PROC2_RDRAND_EXITING) | CTL(PROC2_RDSEED_EXITING))
/* Secondary controls that enable an instruction for the guest (else it raises #UD): L1 decides
 * for L2, whatever L0 chose for L1. */
#define SEC_ENABLE_L1                                                                              \
	(CTL(PROC2_ENABLE_RDTSCP) | CTL(PROC2_ENABLE_INVPCID) | CTL(PROC2_ENABLE_XSAVES) |         \
	 CTL(PROC2_USER_WAIT_PAUSE))
/* With EPT12 (L0 offers EPT to L1, ept-merge), L2 runs on EPT02 and may be unrestricted. */
#define SEC_EPT12 (CTL(PROC2_ENABLE_EPT) | CTL(PROC2_UNRESTRICTED_GUEST))
#define SEC_FROM_L1 (SEC_OR_L1 | SEC_ENABLE_L1 | CTL(PROC2_ENABLE_VPID) | SEC_EPT12)
#define ENTRY_FROM_L1                                                                              \
	(CTL(ENTRY_LOAD_DEBUG_CONTROLS) | CTL(ENTRY_IA32E_MODE_GUEST) |                            \
	 CTL(ENTRY_LOAD_PERF_GLOBAL_CTRL) | CTL(ENTRY_LOAD_PAT) | CTL(ENTRY_LOAD_EFER) |           \
	 CTL(ENTRY_LOAD_BNDCFGS) | CTL(ENTRY_LOAD_CET_STATE) | CTL(ENTRY_LOAD_PKRS))
#define EXIT_FROM_L1                                                                               \
	(CTL(EXIT_SAVE_DEBUG_CONTROLS) | CTL(EXIT_HOST_ADDR_SPACE_SIZE) |                          \
	 CTL(EXIT_LOAD_PERF_GLOBAL_CTRL) | CTL(EXIT_ACK_INTR_ON_EXIT) | CTL(EXIT_SAVE_PAT) |       \
	 CTL(EXIT_LOAD_PAT) | CTL(EXIT_SAVE_EFER) | CTL(EXIT_LOAD_EFER) |                          \
	 CTL(EXIT_CLEAR_BNDCFGS) | CTL(EXIT_LOAD_CET_STATE) | CTL(EXIT_LOAD_PKRS))
/* L1's exit controls that change what an exit from L2 records, not L0's host: VMCS02 needs them
 * so that the values L1 asked for exist (the vector of an acknowledged interrupt, the saved
 * DR7/DEBUGCTL, PAT, EFER). */
#define EXIT_SAVES_FOR_L1                                                                          \
	(CTL(EXIT_ACK_INTR_ON_EXIT) | CTL(EXIT_SAVE_DEBUG_CONTROLS) | CTL(EXIT_SAVE_PAT) |         \
	 CTL(EXIT_SAVE_EFER))
/* What VMCS02's entry must always load: VMCS01's exit put L0's values in these registers. */
#define ENTRY_ALWAYS_02                                                                            \
	(CTL(ENTRY_LOAD_DEBUG_CONTROLS) | CTL(ENTRY_LOAD_PAT) | CTL(ENTRY_LOAD_EFER))

static bool l1_controls_supported(const struct vmcs12 *v12)
{
	return !(v12->PIN_BASED_VM_EXEC_CONTROL & ~(PIN_FROM_L1 | VMX_PIN_DEFAULT1)) &&
	       !(v12->CPU_BASED_VM_EXEC_CONTROL & ~(PROC_FROM_L1 | VMX_PROC_DEFAULT1)) &&
	       !(vmxe_secondary_controls(v12) & ~SEC_FROM_L1) &&
	       !(v12->VM_ENTRY_CONTROLS & ~(ENTRY_FROM_L1 | VMX_ENTRY_DEFAULT1)) &&
	       !(v12->VM_EXIT_CONTROLS & ~(EXIT_FROM_L1 | VMX_EXIT_DEFAULT1));
}

static uint64_t tsc_offset_of(const struct vmcs12 *v)
{
	return (v->CPU_BASED_VM_EXEC_CONTROL & CTL(PROC_USE_TSC_OFFSETTING)) ? v->TSC_OFFSET : 0;
}

/*
 * Pin and primary controls: L0's OR L1's exiting controls. L0 keeps its MSR bitmap (the merged
 * page) and the secondary controls (EPT); the I/O controls are exactly L1's, as L0 passes I/O
 * through. TSC offsets add up: L2's TSC = L1's TSC + L1's offset = host + L0's + L1's.
 */
static void build_primary(const struct vmcs12 *v01, const struct vmcs12 *v12,
			  const struct vmxe_merge_cfg *cfg, struct vmcs12 *v02)
{
	uint32_t proc = (v01->CPU_BASED_VM_EXEC_CONTROL & ~PROC_IO) |
			(v12->CPU_BASED_VM_EXEC_CONTROL & (PROC_OR_L1 | VMX_PROC_DEFAULT1)) |
			CTL(PROC_USE_MSR_BITMAPS) | CTL(PROC_SECONDARY_CONTROLS);

	switch (vmxe_io_bitmap_policy(v12)) {
	case VMXE_IO_BITMAPS:
		proc |= CTL(PROC_USE_IO_BITMAPS);
		v02->IO_BITMAP_A = cfg->io_bitmap_a_hpa;
		v02->IO_BITMAP_B = cfg->io_bitmap_b_hpa;
		break;
	case VMXE_IO_UNCOND:
		proc |= CTL(PROC_UNCOND_IO_EXITING);
		break;
	case VMXE_IO_PASS:
		break;
	}
	v02->PIN_BASED_VM_EXEC_CONTROL =
	    v01->PIN_BASED_VM_EXEC_CONTROL |
	    (v12->PIN_BASED_VM_EXEC_CONTROL & (PIN_FROM_L1 | VMX_PIN_DEFAULT1));
	/* The preemption timer is L0's alone (L1 is not offered one): its budget, not L1's. */
	if (v01->PIN_BASED_VM_EXEC_CONTROL & CTL(PIN_PREEMPTION_TIMER))
		v02->VMX_PREEMPTION_TIMER_VALUE = v01->VMX_PREEMPTION_TIMER_VALUE;
	v02->CPU_BASED_VM_EXEC_CONTROL = proc;
	v02->MSR_BITMAP = cfg->msr_bitmap_hpa;
	v02->TSC_OFFSET = tsc_offset_of(v01) + tsc_offset_of(v12);
	v02->CR3_TARGET_COUNT = v12->CR3_TARGET_COUNT;
	v02->CR3_TARGET_VALUE0 = v12->CR3_TARGET_VALUE0;
	v02->CR3_TARGET_VALUE1 = v12->CR3_TARGET_VALUE1;
	v02->CR3_TARGET_VALUE2 = v12->CR3_TARGET_VALUE2;
	v02->CR3_TARGET_VALUE3 = v12->CR3_TARGET_VALUE3;
}

/*
 * Secondary controls: EPT always, with cfg's EPTP (L2-physical is L1-physical here); VPID when
 * L0 uses it, with L0's tag for L2 (L1's own VPID only matters to L1's INVVPID, which L0
 * emulates); L0's and L1's exiting controls; the "enable" controls as L1 set them. L0's other
 * secondary controls (unrestricted guest among them) serve L1 only.
 */
static void build_secondary(const struct vmcs12 *v01, const struct vmcs12 *v12,
			    const struct vmxe_merge_cfg *cfg, struct vmcs12 *v02)
{
	uint32_t sec01 = vmxe_secondary_controls(v01), sec12 = vmxe_secondary_controls(v12);
	uint32_t sec = (sec01 & (SEC_OR_L1 | CTL(PROC2_ENABLE_VPID))) |
		       (sec12 & (SEC_OR_L1 | SEC_ENABLE_L1 | SEC_EPT12)) | CTL(PROC2_ENABLE_EPT);

	v02->SECONDARY_VM_EXEC_CONTROL = sec;
	v02->EPT_POINTER = cfg->eptp;
	if (sec & CTL(PROC2_ENABLE_VPID))
		v02->VIRTUAL_PROCESSOR_ID = cfg->vpid;
	if (sec12 & CTL(PROC2_ENABLE_XSAVES))
		v02->XSS_EXITING_BITMAP =
		    v12->XSS_EXITING_BITMAP |
		    ((sec01 & CTL(PROC2_ENABLE_XSAVES)) ? v01->XSS_EXITING_BITMAP : 0);
	if (sec12 & CTL(PROC2_PAUSE_LOOP_EXITING)) {
		v02->PLE_GAP = v12->PLE_GAP;
		v02->PLE_WINDOW = v12->PLE_WINDOW;
	} else if (sec01 & CTL(PROC2_PAUSE_LOOP_EXITING)) {
		v02->PLE_GAP = v01->PLE_GAP;
		v02->PLE_WINDOW = v01->PLE_WINDOW;
	}
}

/* Whether some #PF exits under this bitmap and error-code mask/match (SDM 25.6.3: with bit 14
 * set, iff (PFEC & mask) == match; with bit 14 clear, iff they differ). */
static bool pf_may_exit(uint32_t bitmap, uint32_t mask, uint32_t match)
{
	return (bitmap & PF_BIT) || mask || match;
}

/*
 * Exception bitmap: L0's OR L1's. Two #PF filters cannot be folded into one mask/match pair: if
 * L0 takes no #PF, L1's bit 14 and mask/match stand as they are; otherwise every #PF exits
 * (bit 14 with mask = match = 0) and vmxe_l1_wants_exit() applies L1's filter.
 */
static void build_exceptions(const struct vmcs12 *v01, const struct vmcs12 *v12, struct vmcs12 *v02)
{
	v02->EXCEPTION_BITMAP = v01->EXCEPTION_BITMAP | v12->EXCEPTION_BITMAP;
	if (pf_may_exit(v01->EXCEPTION_BITMAP, v01->PAGE_FAULT_ERROR_CODE_MASK,
			v01->PAGE_FAULT_ERROR_CODE_MATCH)) {
		v02->EXCEPTION_BITMAP |= PF_BIT;
		v02->PAGE_FAULT_ERROR_CODE_MASK = 0;
		v02->PAGE_FAULT_ERROR_CODE_MATCH = 0;
	} else {
		v02->PAGE_FAULT_ERROR_CODE_MASK = v12->PAGE_FAULT_ERROR_CODE_MASK;
		v02->PAGE_FAULT_ERROR_CODE_MATCH = v12->PAGE_FAULT_ERROR_CODE_MATCH;
	}
}

struct cr02 {
	uint64_t real, mask, shadow;
};

/*
 * One of CR0/CR4 for L2. L0 owns what VMCS01 gives it plus every bit the CPU fixes for L2
 * (FIXED0 has PE and PG: no unrestricted guest without EPT12). The real value is L2's with the
 * fixed bits applied. The read shadow is what L2 reads: L1's shadow in the bits L1 owns, L2's own
 * value (VMCS12's guest CR) in the bits only L0 owns.
 */
static struct cr02 merge_cr(uint64_t l0_mask, uint64_t fixed0, uint64_t fixed1, uint64_t l1_mask,
			    uint64_t l1_shadow, uint64_t l2_value)
{
	struct cr02 c;

	c.mask = l0_mask | fixed0 | ~fixed1 | l1_mask;
	c.real = (l2_value | fixed0) & fixed1;
	c.shadow = (l1_shadow & l1_mask) | (l2_value & ~l1_mask);
	return c;
}

static void build_crs(const struct vmcs12 *v01, const struct vmcs12 *v12,
		      const struct vmxe_merge_cfg *cfg, struct vmcs12 *v02)
{
	/* an unrestricted L2 (EPT12) may clear PE and PG (SDM 26.3.1.1) */
	uint64_t cr0_fixed0 = (vmxe_secondary_controls(v12) & CTL(PROC2_UNRESTRICTED_GUEST))
				      ? cfg->cr0_fixed0 & ~(CR0_PE | CR0_PG)
				      : cfg->cr0_fixed0;
	struct cr02 cr0 = merge_cr(v01->CR0_GUEST_HOST_MASK, cr0_fixed0, cfg->cr0_fixed1,
				   v12->CR0_GUEST_HOST_MASK, v12->CR0_READ_SHADOW, v12->GUEST_CR0);
	struct cr02 cr4 = merge_cr(v01->CR4_GUEST_HOST_MASK, cfg->cr4_fixed0, cfg->cr4_fixed1,
				   v12->CR4_GUEST_HOST_MASK, v12->CR4_READ_SHADOW, v12->GUEST_CR4);

	v02->GUEST_CR0 = cr0.real;
	v02->CR0_GUEST_HOST_MASK = cr0.mask;
	v02->CR0_READ_SHADOW = cr0.shadow;
	v02->GUEST_CR4 = cr4.real;
	v02->CR4_GUEST_HOST_MASK = cr4.mask;
	v02->CR4_READ_SHADOW = cr4.shadow;
}

/*
 * Entry and exit. The exit is L0's (VMCS01's controls, exit-load MSR list and host state) plus
 * what L1 needs recorded. The entry is L1's, and always loads EFER, PAT and the debug controls:
 * where L1's entry would have left L1's values in place (26.3.2.1), VMCS02 loads L1's current
 * values, with EFER.LMA/LME following "IA-32e mode guest" as VM entry sets them. Event injection
 * is L1's.
 */
static void build_entry_exit(const struct vmcs12 *v01, const struct vmcs12 *v12, struct vmcs12 *v02)
{
	uint32_t entry = v12->VM_ENTRY_CONTROLS;

	v02->VM_EXIT_CONTROLS = v01->VM_EXIT_CONTROLS | (v12->VM_EXIT_CONTROLS & EXIT_SAVES_FOR_L1);
	v02->SECONDARY_VM_EXIT_CONTROL = v01->SECONDARY_VM_EXIT_CONTROL;
	v02->VM_EXIT_MSR_LOAD_ADDR = v01->VM_EXIT_MSR_LOAD_ADDR;
	v02->VM_EXIT_MSR_LOAD_COUNT = v01->VM_EXIT_MSR_LOAD_COUNT;
	v02->VM_ENTRY_CONTROLS = (entry & (ENTRY_FROM_L1 | VMX_ENTRY_DEFAULT1)) |
				 (v01->VM_ENTRY_CONTROLS & VMX_ENTRY_DEFAULT1) | ENTRY_ALWAYS_02;
	if (!(entry & CTL(ENTRY_LOAD_EFER))) {
		v02->GUEST_IA32_EFER = v01->GUEST_IA32_EFER & ~EFER_LONG_MODE;
		if (entry & CTL(ENTRY_IA32E_MODE_GUEST))
			v02->GUEST_IA32_EFER |= EFER_LONG_MODE;
	}
	if (!(entry & CTL(ENTRY_LOAD_PAT)))
		v02->GUEST_IA32_PAT = v01->GUEST_IA32_PAT;
	if (!(entry & CTL(ENTRY_LOAD_DEBUG_CONTROLS))) {
		v02->GUEST_DR7 = v01->GUEST_DR7;
		v02->GUEST_IA32_DEBUGCTL = v01->GUEST_IA32_DEBUGCTL;
	}
	v02->VM_ENTRY_INTR_INFO = v12->VM_ENTRY_INTR_INFO;
	v02->VM_ENTRY_EXCEPTION_ERROR_CODE = v12->VM_ENTRY_EXCEPTION_ERROR_CODE;
	v02->VM_ENTRY_INSTRUCTION_LEN = v12->VM_ENTRY_INSTRUCTION_LEN;
	v02->INJECTED_EVENT_DATA = v12->INJECTED_EVENT_DATA;
}

enum vmxe_merge_status vmxe_vmcs02_build(const struct vmcs12 *vmcs01, const struct vmcs12 *vmcs12,
					 const struct vmxe_merge_cfg *cfg, struct vmcs12 *vmcs02)
{
	if (!l1_controls_supported(vmcs12))
		return VMXE_MERGE_UNSUPPORTED;
	if ((vmxe_secondary_controls(vmcs01) & CTL(PROC2_ENABLE_VPID)) && cfg->vpid == 0)
		return VMXE_MERGE_BAD_CFG;
	memset(vmcs02, 0, sizeof(*vmcs02));
	vmxe_vmcs12_copy_group(vmcs02, vmcs12, VMCS_F_GUEST);
	vmxe_vmcs12_copy_group(vmcs02, vmcs01, VMCS_F_HOST);
	build_primary(vmcs01, vmcs12, cfg, vmcs02);
	build_secondary(vmcs01, vmcs12, cfg, vmcs02);
	build_exceptions(vmcs01, vmcs12, vmcs02);
	build_crs(vmcs01, vmcs12, cfg, vmcs02);
	build_entry_exit(vmcs01, vmcs12, vmcs02);
	vmcs02->VMCS_LINK_POINTER = VMXE_VMCS_LINK_NONE;
	/* VMCS12's PDPTE fields mean something only with EPT12: with it they are L2's, as the
	 * guest-state copy left them; without, vmxe_vmcs02_load_pdptes() reads them. */
	if (!(vmxe_secondary_controls(vmcs12) & CTL(PROC2_ENABLE_EPT))) {
		vmcs02->GUEST_PDPTE0 = vmcs02->GUEST_PDPTE1 = 0;
		vmcs02->GUEST_PDPTE2 = vmcs02->GUEST_PDPTE3 = 0;
	}
	return VMXE_MERGE_OK;
}

int vmxe_vmcs02_load_pdptes(struct vmcs12 *vmcs02, const struct vmxe_gmem *mem)
{
	uint64_t pdpte[PAE_PDPTE_COUNT];
	int rc;

	if (!(vmcs02->GUEST_CR0 & CR0_PG) || !(vmcs02->GUEST_CR4 & CR4_PAE) ||
	    (vmcs02->VM_ENTRY_CONTROLS & CTL(ENTRY_IA32E_MODE_GUEST)) ||
	    (vmcs02->SECONDARY_VM_EXEC_CONTROL & CTL(PROC2_UNRESTRICTED_GUEST)))
		return VMXE_GMEM_OK;
	rc = vmxe_gmem_read(mem, vmcs02->GUEST_CR3 & PAE_PDPT_MASK, pdpte, sizeof(pdpte));
	if (rc != VMXE_GMEM_OK)
		return rc;
	vmcs02->GUEST_PDPTE0 = pdpte[0];
	vmcs02->GUEST_PDPTE1 = pdpte[1];
	vmcs02->GUEST_PDPTE2 = pdpte[2];
	vmcs02->GUEST_PDPTE3 = pdpte[3];
	return VMXE_GMEM_OK;
}

void vmxe_msr_bitmap_merge(const uint8_t *l0_bitmap, const uint8_t *l1_bitmap_or_null, uint8_t *out)
{
	if (!l1_bitmap_or_null) {
		memset(out, 0xff, VMXE_MSR_BITMAP_SIZE);
		return;
	}
	/* by 64-bit words: L0 merges a whole page on every VM entry to L2 (the builtin, because
	 * the freestanding l0.efi build would otherwise call memcpy for each word) */
	for (size_t i = 0; i < VMXE_MSR_BITMAP_SIZE; i += sizeof(uint64_t)) {
		uint64_t a, b;

		__builtin_memcpy(&a, l0_bitmap + i, sizeof(a));
		__builtin_memcpy(&b, l1_bitmap_or_null + i, sizeof(b));
		a |= b;
		__builtin_memcpy(out + i, &a, sizeof(a));
	}
}

int vmxe_read_l1_bitmap(const struct vmxe_gmem *mem, uint64_t gpa, uint8_t *buf, size_t len)
{
	int rc = vmxe_gmem_read(mem, gpa, buf, len);

	if (rc != VMXE_GMEM_OK)
		memset(buf, 0xff, len);
	return rc;
}

enum vmxe_io_policy vmxe_io_bitmap_policy(const struct vmcs12 *vmcs12)
{
	if (vmcs12->CPU_BASED_VM_EXEC_CONTROL & CTL(PROC_USE_IO_BITMAPS))
		return VMXE_IO_BITMAPS;
	if (vmcs12->CPU_BASED_VM_EXEC_CONTROL & CTL(PROC_UNCOND_IO_EXITING))
		return VMXE_IO_UNCOND;
	return VMXE_IO_PASS;
}

/* L1's view of L2's CR0 or CR4 after L2 ran on VMCS02 (see vmxe_vmcs02_to_vmcs12()). */
static uint64_t l1_view_of_cr(uint64_t real02, uint64_t mask02, uint64_t shadow02, uint64_t cr12,
			      uint64_t mask12)
{
	return (real02 & ~mask02) | (cr12 & mask12) | (shadow02 & mask02 & ~mask12);
}

/* Whether an exit saves guest-state field @index into VMCS12 (SDM 28.3), CR0/CR4 aside. */
static bool guest_field_saved(const struct vmcs12 *v12, size_t index)
{
	uint32_t exit = v12->VM_EXIT_CONTROLS;

	switch (index) {
	case VMCS_FIELD_GUEST_PDPTE0:
	case VMCS_FIELD_GUEST_PDPTE1:
	case VMCS_FIELD_GUEST_PDPTE2:
	case VMCS_FIELD_GUEST_PDPTE3:
		/* with EPT12 the CPU's PDPTEs are L2's (SDM 28.3.4) */
		return vmxe_secondary_controls(v12) & CTL(PROC2_ENABLE_EPT);
	case VMCS_FIELD_GUEST_CR0:
	case VMCS_FIELD_GUEST_CR4:
	case VMCS_FIELD_VMCS_LINK_POINTER:
	case VMCS_FIELD_VMX_PREEMPTION_TIMER_VALUE:
	case VMCS_FIELD_GUEST_IA32_PERF_GLOBAL_CTRL:
	case VMCS_FIELD_GUEST_IA32_FRED_CONFIG:
	case VMCS_FIELD_GUEST_IA32_FRED_RSP1:
	case VMCS_FIELD_GUEST_IA32_FRED_RSP2:
	case VMCS_FIELD_GUEST_IA32_FRED_RSP3:
	case VMCS_FIELD_GUEST_IA32_FRED_STKLVLS:
	case VMCS_FIELD_GUEST_IA32_FRED_SSP1:
	case VMCS_FIELD_GUEST_IA32_FRED_SSP2:
	case VMCS_FIELD_GUEST_IA32_FRED_SSP3:
		return false;
	case VMCS_FIELD_GUEST_DR7:
	case VMCS_FIELD_GUEST_IA32_DEBUGCTL:
		return exit & CTL(EXIT_SAVE_DEBUG_CONTROLS);
	case VMCS_FIELD_GUEST_IA32_PAT:
		return exit & CTL(EXIT_SAVE_PAT);
	case VMCS_FIELD_GUEST_IA32_EFER:
		return exit & CTL(EXIT_SAVE_EFER);
	default:
		return true;
	}
}

void vmxe_vmcs02_to_vmcs12(const struct vmcs12 *vmcs02, struct vmcs12 *vmcs12)
{
	const uint32_t ia32e = CTL(ENTRY_IA32E_MODE_GUEST);
	uint64_t cr0 =
	    l1_view_of_cr(vmcs02->GUEST_CR0, vmcs02->CR0_GUEST_HOST_MASK, vmcs02->CR0_READ_SHADOW,
			  vmcs12->GUEST_CR0, vmcs12->CR0_GUEST_HOST_MASK);
	uint64_t cr4 =
	    l1_view_of_cr(vmcs02->GUEST_CR4, vmcs02->CR4_GUEST_HOST_MASK, vmcs02->CR4_READ_SHADOW,
			  vmcs12->GUEST_CR4, vmcs12->CR4_GUEST_HOST_MASK);

	size_t n;
	const uint16_t *guest = vmxe_group_fields(VMCS_F_GUEST, &n);

	for (size_t k = 0; k < n; k++) {
		const struct vmxe_field_desc *d = vmxe_field_at(guest[k]);

		if (guest_field_saved(vmcs12, guest[k]))
			vmxe_vmcs12_set(vmcs12, d, vmxe_vmcs12_get(vmcs02, d));
	}
	vmcs12->GUEST_CR0 = cr0;
	vmcs12->GUEST_CR4 = cr4;
	vmcs12->VM_ENTRY_CONTROLS =
	    (vmcs12->VM_ENTRY_CONTROLS & ~ia32e) | (vmcs02->VM_ENTRY_CONTROLS & ia32e);
	vmcs12->VM_ENTRY_INTR_INFO &= ~VMXE_INTR_INFO_VALID;
}

/* Writes L1's view @value of a CR whose VMCS01 guest/host mask is @mask: L1 reads it through the
 * shadow, the real register keeps L0's bits as they are. */
static void set_l1_cr(uint64_t *real, uint64_t *shadow, uint64_t mask, uint64_t value)
{
	*real = (value & ~mask) | (*real & mask);
	*shadow = value;
}

static void load_host_crs(const struct vmcs12 *v12, struct vmcs12 *g, bool host64)
{
	uint64_t cr0 = (v12->HOST_CR0 & ~CR0_KEPT_ON_EXIT) | (v12->GUEST_CR0 & CR0_KEPT_ON_EXIT);
	uint64_t cr4 = host64 ? v12->HOST_CR4 | CR4_PAE : v12->HOST_CR4 & ~CR4_PCIDE;

	set_l1_cr(&g->GUEST_CR0, &g->CR0_READ_SHADOW, g->CR0_GUEST_HOST_MASK, cr0);
	set_l1_cr(&g->GUEST_CR4, &g->CR4_READ_SHADOW, g->CR4_GUEST_HOST_MASK, cr4);
	g->GUEST_CR3 = v12->HOST_CR3;
}

#define SET_SEGMENT(g, seg, sel, base, limit, ar)                                                  \
	do {                                                                                       \
		(g)->GUEST_##seg##_SELECTOR = (sel);                                               \
		(g)->GUEST_##seg##_BASE = (base);                                                  \
		(g)->GUEST_##seg##_LIMIT = (limit);                                                \
		(g)->GUEST_##seg##_AR_BYTES = (ar);                                                \
	} while (0)

/* SS, DS, ES, FS, GS after an exit (28.5.2): unusable with a null selector (the rest is then
 * undefined: 0 here), else a flat read/write data segment at DPL 0. */
#define SET_HOST_DATA_SEGMENT(g, seg, sel, base)                                                   \
	SET_SEGMENT(g, seg, sel, base, (sel) ? SEG_LIMIT_4G : 0,                                   \
		    (sel) ? AR_DATA_AFTER_EXIT : AR_UNUSABLE)

static void load_host_segments(const struct vmcs12 *v12, struct vmcs12 *g, bool host64)
{
	/* CS is flat code at DPL 0; L = host address-space size, D/B its inverse. */
	uint32_t cs_ar = AR_TYPE_CODE_XR_ACCESSED | AR_S | AR_P | AR_G | (host64 ? AR_L : AR_DB);

	SET_SEGMENT(g, CS, v12->HOST_CS_SELECTOR, 0, SEG_LIMIT_4G, cs_ar);
	SET_HOST_DATA_SEGMENT(g, SS, v12->HOST_SS_SELECTOR, 0);
	SET_HOST_DATA_SEGMENT(g, DS, v12->HOST_DS_SELECTOR, 0);
	SET_HOST_DATA_SEGMENT(g, ES, v12->HOST_ES_SELECTOR, 0);
	SET_HOST_DATA_SEGMENT(g, FS, v12->HOST_FS_SELECTOR, v12->HOST_FS_BASE);
	SET_HOST_DATA_SEGMENT(g, GS, v12->HOST_GS_SELECTOR, v12->HOST_GS_BASE);
	/* TR: a busy TSS, not a code/data segment (S = 0), byte-granular. */
	SET_SEGMENT(g, TR, v12->HOST_TR_SELECTOR, v12->HOST_TR_BASE, TR_LIMIT_AFTER_EXIT,
		    AR_TYPE_CODE_XR_ACCESSED | AR_P);
	SET_SEGMENT(g, LDTR, 0, 0, 0, AR_UNUSABLE);
	g->GUEST_GDTR_BASE = v12->HOST_GDTR_BASE;
	g->GUEST_GDTR_LIMIT = DTR_LIMIT_AFTER_EXIT;
	g->GUEST_IDTR_BASE = v12->HOST_IDTR_BASE;
	g->GUEST_IDTR_LIMIT = DTR_LIMIT_AFTER_EXIT;
}

/* MSRs (28.5.1): those an exit always loads, then those L1's exit controls load or clear. */
static void load_host_msrs(const struct vmcs12 *v12, struct vmcs12 *g, bool host64)
{
	uint32_t exit = v12->VM_EXIT_CONTROLS;

	g->GUEST_IA32_DEBUGCTL = 0;
	g->GUEST_IA32_SYSENTER_CS = v12->HOST_IA32_SYSENTER_CS;
	g->GUEST_IA32_SYSENTER_ESP = v12->HOST_IA32_SYSENTER_ESP;
	g->GUEST_IA32_SYSENTER_EIP = v12->HOST_IA32_SYSENTER_EIP;
	if (exit & CTL(EXIT_LOAD_EFER))
		g->GUEST_IA32_EFER = v12->HOST_IA32_EFER;
	else
		g->GUEST_IA32_EFER =
		    (g->GUEST_IA32_EFER & ~EFER_LONG_MODE) | (host64 ? EFER_LONG_MODE : 0);
	if (exit & CTL(EXIT_LOAD_PAT))
		g->GUEST_IA32_PAT = v12->HOST_IA32_PAT;
	if (exit & CTL(EXIT_LOAD_PERF_GLOBAL_CTRL))
		g->GUEST_IA32_PERF_GLOBAL_CTRL = v12->HOST_IA32_PERF_GLOBAL_CTRL;
	if (exit & CTL(EXIT_CLEAR_BNDCFGS))
		g->GUEST_IA32_BNDCFGS = 0;
	if (exit & CTL(EXIT_LOAD_CET_STATE)) {
		g->GUEST_IA32_S_CET = v12->HOST_IA32_S_CET;
		g->GUEST_SSP = v12->HOST_SSP;
		g->GUEST_IA32_INT_SSP_TABLE_ADDR = v12->HOST_IA32_INT_SSP_TABLE_ADDR;
	}
	if (exit & CTL(EXIT_LOAD_PKRS))
		g->GUEST_IA32_PKRS = v12->HOST_IA32_PKRS;
}

void vmxe_load_l1_host_state(const struct vmcs12 *vmcs12, struct vmcs12 *vmcs01_guest)
{
	const uint32_t ia32e = CTL(ENTRY_IA32E_MODE_GUEST);
	bool host64 = vmcs12->VM_EXIT_CONTROLS & CTL(EXIT_HOST_ADDR_SPACE_SIZE);

	load_host_crs(vmcs12, vmcs01_guest, host64);
	load_host_segments(vmcs12, vmcs01_guest, host64);
	load_host_msrs(vmcs12, vmcs01_guest, host64);
	vmcs01_guest->GUEST_DR7 = DR7_AFTER_EXIT;
	vmcs01_guest->GUEST_RIP = vmcs12->HOST_RIP;
	vmcs01_guest->GUEST_RSP = vmcs12->HOST_RSP;
	vmcs01_guest->GUEST_RFLAGS = RFLAGS_FIXED1;
	/* L1 resumes at an instruction boundary in root operation: no blocking, active. */
	vmcs01_guest->GUEST_INTERRUPTIBILITY_INFO = 0;
	vmcs01_guest->GUEST_ACTIVITY_STATE = ACTIVITY_ACTIVE;
	vmcs01_guest->GUEST_PENDING_DBG_EXCEPTIONS = 0;
	/* VMCS01's entry must agree with EFER.LMA, now the host address-space size (26.2.4). */
	vmcs01_guest->VM_ENTRY_CONTROLS =
	    (vmcs01_guest->VM_ENTRY_CONTROLS & ~ia32e) | (host64 ? ia32e : 0);
}
