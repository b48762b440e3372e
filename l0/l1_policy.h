/*
 * l1_policy.h: the decisions L0 makes about L1's privileged operations when it runs L1 as its
 * guest, as functions over plain values: what CPUID tells L1, which CR0/CR4 bits L0 owns and what
 * a write to them becomes, which MSRs exit, whether an XCR0 value is legal, and how a GDT
 * descriptor becomes VMCS segment fields. Pure: the hardware layer (l0/vmcs01.c, l0/exits.c)
 * reads the CPU and the VMCS and acts on the answers.
 */
#ifndef L0_L1_POLICY_H
#define L0_L1_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define L0_CPUID_1_ECX_VMX (1u << 5)          /* SDM Vol. 2A CPUID, Table 3-10 */
#define L0_CPUID_1_ECX_OSXSAVE (1u << 27)
#define L0_CPUID_1_ECX_HYPERVISOR (1u << 31) /* reserved for hypervisors to say they exist */
#define L0_CPUID_7_ECX_OSPKE (1u << 4)
#define L0_CPUID_7_EDX_FLUSH_L1D (1u << 28)
#define L0_CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)

#define L0_CR0_PE (1ull << 0)
#define L0_CR0_NE (1ull << 5)
#define L0_CR0_PG (1ull << 31)
#define L0_CR4_VMXE (1ull << 13)
#define L0_CR4_OSXSAVE (1ull << 18)
#define L0_CR4_PKE (1ull << 22)

/*
 * Rewrites the CPU's answer @r = {EAX, EBX, ECX, EDX} to CPUID(@leaf, @subleaf), executed by
 * L0, into what L1 sees: VMX hidden when !@show_vmx, the hypervisor bit set, L0's own
 * hypervisor leaves (l0/hypercall.h) in place of whatever the CPU returns there, and the bits
 * that mirror CR4 (OSXSAVE, OSPKE) taken from L1's CR4, @guest_cr4, not from L0's; and
 * IA32_ARCH_CAPABILITIES enumerated, since L0 always answers it (l0_arch_capabilities_for_l1).
 */
void l0_cpuid_for_l1(uint32_t leaf, uint32_t subleaf, bool show_vmx, uint64_t guest_cr4,
		     uint32_t r[4]);

/*
 * One control register as L0 virtualizes it (SDM Vol. 3C 25.6.6): bits set in IA32_VMX_CRn_FIXED0
 * must stay 1 and bits clear in FIXED1 must stay 0 while L1 runs, so L0 owns them (the
 * guest/host mask) and L1 reads its own values from the read shadow. @relaxed drops bits the CPU
 * lets the guest clear anyway (CR0.PE and CR0.PG with unrestricted guest, SDM 26.3.1.1).
 * @hidden are bits L1 may not set at all (CR4.VMXE while VMX is hidden): L0 owns them too.
 */
struct l0_cr_policy {
	uint64_t force1; /* kept 1 in the real register */
	uint64_t force0; /* kept 0 in the real register */
	uint64_t hidden; /* a write setting one of these raises #GP */
	uint64_t mask;   /* the guest/host mask: every bit above */
};

void l0_cr_policy_init(struct l0_cr_policy *p, uint64_t fixed0, uint64_t fixed1,
		       uint64_t relaxed, uint64_t hidden);

/* Where L1's shadowed view of a CR starts: the real value without the forced-1 bits, which L1
 * did not set itself. */
static inline uint64_t l0_cr_shadow_of(const struct l0_cr_policy *p, uint64_t real)
{
	return real & ~p->force1;
}

/* A MOV to the CR that L0 intercepted: false when the write must raise #GP (a hidden bit,
 * or a bit FIXED1 forbids); else the value the CPU gets and the value L1 reads back. */
bool l0_cr_write(const struct l0_cr_policy *p, uint64_t value, uint64_t *real, uint64_t *shadow);

/* IA32_ARCH_CAPABILITIES (SDM Vol. 4 2.1, Table 2-2) and the bit a hypervisor sets in it to
 * tell its guest that it flushes L1D itself when it enters the guest's guests, so that a nested
 * hypervisor need not flush on every one of its VM entries (L1TF, "VMENTRY_L1D_FLUSH"). */
#define L0_MSR_ARCH_CAPABILITIES 0x10au
#define L0_ARCH_CAP_SKIP_VMENTRY_L1DFLUSH (1ull << 3)

/* L1's IA32_ARCH_CAPABILITIES: the CPU's (@hw, 0 when @hw_has is false: the CPU has no such
 * MSR) with SKIP_VMENTRY_L1DFLUSH; L0 keeps that promise before each VM entry to L2. */
uint64_t l0_arch_capabilities_for_l1(uint64_t hw, bool hw_has);

/* MSR bitmap (SDM Vol. 3C 25.6.9): 4 KiB, read-low, read-high, write-low, write-high. */
#define L0_MSR_BITMAP_SIZE 4096
#define L0_MSR_LOW_END 0x2000u
#define L0_MSR_HIGH_BASE 0xc0000000u
#define L0_MSR_HIGH_END 0xc0002000u

/* Whether the bitmap covers @msr; an RDMSR/WRMSR outside both ranges always exits. */
bool l0_msr_in_bitmap(uint32_t msr);

/* Sets the read and the write bit of @msr in @bitmap; false when the bitmap does not cover it. */
bool l0_msr_bitmap_intercept(uint8_t bitmap[L0_MSR_BITMAP_SIZE], uint32_t msr);

/* Whether @msr exits on read (@write false) or write under @bitmap. */
bool l0_msr_bitmap_exits(const uint8_t bitmap[L0_MSR_BITMAP_SIZE], uint32_t msr, bool write);

/* XCR0 bits (SDM Vol. 1 13.3): XSETBV of anything else, or of an inconsistent set, is #GP. */
#define L0_XCR0_X87 (1ull << 0)
#define L0_XCR0_SSE (1ull << 1)
#define L0_XCR0_AVX (1ull << 2)
#define L0_XCR0_BNDREGS (1ull << 3)
#define L0_XCR0_BNDCSR (1ull << 4)
#define L0_XCR0_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */

/* Whether XSETBV(0, @value) is legal on a CPU whose CPUID.(EAX=0DH,ECX=0) says @supported. */
bool l0_xcr0_valid(uint64_t value, uint64_t supported);

/* A segment as the VMCS guest-state area holds it (SDM Vol. 3C 25.4.1). */
struct l0_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t access_rights; /* VMCS format; L0_SEG_AR_UNUSABLE for a null selector */
};

#define L0_SEG_AR_UNUSABLE (1u << 16)

/*
 * Decodes the GDT descriptor of @selector: @lo is its first 8 bytes, @hi the next 8 (only read
 * for system descriptors, which are 16 bytes in IA-32e mode, SDM Vol. 3A 7.2.3). A null selector
 * gives an unusable segment.
 */
void l0_segment_from_descriptor(uint16_t selector, uint64_t lo, uint64_t hi,
				struct l0_segment *out);

#endif
