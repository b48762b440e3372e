/*
 * vmx_insn.c: L0's emulation of L1's VMX instructions (SDM Vol. 3C 31.2 conventions, 31.3
 * instruction pages, 31.4 error numbers) over struct vmxe_nested. Touches no hardware: memory
 * operands go through operand.c (linear address, segmentation), l1_paging.c (L1's page tables)
 * and struct vmxe_gmem; VMCS pointers go straight to gmem. The choices L0 makes where the SDM
 * leaves it free are listed in vmx_insn.h.
 */
#include "vmx-emul/vmx_insn.h"

#include <stddef.h>
#include <string.h>

#include "ept-merge/ept.h"
#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/l1_paging.h"
#include "vmx-emul/vmx_caps.h"

#define VMX_PTR_ALIGN_MASK (VMXE_L1_PAGE_SIZE - 1ull) /* VMXON/VMCS regions are 4 KiB aligned */
#define VMX_PTR_BYTES	   8			      /* the memory operand of a VMCS pointer */
#define INV_DESC_BYTES	   16			      /* INVEPT/INVVPID descriptor */
#define INVVPID_DESC_RSVD  (~0xffffull)		      /* descriptor bits 63:16 */
#define PA_32BIT_WIDTH	   32 /* VMX pointer width with IA32_VMX_BASIC[48] (SDM A.1) */

/* The launch-state and layout words that VMCLEAR writes, in struct vmcs12's order. */
struct vmcs12_clear_words {
	uint32_t launch_state;
	uint32_t layout;
};
_Static_assert(offsetof(struct vmcs12, layout) ==
		   offsetof(struct vmcs12, launch_state) + sizeof(uint32_t),
	       "VMCLEAR writes launch_state and layout as one range");

void vmxe_nested_init(struct vmxe_nested *n, struct vmcs12 *cache)
{
	n->vmxon = false;
	n->vmxon_ptr = VMXE_VMPTR_NONE;
	n->current_vmptr = VMXE_VMPTR_NONE;
	n->vmcs12 = cache;
	n->vmcs12_dirty = false;
}

int vmxe_nested_flush(struct vmxe_nested *n, const struct vmxe_gmem *mem)
{
	int rc;

	if (n->current_vmptr == VMXE_VMPTR_NONE || !n->vmcs12_dirty)
		return VMXE_GMEM_OK;
	rc = vmxe_gmem_write(mem, n->current_vmptr, n->vmcs12, sizeof(*n->vmcs12));
	n->vmcs12_dirty = false;
	return rc;
}

void vmxe_insn_fail(struct vmxe_nested *n, enum vmxe_insn_error err, struct vmxe_insn_result *r)
{
	if (err == VMXE_FAIL_INVALID || n->current_vmptr == VMXE_VMPTR_NONE) {
		r->kind = VMXE_INSN_FAIL_INVALID;
		r->error = VMXE_FAIL_INVALID;
		return;
	}
	r->kind = VMXE_INSN_FAIL_VALID;
	r->error = err;
	(void)vmxe_vmcs12_write(n->vmcs12, VMCS_ENC_VM_INSTRUCTION_ERROR, (uint64_t)err,
				VMXE_WR_L0);
	n->vmcs12_dirty = true;
}

uint64_t vmxe_rflags_after(uint64_t rflags, const struct vmxe_insn_result *r)
{
	switch (r->kind) {
	case VMXE_INSN_SUCCEED:
		return rflags & ~VMXE_RFLAGS_VMX_STATUS;
	case VMXE_INSN_FAIL_INVALID:
		return (rflags & ~VMXE_RFLAGS_VMX_STATUS) | VMXE_RFLAGS_CF;
	case VMXE_INSN_FAIL_VALID:
		return (rflags & ~VMXE_RFLAGS_VMX_STATUS) | VMXE_RFLAGS_ZF;
	default:
		return rflags;
	}
}

/* L1's view of capability MSR @msr, 0 when L0 does not offer it. */
static uint64_t cap(const struct vmxe_vcaps *caps, uint32_t msr)
{
	uint32_t i = msr - VMXE_VCAPS_FIRST_MSR;

	return caps->present[i] ? caps->msr[i] : 0;
}

