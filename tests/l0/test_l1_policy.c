/*
 * test_l1_policy.c: tests of L0's decisions about L1 (l0/l1_policy.h): CPUID filtering, CR0/CR4
 * ownership and writes with Bochs's and a typical CPU's fixed MSRs, MSR bitmap bits at the range
 * edges, XCR0 legality, and GDT descriptors decoded into VMCS segment fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l0/hypercall.h"
#include "l0/l1_policy.h"

static void test_cpuid_hides_vmx_and_sets_hypervisor_bit(void **state)
{
	uint32_t r[4] = { 0x000806c1, 0x00100800, 0x7ffafbbf, 0xbfebfbff };

	(void)state;
	l0_cpuid_for_l1(1, 0, false, L0_CR4_OSXSAVE, r);
	assert_int_equal(r[2] & L0_CPUID_1_ECX_VMX, 0);
	assert_int_equal(r[2] & L0_CPUID_1_ECX_HYPERVISOR, L0_CPUID_1_ECX_HYPERVISOR);
	assert_int_equal(r[2] | L0_CPUID_1_ECX_VMX,
			 0x7ffafbbf | L0_CPUID_1_ECX_HYPERVISOR | L0_CPUID_1_ECX_OSXSAVE);
	assert_int_equal(r[0], 0x000806c1);
	assert_int_equal(r[3], 0xbfebfbff);

	r[2] = L0_CPUID_1_ECX_VMX;
	l0_cpuid_for_l1(1, 0, true, 0, r);
	assert_int_equal(r[2], L0_CPUID_1_ECX_VMX | L0_CPUID_1_ECX_HYPERVISOR);
}

/* CPUID.1:ECX.OSXSAVE and CPUID.7:ECX.OSPKE mirror the CR4 of whoever executes CPUID: L0 runs it
 * with its own CR4, so L1 must get its own CR4's bits back (a kernel that turned XSAVE off must
 * not see OSXSAVE, or its user space runs XGETBV and gets #UD). */
static void test_cpuid_mirrors_l1_cr4(void **state)
{
	uint32_t r[4] = { 0, 0, L0_CPUID_1_ECX_OSXSAVE, 0 };
	uint32_t r7[4] = { 0, 0, L0_CPUID_7_ECX_OSPKE | 1u, 0 };

	(void)state;
	l0_cpuid_for_l1(1, 0, false, 0, r);
	assert_int_equal(r[2] & L0_CPUID_1_ECX_OSXSAVE, 0);
	l0_cpuid_for_l1(1, 0, false, L0_CR4_OSXSAVE, r);
	assert_int_equal(r[2] & L0_CPUID_1_ECX_OSXSAVE, L0_CPUID_1_ECX_OSXSAVE);

	l0_cpuid_for_l1(7, 0, false, 0, r7);
	assert_int_equal(r7[2], 1u);
	assert_int_equal(r7[3], L0_CPUID_7_EDX_ARCH_CAPABILITIES); /* L0 always answers it */
	l0_cpuid_for_l1(7, 0, false, L0_CR4_PKE, r7);
	assert_int_equal(r7[2], 1u | L0_CPUID_7_ECX_OSPKE);
	r7[2] = 0;
	l0_cpuid_for_l1(7, 1, false, L0_CR4_PKE, r7); /* another subleaf: left alone */
	assert_int_equal(r7[2], 0);
}

static void test_cpuid_other_leaves_untouched_and_ours_answered(void **state)
{
	uint32_t r[4] = { 1, 2, 0x20, 4 };

	(void)state;
	l0_cpuid_for_l1(7, 0, false, 0, r);
	assert_int_equal(r[0], 1);
	assert_int_equal(r[2], 0x20); /* bit 5 of leaf 7 ECX is not VMX */

	l0_cpuid_for_l1(L0_HC_CPUID_LEAF, 0, false, 0, r);
	assert_int_equal(r[1], L0_HC_SIG_EBX);
	assert_int_equal(r[2], L0_HC_SIG_ECX);
	assert_int_equal(r[3], L0_HC_SIG_EDX);
}

