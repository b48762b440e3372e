/*
 * vmcs01.c: writes VMCS01, the VMCS under which L1 runs (SDM Vol. 3C 25): the controls L0
 * needs, within what the CPU allows; L0's own host state; and as guest state, the firmware's
 * context at this very moment, so that the firmware goes on as L1 without noticing.
 * Checks that VM entry applies to all of this: SDM 27.2 (controls, host state), 27.3 (guest).
 */
#include <efi.h>
#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/util.h"
#include "l0/vcpu.h"
#include "l0/vmcs_hw.h"
#include "l0/vmx_hw.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmx_caps.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

#define RFLAGS_FIXED1 0x2ull  /* bit 1 always reads 1 */
#define RFLAGS_IF 0x200ull
#define L1_VPID 1                 /* VPID 0 is the host's; L1 gets its own tag */
#define TR_FABRICATED_LIMIT 0x67  /* a minimal 64-bit TSS */
#define TR_AR_BUSY_TSS64 0x8b     /* present, type 11: the only TR type VM entry accepts */
#define SELECTOR_RPL_TI_MASK 0x7u

struct field_value {
	uint32_t field;
	uint64_t value;
};

static bool write_all(const struct field_value *fv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (l0_vmwrite(fv[i].field, fv[i].value) != L0_VMX_OK) {
			l0_log("VMWRITE of %s (0x%x) failed: VM-instruction error %llu",
			       vmxe_field_name(fv[i].field), fv[i].field,
			       (unsigned long long)l0_vmread_field(VMCS_ENC_VM_INSTRUCTION_ERROR));
			return false;
		}
	}
	return true;
}

/* The controls L0 asks for, adjusted to what the CPU allows (SDM A.3-A.5, TRUE MSRs). */
static bool write_controls(struct l0_vcpu *v)
{
	const struct l0_vmx_caps *c = &v->caps;
	uint32_t proc = vmxe_ctl_adjust(c->proc, VMX_MASK(VMX_PROC_USE_MSR_BITMAPS) |
							 VMX_MASK(VMX_PROC_SECONDARY_CONTROLS));
	uint32_t proc2 = vmxe_ctl_adjust(
		c->proc2, VMX_MASK(VMX_PROC2_ENABLE_EPT) | VMX_MASK(VMX_PROC2_ENABLE_VPID) |
				  VMX_MASK(VMX_PROC2_UNRESTRICTED_GUEST) |
				  VMX_MASK(VMX_PROC2_ENABLE_RDTSCP) |
				  VMX_MASK(VMX_PROC2_ENABLE_INVPCID) |
				  VMX_MASK(VMX_PROC2_ENABLE_XSAVES) | l0_shadow_proc2(v));
	uint32_t exit = vmxe_ctl_adjust(
		c->exit, VMX_MASK(VMX_EXIT_HOST_ADDR_SPACE_SIZE) | VMX_MASK(VMX_EXIT_SAVE_EFER) |
				 VMX_MASK(VMX_EXIT_LOAD_EFER) | VMX_MASK(VMX_EXIT_SAVE_PAT) |
				 VMX_MASK(VMX_EXIT_LOAD_PAT) |
				 /* L1's DR7 and DEBUGCTL stay current in VMCS01 (the VMCS02 merge reads
				  * them) */
				 VMX_MASK(VMX_EXIT_SAVE_DEBUG_CONTROLS));
	uint32_t entry = vmxe_ctl_adjust(c->entry, VMX_MASK(VMX_ENTRY_IA32E_MODE_GUEST) |
							   VMX_MASK(VMX_ENTRY_LOAD_EFER) |
							   VMX_MASK(VMX_ENTRY_LOAD_PAT));
	const uint32_t needed2 = VMX_MASK(VMX_PROC2_ENABLE_EPT) |
				 VMX_MASK(VMX_PROC2_UNRESTRICTED_GUEST);

	if (!(proc & VMX_MASK(VMX_PROC_SECONDARY_CONTROLS)) || (proc2 & needed2) != needed2 ||
	    !(exit & VMX_MASK(VMX_EXIT_HOST_ADDR_SPACE_SIZE))) {
		l0_log("virt=on needs EPT, unrestricted guest and a 64-bit host (proc 0x%x, "
		       "proc2 0x%x, exit 0x%x)", proc, proc2, exit);
		return false;
	}
	v->proc2 = proc2;

	const struct field_value fv[] = {
		{ VMCS_ENC_PIN_BASED_VM_EXEC_CONTROL, vmxe_ctl_adjust(c->pin, 0) },
		{ VMCS_ENC_CPU_BASED_VM_EXEC_CONTROL, proc },
		{ VMCS_ENC_SECONDARY_VM_EXEC_CONTROL, proc2 },
		{ VMCS_ENC_VM_EXIT_CONTROLS, exit },
		{ VMCS_ENC_VM_ENTRY_CONTROLS, entry },
		{ VMCS_ENC_EXCEPTION_BITMAP, 0 },
		{ VMCS_ENC_PAGE_FAULT_ERROR_CODE_MASK, 0 },
		{ VMCS_ENC_PAGE_FAULT_ERROR_CODE_MATCH, 0 },
		{ VMCS_ENC_CR3_TARGET_COUNT, 0 },
		{ VMCS_ENC_VM_EXIT_MSR_STORE_COUNT, 0 },
		{ VMCS_ENC_VM_EXIT_MSR_LOAD_COUNT, 0 },
		{ VMCS_ENC_VM_ENTRY_MSR_LOAD_COUNT, 0 },
		{ VMCS_ENC_VM_ENTRY_INTR_INFO, 0 },
		{ VMCS_ENC_MSR_BITMAP, v->msr_bitmap_pa },
		{ VMCS_ENC_EPT_POINTER, v->ept01.eptp },
		{ VMCS_ENC_VIRTUAL_PROCESSOR_ID,
		  (proc2 & VMX_MASK(VMX_PROC2_ENABLE_VPID)) ? L1_VPID : 0 },
		{ VMCS_ENC_CR0_GUEST_HOST_MASK, v->cr0.mask },
		{ VMCS_ENC_CR4_GUEST_HOST_MASK, v->cr4.mask },
		{ VMCS_ENC_VMCS_LINK_POINTER, VMXE_VMCS_LINK_NONE },
	};
	return write_all(fv, ARRAY_SIZE(fv));
}

