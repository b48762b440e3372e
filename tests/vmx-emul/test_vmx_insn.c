/*
 * test_vmx_insn.c: tests of vmx-emul/vmx_insn.c, L0's emulation of L1's VMX instructions (SDM Vol.
 * 3C 31.2-31.4), over a fake L1 memory of 2 MiB whose last 64 KiB play L0's pages, with a small
 * 4-level page table for L1's kernel. Table-driven per instruction: every VMfail number with the
 * state that causes it, #UD/#GP/#SS/#PF, the VMCS12 cache written back across VMPTRLD/VMCLEAR/
 * VMXOFF, VMREAD/VMWRITE with register and memory operands in 64-bit and 32-bit mode, VMCS pointers
 * outside L1 RAM, INVEPT/INVVPID operands, and RFLAGS after each outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_ram.h"

#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/l1_paging.h"
#include "vmx-emul/vmx_caps.h"
#include "vmx-emul/vmx_insn.h"

/* L1 RAM: [0, MEM_SIZE) less [REFUSED_LO, MEM_SIZE), "L0's pages"; HOLE is no memory at all. */
#define MEM_SIZE   0x200000ull
#define REFUSED_LO 0x1f0000ull
#define HOLE	   0x40000000ull

/* L1's page tables: PML4[0] and PML4[256] -> PDPT -> PD; PD[0] maps 2 MiB at 0 (read/write),
 * PD[1] is not present, PD[2] maps the same 2 MiB read-only. */
#define PML4	     0x1000ull
#define PDPT	     0x2000ull
#define PD	     0x3000ull
#define KERNEL	     0xffff800000000000ull
#define LA_UNMAPPED  0x200000ull
#define LA_READ_ONLY 0x400000ull
#define PTE_P	     1ull
#define PTE_RW	     2ull
#define PTE_A	     0x20ull
#define PTE_D	     0x40ull
#define PTE_PS	     0x80ull

/* Where things are (L1-physical; the kernel sees them at KERNEL + address). */
#define OPND	      0x8000ull /* memory operands */
#define VMXON_PTR     0x10000ull
#define VMCS_A	      0x11000ull
#define VMCS_B	      0x12000ull
#define VMCS_BADREV   0x13000ull
#define VMCS_SHADOW   0x14000ull
#define VMCS_UNTAGGED 0x15000ull

#define REV		   0x2bu
#define BOCHS_EPT_VPID_CAP 0xf0106334141ull
#define MAXPHY		   40
#define CR0_L1                                                                                     \
	(VMX_MASK(VMX_CR0_PE) | VMX_MASK(VMX_CR0_NE) | VMX_MASK(VMX_CR0_ET) |                      \
	 VMX_MASK(VMX_CR0_WP) | VMX_MASK(VMX_CR0_PG))
#define CR4_L1	  (VMX_MASK(VMX_CR4_PAE) | VMX_MASK(VMX_CR4_VMXE))
#define EFER_LME  (1ull << 8)
#define AR_DATA	  (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_WRITABLE | VMXE_AR_TYPE_ACCESSED)
#define AR_CODE64 (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_CODE | VMXE_AR_TYPE_READABLE | VMXE_AR_L)
#define AR_CODE32 (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_CODE | VMXE_AR_TYPE_READABLE | VMXE_AR_DB)
#define DPL3	  (3u << VMXE_AR_DPL_SHIFT)

/* [rbx], 64-bit address size, DS; [rbx] via SS; the register forms of VMREAD/VMWRITE. */
#define II_MEM_RBX                                                                                 \
	((VMXE_ADDR64 << VMXE_II_ADDR_SIZE_SHIFT) | (VMXE_DS << VMXE_II_SEG_SHIFT) |               \
	 VMXE_II_INDEX_INVALID | (VMXE_RBX << VMXE_II_BASE_SHIFT))
#define II_SS_RBX                                                                                  \
	((VMXE_ADDR64 << VMXE_II_ADDR_SIZE_SHIFT) | (VMXE_SS << VMXE_II_SEG_SHIFT) |               \
	 VMXE_II_INDEX_INVALID | (VMXE_RBX << VMXE_II_BASE_SHIFT))
#define II_REG2(r) ((uint32_t)(r) << VMXE_II_REG2_SHIFT)
#define II_REG1(r) (VMXE_II_IS_REG | ((uint32_t)(r) << VMXE_II_REG1_SHIFT))

#define STATUS VMXE_RFLAGS_VMX_STATUS

struct env {
	struct fake_ram f;
	struct vmxe_gmem mem;
	struct vmxe_vcaps caps;
	struct vmcs12 *cache;
	struct vmxe_nested n;
	struct vmxe_insn_ctx c;
};

static uint64_t get64(struct env *e, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, e->f.ram + gpa, sizeof(v));
	return v;
}

static void put64(struct env *e, uint64_t gpa, uint64_t v)
{
	memcpy(e->f.ram + gpa, &v, sizeof(v));
}

static void put32(struct env *e, uint64_t gpa, uint32_t v)
{
	memcpy(e->f.ram + gpa, &v, sizeof(v));
}

static struct vmcs12 *page_vmcs12(struct env *e, uint64_t gpa)
{
	return (struct vmcs12 *)(void *)(e->f.ram + gpa);
}

static void set_cap(struct env *e, uint32_t msr, uint64_t v)
{
	e->caps.msr[msr - VMXE_VCAPS_FIRST_MSR] = v;
	e->caps.present[msr - VMXE_VCAPS_FIRST_MSR] = true;
}

static uint64_t get_cap(struct env *e, uint32_t msr)
{
	return e->caps.msr[msr - VMXE_VCAPS_FIRST_MSR];
}

