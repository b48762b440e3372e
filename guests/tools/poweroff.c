/*
 * turtle-poweroff: ends the Bochs emulator from inside the guest. Under UEFI, Linux's poweroff
 * only halts in Bochs; Bochs exits when the string "Shutdown" is written byte by byte to its
 * shutdown port. Touches I/O port 0x8900. Returns (exit status 1) if nothing happened, so that
 * the caller can fall back to an ordinary power-off.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#define BOCHS_SHUTDOWN_PORT 0x8900
#define BOCHS_SHUTDOWN_MAGIC "Shutdown"
#define CONSOLE "/dev/console"

/*
 * A write to the serial console returns once the bytes are in the kernel's buffer; Bochs would
 * exit with the last records still unsent. Wait until the UART has sent everything.
 */
static void drain_console(void)
{
	int fd = open(CONSOLE, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		perror("turtle-poweroff: open " CONSOLE);
		return;
	}
	if (tcdrain(fd) < 0)
		perror("turtle-poweroff: tcdrain " CONSOLE);
	close(fd);
}

int main(void)
{
	const char *magic = BOCHS_SHUTDOWN_MAGIC;

	if (ioperm(BOCHS_SHUTDOWN_PORT, 1, 1) < 0) {
		perror("turtle-poweroff: ioperm");
		return 1;
	}
	fflush(NULL);
	drain_console();
	for (size_t i = 0; i < strlen(magic); i++)
		outb((unsigned char)magic[i], BOCHS_SHUTDOWN_PORT);
	/* Still here: not Bochs, or its shutdown port is disabled. */
	fprintf(stderr, "turtle-poweroff: port 0x%x did not stop the machine\n", BOCHS_SHUTDOWN_PORT);
	return 1;
}
