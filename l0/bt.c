/*
 * bt.c: bt=on in L0 (see bt.h). The order of an exit's work follows bt_translate.h: stub, patch,
 * write protection, then L1 resumes at the site, which now jumps to the stub. Anything this file
 * cannot do as planned turns translation off for good, with the reason logged, after putting
 * every translated site back: L1 then runs as with bt=off.
 */
#include "l0/bt.h"
#include "l0/util.h"

#include <capstone/capstone.h>
#include <string.h>

#include "l0/console.h"
#include "l0/ept01_edit.h"
#include "l0/fmt.h"
#include "l0/vcpu.h"
#include "l0/vmx_hw.h"
#include "vmcs-shadow/bt_translate.h"
#include "vmx-emul/l1_paging.h"
#include "vmx-emul/operand.h"
#include "vmx-emul/vmx_caps.h"

#define BT_CACHE_ENTRIES 2048u /* translations: KVM has a few hundred sites, some retranslated */
#define BT_SCAN_MAX	 32u  /* sites one sweep translates ahead */
#define BT_HEAP_BYTES	 (64u * 1024u)
#define BT_HEAP_ALIGN	 16u
#define DPL_OF(ar)	 (((ar) & VMXE_AR_DPL_MASK) >> VMXE_AR_DPL_SHIFT)

static struct vbt_entry bt_entries[BT_CACHE_ENTRIES];

/*
 * Capstone's heap (CS_OPT_MEM): its handle and one instruction buffer, allocated once when L0
 * starts. A bump allocator suffices: Capstone frees nothing until cs_close, which L0 never calls.
 */
static uint8_t bt_heap[BT_HEAP_BYTES] __attribute__((aligned(BT_HEAP_ALIGN)));
static size_t bt_heap_used;

struct heap_block {
	size_t size;
	size_t pad; /* keeps the block BT_HEAP_ALIGN-aligned */
};

static void *heap_malloc(size_t size)
{
	size_t need = sizeof(struct heap_block) + ((size + BT_HEAP_ALIGN - 1) & ~(size_t)(BT_HEAP_ALIGN - 1));
	struct heap_block *b;

	if (need > BT_HEAP_BYTES - bt_heap_used) {
		l0_log("bt: Capstone's heap (%u bytes) is exhausted", BT_HEAP_BYTES);
		return NULL;
	}
	b = (struct heap_block *)(bt_heap + bt_heap_used);
	bt_heap_used += need;
	b->size = size;
	return b + 1;
}

static void *heap_calloc(size_t n, size_t size)
{
	void *p = n && size > SIZE_MAX / n ? NULL : heap_malloc(n * size);

	if (p)
		memset(p, 0, n * size);
	return p;
}

static void heap_free(void *p)
{
	(void)p;
}

static void *heap_realloc(void *p, size_t size)
{
	void *q = heap_malloc(size);
	size_t old = p ? ((struct heap_block *)p - 1)->size : 0;

	if (q && p)
		memcpy(q, p, old < size ? old : size);
	return q;
}

/*
 * Capstone uses SSE registers (cmake/capstone_efi.cmake) and L0 does not own them: L1's are
 * saved around every call into it. FXSAVE covers what SSE code can touch (XMM0-15, MXCSR); the
 * upper halves of the YMM and ZMM registers are left alone by legacy SSE instructions.
 */
static void sse_save(struct l0_bt *b)
{
	__asm__ volatile("fxsave64 %0" : "=m"(b->fxsave));
}

static void sse_restore(struct l0_bt *b)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(b->fxsave));
}

/* The window page @index's host-physical address. */
static uint64_t window_pa(const struct l0_bt *b, unsigned int index)
{
	if (index < VBT_STUB_PAGES)
		return b->stubs_pa + (uint64_t)index * L0_PAGE_SIZE;
	return index == VBT_SHARED_INDEX ? b->shared_pa : b->vmcs12_pa;
}

/* Puts every translated site back, and stubs still on L1's stack onto their slow path: L1 runs on
 * as with bt=off (the window stays mapped, unused). */
static void turn_off(struct l0_vcpu *v, const char *why)
{
	struct l0_bt *b = &v->bt;
	const struct vbt_entry *e;

	if (!b->active)
		return;
	l0_log("bt: translation turned off: %s", why);
	b->active = false;
	for (uint32_t i = 0; i < b->cache.n; i++) {
		uint64_t page = b->cache.entries[i].site_gpa & L0_PAGE_MASK;

		while ((e = vbt_cache_take_page(&b->cache, page)) != NULL)
			(void)vmxe_gmem_write(&v->nested.gmem, e->site_gpa, e->original, e->patch_len);
		(void)l0_ept01_set_perms(v, page, 0, EPTM_W, EPTM_MT_WB, true);
	}
	b->shared->vmcs12 = 0; /* a stub still on L1's stack takes its slow path: an exit */
	(void)l0_ept01_flush(v);
}

