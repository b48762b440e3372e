/*
 * test_operand.c: table-driven tests of vmx-emul/operand.c: L1's mode and CPL, register operands
 * by operand size, and the linear address of memory operands decoded from the VM-exit
 * instruction-information field and the displacement in the exit qualification (SDM Vol. 3C
 * 28.2.5): [base], [base + index * scale + disp], RIP-relative (no base, no index), 16/32-bit
 * address-size wrap-around, FS/GS bases in 64-bit mode, canonical checks (#GP(0), #SS(0)),
 * segment limits, types and expand-down segments outside 64-bit mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/l1_paging.h"
#include "vmx-emul/operand.h"
#include "vmx-emul/vmx_caps.h"

#define NONE	   (-1)
#define CR0_PE	   VMX_MASK(VMX_CR0_PE)
#define CR4_LA57   VMX_MASK(VMX_CR4_LA57)
#define AR_DATA_RW (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_WRITABLE | VMXE_AR_TYPE_ACCESSED)
#define AR_CODE64  (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_CODE | VMXE_AR_TYPE_READABLE | VMXE_AR_L)
#define AR_CODE32  (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_CODE | VMXE_AR_TYPE_READABLE | VMXE_AR_DB)

/* An instruction-information value for a memory operand (base/index: a register or NONE). */
#define mem_info(scale, asz, seg, index, base)                                                     \
	((uint32_t)(scale) | ((uint32_t)(asz) << VMXE_II_ADDR_SIZE_SHIFT) |                        \
	 ((uint32_t)(seg) << VMXE_II_SEG_SHIFT) |                                                  \
	 ((index) == NONE ? VMXE_II_INDEX_INVALID : (uint32_t)(index) << VMXE_II_INDEX_SHIFT) |    \
	 ((base) == NONE ? VMXE_II_BASE_INVALID : (uint32_t)(base) << VMXE_II_BASE_SHIFT))

/* L1 in 64-bit mode at CPL 0, with distinct register values and segment bases. */
static void cpu64(struct vmxe_l1_cpu *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < VMXE_GPR_COUNT; i++)
		c->gpr[i] = 0x1000ull * (i + 1);
	for (i = 0; i < VMXE_SREG_COUNT; i++)
		c->seg[i] = (struct vmxe_segment){0x100000ull * (i + 1), 0xffffffffu, AR_DATA_RW};
	c->seg[VMXE_CS].ar = AR_CODE64;
	c->cr0 = CR0_PE | VMX_MASK(VMX_CR0_PG);
	c->cr4 = VMX_MASK(VMX_CR4_PAE);
	c->efer = VMXE_EFER_LMA;
}

/* The same in 32-bit protected mode (flat unless a case changes a segment). */
static void cpu32(struct vmxe_l1_cpu *c)
{
	cpu64(c);
	c->efer = 0;
	c->seg[VMXE_CS].ar = AR_CODE32;
}

static void test_mode_and_cpl(void **state)
{
	static const struct {
		uint64_t cr0, rflags, efer;
		uint32_t cs_ar, ss_ar;
		enum vmxe_cpu_mode mode;
		unsigned int cpl;
	} cases[] = {
	    {0, 0, 0, AR_CODE32, AR_DATA_RW | (3u << VMXE_AR_DPL_SHIFT), VMXE_MODE_REAL, 0},
	    {CR0_PE, VMXE_RFLAGS_VM, 0, AR_CODE32, AR_DATA_RW, VMXE_MODE_V86, 3},
	    {CR0_PE, 0, 0, AR_CODE32, AR_DATA_RW, VMXE_MODE_PROTECTED, 0},
	    {CR0_PE, 0, 0, AR_CODE32, AR_DATA_RW | (3u << VMXE_AR_DPL_SHIFT), VMXE_MODE_PROTECTED,
	     3},
	    {CR0_PE, 0, VMXE_EFER_LMA, AR_CODE32, AR_DATA_RW, VMXE_MODE_COMPAT, 0},
	    {CR0_PE, 0, VMXE_EFER_LMA, AR_CODE64, AR_DATA_RW, VMXE_MODE_64BIT, 0},
	    {CR0_PE, 0, VMXE_EFER_LMA, AR_CODE64, AR_DATA_RW | (1u << VMXE_AR_DPL_SHIFT),
	     VMXE_MODE_64BIT, 1},
	};
	struct vmxe_l1_cpu c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cpu64(&c);
		c.cr0 = cases[i].cr0;
		c.rflags = cases[i].rflags;
		c.efer = cases[i].efer;
		c.seg[VMXE_CS].ar = cases[i].cs_ar;
		c.seg[VMXE_SS].ar = cases[i].ss_ar;
		assert_int_equal(vmxe_cpu_mode(&c), cases[i].mode);
		assert_int_equal(vmxe_cpu_cpl(&c), cases[i].cpl);
		assert_int_equal(vmxe_operand_bytes(&c), cases[i].mode == VMXE_MODE_64BIT ? 8 : 4);
	}
}

