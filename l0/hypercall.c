/*
 * hypercall.c: decoding of L1's VMCALL hypercalls to L0 and L0's CPUID hypervisor leaves (the
 * ABI is described in hypercall.h and docs/hypercall.md). Touches no hardware: the hardware layer
 * passes the saved registers. SDM Vol. 3C 26.1.2 (VMCALL and CPUID exit unconditionally).
 */
#include "l0/hypercall.h"

#include <string.h>

#include "l0/util.h"

static const char *const op_names[L0_HC_OP_MAX + 1] = {
	[L0_HC_RESET] = "reset",
	[L0_HC_DUMP] = "dump",
	[L0_HC_PHASE_BEGIN] = "phase-begin",
	[L0_HC_PHASE_END] = "phase-end",
	[L0_HC_DUMP_EVENTS] = "dump-events",
};

const char *l0_hypercall_op_name(uint32_t op)
{
	return op < ARRAY_SIZE(op_names) ? op_names[op] : NULL;
}

/* Unpacks RBX:RCX into @name; strict, so that a caller's packing bug shows as an error. */
static enum l0_hc_error unpack_name(uint64_t rbx, uint64_t rcx, char name[L0_HC_NAME_MAX + 1])
{
	const uint64_t w[2] = { rbx, rcx };
	unsigned int len = 0;

	for (unsigned int i = 0; i < L0_HC_NAME_MAX; i++) {
		char c = (char)(w[i / 8] >> (8 * (i % 8)));

		if (c == '\0')
			continue;
		if (len != i || !l0_hc_name_char_ok(c)) /* a byte after a NUL, or a bad byte */
			return L0_HC_EBAD_NAME;
		name[len++] = c;
	}
	name[len] = '\0';
	return len ? L0_HC_OK : L0_HC_EBAD_NAME;
}

enum l0_hc_error l0_hypercall_decode(const struct l0_hc_regs *regs, struct l0_hypercall *out)
{
	uint32_t magic = (uint32_t)(regs->rax >> L0_HC_MAGIC_SHIFT);
	uint64_t op = regs->rax & L0_HC_OP_MASK;
	enum l0_hc_error err;

	memset(out, 0, sizeof(*out));
	if (magic != L0_HC_MAGIC)
		return L0_HC_EBAD_MAGIC;
	if (l0_hypercall_op_name((uint32_t)op) == NULL)
		return L0_HC_EUNKNOWN_OP;
	out->op = (enum l0_hc_op)op;
	if (out->op == L0_HC_PHASE_BEGIN) {
		err = unpack_name(regs->rbx, regs->rcx, out->name);
		if (err != L0_HC_OK) {
			memset(out, 0, sizeof(*out));
			return err;
		}
	}
	return L0_HC_OK;
}

bool l0_hypercall_cpuid(uint32_t leaf, uint32_t out[4])
{
	if (leaf < L0_HC_CPUID_LEAF || leaf > L0_HC_CPUID_RANGE_END)
		return false;
	memset(out, 0, 4 * sizeof(out[0]));
	if (leaf == L0_HC_CPUID_LEAF) {
		out[0] = L0_HC_CPUID_MAX_LEAF;
		out[1] = L0_HC_SIG_EBX;
		out[2] = L0_HC_SIG_ECX;
		out[3] = L0_HC_SIG_EDX;
	} else if (leaf == L0_HC_CPUID_LEAF_INFO) {
		out[0] = L0_HC_ABI_VERSION;
		out[1] = L0_HC_MAGIC;
	}
	return true;
}
