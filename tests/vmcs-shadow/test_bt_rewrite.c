/*
 * test_bt_rewrite.c: tests of the stub encoder and generator (vmcs-shadow/bt_asm.h,
 * bt_rewrite.h) at the byte level, read back through Capstone as an independent decoder: every
 * instruction form of the encoder (REX bits, SIB for RSP/R12 bases, disp0 impossible for
 * RBP/R13, index without base, absolute, segment overrides, 16-bit stores, RIP-relative targets);
 * the patch (JMP rel32 and INT3 fill); the shape of a stub for Linux's "vmread; jna" idiom; the
 * worst-case stub size; the cases for each width and the high access; and the refusals (targets
 * beyond rel32, displacements that overflow, forms the policy rejects).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>
#include <cmocka.h>

#include "vmcs-shadow/bt_asm.h"
#include "vmcs-shadow/bt_rewrite.h"

#define LA	  0xffffffffc0001000ull
#define STUB_LA	  0xffffffffffe00000ull
#define SHARED_LA 0xffffffffffe10000ull

static csh cs;
static struct vbt_decoder dec;

static int setup(void **state)
{
	(void)state;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK || !vbt_decoder_open(&dec))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_close(&cs);
	vbt_decoder_close(&dec);
	return 0;
}

/* Disassembles @len bytes at @la into "mnemonic operands" lines; returns how many. */
static size_t listing(const uint8_t *code, size_t len, uint64_t la, char out[][200], size_t max)
{
	cs_insn *insn;
	size_t n = cs_disasm(cs, code, len, la, 0, &insn);
	size_t used = 0;

	for (size_t i = 0; i < n && i < max; i++) {
		snprintf(out[i], 200, "%s %s", insn[i].mnemonic, insn[i].op_str);
		used += insn[i].size;
	}
	cs_free(insn, n);
	assert_int_equal(used, len); /* every byte decoded */
	return n < max ? n : max;
}

/* One encoder call and what Capstone must read back. */
static void expect_one(void (*emit)(struct vbt_asm *), const char *want)
{
	uint8_t buf[32];
	char text[1][200];
	struct vbt_asm a;

	vbt_asm_init(&a, buf, sizeof(buf), LA);
	emit(&a);
	assert_true(vbt_asm_finish(&a));
	assert_int_equal(listing(buf, a.len, LA, text, 1), 1);
	assert_string_equal(text[0], want);
}

#define EMIT(name, body)                                                                           \
	static void name(struct vbt_asm *a)                                                        \
	{                                                                                          \
		body;                                                                              \
	}
EMIT(e_lea_rdx, vbt_asm_lea(a, VMXE_RCX, VMXE_RDX, -0x681e))
EMIT(e_lea_r12, vbt_asm_lea(a, VMXE_RCX, VMXE_R12, -0x681e))
EMIT(e_lea_rbp0, vbt_asm_lea(a, VMXE_RCX, VMXE_RBP, 0))
EMIT(e_lea_r13_0, vbt_asm_lea(a, VMXE_RCX, VMXE_R13, 0))
EMIT(e_lea_rsp8, vbt_asm_lea(a, VMXE_RSP, VMXE_RSP, 8))
EMIT(e_load16, struct vbt_amem m = vbt_amem_base(VMXE_RCX, 0x10); vbt_asm_load(a, 2, VMXE_RAX, &m))
EMIT(e_load16_r14, struct vbt_amem m = vbt_amem_base(VMXE_RCX, 0x10);
     vbt_asm_load(a, 2, VMXE_R14, &m))
EMIT(e_load32, struct vbt_amem m = vbt_amem_base(VMXE_RCX, 0x200); vbt_asm_load(a, 4, VMXE_R9, &m))
EMIT(e_load64, struct vbt_amem m = vbt_amem_base(VMXE_RCX, 0); vbt_asm_load(a, 8, VMXE_RAX, &m))
EMIT(e_store16, struct vbt_amem m = vbt_amem_base(VMXE_RCX, 8); vbt_asm_store(a, 2, VMXE_R10, &m))
EMIT(e_store32, struct vbt_amem m = vbt_amem_base(VMXE_R15, -4); vbt_asm_store(a, 4, VMXE_RSI, &m))
EMIT(e_store_gs, struct vbt_amem m = vbt_amem_base(VMXE_RBX, 0x10); m.m.index = VMXE_RSI;
     m.m.scale = 8; m.m.seg = VBT_SEG_GS; vbt_asm_store(a, 8, VMXE_RDX, &m))
