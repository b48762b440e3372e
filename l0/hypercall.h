/*
 * hypercall.h: the hypercall ABI from L1 to L0 (also in docs/hypercall.md). Pure, header-only
 * constants and packing helpers, included by L0 (l0/hypercall.c decodes a call) and by the
 * hosted L1 tool guests/tools/turtle-l0.c, so it needs nothing but <stdint.h> and <stdbool.h>.
 *
 * Detection (CPUID exits unconditionally in VMX non-root operation, SDM Vol. 3C 26.1.2, so L0
 * answers it):
 *   CPUID leaf 0x40000000: EAX = 0x40000001 (highest hypervisor leaf),
 *                          EBX, ECX, EDX = "Turt", "lesL", "0   " (signature "TurtlesL0   ").
 *   CPUID leaf 0x40000001: EAX = L0_HC_ABI_VERSION, EBX = L0_HC_MAGIC, ECX = EDX = 0.
 *   Without L0 (virt=off) the signature does not match: the CPU reports something else for this
 *   leaf, and a VMCALL would raise #UD, so callers must detect first.
 *
 * Call: VMCALL (SDM Vol. 3C 26.1.2: always exits in VMX non-root operation) with
 *   RAX = L0_HC_MAGIC << 32 | op;  RBX, RCX = arguments (see each op);
 *   on return RAX = 0 on success or a negative enum l0_hc_error (as int64_t); L0 changes no
 *   other register and advances RIP past the VMCALL.
 * Ops:
 *   L0_HC_RESET (1):       zero L0's exit counters and end the phase (the exit ring is kept).
 *   L0_HC_DUMP (2):        print the counters as one JSON record {"turtle":"l0-exits",...} on L0's
 *                          serial console (the format of l0_trace_dump_json()).
 *   L0_HC_PHASE_BEGIN (3): name a workload phase: 1..16 bytes of [A-Za-z0-9_.:-], packed
 *                          little-endian, bytes 0-7 in RBX and 8-15 in RCX, NUL-padded (a name
 *                          ends at its first NUL; every byte after it must be NUL too). The name
 *                          travels in registers so that L0 reads no guest memory.
 *   L0_HC_PHASE_END (4):   end the current phase.
 *   L0_HC_DUMP_EVENTS (5): print the current (or last) phase's event buffer (events=N) as an
 *                          {"turtle":"l0-events",...} head and {"turtle":"l0-ev",...} lines of
 *                          L0_TRACE_EVENTS_PER_LINE events (l0/trace_events.h);
 *                          L0_HC_ENO_EVENTS when L0 records none (events=0).
 *   Op 0 is reserved, so that RAX = magic << 32 alone is no call.
 * Who may call: L1 at any CPL. VMCALL exits to L0 whatever the CPL, and L0 honours it from ring
 * 3 on purpose, so that a static user-space tool in L1 can mark and dump measurements; this is a
 * research tool's choice: any L1 process can reset or read the counters. A VMCALL by L2 is L1's
 * business (it is reflected to L1, never decoded here).
 */
#ifndef L0_HYPERCALL_H
#define L0_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#define L0_HC_CPUID_LEAF 0x40000000u    /* EAX: highest leaf; EBX:ECX:EDX: signature */
#define L0_HC_CPUID_LEAF_INFO 0x40000001u /* EAX: ABI version; EBX: magic */
#define L0_HC_CPUID_MAX_LEAF L0_HC_CPUID_LEAF_INFO
#define L0_HC_SIGNATURE "TurtlesL0   " /* 12 bytes: EBX, ECX, EDX in that order */
#define L0_HC_SIG_EBX 0x74727554u      /* "Turt", little-endian */
#define L0_HC_SIG_ECX 0x4c73656cu      /* "lesL" */
#define L0_HC_SIG_EDX 0x20202030u      /* "0   " */
#define L0_HC_ABI_VERSION 2u /* 2: DUMP_EVENTS */

#define L0_HC_MAGIC 0x5452544cu /* "TRTL" as hex digits; no common RAX value has it */
#define L0_HC_MAGIC_SHIFT 32
#define L0_HC_OP_MASK 0xffffffffull

enum l0_hc_op {
	L0_HC_RESET = 1,
	L0_HC_DUMP = 2,
	L0_HC_PHASE_BEGIN = 3,
	L0_HC_PHASE_END = 4,
	L0_HC_DUMP_EVENTS = 5,
};
#define L0_HC_OP_MAX L0_HC_DUMP_EVENTS

/* Values of RAX after a call, as int64_t. */
enum l0_hc_error {
	L0_HC_OK = 0,
	L0_HC_EUNKNOWN_OP = -1, /* magic right, op not in enum l0_hc_op */
	L0_HC_EBAD_MAGIC = -2,  /* RAX bits 63:32 are not L0_HC_MAGIC */
	L0_HC_EBAD_NAME = -3,   /* PHASE_BEGIN: empty, a byte outside the set, or junk after NUL */
	L0_HC_EDISABLED = -4,   /* L0 runs with trace=off: nothing counted, nothing to dump */
	L0_HC_ENO_PHASE = -5,   /* PHASE_END with no phase begun */
	L0_HC_ENO_EVENTS = -6,  /* DUMP_EVENTS: L0 runs with events=0 */
};

#define L0_HC_NAME_MAX 16u

static inline uint64_t l0_hc_rax(enum l0_hc_op op)
{
	return ((uint64_t)L0_HC_MAGIC << L0_HC_MAGIC_SHIFT) | (uint64_t)op;
}

/* Whether byte @c may appear in a phase name. */
static inline bool l0_hc_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

/*
 * Packs NUL-terminated @name into the PHASE_BEGIN registers. False (registers untouched) when the
 * name is empty, longer than L0_HC_NAME_MAX or has a byte outside the set.
 */
static inline bool l0_hc_pack_name(const char *name, uint64_t *rbx, uint64_t *rcx)
{
	uint64_t w[2] = { 0, 0 };
	unsigned int i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i >= L0_HC_NAME_MAX || !l0_hc_name_char_ok(name[i]))
			return false;
		w[i / 8] |= (uint64_t)(unsigned char)name[i] << (8 * (i % 8));
	}
	if (i == 0)
		return false;
	*rbx = w[0];
	*rcx = w[1];
	return true;
}

/* The general registers a hypercall reads, as the hardware layer saved them at the exit. */
struct l0_hc_regs {
	uint64_t rax;
	uint64_t rbx;
	uint64_t rcx;
	uint64_t rdx;
};

/* A decoded call. */
struct l0_hypercall {
	enum l0_hc_op op;
	char name[L0_HC_NAME_MAX + 1]; /* PHASE_BEGIN only; NUL-terminated, else "" */
};

/* Decodes @regs into @out; L0_HC_OK or the negative error L0 returns to L1 in RAX. */
enum l0_hc_error l0_hypercall_decode(const struct l0_hc_regs *regs, struct l0_hypercall *out);

/* "reset", "dump", "phase-begin", "phase-end", "dump-events", or NULL. */
const char *l0_hypercall_op_name(uint32_t op);

/* L0's answer to CPUID leaf @leaf in out[0..3] = EAX, EBX, ECX, EDX, for the hypervisor range
 * 0x40000000..0x400000ff (zeros above L0_HC_CPUID_MAX_LEAF). False, @out untouched, for other
 * leaves: the caller handles those. */
#define L0_HC_CPUID_RANGE_END 0x400000ffu
bool l0_hypercall_cpuid(uint32_t leaf, uint32_t out[4]);

#endif /* L0_HYPERCALL_H */
