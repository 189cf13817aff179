/*
 * output.c - the result document (Google Benchmark JSON + zcbench's pairs), the human
 * table, Go's benchmark text format, and the atomic result file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

static const char *const side_name[ZC_NSIDES] = {"baseline", "zerocopy"};

static void bench_name(char *buf, size_t len, const struct zc_pair_result *r, int side)
{
	snprintf(buf, len, "%s/%s/%s", r->pair->name, side_name[side], r->param->name);
}

/* The fields every benchmarks[] entry starts with, in Google Benchmark's order. */
static json_t *entry_head(const char *name, const char *run_name, size_t family, size_t instance,
			  const char *run_type, size_t reps)
{
	json_t *e = json_object();
	json_object_set_new(e, "name", json_string(name));
	json_object_set_new(e, "family_index", json_integer((json_int_t)family));
	json_object_set_new(e, "per_family_instance_index", json_integer((json_int_t)instance));
	json_object_set_new(e, "run_name", json_string(run_name));
	json_object_set_new(e, "run_type", json_string(run_type));
	/* Google Benchmark's name for what zcbench calls rounds. */
	json_object_set_new(e, "repetitions", json_integer((json_int_t)reps));
	return e;
}

/* The invocation (its index into r->inv_*) that ran round k. */
static size_t inv_of_round(const struct zc_pair_result *r, size_t k)
{
	size_t i = 0;
	while (i + 1 < r->ninv && r->inv_start[i + 1] <= k)
		i++;
	return i;
}

/* One entry per timed sample (round); counts are not here: timed samples count nothing.
 * What follows from the other fields (bytes/s, CPU per byte, busy share, peer-bound; a
 * round's ratio) is left out: the analysis derives it again from these, and a run's
 * samples file stays small. */
static void add_iteration_entries(json_t *arr, const struct zc_pair_result *r, int s,
				  size_t family, size_t instance)
{
	const struct zc_side_result *sr = &r->side[s];
	char name[256];
	bench_name(name, sizeof name, r, s);
	for (size_t k = 0; k < sr->n; k++) {
		json_t *e = entry_head(name, name, family, instance, "iteration", sr->n);
		json_object_set_new(e, "repetition_index", json_integer((json_int_t)k));
		json_object_set_new(e, "threads", json_integer(1));
		size_t inv = inv_of_round(r, k);
		json_object_set_new(e, "iterations",
				    json_integer((json_int_t)(r->ninv ? r->inv_iterations[inv][s] : sr->iterations)));
		json_object_set_new(e, "real_time", zc_json_number(sr->real_ns[k]));
		json_object_set_new(e, "cpu_time", zc_json_number(sr->cpu_ns[k]));
		json_object_set_new(e, "time_unit", json_string("ns"));
		json_object_set_new(e, "position", json_string((r->first ? r->first[k] : k % 2) == (size_t)s ? "first" : "second"));
		json_object_set_new(e, "steal_ns", zc_json_number(sr->steal_ns[k]));
		json_object_set_new(e, "run_delay_ns", zc_json_number(sr->run_delay_ns[k]));
		/* The probe scatters by more than 1%: 4 digits say all it knows (it only sets
		 * host_slowed, which is written). */
		json_object_set_new(e, "probe_ghz_before", zc_json_number_digits(sr->ghz_before[k], 4));
		json_object_set_new(e, "probe_ghz_after", zc_json_number_digits(sr->ghz_after[k], 4));
		json_object_set_new(e, "host_stolen", json_boolean(sr->host_flags[k] & ZC_HOST_STOLEN));
		json_object_set_new(e, "host_slowed", json_boolean(sr->host_flags[k] & ZC_HOST_SLOWED));
		json_object_set_new(e, "system_cpu_ns", zc_json_number(sr->sys_ns[k]));
		json_object_set_new(e, "peers_cpu_ns", zc_json_number(sr->peers_ns[k]));
		json_object_set_new(e, "proc_stat_busy_ns", zc_json_number(sr->stat_busy_ns[k]));
		json_object_set_new(e, "context_switches", zc_json_number(sr->csw[k]));
		json_object_set_new(e, "invocation", json_integer(r->ninv ? r->inv_id[inv] : 0));
		json_array_append_new(arr, e);
	}
}

