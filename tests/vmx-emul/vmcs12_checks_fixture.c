/*
 * vmcs12_checks_fixture.c: the shared fixture of the VM-entry check tests (see
 * vmcs12_checks_fixture.h): L1 memory, L1's capabilities, the valid VMCS12, the preparations and
 * the case runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs12_checks_fixture.h"
#include "vmx-emul/exit_reasons.h"

#define IDX(msr) ((msr)-VMXE_VCAPS_FIRST_MSR)

static uint8_t mem[MEM_SIZE];

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return VMXE_GMEM_UNMAPPED;
	memcpy(buf, &mem[gpa], len);
	return VMXE_GMEM_OK;
}

static int mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return VMXE_GMEM_UNMAPPED;
	memcpy(&mem[gpa], buf, len);
	return VMXE_GMEM_OK;
}

const struct vmxe_gmem gmem = {.read = mem_read, .write = mem_write};

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(&mem[gpa], &v, sizeof(v));
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(&mem[gpa], &v, sizeof(v));
}

static void put_msr(uint64_t area, unsigned int i, uint32_t index, uint32_t reserved)
{
	struct vmxe_msr_entry e = {.index = index, .reserved = reserved, .value = 0};

	memcpy(&mem[area + 16 * i], &e, sizeof(e));
}

/* Bochs 2.7's VMX capability MSRs, 0x480..0x491. */
static const uint64_t bochs[] = {
    0x00d810000000002bull, 0x0000007f00000016ull, 0xf7f9fffe0401e172ull, 0x007fffff00036dffull,
    0x0000ffff000011ffull, 0x00000000600401e0ull, 0x0000000080000021ull, 0x00000000ffffffffull,
    0x0000000000002000ull, 0x00000000003727ffull, 0x0000000000000034ull, 0x02177fff00000000ull,
    0x00000f0106334141ull, 0x0000007f00000016ull, 0xf7f9fffe04006172ull, 0x007fffff00036dfbull,
    0x0000ffff000011fbull, 0x0000000000000001ull,
};
struct vmxe_vcaps caps_l1, caps_all;

static void set_cap(struct vmxe_vcaps *c, uint32_t msr, uint64_t v)
{
	c->msr[IDX(msr)] = v;
	c->present[IDX(msr)] = true;
}

/*
 * Every control allowed (default1 bits required as usual), tertiary and secondary-exit MSRs
 * present but empty, VMFUNC EPTP switching, EPT with 4-level WB walks and no A/D flags,
 * IA32_VMX_BASIC[56] (error codes optional), no zero-length injection, activity HLT only.
 */
static void build_caps_all(void)
{
	caps_all = caps_l1;
	set_cap(&caps_all, VMXE_MSR_BASIC, caps_l1.msr[0] | (1ull << 56));
	set_cap(&caps_all, VMXE_MSR_TRUE_PINBASED_CTLS, 0xffffffff00000016ull);
	set_cap(&caps_all, VMXE_MSR_TRUE_PROCBASED_CTLS, 0xffffffff04006172ull);
	set_cap(&caps_all, VMXE_MSR_TRUE_EXIT_CTLS, 0xffffffff00036dfbull);
	set_cap(&caps_all, VMXE_MSR_TRUE_ENTRY_CTLS, 0xffffffff000011fbull);
	set_cap(&caps_all, VMXE_MSR_PROCBASED_CTLS2, 0xffffffff00000000ull);
	set_cap(&caps_all, VMXE_MSR_PROCBASED_CTLS3, 0);
	set_cap(&caps_all, VMXE_MSR_EXIT_CTLS2, 0);
	set_cap(&caps_all, VMXE_MSR_MISC, 0x00040040ull);
	set_cap(&caps_all, VMXE_MSR_EPT_VPID_CAP, M(EPT_VPID_WALK_4) | M(EPT_VPID_MEMTYPE_WB));
	set_cap(&caps_all, VMXE_MSR_VMFUNC, M(VMFUNC_EPTP_SWITCHING));
}

