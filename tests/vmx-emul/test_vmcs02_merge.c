/*
 * test_vmcs02_merge.c: tests of vmx-emul/vmcs02_merge.c, one per merge rule: guest state from
 * VMCS12 and host state from VMCS01, pin/primary/secondary controls, I/O policy, the exception
 * bitmap with the #PF mask/match cases, CR0/CR4 masks and read shadows, TSC offsets, entry and
 * exit controls; the MSR bitmap merge on random bitmaps; the PDPTE load through a fake gmem; the
 * L2 state round trip VMCS12 -> VMCS02 -> VMCS12; and the host-state load of SDM Vol. 3C 28.5
 * with both host address-space sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmx_caps.h"

#define CTL(name) ((uint32_t)VMX_MASK(VMX_##name))

#define CR0_PE	   (1ull << 0)
#define CR0_MP	   (1ull << 1)
#define CR0_TS	   (1ull << 3)
#define CR0_ET	   (1ull << 4)
#define CR0_NE	   (1ull << 5)
#define CR0_WP	   (1ull << 16)
#define CR0_NW	   (1ull << 29)
#define CR0_CD	   (1ull << 30)
#define CR0_PG	   (1ull << 31)
#define CR4_PAE	   (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_VMXE   (1ull << 13)
#define CR4_PCIDE  (1ull << 17)
#define CR4_BIT25  (1ull << 25) /* reserved: clear in the test CPU's CR4_FIXED1 */
#define EFER_SCE   (1ull << 0)
#define EFER_LME   (1ull << 8)
#define EFER_LMA   (1ull << 10)
#define EFER_NXE   (1ull << 11)
#define PF_BIT	   (1u << 14)

/* A test CPU: CR0_FIXED0 = PE|NE|PG (no unrestricted guest), CR4_FIXED0 = VMXE. */
static const struct vmxe_merge_cfg cfg = {
    .eptp = 0x123405eull,
    .msr_bitmap_hpa = 0x7000000ull,
    .io_bitmap_a_hpa = 0x7001000ull,
    .io_bitmap_b_hpa = 0x7002000ull,
    .cr0_fixed0 = CR0_PE | CR0_NE | CR0_PG,
    .cr0_fixed1 = 0xffffffffull,
    .cr4_fixed0 = CR4_VMXE,
    .cr4_fixed1 = 0x3767ffull,
    .vpid = 2,
};

static struct vmcs12 *new_vmcs(void)
{
	struct vmcs12 *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	return v;
}

/* VMCS01 as l0/vmcs01.c writes it, with L0's host state and L1's current guest values. */
static struct vmcs12 *new_vmcs01(void)
{
	struct vmcs12 *v = new_vmcs();

	v->PIN_BASED_VM_EXEC_CONTROL = VMX_PIN_DEFAULT1;
	v->CPU_BASED_VM_EXEC_CONTROL =
	    CTL(PROC_USE_MSR_BITMAPS) | CTL(PROC_SECONDARY_CONTROLS) | CTL(PROC_CR3_LOAD_EXITING);
	v->SECONDARY_VM_EXEC_CONTROL = CTL(PROC2_ENABLE_EPT) | CTL(PROC2_ENABLE_VPID) |
				       CTL(PROC2_UNRESTRICTED_GUEST) | CTL(PROC2_ENABLE_RDTSCP) |
				       CTL(PROC2_ENABLE_INVPCID) | CTL(PROC2_ENABLE_XSAVES);
	v->VM_EXIT_CONTROLS = CTL(EXIT_HOST_ADDR_SPACE_SIZE) | CTL(EXIT_SAVE_EFER) |
			      CTL(EXIT_LOAD_EFER) | CTL(EXIT_SAVE_PAT) | CTL(EXIT_LOAD_PAT);
	v->VM_ENTRY_CONTROLS =
	    CTL(ENTRY_IA32E_MODE_GUEST) | CTL(ENTRY_LOAD_EFER) | CTL(ENTRY_LOAD_PAT);
	v->CR0_GUEST_HOST_MASK = CR0_NE;
	v->CR4_GUEST_HOST_MASK = CR4_VMXE;
	v->VM_EXIT_MSR_LOAD_ADDR = 0x6000000;
	v->VM_EXIT_MSR_LOAD_COUNT = 3;
	v->VM_ENTRY_MSR_LOAD_COUNT = 5;
	v->VM_EXIT_MSR_STORE_COUNT = 7;
	v->GUEST_IA32_EFER = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	v->GUEST_IA32_PAT = 0x0007040600070406ull;
	v->GUEST_DR7 = 0x455;
	v->GUEST_IA32_DEBUGCTL = 0x1;
	v->HOST_CR3 = 0x5000;
	v->HOST_RIP = 0xffff800000001000ull;
	v->HOST_CS_SELECTOR = 0x8;
	return v;
}

/* VMCS12 as KVM with shadow paging writes it for a 64-bit L2. */
static struct vmcs12 *new_vmcs12(void)
{
	struct vmcs12 *v = new_vmcs();

	v->PIN_BASED_VM_EXEC_CONTROL = VMX_PIN_DEFAULT1 | CTL(PIN_EXT_INTR_EXITING) |
				       CTL(PIN_NMI_EXITING) | CTL(PIN_VIRTUAL_NMIS);
	v->CPU_BASED_VM_EXEC_CONTROL = VMX_PROC_DEFAULT1 | CTL(PROC_HLT_EXITING) |
				       CTL(PROC_INVLPG_EXITING) | CTL(PROC_USE_IO_BITMAPS) |
				       CTL(PROC_USE_MSR_BITMAPS) | CTL(PROC_SECONDARY_CONTROLS);
	v->SECONDARY_VM_EXEC_CONTROL = CTL(PROC2_ENABLE_RDTSCP) | CTL(PROC2_WBINVD_EXITING);
	v->VM_EXIT_CONTROLS = VMX_EXIT_DEFAULT1 | CTL(EXIT_HOST_ADDR_SPACE_SIZE) |
			      CTL(EXIT_LOAD_EFER) | CTL(EXIT_LOAD_PAT) | CTL(EXIT_SAVE_PAT);
	v->VM_ENTRY_CONTROLS = VMX_ENTRY_DEFAULT1 | CTL(ENTRY_IA32E_MODE_GUEST) |
			       CTL(ENTRY_LOAD_EFER) | CTL(ENTRY_LOAD_PAT);
	v->GUEST_CR0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	v->GUEST_CR4 = CR4_PAE | CR4_OSFXSR | CR4_VMXE;
	v->GUEST_IA32_EFER = EFER_LME | EFER_LMA;
	v->GUEST_IA32_PAT = 0x0606060606060606ull;
	return v;
}

static bool is_group(const struct vmxe_field_desc *d, uint32_t group)
{
	return (d->flags & VMCS_F_GROUP_MASK) == group;
}

/* Deterministic pseudo-random numbers (xorshift64). */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_group_random(struct vmcs12 *v, uint32_t group, uint64_t seed)
{
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		if (is_group(d, group))
			vmxe_vmcs12_set(v, d, next_random(&seed));
	}
}

