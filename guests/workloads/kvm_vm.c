/*
 * A minimal KVM virtual machine for L2 workloads (see kvm_vm.h). Uses only the KVM API on
 * /dev/kvm; the hardware it ends up touching is L1's virtual VT-x, through L1's KVM.
 */
#define _GNU_SOURCE
#include "kvm_vm.h"
#include "l2guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_DEV "/dev/kvm"
#define KVM_DEBUGFS "/sys/kernel/debug/kvm"
#define EXITS_STAT_NAME "exits"
/*
 * Intel KVM needs a 3-page TSS region outside guest RAM when it must emulate real mode (no
 * unrestricted guest, e.g. kvm_intel ept=0); the address QEMU uses is above any slot we make.
 */
#define L2VM_TSS_ADDR 0xfffbd000u
#define CPUID_ENTRIES_FIRST 64
#define CPUID_ENTRIES_MAX 4096

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define RFLAGS_RESERVED1 (1u << 1)
#define SEG_TYPE_CODE_XRA 0xb /* execute/read, accessed */
#define SEG_TYPE_DATA_RWA 0x3 /* read/write, accessed */
#define SEG_LIMIT_4G 0xffffffffu
#define FRESH_SLOT 1

static int fail(struct l2vm *vm, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

static int fail_errno(struct l2vm *vm, const char *what)
{
	return fail(vm, "%s: %s", what, strerror(errno));
}

/* Copies as much of KVM's supported CPUID into the vCPU as KVM reports, so L2 sees a real CPU. */
static int set_supported_cpuid(struct l2vm *vm)
{
	for (unsigned int n = CPUID_ENTRIES_FIRST; n <= CPUID_ENTRIES_MAX; n *= 2) {
		size_t size = sizeof(struct kvm_cpuid2) + n * sizeof(struct kvm_cpuid_entry2);
		struct kvm_cpuid2 *cpuid = calloc(1, size);
		int rc;

		if (!cpuid)
			return fail(vm, "out of memory for %u CPUID entries", n);
		cpuid->nent = n;
		rc = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (rc < 0 && errno == E2BIG) {
			free(cpuid);
			continue;
		}
		if (rc < 0) {
			free(cpuid);
			return fail_errno(vm, "KVM_GET_SUPPORTED_CPUID");
		}
		rc = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
		free(cpuid);
		return rc < 0 ? fail_errno(vm, "KVM_SET_CPUID2") : 0;
	}
	return fail(vm, "KVM_GET_SUPPORTED_CPUID: more than %d entries", CPUID_ENTRIES_MAX);
}

/* Finds the vCPU's "exits" counter in its binary stats (KVM_GET_STATS_FD, Linux 5.14+). */
static int find_exits_stat(struct l2vm *vm)
{
	struct kvm_stats_header hdr;
	size_t desc_size, all_size;
	char *descs;
	int rc = -1;

	if (pread(vm->stats_fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return fail_errno(vm, "reading KVM stats header");
	desc_size = sizeof(struct kvm_stats_desc) + hdr.name_size;
	all_size = desc_size * hdr.num_desc;
	descs = malloc(all_size);
	if (!descs)
		return fail(vm, "out of memory for KVM stats descriptors");
	if (pread(vm->stats_fd, descs, all_size, hdr.desc_offset) != (ssize_t)all_size) {
		fail_errno(vm, "reading KVM stats descriptors");
		goto out;
	}
	fail(vm, "KVM stats have no \"%s\" counter", EXITS_STAT_NAME);
	for (uint32_t i = 0; i < hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * desc_size);

		if (strncmp(d->name, EXITS_STAT_NAME, hdr.name_size) == 0) {
			vm->exits_offset = (uint64_t)hdr.data_offset + d->offset;
			rc = 0;
			break;
		}
	}
out:
	free(descs);
	return rc;
}

/* Older kernels: debugfs keeps one directory per VM, named <pid>-<vm fd>. */
static int use_debugfs_exits(struct l2vm *vm)
{
	snprintf(vm->exits_debugfs, sizeof(vm->exits_debugfs), "%s/%d-%d/%s", KVM_DEBUGFS,
		 (int)getpid(), vm->vm_fd, EXITS_STAT_NAME);
	if (access(vm->exits_debugfs, R_OK) < 0)
		return fail(vm, "no KVM_GET_STATS_FD and %s: %s", vm->exits_debugfs, strerror(errno));
	return 0;
}

static int open_exits_counter(struct l2vm *vm)
{
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0) {
		vm->stats_fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, 0);
		if (vm->stats_fd < 0)
			return fail_errno(vm, "KVM_GET_STATS_FD");
		return find_exits_stat(vm);
	}
	return use_debugfs_exits(vm);
}

static int add_memory(struct l2vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = L2_MEM_SIZE,
	};

	vm->mem = mmap(NULL, L2_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return fail_errno(vm, "mmap of L2 memory");
	}
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail_errno(vm, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

int l2vm_add_fresh_slot(struct l2vm *vm, uint64_t gpa, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = FRESH_SLOT,
		.guest_phys_addr = gpa,
		.memory_size = size,
	};

	if (vm->fresh)
		return fail(vm, "slot %d is already there", FRESH_SLOT);
	vm->fresh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->fresh == MAP_FAILED) {
		vm->fresh = NULL;
		return fail_errno(vm, "mmap of L2's fresh pages");
	}
	vm->fresh_size = size;
	/* A huge page would serve 512 first touches with one fault, in L1 and in KVM's EPT. */
	if (madvise(vm->fresh, size, MADV_NOHUGEPAGE) < 0)
		return fail_errno(vm, "madvise(MADV_NOHUGEPAGE) of L2's fresh pages");
	region.userspace_addr = (uintptr_t)vm->fresh;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail_errno(vm, "KVM_SET_USER_MEMORY_REGION (fresh pages)");
	return 0;
}

