/*
 * bt_rewrite.c: the stub and the patch of a VMREAD/VMWRITE site (see bt_rewrite.h for the layout
 * and the semantics it keeps). Touches no hardware.
 */
#include "vmcs-shadow/bt_rewrite.h"

#include <string.h>

#include "vmcs-shadow/bt_asm.h"

#define GPR_BYTES    8 /* what one PUSH moves */
#define RIP_DISP_LEN 4

/* Labels of a stub: fixed ones, then one per case for the trampoline, the body and the
 * no-current-VMCS exit of the body. */
enum {
	LBL_SLOW,
	LBL_TAIL,
	LBL_TRAMP,
	LBL_BODY = LBL_TRAMP + VBT_MAX_CASES,
	LBL_NONE = LBL_BODY + VBT_MAX_CASES,
};
_Static_assert(LBL_NONE + VBT_MAX_CASES <= VBT_ASM_LABELS, "labels of a stub");

struct stub {
	struct vbt_asm a;
	const struct vbt_site *site;
	const struct vbt_layout *layout;
	uint64_t site_next; /* RIP after the VMREAD/VMWRITE: RIP-relative operands count from it */
};

void vbt_case_for(uint32_t encoding, const struct vmxe_field_desc *d, struct vbt_case *c)
{
	bool high = vmcs_enc_is_high(encoding);

	c->encoding = encoding;
	c->offset = (uint16_t)(d->offset + (high ? sizeof(uint32_t) : 0));
	c->size = high ? sizeof(uint32_t) : d->size;
}

static uint64_t shared_field(const struct stub *s, size_t offset)
{
	return s->layout->shared_la + offset;
}

/* Memory operand @m of the site as seen from inside the stub, @depth pushes below the site's
 * RSP: RSP-relative displacements grow, RIP-relative ones become absolute. */
static bool operand_in_stub(const struct stub *s, const struct vbt_mem *m, unsigned int depth,
			    struct vbt_amem *out)
{
	int64_t disp = m->disp;

	out->m = *m;
	out->target = 0;
	if (m->base == VBT_REG_RIP) {
		out->target = s->site_next + (uint64_t)(int64_t)m->disp;
		return true;
	}
	if (m->base == VMXE_RSP)
		disp += (int64_t)depth * GPR_BYTES;
	out->m.disp = (int32_t)disp;
	return disp == (int32_t)disp;
}

/* A register the memory operand does not use, for the value: never RCX (the pointer) or RSP.
 * Base and index take two registers at most, so one of RAX, RDX, RBX is free. */
static int second_scratch(const struct vbt_mem *m)
{
	int r = VMXE_RAX;

	if (m->base == r || m->index == r)
		r = VMXE_RDX;
	if (m->base == r || m->index == r)
		r = VMXE_RBX;
	return r;
}

/* mov shared.vmcs12(%rip), %rcx; jrcxz none(i) */
static void load_pointer(struct stub *s, unsigned int i)
{
	struct vbt_amem p = vbt_amem_abs(shared_field(s, offsetof(struct vbt_shared, vmcs12)));

	vbt_asm_load(&s->a, GPR_BYTES, VMXE_RCX, &p);
	vbt_asm_jrcxz_label(&s->a, LBL_NONE + i);
}

static void succeed_and_leave(struct stub *s, unsigned int i)
{
	vbt_asm_cmpb_zero(&s->a, shared_field(s, offsetof(struct vbt_shared, one)));
	vbt_asm_jmp_label(&s->a, LBL_TAIL);
	vbt_asm_bind(&s->a, LBL_NONE + i);
	vbt_asm_jmp_label(&s->a, LBL_SLOW);
}

static void mark_dirty(struct stub *s)
{
	vbt_asm_movb_one(&s->a, shared_field(s, offsetof(struct vbt_shared, dirty)));
}

/* VMREAD to a register: the field straight into it; RCX's own value is dropped, not popped. */
static void body_read_reg(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	int dst = s->site->vmx.rm_reg;
	struct vbt_amem slot = vbt_amem_base(VMXE_RCX, c->offset);

	load_pointer(s, i);
	vbt_asm_load(&s->a, c->size, dst, &slot);
	if (dst == VMXE_RCX)
		vbt_asm_lea(&s->a, VMXE_RSP, VMXE_RSP, GPR_BYTES);
	else
		vbt_asm_pop(&s->a, VMXE_RCX);
	succeed_and_leave(s, i);
}

