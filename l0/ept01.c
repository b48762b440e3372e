/*
 * ept01.c: builds EPT01 (L0's identity map of L1-physical memory, rules in ept01.h) and walks any
 * 4-level EPT. Touches no hardware: pages come from the caller's allocator. Implements the EPT
 * formats and translation of SDM Vol. 3C 29.3.2 (entries, Tables 29-1..29-6), 29.3.3.1
 * (misconfigurations) and 29.3.7 (memory types).
 */
#include "l0/ept01.h"

#include <string.h>

#define GIB (1ull << 30)
#define MAX_LIMIT (1ull << 48) /* what a 4-level walk translates */

struct builder {
	const struct l0_ept01_config *cfg;
	const struct l0_page_alloc *alloc;
	struct l0_ept01 *out;
};

static uint64_t round_down(uint64_t x, uint64_t align)
{
	return x & ~(align - 1);
}

static uint64_t round_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* Entries' extents rounded outward to 4 KiB; validated before use, so no wrap. */
static uint64_t extent_start(const struct l0_mem_range *r)
{
	return round_down(r->base, EPTM_PAGE_SIZE);
}

static uint64_t extent_end(const struct l0_mem_range *r)
{
	return round_up(r->base + r->size, EPTM_PAGE_SIZE);
}

enum l0_mem_type l0_ept01_page_type(const struct l0_ept01_config *cfg, uint64_t gpa)
{
	int best = -1;

	for (size_t i = 0; i < cfg->count; i++) {
		const struct l0_mem_range *r = &cfg->map[i];

		if (r->size && gpa >= extent_start(r) && gpa < extent_end(r) && (int)r->type > best)
			best = (int)r->type;
	}
	return best < 0 ? L0_MEM_MMIO : (enum l0_mem_type)best;
}

/* The first extent boundary above @p, or UINT64_MAX: the type can change only there. */
static uint64_t next_boundary(const struct l0_ept01_config *cfg, uint64_t p)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < cfg->count; i++) {
		const struct l0_mem_range *r = &cfg->map[i];
		uint64_t s = extent_start(r), e = extent_end(r);

		if (!r->size)
			continue;
		if (s > p && s < next)
			next = s;
		if (e > p && e < next)
			next = e;
	}
	return next;
}

/* Whether [start, start + len) has one type, stored in *type. */
static bool range_uniform(const struct l0_ept01_config *cfg, uint64_t start, uint64_t len,
			  enum l0_mem_type *type)
{
	uint64_t p = start;

	*type = l0_ept01_page_type(cfg, start);
	for (;;) {
		p = next_boundary(cfg, p);
		if (p >= start + len)
			return true;
		if (l0_ept01_page_type(cfg, p) != *type)
			return false;
	}
}

static int validate(const struct l0_ept01_config *cfg, uint64_t *limit)
{
	uint64_t top = 4 * GIB;
	uint64_t pa_limit;

	if (cfg->pa_width < 32 || cfg->pa_width > 52)
		return L0_EPT01_EBAD_WIDTH;
	pa_limit = 1ull << cfg->pa_width;
	for (size_t i = 0; i < cfg->count; i++) {
		const struct l0_mem_range *r = &cfg->map[i];

		if (!r->size)
			continue;
		if ((unsigned int)r->type >= L0_MEM_TYPE_COUNT || r->base > pa_limit ||
		    r->size > pa_limit - r->base)
			return L0_EPT01_EBAD_MAP;
		if (extent_end(r) > top)
			top = extent_end(r);
	}
	*limit = round_up(top, GIB);
	if (*limit > pa_limit) /* only when pa_width < 30, excluded above; kept as a guard */
		return L0_EPT01_EBAD_MAP;
	if (*limit > MAX_LIMIT)
		return L0_EPT01_EBAD_MAP;
	return L0_EPT01_OK;
}

