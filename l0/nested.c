/*
 * nested.c: L1's virtual VMX on top of the real one. The decisions are vmx-emul's (instruction
 * semantics, VMCS12 checks, the VMCS02 merge, whether L1 wants an exit); this file moves their
 * inputs and outputs between the hardware VMCSs, L1's registers and L1's memory:
 *  - an L1 VMX instruction: decoded and emulated (vmx_insn.c), its result applied to L1;
 *  - VMLAUNCH/VMRESUME that passes: VMCS12 checked, VMCS02 built and made current;
 *  - an exit while L2 runs: reflected to L1 (VMCS02 -> VMCS12, L1 resumes with VMCS12's host
 *    state on VMCS01) or handled by L0 and L2 resumed.
 * Touches the CPU (VMREAD/VMWRITE/VMPTRLD, CR2).
 */
#include "l0/nested.h"

#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/vcpu.h"
#include "l0/vmcs_hw.h"
#include "l0/vmx_hw.h"
#include "vmx-emul/reflect.h"
#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmcs12_checks.h"
#include "vmx-emul/vmx_insn.h"

#define L2_VPID_FIRST 2 /* L1 has VPID 1 (vmcs01.c); L2s get 2 and up */
#define L2_VPID_COUNT (EPTM_VPID_SLOTS + 1)
#define LINEAR_BITS_4LEVEL 48
#define DEBUGCTL_VALID_BITS 0x1ull /* LBR only: what L0 lets L1 set in VMCS12 */
#define L0_MSR_FLUSH_CMD 0x10b
#define L0_FLUSH_CMD_L1D 1ull

/* L1's view of a CR: the bits of @mask from the read shadow, the rest from the register. */
static uint64_t l1_view(uint32_t real_field, uint32_t shadow_field, uint64_t mask)
{
	return (l0_vmread_field(real_field) & ~mask) | (l0_vmread_field(shadow_field) & mask);
}

/* vmx-emul's segment order is the VMCS's */
_Static_assert((int)VMXE_ES == L0_SEG_ES && (int)VMXE_CS == L0_SEG_CS &&
		       (int)VMXE_SS == L0_SEG_SS && (int)VMXE_DS == L0_SEG_DS &&
		       (int)VMXE_FS == L0_SEG_FS && (int)VMXE_GS == L0_SEG_GS,
	       "one segment order");

/* L1 as the instruction emulator sees it, from VMCS01 and the saved registers. */
static void read_l1_cpu(struct l0_vcpu *v, struct vmxe_l1_cpu *cpu)
{
	memcpy(cpu->gpr, v->regs, sizeof(cpu->gpr));
	cpu->gpr[VMXE_RSP] = l0_vmread_field(VMCS_ENC_GUEST_RSP);
	for (int s = 0; s < VMXE_SREG_COUNT; s++) {
		cpu->seg[s].base = l0_vmread_field(l0_guest_segs[s].base);
		cpu->seg[s].limit = (uint32_t)l0_vmread_field(l0_guest_segs[s].limit);
		cpu->seg[s].ar = (uint32_t)l0_vmread_field(l0_guest_segs[s].access_rights);
	}
	cpu->rflags = l0_vmread_field(VMCS_ENC_GUEST_RFLAGS);
	cpu->cr0 = l1_view(VMCS_ENC_GUEST_CR0, VMCS_ENC_CR0_READ_SHADOW, v->cr0.mask);
	cpu->cr4 = l1_view(VMCS_ENC_GUEST_CR4, VMCS_ENC_CR4_READ_SHADOW, v->cr4.mask);
	cpu->efer = l0_vmread_field(VMCS_ENC_GUEST_IA32_EFER);
}

/* General registers back to L1 (a VMREAD to a register writes one); RSP lives in VMCS01. */
static void write_l1_gprs(struct l0_vcpu *v, const struct vmxe_l1_cpu *cpu)
{
	uint64_t rsp = v->regs->rsp_unused;

	memcpy(v->regs, cpu->gpr, sizeof(cpu->gpr));
	v->regs->rsp_unused = rsp;
	if (cpu->gpr[VMXE_RSP] != l0_vmread_field(VMCS_ENC_GUEST_RSP))
		l0_vmwrite_checked(VMCS_ENC_GUEST_RSP, cpu->gpr[VMXE_RSP]);
}

