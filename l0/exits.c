/*
 * exits.c: L0's exit path for L1 (running on VMCS01): reads the exit once into struct l0_exit,
 * dispatches it through the one table of handlers, applies the action, and accounts it in the
 * trace. Every exit reason L1 can cause without L0 asking for it (SDM Vol. 3C 26.1.2) has an
 * entry or lands in the unhandled path, which stops L0 with a diagnostic. Touches hardware
 * (VMREAD/VMWRITE, the instructions it executes for L1).
 */
#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/hypercall.h"
#include "l0/util.h"
#include "l0/vcpu.h"
#include "l0/vmx_hw.h"
#include "ept-merge/ept.h"
#include "vmx-emul/reflect.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_insn.h"

struct l0_vcpu *l0_current_vcpu;

/* Interruption information (SDM 25.8.3, 25.9.2): the format vmx-emul names, and the bit saying
 * an error code is delivered. */
#define INTR_INFO_DELIVER_CODE (1u << 11)
#define GUEST_INTR_BLOCKING_STI_MOVSS 3u /* interruptibility bits 1:0 (SDM 25.4.2) */
#define LMSW_BITS 0xfull /* PE, MP, EM, TS; LMSW cannot clear PE */
#define XCR_XCR0 0

void l0_vmwrite_checked(uint32_t field, uint64_t value)
{
	if (l0_vmwrite(field, value) != L0_VMX_OK)
		l0_fatal_stop(l0_current_vcpu, "VMWRITE failed on the exit path");
}

static uint64_t *gpr(struct l0_vcpu *v, unsigned int index)
{
	return &((uint64_t *)v->regs)[index];
}

enum l0_action l0_inject_exception(unsigned int vector, bool has_error_code, uint32_t error_code)
{
	uint32_t info = VMXE_INTR_INFO_VALID |
			VMXE_INTR_TYPE_HW_EXCEPTION << VMXE_INTR_INFO_TYPE_SHIFT | vector;