static bool leaf_allowed(const struct l0_ept01_config *cfg, unsigned int level)
{
	return level == 1 || (level == 2 && cfg->allow_2m) || (level == 3 && cfg->allow_1g);
}

static uint64_t leaf_for(uint64_t base, unsigned int level, enum l0_mem_type type)
{
	enum eptm_memtype mt = type == L0_MEM_RAM ? EPTM_MT_WB : EPTM_MT_UC;

	return eptm_make_leaf(base, level, EPTM_RWX | EPTM_X_USER, mt);
}

static int fill_table(struct builder *b, uint64_t *table, uint64_t base, unsigned int level);

/* The entry that maps [start, start + size of @level) (clipped at limit). */
static int make_entry(struct builder *b, uint64_t start, unsigned int level, uint64_t *entry)
{
	uint64_t len = eptm_level_size(level);
	enum l0_mem_type type;
	uint64_t hpa;
	uint64_t *child;

	if (len > b->out->limit - start)
		len = b->out->limit - start; /* only at level 4: limit is 1 GiB aligned */
	if (range_uniform(b->cfg, start, len, &type)) {
		if (type == L0_MEM_L0) {
			*entry = 0; /* not present, whatever the level: no table needed */
			return L0_EPT01_OK;
		}
		if (leaf_allowed(b->cfg, level)) {
			*entry = leaf_for(start, level, type);
			b->out->leaves[level - 1]++;
			return L0_EPT01_OK;
		}
	}
	child = b->alloc->alloc_page(b->alloc->ctx, &hpa);
	if (!child)
		return L0_EPT01_ENOMEM;
	b->out->tables++;
	*entry = eptm_make_table(hpa);
	return fill_table(b, child, start, level - 1);
}

/* Fills the table at @level whose first entry maps @base. Recursion depth <= 4. */
static int fill_table(struct builder *b, uint64_t *table, uint64_t base, unsigned int level)
{
	uint64_t size = eptm_level_size(level);

	for (unsigned int i = 0; i < EPTM_ENTRIES; i++) {
		uint64_t start = base + i * size;
		int err;

		table[i] = 0;
		if (start >= b->out->limit)
			continue;
		err = make_entry(b, start, level, &table[i]);
		if (err)
			return err;
	}
	return L0_EPT01_OK;
}

int l0_ept01_build(const struct l0_ept01_config *cfg, const struct l0_page_alloc *alloc,
		   struct l0_ept01 *out)
{
	struct builder b = { cfg, alloc, out };
	uint64_t root_hpa;
	uint64_t *root;
	int err;

	memset(out, 0, sizeof(*out));
	err = validate(cfg, &out->limit);
	if (err)
		return err;
	root = alloc->alloc_page(alloc->ctx, &root_hpa);
	if (!root)
		return L0_EPT01_ENOMEM;
	out->tables = 1;
	err = fill_table(&b, root, 0, EPTM_LEVELS);
	if (err)
		return err;
	out->eptp = eptm_make_eptp(root_hpa, EPTM_MT_WB, EPTM_LEVELS, false);
	return L0_EPT01_OK;
}

/* Checks one present entry the way the CPU would (SDM 29.3.3.1); true when misconfigured. */
static bool entry_misconfigured(uint64_t e, unsigned int level, bool leaf)
{
	if (eptm_perms_misconfigured(e, false))
		return true;
	if (!leaf)
		return (e & EPTM_NONLEAF_RSVD_MASK) != 0;
	if (!eptm_memtype_valid(eptm_memtype(e)))
		return true;
	/* a large page's address bits below its size are reserved */
	return (e & EPTM_ADDR_MASK & ~eptm_leaf_addr_mask(level)) != 0;
}

int l0_ept01_translate(const struct l0_page_access *mem, uint64_t eptp, uint64_t gpa,
		       struct l0_ept_xlate *out)
{
	uint64_t table = eptm_eptp_root(eptp);
	uint64_t perms = EPTM_RWX;