/* VMfail or VMsucceed: RFLAGS as SDM 31.2 says, and L1 goes on after the instruction. */
static enum l0_action finish_insn(const struct vmxe_insn_result *r)
{
	l0_vmwrite_checked(VMCS_ENC_GUEST_RFLAGS,
			 vmxe_rflags_after(l0_vmread_field(VMCS_ENC_GUEST_RFLAGS), r));
	return L0_ACTION_SKIP;
}

/* L1's state in VMCS01 that a VM entry to L2 or a later exit to L1 needs: its guest state and
 * what L0's own handlers change besides it while L1 runs (CR read shadows, entry fields). While
 * L2 runs VMCS01 is not current and n->vmcs01 stays exactly what VMCS01 holds. */
static bool read_vmcs01_l1_state(struct l0_nested *n)
{
	static const uint32_t extra[] = { VMCS_ENC_CR0_READ_SHADOW, VMCS_ENC_CR4_READ_SHADOW,
					  VMCS_ENC_VM_ENTRY_CONTROLS, VMCS_ENC_VM_ENTRY_INTR_INFO };

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		vmxe_vmcs12_set(n->vmcs01, vmxe_field_lookup(extra[i]), l0_vmread_field(extra[i]));
	return l0_vmcs_read_set(&n->fields, VMCS_F_GUEST, n->vmcs01);
}

/* After an exit from L2, n->vmcs02_hw gets what the CPU changed in VMCS02: the guest state and
 * two entry fields (SDM 28.2: "IA-32e mode guest" and the valid bit of the entry interruption
 * information); the rest is as L0 wrote it. */
static bool read_vmcs02_after_exit(struct l0_nested *n)
{
	static const uint32_t extra[] = { VMCS_ENC_VM_ENTRY_CONTROLS, VMCS_ENC_VM_ENTRY_INTR_INFO };

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		vmxe_vmcs12_set(n->vmcs02_hw, vmxe_field_lookup(extra[i]),
				l0_vmread_field(extra[i]));
	return l0_vmcs_read_set(&n->fields, VMCS_F_GUEST, n->vmcs02_hw);
}

/* A VM exit to L1 on VMCS01: L1 resumes with VMCS12's host state (SDM 28.5). @save_guest is
 * false for a VM-entry failure, which saves no guest state (SDM 27.8). */
static enum l0_action return_to_l1(struct l0_vcpu *v, const struct vmxe_exit *x, bool save_guest)
{
	struct l0_nested *n = &v->nested;
	struct vmcs12 *next = n->vmcs02; /* the built VMCS02 is in the CPU now: reuse its room */

	if (save_guest) {
		if (!read_vmcs02_after_exit(n))
			return L0_ACTION_FATAL;
		vmxe_vmcs02_to_vmcs12(n->vmcs02_hw, n->vmx.vmcs12);
	}
	vmxe_exit_for_l1(x, n->vmx.vmcs12);
	n->vmx.vmcs12_dirty = true;
	memcpy(next, n->vmcs01, sizeof(*next));
	if (save_guest) { /* EFER and PAT as the CPU had them, where VMCS12 does not load them */
		next->GUEST_IA32_EFER = n->vmcs02_hw->GUEST_IA32_EFER;
		next->GUEST_IA32_PAT = n->vmcs02_hw->GUEST_IA32_PAT;
	}
	vmxe_load_l1_host_state(n->vmx.vmcs12, next);
	n->in_l2 = false;
	if (l0_vmptrld(v->vmcs01_pa) != L0_VMX_OK ||
	    !l0_vmcs_write_changed(&n->fields, VMCS_F_GUEST | VMCS_F_CONTROL, next, n->vmcs01) ||
	    !l0_shadow_from_cache(v))
		return L0_ACTION_FATAL;
	return L0_ACTION_RESUME;
}

/* L1's VMLAUNCH/VMRESUME failed after the instruction's own checks (SDM 27.8). */
static enum l0_action entry_failure(struct l0_vcpu *v, uint32_t reason, uint64_t qualification)
{
	struct vmxe_exit x = { .reason = reason, .qualification = qualification };

	return return_to_l1(v, &x, false);
}

