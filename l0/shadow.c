/*
 * shadow.c: VMCS shadowing for L1 (see shadow.h). Touches the CPU: VMPTRLD of the shadow VMCS
 * and back, VMREAD/VMWRITE, VMCS01's link pointer.
 */
#include "l0/shadow.h"

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/vcpu.h"
#include "l0/vmx_hw.h"
#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmx_caps.h"

#define VMCS_SHADOW_INDICATOR 0x80000000u /* revision-identifier bit 31 (SDM 25.2) */
#define MISC_VMWRITE_ANY_FIELD (1ull << 29) /* IA32_VMX_MISC: VMWRITE to exit information */

bool l0_shadow_init(struct l0_vcpu *v, bool want)
{
	struct l0_shadow *s = &v->shadow;
	uint32_t *region;

	s->linked = VMXE_VMCS_LINK_NONE;
	if (!want)
		return true;
	if (!(vmxe_ctl_allowed1(v->caps.proc2) & VMX_MASK(VMX_PROC2_VMCS_SHADOWING))) {
		l0_log("shadow=on needs VMCS shadowing, which this CPU does not have");
		return false;
	}
	region = l0_host_alloc_page(&v->host, &s->vmcs_pa);
	s->vmread_bitmap = l0_host_alloc_page(&v->host, &s->vmread_bitmap_pa);
	s->vmwrite_bitmap = l0_host_alloc_page(&v->host, &s->vmwrite_bitmap_pa);
	if (!region || !s->vmread_bitmap || !s->vmwrite_bitmap)
		return false;
	region[0] = (uint32_t)VMX_GET(VMX_BASIC_REVISION_ID, v->caps.basic) | VMCS_SHADOW_INDICATOR;
	s->on = true;
	return true;
}

uint32_t l0_shadow_proc2(const struct l0_vcpu *v)
{
	return v->shadow.on ? VMX_MASK(VMX_PROC2_VMCS_SHADOWING) : 0;
}

bool l0_shadow_start(struct l0_vcpu *v)
{
	struct l0_shadow *s = &v->shadow;
	uint64_t misc;

	if (!s->on)
		return true;
	misc = l0_rdmsr(VMXE_MSR_MISC);
	vshadow_select(&s->fields, v->nested.fields.present, misc & MISC_VMWRITE_ANY_FIELD);
	vshadow_bitmaps(&s->fields, s->vmread_bitmap, s->vmwrite_bitmap);
	l0_log("shadow=on: L1 reads %u and writes %u VMCS fields without exiting", s->fields.n_read,
	       s->fields.n_write);
	return l0_vmclear(s->vmcs_pa) == L0_VMX_OK &&
	       l0_vmwrite(VMCS_ENC_VMREAD_BITMAP, s->vmread_bitmap_pa) == L0_VMX_OK &&
	       l0_vmwrite(VMCS_ENC_VMWRITE_BITMAP, s->vmwrite_bitmap_pa) == L0_VMX_OK;
}

/* VMCS01 is current on entry and on return. */
bool l0_shadow_to_cache(struct l0_vcpu *v)
{
	struct l0_shadow *s = &v->shadow;
	struct vmcs12 *c = v->nested.vmx.vmcs12;

	if (!s->on || s->linked == VMXE_VMCS_LINK_NONE)
		return true;
	if (l0_vmptrld(s->vmcs_pa) != L0_VMX_OK)
		return false;
	for (unsigned int k = 0; k < s->fields.n_write; k++) {
		const struct vmxe_field_desc *d = vmxe_field_at(s->fields.write[k]);
		uint64_t value;

		if (l0_vmread(d->encoding, &value) != L0_VMX_OK)
			return false;
		vmxe_vmcs12_set(c, d, value);
	}
	v->nested.vmx.vmcs12_dirty = true;
	return l0_vmptrld(v->vmcs01_pa) == L0_VMX_OK;
}

static bool link(struct l0_vcpu *v, uint64_t pa)
{
	if (v->shadow.linked == pa)
		return true;
	v->shadow.linked = pa;
	return l0_vmwrite(VMCS_ENC_VMCS_LINK_POINTER, pa) == L0_VMX_OK;
}

bool l0_shadow_from_cache(struct l0_vcpu *v)
{
	struct l0_shadow *s = &v->shadow;
	const struct vmcs12 *c = v->nested.vmx.vmcs12;

	if (!s->on)
		return true;
	if (v->nested.vmx.current_vmptr == VMXE_VMPTR_NONE)
		return link(v, VMXE_VMCS_LINK_NONE);
	if (l0_vmptrld(s->vmcs_pa) != L0_VMX_OK)
		return false;
	for (unsigned int k = 0; k < s->fields.n_read; k++) {
		const struct vmxe_field_desc *d = vmxe_field_at(s->fields.read[k]);

		if (l0_vmwrite(d->encoding, vmxe_vmcs12_get(c, d)) != L0_VMX_OK) {
			l0_log("shadow VMCS: VMWRITE of %s failed", d->name);
			return false;
		}
	}
	return l0_vmptrld(v->vmcs01_pa) == L0_VMX_OK && link(v, s->vmcs_pa);
}
