/*
 * shadow.h: L0's use of the CPU's VMCS shadowing for L1 (shadow=on): while L1 has a current
 * VMCS12, VMCS01's link pointer names a shadow VMCS holding VMCS12's fields, and L1's VMREAD and
 * VMWRITE of them do not exit (SDM Vol. 3C 26.10). L0 copies the fields between its VMCS12 cache
 * and the shadow VMCS wherever it reads or writes VMCS12 itself.
 */
#ifndef L0_SHADOW_H
#define L0_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs-shadow/vshadow.h"

struct l0_shadow {
	bool on;
	uint64_t vmcs_pa;                   /* the shadow VMCS region */
	uint8_t *vmread_bitmap, *vmwrite_bitmap;
	uint64_t vmread_bitmap_pa, vmwrite_bitmap_pa;
	struct vshadow_set fields;
	uint64_t linked;                    /* VMCS01's link pointer: vmcs_pa or ~0 */
};

struct l0_vcpu;

/* Pool pages; before the take-over. False when @want is set and the CPU cannot shadow. */
bool l0_shadow_init(struct l0_vcpu *v, bool want);

/* The secondary-control bit VMCS01 needs for shadowing, or 0 when it is off. */
uint32_t l0_shadow_proc2(const struct l0_vcpu *v);

/* After the VMCS fields are probed: the field set, the bitmaps, VMCS01's bitmap addresses. */
bool l0_shadow_start(struct l0_vcpu *v);

/* L1's writes in the shadow VMCS into the VMCS12 cache, when a shadow is linked. */
bool l0_shadow_to_cache(struct l0_vcpu *v);

/* The VMCS12 cache into the shadow VMCS and VMCS01's link pointer (to it when L1 has a current
 * VMCS, else none). VMCS01 must be current. */
bool l0_shadow_from_cache(struct l0_vcpu *v);

#endif
