/*
 * host.h: L0's own world, apart from anything L1 can reach: a copy of its image and a pool of
 * pages in memory the firmware's map marks reserved (so Linux never uses it), its own GDT, TSS,
 * IDT, page tables and stack, which become VMCS01's host state.
 */
#ifndef L0_HOST_H
#define L0_HOST_H

#include <efi.h>
#include <stdbool.h>
#include <stdint.h>

#include "l0/ept01.h"

#define L0_POOL_PAGES 640 /* 2.5 MiB: VMX regions, bitmaps, EPT01, page tables, stack, bt=on's window */
#define L0_STACK_PAGES 16
#define L0_MAX_RANGES 256

struct l0_host {
	uint64_t image_base, image_pages;
	uint64_t pool_base, pool_pages, pool_used;
	uint64_t cr3;       /* L0's identity page tables */
	uint64_t stack_top; /* HOST_RSP */
	uint64_t gdt_base, idt_base, tss_base;
	uint16_t gdt_limit, idt_limit;
	struct l0_mem_range ranges[L0_MAX_RANGES]; /* the firmware map as EPT01 sees it */
	size_t range_count;
};

#define L0_HOST_CS 0x08
#define L0_HOST_DS 0x10
#define L0_HOST_TR 0x18

/* Reserves L0's memory (the pool, and room for a copy of the image of @image_size bytes) and
 * builds L0's page tables in the pool. Calls the firmware. */
EFI_STATUS l0_host_reserve(struct l0_host *host, size_t image_size);

/* Copies the running image into its reserved room and relocates the copy; returns the distance
 * moved (code and data at X run from X + delta in the copy), or 0 on failure (logged). The copy
 * is a snapshot: what L0 writes afterwards must be written through the copy. */
int64_t l0_host_move_image(struct l0_host *host, size_t image_size);

/* Builds GDT, TSS and IDT in a pool page. Run from the copy: the IDT points at its code. */
bool l0_host_build_descriptors(struct l0_host *host);

/* A zeroed page from the pool (identity mapped: the address is both VA and PA), or NULL. */
void *l0_host_alloc_page(void *host, uint64_t *hpa);

/* @n consecutive zeroed pages from the pool (identity mapped, VA = PA), or NULL. */
void *l0_host_alloc_pages(struct l0_host *host, size_t n);

/* The pointer through which L0 reaches pool page @hpa (identity mapped), or NULL outside the
 * pool: the EPT01 walkers' page access. */
void *l0_host_page_va(void *host, uint64_t hpa);

/* Any physical address as L0 reaches it (identity mapped below 512 GiB), or NULL above. */
void *l0_host_identity_va(void *unused, uint64_t hpa);

/* Reads the firmware memory map into host->ranges (RAM, MMIO, or L0's own). */
EFI_STATUS l0_host_read_memory_map(struct l0_host *host);

#endif
