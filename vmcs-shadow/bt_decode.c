/*
 * bt_decode.c: VMREAD/VMWRITE sites and the sweep for more of them (see bt_decode.h), on top of
 * vbt_decode_insn(). Touches no hardware.
 */
#include "vmcs-shadow/bt_decode.h"

#include <string.h>

static bool is_vmx(const struct vbt_insn *in)
{
	return in->kind == VBT_INSN_VMREAD || in->kind == VBT_INSN_VMWRITE;
}

/*
 * A truncated decode and an invalid one look the same to the disassembler; with fewer bytes
 * than the longest instruction, blame the end of the range (the policy then says "crosses the
 * page" rather than "not VMREAD/VMWRITE").
 */
static enum vbt_site_status no_insn(size_t len)
{
	return len < VBT_INSN_MAX ? VBT_SITE_TRUNCATED : VBT_SITE_NOT_VMX;
}

enum vbt_site_status vbt_decode_site(struct vbt_decoder *d, const uint8_t *code, size_t len,
				     uint64_t la, struct vbt_site *site)
{
	memset(site, 0, sizeof(*site));
	if (!vbt_decode_insn(d, code, len, la, &site->vmx))
		return no_insn(len);
	if (!is_vmx(&site->vmx))
		return VBT_SITE_NOT_VMX;
	site->patch_len = site->vmx.len;
	if (site->patch_len >= VBT_JMP_LEN)
		return VBT_SITE_OK;
	/* VMREAD/VMWRITE is at least 3 bytes and any instruction at least 1: one more may not
	 * be enough, but only a relative JMP/Jcc (2 bytes or more) is ever displaced. */
	if (!vbt_decode_insn(d, code + site->vmx.len, len - site->vmx.len, la + site->vmx.len,
			     &site->displaced))
		return no_insn(len - site->vmx.len);
	site->has_displaced = true;
	site->patch_len = (uint8_t)(site->patch_len + site->displaced.len);
	return VBT_SITE_OK;
}

/* What the sweep knows of each GPR: the value of the last MOV of an immediate, if any. */
struct known_regs {
	uint32_t valid;
	uint64_t value[VMXE_GPR_COUNT];
};

static void track(struct known_regs *k, const struct vbt_insn *in)
{
	if (in->kind == VBT_INSN_FLOW || in->kind == VBT_INSN_JMP) {
		k->valid = 0; /* a call clobbers, and what follows a transfer may be a target */
		return;
	}
	k->valid &= ~in->gpr_written;
	if (in->kind == VBT_INSN_MOV_IMM) {
		k->valid |= 1u << in->dst_reg;
		k->value[in->dst_reg] = in->imm;
	}
}

size_t vbt_scan(struct vbt_decoder *d, const uint8_t *code, size_t len, uint64_t la,
		struct vbt_candidate *out, size_t max)
{
	struct known_regs k = {0};
	size_t off = 0, n = 0;
	struct vbt_insn in;

	while (off < len && n < max && vbt_decode_insn(d, code + off, len - off, la + off, &in)) {
		if (is_vmx(&in)) {
			struct vbt_candidate *c = &out[n++];

			c->offset = (uint32_t)off;
			c->is_vmwrite = in.kind == VBT_INSN_VMWRITE;
			c->predicted = in.field_reg >= 0 && (k.valid >> in.field_reg) & 1;
			c->encoding = c->predicted ? k.value[in.field_reg] : 0;
		}
		track(&k, &in);
		off += in.len;
	}
	return n;
}
