/*
 * eptm_fixture.c: the ept-merge tests' fake L1 memory, EPT12 builder, reference models and EPT02
 * walker (see eptm_fixture.h). The reference EPT12 walk restates the SDM's entry tables (Vol. 3C
 * 29.3.2, Tables 29-1..29-6; 29.3.3; 28.2.1 Table 28-7) as explicit bit ranges, apart from the code
 * under test.
 */
#include "eptm_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PAGE	  4096ull
#define POOL_HPA  0x7000000000ull
#define QUAL_KEPT ((1ull << 7) | (1ull << 8) | (1ull << 12))

uint64_t fx_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t fx_below(uint64_t *state, uint64_t n)
{
	return fx_rand(state) % n;
}

static int fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake_l1 *f = ctx;

	if (!fx_in_ram(gpa, len))
		return VMXE_GMEM_UNMAPPED;
	memcpy(buf, f->ram + (gpa - FX_RAM_BASE), len);
	return VMXE_GMEM_OK;
}

static int fake_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct fake_l1 *f = ctx;

	if (!fx_in_ram(gpa, len))
		return VMXE_GMEM_UNMAPPED;
	memcpy(f->ram + (gpa - FX_RAM_BASE), buf, len);
	if (f->writes < FX_LOG)
		f->write_gpa[f->writes] = gpa;
	f->writes++;
	return VMXE_GMEM_OK;
}

void fx_l1_init(struct fake_l1 *f)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(FX_RAM_PAGES, PAGE);
	assert_non_null(f->ram);
	f->mem = (struct vmxe_gmem){.read = fake_read, .write = fake_write, .ctx = f};
}

void fx_l1_free(struct fake_l1 *f)
{
	free(f->ram);
	f->ram = NULL;
}

void fx_clear_log(struct fake_l1 *f)
{
	f->writes = 0;
}

uint64_t fx_table(struct fake_l1 *f)
{
	uint64_t gpa;

	if (f->next_page >= FX_RAM_PAGES)
		return 0;
	gpa = FX_RAM_BASE + f->next_page++ * PAGE;
	memset(f->ram + (gpa - FX_RAM_BASE), 0, PAGE);
	return gpa;
}

uint64_t fx_peek(const struct fake_l1 *f, uint64_t gpa)
{
	uint64_t v;

	assert_true(fx_in_ram(gpa, 8));
	memcpy(&v, f->ram + (gpa - FX_RAM_BASE), 8);
	return v;
}

void fx_poke(struct fake_l1 *f, uint64_t gpa, uint64_t value)
{
	assert_true(fx_in_ram(gpa, 8));
	memcpy(f->ram + (gpa - FX_RAM_BASE), &value, 8);
}

uint64_t fx_set(struct fake_l1 *f, uint64_t root, uint64_t l2gpa, unsigned int level,
		uint64_t entry, uint64_t upper)
{
	uint64_t table = root, gpa;

	for (unsigned int l = 4; l > level; l--) {
		uint64_t e;

		gpa = table + 8 * fx_index(l2gpa, l);
		if (!fx_in_ram(gpa, 8))
			return 0;
		e = fx_peek(f, gpa);
		if ((e & 7) == 0) {
			uint64_t t = fx_table(f);

			if (!t)
				return 0;
			e = t | upper;
			fx_poke(f, gpa, e);
		} else if (l < 4 && (e & (1ull << 7))) {
			return 0;
		}
		table = e & fx_bits(51, 12);
	}
	gpa = table + 8 * fx_index(l2gpa, level);
	if (!fx_in_ram(gpa, 8))
		return 0;
	fx_poke(f, gpa, entry);
	return gpa;
}

/* Reserved bits of a present entry (SDM Tables 29-1..29-6, MBEC and #VE off). */
static uint64_t reserved(unsigned int level, bool leaf)
{
	uint64_t high = fx_bits(51, FX_MAXPHYADDR);

	if (level == 4)
		return high | fx_bits(7, 3);
	if (!leaf)
		return high | fx_bits(6, 3);
	if (level == 3)
		return high | fx_bits(29, 12);
	if (level == 2)
		return high | fx_bits(20, 12);
	return high;
}

static bool ref_misconfigured(uint64_t cap, uint64_t e, unsigned int level, bool leaf)
{
	unsigned int p = (unsigned int)(e & 7), mt = (unsigned int)((e >> 3) & 7);

	if (p == 2 || p == 6 || (p == 4 && !(cap & FX_CAP_EXEC_ONLY)))
		return true;
	if (e & reserved(level, leaf))
		return true;
	if (leaf && ((level == 3 && !(cap & FX_CAP_1G)) || (level == 2 && !(cap & FX_CAP_2M))))
		return true;
	return leaf && (mt == 2 || mt == 3 || mt == 7);
}

