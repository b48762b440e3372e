/*
 * test_bt_decode.c: tests of vmcs-shadow/bt_decode.h over byte sequences: every VMREAD/VMWRITE
 * operand form (register/register, base, base + index * scale with disp8 and disp32, index
 * without base, absolute, RIP-relative, RSP and R12/R13 bases, REX.R/X/B for r8-r15, REX.W,
 * FS/GS overrides) into the plain struct; the prefixes that change or cloud the meaning (66 and
 * F2 make other instructions, F3, 67, CS, two overrides); the branches a patch may displace and
 * the transfers it may not; MOV immediates for predictions; sites with and without a displaced
 * instruction, cut by the end of the page; the sweep's predictions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmcs-shadow/bt_decode.h"

#define LA   0xffffffffc0001000ull
#define NONE VBT_REG_NONE
#define RIP  VBT_REG_RIP

static struct vbt_decoder dec;

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

struct vmx_row {
	const char *what;
	uint8_t len;
	uint8_t bytes[12];
	enum vbt_kind kind;
	bool odd_prefix;
	int8_t field_reg;
	bool rm_is_reg;
	int8_t rm_reg;
	int8_t base, index;
	uint8_t scale;
	int32_t disp;
	uint8_t seg;
	uint8_t modrm_off;
};

#define R	   VBT_INSN_VMREAD
#define W	   VBT_INSN_VMWRITE
#define BYTES(...) .len = sizeof((uint8_t[]){__VA_ARGS__}), .bytes = {__VA_ARGS__}
#define VREG(w, k, odd, f, r, mo, ...)                                                             \
	{                                                                                          \
		.what = w, .kind = k, .odd_prefix = odd, .field_reg = f, .rm_is_reg = true,        \
		.rm_reg = r, .modrm_off = mo, BYTES(__VA_ARGS__)                                   \
	}
#define VMEM(w, k, odd, f, b, i, sc, d, sg, mo, ...)                                               \
	{                                                                                          \
		.what = w, .kind = k, .odd_prefix = odd, .field_reg = f, .base = b, .index = i,    \
		.scale = sc, .disp = d, .seg = sg, .modrm_off = mo, BYTES(__VA_ARGS__)             \
	}
static const struct vmx_row vmx_rows[] = {
    VREG("vmread %rdx,%rax", R, false, VMXE_RDX, VMXE_RAX, 2, 0x0f, 0x78, 0xd0),
    VREG("vmwrite %rax,%rdx", W, false, VMXE_RDX, VMXE_RAX, 2, 0x0f, 0x79, 0xd0),
    VREG("rex.w ignored", R, false, VMXE_RDX, VMXE_RAX, 3, 0x48, 0x0f, 0x78, 0xd0),
    VREG("vmread %r9,%r12", R, false, VMXE_R9, VMXE_R12, 3, 0x45, 0x0f, 0x78, 0xcc),
    VREG("vmwrite %r10,%r11", W, false, VMXE_R11, VMXE_R10, 3, 0x45, 0x0f, 0x79, 0xda),
    VREG("vmread %rsp,%rax", R, false, VMXE_RSP, VMXE_RAX, 2, 0x0f, 0x78, 0xe0),
    VREG("vmread %rax,%rsp", R, false, VMXE_RAX, VMXE_RSP, 2, 0x0f, 0x78, 0xc4),
    VMEM("vmread %rdx,(%rbx)", R, false, VMXE_RDX, VMXE_RBX, NONE, 1, 0, 0, 2, 0x0f, 0x78, 0x13),
    VMEM("vmread %rdx,0x10(%rbx,%rsi,8)", R, false, VMXE_RDX, VMXE_RBX, VMXE_RSI, 8, 0x10, 0, 2,
	 0x0f, 0x78, 0x54, 0xf3, 0x10),
    VMEM("vmwrite 0x1000(%rbx,%rcx,4),%rdx", W, false, VMXE_RDX, VMXE_RBX, VMXE_RCX, 4, 0x1000, 0,
	 2, 0x0f, 0x79, 0x94, 0x8b, 0x00, 0x10, 0, 0),
    VMEM("vmread %rdx,0x18(%rsp)", R, false, VMXE_RDX, VMXE_RSP, NONE, 1, 0x18, 0, 2, 0x0f, 0x78,
	 0x54, 0x24, 0x18),
    VMEM("vmread %rdx,-0x8(%rsp)", R, false, VMXE_RDX, VMXE_RSP, NONE, 1, -8, 0, 2, 0x0f, 0x78,
	 0x54, 0x24, 0xf8),
    VMEM("vmread %rdx,0x20(%rip)", R, false, VMXE_RDX, RIP, NONE, 1, 0x20, 0, 2, 0x0f, 0x78, 0x15,
	 0x20, 0, 0, 0),
    VMEM("vmwrite -0x10(%rip),%rdx", W, false, VMXE_RDX, RIP, NONE, 1, -0x10, 0, 2, 0x0f, 0x79,
	 0x15, 0xf0, 0xff, 0xff, 0xff),
    VMEM("vmread %r8,0x0(%r13)", R, false, VMXE_R8, VMXE_R13, NONE, 1, 0, 0, 3, 0x45, 0x0f, 0x78,
	 0x45, 0x00),
    VMEM("vmread %r8,(%r12)", R, false, VMXE_R8, VMXE_R12, NONE, 1, 0, 0, 3, 0x45, 0x0f, 0x78, 0x04,
	 0x24),
    VMEM("vmwrite -0x20(%r12,%r11,2),%r15", W, false, VMXE_R15, VMXE_R12, VMXE_R11, 2, -0x20, 0, 3,
	 0x47, 0x0f, 0x79, 0x7c, 0x5c, 0xe0),
    VMEM("vmread %rdx,0x1000(,%rcx,4)", R, false, VMXE_RDX, NONE, VMXE_RCX, 4, 0x1000, 0, 2, 0x0f,
	 0x78, 0x14, 0x8d, 0, 0x10, 0, 0),
    VMEM("vmread %rdx,0x1000 (absolute)", R, false, VMXE_RDX, NONE, NONE, 1, 0x1000, 0, 2, 0x0f,
	 0x78, 0x14, 0x25, 0, 0x10, 0, 0),
    VMEM("vmread %rdx,%gs:0x40(%rbx)", R, false, VMXE_RDX, VMXE_RBX, NONE, 1, 0x40, VBT_SEG_GS, 3,
	 0x65, 0x0f, 0x78, 0x93, 0x40, 0, 0, 0),
    VMEM("vmwrite %fs:(%rax),%rdx", W, false, VMXE_RDX, VMXE_RAX, NONE, 1, 0, VBT_SEG_FS, 3, 0x64,
	 0x0f, 0x79, 0x10),
    /* prefixes that may change the meaning: decoded, and flagged */
    VREG("f3 vmread", R, true, VMXE_RDX, VMXE_RAX, 3, 0xf3, 0x0f, 0x78, 0xd0),
    VREG("cs vmread", R, true, VMXE_RDX, VMXE_RAX, 3, 0x2e, 0x0f, 0x78, 0xd0),
    VMEM("addr32 vmread %rax,(%ebx)", R, true, VMXE_RAX, VMXE_RBX, NONE, 1, 0, 0, 3, 0x67, 0x0f,
	 0x78, 0x03),
    VMEM("fs gs vmread", R, true, VMXE_RDX, VMXE_RAX, NONE, 1, 0, VBT_SEG_GS, 4, 0x64, 0x65, 0x0f,
	 0x78, 0x10),
};
#undef R
#undef W