static void build_ok(const struct vmcs12 *v01, const struct vmcs12 *v12, struct vmcs12 *v02)
{
	assert_int_equal(vmxe_vmcs02_build(v01, v12, &cfg, v02), VMXE_MERGE_OK);
}

/* Guest fields VMCS02 does not take from VMCS12 as they are. */
static bool guest_field_rewritten(size_t i)
{
	return i == VMCS_FIELD_GUEST_CR0 || i == VMCS_FIELD_GUEST_CR4 ||
	       i == VMCS_FIELD_VMCS_LINK_POINTER || i == VMCS_FIELD_GUEST_PDPTE0 ||
	       i == VMCS_FIELD_GUEST_PDPTE1 || i == VMCS_FIELD_GUEST_PDPTE2 ||
	       i == VMCS_FIELD_GUEST_PDPTE3;
}

static void test_guest_state_from_vmcs12_host_from_vmcs01(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

	(void)state;
	fill_group_random(v12, VMCS_F_GUEST, 0x9e3779b97f4a7c15ull);
	fill_group_random(v01, VMCS_F_HOST, 0xd1b54a32d192ed03ull);
	v12->VM_ENTRY_CONTROLS |= CTL(ENTRY_LOAD_DEBUG_CONTROLS); /* L1 loads EFER, PAT, DR7 */
	build_ok(v01, v12, v02);
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		if (is_group(d, VMCS_F_GUEST) && !guest_field_rewritten(i))
			assert_int_equal(vmxe_vmcs12_get(v02, d), vmxe_vmcs12_get(v12, d));
		if (is_group(d, VMCS_F_HOST))
			assert_int_equal(vmxe_vmcs12_get(v02, d), vmxe_vmcs12_get(v01, d));
		if (is_group(d, VMCS_F_EXIT_INFO))
			assert_int_equal(vmxe_vmcs12_get(v02, d), 0);
	}
	assert_int_equal(v02->VMCS_LINK_POINTER, VMXE_VMCS_LINK_NONE);
	assert_int_equal(
	    v02->GUEST_PDPTE0 | v02->GUEST_PDPTE1 | v02->GUEST_PDPTE2 | v02->GUEST_PDPTE3, 0);
	free(v01), free(v12), free(v02);
}

/* Pin and primary controls: L0's OR L1's, with L0's MSR bitmap and secondary controls kept. */
static void test_pin_and_primary_or(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();
	const uint32_t l1_exits = CTL(PROC_HLT_EXITING) | CTL(PROC_RDTSC_EXITING) |
				  CTL(PROC_CR3_STORE_EXITING) | CTL(PROC_MOV_DR_EXITING) |
				  CTL(PROC_MONITOR_TRAP_FLAG) | CTL(PROC_PAUSE_EXITING) |
				  CTL(PROC_INTR_WINDOW_EXITING) | CTL(PROC_NMI_WINDOW_EXITING);

	(void)state;
	v01->PIN_BASED_VM_EXEC_CONTROL |= CTL(PIN_NMI_EXITING); /* an L0 need */
	v12->PIN_BASED_VM_EXEC_CONTROL = VMX_PIN_DEFAULT1 | CTL(PIN_EXT_INTR_EXITING);
	/* L1 uses neither MSR bitmaps nor secondary controls: VMCS02 still does */
	v12->CPU_BASED_VM_EXEC_CONTROL = VMX_PROC_DEFAULT1 | l1_exits;
	build_ok(v01, v12, v02);
	assert_int_equal(v02->PIN_BASED_VM_EXEC_CONTROL,
			 VMX_PIN_DEFAULT1 | CTL(PIN_NMI_EXITING) | CTL(PIN_EXT_INTR_EXITING));
	assert_int_equal(v02->CPU_BASED_VM_EXEC_CONTROL,
			 v01->CPU_BASED_VM_EXEC_CONTROL | VMX_PROC_DEFAULT1 | l1_exits);
	assert_int_equal(v02->MSR_BITMAP, cfg.msr_bitmap_hpa);

	/* and L1's controls never drop L0's */
	v12->CPU_BASED_VM_EXEC_CONTROL = 0;
	v12->PIN_BASED_VM_EXEC_CONTROL = 0;
	build_ok(v01, v12, v02);
	assert_int_equal(v02->PIN_BASED_VM_EXEC_CONTROL, v01->PIN_BASED_VM_EXEC_CONTROL);
	assert_int_equal(v02->CPU_BASED_VM_EXEC_CONTROL, v01->CPU_BASED_VM_EXEC_CONTROL);
	free(v01), free(v12), free(v02);
}

static void test_io_policy(void **state)
{
	static const struct {
		uint32_t l1_io;
		enum vmxe_io_policy policy;
		uint32_t io02;
		uint64_t a, b;
	} rows[] = {
	    {0, VMXE_IO_PASS, 0, 0, 0},
	    {CTL(PROC_UNCOND_IO_EXITING), VMXE_IO_UNCOND, CTL(PROC_UNCOND_IO_EXITING), 0, 0},
	    {CTL(PROC_USE_IO_BITMAPS), VMXE_IO_BITMAPS, CTL(PROC_USE_IO_BITMAPS), 0x7001000ull,
	     0x7002000ull},
	    /* "use I/O bitmaps" wins; unconditional exiting is then ignored (SDM 25.6.2) */
	    {CTL(PROC_USE_IO_BITMAPS) | CTL(PROC_UNCOND_IO_EXITING), VMXE_IO_BITMAPS,
	     CTL(PROC_USE_IO_BITMAPS), 0x7001000ull, 0x7002000ull},
	};
	const uint32_t io = CTL(PROC_UNCOND_IO_EXITING) | CTL(PROC_USE_IO_BITMAPS);

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

		v12->CPU_BASED_VM_EXEC_CONTROL =
		    (v12->CPU_BASED_VM_EXEC_CONTROL & ~io) | rows[i].l1_io;
		v12->IO_BITMAP_A = 0x1000; /* L1-physical: must never reach VMCS02 */
		v12->IO_BITMAP_B = 0x2000;
		assert_int_equal(vmxe_io_bitmap_policy(v12), rows[i].policy);
		build_ok(v01, v12, v02);
		assert_int_equal(v02->CPU_BASED_VM_EXEC_CONTROL & io, rows[i].io02);
		assert_int_equal(v02->IO_BITMAP_A, rows[i].a);
		assert_int_equal(v02->IO_BITMAP_B, rows[i].b);
		free(v01), free(v12), free(v02);
	}
}

