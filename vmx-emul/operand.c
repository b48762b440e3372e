/*
 * operand.c: L1's mode and CPL, register operands, and the linear address of a memory operand of
 * an emulated VMX instruction, from the VM-exit instruction-information field and the exit
 * qualification (SDM Vol. 3C 28.2.5), with the segmentation checks of SDM Vol. 1 3.3.7.1 and
 * Vol. 3A 3.4.5 and 5.3. Touches no hardware.
 */
#include "vmx-emul/operand.h"

#include "vmx-emul/l1_paging.h"
#include "vmx-emul/vmx_caps.h"

#define EXPAND_DOWN_TOP16 0xffffull /* upper bound of an expand-down segment with B = 0 */
#define EXPAND_DOWN_TOP32 0xffffffffull
#define LINEAR32_MASK	  0xffffffffull /* linear addresses wrap at 4 GiB outside 64-bit mode */

static const uint64_t addr_size_mask[] = {
    [VMXE_ADDR16] = 0xffffull,
    [VMXE_ADDR32] = 0xffffffffull,
    [VMXE_ADDR64] = UINT64_MAX,
};

enum vmxe_cpu_mode vmxe_cpu_mode(const struct vmxe_l1_cpu *cpu)
{
	if (!(cpu->cr0 & VMX_MASK(VMX_CR0_PE)))
		return VMXE_MODE_REAL;
	if (cpu->rflags & VMXE_RFLAGS_VM)
		return VMXE_MODE_V86;
	if (!(cpu->efer & VMXE_EFER_LMA))
		return VMXE_MODE_PROTECTED;
	return (cpu->seg[VMXE_CS].ar & VMXE_AR_L) ? VMXE_MODE_64BIT : VMXE_MODE_COMPAT;
}

unsigned int vmxe_cpu_cpl(const struct vmxe_l1_cpu *cpu)
{
	switch (vmxe_cpu_mode(cpu)) {
	case VMXE_MODE_REAL:
		return 0;
	case VMXE_MODE_V86:
		return 3;
	default:
		return (cpu->seg[VMXE_SS].ar & VMXE_AR_DPL_MASK) >> VMXE_AR_DPL_SHIFT;
	}
}

unsigned int vmxe_operand_bytes(const struct vmxe_l1_cpu *cpu)
{
	return vmxe_cpu_mode(cpu) == VMXE_MODE_64BIT ? 8 : 4;
}

uint64_t vmxe_operand_reg_read(const struct vmxe_l1_cpu *cpu, enum vmxe_gpr reg)
{
	uint64_t v = cpu->gpr[reg & VMXE_II_REG_MASK];

	return vmxe_operand_bytes(cpu) == 8 ? v : (uint32_t)v;
}

void vmxe_operand_reg_write(struct vmxe_l1_cpu *cpu, enum vmxe_gpr reg, uint64_t value)
{
	cpu->gpr[reg & VMXE_II_REG_MASK] = vmxe_operand_bytes(cpu) == 8 ? value : (uint32_t)value;
}

/* base + index * scale + displacement, wrapped to the address size (SDM Vol. 1 3.7.5); with
 * RIP-relative addressing the qualification already holds the whole offset. */
static uint64_t effective_address(const struct vmxe_l1_cpu *cpu, uint32_t info, uint64_t qual)
{
	uint64_t ea = qual;

	if (!(info & VMXE_II_BASE_INVALID))
		ea += cpu->gpr[(info >> VMXE_II_BASE_SHIFT) & VMXE_II_REG_MASK];
	if (!(info & VMXE_II_INDEX_INVALID))
		ea += cpu->gpr[(info >> VMXE_II_INDEX_SHIFT) & VMXE_II_REG_MASK]
		      << (info & VMXE_II_SCALE_MASK);
	return ea & addr_size_mask[vmxe_ii_addr_size(info)];
}

/* Protected, compatibility, real and virtual-8086 modes (SDM Vol. 3A 3.4.5.1 types, 5.3 limits). */
static enum vmxe_operand_status segmented(const struct vmxe_segment *s, uint64_t off,
					  unsigned int size, bool write,
					  enum vmxe_operand_status fault, uint64_t *la)
{
	uint64_t last = off + size - 1;

	if (s->ar & VMXE_AR_UNUSABLE)
		return fault;
	if (s->ar & VMXE_AR_TYPE_CODE) {
		if (write || !(s->ar & VMXE_AR_TYPE_READABLE))
			return VMXE_OPERAND_GP;
	} else if (write && !(s->ar & VMXE_AR_TYPE_WRITABLE)) {
		return VMXE_OPERAND_GP;
	}
	if (!(s->ar & VMXE_AR_TYPE_CODE) && (s->ar & VMXE_AR_TYPE_EXPAND_DOWN)) {
		/* Valid offsets are limit+1 .. 0xffff or 0xffffffff, chosen by the B flag. */
		uint64_t top = (s->ar & VMXE_AR_DB) ? EXPAND_DOWN_TOP32 : EXPAND_DOWN_TOP16;

		if (off <= s->limit || last > top)
			return fault;
	} else if (last > s->limit) {
		return fault;
	}
	*la = (s->base + off) & LINEAR32_MASK;
	return VMXE_OPERAND_OK;
}

enum vmxe_operand_status vmxe_operand_linear(const struct vmxe_l1_cpu *cpu, uint32_t info,
					     uint64_t qual, unsigned int size, bool write,
					     uint64_t *la)
{
	unsigned int seg = vmxe_ii_seg(info), width;
	enum vmxe_operand_status fault = seg == VMXE_SS ? VMXE_OPERAND_SS : VMXE_OPERAND_GP;
	uint64_t off;

	if (vmxe_ii_is_reg(info) || seg >= VMXE_SREG_COUNT || vmxe_ii_addr_size(info) > VMXE_ADDR64)
		return VMXE_OPERAND_BAD_INFO;
	off = effective_address(cpu, info, qual);
	if (vmxe_cpu_mode(cpu) != VMXE_MODE_64BIT)
		return segmented(&cpu->seg[seg], off, size, write, fault, la);
	/* 64-bit mode: segmentation is off except for the FS and GS bases (SDM Vol. 3A 3.2.4). */
	*la = off + ((seg == VMXE_FS || seg == VMXE_GS) ? cpu->seg[seg].base : 0);
	width = vmxe_la_width(cpu->cr4);
	if (!vmxe_la_canonical(*la, width) || !vmxe_la_canonical(*la + size - 1, width))
		return fault;
	return VMXE_OPERAND_OK;
}