bool vmxe_eptp_valid(const struct vmxe_vcaps *caps, uint64_t eptp, unsigned int maxphyaddr)
{
	uint64_t ept = cap(caps, VMXE_MSR_EPT_VPID_CAP);
	unsigned int mt = eptm_eptp_memtype(eptp), levels = eptm_eptp_levels(eptp);

	if (!((mt == EPTM_MT_UC && (ept & VMX_MASK(VMX_EPT_VPID_MEMTYPE_UC))) ||
	      (mt == EPTM_MT_WB && (ept & VMX_MASK(VMX_EPT_VPID_MEMTYPE_WB)))))
		return false;
	if (!((levels == 4 && (ept & VMX_MASK(VMX_EPT_VPID_WALK_4))) ||
	      (levels == 5 && (ept & VMX_MASK(VMX_EPT_VPID_WALK_5)))))
		return false;
	if ((eptp & EPTP_AD_ENABLE) && !(ept & VMX_MASK(VMX_EPT_VPID_AD_FLAGS)))
		return false;
	if ((eptp & EPTP_SSS_ENFORCE) && !(ept & VMX_MASK(VMX_EPT_VPID_SSS_CONTROL)))
		return false;
	return !(eptp & EPTP_RSVD_11_8) && (maxphyaddr >= 64 || (eptp >> maxphyaddr) == 0);
}

/* Whether L1 may set secondary control @mask (and so has the instructions that go with it). */
static bool proc2_offered(const struct vmxe_insn_ctx *c, uint64_t mask)
{
	uint64_t proc = cap(c->caps, VMXE_MSR_PROCBASED_CTLS);
	uint64_t proc2 = cap(c->caps, VMXE_MSR_PROCBASED_CTLS2);

	return (vmxe_ctl_allowed1(proc) & VMX_MASK(VMX_PROC_SECONDARY_CONTROLS)) &&
	       (vmxe_ctl_allowed1(proc2) & mask);
}

static void succeed(struct vmxe_insn_result *r)
{
	r->kind = VMXE_INSN_SUCCEED;
	r->error = VMXE_OK;
}

static void inject(struct vmxe_insn_result *r, uint8_t vector, bool has_error_code)
{
	r->kind = VMXE_INSN_EXCEPTION;
	r->vector = vector;
	r->has_error_code = has_error_code;
	r->error_code = 0;
}

static void refuse(struct vmxe_insn_result *r, uint64_t gpa)
{
	if (!r->refused) {
		r->refused = true;
		r->refused_gpa = gpa;
	}
}

/* VMX instructions #UD in real, virtual-8086 and compatibility mode (SDM Vol. 3C 31.3). */
static bool mode_ud(const struct vmxe_insn_ctx *c)
{
	enum vmxe_cpu_mode mode = vmxe_cpu_mode(&c->cpu);

	return mode == VMXE_MODE_REAL || mode == VMXE_MODE_V86 || mode == VMXE_MODE_COMPAT;
}

/* The checks every instruction but VMXON opens with: #UD outside VMX operation and in the modes
 * above, #GP(0) above CPL 0. False (and @r says which) when one fails. */
static bool common_checks(const struct vmxe_nested *n, const struct vmxe_insn_ctx *c,
			  struct vmxe_insn_result *r)
{
	if (!n->vmxon || mode_ud(c)) {
		inject(r, VMXE_VEC_UD, false);
		return false;
	}
	if (vmxe_cpu_cpl(&c->cpu) > 0) {
		inject(r, VMXE_VEC_GP, true);
		return false;
	}
	return true;
}

struct vmxe_l1_paging vmxe_insn_paging(const struct vmxe_insn_ctx *c)
{
	return (struct vmxe_l1_paging){
	    .cr0 = c->cpu.cr0,
	    .cr3 = c->cr3,
	    .cr4 = c->cpu.cr4,
	    .efer = c->cpu.efer,
	    .pkru = c->pkru,
	    .pkrs = c->pkrs,
	    .maxphyaddr = c->maxphyaddr,
	    .ac = (c->cpu.rflags & VMXE_RFLAGS_AC) != 0,
	    .page1gb = c->page1gb,
	};
}