/* Google Benchmark's median aggregate of the timed samples, for compare.py (the median is
 * the centre of skewed timing samples; the pairs' intervals say more about the spread than
 * a mean, stddev or cv would). */
static void add_median_entry(json_t *arr, const struct zc_pair_result *r, int s, size_t family, size_t instance)
{
	const struct zc_side_result *sr = &r->side[s];
	char run_name[256], name[300];
	bench_name(run_name, sizeof run_name, r, s);
	snprintf(name, sizeof name, "%s_median", run_name);
	json_t *e = entry_head(name, run_name, family, instance, "aggregate", sr->n);
	json_object_set_new(e, "threads", json_integer(1));
	json_object_set_new(e, "aggregate_name", json_string("median"));
	json_object_set_new(e, "aggregate_unit", json_string("time"));
	json_object_set_new(e, "iterations", json_integer((json_int_t)sr->n));
	json_object_set_new(e, "real_time", zc_json_number(sr->real_summary.median));
	json_object_set_new(e, "cpu_time", zc_json_number(sr->cpu_summary.median));
	json_object_set_new(e, "time_unit", json_string("ns"));
	json_object_set_new(e, "bytes_per_second", zc_json_number(sr->bytes_per_second));
	json_object_set_new(e, "real_time_ci_low", zc_json_number(sr->real.ci_low));
	json_object_set_new(e, "real_time_ci_high", zc_json_number(sr->real.ci_high));
	json_array_append_new(arr, e);
}

/* A pair that did not run: one entry per side carrying Google Benchmark's error fields. */
static void add_failed_entries(json_t *arr, const struct zc_pair_result *r, size_t family,
			       size_t instance)
{
	for (int s = 0; s < ZC_NSIDES; s++) {
		char name[256];
		bench_name(name, sizeof name, r, s);
		json_t *e = entry_head(name, name, family + (size_t)s, instance, "iteration", 1);
		json_object_set_new(e, "repetition_index", json_integer(0));
		json_object_set_new(e, "threads", json_integer(1));
		if (r->status == ZC_ST_SKIPPED) {
			json_object_set_new(e, "skipped", json_true());
			json_object_set_new(e, "skip_message", json_string(r->message));
		} else {
			json_object_set_new(e, "error_occurred", json_true());
			json_object_set_new(e, "error_message", json_string(r->message));
		}
		json_object_set_new(e, "iterations", json_integer(0));
		json_object_set_new(e, "real_time", json_integer(0));
		json_object_set_new(e, "cpu_time", json_integer(0));
		json_object_set_new(e, "time_unit", json_string("ns"));
		json_array_append_new(arr, e);
	}
}

static const char *status_name(enum zc_status s)
{
	return s == ZC_ST_OK ? "ok" : s == ZC_ST_SKIPPED ? "skipped" : "error";
}

static json_t *array_json(const double *x, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, zc_json_number(x[i]));
	return a;
}

/* A side's cost model: its terms with the profile's costs, the prediction, the residual. */
static json_t *model_json(const struct zc_side_model *sm)
{
	json_t *o = json_object();
	json_object_set_new(o, "declared", json_boolean(sm->declared));
	json_object_set_new(o, "floor_ns", zc_json_number(sm->floor_ns));
	json_object_set_new(o, "predicted_ns", zc_json_number(sm->predicted_ns));
	json_object_set_new(o, "restates_profile", json_boolean(sm->m.restates_profile));
	json_object_set_new(o, "residual", zc_json_number(sm->residual));
	json_t *terms = json_array();
	for (size_t i = 0; i < sm->m.n; i++) {
		const struct zc_model_term *t = &sm->m.t[i];
		json_t *e = json_object();
		json_object_set_new(e, "primitive", json_string(zc_prim_info[t->prim].key));
		json_object_set_new(e, "per", json_string(zc_model_per_name[t->per]));
		json_object_set_new(e, "count", zc_json_number(t->count));
		json_object_set_new(e, "size", zc_prim_info[t->prim].per_byte ? json_integer((json_int_t)t->size) : json_null());
		json_object_set_new(e, "ops_per_iter", zc_json_number(t->ops));
		json_object_set_new(e, "cost_ns", zc_json_number(t->cost_ns));
		json_object_set_new(e, "ns", zc_json_number(t->ns));
		json_object_set_new(e, "share", zc_json_number(t->share));
		json_array_append_new(terms, e);
	}
	json_object_set_new(o, "terms", terms);
	return o;
}