	if (has_error_code) {
		info |= INTR_INFO_DELIVER_CODE;
		l0_vmwrite_checked(VMCS_ENC_VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	l0_vmwrite_checked(VMCS_ENC_VM_ENTRY_INTR_INFO, info);
	return L0_ACTION_RESUME;
}

static enum l0_action inject_gp(void)
{
	return l0_inject_exception(VMXE_VEC_GP, true, 0);
}

static enum l0_action inject_ud(void *vcpu, const struct l0_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return l0_inject_exception(VMXE_VEC_UD, false, 0);
}

static enum l0_action handle_cpuid(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	uint32_t leaf = (uint32_t)v->regs->rax, subleaf = (uint32_t)v->regs->rcx;
	struct cpuid_regs c = l0_cpuid(leaf, subleaf);
	uint32_t r[4] = { c.eax, c.ebx, c.ecx, c.edx };

	(void)exit;
	l0_cpuid_for_l1(leaf, subleaf, true, l0_vmread_field(VMCS_ENC_GUEST_CR4), r);
	v->regs->rax = r[0];
	v->regs->rbx = r[1];
	v->regs->rcx = r[2];
	v->regs->rdx = r[3];
	return L0_ACTION_SKIP;
}

/* Only the MSRs L0 intercepts (the bitmap, l0_takeover) and those the bitmap cannot cover exit:
 * IA32_ARCH_CAPABILITIES (l1_policy.h), L1's virtual VMX MSRs and feature control (nested.c);
 * anything else is #GP (SDM Vol. 4 2.1). */
static enum l0_action handle_rdmsr(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	uint64_t value;

	(void)exit;
	if ((uint32_t)v->regs->rcx == L0_MSR_ARCH_CAPABILITIES)
		value = v->arch_cap_l1;
	else if (!l0_nested_rdmsr(v, (uint32_t)v->regs->rcx, &value))
		return inject_gp();
	v->regs->rax = (uint32_t)value;
	v->regs->rdx = value >> 32;
	return L0_ACTION_SKIP;
}

static enum l0_action handle_wrmsr(void *vcpu, const struct l0_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return inject_gp(); /* feature control is locked; the others are read-only */
}

static enum l0_action handle_cr_access(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	uint64_t q = exit->qualification, value, real, shadow;
	unsigned int cr = q & VMXE_CRQ_CR_MASK;
	unsigned int type = (q & VMXE_CRQ_TYPE_MASK) >> VMXE_CRQ_TYPE_SHIFT;
	const struct l0_cr_policy *policy = cr == 0 ? &v->cr0 : &v->cr4;
	uint32_t real_field = cr == 0 ? VMCS_ENC_GUEST_CR0 : VMCS_ENC_GUEST_CR4;
	uint32_t shadow_field = cr == 0 ? VMCS_ENC_CR0_READ_SHADOW : VMCS_ENC_CR4_READ_SHADOW;

	if (cr != 0 && cr != 4)
		return L0_ACTION_FATAL; /* L0 intercepts no other CR */
	if (type == VMXE_CR_MOV_TO) {
		unsigned int r = (q & VMXE_CRQ_GPR_MASK) >> VMXE_CRQ_GPR_SHIFT;

		value = r == VMXE_RSP ? l0_vmread_field(VMCS_ENC_GUEST_RSP) : *gpr(v, r);
	} else if (type == VMXE_CR_LMSW && cr == 0) {
		uint64_t old = l0_vmread_field(shadow_field);

		value = (old & ~LMSW_BITS) | ((q >> VMXE_CRQ_LMSW_DATA_SHIFT) & LMSW_BITS) | (old & L0_CR0_PE);
	} else {
		return L0_ACTION_FATAL; /* reads and CLTS never exit: L0 owns no bit they touch */
	}
	if (!l0_cr_write(policy, value, &real, &shadow))
		return inject_gp();
	/* PG and PE are L1's own (unrestricted guest): a write that changes them never exits here */
	if (((real ^ l0_vmread_field(real_field)) & (L0_CR0_PG | L0_CR0_PE)) && cr == 0)
		return L0_ACTION_FATAL;
	l0_vmwrite_checked(real_field, real);
	l0_vmwrite_checked(shadow_field, shadow);
	return L0_ACTION_SKIP;
}

static enum l0_action handle_xsetbv(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	uint64_t value = (uint32_t)v->regs->rax | (v->regs->rdx << 32);

	(void)exit;
	if ((uint32_t)v->regs->rcx != XCR_XCR0 || !l0_xcr0_valid(value, v->xcr0_supported))
		return inject_gp();
	l0_xsetbv(XCR_XCR0, value);
	return L0_ACTION_SKIP;
}

/* INVD would drop L0's dirty lines too: write them back instead (what KVM and Xen do). */
static enum l0_action handle_invd(void *vcpu, const struct l0_exit *exit)
{
	(void)vcpu;
	(void)exit;
	l0_wbinvd();
	return L0_ACTION_SKIP;
}

static void dump_trace(struct l0_vcpu *v)
{
	static char json[L0_TRACE_JSON_MAX];

	if (l0_trace_dump_json(&v->trace, l0_rdtsc(), json, sizeof(json)) >= 0)
		l0_record("l0-exits", "%s", json);
	l0_bt_dump(v);
}

static void event_line(void *ctx, const char *line)
{
	/* the head first, then the chunks: ctx counts the lines written */
	l0_record((*(int *)ctx)++ ? "l0-ev" : "l0-events", "%s", line);
}

static enum l0_hc_error dump_events(struct l0_vcpu *v)
{
	const struct l0_trace_phase *p = &v->trace.phase;
	int lines = 0;

	if (!v->trace.events.buf)
		return L0_HC_ENO_EVENTS;
	l0_trace_events_dump(&v->trace.events, p->name[0] ? p->name : NULL, p->start_tsc,
			     event_line, &lines);
	return L0_HC_OK;
}

static enum l0_action handle_vmcall(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	struct l0_hc_regs in = { v->regs->rax, v->regs->rbx, v->regs->rcx, v->regs->rdx };
	struct l0_hypercall call;
	enum l0_hc_error err;

	if (exit->level == L0_LEVEL_L1 && (exit->guest_rip & L0_PAGE_MASK) == v->trampoline_pa) {
		l0_log("the L1 image returned: EFI status 0x%llx", (unsigned long long)v->regs->rbx);
		l0_fatal_stop(v, "L1's loader returned to the firmware");
	}
	err = l0_hypercall_decode(&in, &call);
	if (err == L0_HC_OK && !l0_trace_on(&v->trace))
		err = L0_HC_EDISABLED;
	if (err == L0_HC_OK) {
		if (call.op == L0_HC_RESET)
			l0_trace_reset(&v->trace);
		else if (call.op == L0_HC_DUMP)
			dump_trace(v);
		else if (call.op == L0_HC_PHASE_BEGIN)
			(void)l0_trace_phase_begin(&v->trace, call.name, l0_rdtsc());
		else if (call.op == L0_HC_DUMP_EVENTS)
			err = dump_events(v);
		else if (l0_trace_phase_end(&v->trace, l0_rdtsc()) != L0_TRACE_OK)
			err = L0_HC_ENO_PHASE;
	}
	v->regs->rax = (uint64_t)(int64_t)err;
	return L0_ACTION_SKIP;
}

static const char *access_name(uint64_t q)
{
	return (q & EPTM_QUAL_FETCH) ? "fetch" : (q & EPTM_QUAL_WRITE) ? "write" : "read";
}

/* An event being delivered when the exit happened is delivered again on the next entry
 * (SDM 28.2.4, 29.3.3.2 of the EPT violation case). */
static void redeliver_event(const struct l0_exit *exit)
{
	uint32_t type = (exit->idt_vec_info & VMXE_INTR_INFO_TYPE_MASK) >> VMXE_INTR_INFO_TYPE_SHIFT;

	if (!(exit->idt_vec_info & VMXE_INTR_INFO_VALID))
		return;
	l0_vmwrite_checked(VMCS_ENC_VM_ENTRY_INTR_INFO, exit->idt_vec_info);
	if (exit->idt_vec_info & INTR_INFO_DELIVER_CODE)
		l0_vmwrite_checked(VMCS_ENC_VM_ENTRY_EXCEPTION_ERROR_CODE, exit->idt_vec_error);
	if (type == VMXE_INTR_TYPE_SW_INTR || type == VMXE_INTR_TYPE_SW_EXCEPTION ||
	    type == VMXE_INTR_TYPE_PRIV_SW_EXCEPTION)
		l0_vmwrite_checked(VMCS_ENC_VM_ENTRY_INSTRUCTION_LEN, exit->insn_len);
}

/*
 * L1 reached a page EPT01 does not map. L0's own pages: refused and logged, and a zero decoy
 * page takes their place, so L1 goes on reading zeros and writing into nothing of L0's. Anything
 * else is beyond the firmware's map (a device BAR placed later): mapped identically, uncached.
 */
static enum l0_action handle_ept_violation(void *vcpu, const struct l0_exit *exit)
{
	struct l0_vcpu *v = vcpu;
	struct l0_page_alloc alloc = { l0_host_alloc_page, &v->host };
	struct l0_page_access mem = { l0_host_page_va, &v->host };
	uint64_t page = exit->guest_phys & L0_PAGE_MASK, leaf;

	if (l0_bt_ept_violation(v, exit->guest_phys, exit->qualification) ||
	    l0_bitmaps02_written(v, exit->guest_phys, exit->qualification)) {
		redeliver_event(exit);
		return L0_ACTION_RESUME; /* the page is writable again: L1 writes it again */
	}
	if (l0_ept01_page_type(&v->nested.map, page) == L0_MEM_L0) {
		l0_log("refused L1 %s of L0 memory at 0x%llx (rip 0x%llx)",
		       access_name(exit->qualification), (unsigned long long)exit->guest_phys,
		       (unsigned long long)exit->guest_rip);
		l0_record("l0-refused", "\"gpa\":\"0x%llx\",\"access\":\"%s\",\"rip\":\"0x%llx\"",
			  (unsigned long long)exit->guest_phys, access_name(exit->qualification),
			  (unsigned long long)exit->guest_rip);
		leaf = eptm_make_leaf(v->decoy_pa, 1, EPTM_R | EPTM_W, EPTM_MT_WB);
	} else if (page >= v->ept01.limit) {
		leaf = eptm_make_leaf(page, 1, EPTM_RWX | EPTM_X_USER, EPTM_MT_UC);
	} else {
		return L0_ACTION_FATAL; /* EPT01 maps this page: the violation cannot happen */
	}
	if (l0_ept01_map_page(&alloc, &mem, &v->ept01, page, leaf) != L0_EPT01_OK) {
		l0_log("out of pages for EPT01 at 0x%llx", (unsigned long long)page);
		return L0_ACTION_FATAL;
	}
	if (l0_invept_all() != L0_VMX_OK)
		return L0_ACTION_FATAL;
	redeliver_event(exit);
	return L0_ACTION_RESUME;
}

static enum l0_action handle_vmx_insn(void *vcpu, const struct l0_exit *exit)
{
	return l0_nested_vmx_insn(vcpu, exit);
}

static enum l0_action handle_unexpected(void *vcpu, const struct l0_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return L0_ACTION_FATAL;
}

static const struct l0_exit_table l1_exits = {
	.handlers = {
		[VMX_EXIT_CPUID] = handle_cpuid,
		[VMX_EXIT_RDMSR] = handle_rdmsr,
		[VMX_EXIT_WRMSR] = handle_wrmsr,
		[VMX_EXIT_CR_ACCESS] = handle_cr_access,
		[VMX_EXIT_XSETBV] = handle_xsetbv,
		[VMX_EXIT_INVD] = handle_invd,
		[VMX_EXIT_VMCALL] = handle_vmcall,
		[VMX_EXIT_EPT_VIOLATION] = handle_ept_violation,
		/* L1's virtual VMX (nested.c) */
		[VMX_EXIT_VMCLEAR] = handle_vmx_insn,
		[VMX_EXIT_VMLAUNCH] = handle_vmx_insn,
		[VMX_EXIT_VMPTRLD] = handle_vmx_insn,
		[VMX_EXIT_VMPTRST] = handle_vmx_insn,
		[VMX_EXIT_VMREAD] = handle_vmx_insn,
		[VMX_EXIT_VMRESUME] = handle_vmx_insn,
		[VMX_EXIT_VMWRITE] = handle_vmx_insn,
		[VMX_EXIT_VMXOFF] = handle_vmx_insn,
		[VMX_EXIT_VMXON] = handle_vmx_insn,
		[VMX_EXIT_INVEPT] = handle_vmx_insn,
		[VMX_EXIT_INVVPID] = handle_vmx_insn,
		/* not offered to L1: #UD, as on a CPU without them */
		[VMX_EXIT_VMFUNC] = inject_ud,
		[VMX_EXIT_GETSEC] = inject_ud,
	},
	.unhandled = handle_unexpected,
};

/* Exits while L2 runs that L1 did not ask for (nested.c decides): L0's own business, with
 * L2 as the guest in the current VMCS. */
static const struct l0_exit_table l2_exits = {
	.handlers = {
		[VMX_EXIT_RDMSR] = handle_rdmsr,
		[VMX_EXIT_WRMSR] = handle_wrmsr,
		[VMX_EXIT_CR_ACCESS] = handle_cr_access,
		[VMX_EXIT_EPT_VIOLATION] = handle_ept_violation,
	},
	.unhandled = handle_unexpected,
};

static void read_exit(struct l0_exit *e, enum l0_level level)
{
	memset(e, 0, sizeof(*e));
	l0_exit_set_reason(e, (uint32_t)l0_vmread_field(VMCS_ENC_VM_EXIT_REASON));
	e->level = level;
	e->qualification = l0_vmread_field(VMCS_ENC_EXIT_QUALIFICATION);
	e->guest_rip = l0_vmread_field(VMCS_ENC_GUEST_RIP);
	e->insn_len = (uint32_t)l0_vmread_field(VMCS_ENC_VM_EXIT_INSTRUCTION_LEN);
	e->insn_info = (uint32_t)l0_vmread_field(VMCS_ENC_VM_EXIT_INSTRUCTION_INFO);
	e->idt_vec_info = (uint32_t)l0_vmread_field(VMCS_ENC_IDT_VECTORING_INFO);
	if (e->basic_reason == VMX_EXIT_EPT_VIOLATION || e->basic_reason == VMX_EXIT_EPT_MISCONFIG) {
		e->guest_phys = l0_vmread_field(VMCS_ENC_GUEST_PHYSICAL_ADDRESS);
		e->idt_vec_error = (uint32_t)l0_vmread_field(VMCS_ENC_IDT_VECTORING_ERROR_CODE);
	}
}

/* SDM 26.3.1.5: after an emulated instruction, STI and MOV-SS blocking are over. */
static void skip_instruction(const struct l0_exit *e)
{
	uint64_t blocking = l0_vmread_field(VMCS_ENC_GUEST_INTERRUPTIBILITY_INFO);

	l0_vmwrite_checked(VMCS_ENC_GUEST_RIP, e->guest_rip + e->insn_len);
	if (blocking & GUEST_INTR_BLOCKING_STI_MOVSS)
		l0_vmwrite_checked(VMCS_ENC_GUEST_INTERRUPTIBILITY_INFO,
				 blocking & ~(uint64_t)GUEST_INTR_BLOCKING_STI_MOVSS);
}

static const struct l0_exit *current_exit;

int l0_handle_vmexit(struct l0_guest_regs *regs)
{
	struct l0_vcpu *v = l0_current_vcpu;
	bool tracing = l0_trace_on(&v->trace);
	uint64_t t0 = tracing ? l0_rdtsc() : 0;
	struct l0_exit e;
	enum l0_action action;

	v->regs = regs;
	read_exit(&e, v->nested.in_l2 ? L0_LEVEL_L2 : L0_LEVEL_L1);
	current_exit = &e;
	v->enter_with_launch = false;
	if (e.level == L0_LEVEL_L2)
		action = l0_nested_l2_exit(v, &e, &l2_exits);
	else
		action = l0_exit_dispatch(&l1_exits, v, &e);
	if (action == L0_ACTION_SKIP)
		skip_instruction(&e);
	else if (action != L0_ACTION_RESUME)
		l0_fatal_stop(v, action == L0_ACTION_REFLECT ? "no L2 to reflect an exit to"
							      : "L0 cannot handle this exit");
	if (tracing) {
		(void)l0_trace_exit(&v->trace, &e, t0, l0_rdtsc() - t0);
		if (e.level == L0_LEVEL_L2 && !v->nested.in_l2)
			l0_trace_episode_begin(&v->trace); /* reflected to L1 */
		else if (e.level == L0_LEVEL_L1 && v->nested.in_l2)
			l0_trace_episode_end(&v->trace); /* L1 entered L2 */
	}
	current_exit = NULL;
	return v->enter_with_launch;
}

static void ring_line(void *ctx, const char *line)
{
	(void)ctx;
	l0_record("l0-ring", "%s", line);
}

void l0_fatal_stop(struct l0_vcpu *v, const char *why)
{
	static char text[L0_EXIT_FORMAT_MAX];

	l0_log("FATAL: %s", why);
	if (current_exit && l0_exit_format(current_exit, text, sizeof(text)) > 0) {
		l0_log("FATAL exit: {%s}", text);
		l0_record("error", "\"stage\":\"l0\",\"message\":\"%s\",%s", why, text);
	} else {
		l0_record("error", "\"stage\":\"l0\",\"message\":\"%s\"", why);
	}
	if (v) {
		l0_log("the last %s exits, oldest first:", "L1");
		l0_trace_dump_ring(&v->trace, ring_line, NULL);
		dump_trace(v);
	}
	l0_log("L0 stopped");
	l0_halt_forever();
}

/* vmx_entry.S: VMRESUME or VMLAUNCH fell through (SDM 31.3: VMfailValid with the reason in
 * the current VMCS). */
void l0_vmentry_failed(void)
{
	l0_log("FATAL: VM entry failed, VM-instruction error %llu",
	       (unsigned long long)l0_vmread_field(VMCS_ENC_VM_INSTRUCTION_ERROR));
	l0_fatal_stop(l0_current_vcpu, "VM entry failed");
}

/* vmx_entry.S: an exception in L0 itself. @frame: vector, error code, RIP, CS, RFLAGS, RSP. */
void l0_host_exception(const uint64_t *frame)
{
	l0_log("FATAL: exception %llu in L0 at rip 0x%llx, error code 0x%llx, rsp 0x%llx",
	       (unsigned long long)frame[0], (unsigned long long)frame[2],
	       (unsigned long long)frame[1], (unsigned long long)frame[5]);
	l0_fatal_stop(l0_current_vcpu, "exception in L0");
}
