/*
 * vmx_caps.c: tables of the VMX capability MSRs and of their named bits (generated from
 * vmx_controls.def and vmx_cap_fields.def), and the decoder that walks a capability MSR value bit
 * by bit for L0's VMX report. Touches no hardware. Implements the layouts of SDM Vol. 3C
 * Appendix A (A.1 basic information, A.3-A.5 allowed 0/1-settings of the controls, A.6
 * miscellaneous data, A.7-A.8 CR0/CR4 fixed bits, A.9 VMCS enumeration, A.10 EPT/VPID
 * capabilities, A.11 VM functions) and the control bits of 25.6-25.8.
 */
#include "vmx-emul/vmx_caps.h"

/* Compile-time checks of every row: a control group, a bit inside its control word. */
#define VMX_CTL(g, n, b, t)                                                                        \
	_Static_assert(VMXE_GRP_##g <= VMXE_GRP_ENTRY, #g "_" #n ": control group");              \
	_Static_assert((b) >= 0 && (b) < ((VMXE_GRP_##g == VMXE_GRP_PROC3 ||                       \
					   VMXE_GRP_##g == VMXE_GRP_EXIT2) ? 64 : 32),           \
		       #g "_" #n ": bit inside the control word");
#include "vmx-emul/vmx_controls.def"
#undef VMX_CTL
#define VMX_CAPF(g, n, l, w, t)                                                                    \
	_Static_assert(VMXE_GRP_##g > VMXE_GRP_ENTRY, #g "_" #n ": capability-field group");       \
	_Static_assert((w) >= 1 && (l) >= 0 && (l) + (w) <= 64, #g "_" #n ": field inside 64 bits");
#include "vmx-emul/vmx_cap_fields.def"
#undef VMX_CAPF

static const struct vmxe_bit_desc cap_bits[] = {
#define VMX_CTL(g, n, b, t)                                                                        \
	{ .name = #n, .text = t, .group = VMXE_GRP_##g, .lsb = (b), .width = 1 },
#include "vmx-emul/vmx_controls.def"
#undef VMX_CTL
#define VMX_CAPF(g, n, l, w, t)                                                                    \
	{ .name = #n, .text = t, .group = VMXE_GRP_##g, .lsb = (l), .width = (w) },
#include "vmx-emul/vmx_cap_fields.def"
#undef VMX_CAPF
};

#define CAP_BIT_COUNT (sizeof(cap_bits) / sizeof(cap_bits[0]))

static const struct vmxe_cap_msr cap_msrs[] = {
#define VMXE_X(sfx, idx, k, g)                                                                     \
	{ .index = (idx), .name = "IA32_VMX_" #sfx, .kind = VMXE_MSRK_##k, .group = VMXE_GRP_##g },
	VMXE_CAP_MSR_LIST(VMXE_X)
#undef VMXE_X
};

#define CAP_MSR_COUNT (sizeof(cap_msrs) / sizeof(cap_msrs[0]))

size_t vmxe_cap_bit_count(void)
{
	return CAP_BIT_COUNT;
}

const struct vmxe_bit_desc *vmxe_cap_bit_at(size_t index)
{
	return index < CAP_BIT_COUNT ? &cap_bits[index] : NULL;
}

/* strcmp() == 0 without relying on the freestanding build having strcmp. */
static bool str_equal(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const struct vmxe_bit_desc *vmxe_cap_bit_find(enum vmxe_bit_group group, const char *name)
{
	size_t i;

	for (i = 0; i < CAP_BIT_COUNT; i++) {
		const struct vmxe_bit_desc *d = &cap_bits[i];

		if (d->group == group && str_equal(d->name, name))
			return d;
	}
	return NULL;
}

size_t vmxe_cap_msr_count(void)
{
	return CAP_MSR_COUNT;
}

const struct vmxe_cap_msr *vmxe_cap_msr_at(size_t index)
{
	return index < CAP_MSR_COUNT ? &cap_msrs[index] : NULL;
}

const struct vmxe_cap_msr *vmxe_cap_msr_lookup(uint32_t index)
{
	size_t i;

	for (i = 0; i < CAP_MSR_COUNT; i++)
		if (cap_msrs[i].index == index)
			return &cap_msrs[i];
	return NULL;
}

enum vmxe_bit_state vmxe_ctl_state(uint64_t msr, unsigned int bit)
{
	bool must1, may1;

	if (bit >= 32)
		return VMXE_BIT_NOT_ALLOWED;
	must1 = (vmxe_ctl_allowed0(msr) >> bit) & 1u;
	may1 = (vmxe_ctl_allowed1(msr) >> bit) & 1u;
	if (must1)
		return may1 ? VMXE_BIT_MUST_BE_1 : VMXE_BIT_CONFLICT;
	return may1 ? VMXE_BIT_MAY_BE_1 : VMXE_BIT_NOT_ALLOWED;
}

static uint64_t field_of(uint64_t value, unsigned int lsb, unsigned int width)
{
	return (value >> lsb) & (UINT64_MAX >> (64 - width));
}

/* State and value of one bit or field of MSR kind @kind. */
static void describe(enum vmxe_msr_kind kind, uint64_t value, struct vmxe_cap_item *item)
{
	uint64_t bit = field_of(value, item->lsb, 1);

	switch (kind) {
	case VMXE_MSRK_CTLS:
		item->state = vmxe_ctl_state(value, item->lsb);
		item->value = item->state == VMXE_BIT_MAY_BE_1 || item->state == VMXE_BIT_MUST_BE_1;
		return;
	case VMXE_MSRK_CTLS64:
		item->state = bit ? VMXE_BIT_MAY_BE_1 : VMXE_BIT_NOT_ALLOWED;
		item->value = bit;
		return;
	case VMXE_MSRK_FIXED0:
		item->state = bit ? VMXE_BIT_MUST_BE_1 : VMXE_BIT_MAY_BE_0;
		item->value = bit;
		return;
	case VMXE_MSRK_FIXED1:
		item->state = bit ? VMXE_BIT_MAY_BE_1 : VMXE_BIT_NOT_ALLOWED;
		item->value = bit;
		return;
	default:
		item->value = field_of(value, item->lsb, item->width);
		if (item->width > 1)
			item->state = VMXE_BIT_VALUE;
		else
			item->state = item->value ? VMXE_BIT_PRESENT : VMXE_BIT_ABSENT;
		return;
	}
}

/* Bits of @value that say something is there: for controls, either half; FIXED1 none (its set
 * bits only mean "may be 1", which is no news). */
static uint64_t bits_worth_reporting(enum vmxe_msr_kind kind, uint64_t value)
{
	switch (kind) {
	case VMXE_MSRK_CTLS:
		return vmxe_ctl_allowed0(value) | vmxe_ctl_allowed1(value);
	case VMXE_MSRK_FIXED1:
		return 0;
	default:
		return value;
	}
}

enum vmxe_cap_status vmxe_cap_decode(uint32_t index, uint64_t value, vmxe_cap_visit_fn visit,
				     void *ctx)
{
	const struct vmxe_cap_msr *msr = vmxe_cap_msr_lookup(index);
	enum vmxe_msr_kind kind;
	uint64_t named = 0, unnamed;
	struct vmxe_cap_item item;
	size_t i;

	if (msr == NULL)
		return VMXE_CAP_UNKNOWN_MSR;
	kind = (enum vmxe_msr_kind)msr->kind;
	for (i = 0; i < CAP_BIT_COUNT; i++) {
		const struct vmxe_bit_desc *d = &cap_bits[i];

		if (d->group != msr->group)
			continue;
		item = (struct vmxe_cap_item){ .msr = msr, .name = d->name, .text = d->text,
					       .lsb = d->lsb, .width = d->width };
		describe(kind, value, &item);
		named |= (UINT64_MAX >> (64 - d->width)) << d->lsb;
		visit(ctx, &item);
	}
	unnamed = bits_worth_reporting(kind, value) & ~named;
	for (i = 0; i < 64; i++) {
		if (!((unnamed >> i) & 1u))
			continue;
		item = (struct vmxe_cap_item){ .msr = msr, .name = "RESERVED",
					       .text = "reserved or undocumented bit",
					       .lsb = (uint8_t)i, .width = 1 };
		describe(kind, value, &item);
		visit(ctx, &item);
	}
	return VMXE_CAP_OK;
}
