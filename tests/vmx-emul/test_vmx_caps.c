/*
 * test_vmx_caps.c: tests of vmx-emul/vmx_caps.c: the capability MSR table (SDM Vol. 3C Appendix A),
 * the named control bits (25.6-25.8), allowed 0/1-settings (A.3.1) and the per-bit decoder, on the
 * values that Bochs' emulated CPU reports (revision 0x2B, true controls, secondary controls
 * allowed-1 0x02177FFF, EPT/VPID capabilities 0xF0106334141).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/vmx_caps.h"

#define BOCHS_PROC2_ALLOWED1 0x02177fffu
#define BOCHS_EPT_VPID_CAP 0xf0106334141ull

/* Decoder output, collected. */
struct collected {
	size_t n;
	struct vmxe_cap_item items[128];
};

static void collect(void *ctx, const struct vmxe_cap_item *item)
{
	struct collected *c = ctx;

	assert_true(c->n < sizeof(c->items) / sizeof(c->items[0]));
	c->items[c->n++] = *item;
}

static const struct vmxe_cap_item *item_named(const struct collected *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->items[i].name, name) == 0)
			return &c->items[i];
	fail_msg("no item %s", name);
	return NULL;
}

static size_t count_state(const struct collected *c, enum vmxe_bit_state s)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->items[i].state == s;
	return n;
}

static size_t count_named(const struct collected *c, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += strcmp(c->items[i].name, name) == 0;
	return n;
}

static void decode(uint32_t msr, uint64_t value, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(vmxe_cap_decode(msr, value, collect, c), VMXE_CAP_OK);
}

