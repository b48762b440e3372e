/*
 * host.c: builds L0's host environment (see host.h). Touches the firmware (memory services, the
 * memory map) and the CPU's descriptor tables only through the data it writes; the VMCS takes
 * them from here.
 * Descriptor formats: SDM Vol. 3A 3.4.5 (segment descriptors), 7.2.3 (64-bit TSS descriptor),
 * 6.14.1 (64-bit IDT gates), 4.5 (4-level paging).
 */
#include "l0/host.h"

#include <efilib.h>
#include <string.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/reloc.h"
#include "l0/util.h"

#define GDT_CODE64 0x00AF9A000000FFFFull /* present, DPL0, code, L=1 */
#define GDT_DATA 0x00CF92000000FFFFull	 /* present, DPL0, data, writable */
#define TSS_TYPE_AVAILABLE 0x89ull	 /* present, 64-bit TSS (available) */
#define IDT_INTERRUPT_GATE 0x8E00u	 /* present, DPL0, 64-bit interrupt gate */
#define PTE_PRESENT 0x1ull
#define PTE_WRITE 0x2ull
#define PTE_LARGE 0x80ull
#define GIB (1ull << 30)
#define HOST_MAP_GIB 512 /* one PDPT of 1 GiB pages: the first 512 GiB */

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

struct idt_gate {
	uint16_t offset_low, selector, flags, offset_mid;
	uint32_t offset_high, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate layout");

extern const uint64_t l0_host_exception_stubs[32];

void *l0_host_alloc_page(void *ctx, uint64_t *hpa)
{
	struct l0_host *host = ctx;
	uint64_t pa;

	if (host->pool_used >= host->pool_pages)
		return NULL;
	pa = host->pool_base + host->pool_used++ * L0_PAGE_SIZE;
	memset((void *)(uintptr_t)pa, 0, L0_PAGE_SIZE);
	*hpa = pa;
	return (void *)(uintptr_t)pa;
}

void *l0_host_alloc_pages(struct l0_host *host, size_t n)
{
	uint64_t pa;

	if (n == 0 || n > host->pool_pages - host->pool_used)
		return NULL;
	pa = host->pool_base + host->pool_used * L0_PAGE_SIZE;
	host->pool_used += n;
	memset((void *)(uintptr_t)pa, 0, n * L0_PAGE_SIZE);
	return (void *)(uintptr_t)pa;
}

void *l0_host_page_va(void *ctx, uint64_t hpa)
{
	const struct l0_host *host = ctx;

	if (hpa < host->pool_base || hpa >= host->pool_base + host->pool_used * L0_PAGE_SIZE)
		return NULL;
	return (void *)(uintptr_t)hpa;
}

void *l0_host_identity_va(void *unused, uint64_t hpa)
{
	(void)unused;
	return hpa < HOST_MAP_GIB * GIB ? (void *)(uintptr_t)hpa : NULL;
}

/*
 * l0.efi runs where the firmware loaded it, in EfiLoaderCode pages that Linux reuses once the
 * firmware is gone, and which cannot be re-typed while they run (freeing them lets the firmware
 * scrub or unmap them). So L0 copies itself into reserved pages and runs from the copy, whose
 * absolute pointers reloc.c shifts; the original becomes L1's memory like any loader's.
 */
extern char ImageBase[] __attribute__((visibility("hidden")));
extern struct l0_elf_dyn _DYNAMIC[] __attribute__((visibility("hidden")));

int64_t l0_host_move_image(struct l0_host *host, size_t image_size)
{
	uint8_t *copy = (uint8_t *)(uintptr_t)host->image_base;
	int64_t delta = (int64_t)(host->image_base - (uintptr_t)ImageBase);
	int err;

	memcpy(copy, ImageBase, image_size);
	err = l0_reloc_shift(copy, image_size,
			     (const struct l0_elf_dyn *)((uintptr_t)_DYNAMIC + (uint64_t)delta),
			     delta);
	if (err != L0_RELOC_OK) {
		l0_log("cannot move L0's image: relocation error %d", err);
		return 0;
	}
	return delta;
}

static void build_gdt(struct l0_host *host, uint64_t *gdt, struct tss64 *tss)
{
	uint64_t t = (uintptr_t)tss, limit = sizeof(*tss) - 1;

	tss->iomap_base = sizeof(*tss);
	gdt[0] = 0;
	gdt[L0_HOST_CS / 8] = GDT_CODE64;
	gdt[L0_HOST_DS / 8] = GDT_DATA;
	gdt[L0_HOST_TR / 8] = (limit & 0xFFFF) | ((t & 0xFFFFFF) << 16) | (TSS_TYPE_AVAILABLE << 40) |
			      ((t >> 24) & 0xFF) << 56;
	gdt[L0_HOST_TR / 8 + 1] = t >> 32;
	host->gdt_base = (uintptr_t)gdt;
	host->gdt_limit = (uint16_t)(5 * sizeof(uint64_t) - 1);
	host->tss_base = t;
}

static void build_idt(struct l0_host *host, struct idt_gate *idt)
{
	for (size_t v = 0; v < ARRAY_SIZE(l0_host_exception_stubs); v++) {
		uint64_t h = l0_host_exception_stubs[v];

		idt[v] = (struct idt_gate){ .offset_low = (uint16_t)h, .selector = L0_HOST_CS,
					    .flags = IDT_INTERRUPT_GATE,
					    .offset_mid = (uint16_t)(h >> 16),
					    .offset_high = (uint32_t)(h >> 32) };
	}
	host->idt_base = (uintptr_t)idt;
	host->idt_limit = (uint16_t)(32 * sizeof(struct idt_gate) - 1);
}

/* Identity map of the first 512 GiB with 1 GiB pages, in L0's own memory. */
static EFI_STATUS build_page_tables(struct l0_host *host)
{
	uint64_t pml4_pa, pdpt_pa;
	uint64_t *pml4 = l0_host_alloc_page(host, &pml4_pa);
	uint64_t *pdpt = l0_host_alloc_page(host, &pdpt_pa);

	if (!l0_has_1g_pages()) {
		l0_log("virt=on needs 1 GiB pages (CPUID.80000001H:EDX[26]) for L0's page tables");
		return EFI_UNSUPPORTED;
	}
	if (!pml4 || !pdpt)
		return EFI_OUT_OF_RESOURCES;
	for (uint64_t i = 0; i < HOST_MAP_GIB; i++)
		pdpt[i] = i * GIB | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	pml4[0] = pdpt_pa | PTE_PRESENT | PTE_WRITE;
	host->cr3 = pml4_pa;
	return EFI_SUCCESS;
}

EFI_STATUS l0_host_reserve(struct l0_host *host, size_t image_size)
{
	EFI_PHYSICAL_ADDRESS pool, image;
	UINTN image_pages = EFI_SIZE_TO_PAGES(image_size);
	EFI_STATUS status;

	status = BS->AllocatePages(AllocateAnyPages, EfiReservedMemoryType, L0_POOL_PAGES, &pool);
	if (!EFI_ERROR(status))
		status = BS->AllocatePages(AllocateAnyPages, EfiReservedMemoryType, image_pages,
					   &image);
	if (EFI_ERROR(status)) {
		l0_log("cannot reserve L0's memory: %s", l0_efi_status_name(status));
		return status;
	}
	host->image_base = image;
	host->image_pages = image_pages;
	host->pool_base = pool;
	host->pool_pages = L0_POOL_PAGES;
	host->stack_top = pool + L0_STACK_PAGES * L0_PAGE_SIZE;
	host->pool_used = L0_STACK_PAGES;
	l0_log("L0 memory: image 0x%llx (%llu pages), pool 0x%llx (%d pages), reserved",
	       (unsigned long long)image, (unsigned long long)image_pages,
	       (unsigned long long)pool, L0_POOL_PAGES);
	l0_record("l0-memory", "\"image\":\"0x%llx\",\"image_pages\":%llu,\"pool\":\"0x%llx\","
		  "\"pool_pages\":%d", (unsigned long long)image, (unsigned long long)image_pages,
		  (unsigned long long)pool, L0_POOL_PAGES);
	return build_page_tables(host);
}

/* GDT, TSS and IDT share one pool page. */
struct descriptor_page {
	uint64_t gdt[5];
	struct tss64 tss;
	struct idt_gate idt[32];
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct descriptor_page) <= L0_PAGE_SIZE, "one page");

