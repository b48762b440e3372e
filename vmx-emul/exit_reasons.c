/*
 * exit_reasons.c: names of the basic VM-exit reasons (SDM Vol. 3C Appendix C), generated from
 * exit_reasons.def, with the compile-time checks that keep the list and VMX_EXIT_REASON_MAX in
 * step. Touches no hardware.
 */
#include "vmx-emul/exit_reasons.h"

#include <stddef.h>

struct exit_reason_desc {
	const char *name;
	const char *text;
};

/* Indexed by basic reason; unassigned numbers stay {NULL, NULL}. A number listed twice makes
 * two designated initializers for one element, which -Woverride-init (in -Wextra) turns into a
 * build error under -Werror; a number above VMX_EXIT_REASON_MAX does not compile at all. */
static const struct exit_reason_desc exit_reasons[VMX_EXIT_REASON_MAX + 1] = {
#define EXIT_REASON(n, num, t) [num] = { #n, t },
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
};

/* VMX_EXIT_REASON_MAX must be the highest number listed, or tables would be needlessly long. */
_Static_assert(0
#define EXIT_REASON(n, num, t) || (num) == VMX_EXIT_REASON_MAX
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
	       , "VMX_EXIT_REASON_MAX is listed in exit_reasons.def");

_Static_assert(VMX_EXIT_REASON_MAX <= VMX_EXIT_REASON_BASIC_MASK, "basic reasons are 16 bits");

static const struct exit_reason_desc *desc(uint32_t basic_reason)
{
	if (basic_reason > VMX_EXIT_REASON_MAX || exit_reasons[basic_reason].name == NULL)
		return NULL;
	return &exit_reasons[basic_reason];
}

const char *vmxe_exit_reason_name(uint32_t basic_reason)
{
	const struct exit_reason_desc *d = desc(basic_reason);

	return d ? d->name : NULL;
}

const char *vmxe_exit_reason_text(uint32_t basic_reason)
{
	const struct exit_reason_desc *d = desc(basic_reason);

	return d ? d->text : NULL;
}
