/*
 * run_command.c - a run's lifecycle: select, open the result file (failing early), pin,
 * measure the loop floor, the probe and the machine's costs, run the invocations, measure
 * the costs again, analyse once, print, and write the result atomically (or nothing when
 * interrupted). Also the machine's costs alone (zcbench machine) and the test data.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static void on_signal(int sig)
{
	if (zc_interrupted()) {
		/* second Ctrl-C: at once; the unnamed result file vanishes with us */
		zc_invocation_signal(SIGKILL);
		_exit(130);
	}
	zc_set_interrupted(1);
	zc_invocation_signal(sig); /* a signal sent to the driver alone reaches the worker too */
}

void zc_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* socket pairs see EPIPE as an error instead of dying */
}

/* How many different memory layouts the invocations had, in words for the context. */
static void aslr_text(const struct zc_options *o, const struct zc_run *run, char *out, size_t len)
{
	size_t distinct = 0;
	for (size_t i = 0; i < run->ninv; i++) {
		size_t j = 0;
		while (j < i && strcmp(run->inv[j].layout, run->inv[i].layout) != 0)
			j++;
		distinct += j == i;
	}
	snprintf(out, len, "%s: %zu distinct memory layouts in %zu invocations",
		 o->no_aslr ? "off for the invocations (--no-aslr, personality ADDR_NO_RANDOMIZE)" : "on", distinct,
		 run->ninv);
}

