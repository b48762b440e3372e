/*
 * trace.c: L0's exit counters, ring of recent exits, workload phases, and their JSON writers
 * (see trace.h). Touches no hardware: TSC values come from the caller. Exit reasons follow SDM
 * Vol. 3C Appendix C and the exit-reason field of 25.9.1.
 */
#include "l0/trace.h"

#include <stdarg.h>
#include <string.h>

#include "l0/fmt.h"
#include "l0/json.h"

void l0_trace_init(struct l0_trace *t, bool enabled)
{
	memset(t, 0, sizeof(*t));
	t->enabled = enabled;
}

void l0_trace_reset(struct l0_trace *t)
{
	t->total_exits = 0;
	t->total_cycles = 0;
	memset(t->by_reason, 0, sizeof(t->by_reason));
	memset(&t->phase, 0, sizeof(t->phase));
	memset(&t->episodes, 0, sizeof(t->episodes));
	l0_trace_events_clear(&t->events);
}

int l0_trace_exit(struct l0_trace *t, const struct l0_exit *exit, uint64_t tsc_at_exit,
		  uint64_t cycles)
{
	uint32_t slot = exit->basic_reason <= VMX_EXIT_REASON_MAX ? exit->basic_reason
								  : L0_TRACE_OTHER;
	struct l0_trace_ring_entry *r;

	if (!t->enabled)
		return L0_TRACE_OK;
	if ((unsigned int)exit->level >= L0_LEVEL_COUNT)
		return L0_TRACE_EINVAL;
	t->total_exits++;
	t->total_cycles += cycles;
	t->by_reason[exit->level][slot].exits++;
	t->by_reason[exit->level][slot].cycles += cycles;
	if (t->episodes.open && exit->level == L0_LEVEL_L1) {
		t->episodes.pending[slot].exits++;
		t->episodes.pending[slot].cycles += cycles;
		t->episodes.open_len++;
	}

	r = &t->ring[t->ring_written & (L0_TRACE_RING_SIZE - 1)];
	r->seq = t->ring_written++;
	r->tsc = tsc_at_exit;
	r->cycles = cycles;
	r->qualification = exit->qualification;
	r->guest_rip = exit->guest_rip;
	r->reason = exit->reason;
	r->level = (uint32_t)exit->level;
	if (t->phase.active)
		l0_trace_events_record(&t->events, exit, tsc_at_exit, cycles);
	else
		t->events.last_recorded = false; /* no episode flag on an older event */
	return L0_TRACE_OK;
}

void l0_trace_episode_begin(struct l0_trace *t)
{
	if (!t->enabled)
		return;
	t->episodes.open = true;
	t->episodes.open_len = 0;
	l0_trace_events_flag_last(&t->events, L0_TRACE_EV_REFLECTED);
	memset(t->episodes.pending, 0, sizeof(t->episodes.pending));
}

void l0_trace_episode_end(struct l0_trace *t)
{
	struct l0_trace_episodes *e = &t->episodes;

	if (!t->enabled || !e->open)
		return;
	e->open = false;
	e->count++;
	l0_trace_events_flag_last(&t->events, L0_TRACE_EV_RESUMES_L2);
	for (unsigned int s = 0; s < L0_TRACE_SLOTS; s++) {
		e->l1[s].exits += e->pending[s].exits;
		e->l1[s].cycles += e->pending[s].cycles;
	}
	e->lengths[e->open_len < L0_TRACE_EPISODE_HIST ? e->open_len : L0_TRACE_EPISODE_HIST - 1]++;
}

int l0_trace_phase_begin(struct l0_trace *t, const char *name, uint64_t tsc)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > L0_TRACE_PHASE_MAX)
		return L0_TRACE_EINVAL;
	/* Printable ASCII only: the name goes into a JSON string on a serial line. */
	for (size_t i = 0; i < len; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e)
			return L0_TRACE_EINVAL;
	}
	memset(&t->phase, 0, sizeof(t->phase));
	memcpy(t->phase.name, name, len);
	t->phase.active = true;
	t->phase.start_tsc = tsc;
	l0_trace_events_clear(&t->events);
	return L0_TRACE_OK;
}

int l0_trace_phase_end(struct l0_trace *t, uint64_t tsc)
{
	if (!t->phase.active)
		return L0_TRACE_EINVAL;
	t->phase.active = false;
	t->phase.end_tsc = tsc;
	return L0_TRACE_OK;
}

/* Appends to a caller buffer; once something does not fit, the whole record is void. */
struct out {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = l0_vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->overflow = true;
		return;
	}
	o->len += (size_t)n;
}

static void put_slot_key(struct out *o, uint32_t slot)
{
	const char *name = vmxe_exit_reason_name(slot);

	if (slot == L0_TRACE_OTHER)
		put(o, "\"OTHER\":");
	else if (name)
		put(o, "\"%s\":", name);
	else
		put(o, "\"R%u\":", (unsigned int)slot);
}