static void test_secondary(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

	(void)state;
	v01->SECONDARY_VM_EXEC_CONTROL |= CTL(PROC2_RDRAND_EXITING); /* an L0 exiting need */
	v01->XSS_EXITING_BITMAP = 1ull << 8;
	v12->SECONDARY_VM_EXEC_CONTROL = CTL(PROC2_ENABLE_INVPCID) | CTL(PROC2_ENABLE_XSAVES) |
					 CTL(PROC2_DESC_TABLE_EXITING) | CTL(PROC2_ENABLE_VPID) |
					 CTL(PROC2_PAUSE_LOOP_EXITING);
	v12->VIRTUAL_PROCESSOR_ID = 7;
	v12->XSS_EXITING_BITMAP = 1ull << 40;
	v12->PLE_GAP = 128;
	v12->PLE_WINDOW = 4096;
	v12->EPT_POINTER = 0xdead000; /* ignored: L1's EPT is off */
	build_ok(v01, v12, v02);
	/* EPT and L0's VPID always; L0's unrestricted guest, RDTSCP never (L1 did not ask for
	 * RDTSCP; UG needs EPT12); L1's enables and exiting controls; L0's exiting control */
	assert_int_equal(v02->SECONDARY_VM_EXEC_CONTROL,
			 CTL(PROC2_ENABLE_EPT) | CTL(PROC2_ENABLE_VPID) |
			     CTL(PROC2_RDRAND_EXITING) | CTL(PROC2_ENABLE_INVPCID) |
			     CTL(PROC2_ENABLE_XSAVES) | CTL(PROC2_DESC_TABLE_EXITING) |
			     CTL(PROC2_PAUSE_LOOP_EXITING));
	assert_true(v02->CPU_BASED_VM_EXEC_CONTROL & CTL(PROC_SECONDARY_CONTROLS));
	assert_int_equal(v02->EPT_POINTER, cfg.eptp);
	assert_int_equal(v02->VIRTUAL_PROCESSOR_ID, cfg.vpid);
	assert_int_equal(v02->XSS_EXITING_BITMAP, (1ull << 40) | (1ull << 8));
	assert_int_equal(v02->PLE_GAP, 128);
	assert_int_equal(v02->PLE_WINDOW, 4096);

	/* Without "activate secondary controls" L1's secondary field counts as 0 (25.6.2). */
	v12->CPU_BASED_VM_EXEC_CONTROL &= ~CTL(PROC_SECONDARY_CONTROLS);
	build_ok(v01, v12, v02);
	assert_int_equal(v02->SECONDARY_VM_EXEC_CONTROL, CTL(PROC2_ENABLE_EPT) |
							     CTL(PROC2_ENABLE_VPID) |
							     CTL(PROC2_RDRAND_EXITING));
	assert_int_equal(v02->XSS_EXITING_BITMAP, 0);
	assert_int_equal(v02->PLE_WINDOW, 0);

	/* L0 without VPID: none for L2 either, whatever L1 asks */
	v01->SECONDARY_VM_EXEC_CONTROL &= ~CTL(PROC2_ENABLE_VPID);
	v12->CPU_BASED_VM_EXEC_CONTROL |= CTL(PROC_SECONDARY_CONTROLS);
	build_ok(v01, v12, v02);
	assert_false(v02->SECONDARY_VM_EXEC_CONTROL & CTL(PROC2_ENABLE_VPID));
	assert_int_equal(v02->VIRTUAL_PROCESSOR_ID, 0);
	free(v01), free(v12), free(v02);
}

/* With EPT12, L2 runs on the EPT02 L0 gives (cfg), may be unrestricted (CR0.PE/PG then free),
 * and keeps VMCS12's PDPTEs both ways. */
static void test_ept12(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs(), *back;

	(void)state;
	v12->CPU_BASED_VM_EXEC_CONTROL |= CTL(PROC_SECONDARY_CONTROLS);
	v12->SECONDARY_VM_EXEC_CONTROL |= CTL(PROC2_ENABLE_EPT) | CTL(PROC2_UNRESTRICTED_GUEST);
	v12->GUEST_CR0 &= ~(1ull << 31 | 1ull); /* real mode */
	v12->GUEST_PDPTE2 = 0x1234001;
	build_ok(v01, v12, v02);
	assert_int_equal(v02->EPT_POINTER, cfg.eptp);
	assert_true(v02->SECONDARY_VM_EXEC_CONTROL & CTL(PROC2_UNRESTRICTED_GUEST));
	assert_int_equal(v02->GUEST_CR0 & (1ull << 31 | 1ull), 0);
	assert_int_equal(v02->GUEST_PDPTE2, 0x1234001);
	v02->GUEST_PDPTE2 = 0x5678001; /* as the CPU saves it on an exit */
	back = new_vmcs12();
	*back = *v12;
	vmxe_vmcs02_to_vmcs12(v02, back);
	assert_int_equal(back->GUEST_PDPTE2, 0x5678001);
	free(v01), free(v12), free(v02), free(back);
}

/* L1's controls that need an L0-owned page VMCS02 lacks are refused, as is a missing VPID for
 * L2. */
static void test_refused_controls(void **state)
{
	static const struct {
		uint32_t field; /* VMCS_FIELD_* index */
		uint32_t bit;
	} rows[] = {
	    {VMCS_FIELD_SECONDARY_VM_EXEC_CONTROL, CTL(PROC2_VIRT_APIC_ACCESSES)},
	    {VMCS_FIELD_SECONDARY_VM_EXEC_CONTROL, CTL(PROC2_VMCS_SHADOWING)},
	    {VMCS_FIELD_SECONDARY_VM_EXEC_CONTROL, CTL(PROC2_ENABLE_PML)},
	    {VMCS_FIELD_SECONDARY_VM_EXEC_CONTROL, CTL(PROC2_TSC_SCALING)},
	    {VMCS_FIELD_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_USE_TPR_SHADOW)},
	    {VMCS_FIELD_CPU_BASED_VM_EXEC_CONTROL, CTL(PROC_TERTIARY_CONTROLS)},
	    {VMCS_FIELD_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_PREEMPTION_TIMER)},
	    {VMCS_FIELD_PIN_BASED_VM_EXEC_CONTROL, CTL(PIN_POSTED_INTR)},
	    {VMCS_FIELD_VM_ENTRY_CONTROLS, CTL(ENTRY_ENTRY_TO_SMM)},
	    {VMCS_FIELD_VM_ENTRY_CONTROLS, CTL(ENTRY_LOAD_RTIT_CTL)},
	    {VMCS_FIELD_VM_EXIT_CONTROLS, CTL(EXIT_SAVE_PREEMPTION_TIMER)},
	    {VMCS_FIELD_VM_EXIT_CONTROLS, CTL(EXIT_SECONDARY_CONTROLS)},
	};
	struct vmcs12 *v01 = new_vmcs01(), *v02 = new_vmcs();
	struct vmxe_merge_cfg no_vpid = cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmcs12 *v12 = new_vmcs12();
		const struct vmxe_field_desc *d = vmxe_field_at(rows[i].field);

		vmxe_vmcs12_set(v12, d, vmxe_vmcs12_get(v12, d) | rows[i].bit);
		assert_int_equal(vmxe_vmcs02_build(v01, v12, &cfg, v02), VMXE_MERGE_UNSUPPORTED);
		/* a refused secondary control is no control at all without activation */
		if (rows[i].field == VMCS_FIELD_SECONDARY_VM_EXEC_CONTROL) {
			v12->CPU_BASED_VM_EXEC_CONTROL &= ~CTL(PROC_SECONDARY_CONTROLS);
			build_ok(v01, v12, v02);
		}
		free(v12);
	}
	no_vpid.vpid = 0;
	{
		struct vmcs12 *v12 = new_vmcs12();

		assert_int_equal(vmxe_vmcs02_build(v01, v12, &no_vpid, v02), VMXE_MERGE_BAD_CFG);
		v01->SECONDARY_VM_EXEC_CONTROL &= ~CTL(PROC2_ENABLE_VPID);
		assert_int_equal(vmxe_vmcs02_build(v01, v12, &no_vpid, v02), VMXE_MERGE_OK);
		free(v12);
	}
	free(v01), free(v02);
}

