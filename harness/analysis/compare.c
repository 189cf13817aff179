/*
 * compare.c - zcbench --compare OLD NEW: what a re-run should show, against what it did.
 *
 * Per pair in both results: NEW's ratio against OLD's interval, and against the
 * prediction interval of a re-run, ln(r_new) - ln(r_old) ~ t(df) * sqrt(se_old^2 +
 * se_new^2) with Welch's degrees of freedom: if nothing changed, NEW's ratio falls in it
 * with probability 1 - alpha. Samples within a run are not independent, so no test on
 * them is made here; each run's standard error is its own analysis's (over invocations).
 * A result from before invocations has only its within-run interval, whose standard
 * error is recovered from it and its blocks: such a prediction interval is too narrow,
 * and the output says which runs had one invocation.
 */
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

double zc_prediction_halfwidth(double se1, double df1, double se2, double df2, double alpha)
{
	double a = se1 * se1, b = se2 * se2, v = a + b;
	if (!(v > 0) || !isfinite(v))
		return NAN;
	double df = v * v / (a * a / df1 + b * b / df2);
	return gsl_cdf_tdist_Qinv(alpha / 2, df) * sqrt(v);
}

void zc_pair_se_log(const json_t *pe, double *se, double *df)
{
	*se = zc_json_num(pe, "ratio_se_log");
	*df = zc_json_num(pe, "ratio_df");
	if (isfinite(*se) && isfinite(*df))
		return;
	double lo = zc_json_num(pe, "ratio_ci_low"), hi = zc_json_num(pe, "ratio_ci_high"), level = zc_json_num(pe, "ratio_ci_level");
	double blocks = zc_json_num(pe, "blocks");
	if (!isfinite(level))
		level = 0.95;
	double h = blocks - 2 * floor(0.2 * blocks);
	*df = h - 1;
	*se = lo > 0 && hi > 0 && *df >= 1 ? (log(hi) - log(lo)) / (2 * gsl_cdf_tdist_Qinv((1 - level) / 2, *df)) : NAN;
}

static int decided(const char *v)
{
	return v && (strcmp(v, "faster") == 0 || strcmp(v, "slower") == 0);
}

/* How a verdict changed: none, reversed (faster <-> slower), same <-> faster/slower,
 * faster/slower <-> inconclusive (or unstable, unknown), same <-> inconclusive (or
 * unstable, unknown), or other. */
static const char *change_of(const char *a, const char *b)
{
	if (!a || !b)
		return "other";
	if (strcmp(a, b) == 0)
		return "none";
	if (decided(a) && decided(b))
		return "reversed";
	if ((strcmp(a, "same") == 0 && decided(b)) || (decided(a) && strcmp(b, "same") == 0))
		return "same_vs_decided";
	if (decided(a) || decided(b))
		return "decided_vs_inconclusive";
	if (strcmp(a, "same") == 0 || strcmp(b, "same") == 0)
		return "same_vs_inconclusive";
	return "other";
}

static json_t *side_json(const json_t *pe, double se, double df)
{
	json_t *o = json_object();
	json_object_set_new(o, "ratio", zc_json_number(zc_json_num(pe, "ratio")));
	json_object_set_new(o, "ci_low", zc_json_number(zc_json_num(pe, "ratio_ci_low")));
	json_object_set_new(o, "ci_high", zc_json_number(zc_json_num(pe, "ratio_ci_high")));
	json_object_set_new(o, "verdict", json_incref(json_object_get(pe, "verdict")));
	double inv = zc_json_num(pe, "invocations");
	json_object_set_new(o, "invocations", json_integer(isfinite(inv) ? (json_int_t)inv : 1));
	json_object_set_new(o, "se_log", zc_json_number(se));
	json_object_set_new(o, "df", zc_json_number(df));
	json_object_set_new(o, "between_run_sd", zc_json_number(zc_json_num(pe, "between_run_sd")));
	return o;
}

struct tally {
	size_t pairs, in_ci, in_pi;
};

static json_t *tally_json(const struct tally *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "pairs", json_integer((json_int_t)t->pairs));
	json_object_set_new(o, "inside_interval", json_integer((json_int_t)t->in_ci));
	json_object_set_new(o, "inside_prediction", json_integer((json_int_t)t->in_pi));
	json_object_set_new(o, "inside_interval_share", t->pairs ? json_real((double)t->in_ci / (double)t->pairs) : json_null());
	json_object_set_new(o, "inside_prediction_share", t->pairs ? json_real((double)t->in_pi / (double)t->pairs) : json_null());
	return o;
}

