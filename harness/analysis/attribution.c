/*
 * attribution.c - zcbench --attribute OLD NEW: which primitive explains a changed ratio.
 *
 * Each side's model (model.c) is linear in its terms, so a side's predicted change between
 * two runs splits exactly into per-term changes (cost x count, new minus old). A ratio's
 * change in log space is the baseline's change of ln T minus the zero-copy side's, and
 * ln(T1 / T0) = (T1 - T0) / L(T0, T1) exactly, L being the logarithmic mean (T1 - T0) /
 * ln(T1 / T0) (the LMDI decomposition; an arithmetic mean would halve a 40x change). So
 * the change of ln(ratio) splits into one contribution per primitive, term change / L,
 * plus what the models do not account for ("outside the models", reported as such), and
 * each share is a contribution over the measured change, with an interval. The settings a
 * primitive depends on (zc_prim_info[].settings) that differ between the runs are named
 * as its cause; one unknown in a run is said to be unknown, never named as a cause.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "machine.h"

#define MAX_KEYS 24

static const json_t *profile_of(const json_t *doc)
{
	const json_t *p = json_object_get(json_object_get(doc, "context"), "machine_profile");
	return json_is_true(json_object_get(p, "measured")) ? p : NULL;
}

/* A setting's value: the profile's settings first (fault_around_bytes, thp_enabled, folios),
 * then the context. */
static const json_t *setting(const json_t *doc, const char *key)
{
	const json_t *ctx = json_object_get(doc, "context");
	const json_t *v = json_object_get(json_object_get(json_object_get(ctx, "machine_profile"), "settings"), key);
	return v ? v : json_object_get(ctx, key);
}

/* Unknown: not recorded, null, or an empty list or object (run G recorded no caches). */
static int unknown(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_string(v) && (strncmp(json_string_value(v), "unknown", 7) == 0 ||
				      strncmp(json_string_value(v), "unreadable", 10) == 0));
}

static int differs(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);
		return fabs(x - y) > 0.05 * fmax(fabs(x), fabs(y)); /* measured settings: 5% */
	}
	return !json_equal(a, b);
}

static void append(char *out, size_t len, const char *fmt, const char *a, const char *b, const char *c)
{
	size_t l = strlen(out);
	snprintf(out + l, len - l, fmt, l ? "; " : "", a, b, c);
}

/* What "cpu" in a primitive's settings stands for. */
static const char *const cpu_keys = "cpu_microarchitecture cpu_family cpu_model_number cpu_stepping microcode cpu_model cpu_flags";

/* The settings of a primitive that differ between the runs ("kernel_release; mitigation
 * meltdown; cpu_flags +avx512f", or "mitigations (5 differ)" when several do), each CPU flag
 * by its name; settings unknown in one run go to unk (a run's
 * missing CPU identity as one "cpu identity"). Names only: a comparison lists the values once,
 * in what differs (differences.c). */
