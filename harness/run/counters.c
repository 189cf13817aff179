/* counters.c - see counters.h. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static long perf_open(struct perf_event_attr *a, int group)
{
	return syscall(SYS_perf_event_open, a, 0 /* this thread */, -1 /* any cpu */, group, 0);
}

/*
 * group_slot -1: a standalone event. Software events stay standalone: on Linux 6.18 a
 * page-fault event grouped under a tracepoint or task-clock leader, enabled and disabled
 * repeatedly with PERF_IOC_FLAG_GROUP, lost counts (0 to 352 of 640 real faults) while
 * the same event alone counted all 640. Hardware events share a group (slot 1) so that
 * cycles and instructions cover the same interval.
 */
static void open_one(struct zc_counters *c, enum zc_counter i, uint32_t type, uint64_t config,
		     int group_slot)
{
	int group = group_slot < 0 ? -1 : c->leader[group_slot];
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = type;
	a.config = config;
	a.disabled = group < 0; /* a leader starts disabled; members follow it */
	a.exclude_hv = 1;
	a.read_format = 0;
	long fd = perf_open(&a, group);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		/* perf_event_paranoid >= 2 without CAP_PERFMON: user-space-only counting. */
		a.exclude_kernel = 1;
		fd = perf_open(&a, group);
		if (fd >= 0 && i != ZC_CNT_PAGE_FAULTS && i != ZC_CNT_CYCLES &&
		    i != ZC_CNT_INSTRUCTIONS) {
			/* Kernel-side events would read as zero: worse than none. */
			close((int)fd);
			fd = -1;
			errno = EACCES;
		}
	}
	if (fd < 0) {
		snprintf(c->reason[i], sizeof c->reason[i], "perf_event_open(%s): %s%s",
			 zc_counter_event[i], strerror(errno),
			 errno == EACCES || errno == EPERM
				 ? " (needs root, CAP_PERFMON or kernel.perf_event_paranoid <= 1)"
			 : errno == ENOENT || errno == EOPNOTSUPP
				 ? " (not exposed on this machine, e.g. no PMU in a VM)"
				 : "");
		return;
	}
	c->fd[i] = (int)fd;
	if (group_slot >= 0 && group < 0)
		c->leader[group_slot] = (int)fd;
}

void zc_counters_open(struct zc_counters *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		c->fd[i] = -1;
	c->leader[0] = c->leader[1] = -1;

	long tp = zc_tracepoint_id("raw_syscalls/sys_enter", c->tracefs, sizeof c->tracefs,
				   c->reason[ZC_CNT_SYSCALLS], sizeof c->reason[ZC_CNT_SYSCALLS]);
	if (tp >= 0)
		open_one(c, ZC_CNT_SYSCALLS, PERF_TYPE_TRACEPOINT, (uint64_t)tp, -1);
	open_one(c, ZC_CNT_PAGE_FAULTS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, -1);
	open_one(c, ZC_CNT_CTX_SWITCHES, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, -1);
	open_one(c, ZC_CNT_CPU_MIGRATIONS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, -1);
	/* sched_waking fires in the waker's context (sched_wakeup may fire on the wakee's CPU). */
	long wk = zc_tracepoint_id("sched/sched_waking", c->tracefs, sizeof c->tracefs, c->reason[ZC_CNT_WAKEUPS],
				   sizeof c->reason[ZC_CNT_WAKEUPS]);
	if (wk >= 0)
		open_one(c, ZC_CNT_WAKEUPS, PERF_TYPE_TRACEPOINT, (uint64_t)wk, -1);
	/* Hardware events form their own group: a VM without a PMU refuses them alone. */
	open_one(c, ZC_CNT_CYCLES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1);
	open_one(c, ZC_CNT_INSTRUCTIONS, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1);
}

int zc_thread_tracepoint_counter(const char *event)
{
	char where[256], why[320];
	long id = zc_tracepoint_id(event, where, sizeof where, why, sizeof why);
	if (id < 0)
		return -1;
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)id;
	a.exclude_hv = 1;
	return (int)perf_open(&a, -1);
}

void zc_counters_close(struct zc_counters *c)
{
	for (int i = 0; i < ZC_NCOUNTERS; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
	c->leader[0] = c->leader[1] = -1;
}

int zc_counters_available(const struct zc_counters *c, enum zc_counter i)
{
	return c->fd[i] >= 0;
}

/*
 * Order matters for the syscall counter: it is enabled last and disabled first, so the
 * only syscalls of ours it sees are its own disabling ioctl and the clock reads; an
 * empty window measures exactly that overhead, and it is subtracted from every counted
 * sample.
 */
static void set_all(struct zc_counters *c, unsigned long req, int syscalls_last)
{
	if (!syscalls_last && c->fd[ZC_CNT_SYSCALLS] >= 0)
		ioctl(c->fd[ZC_CNT_SYSCALLS], req, 0);
	if (c->leader[1] >= 0)
		ioctl(c->leader[1], req, PERF_IOC_FLAG_GROUP);
	for (int i = ZC_CNT_PAGE_FAULTS; i <= ZC_CNT_CPU_MIGRATIONS; i++)
		if (c->fd[i] >= 0)
			ioctl(c->fd[i], req, 0);
	if (c->fd[ZC_CNT_WAKEUPS] >= 0)
		ioctl(c->fd[ZC_CNT_WAKEUPS], req, 0);
	if (syscalls_last && c->fd[ZC_CNT_SYSCALLS] >= 0)
		ioctl(c->fd[ZC_CNT_SYSCALLS], req, 0);
}

void zc_counters_start(struct zc_counters *c)
{
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		if (c->fd[i] >= 0)
			ioctl(c->fd[i], PERF_EVENT_IOC_RESET, 0);
	set_all(c, PERF_EVENT_IOC_ENABLE, 1);
}

void zc_counters_stop(struct zc_counters *c)
{
	set_all(c, PERF_EVENT_IOC_DISABLE, 0);
}

void zc_counters_read(const struct zc_counters *c, uint64_t out[ZC_NCOUNTERS])
{
	for (int i = 0; i < ZC_NCOUNTERS; i++) {
		out[i] = UINT64_MAX;
		uint64_t v;
		if (c->fd[i] >= 0 && read(c->fd[i], &v, sizeof v) == (ssize_t)sizeof v)
			out[i] = v;
	}
}