static void check_vmx_row(const struct vmx_row *t)
{
	struct vbt_insn in;

	if (!vbt_decode_insn(&dec, t->bytes, t->len, LA, &in))
		fail_msg("%s: no decode", t->what);
	assert_int_equal(in.len, t->len);
	assert_int_equal(in.la, LA);
	assert_memory_equal(in.bytes, t->bytes, t->len);
	assert_int_equal(in.kind, t->kind);
	if (in.odd_prefix != t->odd_prefix)
		fail_msg("%s: odd_prefix %d", t->what, in.odd_prefix);
	assert_int_equal(in.field_reg, t->field_reg);
	assert_int_equal(in.rm_is_reg, t->rm_is_reg);
	assert_int_equal(in.modrm_off, t->modrm_off);
	if (t->rm_is_reg) {
		assert_int_equal(in.rm_reg, t->rm_reg);
		return;
	}
	assert_int_equal(in.mem.base, t->base);
	assert_int_equal(in.mem.index, t->index);
	assert_int_equal(in.mem.scale, t->scale);
	assert_int_equal(in.mem.disp, t->disp);
	assert_int_equal(in.mem.seg, t->seg);
}

static void test_vmx_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vmx_rows) / sizeof(vmx_rows[0]); i++)
		check_vmx_row(&vmx_rows[i]);
}

