/*
 * test_model.c - the cost model (analysis/model.c) and the attribution across runs
 * (analysis/attribution.c), on synthetic profiles and pairs with known answers.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_result.h"
#include "app.h"

static void flat_profile(struct zc_costs *pf)
{
	memset(pf, 0, sizeof *pf);
	pf->measured = 1;
	for (int p = 0; p < ZC_NPRIMS; p++) {
		pf->op[p] = (struct zc_interval){NAN, NAN, NAN};
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++)
			pf->rate[p][z] = (struct zc_interval){NAN, NAN, NAN};
	}
}

static void test_cost_interpolates_in_log_size(void **st)
{
	(void)st;
	struct zc_costs pf;
	flat_profile(&pf);
	static const double per_byte[ZC_PROFILE_NSIZES] = {0.01, 0.02, 0.04, 0.08};
	for (int z = 0; z < ZC_PROFILE_NSIZES; z++)
		pf.rate[ZC_PRIM_MEMCPY][z].value = per_byte[z];
	pf.op[ZC_PRIM_SYSCALL].value = 160;
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_MEMCPY, 4096) - 40.96) < 1e-9);
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_MEMCPY, 65536) - 0.02 * 65536) < 1e-9);
	/* 16 KiB is halfway between 4 KiB and 64 KiB in log size. */
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_MEMCPY, 16384) - 0.015 * 16384) < 1e-9);
	/* Outside the measured sizes: the nearest one's rate. */
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_MEMCPY, 1024) - 0.01 * 1024) < 1e-9);
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_MEMCPY, 256u << 20) - 0.08 * (256u << 20)) < 1e-3);
	assert_true(fabs(zc_costs_cost(&pf, ZC_PRIM_SYSCALL, 12345) - 160) < 1e-12);
	assert_true(isnan(zc_costs_cost(&pf, ZC_PRIM_SHA256, 4096)));
	assert_int_equal(zc_prim_from_key("fault_file"), ZC_PRIM_FAULT_FILE);
	assert_int_equal(zc_prim_from_key("no_such_primitive"), -1);
}

static void test_profile_before_and_after_combine(void **st)
{
	(void)st;
	struct zc_costs a, b;
	flat_profile(&a);
	flat_profile(&b);
	a.op[ZC_PRIM_SYSCALL] = (struct zc_interval){100, 95, 110};
	b.op[ZC_PRIM_SYSCALL] = (struct zc_interval){120, 118, 125};
	a.rate[ZC_PRIM_MEMCPY][1] = (struct zc_interval){0.01, 0.009, 0.011};
	b.op[ZC_PRIM_TCP_RTT] = (struct zc_interval){20000, 19000, 21000}; /* only after */
	snprintf(a.why[ZC_PRIM_TCP_RTT], sizeof a.why[0], "loopback TCP failed");
	zc_costs_combine(&a, &b);
	assert_true(a.combined);
	assert_true(fabs(a.op[ZC_PRIM_SYSCALL].value - 110) < 1e-12);
	assert_true(a.op[ZC_PRIM_SYSCALL].ci_low == 95 && a.op[ZC_PRIM_SYSCALL].ci_high == 125);
	assert_true(fabs(a.op_drift[ZC_PRIM_SYSCALL] - 1.2) < 1e-12);
	/* Measured only before: kept, no drift. Only after: taken, and no longer unavailable. */
	assert_true(fabs(a.rate[ZC_PRIM_MEMCPY][1].value - 0.01) < 1e-15 && isnan(a.rate_drift[ZC_PRIM_MEMCPY][1]));
	assert_true(a.op[ZC_PRIM_TCP_RTT].value == 20000 && a.why[ZC_PRIM_TCP_RTT][0] == 0);
}

/* A full run's profile: before, after, and one per invocation (one of them failed). With
 * 6 or more measurements, the median and its order-statistics interval over them: a
 * between-process spread, not one measurement's; a size measured before and after only
 * (64 MiB: invocations stop at 4 MiB) stays their mean and span. */
