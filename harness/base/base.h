/*
 * base.h - what every layer shares: util (messages, parsing, files, clocks, arrays, the
 * benches' notes and context), JSON (numbers, intervals, the atomic result file),
 * statistics of samples (distribution-free: the median and its order-statistics
 * interval, benchstat's method), and tracefs. It calls nothing above it.
 */
#ifndef ZC_BASE_H
#define ZC_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zcbench.h"

#define ZC_VERSION "0.1.0"

struct json_t;

/* ---- util.c ---- */
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
/* The same for a sysfs choice: "always [madvise] never" gives "madvise"; a line without
 * brackets is given whole. 0, or -1 with errno set where the file cannot be read. */
int zc_read_selected(const char *path, char *buf, size_t len);
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

/* ---- json.c ---- */
/* A statistic with its interval: median and order-statistics interval (per side), or
 * the analysis's estimate (ratios). */
struct zc_interval {
	double value, ci_low, ci_high;
};

/* Number or null: JSON has no NaN/Infinity. */
struct json_t *zc_json_number(double v);
/* Number (rounded to that many significant digits) or null. */
struct json_t *zc_json_number_digits(double v, int digits);
/* {"median", "ci_low", "ci_high"}. */
struct json_t *zc_interval_json(struct zc_interval v);

/* A JSON number rounded to the 10 significant digits a result file keeps (NAN if none). */
double zc_json_real10(const struct json_t *v);
/* The number at o's key, NAN where o has none there (a field an older result lacks). */
double zc_json_num(const struct json_t *o, const char *key);

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
/* A result as two files: samples (compact JSON, gzipped) first, as <path less .json>
 * .samples.json.gz, then doc into o with samples_key set to the samples' file name and its
 * arrays' figures to `digits` significant digits (the samples keep 10). When either cannot
 * be written where asked, both go to the fallback together (doc's samples_key then names
 * the fallback's samples file). 0, or 1. */
int zc_out_write_pair(struct zc_outfile *o, const char *path, struct json_t *doc, const struct json_t *samples,
		      const char *samples_key, int digits, const char *who);
/* doc as a reviewer diffs it: top-level arrays one element a line (compact) with
 * array_digits significant digits, every other value (the context) indented with 10.
 * Malloc'd, NULL out of memory. */
char *zc_json_dump_lines(const struct json_t *doc, int array_digits);
/* The significant digits of a result document's benchmarks[] and pairs[] figures: what the
 * analysis computed from samples, which the samples file keeps to 10 digits (what a
 * re-analysis reads). Seven say more than any interval here can. */
#define ZC_RESULT_DIGITS 7
/* data gzipped (level 9, no timestamp or name: equal data, equal bytes); 0 or -1. */
int zc_gzip(const char *data, size_t len, char **out, size_t *outlen);
/* A gzipped (or plain) JSON file; NULL with the reason in err. */
struct json_t *zc_json_load_gz(const char *path, char *err, size_t errlen);

/* ---- tracefs.c ---- */
/* A tracepoint's id ("raw_syscalls/sys_enter"), mounting tracefs as root when it is not;
 * -1 with the reason in why. where gets the tracefs path used (or "unavailable: ..."). */
long zc_tracepoint_id(const char *event, char *where, size_t wlen, char *why, size_t whylen);

/* ---- stats.c: summaries of samples ----
 * Timing samples are skewed (a sample can only be slowed down), so the centre is the
 * median and its confidence interval comes from order statistics: the interval
 * [x(k), x(n+1-k)] covers the true median with probability 1 - 2*P(Binomial(n, 1/2) < k),
 * exactly (no normality assumed). This is benchstat's method, used for each side's time
 * and counters. A pair's ratio has its own analysis (analysis.h). */
struct zc_summary {
	size_t n;
	double median, mean, stddev, cv, min, max;
	double ci_low, ci_high; /* NAN when n is too small for the requested confidence */
	double ci_level;        /* the exact coverage of [ci_low, ci_high], >= the requested one */
};

/* Median of x[0..n) (x is not modified). NAN for n == 0. */
double zc_median(const double *x, size_t n);

/* P(X <= k) for X ~ Binomial(n, 1/2). */
double zc_binom_half_cdf(size_t n, size_t k);

/*
 * 1-based ranks (lo, hi) of the order statistics bounding a confidence interval of the
 * median at confidence >= level. Returns 0 and fills lo/hi/coverage, or -1 when n is
 * too small (e.g. n < 6 at 95%).
 */
int zc_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi, double *coverage);

/* Fills s from x[0..n): median with its 95% interval, mean, sample stddev, cv, min, max. */
void zc_summarize(const double *x, size_t n, struct zc_summary *s);

/* Relative half-width of s's interval around its median, benchstat's "+-x%":
 * max(hi/median - 1, 1 - lo/median). NAN without an interval. */
double zc_ci_half_width(const struct zc_summary *s);

#endif
