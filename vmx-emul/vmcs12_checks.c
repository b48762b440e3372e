/*
 * vmcs12_checks.c: the checks L1's VMLAUNCH/VMRESUME perform on the VMX controls (SDM Vol. 3C
 * 27.2.1, VMfailValid 7), on the host-state area (27.2.2-27.2.4, VMfailValid 8) and on each
 * entry of the VM-entry MSR-load area (27.4, VM-entry failure 34), and the order of all stages
 * (27.2, then 27.3 in vmcs12_guest_checks.c, then 27.4). Touches no hardware; reads L1 memory
 * only for the MSR-load area. The reference for what L1 may set is L1's view of the capability
 * MSRs (virt_caps.h): a control L0 did not offer fails like a reserved bit.
 */
#include "vmx-emul/vmcs12_checks.h"

#include "ept-merge/ept.h"
#include "vmx-emul/vmcs12_checks_util.h"

#define NMI_VECTOR	      2u
#define LAST_EXCEPTION_VECTOR 31u
/* Exceptions that push an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17. */
#define ERROR_CODE_VECTORS                                                                         \
	((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17))
#define ERROR_CODE_RESERVED	0xffff0000u /* bits 31:16 of the VM-entry exception error code */
#define MAX_INSN_LEN		15u
#define TPR_THRESHOLD_RESERVED	0xfffffff0u
#define POSTED_INTR_NV_RESERVED 0xff00u
#define POSTED_INTR_DESC_ALIGN	0x3full /* 64-byte descriptor */
#define MSR_AREA_ALIGN		0xfull	/* 16-byte entries */
#define EPT_WALK_4_LEVELS	4u
#define EPT_WALK_5_LEVELS	5u
#define HOST_RIP_32BIT_MASK	0xffffffff00000000ull

/* MSRs that the MSR-load area may not name (SDM 27.4). */
#define MSR_IA32_SMM_MONITOR_CTL 0x0000009bu
#define MSR_IA32_FS_BASE	 0xc0000100u
#define MSR_IA32_GS_BASE	 0xc0000101u
#define MSR_X2APIC_PREFIX	 0x8u /* index bits 31:8 of the x2APIC MSRs 800H-8FFH */
#define MSR_X2APIC_SHIFT	 8
#define MSR_LIST_UNIT		 512u /* IA32_VMX_MISC[27:25] = N: at most 512 * (N + 1) entries */

/* An MSR area of @count 16-byte entries at @addr: 16-byte aligned and, last byte included,
 * within the physical-address width (SDM 27.2.1.2, 27.2.1.3). */
static bool msr_area_bad(const struct vmxe_chk *c, uint64_t addr, uint32_t count)
{
	return count != 0 &&
	       ((addr & MSR_AREA_ALIGN) != 0 || !vmxe_chk_pa_ok(c, addr) ||
		!vmxe_chk_pa_ok(c, addr + (uint64_t)count * sizeof(struct vmxe_msr_entry) - 1));
}

/* Reserved bits of the pin-based, processor-based, secondary and tertiary controls. */
static bool exec_reserved_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t proc = v->CPU_BASED_VM_EXEC_CONTROL;

	return CC(!vmxe_ctl_valid(
		      vmxe_chk_ctls(c, VMXE_MSR_PINBASED_CTLS, VMXE_MSR_TRUE_PINBASED_CTLS),
		      v->PIN_BASED_VM_EXEC_CONTROL),
		  "pin_controls") ||
	       CC(!vmxe_ctl_valid(
		      vmxe_chk_ctls(c, VMXE_MSR_PROCBASED_CTLS, VMXE_MSR_TRUE_PROCBASED_CTLS),
		      proc),
		  "proc_controls") ||
	       CC(HAS(proc, VMX_PROC_SECONDARY_CONTROLS) &&
		      !vmxe_ctl_valid(vmxe_chk_cap(c, VMXE_MSR_PROCBASED_CTLS2),
				      v->SECONDARY_VM_EXEC_CONTROL),
		  "proc2_controls") ||
	       CC(HAS(proc, VMX_PROC_TERTIARY_CONTROLS) &&
		      (v->TERTIARY_VM_EXEC_CONTROL & ~vmxe_chk_cap(c, VMXE_MSR_PROCBASED_CTLS3)) !=
			  0,
		  "proc3_controls");
}