static void test_profile_pooled_over_invocations(void **st)
{
	(void)st;
	struct zc_costs before, after, inv[8];
	flat_profile(&before);
	flat_profile(&after);
	before.op[ZC_PRIM_WAKEUP] = (struct zc_interval){4000, 3990, 4010};
	after.op[ZC_PRIM_WAKEUP] = (struct zc_interval){6000, 5990, 6010};
	before.rate[ZC_PRIM_MEMCPY][3] = (struct zc_interval){0.04, 0.039, 0.041};
	after.rate[ZC_PRIM_MEMCPY][3] = (struct zc_interval){0.06, 0.059, 0.061};
	for (int k = 0; k < 8; k++) {
		flat_profile(&inv[k]);
		double v = 4100 + 100 * k; /* 4100 .. 4800 */
		inv[k].op[ZC_PRIM_WAKEUP] = (struct zc_interval){v, v - 1, v + 1};
	}
	inv[7].measured = 0; /* its profile failed: not pooled (its 4800 would move the median) */
	zc_costs_pool(&before, &after, inv, 8);
	assert_int_equal(before.measurements, 9);
	assert_int_equal(before.invocation_measurements, 7);
	/* 4000, 4100 .. 4700, 6000: median 4400; at n = 9 the 96% interval is [x(2), x(8)]. */
	assert_true(fabs(before.op[ZC_PRIM_WAKEUP].value - 4400) < 1e-9);
	assert_true(before.op[ZC_PRIM_WAKEUP].ci_low == 4100 && before.op[ZC_PRIM_WAKEUP].ci_high == 4700);
	assert_true(fabs(before.op_drift[ZC_PRIM_WAKEUP] - 1.5) < 1e-12);
	assert_true(fabs(before.rate[ZC_PRIM_MEMCPY][3].value - 0.05) < 1e-15);
	assert_true(before.rate[ZC_PRIM_MEMCPY][3].ci_low == 0.039 && before.rate[ZC_PRIM_MEMCPY][3].ci_high == 0.061);
	json_t *j = zc_costs_json(&before);
	assert_int_equal(json_integer_value(json_object_get(j, "measurements")), 9);
	struct zc_costs back;
	assert_int_equal(zc_costs_from_json(j, &back), 0);
	assert_int_equal(back.invocation_measurements, 7);
	assert_true(fabs(back.op[ZC_PRIM_WAKEUP].value - 4400) < 1e-9);
	json_decref(j);
}

/* ---- the model of one pair ---- */

static int nop_run(void *s, uint64_t n)
{
	(void)s;
	(void)n;
	return ZC_OK;
}
static int nop_verify(void *s)
{
	(void)s;
	return ZC_OK;
}
/* Baseline: a syscall per measured syscall and a copy; zero-copy: the copy alone. */
static void syscall_copy_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_SYSCALL, ZC_PER_SYSCALL, 1, 0);
	zc_model_term(m, ZC_PRIM_MEMCPY, ZC_PER_ITER, 1, p->bytes);
}
static void copy_model(const struct zc_param *p, struct zc_model *m)
{
	zc_model_term(m, ZC_PRIM_MEMCPY, ZC_PER_ITER, 1, p->bytes);
}
static const struct zc_param params[] = {{"64KiB", 65536, 0, "d", 0}};
static const struct zc_pair fake_pair = {
	.name = "fake_model", .summary = "s", .params = params, .nparams = 1,
	.side = {{.desc = "b", .copies_per_iter = 1, .run = nop_run, .model = syscall_copy_model},
		 {.desc = "z", .copies_per_iter = 1, .run = nop_run, .model = copy_model}},
	.verify = nop_verify,
};

#define N 40
#define NC 8