static const uint8_t operand_fault_vector[] = {
    [VMXE_OPERAND_GP] = VMXE_VEC_GP,
    [VMXE_OPERAND_SS] = VMXE_VEC_SS,
    [VMXE_OPERAND_BAD_INFO] = VMXE_VEC_UD,
};

/* Reads or writes the instruction's memory operand: @size bytes at @buf. False when it faults
 * (@r holds the exception). */
static bool mem_operand(const struct vmxe_insn_ctx *c, void *buf, unsigned int size, bool write,
			struct vmxe_insn_result *r)
{
	struct vmxe_l1_paging p = vmxe_insn_paging(c);
	struct vmxe_walk w;
	enum vmxe_operand_status os;
	enum vmxe_walk_status st;
	uint64_t la;

	os = vmxe_operand_linear(&c->cpu, c->insn_info, c->qualification, size, write, &la);
	if (os != VMXE_OPERAND_OK) {
		/* BAD_INFO: an information value no CPU reports for these instructions. */
		inject(r, operand_fault_vector[os], os != VMXE_OPERAND_BAD_INFO);
		return false;
	}
	st = write ? vmxe_l1_write_linear(&p, c->mem, la, buf, size, &w)
		   : vmxe_l1_read_linear(&p, c->mem, la, buf, size, &w);
	if (w.table_unmapped || w.data_unmapped)
		refuse(r, w.unmapped_gpa);
	if (st != VMXE_WALK_OK) { /* FAULT: operands are far shorter than a page */
		inject(r, VMXE_VEC_PF, true);
		r->error_code = w.error_code;
		r->cr2 = w.cr2;
		return false;
	}
	return true;
}

/* 4 KiB aligned and within the physical-address width (SDM Vol. 3C 31.3, VMXON .. VMPTRLD). */
static bool vmx_ptr_valid(const struct vmxe_insn_ctx *c, uint64_t addr)
{
	unsigned int width = VMX_GET(VMX_BASIC_PA_32BIT, cap(c->caps, VMXE_MSR_BASIC))
				 ? PA_32BIT_WIDTH
				 : c->maxphyaddr;

	return !(addr & VMX_PTR_ALIGN_MASK) && (width >= 64 || (addr >> width) == 0);
}

/* The revision identifier of a VMXON region or VMCS at @addr, accepted (SDM Vol. 3C 25.2): bits
 * 30:0 as IA32_VMX_BASIC says, bit 31 (shadow VMCS) only if @shadow_ok. A page that is not L1 RAM
 * has no acceptable identifier. */
static bool revision_ok(const struct vmxe_insn_ctx *c, uint64_t addr, bool shadow_ok,
			struct vmxe_insn_result *r)
{
	uint32_t want = (uint32_t)VMX_GET(VMX_BASIC_REVISION_ID, cap(c->caps, VMXE_MSR_BASIC));
	uint32_t rev;

	if (vmxe_gmem_read(c->mem, addr, &rev, sizeof(rev)) != VMXE_GMEM_OK) {
		refuse(r, addr);
		return false;
	}
	return (rev & VMCS12_REVISION_ID_MASK) == want &&
	       (!(rev & VMCS12_REVISION_SHADOW) || shadow_ok);
}

static void write_back(struct vmxe_nested *n, const struct vmxe_insn_ctx *c,
		       struct vmxe_insn_result *r)
{
	uint64_t ptr = n->current_vmptr;

	if (vmxe_nested_flush(n, c->mem) != VMXE_GMEM_OK)
		refuse(r, ptr);
}

static bool vmxon_allowed(const struct vmxe_insn_ctx *c)
{
	const struct vmxe_vcaps *k = c->caps;
	uint64_t fc = VMXE_FEATURE_CONTROL_LOCK | VMXE_FEATURE_CONTROL_VMX_OUTSIDE_SMX;

	return vmxe_cr_valid(c->cpu.cr0, cap(k, VMXE_MSR_CR0_FIXED0),
			     cap(k, VMXE_MSR_CR0_FIXED1)) &&
	       vmxe_cr_valid(c->cpu.cr4, cap(k, VMXE_MSR_CR4_FIXED0),
			     cap(k, VMXE_MSR_CR4_FIXED1)) &&
	       (c->feature_control & fc) == fc;
}

