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
	double var = (double)(n - 1) * sw2 / ((double)h * (double)(h - 1)) * (1 + rho) / (1 - rho);
	e->se_log = sqrt(var);
	e->df = (double)(h - 1);
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

void zc_drift_test(const double *x, size_t n, double margin, struct zc_drift *d)
{
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
	double se2 = v1 / (double)h + v2 / (double)h;
	if (se2 <= 0) {
		d->p = m1 == m2 ? 1.0 : 0.0;
	} else {
		/* Welch-Satterthwaite degrees of freedom. */
		double a = v1 / (double)h, b = v2 / (double)h;
		double df = se2 * se2 / (a * a / (double)(h - 1) + b * b / (double)(h - 1));
		d->p = 2 * gsl_cdf_tdist_Q(fabs(m1 - m2) / sqrt(se2), df);
	}
	d->detected = d->p < ZC_DRIFT_ALPHA;
	d->changes_verdict = d->detected && zc_band(d->first, margin) != zc_band(d->second, margin);
}

void zc_holm(const double *p, size_t n, double *adjusted)
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
	double run = 0;
	for (size_t j = 0; j < k; j++) {
		double v = (double)(k - j) * p[idx[j]];
		v = v > 1 ? 1 : v;
		run = v > run ? v : run; /* step-down: adjusted p-values never decrease */
		adjusted[idx[j]] = run;
	}
	free(idx);
}

const char *zc_decide(const struct zc_estimate *e, double p_adjusted, double alpha, double margin,
		      const struct zc_drift *d, char *why, size_t whylen)
{
	if (!isfinite(e->estimate) || !isfinite(e->ci_low) || !isfinite(e->ci_high)) {
		snprintf(why, whylen, "too few blocks for an interval (%zu; 3 needed)", e->n);
		return "unknown";
	}
	if (d && d->changes_verdict) {
		snprintf(why, whylen,
			 "the machine changed during the pair: first half of the blocks %.3fx, second half %.3fx (p=%.2g)",
			 d->first, d->second, d->p);
		return "unstable";
	}
	if (p_adjusted < alpha) {
		snprintf(why, whylen, "interval excludes 1; Holm-adjusted p=%.2g < %.2g", p_adjusted, alpha);
		return e->estimate > 1 ? "faster" : "slower";
	}
	if (zc_band(e->ci_low, margin) == 0 && zc_band(e->ci_high, margin) == 0) {
		snprintf(why, whylen, "whole interval within +-%.3g%%", margin * 100);
		return "same";
	}
	snprintf(why, whylen, "Holm-adjusted p=%.2g >= %.2g and the interval reaches beyond +-%.3g%%",
		 p_adjusted, alpha, margin * 100);
	return "inconclusive";
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
