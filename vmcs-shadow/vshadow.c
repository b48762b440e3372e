/*
 * vshadow.c: the shadowed field set and the VMREAD/VMWRITE bitmaps (see vshadow.h). Pure.
 */
#include "vmcs-shadow/vshadow.h"

#include <string.h>

void vshadow_select(struct vshadow_set *s, const uint8_t *cpu_has, bool l0_writes_read_only)
{
	s->n_read = s->n_write = 0;
	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		bool read_only = d->flags & VMCS_F_READ_ONLY;

		if (!((cpu_has[i / 8] >> (i % 8)) & 1) || (read_only && !l0_writes_read_only))
			continue;
		s->read[s->n_read++] = (uint16_t)i;
		if (!read_only)
			s->write[s->n_write++] = (uint16_t)i;
	}
}

static void clear_bit(uint8_t *bitmap, uint32_t encoding)
{
	uint32_t bit = encoding & VSHADOW_ENCODING_BITS;

	bitmap[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

/* The full access and, for a 64-bit field, the high access (SDM 25.11.2). */
static void pass(uint8_t *bitmap, const struct vmxe_field_desc *d)
{
	clear_bit(bitmap, d->encoding);
	if (d->width == VMCS_W64)
		clear_bit(bitmap, d->encoding | VMCS_ENC_ACCESS_HIGH);
}

void vshadow_bitmaps(const struct vshadow_set *s, uint8_t vmread[VSHADOW_BITMAP_SIZE],
		     uint8_t vmwrite[VSHADOW_BITMAP_SIZE])
{
	memset(vmread, 0xff, VSHADOW_BITMAP_SIZE);
	memset(vmwrite, 0xff, VSHADOW_BITMAP_SIZE);
	for (unsigned int k = 0; k < s->n_read; k++)
		pass(vmread, vmxe_field_at(s->read[k]));
	for (unsigned int k = 0; k < s->n_write; k++)
		pass(vmwrite, vmxe_field_at(s->write[k]));
}

bool vshadow_exits(const uint8_t bitmap[VSHADOW_BITMAP_SIZE], uint64_t encoding)
{
	if (encoding & ~(uint64_t)VSHADOW_ENCODING_BITS)
		return true;
	return (bitmap[encoding / 8] >> (encoding % 8)) & 1;
}
