/*
 * How long L1's CPUs were busy, by the scheduler's own count, in TSC cycles: to tell the work of
 * an operation that sleeps inside L1's kernel (vmlife's VM lifecycle waits for RCU and SRCU
 * grace periods) from the waiting, which the TSC counts alike. Reads /proc/schedstat, the
 * monotonic clock and the TSC; touches no other hardware.
 */
#ifndef TURTLE_GUESTS_L1_BUSY_H
#define TURTLE_GUESTS_L1_BUSY_H

#include <stddef.h>
#include <stdint.h>

/* One reading: L1's busy nanoseconds so far, with the monotonic clock and the TSC beside them. */
struct l1_clock {
	uint64_t busy_ns;
	uint64_t mono_ns;
	uint64_t tsc;
};

/*
 * Reads the nanoseconds that tasks other than the idle tasks have run on all of L1's CPUs up to
 * now (the caller's own running time included: the call sleeps briefly so that it is counted).
 * Returns 0, or -1 with err set when the kernel does not keep the count.
 */
int l1_clock_read(struct l1_clock *c, char *err, size_t err_size);

/*
 * The busy time between two readings in TSC cycles, converted at the rate between L1's monotonic
 * clock and the TSC over the same interval (L1's clocksource is the TSC). -1 if the interval is
 * empty.
 */
int l1_busy_cycles(const struct l1_clock *from, const struct l1_clock *to, uint64_t *cycles);

#endif
