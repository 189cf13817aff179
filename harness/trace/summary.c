/*
 * summary.c - every number of an IO profile, once: per path its size quantiles, mean,
 * time per call and whether it copies; the totals; the tracing overhead's medians and
 * ratios. The reporter (report/ioprofile.c) only formats them.
 */
#include <stdlib.h>

#include "trace.h"

static int by_bytes_desc(const void *a, const void *b)
{
	const struct zc_io_path *x = ((const struct zc_io_path_summary *)a)->path;
	const struct zc_io_path *y = ((const struct zc_io_path_summary *)b)->path;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

static void summarize_path(const struct zc_io_path *q, struct zc_io_path_summary *s)
{
	uint64_t ok = q->calls - q->errors;
	s->path = q;
	s->copied = zc_io_path_copied(q);
	s->has_sizes = ok > 0;
	s->median = ok ? zc_io_path_quantile(q, 0.5, &s->exact) : 0;
	s->p90 = ok ? zc_io_path_quantile(q, 0.9, &s->exact) : 0;
	s->mean = ok ? (double)q->bytes / (double)ok : 0;
	s->ns_per_call = q->calls ? (double)q->time_ns / (double)q->calls : 0;
	s->bytes_per_second = q->sys->dir != ZC_DIR_RING && q->time_ns ? (double)q->bytes * 1e9 / (double)q->time_ns : -1;
}

int zc_ioprof_summarize(const struct zc_ioprof *p, const struct zc_ioprof_run *run, struct zc_ioprof_summary *s)
{
	*s = (struct zc_ioprof_summary){0};
	s->paths = calloc(p->npaths + 1, sizeof *s->paths);
	if (!s->paths)
		return -1;
	s->npaths = p->npaths;
	for (size_t i = 0; i < p->npaths; i++) {
		const struct zc_io_path *q = &p->paths[i];
		summarize_path(q, &s->paths[i]);
		s->io_calls += q->calls;
		s->io_ns += q->time_ns;
		s->unresolved += q->unresolved;
		if (s->paths[i].copied)
			*(q->sys->dir == ZC_DIR_IN ? &s->copied_in : &s->copied_out) += q->bytes;
		else if (q->zerocopy_flag)
			s->zc_sends += q->bytes;
		else if (q->sys->dir == ZC_DIR_MOVE)
			s->moved += q->bytes;
	}
	qsort(s->paths, s->npaths, sizeof *s->paths, by_bytes_desc);
	size_t n = run->overhead_reps > 0 ? (size_t)run->overhead_reps : 0;
	if (n) {
		s->untraced_wall_median_s = zc_median(run->untraced_wall_s, n);
		s->traced_wall_median_s = zc_median(run->traced_wall_s, n);
		s->untraced_cpu_median_s = zc_median(run->untraced_cpu_s, n);
		s->traced_cpu_median_s = zc_median(run->traced_cpu_s, n);
		s->wall_ratio = s->untraced_wall_median_s > 0 ? s->traced_wall_median_s / s->untraced_wall_median_s : -1;
		s->cpu_ratio = s->untraced_cpu_median_s > 0 ? s->traced_cpu_median_s / s->untraced_cpu_median_s : -1;
	}
	s->floor_wall_ratio = -1;
	if (n && run->floor_reps > 0) {
		s->floor_wall_median_s = zc_median(run->floor_wall_s, (size_t)run->floor_reps);
		if (s->untraced_wall_median_s > 0)
			s->floor_wall_ratio = s->floor_wall_median_s / s->untraced_wall_median_s;
	}
	return 0;
}

void zc_ioprof_summary_free(struct zc_ioprof_summary *s)
{
	free(s->paths);
	s->paths = NULL;
}