/* Times per side (ns per iteration, 1% noise) and 2 syscalls per baseline iteration. */
static void fake(struct zc_pair_result *r, double t0, double t1)
{
	fake_result(r, &fake_pair, &params[0], N);
	srand(3);
	for (int s = 0; s < 2; s++) {
		struct zc_side_result *sr = &r->side[s];
		for (int k = 0; k < N; k++) {
			double noise = 1 + 0.01 * ((double)rand() / RAND_MAX - 0.5);
			sr->real_ns[k] = sr->cpu_ns[k] = sr->sys_ns[k] = sr->stat_busy_ns[k] = (s ? t1 : t0) * noise;
		}
		sr->ncounted = NC;
		sr->counted_real_ns = calloc(NC, sizeof(double));
		for (int i = 0; i < ZC_NCOUNTERS; i++) {
			sr->cnt[i] = calloc(NC, sizeof(double));
			for (int k = 0; k < NC; k++)
				sr->cnt[i][k] = i == ZC_CNT_SYSCALLS && s == 0 ? 2 : 0;
		}
	}
	for (int k = 0; k < N; k++)
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
}

/* A run of one pair result on a profile where a syscall costs 1000 ns and memcpy 0.01 ns/B. */
static void model_run(struct zc_run *run, struct zc_pair_result *r)
{
	*run = (struct zc_run){.n = 1, .alpha = 0.05, .equivalence = 0.05, .loop_floor_ns = 1, .results = r};
	flat_profile(&run->costs);
	run->costs.op[ZC_PRIM_SYSCALL].value = 1000;
	for (int z = 0; z < ZC_PROFILE_NSIZES; z++)
		run->costs.rate[ZC_PRIM_MEMCPY][z].value = 0.01;
}

static void test_model_predicts_and_says_when_it_cannot(void **st)
{
	(void)st;
	struct zc_pair_result r;
	static struct zc_run run;
	model_run(&run, &r);
	/* Predicted: baseline 1 + 2 x 1000 + 655.36, zero-copy 1 + 655.36. */
	double pb = 1 + 2000 + 655.36, pz = 1 + 655.36;
	fake(&r, pb, pz);
	zc_analyse_run(&run);
	assert_true(fabs(r.side[0].model.predicted_ns - pb) < 1e-9);
	assert_true(fabs(r.side[1].model.predicted_ns - pz) < 1e-9);
	assert_true(fabs(r.predicted_ratio - pb / pz) < 1e-9);
	assert_true(fabs(r.model_residual) < 0.01);
	assert_true(r.model_explained);
	assert_int_equal(r.side[0].model.m.n, 2);
	assert_true(fabs(r.side[0].model.m.t[0].ops - 2) < 1e-12);
	assert_true(fabs(r.side[0].model.m.t[0].ns - 2000) < 1e-9);
	assert_non_null(strstr(r.model_note, "explained"));
	zc_pair_result_free(&r);

	/* The baseline takes twice what its primitives account for: the result says so. */
	fake(&r, 2 * pb, pz);
	zc_analyse_run(&run);
	assert_false(r.model_explained);
	assert_true(fabs(r.model_residual - 1) < 0.02);
	assert_non_null(strstr(r.model_note, "not explained"));
	assert_non_null(strstr(r.model_note, "baseline side is +100% off its model"));
	zc_pair_result_free(&r);

	/* Both sides three times their models: the ratio agrees, but that explains nothing. */
	fake(&r, 3 * pb, 3 * pz);
	zc_analyse_run(&run);
	assert_true(fabs(r.model_residual) < 0.02);
	assert_false(r.model_explained);
	assert_non_null(strstr(r.model_note, "not explained: the ratio agrees"));
	zc_pair_result_free(&r);

	/* No profile: no prediction, and why. */
	run.costs.measured = 0;
	snprintf(run.costs.error, sizeof run.costs.error, "not measured (--no-machine-profile)");
	fake(&r, pb, pz);
	zc_analyse_run(&run);
	assert_true(isnan(r.predicted_ratio));
	assert_non_null(strstr(r.model_note, "no machine profile"));
	zc_pair_result_free(&r);
}

