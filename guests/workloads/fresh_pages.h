/*
 * The fresh pages of pf and memtouch (fresh_pages.c): where they are at each level, and the check
 * of what the loop left in them. Touches no hardware: KVM memory slots and L1 mappings only.
 */
#ifndef TURTLE_GUESTS_FRESH_PAGES_H
#define TURTLE_GUESTS_FRESH_PAGES_H

#include "kvm_vm.h"
#include "l2guest.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Level l2, after l2vm_start_flat32: @pages fresh pages at L2_PF_REGION_GPA (vm->fresh), L2's
 * one-to-one page tables over them and over the first slot, paging on, and mb->region set.
 */
int fresh_pages_l2(struct l2vm *vm, struct l2_mailbox *mb, uint32_t pages, char *err,
		   size_t err_size);

/* Level l1: maps @pages fresh pages at *region and sets mb->region; munmap them after. */
int fresh_pages_l1(struct l2_mailbox *mb, uint32_t pages, uint8_t **region, char *err,
		   size_t err_size);

/* What the loop leaves in page i: its first @words 32-bit words each hold i ^ @pattern. */
struct fresh_pattern {
	uint32_t pattern;
	uint32_t words;
};

/* After the loop: each of the @pages pages at @region, as l2run sees it, holds its pattern. */
int fresh_pages_check(const uint8_t *region, uint32_t pages, const struct fresh_pattern *p,
		      char *err, size_t err_size);

#endif
