/*
 * fmt.h: L0's string formatting, a printf subset that needs no libc.
 *
 * Pure code: compiled into l0.efi (where there is no libc) and into the host library that the
 * tests use. Supports %d %i %u %x %X %o %c %s %p %%, the flags '-', '0', a width (number or '*'),
 * a precision for %s (number or '*'), and the length modifiers hh h l ll z j t.
 */
#ifndef L0_FMT_H
#define L0_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (always NUL-terminated when size > 0); returns the length the full output
 * would have had, as C's vsnprintf does, so callers can detect truncation. */
int l0_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int l0_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
