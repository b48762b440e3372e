/*
 * vmcs12_guest_checks.c: the checks L1's VMLAUNCH/VMRESUME perform on VMCS12's guest-state
 * area (SDM Vol. 3C 27.3.1.1-27.3.1.6); a failure is a VM-entry failure with basic exit reason
 * 33, qualification 0, 2 (PDPTEs) or 4 (VMCS link pointer), per 27.8. Touches no hardware;
 * reads L1 memory for the VMCS link pointer's header and, without EPT, for PAE PDPTEs. The SDM
 * lets these checks run in any order; here: control registers and MSRs, RIP and RFLAGS (the
 * virtual-8086 segment rules depend on RFLAGS.VM), segments, descriptor tables, non-register
 * state, VMCS link pointer, PDPTEs.
 * Not checked: the BS bit of pending debug exceptions against TF/BTF (needs L1's live
 * IA32_DEBUGCTL when "load debug controls" is 0) and the SMM-only rules.
 */
#include "vmx-emul/vmcs12_checks.h"

#include "vmx-emul/vmcs12_checks_util.h"

#define DR7_RESERVED_HIGH     0xffffffff00000000ull
#define BASE_HIGH_MASK	      0xffffffff00000000ull
#define DT_LIMIT_RESERVED     0xffff0000u /* GDTR/IDTR limit bits 31:16 */
#define LIMIT_LOW_12	      0x00000fffu /* limit bits 11:0 */
#define LIMIT_HIGH_12	      0xfff00000u /* limit bits 31:20 */
#define V86_LIMIT	      0xffffu
#define V86_AR		      0xf3u /* present, DPL 3, read/write accessed data */
#define V86_BASE_SHIFT	      4
#define DB_VECTOR	      1u
#define MC_VECTOR	      18u
#define CANONICAL_BITS_4LEVEL 48u
/* PAE paging: CR3 bits 31:5 locate the PDPT; reserved PDPTE bits 2:1 and 8:5 (SDM Vol. 3A
 * 4.4.1), bits from MAXPHYADDR up. */
#define PAE_PDPT_MASK	   0xffffffe0u
#define PAE_PDPTE_COUNT	   4
#define PAE_PDPTE_P	   0x1ull
#define PAE_PDPTE_RESERVED 0x1e6ull

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

struct seg {
	uint64_t base;
	uint32_t limit, ar;
	uint16_t sel;
};

/* Rule names per segment register, so the trace says which register broke which rule. */
struct seg_rules {
	const char *sel, *base, *v86_base, *v86_limit, *v86_ar, *type, *s, *dpl, *p, *rsvd, *g;
};
/* clang-format off */
#define SEG_RULES(n)                                                                               \
	{ "guest_" n "_selector", "guest_" n "_base", "guest_" n "_v86_base",                      \
	  "guest_" n "_v86_limit", "guest_" n "_v86_ar", "guest_" n "_type", "guest_" n "_s",      \
	  "guest_" n "_dpl", "guest_" n "_p", "guest_" n "_reserved", "guest_" n "_granularity" }

static const struct seg_rules seg_rules[SEG_COUNT] = {
	[SEG_ES] = SEG_RULES("es"),
	[SEG_CS] = SEG_RULES("cs"),
	[SEG_SS] = SEG_RULES("ss"),
	[SEG_DS] = SEG_RULES("ds"),
	[SEG_FS] = SEG_RULES("fs"),
	[SEG_GS] = SEG_RULES("gs"),
	[SEG_LDTR] = SEG_RULES("ldtr"),
	[SEG_TR] = SEG_RULES("tr"),
};
/* clang-format on */

/* What the guest will be, from the entry controls and RFLAGS. */
struct guest_mode {
	bool urg;   /* unrestricted guest */
	bool ia32e; /* "IA-32e mode guest" */
	bool v86;   /* RFLAGS.VM */
	struct seg seg[SEG_COUNT];
};