/* The built VMCS02 into the CPU: only what changed since the last entry, once the CPU's copy
 * is known (n->vmcs02_hw). */
static bool write_vmcs02(struct l0_nested *n)
{
	const uint32_t all = VMCS_F_CONTROL | VMCS_F_GUEST | VMCS_F_HOST;

	if (n->vmcs02_hw_valid)
		return l0_vmcs_write_changed(&n->fields, all, n->vmcs02, n->vmcs02_hw);
	if (!l0_vmcs_write_set(&n->fields, all, n->vmcs02))
		return false;
	memcpy(n->vmcs02_hw, n->vmcs02, sizeof(*n->vmcs02_hw));
	n->vmcs02_hw_valid = true;
	return true;
}

/* VMLAUNCH/VMRESUME passed the instruction checks: check VMCS12, then enter L2 on VMCS02. */
static enum l0_action enter_l2(struct l0_vcpu *v, bool launch)
{
	struct l0_nested *n = &v->nested;
	struct vmxe_check_l1 l1 = {
		.efer = l0_vmread_field(VMCS_ENC_GUEST_IA32_EFER),
		.vmcs12_gpa = n->vmx.current_vmptr,
		.debugctl_valid = DEBUGCTL_VALID_BITS,
		.maxphyaddr = n->maxphyaddr,
		.linear_bits = LINEAR_BITS_4LEVEL,
	};
	const uint32_t sec12 = vmxe_secondary_controls(n->vmx.vmcs12);
	const bool ept12 = sec12 & VMX_MASK(VMX_PROC2_ENABLE_EPT);
	bool flush_vpid;
	struct vmxe_merge_cfg cfg = {
		.eptp = v->ept01.eptp,
		.msr_bitmap_hpa = n->msr_bitmap02_pa,
		.io_bitmap_a_hpa = n->io_bitmap02_pa,
		.io_bitmap_b_hpa = n->io_bitmap02_pa + VMXE_IO_BITMAP_SIZE,
		.cr0_fixed0 = v->caps.cr0_fixed0,
		.cr0_fixed1 = v->caps.cr0_fixed1,
		.cr4_fixed0 = v->caps.cr4_fixed0,
		.cr4_fixed1 = v->caps.cr4_fixed1,
	};
	struct vmxe_check_result res;
	struct vmxe_insn_result r = { 0 };

