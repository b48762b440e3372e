/*
 * test_vmcs12.c: table-driven tests of vmx-emul/vmcs12.c over every row of vmcs_fields.def:
 * lookup of full and high-access encodings (SDM Vol. 3C 25.11.2), VMREAD/VMWRITE round trips with
 * width truncation and the high access type, read-only rejection with error 13 and unsupported
 * encodings with error 12 (SDM Vol. 3C 31.3, 31.4), and the VMCS12 page layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmx-emul/vmcs12.h"

/* The encodings, straight from the X-macro, independently of vmcs12.c's table. */
static const uint32_t def_encodings[] = {
#define VMCS_FIELD(n, e, w, f) (e),
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
};
static const char *const def_names[] = {
#define VMCS_FIELD(n, e, w, f) #n,
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
};
#define DEF_COUNT (sizeof(def_encodings) / sizeof(def_encodings[0]))

static const uint64_t patterns[] = {
	0x0123456789abcdefull, 0xffffffffffffffffull, 0xa5a5a5a55a5a5a5aull, 0x8000000080008001ull, 1,
};

static struct vmcs12 *new_vmcs12(void)
{
	struct vmcs12 *v = calloc(1, VMCS12_PAGE_SIZE);

	assert_non_null(v);
	return v;
}

static void test_count_matches_def(void **state)
{
	(void)state;
	assert_int_equal(vmxe_field_count(), VMCS_FIELD_COUNT);
	assert_int_equal(vmxe_field_count(), DEF_COUNT);
	assert_null(vmxe_field_at(VMCS_FIELD_COUNT));
	/* Appendix B has well over 150 fields; a truncated include would show here. */
	assert_true(VMCS_FIELD_COUNT > 150);
}

static void test_lookup_every_field(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		assert_non_null(d);
		assert_int_equal(d->encoding, def_encodings[i]);
		assert_string_equal(d->name, def_names[i]);
		assert_ptr_equal(vmxe_field_lookup(d->encoding), d);
		assert_int_equal(vmxe_field_index(d->encoding), (int)i);
		assert_string_equal(vmxe_field_name(d->encoding), d->name);
	}
	assert_int_equal(vmxe_field_lookup(VMCS_ENC_GUEST_RIP)->encoding, 0x681e);
	assert_string_equal(vmxe_field_name(0x4402), "VM_EXIT_REASON");
	assert_int_equal(vmxe_field_index(VMCS_ENC_EPT_POINTER), VMCS_FIELD_EPT_POINTER);
}

static void test_encoding_bits_match_descriptor(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		assert_int_equal(vmcs_enc_width(d->encoding), d->width);
		assert_int_equal(1u << vmcs_enc_type(d->encoding), d->flags & VMCS_F_GROUP_MASK);
		assert_false(vmcs_enc_is_high(d->encoding));
		assert_int_equal(d->size, d->width == VMCS_W16 ? 2 : d->width == VMCS_W32 ? 4 : 8);
	}
}

static void test_high_access_forms(void **state)
{
	size_t i, n64 = 0;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		uint32_t high = d->encoding | VMCS_ENC_ACCESS_HIGH;

		if (d->width == VMCS_W64) {
			char want[80];

			n64++;
			assert_ptr_equal(vmxe_field_lookup(high), d);
			assert_non_null(d->name_high);
			strcpy(want, d->name);
			strcat(want, "_HIGH");
			assert_string_equal(vmxe_field_name(high), want);
		} else {
			/* SDM 25.11.2: only 64-bit fields have a high access type. */
			assert_null(vmxe_field_lookup(high));
			assert_null(vmxe_field_name(high));
			assert_null(d->name_high);
		}
	}
	assert_true(n64 > 40);
	assert_string_equal(vmxe_field_name(0x2401), "GUEST_PHYSICAL_ADDRESS_HIGH");
}

/* Every byte of the page outside [off, off + size) still holds @bg. */
static void assert_only_slot_changed(const struct vmcs12 *v, size_t off, size_t size,
				     unsigned char bg)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t b;

	for (b = 0; b < VMCS12_PAGE_SIZE; b++)
		if (b < off || b >= off + size)
			assert_int_equal(p[b], bg);
}

