/*
 * harness.h - the harness's internal interfaces (benches include zcbench.h only).
 */
#ifndef ZC_HARNESS_H
#define ZC_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"
#include "counters.h"
#include "host.h"
#include "stats.h"
#include "system_cpu.h"
#include "zcbench.h"

#define ZC_VERSION "0.1.0"

/* ---- registry.c ---- */
size_t zc_registry_count(void);
const struct zc_pair *zc_registry_get(size_t i); /* sorted by name */
const struct zc_pair *zc_registry_find(const char *name);
/* Adds a pair; -1 with a message for a bad entry or a duplicate name. */
int zc_registry_add(const struct zc_pair *p, char *why, size_t whylen);
/* Drops every registered pair (tests only). */
void zc_registry_reset(void);
/* Checks a pair's table entry; returns 0 or -1 with a message in why. */
int zc_pair_check(const struct zc_pair *p, char *why, size_t whylen);

/* ---- catalog/replaces.c: what IO a pair's baseline is (zc_pair.replaces) ---- */
enum zc_io_dir {
	ZC_DIR_NONE, /* descriptor bookkeeping only (open, close, dup, socket, ...) */
	ZC_DIR_IN,   /* kernel -> user buffer: a copy (read, recv, ...) */
	ZC_DIR_OUT,  /* user buffer -> kernel: a copy (write, send, ...) */
	ZC_DIR_MOVE, /* descriptor -> descriptor, no user copy (sendfile, splice, ...) */
	ZC_DIR_MAP,  /* a mapping: mmap */
	ZC_DIR_RING  /* io_uring_enter: operations in shared memory */
};
enum zc_fd_kind { ZC_FD_FILE, ZC_FD_TCP, ZC_FD_UDP, ZC_FD_UNIX, ZC_FD_PIPE, ZC_FD_OTHER, ZC_NFDKINDS };
extern const char *const zc_fd_kind_name[ZC_NFDKINDS];
struct zc_replaces_term {
	enum zc_io_dir dir;
	unsigned kinds; /* bit per zc_fd_kind */
};
#define ZC_REPLACES_TERMS 4
/* Parses "in:KINDS out:KINDS ..." into at most max terms: how many, or -1 with why. */
int zc_replaces_parse(const char *s, struct zc_replaces_term *t, int max, char *why, size_t whylen);
/* 0 when replaces parses, else -1 with why. */
int zc_replaces_check(const char *replaces, char *why, size_t whylen);

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

/* ---- base/tracefs.c ---- */
/* A tracepoint's id ("raw_syscalls/sys_enter"), mounting tracefs as root when it is not;
 * -1 with the reason in why. where gets the tracefs path used (or "unavailable: ..."). */
long zc_tracepoint_id(const char *event, char *where, size_t wlen, char *why, size_t whylen);

/* ---- base/util.c ---- */
/* "4KiB", "64MiB", "100B": a size in the largest binary unit that divides it. */
void zc_size_name(size_t n, char *out, size_t len);
/* Messages from the benches' callbacks. */
const char *zc_last_message(void);
void zc_clear_message(void);
/* Parses a whole string as a number within [lo, hi]; 0 on success. */
int zc_parse_long(const char *s, long lo, long hi, long *out);
int zc_parse_double(const char *s, double lo, double hi, double *out);
/* Reads the first line of a small file (sysfs, procfs) without the newline. */
int zc_read_line(const char *path, char *buf, size_t len);
double zc_now_ns(void);        /* CLOCK_MONOTONIC */
/* Room for `need` elements of `elem` bytes in a growable array (capacity doubling from 16):
 * the array, moved if it had to grow, or NULL (the old one untouched) when out of memory. */
