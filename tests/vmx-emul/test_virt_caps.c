/*
 * test_virt_caps.c: tests of vmx-emul/virt_caps.c, the capability MSRs L1 sees (SDM Vol. 3C
 * Appendix A). Exact expected values for two hardware sets (Bochs 2.7's real MSRs, and a modern
 * Intel core written down here) under every flag setting, the SDM's relations that must hold for
 * any input (A.3.1 default1 between TRUE and non-TRUE forms, no contradictory control, nothing the
 * hardware lacks), hardware without TRUE controls or without secondary controls, and RDMSR.
 * The expected values are worked out by hand in the comments, not computed by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_caps.h"

#define IDX(msr)    ((msr)-VMXE_VCAPS_FIRST_MSR)
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

struct msr_value {
	uint32_t msr;
	uint64_t value;
};

static void load(struct vmxe_vcaps *hw, const struct msr_value *v, size_t n)
{
	size_t i;

	*hw = (struct vmxe_vcaps){0};
	for (i = 0; i < n; i++) {
		hw->msr[IDX(v[i].msr)] = v[i].value;
		hw->present[IDX(v[i].msr)] = true;
	}
}

/* clang-format off */
/* Bochs 2.7 (the emulator the end-to-end tests run on), as its RDMSR returns them. */
static const struct msr_value bochs[] = {
	{ 0x480, 0x00d810000000002bull }, { 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xf7f9fffe0401e172ull }, { 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull }, { 0x485, 0x00000000600401e0ull },
	{ 0x486, 0x0000000080000021ull }, { 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull }, { 0x489, 0x00000000003727ffull },
	{ 0x48a, 0x0000000000000034ull }, { 0x48b, 0x02177fff00000000ull },
	{ 0x48c, 0x00000f0106334141ull }, { 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xf7f9fffe04006172ull }, { 0x48f, 0x007fffff00036dfbull },
	{ 0x490, 0x0000ffff000011fbull }, { 0x491, 0x0000000000000001ull },
};

/*
 * A modern Intel core, written down for this test in the shape such cores report (not measured):
 * VMCS revision 4 in 1 KiB, dual-monitor SMM, bit 56 (error codes optional); posted interrupts;
 * tertiary controls (bit 17) and secondary exit controls (bit 31) with their MSRs 0x492/0x493;
 * preemption timer rate 7, shutdown and wait-for-SIPI, PT in VMX, 512-entry MSR lists, VMWRITE to
 * exit fields; EPT with execute-only, UC, advanced exit information; VMFUNC EPTP switching.
 */
static const struct msr_value modern[] = {
	{ 0x480, 0x01da040000000004ull }, { 0x481, 0x000000ff00000016ull },
	{ 0x482, 0xfffbfffe0401e172ull }, { 0x483, 0x80ffffff00036dffull },
	{ 0x484, 0x0003ffff000011ffull }, { 0x485, 0x000000007004c1e7ull },
	{ 0x486, 0x0000000080000021ull }, { 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull }, { 0x489, 0x0000000000772fffull },
	{ 0x48a, 0x000000000000002eull }, { 0x48b, 0x005ffcff00000000ull },
	{ 0x48c, 0x00000f0106734141ull }, { 0x48d, 0x000000ff00000016ull },
	{ 0x48e, 0xfffbfffe04006172ull }, { 0x48f, 0x80ffffff00036dfbull },
	{ 0x490, 0x0003ffff000011fbull }, { 0x491, 0x0000000000000001ull },
	{ 0x492, 0x000000000000001full }, { 0x493, 0x0000000000000003ull },
};

#define ABSENT UINT64_MAX /* expected: RDMSR #GPs */

