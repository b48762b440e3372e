/*
 * bt_asm.c: the x86-64 encoder of the stubs (see bt_asm.h). Touches no hardware.
 */
#include "vmcs-shadow/bt_asm.h"

#include <string.h>

#define REX_BASE    0x40
#define REX_W	    0x08
#define REX_R	    0x04
#define REX_X	    0x02
#define REX_B	    0x01
#define PFX_OPSIZE  0x66
#define PFX_FS	    0x64
#define PFX_GS	    0x65
#define REG_LOW	    7 /* ModRM/SIB hold the low 3 bits; REX the fourth */
#define REG_HIGH    8
#define MOD_DISP0   0x00
#define MOD_DISP8   0x40
#define MOD_DISP32  0x80
#define RM_SIB	    4 /* rm = 100: a SIB byte follows */
#define RM_RIP	    5 /* mod 00, rm = 101: RIP-relative disp32 */
#define SIB_NOINDEX 4 /* index = 100: none */
#define SIB_NOBASE  5 /* mod 00, base = 101: disp32, no base */
#define OPC_PUSH    0x50
#define OPC_POP	    0x58
#define OPC_MOV_LD  0x8b
#define OPC_MOV_ST  0x89
#define OPC_LEA	    0x8d
#define OPC_MOVZX16 0xb7 /* 0F B7 */
#define OPC_POP_RM  0x8f /* 8F /0 */
#define OPC_TWO	    0x0f
#define OPC_GRP1_8  0x80 /* 80 /7 ib: CMP r/m8, imm8 */
#define EXT_CMP	    7
#define OPC_MOV8_I  0xc6 /* C6 /0 ib: MOV r/m8, imm8 */
#define OPC_JMP32   0xe9
#define OPC_JRCXZ   0xe3
#define OPC_JCC32   0x80 /* 0F 80+cc cd */

void vbt_asm_init(struct vbt_asm *a, uint8_t *buf, size_t cap, uint64_t la)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
	a->la = la;
	for (unsigned int i = 0; i < VBT_ASM_LABELS; i++)
		a->label[i] = -1;
}

static void byte(struct vbt_asm *a, uint8_t b)
{
	if (a->len >= a->cap) {
		a->overflow = true;
		return;
	}
	a->buf[a->len++] = b;
}

static void le32(struct vbt_asm *a, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		byte(a, (uint8_t)(v >> (8 * i)));
}

void vbt_asm_bytes(struct vbt_asm *a, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		byte(a, p[i]);
}

void vbt_asm_bind(struct vbt_asm *a, unsigned int label)
{
	a->label[label] = (int32_t)a->len;
}

/* @target relative to the end of an instruction that ends @tail bytes after this point. */
static uint32_t rel32_to(struct vbt_asm *a, uint64_t target, unsigned int tail)
{
	int64_t rel = (int64_t)(target - (a->la + a->len + tail));

	if (rel != (int32_t)rel)
		a->range = true;
	return (uint32_t)rel;
}

static void ref_label(struct vbt_asm *a, unsigned int label, uint8_t size)
{
	if (a->n_fix >= VBT_ASM_FIXUPS) {
		a->overflow = true;
		return;
	}
	a->fix[a->n_fix++] = (struct vbt_asm_fixup){(uint16_t)a->len, size, (uint8_t)label};
	for (uint8_t i = 0; i < size; i++)
		byte(a, 0);
}

bool vbt_asm_finish(struct vbt_asm *a)
{
	for (unsigned int i = 0; i < a->n_fix && !a->overflow; i++) {
		const struct vbt_asm_fixup *f = &a->fix[i];
		int64_t rel = (int64_t)a->label[f->label] - (f->pos + f->size);

		if (a->label[f->label] < 0 || (f->size == 1 && rel != (int8_t)rel)) {
			a->range = true;
			continue;
		}
		for (uint8_t k = 0; k < f->size; k++)
			a->buf[f->pos + k] = (uint8_t)((uint64_t)rel >> (8 * k));
	}
	return !a->overflow && !a->range;
}

void vbt_asm_jmp_label(struct vbt_asm *a, unsigned int label)
{
	byte(a, OPC_JMP32);
	ref_label(a, label, 4);
}

void vbt_asm_jrcxz_label(struct vbt_asm *a, unsigned int label)
{
	byte(a, OPC_JRCXZ);
	ref_label(a, label, 1);
}

void vbt_asm_jmp_abs(struct vbt_asm *a, uint64_t target)
{
	byte(a, OPC_JMP32);
	le32(a, rel32_to(a, target, 4));
}

void vbt_asm_jcc_abs(struct vbt_asm *a, uint8_t cc, uint64_t target)
{
	byte(a, OPC_TWO);
	byte(a, (uint8_t)(OPC_JCC32 | cc));
	le32(a, rel32_to(a, target, 4));
}

static void rex_b_only(struct vbt_asm *a, int reg)
{
	if (reg & REG_HIGH)
		byte(a, REX_BASE | REX_B);
}

void vbt_asm_push(struct vbt_asm *a, int reg)
{
	rex_b_only(a, reg);
	byte(a, (uint8_t)(OPC_PUSH | (reg & REG_LOW)));
}

void vbt_asm_pop(struct vbt_asm *a, int reg)
{
	rex_b_only(a, reg);
	byte(a, (uint8_t)(OPC_POP | (reg & REG_LOW)));
}