/* L1 as Linux runs KVM: 64-bit mode, CPL 0, VMX enabled in its CR4, Bochs' capabilities. */
static void env_reset(struct env *e)
{
	struct vmxe_l1_cpu *cpu = &e->c.cpu;
	unsigned int i;

	memset(e->f.ram, 0, MEM_SIZE);
	put64(e, PML4, PDPT | PTE_P | PTE_RW);
	put64(e, PML4 + 256 * 8, PDPT | PTE_P | PTE_RW);
	put64(e, PDPT, PD | PTE_P | PTE_RW);
	put64(e, PD, PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D);
	put64(e, PD + 16, PTE_P | PTE_PS | PTE_A);
	put32(e, VMXON_PTR, REV);
	put32(e, VMCS_A, REV);
	put32(e, VMCS_B, REV);
	put32(e, VMCS_BADREV, REV + 1);
	put32(e, VMCS_SHADOW, REV | VMCS12_REVISION_SHADOW);
	put32(e, VMCS_UNTAGGED, REV);
	page_vmcs12(e, VMCS_UNTAGGED)->launch_state = 0x1234;
	page_vmcs12(e, VMCS_A)->layout = VMCS12_LAYOUT_TAG; /* as VMCLEAR leaves them */
	page_vmcs12(e, VMCS_B)->layout = VMCS12_LAYOUT_TAG;

	memset(&e->caps, 0, sizeof(e->caps));
	set_cap(e, VMXE_MSR_BASIC, REV | (4096ull << 32) | (6ull << 50) | (1ull << 55));
	set_cap(e, VMXE_MSR_PROCBASED_CTLS, vmxe_ctl_msr_make(VMX_PROC_DEFAULT1, 0xffffffffu));
	set_cap(
	    e, VMXE_MSR_PROCBASED_CTLS2,
	    vmxe_ctl_msr_make(0, VMX_MASK(VMX_PROC2_ENABLE_EPT) | VMX_MASK(VMX_PROC2_ENABLE_VPID)));
	set_cap(e, VMXE_MSR_MISC, 0);
	set_cap(e, VMXE_MSR_CR0_FIXED0, 0x80000021u);
	set_cap(e, VMXE_MSR_CR0_FIXED1, 0xffffffffu);
	set_cap(e, VMXE_MSR_CR4_FIXED0, VMX_MASK(VMX_CR4_VMXE));
	set_cap(e, VMXE_MSR_CR4_FIXED1, 0x3727ffu);
	set_cap(e, VMXE_MSR_EPT_VPID_CAP, BOCHS_EPT_VPID_CAP);

	memset(e->cache, 0xcc, VMCS12_PAGE_SIZE);
	vmxe_nested_init(&e->n, e->cache);
	memset(&e->c, 0, sizeof(e->c));
	for (i = 0; i < VMXE_SREG_COUNT; i++)
		cpu->seg[i] = (struct vmxe_segment){0, 0xffffffffu, AR_DATA};
	cpu->seg[VMXE_CS].ar = AR_CODE64;
	cpu->cr0 = CR0_L1;
	cpu->cr4 = CR4_L1;
	cpu->efer = EFER_LME | VMXE_EFER_LMA | VMXE_EFER_NXE;
	cpu->rflags = 0x2;
	e->c.cr3 = PML4;
	e->c.maxphyaddr = MAXPHY;
	e->c.page1gb = true;
	e->c.feature_control = VMXE_FEATURE_CONTROL_LOCK | VMXE_FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	e->c.mem = &e->mem;
	e->c.caps = &e->caps;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	fake_ram_init(&e->f, MEM_SIZE, REFUSED_LO, MEM_SIZE);
	e->cache = calloc(1, VMCS12_PAGE_SIZE);
	assert_non_null(e->cache);
	e->mem = fake_ram_gmem(&e->f);
	env_reset(e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fake_ram_free(&e->f);
	free(e->cache);
	free(e);
	return 0;
}

static struct vmxe_insn_result emulate(struct env *e, uint32_t reason)
{
	e->c.reason = reason;
	return vmxe_insn_emulate(&e->n, &e->c);
}

/* Places @ptr as the memory operand [rbx] (KERNEL + OPND); a prep may change that after. */
static void operand_ptr(struct env *e, uint64_t ptr)
{
	put64(e, OPND, ptr);
	e->c.cpu.gpr[VMXE_RBX] = KERNEL + OPND;
	e->c.insn_info = II_MEM_RBX;
	e->c.qualification = 0;
}

static struct vmxe_insn_result run_ptr(struct env *e, uint32_t reason, uint64_t ptr)
{
	operand_ptr(e, ptr);
	return emulate(e, reason);
}

static void expect_kind(struct vmxe_insn_result r, enum vmxe_insn_kind kind)
{
	assert_int_equal(r.kind, kind);
}

static void vmxon_ok(struct env *e)
{
	expect_kind(run_ptr(e, VMX_EXIT_VMXON, VMXON_PTR), VMXE_INSN_SUCCEED);
}

static void vmptrld_ok(struct env *e, uint64_t ptr)
{
	expect_kind(run_ptr(e, VMX_EXIT_VMPTRLD, ptr), VMXE_INSN_SUCCEED);
	assert_int_equal(e->n.current_vmptr, ptr);
}

static struct vmxe_insn_result vmwrite_reg(struct env *e, uint64_t enc, uint64_t value)
{
	e->c.cpu.gpr[VMXE_RCX] = enc;
	e->c.cpu.gpr[VMXE_RAX] = value;
	e->c.insn_info = II_REG1(VMXE_RAX) | II_REG2(VMXE_RCX);
	return emulate(e, VMX_EXIT_VMWRITE);
}

static struct vmxe_insn_result vmread_reg(struct env *e, uint64_t enc, uint64_t *value)
{
	struct vmxe_insn_result r;

	e->c.cpu.gpr[VMXE_RCX] = enc;
	e->c.cpu.gpr[VMXE_RDX] = 0xdeadbeef;
	e->c.insn_info = II_REG1(VMXE_RDX) | II_REG2(VMXE_RCX);
	r = emulate(e, VMX_EXIT_VMREAD);
	*value = e->c.cpu.gpr[VMXE_RDX];
	return r;
}

/* The VM-instruction error as L1 reads it with VMREAD. */
static uint64_t insn_error(struct env *e)
{
	uint64_t v;

	expect_kind(vmread_reg(e, VMCS_ENC_VM_INSTRUCTION_ERROR, &v), VMXE_INSN_SUCCEED);
	return v;
}

static void expect_fail_valid(struct env *e, struct vmxe_insn_result r, enum vmxe_insn_error err)
{
	expect_kind(r, VMXE_INSN_FAIL_VALID);
	assert_int_equal(r.error, err);
	assert_int_equal(insn_error(e), err);
	assert_int_equal(vmxe_rflags_after(STATUS | 0x2, &r), VMXE_RFLAGS_ZF | 0x2);
}

static void expect_exception(struct vmxe_insn_result r, uint8_t vector, bool has_ec, uint32_t ec)
{
	expect_kind(r, VMXE_INSN_EXCEPTION);
	assert_int_equal(r.vector, vector);
	assert_int_equal(r.has_error_code, has_ec);
	assert_int_equal(r.error_code, ec);
	assert_int_equal(vmxe_rflags_after(0x8d7, &r), 0x8d7); /* unchanged */
}

/* Preparations that change L1's state before the instruction. */
static void prep_none(struct env *e)
{
	(void)e;
}
static void prep_no_vmxe(struct env *e)
{
	e->c.cpu.cr4 &= ~VMX_MASK(VMX_CR4_VMXE);
}
static void prep_real(struct env *e)
{
	e->c.cpu.cr0 &= ~(VMX_MASK(VMX_CR0_PE) | VMX_MASK(VMX_CR0_PG));
	e->c.cpu.efer = 0;
}
static void prep_v86(struct env *e)
{
	e->c.cpu.rflags |= VMXE_RFLAGS_VM;
}
static void prep_compat(struct env *e)
{
	e->c.cpu.seg[VMXE_CS].ar = AR_CODE32;
}
static void prep_cpl3(struct env *e)
{
	e->c.cpu.seg[VMXE_SS].ar |= DPL3;
}
static void prep_no_ne(struct env *e)
{
	e->c.cpu.cr0 &= ~VMX_MASK(VMX_CR0_NE);
}
static void prep_pke(struct env *e)
{
	e->c.cpu.cr4 |= VMX_MASK(VMX_CR4_PKE); /* not in CR4_FIXED1 */
}
static void prep_fc_unlocked(struct env *e)
{
	e->c.feature_control = VMXE_FEATURE_CONTROL_VMX_OUTSIDE_SMX;
}
static void prep_fc_no_vmx(struct env *e)
{
	e->c.feature_control = VMXE_FEATURE_CONTROL_LOCK;
}
static void prep_pa_32bit(struct env *e)
{
	set_cap(e, VMXE_MSR_BASIC, get_cap(e, VMXE_MSR_BASIC) | VMX_MASK(VMX_BASIC_PA_32BIT));
}
static void prep_operand_unmapped(struct env *e)
{
	e->c.cpu.gpr[VMXE_RBX] = LA_UNMAPPED + 0x18;
}
static void prep_operand_noncanonical(struct env *e)
{
	e->c.cpu.gpr[VMXE_RBX] = 0x0000800000000000ull;
}
static void prep_operand_noncanonical_ss(struct env *e)
{
	prep_operand_noncanonical(e);
	e->c.insn_info = II_SS_RBX;
}

struct vmxon_case {
	const char *name;
	void (*prep)(struct env *e);
	uint64_t ptr;
	enum vmxe_insn_kind kind;
	uint8_t vector; /* EXCEPTION */
	bool refused;
};

static const struct vmxon_case vmxon_cases[] = {
    {"success", prep_none, VMXON_PTR, VMXE_INSN_SUCCEED, 0, false},
    {"CR4.VMXE clear: #UD", prep_no_vmxe, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_UD, false},
    {"real mode: #UD", prep_real, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_UD, false},
    {"virtual-8086: #UD", prep_v86, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_UD, false},
    {"compatibility mode: #UD", prep_compat, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_UD, false},
    {"CPL 3: #GP", prep_cpl3, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_GP, false},
    {"CR0.NE clear: #GP", prep_no_ne, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_GP, false},
    {"CR4 bit FIXED1 forbids: #GP", prep_pke, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_GP, false},
    {"feature control unlocked: #GP", prep_fc_unlocked, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_GP,
     false},
    {"feature control without VMX: #GP", prep_fc_no_vmx, VMXON_PTR, VMXE_INSN_EXCEPTION,
     VMXE_VEC_GP, false},
    {"misaligned", prep_none, VMXON_PTR + 8, VMXE_INSN_FAIL_INVALID, 0, false},
    {"beyond MAXPHYADDR", prep_none, 1ull << MAXPHY, VMXE_INSN_FAIL_INVALID, 0, false},
    {"beyond 32 bits with BASIC[48]", prep_pa_32bit, 1ull << 32, VMXE_INSN_FAIL_INVALID, 0, false},
    {"revision mismatch", prep_none, VMCS_BADREV, VMXE_INSN_FAIL_INVALID, 0, false},
    {"shadow bit set", prep_none, VMCS_SHADOW, VMXE_INSN_FAIL_INVALID, 0, false},
    {"hole above RAM", prep_none, HOLE, VMXE_INSN_FAIL_INVALID, 0, true},
    {"L0's memory", prep_none, REFUSED_LO, VMXE_INSN_FAIL_INVALID, 0, true},
    {"operand not mapped: #PF", prep_operand_unmapped, VMXON_PTR, VMXE_INSN_EXCEPTION, VMXE_VEC_PF,
     false},
    {"operand non-canonical: #GP", prep_operand_noncanonical, VMXON_PTR, VMXE_INSN_EXCEPTION,
     VMXE_VEC_GP, false},
    {"operand non-canonical via SS: #SS", prep_operand_noncanonical_ss, VMXON_PTR,
     VMXE_INSN_EXCEPTION, VMXE_VEC_SS, false},
};

static void test_vmxon(void **state)
{
	struct env *e = *state;
	size_t i;

	for (i = 0; i < sizeof(vmxon_cases) / sizeof(vmxon_cases[0]); i++) {
		const struct vmxon_case *t = &vmxon_cases[i];
		struct vmxe_insn_result r;

		env_reset(e);
		operand_ptr(e, t->ptr);
		t->prep(e);
		print_message("%s\n", t->name);
		r = emulate(e, VMX_EXIT_VMXON);
		expect_kind(r, t->kind);
		assert_int_equal(e->n.vmxon, t->kind == VMXE_INSN_SUCCEED);
		assert_int_equal(r.refused, t->refused);
		if (t->refused)
			assert_int_equal(r.refused_gpa, t->ptr);
		if (t->kind == VMXE_INSN_EXCEPTION) {
			bool ec = t->vector != VMXE_VEC_UD;

			assert_int_equal(r.vector, t->vector);
			assert_int_equal(r.has_error_code, ec);
		}
		if (t->vector == VMXE_VEC_PF) {
			assert_int_equal(r.error_code, 0);
			assert_int_equal(r.cr2, LA_UNMAPPED + 0x18);
		}
		if (t->kind == VMXE_INSN_FAIL_INVALID)
			assert_int_equal(vmxe_rflags_after(STATUS, &r), VMXE_RFLAGS_CF);
	}
	env_reset(e);
	vmxon_ok(e);
	assert_int_equal(e->n.vmxon_ptr, VMXON_PTR);
	assert_int_equal(e->n.current_vmptr, VMXE_VMPTR_NONE);
}

static void test_vmxon_in_vmx_root(void **state)
{
	struct env *e = *state;

	vmxon_ok(e);
	expect_kind(run_ptr(e, VMX_EXIT_VMXON, VMXON_PTR), VMXE_INSN_FAIL_INVALID);
	vmptrld_ok(e, VMCS_A);
	expect_fail_valid(e, run_ptr(e, VMX_EXIT_VMXON, VMXON_PTR), VMXE_ERR_VMXON_IN_VMX_ROOT);
	prep_cpl3(e);
	expect_exception(run_ptr(e, VMX_EXIT_VMXON, VMXON_PTR), VMXE_VEC_GP, true, 0);
	prep_no_vmxe(e); /* #UD comes first */
	expect_exception(run_ptr(e, VMX_EXIT_VMXON, VMXON_PTR), VMXE_VEC_UD, false, 0);
}

/* #UD outside VMX operation and in real, virtual-8086 and compatibility mode, #GP(0) at CPL 3:
 * the same for every instruction but VMXON. */
static void test_common_checks(void **state)
{
	static const uint32_t reasons[] = {
	    VMX_EXIT_VMXOFF, VMX_EXIT_VMCLEAR, VMX_EXIT_VMPTRLD,  VMX_EXIT_VMPTRST,
	    VMX_EXIT_VMREAD, VMX_EXIT_VMWRITE, VMX_EXIT_VMLAUNCH, VMX_EXIT_VMRESUME,
	    VMX_EXIT_INVEPT, VMX_EXIT_INVVPID,
	};
	static const struct {
		bool vmxon;
		void (*prep)(struct env *e);
		uint8_t vector;
	} conds[] = {
	    {false, prep_none, VMXE_VEC_UD}, {true, prep_real, VMXE_VEC_UD},
	    {true, prep_v86, VMXE_VEC_UD},   {true, prep_compat, VMXE_VEC_UD},
	    {true, prep_cpl3, VMXE_VEC_GP},
	};
	struct env *e = *state;
	size_t i, j;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		for (j = 0; j < sizeof(conds) / sizeof(conds[0]); j++) {
			env_reset(e);
			if (conds[j].vmxon) {
				vmxon_ok(e);
				vmptrld_ok(e, VMCS_A);
			}
			operand_ptr(e, VMCS_B);
			conds[j].prep(e);
			expect_exception(emulate(e, reasons[i]), conds[j].vector,
					 conds[j].vector == VMXE_VEC_GP, 0);
			assert_int_equal(e->n.vmxon, conds[j].vmxon);
		}
}

/* A failing VMCLEAR or VMPTRLD: the pointer, and the error with and without a current VMCS. */
struct ptr_case {
	const char *name;
	uint32_t reason;
	uint64_t ptr;
	void (*prep)(struct env *e);
	enum vmxe_insn_error err;
	bool refused;
};

static void prep_shadowing(struct env *e)
{
	set_cap(e, VMXE_MSR_PROCBASED_CTLS2,
		get_cap(e, VMXE_MSR_PROCBASED_CTLS2) |
		    ((uint64_t)VMX_MASK(VMX_PROC2_VMCS_SHADOWING) << 32));
}

static const struct ptr_case ptr_cases[] = {
    {"VMCLEAR misaligned", VMX_EXIT_VMCLEAR, VMCS_B + 0x800, prep_none,
     VMXE_ERR_VMCLEAR_INVALID_ADDR, false},
    {"VMCLEAR beyond MAXPHYADDR", VMX_EXIT_VMCLEAR, (1ull << MAXPHY) | VMCS_B, prep_none,
     VMXE_ERR_VMCLEAR_INVALID_ADDR, false},
    {"VMCLEAR VMXON pointer", VMX_EXIT_VMCLEAR, VMXON_PTR, prep_none, VMXE_ERR_VMCLEAR_VMXON_PTR,
     false},
    {"VMCLEAR in L0's memory succeeds", VMX_EXIT_VMCLEAR, REFUSED_LO, prep_none, VMXE_OK, true},
    {"VMCLEAR in a hole succeeds", VMX_EXIT_VMCLEAR, HOLE, prep_none, VMXE_OK, true},
    {"VMPTRLD misaligned", VMX_EXIT_VMPTRLD, VMCS_B + 1, prep_none, VMXE_ERR_VMPTRLD_INVALID_ADDR,
     false},
    {"VMPTRLD beyond MAXPHYADDR", VMX_EXIT_VMPTRLD, 1ull << 51, prep_none,
     VMXE_ERR_VMPTRLD_INVALID_ADDR, false},
    {"VMPTRLD beyond 32 bits with BASIC[48]", VMX_EXIT_VMPTRLD, 1ull << 32, prep_pa_32bit,
     VMXE_ERR_VMPTRLD_INVALID_ADDR, false},
    {"VMPTRLD VMXON pointer", VMX_EXIT_VMPTRLD, VMXON_PTR, prep_none, VMXE_ERR_VMPTRLD_VMXON_PTR,
     false},
    {"VMPTRLD wrong revision", VMX_EXIT_VMPTRLD, VMCS_BADREV, prep_none,
     VMXE_ERR_VMPTRLD_INCORRECT_REVISION, false},
    {"VMPTRLD shadow VMCS, no shadowing", VMX_EXIT_VMPTRLD, VMCS_SHADOW, prep_none,
     VMXE_ERR_VMPTRLD_INCORRECT_REVISION, false},
    {"VMPTRLD shadow VMCS with shadowing", VMX_EXIT_VMPTRLD, VMCS_SHADOW, prep_shadowing, VMXE_OK,
     false},
    {"VMPTRLD in L0's memory", VMX_EXIT_VMPTRLD, REFUSED_LO, prep_none,
     VMXE_ERR_VMPTRLD_INCORRECT_REVISION, true},
    {"VMPTRLD in a hole", VMX_EXIT_VMPTRLD, HOLE, prep_none, VMXE_ERR_VMPTRLD_INCORRECT_REVISION,
     true},
    {"VMPTRLD a zeroed page", VMX_EXIT_VMPTRLD, REFUSED_LO - 0x1000, prep_none,
     VMXE_ERR_VMPTRLD_INCORRECT_REVISION, false},
};

static void check_ptr_case(struct env *e, const struct ptr_case *t, bool with_current)
{
	struct vmxe_insn_result r;

	env_reset(e);
	t->prep(e);
	vmxon_ok(e);
	if (with_current) {
		vmptrld_ok(e, VMCS_A);
		expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0xabc), VMXE_INSN_SUCCEED);
	}
	r = run_ptr(e, t->reason, t->ptr);
	assert_int_equal(r.refused, t->refused);
	if (t->err == VMXE_OK) {
		expect_kind(r, VMXE_INSN_SUCCEED);
		assert_int_equal(vmxe_rflags_after(STATUS, &r), 0);
		return;
	}
	if (!with_current) {
		expect_kind(r, VMXE_INSN_FAIL_INVALID);
		assert_int_equal(e->n.current_vmptr, VMXE_VMPTR_NONE);
		return;
	}
	expect_fail_valid(e, r, t->err);
	assert_int_equal(e->n.current_vmptr, VMCS_A); /* a failed VMPTRLD keeps the current one */
	assert_int_equal(e->cache->GUEST_RIP, 0xabc);
}

