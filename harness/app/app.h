/*
 * app.h - the command line (cli.c: options and subcommands), a run's lifecycle (main.c),
 * its invocations (invocation.c: the driver re-executes zcbench, each worker runs every
 * selected pair once), the run's context (run_context.c) and zcbench profile
 * (profile_command.c). The top layer: it may call every other.
 */
#ifndef ZC_APP_H
#define ZC_APP_H

#include <stdio.h>

#include "analysis.h"
#include "costs.h"
#include "machine.h"
#include "report.h"
#include "run.h"
#include "trace.h"

/* ---- cli.c ---- */
enum zc_format { ZC_FMT_TABLE, ZC_FMT_BENCHSTAT, ZC_FMT_NONE, ZC_FMT_JSON /* --list only */ };

struct zc_options {
	int list, help, version, quick, sweep, make_testdata, machine_name;
	int tune, tune_reset, no_aslr;
	int invocations;     /* fresh processes per run, each running every selected pair once */
	unsigned long long seed; /* the pair order's seed (0: from the clock), recorded */
	int worker_fd;       /* >= 0: this process is invocation worker_index, writing to this fd */
	int worker_index;
	unsigned long long worker_seed; /* its order's seed */
	const char *compare[2]; /* --compare OLD NEW */
	int argc;            /* the command line, for the invocations */
	char **argv;
	const char *thp;     /* --thp: THP mode for --tune */
	const char *fault_around; /* --fault-around: fault_around_bytes for --tune */
	int cpu;             /* -1: the last allowed core */
	int rounds;          /* timed rounds per invocation, even: rounds/2 AB|BA blocks */
	double min_time;     /* seconds per sample, per side */
	double equivalence;  /* 'same' margin, as a fraction */
	double alpha;        /* run-wide error rate; intervals at 1 - alpha */
	const char *machine; /* --machine NAME, NULL: zc_machine_identity */
	const char *filter;  /* POSIX extended regex on "pair/param" */
	const char *out;     /* JSON path; NULL: no file */
	const char *reanalyse; /* --reanalyse FILE */
	const char *attribute[2]; /* --attribute OLD NEW */
	int current_models;       /* --current-models: their models re-derived with today's declarations */
	int machine_profile;   /* --machine-profile: measure, print, exit */
	int no_profile;        /* --no-machine-profile: results without one (tests) */
	enum zc_format format;
	char cmdline[1024];  /* argv joined, for the result's context */
};

/* Returns 0, or 2 with a one-line message in err (usage error). */
int zc_parse_args(int argc, char **argv, struct zc_options *o, char *err, size_t errlen);
void zc_usage(FILE *f);
/* Rewrites argv[1] from a subcommand ("compare") to its option ("--compare"): 0, or 1 when
 * it dropped the word "run" (argc is one less), or -1 for an unknown command. */
int zc_subcommand(int argc, char **argv);

/* ---- invocation.c ---- */
struct zc_selection {
	const struct zc_pair *pair;
	const struct zc_param *param;
};
/* The pair/params the options select, in registry order (at most max into sel; sel may be
 * NULL); returns how many there are. */
size_t zc_select(const struct zc_options *o, struct zc_selection *sel, size_t max);
/* Holm's families for a run with these options (every pair/param an unfiltered run would
 * have: the non-control ones into run->family, the controls into run->control_family),
 * and the rule in words into run->family_rule. */
void zc_family_size(const struct zc_options *o, struct zc_run *run);
/* Invocation id's seed for the order of its pairs. */
unsigned long long zc_invocation_seed(unsigned long long run_seed, unsigned id);
/* The worker (--invocation-worker): runs every selected pair once, in its seed's order,
 * and writes its result document to o->worker_fd. Returns the exit status. */
int zc_invocation_main(const struct zc_options *o);
/* The driver: o->invocations workers one after the other, their pairs appended to run's
 * (run->n slots, the selection in registry order); bench context entries copied to ctx.
 * 0, 1 (a pair or an invocation failed) or 130 (interrupted). */
int zc_run_invocations(const struct zc_options *o, struct zc_run *run, struct json_t *ctx);
/* From a signal handler: passes sig on to the running worker. */
void zc_invocation_signal(int sig);

/* ---- run_context.c ---- */
/* A run's context: zc_machine_facts plus the run's settings and rules (ctx of a result). */
struct json_t *zc_run_context(const struct zc_options *o, int pinned_cpu, struct zc_run *run);

/* ---- list.c ---- */
/* The registered pairs on f: text, or JSON (kind, tags, sides, params, invariants). */
void zc_list_pairs(FILE *f, int json);

/* ---- run_command.c ---- */
/* A run of the selected pairs, from the options to the result file; the exit status. */
int zc_run_command(struct zc_options *o);
/* zcbench machine: the machine's primitive costs alone, printed (and written with --out). */
int zc_machine_command(const struct zc_options *o);
/* zcbench testdata: creates or repairs testdata/ from its recipe. */
int zc_testdata_command(const struct zc_options *o);
/* SIGINT/SIGTERM stop the run (a second one at once) and reach the running worker. */
void zc_catch_signals(void);

/* ---- export_command.c ---- */
/* zcbench export --format gbench|result|bmf [--out FILE] RESULT: argv[0] is "export". */
int zc_export_main(int argc, char **argv);

/* ---- attribute_command.c ---- */
/* zcbench attribute --current-models OLD NEW: both runs analysed again (their models
 * derived from their own profiles with today's declarations), then attributed as
 * zc_attribute does. Returns 0, or 2 with a message for a file that is no result. */
int zc_attribute_current_models(const char *old_path, const char *new_path, FILE *out);

/* ---- profile_command.c ---- */
/* zcbench profile [options] -- CMD ARGS... | -p PID --duration S: argv[0] is "profile". */
int zc_ioprof_main(int argc, char **argv);

#endif