void *zc_grow(void *array, size_t *cap, size_t need, size_t elem);
/* "1.05 MB", "700 B": v in SI steps of 1000, with its unit. */
void zc_si(double v, const char *unit, char *out, size_t len);
double zc_thread_cpu_ns(void); /* CLOCK_THREAD_CPUTIME_ID */
/* Context entries set by benches: parallel arrays of key/value. */
size_t zc_context_count(void);
const char *zc_context_key(size_t i);
const char *zc_context_value(size_t i);
void zc_set_interrupted(int v);
/* The notes benches left for the current pair/param (zc_note); clears them. */
#define ZC_MAX_NOTES 8
#define ZC_NOTE_LEN 256
size_t zc_notes_take(char key[][64], char val[][ZC_NOTE_LEN], size_t max);
/* The side whose timed sample is running (zc_zerocopy_outcome adds to it), -1: none. */
void zc_outcome_side(int side);
/* The outcomes so far, [side][0 zero-copied, 1 copied]; clears them. */
void zc_outcome_take(uint64_t out[ZC_NSIDES][2]);

/* ---- run/runner.c ---- */
enum zc_status { ZC_ST_OK, ZC_ST_SKIPPED, ZC_ST_ERROR };
/* The most invocations one run holds. */
#define ZC_MAX_INVOCATIONS ZC_LEVELS_MAX

/* A statistic with its interval: median and order-statistics interval (per side), or
 * the analysis's estimate (ratios). */
struct zc_interval {
	double value, ci_low, ci_high;
};

/* ---- machine/profile.c ---- */
#define ZC_PROFILE_NSIZES 4   /* per-byte primitives: 4 KiB, 64 KiB, 4 MiB, 64 MiB */
#define ZC_PROFILE_SAMPLES 9  /* samples per primitive: a 96% interval of the median */
#define ZC_PROFILE_MIN_TIME 0.005 /* seconds per sample (less when the run's --min-time is) */

struct zc_prim_info {
	const char *key;      /* JSON key, e.g. "syscall" */
	int per_byte;         /* ns per byte at a size, else ns per operation */
	const char *what;     /* one line */
	const char *settings; /* context keys (space-separated) whose change can change it */
};
extern const struct zc_prim_info zc_prim_info[ZC_NPRIMS];
extern const size_t zc_costs_sizes[ZC_PROFILE_NSIZES];
/* The primitive of a JSON key, or -1. */
int zc_prim_from_key(const char *key);

struct zc_costs {
	int measured;
	char error[256];                      /* why it is not */
	struct zc_interval op[ZC_NPRIMS];     /* per-op primitives: ns per operation */
	struct zc_interval rate[ZC_NPRIMS][ZC_PROFILE_NSIZES]; /* per-byte ones: ns per byte */
	char why[ZC_NPRIMS][256];             /* "" or why a primitive is unavailable */
	size_t max_size;                      /* the largest size measured (memory permitting) */
	double file_fault_pages, anon_fault_pages; /* 4 KiB pages mapped per minor fault */
	char fault_around_bytes[160], thp_enabled[64], thp_defrag[64];
	char folios[3][200];                  /* the 4 KiB, 64 KiB and 4 MiB test files */
	long llc_bytes;
	double seconds;
	/* A run measures it before and after its pairs: the medians are the two runs' mean,
	 * the intervals span both, and drift is after / before. */
	int combined;
	double op_drift[ZC_NPRIMS], rate_drift[ZC_NPRIMS][ZC_PROFILE_NSIZES];
};

/* Measures every primitive on the calling (pinned) thread; samples last ~min_time; the
 * per-byte ones up to `largest` bytes (at least 4 MiB; 0: every size). */
int zc_costs_measure(struct zc_costs *pf, double min_time, size_t largest);
/* Folds a second measurement (after the pairs) into pf: a run's machine changes while it
 * runs (a shared host), and the pairs ran between the two. */
void zc_costs_combine(struct zc_costs *pf, const struct zc_costs *after);
/* A primitive's cost in ns for one operation of `size` bytes (per-op ones ignore size);
 * NAN when unmeasured. */