/* Bochs: CR0_FIXED0 0x80000021, CR4_FIXED0 0x2000, FIXED1 all ones in the low half. */
#define BOCHS_CR0_FIXED0 0x80000021ull
#define BOCHS_CR4_FIXED0 0x2000ull
#define FIXED1_LOW 0xffffffffull

static void test_arch_capabilities(void **state)
{
	(void)state;
	assert_int_equal(l0_arch_capabilities_for_l1(0, false), L0_ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
	assert_int_equal(l0_arch_capabilities_for_l1(0x21, true),
			 0x21 | L0_ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
	assert_int_equal(l0_arch_capabilities_for_l1(0x21, false), L0_ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

static void test_cr0_with_unrestricted_guest(void **state)
{
	struct l0_cr_policy p;
	uint64_t real, shadow;

	(void)state;
	l0_cr_policy_init(&p, BOCHS_CR0_FIXED0, FIXED1_LOW, L0_CR0_PE | L0_CR0_PG, 0);
	assert_int_equal(p.force1, L0_CR0_NE);
	assert_int_equal(p.mask & 0xffffffffull, L0_CR0_NE);
	assert_int_equal(p.mask >> 32, 0xffffffffull); /* reserved high half owned too */

	/* L1 clears NE: the CPU keeps it, L1 reads what it wrote */
	assert_true(l0_cr_write(&p, L0_CR0_PE | L0_CR0_PG, &real, &shadow));
	assert_int_equal(real, L0_CR0_PE | L0_CR0_PG | L0_CR0_NE);
	assert_int_equal(shadow, L0_CR0_PE | L0_CR0_PG);

	/* real mode is fine with unrestricted guest */
	assert_true(l0_cr_write(&p, 0, &real, &shadow));
	assert_int_equal(real, L0_CR0_NE);

	/* a reserved high bit is #GP */
	assert_false(l0_cr_write(&p, 1ull << 32, &real, &shadow));
	assert_int_equal(l0_cr_shadow_of(&p, 0x80050033), 0x80050013);
}

static void test_cr4_vmxe_hidden(void **state)
{
	struct l0_cr_policy p;
	uint64_t real, shadow;

	(void)state;
	l0_cr_policy_init(&p, BOCHS_CR4_FIXED0, 0x3767ffull, 0, L0_CR4_VMXE);
	assert_int_equal(p.force1, 0); /* VMXE is hidden, not forced: L0 sets it itself */
	assert_true(p.mask & L0_CR4_VMXE);
	assert_false(l0_cr_write(&p, L0_CR4_VMXE | 0x20, &real, &shadow));
	assert_false(l0_cr_write(&p, 1ull << 22, &real, &shadow)); /* FIXED1 forbids */
	assert_true(l0_cr_write(&p, 0x6f0, &real, &shadow));
	assert_int_equal(real, 0x6f0);
	assert_int_equal(shadow, 0x6f0);

	/* visible VMX (the next stage): VMXE forced and shadowed */
	l0_cr_policy_init(&p, BOCHS_CR4_FIXED0, 0x3767ffull, 0, 0);
	assert_true(l0_cr_write(&p, 0x20, &real, &shadow));
	assert_int_equal(real, 0x20 | L0_CR4_VMXE);
	assert_int_equal(shadow, 0x20);
}

static void test_msr_bitmap_edges(void **state)
{
	static uint8_t bitmap[L0_MSR_BITMAP_SIZE];
	static const uint32_t msrs[] = { 0, 0x3a, 0x480, 0x1fff, 0xc0000000, 0xc0000080,
					 0xc0001fff };

	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		assert_false(l0_msr_bitmap_exits(bitmap, msrs[i], false));
		assert_true(l0_msr_bitmap_intercept(bitmap, msrs[i]));
		assert_true(l0_msr_bitmap_exits(bitmap, msrs[i], false));
		assert_true(l0_msr_bitmap_exits(bitmap, msrs[i], true));
	}
	/* SDM 25.6.9 layout: read-low at 0, read-high at 1024, write-low 2048, write-high 3072 */
	assert_int_equal(bitmap[0x3a / 8], 1u << (0x3a % 8));
	assert_int_equal(bitmap[1024 + 0x80 / 8], 1u);
	assert_int_equal(bitmap[2048 + 0x480 / 8], 1u);
	assert_int_equal(bitmap[3072 + 0x1fff / 8], 0x80u);
	assert_false(l0_msr_bitmap_exits(bitmap, 0x3b, false));

	/* outside both ranges: no bit, and it always exits */
	assert_false(l0_msr_in_bitmap(0x2000));
	assert_false(l0_msr_in_bitmap(0xc0010000));
	assert_false(l0_msr_bitmap_intercept(bitmap, 0xc0002000));
	assert_true(l0_msr_bitmap_exits(bitmap, 0x40000000, false));
}

static void test_xcr0(void **state)
{
	const uint64_t all = 0xe7;

	(void)state;
	assert_true(l0_xcr0_valid(L0_XCR0_X87, all));
	assert_true(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_SSE | L0_XCR0_AVX, all));
	assert_true(l0_xcr0_valid(all, all));
	assert_false(l0_xcr0_valid(0, all));                      /* x87 must stay */
	assert_false(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_AVX, all)); /* AVX without SSE */
	assert_false(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_SSE | (1ull << 9), all)); /* unsupported */
	assert_false(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_SSE | L0_XCR0_AVX | (1ull << 5), all));
	assert_false(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_SSE | L0_XCR0_AVX512, all)); /* no AVX */
	assert_false(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_BNDREGS, 0x1f));
	assert_true(l0_xcr0_valid(L0_XCR0_X87 | L0_XCR0_BNDREGS | L0_XCR0_BNDCSR, 0x1f));
}

