/*
 * bt_capstone.c: vbt_decode_insn() over Capstone's x86 detail API (see bt_decode.h); the only
 * file that includes Capstone. Capstone gives the length, the operands and the registers an
 * instruction writes; the legacy prefixes and the opcode bytes are read from the raw bytes
 * because Capstone 4 drops some prefixes it ignores (F3 0F 78 decodes as a plain VMREAD) and
 * the Jcc condition is the opcode's low nibble (SDM Vol. 2A 2.1.1, 2.2.1; Vol. 2D B.1.4.7).
 */
#include "vmcs-shadow/bt_decode.h"

#include <string.h>

#include <capstone/capstone.h>

#define OPC_TWO_BYTE 0x0f
#define OPC_VMREAD   0x78
#define OPC_VMWRITE  0x79
#define OPC_JCC8_LO  0x70 /* 70+cc cb */
#define OPC_JCC8_HI  0x7f
#define OPC_JCC32_LO 0x80 /* 0F 80+cc cd */
#define OPC_JCC32_HI 0x8f
#define OPC_JMP8     0xeb
#define OPC_JMP32    0xe9
#define OPC_CC_MASK  0x0f
#define REX_LO	     0x40
#define REX_HI	     0x4f
#define PFX_CS	     0x2e /* on a Jcc: branch not taken hint */
#define PFX_DS	     0x3e /* on a Jcc: branch taken hint */
#define PFX_FS	     0x64
#define PFX_GS	     0x65

/* Legacy prefixes (SDM Vol. 2A 2.1.1). */
static bool is_legacy_prefix(uint8_t b)
{
	static const uint8_t prefixes[] = {0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
					   0x26, 0x64, 0x65, 0x66, 0x67};

	return memchr(prefixes, b, sizeof(prefixes)) != NULL;
}

/* Every name of each GPR (64, 32, 16, 8 bits and the legacy high bytes); X86_REG_INVALID pads. */
#define GPR_NAMES 5
static const x86_reg gpr_names[VMXE_GPR_COUNT][GPR_NAMES] = {
    [VMXE_RAX] = {X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH},
    [VMXE_RCX] = {X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH},
    [VMXE_RDX] = {X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH},
    [VMXE_RBX] = {X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH},
    [VMXE_RSP] = {X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL},
    [VMXE_RBP] = {X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL},
    [VMXE_RSI] = {X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL},
    [VMXE_RDI] = {X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL},
    [VMXE_R8] = {X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B},
    [VMXE_R9] = {X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B},
    [VMXE_R10] = {X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B},
    [VMXE_R11] = {X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B},
    [VMXE_R12] = {X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B},
    [VMXE_R13] = {X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B},
    [VMXE_R14] = {X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B},
    [VMXE_R15] = {X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B},
};

/* The GPR (any of its names), VBT_REG_RIP, or VBT_REG_NONE. */
static int8_t gpr_of(unsigned int reg)
{
	if (reg == X86_REG_RIP)
		return VBT_REG_RIP;
	for (int8_t g = 0; g < VMXE_GPR_COUNT && reg != X86_REG_INVALID; g++)
		for (int k = 0; k < GPR_NAMES; k++)
			if ((unsigned int)gpr_names[g][k] == reg)
				return g;
	return VBT_REG_NONE;
}

bool vbt_decoder_open(struct vbt_decoder *d)
{
	csh h;

	d->handle = 0;
	d->insn = NULL;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return false;
	if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&h);
		return false;
	}
	d->handle = (uintptr_t)h;
	d->insn = cs_malloc(h);
	if (!d->insn) {
		vbt_decoder_close(d);
		return false;
	}
	return true;
}

void vbt_decoder_close(struct vbt_decoder *d)
{
	csh h = (csh)d->handle;

	if (d->insn)
		cs_free(d->insn, 1);
	if (h)
		cs_close(&h);
	d->handle = 0;
	d->insn = NULL;
}

static bool in_group(const cs_insn *ci, uint8_t group)
{
	for (uint8_t g = 0; g < ci->detail->groups_count; g++)
		if (ci->detail->groups[g] == group)
			return true;
	return false;
}

static uint32_t written_gprs(csh h, const cs_insn *ci)
{
	cs_regs rd, wr;
	uint8_t n_rd, n_wr;
	uint32_t mask = 0;

	if (cs_regs_access(h, ci, rd, &n_rd, wr, &n_wr) != CS_ERR_OK)
		return UINT32_MAX; /* unknown: as if it wrote every register */
	for (uint8_t i = 0; i < n_wr; i++) {
		int8_t g = gpr_of(wr[i]);

		if (g >= 0 && g < VMXE_GPR_COUNT)
			mask |= 1u << g;
	}
	return mask;
}

static void fill_mem(const cs_x86_op *op, struct vbt_mem *m)
{
	m->base = gpr_of(op->mem.base);
	m->index = gpr_of(op->mem.index);
	m->scale = (uint8_t)op->mem.scale;
	m->disp = (int32_t)op->mem.disp;
	m->seg = op->mem.segment == X86_REG_FS	 ? VBT_SEG_FS
		 : op->mem.segment == X86_REG_GS ? VBT_SEG_GS
						 : VBT_SEG_NONE;
}