double zc_costs_cost(const struct zc_costs *pf, enum zc_primitive prim, size_t size);
struct json_t *zc_costs_json(const struct zc_costs *pf);
void zc_costs_print(FILE *f, const struct zc_costs *pf);

/* ---- analysis/model.c ---- */
#define ZC_MODEL_TERMS 10
/* A model explains a ratio when the measured one is within this fraction of the prediction,
 * and each side's time within ZC_MODEL_SIDE_TOLERANCE of its own: a ratio that agrees while
 * both sides are far off is a coincidence, not an explanation. */
#define ZC_MODEL_TOLERANCE 0.25
#define ZC_MODEL_SIDE_TOLERANCE 0.5

struct zc_model_term {
	enum zc_primitive prim;
	enum zc_model_per per;
	double count;
	size_t size;
	/* Evaluated against a run: */
	double ops;     /* operations per iteration: count x the measured count `per` names */
	double cost_ns; /* per operation, from the machine profile */
	double ns;      /* per iteration: ops x cost_ns */
	double share;   /* of the side's predicted time (NAN without a prediction) */
};

struct zc_model {
	size_t n;
	struct zc_model_term t[ZC_MODEL_TERMS];
	int overflow; /* a side declared more terms than fit */
};

/* Per side result of the model. */
struct zc_side_model {
	struct zc_model m;
	int declared;
	double floor_ns, predicted_ns; /* floor + the terms; NAN when a cost or count is missing */
	double residual;               /* measured / predicted - 1 */
};

struct zc_pair_result;
struct zc_run;
extern const char *const zc_model_per_name[ZC_NPER]; /* "iteration", "syscall", ... */
/* Evaluates both sides' models and the predicted ratio of one pair (after its summary). */
void zc_model_pair(const struct zc_run *run, struct zc_pair_result *r);

/* ---- analysis/attribution.c ---- */
/* zcbench --attribute OLD NEW: the two runs' machine profiles side by side, and per pair
 * how much of its ratio's change each primitive accounts for, as JSON on out. Returns 0,
 * or 2 with a message on stderr for a file that is not a zcbench result. */
int zc_attribute(const char *old_path, const char *new_path, FILE *out);

/* Per side: the timed samples (no counter, no tracepoint), the counted samples, and the
 * analysis's summary of both. */
struct zc_side_result {
	uint64_t iterations;       /* per sample, calibrated for this side alone (the median over
				      the invocations; inv_iterations has each one's) */
	size_t n;                  /* timed samples, one per round */
	double *real_ns, *cpu_ns;  /* per iteration, per timed sample */
	double *steal_ns, *run_delay_ns, *ghz_before, *ghz_after;
	unsigned *host_flags;      /* ZC_HOST_* per timed sample */
	size_t ncounted;           /* counted samples (same iteration count) */
	double *counted_real_ns;   /* per iteration */
	double *cnt[ZC_NCOUNTERS]; /* per iteration per counted sample; NAN if unavailable */
	/* The whole machine during each timed sample (system_cpu.h), per iteration: */
	double *sys_ns;            /* every process's CPU time */
	double *peers_ns;          /* the pair's peer processes' */
	double *stat_busy_ns;      /* /proc/stat busy, all cores (tick accounting) */
	double *csw;               /* the benchmark thread's context switches (getrusage) */
	double window_ns_sum, sys_ns_sum, stat_busy_ns_sum; /* totals over the timed samples */
	double stat_ns_sum[ZC_NSTAT];
	int ncpu;
	double cpu_busy_ns_sum[ZC_SYS_MAX_CPUS];
	uint64_t zc_zero, zc_copied; /* zc_zerocopy_outcome over the timed samples */
	/* Filled by zc_analyse_run: */
	struct zc_interval real, cpu, cnt_sum[ZC_NCOUNTERS];
	struct zc_interval sys, peers, busy, csw_per_op; /* medians per iteration; busy = cpu / real */
	double sys_ns_per_byte;
	double zc_effective;       /* NAN when the kernel reported nothing */
	double copies_measured;    /* declared copies, corrected by zc_effective */
	size_t peer_bound;         /* timed samples flagged peer-bound */
	struct zc_summary real_summary, cpu_summary; /* mean, stddev, cv for the aggregates */
	double bytes_per_second;   /* NAN when the side moves no bytes */
	double cpu_ns_per_byte;
	double counted_over_uncounted; /* median counted time / median timed time */
	int at_floor;              /* within ZC_FLOOR_FACTOR of the loop floor */
	size_t stolen, slowed;     /* timed samples flagged */
	struct zc_side_model model;
	/* Per timed sample (zc_analyse_run): */
	double *sample_busy;        /* thread CPU / wall */
	unsigned char *sample_peer_bound; /* the ZC_PEER_BOUND_* rule */
	double *sample_bytes_per_second, *sample_cpu_ns_per_byte; /* NAN when it moves no bytes */
	double real_half_width;     /* the time interval's half-width / median (the table's +-ci) */
	int moves_bytes;
};