static void ref_fault(struct ref12 *r, int status, uint64_t perms, uint64_t hw_qual)
{
	r->status = status;
	r->perms = perms;
	r->qual = (hw_qual & (7 | QUAL_KEPT)) | (perms << 3);
}

void ref_walk12(const struct fake_l1 *f, uint64_t cap, uint64_t eptp, uint64_t l2gpa,
		uint64_t hw_qual, struct ref12 *r)
{
	uint64_t table = eptp & fx_bits(51, 12), and = 7, access = hw_qual & 7;

	memset(r, 0, sizeof(*r));
	for (unsigned int level = 4; level >= 1; level--) {
		uint64_t gpa = table + 8 * fx_index(l2gpa, level), e;
		bool leaf;

		r->level = level;
		if (!fx_in_ram(gpa, 8)) {
			ref_fault(r, REF_UNREADABLE, 0, hw_qual);
			return;
		}
		e = fx_peek(f, gpa);
		r->entry_gpa[level] = gpa;
		r->entry[level] = e;
		if ((e & 7) == 0) {
			ref_fault(r, REF_VIOLATION, 0, hw_qual);
			return;
		}
		leaf = level == 1 || (level != 4 && (e & (1ull << 7)));
		if (ref_misconfigured(cap, e, level, leaf)) {
			r->status = REF_MISCONFIG;
			return;
		}
		and &= e;
		if (!leaf) {
			table = e & fx_bits(51, 12);
			continue;
		}
		if (access & ~and) {
			ref_fault(r, REF_VIOLATION, and, hw_qual);
			return;
		}
		r->status = REF_OK;
		r->perms = and;
		r->addr =
		    (e & fx_bits(51, fx_shift(level))) | (l2gpa & fx_bits(fx_shift(level) - 1, 0));
		r->memtype = (unsigned int)((e >> 3) & 7);
		r->ipat = (e >> 6) & 1;
		r->dirty_before = (e >> 9) & 1;
		return;
	}
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash(const struct model01 *m, uint64_t a, uint64_t salt)
{
	return mix(m->seed ^ mix(a * 0x9e3779b97f4a7c15ull + salt));
}

bool model01_translate(void *ctx, uint64_t l1gpa, struct eptm_xlate *out)
{
	static const uint64_t perms[8] = {1, 5, 3, 7, 7, 7, 7, 7};
	static const unsigned int types[5] = {0, 1, 4, 5, 6};
	const struct model01 *m = ctx;
	unsigned int level = 1, shift;
	uint64_t k;

	if (hash(m, l1gpa >> 30, 1) % 4 == 0)
		level = 3;
	else if (hash(m, l1gpa >> 21, 2) % 3 == 0)
		level = 2;
	shift = fx_shift(level);
	k = hash(m, l1gpa >> shift, 10 + level);
	if (k % 10 == 0)
		return false;
	out->perms = perms[(k >> 4) % 8];
	out->memtype = types[(k >> 8) % 5];
	out->ignore_pat = (k >> 12) & 1;
	out->level = level;
	out->addr = (((k >> 16) << shift) & fx_bits(45, shift)) | (l1gpa & fx_bits(shift - 1, 0));
	return true;
}

void fx_pool_init(struct fx_pool *p, size_t pages)
{
	p->va = aligned_alloc(PAGE, pages * PAGE);
	assert_non_null(p->va);
	memset(p->va, 0xa5, pages * PAGE); /* eptm must not count on a zeroed pool */
	p->hpa = POOL_HPA;
	p->pages = pages;
}

void fx_pool_free(struct fx_pool *p)
{
	free(p->va);
}

static const uint64_t *pool_table(const struct fx_pool *p, uint64_t hpa)
{
	assert_true(hpa >= p->hpa && hpa - p->hpa < p->pages * PAGE);
	assert_int_equal(hpa & (PAGE - 1), 0);
	return (const uint64_t *)((const uint8_t *)p->va + (hpa - p->hpa));
}

/* A present EPT02 entry must be what the CPU walks without a misconfiguration: exact table
 * pointers (addr | RWX), leaves with only address, permissions, type, ignore-PAT and size bits. */
static void check_entry02(uint64_t e, unsigned int level, bool leaf)
{
	unsigned int p = (unsigned int)(e & 7), mt = (unsigned int)((e >> 3) & 7);
	uint64_t addr_bits = leaf ? fx_bits(51, fx_shift(level)) : fx_bits(51, 12);
	uint64_t allowed =
	    addr_bits | 7 | (leaf ? fx_bits(6, 3) : 0) | (leaf && level > 1 ? 1u << 7 : 0);

	assert_int_equal(e & ~allowed, 0);
	assert_false(p == 2 || p == 6);
	if (!leaf)
		assert_int_equal(p, 7);
	else
		assert_true(mt == 0 || mt == 1 || mt == 4 || mt == 5 || mt == 6);
}

void walk02(const struct fx_pool *p, uint64_t eptp02, uint64_t l2gpa, struct walk02 *out)
{
	uint64_t table = eptp02 & fx_bits(51, 12);

	memset(out, 0, sizeof(*out));
	assert_int_equal(eptp02 & fx_bits(5, 0), 6 | (3 << 3)); /* WB, 4 levels */
	assert_int_equal(eptp02 & fx_bits(11, 7), 0);
	for (unsigned int level = 4; level >= 1; level--) {
		uint64_t e = pool_table(p, table)[fx_index(l2gpa, level)];
		bool leaf = level == 1 || (level != 4 && (e & (1ull << 7)));

		if ((e & 7) == 0) {
			assert_int_equal(e, 0);
			return;
		}
		check_entry02(e, level, leaf);
		if (!leaf) {
			table = e & fx_bits(51, 12);
			continue;
		}
		out->present = true;
		out->level = level;
		out->perms = e & 7;
		out->memtype = (unsigned int)((e >> 3) & 7);
		out->ipat = (e >> 6) & 1;
		out->hpa =
		    (e & fx_bits(51, fx_shift(level))) | (l2gpa & fx_bits(fx_shift(level) - 1, 0));
		return;
	}
}

static size_t count_table(const struct fx_pool *p, uint64_t hpa, unsigned int level)
{
	const uint64_t *t = pool_table(p, hpa);
	size_t n = 0;

	for (unsigned int i = 0; i < 512; i++) {
		if ((t[i] & 7) == 0)
			continue;
		if (level == 1 || (level != 4 && (t[i] & (1ull << 7))))
			n++;
		else
			n += count_table(p, t[i] & fx_bits(51, 12), level - 1);
	}
	return n;
}

size_t count02(const struct fx_pool *p, uint64_t eptp02)
{
	return count_table(p, eptp02 & fx_bits(51, 12), 4);
}

struct eptm_config fx_config(const struct fx_pool *pool, struct fake_l1 *f, uint64_t cap,
			     struct model01 *m01, unsigned int max_leaf_level)
{
	return (struct eptm_config){
	    .pool_va = pool->va,
	    .pool_hpa = pool->hpa,
	    .pool_pages = pool->pages,
	    .max_leaf_level = max_leaf_level,
	    .l1 = {.mem = &f->mem, .ept_vpid_cap = cap, .maxphyaddr = FX_MAXPHYADDR},
	    .ept01 = {.translate = model01_translate, .ctx = m01},
	};
}

unsigned int ref_memtype(unsigned int mt12, bool ipat12, unsigned int mt01, bool ipat01, bool *ipat)
{
	/* UC strongest, then WC, WT, WP, WB; -1 marks the reserved encodings */
	static const int rank[8] = {0, 1, -1, -1, 2, 3, 4, -1};

	assert_true(rank[mt12] >= 0 && rank[mt01] >= 0);
	if (rank[mt12] < rank[mt01]) {
		*ipat = ipat12;
		return mt12;
	}
	if (rank[mt01] < rank[mt12]) {
		*ipat = ipat01;
		return mt01;
	}
	*ipat = ipat12 && ipat01;
	return mt12;
}

void check_composed(const struct walk02 *got, const struct ref12 *r12, const struct eptm_xlate *x01,
		    bool dirty, unsigned int max_level, bool exact)
{
	unsigned int level = r12->level < x01->level ? r12->level : x01->level;
	uint64_t perms = r12->perms & x01->perms & 7;
	bool ipat;
	unsigned int mt =
	    ref_memtype(r12->memtype, r12->ipat, x01->memtype, x01->ignore_pat, &ipat);

	if (level > max_level)
		level = max_level;
	if (!dirty)
		perms &= ~2ull;
	assert_true(got->present);
	assert_int_equal(got->hpa, x01->addr);
	assert_int_equal(got->memtype, mt);
	assert_int_equal(got->ipat, ipat);
	if (exact) {
		assert_int_equal(got->level, level);
		assert_int_equal(got->perms, perms);
	} else {
		assert_true(got->level <= level);
		assert_int_equal(got->perms & ~perms, 0);
	}
}
