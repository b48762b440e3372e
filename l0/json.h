/*
 * json.h: escaping strings for the JSON records L0 prints on the serial console.
 * Pure code, no hardware.
 */
#ifndef L0_JSON_H
#define L0_JSON_H

#include <stddef.h>

/* Writes src into dst as the inside of a JSON string (quotes, backslashes and control
 * characters escaped); always NUL-terminates when size > 0, truncating at a character
 * boundary. Returns the number of characters written. */
size_t l0_json_escape(char *dst, size_t size, const char *src);

#endif