struct zc_pair_result {
	const struct zc_pair *pair;
	const struct zc_param *param;
	enum zc_status status;
	char message[512];      /* skip or error reason */
	size_t rounds;          /* timed rounds: round 2k AB, 2k+1 BA */
	struct zc_side_result side[ZC_NSIDES];
	double *ratio;          /* per round: baseline / zerocopy time per iteration */
	unsigned char *first;   /* per round: the side that ran first (each block has one
				   round of each order) */
	int verified;
	/* Invocations (fresh processes) whose rounds are here, in the order they ran: rounds
	 * [inv_start[i], inv_start[i + 1]) are invocation inv_id[i]'s, each side calibrated
	 * there to inv_iterations[i][side]. */
	size_t ninv;
	size_t inv_start[ZC_MAX_INVOCATIONS + 1];
	unsigned inv_id[ZC_MAX_INVOCATIONS];
	uint64_t inv_iterations[ZC_MAX_INVOCATIONS][ZC_NSIDES];
	double inv_seconds[ZC_MAX_INVOCATIONS]; /* wall time of the pair in each: setup,
						   calibration, blocks, counted blocks, teardown */
	size_t nnotes;          /* zc_note()s from the pair's setup and run */
	char note_key[ZC_MAX_NOTES][64], note_val[ZC_MAX_NOTES][ZC_NOTE_LEN];
	/* Filled by zc_analyse_run: */
	size_t blocks;
	double *block_ratio, *position;
	struct zc_estimate ratio_est, position_est;
	struct zc_levels levels;  /* the ratio's two levels: invocations and blocks within them */
	struct zc_drift drift;
	double p_adjusted;
	double margin;           /* the equivalence margin used for this pair (a fraction) */
	double tost_p, tost_p_adjusted; /* "within +-margin" (TOST), Holm over the family */
	enum zc_bound bound;    /* LOWER when the zero-copy side is at the loop floor, UPPER when
				   the baseline is, BOTH when both are */
	double saving_ns;       /* baseline - zerocopy median time per iteration */
	char ratio_display[48], cpu_ratio_display[48]; /* "2.156x", ">= 2000x" at a bound */
	int position_flagged;   /* a second-runner effect beyond the margin */
	enum zc_verdict verdict;
	char why[384];
	/* The same analysis on system CPU per iteration (every process, all cores): */
	double *cpu_block_ratio;
	struct zc_estimate cpu_ratio_est;
	struct zc_levels cpu_levels;
	struct zc_drift cpu_drift;
	double cpu_tost_p, cpu_tost_p_adjusted;
	double cpu_p_adjusted;
	enum zc_verdict cpu_verdict;
	char cpu_why[256];
	char peer_bound[256];   /* "" or which sides waited on their peers, and how much */
	double sys_check;       /* sum of system CPU / /proc/stat busy over the same windows */
	/* The cost model (model.c): */
	double predicted_ratio; /* predicted baseline / zerocopy time; NAN without a model */
	double model_residual;  /* measured ratio / predicted - 1 */
	int model_explained;    /* |model_residual| and the sides' within their tolerances */
	char model_note[320];
};