/* The VMXON region at @addr: checks and entry into VMX operation. */
static void vmxon_region(struct vmxe_nested *n, const struct vmxe_insn_ctx *c, uint64_t addr,
			 struct vmxe_insn_result *r)
{
	if (!vmx_ptr_valid(c, addr) || !revision_ok(c, addr, false, r)) {
		vmxe_insn_fail(n, VMXE_FAIL_INVALID, r);
		return;
	}
	n->vmxon = true;
	n->vmxon_ptr = addr;
	n->current_vmptr = VMXE_VMPTR_NONE;
	n->vmcs12_dirty = false;
	succeed(r);
}

static void insn_vmxon(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t addr;

	/* L1's CR4.VMXE as L1 set it: L0 keeps the real bit set while L1 runs. */
	if (mode_ud(c) || !(c->cpu.cr4 & VMX_MASK(VMX_CR4_VMXE)))
		inject(r, VMXE_VEC_UD, false);
	else if (vmxe_cpu_cpl(&c->cpu) > 0)
		inject(r, VMXE_VEC_GP, true);
	else if (n->vmxon)
		vmxe_insn_fail(n, VMXE_ERR_VMXON_IN_VMX_ROOT, r);
	else if (!vmxon_allowed(c))
		inject(r, VMXE_VEC_GP, true);
	else if (mem_operand(c, &addr, VMX_PTR_BYTES, false, r))
		vmxon_region(n, c, addr, r);
}

static void insn_vmxoff(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	if (!common_checks(n, c, r))
		return;
	write_back(n, c, r);
	vmxe_nested_init(n, n->vmcs12);
	succeed(r);
}

/* Completes an instruction that found @err (VMXE_OK: VMsucceed). */
static void finish(struct vmxe_nested *n, enum vmxe_insn_error err, struct vmxe_insn_result *r)
{
	if (err == VMXE_OK)
		succeed(r);
	else
		vmxe_insn_fail(n, err, r);
}

static enum vmxe_insn_error vmclear(struct vmxe_nested *n, const struct vmxe_insn_ctx *c,
				    uint64_t addr, struct vmxe_insn_result *r)
{
	struct vmcs12_clear_words words = {VMXE_LAUNCH_CLEAR, VMCS12_LAYOUT_TAG};

	if (!vmx_ptr_valid(c, addr))
		return VMXE_ERR_VMCLEAR_INVALID_ADDR;
	if (addr == n->vmxon_ptr)
		return VMXE_ERR_VMCLEAR_VMXON_PTR;
	if (addr == n->current_vmptr) {
		write_back(n, c, r);
		n->current_vmptr = VMXE_VMPTR_NONE;
	}
	if (vmxe_gmem_write(c->mem, addr + offsetof(struct vmcs12, launch_state), &words,
			    sizeof(words)) != VMXE_GMEM_OK)
		refuse(r, addr);
	return VMXE_OK;
}

static void insn_vmclear(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t addr;

	if (common_checks(n, c, r) && mem_operand(c, &addr, VMX_PTR_BYTES, false, r))
		finish(n, vmclear(n, c, addr, r), r);
}

/* Reads the VMCS12 page at @addr into the copy; a page never VMCLEARed gets a clear launch state
 * and L0's layout tag, written back later. */
static bool load_vmcs12(struct vmxe_nested *n, const struct vmxe_gmem *mem, uint64_t addr)
{
	if (vmxe_gmem_read(mem, addr, n->vmcs12, sizeof(*n->vmcs12)) != VMXE_GMEM_OK)
		return false;
	n->vmcs12_dirty = n->vmcs12->layout != VMCS12_LAYOUT_TAG;
	if (n->vmcs12_dirty) {
		n->vmcs12->launch_state = VMXE_LAUNCH_CLEAR;
		n->vmcs12->layout = VMCS12_LAYOUT_TAG;
	}
	return true;
}

