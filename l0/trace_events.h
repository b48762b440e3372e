/*
 * trace_events.h: the trace's event buffer (design section 5): with the option events=N, the
 * first N exits of each workload phase, one entry each (TSC at the exit, cycles L0 spent, level,
 * reason, qualification), flagged where an L2 exit opened an episode (L0 reflected it to L1) and
 * where an L1 exit closed one (L0 entered L2 again, at that exit's TSC + cycles). L1 has them
 * printed with the DUMP_EVENTS hypercall as short serial records, which the harness turns into a
 * Chrome trace-event file (harness/trace_events.py). Pure: the buffer is memory the caller
 * reserves (L0: pages of its pool, only when N > 0, so the default costs nothing).
 */
#ifndef L0_TRACE_EVENTS_H
#define L0_TRACE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l0/exit_table.h"

#define L0_TRACE_EVENTS_MAX 4096 /* entries at most: 128 KiB, 32 pages of L0's pool */
#define L0_TRACE_EVENT_PAGE 4096u
/* Events per serial record: a line of about 16 * 30 characters. */
#define L0_TRACE_EVENTS_PER_LINE 16u

/* Flags of an event. */
#define L0_TRACE_EV_REFLECTED 0x1u /* an L2 exit that L0 reflected to L1: an episode opens */
#define L0_TRACE_EV_RESUMES_L2 0x2u /* an L1 exit after which L0 entered L2: the episode closes */

struct l0_trace_event {
	uint64_t tsc;    /* TSC when L0 began handling the exit */
	uint64_t cycles; /* TSC cycles L0 spent on it */
	uint64_t qualification;
	uint32_t reason; /* the full exit-reason field */
	uint8_t level;   /* enum l0_level */
	uint8_t flags;   /* L0_TRACE_EV_* */
	uint16_t unused;
};
_Static_assert(sizeof(struct l0_trace_event) == 32, "event has no padding");

/* Pages for @n events. */
#define L0_TRACE_EVENTS_PAGES(n)                                                              \
	(((n) * sizeof(struct l0_trace_event) + L0_TRACE_EVENT_PAGE - 1) / L0_TRACE_EVENT_PAGE)

struct l0_trace_events {
	struct l0_trace_event *buf; /* NULL: events are not recorded (events=0) */
	uint32_t capacity;
	uint32_t count;      /* recorded since the last clear */
	uint64_t missed;     /* exits that found the buffer full */
	bool last_recorded;  /* the last exit offered is buf[count - 1]: flags may go on it */
};

/* Hands @capacity events at @buf (1..L0_TRACE_EVENTS_MAX) to @ev, empty. False (nothing
 * attached) for a NULL buffer or a capacity out of range. */
bool l0_trace_events_attach(struct l0_trace_events *ev, struct l0_trace_event *buf,
			    uint32_t capacity);

/* Empties the buffer (count and missed back to 0); the memory stays attached. */
void l0_trace_events_clear(struct l0_trace_events *ev);

/* Records one exit if there is room (else counts it missed); a no-op without a buffer. */
void l0_trace_events_record(struct l0_trace_events *ev, const struct l0_exit *exit,
			    uint64_t tsc_at_exit, uint64_t cycles);

/* ORs @flag into the event of the last exit offered, if it was recorded. */
void l0_trace_events_flag_last(struct l0_trace_events *ev, uint8_t flag);

typedef void (*l0_trace_line_fn)(void *ctx, const char *line);

/* Longest line of l0_trace_events_dump(), NUL included: the fixed keys, and per event six
 * numbers of at most 20 digits with their brackets and commas. */
#define L0_TRACE_EVENTS_LINE_MAX (64 + L0_TRACE_EVENTS_PER_LINE * (6 * 21 + 3))

/*
 * Calls @line with the inside of JSON objects (no braces, no newline): first a head,
 *   "phase":"cpuid","count":N,"capacity":C,"missed":M,"phase_start_tsc":T
 * (@phase is NULL for "phase":null), then one line per L0_TRACE_EVENTS_PER_LINE events,
 *   "i":K,"tsc":T,"ev":[[dt,level,reason,cycles,flags,qual],...]
 * where K is the index of the line's first event, T its TSC, and dt each event's TSC minus the
 * previous one's on the line (0 for the first), so that a line lost on the way costs only its
 * own events. Returns the number of event lines.
 */
size_t l0_trace_events_dump(const struct l0_trace_events *ev, const char *phase,
			    uint64_t phase_start_tsc, l0_trace_line_fn line, void *ctx);

#endif /* L0_TRACE_EVENTS_H */
