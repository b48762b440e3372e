/*
 * reflect.c: whether an exit from L2 goes to L0 or to L1, and the exit information L1 gets (see
 * reflect.h). One rule per basic exit reason in a table indexed by reason; the rules that need
 * more than one control bit are functions. Pure; touches no hardware. SDM Vol. 3C 26.1-26.2,
 * 27.8, 28.2.
 */
#include "vmx-emul/reflect.h"

#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/vmx_caps.h"

#define CTL(name) ((uint32_t)VMX_MASK(VMX_##name))

#define CR0_PE		  (1ull << 0)
#define CR0_TS		  (1ull << 3)
#define LMSW_BITS_3_1	  0xeull /* MP, EM, TS: LMSW can set and clear them */
#define LMSW_DATA_MASK	  0xffffu
#define CR3_TARGETS_MAX	  4u /* SDM 25.6.7 */
#define PF_VECTOR	  14u
#define EXCEPTION_VECTORS 32u /* vectors 0-31; one exception-bitmap bit each */
#define LEAF_BITMAP_LAST  63u /* ENCLS/ENCLV/PCONFIG: leaves >= 63 share bit 63 (26.1.3) */
#define IO_PORT_END	  0x10000u
#define BITS_PER_BYTE	  8u

struct route_ctx {
	const struct vmcs12 *v12;
	const struct vmxe_exit *e;
	const struct vmxe_gmem *mem;
};

typedef enum vmxe_exit_route (*route_fn)(const struct route_ctx *c);

static enum vmxe_exit_route to_l1_if(bool l1_wants)
{
	return l1_wants ? VMXE_ROUTE_L1 : VMXE_ROUTE_L0;
}

static uint32_t proc_of(const struct vmcs12 *v)
{
	return v->CPU_BASED_VM_EXEC_CONTROL;
}

/* A bit of one of L1's bitmaps at L1-physical @base; unreadable counts as 1 (reflect.h). */
static bool l1_bitmap_bit(const struct vmxe_gmem *mem, uint64_t base, uint32_t index)
{
	uint8_t byte;

	if (vmxe_gmem_read(mem, base + index / BITS_PER_BYTE, &byte, 1) != VMXE_GMEM_OK)
		return true;
	return (byte >> (index % BITS_PER_BYTE)) & 1;
}

bool vmxe_l1_msr_exits(const struct vmcs12 *vmcs12, uint32_t msr, bool write,
		       const struct vmxe_gmem *mem)
{
	uint64_t base = vmcs12->MSR_BITMAP + (write ? VMXE_MSR_BITMAP_WRITE : 0);

	if (!(proc_of(vmcs12) & CTL(PROC_USE_MSR_BITMAPS)))
		return true;
	if (msr < VMXE_MSR_LOW_END)
		return l1_bitmap_bit(mem, base + VMXE_MSR_BITMAP_READ_LOW, msr);
	if (msr >= VMXE_MSR_HIGH_BASE && msr < VMXE_MSR_HIGH_END)
		return l1_bitmap_bit(mem, base + VMXE_MSR_BITMAP_READ_HIGH,
				     msr - VMXE_MSR_HIGH_BASE);
	return true;
}

bool vmxe_l1_io_exits(const struct vmcs12 *vmcs12, uint16_t port, unsigned int size,
		      const struct vmxe_gmem *mem)
{
	uint32_t proc = proc_of(vmcs12);

	if (!(proc & CTL(PROC_USE_IO_BITMAPS)))
		return proc & CTL(PROC_UNCOND_IO_EXITING);
	for (uint32_t p = port; p < (uint32_t)port + size; p++) {
		if (p >= IO_PORT_END)
			return true; /* wraps around the I/O space: always exits (26.1.3) */
		if (p < VMXE_IO_BITMAP_B_FIRST_PORT
			? l1_bitmap_bit(mem, vmcs12->IO_BITMAP_A, p)
			: l1_bitmap_bit(mem, vmcs12->IO_BITMAP_B, p - VMXE_IO_BITMAP_B_FIRST_PORT))
			return true;
	}
	return false;
}

