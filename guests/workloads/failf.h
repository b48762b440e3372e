/*
 * The workload runner's error convention: a failing function writes one line saying why into the
 * caller's buffer and returns -1. Touches no hardware.
 */
#ifndef TURTLE_GUESTS_FAILF_H
#define TURTLE_GUESTS_FAILF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int __attribute__((format(printf, 3, 4)))
failf(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