static void settings_differ(const json_t *A, const json_t *B, const char *keys, char *out, size_t len, char *unk,
			    size_t unklen)
{
	char list[512], *save = NULL;
	out[0] = 0;
	unk[0] = 0;
	snprintf(list, sizeof list, "%s", keys ? keys : "");
	char expanded[512] = "";
	for (char *k = strtok_r(list, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		size_t l = strlen(expanded);
		snprintf(expanded + l, sizeof expanded - l, "%s%s", l ? " " : "", strcmp(k, "cpu") == 0 ? cpu_keys : k);
	}
	save = NULL;
	for (char *k = strtok_r(expanded, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		const json_t *a = setting(A, k), *b = setting(B, k);
		if (unknown(a) || unknown(b)) {
			if (unknown(a) && unknown(b))
				continue;
			/* A run that recorded no CPU identity at all (before family and model were):
			 * one "cpu identity"; otherwise the key itself (a microarchitecture not in
			 * the table). */
			char item[96];
			const json_t *fam = setting(unknown(a) ? A : B, "cpu_family");
			snprintf(item, sizeof item, "%s in run %s",
				 strstr(cpu_keys, k) && unknown(fam) ? "cpu identity" : k, unknown(a) ? "1" : "2");
			if (!strstr(unk, item))
				append(unk, unklen, "%s%s%s%s", item, "", "");
			continue;
		}
		if (strcmp(k, "hypervisor") == 0 && json_is_string(a) && json_is_string(b)) {
			const char *x = json_string_value(a), *y = json_string_value(b);
			const char *nx = zc_hypervisor_name(x), *ny = zc_hypervisor_name(y);
			if (strcmp(strcmp(nx, "unknown") ? nx : x, strcmp(ny, "unknown") ? ny : y) == 0)
				continue; /* a raw signature and its name */
		}
		if (!differs(a, b))
			continue;
		if (json_is_object(a) && json_is_object(b)) { /* mitigations, cpu_flags */
			const char *m;
			const json_t *va;
			int states = 0;
			const char *one = NULL;
			json_object_foreach((json_t *)a, m, va) {
				const json_t *vb = json_object_get(b, m);
				if (!vb || json_equal(va, vb))
					continue;
				if (json_is_boolean(va)) { /* an ISA feature gained (+) or lost (-) */
					append(out, len, "%s%s %s%s", k, json_is_true(vb) ? "+" : "-", m);
				} else {
					states++;
					one = m;
				}
			}
			/* One mitigation that differs is named; several are counted: a comparison
			 * names them once, in what differs, not on every line again. */
			if (states == 1) {
				append(out, len, "%s%s %s%s", strcmp(k, "mitigations") == 0 ? "mitigation" : k, one, "");
			} else if (states > 1) {
				char count[48];
				snprintf(count, sizeof count, " (%d differ)", states);
				append(out, len, "%s%s%s%s", k, count, "");
			}
			continue;
		}
		append(out, len, "%s%s%s%s", k, "", "");
	}
}

static json_t *interval_pair(const json_t *v)
{
	json_t *a = json_array();
	json_array_append_new(a, zc_json_number(zc_json_num(v, "ci_low")));
	json_array_append_new(a, zc_json_number(zc_json_num(v, "ci_high")));
	return a;
}

static json_t *primitive_row(const char *key, const char *size, const json_t *va, const json_t *vb,
			     const json_t *A, const json_t *B)
{
	json_t *o = json_object();
	int p = zc_prim_from_key(key);
	double ma = zc_json_num(va, "median"), mb = zc_json_num(vb, "median");
	json_object_set_new(o, "primitive", json_string(key));
	json_object_set_new(o, "size", size ? json_string(size) : json_null());
	json_object_set_new(o, "unit", json_string(size ? "ns_per_byte" : "ns"));
	json_object_set_new(o, "old", zc_json_number(ma));
	json_object_set_new(o, "old_ci", interval_pair(va));
	json_object_set_new(o, "new", zc_json_number(mb));
	json_object_set_new(o, "new_ci", interval_pair(vb));
	json_object_set_new(o, "change", zc_json_number(ma > 0 ? mb / ma : NAN));
	/* Apart: the two intervals do not overlap. */
	int apart = zc_json_num(vb, "ci_low") > zc_json_num(va, "ci_high") || zc_json_num(vb, "ci_high") < zc_json_num(va, "ci_low");
	json_object_set_new(o, "apart", json_boolean(apart));
	char why[512], unk[256];
	settings_differ(A, B, p >= 0 ? zc_prim_info[p].settings : NULL, why, sizeof why, unk, sizeof unk);
	json_object_set_new(o, "settings_differ", why[0] ? json_string(why) : json_null());
	json_object_set_new(o, "settings_unknown", unk[0] ? json_string(unk) : json_null());
	return o;
}

static json_t *primitives(const json_t *A, const json_t *B)
{
	json_t *rows = json_array();
	const json_t *pa = json_object_get(profile_of(A), "primitives"), *pb = json_object_get(profile_of(B), "primitives");
	const char *key;
	const json_t *va;
	json_object_foreach((json_t *)pa, key, va) {
		const json_t *vb = json_object_get(pb, key);
		if (!vb)
			continue;
		const json_t *sa = json_object_get(va, "sizes");
		if (!sa) {
			json_array_append_new(rows, primitive_row(key, NULL, va, vb, A, B));
			continue;
		}
		const char *size;
		const json_t *za;
		json_object_foreach((json_t *)sa, size, za) {
			const json_t *zb = json_object_get(json_object_get(vb, "sizes"), size);
			if (zb)
				json_array_append_new(rows, primitive_row(key, size, za, zb, A, B));
		}
	}
	return rows;
}

/* ---- pairs ---- */

struct term_sum {
	char key[32];
	double ns[2][ZC_NSIDES];   /* [run][side] summed over the side's terms of this primitive */
	double cost[2][ZC_NSIDES], ops[2][ZC_NSIDES], size[ZC_NSIDES];
	double rel[2][ZC_NSIDES];  /* the cost's relative half-width in that run's profile */
	int present[2][ZC_NSIDES]; /* a term of it in that run's model of that side */
	int one_run;               /* in one run's model of a side only (an older result's
				      models lack newer primitives): not comparable */
	double contribution, lo, hi; /* to d ln(ratio), with its interval from the costs' */
};

static struct term_sum *term_slot(struct term_sum *t, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i];
	if (*n >= MAX_KEYS)
		return NULL;
	struct term_sum *s = &t[(*n)++];
	memset(s, 0, sizeof *s);
	snprintf(s->key, sizeof s->key, "%s", key);
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < ZC_NSIDES; j++)
			s->cost[r][j] = s->ops[r][j] = NAN;
	return s;
}