static void build_memory(void)
{
	unsigned int i;

	memset(mem, 0, sizeof(mem));
	put32(SHADOW_VMCS, BOCHS_REVISION | VMCS12_REVISION_SHADOW);
	put32(PLAIN_VMCS, BOCHS_REVISION);
	put32(WRONG_REV, BOCHS_REVISION + 1);
	for (i = 0; i < 4; i++) {
		put64(PDPT_OK + 8 * i, 0x40001ull + 0x1000 * i);
		put64(PDPT_BAD + 8 * i, 0x40001ull + 0x1000 * i);
	}
	put64(PDPT_BAD + 8, 0x41021ull);
	put_msr(MSR_OK, 0, 0x174, 0);	   /* IA32_SYSENTER_CS */
	put_msr(MSR_OK, 1, 0xc0000102, 0); /* IA32_KERNEL_GS_BASE */
	put_msr(MSR_FSBASE, 0, 0x174, 0);
	put_msr(MSR_FSBASE, 1, 0xc0000100, 0);
	put_msr(MSR_GSBASE, 0, 0xc0000101, 0);
	put_msr(MSR_X2APIC, 0, 0x808, 0);
	put_msr(MSR_SMM, 0, 0x174, 0);
	put_msr(MSR_SMM, 1, 0x175, 0);
	put_msr(MSR_SMM, 2, 0x9b, 0);
	put_msr(MSR_RSVD, 0, 0x174, 0);
	put_msr(MSR_RSVD, 1, 0x175, 1);
}

int fixture_setup(void **state)
{
	struct vmxe_vcaps hw = {0};
	size_t i;

	(void)state;
	for (i = 0; i < COUNT_OF(bochs); i++)
		set_cap(&hw, (uint32_t)(VMXE_VCAPS_FIRST_MSR + i), bochs[i]);
	vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT | VMXE_VCAPS_SHADOW, &caps_l1);
	build_caps_all();
	build_memory();
	return 0;
}

const struct vmxe_check_l1 l1_64 = {
    .efer = EFER_64,
    .vmcs12_gpa = VMCS12_GPA,
    .debugctl_valid = DEBUGCTL_VALID,
    .maxphyaddr = 40,
    .linear_bits = 48,
};

static void set_flat_seg(struct vmcs12 *v, uint32_t enc_sel, uint16_t sel, uint32_t ar)
{
	/* Selector, limit, access rights and base encodings of one register differ by a fixed
	 * distance from its selector's (SDM Appendix B). */
	assert_int_equal(vmxe_vmcs12_write(v, enc_sel, sel, VMXE_WR_L0), VMXE_OK);
	assert_int_equal(vmxe_vmcs12_write(v, enc_sel + 0x4000, 0xffffffffu, VMXE_WR_L0), VMXE_OK);
	assert_int_equal(vmxe_vmcs12_write(v, enc_sel + 0x4014, ar, VMXE_WR_L0), VMXE_OK);
	assert_int_equal(vmxe_vmcs12_write(v, enc_sel + 0x6006, 0, VMXE_WR_L0), VMXE_OK);
}