static enum vmxe_insn_error vmptrld(struct vmxe_nested *n, const struct vmxe_insn_ctx *c,
				    uint64_t addr, struct vmxe_insn_result *r)
{
	bool shadow_ok = proc2_offered(c, VMX_MASK(VMX_PROC2_VMCS_SHADOWING));

	if (!vmx_ptr_valid(c, addr))
		return VMXE_ERR_VMPTRLD_INVALID_ADDR;
	if (addr == n->vmxon_ptr)
		return VMXE_ERR_VMPTRLD_VMXON_PTR;
	if (addr == n->current_vmptr)
		return VMXE_OK; /* the copy is the VMCS: reloading would drop unwritten state */
	if (!revision_ok(c, addr, shadow_ok, r))
		return VMXE_ERR_VMPTRLD_INCORRECT_REVISION;
	write_back(n, c, r);
	if (!load_vmcs12(n, c->mem, addr)) {
		/* Only a page that is partly L1 RAM gets here; keep the old VMCS current. */
		refuse(r, addr);
		if (n->current_vmptr != VMXE_VMPTR_NONE &&
		    !load_vmcs12(n, c->mem, n->current_vmptr))
			n->current_vmptr = VMXE_VMPTR_NONE;
		return VMXE_ERR_VMPTRLD_INCORRECT_REVISION;
	}
	n->current_vmptr = addr;
	return VMXE_OK;
}

static void insn_vmptrld(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t addr;

	if (common_checks(n, c, r) && mem_operand(c, &addr, VMX_PTR_BYTES, false, r))
		finish(n, vmptrld(n, c, addr, r), r);
}

static void insn_vmptrst(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t ptr = n->current_vmptr;

	if (common_checks(n, c, r) && mem_operand(c, &ptr, VMX_PTR_BYTES, true, r))
		succeed(r);
}

/* The field encoding that VMREAD/VMWRITE take from the Reg2 register. */
static enum vmxe_insn_error field_operand(const struct vmxe_insn_ctx *c, uint32_t *encoding)
{
	return vmxe_encoding_from_operand(
	    vmxe_operand_reg_read(&c->cpu, vmxe_ii_reg2(c->insn_info)), encoding);
}

static void insn_vmread(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	enum vmxe_insn_error err;
	uint32_t enc;
	uint64_t value = 0;

	if (!common_checks(n, c, r))
		return;
	if (n->current_vmptr == VMXE_VMPTR_NONE) {
		vmxe_insn_fail(n, VMXE_FAIL_INVALID, r);
		return;
	}
	err = field_operand(c, &enc);
	if (err == VMXE_OK)
		err = vmxe_vmcs12_read(n->vmcs12, enc, &value);
	if (err != VMXE_OK) {
		vmxe_insn_fail(n, err, r);
		return;
	}
	if (vmxe_ii_is_reg(c->insn_info))
		vmxe_operand_reg_write(&c->cpu, vmxe_ii_reg1(c->insn_info), value);
	else if (!mem_operand(c, &value, vmxe_operand_bytes(&c->cpu), true, r))
		return;
	succeed(r);
}

/* VMWRITE's source: a register or memory. False when reading memory faulted. */
static bool vmwrite_source(struct vmxe_insn_ctx *c, uint64_t *value, struct vmxe_insn_result *r)
{
	*value = 0;
	if (vmxe_ii_is_reg(c->insn_info)) {
		*value = vmxe_operand_reg_read(&c->cpu, vmxe_ii_reg1(c->insn_info));
		return true;
	}
	return mem_operand(c, value, vmxe_operand_bytes(&c->cpu), false, r);
}

static void insn_vmwrite(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	unsigned int wflags = VMX_GET(VMX_MISC_VMWRITE_ANY_FIELD, cap(c->caps, VMXE_MSR_MISC))
				  ? VMXE_WR_ALLOW_READ_ONLY
				  : VMXE_WR_L1;
	enum vmxe_insn_error err;
	uint32_t enc;
	uint64_t value;

	if (!common_checks(n, c, r))
		return;
	if (n->current_vmptr == VMXE_VMPTR_NONE) {
		vmxe_insn_fail(n, VMXE_FAIL_INVALID, r);
		return;
	}
	if (!vmwrite_source(c, &value, r))
		return;
	err = field_operand(c, &enc);
	if (err == VMXE_OK)
		err = vmxe_vmcs12_write(n->vmcs12, enc, value, wflags);
	if (err == VMXE_OK)
		n->vmcs12_dirty = true;
	finish(n, err, r);
}