struct other_row {
	const char *what;
	uint8_t len;
	uint8_t bytes[10];
	bool valid;
	enum vbt_kind kind;
	uint8_t cc;
	uint64_t target;
};

#define BRANCH(w, k, c, t, ...)                                                                    \
	{                                                                                          \
		.what = w, .valid = true, .kind = k, .cc = c, .target = t, BYTES(__VA_ARGS__)      \
	}
#define OTHER(w, k, ...)                                                                           \
	{                                                                                          \
		.what = w, .valid = true, .kind = k, BYTES(__VA_ARGS__)                            \
	}
#define INVALID(w, ...)                                                                            \
	{                                                                                          \
		.what = w, .valid = false, BYTES(__VA_ARGS__)                                      \
	}
static const struct other_row other_rows[] = {
    BRANCH("jna rel8", VBT_INSN_JCC, 6, LA + 7, 0x76, 0x05),
    BRANCH("jna rel32", VBT_INSN_JCC, 6, LA + 6 + 0x100, 0x0f, 0x86, 0x00, 0x01, 0, 0),
    BRANCH("cs jna (hint)", VBT_INSN_JCC, 6, LA + 1, 0x2e, 0x76, 0xfe),
    BRANCH("ds ja rel32 (hint)", VBT_INSN_JCC, 7, LA + 7 + 0x10, 0x3e, 0x0f, 0x87, 0x10, 0, 0, 0),
    BRANCH("jmp rel8", VBT_INSN_JMP, 0, LA + 0x12, 0xeb, 0x10),
    BRANCH("jmp rel32", VBT_INSN_JMP, 0, LA + 5 - 0x1000, 0xe9, 0x00, 0xf0, 0xff, 0xff),
    OTHER("data16 jna", VBT_INSN_JCC, 0x66, 0x76, 0x05),
    OTHER("jrcxz", VBT_INSN_FLOW, 0xe3, 0x05),
    OTHER("loop", VBT_INSN_FLOW, 0xe2, 0x05),
    OTHER("call", VBT_INSN_FLOW, 0xe8, 0, 0, 0, 0),
    OTHER("ret", VBT_INSN_FLOW, 0xc3),
    OTHER("jmp *%rax", VBT_INSN_FLOW, 0xff, 0xe0),
    OTHER("int3", VBT_INSN_FLOW, 0xcc),
    OTHER("extrq (66 0f 78)", VBT_INSN_OTHER, 0x66, 0x0f, 0x78, 0xc0, 1, 2),
    OTHER("insertq (f2 0f 79)", VBT_INSN_OTHER, 0xf2, 0x0f, 0x79, 0xc1),
    OTHER("nop", VBT_INSN_OTHER, 0x90),
    INVALID("lock vmread", 0xf0, 0x0f, 0x78, 0xd0),
    INVALID("push %es (invalid in 64-bit mode)", 0x06),
};

