/*
 * test_l1_paging.c: tests of vmx-emul/l1_paging.c over a fake L1 memory in which each test builds
 * L1's page tables: 4-level and 5-level paging with 4 KiB, 2 MiB and 1 GiB pages, 32-bit paging
 * (4 MiB pages, PSE-36) and PAE paging (SDM Vol. 3A 4.3-4.5); table-driven access rights, reserved
 * bits and protection keys with their #PF error codes (4.6, 4.7); accessed and dirty flags (4.8);
 * page tables and data outside L1 RAM; copies that cross a page boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_ram.h"

#include "vmx-emul/l1_paging.h"
#include "vmx-emul/vmx_caps.h"

/* L1 RAM is [0, MEM_SIZE) less [REFUSED_LO, REFUSED_HI), "L0's pages". */
#define MEM_SIZE     0x200000ull
#define REFUSED_LO   0x1f0000ull
#define REFUSED_HI   0x200000ull
#define TABLES_START 0x1000ull
#define PAGE	     4096ull

#define P	(1ull << 0)
#define RW	(1ull << 1)
#define US	(1ull << 2)
#define A	(1ull << 5)
#define D	(1ull << 6)
#define PS	(1ull << 7)
#define XD	(1ull << 63)
#define PKEY(k) ((uint64_t)(k) << 59)

#define CR0_WP	 VMX_MASK(VMX_CR0_WP)
#define CR0_PG	 VMX_MASK(VMX_CR0_PG)
#define CR4_PSE	 VMX_MASK(VMX_CR4_PSE)
#define CR4_PAE	 VMX_MASK(VMX_CR4_PAE)
#define CR4_LA57 VMX_MASK(VMX_CR4_LA57)
#define CR4_SMAP VMX_MASK(VMX_CR4_SMAP)
#define CR4_PKE	 VMX_MASK(VMX_CR4_PKE)
#define CR4_PKS	 VMX_MASK(VMX_CR4_PKS)

/* A paging format as the test builds it. */
struct fmt {
	unsigned int levels, bytes, bits;
};
static const struct fmt FMT32 = {2, 4, 10}, FMTPAE = {3, 8, 9}, FMT4 = {4, 8, 9}, FMT5 = {5, 8, 9};

struct env {
	struct fake_ram f;
	uint64_t next_table; /* next free page for tables */
	struct vmxe_gmem mem;
	struct vmxe_l1_paging p;
	const struct fmt *fmt;
	uint64_t ent[6]; /* entry addresses of the last map(), by level */
};

static uint64_t get_e(struct env *e, uint64_t gpa)
{
	uint64_t v = 0;

	memcpy(&v, e->f.ram + gpa, e->fmt->bytes);
	return v;
}

static void set_e(struct env *e, uint64_t gpa, uint64_t v)
{
	memcpy(e->f.ram + gpa, &v, e->fmt->bytes);
}

static uint64_t new_page(struct env *e)
{
	uint64_t pa = e->next_table;

	e->next_table += PAGE;
	assert_true(e->next_table <= REFUSED_LO);
	return pa;
}

/* Leaf entry for @pa at @level; 4 MiB pages of 32-bit paging put bits 39:32 in bits 20:13. */
static uint64_t leaf(struct env *e, uint64_t pa, unsigned int level, uint64_t flags)
{
	if (level == 1)
		return pa | flags;
	if (e->fmt->bytes == 4)
		return (pa & 0xffc00000ull) | ((pa >> 32) << 13) | flags | PS;
	return pa | flags | PS;
}

