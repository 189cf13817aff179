/*
 * summary.c - zc_analyse_run: every statistic a report shows, computed once from the
 * samples (analysis.h has the method). Reporters only format these fields.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static struct zc_interval median_interval(const struct zc_summary *s)
{
	return (struct zc_interval){s->median, s->ci_low, s->ci_high};
}

/* Median with interval over the finite values of x[0..n). */
static struct zc_interval finite_median(const double *x, size_t n)
{
	double *v = calloc(n ? n : 1, sizeof *v);
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

double zc_sample_busy(const struct zc_side_result *sr, size_t k)
{
	return sr->real_ns[k] > 0 ? sr->cpu_ns[k] / sr->real_ns[k] : NAN;
}

int zc_sample_peer_bound(const struct zc_side_result *sr, size_t k)
{
	return zc_sample_busy(sr, k) < ZC_PEER_BOUND_BUSY || sr->csw[k] >= ZC_PEER_BOUND_CSW_PER_OP;
}

/* The blocks of each invocation: invocation i owns blocks [start[i], start[i + 1]). A
 * result with no invocations recorded is one invocation. */
static size_t block_starts(const struct zc_pair_result *r, size_t *start)
{
	if (r->ninv == 0) {
		start[0] = 0;
		start[1] = r->rounds / 2;
		return 1;
	}
	for (size_t i = 0; i <= r->ninv; i++)
		start[i] = r->inv_start[i] / 2;
	return r->ninv;
}

/* The drift test: across invocations (independent) when there are several, else across
 * the blocks of the one, corrected for their serial correlation. */
static void drift_of(const struct zc_pair_result *r, const double *blocks, const struct zc_levels *lv,
		     const struct zc_estimate *e, double margin, struct zc_drift *d)
{
	if (lv->k >= 2) {
		double x[ZC_LEVELS_MAX];
		for (size_t i = 0; i < lv->k; i++)
			x[i] = exp(lv->inv_log[i]);
		zc_drift_test(x, lv->k, 0, margin, d);
	} else {
		zc_drift_test(blocks, r->blocks, isfinite(e->rho) ? e->rho : 0, margin, d);
	}
}

/* Whole-machine CPU, the benchmark thread's busy share, peer-bound samples, and whether
 * zero-copy happened. */
static void summarize_system(struct zc_pair_result *r, int s)
{
	struct zc_side_result *sr = &r->side[s];
	const struct zc_side *sd = &r->pair->side[s];
	size_t n = sr->n ? sr->n : 1;
	free(sr->sample_busy);
	free(sr->sample_peer_bound);
	free(sr->sample_bytes_per_second);
	free(sr->sample_cpu_ns_per_byte);
	sr->sample_busy = malloc(n * sizeof *sr->sample_busy);
	sr->sample_peer_bound = calloc(n, 1);
	sr->sample_bytes_per_second = malloc(n * sizeof *sr->sample_bytes_per_second);
	sr->sample_cpu_ns_per_byte = malloc(n * sizeof *sr->sample_cpu_ns_per_byte);
	int ok = sr->sample_busy && sr->sample_peer_bound && sr->sample_bytes_per_second && sr->sample_cpu_ns_per_byte;
	sr->peer_bound = 0;
	for (size_t k = 0; ok && k < sr->n; k++) {
		sr->sample_busy[k] = zc_sample_busy(sr, k);
		sr->sample_peer_bound[k] = (unsigned char)zc_sample_peer_bound(sr, k);
		sr->peer_bound += sr->sample_peer_bound[k];
		sr->sample_bytes_per_second[k] = zc_side_bytes_per_second(r, s, sr->real_ns[k]);
		sr->sample_cpu_ns_per_byte[k] = zc_side_ns_per_byte(r, s, sr->cpu_ns[k]);
	}
	sr->busy = ok ? finite_median(sr->sample_busy, sr->n) : (struct zc_interval){NAN, NAN, NAN};
	sr->sys = finite_median(sr->sys_ns, sr->n);
	sr->peers = finite_median(sr->peers_ns, sr->n);
	sr->csw_per_op = finite_median(sr->csw, sr->n);
	sr->sys_ns_per_byte = zc_side_ns_per_byte(r, s, sr->sys.value);
	uint64_t told = sr->zc_zero + sr->zc_copied;
	sr->zc_effective = told ? (double)sr->zc_zero / (double)told : NAN;
	double if_copied = sd->copies_if_copied > 0 ? sd->copies_if_copied : sd->copies_per_iter;
	sr->copies_measured = told ? sd->copies_per_iter * sr->zc_effective + if_copied * (1 - sr->zc_effective)
				   : NAN;
}

static void summarize_side(const struct zc_run *run, struct zc_pair_result *r, int s)
{
	struct zc_side_result *sr = &r->side[s];
	zc_summarize(sr->real_ns, sr->n, &sr->real_summary);
	zc_summarize(sr->cpu_ns, sr->n, &sr->cpu_summary);
	sr->real = median_interval(&sr->real_summary);
	sr->cpu = median_interval(&sr->cpu_summary);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		sr->cnt_median[i] = finite_median(sr->cnt[i], sr->ncounted);
	sr->moves_bytes = zc_side_moves_bytes(r, s);
	sr->real_half_width = zc_ci_half_width(&sr->real_summary);
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
	summarize_system(r, s);
}

/* The paired analysis again, on whole-machine CPU per iteration; who waited; and the
 * check of the system CPU against the kernel's tick accounting. */
static void analyse_system(const struct zc_run *run, struct zc_pair_result *r)
{
	size_t n = r->rounds, m = n / 2;
	double *cr = calloc(n ? n : 1, sizeof *cr), *pos = calloc(m ? m : 1, sizeof *pos);
	free(r->cpu_block_ratio);
	r->cpu_block_ratio = calloc(m ? m : 1, sizeof(double));
	zc_ratio_estimate(NULL, 0, run->alpha, &r->cpu_ratio_est); /* all NAN until computed */
	memset(&r->cpu_levels, 0, sizeof r->cpu_levels);
	if (cr && pos && r->cpu_block_ratio) {
		for (size_t k = 0; k < n; k++)
			cr[k] = r->side[0].sys_ns[k] / r->side[1].sys_ns[k];
		zc_blocks(cr, r->first, n, r->cpu_block_ratio, pos);
		size_t start[ZC_MAX_INVOCATIONS + 1], k = block_starts(r, start);
		zc_levels_estimate(r->cpu_block_ratio, start, k, run->alpha, &r->cpu_ratio_est, &r->cpu_levels);
	}
	free(cr);
	free(pos);
	r->peer_bound[0] = 0;
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_result *sr = &r->side[s];
		if (2 * sr->peer_bound <= sr->n)
			continue;
		size_t len = strlen(r->peer_bound);
		snprintf(r->peer_bound + len, sizeof r->peer_bound - len,
			 "%s%s: %zu of %zu samples (its thread busy %.0f%%, %.2f switches/op)", len ? "; " : "",
			 s ? "zerocopy" : "baseline", sr->peer_bound, sr->n, sr->busy.value * 100,
			 sr->csw_per_op.value);
	}
	double sys = r->side[0].sys_ns_sum + r->side[1].sys_ns_sum;
	double stat = r->side[0].stat_busy_ns_sum + r->side[1].stat_busy_ns_sum;
	r->sys_check = stat > 0 ? sys / stat : NAN;
}

