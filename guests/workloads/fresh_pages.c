/*
 * The fresh pages of pf and memtouch (see fresh_pages.h). At level l2 they are a memory slot of
 * their own that only L2 touches, and L2 runs with 32-bit paging (SDM Vol. 3A 4.3) over page
 * tables that l2run builds in L2's first slot: so L1's KVM handles each first touch as a fault of
 * a paging guest, an EPT violation with ept=1, a shadow page fault after a walk of L2's tables
 * with ept=0. At level l1 they are an anonymous mapping, and each first touch is an ordinary page
 * fault in L1's kernel. Touches no hardware.
 */
#include "fresh_pages.h"
#include "failf.h"

#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#define PT_ENTRIES  1024 /* 32-bit entries in a 4 KiB table */
#define PDE_SHIFT   22	 /* each directory entry maps 4 MiB */
#define PG_PRESENT  (1u << 0)
#define PG_WRITABLE (1u << 1)
#define PG_ACCESSED (1u << 5)
#define PG_DIRTY    (1u << 6)
/*
 * Accessed and dirty already set: neither the CPU nor KVM's shadow paging has to write L2's
 * tables on a first touch, which then costs the fault alone.
 */
#define PDE_FLAGS (PG_PRESENT | PG_WRITABLE | PG_ACCESSED)
#define PTE_FLAGS (PG_PRESENT | PG_WRITABLE | PG_ACCESSED | PG_DIRTY)
/* The guest needs no stack, but l2run starts it with ESP at L2_STACK_TOP: leave room there. */
#define STACK_ROOM 0x10000

/* The page table for directory entry i is the page at L2_PAGE_TABLES_GPA + i * 4 KiB. */
#define PAGE_TABLE_GPA(i) (L2_PAGE_TABLES_GPA + (uint64_t)(i) * L2_PAGE_SIZE)
#define REGION_END_MAX	  (L2_PF_REGION_GPA + (uint64_t)L2_PF_MAX_PAGES * L2_PAGE_SIZE)

_Static_assert(L2_PAGE_DIR_GPA >= L2_MAILBOX_GPA + sizeof(struct l2_mailbox),
	       "page tables after the mailbox");
_Static_assert(PAGE_TABLE_GPA((REGION_END_MAX - 1) >> PDE_SHIFT) + L2_PAGE_SIZE <=
		   L2_STACK_TOP - STACK_ROOM,
	       "page tables for the largest region below the stack");
_Static_assert(REGION_END_MAX <= UINT32_MAX, "32-bit paging reaches the whole region");

/* Maps [start, end) one to one with 4 KiB pages in L2's tables, whose pages are all zero. */
static void map_range(uint8_t *mem, uint32_t start, uint32_t end)
{
	uint32_t *dir = (uint32_t *)(mem + L2_PAGE_DIR_GPA);

	for (uint32_t gpa = start; gpa < end; gpa += L2_PAGE_SIZE) {
		uint32_t i = gpa >> PDE_SHIFT;
		uint32_t *table = (uint32_t *)(mem + PAGE_TABLE_GPA(i));

		dir[i] = (uint32_t)PAGE_TABLE_GPA(i) | PDE_FLAGS;
		table[(gpa >> L2_PAGE_SHIFT) % PT_ENTRIES] = gpa | PTE_FLAGS;
	}
}

static int check_pages(uint32_t pages, char *err, size_t err_size)
{
	if (pages > L2_PF_MAX_PAGES)
		return failf(err, err_size, "at most %d fresh pages, asked for %" PRIu32,
			     L2_PF_MAX_PAGES, pages);
	return 0;
}

int fresh_pages_l2(struct l2vm *vm, struct l2_mailbox *mb, uint32_t pages, char *err,
		   size_t err_size)
{
	uint32_t size;

	if (check_pages(pages, err, err_size) < 0)
		return -1;
	size = pages * L2_PAGE_SIZE;
	if (l2vm_add_fresh_slot(vm, L2_PF_REGION_GPA, size) < 0)
		return failf(err, err_size, "%s", vm->err);
	map_range(vm->mem, 0, L2_MEM_SIZE);
	map_range(vm->mem, L2_PF_REGION_GPA, L2_PF_REGION_GPA + size);
	if (l2vm_enable_paging32(vm, L2_PAGE_DIR_GPA) < 0)
		return failf(err, err_size, "%s", vm->err);
	mb->region = L2_PF_REGION_GPA;
	return 0;
}

int fresh_pages_l1(struct l2_mailbox *mb, uint32_t pages, uint8_t **region, char *err,
		   size_t err_size)
{
	size_t size = (size_t)pages * L2_PAGE_SIZE;
	void *p;

	if (check_pages(pages, err, err_size) < 0)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return failf(err, err_size, "mmap of %" PRIu32 " fresh pages: %m", pages);
	/* A huge page would serve 512 first touches with one fault. */
	if (madvise(p, size, MADV_NOHUGEPAGE) < 0) {
		failf(err, err_size, "madvise(MADV_NOHUGEPAGE) of the fresh pages: %m");
		munmap(p, size);
		return -1;
	}
	*region = p;
	mb->region = (uintptr_t)p;
	return 0;
}

int fresh_pages_check(const uint8_t *region, uint32_t pages, const struct fresh_pattern *p,
		      char *err, size_t err_size)
{
	for (uint32_t i = 0; i < pages; i++) {
		const uint8_t *page = region + (size_t)i * L2_PAGE_SIZE;
		uint32_t want = i ^ p->pattern;

		for (uint32_t w = 0; w < p->words; w++) {
			uint32_t got;

			memcpy(&got, page + (size_t)w * sizeof(got), sizeof(got));
			if (got != want)
				return failf(err, err_size,
					     "fresh page %" PRIu32 " word %" PRIu32 " holds 0x%" PRIx32
					     " where the loop wrote 0x%" PRIx32,
					     i, w, got, want);
		}
	}
	return 0;
}
