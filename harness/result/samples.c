/*
 * samples.c - the data model's sample arrays: allocated for an invocation, appended
 * across invocations (the driver merges its workers' results), freed; and the run's
 * warnings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

#define SIDE_ARRAYS(X)                                                                      \
	X(real_ns) X(cpu_ns) X(steal_ns) X(run_delay_ns) X(ghz_before) X(ghz_after) X(sys_ns) X(peers_ns) \
	X(stat_busy_ns) X(csw)

int zc_side_alloc(struct zc_side_result *s, size_t n, size_t ncounted)
{
	int ok = 1;
#define ALLOC(f) ok = ok && (s->f = calloc(n ? n : 1, sizeof(double)));
	SIDE_ARRAYS(ALLOC)
#undef ALLOC
	ok = ok && (s->host_flags = calloc(n ? n : 1, sizeof(unsigned)));
	ok = ok && (s->counted_real_ns = calloc(ncounted ? ncounted : 1, sizeof(double)));
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		ok = ok && (s->cnt[i] = calloc(ncounted ? ncounted : 1, sizeof(double)));
	return ok ? 0 : -1;
}

/* *dst (had values) grown by src's add values; 0, or -1 (dst untouched) out of memory. */
static int grow_copy(double **dst, size_t had, const double *src, size_t add)
{
	double *a = realloc(*dst, (had + add ? had + add : 1) * sizeof(double));
	if (!a)
		return -1;
	memcpy(a + had, src, add * sizeof(double));
	*dst = a;
	return 0;
}

/* Appends src's samples of one side to dst's (both allocated by zc_side_alloc, or empty). */
static int append_side(struct zc_side_result *d, const struct zc_side_result *s)
{
	size_t n = d->n + s->n, nc = d->ncounted + s->ncounted;
	int bad = 0;
#define APPEND(f) bad = bad || grow_copy(&d->f, d->n, s->f, s->n);
	SIDE_ARRAYS(APPEND)
#undef APPEND
	unsigned *hf = bad ? NULL : realloc(d->host_flags, (n ? n : 1) * sizeof(unsigned));
	if (!hf)
		return -1;
	memcpy(hf + d->n, s->host_flags, s->n * sizeof(unsigned));
	d->host_flags = hf;
	bad = grow_copy(&d->counted_real_ns, d->ncounted, s->counted_real_ns, s->ncounted);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		bad = bad || grow_copy(&d->cnt[i], d->ncounted, s->cnt[i], s->ncounted);
	if (bad)
		return -1;
	d->n = n;
	d->ncounted = nc;
	d->window_ns_sum += s->window_ns_sum;
	d->sys_ns_sum += s->sys_ns_sum;
	d->stat_busy_ns_sum += s->stat_busy_ns_sum;
	for (int f = 0; f < ZC_NSTAT; f++)
		d->stat_ns_sum[f] += s->stat_ns_sum[f];
	if (s->ncpu > d->ncpu)
		d->ncpu = s->ncpu;
	for (int c = 0; c < s->ncpu; c++)
		d->cpu_busy_ns_sum[c] += s->cpu_busy_ns_sum[c];
	d->zc_zero += s->zc_zero;
	d->zc_copied += s->zc_copied;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int zc_pair_result_append(struct zc_pair_result *dst, const struct zc_pair_result *src)
{
	if (src->status != ZC_ST_OK || dst->ninv + src->ninv > ZC_MAX_INVOCATIONS)
		return -1;
	if (dst->ninv == 0) { /* the first invocation: its status, notes and verification */
		memset(dst, 0, sizeof *dst);
		dst->pair = src->pair;
		dst->param = src->param;
		dst->status = ZC_ST_OK;
		dst->verified = 1;
		dst->nnotes = src->nnotes;
		memcpy(dst->note_key, src->note_key, sizeof dst->note_key);
		memcpy(dst->note_val, src->note_val, sizeof dst->note_val);
	}
	size_t n = dst->rounds + src->rounds;
	double *ratio = realloc(dst->ratio, (n ? n : 1) * sizeof(double));
	unsigned char *first = ratio ? realloc(dst->first, n ? n : 1) : NULL;
	if (ratio)
		dst->ratio = ratio;
	if (!first)
		return -1;
	dst->first = first;
	memcpy(dst->ratio + dst->rounds, src->ratio, src->rounds * sizeof(double));
	memcpy(dst->first + dst->rounds, src->first, src->rounds);
	for (int s = 0; s < ZC_NSIDES; s++)
		if (append_side(&dst->side[s], &src->side[s]) != 0)
			return -1;
	for (size_t i = 0; i < src->ninv; i++) {
		size_t j = dst->ninv++;
		dst->inv_start[j] = dst->rounds + src->inv_start[i];
		dst->inv_id[j] = src->inv_id[i];
		memcpy(dst->inv_iterations[j], src->inv_iterations[i], sizeof dst->inv_iterations[j]);
		dst->inv_seconds[j] = src->inv_seconds[i];
	}
	dst->rounds = n;
	dst->inv_start[dst->ninv] = n;
	dst->verified = dst->verified && src->verified;
	for (int s = 0; s < ZC_NSIDES; s++) {
		uint64_t it[ZC_MAX_INVOCATIONS] = {0};
		for (size_t i = 0; i < dst->ninv; i++)
			it[i] = dst->inv_iterations[i][s];
		qsort(it, dst->ninv, sizeof *it, cmp_u64);
		dst->side[s].iterations = it[(dst->ninv - 1) / 2];
	}
	return 0;
}

static void free_side(struct zc_side_result *s)
{
#define FREE(f) free(s->f);
	SIDE_ARRAYS(FREE)
#undef FREE
	free(s->host_flags);
	free(s->counted_real_ns);
	free(s->sample_busy);
	free(s->sample_peer_bound);
	free(s->sample_bytes_per_second);
	free(s->sample_cpu_ns_per_byte);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		free(s->cnt[i]);
	memset(s, 0, sizeof *s);
}

void zc_pair_result_free(struct zc_pair_result *r)
{
	for (int s = 0; s < ZC_NSIDES; s++)
		free_side(&r->side[s]);
	free(r->ratio);
	free(r->first);
	free(r->block_ratio);
	free(r->position);
	free(r->cpu_block_ratio);
	r->ratio = r->block_ratio = r->position = r->cpu_block_ratio = NULL;
	r->first = NULL;
}

void zc_add_warning(struct zc_run *run, const char *fmt, ...)
{
	if (run->nwarnings == sizeof run->warnings / sizeof run->warnings[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(run->warnings[run->nwarnings], sizeof run->warnings[0], fmt, ap);
	va_end(ap);
	run->nwarnings++;
}