static uint8_t scale_bits(uint8_t scale)
{
	return scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
}

/* ModRM, SIB and displacement for @reg and @m; @tail bytes (an immediate) follow them. */
static void modrm_mem(struct vbt_asm *a, int reg, const struct vbt_amem *am, unsigned int tail)
{
	const struct vbt_mem *m = &am->m;
	uint8_t r = (uint8_t)((reg & REG_LOW) << 3);
	int32_t disp = m->disp;
	uint8_t mod;

	if (m->base == VBT_REG_RIP) {
		byte(a, (uint8_t)(MOD_DISP0 | r | RM_RIP));
		le32(a, rel32_to(a, am->target, 4 + tail));
		return;
	}
	if (m->base == VBT_REG_NONE) { /* [index * scale + disp32] or [disp32] */
		uint8_t idx =
		    m->index == VBT_REG_NONE ? SIB_NOINDEX : (uint8_t)(m->index & REG_LOW);

		byte(a, (uint8_t)(MOD_DISP0 | r | RM_SIB));
		byte(a, (uint8_t)(scale_bits(m->scale) << 6 | idx << 3 | SIB_NOBASE));
		le32(a, (uint32_t)disp);
		return;
	}
	/* [RBP]/[R13] have no disp0 form: mod 00 with base 101 means "no base" */
	if (disp == 0 && (m->base & REG_LOW) != SIB_NOBASE)
		mod = MOD_DISP0;
	else if (disp == (int8_t)disp)
		mod = MOD_DISP8;
	else
		mod = MOD_DISP32;
	if (m->index != VBT_REG_NONE || (m->base & REG_LOW) == RM_SIB) {
		uint8_t idx =
		    m->index == VBT_REG_NONE ? SIB_NOINDEX : (uint8_t)(m->index & REG_LOW);

		byte(a, (uint8_t)(mod | r | RM_SIB));
		byte(a, (uint8_t)(scale_bits(m->scale) << 6 | idx << 3 | (m->base & REG_LOW)));
	} else {
		byte(a, (uint8_t)(mod | r | (m->base & REG_LOW)));
	}
	if (mod == MOD_DISP8)
		byte(a, (uint8_t)disp);
	else if (mod == MOD_DISP32)
		le32(a, (uint32_t)disp);
}

/* Segment override, operand-size prefix, REX, opcode, ModRM... (SDM Vol. 2A 2.1, 2.2.1). */
static void insn_mem(struct vbt_asm *a, bool opsize16, bool w, const uint8_t *opc, size_t n_opc,
		     int reg, const struct vbt_amem *m, unsigned int tail)
{
	uint8_t rex = REX_BASE;

	if (m->m.seg == VBT_SEG_FS || m->m.seg == VBT_SEG_GS)
		byte(a, m->m.seg == VBT_SEG_FS ? PFX_FS : PFX_GS);
	if (opsize16)
		byte(a, PFX_OPSIZE);
	rex |= w ? REX_W : 0;
	rex |= (reg & REG_HIGH) ? REX_R : 0;
	rex |= (m->m.index >= 0 && (m->m.index & REG_HIGH)) ? REX_X : 0;
	rex |= (m->m.base >= 0 && m->m.base != VBT_REG_RIP && (m->m.base & REG_HIGH)) ? REX_B : 0;
	if (rex != REX_BASE)
		byte(a, rex);
	vbt_asm_bytes(a, opc, n_opc);
	modrm_mem(a, reg, m, tail);
}

void vbt_asm_lea(struct vbt_asm *a, int dst, int base, int32_t disp)
{
	static const uint8_t opc[] = {OPC_LEA};
	struct vbt_amem m = vbt_amem_base(base, disp);

	insn_mem(a, false, true, opc, sizeof(opc), dst, &m, 0);
}

void vbt_asm_load(struct vbt_asm *a, unsigned int size, int reg, const struct vbt_amem *m)
{
	static const uint8_t mov[] = {OPC_MOV_LD};
	static const uint8_t movzx[] = {OPC_TWO, OPC_MOVZX16};

	if (size == 2)
		insn_mem(a, false, false, movzx, sizeof(movzx), reg, m, 0);
	else
		insn_mem(a, false, size == 8, mov, sizeof(mov), reg, m, 0);
}

void vbt_asm_store(struct vbt_asm *a, unsigned int size, int reg, const struct vbt_amem *m)
{
	static const uint8_t mov[] = {OPC_MOV_ST};

	insn_mem(a, size == 2, size == 8, mov, sizeof(mov), reg, m, 0);
}

void vbt_asm_pop_mem(struct vbt_asm *a, const struct vbt_amem *m)
{
	static const uint8_t opc[] = {OPC_POP_RM};

	insn_mem(a, false, false, opc, sizeof(opc), 0, m, 0);
}

void vbt_asm_cmpb_zero(struct vbt_asm *a, uint64_t target)
{
	static const uint8_t opc[] = {OPC_GRP1_8};
	struct vbt_amem m = vbt_amem_abs(target);

	insn_mem(a, false, false, opc, sizeof(opc), EXT_CMP, &m, 1);
	byte(a, 0);
}

void vbt_asm_movb_one(struct vbt_asm *a, uint64_t target)
{
	static const uint8_t opc[] = {OPC_MOV8_I};
	struct vbt_amem m = vbt_amem_abs(target);

	insn_mem(a, false, false, opc, sizeof(opc), 0, &m, 1);
	byte(a, 1);
}
