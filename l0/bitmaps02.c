/*
 * bitmaps02.c: VMCS02's bitmaps, rebuilt only when their sources change (see bitmaps02.h).
 */
#include "l0/bitmaps02.h"
#include "l0/util.h"

#include <string.h>

#include "l0/ept01_edit.h"
#include "l0/vcpu.h"
#include "vmx-emul/vmcs02_merge.h"
#include "vmx-emul/vmx_caps.h"


/* The pages VMCS12 takes its bitmaps from. */
static void sources(const struct vmcs12 *v12, uint64_t src[L0_BITMAPS02_SOURCES])
{
	bool io = vmxe_io_bitmap_policy(v12) == VMXE_IO_BITMAPS;

	src[0] = (v12->CPU_BASED_VM_EXEC_CONTROL & VMX_MASK(VMX_PROC_USE_MSR_BITMAPS))
			 ? v12->MSR_BITMAP & L0_PAGE_MASK
			 : L0_BITMAPS02_NONE;
	src[1] = io ? v12->IO_BITMAP_A & L0_PAGE_MASK : L0_BITMAPS02_NONE;
	src[2] = io ? v12->IO_BITMAP_B & L0_PAGE_MASK : L0_BITMAPS02_NONE;
}

/* Write protection of the source pages on or off; false when EPT01 cannot be changed. */
static bool protect(struct l0_vcpu *v, const uint64_t src[L0_BITMAPS02_SOURCES], bool on)
{
	for (unsigned int i = 0; i < L0_BITMAPS02_SOURCES; i++) {
		if (src[i] == L0_BITMAPS02_NONE)
			continue;
		if (!l0_ept01_set_perms(v, src[i], on ? EPTM_W : 0, on ? 0 : EPTM_W, EPTM_MT_WB, true))
			return false;
	}
	return l0_ept01_flush(v);
}

/* Builds the bitmaps from L1's pages; false when a page is not L1 RAM (read as all ones, so
 * every access exits, and nothing to protect: the next entry builds again). */
static bool build(struct l0_vcpu *v, const uint64_t src[L0_BITMAPS02_SOURCES])
{
	struct l0_nested *n = &v->nested;
	static uint8_t l1_bitmap[VMXE_MSR_BITMAP_SIZE];
	bool ram = true;

	if (src[0] != L0_BITMAPS02_NONE) {
		ram &= vmxe_read_l1_bitmap(&n->gmem, src[0], l1_bitmap, sizeof(l1_bitmap)) ==
		       VMXE_GMEM_OK;
		vmxe_msr_bitmap_merge(v->msr_bitmap, l1_bitmap, n->msr_bitmap02);
	} else {
		vmxe_msr_bitmap_merge(v->msr_bitmap, NULL, n->msr_bitmap02);
	}
	if (src[1] != L0_BITMAPS02_NONE) {
		ram &= vmxe_read_l1_bitmap(&n->gmem, src[1], n->io_bitmap02, VMXE_IO_BITMAP_SIZE) ==
		       VMXE_GMEM_OK;
		ram &= vmxe_read_l1_bitmap(&n->gmem, src[2], n->io_bitmap02 + VMXE_IO_BITMAP_SIZE,
					   VMXE_IO_BITMAP_SIZE) == VMXE_GMEM_OK;
	}
	return ram;
}

bool l0_bitmaps02_prepare(struct l0_vcpu *v)
{
	struct l0_bitmaps02 *b = &v->nested.bitmaps;
	uint64_t src[L0_BITMAPS02_SOURCES];

	sources(v->nested.vmx.vmcs12, src);
	if (b->current && memcmp(src, b->src, sizeof(src)) == 0)
		return true;
	if (b->current && !protect(v, b->src, false))
		return false;
	b->rebuilds++;
	b->current = build(v, src);
	memcpy(b->src, src, sizeof(src));
	return !b->current || protect(v, src, true);
}

bool l0_bitmaps02_written(struct l0_vcpu *v, uint64_t gpa, uint64_t qualification)
{
	struct l0_bitmaps02 *b = &v->nested.bitmaps;
	bool hit = false;

	if (!b->current || !(qualification & EPTM_QUAL_WRITE))
		return false;
	for (unsigned int i = 0; i < L0_BITMAPS02_SOURCES; i++)
		hit |= b->src[i] == (gpa & L0_PAGE_MASK);
	if (!hit)
		return false;
	b->current = false;
	if (!protect(v, b->src, false))
		l0_fatal_stop(v, "cannot lift the write protection of L1's bitmap pages");
	return true;
}
