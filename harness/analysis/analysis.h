/*
 * analysis.h - the inference of a run: block ratios of the ABBA design, their interval
 * under serial correlation, the position effect, drift, run-wide error control, and the
 * verdict (analysis.c); the run's summary (summary.c), the cost models (model.c), and
 * comparisons of runs (compare.c, attribution.c, reanalyse.c). Everything a reporter
 * prints is computed here, once; nothing here touches the clock or the machine.
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

#include <stdio.h>

#include "result.h"

/* ---- analysis.c: the inference ---- */
/* x: n positive ratios of one process. Returns 0, or -1 (all fields NAN) when n < 3 or a
 * value is not a finite positive number. */
int zc_ratio_estimate(const double *x, size_t n, double alpha, struct zc_estimate *e);

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

/*
 * The verdict, with one line saying why in why[]. p_adjusted: the difference test's,
 * tost_adjusted: the equivalence test's, both Holm-adjusted.
 */
enum zc_verdict zc_decide(const struct zc_estimate *e, double p_adjusted, double tost_adjusted, double alpha,
		      double margin, const struct zc_drift *d, char *why, size_t whylen);

/* The largest "round" number (1, 2 or 5 times a power of ten) not above x: how a
 * lower bound is printed (2156 -> 2000; 1428 -> 1000). */
double zc_round_down_nice(double x);

/* ---- summary.c ---- */
/* Every statistic of a run, once: per side, per pair, and the run-wide adjustment. */
void zc_analyse_run(struct zc_run *run);
/* Whether a side moves the param's bytes (it has some, and the side is no view). */
int zc_side_moves_bytes(const struct zc_pair_result *r, int side);
/* A side's bytes/s and ns per byte for a time per iteration; NAN when it moves none. */
double zc_side_bytes_per_second(const struct zc_pair_result *r, int side, double ns_per_iter);
double zc_side_ns_per_byte(const struct zc_pair_result *r, int side, double ns_per_iter);
/* A timed sample's busy share (thread CPU / wall) and whether it was peer-bound: the one
 * rule the summary counts and the report marks per sample. */
double zc_sample_busy(const struct zc_side_result *sr, size_t k);
int zc_sample_peer_bound(const struct zc_side_result *sr, size_t k);

/* ---- model.c ---- */
/* A model explains a ratio when the measured one is within this fraction of the prediction,
 * and each side's time within ZC_MODEL_SIDE_TOLERANCE of its own: a ratio that agrees while
 * both sides are far off is a coincidence, not an explanation. */
#define ZC_MODEL_TOLERANCE 0.25
#define ZC_MODEL_SIDE_TOLERANCE 0.5

/* Evaluates both sides' models and the predicted ratio of one pair (after its summary). */
void zc_model_pair(const struct zc_run *run, struct zc_pair_result *r);

/* ---- breakdown.c ---- */
/* The pair's saving per cause from its sides' models (after zc_model_pair), and the rest:
 * r->saving, r->nsaving (0 without complete models on both sides), r->saving_ci_*. */
void zc_saving_breakdown(struct zc_pair_result *r);

/* ---- compare.c ---- */
/* zcbench --compare OLD NEW: per pair in both, NEW's ratio against OLD's interval and
 * against the prediction interval of a re-run (from both runs' standard errors), and how
 * the verdict changed; JSON on out. 0, or 2 with a message. */
int zc_compare(const char *old_path, const char *new_path, FILE *out);
/* The prediction interval's half-width in ln units for a re-run, from two runs' standard
 * errors and degrees of freedom (Welch), at 1 - alpha. */
double zc_prediction_halfwidth(double se1, double df1, double se2, double df2, double alpha);
/* A result's pair (pairs[] entry): its standard error of ln(ratio) and degrees of freedom,
 * as written, or (results from before invocations) recovered from its interval and Yuen's
 * h - 1 degrees of freedom. */
void zc_pair_se_log(const struct json_t *pe, double *se, double *df);

/* ---- differences.c ---- */
/* What differs between two result documents' contexts: [{what, old, new}], each mitigation
 * and ISA feature by name, the hypervisor by name, facts one run lacks as "unknown". */
struct json_t *zc_context_differences(const struct json_t *A, const struct json_t *B);

/* ---- attribution.c ---- */
/* zcbench --attribute OLD NEW: the two runs' machine profiles side by side, and per pair
 * how much of its ratio's change each primitive accounts for, as JSON on out. Returns 0,
 * or 2 with a message on stderr for a file that is not a zcbench result. */
int zc_attribute(const char *old_path, const char *new_path, FILE *out);
/* The same for two result documents in memory; models says whose models they carry ("as
 * published", or re-derived with today's declarations by zcbench attribute
 * --current-models). */
int zc_attribute_docs(const struct json_t *A, const struct json_t *B, const char *old_path, const char *new_path,
		      const char *models, FILE *out);

/* ---- crossover.c ---- */
/* Every size sweep of a result document's pairs (params differing only in a size token)
 * with the sizes where its ratio crosses 1: [{pair, sweep, sizes, params, crossings:
 * [{bytes, ci_low, ci_high (null: beyond the sizes measured), zerocopy_wins, between}],
 * ratio_above_1, points}]. Bounds (a side at the loop floor) are left out of the curve. */
struct json_t *zc_crossovers(const struct json_t *doc);
/* zcbench crossover RESULT: zc_crossovers as JSON on out. 0, or 2 with a message. */
int zc_crossover(const char *path, FILE *out);

/* ---- reanalyse.c ---- */
/* zcbench --reanalyse FILE: the run's analysis again on a result file's samples, beside
 * what it published, as markdown. 0, or 2 with a message. */
int zc_reanalyse(const char *path, FILE *out);
/* The result at path loaded into run (zeroed first) and analysed again: its document, or
 * NULL with a message naming `who` (the option) printed. */
struct json_t *zc_run_reanalysed(const char *path, const char *who, struct zc_run *run);

#endif
