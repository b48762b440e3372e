/*
 * test_ept12_walk.c: tests of ept-merge/ept12_walk.c, the walk of EPT12 in L1 memory. One table
 * with a row per rule of SDM Vol. 3C 29.3.3 (violations by level and permission, every
 * misconfiguration: W without R, execute-only, reserved bits by level, memory types, large pages
 * not offered) with the exact qualification of 28.2.1 Table 28-7; the A/D flags of 29.3.5 as
 * writes to L1 memory; and a property test against the reference walk of eptm_fixture.c over
 * random EPT12s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eptm_fixture.h"

/* Indices 1, 2, 3, 4 at levels 4, 3, 2, 1, offset 0x567. */
#define L2GPA	  ((1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12) | 0x567)
#define CAP_LARGE (FX_CAP_2M | FX_CAP_1G)
#define WB	  (6ull << 3)
#define LARGE	  (1ull << 7)
#define PASSED	  ((1ull << 7) | (1ull << 8) | (1ull << 12))
/* Hardware bits L1 must not see: EPT02's permissions, advanced information, bit 16, high. */
#define JUNK	((7ull << 3) | (7ull << 9) | (1ull << 16) | (1ull << 40))
#define R	1ull
#define W	2ull
#define X	4ull
#define PAGE_4K 0x123456000ull
#define PAGE_2M 0x40000000ull
#define PAGE_1G 0x80000000ull

enum {
	OK = EPTM_WALK_OK,
	VIOL = EPTM_WALK_VIOLATION,
	MISC = EPTM_WALK_MISCONFIG,
	UNRD = EPTM_WALK_UNREADABLE
};

struct walk_row {
	const char *name;
	uint64_t cap;
	unsigned int leaf_level;
	/* [level]: bits of a table entry besides the next table's address (or the whole entry when
	 * it carries an address: the walk goes there), or the whole leaf entry */
	uint64_t entry[5];
	uint64_t access;
	int status;
	uint64_t perms;	 /* AND of R/W/X for the qualification, or of the translation */
	uint64_t addr;	 /* OK */
	unsigned int mt; /* OK */
};

/* Entries in walk order: PML4E, PDPTE, PDE, PTE (unused below the leaf). */
#define OK_ROW(name, cap, leaf, e4, e3, e2, e1, access, perms, addr, mt)                           \
	{                                                                                          \
		name, cap, leaf, {0, e1, e2, e3, e4}, access, OK, perms, addr, mt                  \
	}
#define FAULT_ROW(name, cap, leaf, e4, e3, e2, e1, access, status, perms)                          \
	{                                                                                          \
		name, cap, leaf, {0, e1, e2, e3, e4}, access, status, perms, 0, 0                  \
	}
#define LEAF_4K (PAGE_4K | 7 | WB)

