/*
 * vmx_caps.h: the VMX capability MSRs (IA32_VMX_BASIC 0x480 .. IA32_VMX_EXIT_CTLS2 0x493) as a
 * table, the named bits of the VMX controls and of the capability fields (generated from
 * vmx_controls.def and vmx_cap_fields.def), and pure decode helpers. Touches no hardware: callers
 * pass MSR values they read (L0) or compose (the virtual MSRs that L1 sees). Implements SDM Vol. 3C
 * Appendix A ("VMX Capability Reporting Facility", A.1-A.11) and the control layouts of 25.6-25.8.
 * L0 prints its human-readable VMX report from vmxe_cap_decode(); the rendering lives elsewhere.
 */
#ifndef VMX_EMUL_VMX_CAPS_H
#define VMX_EMUL_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Named bits and fields: VMX_<GROUP>_<NAME>_SHIFT and VMX_<GROUP>_<NAME>_WIDTH for every row of the
 * two .def files. They are enum constants holding small numbers (bit positions), because ISO C11
 * enum constants must fit an int and the masks of bit 31 and of 64-bit capabilities do not; take
 * the mask with VMX_MASK(VMX_PROC2_ENABLE_EPT) and a field with VMX_GET(VMX_BASIC_REVISION_ID, v).
 */
enum vmx_named_bits {
#define VMX_CTL(grp, name, bit, text)                                                              \
	VMX_##grp##_##name##_SHIFT = (bit), VMX_##grp##_##name##_WIDTH = 1,
#include "vmx-emul/vmx_controls.def"
#undef VMX_CTL
#define VMX_CAPF(grp, name, lsb, width, text)                                                      \
	VMX_##grp##_##name##_SHIFT = (lsb), VMX_##grp##_##name##_WIDTH = (width),
#include "vmx-emul/vmx_cap_fields.def"
#undef VMX_CAPF
};

/* Mask of a named bit or field, as uint64_t; an unknown name is a compile error. */
#define VMX_MASK(name) ((UINT64_MAX >> (64 - name##_WIDTH)) << name##_SHIFT)
/* Value of a named field in @v, shifted down. */
#define VMX_GET(name, v) (((uint64_t)(v) >> name##_SHIFT) & (UINT64_MAX >> (64 - name##_WIDTH)))

/* Reserved control bits that the non-TRUE capability MSRs report as must-be-1 (SDM A.2-A.5). */
#define VMX_PIN_DEFAULT1 0x00000016u
#define VMX_PROC_DEFAULT1 0x0401e172u
#define VMX_EXIT_DEFAULT1 0x00036dffu
#define VMX_ENTRY_DEFAULT1 0x000011ffu

/* IA32_VMX_BASIC memory types (SDM A.1, Table A-1). */
#define VMX_BASIC_MEMTYPE_UC 0u
#define VMX_BASIC_MEMTYPE_WB 6u

/* Groups of named bits: which table a capability MSR is decoded with. */
enum vmxe_bit_group {
	VMXE_GRP_PIN,
	VMXE_GRP_PROC,
	VMXE_GRP_PROC2,
	VMXE_GRP_PROC3,
	VMXE_GRP_EXIT,
	VMXE_GRP_EXIT2,
	VMXE_GRP_ENTRY,
	VMXE_GRP_BASIC,
	VMXE_GRP_MISC,
	VMXE_GRP_VMCS_ENUM,
	VMXE_GRP_EPT_VPID,
	VMXE_GRP_VMFUNC,
	VMXE_GRP_CR0,
	VMXE_GRP_CR4,
	VMXE_GRP_COUNT
};

/* One named bit or field. */
struct vmxe_bit_desc {
	const char *name; /* identifier, e.g. "ENABLE_EPT" */
	const char *text; /* SDM wording, e.g. "enable EPT" */
	uint8_t group;    /* enum vmxe_bit_group */
	uint8_t lsb;
	uint8_t width;
};

