/* pin.c - pins the benchmark thread to one core so both sides share caches and clock. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

int zc_pin_cpu(int want, char *err, size_t errlen)
{
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	int cpu = want;
	if (cpu < 0) {
		/* Default: the last allowed core; core 0 takes more interrupts. */
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &allowed)) {
				cpu = c;
				break;
			}
	}
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
		char list[256] = "";
		size_t used = 0;
		for (int c = 0; c < CPU_SETSIZE && used < sizeof list - 8; c++)
			if (CPU_ISSET(c, &allowed))
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%d",
							 used ? "," : "", c);
		snprintf(err, errlen, "--cpu %d is not a core this process may run on (allowed: %s)",
			 want, list);
		return -1;
	}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0) {
		snprintf(err, errlen, "sched_setaffinity(cpu %d): %s", cpu, strerror(errno));
		return -1;
	}
	return cpu;
}
