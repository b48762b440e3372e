/*
 * ept02.h: EPT02, the extended page tables the CPU walks while L2 runs: EPT01 o EPT12, kept as a
 * virtual TLB that L0 fills lazily on L2's EPT violations. Pure: EPT02's tables live in a bounded
 * pool of pages L0 gives at init, EPT12 is read through struct vmxe_gmem and EPT01 through a
 * callback; touches no hardware. SDM Vol. 3C 29.3 (EPT), 29.3.7 (memory types), 29.4.3 (cached
 * mappings, INVEPT), 31.3 (INVEPT).
 *
 * Model:
 *  - One EPT02 tree per EPTP12 (keyed by its address and A/D bit, the bits that shape EPT02), at
 *    most EPTM_MAX_TREES, each with its PML4 in the pool; the least recently used tree is dropped
 *    when a new EPTP12 needs a slot or the pool runs short. EPTP02 = the tree's PML4, 4 levels,
 *    write-back paging structures, and A/D enabled exactly when EPTP12 enables them, so that the
 *    CPU treats L2's guest paging-structure accesses as L1 expects (writes with A/D, 29.3.3.2) and
 *    the hardware's qualification bits 2:0 are already those L1 must see.
 *  - A filled leaf maps L2-physical to host-physical memory at the largest size that EPT12's leaf,
 *    EPT01's leaf and the hardware (max_leaf_level) all allow: both leaves are naturally aligned,
 *    so that block is contiguous in both. Permissions: EPT12's AND EPT01's (R/W/X; mode-based
 *    execute is off in VMCS02), less W while EPT12's leaf is clean and EPTP12 enables A/D (the
 *    first write then exits, and the walk sets L1's dirty flag).
 *  - Memory type (29.3.7): the stricter of EPT12's and EPT01's leaf types in the order
 *    UC > WC > WT > WP > WB, with the "ignore PAT" bit of the leaf whose type won; when both have
 *    the type, ignore PAT only if both do, so that L2's PAT can still make the type stricter
 *    unless both levels said otherwise. Neither level then sees a type weaker than it asked for.
 *  - Reverse map: each EPT02 table records the L1-physical address of the EPT12 table it mirrors
 *    (the two index L2-physical addresses alike), or none for tables below a large EPT12 leaf
 *    split to fit EPT01; eptm_zap_ept12_table() empties the EPT02 tables mirroring a changed EPT12
 *    page. A fill that finds a table mirroring another EPT12 table (L1 changed EPT12 without
 *    INVEPT) empties it first.
 *  - Whenever eptm removes or narrows an EPT02 entry the CPU may have cached, or frees a page of
 *    a tree, it raises a flush request: before the next VM entry to L2, if eptm_take_flush()
 *    says so, L0 executes INVEPT all-context (29.4.3.1: a freed page may become another tree's
 *    PML4, so single-context on the current EPTP02 is not enough). Filling a not-present entry or
 *    widening the one that faulted needs none: an EPT violation invalidates the mappings of its
 *    address.
 *  - An execute-only EPT12 leaf gives an execute-only EPT02 leaf: offer execute-only to L1 only
 *    where the CPU has it (virt_caps.c keeps the bit from the hardware, and today drops it).
 *  - One struct eptm serves one L1 vCPU (no locking, no cross-CPU flush).
 *
 * How L0 drives it:
 *  - at start: eptm_init() over pages of its own, with EPT01's walker as cfg.ept01, L1's
 *    IA32_VMX_EPT_VPID_CAP and MAXPHYADDR, and the CPU's largest EPT page as max_leaf_level;
 *  - on every VM entry to L2 with VMCS12's "enable EPT": VMCS02's EPTP = eptm_eptp02(EPTP12),
 *    then INVEPT all-context if eptm_take_flush() says so;
 *  - on an EPT violation from L2 (EPT12 on): eptm_l2_ept_violation() and its outcome. An EPT
 *    misconfiguration from L2 is L0's bug: EPT02 is always well formed;
 *  - on L1's INVEPT: eptm_invept_single() or eptm_invept_all(); on L1's write to an EPT12 table
 *    page that L0 write-protects: eptm_zap_ept12_table();
 *  - on L1's VMRESUME after L0 reflected an EPT violation: eptm_prefill() with that violation's
 *    guest-physical address and access bits;
 *  - when L0 removes or narrows an EPT01 mapping: eptm_invept_all();
 *  - VMCLEAR, VMPTRLD, a switch between VMCS12s: nothing (trees follow EPTP12, not VMCS12).
 */
