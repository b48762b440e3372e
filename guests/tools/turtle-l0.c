/*
 * turtle-l0: L1's handle on L0's exit trace. `turtle-l0 detect|reset|dump|phase-begin NAME|
 * phase-end|dump-events|tsc` detects L0 by its CPUID signature and issues the VMCALL hypercalls
 * of l0/hypercall.h (ABI in docs/hypercall.md); `tsc` prints the TSC, with or without L0.
 * `dump-events` exits EXIT_NO_EVENTS when L0 records no events (events=0), 1 on other errors.
 * Runs in L1 user space, statically linked; touches CPUID, VMCALL, RDTSC and, to drain it, the
 * console. Without L0 (virt=off, or another hypervisor) it prints {"turtle":"l0","present":false} and
 * exits 0 without a VMCALL, which would raise #UD there, so the same L1 image works in every
 * configuration.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "l0/hypercall.h"

#define EXIT_NO_EVENTS 3 /* dump-events: L0 runs with events=0, which is no failure */

struct cpuid_out {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_out cpuid(uint32_t leaf)
{
	struct cpuid_out r;

	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(0));
	return r;
}

/* Leaf 0x40000000 is read even when CPUID.1:ECX[31] (hypervisor present) is clear: a CPU that
 * does not implement the leaf returns other data, which cannot match the 12-byte signature. */
static bool l0_present(struct cpuid_out *info)
{
	struct cpuid_out r = cpuid(L0_HC_CPUID_LEAF);

	if (r.ebx != L0_HC_SIG_EBX || r.ecx != L0_HC_SIG_ECX || r.edx != L0_HC_SIG_EDX ||
	    r.eax < L0_HC_CPUID_LEAF_INFO)
		return false;
	*info = cpuid(L0_HC_CPUID_LEAF_INFO);
	return info->ebx == L0_HC_MAGIC;
}

/*
 * L0 writes its records (the dump) straight to the UART that L1's console shares. Bytes written to
 * a tty are only queued when write() returns, so flushing is not enough: wait until the UART has
 * sent them, or L0's line lands inside ours. A failed drain is reported, not fatal: at worst the
 * lines interleave and the harness drops the cut record.
 */
static void drain_console(void)
{
	const int fds[] = { STDOUT_FILENO, STDERR_FILENO };

	fflush(NULL);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (isatty(fds[i]) && tcdrain(fds[i]) < 0)
			perror("turtle-l0: tcdrain");
	}
}

static int64_t vmcall(enum l0_hc_op op, uint64_t rbx, uint64_t rcx)
{
	uint64_t rax = l0_hc_rax(op);

	drain_console();
	__asm__ volatile("vmcall" : "+a"(rax) : "b"(rbx), "c"(rcx), "d"(0) : "memory");
	return (int64_t)rax;
}

static const char *error_text(int64_t rc)
{
	switch (rc) {
	case L0_HC_EUNKNOWN_OP:
		return "unknown op";
	case L0_HC_EBAD_MAGIC:
		return "bad magic";
	case L0_HC_EBAD_NAME:
		return "bad phase name";
	case L0_HC_EDISABLED:
		return "L0 runs with trace=off";
	case L0_HC_ENO_PHASE:
		return "no phase begun";
	case L0_HC_ENO_EVENTS:
		return "L0 records no events (events=0)";
	default:
		return "unknown error";
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: turtle-l0 detect|reset|dump|phase-begin NAME|phase-end|"
			"dump-events|tsc\n"
			"  NAME: 1..%u of [A-Za-z0-9_.:-]\n",
		L0_HC_NAME_MAX);
	return 2;
}

static int call(const char *what, enum l0_hc_op op, uint64_t rbx, uint64_t rcx)
{
	int64_t rc = vmcall(op, rbx, rcx);

	if (rc != L0_HC_OK) {
		fprintf(stderr, "turtle-l0: %s: L0 returned %lld (%s)\n", what, (long long)rc,
			error_text(rc));
		return rc == L0_HC_ENO_EVENTS ? EXIT_NO_EVENTS : 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cpuid_out info;
	uint64_t rbx = 0, rcx = 0;
	const char *cmd = argc > 1 ? argv[1] : "";
	bool known = !strcmp(cmd, "detect") || !strcmp(cmd, "reset") || !strcmp(cmd, "dump") ||
		     !strcmp(cmd, "phase-end") || !strcmp(cmd, "phase-begin") || !strcmp(cmd, "tsc") ||
		     !strcmp(cmd, "dump-events");

	if (!known || argc != (strcmp(cmd, "phase-begin") ? 2 : 3))
		return usage();
	if (!strcmp(cmd, "phase-begin") && !l0_hc_pack_name(argv[2], &rbx, &rcx)) {
		fprintf(stderr, "turtle-l0: bad phase name '%s'\n", argv[2]);
		return usage();
	}
	/* the TSC, with or without L0: init stamps the stage records with it, to measure boot
	 * cost in guest cycles against L0's l1-start record */
	if (!strcmp(cmd, "tsc")) {
		printf("%llu\n", (unsigned long long)__builtin_ia32_rdtsc());
		return 0;
	}
	if (!l0_present(&info)) {
		printf("{\"turtle\":\"l0\",\"present\":false}\n");
		return 0;
	}
	if (!strcmp(cmd, "detect")) {
		printf("{\"turtle\":\"l0\",\"present\":true,\"abi\":%u}\n", info.eax);
		return 0;
	}
	if (!strcmp(cmd, "reset"))
		return call(cmd, L0_HC_RESET, 0, 0);
	if (!strcmp(cmd, "dump"))
		return call(cmd, L0_HC_DUMP, 0, 0);
	if (!strcmp(cmd, "phase-begin"))
		return call(cmd, L0_HC_PHASE_BEGIN, rbx, rcx);
	if (!strcmp(cmd, "dump-events"))
		return call(cmd, L0_HC_DUMP_EVENTS, 0, 0);
	return call(cmd, L0_HC_PHASE_END, 0, 0);
}
