/*
 * summary.c - zc_analyse_run: every statistic a report shows, computed once from the
 * samples (analysis.h has the method). Reporters only format these fields.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct zc_interval median_interval(const struct zc_summary *s)
{
	return (struct zc_interval){s->median, s->ci_low, s->ci_high};
}

/* Median with interval over the finite values of x[0..n). */
static struct zc_interval finite_median(const double *x, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof *v);
	size_t k = 0;
	struct zc_summary s;
	if (!v)
		return (struct zc_interval){NAN, NAN, NAN};
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			v[k++] = x[i];
	zc_summarize(v, k, &s);
	free(v);
	if (k == 0)
		return (struct zc_interval){NAN, NAN, NAN};
	return median_interval(&s);
}

int zc_side_moves_bytes(const struct zc_pair_result *r, int side)
{
	return r->param->bytes && !(r->pair->side[side].flags & ZC_SIDE_NO_BYTES);
}

double zc_side_bytes_per_second(const struct zc_pair_result *r, int side, double ns_per_iter)
{
	return zc_side_moves_bytes(r, side) && ns_per_iter > 0 ? (double)r->param->bytes / (ns_per_iter * 1e-9) : NAN;
}

double zc_side_ns_per_byte(const struct zc_pair_result *r, int side, double ns_per_iter)
{
	return zc_side_moves_bytes(r, side) ? ns_per_iter / (double)r->param->bytes : NAN;
}

static void summarize_side(const struct zc_run *run, struct zc_pair_result *r, int s)
{
	struct zc_side_result *sr = &r->side[s];
	zc_summarize(sr->real_ns, sr->n, &sr->real_summary);
	zc_summarize(sr->cpu_ns, sr->n, &sr->cpu_summary);
	sr->real = median_interval(&sr->real_summary);
	sr->cpu = median_interval(&sr->cpu_summary);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		sr->cnt_sum[i] = finite_median(sr->cnt[i], sr->ncounted);
	sr->bytes_per_second = zc_side_bytes_per_second(r, s, sr->real.value);
	sr->cpu_ns_per_byte = zc_side_ns_per_byte(r, s, sr->cpu.value);
	double counted = zc_median(sr->counted_real_ns, sr->ncounted);
	sr->counted_over_uncounted = sr->real.value > 0 ? counted / sr->real.value : NAN;
	sr->at_floor = isfinite(run->loop_floor_ns) && sr->real.value < ZC_FLOOR_FACTOR * run->loop_floor_ns;
	sr->stolen = sr->slowed = 0;
	for (size_t k = 0; k < sr->n; k++) {
		sr->stolen += (sr->host_flags[k] & ZC_HOST_STOLEN) != 0;
		sr->slowed += (sr->host_flags[k] & ZC_HOST_SLOWED) != 0;
	}
}

static void analyse_pair(const struct zc_run *run, struct zc_pair_result *r)
{
	for (int s = 0; s < ZC_NSIDES; s++)
		summarize_side(run, r, s);
	size_t m = r->rounds / 2;
	free(r->block_ratio);
	free(r->position);
	r->block_ratio = calloc(m ? m : 1, sizeof(double));
	r->position = calloc(m ? m : 1, sizeof(double));
	if (!r->block_ratio || !r->position) {
		r->blocks = 0;
		return;
	}
	r->blocks = zc_blocks(r->ratio, r->first, r->rounds, r->block_ratio, r->position);
	zc_ratio_estimate(r->block_ratio, r->blocks, run->alpha, &r->ratio_est);
	zc_ratio_estimate(r->position, r->blocks, run->alpha, &r->position_est);
	zc_drift_test(r->block_ratio, r->blocks, run->equivalence, &r->drift);
	r->saving_ns = r->side[0].real.value - r->side[1].real.value;
	int fb = r->side[ZC_BASELINE].at_floor, fz = r->side[ZC_ZEROCOPY].at_floor;
	r->bound = fb && fz ? "none" : fz ? "lower" : fb ? "upper" : NULL;
}

void zc_analyse_run(struct zc_run *run)
{
	double *p = calloc(run->n ? run->n : 1, sizeof *p), *adj = calloc(run->n ? run->n : 1, sizeof *adj);
	if (!p || !adj) {
		free(p);
		free(adj);
		return;
	}
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		p[i] = NAN;
		if (r->status != ZC_ST_OK)
			continue;
		analyse_pair(run, r);
		p[i] = r->ratio_est.p;
	}
	/* Run-wide: one family of tests, every pair that ran (controls included). */
	zc_holm(p, run->n, adj);
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		if (r->status != ZC_ST_OK)
			continue;
		r->p_adjusted = adj[i];
		r->verdict = zc_decide(&r->ratio_est, adj[i], run->alpha, run->equivalence, &r->drift, r->why,
				       sizeof r->why);
		if (r->bound && strcmp(r->bound, "none") == 0) {
			r->verdict = "unknown";
			snprintf(r->why, sizeof r->why,
				 "both sides within %gx of the loop floor: the loop is measured, not the work",
				 ZC_FLOOR_FACTOR);
		}
	}
	free(p);
	free(adj);
}
