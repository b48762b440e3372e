/*
 * test_trace.c: tests of l0/trace.c: counting by level and basic reason, the disabled fast path,
 * the ring of recent exits (oldest first, wrap-around), phases, reset, and the JSON writer's
 * exact output, worst-case size bound and refusal to truncate.
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

static struct l0_exit make_exit(enum l0_level level, uint32_t reason, uint64_t rip)
{
	struct l0_exit e = { .level = level, .guest_rip = rip, .qualification = rip ^ 0xff };

	l0_exit_set_reason(&e, reason);
	return e;
}

static void test_init_and_disabled(void **state)
{
	struct l0_trace t;
	struct l0_exit e = make_exit(L0_LEVEL_L1, VMX_EXIT_CPUID, 1);

	(void)state;
	memset(&t, 0xa5, sizeof(t));
	l0_trace_init(&t, false);
	assert_false(l0_trace_on(&t));
	assert_int_equal(l0_trace_exit(&t, &e, 100, 10), L0_TRACE_OK);
	assert_int_equal(t.total_exits, 0);
	assert_int_equal(t.ring_written, 0);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][VMX_EXIT_CPUID].exits, 0);
	assert_int_equal(t.phase.name[0], '\0');

	l0_trace_init(&t, true);
	assert_true(l0_trace_on(&t));
	assert_int_equal(l0_trace_exit(&t, &e, 100, 10), L0_TRACE_OK);
	assert_int_equal(t.total_exits, 1);
}

static void test_counting(void **state)
{
	static const struct {
		enum l0_level level;
		uint32_t reason;
		uint64_t cycles;
	} rows[] = {
		{ L0_LEVEL_L1, VMX_EXIT_CPUID, 100 },
		{ L0_LEVEL_L1, VMX_EXIT_CPUID, 150 },
		{ L0_LEVEL_L1, VMX_EXIT_RDMSR, 7 },
		{ L0_LEVEL_L2, VMX_EXIT_CPUID, 1000 },
		{ L0_LEVEL_L2, VMX_EXIT_EPT_VIOLATION, 2000 },
		{ L0_LEVEL_L2, VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_ENTRY_FAIL_GUEST_STATE, 5 },
		{ L0_LEVEL_L1, 200, 3 }, /* beyond the table: OTHER */
		{ L0_LEVEL_L1, 0xffff, 4 },
	};
	struct l0_trace t;
	struct l0_exit bad = make_exit((enum l0_level)3, VMX_EXIT_CPUID, 0);

	(void)state;
	l0_trace_init(&t, true);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct l0_exit e = make_exit(rows[i].level, rows[i].reason, i);

		assert_int_equal(l0_trace_exit(&t, &e, 1000 * i, rows[i].cycles), L0_TRACE_OK);
	}
	assert_int_equal(l0_trace_exit(&t, &bad, 0, 99), L0_TRACE_EINVAL);

	assert_int_equal(t.total_exits, 8);
	assert_int_equal(t.total_cycles, 100 + 150 + 7 + 1000 + 2000 + 5 + 3 + 4);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][VMX_EXIT_CPUID].exits, 2);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][VMX_EXIT_CPUID].cycles, 250);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][VMX_EXIT_RDMSR].exits, 1);
	assert_int_equal(t.by_reason[L0_LEVEL_L2][VMX_EXIT_CPUID].exits, 1);
	assert_int_equal(t.by_reason[L0_LEVEL_L2][VMX_EXIT_CPUID].cycles, 1000);
	assert_int_equal(t.by_reason[L0_LEVEL_L2][VMX_EXIT_EPT_VIOLATION].cycles, 2000);
	assert_int_equal(t.by_reason[L0_LEVEL_L2][VMX_EXIT_ENTRY_FAIL_GUEST_STATE].exits, 1);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][L0_TRACE_OTHER].exits, 2);
	assert_int_equal(t.by_reason[L0_LEVEL_L1][L0_TRACE_OTHER].cycles, 7);
	assert_int_equal(t.ring_written, 8);
}

struct lines {
	int n;
	char text[2 * L0_TRACE_RING_SIZE][L0_TRACE_RING_LINE_MAX];
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;

	assert_true(l->n < (int)(2 * L0_TRACE_RING_SIZE));
	assert_true(strlen(line) < L0_TRACE_RING_LINE_MAX - 1); /* never cut by the buffer */
	strcpy(l->text[l->n++], line);
}

