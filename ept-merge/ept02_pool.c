/*
 * ept02_pool.c: the bounded pool of EPT02 table pages and the EPT02 trees' lifetimes: one tree per
 * EPTP12 with least-recently-used replacement, room made by dropping trees, INVEPT (SDM Vol. 3C
 * 31.3, 29.4.3), and the reverse map from EPT12 table pages to the EPT02 tables that mirror them.
 * Touches no hardware: the pool is memory L0 gave at init (rules in ept02.h, layout in
 * ept02_pool.h).
 */
#include "ept-merge/ept02_pool.h"

#include <string.h>

#define META_PER_PAGE (EPTM_PAGE_SIZE / sizeof(struct eptm_page))
#define TREE_KEY_MASK (EPTP_ADDR_MASK | EPTP_AD_ENABLE)

uint64_t *eptm_page_va(const struct eptm *m, uint32_t page)
{
	return (uint64_t *)(m->data_va + (size_t)page * EPTM_PAGE_SIZE);
}

uint64_t eptm_page_hpa(const struct eptm *m, uint32_t page)
{
	return m->data_hpa + (uint64_t)page * EPTM_PAGE_SIZE;
}

uint32_t eptm_page_of(const struct eptm *m, uint64_t hpa)
{
	return (uint32_t)((hpa - m->data_hpa) >> EPTM_PAGE_SHIFT);
}

static void page_release(struct eptm *m, uint32_t page)
{
	struct eptm_page *p = &m->meta[page];

	m->trees[p->tree].pages--;
	p->level = 0;
	p->next_free = m->free_head;
	m->free_head = page;
	m->free_count++;
}

uint32_t eptm_page_alloc(struct eptm *m, struct eptm_tree *t, unsigned int level, uint64_t shadow)
{
	uint32_t page = m->free_head;
	struct eptm_page *p;

	if (page == EPTM_NO_PAGE)
		return EPTM_NO_PAGE;
	p = &m->meta[page];
	m->free_head = p->next_free;
	m->free_count--;
	p->level = (uint8_t)level;
	p->shadow = shadow;
	p->tree = (uint8_t)(t - m->trees);
	t->pages++;
	memset(eptm_page_va(m, page), 0, EPTM_PAGE_SIZE);
	return page;
}

void eptm_table_clear(struct eptm *m, uint32_t page)
{
	unsigned int level = m->meta[page].level;
	uint64_t *t = eptm_page_va(m, page);

	for (unsigned int i = 0; i < EPTM_ENTRIES; i++) {
		/* only tables point into the pool; recursion depth <= 3 */
		if (t[i] && !eptm_is_leaf(t[i], level))
			eptm_table_free(m, eptm_page_of(m, eptm_entry_addr(t[i], level, false)));
	}
	memset(t, 0, EPTM_PAGE_SIZE);
	m->flush = true;
}

void eptm_table_free(struct eptm *m, uint32_t page)
{
	eptm_table_clear(m, page);
	page_release(m, page);
}

int eptm_init(struct eptm *m, const struct eptm_config *cfg)
{
	size_t meta_pages = (cfg->pool_pages + META_PER_PAGE) / (META_PER_PAGE + 1);
	size_t data_pages = cfg->pool_pages - meta_pages;

	memset(m, 0, sizeof(*m));
	if (data_pages < EPTM_MIN_POOL_PAGES || data_pages >= EPTM_NO_PAGE ||
	    ((uintptr_t)cfg->pool_va | cfg->pool_hpa) & (EPTM_PAGE_SIZE - 1))
		return EPTM_EINVAL;
	if (cfg->max_leaf_level < 1 || cfg->max_leaf_level > 3 || !cfg->l1.mem ||
	    !cfg->ept01.translate)
		return EPTM_EINVAL;
	m->cfg = *cfg;
	m->meta = (struct eptm_page *)cfg->pool_va;
	m->data_va = (uint8_t *)cfg->pool_va + meta_pages * EPTM_PAGE_SIZE;
	m->data_hpa = cfg->pool_hpa + meta_pages * EPTM_PAGE_SIZE;
	m->data_pages = (uint32_t)data_pages;
	m->free_head = EPTM_NO_PAGE;
	for (uint32_t page = m->data_pages; page-- > 0;) {
		m->meta[page] = (struct eptm_page){.next_free = m->free_head};
		m->free_head = page;
	}
	m->free_count = m->data_pages;
	return EPTM_OK;
}

