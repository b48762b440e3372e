/*
 * ept.h: the EPT paging-structure entry and EPTP formats (SDM Vol. 3C 29.3.2, Tables 29-1 to
 * 29-6 "Format of an EPT PML4 Entry" .. "Format of an EPT Page-Table Entry", and 25.6.11
 * "Extended-Page-Table Pointer (EPTP)"), as named masks and inline helpers. Pure, header-only,
 * touches no hardware. Shared by EPT01 (l0/ept01.c) and, later, the EPT12/EPT02 composition, so
 * it knows nothing of who owns a table.
 *
 * Levels are numbered as the SDM walks them: 4 = PML4, 3 = PDPT (a leaf here maps 1 GiB),
 * 2 = PD (2 MiB), 1 = PT (4 KiB).
 */
#ifndef EPT_MERGE_EPT_H
#define EPT_MERGE_EPT_H

#include <stdbool.h>
#include <stdint.h>

/* Every EPT paging structure is one 4 KiB page of 512 eight-byte entries. */
#define EPTM_PAGE_SHIFT 12
#define EPTM_PAGE_SIZE (1ull << EPTM_PAGE_SHIFT)
#define EPTM_ENTRIES 512u
#define EPTM_LEVELS 4u /* 4-level walks; 5-level EPT is not used */

/* Entry bits (Tables 29-1..29-6). */
#define EPTM_R (1ull << 0)           /* read access */
#define EPTM_W (1ull << 1)           /* write access */
#define EPTM_X (1ull << 2)           /* execute (supervisor-mode with mode-based execute) */
#define EPTM_RWX (EPTM_R | EPTM_W | EPTM_X)
#define EPTM_MEMTYPE_SHIFT 3         /* leaf only: bits 5:3, EPT memory type (SDM 29.3.7) */
#define EPTM_MEMTYPE_MASK (7ull << EPTM_MEMTYPE_SHIFT)
#define EPTM_IGNORE_PAT (1ull << 6)  /* leaf only */
#define EPTM_LARGE (1ull << 7)       /* PDPTE: maps 1 GiB; PDE: maps 2 MiB; must be 0 in a PML4E */
#define EPTM_ACCESSED (1ull << 8)    /* only with EPTP A/D enable */
#define EPTM_DIRTY (1ull << 9)       /* leaf only, only with EPTP A/D enable */
#define EPTM_X_USER (1ull << 10)     /* user-mode execute, with mode-based execute control */
#define EPTM_SUPPRESS_VE (1ull << 63) /* leaf only, with EPT-violation #VE */
/* Physical-address bits 51:12 of the next table or of a 4 KiB page; a large page keeps only
 * bits 51:21 (2 MiB) or 51:30 (1 GiB), its lower bits being reserved (must be 0). Bits above
 * MAXPHYADDR within 51:12 are reserved too. */
#define EPTM_ADDR_MASK 0x000ffffffffff000ull
#define EPTM_ADDR_MASK_2M 0x000fffffffe00000ull
#define EPTM_ADDR_MASK_1G 0x000fffffc0000000ull
/* Bits 7:3 of a PML4E and of a non-leaf PDPTE/PDE (bit 7 then clear) are reserved. */
#define EPTM_NONLEAF_RSVD_MASK 0xf8ull

/* EPT memory types (SDM Vol. 3C 29.3.7): the MTRR type encodings of SDM Vol. 3A "Memory Cache
 * Control"; 2, 3 and 7 are reserved in a leaf, and only UC and WB are valid in an EPTP. */
enum eptm_memtype {
	EPTM_MT_UC = 0,
	EPTM_MT_WC = 1,
	EPTM_MT_WT = 4,
	EPTM_MT_WP = 5,
	EPTM_MT_WB = 6,
};

/* EPTP (SDM Vol. 3C 25.6.11, Table 25-9). */
#define EPTP_MEMTYPE_MASK 0x7ull      /* bits 2:0: memory type of the paging structures, UC/WB */
#define EPTP_WALK_LEN_SHIFT 3         /* bits 5:3: page-walk length minus 1 */
#define EPTP_WALK_LEN_MASK (7ull << EPTP_WALK_LEN_SHIFT)
#define EPTP_AD_ENABLE (1ull << 6)    /* bit 6: accessed and dirty flags */
#define EPTP_SSS_ENFORCE (1ull << 7)  /* bit 7: supervisor shadow-stack access rights */
#define EPTP_RSVD_11_8 0xf00ull       /* bits 11:8 reserved */
#define EPTP_ADDR_MASK EPTM_ADDR_MASK /* bits N-1:12: the PML4 table */

/* log2 of the bytes one entry at @level maps: 12, 21, 30, 39. */
static inline unsigned int eptm_level_shift(unsigned int level)
{
	return EPTM_PAGE_SHIFT + 9 * (level - 1);
}

static inline uint64_t eptm_level_size(unsigned int level)
{
	return 1ull << eptm_level_shift(level);
}

/* Index of @gpa in the table at @level. */
static inline unsigned int eptm_index(uint64_t gpa, unsigned int level)
{
	return (unsigned int)(gpa >> eptm_level_shift(level)) & (EPTM_ENTRIES - 1);
}

