/*
 * efi_cmdline.h: where L0's command line comes from: l0.efi's load options or, when they are
 * empty, the configuration file beside l0.efi (L0_CONFIG_FILE).
 */
#ifndef L0_EFI_CMDLINE_H
#define L0_EFI_CMDLINE_H

#include <efi.h>
#include <stddef.h>

#define L0_CONFIG_FILE L"l0.cfg"

/* Fills buf with L0's command line as ASCII and names its source in source ("load options"
 * or the configuration file's path). */
EFI_STATUS l0_efi_read_cmdline(EFI_LOADED_IMAGE *self, char *buf, size_t size, char *source,
			       size_t source_size);

/* Converts ASCII to UCS-2 (for the firmware); returns the characters written, without the NUL,
 * or -1 if it does not fit. */
int l0_ascii_to_ucs2(CHAR16 *dst, size_t size, const char *src);

#endif
