/*
 * shim_ept02.c: the EPT02 fill that bench.cc times (shim.h): an eptm over a pool, EPT12 built in
 * tests/ept-merge's fake L1 memory with one page table of 4 KiB leaves, and an EPT01 that maps
 * all of L1 at 4 KiB, write-back. Touches no hardware. SDM Vol. 3C 29.3.
 */
#include <stdlib.h>

#include "bench/shim.h"
#include "ept-merge/ept02.h"
#include "eptm_fixture.h"

#define L2_BASE	   0x200000ull	  /* 2 MiB aligned: the leaves share one EPT12 page table */
#define L1_BASE	   0x10000000ull  /* where EPT12 maps them in L1 */
#define HPA_SHIFT  0x100000000ull /* EPT01: host-physical = L1-physical + this */
#define POOL_PAGES 64u		  /* bookkeeping and one tree: PML4, PDPT, PD, PT */
#define QUAL_READ  0x1ull	  /* the exit qualification of a data read (SDM Table 28-7) */

struct bench_ept02 {
	struct fx_pool pool;
	struct fake_l1 l1;
	struct eptm m;
	uint64_t eptp12;
};

static bool ept01_translate(void *ctx, uint64_t l1gpa, struct eptm_xlate *out)
{
	(void)ctx;
	*out = (struct eptm_xlate){.addr = l1gpa + HPA_SHIFT,
				   .perms = EPTM_RWX,
				   .memtype = EPTM_MT_WB,
				   .ignore_pat = false,
				   .level = 1};
	return true;
}

struct bench_ept02 *bench_ept02_new(const char **why)
{
	struct bench_ept02 *e = calloc(1, sizeof(*e));
	struct eptm_config cfg;
	uint64_t root;

	if (!e) {
		*why = "out of memory";
		return NULL;
	}
	fx_pool_init(&e->pool, POOL_PAGES);
	fx_l1_init(&e->l1);
	root = fx_table(&e->l1);
	for (uint64_t i = 0; i < BENCH_EPT02_PAGES; i++) {
		uint64_t leaf =
		    eptm_make_leaf(L1_BASE + i * EPTM_PAGE_SIZE, 1, EPTM_RWX, EPTM_MT_WB);

		if (!fx_set(&e->l1, root, L2_BASE + i * EPTM_PAGE_SIZE, 1, leaf, EPTM_RWX)) {
			*why = "EPT12 does not fit in the fake L1 memory";
			goto fail;
		}
	}
	/* write-back paging structures, 4 levels, A/D off: L2 may write at once */
	e->eptp12 = root | EPTM_MT_WB | (3ull << EPTP_WALK_LEN_SHIFT);
	cfg = (struct eptm_config){
	    .pool_va = e->pool.va,
	    .pool_hpa = e->pool.hpa,
	    .pool_pages = e->pool.pages,
	    .max_leaf_level = 3,
	    .l1 = {.mem = &e->l1.mem, .ept_vpid_cap = 0, .maxphyaddr = FX_MAXPHYADDR},
	    .ept01 = {.translate = ept01_translate, .ctx = NULL},
	};
	if (eptm_init(&e->m, &cfg) != EPTM_OK) {
		*why = "eptm_init refused the pool";
		goto fail;
	}
	(void)eptm_eptp02(&e->m, e->eptp12);
	if (bench_ept02_fill_all(e) != BENCH_EPT02_PAGES) {
		*why = "an EPT violation on a page EPT12 and EPT01 map did not fill EPT02";
		goto fail;
	}
	return e;
fail:
	bench_ept02_free(e);
	return NULL;
}

void bench_ept02_free(struct bench_ept02 *e)
{
	fx_l1_free(&e->l1);
	fx_pool_free(&e->pool);
	free(e);
}

size_t bench_ept02_fill_all(struct bench_ept02 *e)
{
	struct eptm_outcome out;
	size_t n;

	eptm_invept_all(&e->m);
	for (n = 0; n < BENCH_EPT02_PAGES; n++)
		if (eptm_l2_ept_violation(&e->m, e->eptp12, L2_BASE + n * EPTM_PAGE_SIZE, QUAL_READ,
					  &out) != EPTM_RESUME_L2)
			return 0;
	return n;
}
