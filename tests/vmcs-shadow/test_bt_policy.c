/*
 * test_bt_policy.c: every fall-back of binary translation, table-driven through vbt_translate()
 * (vmcs-shadow/bt_policy.h, bt_translate.h): each row is a site and an exit that must be refused
 * with exactly one reason, or translated. Sites sit at Linux-module-like addresses, the stub area
 * where L0 would map it (the top 2 MiB of the address space), nothing runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs-shadow/bt_translate.h"
#include "vmcs-shadow/vshadow.h"

#define SITE_LA	  0xffffffffc0001100ull
#define SITE_GPA  0x12345100ull
#define STUB_LA	  0xffffffffffe00000ull
#define SHARED_LA 0xffffffffffe10000ull
#define FAR_AWAY  0x100000000ull

enum tweak {
	T_NONE,
	T_COMPAT, /* CS.L = 0 */
	T_CPL3,
	T_USER_PAGE,
	T_NO_VMCS,
	T_SAYS_VMWRITE, /* the exit reason disagrees with the bytes */
	T_PAGE_END,	/* only the instruction's bytes are left in the page */
	T_FAR_STUBS,	/* the stub area is beyond rel32 of the site */
	T_TINY_AREA,
	T_NO_CACHE,
	T_ANY_FIELD,	    /* L1 may VMWRITE read-only fields */
	T_SHADOW,	    /* GUEST_RIP is shadowed for both, EXIT_QUALIFICATION for VMREAD */
	T_SHADOW_ANY_FIELD, /* both of the last two */
};

struct row {
	const char *what;
	uint8_t len;
	uint8_t bytes[12];
	bool vmwrite;
	uint64_t encoding;
	enum tweak tweak;
	enum vbt_reason want;
};