/* CR3 targets and the I/O and MSR bitmaps. */
static bool exec_bitmaps_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t proc = v->CPU_BASED_VM_EXEC_CONTROL;
	bool io = HAS(proc, VMX_PROC_USE_IO_BITMAPS);

	return CC(v->CR3_TARGET_COUNT >
		      VMX_GET(VMX_MISC_CR3_TARGETS, vmxe_chk_cap(c, VMXE_MSR_MISC)),
		  "cr3_target_count") ||
	       CC(io && vmxe_chk_page_bad(c, v->IO_BITMAP_A), "io_bitmap_a_addr") ||
	       CC(io && vmxe_chk_page_bad(c, v->IO_BITMAP_B), "io_bitmap_b_addr") ||
	       CC(HAS(proc, VMX_PROC_USE_MSR_BITMAPS) && vmxe_chk_page_bad(c, v->MSR_BITMAP),
		  "msr_bitmap_addr");
}

/* TPR shadow, APIC virtualization and posted interrupts. The comparison of the TPR threshold
 * with VTPR on the virtual-APIC page is left to vmcs02's entry: it needs that page. */
static bool exec_apic_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t pin = v->PIN_BASED_VM_EXEC_CONTROL;
	uint32_t sec = vmxe_chk_proc2(v);
	bool tpr = HAS(v->CPU_BASED_VM_EXEC_CONTROL, VMX_PROC_USE_TPR_SHADOW);
	bool vid = HAS(sec, VMX_PROC2_VIRT_INTR_DELIVERY);
	bool apicv =
	    (sec & (VMX_MASK(VMX_PROC2_VIRT_X2APIC_MODE) | VMX_MASK(VMX_PROC2_APIC_REG_VIRT) |
		    VMX_MASK(VMX_PROC2_VIRT_INTR_DELIVERY)));

	if (CC(tpr && vmxe_chk_page_bad(c, v->VIRTUAL_APIC_PAGE_ADDR), "virtual_apic_addr") ||
	    CC(tpr && !vid && (v->TPR_THRESHOLD & TPR_THRESHOLD_RESERVED), "tpr_threshold") ||
	    CC(!tpr && apicv, "apicv_needs_tpr_shadow") ||
	    CC(HAS(sec, VMX_PROC2_VIRT_APIC_ACCESSES) && vmxe_chk_page_bad(c, v->APIC_ACCESS_ADDR),
	       "apic_access_addr") ||
	    CC(HAS(sec, VMX_PROC2_VIRT_X2APIC_MODE) && HAS(sec, VMX_PROC2_VIRT_APIC_ACCESSES),
	       "x2apic_with_apic_accesses") ||
	    CC(vid && !HAS(pin, VMX_PIN_EXT_INTR_EXITING), "vid_needs_ext_intr_exiting"))
		return true;
	if (!HAS(pin, VMX_PIN_POSTED_INTR))
		return false;
	return CC(!vid, "posted_intr_needs_vid") ||
	       CC(!HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_ACK_INTR_ON_EXIT), "posted_intr_needs_ack") ||
	       CC(v->POSTED_INTR_NV & POSTED_INTR_NV_RESERVED, "posted_intr_vector") ||
	       CC((v->POSTED_INTR_DESC_ADDR & POSTED_INTR_DESC_ALIGN) != 0 ||
		      !vmxe_chk_pa_ok(c, v->POSTED_INTR_DESC_ADDR),
		  "posted_intr_desc_addr");
}

/* The EPTP (SDM 25.6.11) against L1's IA32_VMX_EPT_VPID_CAP. */
static bool eptp_bad(const struct vmxe_chk *c, uint64_t eptp)
{
	uint64_t cap = vmxe_chk_cap(c, VMXE_MSR_EPT_VPID_CAP);
	unsigned int mt = eptm_eptp_memtype(eptp);
	unsigned int levels = eptm_eptp_levels(eptp);
	uint64_t reserved = EPTP_RSVD_11_8;

	if (!HAS(cap, VMX_EPT_VPID_SSS_CONTROL))
		reserved |= EPTP_SSS_ENFORCE;
	return CC(!((mt == EPTM_MT_UC && HAS(cap, VMX_EPT_VPID_MEMTYPE_UC)) ||
		    (mt == EPTM_MT_WB && HAS(cap, VMX_EPT_VPID_MEMTYPE_WB))),
		  "eptp_memtype") ||
	       CC(!((levels == EPT_WALK_4_LEVELS && HAS(cap, VMX_EPT_VPID_WALK_4)) ||
		    (levels == EPT_WALK_5_LEVELS && HAS(cap, VMX_EPT_VPID_WALK_5))),
		  "eptp_walk_length") ||
	       CC((eptp & EPTP_AD_ENABLE) && !HAS(cap, VMX_EPT_VPID_AD_FLAGS), "eptp_ad") ||
	       CC((eptp & reserved) != 0 || !vmxe_chk_pa_ok(c, eptp), "eptp_reserved");
}