/* Maps @la to @pa with a leaf at @level; tables on the way get P|RW|US (PAE PDPTEs only P). */
static void map(struct env *e, uint64_t la, uint64_t pa, unsigned int level, uint64_t flags)
{
	const struct fmt *m = e->fmt;
	uint64_t table = e->p.cr3 & (m->levels == 3 ? 0xffffffe0ull : ~0xfffull);
	unsigned int l;

	for (l = m->levels;; l--) {
		uint64_t idx = (la >> (12 + m->bits * (l - 1))) & ((1ull << m->bits) - 1);
		uint64_t gpa = table + idx * m->bytes, v;

		e->ent[l] = gpa;
		if (l == level) {
			set_e(e, gpa, leaf(e, pa, l, flags));
			return;
		}
		v = get_e(e, gpa);
		if (!(v & P)) {
			v = new_page(e) | (m->levels == 3 && l == 3 ? P : P | RW | US);
			set_e(e, gpa, v);
		}
		table = v & 0x000ffffffffff000ull;
	}
}

static void tweak(struct env *e, unsigned int level, uint64_t set, uint64_t clear)
{
	set_e(e, e->ent[level], (get_e(e, e->ent[level]) & ~clear) | set);
}

/* A fresh environment in @fmt: CR0.PG and WP, NXE, MAXPHYADDR 46, 1 GiB pages offered. */
static void env_init(struct env *e, const struct fmt *fmt)
{
	memset(e->f.ram, 0, MEM_SIZE);
	e->next_table = TABLES_START;
	e->f.writes = 0;
	e->mem = fake_ram_gmem(&e->f);
	e->fmt = fmt;
	memset(&e->p, 0, sizeof(e->p));
	e->p.cr0 = CR0_PG | CR0_WP | VMX_MASK(VMX_CR0_PE);
	e->p.cr3 = new_page(e);
	e->p.cr4 = fmt->levels >= 3 ? CR4_PAE : 0;
	e->p.cr4 |= fmt->levels == 5 ? CR4_LA57 : 0;
	e->p.efer = fmt->levels >= 4 ? VMXE_EFER_LMA | VMXE_EFER_NXE : 0;
	e->p.maxphyaddr = 46;
	e->p.page1gb = true;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	fake_ram_init(&e->f, MEM_SIZE, REFUSED_LO, REFUSED_HI);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fake_ram_free(&e->f);
	free(e);
	return 0;
}

static enum vmxe_walk_status xlate(struct env *e, uint64_t la, enum vmxe_l1_access acc,
				   struct vmxe_walk *w)
{
	return vmxe_l1_translate(&e->p, &e->mem, la, acc, w);
}

#define LA4 0xffff888000123000ull /* a kernel direct-map address */
#define PA4 0x150000ull

struct tw {
	unsigned int level; /* 0: none */
	uint64_t set, clear;
};

struct rights_case {
	const char *name;
	struct tw tw[2];
	uint64_t cr0_clear, cr4_set, efer_clear;
	bool ac;
	uint32_t pkru, pkrs;
	enum vmxe_l1_access acc;
	enum vmxe_walk_status want;
	uint32_t code;
};

#define R     VMXE_L1_READ
#define W     VMXE_L1_WRITE
#define OK    VMXE_WALK_OK
#define PF    VMXE_WALK_FAULT
#define EP    VMXE_PF_PRESENT
#define EW    VMXE_PF_WRITE
#define ERSVD VMXE_PF_RSVD
#define EPK   VMXE_PF_PK
#define AD5   (1u << 10) /* PKRU/PKRS access-disable bit of key 5 */
#define WD5   (1u << 11)

