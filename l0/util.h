/*
 * util.h: tiny helpers every L0 file may use. Pure, no hardware.
 */
#ifndef L0_UTIL_H
#define L0_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
