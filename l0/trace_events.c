/*
 * trace_events.c: the trace's event buffer and its serial records (see trace_events.h). Touches
 * no hardware: TSC values come from the caller. Reasons are the exit-reason field of SDM Vol. 3C
 * 25.9.1, qualifications those of 28.2.1, both as the CPU gave them.
 */
#include "l0/trace_events.h"

#include <string.h>

#include "l0/fmt.h"
#include "l0/json.h"
#include "l0/trace.h"

bool l0_trace_events_attach(struct l0_trace_events *ev, struct l0_trace_event *buf,
			    uint32_t capacity)
{
	if (!buf || capacity == 0 || capacity > L0_TRACE_EVENTS_MAX)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->buf = buf;
	ev->capacity = capacity;
	return true;
}

void l0_trace_events_clear(struct l0_trace_events *ev)
{
	ev->count = 0;
	ev->missed = 0;
	ev->last_recorded = false;
}

void l0_trace_events_record(struct l0_trace_events *ev, const struct l0_exit *exit,
			    uint64_t tsc_at_exit, uint64_t cycles)
{
	struct l0_trace_event *e;

	ev->last_recorded = false;
	if (!ev->buf)
		return;
	if (ev->count >= ev->capacity) {
		ev->missed++;
		return;
	}
	e = &ev->buf[ev->count++];
	memset(e, 0, sizeof(*e));
	e->tsc = tsc_at_exit;
	e->cycles = cycles;
	e->qualification = exit->qualification;
	e->reason = exit->reason;
	e->level = (uint8_t)exit->level;
	ev->last_recorded = true;
}

void l0_trace_events_flag_last(struct l0_trace_events *ev, uint8_t flag)
{
	if (ev->last_recorded)
		ev->buf[ev->count - 1].flags |= flag;
}

/* One line of up to L0_TRACE_EVENTS_PER_LINE events from index @first. */
static void format_line(const struct l0_trace_events *ev, uint32_t first, char *buf, size_t size)
{
	uint32_t end = first + L0_TRACE_EVENTS_PER_LINE;
	uint64_t prev = ev->buf[first].tsc;
	int n;

	if (end > ev->count)
		end = ev->count;
	n = l0_snprintf(buf, size, "\"i\":%u,\"tsc\":%llu,\"ev\":[", (unsigned int)first,
			(unsigned long long)prev);
	for (uint32_t i = first; i < end; i++) {
		const struct l0_trace_event *e = &ev->buf[i];

		n += l0_snprintf(buf + n, size - (size_t)n, "%s[%llu,%u,%u,%llu,%u,%llu]",
				 i == first ? "" : ",", (unsigned long long)(e->tsc - prev),
				 (unsigned int)e->level, (unsigned int)e->reason,
				 (unsigned long long)e->cycles, (unsigned int)e->flags,
				 (unsigned long long)e->qualification);
		prev = e->tsc;
	}
	l0_snprintf(buf + n, size - (size_t)n, "]");
}

size_t l0_trace_events_dump(const struct l0_trace_events *ev, const char *phase,
			    uint64_t phase_start_tsc, l0_trace_line_fn line, void *ctx)
{
	char buf[L0_TRACE_EVENTS_LINE_MAX];
	char esc[6 * L0_TRACE_PHASE_MAX + 1];
	size_t lines = 0;

	if (phase)
		l0_json_escape(esc, sizeof(esc), phase);
	l0_snprintf(buf, sizeof(buf),
		    "%s%s%s,\"count\":%u,\"capacity\":%u,\"missed\":%llu,\"phase_start_tsc\":%llu",
		    phase ? "\"phase\":\"" : "\"phase\":null", phase ? esc : "", phase ? "\"" : "",
		    (unsigned int)ev->count, (unsigned int)ev->capacity,
		    (unsigned long long)ev->missed, (unsigned long long)phase_start_tsc);
	line(ctx, buf);
	for (uint32_t first = 0; first < ev->count; first += L0_TRACE_EVENTS_PER_LINE, lines++) {
		format_line(ev, first, buf, sizeof(buf));
		line(ctx, buf);
	}
	return lines;
}
