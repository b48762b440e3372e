/*
 * bt_exec_harness.h: runs x86-64 code that BT produced on the host, to prove stubs by execution.
 * An RWX arena holds L1's "code page", the stub area, the shared page, the VMCS12 copy, data
 * and a stack, all within rel32 reach of each other as in L1. bt_run() loads every GPR and
 * RFLAGS from a struct, jumps into the arena, and the code ends with a jump to one of two exits
 * that store every GPR and RFLAGS back. A VMREAD/VMWRITE executed on the host raises #UD
 * (SIGILL); the handler plays L0: it emulates the instruction with vmx-emul's VMCS12 accessors
 * and the SDM 31.2 flags, against the VMCS12 copy the shared page points at, and counts it.
 */
#ifndef BT_EXEC_HARNESS_H
#define BT_EXEC_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs-shadow/bt_rewrite.h"
#include "vmx-emul/operand.h"

struct bt_cpu {
	uint64_t gpr[VMXE_GPR_COUNT]; /* enum vmxe_gpr order; RSP included */
	uint64_t rflags;
	uint64_t host_rsp; /* the harness's own */
};

/* Arena layout (offsets from the arena base). */
#define BT_ARENA_SIZE 0x10000u
#define BT_CODE_OFF   0x0000u /* two pages of "L1 code" */
#define BT_STUBS_OFF  0x2000u
#define BT_STUBS_SIZE 0x2000u
#define BT_SHARED_OFF 0x4000u
#define BT_VMCS12_OFF 0x5000u
#define BT_DATA_OFF   0x6000u /* memory operands */
#define BT_STACK_OFF  0x8000u
#define BT_STACK_TOP  0xc000u /* initial RSP, with room above for RSP-relative operands */

enum bt_path {
	BT_PATH_NONE,
	BT_PATH_OK,   /* the code reached the "success" exit */
	BT_PATH_FAIL, /* the code reached the "VMfail" exit */
};

/* What the SIGILL handler saw since the last bt_reset_exits(). */
struct bt_exits {
	unsigned int count;
	uint64_t last_rip;
};

/* The arena (mapped once), its address, and the layout of its stub area and shared page. */
uint8_t *bt_arena(void);
struct vbt_layout bt_layout(void);

/* Maps the arena and opens the decoder (idempotent). */
void bt_harness_init(void);

/* Writes "JMP to the success exit" / "JMP to the VMfail exit" (14 bytes) at @at. */
void bt_put_exit_ok(uint8_t *at);
void bt_put_exit_fail(uint8_t *at);
#define BT_EXIT_LEN 14

/* Runs from @entry with @cpu, returns which exit it took; @cpu holds the final state. */
enum bt_path bt_run(struct bt_cpu *cpu, uint64_t entry);

void bt_reset_exits(void);
struct bt_exits bt_get_exits(void);

#endif
