/*
 * attribution.c - zcbench --attribute OLD NEW: which primitive explains a changed ratio.
 *
 * Each side's model (model.c) is linear in its terms, so a side's predicted change between
 * two runs splits exactly into per-term changes (cost x count, new minus old). A ratio's
 * change in log space is the baseline's change of ln T minus the zero-copy side's, and
 * ln(T1 / T0) = (T1 - T0) / L(T0, T1) exactly, L being the logarithmic mean (T1 - T0) /
 * ln(T1 / T0) (the LMDI decomposition; an arithmetic mean would halve a 40x change). So
 * the change of ln(ratio) splits into one contribution per primitive, term change / L,
 * plus what the models do not account for, and each share is a contribution over the
 * measured change. The settings a primitive depends on
 * (zc_prim_info[].settings) that differ between the runs are named beside it.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_KEYS 24

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

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

static void value_text(const json_t *v, char *out, size_t len)
{
	if (json_is_string(v))
		snprintf(out, len, "%s", json_string_value(v));
	else if (json_is_number(v))
		snprintf(out, len, "%.3g", json_number_value(v));
	else if (!v || json_is_null(v))
		snprintf(out, len, "-");
	else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(out, len, "%s", d ? d : "?");
		free(d);
	}
}

static int differs(const json_t *a, const json_t *b)
{
	if ((!a || json_is_null(a)) && (!b || json_is_null(b)))
		return 0; /* unknown in both runs: nothing to name */
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);
		return fabs(x - y) > 0.05 * fmax(fabs(x), fabs(y)); /* measured settings: 5% */
	}
	return !json_equal(a, b);
}

