/*
 * eptm_fixture.h: what the ept-merge tests share (eptm_fixture.c, eptm_env.c): a seeded random
 * generator, a fake L1 memory (RAM for EPT12 tables, everything else unreadable, writes logged), an
 * EPT12 builder, reference models written apart from the code under test (an EPT12 walker from the
 * SDM's tables, EPT01 as a pure function of the address, the EPT02 composition rule) and a walker
 * of the EPT02 that eptm built, which also checks that the CPU could walk it.
 */
#ifndef TESTS_EPTM_FIXTURE_H
#define TESTS_EPTM_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept-merge/ept02.h"

/* L1 RAM that holds EPT12 tables: [FX_RAM_BASE, FX_RAM_BASE + FX_RAM_PAGES pages). */
#define FX_RAM_BASE    0x40000000ull
#define FX_RAM_PAGES   2048u
#define FX_OUTSIDE_RAM 0x7f000000ull /* an L1-physical page that is not RAM */
#define FX_MAXPHYADDR  46u
#define FX_LOG	       16u

/* L1's IA32_VMX_EPT_VPID_CAP bits the walker reads (SDM A.10). */
#define FX_CAP_EXEC_ONLY (1ull << 0)
#define FX_CAP_2M	 (1ull << 16)
#define FX_CAP_1G	 (1ull << 17)