bool l0_bt_init(struct l0_vcpu *v, bool want)
{
	struct l0_bt *b = &v->bt;
	uint64_t pa;

	b->on = want;
	if (!want)
		return true;
	b->stubs = l0_host_alloc_page(&v->host, &b->stubs_pa);
	for (unsigned int i = 1; b->stubs && i < VBT_STUB_PAGES; i++)
		if (!l0_host_alloc_page(&v->host, &pa) || pa != b->stubs_pa + i * L0_PAGE_SIZE)
			return false; /* the stub area: consecutive pool pages */
	b->shared = l0_host_alloc_page(&v->host, &b->shared_pa);
	b->pt = l0_host_alloc_page(&v->host, &b->pt_pa);
	b->vmcs12_pa = (uint64_t)(uintptr_t)v->nested.vmx_cache; /* pool pages are identity mapped */
	return b->stubs && b->shared && b->pt;
}

bool l0_bt_start(struct l0_vcpu *v)
{
	struct l0_bt *b = &v->bt;
	cs_opt_mem mem = { heap_malloc, heap_calloc, heap_realloc, heap_free, l0_vsnprintf };
	bool opened;

	if (!b->on)
		return true;
	vbt_window_layout(&b->cfg.layout);
	b->cfg.vmwrite_any_field = VMX_GET(VMX_MISC_VMWRITE_ANY_FIELD,
					   v->nested.l1_caps.msr[VMXE_MSR_MISC - VMXE_VCAPS_FIRST_MSR]);
	b->cfg.vmread_bitmap = v->shadow.on ? v->shadow.vmread_bitmap : NULL;
	b->cfg.vmwrite_bitmap = v->shadow.on ? v->shadow.vmwrite_bitmap : NULL;
	vbt_cache_init(&b->cache, bt_entries, BT_CACHE_ENTRIES, &b->cfg.layout);
	b->shared->one = VBT_SHARED_ONE;
	for (unsigned int i = 0; i < VBT_WINDOW_PAGES; i++) {
		/* the stubs and the table read-only to L1; the shared page and VMCS12 copy writable */
		uint64_t perms = i < VBT_STUB_PAGES ? EPTM_R | EPTM_X : EPTM_R | EPTM_W;

		b->pt[i] = vbt_window_pte(i, window_pa(b, i));
		if (!l0_ept01_set_perms(v, window_pa(b, i), EPTM_RWX | EPTM_X_USER, perms, EPTM_MT_WB,
				     false))
			return false;
	}
	if (!l0_ept01_set_perms(v, b->pt_pa, EPTM_RWX | EPTM_X_USER, EPTM_R, EPTM_MT_WB, false))
		return false;
	sse_save(b);
	opened = cs_option(0, CS_OPT_MEM, (size_t)&mem) == CS_ERR_OK &&
		 vbt_decoder_open(&b->decoder);
	sse_restore(b);
	if (!opened) {
		l0_log("bt: Capstone does not open");
		return false;
	}
	b->active = true;
	return true;
}

/* The window in L1's page tables (once): false when L1's tables have no room for it. */
static bool map_window(struct l0_vcpu *v, const struct vmxe_insn_ctx *ctx)
{
	struct l0_bt *b = &v->bt;
	struct vbt_map_plan plan;
	enum vbt_map_status st;

	if (b->window_mapped)
		return true;
	st = vbt_map_plan(ctx->mem, ctx->cpu.cr0, ctx->cr3, ctx->cpu.cr4, ctx->cpu.efer, b->pt_pa,
			  &plan);
	if (st == VBT_MAP_WRITE &&
	    vmxe_gmem_write(ctx->mem, plan.pde_gpa, &plan.pde, sizeof(plan.pde)) != VMXE_GMEM_OK)
		st = VBT_MAP_NO_PATH;
	if (st != VBT_MAP_WRITE && st != VBT_MAP_DONE) {
		l0_log("bt: no room for the stub window at 0x%llx in L1's page tables (status %d)",
		       (unsigned long long)VBT_WINDOW_LA, st);
		return false;
	}
	l0_log("bt: stub window at 0x%llx, PDE at L1-physical 0x%llx",
	       (unsigned long long)VBT_WINDOW_LA, (unsigned long long)plan.pde_gpa);
	b->window_mapped = true;
	return true;
}