/* NMI controls, VPID, and the secondary controls that need EPT or a page of their own. */
static bool exec_features_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t pin = v->PIN_BASED_VM_EXEC_CONTROL;
	uint32_t sec = vmxe_chk_proc2(v);
	bool ept = HAS(sec, VMX_PROC2_ENABLE_EPT);
	bool vnmi = HAS(pin, VMX_PIN_VIRTUAL_NMIS);
	bool pml = HAS(sec, VMX_PROC2_ENABLE_PML), spp = HAS(sec, VMX_PROC2_EPT_SUBPAGE_WRITE);
	bool shadow = HAS(sec, VMX_PROC2_VMCS_SHADOWING);

	return CC(!HAS(pin, VMX_PIN_NMI_EXITING) && vnmi, "virtual_nmis_need_nmi_exiting") ||
	       CC(!vnmi && HAS(v->CPU_BASED_VM_EXEC_CONTROL, VMX_PROC_NMI_WINDOW_EXITING),
		  "nmi_window_needs_virtual_nmis") ||
	       CC(HAS(sec, VMX_PROC2_ENABLE_VPID) && v->VIRTUAL_PROCESSOR_ID == 0, "vpid_zero") ||
	       (ept && eptp_bad(c, v->EPT_POINTER)) || CC(pml && !ept, "pml_needs_ept") ||
	       CC(pml && vmxe_chk_page_bad(c, v->PML_ADDRESS), "pml_addr") ||
	       CC(HAS(sec, VMX_PROC2_UNRESTRICTED_GUEST) && !ept, "unrestricted_guest_needs_ept") ||
	       CC(HAS(sec, VMX_PROC2_MODE_BASED_EPT_EXEC) && !ept, "mbec_needs_ept") ||
	       CC(spp && !ept, "spp_needs_ept") ||
	       CC(spp && vmxe_chk_page_bad(c, v->SPP_TABLE_POINTER), "spp_table_addr") ||
	       CC(shadow && vmxe_chk_page_bad(c, v->VMREAD_BITMAP), "vmread_bitmap_addr") ||
	       CC(shadow && vmxe_chk_page_bad(c, v->VMWRITE_BITMAP), "vmwrite_bitmap_addr") ||
	       CC(HAS(sec, VMX_PROC2_EPT_VIOLATION_VE) && vmxe_chk_page_bad(c, v->VE_INFO_ADDRESS),
		  "ve_info_addr");
}

/* VM functions (SDM 25.6.14): only those L1's IA32_VMX_VMFUNC offers; EPTP switching needs
 * EPT and an EPTP-list page. */
static bool exec_vmfunc_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint64_t funcs = v->VM_FUNCTION_CONTROL;
	bool switching = HAS(funcs, VMX_VMFUNC_EPTP_SWITCHING);

	if (!HAS(vmxe_chk_proc2(v), VMX_PROC2_ENABLE_VMFUNC))
		return false;
	return CC(funcs & ~vmxe_chk_cap(c, VMXE_MSR_VMFUNC), "vmfunc_controls") ||
	       CC(switching && !HAS(vmxe_chk_proc2(v), VMX_PROC2_ENABLE_EPT),
		  "eptp_switching_needs_ept") ||
	       CC(switching && vmxe_chk_page_bad(c, v->EPTP_LIST_ADDRESS), "eptp_list_addr");
}

/* SDM 27.2.1.2. */
static bool exit_controls_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t exit = v->VM_EXIT_CONTROLS;

	return CC(!vmxe_ctl_valid(vmxe_chk_ctls(c, VMXE_MSR_EXIT_CTLS, VMXE_MSR_TRUE_EXIT_CTLS),
				  exit),
		  "exit_controls") ||
	       CC(HAS(exit, VMX_EXIT_SECONDARY_CONTROLS) &&
		      (v->SECONDARY_VM_EXIT_CONTROL & ~vmxe_chk_cap(c, VMXE_MSR_EXIT_CTLS2)) != 0,
		  "exit2_controls") ||
	       CC(!HAS(v->PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_PREEMPTION_TIMER) &&
		      HAS(exit, VMX_EXIT_SAVE_PREEMPTION_TIMER),
		  "save_preemption_timer") ||
	       CC(msr_area_bad(c, v->VM_EXIT_MSR_STORE_ADDR, v->VM_EXIT_MSR_STORE_COUNT),
		  "exit_msr_store_addr") ||
	       CC(msr_area_bad(c, v->VM_EXIT_MSR_LOAD_ADDR, v->VM_EXIT_MSR_LOAD_COUNT),
		  "exit_msr_load_addr");
}

