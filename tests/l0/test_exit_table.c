/*
 * test_exit_table.c: tests of l0/exit_table.c: dispatch by basic exit reason through a table
 * built with designated initializers, the unhandled path (no handler, out of range, VM-entry
 * failure, inconsistent decode), guards on handler results, and the diagnostic line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "l0/exit_table.h"

/* What the fake handlers saw. */
struct fake_vcpu {
	const char *called;
	const struct l0_exit *exit;
	int calls;
};

static enum l0_action record(void *vcpu, const struct l0_exit *exit, const char *who)
{
	struct fake_vcpu *v = vcpu;

	v->called = who;
	v->exit = exit;
	v->calls++;
	return L0_ACTION_RESUME;
}

static enum l0_action on_cpuid(void *vcpu, const struct l0_exit *exit)
{
	record(vcpu, exit, "cpuid");
	return L0_ACTION_SKIP;
}

static enum l0_action on_vmcall(void *vcpu, const struct l0_exit *exit)
{
	record(vcpu, exit, "vmcall");
	return L0_ACTION_SKIP;
}

static enum l0_action on_ept_violation(void *vcpu, const struct l0_exit *exit)
{
	record(vcpu, exit, "ept");
	return L0_ACTION_REFLECT;
}

static enum l0_action on_guest_state(void *vcpu, const struct l0_exit *exit)
{
	return record(vcpu, exit, "guest-state");
}

static enum l0_action on_tdcall(void *vcpu, const struct l0_exit *exit)
{
	return record(vcpu, exit, "tdcall");
}

static enum l0_action unhandled(void *vcpu, const struct l0_exit *exit)
{
	record(vcpu, exit, "unhandled");
	return L0_ACTION_FATAL;
}

static enum l0_action bogus(void *vcpu, const struct l0_exit *exit)
{
	record(vcpu, exit, "bogus");
	return (enum l0_action)7; /* within the enum's bit range, so UBSan accepts the load */
}

static const struct l0_exit_table table = {
	.handlers = {
		[VMX_EXIT_CPUID] = on_cpuid,
		[VMX_EXIT_VMCALL] = on_vmcall,
		[VMX_EXIT_EPT_VIOLATION] = on_ept_violation,
		[VMX_EXIT_ENTRY_FAIL_GUEST_STATE] = on_guest_state,
		[VMX_EXIT_TDCALL] = on_tdcall,
		[VMX_EXIT_HLT] = bogus,
	},
	.unhandled = unhandled,
};

static void test_dispatch_table(void **state)
{
	static const struct {
		uint32_t reason_field;
		const char *who;
		enum l0_action action;
	} rows[] = {
		{ VMX_EXIT_CPUID, "cpuid", L0_ACTION_SKIP },
		{ VMX_EXIT_VMCALL, "vmcall", L0_ACTION_SKIP },
		{ VMX_EXIT_EPT_VIOLATION, "ept", L0_ACTION_REFLECT },
		{ VMX_EXIT_EPT_VIOLATION | VMX_EXIT_REASON_ENCLAVE_MODE, "ept", L0_ACTION_REFLECT },
		{ VMX_EXIT_TDCALL, "tdcall", L0_ACTION_RESUME }, /* the last slot of the table */
		{ VMX_EXIT_RDMSR, "unhandled", L0_ACTION_FATAL }, /* no handler */
		{ 35, "unhandled", L0_ACTION_FATAL },             /* unassigned number */
		{ VMX_EXIT_REASON_MAX + 1, "unhandled", L0_ACTION_FATAL }, /* beyond the table */
		{ 0xffff, "unhandled", L0_ACTION_FATAL },
		/* a VM-entry failure never reaches the ordinary handler of its basic reason */
		{ VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_ENTRY_FAIL_GUEST_STATE, "unhandled",
		  L0_ACTION_FATAL },
		{ VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_CPUID, "unhandled", L0_ACTION_FATAL },
		{ VMX_EXIT_HLT, "bogus", L0_ACTION_FATAL }, /* handler returned no valid action */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_vcpu v = { 0 };
		struct l0_exit e = { .level = L0_LEVEL_L2, .guest_rip = 0x1000 + i };

		l0_exit_set_reason(&e, rows[i].reason_field);
		assert_int_equal(l0_exit_dispatch(&table, &v, &e), rows[i].action);
		assert_string_equal(v.called, rows[i].who);
		assert_int_equal(v.calls, 1);
		assert_ptr_equal(v.exit, &e); /* the decoded exit is passed on, not copied */
	}
}

static void test_inconsistent_decode_is_unhandled(void **state)
{
	struct fake_vcpu v = { 0 };
	struct l0_exit e = { .reason = VMX_EXIT_CPUID, .basic_reason = VMX_EXIT_VMCALL };

	(void)state;
	assert_int_equal(l0_exit_dispatch(&table, &v, &e), L0_ACTION_FATAL);
	assert_string_equal(v.called, "unhandled");
}

