/*
 * test_vpid.c: tests of ept-merge/vpid.c: L1's VPIDs mapped onto L0's range (SDM Vol. 3C 29.1),
 * a flush each time a VPID02 changes hands, least recently used out, INVVPID (31.3) as forgetting
 * a mapping, and L2 without a VPID flushed at every entry (29.4.3.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ept-merge/vpid.h"

static void test_init_bounds(void **state)
{
	static const struct {
		uint16_t first;
		unsigned int count;
		int status;
	} rows[] = {
	    {0, 4, -1}, /* VPID 0 is L0's untagged one */
	    {2, 1, -1}, /* nothing left to map */
	    {2, 2, 0},	/* one untagged, one mapped */
	    {2, EPTM_VPID_SLOTS + 1, 0},
	    {2, EPTM_VPID_SLOTS + 2, -1},
	    {0xfff0, 16, 0}, /* ends at 0xffff */
	    {0xfff1, 16, -1},
	};
	struct eptm_vpid_map v;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(eptm_vpid_init(&v, rows[i].first, rows[i].count), rows[i].status);
}

static void test_mapping_and_flushes(void **state)
{
	struct eptm_vpid_map v;
	uint16_t a, b;
	bool flush;

	(void)state;
	assert_int_equal(eptm_vpid_init(&v, 10, 4), 0); /* 10 untagged; 11, 12, 13 mapped */
	a = eptm_vpid02_enter(&v, 1, &flush);
	assert_true(flush);
	assert_true(a >= 11 && a <= 13);
	assert_int_equal(eptm_vpid02_enter(&v, 1, &flush), a);
	assert_false(flush);
	b = eptm_vpid02_enter(&v, 0x8000, &flush);
	assert_true(flush);
	assert_true(b != a && b >= 11 && b <= 13);
	assert_int_equal(eptm_vpid02_find(&v, 1), a);
	assert_int_equal(eptm_vpid02_find(&v, 0x8000), b);
	assert_int_equal(eptm_vpid02_find(&v, 2), 0);
	assert_int_equal(eptm_vpid02_find(&v, 0), 0);
	/* no VPID12: the untagged VPID02, flushed every time */
	assert_int_equal(eptm_vpid02_enter(&v, 0, &flush), 10);
	assert_true(flush);
	assert_int_equal(eptm_vpid02_enter(&v, 0, &flush), 10);
	assert_true(flush);
}

static void test_lru_replacement(void **state)
{
	struct eptm_vpid_map v;
	uint16_t got[4];
	bool flush;

	(void)state;
	assert_int_equal(eptm_vpid_init(&v, 100, 4), 0);
	for (uint16_t i = 1; i <= 3; i++)
		got[i] = eptm_vpid02_enter(&v, i, &flush);
	eptm_vpid02_enter(&v, 1, &flush); /* 2 is now the least recently used */
	assert_int_equal(eptm_vpid02_enter(&v, 4, &flush), got[2]);
	assert_true(flush); /* VPID02 got[2] held VPID12 2's translations */
	assert_int_equal(eptm_vpid02_find(&v, 2), 0);
	assert_int_equal(eptm_vpid02_find(&v, 1), got[1]);
	assert_int_equal(eptm_vpid02_find(&v, 3), got[3]);
	/* 2 comes back: replaces 3, the least recently used now, and is flushed again */
	assert_int_equal(eptm_vpid02_enter(&v, 2, &flush), got[3]);
	assert_true(flush);
}

static void test_invvpid(void **state)
{
	struct eptm_vpid_map v;
	bool flush;

	(void)state;
	assert_int_equal(eptm_vpid_init(&v, 20, 5), 0);
	eptm_vpid02_enter(&v, 7, &flush);
	eptm_vpid02_enter(&v, 8, &flush);
	eptm_vpid_forget(&v, 7); /* single-context */
	assert_int_equal(eptm_vpid02_find(&v, 7), 0);
	assert_true(eptm_vpid02_find(&v, 8) != 0);
	eptm_vpid02_enter(&v, 7, &flush);
	assert_true(flush);	  /* its next entry flushes, whichever VPID02 it gets */
	eptm_vpid_forget(&v, 99); /* unknown: nothing */
	eptm_vpid_forget(&v, 0);
	eptm_vpid_forget_all(&v); /* all-context */
	assert_int_equal(eptm_vpid02_find(&v, 7), 0);
	assert_int_equal(eptm_vpid02_find(&v, 8), 0);
	eptm_vpid02_enter(&v, 8, &flush);
	assert_true(flush);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_bounds),
	    cmocka_unit_test(test_mapping_and_flushes),
	    cmocka_unit_test(test_lru_replacement),
	    cmocka_unit_test(test_invvpid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