static enum vmxe_insn_error vmentry(const struct vmxe_nested *n, const struct vmxe_insn_ctx *c,
				    bool launch)
{
	/* A shadow VMCS cannot be entered (SDM Vol. 3C 27.1). */
	if (n->current_vmptr == VMXE_VMPTR_NONE ||
	    (n->vmcs12->revision_id & VMCS12_REVISION_SHADOW))
		return VMXE_FAIL_INVALID;
	if (c->interruptibility & VMXE_INTR_BLOCK_MOV_SS)
		return VMXE_ERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS;
	if (launch && n->vmcs12->launch_state != VMXE_LAUNCH_CLEAR)
		return VMXE_ERR_VMLAUNCH_NONCLEAR_VMCS;
	if (!launch && n->vmcs12->launch_state != VMXE_LAUNCH_LAUNCHED)
		return VMXE_ERR_VMRESUME_NONLAUNCHED_VMCS;
	return VMXE_OK;
}

static void vmentry_insn(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r,
			 bool launch)
{
	enum vmxe_insn_error err;

	if (!common_checks(n, c, r))
		return;
	err = vmentry(n, c, launch);
	if (err != VMXE_OK) {
		vmxe_insn_fail(n, err, r);
		return;
	}
	r->kind = VMXE_INSN_VMENTRY;
	r->launch = launch;
}

static void insn_vmlaunch(struct vmxe_nested *n, struct vmxe_insn_ctx *c,
			  struct vmxe_insn_result *r)
{
	vmentry_insn(n, c, r, true);
}

static void insn_vmresume(struct vmxe_nested *n, struct vmxe_insn_ctx *c,
			  struct vmxe_insn_result *r)
{
	vmentry_insn(n, c, r, false);
}

/* One INVEPT or INVVPID type: the IA32_VMX_EPT_VPID_CAP bit that offers it, what it flushes. */
struct inv_type {
	uint64_t cap;
	enum vmxe_inv_kind kind;
};

static const struct inv_type invvpid_types[] = {
    [VMXE_INVVPID_ADDR] = {VMX_MASK(VMX_EPT_VPID_INVVPID_ADDR), VMXE_INV_VPID_ADDR},
    [VMXE_INVVPID_SINGLE] = {VMX_MASK(VMX_EPT_VPID_INVVPID_SINGLE), VMXE_INV_VPID_SINGLE},
    [VMXE_INVVPID_ALL] = {VMX_MASK(VMX_EPT_VPID_INVVPID_ALL), VMXE_INV_VPID_ALL},
    [VMXE_INVVPID_SINGLE_NONGLOBAL] = {VMX_MASK(VMX_EPT_VPID_INVVPID_SINGLE_GLOBALS),
				       VMXE_INV_VPID_SINGLE_NONGLOBAL},
};

static const struct inv_type invept_types[] = {
    [VMXE_INVEPT_SINGLE] = {VMX_MASK(VMX_EPT_VPID_INVEPT_SINGLE), VMXE_INV_EPT_SINGLE},
    [VMXE_INVEPT_ALL] = {VMX_MASK(VMX_EPT_VPID_INVEPT_ALL), VMXE_INV_EPT_ALL},
};

/*
 * The part INVEPT and INVVPID share: #UD unless L1 is offered the instruction (@proc2 control and
 * @insn_cap), the common checks, the type from the Reg2 register (error 28 unless offered), the
 * 128-bit descriptor from memory. NULL when the instruction is over (@r says how).
 */
