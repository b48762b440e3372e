/*
 * ept01_edit.c: single-page changes to EPT01 while L1 runs (see ept01_edit.h). Touches the CPU
 * only through INVEPT.
 */
#include "l0/ept01_edit.h"

#include "l0/console.h"
#include "l0/vcpu.h"
#include "l0/vmx_hw.h"

bool l0_ept01_set_perms(struct l0_vcpu *v, uint64_t page, uint64_t clear, uint64_t set,
			enum eptm_memtype mt, bool keep_type)
{
	struct l0_page_access mem = { l0_host_page_va, &v->host };
	struct l0_page_alloc alloc = { l0_host_alloc_page, &v->host };
	struct l0_ept_xlate x = { 0 };
	uint64_t perms = 0;

	if (l0_ept01_translate(&mem, v->ept01.eptp, page, &x) == L0_EPT01_OK) {
		perms = x.perms;
		if (keep_type)
			mt = (enum eptm_memtype)x.memtype;
	}
	if (l0_ept01_map_page(&alloc, &mem, &v->ept01, page,
			      eptm_make_leaf(page, 1, (perms & ~clear) | set, mt)) != L0_EPT01_OK) {
		l0_log("out of pages for EPT01 at 0x%llx", (unsigned long long)page);
		return false;
	}
	return true;
}

bool l0_ept01_flush(struct l0_vcpu *v)
{
	if (v->nested.ept)
		eptm_invept_all(&v->nested.eptm); /* EPT02 inherits EPT01's permissions */
	return l0_invept_all() == L0_VMX_OK;
}