static void test_round_trip_every_field(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	size_t i, p;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		uint64_t mask = vmcs_width_mask((enum vmcs_width)d->width);

		for (p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
			uint64_t got = 0xdeadbeef;

			memset(v, 0x5a, VMCS12_PAGE_SIZE);
			assert_int_equal(vmxe_vmcs12_write(v, d->encoding, patterns[p], VMXE_WR_L0),
					 VMXE_OK);
			assert_int_equal(vmxe_vmcs12_read(v, d->encoding, &got), VMXE_OK);
			assert_int_equal(got, patterns[p] & mask);
			assert_int_equal(vmxe_vmcs12_get(v, d), patterns[p] & mask);
			assert_only_slot_changed(v, d->offset, d->size, 0x5a);
			if (d->width == VMCS_W64) {
				memset(v, 0x5a, VMCS12_PAGE_SIZE);
				assert_int_equal(vmxe_vmcs12_write(v, d->encoding | 1, patterns[p],
								   VMXE_WR_L0),
						 VMXE_OK);
				assert_int_equal(vmxe_vmcs12_get(v, d),
						 (patterns[p] << 32) | 0x5a5a5a5au);
				assert_only_slot_changed(v, d->offset, d->size, 0x5a);
			}
		}
	}
	free(v);
}

static void test_width_truncation_examples(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	uint64_t got;

	(void)state;
	assert_int_equal(vmxe_vmcs12_write(v, VMCS_ENC_GUEST_ES_SELECTOR, 0x12345678, VMXE_WR_L1),
			 VMXE_OK);
	assert_int_equal(vmxe_vmcs12_read(v, VMCS_ENC_GUEST_ES_SELECTOR, &got), VMXE_OK);
	assert_int_equal(got, 0x5678);
	assert_int_equal(v->GUEST_ES_SELECTOR, 0x5678);

	assert_int_equal(vmxe_vmcs12_write(v, VMCS_ENC_PIN_BASED_VM_EXEC_CONTROL,
					   0xffffffff00000016ull, VMXE_WR_L1),
			 VMXE_OK);
	assert_int_equal(v->PIN_BASED_VM_EXEC_CONTROL, 0x16);

	/* Natural width is 64 bits on x86-64. */
	assert_int_equal(vmxe_vmcs12_write(v, VMCS_ENC_GUEST_RIP, 0xffffffff80001000ull, VMXE_WR_L1),
			 VMXE_OK);
	assert_int_equal(vmxe_vmcs12_read(v, VMCS_ENC_GUEST_RIP, &got), VMXE_OK);
	assert_int_equal(got, 0xffffffff80001000ull);
	assert_int_equal(v->GUEST_RIP, 0xffffffff80001000ull);
	free(v);
}

static void test_high_access_read_write(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	size_t i;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		uint32_t high = d->encoding | VMCS_ENC_ACCESS_HIGH;
		uint64_t got;

		if (d->width != VMCS_W64)
			continue;
		assert_int_equal(vmxe_vmcs12_write(v, d->encoding, 0x1111222233334444ull, VMXE_WR_L0),
				 VMXE_OK);
		assert_int_equal(vmxe_vmcs12_read(v, high, &got), VMXE_OK);
		assert_int_equal(got, 0x11112222);
		/* A high write stores bits 31:0 of the source in bits 63:32, low half kept. */
		assert_int_equal(vmxe_vmcs12_write(v, high, 0xaaaabbbbccccddddull, VMXE_WR_L0),
				 VMXE_OK);
		assert_int_equal(vmxe_vmcs12_read(v, d->encoding, &got), VMXE_OK);
		assert_int_equal(got, 0xccccdddd33334444ull);
		assert_int_equal(vmxe_vmcs12_read(v, high, &got), VMXE_OK);
		assert_int_equal(got, 0xccccdddd);
	}
	free(v);
}