static void test_vmclear_vmptrld_failures(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(ptr_cases) / sizeof(ptr_cases[0]); i++) {
		print_message("%s\n", ptr_cases[i].name);
		check_ptr_case(*state, &ptr_cases[i], false);
		check_ptr_case(*state, &ptr_cases[i], true);
	}
}

/* VMWRITE, VMPTRLD another, VMPTRLD back: the value is kept, and the page got it. */
static void test_cache_round_trip(void **state)
{
	struct env *e = *state;
	uint64_t v;

	vmxon_ok(e);
	vmptrld_ok(e, VMCS_A);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0x1111), VMXE_INSN_SUCCEED);
	assert_true(e->n.vmcs12_dirty);
	assert_int_equal(page_vmcs12(e, VMCS_A)->GUEST_RIP, 0); /* still only in the cache */

	vmptrld_ok(e, VMCS_A); /* the same pointer: no reload, nothing lost */
	assert_int_equal(e->cache->GUEST_RIP, 0x1111);

	vmptrld_ok(e, VMCS_B);
	assert_int_equal(page_vmcs12(e, VMCS_A)->GUEST_RIP, 0x1111);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0x2222), VMXE_INSN_SUCCEED);

	vmptrld_ok(e, VMCS_A);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0x1111);
	vmptrld_ok(e, VMCS_B);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0x2222);

	/* A page never VMCLEARed loads with a clear launch state and L0's layout tag. */
	vmptrld_ok(e, VMCS_UNTAGGED);
	assert_int_equal(e->cache->launch_state, VMXE_LAUNCH_CLEAR);
	assert_int_equal(e->cache->layout, VMCS12_LAYOUT_TAG);
	assert_int_equal(e->cache->revision_id, REV);
	expect_kind(emulate(e, VMX_EXIT_VMLAUNCH), VMXE_INSN_VMENTRY);
}