/* A timed sample is peer-bound when the benchmark thread ran under this share of it, or
 * switched out at least this often per iteration: its time is the hand-off, not the work. */
#define ZC_PEER_BOUND_BUSY 0.90
#define ZC_PEER_BOUND_CSW_PER_OP 0.5

struct zc_run_config {
	int rounds;        /* even */
	double min_time;   /* seconds per sample */
	int cpu;           /* the pinned core (host readings) */
	double ref_ghz;    /* the frequency probe's reference */
	double sys_overhead_ns; /* CPU time an empty whole-machine window reports */
	int no_counting;   /* no counted block in this invocation (counts hardly vary: a run
			      counts in some of its invocations, ZC_COUNTED_EVERY) */
};
/* Invocations 0, ZC_COUNTED_EVERY, 2 x ZC_COUNTED_EVERY, ... open the counters. */
#define ZC_COUNTED_EVERY 3

/* Params of one iteration per sample run this many times the rounds. */
#define ZC_SINGLE_ROUNDS_FACTOR 4

/* A side whose time per iteration is within this factor of the loop floor measures the
 * loop, not the work: its time is an upper bound. */
#define ZC_FLOOR_FACTOR 5.0

/* One invocation of a run: a fresh process that ran every selected pair once. */
struct zc_invocation {
	unsigned id;                /* its place in the run, 0.. */
	unsigned long long order_seed; /* the pairs' order in it came from this seed */
	double started_s, seconds;  /* since the run's first invocation started; how long */
	double loop_floor_ns, ref_ghz, sys_overhead_ns; /* measured in it */
	char layout[160];           /* where its text, heap, stack and mappings landed (ASLR) */
};

/* Pair kinds whose re-run spread is pooled for the equivalence margin. */
enum zc_kind { ZC_KIND_CONTROL, ZC_KIND_STREAM, ZC_KIND_OTHER, ZC_NKINDS };
extern const char *const zc_kind_name[ZC_NKINDS];
enum zc_kind zc_pair_kind(const struct zc_pair *p);

struct zc_kind_margin {
	size_t pairs;        /* pairs of the kind with a between-run spread */
	double between_sd;   /* their median between-run SD of ln(ratio) */
	double margin;       /* max(--equivalence, ZC_MARGIN_SDS x between_sd) */
};
/* A ratio within this many between-run SDs of 1 cannot be told apart from a re-run. */
#define ZC_MARGIN_SDS 2.0

struct zc_run {
	struct zc_pair_result *results;
	size_t n;
	size_t ninv;
	struct zc_invocation inv[ZC_MAX_INVOCATIONS];
	/* Holm's families: the pair/params an unfiltered run has, the controls apart (their
	 * verdicts check the instrument; they claim nothing about zero-copy). 0: the pairs that
	 * ran (results from before fixed families). */
	size_t family, control_family;
	char family_rule[300];
	struct zc_kind_margin margins[ZC_NKINDS];
	struct zc_counters counters; /* availability and reasons (opened per counted block) */
	double loop_floor_ns;        /* an empty iteration of the harness's own loop */
	double sys_overhead_ns;      /* an empty whole-machine CPU window */
	double ref_ghz;
	struct zc_costs costs;      /* the machine's primitive costs, measured first */
	double alpha, equivalence;
	struct zc_noise_floor {  /* the controls (identical sides): how often not "same" */
		size_t controls, same, false_verdicts;
		double widest_half_width; /* of their intervals, as a fraction */
	} noise_floor;
	char warnings[16][256];
	size_t nwarnings;
};

/* ---- run/invocation.c ---- */
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