#define LOAD_SEG(m, v, id, NAME)                                                                   \
	((m)->seg[id] = (struct seg){.base = (v)->GUEST_##NAME##_BASE,                             \
				     .limit = (v)->GUEST_##NAME##_LIMIT,                           \
				     .ar = (v)->GUEST_##NAME##_AR_BYTES,                           \
				     .sel = (v)->GUEST_##NAME##_SELECTOR})

static void load_mode(const struct vmcs12 *v, struct guest_mode *m)
{
	m->urg = HAS(vmxe_chk_proc2(v), VMX_PROC2_UNRESTRICTED_GUEST);
	m->ia32e = HAS(v->VM_ENTRY_CONTROLS, VMX_ENTRY_IA32E_MODE_GUEST);
	m->v86 = (v->GUEST_RFLAGS & RFLAGS_VM) != 0;
	LOAD_SEG(m, v, SEG_ES, ES);
	LOAD_SEG(m, v, SEG_CS, CS);
	LOAD_SEG(m, v, SEG_SS, SS);
	LOAD_SEG(m, v, SEG_DS, DS);
	LOAD_SEG(m, v, SEG_FS, FS);
	LOAD_SEG(m, v, SEG_GS, GS);
	LOAD_SEG(m, v, SEG_LDTR, LDTR);
	LOAD_SEG(m, v, SEG_TR, TR);
}

static bool usable(const struct seg *s)
{
	return !(s->ar & AR_UNUSABLE);
}

static uint32_t seg_type(const struct seg *s)
{
	return s->ar & AR_TYPE_MASK;
}

static uint32_t seg_dpl(const struct seg *s)
{
	return (s->ar & AR_DPL_MASK) >> AR_DPL_SHIFT;
}

/* G must be 0 unless limit bits 11:0 are all 1, and 1 if any of bits 31:20 is 1. */
static bool granularity_bad(const struct seg *s)
{
	bool g = (s->ar & AR_G) != 0;

	return (g && (s->limit & LIMIT_LOW_12) != LIMIT_LOW_12) ||
	       (!g && (s->limit & LIMIT_HIGH_12) != 0);
}

/* The injected event, if any: its type, or -1. */
static int injected_type(const struct vmcs12 *v)
{
	if (!(v->VM_ENTRY_INTR_INFO & INTR_INFO_VALID))
		return -1;
	return (int)((v->VM_ENTRY_INTR_INFO & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT);
}

/* SDM 27.3.1.1: CR0, CR4, CR3; PE and PG are free with unrestricted guest. */
static bool crs_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct vmcs12 *v = c->v;
	uint64_t cr0 = v->GUEST_CR0, cr4 = v->GUEST_CR4;
	uint64_t fixed0 = vmxe_chk_cap(c, VMXE_MSR_CR0_FIXED0);

	if (m->urg)
		fixed0 &= ~(VMX_MASK(VMX_CR0_PE) | VMX_MASK(VMX_CR0_PG));
	return CC(!vmxe_cr_valid(cr0, fixed0, vmxe_chk_cap(c, VMXE_MSR_CR0_FIXED1)),
		  "guest_cr0_fixed") ||
	       CC(HAS(cr0, VMX_CR0_PG) && !HAS(cr0, VMX_CR0_PE), "guest_cr0_pg_without_pe") ||
	       CC(!vmxe_cr_valid(cr4, vmxe_chk_cap(c, VMXE_MSR_CR4_FIXED0),
				 vmxe_chk_cap(c, VMXE_MSR_CR4_FIXED1)),
		  "guest_cr4_fixed") ||
	       CC(m->ia32e && !HAS(cr0, VMX_CR0_PG), "ia32e_guest_needs_pg") ||
	       CC(m->ia32e && !HAS(cr4, VMX_CR4_PAE), "ia32e_guest_needs_pae") ||
	       CC(!m->ia32e && HAS(cr4, VMX_CR4_PCIDE), "guest_cr4_pcide") ||
	       CC(!vmxe_chk_pa_ok(c, v->GUEST_CR3), "guest_cr3");
}

/* SDM 27.3.1.1: DEBUGCTL and DR7 when loaded, SYSENTER, PAT and EFER when loaded. */
static bool msrs_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct vmcs12 *v = c->v;
	uint32_t entry = v->VM_ENTRY_CONTROLS;
	bool dbg = HAS(entry, VMX_ENTRY_LOAD_DEBUG_CONTROLS);
	bool load_efer = HAS(entry, VMX_ENTRY_LOAD_EFER);
	uint64_t efer = v->GUEST_IA32_EFER;

	return CC(dbg && (v->GUEST_IA32_DEBUGCTL & ~c->cpu->debugctl_valid), "guest_debugctl") ||
	       CC(dbg && (v->GUEST_DR7 & DR7_RESERVED_HIGH), "guest_dr7") ||
	       CC(vmxe_chk_noncanonical(c, v->GUEST_IA32_SYSENTER_ESP), "guest_sysenter_esp") ||
	       CC(vmxe_chk_noncanonical(c, v->GUEST_IA32_SYSENTER_EIP), "guest_sysenter_eip") ||
	       CC(HAS(entry, VMX_ENTRY_LOAD_PAT) && !vmxe_chk_pat_valid(v->GUEST_IA32_PAT),
		  "guest_pat") ||
	       CC(load_efer && (efer & ~EFER_VALID), "guest_efer_reserved") ||
	       CC(load_efer && ((efer & EFER_LMA) != 0) != m->ia32e, "guest_efer_lma") ||
	       CC(load_efer && HAS(v->GUEST_CR0, VMX_CR0_PG) &&
		      ((efer & EFER_LME) != 0) != m->ia32e,
		  "guest_efer_lme");
}

/* SDM 27.3.1.4. RIP in 64-bit mode is canonical for the paging mode the guest CR4 selects. */
static bool rip_rflags_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct vmcs12 *v = c->v;
	uint64_t rflags = v->GUEST_RFLAGS;
	bool long_cs = m->ia32e && (m->seg[SEG_CS].ar & AR_L);
	unsigned int bits =
	    HAS(v->GUEST_CR4, VMX_CR4_LA57) ? c->cpu->linear_bits : CANONICAL_BITS_4LEVEL;

	return CC(!long_cs && (v->GUEST_RIP & BASE_HIGH_MASK), "guest_rip_high") ||
	       CC(long_cs && !vmxe_chk_canonical(v->GUEST_RIP, bits), "guest_rip_canonical") ||
	       CC(rflags & RFLAGS_RESERVED, "guest_rflags_reserved") ||
	       CC(!(rflags & RFLAGS_FIXED1), "guest_rflags_fixed1") ||
	       CC(m->v86 && (m->ia32e || !HAS(v->GUEST_CR0, VMX_CR0_PE)), "guest_rflags_vm") ||
	       CC(injected_type(v) == INTR_EXT_INTR && !(rflags & RFLAGS_IF), "guest_rflags_if");
}

