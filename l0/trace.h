/*
 * trace.h: L0's exit trace (design section 5): per level (L1, L2) and per basic exit reason, the
 * number of L0 exits and the TSC cycles L0 spent handling them; a ring of the last
 * L0_TRACE_RING_SIZE exits for the fatal-error diagnostic; and a named phase that L1 opens and
 * closes by hypercall around a workload. Pure: the hardware layer reads the TSC and passes it in,
 * and sends what the writers format to the serial console. State lives in struct l0_trace, which
 * the caller owns (one per physical CPU). Reason names come from vmx-emul/exit_reasons.def.
 *
 * Cost when off: the hardware layer tests l0_trace_on() before it even reads the TSC, so a
 * disabled trace costs one load and one branch per exit.
 */
#ifndef L0_TRACE_H
#define L0_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l0/exit_table.h"
#include "l0/trace_events.h"
#include "vmx-emul/exit_reasons.h"

#define L0_TRACE_RING_SIZE 64u /* a power of two: the index is a mask of the sequence number */
#define L0_TRACE_PHASE_MAX 16u /* phase name length, without NUL (the hypercall carries 16) */
/* Counter slots per level: one per basic reason 0..MAX, and one more for anything above. */
#define L0_TRACE_OTHER (VMX_EXIT_REASON_MAX + 1u)
#define L0_TRACE_SLOTS (VMX_EXIT_REASON_MAX + 2u)

_Static_assert((L0_TRACE_RING_SIZE & (L0_TRACE_RING_SIZE - 1)) == 0, "ring size is 2^n");

enum l0_trace_status {
	L0_TRACE_OK = 0,
	L0_TRACE_EINVAL = -1,   /* a bad argument: level out of range, empty or long name */
	L0_TRACE_ETOOSMALL = -2, /* the output buffer cannot hold the record: nothing written */
};

struct l0_trace_counter {
	uint64_t exits;
	uint64_t cycles;
};

struct l0_trace_ring_entry {
	uint64_t seq; /* 0 for the first exit recorded since l0_trace_init() */
	uint64_t tsc; /* TSC at the exit */
	uint64_t cycles; /* TSC cycles L0 spent on it */
	uint64_t qualification;
	uint64_t guest_rip;
	uint32_t reason; /* the full exit-reason field */
	uint32_t level;  /* enum l0_level */
};
_Static_assert(sizeof(struct l0_trace_ring_entry) == 48, "ring entry has no padding");

struct l0_trace_phase {
	char name[L0_TRACE_PHASE_MAX + 1]; /* "" when no phase was begun since the last reset */
	bool active;                       /* begun and not yet ended */
	uint64_t start_tsc;
	uint64_t end_tsc;                  /* valid once ended */
};

/* Episodes (design section 5): one starts when L0 reflects an L2 exit to L1 and ends when L2 runs
 * again; the L1 exits in between are what that L2 exit cost beyond itself. */
#define L0_TRACE_EPISODE_HIST 32u /* episodes by their L1 exits: 0..30, and 31 or more */

struct l0_trace_episodes {
	bool open;
	uint64_t open_len;   /* L1 exits so far in the open episode */
	uint64_t count;      /* episodes closed since the last reset */
	struct l0_trace_counter l1[L0_TRACE_SLOTS]; /* L1 exits inside closed episodes, by reason */
	/* the open episode's, added to l1 when it closes: an episode that never closes (L1 stops
	 * running L2 after the last reflected exit, as at the end of a workload) is not an L2
	 * exit's cost, and what L1 does afterwards must not be charged to it */
	struct l0_trace_counter pending[L0_TRACE_SLOTS];
	uint64_t lengths[L0_TRACE_EPISODE_HIST];
};

struct l0_trace {
	bool enabled;
	uint64_t total_exits;
	uint64_t total_cycles;
	struct l0_trace_counter by_reason[L0_LEVEL_COUNT][L0_TRACE_SLOTS];
	struct l0_trace_phase phase;
	struct l0_trace_episodes episodes;
	struct l0_trace_events events; /* the phase's first exits, with events=N (trace_events.h) */
	uint64_t ring_written; /* exits ever put in the ring; the next one goes to this % SIZE */
	struct l0_trace_ring_entry ring[L0_TRACE_RING_SIZE];
};

/* The fast-path test: the hardware layer skips RDTSC and l0_trace_exit() when false. */
static inline bool l0_trace_on(const struct l0_trace *t)
{
	return t->enabled;
}

/* Everything zero (ring included, no event buffer), then enabled as given (the trace=on|off
 * option); l0_trace_events_attach(&t->events, ...) afterwards gives it events to record. */
void l0_trace_init(struct l0_trace *t, bool enabled);

/* Counters, phase and events back to zero; the ring, the event buffer's memory and the enabled
 * flag are kept, because the ring is a diagnostic of the last exits whatever the workload
 * phases. */
void l0_trace_reset(struct l0_trace *t);

/*
 * Accounts one exit that L0 handled: @tsc_at_exit when it happened, @cycles spent in L0 on it.
 * While a phase is active it also goes to the event buffer, if one is attached and has room.
 * A no-op returning L0_TRACE_OK when the trace is disabled. L0_TRACE_EINVAL (nothing counted)
 * for exit->level outside enum l0_level. Basic reasons above VMX_EXIT_REASON_MAX count in the
 * slot L0_TRACE_OTHER.
 */
