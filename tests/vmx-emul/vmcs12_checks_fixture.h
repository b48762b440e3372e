/*
 * vmcs12_checks_fixture.h: what the tests of the VM-entry checks share (test_vmcs12_checks.c for
 * controls, host state and the MSR-load area; test_vmcs12_guest_checks.c for guest state): one
 * valid VMCS12 (a 64-bit L2 with flat segments, as KVM sets one up), L1's capabilities (Bochs
 * 2.7's MSRs through vmxe_vcaps_compute with EPT and VMCS shadowing, or a hand-made set offering
 * every control), L1 memory (a 1 MiB buffer with the VMCS regions, PDPTs and MSR-load areas the
 * cases point at), and the table format: a case is a few field writes (and an optional
 * preparation) applied to the valid VMCS12, with the outcome L1 must see and the rule's name.
 */
#ifndef TESTS_VMX_EMUL_VMCS12_CHECKS_FIXTURE_H
#define TESTS_VMX_EMUL_VMCS12_CHECKS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmcs12_checks.h"
#include "vmx-emul/vmx_caps.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define M(name)	    VMX_MASK(VMX_##name)

/* Hardware formats, written out here independently of the code under test. */
#define CR0_PE	      0x1ull
#define CR0_NE	      0x20ull
#define CR0_PG	      0x80000000ull
#define CR0_64	      0x80050033ull /* PG AM WP NE ET MP PE */
#define CR4_PAE	      0x20ull
#define CR4_VMXE      0x2000ull
#define CR4_PCIDE     0x20000ull
#define CR4_PKE	      0x400000ull
#define CR4_64	      0x26a0ull /* VMXE OSXMMEXCPT OSFXSR PGE PAE */
#define EFER_LME      0x100ull
#define EFER_LMA      0x400ull
#define EFER_64	      0xd01ull /* NXE LMA LME SCE */
#define PAT_DEFAULT   0x0007040600070406ull
#define RFLAGS_VM     0x20000ull
#define AR_S	      0x10u
#define AR_DPL3	      0x60u
#define AR_P	      0x80u
#define AR_L	      0x2000u
#define AR_DB	      0x4000u
#define AR_G	      0x8000u
#define AR_UNUSABLE   0x10000u
#define AR_CODE64     0xa09bu /* G L P S type 11 */
#define AR_CODE32     0xc09bu /* G DB P S type 11 */
#define AR_DATA	      0xc093u /* G DB P S type 3 */
#define AR_TSS_BUSY   0x8bu   /* P type 11 */
#define AR_LDT	      0x82u   /* P type 2 */
#define AR_V86	      0xf3u
#define INFO_VALID    0x80000000u
#define INFO_CODE     0x800u
#define EXT_INTR(vec) (INFO_VALID | (vec))
#define NMI_INFO      (INFO_VALID | (2u << 8) | 2u)
#define HW_EXC(vec)   (INFO_VALID | (3u << 8) | (vec))
#define SW_INTR(vec)  (INFO_VALID | (4u << 8) | (vec))
#define INTR_STI      1u
#define INTR_MOV_SS   2u
#define PD_RTM	      0x10000ull
#define PD_ENABLED_BP 0x1000ull
#define NONCANON      0x0000800000000000ull
#define BEYOND_PA     (1ull << 40) /* MAXPHYADDR is 40 below */

/* L1 memory: 1 MiB at L1-physical 0. */
#define MEM_SIZE       0x100000u
#define VMCS12_GPA     0x10000u
#define SHADOW_VMCS    0x11000u /* revision | shadow indicator */
#define PLAIN_VMCS     0x12000u /* revision */
#define WRONG_REV      0x13000u /* revision + 1 */
#define PDPT_OK	       0x14000u
#define PDPT_BAD       0x14020u /* PDPTE1 sets reserved bit 5 */
#define MSR_OK	       0x20000u /* two acceptable entries */
#define MSR_FSBASE     0x20100u /* entry 2: IA32_FS_BASE */
#define MSR_GSBASE     0x20200u /* entry 1: IA32_GS_BASE */
#define MSR_X2APIC     0x20300u /* entry 1: 808H (TPR) */
#define MSR_SMM	       0x20400u /* entry 3: IA32_SMM_MONITOR_CTL */
#define MSR_RSVD       0x20500u /* entry 2: reserved half set */
#define MSR_BIG	       0x30000u /* 513 entries of zeros */
#define EPTP_WB4       (0x50000ull | 6u | (3u << 3))
#define DEBUGCTL_VALID 0xffc3ull /* LBR, BTF, bits 15:6 */

