/*
 * vmcs_hw.c: whole-VMCS reads and writes between the current hardware VMCS and a field-value
 * set (see vmcs_hw.h). Touches the CPU (VMREAD, VMWRITE).
 */
#include "l0/vmcs_hw.h"

#include <string.h>

#include "l0/console.h"
#include "l0/vmx_hw.h"

const struct l0_seg_fields l0_guest_segs[L0_SEG_COUNT] = {
#define SEG(name, reg)                                                                        \
	[L0_SEG_##name] = { VMCS_ENC_GUEST_##reg##_SELECTOR, VMCS_ENC_GUEST_##reg##_BASE,     \
			    VMCS_ENC_GUEST_##reg##_LIMIT, VMCS_ENC_GUEST_##reg##_AR_BYTES }
	SEG(ES, ES), SEG(CS, CS), SEG(SS, SS), SEG(DS, DS),
	SEG(FS, FS), SEG(GS, GS), SEG(LDTR, LDTR), SEG(TR, TR),
#undef SEG
};

_Static_assert(VMCS_F_GROUP_MASK == (1u << L0_VMCS_GROUPS) - 1, "one bit per group");

void l0_vmcs_probe(struct l0_vmcs_fields *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		uint64_t value;

		if (l0_vmread(d->encoding, &value) != L0_VMX_OK)
			continue;
		f->present[i / 8] |= (uint8_t)(1u << (i % 8));
		f->count++;
		for (unsigned int g = 0; g < L0_VMCS_GROUPS; g++) {
			if (d->flags & (1u << g))
				f->in_group[g][f->group_count[g]++] = (uint16_t)i;
		}
	}
}

bool l0_vmcs_read_set(const struct l0_vmcs_fields *f, uint32_t groups, struct vmcs12 *out)
{
	for (unsigned int g = 0; g < L0_VMCS_GROUPS; g++) {
		if (!(groups & (1u << g)))
			continue;
		for (unsigned int k = 0; k < f->group_count[g]; k++) {
			const struct vmxe_field_desc *d = vmxe_field_at(f->in_group[g][k]);
			uint64_t value;

			if (l0_vmread(d->encoding, &value) != L0_VMX_OK)
				return false;
			vmxe_vmcs12_set(out, d, value);
		}
	}
	return true;
}

static bool write_field(const struct vmxe_field_desc *d, uint64_t value)
{
	if (l0_vmwrite(d->encoding, value) == L0_VMX_OK)
		return true;
	l0_log("VMWRITE of %s = 0x%llx failed: VM-instruction error %llu", d->name,
	       (unsigned long long)value,
	       (unsigned long long)l0_vmread_field(VMCS_ENC_VM_INSTRUCTION_ERROR));
	return false;
}

/* Writes the writable fields of @groups from @want; with @have, only where it differs, and
 * @have follows. */
static bool write_fields(const struct l0_vmcs_fields *f, uint32_t groups,
			 const struct vmcs12 *want, struct vmcs12 *have)
{
	for (unsigned int g = 0; g < L0_VMCS_GROUPS; g++) {
		if (!(groups & (1u << g)))
			continue;
		for (unsigned int k = 0; k < f->group_count[g]; k++) {
			const struct vmxe_field_desc *d = vmxe_field_at(f->in_group[g][k]);
			uint64_t value = vmxe_vmcs12_get(want, d);

			if (d->flags & VMCS_F_READ_ONLY)
				continue;
			if (have && vmxe_vmcs12_get(have, d) == value)
				continue;
			if (!write_field(d, value))
				return false;
			if (have)
				vmxe_vmcs12_set(have, d, value);
		}
	}
	return true;
}

bool l0_vmcs_write_set(const struct l0_vmcs_fields *f, uint32_t groups, const struct vmcs12 *in)
{
	return write_fields(f, groups, in, NULL);
}

bool l0_vmcs_write_changed(const struct l0_vmcs_fields *f, uint32_t groups,
			   const struct vmcs12 *want, struct vmcs12 *have)
{
	return write_fields(f, groups, want, have);
}
