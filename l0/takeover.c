/*
 * takeover.c: turns the running firmware into L1. Reserves L0's memory, prepares L1's first
 * page and stack, builds EPT01 from the firmware's memory map, moves L0 into its reserved copy,
 * enables VMX (SDM Vol. 3C 24.7, 24.8), writes VMCS01 and launches: from then on the firmware
 * runs as L0's guest and starts the L1 image from the trampoline (l1_trampoline.S). Touches the
 * firmware and the CPU.
 */
#include <efi.h>
#include <efilib.h>
#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/util.h"
#include "l0/vcpu.h"
#include "l0/vmx_hw.h"
#include "l0/vmx_report.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_caps.h"

#define L1_STACK_PAGES 32 /* 128 KiB, what OVMF gives its own stack */
#define MSR_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1ull << 2)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_LEAF_XSAVE 0xd
#define CPUID_LEAF_EXT_FEATURES 7

extern const char l0_l1_trampoline[], l0_l1_trampoline_data[], l0_l1_trampoline_end[];

/* The capability MSRs L0 builds VMCS01 from, out of all of them as the CPU has them (@hw, read
 * once for L0 and for L1's virtual ones), the TRUE controls where they exist. */
static bool read_caps(struct l0_vmx_caps *c, struct vmxe_vcaps *hw)
{
	if (!(l0_cpuid(1, 0).ecx & L0_CPUID_1_ECX_VMX)) {
		l0_log("virt=on needs VMX, and CPUID.1:ECX.VMX is clear");
		return false;
	}
	l0_vmx_read_caps(hw);
#define CAP(index) hw->msr[(index) - VMXE_VCAPS_FIRST_MSR]
	c->basic = CAP(VMXE_MSR_BASIC);
	bool true_ctls = VMX_GET(VMX_BASIC_TRUE_CTLS, c->basic);

	c->pin = CAP(true_ctls ? VMXE_MSR_TRUE_PINBASED_CTLS : VMXE_MSR_PINBASED_CTLS);
	c->proc = CAP(true_ctls ? VMXE_MSR_TRUE_PROCBASED_CTLS : VMXE_MSR_PROCBASED_CTLS);
	c->exit = CAP(true_ctls ? VMXE_MSR_TRUE_EXIT_CTLS : VMXE_MSR_EXIT_CTLS);
	c->entry = CAP(true_ctls ? VMXE_MSR_TRUE_ENTRY_CTLS : VMXE_MSR_ENTRY_CTLS);
	c->cr0_fixed0 = CAP(VMXE_MSR_CR0_FIXED0);
	c->cr0_fixed1 = CAP(VMXE_MSR_CR0_FIXED1);
	c->cr4_fixed0 = CAP(VMXE_MSR_CR4_FIXED0);
	c->cr4_fixed1 = CAP(VMXE_MSR_CR4_FIXED1);
	c->proc2 = CAP(VMXE_MSR_PROCBASED_CTLS2);
	c->ept_vpid = CAP(VMXE_MSR_EPT_VPID_CAP);
#undef CAP
	/* the secondary controls exist only where the primary ones allow activating them */
	if (!hw->present[VMXE_MSR_PROCBASED_CTLS2 - VMXE_VCAPS_FIRST_MSR]) {
		l0_log("virt=on needs the secondary processor-based controls (EPT)");
		return false;
	}
	return true;
}

/* SDM 24.7: the feature control MSR must allow VMXON outside SMX, and be locked. */
static bool enable_vmx(struct l0_vcpu *v)
{
	uint64_t fc = l0_rdmsr(MSR_FEATURE_CONTROL);
	uint64_t cr0 = l0_read_cr0() | v->caps.cr0_fixed0, cr4 = l0_read_cr4() | v->caps.cr4_fixed0;

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
		l0_wrmsr(MSR_FEATURE_CONTROL, fc);
	}
	if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		l0_log("the firmware locked IA32_FEATURE_CONTROL (0x%llx) with VMX disabled",
		       (unsigned long long)fc);
		return false;
	}
	/* SDM 24.8: CR0 and CR4 must honour the fixed bits in VMX operation */
	if (!vmxe_cr_valid(cr0, v->caps.cr0_fixed0, v->caps.cr0_fixed1) ||
	    !vmxe_cr_valid(cr4, v->caps.cr4_fixed0, v->caps.cr4_fixed1)) {
		l0_log("CR0 0x%llx or CR4 0x%llx cannot meet VMX's fixed bits",
		       (unsigned long long)cr0, (unsigned long long)cr4);
		return false;
	}
	l0_write_cr0(cr0);
	l0_write_cr4(cr4);
	return true;
}

/* A page holding the VMCS revision identifier, as VMXON and VMPTRLD want (SDM 25.2). */
static bool vmx_region(struct l0_vcpu *v, uint64_t *pa)
{
	uint32_t *page = l0_host_alloc_page(&v->host, pa);

	if (!page)
		return false;
	page[0] = (uint32_t)VMX_GET(VMX_BASIC_REVISION_ID, v->caps.basic);
	return true;
}

