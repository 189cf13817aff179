/* A result as a document and its samples file: the split loses nothing, the files are
 * deterministic, a missing or foreign samples file is refused; and the crossover of a
 * size sweep. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "app.h"

/* A whole result: two sides of 5 samples, their aggregates, a side that failed, pairs with
 * round and block ratios and counted samples. */
static json_t *whole_doc(void)
{
	json_t *b = json_array();
	const char *names[] = {"p/baseline/4KiB", "p/zerocopy/4KiB"};
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 5; k++)
			json_array_append_new(b, json_pack("{ss,si,ss,ss,si,si,sf,ss,sb,si}", "name", names[s], "family_index", s,
							   "run_name", names[s], "run_type", "iteration", "repetitions", 5,
							   "repetition_index", k, "real_time", 100.0 + k * (s + 1), "time_unit", "ns",
							   "host_slowed", k == 3, "invocation", k / 2));
	const char *aggs[] = {"mean", "median", "stddev", "cv"};
	for (int s = 0; s < 2; s++)
		for (int a = 0; a < 4; a++) {
			char n[64];
			snprintf(n, sizeof n, "%s_%s", names[s], aggs[a]);
			json_array_append_new(b, json_pack("{ss,ss,ss,ss,sf,ss}", "name", n, "run_name", names[s], "run_type",
							   "aggregate", "aggregate_name", aggs[a], "real_time", 101.5 + a, "time_unit", "ns"));
		}
	json_array_append_new(b, json_pack("{ss,ss,sb,ss}", "name", "q/baseline/x", "run_type", "iteration", "error_occurred", 1,
					   "error_message", "peer died"));
	json_t *pairs = json_pack("[{ss,ss,ss,s[fffff],s[ff],s{s{s{si,s[ff]}},s{s{si,s[ff]}}}},{ss,ss,ss}]", "name", "p",
				  "param", "4KiB", "status", "ok", "round_ratios", 1.0, 1.01, 1.02, 1.03, 1.04, "block_ratios",
				  1.005, 1.025, "sides", "baseline", "counted", "samples", 2, "time_ns", 110.0, 111.0, "zerocopy",
				  "counted", "samples", 2, "time_ns", 100.0, 101.0, "name", "q", "param", "x", "status", "error");
	return json_pack("{s{ss},so,so}", "context", "host_name", "h", "benchmarks", b, "pairs", pairs);
}

static void test_split_join_lossless(void **st)
{
	(void)st;
	json_t *orig = whole_doc(), *doc = json_deep_copy(orig);
	json_t *s = zc_result_split(doc);
	assert_non_null(s);
	/* The document keeps one median per side and the failed side. */
	json_t *b = json_object_get(doc, "benchmarks");
	assert_int_equal(json_array_size(b), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(b, 0), "name")), "p/baseline/4KiB_median");
	assert_true(json_is_true(json_object_get(json_array_get(b, 2), "error_occurred")));
	json_t *p0 = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_null(json_object_get(p0, "round_ratios"));
	assert_null(json_object_get(json_object_get(json_object_get(p0, "sides"), "baseline"), "counted"));
	/* A field with one value across a side is stored once. */
	json_t *g0 = json_array_get(json_object_get(s, "groups"), 0);
	assert_non_null(json_object_get(json_object_get(g0, "same"), "time_unit"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(g0, "columns"), "real_time")), 5);
	char err[256];
	assert_int_equal(zc_result_join(doc, s, err, sizeof err), 0);
	assert_true(json_equal(doc, orig));
	json_decref(s);
	json_decref(doc);
	json_decref(orig);
}