int l0_trace_exit(struct l0_trace *t, const struct l0_exit *exit, uint64_t tsc_at_exit,
		  uint64_t cycles);

/* L0 reflected an L2 exit to L1 (call after l0_trace_exit() of that exit): an episode opens,
 * and that exit's event, if recorded, gets L0_TRACE_EV_REFLECTED. */
void l0_trace_episode_begin(struct l0_trace *t);

/* L0 entered L2 (call after l0_trace_exit() of the L1 exit that did it, which the episode
 * includes): the open episode, if any, closes, and that exit's event, if recorded, gets
 * L0_TRACE_EV_RESUMES_L2. */
void l0_trace_episode_end(struct l0_trace *t);

/* Opens phase @name (1..L0_TRACE_PHASE_MAX printable ASCII bytes; the JSON writer escapes
 * quotes and backslashes) at @tsc, replacing any current phase, with an empty event buffer. L0_TRACE_EINVAL (phase kept as
 * it was) for a NULL, empty or too long name or one with other bytes. */
int l0_trace_phase_begin(struct l0_trace *t, const char *name, uint64_t tsc);

/* Closes the current phase at @tsc, keeping its name for the next dump. L0_TRACE_EINVAL when
 * no phase is active. */
int l0_trace_phase_end(struct l0_trace *t, uint64_t tsc);

/*
 * Worst-case length (NUL included) of l0_trace_dump_json()'s output: every slot of both levels
 * non-zero with 20-digit counts, and a phase name of escapes only. Derived from the reason list,
 * so it stays right when reasons are added; a buffer this large never gets L0_TRACE_ETOOSMALL.
 */
#define L0_TRACE_U64_DIGITS 20
/* one map: braces, and per slot "NAME":DIGITS, with unnamed slots printed as "R<n>" (<= 4
 * characters) and the last as "OTHER" */
#define L0_TRACE_MAP_MAX                                                                      \
	(2 + VMX_EXIT_REASON_NAMES_LEN + 5 +                                                  \
	 4 * (VMX_EXIT_REASON_MAX + 1 - VMX_EXIT_REASON_COUNT) +                              \
	 L0_TRACE_SLOTS * (4 + L0_TRACE_U64_DIGITS))
/* one level: "lN":{"exits":MAP,"cycles":MAP}, plus a comma */
#define L0_TRACE_LEVEL_MAX (25 + 2 * L0_TRACE_MAP_MAX)
/* ,"episodes":{"count":N,"open":false,"l1":{"exits":MAP,"cycles":MAP},"lengths":{"NN":N,...}} */
#define L0_TRACE_EPISODES_MAX                                                                 \
	(80 + L0_TRACE_U64_DIGITS + 2 * L0_TRACE_MAP_MAX +                                    \
	 L0_TRACE_EPISODE_HIST * (6 + L0_TRACE_U64_DIGITS))
/* fixed keys and numbers; the phase name at 6 characters per byte (\u00XX) */
#define L0_TRACE_HEAD_MAX (128 + 6 * L0_TRACE_PHASE_MAX + 4 * L0_TRACE_U64_DIGITS)
#define L0_TRACE_JSON_MAX                                                                     \
	(L0_TRACE_HEAD_MAX + L0_LEVEL_COUNT * L0_TRACE_LEVEL_MAX + L0_TRACE_EPISODES_MAX + 2 + 1)

/*
 * Writes the counters as ONE line, the inside of a JSON object without braces (the console
 * wraps it as {"turtle":"l0-exits",...}):
 *   "phase":"cpuid","phase_active":false,"phase_cycles":N,"total":T,"cycles":C,
 *   "by_level":{"l1":{"exits":{"CPUID":1000,"RDMSR":3},"cycles":{"CPUID":123456,...}},"l2":{...}},
 *   "episodes":{"count":E,"open":false,"l1":{"exits":{"VMRESUME":E,...},"cycles":{...}},
 *               "lengths":{"2":E2,"12":E12,...}}
 * where "episodes" counts the L1 exits inside closed episodes by reason, and episodes by how many
 * L1 exits they had ("31" stands for 31 or more); an open episode's exits are not in it.
 * "phase" is null when no phase was begun since the last reset; "phase_cycles" runs to @tsc_now
 * while the phase is active. Reasons with zero exits are omitted; an unnamed basic reason is
 * keyed "R<n>", reasons beyond the table "OTHER". Returns the length written, or
 * L0_TRACE_ETOOSMALL when @size cannot hold it all (buf is then "", never a truncated record).
 * A buffer of L0_TRACE_JSON_MAX bytes always suffices.
 */
int l0_trace_dump_json(const struct l0_trace *t, uint64_t tsc_now, char *buf, size_t size);

/* Longest ring line, NUL included. */
#define L0_TRACE_RING_LINE_MAX 256

/*
 * Calls @line once per ring entry, oldest first, with the inside of a JSON object (no braces,
 * no newline), e.g. "seq":41,"level":"l2","reason":48,"name":"EPT_VIOLATION",
 * "entry_failure":false,"qual":"0x181","rip":"0xffffffff81000000","tsc":123,"cycles":456.
 * Returns the number of lines.
 */
size_t l0_trace_dump_ring(const struct l0_trace *t, l0_trace_line_fn line, void *ctx);

#endif /* L0_TRACE_H */
