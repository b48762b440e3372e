/*
 * What l2run serves for L2 (see devices.h). The echo device expects, for each iteration, a 32-bit
 * write of the iteration number followed by a 32-bit read, which it answers with the value
 * written XOR L2_ECHO_XOR: so the device checks L2's writes, and L2 checks the device's answers.
 * Touches no hardware.
 */
#include "devices.h"
#include "failf.h"

#include <inttypes.h>
#include <string.h>

#define ECHO_WIDTH 4 /* bytes per access: OUTL/INL and 32-bit MOVs */

static void count_served(struct l2dev *dev)
{
	dev->served++;
	dev->mb->served = dev->served;
}

/* A write of the iteration number, L2's first half of an echo. */
static int echo_write(struct l2dev *dev, uint32_t value, char *err, size_t err_size)
{
	if (dev->written)
		return failf(err, err_size,
			     "echo: write of 0x%" PRIx32 " while 0x%" PRIx32
			     " still waits for its read",
			     value, dev->last);
	if (value != dev->served)
		return failf(err, err_size,
			     "echo: write %" PRIu32 " wrote 0x%" PRIx32
			     ", want its iteration number",
			     dev->served, value);
	dev->written = true;
	dev->last = value;
	return 0;
}

/*
 * A read, the second half: puts the answer to the last write, transformed, in KVM's buffer for
 * the read (@data, 4 bytes), and counts the iteration.
 */
static int echo_read(struct l2dev *dev, uint8_t *data, char *err, size_t err_size)
{
	uint32_t answer = dev->last ^ L2_ECHO_XOR;

	if (!dev->written)
		return failf(err, err_size, "echo: read %" PRIu32 " without a write before it",
			     dev->served);
	memcpy(data, &answer, sizeof(answer));
	dev->written = false;
	count_served(dev);
	return 0;
}

int l2dev_echo_io(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size)
{
	/* KVM puts the port's data in the run page, at data_offset. */
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t value;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != L2_ECHO_PORT)
		return failf(err, err_size,
			     "echo: want an I/O exit on port 0x%x, got exit %" PRIu32, L2_ECHO_PORT,
			     run->exit_reason);
	if (run->io.size != ECHO_WIDTH || run->io.count != 1)
		return failf(err, err_size,
			     "echo: port access of %u x %" PRIu32 " bytes, want 1 x %d",
			     run->io.size, run->io.count, ECHO_WIDTH);
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		memcpy(&value, data, sizeof(value));
		return echo_write(dev, value, err, err_size);
	}
	return echo_read(dev, data, err, err_size);
}

int l2dev_echo_mmio(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size)
{
	uint32_t value;

	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != L2_ECHO_MMIO_GPA)
		return failf(err, err_size, "echo: want an MMIO exit at 0x%x, got exit %" PRIu32,
			     L2_ECHO_MMIO_GPA, run->exit_reason);
	if (run->mmio.len != ECHO_WIDTH)
		return failf(err, err_size, "echo: MMIO access of %" PRIu32 " bytes, want %d",
			     run->mmio.len, ECHO_WIDTH);
	if (run->mmio.is_write) {
		memcpy(&value, run->mmio.data, sizeof(value));
		return echo_write(dev, value, err, err_size);
	}
	return echo_read(dev, run->mmio.data, err, err_size);
}

/* KVM has already moved RIP past the HLT: counting it is all there is to serve. */
int l2dev_hlt(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size)
{
	if (run->exit_reason != KVM_EXIT_HLT)
		return failf(err, err_size, "want a HLT exit, got exit %" PRIu32, run->exit_reason);
	count_served(dev);
	return 0;
}

int l2dev_check(const struct l2dev *dev, uint32_t iterations, char *err, size_t err_size)
{
	if (dev->written)
		return failf(err, err_size, "echo: the write of 0x%" PRIx32 " was never read back",
			     dev->last);
	if (dev->served != iterations)
		return failf(err, err_size, "l2run served %" PRIu32 " operations, want %" PRIu32,
			     dev->served, iterations);
	return 0;
}
