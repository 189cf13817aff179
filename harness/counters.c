/* counters.c - see counters.h. */
#define _GNU_SOURCE
#include "counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const zc_counter_key[ZC_NCOUNTERS] = {
	"syscalls_per_iter",	     "page_faults_per_iter", "context_switches_per_iter",
	"cpu_migrations_per_iter", "cycles_per_iter",	    "instructions_per_iter",
};

const char *const zc_counter_event[ZC_NCOUNTERS] = {
	"raw_syscalls:sys_enter", "page-faults",    "context-switches",
	"cpu-migrations",	  "cycles",	    "instructions",
};

static long perf_open(struct perf_event_attr *a, int group)
{
	return syscall(SYS_perf_event_open, a, 0 /* this thread */, -1 /* any cpu */, group, 0);
}

/* The tracepoint id lives in tracefs, mounted at one of two places. */
static long tracepoint_id(const char *event, char *why, size_t whylen)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/events/%s/id", roots[i], event);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		long id = -1;
		if (fscanf(f, "%ld", &id) != 1)
			id = -1;
		fclose(f);
		if (id >= 0)
			return id;
	}
	snprintf(why, whylen, "tracefs not readable (no events/%s/id under /sys/kernel/tracing)",
		 event);
	return -1;
}

static void open_one(struct zc_counters *c, enum zc_counter i, uint32_t type, uint64_t config,
		     int group_slot)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = type;
	a.config = config;
	a.disabled = c->leader[group_slot] < 0; /* the leader starts disabled; members follow it */
	a.exclude_hv = 1;
	a.read_format = 0;
	long fd = perf_open(&a, c->leader[group_slot]);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		/* perf_event_paranoid >= 2 without CAP_PERFMON: user-space-only counting. */
		a.exclude_kernel = 1;
		fd = perf_open(&a, c->leader[group_slot]);
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
	if (c->leader[group_slot] < 0)
		c->leader[group_slot] = (int)fd;
}

void zc_counters_open(struct zc_counters *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < ZC_NCOUNTERS; i++)
		c->fd[i] = -1;
	c->leader[0] = c->leader[1] = -1;

	long tp = tracepoint_id("raw_syscalls/sys_enter", c->reason[ZC_CNT_SYSCALLS],
				sizeof c->reason[ZC_CNT_SYSCALLS]);
	if (tp >= 0)
		open_one(c, ZC_CNT_SYSCALLS, PERF_TYPE_TRACEPOINT, (uint64_t)tp, 0);
	open_one(c, ZC_CNT_PAGE_FAULTS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0);
	open_one(c, ZC_CNT_CTX_SWITCHES, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 0);
	open_one(c, ZC_CNT_CPU_MIGRATIONS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 0);
	/* Hardware events form their own group: a VM without a PMU refuses them alone. */
	open_one(c, ZC_CNT_CYCLES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1);
	open_one(c, ZC_CNT_INSTRUCTIONS, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1);
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
 * Order matters for the syscall counter: the software group is enabled last and
 * disabled first, so the only syscall it sees of ours is its own disabling ioctl
 * (plus the timers' clock_gettime for CPU time); an empty window measures exactly
 * that overhead once, and it is subtracted from every sample.
 */
void zc_counters_start(struct zc_counters *c)
{
	for (int g = 1; g >= 0; g--) {
		if (c->leader[g] < 0)
			continue;
		ioctl(c->leader[g], PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
		ioctl(c->leader[g], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	}
}

void zc_counters_stop(struct zc_counters *c)
{
	for (int g = 0; g < 2; g++)
		if (c->leader[g] >= 0)
			ioctl(c->leader[g], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
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
