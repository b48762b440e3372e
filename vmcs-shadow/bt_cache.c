/*
 * bt_cache.c: the translation cache and the stub area (see bt_cache.h). Lookups scan the entries
 * in order: they happen on exits that translation makes rare, and a few hundred sites (the VMX
 * instructions of Linux's kvm_intel) keep the scan short. Pure.
 */
#include "vmcs-shadow/bt_cache.h"

#include <string.h>

void vbt_cache_init(struct vbt_cache *c, struct vbt_entry *storage, uint32_t cap,
		    const struct vbt_layout *layout)
{
	c->entries = storage;
	c->cap = cap;
	c->n = 0;
	c->stub_used = 0;
	c->layout = *layout;
}

struct vbt_entry *vbt_cache_site(struct vbt_cache *c, uint64_t gpa)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->entries[i].state == VBT_ENTRY_LIVE && c->entries[i].site_gpa == gpa)
			return &c->entries[i];
	return NULL;
}

bool vbt_cache_overlaps(const struct vbt_cache *c, uint64_t gpa, unsigned int len)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const struct vbt_entry *e = &c->entries[i];

		if (e->state == VBT_ENTRY_LIVE && e->site_gpa < gpa + len &&
		    gpa < e->site_gpa + e->patch_len)
			return true;
	}
	return false;
}

static uint64_t page_of(uint64_t gpa)
{
	return gpa & ~(uint64_t)(VBT_PAGE_SIZE - 1);
}

bool vbt_cache_page_live(const struct vbt_cache *c, uint64_t page_gpa)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->entries[i].state == VBT_ENTRY_LIVE &&
		    page_of(c->entries[i].site_gpa) == page_of(page_gpa))
			return true;
	return false;
}

const struct vbt_entry *vbt_cache_stub(const struct vbt_cache *c, uint64_t la)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const struct vbt_entry *e = &c->entries[i];

		if (la >= e->stub_la && la - e->stub_la < e->stub_len)
			return e;
	}
	return NULL;
}

bool vbt_cache_in_area(const struct vbt_cache *c, uint64_t la)
{
	return la >= c->layout.stub_la && la - c->layout.stub_la < c->layout.stub_size;
}

static uint32_t aligned_used(const struct vbt_cache *c)
{
	return (c->stub_used + VBT_STUB_ALIGN - 1) & ~(VBT_STUB_ALIGN - 1);
}

uint64_t vbt_cache_next_stub(const struct vbt_cache *c)
{
	return c->layout.stub_la + aligned_used(c);
}

bool vbt_cache_fits(const struct vbt_cache *c, uint32_t len)
{
	uint64_t start = aligned_used(c);

	return start + len <= c->layout.stub_size;
}

struct vbt_entry *vbt_cache_add(struct vbt_cache *c, const struct vbt_entry *e)
{
	struct vbt_entry *slot;

	if (c->n >= c->cap || !vbt_cache_fits(c, e->stub_len))
		return NULL;
	slot = &c->entries[c->n++];
	*slot = *e;
	c->stub_used = aligned_used(c) + e->stub_len;
	return slot;
}

struct vbt_entry *vbt_cache_revivable(struct vbt_cache *c, uint64_t gpa, uint64_t la,
				      const uint8_t *code, size_t len)
{
	for (uint32_t i = c->n; i-- > 0;) {
		struct vbt_entry *e = &c->entries[i];

		if (e->site_gpa != gpa || e->state == VBT_ENTRY_REPLACED)
			continue;
		/* the newest entry of the site decides: a live one is no candidate */
		if (e->state == VBT_ENTRY_INVALID && e->site_la == la && e->patch_len <= len &&
		    memcmp(e->original, code, e->patch_len) == 0)
			return e;
		return NULL;
	}
	return NULL;
}

const struct vbt_entry *vbt_cache_take_page(struct vbt_cache *c, uint64_t page_gpa)
{
	for (uint32_t i = 0; i < c->n; i++) {
		struct vbt_entry *e = &c->entries[i];

		if (e->state == VBT_ENTRY_LIVE && page_of(e->site_gpa) == page_of(page_gpa)) {
			e->state = VBT_ENTRY_INVALID;
			return e;
		}
	}
	return NULL;
}