static void test_join_refuses_foreign_samples(void **st)
{
	(void)st;
	json_t *doc = whole_doc(), *s = zc_result_split(doc);
	json_t *other = whole_doc(), *s2 = zc_result_split(other);
	/* A group short: entries would be missing. */
	json_array_remove(json_object_get(s2, "groups"), 0);
	char err[256];
	assert_int_equal(zc_result_join(doc, s2, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not match"));
	json_object_set_new(s2, "format", json_string("something else"));
	assert_int_equal(zc_result_join(doc, s2, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a samples file"));
	json_decref(s);
	json_decref(s2);
	json_decref(doc);
	json_decref(other);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void test_files_read_back_and_repeat(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-samples-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p1[300], p2[300], g1[300], g2[300], err[256];
	snprintf(p1, sizeof p1, "%s/a.json", dir);
	snprintf(p2, sizeof p2, "%s/b.json", dir);
	snprintf(g1, sizeof g1, "%s/a.samples.json.gz", dir);
	snprintf(g2, sizeof g2, "%s/b.samples.json.gz", dir);
	json_t *orig = whole_doc();
	for (int i = 0; i < 2; i++) {
		json_t *doc = json_deep_copy(orig), *s = zc_result_split(doc);
		struct zc_outfile o;
		assert_int_equal(zc_out_open(&o, i ? p2 : p1, err, sizeof err), 0);
		assert_int_equal(zc_out_write_pair(&o, i ? p2 : p1, doc, s, ZC_SAMPLES_KEY, 10, "test"), 0);
		json_decref(s);
		json_decref(doc);
	}
	/* Equal data, equal bytes: gzip without a timestamp. */
	size_t n1, n2;
	char *a = slurp(g1, &n1), *b = slurp(g2, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
	/* One line per entry of the top-level arrays: the benchmarks' three, the pairs' two. */
	a = slurp(p1, &n1);
	size_t lines = 0;
	for (size_t i = 0; i < n1; i++)
		lines += a[i] == '\n';
	assert_non_null(strstr(a, "\"samples_file\": \"a.samples.json.gz\""));
	free(a);
	assert_true(lines < 20);
	json_t *back = zc_result_read(p1, "test");
	assert_non_null(back);
	assert_true(json_equal(back, orig));
	json_decref(back);
	/* Without its samples file, a result is refused. */
	unlink(g1);
	assert_null(zc_result_read(p1, "test"));
	json_decref(orig);
	unlink(p1);
	unlink(p2);
	unlink(g2);
	rmdir(dir);
}

static json_t *sweep_pair(const char *param, double r, double lo, double hi, int bound)
{
	json_t *p = json_pack("{ss,ss,ss,sf,sf,sf}", "name", "p", "param", param, "status", "ok", "ratio", r, "ratio_ci_low",
			      lo, "ratio_ci_high", hi);
	json_object_set_new(p, "ratio_bound", bound ? json_string("lower") : json_null());
	return p;
}

static void test_crossover(void **st)
{
	(void)st;
	json_t *doc = json_pack("{s[ooooo]}", "pairs", sweep_pair("4KiB_warm", 0.5, 0.45, 0.55, 0),
				sweep_pair("64KiB_warm", 2.0, 1.8, 2.2, 0), sweep_pair("1MiB_warm", 4.0, 3.6, 4.4, 0),
				sweep_pair("4KiB_cold", 3, 2.5, 3.5, 0), sweep_pair("64KiB_cold", 9000, 8000, 10000, 1));
	json_t *x = zc_crossovers(doc);
	/* The cold sweep has one point that is not a bound: no sweep. */
	assert_int_equal(json_array_size(x), 1);
	json_t *sw = json_array_get(x, 0);
	assert_string_equal(json_string_value(json_object_get(sw, "sweep")), "*_warm");
	json_t *cr = json_object_get(sw, "crossings");
	assert_int_equal(json_array_size(cr), 1);
	json_t *c = json_array_get(cr, 0);
	/* 0.5 at 4 KiB to 2 at 64 KiB, on log-log: 1 at 16 KiB. */
	assert_float_equal(json_number_value(json_object_get(c, "bytes")), 16384, 1);
	double lo = json_number_value(json_object_get(c, "ci_low")), hi = json_number_value(json_object_get(c, "ci_high"));
	assert_true(lo > 4096 && lo < 16384 && hi > 16384 && hi < 65536);
	assert_string_equal(json_string_value(json_object_get(c, "zerocopy_wins")), "above");
	json_decref(x);
	/* An interval that holds 1 at the smallest size: that end is open. */
	json_t *p0 = json_array_get(json_object_get(doc, "pairs"), 0);
	json_object_set_new(p0, "ratio_ci_high", json_real(1.2));
	x = zc_crossovers(doc);
	c = json_array_get(json_object_get(json_array_get(x, 0), "crossings"), 0);
	assert_true(json_is_null(json_object_get(c, "ci_low")));
	json_decref(x);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_join_lossless),
		cmocka_unit_test(test_join_refuses_foreign_samples),
		cmocka_unit_test(test_files_read_back_and_repeat),
		cmocka_unit_test(test_crossover),
	};
	return cmocka_run_group_tests_name("samples_file", tests, NULL, NULL);
}
