/*
 * test_ept02_fill.c: tests of ept-merge/ept02_fill.c. The property test: random EPT12s (every leaf
 * size, permission combination, misconfiguration) in a fake L1 over a random model EPT01, random
 * L2 accesses, pools from the smallest to roomy and every EPT02 leaf-size limit: each violation is
 * reflected to L1 with the exact qualification, classified as L0's, or filled exactly where the
 * reference says, and each filled EPT02 translation is EPT01(EPT12(gpa)) with intersected
 * permissions and the combined memory type (SDM Vol. 3C 29.3.7) over the whole EPT02 leaf. Then
 * tables for leaf sizes and memory types, the dirty-flag write protection (29.3.5), the prefill
 * after a reflected violation, and EPT02 entries replaced by smaller ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eptm_fixture.h"

#define R	  1ull
#define W	  2ull
#define X	  4ull
#define WB	  (6ull << 3)
#define LARGE	  (1ull << 7)
#define CAP_LARGE (FX_CAP_2M | FX_CAP_1G)
#define GIB	  (1ull << 30)

/* One random query through eptm_l2_ept_violation(), checked against the reference. */
static enum eptm_action check_violation(struct fx_env *e, uint64_t eptp, uint64_t l2gpa,
					uint64_t hw_qual, uint64_t *rng)
{
	struct ref12 r;
	struct eptm_xlate x01;
	struct eptm_outcome out;
	enum eptm_action want = ref_action(e, eptp, l2gpa, hw_qual, &r, &x01);

	assert_int_equal(eptm_l2_ept_violation(&e->m, eptp, l2gpa, hw_qual, &out), want);
	assert_int_equal(out.action, want);
	if (want == EPTM_REFLECT_VIOLATION) {
		assert_int_equal(out.qualification, r.qual);
		assert_int_equal(out.unreadable, r.status == REF_UNREADABLE);
	}
	if (want == EPTM_RESUME_L2 || want == EPTM_L0_EPT01)
		assert_int_equal(out.l1gpa, r.addr);
	if (want == EPTM_RESUME_L2)
		fx_check_filled(e, eptp, l2gpa, hw_qual, &r, &x01, rng, 3);
	fx_check_pool(&e->m);
	return want;
}

#define SEEDS	24u
#define TREES	3u
#define QUERIES 400u
#define RECENT	64u

static void run_seed(uint64_t seed, size_t *by_action)
{
	size_t mine[EPTM_ERROR + 1] = {0};
	static const size_t pools[4] = {5, 9, 40, 600};
	static const uint64_t caps[3] = {CAP_LARGE, CAP_LARGE | FX_CAP_EXEC_ONLY, FX_CAP_2M};
	uint64_t rng = seed * 0xd1b54a32d192ed03ull, recent[RECENT], recent_eptp[RECENT];
	struct fx_tree *trees = test_malloc(TREES * sizeof(*trees));
	bool ad[TREES];
	struct fx_env e;

	fx_env_init(&e, pools[seed % 4], caps[seed % 3], 1 + (unsigned int)(seed % 3), seed);
	for (unsigned int i = 0; i < TREES; i++) {
		fx_random_tree(&e.f, &rng, FX_MAPS, &trees[i]);
		ad[i] = fx_below(&rng, 2);
	}
	for (unsigned int q = 0; q < QUERIES; q++) {
		unsigned int k = (unsigned int)fx_below(&rng, TREES);
		uint64_t eptp = fx_eptp(&trees[k], ad[k]), l2gpa = fx_random_l2gpa(&rng, &trees[k]);
		enum eptm_action a = check_violation(&e, eptp, l2gpa, fx_random_qual(&rng), &rng);

		by_action[a]++;
		mine[a]++;
		recent[q % RECENT] = l2gpa;
		recent_eptp[q % RECENT] = eptp;
	}
	/* whatever survived eviction still agrees with the composition */
	for (unsigned int i = 0; i < RECENT; i++)
		fx_check_consistent(&e, recent_eptp[i], recent[i]);
	assert_int_equal(e.m.stats.fills, mine[EPTM_RESUME_L2]);
	assert_int_equal(e.m.stats.reflected, mine[EPTM_REFLECT_VIOLATION]);
	assert_int_equal(e.m.stats.misconfigs, mine[EPTM_REFLECT_MISCONFIG]);
	assert_int_equal(e.m.stats.l0_faults, mine[EPTM_L0_EPT01]);
	fx_env_free(&e);
	test_free(trees);
}

