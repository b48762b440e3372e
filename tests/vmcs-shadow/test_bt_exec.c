/*
 * test_bt_exec.c: the proof by execution of the VMREAD/VMWRITE stubs (vmcs-shadow/bt_rewrite.h,
 * bt_translate.h). For every operand form and a field of every width, the same "L1 code" (the
 * instruction, then the "jna fail" status check that Linux puts after it) runs twice on the
 * host: untranslated, where the instruction traps and the harness emulates it as L0 does
 * (SDM Vol. 3C 31.3, flags 31.2), and translated, where it jumps to the stub and must not trap.
 * Registers, RFLAGS, the path taken, the VMCS12 copy, data and stack must be identical. Then the
 * stub's fall-backs (no current VMCS, another field, encoding bits 63:32 set) must trap exactly
 * once, at the stub's copy of the instruction, with the same outcome as the original; an exit
 * there extends the stub by the new field; the sweep's translations run without trapping; and
 * once L1 "writes the page", the original bytes are back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bt_exec_harness.h"
#include "vmcs-shadow/bt_translate.h"

#define SITE_OFF     0x100u /* the site, in the arena's code page */
#define OPERAND_OFF  0x200u /* base registers point here, in the data page */
#define RIP_TARGET   0x300u /* RIP-relative operands point here, in the data page */
#define SMALL_INDEX  3u
#define JNA_REL8     0x76
#define FLAGS_STATUS 0x8d5u /* CF PF AF ZF SF OF */
#define FLAGS_FIXED  0x2u
#define FLAGS_DF     0x400u

struct form {
	const char *name;
	uint8_t len;
	uint8_t bytes[12];
	bool vmwrite;
	int8_t enc_reg;	     /* holds the field encoding */
	int8_t ptr_reg;	     /* points at the operand area, or VBT_REG_NONE */
	int8_t idx_reg;	     /* holds SMALL_INDEX, or VBT_REG_NONE */
	uint8_t rip_disp_at; /* offset of a RIP-relative disp32 to aim at RIP_TARGET, or 0 */
};