static void test_other_instructions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(other_rows) / sizeof(other_rows[0]); i++) {
		const struct other_row *t = &other_rows[i];
		struct vbt_insn in;
		bool ok = vbt_decode_insn(&dec, t->bytes, t->len, LA, &in);

		if (ok != t->valid)
			fail_msg("%s: decoded %d", t->what, ok);
		if (!ok)
			continue;
		assert_int_equal(in.len, t->len);
		if (in.kind != t->kind)
			fail_msg("%s: kind %d", t->what, in.kind);
		if (t->kind == VBT_INSN_JCC && t->bytes[0] == 0x66) {
			assert_true(in.odd_prefix); /* a 16-bit branch on some CPUs */
			continue;
		}
		if (t->kind == VBT_INSN_JCC || t->kind == VBT_INSN_JMP) {
			assert_false(in.odd_prefix);
			assert_int_equal(in.target, t->target);
			assert_int_equal(in.cc, t->cc);
		}
	}
}

static void test_mov_immediates_and_writes(void **state)
{
	static const uint8_t mov32[] = {0xba, 0x1e, 0x68, 0x00, 0x00};		   /* edx */
	static const uint8_t mov64[] = {0x48, 0xc7, 0xc2, 0xff, 0xff, 0xff, 0xff}; /* rdx, -1 */
	static const uint8_t movr8[] = {0x41, 0xb8, 0x00, 0x08, 0x00, 0x00};	   /* r8d */
	static const uint8_t movabs[] = {0x49, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8};	   /* r11 */
	static const uint8_t mov16[] = {0x66, 0xba, 0x34, 0x12};		   /* dx */
	static const uint8_t movrr[] = {0x48, 0x89, 0xf2};			   /* rdx */
	struct vbt_insn in;

	(void)state;
	assert_true(vbt_decode_insn(&dec, mov32, sizeof(mov32), LA, &in));
	assert_int_equal(in.kind, VBT_INSN_MOV_IMM);
	assert_int_equal(in.dst_reg, VMXE_RDX);
	assert_int_equal(in.imm, 0x681e);
	assert_true(vbt_decode_insn(&dec, mov64, sizeof(mov64), LA, &in));
	assert_int_equal(in.kind, VBT_INSN_MOV_IMM);
	assert_int_equal(in.imm, UINT64_MAX);
	assert_true(vbt_decode_insn(&dec, movr8, sizeof(movr8), LA, &in));
	assert_int_equal(in.dst_reg, VMXE_R8);
	assert_int_equal(in.imm, 0x800);
	assert_true(vbt_decode_insn(&dec, movabs, sizeof(movabs), LA, &in));
	assert_int_equal(in.dst_reg, VMXE_R11);
	assert_int_equal(in.imm, 0x0807060504030201ull);
	assert_true(vbt_decode_insn(&dec, mov16, sizeof(mov16), LA, &in));
	assert_int_equal(in.kind, VBT_INSN_OTHER); /* a partial write predicts nothing */
	assert_int_equal(in.gpr_written, 1u << VMXE_RDX);
	assert_true(vbt_decode_insn(&dec, movrr, sizeof(movrr), LA, &in));
	assert_int_equal(in.kind, VBT_INSN_OTHER);
	assert_int_equal(in.gpr_written, 1u << VMXE_RDX);
}