/* SDM 25.6.3 with KVM's rule: L0 taking any #PF means all #PFs exit (mask = match = 0). */
static void test_exception_bitmap(void **state)
{
	static const struct {
		uint32_t l0_bm, l0_mask, l0_match, l1_bm, l1_mask, l1_match;
		uint32_t bm, mask, match;
	} rows[] = {
	    /* L0 takes no #PF: L1's bit 14 and filter as they are */
	    {0, 0, 0, PF_BIT, 5, 5, PF_BIT, 5, 5},
	    {0, 0, 0, 0, 1, 1, 0, 1, 1}, /* bit 14 clear, filter still L1's */
	    {0, 0, 0, 0, 0, 0, 0, 0, 0},
	    /* L0 takes all #PF */
	    {PF_BIT, 0, 0, PF_BIT, 5, 5, PF_BIT, 0, 0},
	    {PF_BIT, 0, 0, 0, 1, 1, PF_BIT, 0, 0},
	    /* L0 takes some #PF (bit 14 clear, filter mismatch exits): all exit too */
	    {0, 0, 1, 0, 0, 0, PF_BIT, 0, 0},
	    {PF_BIT, 2, 2, 0, 0, 0, PF_BIT, 0, 0},
	    /* other vectors are OR'ed: #MC from L0, #UD and #BP from L1 */
	    {1u << 18, 0, 0, (1u << 6) | (1u << 3), 0, 0, (1u << 18) | (1u << 6) | (1u << 3), 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

		v01->EXCEPTION_BITMAP = rows[i].l0_bm;
		v01->PAGE_FAULT_ERROR_CODE_MASK = rows[i].l0_mask;
		v01->PAGE_FAULT_ERROR_CODE_MATCH = rows[i].l0_match;
		v12->EXCEPTION_BITMAP = rows[i].l1_bm;
		v12->PAGE_FAULT_ERROR_CODE_MASK = rows[i].l1_mask;
		v12->PAGE_FAULT_ERROR_CODE_MATCH = rows[i].l1_match;
		build_ok(v01, v12, v02);
		assert_int_equal(v02->EXCEPTION_BITMAP, rows[i].bm);
		assert_int_equal(v02->PAGE_FAULT_ERROR_CODE_MASK, rows[i].mask);
		assert_int_equal(v02->PAGE_FAULT_ERROR_CODE_MATCH, rows[i].match);
		free(v01), free(v12), free(v02);
	}
}

/*
 * CR0: L0 owns NE (VMCS01) and PE/PG (fixed for L2); L1 (KVM's shadow paging) owns PG, WP, TS.
 * CR4: L0 owns VMXE and the bits FIXED1 forbids; L1 owns VMXE and PAE.
 */
static void test_cr_masks_and_shadows(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

	(void)state;
	v12->CR0_GUEST_HOST_MASK = CR0_PG | CR0_WP | CR0_TS;
	v12->CR0_READ_SHADOW = CR0_PG | CR0_TS;		    /* L2 believes WP = 0, TS = 1 */
	v12->GUEST_CR0 = CR0_PG | CR0_WP | CR0_MP | CR0_NE; /* L2 really has PE = 0 (say) */
	v12->CR4_GUEST_HOST_MASK = CR4_VMXE | CR4_PAE;
	v12->CR4_READ_SHADOW = CR4_PAE;
	v12->GUEST_CR4 = CR4_VMXE | CR4_PAE | CR4_BIT25;
	build_ok(v01, v12, v02);

	assert_int_equal(v02->CR0_GUEST_HOST_MASK,
			 CR0_NE | CR0_PE | CR0_PG | CR0_WP | CR0_TS | ~cfg.cr0_fixed1);
	/* the real CR0 honours the CPU's fixed bits */
	assert_int_equal(v02->GUEST_CR0, CR0_PE | CR0_PG | CR0_WP | CR0_MP | CR0_NE);
	/* L1's bits read as L1's shadow (TS 1, WP 0, PG 1); PE, owned by L0 alone, reads as L2's
	 * own value (0); bits no one owns read from the register anyway */
	assert_int_equal(v02->CR0_READ_SHADOW & v02->CR0_GUEST_HOST_MASK, CR0_PG | CR0_TS | CR0_NE);

	assert_int_equal(v02->CR4_GUEST_HOST_MASK, CR4_VMXE | CR4_PAE | ~cfg.cr4_fixed1);
	assert_int_equal(v02->GUEST_CR4, CR4_VMXE | CR4_PAE); /* bit 25 dropped: FIXED1 */
	/* VMXE reads as L1's shadow (0); bit 25, owned by L0 alone, as L2's value (1) */
	assert_int_equal(v02->CR4_READ_SHADOW & v02->CR4_GUEST_HOST_MASK, CR4_PAE | CR4_BIT25);
	free(v01), free(v12), free(v02);
}

static void test_tsc_offset(void **state)
{
	static const struct {
		bool l0_on, l1_on;
		uint64_t l0_off, l1_off, want;
	} rows[] = {
	    {false, false, 100, 200, 0},
	    {true, false, 100, 200, 100},
	    {false, true, 100, 200, 200},
	    {true, true, 100, 200, 300},
	    {true, true, 1000, (uint64_t)-300, 700}, /* L1 pulls L2's TSC back */
	    {true, true, UINT64_MAX, 1, 0},	     /* offsets wrap modulo 2^64 */
	};
	const uint32_t tsc = CTL(PROC_USE_TSC_OFFSETTING);

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

		v01->CPU_BASED_VM_EXEC_CONTROL |= rows[i].l0_on ? tsc : 0;
		v12->CPU_BASED_VM_EXEC_CONTROL |= rows[i].l1_on ? tsc : 0;
		v01->TSC_OFFSET = rows[i].l0_off;
		v12->TSC_OFFSET = rows[i].l1_off;
		build_ok(v01, v12, v02);
		assert_int_equal(v02->TSC_OFFSET, rows[i].want);
		assert_int_equal(!!(v02->CPU_BASED_VM_EXEC_CONTROL & tsc),
				 rows[i].l0_on || rows[i].l1_on);
		free(v01), free(v12), free(v02);
	}
}

/* Entry: L1's controls, always loading EFER, PAT and the debug controls; where L1 loads none,
 * L1's current values (VMCS01's guest state), EFER.LMA/LME following "IA-32e mode guest". */
