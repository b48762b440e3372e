/*
 * l2run: runs one workload and prints one JSON result record.
 *
 *   l2run [--level l1|l2] WORKLOAD ITERATIONS
 *
 * At level l2 (the default) the workload is a blob of 32-bit guest code (l2guest.S) that performs
 * ITERATIONS operations of one exit kind under L1's KVM, timed with RDTSC inside L2; l2run serves
 * the operations KVM hands to user space (devices.c), checks that the guest completed and verified
 * them, and reports the TSC delta and how many exits KVM took for the vCPU meanwhile. Touches
 * /dev/kvm. vmlife is the exception: its operation is a whole VM (create, run 10 CPUIDs, destroy),
 * so l2run times ITERATIONS of them in L1. At level l1 the same operation loop (l1native.S) runs
 * right here in L1 user space, for when L1 has no VMX (L0 hides it) or its own cost is the
 * question; a workload whose operation needs a hypervisor below it (a port or address that KVM
 * serves, HLT, VMCALL, a VM of its own) has none there.
 */
#define _GNU_SOURCE
#include "devices.h"
#include "failf.h"
#include "fresh_pages.h"
#include "kvm_vm.h"
#include "l1_busy.h"
#include "l1native.h"
#include "l2guest.h"

#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm_para.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#define EXIT_USAGE 2
#define ERR_MAX 512
#define JSON_ERR_MAX (2 * ERR_MAX)
#define U64_TEXT_MAX 24 /* 20 digits and a NUL */
/* Bounds the userspace exits a workload may take, so a confused guest cannot loop forever. */
#define MAX_USERSPACE_EXITS_PER_ITERATION 4
#define USERSPACE_EXITS_SLACK 16
#define MAX_PHASES 3
#define EXTRA_TEXT_MAX (64 + (MAX_PHASES + 1) * (20 + U64_TEXT_MAX))

_Static_assert(L2_VMCALL_ENOSYS == (uint32_t)-KVM_ENOSYS, "vmcall: KVM's answer, in 32 bits");

enum level { LEVEL_L1, LEVEL_L2 };

static const char *const level_names[] = { [LEVEL_L1] = "l1", [LEVEL_L2] = "l2" };

struct result {
	uint32_t verified; /* iterations the loop reports done, checked against the request */
	/* TSC delta around the loop, measured at the level it ran; vmlife: L1's busy cycles */
	uint64_t cycles;
	uint64_t l2_cycles; /* level l2 only: the part timed inside L2 (all of cycles but vmlife's) */
	uint64_t l2_exits; /* level l2 only */
	uint64_t userspace_exits; /* level l2 only */
	/* Where the cycles went, when the workload splits them (memtouch, vmlife); else 0 phases. */
	unsigned int phases;
	struct phase {
		const char *name;
		uint64_t cycles;
	} phase[MAX_PHASES];
	/* run_vm's L1 TSC stamps: the VM set up (before its first KVM_RUN), its run checked. */
	uint64_t tsc_vm_ready, tsc_vm_ran;
	/* vmlife: the TSC delta around its loop, L1's idle time included (cycles has none) */
	bool has_elapsed;
	uint64_t elapsed_cycles;
};

struct workload;
/* Runs @w at level l2 when the generic run_l2 (one VM, one loop) does not fit. */
typedef int (*l2_runner)(const struct workload *w, uint32_t iterations, struct result *res,
			 char *err, size_t err_size);

struct workload {
	const char *name;
	const char *what; /* one line for the usage message */
	const uint8_t *code_start;
	const uint8_t *code_end;
	/*
	 * Serves userspace exits other than the done signal, and is checked to have served one
	 * operation per iteration. NULL: any such exit fails the run.
	 */
	l2dev_handler on_exit;
	/* Touches one fresh page per iteration at mb->region, and leaves this in it; NULL: none. */
	const struct fresh_pattern *fresh;
	bool passes;           /* the loop stamps mb->tsc_mid between two passes (memtouch) */
	l2_runner run_l2;      /* NULL: run_l2() */
	l1native_loop l1_loop; /* the same loop in L1 user space; NULL: level l2 only, */
	const char *no_l1;     /* and this says why */
};

static int run_vmlife(const struct workload *w, uint32_t lifecycles, struct result *res,
		      char *err, size_t err_size);

static const struct fresh_pattern pf_pattern = { L2_PF_PATTERN, 1 };
static const struct fresh_pattern memtouch_pattern = { L2_MEMTOUCH_PATTERN, L2_PAGE_WORDS };