bool l0_host_build_descriptors(struct l0_host *host)
{
	uint64_t pa;
	struct descriptor_page *d = l0_host_alloc_page(host, &pa);

	if (!d)
		return false;
	build_gdt(host, d->gdt, &d->tss);
	build_idt(host, d->idt);
	return true;
}

static enum l0_mem_type classify(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
	case EfiConventionalMemory:
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
		return L0_MEM_RAM;
	default:
		return L0_MEM_MMIO;
	}
}

EFI_STATUS l0_host_read_memory_map(struct l0_host *host)
{
	UINTN entries, key, desc_size;
	UINT32 desc_version;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
	EFI_MEMORY_DESCRIPTOR *d = map;

	if (!map)
		return EFI_OUT_OF_RESOURCES;
	host->range_count = 0;
	for (UINTN i = 0; i < entries; i++, d = NextMemoryDescriptor(d, desc_size)) {
		uint64_t size = d->NumberOfPages * L0_PAGE_SIZE;
		enum l0_mem_type type = classify(d->Type);

		if (host->range_count + 2 >= L0_MAX_RANGES) {
			FreePool(map);
			return EFI_BUFFER_TOO_SMALL;
		}
		host->ranges[host->range_count++] =
			(struct l0_mem_range){ d->PhysicalStart, size, type };
	}
	FreePool(map);
	/* L0's own pages win over whatever the firmware's entries around them say */
	host->ranges[host->range_count++] = (struct l0_mem_range){
		host->image_base, host->image_pages * L0_PAGE_SIZE, L0_MEM_L0 };
	host->ranges[host->range_count++] = (struct l0_mem_range){
		host->pool_base, host->pool_pages * L0_PAGE_SIZE, L0_MEM_L0 };
	return EFI_SUCCESS;
}
