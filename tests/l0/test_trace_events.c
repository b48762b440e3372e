/*
 * test_trace_events.c: tests of l0/trace_events.c through the trace (l0/trace.c): events are
 * recorded only during a phase and only with a buffer, the first N of a phase and the rest
 * counted missed, the episode flags land on the right exits (and never on an older event), and
 * the serial records' exact text, chunking and worst-case line bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "l0/trace.h"

#define CAPACITY 8u

static struct l0_trace trace;
static struct l0_trace_event buf[L0_TRACE_EVENTS_MAX];

static void offer(enum l0_level level, uint32_t reason, uint64_t qual, uint64_t tsc,
		  uint64_t cycles)
{
	struct l0_exit e = { .level = level, .qualification = qual };

	l0_exit_set_reason(&e, reason);
	assert_int_equal(l0_trace_exit(&trace, &e, tsc, cycles), L0_TRACE_OK);
}

static void setup_with(uint32_t capacity)
{
	l0_trace_init(&trace, true);
	memset(buf, 0xa5, sizeof(buf));
	assert_true(l0_trace_events_attach(&trace.events, buf, capacity));
}

static void test_attach_bounds(void **state)
{
	struct l0_trace_events ev = { 0 };

	(void)state;
	assert_false(l0_trace_events_attach(&ev, NULL, 4));
	assert_false(l0_trace_events_attach(&ev, buf, 0));
	assert_false(l0_trace_events_attach(&ev, buf, L0_TRACE_EVENTS_MAX + 1));
	assert_null(ev.buf);
	assert_true(l0_trace_events_attach(&ev, buf, L0_TRACE_EVENTS_MAX));
	assert_int_equal(ev.capacity, L0_TRACE_EVENTS_MAX);
	/* the pool pages L0 reserves for the largest buffer */
	assert_int_equal(L0_TRACE_EVENTS_PAGES(L0_TRACE_EVENTS_MAX), 32);
	assert_int_equal(L0_TRACE_EVENTS_PAGES(1), 1);
	assert_int_equal(L0_TRACE_EVENTS_PAGES(129), 2);
}

static void test_no_buffer_records_nothing(void **state)
{
	(void)state;
	l0_trace_init(&trace, true);
	assert_int_equal(l0_trace_phase_begin(&trace, "cpuid", 10), L0_TRACE_OK);
	offer(L0_LEVEL_L2, VMX_EXIT_CPUID, 0, 100, 5);
	l0_trace_episode_begin(&trace);
	assert_int_equal(trace.total_exits, 1);
	assert_int_equal(trace.events.count, 0);
	assert_int_equal(trace.events.missed, 0);
}

static void test_only_during_phase_first_n(void **state)
{
	(void)state;
	setup_with(CAPACITY);
	offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 50, 5); /* before the phase: not an event */
	assert_int_equal(trace.events.count, 0);
	assert_int_equal(l0_trace_phase_begin(&trace, "cpuid", 100), L0_TRACE_OK);
	for (uint64_t i = 0; i < CAPACITY + 3; i++)
		offer(L0_LEVEL_L1, VMX_EXIT_VMREAD, i, 1000 + 10 * i, 7 + i);
	assert_int_equal(trace.events.count, CAPACITY);
	assert_int_equal(trace.events.missed, 3);
	for (uint32_t i = 0; i < CAPACITY; i++) {
		assert_int_equal(buf[i].tsc, 1000 + 10 * i);
		assert_int_equal(buf[i].cycles, 7 + i);
		assert_int_equal(buf[i].qualification, i);
		assert_int_equal(buf[i].reason, VMX_EXIT_VMREAD);
		assert_int_equal(buf[i].level, L0_LEVEL_L1);
		assert_int_equal(buf[i].flags, 0);
	}
	assert_int_equal(l0_trace_phase_end(&trace, 2000), L0_TRACE_OK);
	offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 2100, 5); /* after it: not an event either */
	assert_int_equal(trace.events.missed, 3);

	/* a new phase starts empty; so does a reset, which keeps the memory */
	assert_int_equal(l0_trace_phase_begin(&trace, "io", 3000), L0_TRACE_OK);
	assert_int_equal(trace.events.count, 0);
	assert_int_equal(trace.events.missed, 0);
	offer(L0_LEVEL_L2, VMX_EXIT_IO_INSTRUCTION, 0x3f8, 3100, 5);
	assert_int_equal(trace.events.count, 1);
	l0_trace_reset(&trace);
	assert_int_equal(trace.events.count, 0);
	assert_ptr_equal(trace.events.buf, buf);
	assert_int_equal(trace.events.capacity, CAPACITY);
}