/* "key: A -> B; ..." for the settings of a primitive that differ between the runs. */
static void settings_differ(const json_t *A, const json_t *B, const char *keys, char *out, size_t len)
{
	char list[256], *save = NULL;
	out[0] = 0;
	snprintf(list, sizeof list, "%s", keys ? keys : "");
	for (char *k = strtok_r(list, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		const json_t *a = setting(A, k), *b = setting(B, k);
		if (!differs(a, b))
			continue;
		if (json_is_object(a) && json_is_object(b) && strcmp(k, "mitigations") == 0) {
			const char *m;
			const json_t *va;
			json_object_foreach((json_t *)a, m, va) {
				const json_t *vb = json_object_get(b, m);
				if (json_equal(va, vb))
					continue;
				char x[96], y[96];
				value_text(va, x, sizeof x);
				value_text(vb, y, sizeof y);
				size_t l = strlen(out);
				snprintf(out + l, len - l, "%s%s %s: %s -> %s", l ? "; " : "", k, m, x, y);
			}
			continue;
		}
		char x[160], y[160];
		value_text(a, x, sizeof x);
		value_text(b, y, sizeof y);
		size_t l = strlen(out);
		snprintf(out + l, len - l, "%s%s: %s -> %s", l ? "; " : "", k, x, y);
	}
}

static json_t *interval_pair(const json_t *v)
{
	json_t *a = json_array();
	json_array_append_new(a, zc_json_number(num(v, "ci_low")));
	json_array_append_new(a, zc_json_number(num(v, "ci_high")));
	return a;
}

static json_t *primitive_row(const char *key, const char *size, const json_t *va, const json_t *vb,
			     const json_t *A, const json_t *B)
{
	json_t *o = json_object();
	int p = zc_prim_from_key(key);
	double ma = num(va, "median"), mb = num(vb, "median");
	json_object_set_new(o, "primitive", json_string(key));
	json_object_set_new(o, "size", size ? json_string(size) : json_null());
	json_object_set_new(o, "unit", json_string(size ? "ns_per_byte" : "ns"));
	json_object_set_new(o, "old", zc_json_number(ma));
	json_object_set_new(o, "old_ci", interval_pair(va));
	json_object_set_new(o, "new", zc_json_number(mb));
	json_object_set_new(o, "new_ci", interval_pair(vb));
	json_object_set_new(o, "change", zc_json_number(ma > 0 ? mb / ma : NAN));
	/* Apart: the two intervals do not overlap. */
	int apart = num(vb, "ci_low") > num(va, "ci_high") || num(vb, "ci_high") < num(va, "ci_low");
	json_object_set_new(o, "apart", json_boolean(apart));
	char why[512];
	settings_differ(A, B, p >= 0 ? zc_prim_info[p].settings : NULL, why, sizeof why);
	json_object_set_new(o, "settings_differ", why[0] ? json_string(why) : json_null());
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
	double contribution;       /* to d ln(ratio) */
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

static const char *const side_key[ZC_NSIDES] = {"baseline", "zerocopy"};

static int collect(const json_t *pair, int run, struct term_sum *t, size_t *n, double T[ZC_NSIDES])
{
	for (int s = 0; s < ZC_NSIDES; s++) {
		const json_t *side = json_object_get(json_object_get(pair, "sides"), side_key[s]);
		const json_t *m = json_object_get(side, "model");
		T[s] = num(json_object_get(side, "time_ns"), "median");
		if (!isfinite(num(m, "predicted_ns")) || !(T[s] > 0))
			return -1;
		struct term_sum *f = term_slot(t, n, "loop_floor");
		if (f)
			f->ns[run][s] += num(m, "floor_ns");
		size_t i;
		const json_t *e;
		json_array_foreach(json_object_get(m, "terms"), i, e) {
			const char *key = json_string_value(json_object_get(e, "primitive"));
			struct term_sum *ts = key ? term_slot(t, n, key) : NULL;
			if (!ts)
				continue;
			ts->ns[run][s] += num(e, "ns");
			if (!isfinite(ts->cost[run][s])) { /* the first term of it describes it */
				ts->cost[run][s] = num(e, "cost_ns");
				ts->ops[run][s] = num(e, "ops_per_iter");
				ts->size[s] = num(e, "size");
			}
		}
	}
	return 0;
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

static json_t *attribute_pair(const char *name, const json_t *pa, const json_t *pb, const json_t *A, const json_t *B)
{
	struct term_sum t[MAX_KEYS];
	size_t n = 0;
	double TA[ZC_NSIDES], TB[ZC_NSIDES];
	double ra = num(pa, "ratio"), rb = num(pb, "ratio");
	if (!(ra > 0) || !(rb > 0) || collect(pa, 0, t, &n, TA) || collect(pb, 1, t, &n, TB))
		return NULL;
	double d = log(rb / ra), explained = 0;
	double L[ZC_NSIDES];
	for (int s = 0; s < ZC_NSIDES; s++)
		L[s] = fabs(TB[s] - TA[s]) > 1e-12 * TA[s] ? (TB[s] - TA[s]) / log(TB[s] / TA[s]) : TA[s];
	for (size_t i = 0; i < n; i++) {
		t[i].contribution = 0;
		for (int s = 0; s < ZC_NSIDES; s++)
			t[i].contribution += (s == ZC_BASELINE ? 1 : -1) * (t[i].ns[1][s] - t[i].ns[0][s]) / L[s];
		explained += t[i].contribution;
	}
	json_t *o = json_object();
	json_object_set_new(o, "pair", json_string(name));
	json_object_set_new(o, "ratio_old", json_real(ra));
	json_object_set_new(o, "ratio_new", json_real(rb));
	json_object_set_new(o, "log_change", json_real(d));
	json_t *cs = json_array();
	int top = -1;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "primitive", json_string(t[i].key));
		json_object_set_new(c, "log_contribution", json_real(t[i].contribution));
		json_object_set_new(c, "share", zc_json_number(fabs(d) > 1e-12 ? t[i].contribution / d : NAN));
		json_array_append_new(cs, c);
		if (t[i].contribution * d > 0 && (top < 0 || fabs(t[i].contribution) > fabs(t[top].contribution)))
			top = (int)i;
	}
	json_object_set_new(o, "contributions", cs);
	json_object_set_new(o, "unexplained_share", zc_json_number(fabs(d) > 1e-12 ? (d - explained) / d : NAN));
	char text[1536];
	if (top < 0) {
		snprintf(text, sizeof text, "no primitive of the models moves the ratio in the direction it moved; "
					    "the change (%+.1f%%) is outside the models", (exp(d) - 1) * 100);
	} else {
		struct term_sum *w = &t[top];
		/* Describe it on the side where it moved the ratio most. */
		int s = fabs((w->ns[1][1] - w->ns[0][1]) / L[1]) > fabs((w->ns[1][0] - w->ns[0][0]) / L[0]) ? 1 : 0;
		char cost[160] = "", ops[160] = "", why[512];
		if (strcmp(w->key, "loop_floor") == 0)
			snprintf(cost, sizeof cost, "the loop floor");
		else
			cost_text(w, s, cost, sizeof cost);
		double oa = w->ops[0][s], ob = w->ops[1][s];
		if (isfinite(oa) && isfinite(ob) && fabs(ob - oa) > 0.1 * fmax(oa, ob))
			snprintf(ops, sizeof ops, ", %.3g -> %.3g per iteration", oa, ob);
		int p = zc_prim_from_key(w->key);
		settings_differ(A, B, p >= 0 ? zc_prim_info[p].settings : NULL, why, sizeof why);
		snprintf(text, sizeof text, "%s (%s side%s)%s%s%s explains %.0f%% of the change (%.3gx -> %.3gx)", cost,
			 side_key[s], ops, why[0] ? " (" : "", why, why[0] ? " differ)" : "",
			 w->contribution / d * 100, ra, rb);
		json_object_set_new(o, "primitive", json_string(w->key));
		json_object_set_new(o, "primitive_share", json_real(w->contribution / d));
	}
	json_object_set_new(o, "explanation", json_string(text));
	return o;
}

int zc_attribute(const char *old_path, const char *new_path, FILE *out)
{
	json_t *A = zc_result_read(old_path, "--attribute"), *B = A ? zc_result_read(new_path, "--attribute") : NULL;
	if (!A || !B) {
		json_decref(A);
		return 2;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "old", json_string(old_path));
	json_object_set_new(doc, "new", json_string(new_path));
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
	json_decref(A);
	json_decref(B);
	return rc;
}