/* Controls: what KVM asks for an L2 with EPT, on Bochs as L1 sees it. */
static void build_controls(struct vmcs12 *v)
{
	v->PIN_BASED_VM_EXEC_CONTROL =
	    0x16 | M(PIN_EXT_INTR_EXITING) | M(PIN_NMI_EXITING) | M(PIN_VIRTUAL_NMIS);
	v->CPU_BASED_VM_EXEC_CONTROL = 0x04006172 | M(PROC_USE_TSC_OFFSETTING) |
				       M(PROC_HLT_EXITING) | M(PROC_USE_IO_BITMAPS) |
				       M(PROC_USE_MSR_BITMAPS) | M(PROC_SECONDARY_CONTROLS);
	v->SECONDARY_VM_EXEC_CONTROL = M(PROC2_ENABLE_EPT) | M(PROC2_ENABLE_RDTSCP) |
				       M(PROC2_ENABLE_VPID) | M(PROC2_UNRESTRICTED_GUEST) |
				       M(PROC2_ENABLE_INVPCID) | M(PROC2_ENABLE_XSAVES);
	v->VM_EXIT_CONTROLS = 0x36dfb | M(EXIT_SAVE_DEBUG_CONTROLS) | M(EXIT_HOST_ADDR_SPACE_SIZE) |
			      M(EXIT_ACK_INTR_ON_EXIT) | M(EXIT_SAVE_PAT) | M(EXIT_LOAD_PAT) |
			      M(EXIT_SAVE_EFER) | M(EXIT_LOAD_EFER);
	v->VM_ENTRY_CONTROLS = 0x11fb | M(ENTRY_LOAD_DEBUG_CONTROLS) | M(ENTRY_IA32E_MODE_GUEST) |
			       M(ENTRY_LOAD_PAT) | M(ENTRY_LOAD_EFER);
	v->VIRTUAL_PROCESSOR_ID = 1;
	v->EPT_POINTER = EPTP_WB4;
	v->IO_BITMAP_A = 0x1000;
	v->IO_BITMAP_B = 0x2000;
	v->MSR_BITMAP = 0x3000;
	v->VM_ENTRY_MSR_LOAD_ADDR = MSR_OK;
	v->VM_ENTRY_MSR_LOAD_COUNT = 2;
}

/* Host state: L1's Linux kernel. */
static void build_host(struct vmcs12 *v)
{
	v->HOST_CR0 = CR0_64;
	v->HOST_CR3 = 0x100000;
	v->HOST_CR4 = CR4_64;
	v->HOST_CS_SELECTOR = 0x10;
	v->HOST_SS_SELECTOR = 0x18;
	v->HOST_TR_SELECTOR = 0x40;
	v->HOST_GS_BASE = 0xffff888000000000ull;
	v->HOST_TR_BASE = 0xfffffe0000003000ull;
	v->HOST_GDTR_BASE = 0xfffffe0000001000ull;
	v->HOST_IDTR_BASE = 0xfffffe0000000000ull;
	v->HOST_IA32_SYSENTER_EIP = 0xffffffff81a00000ull;
	v->HOST_RIP = 0xffffffff81000000ull;
	v->HOST_RSP = 0xffffc90000004000ull;
	v->HOST_IA32_PAT = PAT_DEFAULT;
	v->HOST_IA32_EFER = EFER_64;
}

/* Guest state: a 64-bit L2 with flat segments. */
static void build_guest(struct vmcs12 *v)
{
	v->GUEST_CR0 = CR0_64;
	v->GUEST_CR3 = 0x200000;
	v->GUEST_CR4 = CR4_64;
	v->GUEST_DR7 = 0x400;
	v->GUEST_RIP = 0x1000;
	v->GUEST_RFLAGS = 0x2;
	set_flat_seg(v, VMCS_ENC_GUEST_CS_SELECTOR, 0x08, AR_CODE64);
	set_flat_seg(v, VMCS_ENC_GUEST_SS_SELECTOR, 0x10, AR_DATA);
	set_flat_seg(v, VMCS_ENC_GUEST_DS_SELECTOR, 0x10, AR_DATA);
	set_flat_seg(v, VMCS_ENC_GUEST_ES_SELECTOR, 0x10, AR_DATA);
	set_flat_seg(v, VMCS_ENC_GUEST_FS_SELECTOR, 0x10, AR_DATA);
	set_flat_seg(v, VMCS_ENC_GUEST_GS_SELECTOR, 0x10, AR_DATA);
	v->GUEST_LDTR_AR_BYTES = AR_UNUSABLE;
	v->GUEST_TR_SELECTOR = 0x18;
	v->GUEST_TR_BASE = 0x3000;
	v->GUEST_TR_LIMIT = 0x67;
	v->GUEST_TR_AR_BYTES = AR_TSS_BUSY;
	v->GUEST_GDTR_BASE = 0x4000;
	v->GUEST_GDTR_LIMIT = 0x7f;
	v->GUEST_IDTR_BASE = 0x5000;
	v->GUEST_IDTR_LIMIT = 0xfff;
	v->GUEST_IA32_PAT = PAT_DEFAULT;
	v->GUEST_IA32_EFER = EFER_64;
	v->VMCS_LINK_POINTER = UINT64_MAX;
}

