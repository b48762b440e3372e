/*
 * test_vmcs12_checks.c: tests of vmx-emul/vmcs12_checks.c, the VM-entry checks on the VMX
 * controls (SDM Vol. 3C 27.2.1, VMfailValid 7), the host-state area (27.2.2-27.2.4, VMfailValid 8)
 * and the VM-entry MSR-load area (27.4, VM-entry failure 34 with the entry number), and of the
 * order of the stages (27.2, 27.3, 27.4). The valid VMCS12 passes; each case of the table breaks
 * one rule (or, marked PASS, bends one without breaking it) and names the outcome and the rule.
 * The fixture is in vmcs12_checks_fixture.c; guest-state cases are in test_vmcs12_guest_checks.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs12_checks_fixture.h"
#include "vmx-emul/exit_reasons.h"

/* clang-format off */
static const struct mcase cases[] = {
	/* SDM 27.2.1.1: VM-execution controls. */
	{ "pin: posted interrupts not offered",
	  { OR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_POSTED_INTR)) },
	  CTL("pin_controls") },
	{ "pin: default1 bit 1 clear",
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, 0x2) }, CTL("pin_controls") },
	{ "proc: TPR shadow not offered",
	  { OR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_USE_TPR_SHADOW)) }, CTL("proc_controls") },
	{ "proc: MTF, which Bochs lacks",
	  { OR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_MONITOR_TRAP_FLAG)) }, CTL("proc_controls") },
	{ "proc2: PML not offered", { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_PML)) },
	  CTL("proc2_controls") },
	{ "proc2 ignored without activate secondary controls",
	  { SET(SECONDARY_VM_EXEC_CONTROL, 0xffffffff),
	    CLR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_SECONDARY_CONTROLS)) },
	  PASS },
	{ "proc3: bits beyond IA32_VMX_PROCBASED_CTLS3",
	  { OR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_TERTIARY_CONTROLS)),
	    SET(TERTIARY_VM_EXEC_CONTROL, 1) },
	  ALL, CTL("proc3_controls") },
	{ "CR3-target count 5", { SET(CR3_TARGET_COUNT, 5) }, CTL("cr3_target_count") },
	{ "CR3-target count 4", { SET(CR3_TARGET_COUNT, 4) }, PASS },
	{ "I/O bitmap A unaligned", { SET(IO_BITMAP_A, 0x1001) }, CTL("io_bitmap_a_addr") },
	{ "I/O bitmap B beyond MAXPHYADDR", { SET(IO_BITMAP_B, BEYOND_PA) },
	  CTL("io_bitmap_b_addr") },
	{ "I/O bitmaps unchecked when unused",
	  { SET(IO_BITMAP_A, 0x123), CLR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_USE_IO_BITMAPS)) },
	  PASS },
	{ "MSR bitmap unaligned", { SET(MSR_BITMAP, 0x3800) }, CTL("msr_bitmap_addr") },
	{ "virtual-APIC page unaligned", { SET(VIRTUAL_APIC_PAGE_ADDR, 0x6001) }, prep_tpr, ALL,
	  CTL("virtual_apic_addr") },
	{ "TPR threshold bits 31:4", { SET(TPR_THRESHOLD, 0x10) }, prep_tpr, ALL,
	  CTL("tpr_threshold") },
	{ "TPR threshold 15", { SET(TPR_THRESHOLD, 0xf) }, prep_tpr, ALL, PASS },
	{ "x2APIC virtualization without TPR shadow",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_VIRT_X2APIC_MODE)) }, ALL,
	  CTL("apicv_needs_tpr_shadow") },
	{ "virtual NMIs without NMI exiting",
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_NMI_EXITING)) },
	  CTL("virtual_nmis_need_nmi_exiting") },
	{ "NMI-window exiting without virtual NMIs",
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_VIRTUAL_NMIS)),
	    OR(CPU_BASED_VM_EXEC_CONTROL, M(PROC_NMI_WINDOW_EXITING)) },
	  CTL("nmi_window_needs_virtual_nmis") },
	{ "APIC-access page unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_VIRT_APIC_ACCESSES)),
	    SET(APIC_ACCESS_ADDR, 0x123) },
	  ALL, CTL("apic_access_addr") },
	{ "x2APIC mode with APIC accesses virtualized",
	  { OR(SECONDARY_VM_EXEC_CONTROL,
	       M(PROC2_VIRT_X2APIC_MODE) | M(PROC2_VIRT_APIC_ACCESSES)),
	    SET(APIC_ACCESS_ADDR, 0x8000) },
	  prep_tpr, ALL, CTL("x2apic_with_apic_accesses") },
	{ "virtual-interrupt delivery without interrupt exiting",
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_EXT_INTR_EXITING)) }, prep_vid, ALL,
	  CTL("vid_needs_ext_intr_exiting") },
	{ "posted interrupts without VID", { OR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_POSTED_INTR)) },
	  ALL, CTL("posted_intr_needs_vid") },
	{ "posted interrupts without ack on exit",
	  { CLR(VM_EXIT_CONTROLS, M(EXIT_ACK_INTR_ON_EXIT)) }, prep_posted, ALL,
	  CTL("posted_intr_needs_ack") },
	{ "posted-interrupt vector above 255", { SET(POSTED_INTR_NV, 0x100) }, prep_posted, ALL,
	  CTL("posted_intr_vector") },
	{ "posted-interrupt descriptor not 64-byte aligned", { SET(POSTED_INTR_DESC_ADDR, 0x7010) },
	  prep_posted, ALL, CTL("posted_intr_desc_addr") },
	{ "posted interrupts set up right", { { 0 } }, prep_posted, ALL, PASS },
	{ "VPID 0", { SET(VIRTUAL_PROCESSOR_ID, 0) }, CTL("vpid_zero") },
	{ "EPTP memory type UC, not offered", { SET(EPT_POINTER, EPTP_WB4 & ~7ull) },
	  CTL("eptp_memtype") },
	{ "EPTP memory type 7", { OR(EPT_POINTER, 7) }, CTL("eptp_memtype") },
	{ "EPTP 5-level walk", { SET(EPT_POINTER, 0x50000 | 6 | (4 << 3)) },
	  CTL("eptp_walk_length") },
	{ "EPTP 3-level walk", { SET(EPT_POINTER, 0x50000 | 6 | (2 << 3)) },
	  CTL("eptp_walk_length") },
	{ "EPTP A/D flags, offered by Bochs", { OR(EPT_POINTER, 1 << 6) }, PASS },
	{ "EPTP A/D flags, not offered", { OR(EPT_POINTER, 1 << 6) }, ALL, CTL("eptp_ad") },
	{ "EPTP reserved bit 8", { OR(EPT_POINTER, 1 << 8) }, CTL("eptp_reserved") },
	{ "EPTP shadow-stack bit, not offered", { OR(EPT_POINTER, 1 << 7) }, CTL("eptp_reserved") },
	{ "EPTP beyond MAXPHYADDR", { OR(EPT_POINTER, BEYOND_PA) }, CTL("eptp_reserved") },
	{ "PML without EPT",
	  { CLR(SECONDARY_VM_EXEC_CONTROL, EPT_URG),
	    OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_PML)) },
	  ALL, CTL("pml_needs_ept") },
	{ "PML address unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_PML)), SET(PML_ADDRESS, 0x10) }, ALL,
	  CTL("pml_addr") },
	{ "unrestricted guest without EPT",
	  { CLR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_EPT)) },
	  CTL("unrestricted_guest_needs_ept") },
	{ "mode-based execute control without EPT",
	  { CLR(SECONDARY_VM_EXEC_CONTROL, EPT_URG),
	    OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_MODE_BASED_EPT_EXEC)) },
	  ALL, CTL("mbec_needs_ept") },
	{ "sub-page permissions without EPT",
	  { CLR(SECONDARY_VM_EXEC_CONTROL, EPT_URG),
	    OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_EPT_SUBPAGE_WRITE)) },
	  ALL, CTL("spp_needs_ept") },
	{ "SPP table pointer unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_EPT_SUBPAGE_WRITE)),
	    SET(SPP_TABLE_POINTER, 0x20) },
	  ALL, CTL("spp_table_addr") },
	{ "VM function 1, not offered",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_VMFUNC)), SET(VM_FUNCTION_CONTROL, 2) },
	  ALL, CTL("vmfunc_controls") },
	{ "EPTP switching without EPT",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_VMFUNC)), SET(VM_FUNCTION_CONTROL, 1),
	    CLR(SECONDARY_VM_EXEC_CONTROL, EPT_URG), SET(EPTP_LIST_ADDRESS, 0x9000) },
	  ALL, CTL("eptp_switching_needs_ept") },
	{ "EPTP list unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_ENABLE_VMFUNC)), SET(VM_FUNCTION_CONTROL, 1),
	    SET(EPTP_LIST_ADDRESS, 7) },
	  ALL, CTL("eptp_list_addr") },
	{ "VMREAD bitmap unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_VMCS_SHADOWING)), SET(VMREAD_BITMAP, 1),
	    SET(VMWRITE_BITMAP, 0x8000) },
	  CTL("vmread_bitmap_addr") },
	{ "VMWRITE bitmap beyond MAXPHYADDR",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_VMCS_SHADOWING)), SET(VMREAD_BITMAP, 0x7000),
	    SET(VMWRITE_BITMAP, BEYOND_PA) },
	  CTL("vmwrite_bitmap_addr") },
	{ "#VE information address unaligned",
	  { OR(SECONDARY_VM_EXEC_CONTROL, M(PROC2_EPT_VIOLATION_VE)), SET(VE_INFO_ADDRESS, 8) },
	  ALL, CTL("ve_info_addr") },

	/* SDM 27.2.1.2: VM-exit controls. */
	{ "exit: load PERF_GLOBAL_CTRL not offered",
	  { OR(VM_EXIT_CONTROLS, M(EXIT_LOAD_PERF_GLOBAL_CTRL)) }, CTL("exit_controls") },
	{ "exit: default1 bit 0 clear", { CLR(VM_EXIT_CONTROLS, 1) }, CTL("exit_controls") },
	{ "exit2: bits beyond IA32_VMX_EXIT_CTLS2",
	  { OR(VM_EXIT_CONTROLS, M(EXIT_SECONDARY_CONTROLS)), SET(SECONDARY_VM_EXIT_CONTROL, 1) },
	  ALL, CTL("exit2_controls") },
	{ "save preemption timer without the timer",
	  { OR(VM_EXIT_CONTROLS, M(EXIT_SAVE_PREEMPTION_TIMER)) }, ALL,
	  CTL("save_preemption_timer") },
	{ "exit MSR-store area unaligned",
	  { SET(VM_EXIT_MSR_STORE_COUNT, 1), SET(VM_EXIT_MSR_STORE_ADDR, 0x20008) },
	  CTL("exit_msr_store_addr") },
	{ "exit MSR-load area ends beyond MAXPHYADDR",
	  { SET(VM_EXIT_MSR_LOAD_COUNT, 2), SET(VM_EXIT_MSR_LOAD_ADDR, BEYOND_PA - 16) },
	  CTL("exit_msr_load_addr") },
	{ "exit MSR-load area ends at MAXPHYADDR",
	  { SET(VM_EXIT_MSR_LOAD_COUNT, 1), SET(VM_EXIT_MSR_LOAD_ADDR, BEYOND_PA - 16) }, PASS },

	/* SDM 27.2.1.3: VM-entry controls and event injection. */
	{ "entry: entry to SMM not offered", { OR(VM_ENTRY_CONTROLS, M(ENTRY_ENTRY_TO_SMM)) },
	  CTL("entry_controls") },
	{ "entry to SMM outside SMM", { OR(VM_ENTRY_CONTROLS, M(ENTRY_ENTRY_TO_SMM)) }, ALL,
	  CTL("entry_to_smm") },
	{ "deactivate dual-monitor treatment outside SMM",
	  { OR(VM_ENTRY_CONTROLS, M(ENTRY_DEACT_DUAL_MONITOR)) }, ALL,
	  CTL("deactivate_dual_monitor") },
	{ "entry MSR-load area unaligned", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_OK + 4) },
	  CTL("entry_msr_load_addr") },
	{ "entry MSR-load address unchecked with count 0",
	  { SET(VM_ENTRY_MSR_LOAD_ADDR, 3), SET(VM_ENTRY_MSR_LOAD_COUNT, 0) }, PASS },
	{ "inject type 1 (reserved)", { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (1 << 8) | 32) },
	  CTL("intr_info_type") },
	{ "inject other event without MTF", { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (7 << 8)) },
	  CTL("intr_info_type") },
	{ "inject pending MTF exit with MTF offered",
	  { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (7 << 8)) }, ALL, PASS },
	{ "inject other event with vector 1",
	  { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (7 << 8) | 1) },
	  ALL, CTL("intr_info_vector") },
	{ "inject NMI with vector 3", { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (2 << 8) | 3) },
	  CTL("intr_info_vector") },
	{ "inject hardware exception 32", { SET(VM_ENTRY_INTR_INFO, HW_EXC(32)) },
	  CTL("intr_info_vector") },
	{ "inject #GP without error code", { SET(VM_ENTRY_INTR_INFO, HW_EXC(13)) },
	  CTL("intr_info_deliver_code") },
	{ "inject #UD with error code", { SET(VM_ENTRY_INTR_INFO, HW_EXC(6) | INFO_CODE) },
	  CTL("intr_info_deliver_code") },
	{ "inject #GP with error code into real mode",
	  { SET(VM_ENTRY_INTR_INFO, HW_EXC(13) | INFO_CODE), CLR(GUEST_CR0, CR0_PE | CR0_PG) },
	  CTL("intr_info_deliver_code") },
	{ "inject #UD with error code, IA32_VMX_BASIC[56]",
	  { SET(VM_ENTRY_INTR_INFO, HW_EXC(6) | INFO_CODE) }, ALL, PASS },
	{ "inject #GP without error code, IA32_VMX_BASIC[56]",
	  { SET(VM_ENTRY_INTR_INFO, HW_EXC(13)) }, ALL, PASS },
	{ "inject interrupt with error code, IA32_VMX_BASIC[56]",
	  { SET(VM_ENTRY_INTR_INFO, EXT_INTR(32) | INFO_CODE), SET(GUEST_RFLAGS, 0x202) }, ALL,
	  CTL("intr_info_deliver_code") },
	{ "inject with reserved bit 12", { SET(VM_ENTRY_INTR_INFO, EXT_INTR(32) | (1u << 12)) },
	  CTL("intr_info_reserved") },
	{ "inject #GP with error code bit 16",
	  { SET(VM_ENTRY_INTR_INFO, HW_EXC(13) | INFO_CODE),
	    SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000) },
	  CTL("intr_error_code") },
	{ "inject #PF with error code 0xffff",
	  { SET(VM_ENTRY_INTR_INFO, HW_EXC(14) | INFO_CODE),
	    SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0xffff) },
	  PASS },
	{ "inject INT 0x80 with length 16",
	  { SET(VM_ENTRY_INTR_INFO, SW_INTR(0x80)), SET(VM_ENTRY_INSTRUCTION_LEN, 16) },
	  CTL("intr_instruction_len") },
	{ "inject INT 0x80 with length 0, offered by Bochs",
	  { SET(VM_ENTRY_INTR_INFO, SW_INTR(0x80)), SET(VM_ENTRY_INSTRUCTION_LEN, 0) }, PASS },
	{ "inject #BP with length 0, not offered",
	  { SET(VM_ENTRY_INTR_INFO, INFO_VALID | (6 << 8) | 3), SET(VM_ENTRY_INSTRUCTION_LEN, 0) },
	  ALL, CTL("intr_instruction_len") },
	{ "inject NMI", { SET(VM_ENTRY_INTR_INFO, NMI_INFO) }, PASS },

	/* SDM 27.2.2: host control registers and MSRs. */
	{ "host CR0.NE clear", { CLR(HOST_CR0, CR0_NE) }, HOST("host_cr0_fixed") },
	{ "host CR4.VMXE clear", { CLR(HOST_CR4, CR4_VMXE) }, HOST("host_cr4_fixed") },
	{ "host CR4.PKE, not in FIXED1", { OR(HOST_CR4, CR4_PKE) }, HOST("host_cr4_fixed") },
	{ "host CR3 beyond MAXPHYADDR", { SET(HOST_CR3, BEYOND_PA) }, HOST("host_cr3") },
	{ "host SYSENTER_ESP non-canonical", { SET(HOST_IA32_SYSENTER_ESP, NONCANON) },
	  HOST("host_sysenter_esp") },
	{ "host SYSENTER_EIP non-canonical", { SET(HOST_IA32_SYSENTER_EIP, 0xffff7fffffffffffull) },
	  HOST("host_sysenter_eip") },
	{ "host PAT type 2", { SET(HOST_IA32_PAT, 0x0007040600070402ull) }, HOST("host_pat") },
	{ "host PAT type 2, not loaded",
	  { SET(HOST_IA32_PAT, 2), CLR(VM_EXIT_CONTROLS, M(EXIT_LOAD_PAT)) }, PASS },
	{ "host EFER reserved bit 1", { OR(HOST_IA32_EFER, 2) }, HOST("host_efer_reserved") },
	{ "host EFER.LMA clear", { CLR(HOST_IA32_EFER, EFER_LMA) }, HOST("host_efer_lma") },
	{ "host EFER.LME clear", { CLR(HOST_IA32_EFER, EFER_LME) }, HOST("host_efer_lme") },

	/* SDM 27.2.3: host segments. */
	{ "host ES RPL 3", { SET(HOST_ES_SELECTOR, 3) }, HOST("host_es_selector") },
	{ "host CS RPL 3", { SET(HOST_CS_SELECTOR, 0x13) }, HOST("host_cs_selector") },
	{ "host SS TI", { SET(HOST_SS_SELECTOR, 0x1c) }, HOST("host_ss_selector") },
	{ "host DS RPL 1", { SET(HOST_DS_SELECTOR, 1) }, HOST("host_ds_selector") },
	{ "host FS TI", { SET(HOST_FS_SELECTOR, 4) }, HOST("host_fs_selector") },
	{ "host GS RPL 2", { SET(HOST_GS_SELECTOR, 2) }, HOST("host_gs_selector") },
	{ "host TR TI", { SET(HOST_TR_SELECTOR, 0x44) }, HOST("host_tr_selector") },
	{ "host CS null", { SET(HOST_CS_SELECTOR, 0) }, HOST("host_cs_null") },
	{ "host TR null", { SET(HOST_TR_SELECTOR, 0) }, HOST("host_tr_null") },
	{ "host SS null, 64-bit host", { SET(HOST_SS_SELECTOR, 0) }, PASS },
	{ "host SS null, 32-bit host", { SET(HOST_SS_SELECTOR, 0), NO_64BIT_HOST },
	  HOST("host_ss_null") },
	{ "host FS base non-canonical", { SET(HOST_FS_BASE, NONCANON) }, HOST("host_fs_base") },
	{ "host GS base non-canonical", { SET(HOST_GS_BASE, NONCANON) }, HOST("host_gs_base") },
	{ "host GDTR base non-canonical", { SET(HOST_GDTR_BASE, NONCANON) },
	  HOST("host_gdtr_base") },
	{ "host IDTR base non-canonical", { SET(HOST_IDTR_BASE, NONCANON) },
	  HOST("host_idtr_base") },
	{ "host TR base non-canonical", { SET(HOST_TR_BASE, NONCANON) }, HOST("host_tr_base") },

	/* SDM 27.2.4: address-space size. */
	{ "64-bit host from a 32-bit L1", { { 0 } }, .l1_32bit = true,
	  HOST("host_addr_space_outside_ia32e") },
	{ "IA-32e guest from a 32-bit L1", { NO_64BIT_HOST }, .l1_32bit = true,
	  HOST("ia32e_guest_outside_ia32e") },
	{ "32-bit host from a 64-bit L1", { NO_64BIT_HOST }, HOST("host_addr_space_size") },
	{ "32-bit host with CR4.PCIDE",
	  { NO_64BIT_HOST, CLR(VM_ENTRY_CONTROLS, M(ENTRY_IA32E_MODE_GUEST)),
	    OR(HOST_CR4, CR4_PCIDE) },
	  .l1_32bit = true, HOST("host_cr4_pcide") },
	{ "32-bit host with RIP above 4 GiB",
	  { NO_64BIT_HOST, CLR(VM_ENTRY_CONTROLS, M(ENTRY_IA32E_MODE_GUEST)),
	    SET(HOST_RIP, 0x100000000ull) },
	  .l1_32bit = true, HOST("host_rip_high") },
	{ "32-bit L1 entering a 32-bit PAE guest",
	  { NO_64BIT_HOST, SET(HOST_RIP, 0xc1000000) }, prep_pae32, .l1_32bit = true, PASS },
	{ "64-bit host without CR4.PAE", { CLR(HOST_CR4, CR4_PAE) }, HOST("host_cr4_pae") },
	{ "host RIP non-canonical", { SET(HOST_RIP, NONCANON) }, HOST("host_rip_canonical") },

	/* SDM 27.4: VM-entry MSR-load area (reason 34, qualification = entry number). */
	{ "MSR-load count 512", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_BIG),
				  SET(VM_ENTRY_MSR_LOAD_COUNT, 512) }, PASS },
	{ "MSR-load count 513, above IA32_VMX_MISC's 512",
	  { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_BIG), SET(VM_ENTRY_MSR_LOAD_COUNT, 513) },
	  MSRL("msr_load_count", 513) },
	{ "MSR-load entry 3 outside L1 memory",
	  { SET(VM_ENTRY_MSR_LOAD_ADDR, MEM_SIZE - 32), SET(VM_ENTRY_MSR_LOAD_COUNT, 3) },
	  MSRL("msr_load_memory", 3) },
	{ "MSR-load entry 2 IA32_FS_BASE", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_FSBASE) },
	  MSRL("msr_load_fs_gs_base", 2) },
	{ "MSR-load entry 1 IA32_GS_BASE", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_GSBASE) },
	  MSRL("msr_load_fs_gs_base", 1) },
	{ "MSR-load entry 1 x2APIC TPR", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_X2APIC) },
	  MSRL("msr_load_x2apic", 1) },
	{ "MSR-load entry 3 IA32_SMM_MONITOR_CTL",
	  { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_SMM), SET(VM_ENTRY_MSR_LOAD_COUNT, 3) },
	  MSRL("msr_load_smm_monitor_ctl", 3) },
	{ "MSR-load entry 2 reserved bits", { SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_RSVD) },
	  MSRL("msr_load_reserved", 2) },

	/* SDM 27.2 before 27.3 before 27.4: the first stage that fails decides. */
	{ "controls before host state",
	  { OR(PIN_BASED_VM_EXEC_CONTROL, M(PIN_POSTED_INTR)), SET(HOST_CS_SELECTOR, 0) },
	  CTL("pin_controls") },
	{ "host state before guest state", { SET(HOST_TR_SELECTOR, 0), CLR(GUEST_CR0, CR0_NE) },
	  HOST("host_tr_null") },
	{ "guest state before MSR loading",
	  { CLR(GUEST_CR4, CR4_VMXE), SET(VM_ENTRY_MSR_LOAD_ADDR, MSR_X2APIC) },
	  GUEST("guest_cr4_fixed") },
	{ "link pointer before PDPTEs",
	  { SET(GUEST_CR3, PDPT_BAD), SET(VMCS_LINK_POINTER, WRONG_REV) }, prep_pae32,
	  GUEST_Q("vmcs_link_ptr_revision", 4) },
};
/* clang-format on */