/* Empties @t, keeping its PML4. */
static void tree_empty(struct eptm *m, struct eptm_tree *t)
{
	eptm_table_clear(m, t->root);
}

/* Drops @t and its pages; its slot becomes free. */
static void tree_drop(struct eptm *m, struct eptm_tree *t)
{
	eptm_table_free(m, t->root);
	t->used = false;
	m->stats.trees_evicted++;
}

/* The least recently used tree other than @keep, or NULL. */
static struct eptm_tree *tree_lru(struct eptm *m, const struct eptm_tree *keep)
{
	struct eptm_tree *lru = NULL;

	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		struct eptm_tree *t = &m->trees[i];

		if (t->used && t != keep && (!lru || t->last_use < lru->last_use))
			lru = t;
	}
	return lru;
}

void eptm_reclaim(struct eptm *m, struct eptm_tree *keep, uint32_t need)
{
	while (m->free_count < need) {
		struct eptm_tree *victim = tree_lru(m, keep);

		if (victim) {
			tree_drop(m, victim);
			continue;
		}
		if (keep) {
			tree_empty(m, keep);
			m->stats.trees_reset++;
		}
		return;
	}
}

static struct eptm_tree *tree_find(struct eptm *m, uint64_t key)
{
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		if (m->trees[i].used && m->trees[i].key == key)
			return &m->trees[i];
	}
	return NULL;
}

/* A slot for a new tree: a free one, else the least recently used tree's, dropped. */
static struct eptm_tree *tree_slot(struct eptm *m)
{
	struct eptm_tree *t;

	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		if (!m->trees[i].used)
			return &m->trees[i];
	}
	t = tree_lru(m, NULL);
	tree_drop(m, t);
	return t;
}

struct eptm_tree *eptm_tree_for(struct eptm *m, uint64_t eptp12)
{
	uint64_t key = eptp12 & TREE_KEY_MASK;
	struct eptm_tree *t = tree_find(m, key);

	if (!t) {
		t = tree_slot(m);
		eptm_reclaim(m, NULL, 1);
		*t = (struct eptm_tree){.used = true, .key = key};
		/* a page is free: the slot is unused, so reclaim could drop every other tree */
		t->root = eptm_page_alloc(m, t, EPTM_LEVELS, eptm_eptp_root(key));
	}
	t->last_use = ++m->clock;
	return t;
}

uint64_t eptm_eptp02(struct eptm *m, uint64_t eptp12)
{
	struct eptm_tree *t = eptm_tree_for(m, eptp12);

	return eptm_make_eptp(eptm_page_hpa(m, t->root), EPTM_MT_WB, EPTM_LEVELS,
			      eptm_eptp_ad(t->key));
}

void eptm_invept_single(struct eptm *m, uint64_t eptp12)
{
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		struct eptm_tree *t = &m->trees[i];

		if (t->used && eptm_eptp_root(t->key) == eptm_eptp_root(eptp12)) {
			tree_empty(m, t);
			m->stats.invept++;
		}
	}
}

void eptm_invept_all(struct eptm *m)
{
	for (unsigned int i = 0; i < EPTM_MAX_TREES; i++) {
		if (m->trees[i].used) {
			tree_empty(m, &m->trees[i]);
			m->stats.invept++;
		}
	}
}

size_t eptm_zap_ept12_table(struct eptm *m, uint64_t l1gpa)
{
	uint64_t shadow = l1gpa & EPTM_ADDR_MASK;
	size_t zapped = 0;

	/* a table freed as a descendant of an earlier match reads as free when its turn comes */
	for (uint32_t page = 0; page < m->data_pages; page++) {
		if (m->meta[page].level && m->meta[page].shadow == shadow) {
			eptm_table_clear(m, page);
			zapped++;
		}
	}
	m->stats.tables_zapped += zapped;
	return zapped;
}

bool eptm_is_ept12_table(const struct eptm *m, uint64_t l1gpa)
{
	uint64_t shadow = l1gpa & EPTM_ADDR_MASK;

	for (uint32_t page = 0; page < m->data_pages; page++) {
		if (m->meta[page].level && m->meta[page].shadow == shadow)
			return true;
	}
	return false;
}

bool eptm_take_flush(struct eptm *m)
{
	bool flush = m->flush;

	m->flush = false;
	return flush;
}