/* Exceptions by the bitmap; #PF by bit 14 and the error-code filter (SDM 25.6.3). */
static bool l1_exception_exits(const struct vmcs12 *v12, uint32_t vector, uint32_t error_code)
{
	if (vector == PF_VECTOR) {
		bool match = (error_code & v12->PAGE_FAULT_ERROR_CODE_MASK) ==
			     v12->PAGE_FAULT_ERROR_CODE_MATCH;

		return (v12->EXCEPTION_BITMAP & (1u << PF_VECTOR)) ? match : !match;
	}
	return (v12->EXCEPTION_BITMAP >> vector) & 1;
}

static enum vmxe_exit_route route_exception_nmi(const struct route_ctx *c)
{
	uint32_t info = c->e->intr_info;
	uint32_t vector = info & VMXE_INTR_INFO_VECTOR_MASK;

	if (!(info & VMXE_INTR_INFO_VALID))
		return VMXE_ROUTE_UNKNOWN;
	switch ((info & VMXE_INTR_INFO_TYPE_MASK) >> VMXE_INTR_INFO_TYPE_SHIFT) {
	case VMXE_INTR_TYPE_NMI:
		return to_l1_if(c->v12->PIN_BASED_VM_EXEC_CONTROL & CTL(PIN_NMI_EXITING));
	case VMXE_INTR_TYPE_HW_EXCEPTION:
	case VMXE_INTR_TYPE_PRIV_SW_EXCEPTION:
	case VMXE_INTR_TYPE_SW_EXCEPTION:
		if (vector >= EXCEPTION_VECTORS)
			return VMXE_ROUTE_UNKNOWN;
		return to_l1_if(l1_exception_exits(c->v12, vector, c->e->intr_error_code));
	default:
		return VMXE_ROUTE_UNKNOWN;
	}
}

/* MOV to CR3 exits unless CR3-load exiting is off or the value is one of the first
 * CR3-target-count target values (26.1.3). */
static bool l1_cr3_load_exits(const struct vmcs12 *v12, uint64_t value)
{
	const uint64_t targets[CR3_TARGETS_MAX] = {v12->CR3_TARGET_VALUE0, v12->CR3_TARGET_VALUE1,
						   v12->CR3_TARGET_VALUE2, v12->CR3_TARGET_VALUE3};
	uint32_t n =
	    v12->CR3_TARGET_COUNT < CR3_TARGETS_MAX ? v12->CR3_TARGET_COUNT : CR3_TARGETS_MAX;

	if (!(proc_of(v12) & CTL(PROC_CR3_LOAD_EXITING)))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (targets[i] == value)
			return false;
	return true;
}

/* MOV to CR0/CR4 exits iff the value differs from the read shadow in a bit of the mask. */
static enum vmxe_exit_route route_mov_to_cr(const struct vmcs12 *v12, uint32_t cr, uint64_t value)
{
	switch (cr) {
	case 0:
		return to_l1_if((value ^ v12->CR0_READ_SHADOW) & v12->CR0_GUEST_HOST_MASK);
	case 3:
		return to_l1_if(l1_cr3_load_exits(v12, value));
	case 4:
		return to_l1_if((value ^ v12->CR4_READ_SHADOW) & v12->CR4_GUEST_HOST_MASK);
	case 8:
		return to_l1_if(proc_of(v12) & CTL(PROC_CR8_LOAD_EXITING));
	default:
		return VMXE_ROUTE_UNKNOWN;
	}
}

/* LMSW writes CR0 bits 3:0 but never clears PE: it exits if it would change a bit 3:1 of the
 * mask, or set a masked PE that the shadow has clear (26.1.3). */
static bool l1_lmsw_exits(const struct vmcs12 *v12, uint64_t source)
{
	uint64_t mask = v12->CR0_GUEST_HOST_MASK, shadow = v12->CR0_READ_SHADOW;

	return (mask & LMSW_BITS_3_1 & (source ^ shadow)) ||
	       ((mask & CR0_PE) && !(shadow & CR0_PE) && (source & CR0_PE));
}

static enum vmxe_exit_route route_cr_access(const struct route_ctx *c)
{
	const struct vmcs12 *v12 = c->v12;
	uint64_t q = c->e->qualification;
	uint32_t cr = q & VMXE_CRQ_CR_MASK;