static void test_register_operands(void **state)
{
	struct vmxe_l1_cpu c;

	(void)state;
	cpu64(&c);
	c.gpr[VMXE_R13] = 0x123456789abcdef0ull;
	assert_int_equal(vmxe_operand_reg_read(&c, VMXE_R13), 0x123456789abcdef0ull);
	vmxe_operand_reg_write(&c, VMXE_R9, 0xfedcba9876543210ull);
	assert_int_equal(c.gpr[VMXE_R9], 0xfedcba9876543210ull);

	cpu32(&c);
	c.gpr[VMXE_RSI] = 0x123456789abcdef0ull;
	assert_int_equal(vmxe_operand_reg_read(&c, VMXE_RSI), 0x9abcdef0u);
	c.gpr[VMXE_RDI] = UINT64_MAX;
	vmxe_operand_reg_write(&c, VMXE_RDI, 0xfedcba9876543210ull);
	assert_int_equal(c.gpr[VMXE_RDI], 0x76543210u); /* zero-extended */

	/* Field decoders. */
	assert_int_equal(vmxe_ii_reg1(5u << VMXE_II_REG1_SHIFT), VMXE_RBP);
	assert_int_equal(vmxe_ii_reg2(0xfu << VMXE_II_REG2_SHIFT), VMXE_R15);
	assert_true(vmxe_ii_is_reg(VMXE_II_IS_REG));
	assert_int_equal(vmxe_ii_seg(mem_info(0, VMXE_ADDR64, VMXE_GS, NONE, NONE)), VMXE_GS);
	assert_int_equal(vmxe_ii_addr_size(mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, NONE)),
			 VMXE_ADDR32);
}

struct lin_case {
	const char *name;
	bool prot;	  /* 32-bit protected mode (else 64-bit mode) */
	uint32_t info;	  /* from mem_info() */
	uint64_t qual;	  /* displacement */
	uint64_t base_v;  /* value of the base register (RBX or R12), when used */
	uint64_t index_v; /* value of the index register (RSI or R11), when used */
	enum vmxe_sreg seg;
	uint64_t seg_base;
	uint32_t seg_limit, seg_ar;
	uint64_t cr4_extra;
	unsigned int size;
	bool write;
	enum vmxe_operand_status want;
	uint64_t la;
};

#define FS_BASE	 0x7f0000000000ull
#define RO_DATA	 (VMXE_AR_P | VMXE_AR_S)
#define XO_CODE	 (VMXE_AR_P | VMXE_AR_S | VMXE_AR_TYPE_CODE)
#define EXP_DOWN (AR_DATA_RW | VMXE_AR_TYPE_EXPAND_DOWN)
#define FLAT	 0xffffffffu

