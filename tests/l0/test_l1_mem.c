/*
 * test_l1_mem.c: tests of L0's checked access to L1 memory (l0/l1_mem.h): reads and writes
 * within L1 RAM, across pages, and refusals for L0's pages, MMIO, holes and wrap-around, with
 * nothing copied on a refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l0/l1_mem.h"

#define PAGE 4096u
#define PAGES 8u

/* Fake L1 memory: 8 pages at L1-physical 0x10000; page 3 is L0's, 0x20000.. is MMIO. */
static uint8_t ram[PAGES * PAGE];
#define RAM_BASE 0x10000ull

static const struct l0_mem_range map[] = {
	{ RAM_BASE, PAGES * PAGE, L0_MEM_RAM },
	{ RAM_BASE + 3 * PAGE, PAGE, L0_MEM_L0 },
	{ 0x20000, 0x1000, L0_MEM_MMIO },
};
static const struct l0_ept01_config cfg = { map, 3, 39, true, true };

static void *page_va(void *ctx, uint64_t hpa)
{
	(void)ctx;
	if (hpa < RAM_BASE || hpa >= RAM_BASE + sizeof(ram))
		return NULL;
	return ram + (hpa - RAM_BASE);
}

static struct l0_l1_mem mem = { &cfg, { page_va, NULL } };

static void test_read_write_across_pages(void **state)
{
	struct vmxe_gmem g = l0_l1_mem_gmem(&mem);
	uint8_t buf[100], back[100];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* 50 bytes at the end of page 0, 50 at the start of page 1 */
	assert_int_equal(vmxe_gmem_write(&g, RAM_BASE + PAGE - 50, buf, sizeof(buf)),
			 VMXE_GMEM_OK);
	assert_memory_equal(ram + PAGE - 50, buf, sizeof(buf));
	memset(back, 0, sizeof(back));
	assert_int_equal(vmxe_gmem_read(&g, RAM_BASE + PAGE - 50, back, sizeof(back)),
			 VMXE_GMEM_OK);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(vmxe_gmem_read(&g, RAM_BASE, back, 0), VMXE_GMEM_OK);
}

static void test_refusals_touch_nothing(void **state)
{
	struct vmxe_gmem g = l0_l1_mem_gmem(&mem);
	uint8_t buf[16] = { 0xaa };
	const uint64_t bad[] = {
		RAM_BASE + 3 * PAGE,           /* L0's page */
		RAM_BASE + 3 * PAGE - 8,       /* a range that runs into L0's page */
		RAM_BASE + PAGES * PAGE - 8,   /* a range that runs off the end of RAM */
		0x20000,                       /* MMIO */
		0x0,                           /* a hole */
		UINT64_MAX - 4,                /* wraps around */
	};

	(void)state;
	memset(ram, 0x55, sizeof(ram));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vmxe_gmem_write(&g, bad[i], buf, sizeof(buf)),
				 VMXE_GMEM_UNMAPPED);
		assert_int_equal(vmxe_gmem_read(&g, bad[i], buf, sizeof(buf)),
				 VMXE_GMEM_UNMAPPED);
	}
	for (size_t i = 0; i < sizeof(ram); i++)
		assert_int_equal(ram[i], 0x55); /* the partial ranges wrote nothing either */
	assert_int_equal(buf[0], 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_across_pages),
		cmocka_unit_test(test_refusals_touch_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
