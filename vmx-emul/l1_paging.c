/*
 * l1_paging.c: the walk of L1's page tables for the memory operands of emulated VMX instructions
 * (SDM Vol. 3A chapter 4: 4.3 32-bit, 4.4 PAE, 4.5 4-level and 5-level paging, 4.6 access rights,
 * 4.7 #PF error codes, 4.8 accessed and dirty flags). Touches no hardware: entries are read and
 * flags written through struct vmxe_gmem. The choices L0 makes where it is not a CPU are listed in
 * l1_paging.h.
 */
#include "vmx-emul/l1_paging.h"

#include <string.h>

#include "vmx-emul/vmx_caps.h"

/* Paging-structure entry bits common to every mode (SDM Vol. 3A Tables 4-4 .. 4-20). */
#define PTE_P		     (1ull << 0)
#define PTE_RW		     (1ull << 1)
#define PTE_US		     (1ull << 2)
#define PTE_A		     (1ull << 5)
#define PTE_D		     (1ull << 6) /* leaf only */
#define PTE_PS		     (1ull << 7) /* page size: this entry maps a page (PDE, PDPTE) */
#define PTE_XD		     (1ull << 63)
#define PTE_PKEY_SHIFT	     59 /* IA-32e leaf: bits 62:59, protection key */
#define PTE_PKEY_MASK	     0xfu
#define PTE_ADDR_LIMIT	     (1ull << 52) /* IA-32e: bits 51:M reserved, 62:52 ignored */
#define PAGE_SHIFT	     12
#define PAGE_OFFSET_MASK     (VMXE_L1_PAGE_SIZE - 1ull)
#define LARGE_LOW_RSVD_FIRST 13 /* a 2 MiB/1 GiB/4 MiB leaf: bit 12 is PAT, bits 13.. reserved */

/* 32-bit paging (4.3): 4-byte entries, 10 index bits per level, 4 MiB pages with PSE-36. */
#define PT32_ADDR_MASK	   0xfffff000ull
#define PT32_4M_ADDR_MASK  0xffc00000ull
#define PT32_4M_HIGH_SHIFT 13 /* PDE bits 20:13 hold physical-address bits 39:32 */
#define PT32_4M_HIGH_BITS  8
#define PT32_4M_RSVD21	   (1ull << 21)
#define PT32_MAX_PHYS	   40
/* PAE paging (4.4): CR3 bits 31:5 locate the 4 PDPTEs; PDPTE bits 2:1 and 8:5 are reserved. */
#define PAE_CR3_MASK	0xffffffe0ull
#define PAE_PDPTE_RSVD	0x1e6ull
#define PAE_PDPTE_LEVEL 3

#define LINEAR32_MASK 0xffffffffull /* linear addresses outside IA-32e mode */
#define MAX_PHYS_BITS 52
#define MAX_LEVELS    5

struct walk_mode {
	uint8_t levels;	     /* 2: 32-bit, 3: PAE, 4 or 5: IA-32e */
	uint8_t entry_bytes; /* 4 or 8 */
	uint8_t index_bits;  /* 10 or 9 */
};

struct walk_entry {
	uint64_t gpa;
	uint64_t value;
};

unsigned int vmxe_la_width(uint64_t cr4)
{
	return (cr4 & VMX_MASK(VMX_CR4_LA57)) ? 57 : 48;
}

static struct walk_mode walk_mode(const struct vmxe_l1_paging *p)
{
	if (!(p->cr4 & VMX_MASK(VMX_CR4_PAE)))
		return (struct walk_mode){2, 4, 10};
	if (!(p->efer & VMXE_EFER_LMA))
		return (struct walk_mode){3, 8, 9};
	return (struct walk_mode){(p->cr4 & VMX_MASK(VMX_CR4_LA57)) ? 5 : 4, 8, 9};
}

/* Bits M-1:0 of a physical address. */
static uint64_t phys_mask(const struct vmxe_l1_paging *p)
{
	unsigned int m = p->maxphyaddr > MAX_PHYS_BITS ? MAX_PHYS_BITS : p->maxphyaddr;

	return (1ull << m) - 1;
}

