/*
 * bt_translate.c: a VMREAD/VMWRITE exit to a stub and a patch, or to a reason not to (see
 * bt_translate.h). Pure: policy, decode, emission and the cache do the work.
 */
#include "vmcs-shadow/bt_translate.h"

#include <string.h>

static enum vbt_reason emit_reason(enum vbt_emit_status st)
{
	switch (st) {
	case VBT_EMIT_OK:
		return VBT_OK;
	case VBT_EMIT_SPACE:
		return VBT_AREA_FULL;
	case VBT_EMIT_FORM: /* vbt_check_site() lets no such form through */
		return VBT_NOT_VMX;
	case VBT_EMIT_RANGE:
	default:
		return VBT_OUT_OF_REACH;
	}
}

/* Emits the stub and the patch of @site for @cases and records them. */
static enum vbt_reason install(struct vbt_cache *c, const struct vbt_config *cfg,
			       const struct vbt_site *site, uint64_t site_gpa,
			       const struct vbt_case *cases, unsigned int n, bool from_scan,
			       const uint8_t *original, struct vbt_result *r)
{
	struct vbt_entry e;
	struct vbt_stub_info info;
	enum vbt_emit_status st;

	if (c->n >= c->cap)
		return VBT_CACHE_FULL;
	r->stub_la = vbt_cache_next_stub(c);
	st = vbt_emit_stub(site, cases, n, &cfg->layout, r->stub_la, r->stub, sizeof(r->stub),
			   &info);
	if (st == VBT_EMIT_OK && !vbt_cache_fits(c, info.len))
		st = VBT_EMIT_SPACE;
	if (st == VBT_EMIT_OK)
		st = vbt_emit_patch(site, r->stub_la, r->patch);
	if (st != VBT_EMIT_OK)
		return emit_reason(st);

	memset(&e, 0, sizeof(e));
	e.site_gpa = site_gpa;
	e.site_la = site->vmx.la;
	e.stub_la = r->stub_la;
	e.stub_len = info.len;
	e.slow_off = info.slow_off;
	e.patch_len = site->patch_len;
	memcpy(e.original, original, site->patch_len);
	e.n_cases = (uint8_t)n;
	memcpy(e.cases, cases, n * sizeof(cases[0]));
	e.state = VBT_ENTRY_LIVE;
	e.from_scan = from_scan;
	r->protect_page = !vbt_cache_page_live(c, site_gpa);
	vbt_cache_add(c, &e); /* cannot fail: room and space were checked */

	r->stub_len = info.len;
	r->patch_gpa = site_gpa;
	r->patch_len = site->patch_len;
	r->resume_la = site->vmx.la;
	return VBT_OK;
}

/* The site's stub from before L1 last wrote its page, when the bytes are the same again: only the
 * patch is written (r->stub_len 0), and stub space is not used up by L1 patching its code. */
static bool revive(struct vbt_cache *c, const struct vbt_site *site, const struct vbt_exit *x,
		   struct vbt_result *r)
{
	struct vbt_entry *e = vbt_cache_revivable(c, x->rip_gpa, x->rip_la, x->code, x->code_len);

	if (!e || e->patch_len != site->patch_len ||
	    vbt_emit_patch(site, e->stub_la, r->patch) != VBT_EMIT_OK)
		return false;
	r->protect_page = !vbt_cache_page_live(c, x->rip_gpa);
	e->state = VBT_ENTRY_LIVE;
	r->stub_la = e->stub_la;
	r->stub_len = 0;
	r->patch_gpa = x->rip_gpa;
	r->patch_len = site->patch_len;
	r->resume_la = site->vmx.la;
	return true;
}

/* An exit at a stub's copy of the instruction: the same site, one more field. */
static enum vbt_reason extend(struct vbt_cache *c, struct vbt_decoder *d,
			      const struct vbt_config *cfg, const struct vbt_exit *x,
			      struct vbt_result *r)
{
	const struct vbt_entry *found = vbt_cache_stub(c, x->rip_la);
	const struct vmxe_field_desc *field;
	struct vbt_case cases[VBT_MAX_CASES];
	struct vbt_entry *old;
	struct vbt_site site;
	enum vbt_reason why;