#define NONE VBT_REG_NONE
#define FORM(n, wr, enc, ptr, idx, rip, ...)                                                       \
	{                                                                                          \
		.name = n, .vmwrite = wr, .enc_reg = enc, .ptr_reg = ptr, .idx_reg = idx,          \
		.rip_disp_at = rip, .len = sizeof((uint8_t[]){__VA_ARGS__}), .bytes = {            \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
static const struct form forms[] = {
    FORM("vmread %rdx,%rax", false, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x78, 0xd0),
    FORM("rex.w vmread %rdx,%rax", false, VMXE_RDX, NONE, NONE, 0, 0x48, 0x0f, 0x78, 0xd0),
    FORM("vmread %r9,%r12", false, VMXE_R9, NONE, NONE, 0, 0x45, 0x0f, 0x78, 0xcc),
    FORM("vmread %rcx,%rcx", false, VMXE_RCX, NONE, NONE, 0, 0x0f, 0x78, 0xc9),
    FORM("vmread %rax,%rcx", false, VMXE_RAX, NONE, NONE, 0, 0x0f, 0x78, 0xc1),
    FORM("vmread %rcx,%rbx", false, VMXE_RCX, NONE, NONE, 0, 0x0f, 0x78, 0xcb),
    FORM("vmread %rdx,(%rbx)", false, VMXE_RDX, VMXE_RBX, NONE, 0, 0x0f, 0x78, 0x13),
    FORM("vmread %rdx,(%rcx)", false, VMXE_RDX, VMXE_RCX, NONE, 0, 0x0f, 0x78, 0x11),
    FORM("vmread %rdx,0x10(%rbx,%rsi,8)", false, VMXE_RDX, VMXE_RBX, VMXE_RSI, 0, 0x0f, 0x78, 0x54,
	 0xf3, 0x10),
    FORM("vmread %rdx,0x1000(%rbx,%rcx,4)", false, VMXE_RDX, VMXE_RBX, VMXE_RCX, 0, 0x0f, 0x78,
	 0x94, 0x8b, 0x00, 0x10, 0, 0),
    FORM("vmread %rdx,0x18(%rsp)", false, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x78, 0x54, 0x24, 0x18),
    FORM("vmread %rdx,-0x8(%rsp)", false, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x78, 0x54, 0x24, 0xf8),
    FORM("vmread %rdx,disp(%rip)", false, VMXE_RDX, NONE, NONE, 3, 0x0f, 0x78, 0x15, 0, 0, 0, 0),
    FORM("vmread %r8,0x0(%r13)", false, VMXE_R8, VMXE_R13, NONE, 0, 0x45, 0x0f, 0x78, 0x45, 0x00),
    FORM("vmread %r15,-0x20(%r12,%r11,2)", false, VMXE_R15, VMXE_R12, VMXE_R11, 0, 0x47, 0x0f, 0x78,
	 0x7c, 0x5c, 0xe0),
    FORM("vmread %rdx,%gs:0x40(%rbx)", false, VMXE_RDX, VMXE_RBX, NONE, 0, 0x65, 0x0f, 0x78, 0x93,
	 0x40, 0, 0, 0),
    FORM("vmwrite %rax,%rdx", true, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x79, 0xd0),
    FORM("vmwrite %rcx,%rdx", true, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x79, 0xd1),
    FORM("vmwrite %rdx,%rcx", true, VMXE_RCX, NONE, NONE, 0, 0x0f, 0x79, 0xca),
    FORM("vmwrite %r10,%r11", true, VMXE_R11, NONE, NONE, 0, 0x45, 0x0f, 0x79, 0xda),
    FORM("vmwrite (%rbx),%rdx", true, VMXE_RDX, VMXE_RBX, NONE, 0, 0x0f, 0x79, 0x13),
    FORM("vmwrite (%rcx),%rdx", true, VMXE_RDX, VMXE_RCX, NONE, 0, 0x0f, 0x79, 0x11),
    FORM("vmwrite (%rax,%rbx,1),%rdx", true, VMXE_RDX, VMXE_RAX, VMXE_RBX, 0, 0x0f, 0x79, 0x14,
	 0x18),
    FORM("vmwrite 0x10(%rbx,%rsi,8),%rdx", true, VMXE_RDX, VMXE_RBX, VMXE_RSI, 0, 0x0f, 0x79, 0x54,
	 0xf3, 0x10),
    FORM("vmwrite 0x1000(%rbx,%rcx,4),%rdx", true, VMXE_RDX, VMXE_RBX, VMXE_RCX, 0, 0x0f, 0x79,
	 0x94, 0x8b, 0x00, 0x10, 0, 0),
    FORM("vmwrite 0x18(%rsp),%rdx", true, VMXE_RDX, NONE, NONE, 0, 0x0f, 0x79, 0x54, 0x24, 0x18),
    FORM("vmwrite disp(%rip),%rdx", true, VMXE_RDX, NONE, NONE, 3, 0x0f, 0x79, 0x15, 0, 0, 0, 0),
    FORM("vmwrite -0x20(%r12,%r11,2),%r15", true, VMXE_R15, VMXE_R12, VMXE_R11, 0, 0x47, 0x0f, 0x79,
	 0x7c, 0x5c, 0xe0),
    FORM("vmwrite %gs:0x40(%rbx),%rdx", true, VMXE_RDX, VMXE_RBX, NONE, 0, 0x65, 0x0f, 0x79, 0x93,
	 0x40, 0, 0, 0),
};
#undef NONE
#define N_FORMS (sizeof(forms) / sizeof(forms[0]))

/* A field of each width, the high access, and read-only ones (VMREAD only). */
static const uint32_t read_fields[] = {
    VMCS_ENC_GUEST_ES_SELECTOR,	   VMCS_ENC_VM_EXIT_REASON, VMCS_ENC_IO_BITMAP_A,
    VMCS_ENC_IO_BITMAP_A | 1,	   VMCS_ENC_GUEST_RIP,	    VMCS_ENC_EXIT_QUALIFICATION,
    VMCS_ENC_VIRTUAL_PROCESSOR_ID,
};
static const uint32_t write_fields[] = {
    VMCS_ENC_GUEST_ES_SELECTOR, VMCS_ENC_PIN_BASED_VM_EXEC_CONTROL,
    VMCS_ENC_IO_BITMAP_A,	VMCS_ENC_IO_BITMAP_A | 1,
    VMCS_ENC_GUEST_RIP,		VMCS_ENC_VIRTUAL_PROCESSOR_ID,
};
static const uint64_t flag_patterns[] = {FLAGS_FIXED, FLAGS_FIXED | FLAGS_STATUS | FLAGS_DF};

/* Everything a run can change. */
struct outcome {
	struct bt_cpu cpu;
	enum bt_path path;
	uint8_t vmcs12_to_stack[BT_STACK_OFF - BT_VMCS12_OFF];
	uint8_t stack_top[BT_ARENA_SIZE - (BT_STACK_TOP - 16)];
	struct bt_exits exits;
};

static struct vbt_entry storage[64];
static struct vbt_cache cache;
static struct vbt_decoder dec;
static struct vbt_config cfg;
static struct vbt_result res;

static uint64_t at(uint32_t off)
{
	return (uint64_t)(uintptr_t)(bt_arena() + off);
}

static int setup(void **state)
{
	(void)state;
	bt_harness_init();
	assert_true(vbt_decoder_open(&dec));
	cfg = (struct vbt_config){.layout = bt_layout()};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vbt_decoder_close(&dec);
	return 0;
}

/* L1's code: the instruction, "jna fail", the success exit, the failure exit. */
static void write_site(const struct form *f, uint32_t site_off)
{
	uint8_t *p = bt_arena() + site_off;

	memcpy(p, f->bytes, f->len);
	if (f->rip_disp_at) {
		int32_t disp = (int32_t)(at(BT_DATA_OFF + RIP_TARGET) - (at(site_off) + f->len));

		memcpy(p + f->rip_disp_at, &disp, sizeof(disp));
	}
	p[f->len] = JNA_REL8;
	p[f->len + 1] = BT_EXIT_LEN;
	bt_put_exit_ok(p + f->len + 2);
	bt_put_exit_fail(p + f->len + 2 + BT_EXIT_LEN);
}

/* A deterministic world: patterned registers, VMCS12 copy, data and stack. */
static void reset_world(struct bt_cpu *cpu, const struct form *f, uint64_t encoding, uint64_t flags,
			bool current)
{
	struct vbt_shared *sh = (void *)(bt_arena() + BT_SHARED_OFF);
	uint8_t *a = bt_arena();

	for (uint32_t i = BT_VMCS12_OFF; i < BT_ARENA_SIZE; i++)
		a[i] = (uint8_t)(i * 37u + 11u);
	memset(sh, 0, sizeof(*sh));
	sh->vmcs12 = current ? at(BT_VMCS12_OFF) : 0;
	sh->one = VBT_SHARED_ONE;
	memset(cpu, 0, sizeof(*cpu));
	for (int r = 0; r < VMXE_GPR_COUNT; r++)
		cpu->gpr[r] = 0x0123456789abcdefull * (uint64_t)(r + 1) ^ 0xfedcba9876543210ull;
	cpu->gpr[VMXE_RSP] = at(BT_STACK_TOP);
	if (f->ptr_reg != VBT_REG_NONE)
		cpu->gpr[f->ptr_reg] = at(BT_DATA_OFF + OPERAND_OFF);
	if (f->idx_reg != VBT_REG_NONE)
		cpu->gpr[f->idx_reg] = SMALL_INDEX;
	cpu->gpr[f->enc_reg] = encoding;
	cpu->rflags = flags;
	bt_reset_exits();
}

static void run(struct outcome *o, const struct form *f, uint32_t site_off, uint64_t encoding,
		uint64_t flags, bool current)
{
	reset_world(&o->cpu, f, encoding, flags, current);
	o->path = bt_run(&o->cpu, at(site_off));
	o->cpu.host_rsp = 0;
	memcpy(o->vmcs12_to_stack, bt_arena() + BT_VMCS12_OFF, sizeof(o->vmcs12_to_stack));
	memcpy(o->stack_top, bt_arena() + BT_STACK_TOP - 16, sizeof(o->stack_top));
	o->exits = bt_get_exits();
}

static void assert_same(const struct outcome *a, const struct outcome *b, const char *what)
{
	for (int r = 0; r < VMXE_GPR_COUNT; r++)
		if (a->cpu.gpr[r] != b->cpu.gpr[r])
			fail_msg("%s: GPR %d %#llx != %#llx", what, r,
				 (unsigned long long)a->cpu.gpr[r],
				 (unsigned long long)b->cpu.gpr[r]);
	if (a->cpu.rflags != b->cpu.rflags)
		fail_msg("%s: RFLAGS %#llx != %#llx", what, (unsigned long long)a->cpu.rflags,
			 (unsigned long long)b->cpu.rflags);
	assert_int_equal(a->path, b->path);
	assert_memory_equal(a->vmcs12_to_stack, b->vmcs12_to_stack, sizeof(a->vmcs12_to_stack));
	assert_memory_equal(a->stack_top, b->stack_top, sizeof(a->stack_top));
}

static struct vbt_exit exit_at(uint64_t rip, bool vmwrite, uint64_t encoding)
{
	uint32_t page_left = 4096u - (uint32_t)(rip & 4095u);
	struct vbt_exit x = {
	    .is_vmwrite = vmwrite,
	    .rip_la = rip,
	    .rip_gpa = rip, /* identity: the arena plays both */
	    .code = (const uint8_t *)(uintptr_t)rip,
	    .code_len = page_left,
	    .encoding = encoding,
	    .mode64 = true,
	    .vmcs_current = true,
	};
	return x;
}

/* Places what vbt_translate() returned, as L0 would. */
static void apply(const struct vbt_result *r)
{
	memcpy((void *)(uintptr_t)r->stub_la, r->stub, r->stub_len);
	memcpy((void *)(uintptr_t)r->patch_gpa, r->patch, r->patch_len);
}

/* One form and field: reference and translated runs agree, and the fall-backs trap once. */
static void check_form_field(const struct form *f, uint32_t field, uint64_t flags)
{
	static struct outcome ref, got;
	uint64_t site = at(SITE_OFF);
	struct vbt_exit x = exit_at(site, f->vmwrite, field);
	const uint64_t other = f->vmwrite ? VMCS_ENC_GUEST_RSP : VMCS_ENC_VM_INSTRUCTION_ERROR;
	const uint64_t misses[] = {other, (1ull << 32) | field, 0x7fff};

	vbt_cache_init(&cache, storage, 64, &cfg.layout);
	write_site(f, SITE_OFF);
	run(&ref, f, SITE_OFF, field, flags, true);
	assert_int_equal(ref.exits.count, 1);
	assert_int_equal(ref.path, BT_PATH_OK);

	if (vbt_translate(&cache, &dec, &cfg, &x, &res) != VBT_OK)
		fail_msg("%s field %#x: %s", f->name, field,
			 vbt_reason_text(vbt_translate(&cache, &dec, &cfg, &x, &res)));
	assert_true(res.protect_page);
	assert_int_equal(res.resume_la, site);
	apply(&res);
	run(&got, f, SITE_OFF, field, flags, true);
	assert_int_equal(got.exits.count, 0);
	assert_same(&ref, &got, f->name);
	/* a VMWRITE stub tells L0 the copy changed */
	assert_int_equal(((struct vbt_shared *)(bt_arena() + BT_SHARED_OFF))->dirty, f->vmwrite);

	/* No current VMCS: VMfailInvalid through L0, from the stub's copy of the instruction. */
	write_site(f, SITE_OFF);
	run(&ref, f, SITE_OFF, field, flags, false);
	apply(&res);
	run(&got, f, SITE_OFF, field, flags, false);
	assert_int_equal(got.exits.count, 1);
	assert_int_equal(got.exits.last_rip, res.stub_la + cache.entries[0].slow_off);
	assert_int_equal(got.path, BT_PATH_FAIL);
	assert_same(&ref, &got, "no current VMCS");

	/* Fields the stub does not serve, and encodings with bits 63:32 or no field. */
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		write_site(f, SITE_OFF);
		run(&ref, f, SITE_OFF, misses[i], flags, true);
		apply(&res);
		run(&got, f, SITE_OFF, misses[i], flags, true);
		assert_int_equal(got.exits.count, 1);
		assert_same(&ref, &got, "slow path");
	}
}

static void check_form(const struct form *f)
{
	const uint32_t *fields = f->vmwrite ? write_fields : read_fields;
	size_t n = f->vmwrite ? sizeof(write_fields) / sizeof(write_fields[0])
			      : sizeof(read_fields) / sizeof(read_fields[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(flag_patterns) / sizeof(flag_patterns[0]); k++)
			check_form_field(f, fields[i], flag_patterns[k]);
}

static void test_form(void **state)
{
	check_form(*state);
}

/* A slow-path exit adds the field to the stub, up to VBT_MAX_CASES; the old stubs still map
 * to the site. */
static void test_extend_cases(void **state)
{
	static const uint32_t fields[] = {VMCS_ENC_GUEST_RIP, VMCS_ENC_EXIT_QUALIFICATION,
					  VMCS_ENC_VM_EXIT_REASON, VMCS_ENC_IO_BITMAP_A | 1,
					  VMCS_ENC_GUEST_ES_SELECTOR};
	static struct outcome ref, got;
	const struct form *f = &forms[0];
	uint64_t site = at(SITE_OFF);
	struct vbt_exit x = exit_at(site, false, fields[0]);
	uint64_t first_slow;

	(void)state;
	vbt_cache_init(&cache, storage, 64, &cfg.layout);
	write_site(f, SITE_OFF);
	assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
	apply(&res);
	first_slow = res.stub_la + cache.entries[0].slow_off;
	for (unsigned int k = 1; k < sizeof(fields) / sizeof(fields[0]); k++) {
		run(&got, f, SITE_OFF, fields[k], FLAGS_FIXED, true);
		assert_int_equal(got.exits.count, 1);
		x = exit_at(got.exits.last_rip, false, fields[k]);
		if (k == VBT_MAX_CASES) {
			assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res),
					 VBT_CASES_FULL);
			break;
		}
		assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
		assert_false(res.protect_page);
		assert_int_equal(res.patch_gpa, site);
		assert_int_equal(res.resume_la, site);
		apply(&res);
		for (unsigned int j = 0; j <= k; j++) {
			write_site(f, SITE_OFF + 0x400); /* the same code, never translated */
			run(&ref, f, SITE_OFF + 0x400, fields[j], FLAGS_FIXED, true);
			run(&got, f, SITE_OFF, fields[j], FLAGS_FIXED, true);
			assert_int_equal(got.exits.count, 0);
			assert_int_equal(ref.exits.count, 1);
			ref.cpu.gpr[VMXE_RSP] = got.cpu.gpr[VMXE_RSP];
			assert_int_equal(ref.cpu.gpr[VMXE_RAX], got.cpu.gpr[VMXE_RAX]);
			assert_int_equal(ref.cpu.rflags, got.cpu.rflags);
		}
	}
	assert_int_equal(cache.entries[0].state, VBT_ENTRY_REPLACED);
	assert_int_equal(vbt_site_of_stub(&cache, first_slow), site);
	assert_int_equal(vbt_site_of_stub(&cache, at(BT_DATA_OFF)), 0);
	/* an exit at a replaced stub (L1 was inside it) is emulated, not translated */
	x = exit_at(first_slow, false, VMCS_ENC_GUEST_RSP);
	assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_STALE_STUB);
}

