/*
 * vpid.h: the VPIDs L2's translations are tagged with: each VPID L1 gives an L2 (VPID12) maps to
 * one of a small range of L0's own VPIDs (VPID02), least recently used first out, so that L1's
 * VPIDs never collide with L1's own tag or with each other in the CPU's TLBs, and INVVPID from L1
 * knows which VPID02 to flush. Pure; touches no hardware. SDM Vol. 3C 29.1 (VPIDs), 29.4.3
 * (maintaining cached translations), 31.3 (INVVPID).
 *
 * Flushing is lazy: a VPID02 is flushed (INVVPID single-context, by L0) each time it is given to
 * a VPID12, so that forgetting a mapping is as good as flushing it. INVVPID single-context (with
 * or without globals) and all-context from L1 therefore only forget mappings; an
 * individual-address INVVPID flushes that address under the VPID02 found, if any (an unmapped
 * VPID12 has nothing cached: its next VPID02 is flushed when given). An L2 that L1 runs without a
 * VPID (VPID12 0) gets a VPID02 of its own, flushed at every VM entry: without VPIDs, VM entries
 * and exits invalidate the untagged translations (29.4.3.3), so nothing of the previous run of
 * any L2 may survive.
 */
#ifndef EPT_MERGE_VPID_H
#define EPT_MERGE_VPID_H

#include <stdbool.h>
#include <stdint.h>

#define EPTM_VPID_SLOTS 16u

struct eptm_vpid_slot {
	bool used;
	uint16_t vpid12;
	uint16_t vpid02;
	uint64_t last_use;
};

struct eptm_vpid_map {
	struct eptm_vpid_slot slot[EPTM_VPID_SLOTS];
	unsigned int count;  /* slots in use, each with a fixed VPID02 */
	uint16_t untagged02; /* VPID02 of an L2 without a VPID12 */
	uint64_t clock;
};

/*
 * Gives @v L0's VPIDs [@first, @first + @count): @first for L2s without a VPID12, the others to
 * map. 0 on success; -1 when @first is 0 (VPID 0 is the untagged one, L0's own), @count is outside
 * 2..EPTM_VPID_SLOTS + 1, or the range passes 0xffff.
 */
int eptm_vpid_init(struct eptm_vpid_map *v, uint16_t first, unsigned int count);

/* The VPID02 for a VM entry to L2 with @vpid12 (0: L1 enabled no VPID). *flush: whether L0 must
 * INVVPID single-context that VPID02 before the entry. */
uint16_t eptm_vpid02_enter(struct eptm_vpid_map *v, uint16_t vpid12, bool *flush);

/* The VPID02 @vpid12 maps to now, or 0 when none. */
uint16_t eptm_vpid02_find(const struct eptm_vpid_map *v, uint16_t vpid12);

/* INVVPID single-context (either kind) of @vpid12: forgets its mapping. */
void eptm_vpid_forget(struct eptm_vpid_map *v, uint16_t vpid12);

/* INVVPID all-context: forgets every mapping. */
void eptm_vpid_forget_all(struct eptm_vpid_map *v);

#endif /* EPT_MERGE_VPID_H */