static const struct rights_case rights_cases[] = {
    {"supervisor read", {{0}}, 0, 0, 0, false, 0, 0, R, OK, 0},
    {"supervisor write", {{0}}, 0, 0, 0, false, 0, 0, W, OK, 0},
    {"PML4E not present", {{4, 0, P}}, 0, 0, 0, false, 0, 0, R, PF, 0},
    {"PDPTE not present, write", {{3, 0, P}}, 0, 0, 0, false, 0, 0, W, PF, EW},
    {"PDE not present", {{2, 0, P}}, 0, 0, 0, false, 0, 0, R, PF, 0},
    {"PTE not present, write", {{1, 0, P}}, 0, 0, 0, false, 0, 0, W, PF, EW},
    {"not present wins over reserved", {{1, 1ull << 51, P}}, 0, 0, 0, false, 0, 0, R, PF, 0},
    {"read-only PDE, write, WP=1", {{2, 0, RW}}, 0, 0, 0, false, 0, 0, W, PF, EP | EW},
    {"read-only PTE, write, WP=0", {{1, 0, RW}}, CR0_WP, 0, 0, false, 0, 0, W, OK, 0},
    {"read-only PML4E, read", {{4, 0, RW}}, 0, 0, 0, false, 0, 0, R, OK, 0},
    {"user page, SMAP, AC=0, read", {{1, US, 0}}, 0, CR4_SMAP, 0, false, 0, 0, R, PF, EP},
    {"user page, SMAP, AC=0, write", {{1, US, 0}}, 0, CR4_SMAP, 0, false, 0, 0, W, PF, EP | EW},
    {"user page, SMAP, AC=1", {{1, US, 0}}, 0, CR4_SMAP, 0, true, 0, 0, W, OK, 0},
    {"user page, no SMAP", {{1, US, 0}}, 0, 0, 0, false, 0, 0, R, OK, 0},
    {"user only if every level says so",
     {{1, US, 0}, {4, 0, US}},
     0,
     CR4_SMAP,
     0,
     false,
     0,
     0,
     R,
     OK,
     0},
    {"user read-only, WP=1, SMAP, AC=1", {{1, US, RW}}, 0, CR4_SMAP, 0, true, 0, 0, W, PF, EP | EW},
    {"bit 51 reserved with M=46", {{1, 1ull << 51, 0}}, 0, 0, 0, false, 0, 0, R, PF, EP | ERSVD},
    {"bit 46 reserved in a PDE",
     {{2, 1ull << 46, 0}},
     0,
     0,
     0,
     false,
     0,
     0,
     W,
     PF,
     EP | EW | ERSVD},
    {"bits 62:52 ignored", {{1, 1ull << 55, 0}}, 0, 0, 0, false, 0, 0, R, OK, 0},
    {"XD with NXE", {{3, XD, 0}}, 0, 0, 0, false, 0, 0, R, OK, 0},
    {"XD without NXE", {{3, XD, 0}}, 0, 0, VMXE_EFER_NXE, false, 0, 0, R, PF, EP | ERSVD},
    {"PS in a PML4E", {{4, PS, 0}}, 0, 0, 0, false, 0, 0, R, PF, EP | ERSVD},
    {"PKE: access disabled", {{1, US | PKEY(5), 0}}, 0, CR4_PKE, 0, false, AD5, 0, R, PF, EP | EPK},
    {"PKE: write disabled, WP=1",
     {{1, US | PKEY(5), 0}},
     0,
     CR4_PKE,
     0,
     false,
     WD5,
     0,
     W,
     PF,
     EP | EW | EPK},
    {"PKE: write disabled, read", {{1, US | PKEY(5), 0}}, 0, CR4_PKE, 0, false, WD5, 0, R, OK, 0},
    {"PKE: write disabled, WP=0",
     {{1, US | PKEY(5), 0}},
     CR0_WP,
     CR4_PKE,
     0,
     false,
     WD5,
     0,
     W,
     OK,
     0},
    {"PKE: other key", {{1, US | PKEY(4), 0}}, 0, CR4_PKE, 0, false, AD5, 0, R, OK, 0},
    {"PKE off: PKRU ignored", {{1, US | PKEY(5), 0}}, 0, 0, 0, false, AD5, 0, R, OK, 0},
    {"PKE: supervisor page unaffected", {{1, PKEY(5), 0}}, 0, CR4_PKE, 0, false, AD5, 0, R, OK, 0},
    {"PKS: access disabled", {{1, PKEY(5), 0}}, 0, CR4_PKS, 0, false, 0, AD5, R, PF, EP | EPK},
    {"PKS: user page unaffected", {{1, US | PKEY(5), 0}}, 0, CR4_PKS, 0, false, 0, AD5, R, OK, 0},
    {"SMAP and PKE both",
     {{1, US | PKEY(5), 0}},
     0,
     CR4_SMAP | CR4_PKE,
     0,
     false,
     AD5,
     0,
     R,
     PF,
     EP | EPK},
};

