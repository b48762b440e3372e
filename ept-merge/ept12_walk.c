/*
 * ept12_walk.c: walks EPT12 in L1 memory for an access by L2 (rules in ept12_walk.h). Touches no
 * hardware: L1 memory comes through struct vmxe_gmem. Implements SDM Vol. 3C 29.3.2 (the walk and
 * the entry formats of Tables 29-1..29-6), 29.3.3.1 (misconfigurations), 29.3.3.2 (violations),
 * 29.3.5 (accessed and dirty flags) and the EPT-violation qualification of 28.2.1, Table 28-7.
 */
#include "ept-merge/ept12_walk.h"

#include <string.h>

#include "vmx-emul/vmx_caps.h"

/* Qualification bits taken from the hardware's exit as they are: they describe L2's access, not
 * the EPT that refused it (Table 28-7). */
#define QUAL_PASSED_ON (EPTM_QUAL_GLA_VALID | EPTM_QUAL_GLA_TRANSLATED | EPTM_QUAL_NMI_UNBLOCKING)

/* Address bits 51:maxphyaddr, reserved in every entry (29.3.3.1). */
static uint64_t high_reserved(unsigned int maxphyaddr)
{
	return maxphyaddr >= 52 ? 0 : EPTM_ADDR_MASK & ~((1ull << maxphyaddr) - 1);
}

/* Bit 7 of a PDE or PDPTE is reserved where L1 was not offered the page size (A.10). */
static bool large_leaf_offered(const struct eptm_l1 *l1, unsigned int level)
{
	if (level == 3)
		return VMX_GET(VMX_EPT_VPID_PDPTE_1GB, l1->ept_vpid_cap) != 0;
	if (level == 2)
		return VMX_GET(VMX_EPT_VPID_PDE_2MB, l1->ept_vpid_cap) != 0;
	return true;
}

/* Whether the present entry @e at @level is an EPT misconfiguration (29.3.3.1). */
static bool misconfigured(const struct eptm_l1 *l1, uint64_t e, unsigned int level)
{
	if (eptm_perms_misconfigured(e, VMX_GET(VMX_EPT_VPID_EXEC_ONLY, l1->ept_vpid_cap) != 0))
		return true;
	if (e & high_reserved(l1->maxphyaddr))
		return true;
	/* bits 7:3 of a PML4E, bits 6:3 of a PDPTE or PDE that references a table */
	if (!eptm_is_leaf(e, level))
		return (e & EPTM_NONLEAF_RSVD_MASK) != 0;
	if (!large_leaf_offered(l1, level))
		return true;
	/* a large page's address bits below its size */
	if (e & EPTM_ADDR_MASK & ~eptm_leaf_addr_mask(level))
		return true;
	return !eptm_memtype_valid(eptm_memtype(e));
}

/* Ends the walk with an EPT violation whose entries allowed @perms (Table 28-7). */
static enum eptm_walk_status violation(struct eptm_walk *w, enum eptm_walk_status status,
				       uint64_t perms, uint64_t hw_qual)
{
	w->status = status;
	w->xlate.perms = perms & EPTM_RWX;
	w->qualification = (hw_qual & (EPTM_QUAL_ACCESS_MASK | QUAL_PASSED_ON)) |
			   (w->xlate.perms << EPTM_QUAL_PERMS_SHIFT);
	return status;
}

/*
 * Sets the accessed flag of every entry of the walk, and the dirty flag of the leaf on @write
 * (29.3.5), writing back only entries that change. @entry_gpa and @entry hold the walk, by level,
 * from 4 down to @leaf_level. False when L1 memory refuses a write.
 */
static bool set_ad_flags(const struct eptm_l1 *l1, const uint64_t *entry_gpa, uint64_t *entry,
			 unsigned int leaf_level, bool write)
{
	for (unsigned int level = EPTM_LEVELS; level >= leaf_level; level--) {
		uint64_t e = entry[level] | EPTM_ACCESSED;

		if (level == leaf_level && write)
			e |= EPTM_DIRTY;
		if (e == entry[level])
			continue;
		if (vmxe_gmem_write(l1->mem, entry_gpa[level], &e, sizeof(e)) != VMXE_GMEM_OK)
			return false;
		entry[level] = e;
	}
	return true;
}

/* The translation of @l2gpa by the leaf @e at @level, with the walk's @perms. */
static void leaf_xlate(struct eptm_walk *w, uint64_t e, unsigned int level, uint64_t l2gpa,
		       uint64_t perms)
{
	w->xlate.addr = eptm_entry_addr(e, level, true) | (l2gpa & (eptm_level_size(level) - 1));
	w->xlate.perms = perms & EPTM_RWX;
	w->xlate.memtype = eptm_memtype(e);
	w->xlate.ignore_pat = (e & EPTM_IGNORE_PAT) != 0;
	w->xlate.level = level;
}

enum eptm_walk_status eptm_walk_ept12(const struct eptm_l1 *l1, uint64_t eptp12, uint64_t l2gpa,
				      uint64_t hw_qual, struct eptm_walk *w)
{
	uint64_t entry_gpa[EPTM_LEVELS + 1], entry[EPTM_LEVELS + 1];
	uint64_t access = hw_qual & EPTM_QUAL_ACCESS_MASK;
	uint64_t table = eptm_eptp_root(eptp12), perms = EPTM_RWX;
	unsigned int level;

	memset(w, 0, sizeof(*w));
	for (level = EPTM_LEVELS;; level--) {
		uint64_t e;

		w->table[level] = table;
		w->xlate.level = level;
		entry_gpa[level] = table + eptm_index(l2gpa, level) * sizeof(uint64_t);
		if (vmxe_gmem_read(l1->mem, entry_gpa[level], &e, sizeof(e)) != VMXE_GMEM_OK)
			return violation(w, EPTM_WALK_UNREADABLE, 0, hw_qual);
		if (!eptm_present(e, false))
			return violation(w, EPTM_WALK_VIOLATION, 0, hw_qual);
		if (misconfigured(l1, e, level)) {
			w->xlate.perms = perms & e & EPTM_RWX;
			return w->status = EPTM_WALK_MISCONFIG;
		}
		perms &= e;
		entry[level] = e;
		if (eptm_is_leaf(e, level))
			break;
		table = eptm_entry_addr(e, level, false);
	}
	/* 29.3.3.2: each kind of access needs its bit in every entry used */
	if (access & ~perms)
		return violation(w, EPTM_WALK_VIOLATION, perms, hw_qual);
	if (eptm_eptp_ad(eptp12) &&
	    !set_ad_flags(l1, entry_gpa, entry, level, (access & EPTM_QUAL_WRITE) != 0))
		return violation(w, EPTM_WALK_UNREADABLE, 0, hw_qual);
	leaf_xlate(w, entry[level], level, l2gpa, perms);
	w->dirty = !eptm_eptp_ad(eptp12) || (entry[level] & EPTM_DIRTY) != 0;
	return w->status = EPTM_WALK_OK;
}