	switch ((q & VMXE_CRQ_TYPE_MASK) >> VMXE_CRQ_TYPE_SHIFT) {
	case VMXE_CR_MOV_TO:
		return route_mov_to_cr(v12, cr, c->e->cr_source);
	case VMXE_CR_MOV_FROM:
		if (cr == 3)
			return to_l1_if(proc_of(v12) & CTL(PROC_CR3_STORE_EXITING));
		if (cr == 8)
			return to_l1_if(proc_of(v12) & CTL(PROC_CR8_STORE_EXITING));
		return VMXE_ROUTE_UNKNOWN; /* MOV from CR0/CR4 reads the shadow, never exits */
	case VMXE_CR_CLTS:
		return to_l1_if((v12->CR0_GUEST_HOST_MASK & CR0_TS) &&
				(v12->CR0_READ_SHADOW & CR0_TS));
	default: /* VMXE_CR_LMSW */
		return to_l1_if(
		    l1_lmsw_exits(v12, (q >> VMXE_CRQ_LMSW_DATA_SHIFT) & LMSW_DATA_MASK));
	}
}

static enum vmxe_exit_route route_io(const struct route_ctx *c)
{
	uint64_t q = c->e->qualification;
	unsigned int size = (unsigned int)(q & VMXE_IOQ_SIZE_MASK) + 1;

	if (size != 1 && size != 2 && size != 4)
		return VMXE_ROUTE_UNKNOWN;
	return to_l1_if(
	    vmxe_l1_io_exits(c->v12, (uint16_t)(q >> VMXE_IOQ_PORT_SHIFT), size, c->mem));
}

/* The MSR is ECX: bits 63:32 of RCX play no part (SDM Vol. 2B RDMSR/WRMSR). */
static enum vmxe_exit_route route_msr(const struct route_ctx *c)
{
	bool write = vmx_exit_basic(c->e->reason) == VMX_EXIT_WRMSR;

	return to_l1_if(vmxe_l1_msr_exits(c->v12, (uint32_t)c->e->l2_rcx, write, c->mem));
}

/* PAUSE exits with PAUSE exiting, or by PAUSE-loop exiting (VMCS02 has L1's gap/window). */
static enum vmxe_exit_route route_pause(const struct route_ctx *c)
{
	return to_l1_if((proc_of(c->v12) & CTL(PROC_PAUSE_EXITING)) ||
			(vmxe_secondary_controls(c->v12) & CTL(PROC2_PAUSE_LOOP_EXITING)));
}

/* INVPCID exits when "enable INVPCID" and "INVLPG exiting" are both 1 (26.1.3). */
static enum vmxe_exit_route route_invpcid(const struct route_ctx *c)
{
	return to_l1_if((proc_of(c->v12) & CTL(PROC_INVLPG_EXITING)) &&
			(vmxe_secondary_controls(c->v12) & CTL(PROC2_ENABLE_INVPCID)));
}

/* UMWAIT and TPAUSE exit when "enable user wait and pause" and "RDTSC exiting" are both 1. */
static enum vmxe_exit_route route_user_wait(const struct route_ctx *c)
{
	return to_l1_if((proc_of(c->v12) & CTL(PROC_RDTSC_EXITING)) &&
			(vmxe_secondary_controls(c->v12) & CTL(PROC2_USER_WAIT_PAUSE)));
}

/* XSAVES/XRSTORS exit when some component they touch (EDX:EAX AND IA32_XSS) is set in the
 * XSS-exiting bitmap (26.1.3). */
static enum vmxe_exit_route route_xsaves(const struct route_ctx *c)
{
	uint64_t rfbm = (c->e->l2_rdx << 32) | (uint32_t)c->e->l2_rax;

	return to_l1_if((vmxe_secondary_controls(c->v12) & CTL(PROC2_ENABLE_XSAVES)) &&
			(rfbm & c->e->l2_xss & c->v12->XSS_EXITING_BITMAP));
}

/* ENCLS, ENCLV, PCONFIG: the bitmap bit of the leaf in EAX, bit 63 for leaves >= 63. */
static bool leaf_exits(uint32_t sec, uint32_t enable, uint64_t bitmap, uint64_t rax)
{
	uint32_t leaf = (uint32_t)rax;

	return (sec & enable) &&
	       ((bitmap >> (leaf < LEAF_BITMAP_LAST ? leaf : LEAF_BITMAP_LAST)) & 1);
}

static enum vmxe_exit_route route_encls(const struct route_ctx *c)
{
	return to_l1_if(leaf_exits(vmxe_secondary_controls(c->v12), CTL(PROC2_ENCLS_EXITING),
				   c->v12->ENCLS_EXITING_BITMAP, c->e->l2_rax));
}

