/*
 * export.c - a result in the formats continuous-benchmarking services read. Bencher
 * Metric Format: {benchmark: {measure: {value, lower_value, upper_value}}}; the pair's
 * ratios under "pair/param", each side's time under "pair/side/param". Formatting only:
 * every figure is the result's own.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* {value, lower_value, upper_value} when value is a number; NULL otherwise. */
static json_t *metric(const json_t *value, const json_t *low, const json_t *high)
{
	if (!json_is_number(value))
		return NULL;
	json_t *m = json_object();
	json_object_set_new(m, "value", json_real(json_number_value(value)));
	if (json_is_number(low))
		json_object_set_new(m, "lower_value", json_real(json_number_value(low)));
	if (json_is_number(high))
		json_object_set_new(m, "upper_value", json_real(json_number_value(high)));
	return m;
}

static void put(json_t *bench, const char *measure, json_t *m)
{
	if (m)
		json_object_set_new(bench, measure, m);
}

/* An interval object {median, ci_low, ci_high} as a metric. */
static json_t *interval_metric(const json_t *iv)
{
	return metric(json_object_get(iv, "median"), json_object_get(iv, "ci_low"), json_object_get(iv, "ci_high"));
}

json_t *zc_export_bmf(const json_t *doc)
{
	json_t *out = json_object();
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(doc, "pairs"), i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *param = json_string_value(json_object_get(p, "param"));
		const char *status = json_string_value(json_object_get(p, "status"));
		if (!name || !param || !status || strcmp(status, "ok") != 0)
			continue;
		char key[512];
		snprintf(key, sizeof key, "%s/%s", name, param);
		json_t *b = json_object();
		put(b, "ratio", metric(json_object_get(p, "ratio"), json_object_get(p, "ratio_ci_low"),
				       json_object_get(p, "ratio_ci_high")));
		put(b, "cpu-ratio", metric(json_object_get(p, "cpu_ratio"), json_object_get(p, "cpu_ratio_ci_low"),
					   json_object_get(p, "cpu_ratio_ci_high")));
		if (json_object_size(b))
			json_object_set_new(out, key, b);
		else
			json_decref(b);
		const char *sides[] = {"baseline", "zerocopy"};
		for (int s = 0; s < 2; s++) {
			const json_t *sd = json_object_get(json_object_get(p, "sides"), sides[s]);
			json_t *sb = json_object();
			put(sb, "latency", interval_metric(json_object_get(sd, "time_ns")));
			put(sb, "cpu-time", interval_metric(json_object_get(sd, "cpu_ns")));
			snprintf(key, sizeof key, "%s/%s/%s", name, sides[s], param);
			if (json_object_size(sb))
				json_object_set_new(out, key, sb);
			else
				json_decref(sb);
		}
	}
	return out;
}
