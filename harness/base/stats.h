/*
 * stats.h - distribution-free summaries of benchmark samples.
 *
 * Timing samples are skewed (a sample can only be slowed down), so the centre is the
 * median and its confidence interval comes from order statistics: the interval
 * [x(k), x(n+1-k)] covers the true median with probability 1 - 2*P(Binomial(n, 1/2) < k),
 * exactly (no normality assumed). This is benchstat's method, used for each side's time
 * and counters. A pair's ratio has its own analysis (analysis.h).
 */
#ifndef ZC_STATS_H
#define ZC_STATS_H

#include <stddef.h>

struct zc_summary {
	size_t n;
	double median, mean, stddev, cv, min, max;
	double ci_low, ci_high; /* NAN when n is too small for the requested confidence */
	double ci_level;        /* the exact coverage of [ci_low, ci_high], >= the requested one */
};

/* Median of x[0..n) (x is not modified). NAN for n == 0. */
double zc_median(const double *x, size_t n);

/* P(X <= k) for X ~ Binomial(n, 1/2). */
double zc_binom_half_cdf(size_t n, size_t k);

/*
 * 1-based ranks (lo, hi) of the order statistics bounding a confidence interval of the
 * median at confidence >= level. Returns 0 and fills lo/hi/coverage, or -1 when n is
 * too small (e.g. n < 6 at 95%).
 */
int zc_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi, double *coverage);

/* Fills s from x[0..n): median with its 95% interval, mean, sample stddev, cv, min, max. */
void zc_summarize(const double *x, size_t n, struct zc_summary *s);

/* Relative half-width of s's interval around its median, benchstat's "+-x%":
 * max(hi/median - 1, 1 - lo/median). NAN without an interval. */
double zc_ci_half_width(const struct zc_summary *s);

#endif
