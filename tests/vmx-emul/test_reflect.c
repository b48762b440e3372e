/*
 * test_reflect.c: tests of vmx-emul/reflect.c. One table with a row per exit reason and per
 * outcome where one of L1's controls decides (SDM Vol. 3C 26.1-26.2, 27.8); the MSR and I/O
 * bitmap lookups at the edges of their ranges, with a fake L1 memory over a host buffer, and
 * with bitmaps outside L1 memory (the access then exits to L1); and the exit-information fields
 * L1 reads (28.2, 27.8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/reflect.h"
#include "vmx-emul/vmx_caps.h"

#define CTL(name) ((uint32_t)VMX_MASK(VMX_##name))

#define CR0_PE	      (1ull << 0)
#define CR0_MP	      (1ull << 1)
#define CR0_TS	      (1ull << 3)
#define CR0_WP	      (1ull << 16)
#define CR0_PG	      (1ull << 31)
#define CR4_PAE	      (1ull << 5)
#define CR4_OSFXSR    (1ull << 9)
#define CR4_VMXE      (1ull << 13)
#define ENTRY_FAILURE 0x80000000u

/* L1's memory: [RAM_BASE, RAM_BASE + sizeof(ram)); everything else is unmapped. */
#define RAM_BASE       0x100000ull
#define MSR_BITMAP_GPA 0x100000ull
#define IO_A_GPA       0x101000ull
#define IO_B_GPA       0x102000ull
#define OUTSIDE_GPA    0x900000ull
static uint8_t ram[0x3000];

static int fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || gpa - RAM_BASE > sizeof(ram) || len > sizeof(ram) - (gpa - RAM_BASE))
		return VMXE_GMEM_UNMAPPED;
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return VMXE_GMEM_OK;
}

static int fake_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	fail_msg("deciding an exit never writes L1 memory");
	return VMXE_GMEM_UNMAPPED;
}

static const struct vmxe_gmem mem = {.read = fake_read, .write = fake_write};

