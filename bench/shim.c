/*
 * shim.c: the state and calls bench.cc times (shim.h), over the pure vmx-emul libraries and the
 * valid VMCS12 of tests/vmx-emul/vmcs12_checks_fixture.c. Touches no hardware.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/shim.h"
#include "vmcs12_checks_fixture.h"
#include "vmx-emul/exit_reasons.h"
#include "vmx-emul/reflect.h"
#include "vmx-emul/vmcs02_merge.h"

#define IO_PORT	     0x80u
#define MSR_DEBUGCTL 0x1d9u

struct bench_state {
	struct vmcs12 checked; /* the fixture's valid VMCS12 (L1 with EPT, as KVM with ept=1) */
	struct vmcs12 vmcs12;  /* the same without EPT: L1's KVM with ept=0, as nested runs today */
	struct vmcs12 vmcs01, vmcs02, vmcs01_guest, reflected;
	struct vmxe_merge_cfg cfg;
	struct vmxe_exit exits[BENCH_EXITS];
};

static const char *const check_names[BENCH_CHECK_STAGES] = {"all", "controls", "host_state",
							    "guest_state", "msr_load"};
static const char *const exit_names[BENCH_EXITS] = {"cpuid", "hlt", "io", "rdmsr", "ept_violation"};

const char *bench_check_name(int stage)
{
	return stage >= 0 && stage < BENCH_CHECK_STAGES ? check_names[stage] : "?";
}

const char *bench_exit_name(int exit)
{
	return exit >= 0 && exit < BENCH_EXITS ? exit_names[exit] : "?";
}

/* VMCS01 as l0/vmcs01.c writes it: L1 on EPT01 with VPID, L0's host state. */
static void build_vmcs01(struct vmcs12 *v)
{
	memset(v, 0, sizeof(*v));
	v->PIN_BASED_VM_EXEC_CONTROL = VMX_PIN_DEFAULT1;
	v->CPU_BASED_VM_EXEC_CONTROL = M(PROC_USE_MSR_BITMAPS) | M(PROC_SECONDARY_CONTROLS);
	v->SECONDARY_VM_EXEC_CONTROL = M(PROC2_ENABLE_EPT) | M(PROC2_ENABLE_VPID) |
				       M(PROC2_UNRESTRICTED_GUEST) | M(PROC2_ENABLE_RDTSCP);
	v->VM_EXIT_CONTROLS = M(EXIT_HOST_ADDR_SPACE_SIZE) | M(EXIT_SAVE_EFER) | M(EXIT_LOAD_EFER) |
			      M(EXIT_SAVE_PAT) | M(EXIT_LOAD_PAT);
	v->VM_ENTRY_CONTROLS = M(ENTRY_IA32E_MODE_GUEST) | M(ENTRY_LOAD_EFER) | M(ENTRY_LOAD_PAT);
	v->GUEST_IA32_EFER = EFER_64;
	v->GUEST_IA32_PAT = PAT_DEFAULT;
	v->HOST_CR0 = CR0_64;
	v->HOST_CR4 = CR4_64;
	v->HOST_CR3 = 0x5000;
	v->HOST_RIP = 0xffff800000001000ull;
	v->HOST_CS_SELECTOR = 0x8;
}

static void build_exits(struct vmxe_exit *e)
{
	memset(e, 0, sizeof(*e) * BENCH_EXITS);
	e[BENCH_EXIT_CPUID].reason = VMX_EXIT_CPUID;
	e[BENCH_EXIT_CPUID].instruction_len = 2;
	e[BENCH_EXIT_HLT].reason = VMX_EXIT_HLT;
	e[BENCH_EXIT_HLT].instruction_len = 1;
	e[BENCH_EXIT_IO].reason = VMX_EXIT_IO_INSTRUCTION;
	e[BENCH_EXIT_IO].qualification = (uint64_t)IO_PORT << VMXE_IOQ_PORT_SHIFT; /* OUT, 1 byte */
	e[BENCH_EXIT_IO].instruction_len = 2;
	e[BENCH_EXIT_RDMSR].reason = VMX_EXIT_RDMSR;
	e[BENCH_EXIT_RDMSR].l2_rcx = MSR_DEBUGCTL;
	e[BENCH_EXIT_RDMSR].instruction_len = 2;
	e[BENCH_EXIT_EPT].reason = VMX_EXIT_EPT_VIOLATION;
	e[BENCH_EXIT_EPT].qualification = 0x181; /* read, linear address valid, translation */
	e[BENCH_EXIT_EPT].guest_physical_address = 0x5000;
}

struct bench_state *bench_new(const char **why)
{
	struct bench_state *s = calloc(1, sizeof(*s));
	struct vmxe_check_result res;
	uint8_t io_bits = 1u << (IO_PORT % 8);