static void test_rights_4level(void **state)
{
	struct env *e = *state;
	size_t i, j;

	for (i = 0; i < sizeof(rights_cases) / sizeof(rights_cases[0]); i++) {
		const struct rights_case *t = &rights_cases[i];
		struct vmxe_walk w;

		env_init(e, &FMT4);
		map(e, LA4, PA4, 1, P | RW);
		for (j = 0; j < 2; j++)
			if (t->tw[j].level)
				tweak(e, t->tw[j].level, t->tw[j].set, t->tw[j].clear);
		e->p.cr0 &= ~t->cr0_clear;
		e->p.cr4 |= t->cr4_set;
		e->p.efer &= ~t->efer_clear;
		e->p.ac = t->ac;
		e->p.pkru = t->pkru;
		e->p.pkrs = t->pkrs;
		print_message("%s\n", t->name);
		assert_int_equal(xlate(e, LA4 + 0x10, t->acc, &w), t->want);
		if (t->want == OK) {
			assert_int_equal(w.gpa, PA4 + 0x10);
		} else {
			assert_int_equal(w.error_code, t->code);
			assert_int_equal(w.cr2, LA4 + 0x10);
			assert_false(w.table_unmapped);
		}
	}
}

/* w.user: every level's U/S set, or not (what bt=on's policy asks of a code page). */
static void test_user_flag(void **state)
{
	struct env *e = *state;
	struct vmxe_walk w;

	env_init(e, &FMT4);
	map(e, LA4, PA4, 1, P | RW);
	assert_int_equal(xlate(e, LA4, R, &w), OK);
	assert_false(w.user);
	tweak(e, 1, US, 0);
	assert_int_equal(xlate(e, LA4, R, &w), OK);
	assert_true(w.user);
	tweak(e, 3, 0, US);
	assert_int_equal(xlate(e, LA4, R, &w), OK);
	assert_false(w.user);
}

struct large_case {
	const char *name;
	const struct fmt *fmt;
	uint64_t la, pa;
	unsigned int level;
	uint64_t extra;	  /* more bits in the leaf */
	uint64_t cr4_set; /* e.g. CR4.PSE */
	bool no_page1gb;
	uint8_t maxphy; /* 0: keep 46 */
	enum vmxe_walk_status want;
	uint64_t gpa;
};