/* clang-format off */
static const struct walk_row rows[] = {
	OK_ROW("4K RWX read", CAP_LARGE, 1, 7, 7, 7, LEAF_4K, R, 7, PAGE_4K | 0x567, 6),
	OK_ROW("2M leaf", CAP_LARGE, 2, 7, 7, PAGE_2M | LARGE | 7 | WB, 0, W, 7,
	       PAGE_2M | (L2GPA & 0x1fffff), 6),
	OK_ROW("1G leaf, WC, RX", CAP_LARGE, 3, 7, PAGE_1G | LARGE | R | X | (1ull << 3), 0, 0, X,
	       R | X, PAGE_1G | (L2GPA & 0x3fffffff), 1),
	FAULT_ROW("PML4E not present", CAP_LARGE, 4, 0, 0, 0, 0, R, VIOL, 0),
	FAULT_ROW("PDPTE not present", CAP_LARGE, 3, 7, 0, 0, 0, W, VIOL, 0),
	FAULT_ROW("PDE not present", CAP_LARGE, 2, 7, 7, 0, 0, X, VIOL, 0),
	FAULT_ROW("PTE not present", CAP_LARGE, 1, 7, 7, 7, 0, R | W, VIOL, 0),
	FAULT_ROW("PTE read-only, write", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | R | WB, W, VIOL, R),
	FAULT_ROW("PML4E RX above RWX, write", CAP_LARGE, 1, R | X, 7, 7, LEAF_4K, W, VIOL, R | X),
	FAULT_ROW("PDE RW, fetch", CAP_LARGE, 1, 7, 7, R | W, LEAF_4K, X, VIOL, R | W),
	FAULT_ROW("PTE read-only, read-modify-write", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | R | WB,
		  R | W, VIOL, R),
	FAULT_ROW("PDE table write-only", CAP_LARGE, 1, 7, 7, W, LEAF_4K, R, MISC, 0),
	FAULT_ROW("PTE write+execute", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | W | X | WB, X, MISC, 0),
	FAULT_ROW("PTE execute-only, not offered", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | X | WB, X, MISC,
		  0),
	OK_ROW("PTE execute-only, offered, fetch", CAP_LARGE | FX_CAP_EXEC_ONLY, 1, 7, 7, 7,
	       PAGE_4K | X | WB, X, X, PAGE_4K | 0x567, 6),
	FAULT_ROW("PTE execute-only, offered, read", CAP_LARGE | FX_CAP_EXEC_ONLY, 1, 7, 7, 7,
		  PAGE_4K | X | WB, R, VIOL, X),
	FAULT_ROW("PML4E bit 7", CAP_LARGE, 1, 7 | LARGE, 7, 7, LEAF_4K, R, MISC, 0),
	FAULT_ROW("PML4E bit 3", CAP_LARGE, 1, 7 | (1ull << 3), 7, 7, LEAF_4K, R, MISC, 0),
	FAULT_ROW("PDPTE table bit 6", CAP_LARGE, 1, 7, 7 | (1ull << 6), 7, LEAF_4K, R, MISC, 0),
	FAULT_ROW("PDE table bit 4", CAP_LARGE, 1, 7, 7, 7 | (1ull << 4), LEAF_4K, R, MISC, 0),
	FAULT_ROW("PDE table bit 50", CAP_LARGE, 1, 7, 7, 7 | (1ull << 50), LEAF_4K, R, MISC, 0),
	FAULT_ROW("1G leaf bit 12", CAP_LARGE, 3, 7, PAGE_1G | (1ull << 12) | LARGE | 7 | WB, 0, 0,
		  R, MISC, 0),
	FAULT_ROW("2M leaf bit 20", CAP_LARGE, 2, 7, 7, PAGE_2M | (1ull << 20) | LARGE | 7 | WB, 0,
		  R, MISC, 0),
	FAULT_ROW("PTE bit 46 (MAXPHYADDR 46)", CAP_LARGE, 1, 7, 7, 7, LEAF_4K | (1ull << 46), R,
		  MISC, 0),
	FAULT_ROW("PTE bit 51", CAP_LARGE, 1, 7, 7, 7, LEAF_4K | (1ull << 51), R, MISC, 0),
	FAULT_ROW("PTE memory type 2", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | 7 | (2ull << 3), R, MISC, 0),
	FAULT_ROW("PTE memory type 3", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | 7 | (3ull << 3), R, MISC, 0),
	FAULT_ROW("PTE memory type 7", CAP_LARGE, 1, 7, 7, 7, PAGE_4K | 7 | (7ull << 3), R, MISC, 0),
	FAULT_ROW("1G leaf not offered", FX_CAP_2M, 3, 7, PAGE_1G | LARGE | 7 | WB, 0, 0, R, MISC,
		  0),
	FAULT_ROW("2M leaf not offered", FX_CAP_1G, 2, 7, 7, PAGE_2M | LARGE | 7 | WB, 0, R, MISC,
		  0),
	OK_ROW("PTE ignored bits 7, 8-11, 52-62, 63", CAP_LARGE, 1, 7, 7, 7,
	       LEAF_4K | LARGE | (0xfull << 8) | (0x7ffull << 52) | (1ull << 63), W, 7,
	       PAGE_4K | 0x567, 6),
	OK_ROW("table ignored bits 8-11, 52-63", CAP_LARGE, 1, 7, 7,
	       7 | (0xfull << 8) | (0xfffull << 52), LEAF_4K, R, 7, PAGE_4K | 0x567, 6),
	FAULT_ROW("misconfiguration beats upper permissions", CAP_LARGE, 1, R, 7, 7,
		  PAGE_4K | W | X | WB, W, MISC, 0),
	FAULT_ROW("PML4E points outside RAM", CAP_LARGE, 4, FX_OUTSIDE_RAM | 7, 0, 0, 0, R, UNRD,
		  0),
	FAULT_ROW("PDE points outside RAM", CAP_LARGE, 2, 7, 7, FX_OUTSIDE_RAM | 7, 0, W, UNRD, 0),
	OK_ROW("WC, ignore PAT, read-only", CAP_LARGE, 1, 7, 7, 7,
	       PAGE_4K | R | (1ull << 3) | EPTM_IGNORE_PAT, R, R, PAGE_4K | 0x567, 1),
	OK_ROW("address bit 45, UC", CAP_LARGE, 1, 7, 7, 7, (1ull << 45) | PAGE_4K | 7, R, 7,
	       (1ull << 45) | PAGE_4K | 0x567, 0),
};
/* clang-format on */

