/*
 * vmx_report.c: reads the VMX capability MSRs (SDM Vol. 3C Appendix A) and prints them: raw, as
 * one JSON record for the harness, and decoded into named bits (vmx-emul/vmx_caps.h) as
 * human-readable lines. Touches hardware: CPUID and RDMSR.
 */
#include "l0/vmx_report.h"

#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/fmt.h"
#include "l0/util.h"
#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmx_caps.h"

#define CPUID_1_ECX_VMX (1u << 5)
#define MSR_IA32_FEATURE_CONTROL 0x3A
#define REPORT_LINE 160
#define RECORD_MAX 900

/*
 * Which capability MSRs exist on this CPU (SDM Appendix A): reading one that does not raises
 * #GP. BASIC..VMCS_ENUM always exist; the others depend on bits of those read before them, and
 * the table lists them in an order where that holds.
 */
static bool cap_msr_exists(uint32_t index, const uint64_t *value_of)
{
	_Static_assert(VMXE_VCAPS_FIRST_MSR == VMXE_MSR_BASIC, "one indexing of the MSRs");
	uint64_t basic = value_of[VMXE_MSR_BASIC - VMXE_MSR_BASIC];
	uint32_t proc1 = vmxe_ctl_allowed1(value_of[VMXE_MSR_PROCBASED_CTLS - VMXE_MSR_BASIC]);
	uint32_t proc2 = 0, exit1 = vmxe_ctl_allowed1(value_of[VMXE_MSR_EXIT_CTLS - VMXE_MSR_BASIC]);

	if (proc1 & VMX_MASK(VMX_PROC_SECONDARY_CONTROLS))
		proc2 = vmxe_ctl_allowed1(value_of[VMXE_MSR_PROCBASED_CTLS2 - VMXE_MSR_BASIC]);

	switch (index) {
	case VMXE_MSR_PROCBASED_CTLS2:
		return proc1 & VMX_MASK(VMX_PROC_SECONDARY_CONTROLS);
	case VMXE_MSR_EPT_VPID_CAP:
		return proc2 & (VMX_MASK(VMX_PROC2_ENABLE_EPT) | VMX_MASK(VMX_PROC2_ENABLE_VPID));
	case VMXE_MSR_TRUE_PINBASED_CTLS:
	case VMXE_MSR_TRUE_PROCBASED_CTLS:
	case VMXE_MSR_TRUE_EXIT_CTLS:
	case VMXE_MSR_TRUE_ENTRY_CTLS:
		return VMX_GET(VMX_BASIC_TRUE_CTLS, basic);
	case VMXE_MSR_VMFUNC:
		return proc2 & VMX_MASK(VMX_PROC2_ENABLE_VMFUNC);
	case VMXE_MSR_PROCBASED_CTLS3:
		return proc1 & VMX_MASK(VMX_PROC_TERTIARY_CONTROLS);
	case VMXE_MSR_EXIT_CTLS2:
		return exit1 & VMX_MASK(VMX_EXIT_SECONDARY_CONTROLS);
	default:
		return index >= VMXE_MSR_BASIC && index <= VMXE_MSR_VMCS_ENUM;
	}
}

/* Collects decoded items of one MSR into lines "  NAME: state NAME ..." of bounded length. */
struct line_builder {
	char line[REPORT_LINE];
	size_t used;
	const char *msr_name;
};

static void flush(struct line_builder *b)
{
	if (b->used)
		l0_log("  %s:%s", b->msr_name, b->line);
	b->used = 0;
	b->line[0] = '\0';
}

static const char *state_word(const struct vmxe_cap_item *it, char *buf, size_t size)
{
	static const char *const words[] = {
		[VMXE_BIT_NOT_ALLOWED] = NULL, [VMXE_BIT_MAY_BE_1] = "",
		[VMXE_BIT_MUST_BE_1] = "=1",   [VMXE_BIT_MAY_BE_0] = NULL,
		[VMXE_BIT_CONFLICT] = "=!",    [VMXE_BIT_ABSENT] = NULL,
		[VMXE_BIT_PRESENT] = "",
	};

	if (it->state == VMXE_BIT_VALUE) {
		l0_snprintf(buf, size, "=0x%llx", (unsigned long long)it->value);
		return buf;
	}
	return it->state < ARRAY_SIZE(words) ? words[it->state] : "=?";
}

/* Prints the bits a CPU offers: "may be 1" plain, "must be 1" as NAME=1, fields as NAME=value. */
static void visit(void *ctx, const struct vmxe_cap_item *it)
{
	struct line_builder *b = ctx;
	char value[24], word[64];
	const char *state = state_word(it, value, sizeof(value));
	int n;

	if (!state)
		return;
	if (it->text && strcmp(it->name, "RESERVED") == 0)
		n = l0_snprintf(word, sizeof(word), " bit%u%s", it->lsb, state);
	else
		n = l0_snprintf(word, sizeof(word), " %s%s", it->name, state);
	if (b->used + (size_t)n + 1 > sizeof(b->line))
		flush(b);
	b->used += (size_t)l0_snprintf(b->line + b->used, sizeof(b->line) - b->used, "%s", word);
}

void l0_vmx_read_caps(struct vmxe_vcaps *hw)
{
	memset(hw, 0, sizeof(*hw));
	for (size_t i = 0; i < vmxe_cap_msr_count(); i++) {
		const struct vmxe_cap_msr *m = vmxe_cap_msr_at(i);
		size_t slot = m->index - VMXE_VCAPS_FIRST_MSR;

		if (!cap_msr_exists(m->index, hw->msr))
			continue;
		hw->msr[slot] = l0_rdmsr(m->index);
		hw->present[slot] = true;
	}
}

void l0_vmx_report(void)
{
	struct vmxe_vcaps hw;
	char record[RECORD_MAX];
	size_t used = 0;

	if (!(l0_cpuid(1, 0).ecx & CPUID_1_ECX_VMX)) {
		l0_log("VMX: not present (CPUID.1:ECX.VMX = 0)");
		l0_record("vmx", "\"present\":false");
		return;
	}
	uint64_t feature_control = l0_rdmsr(MSR_IA32_FEATURE_CONTROL);

	l0_log("VMX: present; IA32_FEATURE_CONTROL 0x%llx", (unsigned long long)feature_control);
	l0_vmx_read_caps(&hw);
	for (size_t i = 0; i < vmxe_cap_msr_count(); i++) {
		const struct vmxe_cap_msr *m = vmxe_cap_msr_at(i);
		uint64_t v = hw.msr[m->index - VMXE_VCAPS_FIRST_MSR];

		if (!hw.present[m->index - VMXE_VCAPS_FIRST_MSR])
			continue;
		used += (size_t)l0_snprintf(record + used, sizeof(record) - used,
					    ",\"%s\":\"0x%llx\"", m->name, (unsigned long long)v);

		struct line_builder b = { .msr_name = m->name };

		l0_log("%s = 0x%016llx", m->name, (unsigned long long)v);
		vmxe_cap_decode(m->index, v, visit, &b);
		flush(&b);
	}
	l0_log("VMCS revision id 0x%llx",
	       (unsigned long long)VMX_GET(VMX_BASIC_REVISION_ID, hw.msr[0]));
	l0_record("vmx", "\"present\":true,\"revision_id\":%llu,\"IA32_FEATURE_CONTROL\":\"0x%llx\"%s",
		  (unsigned long long)VMX_GET(VMX_BASIC_REVISION_ID, hw.msr[0]),
		  (unsigned long long)feature_control, record);
}
