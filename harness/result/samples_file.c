/*
 * samples_file.c - a result as two files: the document a reviewer reads (context, pairs,
 * one median aggregate per side, each side's headline figures) and its samples (every
 * timed sample, any other aggregates, each pair's round and block ratios and invocation
 * times, each side's counted samples and the evidence behind its figures), gzipped beside
 * it. The split is lossless and
 * generic: whatever fields a result's entries carry, old results included, come back.
 *
 * The samples are stored as columns: consecutive benchmarks[] entries with one name and
 * one list of keys form a group; a field with one value across the group is stored once
 * ("same"), the others as one array each ("columns"). Columns of like numbers compress
 * far better than entries that interleave twenty fields.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

#define SAMPLES_FORMAT "zcbench samples 1"

/* A pair's fields that are samples (or ratios of them, or per invocation), moved with
 * the samples. */
static const char *const pair_fields[] = {"round_ratios", "block_ratios", "invocation_seconds"};
/* A side's raw measurements and the evidence behind its headline figures: its counted
 * samples, iterations per invocation, counters, whole-machine CPU, cost-model terms, host
 * readings and what the kernel reported of zero-copy. The report shows them; the document
 * keeps what a reviewer reads (times, bytes/s, copies, zc_effective, the pair's verdicts). */
static const char *const side_fields[] = {"counted", "iterations_per_invocation", "counters", "system",
					  "model", "host", "zerocopy_reported"};

/* Moves the keys of src that are in keys[0..n) to dst. */
static void move_keys(json_t *dst, json_t *src, const char *const *keys, size_t n)
{
	for (size_t f = 0; f < n; f++) {
		json_t *v = json_object_get(src, keys[f]);
		if (v) {
			json_object_set(dst, keys[f], v);
			json_object_del(src, keys[f]);
		}
	}
}

/* Whether a benchmarks[] entry stays in the document: a median aggregate, or a side that
 * did not run (its error or skip message). */
static int stays(const json_t *e)
{
	const char *rt = json_string_value(json_object_get(e, "run_type"));
	const char *agg = json_string_value(json_object_get(e, "aggregate_name"));
	if (json_is_true(json_object_get(e, "error_occurred")) || json_is_true(json_object_get(e, "skipped")))
		return 1;
	return rt && strcmp(rt, "aggregate") == 0 && agg && strcmp(agg, "median") == 0;
}

/* Whether e has exactly the keys of keys, in that order. */
static int same_keys(const json_t *e, const json_t *keys)
{
	if (json_object_size(e) != json_array_size(keys))
		return 0;
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)e, k, v)
	{
		if (strcmp(k, json_string_value(json_array_get(keys, i++))) != 0)
			return 0;
	}
	return 1;
}

/* entries[from, to) (one name, one key list) as a group. */
static json_t *group_json(const json_t *entries, size_t from, size_t to)
{
	const json_t *first = json_array_get(entries, from);
	json_t *g = json_object(), *keys = json_array(), *same = json_object(), *cols = json_object();
	json_object_set_new(g, "name", json_incref(json_object_get(first, "name")));
	json_object_set_new(g, "start", json_integer((json_int_t)from));
	json_object_set_new(g, "n", json_integer((json_int_t)(to - from)));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)first, k, v)
	{
		json_array_append_new(keys, json_string(k));
		int constant = 1;
		for (size_t i = from + 1; constant && i < to; i++)
			constant = json_equal(v, json_object_get(json_array_get(entries, i), k));
		if (constant) {
			json_object_set(same, k, v);
			continue;
		}
		json_t *c = json_array();
		for (size_t i = from; i < to; i++)
			json_array_append(c, json_object_get(json_array_get(entries, i), k));
		json_object_set_new(cols, k, c);
	}
	json_object_set_new(g, "keys", keys);
	json_object_set_new(g, "same", same);
	json_object_set_new(g, "columns", cols);
	return g;
}

