/*
 * test_ept02_pool.c: tests of ept-merge/ept02_pool.c: the pool's bounds at init, one EPT02 tree
 * per EPTP12 with least-recently-used replacement, INVEPT single-context and all-context exactly
 * as SDM Vol. 3C 31.3 / 29.4.3 define them (what an EPTP12 covers is gone, the rest stays), the
 * flush requests that make L0 execute INVEPT, fills that never fail however small the pool, and
 * the reverse map from EPT12 table pages to the EPT02 tables mirroring them.
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
#define CAP_LARGE (FX_CAP_2M | FX_CAP_1G)
#define GIB	  (1ull << 30)
#define EPTP_UC_4 (3ull << 3) /* memory type UC, 4 levels */

static void test_init_bounds(void **state)
{
	static const struct {
		size_t pages;
		uintptr_t va_skew;
		uint64_t hpa_skew;
		unsigned int max_leaf;
		int status;
		uint32_t data_pages;
	} rows[] = {
	    {4, 0, 0, 3, EPTM_EINVAL, 0},      /* 1 bookkeeping + 3 data */
	    {5, 0, 0, 3, EPTM_OK, 4},	       /* the smallest */
	    {257, 0, 0, 3, EPTM_OK, 256},      /* one page of records for 256 */
	    {258, 0, 0, 3, EPTM_OK, 256},      /* two pages of records */
	    {16, 8, 0, 3, EPTM_EINVAL, 0},     /* misaligned in L0's space */
	    {16, 0, 0x800, 3, EPTM_EINVAL, 0}, /* misaligned host-physical */
	    {16, 0, 0, 0, EPTM_EINVAL, 0},     {16, 0, 0, 4, EPTM_EINVAL, 0},
	    {16, 0, 0, 1, EPTM_OK, 15},
	};
	struct fake_l1 f;
	struct model01 m01 = {1};

	(void)state;
	fx_l1_init(&f);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx_pool pool;
		struct eptm_config cfg;
		struct eptm m;

		fx_pool_init(&pool, rows[i].pages + 1);
		pool.pages = rows[i].pages;
		pool.va = (uint8_t *)pool.va + rows[i].va_skew;
		pool.hpa += rows[i].hpa_skew;
		cfg = fx_config(&pool, &f, CAP_LARGE, &m01, rows[i].max_leaf);
		assert_int_equal(eptm_init(&m, &cfg), rows[i].status);
		if (rows[i].status == EPTM_OK) {
			assert_int_equal(m.data_pages, rows[i].data_pages);
			assert_int_equal(m.free_count, rows[i].data_pages);
		}
		pool.va = (uint8_t *)pool.va - rows[i].va_skew;
		fx_pool_free(&pool);
	}
	fx_l1_free(&f);
}

static void test_init_needs_callbacks(void **state)
{
	struct fx_pool pool;
	struct fake_l1 f;
	struct model01 m01 = {1};
	struct eptm_config cfg;
	struct eptm m;

	(void)state;
	fx_l1_init(&f);
	fx_pool_init(&pool, 8);
	cfg = fx_config(&pool, &f, CAP_LARGE, &m01, 3);
	cfg.l1.mem = NULL;
	assert_int_equal(eptm_init(&m, &cfg), EPTM_EINVAL);
	cfg = fx_config(&pool, &f, CAP_LARGE, &m01, 3);
	cfg.ept01.translate = NULL;
	assert_int_equal(eptm_init(&m, &cfg), EPTM_EINVAL);
	fx_pool_free(&pool);
	fx_l1_free(&f);
}

/* EPTP02 per EPTP12: stable, keyed by address and A/D bit, LRU replacement. */
static void test_trees_lru(void **state)
{
	uint64_t eptp12[EPTM_MAX_TREES + 2], eptp02[EPTM_MAX_TREES + 2];
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 64, CAP_LARGE, 3, 1);
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		eptp12[i] = fx_table(&e.f) | 6 | (3 << 3) | (i % 2 ? EPTP_AD_ENABLE : 0);
		eptp02[i] = eptm_eptp02(&e.m, eptp12[i]);
		assert_int_equal(eptp02[i] & 0xfff, 6 | (3 << 3) | (i % 2 ? EPTP_AD_ENABLE : 0));
		for (unsigned int j = 0; j < i; j++)
			assert_true(eptp02[j] != eptp02[i]);
	}
	assert_false(eptm_take_flush(&e.m));
	/* the same tables under another memory type: the same tree; with A/D flipped: another */
	assert_int_equal(eptm_eptp02(&e.m, (eptp12[0] & ~7ull)), eptp02[0]);
	assert_int_equal(e.m.stats.trees_evicted, 0);
	/* a ninth EPTP12 replaces the least recently used: [1], since [0] was just used */
	eptp12[8] = eptp12[0] ^ EPTP_AD_ENABLE;
	eptp02[8] = eptm_eptp02(&e.m, eptp12[8]);
	assert_int_equal(e.m.stats.trees_evicted, 1);
	assert_true(eptm_take_flush(&e.m)); /* a freed PML4 may come back as another tree's */
	assert_int_equal(fx_eptp02_peek(&e.m, eptp12[1]), 0);
	assert_int_equal(fx_eptp02_peek(&e.m, eptp12[0]), eptp02[0]);
	for (unsigned int i = 2; i < EPTM_MAX_TREES; i++)
		assert_int_equal(fx_eptp02_peek(&e.m, eptp12[i]), eptp02[i]);
	fx_check_pool(&e.m);
	fx_env_free(&e);
}