#ifndef EPT_MERGE_EPT02_H
#define EPT_MERGE_EPT02_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept-merge/ept12_walk.h"

#define EPTM_MAX_TREES 8u
/* Fewest data pages (after the bookkeeping pages) for every fill to succeed: a PML4 and one table
 * for each lower level. */
#define EPTM_MIN_POOL_PAGES EPTM_LEVELS

enum eptm_status {
	EPTM_OK = 0,
	EPTM_EINVAL = -1, /* a bad argument: pool too small or misaligned, bad level or memory
			   * type, walk not OK */
	EPTM_ENOMEM = -2, /* the pool broke its guarantee (a bug, never an L1 action) */
};

/* EPT01's translation of L1-physical @l1gpa into out (level 1..3): true, or false where EPT01 has
 * no present leaf for it. L0 implements it with l0_ept01_translate(). */
struct eptm_ept01 {
	bool (*translate)(void *ctx, uint64_t l1gpa, struct eptm_xlate *out);
	void *ctx;
};

struct eptm_config {
	void *pool_va;	   /* the pool: pool_pages 4 KiB pages, contiguous, 4 KiB aligned, */
	uint64_t pool_hpa; /* at pool_va in L0's address space and pool_hpa host-physical */
	size_t pool_pages;
	unsigned int
	    max_leaf_level; /* largest EPT02 leaf the CPU takes: 1, 2 (2 MiB) or 3 (1 GiB) */
	struct eptm_l1 l1;
	struct eptm_ept01 ept01;
};

struct eptm_tree {
	bool used;
	uint64_t key;	   /* EPTP12 & (address | A/D enable) */
	uint64_t last_use; /* eptm clock at the last lookup or fill */
	uint32_t root;	   /* pool page of the PML4 */
	uint32_t pages;	   /* pool pages held, the PML4 included */
};

struct eptm_stats {
	uint64_t fills;		/* EPT02 leaves written (violations and prefills) */
	uint64_t reflected;	/* violations reflected to L1 (unreadable EPT12 included) */
	uint64_t unreadable;	/* of those, walks that met an EPT12 table outside L1 RAM */
	uint64_t misconfigs;	/* misconfigurations reflected to L1 */
	uint64_t l0_faults;	/* violations EPT01 refused: L0's */
	uint64_t prefills;	/* eptm_prefill() calls */
	uint64_t prefilled;	/* of those, the ones that filled */
	uint64_t trees_evicted; /* trees dropped for room */
	uint64_t trees_reset;	/* the current tree emptied for room */
	uint64_t tables_zapped; /* tables emptied by eptm_zap_ept12_table() */
	uint64_t invept;	/* trees emptied by INVEPT */
};

struct eptm_page; /* bookkeeping of one pool page (ept02_pool.h) */

struct eptm {
	struct eptm_config cfg;
	struct eptm_page *meta; /* one per data page, in the first pages of the pool */
	uint8_t *data_va;	/* the data pages: tables of the trees, or free */
	uint64_t data_hpa;
	uint32_t data_pages;
	uint32_t free_head; /* free list through meta[].next_free */
	uint32_t free_count;
	struct eptm_tree trees[EPTM_MAX_TREES];
	uint64_t clock;
	bool flush; /* see eptm_take_flush() */
	struct eptm_stats stats;
};

/* Sets @m up over @cfg's pool (all trees empty). EPTM_OK, or EPTM_EINVAL when the pool leaves
 * fewer than EPTM_MIN_POOL_PAGES data pages, is misaligned, or a level or callback is missing. */
int eptm_init(struct eptm *m, const struct eptm_config *cfg);

/* The EPTP to put in VMCS02 for @eptp12, creating its (empty) tree if needed, which may drop the
 * least recently used one. Call it on every VM entry to L2 with EPT12 on: a tree may have been
 * dropped, or its slot given to another EPTP12, since the last entry. */