static void test_violations_random(void **state)
{
	size_t by_action[EPTM_ERROR + 1] = {0};

	(void)state;
	for (uint64_t seed = 1; seed <= SEEDS; seed++)
		run_seed(seed, by_action);
	print_message("%u violations: %zu filled, %zu reflected, %zu misconfigurations, %zu L0's\n",
		      SEEDS * QUERIES, by_action[EPTM_RESUME_L2], by_action[EPTM_REFLECT_VIOLATION],
		      by_action[EPTM_REFLECT_MISCONFIG], by_action[EPTM_L0_EPT01]);
	assert_int_equal(by_action[EPTM_ERROR], 0);
	for (int a = EPTM_RESUME_L2; a <= EPTM_L0_EPT01; a++)
		assert_true(by_action[a] > SEEDS);
}

/* The EPT12 leaf of @l2gpa at @level in a fresh EPT12; returns the EPTP. */
static uint64_t one_leaf(struct fx_env *e, uint64_t l2gpa, unsigned int level, uint64_t leaf,
			 bool ad)
{
	uint64_t root = fx_table(&e->f);

	assert_true(fx_set(&e->f, root, l2gpa, level, leaf, 7) != 0);
	return root | 6 | (3 << 3) | (ad ? EPTP_AD_ENABLE : 0);
}

/* Every combination of EPT12 leaf, EPT01 leaf and hardware limit: EPT02's leaf is the smallest. */
static void test_leaf_sizes(void **state)
{
	const uint64_t l2gpa = 5 * GIB + (7ull << 21) + (9ull << 12) + 0x123;

	(void)state;
	for (unsigned int l12 = 1; l12 <= 3; l12++) {
		for (unsigned int l01 = 1; l01 <= 3; l01++) {
			for (unsigned int max = 1; max <= 3; max++) {
				struct fx_fixed01 x = {true, l01, 7, 64 * GIB, EPTM_MT_WB, false};
				uint64_t base = 3 * GIB, rng = 7;
				uint64_t leaf = base | 7 | WB | (l12 > 1 ? LARGE : 0);
				struct fx_env e;
				struct ref12 r;
				struct eptm_xlate x01;
				uint64_t eptp;

				fx_env_init(&e, 64, CAP_LARGE, max, 1);
				fx_use_fixed01(&e, &x);
				eptp = one_leaf(&e, l2gpa & ~((1ull << (12 + 9 * (l12 - 1))) - 1),
						l12, leaf, false);
				assert_int_equal(ref_action(&e, eptp, l2gpa, W, &r, &x01),
						 EPTM_RESUME_L2);
				assert_int_equal(check_violation(&e, eptp, l2gpa, W, &rng),
						 EPTM_RESUME_L2);
				fx_env_free(&e);
			}
		}
	}
}

/* eptm_fill() takes only a successful walk and an EPT01 leaf of level 1..3 with a valid type. */
static void test_fill_einval(void **state)
{
	const uint64_t l2gpa = GIB;
	struct eptm_xlate x01 = {0x1000, 7, EPTM_MT_WB, false, 1};
	struct eptm_walk w;
	struct fx_env e;
	uint64_t eptp;

	(void)state;
	fx_env_init(&e, 16, CAP_LARGE, 3, 1);
	eptp = one_leaf(&e, l2gpa, 1, 0xa00000000ull | 7 | WB, false);
	assert_int_equal(eptm_walk_ept12(&e.m.cfg.l1, eptp, l2gpa, W, &w), EPTM_WALK_OK);
	x01.level = 0;
	assert_int_equal(eptm_fill(&e.m, eptp, l2gpa, &w, &x01), EPTM_EINVAL);
	x01.level = 4;
	assert_int_equal(eptm_fill(&e.m, eptp, l2gpa, &w, &x01), EPTM_EINVAL);
	x01.level = 1;
	x01.memtype = 2; /* reserved */
	assert_int_equal(eptm_fill(&e.m, eptp, l2gpa, &w, &x01), EPTM_EINVAL);
	x01.memtype = EPTM_MT_WB;
	w.status = EPTM_WALK_VIOLATION;
	assert_int_equal(eptm_fill(&e.m, eptp, l2gpa, &w, &x01), EPTM_EINVAL);
	assert_int_equal(e.m.stats.fills, 0);
	w.status = EPTM_WALK_OK;
	assert_int_equal(eptm_fill(&e.m, eptp, l2gpa, &w, &x01), EPTM_OK);
	assert_int_equal(e.m.stats.fills, 1);
	fx_env_free(&e);
}