/* Bits @hi..@lo set. */
static inline uint64_t fx_bits(unsigned int hi, unsigned int lo)
{
	return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

/* log2 of what an entry of @level maps, and @gpa's index at @level. */
static inline unsigned int fx_shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static inline unsigned int fx_index(uint64_t gpa, unsigned int level)
{
	return (unsigned int)(gpa >> fx_shift(level)) & 511;
}

static inline bool fx_in_ram(uint64_t gpa, size_t len)
{
	return gpa >= FX_RAM_BASE && gpa - FX_RAM_BASE <= FX_RAM_PAGES * 4096ull - len;
}

uint64_t fx_rand(uint64_t *state);
/* A value in [0, n). */
uint64_t fx_below(uint64_t *state, uint64_t n);

struct fake_l1 {
	uint8_t *ram;
	uint32_t next_page;
	size_t writes; /* writes through vmxe_gmem since the last fx_clear_log() */
	uint64_t write_gpa[FX_LOG];
	struct vmxe_gmem mem;
};

void fx_l1_init(struct fake_l1 *f);
void fx_l1_free(struct fake_l1 *f);
void fx_clear_log(struct fake_l1 *f);
/* A zeroed EPT12 table page in L1 RAM. */
uint64_t fx_table(struct fake_l1 *f);
uint64_t fx_peek(const struct fake_l1 *f, uint64_t gpa);
void fx_poke(struct fake_l1 *f, uint64_t gpa, uint64_t value);

/*
 * Sets the EPT12 entry of @l2gpa at @level below PML4 @root to @entry, creating missing tables
 * above with entries table | @upper. Returns the entry's L1-physical address, or 0 when an entry
 * above is a leaf or points outside RAM (nothing written).
 */
uint64_t fx_set(struct fake_l1 *f, uint64_t root, uint64_t l2gpa, unsigned int level,
		uint64_t entry, uint64_t upper);

/* The reference EPT12 walk: no side effects; entries and their addresses kept for checks. */
enum { REF_OK, REF_VIOLATION, REF_MISCONFIG, REF_UNREADABLE };
struct ref12 {
	int status;
	uint64_t addr, perms, qual;
	unsigned int level, memtype;
	bool ipat;
	bool dirty_before; /* the leaf's dirty flag before the access */
	uint64_t entry_gpa[5], entry[5];
};
void ref_walk12(const struct fake_l1 *f, uint64_t cap, uint64_t eptp, uint64_t l2gpa,
		uint64_t hw_qual, struct ref12 *r);

/* EPT01 as a pure function of the L1-physical address: leaves of every size, holes, restricted
 * permissions and every memory type, from @seed. */
struct model01 {
	uint64_t seed;
};
bool model01_translate(void *ctx, uint64_t l1gpa, struct eptm_xlate *out);

/* An EPT02 translation, as the CPU would find it. */
struct walk02 {
	bool present;
	uint64_t hpa, perms;
	unsigned int level, memtype;
	bool ipat;
};

/* A pool for eptm, with fake host-physical addresses. */
struct fx_pool {
	void *va;
	uint64_t hpa;
	size_t pages;
};
void fx_pool_init(struct fx_pool *p, size_t pages);
void fx_pool_free(struct fx_pool *p);
/* Walks EPT02 of @eptp02 for @l2gpa, asserting every entry on the way is well formed (no
 * misconfiguration, tables inside the pool). */
void walk02(const struct fx_pool *p, uint64_t eptp02, uint64_t l2gpa, struct walk02 *out);
/* Counts present leaves of EPT02 @eptp02 (the whole tree). */
size_t count02(const struct fx_pool *p, uint64_t eptp02);

/* The configuration most tests use: @pool, the fake L1 with @cap, EPT01 from @m01. */
struct eptm_config fx_config(const struct fx_pool *pool, struct fake_l1 *f, uint64_t cap,
			     struct model01 *m01, unsigned int max_leaf_level);

/* The expected EPT02 memory type (the ept02.h rule, restated). */
unsigned int ref_memtype(unsigned int mt12, bool ipat12, unsigned int mt01, bool ipat01,
			 bool *ipat);

/*
 * Asserts that @got, an EPT02 translation, is EPT01(EPT12(l2gpa)) for the same L2-physical
 * address as the reference walk @r12 (status OK) and EPT01's @x01 of r12->addr: same host address,
 * permissions @r12's AND @x01's (less W when @dirty is false; with @exact false, any subset: an
 * older fill), combined memory type, and a leaf no larger than either leaf or @max_level (equal
 * to the smallest with @exact).
 */
void check_composed(const struct walk02 *got, const struct ref12 *r12, const struct eptm_xlate *x01,
		    bool dirty, unsigned int max_level, bool exact);

/* A random EPT12 below its own PML4, and the leaves it was given. */
#define FX_MAPS 192u
struct fx_tree {
	uint64_t root;
	size_t n;
	uint64_t l2gpa[FX_MAPS];
	unsigned int level[FX_MAPS];
};
/*
 * Fills @t with up to @n leaves (4 KiB, 2 MiB, 1 GiB) over 2 PML4 slots, so that they share
 * tables; every permission combination (misconfigurations included), every memory-type
 * encoding, reserved and ignored bits now and then, A/D flags at random; then breaks a few upper
 * entries (not present, restricted, misconfigured, pointing outside RAM).
 */
void fx_random_tree(struct fake_l1 *f, uint64_t *rng, size_t n, struct fx_tree *t);
/* A query: mostly inside a leaf of @t, else anywhere in its range. */
uint64_t fx_random_l2gpa(uint64_t *rng, const struct fx_tree *t);
/* A hardware exit qualification: a nonzero access in bits 2:0, every other bit at random. */
uint64_t fx_random_qual(uint64_t *rng);
/* The EPTP of @t with A/D flags @ad: write-back, 4 levels. */
uint64_t fx_eptp(const struct fx_tree *t, bool ad);

/* One eptm over a fake L1 and a model EPT01. */
struct fx_env {
	struct fx_pool pool;
	struct fake_l1 f;
	struct model01 m01;
	uint64_t cap;
	unsigned int max_leaf;
	struct eptm m;
};
void fx_env_init(struct fx_env *e, size_t pool_pages, uint64_t cap, unsigned int max_leaf,
		 uint64_t seed);
void fx_env_free(struct fx_env *e);
/* Asserts the pool's accounting: every data page is free or held by exactly one live tree. */
void fx_check_pool(const struct eptm *m);

/*
 * The reference decision for L2's access @hw_qual to @l2gpa under @eptp, taken before eptm's
 * walk sets A/D flags: the EPT12 walk in *r, EPT01's answer (through the configured callback) in
 * *x01 when EPT12 translates.
 */
enum eptm_action ref_action(struct fx_env *e, uint64_t eptp, uint64_t l2gpa, uint64_t hw_qual,
			    struct ref12 *r, struct eptm_xlate *x01);
/*
 * Asserts that EPT02 of @eptp now translates @l2gpa as composed from @r and @x01 (exactly, the
 * walk having been @hw_qual's), and so do @probes other addresses of the same EPT02 leaf against
 * a fresh reference walk (an EPT02 leaf never covers more than both levels allow).
 */
void fx_check_filled(struct fx_env *e, uint64_t eptp, uint64_t l2gpa, uint64_t hw_qual,
		     const struct ref12 *r, const struct eptm_xlate *x01, uint64_t *rng,
		     unsigned int probes);
/* The EPTP02 of @eptp's tree if it has one, else 0; unlike eptm_eptp02(), changes nothing. */
uint64_t fx_eptp02_peek(const struct eptm *m, uint64_t eptp);
/* If @eptp has a tree that maps @l2gpa, asserts it agrees with EPT01(EPT12(@l2gpa)) now. */
void fx_check_consistent(struct fx_env *e, uint64_t eptp, uint64_t l2gpa);

/* An EPT01 with one answer everywhere: level, permissions, type, host = L1-physical + offset. */
struct fx_fixed01 {
	bool present;
	unsigned int level;
	uint64_t perms, offset;
	unsigned int memtype;
	bool ipat;
};
/* Makes @e's eptm ask @x instead of the model EPT01. */
void fx_use_fixed01(struct fx_env *e, struct fx_fixed01 *x);

#endif /* TESTS_EPTM_FIXTURE_H */