/* A stream side: its copy and a wake-up per measured wake-up of its peer. */
static void waking_model(const struct zc_param *p, struct zc_model *m)
{
	copy_model(p, m);
	zc_model_term(m, ZC_PRIM_WAKEUP, ZC_PER_WAKEUP, 1, 0);
}

static void test_model_counts_the_wakeups_measured(void **st)
{
	(void)st;
	struct zc_pair_result r;
	static struct zc_run run;
	model_run(&run, &r);
	run.costs.op[ZC_PRIM_WAKEUP].value = 5000;
	struct zc_pair waking = fake_pair;
	waking.side[1].model = waking_model;
	/* Half a wake-up per iteration: 2500 ns on top of the copy. */
	double pz = 1 + 655.36 + 2500;
	fake(&r, 1 + 2000 + 655.36, pz);
	r.pair = &waking;
	for (int k = 0; k < NC; k++)
		r.side[1].cnt[ZC_CNT_WAKEUPS][k] = 0.5;
	zc_analyse_run(&run);
	assert_true(fabs(r.side[1].model.predicted_ns - pz) < 1e-9);
	assert_int_equal(r.side[1].model.m.n, 2);
	assert_true(fabs(r.side[1].model.m.t[1].ops - 0.5) < 1e-12);
	zc_pair_result_free(&r);

	/* Wake-ups not counted (no tracefs, an older result): the term adds nothing. */
	fake(&r, 1 + 2000 + 655.36, 1 + 655.36);
	r.pair = &waking;
	for (int k = 0; k < NC; k++)
		r.side[1].cnt[ZC_CNT_WAKEUPS][k] = NAN;
	zc_analyse_run(&run);
	assert_true(fabs(r.side[1].model.predicted_ns - (1 + 655.36)) < 1e-9);
	zc_pair_result_free(&r);
}

/* ---- attribution across two synthetic runs ---- */

static json_t *term(const char *prim, double ops, double cost, double size)
{
	json_t *t = json_object();
	json_object_set_new(t, "primitive", json_string(prim));
	json_object_set_new(t, "ops_per_iter", json_real(ops));
	json_object_set_new(t, "cost_ns", json_real(cost));
	json_object_set_new(t, "ns", json_real(ops * cost));
	json_object_set_new(t, "size", size > 0 ? json_real(size) : json_null());
	return t;
}

static json_t *side(double measured, json_t *terms)
{
	double predicted = 1;
	size_t i;
	json_t *t;
	json_array_foreach(terms, i, t)
		predicted += json_real_value(json_object_get(t, "ns"));
	json_t *m = json_object();
	json_object_set_new(m, "floor_ns", json_real(1));
	json_object_set_new(m, "predicted_ns", json_real(predicted));
	json_object_set_new(m, "terms", terms);
	json_t *s = json_object();
	json_t *tm = json_object();
	json_object_set_new(tm, "median", json_real(measured > 0 ? measured : predicted));
	json_object_set_new(s, "time_ns", tm);
	json_object_set_new(s, "model", m);
	return s;
}

/*
 * One machine profile and one pair per run: only the syscall's cost changes (as page-table
 * isolation changes it), the copy stays. The pair: baseline 4 syscalls + a 64 KiB copy,
 * zero-copy 1 syscall + the same copy.
 */
static double synthetic_syscalls = 4; /* the baseline's syscalls per iteration */