static void test_bochs_secondary_controls(void **state)
{
	static const char *const may[] = {
		"ENABLE_EPT", "ENABLE_VPID", "UNRESTRICTED_GUEST", "VMCS_SHADOWING", "ENABLE_PML",
		"VIRT_APIC_ACCESSES", "ENABLE_VMFUNC", "EPT_VIOLATION_VE", "TSC_SCALING",
		"ENABLE_XSAVES", "RDSEED_EXITING", "PAUSE_LOOP_EXITING",
	};
	static const char *const not_allowed[] = {
		"ENCLS_EXITING", "MODE_BASED_EPT_EXEC", "EPT_SUBPAGE_WRITE", "CONCEAL_VMX_FROM_PT",
		"BUS_LOCK_DETECTION", "INSTRUCTION_TIMEOUT",
	};
	struct collected c;
	size_t i;

	(void)state;
	decode(VMXE_MSR_PROCBASED_CTLS2, vmxe_ctl_msr_make(0, BOCHS_PROC2_ALLOWED1), &c);
	for (i = 0; i < sizeof(may) / sizeof(may[0]); i++) {
		assert_int_equal(item_named(&c, may[i])->state, VMXE_BIT_MAY_BE_1);
		assert_int_equal(item_named(&c, may[i])->value, 1);
	}
	for (i = 0; i < sizeof(not_allowed) / sizeof(not_allowed[0]); i++)
		assert_int_equal(item_named(&c, not_allowed[i])->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(item_named(&c, "ENABLE_EPT")->lsb, 1);
	assert_string_equal(item_named(&c, "ENABLE_EPT")->text, "enable EPT");
	assert_ptr_equal(c.items[0].msr, vmxe_cap_msr_lookup(VMXE_MSR_PROCBASED_CTLS2));
	/* Every allowed bit of Bochs' value has a name: 20 may-be-1, none reserved. */
	assert_int_equal(count_state(&c, VMXE_BIT_MAY_BE_1), 20);
	assert_int_equal(count_state(&c, VMXE_BIT_MUST_BE_1), 0);
	assert_int_equal(count_named(&c, "RESERVED"), 0);
	/* The same answer from the mask macros. */
	assert_true(BOCHS_PROC2_ALLOWED1 & VMX_MASK(VMX_PROC2_ENABLE_EPT));
	assert_true(BOCHS_PROC2_ALLOWED1 & VMX_MASK(VMX_PROC2_VMCS_SHADOWING));
	assert_false(BOCHS_PROC2_ALLOWED1 & VMX_MASK(VMX_PROC2_ENCLS_EXITING));
}

static void test_bochs_ept_vpid_cap(void **state)
{
	static const char *const present[] = {
		"EXEC_ONLY", "WALK_4", "MEMTYPE_UC", "MEMTYPE_WB", "PDE_2MB", "PDPTE_1GB", "INVEPT",
		"AD_FLAGS", "INVEPT_SINGLE", "INVEPT_ALL", "INVVPID", "INVVPID_ADDR",
		"INVVPID_SINGLE", "INVVPID_ALL", "INVVPID_SINGLE_GLOBALS",
	};
	static const char *const absent[] = { "WALK_5", "ADV_EXIT_INFO", "SSS_CONTROL" };
	struct collected c;
	size_t i;

	(void)state;
	decode(VMXE_MSR_EPT_VPID_CAP, BOCHS_EPT_VPID_CAP, &c);
	for (i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		assert_int_equal(item_named(&c, present[i])->state, VMXE_BIT_PRESENT);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_int_equal(item_named(&c, absent[i])->state, VMXE_BIT_ABSENT);
	assert_int_equal(item_named(&c, "HLAT_PREFIX_SIZE")->state, VMXE_BIT_VALUE);
	assert_int_equal(item_named(&c, "HLAT_PREFIX_SIZE")->value, 0);
	assert_int_equal(count_named(&c, "RESERVED"), 0);
	assert_int_equal(VMX_GET(VMX_EPT_VPID_WALK_4, BOCHS_EPT_VPID_CAP), 1);
	assert_int_equal(VMX_GET(VMX_EPT_VPID_PDPTE_1GB, BOCHS_EPT_VPID_CAP), 1);
	assert_int_equal(VMX_GET(VMX_EPT_VPID_WALK_5, BOCHS_EPT_VPID_CAP), 0);
	assert_int_equal(VMX_MASK(VMX_EPT_VPID_INVVPID), 1ull << 32);
}

static void test_basic_fields(void **state)
{
	/* Bochs-like: revision 0x2B, 4 KiB region, WB, INS/OUTS info, true controls. */
	const uint64_t basic = 0x2bull | (0x1000ull << 32) | (6ull << 50) | (1ull << 54) |
			       (1ull << 55);
	struct collected c;

	(void)state;
	decode(VMXE_MSR_BASIC, basic, &c);
	assert_int_equal(item_named(&c, "REVISION_ID")->state, VMXE_BIT_VALUE);
	assert_int_equal(item_named(&c, "REVISION_ID")->value, 0x2b);
	assert_int_equal(item_named(&c, "VMCS_SIZE")->value, 0x1000);
	assert_int_equal(item_named(&c, "MEMTYPE")->value, VMX_BASIC_MEMTYPE_WB);
	assert_int_equal(item_named(&c, "TRUE_CTLS")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "INSOUTS_INFO")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "PA_32BIT")->state, VMXE_BIT_ABSENT);
	assert_int_equal(item_named(&c, "DUAL_MONITOR")->state, VMXE_BIT_ABSENT);
	assert_int_equal(count_named(&c, "RESERVED"), 0);
	assert_int_equal(VMX_GET(VMX_BASIC_REVISION_ID, basic), 0x2b);
	assert_int_equal(VMX_GET(VMX_BASIC_TRUE_CTLS, basic), 1);
	assert_int_equal(VMX_MASK(VMX_BASIC_REVISION_ID), 0x7fffffffu);
}