static unsigned int level_shift(const struct walk_mode *m, unsigned int level)
{
	return PAGE_SHIFT + m->index_bits * (level - 1);
}

static uint64_t root_table(const struct vmxe_l1_paging *p, const struct walk_mode *m)
{
	if (m->levels == 2)
		return p->cr3 & PT32_ADDR_MASK;
	if (m->levels == 3)
		return p->cr3 & PAE_CR3_MASK;
	return p->cr3 & phys_mask(p) & ~PAGE_OFFSET_MASK;
}

/* 4 MiB PDE of 32-bit paging: bit 21, and the PSE-36 bits beyond min(MAXPHYADDR, 40). */
static uint64_t pt32_large_rsvd(const struct vmxe_l1_paging *p)
{
	unsigned int m = p->maxphyaddr > PT32_MAX_PHYS ? PT32_MAX_PHYS : p->maxphyaddr;
	unsigned int kept = m > 32 ? m - 32 : 0;
	uint64_t high = ((1ull << PT32_4M_HIGH_BITS) - 1) << PT32_4M_HIGH_SHIFT;

	return PT32_4M_RSVD21 | (high & ~(((1ull << kept) - 1) << PT32_4M_HIGH_SHIFT));
}

/* Reserved bits of entry @e at @level (SDM Vol. 3A 4.3-4.5, "Reserved (must be 0)"). */
static uint64_t rsvd_bits(const struct vmxe_l1_paging *p, const struct walk_mode *m,
			  unsigned int level, uint64_t e)
{
	uint64_t above = ~phys_mask(p) & ~PTE_XD; /* bits 62:M */
	uint64_t rsvd;

	if (m->entry_bytes == 4)
		return level == 2 && (e & PTE_PS) && (p->cr4 & VMX_MASK(VMX_CR4_PSE))
			   ? pt32_large_rsvd(p)
			   : 0;
	if (m->levels == 3) {
		if (level == PAE_PDPTE_LEVEL)
			return above | PTE_XD | PAE_PDPTE_RSVD;
		rsvd = above;
	} else {
		rsvd = above & (PTE_ADDR_LIMIT - 1);
		if (level >= 4 || (level == 3 && !p->page1gb))
			rsvd |= e & PTE_PS;
	}
	if (!(p->efer & VMXE_EFER_NXE))
		rsvd |= PTE_XD;
	if (level > 1 && (e & PTE_PS))
		rsvd |=
		    ((1ull << level_shift(m, level)) - 1) & ~((1ull << LARGE_LOW_RSVD_FIRST) - 1);
	return rsvd;
}

static bool is_leaf(const struct vmxe_l1_paging *p, const struct walk_mode *m, unsigned int level,
		    uint64_t e)
{
	return level == 1 ||
	       ((e & PTE_PS) && (m->entry_bytes == 8 || (p->cr4 & VMX_MASK(VMX_CR4_PSE))));
}

static uint64_t next_table(const struct vmxe_l1_paging *p, const struct walk_mode *m, uint64_t e)
{
	return m->entry_bytes == 4 ? e & PT32_ADDR_MASK : e & phys_mask(p) & ~PAGE_OFFSET_MASK;
}

static uint64_t leaf_gpa(const struct vmxe_l1_paging *p, const struct walk_mode *m,
			 unsigned int level, uint64_t e, uint64_t la)
{
	uint64_t size = 1ull << level_shift(m, level);
	uint64_t off = la & (size - 1);

	if (m->entry_bytes == 4 && level == 2) {
		uint64_t high = (e >> PT32_4M_HIGH_SHIFT) & ((1ull << PT32_4M_HIGH_BITS) - 1);

		return (e & PT32_4M_ADDR_MASK) | (high << 32) | off;
	}
	return (next_table(p, m, e) & ~(size - 1)) | off;
}