static char *synthetic_run_cpu(const char *dir, const char *name, double syscall_ns, const char *meltdown,
				double memcpy_gbps, const char *uarch, int model, double se_log)
{
	json_t *doc = json_object(), *ctx = json_object(), *prof = json_object(), *prims = json_object();
	json_t *sc = json_object(), *mc = json_object(), *sizes = json_object(), *s64 = json_object();
	json_object_set_new(sc, "median", json_real(syscall_ns));
	json_object_set_new(sc, "ci_low", json_real(syscall_ns * 0.99));
	json_object_set_new(sc, "ci_high", json_real(syscall_ns * 1.01));
	json_object_set_new(prims, "syscall", sc);
	double per_byte = 1 / memcpy_gbps;
	json_object_set_new(s64, "median", json_real(per_byte));
	json_object_set_new(s64, "ci_low", json_real(per_byte * 0.99));
	json_object_set_new(s64, "ci_high", json_real(per_byte * 1.01));
	json_object_set_new(sizes, "64KiB", s64);
	json_object_set_new(mc, "sizes", sizes);
	json_object_set_new(prims, "memcpy", mc);
	json_object_set_new(prof, "measured", json_true());
	json_object_set_new(prof, "primitives", prims);
	json_object_set_new(prof, "settings", json_object());
	json_object_set_new(ctx, "machine_profile", prof);
	json_t *mit = json_object();
	json_object_set_new(mit, "meltdown", json_string(meltdown));
	json_object_set_new(mit, "spectre_v1", json_string("Mitigation: usercopy/swapgs barriers"));
	json_object_set_new(ctx, "mitigations", mit);
	json_object_set_new(ctx, "cpu_model", json_string("AMD EPYC"));
	if (uarch) {
		json_object_set_new(ctx, "cpu_microarchitecture", json_string(uarch));
		json_object_set_new(ctx, "cpu_family", json_integer(25));
		json_object_set_new(ctx, "cpu_model_number", json_integer(model));
	}
	json_object_set_new(ctx, "caches", json_array()); /* unknown, as run G recorded it */
	json_object_set_new(doc, "context", ctx);
	double copy = 65536 * per_byte;
	json_t *b = json_array(), *z = json_array();
	json_array_append_new(b, term("syscall", synthetic_syscalls, syscall_ns, 0));
	json_array_append_new(b, term("memcpy", 1, copy, 65536));
	json_array_append_new(z, term("syscall", 1, syscall_ns, 0));
	json_array_append_new(z, term("memcpy", 1, copy, 65536));
	/* Measured times 5% above the models: a residual that does not change. */
	double tb = 1.05 * (1 + synthetic_syscalls * syscall_ns + copy), tz = 1.05 * (1 + syscall_ns + copy);
	json_t *sides = json_object();
	json_object_set_new(sides, "baseline", side(tb, b));
	json_object_set_new(sides, "zerocopy", side(tz, z));
	json_t *pair = json_object();
	json_object_set_new(pair, "name", json_string("fake_pair"));
	json_object_set_new(pair, "param", json_string("64KiB"));
	json_object_set_new(pair, "ratio", json_real(tb / tz));
	if (se_log > 0) { /* seven invocations' standard error of ln(ratio) */
		json_object_set_new(pair, "ratio_se_log", json_real(se_log));
		json_object_set_new(pair, "ratio_df", json_real(6));
	}
	json_object_set_new(pair, "sides", sides);
	json_t *pairs = json_array();
	json_array_append_new(pairs, pair);
	json_object_set_new(doc, "pairs", pairs);
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s.json", dir, name) > 0);
	assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
	json_decref(doc);
	return path;
}

static char *synthetic_run(const char *dir, const char *name, double syscall_ns, const char *meltdown, double memcpy_gbps)
{
	return synthetic_run_cpu(dir, name, syscall_ns, meltdown, memcpy_gbps, NULL, 0, 0);
}

static json_t *attribute(const char *a, const char *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(zc_attribute(a, b, f), 0);
	fclose(f);
	json_error_t e;
	json_t *doc = json_loads(buf, 0, &e);
	free(buf);
	assert_non_null(doc);
	return doc;
}

/* Removes the synthetic runs (and frees their paths), then their folder. */
static void remove_runs(const char *dir, char **paths)
{
	for (char **p = paths; *p; p++) {
		unlink(*p);
		free(*p);
	}
	rmdir(dir);
}