EMIT(e_store_idx, struct vbt_amem m = vbt_amem_base(VBT_REG_NONE, 0x40); m.m.index = VMXE_R11;
     m.m.scale = 2; vbt_asm_store(a, 8, VMXE_RAX, &m))
EMIT(e_store_abs, struct vbt_amem m = vbt_amem_base(VBT_REG_NONE, 0x1000);
     vbt_asm_store(a, 8, VMXE_RAX, &m))
EMIT(e_load_fs_r13, struct vbt_amem m = vbt_amem_base(VMXE_R13, 0x12345678); m.m.seg = VBT_SEG_FS;
     vbt_asm_load(a, 8, VMXE_R8, &m))
EMIT(e_pop_mem, struct vbt_amem m = vbt_amem_base(VMXE_RSP, 0x20); vbt_asm_pop_mem(a, &m))
EMIT(e_pop_mem_rip, struct vbt_amem m = vbt_amem_abs(LA + 0x100); vbt_asm_pop_mem(a, &m))
EMIT(e_push_r9, vbt_asm_push(a, VMXE_R9))
EMIT(e_pop_rcx, vbt_asm_pop(a, VMXE_RCX))
EMIT(e_cmpb, vbt_asm_cmpb_zero(a, LA + 0x1000))
EMIT(e_movb, vbt_asm_movb_one(a, LA - 0x10))
EMIT(e_jcc, vbt_asm_jcc_abs(a, 6, LA + 0x80))
EMIT(e_jmp, vbt_asm_jmp_abs(a, LA - 0x1000))
EMIT(e_load_rip, struct vbt_amem m = vbt_amem_abs(LA + 0x2000); vbt_asm_load(a, 8, VMXE_RCX, &m))

static void test_encoder_forms(void **state)
{
	(void)state;
	expect_one(e_lea_rdx, "lea rcx, [rdx - 0x681e]");
	expect_one(e_lea_r12, "lea rcx, [r12 - 0x681e]");
	expect_one(e_lea_rbp0, "lea rcx, [rbp]");
	expect_one(e_lea_r13_0, "lea rcx, [r13]");
	expect_one(e_lea_rsp8, "lea rsp, [rsp + 8]");
	expect_one(e_load16, "movzx eax, word ptr [rcx + 0x10]");
	expect_one(e_load16_r14, "movzx r14d, word ptr [rcx + 0x10]");
	expect_one(e_load32, "mov r9d, dword ptr [rcx + 0x200]");
	expect_one(e_load64, "mov rax, qword ptr [rcx]");
	expect_one(e_store16, "mov word ptr [rcx + 8], r10w");
	expect_one(e_store32, "mov dword ptr [r15 - 4], esi");
	expect_one(e_store_gs, "mov qword ptr gs:[rbx + rsi*8 + 0x10], rdx");
	expect_one(e_store_idx, "mov qword ptr [r11*2 + 0x40], rax");
	expect_one(e_store_abs, "mov qword ptr [0x1000], rax");
	expect_one(e_load_fs_r13, "mov r8, qword ptr fs:[r13 + 0x12345678]");
	expect_one(e_pop_mem, "pop qword ptr [rsp + 0x20]");
	expect_one(e_pop_mem_rip, "pop qword ptr [rip + 0xfa]");
	expect_one(e_push_r9, "push r9");
	expect_one(e_pop_rcx, "pop rcx");
	expect_one(e_cmpb, "cmp byte ptr [rip + 0xff9], 0");
	expect_one(e_movb, "mov byte ptr [rip - 0x17], 1");
	expect_one(e_jcc, "jbe 0xffffffffc0001080");
	expect_one(e_jmp, "jmp 0xffffffffc0000000");
	expect_one(e_load_rip, "mov rcx, qword ptr [rip + 0x1ff9]");
}

static void test_encoder_limits(void **state)
{
	uint8_t buf[8];
	struct vbt_asm a;

	(void)state;
	vbt_asm_init(&a, buf, sizeof(buf), LA);
	vbt_asm_jmp_abs(&a, LA + (1ull << 31) + 5); /* one byte too far */
	assert_false(vbt_asm_finish(&a));
	assert_true(a.range);

	vbt_asm_init(&a, buf, sizeof(buf), LA);
	vbt_asm_jmp_abs(&a, LA);
	vbt_asm_jmp_abs(&a, LA); /* 10 bytes into 8 */
	assert_false(vbt_asm_finish(&a));
	assert_true(a.overflow);

	vbt_asm_init(&a, buf, sizeof(buf), LA);
	vbt_asm_jrcxz_label(&a, 0); /* never bound */
	assert_false(vbt_asm_finish(&a));
}