/* VMWRITE from a register other than RCX. */
static void body_write_reg(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	struct vbt_amem slot = vbt_amem_base(VMXE_RCX, c->offset);

	load_pointer(s, i);
	mark_dirty(s);
	vbt_asm_store(&s->a, c->size, s->site->vmx.rm_reg, &slot);
	vbt_asm_pop(&s->a, VMXE_RCX);
	succeed_and_leave(s, i);
}

/* VMREAD to memory: the value pushed, RCX back to the site's value (it may be the base or the
 * index), then POP to the operand, which computes the address after it increments RSP (SDM
 * Vol. 2B POP): nothing is read back from the stack after the store, so an operand that points
 * at the stub's own stack slots changes no register. */
static bool body_read_mem(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	struct vbt_amem slot = vbt_amem_base(VMXE_RCX, c->offset);
	struct vbt_amem saved_rcx = vbt_amem_base(VMXE_RSP, GPR_BYTES);
	struct vbt_amem dst;

	if (!operand_in_stub(s, &s->site->vmx.mem, 1, &dst))
		return false;
	load_pointer(s, i);
	vbt_asm_load(&s->a, c->size, VMXE_RCX, &slot);
	vbt_asm_push(&s->a, VMXE_RCX);
	vbt_asm_load(&s->a, GPR_BYTES, VMXE_RCX, &saved_rcx);
	vbt_asm_pop_mem(&s->a, &dst);
	vbt_asm_lea(&s->a, VMXE_RSP, VMXE_RSP, GPR_BYTES);
	succeed_and_leave(s, i);
	return true;
}

/* VMWRITE from memory, or from RCX, which is then the stub's saved copy 8 bytes below the site's
 * RSP: the pointer parked on the stack while the source is read with the site's RCX. The source
 * is only read, so the slots popped afterwards hold what the stub put there, unless the source
 * lies below the site's RSP, which the policy refuses where it can see it (RSP as the base). */
static bool body_write_mem(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	const struct vbt_insn *vmx = &s->site->vmx;
	struct vbt_mem m = vmx->rm_is_reg ? vbt_amem_base(VMXE_RSP, -GPR_BYTES).m : vmx->mem;
	int tmp = second_scratch(&m);
	struct vbt_amem slot = vbt_amem_base(VMXE_RCX, c->offset);
	struct vbt_amem saved_rcx = vbt_amem_base(VMXE_RSP, 2 * GPR_BYTES);
	struct vbt_amem src;

	if (!operand_in_stub(s, &m, 3, &src))
		return false;
	load_pointer(s, i);
	mark_dirty(s);
	vbt_asm_push(&s->a, tmp);
	vbt_asm_push(&s->a, VMXE_RCX);
	vbt_asm_load(&s->a, GPR_BYTES, VMXE_RCX, &saved_rcx);
	vbt_asm_load(&s->a, GPR_BYTES, tmp, &src);
	vbt_asm_pop(&s->a, VMXE_RCX);
	vbt_asm_store(&s->a, c->size, tmp, &slot);
	vbt_asm_pop(&s->a, tmp);
	vbt_asm_pop(&s->a, VMXE_RCX);
	succeed_and_leave(s, i);
	return true;
}

static bool body(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	const struct vbt_insn *vmx = &s->site->vmx;

	vbt_asm_bind(&s->a, LBL_BODY + i);
	if (vmx->kind == VBT_INSN_VMREAD && vmx->rm_is_reg) {
		body_read_reg(s, c, i);
		return true;
	}
	if (vmx->kind == VBT_INSN_VMREAD)
		return body_read_mem(s, c, i);
	if (vmx->rm_is_reg && vmx->rm_reg != VMXE_RCX) {
		body_write_reg(s, c, i);
		return true;
	}
	return body_write_mem(s, c, i);
}

/* lea -Ei(%enc), %rcx; jrcxz Ti. With the encoding in RCX, its value is the one pushed. */
static void dispatch(struct stub *s, const struct vbt_case *c, unsigned int i)
{
	int enc = s->site->vmx.field_reg;

	if (enc == VMXE_RCX) {
		struct vbt_amem pushed = vbt_amem_base(VMXE_RSP, 0);

		vbt_asm_load(&s->a, GPR_BYTES, VMXE_RCX, &pushed);
	}
	vbt_asm_lea(&s->a, VMXE_RCX, enc, -(int32_t)c->encoding);
	vbt_asm_jrcxz_label(&s->a, LBL_TRAMP + i);
}

