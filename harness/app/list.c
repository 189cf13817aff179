/* list.c - zcbench list: the pairs, as text or as JSON (what tests loop over). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "app.h"

/* The pairs as JSON: what tests loop over instead of naming pairs. */
static void list_json(FILE *f)
{
	json_t *pairs = json_array();
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		json_t *jp = json_object(), *tags = json_array(), *params = json_array();
		json_object_set_new(jp, "name", json_string(p->name));
		json_object_set_new(jp, "summary", json_string(p->summary));
		json_object_set_new(jp, "kind", json_string(zc_kind_name[zc_pair_kind(p)]));
		if (p->flags & ZC_PAIR_CONTROL)
			json_array_append_new(tags, json_string("control"));
		if (p->flags & ZC_PAIR_STREAM)
			json_array_append_new(tags, json_string("stream"));
		if (p->flags & ZC_PAIR_MAPPING)
			json_array_append_new(tags, json_string("mapping"));
		json_object_set_new(jp, "tags", tags);
		json_object_set_new(jp, "replaces", p->replaces ? json_string(p->replaces) : json_null());
		json_t *sides = json_object();
		for (int s = 0; s < ZC_NSIDES; s++) {
			json_t *js = json_object();
			json_object_set_new(js, "desc", json_string(p->side[s].desc));
			json_object_set_new(js, "copies_per_iter", json_real(p->side[s].copies_per_iter));
			json_object_set_new(js, "copies_if_copied",
					    json_real(p->side[s].copies_if_copied > 0 ? p->side[s].copies_if_copied
										 : p->side[s].copies_per_iter));
			json_object_set_new(js, "moves_bytes", json_boolean(!(p->side[s].flags & ZC_SIDE_NO_BYTES)));
			json_object_set_new(js, "model", json_boolean(p->side[s].model != NULL));
			json_object_set_new(sides, s == ZC_BASELINE ? "baseline" : "zerocopy", js);
		}
		json_object_set_new(jp, "sides", sides);
		for (size_t k = 0; k < p->nparams; k++) {
			const struct zc_param *q = &p->params[k];
			json_t *jq = json_object(), *inv = json_object();
			json_object_set_new(jq, "name", json_string(q->name));
			json_object_set_new(jq, "bytes", json_integer((json_int_t)q->bytes));
			json_object_set_new(jq, "desc", q->desc ? json_string(q->desc) : json_null());
			json_object_set_new(jq, "sweep", json_boolean(q->flags & ZC_PARAM_SWEEP));
			json_object_set_new(jq, "single", json_boolean(q->flags & ZC_PARAM_SINGLE));
			for (int s = 0; s < ZC_NSIDES; s++) {
				struct zc_invariants v = {.syscalls = NAN, .syscalls_at_least = 0, .faults = -1,
							  .zerocopy_effective_min = NAN};
				if (p->side[s].invariants)
					p->side[s].invariants(q, &v);
				if (!isfinite(v.syscalls) && v.faults < 0 && !isfinite(v.zerocopy_effective_min))
					continue;
				json_t *jv = json_object();
				if (isfinite(v.syscalls)) {
					json_object_set_new(jv, "syscalls_per_iter", json_real(v.syscalls));
					json_object_set_new(jv, "syscalls_at_least", json_boolean(v.syscalls_at_least));
				}
				if (v.faults >= 0)
					json_object_set_new(jv, "page_faults", json_string(v.faults ? "some" : "none"));
				if (isfinite(v.zerocopy_effective_min))
					json_object_set_new(jv, "zerocopy_effective_min", json_real(v.zerocopy_effective_min));
				json_object_set_new(inv, s == ZC_BASELINE ? "baseline" : "zerocopy", jv);
			}
			json_object_set_new(jq, "invariants", inv);
			json_array_append_new(params, jq);
		}
		json_object_set_new(jp, "params", params);
		json_array_append_new(pairs, jp);
	}
	json_t *doc = json_pack("{s:o}", "pairs", pairs);
	json_dumpf(doc, f, JSON_INDENT(1));
	fprintf(f, "\n");
	json_decref(doc);
}

static void list_text(FILE *f)
{
	for (size_t i = 0; i < zc_registry_count(); i++) {
		const struct zc_pair *p = zc_registry_get(i);
		fprintf(f, "%s%s%s: %s\n", p->name, p->flags & ZC_PAIR_CONTROL ? " [control]" : "",
		       p->flags & ZC_PAIR_STREAM ? " [stream]" : "", p->summary);
		fprintf(f, "  baseline: %s (copies/iter %g)\n", p->side[0].desc, p->side[0].copies_per_iter);
		fprintf(f, "  zerocopy: %s (copies/iter %g)\n", p->side[1].desc, p->side[1].copies_per_iter);
		if (p->replaces)
			fprintf(f, "  replaces: %s\n", p->replaces);
		for (size_t k = 0; k < p->nparams; k++)
			fprintf(f, "  %s/%s%s  %s\n", p->name, p->params[k].name,
			       p->params[k].flags & ZC_PARAM_SWEEP ? " [sweep]" : "",
			       p->params[k].desc ? p->params[k].desc : "");
	}
}

void zc_list_pairs(FILE *f, int json)
{
	if (json)
		list_json(f);
	else
		list_text(f);
}