static void test_entry_controls(void **state)
{
	static const struct {
		bool load_efer, load_pat, load_debug, ia32e;
	} rows[] = {
	    {true, true, true, true},	{false, false, false, true}, {false, false, false, false},
	    {true, false, true, false}, {false, true, false, true},
	};
	const uint32_t always =
	    CTL(ENTRY_LOAD_EFER) | CTL(ENTRY_LOAD_PAT) | CTL(ENTRY_LOAD_DEBUG_CONTROLS);

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();
		uint64_t efer01 = v01->GUEST_IA32_EFER & ~(EFER_LME | EFER_LMA);

		v12->VM_ENTRY_CONTROLS = VMX_ENTRY_DEFAULT1 & ~always;
		v12->VM_ENTRY_CONTROLS |=
		    (rows[i].load_efer ? CTL(ENTRY_LOAD_EFER) : 0) |
		    (rows[i].load_pat ? CTL(ENTRY_LOAD_PAT) : 0) |
		    (rows[i].load_debug ? CTL(ENTRY_LOAD_DEBUG_CONTROLS) : 0) |
		    (rows[i].ia32e ? CTL(ENTRY_IA32E_MODE_GUEST) : 0);
		v12->GUEST_IA32_EFER = rows[i].ia32e ? EFER_LME | EFER_LMA : 0;
		v12->GUEST_DR7 = 0x400;
		v12->GUEST_IA32_DEBUGCTL = 0;
		build_ok(v01, v12, v02);
		assert_int_equal(v02->VM_ENTRY_CONTROLS, v12->VM_ENTRY_CONTROLS | always);
		assert_int_equal(v02->GUEST_IA32_EFER,
				 rows[i].load_efer
				     ? v12->GUEST_IA32_EFER
				     : efer01 | (rows[i].ia32e ? EFER_LME | EFER_LMA : 0));
		assert_int_equal(v02->GUEST_IA32_PAT,
				 rows[i].load_pat ? v12->GUEST_IA32_PAT : v01->GUEST_IA32_PAT);
		assert_int_equal(v02->GUEST_DR7, rows[i].load_debug ? 0x400 : v01->GUEST_DR7);
		assert_int_equal(v02->GUEST_IA32_DEBUGCTL,
				 rows[i].load_debug ? 0 : v01->GUEST_IA32_DEBUGCTL);
		free(v01), free(v12), free(v02);
	}
}

/* Exit: L0's (VMCS01's) plus what L1 needs recorded; MSR lists: L0's exit-load list only. */
static void test_exit_controls_and_msr_lists(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

	(void)state;
	v12->VM_EXIT_CONTROLS = CTL(EXIT_ACK_INTR_ON_EXIT) | CTL(EXIT_SAVE_DEBUG_CONTROLS) |
				CTL(EXIT_SAVE_EFER) | CTL(EXIT_LOAD_PKRS) |
				CTL(EXIT_CLEAR_BNDCFGS); /* and a 32-bit host */
	v12->VM_EXIT_MSR_LOAD_COUNT = 2;
	v12->VM_ENTRY_MSR_LOAD_COUNT = 2;
	v12->VM_EXIT_MSR_STORE_COUNT = 2;
	build_ok(v01, v12, v02);
	assert_int_equal(v02->VM_EXIT_CONTROLS, v01->VM_EXIT_CONTROLS | CTL(EXIT_ACK_INTR_ON_EXIT) |
						    CTL(EXIT_SAVE_DEBUG_CONTROLS));
	assert_true(v02->VM_EXIT_CONTROLS & CTL(EXIT_HOST_ADDR_SPACE_SIZE));
	assert_int_equal(v02->VM_EXIT_MSR_LOAD_ADDR, v01->VM_EXIT_MSR_LOAD_ADDR);
	assert_int_equal(v02->VM_EXIT_MSR_LOAD_COUNT, v01->VM_EXIT_MSR_LOAD_COUNT);
	assert_int_equal(v02->VM_ENTRY_MSR_LOAD_COUNT, 0);
	assert_int_equal(v02->VM_EXIT_MSR_STORE_COUNT, 0);
	free(v01), free(v12), free(v02);
}

/* Event injection and CR3 targets are L1's, unchanged. */
static void test_injection_and_cr3_targets(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();

	(void)state;
	v12->VM_ENTRY_INTR_INFO = VMXE_INTR_INFO_VALID | (VMXE_INTR_TYPE_HW_EXCEPTION << 8) | 14;
	v12->VM_ENTRY_EXCEPTION_ERROR_CODE = 6;
	v12->VM_ENTRY_INSTRUCTION_LEN = 3;
	v12->CPU_BASED_VM_EXEC_CONTROL |= CTL(PROC_CR3_LOAD_EXITING);
	v12->CR3_TARGET_COUNT = 3;
	v12->CR3_TARGET_VALUE0 = 0x1000;
	v12->CR3_TARGET_VALUE1 = 0x2000;
	v12->CR3_TARGET_VALUE2 = 0x3000;
	v12->CR3_TARGET_VALUE3 = 0x4000;
	build_ok(v01, v12, v02);
	assert_int_equal(v02->VM_ENTRY_INTR_INFO, v12->VM_ENTRY_INTR_INFO);
	assert_int_equal(v02->VM_ENTRY_EXCEPTION_ERROR_CODE, 6);
	assert_int_equal(v02->VM_ENTRY_INSTRUCTION_LEN, 3);
	assert_int_equal(v02->CR3_TARGET_COUNT, 3);
	assert_int_equal(v02->CR3_TARGET_VALUE0, 0x1000);
	assert_int_equal(v02->CR3_TARGET_VALUE1, 0x2000);
	assert_int_equal(v02->CR3_TARGET_VALUE2, 0x3000);
	assert_int_equal(v02->CR3_TARGET_VALUE3, 0x4000);
	free(v01), free(v12), free(v02);
}

/* A fake L1 memory: [base, base + size) backed by a host buffer, everything else unmapped. */
struct fake_mem {
	uint64_t base;
	size_t size;
	uint8_t *bytes;
	unsigned int reads;
};

static int fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake_mem *m = ctx;

	m->reads++;
	if (gpa < m->base || gpa - m->base > m->size || len > m->size - (gpa - m->base))
		return VMXE_GMEM_UNMAPPED;
	memcpy(buf, m->bytes + (gpa - m->base), len);
	return VMXE_GMEM_OK;
}

static int fake_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	fail_msg("the merge never writes L1 memory");
	return VMXE_GMEM_UNMAPPED;
}