/* L1's first page (the trampoline) and stack, in memory the firmware gives L1. Returns the
 * stack pointer L1 starts with. */
static EFI_STATUS prepare_l1_entry(struct l0_vcpu *v, EFI_HANDLE l1_image, uint64_t *rsp)
{
	size_t code = (size_t)(l0_l1_trampoline_end - l0_l1_trampoline);
	EFI_PHYSICAL_ADDRESS page, stack;
	EFI_STATUS status = BS->AllocatePages(AllocateAnyPages, EfiLoaderCode, 1, &page);
	uint64_t data[2] = { (uintptr_t)l1_image, (uintptr_t)BS->StartImage };

	if (EFI_ERROR(status))
		return status;
	status = BS->AllocatePages(AllocateAnyPages, EfiBootServicesData, L1_STACK_PAGES, &stack);
	if (EFI_ERROR(status))
		return status;
	memcpy((void *)(uintptr_t)page, l0_l1_trampoline, code);
	memcpy((void *)(uintptr_t)(page + (size_t)(l0_l1_trampoline_data - l0_l1_trampoline)),
	       data, sizeof(data));
	v->trampoline_pa = page;
	*rsp = stack + L1_STACK_PAGES * L0_PAGE_SIZE - 8; /* as if called: 8 mod 16 */
	return EFI_SUCCESS;
}

static bool build_ept01(struct l0_vcpu *v)
{
	struct l0_ept01_config cfg = {
		.map = v->host.ranges,
		.count = v->host.range_count,
		.pa_width = l0_maxphyaddr(),
		.allow_2m = VMX_GET(VMX_EPT_VPID_PDE_2MB, v->caps.ept_vpid),
		.allow_1g = VMX_GET(VMX_EPT_VPID_PDPTE_1GB, v->caps.ept_vpid),
	};
	struct l0_page_alloc alloc = { l0_host_alloc_page, &v->host };
	int err = l0_ept01_build(&cfg, &alloc, &v->ept01);

	if (err != L0_EPT01_OK) {
		l0_log("cannot build EPT01 over %llu map entries: error %d",
		       (unsigned long long)v->host.range_count, err);
		return false;
	}
	l0_log("EPT01: %llu tables, leaves 1G %llu 2M %llu 4K %llu, limit 0x%llx",
	       (unsigned long long)v->ept01.tables, (unsigned long long)v->ept01.leaves[2],
	       (unsigned long long)v->ept01.leaves[1], (unsigned long long)v->ept01.leaves[0],
	       (unsigned long long)v->ept01.limit);
	return true;
}

/* MSRs whose accesses L0 answers itself (exits.c); every other MSR in the bitmap is L1's. */
static void intercept_msrs(struct l0_vcpu *v)
{
	l0_msr_bitmap_intercept(v->msr_bitmap, MSR_FEATURE_CONTROL);
	l0_msr_bitmap_intercept(v->msr_bitmap, L0_MSR_ARCH_CAPABILITIES);
	for (uint32_t msr = VMXE_MSR_BASIC; msr <= VMXE_MSR_EXIT_CTLS2; msr++)
		l0_msr_bitmap_intercept(v->msr_bitmap, msr);
}

/* L1TF: L1 is told it need not flush L1D on its VM entries (l1_policy.h), because L0 does it when
 * it enters L2, where the CPU can (IA32_FLUSH_CMD); a CPU without it (Bochs) has no L1D to
 * leak through. */
static void read_l1tf_facts(struct l0_vcpu *v)
{
	uint32_t edx = l0_cpuid(CPUID_LEAF_EXT_FEATURES, 0).edx;
	bool has_arch_cap = edx & L0_CPUID_7_EDX_ARCH_CAPABILITIES;

	v->arch_cap_l1 = l0_arch_capabilities_for_l1(
		has_arch_cap ? l0_rdmsr(L0_MSR_ARCH_CAPABILITIES) : 0, has_arch_cap);
	v->flush_l1d = edx & L0_CPUID_7_EDX_FLUSH_L1D;
}

static uint64_t xcr0_supported(void)
{
	struct cpuid_regs r;

	if (!(l0_cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE))
		return 0;
	r = l0_cpuid(CPUID_LEAF_XSAVE, 0);
	return ((uint64_t)r.edx << 32) | r.eax;
}

