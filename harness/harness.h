/*
 * harness.h - the harness's internal interfaces (benches include zcbench.h only).
 */
#ifndef ZC_HARNESS_H
#define ZC_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "stats.h"
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

/* ---- cli.c ---- */
enum zc_format { ZC_FMT_TABLE, ZC_FMT_BENCHSTAT, ZC_FMT_NONE };

struct zc_options {
	int list, help, version, quick, sweep, make_testdata;
	int tune, tune_reset, keep_aslr;
	const char *thp;     /* --thp: THP mode for --tune */
	int max_rounds;      /* adaptive rounds up to this many (default: repetitions) */
	double target_ci;    /* stop adding rounds once the ratio interval is within +-this (fraction) */
	double pair_time;    /* seconds a pair may spend on adaptive rounds */
	int cpu;             /* -1: the last allowed core */
	int repetitions;     /* rounds; each round runs both sides once */
	double min_time;     /* seconds per sample */
	const char *filter;  /* POSIX extended regex on "pair/param" */
	const char *out;     /* JSON path; NULL: no file */
	enum zc_format format;
};

/* Returns 0, or 2 with a one-line message in err (usage error). */
int zc_parse_args(int argc, char **argv, struct zc_options *o, char *err, size_t errlen);
void zc_usage(FILE *f);

/* ---- util.c ---- */
/* Messages from the benches' callbacks. */
const char *zc_last_message(void);
void zc_clear_message(void);
/* Parses a whole string as a number within [lo, hi]; 0 on success. */
int zc_parse_long(const char *s, long lo, long hi, long *out);
int zc_parse_double(const char *s, double lo, double hi, double *out);
/* Reads the first line of a small file (sysfs, procfs) without the newline. */
int zc_read_line(const char *path, char *buf, size_t len);
double zc_now_ns(void);        /* CLOCK_MONOTONIC */
double zc_thread_cpu_ns(void); /* CLOCK_THREAD_CPUTIME_ID */
/* Context entries set by benches: parallel arrays of key/value. */
size_t zc_context_count(void);
const char *zc_context_key(size_t i);
const char *zc_context_value(size_t i);
void zc_set_interrupted(int v);

/* ---- runner.c ---- */
enum zc_status { ZC_ST_OK, ZC_ST_SKIPPED, ZC_ST_ERROR };

struct zc_side_result {
	size_t n;
	double *real_ns;                   /* per iteration, one per round */
	double *cpu_ns;                    /* thread CPU per iteration */
	double *cnt[ZC_NCOUNTERS];         /* per iteration per round; NAN if unavailable */
	struct zc_summary real, cpu;
	double cnt_per_iter[ZC_NCOUNTERS]; /* totals over all rounds / iterations; NAN if n/a */
};

struct zc_pair_result {
	const struct zc_pair *pair;
	const struct zc_param *param;
	size_t family_index;   /* position of this pair/param in the run */
	enum zc_status status;
	char message[512];     /* skip or error reason */
	uint64_t iterations;   /* per sample, both sides */
	size_t rounds;
	struct zc_side_result side[ZC_NSIDES];
	double *ratio;         /* per round: t_baseline / t_zerocopy */
	struct zc_summary ratio_summary;
	const char *verdict;      /* faster, slower, same, unstable or unknown */
	const char *raw_verdict;  /* the interval's verdict before the stability check */
	double half_ratio[2];     /* median ratio of the first and of the second half of the rounds */
	double ci_width;          /* relative half-width of the ratio interval */
	int held;                 /* the verdict holds in both halves */
	char stability[160];      /* why a pair is unstable ("" if it is not) */
	int verified;
};

struct zc_run_config {
	int repetitions;   /* rounds at least */
	double min_time;
	int max_rounds;    /* adaptive: add rounds (two at a time) up to this many */
	double target_ci;  /* ... until the ratio interval is within +-target_ci of the median */
	double pair_time;  /* ... or this many seconds have gone into the rounds */
};

/* A verdict "same" with an interval wider than this (relative half-width) cannot tell
 * "no difference" from a real one: it is reported as unstable. */
#define ZC_SAME_MAX_WIDTH 0.10

struct zc_run {
	struct zc_pair_result *results;
	size_t n;
	struct zc_counters counters;
	char warnings[16][256];
	size_t nwarnings;
};

/* Runs one pair at one param. Always fills r (status says what happened). */
void zc_run_pair(const struct zc_run_config *cfg, struct zc_counters *ctr,
		 const struct zc_pair *p, const struct zc_param *param, struct zc_pair_result *r);
void zc_pair_result_free(struct zc_pair_result *r);
/* Measures the counters' own overhead (an empty window) into ctr->overhead. */
void zc_counters_calibrate(struct zc_counters *ctr);

/* ---- output.c ---- */
struct json_t;
/* Builds the whole result document (context + benchmarks + pairs). */
struct json_t *zc_result_json(const struct zc_run *run, struct json_t *context);
/* Number or null: JSON has no NaN/Infinity. */
struct json_t *zc_json_number(double v);
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

/* ---- fingerprint.c ---- */
/* Machine fingerprint + Google Benchmark context fields; adds warnings to run. */
struct json_t *zc_fingerprint(const struct zc_options *o, int pinned_cpu, struct zc_run *run);
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
int zc_tune(const char *thp);
int zc_tune_reset(void);
/* Verdict stability from the per-round ratios (fills verdict, raw_verdict, half_ratio...). */
void zc_stability(struct zc_pair_result *r);

/* ---- pin.c ---- */
/* Picks and pins the core (-1: last allowed). Returns the core, or -1 with a message. */
int zc_pin_cpu(int want, char *err, size_t errlen);

#endif