static void set_bit(uint64_t gpa, uint32_t bit)
{
	ram[gpa - RAM_BASE + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/*
 * The VMCS12 every row starts from, with its controls zero: CR0 L1-owned PE, PG, TS, WP with
 * shadow PE|PG|TS; CR4 L1-owned VMXE, PAE with shadow PAE; two CR3 targets; #UD, #BP and #PF
 * (P = 1 only) in the exception bitmap; bitmaps in L1 memory with RDMSR 0x10 and ports 0x60 and
 * 0x8060 intercepted; XSS components 8 and 40; ENCLS leaves 0 and >= 63; ENCLV leaf 2; PCONFIG
 * leaf 0; LOADIWKEY exiting in the tertiary controls.
 */
static void base_vmcs12(struct vmcs12 *v)
{
	memset(v, 0, sizeof(*v));
	memset(ram, 0, sizeof(ram));
	v->CR0_GUEST_HOST_MASK = CR0_PE | CR0_PG | CR0_TS | CR0_WP;
	v->CR0_READ_SHADOW = CR0_PE | CR0_PG | CR0_TS;
	v->CR4_GUEST_HOST_MASK = CR4_VMXE | CR4_PAE;
	v->CR4_READ_SHADOW = CR4_PAE;
	v->CR3_TARGET_COUNT = 2;
	v->CR3_TARGET_VALUE0 = 0x1000;
	v->CR3_TARGET_VALUE1 = 0x2000;
	v->CR3_TARGET_VALUE2 = 0x3000; /* beyond the count: not a target */
	v->EXCEPTION_BITMAP = (1u << 6) | (1u << 3) | (1u << 14);
	v->PAGE_FAULT_ERROR_CODE_MASK = 1;
	v->PAGE_FAULT_ERROR_CODE_MATCH = 1;
	v->MSR_BITMAP = MSR_BITMAP_GPA;
	v->IO_BITMAP_A = IO_A_GPA;
	v->IO_BITMAP_B = IO_B_GPA;
	set_bit(MSR_BITMAP_GPA + VMXE_MSR_BITMAP_READ_LOW, 0x10);
	set_bit(IO_A_GPA, 0x60);
	set_bit(IO_B_GPA, 0x60);
	v->XSS_EXITING_BITMAP = (1ull << 8) | (1ull << 40);
	v->ENCLS_EXITING_BITMAP = 1ull | (1ull << 63);
	v->ENCLV_EXITING_BITMAP = 1ull << 2;
	v->PCONFIG_EXITING_BITMAP = 1ull;
	v->TERTIARY_VM_EXEC_CONTROL = VMX_MASK(VMX_PROC3_LOADIWKEY_EXITING);
}

static void pf_bit_clear(struct vmcs12 *v)
{
	v->EXCEPTION_BITMAP &= ~(1u << 14); /* mask 1, match 1: #PF exits iff P = 0 */
}

static void shadow_ts_clear(struct vmcs12 *v)
{
	v->CR0_READ_SHADOW &= ~CR0_TS;
}

static void shadow_pe_clear(struct vmcs12 *v)
{
	v->CR0_READ_SHADOW &= ~CR0_PE;
}

static void secondary_not_activated(struct vmcs12 *v)
{
	v->CPU_BASED_VM_EXEC_CONTROL &= ~CTL(PROC_SECONDARY_CONTROLS);
}

static void msr_bitmap_outside(struct vmcs12 *v)
{
	v->MSR_BITMAP = OUTSIDE_GPA;
}

static void io_bitmap_a_outside(struct vmcs12 *v)
{
	v->IO_BITMAP_A = OUTSIDE_GPA;
}

struct row {
	const char *what;
	uint32_t reason;
	uint32_t pin, proc, proc2; /* L1's controls; proc2 also activates the secondary ones */
	uint64_t qual;
	uint32_t intr_info, intr_error;
	uint64_t rax, rcx, rdx, xss, cr_source;
	void (*tweak)(struct vmcs12 *v);
	enum vmxe_exit_route want;
};

#define L0		   VMXE_ROUTE_L0
#define L1		   VMXE_ROUTE_L1
#define FAIL		   VMXE_ROUTE_L1_ENTRY_FAIL
#define UNKNOWN		   VMXE_ROUTE_UNKNOWN
#define R(name)		   VMX_EXIT_##name
#define INFO(type, vector) (VMXE_INTR_INFO_VALID | ((type) << 8) | (vector))
#define CRQ(cr, type)	   ((uint64_t)(cr) | ((uint64_t)(type) << 4))
#define LMSW(src)	   (CRQ(0, VMXE_CR_LMSW) | ((uint64_t)(src) << 16))
#define IOQ(port, size)	   (((uint64_t)(port) << 16) | ((size)-1))

/* clang-format off */
static const struct row rows[] = {
	/* exceptions and NMIs: the exception bitmap, #PF by mask/match, NMI exiting */
	{ "NMI, NMI exiting", R(EXCEPTION_NMI), .pin = CTL(PIN_NMI_EXITING),
	  .intr_info = INFO(VMXE_INTR_TYPE_NMI, 2), .want = L1 },
	{ "NMI, L0's", R(EXCEPTION_NMI), .intr_info = INFO(VMXE_INTR_TYPE_NMI, 2), .want = L0 },
	{ "#UD in bitmap", R(EXCEPTION_NMI), .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 6),
	  .want = L1 },
	{ "#GP not in bitmap", R(EXCEPTION_NMI), .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 13),
	  .want = L0 },
	{ "INT3 (#BP) in bitmap", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_SW_EXCEPTION, 3), .want = L1 },
	{ "INT1 (#DB) not in bitmap", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_PRIV_SW_EXCEPTION, 1), .want = L0 },
	{ "#PF, bit 14, PFEC matches", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 14), .intr_error = 3, .want = L1 },
	{ "#PF, bit 14, PFEC differs", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 14), .intr_error = 2, .want = L0 },
	{ "#PF, no bit 14, PFEC differs", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 14), .intr_error = 2,
	  .tweak = pf_bit_clear, .want = L1 },
	{ "#PF, no bit 14, PFEC matches", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 14), .intr_error = 1,
	  .tweak = pf_bit_clear, .want = L0 },
	{ "exception info not valid", R(EXCEPTION_NMI), .intr_info = 6, .want = UNKNOWN },
	{ "external interrupt type", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_EXT_INTR, 0x30), .want = UNKNOWN },
	{ "exception vector 40", R(EXCEPTION_NMI),
	  .intr_info = INFO(VMXE_INTR_TYPE_HW_EXCEPTION, 40), .want = UNKNOWN },
	/* events */
	{ "ext. interrupt, exiting", R(EXTERNAL_INTERRUPT), .pin = CTL(PIN_EXT_INTR_EXITING),
	  .want = L1 },
	{ "ext. interrupt, L0's", R(EXTERNAL_INTERRUPT), .want = L0 },
	{ "triple fault", R(TRIPLE_FAULT), .want = L1 },
	{ "INIT", R(INIT_SIGNAL), .want = L1 },
	{ "SIPI", R(SIPI), .want = L1 },
	{ "I/O SMI", R(IO_SMI), .want = UNKNOWN },
	{ "other SMI", R(OTHER_SMI), .want = UNKNOWN },
	{ "interrupt window on", R(INTERRUPT_WINDOW), .proc = CTL(PROC_INTR_WINDOW_EXITING),
	  .want = L1 },
	{ "interrupt window off", R(INTERRUPT_WINDOW), .want = L0 },
	{ "NMI window on", R(NMI_WINDOW), .proc = CTL(PROC_NMI_WINDOW_EXITING), .want = L1 },
	{ "NMI window off", R(NMI_WINDOW), .want = L0 },
	{ "task switch", R(TASK_SWITCH), .want = L1 },
	{ "MTF on", R(MONITOR_TRAP_FLAG), .proc = CTL(PROC_MONITOR_TRAP_FLAG), .want = L1 },
	{ "MTF off", R(MONITOR_TRAP_FLAG), .want = L0 },
	{ "preemption timer", R(PREEMPTION_TIMER), .pin = CTL(PIN_PREEMPTION_TIMER), .want = L0 },
	/* unconditional instructions */
	{ "CPUID", R(CPUID), .want = L1 },
	{ "GETSEC", R(GETSEC), .want = L1 },
	{ "INVD", R(INVD), .want = L1 },
	{ "XSETBV", R(XSETBV), .want = L1 },
	{ "VMCALL", R(VMCALL), .want = L1 },
	{ "VMCLEAR", R(VMCLEAR), .want = L1 },
	{ "VMLAUNCH", R(VMLAUNCH), .want = L1 },
	{ "VMPTRLD", R(VMPTRLD), .want = L1 },
	{ "VMPTRST", R(VMPTRST), .want = L1 },
	{ "VMREAD", R(VMREAD), .want = L1 },
	{ "VMRESUME", R(VMRESUME), .want = L1 },
	{ "VMWRITE", R(VMWRITE), .want = L1 },
	{ "VMXOFF", R(VMXOFF), .want = L1 },
	{ "VMXON", R(VMXON), .want = L1 },
	{ "INVEPT", R(INVEPT), .want = L1 },
	{ "INVVPID", R(INVVPID), .want = L1 },
	{ "VMFUNC", R(VMFUNC), .want = L1 },
	{ "RSM", R(RSM), .want = UNKNOWN },
	/* instructions under one control */
	{ "HLT on", R(HLT), .proc = CTL(PROC_HLT_EXITING), .want = L1 },
	{ "HLT off", R(HLT), .want = L0 },
	{ "INVLPG on", R(INVLPG), .proc = CTL(PROC_INVLPG_EXITING), .want = L1 },
	{ "INVLPG off", R(INVLPG), .want = L0 },
	{ "RDPMC on", R(RDPMC), .proc = CTL(PROC_RDPMC_EXITING), .want = L1 },
	{ "RDPMC off", R(RDPMC), .want = L0 },
	{ "RDTSC on", R(RDTSC), .proc = CTL(PROC_RDTSC_EXITING), .want = L1 },
	{ "RDTSC off", R(RDTSC), .want = L0 },
	{ "RDTSCP on", R(RDTSCP), .proc = CTL(PROC_RDTSC_EXITING),
	  .proc2 = CTL(PROC2_ENABLE_RDTSCP), .want = L1 },
	{ "RDTSCP off", R(RDTSCP), .proc2 = CTL(PROC2_ENABLE_RDTSCP), .want = L0 },
	{ "MWAIT on", R(MWAIT), .proc = CTL(PROC_MWAIT_EXITING), .want = L1 },
	{ "MWAIT off", R(MWAIT), .want = L0 },
	{ "MONITOR on", R(MONITOR), .proc = CTL(PROC_MONITOR_EXITING), .want = L1 },
	{ "MONITOR off", R(MONITOR), .want = L0 },
	{ "PAUSE exiting", R(PAUSE), .proc = CTL(PROC_PAUSE_EXITING), .want = L1 },
	{ "PAUSE-loop exiting", R(PAUSE), .proc2 = CTL(PROC2_PAUSE_LOOP_EXITING), .want = L1 },
	{ "PAUSE neither", R(PAUSE), .want = L0 },
	{ "MOV DR on", R(DR_ACCESS), .proc = CTL(PROC_MOV_DR_EXITING), .want = L1 },
	{ "MOV DR off", R(DR_ACCESS), .want = L0 },
	{ "WBINVD on", R(WBINVD), .proc2 = CTL(PROC2_WBINVD_EXITING), .want = L1 },
	{ "WBINVD off", R(WBINVD), .want = L0 },
	{ "RDRAND on", R(RDRAND), .proc2 = CTL(PROC2_RDRAND_EXITING), .want = L1 },
	{ "RDRAND off", R(RDRAND), .want = L0 },
	{ "RDSEED on", R(RDSEED), .proc2 = CTL(PROC2_RDSEED_EXITING), .want = L1 },
	{ "RDSEED off", R(RDSEED), .want = L0 },
	{ "SGDT on", R(GDTR_IDTR_ACCESS), .proc2 = CTL(PROC2_DESC_TABLE_EXITING), .want = L1 },
	{ "SGDT off", R(GDTR_IDTR_ACCESS), .want = L0 },
	{ "SLDT on", R(LDTR_TR_ACCESS), .proc2 = CTL(PROC2_DESC_TABLE_EXITING), .want = L1 },
	{ "SLDT, secondary not active", R(LDTR_TR_ACCESS), .proc2 = CTL(PROC2_DESC_TABLE_EXITING),
	  .tweak = secondary_not_activated, .want = L0 },
	{ "TPR below threshold on", R(TPR_BELOW_THRESHOLD), .proc = CTL(PROC_USE_TPR_SHADOW),
	  .want = L1 },
	{ "TPR below threshold off", R(TPR_BELOW_THRESHOLD), .want = L0 },
	{ "APIC access on", R(APIC_ACCESS), .proc2 = CTL(PROC2_VIRT_APIC_ACCESSES), .want = L1 },
	{ "APIC access off", R(APIC_ACCESS), .want = L0 },
	{ "virtualized EOI on", R(VIRTUALIZED_EOI), .proc2 = CTL(PROC2_VIRT_INTR_DELIVERY),
	  .want = L1 },
	{ "virtualized EOI off", R(VIRTUALIZED_EOI), .want = L0 },
	{ "APIC write on", R(APIC_WRITE), .proc2 = CTL(PROC2_APIC_REG_VIRT), .want = L1 },
	{ "APIC write off", R(APIC_WRITE), .want = L0 },
	{ "ENQCMD PASID on", R(ENQCMD_PASID_FAIL), .proc2 = CTL(PROC2_PASID_TRANSLATION),
	  .want = L1 },
	{ "ENQCMDS PASID off", R(ENQCMDS_PASID_FAIL), .want = L0 },
	{ "bus lock on", R(BUS_LOCK), .proc2 = CTL(PROC2_BUS_LOCK_DETECTION), .want = L1 },
	{ "bus lock off", R(BUS_LOCK), .want = L0 },
	{ "instruction timeout on", R(INSTRUCTION_TIMEOUT), .proc2 = CTL(PROC2_INSTRUCTION_TIMEOUT),
	  .want = L1 },
	{ "instruction timeout off", R(INSTRUCTION_TIMEOUT), .want = L0 },
	/* instructions under two controls */
	{ "INVPCID, both", R(INVPCID), .proc = CTL(PROC_INVLPG_EXITING),
	  .proc2 = CTL(PROC2_ENABLE_INVPCID), .want = L1 },
	{ "INVPCID, no INVLPG exiting", R(INVPCID), .proc2 = CTL(PROC2_ENABLE_INVPCID),
	  .want = L0 },
	{ "INVPCID, not enabled", R(INVPCID), .proc = CTL(PROC_INVLPG_EXITING), .want = L0 },
	{ "UMWAIT, both", R(UMWAIT), .proc = CTL(PROC_RDTSC_EXITING),
	  .proc2 = CTL(PROC2_USER_WAIT_PAUSE), .want = L1 },
	{ "TPAUSE, no RDTSC exiting", R(TPAUSE), .proc2 = CTL(PROC2_USER_WAIT_PAUSE), .want = L0 },
	{ "LOADIWKEY, tertiary on", R(LOADIWKEY), .proc = CTL(PROC_TERTIARY_CONTROLS), .want = L1 },
	{ "LOADIWKEY, tertiary off", R(LOADIWKEY), .want = L0 },
	/* bitmaps indexed by a register */
	{ "XSAVES of component 8", R(XSAVES), .proc2 = CTL(PROC2_ENABLE_XSAVES), .rax = ~0ull,
	  .rdx = ~0ull, .xss = 1ull << 8, .want = L1 },
	{ "XSAVES of component 11", R(XSAVES), .proc2 = CTL(PROC2_ENABLE_XSAVES), .rax = ~0ull,
	  .rdx = ~0ull, .xss = 1ull << 11, .want = L0 },
	{ "XRSTORS of component 40 (EDX)", R(XRSTORS), .proc2 = CTL(PROC2_ENABLE_XSAVES),
	  .rax = 0xffffffff00000000ull, .rdx = 1ull << 8, .xss = ~0ull, .want = L1 },
	{ "XRSTORS, component not requested", R(XRSTORS), .proc2 = CTL(PROC2_ENABLE_XSAVES),
	  .rax = 0, .rdx = 0, .xss = ~0ull, .want = L0 },
	{ "XSAVES, not enabled", R(XSAVES), .rax = ~0ull, .rdx = ~0ull, .xss = ~0ull, .want = L0 },
	{ "ENCLS leaf 0", R(ENCLS), .proc2 = CTL(PROC2_ENCLS_EXITING), .rax = 0, .want = L1 },
	{ "ENCLS leaf 1", R(ENCLS), .proc2 = CTL(PROC2_ENCLS_EXITING), .rax = 1, .want = L0 },
	{ "ENCLS leaf 100 uses bit 63", R(ENCLS), .proc2 = CTL(PROC2_ENCLS_EXITING), .rax = 100,
	  .want = L1 },
	{ "ENCLS, exiting off", R(ENCLS), .rax = 0, .want = L0 },
	{ "ENCLV leaf 2", R(ENCLV), .proc2 = CTL(PROC2_ENCLV_EXITING), .rax = 2, .want = L1 },
	{ "ENCLV leaf 3", R(ENCLV), .proc2 = CTL(PROC2_ENCLV_EXITING), .rax = 3, .want = L0 },
	{ "PCONFIG leaf 0", R(PCONFIG), .proc2 = CTL(PROC2_ENABLE_PCONFIG), .rax = 0, .want = L1 },
	{ "PCONFIG leaf 1", R(PCONFIG), .proc2 = CTL(PROC2_ENABLE_PCONFIG), .rax = 1, .want = L0 },
	/* control registers */
	{ "MOV CR0 = shadow, plus MP", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_MOV_TO),
	  .cr_source = CR0_PE | CR0_PG | CR0_TS | CR0_MP, .want = L0 },
	{ "MOV CR0 clearing TS", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_MOV_TO),
	  .cr_source = CR0_PE | CR0_PG, .want = L1 },
	{ "MOV CR0 setting WP", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_MOV_TO),
	  .cr_source = CR0_PE | CR0_PG | CR0_TS | CR0_WP, .want = L1 },
	{ "MOV CR4 setting VMXE", R(CR_ACCESS), .qual = CRQ(4, VMXE_CR_MOV_TO),
	  .cr_source = CR4_PAE | CR4_VMXE, .want = L1 },
	{ "MOV CR4 = shadow, plus OSFXSR", R(CR_ACCESS), .qual = CRQ(4, VMXE_CR_MOV_TO),
	  .cr_source = CR4_PAE | CR4_OSFXSR, .want = L0 },
	{ "MOV CR3, target 1", R(CR_ACCESS), .proc = CTL(PROC_CR3_LOAD_EXITING),
	  .qual = CRQ(3, VMXE_CR_MOV_TO), .cr_source = 0x2000, .want = L0 },
	{ "MOV CR3, value 2 beyond count", R(CR_ACCESS), .proc = CTL(PROC_CR3_LOAD_EXITING),
	  .qual = CRQ(3, VMXE_CR_MOV_TO), .cr_source = 0x3000, .want = L1 },
	{ "MOV CR3, not a target", R(CR_ACCESS), .proc = CTL(PROC_CR3_LOAD_EXITING),
	  .qual = CRQ(3, VMXE_CR_MOV_TO), .cr_source = 0x5000, .want = L1 },
	{ "MOV CR3, no load exiting", R(CR_ACCESS), .qual = CRQ(3, VMXE_CR_MOV_TO),
	  .cr_source = 0x5000, .want = L0 },
	{ "MOV CR8 on", R(CR_ACCESS), .proc = CTL(PROC_CR8_LOAD_EXITING),
	  .qual = CRQ(8, VMXE_CR_MOV_TO), .want = L1 },
	{ "MOV CR8 off", R(CR_ACCESS), .qual = CRQ(8, VMXE_CR_MOV_TO), .want = L0 },
	{ "MOV from CR3 on", R(CR_ACCESS), .proc = CTL(PROC_CR3_STORE_EXITING),
	  .qual = CRQ(3, VMXE_CR_MOV_FROM), .want = L1 },
	{ "MOV from CR3 off", R(CR_ACCESS), .qual = CRQ(3, VMXE_CR_MOV_FROM), .want = L0 },
	{ "MOV from CR8 on", R(CR_ACCESS), .proc = CTL(PROC_CR8_STORE_EXITING),
	  .qual = CRQ(8, VMXE_CR_MOV_FROM), .want = L1 },
	{ "MOV from CR8 off", R(CR_ACCESS), .qual = CRQ(8, VMXE_CR_MOV_FROM), .want = L0 },
	{ "MOV from CR0", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_MOV_FROM), .want = UNKNOWN },
	{ "MOV to CR2", R(CR_ACCESS), .qual = CRQ(2, VMXE_CR_MOV_TO), .want = UNKNOWN },
	{ "CLTS, L1 owns TS, shadow TS 1", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_CLTS), .want = L1 },
	{ "CLTS, shadow TS 0", R(CR_ACCESS), .qual = CRQ(0, VMXE_CR_CLTS), .tweak = shadow_ts_clear,
	  .want = L0 },
	{ "LMSW = shadow", R(CR_ACCESS), .qual = LMSW(CR0_PE | CR0_TS), .want = L0 },
	{ "LMSW clearing TS", R(CR_ACCESS), .qual = LMSW(CR0_PE), .want = L1 },
	{ "LMSW setting MP (not L1's)", R(CR_ACCESS), .qual = LMSW(CR0_PE | CR0_TS | CR0_MP),
	  .want = L0 },
	{ "LMSW 'clearing' PE", R(CR_ACCESS), .qual = LMSW(CR0_TS), .want = L0 },
	{ "LMSW setting PE, shadow PE 0", R(CR_ACCESS), .qual = LMSW(CR0_PE | CR0_TS),
	  .tweak = shadow_pe_clear, .want = L1 },
	/* I/O */
	{ "I/O, no I/O exiting", R(IO_INSTRUCTION), .qual = IOQ(0x60, 1), .want = L0 },
	{ "I/O, unconditional", R(IO_INSTRUCTION), .proc = CTL(PROC_UNCOND_IO_EXITING),
	  .qual = IOQ(0x70, 1), .want = L1 },
	{ "I/O, bitmap A bit set", R(IO_INSTRUCTION), .proc = CTL(PROC_USE_IO_BITMAPS),
	  .qual = IOQ(0x60, 1), .want = L1 },
	{ "I/O, bitmap B bit set", R(IO_INSTRUCTION), .proc = CTL(PROC_USE_IO_BITMAPS),
	  .qual = IOQ(0x8060, 1) | VMXE_IOQ_IN, .want = L1 },
	{ "I/O, bit clear, bitmaps beat uncond.", R(IO_INSTRUCTION),
	  .proc = CTL(PROC_USE_IO_BITMAPS) | CTL(PROC_UNCOND_IO_EXITING), .qual = IOQ(0x70, 1),
	  .want = L0 },
	{ "I/O, 2 bytes reaching 0x60", R(IO_INSTRUCTION), .proc = CTL(PROC_USE_IO_BITMAPS),
	  .qual = IOQ(0x5f, 2), .want = L1 },
	{ "I/O, bitmap A outside L1 RAM", R(IO_INSTRUCTION), .proc = CTL(PROC_USE_IO_BITMAPS),
	  .qual = IOQ(0x70, 1), .tweak = io_bitmap_a_outside, .want = L1 },
	{ "I/O, size 3", R(IO_INSTRUCTION), .proc = CTL(PROC_UNCOND_IO_EXITING),
	  .qual = IOQ(0x60, 3), .want = UNKNOWN },
	/* MSRs */
	{ "RDMSR, no MSR bitmaps", R(RDMSR), .rcx = 0x11, .want = L1 },
	{ "RDMSR 0x10, bit set", R(RDMSR), .proc = CTL(PROC_USE_MSR_BITMAPS), .rcx = 0x10,
	  .want = L1 },
	{ "RDMSR 0x11, bit clear", R(RDMSR), .proc = CTL(PROC_USE_MSR_BITMAPS), .rcx = 0x11,
	  .want = L0 },
	{ "WRMSR 0x10, write bit clear", R(WRMSR), .proc = CTL(PROC_USE_MSR_BITMAPS), .rcx = 0x10,
	  .want = L0 },
	{ "RDMSR, RCX[63:32] ignored", R(RDMSR), .proc = CTL(PROC_USE_MSR_BITMAPS),
	  .rcx = 0xffffffff00000010ull, .want = L1 },
	{ "RDMSR 0xc0010000, out of range", R(RDMSR), .proc = CTL(PROC_USE_MSR_BITMAPS),
	  .rcx = 0xc0010000u, .want = L1 },
	{ "WRMSR, bitmap outside L1 RAM", R(WRMSR), .proc = CTL(PROC_USE_MSR_BITMAPS), .rcx = 0x11,
	  .tweak = msr_bitmap_outside, .want = L1 },
	/* VM-entry failures */
	{ "entry failure, guest state", R(ENTRY_FAIL_GUEST_STATE) | ENTRY_FAILURE, .want = FAIL },
	{ "entry failure, MSR loading", R(ENTRY_FAIL_MSR_LOADING) | ENTRY_FAILURE, .want = FAIL },
	{ "entry failure, machine check", R(ENTRY_FAIL_MCE) | ENTRY_FAILURE, .want = L0 },
	{ "reason 33 without bit 31", R(ENTRY_FAIL_GUEST_STATE), .want = UNKNOWN },
	{ "CPUID with bit 31", R(CPUID) | ENTRY_FAILURE, .want = UNKNOWN },
	/* EPT: EPT01's while L1 has no EPT; with EPT12, for a later stage */
	{ "EPT violation", R(EPT_VIOLATION), .want = L0 },
	{ "EPT misconfiguration", R(EPT_MISCONFIG), .want = L0 },
	{ "SPP event", R(SPP_EVENT), .want = L0 },
	{ "EPT violation, L1 EPT", R(EPT_VIOLATION), .proc2 = CTL(PROC2_ENABLE_EPT),
	  .want = L0 },
	{ "EPT misconfig., L1 EPT", R(EPT_MISCONFIG), .proc2 = CTL(PROC2_ENABLE_EPT),
	  .want = L0 },
	{ "PML full", R(PML_FULL), .want = L0 },
	/* no rule */
	{ "reason 35", 35, .want = UNKNOWN },
	{ "reason 38", 38, .want = UNKNOWN },
	{ "reason 42", 42, .want = UNKNOWN },
	{ "reason 71", 71, .want = UNKNOWN },
	{ "SEAMCALL", R(SEAMCALL), .want = UNKNOWN },
	{ "TDCALL", R(TDCALL), .want = UNKNOWN },
	{ "reason 78", 78, .want = UNKNOWN },
	{ "reason 0xffff", 0xffff, .want = UNKNOWN },
};
/* clang-format on */

