/*
 * console.c: L0's console (see console.h). Touches hardware: the 16550 UART at COM1, by port
 * I/O. Nothing goes to the firmware's ConOut: OVMF mirrors ConOut onto the same serial port,
 * and every line would then appear twice.
 */
#include "l0/util.h"
#include "l0/console.h"

#include <efilib.h>
#include <stdarg.h>

#include "l0/cpu.h"
#include "l0/fmt.h"
#include "l0/trace.h"

#define COM1_BASE 0x3F8
#define UART_LSR 5		  /* line status register */
#define UART_LSR_THRE 0x20	  /* transmit holding register empty */
#define UART_ABSENT 0xFF	  /* what a read of a missing UART returns */
#define UART_SPIN_LIMIT 100000	  /* give up on a UART that never drains */
#define LINE_MAX (L0_TRACE_JSON_MAX + 64) /* the longest record: the exit counters */

static void serial_putc(char c)
{
	for (int spin = 0; spin < UART_SPIN_LIMIT; spin++) {
		uint8_t lsr = l0_inb(COM1_BASE + UART_LSR);

		if (lsr == UART_ABSENT)
			return;
		if (lsr & UART_LSR_THRE)
			break;
	}
	l0_outb(COM1_BASE, (uint8_t)c);
}

static void serial_write(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* Static: L0's stack is small, and L0 runs on one CPU with interrupts off. */
static char line[LINE_MAX];

void l0_log(const char *fmt, ...)
{
	va_list ap;
	int n = l0_snprintf(line, sizeof(line), "l0: ");

	va_start(ap, fmt);
	l0_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	serial_write(line);
	serial_write("\n");
}

void l0_record(const char *kind, const char *fmt, ...)
{
	va_list ap;
	int n = l0_snprintf(line, sizeof(line), "{\"turtle\":\"%s\",", kind);

	va_start(ap, fmt);
	n += l0_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	serial_write(line);
	serial_write("}\n");
}

const char *l0_efi_status_name(EFI_STATUS status)
{
	static const struct {
		EFI_STATUS status;
		const char *name;
	} names[] = {
		{ EFI_SUCCESS, "EFI_SUCCESS" },
		{ EFI_LOAD_ERROR, "EFI_LOAD_ERROR" },
		{ EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER" },
		{ EFI_UNSUPPORTED, "EFI_UNSUPPORTED" },
		{ EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL" },
		{ EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR" },
		{ EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES" },
		{ EFI_VOLUME_CORRUPTED, "EFI_VOLUME_CORRUPTED" },
		{ EFI_NOT_FOUND, "EFI_NOT_FOUND" },
		{ EFI_ACCESS_DENIED, "EFI_ACCESS_DENIED" },
		{ EFI_SECURITY_VIOLATION, "EFI_SECURITY_VIOLATION" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].status == status)
			return names[i].name;
	}
	return "EFI error";
}