	memset(out, 0, sizeof(*out));
	if (eptm_eptp_levels(eptp) != EPTM_LEVELS)
		return L0_EPT01_EBAD_TABLE;
	for (unsigned int level = EPTM_LEVELS; level >= 1; level--) {
		const uint64_t *t = mem->page_va(mem->ctx, table);
		uint64_t e;
		bool leaf;

		if (!t)
			return L0_EPT01_EBAD_TABLE;
		e = t[eptm_index(gpa, level)];
		out->level = level;
		if (!eptm_present(e, false))
			return L0_EPT01_ENOT_MAPPED;
		leaf = eptm_is_leaf(e, level);
		if (level == EPTM_LEVELS && (e & EPTM_LARGE))
			return L0_EPT01_EMISCONFIG; /* bit 7 of a PML4E is reserved */
		if (entry_misconfigured(e, level, leaf))
			return L0_EPT01_EMISCONFIG;
		perms &= e;
		if (leaf) {
			out->hpa = eptm_entry_addr(e, level, true) |
				   (gpa & (eptm_level_size(level) - 1));
			out->perms = perms;
			out->memtype = eptm_memtype(e);
			out->ignore_pat = (e & EPTM_IGNORE_PAT) != 0;
			return L0_EPT01_OK;
		}
		table = eptm_entry_addr(e, level, false);
	}
	return L0_EPT01_EMISCONFIG; /* not reached: level 1 entries are leaves */
}

/* A table replacing the large leaf @e at @level: 512 leaves one level down, same attributes. */
static int split_leaf(const struct l0_page_alloc *alloc, struct l0_ept01 *ept, uint64_t *entry,
		      unsigned int level)
{
	uint64_t e = *entry, base = eptm_entry_addr(e, level, true), hpa;
	uint64_t attrs = e & ~eptm_leaf_addr_mask(level) & ~EPTM_LARGE;
	uint64_t *table = alloc->alloc_page(alloc->ctx, &hpa);

	if (!table)
		return L0_EPT01_ENOMEM;
	for (unsigned int i = 0; i < EPTM_ENTRIES; i++) {
		uint64_t child = (base + i * eptm_level_size(level - 1)) | attrs;

		table[i] = level - 1 > 1 ? child | EPTM_LARGE : child;
	}
	ept->tables++;
	ept->leaves[level - 1]--;
	ept->leaves[level - 2] += EPTM_ENTRIES;
	*entry = eptm_make_table(hpa);
	return L0_EPT01_OK;
}

int l0_ept01_map_page(const struct l0_page_alloc *alloc, const struct l0_page_access *mem,
		      struct l0_ept01 *ept, uint64_t gpa, uint64_t leaf)
{
	uint64_t table_hpa = ept->eptp & EPTP_ADDR_MASK;

	for (unsigned int level = EPTM_LEVELS; level > 1; level--) {
		uint64_t *table = mem->page_va(mem->ctx, table_hpa);
		uint64_t *entry, hpa;
		int err;

		if (!table)
			return L0_EPT01_EBAD_TABLE;
		entry = &table[eptm_index(gpa, level)];
		if (!eptm_present(*entry, false)) {
			if (!alloc->alloc_page(alloc->ctx, &hpa))
				return L0_EPT01_ENOMEM;
			ept->tables++;
			*entry = eptm_make_table(hpa);
		} else if (eptm_is_leaf(*entry, level)) {
			err = split_leaf(alloc, ept, entry, level);
			if (err)
				return err;
		}
		table_hpa = eptm_entry_addr(*entry, level, false);
	}
	uint64_t *pt = mem->page_va(mem->ctx, table_hpa);

	if (!pt)
		return L0_EPT01_EBAD_TABLE;
	if (!eptm_present(pt[eptm_index(gpa, 1)], false))
		ept->leaves[0]++;
	pt[eptm_index(gpa, 1)] = leaf;
	return L0_EPT01_OK;
}
