/*
 * load.c - a result document read back into the run's data model: what the runner wrote
 * (every timed sample, the counted samples, the whole-machine totals, the invocations),
 * so that the same analysis can run on it again. Invocation workers hand their samples
 * to the run this way, and --reanalyse reads a committed result the same way.
 *
 * Results from before invocations load as one invocation; fields a result predates are
 * NAN (or 0 for totals). Pairs this build does not have are left out, with a message.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

static const char *const side_key[ZC_NSIDES] = {"baseline", "zerocopy"};

static double num_or_nan(const json_t *v)
{
	return zc_json_real10(v);
}

/* An array of numbers into x[0..n) (missing entries NAN). */
static void numbers(const json_t *a, double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = num_or_nan(json_array_get(a, i));
}

/* The timed samples of one side: benchmarks[] iteration entries named `name`, in
 * repetition order. Returns how many, 0 when there are none. */
static size_t side_entries(const json_t *by_name, const char *name, const json_t **out, size_t max)
{
	const json_t *list = json_object_get(by_name, name);
	size_t n = 0, i;
	const json_t *e;
	json_array_foreach(list, i, e)
	{
		const json_t *k = json_object_get(e, "repetition_index");
		size_t idx = json_is_integer(k) ? (size_t)json_integer_value(k) : i;
		if (idx < max) {
			out[idx] = e;
			n = idx + 1 > n ? idx + 1 : n;
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!out[j])
			return 0; /* a hole: not a complete side */
	return n;
}

static void load_totals(const json_t *side, struct zc_side_result *sr)
{
	const json_t *sys = json_object_get(side, "system");
	sr->window_ns_sum = num_or_nan(json_object_get(sys, "window_ns"));
	sr->sys_ns_sum = num_or_nan(json_object_get(sys, "system_cpu_ns_total"));
	sr->stat_busy_ns_sum = num_or_nan(json_object_get(sys, "proc_stat_busy_ns_total"));
	const json_t *fields = json_object_get(sys, "proc_stat_ns_total");
	for (int f = 0; f < ZC_NSTAT; f++)
		sr->stat_ns_sum[f] = num_or_nan(json_object_get(fields, zc_stat_field_name[f]));
	const json_t *cores = json_object_get(sys, "proc_stat_busy_ns_per_cpu");
	size_t nc = json_array_size(cores);
	sr->ncpu = (int)(nc < ZC_SYS_MAX_CPUS ? nc : ZC_SYS_MAX_CPUS);
	numbers(cores, sr->cpu_busy_ns_sum, (size_t)sr->ncpu);
	const json_t *z = json_object_get(side, "zerocopy_reported");
	sr->zc_zero = (uint64_t)json_integer_value(json_object_get(z, "zero_copied"));
	sr->zc_copied = (uint64_t)json_integer_value(json_object_get(z, "copied"));
}

static int load_side(const json_t *by_name, const json_t *pe, int s, struct zc_pair_result *r, size_t rounds,
		     const json_t **entries)
{
	const json_t *side = json_object_get(json_object_get(pe, "sides"), side_key[s]);
	const json_t *counted = json_object_get(side, "counted");
	size_t ncounted = json_is_array(json_object_get(counted, "time_ns"))
				  ? json_array_size(json_object_get(counted, "time_ns")) : 0;
	struct zc_side_result *sr = &r->side[s];
	if (zc_side_alloc(sr, rounds, ncounted) != 0)
		return -1;
	const char *name = json_string_value(json_object_get(pe, side_key[s]));
	memset(entries, 0, rounds * sizeof *entries);
	if (!name || side_entries(by_name, name, entries, rounds) != rounds)
		return -1;
	for (size_t k = 0; k < rounds; k++) {
		const json_t *e = entries[k];
		sr->real_ns[k] = num_or_nan(json_object_get(e, "real_time"));
		sr->cpu_ns[k] = num_or_nan(json_object_get(e, "cpu_time"));
		sr->steal_ns[k] = num_or_nan(json_object_get(e, "steal_ns"));
		sr->run_delay_ns[k] = num_or_nan(json_object_get(e, "run_delay_ns"));
		sr->ghz_before[k] = num_or_nan(json_object_get(e, "probe_ghz_before"));
		sr->ghz_after[k] = num_or_nan(json_object_get(e, "probe_ghz_after"));
		sr->host_flags[k] = (json_is_true(json_object_get(e, "host_stolen")) ? ZC_HOST_STOLEN : 0) |
				    (json_is_true(json_object_get(e, "host_slowed")) ? ZC_HOST_SLOWED : 0);
		sr->sys_ns[k] = num_or_nan(json_object_get(e, "system_cpu_ns"));
		sr->peers_ns[k] = num_or_nan(json_object_get(e, "peers_cpu_ns"));
		sr->stat_busy_ns[k] = num_or_nan(json_object_get(e, "proc_stat_busy_ns"));
		sr->csw[k] = num_or_nan(json_object_get(e, "context_switches"));
		if (s == ZC_BASELINE) {
			/* first[k]: the side that ran first in round k; results that predate
			 * "position" ran AB in even rounds. */
			const char *pos = json_string_value(json_object_get(e, "position"));
			r->first[k] = pos ? strcmp(pos, "first") != 0 : (unsigned char)(k % 2);
		}
		/* A new invocation starts where the entries' invocation number changes. */
		const json_t *inv = json_object_get(e, "invocation");
		unsigned id = json_is_integer(inv) ? (unsigned)json_integer_value(inv) : 0;
		if (s == ZC_BASELINE && (k == 0 || id != r->inv_id[r->ninv - 1])) {
			if (r->ninv == ZC_MAX_INVOCATIONS)
				return -1;
			r->inv_start[r->ninv] = k;
			r->inv_id[r->ninv++] = id;
		}
		size_t i = s == ZC_BASELINE ? r->ninv - 1 : 0;
		if (s != ZC_BASELINE)
			while (i + 1 < r->ninv && r->inv_start[i + 1] <= k)
				i++;
		r->inv_iterations[i][s] = (uint64_t)json_integer_value(json_object_get(e, "iterations"));
	}
	sr->n = rounds;
	sr->iterations = (uint64_t)json_integer_value(json_object_get(side, "iterations"));
	sr->ncounted = ncounted;
	numbers(json_object_get(counted, "time_ns"), sr->counted_real_ns, ncounted);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		numbers(json_object_get(counted, zc_counter_key[i]), sr->cnt[i], ncounted);
	load_totals(side, sr);
	return 0;
}

static void load_notes(const json_t *pe, struct zc_pair_result *r)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(pe, "notes"), key, v)
	{
		if (r->nnotes == ZC_MAX_NOTES || !json_is_string(v))
			break;
		snprintf(r->note_key[r->nnotes], sizeof r->note_key[0], "%s", key);
		snprintf(r->note_val[r->nnotes], sizeof r->note_val[0], "%s", json_string_value(v));
		r->nnotes++;
	}
}