static enum vmxe_exit_route route_enclv(const struct route_ctx *c)
{
	return to_l1_if(leaf_exits(vmxe_secondary_controls(c->v12), CTL(PROC2_ENCLV_EXITING),
				   c->v12->ENCLV_EXITING_BITMAP, c->e->l2_rax));
}

static enum vmxe_exit_route route_pconfig(const struct route_ctx *c)
{
	return to_l1_if(leaf_exits(vmxe_secondary_controls(c->v12), CTL(PROC2_ENABLE_PCONFIG),
				   c->v12->PCONFIG_EXITING_BITMAP, c->e->l2_rax));
}

/* APIC-write exits come from APIC-register virtualization or virtual-interrupt delivery. */
static enum vmxe_exit_route route_apic_write(const struct route_ctx *c)
{
	return to_l1_if(vmxe_secondary_controls(c->v12) &
			(CTL(PROC2_APIC_REG_VIRT) | CTL(PROC2_VIRT_INTR_DELIVERY)));
}

static enum vmxe_exit_route route_loadiwkey(const struct route_ctx *c)
{
	uint64_t tertiary =
	    (proc_of(c->v12) & CTL(PROC_TERTIARY_CONTROLS)) ? c->v12->TERTIARY_VM_EXEC_CONTROL : 0;

	return to_l1_if(tertiary & VMX_MASK(VMX_PROC3_LOADIWKEY_EXITING));
}

/* EPT exits happen on EPT02 (or EPT01 without EPT12), which L0 builds: L0 takes them, and with
 * EPT12 its walk of EPT12 decides whether L1 gets an EPT violation or misconfiguration
 * (ept-merge/ept02.h). */
static enum vmxe_exit_route route_ept(const struct route_ctx *c)
{
	(void)c;
	return VMXE_ROUTE_L0;
}

enum rule_kind {
	RULE_NONE = 0,	    /* no rule: VMXE_ROUTE_UNKNOWN */
	RULE_L0,	    /* L0's, whatever VMCS12 says */
	RULE_L1,	    /* exits unconditionally (26.1.2) or is L1's event: always L1's */
	RULE_PIN,	    /* L1's iff its pin-based control @bit is 1 */
	RULE_PROC,	    /* ... its primary processor-based control @bit */
	RULE_PROC2,	    /* ... its secondary control @bit (0 when not activated) */
	RULE_FN,	    /* @fn decides */
	RULE_ENTRY_FAIL,    /* a VM-entry failure (reason bit 31) that L1's entry caused */
	RULE_ENTRY_FAIL_L0, /* a VM-entry failure that is L0's (a machine check) */
};

struct exit_rule {
	uint8_t kind; /* enum rule_kind */
	uint8_t bit;
	route_fn fn;
};

/* One rule per line: the formatter would spread each over four. */
/* clang-format off */
#define TO_L0 { .kind = RULE_L0 }
#define TO_L1 { .kind = RULE_L1 }
#define BY_PIN(n) { .kind = RULE_PIN, .bit = VMX_PIN_##n##_SHIFT }
#define BY_PROC(n) { .kind = RULE_PROC, .bit = VMX_PROC_##n##_SHIFT }
#define BY_PROC2(n) { .kind = RULE_PROC2, .bit = VMX_PROC2_##n##_SHIFT }
#define BY_FN(f) { .kind = RULE_FN, .fn = (f) }

/* Reasons left out (RULE_NONE): 5-6 and 17 (SMIs, RSM: SMM only), 35, 38, 42, 71 (unassigned),
 * 76-77 (SEAMCALL, TDCALL: TDX, which L0 does not expect). */
