/*
 * test_options.c: L0's command-line parser (l0/options.c): syntax, every option's accepted and
 * rejected values, the L1 command line after "--", and the messages that name the bad token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "l0/options.h"

static enum l0_opt_status parse(const char *text, struct l0_options *o, struct l0_opt_error *e)
{
	return l0_options_parse(text, o, e);
}

static void test_minimal(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;

	assert_int_equal(parse("kernel=\\vmlinuz", &o, &e), L0_OPT_OK);
	assert_string_equal(o.kernel, "\\vmlinuz");
	assert_true(o.virt);  /* L0 virtualizes unless told not to */
	assert_true(o.trace);
	assert_true(o.shadow);
	assert_false(o.bt); /* translation only when asked for */
	assert_string_equal(o.initrd, "");
	assert_string_equal(o.l1_cmdline, "");
}

static void test_full_with_l1_cmdline(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;
	char load[512];

	assert_int_equal(parse("  virt=off\tkernel=\\EFI\\l1\\vmlinuz\n initrd=\\initrd.img -- "
			       "console=ttyS0  turtle.run=cpuid:10\n quiet",
			       &o, &e),
			 L0_OPT_OK);
	assert_string_equal(o.kernel, "\\EFI\\l1\\vmlinuz");
	assert_string_equal(o.initrd, "\\initrd.img");
	assert_string_equal(o.l1_cmdline, "console=ttyS0 turtle.run=cpuid:10 quiet");
	assert_int_equal(l0_options_l1_load_options(&o, load, sizeof(load)), L0_OPT_OK);
	assert_string_equal(load, "initrd=\\initrd.img console=ttyS0 turtle.run=cpuid:10 quiet");
}

static void test_comments_in_config_file(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;

	assert_int_equal(parse("# L0 configuration\nkernel=\\vmlinuz # the L1 image\n"
			       "#virt=bogus\n-- console=ttyS0 # not for L1\nquiet\n",
			       &o, &e),
			 L0_OPT_OK);
	assert_string_equal(o.l1_cmdline, "console=ttyS0 quiet");
}

static void test_unknown_option_named(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;

	assert_int_equal(parse("kernel=\\k frobnicate=1", &o, &e), L0_OPT_UNKNOWN);
	assert_int_equal(e.status, L0_OPT_UNKNOWN);
	assert_non_null(strstr(e.message, "'frobnicate'"));
	assert_non_null(strstr(e.message, "unknown option"));
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *text;
		enum l0_opt_status status;
		const char *in_message;
	} cases[] = {
		{ "kernel=\\k virt=maybe", L0_OPT_BAD_VALUE, "'virt=maybe'" },
		{ "kernel=\\k virt=", L0_OPT_BAD_VALUE, "expected on|off" },
		{ "kernel=vmlinuz", L0_OPT_BAD_VALUE, "'kernel=vmlinuz'" },
		{ "kernel=", L0_OPT_BAD_VALUE, "kernel" },
		{ "kernel=\\k initrd=x", L0_OPT_BAD_VALUE, "'initrd=x'" },
		{ "kernel=\\k trace=1", L0_OPT_BAD_VALUE, "bad value for trace (expected on|off)" },
		{ "kernel=\\k verbose", L0_OPT_SYNTAX, "'verbose'" },
		{ "virt=off", L0_OPT_MISSING, "kernel" },
		{ "", L0_OPT_MISSING, "kernel" },
		{ "-- console=ttyS0", L0_OPT_MISSING, "kernel" },
		{ "=x kernel=\\k", L0_OPT_UNKNOWN, "unknown option" },
		{ "kernel=\\k events=4097", L0_OPT_BAD_VALUE, "expected 0..4096" },
		{ "kernel=\\k events=-1", L0_OPT_BAD_VALUE, "'events=-1'" },
		{ "kernel=\\k events=12x", L0_OPT_BAD_VALUE, "'events=12x'" },
		{ "kernel=\\k events=", L0_OPT_BAD_VALUE, "'events='" },
		{ "kernel=\\k events=99999999999", L0_OPT_BAD_VALUE, "'events=99999999999'" },
		{ "events=16 trace=off kernel=\\k", L0_OPT_BAD_VALUE, "needs trace=on" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct l0_options o;
		struct l0_opt_error e;

		assert_int_equal(parse(cases[i].text, &o, &e), cases[i].status);
		assert_int_equal(e.status, cases[i].status);
		if (!strstr(e.message, cases[i].in_message))
			fail_msg("case %zu: message '%s' lacks '%s'", i, e.message,
				 cases[i].in_message);
	}
}