static const struct lin_case lin_cases[] = {
    /* 64-bit mode: DS/ES/SS/CS bases do not count. */
    {"[rbx]", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, VMXE_RBX), 0, 0x1000, 0, VMXE_DS,
     0x5000, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x1000},
    {"[rbx+rsi*8+0x40]", false, mem_info(3, VMXE_ADDR64, VMXE_DS, VMXE_RSI, VMXE_RBX), 0x40,
     0x100000, 0x10, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x1000c0},
    {"[r12+r11*2-16]", false, mem_info(1, VMXE_ADDR64, VMXE_SS, VMXE_R11, VMXE_R12), (uint64_t)-16,
     0x2000, 0x8, VMXE_SS, 0, FLAT, AR_DATA_RW, 0, 8, true, VMXE_OPERAND_OK, 0x2000},
    {"[rsi*4] no base", false, mem_info(2, VMXE_ADDR64, VMXE_ES, VMXE_RSI, NONE), 0, 0, 0x400,
     VMXE_ES, 0x9000, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x1000},
    {"RIP-relative: disp only", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, NONE),
     0xffffffff81234560ull, 0, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK,
     0xffffffff81234560ull},
    {"fs:[rbx]", false, mem_info(0, VMXE_ADDR64, VMXE_FS, NONE, VMXE_RBX), 8, 0x100, 0, VMXE_FS,
     FS_BASE, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, FS_BASE + 0x108},
    {"gs:[disp] kernel per-cpu", false, mem_info(0, VMXE_ADDR64, VMXE_GS, NONE, NONE), 0x28, 0, 0,
     VMXE_GS, 0xffff888000000000ull, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK,
     0xffff888000000028ull},
    {"addr32 wraps the offset", false, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 0x20,
     0x1fffffff0ull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x10},
    {"addr32 + fs base not wrapped", false, mem_info(0, VMXE_ADDR32, VMXE_FS, NONE, VMXE_RBX), 0x20,
     0xfffffff0ull, 0, VMXE_FS, 0x100000000ull, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK,
     0x100000010ull},
    {"non-canonical: #GP", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, VMXE_RBX), 0,
     0x0000800000000000ull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"non-canonical via ss: #SS", false, mem_info(0, VMXE_ADDR64, VMXE_SS, NONE, VMXE_RBX), 0,
     0xfff0000000000000ull, 0, VMXE_SS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_SS, 0},
    {"last byte non-canonical", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, VMXE_RBX), 0,
     0x00007ffffffffffcull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"fs base makes it non-canonical", false, mem_info(0, VMXE_ADDR64, VMXE_FS, NONE, NONE), 0x10,
     0, 0, VMXE_FS, 0x00007ffffffffff8ull, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"LA57 widens canonical", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, VMXE_RBX), 0,
     0x00ff000000000000ull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, CR4_LA57, 8, false, VMXE_OPERAND_OK,
     0x00ff000000000000ull},
    {"LA57 still has a limit", false, mem_info(0, VMXE_ADDR64, VMXE_DS, NONE, VMXE_RBX), 0,
     0x0100000000000000ull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, CR4_LA57, 8, false, VMXE_OPERAND_GP,
     0},
    /* 32-bit protected mode: segment base, limit, type. */
    {"ds base + limit ok", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 4, 0x10, 0,
     VMXE_DS, 0x10000, 0x1f, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x10014},
    {"beyond ds limit: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 4, 0x18, 0,
     VMXE_DS, 0x10000, 0x1f, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"beyond ss limit: #SS", true, mem_info(0, VMXE_ADDR32, VMXE_SS, NONE, VMXE_RBX), 0, 0x1c, 0,
     VMXE_SS, 0, 0x1f, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_SS, 0},
    {"offset past 4 GiB: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 0,
     0xfffffffcull, 0, VMXE_DS, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"linear wraps at 4 GiB", true, mem_info(0, VMXE_ADDR32, VMXE_ES, NONE, VMXE_RBX), 0, 0x2000, 0,
     VMXE_ES, 0xfffff000ull, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_OK, 0x1000},
    {"addr16 wraps [bx+si+disp]", true, mem_info(0, VMXE_ADDR16, VMXE_DS, VMXE_RSI, VMXE_RBX),
     (uint64_t)-2, 0xffff, 0x5, VMXE_DS, 0x20000, 0xffff, AR_DATA_RW, 0, 4, false, VMXE_OPERAND_OK,
     0x20002},
    {"write to read-only data: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 0,
     0x10, 0, VMXE_DS, 0, FLAT, RO_DATA, 0, 8, true, VMXE_OPERAND_GP, 0},
    {"read of read-only data", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 0, 0x10, 0,
     VMXE_DS, 0, FLAT, RO_DATA, 0, 8, false, VMXE_OPERAND_OK, 0x10},
    {"read of readable code", true, mem_info(0, VMXE_ADDR32, VMXE_CS, NONE, VMXE_RBX), 0, 0x10, 0,
     VMXE_CS, 0x400, FLAT, AR_CODE32, 0, 8, false, VMXE_OPERAND_OK, 0x410},
    {"write to code: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_CS, NONE, VMXE_RBX), 0, 0x10, 0,
     VMXE_CS, 0, FLAT, AR_CODE32, 0, 8, true, VMXE_OPERAND_GP, 0},
    {"read of execute-only code: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_CS, NONE, VMXE_RBX), 0,
     0x10, 0, VMXE_CS, 0, FLAT, XO_CODE, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"unusable fs: #GP", true, mem_info(0, VMXE_ADDR32, VMXE_FS, NONE, VMXE_RBX), 0, 0x10, 0,
     VMXE_FS, 0, FLAT, AR_DATA_RW | VMXE_AR_UNUSABLE, 0, 8, false, VMXE_OPERAND_GP, 0},
    {"expand-down: above limit ok", true, mem_info(0, VMXE_ADDR32, VMXE_SS, NONE, VMXE_RBX), 0,
     0x2000, 0, VMXE_SS, 0, 0xfff, EXP_DOWN | VMXE_AR_DB, 0, 8, true, VMXE_OPERAND_OK, 0x2000},
    {"expand-down: at limit #SS", true, mem_info(0, VMXE_ADDR32, VMXE_SS, NONE, VMXE_RBX), 0, 0xfff,
     0, VMXE_SS, 0, 0xfff, EXP_DOWN | VMXE_AR_DB, 0, 8, true, VMXE_OPERAND_SS, 0},
    {"expand-down B=0: past 64K #GP", true, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX), 0,
     0xfffc, 0, VMXE_DS, 0, 0xfff, EXP_DOWN, 0, 8, false, VMXE_OPERAND_GP, 0},
    /* Values no CPU reports for these instructions. */
    {"register form", false, VMXE_II_IS_REG, 0, 0, 0, VMXE_ES, 0, FLAT, AR_DATA_RW, 0, 8, false,
     VMXE_OPERAND_BAD_INFO, 0},
    {"segment 6", false, 6u << VMXE_II_SEG_SHIFT | VMXE_II_BASE_INVALID | VMXE_II_INDEX_INVALID, 0,
     0, 0, VMXE_ES, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_BAD_INFO, 0},
    {"address size 3", false, 3u << VMXE_II_ADDR_SIZE_SHIFT | VMXE_II_BASE_INVALID, 0, 0, 0,
     VMXE_ES, 0, FLAT, AR_DATA_RW, 0, 8, false, VMXE_OPERAND_BAD_INFO, 0},
};