/* A primitive's cost interval in a profile, as a relative half-width: the per-op one, or a
 * per-byte one's at the measured size nearest (in log) to size. 0 when unknown. */
static double cost_rel(const json_t *doc, const char *key, double size)
{
	const json_t *e = json_object_get(json_object_get(profile_of(doc), "primitives"), key);
	const json_t *v = e;
	const json_t *sizes = json_object_get(e, "sizes");
	if (sizes) {
		double best = INFINITY;
		v = NULL;
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
			char name[32];
			zc_size_name(zc_costs_sizes[z], name, sizeof name);
			const json_t *c = json_object_get(sizes, name);
			double dist = fabs(log((double)zc_costs_sizes[z]) - log(size > 0 ? size : 1));
			if (c && isfinite(zc_json_num(c, "median")) && dist < best) {
				best = dist;
				v = c;
			}
		}
	}
	double m = zc_json_num(v, "median"), lo = zc_json_num(v, "ci_low"), hi = zc_json_num(v, "ci_high");
	double r = m > 0 && isfinite(lo) && isfinite(hi) ? (hi - lo) / (2 * m) : 0;
	return isfinite(r) && r > 0 ? r : 0;
}

static const char *const side_key[ZC_NSIDES] = {"baseline", "zerocopy"};

static int collect(const json_t *doc, const json_t *pair, int run, struct term_sum *t, size_t *n,
		   double T[ZC_NSIDES])
{
	for (int s = 0; s < ZC_NSIDES; s++) {
		const json_t *side = json_object_get(json_object_get(pair, "sides"), side_key[s]);
		const json_t *m = json_object_get(side, "model");
		T[s] = zc_json_num(json_object_get(side, "time_ns"), "median");
		if (!isfinite(zc_json_num(m, "predicted_ns")) || !(T[s] > 0))
			return -1;
		struct term_sum *f = term_slot(t, n, "loop_floor");
		if (f)
			f->ns[run][s] += zc_json_num(m, "floor_ns");
		size_t i;
		const json_t *e;
		json_array_foreach(json_object_get(m, "terms"), i, e) {
			const char *key = json_string_value(json_object_get(e, "primitive"));
			struct term_sum *ts = key ? term_slot(t, n, key) : NULL;
			if (!ts)
				continue;
			ts->ns[run][s] += zc_json_num(e, "ns");
			ts->present[run][s] = 1;
			if (!isfinite(ts->cost[run][s])) { /* the first term of it describes it */
				ts->cost[run][s] = zc_json_num(e, "cost_ns");
				ts->ops[run][s] = zc_json_num(e, "ops_per_iter");
				ts->size[s] = zc_json_num(e, "size");
				ts->rel[run][s] = cost_rel(doc, key, ts->size[s]);
			}
		}
	}
	return 0;
}