	if (!s) {
		*why = "out of memory";
		return NULL;
	}
	fixture_setup(NULL);
	build_valid(&s->checked);
	s->vmcs12 = s->checked;
	s->vmcs12.SECONDARY_VM_EXEC_CONTROL &= ~(M(PROC2_ENABLE_EPT) | M(PROC2_UNRESTRICTED_GUEST));
	s->vmcs12.EPT_POINTER = 0;
	build_vmcs01(&s->vmcs01);
	s->vmcs01_guest = s->vmcs01;
	s->cfg = (struct vmxe_merge_cfg){
	    .eptp = 0x123405eull,
	    .msr_bitmap_hpa = 0x7000000ull,
	    .io_bitmap_a_hpa = 0x7001000ull,
	    .io_bitmap_b_hpa = 0x7002000ull,
	    /* Bochs 2.7's IA32_VMX_CR0/CR4_FIXED0/1 */
	    .cr0_fixed0 = 0x80000021ull,
	    .cr0_fixed1 = 0xffffffffull,
	    .cr4_fixed0 = 0x2000ull,
	    .cr4_fixed1 = 0x3727ffull,
	    .vpid = 2,
	};
	build_exits(s->exits);
	if (vmxe_gmem_write(&gmem, s->vmcs12.IO_BITMAP_A + IO_PORT / 8, &io_bits, 1)) {
		*why = "L1's I/O bitmap is outside the fixture's memory";
	} else if (vmxe_check_vmentry(&s->checked, &caps_l1, &l1_64, &gmem, &res) !=
		   VMXE_CHECK_OK) {
		*why = "the fixture's VMCS12 fails the VM-entry checks";
	} else if (vmxe_vmcs02_build(&s->vmcs01, &s->vmcs12, &s->cfg, &s->vmcs02) !=
		   VMXE_MERGE_OK) {
		*why = "vmxe_vmcs02_build refuses the fixture's VMCS12 without EPT";
	} else {
		s->reflected = s->vmcs12;
		return s;
	}
	free(s);
	return NULL;
}

void bench_free(struct bench_state *s)
{
	free(s);
}

int bench_check(struct bench_state *s, int stage)
{
	struct vmxe_check_result res;
	enum vmxe_check_kind k;

	switch (stage) {
	case BENCH_CHECK_ALL:
		k = vmxe_check_vmentry(&s->checked, &caps_l1, &l1_64, &gmem, &res);
		break;
	case BENCH_CHECK_CONTROLS:
		k = vmxe_check_controls(&s->checked, &caps_l1, &l1_64, &res);
		break;
	case BENCH_CHECK_HOST:
		k = vmxe_check_host_state(&s->checked, &caps_l1, &l1_64, &res);
		break;
	case BENCH_CHECK_GUEST:
		k = vmxe_check_guest_state(&s->checked, &caps_l1, &l1_64, &gmem, &res);
		break;
	case BENCH_CHECK_MSR_LOAD:
		k = vmxe_check_entry_msr_load(&s->checked, &caps_l1, &gmem, &res);
		break;
	default:
		return -1;
	}
	return k == VMXE_CHECK_OK ? 0 : -1;
}

int bench_vmcs02_build(struct bench_state *s)
{
	return vmxe_vmcs02_build(&s->vmcs01, &s->vmcs12, &s->cfg, &s->vmcs02) == VMXE_MERGE_OK ? 0
											       : -1;
}

int bench_reflect(struct bench_state *s, int exit)
{
	const struct vmxe_exit *e = &s->exits[exit];

	switch (vmxe_l1_wants_exit(&s->reflected, e, &gmem)) {
	case VMXE_ROUTE_L0:
		return 0;
	case VMXE_ROUTE_L1:
		vmxe_vmcs02_to_vmcs12(&s->vmcs02, &s->reflected);
		vmxe_exit_for_l1(e, &s->reflected);
		vmxe_load_l1_host_state(&s->reflected, &s->vmcs01_guest);
		return 1;
	default:
		return -1;
	}
}

size_t bench_field_lookup_all(void)
{
	size_t n = 0;

	for (size_t i = 0; i < vmxe_field_count(); i++) {
		const struct vmxe_field_desc *d = vmxe_field_at(i);

		if (vmxe_field_lookup(d->encoding) != d)
			return 0;
		n++;
		if (d->width == VMCS_W64) {
			if (vmxe_field_lookup(d->encoding | 1u) != d)
				return 0;
			n++;
		}
	}
	return n;
}

size_t bench_vmread_all(struct bench_state *s)
{
	uint64_t v;
	size_t n;

	for (n = 0; n < vmxe_field_count(); n++)
		if (vmxe_vmcs12_read(&s->vmcs12, vmxe_field_at(n)->encoding, &v) != VMXE_OK)
			return 0;
	return n;
}