/*
 * Expected values for flags 0, by MSR; with EPT / SHADOW only 0x48b and 0x48c change (see the
 * tests). Worked out by hand:
 *  BASIC     revision kept; size 0x1000 (bits 44:32); WB (6 << 50); INS/OUTS (54) and bit 56 as the
 *            hardware; TRUE (55); dual monitor (49) dropped.
 *  PIN       allowed1 & (bits 0, 3, 5 + default1 1, 2, 4): 0x7f/0xff -> 0x3f; allowed0 0x16.
 *  PROC      allowed1 & offered (every named bit but 17 and 21, plus default1): Bochs 0xf7f9fffe
 *            loses bit 21 -> 0xf7d9fffe; the modern 0xfffbfffe loses 17 and 21 -> 0xffd9fffe. TRUE
 *            allowed0 as the hardware (0x04006172), non-TRUE allowed0 | default1 = 0x0401e172.
 *  EXIT      allowed1 & (bits 2, 9, 15, 18-21 + default1 0x36dff) = 0x3fefff; TRUE allowed0
 *            0x36dfb (bit 2 may be 0), non-TRUE 0x36dff.
 *  ENTRY     allowed1 & (bits 2, 9, 14, 15 + default1 0x11ff) = 0xd3ff; allowed0 0x11fb / 0x11ff.
 *  MISC      bits 5 (0x20), 6 (0x40), CR3 targets 4 (0x40000), 30 (0x40000000) = 0x40040060.
 *  CRx       the hardware's.
 *  VMCS_ENUM highest index of vmcs_fields.def (0x29, INJECTED_EVENT_DATA 0x2052) << 1 = 0x52.
 *  PROC2     allowed1 & bits 2, 3, 6, 10, 11, 12, 16, 20 = 0x111c4c (both CPUs have them all).
 *  absent    EPT_VPID_CAP (no EPT or VPID offered), VMFUNC, PROCBASED_CTLS3, EXIT_CTLS2.
 */
static const struct {
	uint64_t bochs, modern;
} plain[VMXE_VCAPS_COUNT] = {
	[IDX(0x480)] = { 0x00d810000000002bull, 0x01d8100000000004ull }, /* BASIC */
	[IDX(0x481)] = { 0x0000003f00000016ull, 0x0000003f00000016ull }, /* PINBASED_CTLS */
	[IDX(0x482)] = { 0xf7d9fffe0401e172ull, 0xffd9fffe0401e172ull }, /* PROCBASED_CTLS */
	[IDX(0x483)] = { 0x003fefff00036dffull, 0x003fefff00036dffull }, /* EXIT_CTLS */
	[IDX(0x484)] = { 0x0000d3ff000011ffull, 0x0000d3ff000011ffull }, /* ENTRY_CTLS */
	[IDX(0x485)] = { 0x0000000040040060ull, 0x0000000040040060ull }, /* MISC */
	[IDX(0x486)] = { 0x0000000080000021ull, 0x0000000080000021ull }, /* CR0_FIXED0 */
	[IDX(0x487)] = { 0x00000000ffffffffull, 0x00000000ffffffffull }, /* CR0_FIXED1 */
	[IDX(0x488)] = { 0x0000000000002000ull, 0x0000000000002000ull }, /* CR4_FIXED0 */
	[IDX(0x489)] = { 0x00000000003727ffull, 0x0000000000772fffull }, /* CR4_FIXED1 */
	[IDX(0x48a)] = { 0x0000000000000052ull, 0x0000000000000052ull }, /* VMCS_ENUM */
	[IDX(0x48b)] = { 0x00111c4c00000000ull, 0x00111c4c00000000ull }, /* PROCBASED_CTLS2 */
	[IDX(0x48c)] = { ABSENT,                ABSENT                }, /* EPT_VPID_CAP */
	[IDX(0x48d)] = { 0x0000003f00000016ull, 0x0000003f00000016ull }, /* TRUE_PINBASED_CTLS */
	[IDX(0x48e)] = { 0xf7d9fffe04006172ull, 0xffd9fffe04006172ull }, /* TRUE_PROCBASED_CTLS */
	[IDX(0x48f)] = { 0x003fefff00036dfbull, 0x003fefff00036dfbull }, /* TRUE_EXIT_CTLS */
	[IDX(0x490)] = { 0x0000d3ff000011fbull, 0x0000d3ff000011fbull }, /* TRUE_ENTRY_CTLS */
	[IDX(0x491)] = { ABSENT,                ABSENT                }, /* VMFUNC */
	[IDX(0x492)] = { ABSENT,                ABSENT                }, /* PROCBASED_CTLS3 */
	[IDX(0x493)] = { ABSENT,                ABSENT                }, /* EXIT_CTLS2 */
};
/* clang-format on */