/* Whether the deliver-error-code bit is right (SDM 27.2.1.3). "Protected mode" is CR0.PE in
 * the guest-state area, or any guest without unrestricted guest (which must have PE set). With
 * IA32_VMX_BASIC[56], any hardware exception may come with or without an error code. */
static bool error_code_bit_ok(const struct vmxe_chk *c, uint32_t type, uint32_t vector,
			      bool deliver)
{
	bool pmode = !HAS(vmxe_chk_proc2(c->v), VMX_PROC2_UNRESTRICTED_GUEST) ||
		     HAS(c->v->GUEST_CR0, VMX_CR0_PE);
	bool may = type == INTR_HW_EXCEPTION && pmode;

	if (VMX_GET(VMX_BASIC_NO_ERRCODE_OK, vmxe_chk_cap(c, VMXE_MSR_BASIC)))
		return !deliver || may;
	return deliver ==
	       (may && vector <= LAST_EXCEPTION_VECTOR && ((ERROR_CODE_VECTORS >> vector) & 1u));
}

/* The VM-entry interruption-information field and its companions (SDM 27.2.1.3). */
static bool injection_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t info = v->VM_ENTRY_INTR_INFO;
	uint32_t type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	uint32_t vector = info & INTR_INFO_VECTOR_MASK;
	bool deliver = (info & INTR_INFO_DELIVER_CODE) != 0;
	bool soft =
	    type == INTR_SW_INTR || type == INTR_PRIV_SW_EXCEPTION || type == INTR_SW_EXCEPTION;
	bool mtf = vmxe_ctl_allowed1(
		       vmxe_chk_ctls(c, VMXE_MSR_PROCBASED_CTLS, VMXE_MSR_TRUE_PROCBASED_CTLS)) &
		   VMX_MASK(VMX_PROC_MONITOR_TRAP_FLAG);
	bool zero_len_ok = VMX_GET(VMX_MISC_ZERO_LEN_INJECT, vmxe_chk_cap(c, VMXE_MSR_MISC));
	uint32_t len = v->VM_ENTRY_INSTRUCTION_LEN;

	if (!(info & INTR_INFO_VALID))
		return false;
	return CC(type == INTR_TYPE_RESERVED || (type == INTR_OTHER_EVENT && !mtf),
		  "intr_info_type") ||
	       CC((type == INTR_NMI && vector != NMI_VECTOR) ||
		      (type == INTR_HW_EXCEPTION && vector > LAST_EXCEPTION_VECTOR) ||
		      (type == INTR_OTHER_EVENT && vector != 0),
		  "intr_info_vector") ||
	       CC(!error_code_bit_ok(c, type, vector, deliver), "intr_info_deliver_code") ||
	       CC(info & INTR_INFO_RESERVED, "intr_info_reserved") ||
	       CC(deliver && (v->VM_ENTRY_EXCEPTION_ERROR_CODE & ERROR_CODE_RESERVED),
		  "intr_error_code") ||
	       CC(soft && (len > MAX_INSN_LEN || (len == 0 && !zero_len_ok)),
		  "intr_instruction_len");
}

/* SDM 27.2.1.3. Entry to SMM and the dual-monitor treatment are only for VM entries from SMM,
 * where L1 never is. */
static bool entry_controls_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	uint32_t entry = v->VM_ENTRY_CONTROLS;

	return CC(!vmxe_ctl_valid(vmxe_chk_ctls(c, VMXE_MSR_ENTRY_CTLS, VMXE_MSR_TRUE_ENTRY_CTLS),
				  entry),
		  "entry_controls") ||
	       injection_bad(c) ||
	       CC(msr_area_bad(c, v->VM_ENTRY_MSR_LOAD_ADDR, v->VM_ENTRY_MSR_LOAD_COUNT),
		  "entry_msr_load_addr") ||
	       CC(HAS(entry, VMX_ENTRY_ENTRY_TO_SMM), "entry_to_smm") ||
	       CC(HAS(entry, VMX_ENTRY_DEACT_DUAL_MONITOR), "deactivate_dual_monitor");
}

