/*
 * reloc.c: shifts the absolute pointers of a moved GNU-EFI image (see reloc.h). Pure.
 */
#include "l0/reloc.h"

#include <stdbool.h>
#include <string.h>

struct rela_table {
	const struct l0_elf_rela *first;
	size_t count;
};

static int find_table(const uint8_t *image, size_t size, const struct l0_elf_dyn *dyn,
		      struct rela_table *t)
{
	uint64_t rela = 0, relasz = 0, relaent = 0;
	bool have_rela = false;

	for (; dyn->tag != L0_DT_NULL; dyn++) {
		if (dyn->tag == L0_DT_RELA) {
			rela = dyn->val;
			have_rela = true;
		} else if (dyn->tag == L0_DT_RELASZ) {
			relasz = dyn->val;
		} else if (dyn->tag == L0_DT_RELAENT) {
			relaent = dyn->val;
		}
	}
	if (!have_rela || relaent != sizeof(struct l0_elf_rela) || relasz % relaent)
		return L0_RELOC_ENO_TABLE;
	if (rela > size || relasz > size - rela || rela % _Alignof(struct l0_elf_rela))
		return L0_RELOC_ERANGE;
	t->first = (const struct l0_elf_rela *)(image + rela);
	t->count = relasz / relaent;
	return L0_RELOC_OK;
}

int l0_reloc_shift(uint8_t *image, size_t size, const struct l0_elf_dyn *dynamic, int64_t delta)
{
	struct rela_table t;
	int err = find_table(image, size, dynamic, &t);

	if (err)
		return err;
	for (size_t i = 0; i < t.count; i++) {
		uint32_t type = (uint32_t)t.first[i].info;

		if (type != L0_R_X86_64_RELATIVE && type != L0_R_X86_64_NONE)
			return L0_RELOC_EBAD_TYPE;
		if (t.first[i].offset > size - sizeof(uint64_t))
			return L0_RELOC_ERANGE;
	}
	for (size_t i = 0; i < t.count; i++) {
		uint64_t v;

		if ((uint32_t)t.first[i].info != L0_R_X86_64_RELATIVE)
			continue;
		memcpy(&v, image + t.first[i].offset, sizeof(v));
		v += (uint64_t)delta;
		memcpy(image + t.first[i].offset, &v, sizeof(v));
	}
	return L0_RELOC_OK;
}
