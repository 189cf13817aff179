/*
 * system_cpu.h - the whole machine's CPU time around a sample, not only the benchmark
 * thread's: a zero-copy primitive can move work to a peer process, a softirq on another
 * core or a kernel thread, and a stream's wall time can be the hand-off between them.
 *
 * Two sources, read outside the timed window:
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
#ifndef ZC_SYSTEM_CPU_H
#define ZC_SYSTEM_CPU_H

#include <stddef.h>
#include <sys/types.h>

#define ZC_SYS_MAX_CPUS 256

enum zc_stat_field { ZC_STAT_USER, ZC_STAT_NICE, ZC_STAT_SYSTEM, ZC_STAT_IRQ, ZC_STAT_SOFTIRQ,
		     ZC_STAT_STEAL, ZC_NSTAT };
extern const char *const zc_stat_field_name[ZC_NSTAT];

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

#endif