/* Builds the path of @row in @f; returns the EPTP's PML4. Stops where an entry is a leaf or
 * names its own target. */
static uint64_t build_row(struct fake_l1 *f, const struct walk_row *row)
{
	uint64_t root = fx_table(f), table = root;

	for (unsigned int level = 4; level >= row->leaf_level; level--) {
		uint64_t gpa = table + 8 * eptm_index(L2GPA, level), e = row->entry[level];

		if (level == row->leaf_level || (e & EPTM_ADDR_MASK)) {
			fx_poke(f, gpa, e);
			break;
		}
		table = fx_table(f);
		fx_poke(f, gpa, table | e);
	}
	return root;
}

static void test_walk_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct walk_row *row = &rows[i];
		struct fake_l1 f;
		struct eptm_l1 l1;
		struct eptm_walk w;
		uint64_t root;

		fx_l1_init(&f);
		root = build_row(&f, row);
		l1 = (struct eptm_l1){&f.mem, row->cap, FX_MAXPHYADDR};
		print_message("%s\n", row->name);
		assert_int_equal(eptm_walk_ept12(&l1, root | 6 | (3 << 3), L2GPA,
						 row->access | PASSED | JUNK, &w),
				 row->status);
		assert_int_equal(w.status, row->status);
		if (row->status == VIOL || row->status == UNRD)
			assert_int_equal(w.qualification, row->access | PASSED | (row->perms << 3));
		if (row->status == OK) {
			assert_int_equal(w.xlate.addr, row->addr);
			assert_int_equal(w.xlate.perms, row->perms);
			assert_int_equal(w.xlate.level, row->leaf_level);
			assert_int_equal(w.xlate.memtype, row->mt);
			assert_int_equal(w.xlate.ignore_pat,
					 (row->entry[row->leaf_level] >> 6) & 1);
			assert_true(w.dirty); /* A/D off */
			assert_int_equal(w.table[4], root);
		}
		assert_int_equal(f.writes, 0);
		fx_l1_free(&f);
	}
}

/* A 4 KiB path with A/D flags clear, for the A/D tests. */
struct ad_path {
	struct fake_l1 f;
	uint64_t root, gpa[5];
};

static void ad_path_init(struct ad_path *p, unsigned int leaf_level, uint64_t leaf_bits)
{
	uint64_t table;

	fx_l1_init(&p->f);
	p->root = table = fx_table(&p->f);
	for (unsigned int level = 4; level >= leaf_level; level--) {
		p->gpa[level] = table + 8 * eptm_index(L2GPA, level);
		if (level == leaf_level) {
			fx_poke(&p->f, p->gpa[level], leaf_bits);
			break;
		}
		table = fx_table(&p->f);
		fx_poke(&p->f, p->gpa[level], table | 7);
	}
}

static enum eptm_walk_status ad_walk(struct ad_path *p, bool ad, uint64_t access,
				     struct eptm_walk *w)
{
	struct eptm_l1 l1 = {&p->f.mem, CAP_LARGE, FX_MAXPHYADDR};

	fx_clear_log(&p->f);
	return eptm_walk_ept12(&l1, eptm_make_eptp(p->root, EPTM_MT_WB, 4, ad), L2GPA, access, w);
}

