/*
 * The analysis on synthetic data with known answers: interval coverage under iid and
 * AR(1) rounds (simulation), the equivalence rule, drift, Holm, the AB|BA block ratio and
 * position effect, and the host flags with a fake clock.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "app.h"

/*
 * Rounds with log ratio mu + position * (+-1) + AR(1) noise (rho, 5% sd): the fraction of
 * intervals that cover exp(mu) over many simulated pairs.
 */
static double coverage(size_t blocks, double rho, int sims, unsigned long seed)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, seed);
	const double mu = log(1.2), pos = log(1.3), sd = 0.05;
	double r[200], b[100];
	int covered = 0;
	for (int s = 0; s < sims; s++) {
		double e = gsl_ran_gaussian(g, sd);
		for (size_t k = 0; k < 2 * blocks; k++) {
			e = rho * e + sqrt(1 - rho * rho) * gsl_ran_gaussian(g, sd);
			/* AB rounds: the zero-copy side runs second and is slowed by pos. */
			r[k] = exp(mu + (k % 2 ? pos : -pos) + e);
		}
		size_t m = zc_blocks(r, NULL, 2 * blocks, b, NULL);
		struct zc_estimate est;
		assert_int_equal(zc_ratio_estimate(b, m, 0.05, &est), 0);
		covered += est.ci_low <= 1.2 && 1.2 <= est.ci_high;
	}
	gsl_rng_free(g);
	return (double)covered / sims;
}

static void test_coverage(void **st)
{
	(void)st;
	/* 4000 simulations: a true 95% coverage reads below 0.94 with probability < 0.1%. */
	static const size_t blocks[] = {4, 10, 20};
	static const double rhos[] = {0.0, 0.5};
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++) {
			double c = coverage(blocks[i], rhos[j], 4000, 1 + i * 10 + j);
			printf("# coverage blocks=%zu rho=%.1f: %.4f (reported 0.95)\n", blocks[i], rhos[j], c);
			assert_true(c >= 0.94);
		}
}

static void test_equivalence_rule(void **st)
{
	(void)st;
	char why[256];
	struct zc_estimate e = {.n = 10, .estimate = 1.11, .ci_low = 1.00, .ci_high = 1.22, .level = 0.95, .p = 0.06};
	/* Not "same": the interval reaches 22% beyond 1. Not "faster" either: it touches 1. */
	assert_string_equal(zc_verdict_name[zc_decide(&e, 0.06, 1, 0.05, 0.05, NULL, why, sizeof why)], "inconclusive");
	struct zc_estimate tight = {.n = 10, .estimate = 1.00, .ci_low = 0.98, .ci_high = 1.02, .p = 0.9, .se_log = 0.01, .df = 9};
	double tp = zc_tost_p(&tight, 0.05);
	assert_true(tp < 0.001);
	assert_string_equal(zc_verdict_name[zc_decide(&tight, 0.9, tp, 0.05, 0.05, NULL, why, sizeof why)], "same");
	/* Equivalence shown but not after the run-wide adjustment: inconclusive. */
	assert_string_equal(zc_verdict_name[zc_decide(&tight, 0.9, 0.2, 0.05, 0.05, NULL, why, sizeof why)], "inconclusive");
	struct zc_estimate edge = {.n = 10, .estimate = 1.01, .ci_low = 0.96, .ci_high = 1.06, .p = 0.5, .se_log = 0.022, .df = 9};
	assert_true(zc_tost_p(&edge, 0.05) > 0.05);
	assert_string_equal(zc_verdict_name[zc_decide(&edge, 0.5, zc_tost_p(&edge, 0.05), 0.05, 0.05, NULL, why, sizeof why)], "inconclusive");
	struct zc_estimate fast = {.n = 10, .estimate = 1.5, .ci_low = 1.4, .ci_high = 1.6, .p = 1e-6};
	assert_string_equal(zc_verdict_name[zc_decide(&fast, 1e-5, 1, 0.05, 0.05, NULL, why, sizeof why)], "faster");
	/* Significant alone, not after the run-wide adjustment: no verdict of difference. */
	assert_string_equal(zc_verdict_name[zc_decide(&fast, 0.2, 1, 0.05, 0.05, NULL, why, sizeof why)], "inconclusive");
	struct zc_estimate slow = {.n = 10, .estimate = 0.5, .ci_low = 0.45, .ci_high = 0.55, .p = 1e-6};
	assert_string_equal(zc_verdict_name[zc_decide(&slow, 1e-5, 1, 0.05, 0.05, NULL, why, sizeof why)], "slower");
	/* A difference smaller than the margin that is also shown within it: same, which a
	 * re-run keeps, not faster, which it would not. */
	struct zc_estimate small = {.n = 6, .estimate = 1.02, .ci_low = 1.01, .ci_high = 1.03, .p = 1e-4, .se_log = 0.004, .df = 5};
	assert_string_equal(zc_verdict_name[zc_decide(&small, 1e-3, zc_tost_p(&small, 0.05), 0.05, 0.05, NULL, why, sizeof why)], "same");
}

