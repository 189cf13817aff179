/*
 * costs_table.c - the machine's primitive costs as a human table (zcbench machine).
 */
#include <math.h>
#include <stdio.h>

#include "report.h"

static void print_ns(FILE *f, double ns)
{
	if (!isfinite(ns))
		fprintf(f, "%10s", "-");
	else if (ns < 1e3)
		fprintf(f, "%7.1f ns", ns);
	else if (ns < 1e6)
		fprintf(f, "%7.2f us", ns / 1e3);
	else
		fprintf(f, "%7.2f ms", ns / 1e6);
}

void zc_costs_print(FILE *f, const struct zc_costs *pf)
{
	fprintf(f, "machine profile (%d samples each, median [95%% interval]; %.1f s)\n", ZC_PROFILE_SAMPLES,
		pf->seconds);
	if (pf->error[0])
		fprintf(f, "  error: %s\n", pf->error);
	for (int p = 0; p < ZC_NPRIMS; p++) {
		const struct zc_prim_info *in = &zc_prim_info[p];
		if (in->per_byte)
			continue;
		fprintf(f, "  %-16s ", in->key);
		print_ns(f, pf->op[p].value);
		fprintf(f, "  [");
		print_ns(f, pf->op[p].ci_low);
		fprintf(f, ",");
		print_ns(f, pf->op[p].ci_high);
		fprintf(f, "]  %s\n", pf->why[p][0] ? pf->why[p] : in->what);
	}
	fprintf(f, "  %-16s", "GB/s at");
	for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
		char name[32];
		zc_size_name(zc_costs_sizes[z], name, sizeof name);
		fprintf(f, " %16s", name);
	}
	fprintf(f, "\n");
	for (int p = 0; p < ZC_NPRIMS; p++) {
		const struct zc_prim_info *in = &zc_prim_info[p];
		if (!in->per_byte)
			continue;
		fprintf(f, "  %-16s", in->key);
		for (int z = 0; z < ZC_PROFILE_NSIZES; z++) {
			const struct zc_interval *v = &pf->rate[p][z];
			if (!isfinite(v->value) || v->value <= 0)
				fprintf(f, " %16s", "-");
			else if (!(v->ci_low > 0)) /* a difference too small for its base's noise */
				fprintf(f, " %6.2f [%4.1f, inf]", 1 / v->value, 1 / v->ci_high);
			else
				fprintf(f, " %6.2f [%4.1f,%4.1f]", 1 / v->value, 1 / v->ci_high, 1 / v->ci_low);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "  settings: THP %s (defrag %s); fault_around_bytes %s; %.1f pages per file fault, %.1f per anonymous fault; LLC %ld bytes\n",
		pf->thp_enabled, pf->thp_defrag, pf->fault_around_bytes, pf->file_fault_pages, pf->anon_fault_pages,
		pf->llc_bytes);
	fprintf(f, "  folios: 4KiB file %s; 64KiB file %s; 4MiB file %s\n", pf->folios[0], pf->folios[1], pf->folios[2]);
}