/* PROC2 with EPT adds bits 1, 5, 7 (0xa2); with SHADOW bit 14 (0x4000). EPT_VPID_CAP with EPT:
 * 0xf0106334141 (Bochs) less execute-only (0) and UC (8); 0xf0106734141 (modern) also less
 * advanced exit information (22): both 0xf0106334040. */
#define PROC2_EPT    0x00111cee00000000ull
#define PROC2_SHADOW 0x00115c4c00000000ull
#define PROC2_BOTH   0x00115cee00000000ull
#define EPT_VPID_L1  0x00000f0106334040ull

static void expect_all(const struct vmxe_vcaps *got, const uint64_t *want)
{
	uint32_t msr;

	for (msr = VMXE_VCAPS_FIRST_MSR; msr <= VMXE_VCAPS_LAST_MSR; msr++) {
		uint64_t v = 0;
		bool present = vmxe_vcaps_read(got, msr, &v);

		if (want[IDX(msr)] == ABSENT) {
			if (present)
				fail_msg("MSR %#x should be absent, reads %#llx", msr,
					 (unsigned long long)v);
			continue;
		}
		if (!present || v != want[IDX(msr)])
			fail_msg("MSR %#x: want %#llx, got %s%#llx", msr,
				 (unsigned long long)want[IDX(msr)], present ? "" : "absent ",
				 (unsigned long long)v);
	}
}

/* @base with 0x48b and 0x48c replaced. */
static void expect_with(const struct vmxe_vcaps *got, const uint64_t *base, uint64_t proc2,
			uint64_t ept_vpid)
{
	uint64_t want[VMXE_VCAPS_COUNT];
	size_t i;

	for (i = 0; i < VMXE_VCAPS_COUNT; i++)
		want[i] = base[i];
	want[IDX(VMXE_MSR_PROCBASED_CTLS2)] = proc2;
	want[IDX(VMXE_MSR_EPT_VPID_CAP)] = ept_vpid;
	expect_all(got, want);
}

static void test_exact_values(void **state)
{
	static const struct {
		const struct msr_value *hw;
		size_t n;
		bool modern;
	} cpus[] = {{bochs, COUNT_OF(bochs), false}, {modern, COUNT_OF(modern), true}};
	uint64_t want[VMXE_VCAPS_COUNT];
	struct vmxe_vcaps hw, l1;
	size_t i, m;

	(void)state;
	for (i = 0; i < COUNT_OF(cpus); i++) {
		for (m = 0; m < VMXE_VCAPS_COUNT; m++)
			want[m] = cpus[i].modern ? plain[m].modern : plain[m].bochs;
		load(&hw, cpus[i].hw, cpus[i].n);
		vmxe_vcaps_compute(&hw, 0, &l1);
		expect_all(&l1, want);
		vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT, &l1);
		expect_with(&l1, want, PROC2_EPT, EPT_VPID_L1);
		vmxe_vcaps_compute(&hw, VMXE_VCAPS_SHADOW, &l1);
		expect_with(&l1, want, PROC2_SHADOW, ABSENT);
		vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT | VMXE_VCAPS_SHADOW, &l1);
		expect_with(&l1, want, PROC2_BOTH, EPT_VPID_L1);
	}
}

/* The VMCS_ENUM value above is the X-macro's highest index, not a number copied by hand. */
static void test_vmcs_enum_follows_field_table(void **state)
{
	struct vmxe_vcaps hw, l1;
	uint64_t v;

	(void)state;
	load(&hw, bochs, COUNT_OF(bochs));
	vmxe_vcaps_compute(&hw, 0, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_VMCS_ENUM, &v));
	assert_int_equal(v, (uint64_t)vmxe_field_highest_index() << 1);
	assert_int_equal(VMX_GET(VMX_VMCS_ENUM_HIGHEST_INDEX, v), vmcs_enc_index(0x2052));
}

