/*
 * analysis.h - the inference of a run: block ratios of the ABBA design, their interval
 * under serial correlation, the position effect, drift, run-wide error control, and the
 * verdict. Everything a reporter prints is computed here, once (see zc_analyse_run in
 * harness.h); nothing here touches the clock or the machine.
 *
 * Method (why each step, briefly):
 * - Rounds come in AB|BA blocks. A block's ratio is sqrt(r_AB * r_BA): a slowdown of
 *   whichever side runs second multiplies one round's ratio and divides the other's, so
 *   it cancels. The position effect is sqrt(r_BA / r_AB) per block.
 * - Location: the 20% trimmed mean of the log block ratios (robust to a stray slow
 *   sample, yet with continuous p-values: a sign test over 10 blocks cannot go below
 *   p = 0.002, too coarse for run-wide error control across 50 pairs).
 * - Interval: Yuen's trimmed-mean t interval, its winsorized variance inflated by the
 *   long-run factor (1 + rho) / (1 - rho) of an AR(1) process, rho being an upper
 *   confidence bound of the lag-1 autocorrelation of the winsorized logs (bias-corrected,
 *   plus one standard error; kept in [0, 0.9]). Rounds of a benchmark are not independent (the machine wanders); this keeps
 *   the coverage at its nominal level for AR(1) rounds (checked by simulation in
 *   tests/unit/test_analysis.c).
 * - Run-wide error: Holm's step-down adjustment of the pairs' p-values (family-wise
 *   error, any dependence between pairs): a run is ~50 verdicts, and "no false
 *   faster/slower in this run" is the claim a reviewer reads into a results change.
 * - same: only when the whole interval lies within [1/(1+margin), 1+margin] (an
 *   equivalence test, TOST-like at the interval's level); otherwise inconclusive.
 * - unstable: the first and second half of the blocks differ (Welch t, p < 0.01) and
 *   the halves on their own would fall on different sides of the equivalence band.
 */
#ifndef ZC_ANALYSIS_H
#define ZC_ANALYSIS_H

#include <stddef.h>

/* A location on the ratio scale (computed in logs), with its interval and test of 1. */
struct zc_estimate {
	size_t n;       /* values (blocks) */
	double estimate, ci_low, ci_high;
	double level;   /* 1 - alpha */
	double p;       /* two-sided p-value of "the ratio is 1" */
	double se_log;  /* standard error in natural-log units */
	double df;
	double rho;     /* serial correlation used for the interval (after correction) */
};

/* x: n positive ratios. Returns 0, or -1 (all fields NAN) when n < 3 or a value is not
 * a finite positive number. */
int zc_ratio_estimate(const double *x, size_t n, double alpha, struct zc_estimate *e);

/* Block ratios and position effects from per-round ratios r[0..rounds): rounds 2k and
 * 2k+1 form a block, one with each order; first[k] is the side that ran first in round k
 * (NULL: round 2k ran baseline first). Returns the number of blocks. */
size_t zc_blocks(const double *r, const unsigned char *first, size_t rounds, double *block_ratio,
		 double *position);

struct zc_drift {
	double first, second; /* ratio of each half of the blocks (geometric mean) */
	double p;             /* Welch t-test of the halves' logs */
	int detected;         /* p < ZC_DRIFT_ALPHA */
	int changes_verdict;  /* detected, and the halves fall on different sides of the band */
};
#define ZC_DRIFT_ALPHA 0.01
void zc_drift_test(const double *x, size_t n, double margin, struct zc_drift *d);

/* Holm's step-down adjusted p-values (NAN entries are skipped and stay NAN). */
void zc_holm(const double *p, size_t n, double *adjusted);

/* Which side of the equivalence band [1/(1+margin), 1+margin] a ratio is: -1, 0, 1. */
int zc_band(double ratio, double margin);

/*
 * The verdict: "faster", "slower", "same", "inconclusive", "unstable" or "unknown", with
 * one line saying why in why[].
 */
const char *zc_decide(const struct zc_estimate *e, double p_adjusted, double alpha, double margin,
		      const struct zc_drift *d, char *why, size_t whylen);

/* The largest "round" number (1, 2 or 5 times a power of ten) not above x: how a
 * lower bound is printed (2156 -> 2000; 1428 -> 1000). */
double zc_round_down_nice(double x);

#endif