size_t vmxe_cap_bit_count(void);
/* Row @index of the combined table (controls first, then fields), or NULL. */
const struct vmxe_bit_desc *vmxe_cap_bit_at(size_t index);
/* Row of @group whose identifier is @name, or NULL. */
const struct vmxe_bit_desc *vmxe_cap_bit_find(enum vmxe_bit_group group, const char *name);

/* How an MSR is laid out (SDM Appendix A). */
enum vmxe_msr_kind {
	VMXE_MSRK_BASIC,     /* A.1 */
	VMXE_MSRK_CTLS,      /* A.3-A.5: bits 31:0 allowed 0-settings, 63:32 allowed 1-settings */
	VMXE_MSRK_CTLS64,    /* A.3.3, A.4.2: 64 bits of allowed 1-settings only */
	VMXE_MSRK_MISC,      /* A.6 */
	VMXE_MSRK_FIXED0,    /* A.7, A.8: bits set here must be 1 in CRx */
	VMXE_MSRK_FIXED1,    /* A.7, A.8: bits clear here must be 0 in CRx */
	VMXE_MSRK_VMCS_ENUM, /* A.9 */
	VMXE_MSRK_EPT_VPID,  /* A.10 */
	VMXE_MSRK_VMFUNC,    /* A.11 */
};

/* X(SUFFIX, INDEX, KIND, GROUP): the capability MSRs, named "IA32_VMX_" #SUFFIX. */
#define VMXE_CAP_MSR_LIST(X)                                                                      \
	X(BASIC, 0x480, BASIC, BASIC)                                                             \
	X(PINBASED_CTLS, 0x481, CTLS, PIN)                                                        \
	X(PROCBASED_CTLS, 0x482, CTLS, PROC)                                                      \
	X(EXIT_CTLS, 0x483, CTLS, EXIT)                                                           \
	X(ENTRY_CTLS, 0x484, CTLS, ENTRY)                                                         \
	X(MISC, 0x485, MISC, MISC)                                                                \
	X(CR0_FIXED0, 0x486, FIXED0, CR0)                                                         \
	X(CR0_FIXED1, 0x487, FIXED1, CR0)                                                         \
	X(CR4_FIXED0, 0x488, FIXED0, CR4)                                                         \
	X(CR4_FIXED1, 0x489, FIXED1, CR4)                                                         \
	X(VMCS_ENUM, 0x48a, VMCS_ENUM, VMCS_ENUM)                                                 \
	X(PROCBASED_CTLS2, 0x48b, CTLS, PROC2)                                                    \
	X(EPT_VPID_CAP, 0x48c, EPT_VPID, EPT_VPID)                                                \
	X(TRUE_PINBASED_CTLS, 0x48d, CTLS, PIN)                                                   \
	X(TRUE_PROCBASED_CTLS, 0x48e, CTLS, PROC)                                                 \
	X(TRUE_EXIT_CTLS, 0x48f, CTLS, EXIT)                                                      \
	X(TRUE_ENTRY_CTLS, 0x490, CTLS, ENTRY)                                                    \
	X(VMFUNC, 0x491, VMFUNC, VMFUNC)                                                          \
	X(PROCBASED_CTLS3, 0x492, CTLS64, PROC3)                                                  \
	X(EXIT_CTLS2, 0x493, CTLS64, EXIT2)

/* MSR indices, e.g. VMXE_MSR_PROCBASED_CTLS2 = 0x48b. */
enum vmxe_cap_msr_index {
#define VMXE_X(sfx, idx, kind, grp) VMXE_MSR_##sfx = (idx),
	VMXE_CAP_MSR_LIST(VMXE_X)
#undef VMXE_X
};

struct vmxe_cap_msr {
	uint32_t index;
	const char *name; /* "IA32_VMX_PROCBASED_CTLS2" */
	uint8_t kind;     /* enum vmxe_msr_kind */
	uint8_t group;    /* enum vmxe_bit_group of its named bits */
};

size_t vmxe_cap_msr_count(void);
const struct vmxe_cap_msr *vmxe_cap_msr_at(size_t index);
/* The row of MSR @index, or NULL if it is not a VMX capability MSR. */
const struct vmxe_cap_msr *vmxe_cap_msr_lookup(uint32_t index);