/* The pair's predicted ratio as its document's models give it (baseline over zero-copy). */
static double predicted_ratio(const json_t *pair)
{
	const json_t *sides = json_object_get(pair, "sides");
	double b = zc_json_num(json_object_get(json_object_get(sides, "baseline"), "model"), "predicted_ns");
	double z = zc_json_num(json_object_get(json_object_get(sides, "zerocopy"), "model"), "predicted_ns");
	return b > 0 && z > 0 ? b / z : NAN;
}

static void cost_text(const struct term_sum *t, int s, char *out, size_t len)
{
	double a = t->cost[0][s], b = t->cost[1][s];
	if (isfinite(t->size[s]) && t->size[s] > 0) {
		char sz[32];
		zc_size_name((size_t)t->size[s], sz, sizeof sz);
		snprintf(out, len, "%s at %s %.2f -> %.2f GB/s", t->key, sz, t->size[s] / a, t->size[s] / b);
	} else if (fmax(a, b) >= 1000) {
		snprintf(out, len, "%s %.2f -> %.2f us", t->key, a / 1e3, b / 1e3);
	} else {
		snprintf(out, len, "%s %.3g -> %.3g ns", t->key, a, b);
	}
}

/*
 * The part of a term's contribution that its count per iteration made, the rest being its
 * cost's: ns = ops x cost splits in log space as the ratio's move does (ops as ns / cost,
 * so that a primitive's terms summed on a side count as one; a model may subtract some, so
 * a sum can be negative). A term new or gone on a side is all count.
 */
static double count_part(const struct term_sum *t, const double L[ZC_NSIDES])
{
	double c = 0;
	for (int s = 0; s < ZC_NSIDES; s++) {
		double a = t->ns[0][s], b = t->ns[1][s], ca = t->cost[0][s], cb = t->cost[1][s], part = 0;
		if (!(a * b > 0))
			part = (isfinite(a) ? b : 0) - (isfinite(b) ? a : 0);
		else if (ca > 0 && cb > 0 && fabs(b - a) > 1e-12 * a)
			part = (b - a) / log(b / a) * log((b / cb) / (a / ca));
		c += (s == ZC_BASELINE ? 1 : -1) * (isfinite(part) ? part : 0) / L[s];
	}
	return c;
}

/* c / d over the corners of c in [clo, chi] and d in [dlo, dhi]: the share's interval, or
 * NANs when d's interval holds 0 (the move is not told apart from a re-run). */
static void share_interval(double clo, double chi, double dlo, double dhi, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!(dlo > 0 || dhi < 0))
		return;
	double c[4] = {clo / dlo, clo / dhi, chi / dlo, chi / dhi};
	*lo = *hi = c[0];
	for (int i = 1; i < 4; i++) {
		*lo = fmin(*lo, c[i]);
		*hi = fmax(*hi, c[i]);
	}
}

static json_t *share_json(double v, double lo, double hi)
{
	json_t *o = json_object();
	json_object_set_new(o, "share", zc_json_number(v));
	json_object_set_new(o, "ci_low", zc_json_number(lo));
	json_object_set_new(o, "ci_high", zc_json_number(hi));
	return o;
}

static void share_text(char *out, size_t len, double v, double lo, double hi)
{
	if (isfinite(lo))
		snprintf(out, len, "%.0f%% [%.0f%%, %.0f%%]", v * 100, lo * 100, hi * 100);
	else
		snprintf(out, len, "%.0f%%", v * 100);
}

/*
 * One pair's move between two runs, split over its models' primitives. Like is compared
 * with like: the models predict median times, so the move split is that of the ratio of
 * the sides' median times (log_change); the published ratios (trimmed means over the
 * invocations) decide only whether there is a move at all: one inside the prediction
 * interval of a re-run (compare.c) is not attributed. Each contribution carries the
 * interval its costs' intervals give it; each share, that over the move's own interval.
 */
