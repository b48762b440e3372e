/*
 * shim.h: the C interface that bench.cc times, over the pure vmx-emul libraries. The state is
 * opaque so that C++ never includes the C headers (designated initializers, _Static_assert and
 * X-macro structs are C, not C++). Touches no hardware.
 */
#ifndef BENCH_SHIM_H
#define BENCH_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bench_state;

/* The valid 64-bit VMCS12 of tests/vmx-emul's check fixture with Bochs' capabilities for L1,
 * a VMCS01 as l0/vmcs01.c writes it, and L1's I/O bitmap intercepting port 0x80. NULL when
 * out of memory or when the fixture's VMCS12 fails the checks or the merge (the benchmarks
 * would then time an early error path). */
struct bench_state *bench_new(const char **why);
void bench_free(struct bench_state *s);

/* VM-entry checks (SDM Vol. 3C 27.2-27.4) on the valid VMCS12: all of them, or one stage. */
enum bench_check_stage {
	BENCH_CHECK_ALL,
	BENCH_CHECK_CONTROLS,
	BENCH_CHECK_HOST,
	BENCH_CHECK_GUEST,
	BENCH_CHECK_MSR_LOAD,
	BENCH_CHECK_STAGES
};
const char *bench_check_name(int stage);
/* Returns 0 when the VMCS12 passes, as it must. */
int bench_check(struct bench_state *s, int stage);

/* VMCS02 from VMCS01 and VMCS12 (vmxe_vmcs02_build); 0 on success. */
int bench_vmcs02_build(struct bench_state *s);

/* Exits from L2 that the reflection benchmark decides and, when L1's, reflects. */
enum bench_exit {
	BENCH_EXIT_CPUID, /* unconditional: L1's */
	BENCH_EXIT_HLT,	  /* HLT exiting on: L1's */
	BENCH_EXIT_IO,	  /* OUT to port 0x80, set in L1's I/O bitmap: L1's */
	BENCH_EXIT_RDMSR, /* RDMSR of IA32_DEBUGCTL, clear in L1's MSR bitmap: L0's */
	BENCH_EXIT_EPT,	  /* EPT violation, L1 without EPT: L0's */
	BENCH_EXITS
};
const char *bench_exit_name(int exit);
/* vmxe_l1_wants_exit(), then for an exit L1 handles what L0 does before resuming L1:
 * vmxe_vmcs02_to_vmcs12(), vmxe_exit_for_l1(), vmxe_load_l1_host_state(). Returns 1 when the
 * exit went to L1, 0 when it stayed in L0, -1 on an unexpected route. */
int bench_reflect(struct bench_state *s, int exit);

/* vmxe_field_lookup() of every encoding in the field table, full and (64-bit fields) high
 * forms; returns how many it looked up (all found) or 0 when one was missing. */
size_t bench_field_lookup_all(void);
/* vmxe_vmcs12_read() of every field (VMREAD emulation); returns the fields read, 0 on error. */
size_t bench_vmread_all(struct bench_state *s);

/* EPT02 (ept-merge): an eptm whose EPT12 maps BENCH_EPT02_PAGES 4 KiB pages of L2, all present
 * in EPT01. NULL, with the reason, when the setup or a first round of fills fails. */
#define BENCH_EPT02_PAGES 512u
struct bench_ept02;
struct bench_ept02 *bench_ept02_new(const char **why);
void bench_ept02_free(struct bench_ept02 *e);
/* INVEPT all-context, then an L2 EPT violation (a read) at each page, each filling EPT02 from
 * the EPT12 walk and EPT01; returns the fills, 0 when one did not end in "resume L2". */
size_t bench_ept02_fill_all(struct bench_ept02 *e);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_SHIM_H */
