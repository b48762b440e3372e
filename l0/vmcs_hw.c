/*
 * vmcs_hw.c: whole-VMCS reads and writes between the current hardware VMCS and a field-value
 * set (see vmcs_hw.h). Touches the CPU (VMREAD, VMWRITE).
 */
#include "l0/vmcs_hw.h"

#include <string.h>

#include "l0/console.h"
#include "l0/vmx_hw.h"

void l0_vmcs_probe(struct l0_vmcs_fields *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		uint64_t value;

		if (l0_vmread(vmxe_field_at(i)->encoding, &value) == L0_VMX_OK) {
			f->present[i / 8] |= (uint8_t)(1u << (i % 8));
			f->count++;
		}
	}
}

bool l0_vmcs_read_set(const struct l0_vmcs_fields *f, uint32_t groups, struct vmcs12 *out)
{
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		uint64_t value;

		if (!(d->flags & groups) || !l0_vmcs_has(f, i))
			continue;
		if (l0_vmread(d->encoding, &value) != L0_VMX_OK)
			return false;
		vmxe_vmcs12_set(out, d, value);
	}
	return true;
}

bool l0_vmcs_write_set(const struct l0_vmcs_fields *f, uint32_t groups, const struct vmcs12 *in)
{
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		if (!(d->flags & groups) || (d->flags & VMCS_F_READ_ONLY) || !l0_vmcs_has(f, i))
			continue;
		if (l0_vmwrite(d->encoding, vmxe_vmcs12_get(in, d)) != L0_VMX_OK) {
			l0_log("VMWRITE of %s = 0x%llx failed: VM-instruction error %llu", d->name,
			       (unsigned long long)vmxe_vmcs12_get(in, d),
			       (unsigned long long)l0_vmread_field(VMCS_ENC_VM_INSTRUCTION_ERROR));
			return false;
		}
	}
	return true;
}