static void test_attribution_names_the_primitive_that_changed(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-attrib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = synthetic_run(dir, "kvm", 160, "Not affected", 20);
	char *b = synthetic_run(dir, "pti", 450, "Mitigation: PTI", 20);
	json_t *doc = attribute(a, b);

	/* The profiles side by side: the syscall moved, the copy did not. */
	size_t i;
	json_t *row;
	int seen = 0;
	json_array_foreach(json_object_get(doc, "primitives"), i, row) {
		const char *p = json_string_value(json_object_get(row, "primitive"));
		double change = json_number_value(json_object_get(row, "change"));
		if (strcmp(p, "syscall") == 0) {
			seen++;
			assert_true(fabs(change - 450.0 / 160) < 1e-9);
			assert_true(json_is_true(json_object_get(row, "apart")));
			assert_non_null(strstr(json_string_value(json_object_get(row, "settings_differ")),
					       "mitigation meltdown"));
		} else {
			seen++;
			assert_string_equal(p, "memcpy");
			assert_true(fabs(change - 1) < 1e-12);
			assert_false(json_is_true(json_object_get(row, "apart")));
		}
	}
	assert_int_equal(seen, 2);

	/* The pair: the syscall accounts for the whole change (the residual is constant). */
	json_t *pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_non_null(pair);
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "syscall");
	double share = json_number_value(json_object_get(pair, "primitive_share"));
	assert_true(share > 0.9 && share < 1.1);
	const char *text = json_string_value(json_object_get(pair, "explanation"));
	assert_non_null(strstr(text, "syscall 160 -> 450 ns"));
	assert_non_null(strstr(text, "meltdown"));
	assert_non_null(strstr(text, "explains 95%")); /* 5% is the runs' constant residual */
	assert_non_null(strstr(text, "outside the models 5%"));
	assert_null(strstr(text, "caches")); /* unknown in both */
	assert_null(strstr(text, "kernel_release")); /* unknown in both runs: not a difference */
	assert_null(strstr(text, "cpu_model"));      /* the same in both */

	/* Several mitigations that differ are counted, not named again on every line: a
	 * comparison names them once, in what differs. */
	json_t *two = json_load_file(b, 0, NULL);
	assert_non_null(two);
	json_object_set_new(json_object_get(json_object_get(two, "context"), "mitigations"), "spectre_v1",
			    json_string("Vulnerable"));
	assert_int_equal(json_dump_file(two, b, 0), 0);
	json_decref(two);
	json_decref(doc);
	doc = attribute(a, b);
	text = json_string_value(json_object_get(json_array_get(json_object_get(doc, "pairs"), 0), "explanation"));
	assert_non_null(strstr(text, "mitigations (2 differ)"));
	assert_null(strstr(text, "meltdown"));
	assert_null(strstr(text, "spectre_v1"));
	json_decref(doc);

	/* The other way round it still names the syscall (the ratio falls). */
	doc = attribute(b, a);
	pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "syscall");
	json_decref(doc);

	/* Only the copy changes: memcpy is named. The ratio moves because the baseline's
	 * syscalls weigh more against a slower copy. */
	char *c = synthetic_run(dir, "slowcopy", 160, "Not affected", 5);
	doc = attribute(a, c);
	pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "memcpy");
	assert_non_null(strstr(json_string_value(json_object_get(pair, "explanation")), "memcpy at 64KiB 20.00 -> 5.00 GB/s"));
	json_decref(doc);

	/* Not a result: exit status 2. */
	char *bad = NULL;
	assert_true(asprintf(&bad, "%s/bad.json", dir) > 0);
	FILE *f = fopen(bad, "w");
	fputs("[1, 2]", f);
	fclose(f);
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(zc_attribute(a, bad, devnull), 2);
	assert_int_equal(zc_attribute("/nonexistent/x.json", a, devnull), 2);
	fclose(devnull);
	remove_runs(dir, (char *[]){a, b, c, bad, NULL});
}