/* L1's code with two sites whose encodings come from MOV immediates, and a third whose
 * register was overwritten since: the sweep predicts two, and their translations run without
 * a single exit, exactly as the original. */
static void test_scan_translate_run(void **state)
{
	static const uint8_t code[] = {
	    0xba, 0x1e, 0x68, 0x00, 0x00,	/* mov $0x681e,%edx */
	    0x0f, 0x78, 0xd0,			/* vmread %rdx,%rax */
	    0x76, 0x1b,				/* jna fail */
	    0x41, 0xb8, 0x00, 0x08, 0x00, 0x00, /* mov $0x800,%r8d */
	    0x44, 0x0f, 0x79, 0xc0,		/* vmwrite %rax,%r8 */
	    0x76, 0x11,				/* jna fail */
	    0x48, 0x89, 0xf2,			/* mov %rsi,%rdx */
	    0x0f, 0x78, 0xd3,			/* vmread %rdx,%rbx: not predicted */
	    0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	};
	static const struct form plain = {"scan",	0, {0}, false, VMXE_RSI, VBT_REG_NONE,
					  VBT_REG_NONE, 0};
	static struct outcome ref, got;
	uint8_t *p = bt_arena() + SITE_OFF;
	struct vbt_candidate cand[4];
	size_t n;

	(void)state;
	vbt_cache_init(&cache, storage, 64, &cfg.layout);
	memcpy(p, code, sizeof(code));
	bt_put_exit_ok(p + sizeof(code));
	bt_put_exit_fail(p + sizeof(code) + BT_EXIT_LEN);
	run(&ref, &plain, SITE_OFF, VMCS_ENC_GUEST_RSP, FLAGS_FIXED, true);
	assert_int_equal(ref.exits.count, 3);
	assert_int_equal(ref.path, BT_PATH_OK);

	n = vbt_scan(&dec, p, sizeof(code), at(SITE_OFF), cand, 4);
	assert_int_equal(n, 3);
	assert_true(cand[0].predicted && cand[1].predicted && !cand[2].predicted);
	assert_int_equal(cand[0].encoding, VMCS_ENC_GUEST_RIP);
	assert_int_equal(cand[1].encoding, VMCS_ENC_GUEST_ES_SELECTOR);
	assert_true(cand[1].is_vmwrite);
	for (size_t i = 0; i < 2; i++) {
		struct vbt_exit x =
		    exit_at(at(SITE_OFF + cand[i].offset), cand[i].is_vmwrite, cand[i].encoding);

		x.from_scan = true;
		assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
		apply(&res);
	}
	assert_true(cache.entries[1].from_scan);
	run(&got, &plain, SITE_OFF, VMCS_ENC_GUEST_RSP, FLAGS_FIXED, true);
	assert_int_equal(got.exits.count, 1); /* only the unpredicted site */
	assert_same(&ref, &got, "swept sites");
}

