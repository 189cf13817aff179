/*
 * counters.h - per-thread event counts around a timed loop, via perf_event_open.
 *
 * Software events (page faults, context switches, migrations) and the tracepoint
 * raw_syscalls:sys_enter work even in VMs where hardware counters are not exposed.
 * A counter that cannot be opened stays unavailable with its reason; it is reported
 * as null, never as a number.
 */
#ifndef ZC_COUNTERS_H
#define ZC_COUNTERS_H

#include <stdint.h>

enum zc_counter {
	ZC_CNT_SYSCALLS,
	ZC_CNT_PAGE_FAULTS,
	ZC_CNT_CTX_SWITCHES,
	ZC_CNT_CPU_MIGRATIONS,
	ZC_CNT_CYCLES,
	ZC_CNT_INSTRUCTIONS,
	ZC_NCOUNTERS
};

struct zc_counters {
	int fd[ZC_NCOUNTERS];         /* -1 when unavailable */
	int leader[2];                /* [1]: the hardware group's leader, -1 if none */
	char reason[ZC_NCOUNTERS][320]; /* why a counter is unavailable */
	uint64_t overhead[ZC_NCOUNTERS]; /* counts of an empty measurement window */
	char tracefs[400];            /* where tracefs was found, or that zcbench mounted it, or why not */
};

/* JSON key of each counter, e.g. "syscalls_per_iter". */
extern const char *const zc_counter_key[ZC_NCOUNTERS];
/* Human name, e.g. "raw_syscalls:sys_enter". */
extern const char *const zc_counter_event[ZC_NCOUNTERS];

/* Opens what it can for the calling thread. Never fails: see fd[] and reason[]. As root,
 * mounts tracefs at /sys/kernel/tracing when it is not mounted (and says so in tracefs). */
void zc_counters_open(struct zc_counters *c);
void zc_counters_close(struct zc_counters *c);
int zc_counters_available(const struct zc_counters *c, enum zc_counter i);

/* Resets and enables / disables all open counters. */
void zc_counters_start(struct zc_counters *c);
void zc_counters_stop(struct zc_counters *c);
/* Reads the counts since the last start; unavailable ones are left as UINT64_MAX. */
void zc_counters_read(const struct zc_counters *c, uint64_t out[ZC_NCOUNTERS]);

#endif