static json_t *side_json(const struct zc_pair_result *r, int s)
{
	const struct zc_side_result *sr = &r->side[s];
	const struct zc_side *sd = &r->pair->side[s];
	json_t *o = json_object();
	json_object_set_new(o, "desc", json_string(sd->desc));
	json_object_set_new(o, "iterations", json_integer((json_int_t)sr->iterations));
	json_t *its = json_array();
	for (size_t i = 0; i < r->ninv; i++)
		json_array_append_new(its, json_integer((json_int_t)r->inv_iterations[i][s]));
	json_object_set_new(o, "iterations_per_invocation", its);
	json_object_set_new(o, "time_ns", zc_interval_json(sr->real));
	json_object_set_new(o, "cpu_ns", zc_interval_json(sr->cpu));
	json_object_set_new(o, "bytes_per_second", zc_json_number(sr->bytes_per_second));
	json_object_set_new(o, "cpu_ns_per_byte", zc_json_number(sr->cpu_ns_per_byte));
	json_object_set_new(o, "moves_bytes", json_boolean(sr->moves_bytes));
	json_object_set_new(o, "copies_per_iter_declared", json_real(sd->copies_per_iter));
	json_object_set_new(o, "at_floor", json_boolean(sr->at_floor));
	json_t *c = json_object();
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		json_object_set_new(c, zc_counter_key[i], zc_interval_json(sr->cnt_median[i]));
	json_object_set_new(o, "counters", c);
	json_t *cs = json_object();
	json_object_set_new(cs, "samples", json_integer((json_int_t)sr->ncounted));
	json_object_set_new(cs, "time_ns", array_json(sr->counted_real_ns, sr->ncounted));
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		json_object_set_new(cs, zc_counter_key[i], array_json(sr->cnt[i], sr->ncounted));
	json_object_set_new(o, "counted", cs);
	json_object_set_new(o, "counted_over_uncounted", zc_json_number(sr->counted_over_uncounted));
	json_t *h = json_object();
	json_object_set_new(h, "samples", json_integer((json_int_t)sr->n));
	json_object_set_new(h, "stolen", json_integer((json_int_t)sr->stolen));
	json_object_set_new(h, "slowed", json_integer((json_int_t)sr->slowed));
	json_object_set_new(o, "host", h);
	json_t *sys = json_object();
	json_object_set_new(sys, "system_cpu_ns", zc_interval_json(sr->sys));
	json_object_set_new(sys, "system_cpu_ns_per_byte", zc_json_number(sr->sys_ns_per_byte));
	json_object_set_new(sys, "peers_cpu_ns", zc_interval_json(sr->peers));
	json_object_set_new(sys, "busy_fraction", zc_interval_json(sr->busy));
	json_object_set_new(sys, "context_switches_per_iter", zc_interval_json(sr->csw_per_op));
	json_object_set_new(sys, "peer_bound_samples", json_integer((json_int_t)sr->peer_bound));
	json_object_set_new(sys, "window_ns", zc_json_number(sr->window_ns_sum));
	json_object_set_new(sys, "system_cpu_ns_total", zc_json_number(sr->sys_ns_sum));
	json_object_set_new(sys, "proc_stat_busy_ns_total", zc_json_number(sr->stat_busy_ns_sum));
	json_t *fields = json_object();
	for (int f = 0; f < ZC_NSTAT; f++)
		json_object_set_new(fields, zc_stat_field_name[f], zc_json_number(sr->stat_ns_sum[f]));
	json_object_set_new(sys, "proc_stat_ns_total", fields);
	json_t *cores = json_array();
	for (int cpu = 0; cpu < sr->ncpu; cpu++)
		json_array_append_new(cores, zc_json_number(sr->cpu_busy_ns_sum[cpu]));
	json_object_set_new(sys, "proc_stat_busy_ns_per_cpu", cores);
	json_object_set_new(o, "system", sys);
	json_t *z = json_object();
	json_object_set_new(z, "zero_copied", json_integer((json_int_t)sr->zc_zero));
	json_object_set_new(z, "copied", json_integer((json_int_t)sr->zc_copied));
	json_object_set_new(o, "zerocopy_reported", z);
	json_object_set_new(o, "zc_effective", zc_json_number(sr->zc_effective));
	json_object_set_new(o, "copies_per_iter_measured", zc_json_number(sr->copies_measured));
	json_object_set_new(o, "model", model_json(&sr->model));
	return o;
}