static void test_valid_vmcs12_passes(void **state)
{
	static const struct vmxe_vcaps *const caps[] = {&caps_l1, &caps_all};
	static struct vmcs12 v;
	struct vmxe_check_result res;
	size_t i;

	(void)state;
	build_valid(&v);
	for (i = 0; i < COUNT_OF(caps); i++) {
		memset(&res, 0xa5, sizeof(res)); /* filled even on success */
		assert_int_equal(vmxe_check_controls(&v, caps[i], &l1_64, &res), VMXE_CHECK_OK);
		assert_int_equal(vmxe_check_host_state(&v, caps[i], &l1_64, &res), VMXE_CHECK_OK);
		assert_int_equal(vmxe_check_guest_state(&v, caps[i], &l1_64, &gmem, &res),
				 VMXE_CHECK_OK);
		assert_int_equal(vmxe_check_entry_msr_load(&v, caps[i], &gmem, &res),
				 VMXE_CHECK_OK);
		memset(&res, 0xa5, sizeof(res));
		assert_int_equal(vmxe_check_vmentry(&v, caps[i], &l1_64, &gmem, &res),
				 VMXE_CHECK_OK);
		assert_int_equal(res.kind, VMXE_CHECK_OK);
		assert_int_equal(res.error, VMXE_OK);
		assert_int_equal(res.exit_reason, 0);
		assert_int_equal(res.qualification, 0);
		assert_null(res.check);
	}
}