/* Places what vbt_translate() decided; false turns translation off. */
static bool apply(struct l0_vcpu *v, const struct vbt_result *r)
{
	struct l0_bt *b = &v->bt;

	memcpy(b->stubs + (r->stub_la - VBT_WINDOW_LA), r->stub, r->stub_len);
	if (vmxe_gmem_write(&v->nested.gmem, r->patch_gpa, r->patch, r->patch_len) !=
	    VMXE_GMEM_OK) {
		turn_off(v, "a site's page is not L1 RAM");
		return false;
	}
	if (r->protect_page &&
	    (!l0_ept01_set_perms(v, r->patch_gpa & L0_PAGE_MASK, EPTM_W, 0, EPTM_MT_WB, true) ||
	     !l0_ept01_flush(v))) {
		turn_off(v, "cannot write-protect translated code");
		return false;
	}
	return true;
}

static void count(struct l0_bt *b, enum vbt_reason why)
{
	if ((unsigned int)why < VBT_REASON_COUNT)
		b->refused[why]++;
}

/* The page's other sites whose bytes L1 put back too (after a site of it got its old stub). */
static void revive_page(struct l0_vcpu *v, uint64_t page_gpa)
{
	struct l0_bt *b = &v->bt;
	static uint8_t page[L0_PAGE_SIZE];
	struct vbt_result r;

	if (vmxe_gmem_read(&v->nested.gmem, page_gpa, page, L0_PAGE_SIZE) != VMXE_GMEM_OK)
		return;
	while (b->active && vbt_revive_next(&b->cache, page_gpa, page, &r) && apply(v, &r))
		b->revived++;
}

/* The other sites on the page after @x's, each with the field its register was loaded with. */
static void translate_ahead(struct l0_vcpu *v, const struct vbt_exit *x)
{
	struct l0_bt *b = &v->bt;
	struct vbt_candidate found[BT_SCAN_MAX];
	size_t n = vbt_scan(&b->decoder, x->code, x->code_len, x->rip_la, found, BT_SCAN_MAX);
	struct vbt_result r;

	for (size_t i = 0; i < n && b->active; i++) {
		struct vbt_exit y = *x;

		if (!found[i].predicted || found[i].offset == 0)
			continue;
		y.is_vmwrite = found[i].is_vmwrite;
		y.rip_la = x->rip_la + found[i].offset;
		y.rip_gpa = x->rip_gpa + found[i].offset;
		y.code = x->code + found[i].offset;
		y.code_len = x->code_len - found[i].offset;
		y.encoding = found[i].encoding;
		y.from_scan = true;
		if (vbt_translate(&b->cache, &b->decoder, &b->cfg, &y, &r) == VBT_OK && apply(v, &r))
			b->scanned++;
	}
}

bool l0_bt_vmx_exit(struct l0_vcpu *v, const struct l0_exit *exit,
		    const struct vmxe_insn_ctx *ctx, enum l0_action *action)
{
	struct l0_bt *b = &v->bt;
	static uint8_t code[L0_PAGE_SIZE];
	struct vbt_result r;
	enum vbt_reason why;

	if (!b->active)
		return false; /* bt=off: this test is all a VMREAD/VMWRITE exit pays */
	struct vbt_exit x = {
		.is_vmwrite = exit->basic_reason == VMX_EXIT_VMWRITE,
		.rip_la = exit->guest_rip,
		.encoding = ctx->cpu.gpr[vmxe_ii_reg2(exit->insn_info)],
		.mode64 = (ctx->cpu.efer & VMXE_EFER_LMA) && (ctx->cpu.seg[VMXE_CS].ar & VMXE_AR_L),
		.cpl = DPL_OF(ctx->cpu.seg[VMXE_SS].ar),
		.vmcs_current = v->nested.vmx.vmxon &&
				v->nested.vmx.current_vmptr != VMXE_VMPTR_NONE,
	};
	/* a stub's slow path: the stub is L0's, its bytes need not be read */
	if (!vbt_cache_in_area(&b->cache, x.rip_la)) {
		struct vmxe_l1_paging p = vmxe_insn_paging(ctx);
		struct vmxe_walk w = { 0 };

		if (vmxe_l1_translate(&p, ctx->mem, x.rip_la, VMXE_L1_READ, &w) != VMXE_WALK_OK) {
			b->unreadable++;
			return false;
		}
		x.rip_gpa = w.gpa;
		x.user_page = w.user;
		x.code_len = L0_PAGE_SIZE - (x.rip_la & (L0_PAGE_SIZE - 1));
		if (vmxe_gmem_read(ctx->mem, x.rip_gpa, code, x.code_len) != VMXE_GMEM_OK) {
			b->unreadable++;
			return false;
		}
		x.code = code;
	}
	sse_save(b);
	why = vbt_translate(&b->cache, &b->decoder, &b->cfg, &x, &r);
	if (why == VBT_OK && (!map_window(v, ctx) || !apply(v, &r))) {
		turn_off(v, "the stub window or a patch cannot be placed");
		why = VBT_AREA_FULL;
	}
	/* a revived stub (no new bytes) means L1 rewrote and restored the page: its other sites
	 * come back the same way, far cheaper than sweeping the page with Capstone again */
	if (why == VBT_OK && x.code && r.stub_len)
		translate_ahead(v, &x);
	else if (why == VBT_OK && x.code)
		revive_page(v, x.rip_gpa & L0_PAGE_MASK);
	sse_restore(b);
	if (why != VBT_OK) {
		count(b, why);
		return false;
	}
	b->translated++;
	b->revived += r.stub_len == 0;
	*action = L0_ACTION_RESUME; /* at the site, which now jumps to the stub */
	return true;
}

