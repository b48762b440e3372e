/*
 * bt_policy.c: the fall-back decisions of binary translation (see bt_policy.h). Pure.
 */
#include "vmcs-shadow/bt_policy.h"

#include "vmcs-shadow/vshadow.h"

static const char *const reason_texts[] = {
#define VBT_X(name, text) [VBT_##name] = text,
    VBT_REASON_LIST(VBT_X)
#undef VBT_X
};

const char *vbt_reason_text(enum vbt_reason r)
{
	return (unsigned int)r < VBT_REASON_COUNT ? reason_texts[r] : "unknown reason";
}

enum vbt_reason vbt_check_exit(const struct vbt_exit *x)
{
	if (!x->mode64)
		return VBT_NOT_64BIT;
	if (x->cpl != 0)
		return VBT_CPL;
	/* A user-mode alias of the page could run the stub's JMP at CPL 3, where the instruction
	 * would have given #GP(0) through L0. */
	if (x->user_page)
		return VBT_USER_PAGE;
	if (!x->vmcs_current)
		return VBT_NO_CURRENT_VMCS;
	return VBT_OK;
}

static bool relative_branch(const struct vbt_insn *in)
{
	return (in->kind == VBT_INSN_JCC || in->kind == VBT_INSN_JMP) && !in->odd_prefix;
}

enum vbt_reason vbt_check_site(const struct vbt_exit *x, enum vbt_site_status status,
			       const struct vbt_site *site)
{
	const struct vbt_insn *v = &site->vmx;

	if (status == VBT_SITE_TRUNCATED)
		return VBT_PAGE_CROSS;
	if (status != VBT_SITE_OK ||
	    (v->kind == VBT_INSN_VMWRITE) != x->is_vmwrite) /* L1 changed the code meanwhile */
		return VBT_NOT_VMX;
	if (v->odd_prefix)
		return VBT_PREFIX;
	if (v->field_reg == VMXE_RSP || (v->rm_is_reg && v->rm_reg == VMXE_RSP))
		return VBT_RSP_OPERAND;
	/* The stub keeps its scratch registers there (bt_rewrite.h) */
	if (v->kind == VBT_INSN_VMWRITE && !v->rm_is_reg && v->mem.base == VMXE_RSP &&
	    v->mem.disp < 0)
		return VBT_RSP_OPERAND;
	/* Code branches to the instruction after a VMREAD/VMWRITE only through the status check
	 * that follows it (Linux: "vmread; jna fail" in one asm statement); anything else might be
	 * a branch target inside the patch. */
	if (site->has_displaced && !relative_branch(&site->displaced))
		return VBT_DISPLACED;
	return VBT_OK;
}

/* A shadowed access never exits, so the shadow VMCS may hold a newer value than VMCS12. */
static bool shadowed(const struct vbt_config *cfg, uint32_t encoding)
{
	if (!cfg->vmread_bitmap || !cfg->vmwrite_bitmap)
		return false;
	return !vshadow_exits(cfg->vmread_bitmap, encoding) ||
	       !vshadow_exits(cfg->vmwrite_bitmap, encoding);
}

enum vbt_reason vbt_check_field(bool vmwrite, uint64_t encoding, const struct vbt_config *cfg,
				const struct vmxe_field_desc **field)
{
	uint32_t enc;

	*field = NULL;
	if (vmxe_encoding_from_operand(encoding, &enc) != VMXE_OK)
		return VBT_ENCODING_HIGH;
	*field = vmxe_field_lookup(enc);
	if (!*field)
		return VBT_UNKNOWN_FIELD;
	if (vmwrite && ((*field)->flags & VMCS_F_READ_ONLY) && !cfg->vmwrite_any_field)
		return VBT_READ_ONLY;
	if (shadowed(cfg, enc))
		return VBT_SHADOWED;
	return VBT_OK;
}
