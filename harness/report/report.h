/*
 * report.h - formatting only: the result document (Google Benchmark JSON plus zcbench's
 * pairs), the human table, Go's benchmark text format (output.c), the machine's costs as
 * a table (costs_table.c), and zcbench profile's document and table (ioprofile.c). Every
 * number comes from the analysis (tests/layering/check holds them to that).
 */
#ifndef ZC_REPORT_H
#define ZC_REPORT_H

#include <stdio.h>

#include "result.h"
#include "trace.h"

/* ---- output.c ---- */
/* Builds the whole result document (context + benchmarks + pairs). */
struct json_t *zc_result_json(const struct zc_run *run, struct json_t *context);
/* Writes the human table of one result to f. */
void zc_print_table(FILE *f, const struct zc_pair_result *r);
void zc_print_table_header(FILE *f);
/* Writes Go benchmark text format lines for one result (benchstat reads them). */
void zc_print_benchstat(FILE *f, const struct zc_pair_result *r);

/* ---- export.c ---- */
/* A result document (whole or not) in Bencher Metric Format: per pair/param "ratio" and
 * "cpu-ratio", per side "latency" and "cpu-time" (ns), each with its interval's bounds. */
struct json_t *zc_export_bmf(const struct json_t *doc);

/* ---- costs_table.c ---- */
void zc_costs_print(FILE *f, const struct zc_costs *pf);

/* ---- ioprofile.c ---- */
struct json_t *zc_ioprof_json(const struct zc_ioprof *p, const struct zc_ioprof_run *run,
			      const struct zc_ioprof_summary *sum, struct json_t *suggestions,
			      struct json_t *context);
/* The table: paths, totals, faults, tracing and overhead, suggestions (from the JSON). */
void zc_ioprof_print(FILE *f, struct json_t *doc);

#endif
