/*
 * bt_asm.h: the few x86-64 instruction forms the VMREAD/VMWRITE stubs are made of, encoded into
 * a buffer that will run at a known L1-linear address, with forward labels for the stub's own
 * branches. Touches no hardware.
 *
 * Encodings follow SDM Vol. 2A 2.1-2.2 (prefix order, REX.W/R/X/B, ModRM and SIB, disp8/disp32,
 * RIP-relative addressing relative to the end of the instruction) and the opcode pages of MOV,
 * MOVZX, LEA, PUSH, POP, CMP, JMP, Jcc and JRCXZ (Vol. 2A/2B chapters 3-4).
 */
#ifndef VBT_ASM_H
#define VBT_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcs-shadow/bt_decode.h"

#define VBT_ASM_LABELS 32
#define VBT_ASM_FIXUPS 64

/* A memory operand as emitted: struct vbt_mem, where base VBT_REG_RIP means the absolute
 * L1-linear address @target (the displacement is computed from where the instruction lands). */
struct vbt_amem {
	struct vbt_mem m;
	uint64_t target;
};

struct vbt_asm_fixup {
	uint16_t pos; /* of the rel8/rel32 field, which ends the instruction */
	uint8_t size; /* 1 or 4 */
	uint8_t label;
};

struct vbt_asm {
	uint8_t *buf;
	size_t cap, len;
	uint64_t la;		       /* L1-linear address of buf[0] */
	bool overflow;		       /* ran out of buffer */
	bool range;		       /* a displacement or branch did not fit its field */
	int32_t label[VBT_ASM_LABELS]; /* position, or -1 while unbound */
	struct vbt_asm_fixup fix[VBT_ASM_FIXUPS];
	unsigned int n_fix;
};

void vbt_asm_init(struct vbt_asm *a, uint8_t *buf, size_t cap, uint64_t la);
/* Resolves the label references; false when a label stayed unbound or anything overflowed. */
bool vbt_asm_finish(struct vbt_asm *a);

void vbt_asm_bind(struct vbt_asm *a, unsigned int label);
void vbt_asm_bytes(struct vbt_asm *a, const uint8_t *p, size_t n);

/* Branches: to a label of this buffer, or to an absolute L1-linear address. */
void vbt_asm_jmp_label(struct vbt_asm *a, unsigned int label);	 /* E9 cd */
void vbt_asm_jrcxz_label(struct vbt_asm *a, unsigned int label); /* E3 cb */
void vbt_asm_jmp_abs(struct vbt_asm *a, uint64_t target);
void vbt_asm_jcc_abs(struct vbt_asm *a, uint8_t cc, uint64_t target);

void vbt_asm_push(struct vbt_asm *a, int reg);
void vbt_asm_pop(struct vbt_asm *a, int reg);
/* POP m64 (8F /0): an RSP base counts from RSP after the pop. */
void vbt_asm_pop_mem(struct vbt_asm *a, const struct vbt_amem *m);

/* LEA disp(base), dst with 64-bit operands: adds without touching RFLAGS. */
void vbt_asm_lea(struct vbt_asm *a, int dst, int base, int32_t disp);

/* MOV of @size bytes (2, 4 or 8) from memory into @reg, zero-extended to 64 bits (MOVZX for 2,
 * a 32-bit MOV for 4), and from @reg's low @size bytes to memory. */
void vbt_asm_load(struct vbt_asm *a, unsigned int size, int reg, const struct vbt_amem *m);
void vbt_asm_store(struct vbt_asm *a, unsigned int size, int reg, const struct vbt_amem *m);

/* CMP byte [target], 0 and MOV byte [target], 1, RIP-relative. */
void vbt_asm_cmpb_zero(struct vbt_asm *a, uint64_t target);
void vbt_asm_movb_one(struct vbt_asm *a, uint64_t target);

/* A memory operand [base + disp], no index, no segment. */
static inline struct vbt_amem vbt_amem_base(int base, int32_t disp)
{
	struct vbt_amem m = {.m = {.base = (int8_t)base,
				   .index = VBT_REG_NONE,
				   .scale = 1,
				   .seg = VBT_SEG_NONE,
				   .disp = disp}};
	return m;
}

/* A RIP-relative memory operand at absolute L1-linear @target. */
static inline struct vbt_amem vbt_amem_abs(uint64_t target)
{
	struct vbt_amem m = vbt_amem_base(VBT_REG_RIP, 0);

	m.target = target;
	return m;
}

#endif