enum vmxe_check_kind vmxe_check_controls(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					 const struct vmxe_check_l1 *cpu,
					 struct vmxe_check_result *res)
{
	const struct vmxe_chk chk = {.v = v, .caps = caps, .cpu = cpu, .res = res};
	const struct vmxe_chk *c = &chk;
	bool failed;

	*res = (struct vmxe_check_result){0};
	failed = exec_reserved_bad(c) || exec_bitmaps_bad(c) || exec_apic_bad(c) ||
		 exec_features_bad(c) || exec_vmfunc_bad(c) || exit_controls_bad(c) ||
		 entry_controls_bad(c);
	return vmxe_chk_verdict(res, failed, VMXE_CHECK_VMFAIL,
				VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD, 0);
}

/* SDM 27.2.2: control registers and MSRs loaded on the next VM exit. */
static bool host_regs_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	bool hass = HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_HOST_ADDR_SPACE_SIZE);
	uint64_t efer = v->HOST_IA32_EFER;
	bool load_efer = HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_LOAD_EFER);

	return CC(!vmxe_cr_valid(v->HOST_CR0, vmxe_chk_cap(c, VMXE_MSR_CR0_FIXED0),
				 vmxe_chk_cap(c, VMXE_MSR_CR0_FIXED1)),
		  "host_cr0_fixed") ||
	       CC(!vmxe_cr_valid(v->HOST_CR4, vmxe_chk_cap(c, VMXE_MSR_CR4_FIXED0),
				 vmxe_chk_cap(c, VMXE_MSR_CR4_FIXED1)),
		  "host_cr4_fixed") ||
	       CC(!vmxe_chk_pa_ok(c, v->HOST_CR3), "host_cr3") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_IA32_SYSENTER_ESP), "host_sysenter_esp") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_IA32_SYSENTER_EIP), "host_sysenter_eip") ||
	       CC(HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_LOAD_PAT) &&
		      !vmxe_chk_pat_valid(v->HOST_IA32_PAT),
		  "host_pat") ||
	       CC(load_efer && (efer & ~EFER_VALID), "host_efer_reserved") ||
	       CC(load_efer && ((efer & EFER_LMA) != 0) != hass, "host_efer_lma") ||
	       CC(load_efer && ((efer & EFER_LME) != 0) != hass, "host_efer_lme");
}

/* SDM 27.2.3: selectors and bases. */
static bool host_segments_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	const uint16_t sel[] = {v->HOST_ES_SELECTOR, v->HOST_CS_SELECTOR, v->HOST_SS_SELECTOR,
				v->HOST_DS_SELECTOR, v->HOST_FS_SELECTOR, v->HOST_GS_SELECTOR,
				v->HOST_TR_SELECTOR};
	static const char *const sel_rule[] = {
	    "host_es_selector", "host_cs_selector", "host_ss_selector", "host_ds_selector",
	    "host_fs_selector", "host_gs_selector", "host_tr_selector"};
	size_t i;

	_Static_assert(sizeof(sel) / sizeof(sel[0]) == sizeof(sel_rule) / sizeof(sel_rule[0]),
		       "one rule name per host selector");
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		if (CC(sel[i] & (SEL_RPL_MASK | SEL_TI), sel_rule[i]))
			return true;
	return CC(v->HOST_CS_SELECTOR == 0, "host_cs_null") ||
	       CC(v->HOST_TR_SELECTOR == 0, "host_tr_null") ||
	       CC(v->HOST_SS_SELECTOR == 0 &&
		      !HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_HOST_ADDR_SPACE_SIZE),
		  "host_ss_null") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_FS_BASE), "host_fs_base") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_GS_BASE), "host_gs_base") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_GDTR_BASE), "host_gdtr_base") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_IDTR_BASE), "host_idtr_base") ||
	       CC(vmxe_chk_noncanonical(c, v->HOST_TR_BASE), "host_tr_base");
}

/* SDM 27.2.4: L1's mode against "host address-space size" and "IA-32e mode guest". A 64-bit
 * host RIP is canonical for 5-level paging only if the host CR4 field enables it. */
