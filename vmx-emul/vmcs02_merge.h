/*
 * vmcs02_merge.h: how L0 turns VMCS01 (its own controls and host state) and VMCS12 (what L1 asked
 * for L2) into VMCS02, the VMCS the CPU runs L2 on, and back: L2's state into VMCS12 on an exit
 * that L1 must see, and L1's host state (VMCS12's host-state area) into VMCS01's guest state.
 * Pure functions over struct vmcs12 used as "one slot per field" value sets for all three VMCSs;
 * the caller moves the values to and from the hardware. Touches no hardware.
 *
 * Implements: SDM Vol. 3C 25.6 (execution controls: what each one makes exit, hence how two sets
 * of needs combine), 26.3.2 (what VM entry loads, hence what VMCS02 must load for L2), 28.2-28.3
 * (what a VM exit records and saves, into VMCS12) and 28.5 (loading host state, into VMCS01).
 *
 * This stage, and what it means for VMCS02:
 *  - L1 is not offered EPT: L1's KVM runs L2 on shadow page tables, so L2's CR3 and page tables
 *    hold L1-physical addresses, and VMCS02 uses EPT01 (L1-physical to host-physical) as its
 *    EPT. Without EPT12, "unrestricted guest" is never on for L2 (SDM 26.2.1.1: it requires
 *    EPT), so CR0.PE and CR0.PG are fixed to 1 in VMCS02 and L0 owns them.
 *  - Every address the CPU reads through VMCS02 is host-physical, never L1-physical: the MSR
 *    bitmap (an L0 page holding vmxe_msr_bitmap_merge()'s output), the I/O bitmaps (L0 copies of
 *    L1's) and the EPT pointer come from struct vmxe_merge_cfg. Features that need more such
 *    pages (TPR shadow / virtual-APIC page, APIC-access page, posted interrupts, PML, VMCS
 *    shadowing for L3, EPTP switching) are not offered to L1; vmxe_vmcs02_build() refuses them.
 *  - VMCS12's MSR-load/store areas are not merged: VMCS02's entry-load and exit-store lists are
 *    empty and the caller emulates L1's lists (reading them through gmem) around each transition.
 *    VMCS02's exit-load list is VMCS01's: it restores L0's own MSRs, whoever the guest was.
 */
#ifndef VMX_EMUL_VMCS02_MERGE_H
#define VMX_EMUL_VMCS02_MERGE_H

#include <stdint.h>

#include "vmx-emul/guest_mem.h"
#include "vmx-emul/vmcs12.h"
#include "vmx-emul/vmx_caps.h"

/* MSR bitmap layout (SDM Vol. 3C 25.6.9): four 1 KiB bitmaps in one 4 KiB page. */
#define VMXE_MSR_BITMAP_SIZE	  4096u
#define VMXE_MSR_BITMAP_READ_LOW  0u	/* RDMSR of 0x00000000 .. 0x00001fff */
#define VMXE_MSR_BITMAP_READ_HIGH 1024u /* RDMSR of 0xc0000000 .. 0xc0001fff */
#define VMXE_MSR_BITMAP_WRITE	  2048u /* the same two for WRMSR */
#define VMXE_MSR_LOW_END	  0x2000u
#define VMXE_MSR_HIGH_BASE	  0xc0000000u
#define VMXE_MSR_HIGH_END	  0xc0002000u

/* I/O bitmaps (SDM Vol. 3C 25.6.4): A covers ports 0 .. 0x7fff, B 0x8000 .. 0xffff. */
#define VMXE_IO_BITMAP_SIZE	    4096u
#define VMXE_IO_BITMAP_B_FIRST_PORT 0x8000u

/* The interruption-information format of VM-entry (SDM Vol. 3C 25.8.3), VM-exit and
 * IDT-vectoring information (25.9.2, 25.9.3). */
#define VMXE_INTR_INFO_VECTOR_MASK 0xffu
#define VMXE_INTR_INFO_TYPE_MASK   0x700u
#define VMXE_INTR_INFO_TYPE_SHIFT  8
#define VMXE_INTR_INFO_VALID	   0x80000000u
enum vmxe_intr_type {
	VMXE_INTR_TYPE_EXT_INTR = 0,
	VMXE_INTR_TYPE_NMI = 2,
	VMXE_INTR_TYPE_HW_EXCEPTION = 3,
	VMXE_INTR_TYPE_SW_INTR = 4,
	VMXE_INTR_TYPE_PRIV_SW_EXCEPTION = 5, /* INT1 */
	VMXE_INTR_TYPE_SW_EXCEPTION = 6,      /* INT3, INTO */
	VMXE_INTR_TYPE_OTHER = 7,
};

