/*
 * run.h - the runner: one pair at one param, its sides calibrated and interleaved in AB|BA
 * blocks on the pinned core (runner.c); the perf counters of the counted samples
 * (counters.c); what the host did to a sample (host.c: steal, run delay, a frequency
 * probe); the whole machine's CPU around a sample (system_cpu.c); pinning (pin.c).
 *
 * Whole-machine CPU: a zero-copy primitive can move work to a peer process, a softirq on
 * another core or a kernel thread, so the runner reads, outside the timed window:
 * - tasks: the sum of every process's CPU clock (the scheduler's own nanosecond
 *   accounting, clock_gettime on each process's CPU clock; root sees all of them, kernel
 *   threads included), those born during the window too. It misses interrupt work done
 *   while a core was idle, and processes born and gone within the window. A process that
 *   runs on another core without a break is seen at the tick (4 ms at HZ 250: its clock
 *   moves when it is switched or ticked, measured here), so single samples of a busy
 *   machine carry that much noise; stream peers, which sleep and wake per chunk, do not.
 * - /proc/stat per core (user, nice, system, irq, softirq, steal): the kernel's tick
 *   accounting at USER_HZ resolution. Summed over many samples it is the machine's own
 *   account to check the first against; per sample it is too coarse for a ratio.
 * The processes the benches start as peers are named (zc_peer_watch) and summed apart.
 */
#ifndef ZC_RUN_H
#define ZC_RUN_H

#include <sys/types.h>

#include "result.h"

/* ---- runner.c ---- */
/* Runs one pair at one param. Always fills r (status says what happened). */
void zc_run_pair(const struct zc_run_config *cfg, const struct zc_pair *p,
		 const struct zc_param *param, struct zc_pair_result *r);
/* Grows a run's iteration count until it lasts ~min_time, and confirms it (used for the
 * sides and the machine profile's primitives). */
int zc_calibrate(double min_time, int (*run)(void *ctx, int side, uint64_t iters, double *ns), void *ctx,
		 int side, uint64_t *out);
/* The loop floor: time per iteration of an empty run() with the DCE guards of a side. */
double zc_loop_floor_ns(const struct zc_run_config *cfg);

/* ---- counters.c: perf_event_open around the counted samples ----
 * Software events (page faults, context switches, migrations) and the tracepoint
 * raw_syscalls:sys_enter work even in VMs where hardware counters are not exposed. A
 * counter that cannot be opened stays unavailable with its reason; it is reported as null,
 * never as a number. */
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
/* One tracepoint ("sched/sched_waking") counted on the calling thread from now on, not
 * inherited: an fd to read(2) a u64 from, or -1 (no tracefs, or not allowed). */
int zc_thread_tracepoint_counter(const char *event);

/* ---- host.c: what the host did to a sample ---- */
struct zc_host_reading {
	double steal_ns;     /* /proc/stat: steal of the pinned cpu (USER_HZ resolution) */
	double run_delay_ns; /* /proc/thread-self/schedstat: time runnable but waiting */
};

struct zc_sys_reading;
/* Reads both: steal from the machine reading taken at the same boundary (one read of
 * /proc/stat serves both), run delay now; a value that cannot be read is NAN. */
void zc_host_read(int cpu, const struct zc_sys_reading *m, struct zc_host_reading *r);

/* The probe's speed in dependent adds per ns (~GHz): the best of 3 timed chains. clock_ns
 * is the clock to time it with (tests pass a fake one). */
double zc_freq_probe(double (*clock_ns)(void));

/* Flags for one sample: its wall time, the host readings before and after it, the probe
 * before and after it, and the run's reference probe. */
unsigned zc_host_flags(double sample_ns, const struct zc_host_reading *before,
		       const struct zc_host_reading *after, double ghz_before, double ghz_after,
		       double ref_ghz);

/* ---- system_cpu.c: the whole machine's CPU around a sample ---- */
/* What one window (a sample) cost the machine. NAN where a source is unavailable. */
struct zc_sys_delta {
	double window_ns;               /* CLOCK_MONOTONIC between the two readings */
	double tasks_ns;                /* CPU time of every process, summed */
	double peers_ns;                /* of the watched peer processes */
	size_t processes;               /* processes counted (at both ends, or born since) */
	double stat_ns[ZC_NSTAT];       /* /proc/stat, all cores, by field */
	double stat_busy_ns;            /* the sum of those fields */
	int ncpu;
	double cpu_busy_ns[ZC_SYS_MAX_CPUS]; /* /proc/stat busy per core */
};

struct zc_sys_reading; /* opaque: one reading of every source */

/* Takes a reading now (allocates; free with zc_sys_reading_free): a window's start with
 * start NULL, its end with the start's reading. NULL when /proc cannot be read. */
struct zc_sys_reading *zc_sys_read(const struct zc_sys_reading *start);
/* The steal time of one core in a reading (/proc/stat, USER_HZ resolution), NAN if none. */
double zc_sys_steal_ns(const struct zc_sys_reading *r, int cpu);
/* CPU time an empty window reports (the reading's own clock reads), to subtract. */
double zc_sys_overhead(void);
/* The cost of the window between two readings; frees neither. */
void zc_sys_delta(const struct zc_sys_reading *a, const struct zc_sys_reading *b, struct zc_sys_delta *d);
void zc_sys_reading_free(struct zc_sys_reading *r);

/* One line on how the machine's CPU is accounted here, for the result's context:
 * the sources, USER_HZ, and whether the kernel charges irq time apart
 * (CONFIG_IRQ_TIME_ACCOUNTING / VIRT_CPU_ACCOUNTING_GEN from /proc/config.gz or /boot). */
void zc_sys_describe(char *out, size_t len);
/* "y", "n", or "unknown: why", for CONFIG_IRQ_TIME_ACCOUNTING. */
void zc_sys_irq_time_accounting(char *out, size_t len);

/* Parses /proc/stat text into per-core fields (ns) and returns the core count, or -1.
 * Exposed for tests. */
int zc_sys_parse_stat(const char *text, double fields[][ZC_NSTAT], int max, double ns_per_tick);

/* ---- pin.c ---- */
/* Picks and pins the core (-1: last allowed). Returns the core, or -1 with a message. */
int zc_pin_cpu(int want, char *err, size_t errlen);

#endif
