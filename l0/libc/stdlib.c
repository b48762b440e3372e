/*
 * stdlib.c: qsort for l0.efi, whose only caller is Capstone (cmake/capstone_efi.cmake), which
 * sorts one table of about a hundred entries once. Only in the EFI build. An insertion sort
 * needs no allocation and no recursion, and that table is small.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		uint8_t t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *b = base;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			swap_bytes(b + (j - 1) * size, b + j * size, size);
}
