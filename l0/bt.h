/*
 * bt.h: binary translation of L1's VMREAD/VMWRITE (bt=on), the hardware side: the window of stub
 * pages L0 maps into L1 (vmcs-shadow/bt_map.h), the translation of a site when its VMREAD or
 * VMWRITE exits (vmcs-shadow/bt_translate.h, Capstone inside), the write protection of translated
 * code in EPT01 and its lifting when L1 writes that code. The decisions are the vbt library's;
 * this file places bytes, edits EPT01 and keeps the counts.
 */
#ifndef L0_BT_H
#define L0_BT_H

#include <stdbool.h>
#include <stdint.h>

#include "l0/exit_table.h"
#include "vmcs-shadow/bt_cache.h"
#include "vmcs-shadow/bt_map.h"
#include "vmcs-shadow/bt_policy.h"
#include "vmx-emul/vmx_insn.h"

#define L0_BT_FXSAVE_BYTES 512 /* FXSAVE's area (SDM Vol. 1 10.5.1) */

struct l0_bt {
	bool on;     /* bt=on was asked for */
	bool active; /* translating: on, started, and not turned off since */
	bool window_mapped;
	uint8_t *stubs;		   /* VBT_STUB_PAGES consecutive pool pages */
	uint64_t stubs_pa;
	struct vbt_shared *shared; /* the page the stubs read the VMCS12 pointer from */
	uint64_t shared_pa;
	uint64_t *pt;		   /* the window's page table */
	uint64_t pt_pa;
	uint64_t vmcs12_pa;	   /* the VMCS12 copy (nested.c's vmx_cache), shown to L1 */
	struct vbt_cache cache;
	struct vbt_decoder decoder;
	struct vbt_config cfg;
	uint64_t translated, revived, scanned, restored_sites, unprotected_pages;
	uint64_t unreadable; /* exits whose code L0 could not read through L1's page tables */
	uint64_t refused[VBT_REASON_COUNT];
	uint8_t fxsave[L0_BT_FXSAVE_BYTES] __attribute__((aligned(16)));
};

struct l0_vcpu;

/* Pool pages; before the take-over, after nested.c's (whose VMCS12 copy the window shows). */
bool l0_bt_init(struct l0_vcpu *v, bool want);

/* From the running copy, once EPT01 and the shadow bitmaps exist: Capstone, the cache, the
 * window pages in EPT01. */
bool l0_bt_start(struct l0_vcpu *v);

/* An L1 VMREAD/VMWRITE exit (@ctx as nested.c filled it): true when the site was translated and
 * L1 resumes there unemulated (*action set); false: emulate it. */
bool l0_bt_vmx_exit(struct l0_vcpu *v, const struct l0_exit *exit,
		    const struct vmxe_insn_ctx *ctx, enum l0_action *action);

/* Before L0 reads or writes VMCS12 itself: the stubs' writes mark the copy dirty. */
void l0_bt_sync_in(struct l0_vcpu *v);

/* After: the stubs' pointer to the current VMCS12 copy (0 without a current VMCS). */
void l0_bt_sync_out(struct l0_vcpu *v);

/* The RIP an exception at L1-linear @rip belongs to: the site when @rip is a stub's copy of it. */
uint64_t l0_bt_fault_rip(const struct l0_vcpu *v, uint64_t rip);

/* An EPT violation at @gpa that bt=on caused (a write to translated code, or to the window):
 * handled when true, and L1 re-executes the access. */
bool l0_bt_ept_violation(struct l0_vcpu *v, uint64_t gpa, uint64_t qualification);

/* The "l0-bt" record: what was translated, restored and refused, by reason. */
void l0_bt_dump(const struct l0_vcpu *v);

#endif