/* SDM 27.3.1.2, virtual-8086 mode: real-mode-like bases, 64 KiB limits, fixed rights. */
static bool v86_segs_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	static const int ids[] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct seg *s = &m->seg[ids[i]];
		const struct seg_rules *r = &seg_rules[ids[i]];

		if (CC(s->base != (uint64_t)s->sel << V86_BASE_SHIFT, r->v86_base) ||
		    CC(s->limit != V86_LIMIT, r->v86_limit) || CC(s->ar != V86_AR, r->v86_ar))
			return true;
	}
	return false;
}

/* S, P, reserved bits and granularity: the same rule for every code or data segment. */
static bool seg_common_bad(const struct vmxe_chk *c, const struct seg *s, const struct seg_rules *r)
{
	return CC(!(s->ar & AR_S), r->s) || CC(!(s->ar & AR_P), r->p) ||
	       CC(s->ar & (AR_RSVD_11_8 | AR_RSVD_31_17), r->rsvd) || CC(granularity_bad(s), r->g);
}

/* CS (SDM 27.3.1.2): accessed code, or read/write accessed data with unrestricted guest; DPL
 * against SS.DPL by conformity; no L with D/B in IA-32e mode. */
static bool cs_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct seg *cs = &m->seg[SEG_CS];
	const struct seg_rules *r = &seg_rules[SEG_CS];
	uint32_t type = seg_type(cs), dpl = seg_dpl(cs), ss_dpl = seg_dpl(&m->seg[SEG_SS]);
	bool code = (type & (AR_TYPE_CODE | AR_TYPE_ACCESSED)) == (AR_TYPE_CODE | AR_TYPE_ACCESSED);
	bool data = type == SEG_TYPE_DATA_RW_ACCESSED;
	bool conforming = code && (type & AR_TYPE_CONFORMING);
	bool dpl_ok = data ? dpl == 0 : conforming ? dpl <= ss_dpl : dpl == ss_dpl;

	return CC(!code && !(data && m->urg), r->type) || CC(!(cs->ar & AR_S), r->s) ||
	       CC(!dpl_ok, r->dpl) || seg_common_bad(c, cs, r) ||
	       CC(m->ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB), "guest_cs_l_db");
}