static void test_exit_table(void **state)
{
	struct vmcs12 *v = calloc(1, sizeof(*v));

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const struct vmxe_exit e = {
		    .reason = r->reason,
		    .qualification = r->qual,
		    .intr_info = r->intr_info,
		    .intr_error_code = r->intr_error,
		    .l2_rax = r->rax,
		    .l2_rcx = r->rcx,
		    .l2_rdx = r->rdx,
		    .l2_xss = r->xss,
		    .cr_source = r->cr_source,
		};
		enum vmxe_exit_route got;

		base_vmcs12(v);
		v->PIN_BASED_VM_EXEC_CONTROL = r->pin;
		v->CPU_BASED_VM_EXEC_CONTROL =
		    r->proc | (r->proc2 ? CTL(PROC_SECONDARY_CONTROLS) : 0);
		v->SECONDARY_VM_EXEC_CONTROL = r->proc2;
		if (r->tweak)
			r->tweak(v);
		got = vmxe_l1_wants_exit(v, &e, &mem);
		if (got != r->want)
			fail_msg("row %zu '%s': got %d, want %d", i, r->what, got, r->want);
	}
	free(v);
}

/* Every reason of exit_reasons.def has a row, so no rule goes untested. */
static void test_every_reason_has_a_row(void **state)
{
	static const uint32_t reasons[] = {
#define EXIT_REASON(name, num, text) (num),
#include "vmx-emul/exit_reasons.def"
#undef EXIT_REASON
	};

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		bool found = false;

		for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]) && !found; j++)
			found = vmx_exit_basic(rows[j].reason) == reasons[i];
		if (!found)
			fail_msg("no row for exit reason %u", reasons[i]);
	}
}