	if (!read_vmcs01_l1_state(n))
		return L0_ACTION_FATAL;
	switch (vmxe_check_vmentry(n->vmx.vmcs12, &n->l1_caps, &l1, &n->gmem, &res)) {
	case VMXE_CHECK_OK:
		break;
	case VMXE_CHECK_VMFAIL:
		l0_log("L1's VM entry fails check %s: VMfailValid %d", res.check, res.error);
		vmxe_insn_fail(&n->vmx, res.error, &r);
		n->vmx.vmcs12_dirty = true;
		if (!l0_shadow_from_cache(v))
			return L0_ACTION_FATAL;
		return finish_insn(&r);
	default:
		l0_log("L1's VM entry fails check %s: exit reason 0x%x", res.check, res.exit_reason);
		return entry_failure(v, res.exit_reason, res.qualification);
	}
	/* VMCS12's MSR-load and -store areas are checked but not yet performed: refuse loudly (as an
	 * MSR-loading failure at the first entry) rather than run L2 with MSRs L1 did not get */
	if (n->vmx.vmcs12->VM_ENTRY_MSR_LOAD_COUNT || n->vmx.vmcs12->VM_EXIT_MSR_STORE_COUNT ||
	    n->vmx.vmcs12->VM_EXIT_MSR_LOAD_COUNT) {
		l0_log("L1's VMCS12 uses MSR-load/store areas, which L0 does not perform yet");
		return entry_failure(v, VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_ENTRY_FAIL_MSR_LOADING,
				     1);
	}
	if (ept12) {
		cfg.eptp = eptm_eptp02(&n->eptm, n->vmx.vmcs12->EPT_POINTER);
		if (n->prefill_pending)
			(void)eptm_prefill(&n->eptm, n->vmx.vmcs12->EPT_POINTER, n->prefill_gpa,
					   n->prefill_access);
		if (eptm_take_flush(&n->eptm) && l0_invept_all() != L0_VMX_OK)
			return L0_ACTION_FATAL;
	}
	n->prefill_pending = false;
	/* L2's TLB tag: L0's VPID for L1's (or, without one, a tag flushed at every entry, as VM
	 * entries without VPIDs flush, SDM 29.4.3.3) */
	cfg.vpid = eptm_vpid02_enter(&n->vpids,
				     (sec12 & VMX_MASK(VMX_PROC2_ENABLE_VPID))
					     ? n->vmx.vmcs12->VIRTUAL_PROCESSOR_ID
					     : 0,
				     &flush_vpid);
	if (flush_vpid && l0_invvpid_single(cfg.vpid) != L0_VMX_OK)
		return L0_ACTION_FATAL;
	if (vmxe_vmcs02_build(n->vmcs01, n->vmx.vmcs12, &cfg, n->vmcs02) != VMXE_MERGE_OK) {
		l0_log("VMCS02 cannot honour VMCS12's controls");
		return L0_ACTION_FATAL;
	}
	if (vmxe_vmcs02_load_pdptes(n->vmcs02, &n->gmem) != VMXE_GMEM_OK)
		return entry_failure(v, VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_ENTRY_FAIL_GUEST_STATE,
				     VMXE_ENTRY_QUAL_PDPTE);
	if (!l0_bitmaps02_prepare(v))
		return L0_ACTION_FATAL;
	if (launch) {
		n->vmx.vmcs12->launch_state = VMXE_LAUNCH_LAUNCHED;
		n->vmx.vmcs12_dirty = true;
	}
	if (l0_vmptrld(n->vmcs02_pa) != L0_VMX_OK || !write_vmcs02(n))
		return L0_ACTION_FATAL;
	if (v->flush_l1d) /* the promise of SKIP_VMENTRY_L1DFLUSH made to L1 */
		l0_wrmsr(L0_MSR_FLUSH_CMD, L0_FLUSH_CMD_L1D);
	n->in_l2 = true;
	v->enter_with_launch = !n->vmcs02_launched;
	n->vmcs02_launched = true;
	n->l2_entries++;
	return L0_ACTION_RESUME;
}

/* L1's INVEPT and INVVPID: EPT02 trees derived from what L1 names go, and the CPU drops cached
 * translations; an L1 VPID's mapping is forgotten, so its next L0 VPID is flushed when given
 * (ept-merge/vpid.h); one address flushes its whole L0 VPID, more than L1 asked, never less. */
static bool invalidate(struct l0_vcpu *v, const struct vmxe_invalidation *inv)
{
	struct l0_nested *n = &v->nested;
	uint16_t vpid02;

	switch (inv->kind) {
	case VMXE_INV_NONE:
		return true;
	case VMXE_INV_EPT_SINGLE:
		eptm_invept_single(&n->eptm, inv->eptp);
		break;
	case VMXE_INV_EPT_ALL:
		eptm_invept_all(&n->eptm);
		break;
	case VMXE_INV_VPID_ADDR:
		vpid02 = eptm_vpid02_find(&n->vpids, inv->vpid);
		return !vpid02 || l0_invvpid_single(vpid02) == L0_VMX_OK;
	case VMXE_INV_VPID_ALL:
		eptm_vpid_forget_all(&n->vpids);
		return true;
	default:
		eptm_vpid_forget(&n->vpids, inv->vpid);
		return true;
	}
	return !eptm_take_flush(&n->eptm) || l0_invept_all() == L0_VMX_OK;
}

enum l0_action l0_nested_vmx_insn(struct l0_vcpu *v, const struct l0_exit *exit)
{
	struct l0_nested *n = &v->nested;
	struct vmxe_insn_ctx ctx = {
		.reason = exit->basic_reason,
		.qualification = exit->qualification,
		.insn_info = exit->insn_info,
		.cr3 = l0_vmread_field(VMCS_ENC_GUEST_CR3),
		.maxphyaddr = n->maxphyaddr,
		.page1gb = n->page1gb,
		.interruptibility = (uint32_t)l0_vmread_field(VMCS_ENC_GUEST_INTERRUPTIBILITY_INFO),
		.feature_control = n->feature_control,
		.mem = &n->gmem,
		.caps = &n->l1_caps,
	};
	struct vmxe_insn_result r;
	enum l0_action translated;
	uint64_t fault_rip;