static void decode_site(const uint8_t *bytes, size_t len, struct vbt_site *s)
{
	assert_int_equal(vbt_decode_site(&dec, bytes, len, LA, s), VBT_SITE_OK);
}

static const struct vbt_layout layout = {STUB_LA, 0x10000, SHARED_LA};

/* Linux's idiom: vmread %rdx,%rax; jna fail. The stub, read back. */
static void test_stub_shape(void **state)
{
	static const uint8_t site_bytes[] = {0x0f, 0x78, 0xd0, 0x76, 0x05};
	const struct vmxe_field_desc *d = vmxe_field_lookup(VMCS_ENC_GUEST_RIP);
	char text[32][200], want[200];
	uint8_t stub[VBT_STUB_MAX];
	struct vbt_stub_info info;
	struct vbt_case c;
	struct vbt_site s;
	size_t n;

	(void)state;
	decode_site(site_bytes, sizeof(site_bytes), &s);
	vbt_case_for(VMCS_ENC_GUEST_RIP, d, &c);
	assert_int_equal(vbt_emit_stub(&s, &c, 1, &layout, STUB_LA, stub, sizeof(stub), &info),
			 VBT_EMIT_OK);
	n = listing(stub, info.len, STUB_LA, text, 32);
	assert_int_equal(n, 15);
	assert_string_equal(text[0], "push rcx");
	assert_string_equal(text[1], "lea rcx, [rdx - 0x681e]");
	assert_memory_equal(text[2], "jrcxz ", 6);
	assert_string_equal(text[3], "pop rcx");
	assert_string_equal(text[4], "vmread rax, rdx");
	assert_memory_equal(stub + info.slow_off, site_bytes, 3);
	snprintf(want, sizeof(want), "jbe 0x%llx", (unsigned long long)(LA + 10));
	assert_string_equal(text[5], want);
	snprintf(want, sizeof(want), "jmp 0x%llx", (unsigned long long)(LA + 5));
	assert_string_equal(text[6], want);
	assert_memory_equal(text[7], "jmp ", 4);
	assert_memory_equal(text[8], "mov rcx, qword ptr [rip + ", 26);
	assert_memory_equal(text[9], "jrcxz ", 6);
	snprintf(want, sizeof(want), "mov rax, qword ptr [rcx + 0x%x]", d->offset);
	assert_string_equal(text[10], want);
	assert_string_equal(text[11], "pop rcx");
	assert_memory_equal(text[12], "cmp byte ptr [rip + ", 20);
	assert_memory_equal(text[13], "jmp ", 4);
	assert_memory_equal(text[14], "jmp ", 4);
}

/* The largest stub: VBT_MAX_CASES cases of a VMWRITE from a SIB operand with an override. */
static void test_worst_case_size(void **state)
{
	static const uint8_t site_bytes[] = {0x65, 0x47, 0x0f, 0x79, 0xbc, 0x5c, 0, 0, 0, 0x80};
	static const uint32_t encs[] = {VMCS_ENC_GUEST_RIP,	    VMCS_ENC_GUEST_RSP,
					VMCS_ENC_IO_BITMAP_A | 1,   VMCS_ENC_GUEST_ES_SELECTOR,
					VMCS_ENC_GUEST_CS_SELECTOR, VMCS_ENC_GUEST_SS_AR_BYTES,
					VMCS_ENC_GUEST_CR3,	    VMCS_ENC_GUEST_RFLAGS};
	struct vbt_case c[VBT_MAX_CASES];
	uint8_t stub[VBT_STUB_MAX];
	struct vbt_stub_info info;
	struct vbt_site s;

	_Static_assert(sizeof(encs) / sizeof(encs[0]) == VBT_MAX_CASES, "one field per case");
	(void)state;
	decode_site(site_bytes, sizeof(site_bytes), &s);
	for (int i = 0; i < VBT_MAX_CASES; i++)
		vbt_case_for(encs[i], vmxe_field_lookup(encs[i]), &c[i]);
	assert_int_equal(
	    vbt_emit_stub(&s, c, VBT_MAX_CASES, &layout, STUB_LA, stub, sizeof(stub), &info),
	    VBT_EMIT_OK);
	assert_true(info.len <= VBT_STUB_MAX);
	assert_int_equal(vbt_emit_stub(&s, c, VBT_MAX_CASES, &layout, STUB_LA, stub, 100, &info),
			 VBT_EMIT_SPACE);
}