static void test_single_mutations(void **state)
{
	(void)state;
	assert_int_equal(run_cases(cases, COUNT_OF(cases)), 0);
	assert_true(distinct_rules(cases, COUNT_OF(cases)) >= 60);
}

/* Each stage checks only its own area: a VMCS broken in every area fails each stage on its
 * own rule, and each stage reports its own outcome. */
static void test_stages_are_independent(void **state)
{
	static struct vmcs12 v;
	struct vmxe_check_result res;

	(void)state;
	build_valid(&v);
	v.PIN_BASED_VM_EXEC_CONTROL |= M(PIN_POSTED_INTR); /* controls */
	v.HOST_TR_SELECTOR = 0;				   /* host state */
	v.GUEST_CR4 &= ~CR4_VMXE;			   /* guest state */
	v.VM_ENTRY_MSR_LOAD_ADDR = MSR_X2APIC;		   /* MSR-load area */
	assert_int_equal(vmxe_check_controls(&v, &caps_l1, &l1_64, &res), VMXE_CHECK_VMFAIL);
	assert_string_equal(res.check, "pin_controls");
	assert_int_equal(res.error, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD);
	assert_int_equal(vmxe_check_host_state(&v, &caps_l1, &l1_64, &res), VMXE_CHECK_VMFAIL);
	assert_string_equal(res.check, "host_tr_null");
	assert_int_equal(res.error, VMXE_ERR_ENTRY_INVALID_HOST_STATE_FIELD);
	assert_int_equal(vmxe_check_guest_state(&v, &caps_l1, &l1_64, &gmem, &res),
			 VMXE_CHECK_ENTRY_FAIL);
	assert_string_equal(res.check, "guest_cr4_fixed");
	assert_int_equal(res.exit_reason, VMX_EXIT_REASON_ENTRY_FAILURE | 33);
	assert_int_equal(vmxe_check_entry_msr_load(&v, &caps_l1, &gmem, &res),
			 VMXE_CHECK_ENTRY_FAIL);
	assert_string_equal(res.check, "msr_load_x2apic");
	assert_int_equal(res.exit_reason, VMX_EXIT_REASON_ENTRY_FAILURE | 34);
	assert_int_equal(res.qualification, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_vmcs12_passes),
	    cmocka_unit_test(test_single_mutations),
	    cmocka_unit_test(test_stages_are_independent),
	};

	return cmocka_run_group_tests(tests, fixture_setup, NULL);
}
