/*
 * test_fmt.c: L0's printf subset (l0/fmt.c) against the C library's snprintf on a table of
 * formats, truncation semantics, and JSON escaping (l0/json.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "l0/fmt.h"
#include "l0/json.h"

#define CHECK(fmt, ...)                                                                  \
	do {                                                                             \
		char ours[128], libc[128];                                               \
		int n1 = l0_snprintf(ours, sizeof(ours), fmt, __VA_ARGS__);              \
		int n2 = snprintf(libc, sizeof(libc), fmt, __VA_ARGS__);                 \
		assert_string_equal(ours, libc);                                         \
		assert_int_equal(n1, n2);                                                \
	} while (0)

static void test_matches_libc(void **state)
{
	CHECK("%d %i %u", 0, -42, 42u);
	CHECK("%d", INT32_MIN);
	CHECK("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	CHECK("%x %X %o", 0xdeadbeefu, 0xabcu, 8u);
	CHECK("%08x|%-6d|%6d|%06d", 0x2bu, 5, -5, -5);
	CHECK("%lx %llx %zu", 0x123456789abcUL, 0xF0106334141ULL, (size_t)77);
	CHECK("%hhu %hu %hhd", 300, 70000, 200);
	CHECK("%s|%10s|%-10s|%.3s|%.*s", "abc", "right", "left", "truncate", 2, "xyz");
	CHECK("%c%c %% %*d", 'o', 'k', 5, 42);
	CHECK("%p", (void *)0x1000);
	CHECK("%s", "");
}

static void test_truncation(void **state)
{
	char buf[8];

	assert_int_equal(l0_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(l0_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	assert_int_equal(l0_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_json_escape(void **state)
{
	char buf[64];

	assert_int_equal(l0_json_escape(buf, sizeof(buf), "plain"), 5);
	assert_string_equal(buf, "plain");
	l0_json_escape(buf, sizeof(buf), "a\"b\\c\nd\x01");
	assert_string_equal(buf, "a\\\"b\\\\c\\nd\\u0001");
	l0_json_escape(buf, sizeof(buf), "kernel=\\vmlinuz");
	assert_string_equal(buf, "kernel=\\\\vmlinuz");
}

static void test_json_escape_truncates_whole_escapes(void **state)
{
	char buf[4];

	/* the escape \" needs 2 characters and only 1 is left: it must not be cut in half */
	assert_int_equal(l0_json_escape(buf, sizeof(buf), "ab\"c"), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(l0_json_escape(buf, 0, "x"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_escape_truncates_whole_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
