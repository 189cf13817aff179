/* Statistics on known samples: every expected value is worked out in the comment beside it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app.h"

static void test_median(void **st)
{
	(void)st;
	double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};
	assert_float_equal(zc_median(odd, 3), 2.0, 0);
	assert_float_equal(zc_median(even, 4), 2.5, 0);
	assert_true(isnan(zc_median(odd, 0)));
	assert_float_equal(odd[0], 3.0, 0); /* input untouched */
}

static void test_binomial(void **st)
{
	(void)st;
	/* P(B(10,.5) <= 1) = 11/1024, <= 2 = 56/1024 */
	assert_float_equal(zc_binom_half_cdf(10, 1), 11.0 / 1024, 1e-12);
	assert_float_equal(zc_binom_half_cdf(10, 2), 56.0 / 1024, 1e-12);
	assert_float_equal(zc_binom_half_cdf(10, 10), 1.0, 0);
	/* P(B(20,.5) <= 5) = 21700/2^20 */
	assert_float_equal(zc_binom_half_cdf(20, 5), 21700.0 / 1048576, 1e-12);
}

static void test_ci_ranks(void **st)
{
	(void)st;
	size_t lo, hi;
	double cov;
	/* n=5: even [x1,x5] covers only 1-2/32 = 93.75% < 95%. */
	assert_int_equal(zc_median_ci_ranks(5, 0.95, &lo, &hi, &cov), -1);
	assert_int_equal(zc_median_ci_ranks(6, 0.95, &lo, &hi, &cov), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 6);
	assert_float_equal(cov, 1 - 2.0 / 64, 1e-12);
	assert_int_equal(zc_median_ci_ranks(10, 0.95, &lo, &hi, &cov), 0);
	assert_int_equal(lo, 2);
	assert_int_equal(hi, 9);
	assert_float_equal(cov, 1 - 22.0 / 1024, 1e-12);
	/* n=20: P(B<=5)=0.0207 <= 0.025 < P(B<=6)=0.0577, so [x6, x15] (as benchstat). */
	assert_int_equal(zc_median_ci_ranks(20, 0.95, &lo, &hi, &cov), 0);
	assert_int_equal(lo, 6);
	assert_int_equal(hi, 15);
}

static void test_summarize(void **st)
{
	(void)st;
	double x[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	struct zc_summary s;
	zc_summarize(x, 10, &s);
	assert_int_equal(s.n, 10);
	assert_float_equal(s.median, 5.5, 0);
	assert_float_equal(s.mean, 5.5, 1e-12);
	/* sample variance of 1..10 = 82.5/9 */
	assert_float_equal(s.stddev, sqrt(82.5 / 9), 1e-12);
	assert_float_equal(s.cv, sqrt(82.5 / 9) / 5.5, 1e-12);
	assert_float_equal(s.min, 1, 0);
	assert_float_equal(s.max, 10, 0);
	assert_float_equal(s.ci_low, 2, 0);
	assert_float_equal(s.ci_high, 9, 0);
	/* [2, 9] around 5.5: max(9/5.5 - 1, 1 - 2/5.5) = 3.5/5.5 */
	assert_float_equal(zc_ci_half_width(&s), 3.5 / 5.5, 1e-12);

	double few[] = {1, 2, 3};
	zc_summarize(few, 3, &s);
	assert_true(isnan(s.ci_low) && isnan(s.ci_high));
	assert_float_equal(s.median, 2, 0);

	double one[] = {4};
	zc_summarize(one, 1, &s);
	assert_float_equal(s.stddev, 0, 0);
	zc_summarize(one, 0, &s);
	assert_true(isnan(s.median) && isnan(s.mean));
}

/* One outlier sample cannot move the median's interval much: order statistics. */
static void test_outlier_interval(void **st)
{
	(void)st;
	double r[] = {1.30, 1.25, 1.35, 1.28, 1.31, 1.29, 1.33, 1.27, 1.32, 0.95};
	struct zc_summary s;
	zc_summarize(r, 10, &s);
	/* sorted: .95 1.25 1.27 1.28 1.29 1.30 1.31 1.32 1.33 1.35 */
	assert_float_equal(s.median, 1.295, 1e-12);
	assert_float_equal(s.ci_low, 1.25, 0);  /* x(2) */
	assert_float_equal(s.ci_high, 1.33, 0); /* x(9) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),	 cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_ci_ranks), cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_outlier_interval),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