static json_t *attribute_pair(const char *name, const json_t *pa, const json_t *pb, const json_t *A, const json_t *B)
{
	struct term_sum t[MAX_KEYS];
	size_t n = 0;
	double TA[ZC_NSIDES], TB[ZC_NSIDES];
	double ra = zc_json_num(pa, "ratio"), rb = zc_json_num(pb, "ratio");
	if (!(ra > 0) || !(rb > 0))
		return NULL;
	int missing = collect(A, pa, 0, t, &n, TA) ? 1 : collect(B, pb, 1, t, &n, TB) ? 2 : 0;
	if (missing && !(profile_of(A) && profile_of(B)))
		return NULL; /* a run without a profile: nothing to attribute, as the whole says */
	if (missing) { /* listed, not dropped: a reader counts every pair that moved */
		const json_t *p = missing == 1 ? pa : pb;
		char text[512];
		snprintf(text, sizeof text, "no prediction in run %d (%.400s): its move (%.3gx -> %.3gx) is not attributed",
			 missing, json_string_value(json_object_get(p, "model_note")) ?: "no model", ra, rb);
		return json_pack("{s:s, s:f, s:f, s:b, s:b, s:b, s:i, s:s, s:[]}", "pair", name, "ratio_old", ra, "ratio_new",
				 rb, "attributed", 0, "bound", 0, "inside_prediction", 0, "no_prediction_in_run", missing,
				 "explanation", text, "contributions");
	}
	double sa, da, sb, db;
	zc_pair_se_log(pa, &sa, &da);
	zc_pair_se_log(pb, &sb, &db);
	double alpha = zc_json_num(json_object_get(A, "context"), "alpha");
	double hw = zc_prediction_halfwidth(sa, da, sb, db, alpha > 0 ? alpha : 0.05);
	int bound = json_is_string(json_object_get(pa, "ratio_bound")) || json_is_string(json_object_get(pb, "ratio_bound"));
	int inside = isfinite(hw) && fabs(log(rb / ra)) <= hw;
	/* The move of the ratio of median times: what the models' terms add up to. */
	double d = log((TB[0] / TB[1]) / (TA[0] / TA[1])), explained = 0, elo = 0, ehi = 0;
	double L[ZC_NSIDES];
	for (int s = 0; s < ZC_NSIDES; s++)
		L[s] = fabs(TB[s] - TA[s]) > 1e-12 * TA[s] ? (TB[s] - TA[s]) / log(TB[s] / TA[s]) : TA[s];
	for (size_t i = 0; i < n; i++) {
		t[i].contribution = t[i].lo = t[i].hi = 0;
		t[i].one_run = 0;
		for (int s = 0; s < ZC_NSIDES; s++)
			if (strcmp(t[i].key, "loop_floor") && t[i].present[0][s] != t[i].present[1][s])
				t[i].one_run = 1;
		/* A term one run's model lacks has no change to split: its part of the move stays
		 * outside the models. */
		if (t[i].one_run)
			continue;
		for (int s = 0; s < ZC_NSIDES; s++)
			t[i].contribution += (s == ZC_BASELINE ? 1 : -1) * (t[i].ns[1][s] - t[i].ns[0][s]) / L[s];
		/* The interval: each run's cost at either end of its profile's interval, the same
		 * end for both sides (one measurement of the primitive serves both). */
		t[i].lo = t[i].hi = t[i].contribution;
		for (int e0 = -1; e0 <= 1; e0 += 2)
			for (int e1 = -1; e1 <= 1; e1 += 2) {
				double c = 0;
				for (int s = 0; s < ZC_NSIDES; s++)
					c += (s == ZC_BASELINE ? 1 : -1) *
					     (t[i].ns[1][s] * (1 + e1 * t[i].rel[1][s]) - t[i].ns[0][s] * (1 + e0 * t[i].rel[0][s])) /
					     L[s];
				t[i].lo = fmin(t[i].lo, c);
				t[i].hi = fmax(t[i].hi, c);
			}
		explained += t[i].contribution;
		elo += t[i].lo;
		ehi += t[i].hi;
	}
	double dlo = isfinite(hw) ? d - hw : d, dhi = isfinite(hw) ? d + hw : d;
	json_t *o = json_object();
	json_object_set_new(o, "pair", json_string(name));
	json_object_set_new(o, "ratio_old", json_real(ra));
	json_object_set_new(o, "ratio_new", json_real(rb));
	json_object_set_new(o, "median_ratio_old", json_real(TA[0] / TA[1]));
	json_object_set_new(o, "median_ratio_new", json_real(TB[0] / TB[1]));
	/* What the models predict in each run: the move is attributed, the levels are checked. */
	json_object_set_new(o, "predicted_ratio_old", zc_json_number(predicted_ratio(pa)));
	json_object_set_new(o, "predicted_ratio_new", zc_json_number(predicted_ratio(pb)));
	json_object_set_new(o, "log_change", json_real(d));
	json_object_set_new(o, "prediction_halfwidth_log", zc_json_number(hw));
	json_object_set_new(o, "inside_prediction", json_boolean(inside));
	json_object_set_new(o, "bound", json_boolean(bound));
	int attributed = !inside && !bound && fabs(d) > 1e-12;
	json_object_set_new(o, "attributed", json_boolean(attributed));
	json_t *cs = json_array();
	int top = -1;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object();
		double lo, hi;
		share_interval(t[i].lo, t[i].hi, dlo, dhi, &lo, &hi);
		json_object_set_new(c, "primitive", json_string(t[i].key));
		json_object_set_new(c, "in_one_run_only", json_boolean(t[i].one_run));
		json_object_set_new(c, "log_contribution", json_real(t[i].contribution));
		json_object_set_new(c, "log_contribution_ci", json_pack("[oo]", zc_json_number(t[i].lo), zc_json_number(t[i].hi)));
		json_object_update_new(c, share_json(attributed ? t[i].contribution / d : NAN, attributed ? lo : NAN,
						     attributed ? hi : NAN));
		json_array_append_new(cs, c);
		/* The named primitive moves the ratio the way it moved, by at least 5% of it. */
		if (!t[i].one_run && t[i].contribution * d > 0 && fabs(t[i].contribution) >= 0.05 * fabs(d) && (top < 0 || fabs(t[i].contribution) > fabs(t[top].contribution)))
			top = (int)i;
	}
	json_object_set_new(o, "contributions", cs);
	double ulo, uhi, u = attributed ? (d - explained) / d : NAN;
	share_interval(d - ehi, d - elo, dlo, dhi, &ulo, &uhi);
	json_object_set_new(o, "unexplained", share_json(u, attributed ? ulo : NAN, attributed ? uhi : NAN));
	json_object_set_new(o, "unexplained_share", zc_json_number(u));
	char text[1536], us[96], one[160] = "";
	for (size_t i = 0; i < n; i++)
		if (t[i].one_run && strlen(one) + strlen(t[i].key) + 40 < sizeof one)
			snprintf(one + strlen(one), sizeof one - strlen(one), "%s%s", one[0] ? ", " : "", t[i].key);
	share_text(us, sizeof us, u, ulo, uhi);
	if (one[0])
		snprintf(us + strlen(us), sizeof us - strlen(us), " (in one run's models only: %.40s)", one);
	if (bound) {
		snprintf(text, sizeof text, "a bound (a side at the loop floor): its move (%.3gx -> %.3gx) is not attributed", ra, rb);
	} else if (!attributed) {
		snprintf(text, sizeof text, "inside the prediction interval of a re-run (%+.1f%%, re-run +-%.1f%%): not attributed",
			 (rb / ra - 1) * 100, isfinite(hw) ? (exp(hw) - 1) * 100 : NAN);
	} else if (top < 0) {
		snprintf(text, sizeof text, "outside the models: no primitive of them moves the ratio the way it moved "
					    "(%.3gx -> %.3gx)", ra, rb);
	} else {
		struct term_sum *w = &t[top];
		/* Describe it on the side where it moved the ratio most. */
		int s = fabs((w->ns[1][1] - w->ns[0][1]) / L[1]) > fabs((w->ns[1][0] - w->ns[0][0]) / L[0]) ? 1 : 0;
		char cost[160] = "", ops[160] = "", why[512], unk[256], sh[64];
		if (strcmp(w->key, "loop_floor") == 0)
			snprintf(cost, sizeof cost, "the loop floor");
		else
			cost_text(w, s, cost, sizeof cost);
		double oa = w->ops[0][s], ob = w->ops[1][s];
		if (isfinite(oa) && isfinite(ob) && fabs(ob - oa) > 0.1 * fmax(oa, ob))
			snprintf(ops, sizeof ops, ", %.3g -> %.3g per iteration", oa, ob);
		int p = zc_prim_from_key(w->key);
		settings_differ(A, B, p >= 0 ? zc_prim_info[p].settings : NULL, why, sizeof why, unk, sizeof unk);
		/* Most of it from how many per iteration (measured: syscalls, faults, switches,
		 * wake-ups, copies), not from what one costs: that is the cause, and the settings
		 * its cost depends on come second. */
		int by_count = strcmp(w->key, "loop_floor") && fabs(count_part(w, L)) > 0.5 * fabs(w->contribution);
		if (by_count) {
			char settings[512];
			snprintf(settings, sizeof settings, "%s", why);
			snprintf(why, sizeof why, "how many per iteration (%.3g -> %.3g on the %s side)%s%.400s",
				 w->ns[0][s] / w->cost[0][s], w->ns[1][s] / w->cost[1][s], side_key[s],
				 settings[0] ? "; its cost's settings that differ: " : "", settings);
		}
		double lo, hi;
		share_interval(w->lo, w->hi, dlo, dhi, &lo, &hi);
		share_text(sh, sizeof sh, w->contribution / d, lo, hi);
		snprintf(text, sizeof text, "%s (%s side%s) explains %s of the move (%.3gx -> %.3gx); cause: %s%s%s%s; outside the models %s",
			 cost, side_key[s], ops, sh, ra, rb, why[0] ? why : "no setting it depends on differs",
			 unk[0] ? " (unknown: " : "", unk, unk[0] ? ")" : "", us);
		json_object_set_new(o, "primitive", json_string(w->key));
		json_object_set_new(o, "primitive_share", json_real(w->contribution / d));
		json_object_set_new(o, "primitive_share_ci", json_pack("[oo]", zc_json_number(lo), zc_json_number(hi)));
		json_object_set_new(o, "cause", why[0] ? json_string(why) : json_null());
		json_object_set_new(o, "cause_kind", json_string(by_count ? "count" : "cost"));
		json_object_set_new(o, "cause_unknown", unk[0] ? json_string(unk) : json_null());
	}
	json_object_set_new(o, "explanation", json_string(text));
	return o;
}

