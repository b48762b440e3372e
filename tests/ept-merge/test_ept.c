/*
 * test_ept.c: tests of ept-merge/ept.h: the EPT entry and EPTP bit positions of SDM Vol. 3C
 * 29.3.2 (Tables 29-1..29-6) and 25.6.11, level geometry, leaf/table construction and the
 * misconfiguration predicates of 29.3.3.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ept-merge/ept.h"

static void test_bit_positions(void **state)
{
	(void)state;
	assert_int_equal(EPTM_R, 0x1);
	assert_int_equal(EPTM_W, 0x2);
	assert_int_equal(EPTM_X, 0x4);
	assert_int_equal(EPTM_MEMTYPE_MASK, 0x38);
	assert_int_equal(EPTM_IGNORE_PAT, 0x40);
	assert_int_equal(EPTM_LARGE, 0x80);
	assert_int_equal(EPTM_ACCESSED, 0x100);
	assert_int_equal(EPTM_DIRTY, 0x200);
	assert_int_equal(EPTM_X_USER, 0x400);
	assert_int_equal(EPTM_SUPPRESS_VE, 1ull << 63);
	assert_int_equal(EPTM_ADDR_MASK, 0x000ffffffffff000ull);
	assert_int_equal(EPTM_ADDR_MASK_2M | ((1ull << 21) - 1), EPTM_ADDR_MASK | 0xfff);
	assert_int_equal(EPTM_ADDR_MASK_1G | ((1ull << 30) - 1), EPTM_ADDR_MASK | 0xfff);
	assert_int_equal(EPTP_MEMTYPE_MASK, 0x7);
	assert_int_equal(EPTP_WALK_LEN_MASK, 0x38);
	assert_int_equal(EPTP_AD_ENABLE, 0x40);
	assert_int_equal(EPTM_MT_UC, 0);
	assert_int_equal(EPTM_MT_WC, 1);
	assert_int_equal(EPTM_MT_WT, 4);
	assert_int_equal(EPTM_MT_WP, 5);
	assert_int_equal(EPTM_MT_WB, 6);
}

static void test_geometry(void **state)
{
	static const struct {
		uint64_t gpa;
		unsigned int idx[5]; /* by level; [0] unused */
	} rows[] = {
		{ 0, { 0, 0, 0, 0, 0 } },
		{ 0xfee00000, { 0, 0x0, 0x1f7, 0x3, 0 } },
		{ 0x0000ffffffffffffull, { 0, 511, 511, 511, 511 } },
		{ 0x0000008040201000ull, { 0, 1, 1, 1, 1 } },
	};

	(void)state;
	assert_int_equal(eptm_level_shift(1), 12);
	assert_int_equal(eptm_level_shift(2), 21);
	assert_int_equal(eptm_level_shift(3), 30);
	assert_int_equal(eptm_level_shift(4), 39);
	assert_int_equal(eptm_level_size(3), 1ull << 30);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (unsigned int l = 1; l <= 4; l++)
			assert_int_equal(eptm_index(rows[i].gpa, l), rows[i].idx[l]);
	}
}

static void test_make_and_decode(void **state)
{
	uint64_t e;

	(void)state;
	e = eptm_make_leaf(0x12345678000ull, 1, EPTM_RWX, EPTM_MT_WB);
	assert_int_equal(e, 0x12345678000ull | 0x7 | (6 << 3));
	assert_true(eptm_is_leaf(e, 1));
	assert_int_equal(eptm_entry_addr(e, 1, true), 0x12345678000ull);
	assert_int_equal(eptm_memtype(e), EPTM_MT_WB);

	/* large leaves drop the address bits below their size and set bit 7 */
	e = eptm_make_leaf(0x40000000ull | 0x1ff000, 3, EPTM_R | EPTM_X_USER, EPTM_MT_UC);
	assert_int_equal(e, 0x40000000ull | EPTM_LARGE | EPTM_R | EPTM_X_USER);
	assert_true(eptm_is_leaf(e, 3));
	assert_false(eptm_is_leaf(e, 4)); /* bit 7 means nothing (is reserved) in a PML4E */
	e = eptm_make_leaf(0x00600000ull, 2, EPTM_RWX | EPTM_SUPPRESS_VE, EPTM_MT_WC);
	assert_int_equal(e, 0x00600000ull | EPTM_LARGE | EPTM_RWX | (1 << 3)); /* SVE not a perm */

	e = eptm_make_table(0xabc000ull | 0xfff);
	assert_int_equal(e, 0xabc000ull | EPTM_RWX);
	assert_false(eptm_is_leaf(e, 2));
	assert_int_equal(eptm_entry_addr(e, 2, false), 0xabc000ull);

	assert_false(eptm_present(0, false));
	assert_false(eptm_present(EPTM_X_USER | (6 << 3), false));
	assert_true(eptm_present(EPTM_X_USER, true));
	assert_true(eptm_present(EPTM_X, false));
}

static void test_predicates(void **state)
{
	static const struct {
		uint64_t perms;
		bool exec_only_ok;
		bool misconfigured;
	} rows[] = {
		{ 0, false, false }, /* not present: a violation, not a misconfiguration */
		{ EPTM_R, false, false },
		{ EPTM_R | EPTM_W, false, false },
		{ EPTM_RWX, false, false },
		{ EPTM_W, false, true },
		{ EPTM_W | EPTM_X, true, true },
		{ EPTM_X, false, true },
		{ EPTM_X, true, false },
		{ EPTM_R | EPTM_X, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(eptm_perms_misconfigured(rows[i].perms, rows[i].exec_only_ok),
				 rows[i].misconfigured);
	for (unsigned int mt = 0; mt < 8; mt++)
		assert_int_equal(eptm_memtype_valid(mt), mt != 2 && mt != 3 && mt != 7);
}

static void test_eptp(void **state)
{
	uint64_t eptp = eptm_make_eptp(0x7f123000ull, EPTM_MT_WB, 4, false);

	(void)state;
	assert_int_equal(eptp, 0x7f123000ull | 6 | (3 << 3));
	assert_int_equal(eptm_eptp_root(eptp), 0x7f123000ull);
	assert_int_equal(eptm_eptp_levels(eptp), 4);
	assert_int_equal(eptm_eptp_memtype(eptp), EPTM_MT_WB);
	eptp = eptm_make_eptp(0x1000, EPTM_MT_UC, 5, true);
	assert_int_equal(eptp, 0x1000 | (4 << 3) | EPTP_AD_ENABLE);
	assert_int_equal(eptm_eptp_levels(eptp), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit_positions),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_make_and_decode),
		cmocka_unit_test(test_predicates),
		cmocka_unit_test(test_eptp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
