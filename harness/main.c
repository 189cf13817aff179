/* main.c - zcbench: options, pinning, the run loop, and where results go. */
#define _GNU_SOURCE
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <sys/personality.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "trace.h"

static int selected(const struct zc_options *o, regex_t *re, const struct zc_pair *p,
		    const struct zc_param *q)
{
	if (!o->sweep && (q->flags & ZC_PARAM_SWEEP))
		return 0;
	if (!o->filter)
		return 1;
	char name[256];
	snprintf(name, sizeof name, "%s/%s", p->name, q->name);
	return regexec(re, name, 0, NULL, 0) == 0;
}

static void list_pairs(void)
{
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		printf("%s%s%s: %s\n", p->name, p->flags & ZC_PAIR_CONTROL ? " [control]" : "",
		       p->flags & ZC_PAIR_STREAM ? " [stream]" : "", p->summary);
		printf("  baseline: %s (copies/iter %g)\n", p->side[0].desc, p->side[0].copies_per_iter);
		printf("  zerocopy: %s (copies/iter %g)\n", p->side[1].desc, p->side[1].copies_per_iter);
		if (p->replaces)
			printf("  replaces: %s\n", p->replaces);
		for (size_t k = 0; k < p->nparams; k++)
			printf("  %s/%s%s  %s\n", p->name, p->params[k].name,
			       p->params[k].flags & ZC_PARAM_SWEEP ? " [sweep]" : "",
			       p->params[k].desc ? p->params[k].desc : "");
	}
}

static int make_testdata(const struct zc_options *o)
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

/*
 * ASLR off for this process only, as Google Benchmark can: set ADDR_NO_RANDOMIZE and
 * re-execute, so that buffer addresses (and their relative alignment) are the same from
 * run to run. Where personality() is refused (a seccomp filter), the run goes on with
 * ASLR and says so in the context.
 */
static void without_aslr(const struct zc_options *o, char **argv)
{
	int pers = personality(0xffffffff);
	if (o->keep_aslr || pers == -1 || (pers & ADDR_NO_RANDOMIZE))
		return;
	if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	personality((unsigned long)pers); /* exec failed: carry on as we were */
}

/* zcbench --machine-profile: the primitives alone, printed and (with --out) written with
 * the machine's fingerprint, so that --attribute can compare two machines' profiles. */