static void test_ring_partial(void **state)
{
	struct l0_trace t;
	struct lines *l = calloc(1, sizeof(*l));
	struct l0_exit e1 = make_exit(L0_LEVEL_L1, VMX_EXIT_CPUID, 0x1000);
	struct l0_exit e2 = make_exit(L0_LEVEL_L2, VMX_EXIT_REASON_ENTRY_FAILURE | 33, 0x2000);

	(void)state;
	l0_trace_init(&t, true);
	assert_int_equal(l0_trace_dump_ring(&t, collect, l), 0);
	l0_trace_exit(&t, &e1, 500, 40);
	l0_trace_exit(&t, &e2, 600, 41);
	assert_int_equal(l0_trace_dump_ring(&t, collect, l), 2);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->text[0], "\"seq\":0,\"level\":\"l1\",\"reason\":10,"
					"\"name\":\"CPUID\","
					"\"entry_failure\":false,\"qual\":\"0x10ff\","
					"\"rip\":\"0x1000\",\"tsc\":500,\"cycles\":40");
	assert_string_equal(l->text[1], "\"seq\":1,\"level\":\"l2\",\"reason\":33,"
					"\"name\":\"ENTRY_FAIL_GUEST_STATE\","
					"\"entry_failure\":true,\"qual\":\"0x20ff\","
					"\"rip\":\"0x2000\",\"tsc\":600,\"cycles\":41");
	free(l);
}

static void test_ring_wraps_oldest_first(void **state)
{
	const unsigned int total = L0_TRACE_RING_SIZE + 37;
	struct l0_trace t;
	struct lines *l = calloc(1, sizeof(*l));

	(void)state;
	l0_trace_init(&t, true);
	for (unsigned int i = 0; i < total; i++) {
		struct l0_exit e = make_exit(i % 2 ? L0_LEVEL_L2 : L0_LEVEL_L1, i % 78, i);

		l0_trace_exit(&t, &e, i * 10, i);
	}
	/* reset and a new phase keep the ring: it is a diagnostic of the last exits */
	l0_trace_reset(&t);
	assert_int_equal(l0_trace_dump_ring(&t, collect, l), L0_TRACE_RING_SIZE);
	for (int k = 0; k < l->n; k++) {
		unsigned int seq = total - L0_TRACE_RING_SIZE + (unsigned int)k;
		char want[64];

		snprintf(want, sizeof(want), "\"seq\":%u,\"level\":\"%s\",\"reason\":%u,", seq,
			 seq % 2 ? "l2" : "l1", seq % 78);
		assert_memory_equal(l->text[k], want, strlen(want));
		snprintf(want, sizeof(want), "\"tsc\":%u,\"cycles\":%u", seq * 10, seq);
		assert_non_null(strstr(l->text[k], want));
	}
	free(l);
}

static void test_phases(void **state)
{
	struct l0_trace t;

	(void)state;
	l0_trace_init(&t, true);
	assert_int_equal(l0_trace_phase_end(&t, 5), L0_TRACE_EINVAL);
	assert_int_equal(l0_trace_phase_begin(&t, "", 1), L0_TRACE_EINVAL);
	assert_int_equal(l0_trace_phase_begin(&t, NULL, 1), L0_TRACE_EINVAL);
	assert_int_equal(l0_trace_phase_begin(&t, "0123456789abcdefX", 1), L0_TRACE_EINVAL);
	assert_int_equal(l0_trace_phase_begin(&t, "tab\there", 1), L0_TRACE_EINVAL);
	assert_int_equal(l0_trace_phase_begin(&t, "caf\xc3\xa9", 1), L0_TRACE_EINVAL);
	assert_int_equal(t.phase.name[0], '\0');

	assert_int_equal(l0_trace_phase_begin(&t, "0123456789abcdef", 100), L0_TRACE_OK);
	assert_string_equal(t.phase.name, "0123456789abcdef");
	assert_true(t.phase.active);
	assert_int_equal(l0_trace_phase_begin(&t, "cpuid", 200), L0_TRACE_OK); /* replaces */
	assert_string_equal(t.phase.name, "cpuid");
	assert_int_equal(t.phase.start_tsc, 200);
	assert_int_equal(l0_trace_phase_end(&t, 350), L0_TRACE_OK);
	assert_false(t.phase.active);
	assert_int_equal(t.phase.end_tsc, 350);
	assert_int_equal(l0_trace_phase_end(&t, 400), L0_TRACE_EINVAL);
	assert_string_equal(t.phase.name, "cpuid"); /* kept for the dump */

	l0_trace_reset(&t);
	assert_int_equal(t.phase.name[0], '\0');
	assert_true(l0_trace_on(&t));
}

