/*
 * operand.h: L1's registers and segments as an emulated VMX instruction sees them, the layout of
 * the VM-exit instruction-information field, and the decoding of a VMX instruction's operand from
 * that field and the exit qualification into a register index or a memory operand's linear address,
 * with the segmentation checks (#GP(0), #SS(0)). Touches no hardware.
 *
 * Implements SDM Vol. 3C 28.2.5 "Information for VM Exits Due to Instruction Execution": the
 * instruction-information formats for INVEPT/INVPCID/INVVPID, for VMCLEAR/VMPTRLD/VMPTRST/VMXON
 * and for VMREAD/VMWRITE, which share one layout for the addressing fields (scaling 1:0, address
 * size 9:7, mem/reg 10, segment 17:15, index 21:18 and 22, base 26:23 and 27) and differ in the
 * register fields (Reg1 6:3 for VMREAD/VMWRITE; Reg2 31:28 for VMREAD/VMWRITE and INVEPT/INVVPID);
 * the exit qualification holds the displacement, sign-extended, or for RIP-relative addressing the
 * displacement plus the RIP of the next instruction (28.2.1 "Basic VM-Exit Information"), which is
 * why no base register appears then. The address computation follows SDM Vol. 1 3.7.5 (effective
 * address, wrapped to the address size), 3.3.7.1 (canonical addresses) and Vol. 3A 3.4.5/5.3
 * (segment types and limits, expand-down segments).
 */
#ifndef VMX_EMUL_OPERAND_H
#define VMX_EMUL_OPERAND_H

#include <stdbool.h>
#include <stdint.h>

/* General-purpose registers in the order of the instruction-information register fields. */
enum vmxe_gpr {
	VMXE_RAX,
	VMXE_RCX,
	VMXE_RDX,
	VMXE_RBX,
	VMXE_RSP,
	VMXE_RBP,
	VMXE_RSI,
	VMXE_RDI,
	VMXE_R8,
	VMXE_R9,
	VMXE_R10,
	VMXE_R11,
	VMXE_R12,
	VMXE_R13,
	VMXE_R14,
	VMXE_R15,
	VMXE_GPR_COUNT
};

/* Segment registers in the order of the instruction-information segment field. */
enum vmxe_sreg { VMXE_ES, VMXE_CS, VMXE_SS, VMXE_DS, VMXE_FS, VMXE_GS, VMXE_SREG_COUNT };

/* Segment access rights in the VMCS format (SDM Vol. 3C 25.4.1, Table 25-2), as L0 reads them. */
#define VMXE_AR_TYPE_ACCESSED	 (1u << 0)
#define VMXE_AR_TYPE_WRITABLE	 (1u << 1) /* data segment */
#define VMXE_AR_TYPE_READABLE	 (1u << 1) /* code segment */
#define VMXE_AR_TYPE_EXPAND_DOWN (1u << 2) /* data segment */
#define VMXE_AR_TYPE_CODE	 (1u << 3)
#define VMXE_AR_S		 (1u << 4) /* code or data, not system */
#define VMXE_AR_DPL_SHIFT	 5
#define VMXE_AR_DPL_MASK	 (3u << VMXE_AR_DPL_SHIFT)
#define VMXE_AR_P		 (1u << 7)
#define VMXE_AR_L		 (1u << 13) /* CS: 64-bit code */
#define VMXE_AR_DB                                                                                 \
	(1u << 14) /* default operation size; for SS and expand-down: the upper bound              \
		    */
#define VMXE_AR_G	 (1u << 15)
#define VMXE_AR_UNUSABLE (1u << 16)

struct vmxe_segment {
	uint64_t base;
	uint32_t limit; /* in bytes, as in the VMCS (granularity already applied) */
	uint32_t ar;	/* VMXE_AR_* */
};

/* RFLAGS bits that decide the mode (SDM Vol. 3A 2.3). */
#define VMXE_RFLAGS_AC (1ull << 18)
#define VMXE_RFLAGS_VM (1ull << 17)

/* L1's state at the exit, as L1 believes it (CR0/CR4 as its read shadows show them). */
struct vmxe_l1_cpu {
	uint64_t gpr[VMXE_GPR_COUNT]; /* RSP included */
	struct vmxe_segment seg[VMXE_SREG_COUNT];
	uint64_t rflags;
	uint64_t cr0, cr4, efer;
};

enum vmxe_cpu_mode {
	VMXE_MODE_REAL,	     /* CR0.PE = 0 */
	VMXE_MODE_V86,	     /* RFLAGS.VM = 1 */
	VMXE_MODE_PROTECTED, /* legacy protected mode */
	VMXE_MODE_COMPAT,    /* IA-32e mode, CS.L = 0 */
	VMXE_MODE_64BIT,     /* IA-32e mode, CS.L = 1 */
};