static void test_drift(void **st)
{
	(void)st;
	char why[256];
	double steady[12], drifting[12];
	for (int i = 0; i < 12; i++) {
		double wobble = (i % 3 - 1) * 0.005;
		steady[i] = 1.02 + wobble;
		drifting[i] = (i < 6 ? 1.00 : 1.15) + wobble;
	}
	struct zc_drift d;
	zc_drift_test(steady, 12, 0, 0.05, &d);
	assert_false(d.detected);
	zc_drift_test(drifting, 12, 0, 0.05, &d);
	assert_true(d.detected);
	assert_true(d.changes_verdict);
	assert_float_equal(d.first, 1.0, 0.01);
	assert_float_equal(d.second, 1.15, 0.01);
	struct zc_estimate e;
	zc_ratio_estimate(drifting, 12, 0.05, &e);
	assert_string_equal(zc_verdict_name[zc_decide(&e, e.p, 1, 0.05, 0.05, &d, why, sizeof why)], "unstable");
	/* A drift within one side of the band (20x -> 22x) is recorded, not a changed verdict. */
	double big[12];
	for (int i = 0; i < 12; i++)
		big[i] = (i < 6 ? 20.0 : 22.0) * (1 + (i % 3 - 1) * 0.005);
	zc_drift_test(big, 12, 0, 0.05, &d);
	assert_true(d.detected);
	assert_false(d.changes_verdict);
}

static void test_holm(void **st)
{
	(void)st;
	/* Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone: 0.02, 0.03, 0.06, 0.06. */
	const double p[] = {0.01, 0.04, 0.03, 0.005, NAN};
	double adj[5];
	zc_holm(p, 5, 0, adj);
	assert_float_equal(adj[0], 0.03, 1e-12);
	assert_float_equal(adj[1], 0.06, 1e-12);
	assert_float_equal(adj[2], 0.06, 1e-12);
	assert_float_equal(adj[3], 0.02, 1e-12);
	assert_true(isnan(adj[4]));
	const double big[] = {0.5, 0.9};
	double a2[2];
	zc_holm(big, 2, 0, a2);
	assert_float_equal(a2[0], 1.0, 1e-12); /* capped at 1 */
	assert_float_equal(a2[1], 1.0, 1e-12);
	/* A filtered run: two of a family of ten tested; the rest count as p = 1, so the
	 * smallest is multiplied by 10 and the next by 9, whatever the filter picked. */
	const double two[] = {0.001, 0.004};
	double a3[2];
	zc_holm(two, 2, 10, a3);
	assert_float_equal(a3[0], 0.01, 1e-12);
	assert_float_equal(a3[1], 0.036, 1e-12);
}

/* Issue 11's cold pair: the second side of every round 1.40x slower, rounds alternating
 * 0.69 / 1.33. Per block: 0.958, and the position effect 1.39. */