static void test_load_pdptes(void **state)
{
	static uint8_t ram[0x3000];
	struct fake_mem fm = {.base = 0x100000, .size = sizeof(ram), .bytes = ram};
	const struct vmxe_gmem mem = {.read = fake_read, .write = fake_write, .ctx = &fm};
	const uint64_t pdpte[4] = {0x11001, 0x22001, 0, 0x44001};
	struct vmcs12 *v02 = new_vmcs();

	(void)state;
	memcpy(ram + 0x2020, pdpte, sizeof(pdpte));
	/* PAE paging: the PDPT is at CR3 bits 31:5 (the low bits are PWT/PCD and ignored) */
	v02->GUEST_CR0 = CR0_PE | CR0_PG;
	v02->GUEST_CR4 = CR4_PAE;
	v02->GUEST_CR3 = 0x102020 | 0x18;
	assert_int_equal(vmxe_vmcs02_load_pdptes(v02, &mem), VMXE_GMEM_OK);
	assert_int_equal(v02->GUEST_PDPTE0, pdpte[0]);
	assert_int_equal(v02->GUEST_PDPTE1, pdpte[1]);
	assert_int_equal(v02->GUEST_PDPTE2, pdpte[2]);
	assert_int_equal(v02->GUEST_PDPTE3, pdpte[3]);

	/* the PDPT outside L1 RAM: an error, the fields untouched */
	v02->GUEST_CR3 = 0x900000;
	assert_int_equal(vmxe_vmcs02_load_pdptes(v02, &mem), VMXE_GMEM_UNMAPPED);
	assert_int_equal(v02->GUEST_PDPTE0, pdpte[0]);

	/* IA-32e mode, no paging, or 32-bit paging: nothing read */
	fm.reads = 0;
	v02->VM_ENTRY_CONTROLS = CTL(ENTRY_IA32E_MODE_GUEST);
	assert_int_equal(vmxe_vmcs02_load_pdptes(v02, &mem), VMXE_GMEM_OK);
	v02->VM_ENTRY_CONTROLS = 0;
	v02->GUEST_CR0 = CR0_PE;
	assert_int_equal(vmxe_vmcs02_load_pdptes(v02, &mem), VMXE_GMEM_OK);
	v02->GUEST_CR0 = CR0_PE | CR0_PG;
	v02->GUEST_CR4 = 0;
	assert_int_equal(vmxe_vmcs02_load_pdptes(v02, &mem), VMXE_GMEM_OK);
	assert_int_equal(fm.reads, 0);
	free(v02);
}

static void test_msr_bitmap_merge(void **state)
{
	static uint8_t l0[VMXE_MSR_BITMAP_SIZE], l1[VMXE_MSR_BITMAP_SIZE],
	    out[VMXE_MSR_BITMAP_SIZE];
	uint64_t seed = 0x243f6a8885a308d3ull;

	(void)state;
	for (int round = 0; round < 16; round++) {
		for (size_t i = 0; i < VMXE_MSR_BITMAP_SIZE; i++) {
			/* sparse bitmaps, so that OR differs from either input */
			l0[i] = (uint8_t)(next_random(&seed) & next_random(&seed));
			l1[i] = (uint8_t)(next_random(&seed) & next_random(&seed));
		}
		vmxe_msr_bitmap_merge(l0, l1, out);
		for (size_t i = 0; i < VMXE_MSR_BITMAP_SIZE; i++)
			assert_int_equal(out[i], l0[i] | l1[i]);
		vmxe_msr_bitmap_merge(l0, NULL, out);
		for (size_t i = 0; i < VMXE_MSR_BITMAP_SIZE; i++)
			assert_int_equal(out[i], 0xff);
	}
}

static void test_read_l1_bitmap(void **state)
{
	static uint8_t ram[2 * VMXE_IO_BITMAP_SIZE];
	static uint8_t buf[VMXE_IO_BITMAP_SIZE];
	struct fake_mem fm = {.base = 0x10000, .size = sizeof(ram), .bytes = ram};
	const struct vmxe_gmem mem = {.read = fake_read, .write = fake_write, .ctx = &fm};

	(void)state;
	for (size_t i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)(i * 7);
	assert_int_equal(vmxe_read_l1_bitmap(&mem, 0x11000, buf, sizeof(buf)), VMXE_GMEM_OK);
	assert_memory_equal(buf, ram + 0x1000, sizeof(buf));
	/* straddling the end of L1 RAM: all ones, so every access it governs exits */
	assert_int_equal(vmxe_read_l1_bitmap(&mem, 0x11800, buf, sizeof(buf)), VMXE_GMEM_UNMAPPED);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xff);
}

/* Guest fields vmxe_vmcs02_to_vmcs12() leaves alone (with every "save" exit control on). */
static bool guest_field_not_saved(size_t i)
{
	return guest_field_rewritten(i) || i == VMCS_FIELD_VMX_PREEMPTION_TIMER_VALUE ||
	       i == VMCS_FIELD_GUEST_IA32_PERF_GLOBAL_CTRL ||
	       (i >= VMCS_FIELD_GUEST_IA32_FRED_CONFIG && i <= VMCS_FIELD_GUEST_IA32_FRED_SSP3);
}

/* L2's state makes the round trip VMCS12 -> VMCS02 -> VMCS12 unchanged, CR0/CR4 included. */
static void test_round_trip(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();
	struct vmcs12 *back = new_vmcs();
	const uint32_t saves =
	    CTL(EXIT_SAVE_DEBUG_CONTROLS) | CTL(EXIT_SAVE_PAT) | CTL(EXIT_SAVE_EFER);

	(void)state;
	for (uint64_t round = 1; round <= 8; round++) {
		uint64_t seed = round * 0x9e3779b97f4a7c15ull;

		fill_group_random(v12, VMCS_F_GUEST, seed);
		v12->CR0_GUEST_HOST_MASK = next_random(&seed);
		v12->CR0_READ_SHADOW = next_random(&seed);
		v12->CR4_GUEST_HOST_MASK = next_random(&seed);
		v12->CR4_READ_SHADOW = next_random(&seed);
		v12->VM_EXIT_CONTROLS |= saves;
		v12->VM_ENTRY_CONTROLS |= CTL(ENTRY_LOAD_DEBUG_CONTROLS);
		v12->VM_ENTRY_INTR_INFO = VMXE_INTR_INFO_VALID | 0x20;
		build_ok(v01, v12, v02);
		/* what L1 had before the exit, guest state scrambled except CR0/CR4 */
		memcpy(back, v12, sizeof(*back));
		fill_group_random(back, VMCS_F_GUEST, ~seed);
		back->GUEST_CR0 = v12->GUEST_CR0;
		back->GUEST_CR4 = v12->GUEST_CR4;
		vmxe_vmcs02_to_vmcs12(v02, back);
		for (size_t i = 0; i < vmxe_field_count(); i++) {
			const struct vmxe_field_desc *d = vmxe_field_at(i);

			if (is_group(d, VMCS_F_GUEST) && !guest_field_not_saved(i))
				assert_int_equal(vmxe_vmcs12_get(back, d), vmxe_vmcs12_get(v12, d));
		}
		assert_int_equal(back->GUEST_CR0, v12->GUEST_CR0);
		assert_int_equal(back->GUEST_CR4, v12->GUEST_CR4);
		/* an exit clears the valid bit of VM-entry interruption information (28.2) */
		assert_int_equal(back->VM_ENTRY_INTR_INFO, 0x20);
	}
	free(v01), free(v12), free(v02), free(back);
}

/* After L2 ran: bits no one owns come from the register, L0-only bits from VMCS02's shadow
 * (where L0 keeps L2's view), L1's bits from VMCS12; the fields not saved stay L1's. */
