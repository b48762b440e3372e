/*
 * test_vshadow.c: tests of the shadowed field set and the VMREAD/VMWRITE bitmaps
 * (vmcs-shadow/vshadow.h): only fields the CPU has, read-only fields readable but never
 * writable and only when L0 can fill them, 64-bit fields in both access forms, everything else
 * exiting, encodings beyond 15 bits exiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs-shadow/vshadow.h"

static uint8_t cpu_has[(VMCS_FIELD_COUNT + 7) / 8];
static uint8_t rd[VSHADOW_BITMAP_SIZE], wr[VSHADOW_BITMAP_SIZE];
static struct vshadow_set set;

static void has(uint32_t encoding)
{
	int i = vmxe_field_index(encoding);

	assert_true(i >= 0);
	cpu_has[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void test_every_field_the_cpu_has(void **state)
{
	(void)state;
	memset(cpu_has, 0xff, sizeof(cpu_has));
	vshadow_select(&set, cpu_has, true);
	vshadow_bitmaps(&set, rd, wr);
	assert_int_equal(set.n_read, VMCS_FIELD_COUNT);
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		bool ro = d->flags & VMCS_F_READ_ONLY;

		assert_false(vshadow_exits(rd, d->encoding));
		assert_int_equal(vshadow_exits(wr, d->encoding), ro); /* 13 comes from L0 */
		if (d->width == VMCS_W64) {
			assert_false(vshadow_exits(rd, d->encoding | 1));
			assert_int_equal(vshadow_exits(wr, d->encoding | 1), ro);
		}
	}
	/* encodings of no field, and beyond bit 14, exit (L0 answers 12) */
	assert_true(vshadow_exits(rd, 0x0010));
	assert_true(vshadow_exits(rd, 0x8000 | VMCS_ENC_GUEST_RIP));
	assert_true(vshadow_exits(wr, 1ull << 32 | VMCS_ENC_GUEST_RIP));
}

static void test_only_what_the_cpu_has(void **state)
{
	(void)state;
	memset(cpu_has, 0, sizeof(cpu_has));
	has(VMCS_ENC_GUEST_RIP);
	has(VMCS_ENC_EXIT_QUALIFICATION);
	has(VMCS_ENC_VMCS_LINK_POINTER);
	vshadow_select(&set, cpu_has, false); /* L0 cannot write read-only fields: no exit info */
	vshadow_bitmaps(&set, rd, wr);
	assert_int_equal(set.n_read, 2);
	assert_int_equal(set.n_write, 2);
	assert_false(vshadow_exits(rd, VMCS_ENC_GUEST_RIP));
	assert_false(vshadow_exits(wr, VMCS_ENC_GUEST_RIP));
	assert_true(vshadow_exits(rd, VMCS_ENC_EXIT_QUALIFICATION));
	assert_true(vshadow_exits(rd, VMCS_ENC_GUEST_RSP));
	assert_false(vshadow_exits(rd, VMCS_ENC_VMCS_LINK_POINTER + 1)); /* high half */

	vshadow_select(&set, cpu_has, true);
	vshadow_bitmaps(&set, rd, wr);
	assert_int_equal(set.n_read, 3);
	assert_int_equal(set.n_write, 2);
	assert_false(vshadow_exits(rd, VMCS_ENC_EXIT_QUALIFICATION));
	assert_true(vshadow_exits(wr, VMCS_ENC_EXIT_QUALIFICATION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_the_cpu_has),
		cmocka_unit_test(test_only_what_the_cpu_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