/* L0's side: where every VM exit lands (SDM 28.5 loads these). */
static bool write_host_state(struct l0_vcpu *v)
{
	extern char l0_vmexit_entry[];
	const struct l0_host *h = &v->host;
	const struct field_value fv[] = {
		{ VMCS_ENC_HOST_CR0, l0_read_cr0() },
		{ VMCS_ENC_HOST_CR3, h->cr3 },
		/* OSXSAVE: L0 executes L1's XSETBV itself (exits.c) */
		{ VMCS_ENC_HOST_CR4, l0_read_cr4() | (v->xcr0_supported ? L0_CR4_OSXSAVE : 0) },
		{ VMCS_ENC_HOST_CS_SELECTOR, L0_HOST_CS },
		{ VMCS_ENC_HOST_SS_SELECTOR, L0_HOST_DS },
		{ VMCS_ENC_HOST_DS_SELECTOR, L0_HOST_DS },
		{ VMCS_ENC_HOST_ES_SELECTOR, L0_HOST_DS },
		{ VMCS_ENC_HOST_FS_SELECTOR, L0_HOST_DS },
		{ VMCS_ENC_HOST_GS_SELECTOR, L0_HOST_DS },
		{ VMCS_ENC_HOST_TR_SELECTOR, L0_HOST_TR },
		{ VMCS_ENC_HOST_FS_BASE, 0 },
		{ VMCS_ENC_HOST_GS_BASE, 0 },
		{ VMCS_ENC_HOST_TR_BASE, h->tss_base },
		{ VMCS_ENC_HOST_GDTR_BASE, h->gdt_base },
		{ VMCS_ENC_HOST_IDTR_BASE, h->idt_base },
		{ VMCS_ENC_HOST_IA32_SYSENTER_CS, 0 },
		{ VMCS_ENC_HOST_IA32_SYSENTER_ESP, 0 },
		{ VMCS_ENC_HOST_IA32_SYSENTER_EIP, 0 },
		{ VMCS_ENC_HOST_IA32_EFER, l0_rdmsr(MSR_EFER) },
		{ VMCS_ENC_HOST_IA32_PAT, l0_rdmsr(MSR_PAT) },
		{ VMCS_ENC_HOST_RSP, h->stack_top },
		{ VMCS_ENC_HOST_RIP, (uintptr_t)l0_vmexit_entry },
	};
	return write_all(fv, ARRAY_SIZE(fv));
}

/* The 16-byte GDT entry of @selector, or zeros beyond the limit. */
static void read_descriptor(const struct l0_dtr *gdt, uint16_t selector, uint64_t d[2])
{
	uint32_t off = selector & ~SELECTOR_RPL_TI_MASK;

	d[0] = d[1] = 0;
	if (off + 7 <= gdt->limit)
		memcpy(&d[0], (const void *)(uintptr_t)(gdt->base + off), 8);
	if (off + 15 <= gdt->limit)
		memcpy(&d[1], (const void *)(uintptr_t)(gdt->base + off + 8), 8);
}

static bool write_segment(enum l0_seg id, const struct l0_segment *s)
{
	const struct field_value fv[] = {
		{ l0_guest_segs[id].selector, s->selector },
		{ l0_guest_segs[id].base, s->base },
		{ l0_guest_segs[id].limit, s->limit },
		{ l0_guest_segs[id].access_rights, s->access_rights },
	};
	return write_all(fv, ARRAY_SIZE(fv));
}