static void test_vmclear(void **state)
{
	struct env *e = *state;
	struct vmcs12 *b = page_vmcs12(e, VMCS_B);

	vmxon_ok(e);
	vmptrld_ok(e, VMCS_A);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0x5555), VMXE_INSN_SUCCEED);

	/* Not the current VMCS: launch state and layout written, fields kept. */
	b->launch_state = VMXE_LAUNCH_LAUNCHED;
	b->layout = 0;
	b->GUEST_CR3 = 0x7000;
	expect_kind(run_ptr(e, VMX_EXIT_VMCLEAR, VMCS_B), VMXE_INSN_SUCCEED);
	assert_int_equal(b->launch_state, VMXE_LAUNCH_CLEAR);
	assert_int_equal(b->layout, VMCS12_LAYOUT_TAG);
	assert_int_equal(b->GUEST_CR3, 0x7000);
	assert_int_equal(b->revision_id, REV);
	assert_int_equal(e->n.current_vmptr, VMCS_A);

	/* The current one: written back, then no current VMCS. */
	e->cache->launch_state = VMXE_LAUNCH_LAUNCHED;
	expect_kind(run_ptr(e, VMX_EXIT_VMCLEAR, VMCS_A), VMXE_INSN_SUCCEED);
	assert_int_equal(e->n.current_vmptr, VMXE_VMPTR_NONE);
	assert_int_equal(page_vmcs12(e, VMCS_A)->GUEST_RIP, 0x5555);
	assert_int_equal(page_vmcs12(e, VMCS_A)->launch_state, VMXE_LAUNCH_CLEAR);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 1), VMXE_INSN_FAIL_INVALID);

	/* VMCLEAR, VMPTRLD elsewhere: the fields survive. */
	vmptrld_ok(e, VMCS_A);
	assert_int_equal(e->cache->GUEST_RIP, 0x5555);
	assert_int_equal(e->cache->launch_state, VMXE_LAUNCH_CLEAR);
}