void build_valid(struct vmcs12 *v)
{
	memset(v, 0, sizeof(*v));
	v->revision_id = BOCHS_REVISION;
	build_controls(v);
	build_host(v);
	build_guest(v);
}

/* "use TPR shadow" with a good virtual-APIC page. */
void prep_tpr(struct vmcs12 *v)
{
	v->CPU_BASED_VM_EXEC_CONTROL |= M(PROC_USE_TPR_SHADOW);
	v->VIRTUAL_APIC_PAGE_ADDR = 0x6000;
}

/* ... plus virtual-interrupt delivery. */
void prep_vid(struct vmcs12 *v)
{
	prep_tpr(v);
	v->SECONDARY_VM_EXEC_CONTROL |= M(PROC2_VIRT_INTR_DELIVERY);
}

/* ... plus posted interrupts with a good vector and descriptor. */
void prep_posted(struct vmcs12 *v)
{
	prep_vid(v);
	v->PIN_BASED_VM_EXEC_CONTROL |= M(PIN_POSTED_INTR);
	v->POSTED_INTR_NV = 0xf2;
	v->POSTED_INTR_DESC_ADDR = 0x7040;
}

/* A usable LDT. */
void prep_ldt(struct vmcs12 *v)
{
	v->GUEST_LDTR_SELECTOR = 0x28;
	v->GUEST_LDTR_LIMIT = 0x7f;
	v->GUEST_LDTR_AR_BYTES = AR_LDT;
}

/* A 32-bit L2 with PAE paging, without EPT: PDPTEs come from L1 memory at CR3. */
void prep_pae32(struct vmcs12 *v)
{
	v->VM_ENTRY_CONTROLS &= ~M(ENTRY_IA32E_MODE_GUEST);
	v->SECONDARY_VM_EXEC_CONTROL &= ~(M(PROC2_ENABLE_EPT) | M(PROC2_UNRESTRICTED_GUEST));
	v->GUEST_IA32_EFER = 0x800; /* NXE */
	v->GUEST_CS_AR_BYTES = AR_CODE32;
	v->GUEST_CR3 = PDPT_OK;
}

/* The same with EPT: PDPTEs from the VMCS fields. */
void prep_pae32_ept(struct vmcs12 *v)
{
	prep_pae32(v);
	v->SECONDARY_VM_EXEC_CONTROL |= M(PROC2_ENABLE_EPT);
	v->GUEST_PDPTE0 = 0x40001;
	v->GUEST_PDPTE1 = 0x41001;
	v->GUEST_PDPTE2 = 0x6; /* not present: the other bits are free */
	v->GUEST_PDPTE3 = 0x43001;
}