static const uint32_t default1[][3] = {
    {VMXE_MSR_PINBASED_CTLS, VMXE_MSR_TRUE_PINBASED_CTLS, VMX_PIN_DEFAULT1},
    {VMXE_MSR_PROCBASED_CTLS, VMXE_MSR_TRUE_PROCBASED_CTLS, VMX_PROC_DEFAULT1},
    {VMXE_MSR_EXIT_CTLS, VMXE_MSR_TRUE_EXIT_CTLS, VMX_EXIT_DEFAULT1},
    {VMXE_MSR_ENTRY_CTLS, VMXE_MSR_TRUE_ENTRY_CTLS, VMX_ENTRY_DEFAULT1},
};

/* SDM A.3.1: the non-TRUE form is the TRUE one with the default1 bits forced to 1; no control
 * is both required and forbidden; nothing is allowed that the hardware forbids. */
static void check_relations(const struct vmxe_vcaps *hw, const struct vmxe_vcaps *l1)
{
	size_t i;

	for (i = 0; i < COUNT_OF(default1); i++) {
		uint64_t plain = l1->msr[IDX(default1[i][0])], tru = l1->msr[IDX(default1[i][1])];
		uint64_t hw_plain = hw->msr[IDX(default1[i][0])];

		assert_int_equal(vmxe_ctl_allowed1(plain), vmxe_ctl_allowed1(tru));
		assert_int_equal(vmxe_ctl_allowed0(plain), vmxe_ctl_allowed0(tru) | default1[i][2]);
		assert_int_equal(vmxe_ctl_allowed0(plain) & ~vmxe_ctl_allowed1(plain), 0);
		assert_int_equal(vmxe_ctl_allowed0(tru) & ~vmxe_ctl_allowed1(tru), 0);
		assert_int_equal(vmxe_ctl_allowed1(plain) & ~vmxe_ctl_allowed1(hw_plain), 0);
	}
	if (l1->present[IDX(VMXE_MSR_PROCBASED_CTLS2)])
		assert_int_equal(vmxe_ctl_allowed1(l1->msr[IDX(VMXE_MSR_PROCBASED_CTLS2)]) &
				     ~vmxe_ctl_allowed1(hw->msr[IDX(VMXE_MSR_PROCBASED_CTLS2)]),
				 0);
	assert_int_equal(l1->msr[IDX(VMXE_MSR_EPT_VPID_CAP)] & ~hw->msr[IDX(VMXE_MSR_EPT_VPID_CAP)],
			 0);
}

static void test_relations_hold(void **state)
{
	static const unsigned int flag_sets[] = {0, VMXE_VCAPS_EPT, VMXE_VCAPS_SHADOW,
						 VMXE_VCAPS_EPT | VMXE_VCAPS_SHADOW};
	struct vmxe_vcaps hw, l1;
	size_t f;

	(void)state;
	for (f = 0; f < COUNT_OF(flag_sets); f++) {
		load(&hw, bochs, COUNT_OF(bochs));
		vmxe_vcaps_compute(&hw, flag_sets[f], &l1);
		check_relations(&hw, &l1);
		load(&hw, modern, COUNT_OF(modern));
		vmxe_vcaps_compute(&hw, flag_sets[f], &l1);
		check_relations(&hw, &l1);
	}
}

/* Without TRUE MSRs (BASIC bit 55 clear), the hardware's non-TRUE settings are the base: the
 * default1 bits stay required in L1's TRUE form too (no MSR said they may be 0), and L1 still
 * gets TRUE MSRs. */
static void test_hardware_without_true_controls(void **state)
{
	struct vmxe_vcaps hw, l1;
	uint64_t v;

	(void)state;
	load(&hw, bochs, 13); /* 0x480..0x48c: no TRUE MSRs, no VMFUNC */
	hw.msr[IDX(VMXE_MSR_BASIC)] &= ~(1ull << 55);
	vmxe_vcaps_compute(&hw, 0, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_BASIC, &v));
	assert_int_equal(v, 0x00d810000000002bull);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_TRUE_PROCBASED_CTLS, &v));
	assert_int_equal(v, 0xf7d9fffe0401e172ull);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_TRUE_EXIT_CTLS, &v));
	assert_int_equal(v, 0x003fefff00036dffull);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_TRUE_ENTRY_CTLS, &v));
	assert_int_equal(v, 0x0000d3ff000011ffull);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_PROCBASED_CTLS, &v));
	assert_int_equal(v, 0xf7d9fffe0401e172ull);
}