/* {"NAME":value,...} over the slots with exits, value being the count or the cycles. */
static void put_map(struct out *o, const struct l0_trace_counter *slots, bool cycles)
{
	bool first = true;

	put(o, "{");
	for (uint32_t s = 0; s < L0_TRACE_SLOTS; s++) {
		if (slots[s].exits == 0)
			continue;
		if (!first)
			put(o, ",");
		first = false;
		put_slot_key(o, s);
		put(o, "%llu", (unsigned long long)(cycles ? slots[s].cycles : slots[s].exits));
	}
	put(o, "}");
}

static void put_phase(struct out *o, const struct l0_trace_phase *p, uint64_t tsc_now)
{
	char esc[6 * L0_TRACE_PHASE_MAX + 1];
	uint64_t end = p->active ? tsc_now : p->end_tsc;

	if (p->name[0] == '\0') {
		put(o, "\"phase\":null,\"phase_active\":false,\"phase_cycles\":0");
		return;
	}
	l0_json_escape(esc, sizeof(esc), p->name);
	put(o, "\"phase\":\"%s\",\"phase_active\":%s,\"phase_cycles\":%llu", esc,
	    p->active ? "true" : "false", (unsigned long long)(end - p->start_tsc));
}

static void put_episodes(struct out *o, const struct l0_trace_episodes *e)
{
	bool first = true;

	put(o, ",\"episodes\":{\"count\":%llu,\"open\":%s,\"l1\":{\"exits\":",
	    (unsigned long long)e->count, e->open ? "true" : "false");
	put_map(o, e->l1, false);
	put(o, ",\"cycles\":");
	put_map(o, e->l1, true);
	put(o, "},\"lengths\":{");
	for (unsigned int n = 0; n < L0_TRACE_EPISODE_HIST; n++) {
		if (!e->lengths[n])
			continue;
		put(o, "%s\"%u\":%llu", first ? "" : ",", n, (unsigned long long)e->lengths[n]);
		first = false;
	}
	put(o, "}}");
}

int l0_trace_dump_json(const struct l0_trace *t, uint64_t tsc_now, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size == 0)
		return L0_TRACE_ETOOSMALL;
	put_phase(&o, &t->phase, tsc_now);
	put(&o, ",\"total\":%llu,\"cycles\":%llu,\"by_level\":{",
	    (unsigned long long)t->total_exits, (unsigned long long)t->total_cycles);
	for (unsigned int l = 0; l < L0_LEVEL_COUNT; l++) {
		put(&o, "%s\"%s\":{\"exits\":", l ? "," : "", l0_level_name((enum l0_level)l));
		put_map(&o, t->by_reason[l], false);
		put(&o, ",\"cycles\":");
		put_map(&o, t->by_reason[l], true);
		put(&o, "}");
	}
	put(&o, "}");
	put_episodes(&o, &t->episodes);
	if (o.overflow) {
		buf[0] = '\0';
		return L0_TRACE_ETOOSMALL;
	}
	return (int)o.len;
}

static void format_ring_entry(const struct l0_trace_ring_entry *r, char *buf, size_t size)
{
	uint16_t basic = vmx_exit_basic(r->reason);
	const char *name = vmxe_exit_reason_name(basic);
	const char *level = l0_level_name((enum l0_level)r->level);

	l0_snprintf(buf, size,
		    "\"seq\":%llu,\"level\":\"%s\",\"reason\":%u,\"name\":\"%s\","
		    "\"entry_failure\":%s,\"qual\":\"0x%llx\",\"rip\":\"0x%llx\",\"tsc\":%llu,"
		    "\"cycles\":%llu",
		    (unsigned long long)r->seq, level ? level : "?", (unsigned int)basic,
		    name ? name : "?", vmx_exit_is_entry_failure(r->reason) ? "true" : "false",
		    (unsigned long long)r->qualification, (unsigned long long)r->guest_rip,
		    (unsigned long long)r->tsc, (unsigned long long)r->cycles);
}

size_t l0_trace_dump_ring(const struct l0_trace *t, l0_trace_line_fn line, void *ctx)
{
	uint64_t n = t->ring_written < L0_TRACE_RING_SIZE ? t->ring_written : L0_TRACE_RING_SIZE;
	uint64_t first = t->ring_written - n;
	char buf[L0_TRACE_RING_LINE_MAX];

	for (uint64_t seq = first; seq < t->ring_written; seq++) {
		format_ring_entry(&t->ring[seq & (L0_TRACE_RING_SIZE - 1)], buf, sizeof(buf));
		line(ctx, buf);
	}
	return (size_t)n;
}
