/*
 * reloc.h: moving a loaded l0.efi. GNU-EFI images are position-independent ELF objects whose
 * absolute pointers are listed as R_X86_64_RELATIVE entries in the image's own .rela table (the
 * firmware's loader never sees them; crt0 applies them at entry). L0 copies itself into memory
 * the firmware marks reserved and shifts those pointers by the distance moved. Pure.
 */
#ifndef L0_RELOC_H
#define L0_RELOC_H

#include <stddef.h>
#include <stdint.h>

/* ELF64 (System V ABI, x86-64 supplement): the few dynamic tags and the one relocation type. */
#define L0_DT_NULL 0
#define L0_DT_RELA 7
#define L0_DT_RELASZ 8
#define L0_DT_RELAENT 9
#define L0_R_X86_64_NONE 0
#define L0_R_X86_64_RELATIVE 8

struct l0_elf_dyn {
	int64_t tag;
	uint64_t val;
};

struct l0_elf_rela {
	uint64_t offset;
	uint64_t info; /* type in bits 31:0 */
	int64_t addend;
};

enum l0_reloc_status {
	L0_RELOC_OK = 0,
	L0_RELOC_ENO_TABLE = -1, /* the dynamic section has no RELA table, or a bad entry size */
	L0_RELOC_EBAD_TYPE = -2, /* a relocation other than RELATIVE (or NONE): not movable */
	L0_RELOC_ERANGE = -3,    /* a relocation or the table outside the image */
};

/*
 * Adds @delta to every pointer that a RELATIVE entry of @image's RELA table locates. @image is
 * @size bytes, laid out as linked from address 0; @dynamic is its dynamic section (in @image).
 * Nothing is written unless the whole table checks out.
 */
int l0_reloc_shift(uint8_t *image, size_t size, const struct l0_elf_dyn *dynamic, int64_t delta);

#endif
