/* JSON writer (no NaN, escaping, Google Benchmark field order) and the atomic result file. */
#define _GNU_SOURCE
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "app.h"

static void test_number_or_null(void **st)
{
	(void)st;
	json_t *a = json_array();
	json_array_append_new(a, zc_json_number(NAN));
	json_array_append_new(a, zc_json_number(INFINITY));
	json_array_append_new(a, zc_json_number(-INFINITY));
	json_array_append_new(a, zc_json_number(1.5));
	char *s = json_dumps(a, JSON_COMPACT);
	assert_string_equal(s, "[null,null,null,1.5]");
	free(s);
	json_decref(a);
}

static int nop_run(void *st, uint64_t n)
{
	(void)st;
	(void)n;
	return ZC_OK;
}
static int nop_verify(void *st)
{
	(void)st;
	return ZC_OK;
}
static const struct zc_param params[] = {{"4KiB", 4096, 0, "desc with \"quotes\" and \\", 0}};
static const struct zc_pair pair = {
	.name = "fake_pair", .summary = "s", .params = params, .nparams = 1,
	.side = {{.desc = "a\tb", .copies_per_iter = 1, .run = nop_run},
		 {.desc = "c", .copies_per_iter = 0, .run = nop_run}},
	.verify = nop_verify,
};

/* A hand-made result: 6 rounds, 2 counted samples a side, one counter NAN everywhere. */
static void fake_result(struct zc_pair_result *r)
{
	memset(r, 0, sizeof *r);
	r->pair = &pair;
	r->param = &params[0];
	r->status = ZC_ST_OK;
	r->rounds = 6;
	r->ratio = calloc(6, sizeof(double));
	r->first = calloc(6, 1);
	for (int k = 0; k < 6; k++)
		r->first[k] = (unsigned char)(k % 2);
	for (int s = 0; s < 2; s++) {
		struct zc_side_result *sr = &r->side[s];
		sr->iterations = 1000;
		sr->n = 6;
		sr->ncounted = 2;
		sr->real_ns = calloc(6, sizeof(double));
		sr->cpu_ns = calloc(6, sizeof(double));
		sr->steal_ns = calloc(6, sizeof(double));
		sr->run_delay_ns = calloc(6, sizeof(double));
		sr->ghz_before = calloc(6, sizeof(double));
		sr->ghz_after = calloc(6, sizeof(double));
		sr->host_flags = calloc(6, sizeof(unsigned));
		sr->sys_ns = calloc(6, sizeof(double));
		sr->peers_ns = calloc(6, sizeof(double));
		sr->stat_busy_ns = calloc(6, sizeof(double));
		sr->csw = calloc(6, sizeof(double));
		sr->counted_real_ns = calloc(2, sizeof(double));
		for (int i = 0; i < ZC_NCOUNTERS; i++) {
			sr->cnt[i] = calloc(2, sizeof(double));
			for (int k = 0; k < 2; k++)
				sr->cnt[i][k] = i == ZC_CNT_CYCLES ? NAN : 1.0;
		}
		for (int k = 0; k < 6; k++) {
			sr->real_ns[k] = s ? 100 + k : 200 + k;
			sr->cpu_ns[k] = sr->real_ns[k];
			sr->sys_ns[k] = 1.5 * sr->real_ns[k];
			sr->peers_ns[k] = 0.5 * sr->real_ns[k];
			sr->stat_busy_ns[k] = NAN; /* a source that was unavailable stays null */
		}
		sr->counted_real_ns[0] = sr->counted_real_ns[1] = s ? 110 : 220;
	}
	for (int k = 0; k < 6; k++)
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
	r->verified = 1;
}