/* Allowed settings of a VMXE_MSRK_CTLS value (SDM A.3.1): bits 31:0 and 63:32. */
static inline uint32_t vmxe_ctl_allowed0(uint64_t msr)
{
	return (uint32_t)msr; /* a 1 here: the control must be 1 */
}

static inline uint32_t vmxe_ctl_allowed1(uint64_t msr)
{
	return (uint32_t)(msr >> 32); /* a 0 here: the control must be 0 */
}

static inline uint64_t vmxe_ctl_msr_make(uint32_t allowed0, uint32_t allowed1)
{
	return ((uint64_t)allowed1 << 32) | allowed0;
}

/* Whether @ctl honours a CTLS value: every must-be-1 bit set, no not-allowed bit set. */
static inline bool vmxe_ctl_valid(uint64_t msr, uint32_t ctl)
{
	uint32_t a0 = vmxe_ctl_allowed0(msr);

	return (ctl & a0) == a0 && (ctl & ~vmxe_ctl_allowed1(msr)) == 0;
}

/* @want with the must-be-1 bits forced on and the not-allowed bits dropped. */
static inline uint32_t vmxe_ctl_adjust(uint64_t msr, uint32_t want)
{
	return (want | vmxe_ctl_allowed0(msr)) & vmxe_ctl_allowed1(msr);
}

/* Whether @cr honours IA32_VMX_CRn_FIXED0/FIXED1 (SDM A.7, A.8). */
static inline bool vmxe_cr_valid(uint64_t cr, uint64_t fixed0, uint64_t fixed1)
{
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}

/* State of one bit or field reported by the decoder. */
enum vmxe_bit_state {
	VMXE_BIT_NOT_ALLOWED, /* control: allowed 1-setting is 0; FIXED1: bit must be 0 */
	VMXE_BIT_MAY_BE_1,    /* control: may be 0 or 1; FIXED1: bit may be 1 */
	VMXE_BIT_MUST_BE_1,   /* control: allowed 0-setting is 1; FIXED0: bit must be 1 */
	VMXE_BIT_MAY_BE_0,    /* FIXED0: bit not forced to 1 by this MSR */
	VMXE_BIT_CONFLICT,    /* control: must be 1 and must be 0 at once (a broken MSR value) */
	VMXE_BIT_ABSENT,      /* one-bit capability flag, clear */
	VMXE_BIT_PRESENT,     /* one-bit capability flag, set */
	VMXE_BIT_VALUE,       /* multi-bit field: see value */
};

/* State of control bit @bit in a VMXE_MSRK_CTLS value. */
enum vmxe_bit_state vmxe_ctl_state(uint64_t msr, unsigned int bit);

/* What the decoder reports, once per named bit or field, then once per set unnamed bit. */
struct vmxe_cap_item {
	const struct vmxe_cap_msr *msr;
	const char *name; /* identifier from the .def, or "RESERVED" for a set bit with no name */
	const char *text; /* SDM wording */
	uint8_t lsb;
	uint8_t width;
	uint8_t state;  /* enum vmxe_bit_state */
	uint64_t value; /* the field's value, shifted down; for one bit its allowed setting */
};

typedef void (*vmxe_cap_visit_fn)(void *ctx, const struct vmxe_cap_item *item);

enum vmxe_cap_status {
	VMXE_CAP_OK = 0,
	VMXE_CAP_UNKNOWN_MSR = -1,
};

/*
 * Decode capability MSR @index holding @value: call @visit once per named bit or field of its
 * group, in table order, then once per bit that is set (in either half, for controls) but has
 * no name, with name "RESERVED". VMXE_CAP_UNKNOWN_MSR (and no call) for other MSRs.
 */
enum vmxe_cap_status vmxe_cap_decode(uint32_t index, uint64_t value, vmxe_cap_visit_fn visit,
				     void *ctx);

#endif /* VMX_EMUL_VMX_CAPS_H */
