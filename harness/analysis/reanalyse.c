/*
 * reanalyse.c - zcbench --reanalyse FILE: a result's samples loaded back into the run's
 * data model (load.c) and put through the same analysis as a run (zc_analyse_run), with
 * the file's own alpha, equivalence, loop floor and Holm family; printed as markdown
 * beside what the file published. A result of this version reproduces itself exactly;
 * an older one is shown under today's rules (one invocation each when it predates them:
 * its interval then describes one process).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* Whether two values agree to the ZC_RESULT_DIGITS significant digits a result's pairs
 * keep (its samples keep 10: the analysis itself is exact). */
static int same_value(double a, double b)
{
	if (!isfinite(a) || !isfinite(b))
		return !isfinite(a) && !isfinite(b);
	return fabs(a - b) <= 5e-7 * fmax(fabs(a), fabs(b));
}

static const json_t *published(const json_t *pairs, const struct zc_pair_result *r)
{
	size_t i;
	const json_t *pe;
	json_array_foreach(pairs, i, pe)
	{
		const char *n = json_string_value(json_object_get(pe, "name"));
		const char *q = json_string_value(json_object_get(pe, "param"));
		if (n && q && strcmp(n, r->pair->name) == 0 && strcmp(q, r->param->name) == 0)
			return pe;
	}
	return NULL;
}

json_t *zc_run_reanalysed(const char *path, const char *who, struct zc_run *run)
{
	json_t *doc = zc_result_read(path, who);
	if (!doc)
		return NULL;
	memset(run, 0, sizeof *run);
	run->alpha = 0.05;
	run->equivalence = 0.05;
	char err[512];
	if (zc_run_load(doc, run, err, sizeof err) != 0) {
		fprintf(stderr, "zcbench: %s %s: %s\n", who, path, err);
		json_decref(doc);
		return NULL;
	}
	zc_analyse_run(run);
	return doc;
}

int zc_reanalyse(const char *path, FILE *out)
{
	static struct zc_run run;
	json_t *doc = zc_run_reanalysed(path, "--reanalyse", &run);
	if (!doc)
		return 2;
	const json_t *pairs = json_object_get(doc, "pairs");
	size_t ok = 0, same = 0;
	fprintf(out, "# %s, re-analysed (alpha %g, margin at least +-%g%%, Holm: %s)\n\n", path, run.alpha,
		run.equivalence * 100, run.family_rule);
	fprintf(out, "| pair/param | invocations | rounds | published ratio [CI] | published verdict | re-analysed ratio [CI] | verdict | why |\n");
	fprintf(out, "|---|---:|---:|---|---|---|---|---|\n");
	for (size_t i = 0; i < run.n; i++) {
		const struct zc_pair_result *r = &run.results[i];
		if (r->status != ZC_ST_OK)
			continue;
		const json_t *pe = published(pairs, r);
		const char *pv = json_string_value(json_object_get(pe, "verdict"));
		double pr = zc_json_num(pe, "ratio"), plo = zc_json_num(pe, "ratio_ci_low"), phi = zc_json_num(pe, "ratio_ci_high");
		const struct zc_estimate *e = &r->ratio_est;
		int agree = pv && zc_verdict_from_name(pv) == (int)r->verdict && same_value(pr, e->estimate) &&
			    same_value(plo, e->ci_low) && same_value(phi, e->ci_high);
		ok++;
		same += (size_t)agree;
		fprintf(out, "| %s/%s | %zu | %zu | %.4g [%.4g, %.4g] | %s | %.4g [%.4g, %.4g] | %s%s | %s |\n",
			r->pair->name, r->param->name, r->ninv ? r->ninv : 1, r->rounds, pr, plo, phi, pv ? pv : "?",
			e->estimate, e->ci_low, e->ci_high, zc_verdict_name[r->verdict], agree ? "" : " (changed)", r->why);
	}
	fprintf(out, "\n%zu of %zu pairs reproduced exactly (verdict, ratio and interval to the 7 digits a result's pairs keep).\n",
		same, ok);
	zc_run_free(&run);
	json_decref(doc);
	return 0;
}