	read_l1_cpu(v, &ctx.cpu);
	if ((exit->basic_reason == VMX_EXIT_VMREAD || exit->basic_reason == VMX_EXIT_VMWRITE) &&
	    l0_bt_vmx_exit(v, exit, &ctx, &translated))
		return translated;
	/* with shadowing, L1's newest writes may be in the shadow VMCS: the cache first; with
	 * translation, the stubs may have written the copy */
	if (!l0_shadow_to_cache(v))
		return L0_ACTION_FATAL;
	l0_bt_sync_in(v);
	r = vmxe_insn_emulate(&n->vmx, &ctx);
	l0_bt_sync_out(v);
	if (r.kind != VMXE_INSN_VMENTRY && !l0_shadow_from_cache(v))
		return L0_ACTION_FATAL;
	if (r.refused)
		l0_log("L1's %s named 0x%llx, not L1 memory", vmxe_exit_reason_name(exit->basic_reason),
		       (unsigned long long)r.refused_gpa);
	if (r.kind == VMXE_INSN_SUCCEED && !invalidate(v, &r.inv))
		return L0_ACTION_FATAL;
	switch (r.kind) {
	case VMXE_INSN_SUCCEED:
	case VMXE_INSN_FAIL_INVALID:
	case VMXE_INSN_FAIL_VALID:
		write_l1_gprs(v, &ctx.cpu);
		return finish_insn(&r);
	case VMXE_INSN_EXCEPTION:
		if (r.vector == VMXE_VEC_PF)
			l0_write_cr2(r.cr2);
		/* a fault of a stub's copy of the instruction is the site's (bt.h) */
		fault_rip = l0_bt_fault_rip(v, exit->guest_rip);
		if (fault_rip != exit->guest_rip)
			l0_vmwrite_checked(VMCS_ENC_GUEST_RIP, fault_rip);
		return l0_inject_exception(r.vector, r.has_error_code, r.error_code);
	case VMXE_INSN_VMENTRY:
		return enter_l2(v, r.launch);
	default:
		return L0_ACTION_FATAL;
	}
}

/* The L2 exit as vmx-emul's reflection rules take it. */
static void decode_l2_exit(struct l0_vcpu *v, const struct l0_exit *e, struct vmxe_exit *x)
{
	unsigned int gpr = (unsigned int)((e->qualification & VMXE_CRQ_GPR_MASK) >> VMXE_CRQ_GPR_SHIFT);

	*x = (struct vmxe_exit){
		.reason = e->reason,
		.qualification = e->qualification,
		.intr_info = (uint32_t)l0_vmread_field(VMCS_ENC_VM_EXIT_INTR_INFO),
		.intr_error_code = (uint32_t)l0_vmread_field(VMCS_ENC_VM_EXIT_INTR_ERROR_CODE),
		.idt_vectoring_info = e->idt_vec_info,
		.idt_vectoring_error_code =
			(uint32_t)l0_vmread_field(VMCS_ENC_IDT_VECTORING_ERROR_CODE),
		.instruction_len = e->insn_len,
		.instruction_info = e->insn_info,
		.guest_linear_address = l0_vmread_field(VMCS_ENC_GUEST_LINEAR_ADDRESS),
		.guest_physical_address = l0_vmread_field(VMCS_ENC_GUEST_PHYSICAL_ADDRESS),
		.l2_rax = v->regs->rax,
		.l2_rcx = v->regs->rcx,
		.l2_rdx = v->regs->rdx,
	};
	x->cr_source = gpr == VMXE_RSP ? l0_vmread_field(VMCS_ENC_GUEST_RSP)
				       : ((uint64_t *)v->regs)[gpr];
}

/* An EPT violation of L2 on EPT02: EPT12 (in L1's memory) and EPT01 decide (ept-merge). */
static enum l0_action l2_ept_violation(struct l0_vcpu *v, const struct l0_exit *exit,
				       struct vmxe_exit *x, const struct l0_exit_table *l0_handlers)
{
	struct l0_nested *n = &v->nested;
	uint64_t eptp12 = n->vmx.vmcs12->EPT_POINTER;
	struct eptm_outcome out;
	struct l0_exit at_l1;

