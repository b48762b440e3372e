/*
 * json.c: JSON string escaping for L0's machine-readable records (RFC 8259 section 7).
 * Pure code, no hardware.
 */
#include "l0/json.h"

#include "l0/fmt.h"

size_t l0_json_escape(char *dst, size_t size, const char *src)
{
	size_t used = 0;

	if (!size)
		return 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[8];
		size_t n;

		if (c == '"' || c == '\\')
			n = (size_t)l0_snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			n = (size_t)l0_snprintf(esc, sizeof(esc), "\\n");
		else if (c < 0x20)
			n = (size_t)l0_snprintf(esc, sizeof(esc), "\\u%04x", c);
		else
			n = (size_t)l0_snprintf(esc, sizeof(esc), "%c", c);
		if (used + n + 1 > size)
			break;
		for (size_t i = 0; i < n; i++)
			dst[used++] = esc[i];
	}
	dst[used] = '\0';
	return used;
}
