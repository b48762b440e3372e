/*
 * The L1-user-space side of the L2 operations that KVM hands to user space (devices.c): the echo
 * device of io (an I/O port) and mmio (a guest-physical address in no memory slot), and the HLT
 * counter of hlt. Touches no hardware: only KVM's struct kvm_run and L2's mailbox.
 */
#ifndef TURTLE_GUESTS_DEVICES_H
#define TURTLE_GUESTS_DEVICES_H

#include "l2guest.h"

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct l2dev {
	uint32_t served; /* operations served so far */
	/* L2's mailbox: served is copied to mb->served, where the guest sees it. */
	struct l2_mailbox *mb;
	bool written;  /* the echo device holds a write that no read has answered yet */
	uint32_t last; /* that write's value */
};

/*
 * Serves one exit from KVM_RUN (not the done signal): checks that it is the operation the
 * workload makes, answers it in @run when it is a read, and counts it. Returns 0 to resume L2,
 * -1 with err set when the exit is wrong.
 */
typedef int (*l2dev_handler)(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size);

int l2dev_echo_io(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size);
int l2dev_echo_mmio(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size);
int l2dev_hlt(struct l2dev *dev, struct kvm_run *run, char *err, size_t err_size);

/* After the run: the device served exactly @iterations operations and holds no half-done one. */
int l2dev_check(const struct l2dev *dev, uint32_t iterations, char *err, size_t err_size);

#endif