uint64_t eptm_eptp02(struct eptm *m, uint64_t eptp12);

enum eptm_action {
	EPTM_RESUME_L2,		/* EPT02 filled: resume L2 */
	EPTM_REFLECT_VIOLATION, /* give L1 an EPT violation: qualification, GPA = l2gpa */
	EPTM_REFLECT_MISCONFIG, /* give L1 an EPT misconfiguration: GPA = l2gpa */
	EPTM_L0_EPT01,		/* EPT12 allows the access but EPT01 refuses it at l1gpa: L0
				 * handles it as an L1 EPT violation there, then resumes L2 */
	EPTM_ERROR,		/* EPT01's answer or the pool broke an invariant: L0 stops */
};

struct eptm_outcome {
	enum eptm_action action;
	uint64_t qualification; /* REFLECT_VIOLATION */
	uint64_t l1gpa;		/* RESUME_L2, L0_EPT01: EPT12's translation */
	bool unreadable;	/* REFLECT_VIOLATION: an EPT12 table was not L1 RAM */
};

/*
 * An EPT violation of L2 at @l2gpa while EPT12 of @eptp12 was on, @hw_qual being the hardware's
 * exit qualification: walks EPT12 (setting its A/D flags), asks EPT01, fills EPT02 or says who
 * else handles it. Returns out->action.
 */
enum eptm_action eptm_l2_ept_violation(struct eptm *m, uint64_t eptp12, uint64_t l2gpa,
				       uint64_t hw_qual, struct eptm_outcome *out);

/*
 * After L1 handled a reflected EPT violation at @l2gpa for an access @access (its qualification's
 * bits 2:0) and resumes L2 with @eptp12: fills EPT02 now if EPT12 and EPT01 allow the access, so
 * that L2's retry does not exit again. The walk sets the A/D flags the retried access will (the
 * retry is the next thing L2 does). Does nothing, and writes nothing, when EPT12 still refuses
 * the access. True when it filled.
 */
bool eptm_prefill(struct eptm *m, uint64_t eptp12, uint64_t l2gpa, uint64_t access);

/*
 * Installs in @eptp12's tree the EPT02 leaf for @l2gpa composed of EPT12's walk @w12 (status OK)
 * and EPT01's translation @x01 of w12->xlate.addr (rules at the top). Makes room in the pool as
 * needed. EPTM_OK, EPTM_EINVAL (walk not OK, x01 with a level outside 1..3 or a memory type no
 * leaf may have) or EPTM_ENOMEM (a bug).
 */
int eptm_fill(struct eptm *m, uint64_t eptp12, uint64_t l2gpa, const struct eptm_walk *w12,
	      const struct eptm_xlate *x01);

/* INVEPT single-context (31.3): empties every tree whose EPTP12 has @eptp12's address (the
 * EP4TA the descriptor names, whatever its other bits). Trees keep their PML4 and EPTP02. */
void eptm_invept_single(struct eptm *m, uint64_t eptp12);

/* INVEPT all-context: empties every tree. Also what L0 calls after it removes or narrows an
 * EPT01 mapping, from which EPT02 leaves may derive. */
void eptm_invept_all(struct eptm *m);

/* L1 changed the EPT12 table page at L1-physical @l1gpa: empties every EPT02 table that mirrors
 * it, in every tree. Returns how many. */
size_t eptm_zap_ept12_table(struct eptm *m, uint64_t l1gpa);

/* Whether the page at L1-physical @l1gpa is an EPT12 table some EPT02 table mirrors. */
bool eptm_is_ept12_table(const struct eptm *m, uint64_t l1gpa);

/* Whether INVEPT all-context is due before the next VM entry to L2 (see the top); clears it. */
bool eptm_take_flush(struct eptm *m);

/* The EPT02 memory type for EPT12's (@mt12, @ipat12) and EPT01's (@mt01, @ipat01), with the
 * ignore-PAT bit in *ipat02 (rule at the top). Types must be valid leaf types. */
unsigned int eptm_memtype_combine(unsigned int mt12, bool ipat12, unsigned int mt01, bool ipat01,
				  bool *ipat02);

#endif /* EPT_MERGE_EPT02_H */