static const struct workload workloads[] = {
	{ "cpuid", "CPUID leaf 0 (in L2 handled by L1's KVM; in L1 by L0, if any)",
	  l2guest_cpuid_start, l2guest_cpuid_end, .l1_loop = l1native_cpuid },
	{ "io", "OUT then IN on an echo port that KVM hands to l2run (L2 only)",
	  l2guest_io_start, l2guest_io_end, .on_exit = l2dev_echo_io,
	  .no_l1 = "its port is l2run's device, which only a guest of KVM reaches" },
	{ "hlt", "HLT, which KVM hands to l2run (no in-kernel irqchip; L2 only)",
	  l2guest_hlt_start, l2guest_hlt_end, .on_exit = l2dev_hlt,
	  .no_l1 = "HLT is privileged: in L1 user space it is #GP" },
	{ "vmcall", "VMCALL of a hypercall L1's KVM does not know (L2 only)",
	  l2guest_vmcall_start, l2guest_vmcall_end,
	  .no_l1 = "VMCALL in L1 goes to L0, whose hypercalls are turtle-l0's, or without L0 is #UD" },
	{ "mmio", "write then read at an address in no slot, which KVM hands to l2run (L2 only)",
	  l2guest_mmio_start, l2guest_mmio_end, .on_exit = l2dev_echo_mmio,
	  .no_l1 = "its address is l2run's device, which only a guest of KVM reaches" },
	{ "pf", "write and read back a fresh page (L2 with paging; L1 faults each page in)",
	  l2guest_pf_start, l2guest_pf_end, .fresh = &pf_pattern, .l1_loop = l1native_pf },
	{ "memtouch", "fill a fresh page, every word; then verify them all (16384 pages = 64 MiB)",
	  l2guest_memtouch_start, l2guest_memtouch_end, .fresh = &memtouch_pattern, .passes = true,
	  .l1_loop = l1native_memtouch },
	{ "vmlife", "create a VM, run 10 CPUIDs in it, check them, destroy it (L2 only)",
	  l2guest_vmlife_start, l2guest_vmlife_end, .run_l2 = run_vmlife,
	  .no_l1 = "each iteration is a VM of L1's KVM, which level l1 does not load" },
};

#define NUM_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static void usage(const char *msg)
{
	fprintf(stderr,
		"l2run: %s\nusage: l2run [--level l1|l2] WORKLOAD ITERATIONS (ITERATIONS 1..%" PRIu32
		")\n",
		msg, UINT32_MAX);
	fprintf(stderr, "workloads:\n");
	for (size_t i = 0; i < NUM_WORKLOADS; i++)
		fprintf(stderr, "  %-8s %s\n", workloads[i].name, workloads[i].what);
	exit(EXIT_USAGE);
}

static const struct workload *find_workload(const char *name)
{
	for (size_t i = 0; i < NUM_WORKLOADS; i++) {
		if (strcmp(workloads[i].name, name) == 0)
			return &workloads[i];
	}
	return NULL;
}

static int parse_level(const char *s, enum level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(level_names[i], s) == 0) {
			*out = (enum level)i;
			return 0;
		}
	}
	return -1;
}