#define JNA 0x76, 0x05
#define ROW(w, wr, enc, tw, r, ...)                                                                \
	{                                                                                          \
		.what = w, .vmwrite = wr, .encoding = enc, .tweak = tw, .want = r,                 \
		.len = sizeof((uint8_t[]){__VA_ARGS__}), .bytes = {                                \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
static const struct row rows[] = {
    ROW("vmread reg", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OK, 0x0f, 0x78, 0xd0, JNA),
    ROW("vmwrite reg", true, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OK, 0x0f, 0x79, 0xd0, JNA),
    ROW("compat mode", false, VMCS_ENC_GUEST_RIP, T_COMPAT, VBT_NOT_64BIT, 0x0f, 0x78, 0xd0, JNA),
    ROW("cpl 3", false, VMCS_ENC_GUEST_RIP, T_CPL3, VBT_CPL, 0x0f, 0x78, 0xd0, JNA),
    ROW("user page", false, VMCS_ENC_GUEST_RIP, T_USER_PAGE, VBT_USER_PAGE, 0x0f, 0x78, 0xd0, JNA),
    ROW("no current vmcs", false, VMCS_ENC_GUEST_RIP, T_NO_VMCS, VBT_NO_CURRENT_VMCS, 0x0f, 0x78,
	0xd0, JNA),
    ROW("not vmx", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_NOT_VMX, 0x90, 0x90, 0x90, 0x90, 0x90),
    ROW("vmread bytes, vmwrite exit", true, VMCS_ENC_GUEST_RIP, T_SAYS_VMWRITE, VBT_NOT_VMX, 0x0f,
	0x78, 0xd0, JNA),
    ROW("jcc past the page", false, VMCS_ENC_GUEST_RIP, T_PAGE_END, VBT_PAGE_CROSS, 0x0f, 0x78,
	0xd0, JNA),
    ROW("f3 prefix", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_PREFIX, 0xf3, 0x0f, 0x78, 0xd0, JNA),
    ROW("addr32", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_PREFIX, 0x67, 0x0f, 0x78, 0x03, JNA),
    ROW("two overrides", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_PREFIX, 0x64, 0x65, 0x0f, 0x78,
	0x10),
    ROW("gs override", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OK, 0x65, 0x0f, 0x78, 0x50, 0x10),
    ROW("encoding in rsp", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_RSP_OPERAND, 0x0f, 0x78, 0xe0,
	JNA),
    ROW("vmread to rsp", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_RSP_OPERAND, 0x0f, 0x78, 0xc4, JNA),
    ROW("vmwrite from rsp", true, VMCS_ENC_GUEST_RIP, T_NONE, VBT_RSP_OPERAND, 0x0f, 0x79, 0xc4,
	JNA),
    ROW("vmwrite from below rsp", true, VMCS_ENC_GUEST_RIP, T_NONE, VBT_RSP_OPERAND, 0x0f, 0x79,
	0x54, 0x24, 0xf8),
    ROW("vmread to below rsp", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OK, 0x0f, 0x78, 0x54, 0x24,
	0xf8),
    ROW("followed by mov", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_DISPLACED, 0x0f, 0x78, 0xd0, 0x48,
	0x89, 0xc3),
    ROW("followed by setna", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_DISPLACED, 0x0f, 0x78, 0xd0,
	0x0f, 0x96, 0xc0),
    ROW("followed by jrcxz", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_DISPLACED, 0x0f, 0x78, 0xd0,
	0xe3, 0x05),
    ROW("followed by ret", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_DISPLACED, 0x0f, 0x78, 0xd0, 0xc3,
	0x90),
    ROW("followed by data16 jna", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_DISPLACED, 0x0f, 0x78,
	0xd0, 0x66, JNA),
    ROW("followed by jmp", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OK, 0x0f, 0x78, 0xd0, 0xeb, 0x05),
    ROW("encoding bits 63:32", false, (1ull << 32) | VMCS_ENC_GUEST_RIP, T_NONE, VBT_ENCODING_HIGH,
	0x0f, 0x78, 0xd0, JNA),
    ROW("no such field", false, 0x7ffe, T_NONE, VBT_UNKNOWN_FIELD, 0x0f, 0x78, 0xd0, JNA),
    ROW("high access of a 32-bit field", false, VMCS_ENC_VM_EXIT_REASON | 1, T_NONE,
	VBT_UNKNOWN_FIELD, 0x0f, 0x78, 0xd0, JNA),
    ROW("vmread read-only", false, VMCS_ENC_EXIT_QUALIFICATION, T_NONE, VBT_OK, 0x0f, 0x78, 0xd0,
	JNA),
    ROW("vmwrite read-only", true, VMCS_ENC_EXIT_QUALIFICATION, T_NONE, VBT_READ_ONLY, 0x0f, 0x79,
	0xd0, JNA),
    ROW("vmwrite read-only, misc bit 29", true, VMCS_ENC_EXIT_QUALIFICATION, T_ANY_FIELD, VBT_OK,
	0x0f, 0x79, 0xd0, JNA),
    ROW("vmwrite link pointer", true, VMCS_ENC_VMCS_LINK_POINTER, T_NONE, VBT_OK, 0x0f, 0x79, 0xd0,
	JNA),
    ROW("shadowed", false, VMCS_ENC_GUEST_RIP, T_SHADOW, VBT_SHADOWED, 0x0f, 0x78, 0xd0, JNA),
    ROW("read-shadowed, vmwrite exits", true, VMCS_ENC_EXIT_QUALIFICATION, T_SHADOW_ANY_FIELD,
	VBT_SHADOWED, 0x0f, 0x79, 0xd0, JNA),
    ROW("not shadowed", false, VMCS_ENC_GUEST_RSP, T_SHADOW, VBT_OK, 0x0f, 0x78, 0xd0, JNA),
    ROW("stubs out of reach", false, VMCS_ENC_GUEST_RIP, T_FAR_STUBS, VBT_OUT_OF_REACH, 0x0f, 0x78,
	0xd0, JNA),
    ROW("rip operand out of reach", false, VMCS_ENC_GUEST_RIP, T_NONE, VBT_OUT_OF_REACH, 0x0f, 0x78,
	0x15, 0, 0, 0, 0x80),
    ROW("area full", false, VMCS_ENC_GUEST_RIP, T_TINY_AREA, VBT_AREA_FULL, 0x0f, 0x78, 0xd0, JNA),
    ROW("cache full", false, VMCS_ENC_GUEST_RIP, T_NO_CACHE, VBT_CACHE_FULL, 0x0f, 0x78, 0xd0, JNA),
};

static struct vbt_decoder dec;
static struct vbt_entry storage[4];
static uint8_t vmread_bitmap[VSHADOW_BITMAP_SIZE], vmwrite_bitmap[VSHADOW_BITMAP_SIZE];

static int setup(void **state)
{
	(void)state;
	return vbt_decoder_open(&dec) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	vbt_decoder_close(&dec);
	return 0;
}

/* The CPU's shadow VMCS serving GUEST_RIP both ways and EXIT_QUALIFICATION for VMREAD. */
static void shadow_bitmaps(void)
{
	static uint8_t has[(VMCS_FIELD_COUNT + 7) / 8];
	struct vshadow_set set;
	int rip = vmxe_field_index(VMCS_ENC_GUEST_RIP);
	int qual = vmxe_field_index(VMCS_ENC_EXIT_QUALIFICATION);

	memset(has, 0, sizeof(has));
	has[rip / 8] |= (uint8_t)(1u << (rip % 8));
	has[qual / 8] |= (uint8_t)(1u << (qual % 8));
	vshadow_select(&set, has, true);
	vshadow_bitmaps(&set, vmread_bitmap, vmwrite_bitmap);
}

static enum vbt_reason translate_row(const struct row *t, struct vbt_result *r)
{
	static uint8_t page[4096];
	uint32_t off = (uint32_t)(SITE_LA & 4095u);
	struct vbt_config cfg = {
	    .layout = {.stub_la = STUB_LA, .stub_size = 0x10000, .shared_la = SHARED_LA},
	};
	struct vbt_exit x = {
	    .is_vmwrite = t->vmwrite,
	    .rip_la = SITE_LA,
	    .rip_gpa = SITE_GPA,
	    .code = page + off,
	    .code_len = sizeof(page) - off,
	    .encoding = t->encoding,
	    .mode64 = t->tweak != T_COMPAT,
	    .cpl = t->tweak == T_CPL3 ? 3 : 0,
	    .user_page = t->tweak == T_USER_PAGE,
	    .vmcs_current = t->tweak != T_NO_VMCS,
	};
	struct vbt_cache c;

	memset(page, 0x90, sizeof(page));
	memcpy(page + off, t->bytes, t->len);
	if (t->tweak == T_PAGE_END) {
		memcpy(page + sizeof(page) - 3, t->bytes, 3);
		x.code = page + sizeof(page) - 3;
		x.code_len = 3;
	}
	if (t->tweak == T_FAR_STUBS)
		cfg.layout.stub_la = SITE_LA - FAR_AWAY;
	if (t->tweak == T_TINY_AREA)
		cfg.layout.stub_size = 16;
	cfg.vmwrite_any_field = t->tweak == T_ANY_FIELD || t->tweak == T_SHADOW_ANY_FIELD;
	if (t->tweak == T_SHADOW || t->tweak == T_SHADOW_ANY_FIELD) {
		shadow_bitmaps();
		cfg.vmread_bitmap = vmread_bitmap;
		cfg.vmwrite_bitmap = vmwrite_bitmap;
	}
	vbt_cache_init(&c, storage, t->tweak == T_NO_CACHE ? 0 : 4, &cfg.layout);
	return vbt_translate(&c, &dec, &cfg, &x, r);
}

static void test_reasons(void **state)
{
	static struct vbt_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum vbt_reason got = translate_row(&rows[i], &r);

		if (got != rows[i].want)
			fail_msg("%s: %s, want %s", rows[i].what, vbt_reason_text(got),
				 vbt_reason_text(rows[i].want));
		if (got == VBT_OK) {
			assert_int_equal(r.patch_gpa, SITE_GPA);
			assert_int_equal(r.resume_la, SITE_LA);
			assert_true(r.protect_page);
			assert_int_equal(r.stub_la, STUB_LA);
		}
	}
}

/* A site already translated, and bytes inside its patch, are not translated again. */
static void test_translated_once(void **state)
{
	static uint8_t page[4096];
	static struct vbt_result r;
	struct vbt_config cfg = {
	    .layout = {.stub_la = STUB_LA, .stub_size = 0x10000, .shared_la = SHARED_LA},
	};
	struct vbt_exit x = {.rip_la = SITE_LA,
			     .rip_gpa = SITE_GPA,
			     .code = page,
			     .code_len = 64,
			     .encoding = VMCS_ENC_GUEST_RIP,
			     .mode64 = true,
			     .vmcs_current = true};
	static const uint8_t site[] = {0x0f, 0x78, 0xd0, 0x0f, 0x78, 0xd0, JNA};
	struct vbt_cache c;

	(void)state;
	memcpy(page, site, sizeof(site));
	vbt_cache_init(&c, storage, 4, &cfg.layout);
	/* the first VMREAD is followed by another: not a branch, so no translation */
	assert_int_equal(vbt_translate(&c, &dec, &cfg, &x, &r), VBT_DISPLACED);
	x.rip_la += 3;
	x.rip_gpa += 3;
	x.code += 3;
	assert_int_equal(vbt_translate(&c, &dec, &cfg, &x, &r), VBT_OK);
	assert_int_equal(vbt_translate(&c, &dec, &cfg, &x, &r), VBT_TRANSLATED);
	/* a site whose patch would overlap it (here through another physical alias) */
	x.rip_gpa -= 2;
	assert_int_equal(vbt_translate(&c, &dec, &cfg, &x, &r), VBT_TRANSLATED);
	assert_int_equal(c.n, 1);
}

static void test_reason_texts(void **state)
{
	(void)state;
	for (int i = 0; i < VBT_REASON_COUNT; i++) {
		assert_non_null(vbt_reason_text(i));
		for (int k = 0; k < i; k++)
			assert_string_not_equal(vbt_reason_text(i), vbt_reason_text(k));
	}
	assert_string_equal(vbt_reason_text(VBT_REASON_COUNT), "unknown reason");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reasons),
	    cmocka_unit_test(test_translated_once),
	    cmocka_unit_test(test_reason_texts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
