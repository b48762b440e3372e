/*
 * bt_policy.h: when binary translation of a VMREAD/VMWRITE site must not happen, as pure
 * decisions that return the reason, and the facts of an exit they decide on. Falling back means
 * L0 emulates the instruction as without bt=on, so every doubt is a reason here. Touches no
 * hardware.
 *
 * What a stub may do in place of the instruction follows SDM Vol. 3C 31.3 (VMREAD/VMWRITE): the
 * checks before the VM exit (#UD outside 64-bit mode here; CPL > 0 gives #GP(0) only after L0
 * sees the exit, so the site must be unreachable at CPL 3) and the VMfail cases (no current VMCS:
 * VMfailInvalid; bits 63:32 of the encoding set or no such field: VMfailValid 12; a read-only
 * field: VMfailValid 13 unless IA32_VMX_MISC bit 29, SDM Vol. 3D A.6) all stay with L0. So do
 * fields the CPU's shadow VMCS serves (SDM Vol. 3C 25.6.15): their latest value may be there.
 * No field needs L0 to see a VMWRITE at once: L0 reads VMCS12 only at VMLAUNCH/VMRESUME, on
 * reflection, on VMPTRLD/VMCLEAR/VMXOFF, and the stubs mark the copy dirty.
 */
#ifndef VBT_POLICY_H
#define VBT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcs-shadow/bt_decode.h"
#include "vmcs-shadow/bt_rewrite.h"
#include "vmx-emul/vmcs12.h"

/* X(NAME, "why L0 emulates instead"); VBT_OK first. */
#define VBT_REASON_LIST(X)                                                                         \
	X(OK, "translated")                                                                        \
	X(NOT_64BIT, "L1 is not in 64-bit mode")                                                   \
	X(CPL, "CPL is not 0")                                                                     \
	X(USER_PAGE, "the code page is reachable from user mode")                                  \
	X(NO_CURRENT_VMCS, "no current VMCS (VMfailInvalid, or #UD outside VMX operation)")        \
	X(NOT_VMX, "the bytes at RIP are not the VMREAD/VMWRITE that exited")                      \
	X(PAGE_CROSS, "the instruction or the patch crosses the end of the code page")             \
	X(PREFIX, "a prefix other than one FS/GS segment override")                                \
	X(RSP_OPERAND, "RSP as a register operand, or a VMWRITE source below RSP")                 \
	X(DISPLACED, "the instruction the patch would overwrite is not a relative JMP/Jcc")        \
	X(TRANSLATED, "the bytes overlap a translated site")                                       \
	X(ENCODING_HIGH, "encoding bits 63:32 set (VMfailValid 12)")                               \
	X(UNKNOWN_FIELD, "no such VMCS12 field (VMfailValid 12)")                                  \
	X(READ_ONLY, "VMWRITE to a read-only field (VMfailValid 13)")                              \
	X(SHADOWED, "the CPU's shadow VMCS serves this field")                                     \
	X(STALE_STUB, "a stub that a newer translation replaced, or whose page L1 rewrote")        \
	X(CASES_FULL, "the site's stub serves VBT_MAX_CASES fields already")                       \
	X(OUT_OF_REACH, "a target is beyond a 32-bit displacement from the stub")                  \
	X(AREA_FULL, "the stub area is full")                                                      \
	X(CACHE_FULL, "the translation cache is full")

enum vbt_reason {
#define VBT_X(name, text) VBT_##name,
	VBT_REASON_LIST(VBT_X)
#undef VBT_X
	    VBT_REASON_COUNT
};

const char *vbt_reason_text(enum vbt_reason r);

/* L0's settings for translation. */
struct vbt_config {
	struct vbt_layout layout;
	bool vmwrite_any_field; /* L1 is offered IA32_VMX_MISC bit 29 */
	/* shadow=on: the VMREAD/VMWRITE bitmaps of L1's shadow VMCS; NULL: no shadowing */
	const uint8_t *vmread_bitmap;
	const uint8_t *vmwrite_bitmap;
};

/* A VMREAD/VMWRITE exit from L1 as L0 saw it, or a site vbt_scan() found (from_scan). */
struct vbt_exit {
	bool is_vmwrite;
	uint64_t rip_la;     /* L1-linear address of the instruction */
	uint64_t rip_gpa;    /* its L1-physical address */
	const uint8_t *code; /* L1's bytes from rip_la to the end of its 4 KiB page */
	size_t code_len;
	uint64_t encoding; /* the value of the encoding register (a prediction when from_scan) */
	bool mode64;	   /* IA32_EFER.LMA = 1 and CS.L = 1 */
	unsigned int cpl;
	bool user_page;	   /* L1's translation of rip_la allows user-mode accesses */
	bool vmcs_current; /* L1 is in VMX operation and has a current VMCS */
	bool from_scan;
};

/* Whether the exit can be translated at all: mode, privilege, current VMCS. */
enum vbt_reason vbt_check_exit(const struct vbt_exit *x);

/* Whether the decoded site (@status from vbt_decode_site()) has a form the stubs handle. */
enum vbt_reason vbt_check_site(const struct vbt_exit *x, enum vbt_site_status status,
			       const struct vbt_site *site);

/* Whether a stub may serve @encoding for a VMREAD (@vmwrite false) or VMWRITE; sets *field. */
enum vbt_reason vbt_check_field(bool vmwrite, uint64_t encoding, const struct vbt_config *cfg,
				const struct vmxe_field_desc **field);

#endif
