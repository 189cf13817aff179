/* host.c - see host.h. */
#define _GNU_SOURCE
#include "run.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static double run_delay_ns(void)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (!f)
		return NAN;
	unsigned long long on_cpu, delay;
	double v = fscanf(f, "%llu %llu", &on_cpu, &delay) == 2 ? (double)delay : NAN;
	fclose(f);
	return v;
}

void zc_host_read(int cpu, const struct zc_sys_reading *m, struct zc_host_reading *r)
{
	r->steal_ns = zc_sys_steal_ns(m, cpu);
	r->run_delay_ns = run_delay_ns();
}

#define PROBE_ADDS (8u * 4096u)

/* A chain of dependent adds: each needs the previous result, so it runs at one add per
 * cycle whatever the core's width; the empty asm keeps the compiler from folding it. */
static uint64_t add_chain(void)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < PROBE_ADDS / 8; i++) {
#define STEP x += 1; __asm__ volatile("" : "+r"(x));
		STEP STEP STEP STEP STEP STEP STEP STEP
#undef STEP
	}
	return x;
}

double zc_freq_probe(double (*clock_ns)(void))
{
	double best = INFINITY;
	for (int k = 0; k < 3; k++) {
		double t0 = clock_ns();
		uint64_t x = add_chain();
		double t1 = clock_ns();
		__asm__ volatile("" : : "r"(x));
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best > 0 && isfinite(best) ? (double)PROBE_ADDS / best : NAN;
}

unsigned zc_host_flags(double sample_ns, const struct zc_host_reading *before,
		       const struct zc_host_reading *after, double ghz_before, double ghz_after,
		       double ref_ghz)
{
	unsigned f = 0;
	double lost = 0;
	if (isfinite(before->steal_ns) && isfinite(after->steal_ns))
		lost += after->steal_ns - before->steal_ns;
	if (isfinite(before->run_delay_ns) && isfinite(after->run_delay_ns))
		lost += after->run_delay_ns - before->run_delay_ns;
	if (sample_ns > 0 && lost > ZC_HOST_STOLEN_FRACTION * sample_ns)
		f |= ZC_HOST_STOLEN;
	if (isfinite(ref_ghz) && ref_ghz > 0) {
		double slow = fmin(isfinite(ghz_before) ? ghz_before : INFINITY,
				   isfinite(ghz_after) ? ghz_after : INFINITY);
		if (slow < ZC_HOST_SLOW_FRACTION * ref_ghz)
			f |= ZC_HOST_SLOWED;
	}
	return f;
}
