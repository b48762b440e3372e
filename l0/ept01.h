/*
 * ept01.h: EPT01, L0's identity map of L1-physical to host-physical memory, built once from the
 * firmware's memory map before L1 starts, and a walker that translates through any 4-level EPT.
 * Pure: tables are reached through a page allocator and a page-access callback (L0 gives pages
 * from its reserved, identity-mapped pool; the host tests give a buffer). EPT formats from
 * ept-merge/ept.h (SDM Vol. 3C 29.3.2, 29.3.7 and the EPTP of 25.6.11).
 *
 * The map EPT01 builds:
 *   - covers [0, limit), limit = max(end of the highest map entry, 4 GiB) rounded up to 1 GiB,
 *     so that the 32-bit MMIO window (APIC, IOAPIC, flash) is mapped even where the firmware's
 *     map does not list it; addresses at or above limit are not mapped;
 *   - identity: L1-physical address X is host-physical X;
 *   - L1 gets R, W, X (and user-execute, for mode-based execute control) on everything except
 *     L0's own memory, which is not present at all (4 KiB granularity): L1 cannot reach it;
 *   - RAM is write-back (WB), everything else (MMIO, holes in the map) uncachable (UC); "ignore
 *     PAT" is clear, so that L1's PAT still refines RAM (a write-combining framebuffer stays WC);
 *   - each 4 KiB page takes the type of the map entries that touch it, entries rounded outward to
 *     4 KiB, with L0 > MMIO > RAM > hole: overlaps resolve to the safer type (L0's region is
 *     normally carved out of a RAM entry);
 *   - pages as large as possible: a 1 GiB leaf (if allow_1g) or 2 MiB leaf (if allow_2m) where
 *     the aligned range has one type, a lower-level table only where the type changes inside it;
 *   - EPTP: 4-level walk, paging structures WB, accessed/dirty flags disabled.
 */
#ifndef L0_EPT01_H
#define L0_EPT01_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept-merge/ept.h"

/* Priority order: a higher value wins where entries overlap. */
enum l0_mem_type {
	L0_MEM_RAM = 0,  /* usable by L1 as memory: WB */
	L0_MEM_MMIO = 1, /* device memory, firmware-reserved non-RAM, anything not RAM: UC */
	L0_MEM_L0 = 2,   /* L0's reserved memory: not mapped */
	L0_MEM_TYPE_COUNT
};

struct l0_mem_range {
	uint64_t base;
	uint64_t size; /* bytes; 0 entries are ignored */
	enum l0_mem_type type;
};

/* Gives one zeroed 4 KiB page: returns the pointer L0 writes it through (NULL when out of
 * pages) and stores its host-physical address in *hpa. */
struct l0_page_alloc {
	void *(*alloc_page)(void *ctx, uint64_t *hpa);
	void *ctx;
};

/* The pointer through which the 4 KiB page at host-physical @hpa can be read, or NULL. */
struct l0_page_access {
	void *(*page_va)(void *ctx, uint64_t hpa);
	void *ctx;
};

struct l0_ept01_config {
	const struct l0_mem_range *map;
	size_t count;
	unsigned int pa_width; /* MAXPHYADDR, CPUID 0x80000008 EAX[7:0]: 32..52 */
	bool allow_2m;         /* IA32_VMX_EPT_VPID_CAP bit 16 */
	bool allow_1g;         /* IA32_VMX_EPT_VPID_CAP bit 17 */
};

struct l0_ept01 {
	uint64_t eptp;
	uint64_t limit;    /* first L1-physical address not mapped */
	size_t tables;     /* paging-structure pages used, the PML4 included */
	size_t leaves[4];  /* present leaves by level - 1: [0] 4 KiB, [1] 2 MiB, [2] 1 GiB */
};

enum l0_ept01_status {
	L0_EPT01_OK = 0,
	L0_EPT01_ENOMEM = -1,     /* alloc_page returned NULL (pages taken so far stay taken) */
	L0_EPT01_EBAD_MAP = -2,   /* an entry wraps, ends above 2^pa_width, or has a bad type;
				     or the map reaches beyond what 4 levels translate (2^48) */
	L0_EPT01_EBAD_WIDTH = -3, /* pa_width outside 32..52 */
	L0_EPT01_ENOT_MAPPED = -4, /* translate: an entry on the walk is not present */
	L0_EPT01_EMISCONFIG = -5, /* translate: an entry the CPU would call a misconfiguration */
	L0_EPT01_EBAD_TABLE = -6, /* translate: page_va gave NULL, or the EPTP is not 4-level */
};

/* Builds EPT01 for @cfg with pages from @alloc. */
int l0_ept01_build(const struct l0_ept01_config *cfg, const struct l0_page_alloc *alloc,
		   struct l0_ept01 *out);

/* The type EPT01 gives the 4 KiB page holding @gpa under @cfg's map (holes are L0_MEM_MMIO);
 * what the build uses, exported for diagnostics. */
enum l0_mem_type l0_ept01_page_type(const struct l0_ept01_config *cfg, uint64_t gpa);

/* The result of a walk. */
struct l0_ept_xlate {
	uint64_t hpa;
	uint64_t perms;        /* EPTM_R/W/X allowed at every level of the walk */
	unsigned int memtype;  /* enum eptm_memtype of the leaf */
	bool ignore_pat;
	unsigned int level;    /* level of the leaf (3: 1 GiB, 2: 2 MiB, 1: 4 KiB), or, on
				* ENOT_MAPPED and EMISCONFIG, of the entry that stopped the walk */
};

/*
 * Walks the 4-level EPT of @eptp for @gpa, as the CPU would with A/D flags and mode-based
 * execute control off and execute-only not supported: L0_EPT01_OK and @out filled, or an error
 * (ENOT_MAPPED, EMISCONFIG with out->level set; EBAD_TABLE).
 */
int l0_ept01_translate(const struct l0_page_access *mem, uint64_t eptp, uint64_t gpa,
		       struct l0_ept_xlate *out);

/*
 * Sets the 4 KiB leaf of @gpa in @ept to @leaf (an eptm_make_leaf() entry), creating tables where
 * the walk finds none and splitting a large leaf on the way into 512 smaller ones with the same
 * attributes; keeps @ept's counters. The caller invalidates cached translations (INVEPT).
 * L0_EPT01_OK, ENOMEM (tables allocated so far stay in place) or EBAD_TABLE.
 */
int l0_ept01_map_page(const struct l0_page_alloc *alloc, const struct l0_page_access *mem,
		      struct l0_ept01 *ept, uint64_t gpa, uint64_t leaf);

#endif /* L0_EPT01_H */