static void test_dump_exact(void **state)
{
	struct l0_trace t;
	char buf[L0_TRACE_JSON_MAX];
	struct l0_exit e;
	int n;

	(void)state;
	l0_trace_init(&t, true);
	n = l0_trace_dump_json(&t, 0, buf, sizeof(buf));
	assert_string_equal(buf, "\"phase\":null,\"phase_active\":false,\"phase_cycles\":0,"
				 "\"total\":0,\"cycles\":0,\"by_level\":{\"l1\":{\"exits\":{},"
				 "\"cycles\":{}},\"l2\":{\"exits\":{},\"cycles\":{}}}"
				 ",\"episodes\":{\"count\":0,\"open\":false,\"l1\":{\"exits\":{},\"cycles\":{}},\"lengths\":{}}");
	assert_int_equal(n, (int)strlen(buf));

	l0_trace_phase_begin(&t, "cpuid", 1000);
	for (int i = 0; i < 3; i++) {
		e = make_exit(L0_LEVEL_L1, VMX_EXIT_CPUID, 0);
		l0_trace_exit(&t, &e, 0, 10);
	}
	e = make_exit(L0_LEVEL_L1, VMX_EXIT_RDMSR, 0);
	l0_trace_exit(&t, &e, 0, 5);
	e = make_exit(L0_LEVEL_L2, 35, 0); /* unnamed */
	l0_trace_exit(&t, &e, 0, 1);
	e = make_exit(L0_LEVEL_L2, 999, 0);
	l0_trace_exit(&t, &e, 0, 2);
	e = make_exit(L0_LEVEL_L2, VMX_EXIT_VMRESUME, 0);
	l0_trace_exit(&t, &e, 0, 0); /* counted with zero cycles: still listed */

	n = l0_trace_dump_json(&t, 1500, buf, sizeof(buf));
	assert_string_equal(buf, "\"phase\":\"cpuid\",\"phase_active\":true,\"phase_cycles\":500,"
				 "\"total\":7,\"cycles\":38,\"by_level\":{"
				 "\"l1\":{\"exits\":{\"CPUID\":3,\"RDMSR\":1},"
				 "\"cycles\":{\"CPUID\":30,\"RDMSR\":5}},"
				 "\"l2\":{\"exits\":{\"VMRESUME\":1,\"R35\":1,\"OTHER\":1},"
				 "\"cycles\":{\"VMRESUME\":0,\"R35\":1,\"OTHER\":2}}}"
				 ",\"episodes\":{\"count\":0,\"open\":false,\"l1\":{\"exits\":{},\"cycles\":{}},\"lengths\":{}}");
	assert_int_equal(n, (int)strlen(buf));

	l0_trace_phase_end(&t, 1800);
	l0_trace_dump_json(&t, 999999, buf, sizeof(buf));
	{
		const char *want = "\"phase\":\"cpuid\",\"phase_active\":false,"
				   "\"phase_cycles\":800,";

		assert_memory_equal(buf, want, strlen(want));
	}
}

/* An episode: the reflected L2 exit opens it, L1's exits count in it up to and including the
 * VMRESUME that enters L2 again; L1 exits outside episodes and L2 exits L0 handles alone do not. */
static void test_episodes(void **state)
{
	struct l0_trace t;
	char buf[L0_TRACE_JSON_MAX];
	struct l0_exit e;
	const char *ep;

	(void)state;
	l0_trace_init(&t, true);
	e = make_exit(L0_LEVEL_L1, VMX_EXIT_CPUID, 0); /* before any episode */
	l0_trace_exit(&t, &e, 0, 1);
	for (int round = 0; round < 2; round++) {
		e = make_exit(L0_LEVEL_L2, VMX_EXIT_CPUID, 0);
		l0_trace_exit(&t, &e, 0, 100);
		l0_trace_episode_begin(&t);
		for (int i = 0; i < 3 + round; i++) {
			e = make_exit(L0_LEVEL_L1, VMX_EXIT_VMREAD, 0);
			l0_trace_exit(&t, &e, 0, 10);
		}
		e = make_exit(L0_LEVEL_L1, VMX_EXIT_VMRESUME, 0);
		l0_trace_exit(&t, &e, 0, 50);
		l0_trace_episode_end(&t);
	}
	e = make_exit(L0_LEVEL_L2, VMX_EXIT_EPT_VIOLATION, 0); /* L0's alone: no episode */
	l0_trace_exit(&t, &e, 0, 7);
	l0_trace_episode_end(&t); /* nothing open: no effect */
	assert_int_equal(t.episodes.count, 2);
	assert_int_equal(t.episodes.l1[VMX_EXIT_VMREAD].exits, 7);
	assert_int_equal(t.episodes.l1[VMX_EXIT_VMRESUME].cycles, 100);
	assert_int_equal(t.episodes.l1[VMX_EXIT_CPUID].exits, 0);

	l0_trace_dump_json(&t, 0, buf, sizeof(buf));
	ep = strstr(buf, ",\"episodes\":");
	assert_non_null(ep);
	assert_string_equal(ep, ",\"episodes\":{\"count\":2,\"open\":false,\"l1\":{\"exits\":"
				"{\"VMREAD\":7,\"VMRESUME\":2},\"cycles\":{\"VMREAD\":70,"
				"\"VMRESUME\":100}},\"lengths\":{\"4\":1,\"5\":1}}");

	/* an open episode shows as such, its exits held back until it closes (the last one of a
	 * workload never does), and a reset closes and clears it */
	l0_trace_episode_begin(&t);
	e = make_exit(L0_LEVEL_L1, VMX_EXIT_CPUID, 0);
	l0_trace_exit(&t, &e, 0, 1);
	assert_int_equal(t.episodes.l1[VMX_EXIT_CPUID].exits, 0);
	l0_trace_dump_json(&t, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"count\":2,\"open\":true"));
	l0_trace_reset(&t);
	assert_false(t.episodes.open);
	assert_int_equal(t.episodes.count, 0);

	/* disabled: nothing opens */
	l0_trace_init(&t, false);
	l0_trace_episode_begin(&t);
	assert_false(t.episodes.open);
}