/* One pairs[] entry into r (zeroed). 1: loaded; 0: not in this build (left out). */
static int load_pair(const json_t *by_name, const json_t *pe, struct zc_pair_result *r, const json_t **entries,
		     char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(pe, "name"));
	const char *param = json_string_value(json_object_get(pe, "param"));
	const char *status = json_string_value(json_object_get(pe, "status"));
	const struct zc_pair *p = name ? zc_registry_find(name) : NULL;
	const struct zc_param *q = NULL;
	for (size_t k = 0; p && param && k < p->nparams; k++)
		if (strcmp(p->params[k].name, param) == 0)
			q = &p->params[k];
	if (!q)
		return 0;
	memset(r, 0, sizeof *r);
	r->pair = p;
	r->param = q;
	r->verdict = ZC_V_UNKNOWN;
	load_notes(pe, r);
	const char *msg = json_string_value(json_object_get(pe, "message"));
	snprintf(r->message, sizeof r->message, "%s", msg ? msg : "");
	if (!status || strcmp(status, "ok") != 0) {
		r->status = status && strcmp(status, "skipped") == 0 ? ZC_ST_SKIPPED : ZC_ST_ERROR;
		return 1;
	}
	const json_t *base = json_object_get(by_name, json_string_value(json_object_get(pe, "baseline")));
	size_t rounds = json_array_size(base);
	if (rounds == 0 || rounds > ZC_MAX_LOADED_ROUNDS || !(r->ratio = calloc(rounds, sizeof(double))) ||
	    !(r->first = calloc(rounds, 1))) {
		snprintf(err, errlen, "%s/%s: no timed samples, or too many", name, param);
		return -1;
	}
	for (int s = 0; s < ZC_NSIDES; s++) {
		if (load_side(by_name, pe, s, r, rounds, entries) != 0) {
			snprintf(err, errlen, "%s/%s: the %s's samples are incomplete", name, param, side_key[s]);
			return -1;
		}
	}
	r->inv_start[r->ninv] = rounds;
	for (size_t i = 0; i < r->ninv; i++)
		r->inv_seconds[i] = num_or_nan(json_array_get(json_object_get(pe, "invocation_seconds"), i));
	for (size_t k = 0; k < rounds; k++)
		r->ratio[k] = r->side[0].real_ns[k] / r->side[1].real_ns[k];
	r->rounds = rounds;
	r->verified = json_is_true(json_object_get(pe, "verified"));
	r->status = ZC_ST_OK;
	return 1;
}