/* Everything that needs the firmware, done from the image the firmware loaded. */
static EFI_STATUS prepare(struct l0_vcpu *v, const struct l0_options *opts, EFI_HANDLE l1_image,
			  EFI_LOADED_IMAGE *self, uint64_t *l1_rsp)
{
	EFI_STATUS status;

	if (!read_caps(&v->caps, &v->hw_caps))
		return EFI_UNSUPPORTED;
	status = l0_host_reserve(&v->host, self->ImageSize);
	if (EFI_ERROR(status))
		return status;
	if (!vmx_region(v, &v->vmxon_pa) || !vmx_region(v, &v->vmcs01_pa) ||
	    !(v->msr_bitmap = l0_host_alloc_page(&v->host, &v->msr_bitmap_pa)) ||
	    !l0_host_alloc_page(&v->host, &v->decoy_pa))
		return EFI_OUT_OF_RESOURCES;
	status = prepare_l1_entry(v, l1_image, l1_rsp);
	if (EFI_ERROR(status))
		return status;
	/* last of all the firmware allocations: the map must show them */
	status = l0_host_read_memory_map(&v->host);
	if (EFI_ERROR(status))
		return status;
	if (!build_ept01(v))
		return EFI_OUT_OF_RESOURCES;
	intercept_msrs(v);
	l0_cr_policy_init(&v->cr0, v->caps.cr0_fixed0, v->caps.cr0_fixed1,
			  L0_CR0_PE | L0_CR0_PG, 0);
	/* L1 sees VMX: CR4.VMXE is L0's in the register and L1's in the read shadow */
	l0_cr_policy_init(&v->cr4, v->caps.cr4_fixed0, v->caps.cr4_fixed1, 0, 0);
	if (!l0_nested_init(v, opts->ept) || !l0_shadow_init(v, opts->shadow) ||
	    !l0_bt_init(v, opts->bt))
		return EFI_OUT_OF_RESOURCES;
	v->xcr0_supported = xcr0_supported();
	read_l1tf_facts(v);
	l0_trace_init(&v->trace, opts->trace);
	if (opts->events && !l0_trace_events_attach(&v->trace.events,
			l0_host_alloc_pages(&v->host, L0_TRACE_EVENTS_PAGES(opts->events)),
			opts->events)) {
		l0_log("events=%u: no room in L0's pool", opts->events);
		return EFI_OUT_OF_RESOURCES;
	}
	return EFI_SUCCESS;
}

/*
 * Runs in the moved copy, on L0's page tables with interrupts off (the firmware's tables may
 * mark reserved pages non-executable, and no firmware service is called from here on): enters
 * VMX operation and launches the firmware as L1 with the context it had in @fw.
 */
static EFI_STATUS launch(struct l0_vcpu *v, const struct l0_firmware_context *fw)
{
	enum l0_vmx_status vs;

	if (!l0_host_build_descriptors(&v->host))
		return EFI_OUT_OF_RESOURCES;
	if (!enable_vmx(v))
		return EFI_UNSUPPORTED;
	vs = l0_vmxon(v->vmxon_pa);
	if (vs != L0_VMX_OK) {
		l0_log("VMXON failed (status %d)", vs);
		return EFI_DEVICE_ERROR;
	}
	if (l0_vmclear(v->vmcs01_pa) != L0_VMX_OK || l0_vmptrld(v->vmcs01_pa) != L0_VMX_OK ||
	    !l0_vmcs01_setup(v, fw)) {
		l0_log("cannot set up VMCS01");
		return EFI_DEVICE_ERROR;
	}
	if (!l0_nested_start(v) || !l0_shadow_start(v)) {
		l0_log("cannot read back VMCS01");
		return EFI_DEVICE_ERROR;
	}
	if (!l0_bt_start(v)) {
		l0_log("bt=on: cannot set up binary translation");
		return EFI_DEVICE_ERROR;
	}
	if (VMX_GET(VMX_EPT_VPID_INVEPT_ALL, v->caps.ept_vpid) && l0_invept_all() != L0_VMX_OK)
		return EFI_DEVICE_ERROR;
	l0_current_vcpu = v;
	l0_log("launching L1 (trace=%s, shadow=%s, bt=%s)", l0_trace_on(&v->trace) ? "on" : "off",
	       v->shadow.on ? "on" : "off", v->bt.on ? "on" : "off");
	l0_record("stage", "\"stage\":\"l1-start\",\"virt\":true,\"tsc\":%llu",
		  (unsigned long long)l0_rdtsc());
	vs = l0_vmlaunch();
	l0_log("VMLAUNCH failed (status %d), VM-instruction error %llu", vs,
	       (unsigned long long)l0_vmread_field(VMCS_ENC_VM_INSTRUCTION_ERROR));
	return EFI_DEVICE_ERROR;
}

typedef EFI_STATUS (*launch_fn)(struct l0_vcpu *v, const struct l0_firmware_context *fw);

EFI_STATUS l0_takeover(const struct l0_options *opts, EFI_HANDLE l1_image, EFI_LOADED_IMAGE *self)
{
	static struct l0_vcpu vcpu;
	struct l0_firmware_context fw;
	EFI_STATUS status = prepare(&vcpu, opts, l1_image, self, &fw.rsp);
	int64_t delta;

	if (EFI_ERROR(status))
		return status;
	fw.rip = vcpu.trampoline_pa;
	delta = l0_host_move_image(&vcpu.host, self->ImageSize);
	if (!delta)
		return EFI_LOAD_ERROR;
	fw.cr3 = l0_read_cr3();
	fw.rflags = l0_read_rflags();
	l0_disable_interrupts();
	l0_write_cr3(vcpu.host.cr3);
	status = ((launch_fn)((uintptr_t)launch + (uint64_t)delta))(
		(struct l0_vcpu *)((uintptr_t)&vcpu + (uint64_t)delta), &fw);
	l0_write_cr3(fw.cr3);
	l0_write_rflags(fw.rflags);
	return status;
}