static void test_allowed0_allowed1_split(void **state)
{
	/* Typical IA32_VMX_PINBASED_CTLS: default1 bits 1, 2, 4 must be 1; bits 0-5 may be 1. */
	const uint64_t pin = 0x0000003f00000016ull;
	struct collected c;

	(void)state;
	assert_int_equal(vmxe_ctl_allowed0(pin), 0x16);
	assert_int_equal(vmxe_ctl_allowed1(pin), 0x3f);
	assert_int_equal(vmxe_ctl_msr_make(0x16, 0x3f), pin);
	assert_int_equal(vmxe_ctl_state(pin, 0), VMXE_BIT_MAY_BE_1);
	assert_int_equal(vmxe_ctl_state(pin, 1), VMXE_BIT_MUST_BE_1);
	assert_int_equal(vmxe_ctl_state(pin, 6), VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(vmxe_ctl_state(pin, 40), VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(vmxe_ctl_state(vmxe_ctl_msr_make(1, 0), 0), VMXE_BIT_CONFLICT);
	assert_true(vmxe_ctl_valid(pin, 0x16));
	assert_true(vmxe_ctl_valid(pin, 0x1f));
	assert_false(vmxe_ctl_valid(pin, 0x06)); /* bit 4 must be 1 */
	assert_false(vmxe_ctl_valid(pin, 0x56)); /* bit 6 not allowed */
	assert_int_equal(vmxe_ctl_adjust(pin, 0xff), 0x3f);
	assert_int_equal(vmxe_ctl_adjust(pin, 0), 0x16);

	decode(VMXE_MSR_PINBASED_CTLS, pin, &c);
	assert_int_equal(item_named(&c, "EXT_INTR_EXITING")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "NMI_EXITING")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "VIRTUAL_NMIS")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "PREEMPTION_TIMER")->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(item_named(&c, "POSTED_INTR")->state, VMXE_BIT_NOT_ALLOWED);
	/* The default1 bits 1, 2, 4 have no name and come last, as must-be-1. */
	assert_int_equal(count_named(&c, "RESERVED"), 3);
	assert_int_equal(c.items[c.n - 3].lsb, 1);
	assert_int_equal(c.items[c.n - 1].lsb, 4);
	assert_int_equal(c.items[c.n - 1].state, VMXE_BIT_MUST_BE_1);
}

static void test_bochs_true_controls(void **state)
{
	/* With true controls, the primary controls' default1 bits may be 0 (SDM A.3.2). */
	const uint64_t true_proc = vmxe_ctl_msr_make(0x04006172u & ~0x00006000u, 0xfff9fffeu);
	struct collected c;

	(void)state;
	decode(VMXE_MSR_TRUE_PROCBASED_CTLS, true_proc, &c);
	assert_int_equal(item_named(&c, "SECONDARY_CONTROLS")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "SECONDARY_CONTROLS")->lsb, 31);
	assert_int_equal(item_named(&c, "CR3_LOAD_EXITING")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "HLT_EXITING")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "TERTIARY_CONTROLS")->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(VMX_MASK(VMX_PROC_SECONDARY_CONTROLS), 0x80000000u);
}

static void test_default1_bits(void **state)
{
	/* SDM A.2-A.5: the default1 class is reserved bits plus exactly these named controls. */
	static const struct {
		enum vmxe_bit_group group;
		uint32_t default1;
		const char *named[2];
	} d1[] = {
		{ VMXE_GRP_PIN, VMX_PIN_DEFAULT1, { NULL, NULL } },
		{ VMXE_GRP_PROC, VMX_PROC_DEFAULT1, { "CR3_LOAD_EXITING", "CR3_STORE_EXITING" } },
		{ VMXE_GRP_EXIT, VMX_EXIT_DEFAULT1, { "SAVE_DEBUG_CONTROLS", NULL } },
		{ VMXE_GRP_ENTRY, VMX_ENTRY_DEFAULT1, { "LOAD_DEBUG_CONTROLS", NULL } },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(d1) / sizeof(d1[0]); i++) {
		size_t want = (d1[i].named[0] != NULL) + (d1[i].named[1] != NULL), got = 0;

		for (j = 0; j < vmxe_cap_bit_count(); j++) {
			const struct vmxe_bit_desc *b = vmxe_cap_bit_at(j);

			if (b->group != d1[i].group || !((d1[i].default1 >> b->lsb) & 1u))
				continue;
			got++;
			assert_true((d1[i].named[0] && strcmp(b->name, d1[i].named[0]) == 0) ||
				    (d1[i].named[1] && strcmp(b->name, d1[i].named[1]) == 0));
		}
		assert_int_equal(got, want);
	}
}

