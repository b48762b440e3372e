/*
 * bt_translate.h: the one call L0 makes on a VMREAD/VMWRITE exit with bt=on. It either refuses
 * (with the reason: L0 then emulates the instruction as it would without translation) or
 * returns the bytes to place: a stub in the stub area and the patch at the site, after which
 * L1 resumes at the site, unemulated, and the stub performs the instruction. Touches no
 * hardware.
 *
 * An exit at a stub's own copy of the instruction (its slow path: the field was not one of the
 * stub's, or there was no current VMCS) retranslates the site with the new field added, up to
 * VBT_MAX_CASES; the old stub stays where it is and the patch is redirected. When L0 emulates
 * such an exit and the instruction faults, the fault belongs to the site: vbt_site_of_stub().
 */
#ifndef VBT_TRANSLATE_H
#define VBT_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs-shadow/bt_cache.h"
#include "vmcs-shadow/bt_decode.h"
#include "vmcs-shadow/bt_policy.h"

/* What L0 writes when vbt_translate() says VBT_OK, in this order. */
struct vbt_result {
	uint64_t stub_la; /* 1. stub[0..stub_len) at this L1-linear address of the stub area (0
			   * bytes when an older stub of the site serves it again) */
	uint16_t stub_len;
	uint8_t stub[VBT_STUB_MAX];
	uint64_t patch_gpa; /* 2. patch[0..patch_len) at this L1-physical address */
	uint8_t patch_len;
	uint8_t patch[VBT_PATCH_MAX];
	bool protect_page;  /* 3. the page's first live site: write-protect the page in EPT01 */
	uint64_t resume_la; /* 4. L1's RIP: the site, which now jumps to the stub */
};

/* Translates the site of @x (or extends the stub whose slow path exited); see the top. */
enum vbt_reason vbt_translate(struct vbt_cache *c, struct vbt_decoder *d,
			      const struct vbt_config *cfg, const struct vbt_exit *x,
			      struct vbt_result *r);

/*
 * After L1 put the code of the page at @page_gpa back as it was (a site there got its old stub
 * again): one more site of the page whose newest entry L1's write made invalid and whose bytes
 * in @page (the whole 4 KiB page) are back, revived into @r (only a patch to write). False when
 * none is left. No decoding: the stub and the bytes it was made for are known.
 */
bool vbt_revive_next(struct vbt_cache *c, uint64_t page_gpa, const uint8_t *page,
		     struct vbt_result *r);

/* The site whose stub holds L1-linear @la (whatever the stub's state), or 0 when none: the RIP
 * to report when the instruction L0 emulated at a stub's slow path faults. */
uint64_t vbt_site_of_stub(const struct vbt_cache *c, uint64_t la);

#endif
