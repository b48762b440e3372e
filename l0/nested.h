/*
 * nested.h: L0's state for L1's virtual VMX (one L1 vCPU) and the entry points of nested.c.
 */
#ifndef L0_NESTED_H
#define L0_NESTED_H

#include <stdbool.h>
#include <stdint.h>

#include "l0/bitmaps02.h"
#include "l0/ept01.h"
#include "l0/exit_table.h"
#include "l0/l1_mem.h"
#include "l0/vmcs_hw.h"
#include "ept-merge/ept02.h"
#include "ept-merge/vpid.h"
#include "vmx-emul/guest_mem.h"
#include "vmx-emul/virt_caps.h"
#include "vmx-emul/vmx_insn.h"

#define L0_MSR_FEATURE_CONTROL 0x3a

struct l0_nested {
	struct vmxe_nested vmx;	     /* VMXON state, current VMCS12 and L0's copy of it */
	struct vmcs12 *vmx_cache;    /* that copy (a pool page) */
	struct vmcs12 *vmcs01;	     /* VMCS01's controls and host state, and L1's guest state */
	struct vmcs12 *vmcs02;	     /* VMCS02 as built for the last entry (then scratch) */
	struct vmcs12 *vmcs02_hw;    /* what the CPU's VMCS02 holds, when vmcs02_hw_valid */
	bool vmcs02_hw_valid;
	struct vmxe_vcaps l1_caps;   /* the capability MSRs L1 reads */
	uint64_t feature_control;    /* L1's IA32_FEATURE_CONTROL: locked, VMXON outside SMX */
	struct l0_vmcs_fields fields; /* the fields this CPU's VMCS has */
	struct l0_ept01_config map;  /* EPT01's map, for L1 memory checks */
	struct l0_l1_mem l1mem;
	struct vmxe_gmem gmem;	     /* L1 memory, checked */
	uint64_t vmcs02_pa;
	bool vmcs02_launched;
	uint8_t *msr_bitmap02, *io_bitmap02; /* VMCS02's MSR bitmap; I/O bitmaps A and B */
	struct l0_bitmaps02 bitmaps;          /* what they were built from */
	uint64_t msr_bitmap02_pa, io_bitmap02_pa;
	uint8_t maxphyaddr;
	bool page1gb;
	bool in_l2; /* VMCS02 is current: the next exit is L2's */
	uint64_t l2_entries, reflected;
	/* ept=on: EPT offered to L1, and L2 on EPT02 when VMCS12 enables it */
	bool ept;
	struct eptm eptm;
	struct eptm_vpid_map vpids; /* L1's VPIDs for L2 -> L0's VPIDs */
	void *ept02_pool_va;             /* EPT02_POOL_PAGES consecutive pool pages */
	uint64_t ept02_pool_hpa;
	bool prefill_pending;            /* an EPT violation went to L1: fill ahead at its VMRESUME */
	uint64_t prefill_gpa, prefill_access;
};

struct l0_vcpu;

/* Pool pages and L1's capability MSRs (with EPT and VPID when @ept); before the take-over, from
 * the firmware's image. */
bool l0_nested_init(struct l0_vcpu *v, bool ept);

/* Once VMCS01 is current and written, from the running copy: probes the VMCS fields, keeps
 * VMCS01's controls and host state, prepares L1 memory access. */
bool l0_nested_start(struct l0_vcpu *v);

/* L1 executed a VMX instruction (VMXON ... INVVPID). */
enum l0_action l0_nested_vmx_insn(struct l0_vcpu *v, const struct l0_exit *exit);

/* An exit while L2 ran: reflected to L1, or handled by @l0_handlers and L2 resumed. */
enum l0_action l0_nested_l2_exit(struct l0_vcpu *v, const struct l0_exit *exit,
				 const struct l0_exit_table *l0_handlers);

/* L1's RDMSR of IA32_FEATURE_CONTROL or a VMX capability MSR; false means #GP. */
bool l0_nested_rdmsr(struct l0_vcpu *v, uint32_t msr, uint64_t *value);

#endif