/* Random fills into two EPT12 trees, A (in two A/D variants) and B. */
struct two_trees {
	struct fx_env e;
	struct fx_tree a, b;
	uint64_t eptp_a, eptp_a_ad, eptp_b;
	uint64_t rng;
};

static void fill_some(struct two_trees *t, uint64_t eptp, const struct fx_tree *tree)
{
	for (unsigned int i = 0; i < 200; i++) {
		struct eptm_outcome out;

		eptm_l2_ept_violation(&t->e.m, eptp, fx_random_l2gpa(&t->rng, tree), R, &out);
		assert_true(out.action != EPTM_ERROR);
	}
}

static void two_trees_init(struct two_trees *t)
{
	t->rng = 42;
	fx_env_init(&t->e, 600, CAP_LARGE, 3, 9);
	fx_random_tree(&t->e.f, &t->rng, FX_MAPS, &t->a);
	fx_random_tree(&t->e.f, &t->rng, FX_MAPS, &t->b);
	t->eptp_a = fx_eptp(&t->a, false);
	t->eptp_a_ad = fx_eptp(&t->a, true);
	t->eptp_b = fx_eptp(&t->b, false);
	fill_some(t, t->eptp_a, &t->a);
	fill_some(t, t->eptp_a_ad, &t->a);
	fill_some(t, t->eptp_b, &t->b);
	assert_true(count02(&t->e.pool, eptm_eptp02(&t->e.m, t->eptp_a)) > 10);
	assert_true(count02(&t->e.pool, eptm_eptp02(&t->e.m, t->eptp_a_ad)) > 10);
	assert_true(count02(&t->e.pool, eptm_eptp02(&t->e.m, t->eptp_b)) > 10);
	assert_int_equal(t->e.m.stats.trees_evicted + t->e.m.stats.trees_reset, 0);
	eptm_take_flush(&t->e.m);
}

static void test_invept_single(void **state)
{
	struct two_trees t;
	uint64_t a02, a_ad02, b02;
	size_t b_leaves;

	(void)state;
	two_trees_init(&t);
	a02 = eptm_eptp02(&t.e.m, t.eptp_a);
	a_ad02 = eptm_eptp02(&t.e.m, t.eptp_a_ad);
	b02 = eptm_eptp02(&t.e.m, t.eptp_b);
	b_leaves = count02(&t.e.pool, b02);
	/* an EPTP naming an unknown EP4TA invalidates nothing */
	eptm_invept_single(&t.e.m, FX_RAM_BASE + 0x100000 * 4096ull);
	assert_false(eptm_take_flush(&t.e.m));
	/* A's address with other attribute bits: both of A's trees, not B's */
	eptm_invept_single(&t.e.m, (t.eptp_a & EPTM_ADDR_MASK) | EPTP_UC_4 | EPTP_AD_ENABLE);
	assert_true(eptm_take_flush(&t.e.m));
	assert_int_equal(count02(&t.e.pool, a02), 0);
	assert_int_equal(count02(&t.e.pool, a_ad02), 0);
	assert_int_equal(count02(&t.e.pool, b02), b_leaves);
	assert_int_equal(t.e.m.stats.invept, 2);
	/* the trees keep their PML4 (VMCS02's EPTP stays valid) and nothing else */
	assert_int_equal(eptm_eptp02(&t.e.m, t.eptp_a), a02);
	assert_int_equal(eptm_eptp02(&t.e.m, t.eptp_a_ad), a_ad02);
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		if (t.e.m.trees[i].used && t.e.m.trees[i].key != (t.eptp_b & (EPTM_ADDR_MASK)))
			assert_int_equal(t.e.m.trees[i].pages, 1);
	}
	fx_check_pool(&t.e.m);
	fx_env_free(&t.e);
}