/* SS: read/write accessed data when usable; DPL = RPL without unrestricted guest; DPL 0 in
 * real mode or with a data-type CS. */
static bool ss_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct seg *ss = &m->seg[SEG_SS];
	const struct seg_rules *r = &seg_rules[SEG_SS];
	uint32_t type = seg_type(ss);
	bool real = !HAS(c->v->GUEST_CR0, VMX_CR0_PE);
	bool cs_data = seg_type(&m->seg[SEG_CS]) == SEG_TYPE_DATA_RW_ACCESSED;

	return CC(usable(ss) && type != SEG_TYPE_DATA_RW_ACCESSED &&
		      type != SEG_TYPE_DATA_RW_DOWN_ACCESSED,
		  r->type) ||
	       CC(!m->urg && seg_dpl(ss) != (ss->sel & SEL_RPL_MASK), r->dpl) ||
	       CC((real || cs_data) && seg_dpl(ss) != 0, "guest_ss_dpl_zero") ||
	       (usable(ss) && seg_common_bad(c, ss, r));
}

/* DS, ES, FS, GS when usable: accessed, readable if code, DPL >= RPL unless conforming code
 * or unrestricted guest. */
static bool data_seg_bad(const struct vmxe_chk *c, const struct guest_mode *m, int id)
{
	const struct seg *s = &m->seg[id];
	const struct seg_rules *r = &seg_rules[id];
	uint32_t type = seg_type(s);
	bool code = (type & AR_TYPE_CODE) != 0;
	bool conforming_code = code && (type & AR_TYPE_CONFORMING);

	if (!usable(s))
		return false;
	return CC(!(type & AR_TYPE_ACCESSED) || (code && !(type & AR_TYPE_READABLE)), r->type) ||
	       CC(!m->urg && !conforming_code && seg_dpl(s) < (s->sel & SEL_RPL_MASK), r->dpl) ||
	       seg_common_bad(c, s, r);
}

/* TR (always usable, a busy TSS) and LDTR (when usable, an LDT): system segments. */
static bool system_segs_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct seg *tr = &m->seg[SEG_TR], *ldtr = &m->seg[SEG_LDTR];
	const struct seg_rules *rt = &seg_rules[SEG_TR], *rl = &seg_rules[SEG_LDTR];
	uint32_t type = seg_type(tr);
	bool tr_type_ok = type == SEG_TYPE_TSS_BUSY || (!m->ia32e && type == SEG_TYPE_TSS16_BUSY);

	if (CC(!tr_type_ok, rt->type) || CC(tr->ar & AR_S, rt->s) || CC(!(tr->ar & AR_P), rt->p) ||
	    CC(tr->ar & (AR_RSVD_11_8 | AR_RSVD_31_17), rt->rsvd) ||
	    CC(granularity_bad(tr), rt->g) || CC(!usable(tr), "guest_tr_unusable"))
		return true;
	if (!usable(ldtr))
		return false;
	return CC(seg_type(ldtr) != SEG_TYPE_LDT, rl->type) || CC(ldtr->ar & AR_S, rl->s) ||
	       CC(!(ldtr->ar & AR_P), rl->p) ||
	       CC(ldtr->ar & (AR_RSVD_11_8 | AR_RSVD_31_17), rl->rsvd) ||
	       CC(granularity_bad(ldtr), rl->g);
}