/* ---- run/load.c ---- */
/* The most timed rounds one loaded pair may have. */
#define ZC_MAX_LOADED_ROUNDS 100000
struct json_t;
/* A result document (or an invocation's) into run: its settings, invocations and every
 * pair's samples, ready for zc_analyse_run. run->alpha and run->equivalence keep their
 * values unless the document has its own. 0, or -1 with a message. */
int zc_run_load(const struct json_t *doc, struct zc_run *run, char *err, size_t errlen);
/* A result file read for a mode (who: "--compare", ...): the document, or NULL after one
 * line on stderr naming the file (not JSON, or no context and pairs). */
struct json_t *zc_result_read(const char *path, const char *who);
/* A JSON number rounded to the 10 significant digits a result file keeps (NAN if none). */
double zc_json_real10(const struct json_t *v);
/* Frees a run's pair results. */
void zc_run_free(struct zc_run *run);

/* Runs one pair at one param. Always fills r (status says what happened). */
void zc_run_pair(const struct zc_run_config *cfg, const struct zc_pair *p,
		 const struct zc_param *param, struct zc_pair_result *r);
void zc_pair_result_free(struct zc_pair_result *r);
/* A side's sample arrays for n timed and ncounted counted samples; 0 or -1. */
int zc_side_alloc(struct zc_side_result *s, size_t n, size_t ncounted);
/* Appends an invocation's result (status ok) to dst, which starts zeroed: its rounds and
 * samples follow dst's, its invocations are added. 0, or -1 (out of memory, too many). */
int zc_pair_result_append(struct zc_pair_result *dst, const struct zc_pair_result *src);
/* Grows a run's iteration count until it lasts ~min_time, and confirms it (used for the
 * sides and the machine profile's primitives). */
int zc_calibrate(double min_time, int (*run)(void *ctx, int side, uint64_t iters, double *ns), void *ctx,
		 int side, uint64_t *out);
/* The loop floor: time per iteration of an empty run() with the DCE guards of a side. */
double zc_loop_floor_ns(const struct zc_run_config *cfg);

/* ---- analysis/reanalyse.c ---- */
/* zcbench --reanalyse FILE: the run's analysis again on a result file's samples, beside
 * what it published, as markdown. 0, or 2 with a message. */
int zc_reanalyse(const char *path, FILE *out);

/* ---- analysis/compare.c ---- */
/* zcbench --compare OLD NEW: per pair in both, NEW's ratio against OLD's interval and
 * against the prediction interval of a re-run (from both runs' standard errors), and how
 * the verdict changed; JSON on out. 0, or 2 with a message. */
int zc_compare(const char *old_path, const char *new_path, FILE *out);
/* The prediction interval's half-width in ln units for a re-run, from two runs' standard
 * errors and degrees of freedom (Welch), at 1 - alpha. */
double zc_prediction_halfwidth(double se1, double df1, double se2, double df2, double alpha);

/* ---- analysis/summary.c ---- */
/* Every statistic of a run, once: per side, per pair, and the run-wide adjustment. */
void zc_analyse_run(struct zc_run *run);
/* Whether a side moves the param's bytes (it has some, and the side is no view). */
int zc_side_moves_bytes(const struct zc_pair_result *r, int side);
/* A side's bytes/s and ns per byte for a time per iteration; NAN when it moves none. */
double zc_side_bytes_per_second(const struct zc_pair_result *r, int side, double ns_per_iter);
double zc_side_ns_per_byte(const struct zc_pair_result *r, int side, double ns_per_iter);
/* A timed sample's busy share (thread CPU / wall) and whether it was peer-bound: the one
 * rule the summary counts and the report marks per sample. */
double zc_sample_busy(const struct zc_side_result *sr, size_t k);
int zc_sample_peer_bound(const struct zc_side_result *sr, size_t k);

