/*
 * vpid.c: L1's VPIDs mapped onto a range of L0's, least recently used out, with lazy flushing
 * (rules in vpid.h). Touches no hardware: L0 executes the INVVPIDs it is told to. SDM Vol. 3C
 * 29.1, 29.4.3, 31.3.
 */
#include "ept-merge/vpid.h"

#include <string.h>

#define VPID_MAX 0xffffu

int eptm_vpid_init(struct eptm_vpid_map *v, uint16_t first, unsigned int count)
{
	memset(v, 0, sizeof(*v));
	if (first == 0 || count < 2 || count > EPTM_VPID_SLOTS + 1 ||
	    (unsigned int)first + count - 1 > VPID_MAX)
		return -1;
	v->untagged02 = first;
	v->count = count - 1;
	for (unsigned int i = 0; i < v->count; i++)
		v->slot[i].vpid02 = (uint16_t)(first + 1 + i);
	return 0;
}

/* The slot mapping @vpid12 (not 0), or -1. */
static int slot_index(const struct eptm_vpid_map *v, uint16_t vpid12)
{
	for (unsigned int i = 0; i < v->count; i++) {
		if (v->slot[i].used && v->slot[i].vpid12 == vpid12)
			return (int)i;
	}
	return -1;
}

/* An unused slot, else the least recently used one. */
static struct eptm_vpid_slot *slot_victim(struct eptm_vpid_map *v)
{
	struct eptm_vpid_slot *victim = &v->slot[0];

	for (unsigned int i = 0; i < v->count; i++) {
		if (!v->slot[i].used)
			return &v->slot[i];
		if (v->slot[i].last_use < victim->last_use)
			victim = &v->slot[i];
	}
	return victim;
}

uint16_t eptm_vpid02_enter(struct eptm_vpid_map *v, uint16_t vpid12, bool *flush)
{
	struct eptm_vpid_slot *s;
	int i;

	if (vpid12 == 0) {
		*flush = true;
		return v->untagged02;
	}
	i = slot_index(v, vpid12);
	*flush = i < 0;
	if (i >= 0) {
		s = &v->slot[i];
	} else {
		s = slot_victim(v);
		s->used = true;
		s->vpid12 = vpid12;
	}
	s->last_use = ++v->clock;
	return s->vpid02;
}

uint16_t eptm_vpid02_find(const struct eptm_vpid_map *v, uint16_t vpid12)
{
	int i = vpid12 ? slot_index(v, vpid12) : -1;

	return i >= 0 ? v->slot[i].vpid02 : 0;
}

void eptm_vpid_forget(struct eptm_vpid_map *v, uint16_t vpid12)
{
	int i = vpid12 ? slot_index(v, vpid12) : -1;

	if (i >= 0)
		v->slot[i].used = false;
}

void eptm_vpid_forget_all(struct eptm_vpid_map *v)
{
	for (unsigned int i = 0; i < v->count; i++)
		v->slot[i].used = false;
}