/* EPTP12's PML4 itself outside L1 RAM: a violation as if the PML4E were not present. */
static void test_root_outside_ram(void **state)
{
	struct fake_l1 f;
	struct eptm_l1 l1;
	struct eptm_walk w;

	(void)state;
	fx_l1_init(&f);
	l1 = (struct eptm_l1){&f.mem, CAP_LARGE, FX_MAXPHYADDR};
	assert_int_equal(eptm_walk_ept12(&l1, FX_OUTSIDE_RAM | 6 | (3 << 3) | EPTP_AD_ENABLE, L2GPA,
					 X | PASSED | JUNK, &w),
			 UNRD);
	assert_int_equal(w.qualification, X | PASSED);
	assert_int_equal(w.xlate.level, 4);
	fx_l1_free(&f);
}

static void test_ad_read_sets_accessed(void **state)
{
	struct ad_path p;
	struct eptm_walk w;

	(void)state;
	ad_path_init(&p, 1, PAGE_4K | 7 | WB);
	assert_int_equal(ad_walk(&p, true, R, &w), OK);
	assert_int_equal(p.f.writes, 4);
	for (unsigned int level = 4; level >= 1; level--) {
		assert_true(fx_peek(&p.f, p.gpa[level]) & EPTM_ACCESSED);
		assert_false(fx_peek(&p.f, p.gpa[level]) & EPTM_DIRTY);
	}
	assert_false(w.dirty); /* EPT02 must not give W yet */
	assert_int_equal(ad_walk(&p, true, R | X, &w), OK);
	assert_int_equal(p.f.writes, 0); /* flags already set */
	fx_l1_free(&p.f);
}

static void test_ad_write_sets_dirty(void **state)
{
	struct ad_path p;
	struct eptm_walk w;

	(void)state;
	ad_path_init(&p, 1, PAGE_4K | 7 | WB);
	assert_int_equal(ad_walk(&p, true, W, &w), OK);
	assert_int_equal(p.f.writes, 4);
	assert_int_equal(fx_peek(&p.f, p.gpa[1]), PAGE_4K | 7 | WB | EPTM_ACCESSED | EPTM_DIRTY);
	assert_false(fx_peek(&p.f, p.gpa[2]) & EPTM_DIRTY); /* only the leaf has a dirty flag */
	assert_true(w.dirty);
	/* a guest paging-structure access with A/D on: the CPU reports it as read and write */
	assert_int_equal(ad_walk(&p, true, R | W | EPTM_QUAL_GLA_VALID, &w), OK);
	assert_int_equal(p.f.writes, 0);
	fx_l1_free(&p.f);
}

static void test_ad_large_leaf_dirty(void **state)
{
	struct ad_path p;
	struct eptm_walk w;

	(void)state;
	ad_path_init(&p, 2, PAGE_2M | LARGE | 7 | WB | EPTM_ACCESSED);
	assert_int_equal(ad_walk(&p, true, W, &w), OK);
	assert_int_equal(p.f.writes, 3); /* PML4E, PDPTE; the PDE gets D only */
	assert_int_equal(fx_peek(&p.f, p.gpa[2]),
			 PAGE_2M | LARGE | 7 | WB | EPTM_ACCESSED | EPTM_DIRTY);
	fx_l1_free(&p.f);
}

static void test_ad_preset_dirty(void **state)
{
	struct ad_path p;
	struct eptm_walk w;

	(void)state;
	ad_path_init(&p, 1, PAGE_4K | 7 | WB | EPTM_DIRTY);
	assert_int_equal(ad_walk(&p, true, R, &w), OK);
	assert_true(w.dirty);
	fx_l1_free(&p.f);
}

static void test_ad_off_or_fault_writes_nothing(void **state)
{
	struct ad_path p;
	struct eptm_walk w;

	(void)state;
	ad_path_init(&p, 1, PAGE_4K | R | WB);
	assert_int_equal(ad_walk(&p, false, R, &w), OK);
	assert_int_equal(p.f.writes, 0);
	assert_true(w.dirty);
	assert_int_equal(ad_walk(&p, true, W, &w), VIOL); /* no flags on a violation */
	assert_int_equal(p.f.writes, 0);
	fx_poke(&p.f, p.gpa[1], PAGE_4K | 7 | (2ull << 3));
	assert_int_equal(ad_walk(&p, true, R, &w), MISC);
	assert_int_equal(p.f.writes, 0);
	fx_l1_free(&p.f);
}