static void test_blocks_cancel_position(void **st)
{
	(void)st;
	double r[20], b[10], pos[10];
	for (int k = 0; k < 20; k++)
		r[k] = k % 2 ? 1.33 : 0.69;
	size_t m = zc_blocks(r, NULL, 20, b, pos);
	assert_int_equal(m, 10);
	struct zc_estimate e, pe;
	zc_ratio_estimate(b, m, 0.05, &e);
	zc_ratio_estimate(pos, m, 0.05, &pe);
	assert_float_equal(e.estimate, sqrt(0.69 * 1.33), 1e-9);
	assert_float_equal(pe.estimate, sqrt(1.33 / 0.69), 1e-9);
	double wide[20];
	for (int k = 0; k < 20; k++)
		wide[k] = r[k];
	struct zc_estimate naive;
	zc_ratio_estimate(wide, 20, 0.05, &naive); /* rounds as if exchangeable: useless */
	assert_true(naive.ci_high / naive.ci_low > 1.3);
	assert_true(e.ci_high / e.ci_low < 1.001);

	/* Blocks that ran BA|AB (after every other counted block) give the same answers when
	 * the order is known: here rounds 2k run zero-copy first. */
	double swapped[20];
	unsigned char first[20];
	for (int k = 0; k < 20; k++) {
		first[k] = (unsigned char)!(k % 2);
		swapped[k] = first[k] ? 1.33 : 0.69;
	}
	double b2[10], pos2[10];
	zc_blocks(swapped, first, 20, b2, pos2);
	for (int i = 0; i < 10; i++) {
		assert_float_equal(b2[i], b[i], 1e-12);
		assert_float_equal(pos2[i], pos[i], 1e-12);
	}
}

static void test_round_down_nice(void **st)
{
	(void)st;
	assert_float_equal(zc_round_down_nice(2156), 2000, 0);
	assert_float_equal(zc_round_down_nice(1428), 1000, 0);
	assert_float_equal(zc_round_down_nice(5000), 5000, 0);
	assert_float_equal(zc_round_down_nice(0.7), 0.5, 1e-12);
	assert_true(isnan(zc_round_down_nice(-1)));
}

/* A fake clock that advances a fixed step per reading. */
static double step_ns, fake_now;
static double fake_clock(void)
{
	return fake_now += step_ns;
}

static void test_host_flags(void **st)
{
	(void)st;
	step_ns = 10000;
	double ref = zc_freq_probe(fake_clock);
	assert_float_equal(ref, 32768.0 / 10000, 1e-9);
	step_ns = 20000; /* the same chain now takes twice as long: the vCPU runs at half speed */
	double slow = zc_freq_probe(fake_clock);
	struct zc_host_reading a = {0, 0}, b = {0, 0};
	assert_int_equal(zc_host_flags(50e6, &a, &b, ref, ref, ref), 0);
	assert_int_equal(zc_host_flags(50e6, &a, &b, ref, slow, ref), ZC_HOST_SLOWED);
	struct zc_host_reading stolen = {.steal_ns = 10e6, .run_delay_ns = 0};
	assert_int_equal(zc_host_flags(50e6, &a, &stolen, ref, ref, ref), ZC_HOST_STOLEN);
	struct zc_host_reading waited = {.steal_ns = 0, .run_delay_ns = 2e6};
	assert_int_equal(zc_host_flags(50e6, &a, &waited, ref, slow, ref), ZC_HOST_STOLEN | ZC_HOST_SLOWED);
	struct zc_host_reading little = {.steal_ns = 0, .run_delay_ns = 1e4};
	assert_int_equal(zc_host_flags(50e6, &a, &little, ref, ref, ref), 0);
	/* Unreadable readings (NAN) flag nothing. */
	struct zc_host_reading unknown = {NAN, NAN};
	assert_int_equal(zc_host_flags(50e6, &unknown, &unknown, NAN, NAN, ref), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_equivalence_rule),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_holm),
		cmocka_unit_test(test_blocks_cancel_position),
		cmocka_unit_test(test_round_down_nice),
		cmocka_unit_test(test_host_flags),
	};
	return cmocka_run_group_tests_name("analysis", tests, NULL, NULL);
}