static const struct large_case large_cases[] = {
    {"2M page", &FMT4, 0x40212345ull, 0x600000ull, 2, 0, 0, false, 0, OK, 0x612345ull},
    {"2M page, PAT bit 12", &FMT4, 0x40212345ull, 0x600000ull, 2, 1ull << 12, 0, false, 0, OK,
     0x612345ull},
    {"2M page, bit 13 reserved", &FMT4, 0x40212345ull, 0x600000ull, 2, 1ull << 13, 0, false, 0, PF,
     0},
    {"1G page", &FMT4, 0x92345678ull, 0x40000000ull, 3, 0, 0, false, 0, OK, 0x52345678ull},
    {"1G page, bit 29 reserved", &FMT4, 0x92345678ull, 0x40000000ull, 3, 1ull << 29, 0, false, 0,
     PF, 0},
    {"1G page not offered", &FMT4, 0x92345678ull, 0x40000000ull, 3, 0, 0, true, 0, PF, 0},
    {"4K page above 4 GiB", &FMT4, 0x7f0000001abcull, 0x3ffffff000ull, 1, 0, 0, false, 0, OK,
     0x3ffffffabcull},
    {"5-level, 4K", &FMT5, 0x00fe123456789abcull, 0x42000ull, 1, 0, 0, false, 0, OK, 0x42abcull},
    {"5-level, 1G", &FMT5, 0xff7fffffc0000123ull, 0xc0000000ull, 3, 0, 0, false, 0, OK,
     0xc0000123ull},
    {"32-bit, 4K", &FMT32, 0xc0123456ull, 0x77000ull, 1, 0, 0, false, 0, OK, 0x77456ull},
    {"32-bit, 4M with PSE", &FMT32, 0xc0523456ull, 0x800000ull, 2, 0, CR4_PSE, false, 0, OK,
     0x923456ull},
    {"32-bit, 4M PSE-36", &FMT32, 0xc0523456ull, 0x12c000000ull, 2, 0, CR4_PSE, false, 40, OK,
     0x12c123456ull},
    {"32-bit, PSE-36 beyond M", &FMT32, 0xc0523456ull, 0x1c00000ull | (1ull << 36), 2, 0, CR4_PSE,
     false, 36, PF, 0},
    {"32-bit, 4M bit 21 reserved", &FMT32, 0xc0523456ull, 0x800000ull, 2, 1ull << 21, CR4_PSE,
     false, 0, PF, 0},
    {"PAE, 4K", &FMTPAE, 0xc0123456ull, 0x77000ull, 1, 0, 0, false, 0, OK, 0x77456ull},
    {"PAE, 2M", &FMTPAE, 0xc0323456ull, 0x400000ull, 2, 0, 0, false, 0, OK, 0x523456ull},
    {"PAE, bit 52 reserved", &FMTPAE, 0xc0123456ull, 0x77000ull, 1, 1ull << 52, 0, false, 0, PF, 0},
    {"PAE, XD with NXE", &FMTPAE, 0xc0123456ull, 0x77000ull, 1, XD, 0, false, 0, OK, 0x77456ull},
};

static void test_large_pages_and_modes(void **state)
{
	struct env *e = *state;
	size_t i;

	for (i = 0; i < sizeof(large_cases) / sizeof(large_cases[0]); i++) {
		const struct large_case *t = &large_cases[i];
		struct vmxe_walk w;

		env_init(e, t->fmt);
		e->p.cr4 |= t->cr4_set;
		e->p.page1gb = !t->no_page1gb;
		if (t->maxphy)
			e->p.maxphyaddr = t->maxphy;
		if (t->fmt == &FMTPAE)
			e->p.efer = VMXE_EFER_NXE;
		map(e, t->la, t->pa, t->level, P | RW | t->extra);
		print_message("%s\n", t->name);
		assert_int_equal(xlate(e, t->la, W, &w), t->want);
		if (t->want == OK)
			assert_int_equal(w.gpa, t->gpa);
		else
			assert_int_equal(w.error_code, EP | EW | ERSVD);
	}
}

/* 32-bit paging: PS in a PDE means nothing without CR4.PSE; no XD; PAE PDPTE reserved bits. */
static void test_legacy_mode_details(void **state)
{
	struct env *e = *state;
	struct vmxe_walk w;

	env_init(e, &FMT32);
	map(e, 0x00401000ull, 0x33000ull, 1, P | RW);
	tweak(e, 2, PS, 0);
	assert_int_equal(xlate(e, 0x00401008ull, R, &w), OK);
	assert_int_equal(w.gpa, 0x33008ull);

	env_init(e, &FMTPAE);
	map(e, 0x00401000ull, 0x33000ull, 1, P | RW | XD);
	assert_int_equal(xlate(e, 0x00401000ull, R, &w), PF); /* XD without NXE */
	assert_int_equal(w.error_code, EP | ERSVD);
	env_init(e, &FMTPAE);
	map(e, 0x00401000ull, 0x33000ull, 1, P | RW);
	tweak(e, 3, RW, 0); /* PDPTE bit 1 is reserved in PAE paging */
	assert_int_equal(xlate(e, 0x00401000ull, R, &w), PF);
	assert_int_equal(w.error_code, EP | ERSVD);
	tweak(e, 3, 0, RW);
	assert_int_equal(xlate(e, 0xf00401000ull, R, &w), OK); /* linear addresses are 32 bits */
	assert_int_equal(w.gpa, 0x33000ull);

	/* No paging: the linear address is physical. */
	e->p.cr0 &= ~CR0_PG;
	assert_int_equal(xlate(e, 0x1234567ull, W, &w), OK);
	assert_int_equal(w.gpa, 0x1234567ull);
}