/* L1 writes the page: every live site of it comes back with its original bytes, and runs
 * through L0 again; translated again, it gets its old stub back. */
static void test_invalidate_restores(void **state)
{
	static struct outcome got;
	const struct form *f = &forms[0];
	struct vbt_exit x = exit_at(at(SITE_OFF), false, VMCS_ENC_GUEST_RIP);
	const struct vbt_entry *e;
	uint64_t stub_la;
	uint32_t used;

	(void)state;
	vbt_cache_init(&cache, storage, 64, &cfg.layout);
	write_site(f, SITE_OFF);
	assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
	apply(&res);
	assert_true(vbt_cache_page_live(&cache, at(0)));
	e = vbt_cache_take_page(&cache, at(SITE_OFF + 0x800));
	assert_non_null(e);
	memcpy((void *)(uintptr_t)e->site_gpa, e->original, e->patch_len);
	assert_null(vbt_cache_take_page(&cache, at(0)));
	assert_false(vbt_cache_page_live(&cache, at(0)));
	run(&got, f, SITE_OFF, VMCS_ENC_GUEST_RIP, FLAGS_FIXED, true);
	assert_int_equal(got.exits.count, 1);
	assert_int_equal(got.exits.last_rip, at(SITE_OFF));
	/* and it is translated again with its old stub, which runs as before */
	stub_la = e->stub_la;
	used = cache.stub_used;
	assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
	assert_true(res.protect_page);
	assert_int_equal(res.stub_len, 0);
	assert_int_equal(res.stub_la, stub_la);
	assert_int_equal(cache.stub_used, used);
	apply(&res);
	run(&got, f, SITE_OFF, VMCS_ENC_GUEST_RIP, FLAGS_FIXED, true);
	assert_int_equal(got.exits.count, 0);
}

