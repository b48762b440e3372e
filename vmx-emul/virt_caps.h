/*
 * virt_caps.h: the VMX capability MSRs L0 shows L1 (IA32_VMX_BASIC 0x480 .. 0x493), computed
 * from the hardware's values and from what L0 can honour for a nested guest. Every other part
 * of vmx-emul (VMXON's checks, the VMCS12 checks, RDMSR of these MSRs) reads L1's view from
 * here. Pure.
 */
#ifndef VMXE_VIRT_CAPS_H
#define VMXE_VIRT_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define VMXE_VCAPS_FIRST_MSR 0x480u
#define VMXE_VCAPS_LAST_MSR 0x493u
#define VMXE_VCAPS_COUNT (VMXE_VCAPS_LAST_MSR - VMXE_VCAPS_FIRST_MSR + 1)

/* What L0 offers on top of the plain nested VMX of vmx-emul (later issues add toggles). */
enum vmxe_vcaps_flags {
	VMXE_VCAPS_EPT = 1u << 0,  /* EPT and VPID for L1's guests (ept-merge) */
	VMXE_VCAPS_SHADOW = 1u << 1, /* VMCS shadowing (vmcs-shadow) */
};

struct vmxe_vcaps {
	uint64_t msr[VMXE_VCAPS_COUNT]; /* index: MSR - VMXE_VCAPS_FIRST_MSR; 0 where absent */
	bool present[VMXE_VCAPS_COUNT]; /* whether RDMSR of it succeeds for L1 (else #GP) */
};

/* Fills @out from the hardware's MSRs @hw (same indexing; absent ones with present false)
 * and @flags (enum vmxe_vcaps_flags). */
void vmxe_vcaps_compute(const struct vmxe_vcaps *hw, unsigned int flags, struct vmxe_vcaps *out);

/* L1's RDMSR of @msr: true and *value, or false (#GP: not a VMX MSR, or absent for L1). */
bool vmxe_vcaps_read(const struct vmxe_vcaps *c, uint32_t msr, uint64_t *value);

#endif
