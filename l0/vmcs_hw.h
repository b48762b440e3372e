/*
 * vmcs_hw.h: the current hardware VMCS as a whole, read into or written from a struct vmcs12
 * used as a plain set of field values (one slot per field of vmcs_fields.def). The pure merge
 * and reflection code of vmx-emul works on such sets; this is the one place where they meet the
 * CPU. A CPU has only some of the table's fields: they are probed once, on VMCS01.
 */
#ifndef L0_VMCS_HW_H
#define L0_VMCS_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx-emul/vmcs12.h"

#define L0_VMCS_GROUPS 4 /* enum vmcs_type: control, exit information, guest, host */

struct l0_vmcs_fields {
	uint8_t present[(VMCS_FIELD_COUNT + 7) / 8]; /* a bit per table index: VMREAD works */
	uint16_t count;
	/* the present fields of each group, as table indices: the exit path walks only these */
	uint16_t in_group[L0_VMCS_GROUPS][VMCS_FIELD_COUNT];
	uint16_t group_count[L0_VMCS_GROUPS];
};

/* The guest segment registers, in the order of the VMCS field encodings (SDM Appendix B), and
 * their four fields each. */
enum l0_seg { L0_SEG_ES, L0_SEG_CS, L0_SEG_SS, L0_SEG_DS, L0_SEG_FS, L0_SEG_GS, L0_SEG_LDTR,
	      L0_SEG_TR, L0_SEG_COUNT };

struct l0_seg_fields {
	uint32_t selector, base, limit, access_rights;
};

extern const struct l0_seg_fields l0_guest_segs[L0_SEG_COUNT];

/* Finds which fields the CPU's VMCS has, by VMREAD of each on the current VMCS. */
void l0_vmcs_probe(struct l0_vmcs_fields *f);

/* Reads every present field of the groups in @groups (VMCS_F_CONTROL, ...) from the current
 * VMCS into @out. False if a VMREAD fails. */
bool l0_vmcs_read_set(const struct l0_vmcs_fields *f, uint32_t groups, struct vmcs12 *out);

/* Writes every present, writable field of @groups from @in into the current VMCS. False (and
 * the failing field logged) if a VMWRITE fails. */
bool l0_vmcs_write_set(const struct l0_vmcs_fields *f, uint32_t groups, const struct vmcs12 *in);

/* As l0_vmcs_write_set(), but only the fields where @want differs from @have, which holds what
 * the current VMCS holds and is updated to match: VM entries to L2 change few fields. */
bool l0_vmcs_write_changed(const struct l0_vmcs_fields *f, uint32_t groups,
			   const struct vmcs12 *want, struct vmcs12 *have);

#endif
