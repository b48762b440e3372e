/*
 * test_reloc.c: tests of moving an image (l0/reloc.h): pointers that RELATIVE entries locate move
 * by the delta and nothing else changes; a bad table changes nothing at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l0/reloc.h"

#define IMAGE 4096
#define RELA_AT 1024
#define DYN_AT 2048
#define OLD_BASE 0x3e000000ull

static uint8_t image[IMAGE] __attribute__((aligned(16)));

static uint64_t word(size_t off)
{
	uint64_t v;

	memcpy(&v, image + off, sizeof(v));
	return v;
}

static void put_word(size_t off, uint64_t v)
{
	memcpy(image + off, &v, sizeof(v));
}

/* An image with three pointers at 0x100, 0x108, 0x200 (RELATIVE), one NONE entry, and a
 * plain number at 0x110 that no entry names. */
static struct l0_elf_dyn *make_image(uint64_t relaent, size_t entries)
{
	struct l0_elf_rela rela[] = {
		{ 0x100, L0_R_X86_64_RELATIVE, 0x40 },
		{ 0x108, L0_R_X86_64_RELATIVE, 0x80 },
		{ 0x0, L0_R_X86_64_NONE, 0 },
		{ 0x200, L0_R_X86_64_RELATIVE, 0x1000 },
	};
	struct l0_elf_dyn dyn[] = {
		{ L0_DT_RELA, RELA_AT },
		{ L0_DT_RELASZ, entries * sizeof(struct l0_elf_rela) },
		{ L0_DT_RELAENT, relaent },
		{ L0_DT_NULL, 0 },
	};

	memset(image, 0, sizeof(image));
	memcpy(image + RELA_AT, rela, sizeof(rela));
	memcpy(image + DYN_AT, dyn, sizeof(dyn));
	put_word(0x100, OLD_BASE + 0x40);
	put_word(0x108, OLD_BASE + 0x80);
	put_word(0x110, OLD_BASE + 0x123);
	put_word(0x200, OLD_BASE + 0x1000);
	return (struct l0_elf_dyn *)(image + DYN_AT);
}

static void test_shift_up_and_down(void **state)
{
	struct l0_elf_dyn *dyn = make_image(sizeof(struct l0_elf_rela), 4);

	(void)state;
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 0x1000000), L0_RELOC_OK);
	assert_int_equal(word(0x100), OLD_BASE + 0x1000000 + 0x40);
	assert_int_equal(word(0x108), OLD_BASE + 0x1000000 + 0x80);
	assert_int_equal(word(0x200), OLD_BASE + 0x1000000 + 0x1000);
	assert_int_equal(word(0x110), OLD_BASE + 0x123); /* not a relocation: untouched */
	assert_int_equal(word(0), 0);                    /* the NONE entry's offset */

	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, -0x1000000), L0_RELOC_OK);
	assert_int_equal(word(0x100), OLD_BASE + 0x40);
}

static void test_bad_tables_change_nothing(void **state)
{
	struct l0_elf_dyn *dyn;
	struct l0_elf_rela *rela = (struct l0_elf_rela *)(image + RELA_AT);

	(void)state;
	dyn = make_image(16, 4); /* wrong entry size */
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 8), L0_RELOC_ENO_TABLE);

	dyn = make_image(sizeof(struct l0_elf_rela), 4);
	rela[3].info = 1; /* R_X86_64_64 needs a symbol: an image with one cannot be moved */
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 8), L0_RELOC_EBAD_TYPE);
	assert_int_equal(word(0x100), OLD_BASE + 0x40); /* checked before anything is written */

	dyn = make_image(sizeof(struct l0_elf_rela), 4);
	rela[3].offset = IMAGE - 4; /* a pointer that sticks out of the image */
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 8), L0_RELOC_ERANGE);
	assert_int_equal(word(0x108), OLD_BASE + 0x80);

	dyn = make_image(sizeof(struct l0_elf_rela), 200); /* a table running past the image */
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 8), L0_RELOC_ERANGE);

	dyn = make_image(sizeof(struct l0_elf_rela), 4);
	dyn[0].tag = L0_DT_NULL; /* no RELA at all */
	assert_int_equal(l0_reloc_shift(image, IMAGE, dyn, 8), L0_RELOC_ENO_TABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shift_up_and_down),
		cmocka_unit_test(test_bad_tables_change_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
