/*
 * result.h - the data model of a run: per pair and side the samples the runner writes,
 * the summary the analysis writes, read-only for reporters; the run's invocations and
 * settings. A result file loads back into it (load.c), so a committed run is analysed by
 * the same code that analysed it when it ran.
 */
#ifndef ZC_RESULT_H
#define ZC_RESULT_H

#include "base.h"
#include "catalog.h"

enum zc_status { ZC_ST_OK, ZC_ST_SKIPPED, ZC_ST_ERROR };
/* The most invocations one run holds. */
#define ZC_MAX_INVOCATIONS ZC_LEVELS_MAX

/* What the host did to a timed sample (zc_side_result.host_flags; run/host.c reads it). */
#define ZC_HOST_STOLEN 0x1u /* steal + run delay above ZC_HOST_STOLEN_FRACTION of the sample */
#define ZC_HOST_SLOWED 0x2u /* the frequency probe ran below ZC_HOST_SLOW_FRACTION of the
			       run's reference, before or after the sample */
#define ZC_HOST_STOLEN_FRACTION 0.01
#define ZC_HOST_SLOW_FRACTION 0.90

/* Per-iteration counts of the counted samples (run/counters.c opens them). */
enum zc_counter {
	ZC_CNT_SYSCALLS,
	ZC_CNT_PAGE_FAULTS,
	ZC_CNT_CTX_SWITCHES,
	ZC_CNT_CPU_MIGRATIONS,
	ZC_CNT_CYCLES,
	ZC_CNT_INSTRUCTIONS,
	ZC_CNT_WAKEUPS, /* tasks this one woke (sched_waking): a stream's wake-ups of its peer */
	ZC_NCOUNTERS
};

struct zc_counters {
	int fd[ZC_NCOUNTERS];         /* -1 when unavailable */
	int leader[2];                /* [1]: the hardware group's leader, -1 if none */
	char reason[ZC_NCOUNTERS][320]; /* why a counter is unavailable */
	uint64_t overhead[ZC_NCOUNTERS]; /* counts of an empty measurement window */
	char tracefs[400];            /* where tracefs was found, or that zcbench mounted it, or why not */
};

/* JSON key of each counter, e.g. "syscalls_per_iter". */
extern const char *const zc_counter_key[ZC_NCOUNTERS];
/* Human name, e.g. "raw_syscalls:sys_enter". */
extern const char *const zc_counter_event[ZC_NCOUNTERS];

#define ZC_SYS_MAX_CPUS 256

enum zc_stat_field { ZC_STAT_USER, ZC_STAT_NICE, ZC_STAT_SYSTEM, ZC_STAT_IRQ, ZC_STAT_SOFTIRQ,
		     ZC_STAT_STEAL, ZC_NSTAT };
extern const char *const zc_stat_field_name[ZC_NSTAT];

/* A location on the ratio scale (computed in logs), with its interval and test of 1. */
struct zc_estimate {
	size_t n;       /* values (blocks) */
	double estimate, ci_low, ci_high;
	double level;   /* 1 - alpha */
	double p;       /* two-sided p-value of "the ratio is 1" */
	double se_log;  /* standard error in natural-log units */
	double df;
	double rho;     /* serial correlation used for the interval (after correction) */
};

/* The two levels of a ratio: invocations, and the blocks within each. */
#define ZC_LEVELS_MAX 64
#define ZC_LEVELS_BLOCKS 4096 /* blocks one invocation of a pair may have */
#define ZC_LEVELS_TRIM 0.25   /* trimmed from each end of an invocation's blocks */
struct zc_levels {
	size_t k;                 /* invocations with at least one block */
	double inv_log[ZC_LEVELS_MAX]; /* each one's trimmed mean log block ratio, in run order */
	double inv_se[ZC_LEVELS_MAX];  /* its standard error from its own blocks (Yuen's; NAN
					  when fewer than two are left after trimming) */
	double invocation_sd;     /* SD of inv_log: what one more invocation would scatter by */
	double between_sd;        /* tau: the part of it no block within a process can see */
	double within_se;         /* RMS of inv_se: one invocation's own noise */
};

struct zc_drift {
	double first, second; /* ratio of each half of the blocks (geometric mean) */
	double p;             /* Welch t-test of the halves' logs */
	int detected;         /* p < ZC_DRIFT_ALPHA */
	int changes_verdict;  /* detected, and the halves fall on different sides of the band */
};

/* A pair's verdict; zc_verdict_name[] is how results spell it. */
enum zc_verdict { ZC_V_UNKNOWN, ZC_V_FASTER, ZC_V_SLOWER, ZC_V_SAME, ZC_V_INCONCLUSIVE, ZC_V_UNSTABLE, ZC_NVERDICTS };
extern const char *const zc_verdict_name[ZC_NVERDICTS];
/* The verdict of a name in a result file, or -1. */
int zc_verdict_from_name(const char *name);