static void test_linear_addresses(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lin_cases) / sizeof(lin_cases[0]); i++) {
		const struct lin_case *t = &lin_cases[i];
		struct vmxe_l1_cpu c;
		uint64_t la = 0xdead;
		enum vmxe_operand_status st;

		if (t->prot)
			cpu32(&c);
		else
			cpu64(&c);
		c.gpr[VMXE_RBX] = c.gpr[VMXE_R12] = t->base_v;
		c.gpr[VMXE_RSI] = c.gpr[VMXE_R11] = t->index_v;
		c.seg[t->seg] = (struct vmxe_segment){t->seg_base, t->seg_limit, t->seg_ar};
		c.cr4 |= t->cr4_extra;
		st = vmxe_operand_linear(&c, t->info, t->qual, t->size, t->write, &la);
		print_message("%s\n", t->name);
		assert_int_equal(st, t->want);
		if (st == VMXE_OPERAND_OK)
			assert_int_equal(la, t->la);
	}
}

/* Compatibility mode uses the segmented rules, like protected mode. */
static void test_compat_mode_is_segmented(void **state)
{
	struct vmxe_l1_cpu c;
	uint64_t la;

	(void)state;
	cpu64(&c);
	c.seg[VMXE_CS].ar = AR_CODE32;
	c.seg[VMXE_DS] = (struct vmxe_segment){0x40000, 0xff, AR_DATA_RW};
	c.gpr[VMXE_RBX] = 0x1000000010ull;
	assert_int_equal(vmxe_cpu_mode(&c), VMXE_MODE_COMPAT);
	assert_int_equal(vmxe_operand_linear(&c, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX),
					     0, 8, false, &la),
			 VMXE_OPERAND_OK);
	assert_int_equal(la, 0x40010);
	c.gpr[VMXE_RBX] = 0xfc;
	assert_int_equal(vmxe_operand_linear(&c, mem_info(0, VMXE_ADDR32, VMXE_DS, NONE, VMXE_RBX),
					     0, 8, false, &la),
			 VMXE_OPERAND_GP);
}

/* Every base and index register reaches the address with every scale. */
static void test_every_register_and_scale(void **state)
{
	unsigned int b, x, s;

	(void)state;
	for (b = 0; b < VMXE_GPR_COUNT; b++)
		for (x = 0; x < VMXE_GPR_COUNT; x++)
			for (s = 0; s < 4; s++) {
				struct vmxe_l1_cpu c;
				uint64_t la;

				cpu64(&c);
				assert_int_equal(
				    vmxe_operand_linear(
					&c, mem_info(s, VMXE_ADDR64, VMXE_DS, (int)x, (int)b), 0x7,
					8, false, &la),
				    VMXE_OPERAND_OK);
				assert_int_equal(la, c.gpr[b] + (c.gpr[x] << s) + 0x7);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mode_and_cpl),
	    cmocka_unit_test(test_register_operands),
	    cmocka_unit_test(test_linear_addresses),
	    cmocka_unit_test(test_compat_mode_is_segmented),
	    cmocka_unit_test(test_every_register_and_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
