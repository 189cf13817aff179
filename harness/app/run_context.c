/*
 * run_context.c - a run's context: the machine's facts (machine/fingerprint.c) and the
 * run's own settings, the analysis's and sampling's rules, the counters it could open.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v && *v ? v : "unknown"));
}

static void counters(json_t *ctx, struct zc_run *run)
{
	json_t *o = json_object();
	char refused[512] = "";
	for (int i = 0; i < ZC_NCOUNTERS; i++) {
		const char *why = run->counters.reason[i];
		json_object_set_new(o, zc_counter_event[i],
				    json_string(zc_counters_available(&run->counters, (enum zc_counter)i) ? "ok" : why));
		if (!zc_counters_available(&run->counters, (enum zc_counter)i)) {
			size_t l = strlen(refused);
			snprintf(refused + l, sizeof refused - l, "%s%s", l ? ", " : "", zc_counter_event[i]);
		}
	}
	json_object_set_new(ctx, "counters", o);
	set_str(ctx, "counter_overhead",
		"counts of an empty counted window (measured in every counted block) are subtracted; "
		"the time cost is pairs[].sides.*.counted_over_uncounted");
	set_str(ctx, "tracefs", run->counters.tracefs);
	if (refused[0])
		zc_add_warning(run, "perf counters unavailable, reported as null: %s (reasons in context.counters)", refused);
}

json_t *zc_run_context(const struct zc_options *opt, int cpu, struct zc_run *run)
{
	json_t *ctx = zc_machine_facts(opt->machine, cpu, run);
	json_object_set_new(ctx, "json_schema_version", json_integer(6));
	zc_machine_pinned(ctx, cpu, run);
	set_str(ctx, "timer", "CLOCK_MONOTONIC (wall), CLOCK_THREAD_CPUTIME_ID (cpu_time)");
	set_str(ctx, "command_line", opt->cmdline);
	json_object_set_new(ctx, "invocations_requested", json_integer(opt->invocations));
	json_object_set_new(ctx, "order_seed", json_integer((json_int_t)opt->seed));
	json_object_set_new(ctx, "rounds", json_integer(opt->rounds));
	json_object_set_new(ctx, "blocks", json_integer(opt->rounds / 2));
	json_object_set_new(ctx, "min_time_s", json_real(opt->min_time));
	json_object_set_new(ctx, "alpha", json_real(opt->alpha));
	json_object_set_new(ctx, "equivalence", json_real(opt->equivalence));
	set_str(ctx, "analysis",
		"invocations (fresh processes) as the unit of replication: per invocation the mean log block ratio "
		"(block ratio sqrt(r_AB*r_BA)); the pair's ratio the mean over invocations with a t interval of "
		"k-1 degrees of freedom; between-run SD and within-run SE reported apart; Holm over the family of "
		"a default run, controls apart (context.holm_family), difference and equivalence tests each a family, time and CPU "
		"each their own; same = TOST at alpha within the margin (max of equivalence and 2 x the kind's "
		"between-run SD, context.equivalence_margins), winning over a difference inside the margin; "
		"unstable = first and second half of the invocations differ (Welch p<0.01) across the band");
	set_str(ctx, "sampling",
		"k invocations one after the other, each a re-executed process running every selected pair once in "
		"an order of its own (seeded); per pair and invocation each side calibrated to min_time on its "
		"own, then rounds/2 AB|BA blocks of timed samples with no perf event open, and, in invocations 0, "
		"3, 6, ..., one counted AB|BA block (counters open only then) per four timed blocks, at least one");
	json_object_set_new(ctx, "loop_floor_ns", zc_json_number(run->loop_floor_ns));
	char acct[600], irq[400];
	zc_sys_describe(acct, sizeof acct);
	zc_sys_irq_time_accounting(irq, sizeof irq);
	json_t *ca = json_object();
	json_object_set_new(ca, "method", json_string(acct));
	json_object_set_new(ca, "irq_time_accounting", json_string(irq));
	json_object_set_new(ca, "user_hz", json_integer(sysconf(_SC_CLK_TCK)));
	json_object_set_new(ca, "empty_window_ns", zc_json_number(run->sys_overhead_ns));
	char rule[200];
	snprintf(rule, sizeof rule,
		 "a timed sample is peer-bound when the benchmark thread ran under %.0f%% of it or switched out "
		 "%g times or more per iteration", ZC_PEER_BOUND_BUSY * 100, ZC_PEER_BOUND_CSW_PER_OP);
	json_object_set_new(ca, "peer_bound_rule", json_string(rule));
	json_object_set_new(ctx, "cpu_accounting", ca);
	json_object_set_new(ctx, "probe_reference_ghz", zc_json_number(run->ref_ghz));
	json_object_set_new(ctx, "quick", json_boolean(opt->quick));
	json_object_set_new(ctx, "sweep", json_boolean(opt->sweep));
	json_object_set_new(ctx, "filter", opt->filter ? json_string(opt->filter) : json_null());
	set_str(ctx, "buffer_alignment", "page-aligned unless a param says otherwise (see pairs[].param_desc)");
	counters(ctx, run);
	return ctx;
}