/* Without secondary controls, "activate secondary controls" is not offered and 0x48b/0x48c are
 * absent, even with the EPT flag. */
static void test_hardware_without_secondary_controls(void **state)
{
	struct vmxe_vcaps hw, l1;
	uint64_t v;

	(void)state;
	load(&hw, bochs, COUNT_OF(bochs));
	hw.present[IDX(VMXE_MSR_PROCBASED_CTLS2)] = false;
	hw.present[IDX(VMXE_MSR_EPT_VPID_CAP)] = false;
	hw.msr[IDX(VMXE_MSR_TRUE_PROCBASED_CTLS)] &= ~(1ull << (32 + 31));
	hw.msr[IDX(VMXE_MSR_PROCBASED_CTLS)] &= ~(1ull << (32 + 31));
	vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_TRUE_PROCBASED_CTLS, &v));
	assert_int_equal(v, 0x77d9fffe04006172ull);
	assert_false(vmxe_vcaps_read(&l1, VMXE_MSR_PROCBASED_CTLS2, &v));
	assert_false(vmxe_vcaps_read(&l1, VMXE_MSR_EPT_VPID_CAP, &v));
}

/* The EPT flag on hardware without EPT: no EPT, no unrestricted guest (it needs EPT), VPID if
 * the hardware has it, and EPT_VPID_CAP present for VPID's sake. */
static void test_ept_flag_without_hardware_ept(void **state)
{
	struct vmxe_vcaps hw, l1;
	uint64_t v;

	(void)state;
	load(&hw, bochs, COUNT_OF(bochs));
	hw.msr[IDX(VMXE_MSR_PROCBASED_CTLS2)] &= ~(((1ull << 1) | (1ull << 7)) << 32);
	vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_PROCBASED_CTLS2, &v));
	assert_int_equal(v, 0x00111c6c00000000ull); /* 0x111c4c + VPID (bit 5) */
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_EPT_VPID_CAP, &v));
	assert_int_equal(v, EPT_VPID_L1);
	/* Unrestricted guest alone, without EPT: dropped as well. */
	hw.msr[IDX(VMXE_MSR_PROCBASED_CTLS2)] |= (1ull << 7) << 32;
	vmxe_vcaps_compute(&hw, VMXE_VCAPS_EPT, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_PROCBASED_CTLS2, &v));
	assert_int_equal(v, 0x00111c6c00000000ull);
}

static void test_read(void **state)
{
	static const uint32_t not_vmx[] = {0, 0x3a, 0x47f, 0x494, 0xc0000080, UINT32_MAX};
	struct vmxe_vcaps hw, l1;
	uint64_t v = 0x1234;
	size_t i;

	(void)state;
	load(&hw, modern, COUNT_OF(modern));
	vmxe_vcaps_compute(&hw, 0, &l1);
	assert_true(vmxe_vcaps_read(&l1, VMXE_MSR_CR4_FIXED1, &v));
	assert_int_equal(v, 0x772fff);
	for (i = 0; i < COUNT_OF(not_vmx); i++) {
		v = 0x1234;
		assert_false(vmxe_vcaps_read(&l1, not_vmx[i], &v));
		assert_int_equal(v, 0x1234); /* untouched on #GP */
	}
	/* Present in the hardware, absent for L1. */
	assert_false(vmxe_vcaps_read(&l1, VMXE_MSR_VMFUNC, &v));
	assert_false(vmxe_vcaps_read(&l1, VMXE_MSR_PROCBASED_CTLS3, &v));
	assert_false(vmxe_vcaps_read(&l1, VMXE_MSR_EXIT_CTLS2, &v));
	assert_int_equal(v, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_values),
	    cmocka_unit_test(test_vmcs_enum_follows_field_table),
	    cmocka_unit_test(test_relations_hold),
	    cmocka_unit_test(test_hardware_without_true_controls),
	    cmocka_unit_test(test_hardware_without_secondary_controls),
	    cmocka_unit_test(test_ept_flag_without_hardware_ept),
	    cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