/* SDM 27.3.1.2: selectors and bases. */
static bool seg_sel_base_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct seg *s = m->seg;
	bool ldtr_usable = usable(&s[SEG_LDTR]);
	static const int high_zero[] = {SEG_SS, SEG_DS, SEG_ES};
	size_t i;

	if (CC(s[SEG_TR].sel & SEL_TI, seg_rules[SEG_TR].sel) ||
	    CC(ldtr_usable && (s[SEG_LDTR].sel & SEL_TI), seg_rules[SEG_LDTR].sel) ||
	    CC(!m->v86 && !m->urg &&
		   (s[SEG_SS].sel & SEL_RPL_MASK) != (s[SEG_CS].sel & SEL_RPL_MASK),
	       seg_rules[SEG_SS].sel) ||
	    CC(vmxe_chk_noncanonical(c, s[SEG_TR].base), seg_rules[SEG_TR].base) ||
	    CC(vmxe_chk_noncanonical(c, s[SEG_FS].base), seg_rules[SEG_FS].base) ||
	    CC(vmxe_chk_noncanonical(c, s[SEG_GS].base), seg_rules[SEG_GS].base) ||
	    CC(ldtr_usable && vmxe_chk_noncanonical(c, s[SEG_LDTR].base),
	       seg_rules[SEG_LDTR].base) ||
	    CC(s[SEG_CS].base & BASE_HIGH_MASK, seg_rules[SEG_CS].base))
		return true;
	for (i = 0; i < sizeof(high_zero) / sizeof(high_zero[0]); i++) {
		const struct seg *h = &s[high_zero[i]];

		if (CC(usable(h) && (h->base & BASE_HIGH_MASK), seg_rules[high_zero[i]].base))
			return true;
	}
	return false;
}

static bool segments_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	if (seg_sel_base_bad(c, m))
		return true;
	if (m->v86) {
		if (v86_segs_bad(c, m))
			return true;
	} else if (cs_bad(c, m) || ss_bad(c, m) || data_seg_bad(c, m, SEG_DS) ||
		   data_seg_bad(c, m, SEG_ES) || data_seg_bad(c, m, SEG_FS) ||
		   data_seg_bad(c, m, SEG_GS)) {
		return true;
	}
	return system_segs_bad(c, m);
}

/* SDM 27.3.1.3. */
static bool descriptor_tables_bad(const struct vmxe_chk *c)
{
	const struct vmcs12 *v = c->v;

	return CC(vmxe_chk_noncanonical(c, v->GUEST_GDTR_BASE), "guest_gdtr_base") ||
	       CC(vmxe_chk_noncanonical(c, v->GUEST_IDTR_BASE), "guest_idtr_base") ||
	       CC(v->GUEST_GDTR_LIMIT & DT_LIMIT_RESERVED, "guest_gdtr_limit") ||
	       CC(v->GUEST_IDTR_LIMIT & DT_LIMIT_RESERVED, "guest_idtr_limit");
}

/* Whether an activity state lets the injected event through (SDM 27.3.1.5): HLT takes
 * interrupts, NMIs, #DB, #MC and a pending MTF exit; shutdown NMIs and #MC; wait-for-SIPI none. */