json_t *zc_result_split(json_t *doc)
{
	json_t *bench = json_object_get(doc, "benchmarks"), *pairs = json_object_get(doc, "pairs");
	if (!json_is_array(bench) || !json_is_array(pairs))
		return NULL;
	json_t *s = json_object(), *groups = json_array(), *kept = json_array(), *rr = json_array();
	json_object_set_new(s, "format", json_string(SAMPLES_FORMAT));
	size_t n = json_array_size(bench);
	json_object_set_new(s, "benchmarks_total", json_integer((json_int_t)n));
	for (size_t i = 0; i < n;) {
		json_t *e = json_array_get(bench, i);
		if (stays(e) || !json_is_object(e)) {
			json_array_append(kept, e);
			i++;
			continue;
		}
		json_t *keys = json_array();
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v)
		{
			json_array_append_new(keys, json_string(k));
		}
		size_t j = i + 1;
		for (; j < n; j++) {
			const json_t *f = json_array_get(bench, j);
			if (stays(f) || !json_equal(json_object_get(f, "name"), json_object_get(e, "name")) ||
			    !same_keys(f, keys))
				break;
		}
		json_decref(keys);
		json_array_append_new(groups, group_json(bench, i, j));
		i = j;
	}
	size_t i;
	json_t *pe;
	json_array_foreach(pairs, i, pe)
	{
		json_t *moved = json_object();
		move_keys(moved, pe, pair_fields, sizeof pair_fields / sizeof pair_fields[0]);
		json_t *sides = json_object_get(pe, "sides"), *ms = json_object();
		const char *side;
		json_t *sv;
		json_object_foreach(sides, side, sv)
		{
			json_t *m = json_object();
			move_keys(m, sv, side_fields, sizeof side_fields / sizeof side_fields[0]);
			if (json_object_size(m))
				json_object_set(ms, side, m);
			json_decref(m);
		}
		if (json_object_size(ms))
			json_object_set(moved, "sides", ms);
		json_decref(ms);
		json_array_append_new(rr, moved);
	}
	json_object_set_new(s, "groups", groups);
	json_object_set_new(s, "pairs", rr);
	json_object_set_new(doc, "benchmarks", kept);
	return s;
}

int zc_result_join(json_t *doc, const json_t *samples, char *err, size_t errlen)
{
	const char *fmt = json_string_value(json_object_get(samples, "format"));
	json_t *kept = json_object_get(doc, "benchmarks"), *pairs = json_object_get(doc, "pairs");
	const json_t *groups = json_object_get(samples, "groups"), *rr = json_object_get(samples, "pairs");
	json_int_t total = json_integer_value(json_object_get(samples, "benchmarks_total"));
	if (!fmt || strcmp(fmt, SAMPLES_FORMAT) != 0 || !json_is_array(groups) || !json_is_array(kept) ||
	    total < 0 || total > 100000000) {
		snprintf(err, errlen, "not a samples file of this format (%s)", fmt ? fmt : "no format");
		return -1;
	}
	json_t **slot = calloc((size_t)total ? (size_t)total : 1, sizeof *slot);
	if (!slot) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int bad = 0;
	size_t gi;
	const json_t *g;
	json_array_foreach(groups, gi, g)
	{
		json_int_t start = json_integer_value(json_object_get(g, "start"));
		json_int_t n = json_integer_value(json_object_get(g, "n"));
		const json_t *keys = json_object_get(g, "keys"), *same = json_object_get(g, "same"),
			     *cols = json_object_get(g, "columns");
		if (start < 0 || n <= 0 || start + n > total || !json_is_array(keys)) {
			bad = 1;
			break;
		}
		for (json_int_t r = 0; !bad && r < n; r++) {
			json_t *e = json_object();
			size_t ki;
			const json_t *key;
			json_array_foreach(keys, ki, key)
			{
				const char *k = json_string_value(key);
				json_t *v = k ? json_object_get(same, k) : NULL;
				if (!v)
					v = json_array_get(json_object_get(cols, k ? k : ""), (size_t)r);
				if (!v) {
					bad = 1;
					break;
				}
				json_object_set(e, k, v);
			}
			if (slot[start + r])
				bad = 1;
			if (bad) {
				json_decref(e);
				break;
			}
			slot[start + r] = e;
		}
	}
	/* The document's own entries fill the places the groups left, in order. */
	json_t *all = json_array();
	size_t next = 0;
	for (json_int_t k = 0; !bad && k < total; k++) {
		if (slot[k]) {
			json_array_append_new(all, slot[k]);
			slot[k] = NULL;
		} else if (next < json_array_size(kept)) {
			json_array_append(all, json_array_get(kept, next++));
		} else {
			bad = 1;
		}
	}
	bad = bad || next != json_array_size(kept) || (rr && json_array_size(rr) != json_array_size(pairs));
	for (json_int_t k = 0; k < total; k++)
		json_decref(slot[k]);
	free(slot);
	if (bad) {
		json_decref(all);
		snprintf(err, errlen, "the samples file does not match its result (entries missing or left over)");
		return -1;
	}
	json_object_set_new(doc, "benchmarks", all);
	size_t i;
	json_t *pe;
	json_array_foreach(pairs, i, pe)
	{
		const json_t *moved = json_array_get(rr, i);
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)moved, k, v)
		{
			if (strcmp(k, "sides") != 0) {
				json_object_set(pe, k, v);
				continue;
			}
			const char *side;
			json_t *sv;
			json_object_foreach(v, side, sv)
			{
				json_t *dst = json_object_get(json_object_get(pe, "sides"), side);
				const char *k2;
				json_t *v2;
				json_object_foreach(sv, k2, v2)
				{
					json_t *d2 = json_object_get(dst, k2);
					if (json_is_object(d2) && json_is_object(v2))
						json_object_update(d2, v2); /* system: its totals back */
					else if (dst)
						json_object_set(dst, k2, v2);
				}
			}
		}
	}
	return 0;
}
