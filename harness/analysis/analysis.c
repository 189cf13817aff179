/* analysis.c - see analysis.h for the method. Student t from GSL. */
#include "analysis.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIM 0.2

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void set_nan(struct zc_estimate *e)
{
	e->estimate = e->ci_low = e->ci_high = e->p = e->se_log = e->df = e->rho = NAN;
}

int zc_ratio_estimate(const double *x, size_t n, double alpha, struct zc_estimate *e)
{
	memset(e, 0, sizeof *e);
	e->n = n;
	e->level = 1 - alpha;
	set_nan(e);
	if (n < 3)
		return -1;
	double *lg = malloc(n * sizeof *lg), *s = malloc(n * sizeof *s);
	if (!lg || !s) {
		free(lg);
		free(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(x[i] > 0) || !isfinite(x[i])) {
			free(lg);
			free(s);
			return -1;
		}
		lg[i] = s[i] = log(x[i]);
	}
	qsort(s, n, sizeof *s, cmp_double);
	size_t g = (size_t)floor(TRIM * (double)n), h = n - 2 * g;
	double tm = 0;
	for (size_t i = g; i < n - g; i++)
		tm += s[i];
	tm /= (double)h;
	/* Winsorized series, in time order (serial correlation needs the order). */
	double lo = s[g], hi = s[n - 1 - g], wm = 0;
	for (size_t i = 0; i < n; i++) {
		lg[i] = lg[i] < lo ? lo : lg[i] > hi ? hi : lg[i];
		wm += lg[i];
	}
	wm /= (double)n;
	double c0 = 0, c1 = 0;
	for (size_t i = 0; i < n; i++) {
		c0 += (lg[i] - wm) * (lg[i] - wm);
		if (i + 1 < n)
			c1 += (lg[i] - wm) * (lg[i + 1] - wm);
	}
	double rho = c0 > 0 ? c1 / c0 : 0;
	/* An upper confidence bound, not the estimate: from a few blocks the lag-1 estimate is
	 * noisy and biased low (Kendall: by (1+3rho)/n), and a too-small rho makes the
	 * interval too narrow. z = 1 standard error (1/sqrt(n)), 1.5 below 8 blocks, is what
	 * the simulation in tests/unit/test_analysis.c needs for 95% under AR(1) rounds. */
	rho += (1 + 3 * rho) / (double)n + (n < 8 ? 1.5 : 1.0) / sqrt((double)n);
	rho = rho < 0 ? 0 : rho > 0.9 ? 0.9 : rho;
	double sw2 = c0 / (double)(n - 1);
	double inflate = (1 + rho) / (1 - rho);
	double var = (double)(n - 1) * sw2 / ((double)h * (double)(h - 1)) * inflate;
	e->se_log = sqrt(var);
	/* Correlated blocks carry fewer independent values than there are: the degrees of
	 * freedom shrink with the variance's inflation (h / inflate effective values). */
	e->df = fmax(1.0, (double)h / inflate - 1);
	e->rho = rho;
	e->estimate = exp(tm);
	double q = gsl_cdf_tdist_Qinv(alpha / 2, e->df);
	e->ci_low = exp(tm - q * e->se_log);
	e->ci_high = exp(tm + q * e->se_log);
	if (e->se_log > 0)
		e->p = 2 * gsl_cdf_tdist_Q(fabs(tm) / e->se_log, e->df);
	else
		e->p = tm == 0 ? 1.0 : 0.0;
	free(lg);
	free(s);
	return 0;
}

/* Student t interval and two-sided p of a mean log ratio m with standard error se. */
static void t_interval(double m, double se, double df, double alpha, struct zc_estimate *e)
{
	e->se_log = se;
	e->df = df;
	e->estimate = exp(m);
	double q = gsl_cdf_tdist_Qinv(alpha / 2, df);
	e->ci_low = exp(m - q * se);
	e->ci_high = exp(m + q * se);
	e->p = se > 0 ? 2 * gsl_cdf_tdist_Q(fabs(m) / se, df) : (m == 0 ? 1.0 : 0.0);
}

