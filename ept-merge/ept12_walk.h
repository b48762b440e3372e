/*
 * ept12_walk.h: the walk of EPT12, L1's extended page tables for its L2 guest, in L1-physical
 * memory, as the CPU would walk it for an access by L2: L1's permissions at every level, 1 GiB
 * and 2 MiB leaves, misconfigurations, accessed and dirty flags, and the exit qualification of the
 * EPT violation L1 must see when EPT12 refuses the access. Pure: EPT12 is read and its A/D flags
 * written through struct vmxe_gmem. Implements SDM Vol. 3C 29.3.2 (translation), 29.3.3.1
 * (misconfigurations), 29.3.3.2 (violations), 29.3.5 (A/D flags), 28.2.1 Table 28-7 (the
 * qualification).
 *
 * Rules beyond the SDM, and why:
 *  - Mode-based execute control, EPT-violation #VE, sub-page permissions, supervisor shadow stacks
 *    and the advanced exit information of EPT violations are not offered to L1 (virt_caps.c), so
 *    bits 10, 11 and 63:52 of an entry are ignored and qualification bits 6, 9-11 and 13-16 are 0.
 *  - Accessed and dirty flags are written only when the whole walk succeeds (as the CPU and KVM
 *    do in practice; the SDM allows setting them only for entries used by a translation). The
 *    update is a read-modify-write of L1 memory, not atomic: an L1 vCPU changing the same entry
 *    concurrently could lose its change (L1 runs one vCPU under L0 today).
 *  - An EPT12 table outside L1's RAM (vmxe_gmem refuses the read: a hole, MMIO, or L0's own
 *    memory) ends the walk as EPTM_WALK_UNREADABLE, which L1 is to see as an EPT violation with
 *    the entry it could not read counted as not present (qualification bits 5:3 clear). That is
 *    what L1 itself reads at such an address (zeros from L0's decoy page, nothing from a hole),
 *    keeps the decision with L1 (as KVM does, which also reflects a violation there), and never
 *    makes L0 depend on memory L1 does not own. The status stays distinct so that L0 can log it.
 *  - The walk is 4 levels whatever the EPTP says: only 4-level EPTPs are offered to L1, and VM
 *    entry checks EPTP12 (vmxe_eptp_valid()) before any walk.
 */
#ifndef EPT_MERGE_EPT12_WALK_H
#define EPT_MERGE_EPT12_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "ept-merge/ept.h"
#include "vmx-emul/guest_mem.h"

/* L1 as the walk sees it: its memory and what it was offered. */
struct eptm_l1 {
	const struct vmxe_gmem *mem; /* L1-physical memory: EPT12's tables and A/D flags */
	uint64_t ept_vpid_cap;	     /* L1's IA32_VMX_EPT_VPID_CAP: execute-only, 2 MiB, 1 GiB */
	unsigned int maxphyaddr; /* L1's physical-address width: entry bits above are reserved */
};

/* One translation through one EPT: EPT12's of an L2-physical address, EPT01's of an L1-physical
 * one (L0 fills it from its own walker). */
struct eptm_xlate {
	uint64_t addr;	      /* the translated address, page offset included */
	uint64_t perms;	      /* EPTM_R/W/X allowed by every entry of the walk */
	unsigned int memtype; /* enum eptm_memtype of the leaf */
	bool ignore_pat;
	unsigned int level; /* leaf level: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB) */
};

enum eptm_walk_status {
	EPTM_WALK_OK,	      /* translated: xlate, dirty, table[] */
	EPTM_WALK_VIOLATION,  /* reflect an EPT violation with qualification */
	EPTM_WALK_MISCONFIG,  /* reflect an EPT misconfiguration */
	EPTM_WALK_UNREADABLE, /* an EPT12 table is not L1 RAM: reflect an EPT violation with
			       * qualification (see the top) */
};

struct eptm_walk {
	enum eptm_walk_status status;
	/* OK: the translation. Otherwise level is that of the entry that ended the walk and perms
	 * the AND of the entries read down to it (0 when it was not present or unreadable). */
	struct eptm_xlate xlate;
	/* OK: whether L2 may write without L1 missing a dirty flag: A/D flags are off in EPTP12,
	 * or the leaf's dirty flag is set. When false, EPT02 must not grant write access. */
	bool dirty;
	uint64_t qualification; /* VIOLATION, UNREADABLE: the exit qualification for L1 */
	/* L1-physical address of the EPT12 table of each level the walk read, [4] the PML4 down to
	 * [xlate.level]; the reverse map of EPT02 uses them. */
	uint64_t table[EPTM_LEVELS + 1];
};

/*
 * Walks EPT12 of @eptp12 for an access to L2-physical @l2gpa, the access being the one of the
 * hardware's exit qualification @hw_qual (bits 2:0; bits 7, 8 and 12 are passed on into a
 * violation's qualification, the rest is dropped). Sets accessed flags along the walk and the
 * dirty flag of the leaf on a write, in L1 memory, when @eptp12 enables them and the walk
 * succeeds. Fills @w and returns w->status.
 */
enum eptm_walk_status eptm_walk_ept12(const struct eptm_l1 *l1, uint64_t eptp12, uint64_t l2gpa,
				      uint64_t hw_qual, struct eptm_walk *w);

#endif /* EPT_MERGE_EPT12_WALK_H */