#define BOCHS_REVISION 0x2bu

enum caps_kind { CAPS_L1, CAPS_ALL };

extern struct vmxe_vcaps caps_l1, caps_all;
extern const struct vmxe_gmem gmem;
extern const struct vmxe_check_l1 l1_64;

/* CMocka group setup: capabilities and L1 memory. */
int fixture_setup(void **state);

void build_valid(struct vmcs12 *v);

/* Preparations too large for a few field writes. */
void prep_tpr(struct vmcs12 *v);       /* "use TPR shadow" with a good virtual-APIC page */
void prep_vid(struct vmcs12 *v);       /* ... plus virtual-interrupt delivery */
void prep_posted(struct vmcs12 *v);    /* ... plus posted interrupts, vector and descriptor */
void prep_ldt(struct vmcs12 *v);       /* a usable LDT */
void prep_pae32(struct vmcs12 *v);     /* 32-bit PAE paging, no EPT: PDPTEs from memory */
void prep_pae32_ept(struct vmcs12 *v); /* the same with EPT: PDPTEs from VMCS12 */
void prep_v86(struct vmcs12 *v);       /* virtual-8086 mode, paging off */

/* One field write: field = (field & ~clear) | set. */
struct wr {
	uint32_t enc;
	uint64_t set, clear;
	bool on;
};
#define SET(f, val)                                                                                \
	{                                                                                          \
		.enc = VMCS_ENC_##f, .set = (val), .clear = UINT64_MAX, .on = true                 \
	}
#define OR(f, bits)                                                                                \
	{                                                                                          \
		.enc = VMCS_ENC_##f, .set = (bits), .clear = 0, .on = true                         \
	}
#define CLR(f, bits)                                                                               \
	{                                                                                          \
		.enc = VMCS_ENC_##f, .set = 0, .clear = (bits), .on = true                         \
	}

struct mcase {
	const char *name;
	struct wr w[4];
	void (*prep)(struct vmcs12 *v);
	enum caps_kind caps;
	bool l1_32bit; /* L1 outside IA-32e mode (EFER.LMA = 0) */
	enum vmxe_check_kind kind;
	uint32_t code; /* VMFAIL: error number; ENTRY_FAIL: basic exit reason */
	uint64_t qual;
	const char *rule;
};

#define PASS	      .kind = VMXE_CHECK_OK
#define CTL(r)	      .kind = VMXE_CHECK_VMFAIL, .code = 7, .rule = (r)
#define HOST(r)	      .kind = VMXE_CHECK_VMFAIL, .code = 8, .rule = (r)
#define GUEST(r)      .kind = VMXE_CHECK_ENTRY_FAIL, .code = 33, .qual = 0, .rule = (r)
#define GUEST_Q(r, q) .kind = VMXE_CHECK_ENTRY_FAIL, .code = 33, .qual = (q), .rule = (r)
#define MSRL(r, i)    .kind = VMXE_CHECK_ENTRY_FAIL, .code = 34, .qual = (i), .rule = (r)
#define ALL	      .caps = CAPS_ALL

#define EPT_URG	      (M(PROC2_ENABLE_EPT) | M(PROC2_UNRESTRICTED_GUEST))
#define NO_64BIT_HOST CLR(VM_EXIT_CONTROLS, M(EXIT_HOST_ADDR_SPACE_SIZE) | M(EXIT_LOAD_EFER))

/* Runs every case against a fresh valid VMCS12; prints each mismatch; returns their number. */
size_t run_cases(const struct mcase *cases, size_t count);

/* How many distinct rule names the failing cases of @cases expect. */
size_t distinct_rules(const struct mcase *cases, size_t count);

#endif /* TESTS_VMX_EMUL_VMCS12_CHECKS_FIXTURE_H */