/* VMREAD r/m64, r64 and VMWRITE r64, r/m64 in Capstone's (Intel) operand order. */
static void fill_vmx(const cs_x86 *x, bool vmwrite, struct vbt_insn *out)
{
	const cs_x86_op *rm = &x->operands[vmwrite ? 1 : 0];
	const cs_x86_op *reg = &x->operands[vmwrite ? 0 : 1];

	out->kind = vmwrite ? VBT_INSN_VMWRITE : VBT_INSN_VMREAD;
	out->field_reg = gpr_of(reg->reg);
	out->rm_is_reg = rm->type == X86_OP_REG;
	if (out->rm_is_reg)
		out->rm_reg = gpr_of(rm->reg);
	else
		fill_mem(rm, &out->mem);
}

/* MOV r32, imm32 zero-extends; MOV r/m64, imm32 sign-extends; MOVABS r64, imm64. */
static bool fill_mov_imm(const cs_insn *ci, struct vbt_insn *out)
{
	const cs_x86 *x = &ci->detail->x86;
	int8_t g;

	if ((ci->id != X86_INS_MOV && ci->id != X86_INS_MOVABS) || x->op_count != 2 ||
	    x->operands[0].type != X86_OP_REG || x->operands[1].type != X86_OP_IMM)
		return false;
	g = gpr_of(x->operands[0].reg);
	if (g < 0 || g >= VMXE_GPR_COUNT || x->operands[0].size < 4)
		return false;
	out->kind = VBT_INSN_MOV_IMM;
	out->dst_reg = g;
	out->imm =
	    x->operands[0].size == 4 ? (uint32_t)x->operands[1].imm : (uint64_t)x->operands[1].imm;
	return true;
}

/* Kind and opcode-level facts from the bytes after the prefixes; Capstone's view for the rest. */
static void classify(const cs_insn *ci, struct vbt_insn *out, unsigned int n_pfx, bool rex)
{
	const uint8_t *op = out->bytes + n_pfx + (rex ? 1 : 0);
	size_t left = out->len - n_pfx - (rex ? 1 : 0);

	if (left >= 2 && op[0] == OPC_TWO_BYTE && (op[1] == OPC_VMREAD || op[1] == OPC_VMWRITE) &&
	    (ci->id == X86_INS_VMREAD || ci->id == X86_INS_VMWRITE)) {
		out->modrm_off = (uint8_t)(n_pfx + (rex ? 1 : 0) + 2);
		fill_vmx(&ci->detail->x86, op[1] == OPC_VMWRITE, out);
	} else if (!rex && op[0] >= OPC_JCC8_LO && op[0] <= OPC_JCC8_HI) {
		out->kind = VBT_INSN_JCC;
		out->cc = op[0] & OPC_CC_MASK;
	} else if (!rex && left >= 2 && op[0] == OPC_TWO_BYTE && op[1] >= OPC_JCC32_LO &&
		   op[1] <= OPC_JCC32_HI) {
		out->kind = VBT_INSN_JCC;
		out->cc = op[1] & OPC_CC_MASK;
	} else if (!rex && (op[0] == OPC_JMP8 || op[0] == OPC_JMP32)) {
		out->kind = VBT_INSN_JMP;
	} else if (in_group(ci, X86_GRP_JUMP) || in_group(ci, X86_GRP_CALL) ||
		   in_group(ci, X86_GRP_RET) || in_group(ci, X86_GRP_INT) ||
		   in_group(ci, X86_GRP_IRET) || in_group(ci, X86_GRP_BRANCH_RELATIVE)) {
		out->kind = VBT_INSN_FLOW;
	} else if (!fill_mov_imm(ci, out)) {
		out->kind = VBT_INSN_OTHER;
	}
	if (out->kind == VBT_INSN_JCC || out->kind == VBT_INSN_JMP)
		out->target = (uint64_t)ci->detail->x86.operands[0].imm;
}

/* Prefixes the kind tolerates: one FS/GS override on VMREAD/VMWRITE, one hint on a Jcc, none
 * on a JMP. Other kinds are never patched or displaced, so their prefixes are not judged. */
static bool prefix_ok(const struct vbt_insn *in, uint8_t b, unsigned int seen)
{
	if (in->kind == VBT_INSN_VMREAD || in->kind == VBT_INSN_VMWRITE)
		return seen == 0 && (b == PFX_FS || b == PFX_GS);
	if (in->kind == VBT_INSN_JCC)
		return seen == 0 && (b == PFX_CS || b == PFX_DS);
	return in->kind != VBT_INSN_JMP;
}

bool vbt_decode_insn(struct vbt_decoder *d, const uint8_t *bytes, size_t len, uint64_t la,
		     struct vbt_insn *out)
{
	cs_insn *ci = d->insn;
	const uint8_t *p = bytes;
	size_t left = len < VBT_INSN_MAX ? len : VBT_INSN_MAX;
	uint64_t addr = la;
	unsigned int n_pfx = 0;

	memset(out, 0, sizeof(*out));
	if (!ci || !cs_disasm_iter((csh)d->handle, &p, &left, &addr, ci))
		return false;
	out->la = la;
	out->len = (uint8_t)ci->size;
	memcpy(out->bytes, bytes, ci->size);
	out->field_reg = out->rm_reg = out->dst_reg = VBT_REG_NONE;
	out->mem.base = out->mem.index = VBT_REG_NONE;
	while (n_pfx < out->len && is_legacy_prefix(out->bytes[n_pfx]))
		n_pfx++;
	classify(ci, out, n_pfx,
		 n_pfx < out->len && out->bytes[n_pfx] >= REX_LO && out->bytes[n_pfx] <= REX_HI);
	for (unsigned int i = 0; i < n_pfx; i++)
		if (!prefix_ok(out, out->bytes[i], i))
			out->odd_prefix = true;
	out->gpr_written = written_gprs((csh)d->handle, ci);
	return true;
}