static void test_vmptrst(void **state)
{
	struct env *e = *state;
	struct vmxe_insn_result r;

	vmxon_ok(e);
	put64(e, OPND, 0);
	e->c.cpu.gpr[VMXE_RBX] = KERNEL + OPND;
	e->c.insn_info = II_MEM_RBX;
	expect_kind(emulate(e, VMX_EXIT_VMPTRST), VMXE_INSN_SUCCEED);
	assert_int_equal(get64(e, OPND), VMXE_VMPTR_NONE);

	vmptrld_ok(e, VMCS_B);
	e->c.cpu.gpr[VMXE_RBX] = OPND + 0x40; /* identity half, with a displacement */
	e->c.qualification = (uint64_t)-0x20;
	e->c.insn_info = II_MEM_RBX;
	expect_kind(emulate(e, VMX_EXIT_VMPTRST), VMXE_INSN_SUCCEED);
	assert_int_equal(get64(e, OPND + 0x20), VMCS_B);

	/* A read-only page: #PF with P and W, nothing stored. */
	e->c.cpu.gpr[VMXE_RBX] = LA_READ_ONLY + OPND;
	e->c.qualification = 0;
	put64(e, OPND, 0x77);
	r = emulate(e, VMX_EXIT_VMPTRST);
	expect_exception(r, VMXE_VEC_PF, true, VMXE_PF_PRESENT | VMXE_PF_WRITE);
	assert_int_equal(r.cr2, LA_READ_ONLY + OPND);
	assert_int_equal(get64(e, OPND), 0x77);

	/* An operand that straddles into the unmapped 2 MiB: CR2 is its first byte there. */
	e->c.cpu.gpr[VMXE_RBX] = LA_UNMAPPED - 4;
	r = emulate(e, VMX_EXIT_VMPTRST);
	expect_exception(r, VMXE_VEC_PF, true, VMXE_PF_WRITE);
	assert_int_equal(r.cr2, LA_UNMAPPED);
}