static int add_vcpu(struct l2vm *vm)
{
	int size;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return fail_errno(vm, "KVM_CREATE_VCPU");
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return fail_errno(vm, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return fail_errno(vm, "mmap of kvm_run");
	}
	return set_supported_cpuid(vm);
}

int l2vm_create(struct l2vm *vm)
{
	int version;

	*vm = (struct l2vm){ .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .stats_fd = -1 };
	vm->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail_errno(vm, "open " KVM_DEV);
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return fail(vm, "KVM API version %d, want %d", version, KVM_API_VERSION);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail_errno(vm, "KVM_CREATE_VM");
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)L2VM_TSS_ADDR) < 0)
		return fail_errno(vm, "KVM_SET_TSS_ADDR");
	if (add_memory(vm) < 0 || add_vcpu(vm) < 0)
		return -1;
	return open_exits_counter(vm);
}

int l2vm_load(struct l2vm *vm, uint64_t gpa, const void *src, size_t len)
{
	if (gpa > L2_MEM_SIZE || len > L2_MEM_SIZE - gpa)
		return fail(vm, "load of %zu bytes at 0x%llx is outside L2 memory", len,
			    (unsigned long long)gpa);
	memcpy(vm->mem + gpa, src, len);
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = SEG_LIMIT_4G,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = 1, /* 32-bit */
		.s = 1,	 /* code/data, not system */
		.l = 0,
		.g = 1, /* limit in 4 KiB units */
	};
}

int l2vm_start_flat32(struct l2vm *vm, uint64_t rip, uint64_t rsp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = rip, .rsp = rsp, .rflags = RFLAGS_RESERVED1 };

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return fail_errno(vm, "KVM_GET_SREGS");
	/* Protected mode, no paging: the hidden segment state is all the CPU needs, no GDT. */
	sregs.cs = flat_segment(L2_CODE_SELECTOR, SEG_TYPE_CODE_XRA);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(L2_DATA_SELECTOR, SEG_TYPE_DATA_RWA);
	sregs.cr0 = CR0_PE | CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return fail_errno(vm, "KVM_SET_SREGS");
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return fail_errno(vm, "KVM_SET_REGS");
	return 0;
}

int l2vm_enable_paging32(struct l2vm *vm, uint64_t page_dir)
{
	struct kvm_sregs sregs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return fail_errno(vm, "KVM_GET_SREGS");
	/* CR4 stays 0: no PSE and no PAE, so 4 KiB pages through a two-level walk. */
	sregs.cr3 = page_dir;
	sregs.cr0 |= CR0_PG;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return fail_errno(vm, "KVM_SET_SREGS (paging)");
	return 0;
}

int l2vm_run(struct l2vm *vm)
{
	/* A signal may interrupt KVM_RUN before the guest did anything; just enter again. */
	while (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return fail_errno(vm, "KVM_RUN");
	}
	return 0;
}

static int read_debugfs_u64(struct l2vm *vm, const char *path, uint64_t *value)
{
	FILE *f = fopen(path, "r");
	unsigned long long v;
	int n;

	if (!f)
		return fail_errno(vm, path);
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return fail(vm, "%s: not a number", path);
	*value = v;
	return 0;
}

int l2vm_read_exits(struct l2vm *vm, uint64_t *exits)
{
	if (vm->stats_fd < 0)
		return read_debugfs_u64(vm, vm->exits_debugfs, exits);
	if (pread(vm->stats_fd, exits, sizeof(*exits), (off_t)vm->exits_offset) !=
	    (ssize_t)sizeof(*exits))
		return fail_errno(vm, "reading KVM exits counter");
	return 0;
}

void l2vm_describe_exit(const struct l2vm *vm, char *buf, size_t size)
{
	const struct kvm_run *r = vm->run;

	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, size, "exit reason %u (IO %s port 0x%x)", r->exit_reason,
			 r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", r->io.port);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, size, "exit reason %u (MMIO %s at 0x%llx)", r->exit_reason,
			 r->mmio.is_write ? "write" : "read",
			 (unsigned long long)r->mmio.phys_addr);
		break;
	case KVM_EXIT_HLT:
		snprintf(buf, size, "exit reason %u (HLT)", r->exit_reason);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, size, "exit reason %u (entry failed, hardware reason 0x%llx)",
			 r->exit_reason,
			 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, size, "exit reason %u (KVM internal error, suberror %u)",
			 r->exit_reason, r->internal.suberror);
		break;
	default:
		snprintf(buf, size, "exit reason %u", r->exit_reason);
		break;
	}
}

void l2vm_destroy(struct l2vm *vm)
{
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->mem)
		munmap(vm->mem, L2_MEM_SIZE);
	if (vm->fresh)
		munmap(vm->fresh, vm->fresh_size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}