	if (!found || x->rip_la != found->stub_la + found->slow_off)
		return VBT_NOT_VMX;
	old = vbt_cache_site(c, found->site_gpa);
	if (old != found)
		return VBT_STALE_STUB;
	why = vbt_check_field(x->is_vmwrite, x->encoding, cfg, &field);
	if (why != VBT_OK)
		return why;
	for (unsigned int i = 0; i < old->n_cases; i++)
		if (old->cases[i].encoding == (uint32_t)x->encoding)
			return VBT_TRANSLATED; /* the stub had it: L0's pointer must have been 0 */
	if (old->n_cases >= VBT_MAX_CASES)
		return VBT_CASES_FULL;
	if (vbt_decode_site(d, old->original, old->patch_len, old->site_la, &site) != VBT_SITE_OK)
		return VBT_NOT_VMX;
	memcpy(cases, old->cases, old->n_cases * sizeof(cases[0]));
	vbt_case_for((uint32_t)x->encoding, field, &cases[old->n_cases]);
	why = install(c, cfg, &site, old->site_gpa, cases, old->n_cases + 1u, old->from_scan,
		      old->original, r);
	if (why == VBT_OK)
		old->state = VBT_ENTRY_REPLACED;
	return why;
}

enum vbt_reason vbt_translate(struct vbt_cache *c, struct vbt_decoder *d,
			      const struct vbt_config *cfg, const struct vbt_exit *x,
			      struct vbt_result *r)
{
	const struct vmxe_field_desc *field;
	struct vbt_case one;
	struct vbt_site site;
	enum vbt_site_status st;
	enum vbt_reason why;

	memset(r, 0, sizeof(*r));
	why = vbt_check_exit(x);
	if (why != VBT_OK)
		return why;
	if (vbt_cache_in_area(c, x->rip_la))
		return extend(c, d, cfg, x, r);
	st = vbt_decode_site(d, x->code, x->code_len, x->rip_la, &site);
	why = vbt_check_site(x, st, &site);
	if (why != VBT_OK)
		return why;
	if (vbt_cache_overlaps(c, x->rip_gpa, site.patch_len))
		return VBT_TRANSLATED;
	if (revive(c, &site, x, r))
		return VBT_OK;
	why = vbt_check_field(x->is_vmwrite, x->encoding, cfg, &field);
	if (why != VBT_OK)
		return why;
	vbt_case_for((uint32_t)x->encoding, field, &one);
	return install(c, cfg, &site, x->rip_gpa, &one, 1, x->from_scan, x->code, r);
}

bool vbt_revive_next(struct vbt_cache *c, uint64_t page_gpa, const uint8_t *page,
		     struct vbt_result *r)
{
	for (uint32_t i = c->n; i-- > 0;) {
		struct vbt_entry *e = &c->entries[i];
		uint64_t off = e->site_gpa - page_gpa;
		struct vbt_site site;

		if (e->state != VBT_ENTRY_INVALID || e->site_gpa < page_gpa || off >= VBT_PAGE_SIZE ||
		    vbt_cache_revivable(c, e->site_gpa, e->site_la, page + off,
					VBT_PAGE_SIZE - off) != e)
			continue;
		memset(&site, 0, sizeof(site));
		site.vmx.la = e->site_la;
		site.patch_len = e->patch_len;
		memset(r, 0, sizeof(*r));
		if (vbt_emit_patch(&site, e->stub_la, r->patch) != VBT_EMIT_OK)
			continue;
		r->protect_page = !vbt_cache_page_live(c, e->site_gpa);
		e->state = VBT_ENTRY_LIVE;
		r->stub_la = e->stub_la;
		r->patch_gpa = e->site_gpa;
		r->patch_len = e->patch_len;
		r->resume_la = e->site_la;
		return true;
	}
	return false;
}

uint64_t vbt_site_of_stub(const struct vbt_cache *c, uint64_t la)
{
	const struct vbt_entry *e = vbt_cache_stub(c, la);

	return e ? e->site_la : 0;
}