static void test_vmread_vmwrite(void **state)
{
	struct env *e = *state;
	uint64_t v;

	vmxon_ok(e);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_FAIL_INVALID);
	assert_int_equal(v, 0xdeadbeef);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 1), VMXE_INSN_FAIL_INVALID);

	vmptrld_ok(e, VMCS_A);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0xffffffff81000000ull), VMXE_INSN_SUCCEED);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0xffffffff81000000ull);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_ES_SELECTOR, 0x12345), VMXE_INSN_SUCCEED);
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_ES_SELECTOR, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0x2345); /* a 16-bit field */

	/* Unsupported encodings and read-only fields. */
	expect_fail_valid(e, vmwrite_reg(e, 0x7ffe, 1), VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
	expect_fail_valid(e, vmread_reg(e, 0x7ffe, &v), VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
	assert_int_equal(v, 0xdeadbeef);
	expect_fail_valid(e, vmread_reg(e, (1ull << 32) | VMCS_ENC_GUEST_RIP, &v),
			  VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
	expect_fail_valid(e, vmwrite_reg(e, VMCS_ENC_VM_EXIT_REASON, 1),
			  VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT);
	set_cap(e, VMXE_MSR_MISC, VMX_MASK(VMX_MISC_VMWRITE_ANY_FIELD));
	expect_kind(vmwrite_reg(e, VMCS_ENC_VM_EXIT_REASON, 48), VMXE_INSN_SUCCEED);
	expect_kind(vmread_reg(e, VMCS_ENC_VM_EXIT_REASON, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 48);

	/* Memory operands: VMWRITE from [rbx], VMREAD to [rbx + 8]. */
	put64(e, OPND, 0x1234567890ull);
	e->c.cpu.gpr[VMXE_RBX] = KERNEL + OPND;
	e->c.cpu.gpr[VMXE_R10] = VMCS_ENC_GUEST_CR3;
	e->c.insn_info = II_MEM_RBX | II_REG2(VMXE_R10);
	expect_kind(emulate(e, VMX_EXIT_VMWRITE), VMXE_INSN_SUCCEED);
	assert_int_equal(e->cache->GUEST_CR3, 0x1234567890ull);
	e->c.qualification = 8;
	expect_kind(emulate(e, VMX_EXIT_VMREAD), VMXE_INSN_SUCCEED);
	assert_int_equal(get64(e, OPND + 8), 0x1234567890ull);

	/* Faulting memory operands change nothing. */
	e->c.cpu.gpr[VMXE_RBX] = LA_READ_ONLY;
	expect_exception(emulate(e, VMX_EXIT_VMREAD), VMXE_VEC_PF, true,
			 VMXE_PF_PRESENT | VMXE_PF_WRITE);
	e->c.cpu.gpr[VMXE_RBX] = LA_UNMAPPED;
	expect_exception(emulate(e, VMX_EXIT_VMWRITE), VMXE_VEC_PF, true, 0);
	assert_int_equal(e->cache->GUEST_CR3, 0x1234567890ull);
}

/* Outside 64-bit mode the operands are 32 bits (here: protected mode without paging). */
static void test_vmread_vmwrite_32bit(void **state)
{
	struct env *e = *state;
	uint64_t v;

	vmxon_ok(e);
	vmptrld_ok(e, VMCS_A);
	e->c.cpu.cr0 &= ~VMX_MASK(VMX_CR0_PG);
	e->c.cpu.efer = 0;
	e->c.cpu.seg[VMXE_CS].ar = AR_CODE32;

	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0xaaaaaaaa12345678ull), VMXE_INSN_SUCCEED);
	assert_int_equal(e->cache->GUEST_RIP, 0x12345678); /* zero-extended 32-bit source */
	e->cache->GUEST_RIP = 0x1111111187654321ull;
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP, &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0x87654321); /* zero-extended 32-bit destination */
	expect_kind(vmread_reg(e, VMCS_ENC_GUEST_RIP | (1ull << 32), &v), VMXE_INSN_SUCCEED);
	assert_int_equal(v, 0x87654321); /* the encoding register is 32 bits too */

	put64(e, OPND, UINT64_MAX);
	e->c.cpu.gpr[VMXE_RBX] = OPND;
	e->c.cpu.gpr[VMXE_RCX] = VMCS_ENC_GUEST_RIP;
	e->c.insn_info = (VMXE_ADDR32 << VMXE_II_ADDR_SIZE_SHIFT) | (VMXE_DS << VMXE_II_SEG_SHIFT) |
			 VMXE_II_INDEX_INVALID | (VMXE_RBX << VMXE_II_BASE_SHIFT) |
			 II_REG2(VMXE_RCX);
	expect_kind(emulate(e, VMX_EXIT_VMREAD), VMXE_INSN_SUCCEED);
	assert_int_equal(get64(e, OPND), 0xffffffff87654321ull); /* 4 bytes stored */
}

struct entry_case {
	const char *name;
	uint64_t vmcs;	 /* 0: no current VMCS */
	uint32_t launch; /* launch state of the current VMCS */
	uint32_t intr;	 /* interruptibility state */
	bool shadowing;
	uint32_t reason;
	enum vmxe_insn_kind kind;
	enum vmxe_insn_error err;
};

#define LCLEAR VMXE_LAUNCH_CLEAR
#define LDONE  VMXE_LAUNCH_LAUNCHED
static const struct entry_case entry_cases[] = {
    {"VMLAUNCH, no VMCS", 0, LCLEAR, 0, false, VMX_EXIT_VMLAUNCH, VMXE_INSN_FAIL_INVALID,
     VMXE_FAIL_INVALID},
    {"VMRESUME, no VMCS", 0, LCLEAR, 0, false, VMX_EXIT_VMRESUME, VMXE_INSN_FAIL_INVALID,
     VMXE_FAIL_INVALID},
    {"VMLAUNCH, clear", VMCS_A, LCLEAR, 0, false, VMX_EXIT_VMLAUNCH, VMXE_INSN_VMENTRY, VMXE_OK},
    {"VMRESUME, launched", VMCS_A, LDONE, 0, false, VMX_EXIT_VMRESUME, VMXE_INSN_VMENTRY, VMXE_OK},
    {"VMLAUNCH, launched", VMCS_A, LDONE, 0, false, VMX_EXIT_VMLAUNCH, VMXE_INSN_FAIL_VALID,
     VMXE_ERR_VMLAUNCH_NONCLEAR_VMCS},
    {"VMRESUME, clear", VMCS_A, LCLEAR, 0, false, VMX_EXIT_VMRESUME, VMXE_INSN_FAIL_VALID,
     VMXE_ERR_VMRESUME_NONLAUNCHED_VMCS},
    {"VMLAUNCH, MOV SS", VMCS_A, LCLEAR, VMXE_INTR_BLOCK_MOV_SS, false, VMX_EXIT_VMLAUNCH,
     VMXE_INSN_FAIL_VALID, VMXE_ERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS},
    {"MOV SS before launch state", VMCS_A, LDONE, VMXE_INTR_BLOCK_MOV_SS, false, VMX_EXIT_VMLAUNCH,
     VMXE_INSN_FAIL_VALID, VMXE_ERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS},
    {"STI blocking is fine", VMCS_A, LDONE, 1, false, VMX_EXIT_VMRESUME, VMXE_INSN_VMENTRY,
     VMXE_OK},
    {"shadow VMCS", VMCS_SHADOW, LCLEAR, 0, true, VMX_EXIT_VMLAUNCH, VMXE_INSN_FAIL_INVALID,
     VMXE_FAIL_INVALID},
};

