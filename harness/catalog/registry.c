/*
 * registry.c - the table of pairs, filled by each bench file's constructor.
 * Like `perf bench`'s table, but built at load time so that adding a pair is
 * adding one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define ZC_MAX_PAIRS 128

static const struct zc_pair *pairs[ZC_MAX_PAIRS];
static size_t npairs;
static int sorted;

static int valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

int zc_pair_check(const struct zc_pair *p, char *why, size_t whylen)
{
	if (!valid_name(p->name)) {
		snprintf(why, whylen, "pair name '%s' must be letters, digits, '_', '.', '-'",
			 p->name ? p->name : "(null)");
		return -1;
	}
	if (!p->summary || !p->params || p->nparams == 0) {
		snprintf(why, whylen, "pair %s: summary and at least one param are required",
			 p->name);
		return -1;
	}
	for (size_t i = 0; i < p->nparams; i++)
		if (!valid_name(p->params[i].name)) {
			snprintf(why, whylen, "pair %s: param %zu has an invalid name", p->name, i);
			return -1;
		}
	for (int s = 0; s < ZC_NSIDES; s++)
		if (!p->side[s].run || !p->side[s].desc || p->side[s].copies_per_iter < 0) {
			snprintf(why, whylen,
				 "pair %s: side %d needs run, desc and copies_per_iter >= 0",
				 p->name, s);
			return -1;
		}
	if (p->replaces && zc_replaces_check(p->replaces, why, whylen) != 0) {
		char inner[200];
		snprintf(inner, sizeof inner, "%s", why);
		snprintf(why, whylen, "pair %s: replaces: %s", p->name, inner);
		return -1;
	}
	if (!p->verify) {
		snprintf(why, whylen, "pair %s: verify is required", p->name);
		return -1;
	}
	return 0;
}

int zc_registry_add(const struct zc_pair *p, char *why, size_t whylen)
{
	if (zc_pair_check(p, why, whylen) != 0)
		return -1;
	if (zc_registry_find(p->name)) {
		snprintf(why, whylen, "pair '%s' registered twice", p->name);
		return -1;
	}
	if (npairs == ZC_MAX_PAIRS) {
		snprintf(why, whylen, "more than %d pairs registered", ZC_MAX_PAIRS);
		return -1;
	}
	pairs[npairs++] = p;
	sorted = 0;
	return 0;
}

/* A broken table entry is a programming error: refuse at startup, loudly. */
void zc_register(const struct zc_pair *p)
{
	char why[256];
	if (zc_registry_add(p, why, sizeof why) != 0) {
		fprintf(stderr, "zcbench: bad pair registration: %s\n", why);
		abort();
	}
}

static int cmp_pair(const void *a, const void *b)
{
	const struct zc_pair *x = *(const struct zc_pair *const *)a;
	const struct zc_pair *y = *(const struct zc_pair *const *)b;
	return strcmp(x->name, y->name);
}

size_t zc_registry_count(void)
{
	return npairs;
}

const struct zc_pair *zc_registry_get(size_t i)
{
	if (!sorted) {
		qsort(pairs, npairs, sizeof pairs[0], cmp_pair);
		sorted = 1;
	}
	return i < npairs ? pairs[i] : NULL;
}

const struct zc_pair *zc_registry_find(const char *name)
{
	for (size_t i = 0; i < npairs; i++)
		if (strcmp(pairs[i]->name, name) == 0)
			return pairs[i];
	return NULL;
}

void zc_registry_reset(void)
{
	npairs = 0;
	sorted = 0;
}