static void test_read_only_fields(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	size_t i, n_ro = 0;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		bool ro = (d->flags & VMCS_F_READ_ONLY) != 0;
		uint64_t got;

		/* SDM Appendix B: the read-only fields are exactly type 1 (VM-exit information). */
		assert_int_equal(ro, vmcs_enc_type(d->encoding) == VMCS_TYPE_EXIT_INFO);
		assert_int_equal(vmxe_vmcs12_write(v, d->encoding, 0x77, VMXE_WR_L0), VMXE_OK);
		if (ro) {
			n_ro++;
			assert_int_equal(vmxe_vmcs12_write(v, d->encoding, 0x99, VMXE_WR_L1),
					 VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT);
			if (d->width == VMCS_W64)
				assert_int_equal(vmxe_vmcs12_write(v, d->encoding | 1, 0x99,
								   VMXE_WR_L1),
						 VMXE_ERR_VMWRITE_READ_ONLY_COMPONENT);
			assert_int_equal(vmxe_vmcs12_read(v, d->encoding, &got), VMXE_OK);
			assert_int_equal(got, 0x77); /* the failed write changed nothing */
			assert_int_equal(vmxe_vmcs12_write(v, d->encoding, 0x99,
							   VMXE_WR_ALLOW_READ_ONLY),
					 VMXE_OK);
		} else {
			assert_int_equal(vmxe_vmcs12_write(v, d->encoding, 0x99, VMXE_WR_L1), VMXE_OK);
		}
		assert_int_equal(vmxe_vmcs12_read(v, d->encoding, &got), VMXE_OK);
		assert_int_equal(got, 0x99);
	}
	/* 2 + 8 + 6 read-only fields (Appendix B.2.2, B.3.2, B.4.2). */
	assert_int_equal(n_ro, 16);
	free(v);
}

/* Is @enc (full or high form) an encoding the table accepts? Computed from the X-macro array. */
static bool def_accepts(uint32_t enc)
{
	size_t i;

	for (i = 0; i < DEF_COUNT; i++) {
		if (def_encodings[i] == enc)
			return true;
		if ((def_encodings[i] | 1) == enc && vmcs_enc_width(def_encodings[i]) == VMCS_W64)
			return true;
	}
	return false;
}

static void test_unsupported_encodings(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	struct vmcs12 *zero = new_vmcs12();
	static const uint32_t far[] = { 0x8000, 0x0001681e, 0x80000000, 0xffffffff, 0x681e | 0x1000 };
	uint32_t enc;
	size_t accepted = 0, n64 = 0, i;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++)
		n64 += vmcs_enc_width(def_encodings[i]) == VMCS_W64;
	/* Every encoding with bits 31:15 clear: accepted iff listed (or its high form). */
	for (enc = 0; enc < 0x8000; enc++) {
		uint64_t got = 0x5555;
		bool want = def_accepts(enc);

		assert_int_equal(vmxe_field_lookup(enc) != NULL, want);
		if (want) {
			accepted++;
			continue;
		}
		assert_int_equal(vmxe_vmcs12_read(v, enc, &got), VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
		assert_int_equal(got, 0x5555); /* untouched on error */
		assert_int_equal(vmxe_vmcs12_write(v, enc, 1, VMXE_WR_L0),
				 VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
		assert_null(vmxe_field_name(enc));
		assert_int_equal(vmxe_field_index(enc), -1);
	}
	assert_int_equal(accepted, DEF_COUNT + n64);
	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		uint64_t got;

		assert_null(vmxe_field_lookup(far[i]));
		assert_int_equal(vmxe_vmcs12_read(v, far[i], &got),
				 VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
		assert_int_equal(vmxe_vmcs12_write(v, far[i], 1, VMXE_WR_L0),
				 VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
	}
	assert_memory_equal(v, zero, VMCS12_PAGE_SIZE);
	free(v);
	free(zero);
}

static void test_encoding_from_operand(void **state)
{
	uint32_t enc = 0;

	(void)state;
	assert_int_equal(vmxe_encoding_from_operand(0x681e, &enc), VMXE_OK);
	assert_int_equal(enc, 0x681e);
	enc = 7;
	/* SDM 31.3: in 64-bit mode, bits 63:32 of the encoding register must be 0. */
	assert_int_equal(vmxe_encoding_from_operand(0x100000000ull | 0x681e, &enc),
			 VMXE_ERR_UNSUPPORTED_VMCS_COMPONENT);
	assert_int_equal(enc, 7);
}

static void test_names_unique(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *a = vmxe_field_at(i);

		assert_true(strlen(a->name) > 0);
		for (j = i + 1; j < DEF_COUNT; j++) {
			const struct vmxe_field_desc *b = vmxe_field_at(j);

			assert_string_not_equal(a->name, b->name);
			assert_int_not_equal(a->encoding, b->encoding);
			if (a->name_high && b->name_high)
				assert_string_not_equal(a->name_high, b->name_high);
		}
	}
}

static void test_offsets_inside_page_and_disjoint(void **state)
{
	static unsigned char owner[VMCS12_PAGE_SIZE];
	static const size_t def_offsets[] = {
#define VMCS_FIELD(n, e, w, f) offsetof(struct vmcs12, n),
#include "vmx-emul/vmcs_fields.def"
#undef VMCS_FIELD
	};
	const size_t header = offsetof(struct vmcs12, layout) + sizeof(uint32_t);
	size_t i, b;

	(void)state;
	memset(owner, 0, sizeof(owner));
	assert_true(sizeof(struct vmcs12) <= VMCS12_PAGE_SIZE);
	for (b = 0; b < header; b++)
		owner[b] = 1;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		assert_int_equal(d->offset, def_offsets[i]);
		assert_true(d->offset >= header);
		assert_true(d->offset + d->size <= sizeof(struct vmcs12));
		assert_int_equal(d->offset % d->size, 0);
		for (b = d->offset; b < (size_t)d->offset + d->size; b++) {
			assert_int_equal(owner[b], 0);
			owner[b] = 1;
		}
	}
}