int zc_levels_estimate(const double *x, const size_t *start, size_t k, double alpha, struct zc_estimate *e,
		       struct zc_levels *lv)
{
	memset(lv, 0, sizeof *lv);
	lv->invocation_sd = lv->between_sd = lv->within_se = NAN;
	if (k > ZC_LEVELS_MAX)
		k = ZC_LEVELS_MAX;
	double se2 = 0;
	size_t nse = 0;
	for (size_t i = 0; i < k; i++) {
		size_t nb = start[i + 1] - start[i];
		if (nb == 0)
			continue;
		double lg[ZC_LEVELS_BLOCKS];
		if (nb > ZC_LEVELS_BLOCKS)
			nb = ZC_LEVELS_BLOCKS;
		for (size_t b = 0; b < nb; b++) {
			double v = x[start[i] + b];
			if (!(v > 0) || !isfinite(v))
				return zc_ratio_estimate(NULL, 0, alpha, e), -1;
			lg[b] = log(v);
		}
		/* Timing noise comes in spikes (a neighbour, an interrupt): each invocation's
		 * value is the 25% trimmed mean of its blocks (the middle two of four), its
		 * standard error Yuen's, from the winsorized variance. */
		// cppcheck-suppress uninitvar ; lg[0..nb) was filled just above
		qsort(lg, nb, sizeof *lg, cmp_double);
		size_t g = (size_t)floor(ZC_LEVELS_TRIM * (double)nb), h = nb - 2 * g;
		double m = 0, wm = 0, wv = 0;
		for (size_t b = g; b < nb - g; b++)
			m += lg[b];
		m /= (double)h;
		for (size_t b = 0; b < nb; b++)
			wm += lg[b < g ? g : b >= nb - g ? nb - 1 - g : b];
		wm /= (double)nb;
		for (size_t b = 0; b < nb; b++) {
			double w = lg[b < g ? g : b >= nb - g ? nb - 1 - g : b] - wm;
			wv += w * w;
		}
		lv->inv_log[lv->k] = m;
		lv->inv_se[lv->k] = NAN;
		if (h > 1) {
			double v = wv / ((double)h * (double)(h - 1));
			lv->inv_se[lv->k] = sqrt(v);
			se2 += v;
			nse++;
		}
		lv->k++;
	}
	if (nse)
		lv->within_se = sqrt(se2 / (double)nse);
	if (lv->k < 2) {
		/* One process: the within-run interval, which cannot see a re-run's spread. */
		size_t n = k ? start[k] - start[0] : 0;
		return zc_ratio_estimate(n ? x + start[0] : NULL, n, alpha, e);
	}
	memset(e, 0, sizeof *e);
	e->n = lv->k;
	e->level = 1 - alpha;
	e->rho = NAN;
	double m = 0, v = 0;
	for (size_t i = 0; i < lv->k; i++)
		m += lv->inv_log[i];
	m /= (double)lv->k;
	for (size_t i = 0; i < lv->k; i++)
		v += (lv->inv_log[i] - m) * (lv->inv_log[i] - m);
	v /= (double)(lv->k - 1);
	lv->invocation_sd = sqrt(v);
	if (nse)
		lv->between_sd = sqrt(fmax(0, v - se2 / (double)nse));
	t_interval(m, sqrt(v / (double)lv->k), (double)(lv->k - 1), alpha, e);
	return 0;
}

double zc_tost_p(const struct zc_estimate *e, double margin)
{
	if (!isfinite(e->estimate) || !isfinite(e->se_log) || !isfinite(e->df) || !(margin > 0))
		return NAN;
	double m = log(e->estimate), band = log1p(margin);
	if (e->se_log <= 0)
		return fabs(m) < band ? 0.0 : 1.0;
	double lower = gsl_cdf_tdist_Q((m + band) / e->se_log, e->df); /* H0: ratio <= 1/(1+margin) */
	double upper = gsl_cdf_tdist_Q((band - m) / e->se_log, e->df); /* H0: ratio >= 1+margin */
	return fmax(lower, upper);
}

size_t zc_blocks(const double *r, const unsigned char *first, size_t rounds, double *block_ratio,
		 double *position)
{
	size_t m = rounds / 2;
	for (size_t b = 0; b < m; b++) {
		int swapped = first && first[2 * b] != 0; /* this block ran BA, then AB */
		double ab = r[2 * b + swapped], ba = r[2 * b + !swapped];
		block_ratio[b] = sqrt(ab * ba);
		if (position)
			position[b] = sqrt(ba / ab);
	}
	return m;
}

/* Mean and sample variance of log(x[0..n)). */
static void log_moments(const double *x, size_t n, double *mean, double *var)
{
	double m = 0, v = 0;
	for (size_t i = 0; i < n; i++)
		m += log(x[i]);
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		v += (log(x[i]) - m) * (log(x[i]) - m);
	*mean = m;
	*var = n > 1 ? v / (double)(n - 1) : 0;
}

int zc_band(double ratio, double margin)
{
	return ratio > 1 + margin ? 1 : ratio < 1 / (1 + margin) ? -1 : 0;
}

