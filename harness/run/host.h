/*
 * host.h - what the host did to a sample: steal time and run delay (the vCPU or the
 * thread was not running while the clock ran) and a frequency probe (a fixed chain of
 * dependent adds timed before and after the sample: a guest has no cpufreq, but a host
 * that slows the vCPU slows the chain). Cheap, outside the timed window, and no counter.
 */
#ifndef ZC_HOST_H
#define ZC_HOST_H

#define ZC_HOST_STOLEN 0x1u /* steal + run delay above ZC_HOST_STOLEN_FRACTION of the sample */
#define ZC_HOST_SLOWED 0x2u /* the frequency probe ran below ZC_HOST_SLOW_FRACTION of the
			       run's reference, before or after the sample */
#define ZC_HOST_STOLEN_FRACTION 0.01
#define ZC_HOST_SLOW_FRACTION 0.90

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

#endif
