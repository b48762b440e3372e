/*
 * console.h: L0's output, on the first serial port (COM1), which is L0's own console: human-
 * readable lines prefixed with "l0: ", and one-line JSON records that the host harness parses.
 */
#ifndef L0_CONSOLE_H
#define L0_CONSOLE_H

#include <efi.h>

/* A human-readable line, prefixed with "l0: ". */
void l0_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A machine-readable record: fmt must produce the inside of a JSON object, without braces;
 * the line printed is {"turtle":"<kind>",<fields>}. */
void l0_record(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The UEFI name of a status code, e.g. "EFI_NOT_FOUND", for diagnostics. */
const char *l0_efi_status_name(EFI_STATUS status);

#endif