static bool event_allowed(uint32_t activity, int type, uint32_t vector)
{
	bool mc = type == INTR_HW_EXCEPTION && vector == MC_VECTOR;
	bool db = type == INTR_HW_EXCEPTION && vector == DB_VECTOR;

	switch (activity) {
	case ACTIVITY_ACTIVE:
		return true;
	case ACTIVITY_HLT:
		return type == INTR_EXT_INTR || type == INTR_NMI || db || mc ||
		       type == INTR_OTHER_EVENT;
	case ACTIVITY_SHUTDOWN:
		return type == INTR_NMI || mc;
	default:
		return false;
	}
}

/* Activity states L1 was offered (IA32_VMX_MISC bits 8:6). */
static bool activity_offered(const struct vmxe_chk *c, uint32_t activity)
{
	uint64_t misc = vmxe_chk_cap(c, VMXE_MSR_MISC);

	switch (activity) {
	case ACTIVITY_ACTIVE:
		return true;
	case ACTIVITY_HLT:
		return HAS(misc, VMX_MISC_ACT_HLT);
	case ACTIVITY_SHUTDOWN:
		return HAS(misc, VMX_MISC_ACT_SHUTDOWN);
	case ACTIVITY_WAIT_SIPI:
		return HAS(misc, VMX_MISC_ACT_WAIT_SIPI);
	default:
		return false;
	}
}

/* SDM 27.3.1.5: activity state, interruptibility state, pending debug exceptions. */
static bool non_register_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct vmcs12 *v = c->v;
	uint32_t act = v->GUEST_ACTIVITY_STATE, intr = v->GUEST_INTERRUPTIBILITY_INFO;
	uint32_t blocking = intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	int type = injected_type(v);
	uint32_t vector = v->VM_ENTRY_INTR_INFO & INTR_INFO_VECTOR_MASK;
	uint64_t pd = v->GUEST_PENDING_DBG_EXCEPTIONS;

	return CC(!activity_offered(c, act), "guest_activity_state") ||
	       CC(act == ACTIVITY_HLT && seg_dpl(&m->seg[SEG_SS]) != 0, "guest_activity_hlt_dpl") ||
	       CC(act != ACTIVITY_ACTIVE && blocking, "guest_activity_blocking") ||
	       CC(type >= 0 && !event_allowed(act, type, vector), "guest_activity_event") ||
	       CC(intr & INTERRUPTIBILITY_RESERVED, "guest_interruptibility_reserved") ||
	       CC(blocking == (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS),
		  "guest_interruptibility_sti_movss") ||
	       CC((intr & INTERRUPTIBILITY_STI) && !(v->GUEST_RFLAGS & RFLAGS_IF),
		  "guest_interruptibility_sti_if") ||
	       CC(type == INTR_EXT_INTR && blocking, "guest_interruptibility_ext_intr") ||
	       CC(type == INTR_NMI && (intr & INTERRUPTIBILITY_MOV_SS),
		  "guest_interruptibility_nmi_movss") ||
	       CC(intr & INTERRUPTIBILITY_SMI, "guest_interruptibility_smi") ||
	       CC(type == INTR_NMI && HAS(v->PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_VIRTUAL_NMIS) &&
		      (intr & INTERRUPTIBILITY_NMI),
		  "guest_interruptibility_nmi_blocked") ||
	       CC(pd & PENDING_DBG_RESERVED, "guest_pending_dbg_reserved") ||
	       CC((pd & PENDING_DBG_RTM) &&
		      ((pd & (PENDING_DBG_B0_3 | PENDING_DBG_BS)) ||
		       !(pd & PENDING_DBG_ENABLED_BP) || (intr & INTERRUPTIBILITY_MOV_SS)),
		  "guest_pending_dbg_rtm");
}

/* SDM 27.3.1.5: unless ~0, the VMCS link pointer names a VMCS region (not the current one)
 * with L1's revision identifier, marked shadow exactly when "VMCS shadowing" is 1. */
