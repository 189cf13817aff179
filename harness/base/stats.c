/* stats.c - see stats.h for the method. */
#include "base.h"

#include <gsl/gsl_cdf.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorted copy of x, or NULL on allocation failure. */
static double *sorted_copy(const double *x, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof *s);
	if (!s)
		return NULL;
	if (n) /* x may be NULL when there is nothing */
		memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	return s;
}

static double median_sorted(const double *s, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double zc_median(const double *x, size_t n)
{
	double *s = sorted_copy(x, n);
	if (!s)
		return NAN;
	double m = median_sorted(s, n);
	free(s);
	return m;
}

double zc_binom_half_cdf(size_t n, size_t k)
{
	return k >= n ? 1.0 : gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)n);
}

int zc_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi, double *coverage)
{
	double tail = (1.0 - level) / 2.0;
	/* Largest k with P(X <= k-1) <= tail gives the narrowest interval at >= level. */
	size_t best = 0;
	for (size_t k = 1; k <= n / 2; k++) {
		if (zc_binom_half_cdf(n, k - 1) <= tail)
			best = k;
		else
			break;
	}
	if (best == 0)
		return -1;
	*lo = best;
	*hi = n + 1 - best;
	*coverage = 1.0 - 2.0 * zc_binom_half_cdf(n, best - 1);
	return 0;
}

void zc_summarize(const double *x, size_t n, struct zc_summary *s)
{
	memset(s, 0, sizeof *s);
	s->n = n;
	s->median = s->mean = s->stddev = s->cv = s->min = s->max = NAN;
	s->ci_low = s->ci_high = s->ci_level = NAN;
	if (n == 0)
		return;
	double *v = sorted_copy(x, n);
	if (!v)
		return;
	s->median = median_sorted(v, n);
	s->min = v[0];
	s->max = v[n - 1];
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	if (n > 1) {
		double ss = 0.0;
		for (size_t i = 0; i < n; i++)
			ss += (v[i] - s->mean) * (v[i] - s->mean);
		s->stddev = sqrt(ss / (double)(n - 1));
		s->cv = s->mean != 0.0 ? s->stddev / s->mean : NAN;
	} else {
		s->stddev = 0.0;
		s->cv = 0.0;
	}
	size_t lo, hi;
	double cov;
	if (zc_median_ci_ranks(n, 0.95, &lo, &hi, &cov) == 0) {
		s->ci_low = v[lo - 1];
		s->ci_high = v[hi - 1];
		s->ci_level = cov;
	}
	free(v);
}

double zc_ci_half_width(const struct zc_summary *s)
{
	return fmax(s->ci_high / s->median - 1, 1 - s->ci_low / s->median);
}
