/*
 * test_exit_reasons.c: tests of vmx-emul/exit_reasons.c: the enum carries SDM Vol. 3C Appendix C
 * numbers, unassigned numbers have no name, names are unique, the compile-time sums agree with the
 * table, and the exit-reason field masks of SDM 25.9.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/exit_reasons.h"

static const struct {
	uint32_t num;
	uint32_t value; /* the enum constant */
	const char *name;
	const char *text;
} known[] = {
	{ 0, VMX_EXIT_EXCEPTION_NMI, "EXCEPTION_NMI", "Exception or non-maskable interrupt (NMI)" },
	{ 1, VMX_EXIT_EXTERNAL_INTERRUPT, "EXTERNAL_INTERRUPT", "External interrupt" },
	{ 2, VMX_EXIT_TRIPLE_FAULT, "TRIPLE_FAULT", "Triple fault" },
	{ 10, VMX_EXIT_CPUID, "CPUID", "CPUID" },
	{ 12, VMX_EXIT_HLT, "HLT", "HLT" },
	{ 18, VMX_EXIT_VMCALL, "VMCALL", "VMCALL" },
	{ 24, VMX_EXIT_VMRESUME, "VMRESUME", "VMRESUME" },
	{ 27, VMX_EXIT_VMXON, "VMXON", "VMXON" },
	{ 28, VMX_EXIT_CR_ACCESS, "CR_ACCESS", "Control-register accesses" },
	{ 30, VMX_EXIT_IO_INSTRUCTION, "IO_INSTRUCTION", "I/O instruction" },
	{ 31, VMX_EXIT_RDMSR, "RDMSR", "RDMSR" },
	{ 32, VMX_EXIT_WRMSR, "WRMSR", "WRMSR" },
	{ 33, VMX_EXIT_ENTRY_FAIL_GUEST_STATE, "ENTRY_FAIL_GUEST_STATE",
	  "VM-entry failure due to invalid guest state" },
	{ 34, VMX_EXIT_ENTRY_FAIL_MSR_LOADING, "ENTRY_FAIL_MSR_LOADING",
	  "VM-entry failure due to MSR loading" },
	{ 41, VMX_EXIT_ENTRY_FAIL_MCE, "ENTRY_FAIL_MCE",
	  "VM-entry failure due to machine-check event" },
	{ 46, VMX_EXIT_GDTR_IDTR_ACCESS, "GDTR_IDTR_ACCESS", "Access to GDTR or IDTR" },
	{ 47, VMX_EXIT_LDTR_TR_ACCESS, "LDTR_TR_ACCESS", "Access to LDTR or TR" },
	{ 48, VMX_EXIT_EPT_VIOLATION, "EPT_VIOLATION", "EPT violation" },
	{ 49, VMX_EXIT_EPT_MISCONFIG, "EPT_MISCONFIG", "EPT misconfiguration" },
	{ 50, VMX_EXIT_INVEPT, "INVEPT", "INVEPT" },
	{ 52, VMX_EXIT_PREEMPTION_TIMER, "PREEMPTION_TIMER", "VMX-preemption timer expired" },
	{ 53, VMX_EXIT_INVVPID, "INVVPID", "INVVPID" },
	{ 55, VMX_EXIT_XSETBV, "XSETBV", "XSETBV" },
	{ 62, VMX_EXIT_PML_FULL, "PML_FULL", "Page-modification log full" },
	{ 74, VMX_EXIT_BUS_LOCK, "BUS_LOCK", "Bus lock" },
	{ 77, VMX_EXIT_TDCALL, "TDCALL", "TDCALL" },
};

static void test_known_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(known[i].value, known[i].num);
		assert_string_equal(vmxe_exit_reason_name(known[i].num), known[i].name);
		assert_string_equal(vmxe_exit_reason_text(known[i].num), known[i].text);
	}
	assert_int_equal(VMX_EXIT_REASON_MAX, 77);
}

static void test_unassigned_and_out_of_range(void **state)
{
	static const uint32_t none[] = { 35, 38, 42, 71, 78, 79, 0xffff, 0x10000, UINT32_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_null(vmxe_exit_reason_name(none[i]));
		assert_null(vmxe_exit_reason_text(none[i]));
	}
}

/* Every number 0..MAX is named except the four the SDM leaves unassigned; names are unique and
 * the compile-time count and length sum match what the table returns. */
static void test_table_consistent(void **state)
{
	int count = 0, len = 0;

	(void)state;
	for (uint32_t n = 0; n <= VMX_EXIT_REASON_MAX; n++) {
		const char *name = vmxe_exit_reason_name(n);
		bool unassigned = n == 35 || n == 38 || n == 42 || n == 71;

		assert_int_equal(name == NULL, unassigned);
		if (!name)
			continue;
		count++;
		len += (int)strlen(name);
		assert_non_null(vmxe_exit_reason_text(n));
		for (uint32_t m = 0; m < n; m++) {
			const char *other = vmxe_exit_reason_name(m);

			if (other)
				assert_string_not_equal(name, other);
		}
	}
	assert_int_equal(count, 74);
	assert_int_equal(VMX_EXIT_REASON_COUNT, count);
	assert_int_equal(VMX_EXIT_REASON_NAMES_LEN, len);
}

static void test_reason_field(void **state)
{
	static const struct {
		uint32_t field;
		uint16_t basic;
		bool entry_failure;
	} rows[] = {
		{ 10, 10, false },
		{ 0x80000021u, 33, true }, /* invalid guest state, as VM entry reports it */
		{ 0x80000022u, 34, true },
		{ 0x08000030u, 48, false }, /* EPT violation in enclave mode */
		{ 0x04000012u, 18, false }, /* VMCALL, bus lock detected */
		{ 0xffffffffu, 0xffff, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(vmx_exit_basic(rows[i].field), rows[i].basic);
		assert_int_equal(vmx_exit_is_entry_failure(rows[i].field), rows[i].entry_failure);
	}
	assert_int_equal(VMX_EXIT_REASON_BASIC_MASK, 0xffff);
	assert_int_equal(VMX_EXIT_REASON_ENTRY_FAILURE, 1u << 31);
	assert_int_equal(VMX_EXIT_REASON_FROM_VMX_ROOT, 1u << 29);
	assert_int_equal(VMX_EXIT_REASON_PENDING_MTF, 1u << 28);
	assert_int_equal(VMX_EXIT_REASON_ENCLAVE_MODE, 1u << 27);
	assert_int_equal(VMX_EXIT_REASON_BUS_LOCK_DETECTED, 1u << 26);
	assert_int_equal(VMX_EXIT_REASON_ZERO16, 1u << 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_numbers),
		cmocka_unit_test(test_unassigned_and_out_of_range),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_reason_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