static void test_vmlaunch_vmresume(void **state)
{
	struct env *e = *state;
	size_t i;

	for (i = 0; i < sizeof(entry_cases) / sizeof(entry_cases[0]); i++) {
		const struct entry_case *t = &entry_cases[i];
		struct vmxe_insn_result r;

		env_reset(e);
		if (t->shadowing)
			prep_shadowing(e);
		vmxon_ok(e);
		if (t->vmcs) {
			vmptrld_ok(e, t->vmcs);
			e->cache->launch_state = t->launch;
		}
		e->c.interruptibility = t->intr;
		print_message("%s\n", t->name);
		r = emulate(e, t->reason);
		expect_kind(r, t->kind);
		assert_int_equal(r.error, t->err);
		if (t->kind == VMXE_INSN_VMENTRY)
			assert_int_equal(r.launch, t->reason == VMX_EXIT_VMLAUNCH);
		if (t->kind == VMXE_INSN_FAIL_VALID)
			expect_fail_valid(e, r, t->err);
	}
}

static void test_vmxoff(void **state)
{
	struct env *e = *state;
	struct vmxe_insn_result r;

	vmxon_ok(e);
	vmptrld_ok(e, VMCS_B);
	expect_kind(vmwrite_reg(e, VMCS_ENC_GUEST_RIP, 0x3333), VMXE_INSN_SUCCEED);
	r = emulate(e, VMX_EXIT_VMXOFF);
	expect_kind(r, VMXE_INSN_SUCCEED);
	assert_int_equal(vmxe_rflags_after(STATUS | 0x202, &r), 0x202);
	assert_false(e->n.vmxon);
	assert_int_equal(e->n.vmxon_ptr, VMXE_VMPTR_NONE);
	assert_int_equal(e->n.current_vmptr, VMXE_VMPTR_NONE);
	assert_int_equal(page_vmcs12(e, VMCS_B)->GUEST_RIP, 0x3333);
	expect_exception(emulate(e, VMX_EXIT_VMREAD), VMXE_VEC_UD, false, 0);
	vmxon_ok(e);
	vmptrld_ok(e, VMCS_B);
	assert_int_equal(e->cache->GUEST_RIP, 0x3333);
}

struct inv_case {
	const char *name;
	uint32_t reason;
	uint64_t type, lo, hi;
	void (*prep)(struct env *e);
	enum vmxe_insn_kind kind;
	enum vmxe_insn_error err;
	enum vmxe_inv_kind inv;
};

static void prep_no_single_nonglobal(struct env *e)
{
	set_cap(e, VMXE_MSR_EPT_VPID_CAP,
		BOCHS_EPT_VPID_CAP & ~VMX_MASK(VMX_EPT_VPID_INVVPID_SINGLE_GLOBALS));
}
static void prep_no_vpid(struct env *e)
{
	set_cap(e, VMXE_MSR_PROCBASED_CTLS2, vmxe_ctl_msr_make(0, VMX_MASK(VMX_PROC2_ENABLE_EPT)));
}
static void prep_no_invvpid(struct env *e)
{
	set_cap(e, VMXE_MSR_EPT_VPID_CAP, BOCHS_EPT_VPID_CAP & ~VMX_MASK(VMX_EPT_VPID_INVVPID));
}
static void prep_no_ept(struct env *e)
{
	set_cap(e, VMXE_MSR_PROCBASED_CTLS2, vmxe_ctl_msr_make(0, VMX_MASK(VMX_PROC2_ENABLE_VPID)));
}
static void prep_no_invept(struct env *e)
{
	set_cap(e, VMXE_MSR_EPT_VPID_CAP, BOCHS_EPT_VPID_CAP & ~VMX_MASK(VMX_EPT_VPID_INVEPT));
}
static void prep_no_secondary(struct env *e)
{
	set_cap(e, VMXE_MSR_PROCBASED_CTLS,
		vmxe_ctl_msr_make(VMX_PROC_DEFAULT1,
				  0xffffffffu & ~(uint32_t)VMX_MASK(VMX_PROC_SECONDARY_CONTROLS)));
}
static void prep_desc_unmapped(struct env *e)
{
	e->c.cpu.gpr[VMXE_RBX] = LA_UNMAPPED - 8;
}

#define EPTP_WB4 (0x5000ull | 6 | (3 << 3)) /* WB, 4-level */
#define INVVPID	 VMX_EXIT_INVVPID
#define INVEPT	 VMX_EXIT_INVEPT
#define SUCC	 VMXE_INSN_SUCCEED
#define FAILV	 VMXE_INSN_FAIL_VALID
#define EXC	 VMXE_INSN_EXCEPTION
#define E28	 VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND

