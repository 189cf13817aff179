/*
 * differences.c - what differs between two runs' contexts, for a comparison's header:
 * the CPU's identity, its ISA features gained or lost, kernel, hypervisor (by name, also
 * for older results that recorded the raw CPUID signature), each mitigation that differs
 * by its name and short state, THP, compiler, libraries, commit and the run's options. A
 * fact one run did not record is "unknown" there, never a difference of its own.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "machine.h"

static const char *const keys[] = {
	"machine", "kernel_release", "cpu_model", "cpu_microarchitecture", "cpu_family", "cpu_model_number",
	"cpu_stepping", "microcode", "hypervisor", "hypervisor_kernel", "num_cpus", "memory_bytes", "cache_size_cpuinfo", "governor",
	"boost", "smt_control", "thp_enabled", "thp_defrag", "compiler", "cflags", "xxhash_version",
	"openssl_version", "liburing_version", "git_commit", "git_dirty", "invocations_requested", "rounds",
	"min_time_s", "alpha", "equivalence", "quick", "filter",
};

static int unknown(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && strcmp(json_string_value(v), "unknown") == 0);
}

/* A value as text: strings as they are, the rest as compact JSON; a mitigation up to its
 * first ';'; a raw hypervisor signature by its name. */
static void text_of(const char *key, const json_t *v, char *out, size_t len)
{
	if (unknown(v)) {
		snprintf(out, len, "unknown");
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strcmp(key, "hypervisor") == 0 && strcmp(zc_hypervisor_name(s), "unknown") != 0)
			s = zc_hypervisor_name(s);
		snprintf(out, len, "%s", s);
	} else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(out, len, "%s", d ? d : "?");
		free(d);
	}
}

/* Whether the "; "-separated part p of length n is one of list's parts. */
static int has_part(const char *list, const char *p, size_t n)
{
	for (const char *q = list; *q;) {
		size_t m = strcspn(q, ";");
		if (m == n && strncmp(q, p, n) == 0)
			return 1;
		q += m;
		q += strspn(q, "; ");
	}
	return 0;
}

/* Two states of a mitigation, shortened in place to what tells them apart: their first
 * parts ("Mitigation: PTI") where those differ, else the parts only one of them has
 * ("BHI: Retpoline" against "BHI: Not affected"); equal states are left equal. */
static void mitigation_text(char *a, char *b)
{
	size_t la = strcspn(a, ";"), lb = strcspn(b, ";");
	if (la != lb || strncmp(a, b, la) != 0) {
		a[la] = 0;
		b[lb] = 0;
		return;
	}
	if (strcmp(a, b) == 0)
		return;
	char only[2][512];
	const char *side[2] = {a, b};
	for (int s = 0; s < 2; s++) {
		only[s][0] = 0;
		for (const char *q = side[s]; *q;) {
			size_t m = strcspn(q, ";"), l = strlen(only[s]);
			if (!has_part(side[!s], q, m))
				snprintf(only[s] + l, sizeof only[s] - l, "%s%.*s", l ? "; " : "", (int)m, q);
			q += m;
			q += strspn(q, "; ");
		}
	}
	snprintf(a, 512, "%s", only[0][0] ? only[0] : "-");
	snprintf(b, 512, "%s", only[1][0] ? only[1] : "-");
}

static void add(json_t *rows, const char *what, const char *a, const char *b)
{
	if (strcmp(a, b) != 0)
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s}", "what", what, "old", a, "new", b));
}

json_t *zc_context_differences(const json_t *A, const json_t *B)
{
	const json_t *ca = json_object_get(A, "context"), *cb = json_object_get(B, "context");
	json_t *rows = json_array();
	char a[512], b[512];
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		text_of(keys[i], json_object_get(ca, keys[i]), a, sizeof a);
		text_of(keys[i], json_object_get(cb, keys[i]), b, sizeof b);
		add(rows, keys[i], a, b);
	}
	/* ISA features: those both runs recorded, gained or lost. */
	const json_t *fa = json_object_get(ca, "cpu_flags"), *fb = json_object_get(cb, "cpu_flags");
	char gained[512] = "", lost[512] = "";
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)fa, k, v) {
		const json_t *w = json_object_get(fb, k);
		if (!json_is_boolean(v) || !json_is_boolean(w) || json_equal(v, w))
			continue;
		char *list = json_is_true(w) ? gained : lost;
		size_t l = strlen(list);
		snprintf(list + l, sizeof gained - l, "%s%s", l ? " " : "", k);
	}
	if (gained[0] || lost[0])
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s}", "what", "cpu_flags", "old", lost[0] ? lost : "-",
						      "new", gained[0] ? gained : "-"));
	/* Each mitigation, by name. */
	const json_t *ma = json_object_get(ca, "mitigations"), *mb = json_object_get(cb, "mitigations");
	json_object_foreach((json_t *)ma, k, v) {
		char what[128];
		snprintf(what, sizeof what, "mitigation %s", k);
		text_of(k, v, a, sizeof a);
		text_of(k, json_object_get(mb, k), b, sizeof b);
		mitigation_text(a, b);
		add(rows, what, a, b);
	}
	json_object_foreach((json_t *)mb, k, v) {
		if (json_object_get(ma, k))
			continue;
		char what[128];
		snprintf(what, sizeof what, "mitigation %s", k);
		text_of(k, v, b, sizeof b);
		b[strcspn(b, ";")] = 0;
		add(rows, what, "unknown", b);
	}
	return rows;
}
