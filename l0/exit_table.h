/*
 * exit_table.h: one VM exit as L0 reads it (decoded once, then passed by pointer to every
 * handler; nothing downstream reads exit fields from the VMCS itself), the action a handler
 * returns, and the table that maps basic exit reasons to handlers. Pure: the hardware layer fills
 * struct l0_exit with VMREADs and the table with designated initializers, e.g.
 *     static const struct l0_exit_table l1_exits = {
 *             .handlers = { [VMX_EXIT_CPUID] = handle_cpuid, [VMX_EXIT_VMCALL] = handle_vmcall },
 *             .unhandled = dump_and_die,
 *     };
 * so that no switch over exit reasons exists anywhere. Fields follow SDM Vol. 3C 25.9
 * ("VM-Exit Information Fields") and 28.2 ("Recording VM-Exit Information").
 */
#ifndef L0_EXIT_TABLE_H
#define L0_EXIT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "vmx-emul/exit_reasons.h"

/* The level whose execution caused the exit: L1 (running on VMCS01) or L2 (on VMCS02). */
enum l0_level {
	L0_LEVEL_L1 = 0,
	L0_LEVEL_L2 = 1,
	L0_LEVEL_COUNT
};

/* "l1" / "l2", or NULL for a value outside the enum. */
const char *l0_level_name(enum l0_level level);

struct l0_exit {
	uint32_t reason;          /* the full exit-reason field (VMX_EXIT_REASON_* bits) */
	uint16_t basic_reason;    /* bits 15:0 of reason; l0_exit_set_reason() keeps them equal */
	uint8_t cpl;              /* guest CPL: DPL of SS (SDM Vol. 3C 27.4.1: SS.DPL is the CPL) */
	enum l0_level level;      /* who exited */
	uint64_t qualification;   /* exit qualification (SDM 28.2.1) */
	uint64_t guest_rip;
	uint64_t guest_rsp;
	uint64_t guest_rflags;
	uint64_t guest_phys;      /* guest-physical address (EPT violation/misconfiguration) */
	uint64_t guest_linear;    /* guest-linear address, where the SDM says it is valid */
	uint32_t insn_len;        /* VM-exit instruction length */
	uint32_t insn_info;       /* VM-exit instruction information (SDM 28.2.5) */
	uint32_t intr_info;       /* VM-exit interruption information (SDM 25.9.2) */
	uint32_t intr_error;      /* VM-exit interruption error code */
	uint32_t idt_vec_info;    /* IDT-vectoring information (SDM 25.9.3) */
	uint32_t idt_vec_error;   /* IDT-vectoring error code */
};

/* Access-rights DPL, bits 6:5 of a segment's access-rights field (SDM Vol. 3C 25.4.1). */
#define L0_SEG_AR_DPL_MASK 0x00000060u
#define L0_SEG_AR_DPL_SHIFT 5

static inline uint8_t l0_cpl_from_ss_ar(uint32_t ss_access_rights)
{
	return (uint8_t)((ss_access_rights & L0_SEG_AR_DPL_MASK) >> L0_SEG_AR_DPL_SHIFT);
}

/* Sets both reason and basic_reason from the exit-reason field. */
static inline void l0_exit_set_reason(struct l0_exit *exit, uint32_t reason_field)
{
	exit->reason = reason_field;
	exit->basic_reason = vmx_exit_basic(reason_field);
}

/* What L0 does after a handler returns. */
enum l0_action {
	L0_ACTION_RESUME, /* resume the level that exited, as it is */
	L0_ACTION_SKIP,   /* advance its RIP by insn_len (the emulated instruction), then resume */
	L0_ACTION_REFLECT, /* deliver the exit to L1 as an exit from L2 (nested exits) */
	L0_ACTION_FATAL,  /* an invariant of L0 broke: stop with a diagnostic */
	L0_ACTION_COUNT
};

/* "resume", "skip", "reflect", "fatal", or NULL for a value outside the enum. */
const char *l0_action_name(enum l0_action action);

/* @vcpu is the hardware layer's per-CPU state, opaque here. */
typedef enum l0_action (*l0_exit_handler)(void *vcpu, const struct l0_exit *exit);

struct l0_exit_table {
	l0_exit_handler handlers[VMX_EXIT_REASON_MAX + 1]; /* indexed by basic reason */
	l0_exit_handler unhandled; /* dumps state and returns L0_ACTION_FATAL */
};

/*
 * Calls the handler of exit->basic_reason. Goes to t->unhandled instead when: the reason is
 * beyond the table or has no handler; bit 31 of the reason is set (a VM-entry failure is never an
 * ordinary exit, even for a basic reason that has a handler); basic_reason disagrees with bits
 * 15:0 of reason (a decoder bug). Returns L0_ACTION_FATAL when the chosen handler is NULL (no
 * unhandled handler) or returns a value outside enum l0_action.
 */
enum l0_action l0_exit_dispatch(const struct l0_exit_table *t, void *vcpu,
				const struct l0_exit *exit);

/* Longest line l0_exit_format() writes, NUL included. */
#define L0_EXIT_FORMAT_MAX 512

/*
 * Writes @exit as the inside of a JSON object (no braces), for the unhandled handler's
 * diagnostic: level, reason number and name, entry failure, and every decoded field (64-bit
 * values as hex strings, since JSON numbers lose precision above 2^53). Returns the length, or
 * -1 when @size is too small (then buf holds "" rather than a truncated record).
 */
int l0_exit_format(const struct l0_exit *exit, char *buf, size_t size);

#endif /* L0_EXIT_TABLE_H */