static void test_invept_all(void **state)
{
	struct two_trees t;
	uint64_t a02, b02;

	(void)state;
	two_trees_init(&t);
	a02 = eptm_eptp02(&t.e.m, t.eptp_a);
	b02 = eptm_eptp02(&t.e.m, t.eptp_b);
	eptm_invept_all(&t.e.m);
	assert_true(eptm_take_flush(&t.e.m));
	assert_int_equal(count02(&t.e.pool, a02), 0);
	assert_int_equal(count02(&t.e.pool, b02), 0);
	assert_int_equal(t.e.m.free_count, t.e.m.data_pages - 3); /* three PML4s */
	assert_int_equal(eptm_eptp02(&t.e.m, t.eptp_b), b02);
	fx_env_free(&t.e);
}

/* Like the CPU's TLB, EPT02 may keep what L1 changed until L1's INVEPT; after it, the new EPT12
 * is what counts. */
static void test_stale_until_invept(void **state)
{
	const uint64_t l2gpa = 3 * GIB + 0x7000;
	struct fx_fixed01 x = {true, 1, 7, 0, EPTM_MT_WB, false};
	struct eptm_outcome out;
	struct walk02 got;
	uint64_t root, leaf_gpa, eptp, eptp02;
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 32, CAP_LARGE, 3, 5);
	fx_use_fixed01(&e, &x);
	root = fx_table(&e.f);
	leaf_gpa = fx_set(&e.f, root, l2gpa, 1, 0x100000000ull | 7 | WB, 7);
	eptp = root | 6 | (3 << 3);
	assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, R, &out), EPTM_RESUME_L2);
	eptp02 = eptm_eptp02(&e.m, eptp);
	walk02(&e.pool, eptp02, l2gpa, &got);
	assert_true(got.present);
	fx_poke(&e.f, leaf_gpa, 0x200000000ull | R | WB);
	walk02(&e.pool, eptp02, l2gpa, &got);
	assert_true(got.present); /* stale, as the CPU's cached translation would be */
	eptm_invept_single(&e.m, eptp);
	walk02(&e.pool, eptp02, l2gpa, &got);
	assert_false(got.present);
	assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, W, &out), EPTM_REFLECT_VIOLATION);
	assert_int_equal(out.qualification, W | (R << 3));
	assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, R, &out), EPTM_RESUME_L2);
	fx_check_consistent(&e, eptp, l2gpa);
	fx_env_free(&e);
}

/* The smallest pool, many trees: every fill succeeds and is right at once. */
static void test_pool_exhaustion(void **state)
{
	struct fx_tree *trees = test_malloc(4 * sizeof(*trees));
	uint64_t rng = 77;
	size_t filled = 0;
	struct fx_env e;

	(void)state;
	fx_env_init(&e, 5, CAP_LARGE, 3, 13);
	for (unsigned int i = 0; i < 4; i++)
		fx_random_tree(&e.f, &rng, FX_MAPS, &trees[i]);
	for (unsigned int q = 0; q < 2000; q++) {
		unsigned int k = (unsigned int)fx_below(&rng, 4);
		uint64_t eptp = fx_eptp(&trees[k], false), l2gpa = fx_random_l2gpa(&rng, &trees[k]);
		struct ref12 r;
		struct eptm_xlate x01;
		struct eptm_outcome out;
		enum eptm_action want = ref_action(&e, eptp, l2gpa, R, &r, &x01);

		assert_int_equal(eptm_l2_ept_violation(&e.m, eptp, l2gpa, R, &out), want);
		if (want == EPTM_RESUME_L2) {
			fx_check_filled(&e, eptp, l2gpa, R, &r, &x01, &rng, 1);
			filled++;
		}
		fx_check_pool(&e.m);
	}
	assert_true(filled > 200);
	assert_true(e.m.stats.trees_evicted > 100);
	assert_true(e.m.stats.trees_reset > 10);
	fx_env_free(&e);
	test_free(trees);
}

/*
 * EPT12 with two PDs, X under PDPT slot 0 and Y under slot 1, each with 4 KiB leaves: changing X
 * zaps what came from X only; the PML4 zaps the tree; a page that is no EPT12 table zaps nothing.
 */
struct zap_env {
	struct fx_env e;
	struct fx_fixed01 x;
	uint64_t root, eptp, pd_x, pd_y;
};

static uint64_t zap_addr(unsigned int slot, unsigned int i)
{
	return slot * GIB + ((uint64_t)i << 21) + ((uint64_t)i << 12);
}

