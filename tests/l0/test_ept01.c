/*
 * test_ept01.c: tests of l0/ept01.c: EPT01 over a memory map like OVMF's under Bochs, checked
 * page by page through the walker against an independent reference classification (identity,
 * RWX or not present, WB/UC, large pages used where possible); a property test over random maps
 * (fixed seed); map validation, running out of pages, and the walker's misconfiguration checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "l0/ept01.h"

#define KIB 1024ull
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)
#define PAGE 4096ull

/* A fake pool of host pages: host-physical addresses start at an arbitrary, odd-looking base so
 * that a mix-up of pointers and addresses shows. */
struct pool {
	uint8_t *mem;
	size_t cap;
	size_t used;
	uint64_t base;
};

static void *pool_alloc(void *ctx, uint64_t *hpa)
{
	struct pool *p = ctx;
	uint8_t *page;

	if (p->used == p->cap)
		return NULL;
	page = p->mem + p->used * PAGE;
	memset(page, 0, PAGE);
	*hpa = p->base + p->used * PAGE;
	p->used++;
	return page;
}

static void *pool_va(void *ctx, uint64_t hpa)
{
	struct pool *p = ctx;

	if (hpa < p->base || hpa >= p->base + p->used * PAGE || (hpa & (PAGE - 1)))
		return NULL;
	return p->mem + (hpa - p->base);
}

static struct pool *pool_new(size_t pages)
{
	struct pool *p = calloc(1, sizeof(*p));

	p->mem = aligned_alloc(PAGE, pages ? pages * PAGE : PAGE);
	p->cap = pages;
	p->base = 0x12345000ull << 8;
	return p;
}

static void pool_free(struct pool *p)
{
	free(p->mem);
	free(p);
}

/* The reference: what type a 4 KiB page must have, written independently of ept01.c. */
static enum l0_mem_type ref_type(const struct l0_mem_range *map, size_t n, uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE - 1);
	bool ram = false, mmio = false;

	for (size_t i = 0; i < n; i++) {
		uint64_t lo = map[i].base, hi = map[i].base + map[i].size;

		if (map[i].size == 0 || hi <= page || lo >= page + PAGE)
			continue; /* the entry does not touch this page */
		if (map[i].type == L0_MEM_L0)
			return L0_MEM_L0;
		if (map[i].type == L0_MEM_MMIO)
			mmio = true;
		else
			ram = true;
	}
	return ram && !mmio ? L0_MEM_RAM : L0_MEM_MMIO;
}

/* Whether [start, start + len) has one reference type: the type can change only between the
 * first page an entry touches and the one before, or its last page and the one after. */
static bool ref_uniform(const struct l0_mem_range *map, size_t n, uint64_t start, uint64_t len)
{
	enum l0_mem_type t = ref_type(map, n, start);

	for (size_t i = 0; i < n; i++) {
		/* the first and last page it touches, and the pages just outside */
		uint64_t last = map[i].base + map[i].size - 1;
		uint64_t pts[4] = { map[i].base, map[i].base - PAGE, last, last + PAGE };

		if (!map[i].size)
			continue;
		for (int k = 0; k < 4; k++) {
			bool inside = pts[k] >= start && pts[k] - start < len;

			if (inside && ref_type(map, n, pts[k]) != t)
				return false;
		}
	}
	return true;
}

struct built {
	struct l0_ept01_config cfg;
	struct l0_ept01 ept;
	struct pool *pool;
	struct l0_page_access mem;
};

static int build(struct built *b, const struct l0_mem_range *map, size_t n, unsigned int width,
		 bool allow_2m, bool allow_1g, size_t pool_pages)
{
	struct l0_page_alloc alloc;

	memset(b, 0, sizeof(*b));
	b->cfg = (struct l0_ept01_config){ map, n, width, allow_2m, allow_1g };
	b->pool = pool_new(pool_pages);
	alloc = (struct l0_page_alloc){ pool_alloc, b->pool };
	b->mem = (struct l0_page_access){ pool_va, b->pool };
	return l0_ept01_build(&b->cfg, &alloc, &b->ept);
}

