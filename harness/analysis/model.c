/*
 * model.c - a side's predicted time from the machine profile, and a pair's predicted ratio.
 *
 * predicted = loop floor + sum over the side's terms of ops x cost, where ops is the
 * term's declared count, times the side's measured syscalls, faults, switches or copies
 * per iteration when the term says so, and cost is the profile's primitive at the term's
 * size. Nothing is fitted: a residual is time the declared primitives do not account for,
 * and a pair whose ratio is off its prediction by more than ZC_MODEL_TOLERANCE says so.
 *
 * A side whose model restates the profile (zc_model_restates_profile: it runs what the
 * profile timed to derive its terms) predicts itself; a check in which every side that is
 * timed (not at the loop floor) does so is not independent, and it is never "explained",
 * only said to agree.
 */
#include <math.h>
#include <string.h>

#include "analysis.h"

/* The side's measured count a term is multiplied by. */
static double measured_count(const struct zc_pair_result *r, int s, enum zc_model_per per)
{
	const struct zc_side_result *sr = &r->side[s];
	switch (per) {
	case ZC_PER_ITER:
		return 1;
	case ZC_PER_SYSCALL:
		return sr->cnt_median[ZC_CNT_SYSCALLS].value;
	case ZC_PER_FAULT:
		return sr->cnt_median[ZC_CNT_PAGE_FAULTS].value;
	case ZC_PER_SWITCH: {
		double c = sr->cnt_median[ZC_CNT_CTX_SWITCHES].value;
		return isfinite(c) ? c : sr->csw_per_op.value;
	}
	case ZC_PER_COPY:
		return isfinite(sr->copies_measured) ? sr->copies_measured : r->pair->side[s].copies_per_iter;
	case ZC_PER_WAKEUP: {
		/* Uncounted (no tracefs, or a result from before the counter): the term counts
		 * none, as models had no wake-ups then. */
		double w = sr->cnt_median[ZC_CNT_WAKEUPS].value;
		return isfinite(w) ? w : 0;
	}
	case ZC_NPER:
		break;
	}
	return NAN;
}

static void model_side(const struct zc_run *run, struct zc_pair_result *r, int s)
{
	struct zc_side_model *sm = &r->side[s].model;
	const struct zc_side *sd = &r->pair->side[s];
	memset(sm, 0, sizeof *sm);
	sm->floor_ns = run->loop_floor_ns;
	sm->predicted_ns = sm->residual = NAN;
	if (!sd->model)
		return;
	sm->declared = 1;
	sd->model(r->param, &sm->m);
	/* A primitive newer than the run's profile (a result read back): its terms are left
	 * out, as the run's own models had none of them. */
	size_t kept = 0;
	for (size_t i = 0; i < sm->m.n; i++)
		if (!run->costs.predates[sm->m.t[i].prim])
			sm->m.t[kept++] = sm->m.t[i];
	sm->m.n = kept;
	for (size_t i = 0; i < sm->m.n; i++)
		sm->m.t[i].share = NAN;
	if (sm->m.overflow || !run->costs.measured)
		return;
	double total = isfinite(sm->floor_ns) ? sm->floor_ns : 0;
	for (size_t i = 0; i < sm->m.n; i++) {
		struct zc_model_term *t = &sm->m.t[i];
		t->ops = t->count * measured_count(r, s, t->per);
		t->cost_ns = zc_costs_cost(&run->costs, t->prim, t->size);
		t->ns = t->ops == 0 ? 0 : t->ops * t->cost_ns;
		total += t->ns;
	}
	sm->predicted_ns = total;
	for (size_t i = 0; total > 0 && i < sm->m.n; i++)
		sm->m.t[i].share = sm->m.t[i].ns / total;
	double measured = r->side[s].real.value;
	sm->residual = total > 0 && isfinite(total) ? measured / total - 1 : NAN;
}

/* The term of a side with the largest share, for the note. */
static const struct zc_model_term *largest_term(const struct zc_side_model *sm)
{
	const struct zc_model_term *best = NULL;
	for (size_t i = 0; i < sm->m.n; i++)
		if (isfinite(sm->m.t[i].ns) && (!best || sm->m.t[i].ns > best->ns))
			best = &sm->m.t[i];
	return best;
}

