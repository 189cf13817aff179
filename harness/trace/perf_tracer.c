/*
 * perf_tracer.c - the perf mechanism behind struct zc_tracer_ops: recorder.c's sampled
 * tracepoints, read every few milliseconds into paths.c's aggregation.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "trace.h"

struct zc_tracer {
	struct zc_recorder *rec;
	struct zc_ioprof *agg;
};

static struct zc_tracer *perf_open_tracer(const int *tids, size_t ntids, int on_exec, size_t buffer_bytes,
					  struct zc_ioprof *agg, char *why, size_t whylen)
{
	/* The sampled syscalls, and those that create descriptors (read at once). The mmsg
	 * ones are left out: their bytes are in user memory, which a sample does not hold. */
	long all[128], creating[128];
	size_t count, nall = 0, ncreating = 0;
	const struct zc_syscall_info *s = zc_io_syscalls(&count);
	for (size_t i = 0; i < count && nall < 128; i++) {
		if (s[i].mmsg)
			continue;
		all[nall++] = s[i].nr;
		if (zc_io_syscall_creates(&s[i]))
			creating[ncreating++] = s[i].nr;
	}
	struct zc_tracer *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->agg = agg;
	t->rec = zc_recorder_open(tids, ntids, all, nall, creating, ncreating, buffer_bytes, on_exec, why, whylen);
	if (!t->rec) {
		free(t);
		return NULL;
	}
	return t;
}

static void perf_enable(struct zc_tracer *t)
{
	zc_recorder_enable(t->rec);
}

static void perf_poll(struct zc_tracer *t, int timeout_ms)
{
	zc_recorder_wait(t->rec, timeout_ms);
	zc_recorder_drain(t->rec, 0, zc_ioprof_event, zc_ioprof_early, t->agg);
}

static void perf_finish(struct zc_tracer *t, struct zc_recorder_counts *c)
{
	zc_recorder_disable(t->rec);
	zc_recorder_drain(t->rec, 1, zc_ioprof_event, zc_ioprof_early, t->agg);
	zc_recorder_counts(t->rec, c);
}

static void perf_close(struct zc_tracer *t)
{
	if (!t)
		return;
	zc_recorder_close(t->rec);
	free(t);
}

const struct zc_tracer_ops zc_tracer_perf = {
	.name = "perf",
	.description = "perf_event_open: raw_syscalls:sys_enter/sys_exit (filtered to the IO syscalls) and "
		       "exceptions:page_fault_user/kernel, raw samples, inherited by children; descriptors "
		       "looked up under /proc; counters for all syscalls, context switches and faults",
	.open = perf_open_tracer,
	.enable = perf_enable,
	.poll = perf_poll,
	.finish = perf_finish,
	.close = perf_close,
};