static unsigned long checked;

/* Translates @gpa and compares with the reference; checks the leaf is as large as allowed. */
static void check_addr(const struct built *b, uint64_t gpa, bool check_minimal)
{
	const struct l0_mem_range *map = b->cfg.map;
	size_t n = b->cfg.count;
	struct l0_ept_xlate x;
	int err = l0_ept01_translate(&b->mem, b->ept.eptp, gpa, &x);
	enum l0_mem_type want = ref_type(map, n, gpa);

	checked++;
	if (gpa >= b->ept.limit) {
		assert_int_equal(err, L0_EPT01_ENOT_MAPPED);
		return;
	}
	if (ref_type(map, n, gpa) != l0_ept01_page_type(&b->cfg, gpa))
		fail_msg("page type of 0x%llx differs", (unsigned long long)gpa);
	if (want == L0_MEM_L0) {
		if (err != L0_EPT01_ENOT_MAPPED)
			fail_msg("L0 page 0x%llx is mapped (err %d)", (unsigned long long)gpa, err);
		return;
	}
	if (err != L0_EPT01_OK)
		fail_msg("0x%llx: err %d at level %u", (unsigned long long)gpa, err, x.level);
	assert_int_equal(x.hpa, gpa);
	assert_int_equal(x.perms, EPTM_RWX);
	assert_int_equal(x.memtype, want == L0_MEM_RAM ? EPTM_MT_WB : EPTM_MT_UC);
	assert_false(x.ignore_pat);
	if (!check_minimal)
		return;
	/* splitting only where needed: one level up, the range was not uniform (or not allowed) */
	if (x.level == 1 && b->cfg.allow_2m)
		assert_false(ref_uniform(map, n, gpa & ~(2 * MIB - 1), 2 * MIB));
	if (x.level <= 2 && b->cfg.allow_1g)
		assert_false(ref_uniform(map, n, gpa & ~(GIB - 1), GIB));
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Pages around every map boundary, then @samples random addresses below 2 * limit. */
static void check_map(const struct built *b, unsigned int samples)
{
	for (size_t i = 0; i < b->cfg.count; i++) {
		const struct l0_mem_range *r = &b->cfg.map[i];
		uint64_t edges[2] = { r->base, r->base + r->size };

		for (int k = 0; k < 2; k++) {
			for (int d = -3; d <= 3; d++) {
				uint64_t a = edges[k] + (uint64_t)((int64_t)d * (int64_t)PAGE);

				if (a < (1ull << b->cfg.pa_width))
					check_addr(b, a, true);
			}
		}
	}
	for (unsigned int s = 0; s < samples; s++)
		check_addr(b, rnd() % (2 * b->ept.limit), true);
}

/* OVMF under Bochs, roughly: low RAM, the legacy hole, RAM to 1 GiB in several firmware pieces,
 * L0's 9 pages at an odd address straddling a 2 MiB boundary, the IOAPIC, the local APIC and
 * the flash below 4 GiB. */
static const struct l0_mem_range bochs_map[] = {
	{ 0x0, 0xa0000, L0_MEM_RAM },
	{ 0x100000, 0x700000, L0_MEM_RAM },
	{ 0x800000, 0x3e800000, L0_MEM_RAM },
	{ 0x3f000000, 0x1000000, L0_MEM_RAM },
	{ 0x7ffd000, 9 * PAGE, L0_MEM_L0 },
	{ 0xfec00000, 0x1000, L0_MEM_MMIO },
	{ 0xfee00000, 0x1000, L0_MEM_MMIO },
	{ 0xffc00000, 0x400000, L0_MEM_MMIO },
};
#define BOCHS_N (sizeof(bochs_map) / sizeof(bochs_map[0]))

static void test_bochs_map_large_pages(void **state)
{
	struct built b;

	(void)state;
	assert_int_equal(build(&b, bochs_map, BOCHS_N, 39, true, true, 64), L0_EPT01_OK);
	assert_int_equal(b.ept.limit, 4 * GIB);
	assert_int_equal(eptm_eptp_root(b.ept.eptp), b.pool->base); /* the first page taken */
	assert_int_equal(b.ept.eptp & 0xfff, 0x1e); /* WB, 4 levels, no A/D */
	/* PML4, PDPT, the PD of GiB 0, the PT of 0..2 MiB and the two PTs around L0's pages */
	assert_int_equal(b.ept.tables, 6);
	assert_int_equal(b.pool->used, 6);
	assert_int_equal(b.ept.leaves[2], 3);                  /* GiB 1..3: hole and MMIO, UC */
	assert_int_equal(b.ept.leaves[1], 512 - 3);            /* 2 MiB RAM leaves of GiB 0 */
	assert_int_equal(b.ept.leaves[0], 512 + 509 + 506);    /* minus L0's 3 + 6 pages */

	/* every page of the first 2 MiB, of the 4 MiB around L0, of the top 64 MiB below 4 GiB */
	for (uint64_t a = 0; a < 2 * MIB; a += PAGE)
		check_addr(&b, a + (a >> 12) % PAGE, true);
	for (uint64_t a = 0x7e00000; a < 0x8200000; a += PAGE)
		check_addr(&b, a + 0x123, true);
	for (uint64_t a = 4 * GIB - 64 * MIB; a < 4 * GIB; a += PAGE)
		check_addr(&b, a + 0xfff, true);
	rng_state = 0x9e3779b97f4a7c15ull;
	check_map(&b, 20000);

	/* spot checks with the SDM's eyes */
	struct l0_ept_xlate x;

	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 0xfee00030, &x), L0_EPT01_OK);
	assert_int_equal(x.memtype, EPTM_MT_UC);
	assert_int_equal(x.level, 3);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 0x7fff123, &x),
			 L0_EPT01_ENOT_MAPPED);
	assert_int_equal(x.level, 1);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 0x8006000, &x), L0_EPT01_OK);
	assert_int_equal(x.level, 1);
	assert_int_equal(x.memtype, EPTM_MT_WB);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 0x20000000, &x), L0_EPT01_OK);
	assert_int_equal(x.level, 2);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 0xa5000, &x), L0_EPT01_OK);
	assert_int_equal(x.memtype, EPTM_MT_UC); /* legacy VGA hole */
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 4 * GIB, &x), L0_EPT01_ENOT_MAPPED);
	assert_int_equal(x.level, 3);
	pool_free(b.pool);
}

