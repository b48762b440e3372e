/*
 * util.h: tiny helpers every L0 file may use. Pure, no hardware.
 */
#ifndef L0_UTIL_H
#define L0_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define L0_PAGE_SIZE 4096ull
#define L0_PAGE_MASK (~(L0_PAGE_SIZE - 1)) /* the page of an address: its offset cleared */
/* A macro's value as a string literal, e.g. for a usage message. */
#define L0_STR_(x) #x
#define L0_STR(x) L0_STR_(x)

#endif