/* The walk of one random query checked against the reference, A/D writes included. */
static void check_random_walk(struct fake_l1 *f, uint64_t cap, uint64_t eptp, uint64_t l2gpa,
			      uint64_t hw_qual, size_t *by_status)
{
	static const int status_of[] = {
	    [REF_OK] = OK, [REF_VIOLATION] = VIOL, [REF_MISCONFIG] = MISC, [REF_UNREADABLE] = UNRD};
	struct eptm_l1 l1 = {&f->mem, cap, FX_MAXPHYADDR};
	bool ad = eptm_eptp_ad(eptp), write = hw_qual & W;
	struct ref12 r;
	struct eptm_walk w;
	size_t changed = 0;

	ref_walk12(f, cap, eptp, l2gpa, hw_qual, &r);
	fx_clear_log(f);
	assert_int_equal(eptm_walk_ept12(&l1, eptp, l2gpa, hw_qual, &w), status_of[r.status]);
	by_status[r.status]++;
	if (r.status == REF_VIOLATION || r.status == REF_UNREADABLE)
		assert_int_equal(w.qualification, r.qual);
	if (r.status != REF_OK) {
		assert_int_equal(f->writes, 0);
		return;
	}
	assert_int_equal(w.xlate.addr, r.addr);
	assert_int_equal(w.xlate.perms, r.perms);
	assert_int_equal(w.xlate.level, r.level);
	assert_int_equal(w.xlate.memtype, r.memtype);
	assert_int_equal(w.xlate.ignore_pat, r.ipat);
	assert_int_equal(w.dirty, !ad || r.dirty_before || write);
	for (unsigned int level = 4; level >= r.level; level--) {
		uint64_t want = r.entry[level];

		if (ad)
			want |= EPTM_ACCESSED | (level == r.level && write ? EPTM_DIRTY : 0);
		assert_int_equal(fx_peek(f, r.entry_gpa[level]), want);
		assert_int_equal(w.table[level], r.entry_gpa[level] & EPTM_ADDR_MASK);
		changed += want != r.entry[level];
	}
	assert_int_equal(f->writes, changed);
}

#define SEEDS	16u
#define QUERIES 500u

static void test_walk_random(void **state)
{
	static const uint64_t caps[4] = {FX_CAP_2M | FX_CAP_1G, FX_CAP_2M,
					 FX_CAP_2M | FX_CAP_1G | FX_CAP_EXEC_ONLY, 0};
	size_t by_status[4] = {0};

	(void)state;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		uint64_t rng = seed * 0x9e3779b97f4a7c15ull, cap = caps[seed % 4];
		struct fake_l1 f;
		struct fx_tree t;

		fx_l1_init(&f);
		fx_random_tree(&f, &rng, FX_MAPS, &t);
		for (unsigned int q = 0; q < QUERIES; q++)
			check_random_walk(&f, cap, fx_eptp(&t, fx_below(&rng, 2)),
					  fx_random_l2gpa(&rng, &t), fx_random_qual(&rng),
					  by_status);
		fx_l1_free(&f);
	}
	print_message("%u walks: %zu translated, %zu violations, %zu misconfigurations, "
		      "%zu unreadable\n",
		      SEEDS * QUERIES, by_status[REF_OK], by_status[REF_VIOLATION],
		      by_status[REF_MISCONFIG], by_status[REF_UNREADABLE]);
	for (int s = REF_OK; s <= REF_UNREADABLE; s++)
		assert_true(by_status[s] > SEEDS); /* every outcome is exercised */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_rows),
	    cmocka_unit_test(test_root_outside_ram),
	    cmocka_unit_test(test_ad_read_sets_accessed),
	    cmocka_unit_test(test_ad_write_sets_dirty),
	    cmocka_unit_test(test_ad_large_leaf_dirty),
	    cmocka_unit_test(test_ad_preset_dirty),
	    cmocka_unit_test(test_ad_off_or_fault_writes_nothing),
	    cmocka_unit_test(test_walk_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