/* The same, but the site comes back with the rest of its page, without an exit or a decode. */
static void test_revive_page(void **state)
{
	static struct outcome got;
	const struct form *f = &forms[0];
	struct vbt_exit x = exit_at(at(SITE_OFF), false, VMCS_ENC_GUEST_RIP);
	const struct vbt_entry *e;
	uint64_t stub_la;

	(void)state;
	vbt_cache_init(&cache, storage, 64, &cfg.layout);
	write_site(f, SITE_OFF);
	assert_int_equal(vbt_translate(&cache, &dec, &cfg, &x, &res), VBT_OK);
	apply(&res);
	e = vbt_cache_take_page(&cache, at(0));
	stub_la = e->stub_la;
	memcpy((void *)(uintptr_t)e->site_gpa, e->original, e->patch_len);
	assert_true(vbt_revive_next(&cache, at(0), (const uint8_t *)(uintptr_t)at(0), &res));
	assert_int_equal(res.stub_len, 0);
	assert_int_equal(res.stub_la, stub_la);
	assert_int_equal(res.patch_gpa, at(SITE_OFF));
	assert_true(res.protect_page);
	apply(&res);
	assert_false(vbt_revive_next(&cache, at(0), (const uint8_t *)(uintptr_t)at(0), &res));
	run(&got, f, SITE_OFF, VMCS_ENC_GUEST_RIP, FLAGS_FIXED, true);
	assert_int_equal(got.exits.count, 0);
	/* bytes that are not the site's any more: nothing to revive */
	e = vbt_cache_take_page(&cache, at(0));
	memcpy((void *)(uintptr_t)e->site_gpa, e->original, e->patch_len);
	((uint8_t *)(uintptr_t)e->site_gpa)[1] ^= 1;
	assert_false(vbt_revive_next(&cache, at(0), (const uint8_t *)(uintptr_t)at(0), &res));
}

int main(void)
{
	struct CMUnitTest tests[N_FORMS + 4];
	size_t n = 0;

	for (size_t i = 0; i < N_FORMS; i++)
		tests[n++] =
		    (struct CMUnitTest){forms[i].name, test_form, NULL, NULL, (void *)&forms[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_extend_cases);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scan_translate_run);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_invalidate_restores);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_revive_page);
	return _cmocka_run_group_tests("bt_exec", tests, n, setup, teardown);
}
