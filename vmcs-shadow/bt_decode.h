/*
 * bt_decode.h: decoding of L1's code for the binary translation of VMREAD/VMWRITE (bt=on): one
 * x86-64 instruction into a plain struct, a VMREAD/VMWRITE site with the instruction a patch
 * would displace, and a sweep of a code range for further sites with the field encoding each is
 * likely to use. Touches no hardware; reads only the bytes it is given.
 *
 * Opcodes: VMREAD is NP 0F 78 /r (VMREAD r/m64, r64: ModRM.reg holds the encoding, r/m the
 * destination), VMWRITE is NP 0F 79 /r (VMWRITE r64, r/m64: ModRM.reg the encoding, r/m the
 * source), SDM Vol. 3C 31.3; with 66 or F2 in front the same bytes are other instructions, hence
 * the prefix rules. Operands are 64 bits in 64-bit mode, where REX.W is ignored; instruction
 * formats follow SDM Vol. 2A 2.1-2.2 (prefixes, REX, ModRM, SIB, RIP-relative addressing).
 *
 * One function, vbt_decode_insn(), is the seam to the disassembler: bt_capstone.c implements it
 * with Capstone's x86 detail API and is the only file that includes Capstone's headers.
 */
#ifndef VBT_DECODE_H
#define VBT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx-emul/operand.h"

#define VBT_INSN_MAX 15 /* longest x86 instruction (SDM Vol. 2A 2.3.11) */

/* Register numbers are enum vmxe_gpr; these two mark the other cases. */
#define VBT_REG_NONE (-1)
#define VBT_REG_RIP  16

enum vbt_kind {
	VBT_INSN_VMREAD,
	VBT_INSN_VMWRITE,
	VBT_INSN_JCC,	  /* Jcc rel8/rel32 */
	VBT_INSN_JMP,	  /* JMP rel8/rel32 */
	VBT_INSN_MOV_IMM, /* MOV of an immediate into a whole 32- or 64-bit GPR */
	VBT_INSN_FLOW,	  /* any other transfer: CALL, RET, indirect JMP, JRCXZ, LOOP, INT, ... */
	VBT_INSN_OTHER,
};

/* Segment override of a memory operand: only FS and GS have a base in 64-bit mode. */
enum vbt_seg {
	VBT_SEG_NONE,
	VBT_SEG_FS,
	VBT_SEG_GS,
};

/* A memory operand: [base + index * scale + disp], or [RIP + disp] with base VBT_REG_RIP. */
struct vbt_mem {
	int8_t base;   /* enum vmxe_gpr, VBT_REG_RIP or VBT_REG_NONE */
	int8_t index;  /* enum vmxe_gpr or VBT_REG_NONE (RSP is never an index) */
	uint8_t scale; /* 1, 2, 4, 8 */
	uint8_t seg;   /* enum vbt_seg */
	int32_t disp;
};

struct vbt_insn {
	uint64_t la; /* L1-linear address of the first byte */
	uint8_t len;
	uint8_t bytes[VBT_INSN_MAX];
	enum vbt_kind kind;
	/* Legacy prefixes other than one FS/GS override, or 0x2E/0x3E branch hints on a Jcc: 66,
	 * 67, F0, F2, F3, two segment overrides... Forms whose meaning such a prefix may change. */
	bool odd_prefix;
	uint8_t modrm_off; /* VMREAD/VMWRITE: offset of the ModRM byte in bytes[] */
	/* VMREAD/VMWRITE */
	int8_t field_reg; /* the GPR that holds the field encoding (ModRM.reg) */
	bool rm_is_reg;
	int8_t rm_reg;	    /* the r/m operand when it is a register */
	struct vbt_mem mem; /* the r/m operand when it is memory */
	/* JCC (cc: the condition, low nibble of the opcode), JMP */
	uint8_t cc;
	uint64_t target;
	/* MOV_IMM: dst_reg := imm, zero- or sign-extended to 64 bits as the CPU does */
	int8_t dst_reg;
	uint64_t imm;
	uint32_t gpr_written; /* bit r: the instruction writes GPR r (any part of it) */
};

/* The disassembler (bt_capstone.c). Opaque to everyone else; the caller owns the storage. */
struct vbt_decoder {
	uintptr_t handle;
	void *insn;
};

bool vbt_decoder_open(struct vbt_decoder *d);
void vbt_decoder_close(struct vbt_decoder *d);

/*
 * Decodes the 64-bit-mode instruction at @bytes (@len bytes available, the first at L1-linear
 * @la). True and @out filled, or false when the bytes are no valid instruction or it would run
 * past @len.
 */
bool vbt_decode_insn(struct vbt_decoder *d, const uint8_t *bytes, size_t len, uint64_t la,
		     struct vbt_insn *out);

/* Bytes a patch takes at the site: a JMP rel32 (E9 cd). */
#define VBT_JMP_LEN 5

enum vbt_site_status {
	VBT_SITE_OK,
	VBT_SITE_NOT_VMX,   /* the bytes are no VMREAD/VMWRITE */
	VBT_SITE_TRUNCATED, /* the instruction, or the one displaced, runs past the bytes given */
};

/*
 * A VMREAD/VMWRITE and, when it is shorter than the patch, the next instruction, which the patch
 * overwrites and the stub must execute instead (only a relative JMP/Jcc qualifies: bt_policy.h).
 */
struct vbt_site {
	struct vbt_insn vmx;
	bool has_displaced;
	struct vbt_insn displaced;
	uint8_t patch_len; /* vmx.len, plus displaced.len when there is one */
};

/* Decodes the site at @code (@len bytes, up to the end of the code page) at L1-linear @la. */
enum vbt_site_status vbt_decode_site(struct vbt_decoder *d, const uint8_t *code, size_t len,
				     uint64_t la, struct vbt_site *site);

/* A site the sweep found, with the encoding its field register was last loaded with. */
struct vbt_candidate {
	uint32_t offset; /* from the start of the range swept */
	bool is_vmwrite;
	bool predicted;
	uint64_t encoding; /* when predicted */
};

/*
 * Sweeps @code (@len bytes at L1-linear @la, which must be an instruction boundary) instruction
 * by instruction, stopping at the first bytes that do not decode, and reports up to @max
 * VMREAD/VMWRITE sites. The encoding is predicted from the last MOV of an immediate into the
 * field register, if no instruction wrote that register since and no CALL, RET, JMP or other
 * transfer (after which the next instruction may be reached with other register values) came
 * between. A prediction is a guess: the stub checks it on every execution. Returns the number.
 */
size_t vbt_scan(struct vbt_decoder *d, const uint8_t *code, size_t len, uint64_t la,
		struct vbt_candidate *out, size_t max);

#endif