static const struct exit_rule rules[VMX_EXIT_REASON_MAX + 1] = {
	[VMX_EXIT_EXCEPTION_NMI] = BY_FN(route_exception_nmi),
	[VMX_EXIT_EXTERNAL_INTERRUPT] = BY_PIN(EXT_INTR_EXITING),
	[VMX_EXIT_TRIPLE_FAULT] = TO_L1,
	[VMX_EXIT_INIT_SIGNAL] = TO_L1,
	[VMX_EXIT_SIPI] = TO_L1,
	[VMX_EXIT_INTERRUPT_WINDOW] = BY_PROC(INTR_WINDOW_EXITING),
	[VMX_EXIT_NMI_WINDOW] = BY_PROC(NMI_WINDOW_EXITING),
	[VMX_EXIT_TASK_SWITCH] = TO_L1,
	[VMX_EXIT_CPUID] = TO_L1,
	[VMX_EXIT_GETSEC] = TO_L1,
	[VMX_EXIT_HLT] = BY_PROC(HLT_EXITING),
	[VMX_EXIT_INVD] = TO_L1,
	[VMX_EXIT_INVLPG] = BY_PROC(INVLPG_EXITING),
	[VMX_EXIT_RDPMC] = BY_PROC(RDPMC_EXITING),
	[VMX_EXIT_RDTSC] = BY_PROC(RDTSC_EXITING),
	[VMX_EXIT_VMCALL] = TO_L1,
	[VMX_EXIT_VMCLEAR] = TO_L1,
	[VMX_EXIT_VMLAUNCH] = TO_L1,
	[VMX_EXIT_VMPTRLD] = TO_L1,
	[VMX_EXIT_VMPTRST] = TO_L1,
	[VMX_EXIT_VMREAD] = TO_L1, /* no VMCS shadowing for L2: always exits */
	[VMX_EXIT_VMRESUME] = TO_L1,
	[VMX_EXIT_VMWRITE] = TO_L1,
	[VMX_EXIT_VMXOFF] = TO_L1,
	[VMX_EXIT_VMXON] = TO_L1,
	[VMX_EXIT_CR_ACCESS] = BY_FN(route_cr_access),
	[VMX_EXIT_DR_ACCESS] = BY_PROC(MOV_DR_EXITING),
	[VMX_EXIT_IO_INSTRUCTION] = BY_FN(route_io),
	[VMX_EXIT_RDMSR] = BY_FN(route_msr),
	[VMX_EXIT_WRMSR] = BY_FN(route_msr),
	[VMX_EXIT_ENTRY_FAIL_GUEST_STATE] = {.kind = RULE_ENTRY_FAIL},
	[VMX_EXIT_ENTRY_FAIL_MSR_LOADING] = {.kind = RULE_ENTRY_FAIL},
	[VMX_EXIT_MWAIT] = BY_PROC(MWAIT_EXITING),
	[VMX_EXIT_MONITOR_TRAP_FLAG] = BY_PROC(MONITOR_TRAP_FLAG),
	[VMX_EXIT_MONITOR] = BY_PROC(MONITOR_EXITING),
	[VMX_EXIT_PAUSE] = BY_FN(route_pause),
	[VMX_EXIT_ENTRY_FAIL_MCE] = {.kind = RULE_ENTRY_FAIL_L0},
	[VMX_EXIT_TPR_BELOW_THRESHOLD] = BY_PROC(USE_TPR_SHADOW),
	[VMX_EXIT_APIC_ACCESS] = BY_PROC2(VIRT_APIC_ACCESSES),
	[VMX_EXIT_VIRTUALIZED_EOI] = BY_PROC2(VIRT_INTR_DELIVERY),
	[VMX_EXIT_GDTR_IDTR_ACCESS] = BY_PROC2(DESC_TABLE_EXITING),
	[VMX_EXIT_LDTR_TR_ACCESS] = BY_PROC2(DESC_TABLE_EXITING),
	[VMX_EXIT_EPT_VIOLATION] = BY_FN(route_ept),
	[VMX_EXIT_EPT_MISCONFIG] = BY_FN(route_ept),
	[VMX_EXIT_INVEPT] = TO_L1,
	[VMX_EXIT_RDTSCP] = BY_PROC(RDTSC_EXITING), /* "enable RDTSCP" too, else #UD, no exit */
	[VMX_EXIT_PREEMPTION_TIMER] = TO_L0,
	[VMX_EXIT_INVVPID] = TO_L1,
	[VMX_EXIT_WBINVD] = BY_PROC2(WBINVD_EXITING),
	[VMX_EXIT_XSETBV] = TO_L1,
	[VMX_EXIT_APIC_WRITE] = BY_FN(route_apic_write),
	[VMX_EXIT_RDRAND] = BY_PROC2(RDRAND_EXITING),
	[VMX_EXIT_INVPCID] = BY_FN(route_invpcid),
	[VMX_EXIT_VMFUNC] = TO_L1, /* only with L1's VM functions on, which then failed */
	[VMX_EXIT_ENCLS] = BY_FN(route_encls),
	[VMX_EXIT_RDSEED] = BY_PROC2(RDSEED_EXITING),
	[VMX_EXIT_PML_FULL] = TO_L0, /* PML needs EPT12; VMCS02's PML would be L0's */
	[VMX_EXIT_XSAVES] = BY_FN(route_xsaves),
	[VMX_EXIT_XRSTORS] = BY_FN(route_xsaves),
	[VMX_EXIT_PCONFIG] = BY_FN(route_pconfig),
	[VMX_EXIT_SPP_EVENT] = BY_FN(route_ept),
	[VMX_EXIT_UMWAIT] = BY_FN(route_user_wait),
	[VMX_EXIT_TPAUSE] = BY_FN(route_user_wait),
	[VMX_EXIT_LOADIWKEY] = BY_FN(route_loadiwkey),
	[VMX_EXIT_ENCLV] = BY_FN(route_enclv),
	[VMX_EXIT_ENQCMD_PASID_FAIL] = BY_PROC2(PASID_TRANSLATION),
	[VMX_EXIT_ENQCMDS_PASID_FAIL] = BY_PROC2(PASID_TRANSLATION),
	[VMX_EXIT_BUS_LOCK] = BY_PROC2(BUS_LOCK_DETECTION),
	[VMX_EXIT_INSTRUCTION_TIMEOUT] = BY_PROC2(INSTRUCTION_TIMEOUT),
};
/* clang-format on */