static void test_bochs_map_without_1g(void **state)
{
	struct built b;

	(void)state;
	assert_int_equal(build(&b, bochs_map, BOCHS_N, 39, true, false, 64), L0_EPT01_OK);
	assert_int_equal(b.ept.tables, 6 + 3); /* a PD for each of GiB 1..3 */
	assert_int_equal(b.ept.leaves[2], 0);
	/* GiB 3: 2 MiB UC leaves except none needs splitting: the hole is UC as MMIO is */
	assert_int_equal(b.ept.leaves[1], 509 + 3 * 512);
	rng_state = 42;
	check_map(&b, 20000);
	pool_free(b.pool);
}

static void test_bochs_map_4k_only(void **state)
{
	struct built b;

	(void)state;
	assert_int_equal(build(&b, bochs_map, BOCHS_N, 39, false, false, 2100), L0_EPT01_OK);
	assert_int_equal(b.ept.tables, 1 + 1 + 4 + 2048);
	assert_int_equal(b.ept.leaves[0], 4 * GIB / PAGE - 9);
	rng_state = 7;
	check_map(&b, 5000);
	pool_free(b.pool);
}

static void test_random_maps(void **state)
{
	static const uint64_t sizes[] = { PAGE, 3 * PAGE, 64 * KIB, 1 * MIB, 2 * MIB, 6 * MIB,
					  100 * MIB, GIB, 3 * GIB };
	struct l0_mem_range map[16];

	(void)state;
	rng_state = 0x243f6a8885a308d3ull;
	for (int round = 0; round < 60; round++) {
		size_t n = 1 + rnd() % 16;
		unsigned int width = 36 + rnd() % 10;
		bool a2 = rnd() % 4 != 0, a1 = a2 && rnd() % 2;
		struct built b;
		uint64_t top = 4 * GIB;

		for (size_t i = 0; i < n; i++) {
			uint64_t base = rnd() % (12 * GIB);
			uint64_t size = sizes[rnd() % 9];

			if (rnd() % 3 == 0) /* a third aligned to 2 MiB, some unaligned in a page */
				base &= ~(2 * MIB - 1);
			else if (rnd() % 4 != 0)
				base &= ~(PAGE - 1);
			if (rnd() % 5 == 0)
				size += rnd() % PAGE;
			map[i] = (struct l0_mem_range){ base, size, (enum l0_mem_type)(rnd() % 3) };
			if (map[i].type == L0_MEM_L0)
				map[i].size = map[i].size > 16 * MIB ? 16 * MIB : map[i].size;
			if (map[i].base + map[i].size > top)
				top = map[i].base + map[i].size;
		}
		assert_int_equal(build(&b, map, n, width, a2, a1, a2 ? 600 : 9000), L0_EPT01_OK);
		assert_int_equal(b.ept.limit, (top + GIB - 1) & ~(GIB - 1));
		check_map(&b, 1500);
		pool_free(b.pool);
	}
	print_message("random maps: %lu addresses checked\n", checked);
}