enum vmxe_cpu_mode vmxe_cpu_mode(const struct vmxe_l1_cpu *cpu);

/* CPL: 0 in real mode, 3 in virtual-8086 mode, else SS.DPL (SDM Vol. 3C 25.4.1). */
unsigned int vmxe_cpu_cpl(const struct vmxe_l1_cpu *cpu);

/* The instruction-information field (SDM Vol. 3C 28.2.5). */
#define VMXE_II_SCALE_MASK	0x3u
#define VMXE_II_REG1_SHIFT	3 /* VMREAD/VMWRITE, register form: the r/m register */
#define VMXE_II_ADDR_SIZE_SHIFT 7
#define VMXE_II_ADDR_SIZE_MASK	(7u << VMXE_II_ADDR_SIZE_SHIFT)
#define VMXE_II_IS_REG		(1u << 10) /* VMREAD/VMWRITE: register operand; 0 for the others */
#define VMXE_II_SEG_SHIFT	15
#define VMXE_II_SEG_MASK	(7u << VMXE_II_SEG_SHIFT)
#define VMXE_II_INDEX_SHIFT	18
#define VMXE_II_INDEX_INVALID	(1u << 22)
#define VMXE_II_BASE_SHIFT	23
#define VMXE_II_BASE_INVALID	(1u << 27)
#define VMXE_II_REG2_SHIFT	28 /* VMREAD/VMWRITE: the field encoding; INVEPT/INVVPID: the type */
#define VMXE_II_REG_MASK	0xfu

enum vmxe_addr_size {
	VMXE_ADDR16 = 0,
	VMXE_ADDR32 = 1,
	VMXE_ADDR64 = 2,
};

static inline bool vmxe_ii_is_reg(uint32_t info)
{
	return (info & VMXE_II_IS_REG) != 0;
}

static inline enum vmxe_gpr vmxe_ii_reg1(uint32_t info)
{
	return (enum vmxe_gpr)((info >> VMXE_II_REG1_SHIFT) & VMXE_II_REG_MASK);
}

static inline enum vmxe_gpr vmxe_ii_reg2(uint32_t info)
{
	return (enum vmxe_gpr)((info >> VMXE_II_REG2_SHIFT) & VMXE_II_REG_MASK);
}

static inline unsigned int vmxe_ii_addr_size(uint32_t info)
{
	return (info & VMXE_II_ADDR_SIZE_MASK) >> VMXE_II_ADDR_SIZE_SHIFT;
}

static inline unsigned int vmxe_ii_seg(uint32_t info)
{
	return (info & VMXE_II_SEG_MASK) >> VMXE_II_SEG_SHIFT;
}

/* Operand size of VMREAD/VMWRITE and of the INVEPT/INVVPID type: 64 bits in 64-bit mode, else 32
 * (SDM Vol. 3C 31.3); the value of a register operand of that size. */
unsigned int vmxe_operand_bytes(const struct vmxe_l1_cpu *cpu);
uint64_t vmxe_operand_reg_read(const struct vmxe_l1_cpu *cpu, enum vmxe_gpr reg);
/* Writes @value truncated to the operand size, zero-extended to the whole register. */
void vmxe_operand_reg_write(struct vmxe_l1_cpu *cpu, enum vmxe_gpr reg, uint64_t value);

enum vmxe_operand_status {
	VMXE_OPERAND_OK = 0,
	VMXE_OPERAND_GP = 1,	   /* inject #GP(0) */
	VMXE_OPERAND_SS = 2,	   /* inject #SS(0): the operand is SS-based */
	VMXE_OPERAND_BAD_INFO = 3, /* a register form, or an address size or segment the SDM does
				    * not define: no CPU reports it; the caller treats it as #UD */
};

/*
 * The linear address of the memory operand that @info and the displacement @qual describe: the
 * effective address base + index * scale + displacement, wrapped to the address size, plus the
 * segment base; @size bytes are read or written (@write). The checks follow the mode: in 64-bit
 * mode only FS and GS bases count and both ends of the operand must be canonical (else #GP(0), or
 * #SS(0) if SS-based); in the other modes the segment must be usable, readable or writable, and
 * the operand inside its limit (expand-down aware), and the linear address wraps at 4 GiB. Real
 * and virtual-8086 modes use the segmented rules too (the cached descriptors hold their limits),
 * though VMX instructions #UD there before asking.
 */
enum vmxe_operand_status vmxe_operand_linear(const struct vmxe_l1_cpu *cpu, uint32_t info,
					     uint64_t qual, unsigned int size, bool write,
					     uint64_t *la);

#endif /* VMX_EMUL_OPERAND_H */
