/*
 * vmcs12.h: the VMCS12 layout that L0 owns and the descriptor table of every VMCS field, both
 * generated from vmcs_fields.def. Touches no hardware. VMCS12 lives in the 4 KiB page that L1
 * passes to VMPTRLD; its first 8 bytes follow the VMCS region format of SDM Vol. 3C 25.2 (revision
 * identifier with the shadow-VMCS indicator in bit 31, then the VMX-abort indicator), the rest is
 * ours. Field encodings follow SDM Vol. 3C Appendix B and 25.11.2 ("VMREAD, VMWRITE, and Encodings
 * of VMCS Fields"); VMREAD/VMWRITE semantics (width truncation, the "high" access type, read-only
 * fields) follow the instruction pages of SDM Vol. 3C 31.3 and the error numbers of 31.4.
 */
#ifndef VMX_EMUL_VMCS12_H
#define VMX_EMUL_VMCS12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx-emul/vmx_errors.h"

/* Field widths; the values are those of encoding bits 14:13 (SDM Vol. 3C 25.11.2, Table 25-21). */
enum vmcs_width {
	VMCS_W16 = 0,
	VMCS_W64 = 1,
	VMCS_W32 = 2,
	VMCS_WNAT = 3, /* natural width: 64 bits on processors that support Intel 64 */
};

/* Field types; the values are those of encoding bits 11:10. */
enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_EXIT_INFO = 1, /* "VM-exit information" / read-only data */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

/* Encoding layout (SDM Vol. 3C 25.11.2, Table 25-21). */
#define VMCS_ENC_ACCESS_HIGH 0x00000001u /* bit 0: access type, 1 = high half of a 64-bit field */
#define VMCS_ENC_INDEX_MASK 0x000003feu  /* bits 9:1 */
#define VMCS_ENC_INDEX_SHIFT 1
#define VMCS_ENC_TYPE_MASK 0x00000c00u /* bits 11:10, enum vmcs_type */
#define VMCS_ENC_TYPE_SHIFT 10
#define VMCS_ENC_RSVD12_MASK 0x00001000u /* bit 12: reserved, 0 */
#define VMCS_ENC_WIDTH_MASK 0x00006000u  /* bits 14:13, enum vmcs_width */
#define VMCS_ENC_WIDTH_SHIFT 13
#define VMCS_ENC_RSVD_HIGH_MASK 0xffff8000u /* bits 31:15: reserved, 0 */

static inline enum vmcs_width vmcs_enc_width(uint32_t enc)
{
	return (enum vmcs_width)((enc & VMCS_ENC_WIDTH_MASK) >> VMCS_ENC_WIDTH_SHIFT);
}

static inline enum vmcs_type vmcs_enc_type(uint32_t enc)
{
	return (enum vmcs_type)((enc & VMCS_ENC_TYPE_MASK) >> VMCS_ENC_TYPE_SHIFT);
}

static inline uint32_t vmcs_enc_index(uint32_t enc)
{
	return (enc & VMCS_ENC_INDEX_MASK) >> VMCS_ENC_INDEX_SHIFT;
}

static inline bool vmcs_enc_is_high(uint32_t enc)
{
	return (enc & VMCS_ENC_ACCESS_HIGH) != 0;
}

/*
 * Field flags. Exactly one group flag per field, equal to 1 << (encoding bits 11:10).
 * VMCS_F_READ_ONLY: VMWRITE by L1 fails with error 13 (unless L1 is offered IA32_VMX_MISC bit 29).
 * VMCS_F_SHADOW_RW: L1 reads and writes it often; worth passing through a shadow VMCS both ways.
 * VMCS_F_SHADOW_RO: L1 reads it often after an exit; worth shadowing for VMREAD only.
 */
enum vmcs_field_flags {
	VMCS_F_CONTROL = 1u << VMCS_TYPE_CONTROL,
	VMCS_F_EXIT_INFO = 1u << VMCS_TYPE_EXIT_INFO,
	VMCS_F_GUEST = 1u << VMCS_TYPE_GUEST,
	VMCS_F_HOST = 1u << VMCS_TYPE_HOST,
	VMCS_F_READ_ONLY = 1u << 4,
	VMCS_F_SHADOW_RW = 1u << 5,
	VMCS_F_SHADOW_RO = 1u << 6,
};
#define VMCS_F_GROUP_MASK (VMCS_F_CONTROL | VMCS_F_EXIT_INFO | VMCS_F_GUEST | VMCS_F_HOST)

/* Index of each field in the table, e.g. VMCS_FIELD_GUEST_RIP; VMCS_FIELD_COUNT fields in all. */
enum vmcs_field_index {
#define VMCS_FIELD(name, enc, width, flags) VMCS_FIELD_##name,
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
	VMCS_FIELD_COUNT
};