static struct vmcs12 *bitmap_vmcs12(uint32_t proc)
{
	struct vmcs12 *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	memset(ram, 0, sizeof(ram));
	v->CPU_BASED_VM_EXEC_CONTROL = proc;
	v->MSR_BITMAP = MSR_BITMAP_GPA;
	v->IO_BITMAP_A = IO_A_GPA;
	v->IO_BITMAP_B = IO_B_GPA;
	return v;
}

/* SDM 25.6.9: the byte and bit of each edge MSR, computed here from the layout. */
static void test_msr_bitmap_edges(void **state)
{
	static const struct {
		uint32_t msr;
		uint32_t read_byte; /* offset of the read bit's byte in the page */
	} edges[] = {
	    {0x0, 0},
	    {0x1fff, 1023},
	    {0xc0000000u, 1024},
	    {0xc0001fffu, 2047},
	};
	static const uint32_t outside[] = {0x2000, 0xbfffffffu, 0xc0002000u, 0xc0010000u,
					   0xffffffffu};
	struct vmcs12 *v = bitmap_vmcs12(CTL(PROC_USE_MSR_BITMAPS));

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		for (int write = 0; write <= 1; write++) {
			uint32_t byte = edges[i].read_byte + (write ? 2048 : 0);
			uint8_t bit = (uint8_t)(1u << (edges[i].msr % 8));

			memset(ram, 0, sizeof(ram));
			assert_false(vmxe_l1_msr_exits(v, edges[i].msr, write, &mem));
			ram[byte] = bit;
			assert_true(vmxe_l1_msr_exits(v, edges[i].msr, write, &mem));
			assert_false(vmxe_l1_msr_exits(v, edges[i].msr, !write, &mem));
			ram[byte] = (uint8_t)~bit; /* every other bit: still no exit */
			assert_false(vmxe_l1_msr_exits(v, edges[i].msr, write, &mem));
		}
	}
	memset(ram, 0, sizeof(ram));
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		assert_true(vmxe_l1_msr_exits(v, outside[i], false, &mem));
		assert_true(vmxe_l1_msr_exits(v, outside[i], true, &mem));
	}
	/* a bitmap outside L1 RAM: every in-range MSR exits, both ways */
	v->MSR_BITMAP = OUTSIDE_GPA;
	assert_true(vmxe_l1_msr_exits(v, 0x10, false, &mem));
	assert_true(vmxe_l1_msr_exits(v, 0xc0000080u, true, &mem));
	/* the last page of L1 RAM holds only part of the bitmap: the write half is outside */
	v->MSR_BITMAP = RAM_BASE + sizeof(ram) - 2048;
	assert_false(vmxe_l1_msr_exits(v, 0x10, false, &mem));
	assert_true(vmxe_l1_msr_exits(v, 0x10, true, &mem));
	/* without MSR bitmaps every MSR exits */
	v->CPU_BASED_VM_EXEC_CONTROL = 0;
	v->MSR_BITMAP = MSR_BITMAP_GPA;
	assert_true(vmxe_l1_msr_exits(v, 0x10, false, &mem));
	free(v);
}

