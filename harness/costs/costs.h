/*
 * costs.h - measuring the machine's primitive costs (the "machine profile" of every
 * result, context.machine_profile) with the runner's own sampling; the table of
 * primitives and the lookup of a cost are catalog.h's.
 */
#ifndef ZC_COSTS_H
#define ZC_COSTS_H

#include "run.h"

/* Measures every primitive on the calling (pinned) thread; samples last ~min_time; the
 * per-byte ones up to `largest` bytes (at least 4 MiB; 0: every size). */
int zc_costs_measure(struct zc_costs *pf, double min_time, size_t largest);

#endif