static void test_to_vmcs12_after_l2_ran(void **state)
{
	struct vmcs12 *v01 = new_vmcs01(), *v12 = new_vmcs12(), *v02 = new_vmcs();
	const uint64_t l1_efer = v12->GUEST_IA32_EFER, l1_dr7 = 0x455;

	(void)state;
	v12->CR0_GUEST_HOST_MASK = CR0_PG | CR0_WP | CR0_TS;
	v12->CR0_READ_SHADOW = CR0_PG;
	v12->GUEST_CR0 = CR0_PE | CR0_PG | CR0_NE | CR0_ET;
	v12->GUEST_DR7 = l1_dr7;
	v12->VM_EXIT_CONTROLS &= ~(CTL(EXIT_SAVE_EFER) | CTL(EXIT_SAVE_DEBUG_CONTROLS));
	v12->VM_EXIT_CONTROLS |= CTL(EXIT_SAVE_PAT);
	build_ok(v01, v12, v02);
	v02->GUEST_CR0 |= CR0_MP | CR0_CD; /* L2 set bits no one owns */
	v02->GUEST_CR0 |= CR0_TS;	   /* cannot happen, but L1's bit stays VMCS12's */
	v02->CR0_READ_SHADOW &= ~CR0_NE;   /* L0 emulated L2 clearing NE, which L0 alone owns */
	v02->GUEST_IA32_EFER = 0;
	v02->GUEST_IA32_PAT = 0x1234;
	v02->GUEST_DR7 = 0x777;
	v02->GUEST_RIP = 0xabcdef;
	v02->VM_ENTRY_CONTROLS &= ~CTL(ENTRY_IA32E_MODE_GUEST); /* the CPU wrote EFER.LMA = 0 */
	vmxe_vmcs02_to_vmcs12(v02, v12);
	assert_int_equal(v12->GUEST_CR0, CR0_PE | CR0_PG | CR0_ET | CR0_MP | CR0_CD);
	assert_int_equal(v12->GUEST_IA32_EFER, l1_efer); /* "save IA32_EFER" is 0 */
	assert_int_equal(v12->GUEST_DR7, l1_dr7);	 /* "save debug controls" is 0 */
	assert_int_equal(v12->GUEST_IA32_PAT, 0x1234);
	assert_int_equal(v12->GUEST_RIP, 0xabcdef);
	assert_false(v12->VM_ENTRY_CONTROLS & CTL(ENTRY_IA32E_MODE_GUEST));
	assert_true(v12->VM_ENTRY_CONTROLS & CTL(ENTRY_LOAD_EFER)); /* the rest stays L1's */
	free(v01), free(v12), free(v02);
}

/* VMCS12's host state, as the 28.5 tests read it. */
static struct vmcs12 *host_vmcs12(bool host64)
{
	struct vmcs12 *v = new_vmcs12();

	v->VM_EXIT_CONTROLS = VMX_EXIT_DEFAULT1 | (host64 ? CTL(EXIT_HOST_ADDR_SPACE_SIZE) : 0);
	v->HOST_CR0 = CR0_PE | CR0_PG | CR0_WP | CR0_ET; /* NE: L0 keeps it set for real */
	v->HOST_CR3 = 0x3000;
	v->HOST_CR4 = CR4_VMXE | CR4_PCIDE | CR4_OSFXSR; /* PAE left for the exit to set */
	v->GUEST_CR0 = CR0_PE | CR0_PG | CR0_ET | CR0_CD | CR0_NW; /* L2's: ET, CD, NW stay */
	v->HOST_CS_SELECTOR = 0x10;
	v->HOST_SS_SELECTOR = 0x18;
	v->HOST_DS_SELECTOR = 0x18;
	v->HOST_ES_SELECTOR = 0;
	v->HOST_FS_SELECTOR = 0;
	v->HOST_GS_SELECTOR = 0x18;
	v->HOST_TR_SELECTOR = 0x40;
	v->HOST_FS_BASE = 0x7f0000001000ull;
	v->HOST_GS_BASE = 0xffff888000002000ull;
	v->HOST_TR_BASE = 0xfffffe0000003000ull;
	v->HOST_GDTR_BASE = 0xfffffe0000000000ull;
	v->HOST_IDTR_BASE = 0xfffffe0000004000ull;
	v->HOST_IA32_SYSENTER_CS = 0x10;
	v->HOST_IA32_SYSENTER_ESP = 0xfffffe0000005000ull;
	v->HOST_IA32_SYSENTER_EIP = 0xffffffff81000000ull;
	v->HOST_RIP = 0xffffffff81234567ull;
	v->HOST_RSP = 0xffffc90000007ff0ull;
	v->HOST_IA32_EFER = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	v->HOST_IA32_PAT = 0x0007010600070106ull;
	return v;
}

/* VMCS01's guest state while L1 waited in VMLAUNCH: arbitrary values that must be replaced. */
static struct vmcs12 *stale_vmcs01(void)
{
	struct vmcs12 *g = new_vmcs01();

	fill_group_random(g, VMCS_F_GUEST, 0x5555);
	g->GUEST_CR0 = CR0_PE | CR0_NE | CR0_PG | CR0_TS;
	g->CR0_READ_SHADOW = CR0_PE | CR0_PG | CR0_TS; /* L1 sees NE = 0 (say) */
	g->GUEST_CR4 = CR4_VMXE;
	g->GUEST_IA32_EFER = EFER_SCE | EFER_NXE | EFER_LME | EFER_LMA;
	g->GUEST_IA32_PAT = 0x0606;
	return g;
}