/* ---- report/output.c ---- */
struct json_t;
/* Builds the whole result document (context + benchmarks + pairs). */
struct json_t *zc_result_json(const struct zc_run *run, struct json_t *context);
/* Number or null: JSON has no NaN/Infinity. */
struct json_t *zc_json_number(double v);
/* {"median", "ci_low", "ci_high"}. */
struct json_t *zc_interval_json(struct zc_interval v);
/* Writes the human table of one result to f. */
void zc_print_table(FILE *f, const struct zc_pair_result *r);
void zc_print_table_header(FILE *f);
/* Writes Go benchmark text format lines for one result (benchstat reads them). */
void zc_print_benchstat(FILE *f, const struct zc_pair_result *r);

/*
 * Atomic, never-overwriting result file. zc_out_open() fails early (missing or
 * read-only directory, file already there) before any benchmark runs; the data is
 * written to an unnamed O_TMPFILE (or a hidden temp file where the filesystem lacks
 * it) and only appears under its name, complete, in zc_out_commit().
 */
struct zc_outfile {
	int fd;
	char path[4096];
	char tmp[4096]; /* named temp file when O_TMPFILE is unsupported */
};
int zc_out_open(struct zc_outfile *o, const char *path, char *err, size_t errlen);
int zc_out_commit(struct zc_outfile *o, const char *data, size_t len, char *err, size_t errlen);
void zc_out_abort(struct zc_outfile *o);
/* When the result cannot be written where asked: writes it, never over a file, as
 * zcbench-unsaved-<name> in $ZCBENCH_FALLBACK_DIR, $TMPDIR, /var/tmp, /tmp or the current
 * directory (the first that works); saved gets the path (or what was tried). */
int zc_out_fallback(const char *path, const char *data, size_t len, char *saved, size_t savedlen);
/* A finished JSON document into the opened file, or to the fallback when that fails (a
 * finished run is never thrown away); says where on stderr, prefixed by who. 0, or 1. */
int zc_out_write_json(struct zc_outfile *o, const char *path, struct json_t *doc, const char *who);

/* ---- machine/fingerprint.c ---- */
/* The default results folder name ("vm-1a2b3c4d") and the facts its id hashes. */
int zc_machine_identity(char *name, size_t namelen, char *facts, size_t factslen);
/* Machine fingerprint + Google Benchmark context fields; adds warnings to run. */
struct json_t *zc_machine_facts(const char *machine, int pinned_cpu, struct zc_run *run);
/* The pinned core and its SMT siblings into ctx; warns when a sibling is busy. */
void zc_machine_pinned(struct json_t *ctx, int cpu, struct zc_run *run);
/* ---- app/run_context.c ---- */
/* A run's context: zc_machine_facts plus the run's settings and rules (ctx of a result). */
struct json_t *zc_run_context(const struct zc_options *o, int pinned_cpu, struct zc_run *run);
void zc_add_warning(struct zc_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- testdata.c ---- */
struct zc_recipe {
	char name[128];
	size_t bytes;
	uint64_t seed;
	uint64_t xxh3;
	unsigned char sha256[32];
	int sweep; /* generated by make testdata only with --sweep */
};
const char *zc_testdata_dir(void);
/* The recipe entry for a size; -1 with a message (zc_last_message) if none. */
int zc_recipe_find(size_t bytes, struct zc_recipe *r);
/* All recipe sizes in file order; returns how many (at most max), -1 if unreadable. */
int zc_recipe_sizes(size_t *bytes, int *sweep, int max);
/* Recomputes a recipe entry's checksums from its seed, without touching the disk. */
int zc_recipe_digest(const struct zc_recipe *r, uint64_t *xxh3, unsigned char sha256[32]);
void zc_fstype(int fd, char *out, size_t len);

/* ---- tune.c ---- */
const char *zc_tune_state_path(void);
int zc_tune(const char *thp, const char *fault_around);
int zc_tune_reset(void);

/* ---- pin.c ---- */
/* Picks and pins the core (-1: last allowed). Returns the core, or -1 with a message. */
int zc_pin_cpu(int want, char *err, size_t errlen);

#endif
