/*
 * model_terms.c - the terms a pair declares for its sides' cost models (zc_model_term in
 * zcbench.h); model evaluation against a machine's costs is analysis/model.c.
 */
#include "catalog.h"

const char *const zc_model_per_name[ZC_NPER] = {"iteration", "syscall", "fault", "switch", "copy"};

void zc_model_term(struct zc_model *m, enum zc_primitive prim, enum zc_model_per per, double count, size_t size)
{
	if (m->n >= ZC_MODEL_TERMS) {
		m->overflow = 1;
		return;
	}
	m->t[m->n++] = (struct zc_model_term){.prim = prim, .per = per, .count = count, .size = size};
}