static void test_segments(void **state)
{
	struct l0_segment s;

	(void)state;
	/* OVMF's 64-bit code segment 0x38: base 0, limit 0xfffff pages, type 0xb, L=1, G=1 */
	l0_segment_from_descriptor(0x38, 0x00af9b000000ffffull, 0, &s);
	assert_int_equal(s.selector, 0x38);
	assert_int_equal(s.access_rights, 0xa09b);
	assert_int_equal(s.limit, 0xffffffffu);
	assert_int_equal(s.base, 0);

	/* a data segment with a byte-granular limit and a base */
	l0_segment_from_descriptor(0x10, 0x1240930034560fffull, 0, &s);
	assert_int_equal(s.access_rights, 0x4093);
	assert_int_equal(s.limit, 0x00fff);
	assert_int_equal(s.base, 0x12003456);

	/* a 64-bit TSS: 16 bytes, base bits 63:32 from the second half */
	l0_segment_from_descriptor(0x18, 0xff008b2000000067ull, 0x00000001ull, &s);
	assert_int_equal(s.access_rights, 0x8b);
	assert_int_equal(s.limit, 0x67);
	assert_int_equal(s.base, 0x1ff200000ull);

	/* null selector (RPL bits ignored): unusable */
	l0_segment_from_descriptor(0x3, 0x00af9b000000ffffull, 0, &s);
	assert_int_equal(s.access_rights, L0_SEG_AR_UNUSABLE);
	assert_int_equal(s.selector, 0x3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_hides_vmx_and_sets_hypervisor_bit),
		cmocka_unit_test(test_cpuid_other_leaves_untouched_and_ours_answered),
		cmocka_unit_test(test_cpuid_mirrors_l1_cr4),
		cmocka_unit_test(test_arch_capabilities),
		cmocka_unit_test(test_cr0_with_unrestricted_guest),
		cmocka_unit_test(test_cr4_vmxe_hidden),
		cmocka_unit_test(test_msr_bitmap_edges),
		cmocka_unit_test(test_xcr0),
		cmocka_unit_test(test_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