/* VMCS link pointer meaning "no shadow VMCS" (SDM Vol. 3C 25.4.2, 26.3.1.5). */
#define VMXE_VMCS_LINK_NONE UINT64_MAX

/* The secondary controls in force in @v: all 0 when "activate secondary controls" is 0
 * (SDM Vol. 3C 25.6.2). */
static inline uint32_t vmxe_secondary_controls(const struct vmcs12 *v)
{
	return (v->CPU_BASED_VM_EXEC_CONTROL & VMX_MASK(VMX_PROC_SECONDARY_CONTROLS))
		   ? v->SECONDARY_VM_EXEC_CONTROL
		   : 0;
}

/* What L0 owns in VMCS02 besides VMCS01's values. */
struct vmxe_merge_cfg {
	uint64_t eptp;		  /* EPT pointer for L2: EPT01's in this stage */
	uint64_t msr_bitmap_hpa;  /* L0 page holding vmxe_msr_bitmap_merge()'s output */
	uint64_t io_bitmap_a_hpa; /* L0 copies of L1's I/O bitmaps A and B, used when */
	uint64_t io_bitmap_b_hpa; /*   vmxe_io_bitmap_policy() says VMXE_IO_BITMAPS */
	/* The CPU's IA32_VMX_CR0_FIXED0/1 and CR4_FIXED0/1 (SDM A.7, A.8): the real CR0/CR4 of L2
	 * must honour them, whatever L1 wrote in VMCS12 for its own virtual fixed bits. */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint16_t vpid; /* L0's VPID for L2; nonzero whenever VMCS01 enables VPID */
};

enum vmxe_merge_status {
	VMXE_MERGE_OK = 0,
	/* VMCS12 sets a control this stage cannot give L2 (see the list above); L0's virtual
	 * capabilities must not offer it, so this is an L0 bug, not L1's. */
	VMXE_MERGE_UNSUPPORTED = -1,
	VMXE_MERGE_BAD_CFG = -2, /* VMCS01 enables VPID but cfg->vpid is 0 */
};

/*
 * Builds VMCS02 in @vmcs02 (every slot written; fields no rule below names are 0):
 *  - guest state: VMCS12's, except CR0/CR4 (L1's values with the CPU's fixed bits applied),
 *    IA32_EFER, IA32_PAT, DR7 and IA32_DEBUGCTL (VMCS12's when L1's entry loads them, else L1's
 *    current values from @vmcs01's guest state: VMCS01's exit loaded L0's into the CPU), the
 *    PDPTEs (0 here: vmxe_vmcs02_load_pdptes()) and the VMCS link pointer (none);
 *  - host state: VMCS01's (every exit from L2 lands in L0);
 *  - controls: every exit L0 or L1 needs (the rules are at each helper in vmcs02_merge.c).
 * For the debug registers to be L1's current ones, VMCS01's exit must save debug controls
 * (or the caller refreshes @vmcs01's GUEST_DR7 / GUEST_IA32_DEBUGCTL first).
 */
enum vmxe_merge_status vmxe_vmcs02_build(const struct vmcs12 *vmcs01, const struct vmcs12 *vmcs12,
					 const struct vmxe_merge_cfg *cfg, struct vmcs12 *vmcs02);

/*
 * With EPT on, VM entry takes the PDPTEs of PAE paging from the guest-state fields, not from
 * memory (SDM 26.3.2.4). L2 runs on L1's shadow page tables without EPT12, so from L1's point of
 * view the entry reads them at CR3: this reads the four PDPTEs at L1-physical @vmcs02->GUEST_CR3
 * into VMCS02 when L2 uses PAE paging (CR0.PG, CR4.PAE, not IA-32e mode), and does nothing
 * otherwise. VMXE_GMEM_UNMAPPED when the table is outside L1 RAM: the caller fails L1's entry
 * with invalid guest state, exit qualification 2 (SDM 27.8).
 */