static void test_io_bitmap_edges(void **state)
{
	static const struct {
		uint16_t port;
		uint64_t gpa; /* which bitmap */
		uint32_t bit;
	} edges[] = {
	    {0x0, IO_A_GPA, 0},
	    {0x7fff, IO_A_GPA, 0x7fff},
	    {0x8000, IO_B_GPA, 0},
	    {0xffff, IO_B_GPA, 0x7fff},
	};
	struct vmcs12 *v = bitmap_vmcs12(CTL(PROC_USE_IO_BITMAPS));

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		memset(ram, 0, sizeof(ram));
		assert_false(vmxe_l1_io_exits(v, edges[i].port, 1, &mem));
		set_bit(edges[i].gpa, edges[i].bit);
		assert_true(vmxe_l1_io_exits(v, edges[i].port, 1, &mem));
	}
	/* 4 bytes at 0x7ffe straddle the bitmaps: 0x7ffe, 0x7fff (A), 0x8000, 0x8001 (B) */
	memset(ram, 0, sizeof(ram));
	assert_false(vmxe_l1_io_exits(v, 0x7ffe, 4, &mem));
	set_bit(IO_B_GPA, 1); /* port 0x8001, the last byte */
	assert_true(vmxe_l1_io_exits(v, 0x7ffe, 4, &mem));
	memset(ram, 0, sizeof(ram));
	set_bit(IO_A_GPA, 0x7fff);
	assert_true(vmxe_l1_io_exits(v, 0x7ffe, 4, &mem));
	assert_true(vmxe_l1_io_exits(v, 0x7ffc, 4, &mem));  /* ends on 0x7fff */
	assert_false(vmxe_l1_io_exits(v, 0x7ffb, 4, &mem)); /* ends before it */
	/* wrapping past 0xffff exits whatever the bitmaps say (26.1.3) */
	memset(ram, 0, sizeof(ram));
	assert_false(vmxe_l1_io_exits(v, 0xffff, 1, &mem));
	assert_false(vmxe_l1_io_exits(v, 0xfffc, 4, &mem));
	assert_true(vmxe_l1_io_exits(v, 0xffff, 2, &mem));
	assert_true(vmxe_l1_io_exits(v, 0xfffe, 4, &mem));
	assert_true(vmxe_l1_io_exits(v, 0xfffd, 4, &mem));
	/* a bitmap outside L1 RAM: its ports exit, the other bitmap still decides */
	v->IO_BITMAP_B = OUTSIDE_GPA;
	assert_true(vmxe_l1_io_exits(v, 0x8000, 1, &mem));
	assert_false(vmxe_l1_io_exits(v, 0x7fff - 4, 4, &mem));
	assert_true(vmxe_l1_io_exits(v, 0x7ffe, 4, &mem));
	/* unconditional exiting without bitmaps; neither control: no exit */
	v->CPU_BASED_VM_EXEC_CONTROL = CTL(PROC_UNCOND_IO_EXITING);
	assert_true(vmxe_l1_io_exits(v, 0x80, 1, &mem));
	v->CPU_BASED_VM_EXEC_CONTROL = 0;
	assert_false(vmxe_l1_io_exits(v, 0x80, 1, &mem));
	free(v);
}