static void test_msr_table(void **state)
{
	uint32_t idx;
	size_t i, j;

	(void)state;
	assert_int_equal(vmxe_cap_msr_count(), 0x493 - 0x480 + 1);
	for (idx = 0x480; idx <= 0x493; idx++) {
		const struct vmxe_cap_msr *m = vmxe_cap_msr_lookup(idx);

		assert_non_null(m);
		assert_int_equal(m->index, idx);
		assert_memory_equal(m->name, "IA32_VMX_", 9);
	}
	assert_null(vmxe_cap_msr_lookup(0x47f));
	assert_null(vmxe_cap_msr_lookup(0x494));
	assert_null(vmxe_cap_msr_at(vmxe_cap_msr_count()));
	for (i = 0; i < vmxe_cap_msr_count(); i++)
		for (j = i + 1; j < vmxe_cap_msr_count(); j++)
			assert_string_not_equal(vmxe_cap_msr_at(i)->name, vmxe_cap_msr_at(j)->name);
	assert_string_equal(vmxe_cap_msr_lookup(0x48b)->name, "IA32_VMX_PROCBASED_CTLS2");
	assert_int_equal(vmxe_cap_msr_lookup(0x48b)->kind, VMXE_MSRK_CTLS);
	assert_int_equal(vmxe_cap_msr_lookup(0x48b)->group, VMXE_GRP_PROC2);
	assert_int_equal(vmxe_cap_msr_lookup(0x48c)->kind, VMXE_MSRK_EPT_VPID);
	assert_int_equal(vmxe_cap_msr_lookup(0x491)->kind, VMXE_MSRK_VMFUNC);
	assert_int_equal(vmxe_cap_msr_lookup(0x492)->kind, VMXE_MSRK_CTLS64);
	assert_int_equal(vmxe_cap_msr_lookup(0x48d)->group, VMXE_GRP_PIN);
	assert_int_equal(VMXE_MSR_VMFUNC, 0x491);
}

static void test_unknown_msr(void **state)
{
	struct collected c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(vmxe_cap_decode(0x3a, 5, collect, &c), VMXE_CAP_UNKNOWN_MSR);
	assert_int_equal(vmxe_cap_decode(0x494, 5, collect, &c), VMXE_CAP_UNKNOWN_MSR);
	assert_int_equal(c.n, 0);
}

static void test_bits_unique_and_disjoint(void **state)
{
	uint64_t used[VMXE_GRP_COUNT] = { 0 };
	size_t i, j;

	(void)state;
	assert_null(vmxe_cap_bit_at(vmxe_cap_bit_count()));
	for (i = 0; i < vmxe_cap_bit_count(); i++) {
		const struct vmxe_bit_desc *a = vmxe_cap_bit_at(i);
		uint64_t mask = (UINT64_MAX >> (64 - a->width)) << a->lsb;

		assert_true(a->group < VMXE_GRP_COUNT);
		assert_int_equal(used[a->group] & mask, 0);
		used[a->group] |= mask;
		assert_ptr_equal(vmxe_cap_bit_find((enum vmxe_bit_group)a->group, a->name), a);
		for (j = i + 1; j < vmxe_cap_bit_count(); j++) {
			const struct vmxe_bit_desc *b = vmxe_cap_bit_at(j);

			if (a->group == b->group)
				assert_string_not_equal(a->name, b->name);
		}
	}
	assert_null(vmxe_cap_bit_find(VMXE_GRP_PROC2, "NO_SUCH_BIT"));
	assert_null(vmxe_cap_bit_find(VMXE_GRP_PIN, "ENABLE_EPT"));
}

