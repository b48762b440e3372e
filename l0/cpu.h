/*
 * cpu.h: the few x86 instructions L0's hardware layer needs (CPUID, MSRs, control and
 * descriptor-table registers, port I/O).
 * Only l0/ hardware-layer files include this; pure code never does.
 */
#ifndef L0_CPU_H
#define L0_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs l0_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define L0_CPUID_LEAF_EXT_FEATURES 0x80000001u
#define L0_CPUID_EXT_1GB_PAGES (1u << 26) /* EDX: 1 GiB pages */
#define L0_CPUID_LEAF_ADDR_SIZES 0x80000008u

/* MAXPHYADDR: CPUID 0x80000008 EAX[7:0]. */
static inline unsigned int l0_maxphyaddr(void)
{
	return l0_cpuid(L0_CPUID_LEAF_ADDR_SIZES, 0).eax & 0xff;
}

/* Whether paging has 1 GiB pages. */
static inline bool l0_has_1g_pages(void)
{
	return l0_cpuid(L0_CPUID_LEAF_EXT_FEATURES, 0).edx & L0_CPUID_EXT_1GB_PAGES;
}

static inline uint64_t l0_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void l0_wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

#define L0_DEFINE_READ_CR(n)                                                                  \
	static inline uint64_t l0_read_cr##n(void)                                            \
	{                                                                                     \
		uint64_t v;                                                                   \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                             \
		return v;                                                                     \
	}
L0_DEFINE_READ_CR(0)
L0_DEFINE_READ_CR(3)
L0_DEFINE_READ_CR(4)

static inline void l0_write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void l0_write_cr2(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(v) : "memory");
}

static inline void l0_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void l0_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t l0_read_dr7(void)
{
	uint64_t v;

	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

struct l0_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline struct l0_dtr l0_sgdt(void)
{
	struct l0_dtr d;

	__asm__ volatile("sgdt %0" : "=m"(d));
	return d;
}

static inline struct l0_dtr l0_sidt(void)
{
	struct l0_dtr d;

	__asm__ volatile("sidt %0" : "=m"(d));
	return d;
}

/* Selector of segment register @reg ("cs", "ds", ...), or of "tr"/"ldtr" via str/sldt. */
#define L0_READ_SEG(reg)                                                                      \
	({                                                                                    \
		uint16_t sel_;                                                                \
		__asm__ volatile("mov %%" #reg ", %0" : "=r"(sel_));                          \
		sel_;                                                                         \
	})

static inline uint16_t l0_str(void)
{
	uint16_t sel;

	__asm__ volatile("str %0" : "=r"(sel));
	return sel;
}

static inline uint16_t l0_sldt(void)
{
	uint16_t sel;

	__asm__ volatile("sldt %0" : "=r"(sel));
	return sel;
}

static inline uint64_t l0_read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void l0_disable_interrupts(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void l0_write_rflags(uint64_t v)
{
	__asm__ volatile("pushq %0; popfq" : : "r"(v) : "memory", "cc");
}

static inline void l0_xsetbv(uint32_t index, uint64_t value)
{
	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)value),
			 "d"((uint32_t)(value >> 32)));
}

static inline void l0_wbinvd(void)
{
	__asm__ volatile("wbinvd" : : : "memory");
}

/* Stops this CPU for good: interrupts off, then HLT forever (an NMI only wakes it briefly). */
static inline __attribute__((noreturn)) void l0_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static inline uint64_t l0_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void l0_outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t l0_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#endif