/* One L2 exit reflected to L1, its cascade, and the VMRESUME that enters L2 again. */
static void test_episode_flags(void **state)
{
	(void)state;
	setup_with(CAPACITY);
	assert_int_equal(l0_trace_phase_begin(&trace, "cpuid", 0), L0_TRACE_OK);
	offer(L0_LEVEL_L2, VMX_EXIT_CPUID, 0, 100, 20);
	l0_trace_episode_begin(&trace);
	offer(L0_LEVEL_L1, VMX_EXIT_VMREAD, 0, 200, 30);
	offer(L0_LEVEL_L1, VMX_EXIT_VMWRITE, 0, 300, 30);
	offer(L0_LEVEL_L1, VMX_EXIT_VMRESUME, 0, 400, 90);
	l0_trace_episode_end(&trace);
	offer(L0_LEVEL_L2, VMX_EXIT_CR_ACCESS, 4, 600, 15); /* L0's own: no episode */
	assert_int_equal(trace.events.count, 5);
	assert_int_equal(buf[0].flags, L0_TRACE_EV_REFLECTED);
	assert_int_equal(buf[1].flags, 0);
	assert_int_equal(buf[2].flags, 0);
	assert_int_equal(buf[3].flags, L0_TRACE_EV_RESUMES_L2);
	assert_int_equal(buf[4].flags, 0);
	assert_int_equal(buf[4].level, L0_LEVEL_L2);
	/* a second end with no episode open flags nothing */
	l0_trace_episode_end(&trace);
	assert_int_equal(buf[4].flags, 0);
}

/* A flag belongs to the exit just offered: when that one was not recorded (buffer full, or no
 * phase), no older event may take it. */
static void test_flags_never_land_on_older_events(void **state)
{
	(void)state;
	setup_with(2);
	assert_int_equal(l0_trace_phase_begin(&trace, "x", 0), L0_TRACE_OK);
	offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 10, 1);
	offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 20, 1);
	offer(L0_LEVEL_L2, VMX_EXIT_CPUID, 0, 30, 1); /* full: missed */
	l0_trace_episode_begin(&trace);
	offer(L0_LEVEL_L1, VMX_EXIT_VMRESUME, 0, 40, 1);
	l0_trace_episode_end(&trace);
	assert_int_equal(buf[0].flags, 0);
	assert_int_equal(buf[1].flags, 0);
	assert_int_equal(trace.events.missed, 2);

	setup_with(2);
	assert_int_equal(l0_trace_phase_begin(&trace, "x", 0), L0_TRACE_OK);
	offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 10, 1);
	assert_int_equal(l0_trace_phase_end(&trace, 15), L0_TRACE_OK);
	offer(L0_LEVEL_L2, VMX_EXIT_CPUID, 0, 30, 1); /* outside the phase */
	l0_trace_episode_begin(&trace);
	assert_int_equal(buf[0].flags, 0);
}

struct lines {
	char text[8][L0_TRACE_EVENTS_LINE_MAX];
	size_t n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;

	assert_true(l->n < 8);
	assert_true(strlen(line) < L0_TRACE_EVENTS_LINE_MAX);
	strcpy(l->text[l->n++], line);
}

