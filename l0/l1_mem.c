/*
 * l1_mem.c: checked access to L1-physical memory (see l1_mem.h). Pure.
 */
#include "l0/l1_mem.h"
#include "l0/util.h"

#include <stdbool.h>
#include <string.h>


/* Calls @fn on each page-sized piece of [gpa, gpa + len), after checking every page. */
static int each_piece(struct l0_l1_mem *m, uint64_t gpa, size_t len,
		      void (*fn)(uint8_t *page, size_t off, size_t n, size_t done, void *arg),
		      void *arg)
{
	if (len == 0)
		return VMXE_GMEM_OK;
	if (gpa + len < gpa)
		return VMXE_GMEM_UNMAPPED;
	for (uint64_t p = gpa & L0_PAGE_MASK; p < gpa + len; p += L0_PAGE_SIZE) {
		if (l0_ept01_page_type(m->map, p) != L0_MEM_RAM ||
		    !m->pages.page_va(m->pages.ctx, p))
			return VMXE_GMEM_UNMAPPED;
	}
	for (size_t done = 0; done < len;) {
		uint64_t a = gpa + done;
		size_t off = (size_t)(a & (L0_PAGE_SIZE - 1));
		size_t n = (size_t)(L0_PAGE_SIZE - off) < len - done ? (size_t)(L0_PAGE_SIZE - off)
								   : len - done;

		fn(m->pages.page_va(m->pages.ctx, a - off), off, n, done, arg);
		done += n;
	}
	return VMXE_GMEM_OK;
}

static void copy_out(uint8_t *page, size_t off, size_t n, size_t done, void *buf)
{
	memcpy((uint8_t *)buf + done, page + off, n);
}

static void copy_in(uint8_t *page, size_t off, size_t n, size_t done, void *buf)
{
	memcpy(page + off, (const uint8_t *)buf + done, n);
}

static int l1_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return each_piece(ctx, gpa, len, copy_out, buf);
}

static int l1_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	return each_piece(ctx, gpa, len, copy_in, (void *)(uintptr_t)buf);
}

struct vmxe_gmem l0_l1_mem_gmem(struct l0_l1_mem *m)
{
	return (struct vmxe_gmem){ l1_read, l1_write, m };
}
