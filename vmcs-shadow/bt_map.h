/*
 * bt_map.h: where bt=on's stubs live in L1's linear address space: a 2 MiB window at the top of
 * it, which L0 enters into L1's own 4-level page tables as one page-directory entry naming a page
 * table of L0's. The stubs must be reachable from L1's code by a 32-bit displacement and present
 * in every address space L1's kernel runs in; the top 2 MiB is both, and Linux leaves it unused
 * (its x86-64 memory map lists ffffffffffe00000-ffffffffffffffff as an unused hole). Touches no
 * hardware: L1's tables are read through struct vmxe_gmem, and the caller writes the one entry.
 *
 * The window's page table (SDM Vol. 3A 4.5, Table 4-19): the stub pages supervisor, read-only and
 * executable; the shared page and the VMCS12 copy supervisor, writable and not executable. The
 * accessed and dirty flags are set ahead, because L0 keeps the table itself read-only to L1 in
 * EPT01 and the CPU would otherwise write them (4.8).
 */
#ifndef VBT_MAP_H
#define VBT_MAP_H

#include <stdint.h>

#include "vmcs-shadow/bt_rewrite.h"
#include "vmx-emul/guest_mem.h"

#define VBT_WINDOW_LA	  0xffffffffffe00000ull /* PML4E 511, PDPTE 511, PDE 511 */
#define VBT_STUB_PAGES	  32u			/* 128 KiB of stubs: KVM has a few hundred sites */
#define VBT_WINDOW_PAGES  (VBT_STUB_PAGES + 2u) /* the stubs, the shared page, the VMCS12 copy */
#define VBT_SHARED_INDEX  VBT_STUB_PAGES
#define VBT_VMCS12_INDEX  (VBT_STUB_PAGES + 1u)

/* The linear address of the window's page @index. */
static inline uint64_t vbt_window_la(unsigned int index)
{
	return VBT_WINDOW_LA + (uint64_t)index * 4096u;
}

/* The layout the stubs are emitted for. */
void vbt_window_layout(struct vbt_layout *layout);

/* The PTE of window page @index (below VBT_WINDOW_PAGES) backed by L1-physical @gpa. */
uint64_t vbt_window_pte(unsigned int index, uint64_t gpa);

enum vbt_map_status {
	VBT_MAP_WRITE,	   /* write out->pde at out->pde_gpa */
	VBT_MAP_DONE,	   /* the entry names the window's table already */
	VBT_MAP_NOT_4LEVEL, /* L1 is not in 4-level paging (no IA-32e mode, or LA57) */
	VBT_MAP_NO_PATH,   /* PML4E 511 or PDPTE 511 is absent, a large page, or not in L1 RAM */
	VBT_MAP_OCCUPIED,  /* PDE 511 maps something of L1's: the hole is not free */
};

struct vbt_map_plan {
	uint64_t pde_gpa; /* L1-physical address of the page-directory entry */
	uint64_t pde;	  /* what it must hold: the window's page table at @pt_gpa */
};

/*
 * Where the window's page table (at L1-physical @pt_gpa) enters the page tables of L1's @cr3
 * (paging mode from @cr0, @cr4 and @efer), and whether it is already there.
 */
enum vbt_map_status vbt_map_plan(const struct vmxe_gmem *mem, uint64_t cr0, uint64_t cr3,
				 uint64_t cr4, uint64_t efer, uint64_t pt_gpa,
				 struct vbt_map_plan *out);

#endif