/* A CPU change: the copy's bandwidth moves with the microarchitecture (family 25 model 1,
 * Zen 3, to model 17, Zen 4); the attribution names memcpy, the CPU difference as its
 * cause, and carries an interval; a re-run of one machine attributes nothing. */
static void test_attribution_of_a_cpu_change_and_of_a_replicate(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-attrib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = synthetic_run_cpu(dir, "zen3", 160, "Not affected", 5, "Zen 3", 1, 0.01);
	char *b = synthetic_run_cpu(dir, "zen4", 160, "Not affected", 40, "Zen 4", 17, 0.01);
	char *c = synthetic_run_cpu(dir, "zen3-again", 160, "Not affected", 5.05, "Zen 3", 1, 0.01);
	json_t *doc = attribute(a, b);
	json_t *pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_true(json_is_true(json_object_get(pair, "attributed")));
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "memcpy");
	const char *cause = json_string_value(json_object_get(pair, "cause"));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cpu_microarchitecture")); /* the values: what differs */
	assert_non_null(strstr(cause, "cpu_model_number"));
	assert_null(strstr(cause, "caches")); /* unknown: never a cause */
	json_t *ci = json_object_get(pair, "primitive_share_ci");
	double share = json_number_value(json_object_get(pair, "primitive_share"));
	double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
	assert_true(lo <= share && share <= hi && hi - lo > 0 && hi - lo < 0.5);
	json_decref(doc);

	/* The same machine again, 1% faster copies: inside the re-run's prediction interval. */
	doc = attribute(a, c);
	pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_true(json_is_true(json_object_get(pair, "inside_prediction")));
	assert_false(json_is_true(json_object_get(pair, "attributed")));
	assert_null(json_object_get(pair, "primitive"));
	assert_non_null(strstr(json_string_value(json_object_get(pair, "explanation")), "not attributed"));
	json_decref(doc);
	remove_runs(dir, (char *[]){a, b, c, NULL});
}

/* A newer result's model with a primitive an older one lacks (the stream primitives came
 * later): that term has no old cost, so its part of the move stays outside the models. */
/* The same machine, the baseline making twice the syscalls per iteration: the move is the
 * count's, and the cause says so rather than naming a setting. */
static void test_attribution_of_a_count_that_changed(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-attrib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = synthetic_run_cpu(dir, "four", 1000, "Not affected", 40, "Zen 3", 1, 0.01);
	synthetic_syscalls = 8;
	char *b = synthetic_run_cpu(dir, "eight", 1000, "Not affected", 40, "Zen 3", 1, 0.01);
	synthetic_syscalls = 4;
	json_t *doc = attribute(a, b);
	json_t *pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_true(json_is_true(json_object_get(pair, "attributed")));
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "syscall");
	assert_string_equal(json_string_value(json_object_get(pair, "cause_kind")), "count");
	assert_non_null(strstr(json_string_value(json_object_get(pair, "cause")), "how many per iteration (4 -> 8"));
	json_decref(doc);
	/* A cost that changed (the CPU's copies) stays a cost. */
	char *c = synthetic_run_cpu(dir, "zen4", 1000, "Not affected", 5, "Zen 4", 17, 0.01);
	doc = attribute(a, c);
	pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_string_equal(json_string_value(json_object_get(pair, "cause_kind")), "cost");
	json_decref(doc);
	remove_runs(dir, (char *[]){a, b, c, NULL});
}