static void test_accessed_dirty(void **state)
{
	struct env *e = *state;
	struct vmxe_walk w;
	unsigned int l;

	env_init(e, &FMT4);
	map(e, LA4, PA4, 1, P | RW);
	tweak(e, 2, 0, P);
	assert_int_equal(xlate(e, LA4, R, &w), PF);
	for (l = 1; l <= 4; l++)
		assert_false(get_e(e, e->ent[l]) & A); /* nothing set by a failed walk */
	tweak(e, 2, P, 0);

	assert_int_equal(xlate(e, LA4, R, &w), OK);
	for (l = 1; l <= 4; l++)
		assert_true(get_e(e, e->ent[l]) & A);
	assert_false(get_e(e, e->ent[1]) & D);
	assert_int_equal(xlate(e, LA4, W, &w), OK);
	assert_true(get_e(e, e->ent[1]) & D);
	assert_false(get_e(e, e->ent[2]) & D);

	e->f.writes = 0; /* flags already set: no more writes */
	assert_int_equal(xlate(e, LA4, W, &w), OK);
	assert_int_equal(e->f.writes, 0);

	env_init(e, &FMTPAE);
	map(e, 0x401000ull, 0x33000ull, 1, P | RW);
	assert_int_equal(xlate(e, 0x401000ull, W, &w), OK);
	assert_false(get_e(e, e->ent[3]) & A); /* a PAE PDPTE has no accessed flag */
	assert_true(get_e(e, e->ent[2]) & A);
	assert_true(get_e(e, e->ent[1]) & (A | D));
}

/* Paging structures outside L1 RAM read as not present, and say where they were. */
static void test_tables_outside_l1_ram(void **state)
{
	struct env *e = *state;
	struct vmxe_walk w;

	env_init(e, &FMT4);
	e->p.cr3 = 0x40000000ull; /* a hole above RAM */
	assert_int_equal(xlate(e, 0x1000ull, W, &w), PF);
	assert_int_equal(w.error_code, EW);
	assert_true(w.table_unmapped);
	assert_int_equal(w.unmapped_gpa, 0x40000000ull);

	env_init(e, &FMT4);
	map(e, LA4, PA4, 1, P | RW);
	tweak(e, 2, REFUSED_LO, 0x000ffffffffff000ull); /* the PT lies in L0's pages */
	assert_int_equal(xlate(e, LA4 + 8, R, &w), PF);
	assert_int_equal(w.error_code, 0);
	assert_int_equal(w.cr2, LA4 + 8);
	assert_true(w.table_unmapped);
	assert_int_equal(w.unmapped_gpa, REFUSED_LO + ((LA4 >> 12) & 0x1ff) * 8);
}

#define LA_X 0x7f0000010000ull /* two pages: LA_X - PAGE -> PA_1, LA_X -> PA_2 */
#define PA_1 0x120000ull
#define PA_2 0x0a0000ull

