/*
 * ept01_edit.h: changes to EPT01 once L1 runs, for the features that watch or show single
 * 4 KiB pages: bt=on (the stub window, write protection of translated code) and the VMCS02
 * bitmaps (write protection of L1's bitmap pages). The map itself is l0/ept01.c's.
 */
#ifndef L0_EPT01_EDIT_H
#define L0_EPT01_EDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "ept-merge/ept.h"

struct l0_vcpu;

/* EPT01's leaf for the 4 KiB page @page (identity mapped): its permissions less @clear plus
 * @set, with memory type @mt, or the leaf's own type when @keep_type. False (logged) when EPT01
 * needs a table and the pool has none. The caller flushes (l0_ept01_flush). */
bool l0_ept01_set_perms(struct l0_vcpu *v, uint64_t page, uint64_t clear, uint64_t set,
			enum eptm_memtype mt, bool keep_type);

/* Drops the CPU's cached EPT01 translations, and the EPT02 trees derived from EPT01's
 * permissions (ept=on). */
bool l0_ept01_flush(struct l0_vcpu *v);

#endif
