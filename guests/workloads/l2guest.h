/*
 * Layout of the L2 guest's memory, shared by the 32-bit guest code (l2guest.S, preprocessed)
 * and the L1 userspace that runs it (l2run.c). Touches no hardware.
 *
 * L2 runs flat 32-bit protected mode without paging, so guest-physical == linear address and the
 * guest code can use these constants as absolute addresses.
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

/* Mailbox fields (byte offsets); struct l2_mailbox below mirrors them for C. */
#define L2_MB_ITERATIONS 0x00 /* u32, in: how many operations to run */
#define L2_MB_DONE_COUNT 0x04 /* u32, out: how many the guest completed */
#define L2_MB_TSC_START 0x08  /* u64, out: TSC before the first operation */
#define L2_MB_TSC_END 0x10    /* u64, out: TSC after the last operation */

/* The guest's "I am done" signal: an OUT to this port exits to L1 userspace. */
#define L2_DONE_PORT 0x00f4

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
};

_Static_assert(offsetof(struct l2_mailbox, iterations) == L2_MB_ITERATIONS, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, done_count) == L2_MB_DONE_COUNT, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, tsc_start) == L2_MB_TSC_START, "mailbox layout");
_Static_assert(offsetof(struct l2_mailbox, tsc_end) == L2_MB_TSC_END, "mailbox layout");
_Static_assert(L2_MAILBOX_GPA + sizeof(struct l2_mailbox) <= L2_MEM_SIZE, "mailbox in slot");

/* Guest code blobs, defined in l2guest.S: [start, end) is copied to L2_CODE_GPA. */
extern const uint8_t l2guest_cpuid_start[], l2guest_cpuid_end[];
#endif

#endif