void zc_model_pair(const struct zc_run *run, struct zc_pair_result *r)
{
	for (int s = 0; s < ZC_NSIDES; s++)
		model_side(run, r, s);
	const struct zc_side_model *b = &r->side[ZC_BASELINE].model, *z = &r->side[ZC_ZEROCOPY].model;
	r->predicted_ratio = r->model_residual = NAN;
	r->model_explained = r->model_independent = 0;
	if (!run->costs.measured) {
		snprintf(r->model_note, sizeof r->model_note, "no machine profile: %s",
			 run->costs.error[0] ? run->costs.error : "not measured");
		return;
	}
	if (!b->declared || !z->declared) {
		snprintf(r->model_note, sizeof r->model_note, "no cost model declared for the %s side",
			 !b->declared ? "baseline" : "zerocopy");
		return;
	}
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_model *sm = &r->side[s].model;
		if (sm->m.overflow) {
			snprintf(r->model_note, sizeof r->model_note, "the %s side declares more than %d terms",
				 s ? "zerocopy" : "baseline", ZC_MODEL_TERMS);
			return;
		}
		for (size_t i = 0; i < sm->m.n; i++) {
			const struct zc_model_term *t = &sm->m.t[i];
			if (!isfinite(t->ns)) {
				/* Why the profile has no cost: its own reason where it gave one. */
				const char *why = isfinite(t->cost_ns)      ? "no measured count"
						  : run->costs.why[t->prim][0] ? run->costs.why[t->prim]
										: "not in the machine profile";
				snprintf(r->model_note, sizeof r->model_note, "%s side: %s per %s unavailable (%.160s)",
					 s ? "zerocopy" : "baseline", zc_prim_info[t->prim].key,
					 zc_model_per_name[t->per], why);
				return;
			}
		}
	}
	r->predicted_ratio = b->predicted_ns / z->predicted_ns;
	double measured = r->ratio_est.estimate;
	if (!isfinite(measured) || !(r->predicted_ratio > 0)) {
		snprintf(r->model_note, sizeof r->model_note, "no measured ratio");
		return;
	}
	r->model_residual = measured / r->predicted_ratio - 1;
	/* A side at the loop floor measures the loop: the ratio is a bound, and only the other
	 * side's time can be explained. */
	int floor_side = r->bound == ZC_BOUND_LOWER   ? ZC_ZEROCOPY
			 : r->bound == ZC_BOUND_UPPER ? ZC_BASELINE
								      : -1;
	if (floor_side >= 0) {
		const struct zc_side_model *o = &r->side[!floor_side].model;
		int ok = fabs(o->residual) <= ZC_MODEL_TOLERANCE;
		r->model_independent = !o->m.restates_profile;
		r->model_explained = ok && r->model_independent;
		snprintf(r->model_note, sizeof r->model_note,
			 "%s: the %s side is at the loop floor, so the ratio (predicted %.3gx, measured %.3gx) is a "
			 "bound; the %s side is %+.0f%% off its model%s",
			 r->model_explained ? "explained" : ok ? "agrees" : "not explained", floor_side ? "zerocopy" : "baseline",
			 r->predicted_ratio, measured, floor_side ? "baseline" : "zerocopy", o->residual * 100,
			 r->model_independent ? "" : ", which restates the profile (not an independent check)");
		return;
	}
	int ratio_ok = fabs(r->model_residual) <= ZC_MODEL_TOLERANCE;
	int sides_ok = fabs(b->residual) <= ZC_MODEL_SIDE_TOLERANCE && fabs(z->residual) <= ZC_MODEL_SIDE_TOLERANCE;
	r->model_independent = !(b->m.restates_profile && z->m.restates_profile);
	r->model_explained = ratio_ok && sides_ok && r->model_independent;
	if (ratio_ok && sides_ok && !r->model_independent) {
		snprintf(r->model_note, sizeof r->model_note,
			 "agrees, not an independent check: both sides run what the profile timed (predicted %.3gx, "
			 "measured %.3gx, %+.0f%%; sides %+.0f%% / %+.0f%% off their models)",
			 r->predicted_ratio, measured, r->model_residual * 100, b->residual * 100, z->residual * 100);
		return;
	}
	/* The side further off its model is the one the model misses. */
	int worse = fabs(z->residual) > fabs(b->residual) ? ZC_ZEROCOPY : ZC_BASELINE;
	const struct zc_side_model *w = &r->side[worse].model;
	const struct zc_model_term *big = largest_term(w);
	if (r->model_explained)
		snprintf(r->model_note, sizeof r->model_note,
			 "explained: predicted %.3gx, measured %.3gx (%+.0f%%); sides %+.0f%% / %+.0f%% off their models",
			 r->predicted_ratio, measured, r->model_residual * 100, b->residual * 100, z->residual * 100);
	else if (ratio_ok)
		snprintf(r->model_note, sizeof r->model_note,
			 "not explained: the ratio agrees (predicted %.3gx, measured %.3gx, %+.0f%%) but the sides are "
			 "%+.0f%% / %+.0f%% off their models (beyond %.0f%%): time the declared primitives do not account "
			 "for%s%s%s",
			 r->predicted_ratio, measured, r->model_residual * 100, b->residual * 100, z->residual * 100,
			 ZC_MODEL_SIDE_TOLERANCE * 100, big ? " (the " : "", big ? zc_prim_info[big->prim].key : "",
			 big ? " side's largest term)" : "");
	else
		snprintf(r->model_note, sizeof r->model_note,
			 "not explained: predicted %.3gx, measured %.3gx (%+.0f%%, beyond %.0f%%); the %s side is "
			 "%+.0f%% off its model%s%s%s",
			 r->predicted_ratio, measured, r->model_residual * 100, ZC_MODEL_TOLERANCE * 100,
			 worse ? "zerocopy" : "baseline", w->residual * 100, big ? " (largest term: " : "",
			 big ? zc_prim_info[big->prim].key : "", big ? ")" : "");
}