static bool write_segments(void)
{
	struct l0_dtr gdt = l0_sgdt();
	const uint16_t sel[L0_SEG_COUNT] = {
		[L0_SEG_ES] = L0_READ_SEG(es), [L0_SEG_CS] = L0_READ_SEG(cs), [L0_SEG_SS] = L0_READ_SEG(ss),
		[L0_SEG_DS] = L0_READ_SEG(ds), [L0_SEG_FS] = L0_READ_SEG(fs), [L0_SEG_GS] = L0_READ_SEG(gs),
		[L0_SEG_LDTR] = l0_sldt(),	    [L0_SEG_TR] = l0_str(),
	};

	for (int id = 0; id < L0_SEG_COUNT; id++) {
		struct l0_segment s;
		uint64_t d[2];

		read_descriptor(&gdt, sel[id], d);
		l0_segment_from_descriptor(sel[id], d[0], d[1], &s);
		if (id == L0_SEG_FS)
			s.base = l0_rdmsr(MSR_FS_BASE);
		if (id == L0_SEG_GS)
			s.base = l0_rdmsr(MSR_GS_BASE);
		/* UEFI firmware need not load TR, but VM entry insists on a busy TSS (27.3.1.2) */
		if (id == L0_SEG_TR && (s.access_rights & L0_SEG_AR_UNUSABLE))
			s = (struct l0_segment){ .selector = sel[id], .limit = TR_FABRICATED_LIMIT,
						 .access_rights = TR_AR_BUSY_TSS64 };
		if (!write_segment(id, &s))
			return false;
	}
	return true;
}

static bool write_guest_state(const struct l0_firmware_context *fw, uint64_t cr0_shadow,
			      uint64_t cr4_shadow)
{
	struct l0_dtr gdt = l0_sgdt(), idt = l0_sidt();
	const struct field_value fv[] = {
		{ VMCS_ENC_GUEST_CR0, l0_read_cr0() },
		{ VMCS_ENC_GUEST_CR3, fw->cr3 },
		{ VMCS_ENC_GUEST_CR4, l0_read_cr4() },
		{ VMCS_ENC_CR0_READ_SHADOW, cr0_shadow },
		{ VMCS_ENC_CR4_READ_SHADOW, cr4_shadow },
		{ VMCS_ENC_GUEST_DR7, l0_read_dr7() },
		{ VMCS_ENC_GUEST_RSP, fw->rsp },
		{ VMCS_ENC_GUEST_RIP, fw->rip },
		{ VMCS_ENC_GUEST_RFLAGS, RFLAGS_FIXED1 | (fw->rflags & RFLAGS_IF) },
		{ VMCS_ENC_GUEST_GDTR_BASE, gdt.base },
		{ VMCS_ENC_GUEST_GDTR_LIMIT, gdt.limit },
		{ VMCS_ENC_GUEST_IDTR_BASE, idt.base },
		{ VMCS_ENC_GUEST_IDTR_LIMIT, idt.limit },
		{ VMCS_ENC_GUEST_IA32_DEBUGCTL, 0 },
		{ VMCS_ENC_GUEST_IA32_SYSENTER_CS, l0_rdmsr(MSR_SYSENTER_CS) },
		{ VMCS_ENC_GUEST_IA32_SYSENTER_ESP, l0_rdmsr(MSR_SYSENTER_ESP) },
		{ VMCS_ENC_GUEST_IA32_SYSENTER_EIP, l0_rdmsr(MSR_SYSENTER_EIP) },
		{ VMCS_ENC_GUEST_IA32_PAT, l0_rdmsr(MSR_PAT) },
		{ VMCS_ENC_GUEST_IA32_EFER, l0_rdmsr(MSR_EFER) },
		{ VMCS_ENC_GUEST_INTERRUPTIBILITY_INFO, 0 },
		{ VMCS_ENC_GUEST_ACTIVITY_STATE, 0 },
		{ VMCS_ENC_GUEST_PENDING_DBG_EXCEPTIONS, 0 },
	};
	return write_all(fv, ARRAY_SIZE(fv)) && write_segments();
}

bool l0_vmcs01_setup(struct l0_vcpu *v, const struct l0_firmware_context *fw)
{
	/* L1 reads CR0 and CR4 as they are, less CR4.VMXE, which L0 set for itself (the CR0 bits
	 * FIXED0 forces, PE, NE and PG, were already set by the firmware in long mode) */
	uint64_t cr0_shadow = l0_read_cr0(), cr4_shadow = l0_read_cr4() & ~L0_CR4_VMXE;

	return write_controls(v) && write_host_state(v) &&
	       write_guest_state(fw, cr0_shadow, cr4_shadow);
}