	switch (eptm_l2_ept_violation(&n->eptm, eptp12, x->guest_physical_address,
				      x->qualification, &out)) {
	case EPTM_RESUME_L2:
		if (eptm_take_flush(&n->eptm) && l0_invept_all() != L0_VMX_OK)
			return L0_ACTION_FATAL;
		return L0_ACTION_RESUME;
	case EPTM_REFLECT_VIOLATION:
		x->qualification = out.qualification;
		n->prefill_pending = true;
		n->prefill_gpa = x->guest_physical_address;
		n->prefill_access = x->qualification & EPTM_QUAL_ACCESS_MASK;
		n->reflected++;
		return return_to_l1(v, x, true);
	case EPTM_REFLECT_MISCONFIG:
		x->reason = VMX_EXIT_EPT_MISCONFIG;
		x->qualification = 0;
		n->reflected++;
		return return_to_l1(v, x, true);
	case EPTM_L0_EPT01:
		/* L1's EPT12 points L2 at L1-physical memory EPT01 refuses (L0's): L0 answers as it
		 * would L1, at the L1-physical address */
		at_l1 = *exit;
		at_l1.guest_phys = out.l1gpa;
		n->vmcs02_hw_valid = false;
		return l0_exit_dispatch(l0_handlers, v, &at_l1);
	default:
		return L0_ACTION_FATAL;
	}
}

enum l0_action l0_nested_l2_exit(struct l0_vcpu *v, const struct l0_exit *exit,
				 const struct l0_exit_table *l0_handlers)
{
	struct l0_nested *n = &v->nested;
	struct vmxe_exit x;

	decode_l2_exit(v, exit, &x);
	if (exit->basic_reason == VMX_EXIT_EPT_VIOLATION &&
	    (vmxe_secondary_controls(n->vmx.vmcs12) & VMX_MASK(VMX_PROC2_ENABLE_EPT)))
		return l2_ept_violation(v, exit, &x, l0_handlers);
	switch (vmxe_l1_wants_exit(n->vmx.vmcs12, &x, &n->gmem)) {
	case VMXE_ROUTE_L1:
		n->reflected++;
		return return_to_l1(v, &x, true);
	case VMXE_ROUTE_L1_ENTRY_FAIL:
		n->reflected++;
		return return_to_l1(v, &x, false);
	case VMXE_ROUTE_L0:
		n->vmcs02_hw_valid = false; /* L0's handlers write VMCS02 directly */
		return l0_exit_dispatch(l0_handlers, v, exit);
	default:
		l0_log("no rule says who handles L2 exit %u", exit->basic_reason);
		return L0_ACTION_FATAL;
	}
}

/* L1's RDMSR of a VMX capability MSR or of IA32_FEATURE_CONTROL; false: #GP. */
bool l0_nested_rdmsr(struct l0_vcpu *v, uint32_t msr, uint64_t *value)
{
	if (msr == L0_MSR_FEATURE_CONTROL) {
		*value = v->nested.feature_control;
		return true;
	}
	return vmxe_vcaps_read(&v->nested.l1_caps, msr, value);
}

/* EPT01's translation for ept-merge: the same walk the CPU does over EPT01. */
static bool ept01_translate(void *ctx, uint64_t l1gpa, struct eptm_xlate *out)
{
	struct l0_vcpu *v = ctx;
	struct l0_page_access pages = { l0_host_identity_va, NULL };
	struct l0_ept_xlate x;

	if (l0_ept01_translate(&pages, v->ept01.eptp, l1gpa, &x) != L0_EPT01_OK)
		return false;
	*out = (struct eptm_xlate){ .addr = x.hpa, .perms = x.perms, .memtype = x.memtype,
				    .ignore_pat = x.ignore_pat, .level = x.level };
	return true;
}

/* The pool of EPT02 pages: consecutive pool pages. */
#define EPT02_POOL_PAGES 192

