/*
 * vmx_report.h: prints the CPU's VMX facts at start-up: whether VMX is there, the VMCS revision
 * id, and every IA32_VMX_* capability MSR decoded into named bits.
 */
#ifndef L0_VMX_REPORT_H
#define L0_VMX_REPORT_H

#include "vmx-emul/virt_caps.h"

void l0_vmx_report(void);

/* The CPU's capability MSRs, each read only where the SDM's rules say it exists (Appendix A);
 * call only when CPUID says VMX is there. */
void l0_vmx_read_caps(struct vmxe_vcaps *hw);

#endif
