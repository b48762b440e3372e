/*
 * A minimal KVM virtual machine for L2 workloads: one memory slot (and optionally a second of
 * untouched pages), one vCPU in flat 32-bit protected mode (optionally with 32-bit paging), and
 * the vCPU's exit counter. Runs in L1 userspace on /dev/kvm.
 */
#ifndef TURTLE_GUESTS_KVM_VM_H
#define TURTLE_GUESTS_KVM_VM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define L2VM_ERR_MAX 256
#define L2VM_PATH_MAX 128

struct l2vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run; /* the vCPU's shared run structure (mmap of vcpu_fd) */
	size_t run_size;
	uint8_t *mem; /* L2 guest-physical 0 .. L2_MEM_SIZE */
	uint8_t *fresh; /* slot 1, from l2vm_add_fresh_slot; NULL without */
	size_t fresh_size;
	/* Where the vCPU's "exits" counter is read: a binary stats fd, or a debugfs file. */
	int stats_fd;
	uint64_t exits_offset;
	char exits_debugfs[L2VM_PATH_MAX];
	char err[L2VM_ERR_MAX]; /* why the last call failed */
};

/* Each returns 0 on success, -1 with vm->err set on failure. */
int l2vm_create(struct l2vm *vm);
int l2vm_load(struct l2vm *vm, uint64_t gpa, const void *src, size_t len);
/*
 * Adds memory slot 1: @size bytes at guest-physical @gpa that nobody touches before L2 does, so
 * that L2's first touch of each 4 KiB page is a fault in L1 (no transparent huge pages).
 */
int l2vm_add_fresh_slot(struct l2vm *vm, uint64_t gpa, size_t size);
int l2vm_start_flat32(struct l2vm *vm, uint64_t rip, uint64_t rsp);
/* After l2vm_start_flat32: turns on 32-bit paging (4 KiB pages) with the directory at @page_dir. */
int l2vm_enable_paging32(struct l2vm *vm, uint64_t page_dir);
int l2vm_run(struct l2vm *vm);
int l2vm_read_exits(struct l2vm *vm, uint64_t *exits);
void l2vm_destroy(struct l2vm *vm);

/* A one-line description of the last exit, for error messages. */
void l2vm_describe_exit(const struct l2vm *vm, char *buf, size_t size);

#endif