static int machine_profile(const struct zc_options *o)
{
	char err[512];
	struct zc_outfile out = {.fd = -1};
	if (o->out && zc_out_open(&out, o->out, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		return 2;
	}
	int cpu = zc_pin_cpu(o->cpu, err, sizeof err);
	if (cpu < 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		zc_out_abort(&out);
		return 2;
	}
	static struct zc_run run;
	run.alpha = o->alpha;
	run.equivalence = o->equivalence;
	struct zc_run_config cfg = {.rounds = o->rounds, .min_time = o->min_time, .cpu = cpu};
	run.loop_floor_ns = zc_loop_floor_ns(&cfg);
	int rc = zc_profile_measure(&run.profile, o->min_time < ZC_PROFILE_MIN_TIME ? o->min_time : ZC_PROFILE_MIN_TIME, 0);
	zc_profile_print(stdout, &run.profile);
	if (rc != ZC_OK) {
		fprintf(stderr, "zcbench: machine profile: %s\n", run.profile.error);
		zc_out_abort(&out);
		return 1;
	}
	if (!o->out)
		return 0;
	zc_counters_open(&run.counters);
	json_t *ctx = zc_fingerprint(o, cpu, &run);
	zc_counters_close(&run.counters);
	json_object_set_new(ctx, "machine_profile", zc_profile_json(&run.profile));
	json_t *doc = zc_result_json(&run, ctx);
	rc = zc_out_write_json(&out, o->out, doc, "zcbench");
	json_decref(doc);
	return rc;
}

static void on_signal(int sig)
{
	(void)sig;
	if (zc_interrupted())
		_exit(130); /* second Ctrl-C: at once; the unnamed result file vanishes with us */
	zc_set_interrupted(1);
}

int main(int argc, char **argv)
{
	struct zc_options o;
	char err[512];
	if (argc > 1 && !strcmp(argv[1], "profile"))
		return zc_ioprof_main(argc - 1, argv + 1);
	if (zc_parse_args(argc, argv, &o, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		return 2;
	}
	if (o.help) {
		zc_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("zcbench %s\n", ZC_VERSION);
		return 0;
	}
	if (o.list) {
		list_pairs();
		return 0;
	}
	if (o.make_testdata)
		return make_testdata(&o);
	if (o.reanalyse)
		return zc_reanalyse(o.reanalyse, o.alpha, o.equivalence, stdout);
	if (o.attribute[0])
		return zc_attribute(o.attribute[0], o.attribute[1], stdout);
	if (o.machine_name) {
		char name[128], facts[512];
		zc_machine_identity(name, sizeof name, facts, sizeof facts);
		printf("%s\n", o.machine ? o.machine : name);
		return 0;
	}
	if (o.tune)
		return zc_tune(o.thp, o.fault_around);
	if (o.tune_reset)
		return zc_tune_reset();
	if (o.machine_profile)
		return machine_profile(&o);
	without_aslr(&o, argv);

	regex_t re;
	if (o.filter && regcomp(&re, o.filter, REG_EXTENDED | REG_NOSUB) != 0)
		return 2; /* already validated by zc_parse_args */
	size_t total = 0;
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		for (size_t k = 0; k < p->nparams; k++)
			total += (size_t)selected(&o, &re, p, &p->params[k]);
	}
	if (total == 0) {
		fprintf(stderr, "zcbench: no pair/param matches --filter '%s' (see --list)\n",
			o.filter ? o.filter : "");
		if (o.filter)
			regfree(&re);
		return 2;
	}

	struct zc_outfile out = {.fd = -1};
	if (o.out && zc_out_open(&out, o.out, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		if (o.filter)
			regfree(&re);
		return 2;
	}

	int cpu = zc_pin_cpu(o.cpu, err, sizeof err);
	if (cpu < 0) {
		fprintf(stderr, "zcbench: %s\n", err);
		zc_out_abort(&out);
		if (o.filter)
			regfree(&re);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* socket pairs see EPIPE as an error instead of dying */

	static struct zc_run run;
	run.results = calloc(total, sizeof *run.results);
	if (!run.results) {
		fprintf(stderr, "zcbench: out of memory\n");
		return 1;
	}
	run.alpha = o.alpha;
	run.equivalence = o.equivalence;
	struct zc_run_config cfg = {.rounds = o.rounds, .min_time = o.min_time, .cpu = cpu};
	run.loop_floor_ns = zc_loop_floor_ns(&cfg);
	double probes[21];
	for (int k = 0; k < 21; k++)
		probes[k] = zc_freq_probe(zc_now_ns);
	run.ref_ghz = cfg.ref_ghz = zc_median(probes, 21);
	run.sys_overhead_ns = cfg.sys_overhead_ns = zc_sys_overhead();
	if (!o.no_profile) {
		fprintf(stderr, "[profile] the machine's primitive costs\n");
		/* A --quick run (CI-sized) measures it once and stops at 4 MiB. */
		zc_profile_measure(&run.profile, o.min_time < ZC_PROFILE_MIN_TIME ? o.min_time : ZC_PROFILE_MIN_TIME,
				   o.quick ? 4u << 20 : 0);
	} else {
		snprintf(run.profile.error, sizeof run.profile.error, "not measured (--no-machine-profile)");
	}
	/* Which counters exist here (and tracefs mounted if it can be), for the context; the
	 * counted samples open their own and close them again. */
	zc_counters_open(&run.counters);
	json_t *ctx = zc_fingerprint(&o, cpu, &run);
	zc_counters_close(&run.counters);
	for (size_t i = 0; i < run.nwarnings; i++)
		fprintf(stderr, "zcbench: warning: %s\n", run.warnings[i]);

	if (o.format == ZC_FMT_BENCHSTAT) {
		printf("goos: linux\ngoarch: %s\npkg: zcbench\ncpu: %s\n",
		       json_string_value(json_object_get(ctx, "arch")),
		       json_string_value(json_object_get(ctx, "cpu_model")));
	}
	fflush(stdout);

	int failed = 0;
	for (size_t i = 0; i < zc_registry_count() && !zc_interrupted(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		for (size_t k = 0; k < p->nparams && !zc_interrupted(); k++) {
			if (!selected(&o, &re, p, &p->params[k]))
				continue;
			struct zc_pair_result *r = &run.results[run.n];
			fprintf(stderr, "[%zu/%zu] %s/%s\n", run.n + 1, total, p->name, p->params[k].name);
			zc_run_pair(&cfg, p, &p->params[k], r);
			run.n++;
			if (r->status == ZC_ST_ERROR) {
				failed = 1;
				fprintf(stderr, "zcbench: %s/%s: %s\n", p->name, p->params[k].name, r->message);
			}
			if (o.format == ZC_FMT_BENCHSTAT)
				zc_print_benchstat(stdout, r);
			fflush(stdout);
		}
	}
	/* The profile again: the machine may have changed while the pairs ran. */
	if (!o.no_profile && !o.quick && run.profile.measured && !zc_interrupted()) {
		static struct zc_profile after;
		fprintf(stderr, "[profile] again, after the pairs\n");
		if (zc_profile_measure(&after, o.min_time < ZC_PROFILE_MIN_TIME ? o.min_time : ZC_PROFILE_MIN_TIME, 0) == ZC_OK)
			zc_profile_combine(&run.profile, &after);
	}
	/* Verdicts need every pair's p-value (run-wide error control): the table comes last. */
	zc_analyse_run(&run);
	if (o.format == ZC_FMT_TABLE && !zc_interrupted()) {
		printf("zcbench %s: %zu pair/params, %d rounds (AB|BA blocks), min-time %gs per side, pinned to cpu%d\n",
		       ZC_VERSION, run.n, o.rounds, o.min_time, cpu);
		printf("ratio = baseline time / zero-copy time (>1: zero-copy faster); verdicts: Holm, alpha %g, same within +-%g%%; loop floor %.3f ns\n\n",
		       o.alpha, o.equivalence * 100, run.loop_floor_ns);
		zc_print_table_header(stdout);
		for (size_t i = 0; i < run.n; i++)
			zc_print_table(stdout, &run.results[i]);
	}
	if (o.filter)
		regfree(&re);

	int rc = failed ? 1 : 0;
	if (zc_interrupted()) {
		/* Nothing half-done is written: the unnamed result file is dropped. */
		fprintf(stderr, "zcbench: interrupted; no result file written\n");
		zc_out_abort(&out);
		rc = 130;
	} else if (o.out) {
		/* Context entries from benches (implementation choices, test data) and warnings. */
		for (size_t i = 0; i < zc_context_count(); i++)
			json_object_set_new(ctx, zc_context_key(i), json_string(zc_context_value(i)));
		int pers = personality(0xffffffff);
		json_object_set_new(ctx, "aslr_process",
				    json_string(pers != -1 && (pers & ADDR_NO_RANDOMIZE)
							? "off for this process (personality ADDR_NO_RANDOMIZE, re-executed)"
							: "on (--aslr, or personality refused)"));
		json_t *w = json_array();
		for (size_t i = 0; i < run.nwarnings; i++)
			json_array_append_new(w, json_string(run.warnings[i]));
		json_object_set_new(ctx, "warnings", w);
		json_object_set_new(ctx, "machine_profile", zc_profile_json(&run.profile));
		json_t *doc = zc_result_json(&run, ctx);
		ctx = NULL;
		rc = zc_out_write_json(&out, o.out, doc, "zcbench") ? 1 : rc;
		json_decref(doc);
	}
	if (ctx)
		json_decref(ctx);
	for (size_t i = 0; i < run.n; i++)
		zc_pair_result_free(&run.results[i]);
	free(run.results);
	return rc;
}
