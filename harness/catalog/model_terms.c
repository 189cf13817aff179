/*
 * model_terms.c - what a pair declares about its sides: the terms of their cost models
 * (zc_model_term in zcbench.h; model evaluation against a machine's costs is
 * analysis/model.c) and the invariants a chunked transfer keeps.
 */
#include "catalog.h"

const char *const zc_model_per_name[ZC_NPER] = {"iteration", "syscall", "fault", "switch", "copy", "wakeup"};

void zc_model_term(struct zc_model *m, enum zc_primitive prim, enum zc_model_per per, double count, size_t size)
{
	if (m->n >= ZC_MODEL_TERMS) {
		m->overflow = 1;
		return;
	}
	m->t[m->n++] = (struct zc_model_term){.prim = prim, .per = per, .count = count, .size = size};
}

void zc_model_restates_profile(struct zc_model *m)
{
	m->restates_profile = 1;
}

void zc_invariant_whole_chunk(const struct zc_param *p, struct zc_invariants *inv, double syscalls, int at_least)
{
	if (p->bytes > ZC_WHOLE_CHUNK_MAX) /* larger chunks may pass in parts */
		return;
	inv->syscalls = syscalls;
	inv->syscalls_at_least = at_least;
}
