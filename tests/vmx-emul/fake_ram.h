/*
 * fake_ram.h: L1 memory for the vmx-emul tests: a host buffer behind struct vmxe_gmem, with a
 * refused range standing for L0's pages (every access touching it fails, as L0's checked access
 * does) and a count of writes.
 */
#ifndef TESTS_VMX_EMUL_FAKE_RAM_H
#define TESTS_VMX_EMUL_FAKE_RAM_H

#include <stdint.h>

#include "vmx-emul/guest_mem.h"

struct fake_ram {
	uint8_t *ram;
	uint64_t size;			   /* L1-physical [0, size) exists */
	uint64_t refused_lo, refused_hi; /* of which [lo, hi) is refused */
	unsigned int writes;		   /* successful writes */
};

/* @size bytes of zeroed RAM, of which [@refused_lo, @refused_hi) refused; aborts the test when
 * out of memory. */
void fake_ram_init(struct fake_ram *f, uint64_t size, uint64_t refused_lo, uint64_t refused_hi);
void fake_ram_free(struct fake_ram *f);

struct vmxe_gmem fake_ram_gmem(struct fake_ram *f);

#endif