int zc_attribute_docs(const json_t *A, const json_t *B, const char *old_path, const char *new_path,
		      const char *models, FILE *out)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "old", json_string(old_path));
	json_object_set_new(doc, "new", json_string(new_path));
	json_object_set_new(doc, "models", json_string(models));
	json_object_set_new(doc, "old_has_profile", json_boolean(profile_of(A) != NULL));
	json_object_set_new(doc, "new_has_profile", json_boolean(profile_of(B) != NULL));
	json_object_set_new(doc, "primitives", primitives(A, B));
	json_t *pairs = json_array();
	size_t i, j;
	const json_t *pb, *pa;
	json_array_foreach(json_object_get(B, "pairs"), i, pb) {
		const char *name = json_string_value(json_object_get(pb, "name"));
		const char *param = json_string_value(json_object_get(pb, "param"));
		if (!name || !param)
			continue;
		json_array_foreach(json_object_get(A, "pairs"), j, pa) {
			if (json_equal(json_object_get(pa, "name"), json_object_get(pb, "name")) &&
			    json_equal(json_object_get(pa, "param"), json_object_get(pb, "param"))) {
				char full[256];
				snprintf(full, sizeof full, "%s/%s", name, param);
				json_t *e = attribute_pair(full, pa, pb, A, B);
				if (e)
					json_array_append_new(pairs, e);
				break;
			}
		}
	}
	json_object_set_new(doc, "pairs", pairs);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	int rc = text && fprintf(out, "%s\n", text) > 0 ? 0 : 1;
	free(text);
	json_decref(doc);
	return rc;
}

int zc_attribute(const char *old_path, const char *new_path, FILE *out)
{
	json_t *A = zc_result_read(old_path, "--attribute"), *B = A ? zc_result_read(new_path, "--attribute") : NULL;
	if (!A || !B) {
		json_decref(A);
		return 2;
	}
	int rc = zc_attribute_docs(A, B, old_path, new_path, "as published", out);
	json_decref(A);
	json_decref(B);
	return rc;
}