static void test_copies_across_pages(void **state)
{
	struct env *e = *state;
	uint8_t out[8], in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct vmxe_walk w;

	env_init(e, &FMT4);
	map(e, LA_X - PAGE, PA_1, 1, P | RW);
	map(e, LA_X, PA_2, 1, P | RW);
	memcpy(e->f.ram + PA_1 + PAGE - 3, "abc", 3);
	memcpy(e->f.ram + PA_2, "defgh", 5);
	assert_int_equal(vmxe_l1_read_linear(&e->p, &e->mem, LA_X - 3, out, 8, &w), OK);
	assert_memory_equal(out, "abcdefgh", 8);
	assert_int_equal(w.gpa, PA_1 + PAGE - 3);

	assert_int_equal(vmxe_l1_write_linear(&e->p, &e->mem, LA_X - 5, in, 8, &w), OK);
	assert_memory_equal(e->f.ram + PA_1 + PAGE - 5, in, 5);
	assert_memory_equal(e->f.ram + PA_2, in + 5, 3);

	/* Second page read-only: nothing written, CR2 is the second page. */
	tweak(e, 1, 0, RW);
	memset(e->f.ram + PA_1 + PAGE - 8, 0xee, 8);
	assert_int_equal(vmxe_l1_write_linear(&e->p, &e->mem, LA_X - 4, in, 8, &w), PF);
	assert_int_equal(w.error_code, EP | EW);
	assert_int_equal(w.cr2, LA_X);
	assert_int_equal(e->f.ram[PA_1 + PAGE - 4], 0xee);

	/* Second page not present on a read. */
	tweak(e, 1, 0, P);
	assert_int_equal(vmxe_l1_read_linear(&e->p, &e->mem, LA_X - 4, out, 8, &w), PF);
	assert_int_equal(w.error_code, 0);
	assert_int_equal(w.cr2, LA_X);

	assert_int_equal(vmxe_l1_read_linear(&e->p, &e->mem, LA_X - PAGE, out, 8, &w), OK);
	assert_int_equal(vmxe_l1_read_linear(&e->p, &e->mem, LA_X, out, PAGE + 1, &w),
			 VMXE_WALK_BAD_LENGTH);
}

/* Data in L0's pages: reads give zeros, writes are dropped, both reported. */
static void test_data_outside_l1_ram(void **state)
{
	struct env *e = *state;
	uint64_t v = 0x1122334455667788ull;
	struct vmxe_walk w;

	env_init(e, &FMT4);
	map(e, LA4, REFUSED_LO, 1, P | RW);
	assert_int_equal(vmxe_l1_read_linear(&e->p, &e->mem, LA4 + 16, &v, 8, &w), OK);
	assert_int_equal(v, 0);
	assert_true(w.data_unmapped);
	assert_int_equal(w.unmapped_gpa, REFUSED_LO + 16);
	v = 5;
	assert_int_equal(vmxe_l1_write_linear(&e->p, &e->mem, LA4 + 16, &v, 8, &w), OK);
	assert_true(w.data_unmapped);
	assert_int_equal(e->f.ram[REFUSED_LO + 16], 0);
}

static void test_canonical(void **state)
{
	static const struct {
		uint64_t la;
		bool c48, c57;
	} cases[] = {
	    {0, true, true},
	    {0x00007fffffffffffull, true, true},
	    {0x0000800000000000ull, false, true},
	    {0xffff800000000000ull, true, true},
	    {0xffff7fffffffffffull, false, true},
	    {0x00ffffffffffffffull, false, true},
	    {0x0100000000000000ull, false, false},
	    {0xff00000000000000ull, false, true},
	    {0xfe00000000000000ull, false, false},
	    {UINT64_MAX, true, true},
	};
	size_t i;

	(void)state;
	assert_int_equal(vmxe_la_width(0), 48);
	assert_int_equal(vmxe_la_width(CR4_LA57), 57);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vmxe_la_canonical(cases[i].la, 48), cases[i].c48);
		assert_int_equal(vmxe_la_canonical(cases[i].la, 57), cases[i].c57);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rights_4level, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_flag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_pages_and_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_mode_details, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_accessed_dirty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tables_outside_l1_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copies_across_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_data_outside_l1_ram, setup, teardown),
	    cmocka_unit_test(test_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
