/*
 * bt_map.c: the window of bt=on in L1's page tables (see bt_map.h). Pure.
 */
#include "vmcs-shadow/bt_map.h"

#include "vmx-emul/l1_paging.h"
#include "vmx-emul/vmx_caps.h"

/* Paging-structure entry bits (SDM Vol. 3A 4.5, Tables 4-15 to 4-20). */
#define PTE_P	     (1ull << 0)
#define PTE_RW	     (1ull << 1)
#define PTE_A	     (1ull << 5)
#define PTE_D	     (1ull << 6)
#define PTE_PS	     (1ull << 7)
#define PTE_XD	     (1ull << 63)
#define PTE_ADDR     0x000ffffffffff000ull
#define CR3_ADDR     0x000ffffffffff000ull /* bits 11:0 hold PCID or PWT/PCD */
#define TOP_INDEX    511u
#define ENTRY_BYTES  8u

void vbt_window_layout(struct vbt_layout *layout)
{
	layout->stub_la = vbt_window_la(0);
	layout->stub_size = VBT_STUB_PAGES * 4096u;
	layout->shared_la = vbt_window_la(VBT_SHARED_INDEX);
}

uint64_t vbt_window_pte(unsigned int index, uint64_t gpa)
{
	uint64_t pte = (gpa & PTE_ADDR) | PTE_P | PTE_A;

	if (index < VBT_STUB_PAGES)
		return pte;
	return pte | PTE_RW | PTE_D | PTE_XD;
}

/* The entry @index of the table at @table, or false when it is not in L1 RAM. */
static bool read_entry(const struct vmxe_gmem *mem, uint64_t table, unsigned int index,
		       uint64_t *gpa, uint64_t *e)
{
	*gpa = table + (uint64_t)index * ENTRY_BYTES;
	return vmxe_gmem_read(mem, *gpa, e, sizeof(*e)) == VMXE_GMEM_OK;
}

enum vbt_map_status vbt_map_plan(const struct vmxe_gmem *mem, uint64_t cr0, uint64_t cr3,
				 uint64_t cr4, uint64_t efer, uint64_t pt_gpa,
				 struct vbt_map_plan *out)
{
	uint64_t table = cr3 & CR3_ADDR, gpa, e;

	if (!(cr0 & VMX_MASK(VMX_CR0_PG)) || !(efer & VMXE_EFER_LMA) || vmxe_la_width(cr4) != 48)
		return VBT_MAP_NOT_4LEVEL;
	/* PML4E 511, then PDPTE 511: both must name tables (no 1 GiB page at the PDPTE) */
	for (int level = 0; level < 2; level++) {
		if (!read_entry(mem, table, TOP_INDEX, &gpa, &e) || !(e & PTE_P) ||
		    (level == 1 && (e & PTE_PS)))
			return VBT_MAP_NO_PATH;
		table = e & PTE_ADDR;
	}
	if (!read_entry(mem, table, TOP_INDEX, &gpa, &e))
		return VBT_MAP_NO_PATH;
	out->pde_gpa = gpa;
	out->pde = (pt_gpa & PTE_ADDR) | PTE_P | PTE_RW | PTE_A;
	if (e == out->pde)
		return VBT_MAP_DONE;
	return (e & PTE_P) ? VBT_MAP_OCCUPIED : VBT_MAP_WRITE;
}
