/*
 * names.c - how results spell the data model's enums: counters, /proc/stat fields,
 * verdicts, bounds, pair kinds.
 */
#include <string.h>

#include "result.h"

const char *const zc_counter_key[ZC_NCOUNTERS] = {
	"syscalls_per_iter",	     "page_faults_per_iter", "context_switches_per_iter",
	"cpu_migrations_per_iter", "cycles_per_iter",	    "instructions_per_iter",
	"wakeups_per_iter",
};

const char *const zc_counter_event[ZC_NCOUNTERS] = {
	"raw_syscalls:sys_enter", "page-faults",    "context-switches",
	"cpu-migrations",	  "cycles",	    "instructions",
	"sched:sched_waking",
};

const char *const zc_stat_field_name[ZC_NSTAT] = {"user", "nice", "system", "irq", "softirq", "steal"};

const char *const zc_verdict_name[ZC_NVERDICTS] = {"unknown", "faster", "slower", "same", "inconclusive", "unstable"};
const char *const zc_bound_name[ZC_NBOUNDS] = {NULL, "lower", "upper", "none"};

int zc_verdict_from_name(const char *name)
{
	for (int v = 0; name && v < ZC_NVERDICTS; v++)
		if (strcmp(name, zc_verdict_name[v]) == 0)
			return v;
	return -1;
}

const char *const zc_kind_name[ZC_NKINDS] = {"control", "stream", "other"};

enum zc_kind zc_pair_kind(const struct zc_pair *p)
{
	return p->flags & ZC_PAIR_CONTROL ? ZC_KIND_CONTROL : p->flags & ZC_PAIR_STREAM ? ZC_KIND_STREAM : ZC_KIND_OTHER;
}