static void test_document(void **st)
{
	(void)st;
	struct zc_pair_result res[2];
	fake_result(&res[0]);
	memset(&res[1], 0, sizeof res[1]);
	res[1].pair = &pair;
	res[1].param = &params[0];
	res[1].status = ZC_ST_ERROR;
	snprintf(res[1].message, sizeof res[1].message, "peer died: \"EPIPE\"\n");
	struct zc_run run = {.results = res, .n = 2, .alpha = 0.05, .equivalence = 0.05, .loop_floor_ns = 0.25};
	zc_analyse_run(&run);
	json_t *ctx = json_object();
	json_object_set_new(ctx, "host_name", json_string("h"));
	json_t *doc = zc_result_json(&run, ctx);
	char *text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	assert_null(strstr(text, "NaN"));
	assert_null(strstr(text, "nan"));
	assert_null(strstr(text, "Infinity"));

	json_error_t e;
	json_t *back = json_loads(text, 0, &e);
	assert_non_null(back);
	json_t *b = json_object_get(back, "benchmarks");
	/* 6 iteration entries per side, then a median per side, then 2 error entries. */
	assert_int_equal(json_array_size(b), 2 * (6 + 1) + 2);
	json_t *first = json_array_get(b, 0);
	assert_string_equal(json_string_value(json_object_get(first, "name")), "fake_pair/baseline/4KiB");
	assert_string_equal(json_string_value(json_object_get(first, "time_unit")), "ns");
	/* Derived per-sample figures are not written: the analysis derives them again. */
	assert_null(json_object_get(first, "bytes_per_second"));
	assert_null(json_object_get(first, "busy_fraction"));
	/* Google Benchmark's key order for the first keys. */
	const char *order[] = {"name", "family_index", "per_family_instance_index", "run_name",
			       "run_type", "repetitions", "repetition_index", "threads", "iterations",
			       "real_time", "cpu_time", "time_unit"};
	void *it = json_object_iter(first);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++, it = json_object_iter_next(first, it))
		assert_string_equal(json_object_iter_key(it), order[i]);
	json_t *med = json_array_get(b, 12);
	assert_string_equal(json_string_value(json_object_get(med, "name")), "fake_pair/baseline/4KiB_median");
	assert_float_equal(json_number_value(json_object_get(med, "real_time")), 202.5, 1e-9);
	json_t *err = json_array_get(b, 14);
	assert_true(json_is_true(json_object_get(err, "error_occurred")));
	assert_string_equal(json_string_value(json_object_get(err, "error_message")), "peer died: \"EPIPE\"\n");

	json_t *pairs = json_object_get(back, "pairs");
	assert_int_equal(json_array_size(pairs), 2);
	json_t *p0 = json_array_get(pairs, 0);
	assert_string_equal(json_string_value(json_object_get(p0, "verdict")), "faster");
	assert_string_equal(json_string_value(json_object_get(p0, "param_desc")), "desc with \"quotes\" and \\");
	assert_float_equal(json_number_value(json_object_get(p0, "ratio")), res[0].ratio_est.estimate, 1e-9);
	json_t *bside = json_object_get(json_object_get(p0, "sides"), "baseline");
	json_t *cnt = json_object_get(bside, "counters");
	assert_true(json_is_null(json_object_get(cnt, "cycles_per_iter"))); /* unavailable: null, never 0 */
	assert_float_equal(json_number_value(json_object_get(json_object_get(cnt, "syscalls_per_iter"), "median")), 1.0, 1e-12);
	/* Counted 220 ns against timed 202.5: the counters' cost is a figure in the result. */
	assert_float_equal(json_number_value(json_object_get(bside, "counted_over_uncounted")), 220 / 202.5, 1e-9);
	assert_non_null(json_object_get(p0, "position_effect"));
	assert_non_null(json_object_get(p0, "drift"));
	json_t *p1 = json_array_get(pairs, 1);
	assert_true(json_is_null(json_object_get(p1, "ratio")));
	assert_string_equal(json_string_value(json_object_get(p1, "verdict")), "error");
	json_decref(back);
	free(text);
	zc_pair_result_free(&res[0]);
}

static size_t count_entries(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static void test_atomic_file(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], err[512];
	struct zc_outfile o;

	snprintf(path, sizeof path, "%s/missing/r.json", dir);
	assert_int_equal(zc_out_open(&o, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not exist"));

	snprintf(path, sizeof path, "%s/r.json", dir);
	assert_int_equal(zc_out_open(&o, path, err, sizeof err), 0);
	assert_int_equal(count_entries(dir), 0); /* nothing visible until complete */
	assert_int_equal(zc_out_commit(&o, "{}\n", 3, err, sizeof err), 0);
	assert_int_equal(count_entries(dir), 1);

	/* Never overwritten: refused at open, and at commit if it appeared meanwhile. */
	assert_int_equal(zc_out_open(&o, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "never overwritten"));
	char p2[300];
	snprintf(p2, sizeof p2, "%s/r2.json", dir);
	assert_int_equal(zc_out_open(&o, p2, err, sizeof err), 0);
	FILE *f = fopen(p2, "w");
	fputs("old", f);
	fclose(f);
	assert_int_equal(zc_out_commit(&o, "new", 3, err, sizeof err), -1);
	char buf[8] = "";
	f = fopen(p2, "r");
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "old");
	assert_int_equal(count_entries(dir), 2);

	/* Aborted: nothing left behind. */
	char p3[300];
	snprintf(p3, sizeof p3, "%s/r3.json", dir);
	assert_int_equal(zc_out_open(&o, p3, err, sizeof err), 0);
	zc_out_abort(&o);
	assert_int_equal(count_entries(dir), 2);

	unlink(path);
	unlink(p2);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_or_null),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_atomic_file),
	};
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
