/*
 * l1_policy.c: L0's decisions about L1's CPUID, CR0/CR4, MSRs, XCR0 and segments (see
 * l1_policy.h). Pure.
 */
#include "l0/l1_policy.h"

#include "l0/hypercall.h"

enum { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

#define CPUID_LEAF_FEATURES 1u
#define CPUID_LEAF_EXT_FEATURES 7u

static void mirror(uint32_t *reg, uint32_t bit, bool set)
{
	*reg = set ? *reg | bit : *reg & ~bit;
}

void l0_cpuid_for_l1(uint32_t leaf, uint32_t subleaf, bool show_vmx, uint64_t guest_cr4,
		     uint32_t r[4])
{
	if (l0_hypercall_cpuid(leaf, r))
		return;
	if (leaf == CPUID_LEAF_FEATURES) {
		if (!show_vmx)
			r[CPUID_ECX] &= ~L0_CPUID_1_ECX_VMX;
		r[CPUID_ECX] |= L0_CPUID_1_ECX_HYPERVISOR;
		mirror(&r[CPUID_ECX], L0_CPUID_1_ECX_OSXSAVE, guest_cr4 & L0_CR4_OSXSAVE);
	} else if (leaf == CPUID_LEAF_EXT_FEATURES && subleaf == 0) {
		mirror(&r[CPUID_ECX], L0_CPUID_7_ECX_OSPKE, guest_cr4 & L0_CR4_PKE);
		r[CPUID_EDX] |= L0_CPUID_7_EDX_ARCH_CAPABILITIES;
	}
}

uint64_t l0_arch_capabilities_for_l1(uint64_t hw, bool hw_has)
{
	return (hw_has ? hw : 0) | L0_ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
}

void l0_cr_policy_init(struct l0_cr_policy *p, uint64_t fixed0, uint64_t fixed1,
		       uint64_t relaxed, uint64_t hidden)
{
	p->force1 = fixed0 & ~relaxed & ~hidden;
	p->force0 = ~fixed1;
	p->hidden = hidden;
	p->mask = p->force1 | p->force0 | p->hidden;
}

bool l0_cr_write(const struct l0_cr_policy *p, uint64_t value, uint64_t *real, uint64_t *shadow)
{
	if (value & (p->hidden | p->force0))
		return false;
	*real = value | p->force1;
	*shadow = value;
	return true;
}

#define MSR_BITMAP_READ_LOW 0
#define MSR_BITMAP_READ_HIGH 1024
#define MSR_BITMAP_WRITE_OFFSET 2048

bool l0_msr_in_bitmap(uint32_t msr)
{
	return msr < L0_MSR_LOW_END || (msr >= L0_MSR_HIGH_BASE && msr < L0_MSR_HIGH_END);
}

/* Byte offset of @msr's read bit, or -1 when the bitmap does not cover it. */
static long msr_read_byte(uint32_t msr)
{
	if (msr < L0_MSR_LOW_END)
		return MSR_BITMAP_READ_LOW + msr / 8;
	if (msr >= L0_MSR_HIGH_BASE && msr < L0_MSR_HIGH_END)
		return MSR_BITMAP_READ_HIGH + (msr - L0_MSR_HIGH_BASE) / 8;
	return -1;
}

bool l0_msr_bitmap_intercept(uint8_t bitmap[L0_MSR_BITMAP_SIZE], uint32_t msr)
{
	long byte = msr_read_byte(msr);
	uint8_t bit = (uint8_t)(1u << (msr % 8));

	if (byte < 0)
		return false;
	bitmap[byte] |= bit;
	bitmap[byte + MSR_BITMAP_WRITE_OFFSET] |= bit;
	return true;
}

bool l0_msr_bitmap_exits(const uint8_t bitmap[L0_MSR_BITMAP_SIZE], uint32_t msr, bool write)
{
	long byte = msr_read_byte(msr);

	if (byte < 0)
		return true;
	if (write)
		byte += MSR_BITMAP_WRITE_OFFSET;
	return (bitmap[byte] >> (msr % 8)) & 1;
}

bool l0_xcr0_valid(uint64_t value, uint64_t supported)
{
	uint64_t avx512 = value & L0_XCR0_AVX512;
	uint64_t mpx = value & (L0_XCR0_BNDREGS | L0_XCR0_BNDCSR);

	if (!(value & L0_XCR0_X87) || (value & ~supported))
		return false;
	if ((value & L0_XCR0_AVX) && !(value & L0_XCR0_SSE))
		return false;
	if (mpx && mpx != (L0_XCR0_BNDREGS | L0_XCR0_BNDCSR))
		return false;
	return !avx512 || (avx512 == L0_XCR0_AVX512 && (value & L0_XCR0_AVX));
}

#define DESC_S (1ull << 44)	 /* code/data (1) or system (0) */
#define DESC_G (1ull << 55)	 /* limit in 4 KiB units */
#define SELECTOR_INDEX_MASK 0xfff8u

void l0_segment_from_descriptor(uint16_t selector, uint64_t lo, uint64_t hi,
				struct l0_segment *out)
{
	out->selector = selector;
	if ((selector & SELECTOR_INDEX_MASK) == 0) {
		*out = (struct l0_segment){ .selector = selector,
					    .access_rights = L0_SEG_AR_UNUSABLE };
		return;
	}
	/* AR bits 7:0 are descriptor bits 47:40, AR bits 15:12 descriptor bits 55:52. */
	out->access_rights = (uint32_t)(((lo >> 40) & 0xff) | (((lo >> 52) & 0xf) << 12));
	out->limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));
	if (lo & DESC_G)
		out->limit = (out->limit << 12) | 0xfff;
	out->base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24);
	if (!(lo & DESC_S))
		out->base |= (hi & 0xffffffff) << 32;
}