/* The original instruction; a RIP-relative operand gets the displacement of its new place. */
static void slow_copy(struct stub *s, struct vbt_stub_info *info)
{
	const struct vbt_insn *vmx = &s->site->vmx;
	size_t at = s->a.len;

	info->slow_off = (uint16_t)at;
	vbt_asm_bytes(&s->a, vmx->bytes, vmx->len);
	if (!vmx->rm_is_reg && vmx->mem.base == VBT_REG_RIP && !s->a.overflow) {
		uint64_t target = s->site_next + (uint64_t)(int64_t)vmx->mem.disp;
		int64_t rel = (int64_t)(target - (s->a.la + at + vmx->len));
		int32_t rel32 = (int32_t)rel;

		if (rel != rel32)
			s->a.range = true;
		memcpy(s->a.buf + at + vmx->modrm_off + 1, &rel32, RIP_DISP_LEN);
	}
}

/* The displaced instruction, retargeted, and the way back after the patch. */
static void tail(struct stub *s)
{
	const struct vbt_site *site = s->site;

	vbt_asm_bind(&s->a, LBL_TAIL);
	if (site->has_displaced && site->displaced.kind == VBT_INSN_JMP) {
		vbt_asm_jmp_abs(&s->a, site->displaced.target);
		return;
	}
	if (site->has_displaced)
		vbt_asm_jcc_abs(&s->a, site->displaced.cc, site->displaced.target);
	vbt_asm_jmp_abs(&s->a, site->vmx.la + site->patch_len);
}

static bool form_ok(const struct vbt_site *site, unsigned int n)
{
	const struct vbt_insn *v = &site->vmx;

	if (n == 0 || n > VBT_MAX_CASES || v->field_reg < 0 || v->field_reg == VMXE_RSP)
		return false;
	if (v->rm_is_reg && (v->rm_reg < 0 || v->rm_reg == VMXE_RSP))
		return false;
	return !site->has_displaced || site->displaced.kind == VBT_INSN_JMP ||
	       site->displaced.kind == VBT_INSN_JCC;
}

enum vbt_emit_status vbt_emit_stub(const struct vbt_site *site, const struct vbt_case *cases,
				   unsigned int n, const struct vbt_layout *layout,
				   uint64_t stub_la, uint8_t *buf, size_t cap,
				   struct vbt_stub_info *info)
{
	struct stub s = {.site = site, .layout = layout};
	bool ok = true;

	if (!form_ok(site, n))
		return VBT_EMIT_FORM;
	s.site_next = site->vmx.la + site->vmx.len;
	vbt_asm_init(&s.a, buf, cap, stub_la);
	vbt_asm_push(&s.a, VMXE_RCX);
	for (unsigned int i = 0; i < n; i++)
		dispatch(&s, &cases[i], i);
	vbt_asm_bind(&s.a, LBL_SLOW);
	vbt_asm_pop(&s.a, VMXE_RCX);
	slow_copy(&s, info);
	tail(&s);
	for (unsigned int i = 0; i < n; i++) {
		vbt_asm_bind(&s.a, LBL_TRAMP + i);
		vbt_asm_jmp_label(&s.a, LBL_BODY + i);
	}
	for (unsigned int i = 0; i < n && ok; i++)
		ok = body(&s, &cases[i], i);
	if (!vbt_asm_finish(&s.a) || !ok)
		return s.a.overflow ? VBT_EMIT_SPACE : VBT_EMIT_RANGE;
	info->len = (uint16_t)s.a.len;
	return VBT_EMIT_OK;
}

enum vbt_emit_status vbt_emit_patch(const struct vbt_site *site, uint64_t stub_la,
				    uint8_t patch[VBT_PATCH_MAX])
{
	struct vbt_asm a;

	if (site->patch_len < VBT_JMP_LEN || site->patch_len > VBT_PATCH_MAX)
		return VBT_EMIT_FORM;
	vbt_asm_init(&a, patch, VBT_PATCH_MAX, site->vmx.la);
	vbt_asm_jmp_abs(&a, stub_la);
	memset(patch + VBT_JMP_LEN, VBT_PATCH_FILL, site->patch_len - VBT_JMP_LEN);
	return a.range ? VBT_EMIT_RANGE : VBT_EMIT_OK;
}