void l0_bt_sync_in(struct l0_vcpu *v)
{
	struct l0_bt *b = &v->bt;

	if (b->active && b->shared->dirty) {
		v->nested.vmx.vmcs12_dirty = true;
		b->shared->dirty = 0;
	}
}

void l0_bt_sync_out(struct l0_vcpu *v)
{
	struct l0_bt *b = &v->bt;
	const struct vmxe_nested *n = &v->nested.vmx;

	if (b->active)
		b->shared->vmcs12 = n->vmxon && n->current_vmptr != VMXE_VMPTR_NONE
					    ? vbt_window_la(VBT_VMCS12_INDEX)
					    : 0;
}

uint64_t l0_bt_fault_rip(const struct l0_vcpu *v, uint64_t rip)
{
	uint64_t site = v->bt.on ? vbt_site_of_stub(&v->bt.cache, rip) : 0;

	return site ? site : rip;
}

/* Whether @page is one of the window's pages, which L1 may not write but through the stubs. */
static bool in_window(const struct l0_bt *b, uint64_t page)
{
	return (page >= b->stubs_pa && page < b->stubs_pa + VBT_STUB_PAGES * L0_PAGE_SIZE) ||
	       page == b->pt_pa;
}

bool l0_bt_ept_violation(struct l0_vcpu *v, uint64_t gpa, uint64_t qualification)
{
	struct l0_bt *b = &v->bt;
	uint64_t page = gpa & L0_PAGE_MASK;
	const struct vbt_entry *e;

	if (!b->on || !(qualification & EPTM_QUAL_WRITE))
		return false;
	if (in_window(b, page)) {
		/* L1 wrote the stubs or their page table: never Linux's doing. Translation stops, the
		 * window pages become the decoy (exits.c) and the write lands there. */
		turn_off(v, "L1 wrote the stub window");
		return false;
	}
	if (!b->active || !vbt_cache_page_live(&b->cache, page))
		return false;
	while ((e = vbt_cache_take_page(&b->cache, page)) != NULL) {
		if (vmxe_gmem_write(&v->nested.gmem, e->site_gpa, e->original, e->patch_len) !=
		    VMXE_GMEM_OK)
			l0_fatal_stop(v, "bt: cannot put back a translated site");
		b->restored_sites++;
	}
	b->unprotected_pages++;
	if (!l0_ept01_set_perms(v, page, 0, EPTM_W, EPTM_MT_WB, true) || !l0_ept01_flush(v))
		l0_fatal_stop(v, "bt: cannot lift the write protection of translated code");
	return true;
}

void l0_bt_dump(const struct l0_vcpu *v)
{
	static const char *const names[VBT_REASON_COUNT] = {
#define VBT_X(name, text) #name,
		VBT_REASON_LIST(VBT_X)
#undef VBT_X
	};
	const struct l0_bt *b = &v->bt;
	char refused[1024];
	size_t len = 0;

	if (!b->on)
		return;
	refused[0] = '\0';
	for (unsigned int i = VBT_OK + 1; i < VBT_REASON_COUNT && len < sizeof(refused); i++)
		if (b->refused[i])
			len += (size_t)l0_snprintf(refused + len, sizeof(refused) - len, "%s\"%s\":%llu",
						   len ? "," : "", names[i],
						   (unsigned long long)b->refused[i]);
	l0_record("l0-bt",
		  "\"active\":%s,\"sites\":%u,\"stub_bytes\":%u,\"translated\":%llu,\"revived\":%llu,"
		  "\"translated_ahead\":%llu,\"restored_sites\":%llu,\"unprotected_pages\":%llu,"
		  "\"unreadable\":%llu,\"refused\":{%s}",
		  b->active ? "true" : "false", b->cache.n, b->cache.stub_used,
		  (unsigned long long)b->translated, (unsigned long long)b->revived,
		  (unsigned long long)b->scanned,
		  (unsigned long long)b->restored_sites, (unsigned long long)b->unprotected_pages,
		  (unsigned long long)b->unreadable, refused);
}