static void test_patch(void **state)
{
	static const uint8_t five[] = {0x0f, 0x78, 0xd0, 0x76, 0x05};
	static const uint8_t nine[] = {0x0f, 0x79, 0xd0, 0x0f, 0x86, 0, 1, 0, 0};
	uint8_t patch[VBT_PATCH_MAX];
	struct vbt_site s;
	int32_t rel;

	(void)state;
	decode_site(five, sizeof(five), &s);
	assert_int_equal(vbt_emit_patch(&s, STUB_LA, patch), VBT_EMIT_OK);
	assert_int_equal(patch[0], 0xe9);
	memcpy(&rel, patch + 1, sizeof(rel));
	assert_int_equal((int64_t)rel, (int64_t)(STUB_LA - (LA + 5)));

	decode_site(nine, sizeof(nine), &s);
	assert_int_equal(s.patch_len, 9);
	assert_int_equal(vbt_emit_patch(&s, LA - 0x100, patch), VBT_EMIT_OK);
	memcpy(&rel, patch + 1, sizeof(rel));
	assert_int_equal(rel, -0x105);
	for (int i = 5; i < 9; i++)
		assert_int_equal(patch[i], VBT_PATCH_FILL);
	assert_int_equal(vbt_emit_patch(&s, LA + (1ull << 32), patch), VBT_EMIT_RANGE);
}

static void test_cases(void **state)
{
	const struct vmxe_field_desc *d16 = vmxe_field_lookup(VMCS_ENC_GUEST_ES_SELECTOR);
	const struct vmxe_field_desc *d64 = vmxe_field_lookup(VMCS_ENC_IO_BITMAP_A);
	struct vbt_case c;

	(void)state;
	vbt_case_for(VMCS_ENC_GUEST_ES_SELECTOR, d16, &c);
	assert_int_equal(c.offset, offsetof(struct vmcs12, GUEST_ES_SELECTOR));
	assert_int_equal(c.size, 2);
	vbt_case_for(VMCS_ENC_IO_BITMAP_A, d64, &c);
	assert_int_equal(c.offset, offsetof(struct vmcs12, IO_BITMAP_A));
	assert_int_equal(c.size, 8);
	vbt_case_for(VMCS_ENC_IO_BITMAP_A | 1, d64, &c);
	assert_int_equal(c.encoding, VMCS_ENC_IO_BITMAP_A | 1);
	assert_int_equal(c.offset, offsetof(struct vmcs12, IO_BITMAP_A) + 4);
	assert_int_equal(c.size, 4);
}

static void test_refusals(void **state)
{
	static const uint8_t rsp_field[] = {0x0f, 0x78, 0xe0, 0x76, 0x05};
	static const uint8_t rsp_far[] = {0x0f, 0x78, 0x94, 0x24, 0xff, 0xff, 0xff, 0x7f};
	static const uint8_t rip_op[] = {0x0f, 0x79, 0x15, 0, 0, 0, 0x80};
	const struct vmxe_field_desc *d = vmxe_field_lookup(VMCS_ENC_GUEST_RIP);
	uint8_t stub[VBT_STUB_MAX];
	struct vbt_stub_info info;
	struct vbt_case c;
	struct vbt_site s;

	(void)state;
	vbt_case_for(VMCS_ENC_GUEST_RIP, d, &c);
	decode_site(rsp_field, sizeof(rsp_field), &s);
	assert_int_equal(vbt_emit_stub(&s, &c, 1, &layout, STUB_LA, stub, sizeof(stub), &info),
			 VBT_EMIT_FORM);
	decode_site(rsp_far, sizeof(rsp_far), &s); /* 0x7fffffff(%rsp) + a push overflows */
	assert_int_equal(s.vmx.mem.disp, 0x7fffffff);
	assert_int_equal(vbt_emit_stub(&s, &c, 1, &layout, STUB_LA, stub, sizeof(stub), &info),
			 VBT_EMIT_RANGE);
	decode_site(rip_op, sizeof(rip_op), &s); /* 2 GiB below the site, 3 below the stub */
	assert_int_equal(vbt_emit_stub(&s, &c, 1, &layout, STUB_LA, stub, sizeof(stub), &info),
			 VBT_EMIT_RANGE);
	assert_int_equal(vbt_emit_stub(&s, &c, 0, &layout, STUB_LA, stub, sizeof(stub), &info),
			 VBT_EMIT_FORM);
	assert_int_equal(
	    vbt_emit_stub(&s, &c, VBT_MAX_CASES + 1, &layout, STUB_LA, stub, sizeof(stub), &info),
	    VBT_EMIT_FORM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encoder_forms), cmocka_unit_test(test_encoder_limits),
	    cmocka_unit_test(test_stub_shape),	  cmocka_unit_test(test_worst_case_size),
	    cmocka_unit_test(test_patch),	  cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
