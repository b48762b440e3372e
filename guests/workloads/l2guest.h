/*
 * Layout of the L2 guest's memory and the workloads' device constants, shared by the 32-bit guest
 * code (l2guest.S, preprocessed), the L1-native loops (l1native.S) and the L1 userspace that runs
 * them (l2run.c, devices.c, fresh_pages.c). Touches no hardware.
 *
 * L2 runs flat 32-bit protected mode, without paging or (pf and memtouch) with page tables that
 * map guest-physical memory one to one, so guest-physical == linear address and the guest code can
 * use these constants as absolute addresses.
 */
#ifndef TURTLE_GUESTS_L2GUEST_H
#define TURTLE_GUESTS_L2GUEST_H

/* One KVM memory slot at guest-physical 0. */
#define L2_MEM_SIZE 0x200000

/* Guest code is copied here; RIP starts here. Below it stays unused (no real-mode IVT needed). */
#define L2_CODE_GPA 0x1000
/* The mailbox: L1 userspace fills in the request, the guest writes the results. */
#define L2_MAILBOX_GPA 0x8000
#define L2_CODE_MAX (L2_MAILBOX_GPA - L2_CODE_GPA)
/* The stack grows down from the top of the slot. */
#define L2_STACK_TOP L2_MEM_SIZE

/*
 * Mailbox fields (byte offsets); struct l2_mailbox below mirrors them for C. A loop whose operation
 * checks a value stops at the first wrong one, so done_count counts the checked iterations.
 */
#define L2_MB_ITERATIONS 0x00 /* u32, in: how many operations to run */
#define L2_MB_DONE_COUNT 0x04 /* u32, out: how many the guest completed */
#define L2_MB_TSC_START 0x08  /* u64, out: TSC before the first operation */
#define L2_MB_TSC_END 0x10    /* u64, out: TSC after the last operation */
#define L2_MB_REGION 0x18     /* u64, in: pf: linear address of the first fresh page */
#define L2_MB_SERVED 0x20     /* u32, written by l2run: operations its device served so far */
#define L2_MB_FAILED 0x24     /* u32, out: 1 when a check failed (at iteration done_count) */
#define L2_MB_GOT 0x28        /* u32, out: the value the failed check read */
#define L2_MB_WANT 0x2c       /* u32, out: the value it expected */
#define L2_MB_TSC_MID 0x30    /* u64, out: memtouch: TSC between the touch and the verify pass */
#define L2_MB_VALUE 0x38      /* u32, in/out: vmlife: the seed in, the folded value out */

/* The guest's "I am done" signal: an OUT to this port exits to L1 userspace. */
#define L2_DONE_PORT 0x00f4

/*
 * io and mmio: l2run's echo device, at an I/O port and at a guest-physical address in no memory
 * slot (so KVM hands both to user space). The guest writes the iteration number; a read returns
 * the last value written XOR L2_ECHO_XOR, so a read that no device served (all ones) or that
 * memory answered (the value written) fails the check.
 */
#define L2_ECHO_PORT 0x00e0
#define L2_ECHO_MMIO_GPA 0xd0000000
#define L2_ECHO_XOR 0x5a5a5a5a

/*
 * vmcall: a hypercall number KVM does not know (6.1 knows 1 to 12), which kvm_emulate_hypercall
 * answers in the kernel with -KVM_ENOSYS (-1000) in EAX, truncated to 32 bits for a 32-bit guest.
 */
#define L2_VMCALL_NR 0x10000
#define L2_VMCALL_ENOSYS 0xfffffc18

/*
 * pf: the fresh pages are a second memory slot at L2_PF_REGION_GPA that nothing touches before
 * the guest, mapped by 32-bit page tables (4 KiB pages, one to one) that l2run builds here: the
 * page directory, then one page table per 4 MiB of [0, L2_MEM_SIZE) and of the region.
 */