static const struct vmxe_exit sample_exit = {
    .reason = VMX_EXIT_EXCEPTION_NMI,
    .qualification = 0xdeadbeefcafeull,
    .intr_info = VMXE_INTR_INFO_VALID | (VMXE_INTR_TYPE_HW_EXCEPTION << 8) | 14,
    .intr_error_code = 2,
    .idt_vectoring_info = VMXE_INTR_INFO_VALID | 0x20,
    .idt_vectoring_error_code = 5,
    .instruction_len = 3,
    .instruction_info = 0x1234,
    .guest_linear_address = 0x7fff0000ull,
    .guest_physical_address = 0x123000ull,
};

static void test_exit_for_l1(void **state)
{
	struct vmcs12 *v = calloc(1, sizeof(*v));
	struct vmxe_exit fail = sample_exit;

	(void)state;
	assert_non_null(v);
	vmxe_exit_for_l1(&sample_exit, v);
	assert_int_equal(v->VM_EXIT_REASON, sample_exit.reason);
	assert_int_equal(v->EXIT_QUALIFICATION, sample_exit.qualification);
	assert_int_equal(v->VM_EXIT_INTR_INFO, sample_exit.intr_info);
	assert_int_equal(v->VM_EXIT_INTR_ERROR_CODE, 2);
	assert_int_equal(v->IDT_VECTORING_INFO, sample_exit.idt_vectoring_info);
	assert_int_equal(v->IDT_VECTORING_ERROR_CODE, 5);
	assert_int_equal(v->VM_EXIT_INSTRUCTION_LEN, 3);
	assert_int_equal(v->VM_EXIT_INSTRUCTION_INFO, 0x1234);
	assert_int_equal(v->GUEST_LINEAR_ADDRESS, sample_exit.guest_linear_address);
	assert_int_equal(v->GUEST_PHYSICAL_ADDRESS, sample_exit.guest_physical_address);

	/* a VM-entry failure records the reason and the qualification only (27.8) */
	fail.reason = VMX_EXIT_ENTRY_FAIL_GUEST_STATE | ENTRY_FAILURE;
	fail.qualification = 2;
	fail.intr_info = 0;
	fail.instruction_len = 9;
	vmxe_exit_for_l1(&fail, v);
	assert_int_equal(v->VM_EXIT_REASON, fail.reason);
	assert_int_equal(v->EXIT_QUALIFICATION, 2);
	assert_int_equal(v->VM_EXIT_INTR_INFO, sample_exit.intr_info);
	assert_int_equal(v->VM_EXIT_INSTRUCTION_LEN, 3);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_table),	     cmocka_unit_test(test_every_reason_has_a_row),
	    cmocka_unit_test(test_msr_bitmap_edges), cmocka_unit_test(test_io_bitmap_edges),
	    cmocka_unit_test(test_exit_for_l1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
