/*
 * The L1-native workloads (l1native.S): the L2 guests' operation loops, run directly in L1 user
 * space. They report through the same mailbox as the L2 guests (struct l2_mailbox, l2guest.h),
 * here in the caller's memory. Each touches only the instructions of its operation.
 */
#ifndef TURTLE_GUESTS_L1NATIVE_H
#define TURTLE_GUESTS_L1NATIVE_H

#include "l2guest.h"

/*
 * Runs mb->iterations operations (at least 1); fills in done_count, tsc_start and tsc_end, and
 * failed, got and want when a check fails.
 */
typedef void (*l1native_loop)(struct l2_mailbox *mb);

void l1native_cpuid(struct l2_mailbox *mb);
/* mb->region: mb->iterations pages that nothing has touched yet. */
void l1native_pf(struct l2_mailbox *mb);
/* The same, for memtouch's two passes; also fills in tsc_mid. */
void l1native_memtouch(struct l2_mailbox *mb);

#endif