enum vmxe_exit_route vmxe_l1_wants_exit(const struct vmcs12 *vmcs12, const struct vmxe_exit *exit,
					const struct vmxe_gmem *mem)
{
	const struct route_ctx c = {.v12 = vmcs12, .e = exit, .mem = mem};
	uint16_t basic = vmx_exit_basic(exit->reason);
	const struct exit_rule *r;
	bool entry_rule;

	if (basic > VMX_EXIT_REASON_MAX)
		return VMXE_ROUTE_UNKNOWN;
	r = &rules[basic];
	entry_rule = r->kind == RULE_ENTRY_FAIL || r->kind == RULE_ENTRY_FAIL_L0;
	if (vmx_exit_is_entry_failure(exit->reason) != entry_rule)
		return VMXE_ROUTE_UNKNOWN; /* bit 31 goes with reasons 33, 34, 41 and only them */
	switch (r->kind) {
	case RULE_L0:
	case RULE_ENTRY_FAIL_L0:
		return VMXE_ROUTE_L0;
	case RULE_L1:
		return VMXE_ROUTE_L1;
	case RULE_ENTRY_FAIL:
		return VMXE_ROUTE_L1_ENTRY_FAIL;
	case RULE_PIN:
		return to_l1_if((vmcs12->PIN_BASED_VM_EXEC_CONTROL >> r->bit) & 1);
	case RULE_PROC:
		return to_l1_if((proc_of(vmcs12) >> r->bit) & 1);
	case RULE_PROC2:
		return to_l1_if((vmxe_secondary_controls(vmcs12) >> r->bit) & 1);
	case RULE_FN:
		return r->fn(&c);
	default:
		return VMXE_ROUTE_UNKNOWN;
	}
}

void vmxe_exit_for_l1(const struct vmxe_exit *exit, struct vmcs12 *vmcs12)
{
	vmcs12->VM_EXIT_REASON = exit->reason;
	vmcs12->EXIT_QUALIFICATION = exit->qualification;
	if (vmx_exit_is_entry_failure(exit->reason))
		return;
	vmcs12->GUEST_LINEAR_ADDRESS = exit->guest_linear_address;
	vmcs12->GUEST_PHYSICAL_ADDRESS = exit->guest_physical_address;
	vmcs12->VM_EXIT_INTR_INFO = exit->intr_info;
	vmcs12->VM_EXIT_INTR_ERROR_CODE = exit->intr_error_code;
	vmcs12->IDT_VECTORING_INFO = exit->idt_vectoring_info;
	vmcs12->IDT_VECTORING_ERROR_CODE = exit->idt_vectoring_error_code;
	vmcs12->VM_EXIT_INSTRUCTION_LEN = exit->instruction_len;
	vmcs12->VM_EXIT_INSTRUCTION_INFO = exit->instruction_info;
}
