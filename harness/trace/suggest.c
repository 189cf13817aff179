/*
 * suggest.c - from a profile's copied paths to the pairs that measured the alternative.
 *
 * Each pair says what IO its baseline is (zc_pair.replaces). A pair is suggested when the
 * program's copied paths show every one of its terms; the figures are the pair's ratio
 * and interval in the newest result of this machine (results/<machine>/), at the param of
 * the path's kind nearest in bytes per call. Nothing is estimated: no result, no figure.
 * A term needs at least 1 MiB copied: a loader reading a library is no case for a change.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Below this, per term, a path is not worth a suggestion (a loader reading a library). */
#define MIN_BYTES (1u << 20)

/* The newest result of this machine: runs are named by their UTC time, each a folder
 * <run>/<run>.json (or, in the older layout, a file <run>.json). The pairs' verdicts are
 * in the document itself: its samples file is not needed here. */
static json_t *newest_result(const char *results_dir, char *path, size_t pathlen)
{
	char machine[128], facts[512], dir[2048];
	zc_machine_identity(machine, sizeof machine, facts, sizeof facts);
	if (snprintf(dir, sizeof dir, "%s/%s", results_dir, machine) >= (int)sizeof dir)
		return NULL;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	json_t *doc = NULL;
	for (int i = n - 1; i >= 0; i--) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		int file = len > 5 && !strcmp(name + len - 5, ".json");
		if (!doc && len < 1024 && name[0] >= '0' && name[0] <= '9') {
			if (file)
				snprintf(path, pathlen, "%s/%s", dir, name);
			else
				snprintf(path, pathlen, "%s/%s/%s.json", dir, name, name);
			doc = json_load_file(path, 0, NULL);
			if (doc && !json_is_array(json_object_get(doc, "pairs"))) {
				json_decref(doc);
				doc = NULL;
			}
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return doc;
}

struct match {
	uint64_t bytes, calls;
	const struct zc_io_path *largest; /* the term's path with most bytes */
};

static int name_has_kind(const char *param, int kind)
{
	return strstr(param, zc_fd_kind_name[kind]) != NULL;
}

static int kind_in_name(const char *param)
{
	for (int k = 0; k < ZC_FD_OTHER; k++)
		if (name_has_kind(param, k))
			return 1;
	return 0;
}

/* The result's param of this pair for the path: its kind's (when params are named by
 * kind), nearest in bytes per call on a log scale. */
static json_t *pick_param(json_t *result, const char *pair, int kind, uint64_t per_call)
{
	json_t *best = NULL, *e;
	double best_d = INFINITY;
	size_t i;
	int by_kind = 0;
	json_array_foreach(json_object_get(result, "pairs"), i, e) {
		const char *param = json_string_value(json_object_get(e, "param"));
		if (param && !strcmp(json_string_value(json_object_get(e, "name")) ?: "", pair) &&
		    name_has_kind(param, kind))
			by_kind = 1;
	}
	json_array_foreach(json_object_get(result, "pairs"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *param = json_string_value(json_object_get(e, "param"));
		if (!name || !param || strcmp(name, pair) || !json_is_number(json_object_get(e, "ratio")))
			continue;
		if (by_kind ? !name_has_kind(param, kind) : kind_in_name(param))
			continue;
		double bytes = json_number_value(json_object_get(e, "bytes_per_iter"));
		double d = fabs(log((bytes > 0 ? bytes : 1) / (double)(per_call ? per_call : 1)));
		/* A tie (32 KiB between 16 and 64) goes to the larger size. */
		if (d < best_d - 1e-9 || (d < best_d + 1e-9 && best &&
					  bytes > json_number_value(json_object_get(best, "bytes_per_iter")))) {
			best_d = d;
			best = e;
		}
	}
	return best;
}

/* Every measured param of the pair for that kind, smallest first: the ratio across sizes. */
static json_t *all_params(json_t *result, const char *pair, int kind)
{
	json_t *out = json_array(), *e;
	size_t i;
	int by_kind = 0;
	json_array_foreach(json_object_get(result, "pairs"), i, e) {
		const char *param = json_string_value(json_object_get(e, "param"));
		if (param && !strcmp(json_string_value(json_object_get(e, "name")) ?: "", pair) && name_has_kind(param, kind))
			by_kind = 1;
	}
	json_array_foreach(json_object_get(result, "pairs"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *param = json_string_value(json_object_get(e, "param"));
		if (!name || !param || strcmp(name, pair) || !json_is_number(json_object_get(e, "ratio")) ||
		    (by_kind ? !name_has_kind(param, kind) : kind_in_name(param)))
			continue;
		json_t *p = json_object();
		json_object_set_new(p, "param", json_string(param));
		json_object_set(p, "bytes_per_iter", json_object_get(e, "bytes_per_iter"));
		json_object_set(p, "ratio", json_object_get(e, "ratio"));
		json_object_set(p, "ratio_ci_low", json_object_get(e, "ratio_ci_low"));
		json_object_set(p, "ratio_ci_high", json_object_get(e, "ratio_ci_high"));
		json_object_set(p, "verdict", json_object_get(e, "verdict"));
		size_t at = json_array_size(out);
		while (at > 0 && json_number_value(json_object_get(json_array_get(out, at - 1), "bytes_per_iter")) >
					 json_number_value(json_object_get(p, "bytes_per_iter")))
			at--;
		json_array_insert_new(out, at, p);
	}
	return out;
}

static void copy_field(json_t *to, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);
	json_object_set(to, key, v ? v : json_null());
}

json_t *zc_ioprof_suggest(const struct zc_ioprof *p, const char *results_dir)
{
	char result_path[4096] = "";
	json_t *result = NULL, *out = json_array();
	int looked = 0;
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *pair = zc_registry_get(i);
		struct zc_replaces_term t[ZC_REPLACES_TERMS];
		char why[200];
		int nt = pair->replaces ? zc_replaces_parse(pair->replaces, t, ZC_REPLACES_TERMS, why, sizeof why) : -1;
		if (nt <= 0 || (pair->flags & ZC_PAIR_CONTROL))
			continue;
		struct match m[ZC_REPLACES_TERMS] = {{0}};
		int all = 1;
		for (int k = 0; k < nt; k++) {
			for (size_t j = 0; j < p->npaths; j++) {
				const struct zc_io_path *q = &p->paths[j];
				if (!zc_io_path_copied(q) || q->sys->dir != t[k].dir || !(t[k].kinds & (1u << q->kind)) ||
				    !q->bytes)
					continue;
				m[k].bytes += q->bytes;
				m[k].calls += q->calls;
				if (!m[k].largest || q->bytes > m[k].largest->bytes)
					m[k].largest = q;
			}
			all &= m[k].bytes >= MIN_BYTES;
		}
		if (!all)
			continue;
		if (!looked) {
			result = newest_result(results_dir, result_path, sizeof result_path);
			looked = 1;
		}
		json_t *s = json_object(), *terms = json_array();
		uint64_t copied = 0;
		char text[2048], *w = text, b[32];
		size_t left = sizeof text;
		for (int k = 0; k < nt; k++) {
			int exact;
			uint64_t median = zc_io_path_quantile(m[k].largest, 0.5, &exact);
			json_t *j = json_object();
			json_object_set_new(j, "direction", json_string(t[k].dir == ZC_DIR_IN ? "in" : "out"));
			json_object_set_new(j, "syscall", json_string(m[k].largest->sys->name));
			json_object_set_new(j, "fd_kind", json_string(zc_fd_kind_name[m[k].largest->kind]));
			json_object_set_new(j, "bytes", json_integer((json_int_t)m[k].bytes));
			json_object_set_new(j, "calls", json_integer((json_int_t)m[k].calls));
			json_object_set_new(j, "bytes_per_call_median", json_integer((json_int_t)median));
			json_array_append_new(terms, j);
			copied += m[k].bytes;
			zc_si((double)m[k].bytes, "B", b, sizeof b);
			int n = snprintf(w, left, "%s%s %s %s", k ? " + " : "", m[k].largest->sys->name,
					 zc_fd_kind_name[m[k].largest->kind], b);
			if (n > 0 && (size_t)n < left) {
				w += n;
				left -= (size_t)n;
			}
		}
		json_object_set_new(s, "pair", json_string(pair->name));
		json_object_set_new(s, "baseline", json_string(pair->side[ZC_BASELINE].desc));
		json_object_set_new(s, "zerocopy", json_string(pair->side[ZC_ZEROCOPY].desc));
		json_object_set_new(s, "paths", terms);
		json_object_set_new(s, "copied_bytes", json_integer((json_int_t)copied));
		/* The param: the kind and size of the path the data leaves by (the last term). */
		int exact;
		const struct zc_io_path *last = m[nt - 1].largest;
		json_t *e = result ? pick_param(result, pair->name, last->kind, zc_io_path_quantile(last, 0.5, &exact)) : NULL;
		if (e) {
			json_object_set_new(s, "result", json_string(result_path));
			copy_field(s, e, "param");
			copy_field(s, e, "bytes_per_iter");
			copy_field(s, e, "ratio");
			copy_field(s, e, "ratio_ci_low");
			copy_field(s, e, "ratio_ci_high");
			copy_field(s, e, "verdict");
			copy_field(s, e, "cpu_ratio");
			copy_field(s, e, "cpu_verdict");
			json_t *sizes = all_params(result, pair->name, last->kind), *x;
			json_object_set_new(s, "params", sizes);
			int n = snprintf(w, left, " copied through user buffers; %s/%s measured %s %.2fx [%.2f, %.2f] (%s) in %s",
					 pair->name, json_string_value(json_object_get(e, "param")),
					 pair->side[ZC_ZEROCOPY].desc, json_number_value(json_object_get(e, "ratio")),
					 json_number_value(json_object_get(e, "ratio_ci_low")),
					 json_number_value(json_object_get(e, "ratio_ci_high")),
					 json_string_value(json_object_get(e, "verdict")) ?: "?", result_path);
			size_t k;
			json_array_foreach(sizes, k, x) {
				if (n <= 0 || (size_t)n >= left)
					break;
				w += n;
				left -= (size_t)n;
				n = snprintf(w, left, "%s%s %.2fx", k ? ", " : "; by size: ",
					     json_string_value(json_object_get(x, "param")),
					     json_number_value(json_object_get(x, "ratio")));
			}
		} else {
			json_object_set_new(s, "result", json_null());
			snprintf(w, left, " copied through user buffers; %s (%s) has no measured result on this machine: run make bench",
				 pair->name, pair->side[ZC_ZEROCOPY].desc);
		}
		json_object_set_new(s, "text", json_string(text));
		/* Most bytes first. */
		size_t at = json_array_size(out);
		while (at > 0 && json_integer_value(json_object_get(json_array_get(out, at - 1), "copied_bytes")) <
					 (json_int_t)copied)
			at--;
		json_array_insert_new(out, at, s);
	}
	json_decref(result);
	return out;
}