static void test_cr_fixed(void **state)
{
	const uint64_t cr0_fixed0 = 0x80000021u, cr0_fixed1 = 0xffffffffu;
	const uint64_t cr4_fixed0 = 0x2000u, cr4_fixed1 = 0x3727ffu;
	struct collected c;

	(void)state;
	decode(VMXE_MSR_CR0_FIXED0, cr0_fixed0, &c);
	assert_int_equal(item_named(&c, "PE")->state, VMXE_BIT_MUST_BE_1);
	assert_int_equal(item_named(&c, "NE")->state, VMXE_BIT_MUST_BE_1);
	assert_int_equal(item_named(&c, "PG")->state, VMXE_BIT_MUST_BE_1);
	assert_int_equal(item_named(&c, "CD")->state, VMXE_BIT_MAY_BE_0);
	assert_int_equal(count_state(&c, VMXE_BIT_MUST_BE_1), 3);
	decode(VMXE_MSR_CR4_FIXED1, cr4_fixed1, &c);
	assert_int_equal(item_named(&c, "VMXE")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "LA57")->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(item_named(&c, "FRED")->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(count_named(&c, "RESERVED"), 0);

	assert_true(vmxe_cr_valid(0x80000031u, cr0_fixed0, cr0_fixed1));
	assert_false(vmxe_cr_valid(0x00000031u, cr0_fixed0, cr0_fixed1)); /* PG clear */
	assert_true(vmxe_cr_valid(0x2020u, cr4_fixed0, cr4_fixed1));
	assert_false(vmxe_cr_valid(0x0020u, cr4_fixed0, cr4_fixed1));          /* VMXE clear */
	assert_false(vmxe_cr_valid(0x2020u | (1u << 12), cr4_fixed0, cr4_fixed1)); /* LA57 */
	assert_int_equal(VMX_MASK(VMX_CR4_VMXE), 0x2000u);
	assert_int_equal(VMX_MASK(VMX_CR0_PG), 0x80000000u);
}

static void test_misc_fields(void **state)
{
	const uint64_t misc = 5ull | (1ull << 5) | (7ull << 6) | (4ull << 16) | (1ull << 29) |
			      (0x1234ull << 32);
	struct collected c;

	(void)state;
	decode(VMXE_MSR_MISC, misc, &c);
	assert_int_equal(item_named(&c, "PREEMPT_TIMER_RATE")->value, 5);
	assert_int_equal(item_named(&c, "STORE_LMA")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "ACT_HLT")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "ACT_WAIT_SIPI")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "CR3_TARGETS")->value, 4);
	assert_int_equal(item_named(&c, "VMWRITE_ANY_FIELD")->state, VMXE_BIT_PRESENT);
	assert_int_equal(item_named(&c, "ZERO_LEN_INJECT")->state, VMXE_BIT_ABSENT);
	assert_int_equal(item_named(&c, "MSEG_REVISION")->value, 0x1234);
	assert_int_equal(count_named(&c, "RESERVED"), 0);
	assert_int_equal(VMX_MASK(VMX_MISC_MSEG_REVISION), 0xffffffff00000000ull);
}

static void test_ctls64_and_unnamed_bits(void **state)
{
	struct collected c;

	(void)state;
	/* IA32_VMX_PROCBASED_CTLS3: 64 bits of allowed 1-settings; bit 40 has no name. */
	decode(VMXE_MSR_PROCBASED_CTLS3, (1ull << 0) | (1ull << 4) | (1ull << 40), &c);
	assert_int_equal(item_named(&c, "LOADIWKEY_EXITING")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "IPI_VIRT")->state, VMXE_BIT_MAY_BE_1);
	assert_int_equal(item_named(&c, "ENABLE_HLAT")->state, VMXE_BIT_NOT_ALLOWED);
	assert_int_equal(count_named(&c, "RESERVED"), 1);
	assert_int_equal(c.items[c.n - 1].lsb, 40);
	assert_int_equal(c.items[c.n - 1].state, VMXE_BIT_MAY_BE_1);

	decode(VMXE_MSR_VMCS_ENUM, 0x29u << 1, &c);
	assert_int_equal(item_named(&c, "HIGHEST_INDEX")->value, 0x29);
	decode(VMXE_MSR_VMFUNC, 1, &c);
	assert_int_equal(item_named(&c, "EPTP_SWITCHING")->state, VMXE_BIT_PRESENT);
	assert_int_equal(c.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_secondary_controls),
		cmocka_unit_test(test_bochs_ept_vpid_cap),
		cmocka_unit_test(test_basic_fields),
		cmocka_unit_test(test_allowed0_allowed1_split),
		cmocka_unit_test(test_bochs_true_controls),
		cmocka_unit_test(test_default1_bits),
		cmocka_unit_test(test_msr_table),
		cmocka_unit_test(test_unknown_msr),
		cmocka_unit_test(test_bits_unique_and_disjoint),
		cmocka_unit_test(test_cr_fixed),
		cmocka_unit_test(test_misc_fields),
		cmocka_unit_test(test_ctls64_and_unnamed_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
