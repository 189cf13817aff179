/*
 * crossover.c - zcbench crossover RESULT: for each size sweep in a run (a pair's params
 * that differ only in their size token: 4KiB_warm, 64KiB_warm, ...), the sizes at which
 * the ratio crosses 1, with an interval. The ratio and its interval bounds are
 * interpolated on log size and log ratio between measured sizes; the crossing's interval
 * runs from where the interval stops holding 1 below it to where it stops above it. An
 * end the sweep never reaches is open (null): the crossing lies beyond the sizes measured.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_SWEEP 64

struct point {
	double bytes, r, lo, hi; /* ln of each */
	const char *param;
};

/* The size token of a param ("64KiB" in "64KiB_warm"): its bytes, and the param with the
 * token replaced by '*' in key. 0 when it has none. */
static double size_token(const char *param, char *key, size_t keylen)
{
	const char *p = param;
	while (*p) {
		const char *start = p;
		if (start == param || start[-1] == '_') {
			char *end;
			double v = strtod(start, &end);
			if (end > start && *start >= '0' && *start <= '9') {
				double mult = 0;
				size_t ul = 0;
				if (!strncmp(end, "KiB", 3)) mult = 1024, ul = 3;
				else if (!strncmp(end, "MiB", 3)) mult = 1048576, ul = 3;
				else if (!strncmp(end, "GiB", 3)) mult = 1073741824.0, ul = 3;
				else if (!strncmp(end, "B", 1)) mult = 1, ul = 1;
				if (mult > 0 && (end[ul] == '\0' || end[ul] == '_')) {
					snprintf(key, keylen, "%.*s*%s", (int)(start - param), param, end + ul);
					return v * mult;
				}
			}
		}
		p++;
	}
	return 0;
}

static int by_bytes(const void *a, const void *b)
{
	double x = ((const struct point *)a)->bytes, y = ((const struct point *)b)->bytes;
	return (x > y) - (x < y);
}

/* Where the segment from (x0, y0) to (x1, y1) crosses y = 0, on the x axis (log size). */
static double cross_at(double x0, double y0, double x1, double y1)
{
	return y1 == y0 ? x0 : x0 + (0 - y0) * (x1 - x0) / (y1 - y0);
}

/* Which ln-value of a point a bound follows: 0 lo, 1 hi. */
static double bound(const struct point *p, int which)
{
	return which ? p->hi : p->lo;
}

/* Below the crossing c (ln size, in segment seg): the largest size <= c where the bound
 * `which` is on the far side of 1 (sign * value > 0); NAN when the sweep never gets there. */
static double end_below(const struct point *pt, size_t seg, double c, int which, int sign)
{
	double right = c, right_v = NAN;
	for (size_t j = seg + 1; j-- > 0;) {
		const struct point *a = &pt[j], *b = &pt[j + 1];
		double va = bound(a, which), vb = bound(b, which);
		/* the bound at the segment's right end (c inside the crossing's segment) */
		right_v = j == seg ? va + (vb - va) * (right - log(a->bytes)) / (log(b->bytes) - log(a->bytes)) : vb;
		if (sign * right_v > 0)
			return exp(right);
		if (sign * va > 0)
			return exp(cross_at(log(a->bytes), va, right, right_v));
		right = log(a->bytes);
	}
	return NAN;
}

/* Above c: the smallest size >= c where bound `which` is on the far side (sign * value > 0). */
static double end_above(const struct point *pt, size_t n, size_t seg, double c, int which, int sign)
{
	double left = c;
	for (size_t j = seg; j + 1 < n; j++) {
		const struct point *a = &pt[j], *b = &pt[j + 1];
		double va = bound(a, which), vb = bound(b, which);
		double left_v = j == seg ? va + (vb - va) * (left - log(a->bytes)) / (log(b->bytes) - log(a->bytes)) : va;
		if (sign * left_v > 0)
			return exp(left);
		if (sign * vb > 0)
			return exp(cross_at(left, left_v, log(b->bytes), vb));
		left = log(b->bytes);
	}
	return NAN;
}

