/*
 * test_vmx_errors.c: tests of vmx-emul/vmx_errors.c: the enum carries the VM-instruction error
 * numbers of SDM Vol. 3C 31.4 (Table 31-1) unchanged, reserved numbers have no name, and
 * VMsucceed / VMfailInvalid are told apart from every SDM number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/vmx_errors.h"

static void test_sdm_numbers(void **state)
{
	(void)state;
	assert_int_equal(VMXE_OK, 0);
	assert_int_equal(VMXE_ERR_VMCALL_IN_VMX_ROOT, 1);
	assert_int_equal(VMXE_ERR_VMCLEAR_INVALID_ADDR, 2);
	assert_int_equal(VMXE_ERR_VMCLEAR_VMXON_PTR, 3);
	assert_int_equal(VMXE_ERR_VMLAUNCH_NONCLEAR_VMCS, 4);
	assert_int_equal(VMXE_ERR_VMRESUME_NONLAUNCHED_VMCS, 5);
	assert_int_equal(VMXE_ERR_VMRESUME_AFTER_VMXOFF, 6);
	assert_int_equal(VMXE_ERR_ENTRY_INVALID_CONTROL_FIELD, 7);
	assert_int_equal(VMXE_ERR_ENTRY_INVALID_HOST_STATE_FIELD, 8);
	assert_int_equal(VMXE_ERR_VMPTRLD_INVALID_ADDR, 9);
	assert_int_equal(VMXE_ERR_VMPTRLD_VMXON_PTR, 10);
	assert_int_equal(VMXE_ERR_VMPTRLD_INCORRECT_REVISION, 11);
	assert_int_equal(VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT, 12);
	assert_int_equal(VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT, 13);
	assert_int_equal(VMXE_ERR_VMXON_IN_VMX_ROOT, 15);
	assert_int_equal(VMXE_ERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS, 26);
	assert_int_equal(VMXE_ERR_INVALID_INVEPT_INVVPID_OPERAND, 28);
	assert_int_equal(VMXE_INSN_ERROR_MAX, 28);
}

static void test_defined_and_reserved(void **state)
{
	int n, defined = 0;

	(void)state;
	for (n = 0; n <= VMXE_INSN_ERROR_MAX + 2; n++) {
		enum vmxe_insn_error e = (enum vmxe_insn_error)n;
		bool reserved = n == 14 || n == 21 || n == 27;
		bool want = n >= 1 && n <= VMXE_INSN_ERROR_MAX && !reserved;

		assert_int_equal(vmxe_insn_error_is_sdm(e), want);
		if (want) {
			defined++;
			assert_non_null(vmxe_insn_error_text(e));
			assert_non_null(vmxe_insn_error_name(e));
		} else if (n != 0) {
			assert_null(vmxe_insn_error_text(e));
			assert_null(vmxe_insn_error_name(e));
		}
	}
	assert_int_equal(defined, 25);
	assert_false(vmxe_insn_error_is_sdm(VMXE_OK));
	assert_false(vmxe_insn_error_is_sdm(VMXE_FAIL_INVALID));
	assert_null(vmxe_insn_error_text((enum vmxe_insn_error)-1));
}

static void test_texts(void **state)
{
	(void)state;
	assert_string_equal(vmxe_insn_error_text(VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT),
			    "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmxe_insn_error_text(VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT),
			    "VMWRITE to read-only VMCS component");
	assert_string_equal(vmxe_insn_error_name(VMXE_ERR_VMLAUNCH_NONCLEAR_VMCS),
			    "VMLAUNCH_NONCLEAR_VMCS");
	assert_string_equal(vmxe_insn_error_text(VMXE_OK), "VMsucceed");
	assert_string_equal(vmxe_insn_error_text(VMXE_FAIL_INVALID), "VMfailInvalid");
	assert_string_equal(vmxe_insn_error_name(VMXE_FAIL_INVALID), "FAIL_INVALID");
	/* VMfailInvalid must never collide with a number stored in the VMCS. */
	assert_true(VMXE_FAIL_INVALID > VMXE_INSN_ERROR_MAX);
}

static void test_names_unique(void **state)
{
	int a, b;

	(void)state;
	for (a = 1; a <= VMXE_INSN_ERROR_MAX; a++) {
		const char *na = vmxe_insn_error_name((enum vmxe_insn_error)a);

		if (na == NULL)
			continue;
		for (b = a + 1; b <= VMXE_INSN_ERROR_MAX; b++) {
			const char *nb = vmxe_insn_error_name((enum vmxe_insn_error)b);

			if (nb != NULL)
				assert_string_not_equal(na, nb);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdm_numbers),
		cmocka_unit_test(test_defined_and_reserved),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_names_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