/*
 * The #PF error-code bits of a permission failure (0: allowed) for a supervisor-mode data access
 * to a page whose entries gave @rw and @us (SDM Vol. 3A 4.6.1), with protection keys (4.6.2).
 */
static uint32_t rights_fault(const struct vmxe_l1_paging *p, const struct walk_mode *m, bool rw,
			     bool us, uint64_t leaf, enum vmxe_l1_access acc)
{
	bool write = acc == VMXE_L1_WRITE;
	bool wp = (p->cr0 & VMX_MASK(VMX_CR0_WP)) != 0;
	bool denied = (us && (p->cr4 & VMX_MASK(VMX_CR4_SMAP)) && !p->ac) || (write && wp && !rw);
	uint32_t code = 0;

	if (m->levels >= 4) {
		uint64_t enable = us ? VMX_MASK(VMX_CR4_PKE) : VMX_MASK(VMX_CR4_PKS);
		uint32_t keys = (p->cr4 & enable) ? (us ? p->pkru : p->pkrs) : 0;
		unsigned int key = (unsigned int)(leaf >> PTE_PKEY_SHIFT) & PTE_PKEY_MASK;
		bool ad = (keys >> (2 * key)) & 1, wd = (keys >> (2 * key + 1)) & 1;

		if (ad || (write && wp && wd))
			code |= VMXE_PF_PK;
	}
	if (denied || code)
		code |= VMXE_PF_PRESENT | (write ? VMXE_PF_WRITE : 0);
	return code;
}

static bool read_entry(const struct vmxe_gmem *mem, uint64_t gpa, unsigned int bytes, uint64_t *e)
{
	*e = 0; /* little-endian: a 4-byte entry fills the low half */
	return vmxe_gmem_read(mem, gpa, e, bytes) == VMXE_GMEM_OK;
}

/* Sets A in every entry used (PAE PDPTEs have none) and D in the leaf of a write (SDM 4.8). Both
 * live in the entry's low byte, so only that byte is written. */
static void set_accessed_dirty(const struct vmxe_gmem *mem, const struct walk_mode *m,
			       const struct walk_entry *ents, unsigned int n, bool write)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t want = PTE_A | (i == n - 1 && write ? PTE_D : 0);
		uint8_t low = (uint8_t)(ents[i].value | want);

		if (m->levels == 3 && i == 0)
			continue;
		if ((ents[i].value & want) != want)
			(void)vmxe_gmem_write(mem, ents[i].gpa, &low, sizeof(low));
	}
}

static enum vmxe_walk_status page_fault(struct vmxe_walk *w, uint64_t la, enum vmxe_l1_access acc,
					uint32_t code)
{
	w->error_code = code | (acc == VMXE_L1_WRITE ? VMXE_PF_WRITE : 0);
	w->cr2 = la;
	return VMXE_WALK_FAULT;
}

enum vmxe_walk_status vmxe_l1_translate(const struct vmxe_l1_paging *p, const struct vmxe_gmem *mem,
					uint64_t la, enum vmxe_l1_access acc, struct vmxe_walk *w)
{
	struct walk_entry ents[MAX_LEVELS];
	struct walk_mode m;
	unsigned int level, n = 0;
	uint64_t table, e = 0;
	bool rw = true, us = true;
	uint32_t code;

	memset(w, 0, sizeof(*w));
	if (!(p->efer & VMXE_EFER_LMA))
		la &= LINEAR32_MASK;
	if (!(p->cr0 & VMX_MASK(VMX_CR0_PG))) {
		w->gpa = la;
		w->user = true; /* no paging: nothing tells user from supervisor pages */
		return VMXE_WALK_OK;
	}
	m = walk_mode(p);
	table = root_table(p, &m);
	for (level = m.levels;; level--) {
		uint64_t index = (la >> level_shift(&m, level)) & ((1ull << m.index_bits) - 1);
		uint64_t gpa = table + index * m.entry_bytes;

		if (!read_entry(mem, gpa, m.entry_bytes, &e)) {
			w->table_unmapped = true;
			w->unmapped_gpa = gpa;
			return page_fault(w, la, acc, 0);
		}
		if (!(e & PTE_P))
			return page_fault(w, la, acc, 0);
		if (e & rsvd_bits(p, &m, level, e))
			return page_fault(w, la, acc, VMXE_PF_PRESENT | VMXE_PF_RSVD);
		ents[n++] = (struct walk_entry){gpa, e};
		if (!(m.levels == 3 && level == PAE_PDPTE_LEVEL)) {
			rw = rw && (e & PTE_RW);
			us = us && (e & PTE_US);
		}
		if (is_leaf(p, &m, level, e))
			break;
		table = next_table(p, &m, e);
	}
	code = rights_fault(p, &m, rw, us, e, acc);
	if (code)
		return page_fault(w, la, acc, code);
	set_accessed_dirty(mem, &m, ents, n, acc == VMXE_L1_WRITE);
	w->gpa = leaf_gpa(p, &m, level, e, la);
	w->user = us;
	return VMXE_WALK_OK;
}

