/*
 * test_hypercall.c: tests of the L1-to-L0 hypercall ABI (l0/hypercall.h, l0/hypercall.c): the
 * CPUID signature, the decode of RAX/RBX/RCX into ops and phase names with every error, and the
 * name packing the L1 tool uses, round-tripped through the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l0/hypercall.h"

#define MAGIC_RAX(op) (((uint64_t)L0_HC_MAGIC << 32) | (op))

static void test_signature(void **state)
{
	uint32_t r[4] = { 1, 2, 3, 4 };
	char sig[13] = { 0 };

	(void)state;
	assert_true(l0_hypercall_cpuid(0x40000000u, r));
	assert_int_equal(r[0], 0x40000001u);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	assert_string_equal(sig, "TurtlesL0   ");
	assert_string_equal(sig, L0_HC_SIGNATURE);

	assert_true(l0_hypercall_cpuid(0x40000001u, r));
	assert_int_equal(r[0], L0_HC_ABI_VERSION);
	assert_int_equal(r[1], L0_HC_MAGIC);
	assert_int_equal(r[2], 0);
	assert_int_equal(r[3], 0);

	assert_true(l0_hypercall_cpuid(0x400000ffu, r)); /* ours, above the max leaf: zeros */
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);

	r[0] = 77;
	assert_false(l0_hypercall_cpuid(0x40000100u, r));
	assert_false(l0_hypercall_cpuid(0x3fffffffu, r));
	assert_false(l0_hypercall_cpuid(0, r));
	assert_int_equal(r[0], 77); /* untouched */
}

static uint64_t pack8(const char *s)
{
	uint64_t v = 0;

	for (int i = 0; i < 8 && s[i]; i++)
		v |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return v;
}

static void test_decode_table(void **state)
{
	static const struct {
		uint64_t rax, rbx, rcx;
		enum l0_hc_error err;
		enum l0_hc_op op;
		const char *name;
	} rows[] = {
		{ MAGIC_RAX(1), 0xdead, 0xbeef, L0_HC_OK, L0_HC_RESET, "" },
		{ MAGIC_RAX(2), 0, 0, L0_HC_OK, L0_HC_DUMP, "" },
		{ MAGIC_RAX(4), 0, 0, L0_HC_OK, L0_HC_PHASE_END, "" },
		{ MAGIC_RAX(3), 0x6469757063, 0, L0_HC_OK, L0_HC_PHASE_BEGIN, "cpuid" },
		{ MAGIC_RAX(0), 0, 0, L0_HC_EUNKNOWN_OP, 0, "" },
		{ MAGIC_RAX(5), 0, 0, L0_HC_OK, L0_HC_DUMP_EVENTS, "" },
		{ MAGIC_RAX(6), 0, 0, L0_HC_EUNKNOWN_OP, 0, "" },
		{ MAGIC_RAX(0xffffffffu), 0, 0, L0_HC_EUNKNOWN_OP, 0, "" },
		{ 1, 0, 0, L0_HC_EBAD_MAGIC, 0, "" },                      /* op without magic */
		{ 0, 0, 0, L0_HC_EBAD_MAGIC, 0, "" },
		{ ((uint64_t)(L0_HC_MAGIC ^ 1) << 32) | 2, 0, 0, L0_HC_EBAD_MAGIC, 0, "" },
		{ (uint64_t)L0_HC_MAGIC | 2, 0, 0, L0_HC_EBAD_MAGIC, 0, "" }, /* in bits 31:0 */
		/* names */
		{ MAGIC_RAX(3), 0, 0, L0_HC_EBAD_NAME, 0, "" },             /* empty */
		{ MAGIC_RAX(3), 0x0061, 0x62, L0_HC_EBAD_NAME, 0, "" },     /* byte after the NUL */
		{ MAGIC_RAX(3), 0x6100, 0, L0_HC_EBAD_NAME, 0, "" },        /* leading NUL */
		{ MAGIC_RAX(3), 0x2061, 0, L0_HC_EBAD_NAME, 0, "" },        /* space */
		{ MAGIC_RAX(3), 0x2261, 0, L0_HC_EBAD_NAME, 0, "" },        /* quote */
		{ MAGIC_RAX(3), 0xc361, 0, L0_HC_EBAD_NAME, 0, "" },        /* non-ASCII */
		{ MAGIC_RAX(3), 0x0a61, 0, L0_HC_EBAD_NAME, 0, "" },        /* newline */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct l0_hc_regs regs = { rows[i].rax, rows[i].rbx, rows[i].rcx, 0 };
		struct l0_hypercall hc;

		memset(&hc, 0x5a, sizeof(hc));
		assert_int_equal(l0_hypercall_decode(&regs, &hc), rows[i].err);
		if (rows[i].err == L0_HC_OK)
			assert_int_equal(hc.op, rows[i].op);
		else
			assert_int_equal(hc.op, 0);
		assert_string_equal(hc.name, rows[i].name);
	}
}

static void test_names_roundtrip(void **state)
{
	static const char *const good[] = {
		"a", "cpuid", "io-0x80", "mmio_write", "12345678", "123456789",
		"fresh.page:1", "0123456789abcdef", "ABCDEFGHIJKLMNOP",
	};
	static const char *const bad[] = {
		"", "0123456789abcdefg", "has space", "quo\"te", "back\\slash", "t\tab", "\xff",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct l0_hc_regs regs = { .rax = l0_hc_rax(L0_HC_PHASE_BEGIN) };
		struct l0_hypercall hc;

		assert_true(l0_hc_pack_name(good[i], &regs.rbx, &regs.rcx));
		assert_int_equal(regs.rbx, pack8(good[i]));
		assert_int_equal(regs.rcx, strlen(good[i]) > 8 ? pack8(good[i] + 8) : 0);
		assert_int_equal(l0_hypercall_decode(&regs, &hc), L0_HC_OK);
		assert_int_equal(hc.op, L0_HC_PHASE_BEGIN);
		assert_string_equal(hc.name, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t rbx = 7, rcx = 9;

		assert_false(l0_hc_pack_name(bad[i], &rbx, &rcx));
		assert_int_equal(rbx, 7);
		assert_int_equal(rcx, 9);
	}
}

static void test_ops(void **state)
{
	(void)state;
	assert_int_equal(l0_hc_rax(L0_HC_DUMP), MAGIC_RAX(2));
	assert_string_equal(l0_hypercall_op_name(L0_HC_RESET), "reset");
	assert_string_equal(l0_hypercall_op_name(L0_HC_DUMP), "dump");
	assert_string_equal(l0_hypercall_op_name(L0_HC_PHASE_BEGIN), "phase-begin");
	assert_string_equal(l0_hypercall_op_name(L0_HC_PHASE_END), "phase-end");
	assert_string_equal(l0_hypercall_op_name(L0_HC_DUMP_EVENTS), "dump-events");
	assert_null(l0_hypercall_op_name(0));
	assert_null(l0_hypercall_op_name(6));
	assert_null(l0_hypercall_op_name(UINT32_MAX));
	/* errors are negative in RAX as int64_t, distinct */
	assert_true((int64_t)L0_HC_EUNKNOWN_OP < 0 && (int64_t)L0_HC_EBAD_MAGIC < 0);
	assert_int_not_equal(L0_HC_EUNKNOWN_OP, L0_HC_EBAD_MAGIC);
	assert_int_equal((uint64_t)(int64_t)L0_HC_EBAD_MAGIC, 0xfffffffffffffffeull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_names_roundtrip),
		cmocka_unit_test(test_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