/* An entry is present when any of R, W, X is set (SDM 29.3.2); with mode-based execute control
 * X_USER counts as well: pass @mbec. */
static inline bool eptm_present(uint64_t e, bool mbec)
{
	return (e & EPTM_RWX) != 0 || (mbec && (e & EPTM_X_USER) != 0);
}

/* Whether the entry at @level maps a page (a leaf) rather than pointing to a table. */
static inline bool eptm_is_leaf(uint64_t e, unsigned int level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & EPTM_LARGE) != 0);
}

static inline bool eptm_memtype_valid(unsigned int mt)
{
	return mt == EPTM_MT_UC || mt == EPTM_MT_WC || mt == EPTM_MT_WT || mt == EPTM_MT_WP ||
	       mt == EPTM_MT_WB;
}

static inline unsigned int eptm_memtype(uint64_t e)
{
	return (unsigned int)((e & EPTM_MEMTYPE_MASK) >> EPTM_MEMTYPE_SHIFT);
}

/* Address bits a leaf at @level carries. */
static inline uint64_t eptm_leaf_addr_mask(unsigned int level)
{
	return level == 3 ? EPTM_ADDR_MASK_1G : level == 2 ? EPTM_ADDR_MASK_2M : EPTM_ADDR_MASK;
}

/* Write without read is an EPT misconfiguration (SDM 29.3.3.1); execute-only is allowed only
 * when IA32_VMX_EPT_VPID_CAP bit 0 says so: pass @exec_only_ok. */
static inline bool eptm_perms_misconfigured(uint64_t e, bool exec_only_ok)
{
	uint64_t p = e & EPTM_RWX;

	return ((p & EPTM_W) != 0 && (p & EPTM_R) == 0) || (p == EPTM_X && !exec_only_ok);
}

/* A present, non-leaf entry pointing to the table at @table_hpa, all accesses allowed below. */
static inline uint64_t eptm_make_table(uint64_t table_hpa)
{
	return (table_hpa & EPTM_ADDR_MASK) | EPTM_RWX;
}

/* A leaf at @level mapping @hpa (aligned to the level's page size) with @perms (EPTM_R/W/X/
 * X_USER) and memory type @mt. */
static inline uint64_t eptm_make_leaf(uint64_t hpa, unsigned int level, uint64_t perms,
				      enum eptm_memtype mt)
{
	uint64_t e = (hpa & eptm_leaf_addr_mask(level)) | (perms & (EPTM_RWX | EPTM_X_USER)) |
		     ((uint64_t)mt << EPTM_MEMTYPE_SHIFT);

	return level > 1 ? e | EPTM_LARGE : e;
}

/* Address of the next table, or of the page a leaf at @level maps. */
static inline uint64_t eptm_entry_addr(uint64_t e, unsigned int level, bool leaf)
{
	return e & (leaf ? eptm_leaf_addr_mask(level) : EPTM_ADDR_MASK);
}

static inline uint64_t eptm_make_eptp(uint64_t pml4_hpa, enum eptm_memtype mt,
				      unsigned int walk_levels, bool ad)
{
	return (pml4_hpa & EPTP_ADDR_MASK) | ((uint64_t)mt & EPTP_MEMTYPE_MASK) |
	       ((uint64_t)(walk_levels - 1) << EPTP_WALK_LEN_SHIFT) | (ad ? EPTP_AD_ENABLE : 0);
}

static inline uint64_t eptm_eptp_root(uint64_t eptp)
{
	return eptp & EPTP_ADDR_MASK;
}

static inline unsigned int eptm_eptp_levels(uint64_t eptp)
{
	return (unsigned int)((eptp & EPTP_WALK_LEN_MASK) >> EPTP_WALK_LEN_SHIFT) + 1;
}

static inline unsigned int eptm_eptp_memtype(uint64_t eptp)
{
	return (unsigned int)(eptp & EPTP_MEMTYPE_MASK);
}

/* Exit qualification of an EPT violation (SDM Vol. 3C 28.2.1, Table 28-7): the access (bits 2:0,
 * the same positions as EPTM_R/W/X), the AND of R/W/X over the EPT entries the walk used (bits
 * 5:3), whether the guest-linear address is valid (7) and is the one translated rather than a
 * guest paging-structure access (8, meaningful when 7 is set), NMI unblocking by IRET (12). */
#define EPTM_QUAL_READ (1ull << 0)
#define EPTM_QUAL_WRITE (1ull << 1)
#define EPTM_QUAL_FETCH (1ull << 2)
#define EPTM_QUAL_ACCESS_MASK (EPTM_QUAL_READ | EPTM_QUAL_WRITE | EPTM_QUAL_FETCH)
#define EPTM_QUAL_PERMS_SHIFT 3
#define EPTM_QUAL_GLA_VALID (1ull << 7)
#define EPTM_QUAL_GLA_TRANSLATED (1ull << 8)
#define EPTM_QUAL_NMI_UNBLOCKING (1ull << 12)

/* Whether an EPTP enables accessed and dirty flags (SDM Vol. 3C 29.3.5). */
static inline bool eptm_eptp_ad(uint64_t eptp)
{
	return (eptp & EPTP_AD_ENABLE) != 0;
}

#endif /* EPT_MERGE_EPT_H */