static void test_no_unhandled_handler(void **state)
{
	static const struct l0_exit_table empty = { .handlers = { [VMX_EXIT_CPUID] = on_cpuid } };
	struct fake_vcpu v = { 0 };
	struct l0_exit e = { 0 };

	(void)state;
	l0_exit_set_reason(&e, VMX_EXIT_RDMSR);
	assert_int_equal(l0_exit_dispatch(&empty, &v, &e), L0_ACTION_FATAL);
	assert_int_equal(v.calls, 0);
	l0_exit_set_reason(&e, VMX_EXIT_CPUID);
	assert_int_equal(l0_exit_dispatch(&empty, &v, &e), L0_ACTION_SKIP);
}

static void test_set_reason_and_cpl(void **state)
{
	struct l0_exit e = { 0 };

	(void)state;
	l0_exit_set_reason(&e, 0x80000021u);
	assert_int_equal(e.reason, 0x80000021u);
	assert_int_equal(e.basic_reason, 33);
	/* SS access rights: type 3, S, DPL, P (SDM 25.4.1) */
	assert_int_equal(l0_cpl_from_ss_ar(0x0093), 0);
	assert_int_equal(l0_cpl_from_ss_ar(0x00f3), 3);
	assert_int_equal(l0_cpl_from_ss_ar(0xc0b3), 1);
	assert_int_equal(l0_cpl_from_ss_ar(0x10000 | 0x00d3), 2); /* unusable bit ignored */
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(l0_level_name(L0_LEVEL_L1), "l1");
	assert_string_equal(l0_level_name(L0_LEVEL_L2), "l2");
	assert_null(l0_level_name(L0_LEVEL_COUNT));
	assert_string_equal(l0_action_name(L0_ACTION_RESUME), "resume");
	assert_string_equal(l0_action_name(L0_ACTION_SKIP), "skip");
	assert_string_equal(l0_action_name(L0_ACTION_REFLECT), "reflect");
	assert_string_equal(l0_action_name(L0_ACTION_FATAL), "fatal");
	assert_null(l0_action_name((enum l0_action)7));
}

static void test_format(void **state)
{
	struct l0_exit e = {
		.level = L0_LEVEL_L1,
		.cpl = 3,
		.qualification = 0x181,
		.guest_rip = 0xffffffff81000000ull,
		.guest_phys = 0xfee00000,
		.insn_len = 3,
	};
	char buf[L0_EXIT_FORMAT_MAX];
	int n;

	(void)state;
	l0_exit_set_reason(&e, VMX_EXIT_EPT_VIOLATION);
	n = l0_exit_format(&e, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "\"level\":\"l1\",\"reason\":48,\"name\":\"EPT_VIOLATION\","
				    "\"entry_failure\":false,\"reason_field\":\"0x00000030\","
				    "\"qual\":\"0x181\",\"rip\":\"0xffffffff81000000\""));
	assert_non_null(strstr(buf, "\"cpl\":3,\"insn_len\":3,"));
	assert_non_null(strstr(buf, "\"gpa\":\"0xfee00000\""));

	/* unnamed reasons and bad levels print "?", never garbage */
	e.level = (enum l0_level)3;
	l0_exit_set_reason(&e, 0x80000000u | 71);
	assert_true(l0_exit_format(&e, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"level\":\"?\",\"reason\":71,\"name\":\"?\","
				    "\"entry_failure\":true"));
}

/* Every field at its widest must fit L0_EXIT_FORMAT_MAX; one byte short of the length fails
 * cleanly instead of truncating. */
static void test_format_bounds(void **state)
{
	struct l0_exit e;
	char buf[L0_EXIT_FORMAT_MAX];
	int n;

	(void)state;
	memset(&e, 0xff, sizeof(e));
	e.level = L0_LEVEL_L2;
	e.cpl = 255;
	l0_exit_set_reason(&e, VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_ENTRY_FAIL_MSR_LOADING);
	e.reason = 0xffffffffu;
	e.basic_reason = VMX_EXIT_ENTRY_FAIL_MSR_LOADING; /* the longest name */
	n = l0_exit_format(&e, buf, sizeof(buf));
	assert_true(n > 0 && n < L0_EXIT_FORMAT_MAX);
	assert_int_equal(l0_exit_format(&e, buf, (size_t)n), -1);
	assert_string_equal(buf, "");
	assert_int_equal(l0_exit_format(&e, buf, (size_t)n + 1), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_table),
		cmocka_unit_test(test_inconsistent_decode_is_unhandled),
		cmocka_unit_test(test_no_unhandled_handler),
		cmocka_unit_test(test_set_reason_and_cpl),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