static void test_dump_escapes_phase(void **state)
{
	struct l0_trace t;
	char buf[L0_TRACE_JSON_MAX];

	(void)state;
	l0_trace_init(&t, true);
	assert_int_equal(l0_trace_phase_begin(&t, "a\"b\\c", 0), L0_TRACE_OK);
	l0_trace_dump_json(&t, 0, buf, sizeof(buf));
	assert_memory_equal(buf, "\"phase\":\"a\\\"b\\\\c\",",
			    strlen("\"phase\":\"a\\\"b\\\\c\","));
}

/* Quotes pair up outside escapes and braces balance: a cheap well-formedness check. */
static void assert_balanced(const char *s)
{
	int depth = 0;
	bool in_string = false;

	for (; *s; s++) {
		if (in_string) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				in_string = false;
			continue;
		}
		if (*s == '"')
			in_string = true;
		else if (*s == '{')
			depth++;
		else if (*s == '}')
			assert_true(--depth >= 0);
	}
	assert_false(in_string);
	assert_int_equal(depth, 0);
}

/* Every slot of both levels at 20 digits and a phase of escapes: fits L0_TRACE_JSON_MAX; a
 * buffer one byte short gets L0_TRACE_ETOOSMALL and an empty string, never a truncated line. */
static void test_dump_worst_case(void **state)
{
	struct l0_trace *t = malloc(sizeof(*t));
	char *buf = malloc(L0_TRACE_JSON_MAX);
	int n;

	(void)state;
	l0_trace_init(t, true);
	for (unsigned int l = 0; l < L0_LEVEL_COUNT; l++) {
		for (unsigned int s = 0; s < L0_TRACE_SLOTS; s++) {
			t->by_reason[l][s].exits = UINT64_MAX;
			t->by_reason[l][s].cycles = UINT64_MAX;
		}
	}
	t->total_exits = t->total_cycles = UINT64_MAX;
	t->episodes.count = UINT64_MAX;
	t->episodes.open = true;
	for (unsigned int s = 0; s < L0_TRACE_SLOTS; s++)
		t->episodes.l1[s].exits = t->episodes.l1[s].cycles = UINT64_MAX;
	for (unsigned int h = 0; h < L0_TRACE_EPISODE_HIST; h++)
		t->episodes.lengths[h] = UINT64_MAX;
	assert_int_equal(l0_trace_phase_begin(t, "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", 0), 0);

	n = l0_trace_dump_json(t, UINT64_MAX, buf, L0_TRACE_JSON_MAX);
	assert_true(n > 0);
	assert_true(n < (int)L0_TRACE_JSON_MAX);
	assert_int_equal(n, (int)strlen(buf));
	assert_balanced(buf);
	print_message("worst-case dump: %d bytes, bound %d\n", n, (int)L0_TRACE_JSON_MAX);

	assert_int_equal(l0_trace_dump_json(t, UINT64_MAX, buf, (size_t)n), L0_TRACE_ETOOSMALL);
	assert_string_equal(buf, "");
	assert_int_equal(l0_trace_dump_json(t, UINT64_MAX, buf, 1), L0_TRACE_ETOOSMALL);
	assert_int_equal(l0_trace_dump_json(t, UINT64_MAX, buf, 0), L0_TRACE_ETOOSMALL);
	assert_int_equal(l0_trace_dump_json(t, UINT64_MAX, buf, (size_t)n + 1), n);
	free(buf);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_disabled),
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_ring_partial),
		cmocka_unit_test(test_ring_wraps_oldest_first),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_dump_exact),
		cmocka_unit_test(test_dump_escapes_phase),
		cmocka_unit_test(test_dump_worst_case),
		cmocka_unit_test(test_episodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