/* Full-access encoding of each field, e.g. VMCS_ENC_GUEST_RIP = 0x681e. */
enum vmcs_encoding {
#define VMCS_FIELD(name, enc, width, flags) VMCS_ENC_##name = (enc),
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
};

/* C type of a VMCS12 slot, by width. */
#define VMCS_CTYPE_W16 uint16_t
#define VMCS_CTYPE_W32 uint32_t
#define VMCS_CTYPE_W64 uint64_t
#define VMCS_CTYPE_WNAT uint64_t

/* VMCS12 launch state (SDM Vol. 3C 25.1: "clear" after VMCLEAR, "launched" after VMLAUNCH). */
enum vmxe_launch_state {
	VMXE_LAUNCH_CLEAR = 0,
	VMXE_LAUNCH_LAUNCHED = 1,
};

/* Bit 31 of the revision-identifier dword: this is a shadow VMCS (SDM Vol. 3C 25.2). */
#define VMCS12_REVISION_SHADOW 0x80000000u
#define VMCS12_REVISION_ID_MASK 0x7fffffffu

/* Tag that L0 writes in vmcs12.layout; changes whenever this struct changes. */
#define VMCS12_LAYOUT_TAG 0x54313201u /* "T12", version 1 */

/*
 * The VMCS12 page. Header first (offsets 0 and 4 fixed by the SDM, the rest L0's), then one slot
 * of the field's own width per field of vmcs_fields.def, named after the field (vmcs12->GUEST_RIP).
 * Slots hold values already truncated to the field's width; natural-width slots are 64 bits.
 */
struct vmcs12 {
	uint32_t revision_id;     /* bits 30:0 VMCS revision identifier, bit 31 shadow-VMCS indicator */
	uint32_t abort_indicator; /* VMX-abort indicator (SDM Vol. 3C 28.7) */
	uint32_t launch_state;    /* enum vmxe_launch_state */
	uint32_t layout;          /* VMCS12_LAYOUT_TAG once L0 has initialised the page (VMCLEAR) */
#define VMCS_FIELD(name, enc, width, flags) VMCS_CTYPE_##width name;
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
};

#define VMCS12_PAGE_SIZE 4096u
_Static_assert(sizeof(struct vmcs12) <= VMCS12_PAGE_SIZE, "VMCS12 fits in L1's VMCS page");
_Static_assert(offsetof(struct vmcs12, revision_id) == 0, "SDM 25.2: revision identifier at 0");
_Static_assert(offsetof(struct vmcs12, abort_indicator) == 4, "SDM 25.2: VMX-abort indicator at 4");

/* One row of the field table. */
struct vmxe_field_desc {
	const char *name;      /* "GUEST_RIP" */
	const char *name_high; /* "GUEST_PHYSICAL_ADDRESS_HIGH" for W64 fields, NULL otherwise */
	uint32_t encoding;     /* full-access encoding */
	uint32_t flags;        /* enum vmcs_field_flags */
	uint16_t offset;       /* offsetof(struct vmcs12, name) */
	uint8_t size;          /* bytes of the slot: 2, 4 or 8 */
	uint8_t width;         /* enum vmcs_width */
};

/* The table, in vmcs_fields.def order (vmcs12.c). The accessors below are inline: L0 runs them
 * for every field of a VMCS on each nested entry and exit, where a call per field costs more
 * than the move it makes. */
extern const struct vmxe_field_desc vmxe_fields[VMCS_FIELD_COUNT];

/* Number of fields in the table (== VMCS_FIELD_COUNT). */
static inline size_t vmxe_field_count(void)
{
	return VMCS_FIELD_COUNT;
}

/* Row @index of the table, in vmcs_fields.def order; NULL when index >= VMCS_FIELD_COUNT. */
static inline const struct vmxe_field_desc *vmxe_field_at(size_t index)
{
	return index < VMCS_FIELD_COUNT ? &vmxe_fields[index] : NULL;
}

/*
 * The field that @encoding names: a full-access encoding of any listed field, or the high-access
 * form (encoding | 1) of a 64-bit field, which returns the 64-bit field's row. NULL for anything
 * else (unlisted, high access to a 16/32-bit or natural-width field, reserved bits set).
 */
const struct vmxe_field_desc *vmxe_field_lookup(uint32_t encoding);

/* Table index of @encoding's field (high forms included), or -1. */
int vmxe_field_index(uint32_t encoding);

/* "GUEST_RIP", or "X_HIGH" for a high-access encoding; NULL when vmxe_field_lookup() fails. */
const char *vmxe_field_name(uint32_t encoding);