static bool host_addr_space_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;
	bool hass = HAS(v->VM_EXIT_CONTROLS, VMX_EXIT_HOST_ADDR_SPACE_SIZE);
	bool ia32e_guest = HAS(v->VM_ENTRY_CONTROLS, VMX_ENTRY_IA32E_MODE_GUEST);
	unsigned int rip_bits = HAS(v->HOST_CR4, VMX_CR4_LA57) ? c->cpu->linear_bits : 48;

	if (!(c->cpu->efer & EFER_LMA)) {
		if (CC(hass, "host_addr_space_outside_ia32e") ||
		    CC(ia32e_guest, "ia32e_guest_outside_ia32e"))
			return true;
	} else if (CC(!hass, "host_addr_space_size")) {
		return true;
	}
	if (!hass)
		return CC(HAS(v->HOST_CR4, VMX_CR4_PCIDE), "host_cr4_pcide") ||
		       CC(v->HOST_RIP & HOST_RIP_32BIT_MASK, "host_rip_high");
	return CC(!HAS(v->HOST_CR4, VMX_CR4_PAE), "host_cr4_pae") ||
	       CC(!vmxe_chk_canonical(v->HOST_RIP, rip_bits), "host_rip_canonical");
}

enum vmxe_check_kind vmxe_check_host_state(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					   const struct vmxe_check_l1 *cpu,
					   struct vmxe_check_result *res)
{
	const struct vmxe_chk chk = {.v = v, .caps = caps, .cpu = cpu, .res = res};
	const struct vmxe_chk *c = &chk;
	bool failed;

	*res = (struct vmxe_check_result){0};
	failed = host_regs_bad(c) || host_segments_bad(c) || host_addr_space_bad(c);
	return vmxe_chk_verdict(res, failed, VMXE_CHECK_VMFAIL,
				VMXE_ERR_ENTRY_INVALID_HOST_STATE_FIELD, 0);
}

/* One entry of the VM-entry MSR-load area (SDM 27.4). */
static bool msr_entry_bad(const struct vmxe_chk *c, const struct vmxe_msr_entry *e)
{
	return CC(e->index == MSR_IA32_FS_BASE || e->index == MSR_IA32_GS_BASE,
		  "msr_load_fs_gs_base") ||
	       CC((e->index >> MSR_X2APIC_SHIFT) == MSR_X2APIC_PREFIX, "msr_load_x2apic") ||
	       CC(e->index == MSR_IA32_SMM_MONITOR_CTL, "msr_load_smm_monitor_ctl") ||
	       CC(e->reserved != 0, "msr_load_reserved");
}

enum vmxe_check_kind vmxe_check_entry_msr_load(const struct vmcs12 *v,
					       const struct vmxe_vcaps *caps,
					       const struct vmxe_gmem *mem,
					       struct vmxe_check_result *res)
{
	const struct vmxe_chk chk = {.v = v, .caps = caps, .mem = mem, .res = res};
	const struct vmxe_chk *c = &chk;
	uint64_t max =
	    MSR_LIST_UNIT * (VMX_GET(VMX_MISC_MAX_MSR_LIST, vmxe_chk_cap(c, VMXE_MSR_MISC)) + 1);
	struct vmxe_msr_entry e;
	bool failed = false;
	uint64_t i;

	*res = (struct vmxe_check_result){0};
	for (i = 0; i < v->VM_ENTRY_MSR_LOAD_COUNT && !failed; i++) {
		/* SDM 27.8: the qualification numbers entries from 1. */
		res->qualification = i + 1;
		failed = CC(i >= max, "msr_load_count") ||
			 CC(vmxe_gmem_read(mem, v->VM_ENTRY_MSR_LOAD_ADDR + i * sizeof(e), &e,
					   sizeof(e)) != VMXE_GMEM_OK,
			    "msr_load_memory") ||
			 msr_entry_bad(c, &e);
	}
	return vmxe_chk_verdict(res, failed, VMXE_CHECK_ENTRY_FAIL, VMXE_OK,
				VMX_EXIT_ENTRY_FAIL_MSR_LOADING);
}

enum vmxe_check_kind vmxe_check_vmentry(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					const struct vmxe_check_l1 *cpu,
					const struct vmxe_gmem *mem, struct vmxe_check_result *res)
{
	if (vmxe_check_controls(v, caps, cpu, res) != VMXE_CHECK_OK ||
	    vmxe_check_host_state(v, caps, cpu, res) != VMXE_CHECK_OK ||
	    vmxe_check_guest_state(v, caps, cpu, mem, res) != VMXE_CHECK_OK)
		return res->kind;
	return vmxe_check_entry_msr_load(v, caps, mem, res);
}