/* Virtual-8086 mode (unrestricted guest, paging off): segments as in real mode. */
void prep_v86(struct vmcs12 *v)
{
	static const uint32_t sels[] = {VMCS_ENC_GUEST_CS_SELECTOR, VMCS_ENC_GUEST_SS_SELECTOR,
					VMCS_ENC_GUEST_DS_SELECTOR, VMCS_ENC_GUEST_ES_SELECTOR,
					VMCS_ENC_GUEST_FS_SELECTOR, VMCS_ENC_GUEST_GS_SELECTOR};
	size_t i;

	v->VM_ENTRY_CONTROLS &= ~M(ENTRY_IA32E_MODE_GUEST);
	v->GUEST_IA32_EFER = 0;
	v->GUEST_CR0 = 0x31; /* NE ET PE */
	v->GUEST_CR4 = CR4_VMXE;
	v->GUEST_RFLAGS = RFLAGS_VM | 0x2;
	v->GUEST_RIP = 0x100;
	for (i = 0; i < COUNT_OF(sels); i++) {
		uint16_t sel = (uint16_t)(0x1000 + 0x100 * i);

		set_flat_seg(v, sels[i], sel, AR_V86);
		assert_int_equal(vmxe_vmcs12_write(v, sels[i] + 0x4000, 0xffff, VMXE_WR_L0),
				 VMXE_OK);
		assert_int_equal(
		    vmxe_vmcs12_write(v, sels[i] + 0x6006, (uint64_t)sel << 4, VMXE_WR_L0),
		    VMXE_OK);
	}
}

static void apply(struct vmcs12 *v, const struct mcase *c)
{
	size_t i;

	if (c->prep != NULL)
		c->prep(v);
	for (i = 0; i < COUNT_OF(c->w) && c->w[i].on; i++) {
		uint64_t old = 0;

		assert_int_equal(vmxe_vmcs12_read(v, c->w[i].enc, &old), VMXE_OK);
		assert_int_equal(vmxe_vmcs12_write(v, c->w[i].enc,
						   (old & ~c->w[i].clear) | c->w[i].set,
						   VMXE_WR_L0),
				 VMXE_OK);
	}
}

/* Whether @res is what @c expects; a message naming the case otherwise. */
static bool matches(const struct mcase *c, const struct vmxe_check_result *res)
{
	uint32_t reason =
	    c->kind == VMXE_CHECK_ENTRY_FAIL ? VMX_EXIT_REASON_ENTRY_FAILURE | c->code : 0;
	uint32_t error = c->kind == VMXE_CHECK_VMFAIL ? c->code : 0;
	bool same_rule = c->rule == NULL ? res->check == NULL
					 : res->check != NULL && strcmp(res->check, c->rule) == 0;

	if (res->kind == c->kind && (uint32_t)res->error == error && res->exit_reason == reason &&
	    res->qualification == c->qual && same_rule)
		return true;
	print_error("case \"%s\": want kind %d error %u reason %#x qual %#llx rule %s; got kind %d "
		    "error %u reason %#x qual %#llx rule %s\n",
		    c->name, c->kind, error, reason, (unsigned long long)c->qual,
		    c->rule ? c->rule : "-", res->kind, (unsigned)res->error, res->exit_reason,
		    (unsigned long long)res->qualification, res->check ? res->check : "-");
	return false;
}

size_t run_cases(const struct mcase *cases, size_t count)
{
	static struct vmcs12 v; /* a VMCS12 page's worth, reused case after case */
	struct vmxe_check_l1 l1_32 = l1_64;
	size_t i, failed = 0;

	l1_32.efer = 0;
	for (i = 0; i < count; i++) {
		const struct mcase *c = &cases[i];
		struct vmxe_check_result res;

		build_valid(&v);
		apply(&v, c);
		memset(&res, 0xa5, sizeof(res));
		if (vmxe_check_vmentry(&v, c->caps == CAPS_ALL ? &caps_all : &caps_l1,
				       c->l1_32bit ? &l1_32 : &l1_64, &gmem, &res) != res.kind ||
		    !matches(c, &res))
			failed++;
	}
	return failed;
}

size_t distinct_rules(const struct mcase *cases, size_t count)
{
	size_t i, j, distinct = 0;

	for (i = 0; i < count; i++) {
		if (cases[i].rule == NULL)
			continue;
		for (j = 0;
		     j < i && (cases[j].rule == NULL || strcmp(cases[j].rule, cases[i].rule)); j++)
			;
		distinct += j == i;
	}
	return distinct;
}