/* "2.156x", or ">= 1000x" when the zero-copy side is at the loop floor (the time ratio, or
 * the CPU ratio of the same samples, which the floor bounds the same way). */
static void ratio_display(char *buf, size_t len, const struct zc_pair_result *r, const struct zc_estimate *e)
{
	if (!isfinite(e->estimate))
		snprintf(buf, len, "-");
	else if (r->bound == ZC_BOUND_LOWER)
		snprintf(buf, len, ">= %gx", zc_round_down_nice(e->ci_low));
	else if (r->bound == ZC_BOUND_UPPER)
		snprintf(buf, len, "<= %.3gx", e->ci_high);
	else
		snprintf(buf, len, "%.3fx", e->estimate);
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
	size_t start[ZC_MAX_INVOCATIONS + 1], k = block_starts(r, start);
	zc_levels_estimate(r->block_ratio, start, k, run->alpha, &r->ratio_est, &r->levels);
	zc_levels_estimate(r->position, start, k, run->alpha, &r->position_est, &(struct zc_levels){0});
	r->saving_ns = r->side[0].real.value - r->side[1].real.value;
	analyse_system(run, r);
	int fb = r->side[ZC_BASELINE].at_floor, fz = r->side[ZC_ZEROCOPY].at_floor;
	r->bound = fb && fz ? ZC_BOUND_BOTH : fz ? ZC_BOUND_LOWER : fb ? ZC_BOUND_UPPER : ZC_BOUND_NO;
	ratio_display(r->ratio_display, sizeof r->ratio_display, r, &r->ratio_est);
	ratio_display(r->cpu_ratio_display, sizeof r->cpu_ratio_display, r, &r->cpu_ratio_est);
	/* Flagged when the second-runner effect is real and larger than the margin. */
	r->position_flagged = isfinite(r->position_est.ci_low) && (r->position_est.ci_low > 1 + run->equivalence ||
								    r->position_est.ci_high < 1 / (1 + run->equivalence));
	zc_model_pair(run, r);
	zc_saving_breakdown(r);
}

