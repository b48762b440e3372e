/*
 * bt_rewrite.h: what binary translation writes into L1 for a VMREAD/VMWRITE site: the patch at
 * the site (a JMP to the stub) and the stub, which serves the site's fields straight from L0's
 * VMCS12 copy and falls back to the original instruction, which exits, for anything else.
 * Touches no hardware: it produces bytes; L0 places them.
 *
 * The stub keeps every architectural effect of VMREAD/VMWRITE (SDM Vol. 3C 31.3; 31.2 for the
 * flags): VMREAD stores the field zero-extended to 64 bits (the high access of a 64-bit field:
 * its bits 63:32), VMWRITE stores the source truncated to the field's width (the high access:
 * into bits 63:32), and both leave CF, PF, AF, ZF, SF and OF clear (VMsucceed) and every other
 * register and flag as it was. Its layout, for the site's fields E1..En:
 *
 *   push %rcx; [lea -Ei(%enc), %rcx; jrcxz Ti]...      dispatch, without touching RFLAGS
 *   slow: pop %rcx; <the original VMREAD/VMWRITE>       exits to L0, which emulates it
 *   tail: <the displaced JMP/Jcc, retargeted>; jmp site+patch_len
 *   Ti:   jmp Bi
 *   Bi:   mov shared.vmcs12(%rip), %rcx; jrcxz slow     no current VMCS: L0 says VMfailInvalid
 *         [movb $1, shared.dirty(%rip)]                 VMWRITE: before the store
 *         <load or store at offset(%rcx)>               register operands
 *         <value pushed, RCX restored, POP to operand>  VMREAD to memory
 *         <source via a second scratch, RCX restored>   VMWRITE from memory
 *         pop %rcx; cmpb $0, shared.one(%rip); jmp tail VMsucceed's flags: 1 - 0
 *
 * Dispatch uses LEA and JRCXZ so that the slow path reaches the original instruction with all
 * registers and flags as the site had them: only RIP differs, and L0 maps it back to the site.
 * The pointer to the current VMCS12 copy is loaded once, tested and used two or three
 * instructions later; only an interrupt handler that changed this CPU's current VMCS in between
 * (VMPTRLD/VMCLEAR of the very VMCS the interrupted code uses) could tell the stub from the
 * instruction, which Linux's KVM never does (it clears a VMCS from an IPI only once its vCPU has
 * left this CPU). The scratch registers live on L1's stack below RSP, which code at CPL 0 may not
 * keep data in (interrupts push there); memory operands relative to RSP are adjusted by what the
 * stub pushed.
 */
#ifndef VBT_REWRITE_H
#define VBT_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "vmcs-shadow/bt_decode.h"
#include "vmx-emul/vmcs12.h"

/*
 * The page L0 shares with the stubs: L1 reads and writes it (the stubs set @dirty), never
 * executes it; one per L1 vCPU at the same L1-linear address (per-vCPU EPT01 backing: the
 * current VMCS is per logical processor, SDM Vol. 3C 25.1). L0 trusts nothing in it or in the
 * VMCS12 copy: L1 writing them misleads only its own stubs, as writing its VMCS page would.
 */
struct vbt_shared {
	uint64_t vmcs12; /* L1-linear address of the current VMCS12 copy; 0: no current VMCS */
	uint8_t dirty;	 /* a VMWRITE stub sets it: L0 ORs it into its own dirty flag */
	uint8_t one;	 /* VBT_SHARED_ONE, always: CMP of it with 0 gives VMsucceed's flags */
	uint8_t reserved[6];
};
#define VBT_SHARED_ONE 1
_Static_assert(sizeof(struct vbt_shared) == 16, "shared page header layout");
_Static_assert(offsetof(struct vbt_shared, dirty) == 8, "stub ABI: dirty at 8");
_Static_assert(offsetof(struct vbt_shared, one) == 9, "stub ABI: one at 9");

/* Where things are in L1's linear address space. */
struct vbt_layout {
	uint64_t stub_la;   /* the stub area: executable at CPL 0, read-only for L1 */
	uint32_t stub_size; /* bytes */
	uint64_t shared_la; /* struct vbt_shared */
};

/* Fields one site's stub serves: 8, because KVM reads segment fields through one site per kind
 * (selector, base, limit, access rights) with the segment as a variable, 8 segments each. */
#define VBT_MAX_CASES  8
#define VBT_STUB_MAX   1024 /* bytes of the largest stub (VBT_MAX_CASES memory-operand cases) */
#define VBT_PATCH_MAX  (2 * VBT_INSN_MAX)
#define VBT_PATCH_FILL 0xcc /* INT3 after the JMP: a branch into the patch traps loudly */

/* One field that a stub serves: the bytes it moves in struct vmcs12. */
struct vbt_case {
	uint32_t encoding; /* as L1 passes it: the high-access form for the high half */
	uint16_t offset;   /* in struct vmcs12 */
	uint8_t size;	   /* 2, 4 or 8 */
};

/* The case for @encoding, whose field is @d (vmxe_field_lookup(encoding)). */
void vbt_case_for(uint32_t encoding, const struct vmxe_field_desc *d, struct vbt_case *c);

enum vbt_emit_status {
	VBT_EMIT_OK,
	VBT_EMIT_RANGE, /* a target or a displacement does not fit 32 bits from where it lands */
	VBT_EMIT_SPACE, /* the buffer is too small */
	VBT_EMIT_FORM,	/* a form the stub does not handle (bt_policy.c rejects it before) */
};

struct vbt_stub_info {
	uint16_t len;
	uint16_t slow_off; /* offset of the copy of the original instruction */
};

/*
 * The stub for @site serving @cases[0..n) (1 <= n <= VBT_MAX_CASES), to run at L1-linear
 * @stub_la, into @buf (@cap bytes; VBT_STUB_MAX always suffices).
 */
enum vbt_emit_status vbt_emit_stub(const struct vbt_site *site, const struct vbt_case *cases,
				   unsigned int n, const struct vbt_layout *layout,
				   uint64_t stub_la, uint8_t *buf, size_t cap,
				   struct vbt_stub_info *info);

/* The patch for @site: JMP rel32 to @stub_la, the rest of site->patch_len bytes INT3. */
enum vbt_emit_status vbt_emit_patch(const struct vbt_site *site, uint64_t stub_la,
				    uint8_t patch[VBT_PATCH_MAX]);

#endif
