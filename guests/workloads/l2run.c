/*
 * l2run: runs one workload and prints one JSON result record.
 *
 *   l2run [--level l1|l2] WORKLOAD ITERATIONS
 *
 * At level l2 (the default) the workload is a blob of 32-bit guest code (l2guest.S) that performs
 * ITERATIONS operations of one exit kind under L1's KVM, timed with RDTSC inside L2; l2run serves
 * the operations KVM hands to user space (devices.c), checks that the guest completed and verified
 * them, and reports the TSC delta and how many exits KVM took for the vCPU meanwhile. Touches
 * /dev/kvm. At level l1 the same operation loop (l1native.S) runs right here in L1 user space,
 * for when L1 has no VMX (L0 hides it) or its own cost is the question; a workload whose operation
 * needs a hypervisor below it (a port or address that KVM serves, HLT, VMCALL) has none there.
 */
#define _GNU_SOURCE
#include "devices.h"
#include "failf.h"
#include "fresh_pages.h"
#include "kvm_vm.h"
#include "l1native.h"
#include "l2guest.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm_para.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define EXIT_USAGE 2
#define ERR_MAX 512
#define JSON_ERR_MAX (2 * ERR_MAX)
#define U64_TEXT_MAX 24 /* 20 digits and a NUL */
/* Bounds the userspace exits a workload may take, so a confused guest cannot loop forever. */
#define MAX_USERSPACE_EXITS_PER_ITERATION 4
#define USERSPACE_EXITS_SLACK 16

_Static_assert(L2_VMCALL_ENOSYS == (uint32_t)-KVM_ENOSYS, "vmcall: KVM's answer, in 32 bits");

enum level { LEVEL_L1, LEVEL_L2 };

static const char *const level_names[] = { [LEVEL_L1] = "l1", [LEVEL_L2] = "l2" };

struct result {
	uint32_t verified; /* iterations the loop reports done, checked against the request */
	uint64_t cycles; /* TSC delta around the loop, measured at the level it ran */
	uint64_t l2_exits; /* level l2 only */
	uint64_t userspace_exits; /* level l2 only */
};

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
	bool fresh_pages;      /* touches one fresh page per iteration at mb->region (pf) */
	l1native_loop l1_loop; /* the same loop in L1 user space; NULL: level l2 only, */
	const char *no_l1;     /* and this says why */
};

static const struct workload workloads[] = {
	{ "cpuid", "CPUID leaf 0 (in L2 handled by L1's KVM; in L1 by L0, if any)",
	  l2guest_cpuid_start, l2guest_cpuid_end, NULL, false, l1native_cpuid, NULL },
	{ "io", "OUT then IN on an echo port that KVM hands to l2run (L2 only)",
	  l2guest_io_start, l2guest_io_end, l2dev_echo_io, false, NULL,
	  "its port is l2run's device, which only a guest of KVM reaches" },
	{ "hlt", "HLT, which KVM hands to l2run (no in-kernel irqchip; L2 only)",
	  l2guest_hlt_start, l2guest_hlt_end, l2dev_hlt, false, NULL,
	  "HLT is privileged: in L1 user space it is #GP" },
	{ "vmcall", "VMCALL of a hypercall L1's KVM does not know (L2 only)",
	  l2guest_vmcall_start, l2guest_vmcall_end, NULL, false, NULL,
	  "VMCALL in L1 goes to L0, whose hypercalls are turtle-l0's, or without L0 is #UD" },
	{ "mmio", "write then read at an address in no slot, which KVM hands to l2run (L2 only)",
	  l2guest_mmio_start, l2guest_mmio_end, l2dev_echo_mmio, false, NULL,
	  "its address is l2run's device, which only a guest of KVM reaches" },
	{ "pf", "write and read back a fresh page (L2 with paging; L1 faults each page in)",
	  l2guest_pf_start, l2guest_pf_end, NULL, true, l1native_pf, NULL },
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

static int run_l2(const struct workload *w, uint32_t iterations, struct result *res, char *err,
		  size_t err_size)
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
	*mb = (struct l2_mailbox){ .iterations = iterations };
	dev.mb = mb;
	if (w->fresh_pages && fresh_pages_l2(&vm, mb, iterations, err, err_size) < 0)
		goto out;
	if (l2vm_read_exits(&vm, &exits_before) < 0) {
		failf(err, err_size, "%s", vm.err);
		goto out;
	}
	if (run_until_done(w, &vm, &dev, max_exits, res, err, err_size) < 0)
		goto out;
	if (l2vm_read_exits(&vm, &exits_after) < 0) {
		failf(err, err_size, "%s", vm.err);
		goto out;
	}
	if (check_mailbox(mb, iterations, err, err_size) < 0 ||
	    (w->on_exit && l2dev_check(&dev, iterations, err, err_size) < 0) ||
	    (w->fresh_pages && fresh_pages_check(vm.fresh, iterations, err, err_size) < 0))
		goto out;
	res->verified = mb->done_count;
	res->l2_exits = exits_after - exits_before;
	res->cycles = mb->tsc_end - mb->tsc_start;
	rc = 0;
out:
	l2vm_destroy(&vm);
	return rc;
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
	if (w->fresh_pages && fresh_pages_l1(&mb, iterations, &region, err, err_size) < 0)
		return -1;
	w->l1_loop(&mb);
	if (check_mailbox(&mb, iterations, err, err_size) < 0 ||
	    (w->fresh_pages && fresh_pages_check(region, iterations, err, err_size) < 0))
		goto out;
	res->verified = mb.done_count;
	res->cycles = mb.tsc_end - mb.tsc_start;
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
	bool l2 = level == LEVEL_L2;

	snprintf(line, sizeof(line),
		 "{\"turtle\":\"result\",\"workload\":\"%s\",\"level\":\"%s\",\"iterations\":%" PRIu32
		 ",\"ok\":true,\"verified\":%" PRIu32 ",\"l2_exits\":%s,\"userspace_exits\":%s"
		 ",\"cycles\":%" PRIu64 ",\"l2_cycles\":%s,\"cycles_per_iteration\":%.1f}\n",
		 name, level_names[level], iterations, res->verified,
		 json_u64(exits, sizeof(exits), l2, res->l2_exits),
		 json_u64(userspace, sizeof(userspace), l2, res->userspace_exits), res->cycles,
		 json_u64(l2_cycles, sizeof(l2_cycles), l2, res->cycles),
		 (double)res->cycles / iterations);
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
		rc = run_l2(w, iterations, &res, err, sizeof(err));
	if (rc < 0) {
		print_failure(w->name, level, err);
		return EXIT_FAILURE;
	}
	print_result(w->name, level, iterations, &res);
	return EXIT_SUCCESS;
}