static json_t *estimate_json(const struct zc_estimate *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "estimate", zc_json_number(e->estimate));
	json_object_set_new(o, "ci_low", zc_json_number(e->ci_low));
	json_object_set_new(o, "ci_high", zc_json_number(e->ci_high));
	json_object_set_new(o, "p_value", zc_json_number(e->p));
	return o;
}

static json_t *pair_entry(const struct zc_pair_result *r)
{
	char b[256], z[256];
	bench_name(b, sizeof b, r, ZC_BASELINE);
	bench_name(z, sizeof z, r, ZC_ZEROCOPY);
	int ok = r->status == ZC_ST_OK;
	const struct zc_estimate *e = &r->ratio_est;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(r->pair->name));
	json_object_set_new(o, "param", json_string(r->param->name));
	json_object_set_new(o, "baseline", json_string(b));
	json_object_set_new(o, "zerocopy", json_string(z));
	json_object_set_new(o, "control", json_boolean(r->pair->flags & ZC_PAIR_CONTROL));
	json_object_set_new(o, "status", json_string(status_name(r->status)));
	json_object_set_new(o, "message", ok ? json_null() : json_string(r->message));
	json_object_set_new(o, "verified", json_boolean(r->verified));
	json_object_set_new(o, "summary", json_string(r->pair->summary));
	json_object_set_new(o, "param_desc", json_string(r->param->desc ? r->param->desc : ""));
	json_object_set_new(o, "bytes_per_iter", json_integer((json_int_t)r->param->bytes));
	json_object_set_new(o, "rounds", json_integer((json_int_t)r->rounds));
	json_object_set_new(o, "blocks", json_integer((json_int_t)r->blocks));
	json_object_set_new(o, "ratio", ok ? zc_json_number(e->estimate) : json_null());
	json_object_set_new(o, "ratio_ci_low", ok ? zc_json_number(e->ci_low) : json_null());
	json_object_set_new(o, "ratio_ci_high", ok ? zc_json_number(e->ci_high) : json_null());
	json_object_set_new(o, "ratio_ci_level", ok ? zc_json_number(e->level) : json_null());
	json_object_set_new(o, "ratio_bound", ok && r->bound != ZC_BOUND_NO ? json_string(zc_bound_name[r->bound]) : json_null());
	json_object_set_new(o, "ratio_display", ok ? json_string(r->ratio_display) : json_null());
	json_object_set_new(o, "saving_ns_per_iter", ok ? zc_json_number(r->saving_ns) : json_null());
	json_object_set_new(o, "saving_ci_low", ok ? zc_json_number(r->saving_ci_low) : json_null());
	json_object_set_new(o, "saving_ci_high", ok ? zc_json_number(r->saving_ci_high) : json_null());
	json_t *sb = json_array();
	for (size_t i = 0; ok && i < r->nsaving; i++) {
		const struct zc_saving_part *sp = &r->saving[i];
		json_t *part = json_object();
		json_object_set_new(part, "cause", json_string(sp->cause));
		json_object_set_new(part, "ns_per_iter", zc_json_number(sp->ns));
		json_object_set_new(part, "share", zc_json_number(sp->share));
		if (isfinite(sp->ci_low)) {
			json_object_set_new(part, "ci_low", zc_json_number(sp->ci_low));
			json_object_set_new(part, "ci_high", zc_json_number(sp->ci_high));
		}
		json_array_append_new(sb, part);
	}
	json_object_set_new(o, "saving_breakdown", sb);
	json_object_set_new(o, "p_value", ok ? zc_json_number(e->p) : json_null());
	json_object_set_new(o, "p_adjusted", ok ? zc_json_number(r->p_adjusted) : json_null());
	json_object_set_new(o, "serial_correlation", ok ? zc_json_number(e->rho) : json_null());
	json_object_set_new(o, "ratio_se_log", ok ? zc_json_number(e->se_log) : json_null());
	json_object_set_new(o, "ratio_df", ok ? zc_json_number(e->df) : json_null());
	json_object_set_new(o, "invocations", json_integer((json_int_t)(ok ? (r->ninv ? r->ninv : 1) : 0)));
	json_object_set_new(o, "between_run_sd", ok ? zc_json_number(r->levels.between_sd) : json_null());
	json_object_set_new(o, "within_run_se", ok ? zc_json_number(r->levels.within_se) : json_null());
	json_object_set_new(o, "invocation_sd", ok ? zc_json_number(r->levels.invocation_sd) : json_null());
	json_t *ir = json_array();
	for (size_t i = 0; ok && i < r->levels.k; i++)
		json_array_append_new(ir, zc_json_number(exp(r->levels.inv_log[i])));
	json_object_set_new(o, "invocation_ratios", ir);
	json_t *isec = json_array();
	for (size_t i = 0; ok && i < r->ninv; i++)
		json_array_append_new(isec, zc_json_number(r->inv_seconds[i]));
	json_object_set_new(o, "invocation_seconds", isec);
	json_object_set_new(o, "equivalence_margin", ok ? zc_json_number(r->margin) : json_null());
	json_object_set_new(o, "tost_p", ok ? zc_json_number(r->tost_p) : json_null());
	json_object_set_new(o, "tost_p_adjusted", ok ? zc_json_number(r->tost_p_adjusted) : json_null());
	json_object_set_new(o, "verdict", json_string(ok ? zc_verdict_name[r->verdict] : status_name(r->status)));
	json_object_set_new(o, "verdict_reason", ok ? json_string(r->why) : json_null());
	const struct zc_estimate *ce = &r->cpu_ratio_est;
	json_object_set_new(o, "cpu_ratio", ok ? zc_json_number(ce->estimate) : json_null());
	json_object_set_new(o, "cpu_ratio_ci_low", ok ? zc_json_number(ce->ci_low) : json_null());
	json_object_set_new(o, "cpu_ratio_ci_high", ok ? zc_json_number(ce->ci_high) : json_null());
	json_object_set_new(o, "cpu_p_adjusted", ok ? zc_json_number(r->cpu_p_adjusted) : json_null());
	json_object_set_new(o, "cpu_tost_p_adjusted", ok ? zc_json_number(r->cpu_tost_p_adjusted) : json_null());
	json_object_set_new(o, "cpu_between_run_sd", ok ? zc_json_number(r->cpu_levels.between_sd) : json_null());
	json_object_set_new(o, "cpu_verdict", json_string(ok ? zc_verdict_name[r->cpu_verdict] : status_name(r->status)));
	json_object_set_new(o, "cpu_verdict_reason", ok ? json_string(r->cpu_why) : json_null());
	json_object_set_new(o, "peer_bound", ok && r->peer_bound[0] ? json_string(r->peer_bound) : json_null());
	json_object_set_new(o, "system_cpu_vs_proc_stat", ok ? zc_json_number(r->sys_check) : json_null());
	json_object_set_new(o, "predicted_ratio", ok ? zc_json_number(r->predicted_ratio) : json_null());
	json_object_set_new(o, "model_residual", ok ? zc_json_number(r->model_residual) : json_null());
	json_object_set_new(o, "model_explained", json_boolean(ok && r->model_explained));
	json_object_set_new(o, "model_independent", json_boolean(ok && r->model_independent));
	json_object_set_new(o, "model_note", ok ? json_string(r->model_note) : json_null());
	json_t *notes = json_object();
	for (size_t i = 0; i < r->nnotes; i++)
		json_object_set_new(notes, r->note_key[i], json_string(r->note_val[i]));
	json_object_set_new(o, "notes", notes);
	if (ok) {
		json_t *pe = estimate_json(&r->position_est);
		json_object_set_new(pe, "flagged", json_boolean(r->position_flagged));
		json_object_set_new(o, "position_effect", pe);
		json_t *d = json_object();
		json_object_set_new(d, "first_half", zc_json_number(r->drift.first));
		json_object_set_new(d, "second_half", zc_json_number(r->drift.second));
		json_object_set_new(d, "p_value", zc_json_number(r->drift.p));
		json_object_set_new(d, "detected", json_boolean(r->drift.detected));
		json_object_set_new(d, "changes_verdict", json_boolean(r->drift.changes_verdict));
		json_object_set_new(o, "drift", d);
		json_object_set_new(o, "block_ratios", array_json(r->block_ratio, r->blocks));
		json_t *sides = json_object();
		json_object_set_new(sides, "baseline", side_json(r, ZC_BASELINE));
		json_object_set_new(sides, "zerocopy", side_json(r, ZC_ZEROCOPY));
		json_object_set_new(o, "sides", sides);
	}
	return o;
}

