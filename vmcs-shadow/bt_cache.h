/*
 * bt_cache.h: the translation cache of bt=on: one entry per translated VMREAD/VMWRITE site, keyed
 * by the site's L1-physical address (the patch lives in physical memory, whatever maps it), with
 * the original bytes to put back when L1 writes the page, and the stub area, handed out in order
 * and never reused: L1 may be inside an old stub (an interrupt taken there) when a newer one
 * replaces it, so every stub stays valid and findable by address. Touches no hardware; the
 * caller provides the storage.
 */
#ifndef VBT_CACHE_H
#define VBT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs-shadow/bt_rewrite.h"

#define VBT_PAGE_SIZE  4096u
#define VBT_STUB_ALIGN 16u /* stubs start on a fetch-block boundary */

enum vbt_entry_state {
	VBT_ENTRY_LIVE,	    /* the site's patch jumps to this stub */
	VBT_ENTRY_REPLACED, /* a stub with more cases took over the site */
	VBT_ENTRY_INVALID,  /* L1 wrote the site's page: the original bytes are back */
};

struct vbt_entry {
	uint64_t site_gpa;
	uint64_t site_la;
	uint64_t stub_la;
	uint16_t stub_len;
	uint16_t slow_off; /* the original instruction inside the stub */
	uint8_t patch_len;
	uint8_t original[VBT_PATCH_MAX]; /* the site's bytes before the patch */
	uint8_t n_cases;
	uint8_t state; /* enum vbt_entry_state */
	bool from_scan;
	struct vbt_case cases[VBT_MAX_CASES];
};

struct vbt_cache {
	struct vbt_entry *entries;
	uint32_t cap, n;
	uint32_t stub_used; /* bytes of the stub area handed out */
	struct vbt_layout layout;
};

void vbt_cache_init(struct vbt_cache *c, struct vbt_entry *storage, uint32_t cap,
		    const struct vbt_layout *layout);

/* The live entry of the site at L1-physical @gpa, or NULL. */
struct vbt_entry *vbt_cache_site(struct vbt_cache *c, uint64_t gpa);

/* Whether some live patch overlaps the L1-physical range [gpa, gpa + len). */
bool vbt_cache_overlaps(const struct vbt_cache *c, uint64_t gpa, unsigned int len);

/* Whether the 4 KiB page at @page_gpa holds a live site (L0 keeps it write-protected). */
bool vbt_cache_page_live(const struct vbt_cache *c, uint64_t page_gpa);

/* The entry, in any state, whose stub holds L1-linear @la; NULL when none. */
const struct vbt_entry *vbt_cache_stub(const struct vbt_cache *c, uint64_t la);

/* Whether @la lies in the stub area. */
bool vbt_cache_in_area(const struct vbt_cache *c, uint64_t la);

/* Where the next stub goes (aligned), and whether @len bytes fit there. */
uint64_t vbt_cache_next_stub(const struct vbt_cache *c);
bool vbt_cache_fits(const struct vbt_cache *c, uint32_t len);

/* Appends @e (its stub at vbt_cache_next_stub()) and takes its stub bytes; NULL when full. */
struct vbt_entry *vbt_cache_add(struct vbt_cache *c, const struct vbt_entry *e);

/*
 * The newest entry L1's write to its page made invalid for the site at @gpa and @la whose bytes
 * are again @code (its first patch_len bytes): its stub still fits the site and can serve it
 * again, without new stub space. NULL when there is none.
 */
struct vbt_entry *vbt_cache_revivable(struct vbt_cache *c, uint64_t gpa, uint64_t la,
				      const uint8_t *code, size_t len);

/*
 * L1 is about to write the page at @page_gpa: marks one of its live entries invalid and returns
 * it, so that L0 writes its original bytes back; NULL when none is left (L0 may then lift the
 * write protection). Call until NULL.
 */
const struct vbt_entry *vbt_cache_take_page(struct vbt_cache *c, uint64_t page_gpa);

#endif
