/*
 * test_bt_cache.c: tests of the translation cache and the stub area (vmcs-shadow/bt_cache.h):
 * lookups by site (live entries only), by stub address (any state), overlap of patches, pages
 * with live sites, aligned and bounded stub allocation, a full cache, and invalidation of a
 * written page one entry at a time, and the revival of an invalidated site's stub when its bytes
 * come back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs-shadow/bt_cache.h"

#define STUB_LA 0xffffffffffe00000ull
#define PAGE	0x12345000ull

static const struct vbt_layout layout = {STUB_LA, 256, 0xffffffffffe10000ull};

static struct vbt_entry entry(struct vbt_cache *c, uint64_t gpa, uint16_t stub_len)
{
	struct vbt_entry e;

	memset(&e, 0, sizeof(e));
	e.site_gpa = gpa;
	e.site_la = 0xffffffffc0000000ull | (gpa & 0xfff);
	e.stub_la = vbt_cache_next_stub(c);
	e.stub_len = stub_len;
	e.patch_len = 5;
	e.state = VBT_ENTRY_LIVE;
	return e;
}

static void test_lookups(void **state)
{
	struct vbt_entry storage[4];
	struct vbt_cache c;
	struct vbt_entry e;
	struct vbt_entry *a, *b;

	(void)state;
	vbt_cache_init(&c, storage, 4, &layout);
	assert_null(vbt_cache_site(&c, PAGE + 0x10));
	assert_false(vbt_cache_page_live(&c, PAGE));
	e = entry(&c, PAGE + 0x10, 40);
	a = vbt_cache_add(&c, &e);
	assert_non_null(a);
	assert_int_equal(a->stub_la, STUB_LA);
	e = entry(&c, PAGE + 0x800, 20);
	b = vbt_cache_add(&c, &e);
	assert_int_equal(b->stub_la, STUB_LA + 48); /* 40 rounded up to 16 */

	assert_ptr_equal(vbt_cache_site(&c, PAGE + 0x10), a);
	assert_null(vbt_cache_site(&c, PAGE + 0x11));
	assert_true(vbt_cache_overlaps(&c, PAGE + 0x0c, 5));  /* ends inside */
	assert_true(vbt_cache_overlaps(&c, PAGE + 0x14, 1));  /* last byte */
	assert_false(vbt_cache_overlaps(&c, PAGE + 0x0b, 5)); /* ends just before */
	assert_false(vbt_cache_overlaps(&c, PAGE + 0x15, 5));
	assert_true(vbt_cache_page_live(&c, PAGE + 0xfff));
	assert_false(vbt_cache_page_live(&c, PAGE + 0x1000));

	assert_ptr_equal(vbt_cache_stub(&c, STUB_LA), a);
	assert_ptr_equal(vbt_cache_stub(&c, STUB_LA + 39), a);
	assert_null(vbt_cache_stub(&c, STUB_LA + 40)); /* alignment padding */
	assert_ptr_equal(vbt_cache_stub(&c, STUB_LA + 48 + 19), b);
	assert_true(vbt_cache_in_area(&c, STUB_LA + 255));
	assert_false(vbt_cache_in_area(&c, STUB_LA + 256));
	assert_false(vbt_cache_in_area(&c, STUB_LA - 1));

	a->state = VBT_ENTRY_REPLACED; /* still found by stub, no longer by site */
	assert_null(vbt_cache_site(&c, PAGE + 0x10));
	assert_ptr_equal(vbt_cache_stub(&c, STUB_LA + 1), a);
	assert_false(vbt_cache_overlaps(&c, PAGE + 0x10, 5));
}

static void test_limits(void **state)
{
	struct vbt_entry storage[2];
	struct vbt_cache c;
	struct vbt_entry e;

	(void)state;
	vbt_cache_init(&c, storage, 2, &layout);
	assert_true(vbt_cache_fits(&c, 256));
	assert_false(vbt_cache_fits(&c, 257));
	e = entry(&c, PAGE, 200);
	assert_non_null(vbt_cache_add(&c, &e));
	assert_true(vbt_cache_fits(&c, 48)); /* 200 -> 208, 48 left */
	assert_false(vbt_cache_fits(&c, 49));
	e = entry(&c, PAGE + 8, 49);
	assert_null(vbt_cache_add(&c, &e)); /* the area */
	e = entry(&c, PAGE + 8, 16);
	assert_non_null(vbt_cache_add(&c, &e));
	e = entry(&c, PAGE + 16, 1);
	assert_null(vbt_cache_add(&c, &e)); /* the entries */
	assert_int_equal(c.n, 2);
}

static void test_take_page(void **state)
{
	struct vbt_entry storage[4];
	struct vbt_cache c;
	struct vbt_entry e;
	const struct vbt_entry *t1, *t2;

	(void)state;
	vbt_cache_init(&c, storage, 4, &layout);
	e = entry(&c, PAGE + 0x10, 16);
	vbt_cache_add(&c, &e);
	e = entry(&c, PAGE + 0x1010, 16); /* another page */
	vbt_cache_add(&c, &e);
	e = entry(&c, PAGE + 0xf00, 16);
	vbt_cache_add(&c, &e);

	t1 = vbt_cache_take_page(&c, PAGE + 0x123);
	t2 = vbt_cache_take_page(&c, PAGE);
	assert_non_null(t1);
	assert_non_null(t2);
	assert_ptr_not_equal(t1, t2);
	assert_int_equal(t1->state, VBT_ENTRY_INVALID);
	assert_int_equal(t2->state, VBT_ENTRY_INVALID);
	assert_null(vbt_cache_take_page(&c, PAGE));
	assert_false(vbt_cache_page_live(&c, PAGE));
	assert_true(vbt_cache_page_live(&c, PAGE + 0x1000));
	assert_non_null(vbt_cache_stub(&c, t1->stub_la)); /* still mapped back to its site */
}

static void test_revivable(void **state)
{
	static const uint8_t bytes[5] = {0x0f, 0x78, 0xd0, 0x76, 0x05};
	static const uint8_t other[5] = {0x0f, 0x78, 0xd0, 0x77, 0x05};
	struct vbt_entry storage[4];
	struct vbt_cache c;
	struct vbt_entry e, *a, *b;

	(void)state;
	vbt_cache_init(&c, storage, 4, &layout);
	e = entry(&c, PAGE + 0x10, 40);
	memcpy(e.original, bytes, sizeof(bytes));
	a = vbt_cache_add(&c, &e);
	/* live: nothing to revive */
	assert_null(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la, bytes, sizeof(bytes)));
	assert_ptr_equal(vbt_cache_take_page(&c, PAGE), a);
	assert_ptr_equal(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la, bytes, sizeof(bytes)), a);
	/* other bytes, another linear address, too few bytes, another site: no */
	assert_null(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la, other, sizeof(other)));
	assert_null(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la + 0x1000, bytes, 5));
	assert_null(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la, bytes, 4));
	assert_null(vbt_cache_revivable(&c, PAGE + 0x20, a->site_la, bytes, 5));
	/* a newer live translation of the site decides */
	e = entry(&c, PAGE + 0x10, 40);
	memcpy(e.original, bytes, sizeof(bytes));
	b = vbt_cache_add(&c, &e);
	assert_non_null(b);
	assert_null(vbt_cache_revivable(&c, PAGE + 0x10, a->site_la, bytes, sizeof(bytes)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_take_page),
	    cmocka_unit_test(test_revivable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