static void test_memtype_combine(void **state)
{
	static const unsigned int types[5] = {EPTM_MT_UC, EPTM_MT_WC, EPTM_MT_WT, EPTM_MT_WP,
					      EPTM_MT_WB};
	static const struct {
		unsigned int mt12;
		bool ipat12;
		unsigned int mt01;
		bool ipat01;
		unsigned int mt;
		bool ipat;
	} rows[] = {
	    {EPTM_MT_WB, false, EPTM_MT_UC, false, EPTM_MT_UC, false}, /* MMIO stays UC */
	    {EPTM_MT_WB, true, EPTM_MT_UC, false, EPTM_MT_UC, false},
	    {EPTM_MT_UC, true, EPTM_MT_WB, false, EPTM_MT_UC, true},
	    {EPTM_MT_WC, false, EPTM_MT_WT, true, EPTM_MT_WC, false},
	    {EPTM_MT_WP, true, EPTM_MT_WT, false, EPTM_MT_WT, false},
	    {EPTM_MT_WB, true, EPTM_MT_WB, false, EPTM_MT_WB, false}, /* L2's PAT still counts */
	    {EPTM_MT_WB, true, EPTM_MT_WB, true, EPTM_MT_WB, true},
	};
	bool ipat;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(eptm_memtype_combine(rows[i].mt12, rows[i].ipat12, rows[i].mt01,
						      rows[i].ipat01, &ipat),
				 rows[i].mt);
		assert_int_equal(ipat, rows[i].ipat);
	}
	for (unsigned int a = 0; a < 20; a++) {
		for (unsigned int b = 0; b < 20; b++) {
			bool want_ipat;
			unsigned int want = ref_memtype(types[a % 5], a / 5 % 2, types[b % 5],
							b / 5 % 2, &want_ipat);

			assert_int_equal(eptm_memtype_combine(types[a % 5], a / 5 % 2, types[b % 5],
							      b / 5 % 2, &ipat),
					 want);
			assert_int_equal(ipat, want_ipat);
		}
	}
}

/* With A/D on, a clean EPT12 leaf gives no W in EPT02 until L2 writes; no flush either way. */
static void test_dirty_write_protect(void **state)
{
	const uint64_t l2gpa = GIB + 0x5000;
	struct fx_fixed01 x = {true, 3, 7, 0, EPTM_MT_WB, false};
	struct walk02 got;
	uint64_t eptp, rng = 3;
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 16, CAP_LARGE, 3, 1);
	fx_use_fixed01(&e, &x);
	eptp = one_leaf(&e, l2gpa, 1, 0x300000000ull | 7 | WB, true);
	assert_int_equal(check_violation(&e, eptp, l2gpa, R, &rng), EPTM_RESUME_L2);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_int_equal(got.perms, R | X);
	assert_int_equal(check_violation(&e, eptp, l2gpa, W | EPTM_QUAL_GLA_VALID, &rng),
			 EPTM_RESUME_L2);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_int_equal(got.perms, R | W | X);
	assert_false(eptm_take_flush(&e.m));
	/* the same leaf with A/D off: W at once */
	eptp &= ~EPTP_AD_ENABLE;
	assert_int_equal(check_violation(&e, eptp, l2gpa + 1, R, &rng), EPTM_RESUME_L2);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_int_equal(got.perms, R | W | X);
	fx_env_free(&e);
}

/* EPT12 allows, EPT01 refuses: L0's, with EPT12's translation; EPT02 untouched. */
static void test_l0_cases(void **state)
{
	static const struct {
		bool present;
		uint64_t perms01, access;
		enum eptm_action action;
	} rows[] = {
	    {false, 7, R, EPTM_L0_EPT01},     {true, R, W, EPTM_L0_EPT01},
	    {true, R | W, X, EPTM_L0_EPT01},  {true, R | X, R, EPTM_RESUME_L2},
	    {true, 7, R | W, EPTM_RESUME_L2},
	};
	const uint64_t l2gpa = 2 * GIB + 0x7123;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx_fixed01 x = {rows[i].present, 1,	    rows[i].perms01,
				       0x1000,		EPTM_MT_WB, false};
		struct fx_env e;
		struct walk02 got;
		struct eptm_outcome out;
		uint64_t eptp, rng = 5;

		fx_env_init(&e, 16, CAP_LARGE, 3, 1);
		fx_use_fixed01(&e, &x);
		eptp = one_leaf(&e, l2gpa, 1, 0x500000000ull | 7 | WB, false);
		assert_int_equal(check_violation(&e, eptp, l2gpa, rows[i].access, &rng),
				 rows[i].action);
		assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, rows[i].access, &out),
				 rows[i].action);
		assert_int_equal(out.l1gpa, 0x500000123ull);
		walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
		assert_int_equal(got.present, rows[i].action == EPTM_RESUME_L2);
		assert_int_equal(e.m.stats.l0_faults, rows[i].action == EPTM_L0_EPT01 ? 2 : 0);
		fx_env_free(&e);
	}
}