static void test_header_layout(void **state)
{
	(void)state;
	/* SDM 25.2: revision identifier at byte 0, VMX-abort indicator at byte 4. */
	assert_int_equal(offsetof(struct vmcs12, revision_id), 0);
	assert_int_equal(offsetof(struct vmcs12, abort_indicator), 4);
	assert_int_equal(VMCS12_REVISION_SHADOW | VMCS12_REVISION_ID_MASK, 0xffffffffu);
	assert_int_equal(VMCS12_REVISION_SHADOW & VMCS12_REVISION_ID_MASK, 0);
}

/* KVM's vmcs_shadow_fields.h, which the flags mirror. */
static const char *const kvm_shadow_rw[] = {
	"GUEST_INTR_STATUS", "GUEST_PML_INDEX", "HOST_FS_SELECTOR", "HOST_GS_SELECTOR",
	"CPU_BASED_VM_EXEC_CONTROL", "PIN_BASED_VM_EXEC_CONTROL", "EXCEPTION_BITMAP",
	"VM_ENTRY_EXCEPTION_ERROR_CODE", "VM_ENTRY_INTR_INFO", "VM_ENTRY_INSTRUCTION_LEN",
	"TPR_THRESHOLD", "GUEST_INTERRUPTIBILITY_INFO", "VMX_PREEMPTION_TIMER_VALUE", "GUEST_RIP",
	"GUEST_RSP", "GUEST_CR0", "GUEST_CR3", "GUEST_CR4", "GUEST_RFLAGS", "CR0_GUEST_HOST_MASK",
	"CR0_READ_SHADOW", "CR4_READ_SHADOW", "HOST_FS_BASE", "HOST_GS_BASE",
};
static const char *const kvm_shadow_ro[] = {
	"VM_EXIT_REASON", "VM_EXIT_INTR_INFO", "VM_EXIT_INSTRUCTION_LEN", "IDT_VECTORING_INFO",
	"IDT_VECTORING_ERROR_CODE", "VM_EXIT_INTR_ERROR_CODE", "GUEST_CS_AR_BYTES",
	"GUEST_SS_AR_BYTES", "EXIT_QUALIFICATION", "GUEST_LINEAR_ADDRESS", "GUEST_PHYSICAL_ADDRESS",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static void test_shadow_flags(void **state)
{
	size_t i, nrw = 0, nro = 0;
	const size_t want_rw = sizeof(kvm_shadow_rw) / sizeof(kvm_shadow_rw[0]);
	const size_t want_ro = sizeof(kvm_shadow_ro) / sizeof(kvm_shadow_ro[0]);

	(void)state;
	for (i = 0; i < DEF_COUNT; i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);
		bool rw = (d->flags & VMCS_F_SHADOW_RW) != 0;
		bool ro = (d->flags & VMCS_F_SHADOW_RO) != 0;

		assert_int_equal(rw, in_list(d->name, kvm_shadow_rw, want_rw));
		assert_int_equal(ro, in_list(d->name, kvm_shadow_ro, want_ro));
		assert_false(rw && (d->flags & VMCS_F_READ_ONLY));
		nrw += rw;
		nro += ro;
	}
	assert_int_equal(nrw, want_rw);
	assert_int_equal(nro, want_ro);
}

