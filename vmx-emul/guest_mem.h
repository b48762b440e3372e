/*
 * guest_mem.h: how pure vmx-emul code reaches L1's memory: guest-physical reads and writes
 * through callbacks. L0 implements them over EPT01 (refusing L0's own pages and anything that
 * is not L1 RAM); the host tests implement them over a buffer. Every VMCS12 pointer, bitmap
 * address and page-table entry that L1 supplies goes through here, so a wild pointer from L1
 * is an error value, never an L0 access.
 */
#ifndef VMXE_GUEST_MEM_H
#define VMXE_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

enum vmxe_gmem_status {
	VMXE_GMEM_OK = 0,
	VMXE_GMEM_UNMAPPED = -1, /* some byte is not L1 RAM (a hole, MMIO, or L0's own memory) */
};

struct vmxe_gmem {
	/* Copies @len bytes at L1-physical @gpa; the range may cross pages. */
	int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	void *ctx;
};

static inline int vmxe_gmem_read(const struct vmxe_gmem *m, uint64_t gpa, void *buf, size_t len)
{
	return m->read(m->ctx, gpa, buf, len);
}

static inline int vmxe_gmem_write(const struct vmxe_gmem *m, uint64_t gpa, const void *buf,
				  size_t len)
{
	return m->write(m->ctx, gpa, buf, len);
}

#endif
