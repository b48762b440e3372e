/*
 * vmx_errors.c: names and descriptions of the VM-instruction error numbers (SDM Vol. 3C 31.4,
 * Table 31-1), generated from the list in vmx_errors.h, for the trace and for L0's diagnostics
 * when one of its own VMX instructions fails. Touches no hardware.
 */
#include "vmx-emul/vmx_errors.h"

#include <stddef.h>

struct insn_error_desc {
	const char *name;
	const char *text;
};

/* Indexed by error number; reserved numbers stay {NULL, NULL}. */
static const struct insn_error_desc insn_errors[VMXE_INSN_ERROR_MAX + 1] = {
#define VMXE_X(n, num, t) [num] = { #n, t },
	VMXE_INSN_ERROR_LIST(VMXE_X)
#undef VMXE_X
};

/* A number in the list above VMXE_INSN_ERROR_MAX would index past the table. */
#define VMXE_X(n, num, t) _Static_assert((num) > 0 && (num) <= VMXE_INSN_ERROR_MAX, #n " in range");
VMXE_INSN_ERROR_LIST(VMXE_X)
#undef VMXE_X

static const struct insn_error_desc *insn_error_desc(enum vmxe_insn_error err)
{
	if ((int)err <= 0 || (int)err > VMXE_INSN_ERROR_MAX || insn_errors[err].name == NULL)
		return NULL;
	return &insn_errors[err];
}

bool vmxe_insn_error_is_sdm(enum vmxe_insn_error err)
{
	return insn_error_desc(err) != NULL;
}

const char *vmxe_insn_error_text(enum vmxe_insn_error err)
{
	const struct insn_error_desc *d;

	if (err == VMXE_OK)
		return "VMsucceed";
	if (err == VMXE_FAIL_INVALID)
		return "VMfailInvalid";
	d = insn_error_desc(err);
	return d ? d->text : NULL;
}

const char *vmxe_insn_error_name(enum vmxe_insn_error err)
{
	const struct insn_error_desc *d;

	if (err == VMXE_OK)
		return "OK";
	if (err == VMXE_FAIL_INVALID)
		return "FAIL_INVALID";
	d = insn_error_desc(err);
	return d ? d->name : NULL;
}