int zc_compare(const char *old_path, const char *new_path, FILE *out)
{
	json_t *A = zc_result_read(old_path, "--compare"), *B = A ? zc_result_read(new_path, "--compare") : NULL;
	if (!A || !B) {
		json_decref(A);
		return 2;
	}
	double alpha = zc_json_num(json_object_get(B, "context"), "alpha");
	if (!isfinite(alpha))
		alpha = 0.05;
	json_t *rows = json_array(), *changes = json_object();
	struct tally all = {0}, noncontrol = {0};
	size_t controls = 0, controls_same = 0, one_invocation = 0;
	static const char *const kinds[] = {"none",	"reversed", "same_vs_decided", "decided_vs_inconclusive",
					    "same_vs_inconclusive", "other"};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		json_object_set_new(changes, kinds[k], json_integer(0));
	size_t i, j;
	json_t *pb, *pa;
	json_array_foreach(json_object_get(B, "pairs"), i, pb)
	{
		json_array_foreach(json_object_get(A, "pairs"), j, pa)
		{
			if (!json_equal(json_object_get(pa, "name"), json_object_get(pb, "name")) ||
			    !json_equal(json_object_get(pa, "param"), json_object_get(pb, "param")))
				continue;
			double ra = zc_json_num(pa, "ratio"), rb = zc_json_num(pb, "ratio");
			const char *va = json_string_value(json_object_get(pa, "verdict"));
			const char *vb = json_string_value(json_object_get(pb, "verdict"));
			if (!(ra > 0) || !(rb > 0))
				break;
			double sa, da, sb, db;
			zc_pair_se_log(pa, &sa, &da);
			zc_pair_se_log(pb, &sb, &db);
			double hw = zc_prediction_halfwidth(sa, da, sb, db, alpha);
			int bound = !json_is_null(json_object_get(pa, "ratio_bound")) ||
				    !json_is_null(json_object_get(pb, "ratio_bound"));
			int control = json_is_true(json_object_get(pa, "control"));
			int in_ci = rb >= zc_json_num(pa, "ratio_ci_low") && rb <= zc_json_num(pa, "ratio_ci_high");
			int in_pi = isfinite(hw) && fabs(log(rb / ra)) <= hw;
			const char *ch = change_of(va, vb);
			json_t *o = json_object();
			char label[300];
			snprintf(label, sizeof label, "%s/%s", json_string_value(json_object_get(pb, "name")),
				 json_string_value(json_object_get(pb, "param")));
			json_object_set_new(o, "pair", json_string(label));
			json_object_set_new(o, "control", json_boolean(control));
			json_object_set_new(o, "bound", json_boolean(bound));
			json_object_set_new(o, "old", side_json(pa, sa, da));
			json_object_set_new(o, "new", side_json(pb, sb, db));
			json_object_set_new(o, "move", json_real(rb / ra - 1));
			json_object_set_new(o, "prediction_low", zc_json_number(ra * exp(-hw)));
			json_object_set_new(o, "prediction_high", zc_json_number(ra * exp(hw)));
			json_object_set_new(o, "inside_interval", json_boolean(in_ci));
			json_object_set_new(o, "inside_prediction", json_boolean(in_pi));
			json_object_set_new(o, "verdict_change", json_string(ch));
			json_array_append_new(rows, o);
			json_object_set_new(changes, ch, json_integer(json_integer_value(json_object_get(changes, ch)) + 1));
			one_invocation += zc_json_num(pa, "invocations") > 1 ? 0 : 1;
			if (control) {
				controls++;
				controls_same += va && vb && !strcmp(va, "same") && !strcmp(vb, "same");
			}
			if (!bound) {
				struct tally *t[2] = {&all, control ? NULL : &noncontrol};
				for (int m = 0; m < 2; m++)
					if (t[m]) {
						t[m]->pairs++;
						t[m]->in_ci += (size_t)in_ci;
						t[m]->in_pi += (size_t)in_pi;
					}
			}
			break;
		}
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "old", json_string(old_path));
	json_object_set_new(doc, "new", json_string(new_path));
	json_object_set_new(doc, "alpha", json_real(alpha));
	json_object_set_new(doc, "differences", zc_context_differences(A, B));
	json_object_set_new(doc, "prediction_rule",
			    json_string("ln(new) - ln(old) within t(Welch df, 1 - alpha/2) x sqrt(se_old^2 + se_new^2); "
					"pairs whose ratio is a bound (a side at the loop floor) are not counted"));
	json_object_set_new(doc, "old_pairs_with_one_invocation", json_integer((json_int_t)one_invocation));
	json_object_set_new(doc, "all", tally_json(&all));
	json_object_set_new(doc, "non_control", tally_json(&noncontrol));
	json_object_set_new(doc, "controls", json_integer((json_int_t)controls));
	json_object_set_new(doc, "controls_same_in_both", json_integer((json_int_t)controls_same));
	json_object_set_new(doc, "verdict_changes", changes);
	json_object_set_new(doc, "pairs", rows);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	fprintf(out, "%s\n", text ? text : "{}");
	free(text);
	json_decref(doc);
	json_decref(A);
	json_decref(B);
	return 0;
}