/* How often the controls (identical sides) were not "same", and their widest interval. */
static void noise_floor(struct zc_run *run)
{
	struct zc_noise_floor *nf = &run->noise_floor;
	memset(nf, 0, sizeof *nf);
	for (size_t i = 0; i < run->n; i++) {
		const struct zc_pair_result *r = &run->results[i];
		if (!(r->pair->flags & ZC_PAIR_CONTROL) || r->status != ZC_ST_OK)
			continue;
		nf->controls++;
		nf->same += r->verdict == ZC_V_SAME;
		nf->false_verdicts += r->verdict == ZC_V_FASTER || r->verdict == ZC_V_SLOWER;
		double w = fmax(r->ratio_est.ci_high - 1, 1 - r->ratio_est.ci_low);
		if (isfinite(w) && w > nf->widest_half_width)
			nf->widest_half_width = w;
	}
}

/* The equivalence margin of each kind: --equivalence, or wider where re-runs of the kind's
 * pairs scatter more (their median between-run SD; ratios at the loop floor are bounds and
 * left out). */
static void kind_margins(struct zc_run *run)
{
	for (int kd = 0; kd < ZC_NKINDS; kd++) {
		struct zc_kind_margin *km = &run->margins[kd];
		double *sd = calloc(run->n ? run->n : 1, sizeof *sd);
		km->pairs = 0;
		for (size_t i = 0; sd && i < run->n; i++) {
			const struct zc_pair_result *r = &run->results[i];
			if (r->status == ZC_ST_OK && zc_pair_kind(r->pair) == (enum zc_kind)kd && r->bound == ZC_BOUND_NO &&
			    isfinite(r->levels.between_sd))
				sd[km->pairs++] = r->levels.between_sd;
		}
		km->between_sd = km->pairs ? zc_median(sd, km->pairs) : NAN;
		km->margin = isfinite(km->between_sd) ? fmax(run->equivalence, ZC_MARGIN_SDS * km->between_sd)
						     : run->equivalence;
		free(sd);
	}
}

/* A pair's equivalence margin: the kind's, or for a control twice the scatter of its own
 * invocations when that is wider. A control's true ratio is 1 by construction, so that
 * scatter is the instrument's re-run noise for that work, and "same" can only be shown
 * beyond it (the SD of the invocations, not tau: one invocation hit by the host inflates
 * its own within-run error, which the method of moments would then take off again). A
 * real pair's own spread would widen its margin over real differences: it gets its kind's. */
static double margin_of(const struct zc_run *run, const struct zc_pair_result *r)
{
	double m = run->margins[zc_pair_kind(r->pair)].margin;
	if ((r->pair->flags & ZC_PAIR_CONTROL) && isfinite(r->levels.invocation_sd))
		m = fmax(m, ZC_MARGIN_SDS * r->levels.invocation_sd);
	return m;
}

