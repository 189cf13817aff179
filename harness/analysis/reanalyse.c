/*
 * reanalyse.c - zcbench --reanalyse FILE: the block analysis applied to a result file's
 * per-round samples (its benchmarks[] iteration entries, round k = repetition_index k;
 * the order from each entry's "position", or AB when k is even in results that predate
 * it), with this run's --alpha and --equivalence. Older results were
 * published with other rules; this shows what the current analysis makes of the same
 * data, next to what was published.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Per-round time of one side: times[k] for repetition_index k; returns the count. Where
 * entries say their "position", first[k] gets 1 when this side did not run first. */
static size_t side_times(json_t *benchmarks, const char *name, double *times, unsigned char *first, size_t max)
{
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(benchmarks, i, e)
	{
		const char *nm = json_string_value(json_object_get(e, "name"));
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		json_t *k = json_object_get(e, "repetition_index");
		if (!nm || strcmp(nm, name) != 0 || (rt && strcmp(rt, "iteration") != 0) || !json_is_integer(k))
			continue;
		size_t idx = (size_t)json_integer_value(k);
		if (idx < max) {
			times[idx] = json_number_value(json_object_get(e, "real_time"));
			const char *pos = json_string_value(json_object_get(e, "position"));
			if (first)
				first[idx] = pos ? strcmp(pos, "first") != 0 : (unsigned char)(idx % 2);
			n = idx + 1 > n ? idx + 1 : n;
		}
	}
	return n;
}

struct row {
	char label[256];
	const char *old_verdict;
	double old_ratio, old_lo, old_hi;
	size_t rounds;
	struct zc_estimate est, pos;
	struct zc_drift drift;
	double p_adj;
};

int zc_reanalyse(const char *path, double alpha, double equivalence, FILE *out)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "zcbench: --reanalyse %s: %s (line %d)\n", path, jerr.text, jerr.line);
		return 2;
	}
	json_t *pairs = json_object_get(doc, "pairs"), *benchmarks = json_object_get(doc, "benchmarks");
	if (!json_is_array(pairs) || !json_is_array(benchmarks)) {
		fprintf(stderr, "zcbench: --reanalyse %s: not a zcbench result (no pairs and benchmarks arrays)\n", path);
		json_decref(doc);
		return 2;
	}
	size_t np = json_array_size(pairs), nrows = 0, i;
	struct row *rows = calloc(np ? np : 1, sizeof *rows);
	double *p = calloc(np ? np : 1, sizeof *p), *adj = calloc(np ? np : 1, sizeof *adj);
	enum { MAXR = 4096 };
	double *tb = malloc(MAXR * sizeof *tb), *tz = malloc(MAXR * sizeof *tz), *r = malloc(MAXR * sizeof *r);
	double *blk = malloc(MAXR * sizeof *blk), *pos = malloc(MAXR * sizeof *pos);
	unsigned char *first = calloc(MAXR, 1);
	json_t *pe;
	json_array_foreach(pairs, i, pe)
	{
		const char *st = json_string_value(json_object_get(pe, "status"));
		const char *b = json_string_value(json_object_get(pe, "baseline"));
		const char *z = json_string_value(json_object_get(pe, "zerocopy"));
		if (!st || strcmp(st, "ok") != 0 || !b || !z)
			continue;
		struct row *w = &rows[nrows];
		snprintf(w->label, sizeof w->label, "%s/%s", json_string_value(json_object_get(pe, "name")),
			 json_string_value(json_object_get(pe, "param")));
		w->old_verdict = json_string_value(json_object_get(pe, "verdict"));
		w->old_ratio = json_number_value(json_object_get(pe, "ratio"));
		w->old_lo = json_number_value(json_object_get(pe, "ratio_ci_low"));
		w->old_hi = json_number_value(json_object_get(pe, "ratio_ci_high"));
		size_t nb = side_times(benchmarks, b, tb, first, MAXR), nz = side_times(benchmarks, z, tz, NULL, MAXR);
		w->rounds = nb < nz ? nb : nz;
		for (size_t k = 0; k < w->rounds; k++)
			r[k] = tb[k] / tz[k];
		size_t m = zc_blocks(r, first, w->rounds, blk, pos);
		zc_ratio_estimate(blk, m, alpha, &w->est);
		zc_ratio_estimate(pos, m, alpha, &w->pos);
		zc_drift_test(blk, m, equivalence, &w->drift);
		p[nrows++] = w->est.p;
	}
	zc_holm(p, nrows, adj);
	fprintf(out, "# %s, re-analysed by AB|BA blocks (alpha %g, Holm over %zu pairs, same within +-%g%%)\n\n",
		path, alpha, nrows, equivalence * 100);
	fprintf(out, "| pair/param | rounds | published ratio [CI] | published verdict | block ratio [CI] | verdict | position effect [CI] | why |\n");
	fprintf(out, "|---|---:|---|---|---|---|---|---|\n");
	for (i = 0; i < nrows; i++) {
		struct row *w = &rows[i];
		char why[256];
		const char *v = zc_decide(&w->est, adj[i], alpha, equivalence, &w->drift, why, sizeof why);
		fprintf(out, "| %s | %zu | %.4g [%.4g, %.4g] | %s | %.4g [%.4g, %.4g] | %s%s | %.3g [%.3g, %.3g] | %s |\n",
			w->label, w->rounds, w->old_ratio, w->old_lo, w->old_hi, w->old_verdict ? w->old_verdict : "?",
			w->est.estimate, w->est.ci_low, w->est.ci_high, v,
			w->old_verdict && strcmp(v, w->old_verdict) != 0 ? " (changed)" : "", w->pos.estimate,
			w->pos.ci_low, w->pos.ci_high, why);
	}
	free(tb);
	free(tz);
	free(r);
	free(blk);
	free(pos);
	free(first);
	free(rows);
	free(p);
	free(adj);
	json_decref(doc);
	return 0;
}