static const struct inv_type *inv_prologue(struct vmxe_nested *n, struct vmxe_insn_ctx *c,
					   struct vmxe_insn_result *r, uint64_t proc2,
					   uint64_t insn_cap, const struct inv_type *types,
					   size_t ntypes, uint64_t desc[2])
{
	uint64_t ept_vpid = cap(c->caps, VMXE_MSR_EPT_VPID_CAP);
	uint64_t type;

	if (!proc2_offered(c, proc2) || !(ept_vpid & insn_cap)) {
		inject(r, VMXE_VEC_UD, false);
		return NULL;
	}
	if (!common_checks(n, c, r))
		return NULL;
	type = vmxe_operand_reg_read(&c->cpu, vmxe_ii_reg2(c->insn_info));
	if (type >= ntypes || !(ept_vpid & types[type].cap)) {
		vmxe_insn_fail(n, VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND, r);
		return NULL;
	}
	if (!mem_operand(c, desc, INV_DESC_BYTES, false, r))
		return NULL;
	return &types[type];
}

static enum vmxe_insn_error invvpid_check(const struct vmxe_insn_ctx *c, const struct inv_type *t,
					  const uint64_t desc[2])
{
	uint16_t vpid = (uint16_t)desc[0];

	if (desc[0] & INVVPID_DESC_RSVD)
		return VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND;
	if (t->kind != VMXE_INV_VPID_ALL && vpid == 0)
		return VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND;
	if (t->kind == VMXE_INV_VPID_ADDR && !vmxe_la_canonical(desc[1], vmxe_la_width(c->cpu.cr4)))
		return VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND;
	return VMXE_OK;
}

static void insn_invvpid(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t desc[2];
	const struct inv_type *t =
	    inv_prologue(n, c, r, VMX_MASK(VMX_PROC2_ENABLE_VPID), VMX_MASK(VMX_EPT_VPID_INVVPID),
			 invvpid_types, sizeof(invvpid_types) / sizeof(invvpid_types[0]), desc);
	enum vmxe_insn_error err;

	if (!t)
		return;
	err = invvpid_check(c, t, desc);
	if (err == VMXE_OK)
		r->inv = (struct vmxe_invalidation){
		    .kind = t->kind, .vpid = (uint16_t)desc[0], .addr = desc[1]};
	finish(n, err, r);
}

static void insn_invept(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r)
{
	uint64_t desc[2];
	const struct inv_type *t =
	    inv_prologue(n, c, r, VMX_MASK(VMX_PROC2_ENABLE_EPT), VMX_MASK(VMX_EPT_VPID_INVEPT),
			 invept_types, sizeof(invept_types) / sizeof(invept_types[0]), desc);
	enum vmxe_insn_error err = VMXE_OK;

	if (!t)
		return;
	if (t->kind == VMXE_INV_EPT_SINGLE && !vmxe_eptp_valid(c->caps, desc[0], c->maxphyaddr))
		err = VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND;
	if (err == VMXE_OK)
		r->inv = (struct vmxe_invalidation){.kind = t->kind, .eptp = desc[0]};
	finish(n, err, r);
}

typedef void insn_fn(struct vmxe_nested *n, struct vmxe_insn_ctx *c, struct vmxe_insn_result *r);

/* Indexed by basic exit reason; NULL where the reason is not a VMX instruction emulated here. */
static insn_fn *const insn_table[] = {
    [VMX_EXIT_VMCLEAR] = insn_vmclear, [VMX_EXIT_VMLAUNCH] = insn_vmlaunch,
    [VMX_EXIT_VMPTRLD] = insn_vmptrld, [VMX_EXIT_VMPTRST] = insn_vmptrst,
    [VMX_EXIT_VMREAD] = insn_vmread,   [VMX_EXIT_VMRESUME] = insn_vmresume,
    [VMX_EXIT_VMWRITE] = insn_vmwrite, [VMX_EXIT_VMXOFF] = insn_vmxoff,
    [VMX_EXIT_VMXON] = insn_vmxon,     [VMX_EXIT_INVEPT] = insn_invept,
    [VMX_EXIT_INVVPID] = insn_invvpid,
};

struct vmxe_insn_result vmxe_insn_emulate(struct vmxe_nested *n, struct vmxe_insn_ctx *ctx)
{
	struct vmxe_insn_result r;

	memset(&r, 0, sizeof(r));
	if (ctx->reason >= sizeof(insn_table) / sizeof(insn_table[0]) || !insn_table[ctx->reason]) {
		r.kind = VMXE_INSN_UNHANDLED;
		return r;
	}
	insn_table[ctx->reason](n, ctx, &r);
	return r;
}