static int parse_iterations(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int is_done_signal(const struct kvm_run *r)
{
	return r->exit_reason == KVM_EXIT_IO && r->io.direction == KVM_EXIT_IO_OUT &&
	       r->io.port == L2_DONE_PORT;
}

/* Enters L2 until it signals done; counts the returns to userspace. */
static int run_until_done(const struct workload *w, struct l2vm *vm, struct l2dev *dev,
			  uint64_t max_exits, struct result *res, char *err, size_t err_size)
{
	char why[L2VM_ERR_MAX];

	for (;;) {
		if (l2vm_run(vm) < 0)
			return failf(err, err_size, "%s", vm->err);
		res->userspace_exits++;
		if (is_done_signal(vm->run))
			return 0;
		if (!w->on_exit) {
			l2vm_describe_exit(vm, why, sizeof(why));
			return failf(err, err_size, "unexpected %s", why);
		}
		if (w->on_exit(dev, vm->run, err, err_size) < 0)
			return -1;
		if (res->userspace_exits > max_exits)
			return failf(err, err_size, "more than %" PRIu64 " userspace exits", max_exits);
	}
}

/* The loop's own report: every iteration done and checked, time passing. */
static int check_mailbox(const struct l2_mailbox *mb, uint32_t iterations, char *err,
			 size_t err_size)
{
	if (mb->failed)
		return failf(err, err_size, "iteration %" PRIu32 " read 0x%" PRIx32 ", want 0x%" PRIx32,
			     mb->done_count, mb->got, mb->want);
	if (mb->done_count != iterations)
		return failf(err, err_size, "guest completed %" PRIu32 " of %" PRIu32 " iterations",
			     mb->done_count, iterations);
	if (mb->tsc_end <= mb->tsc_start)
		return failf(err, err_size, "TSC did not advance (%" PRIu64 " -> %" PRIu64 ")",
			     mb->tsc_start, mb->tsc_end);
	return 0;
}

/* The loop's cycles, and for a two-pass loop their split at tsc_mid, into @res. */
static int take_cycles(const struct workload *w, const struct l2_mailbox *mb, struct result *res,
		       char *err, size_t err_size)
{
	res->cycles = mb->tsc_end - mb->tsc_start;
	if (!w->passes)
		return 0;
	if (mb->tsc_mid < mb->tsc_start || mb->tsc_mid > mb->tsc_end)
		return failf(err, err_size,
			     "TSC between the passes (%" PRIu64 ") is outside the loop's (%" PRIu64
			     " -> %" PRIu64 ")",
			     mb->tsc_mid, mb->tsc_start, mb->tsc_end);
	res->phases = 2;
	res->phase[0] = (struct phase){ "touch", mb->tsc_mid - mb->tsc_start };
	res->phase[1] = (struct phase){ "verify", mb->tsc_end - mb->tsc_mid };
	return 0;
}

/*
 * One VM runs @w's loop for @iterations. @value, when not NULL, seeds the mailbox's value and
 * receives what the guest left there.
 */
static int run_vm(const struct workload *w, uint32_t iterations, uint32_t *value,
		  struct result *res, char *err, size_t err_size)
{
	struct l2vm vm;
	struct l2_mailbox *mb;
	struct l2dev dev = { 0 };
	uint64_t exits_before, exits_after;
	uint64_t max_exits = (uint64_t)iterations * MAX_USERSPACE_EXITS_PER_ITERATION +
			     USERSPACE_EXITS_SLACK;
	size_t code_len = (size_t)(w->code_end - w->code_start);
	int rc = -1;

	if (code_len > L2_CODE_MAX)
		return failf(err, err_size, "guest code is %zu bytes, room for %d", code_len,
			     L2_CODE_MAX);
	if (l2vm_create(&vm) < 0 || l2vm_load(&vm, L2_CODE_GPA, w->code_start, code_len) < 0 ||
	    l2vm_start_flat32(&vm, L2_CODE_GPA, L2_STACK_TOP) < 0) {
		failf(err, err_size, "%s", vm.err);
		goto out;
	}
	/* The mailbox is inside the first slot (l2guest.h checks it). */
	mb = (struct l2_mailbox *)(vm.mem + L2_MAILBOX_GPA);
	*mb = (struct l2_mailbox){ .iterations = iterations, .value = value ? *value : 0 };
	dev.mb = mb;
	if (w->fresh && fresh_pages_l2(&vm, mb, iterations, err, err_size) < 0)
		goto out;
	if (l2vm_read_exits(&vm, &exits_before) < 0) {
		failf(err, err_size, "%s", vm.err);
		goto out;
	}
	res->tsc_vm_ready = __rdtsc();
	if (run_until_done(w, &vm, &dev, max_exits, res, err, err_size) < 0)
		goto out;
	if (l2vm_read_exits(&vm, &exits_after) < 0) {
		failf(err, err_size, "%s", vm.err);
		goto out;
	}
	if (check_mailbox(mb, iterations, err, err_size) < 0 ||
	    (w->on_exit && l2dev_check(&dev, iterations, err, err_size) < 0) ||
	    (w->fresh && fresh_pages_check(vm.fresh, iterations, w->fresh, err, err_size) < 0) ||
	    take_cycles(w, mb, res, err, err_size) < 0)
		goto out;
	res->verified = mb->done_count;
	res->l2_exits = exits_after - exits_before;
	res->l2_cycles = res->cycles;
	if (value)
		*value = mb->value;
	rc = 0;
	res->tsc_vm_ran = __rdtsc();
out:
	l2vm_destroy(&vm);
	return rc;
}

static int run_l2(const struct workload *w, uint32_t iterations, struct result *res, char *err,
		  size_t err_size)
{
	return run_vm(w, iterations, NULL, res, err, err_size);
}

/* vmlife's seed for VM @i (from 0): a different one for each VM (Fibonacci hashing). */
static uint32_t vmlife_seed(uint32_t i)
{
	return (i + 1) * 0x9e3779b9u;
}

/* What a vmlife VM seeded with @seed leaves in its mailbox: L2_VMLIFE_CPUIDS op_cpuid_fold. */
static uint32_t vmlife_expect(uint32_t seed, uint32_t cpuid0_ebx)
{
	for (int i = 0; i < L2_VMLIFE_CPUIDS; i++)
		seed = (seed ^ cpuid0_ebx) * L2_FOLD_MUL + L2_FOLD_ADD;
	return seed;
}

/*
 * vmlife: @lifecycles times, a VM of its own (KVM_CREATE_VM, a vCPU, a memory slot), the vmlife
 * blob run once in it with a fresh seed, its folded value checked, and the VM destroyed (the last
 * close of its files, in l2vm_destroy). L1's kernel sleeps in a VM's life, for timer ticks (with
 * ept=1, KVM's TDP MMU waits for RCU when it tears a VM down), so the cycles are L1's busy time
 * over the loop (l1_busy.h), and the TSC delta, idle included, is elapsed_cycles, split by phase.
 * l2_cycles adds up what each VM timed inside L2; l2_exits and userspace_exits each VM's counts.
 */
static int run_vmlife(const struct workload *w, uint32_t lifecycles, struct result *res,
		      char *err, size_t err_size)
{
	unsigned int max_leaf, vendor_ebx, ecx, edx;
	uint64_t start, before, after = 0;
	struct l1_clock busy_start, busy_end;
	char why[ERR_MAX];

	/* L2's leaf 0 is KVM's supported CPUID's, which keeps L1's vendor (EBX = "Genu"). */
	if (!__get_cpuid(0, &max_leaf, &vendor_ebx, &ecx, &edx))
		return failf(err, err_size, "no CPUID leaf 0 in L1");
	if (l1_clock_read(&busy_start, why, sizeof(why)) < 0)
		return failf(err, err_size, "L1's busy time: %s", why);
	res->phases = 3;
	res->phase[0].name = "create";
	res->phase[1].name = "run";
	res->phase[2].name = "destroy";
	start = __rdtsc();
	for (uint32_t i = 0; i < lifecycles; i++) {
		struct result one = { 0 };
		uint32_t value = vmlife_seed(i);
		uint32_t want = vmlife_expect(value, vendor_ebx);

		before = __rdtsc();
		if (run_vm(w, L2_VMLIFE_CPUIDS, &value, &one, why, sizeof(why)) < 0)
			return failf(err, err_size, "VM %" PRIu32 ": %s", i + 1, why);
		after = __rdtsc();
		if (value != want)
			return failf(err, err_size,
				     "VM %" PRIu32 " folded seed 0x%" PRIx32 " into 0x%" PRIx32
				     ", want 0x%" PRIx32,
				     i + 1, vmlife_seed(i), value, want);
		res->verified++;
		res->l2_exits += one.l2_exits;
		res->userspace_exits += one.userspace_exits;
		res->l2_cycles += one.l2_cycles;
		res->phase[0].cycles += one.tsc_vm_ready - before;
		res->phase[1].cycles += one.tsc_vm_ran - one.tsc_vm_ready;
		res->phase[2].cycles += after - one.tsc_vm_ran;
	}
	res->has_elapsed = true;
	res->elapsed_cycles = after - start;
	if (l1_clock_read(&busy_end, why, sizeof(why)) < 0)
		return failf(err, err_size, "L1's busy time: %s", why);
	if (l1_busy_cycles(&busy_start, &busy_end, &res->cycles) < 0)
		return failf(err, err_size, "L1's clocks did not advance");
	return 0;
}

static int run_l1(const struct workload *w, uint32_t iterations, struct result *res, char *err,
		  size_t err_size)
{
	struct l2_mailbox mb = { .iterations = iterations };
	uint8_t *region = NULL;
	int rc = -1;

	if (!w->l1_loop)
		return failf(err, err_size, "workload %s is not available at level l1: %s", w->name,
			     w->no_l1);
	if (w->fresh && fresh_pages_l1(&mb, iterations, &region, err, err_size) < 0)
		return -1;
	w->l1_loop(&mb);
	if (check_mailbox(&mb, iterations, err, err_size) < 0 ||
	    (w->fresh && fresh_pages_check(region, iterations, w->fresh, err, err_size) < 0) ||
	    take_cycles(w, &mb, res, err, err_size) < 0)
		goto out;
	res->verified = mb.done_count;
	rc = 0;
out:
	if (region)
		munmap(region, (size_t)iterations * L2_PAGE_SIZE);
	return rc;
}

/* Escapes a message for a JSON string: quotes, backslashes and control characters. */
static void json_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* Each record goes out in one write, so that kernel messages cannot split it. */
static void print_record(const char *line)
{
	fputs(line, stdout);
	fflush(stdout);
}

/* Writes @v as a JSON number, or null when @present is false (a count the level has not). */
static const char *json_u64(char *buf, size_t size, bool present, uint64_t v)
{
	if (!present)
		return "null";
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

static void print_result(const char *name, enum level level, uint32_t iterations,
			 const struct result *res)
{
	char line[ERR_MAX], exits[U64_TEXT_MAX], userspace[U64_TEXT_MAX], l2_cycles[U64_TEXT_MAX];
	char extra[EXTRA_TEXT_MAX] = "";
	bool l2 = level == LEVEL_L2;
	size_t n = 0;

	/* The optional members: ,"phase_cycles":{"NAME":N,...},"elapsed_cycles":N */
	for (unsigned int i = 0; i < res->phases; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"%s\":%" PRIu64,
				      i ? "," : ",\"phase_cycles\":{", res->phase[i].name,
				      res->phase[i].cycles);
	if (res->phases)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "}");
	if (res->has_elapsed)
		snprintf(extra + n, sizeof(extra) - n, ",\"elapsed_cycles\":%" PRIu64,
			 res->elapsed_cycles);
	snprintf(line, sizeof(line),
		 "{\"turtle\":\"result\",\"workload\":\"%s\",\"level\":\"%s\",\"iterations\":%" PRIu32
		 ",\"ok\":true,\"verified\":%" PRIu32 ",\"l2_exits\":%s,\"userspace_exits\":%s"
		 ",\"cycles\":%" PRIu64 ",\"l2_cycles\":%s,\"cycles_per_iteration\":%.1f%s}\n",
		 name, level_names[level], iterations, res->verified,
		 json_u64(exits, sizeof(exits), l2, res->l2_exits),
		 json_u64(userspace, sizeof(userspace), l2, res->userspace_exits), res->cycles,
		 json_u64(l2_cycles, sizeof(l2_cycles), l2, res->l2_cycles),
		 (double)res->cycles / iterations, extra);
	print_record(line);
}

static void print_failure(const char *name, enum level level, const char *err)
{
	char escaped[JSON_ERR_MAX];
	char line[JSON_ERR_MAX + ERR_MAX];

	json_escape(err, escaped, sizeof(escaped));
	snprintf(line, sizeof(line),
		 "{\"turtle\":\"result\",\"workload\":\"%s\",\"level\":\"%s\",\"ok\":false,"
		 "\"error\":\"%s\"}\n",
		 name, level_names[level], escaped);
	print_record(line);
}

int main(int argc, char **argv)
{
	const struct workload *w;
	enum level level = LEVEL_L2;
	uint32_t iterations;
	struct result res = { 0 };
	char err[ERR_MAX];
	int rc;

	/* Full buffering: print_record's fflush then issues each record as a single write. */
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	if (argc > 1 && strcmp(argv[1], "--level") == 0) {
		if (argc < 3 || parse_level(argv[2], &level) < 0)
			usage("--level takes l1 or l2");
		argc -= 2;
		argv += 2;
	}
	if (argc != 3)
		usage("expected a workload and an iteration count");
	w = find_workload(argv[1]);
	if (!w)
		usage("unknown workload");
	if (parse_iterations(argv[2], &iterations) < 0)
		usage("bad iteration count");
	if (level == LEVEL_L1)
		rc = run_l1(w, iterations, &res, err, sizeof(err));
	else
		rc = (w->run_l2 ? w->run_l2 : run_l2)(w, iterations, &res, err, sizeof(err));
	if (rc < 0) {
		print_failure(w->name, level, err);
		return EXIT_FAILURE;
	}
	print_result(w->name, level, iterations, &res);
	return EXIT_SUCCESS;
}
