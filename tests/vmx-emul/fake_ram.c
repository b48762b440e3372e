/*
 * fake_ram.c: L1 memory for the vmx-emul tests (see fake_ram.h).
 */
#include "fake_ram.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static bool fake_ok(const struct fake_ram *f, uint64_t gpa, size_t len)
{
	return gpa < f->size && len <= f->size - gpa &&
	       !(gpa < f->refused_hi && gpa + len > f->refused_lo);
}

static int fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct fake_ram *f = ctx;

	if (!fake_ok(f, gpa, len))
		return VMXE_GMEM_UNMAPPED;
	memcpy(buf, f->ram + gpa, len);
	return VMXE_GMEM_OK;
}

static int fake_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct fake_ram *f = ctx;

	if (!fake_ok(f, gpa, len))
		return VMXE_GMEM_UNMAPPED;
	memcpy(f->ram + gpa, buf, len);
	f->writes++;
	return VMXE_GMEM_OK;
}

void fake_ram_init(struct fake_ram *f, uint64_t size, uint64_t refused_lo, uint64_t refused_hi)
{
	*f = (struct fake_ram){ .ram = calloc(1, size), .size = size, .refused_lo = refused_lo,
				.refused_hi = refused_hi };
	assert_non_null(f->ram);
}

void fake_ram_free(struct fake_ram *f)
{
	free(f->ram);
	f->ram = NULL;
}

struct vmxe_gmem fake_ram_gmem(struct fake_ram *f)
{
	return (struct vmxe_gmem){ fake_read, fake_write, f };
}
