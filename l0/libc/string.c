/*
 * string.c: the C string functions that l0.efi needs. Only in the EFI build: the host build
 * uses the C library. Freestanding, no hardware. memcpy and memset replace GNU-EFI's byte loops
 * (l0/CMakeLists.txt links a copy of libefi.a where those are weak): L0 copies and clears whole
 * VMCS images and bitmaps on every nested VM entry and exit, and a string instruction does that
 * in one instruction rather than thousands.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsq; movq %3, %%rcx; rep movsb"
			 : "+D"(d), "+S"(src), "+c"((size_t){ n / 8 })
			 : "r"(n % 8)
			 : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	uint64_t pattern = 0x0101010101010101ull * (uint8_t)c;

	__asm__ volatile("rep stosq; movq %3, %%rcx; rep stosb"
			 : "+D"(d), "+c"((size_t){ n / 8 })
			 : "a"(pattern), "r"(n % 8)
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] - y[i];
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

/* Capstone's register and instruction names (cmake/capstone_efi.cmake). */
char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}