/* Which side's time is a bound because it is at the loop floor (results: ratio_bound null,
 * "lower", "upper", "none"). */
enum zc_bound { ZC_BOUND_NO, ZC_BOUND_LOWER, ZC_BOUND_UPPER, ZC_BOUND_BOTH, ZC_NBOUNDS };
extern const char *const zc_bound_name[ZC_NBOUNDS]; /* [ZC_BOUND_NO] is NULL */

/* Per side result of the model. */
struct zc_side_model {
	struct zc_model m;
	int declared;
	double floor_ns, predicted_ns; /* floor + the terms; NAN when a cost or count is missing */
	double residual;               /* measured / predicted - 1 */
};

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
	struct zc_interval real, cpu, cnt_median[ZC_NCOUNTERS];
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
	/* What the saving is made of (breakdown.c): per cause (zc_cause, then the rest), the
	 * baseline model's ns per iteration less the zero-copy model's; the rest is the
	 * measured saving less them all. nsaving 0: no breakdown (a side's model incomplete). */
	size_t nsaving;
	struct zc_saving_part {
		const char *cause;
		double ns, share;        /* share of the measured saving */
		double ci_low, ci_high;  /* the rest only: from the saving's interval; else NAN */
	} saving[ZC_NCAUSES + 1];
	double saving_ci_low, saving_ci_high; /* from the sides' time intervals */
	double model_residual;  /* measured ratio / predicted - 1 */
	int model_explained;    /* independent, and |model_residual| and the sides' within their tolerances */
	int model_independent;  /* the check tests the models: not every timed side restates the profile */
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
/* A pair's kind, from its flags. */
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
	/* The profiles a full run's invocations measured after their pairs (the driver's;
	 * zc_costs_pool folds them into costs), inv_costs[0..ninv_costs); heap, or NULL. */
	struct zc_costs *inv_costs;
	size_t ninv_costs;
	double alpha, equivalence;
	struct zc_noise_floor {  /* the controls (identical sides): how often not "same" */
		size_t controls, same, false_verdicts;
		double widest_half_width; /* of their intervals, as a fraction */
	} noise_floor;
	char warnings[16][256];
	size_t nwarnings;
};

/* ---- samples.c: growing and freeing the data model ---- */
void zc_pair_result_free(struct zc_pair_result *r);
/* A side's sample arrays for n timed and ncounted counted samples; 0 or -1. */
int zc_side_alloc(struct zc_side_result *s, size_t n, size_t ncounted);
/* Appends an invocation's result (status ok) to dst, which starts zeroed: its rounds and
 * samples follow dst's, its invocations are added. 0, or -1 (out of memory, too many). */
int zc_pair_result_append(struct zc_pair_result *dst, const struct zc_pair_result *src);
/* Adds one of a run's warnings (context.warnings); at most 16 are kept. */
void zc_add_warning(struct zc_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- load.c ---- */
/* The most timed rounds one loaded pair may have. */
#define ZC_MAX_LOADED_ROUNDS 100000
struct json_t;
/* A result document (or an invocation's) into run: its settings, invocations and every
 * pair's samples, ready for zc_analyse_run. run->alpha and run->equivalence keep their
 * values unless the document has its own. 0, or -1 with a message. */
int zc_run_load(const struct json_t *doc, struct zc_run *run, char *err, size_t errlen);
/* The run's loop floor (each side's at_floor and model use it): its invocations' median,
 * as a run takes it; unchanged when no invocation recorded one. */
void zc_run_take_loop_floor(struct zc_run *run);
/* A result file read for a mode (who: "--compare", ...): the whole document, its samples
 * file (ZC_SAMPLES_KEY) joined back in; or NULL after one line on stderr naming the file
 * (not JSON, no context and pairs, samples file missing or not its own). */
struct json_t *zc_result_read(const char *path, const char *who);

/* ---- samples_file.c: a result as a document and its samples ---- */
/* The document's key naming its samples file (a name in the document's folder). */
#define ZC_SAMPLES_KEY "samples_file"
/* Moves the samples out of a whole result document: every benchmarks[] entry but the
 * median aggregates and the sides that did not run, and each pair's round_ratios. Returns
 * the samples document (NULL: doc is not a result); doc keeps the rest. */
struct json_t *zc_result_split(struct json_t *doc);
/* Puts samples (from zc_result_split) back into doc: the document as it was before the
 * split. 0, or -1 with the reason (doc left as it was). */
int zc_result_join(struct json_t *doc, const struct json_t *samples, char *err, size_t errlen);
/* Frees a run's pair results. */
void zc_run_free(struct zc_run *run);

#endif
