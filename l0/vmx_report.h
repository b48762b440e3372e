/*
 * vmx_report.h: prints the CPU's VMX facts at start-up: whether VMX is there, the VMCS revision
 * id, and every IA32_VMX_* capability MSR decoded into named bits.
 */
#ifndef L0_VMX_REPORT_H
#define L0_VMX_REPORT_H

void l0_vmx_report(void);

#endif