/* The run's settings and invocations from the context. */
static void load_context(const json_t *ctx, struct zc_run *run)
{
	/* The machine profile the run measured: the models are derived from it again, with
	 * today's declarations (a result without one gets no predicted ratio, as it had). */
	zc_costs_from_json(json_object_get(ctx, "machine_profile"), &run->costs);
	run->loop_floor_ns = num_or_nan(json_object_get(ctx, "loop_floor_ns"));
	run->ref_ghz = num_or_nan(json_object_get(ctx, "probe_reference_ghz"));
	const json_t *a = json_object_get(ctx, "alpha"), *q = json_object_get(ctx, "equivalence");
	if (json_is_number(a))
		run->alpha = json_number_value(a);
	if (json_is_number(q))
		run->equivalence = json_number_value(q);
	const json_t *fam = json_object_get(ctx, "holm_family");
	run->family = (size_t)json_integer_value(json_object_get(fam, "size"));
	run->control_family = (size_t)json_integer_value(json_object_get(fam, "controls"));
	const char *rule = json_string_value(json_object_get(fam, "rule"));
	snprintf(run->family_rule, sizeof run->family_rule, "%s",
		 rule ? rule : "the pairs that ran, controls apart (the result predates fixed families)");
	size_t i;
	const json_t *e;
	run->ninv = 0;
	json_array_foreach(json_object_get(ctx, "invocations"), i, e)
	{
		if (run->ninv == ZC_MAX_INVOCATIONS)
			break;
		struct zc_invocation *v = &run->inv[run->ninv++];
		v->id = (unsigned)json_integer_value(json_object_get(e, "id"));
		v->order_seed = (unsigned long long)json_integer_value(json_object_get(e, "order_seed"));
		v->started_s = num_or_nan(json_object_get(e, "started_s"));
		v->seconds = num_or_nan(json_object_get(e, "seconds"));
		v->loop_floor_ns = num_or_nan(json_object_get(e, "loop_floor_ns"));
		v->ref_ghz = num_or_nan(json_object_get(e, "ref_ghz"));
		v->sys_overhead_ns = num_or_nan(json_object_get(e, "sys_overhead_ns"));
		const char *lay = json_string_value(json_object_get(e, "layout"));
		snprintf(v->layout, sizeof v->layout, "%s", lay ? lay : "");
	}
	zc_run_take_loop_floor(run); /* as the run took it */
}

void zc_run_take_loop_floor(struct zc_run *run)
{
	double floors[ZC_MAX_INVOCATIONS];
	size_t nf = 0;
	for (size_t k = 0; k < run->ninv; k++)
		if (isfinite(run->inv[k].loop_floor_ns))
			floors[nf++] = run->inv[k].loop_floor_ns;
	if (nf)
		run->loop_floor_ns = zc_median(floors, nf);
}

