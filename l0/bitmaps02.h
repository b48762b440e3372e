/*
 * bitmaps02.h: VMCS02's MSR bitmap (L0's intercepts ORed with L1's) and I/O bitmaps (copies of
 * L1's), rebuilt on a VM entry to L2 only when VMCS12 names other pages or L1 has written the
 * pages it named: while they are current, EPT01 keeps those pages read-only to L1, and L1's first
 * write to one of them makes the next entry rebuild. Reading and merging 12 KiB on every entry
 * is what it saves; Linux's KVM writes its bitmaps when it changes an intercept, which is rare.
 */
#ifndef L0_BITMAPS02_H
#define L0_BITMAPS02_H

#include <stdbool.h>
#include <stdint.h>

#define L0_BITMAPS02_SOURCES 3 /* L1's MSR bitmap, I/O bitmaps A and B */
#define L0_BITMAPS02_NONE    UINT64_MAX /* a source VMCS12 does not use */

struct l0_bitmaps02 {
	bool current;			      /* VMCS02's bitmaps were built from @src, unwritten */
	uint64_t src[L0_BITMAPS02_SOURCES]; /* L1-physical pages, or L0_BITMAPS02_NONE */
	uint64_t rebuilds;
};

struct l0_vcpu;

/* Before a VM entry to L2: VMCS02's bitmaps for the current VMCS12. False on an EPT01 failure. */
bool l0_bitmaps02_prepare(struct l0_vcpu *v);

/* An EPT violation at L1-physical @gpa: true when it is L1 writing a page the bitmaps were built
 * from (the protection is lifted, and L1 writes again). */
bool l0_bitmaps02_written(struct l0_vcpu *v, uint64_t gpa, uint64_t qualification);

#endif
