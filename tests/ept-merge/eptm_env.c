/*
 * eptm_env.c: random EPT12s for the ept-merge tests, and one eptm over the fake L1 with the checks
 * the property tests share: the reference decision for an access and the composition of what
 * eptm filled (see eptm_fixture.h).
 */
#include "eptm_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

#include "ept-merge/ept02_pool.h"

static uint64_t random_leaf(uint64_t *rng, unsigned int level)
{
	static const unsigned int types[8] = {0, 1, 4, 5, 6, 6, 6, 6};
	static const unsigned int bad_types[3] = {2, 3, 7};
	static const uint64_t perms[8] = {1, 3, 5, 7, 7, 7, 7, 7};
	unsigned int shift = fx_shift(level);
	uint64_t e = fx_rand(rng) & fx_bits(39, shift);
	uint64_t r = fx_rand(rng);

	e |= r % 8 == 0 ? (r >> 3) % 8 : perms[(r >> 3) % 8];
	e |= (uint64_t)(r % 16 == 1 ? bad_types[(r >> 6) % 3] : types[(r >> 6) % 8]) << 3;
	e |= (r >> 9) & (fx_bits(6, 6) | fx_bits(11, 8)); /* ignore PAT, A, D, bits 10-11 */
	if (level > 1)
		e |= 1ull << 7;
	else if ((r >> 20) % 8 == 0)
		e |= 1ull << 7; /* ignored in a PTE */
	if ((r >> 23) % 8 == 0)
		e |= (r << 40) & fx_bits(63, 52); /* ignored */
	if ((r >> 26) % 32 == 0)
		e |= level > 1 ? 1ull << 12 : 1ull << 47; /* reserved */
	return e;
}

static uint64_t random_upper(uint64_t *rng)
{
	static const uint64_t perms[8] = {1, 3, 5, 7, 7, 7, 7, 7};
	uint64_t r = fx_rand(rng);

	return (r % 4 == 0 ? perms[(r >> 2) % 8] : 7) | ((r >> 5) & fx_bits(11, 8));
}

/* Breaks the entry right above leaf @i of @t, a PDE or PDPTE (entries higher up are few and
 * shared: breaking them would hide most of the tree; the walk tests' table covers them). */
static void break_upper(struct fake_l1 *f, uint64_t *rng, const struct fx_tree *t, size_t i)
{
	unsigned int level = t->level[i] + 1;
	uint64_t table = t->root, gpa = 0, e = 0;

	for (unsigned int l = 4; l >= level; l--) {
		gpa = table + 8 * fx_index(t->l2gpa[i], l);
		if (!fx_in_ram(gpa, 8))
			return;
		e = fx_peek(f, gpa);
		table = e & fx_bits(51, 12);
	}
	switch (fx_below(rng, 5)) {
	case 0:
		e = 0;
		break;
	case 1:
		e = (e & ~7ull) | 2; /* write-only */
		break;
	case 2:
		e |= 1ull << (3 + fx_below(rng, 4)); /* reserved bit 6:3 */
		break;
	case 3:
		e = FX_OUTSIDE_RAM | 7;
		break;
	default:
		e = (e & ~7ull) | 1; /* read-only above */
		break;
	}
	fx_poke(f, gpa, e);
}

/* A leaf address of @level: 1 GiB leaves in PDPT slots 8-63, 2 MiB leaves in PD slots 256-511
 * of PDPT slots 0-3, 4 KiB leaves below PD slots 0-7 of those, so that they share tables more
 * than they replace each other. */
static uint64_t random_slot(uint64_t *rng, unsigned int level)
{
	uint64_t a = fx_below(rng, 2) << 39;

	if (level == 3)
		return a | ((8 + fx_below(rng, 56)) << 30);
	a |= fx_below(rng, 4) << 30;
	if (level == 2)
		return a | ((256 + fx_below(rng, 256)) << 21);
	return a | (fx_below(rng, 8) << 21) | (fx_below(rng, 512) << 12);
}

void fx_random_tree(struct fake_l1 *f, uint64_t *rng, size_t n, struct fx_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->root = fx_table(f);
	assert_true(t->root != 0);
	for (size_t i = 0; i < n && i < FX_MAPS; i++) {
		uint64_t r = fx_below(rng, 20);
		unsigned int level = r < 12 ? 1 : r < 17 ? 2 : 3;
		uint64_t l2gpa = random_slot(rng, level);

		if (fx_set(f, t->root, l2gpa, level, random_leaf(rng, level), random_upper(rng))) {
			t->l2gpa[t->n] = l2gpa;
			t->level[t->n++] = level;
		}
	}
	for (size_t k = 0; k < t->n / 32; k++) {
		size_t i = (size_t)fx_below(rng, t->n);

		if (t->level[i] < 3)
			break_upper(f, rng, t, i);
	}
}

uint64_t fx_random_l2gpa(uint64_t *rng, const struct fx_tree *t)
{
	if (t->n && fx_below(rng, 4) != 0) {
		size_t i = (size_t)fx_below(rng, t->n);

		return t->l2gpa[i] | (fx_rand(rng) & fx_bits(fx_shift(t->level[i]) - 1, 0));
	}
	return (fx_below(rng, 2) << 39) | (fx_below(rng, 64) << 30) |
	       (fx_rand(rng) & fx_bits(29, 0));
}