json_t *zc_result_read(const char *path, const char *who)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (!doc) {
		fprintf(stderr, "zcbench: %s %s: not readable JSON (%s, line %d)\n", who, path, e.text, e.line);
		return NULL;
	}
	if (!json_is_object(json_object_get(doc, "context")) || !json_is_array(json_object_get(doc, "pairs"))) {
		fprintf(stderr, "zcbench: %s %s: not a zcbench result (no context object and pairs array)\n", who, path);
		json_decref(doc);
		return NULL;
	}
	const json_t *sf = json_object_get(doc, ZC_SAMPLES_KEY);
	if (!sf)
		return doc; /* one document (results before json_schema_version 6) */
	const char *name = json_string_value(sf);
	char spath[4096], err[512];
	const char *slash = strrchr(path, '/');
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		fprintf(stderr, "zcbench: %s %s: %s is not a file name in the result's folder\n", who, path,
			ZC_SAMPLES_KEY);
		json_decref(doc);
		return NULL;
	}
	snprintf(spath, sizeof spath, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, name);
	json_t *samples = zc_json_load_gz(spath, err, sizeof err);
	if (!samples) {
		fprintf(stderr, "zcbench: %s %s: its samples file cannot be read: %s\n", who, path, err);
		json_decref(doc);
		return NULL;
	}
	int rc = zc_result_join(doc, samples, err, sizeof err);
	json_decref(samples);
	if (rc != 0) {
		fprintf(stderr, "zcbench: %s %s: %s: %s\n", who, path, spath, err);
		json_decref(doc);
		return NULL;
	}
	json_object_del(doc, ZC_SAMPLES_KEY);
	return doc;
}

int zc_run_load(const json_t *doc, struct zc_run *run, char *err, size_t errlen)
{
	const json_t *pairs = json_object_get(doc, "pairs"), *benchmarks = json_object_get(doc, "benchmarks");
	if (!json_is_array(pairs) || !json_is_array(benchmarks) || !json_is_object(json_object_get(doc, "context"))) {
		snprintf(err, errlen, "not a zcbench result (no context, pairs and benchmarks)");
		return -1;
	}
	load_context(json_object_get(doc, "context"), run);
	/* benchmarks[] by name: the measured iteration entries of each side. */
	json_t *by_name = json_object();
	size_t i;
	const json_t *e;
	json_array_foreach(benchmarks, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		if (!name || (rt && strcmp(rt, "iteration") != 0) || json_is_true(json_object_get(e, "error_occurred")) ||
		    json_is_true(json_object_get(e, "skipped")))
			continue;
		json_t *list = json_object_get(by_name, name);
		if (!list) {
			list = json_array();
			json_object_set_new(by_name, name, list);
		}
		json_array_append(list, (json_t *)e);
	}
	size_t np = json_array_size(pairs);
	run->results = calloc(np ? np : 1, sizeof *run->results);
	const json_t **entries = calloc(ZC_MAX_LOADED_ROUNDS, sizeof *entries);
	run->n = 0;
	int rc = run->results && entries ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "out of memory");
	const json_t *pe;
	json_array_foreach(pairs, i, pe)
	{
		if (rc)
			break;
		struct zc_pair_result *r = &run->results[run->n];
		int got = load_pair(by_name, pe, r, entries, err, errlen);
		if (got < 0) {
			zc_pair_result_free(r);
			rc = -1;
		} else if (got == 0) {
			fprintf(stderr, "zcbench: %s/%s: not a pair of this build; left out\n",
				json_string_value(json_object_get(pe, "name")),
				json_string_value(json_object_get(pe, "param")));
		} else {
			run->n++;
		}
	}
	free(entries);
	json_decref(by_name);
	if (rc) {
		zc_run_free(run);
		return -1;
	}
	return 0;
}

void zc_run_free(struct zc_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		zc_pair_result_free(&run->results[i]);
	free(run->results);
	run->results = NULL;
	run->n = 0;
}
