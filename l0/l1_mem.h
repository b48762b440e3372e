/*
 * l1_mem.h: L0's access to L1-physical memory for the pure vmx-emul code (struct vmxe_gmem):
 * a range is readable or writable only where every page of it is L1 RAM in EPT01's map (not
 * L0's own pages, not MMIO, not a hole), so that a pointer L1 hands to L0 (a VMCS12, a bitmap,
 * a page table) can never make L0 touch its own memory or a device. Pure: pages are reached
 * through the same page-access callback as the EPT walkers.
 */
#ifndef L0_L1_MEM_H
#define L0_L1_MEM_H

#include "l0/ept01.h"
#include "vmx-emul/guest_mem.h"

struct l0_l1_mem {
	const struct l0_ept01_config *map; /* the map EPT01 was built from */
	struct l0_page_access pages;       /* host-physical page -> pointer (identity in L0) */
};

/* A vmxe_gmem over @m (which must outlive it). */
struct vmxe_gmem l0_l1_mem_gmem(struct l0_l1_mem *m);

#endif
