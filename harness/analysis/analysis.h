/*
 * analysis.h - the inference of a run: block ratios of the ABBA design, their interval
 * under serial correlation, the position effect, drift, run-wide error control, and the
 * verdict. Everything a reporter prints is computed here, once (see zc_analyse_run in
 * harness.h); nothing here touches the clock or the machine.
 *
 * Method (why each step, briefly):
 * - The unit of replication is the process invocation: a run is k fresh processes, each
 *   running every pair for a few AB|BA blocks. Most of a ratio's variance lies between
 *   processes (memory layout, page-cache state, calibration, the host's state at the
 *   time), which no amount of blocks within one process can show.
 * - Rounds come in AB|BA blocks. A block's ratio is sqrt(r_AB * r_BA): a slowdown of
 *   whichever side runs second multiplies one round's ratio and divides the other's, so
 *   it cancels. The position effect is sqrt(r_BA / r_AB) per block.
 * - With two or more invocations (zc_levels_estimate): each invocation's ratio is the
 *   25% trimmed mean of its log block ratios (timing noise comes in spikes: of four
 *   blocks, the middle two); the pair's ratio is the mean of those, and its interval
 *   a Student t interval over the k invocation means (k - 1 degrees of freedom). The
 *   invocations are independent, so this holds whatever the correlation of blocks within
 *   one; the between-run SD (tau) and the within-run standard error are reported apart
 *   (method of moments: tau^2 = var(invocation means) - mean(within se^2), at least 0).
 * - With one invocation (results from before invocations, or --invocations 1): the 20%
 *   trimmed mean of the log block ratios and Yuen's interval, its variance inflated by
 *   the AR(1) long-run factor (1 + rho) / (1 - rho) and its degrees of freedom deflated
 *   by the same factor (rho an upper confidence bound of the lag-1 autocorrelation, in
 *   [0, 0.9]). This describes one process only: it cannot cover a re-run.
 * - Run-wide error: Holm's step-down adjustment over a fixed family, the pair/params a
 *   default run has (a filtered run is adjusted as if the rest had p = 1), so that a
 *   verdict does not depend on the filter; the controls are a family of their own (they
 *   check the instrument and claim nothing about zero-copy). The difference tests and the equivalence tests
 *   are each such a family; the CPU verdicts are families of their own.
 * - same: a TOST at alpha (both one-sided tests of the margin; the (1 - 2 alpha) interval
 *   inside it), Holm-adjusted like the difference tests. It wins over a difference that is
 *   significant but within the margin: such a difference does not survive a re-run.
 * - The margin: the larger of --equivalence and ZC_MARGIN_SDS times the between-run SD
 *   of the pair's kind (the median over the run's pairs of that kind); for a control, twice
 *   the SD of its own invocations when that is wider (its ratio is 1 by construction: that
 *   scatter is the instrument's re-run noise for that work).
 * - unstable: the first and second half (in time) of the invocations differ (Welch t,
 *   p < 0.01; with one invocation, halves of its blocks with the AR(1) correction) and the
 *   halves on their own would fall on different sides of the equivalence band.
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

/* x: n positive ratios of one process. Returns 0, or -1 (all fields NAN) when n < 3 or a
 * value is not a finite positive number. */
int zc_ratio_estimate(const double *x, size_t n, double alpha, struct zc_estimate *e);

/* The two levels of a ratio: invocations, and the blocks within each. */
#define ZC_LEVELS_MAX 64
#define ZC_LEVELS_BLOCKS 4096 /* blocks one invocation of a pair may have */
#define ZC_LEVELS_TRIM 0.25   /* trimmed from each end of an invocation's blocks */
struct zc_levels {
	size_t k;                 /* invocations with at least one block */
	double inv_log[ZC_LEVELS_MAX]; /* each one's trimmed mean log block ratio, in run order */
	double inv_se[ZC_LEVELS_MAX];  /* its standard error from its own blocks (Yuen's; NAN
					  when fewer than two are left after trimming) */
	double invocation_sd;     /* SD of inv_log: what one more invocation would scatter by */
	double between_sd;        /* tau: the part of it no block within a process can see */
	double within_se;         /* RMS of inv_se: one invocation's own noise */
};

/*
 * The pair's ratio from block ratios x[0..n) grouped into invocations: invocation i owns
 * x[start[i]..start[i+1]). With k >= 2 invocations, the t interval over their means; with
 * one, zc_ratio_estimate. lv gets both levels (between_sd NAN with one). Returns 0, or -1
 * (all NAN) when there is too little data.
 */
int zc_levels_estimate(const double *x, const size_t *start, size_t k, double alpha, struct zc_estimate *e,
		       struct zc_levels *lv);

/* TOST of "the ratio is within [1/(1+margin), 1+margin]": the larger one-sided p-value. */
double zc_tost_p(const struct zc_estimate *e, double margin);

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
/* x: log-scale-positive values in time order; rho: their serial correlation (0 for
 * independent invocations), which inflates the halves' variances and deflates the degrees
 * of freedom as in zc_ratio_estimate. */
void zc_drift_test(const double *x, size_t n, double rho, double margin, struct zc_drift *d);

/* Holm's step-down adjusted p-values over a family of `family` hypotheses, of which these n
 * were tested (the others count as p = 1; family < n counts n). NAN entries are skipped and
 * stay NAN. */
void zc_holm(const double *p, size_t n, size_t family, double *adjusted);

/* Which side of the equivalence band [1/(1+margin), 1+margin] a ratio is: -1, 0, 1. */
int zc_band(double ratio, double margin);

/* A pair's verdict; zc_verdict_name[] is how results spell it. */
enum zc_verdict { ZC_V_UNKNOWN, ZC_V_FASTER, ZC_V_SLOWER, ZC_V_SAME, ZC_V_INCONCLUSIVE, ZC_V_UNSTABLE, ZC_NVERDICTS };
extern const char *const zc_verdict_name[ZC_NVERDICTS];
/* The verdict of a name in a result file, or -1. */
int zc_verdict_from_name(const char *name);

/* Which side's time is a bound because it is at the loop floor (results: ratio_bound null,
 * "lower", "upper", "none"). */
enum zc_bound { ZC_BOUND_NO, ZC_BOUND_LOWER, ZC_BOUND_UPPER, ZC_BOUND_BOTH, ZC_NBOUNDS };
extern const char *const zc_bound_name[ZC_NBOUNDS]; /* [ZC_BOUND_NO] is NULL */

/*
 * The verdict, with one line saying why in why[]. p_adjusted: the difference test's,
 * tost_adjusted: the equivalence test's, both Holm-adjusted.
 */
enum zc_verdict zc_decide(const struct zc_estimate *e, double p_adjusted, double tost_adjusted, double alpha,
		      double margin, const struct zc_drift *d, char *why, size_t whylen);

/* The largest "round" number (1, 2 or 5 times a power of ten) not above x: how a
 * lower bound is printed (2156 -> 2000; 1428 -> 1000). */
double zc_round_down_nice(double x);

#endif
