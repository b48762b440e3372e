/*
 * test_bt_map.c: bt=on's window in L1's page tables (vmcs-shadow/bt_map.c): where the one PDE
 * goes, and every reason not to write it, over tables built in fake L1 RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/vmx-emul/fake_ram.h"
#include "vmcs-shadow/bt_map.h"
#include "vmx-emul/l1_paging.h"

#define RAM_SIZE  0x100000ull
#define PML4_GPA  0x10000ull
#define PDPT_GPA  0x11000ull
#define PD_GPA	  0x12000ull
#define PT_GPA	  0x20000ull /* the window's table */
#define CR0_PG_PE 0x80000001ull
#define CR4_PAE	  (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define EFER_LMA  VMXE_EFER_LMA
#define P	  1ull
#define RW	  2ull
#define PS	  (1ull << 7)
#define TOP	  511u

struct env {
	struct fake_ram f;
	struct vmxe_gmem mem;
};

static void put(struct env *e, uint64_t gpa, uint64_t v)
{
	memcpy(e->f.ram + gpa, &v, sizeof(v));
}

static uint64_t top_entry(uint64_t table)
{
	return table + TOP * 8u;
}

static int setup(void **state)
{
	struct env *e = test_calloc(1, sizeof(*e));

	fake_ram_init(&e->f, RAM_SIZE, RAM_SIZE, RAM_SIZE);
	e->mem = fake_ram_gmem(&e->f);
	put(e, top_entry(PML4_GPA), PDPT_GPA | P | RW);
	put(e, top_entry(PDPT_GPA), PD_GPA | P | RW);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fake_ram_free(&e->f);
	test_free(e);
	return 0;
}

static enum vbt_map_status plan(struct env *e, uint64_t cr3, uint64_t cr4, struct vbt_map_plan *p)
{
	return vbt_map_plan(&e->mem, CR0_PG_PE, cr3, cr4, EFER_LMA, PT_GPA, p);
}

static void test_free_hole_then_done(void **state)
{
	struct env *e = *state;
	struct vbt_map_plan p;

	/* PCID bits in CR3 do not move the PML4 */
	assert_int_equal(plan(e, PML4_GPA | 0x5, CR4_PAE, &p), VBT_MAP_WRITE);
	assert_int_equal(p.pde_gpa, top_entry(PD_GPA));
	assert_int_equal(p.pde & 0x000ffffffffff000ull, PT_GPA);
	assert_true(p.pde & P);
	assert_true(p.pde & RW);
	put(e, p.pde_gpa, p.pde);
	assert_int_equal(plan(e, PML4_GPA, CR4_PAE, &p), VBT_MAP_DONE);
}

static void test_refusals(void **state)
{
	struct env *e = *state;
	struct vbt_map_plan p;

	assert_int_equal(plan(e, PML4_GPA, CR4_PAE | CR4_LA57, &p), VBT_MAP_NOT_4LEVEL);
	assert_int_equal(vbt_map_plan(&e->mem, CR0_PG_PE, PML4_GPA, CR4_PAE, 0, PT_GPA, &p),
			 VBT_MAP_NOT_4LEVEL);
	assert_int_equal(vbt_map_plan(&e->mem, 1, PML4_GPA, CR4_PAE, EFER_LMA, PT_GPA, &p),
			 VBT_MAP_NOT_4LEVEL);
	put(e, top_entry(PD_GPA), 0x40000ull | P | RW | PS); /* L1's own 2 MiB page */
	assert_int_equal(plan(e, PML4_GPA, CR4_PAE, &p), VBT_MAP_OCCUPIED);
	put(e, top_entry(PDPT_GPA), 0x40000000ull | P | RW | PS); /* a 1 GiB page */
	assert_int_equal(plan(e, PML4_GPA, CR4_PAE, &p), VBT_MAP_NO_PATH);
	put(e, top_entry(PML4_GPA), 0);
	assert_int_equal(plan(e, PML4_GPA, CR4_PAE, &p), VBT_MAP_NO_PATH);
	put(e, top_entry(PML4_GPA), (RAM_SIZE + 0x1000) | P); /* a PDPT outside L1 RAM */
	assert_int_equal(plan(e, PML4_GPA, CR4_PAE, &p), VBT_MAP_NO_PATH);
}

static void test_window_ptes(void **state)
{
	struct vbt_layout l;
	uint64_t stub = vbt_window_pte(0, 0x5000), shared = vbt_window_pte(VBT_SHARED_INDEX, 0x6000);

	(void)state;
	assert_int_equal(stub & 0x000ffffffffff000ull, 0x5000);
	assert_int_equal(stub & (RW | (1ull << 63) | (1ull << 2)), 0); /* RO, executable, supervisor */
	assert_true(stub & (1ull << 5));				  /* accessed set ahead */
	assert_true(shared & RW);
	assert_true(shared & (1ull << 63)); /* not executable */
	assert_true(shared & (1ull << 6));  /* dirty set ahead */
	vbt_window_layout(&l);
	assert_int_equal(l.stub_la, VBT_WINDOW_LA);
	assert_int_equal(l.shared_la, vbt_window_la(VBT_SHARED_INDEX));
	assert_int_equal(l.stub_size, VBT_STUB_PAGES * 4096u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_free_hole_then_done, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test(test_window_ptes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
