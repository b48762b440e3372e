/*
 * vshadow.h: which VMCS fields L1 reads and writes in the CPU's shadow VMCS without exiting to
 * L0, and the VMREAD/VMWRITE bitmaps that say so (SDM Vol. 3C 25.6.15, 26.10 "VMCS Shadowing").
 * L0 shadows every field of vmcs_fields.def that the CPU's VMCS has: the fewer of L1's VMREADs
 * and VMWRITEs exit, the closer an L2 exit comes to its floor of two L0 exits; what it costs is
 * L0 copying those fields between VMCS12 and the shadow VMCS at the few points where L0 itself
 * reads or writes VMCS12 (l0/shadow.c). Pure.
 */
#ifndef VSHADOW_H
#define VSHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx-emul/vmcs12.h"

#define VSHADOW_BITMAP_SIZE 4096u
/* A bitmap bit is indexed by bits 14:0 of the encoding; wider encodings always exit. */
#define VSHADOW_ENCODING_BITS 0x7fffu

/* The shadowed fields, as indices into the field table. */
struct vshadow_set {
	uint16_t read[VMCS_FIELD_COUNT];  /* L1's VMREAD does not exit */
	uint16_t n_read;
	uint16_t write[VMCS_FIELD_COUNT]; /* L1's VMWRITE does not exit either (a subset) */
	uint16_t n_write;
};

/*
 * Chooses the fields: those the CPU has (@cpu_has: a bit per table index), all of them readable
 * by L1 and the writable ones writable. Read-only fields (exit information) are shadowed only
 * when L0 can write them into the shadow VMCS (@l0_writes_read_only: IA32_VMX_MISC bit 29).
 */
void vshadow_select(struct vshadow_set *s, const uint8_t *cpu_has, bool l0_writes_read_only);

/* The two bitmaps: every bit set (exit) but those of @s's fields, full and high access. */
void vshadow_bitmaps(const struct vshadow_set *s, uint8_t vmread[VSHADOW_BITMAP_SIZE],
		     uint8_t vmwrite[VSHADOW_BITMAP_SIZE]);

/* Whether L1's VMREAD (@write false) or VMWRITE of @encoding exits under @bitmap. */
bool vshadow_exits(const uint8_t bitmap[VSHADOW_BITMAP_SIZE], uint64_t encoding);

#endif
