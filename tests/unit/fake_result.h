/*
 * fake_result.h - a pair result with `n` rounds of zeroed sample arrays (AB|BA order, 100
 * iterations per sample), for tests that fill in known samples and run the analysis.
 * zc_pair_result_free() frees it.
 */
#ifndef FAKE_RESULT_H
#define FAKE_RESULT_H

#include <stdlib.h>
#include <string.h>

#include "app.h"

static inline void fake_result(struct zc_pair_result *r, const struct zc_pair *pair, const struct zc_param *param,
			       size_t n)
{
	memset(r, 0, sizeof *r);
	r->pair = pair;
	r->param = param;
	r->status = ZC_ST_OK;
	r->rounds = n;
	r->ratio = calloc(n, sizeof(double));
	r->first = calloc(n, 1);
	for (size_t k = 0; k < n; k++)
		r->first[k] = (unsigned char)(k % 2);
	for (int s = 0; s < 2; s++) {
		struct zc_side_result *sr = &r->side[s];
		sr->iterations = 100;
		sr->n = n;
		double **arr[] = {&sr->real_ns, &sr->cpu_ns, &sr->steal_ns, &sr->run_delay_ns, &sr->ghz_before,
				  &sr->ghz_after, &sr->sys_ns, &sr->peers_ns, &sr->stat_busy_ns, &sr->csw};
		for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
			*arr[i] = calloc(n, sizeof(double));
		sr->host_flags = calloc(n, sizeof(unsigned));
	}
	r->verified = 1;
}

#endif