/* Holm over the run's two families, the pairs and the controls: adj[i] for p[i]. */
static void holm_of(const struct zc_run *run, const double *p, double *adj)
{
	double *q = calloc(run->n ? run->n : 1, sizeof *q), *qa = calloc(run->n ? run->n : 1, sizeof *qa);
	size_t *idx = calloc(run->n ? run->n : 1, sizeof *idx);
	for (size_t i = 0; i < run->n; i++)
		adj[i] = NAN;
	for (int control = 0; q && qa && idx && control < 2; control++) {
		size_t k = 0;
		for (size_t i = 0; i < run->n; i++)
			if (!!(run->results[i].pair->flags & ZC_PAIR_CONTROL) == control) {
				idx[k] = i;
				q[k++] = p[i];
			}
		zc_holm(q, k, control ? run->control_family : run->family, qa);
		for (size_t j = 0; j < k; j++)
			adj[idx[j]] = qa[j];
	}
	free(q);
	free(qa);
	free(idx);
}

void zc_analyse_run(struct zc_run *run)
{
	size_t n = run->n ? run->n : 1;
	enum { DIFF, TOST, CPU_DIFF, CPU_TOST, NTESTS };
	double *p[NTESTS], *adj[NTESTS];
	int ok = 1;
	for (int t = 0; t < NTESTS; t++) {
		p[t] = calloc(n, sizeof(double));
		adj[t] = calloc(n, sizeof(double));
		ok = ok && p[t] && adj[t];
	}
	if (!ok)
		goto out;
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		if (r->status == ZC_ST_OK)
			analyse_pair(run, r);
	}
	kind_margins(run);
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		for (int t = 0; t < NTESTS; t++)
			p[t][i] = NAN;
		if (r->status != ZC_ST_OK)
			continue;
		r->margin = margin_of(run, r);
		drift_of(r, r->block_ratio, &r->levels, &r->ratio_est, r->margin, &r->drift);
		drift_of(r, r->cpu_block_ratio, &r->cpu_levels, &r->cpu_ratio_est, r->margin, &r->cpu_drift);
		p[DIFF][i] = r->ratio_est.p;
		p[TOST][i] = r->tost_p = zc_tost_p(&r->ratio_est, r->margin);
		p[CPU_DIFF][i] = r->cpu_ratio_est.p;
		p[CPU_TOST][i] = r->cpu_tost_p = zc_tost_p(&r->cpu_ratio_est, r->margin);
	}
	/* Four families, each over the same fixed set of pair/params: time differs, time is
	 * the same, and the same two for whole-machine CPU. */
	for (int t = 0; t < NTESTS; t++)
		holm_of(run, p[t], adj[t]);
	for (size_t i = 0; i < run->n; i++) {
		struct zc_pair_result *r = &run->results[i];
		if (r->status != ZC_ST_OK)
			continue;
		r->p_adjusted = adj[DIFF][i];
		r->tost_p_adjusted = adj[TOST][i];
		r->verdict = zc_decide(&r->ratio_est, adj[DIFF][i], adj[TOST][i], run->alpha, r->margin, &r->drift,
				       r->why, sizeof r->why);
		if (r->bound == ZC_BOUND_BOTH) {
			r->verdict = ZC_V_UNKNOWN;
			snprintf(r->why, sizeof r->why,
				 "both sides within %gx of the loop floor: the loop is measured, not the work",
				 ZC_FLOOR_FACTOR);
		}
		r->cpu_p_adjusted = adj[CPU_DIFF][i];
		r->cpu_tost_p_adjusted = adj[CPU_TOST][i];
		if (!isfinite(r->cpu_ratio_est.estimate)) {
			r->cpu_verdict = ZC_V_UNKNOWN;
			snprintf(r->cpu_why, sizeof r->cpu_why, "no whole-machine CPU readings (/proc unreadable)");
		} else {
			r->cpu_verdict = zc_decide(&r->cpu_ratio_est, adj[CPU_DIFF][i], adj[CPU_TOST][i], run->alpha,
						   r->margin, &r->cpu_drift, r->cpu_why, sizeof r->cpu_why);
		}
		if (r->peer_bound[0]) {
			size_t len = strlen(r->why);
			snprintf(r->why + len, sizeof r->why - len,
				 "%sfrom samples in which the benchmark thread waited (on a peer or a device): the time "
				 "includes the waiting (CPU verdict: %s)",
				 len ? "; " : "", zc_verdict_name[r->cpu_verdict]);
		}
	}
	noise_floor(run);
out:
	for (int t = 0; t < NTESTS; t++) {
		free(p[t]);
		free(adj[t]);
	}
}