/* The run's noise floor: how often the controls (identical sides) were not "same". */
static json_t *noise_floor_json(const struct zc_run *run)
{
	const struct zc_noise_floor *nf = &run->noise_floor;
	json_t *o = json_object();
	json_object_set_new(o, "controls", json_integer((json_int_t)nf->controls));
	json_object_set_new(o, "same", json_integer((json_int_t)nf->same));
	json_object_set_new(o, "false_verdicts", json_integer((json_int_t)nf->false_verdicts));
	json_object_set_new(o, "false_verdict_rate",
			    nf->controls ? json_real((double)nf->false_verdicts / (double)nf->controls) : json_null());
	json_object_set_new(o, "widest_half_width", nf->controls ? json_real(nf->widest_half_width) : json_null());
	return o;
}

static json_t *invocations_json(const struct zc_run *run)
{
	json_t *a = json_array();
	for (size_t i = 0; i < run->ninv; i++) {
		const struct zc_invocation *v = &run->inv[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(v->id));
		json_object_set_new(o, "order_seed", json_integer((json_int_t)v->order_seed));
		json_object_set_new(o, "started_s", zc_json_number(v->started_s));
		json_object_set_new(o, "seconds", zc_json_number(v->seconds));
		json_object_set_new(o, "loop_floor_ns", zc_json_number(v->loop_floor_ns));
		json_object_set_new(o, "ref_ghz", zc_json_number(v->ref_ghz));
		json_object_set_new(o, "sys_overhead_ns", zc_json_number(v->sys_overhead_ns));
		json_object_set_new(o, "layout", json_string(v->layout));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *zc_result_json(const struct zc_run *run, json_t *context)
{
	json_t *doc = json_object();
	json_t *benchmarks = json_array();
	json_t *pairs = json_array();
	size_t family = 0, instance = 0;
	for (size_t k = 0; k < run->n; k++) {
		const struct zc_pair_result *r = &run->results[k];
		/* A family is one pair's side; its instances are the pair's params. */
		if (k > 0 && r->pair != run->results[k - 1].pair) {
			family += 2;
			instance = 0;
		}
		if (r->status == ZC_ST_OK) {
			for (int s = 0; s < ZC_NSIDES; s++)
				add_iteration_entries(benchmarks, r, s, family + (size_t)s, instance);
			for (int s = 0; s < ZC_NSIDES; s++)
				add_median_entry(benchmarks, r, s, family + (size_t)s, instance);
		} else {
			add_failed_entries(benchmarks, r, family, instance);
		}
		json_array_append_new(pairs, pair_entry(r));
		instance++;
	}
	json_object_set_new(context, "noise_floor", noise_floor_json(run));
	json_object_set_new(context, "invocations", invocations_json(run));
	json_t *fam = json_object();
	size_t nc = 0;
	for (size_t i = 0; i < run->n; i++)
		nc += (run->results[i].pair->flags & ZC_PAIR_CONTROL) != 0;
	json_object_set_new(fam, "size", json_integer((json_int_t)(run->family > run->n - nc ? run->family : run->n - nc)));
	json_object_set_new(fam, "controls", json_integer((json_int_t)(run->control_family > nc ? run->control_family : nc)));
	json_object_set_new(fam, "rule", json_string(run->family_rule));
	json_object_set_new(context, "holm_family", fam);
	json_t *mg = json_object();
	for (int k = 0; k < ZC_NKINDS; k++) {
		json_t *m = json_object();
		json_object_set_new(m, "pairs", json_integer((json_int_t)run->margins[k].pairs));
		json_object_set_new(m, "between_run_sd", zc_json_number(run->margins[k].between_sd));
		json_object_set_new(m, "margin", zc_json_number(run->margins[k].margin));
		json_object_set_new(mg, zc_kind_name[k], m);
	}
	json_object_set_new(context, "equivalence_margins", mg);
	json_object_set_new(doc, "context", context);
	json_object_set_new(doc, "benchmarks", benchmarks);
	json_object_set_new(doc, "pairs", pairs);
	return doc;
}

/* ---- human table ---- */
static const char *fmt_time(char *buf, size_t len, double ns)
{
	double a = fabs(ns);
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (a < 10)
		snprintf(buf, len, "%.3f ns", ns);
	else if (a < 1e4)
		snprintf(buf, len, "%.1f ns", ns);
	else if (a < 1e7)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	return buf;
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f", v);
}

void zc_print_table_header(FILE *f)
{
	fprintf(f, "%-44s %-8s %12s %7s %9s %8s %8s %8s %6s\n", "pair/param", "side", "time/op",
		"+-ci", "GB/s", "sys/op", "flt/op", "csw/op", "copies");
}

void zc_print_table(FILE *f, const struct zc_pair_result *r)
{
	char label[160];
	snprintf(label, sizeof label, "%s/%s", r->pair->name, r->param->name);
	if (r->status != ZC_ST_OK) {
		fprintf(f, "%-44s %s: %s\n", label, status_name(r->status), r->message);
		return;
	}
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_result *sr = &r->side[s];
		char t[32], bw[32], c1[32], c2[32], c3[32], pm[32];
		fmt_time(t, sizeof t, sr->real.value);
		if (isfinite(sr->real_half_width))
			snprintf(pm, sizeof pm, "%.1f%%", sr->real_half_width * 100);
		else
			snprintf(pm, sizeof pm, "-");
		if (isfinite(sr->bytes_per_second))
			snprintf(bw, sizeof bw, "%.2f", sr->bytes_per_second / 1e9);
		else
			snprintf(bw, sizeof bw, "-");
		fmt_num(c1, sizeof c1, sr->cnt_median[ZC_CNT_SYSCALLS].value);
		fmt_num(c2, sizeof c2, sr->cnt_median[ZC_CNT_PAGE_FAULTS].value);
		fmt_num(c3, sizeof c3, sr->cnt_median[ZC_CNT_CTX_SWITCHES].value);
		fprintf(f, "%-44s %-8s %12s %7s %9s %8s %8s %8s %6g%s\n", s == 0 ? label : "",
			side_name[s], t, pm, bw, c1, c2, c3, r->pair->side[s].copies_per_iter,
			sr->at_floor ? "  at loop floor" : "");
	}
	const struct zc_estimate *e = &r->ratio_est;
	char save[32], t0[32], t1[32];
	fmt_time(save, sizeof save, fabs(r->saving_ns));
	fprintf(f, "%-44s ratio %s  %.0f%% CI [%.3f, %.3f]  %s  %s %s/op  (%zu invocations, %zu blocks)\n", "",
		r->ratio_display, e->level * 100, e->ci_low, e->ci_high, zc_verdict_name[r->verdict], r->saving_ns >= 0 ? "saves" : "costs", save,
		r->ninv ? r->ninv : 1, r->blocks);
	if (isfinite(r->levels.between_sd))
		fprintf(f, "%-44s between-run SD %.1f%%, within-run SE %.1f%%; margin +-%.1f%%\n", "",
			r->levels.between_sd * 100, r->levels.within_se * 100, r->margin * 100);
	if ((r->verdict != ZC_V_FASTER && r->verdict != ZC_V_SLOWER) || r->peer_bound[0])
		fprintf(f, "%-44s %s\n", "", r->why);
	const struct zc_estimate *ce = &r->cpu_ratio_est;
	fprintf(f, "%-44s system CPU/op %s -> %s  cpu ratio %s [%.3f, %.3f]  %s; busy %.0f%% / %.0f%%\n", "",
		fmt_time(t0, sizeof t0, r->side[0].sys.value), fmt_time(t1, sizeof t1, r->side[1].sys.value),
		r->cpu_ratio_display, ce->ci_low, ce->ci_high, zc_verdict_name[r->cpu_verdict], r->side[0].busy.value * 100,
		r->side[1].busy.value * 100);
	if (r->peer_bound[0])
		fprintf(f, "%-44s peer-bound: %s\n", "", r->peer_bound);
	fprintf(f, "%-44s model: %s\n", "", r->model_note);
	for (int s = 0; s < ZC_NSIDES; s++)
		if (isfinite(r->side[s].zc_effective))
			fprintf(f, "%-44s %s: zero-copy effective %.0f%% (kernel copied %llu of %llu), copies/op %g\n", "",
				side_name[s], r->side[s].zc_effective * 100, (unsigned long long)r->side[s].zc_copied,
				(unsigned long long)(r->side[s].zc_zero + r->side[s].zc_copied),
				r->side[s].copies_measured);
	if (r->side[0].stolen + r->side[1].stolen + r->side[0].slowed + r->side[1].slowed)
		fprintf(f, "%-44s host: %zu samples stolen from, %zu slowed (of %zu)\n", "",
			r->side[0].stolen + r->side[1].stolen, r->side[0].slowed + r->side[1].slowed,
			2 * r->rounds);
}

/* ---- Go benchmark text format ---- */
void zc_print_benchstat(FILE *f, const struct zc_pair_result *r)
{
	if (r->status != ZC_ST_OK)
		return;
	for (int s = 0; s < ZC_NSIDES; s++) {
		const struct zc_side_result *sr = &r->side[s];
		for (size_t k = 0; k < sr->n; k++) {
			/* "Benchmark" must not be followed by a lower-case letter: '_' keeps the
			 * zcbench name readable and greppable. The "-1" is Go's GOMAXPROCS. */
			fprintf(f, "Benchmark_%s/side=%s/param=%s-1 %llu %.4f ns/op", r->pair->name,
				side_name[s], r->param->name, (unsigned long long)sr->iterations,
				sr->real_ns[k]);
			if (isfinite(sr->sample_bytes_per_second[k]))
				fprintf(f, " %.2f MB/s", sr->sample_bytes_per_second[k] / 1e6);
			fprintf(f, " %.4f cpu-ns/op\n", sr->cpu_ns[k]);
		}
	}
}

