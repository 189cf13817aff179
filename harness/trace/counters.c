/*
 * counters.c - the traced tasks' counted events (perf software counters, inherited):
 * context switches, page faults, major faults, and, where tracefs is there, every
 * syscall. Counted in the kernel, never sampled: both tracers use them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace.h"

enum { CNT_SWITCHES, CNT_FAULTS, CNT_FAULTS_MAJ, CNT_SYSCALLS, NCNTS };

struct zc_task_counters {
	int *fd; /* NCNTS per task; -1 where not counted */
	size_t n;
};

int zc_perf_open(struct perf_event_attr *a, int tid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

void zc_perf_open_error(const char *what, int tid, char *why, size_t whylen)
{
	int e = errno;
	long paranoid = -9;
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		if (fscanf(f, "%ld", &paranoid) != 1)
			paranoid = -9;
		fclose(f);
	}
	if (e == EACCES || e == EPERM)
		snprintf(why, whylen, "no permission for the %s events (kernel.perf_event_paranoid=%ld): run as root, with CAP_PERFMON, or with perf_event_paranoid=-1",
			 what, paranoid);
	else if (e == ESRCH)
		snprintf(why, whylen, "process %d is gone", tid);
	else
		snprintf(why, whylen, "perf_event_open(%s) for %d: %s", what, tid, strerror(e));
}

void zc_perf_base_attr(struct perf_event_attr *a, int on_exec)
{
	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->disabled = 1;
	a->inherit = 1;
	a->enable_on_exec = (unsigned)on_exec;
	a->exclude_hv = 1;
}

struct zc_task_counters *zc_task_counters_open(const int *tids, size_t ntids, int on_exec, long syscall_tp,
					       char *why, size_t whylen)
{
	static const uint64_t sw[] = {PERF_COUNT_SW_CONTEXT_SWITCHES, PERF_COUNT_SW_PAGE_FAULTS,
				      PERF_COUNT_SW_PAGE_FAULTS_MAJ};
	struct zc_task_counters *c = calloc(1, sizeof *c);
	if (c)
		c->fd = malloc((ntids * NCNTS + 1) * sizeof *c->fd);
	if (!c || !c->fd) {
		free(c);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ntids; i++) {
		for (int k = 0; k < NCNTS; k++) {
			int *fd = &c->fd[c->n++];
			*fd = -1;
			if (k == CNT_SYSCALLS && syscall_tp < 0)
				continue;
			struct perf_event_attr a;
			zc_perf_base_attr(&a, on_exec);
			a.type = k == CNT_SYSCALLS ? PERF_TYPE_TRACEPOINT : PERF_TYPE_SOFTWARE;
			a.config = k == CNT_SYSCALLS ? (uint64_t)syscall_tp : sw[k];
			*fd = zc_perf_open(&a, tids[i], -1);
			if (*fd < 0) {
				zc_perf_open_error(k == CNT_SYSCALLS ? "raw_syscalls/sys_enter" : "software", tids[i], why,
						   whylen);
				zc_task_counters_close(c);
				return NULL;
			}
		}
	}
	return c;
}

void zc_task_counters_enable(struct zc_task_counters *c, int on)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->fd[i] >= 0)
			ioctl(c->fd[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

void zc_task_counters_read(struct zc_task_counters *c, struct zc_recorder_counts *out)
{
	uint64_t sum[NCNTS] = {0};
	for (size_t i = 0; i < c->n; i++) {
		uint64_t v;
		if (c->fd[i] >= 0 && read(c->fd[i], &v, sizeof v) == (ssize_t)sizeof v)
			sum[i % NCNTS] += v;
	}
	if (c->n > CNT_SYSCALLS && c->fd[CNT_SYSCALLS] >= 0) {
		out->syscalls = sum[CNT_SYSCALLS];
		out->syscalls_counted = 1;
	}
	out->ctx_switches = sum[CNT_SWITCHES];
	out->faults = sum[CNT_FAULTS];
	out->faults_major = sum[CNT_FAULTS_MAJ];
}

void zc_task_counters_close(struct zc_task_counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	free(c->fd);
	free(c);
}