static void test_attribution_of_a_term_in_one_run_only(void **st)
{
	(void)st;
	char dir[] = "/tmp/zcbench-attrib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = synthetic_run_cpu(dir, "old", 1000, "Mitigation: PTI", 40, NULL, 0, 0.01);
	char *b = synthetic_run_cpu(dir, "new", 250, "Not affected", 40, NULL, 0, 0.01);
	json_error_t e;
	json_t *doc = json_load_file(b, 0, &e);
	assert_non_null(doc);
	json_t *bs = json_object_get(json_object_get(json_array_get(json_object_get(doc, "pairs"), 0), "sides"), "baseline");
	json_array_append_new(json_object_get(json_object_get(bs, "model"), "terms"), term("tcp_send", 1, 500, 65536));
	assert_int_equal(json_dump_file(doc, b, JSON_INDENT(1)), 0);
	json_decref(doc);
	doc = attribute(a, b);
	json_t *pair = json_array_get(json_object_get(doc, "pairs"), 0);
	assert_true(json_is_true(json_object_get(pair, "attributed")));
	assert_string_equal(json_string_value(json_object_get(pair, "primitive")), "syscall");
	size_t i;
	json_t *c;
	int seen = 0;
	json_array_foreach(json_object_get(pair, "contributions"), i, c) {
		const char *k = json_string_value(json_object_get(c, "primitive"));
		int one = json_is_true(json_object_get(c, "in_one_run_only"));
		assert_int_equal(one, strcmp(k, "tcp_send") == 0);
		if (one) {
			seen = 1;
			assert_true(json_number_value(json_object_get(c, "log_contribution")) == 0);
		}
	}
	assert_true(seen);
	assert_non_null(strstr(json_string_value(json_object_get(pair, "explanation")), "in one run's models only: tcp_send"));
	json_decref(doc);
	remove_runs(dir, (char *[]){a, b, NULL});
}

/* What differs: each mitigation once, by what tells its two states apart, also when only a
 * later part of the state differs (the attribution counts such a mitigation as differing). */
static void test_differences_name_each_mitigation_by_what_differs(void **st)
{
	(void)st;
	json_t *A = json_pack("{s:{s:{s:s,s:s,s:s}}}", "context", "mitigations", "spectre_v2",
			      "Mitigation: Retpolines; STIBP: disabled; BHI: Retpoline", "meltdown", "Not affected",
			      "mds", "Not affected");
	json_t *B = json_pack("{s:{s:{s:s,s:s,s:s}}}", "context", "mitigations", "spectre_v2",
			      "Mitigation: Retpolines; STIBP: disabled; BHI: Not affected", "meltdown",
			      "Mitigation: PTI", "mds", "Not affected");
	json_t *rows = zc_context_differences(A, B);
	size_t i;
	json_t *row;
	int seen = 0;
	json_array_foreach(rows, i, row) {
		const char *what = json_string_value(json_object_get(row, "what"));
		const char *old = json_string_value(json_object_get(row, "old"));
		const char *new = json_string_value(json_object_get(row, "new"));
		if (strcmp(what, "mitigation spectre_v2") == 0) {
			assert_string_equal(old, "BHI: Retpoline");
			assert_string_equal(new, "BHI: Not affected");
			seen++;
		} else if (strcmp(what, "mitigation meltdown") == 0) {
			assert_string_equal(old, "Not affected");
			assert_string_equal(new, "Mitigation: PTI");
			seen++;
		} else {
			assert_null(strstr(what, "mitigation")); /* mds is the same in both */
		}
	}
	assert_int_equal(seen, 2);
	json_decref(rows);
	json_decref(A);
	json_decref(B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_interpolates_in_log_size),
		cmocka_unit_test(test_profile_before_and_after_combine),
		cmocka_unit_test(test_profile_pooled_over_invocations),
		cmocka_unit_test(test_model_predicts_and_says_when_it_cannot),
		cmocka_unit_test(test_model_counts_the_wakeups_measured),
		cmocka_unit_test(test_attribution_names_the_primitive_that_changed),
		cmocka_unit_test(test_attribution_of_a_cpu_change_and_of_a_replicate),
		cmocka_unit_test(test_attribution_of_a_term_in_one_run_only),
		cmocka_unit_test(test_attribution_of_a_count_that_changed),
		cmocka_unit_test(test_differences_name_each_mitigation_by_what_differs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
