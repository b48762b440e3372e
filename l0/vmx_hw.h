/*
 * vmx_hw.h: L0's VMX instructions (SDM Vol. 3C chapter 31) as inline functions that return a
 * status the caller must use. Only the hardware layer of l0/ includes this.
 */
#ifndef L0_VMX_HW_H
#define L0_VMX_HW_H

#include <stdint.h>

/* The outcome of a VMX instruction (SDM 31.2): CF=1 VMfailInvalid, ZF=1 VMfailValid. */
enum l0_vmx_status {
	L0_VMX_OK = 0,
	L0_VMX_FAIL_INVALID,
	L0_VMX_FAIL_VALID,
};

#define L0_VMX_STATUS(cf, zf) ((cf) ? L0_VMX_FAIL_INVALID : (zf) ? L0_VMX_FAIL_VALID : L0_VMX_OK)

static inline __attribute__((warn_unused_result)) enum l0_vmx_status l0_vmxon(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa)
			 : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

static inline __attribute__((warn_unused_result)) enum l0_vmx_status l0_vmclear(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmclear %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa)
			 : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

static inline __attribute__((warn_unused_result)) enum l0_vmx_status l0_vmptrld(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa)
			 : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

static inline __attribute__((warn_unused_result)) enum l0_vmx_status
l0_vmread(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %3, %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf), "=r"(*value)
			 : "r"(field) : "cc");
	return L0_VMX_STATUS(cf, zf);
}

static inline __attribute__((warn_unused_result)) enum l0_vmx_status
l0_vmwrite(uint64_t field, uint64_t value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf)
			 : "r"(field), "rm"(value) : "cc");
	return L0_VMX_STATUS(cf, zf);
}

/* VMREAD of a field the current VMCS has (from the field table): cannot fail in VMX root
 * operation with a current VMCS, which the exit path always has. */
static inline uint64_t l0_vmread_field(uint64_t field)
{
	uint64_t value;

	return l0_vmread(field, &value) == L0_VMX_OK ? value : 0;
}

/* VMLAUNCH of the current VMCS; returns only on failure (SDM 31.3 "VMLAUNCH/VMRESUME"). */
static inline __attribute__((warn_unused_result)) enum l0_vmx_status l0_vmlaunch(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmlaunch; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

/* INVEPT all-context (type 2, SDM 31.3 "INVEPT"). */
static inline __attribute__((warn_unused_result)) enum l0_vmx_status l0_invept_all(void)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { 0, 0 };
	uint8_t cf, zf;

	__asm__ volatile("invept %2, %3; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(desc),
			 "r"((uint64_t)2) : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

/* INVVPID single-context (type 1, SDM 31.3 "INVVPID") of @vpid. */
static inline __attribute__((warn_unused_result)) enum l0_vmx_status
l0_invvpid_single(uint16_t vpid)
{
	struct {
		uint64_t vpid, linear;
	} desc = { vpid, 0 };
	uint8_t cf, zf;

	__asm__ volatile("invvpid %2, %3; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(desc),
			 "r"((uint64_t)1) : "cc", "memory");
	return L0_VMX_STATUS(cf, zf);
}

#endif