/* L1 handles a reflected violation by writing the leaf; the prefill then maps it. */
static void test_prefill(void **state)
{
	const uint64_t l2gpa = 4 * GIB + 0x3000 + 0x10;
	struct fx_fixed01 x = {true, 2, 7, 0, EPTM_MT_WB, false};
	struct eptm_outcome out;
	struct walk02 got;
	uint64_t eptp, leaf_gpa;
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 16, CAP_LARGE, 3, 1);
	fx_use_fixed01(&e, &x);
	eptp = one_leaf(&e, l2gpa, 1, 0, true); /* the PTE not present */
	leaf_gpa = fx_set(&e.f, eptp & EPTM_ADDR_MASK, l2gpa, 1, 0, 7);
	assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, W | EPTM_QUAL_GLA_VALID, &out),
			 EPTM_REFLECT_VIOLATION);
	assert_int_equal(out.qualification, W | EPTM_QUAL_GLA_VALID);
	/* L1 resumes without fixing anything: nothing happens, nothing is written */
	fx_clear_log(&e.f);
	assert_false(eptm_prefill(&e.m, eptp, l2gpa, W));
	assert_int_equal(e.f.writes, 0);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_false(got.present);
	/* L1 maps the page, then resumes */
	fx_poke(&e.f, leaf_gpa, 0x600000000ull | 7 | WB);
	assert_true(eptm_prefill(&e.m, eptp, l2gpa, W | EPTM_QUAL_GLA_VALID));
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_true(got.present);
	assert_int_equal(got.hpa, 0x600000010ull);
	assert_int_equal(got.perms, R | W | X); /* the retried write set the dirty flag */
	assert_true(fx_peek(&e.f, leaf_gpa) & EPTM_DIRTY);
	assert_int_equal(e.m.stats.prefills, 2);
	assert_int_equal(e.m.stats.prefilled, 1);
	/* EPT01 refusing: no prefill */
	fx_poke(&e.f, leaf_gpa + 8, 0x600001000ull | 7 | WB);
	x.present = false;
	assert_false(eptm_prefill(&e.m, eptp, l2gpa + 0x1000, R));
	fx_env_free(&e);
}

/* A larger EPT02 leaf gives way to a table when EPT12 now has smaller leaves there. */
static void test_smaller_leaf_replaces(void **state)
{
	const uint64_t l2gpa = 6 * GIB + (3ull << 21) + 0x4000;
	struct fx_fixed01 x = {true, 3, 7, 0, EPTM_MT_WB, false};
	uint64_t eptp, pde_gpa, pt, rng = 11;
	struct walk02 got;
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 16, CAP_LARGE, 3, 1);
	fx_use_fixed01(&e, &x);
	eptp = one_leaf(&e, l2gpa & ~0x1fffffull, 2, 0x800000000ull | LARGE | R | X | WB, false);
	assert_int_equal(check_violation(&e, eptp, l2gpa, R, &rng), EPTM_RESUME_L2);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_int_equal(got.level, 2);
	assert_false(eptm_take_flush(&e.m));
	/* L1 splits its 2 MiB leaf into 4 KiB ones, one of them writable, without INVEPT */
	pt = fx_table(&e.f);
	pde_gpa = fx_set(&e.f, eptp & EPTM_ADDR_MASK, l2gpa, 2, pt | 7, 7);
	assert_true(pde_gpa != 0);
	for (unsigned int i = 0; i < 512; i++)
		fx_poke(&e.f, pt + 8 * i, (0x800000000ull + i * 0x1000) | R | X | WB);
	fx_poke(&e.f, pt + 8 * 4, 0x900000000ull | 7 | WB);
	assert_int_equal(check_violation(&e, eptp, l2gpa, W, &rng), EPTM_RESUME_L2);
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa, &got);
	assert_int_equal(got.level, 1);
	assert_int_equal(got.hpa, 0x900000000ull);
	assert_true(eptm_take_flush(&e.m)); /* the 2 MiB mapping may be cached */
	walk02(&e.pool, eptm_eptp02(&e.m, eptp), l2gpa + 0x1000, &got);
	assert_false(got.present);
	fx_env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_violations_random),
	    cmocka_unit_test(test_leaf_sizes),
	    cmocka_unit_test(test_fill_einval),
	    cmocka_unit_test(test_memtype_combine),
	    cmocka_unit_test(test_dirty_write_protect),
	    cmocka_unit_test(test_l0_cases),
	    cmocka_unit_test(test_prefill),
	    cmocka_unit_test(test_smaller_leaf_replaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