static bool link_ptr_bad(const struct vmxe_chk *c)
{
	uint64_t lp = c->v->VMCS_LINK_POINTER;
	uint32_t header = 0;
	uint32_t revision =
	    (uint32_t)VMX_GET(VMX_BASIC_REVISION_ID, vmxe_chk_cap(c, VMXE_MSR_BASIC));
	bool shadowing = HAS(vmxe_chk_proc2(c->v), VMX_PROC2_VMCS_SHADOWING);

	if (lp == UINT64_MAX)
		return false;
	return CC(vmxe_chk_page_bad(c, lp), "vmcs_link_ptr_addr") ||
	       CC(lp == c->cpu->vmcs12_gpa, "vmcs_link_ptr_current") ||
	       CC(vmxe_gmem_read(c->mem, lp, &header, sizeof(header)) != VMXE_GMEM_OK,
		  "vmcs_link_ptr_memory") ||
	       CC((header & VMCS12_REVISION_ID_MASK) != revision, "vmcs_link_ptr_revision") ||
	       CC(((header & VMCS12_REVISION_SHADOW) != 0) != shadowing, "vmcs_link_ptr_shadow");
}

/* SDM 27.3.1.6: with PAE paging outside IA-32e mode, the four PDPTEs: from the VMCS fields with
 * EPT, else from L1 memory at CR3 (no EPT12, so L2-physical is L1-physical). */
static bool pdptes_bad(const struct vmxe_chk *c, const struct guest_mode *m)
{
	const struct vmcs12 *v = c->v;
	uint64_t pdpte[PAE_PDPTE_COUNT] = {v->GUEST_PDPTE0, v->GUEST_PDPTE1, v->GUEST_PDPTE2,
					   v->GUEST_PDPTE3};
	int i;

	if (!HAS(v->GUEST_CR0, VMX_CR0_PG) || !HAS(v->GUEST_CR4, VMX_CR4_PAE) || m->ia32e)
		return false;
	if (!HAS(vmxe_chk_proc2(v), VMX_PROC2_ENABLE_EPT) &&
	    CC(vmxe_gmem_read(c->mem, (uint32_t)v->GUEST_CR3 & PAE_PDPT_MASK, pdpte,
			      sizeof(pdpte)) != VMXE_GMEM_OK,
	       "guest_pdpte_memory"))
		return true;
	for (i = 0; i < PAE_PDPTE_COUNT; i++)
		if (CC((pdpte[i] & PAE_PDPTE_P) &&
			   ((pdpte[i] & PAE_PDPTE_RESERVED) || !vmxe_chk_pa_ok(c, pdpte[i])),
		       "guest_pdpte_reserved"))
			return true;
	return false;
}

enum vmxe_check_kind vmxe_check_guest_state(const struct vmcs12 *v, const struct vmxe_vcaps *caps,
					    const struct vmxe_check_l1 *cpu,
					    const struct vmxe_gmem *mem,
					    struct vmxe_check_result *res)
{
	const struct vmxe_chk chk = {.v = v, .caps = caps, .cpu = cpu, .mem = mem, .res = res};
	const struct vmxe_chk *c = &chk;
	struct guest_mode m;
	bool failed;

	*res = (struct vmxe_check_result){0};
	load_mode(v, &m);
	failed = crs_bad(c, &m) || msrs_bad(c, &m) || rip_rflags_bad(c, &m) ||
		 segments_bad(c, &m) || descriptor_tables_bad(c) || non_register_bad(c, &m);
	if (!failed && link_ptr_bad(c)) {
		res->qualification = VMXE_ENTRY_QUAL_VMCS_LINK_PTR;
		failed = true;
	}
	if (!failed && pdptes_bad(c, &m)) {
		res->qualification = VMXE_ENTRY_QUAL_PDPTE;
		failed = true;
	}
	return vmxe_chk_verdict(res, failed, VMXE_CHECK_ENTRY_FAIL, VMXE_OK,
				VMX_EXIT_ENTRY_FAIL_GUEST_STATE);
}