/*
 * VMREAD/VMWRITE take the encoding in a register; in 64-bit mode bits 63:32 must be zero or the
 * instruction fails with error 12 (SDM Vol. 3C 31.3, VMREAD/VMWRITE). Returns VMXE_OK and the
 * 32-bit encoding, or VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT.
 */
enum vmxe_insn_error vmxe_encoding_from_operand(uint64_t operand, uint32_t *encoding);

/* Who writes, for vmxe_vmcs12_write(). */
enum vmxe_write_flags {
	VMXE_WR_L1 = 0,                   /* L1's VMWRITE: read-only fields fail with error 13 */
	VMXE_WR_ALLOW_READ_ONLY = 1u << 0, /* read-only fields are writable (L0 reflecting an exit,
					    * or L1 when IA32_VMX_MISC bit 29 is offered to it) */
	VMXE_WR_L0 = VMXE_WR_ALLOW_READ_ONLY,
};

/*
 * VMREAD from VMCS12. Full access returns the field zero-extended to 64 bits; the high access of a
 * 64-bit field returns its bits 63:32 in bits 31:0. The caller truncates to the operand size.
 * Errors: VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT (12); *value is left alone on error.
 */
enum vmxe_insn_error vmxe_vmcs12_read(const struct vmcs12 *vmcs12, uint32_t encoding,
				      uint64_t *value);

/*
 * VMWRITE to VMCS12. Full access stores @value truncated to the field's width (the high bits of the
 * source are ignored, SDM 31.3); the caller zero-extends a 32-bit operand, which clears bits 63:32
 * of 64-bit and natural-width fields as the SDM requires outside 64-bit mode. The high access of a
 * 64-bit field stores bits 31:0 of @value in bits 63:32 and keeps bits 31:0.
 * Errors: 12 for an unsupported encoding; 13 for a read-only field unless VMXE_WR_ALLOW_READ_ONLY.
 */
enum vmxe_insn_error vmxe_vmcs12_write(struct vmcs12 *vmcs12, uint32_t encoding, uint64_t value,
				       unsigned int wflags);

/* Raw slot access by descriptor, no checks: for L0's own copies (vmcs02 build, shadow sync).
 * __builtin_memcpy: a plain move of 2, 4 or 8 bytes even in the freestanding l0.efi build, where
 * memcpy is a call. */
static inline uint64_t vmxe_vmcs12_get(const struct vmcs12 *vmcs12,
				       const struct vmxe_field_desc *field)
{
	const unsigned char *slot = (const unsigned char *)vmcs12 + field->offset;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (field->size) {
	case 2:
		__builtin_memcpy(&v16, slot, sizeof(v16));
		return v16;
	case 4:
		__builtin_memcpy(&v32, slot, sizeof(v32));
		return v32;
	default:
		__builtin_memcpy(&v64, slot, sizeof(v64));
		return v64;
	}
}

static inline void vmxe_vmcs12_set(struct vmcs12 *vmcs12, const struct vmxe_field_desc *field,
				   uint64_t value)
{
	unsigned char *slot = (unsigned char *)vmcs12 + field->offset;
	uint16_t v16 = (uint16_t)value;
	uint32_t v32 = (uint32_t)value;

	switch (field->size) {
	case 2:
		__builtin_memcpy(slot, &v16, sizeof(v16));
		break;
	case 4:
		__builtin_memcpy(slot, &v32, sizeof(v32));
		break;
	default:
		__builtin_memcpy(slot, &value, sizeof(value));
		break;
	}
}

/* The table indices of the fields of @group (one VMCS_F_* group flag), in table order, and their
 * number in *count: the loops over one group on every nested entry and exit skip the others. */
const uint16_t *vmxe_group_fields(uint32_t group, size_t *count);

/* Copies every field of @group (one VMCS_F_* group flag) from @src to @dst. */
void vmxe_vmcs12_copy_group(struct vmcs12 *dst, const struct vmcs12 *src, uint32_t group);

/* Highest index (encoding bits 9:1) over the table, for IA32_VMX_VMCS_ENUM (SDM Vol. 3C A.9). */
uint32_t vmxe_field_highest_index(void);

/* Mask of the bits a field of @width holds (0xffff, 0xffffffff or all ones). */
static inline uint64_t vmcs_width_mask(enum vmcs_width width)
{
	switch (width) {
	case VMCS_W16:
		return 0xffffu;
	case VMCS_W32:
		return 0xffffffffu;
	case VMCS_W64:
	case VMCS_WNAT:
	default:
		return UINT64_MAX;
	}
}

#endif /* VMX_EMUL_VMCS12_H */