/* The (at most two) physical pieces of a linear range of at most one page. */
struct range {
	uint64_t gpa[2];
	size_t len[2];
	unsigned int n;
};

static enum vmxe_walk_status translate_range(const struct vmxe_l1_paging *p,
					     const struct vmxe_gmem *mem, uint64_t la, size_t len,
					     enum vmxe_l1_access acc, struct range *r,
					     struct vmxe_walk *w)
{
	size_t room = VMXE_L1_PAGE_SIZE - (size_t)(la & PAGE_OFFSET_MASK);
	enum vmxe_walk_status st;
	unsigned int i;

	if (len > VMXE_L1_PAGE_SIZE)
		return VMXE_WALK_BAD_LENGTH;
	r->len[0] = len < room ? len : room;
	r->len[1] = len - r->len[0];
	r->n = r->len[1] ? 2 : 1;
	for (i = 0; i < r->n; i++) {
		st = vmxe_l1_translate(p, mem, i ? la + r->len[0] : la, acc, w);
		if (st != VMXE_WALK_OK)
			return st;
		r->gpa[i] = w->gpa;
	}
	w->gpa = r->gpa[0];
	return VMXE_WALK_OK;
}

static void note_unmapped(struct vmxe_walk *w, uint64_t gpa)
{
	if (!w->data_unmapped) {
		w->data_unmapped = true;
		w->unmapped_gpa = gpa;
	}
}

enum vmxe_walk_status vmxe_l1_read_linear(const struct vmxe_l1_paging *p,
					  const struct vmxe_gmem *mem, uint64_t la, void *buf,
					  size_t len, struct vmxe_walk *w)
{
	struct range r;
	enum vmxe_walk_status st = translate_range(p, mem, la, len, VMXE_L1_READ, &r, w);
	uint8_t *dst = buf;
	unsigned int i;

	if (st != VMXE_WALK_OK)
		return st;
	for (i = 0; i < r.n; dst += r.len[i], i++) {
		if (vmxe_gmem_read(mem, r.gpa[i], dst, r.len[i]) != VMXE_GMEM_OK) {
			memset(dst, 0, r.len[i]);
			note_unmapped(w, r.gpa[i]);
		}
	}
	return VMXE_WALK_OK;
}

enum vmxe_walk_status vmxe_l1_write_linear(const struct vmxe_l1_paging *p,
					   const struct vmxe_gmem *mem, uint64_t la,
					   const void *buf, size_t len, struct vmxe_walk *w)
{
	struct range r;
	enum vmxe_walk_status st = translate_range(p, mem, la, len, VMXE_L1_WRITE, &r, w);
	const uint8_t *src = buf;
	unsigned int i;

	if (st != VMXE_WALK_OK)
		return st;
	for (i = 0; i < r.n; src += r.len[i], i++)
		if (vmxe_gmem_write(mem, r.gpa[i], src, r.len[i]) != VMXE_GMEM_OK)
			note_unmapped(w, r.gpa[i]);
	return VMXE_WALK_OK;
}