static const struct inv_case inv_cases[] = {
    {"INVVPID address", INVVPID, 0, 1, 0xffff888000001000ull, prep_none, SUCC, VMXE_OK,
     VMXE_INV_VPID_ADDR},
    {"INVVPID address non-canonical", INVVPID, 0, 1, 0x0000900000000000ull, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVVPID address, VPID 0", INVVPID, 0, 0, 0x1000, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVVPID single", INVVPID, 1, 5, 0, prep_none, SUCC, VMXE_OK, VMXE_INV_VPID_SINGLE},
    {"INVVPID single, VPID 0", INVVPID, 1, 0, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVVPID all, VPID 0 fine", INVVPID, 2, 0, 0xbad, prep_none, SUCC, VMXE_OK, VMXE_INV_VPID_ALL},
    {"INVVPID single non-global", INVVPID, 3, 7, 0, prep_none, SUCC, VMXE_OK,
     VMXE_INV_VPID_SINGLE_NONGLOBAL},
    {"INVVPID single non-global, VPID 0", INVVPID, 3, 0, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVVPID type 4", INVVPID, 4, 1, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVVPID type beyond 32 bits", INVVPID, 1ull << 32 | 1, 1, 0, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVVPID reserved descriptor bits", INVVPID, 1, 0x10005, 0, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVVPID type not offered", INVVPID, 3, 7, 0, prep_no_single_nonglobal, FAILV, E28,
     VMXE_INV_NONE},
    {"INVVPID without VPID: #UD", INVVPID, 1, 5, 0, prep_no_vpid, EXC, VMXE_OK, VMXE_INV_NONE},
    {"INVVPID not offered: #UD", INVVPID, 1, 5, 0, prep_no_invvpid, EXC, VMXE_OK, VMXE_INV_NONE},
    {"INVVPID descriptor faults: #PF", INVVPID, 1, 5, 0, prep_desc_unmapped, EXC, VMXE_OK,
     VMXE_INV_NONE},
    {"INVEPT single", INVEPT, 1, EPTP_WB4, 0, prep_none, SUCC, VMXE_OK, VMXE_INV_EPT_SINGLE},
    {"INVEPT single, A/D (offered)", INVEPT, 1, EPTP_WB4 | 0x40, 0, prep_none, SUCC, VMXE_OK,
     VMXE_INV_EPT_SINGLE},
    {"INVEPT single, UC (offered)", INVEPT, 1, (EPTP_WB4 & ~7ull), 0, prep_none, SUCC, VMXE_OK,
     VMXE_INV_EPT_SINGLE},
    {"INVEPT all", INVEPT, 2, 0, 0, prep_none, SUCC, VMXE_OK, VMXE_INV_EPT_ALL},
    {"INVEPT type 0", INVEPT, 0, EPTP_WB4, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVEPT type 3", INVEPT, 3, EPTP_WB4, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVEPT memory type WC", INVEPT, 1, (EPTP_WB4 & ~7ull) | 1, 0, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVEPT 5-level not offered", INVEPT, 1, (EPTP_WB4 & ~0x38ull) | (4 << 3), 0, prep_none, FAILV,
     E28, VMXE_INV_NONE},
    {"INVEPT bits 11:8", INVEPT, 1, EPTP_WB4 | 0x100, 0, prep_none, FAILV, E28, VMXE_INV_NONE},
    {"INVEPT beyond MAXPHYADDR", INVEPT, 1, EPTP_WB4 | (1ull << MAXPHY), 0, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVEPT shadow-stack bit not offered", INVEPT, 1, EPTP_WB4 | 0x80, 0, prep_none, FAILV, E28,
     VMXE_INV_NONE},
    {"INVEPT without EPT: #UD", INVEPT, 2, 0, 0, prep_no_ept, EXC, VMXE_OK, VMXE_INV_NONE},
    {"INVEPT not offered: #UD", INVEPT, 2, 0, 0, prep_no_invept, EXC, VMXE_OK, VMXE_INV_NONE},
    {"INVEPT, no secondary controls: #UD", INVEPT, 2, 0, 0, prep_no_secondary, EXC, VMXE_OK,
     VMXE_INV_NONE},
};

static void test_invept_invvpid(void **state)
{
	struct env *e = *state;
	size_t i;

	for (i = 0; i < sizeof(inv_cases) / sizeof(inv_cases[0]); i++) {
		const struct inv_case *t = &inv_cases[i];
		struct vmxe_insn_result r;

		env_reset(e);
		vmxon_ok(e);
		vmptrld_ok(e, VMCS_A);
		put64(e, OPND, t->lo);
		put64(e, OPND + 8, t->hi);
		e->c.cpu.gpr[VMXE_RBX] = KERNEL + OPND;
		e->c.cpu.gpr[VMXE_RDI] = t->type;
		e->c.insn_info = II_MEM_RBX | II_REG2(VMXE_RDI);
		t->prep(e);
		print_message("%s\n", t->name);
		r = emulate(e, t->reason);
		expect_kind(r, t->kind);
		assert_int_equal(r.inv.kind, t->inv);
		if (t->kind == FAILV)
			expect_fail_valid(e, r, t->err);
		if (t->kind == EXC)
			assert_int_equal(r.vector,
					 t->prep == prep_desc_unmapped ? VMXE_VEC_PF : VMXE_VEC_UD);
		if (t->inv == VMXE_INV_VPID_ADDR || t->inv == VMXE_INV_VPID_SINGLE) {
			assert_int_equal(r.inv.vpid, (uint16_t)t->lo);
			assert_int_equal(r.inv.addr, t->hi);
		}
		if (t->inv == VMXE_INV_EPT_SINGLE)
			assert_int_equal(r.inv.eptp, t->lo);
	}
}

static void test_rflags_after(void **state)
{
	static const struct {
		enum vmxe_insn_kind kind;
		uint64_t in, out;
	} cases[] = {
	    {VMXE_INSN_SUCCEED, 0x8d7, 0x2},
	    {VMXE_INSN_SUCCEED, UINT64_MAX, ~STATUS},
	    {VMXE_INSN_FAIL_INVALID, 0x2, 0x3},
	    {VMXE_INSN_FAIL_INVALID, UINT64_MAX, ~STATUS | VMXE_RFLAGS_CF},
	    {VMXE_INSN_FAIL_VALID, 0x202, 0x242},
	    {VMXE_INSN_FAIL_VALID, UINT64_MAX, ~STATUS | VMXE_RFLAGS_ZF},
	    {VMXE_INSN_EXCEPTION, 0x8d7, 0x8d7},
	    {VMXE_INSN_VMENTRY, 0x8d7, 0x8d7},
	    {VMXE_INSN_UNHANDLED, 0x8d7, 0x8d7},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmxe_insn_result r = {.kind = cases[i].kind};

		assert_int_equal(vmxe_rflags_after(cases[i].in, &r), cases[i].out);
	}
}

/* The one failure rule: VMfailValid with a current VMCS (error stored), else VMfailInvalid. */
static void test_fail_rule(void **state)
{
	struct env *e = *state;
	struct vmxe_insn_result r = {.kind = VMXE_INSN_VMENTRY, .refused = true};

	vmxe_insn_fail(&e->n, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD, &r);
	assert_int_equal(r.kind, VMXE_INSN_FAIL_INVALID);
	assert_int_equal(r.error, VMXE_FAIL_INVALID);
	assert_true(r.refused); /* the rest of the result is kept */

	vmxon_ok(e);
	vmptrld_ok(e, VMCS_A);
	assert_false(e->n.vmcs12_dirty);
	vmxe_insn_fail(&e->n, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD, &r);
	assert_int_equal(r.kind, VMXE_INSN_FAIL_VALID);
	assert_int_equal(r.error, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD);
	assert_int_equal(e->cache->VM_INSTRUCTION_ERROR, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD);
	assert_true(e->n.vmcs12_dirty);

	vmxe_insn_fail(&e->n, VMXE_FAIL_INVALID, &r);
	assert_int_equal(r.kind, VMXE_INSN_FAIL_INVALID);
	assert_int_equal(e->cache->VM_INSTRUCTION_ERROR, VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD);

	assert_int_equal(vmxe_nested_flush(&e->n, &e->mem), VMXE_GMEM_OK);
	assert_false(e->n.vmcs12_dirty);
	assert_int_equal(page_vmcs12(e, VMCS_A)->VM_INSTRUCTION_ERROR,
			 VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD);
}

static void test_unhandled_reasons(void **state)
{
	struct env *e = *state;

	expect_kind(emulate(e, VMX_EXIT_CPUID), VMXE_INSN_UNHANDLED);
	expect_kind(emulate(e, VMX_EXIT_VMCALL), VMXE_INSN_UNHANDLED);
	expect_kind(emulate(e, 100000), VMXE_INSN_UNHANDLED);
	assert_false(e->n.vmxon);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_vmxon, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmxon_in_vmx_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_common_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmclear_vmptrld_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmclear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmptrst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmread_vmwrite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmread_vmwrite_32bit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmlaunch_vmresume, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vmxoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invept_invvpid, setup, teardown),
	    cmocka_unit_test(test_rflags_after),
	    cmocka_unit_test_setup_teardown(test_fail_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unhandled_reasons, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