static void test_events(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;
	char buf[256];

	assert_int_equal(parse("kernel=\\k", &o, &e), L0_OPT_OK);
	assert_int_equal(o.events, 0); /* off unless asked: the default costs nothing */
	assert_int_equal(parse("kernel=\\k events=4096", &o, &e), L0_OPT_OK);
	assert_int_equal(o.events, 4096);
	assert_int_equal(parse("kernel=\\k events=007", &o, &e), L0_OPT_OK);
	assert_int_equal(o.events, 7);
	l0_options_describe(&o, buf, sizeof(buf));
	assert_string_equal(buf, "virt=on trace=on shadow=on ept=off bt=off events=7 kernel=\\k");
	/* events=0 with trace=off is no contradiction: nothing is recorded either way */
	assert_int_equal(parse("kernel=\\k events=0 trace=off", &o, &e), L0_OPT_OK);
	assert_int_equal(o.events, 0);
}

static void test_last_value_wins(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;

	assert_int_equal(parse("kernel=\\a kernel=\\b", &o, &e), L0_OPT_OK);
	assert_string_equal(o.kernel, "\\b");
}

static void test_too_long(void **state)
{
	static char text[L0_CMDLINE_MAX * 2];
	struct l0_options o;
	struct l0_opt_error e;
	size_t n = (size_t)snprintf(text, sizeof(text), "kernel=\\");

	memset(text + n, 'k', L0_PATH_MAX);
	text[n + L0_PATH_MAX] = '\0';
	assert_int_equal(parse(text, &o, &e), L0_OPT_TOO_LONG);

	n = (size_t)snprintf(text, sizeof(text), "kernel=\\k -- ");
	memset(text + n, 'x', L0_CMDLINE_MAX);
	text[n + L0_CMDLINE_MAX] = '\0';
	assert_int_equal(parse(text, &o, &e), L0_OPT_TOO_LONG);
}

static void test_l1_load_options_overflow(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;
	char small[16];

	assert_int_equal(parse("kernel=\\k initrd=\\initrd.img -- console=ttyS0", &o, &e),
			 L0_OPT_OK);
	assert_int_equal(l0_options_l1_load_options(&o, small, sizeof(small)), L0_OPT_TOO_LONG);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_describe_and_usage(void **state)
{
	struct l0_options o;
	struct l0_opt_error e;
	char buf[1024];

	assert_int_equal(parse("kernel=\\vmlinuz initrd=\\i", &o, &e), L0_OPT_OK);
	l0_options_describe(&o, buf, sizeof(buf));
	assert_string_equal(buf, "virt=on trace=on shadow=on ept=off bt=off kernel=\\vmlinuz initrd=\\i");

	assert_int_equal(parse("trace=off kernel=\\k virt=off shadow=off ept=on bt=on", &o, &e),
			 L0_OPT_OK);
	assert_true(o.ept);
	assert_false(o.trace);
	assert_false(o.virt);
	assert_false(o.shadow);
	assert_true(o.bt);
	l0_options_describe(&o, buf, sizeof(buf));
	assert_string_equal(buf, "virt=off trace=off shadow=off ept=on bt=on kernel=\\k");

	l0_options_usage(buf, sizeof(buf));
	assert_non_null(strstr(buf, "virt=on|off"));
	assert_non_null(strstr(buf, "trace=on|off"));
	assert_non_null(strstr(buf, "shadow=on|off"));
	assert_non_null(strstr(buf, "ept=on|off"));
	assert_non_null(strstr(buf, "bt=on|off"));
	assert_non_null(strstr(buf, "events=0..4096"));
	assert_non_null(strstr(buf, "kernel=\\PATH"));
	assert_non_null(strstr(buf, "initrd=\\PATH"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full_with_l1_cmdline),
		cmocka_unit_test(test_comments_in_config_file),
		cmocka_unit_test(test_unknown_option_named),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_last_value_wins),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_l1_load_options_overflow),
		cmocka_unit_test(test_describe_and_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