int zc_testdata_command(const struct zc_options *o)
{
	size_t sizes[64];
	int sweep[64];
	int n = zc_recipe_sizes(sizes, sweep, 64);
	if (n <= 0) {
		fprintf(stderr, "zcbench: cannot read the test data recipe (testdata/recipe.txt)\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (sweep[i] && !o->sweep)
			continue;
		struct zc_testdata td;
		if (zc_testdata_open(sizes[i], &td) != ZC_OK) {
			fprintf(stderr, "zcbench: %s\n", zc_last_message());
			return 1;
		}
		printf("%s: %zu bytes, xxh3 %016llx, on %s\n", td.path, td.bytes,
		       (unsigned long long)td.xxh3, td.fstype);
		zc_testdata_close(&td);
	}
	return 0;
}

/* The result file opened (failing before anything runs) and the core pinned: the core, or
 * -1 after a message (nothing left open). */
static int open_and_pin(const struct zc_options *o, struct zc_outfile *out)
{
	char err[512];
	if (o->out && zc_out_open(out, o->out, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		return -1;
	}
	int cpu = zc_pin_cpu(o->cpu, err, sizeof err);
	if (cpu < 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		zc_out_abort(out);
	}
	return cpu;
}

/* zcbench --machine-profile: the primitives alone, printed and (with --out) written with
 * the machine's fingerprint, so that --attribute can compare two machines' profiles. */
int zc_machine_command(const struct zc_options *o)
{
	struct zc_outfile out = {.fd = -1};
	int cpu = open_and_pin(o, &out);
	if (cpu < 0)
		return 2;
	static struct zc_run run;
	run.alpha = o->alpha;
	run.equivalence = o->equivalence;
	struct zc_run_config cfg = {.rounds = o->rounds, .min_time = o->min_time, .cpu = cpu};
	run.loop_floor_ns = zc_loop_floor_ns(&cfg);
	int rc = zc_costs_measure(&run.costs, o->min_time < ZC_PROFILE_MIN_TIME ? o->min_time : ZC_PROFILE_MIN_TIME, 0);
	zc_costs_print(stdout, &run.costs);
	if (rc != ZC_OK) {
		fprintf(stderr, "zcbench: machine profile: %s\n", run.costs.error);
		zc_out_abort(&out);
		return 1;
	}
	if (!o->out)
		return 0;
	zc_counters_open(&run.counters);
	json_t *ctx = zc_run_context(o, cpu, &run);
	zc_counters_close(&run.counters);
	json_object_set_new(ctx, "machine_profile", zc_costs_json(&run.costs));
	json_t *doc = zc_result_json(&run, ctx);
	rc = zc_out_write_json(&out, o->out, doc, "zcbench");
	json_decref(doc);
	return rc;
}

int zc_run_command(struct zc_options *o)
{
	size_t total = zc_select(o, NULL, 0);
	if (total == 0) {
		fprintf(stderr, "zcbench: no pair/param matches --filter '%s' (see --list)\n",
			o->filter ? o->filter : "");
		return 2;
	}

	struct zc_outfile out = {.fd = -1};
	int cpu = open_and_pin(o, &out);
	if (cpu < 0)
		return 2;
	zc_catch_signals();

	static struct zc_run run;
	run.results = calloc(total, sizeof *run.results);
	if (!run.results) {
		fprintf(stderr, "zcbench: out of memory\n");
		return 1;
	}
	run.n = total;
	run.alpha = o->alpha;
	run.equivalence = o->equivalence;
	zc_family_size(o, &run);
	if (!o->seed)
		o->seed = ((unsigned long long)zc_now_ns() ^ ((unsigned long long)getpid() << 32)) >> 11;
	struct zc_run_config cfg = {.rounds = o->rounds, .min_time = o->min_time, .cpu = cpu};
	run.loop_floor_ns = zc_loop_floor_ns(&cfg);
	double probes[21];
	for (int k = 0; k < 21; k++)
		probes[k] = zc_freq_probe(zc_now_ns);
	run.ref_ghz = zc_median(probes, 21);
	run.sys_overhead_ns = zc_sys_overhead();
	double min_time = o->min_time < ZC_PROFILE_MIN_TIME ? o->min_time : ZC_PROFILE_MIN_TIME;
	if (!o->no_profile) {
		fprintf(stderr, "[profile] the machine's primitive costs\n");
		/* A --quick run (CI-sized) measures it once and stops at 4 MiB. */
		zc_costs_measure(&run.costs, min_time, o->quick ? 4u << 20 : 0);
	} else {
		snprintf(run.costs.error, sizeof run.costs.error, "not measured (--no-machine-profile)");
	}
	/* Which counters exist here (and tracefs mounted if it can be), for the context; the
	 * counted samples open their own and close them again. */
	zc_counters_open(&run.counters);
	json_t *ctx = zc_run_context(o, cpu, &run);
	zc_counters_close(&run.counters);
	for (size_t i = 0; i < run.nwarnings; i++)
		fprintf(stderr, "zcbench: warning: %s\n", run.warnings[i]);

	int rc = zc_run_invocations(o, &run, ctx);
	/* The profile again: the machine may have changed while the pairs ran. Pooled with the
	 * invocations' own, it describes the processes the pairs ran in, not this one alone. */
	if (!o->no_profile && !o->quick && run.costs.measured && !zc_interrupted()) {
		static struct zc_costs after;
		fprintf(stderr, "[profile] again, after the pairs\n");
		int ok = zc_costs_measure(&after, min_time, 0) == ZC_OK;
		zc_costs_pool(&run.costs, ok ? &after : NULL, run.inv_costs, run.ninv_costs);
	}
	free(run.inv_costs);
	run.inv_costs = NULL;
	for (size_t i = 0; i < run.n; i++)
		if (run.results[i].status == ZC_ST_ERROR && rc != 130)
			fprintf(stderr, "zcbench: %s/%s: %s\n", run.results[i].pair->name, run.results[i].param->name,
				run.results[i].message);
	/* Verdicts need every pair's p-value (run-wide error control): the table comes last. */
	zc_analyse_run(&run);
	if (o->format == ZC_FMT_BENCHSTAT && !zc_interrupted()) {
		printf("goos: linux\ngoarch: %s\npkg: zcbench\ncpu: %s\n",
		       json_string_value(json_object_get(ctx, "arch")),
		       json_string_value(json_object_get(ctx, "cpu_model")));
		for (size_t i = 0; i < run.n; i++)
			zc_print_benchstat(stdout, &run.results[i]);
	}
	if (o->format == ZC_FMT_TABLE && !zc_interrupted()) {
		printf("zcbench %s: %zu pair/params, %d invocations of %d rounds (AB|BA blocks), min-time %gs per side, pinned to cpu%d\n",
		       ZC_VERSION, run.n, o->invocations, o->rounds, o->min_time, cpu);
		printf("ratio = baseline time / zero-copy time (>1: zero-copy faster); interval over the invocations; verdicts: Holm over %zu pairs (controls apart), alpha %g, same within +-%g%% or the re-run spread; loop floor %.3f ns\n\n",
		       run.family, o->alpha, o->equivalence * 100, run.loop_floor_ns);
		zc_print_table_header(stdout);
		for (size_t i = 0; i < run.n; i++)
			zc_print_table(stdout, &run.results[i]);
	}
	fflush(stdout);

	if (zc_interrupted()) {
		/* Nothing half-done is written: the unnamed result file is dropped. */
		fprintf(stderr, "zcbench: interrupted; no result file written\n");
		zc_out_abort(&out);
		rc = 130;
	} else if (o->out) {
		char aslr[256];
		aslr_text(o, &run, aslr, sizeof aslr);
		json_object_set_new(ctx, "aslr_process", json_string(aslr));
		json_t *w = json_array();
		for (size_t i = 0; i < run.nwarnings; i++)
			json_array_append_new(w, json_string(run.warnings[i]));
		json_object_set_new(ctx, "warnings", w);
		json_object_set_new(ctx, "machine_profile", zc_costs_json(&run.costs));
		json_t *doc = zc_result_json(&run, ctx);
		ctx = NULL;
		/* The document a reviewer reads, and its samples gzipped beside it. */
		json_t *samples = zc_result_split(doc);
		rc = (samples ? zc_out_write_pair(&out, o->out, doc, samples, ZC_SAMPLES_KEY, ZC_RESULT_DIGITS, "zcbench")
			      : zc_out_write_json(&out, o->out, doc, "zcbench")) ? 1 : rc;
		json_decref(samples);
		json_decref(doc);
	}
	if (ctx)
		json_decref(ctx);
	for (size_t i = 0; i < run.n; i++)
		zc_pair_result_free(&run.results[i]);
	free(run.results);
	return rc;
}