int vmxe_vmcs02_load_pdptes(struct vmcs12 *vmcs02, const struct vmxe_gmem *mem);

/*
 * VMCS02's MSR bitmap: an MSR access exits if L0's bitmap or L1's says so. @l1_bitmap_or_null is
 * NULL when L1 does not use MSR bitmaps (every RDMSR/WRMSR exits to L1, SDM 25.6.9): then every
 * bit is 1. All three are VMXE_MSR_BITMAP_SIZE bytes; L1's page is read by the caller, e.g.
 * with vmxe_read_l1_bitmap().
 */
void vmxe_msr_bitmap_merge(const uint8_t *l0_bitmap, const uint8_t *l1_bitmap_or_null,
			   uint8_t *out);

/*
 * Reads @len bytes of an L1 bitmap at L1-physical @gpa into @buf. When the read fails (the
 * bitmap lies outside L1 RAM) @buf is all ones and the gmem status is returned: every access
 * the bitmap governs then exits to L1, as vmxe_l1_wants_exit() decides for the same failure
 * (L0 cannot know L1's intent, and exiting lets L1 see and handle the access).
 */
int vmxe_read_l1_bitmap(const struct vmxe_gmem *mem, uint64_t gpa, uint8_t *buf, size_t len);

/* How VMCS02 handles L2's I/O instructions; L0 itself passes I/O through (docs/l0.md). */
enum vmxe_io_policy {
	VMXE_IO_PASS,	 /* L1 lets L2 reach the ports: no I/O exiting in VMCS02 either */
	VMXE_IO_UNCOND,	 /* L1 uses unconditional I/O exiting: so does VMCS02 */
	VMXE_IO_BITMAPS, /* L1 uses I/O bitmaps: VMCS02 uses L0's copies (cfg), which the
			  * caller fills from VMCS12's IO_BITMAP_A/B before each entry */
};

/* The policy for @vmcs12; "use I/O bitmaps" wins over unconditional exiting (SDM 25.6.2). */
enum vmxe_io_policy vmxe_io_bitmap_policy(const struct vmcs12 *vmcs12);

/*
 * On an exit that L1 sees (SDM 28.3, "Saving Guest State"): copies L2's guest state from VMCS02
 * into VMCS12. CR0/CR4 are rebuilt as L1 believes them (bits no one owns: the real register;
 * bits L1 owns: VMCS12's value, which L2 cannot change without exiting to L1; bits only L0 owns:
 * VMCS02's read shadow, where L0 keeps L2's view of them). DR7/DEBUGCTL, IA32_PAT and IA32_EFER
 * are saved only when VMCS12's exit controls say so; PDPTEs (EPT12 only), the preemption timer
 * value and FRED state (not offered) and the VMCS link pointer are not touched. Also updates the
 * VM-entry controls as an exit does (SDM 28.2): "IA-32e mode guest" from VMCS02's (which the CPU
 * set to EFER.LMA) and the valid bit of VM-entry interruption information cleared.
 * Not for VM-entry failures, which save no guest state (SDM 27.8).
 */
void vmxe_vmcs02_to_vmcs12(const struct vmcs12 *vmcs02, struct vmcs12 *vmcs12);

/*
 * Reflecting an exit: L1 resumes with the host state of VMCS12 (SDM 28.5). Writes the guest-state
 * fields of VMCS01's value set @vmcs01_guest, and its CR0/CR4 read shadows (L1's view goes to the
 * shadow, the real registers keep the bits VMCS01's guest/host masks give L0). Bits of CR0 that
 * an exit does not load keep the value L2 had (VMCS12's GUEST_CR0, so call this after
 * vmxe_vmcs02_to_vmcs12()). IA32_EFER and IA32_PAT keep @vmcs01_guest's values where VMCS12's
 * exit does not load them: the caller puts there the values the CPU had at the exit (VMCS02's
 * saved GUEST_IA32_EFER / GUEST_IA32_PAT). With a 32-bit host using PAE paging the caller also
 * reloads the PDPTEs from L1's memory.
 */
void vmxe_load_l1_host_state(const struct vmcs12 *vmcs12, struct vmcs12 *vmcs01_guest);

#endif /* VMX_EMUL_VMCS02_MERGE_H */