static void test_validation(void **state)
{
	static const struct {
		struct l0_mem_range r;
		unsigned int width;
		int err;
	} rows[] = {
		{ { 0, 4096, L0_MEM_RAM }, 31, L0_EPT01_EBAD_WIDTH },
		{ { 0, 4096, L0_MEM_RAM }, 53, L0_EPT01_EBAD_WIDTH },
		{ { UINT64_MAX - 100, 4096, L0_MEM_RAM }, 52, L0_EPT01_EBAD_MAP }, /* wraps */
		{ { (1ull << 39) - 4096, 8192, L0_MEM_RAM }, 39, L0_EPT01_EBAD_MAP }, /* > width */
		{ { 1ull << 48, 4096, L0_MEM_MMIO }, 52, L0_EPT01_EBAD_MAP }, /* beyond 4 levels */
		{ { 0, 4096, L0_MEM_TYPE_COUNT }, 39, L0_EPT01_EBAD_MAP },
		{ { (1ull << 39) - 4096, 4096, L0_MEM_RAM }, 39, L0_EPT01_OK }, /* ends at 2^39 */
		{ { UINT64_MAX, 0, L0_MEM_RAM }, 39, L0_EPT01_OK }, /* empty entries are ignored */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct built b;

		assert_int_equal(build(&b, &rows[i].r, 1, rows[i].width, true, true, 16),
				 rows[i].err);
		if (rows[i].err != L0_EPT01_OK)
			assert_int_equal(b.pool->used, 0); /* refused before taking pages */
		pool_free(b.pool);
	}
}

static void test_out_of_pages(void **state)
{
	(void)state;
	for (size_t pages = 0; pages < 6; pages++) {
		struct built b;

		assert_int_equal(build(&b, bochs_map, BOCHS_N, 39, true, true, pages),
				 L0_EPT01_ENOMEM);
		assert_int_equal(b.pool->used, pages);
		pool_free(b.pool);
	}
}