static void test_highest_index(void **state)
{
	size_t i;
	uint32_t hi = vmxe_field_highest_index();

	(void)state;
	for (i = 0; i < DEF_COUNT; i++)
		assert_true(vmcs_enc_index(def_encodings[i]) <= hi);
	/* Injected-event data (0x2052) has the largest index, 0x29. */
	assert_int_equal(hi, vmcs_enc_index(VMCS_ENC_INJECTED_EVENT_DATA));
	assert_int_equal(hi, 0x29);
}

static void test_named_members(void **state)
{
	struct vmcs12 *v = new_vmcs12();
	uint64_t got;

	(void)state;
	v->EXIT_QUALIFICATION = 0x1234;
	v->VM_EXIT_REASON = 48;
	assert_int_equal(vmxe_vmcs12_read(v, VMCS_ENC_EXIT_QUALIFICATION, &got), VMXE_OK);
	assert_int_equal(got, 0x1234);
	assert_int_equal(vmxe_vmcs12_read(v, VMCS_ENC_VM_EXIT_REASON, &got), VMXE_OK);
	assert_int_equal(got, 48);
	assert_int_equal(vmxe_vmcs12_write(v, VMCS_ENC_EPT_POINTER, 0xabc05e, VMXE_WR_L1), VMXE_OK);
	assert_int_equal(v->EPT_POINTER, 0xabc05e);
	free(v);
}

/* Each field in exactly one group's list, in table order, with that group's flag. */
static void test_group_fields(void **state)
{
	static const uint32_t groups[] = {VMCS_F_CONTROL, VMCS_F_EXIT_INFO, VMCS_F_GUEST, VMCS_F_HOST};
	unsigned int seen[VMCS_FIELD_COUNT] = {0};
	size_t total = 0;

	(void)state;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		size_t n;
		const uint16_t *idx = vmxe_group_fields(groups[g], &n);

		assert_true(n > 0);
		for (size_t k = 0; k < n; k++) {
			assert_true(idx[k] < VMCS_FIELD_COUNT);
			assert_true(k == 0 || idx[k] > idx[k - 1]);
			assert_int_equal(vmxe_field_at(idx[k])->flags & VMCS_F_GROUP_MASK, groups[g]);
			seen[idx[k]]++;
		}
		total += n;
	}
	assert_int_equal(total, VMCS_FIELD_COUNT);
	for (size_t i = 0; i < VMCS_FIELD_COUNT; i++)
		assert_int_equal(seen[i], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_fields),
	    cmocka_unit_test(test_count_matches_def),
		cmocka_unit_test(test_lookup_every_field),
		cmocka_unit_test(test_encoding_bits_match_descriptor),
		cmocka_unit_test(test_high_access_forms),
		cmocka_unit_test(test_round_trip_every_field),
		cmocka_unit_test(test_width_truncation_examples),
		cmocka_unit_test(test_high_access_read_write),
		cmocka_unit_test(test_read_only_fields),
		cmocka_unit_test(test_unsupported_encodings),
		cmocka_unit_test(test_encoding_from_operand),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_offsets_inside_page_and_disjoint),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_shadow_flags),
		cmocka_unit_test(test_highest_index),
		cmocka_unit_test(test_named_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