static void check_common_host_state(const struct vmcs12 *v12, const struct vmcs12 *g)
{
	assert_int_equal(g->GUEST_CR3, v12->HOST_CR3);
	assert_int_equal(g->GUEST_RIP, v12->HOST_RIP);
	assert_int_equal(g->GUEST_RSP, v12->HOST_RSP);
	assert_int_equal(g->GUEST_RFLAGS, 0x2);
	assert_int_equal(g->GUEST_DR7, 0x400);
	assert_int_equal(g->GUEST_IA32_DEBUGCTL, 0);
	assert_int_equal(g->GUEST_IA32_SYSENTER_CS, v12->HOST_IA32_SYSENTER_CS);
	assert_int_equal(g->GUEST_IA32_SYSENTER_ESP, v12->HOST_IA32_SYSENTER_ESP);
	assert_int_equal(g->GUEST_IA32_SYSENTER_EIP, v12->HOST_IA32_SYSENTER_EIP);
	/* data segments: flat read/write at DPL 0, or unusable with a null selector */
	assert_int_equal(g->GUEST_SS_SELECTOR, 0x18);
	assert_int_equal(g->GUEST_SS_AR_BYTES, 0xc093);
	assert_int_equal(g->GUEST_SS_LIMIT, 0xffffffffu);
	assert_int_equal(g->GUEST_SS_BASE, 0);
	assert_int_equal(g->GUEST_DS_AR_BYTES, 0xc093);
	assert_int_equal(g->GUEST_ES_SELECTOR, 0);
	assert_int_equal(g->GUEST_ES_AR_BYTES, 1u << 16);
	assert_int_equal(g->GUEST_FS_AR_BYTES, 1u << 16);
	assert_int_equal(g->GUEST_FS_BASE, v12->HOST_FS_BASE); /* loaded even when unusable */
	assert_int_equal(g->GUEST_GS_AR_BYTES, 0xc093);
	assert_int_equal(g->GUEST_GS_BASE, v12->HOST_GS_BASE);
	/* TR: busy TSS, limit 0x67; LDTR: null and unusable; descriptor tables: limit 0xffff */
	assert_int_equal(g->GUEST_TR_SELECTOR, 0x40);
	assert_int_equal(g->GUEST_TR_BASE, v12->HOST_TR_BASE);
	assert_int_equal(g->GUEST_TR_LIMIT, 0x67);
	assert_int_equal(g->GUEST_TR_AR_BYTES, 0x8b);
	assert_int_equal(g->GUEST_LDTR_SELECTOR, 0);
	assert_int_equal(g->GUEST_LDTR_AR_BYTES, 1u << 16);
	assert_int_equal(g->GUEST_GDTR_BASE, v12->HOST_GDTR_BASE);
	assert_int_equal(g->GUEST_GDTR_LIMIT, 0xffff);
	assert_int_equal(g->GUEST_IDTR_BASE, v12->HOST_IDTR_BASE);
	assert_int_equal(g->GUEST_IDTR_LIMIT, 0xffff);
	assert_int_equal(g->GUEST_INTERRUPTIBILITY_INFO, 0);
	assert_int_equal(g->GUEST_ACTIVITY_STATE, 0);
	assert_int_equal(g->GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* L1 reads CR0 as its host CR0 with L2's CD/NW, via VMCS01's shadow; the real CR0 keeps
	 * L0's bit (NE) */
	assert_int_equal(g->CR0_READ_SHADOW, v12->HOST_CR0 | CR0_CD | CR0_NW);
	assert_int_equal(g->GUEST_CR0, v12->HOST_CR0 | CR0_CD | CR0_NW | CR0_NE);
}

static void test_host_state_64bit(void **state)
{
	struct vmcs12 *v12 = host_vmcs12(true), *g = stale_vmcs01();

	(void)state;
	v12->VM_EXIT_CONTROLS |= CTL(EXIT_LOAD_EFER) | CTL(EXIT_LOAD_PAT) |
				 CTL(EXIT_LOAD_PERF_GLOBAL_CTRL) | CTL(EXIT_CLEAR_BNDCFGS) |
				 CTL(EXIT_LOAD_CET_STATE) | CTL(EXIT_LOAD_PKRS);
	v12->HOST_IA32_PERF_GLOBAL_CTRL = 0xf;
	v12->HOST_IA32_S_CET = 0x11;
	v12->HOST_SSP = 0x22;
	v12->HOST_IA32_INT_SSP_TABLE_ADDR = 0x33;
	v12->HOST_IA32_PKRS = 0x44;
	g->VM_ENTRY_CONTROLS &= ~CTL(ENTRY_IA32E_MODE_GUEST);
	vmxe_load_l1_host_state(v12, g);
	check_common_host_state(v12, g);
	/* CS: flat execute/read code, L = 1, D = 0 */
	assert_int_equal(g->GUEST_CS_SELECTOR, 0x10);
	assert_int_equal(g->GUEST_CS_AR_BYTES, 0xa09b);
	assert_int_equal(g->GUEST_CS_LIMIT, 0xffffffffu);
	assert_int_equal(g->GUEST_CS_BASE, 0);
	/* CR4.PAE set by the exit; PCIDE kept */
	assert_int_equal(g->CR4_READ_SHADOW, CR4_VMXE | CR4_PCIDE | CR4_OSFXSR | CR4_PAE);
	assert_int_equal(g->GUEST_CR4, CR4_VMXE | CR4_PCIDE | CR4_OSFXSR | CR4_PAE);
	assert_int_equal(g->GUEST_IA32_EFER, v12->HOST_IA32_EFER);
	assert_int_equal(g->GUEST_IA32_PAT, v12->HOST_IA32_PAT);
	assert_int_equal(g->GUEST_IA32_PERF_GLOBAL_CTRL, 0xf);
	assert_int_equal(g->GUEST_IA32_BNDCFGS, 0);
	assert_int_equal(g->GUEST_IA32_S_CET, 0x11);
	assert_int_equal(g->GUEST_SSP, 0x22);
	assert_int_equal(g->GUEST_IA32_INT_SSP_TABLE_ADDR, 0x33);
	assert_int_equal(g->GUEST_IA32_PKRS, 0x44);
	assert_true(g->VM_ENTRY_CONTROLS & CTL(ENTRY_IA32E_MODE_GUEST));
	free(v12), free(g);
}

static void test_host_state_32bit(void **state)
{
	struct vmcs12 *v12 = host_vmcs12(false), *g = stale_vmcs01();
	const uint64_t pat = g->GUEST_IA32_PAT, perf = g->GUEST_IA32_PERF_GLOBAL_CTRL;
	const uint64_t bndcfgs = g->GUEST_IA32_BNDCFGS, pkrs = g->GUEST_IA32_PKRS;

	(void)state;
	vmxe_load_l1_host_state(v12, g);
	check_common_host_state(v12, g);
	/* CS: L = 0, D = 1 */
	assert_int_equal(g->GUEST_CS_AR_BYTES, 0xc09b);
	/* CR4.PCIDE cleared by the exit, PAE left as the host CR4 field has it */
	assert_int_equal(g->CR4_READ_SHADOW, CR4_VMXE | CR4_OSFXSR);
	/* no EFER load: the CPU's EFER with LME/LMA from the host address-space size */
	assert_int_equal(g->GUEST_IA32_EFER, EFER_SCE | EFER_NXE);
	/* no PAT, PERF_GLOBAL_CTRL, BNDCFGS or PKRS control: unchanged */
	assert_int_equal(g->GUEST_IA32_PAT, pat);
	assert_int_equal(g->GUEST_IA32_PERF_GLOBAL_CTRL, perf);
	assert_int_equal(g->GUEST_IA32_BNDCFGS, bndcfgs);
	assert_int_equal(g->GUEST_IA32_PKRS, pkrs);
	assert_false(g->VM_ENTRY_CONTROLS & CTL(ENTRY_IA32E_MODE_GUEST));
	free(v12), free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guest_state_from_vmcs12_host_from_vmcs01),
	    cmocka_unit_test(test_pin_and_primary_or),
	    cmocka_unit_test(test_io_policy),
	    cmocka_unit_test(test_secondary),
	    cmocka_unit_test(test_refused_controls),
	    cmocka_unit_test(test_ept12),
	    cmocka_unit_test(test_exception_bitmap),
	    cmocka_unit_test(test_cr_masks_and_shadows),
	    cmocka_unit_test(test_tsc_offset),
	    cmocka_unit_test(test_entry_controls),
	    cmocka_unit_test(test_exit_controls_and_msr_lists),
	    cmocka_unit_test(test_injection_and_cr3_targets),
	    cmocka_unit_test(test_load_pdptes),
	    cmocka_unit_test(test_msr_bitmap_merge),
	    cmocka_unit_test(test_read_l1_bitmap),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_to_vmcs12_after_l2_ran),
	    cmocka_unit_test(test_host_state_64bit),
	    cmocka_unit_test(test_host_state_32bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
