/*
 * ept02_fill.c: EPT02 = EPT01 o EPT12, filled lazily: the handling of L2's EPT violations (walk
 * EPT12, ask EPT01, fill EPT02 or say who handles the fault), the prefill after a reflected
 * violation, and the composition of one leaf (size, permissions, memory type; rules in ept02.h).
 * Touches no hardware. Implements the translation and permission rules of SDM Vol. 3C 29.3.2-
 * 29.3.3, the memory types of 29.3.7 and the invalidation rules of 29.4.3.1.
 */
#include "ept-merge/ept02_pool.h"

#include <string.h>

/* Leaf bits that say what a leaf allows or record its use; the others say where and how it
 * maps. */
#define LEAF_PERM_BITS (EPTM_RWX | EPTM_ACCESSED | EPTM_DIRTY)

/* Strictness of a memory type: lower is stricter (the order in ept02.h). */
static unsigned int memtype_rank(unsigned int mt)
{
	switch (mt) {
	case EPTM_MT_UC:
		return 0;
	case EPTM_MT_WC:
		return 1;
	case EPTM_MT_WT:
		return 2;
	case EPTM_MT_WP:
		return 3;
	default: /* EPTM_MT_WB: callers pass valid leaf types only */
		return 4;
	}
}

unsigned int eptm_memtype_combine(unsigned int mt12, bool ipat12, unsigned int mt01, bool ipat01,
				  bool *ipat02)
{
	unsigned int r12 = memtype_rank(mt12), r01 = memtype_rank(mt01);

	if (r12 == r01) {
		*ipat02 = ipat12 && ipat01;
		return mt12;
	}
	*ipat02 = r12 < r01 ? ipat12 : ipat01;
	return r12 < r01 ? mt12 : mt01;
}

/* The EPT12 table that EPT02's table at @level mirrors for the walk @w: the one the walk read at
 * that level, or none below EPT12's leaf (a large leaf split to fit EPT01). */
static uint64_t mirror_of(const struct eptm_walk *w, unsigned int level)
{
	return level >= w->xlate.level ? w->table[level] : EPTM_NO_SHADOW;
}

/* Makes table @page mirror @shadow, emptying it if it mirrored something else. */
static void sync_mirror(struct eptm *m, uint32_t page, uint64_t shadow)
{
	if (m->meta[page].shadow != shadow) {
		eptm_table_clear(m, page);
		m->meta[page].shadow = shadow;
	}
}

/* The EPT02 table of @level02 on @l2gpa's path in @t, created as needed, or EPTM_NO_PAGE. */
static uint32_t descend(struct eptm *m, struct eptm_tree *t, uint64_t l2gpa,
			const struct eptm_walk *w, unsigned int level02)
{
	uint32_t page = t->root;

	for (unsigned int level = EPTM_LEVELS; level > level02; level--) {
		uint64_t *e;

		sync_mirror(m, page, mirror_of(w, level));
		e = &eptm_page_va(m, page)[eptm_index(l2gpa, level)];
		if (*e && eptm_is_leaf(*e, level)) {
			*e = 0; /* a larger leaf than this fill's: a cache entry, dropped */
			m->flush = true;
		}
		if (!*e) {
			uint32_t child = eptm_page_alloc(m, t, level - 1, mirror_of(w, level - 1));

			if (child == EPTM_NO_PAGE)
				return EPTM_NO_PAGE;
			*e = eptm_make_table(eptm_page_hpa(m, child));
		}
		page = eptm_page_of(m, eptm_entry_addr(*e, level, false));
	}
	sync_mirror(m, page, mirror_of(w, level02));
	return page;
}

/* Writes @leaf at @level into @slot, dropping what it replaces; a flush is due unless the old
 * entry was absent or maps the same way with no more permissions (29.4.3.1). */
static void install(struct eptm *m, uint64_t *slot, unsigned int level, uint64_t leaf)
{
	uint64_t old = *slot;

	if (old && !eptm_is_leaf(old, level))
		eptm_table_free(m, eptm_page_of(m, eptm_entry_addr(old, level, false)));
	else if (old && ((old & ~LEAF_PERM_BITS) != (leaf & ~LEAF_PERM_BITS) ||
			 (old & EPTM_RWX & ~leaf) != 0))
		m->flush = true;
	*slot = leaf;
}