void zc_drift_test(const double *x, size_t n, double rho, double margin, struct zc_drift *d)
{
	double inflate = rho > 0 && rho < 1 ? (1 + rho) / (1 - rho) : 1;
	memset(d, 0, sizeof *d);
	d->first = d->second = d->p = NAN;
	size_t h = n / 2;
	if (h < 2)
		return;
	double m1, v1, m2, v2;
	log_moments(x, h, &m1, &v1);
	log_moments(x + (n - h), h, &m2, &v2);
	d->first = exp(m1);
	d->second = exp(m2);
	double se2 = (v1 / (double)h + v2 / (double)h) * inflate;
	if (se2 <= 0) {
		d->p = m1 == m2 ? 1.0 : 0.0;
	} else {
		/* Welch-Satterthwaite degrees of freedom, of h / inflate effective values a half. */
		double a = v1 / (double)h * inflate, b = v2 / (double)h * inflate;
		double heff = fmax(2.0, (double)h / inflate);
		double df = se2 * se2 / (a * a / (heff - 1) + b * b / (heff - 1));
		/* One half without spread makes it unbounded: the normal limit, which GSL's t
		 * cannot take at any df. */
		if (!isfinite(df) || df > 1e6)
			df = 1e6;
		d->p = 2 * gsl_cdf_tdist_Q(fabs(m1 - m2) / sqrt(se2), df);
	}
	d->detected = d->p < ZC_DRIFT_ALPHA;
	d->changes_verdict = d->detected && zc_band(d->first, margin) != zc_band(d->second, margin);
}

void zc_holm(const double *p, size_t n, size_t family, double *adjusted)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx), k = 0;
	if (!idx) {
		for (size_t i = 0; i < n; i++)
			adjusted[i] = NAN;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		adjusted[i] = NAN;
		if (isfinite(p[i]))
			idx[k++] = i;
	}
	/* Insertion sort of the finite p-values' indices (n is a run's pair count). */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && p[idx[j - 1]] > p[idx[j]]; j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	/* Untested members of the family count as p = 1: they rank last, so each tested one
	 * is multiplied as if they were there. */
	size_t m = family > k ? family : k;
	double run = 0;
	for (size_t j = 0; j < k; j++) {
		double v = (double)(m - j) * p[idx[j]];
		v = v > 1 ? 1 : v;
		run = v > run ? v : run; /* step-down: adjusted p-values never decrease */
		adjusted[idx[j]] = run;
	}
	free(idx);
}

enum zc_verdict zc_decide(const struct zc_estimate *e, double p_adjusted, double tost_adjusted, double alpha,
		      double margin, const struct zc_drift *d, char *why, size_t whylen)
{
	if (!isfinite(e->estimate) || !isfinite(e->ci_low) || !isfinite(e->ci_high)) {
		snprintf(why, whylen, "too few blocks or invocations for an interval (%zu)", e->n);
		return ZC_V_UNKNOWN;
	}
	if (d && d->changes_verdict) {
		snprintf(why, whylen,
			 "the machine changed during the run: first half %.3fx, second half %.3fx (p=%.2g)",
			 d->first, d->second, d->p);
		return ZC_V_UNSTABLE;
	}
	if (tost_adjusted < alpha) {
		snprintf(why, whylen, "within +-%.3g%%: equivalence test (TOST) Holm-adjusted p=%.2g < %.2g%s",
			 margin * 100, tost_adjusted, alpha,
			 p_adjusted < alpha ? "; a difference smaller than the margin was detected too" : "");
		return ZC_V_SAME;
	}
	if (p_adjusted < alpha) {
		snprintf(why, whylen, "interval excludes 1; Holm-adjusted p=%.2g < %.2g", p_adjusted, alpha);
		return e->estimate > 1 ? ZC_V_FASTER : ZC_V_SLOWER;
	}
	snprintf(why, whylen, "Holm-adjusted p=%.2g >= %.2g, and not shown within +-%.3g%% (TOST p=%.2g)",
		 p_adjusted, alpha, margin * 100, tost_adjusted);
	return ZC_V_INCONCLUSIVE;
}

double zc_round_down_nice(double x)
{
	if (!(x > 0) || !isfinite(x))
		return NAN;
	double p = pow(10, floor(log10(x)));
	static const double steps[] = {5, 2, 1};
	for (size_t i = 0; i < 3; i++)
		if (steps[i] * p <= x * (1 + 1e-12))
			return steps[i] * p;
	return p;
}