/* Hand-made tables: one PML4, PDPT, PD, PT chain for GPA 0x234, entries varied per row. */
static void test_walker_checks(void **state)
{
	static const struct {
		uint64_t pml4e_flags, pdpte_flags, pde, pte;
		int err;
		unsigned int level;
		uint64_t perms;
	} rows[] = {
		{ EPTM_RWX, EPTM_RWX, 0, EPTM_RWX | (6 << 3), L0_EPT01_OK, 1, EPTM_RWX },
		{ EPTM_RWX, EPTM_R, 0, EPTM_RWX | (6 << 3), L0_EPT01_OK, 1, EPTM_R },
		{ EPTM_R | EPTM_X, EPTM_RWX, 0, EPTM_R | EPTM_W, L0_EPT01_OK, 1, EPTM_R }, /* UC */
		{ EPTM_W, EPTM_RWX, 0, EPTM_RWX, L0_EPT01_EMISCONFIG, 4, 0 },  /* write-only */
		{ EPTM_X, EPTM_RWX, 0, EPTM_RWX, L0_EPT01_EMISCONFIG, 4, 0 },  /* no exec-only */
		{ EPTM_RWX | EPTM_LARGE, EPTM_RWX, 0, EPTM_RWX, L0_EPT01_EMISCONFIG, 4, 0 },
		{ EPTM_RWX | (1 << 3), EPTM_RWX, 0, EPTM_RWX, L0_EPT01_EMISCONFIG, 4, 0 },
		{ 0, EPTM_RWX, 0, EPTM_RWX, L0_EPT01_ENOT_MAPPED, 4, 0 },
		{ EPTM_RWX, 0, 0, EPTM_RWX, L0_EPT01_ENOT_MAPPED, 3, 0 },
		{ EPTM_RWX, EPTM_RWX, 0, 0, L0_EPT01_ENOT_MAPPED, 1, 0 },
		{ EPTM_RWX, EPTM_RWX, 0, EPTM_RWX | (2 << 3), L0_EPT01_EMISCONFIG, 1, 0 },
		{ EPTM_RWX, EPTM_RWX, 0, EPTM_RWX | (7 << 3), L0_EPT01_EMISCONFIG, 1, 0 },
		/* a 2 MiB leaf: with its reserved bit 12 set, and clean with IPAT */
		{ EPTM_RWX, EPTM_RWX, EPTM_RWX | EPTM_LARGE | (6 << 3) | 0x1000, 0,
		  L0_EPT01_EMISCONFIG, 2, 0 },
		{ EPTM_RWX, EPTM_RWX,
		  EPTM_RWX | EPTM_LARGE | EPTM_IGNORE_PAT | (4 << 3) | 0x40000000, 0,
		  L0_EPT01_OK, 2, EPTM_RWX },
	};
	struct pool *p = pool_new(4);
	struct l0_page_access mem = { pool_va, p };
	uint64_t hpa[4], *t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		t[i] = pool_alloc(p, &hpa[i]);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct l0_ept_xlate x;
		uint64_t eptp = eptm_make_eptp(hpa[0], EPTM_MT_WB, 4, false);

		t[0][0] = rows[i].pml4e_flags ? hpa[1] | rows[i].pml4e_flags : 0;
		t[1][0] = rows[i].pdpte_flags ? hpa[2] | rows[i].pdpte_flags : 0;
		t[2][0] = rows[i].pde ? rows[i].pde : hpa[3] | EPTM_RWX;
		t[3][0] = rows[i].pte ? 0xabcde000ull | rows[i].pte : 0;
		assert_int_equal(l0_ept01_translate(&mem, eptp, 0x234, &x), rows[i].err);
		assert_int_equal(x.level, rows[i].level);
		if (rows[i].err != L0_EPT01_OK)
			continue;
		assert_int_equal(x.perms, rows[i].perms);
		if (rows[i].level == 1) {
			assert_int_equal(x.hpa, 0xabcde234ull);
			assert_int_equal(x.memtype, (rows[i].pte >> 3) & 7);
		} else {
			assert_int_equal(x.hpa, 0x40000234ull);
			assert_int_equal(x.memtype, EPTM_MT_WT);
			assert_true(x.ignore_pat);
		}
	}
	/* a table the access callback does not know, and a 5-level EPTP */
	struct l0_ept_xlate x;

	t[0][0] = 0xdead000ull | EPTM_RWX;
	assert_int_equal(l0_ept01_translate(&mem, eptm_make_eptp(hpa[0], EPTM_MT_WB, 4, false), 0,
					    &x),
			 L0_EPT01_EBAD_TABLE);
	assert_int_equal(l0_ept01_translate(&mem, eptm_make_eptp(hpa[0], EPTM_MT_WB, 5, false), 0,
					    &x),
			 L0_EPT01_EBAD_TABLE);
	pool_free(p);
}