/* The EPT02 leaf for @w12 and @x01 at @level02. */
static uint64_t compose_leaf(const struct eptm_walk *w12, const struct eptm_xlate *x01,
			     unsigned int level02)
{
	uint64_t perms = w12->xlate.perms & x01->perms & EPTM_RWX;
	bool ipat;
	unsigned int mt = eptm_memtype_combine(w12->xlate.memtype, w12->xlate.ignore_pat,
					       x01->memtype, x01->ignore_pat, &ipat);
	uint64_t hpa = x01->addr & ~(eptm_level_size(level02) - 1);

	if (!w12->dirty)
		perms &= ~EPTM_W; /* the first write must exit so that L1's dirty flag is set */
	return eptm_make_leaf(hpa, level02, perms, (enum eptm_memtype)mt) |
	       (ipat ? EPTM_IGNORE_PAT : 0);
}

static unsigned int min_level(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

int eptm_fill(struct eptm *m, uint64_t eptp12, uint64_t l2gpa, const struct eptm_walk *w12,
	      const struct eptm_xlate *x01)
{
	unsigned int level02;
	struct eptm_tree *t;
	uint32_t page;

	if (w12->status != EPTM_WALK_OK || x01->level < 1 || x01->level > 3 ||
	    !eptm_memtype_valid(x01->memtype))
		return EPTM_EINVAL;
	level02 = min_level(min_level(w12->xlate.level, x01->level), m->cfg.max_leaf_level);
	t = eptm_tree_for(m, eptp12);
	/* room for one new table per level below the PML4 down to the leaf's, before descending:
	 * making room may empty this very tree */
	eptm_reclaim(m, t, EPTM_LEVELS - level02);
	page = descend(m, t, l2gpa, w12, level02);
	if (page == EPTM_NO_PAGE)
		return EPTM_ENOMEM;
	install(m, &eptm_page_va(m, page)[eptm_index(l2gpa, level02)], level02,
		compose_leaf(w12, x01, level02));
	m->stats.fills++;
	return EPTM_OK;
}

/* The decision for an access @hw_qual to @l2gpa, with its fill; no statistics. */
static enum eptm_action resolve(struct eptm *m, uint64_t eptp12, uint64_t l2gpa, uint64_t hw_qual,
				struct eptm_outcome *out)
{
	uint64_t access = hw_qual & EPTM_QUAL_ACCESS_MASK;
	struct eptm_walk w;
	struct eptm_xlate x01;

	memset(out, 0, sizeof(*out));
	switch (eptm_walk_ept12(&m->cfg.l1, eptp12, l2gpa, hw_qual, &w)) {
	case EPTM_WALK_OK:
		break;
	case EPTM_WALK_MISCONFIG:
		return out->action = EPTM_REFLECT_MISCONFIG;
	case EPTM_WALK_UNREADABLE: /* L1 sees a violation (ept12_walk.h) */
	case EPTM_WALK_VIOLATION:
		out->unreadable = w.status == EPTM_WALK_UNREADABLE;
		out->qualification = w.qualification;
		return out->action = EPTM_REFLECT_VIOLATION;
	}
	out->l1gpa = w.xlate.addr;
	memset(&x01, 0, sizeof(x01));
	if (!m->cfg.ept01.translate(m->cfg.ept01.ctx, w.xlate.addr, &x01) ||
	    (access & ~x01.perms) != 0 || (w.xlate.perms & x01.perms & EPTM_RWX) == 0)
		return out->action = EPTM_L0_EPT01;
	if (eptm_fill(m, eptp12, l2gpa, &w, &x01) != EPTM_OK)
		return out->action = EPTM_ERROR;
	return out->action = EPTM_RESUME_L2;
}

enum eptm_action eptm_l2_ept_violation(struct eptm *m, uint64_t eptp12, uint64_t l2gpa,
				       uint64_t hw_qual, struct eptm_outcome *out)
{
	switch (resolve(m, eptp12, l2gpa, hw_qual, out)) {
	case EPTM_REFLECT_VIOLATION:
		m->stats.reflected++;
		m->stats.unreadable += out->unreadable;
		break;
	case EPTM_REFLECT_MISCONFIG:
		m->stats.misconfigs++;
		break;
	case EPTM_L0_EPT01:
		m->stats.l0_faults++;
		break;
	case EPTM_RESUME_L2:
	case EPTM_ERROR:
		break;
	}
	return out->action;
}

bool eptm_prefill(struct eptm *m, uint64_t eptp12, uint64_t l2gpa, uint64_t access)
{
	struct eptm_outcome out;
	bool filled =
	    resolve(m, eptp12, l2gpa, access & EPTM_QUAL_ACCESS_MASK, &out) == EPTM_RESUME_L2;

	m->stats.prefills++;
	m->stats.prefilled += filled;
	return filled;
}
