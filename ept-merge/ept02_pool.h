/*
 * ept02_pool.h: inside eptm (not for L0): the pool pages that hold EPT02 tables, their
 * bookkeeping, and the trees' lifetimes (create, empty, drop, make room). Used by ept02_fill.c.
 * Pure; touches no hardware.
 *
 * Pool layout: the first ceil(pool_pages / (PER_PAGE + 1)) pages hold struct eptm_page records
 * (PER_PAGE to a page), one per remaining page, the data pages. A data page is free (level 0,
 * linked through next_free) or a table of one tree at level 1..4.
 */
#ifndef EPT_MERGE_EPT02_POOL_H
#define EPT_MERGE_EPT02_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "ept-merge/ept02.h"

#define EPTM_NO_PAGE UINT32_MAX
/* The mirror of a table below a large EPT12 leaf: no EPT12 table (an L1-physical address is
 * page aligned, this value is not). */
#define EPTM_NO_SHADOW UINT64_MAX

struct eptm_page {
	uint64_t shadow;    /* L1-physical address of the EPT12 table mirrored, or EPTM_NO_SHADOW */
	uint32_t next_free; /* free pages: the next one, or EPTM_NO_PAGE */
	uint8_t level;	    /* 0: free; 1..4: a table of that level */
	uint8_t tree;	    /* index in eptm.trees of the owner */
	uint16_t unused;
};
_Static_assert(sizeof(struct eptm_page) == 16, "bookkeeping records tile a page");
_Static_assert(EPTM_MAX_TREES <= UINT8_MAX, "a tree index fits eptm_page.tree");

uint64_t *eptm_page_va(const struct eptm *m, uint32_t page);
uint64_t eptm_page_hpa(const struct eptm *m, uint32_t page);
/* The data page at host-physical @hpa (an EPT02 table entry's target). */
uint32_t eptm_page_of(const struct eptm *m, uint64_t hpa);

/* A zeroed table of @level for @t mirroring @shadow, or EPTM_NO_PAGE when none is free. */
uint32_t eptm_page_alloc(struct eptm *m, struct eptm_tree *t, unsigned int level, uint64_t shadow);

/* Empties table @page: frees the tables below it, zeroes its entries, raises the flush request. */
void eptm_table_clear(struct eptm *m, uint32_t page);
/* Empties table @page and gives it back to the pool. */
void eptm_table_free(struct eptm *m, uint32_t page);

/* The tree of @eptp12, created (empty) if needed; marks it most recently used. */
struct eptm_tree *eptm_tree_for(struct eptm *m, uint64_t eptp12);

/* Makes @need pages free: drops least recently used trees other than @keep, then, if that is not
 * enough, empties @keep (keeping its PML4). Enough with EPTM_MIN_POOL_PAGES and need <= 3. */
void eptm_reclaim(struct eptm *m, struct eptm_tree *keep, uint32_t need);

#endif /* EPT_MERGE_EPT02_POOL_H */
