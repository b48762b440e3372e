/*
 * l1_paging.h: translation of an L1-linear address to an L1-physical one by walking L1's own page
 * tables through struct vmxe_gmem, with the access checks of a supervisor-mode data read or write
 * (the only accesses the operands of VMX instructions make: they run at CPL 0), and copies of a
 * small linear range that may cross a page boundary. Touches no hardware.
 *
 * Implements SDM Vol. 3A chapter 4: 32-bit paging (4.3, 4 KiB and, with CR4.PSE, 4 MiB pages with
 * PSE-36 address bits), PAE paging (4.4), 4-level and 5-level paging (4.5) with 2 MiB and 1 GiB
 * pages; reserved bits (4.3-4.5 tables, MAXPHYADDR and EFER.NXE), access rights (4.6: R/W with
 * CR0.WP, SMAP with RFLAGS.AC for user-mode pages), protection keys (4.6.2: PKRU for user-mode
 * pages with CR4.PKE, IA32_PKRS for supervisor-mode pages with CR4.PKS), accessed and dirty flags
 * (4.8), and the #PF error code and CR2 (4.7).
 *
 * Choices where L0 is not a CPU:
 *  - A paging-structure entry outside L1 RAM (the read through gmem fails) reads as not present:
 *    a #PF with P=0, as if it read zeros. That is what L1 would see doing the walk itself under
 *    EPT01, whose decoy page reads zeros in L0's memory, and what KVM does for a guest page table
 *    outside guest memory. table_unmapped says so, for L0's trace.
 *  - A data byte outside L1 RAM (the translation succeeded but gmem refuses the physical address)
 *    reads as zero and is not written: the same decoy rule. data_unmapped says so.
 *  - Accessed/dirty flags are set only when the whole translation succeeds, by a one-byte write of
 *    the entry's low byte, and only where a flag is still clear. gmem has no compare-and-exchange,
 *    so this is not atomic against another L1 CPU editing the same entry; Linux maps the memory it
 *    hands to VMX instructions with both flags already set, so the write does not happen there.
 *  - PAE paging reads the four PDPTEs from memory at each walk; a CPU uses the copies it loaded at
 *    the last MOV to CR3 (which #GPs on reserved bits; here they give a #PF with RSVD).
 */
#ifndef VMX_EMUL_L1_PAGING_H
#define VMX_EMUL_L1_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx-emul/guest_mem.h"

/* IA32_EFER bits (SDM Vol. 3A 2.2.1, Table 2-1). */
#define VMXE_EFER_LMA (1ull << 10) /* IA-32e mode active */
#define VMXE_EFER_NXE (1ull << 11) /* execute-disable bit enable */

/* #PF error code (SDM Vol. 3A 4.7, Figure 4-12). U/S (bit 2) and I/D (bit 4) stay 0 here: every
 * access is a supervisor-mode data access. */
#define VMXE_PF_PRESENT (1u << 0) /* 0: not-present page; 1: protection or reserved-bit fault */
#define VMXE_PF_WRITE	(1u << 1)
#define VMXE_PF_RSVD	(1u << 3) /* a reserved bit was set in some paging-structure entry */
#define VMXE_PF_PK	(1u << 5) /* protection-key rights disallowed the access */

#define VMXE_L1_PAGE_SIZE 4096u

/* What the walk depends on: L1's values, as L1 believes them. */
struct vmxe_l1_paging {
	uint64_t cr0, cr3, cr4, efer;
	uint32_t pkru;	    /* PKRU: protection keys of user-mode pages, with CR4.PKE */
	uint32_t pkrs;	    /* IA32_PKRS: protection keys of supervisor-mode pages, with CR4.PKS */
	uint8_t maxphyaddr; /* L1's MAXPHYADDR, CPUID.80000008H:EAX[7:0] as L0 reports it */
	bool ac;	    /* RFLAGS.AC: lets a supervisor access touch user pages under SMAP */
	bool page1gb; /* CPUID.80000001H:EDX.Page1GB as L1 sees it: else PDPTE.PS is reserved */
};

enum vmxe_l1_access {
	VMXE_L1_READ = 0,
	VMXE_L1_WRITE = 1,
};

enum vmxe_walk_status {
	VMXE_WALK_OK = 0,
	VMXE_WALK_FAULT = 1,	   /* inject #PF: error_code, CR2 = cr2 */
	VMXE_WALK_BAD_LENGTH = -1, /* a copy longer than VMXE_L1_PAGE_SIZE: a caller bug */
};

struct vmxe_walk {
	uint64_t gpa;	     /* OK (translate): the L1-physical address */
	bool user;	     /* OK (translate): the translation allows user-mode accesses (4.6) */
	uint32_t error_code; /* FAULT: VMXE_PF_* */
	uint64_t cr2;	     /* FAULT: the linear address that faulted */
	bool table_unmapped; /* FAULT: it came from a paging-structure entry outside L1 RAM */
	bool data_unmapped;  /* OK (copies): some data lay outside L1 RAM (zeros read, no write) */
	uint64_t unmapped_gpa; /* the L1-physical address refused, when one of the two is set */
};

/* Width of L1's linear addresses for the canonical check: 57 with CR4.LA57, else 48. */
unsigned int vmxe_la_width(uint64_t cr4);

/* Whether @la is canonical for @width bits (SDM Vol. 1 3.3.7.1): bits 63:width-1 all equal. */
static inline bool vmxe_la_canonical(uint64_t la, unsigned int width)
{
	unsigned int sh = 64 - width;

	return (uint64_t)((int64_t)(la << sh) >> sh) == la;
}

/*
 * Translates L1-linear @la for a supervisor-mode data access of kind @acc, setting accessed (and,
 * for a write, dirty) flags. Without CR0.PG the address is its own physical address. OK and
 * w->gpa, or FAULT and the #PF to inject in w.
 */
enum vmxe_walk_status vmxe_l1_translate(const struct vmxe_l1_paging *p, const struct vmxe_gmem *mem,
					uint64_t la, enum vmxe_l1_access acc, struct vmxe_walk *w);

/*
 * Copies @len (at most VMXE_L1_PAGE_SIZE) bytes from / to L1-linear @la, translating each page the
 * range touches; a write translates both pages before it stores anything, so a fault on the second
 * page leaves memory untouched (CR2 is then the first byte of the second page).
 */
enum vmxe_walk_status vmxe_l1_read_linear(const struct vmxe_l1_paging *p,
					  const struct vmxe_gmem *mem, uint64_t la, void *buf,
					  size_t len, struct vmxe_walk *w);
enum vmxe_walk_status vmxe_l1_write_linear(const struct vmxe_l1_paging *p,
					   const struct vmxe_gmem *mem, uint64_t la,
					   const void *buf, size_t len, struct vmxe_walk *w);

#endif /* VMX_EMUL_L1_PAGING_H */