uint64_t fx_random_qual(uint64_t *rng)
{
	return (fx_rand(rng) & ~7ull) | (1 + fx_below(rng, 7));
}

uint64_t fx_eptp(const struct fx_tree *t, bool ad)
{
	return t->root | 6 | (3 << 3) | (ad ? 1ull << 6 : 0);
}

void fx_env_init(struct fx_env *e, size_t pool_pages, uint64_t cap, unsigned int max_leaf,
		 uint64_t seed)
{
	struct eptm_config cfg;

	fx_pool_init(&e->pool, pool_pages);
	fx_l1_init(&e->f);
	e->m01.seed = seed;
	e->cap = cap;
	e->max_leaf = max_leaf;
	cfg = fx_config(&e->pool, &e->f, cap, &e->m01, max_leaf);
	assert_int_equal(eptm_init(&e->m, &cfg), EPTM_OK);
}

void fx_env_free(struct fx_env *e)
{
	fx_l1_free(&e->f);
	fx_pool_free(&e->pool);
}

void fx_check_pool(const struct eptm *m)
{
	size_t held = 0;

	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		if (m->trees[i].used) {
			assert_true(m->trees[i].pages >= 1);
			held += m->trees[i].pages;
		}
	}
	assert_int_equal(held + m->free_count, m->data_pages);
}

enum eptm_action ref_action(struct fx_env *e, uint64_t eptp, uint64_t l2gpa, uint64_t hw_qual,
			    struct ref12 *r, struct eptm_xlate *x01)
{
	const struct eptm_ept01 *ept01 = &e->m.cfg.ept01;
	uint64_t access = hw_qual & 7;

	ref_walk12(&e->f, e->cap, eptp, l2gpa, hw_qual, r);
	memset(x01, 0, sizeof(*x01));
	if (r->status == REF_MISCONFIG)
		return EPTM_REFLECT_MISCONFIG;
	if (r->status != REF_OK)
		return EPTM_REFLECT_VIOLATION;
	if (!ept01->translate(ept01->ctx, r->addr, x01) || (access & ~x01->perms) ||
	    !(r->perms & x01->perms))
		return EPTM_L0_EPT01;
	return EPTM_RESUME_L2;
}

static bool dirty_after(uint64_t eptp, const struct ref12 *r, uint64_t access)
{
	return !(eptp & (1ull << 6)) || r->dirty_before || (access & 2);
}

void fx_check_filled(struct fx_env *e, uint64_t eptp, uint64_t l2gpa, uint64_t hw_qual,
		     const struct ref12 *r, const struct eptm_xlate *x01, uint64_t *rng,
		     unsigned int probes)
{
	uint64_t eptp02 = eptm_eptp02(&e->m, eptp);
	struct walk02 got;

	walk02(&e->pool, eptp02, l2gpa, &got);
	check_composed(&got, r, x01, dirty_after(eptp, r, hw_qual & 7), e->max_leaf, true);
	for (unsigned int i = 0; i < probes; i++) {
		uint64_t size = 1ull << fx_shift(got.level);
		uint64_t other = (l2gpa & ~(size - 1)) | (fx_rand(rng) & (size - 1));
		struct walk02 got2;
		struct ref12 r2;
		struct eptm_xlate x2;

		walk02(&e->pool, eptp02, other, &got2);
		assert_true(got2.present);
		assert_int_equal(ref_action(e, eptp, other, 0, &r2, &x2), EPTM_RESUME_L2);
		check_composed(&got2, &r2, &x2, dirty_after(eptp, &r2, 0), e->max_leaf, false);
	}
}

uint64_t fx_eptp02_peek(const struct eptm *m, uint64_t eptp)
{
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		const struct eptm_tree *t = &m->trees[i];

		if (t->used && t->key == (eptp & (EPTP_ADDR_MASK | EPTP_AD_ENABLE)))
			return eptm_make_eptp(eptm_page_hpa(m, t->root), EPTM_MT_WB, 4,
					      eptm_eptp_ad(eptp));
	}
	return 0;
}

void fx_check_consistent(struct fx_env *e, uint64_t eptp, uint64_t l2gpa)
{
	uint64_t eptp02 = fx_eptp02_peek(&e->m, eptp);
	struct walk02 got;
	struct ref12 r;
	struct eptm_xlate x01;

	if (!eptp02)
		return;
	walk02(&e->pool, eptp02, l2gpa, &got);
	if (!got.present)
		return;
	assert_int_equal(ref_action(e, eptp, l2gpa, 0, &r, &x01), EPTM_RESUME_L2);
	check_composed(&got, &r, &x01, dirty_after(eptp, &r, 0), e->max_leaf, false);
}

static bool fixed01_translate(void *ctx, uint64_t l1gpa, struct eptm_xlate *out)
{
	const struct fx_fixed01 *x = ctx;

	*out = (struct eptm_xlate){l1gpa + x->offset, x->perms, x->memtype, x->ipat, x->level};
	return x->present;
}

void fx_use_fixed01(struct fx_env *e, struct fx_fixed01 *x)
{
	e->m.cfg.ept01 = (struct eptm_ept01){fixed01_translate, x};
}