static void test_dump_exact(void **state)
{
	struct lines out = { .n = 0 };

	(void)state;
	setup_with(CAPACITY);
	/* no phase yet, no events: the head alone */
	assert_int_equal(l0_trace_events_dump(&trace.events, NULL, 0, collect, &out), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.text[0], "\"phase\":null,\"count\":0,\"capacity\":8,\"missed\":0,"
					 "\"phase_start_tsc\":0");

	assert_int_equal(l0_trace_phase_begin(&trace, "cpuid", 900), L0_TRACE_OK);
	offer(L0_LEVEL_L2, VMX_EXIT_CPUID, 0, 1000, 20);
	l0_trace_episode_begin(&trace);
	offer(L0_LEVEL_L1, VMX_EXIT_VMREAD, 0x10, 1100, 30);
	offer(L0_LEVEL_L1, VMX_EXIT_VMRESUME, 0, 1250, 90);
	l0_trace_episode_end(&trace);
	out.n = 0;
	assert_int_equal(l0_trace_events_dump(&trace.events, trace.phase.name,
					      trace.phase.start_tsc, collect, &out),
			 1);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.text[0], "\"phase\":\"cpuid\",\"count\":3,\"capacity\":8,"
					 "\"missed\":0,\"phase_start_tsc\":900");
	assert_string_equal(out.text[1], "\"i\":0,\"tsc\":1000,\"ev\":[[0,1,10,20,1,0],"
					 "[100,0,23,30,0,16],[150,0,24,90,2,0]]");
}

/* 2 lines and a bit: each line restarts its TSC base, so one lost line loses only itself. */
static void test_dump_chunks(void **state)
{
	const uint32_t n = 2 * L0_TRACE_EVENTS_PER_LINE + 1;
	struct lines out = { .n = 0 };
	char want[64];

	(void)state;
	setup_with(n);
	assert_int_equal(l0_trace_phase_begin(&trace, "a\"b", 0), L0_TRACE_OK);
	for (uint32_t i = 0; i < n; i++)
		offer(L0_LEVEL_L1, VMX_EXIT_CPUID, 0, 5000 + 3 * i, 1);
	assert_int_equal(l0_trace_events_dump(&trace.events, trace.phase.name, 0, collect, &out),
			 3);
	assert_int_equal(out.n, 4);
	assert_non_null(strstr(out.text[0], "\"phase\":\"a\\\"b\""));
	snprintf(want, sizeof(want), "\"i\":%u,\"tsc\":%u,\"ev\":[[0,",
		 L0_TRACE_EVENTS_PER_LINE, 5000 + 3 * L0_TRACE_EVENTS_PER_LINE);
	assert_true(strncmp(out.text[2], want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "\"i\":%u,\"tsc\":%u,\"ev\":[[0,0,10,1,0,0]]",
		 2 * L0_TRACE_EVENTS_PER_LINE, 5000 + 3 * 2 * L0_TRACE_EVENTS_PER_LINE);
	assert_string_equal(out.text[3], want);
	/* within a line, every event after the first is 3 cycles after the one before */
	assert_non_null(strstr(out.text[1], "],[3,0,10,1,0,0],"));
}

/* Every number at its widest still fits L0_TRACE_EVENTS_LINE_MAX (collect() checks). */
static void test_dump_worst_case(void **state)
{
	struct lines out = { .n = 0 };

	(void)state;
	setup_with(L0_TRACE_EVENTS_PER_LINE);
	assert_int_equal(l0_trace_phase_begin(&trace, "ppppppppppppppp\\", 0), L0_TRACE_OK);
	for (uint32_t i = 0; i < L0_TRACE_EVENTS_PER_LINE; i++) {
		offer(L0_LEVEL_L2, UINT32_MAX, UINT64_MAX, i % 2 ? UINT64_MAX : 0, UINT64_MAX);
		buf[i].flags = UINT8_MAX;
	}
	trace.events.missed = UINT64_MAX;
	assert_int_equal(l0_trace_events_dump(&trace.events, trace.phase.name, UINT64_MAX,
					      collect, &out),
			 1);
	assert_non_null(strstr(out.text[1], "[18446744073709551615,1,4294967295,"
					    "18446744073709551615,255,18446744073709551615]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_bounds),
		cmocka_unit_test(test_no_buffer_records_nothing),
		cmocka_unit_test(test_only_during_phase_first_n),
		cmocka_unit_test(test_episode_flags),
		cmocka_unit_test(test_flags_never_land_on_older_events),
		cmocka_unit_test(test_dump_exact),
		cmocka_unit_test(test_dump_chunks),
		cmocka_unit_test(test_dump_worst_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
