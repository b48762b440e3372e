/*
 * vmcs12.c: the VMCS field table and VMREAD/VMWRITE on VMCS12, generated from vmcs_fields.def.
 * Touches no hardware. Implements the encoding rules of SDM Vol. 3C 25.11.2 and Appendix B
 * (checked at compile time for every field: width bits 14:13, type bits 11:10 against the field's
 * group, access-type bit 0 and reserved bits clear, no encoding twice) and the data-movement rules
 * of VMREAD/VMWRITE in SDM Vol. 3C 31.3: truncation to the field's width, the "high" access type
 * of 64-bit fields, read-only fields, and the error numbers 12 and 13 of 31.4.
 */
#include "vmx-emul/vmcs12.h"

#include <string.h>

/* Compile-time checks of every row of vmcs_fields.def. */
#define VMCS_FIELD(name, enc, width, flags)                                                        \
	_Static_assert(((enc) & (VMCS_ENC_ACCESS_HIGH | VMCS_ENC_RSVD12_MASK |                     \
				 VMCS_ENC_RSVD_HIGH_MASK)) == 0,                                   \
		       #name ": full access type, reserved encoding bits clear");                  \
	_Static_assert((((enc) & VMCS_ENC_WIDTH_MASK) >> VMCS_ENC_WIDTH_SHIFT) == VMCS_##width,    \
		       #name ": encoding bits 14:13 match its width");                             \
	_Static_assert(((flags) & VMCS_F_GROUP_MASK) ==                                            \
			       (1u << (((enc) & VMCS_ENC_TYPE_MASK) >> VMCS_ENC_TYPE_SHIFT)),      \
		       #name ": exactly one group flag, matching encoding bits 11:10");            \
	_Static_assert((((flags) & VMCS_F_READ_ONLY) != 0) == (((flags) & VMCS_F_EXIT_INFO) != 0), \
		       #name ": read-only exactly when it is an exit-information field");          \
	_Static_assert(((flags) & (VMCS_F_SHADOW_RW | VMCS_F_SHADOW_RO)) !=                        \
			       (VMCS_F_SHADOW_RW | VMCS_F_SHADOW_RO),                              \
		       #name ": shadowed read/write or read-only, not both");                      \
	_Static_assert(!((flags) & VMCS_F_READ_ONLY) || !((flags) & VMCS_F_SHADOW_RW),             \
		       #name ": a read-only field cannot be shadowed for writes");                 \
	_Static_assert(sizeof(((struct vmcs12 *)0)->name) ==                                       \
			       ((VMCS_##width == VMCS_W16) ? 2 : (VMCS_##width == VMCS_W32) ? 4 : 8), \
		       #name ": slot size matches width");
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD

#define VMCS_NAME_HIGH_W16(name) NULL
#define VMCS_NAME_HIGH_W32(name) NULL
#define VMCS_NAME_HIGH_WNAT(name) NULL
#define VMCS_NAME_HIGH_W64(name) #name "_HIGH"

const struct vmxe_field_desc vmxe_fields[VMCS_FIELD_COUNT] = {
#define VMCS_FIELD(n, e, w, f)                                                        \
	[VMCS_FIELD_##n] = {                                                                    \
		.name = #n,                                                                     \
		.name_high = VMCS_NAME_HIGH_##w(n),                                         \
		.encoding = (e),                                                                 \
		.flags = (f),                                                                  \
		.offset = offsetof(struct vmcs12, n),                                           \
		.size = sizeof(((struct vmcs12 *)0)->n),                                        \
		.width = VMCS_##w,                                                             \
	},
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
};

/*
 * Encoding to table index. One case per field: an encoding listed twice in vmcs_fields.def is a
 * duplicate case value, i.e. a compile error.
 */
static int field_index_full(uint32_t encoding)
{
	switch (encoding) {
#define VMCS_FIELD(name, enc, width, flags)                                                        \
	case (enc):                                                                                \
		return VMCS_FIELD_##name;
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
	default:
		return -1;
	}
}

int vmxe_field_index(uint32_t encoding)
{
	int idx;

	if (!vmcs_enc_is_high(encoding))
		return field_index_full(encoding);
	/* SDM 25.11.2: the high access type exists only for 64-bit fields. */
	idx = field_index_full(encoding & ~VMCS_ENC_ACCESS_HIGH);
	if (idx < 0 || vmxe_fields[idx].width != VMCS_W64)
		return -1;
	return idx;
}

const struct vmxe_field_desc *vmxe_field_lookup(uint32_t encoding)
{
	int idx = vmxe_field_index(encoding);

	return idx < 0 ? NULL : &vmxe_fields[idx];
}

const char *vmxe_field_name(uint32_t encoding)
{
	const struct vmxe_field_desc *f = vmxe_field_lookup(encoding);

	if (f == NULL)
		return NULL;
	return vmcs_enc_is_high(encoding) ? f->name_high : f->name;
}

enum vmxe_insn_error vmxe_encoding_from_operand(uint64_t operand, uint32_t *encoding)
{
	if (operand >> 32)
		return VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT;
	*encoding = (uint32_t)operand;
	return VMXE_OK;
}

const uint16_t *vmxe_group_fields(uint32_t group, size_t *count)
{
	/* built at the first call: a compile-time list per group would need the table sorted */
	static uint16_t lists[VMCS_TYPE_HOST + 1][VMCS_FIELD_COUNT];
	static size_t counts[VMCS_TYPE_HOST + 1];
	static bool built;
	unsigned int t = (unsigned int)__builtin_ctz(group);

	if (!built) {
		for (size_t i = 0; i < VMCS_FIELD_COUNT; i++) {
			unsigned int g = (unsigned int)__builtin_ctz(vmxe_fields[i].flags &
								     VMCS_F_GROUP_MASK);

			lists[g][counts[g]++] = (uint16_t)i;
		}
		built = true;
	}
	*count = counts[t];
	return lists[t];
}

void vmxe_vmcs12_copy_group(struct vmcs12 *dst, const struct vmcs12 *src, uint32_t group)
{
	size_t n;
	const uint16_t *idx = vmxe_group_fields(group, &n);

	for (size_t k = 0; k < n; k++) {
		const struct vmxe_field_desc *d = &vmxe_fields[idx[k]];

		vmxe_vmcs12_set(dst, d, vmxe_vmcs12_get(src, d));
	}
}

enum vmxe_insn_error vmxe_vmcs12_read(const struct vmcs12 *vmcs12, uint32_t encoding,
				      uint64_t *value)
{
	const struct vmxe_field_desc *f = vmxe_field_lookup(encoding);
	uint64_t v;

	if (f == NULL)
		return VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT;
	v = vmxe_vmcs12_get(vmcs12, f);
	*value = vmcs_enc_is_high(encoding) ? v >> 32 : v;
	return VMXE_OK;
}

enum vmxe_insn_error vmxe_vmcs12_write(struct vmcs12 *vmcs12, uint32_t encoding, uint64_t value,
				       unsigned int wflags)
{
	const struct vmxe_field_desc *f = vmxe_field_lookup(encoding);

	if (f == NULL)
		return VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT;
	if ((f->flags & VMCS_F_READ_ONLY) && !(wflags & VMXE_WR_ALLOW_READ_ONLY))
		return VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT;
	if (vmcs_enc_is_high(encoding)) {
		uint64_t low = vmxe_vmcs12_get(vmcs12, f) & 0xffffffffu;

		value = low | ((value & 0xffffffffu) << 32);
	}
	vmxe_vmcs12_set(vmcs12, f, value & vmcs_width_mask((enum vmcs_width)f->width));
	return VMXE_OK;
}

uint32_t vmxe_field_highest_index(void)
{
	uint32_t highest = 0;
	size_t i;

	for (i = 0; i < VMCS_FIELD_COUNT; i++) {
		uint32_t idx = vmcs_enc_index(vmxe_fields[i].encoding);

		if (idx > highest)
			highest = idx;
	}
	return highest;
}