static void zap_env_init(struct zap_env *z)
{
	struct eptm_outcome out;

	fx_env_init(&z->e, 64, CAP_LARGE, 3, 21);
	z->x = (struct fx_fixed01){true, 3, 7, 0, EPTM_MT_WB, false};
	fx_use_fixed01(&z->e, &z->x);
	z->root = fx_table(&z->e.f);
	z->eptp = z->root | 6 | (3 << 3);
	for (unsigned int slot = 0; slot < 2; slot++) {
		for (unsigned int i = 0; i < 4; i++) {
			uint64_t l2gpa = zap_addr(slot, i);

			assert_true(fx_set(&z->e.f, z->root, l2gpa, 1,
					   (0x40000000ull + l2gpa) | 7 | WB, 7) != 0);
			assert_int_equal(eptm_l2_ept_violation(&z->e.m, z->eptp, l2gpa, R, &out),
					 EPTM_RESUME_L2);
		}
	}
	z->pd_x = fx_peek(&z->e.f, fx_peek(&z->e.f, z->root) & EPTM_ADDR_MASK) & EPTM_ADDR_MASK;
	z->pd_y =
	    fx_peek(&z->e.f, (fx_peek(&z->e.f, z->root) & EPTM_ADDR_MASK) + 8) & EPTM_ADDR_MASK;
	eptm_take_flush(&z->e.m);
}

static size_t mapped(struct zap_env *z, unsigned int slot)
{
	size_t n = 0;

	for (unsigned int i = 0; i < 4; i++) {
		struct walk02 got;

		walk02(&z->e.pool, eptm_eptp02(&z->e.m, z->eptp), zap_addr(slot, i), &got);
		n += got.present;
	}
	return n;
}

static void test_zap_ept12_table(void **state)
{
	struct zap_env z;

	(void)state;
	zap_env_init(&z);
	assert_int_equal(mapped(&z, 0), 4);
	assert_int_equal(mapped(&z, 1), 4);
	assert_true(eptm_is_ept12_table(&z.e.m, z.pd_x + 0x18));
	assert_true(eptm_is_ept12_table(&z.e.m, z.root));
	assert_false(eptm_is_ept12_table(&z.e.m, 0x123456000ull));
	assert_int_equal(eptm_zap_ept12_table(&z.e.m, 0x123456000ull), 0);
	assert_false(eptm_take_flush(&z.e.m));
	assert_int_equal(eptm_zap_ept12_table(&z.e.m, z.pd_x), 1);
	assert_true(eptm_take_flush(&z.e.m));
	assert_int_equal(mapped(&z, 0), 0);
	assert_int_equal(mapped(&z, 1), 4);
	assert_true(eptm_is_ept12_table(&z.e.m, z.pd_x)); /* still mirrored, now empty */
	assert_int_equal(eptm_zap_ept12_table(&z.e.m, z.root), 1);
	assert_int_equal(mapped(&z, 1), 0);
	assert_int_equal(count02(&z.e.pool, eptm_eptp02(&z.e.m, z.eptp)), 0);
	assert_int_equal(z.e.m.stats.tables_zapped, 2);
	fx_check_pool(&z.e.m);
	fx_env_free(&z.e);
}

/* L1 points a PDPTE at another PD without INVEPT: the next fill there drops what came from the
 * old PD rather than mixing the two. */
static void test_mirror_changes(void **state)
{
	struct eptm_outcome out;
	uint64_t pd_z, l2gpa = zap_addr(0, 5);
	struct zap_env z;

	(void)state;
	zap_env_init(&z);
	assert_int_equal(mapped(&z, 0), 4);
	pd_z = fx_table(&z.e.f);
	fx_poke(&z.e.f, fx_peek(&z.e.f, z.root) & EPTM_ADDR_MASK, pd_z | 7);
	assert_true(fx_set(&z.e.f, z.root, l2gpa, 1, 0x90000000ull | 7 | WB, 7) != 0);
	assert_int_equal(eptm_l2_ept_violation(&z.e.m, z.eptp, l2gpa, R, &out), EPTM_RESUME_L2);
	assert_true(eptm_take_flush(&z.e.m));
	assert_int_equal(mapped(&z, 0), 0); /* the leaves from PD X are gone */
	assert_int_equal(mapped(&z, 1), 4);
	assert_true(eptm_is_ept12_table(&z.e.m, pd_z));
	assert_false(eptm_is_ept12_table(&z.e.m, z.pd_x));
	fx_check_consistent(&z.e, z.eptp, l2gpa);
	fx_env_free(&z.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_bounds),	    cmocka_unit_test(test_init_needs_callbacks),
	    cmocka_unit_test(test_trees_lru),	    cmocka_unit_test(test_invept_single),
	    cmocka_unit_test(test_invept_all),	    cmocka_unit_test(test_stale_until_invept),
	    cmocka_unit_test(test_pool_exhaustion), cmocka_unit_test(test_zap_ept12_table),
	    cmocka_unit_test(test_mirror_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