static void test_sites(void **state)
{
	static const uint8_t short_jcc[] = {0x0f, 0x78, 0xd0, 0x76, 0x05, 0x90};
	static const uint8_t hinted[] = {0x0f, 0x79, 0xd0, 0x2e, 0x0f, 0x86, 1, 0, 0, 0};
	static const uint8_t long_vmx[] = {0x0f, 0x78, 0x54, 0x24, 0x18, 0x76, 0x05};
	static const uint8_t nop[] = {0x90, 0x90, 0x90, 0x90, 0x90};
	struct vbt_site s;

	(void)state;
	assert_int_equal(vbt_decode_site(&dec, short_jcc, sizeof(short_jcc), LA, &s), VBT_SITE_OK);
	assert_true(s.has_displaced);
	assert_int_equal(s.patch_len, 5);
	assert_int_equal(s.displaced.kind, VBT_INSN_JCC);
	assert_int_equal(s.displaced.la, LA + 3);
	assert_int_equal(s.displaced.target, LA + 10);

	assert_int_equal(vbt_decode_site(&dec, hinted, sizeof(hinted), LA, &s), VBT_SITE_OK);
	assert_int_equal(s.patch_len, 10);
	assert_false(s.displaced.odd_prefix);

	assert_int_equal(vbt_decode_site(&dec, long_vmx, sizeof(long_vmx), LA, &s), VBT_SITE_OK);
	assert_false(s.has_displaced);
	assert_int_equal(s.patch_len, 5);

	/* the end of the page cuts the displaced instruction, or the instruction itself */
	assert_int_equal(vbt_decode_site(&dec, short_jcc, 4, LA, &s), VBT_SITE_TRUNCATED);
	assert_int_equal(vbt_decode_site(&dec, short_jcc, 3, LA, &s), VBT_SITE_TRUNCATED);
	assert_int_equal(vbt_decode_site(&dec, long_vmx, 4, LA, &s), VBT_SITE_TRUNCATED);
	assert_int_equal(vbt_decode_site(&dec, nop, sizeof(nop), LA, &s), VBT_SITE_NOT_VMX);
}

static void test_scan_predictions(void **state)
{
	static const uint8_t code[] = {
	    0xba, 0x1e, 0x68, 0x00, 0x00, /* mov $0x681e,%edx */
	    0x0f, 0x78, 0xd0,		  /* vmread %rdx,%rax: predicted */
	    0x76, 0x00,			  /* jna: keeps predictions */
	    0x0f, 0x78, 0xd3,		  /* vmread %rdx,%rbx: predicted again */
	    0xe8, 0,	0,    0,    0,	  /* call: forgets */
	    0x0f, 0x79, 0xd0,		  /* vmwrite %rax,%rdx: not predicted */
	    0xb8, 0x02, 0x44, 0,    0,	  /* mov $0x4402,%eax */
	    0x0f, 0x78, 0xc1,		  /* vmread %rax,%rcx: predicted */
	    0x0f, 0x78, 0xc0,		  /* vmread %rax,%rax: wrote RAX before */
	    0x0f, 0x78, 0xc0,		  /* ... so this one is not predicted */
	    0x06,			  /* invalid: the sweep stops */
	    0x0f, 0x78, 0xd0,
	};
	struct vbt_candidate c[8];
	size_t n = vbt_scan(&dec, code, sizeof(code), LA, c, 8);

	(void)state;
	assert_int_equal(n, 6);
	assert_true(c[0].predicted && c[0].encoding == 0x681e && c[0].offset == 5);
	assert_true(c[1].predicted && c[1].encoding == 0x681e && c[1].offset == 10);
	assert_true(!c[2].predicted && c[2].is_vmwrite);
	assert_true(c[3].predicted && c[3].encoding == 0x4402 && !c[3].is_vmwrite);
	assert_true(c[4].predicted && c[4].encoding == 0x4402);
	assert_false(c[5].predicted);
	assert_int_equal(vbt_scan(&dec, code, sizeof(code), LA, c, 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vmx_forms),
	    cmocka_unit_test(test_other_instructions),
	    cmocka_unit_test(test_mov_immediates_and_writes),
	    cmocka_unit_test(test_sites),
	    cmocka_unit_test(test_scan_predictions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