#define L2_PAGE_SHIFT 12
#define L2_PAGE_SIZE (1 << L2_PAGE_SHIFT)
#define L2_PF_REGION_GPA 0x400000
#define L2_PF_MAX_PAGES 65536      /* 256 MiB; L1 has about 1 GiB (pf and memtouch) */
#define L2_PF_PATTERN 0x9f000000   /* page i holds i ^ L2_PF_PATTERN in its first 32 bits */
#define L2_PAGE_WORDS (L2_PAGE_SIZE / 4)
#define L2_PAGE_DIR_GPA 0x10000
#define L2_PAGE_TABLES_GPA (L2_PAGE_DIR_GPA + L2_PAGE_SIZE)

/*
 * memtouch: the fresh pages of pf (same slot, same page tables), but every 32-bit word of page i
 * is written with i ^ L2_MEMTOUCH_PATTERN in a first pass and compared in a second one.
 */
#define L2_MEMTOUCH_PATTERN 0x6d000000

/*
 * vmlife: each incarnation of the VM runs L2_VMLIFE_CPUIDS CPUIDs (leaf 0), folding each one's
 * EBX into the mailbox's value: value = ((value ^ EBX) * L2_FOLD_MUL + L2_FOLD_ADD) mod 2^32,
 * starting from a seed that differs per incarnation.
 */
#define L2_VMLIFE_CPUIDS 10
#define L2_FOLD_MUL 1664525      /* the LCG of Numerical Recipes */
#define L2_FOLD_ADD 1013904223

/* Selectors loaded through KVM_SET_SREGS; there is no GDT in guest memory. */
#define L2_CODE_SELECTOR 0x08
#define L2_DATA_SELECTOR 0x10

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct l2_mailbox {
	uint32_t iterations;
	uint32_t done_count;
	uint64_t tsc_start;
	uint64_t tsc_end;
	uint64_t region;
	uint32_t served;
	uint32_t failed;
	uint32_t got;
	uint32_t want;
	uint64_t tsc_mid;
	uint32_t value;
	uint32_t pad;
};

_Static_assert(offsetof(struct l2_mailbox, iterations) == L2_MB_ITERATIONS, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, done_count) == L2_MB_DONE_COUNT, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, tsc_start) == L2_MB_TSC_START, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, tsc_end) == L2_MB_TSC_END, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, region) == L2_MB_REGION, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, served) == L2_MB_SERVED, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, failed) == L2_MB_FAILED, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, got) == L2_MB_GOT, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, want) == L2_MB_WANT, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, tsc_mid) == L2_MB_TSC_MID, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, value) == L2_MB_VALUE, "mailbox layout");
_Static_assert(L2_MAILBOX_GPA + sizeof(struct l2_mailbox) <= L2_MEM_SIZE, "mailbox in slot");

/* The echo device and the fresh pages must stay clear of the memory slots. */
_Static_assert(L2_ECHO_MMIO_GPA >= L2_PF_REGION_GPA + (uint64_t)L2_PF_MAX_PAGES * L2_PAGE_SIZE,
	       "echo MMIO address outside every slot");
_Static_assert(L2_PF_REGION_GPA >= L2_MEM_SIZE, "fresh pages after the first slot");

/* Guest code blobs, defined in l2guest.S: [start, end) is copied to L2_CODE_GPA. */
extern const uint8_t l2guest_cpuid_start[], l2guest_cpuid_end[];
extern const uint8_t l2guest_io_start[], l2guest_io_end[];
extern const uint8_t l2guest_hlt_start[], l2guest_hlt_end[];
extern const uint8_t l2guest_vmcall_start[], l2guest_vmcall_end[];
extern const uint8_t l2guest_mmio_start[], l2guest_mmio_end[];
extern const uint8_t l2guest_pf_start[], l2guest_pf_end[];
extern const uint8_t l2guest_memtouch_start[], l2guest_memtouch_end[];
extern const uint8_t l2guest_vmlife_start[], l2guest_vmlife_end[];
#endif

#endif