/* The decoy mapping L0 installs where L1 reaches for L0's pages, and lazy mappings beyond the
 * limit: a 4 KiB leaf into a non-present entry, into a split 1 GiB leaf, and into a table. */
static void test_map_page(void **state)
{
	struct built b;
	struct l0_page_alloc alloc;
	struct l0_ept_xlate x;
	const uint64_t decoy = 0xabcd000, l0_page = 0x7ffe000;
	uint64_t leaf = eptm_make_leaf(decoy, 1, EPTM_R | EPTM_W, EPTM_MT_WB);
	size_t tables, leaves4k;

	(void)state;
	assert_int_equal(build(&b, bochs_map, BOCHS_N, 39, true, true, 64), L0_EPT01_OK);
	alloc = (struct l0_page_alloc){ pool_alloc, b.pool };
	tables = b.ept.tables;
	leaves4k = b.ept.leaves[0];

	/* L0's page: its PT exists, the entry is not present; afterwards L1 sees the decoy */
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, l0_page, &x),
			 L0_EPT01_ENOT_MAPPED);
	assert_int_equal(l0_ept01_map_page(&alloc, &b.mem, &b.ept, l0_page + 0x10, leaf),
			 L0_EPT01_OK);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, l0_page + 0x10, &x), L0_EPT01_OK);
	assert_int_equal(x.hpa, decoy + 0x10);
	assert_int_equal(x.perms, EPTM_R | EPTM_W);
	assert_int_equal(x.memtype, EPTM_MT_WB);
	assert_int_equal(b.ept.tables, tables);
	assert_int_equal(b.ept.leaves[0], leaves4k + 1);
	/* its neighbours, L0's too, stay unmapped */
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, l0_page + PAGE, &x),
			 L0_EPT01_ENOT_MAPPED);

	/* GiB 2 is one UC leaf: split into 2 MiB leaves, then one of those into 4 KiB leaves */
	assert_int_equal(l0_ept01_map_page(&alloc, &b.mem, &b.ept, 2 * GIB + 5 * MIB, leaf),
			 L0_EPT01_OK);
	assert_int_equal(b.ept.tables, tables + 2);
	assert_int_equal(b.ept.leaves[2], 2);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 2 * GIB + 5 * MIB, &x),
			 L0_EPT01_OK);
	assert_int_equal(x.hpa, decoy);
	assert_int_equal(x.level, 1);
	/* the rest of that GiB still maps identically, with its old type, at the smaller sizes */
	for (uint64_t a = 2 * GIB; a < 3 * GIB; a += 3 * MIB + 12 * PAGE) {
		if (a >> 12 == (2 * GIB + 5 * MIB) >> 12)
			continue;
		assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, a, &x), L0_EPT01_OK);
		assert_int_equal(x.hpa, a);
		assert_int_equal(x.memtype, EPTM_MT_UC);
		assert_int_equal(x.perms, EPTM_RWX);
	}

	/* beyond the limit nothing exists: a PDPT entry, a PD and a PT are created */
	assert_int_equal(l0_ept01_map_page(&alloc, &b.mem, &b.ept, 16 * GIB, leaf), L0_EPT01_OK);
	assert_int_equal(b.ept.tables, tables + 4);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 16 * GIB + 8, &x), L0_EPT01_OK);
	assert_int_equal(x.hpa, decoy + 8);

	/* out of pages: an error, and what was mapped stays */
	b.pool->cap = b.pool->used;
	assert_int_equal(l0_ept01_map_page(&alloc, &b.mem, &b.ept, 100 * GIB, leaf),
			 L0_EPT01_ENOMEM);
	assert_int_equal(l0_ept01_translate(&b.mem, b.ept.eptp, 16 * GIB, &x), L0_EPT01_OK);
	pool_free(b.pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_map_large_pages),
		cmocka_unit_test(test_bochs_map_without_1g),
		cmocka_unit_test(test_bochs_map_4k_only),
		cmocka_unit_test(test_random_maps),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_out_of_pages),
		cmocka_unit_test(test_walker_checks),
		cmocka_unit_test(test_map_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
