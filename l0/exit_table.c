/*
 * exit_table.c: dispatch of a decoded VM exit through L0's handler table, and the one-line
 * description of an exit for diagnostics. Touches no hardware. SDM Vol. 3C 25.9.1 (exit-reason
 * field: bit 31 marks a VM-entry failure, SDM 27.8, which no ordinary handler may treat as an
 * exit).
 */
#include "l0/exit_table.h"

#include "l0/fmt.h"
#include "l0/util.h"

static const char *const level_names[L0_LEVEL_COUNT] = {
	[L0_LEVEL_L1] = "l1",
	[L0_LEVEL_L2] = "l2",
};

static const char *const action_names[L0_ACTION_COUNT] = {
	[L0_ACTION_RESUME] = "resume",
	[L0_ACTION_SKIP] = "skip",
	[L0_ACTION_REFLECT] = "reflect",
	[L0_ACTION_FATAL] = "fatal",
};

const char *l0_level_name(enum l0_level level)
{
	return (unsigned int)level < ARRAY_SIZE(level_names) ? level_names[level] : NULL;
}

const char *l0_action_name(enum l0_action action)
{
	return (unsigned int)action < ARRAY_SIZE(action_names) ? action_names[action] : NULL;
}

static l0_exit_handler choose(const struct l0_exit_table *t, const struct l0_exit *exit)
{
	l0_exit_handler h = NULL;

	if (exit->basic_reason == vmx_exit_basic(exit->reason) &&
	    !vmx_exit_is_entry_failure(exit->reason) && exit->basic_reason <= VMX_EXIT_REASON_MAX)
		h = t->handlers[exit->basic_reason];
	return h ? h : t->unhandled;
}

enum l0_action l0_exit_dispatch(const struct l0_exit_table *t, void *vcpu,
				const struct l0_exit *exit)
{
	l0_exit_handler h = choose(t, exit);
	enum l0_action action;

	if (!h)
		return L0_ACTION_FATAL;
	action = h(vcpu, exit);
	/* A handler that returns garbage is an L0 bug; never resume on it. */
	if ((unsigned int)action >= L0_ACTION_COUNT)
		return L0_ACTION_FATAL;
	return action;
}

int l0_exit_format(const struct l0_exit *e, char *buf, size_t size)
{
	const char *level = l0_level_name(e->level);
	const char *name = vmxe_exit_reason_name(e->basic_reason);
	int n;

	n = l0_snprintf(buf, size,
			"\"level\":\"%s\",\"reason\":%u,\"name\":\"%s\",\"entry_failure\":%s,"
			"\"reason_field\":\"0x%08x\",\"qual\":\"0x%llx\",\"rip\":\"0x%llx\","
			"\"rsp\":\"0x%llx\",\"rflags\":\"0x%llx\",\"cpl\":%u,\"insn_len\":%u,"
			"\"insn_info\":\"0x%08x\",\"gpa\":\"0x%llx\",\"gla\":\"0x%llx\","
			"\"intr_info\":\"0x%08x\",\"intr_error\":\"0x%x\","
			"\"idt_vec_info\":\"0x%08x\",\"idt_vec_error\":\"0x%x\"",
			level ? level : "?", (unsigned int)e->basic_reason, name ? name : "?",
			vmx_exit_is_entry_failure(e->reason) ? "true" : "false",
			(unsigned int)e->reason, (unsigned long long)e->qualification,
			(unsigned long long)e->guest_rip, (unsigned long long)e->guest_rsp,
			(unsigned long long)e->guest_rflags, (unsigned int)e->cpl,
			(unsigned int)e->insn_len, (unsigned int)e->insn_info,
			(unsigned long long)e->guest_phys, (unsigned long long)e->guest_linear,
			(unsigned int)e->intr_info, (unsigned int)e->intr_error,
			(unsigned int)e->idt_vec_info, (unsigned int)e->idt_vec_error);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return n;
}