static bool reserve_ept02_pool(struct l0_nested *n, struct l0_host *host)
{
	uint64_t pa;

	for (int i = 0; i < EPT02_POOL_PAGES; i++) {
		void *p = l0_host_alloc_page(host, &pa);

		if (!p || (i && pa != n->ept02_pool_hpa + (uint64_t)i * 4096))
			return false;
		if (!i) {
			n->ept02_pool_va = p;
			n->ept02_pool_hpa = pa;
		}
	}
	return true;
}

/* From the running copy: the callbacks and pointers ept-merge keeps must be the copy's. */
static bool start_ept02(struct l0_vcpu *v)
{
	struct l0_nested *n = &v->nested;
	struct eptm_config cfg = {
		.pool_va = n->ept02_pool_va,
		.pool_hpa = n->ept02_pool_hpa,
		.pool_pages = EPT02_POOL_PAGES,
		.max_leaf_level = VMX_GET(VMX_EPT_VPID_PDPTE_1GB, v->caps.ept_vpid)  ? 3
				  : VMX_GET(VMX_EPT_VPID_PDE_2MB, v->caps.ept_vpid) ? 2
										    : 1,
		.l1 = { &n->gmem, n->l1_caps.msr[VMXE_MSR_EPT_VPID_CAP - VMXE_VCAPS_FIRST_MSR],
			n->maxphyaddr },
		.ept01 = { ept01_translate, v },
	};
	return eptm_init(&n->eptm, &cfg) == EPTM_OK;
}

bool l0_nested_init(struct l0_vcpu *v, bool ept)
{
	struct l0_nested *n = &v->nested;
	uint64_t pa;
	uint32_t *vmcs02;

	n->ept = ept;
	vmxe_vcaps_compute(&v->hw_caps, ept ? VMXE_VCAPS_EPT : 0, &n->l1_caps);
	n->feature_control = VMXE_FEATURE_CONTROL_LOCK | VMXE_FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	n->maxphyaddr = (uint8_t)l0_maxphyaddr();
	n->page1gb = l0_has_1g_pages();
	n->vmx_cache = l0_host_alloc_page(&v->host, &pa);
	n->vmcs01 = l0_host_alloc_page(&v->host, &pa);
	n->vmcs02 = l0_host_alloc_page(&v->host, &pa);
	n->vmcs02_hw = l0_host_alloc_page(&v->host, &pa);
	vmcs02 = l0_host_alloc_page(&v->host, &n->vmcs02_pa);
	n->msr_bitmap02 = l0_host_alloc_page(&v->host, &n->msr_bitmap02_pa);
	n->io_bitmap02 = l0_host_alloc_page(&v->host, &n->io_bitmap02_pa);
	if (!n->vmx_cache || !n->vmcs01 || !n->vmcs02 || !n->vmcs02_hw || !vmcs02 || !n->msr_bitmap02 ||
	    !n->io_bitmap02 || !l0_host_alloc_page(&v->host, &pa) ||
	    pa != n->io_bitmap02_pa + VMXE_IO_BITMAP_SIZE)
		return false; /* the I/O bitmaps: two consecutive pool pages */
	vmcs02[0] = (uint32_t)VMX_GET(VMX_BASIC_REVISION_ID, v->caps.basic);
	vmxe_nested_init(&n->vmx, n->vmx_cache);
	return !ept || reserve_ept02_pool(n, &v->host);
}

bool l0_nested_start(struct l0_vcpu *v)
{
	struct l0_nested *n = &v->nested;

	n->map = (struct l0_ept01_config){ v->host.ranges, v->host.range_count, 0, false, false };
	n->l1mem = (struct l0_l1_mem){ &n->map, { l0_host_identity_va, NULL } };
	n->gmem = l0_l1_mem_gmem(&n->l1mem);
	l0_vmcs_probe(&n->fields);
	if (eptm_vpid_init(&n->vpids, L2_VPID_FIRST, L2_VPID_COUNT) != 0)
		return false;
	l0_log("VMCS: the CPU has %u of the %u fields L0 knows", n->fields.count,
	       (unsigned int)vmxe_field_count());
	if (n->ept && !start_ept02(v)) {
		l0_log("ept=on: cannot set up the EPT02 pool");
		return false;
	}
	return l0_vmclear(n->vmcs02_pa) == L0_VMX_OK &&
	       l0_vmcs_read_set(&n->fields, VMCS_F_CONTROL | VMCS_F_HOST, n->vmcs01);
}
