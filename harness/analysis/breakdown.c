/*
 * breakdown.c - what a pair's saving is made of. Each side's cost model gives its time as
 * primitives (copies, syscalls and switches, faults and mappings, work on the data); the
 * baseline's ns per cause less the zero-copy side's is what that cause saves, and the rest
 * is the measured saving less all of them: what the models do not account for. By
 * construction the parts sum to the measured saving. It answers, for instance, whether
 * vmsplice's gain over write() is the copy avoided or the calls and wake-ups around it.
 */
#include <math.h>

#include "analysis.h"

void zc_saving_breakdown(struct zc_pair_result *r)
{
	r->nsaving = 0;
	const struct zc_side_result *b = &r->side[ZC_BASELINE], *z = &r->side[ZC_ZEROCOPY];
	r->saving_ci_low = b->real.ci_low - z->real.ci_high;
	r->saving_ci_high = b->real.ci_high - z->real.ci_low;
	if (r->status != ZC_ST_OK || !isfinite(r->saving_ns) || !b->model.declared || !z->model.declared ||
	    !isfinite(b->model.predicted_ns) || !isfinite(z->model.predicted_ns))
		return;
	double part[ZC_NCAUSES] = {0};
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_model *m = &r->side[s].model.m;
		for (size_t i = 0; i < m->n; i++)
			part[zc_prim_cause(m->t[i].prim)] += s == ZC_BASELINE ? m->t[i].ns : -m->t[i].ns;
	}
	double modelled = 0;
	for (int c = 0; c < ZC_NCAUSES; c++) {
		r->saving[c] = (struct zc_saving_part){zc_cause_name[c], part[c], part[c] / r->saving_ns, NAN, NAN};
		modelled += part[c];
	}
	double rest = r->saving_ns - modelled;
	r->saving[ZC_NCAUSES] = (struct zc_saving_part){"the rest", rest, rest / r->saving_ns,
						       r->saving_ci_low - modelled, r->saving_ci_high - modelled};
	r->nsaving = ZC_NCAUSES + 1;
}