/* One sweep's crossings. */
static json_t *sweep_json(const char *pair, const char *key, struct point *pt, size_t n)
{
	qsort(pt, n, sizeof *pt, by_bytes);
	json_t *o = json_object(), *sizes = json_array(), *params = json_array(), *cr = json_array();
	json_object_set_new(o, "pair", json_string(pair));
	json_object_set_new(o, "sweep", json_string(key));
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(sizes, json_real(pt[i].bytes));
		json_array_append_new(params, json_string(pt[i].param));
	}
	json_object_set_new(o, "sizes", sizes);
	json_object_set_new(o, "params", params);
	for (size_t i = 0; i + 1 < n; i++) {
		double y0 = pt[i].r, y1 = pt[i + 1].r;
		if (!((y0 < 0 && y1 >= 0) || (y0 >= 0 && y1 < 0)) || (y0 == 0 && i > 0))
			continue;
		double c = cross_at(log(pt[i].bytes), y0, log(pt[i + 1].bytes), y1);
		int up = y1 > y0; /* zero-copy wins above the crossing */
		/* Rising: below c the interval lies wholly under 1 where hi < 0; above, lo > 0. */
		double lo_end = up ? end_below(pt, i, c, 1, -1) : end_below(pt, i, c, 0, 1);
		double hi_end = up ? end_above(pt, n, i, c, 0, 1) : end_above(pt, n, i, c, 1, -1);
		json_t *x = json_object();
		json_object_set_new(x, "bytes", json_real(exp(c)));
		json_object_set_new(x, "ci_low", zc_json_number(lo_end));
		json_object_set_new(x, "ci_high", zc_json_number(hi_end));
		json_object_set_new(x, "zerocopy_wins", json_string(up ? "above" : "below"));
		json_object_set_new(x, "between", json_pack("[s,s]", pt[i].param, pt[i + 1].param));
		json_array_append_new(cr, x);
	}
	json_object_set_new(o, "crossings", cr);
	/* With no crossing: which side wins throughout, by the measured ratios. */
	int above = 0;
	for (size_t i = 0; i < n; i++)
		above += pt[i].r > 0;
	json_object_set_new(o, "ratio_above_1", json_integer(above));
	json_object_set_new(o, "points", json_integer((json_int_t)n));
	return o;
}

json_t *zc_crossovers(const json_t *doc)
{
	json_t *out = json_array();
	const json_t *pairs = json_object_get(doc, "pairs");
	size_t np = json_array_size(pairs);
	char *done = calloc(np ? np : 1, 1);
	for (size_t i = 0; done && i < np; i++) {
		const json_t *p = json_array_get(pairs, i);
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *param = json_string_value(json_object_get(p, "param"));
		char key[256], k2[256];
		if (done[i] || !name || !param || size_token(param, key, sizeof key) == 0)
			continue;
		struct point pt[MAX_SWEEP];
		size_t n = 0;
		for (size_t j = i; j < np && n < MAX_SWEEP; j++) {
			const json_t *q = json_array_get(pairs, j);
			const char *qn = json_string_value(json_object_get(q, "name"));
			const char *qp = json_string_value(json_object_get(q, "param"));
			double bytes = qn && qp && !strcmp(qn, name) ? size_token(qp, k2, sizeof k2) : 0;
			if (bytes == 0 || strcmp(k2, key) != 0)
				continue;
			done[j] = 1;
			const char *st = json_string_value(json_object_get(q, "status"));
			double r = json_number_value(json_object_get(q, "ratio"));
			double lo = json_number_value(json_object_get(q, "ratio_ci_low"));
			double hi = json_number_value(json_object_get(q, "ratio_ci_high"));
			/* A bound (a side at the loop floor) is no point on the curve. */
			if (!st || strcmp(st, "ok") != 0 || !(r > 0 && lo > 0 && hi > 0) ||
			    json_is_string(json_object_get(q, "ratio_bound")))
				continue;
			pt[n++] = (struct point){bytes, log(r), log(lo), log(hi), qp};
		}
		if (n >= 2)
			json_array_append_new(out, sweep_json(name, key, pt, n));
	}
	free(done);
	return out;
}

int zc_crossover(const char *path, FILE *out)
{
	json_t *doc = zc_result_read(path, "crossover");
	if (!doc)
		return 2;
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string(path));
	json_object_set_new(o, "sweeps", zc_crossovers(doc));
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	json_decref(o);
	json_decref(doc);
	return text ? 0 : 1;
}
